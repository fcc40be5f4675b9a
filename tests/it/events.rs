//! The project event outbox: every change to a project or its members
//! writes one event in its own transaction, numbered in its
//! organization's commit order, and nothing else does.

use projects_api::domain::{Plan, Role};
use projects_api::store::{Store, StoreOptions};
use serde_json::{Value, json};

use crate::helpers::{
    TestApp, TestUser, create_project_at, error_codes, project, spawn_app, store_options,
};

const EVENTS: &str = "query($o: String!, $after: String, $first: Int) { organization(slug: $o) {
  projectEvents(first: $first, after: $after) {
    edges { cursor node { id type cursor projectId project { slug } actor { email } payload occurredAt } }
    pageInfo { hasNextPage hasPreviousPage endCursor }
  } } }";

/// Every event of `user`'s personal organization after `after`, read in
/// pages of `page`.
async fn events_after(
    app: &TestApp,
    user: &TestUser,
    mut after: Option<String>,
    page: i32,
) -> Vec<Value> {
    let mut events = Vec::new();
    loop {
        let (_, body) = app
            .graphql(
                Some(&user.token),
                EVENTS,
                json!({ "o": user.organization_slug, "after": after, "first": page }),
            )
            .await;
        let connection = &body["data"]["organization"]["projectEvents"];
        let edges = connection["edges"]
            .as_array()
            .unwrap_or_else(|| panic!("a page of events: {body}"));
        for edge in edges {
            assert_eq!(edge["cursor"], edge["node"]["cursor"]);
            events.push(edge["node"].clone());
        }
        if connection["pageInfo"]["hasNextPage"] != json!(true) {
            return events;
        }
        after = Some(
            connection["pageInfo"]["endCursor"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
}

async fn events(app: &TestApp, user: &TestUser) -> Vec<Value> {
    events_after(app, user, None, 100).await
}

fn types(events: &[Value]) -> Vec<&str> {
    events
        .iter()
        .map(|event| event["type"].as_str().unwrap())
        .collect()
}

async fn call(app: &TestApp, user: &TestUser, query: &str, variables: Value) -> Value {
    let (_, body) = app.graphql(Some(&user.token), query, variables).await;
    body
}

/// The event numbers of `user`'s personal organization, in stream order,
/// from the cursors (`event:<organization>:<number>`, base64).
async fn sequences(app: &TestApp, user: &TestUser) -> Vec<i64> {
    use base64::Engine;
    events(app, user)
        .await
        .iter()
        .map(|event| {
            let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(event["cursor"].as_str().unwrap())
                .unwrap();
            let text = String::from_utf8(bytes).unwrap();
            let (prefix, number) = text.rsplit_once(':').unwrap();
            assert_eq!(prefix, format!("event:{}", user.organization_id));
            number.parse().unwrap()
        })
        .collect()
}

#[tokio::test]
async fn every_change_to_a_project_or_its_members_is_one_event_in_order() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    let bob = app.create_user("bob@example.com").await;
    app.store
        .add_member(&ada.organization_slug, "bob@example.com", Role::Member)
        .await
        .unwrap();
    let body = app
        .create_project(&ada, json!({ "name": "Docs", "slug": "docs" }))
        .await;
    let id = project(&body)["id"].clone();
    let updated_at = project(&body)["updatedAt"].clone();
    // A refused change writes nothing.
    let refused = call(
        &app,
        &ada,
        "mutation($i: UpdateProjectInput!) { updateProject(input: $i) { project { id } } }",
        json!({ "i": { "id": id, "patch": { "name": "" } } }),
    )
    .await;
    assert_eq!(error_codes(&refused), ["INVALID_NAME"], "{refused}");
    let steps = [
        (
            "mutation($i: UpdateProjectInput!) { updateProject(input: $i) { project { id } } }",
            json!({ "i": { "id": id, "patch": { "name": "Docs 2" }, "expectedUpdatedAt": updated_at } }),
        ),
        (
            "mutation($p: ID!) { addProjectMember(projectId: $p, email: \"bob@example.com\", role: VIEWER) { member { role } } }",
            json!({ "p": id }),
        ),
        (
            "mutation($p: ID!, $u: ID!) { updateProjectMemberRole(projectId: $p, userId: $u, role: OWNER) { member { role } } }",
            json!({ "p": id, "u": bob.global_id() }),
        ),
        (
            "mutation($p: ID!, $u: ID!) { removeProjectMember(projectId: $p, userId: $u) { project { id } } }",
            json!({ "p": id, "u": bob.global_id() }),
        ),
        (
            "mutation($p: ID!) { archiveProject(id: $p) { project { id } } }",
            json!({ "p": id }),
        ),
        (
            "mutation($p: ID!) { restoreProject(id: $p) { project { id } } }",
            json!({ "p": id }),
        ),
        (
            "mutation($p: ID!) { deleteProject(id: $p, confirmSlug: \"docs\") { purgeAt } }",
            json!({ "p": id }),
        ),
        (
            "mutation($p: ID!) { restoreDeletedProject(id: $p) { project { id } } }",
            json!({ "p": id }),
        ),
    ];
    for (query, variables) in steps {
        let body = call(&app, &ada, query, variables).await;
        assert!(body.get("errors").is_none(), "{query}: {body}");
    }

    let events = events(&app, &ada).await;
    assert_eq!(
        types(&events),
        [
            "project.created.v1",
            "project.updated.v1",
            "project.member_added.v1",
            "project.member_role_updated.v1",
            "project.member_removed.v1",
            "project.archived.v1",
            "project.restored.v1",
            "project.deleted.v1",
            "project.undeleted.v1",
        ]
    );
    for event in &events {
        assert_eq!(event["projectId"], id);
        assert_eq!(event["actor"]["email"], "ada@example.com");
        assert_eq!(event["project"]["slug"], "docs");
        assert!(event["id"].as_str().unwrap().starts_with("ProjectEvent:"));
    }
    assert_eq!(events[0]["payload"]["input"]["name"], "Docs");
    assert_eq!(
        events[1]["payload"]["after"]["name"], "Docs 2",
        "{}",
        events[1]
    );
    assert_eq!(
        events[1]["payload"]["before"]["name"], "Docs",
        "{}",
        events[1]
    );
    assert_eq!(events[2]["payload"]["role"], "VIEWER", "{}", events[2]);
    let ids: std::collections::HashSet<&str> =
        events.iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), events.len());
    // Numbered 1, 2, 3, … in the organization.
    assert_eq!(sequences(&app, &ada).await, (1..=9).collect::<Vec<i64>>());
    // Bob's organization has none; he cannot read Ada's.
    assert!(self::events(&app, &bob).await.is_empty());
    let (_, body) = app
        .graphql(
            Some(&bob.token),
            EVENTS,
            json!({ "o": ada.organization_slug }),
        )
        .await;
    // Bob is a member of Ada's organization, so he sees the same stream.
    assert_eq!(
        body["data"]["organization"]["projectEvents"]["edges"]
            .as_array()
            .map(Vec::len),
        Some(9),
        "{body}"
    );
    let carol = app.create_user("carol@example.com").await;
    let (_, body) = app
        .graphql(
            Some(&carol.token),
            EVENTS,
            json!({ "o": ada.organization_slug }),
        )
        .await;
    assert_eq!(body["data"]["organization"], Value::Null, "{body}");
}

#[tokio::test]
async fn pages_after_a_cursor_read_every_event_once() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    for i in 0..7 {
        let body = app
            .create_project(&ada, json!({ "name": format!("P {i}") }))
            .await;
        assert!(body.get("errors").is_none(), "{body}");
    }
    let all = events(&app, &ada).await;
    assert_eq!(all.len(), 7);
    let paged = events_after(&app, &ada, None, 3).await;
    assert_eq!(paged, all);
    // From the third event's cursor: the four after it, none before.
    let rest = events_after(
        &app,
        &ada,
        all[2]["cursor"].as_str().map(str::to_owned),
        100,
    )
    .await;
    assert_eq!(rest, all[3..]);
    // The last cursor reads nothing yet, and then exactly what follows.
    let last = all[6]["cursor"].as_str().unwrap().to_owned();
    assert!(
        events_after(&app, &ada, Some(last.clone()), 100)
            .await
            .is_empty()
    );
    app.create_project(&ada, json!({ "name": "P 7" })).await;
    let next = events_after(&app, &ada, Some(last), 100).await;
    assert_eq!(next.len(), 1);
    assert_eq!(next[0]["payload"]["input"]["name"], "P 7");
    // A cursor of another list is refused at `after`.
    let (_, body) = app
        .graphql(
            Some(&ada.token),
            "query($o: String!) { organization(slug: $o) { projects(first: 1) { pageInfo { endCursor } } } }",
            json!({ "o": ada.organization_slug }),
        )
        .await;
    let foreign = body["data"]["organization"]["projects"]["pageInfo"]["endCursor"].clone();
    let (_, body) = app
        .graphql(
            Some(&ada.token),
            EVENTS,
            json!({ "o": ada.organization_slug, "after": foreign }),
        )
        .await;
    assert_eq!(error_codes(&body), ["BAD_USER_INPUT"], "{body}");
    assert_eq!(body["errors"][0]["extensions"]["field"], json!(["after"]));
}

#[tokio::test]
async fn a_change_that_rolls_back_emits_nothing_and_takes_no_number() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    app.create_project(&ada, json!({ "name": "First", "slug": "first" }))
        .await;
    // The event is the last write: with its table gone, the create fails
    // after every other insert, and all of them roll back.
    app.execute("ALTER TABLE project_events RENAME TO project_events_away")
        .await;
    for input in [
        json!({ "name": "Second", "slug": "second" }),
        json!({ "name": "Third" }),
    ] {
        let body = app.create_project(&ada, input).await;
        assert_eq!(error_codes(&body), ["INTERNAL_SERVER_ERROR"], "{body}");
    }
    app.execute("ALTER TABLE project_events_away RENAME TO project_events")
        .await;
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM projects").await,
        1,
        "no project of a failed create"
    );
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM audit_events WHERE action = 'project.created'")
            .await,
        1
    );
    // A refused create (its slug is taken) writes no event either.
    let body = app
        .create_project(&ada, json!({ "name": "Again", "slug": "first" }))
        .await;
    assert_eq!(error_codes(&body), ["SLUG_ALREADY_EXISTS"], "{body}");
    let body = app
        .create_project(&ada, json!({ "name": "Second", "slug": "second" }))
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    // The failed ones took no number: the next event is 2.
    assert_eq!(sequences(&app, &ada).await, [1, 2]);
    assert_eq!(
        types(&events(&app, &ada).await),
        ["project.created.v1", "project.created.v1"]
    );
}

#[tokio::test]
async fn leaving_an_organization_is_a_member_event_of_each_project_left() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    let bob = app.create_user("bob@example.com").await;
    app.store
        .add_member(&ada.organization_slug, "bob@example.com", Role::Member)
        .await
        .unwrap();
    let mut ids = Vec::new();
    for slug in ["one", "two", "three"] {
        let body = app
            .create_project(&ada, json!({ "name": slug, "slug": slug }))
            .await;
        ids.push(project(&body)["id"].clone());
    }
    for id in &ids[..2] {
        let body = call(
            &app,
            &ada,
            "mutation($p: ID!) { addProjectMember(projectId: $p, email: \"bob@example.com\", role: MEMBER) { member { role } } }",
            json!({ "p": id }),
        )
        .await;
        assert!(body.get("errors").is_none(), "{body}");
    }
    let before = events(&app, &ada).await.len();
    let body = call(
        &app,
        &ada,
        "mutation($o: ID!, $u: ID!) { removeOrganizationMember(organizationId: $o, userId: $u) { organization { id } } }",
        json!({ "o": ada.organization_global_id(), "u": bob.global_id() }),
    )
    .await;
    assert!(body.get("errors").is_none(), "{body}");
    let events = events(&app, &ada).await;
    let left = &events[before..];
    assert_eq!(
        types(left),
        ["project.member_removed.v1", "project.member_removed.v1"]
    );
    let mut projects: Vec<&Value> = left.iter().map(|e| &e["projectId"]).collect();
    projects.sort_by_key(|id| id.to_string());
    let mut expected: Vec<&Value> = ids[..2].iter().collect();
    expected.sort_by_key(|id| id.to_string());
    assert_eq!(projects, expected);
    assert_eq!(left[0]["payload"]["userId"], json!(bob.id), "{}", left[0]);
}

#[tokio::test]
async fn concurrent_creates_through_two_processes_are_numbered_without_gaps() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    app.store
        .set_plan(&ada.organization_slug, Plan::Enterprise)
        .await
        .unwrap();
    let replica = app.spawn_replica().await;
    let addresses = [app.address.clone(), replica.address.clone()];
    let mut tasks = Vec::new();
    for i in 0..24 {
        let client = app.client.clone();
        let address = addresses[i % 2].clone();
        let user = TestUser {
            id: ada.id.clone(),
            organization_id: ada.organization_id.clone(),
            organization_slug: ada.organization_slug.clone(),
            token: ada.token.clone(),
        };
        // Explicit slugs by id take PostgreSQL's one-statement path, derived
        // ones the locked path: both kinds race here.
        let input = if i % 3 == 0 {
            json!({ "name": format!("Race {i}") })
        } else {
            json!({ "name": format!("Race {i}"), "slug": format!("race-{i}"), "organizationId": ada.organization_global_id() })
        };
        tasks.push(tokio::spawn(async move {
            create_project_at(&client, &address, &user, input).await
        }));
    }
    for task in tasks {
        let body = task.await.unwrap();
        assert!(body.get("errors").is_none(), "{body}");
    }
    assert_eq!(sequences(&app, &ada).await, (1..=24).collect::<Vec<i64>>());
    // The order of the numbers is the order of the commits: each event's
    // project existed by then, so reading the stream finds 24 projects.
    let events = events(&app, &ada).await;
    assert_eq!(events.len(), 24);
    let projects: std::collections::HashSet<&str> = events
        .iter()
        .map(|e| e["projectId"].as_str().unwrap())
        .collect();
    assert_eq!(projects.len(), 24);
}

#[tokio::test]
async fn events_past_their_retention_are_purged_and_numbering_goes_on() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    for name in ["A", "B"] {
        app.create_project(&ada, json!({ "name": name })).await;
    }
    // Within the retention period the server's own purge keeps them.
    assert_eq!(app.store.purge_expired_events().await.unwrap(), 0);
    let impatient = Store::connect(&StoreOptions {
        event_retention: std::time::Duration::ZERO,
        ..store_options(&app.db.url)
    })
    .await
    .unwrap();
    let (first, second) = tokio::join!(
        impatient.purge_expired_events(),
        impatient.purge_expired_events()
    );
    assert_eq!(first.unwrap() + second.unwrap(), 2);
    assert!(events(&app, &ada).await.is_empty());
    // The audit log is not the outbox: it keeps both.
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM audit_events WHERE action = 'project.created'")
            .await,
        2
    );
    app.create_project(&ada, json!({ "name": "C" })).await;
    assert_eq!(sequences(&app, &ada).await, [3]);
}

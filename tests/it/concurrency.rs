//! Races the database must win: concurrent creates in one organization,
//! sent through two server processes (this test's server and a replica
//! started from the binary) sharing one database.

use std::collections::HashSet;

use futures::future::join_all;
use serde_json::{Value, json};

use projects_api::domain::Plan;

use crate::helpers::{
    Replica, TestApp, TestUser, create_many, create_project_at, error_codes, project, spawn_app,
};

/// Sends `n` creates with `input`, alternating between the two servers.
async fn race(app: &TestApp, replica: &str, user: &TestUser, n: usize, input: Value) -> Vec<Value> {
    let requests = (0..n).map(|i| {
        let address = if i % 2 == 0 {
            app.address.as_str()
        } else {
            replica
        };
        create_project_at(&app.client, address, user, input.clone())
    });
    join_all(requests).await
}

/// A server, a replica process on the same database, and a user whose
/// personal organization is on `plan`.
async fn two_servers(plan: Plan) -> (TestApp, Replica, TestUser) {
    let app = spawn_app().await;
    let replica = app.spawn_replica().await;
    let ada = app.create_user("ada@example.com").await;
    app.store
        .set_plan(&ada.organization_slug, plan)
        .await
        .unwrap();
    (app, replica, ada)
}

fn created_slugs(bodies: &[Value]) -> Vec<String> {
    bodies
        .iter()
        .filter_map(|body| project(body)["slug"].as_str())
        .map(str::to_owned)
        .collect()
}

/// Pro takes the locked path, Enterprise (no project limit) the one
/// guarded statement on PostgreSQL: the unique index decides both.
#[tokio::test]
async fn forty_concurrent_creates_of_one_slug_make_exactly_one_project() {
    for plan in [Plan::Pro, Plan::Enterprise] {
        one_slug_race(plan).await;
    }
}

async fn one_slug_race(plan: Plan) {
    let (app, replica, ada) = two_servers(plan).await;

    let bodies = race(
        &app,
        &replica.address,
        &ada,
        40,
        json!({ "organizationId": ada.organization_id, "name": "Race", "slug": "race" }),
    )
    .await;

    assert_eq!(created_slugs(&bodies), ["race"], "{plan:?}");
    let mut codes: Vec<String> = bodies.iter().flat_map(error_codes).collect();
    codes.dedup();
    assert_eq!(codes, ["SLUG_ALREADY_EXISTS"]);
    assert_eq!(bodies.iter().flat_map(error_codes).count(), 39);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM projects").await, 1);
}

#[tokio::test]
async fn an_organization_at_8_of_10_admits_exactly_2_of_20_concurrent_creates() {
    let (app, replica, ada) = two_servers(Plan::Free).await;
    for n in 0..8 {
        let body = app
            .create_project(&ada, json!({ "name": format!("Existing {n}") }))
            .await;
        assert!(body.get("errors").is_none(), "{body}");
    }

    let bodies = race(&app, &replica.address, &ada, 20, json!({ "name": "Burst" })).await;

    assert_eq!(created_slugs(&bodies).len(), 2, "{bodies:?}");
    let refusals: Vec<&Value> = bodies
        .iter()
        .filter_map(|body| body["errors"].as_array())
        .flatten()
        .collect();
    assert_eq!(refusals.len(), 18);
    for error in refusals {
        assert_eq!(error["extensions"]["code"], "MAX_PROJECTS_REACHED");
        assert_eq!(
            error["extensions"]["details"],
            json!({ "maxProjects": 10, "currentProjects": 10 })
        );
    }
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM projects").await, 10);
}

#[tokio::test]
async fn thirty_concurrent_creates_of_one_name_get_thirty_distinct_slugs() {
    let (app, replica, ada) = two_servers(Plan::Pro).await;

    let bodies = race(
        &app,
        &replica.address,
        &ada,
        30,
        json!({ "name": "Same Name" }),
    )
    .await;

    let errors: Vec<String> = bodies.iter().flat_map(error_codes).collect();
    assert!(errors.is_empty(), "{errors:?}");
    let slugs: HashSet<String> = created_slugs(&bodies).into_iter().collect();
    let want: HashSet<String> = std::iter::once("same-name".to_owned())
        .chain((1..30).map(|n| format!("same-name-{n}")))
        .collect();
    assert_eq!(slugs, want);
}

/// Sends one GraphQL request as `user` to the server at `address`.
async fn graphql_at(
    app: &TestApp,
    address: &str,
    user: &TestUser,
    query: &str,
    variables: Value,
) -> Value {
    let response = app
        .client
        .post(format!("{address}/graphql"))
        .bearer_auth(&user.token)
        .json(&json!({ "query": query, "variables": variables }))
        .send()
        .await
        .expect("the request is sent");
    response.json().await.expect("a JSON body")
}

/// Sends each `(query, variables)` at once, alternating between the two
/// servers.
async fn race_requests(
    app: &TestApp,
    replica: &str,
    user: &TestUser,
    requests: Vec<(&str, Value)>,
) -> Vec<Value> {
    let sent = requests
        .into_iter()
        .enumerate()
        .map(|(i, (query, variables))| {
            let address = if i % 2 == 0 {
                app.address.clone()
            } else {
                replica.to_owned()
            };
            async move { graphql_at(app, &address, user, query, variables).await }
        });
    join_all(sent).await
}

fn succeeded(bodies: &[Value], field: &str) -> usize {
    bodies
        .iter()
        .filter(|body| body["data"][field].is_object())
        .count()
}

/// Every error code of the answers, sorted, deduplicated.
fn codes_of(bodies: &[Value]) -> Vec<String> {
    let mut codes: Vec<String> = bodies.iter().flat_map(error_codes).collect();
    codes.sort();
    codes.dedup();
    codes
}

#[tokio::test]
async fn twenty_concurrent_restores_into_two_free_places_restore_exactly_two() {
    let (app, replica, ada) = two_servers(Plan::Enterprise).await;
    let ids = create_many(&app, &ada, 28, "Project").await;
    for id in &ids[..20] {
        let body = graphql_at(&app, &app.address, &ada, ARCHIVE, json!({ "id": id })).await;
        assert_eq!(
            body["data"]["archiveProject"]["project"]["status"], "ARCHIVED",
            "{body}"
        );
    }
    // 8 active of FREE's 10.
    app.store
        .set_plan(&ada.organization_slug, Plan::Free)
        .await
        .unwrap();

    let restores = ids[..20]
        .iter()
        .map(|id| (RESTORE, json!({ "id": id })))
        .collect();
    let bodies = race_requests(&app, &replica.address, &ada, restores).await;

    assert_eq!(succeeded(&bodies, "restoreProject"), 2, "{bodies:?}");
    assert_eq!(codes_of(&bodies), ["MAX_PROJECTS_REACHED"]);
    assert_eq!(bodies.iter().flat_map(error_codes).count(), 18);
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM projects WHERE status = 'active'")
            .await,
        10
    );
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM audit_events WHERE action = 'project.restored'")
            .await,
        2
    );
}

#[tokio::test]
async fn ten_concurrent_updates_from_one_read_let_exactly_one_win() {
    let (app, replica, ada) = two_servers(Plan::Pro).await;
    let body = app.create_project(&ada, json!({ "name": "Shared" })).await;
    let id = project(&body)["id"].clone();
    let seen = project(&body)["updatedAt"].clone();

    let updates = (0..10)
        .map(|n| {
            let input = json!({ "id": id, "expectedUpdatedAt": seen, "patch": { "name": format!("Writer {n}") } });
            (UPDATE, json!({ "input": input }))
        })
        .collect();
    let bodies = race_requests(&app, &replica.address, &ada, updates).await;

    assert_eq!(succeeded(&bodies, "updateProject"), 1, "{bodies:?}");
    assert_eq!(codes_of(&bodies), ["STALE_PROJECT"]);
    assert_eq!(bodies.iter().flat_map(error_codes).count(), 9);
    let winner = bodies
        .iter()
        .find_map(|body| body["data"]["updateProject"]["project"]["name"].as_str())
        .unwrap();
    let body = graphql_at(
        &app,
        &app.address,
        &ada,
        "query($id: ID!) { project(id: $id) { name } }",
        json!({ "id": id }),
    )
    .await;
    assert_eq!(body["data"]["project"]["name"], winner);
}

/// On Enterprise a create is the one guarded statement on PostgreSQL, on
/// Pro the locked path: against a rename, the slug goes to exactly one.
#[tokio::test]
async fn a_create_and_a_rename_to_one_slug_leave_it_to_exactly_one() {
    for plan in [Plan::Pro, Plan::Enterprise] {
        let (app, replica, ada) = two_servers(plan).await;
        let ids = create_many(&app, &ada, 10, "Renamed").await;
        let mut requests = Vec::new();
        for (n, id) in ids.iter().enumerate() {
            let slug = format!("wanted-{n}");
            let create = json!({ "input": { "organizationId": ada.organization_id, "name": "Wanted", "slug": slug } });
            let rename = json!({ "input": { "id": id, "patch": { "slug": slug } } });
            requests.push((crate::helpers::CREATE_PROJECT, create));
            requests.push((UPDATE, rename));
        }
        let bodies = race_requests(&app, &replica.address, &ada, requests).await;

        for pair in bodies.chunks(2) {
            let created = pair[0]["data"]["createProject"].is_object();
            let renamed = pair[1]["data"]["updateProject"].is_object();
            assert!(created != renamed, "{plan:?}: {pair:?}");
            assert_eq!(codes_of(pair), ["SLUG_ALREADY_EXISTS"], "{plan:?}");
        }
        for n in 0..10 {
            let body = graphql_at(
                &app,
                &app.address,
                &ada,
                "query($o: String!, $s: String!) { project(organizationSlug: $o, slug: $s) { slug } }",
                json!({ "o": ada.organization_slug, "s": format!("wanted-{n}") }),
            )
            .await;
            assert_eq!(
                body["data"]["project"]["slug"],
                format!("wanted-{n}"),
                "{body}"
            );
        }
    }
}

#[tokio::test]
async fn removing_the_last_two_owners_at_once_keeps_one() {
    let (app, replica, ada) = two_servers(Plan::Pro).await;
    let bob = app.create_user("bob@example.com").await;
    app.store
        .add_member(
            &ada.organization_slug,
            "bob@example.com",
            projects_api::domain::Role::Owner,
        )
        .await
        .unwrap();
    let body = app
        .create_project(
            &ada,
            json!({ "name": "Owned", "organizationId": ada.organization_id }),
        )
        .await;
    let project_id = project(&body)["id"].clone();
    let add = "mutation($p: ID!) { addProjectMember(projectId: $p, email: \"bob@example.com\", role: OWNER) { member { role } } }";
    let body = graphql_at(&app, &app.address, &ada, add, json!({ "p": project_id })).await;
    assert_eq!(
        body["data"]["addProjectMember"]["member"]["role"], "OWNER",
        "{body}"
    );

    let remove_project = "mutation($p: ID!, $u: ID!) { removeProjectMember(projectId: $p, userId: $u) { project { id } } }";
    let bodies = race_requests(
        &app,
        &replica.address,
        &ada,
        vec![
            (remove_project, json!({ "p": project_id, "u": ada.id })),
            (remove_project, json!({ "p": project_id, "u": bob.id })),
        ],
    )
    .await;
    assert_eq!(succeeded(&bodies, "removeProjectMember"), 1, "{bodies:?}");
    assert_eq!(
        bodies.iter().flat_map(error_codes).collect::<Vec<_>>(),
        ["LAST_OWNER"]
    );

    let remove_member = "mutation($o: ID!, $u: ID!) { removeOrganizationMember(organizationId: $o, userId: $u) { organization { id } } }";
    let bodies = race_requests(
        &app,
        &replica.address,
        &ada,
        vec![
            (
                remove_member,
                json!({ "o": ada.organization_id, "u": bob.id }),
            ),
            (
                remove_member,
                json!({ "o": ada.organization_id, "u": ada.id }),
            ),
        ],
    )
    .await;
    // Ada removing herself first leaves Bob as the last OWNER; Bob
    // removed first leaves Ada: either way one goes, one stays.
    assert_eq!(
        succeeded(&bodies, "removeOrganizationMember"),
        1,
        "{bodies:?}"
    );
    let codes = codes_of(&bodies);
    assert!(
        codes == ["LAST_OWNER"] || codes == ["ORGANIZATION_NOT_FOUND"],
        "{bodies:?}"
    );
    // One OWNER left in Ada's organization, plus Bob in his own.
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM organization_members WHERE role = 'OWNER'")
            .await,
        2
    );
}

const ARCHIVE: &str = "mutation($id: ID!) { archiveProject(id: $id) { project { status } } }";
const RESTORE: &str = "mutation($id: ID!) { restoreProject(id: $id) { project { status } } }";
const UPDATE: &str = "mutation($input: UpdateProjectInput!) { updateProject(input: $input) { project { name slug } } }";

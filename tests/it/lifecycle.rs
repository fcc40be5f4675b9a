//! What happens to a project after its creation, end to end: update,
//! archive and restore, delete and bring back, purge, lookups by slug,
//! members, and who may do each.

use serde_json::{Value, json};

use projects_api::domain::{Plan, Role};
use projects_api::store::{Store, StoreOptions};

use crate::helpers::{TestApp, TestUser, error_codes, error_fields, project, spawn_app};

const FIELDS: &str = "id slug name status description featureLimit environments \
    settings { defaultLocale supportedLocales } dependencies { id } metadata \
    updatedAt deletedAt purgeAt members { role user { email } }";

/// Runs a mutation or query as `user` and returns the body.
async fn call(app: &TestApp, user: &TestUser, query: &str, variables: Value) -> Value {
    let (_, body) = app.graphql(Some(&user.token), query, variables).await;
    body
}

async fn create(app: &TestApp, user: &TestUser, input: Value) -> Value {
    let body = app.create_project(user, input).await;
    assert!(body.get("errors").is_none(), "{body}");
    project(&body).clone()
}

async fn update(app: &TestApp, user: &TestUser, input: Value) -> Value {
    let query = format!(
        "mutation($input: UpdateProjectInput!) {{ updateProject(input: $input) {{ clientMutationId project {{ {FIELDS} }} }} }}"
    );
    call(app, user, &query, json!({ "input": input })).await
}

async fn archive(app: &TestApp, user: &TestUser, id: &Value) -> Value {
    call(
        app,
        user,
        "mutation($id: ID!) { archiveProject(id: $id) { project { id status } dependants { slug } } }",
        json!({ "id": id }),
    )
    .await
}

async fn restore(app: &TestApp, user: &TestUser, id: &Value) -> Value {
    call(
        app,
        user,
        "mutation($id: ID!) { restoreProject(id: $id) { project { id status } } }",
        json!({ "id": id }),
    )
    .await
}

async fn delete(app: &TestApp, user: &TestUser, id: &Value, confirm: &str) -> Value {
    call(
        app,
        user,
        "mutation($id: ID!, $confirm: String!) { deleteProject(id: $id, confirmSlug: $confirm) { purgeAt project { id deletedAt purgeAt } } }",
        json!({ "id": id, "confirm": confirm }),
    )
    .await
}

async fn undelete(app: &TestApp, user: &TestUser, id: &Value) -> Value {
    call(
        app,
        user,
        "mutation($id: ID!) { restoreDeletedProject(id: $id) { project { id status deletedAt } } }",
        json!({ "id": id }),
    )
    .await
}

async fn by_slug(app: &TestApp, user: &TestUser, organization: &str, slug: &str) -> Value {
    let body = call(
        app,
        user,
        "query($o: String!, $s: String!) { project(organizationSlug: $o, slug: $s) { id slug } organization(slug: $o) { project(slug: $s) { id } } }",
        json!({ "o": organization, "s": slug }),
    )
    .await;
    assert!(body.get("errors").is_none(), "{body}");
    body
}

async fn audit_actions(app: &TestApp, user: &TestUser) -> Vec<String> {
    let body = call(
        app,
        user,
        "query($id: ID!) { organization(id: $id) { auditEvents(first: 100) { nodes { action } } } }",
        json!({ "id": user.organization_id }),
    )
    .await;
    body["data"]["organization"]["auditEvents"]["nodes"]
        .as_array()
        .unwrap_or_else(|| panic!("{body}"))
        .iter()
        .map(|node| node["action"].as_str().unwrap().to_owned())
        .collect()
}

/// Adds `user` to `owner`'s personal organization with `role`.
async fn join(app: &TestApp, owner: &TestUser, email: &str, role: Role) -> TestUser {
    let user = app.create_user(email).await;
    app.store
        .add_member(&owner.organization_slug, email, role)
        .await
        .unwrap();
    user
}

#[tokio::test]
async fn an_update_changes_only_the_fields_it_names_and_records_before_and_after() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    let created = create(
        &app,
        &ada,
        json!({ "name": "Checkout", "description": "Payments", "featureLimit": 5,
                "settings": { "supportedLocales": ["en-US", "de-DE"] } }),
    )
    .await;

    let body = update(
        &app,
        &ada,
        json!({ "id": created["id"], "clientMutationId": "u1",
                "patch": { "name": "Checkout v2", "description": null,
                           "settings": { "defaultLocale": "de-DE" } } }),
    )
    .await;
    assert!(body.get("errors").is_none(), "{body}");
    let updated = &body["data"]["updateProject"]["project"];
    assert_eq!(body["data"]["updateProject"]["clientMutationId"], "u1");
    assert_eq!(updated["name"], "Checkout v2");
    assert_eq!(updated["description"], Value::Null);
    assert_eq!(updated["featureLimit"], 5, "left alone");
    assert_eq!(
        updated["settings"],
        json!({ "defaultLocale": "de-DE", "supportedLocales": ["en-US", "de-DE"] })
    );
    assert!(updated["updatedAt"].as_str() > created["updatedAt"].as_str());

    let event = app
        .count("SELECT COUNT(*) AS n FROM audit_events WHERE action = 'project.updated'")
        .await;
    assert_eq!(event, 1);
    assert_eq!(audit_actions(&app, &ada).await[0], "project.updated");
    let body = call(
        &app,
        &ada,
        "query($id: ID!) { organization(id: $id) { auditEvents(first: 1) { nodes { payload } } } }",
        json!({ "id": ada.organization_id }),
    )
    .await;
    let payload = &body["data"]["organization"]["auditEvents"]["nodes"][0]["payload"];
    assert_eq!(
        payload["changed"],
        json!(["description", "name", "settings"]),
        "{payload}"
    );
    assert_eq!(payload["before"]["name"], "Checkout");
    assert_eq!(payload["after"]["name"], "Checkout v2");
}

#[tokio::test]
async fn an_update_reports_every_problem_under_patch_and_writes_nothing() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    let created = create(
        &app,
        &ada,
        json!({ "name": "Checkout", "slug": "checkout" }),
    )
    .await;
    create(&app, &ada, json!({ "name": "Other", "slug": "other" })).await;
    let missing = uuid::Uuid::now_v7().to_string();

    let body = update(
        &app,
        &ada,
        json!({ "id": created["id"], "patch": {
            "name": null,
            "slug": "other",
            "featureLimit": -1,
            "environments": [],
            "dependencyIds": [missing, created["id"]],
        } }),
    )
    .await;
    assert_eq!(body["data"]["updateProject"], Value::Null);
    let mut found = error_fields(&body);
    found.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        found,
        [
            (
                "BAD_USER_INPUT".to_owned(),
                json!(["input", "patch", "name"])
            ),
            (
                "DEPENDENCY_CYCLE".to_owned(),
                json!(["input", "patch", "dependencyIds", 1])
            ),
            (
                "DEPENDENCY_NOT_FOUND".to_owned(),
                json!(["input", "patch", "dependencyIds", 0])
            ),
            (
                "ENVIRONMENTS_EMPTY".to_owned(),
                json!(["input", "patch", "environments"])
            ),
            (
                "INVALID_FEATURE_LIMIT".to_owned(),
                json!(["input", "patch", "featureLimit"])
            ),
            (
                "SLUG_ALREADY_EXISTS".to_owned(),
                json!(["input", "patch", "slug"])
            ),
        ],
        "{body}"
    );
    let body = by_slug(&app, &ada, &ada.organization_slug, "checkout").await;
    assert_eq!(body["data"]["project"]["id"], created["id"]);
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM audit_events WHERE action = 'project.updated'")
            .await,
        0
    );
}

#[tokio::test]
async fn a_dependency_that_would_close_a_cycle_is_refused() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    let a = create(&app, &ada, json!({ "name": "A" })).await;
    let b = create(
        &app,
        &ada,
        json!({ "name": "B", "dependencyIds": [a["id"]] }),
    )
    .await;
    let c = create(
        &app,
        &ada,
        json!({ "name": "C", "dependencyIds": [b["id"]] }),
    )
    .await;
    // A → C would make A → C → B → A.
    let body = update(
        &app,
        &ada,
        json!({ "id": a["id"], "patch": { "dependencyIds": [c["id"]] } }),
    )
    .await;
    assert_eq!(
        error_fields(&body),
        [(
            "DEPENDENCY_CYCLE".to_owned(),
            json!(["input", "patch", "dependencyIds"])
        )],
        "{body}"
    );
    // C may drop B and depend on A directly: no cycle.
    let body = update(
        &app,
        &ada,
        json!({ "id": c["id"], "patch": { "dependencyIds": [a["id"]] } }),
    )
    .await;
    assert_eq!(
        body["data"]["updateProject"]["project"]["dependencies"],
        json!([{ "id": a["id"] }]),
        "{body}"
    );
}

#[tokio::test]
async fn a_stale_expected_updated_at_is_refused_with_the_current_one() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    let created = create(&app, &ada, json!({ "name": "Checkout" })).await;
    let seen = created["updatedAt"].clone();

    let body = update(
        &app,
        &ada,
        json!({ "id": created["id"], "expectedUpdatedAt": seen, "patch": { "name": "One" } }),
    )
    .await;
    let now = body["data"]["updateProject"]["project"]["updatedAt"].clone();
    assert!(now.is_string(), "{body}");

    let body = update(
        &app,
        &ada,
        json!({ "id": created["id"], "expectedUpdatedAt": seen, "patch": { "name": "Two" } }),
    )
    .await;
    assert_eq!(
        error_fields(&body),
        [(
            "STALE_PROJECT".to_owned(),
            json!(["input", "expectedUpdatedAt"])
        )]
    );
    assert_eq!(body["errors"][0]["extensions"]["details"]["updatedAt"], now);
    let body = by_slug(&app, &ada, &ada.organization_slug, "checkout").await;
    assert!(body["data"]["project"].is_object());
    let name = call(
        &app,
        &ada,
        "query($id: ID!) { project(id: $id) { name } }",
        json!({ "id": created["id"] }),
    )
    .await;
    assert_eq!(name["data"]["project"]["name"], "One");
}

#[tokio::test]
async fn a_renamed_project_keeps_its_old_slug_reserved_and_resolving() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    let created = create(
        &app,
        &ada,
        json!({ "name": "Checkout", "slug": "checkout" }),
    )
    .await;
    let body = update(
        &app,
        &ada,
        json!({ "id": created["id"], "patch": { "slug": "payments" } }),
    )
    .await;
    assert_eq!(
        body["data"]["updateProject"]["project"]["slug"], "payments",
        "{body}"
    );

    for slug in ["checkout", "payments"] {
        let body = by_slug(&app, &ada, &ada.organization_slug, slug).await;
        assert_eq!(body["data"]["project"]["slug"], "payments", "{slug}");
        assert_eq!(body["data"]["organization"]["project"]["id"], created["id"]);
    }
    // The old slug is still the project's: another cannot take it…
    let body = app
        .create_project(&ada, json!({ "name": "New", "slug": "checkout" }))
        .await;
    assert_eq!(error_codes(&body), ["SLUG_ALREADY_EXISTS"]);
    // …a derived one moves past it…
    let body = app
        .create_project(&ada, json!({ "name": "Checkout" }))
        .await;
    assert_eq!(project(&body)["slug"], "checkout-1", "{body}");
    // …and the project itself may take it back.
    let body = update(
        &app,
        &ada,
        json!({ "id": created["id"], "patch": { "slug": "checkout" } }),
    )
    .await;
    assert_eq!(
        body["data"]["updateProject"]["project"]["slug"], "checkout",
        "{body}"
    );

    // Someone outside the organization learns nothing.
    let eve = app.create_user("eve@example.com").await;
    let body = by_slug(&app, &eve, &ada.organization_slug, "checkout").await;
    assert_eq!(body["data"]["project"], Value::Null);
    assert_eq!(body["data"]["organization"], Value::Null);
}

#[tokio::test]
async fn archive_and_restore_follow_the_plan_and_list_dependants() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    let base = create(&app, &ada, json!({ "name": "Base" })).await;
    create(
        &app,
        &ada,
        json!({ "name": "Web", "dependencyIds": [base["id"]] }),
    )
    .await;

    let body = archive(&app, &ada, &base["id"]).await;
    assert_eq!(
        body["data"]["archiveProject"]["project"]["status"], "ARCHIVED",
        "{body}"
    );
    assert_eq!(
        body["data"]["archiveProject"]["dependants"],
        json!([{ "slug": "web" }])
    );
    // Again: nothing changes, no second event.
    let body = archive(&app, &ada, &base["id"]).await;
    assert_eq!(
        body["data"]["archiveProject"]["project"]["status"],
        "ARCHIVED"
    );

    // Archived: read-only, listed under its status, still found by slug.
    let body = update(
        &app,
        &ada,
        json!({ "id": base["id"], "patch": { "name": "X" } }),
    )
    .await;
    assert_eq!(error_codes(&body), ["PROJECT_ARCHIVED"]);
    let body = call(
        &app,
        &ada,
        "query($id: ID!) { organization(id: $id) { projects(filter: { status: ARCHIVED }) { totalCount nodes { slug } } } }",
        json!({ "id": ada.organization_id }),
    )
    .await;
    assert_eq!(
        body["data"]["organization"]["projects"],
        json!({ "totalCount": 1, "nodes": [{ "slug": "base" }] }),
        "{body}"
    );

    // A full FREE plan (10) refuses the restore, with the numbers.
    for n in 0..9 {
        create(&app, &ada, json!({ "name": format!("Filler {n}") })).await;
    }
    let body = restore(&app, &ada, &base["id"]).await;
    assert_eq!(error_codes(&body), ["MAX_PROJECTS_REACHED"], "{body}");
    assert_eq!(
        body["errors"][0]["extensions"]["details"],
        json!({ "maxProjects": 10, "currentProjects": 10 })
    );
    app.store
        .set_plan(&ada.organization_slug, Plan::Pro)
        .await
        .unwrap();
    let body = restore(&app, &ada, &base["id"]).await;
    assert_eq!(
        body["data"]["restoreProject"]["project"]["status"], "ACTIVE",
        "{body}"
    );

    let actions = audit_actions(&app, &ada).await;
    assert_eq!(
        actions.iter().filter(|a| *a == "project.archived").count(),
        1
    );
    assert_eq!(actions[0], "project.restored");
}

#[tokio::test]
async fn a_deleted_project_leaves_every_lookup_keeps_its_slug_and_can_come_back() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    let bob = join(&app, &ada, "bob@example.com", Role::Member).await;
    let doomed = create(&app, &ada, json!({ "name": "Doomed", "slug": "doomed" })).await;

    let body = delete(&app, &ada, &doomed["id"], "not-it").await;
    assert_eq!(
        error_fields(&body),
        [("CONFIRMATION_MISMATCH".to_owned(), json!(["confirmSlug"]))]
    );

    let body = delete(&app, &ada, &doomed["id"], "doomed").await;
    let deleted = &body["data"]["deleteProject"];
    assert!(deleted["project"]["deletedAt"].is_string(), "{body}");
    assert_eq!(deleted["purgeAt"], deleted["project"]["purgeAt"]);
    let deleted_at =
        chrono::DateTime::parse_from_rfc3339(deleted["project"]["deletedAt"].as_str().unwrap())
            .unwrap();
    let purge_at =
        chrono::DateTime::parse_from_rfc3339(deleted["purgeAt"].as_str().unwrap()).unwrap();
    assert_eq!(purge_at - deleted_at, chrono::TimeDelta::days(7));

    // Gone from every list and lookup…
    let body = by_slug(&app, &ada, &ada.organization_slug, "doomed").await;
    assert_eq!(body["data"]["project"], Value::Null);
    let body = call(
        &app,
        &ada,
        "query($id: ID!, $org: ID!) { project(id: $id) { id } organization(id: $org) { projects { totalCount } } }",
        json!({ "id": doomed["id"], "org": ada.organization_id }),
    )
    .await;
    assert_eq!(body["data"]["project"], Value::Null, "{body}");
    assert_eq!(body["data"]["organization"]["projects"]["totalCount"], 0);
    // …no new project may depend on it…
    let body = app
        .create_project(
            &ada,
            json!({ "name": "Web", "dependencyIds": [doomed["id"]] }),
        )
        .await;
    assert_eq!(error_codes(&body), ["DEPENDENCY_NOT_FOUND"], "{body}");
    // …its slug stays reserved…
    let body = app
        .create_project(&ada, json!({ "name": "Doomed", "slug": "doomed" }))
        .await;
    assert_eq!(error_codes(&body), ["SLUG_ALREADY_EXISTS"]);
    // …and an owner or admin sees it among the deleted ones; a member not.
    let deleted_list = "query($id: ID!) { organization(id: $id) { deletedProjects { totalCount nodes { slug deletedAt } } } }";
    let body = call(
        &app,
        &ada,
        deleted_list,
        json!({ "id": ada.organization_id }),
    )
    .await;
    assert_eq!(
        body["data"]["organization"]["deletedProjects"]["totalCount"], 1,
        "{body}"
    );
    let body = call(
        &app,
        &bob,
        deleted_list,
        json!({ "id": ada.organization_id }),
    )
    .await;
    assert_eq!(error_codes(&body), ["FORBIDDEN"]);
    assert_eq!(
        undelete(&app, &bob, &doomed["id"]).await["errors"][0]["extensions"]["code"],
        "PROJECT_NOT_FOUND"
    );
    // Deleting or changing it again finds nothing.
    let body = delete(&app, &ada, &doomed["id"], "doomed").await;
    assert_eq!(error_codes(&body), ["PROJECT_NOT_FOUND"]);

    let body = undelete(&app, &ada, &doomed["id"]).await;
    assert_eq!(
        body["data"]["restoreDeletedProject"]["project"],
        json!({ "id": doomed["id"], "status": "ACTIVE", "deletedAt": null }),
        "{body}"
    );
    let body = by_slug(&app, &ada, &ada.organization_slug, "doomed").await;
    assert_eq!(body["data"]["project"]["id"], doomed["id"]);
    let actions = audit_actions(&app, &ada).await;
    assert_eq!(&actions[..2], ["project.undeleted", "project.deleted"]);
}

#[tokio::test]
async fn a_project_others_depend_on_cannot_be_deleted() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    let base = create(&app, &ada, json!({ "name": "Base" })).await;
    let web = create(
        &app,
        &ada,
        json!({ "name": "Web", "dependencyIds": [base["id"]] }),
    )
    .await;
    let body = delete(&app, &ada, &base["id"], "base").await;
    assert_eq!(error_codes(&body), ["PROJECT_HAS_DEPENDANTS"], "{body}");
    assert_eq!(
        body["errors"][0]["extensions"]["details"]["dependants"],
        json!([{ "id": crate::helpers::uuid_of(&web["id"]), "slug": "web", "deleted": false }])
    );
    // A deleted dependant still counts: it may come back.
    let body = delete(&app, &ada, &web["id"], "web").await;
    assert!(body.get("errors").is_none(), "{body}");
    let body = delete(&app, &ada, &base["id"], "base").await;
    assert_eq!(error_codes(&body), ["PROJECT_HAS_DEPENDANTS"]);
}

#[tokio::test]
async fn a_restore_of_a_deleted_project_rechecks_the_plan() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    let doomed = create(&app, &ada, json!({ "name": "Doomed" })).await;
    delete(&app, &ada, &doomed["id"], "doomed").await;
    for n in 0..10 {
        create(&app, &ada, json!({ "name": format!("Filler {n}") })).await;
    }
    let body = undelete(&app, &ada, &doomed["id"]).await;
    assert_eq!(error_codes(&body), ["MAX_PROJECTS_REACHED"], "{body}");
}

#[tokio::test]
async fn deleted_projects_are_purged_with_their_rows_after_the_grace_period() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    let kept = create(&app, &ada, json!({ "name": "Kept" })).await;
    let tables = [
        "projects",
        "project_environments",
        "project_members",
        "project_dependencies",
        "project_slugs",
    ];
    let mut before = Vec::new();
    for table in tables {
        before.push(
            app.count(&format!("SELECT COUNT(*) AS n FROM {table}"))
                .await,
        );
    }
    let doomed = create(
        &app,
        &ada,
        json!({ "name": "Doomed", "dependencyIds": [kept["id"]] }),
    )
    .await;
    let body = delete(&app, &ada, &doomed["id"], "doomed").await;
    assert!(body.get("errors").is_none(), "{body}");

    // Within the grace period the server's own purge leaves it.
    assert_eq!(app.store.purge_deleted_projects().await.unwrap(), 0);
    // A process configured with no grace purges it, once.
    let impatient = Store::connect(&StoreOptions {
        deletion_grace: std::time::Duration::ZERO,
        ..crate::helpers::store_options(&app.db.url)
    })
    .await
    .unwrap();
    let (first, second) = tokio::join!(
        impatient.purge_deleted_projects(),
        impatient.purge_deleted_projects()
    );
    assert_eq!(first.unwrap() + second.unwrap(), 1);
    // Every row of the purged project is gone, and only those.
    let mut after = Vec::new();
    for table in tables {
        after.push(
            app.count(&format!("SELECT COUNT(*) AS n FROM {table}"))
                .await,
        );
    }
    assert_eq!(after, before);
    assert_eq!(before[0], 1);
    assert_eq!(audit_actions(&app, &ada).await[0], "project.purged");
    // Its slug is free again, and bringing it back finds nothing.
    let body = app
        .create_project(&ada, json!({ "name": "Doomed", "slug": "doomed" }))
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    let body = undelete(&app, &ada, &doomed["id"]).await;
    assert_eq!(error_codes(&body), ["PROJECT_NOT_FOUND"]);
}

#[tokio::test]
async fn who_may_change_a_project() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    let admin = join(&app, &ada, "admin@example.com", Role::Admin).await;
    let member = join(&app, &ada, "member@example.com", Role::Member).await;
    let viewer = join(&app, &ada, "viewer@example.com", Role::Viewer).await;
    let stranger = app.create_user("eve@example.com").await;
    let adas = create(
        &app,
        &ada,
        json!({ "name": "Ada's", "organizationId": ada.organization_id }),
    )
    .await;
    let members = create(
        &app,
        &member,
        json!({ "name": "Member's", "organizationId": ada.organization_id }),
    )
    .await;

    let rename = |id: &Value, name: &str| json!({ "id": id, "patch": { "name": name } });
    let cases: [(&TestUser, &Value, Option<&str>); 8] = [
        (&ada, &members, None),
        (&admin, &adas, None),
        (&member, &members, None),
        (&member, &adas, Some("FORBIDDEN")),
        (&viewer, &adas, Some("FORBIDDEN")),
        (&viewer, &members, Some("FORBIDDEN")),
        (&stranger, &adas, Some("PROJECT_NOT_FOUND")),
        (&stranger, &members, Some("PROJECT_NOT_FOUND")),
    ];
    for (n, (user, target, refused)) in cases.into_iter().enumerate() {
        let body = update(&app, user, rename(&target["id"], &format!("Name {n}"))).await;
        match refused {
            None => assert!(body.get("errors").is_none(), "case {n}: {body}"),
            Some(code) => {
                assert_eq!(error_codes(&body), [code], "case {n}");
                let body = archive(&app, user, &target["id"]).await;
                assert_eq!(error_codes(&body), [code], "archive, case {n}");
                let slug = target["slug"].as_str().unwrap();
                let body = delete(&app, user, &target["id"], slug).await;
                assert_eq!(error_codes(&body), [code], "delete, case {n}");
            }
        }
    }
    // A stranger's answer does not tell a real project from none.
    let body = update(
        &app,
        &stranger,
        rename(&json!(uuid::Uuid::now_v7().to_string()), "X"),
    )
    .await;
    assert_eq!(error_codes(&body), ["PROJECT_NOT_FOUND"]);
}

#[tokio::test]
async fn project_members_are_managed_with_the_last_owner_kept() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    join(&app, &ada, "bob@example.com", Role::Member).await;
    app.create_user("eve@example.com").await;
    let created = create(&app, &ada, json!({ "name": "Checkout" })).await;
    let id = &created["id"];
    let add = "mutation($p: ID!, $e: String!, $r: Role!) { addProjectMember(projectId: $p, email: $e, role: $r) { member { role user { id email } } project { members { role user { email } } } } }";

    let long_email = format!("{}@example.com", "x".repeat(300));
    for (email, role, code, field) in [
        (
            "nobody@example.com",
            "MEMBER",
            "USER_NOT_FOUND",
            json!(["email"]),
        ),
        (
            "eve@example.com",
            "MEMBER",
            "USER_NOT_IN_ORGANIZATION",
            json!(["email"]),
        ),
        (
            "bob@example.com",
            "ADMIN",
            "BAD_USER_INPUT",
            json!(["role"]),
        ),
        (
            "ada@example.com",
            "MEMBER",
            "ALREADY_A_MEMBER",
            json!(["email"]),
        ),
        (
            long_email.as_str(),
            "MEMBER",
            "BAD_USER_INPUT",
            json!(["email"]),
        ),
    ] {
        let body = call(&app, &ada, add, json!({ "p": id, "e": email, "r": role })).await;
        assert_eq!(error_fields(&body), [(code.to_owned(), field)], "{email}");
    }
    let body = call(
        &app,
        &ada,
        add,
        json!({ "p": id, "e": "Bob@Example.com", "r": "OWNER" }),
    )
    .await;
    let bob_id = body["data"]["addProjectMember"]["member"]["user"]["id"].clone();
    assert_eq!(
        body["data"]["addProjectMember"]["member"]["role"], "OWNER",
        "{body}"
    );
    assert_eq!(
        body["data"]["addProjectMember"]["project"]["members"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    let set = "mutation($p: ID!, $u: ID!, $r: Role!) { updateProjectMemberRole(projectId: $p, userId: $u, role: $r) { member { role } } }";
    let remove = "mutation($p: ID!, $u: ID!) { removeProjectMember(projectId: $p, userId: $u) { project { members { user { email } } } } }";
    let body = call(
        &app,
        &ada,
        set,
        json!({ "p": id, "u": ada.id, "r": "VIEWER" }),
    )
    .await;
    assert_eq!(
        body["data"]["updateProjectMemberRole"]["member"]["role"], "VIEWER",
        "{body}"
    );
    // Bob is the last OWNER now.
    let body = call(
        &app,
        &ada,
        set,
        json!({ "p": id, "u": bob_id, "r": "MEMBER" }),
    )
    .await;
    assert_eq!(error_codes(&body), ["LAST_OWNER"]);
    let body = call(&app, &ada, remove, json!({ "p": id, "u": bob_id })).await;
    assert_eq!(error_codes(&body), ["LAST_OWNER"]);
    let body = call(&app, &ada, remove, json!({ "p": id, "u": ada.id })).await;
    assert_eq!(
        body["data"]["removeProjectMember"]["project"]["members"],
        json!([{ "user": { "email": "bob@example.com" } }]),
        "{body}"
    );
    let body = call(&app, &ada, remove, json!({ "p": id, "u": ada.id })).await;
    assert_eq!(
        error_fields(&body),
        [("MEMBER_NOT_FOUND".to_owned(), json!(["userId"]))]
    );
    let actions = audit_actions(&app, &ada).await;
    assert_eq!(
        &actions[..3],
        [
            "project.member_removed",
            "project.member_role_updated",
            "project.member_added"
        ]
    );
}

#[tokio::test]
async fn organization_members_are_managed_by_owners_and_admins() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    let admin = join(&app, &ada, "admin@example.com", Role::Admin).await;
    let member = join(&app, &ada, "member@example.com", Role::Member).await;
    let carol = app.create_user("carol@example.com").await;
    let org = &ada.organization_id;
    let add = "mutation($o: ID!, $e: String!, $r: Role!) { addOrganizationMember(organizationId: $o, email: $e, role: $r) { member { role user { email } } organization { members { role } } } }";
    let set = "mutation($o: ID!, $u: ID!, $r: Role!) { updateOrganizationMemberRole(organizationId: $o, userId: $u, role: $r) { member { role } } }";
    let remove = "mutation($o: ID!, $u: ID!) { removeOrganizationMember(organizationId: $o, userId: $u) { organization { members { user { email } } } } }";

    let body = call(
        &app,
        &member,
        add,
        json!({ "o": org, "e": "carol@example.com", "r": "VIEWER" }),
    )
    .await;
    assert_eq!(error_codes(&body), ["FORBIDDEN"]);
    let body = call(
        &app,
        &carol,
        add,
        json!({ "o": org, "e": "carol@example.com", "r": "OWNER" }),
    )
    .await;
    assert_eq!(error_codes(&body), ["ORGANIZATION_NOT_FOUND"]);
    let body = call(
        &app,
        &admin,
        add,
        json!({ "o": org, "e": "carol@example.com", "r": "OWNER" }),
    )
    .await;
    assert_eq!(error_codes(&body), ["FORBIDDEN"], "an ADMIN makes no OWNER");
    let body = call(
        &app,
        &admin,
        add,
        json!({ "o": org, "e": "carol@example.com", "r": "MEMBER" }),
    )
    .await;
    assert_eq!(
        body["data"]["addOrganizationMember"]["member"]["role"], "MEMBER",
        "{body}"
    );
    assert_eq!(
        body["data"]["addOrganizationMember"]["organization"]["members"]
            .as_array()
            .unwrap()
            .len(),
        4
    );
    let body = call(
        &app,
        &admin,
        add,
        json!({ "o": org, "e": "carol@example.com", "r": "MEMBER" }),
    )
    .await;
    assert_eq!(error_codes(&body), ["ALREADY_A_MEMBER"]);

    // Carol's project memberships go with her.
    let carols = create(
        &app,
        &carol,
        json!({ "name": "Carol's", "organizationId": org }),
    )
    .await;
    let body = call(
        &app,
        &admin,
        set,
        json!({ "o": org, "u": ada.id, "r": "MEMBER" }),
    )
    .await;
    assert_eq!(
        error_codes(&body),
        ["FORBIDDEN"],
        "an ADMIN demotes no OWNER"
    );
    let body = call(
        &app,
        &ada,
        set,
        json!({ "o": org, "u": ada.id, "r": "ADMIN" }),
    )
    .await;
    assert_eq!(error_codes(&body), ["LAST_OWNER"]);
    let body = call(&app, &ada, remove, json!({ "o": org, "u": ada.id })).await;
    assert_eq!(error_codes(&body), ["LAST_OWNER"]);
    let body = call(&app, &admin, remove, json!({ "o": org, "u": carol.id })).await;
    assert!(body.get("errors").is_none(), "{body}");
    let body = call(
        &app,
        &ada,
        "query($id: ID!) { project(id: $id) { members { role } } }",
        json!({ "id": carols["id"] }),
    )
    .await;
    assert_eq!(body["data"]["project"]["members"], json!([]), "{body}");
    let body = call(
        &app,
        &carol,
        "query($id: ID!) { organization(id: $id) { id } }",
        json!({ "id": org }),
    )
    .await;
    assert_eq!(body["data"]["organization"], Value::Null);
    let actions = audit_actions(&app, &ada).await;
    assert_eq!(actions[0], "organization.member_removed");
}

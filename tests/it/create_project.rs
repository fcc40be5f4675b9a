//! The first createProject: personal organization, name and slug, the
//! rows one creation writes, and the organization rules.

use projects_api::domain::Role;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestUser, error_codes, project, spawn_app};

#[tokio::test]
async fn create_project_in_the_personal_organization_returns_every_field() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    let body = app
        .create_project(
            &ada,
            json!({ "name": "  Product Documentation ", "description": "Docs", "clientMutationId": "m-1" }),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(body["data"]["createProject"]["clientMutationId"], "m-1");
    let project = project(&body);
    assert_eq!(project["name"], "Product Documentation");
    assert_eq!(project["slug"], "product-documentation");
    assert_eq!(project["description"], "Docs");
    assert_eq!(project["status"], "ACTIVE");
    assert_eq!(project["stage"], "DEVELOPMENT");
    assert_eq!(project["mode"], "OPEN");
    assert_eq!(project["defaultStickiness"], "default");
    assert_eq!(project["featureLimit"], Value::Null);
    assert_eq!(
        project["environments"],
        json!(["development", "staging", "production"])
    );
    assert_eq!(project["changeRequestEnvironments"], json!([]));
    assert_eq!(project["permissions"], json!({ "public": false }));
    assert_eq!(
        project["settings"],
        json!({
            "defaultLocale": "en-US",
            "supportedLocales": ["en-US"],
            "defaultPlatform": "DESKTOP",
            "supportedPlatforms": ["MOBILE", "TABLET", "DESKTOP"],
            "thumbnailUrl": null
        })
    );
    assert_eq!(project["deployment"], Value::Null);
    assert_eq!(project["dependencies"], json!([]));
    assert_eq!(project["organization"]["id"], ada.organization_global_id());
    assert_eq!(project["organization"]["plan"], "FREE");
    assert_eq!(project["organization"]["maxProjects"], 10);
    assert_eq!(project["createdBy"]["email"], "ada@example.com");
    assert_eq!(
        project["members"],
        json!([{ "role": "OWNER", "user": { "id": ada.global_id() } }])
    );
    assert_eq!(project["membersCount"], 1);
    let created_at = project["createdAt"].as_str().unwrap();
    assert!(
        created_at.ends_with('Z') && created_at.len() == 24,
        "{created_at}"
    );
    assert_eq!(project["createdAt"], project["updatedAt"]);
    let id = project["id"].as_str().unwrap();
    assert!(id.starts_with("Project:"), "a global id: {id}");
    assert!(uuid::Uuid::parse_str(&id["Project:".len()..]).is_ok());
}

#[tokio::test]
async fn derived_slugs_take_the_next_free_suffix() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    let mut slugs = Vec::new();
    for _ in 0..3 {
        let body = app
            .create_project(&ada, json!({ "name": "Pet Shop" }))
            .await;
        slugs.push(project(&body)["slug"].as_str().unwrap().to_owned());
    }
    assert_eq!(slugs, ["pet-shop", "pet-shop-1", "pet-shop-2"]);
}

#[tokio::test]
async fn an_explicit_slug_that_is_taken_is_refused_with_details() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    let body = app
        .create_project(&ada, json!({ "name": "Docs", "slug": "product-docs" }))
        .await;
    assert_eq!(project(&body)["slug"], "product-docs");

    let body = app
        .create_project(&ada, json!({ "name": "Other", "slug": "product-docs" }))
        .await;
    assert_eq!(body["data"]["createProject"], Value::Null);
    let error = &body["errors"][0];
    assert_eq!(error["extensions"]["code"], "SLUG_ALREADY_EXISTS");
    assert_eq!(error["extensions"]["field"], json!(["input", "slug"]));
    assert_eq!(
        error["extensions"]["details"],
        json!({ "slug": "product-docs" })
    );
    assert_eq!(error["path"], json!(["createProject"]));
    assert_eq!(
        error["message"],
        "A project with the slug 'product-docs' already exists in this organization."
    );

    // Slugs are per organization: another user may take the same one.
    let bob = app.create_user("bob@example.com").await;
    let body = app
        .create_project(&bob, json!({ "name": "Docs", "slug": "product-docs" }))
        .await;
    assert_eq!(project(&body)["slug"], "product-docs", "{body}");
}

#[tokio::test]
async fn every_input_problem_is_reported_at_once_and_nothing_is_written() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    let body = app
        .create_project(
            &ada,
            json!({
                "organizationId": "not-a-uuid",
                "name": "<script>x</script>",
                "slug": "Docs!",
                "description": "d".repeat(4_001),
            }),
        )
        .await;
    assert_eq!(body["data"]["createProject"], Value::Null);
    assert_eq!(
        error_codes(&body),
        [
            "BAD_USER_INPUT",
            "INVALID_NAME",
            "INVALID_SLUG",
            "INVALID_DESCRIPTION"
        ]
    );
    let fields: Vec<_> = body["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|error| error["extensions"]["field"].clone())
        .collect();
    assert_eq!(
        fields,
        [
            json!(["input", "organizationId"]),
            json!(["input", "name"]),
            json!(["input", "slug"]),
            json!(["input", "description"]),
        ]
    );

    // A refused request with a valid slug leaves that slug free.
    let body = app
        .create_project(&ada, json!({ "name": "", "slug": "docs" }))
        .await;
    assert_eq!(error_codes(&body), ["INVALID_NAME"]);
    let body = app
        .create_project(&ada, json!({ "name": "Docs", "slug": "docs" }))
        .await;
    assert_eq!(project(&body)["slug"], "docs", "{body}");
}

async fn member_of(app: &TestApp, owner: &TestUser, email: &str, role: Role) -> TestUser {
    let user = app.create_user(email).await;
    app.store
        .add_member(&owner.organization_slug, email, role)
        .await
        .expect("add a member");
    user
}

#[tokio::test]
async fn organization_rules_hide_foreign_organizations_and_stop_viewers() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    let member = member_of(&app, &ada, "mia@example.com", Role::Member).await;
    let viewer = member_of(&app, &ada, "vic@example.com", Role::Viewer).await;
    let stranger = app.create_user("sam@example.com").await;
    let in_ada_org = json!({ "name": "Shared", "organizationId": ada.organization_id });

    let body = app.create_project(&member, in_ada_org.clone()).await;
    assert_eq!(
        project(&body)["organization"]["id"],
        ada.organization_global_id(),
        "{body}"
    );

    let body = app.create_project(&viewer, in_ada_org.clone()).await;
    assert_eq!(error_codes(&body), ["FORBIDDEN"]);

    let body = app.create_project(&stranger, in_ada_org).await;
    let not_member = body["errors"][0].clone();
    let body = app
        .create_project(
            &stranger,
            json!({ "name": "Shared", "organizationId": uuid::Uuid::new_v4() }),
        )
        .await;
    let unknown = body["errors"][0].clone();
    assert_eq!(not_member["extensions"]["code"], "ORGANIZATION_NOT_FOUND");
    assert_eq!(
        not_member["extensions"]["field"],
        json!(["input", "organizationId"])
    );
    // Not being a member and the organization not existing look the same.
    assert_eq!(not_member, unknown);
}

#[tokio::test]
async fn the_plan_limit_counts_projects_of_the_organization() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    for n in 0..10 {
        let body = app
            .create_project(&ada, json!({ "name": format!("P{n}") }))
            .await;
        assert!(body.get("errors").is_none(), "{body}");
    }
    let body = app
        .create_project(&ada, json!({ "name": "One too many" }))
        .await;
    assert_eq!(error_codes(&body), ["MAX_PROJECTS_REACHED"]);
    assert_eq!(
        body["errors"][0]["extensions"]["details"],
        json!({ "maxProjects": 10, "currentProjects": 10 })
    );

    app.store
        .set_plan(&ada.organization_slug, projects_api::domain::Plan::Pro)
        .await
        .unwrap();
    let body = app
        .create_project(&ada, json!({ "name": "One too many" }))
        .await;
    assert_eq!(project(&body)["organization"]["maxProjects"], 100, "{body}");
}

#[tokio::test]
async fn archived_projects_keep_their_slug_but_free_a_plan_slot() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    let mut first = None;
    for n in 0..10 {
        let body = app
            .create_project(&ada, json!({ "name": format!("Old {n}") }))
            .await;
        assert!(body.get("errors").is_none(), "{body}");
        first.get_or_insert_with(|| project(&body)["id"].clone());
    }
    let (_, body) = app
        .graphql(
            Some(&ada.token),
            "mutation($id: ID!) { archiveProject(id: $id) { project { slug status } } }",
            json!({ "id": first }),
        )
        .await;
    assert_eq!(
        body["data"]["archiveProject"]["project"],
        json!({ "slug": "old-0", "status": "ARCHIVED" }),
        "{body}"
    );

    // The archived project no longer counts against the limit of 10…
    let body = app.create_project(&ada, json!({ "name": "Old 0" })).await;
    // …but its slug stays taken, so the derived one moves on.
    assert_eq!(project(&body)["slug"], "old-0-1", "{body}");
    let body = app
        .create_project(&ada, json!({ "name": "Again", "slug": "old-0" }))
        .await;
    assert_eq!(
        error_codes(&body),
        ["SLUG_ALREADY_EXISTS", "MAX_PROJECTS_REACHED"]
    );
}

#[tokio::test]
async fn a_gate_error_comes_first_with_the_input_problems_after_it() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    let body = app
        .create_project(
            &ada,
            json!({ "name": "", "organizationId": uuid::Uuid::new_v4(), "featureLimit": -1 }),
        )
        .await;
    assert_eq!(
        error_codes(&body),
        [
            "ORGANIZATION_NOT_FOUND",
            "INVALID_NAME",
            "INVALID_FEATURE_LIMIT"
        ]
    );
}

//! Every rule of the createProject contract over HTTP, one accepted and
//! one refused case each, and the round trip of a fully filled input.

use serde_json::{Value, json};

use projects_api::domain::{Plan, Role};

use crate::helpers::{TestApp, TestUser, error_codes, error_fields, project, spawn_app};

/// (label, input, expected `(code, field)` of each error; empty = created)
type Case = (&'static str, Value, Vec<(&'static str, Value)>);

async fn check(app: &TestApp, user: &TestUser, cases: Vec<Case>) {
    for (label, input, want) in cases {
        let body = app.create_project(user, input).await;
        let got = error_fields(&body);
        let want: Vec<(String, Value)> = want
            .into_iter()
            .map(|(code, field)| (code.to_owned(), field))
            .collect();
        assert_eq!(got, want, "{label}: {body}");
        if want.is_empty() {
            assert!(project(&body)["id"].is_string(), "{label}: {body}");
        } else {
            assert_eq!(body["data"]["createProject"], Value::Null, "{label}");
        }
    }
}

#[tokio::test]
async fn every_rule_accepts_and_refuses_as_the_contract_says() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    app.store
        .set_plan(
            &ada.organization_slug,
            projects_api::domain::Plan::Enterprise,
        )
        .await
        .unwrap();
    let settings = |key: &str| json!(["input", "settings", key]);
    let n = std::sync::atomic::AtomicUsize::new(0);
    // Each accepted case needs a name of its own (slugs are derived).
    let name = || {
        format!(
            "Rule case {}",
            n.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
        )
    };
    let cases: Vec<Case> = vec![
        (
            "organizationId uuid",
            json!({ "name": name(), "organizationId": ada.organization_id }),
            vec![],
        ),
        (
            "organizationId not a uuid",
            json!({ "name": "x", "organizationId": "org123" }),
            vec![("BAD_USER_INPUT", json!(["input", "organizationId"]))],
        ),
        ("name", json!({ "name": name() }), vec![]),
        (
            "name with html",
            json!({ "name": "<b>bold</b>" }),
            vec![("INVALID_NAME", json!(["input", "name"]))],
        ),
        (
            "slug",
            json!({ "name": "x", "slug": "rule-slug_1" }),
            vec![],
        ),
        (
            "slug uppercase",
            json!({ "name": "x", "slug": "Rule" }),
            vec![("INVALID_SLUG", json!(["input", "slug"]))],
        ),
        (
            "slug taken",
            json!({ "name": "x", "slug": "rule-slug_1" }),
            vec![("SLUG_ALREADY_EXISTS", json!(["input", "slug"]))],
        ),
        (
            "description",
            json!({ "name": name(), "description": "d".repeat(4_000) }),
            vec![],
        ),
        (
            "description too long",
            json!({ "name": "x", "description": "d".repeat(4_001) }),
            vec![("INVALID_DESCRIPTION", json!(["input", "description"]))],
        ),
        (
            "locales",
            json!({ "name": name(), "settings": { "defaultLocale": "es-ES", "supportedLocales": ["en-US", "es-ES"] } }),
            vec![],
        ),
        (
            "locale invalid",
            json!({ "name": "x", "settings": { "supportedLocales": ["en-US", "not a locale"] } }),
            vec![(
                "INVALID_LOCALE",
                json!(["input", "settings", "supportedLocales", 1]),
            )],
        ),
        (
            "default locale unsupported",
            json!({ "name": "x", "settings": { "defaultLocale": "fr-FR", "supportedLocales": ["en-US"] } }),
            vec![("DEFAULT_LOCALE_NOT_SUPPORTED", settings("defaultLocale"))],
        ),
        (
            "platforms",
            json!({ "name": name(), "settings": { "defaultPlatform": "MOBILE", "supportedPlatforms": ["MOBILE"] } }),
            vec![],
        ),
        (
            "default platform unsupported",
            json!({ "name": "x", "settings": { "defaultPlatform": "DESKTOP", "supportedPlatforms": ["MOBILE"] } }),
            vec![(
                "DEFAULT_PLATFORM_NOT_SUPPORTED",
                settings("defaultPlatform"),
            )],
        ),
        (
            "thumbnail",
            json!({ "name": name(), "settings": { "thumbnailUrl": "https://cdn.acme.com/t.png" } }),
            vec![],
        ),
        (
            "thumbnail not http",
            json!({ "name": "x", "settings": { "thumbnailUrl": "file:///etc/passwd" } }),
            vec![("INVALID_URL", settings("thumbnailUrl"))],
        ),
        (
            "deployment",
            json!({ "name": name(), "deployment": { "region": "eu-central-1", "runtime": "node-22" } }),
            vec![],
        ),
        (
            "region unavailable",
            json!({ "name": "x", "deployment": { "region": "sa-east-1", "runtime": "node-22" } }),
            vec![(
                "UNSUPPORTED_REGION",
                json!(["input", "deployment", "region"]),
            )],
        ),
        (
            "runtime end of life",
            json!({ "name": "x", "deployment": { "region": "us-east-1", "runtime": "python-3.8" } }),
            vec![(
                "UNSUPPORTED_RUNTIME",
                json!(["input", "deployment", "runtime"]),
            )],
        ),
        (
            "stickiness",
            json!({ "name": name(), "defaultStickiness": "userId" }),
            vec![],
        ),
        (
            "stickiness invalid",
            json!({ "name": "x", "defaultStickiness": "user id" }),
            vec![("INVALID_STICKINESS", json!(["input", "defaultStickiness"]))],
        ),
        (
            "feature limit",
            json!({ "name": name(), "featureLimit": 0 }),
            vec![],
        ),
        (
            "feature limit negative",
            json!({ "name": "x", "featureLimit": -5 }),
            vec![("INVALID_FEATURE_LIMIT", json!(["input", "featureLimit"]))],
        ),
        (
            "environments",
            json!({ "name": name(), "environments": ["production"] }),
            vec![],
        ),
        (
            "environments empty",
            json!({ "name": "x", "environments": [] }),
            vec![("ENVIRONMENTS_EMPTY", json!(["input", "environments"]))],
        ),
        (
            "environment unknown",
            json!({ "name": "x", "environments": ["qa"] }),
            vec![("UNKNOWN_ENVIRONMENT", json!(["input", "environments"]))],
        ),
        (
            "change request environment unknown",
            json!({ "name": "x", "changeRequestEnvironments": [{ "name": "qa" }] }),
            vec![(
                "UNKNOWN_ENVIRONMENT",
                json!(["input", "changeRequestEnvironments"]),
            )],
        ),
        (
            "dependency unknown",
            json!({ "name": "x", "dependencyIds": [uuid::Uuid::new_v4()] }),
            vec![("DEPENDENCY_NOT_FOUND", json!(["input", "dependencyIds", 0]))],
        ),
        (
            "metadata",
            json!({ "name": name(), "metadata": { "team": "data" } }),
            vec![],
        ),
        (
            "metadata not an object",
            json!({ "name": "x", "metadata": "team" }),
            vec![("INVALID_METADATA", json!(["input", "metadata"]))],
        ),
    ];
    check(&app, &ada, cases).await;
}

#[tokio::test]
async fn a_bad_slug_a_bad_thumbnail_and_an_unknown_region_are_three_errors_and_nothing_is_written()
{
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    let body = app
        .create_project(
            &ada,
            json!({
                "name": "Docs",
                "slug": "Docs!",
                "settings": { "thumbnailUrl": "not-a-url" },
                "deployment": { "region": "mars-1", "runtime": "node-22" },
            }),
        )
        .await;
    assert_eq!(
        error_codes(&body),
        ["INVALID_SLUG", "INVALID_URL", "UNSUPPORTED_REGION"]
    );
    assert_eq!(
        body["errors"][2]["extensions"]["details"],
        json!({
            "region": "mars-1",
            "supported": ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1", "ap-southeast-1"]
        })
    );
    for table in [
        "projects",
        "project_environments",
        "project_members",
        "audit_events",
    ] {
        let n = app
            .count(&format!("SELECT COUNT(*) AS n FROM {table}"))
            .await;
        assert_eq!(n, 0, "{table}");
    }
}

#[tokio::test]
async fn input_errors_and_organization_errors_come_back_together() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    app.create_project(&ada, json!({ "name": "Docs", "slug": "docs" }))
        .await;
    let body = app
        .create_project(
            &ada,
            json!({
                "name": "Docs",
                "slug": "docs",
                "featureLimit": -1,
                "dependencyIds": [uuid::Uuid::new_v4()],
            }),
        )
        .await;
    assert_eq!(
        error_codes(&body),
        [
            "INVALID_FEATURE_LIMIT",
            "SLUG_ALREADY_EXISTS",
            "DEPENDENCY_NOT_FOUND"
        ]
    );
}

#[tokio::test]
async fn metadata_must_satisfy_the_organizations_schema() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    let organization_id = ada.organization_id.parse().unwrap();
    app.store
        .set_project_metadata_schema(
            organization_id,
            Some(json!({
                "type": "object",
                "required": ["team", "cost_center"],
                "properties": {
                    "team": { "type": "string" },
                    "cost_center": { "type": "string", "pattern": "^cc-[0-9]+$" }
                }
            })),
        )
        .await
        .unwrap();

    let body = app
        .create_project(
            &ada,
            json!({ "name": "Data", "metadata": { "team": 7, "cost_center": "x" } }),
        )
        .await;
    assert_eq!(error_codes(&body), ["METADATA_SCHEMA_VIOLATION"]);
    let error = &body["errors"][0];
    assert_eq!(error["extensions"]["field"], json!(["input", "metadata"]));
    let mut pointers: Vec<&str> = error["extensions"]["details"]["violations"]
        .as_array()
        .unwrap()
        .iter()
        .map(|violation| {
            assert!(violation["message"].is_string(), "{violation}");
            violation["pointer"].as_str().unwrap()
        })
        .collect();
    pointers.sort();
    assert_eq!(pointers, ["/cost_center", "/team"]);

    let body = app
        .create_project(
            &ada,
            json!({ "name": "Data", "metadata": { "team": "data", "cost_center": "cc-1234" } }),
        )
        .await;
    assert_eq!(
        project(&body)["metadata"],
        json!({ "team": "data", "cost_center": "cc-1234" }),
        "{body}"
    );

    let refused = app
        .store
        .set_project_metadata_schema(organization_id, Some(json!({ "type": 12 })))
        .await;
    assert!(
        refused.is_err(),
        "a schema that does not compile is refused"
    );
}

#[tokio::test]
async fn a_fully_filled_input_round_trips() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    let dependency = app.create_project(&ada, json!({ "name": "Core" })).await;
    let dependency_id = project(&dependency)["id"].clone();
    let input = json!({
        "organizationId": ada.organization_id,
        "name": "Pet shop",
        "slug": "pet-shop",
        "description": "This project contains features related to the new pet shop.",
        "settings": {
            "defaultLocale": "en-US",
            "supportedLocales": ["en-US", "es-ES"],
            "defaultPlatform": "DESKTOP",
            "supportedPlatforms": ["DESKTOP", "MOBILE", "TABLET"],
            "thumbnailUrl": "https://cdn.acme.com/thumbnails/pet-shop.png"
        },
        "deployment": { "region": "us-east-1", "runtime": "python-3.10" },
        "mode": "PROTECTED",
        "defaultStickiness": "userId",
        "featureLimit": 100,
        "environments": ["production", "staging"],
        "changeRequestEnvironments": [
            { "name": "production", "requiredApprovals": 3 },
            { "name": "development", "requiredApprovals": 99 },
            { "name": "staging" }
        ],
        "permissions": { "public": true },
        "dependencyIds": [dependency_id],
        "metadata": { "team": "engineering", "department": "data" },
        "clientMutationId": "round-trip"
    });
    let body = app.create_project(&ada, input).await;
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(
        body["data"]["createProject"]["clientMutationId"],
        "round-trip"
    );
    let created = project(&body);
    assert_eq!(created["name"], "Pet shop");
    assert_eq!(created["slug"], "pet-shop");
    assert_eq!(
        created["description"],
        "This project contains features related to the new pet shop."
    );
    assert_eq!(
        created["settings"],
        json!({
            "defaultLocale": "en-US",
            "supportedLocales": ["en-US", "es-ES"],
            "defaultPlatform": "DESKTOP",
            "supportedPlatforms": ["DESKTOP", "MOBILE", "TABLET"],
            "thumbnailUrl": "https://cdn.acme.com/thumbnails/pet-shop.png"
        })
    );
    assert_eq!(
        created["deployment"],
        json!({ "region": "us-east-1", "runtime": "python-3.10" })
    );
    assert_eq!(created["mode"], "PROTECTED");
    assert_eq!(created["defaultStickiness"], "userId");
    assert_eq!(created["featureLimit"], 100);
    assert_eq!(created["environments"], json!(["production", "staging"]));
    assert_eq!(
        created["changeRequestEnvironments"],
        json!([
            { "name": "production", "requiredApprovals": 3 },
            { "name": "development", "requiredApprovals": 10 },
            { "name": "staging", "requiredApprovals": 1 }
        ])
    );
    assert_eq!(created["permissions"], json!({ "public": true }));
    assert_eq!(created["dependencies"], json!([{ "id": dependency_id }]));
    assert_eq!(
        created["metadata"],
        json!({ "team": "engineering", "department": "data" })
    );
    assert_eq!(created["status"], "ACTIVE");
    assert_eq!(created["stage"], "DEVELOPMENT");
    assert_eq!(created["membersCount"], 1);

    // What was stored reads back the same: the rows, not the echo.
    let stored = app
        .store
        .project_by_id(crate::helpers::uuid_of(&created["id"]))
        .await
        .unwrap()
        .expect("the project is stored");
    assert_eq!(stored.environments, ["production", "staging"]);
    let approvals: Vec<_> = stored
        .change_request_environments
        .iter()
        .map(|e| (e.name.as_str(), e.required_approvals))
        .collect();
    assert_eq!(
        approvals,
        [("production", 3), ("staging", 1), ("development", 10)]
    );
    assert_eq!(stored.dependency_ids.len(), 1);
    assert_eq!(stored.settings.supported_locales, ["en-US", "es-ES"]);
    assert!(stored.is_public);

    // One audit event per creation, with actor, organization, project and
    // the input as accepted (defaults applied, approvals clamped).
    let events = app
        .store
        .audit_events(ada.organization_id.parse().unwrap(), 10)
        .await
        .unwrap();
    assert_eq!(events.len(), 2);
    let event = &events[0];
    assert_eq!(event.action, "project.created");
    assert_eq!(event.actor_id.to_string(), ada.id);
    assert_eq!(event.organization_id.to_string(), ada.organization_id);
    assert_eq!(
        event.project_id,
        Some(crate::helpers::uuid_of(&created["id"]))
    );
    let accepted = &event.payload["input"];
    assert_eq!(accepted["slug"], "pet-shop");
    assert_eq!(accepted["mode"], "protected");
    assert_eq!(
        accepted["changeRequestEnvironments"][1],
        json!({ "name": "development", "requiredApprovals": 10 })
    );
    assert_eq!(
        accepted["dependencyIds"],
        json!([crate::helpers::uuid_of(&json!(dependency_id))])
    );
    assert_eq!(accepted["metadata"]["team"], "engineering");
}

/// An input that fills every field the one-statement create path takes
/// (all but dependencies), into `user`'s organization.
fn filled_input(user: &TestUser, slug: &str) -> Value {
    json!({
        "organizationId": user.organization_id,
        "name": "Pet shop",
        "slug": slug,
        "description": "Features for the new pet shop.",
        "settings": {
            "defaultLocale": "en-US",
            "supportedLocales": ["en-US", "es-ES"],
            "defaultPlatform": "DESKTOP",
            "supportedPlatforms": ["DESKTOP", "MOBILE"],
            "thumbnailUrl": "https://cdn.acme.com/thumbnails/pet-shop.png"
        },
        "deployment": { "region": "us-east-1", "runtime": "python-3.10" },
        "mode": "PROTECTED",
        "defaultStickiness": "userId",
        "featureLimit": 100,
        "environments": ["production", "staging"],
        "changeRequestEnvironments": [
            { "name": "production", "requiredApprovals": 3 },
            { "name": "development" }
        ],
        "permissions": { "public": true },
        "metadata": { "team": "engineering", "tier": 1 }
    })
}

/// On PostgreSQL a create into an organization whose rules need no reads
/// (a plan without a limit, no metadata schema) is one guarded statement;
/// every other create takes the locked transaction. Both must store the
/// same rows for the same input.
#[tokio::test]
async fn both_create_paths_store_the_same_rows() {
    let app = spawn_app().await;
    let limited = app.create_user("limited@example.com").await;
    let unlimited = app.create_user("unlimited@example.com").await;
    app.store
        .set_plan(&unlimited.organization_slug, Plan::Enterprise)
        .await
        .unwrap();

    let mut stored = Vec::new();
    let mut accepted = Vec::new();
    for user in [&limited, &unlimited] {
        let body = app
            .create_project(user, filled_input(user, "pet-shop"))
            .await;
        assert!(body.get("errors").is_none(), "{body}");
        let id = crate::helpers::uuid_of(&project(&body)["id"]);
        let mut row = app.store.project_by_id(id).await.unwrap().expect("stored");
        // What must differ: the keys and the moment.
        row.id = uuid::Uuid::nil();
        row.organization_id = uuid::Uuid::nil();
        row.created_by = uuid::Uuid::nil();
        row.created_at = chrono::DateTime::UNIX_EPOCH;
        row.updated_at = chrono::DateTime::UNIX_EPOCH;
        stored.push(row);
        let organization = user.organization_id.parse().unwrap();
        let events = app.store.audit_events(organization, 10).await.unwrap();
        assert_eq!(events.len(), 1, "one audit event per create");
        assert_eq!(events[0].action, "project.created");
        assert_eq!(events[0].project_id, Some(id));
        let mut input = events[0].payload["input"].clone();
        input["organizationId"] = Value::Null;
        accepted.push(input);
    }
    assert_eq!(stored[0], stored[1]);
    assert_eq!(stored[0].environments, ["production", "staging"]);
    assert_eq!(accepted[0], accepted[1]);
    assert_eq!(accepted[0]["slug"], "pet-shop");
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM project_members WHERE role = 'OWNER'")
            .await,
        2
    );
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM project_environments")
            .await,
        6
    );
}

/// Every refusal an unlimited organization can give comes out of the
/// one-statement path as out of the locked one, with nothing written; and
/// on PostgreSQL an accepted create there runs fewer statements than one
/// that needs the organization's rules.
#[tokio::test]
async fn the_one_statement_create_refuses_as_the_locked_one_and_writes_nothing() {
    let app = crate::helpers::spawn_quiet_app().await;
    let ada = app.create_user("ada@example.com").await;
    let viewer = app.create_user("viewer@example.com").await;
    let stranger = app.create_user("stranger@example.com").await;
    let organization: uuid::Uuid = ada.organization_id.parse().unwrap();
    app.store
        .set_plan(&ada.organization_slug, Plan::Enterprise)
        .await
        .unwrap();
    app.store
        .add_member(&ada.organization_slug, "viewer@example.com", Role::Viewer)
        .await
        .unwrap();

    let body = app.create_project(&ada, filled_input(&ada, "taken")).await;
    assert!(body.get("errors").is_none(), "{body}");
    let count = "SELECT COUNT(*) AS n FROM projects";
    let events = "SELECT COUNT(*) AS n FROM audit_events";
    assert_eq!((app.count(count).await, app.count(events).await), (1, 1));

    let in_ada = |slug: &str| filled_input(&ada, slug);
    let cases: Vec<(&str, &TestUser, Value, Vec<&str>)> = vec![
        (
            "a taken slug",
            &ada,
            in_ada("taken"),
            vec!["SLUG_ALREADY_EXISTS"],
        ),
        ("a viewer", &viewer, in_ada("viewer"), vec!["FORBIDDEN"]),
        (
            "a stranger",
            &stranger,
            in_ada("stranger"),
            vec!["ORGANIZATION_NOT_FOUND"],
        ),
    ];
    for (label, user, input, want) in cases {
        let body = app.create_project(user, input).await;
        assert_eq!(error_codes(&body), want, "{label}: {body}");
        assert_eq!(app.count(count).await, 1, "{label} wrote a project");
        assert_eq!(app.count(events).await, 1, "{label} wrote an audit event");
    }

    // A schema set since: the metadata is checked against it.
    app.store
        .set_project_metadata_schema(
            organization,
            Some(json!({ "type": "object", "properties": { "tier": { "type": "string" } } })),
        )
        .await
        .unwrap();
    let body = app.create_project(&ada, in_ada("schema")).await;
    assert_eq!(error_codes(&body), ["METADATA_SCHEMA_VIOLATION"], "{body}");
    assert_eq!(app.count(count).await, 1);
    app.store
        .set_project_metadata_schema(organization, None)
        .await
        .unwrap();

    // Statements per accepted create, the least of three (the pool's
    // counter also sees background work): the unlimited organization
    // against the same organization on a limited plan.
    let spent = |plan: Plan| {
        let app = &app;
        let ada = &ada;
        async move {
            app.store
                .set_plan(&ada.organization_slug, plan)
                .await
                .unwrap();
            let mut least = u64::MAX;
            for _ in 0..3 {
                let slug = format!("s{}", uuid::Uuid::new_v4().simple());
                let before = app.store.statement_count();
                // Only the id back: no reads for the answer.
                let (_, body) = app
                    .graphql(
                        Some(&ada.token),
                        "mutation($input: CreateProjectInput!) { createProject(input: $input) { project { id } } }",
                        json!({ "input": filled_input(ada, &slug) }),
                    )
                    .await;
                least = least.min(app.store.statement_count() - before);
                assert!(body.get("errors").is_none(), "{body}");
            }
            least
        }
    };
    let unlimited = spent(Plan::Enterprise).await;
    let limited = spent(Plan::Pro).await;
    if app.db.url.starts_with("postgres") {
        // The token, then the one statement.
        assert_eq!(unlimited, 2, "limited: {limited}");
        assert!(limited > unlimited, "limited: {limited}");
    } else {
        // SQLite has no one-statement path (its writers take turns anyway):
        // BEGIN, the organization, an insert per table, COMMIT.
        assert!(unlimited > 5, "unlimited: {unlimited}");
    }
}

#[tokio::test]
async fn derived_slugs_take_the_lowest_free_suffix_then_a_random_one_in_bounded_lookups() {
    let app = crate::helpers::spawn_quiet_app().await;
    let ada = app.create_user("ada@example.com").await;
    app.store
        .set_plan(
            &ada.organization_slug,
            projects_api::domain::Plan::Enterprise,
        )
        .await
        .unwrap();
    let mut slugs = Vec::new();
    // Statements per create around the 80th and the 100th; the least of
    // five, as the pool's counter also sees background work. Only the slug
    // comes back: the loaders behind a fuller answer batch by timing, so
    // a busy machine may split one batch in two.
    let mut statements = [u64::MAX; 2];
    for i in 0..100 {
        let before = app.store.statement_count();
        let (_, body) = app
            .graphql(
                Some(&ada.token),
                "mutation($input: CreateProjectInput!) { createProject(input: $input) { project { slug } } }",
                json!({ "input": { "organizationId": ada.organization_id, "name": "Service" } }),
            )
            .await;
        let spent = app.store.statement_count() - before;
        match i {
            75..80 => statements[0] = statements[0].min(spent),
            95..100 => statements[1] = statements[1].min(spent),
            _ => {}
        }
        let slug = &body["data"]["createProject"]["project"]["slug"];
        slugs.push(slug.as_str().expect("created").to_owned());
    }
    // The lowest free suffixes first, as long as they last.
    assert_eq!(slugs[0], "service");
    for (n, slug) in slugs.iter().enumerate().take(64).skip(1) {
        assert_eq!(*slug, format!("service-{n}"));
    }
    // Past them, a free one all the same, and every slug distinct.
    let distinct: std::collections::HashSet<&String> = slugs.iter().collect();
    assert_eq!(distinct.len(), 100);
    assert!(slugs[64..].iter().all(|slug| slug.starts_with("service-")));
    // The 100th create runs as many statements as the 80th: nothing reads
    // the slugs that share the base.
    assert_eq!(statements[0], statements[1], "{statements:?}");
}

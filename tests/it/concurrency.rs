//! Races the database must win: concurrent creates in one organization,
//! sent through two server processes (this test's server and a replica
//! started from the binary) sharing one database.

use std::collections::HashSet;

use futures::future::join_all;
use serde_json::{Value, json};

use projects_api::domain::Plan;

use crate::helpers::{
    Replica, TestApp, TestUser, create_project_at, error_codes, project, spawn_app,
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

//! One tenant's request never fails another's: an idempotent create that
//! reads a lot back holds no lock while it does, and a lock held too long
//! elsewhere is SERVICE_UNAVAILABLE with a retry hint, never an internal
//! error.

use std::time::{Duration, Instant};

use futures::future::join_all;
use reqwest::StatusCode;
use sea_orm::{
    ConnectionTrait, Database, SqliteTransactionMode, TransactionOptions, TransactionTrait,
};
use serde_json::{Value, json};

use crate::helpers::{AppOptions, error_codes, project, spawn_app, spawn_app_with};

const HEAVY_CREATE: &str = r#"mutation($input: CreateProjectInput!) { createProject(input: $input) { project {
  id organization { projects(first: 100) { nodes { id slug environments createdBy { email }
  members { role user { email } } organization { slug } } } } } } }"#;

#[tokio::test]
async fn keyed_creates_reading_a_lot_back_never_fail_other_tenants() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    app.store
        .set_plan(&ada.organization_slug, projects_api::domain::Plan::Pro)
        .await
        .unwrap();
    crate::helpers::create_many(&app, &ada, 40, "Seed").await;
    let mut others = Vec::new();
    for i in 0..9 {
        others.push(app.create_user(&format!("user{i}@example.com")).await);
    }
    let keyed = (0..10).map(|i| {
        let request = app
            .client
            .post(app.url("/graphql"))
            .bearer_auth(&ada.token)
            .header("idempotency-key", format!("heavy-{i}"))
            .json(&json!({ "query": HEAVY_CREATE, "variables": { "input": { "name": format!("Heavy {i}") } } }));
        async move {
            let response = request.send().await.unwrap();
            (response.status(), response.json::<Value>().await.unwrap())
        }
    });
    let plain = (0..30).map(|i| {
        let user = &others[i % others.len()];
        let app = &app;
        async move {
            let body = app
                .create_project(user, json!({ "name": format!("Plain {i}") }))
                .await;
            (StatusCode::OK, body)
        }
    });
    let (keyed, plain) = tokio::join!(join_all(keyed), join_all(plain));
    for (status, body) in keyed.iter().chain(plain.iter()) {
        assert_eq!(*status, StatusCode::OK, "{body}");
        assert!(body.get("errors").is_none(), "{body}");
        assert!(project(body)["id"].is_string(), "{body}");
    }
    let n = app.count("SELECT COUNT(*) AS n FROM projects").await;
    assert_eq!(n, 40 + 10 + 30);
}

#[tokio::test]
async fn a_lock_held_too_long_is_service_unavailable_with_retry_after() {
    let app = spawn_app_with(AppOptions {
        acquire_timeout: Duration::from_secs(1),
        ..AppOptions::default()
    })
    .await;
    let ada = app.create_user("ada@example.com").await;
    // Another client holds the lock a create needs: SQLite's write lock, or
    // the organization's row on PostgreSQL.
    let holder = Database::connect(&app.db.url).await.unwrap();
    let txn = holder
        .begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..Default::default()
        })
        .await
        .unwrap();
    if app.db.url.starts_with("postgres") {
        txn.execute_unprepared(&format!(
            "SELECT id FROM organizations WHERE id = '{}' FOR UPDATE",
            ada.organization_id
        ))
        .await
        .unwrap();
    }
    let started = Instant::now();
    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&ada.token)
        .json(&json!({ "query": crate::helpers::CREATE_PROJECT, "variables": { "input": { "name": "Blocked" } } }))
        .send()
        .await
        .unwrap();
    let took = started.elapsed();
    assert_eq!(response.headers()["retry-after"], "1");
    let body: Value = response.json().await.unwrap();
    assert_eq!(error_codes(&body), ["SERVICE_UNAVAILABLE"], "{body}");
    assert!(took < Duration::from_secs(5), "took {took:?}");
    txn.rollback().await.unwrap();
    holder.close().await.unwrap();
    // The lock gone, the same create runs.
    let body = app.create_project(&ada, json!({ "name": "Blocked" })).await;
    assert_eq!(project(&body)["slug"], "blocked", "{body}");
}

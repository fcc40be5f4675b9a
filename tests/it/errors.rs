//! Internal errors: the client gets `INTERNAL_SERVER_ERROR` with the
//! request id and nothing else; the cause stays in the log.

use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};

use crate::helpers::{CREATE_PROJECT, spawn_app};

#[tokio::test]
async fn a_database_failure_is_an_internal_error_with_only_the_request_id() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    // Break the store under the running server: the audit table vanishes,
    // so the last write of the creation fails.
    let db = Database::connect(&app.db.url).await.unwrap();
    db.execute_unprepared("DROP TABLE audit_events")
        .await
        .unwrap();

    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&ada.token)
        .header("x-request-id", "req-internal-1")
        .json(&json!({ "query": CREATE_PROJECT, "variables": { "input": {
            "name": "Docs",
            "slug": "docs",
            "changeRequestEnvironments": [{ "name": "production" }]
        } } }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.headers()["x-request-id"], "req-internal-1");
    let text = response.text().await.unwrap();
    for leak in [
        "audit_events",
        "SELECT",
        "INSERT",
        "table",
        "sqlx",
        "relation",
    ] {
        assert!(!text.contains(leak), "the response leaks '{leak}': {text}");
    }
    let body: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(body["data"]["createProject"], Value::Null);
    let error = &body["errors"][0];
    assert_eq!(error["extensions"]["code"], "INTERNAL_SERVER_ERROR");
    assert_eq!(
        error["extensions"]["details"],
        json!({ "requestId": "req-internal-1" })
    );
    assert_eq!(
        error["message"],
        "An internal error occurred; it has been logged."
    );

    // The failed creation left nothing behind: no row of any step before
    // the one that failed, and its slug is still free once the table is back.
    for table in [
        "projects",
        "project_environments",
        "project_members",
        "project_dependencies",
        "project_events",
        "event_sequences",
    ] {
        let n = app
            .count(&format!("SELECT COUNT(*) AS n FROM {table}"))
            .await;
        assert_eq!(n, 0, "{table} after a failed creation");
    }
    db.execute_unprepared(if db.get_database_backend() == sea_orm::DbBackend::Postgres {
        "CREATE TABLE audit_events (id uuid PRIMARY KEY, organization_id uuid NOT NULL, actor_id uuid NOT NULL, action text NOT NULL, project_id uuid, payload jsonb NOT NULL, created_at timestamptz NOT NULL)"
    } else {
        "CREATE TABLE audit_events (id uuid_text PRIMARY KEY, organization_id uuid_text NOT NULL, actor_id uuid_text NOT NULL, action text NOT NULL, project_id uuid_text, payload json_text NOT NULL, created_at timestamp_with_timezone_text NOT NULL)"
    })
    .await
    .unwrap();
    let body = app
        .create_project(&ada, json!({ "name": "Docs", "slug": "docs" }))
        .await;
    assert_eq!(
        body["data"]["createProject"]["project"]["slug"], "docs",
        "{body}"
    );
}

#[tokio::test]
async fn unreadable_rows_are_internal_errors_not_panics() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    let db = Database::connect(&app.db.url).await.unwrap();
    db.execute_unprepared("UPDATE organizations SET plan = 'BOGUS'")
        .await
        .unwrap();
    let (status, body) = app
        .graphql(
            Some(&ada.token),
            "{ viewer { email organizations { slug } } }",
            json!({}),
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::OK);
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "INTERNAL_SERVER_ERROR",
        "{body}"
    );
    assert_eq!(
        body["errors"][0]["path"],
        json!(["viewer", "organizations"])
    );
    assert!(body["errors"][0]["extensions"]["details"]["requestId"].is_string());
    assert!(!body.to_string().contains("BOGUS"), "{body}");
}

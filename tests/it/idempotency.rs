//! Idempotency-Key: replays, reuse with another body, concurrent retries
//! through two server processes, resuming after a lost response, expiry.

use futures::future::join_all;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{CREATE_PROJECT, TestApp, TestUser, error_codes, project, spawn_app};

struct Answer {
    status: StatusCode,
    replayed: bool,
    body: Value,
}

async fn send(app: &TestApp, address: &str, user: &TestUser, key: &str, input: Value) -> Answer {
    let response = app
        .client
        .post(format!("{address}/graphql"))
        .bearer_auth(&user.token)
        .header("idempotency-key", key)
        .json(&json!({ "query": CREATE_PROJECT, "variables": { "input": input } }))
        .send()
        .await
        .unwrap();
    let status = response.status();
    let replayed = response
        .headers()
        .get("idempotency-replayed")
        .is_some_and(|value| value == "true");
    Answer {
        status,
        replayed,
        body: response.json().await.unwrap(),
    }
}

#[tokio::test]
async fn the_same_key_and_body_replay_the_first_response_and_write_nothing() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    let first = send(&app, &app.address, &ada, "key-1", json!({ "name": "Once" })).await;
    assert_eq!(first.status, StatusCode::OK);
    assert!(!first.replayed);
    assert_eq!(project(&first.body)["slug"], "once", "{}", first.body);

    let again = send(&app, &app.address, &ada, "key-1", json!({ "name": "Once" })).await;
    assert!(again.replayed);
    assert_eq!(again.status, first.status);
    assert_eq!(again.body, first.body);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM projects").await, 1);

    // Another body under the same key is refused.
    let other = send(
        &app,
        &app.address,
        &ada,
        "key-1",
        json!({ "name": "Twice" }),
    )
    .await;
    assert_eq!(other.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(error_codes(&other.body), ["IDEMPOTENCY_KEY_REUSED"]);

    // Keys belong to their user.
    let bob = app.create_user("bob@example.com").await;
    let bobs = send(&app, &app.address, &bob, "key-1", json!({ "name": "Once" })).await;
    assert!(!bobs.replayed);
    assert_ne!(project(&bobs.body)["id"], project(&first.body)["id"]);

    // A refused request is an answer too: replayed, not re-run.
    let bad = send(&app, &app.address, &ada, "key-2", json!({ "name": "" })).await;
    let bad_again = send(&app, &app.address, &ada, "key-2", json!({ "name": "" })).await;
    assert!(bad_again.replayed);
    assert_eq!(bad_again.body, bad.body);
    assert_eq!(error_codes(&bad.body), ["INVALID_NAME"]);
}

#[tokio::test]
async fn malformed_keys_are_refused() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    for key in ["", "has space", &"k".repeat(256), "tab\tkey"] {
        let answer = send(&app, &app.address, &ada, key, json!({ "name": "X" })).await;
        assert_eq!(answer.status, StatusCode::BAD_REQUEST, "{key:?}");
        assert_eq!(error_codes(&answer.body), ["BAD_REQUEST"], "{key:?}");
    }
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM projects").await, 0);
}

#[tokio::test]
async fn twenty_concurrent_retries_through_two_processes_create_one_project() {
    let app = spawn_app().await;
    let replica = app.spawn_replica().await;
    let ada = app.create_user("ada@example.com").await;
    let input = json!({ "name": "Exactly once" });
    let answers = join_all((0..20).map(|i| {
        let address = if i % 2 == 0 {
            app.address.clone()
        } else {
            replica.address.clone()
        };
        let input = input.clone();
        let (app, ada) = (&app, &ada);
        async move { send(app, &address, ada, "retry-storm", input).await }
    }))
    .await;

    assert_eq!(app.count("SELECT COUNT(*) AS n FROM projects").await, 1);
    let originals: Vec<&Answer> = answers
        .iter()
        .filter(|answer| answer.status == StatusCode::OK && !answer.replayed)
        .collect();
    assert_eq!(originals.len(), 1, "one request ran");
    for answer in &answers {
        if answer.status == StatusCode::OK {
            assert_eq!(answer.body, originals[0].body, "replays match the original");
        } else {
            assert_eq!(answer.status, StatusCode::CONFLICT);
            assert_eq!(error_codes(&answer.body), ["IDEMPOTENCY_KEY_IN_USE"]);
        }
    }
}

#[tokio::test]
async fn a_retry_after_a_lost_response_answers_about_the_same_project() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    let first = send(
        &app,
        &app.address,
        &ada,
        "lost",
        json!({ "name": "Lost answer" }),
    )
    .await;
    // As if the process died after committing the project but before
    // storing the response.
    app.execute("UPDATE idempotency_keys SET response_status = NULL, response_body = NULL")
        .await;
    let retry = send(
        &app,
        &app.address,
        &ada,
        "lost",
        json!({ "name": "Lost answer" }),
    )
    .await;
    assert!(retry.replayed);
    assert_eq!(
        project(&retry.body)["id"],
        project(&first.body)["id"],
        "{}",
        retry.body
    );
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM projects").await, 1);
}

#[tokio::test]
async fn keys_expire_after_24_hours_and_are_purged() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    send(&app, &app.address, &ada, "old", json!({ "name": "Old" })).await;
    app.execute("UPDATE idempotency_keys SET expires_at = created_at")
        .await;
    // An expired key starts afresh.
    let again = send(&app, &app.address, &ada, "old", json!({ "name": "Old" })).await;
    assert!(!again.replayed);
    assert_eq!(project(&again.body)["slug"], "old-1");
    app.execute("UPDATE idempotency_keys SET expires_at = created_at")
        .await;
    assert_eq!(app.store.purge_expired_idempotency_keys().await.unwrap(), 1);
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM idempotency_keys")
            .await,
        0
    );
}

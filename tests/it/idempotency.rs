//! Idempotency-Key: replays, reuse with another body, concurrent retries
//! through two server processes, a response that cannot be stored, claims
//! whose holder died, expiry.

use std::time::Duration;

use futures::future::join_all;
use reqwest::StatusCode;
use serde_json::{Value, json};

use projects_api::store::Claim;

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
    // Nested fields are read after the creating transaction commits: they
    // see the project's own rows.
    assert_eq!(project(&first.body)["membersCount"], 1, "{}", first.body);
    assert_eq!(
        project(&first.body)["members"],
        json!([{ "role": "OWNER", "user": { "id": ada.global_id() } }])
    );
    assert_eq!(
        project(&first.body)["environments"],
        json!(["development", "staging", "production"])
    );

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

    // A refused request created nothing, so nothing is kept: running it
    // again is harmless, and the key is free for a corrected body.
    let bad = send(&app, &app.address, &ada, "key-2", json!({ "name": "" })).await;
    assert_eq!(error_codes(&bad.body), ["INVALID_NAME"]);
    let bad_again = send(&app, &app.address, &ada, "key-2", json!({ "name": "" })).await;
    assert!(!bad_again.replayed);
    assert_eq!(bad_again.body, bad.body);
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM idempotency_keys WHERE idempotency_key = 'key-2'")
            .await,
        0
    );
    let fixed = send(
        &app,
        &app.address,
        &ada,
        "key-2",
        json!({ "name": "Fixed" }),
    )
    .await;
    assert_eq!(project(&fixed.body)["slug"], "fixed", "{}", fixed.body);
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
async fn a_response_that_cannot_be_stored_is_answered_again_about_the_same_project() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    // Storing any response fails, as if the database went away between
    // committing the project and storing the response.
    let (refuse, allow) = if app.db.url.starts_with("postgres") {
        (
            "CREATE FUNCTION refuse_responses() RETURNS trigger LANGUAGE plpgsql AS \
         $$ BEGIN RAISE EXCEPTION 'responses refused'; END $$; \
         CREATE TRIGGER refuse_responses BEFORE UPDATE ON idempotency_keys FOR EACH ROW \
         WHEN (NEW.response_body IS NOT NULL) EXECUTE FUNCTION refuse_responses()",
            "DROP TRIGGER refuse_responses ON idempotency_keys; DROP FUNCTION refuse_responses()",
        )
    } else {
        (
            "CREATE TRIGGER refuse_responses BEFORE UPDATE ON idempotency_keys \
         WHEN NEW.response_body IS NOT NULL \
         BEGIN SELECT RAISE(ABORT, 'responses refused'); END",
            "DROP TRIGGER refuse_responses",
        )
    };
    app.execute(refuse).await;
    let atomic = || {
        send(
            &app,
            &app.address,
            &ada,
            "atomic",
            json!({ "name": "Atomic" }),
        )
    };
    let first = atomic().await;
    assert_eq!(first.status, StatusCode::OK, "{}", first.body);
    assert_eq!(project(&first.body)["slug"], "atomic");
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM projects").await, 1);
    // The key recorded the project in the transaction that created it.
    assert_eq!(
        app.count(
            "SELECT COUNT(*) AS n FROM idempotency_keys WHERE resource_id IS NOT NULL \
             AND response_body IS NULL AND idempotency_key = 'atomic'"
        )
        .await,
        1
    );
    // While the first request's lease runs, a retry is told to wait.
    let waiting = atomic().await;
    assert_eq!(waiting.status, StatusCode::CONFLICT, "{}", waiting.body);

    // Once the lease is over, the retry answers about the same project and
    // creates nothing; its response is stored and replayed from then on.
    app.execute(allow).await;
    app.execute("UPDATE idempotency_keys SET locked_until = created_at")
        .await;
    let retry = atomic().await;
    assert_eq!(retry.status, StatusCode::OK, "{}", retry.body);
    assert!(!retry.replayed);
    assert_eq!(retry.body, first.body);
    let replay = atomic().await;
    assert!(replay.replayed);
    assert_eq!(replay.body, first.body);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM projects").await, 1);
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM audit_events WHERE action = 'project.created'")
            .await,
        1
    );
}

#[tokio::test]
async fn a_response_too_large_to_keep_is_resolved_again_for_each_retry() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    // 90 aliases of 1 KB of metadata each: about 90 KB, over the 64 KiB kept.
    let metadata = json!({ "blob": "m".repeat(1_000) });
    let aliases: String = (0..90).map(|i| format!("m{i}: metadata ")).collect();
    let query = format!(
        "mutation($input: CreateProjectInput!) {{ createProject(input: $input) {{ project {{ id {aliases} }} }} }}"
    );
    let post = || {
        app.client
            .post(app.url("/graphql"))
            .bearer_auth(&ada.token)
            .header("idempotency-key", "large")
            .json(&json!({ "query": query, "variables": { "input": { "name": "Large", "metadata": metadata } } }))
            .send()
    };
    let first: Value = post().await.unwrap().json().await.unwrap();
    assert!(first.to_string().len() > 64 * 1024);
    let again = post().await.unwrap();
    assert!(again.headers().get("idempotency-replayed").is_none());
    let again: Value = again.json().await.unwrap();
    assert_eq!(again, first);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM projects").await, 1);
    assert_eq!(
        app.count("SELECT COUNT(*) AS n FROM idempotency_keys WHERE response_body IS NULL")
            .await,
        1,
        "nothing stored, the resource recorded"
    );
}

#[tokio::test]
async fn a_claim_whose_holder_died_is_in_use_until_its_lease_ends() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    let user_id = ada.id.parse().unwrap();
    // A holder that claimed the keys and died before committing anything.
    for (key, lease) in [("live", 600), ("dead", 0)] {
        let claim = app
            .store
            .claim_idempotency_key(user_id, key, "another body", Duration::from_secs(lease))
            .await
            .unwrap();
        assert!(matches!(claim, Claim::New(_)), "{claim:?}");
    }

    let dead = send(&app, &app.address, &ada, "dead", json!({ "name": "Dead" })).await;
    assert_eq!(dead.status, StatusCode::OK, "{}", dead.body);
    assert!(!dead.replayed);
    assert_eq!(project(&dead.body)["slug"], "dead");

    // The live claim, as if made by a request with the same body.
    app.execute(
        "UPDATE idempotency_keys SET request_hash = \
         (SELECT request_hash FROM idempotency_keys WHERE idempotency_key = 'dead') \
         WHERE idempotency_key = 'live'",
    )
    .await;
    let live = send(&app, &app.address, &ada, "live", json!({ "name": "Dead" })).await;
    assert_eq!(live.status, StatusCode::CONFLICT, "{}", live.body);
    assert_eq!(error_codes(&live.body), ["IDEMPOTENCY_KEY_IN_USE"]);
    let other = send(&app, &app.address, &ada, "live", json!({ "name": "Other" })).await;
    assert_eq!(
        other.status,
        StatusCode::UNPROCESSABLE_ENTITY,
        "{}",
        other.body
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
    // A thousand expired keys go in batches of 500, all of them.
    let user_id: uuid::Uuid = ada.id.parse().unwrap();
    for i in 0..1_000 {
        app.store
            .claim_idempotency_key(user_id, &format!("k{i}"), "h", Duration::from_secs(0))
            .await
            .unwrap();
    }
    app.execute("UPDATE idempotency_keys SET expires_at = created_at")
        .await;
    assert_eq!(
        app.store.purge_expired_idempotency_keys().await.unwrap(),
        1_000
    );
}

#[tokio::test]
async fn a_user_holds_at_most_a_thousand_live_keys() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    let user_id: uuid::Uuid = ada.id.parse().unwrap();
    for i in 0..1_000 {
        let claim = app
            .store
            .claim_idempotency_key(user_id, &format!("k{i}"), "h", Duration::from_secs(60))
            .await
            .unwrap();
        assert!(matches!(claim, Claim::New(_)), "{i}: {claim:?}");
    }
    let answer = send(&app, &app.address, &ada, "one-more", json!({ "name": "X" })).await;
    assert_eq!(
        answer.status,
        StatusCode::TOO_MANY_REQUESTS,
        "{}",
        answer.body
    );
    assert_eq!(error_codes(&answer.body), ["TOO_MANY_IDEMPOTENCY_KEYS"]);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM projects").await, 0);
    // Without a key the same request runs.
    let body = app.create_project(&ada, json!({ "name": "X" })).await;
    assert!(project(&body)["id"].is_string(), "{body}");
}

//! Persisted documents (Apollo's automatic persisted queries and the
//! trusted-documents mode), batches of operations, and operation-selection
//! errors, as the clients that send them expect.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{AppOptions, TestApp, error_codes, spawn_app, spawn_app_with};
use projects_api::http::persisted::{PersistedOptions, hash};

const REGIONS: &str = "query Regions { regions { code } }";
const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";

fn apq(hash: &str) -> Value {
    json!({ "persistedQuery": { "version": 1, "sha256Hash": hash } })
}

/// POSTs `body` with `token` (if any) and `accept`; the status and JSON.
async fn post(
    app: &TestApp,
    token: Option<&str>,
    accept: &str,
    body: &Value,
) -> (StatusCode, Value) {
    post_to(&app.client, &app.address, token, accept, body).await
}

async fn post_to(
    client: &reqwest::Client,
    address: &str,
    token: Option<&str>,
    accept: &str,
    body: &Value,
) -> (StatusCode, Value) {
    let mut request = client
        .post(format!("{address}/graphql"))
        .header("accept", accept)
        .json(body);
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    let response = request.send().await.expect("the request is sent");
    let status = response.status();
    let text = response.text().await.expect("a body");
    let body = serde_json::from_str(&text).unwrap_or_else(|_| panic!("not JSON: {text}"));
    (status, body)
}

#[tokio::test]
async fn automatic_persisted_queries_register_once_and_serve_every_process() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    let query = "query Me { viewer { email } }";
    let id = hash(query);

    // Unknown hash: the code Apollo's link waits for, as a request error.
    let hash_only = json!({ "extensions": apq(&id) });
    let (status, body) = post(&app, Some(&ada.token), "application/json", &hash_only).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(error_codes(&body), ["PERSISTED_QUERY_NOT_FOUND"], "{body}");
    assert_eq!(body["errors"][0]["message"], "PersistedQueryNotFound");
    let (status, body) = post(&app, Some(&ada.token), GRAPHQL_RESPONSE_JSON, &hash_only).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert!(body.get("data").is_none(), "{body}");

    // A hash that is not the document's runs nothing.
    let wrong = json!({ "query": REGIONS, "extensions": apq(&id) });
    let (status, body) = post(&app, Some(&ada.token), "application/json", &wrong).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(error_codes(&body), ["BAD_REQUEST"]);

    // Without a token, the document runs but is not registered.
    let full = json!({ "query": query, "extensions": apq(&id) });
    let (_, body) = post(&app, None, "application/json", &full).await;
    assert_eq!(error_codes(&body), ["UNAUTHENTICATED"], "{body}");
    let (_, body) = post(&app, Some(&ada.token), "application/json", &hash_only).await;
    assert_eq!(error_codes(&body), ["PERSISTED_QUERY_NOT_FOUND"], "{body}");

    // Sent in full with its hash, it runs and is registered ...
    let (status, body) = post(&app, Some(&ada.token), "application/json", &full).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["data"]["viewer"]["email"], "ada@example.com", "{body}");
    let rows = app
        .count("SELECT COUNT(*) AS n FROM persisted_documents")
        .await;
    assert_eq!(rows, 1);

    // ... so the hash alone now runs it, here and on another process, by
    // POST and by GET.
    let (_, body) = post(&app, Some(&ada.token), "application/json", &hash_only).await;
    assert_eq!(body["data"]["viewer"]["email"], "ada@example.com", "{body}");
    let replica = app.spawn_replica().await;
    let (_, body) = post_to(
        &app.client,
        &replica.address,
        Some(&ada.token),
        "application/json",
        &hash_only,
    )
    .await;
    assert_eq!(body["data"]["viewer"]["email"], "ada@example.com", "{body}");
    let extensions = apq(&id).to_string();
    let response = app
        .client
        .get(app.url("/graphql"))
        .bearer_auth(&ada.token)
        .query(&[("extensions", extensions.as_str())])
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["data"]["viewer"]["email"], "ada@example.com", "{body}");

    // A malformed extension is a bad request, not a miss.
    for extension in [
        json!({ "persistedQuery": { "version": 2, "sha256Hash": id } }),
        json!({ "persistedQuery": { "version": 1, "sha256Hash": "ABC" } }),
        json!({ "persistedQuery": "yes" }),
    ] {
        let (status, body) = post(
            &app,
            Some(&ada.token),
            "application/json",
            &json!({ "extensions": extension }),
        )
        .await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{extension}: {body}");
        assert_eq!(error_codes(&body), ["BAD_REQUEST"], "{extension}");
    }
}

#[tokio::test]
async fn registered_documents_stay_under_the_cap_least_recently_used_first() {
    let app = spawn_app_with(AppOptions {
        persisted: PersistedOptions {
            max_registered: 2,
            trusted_only: false,
        },
        ..AppOptions::default()
    })
    .await;
    let ada = app.create_user("ada@example.com").await;
    let documents: Vec<String> = (0..3)
        .map(|n| format!("query Q{n} {{ regions {{ code }} }}"))
        .collect();
    for document in &documents {
        let full = json!({ "query": document, "extensions": apq(&hash(document)) });
        let (_, body) = post(&app, Some(&ada.token), "application/json", &full).await;
        assert!(body["data"]["regions"].is_array(), "{body}");
    }
    let rows = app
        .count("SELECT COUNT(*) AS n FROM persisted_documents")
        .await;
    assert_eq!(rows, 2);
    let found = |document: &String| {
        let body = json!({ "extensions": apq(&hash(document)) });
        let app = &app;
        let token = ada.token.clone();
        async move {
            let (_, body) = post(app, Some(&token), "application/json", &body).await;
            body["data"]["regions"].is_array()
        }
    };
    assert!(!found(&documents[0]).await, "the oldest was evicted");
    assert!(found(&documents[1]).await);
    assert!(found(&documents[2]).await);
}

#[tokio::test]
async fn with_trusted_documents_only_nothing_else_runs() {
    let app = spawn_app_with(AppOptions {
        persisted: PersistedOptions {
            max_registered: 10,
            trusted_only: true,
        },
        ..AppOptions::default()
    })
    .await;
    let ada = app.create_user("ada@example.com").await;
    let trusted = "query Me { viewer { email } }";
    let dir = tempfile::tempdir().unwrap();
    let manifest = dir.path().join("manifest.json");
    let apollo_manifest = json!({
        "format": "apollo-persisted-query-manifest",
        "version": 1,
        "operations": [{ "id": hash(trusted), "name": "Me", "type": "query", "body": trusted }],
    });
    std::fs::write(&manifest, apollo_manifest.to_string()).unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_projects-api"))
        .args(["admin", "trust-documents", "--manifest"])
        .arg(&manifest)
        .env("DATABASE_URL", &app.db.url)
        .output()
        .expect("the binary runs");
    assert!(output.status.success(), "{output:?}");
    let printed: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(printed["trusted"], 1);

    // By hash and in full, the trusted document runs.
    for body in [
        json!({ "extensions": apq(&hash(trusted)) }),
        json!({ "query": trusted }),
        json!({ "query": trusted, "extensions": apq(&hash(trusted)) }),
    ] {
        let (status, answer) = post(&app, Some(&ada.token), "application/json", &body).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            answer["data"]["viewer"]["email"], "ada@example.com",
            "{body}: {answer}"
        );
    }
    // Anything else is refused before it runs, and nothing registers.
    for body in [
        json!({ "query": REGIONS }),
        json!({ "query": REGIONS, "extensions": apq(&hash(REGIONS)) }),
        json!({ "extensions": apq(&hash(REGIONS)) }),
    ] {
        let (status, answer) = post(&app, Some(&ada.token), GRAPHQL_RESPONSE_JSON, &body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{body}: {answer}");
        assert_eq!(
            error_codes(&answer),
            ["PERSISTED_QUERY_NOT_IN_LIST"],
            "{body}"
        );
    }
    let rows = app
        .count("SELECT COUNT(*) AS n FROM persisted_documents")
        .await;
    assert_eq!(rows, 1);

    // A manifest whose id is not its document's hash loads nothing.
    std::fs::write(&manifest, json!({ "0".repeat(64): REGIONS }).to_string()).unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_projects-api"))
        .args(["admin", "trust-documents", "--manifest"])
        .arg(&manifest)
        .env("DATABASE_URL", &app.db.url)
        .output()
        .expect("the binary runs");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("SHA-256"));
}

#[tokio::test]
async fn a_batch_answers_each_operation_in_order() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    let batch = json!([
        { "query": REGIONS },
        {
            "query": "mutation($input: CreateProjectInput!) { createProject(input: $input) { project { slug } } }",
            "variables": { "input": { "name": "Batched" } },
        },
        { "query": "{ nope }" },
        { "query": "query A { regions { code } }", "operationName": "B" },
        { "extensions": apq(&hash("query Unknown { regions { code } }")) },
    ]);
    let (status, body) = post(&app, Some(&ada.token), "application/json", &batch).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let answers = body.as_array().expect("an array");
    assert_eq!(answers.len(), 5, "{body}");
    assert!(answers[0]["data"]["regions"].is_array(), "{body}");
    assert_eq!(
        answers[1]["data"]["createProject"]["project"]["slug"],
        "batched"
    );
    assert_eq!(error_codes(&answers[2]), ["GRAPHQL_VALIDATION_FAILED"]);
    assert_eq!(error_codes(&answers[3]), ["OPERATION_RESOLUTION_FAILURE"]);
    assert_eq!(error_codes(&answers[4]), ["PERSISTED_QUERY_NOT_FOUND"]);

    // Past the cap, empty, or with an idempotency key: refused whole.
    let eleven = Value::Array(vec![json!({ "query": REGIONS }); 11]);
    let (status, body) = post(&app, Some(&ada.token), "application/json", &eleven).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(error_codes(&body), ["BAD_REQUEST"]);
    let (status, _) = post(&app, Some(&ada.token), "application/json", &json!([])).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&ada.token)
        .header("idempotency-key", "k1")
        .json(&json!([{ "query": REGIONS }]))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let projects = app.count("SELECT COUNT(*) AS n FROM projects").await;
    assert_eq!(projects, 1);
}

#[tokio::test]
async fn each_operation_of_a_batch_counts_against_the_rate_limit() {
    let app = spawn_app_with(AppOptions {
        rate_limit: Some(projects_api::config::RateLimit {
            per_second: std::num::NonZeroU32::new(1).unwrap(),
            burst: std::num::NonZeroU32::new(3).unwrap(),
        }),
        ..AppOptions::default()
    })
    .await;
    let ada = app.create_user("ada@example.com").await;
    let four = Value::Array(vec![json!({ "query": REGIONS }); 4]);
    let (status, body) = post(&app, Some(&ada.token), "application/json", &four).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    // The refused batch spent only its first operation: two remain.
    let two = Value::Array(vec![json!({ "query": REGIONS }); 2]);
    let (status, body) = post(&app, Some(&ada.token), "application/json", &two).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, body) = post(&app, Some(&ada.token), "application/json", &two).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "{body}");
    assert_eq!(error_codes(&body), ["RATE_LIMITED"]);
}

#[tokio::test]
async fn operation_selection_errors_are_request_errors() {
    let app = spawn_app().await;
    let cases = [
        json!({ "query": "query A { regions { code } }", "operationName": "B" }),
        json!({ "query": "query A { regions { code } } query B { regions { code } }" }),
    ];
    for request in cases {
        let (status, body) = post(&app, None, GRAPHQL_RESPONSE_JSON, &request).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{request}: {body}");
        assert!(body.get("data").is_none(), "{body}");
        assert_eq!(
            error_codes(&body),
            ["OPERATION_RESOLUTION_FAILURE"],
            "{body}"
        );
    }
}

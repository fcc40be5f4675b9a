//! Nothing secret or internal reaches a client or the log: responses from
//! every failure path are searched for SQL, driver text, panics and token
//! material, and the JSON log of a server is searched for tokens.

use std::io::Read;
use std::process::{Command, Stdio};

use serde_json::json;

use crate::helpers::{TestDb, spawn_app, store_options};

/// Text that must never appear in a response or (for tokens) a log.
const LEAKS: &[&str] = &[
    "SELECT",
    "INSERT",
    "UPDATE ",
    "DELETE",
    "sqlx",
    "sqlite",
    "SQLSTATE",
    "constraint",
    "relation",
    "panicked",
    "backtrace",
    "RUST_",
    "src/",
    "DbErr",
    "pat_",
];

fn assert_clean(label: &str, text: &str) {
    for leak in LEAKS {
        assert!(
            !text.contains(leak),
            "{label}: the response contains '{leak}': {text}"
        );
    }
}

#[tokio::test]
async fn no_failure_path_leaks_internals_or_tokens() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    let bad_token = format!("{}x", ada.token);
    let create =
        "mutation($input: CreateProjectInput!) { createProject(input: $input) { project { id } } }";
    let failures: Vec<(&str, reqwest::RequestBuilder)> = vec![
        ("unknown token", app.client.post(app.url("/graphql")).bearer_auth(&bad_token).json(&json!({ "query": "{ viewer { id } }" }))),
        ("anonymous", app.client.post(app.url("/graphql")).json(&json!({ "query": "{ viewer { id } }" }))),
        ("parse error", app.client.post(app.url("/graphql")).bearer_auth(&ada.token).json(&json!({ "query": "{ viewer {" }))),
        ("validation error", app.client.post(app.url("/graphql")).bearer_auth(&ada.token).json(&json!({ "query": "{ nope }" }))),
        ("bad variables", app.client.post(app.url("/graphql")).bearer_auth(&ada.token).json(&json!({ "query": create, "variables": { "input": { "name": 5 } } }))),
        ("every input rule", app.client.post(app.url("/graphql")).bearer_auth(&ada.token).json(&json!({ "query": create, "variables": { "input": {
            "name": "<b>", "slug": "Bad", "organizationId": "x", "settings": { "thumbnailUrl": "x", "defaultLocale": "??" },
            "deployment": { "region": "mars", "runtime": "cobol" }, "environments": ["qa"], "metadata": [1],
            "dependencyIds": ["nope"], "featureLimit": -1, "defaultStickiness": "a b" } } }))),
        ("unknown organization", app.client.post(app.url("/graphql")).bearer_auth(&ada.token).json(&json!({ "query": create, "variables": { "input": { "name": "x", "organizationId": uuid::Uuid::new_v4() } } }))),
        ("not json", app.client.post(app.url("/graphql")).header("content-type", "application/json").body("{")),
        ("wrong media type", app.client.post(app.url("/graphql")).header("content-type", "text/plain").body("{}")),
        ("mutation over GET", app.client.get(app.url("/graphql")).query(&[("query", "mutation { createProject(input: {name: \"x\"}) { project { id } } }")])),
        ("bad idempotency key", app.client.post(app.url("/graphql")).bearer_auth(&ada.token).header("idempotency-key", "a b").json(&json!({ "query": create, "variables": { "input": { "name": "x" } } }))),
    ];
    for (label, request) in failures {
        let response = request.send().await.unwrap();
        assert!(
            response.status().as_u16() < 500,
            "{label}: {}",
            response.status()
        );
        assert_clean(label, &response.text().await.unwrap());
    }

    // And the internal error: a table gone under the running server.
    app.execute("DROP TABLE project_members").await;
    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&ada.token)
        .json(&json!({ "query": create, "variables": { "input": { "name": "Boom" } } }))
        .send()
        .await
        .unwrap();
    let text = response.text().await.unwrap();
    assert!(text.contains("INTERNAL_SERVER_ERROR"), "{text}");
    assert_clean("internal error", &text);
}

#[tokio::test]
async fn logs_carry_request_ids_and_never_tokens() {
    let db = TestDb::new().await;
    let store = projects_api::store::Store::connect(&store_options(&db.url))
        .await
        .unwrap();
    store.migrate().await.unwrap();
    let ada = store.create_user("ada@example.com", None).await.unwrap();
    store.close().await.ok();

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_projects-api"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env("DATABASE_URL", &db.url)
        .env("LOG_FORMAT", "json")
        .env("RUST_LOG", "debug")
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let client = crate::helpers::http_client();
    let address = format!("http://127.0.0.1:{port}");
    for _ in 0..200 {
        if client
            .get(format!("{address}/health/ready"))
            .send()
            .await
            .is_ok_and(|r| r.status() == 200)
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let wrong = format!("{}0", ada.token);
    for token in [ada.token.as_str(), wrong.as_str()] {
        let response = client
            .post(format!("{address}/graphql"))
            .bearer_auth(token)
            .header("x-request-id", "log-check-1")
            .json(&json!({ "query": "mutation { createProject(input: {name: \"Logged\"}) { project { id } } }" }))
            .send()
            .await
            .unwrap();
        assert!(response.status().as_u16() < 500);
    }
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    child.wait().unwrap();
    let mut log = String::new();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_string(&mut log)
        .unwrap();
    assert!(!log.contains(&ada.token), "the log contains the token");
    assert!(!log.contains(&wrong), "the log contains the wrong token");
    let tagged = log
        .lines()
        .filter(|line| line.contains("\"request_id\":\"log-check-1\""))
        .count();
    assert!(
        tagged >= 2,
        "both requests are logged with their id:\n{log}"
    );
}

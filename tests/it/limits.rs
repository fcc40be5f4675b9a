//! Request limits and hostile input: each refusal is a clean 4xx or a
//! GraphQL error with a code, never a 5xx, a panic or a dropped connection,
//! and the server stays healthy after.

use std::time::Duration;

use reqwest::StatusCode;
use reqwest::header::CONTENT_TYPE;
use serde_json::{Value, json};

use crate::helpers::{AppOptions, TestApp, error_codes, spawn_app, spawn_app_with};

async fn post_raw(app: &TestApp, body: impl Into<reqwest::Body>) -> (StatusCode, Value) {
    let response = app
        .client
        .post(app.url("/graphql"))
        .header(CONTENT_TYPE, "application/json")
        .body(body)
        .send()
        .await
        .expect("the server answers");
    let status = response.status();
    let body = response.json().await.expect("a JSON body");
    (status, body)
}

async fn assert_healthy(app: &TestApp) {
    let (status, body) = app.graphql(None, "{ regions { code } }", json!({})).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["data"]["regions"][0]["code"], "us-east-1");
}

#[tokio::test]
async fn a_body_over_1_mib_is_413_and_the_server_stays_healthy() {
    let app = spawn_app().await;
    let query = format!("{{ regions {{ code }} }} #{}", "x".repeat(1024 * 1024));
    let (status, body) = post_raw(&app, json!({ "query": query }).to_string()).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(error_codes(&body), ["PAYLOAD_TOO_LARGE"]);
    // A 10 MB string in the variables meets the same limit.
    let variables =
        json!({ "query": "{ regions { code } }", "variables": { "s": "y".repeat(10_000_000) } });
    let (status, _) = post_raw(&app, variables.to_string()).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_healthy(&app).await;
}

#[tokio::test]
async fn depth_complexity_aliases_and_root_fields_are_limited_by_name() {
    let app = spawn_app().await;
    let deep = format!(
        "{{ __schema {{ types {{ {}name{} }} }} }}",
        "ofType { ".repeat(16),
        " }".repeat(16)
    );
    let complex = "{ organization(slug: \"x\") { projects(first: 100) { nodes { organization { projects(first: 100) { nodes { id } } } } } } }".to_owned();
    let aliases = format!(
        "{{ {} }}",
        (0..101)
            .map(|i| format!("r{i}: regions {{ code }}"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    let roots = format!("{{ {} }}", "regions { code } ".repeat(101));
    let cases = [
        ("depth", deep, "nested too deep"),
        ("complexity", complex, "too complex"),
        ("aliases", aliases, "at most 100 are allowed"),
        ("root fields", roots, "at most 100 are allowed"),
    ];
    for (label, query, words) in cases {
        let (status, body) = app.graphql(None, &query, json!({})).await;
        assert_eq!(status, StatusCode::OK, "{label}");
        assert_eq!(
            error_codes(&body),
            ["GRAPHQL_VALIDATION_FAILED"],
            "{label}: {body}"
        );
        let message = body["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains(words), "{label}: {message}");
    }
    // Just under each limit is fine.
    let fine = format!(
        "{{ {} }}",
        (0..100)
            .map(|i| format!("r{i}: regions {{ code }}"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    let (_, body) = app.graphql(None, &fine, json!({})).await;
    assert!(body.get("errors").is_none(), "100 aliases: {body}");
}

#[tokio::test]
async fn malformed_bodies_are_clean_4xx_errors() {
    let app = spawn_app().await;
    let nested = format!(
        "{{\"query\":\"{{ regions {{ code }} }}\",\"variables\":{{\"v\":{}1{}}}}}",
        "[".repeat(10_000),
        "]".repeat(10_000)
    );
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("invalid UTF-8", b"{\"query\":\"\xff\xfe\"}".to_vec()),
        ("NUL bytes", b"{\"query\":\"{ regions \x00 }\"}".to_vec()),
        ("not an object", b"[1,2,3]".to_vec()),
        ("missing query", b"{\"variables\":{}}".to_vec()),
        ("empty", Vec::new()),
        ("deeply nested variables", nested.into_bytes()),
    ];
    for (label, body) in cases {
        let (status, body) = post_raw(&app, body).await;
        assert!(status.is_client_error(), "{label}: {status} {body}");
        assert!(!error_codes(&body).is_empty(), "{label}: {body}");
    }
    let (status, body) = post_raw(&app, json!({ "query": "{ regions \u{0} }" }).to_string()).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(error_codes(&body), ["GRAPHQL_PARSE_FAILED"], "{body}");
    assert_healthy(&app).await;
}

#[tokio::test]
async fn a_request_slower_than_the_timeout_is_stopped_with_408() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let app = spawn_app_with(AppOptions {
        request_timeout: Duration::from_secs(1),
        ..AppOptions::default()
    })
    .await;
    let address = app.address.trim_start_matches("http://").to_owned();
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    // Headers promise a body that never comes.
    let head = format!(
        "POST /graphql HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"query\":"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut response = String::new();
    tokio::time::timeout(
        Duration::from_secs(10),
        stream.read_to_string(&mut response),
    )
    .await
    .expect("the server answers within the timeout")
    .unwrap();
    assert!(response.starts_with("HTTP/1.1 408"), "{response}");
    assert!(response.contains("REQUEST_TIMEOUT"), "{response}");
    assert_healthy(&app).await;
}

#[tokio::test]
async fn a_token_over_its_rate_gets_429_with_retry_after() {
    use std::num::NonZeroU32;

    let app = spawn_app_with(AppOptions {
        rate_limit: Some(projects_api::config::RateLimit {
            per_second: NonZeroU32::new(1).unwrap(),
            burst: NonZeroU32::new(2).unwrap(),
        }),
        ..AppOptions::default()
    })
    .await;
    let ada = app.create_user("ada@example.com").await;
    let bob = app.create_user("bob@example.com").await;
    let query = "{ viewer { email } }";
    for _ in 0..2 {
        let (status, _) = app.graphql(Some(&ada.token), query, json!({})).await;
        assert_eq!(status, StatusCode::OK);
    }
    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&ada.token)
        .json(&json!({ "query": query }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
    let retry_after: u64 = response.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=2).contains(&retry_after), "{retry_after}");
    let body: Value = response.json().await.unwrap();
    assert_eq!(error_codes(&body), ["RATE_LIMITED"]);

    // Other tokens, and anonymous catalog reads, are not held back.
    let (status, _) = app.graphql(Some(&bob.token), query, json!({})).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _) = app.graphql(None, "{ regions { code } }", json!({})).await;
    assert_eq!(status, StatusCode::OK);
}

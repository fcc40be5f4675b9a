//! `/metrics`: scraped before and after known requests, each counter moves
//! by exactly what those requests did.

use std::num::NonZeroU32;

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{AppOptions, TestApp, error_codes, spawn_app_with};

/// The value of one series (`name{labels}`) in an OpenMetrics text; 0 when
/// it is not there yet.
fn series(text: &str, name: &str) -> f64 {
    text.lines()
        .find_map(|line| {
            let (series, value) = line.rsplit_once(' ')?;
            (series == name).then(|| value.parse::<f64>().expect("a number"))
        })
        .unwrap_or(0.0)
}

async fn scrape(app: &TestApp) -> String {
    let response = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        content_type.starts_with("application/openmetrics-text"),
        "{content_type}"
    );
    let text = response.text().await.unwrap();
    assert!(text.ends_with("# EOF\n"), "{text}");
    text
}

const OK_MUTATIONS: &str =
    "projects_api_graphql_operations_total{operation_type=\"mutation\",outcome=\"OK\"}";
const INVALID_NAME: &str =
    "projects_api_graphql_operations_total{operation_type=\"mutation\",outcome=\"INVALID_NAME\"}";
const OK_QUERIES: &str =
    "projects_api_graphql_operations_total{operation_type=\"query\",outcome=\"OK\"}";
const PARSE_FAILED: &str = "projects_api_graphql_operations_total{operation_type=\"unknown\",outcome=\"GRAPHQL_PARSE_FAILED\"}";
const QUERY_SECONDS: &str =
    "projects_api_graphql_operation_duration_seconds_count{operation_type=\"query\"}";
const CREATED: &str = "projects_api_projects_created_total";
const REPLAYS: &str = "projects_api_idempotency_replays_total";
const LIMITED: &str = "projects_api_rate_limited_requests_total";

#[tokio::test]
async fn counters_move_by_what_the_requests_did() {
    let app = spawn_app_with(AppOptions {
        rate_limit: Some(projects_api::config::RateLimit {
            per_second: NonZeroU32::new(1).unwrap(),
            burst: NonZeroU32::new(12).unwrap(),
        }),
        ..AppOptions::default()
    })
    .await;
    let ada = app.create_user("ada@example.com").await;
    let before = scrape(&app).await;
    assert!(
        series(&before, "projects_api_db_pool_max_connections") >= 1.0,
        "{before}"
    );

    // Two projects created, one of them through a REST door; one refused.
    let body = app.create_project(&ada, json!({ "name": "One" })).await;
    assert!(body.get("errors").is_none(), "{body}");
    let response = app
        .client
        .post(app.url("/api/admin/projects"))
        .bearer_auth(&ada.token)
        .json(&json!({ "id": "two", "name": "Two" }))
        .send()
        .await
        .unwrap();
    assert!(
        response.status().is_success(),
        "{:?}",
        response.text().await
    );
    let body = app.create_project(&ada, json!({ "name": "" })).await;
    assert_eq!(error_codes(&body), ["INVALID_NAME"]);
    // Two named queries, one document that does not parse.
    for _ in 0..2 {
        let (_, body) = app
            .graphql(
                Some(&ada.token),
                "query Regions { regions { code } }",
                json!({}),
            )
            .await;
        assert!(body["data"]["regions"].is_array());
    }
    let (_, body) = app.graphql(Some(&ada.token), "{", json!({})).await;
    assert_eq!(error_codes(&body), ["GRAPHQL_PARSE_FAILED"]);
    // A keyed create sent twice: one replay.
    for _ in 0..2 {
        let response = app
            .client
            .post(app.url("/graphql"))
            .bearer_auth(&ada.token)
            .header("idempotency-key", "metrics-1")
            .json(&json!({
                "query": "mutation { createProject(input: { name: \"Three\" }) { project { id } } }"
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
    }
    // A batch larger than what is left of the burst is refused.
    let batch = Value::Array(vec![json!({ "query": "{ regions { code } }" }); 10]);
    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&ada.token)
        .json(&batch)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);

    let after = scrape(&app).await;
    let moved = |name: &str| series(&after, name) - series(&before, name);
    // createProject once, then the keyed one (its replay does not run).
    assert_eq!(moved(OK_MUTATIONS), 2.0, "{after}");
    assert_eq!(moved(INVALID_NAME), 1.0, "{after}");
    assert_eq!(moved(OK_QUERIES), 2.0, "{after}");
    assert_eq!(moved(QUERY_SECONDS), 2.0, "{after}");
    assert_eq!(moved(PARSE_FAILED), 1.0, "{after}");
    assert_eq!(moved(CREATED), 3.0, "{after}");
    assert_eq!(moved(REPLAYS), 1.0, "{after}");
    assert_eq!(moved(LIMITED), 1.0, "{after}");
    assert_eq!(
        series(&after, "projects_api_db_writes_waiting"),
        0.0,
        "{after}"
    );
}

#[tokio::test]
async fn metrics_listen_moves_metrics_off_the_main_listener() {
    let app = spawn_app_with(AppOptions::default()).await;
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .unwrap()
        .port();
    let metrics_address = format!("127.0.0.1:{port}");
    let replica =
        crate::helpers::spawn_binary(&app.db.url, &[("METRICS_LISTEN", metrics_address.as_str())])
            .await;
    let main = app
        .client
        .get(format!("{}/metrics", replica.address))
        .send()
        .await
        .unwrap();
    assert_eq!(main.status(), StatusCode::NOT_FOUND);
    let text = app
        .client
        .get(format!("http://{metrics_address}/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        text.contains("projects_api_db_pool_max_connections"),
        "{text}"
    );
}

/// An OTLP/HTTP receiver: keeps the body of every `POST /v1/traces`.
async fn otlp_receiver() -> (String, std::sync::Arc<std::sync::Mutex<Vec<u8>>>) {
    use axum::routing::post;
    let received = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let kept = received.clone();
    let router = axum::Router::new().route(
        "/v1/traces",
        post(move |body: axum::body::Bytes| {
            let kept = kept.clone();
            async move {
                kept.lock().unwrap().extend_from_slice(&body);
                axum::http::StatusCode::OK
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    (address, received)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack
        .windows(needle.len())
        .any(|window| window == needle)
}

/// With an OTLP endpoint, the operation's span reaches the collector in
/// the caller's trace (its `traceparent`), named after the operation; the
/// log line carries the operation's name and error codes.
#[tokio::test]
async fn spans_join_the_callers_trace_and_logs_name_the_operation() {
    let app = spawn_app_with(AppOptions::default()).await;
    let ada = app.create_user("ada@example.com").await;
    let (collector, received) = otlp_receiver().await;
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("server.log");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .unwrap()
        .port();
    let address = format!("http://127.0.0.1:{port}");
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_projects-api"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env("DATABASE_URL", &app.db.url)
        .env("RUST_LOG", "info")
        .env("LOG_FORMAT", "json")
        .env("OTEL_EXPORTER_OTLP_ENDPOINT", &collector)
        .env("OTEL_BSP_SCHEDULE_DELAY", "100")
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .expect("start the server binary");
    crate::helpers::wait_until_ready(&app.client, &address).await;

    let trace_id = "4bf92f3577b34da6a3ce929d0e0e4736";
    let response = app
        .client
        .post(format!("{address}/graphql"))
        .bearer_auth(&ada.token)
        .header("traceparent", format!("00-{trace_id}-00f067aa0ba902b7-01"))
        .json(&json!({
            "query": "query TracedRegions { regions { code } } mutation Broken { createProject(input: { name: \"\" }) { project { id } } }",
            "operationName": "Broken",
        }))
        .send()
        .await
        .unwrap();
    let body: Value = response.json().await.unwrap();
    assert_eq!(error_codes(&body), ["INVALID_NAME"]);

    let trace_bytes: Vec<u8> = (0..16)
        .map(|i| u8::from_str_radix(&trace_id[2 * i..2 * i + 2], 16).unwrap())
        .collect();
    let mut exported = false;
    for _ in 0..100 {
        let seen = received.lock().unwrap().clone();
        if contains(&seen, &trace_bytes) && contains(&seen, b"mutation Broken") {
            exported = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(
        exported,
        "no span of trace {trace_id} named after the operation"
    );
    let seen = received.lock().unwrap().clone();
    assert!(contains(&seen, b"graphql.operation.name"));
    assert!(contains(&seen, b"projects-api"), "the service name");

    let logged = std::fs::read_to_string(&log).unwrap();
    let line = logged
        .lines()
        .find(|line| line.contains("graphql operation"))
        .unwrap_or_else(|| panic!("no operation line in:\n{logged}"));
    let line: Value = serde_json::from_str(line).unwrap();
    assert_eq!(line["operation.name"], "Broken", "{line}");
    assert_eq!(line["operation.type"], "mutation", "{line}");
    assert_eq!(line["error_codes"], "INVALID_NAME", "{line}");
}

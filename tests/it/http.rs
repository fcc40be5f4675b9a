//! HTTP behaviour: health, request ids, GraphQL over HTTP, GraphiQL.

use reqwest::StatusCode;
use reqwest::header::{ACCEPT, ALLOW, CONTENT_TYPE};
use serde_json::{Value, json};

use crate::helpers::{AppOptions, error_codes, spawn_app, spawn_app_with};

#[tokio::test]
async fn health_endpoints_answer_200_with_json() {
    let app = spawn_app().await;
    for (path, status) in [("/health/live", "live"), ("/health/ready", "ready")] {
        let response = app.client.get(app.url(path)).send().await.unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{path}");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["status"], status, "{path}");
    }
    app.stop().await;
}

#[tokio::test]
async fn every_response_carries_a_request_id_and_keeps_the_callers() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(app.url("/health/live"))
        .send()
        .await
        .unwrap();
    let generated = response.headers()["x-request-id"]
        .to_str()
        .unwrap()
        .to_owned();
    assert_eq!(generated.len(), 36, "a UUID: {generated}");

    let response = app
        .client
        .get(app.url("/no-such-page"))
        .header("x-request-id", "caller-chosen-42")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::NOT_FOUND);
    assert_eq!(response.headers()["x-request-id"], "caller-chosen-42");
}

#[tokio::test]
async fn graphiql_is_served_with_its_assets_from_the_server_itself() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(app.url("/graphql"))
        .header(ACCEPT, "text/html,application/xhtml+xml")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let page = response.text().await.unwrap();
    assert!(page.contains("GraphiQL.createFetcher"), "{page}");
    assert!(!page.contains("https://"), "no external asset: {page}");

    for (asset, kind) in [
        ("graphiql.min.js", "text/javascript"),
        ("graphiql.min.css", "text/css"),
        ("react.production.min.js", "text/javascript"),
        ("react-dom.production.min.js", "text/javascript"),
    ] {
        let response = app
            .client
            .get(app.url(&format!("/graphiql/{asset}")))
            .header("accept-encoding", "gzip")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK, "{asset}");
        assert!(
            response.headers()[CONTENT_TYPE]
                .to_str()
                .unwrap()
                .starts_with(kind),
            "{asset}"
        );
        assert_eq!(response.headers()["content-encoding"], "gzip", "{asset}");
        assert!(response.bytes().await.unwrap().len() > 1_000, "{asset}");
    }
}

#[tokio::test]
async fn queries_run_over_get_but_mutations_are_refused_with_405() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(app.url("/graphql"))
        .query(&[("query", "{ regions { code } }")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["data"]["regions"][0]["code"], "us-east-1");

    let response = app
        .client
        .get(app.url("/graphql"))
        .query(&[(
            "query",
            "mutation { createProject(input: {name: \"x\"}) { project { id } } }",
        )])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
    assert_eq!(response.headers()[ALLOW], "POST");
    let body: Value = response.json().await.unwrap();
    assert_eq!(error_codes(&body), ["METHOD_NOT_ALLOWED"]);
}

#[tokio::test]
async fn post_requires_json_content_type() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(app.url("/graphql"))
        .header(CONTENT_TYPE, "text/plain")
        .body(r#"{"query":"{ regions { code } }"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNSUPPORTED_MEDIA_TYPE);
    let body: Value = response.json().await.unwrap();
    assert_eq!(error_codes(&body), ["UNSUPPORTED_MEDIA_TYPE"]);

    let response = app
        .client
        .post(app.url("/graphql"))
        .header(CONTENT_TYPE, "application/json")
        .body("{not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert_eq!(error_codes(&body), ["BAD_REQUEST"]);
}

#[tokio::test]
async fn response_media_type_follows_accept() {
    let app = spawn_app().await;
    let post = |accept: &'static str, query: &'static str| {
        app.client
            .post(app.url("/graphql"))
            .header(ACCEPT, accept)
            .json(&json!({ "query": query }))
            .send()
    };

    // application/json: request errors are 200 with data null.
    let response = post("application/json", "{ regions { code ").await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()[CONTENT_TYPE], "application/json");
    let body: Value = response.json().await.unwrap();
    assert_eq!(error_codes(&body), ["GRAPHQL_PARSE_FAILED"]);
    let message = body["errors"][0]["message"].as_str().unwrap();
    assert!(message.starts_with("Syntax error"), "{message}");

    // graphql-response+json: request errors are 400 with no data key.
    let response = post("application/graphql-response+json", "{ nope }")
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    assert!(
        response.headers()[CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("application/graphql-response+json")
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(error_codes(&body), ["GRAPHQL_VALIDATION_FAILED"]);
    assert!(body.get("data").is_none(), "{body}");

    let response = post("application/graphql-response+json", "{ regions { code } }")
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["data"]["regions"].as_array().unwrap().len(), 6);

    let response = post("text/xml", "{ regions { code } }").await.unwrap();
    assert_eq!(response.status(), StatusCode::NOT_ACCEPTABLE);
}

#[tokio::test]
async fn catalogs_are_seeded_as_documented_and_readable_without_a_token() {
    let app = spawn_app().await;
    let (status, body) = app
        .graphql(
            None,
            "{ regions { code available } runtimes { code supported } environments { name deprecated } }",
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.get("errors").is_none(), "{body}");
    let pick = |list: &str, key: &str, flag: &str, want: bool| -> Vec<String> {
        body["data"][list]
            .as_array()
            .unwrap()
            .iter()
            .filter(|entry| entry[flag] == want)
            .map(|entry| entry[key].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        pick("regions", "code", "available", true),
        [
            "us-east-1",
            "us-west-2",
            "eu-west-1",
            "eu-central-1",
            "ap-southeast-1"
        ]
    );
    assert_eq!(pick("regions", "code", "available", false), ["sa-east-1"]);
    assert_eq!(
        pick("runtimes", "code", "supported", true),
        [
            "python-3.9",
            "python-3.10",
            "python-3.11",
            "python-3.12",
            "python-3.13",
            "python-3.14",
            "node-20",
            "node-22"
        ]
    );
    assert_eq!(pick("runtimes", "code", "supported", false), ["python-3.8"]);
    assert_eq!(
        pick("environments", "name", "deprecated", false),
        ["development", "staging", "production"]
    );
    assert_eq!(
        pick("environments", "name", "deprecated", true),
        ["default"]
    );
}

#[tokio::test]
async fn introspection_works_without_a_token() {
    let app = spawn_app().await;
    let (status, body) = app
        .graphql(
            None,
            "{ __schema { mutationType { fields { name } } } }",
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let fields = body["data"]["__schema"]["mutationType"]["fields"]
        .as_array()
        .unwrap();
    assert!(
        fields.iter().any(|field| field["name"] == "createProject"),
        "{body}"
    );
}

#[tokio::test]
async fn shutdown_lets_a_request_in_flight_finish() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let mut app = spawn_app().await;
    let address = app.address.trim_start_matches("http://").to_owned();
    let body = r#"{"query":"{ regions { code } }"}"#;
    let (head, tail) = body.split_at(10);
    let mut stream = tokio::net::TcpStream::connect(&address).await.unwrap();
    let request = format!(
        "POST /graphql HTTP/1.1\r\nHost: {address}\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{head}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    // The request is half sent when the shutdown signal arrives.
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    app.begin_shutdown();
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    stream.write_all(tail.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("ap-southeast-1"), "{response}");
    // New connections are refused once the server has stopped.
    app.stop().await;
    assert!(tokio::net::TcpStream::connect(&address).await.is_err());
}

#[tokio::test]
async fn introspection_can_be_switched_off() {
    let app = spawn_app_with(AppOptions {
        introspection: false,
        ..AppOptions::default()
    })
    .await;
    let (_, body) = app
        .graphql(None, "{ __schema { queryType { name } } }", json!({}))
        .await;
    assert_eq!(error_codes(&body), ["GRAPHQL_VALIDATION_FAILED"], "{body}");
    assert_eq!(
        body["errors"][0]["message"],
        "Introspection is disabled on this server."
    );
    let (_, body) = app
        .graphql(
            None,
            "{ ...Q } fragment Q on Query { __type(name: \"Project\") { name } }",
            json!({}),
        )
        .await;
    assert_eq!(error_codes(&body), ["GRAPHQL_VALIDATION_FAILED"], "{body}");
    // Ordinary queries still run.
    let (_, body) = app.graphql(None, "{ regions { code } }", json!({})).await;
    assert_eq!(body["data"]["regions"][0]["code"], "us-east-1");
}

mod cors {
    use reqwest::StatusCode;
    use reqwest::header::{
        ACCESS_CONTROL_ALLOW_CREDENTIALS, ACCESS_CONTROL_ALLOW_HEADERS,
        ACCESS_CONTROL_ALLOW_ORIGIN, ORIGIN,
    };

    use crate::helpers::{AppOptions, spawn_app, spawn_app_with};
    use projects_api::config::Cors;

    const APP: &str = "https://app.example.com";

    async fn preflight(app: &crate::helpers::TestApp, origin: &str) -> reqwest::Response {
        app.client
            .request(reqwest::Method::OPTIONS, app.url("/graphql"))
            .header(ORIGIN, origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization, content-type, idempotency-key",
            )
            .send()
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn a_listed_origin_gets_its_preflight_and_its_responses_marked() {
        let app = spawn_app_with(AppOptions {
            cors: Cors::from_list(&[format!("{APP}/"), "https://admin.example.com".into()]),
            ..AppOptions::default()
        })
        .await;

        let response = preflight(&app, APP).await;
        assert_eq!(response.status(), StatusCode::OK);
        let headers = response.headers();
        assert_eq!(headers[ACCESS_CONTROL_ALLOW_ORIGIN], APP);
        assert!(headers.get(ACCESS_CONTROL_ALLOW_CREDENTIALS).is_none());
        let allowed = headers[ACCESS_CONTROL_ALLOW_HEADERS].to_str().unwrap();
        for header in ["authorization", "content-type", "idempotency-key"] {
            assert!(allowed.contains(header), "{allowed}");
        }

        let response = app
            .client
            .post(app.url("/graphql"))
            .header(ORIGIN, APP)
            .json(&serde_json::json!({ "query": "{ regions { code } }" }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(response.headers()[ACCESS_CONTROL_ALLOW_ORIGIN], APP);
        let exposed = response.headers()["access-control-expose-headers"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(exposed.contains("x-request-id"), "{exposed}");

        // Another origin's page gets no permission.
        let response = preflight(&app, "https://evil.example.com").await;
        assert!(
            response
                .headers()
                .get(ACCESS_CONTROL_ALLOW_ORIGIN)
                .is_none()
        );
    }

    #[tokio::test]
    async fn any_origin_is_allowed_only_without_credentials() {
        let app = spawn_app_with(AppOptions {
            cors: Cors::from_list(&["*".into()]),
            ..AppOptions::default()
        })
        .await;
        let response = preflight(&app, "https://anyone.example.com").await;
        assert_eq!(response.headers()[ACCESS_CONTROL_ALLOW_ORIGIN], "*");
        assert!(
            response
                .headers()
                .get(ACCESS_CONTROL_ALLOW_CREDENTIALS)
                .is_none()
        );
    }

    #[tokio::test]
    async fn without_configured_origins_there_is_no_cors() {
        let app = spawn_app().await;
        let response = preflight(&app, APP).await;
        assert_eq!(response.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert!(
            response
                .headers()
                .get(ACCESS_CONTROL_ALLOW_ORIGIN)
                .is_none()
        );
    }
}

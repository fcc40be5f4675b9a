//! Datallog's door: `POST /api/create-project` and `/api/sdk/create-project`,
//! its example, its exact error texts and its token headers.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestUser, spawn_app};
use crate::openapi::answer;

async fn post(
    app: &TestApp,
    path: &str,
    user: Option<&TestUser>,
    body: Value,
) -> (StatusCode, Value) {
    let mut request = app.client.post(app.url(path)).json(&body);
    if let Some(user) = user {
        request = request
            .header("authorization", format!("Token {}", user.token))
            .header("x-api-key", &user.token);
    }
    let answer = answer(request.send().await.expect("the server answers")).await;
    (answer.status, answer.body)
}

#[tokio::test]
async fn the_seed_example_creates_the_project_on_both_routes() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    for (path, name) in [
        ("/api/create-project", "my-new-project"),
        ("/api/sdk/create-project", "sdk-project"),
    ] {
        let (status, body) = post(
            &app,
            path,
            Some(&ada),
            json!({ "region": "us-east-1", "docker_version": "python-3.10", "name": name }),
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{path}: {body}");
        assert_eq!(body, json!({ "message": "Deploy created successfully" }));
    }
    // The same project through GraphQL, in the caller's personal organization.
    let (_, read) = app
        .graphql(
            Some(&ada.token),
            "query($s: String!) { organization(slug: $s) { projects { nodes { slug name deployment { region runtime } } } } }",
            json!({ "s": ada.organization_slug }),
        )
        .await;
    assert_eq!(
        read["data"]["organization"]["projects"]["nodes"][0],
        json!({ "slug": "my-new-project", "name": "my-new-project",
                "deployment": { "region": "us-east-1", "runtime": "python-3.10" } })
    );
}

#[tokio::test]
async fn every_documented_error_has_datallogs_exact_text() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    let ok =
        json!({ "region": "us-east-1", "docker_version": "python-3.10", "name": "my-project" });
    let (status, _) = post(&app, "/api/create-project", Some(&ada), ok.clone()).await;
    assert_eq!(status, StatusCode::OK);
    let with = |key: &str, value: Value| {
        let mut body = ok.clone();
        body[key] = value;
        body
    };
    let cases = [
        (
            "missing two",
            json!({ "name": "x" }),
            json!({ "error": "Missing required field(s): region, docker_version" }),
        ),
        (
            "missing all",
            json!({}),
            json!({ "error": "Missing required field(s): region, docker_version, name" }),
        ),
        (
            "region",
            with("region", json!("sa-east-1")),
            json!({ "message": "The selected region isn't supported" }),
        ),
        (
            "version",
            with("docker_version", json!("python-2.7")),
            json!({ "message": "This container image isn't supported" }),
        ),
        (
            "exists",
            ok.clone(),
            json!({ "message": "A project with the name 'my-project' already exists." }),
        ),
        (
            "name",
            with("name", json!("MyProject")),
            json!({ "message": "Invalid project name. It must start with a lowercase letter or number, and can only contain lowercase letters, numbers, hyphens (-), or underscores (_). Uppercase letters and special characters are not allowed." }),
        ),
        (
            "region before name",
            json!({ "region": "nowhere", "docker_version": "python-3.10", "name": "_bad" }),
            json!({ "message": "The selected region isn't supported" }),
        ),
    ];
    for (label, body, want) in cases {
        let (status, got) = post(&app, "/api/create-project", Some(&ada), body).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{label}: {got}");
        assert_eq!(got, want, "{label}");
    }
    for i in 1..10 {
        let (status, _) = post(
            &app,
            "/api/create-project",
            Some(&ada),
            with("name", json!(format!("p{i}"))),
        )
        .await;
        assert_eq!(status, StatusCode::OK);
    }
    let (status, got) = post(
        &app,
        "/api/create-project",
        Some(&ada),
        with("name", json!("over")),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        got,
        json!({ "message": "You've reached your plan's maximum project count, please update your plan" })
    );
    let (status, got) = post(&app, "/api/create-project", None, ok.clone()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert!(got["detail"].is_string(), "{got}");
    // Two headers naming different users are refused.
    let bob = app.create_user("bob@example.com").await;
    let response = app
        .client
        .post(app.url("/api/create-project"))
        .header("authorization", format!("Token {}", ada.token))
        .header("x-api-key", &bob.token)
        .json(&ok)
        .send()
        .await
        .unwrap();
    assert_eq!(answer(response).await.status, StatusCode::UNAUTHORIZED);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM projects").await, 10);
}

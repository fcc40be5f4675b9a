//! Unleash's door: `POST /api/admin/projects`, its documented example, its
//! token forms and every error kind its definition names.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};
use crate::openapi::{Answer, answer};

async fn post(
    app: &TestApp,
    authorization: Option<&str>,
    body: Value,
) -> (StatusCode, Option<String>, Value) {
    let mut request = app.client.post(app.url("/api/admin/projects")).json(&body);
    if let Some(authorization) = authorization {
        request = request.header("authorization", authorization);
    }
    let answer = answer(request.send().await.expect("the server answers")).await;
    let location = answer
        .headers
        .get("location")
        .and_then(|value| value.to_str().ok())
        .map(str::to_owned);
    (answer.status, location, answer.body)
}

fn pet_shop() -> Value {
    json!({
        "id": "pet-shop",
        "name": "Pet shop",
        "description": "This project contains features related to the new pet shop.",
        "mode": "open",
        "defaultStickiness": "userId",
        "featureLimit": 100,
        "environments": ["production", "staging"],
        "changeRequestEnvironments": [{ "name": "production", "requiredApprovals": 3 }]
    })
}

#[tokio::test]
async fn the_documented_example_answers_exactly_project_created_schema() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    // A bare token, as Unleash clients send it.
    let (status, location, body) = post(&app, Some(&ada.token), pet_shop()).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(location.as_deref(), Some("projects/pet-shop"));
    assert_eq!(
        body,
        pet_shop(),
        "exactly projectCreatedSchema, nothing else"
    );
    // Bearer works too; a missing id is derived from the name, with a
    // suffix when taken.
    let bearer = format!("Bearer {}", ada.token);
    let (status, _, body) = post(&app, Some(&bearer), json!({ "name": "Pet shop" })).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    assert_eq!(body["id"], "pet-shop-1");
    assert_eq!(
        body["environments"],
        json!(["development", "staging", "production"])
    );
    assert_eq!(body["mode"], "open");
    assert_eq!(body["defaultStickiness"], "default");
    assert_eq!(body["featureLimit"], Value::Null);
    assert_eq!(body["changeRequestEnvironments"], json!([]));
    // The same project through GraphQL.
    let (_, read) = app
        .graphql(
            Some(&ada.token),
            "query($s: String!) { organization(slug: $s) { projects { nodes { slug mode featureLimit changeRequestEnvironments { name requiredApprovals } } } } }",
            json!({ "s": ada.organization_slug }),
        )
        .await;
    assert_eq!(
        read["data"]["organization"]["projects"]["nodes"][0],
        json!({ "slug": "pet-shop", "mode": "OPEN", "featureLimit": 100,
                "changeRequestEnvironments": [{ "name": "production", "requiredApprovals": 3 }] })
    );
}

#[tokio::test]
async fn every_error_kind_has_unleashs_status_name_and_shape() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    let token = Some(ada.token.as_str());
    let (status, _, _) = post(&app, token, pet_shop()).await;
    assert_eq!(status, StatusCode::CREATED);

    let cases = [
        (
            "id taken",
            pet_shop(),
            StatusCode::CONFLICT,
            "NameExistsError",
            Some("A project with this id already exists."),
        ),
        (
            "unknown environments",
            json!({ "name": "Envs", "environments": ["production", "qa", "uat"] }),
            StatusCode::BAD_REQUEST,
            "BadDataError",
            Some("These environments do not exist: 'qa', 'uat'."),
        ),
        (
            "bad mode",
            json!({ "name": "M", "mode": "secret" }),
            StatusCode::BAD_REQUEST,
            "BadDataError",
            None,
        ),
        (
            "blank name and bad id",
            json!({ "name": " ", "id": "Bad Id" }),
            StatusCode::BAD_REQUEST,
            "BadDataError",
            None,
        ),
        (
            "no name",
            json!({ "id": "x" }),
            StatusCode::BAD_REQUEST,
            "BadDataError",
            None,
        ),
    ];
    for (label, body, status, name, message) in cases {
        let (got, _, body) = post(&app, token, body).await;
        assert_eq!(got, status, "{label}: {body}");
        assert_eq!(body["name"], name, "{label}: {body}");
        assert!(
            uuid::Uuid::parse_str(body["id"].as_str().unwrap()).is_ok(),
            "{label}"
        );
        assert!(
            body["details"].as_array().is_some_and(|d| !d.is_empty()),
            "{label}: {body}"
        );
        if let Some(message) = message {
            assert_eq!(body["message"], message, "{label}");
        }
    }
    let (_, _, body) = post(&app, token, json!({ "name": " ", "id": "Bad Id" })).await;
    let paths: Vec<&str> = body["details"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|d| d["path"].as_str())
        .collect();
    assert_eq!(paths, ["name", "id"], "{body}");

    let (status, _, body) = post(&app, None, pet_shop()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["name"], "AuthenticationRequired");
    let (status, _, body) = post(&app, Some("pat_0_unknown"), pet_shop()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["name"], "UnauthorizedError");

    for (content_type, words) in [
        (None, "(you didn't provide one)"),
        (Some("application/xml"), "(application/xml)"),
    ] {
        let mut request = app
            .client
            .post(app.url("/api/admin/projects"))
            .header("authorization", &ada.token)
            .body("<project/>");
        if let Some(content_type) = content_type {
            request = request.header("content-type", content_type);
        }
        let Answer { status, body, .. } = answer(request.send().await.unwrap()).await;
        assert_eq!(status, StatusCode::UNSUPPORTED_MEDIA_TYPE);
        assert_eq!(body["name"], "ContentTypeError");
        assert!(body["message"].as_str().unwrap().contains(words), "{body}");
    }

    for i in 1..10 {
        let (status, _, _) = post(&app, token, json!({ "name": format!("P{i}") })).await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let (status, _, body) = post(&app, token, json!({ "name": "Over" })).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["name"], "ExceedsLimitError");
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM projects").await, 10);
}

//! Metabind's door: `POST /v1/organizations/{organizationId}/projects`,
//! its documented example and every documented error, over the same rules
//! as createProject.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestUser, spawn_app};
use crate::openapi::{Answer, answer};

async fn post(
    app: &TestApp,
    user: Option<&TestUser>,
    organization: &str,
    body: Value,
) -> (StatusCode, Value) {
    let mut request = app
        .client
        .post(app.url(&format!("/v1/organizations/{organization}/projects")))
        .json(&body);
    if let Some(user) = user {
        request = request.bearer_auth(&user.token);
    }
    let answer = answer(request.send().await.expect("the server answers")).await;
    (answer.status, answer.body)
}

fn seed_example() -> Value {
    json!({
        "name": "Product Documentation",
        "slug": "product-docs",
        "description": "Documentation site for products",
        "settings": {
            "defaultLocale": "en-US",
            "supportedLocales": ["en-US", "es-ES"],
            "defaultPlatform": "desktop",
            "supportedPlatforms": ["desktop", "mobile", "tablet"],
            "thumbnailUrl": "https://cdn.acme.com/thumbnails/product-docs.png"
        }
    })
}

#[tokio::test]
async fn the_seed_example_creates_the_seed_project_object() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    let (status, body) = post(&app, Some(&ada), &ada.organization_id, seed_example()).await;
    assert_eq!(status, StatusCode::CREATED, "{body}");
    let mut keys: Vec<&str> = body
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "createdAt",
            "dependencies",
            "description",
            "environment",
            "id",
            "metadata",
            "name",
            "organizationId",
            "permissions",
            "settings",
            "slug",
            "status",
            "updatedAt"
        ]
    );
    assert_eq!(body["organizationId"], ada.organization_id);
    assert_eq!(body["slug"], "product-docs");
    assert_eq!(body["status"], "active");
    assert_eq!(body["environment"], "development");
    assert_eq!(body["settings"], seed_example()["settings"]);
    assert_eq!(body["dependencies"], json!([]));
    assert_eq!(body["permissions"], json!({ "public": false }));
    assert_eq!(body["metadata"], json!({ "createdBy": ada.id }));
    // The same project through GraphQL.
    let (_, read) = app
        .graphql(
            Some(&ada.token),
            "query($id: ID!) { project(id: $id) { slug name settings { defaultPlatform supportedLocales } membersCount } }",
            json!({ "id": body["id"] }),
        )
        .await;
    assert_eq!(
        read["data"]["project"],
        json!({ "slug": "product-docs", "name": "Product Documentation",
                "settings": { "defaultPlatform": "DESKTOP", "supportedLocales": ["en-US", "es-ES"] },
                "membersCount": 1 })
    );
}

#[tokio::test]
async fn documented_errors_have_metabinds_status_and_body() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    let bob = app.create_user("bob@example.com").await;
    let org = ada.organization_id.clone();
    let (status, _) = post(&app, Some(&ada), &org, seed_example()).await;
    assert_eq!(status, StatusCode::CREATED);

    let (status, body) = post(&app, Some(&ada), &org, seed_example()).await;
    assert_eq!(status, StatusCode::CONFLICT, "{body}");
    assert_eq!(body["error"]["code"], "SLUG_ALREADY_EXISTS");
    assert_eq!(body["error"]["details"], json!({ "slug": "product-docs" }));

    let (status, body) = post(
        &app,
        Some(&ada),
        &org,
        json!({ "name": "", "slug": "Bad Slug", "settings": { "defaultPlatform": "watch", "thumbnailUrl": "nope" } }),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert_eq!(body["error"]["code"], "VALIDATION_FAILED");
    let mut found: Vec<(String, String)> = body["error"]["details"]["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["code"].as_str().unwrap().to_owned(),
                e["field"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    found.sort();
    assert_eq!(
        found,
        [
            (
                "BAD_USER_INPUT".to_owned(),
                "settings.defaultPlatform".to_owned()
            ),
            ("INVALID_NAME".to_owned(), "name".to_owned()),
            ("INVALID_SLUG".to_owned(), "slug".to_owned()),
            ("INVALID_URL".to_owned(), "settings.thumbnailUrl".to_owned()),
        ]
    );

    for organization in [
        bob.organization_id.as_str(),
        "not-a-uuid",
        "01a2088c-6327-746c-9b07-f52f559cb0cd",
    ] {
        let (status, body) = post(&app, Some(&ada), organization, seed_example()).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{organization}: {body}");
        assert_eq!(body["error"]["code"], "NOT_FOUND");
    }

    let (status, body) = post(&app, None, &org, seed_example()).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    assert_eq!(body["error"]["code"], "UNAUTHORIZED");

    for i in 1..10 {
        let (status, body) = post(
            &app,
            Some(&ada),
            &org,
            json!({ "name": format!("P{i}"), "slug": format!("p{i}") }),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{body}");
    }
    let (status, body) = post(
        &app,
        Some(&ada),
        &org,
        json!({ "name": "Over", "slug": "over" }),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{body}");
    assert_eq!(body["error"]["code"], "MAX_PROJECTS_REACHED");
    assert_eq!(
        body["error"]["details"],
        json!({ "maxProjects": 10, "currentProjects": 10 })
    );
}

#[tokio::test]
async fn malformed_bodies_get_metabinds_error_shape() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    let url = app.url(&format!(
        "/v1/organizations/{}/projects",
        ada.organization_id
    ));
    for (label, content_type, body, status) in [
        (
            "not JSON",
            "application/json",
            "{nope",
            StatusCode::BAD_REQUEST,
        ),
        (
            "no name",
            "application/json",
            "{\"slug\": \"x\"}",
            StatusCode::BAD_REQUEST,
        ),
        (
            "wrong type",
            "application/json",
            "{\"name\": 7}",
            StatusCode::BAD_REQUEST,
        ),
        (
            "not JSON at all",
            "text/plain",
            "name=x",
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ),
    ] {
        let response = app
            .client
            .post(&url)
            .bearer_auth(&ada.token)
            .header("content-type", content_type)
            .body(body)
            .send()
            .await
            .unwrap();
        let Answer {
            status: got, body, ..
        } = answer(response).await;
        assert_eq!(got, status, "{label}");
        assert!(body["error"]["code"].is_string(), "{label}: {body}");
        assert!(body["error"]["message"].is_string(), "{label}: {body}");
    }
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM projects").await, 0);
}

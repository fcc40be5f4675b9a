//! Raystack Frontier's door: the seed's wrapped body on the organization
//! route, an unwrapped body, the real `/v1beta1/projects` route, and
//! Connect-shaped errors.

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
        request = request.bearer_auth(&user.token);
    }
    let answer = answer(request.send().await.expect("the server answers")).await;
    (answer.status, answer.body)
}

#[tokio::test]
async fn the_seed_example_and_the_real_route_create_projects() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    let org = ada.organization_id.clone();
    let seed = json!({ "body": {
        "name": "data-platform", "title": "Data Platform", "org_id": org,
        "metadata": { "team": "engineering", "department": "data" } } });
    let (status, body) = post(
        &app,
        &format!("/v1beta1/organizations/{org}/projects"),
        Some(&ada),
        seed,
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let project = &body["project"];
    let mut keys: Vec<&str> = project
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    keys.sort_unstable();
    assert_eq!(
        keys,
        [
            "created_at",
            "id",
            "members_count",
            "metadata",
            "name",
            "org_id",
            "title",
            "updated_at"
        ]
    );
    assert_eq!(project["name"], "data-platform");
    assert_eq!(project["title"], "Data Platform");
    assert_eq!(project["org_id"], org);
    assert_eq!(
        project["metadata"],
        json!({ "team": "engineering", "department": "data" })
    );
    assert_eq!(project["members_count"], 1);

    // Unwrapped, on both routes; no title → the name.
    let (status, body) = post(
        &app,
        &format!("/v1beta1/organizations/{org}/projects"),
        Some(&ada),
        json!({ "name": "unwrapped" }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert_eq!(body["project"]["title"], "unwrapped");
    let (status, body) = post(
        &app,
        "/v1beta1/projects",
        Some(&ada),
        json!({ "name": "gateway", "title": "Gateway", "org_id": org }),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");

    // The same project through GraphQL.
    let (_, read) = app
        .graphql(
            Some(&ada.token),
            "query($id: ID!) { project(id: $id) { slug name metadata membersCount } }",
            json!({ "id": body["project"]["id"] }),
        )
        .await;
    assert_eq!(
        read["data"]["project"],
        json!({ "slug": "gateway", "name": "Gateway", "metadata": null, "membersCount": 1 })
    );
}

#[tokio::test]
async fn errors_are_connect_shaped_with_their_status() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    let bob = app.create_user("bob@example.com").await;
    let org = ada.organization_id.clone();
    let path = format!("/v1beta1/organizations/{org}/projects");
    let (status, _) = post(&app, &path, Some(&ada), json!({ "name": "taken" })).await;
    assert_eq!(status, StatusCode::OK);
    let cases = [
        (
            "taken",
            path.clone(),
            Some(&ada),
            json!({ "name": "taken" }),
            StatusCode::CONFLICT,
            "already_exists",
        ),
        (
            "bad name",
            path.clone(),
            Some(&ada),
            json!({ "name": "Bad Name!" }),
            StatusCode::BAD_REQUEST,
            "invalid_argument",
        ),
        (
            "no name",
            path.clone(),
            Some(&ada),
            json!({ "title": "T" }),
            StatusCode::BAD_REQUEST,
            "invalid_argument",
        ),
        (
            "no org",
            "/v1beta1/projects".to_owned(),
            Some(&ada),
            json!({ "name": "x" }),
            StatusCode::BAD_REQUEST,
            "invalid_argument",
        ),
        (
            "not a member",
            format!("/v1beta1/organizations/{}/projects", bob.organization_id),
            Some(&ada),
            json!({ "name": "x" }),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        (
            "no token",
            path.clone(),
            None,
            json!({ "name": "x" }),
            StatusCode::UNAUTHORIZED,
            "unauthenticated",
        ),
    ];
    for (label, path, user, body, status, code) in cases {
        let (got, body) = post(&app, &path, user, body).await;
        assert_eq!(got, status, "{label}: {body}");
        assert_eq!(body["code"], code, "{label}: {body}");
        assert!(body["message"].is_string(), "{label}");
        assert!(body["details"].is_array(), "{label}");
    }
    let (_, body) = post(&app, &path, Some(&ada), json!({ "name": "Bad Name!" })).await;
    assert_eq!(body["details"][0]["code"], "INVALID_SLUG");
    assert_eq!(body["details"][0]["field"], "name");
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM projects").await, 1);
}

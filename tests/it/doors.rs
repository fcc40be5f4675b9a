//! What the four doors share: Idempotency-Key replays, and one slug raced
//! through two doors and two server processes.

use futures::future::join_all;
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{AppOptions, spawn_app, spawn_app_with};
use crate::openapi::answer;

#[tokio::test]
async fn an_idempotency_key_replays_through_a_door_and_refuses_another_body() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    let send = |path: String, key: &'static str, body: Value| {
        let request = app
            .client
            .post(app.url(&path))
            .bearer_auth(&ada.token)
            .header("idempotency-key", key)
            .json(&body);
        async move { answer(request.send().await.unwrap()).await }
    };
    let metabind = format!("/v1/organizations/{}/projects", ada.organization_id);
    let body = json!({ "name": "Once", "slug": "once" });
    let first = send(metabind.clone(), "door-1", body.clone()).await;
    assert_eq!(first.status, StatusCode::CREATED);
    let again = send(metabind.clone(), "door-1", body.clone()).await;
    assert_eq!(again.status, StatusCode::CREATED);
    assert_eq!(again.headers["idempotency-replayed"], "true");
    assert_eq!(again.body, first.body);
    let other = send(
        metabind.clone(),
        "door-1",
        json!({ "name": "Twice", "slug": "twice" }),
    )
    .await;
    assert_eq!(other.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(other.body["error"]["code"], "IDEMPOTENCY_KEY_REUSED");
    // Unleash's door, the same guarantees in its own shape.
    let unleash = "/api/admin/projects".to_owned();
    let first = send(unleash.clone(), "door-2", json!({ "name": "Flags" })).await;
    assert_eq!(first.status, StatusCode::CREATED);
    let again = send(unleash.clone(), "door-2", json!({ "name": "Flags" })).await;
    assert_eq!(again.headers["idempotency-replayed"], "true");
    assert_eq!(again.body["id"], "flags");
    // A refused request keeps nothing: the key may be used again.
    let refused = send(unleash.clone(), "door-3", json!({ "name": " " })).await;
    assert_eq!(refused.status, StatusCode::BAD_REQUEST);
    let fixed = send(unleash, "door-3", json!({ "name": "Fixed" })).await;
    assert_eq!(fixed.status, StatusCode::CREATED);
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM projects").await, 3);
}

#[tokio::test]
async fn one_slug_raced_through_two_doors_and_two_processes_is_created_once() {
    let app = spawn_app().await;
    let replica = app.spawn_replica().await;
    let ada = app.create_user("ada@example.com").await;
    let org = ada.organization_id.clone();
    let requests = (0..20).map(|i| {
        let address = if i % 4 < 2 {
            app.address.clone()
        } else {
            replica.address.clone()
        };
        let (path, body) = if i % 2 == 0 {
            (
                format!("/v1/organizations/{org}/projects"),
                json!({ "name": "Raced", "slug": "raced" }),
            )
        } else {
            (
                format!("/v1beta1/organizations/{org}/projects"),
                json!({ "body": { "name": "raced", "title": "Raced" } }),
            )
        };
        let request = app
            .client
            .post(format!("{address}{path}"))
            .bearer_auth(&ada.token)
            .json(&body);
        async move {
            let answer = answer(request.send().await.unwrap()).await;
            (i % 2 == 0, answer.status, answer.body)
        }
    });
    let answers = join_all(requests).await;
    let created: Vec<_> = answers
        .iter()
        .filter(|(_, status, _)| status.is_success())
        .collect();
    assert_eq!(created.len(), 1, "{answers:?}");
    for (metabind, status, body) in &answers {
        if status.is_success() {
            continue;
        }
        assert_eq!(*status, StatusCode::CONFLICT, "{body}");
        if *metabind {
            assert_eq!(body["error"]["code"], "SLUG_ALREADY_EXISTS");
        } else {
            assert_eq!(body["code"], "already_exists");
        }
    }
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM projects").await, 1);
}

#[tokio::test]
async fn the_body_limit_and_the_rate_limit_hold_on_every_door() {
    use std::num::NonZeroU32;

    let app = spawn_app_with(AppOptions {
        rate_limit: Some(projects_api::config::RateLimit {
            per_second: NonZeroU32::new(1).unwrap(),
            burst: NonZeroU32::new(1).unwrap(),
        }),
        ..AppOptions::default()
    })
    .await;
    let doors = [
        "/api/create-project",
        "/api/sdk/create-project",
        "/v1/organizations/{org}/projects",
        "/api/admin/projects",
        "/v1beta1/organizations/{org}/projects",
        "/v1beta1/projects",
    ];
    // Just over 1 MiB, and JSON.
    let oversized = format!("{{\"name\": \"{}\"}}", "x".repeat(1024 * 1024));
    for (i, door) in doors.iter().enumerate() {
        // A token of its own per door, so each starts with a full bucket.
        let user = app.create_user(&format!("user{i}@example.com")).await;
        let path = door.replace("{org}", &user.organization_id);
        let post = || {
            app.client
                .post(app.url(&path))
                .header("authorization", format!("Bearer {}", user.token))
                .header("x-api-key", &user.token)
                .header("content-type", "application/json")
        };
        let too_large = answer(post().body(oversized.clone()).send().await.unwrap()).await;
        assert_eq!(too_large.status, StatusCode::PAYLOAD_TOO_LARGE, "{door}");
        let limited = answer(post().body("{}").send().await.unwrap()).await;
        assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS, "{door}");
        assert_eq!(
            limited.body["errors"][0]["extensions"]["code"], "RATE_LIMITED",
            "{door}"
        );
        assert!(limited.headers.contains_key("retry-after"), "{door}");
    }
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM projects").await, 0);
}

#[tokio::test]
async fn a_project_made_through_one_door_is_the_same_project_at_every_other() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    let org = ada.organization_id.clone();
    let post = |path: String, body: Value| {
        let request = app
            .client
            .post(app.url(&path))
            .header("authorization", format!("Bearer {}", ada.token))
            .header("x-api-key", &ada.token)
            .json(&body);
        async move { answer(request.send().await.unwrap()).await }
    };
    // Made through Metabind, in the caller's personal organization.
    let made = post(
        format!("/v1/organizations/{org}/projects"),
        json!({ "name": "Shared", "slug": "shared", "description": "One project" }),
    )
    .await;
    assert_eq!(made.status, StatusCode::CREATED, "{:?}", made.body);
    // GraphQL reads it back, field for field.
    let (_, read) = app
        .graphql(
            Some(&ada.token),
            "query($id: ID!) { project(id: $id) { id slug name description stage status
               organization { id } settings { defaultLocale } } }",
            json!({ "id": made.body["id"] }),
        )
        .await;
    let project = &read["data"]["project"];
    assert_eq!(
        crate::helpers::uuid_of(&project["id"]),
        crate::helpers::uuid_of(&made.body["id"])
    );
    assert_eq!(project["slug"], "shared");
    assert_eq!(project["name"], made.body["name"]);
    assert_eq!(project["description"], made.body["description"]);
    assert_eq!(project["stage"], "DEVELOPMENT");
    assert_eq!(made.body["environment"], "development");
    assert_eq!(project["status"], "ACTIVE");
    assert_eq!(
        project["organization"]["id"],
        json!(format!("Organization:{org}"))
    );
    assert_eq!(
        project["settings"]["defaultLocale"],
        made.body["settings"]["defaultLocale"]
    );
    // Every other door knows it by its own word for the slug: Datallog's
    // and Frontier's `name`, Unleash's `id`.
    let datallog = post(
        "/api/create-project".into(),
        json!({ "region": "us-east-1", "docker_version": "python-3.12", "name": "shared" }),
    )
    .await;
    assert_eq!(datallog.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        datallog.body,
        json!({ "message": "A project with the name 'shared' already exists." })
    );
    let unleash = post(
        "/api/admin/projects".into(),
        json!({ "id": "shared", "name": "Shared" }),
    )
    .await;
    assert_eq!(unleash.status, StatusCode::CONFLICT);
    assert_eq!(unleash.body["name"], "NameExistsError");
    let frontier = post(
        "/v1beta1/projects".into(),
        json!({ "name": "shared", "org_id": org }),
    )
    .await;
    assert_eq!(frontier.status, StatusCode::CONFLICT);
    assert_eq!(frontier.body["code"], "already_exists");
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM projects").await, 1);
}

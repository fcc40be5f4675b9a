//! Authentication: the three header styles, unknown, revoked and mixed
//! tokens.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{error_codes, spawn_app};

const VIEWER: &str = "{ viewer { id email organizations { slug plan personal viewerRole } } }";

async fn viewer_with(
    app: &crate::helpers::TestApp,
    headers: &[(&str, &str)],
) -> (StatusCode, Value) {
    let mut request = app
        .client
        .post(app.url("/graphql"))
        .json(&json!({ "query": VIEWER }));
    for (name, value) in headers {
        request = request.header(*name, *value);
    }
    let response = request.send().await.unwrap();
    (response.status(), response.json().await.unwrap())
}

#[tokio::test]
async fn each_documented_header_style_authenticates() {
    let app = spawn_app().await;
    let user = app.create_user("ada@example.com").await;
    let bearer = format!("Bearer {}", user.token);
    let token = format!("Token {}", user.token);
    let cases: [(&str, Vec<(&str, &str)>); 4] = [
        ("bearer", vec![("authorization", &bearer)]),
        ("token scheme", vec![("authorization", &token)]),
        ("x-api-key", vec![("x-api-key", &user.token)]),
        (
            "both, same user",
            vec![("authorization", &token), ("x-api-key", &user.token)],
        ),
    ];
    for (label, headers) in cases {
        let (status, body) = viewer_with(&app, &headers).await;
        assert_eq!(status, StatusCode::OK, "{label}: {body}");
        assert_eq!(
            body["data"]["viewer"]["email"], "ada@example.com",
            "{label}"
        );
        assert_eq!(body["data"]["viewer"]["id"], user.global_id(), "{label}");
        let organizations = &body["data"]["viewer"]["organizations"];
        assert_eq!(
            organizations[0]["slug"],
            user.organization_slug.as_str(),
            "{label}"
        );
        assert_eq!(organizations[0]["plan"], "FREE", "{label}");
        assert_eq!(organizations[0]["personal"], true, "{label}");
        assert_eq!(organizations[0]["viewerRole"], "OWNER", "{label}");
    }
}

#[tokio::test]
async fn bad_tokens_are_unauthenticated() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    let bob = app.create_user("bob@example.com").await;
    let revoked = app.store.create_token("ada@example.com").await.unwrap();
    app.store.revoke_token(&revoked).await.unwrap();

    let unknown = format!("Bearer pat_{}_{}", "0".repeat(32), "0".repeat(64));
    // Ada's token id with another secret: found by id, refused by digest.
    let (ada_id, ada_secret) = ada.token.rsplit_once('_').unwrap();
    let flipped = if ada_secret.starts_with('0') {
        '1'
    } else {
        '0'
    };
    let forged = format!("Bearer {ada_id}_{flipped}{}", &ada_secret[1..]);
    let old_format = format!("Bearer pat_{}", "0".repeat(64));
    let revoked = format!("Bearer {revoked}");
    let basic = "Basic YWRhOnNlY3JldA==".to_owned();
    let ada_bearer = format!("Bearer {}", ada.token);
    let cases: [(&str, Vec<(&str, &str)>); 7] = [
        ("unknown token", vec![("authorization", &unknown)]),
        ("known id, wrong secret", vec![("authorization", &forged)]),
        ("not a token of ours", vec![("authorization", &old_format)]),
        ("revoked token", vec![("authorization", &revoked)]),
        ("unsupported scheme", vec![("authorization", &basic)]),
        (
            "two users",
            vec![("authorization", &ada_bearer), ("x-api-key", &bob.token)],
        ),
        (
            "valid + unknown",
            vec![("authorization", &ada_bearer), ("x-api-key", "nope")],
        ),
    ];
    for (label, headers) in cases {
        let (status, body) = viewer_with(&app, &headers).await;
        assert_eq!(status, StatusCode::UNAUTHORIZED, "{label}: {body}");
        assert_eq!(error_codes(&body), ["UNAUTHENTICATED"], "{label}");
        assert!(body.get("data").is_none(), "{label}: {body}");
        assert!(
            body["errors"][0].get("locations").is_none(),
            "{label}: {body}"
        );
    }
}

#[tokio::test]
async fn anonymous_callers_get_unauthenticated_for_anything_but_catalogs() {
    let app = spawn_app().await;
    let (status, body) = viewer_with(&app, &[]).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(error_codes(&body), ["UNAUTHENTICATED"]);
    assert_eq!(body["errors"][0]["path"], json!(["viewer"]));

    let (_, body) = app
        .graphql(
            None,
            "mutation { createProject(input: {name: \"Docs\"}) { project { id } } }",
            json!({}),
        )
        .await;
    assert_eq!(error_codes(&body), ["UNAUTHENTICATED"]);
    assert_eq!(body["data"]["createProject"], Value::Null);
}

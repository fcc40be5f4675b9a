//! Null propagation as the GraphQL specification requires: an error in a
//! non-null field nulls its nearest nullable parent, and `data` itself
//! when there is none, so no key a client's types promise goes missing.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::spawn_app;

fn paths(body: &Value) -> Vec<Value> {
    body["errors"]
        .as_array()
        .unwrap_or_else(|| panic!("no errors: {body}"))
        .iter()
        .map(|error| error["path"].clone())
        .collect()
}

#[tokio::test]
async fn a_failed_non_null_root_field_makes_data_null() {
    let app = spawn_app().await;
    let (status, body) = app
        .graphql(None, "{ viewer { id } regions { code } }", json!({}))
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(body["data"], Value::Null, "{body}");
    assert!(body.as_object().unwrap().contains_key("data"));
    assert_eq!(paths(&body), [json!(["viewer"])]);
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
}

#[tokio::test]
async fn a_failed_connection_nulls_its_organization_and_the_rest_stays() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    let query = "query($id: ID!) { regions { code } org: organization(id: $id) { id ...Page } }
        fragment Page on Organization { projects(first: 500) { totalCount } }";
    let (_, body) = app
        .graphql(
            Some(&ada.token),
            query,
            json!({ "id": ada.organization_id }),
        )
        .await;
    assert_eq!(body["data"]["org"], Value::Null, "{body}");
    assert!(
        body["data"]["regions"]
            .as_array()
            .is_some_and(|r| !r.is_empty())
    );
    assert_eq!(paths(&body), [json!(["org", "projects"])]);
    assert_eq!(body["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
}

#[tokio::test]
async fn a_failure_inside_a_non_null_list_climbs_to_the_first_nullable_position() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    // viewer: User!  → organizations: [Organization!]! → projects: ProjectConnection!
    let (_, body) = app
        .graphql(
            Some(&ada.token),
            "{ viewer { email organizations { projects(first: -1) { totalCount } } } }",
            json!({}),
        )
        .await;
    assert_eq!(body["data"], Value::Null, "{body}");
    assert_eq!(
        paths(&body),
        [json!(["viewer", "organizations", 0, "projects"])]
    );

    // The same failure under a nullable parent stops there.
    let (_, body) = app
        .graphql(
            Some(&ada.token),
            "query($id: ID!) { organization(id: $id) { slug } project(id: $id) { id } v: viewer { email } }",
            json!({ "id": "not-a-uuid" }),
        )
        .await;
    assert_eq!(
        body["data"],
        json!({ "organization": null, "project": null, "v": { "email": "ada@example.com" } }),
        "{body}"
    );
}

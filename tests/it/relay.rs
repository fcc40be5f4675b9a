//! Relay's contract: global ids that name their type, `node(id:)` and
//! `nodes(ids:)` with the visibility of every other lookup.

use serde_json::{Value, json};

use crate::helpers::{error_codes, project, spawn_app};

const NODES: &str = "query($ids: [ID!]!) { nodes(ids: $ids) { __typename id \
    ... on Project { slug } ... on Organization { slug } ... on User { email } \
    ... on AuditEvent { action } } }";

#[tokio::test]
async fn every_node_is_found_by_its_global_id_by_members_only() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    let eve = app.create_user("eve@example.com").await;
    let body = app.create_project(&ada, json!({ "name": "Docs" })).await;
    let project_id = project(&body)["id"].clone();
    let (_, body) = app
        .graphql(
            Some(&ada.token),
            "query($id: ID!) { organization(id: $id) { auditEvents(first: 1) { nodes { id } } } }",
            json!({ "id": ada.organization_global_id() }),
        )
        .await;
    let event_id = body["data"]["organization"]["auditEvents"]["nodes"][0]["id"].clone();
    assert!(
        event_id.as_str().unwrap().starts_with("AuditEvent:"),
        "{body}"
    );

    let ids = json!([
        project_id,
        ada.organization_global_id(),
        ada.global_id(),
        event_id,
        ada.organization_id, // a bare UUID names no type
        "Project:not-a-uuid",
        format!("Project:{}", uuid::Uuid::now_v7()),
    ]);
    let (_, body) = app
        .graphql(Some(&ada.token), NODES, json!({ "ids": ids }))
        .await;
    assert_eq!(
        body["data"]["nodes"],
        json!([
            { "__typename": "Project", "id": project_id, "slug": "docs" },
            { "__typename": "Organization", "id": ada.organization_global_id(), "slug": ada.organization_slug },
            { "__typename": "User", "id": ada.global_id(), "email": "ada@example.com" },
            { "__typename": "AuditEvent", "id": event_id, "action": "project.created" },
            null, null, null,
        ]),
        "{body}"
    );

    // Someone outside the organization sees none of it, Ada included.
    let (_, body) = app
        .graphql(Some(&eve.token), NODES, json!({ "ids": ids }))
        .await;
    assert_eq!(
        body["data"]["nodes"],
        json!([null, null, null, null, null, null, null]),
        "{body}"
    );
    let (_, body) = app
        .graphql(
            Some(&eve.token),
            "query($id: ID!) { node(id: $id) { id } me: node(id: $me) { id } }"
                .replace("$id: ID!)", "$id: ID!, $me: ID!)")
                .as_str(),
            json!({ "id": project_id, "me": eve.global_id() }),
        )
        .await;
    assert_eq!(
        body["data"],
        json!({ "node": null, "me": { "id": eve.global_id() } }),
        "{body}"
    );
}

#[tokio::test]
async fn ids_of_the_wrong_type_are_refused_where_a_type_is_expected() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    let body = app
        .create_project(
            &ada,
            json!({ "name": "Docs", "organizationId": ada.global_id() }),
        )
        .await;
    assert_eq!(error_codes(&body), ["BAD_USER_INPUT"]);
    // The organization's global id and its bare UUID both work.
    for organization in [ada.organization_global_id(), ada.organization_id.clone()] {
        let body = app
            .create_project(
                &ada,
                json!({ "name": "Docs", "organizationId": organization }),
            )
            .await;
        assert!(body.get("errors").is_none(), "{body}");
    }
    let (_, body) = app
        .graphql(
            Some(&ada.token),
            "query($id: ID!) { project(id: $id) { id } }",
            json!({ "id": ada.organization_global_id() }),
        )
        .await;
    assert_eq!(error_codes(&body), ["BAD_USER_INPUT"]);
    assert_eq!(body["data"]["project"], Value::Null);

    let many: Vec<String> = (0..101).map(|_| ada.global_id()).collect();
    let (_, body) = app
        .graphql(Some(&ada.token), NODES, json!({ "ids": many }))
        .await;
    assert_eq!(error_codes(&body), ["BAD_USER_INPUT"], "{body}");
}

#[tokio::test]
async fn an_organization_is_found_by_one_of_its_keys() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    let query = "query($by: OrganizationBy!) { organization(by: $by) { id } }";
    for by in [
        json!({ "id": ada.organization_global_id() }),
        json!({ "slug": ada.organization_slug }),
    ] {
        let (_, body) = app
            .graphql(Some(&ada.token), query, json!({ "by": by }))
            .await;
        assert_eq!(
            body["data"]["organization"]["id"],
            ada.organization_global_id(),
            "{body}"
        );
    }
    // @oneOf: two keys at once, or a key and the old arguments, are refused.
    let (_, body) = app
        .graphql(
            Some(&ada.token),
            query,
            json!({ "by": { "id": ada.organization_id, "slug": ada.organization_slug } }),
        )
        .await;
    assert!(body["errors"].is_array(), "{body}");
    assert_eq!(body["data"]["organization"], Value::Null, "{body}");
    let (_, body) = app
        .graphql(
            Some(&ada.token),
            "query($s: String!) { organization(slug: $s, by: { slug: $s }) { id } }",
            json!({ "s": ada.organization_slug }),
        )
        .await;
    assert_eq!(error_codes(&body), ["BAD_USER_INPUT"], "{body}");
}

/// The operation text relay-compiler generated for `name` in
/// `examples/relay` (CI checks those artifacts are current).
fn relay_operation(name: &str) -> String {
    let path = format!(
        "{}/examples/relay/src/__generated__/{name}.graphql.ts",
        env!("CARGO_MANIFEST_DIR")
    );
    let source = std::fs::read_to_string(&path).unwrap_or_else(|err| panic!("{path}: {err}"));
    let (_, after) = source
        .rsplit_once("\"text\": ")
        .unwrap_or_else(|| panic!("{path} has no operation text"));
    let literal = after.lines().next().expect("the text's line");
    serde_json::from_str(literal).expect("the text is a JSON string")
}

/// Relay's own compiled operations run here: the page's query, then the
/// pagination query that refetches the organization through `node(id:)`
/// for the next page, and the refetch of one project.
#[tokio::test]
async fn the_queries_relay_compiler_generates_page_through_projects() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    for name in ["Alpha", "Beta", "Gamma"] {
        let body = app.create_project(&ada, json!({ "name": name })).await;
        assert!(body.get("errors").is_none(), "{body}");
    }
    let (_, body) = app
        .graphql(
            Some(&ada.token),
            &relay_operation("ProjectsPageQuery"),
            json!({ "slug": ada.organization_slug }),
        )
        .await;
    let organization = &body["data"]["organization"];
    let projects = &organization["projects"];
    assert_eq!(projects["totalCount"], 3, "{body}");
    assert_eq!(
        projects["edges"].as_array().map(Vec::len),
        Some(3),
        "{body}"
    );
    assert_eq!(projects["edges"][0]["node"]["slug"], "alpha", "{body}");
    assert_eq!(body["data"]["viewer"]["email"], "ada@example.com");

    // The next page after the first project, through `node(id:)`.
    let (_, body) = app
        .graphql(
            Some(&ada.token),
            &relay_operation("OrganizationProjectsPaginationQuery"),
            json!({
                "id": organization["id"],
                "first": 1,
                "after": projects["edges"][0]["cursor"],
            }),
        )
        .await;
    let node = &body["data"]["node"];
    assert_eq!(node["__typename"], "Organization", "{body}");
    assert_eq!(
        node["projects"]["edges"][0]["node"]["slug"], "beta",
        "{body}"
    );
    assert_eq!(node["projects"]["pageInfo"]["hasNextPage"], true, "{body}");

    let beta = node["projects"]["edges"][0]["node"]["id"].clone();
    let (_, body) = app
        .graphql(
            Some(&ada.token),
            &relay_operation("ProjectRowRefetchQuery"),
            json!({ "id": beta }),
        )
        .await;
    assert_eq!(body["data"]["node"]["name"], "Beta", "{body}");
    assert_eq!(
        body["data"]["node"]["createdBy"]["email"],
        "ada@example.com"
    );
}

//! Input that cannot be stored, misleads readers or escapes the error
//! contract: NUL characters, 32-bit overflows, deep JSON, invisible
//! names, and how many organizations one user may create. Each is a coded
//! input error with its field, and writes nothing.

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, error_codes, error_fields, project, spawn_app};

const CREATE: &str = "mutation($input: CreateProjectInput!) { createProject(input: $input) { project { id name } } }";
const CREATE_ORGANIZATION: &str = "mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { organization { id slug } } }";

async fn n_projects(app: &TestApp) -> i64 {
    app.count("SELECT COUNT(*) AS n FROM projects").await
}

/// JSON nested `levels` deep: `{"a": {"a": … 1}}`.
fn nested(levels: usize) -> Value {
    (0..levels).fold(json!(1), |inner, _| json!({ "a": inner }))
}

#[tokio::test]
async fn a_nul_character_anywhere_is_bad_user_input_at_its_field() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    let slug = ada.organization_slug.clone();
    let cases: Vec<(&str, String, Value, Value)> = vec![
        (
            "description",
            CREATE.into(),
            json!({ "input": { "name": "P", "description": "a\u{0}b" } }),
            json!(["input", "description"]),
        ),
        (
            "thumbnailUrl",
            CREATE.into(),
            json!({ "input": { "name": "P", "settings": { "thumbnailUrl": "https://a.b/\u{0}" } } }),
            json!(["input", "settings", "thumbnailUrl"]),
        ),
        (
            "a metadata key",
            CREATE.into(),
            json!({ "input": { "name": "P", "metadata": { "k\u{0}": 1 } } }),
            json!(["input", "metadata", "k\u{0}"]),
        ),
        (
            "a metadata value in a list",
            CREATE.into(),
            json!({ "input": { "name": "P", "metadata": { "tags": ["ok", "b\u{0}"] } } }),
            json!(["input", "metadata", "tags", 1]),
        ),
        (
            "an explicit slug",
            CREATE.into(),
            json!({ "input": { "name": "P", "slug": "p\u{0}" } }),
            json!(["input", "slug"]),
        ),
        (
            "an inline literal",
            r#"mutation { createProject(input: { name: "P", description: "x\u0000y" }) { project { id } } }"#.into(),
            json!({}),
            json!(["input", "description"]),
        ),
        (
            "projectMetadataSchema",
            CREATE_ORGANIZATION.into(),
            json!({ "input": { "name": "Org", "projectMetadataSchema": { "type": "object", "title": "\u{0}" } } }),
            json!(["input", "projectMetadataSchema", "title"]),
        ),
        (
            "organization(slug:)",
            "query($s: String!) { organization(slug: $s) { id } }".into(),
            json!({ "s": format!("{slug}\u{0}") }),
            json!(["slug"]),
        ),
        (
            "filter.search",
            r#"query($s: String!) { organization(slug: $s) { projects(filter: { search: "a\u0000" }) { totalCount } } }"#.into(),
            json!({ "s": slug }),
            json!(["filter", "search"]),
        ),
    ];
    for (label, query, variables, field) in cases {
        let (status, body) = app.graphql(Some(&ada.token), &query, variables).await;
        assert_eq!(status, StatusCode::OK, "{label}: {body}");
        assert_eq!(
            error_fields(&body),
            [("BAD_USER_INPUT".to_owned(), field)],
            "{label}: {body}"
        );
        assert!(body["data"].is_null(), "{label}: {body}");
    }
    assert_eq!(n_projects(&app).await, 0);
    let n = app.count("SELECT COUNT(*) AS n FROM organizations").await;
    assert_eq!(n, 1, "only the personal organization");
}

#[tokio::test]
async fn overflows_undefined_variables_and_unknown_operations_have_codes() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    let long_name = "B".repeat(1024 * 1024 - 100);
    let cases: Vec<(&str, Value, &str)> = vec![
        (
            "featureLimit inline",
            json!({ "query": "mutation { createProject(input: { name: \"P\", featureLimit: 2147483648 }) { project { id } } }" }),
            "BAD_USER_INPUT",
        ),
        (
            "featureLimit as a variable",
            json!({ "query": CREATE, "variables": { "input": { "name": "P", "featureLimit": 2147483648u64 } } }),
            "BAD_USER_INPUT",
        ),
        (
            "requiredApprovals",
            json!({ "query": CREATE, "variables": { "input": { "name": "P", "changeRequestEnvironments": [{ "name": "production", "requiredApprovals": 1099511627776u64 }] } } }),
            "BAD_USER_INPUT",
        ),
        (
            "first",
            json!({ "query": "{ viewer { organizations { projects(first: 2147483648) { totalCount } } } }" }),
            "GRAPHQL_VALIDATION_FAILED",
        ),
        (
            "an undefined variable",
            json!({ "query": "query { organization(slug: $s) { id } }" }),
            "GRAPHQL_VALIDATION_FAILED",
        ),
        (
            "an unknown operation name",
            json!({ "query": "query A { regions { code } }", "operationName": "B" }),
            "OPERATION_RESOLUTION_FAILURE",
        ),
        (
            "no operation name among two",
            json!({ "query": "query A { regions { code } } query B { regions { code } }" }),
            "OPERATION_RESOLUTION_FAILURE",
        ),
        (
            "an operation name of 1 MiB",
            json!({ "query": "query A { regions { code } }", "operationName": long_name }),
            "OPERATION_RESOLUTION_FAILURE",
        ),
    ];
    for (label, request, code) in cases {
        let response = app
            .client
            .post(app.url("/graphql"))
            .bearer_auth(&ada.token)
            .json(&request)
            .send()
            .await
            .unwrap();
        let status = response.status();
        let text = response.text().await.unwrap();
        let body: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(status, StatusCode::OK, "{label}: {body}");
        assert_eq!(error_codes(&body), [code], "{label}: {body}");
        assert!(text.len() < 2_000, "{label}: {} bytes echoed", text.len());
    }
    assert_eq!(n_projects(&app).await, 0);
}

#[tokio::test]
async fn json_deeper_than_32_levels_is_refused_however_it_is_sent() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    let inline = format!(
        "mutation {{ createProject(input: {{ name: \"P\", metadata: {}1{} }}) {{ project {{ id }} }} }}",
        "{a: ".repeat(40),
        "}".repeat(40)
    );
    let (_, body) = app.graphql(Some(&ada.token), &inline, json!({})).await;
    assert_eq!(
        error_fields(&body),
        [("INVALID_METADATA".to_owned(), json!(["input", "metadata"]))],
        "inline: {body}"
    );
    let (_, body) = app
        .graphql(
            Some(&ada.token),
            CREATE,
            json!({ "input": { "name": "P", "metadata": nested(33) } }),
        )
        .await;
    assert_eq!(
        error_fields(&body),
        [("INVALID_METADATA".to_owned(), json!(["input", "metadata"]))],
        "variables: {body}"
    );
    let (_, body) = app
        .graphql(
            Some(&ada.token),
            CREATE_ORGANIZATION,
            json!({ "input": { "name": "Org", "projectMetadataSchema": { "type": "object", "default": nested(40) } } }),
        )
        .await;
    assert_eq!(
        error_fields(&body),
        [(
            "INVALID_METADATA_SCHEMA".to_owned(),
            json!(["input", "projectMetadataSchema"])
        )],
        "schema: {body}"
    );
    assert_eq!(n_projects(&app).await, 0);
    // 32 levels are fine, and read back.
    let body = app
        .create_project(&ada, json!({ "name": "Deep", "metadata": nested(32) }))
        .await;
    assert!(project(&body)["id"].is_string(), "{body}");
    let (_, body) = app
        .graphql(
            Some(&ada.token),
            "query($s: String!) { organization(slug: $s) { projects { nodes { metadata } } } }",
            json!({ "s": ada.organization_slug }),
        )
        .await;
    assert_eq!(
        body["data"]["organization"]["projects"]["nodes"][0]["metadata"],
        nested(32)
    );
}

#[tokio::test]
async fn invisible_or_spoofing_names_and_escape_sequences_are_refused() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    let names = [
        ("zero-width space", "\u{200B}"),
        ("zero-width joiner", "\u{200D}"),
        ("byte order mark", "\u{FEFF}"),
        ("hangul filler", "\u{3164}"),
        ("a lone combining mark", "\u{0301}"),
        ("right-to-left override", "report\u{202E}fdp.exe"),
        ("isolates", "a\u{2066}b\u{2069}"),
    ];
    for (label, name) in names {
        for (query, field) in [
            (CREATE, "createProject"),
            (CREATE_ORGANIZATION, "createOrganization"),
        ] {
            let (_, body) = app
                .graphql(
                    Some(&ada.token),
                    query,
                    json!({ "input": { "name": name } }),
                )
                .await;
            assert_eq!(
                error_fields(&body),
                [("INVALID_NAME".to_owned(), json!(["input", "name"]))],
                "{label} in {field}: {body}"
            );
        }
    }
    let (_, body) = app
        .graphql(
            Some(&ada.token),
            CREATE,
            json!({ "input": { "name": "P", "description": "red \u{1b}[31mtext\u{1b}[0m" } }),
        )
        .await;
    assert_eq!(error_codes(&body), ["INVALID_DESCRIPTION"], "{body}");
    assert_eq!(n_projects(&app).await, 0);

    // Emoji sequences keep their joiners; descriptions keep line breaks.
    let body = app
        .create_project(
            &ada,
            json!({ "name": "Team 👩\u{200D}💻", "description": "line one\nline two\tend" }),
        )
        .await;
    assert_eq!(project(&body)["name"], "Team 👩\u{200D}💻", "{body}");
}

#[tokio::test]
async fn one_user_creates_at_most_ten_organizations_even_when_racing_two_servers() {
    let app = spawn_app().await;
    let replica = app.spawn_replica().await;
    let ada = app.create_user("ada@example.com").await;
    let requests = (0..16).map(|i| {
        let address = if i % 2 == 0 {
            app.address.clone()
        } else {
            replica.address.clone()
        };
        let client = app.client.clone();
        let token = ada.token.clone();
        async move {
            let response = client
                .post(format!("{address}/graphql"))
                .bearer_auth(token)
                .json(&json!({ "query": CREATE_ORGANIZATION, "variables": { "input": { "name": format!("Org {i}") } } }))
                .send()
                .await
                .unwrap();
            response.json::<Value>().await.unwrap()
        }
    });
    let bodies = futures::future::join_all(requests).await;
    let created = bodies
        .iter()
        .filter(|body| body["data"]["createOrganization"]["organization"]["id"].is_string())
        .count();
    assert_eq!(created, 10, "{bodies:?}");
    let refused: Vec<&Value> = bodies
        .iter()
        .filter(|body| error_codes(body) == ["MAX_ORGANIZATIONS_REACHED"])
        .collect();
    assert_eq!(refused.len(), 6, "{bodies:?}");
    assert_eq!(
        refused[0]["errors"][0]["extensions"]["details"],
        json!({ "maxOrganizations": 10, "currentOrganizations": 10 })
    );
    let n = app
        .count("SELECT COUNT(*) AS n FROM organizations WHERE personal_owner_id IS NULL")
        .await;
    assert_eq!(n, 10);
}

#[tokio::test]
async fn long_lists_are_refused_with_a_bounded_number_of_errors() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    let ids: Vec<String> = (0..50_000).map(|i| format!("bad-{i}")).collect();
    let environments: Vec<String> = (0..5_000).map(|i| format!("env-{i}")).collect();
    let response = app
        .client
        .post(app.url("/graphql"))
        .bearer_auth(&ada.token)
        .json(&json!({ "query": CREATE, "variables": { "input": {
            "name": "P", "dependencyIds": ids, "environments": environments } } }))
        .send()
        .await
        .unwrap();
    let text = response.text().await.unwrap();
    let body: Value = serde_json::from_str(&text).unwrap();
    let fields = error_fields(&body);
    assert!(fields.contains(&(
        "BAD_USER_INPUT".to_owned(),
        json!(["input", "dependencyIds"])
    )));
    assert!(fields.contains(&(
        "BAD_USER_INPUT".to_owned(),
        json!(["input", "environments"])
    )));
    assert!(fields.len() <= 110, "{} errors", fields.len());
    assert!(text.len() < 64 * 1024, "{} bytes", text.len());
    assert_eq!(n_projects(&app).await, 0);
}

#[tokio::test]
async fn a_row_stored_too_deep_to_read_never_fails_a_whole_page() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    for name in ["First", "Bad", "Last"] {
        app.create_project(&ada, json!({ "name": name })).await;
    }
    // As a row written before inputs were capped would be: 300 levels,
    // past what the driver decodes.
    let deep = format!("{}1{}", "{\"a\":".repeat(300), "}".repeat(300));
    let cast = if app.db.url.starts_with("postgres") {
        "::jsonb"
    } else {
        ""
    };
    app.execute(&format!(
        "UPDATE projects SET metadata = '{deep}'{cast} WHERE slug = 'bad'"
    ))
    .await;
    app.execute(&format!(
        "UPDATE audit_events SET payload = '{deep}'{cast} WHERE action = 'project.created' \
         AND project_id = (SELECT id FROM projects WHERE slug = 'bad')"
    ))
    .await;
    let (status, body) = app
        .graphql(
            Some(&ada.token),
            "query($s: String!) { organization(slug: $s) {
               projects { totalCount nodes { slug } }
               auditEvents { nodes { action project { slug } } } } }",
            json!({ "s": ada.organization_slug }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(body.get("errors").is_none(), "{body}");
    let organization = &body["data"]["organization"];
    assert_eq!(
        organization["projects"]["nodes"],
        json!([{ "slug": "first" }, { "slug": "last" }])
    );
    let events = organization["auditEvents"]["nodes"].as_array().unwrap();
    assert_eq!(events.len(), 2, "{body}");
}

#[tokio::test]
async fn a_slug_taken_by_an_unseen_organization_reads_like_a_reserved_one() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    let bob = app.create_user("bob@example.com").await;
    let (_, body) = app
        .graphql(
            Some(&bob.token),
            CREATE_ORGANIZATION,
            json!({ "input": { "name": "Acme", "slug": "acme" } }),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    let refusal = |slug: &str| {
        let slug = slug.to_owned();
        let app = &app;
        let token = ada.token.clone();
        async move {
            let (_, body) = app
                .graphql(
                    Some(&token),
                    CREATE_ORGANIZATION,
                    json!({ "input": { "name": "Mine", "slug": slug } }),
                )
                .await;
            // The answer with the slug taken out of it.
            body.to_string().replace(&slug, "<slug>")
        }
    };
    let taken = refusal("acme").await;
    let reserved = refusal("admin").await;
    assert!(taken.contains("SLUG_ALREADY_EXISTS"), "{taken}");
    assert!(taken.contains("not available"), "{taken}");
    assert_eq!(
        taken, reserved,
        "nothing tells a taken slug from a reserved one"
    );
    // A derived slug steps over reserved ones.
    let (_, body) = app
        .graphql(
            Some(&ada.token),
            CREATE_ORGANIZATION,
            json!({ "input": { "name": "Admin" } }),
        )
        .await;
    assert_eq!(
        body["data"]["createOrganization"]["organization"]["slug"], "admin-1",
        "{body}"
    );
}

#[tokio::test]
async fn under_graphql_response_json_a_nul_is_a_400_request_error_and_an_overflow_a_field_error() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    let post = |input: Value| {
        app.client
            .post(app.url("/graphql"))
            .bearer_auth(&ada.token)
            .header("accept", "application/graphql-response+json")
            .json(&json!({ "query": CREATE, "variables": { "input": input } }))
            .send()
    };
    let response = post(json!({ "name": "P", "description": "a\u{0}" }))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::BAD_REQUEST);
    let body: Value = response.json().await.unwrap();
    assert!(body.get("data").is_none(), "{body}");
    assert_eq!(error_codes(&body), ["BAD_USER_INPUT"]);
    let response = post(json!({ "name": "P", "featureLimit": 2147483648u64 }))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    // A field error: the data key stays, the status is 200.
    assert!(body.get("data").is_some(), "{body}");
    assert_eq!(
        body["errors"][0]["path"],
        json!(["createProject"]),
        "{body}"
    );
    assert_eq!(error_codes(&body), ["BAD_USER_INPUT"]);
}

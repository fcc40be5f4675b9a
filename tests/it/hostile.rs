//! Hostile documents: requests shaped to crash the process, hold a core or
//! starve other tenants. Each is refused with a code in bounded time while
//! `/health/live` and another user's createProject answer promptly.

use std::time::{Duration, Instant};

use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestUser, error_codes, project, spawn_app};

/// Generous bounds for this shared 2-core machine: a hostile request is
/// refused within `REFUSED_WITHIN`, and others are served within
/// `SERVED_WITHIN` while it runs.
const REFUSED_WITHIN: Duration = Duration::from_secs(2);
const SERVED_WITHIN: Duration = Duration::from_secs(2);

/// How a hostile document reaches the server.
pub enum Door {
    Post(Value),
    Get(String),
}

/// Sends `door` eight times at once together with a health check and a
/// create of `other`; asserts every hostile copy is refused with `code` (a
/// message containing `words`) within the bound, and the others served.
pub async fn refused_while_others_are_served(
    app: &TestApp,
    other: &TestUser,
    label: &str,
    door: &Door,
    code: &str,
    words: &str,
) {
    let hostile = async {
        let started = Instant::now();
        let copies = (0..8).map(|_| send(app, door));
        let answers = futures::future::join_all(copies).await;
        (started.elapsed(), answers)
    };
    let others = async {
        // Let the hostile requests start first.
        tokio::time::sleep(Duration::from_millis(20)).await;
        let started = Instant::now();
        let live = app.client.get(app.url("/health/live")).send();
        let name = format!("Other {label}");
        let create = app.create_project(other, json!({ "name": name }));
        let (live, created) = tokio::join!(live, create);
        (started.elapsed(), live, created)
    };
    let ((hostile_took, answers), (others_took, live, created)) = tokio::join!(hostile, others);
    for (status, body) in answers {
        assert!(
            status == StatusCode::OK || status.is_client_error(),
            "{label}: {status} {body}"
        );
        assert_eq!(error_codes(&body), [code], "{label}: {body}");
        let message = body["errors"][0]["message"].as_str().unwrap_or_default();
        assert!(message.contains(words), "{label}: {message}");
        assert!(body["data"].is_null(), "{label}: {body}");
    }
    assert!(
        hostile_took < REFUSED_WITHIN,
        "{label}: took {hostile_took:?}"
    );
    assert_eq!(
        live.expect("live answers").status(),
        StatusCode::OK,
        "{label}"
    );
    assert!(
        project(&created)["id"].is_string(),
        "{label}: the other create failed: {created}"
    );
    assert!(
        others_took < SERVED_WITHIN,
        "{label}: others took {others_took:?}"
    );
    assert_memory_bounded(label);
}

/// The server runs in the test process: its resident memory, which other
/// tests running at once share, stays under a few hundred MiB.
fn assert_memory_bounded(label: &str) {
    let status = std::fs::read_to_string("/proc/self/status").expect("the process status");
    let kib: u64 = status
        .lines()
        .find_map(|line| line.strip_prefix("VmRSS:"))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("a resident set size");
    assert!(kib < 400 * 1024, "{label}: {} MiB resident", kib / 1024);
}

async fn send(app: &TestApp, door: &Door) -> (StatusCode, Value) {
    let request = match door {
        Door::Post(body) => app.client.post(app.url("/graphql")).json(body),
        Door::Get(query) => app
            .client
            .get(app.url("/graphql"))
            .query(&[("query", query.as_str())]),
    };
    let response = request.send().await.expect("the server answers");
    let status = response.status();
    (status, response.json().await.expect("a JSON body"))
}

fn post(query: String) -> Door {
    Door::Post(json!({ "query": query }))
}

/// `query { ...F1 }` where each of `levels` fragments spreads the next one
/// `spreads` times.
fn spread_fragments(levels: usize, spreads: usize) -> String {
    let mut document = String::from("query { ...F1 }");
    for level in 1..=levels {
        let body = format!("...F{} ", level + 1).repeat(spreads);
        document.push_str(&format!(" fragment F{level} on Query {{ {body} }}"));
    }
    document.push_str(&format!(
        " fragment F{} on Query {{ regions {{ code }} }}",
        levels + 1
    ));
    document
}

#[tokio::test]
async fn deeply_nested_values_are_refused_before_parsing_on_every_door() {
    let app = spawn_app().await;
    let other = app.create_user("other@example.com").await;
    let list = |levels: usize| format!("{}\"a\"{}", "[".repeat(levels), "]".repeat(levels));
    let object = |levels: usize| format!("{}1{}", "{a:".repeat(levels), "}".repeat(levels));
    let cases = [
        (
            "a list 1,600 deep",
            post(format!(
                "{{ organization(slug: {}) {{ id }} }}",
                list(1_600)
            )),
        ),
        (
            "an object 1,300 deep",
            post(format!(
                "{{ organization(slug: {}) {{ id }} }}",
                object(1_300)
            )),
        ),
        (
            "a list 100,000 deep",
            post(format!(
                "{{ organization(slug: {}) {{ id }} }}",
                list(100_000)
            )),
        ),
        (
            "over GET",
            Door::Get(format!(
                "{{ organization(slug: {}) {{ id }} }}",
                list(1_600)
            )),
        ),
        (
            "a mutation over GET",
            Door::Get(format!(
                "mutation {{ createProject(input: {}) {{ clientMutationId }} }}",
                object(1_300)
            )),
        ),
        (
            "a variable's default value",
            post(format!(
                "query($s: [String] = {}) {{ regions {{ code }} }}",
                list(1_600)
            )),
        ),
        (
            "selections 2,000 deep",
            post(format!("{}{}", "{ a ".repeat(2_000), "}".repeat(2_000))),
        ),
    ];
    for (label, door) in &cases {
        refused_while_others_are_served(
            &app,
            &other,
            label,
            door,
            "GRAPHQL_VALIDATION_FAILED",
            "levels deep",
        )
        .await;
    }
    // The mutation over GET wrote nothing.
    let n = app.count("SELECT COUNT(*) AS n FROM projects").await;
    assert_eq!(n, cases.len() as i64, "only the others' creates");
}

#[tokio::test]
async fn exponential_fragments_directives_and_copies_are_refused_with_one_error() {
    let app = spawn_app().await;
    let other = app.create_user("other@example.com").await;
    let cases = [
        (
            "8 levels of 15 spreads",
            post(spread_fragments(8, 15)),
            "expands to",
        ),
        (
            "8 levels of 20 spreads",
            post(spread_fragments(8, 20)),
            "expands to",
        ),
        (
            "5 levels of 120 spreads",
            post(spread_fragments(5, 120)),
            "fragment spreads",
        ),
        ("over GET", Door::Get(spread_fragments(8, 20)), "expands to"),
        (
            "300,000 copies of one field",
            post(format!("{{ regions {{ {} }} }}", "a ".repeat(300_000))),
            "tokens",
        ),
        (
            "40,000 @include",
            post(format!(
                "{{ regions {{ code {} }} }}",
                "@include(if: true) ".repeat(40_000)
            )),
            "directives",
        ),
        (
            "a fragment chain 100 long",
            post({
                let mut document = String::from("query { ...C0 }");
                for i in 0..100 {
                    document.push_str(&format!(" fragment C{i} on Query {{ ...C{} }}", i + 1));
                }
                document + " fragment C100 on Query { regions { code } }"
            }),
            "levels deep",
        ),
    ];
    for (label, door, words) in &cases {
        refused_while_others_are_served(
            &app,
            &other,
            label,
            door,
            "GRAPHQL_VALIDATION_FAILED",
            words,
        )
        .await;
    }
}

#[tokio::test]
async fn thousands_of_invalid_fields_are_one_bounded_list_of_errors() {
    let app = spawn_app().await;
    let query = format!(
        "{{ regions {{ {} }} }}",
        (0..1_500)
            .map(|i| format!("nope{i}"))
            .collect::<Vec<_>>()
            .join(" ")
    );
    let (status, body) = app.graphql(None, &query, json!({})).await;
    assert_eq!(status, StatusCode::OK);
    let errors = body["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 21, "20 errors and one that counts the rest");
    assert!(
        errors[20]["message"]
            .as_str()
            .unwrap()
            .starts_with("1480 more"),
        "{body}"
    );
    assert!(
        body.to_string().len() < 10_000,
        "{} bytes",
        body.to_string().len()
    );
}

/// `organization { projects(first: 100) { nodes { organization { … } } } }`
/// with `levels` pages of 100, each project's organization listing its
/// projects again.
fn nested_pages(slug: &str, levels: usize) -> String {
    let open = "projects(first: 100) { nodes { id organization { ";
    format!(
        "{{ organization(slug: \"{slug}\") {{ {} slug {} }} }}",
        open.repeat(levels),
        "} } } ".repeat(levels)
    )
}

#[tokio::test]
async fn nested_pages_cost_what_they_may_return_and_are_refused_up_front() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    let other = app.create_user("other@example.com").await;
    crate::helpers::create_many(&app, &ada, 10, "P").await;
    for levels in [2, 3, 4] {
        let query = nested_pages(&ada.organization_slug, levels);
        let door = Door::Post(json!({ "query": query }));
        refused_while_others_are_served(
            &app,
            &other,
            &format!("{levels} levels of pages of 100"),
            &door,
            "GRAPHQL_VALIDATION_FAILED",
            "too complex",
        )
        .await;
    }
    // The same shape with the default page size and the wide page of 100
    // projects with their relations are served.
    let (_, body) = app
        .graphql(
            Some(&ada.token),
            &nested_pages(&ada.organization_slug, 2).replace("first: 100", "first: 5"),
            json!({}),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    let nodes = &body["data"]["organization"]["projects"]["nodes"];
    assert_eq!(
        nodes[0]["organization"]["projects"]["nodes"]
            .as_array()
            .unwrap()
            .len(),
        5
    );
    let (_, body) = app
        .graphql(
            Some(&ada.token),
            r#"query($slug: String!) { organization(slug: $slug) { projects(first: 100) { nodes {
                id slug name description status stage mode defaultStickiness featureLimit environments
                changeRequestEnvironments { name requiredApprovals } permissions { public }
                settings { defaultLocale supportedLocales defaultPlatform supportedPlatforms thumbnailUrl }
                deployment { region runtime } metadata createdAt updatedAt membersCount
                organization { id slug viewerRole } createdBy { email }
                members { role user { email } } dependencies { slug createdBy { email } } } } } }"#,
            json!({ "slug": ada.organization_slug }),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    assert_eq!(
        body["data"]["organization"]["projects"]["nodes"]
            .as_array()
            .unwrap()
            .len(),
        10
    );
}

#[tokio::test]
async fn a_request_reading_more_rows_than_its_budget_is_query_too_expensive() {
    let app = crate::helpers::spawn_app_with(crate::helpers::AppOptions {
        max_rows_per_request: 50,
        ..crate::helpers::AppOptions::default()
    })
    .await;
    let ada = app.create_user("ada@example.com").await;
    app.store
        .set_plan(&ada.organization_slug, projects_api::domain::Plan::Pro)
        .await
        .unwrap();
    crate::helpers::create_many(&app, &ada, 30, "P").await;
    let one_page =
        "query($s: String!) { organization(slug: $s) { projects(first: 30) { nodes { id } } } }";
    let (_, body) = app
        .graphql(
            Some(&ada.token),
            one_page,
            json!({ "s": ada.organization_slug }),
        )
        .await;
    assert!(body.get("errors").is_none(), "{body}");
    // Two pages of 30 (plus the organization) are over a budget of 50 rows.
    let two_pages = "query($s: String!) { organization(slug: $s) {
        a: projects(first: 30) { nodes { id } } b: projects(first: 30) { nodes { id } } } }";
    let (status, body) = app
        .graphql(
            Some(&ada.token),
            two_pages,
            json!({ "s": ada.organization_slug }),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        error_codes(&body).contains(&"QUERY_TOO_EXPENSIVE".to_owned()),
        "{body}"
    );
    let error = &body["errors"][0];
    assert_eq!(
        error["extensions"]["details"],
        json!({ "maxRows": 50 }),
        "{body}"
    );
}

#[tokio::test]
async fn keyed_requests_with_thousands_of_unused_variables_keep_nothing() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    // 50,000 pass the token limit; 4,000 stay under it and meet validation,
    // which lists 20 errors and counts the rest.
    for n in [50_000, 4_000] {
        let declared: String = (0..n).map(|i| format!("$v{i}: Int ")).collect();
        let query = format!(
            "mutation({declared}) {{ createProject(input: {{ name: \"P\" }}) {{ project {{ id }} }} }}"
        );
        let started = Instant::now();
        let response = app
            .client
            .post(app.url("/graphql"))
            .bearer_auth(&ada.token)
            .header("idempotency-key", format!("unused-{n}"))
            .json(&json!({ "query": query }))
            .send()
            .await
            .unwrap();
        let text = response.text().await.unwrap();
        assert!(started.elapsed() < REFUSED_WITHIN, "{n}");
        let body: Value = serde_json::from_str(&text).unwrap();
        assert!(
            error_codes(&body)
                .iter()
                .all(|code| code == "GRAPHQL_VALIDATION_FAILED"),
            "{n}: {body}"
        );
        assert!(text.len() < 8_000, "{n}: {} bytes", text.len());
    }
    let kept = app
        .count("SELECT COUNT(*) AS n FROM idempotency_keys")
        .await;
    assert_eq!(kept, 0, "a refused request keeps no response");
    assert_eq!(app.count("SELECT COUNT(*) AS n FROM projects").await, 0);
}

//! Thousands of random and mutated request bodies against a real server:
//! no 5xx, no dropped connection, and the server healthy after.

use futures::stream::{self, StreamExt};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::json;

use crate::helpers::spawn_app;

const REQUESTS: usize = 3_000;

fn seeds(organization_id: &str) -> Vec<Vec<u8>> {
    let create = "mutation($input: CreateProjectInput!) { createProject(input: $input) { project { id slug settings { defaultLocale } } } }";
    vec![
        json!({ "query": create, "variables": { "input": {
            "name": "Fuzz", "slug": "fuzz", "organizationId": organization_id, "description": "d",
            "settings": { "defaultLocale": "en-US", "supportedLocales": ["en-US"], "thumbnailUrl": "https://x.io/a.png" },
            "deployment": { "region": "us-east-1", "runtime": "node-22" }, "mode": "OPEN",
            "environments": ["production"], "changeRequestEnvironments": [{ "name": "staging", "requiredApprovals": 2 }],
            "metadata": { "a": [1, 2, { "b": null }] }, "dependencyIds": [] } } }),
        json!({ "query": "{ viewer { email organizations { slug projects(first: 5) { nodes { id } } } } }" }),
        json!({ "query": "query Q($s: String!) { organization(slug: $s) { id auditEvents(first: 2) { nodes { action } } } }", "variables": { "s": "x" }, "operationName": "Q" }),
        json!({ "query": "{ regions { code } runtimes { code } environments { name } }" }),
    ]
    .into_iter()
    .map(|seed| seed.to_string().into_bytes())
    .collect()
}

fn mutate(rng: &mut StdRng, seed: &[u8]) -> Vec<u8> {
    let mut body = seed.to_vec();
    for _ in 0..rng.random_range(1..6) {
        if body.is_empty() {
            body.push(rng.random());
            continue;
        }
        let at = rng.random_range(0..body.len());
        match rng.random_range(0..7) {
            0 => body[at] = rng.random(),
            1 => body[at] = b"{}[]\",:\\0nt"[rng.random_range(0..11)],
            2 => {
                body.remove(at);
            }
            3 => body.insert(at, rng.random()),
            4 => body.truncate(at),
            5 => {
                let end = (at + rng.random_range(1..40)).min(body.len());
                let chunk = body[at..end].to_vec();
                body.splice(at..at, chunk);
            }
            _ => {
                let text = [
                    "null",
                    "-1",
                    "1e999",
                    "\"\\u0000\"",
                    "[[[[[[[[",
                    "{\"query\":",
                    "\u{10ffff}",
                    "99999999999999999999",
                ][rng.random_range(0..8)];
                body.splice(at..at, text.bytes());
            }
        }
    }
    body
}

#[tokio::test]
async fn thousands_of_mutated_bodies_get_no_5xx_and_leave_the_server_healthy() {
    let app = spawn_app().await;
    let ada = app.create_user("ada@example.com").await;
    let seeds = seeds(&ada.organization_id);
    let mut rng = StdRng::seed_from_u64(0x5eed);
    let bodies: Vec<Vec<u8>> = (0..REQUESTS)
        .map(|i| mutate(&mut rng, &seeds[i % seeds.len()]))
        .collect();
    let statuses: Vec<u16> = stream::iter(bodies)
        .map(|body| {
            let request = app
                .client
                .post(app.url("/graphql"))
                .bearer_auth(&ada.token)
                .header("content-type", "application/json")
                .body(body.clone());
            async move {
                let response = request.send().await.unwrap_or_else(|err| {
                    panic!(
                        "the connection failed for {:?}: {err}",
                        String::from_utf8_lossy(&body)
                    )
                });
                let status = response.status().as_u16();
                assert!(
                    status < 500,
                    "{status} for {:?}",
                    String::from_utf8_lossy(&body)
                );
                status
            }
        })
        .buffer_unordered(16)
        .collect()
        .await;
    assert_eq!(statuses.len(), REQUESTS);
    assert!(
        statuses.contains(&200) && statuses.contains(&400),
        "a mix of outcomes: {:?}",
        {
            let mut kinds = statuses.clone();
            kinds.sort();
            kinds.dedup();
            kinds
        }
    );
    let (status, body) = app
        .graphql(Some(&ada.token), "{ viewer { email } }", json!({}))
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["data"]["viewer"]["email"], "ada@example.com");
}

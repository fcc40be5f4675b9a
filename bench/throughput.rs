//! Throughput and latency of the two hot paths, printed as figures:
//! `createProject` and a 100-project page with its relations.
//!
//! Run: `cargo bench --bench throughput` (SQLite in a temporary directory),
//! or with `BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench`
//! (an existing, empty database) for PostgreSQL. `BENCH_REQUESTS` and
//! `BENCH_CONCURRENCY` change the load (defaults 2,000 and 16).

use std::time::{Duration, Instant};

use futures::stream::{self, StreamExt};
use projects_api::config::Config;
use projects_api::domain::Plan;
use projects_api::store::{Store, StoreOptions};
use serde_json::{Value, json};

const CREATE: &str = "mutation($input: CreateProjectInput!) { createProject(input: $input) { project { id slug } } }";
const PAGE: &str = "query($slug: String!) { organization(slug: $slug) { projects(first: 100) { nodes { id slug environments createdBy { email } members { role } organization { slug } } } } }";

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() as f64 * p) as usize).min(sorted.len() - 1)]
}

async fn load(
    client: &reqwest::Client,
    url: &str,
    token: &str,
    bodies: Vec<Value>,
    concurrency: usize,
) -> (Duration, Vec<Duration>) {
    let started = Instant::now();
    let mut latencies: Vec<Duration> = stream::iter(bodies)
        .map(|body| async move {
            let sent = Instant::now();
            let response = client
                .post(url)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .expect("sent");
            assert!(response.status().is_success(), "{}", response.status());
            let body: Value = response.json().await.expect("json");
            assert!(body.get("errors").is_none(), "{body}");
            sent.elapsed()
        })
        .buffer_unordered(concurrency)
        .collect()
        .await;
    let elapsed = started.elapsed();
    latencies.sort();
    (elapsed, latencies)
}

fn report(label: &str, n: usize, elapsed: Duration, latencies: &[Duration]) {
    println!(
        "{label:<28} {n:>6} requests  {:>8.0} req/s  p50 {:>6.2} ms  p99 {:>6.2} ms",
        n as f64 / elapsed.as_secs_f64(),
        percentile(latencies, 0.50).as_secs_f64() * 1e3,
        percentile(latencies, 0.99).as_secs_f64() * 1e3,
    );
}

fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}

#[tokio::main]
async fn main() {
    let requests = env_number("BENCH_REQUESTS", 2_000);
    let concurrency = env_number("BENCH_CONCURRENCY", 16);
    let dir = tempfile::tempdir().expect("a temporary directory");
    let url = std::env::var("BENCH_DATABASE_URL").unwrap_or_else(|_| {
        format!(
            "sqlite://{}?mode=rwc",
            dir.path().join("bench.db").display()
        )
    });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("a port");
    let address = listener.local_addr().expect("an address");
    let config = Config {
        store: StoreOptions::new(url.clone()),
        listen: address,
        introspection: true,
        request_timeout: Duration::from_secs(30),
        shutdown_grace: Duration::from_secs(5),
        rate_limit: None,
        connections: Default::default(),
        subscription_connections_per_token: 10,
        max_rows_per_request: projects_api::graphql::MAX_ROWS_PER_REQUEST,
        cors: Default::default(),
        persisted: Default::default(),
        batch_max: 10,
        metrics_listen: None,
        webhooks: Default::default(),
    };
    let store = Store::connect(&config.store).await.expect("the database");
    store.migrate().await.expect("migrations");
    let server_store = store.clone();
    tokio::spawn(async move {
        projects_api::server::serve(server_store, &config, listener, std::future::pending())
            .await
            .expect("the server runs");
    });
    let user = store
        .create_user("bench@example.com", None)
        .await
        .expect("a user");
    store
        .set_plan(&user.organization.slug, Plan::Enterprise)
        .await
        .expect("a plan");

    projects_api::webhooks::install_crypto_provider();
    let client = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .build()
        .expect("a client");
    let graphql = format!("http://{address}/graphql");
    println!(
        "store: {}  concurrency: {concurrency}",
        if url.starts_with("postgres") {
            "PostgreSQL"
        } else {
            "SQLite"
        }
    );

    let creates = (0..requests)
        .map(|i| json!({ "query": CREATE, "variables": { "input": { "name": format!("Bench {i}") } } }))
        .collect();
    let statements_before = store.statement_count();
    let (elapsed, latencies) = load(&client, &graphql, &user.token, creates, concurrency).await;
    report("createProject", requests, elapsed, &latencies);
    println!(
        "{:<28} {:.1} SQL statements per create",
        "",
        (store.statement_count() - statements_before) as f64 / requests as f64
    );

    let pages = (0..requests / 4)
        .map(|_| json!({ "query": PAGE, "variables": { "slug": user.organization.slug } }))
        .collect();
    let (elapsed, latencies) = load(&client, &graphql, &user.token, pages, concurrency).await;
    report("page of 100 projects", requests / 4, elapsed, &latencies);
    if let Some(rss) = peak_rss_mib() {
        println!("peak RSS (server and load generator in one process): {rss:.1} MiB");
    }
}

//! `spawn_app()` and the helpers tests share.

use std::time::Duration;

use projects_api::config::Config;
use projects_api::http::connections::ConnectionLimits;
use projects_api::store::{CreatedUser, Store, StoreOptions};
use reqwest::StatusCode;
use sea_orm::{ConnectionTrait, Database};
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::oneshot;

/// A database made for one test and removed after it.
pub struct TestDb {
    pub url: String,
    /// SQLite: the directory holding the file.
    _dir: Option<tempfile::TempDir>,
    /// PostgreSQL: the server's URL and the database to drop.
    postgres: Option<(String, String)>,
}

impl TestDb {
    pub async fn new() -> TestDb {
        match std::env::var("TEST_DATABASE_URL") {
            Ok(admin_url) if !admin_url.is_empty() => {
                assert!(
                    admin_url.starts_with("postgres"),
                    "TEST_DATABASE_URL must be a postgres:// URL, got {admin_url}"
                );
                let name = format!("projects_api_test_{}", uuid::Uuid::new_v4().simple());
                let admin = Database::connect(&admin_url)
                    .await
                    .unwrap_or_else(|err| panic!("PostgreSQL at {admin_url} is required: {err}"));
                admin
                    .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
                    .await
                    .expect("create the test database");
                admin.close().await.ok();
                let url = replace_database(&admin_url, &name);
                TestDb {
                    url,
                    _dir: None,
                    postgres: Some((admin_url, name)),
                }
            }
            _ => {
                let dir = tempfile::tempdir().expect("a temporary directory");
                let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.db").display());
                TestDb {
                    url,
                    _dir: Some(dir),
                    postgres: None,
                }
            }
        }
    }
}

/// `postgres://user@host:port/db?x` with `db` replaced by `name`.
fn replace_database(url: &str, name: &str) -> String {
    let (base, query) = url
        .split_once('?')
        .map_or((url, None), |(b, q)| (b, Some(q)));
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let path_start = base[scheme_end..].find('/').map(|i| i + scheme_end);
    let host = path_start.map_or(base, |i| &base[..i]);
    match query {
        Some(query) => format!("{host}/{name}?{query}"),
        None => format!("{host}/{name}"),
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some((admin_url, name)) = self.postgres.take() else {
            return;
        };
        // Drop runs outside any runtime the test may still be using.
        let _ = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime to drop the test database");
            runtime.block_on(async {
                if let Ok(admin) = Database::connect(&admin_url).await {
                    let _ = admin
                        .execute_unprepared(&format!(
                            "DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"
                        ))
                        .await;
                    admin.close().await.ok();
                }
            });
        })
        .join();
    }
}

/// A running server and the means to talk to it.
pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub store: Store,
    pub db: TestDb,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<tokio::task::JoinHandle<()>>,
}

/// A user made through the store, with its personal organization and token.
pub struct TestUser {
    pub id: String,
    pub organization_id: String,
    pub organization_slug: String,
    pub token: String,
}

impl TestUser {
    /// The user's global id, as GraphQL answers it.
    pub fn global_id(&self) -> String {
        format!("User:{}", self.id)
    }

    /// The personal organization's global id, as GraphQL answers it.
    pub fn organization_global_id(&self) -> String {
        format!("Organization:{}", self.organization_id)
    }
}

/// The UUID of a global id (`Project:<uuid>`) or of a bare UUID.
pub fn uuid_of(id: &Value) -> uuid::Uuid {
    let text = id.as_str().unwrap_or_else(|| panic!("not an id: {id}"));
    let bare = text.split_once(':').map_or(text, |(_, uuid)| uuid);
    bare.parse().unwrap_or_else(|_| panic!("not an id: {id}"))
}

impl From<CreatedUser> for TestUser {
    fn from(created: CreatedUser) -> Self {
        TestUser {
            id: created.user.id.to_string(),
            organization_id: created.organization.id.to_string(),
            organization_slug: created.organization.slug,
            token: created.token,
        }
    }
}

pub fn store_options(url: &str) -> StoreOptions {
    StoreOptions {
        acquire_timeout: Duration::from_secs(5),
        ..StoreOptions::new(url)
    }
}

/// Turns the test database's URL into the one the server uses.
pub type UrlRewrite = Box<dyn Fn(&str) -> String + Send>;

/// How a test wants its server configured.
pub struct AppOptions {
    pub introspection: bool,
    pub request_timeout: Duration,
    pub acquire_timeout: Duration,
    pub rate_limit: Option<projects_api::config::RateLimit>,
    pub connections: ConnectionLimits,
    pub max_rows_per_request: usize,
    pub cors: projects_api::config::Cors,
    pub persisted: projects_api::http::persisted::PersistedOptions,
    pub batch_max: usize,
    pub subscription_connections_per_token: usize,
    pub webhooks: projects_api::webhooks::WebhookOptions,
    /// Changes the URL the server (not the test's own connections) uses.
    pub rewrite_database_url: Option<UrlRewrite>,
}

impl Default for AppOptions {
    fn default() -> Self {
        AppOptions {
            introspection: true,
            request_timeout: Duration::from_secs(30),
            acquire_timeout: Duration::from_secs(5),
            rate_limit: None,
            connections: ConnectionLimits::default(),
            max_rows_per_request: projects_api::graphql::MAX_ROWS_PER_REQUEST,
            cors: projects_api::config::Cors::Off,
            persisted: Default::default(),
            batch_max: 10,
            subscription_connections_per_token: 10,
            webhooks: test_webhooks(),
            rewrite_database_url: None,
        }
    }
}

/// Webhook settings for tests: receivers on 127.0.0.1 allowed, and
/// timeouts and retries short enough to watch.
pub fn test_webhooks() -> projects_api::webhooks::WebhookOptions {
    projects_api::webhooks::WebhookOptions {
        allow_private: true,
        timeout: Duration::from_secs(2),
        poll: Duration::from_millis(100),
        retry: projects_api::store::RetryPolicy {
            base: Duration::from_millis(200),
            ..Default::default()
        },
        ..Default::default()
    }
}

/// An HTTP client for tests. reqwest is built with rustls and no crypto
/// provider of its own (as the server uses it): the provider is installed
/// first.
pub fn http_client() -> reqwest::Client {
    http_client_builder().build().expect("an HTTP client")
}

pub fn http_client_builder() -> reqwest::ClientBuilder {
    projects_api::webhooks::install_crypto_provider();
    reqwest::Client::builder()
}

/// A server with no webhook worker, for tests that count the statements a
/// request runs: the worker's polls go through the same pool and would be
/// counted with them.
pub async fn spawn_quiet_app() -> TestApp {
    spawn_app_with(AppOptions {
        webhooks: projects_api::webhooks::WebhookOptions {
            deliver: false,
            ..test_webhooks()
        },
        ..AppOptions::default()
    })
    .await
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(AppOptions::default()).await
}

pub async fn spawn_app_with(options: AppOptions) -> TestApp {
    let db = TestDb::new().await;
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind a port");
    let address = format!("http://{}", listener.local_addr().expect("local address"));
    let server_url = match &options.rewrite_database_url {
        Some(rewrite) => rewrite(&db.url),
        None => db.url.clone(),
    };
    let config = Config {
        store: StoreOptions {
            acquire_timeout: options.acquire_timeout,
            ..store_options(&server_url)
        },
        listen: listener.local_addr().expect("local address"),
        introspection: options.introspection,
        request_timeout: options.request_timeout,
        shutdown_grace: Duration::from_secs(30),
        rate_limit: options.rate_limit,
        connections: options.connections,
        max_rows_per_request: options.max_rows_per_request,
        cors: options.cors,
        persisted: options.persisted,
        batch_max: options.batch_max,
        metrics_listen: None,
        subscription_connections_per_token: options.subscription_connections_per_token,
        webhooks: options.webhooks,
    };
    // The test shares the server's store (and pool), so it can read the
    // number of statements a request ran.
    let store = Store::connect(&config.store).await.expect("open the store");
    let server_store = store.clone();
    let (shutdown, shutdown_rx) = oneshot::channel::<()>();
    let server = tokio::spawn(async move {
        let shutdown = async {
            let _ = shutdown_rx.await;
        };
        projects_api::server::serve(server_store, &config, listener, shutdown)
            .await
            .expect("the server runs");
    });
    let client = http_client_builder()
        .timeout(Duration::from_secs(60))
        .build()
        .expect("an HTTP client");
    wait_until_ready(&client, &address).await;
    TestApp {
        address,
        client,
        store,
        db,
        shutdown: Some(shutdown),
        server: Some(server),
    }
}

pub async fn wait_until_ready(client: &reqwest::Client, address: &str) {
    for _ in 0..200 {
        if let Ok(response) = client.get(format!("{address}/health/ready")).send().await
            && response.status() == StatusCode::OK
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("the server at {address} did not become ready");
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn create_user(&self, email: &str) -> TestUser {
        self.store
            .create_user(email, None)
            .await
            .expect("create a user")
            .into()
    }

    /// POSTs a GraphQL request with a bearer token (if any); returns the
    /// status and the JSON body.
    pub async fn graphql(
        &self,
        token: Option<&str>,
        query: &str,
        variables: Value,
    ) -> (StatusCode, Value) {
        let mut request = self
            .client
            .post(self.url("/graphql"))
            .json(&json!({ "query": query, "variables": variables }));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("the request is sent");
        let status = response.status();
        let body = response.json().await.expect("a JSON body");
        (status, body)
    }

    /// Runs `createProject` with `input` as `user`; returns the body.
    pub async fn create_project(&self, user: &TestUser, input: Value) -> Value {
        create_project_at(&self.client, &self.address, user, input).await
    }

    /// Runs SQL on the test database directly, behind the server's back
    /// (to break, age or corrupt what it reads).
    pub async fn execute(&self, sql: &str) {
        let db = Database::connect(&self.db.url)
            .await
            .expect("connect to execute");
        db.execute_unprepared(sql)
            .await
            .expect("the statement runs");
        db.close().await.ok();
    }

    /// Counts rows with a SQL query of the form `SELECT COUNT(*) AS n …`.
    pub async fn count(&self, sql: &str) -> i64 {
        let db = Database::connect(&self.db.url)
            .await
            .expect("connect for a count");
        let row = db
            .query_one_raw(sea_orm::Statement::from_string(
                db.get_database_backend(),
                sql,
            ))
            .await
            .expect("the count runs")
            .expect("a count row");
        let n: i64 = row.try_get("", "n").expect("a count column named n");
        db.close().await.ok();
        n
    }

    /// Starts a second server process (the real binary) on the same
    /// database, as another replica would run.
    pub async fn spawn_replica(&self) -> Replica {
        spawn_binary(&self.db.url, &[]).await
    }

    /// Signals the server to shut down, without waiting for it.
    pub fn begin_shutdown(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }

    /// Stops the server gracefully and waits for it.
    pub async fn stop(mut self) {
        self.begin_shutdown();
        if let Some(server) = self.server.take() {
            server.await.expect("the server stops cleanly");
        }
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

/// A server process of the real binary; killed when dropped.
pub struct Replica {
    pub address: String,
    pub child: std::process::Child,
}

/// Starts `projects-api serve` on a free port over `database_url` and
/// waits until it is ready.
pub async fn spawn_binary(database_url: &str, env: &[(&str, &str)]) -> Replica {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port();
    let address = format!("http://127.0.0.1:{port}");
    let child = std::process::Command::new(env!("CARGO_BIN_EXE_projects-api"))
        .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
        .env("DATABASE_URL", database_url)
        .env("RUST_LOG", "warn")
        .envs(env.iter().copied())
        .spawn()
        .expect("start the server binary");
    let replica = Replica { address, child };
    wait_until_ready(&http_client(), &replica.address).await;
    replica
}

impl Drop for Replica {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `createProject` against the server at `address`.
pub async fn create_project_at(
    client: &reqwest::Client,
    address: &str,
    user: &TestUser,
    input: Value,
) -> Value {
    let response = client
        .post(format!("{address}/graphql"))
        .bearer_auth(&user.token)
        .json(&json!({ "query": CREATE_PROJECT, "variables": { "input": input } }))
        .send()
        .await
        .expect("the request is sent");
    let status = response.status();
    let body: Value = response.json().await.expect("a JSON body");
    assert_eq!(status, StatusCode::OK, "{body}");
    body
}

pub const CREATE_PROJECT: &str = r#"
mutation Create($input: CreateProjectInput!) {
  createProject(input: $input) {
    clientMutationId
    project {
      id name slug description status stage mode defaultStickiness featureLimit
      environments
      changeRequestEnvironments { name requiredApprovals }
      permissions { public }
      settings { defaultLocale supportedLocales defaultPlatform supportedPlatforms thumbnailUrl }
      deployment { region runtime }
      dependencies { id }
      metadata
      organization { id slug plan maxProjects }
      createdBy { id email }
      members { role user { id } }
      membersCount
      createdAt updatedAt
    }
  }
}"#;

/// The `extensions.code` of every error in a response, in order.
pub fn error_codes(body: &Value) -> Vec<String> {
    error_fields(body)
        .into_iter()
        .map(|(code, _)| code)
        .collect()
}

/// The project of a `createProject` response.
pub fn project(body: &Value) -> &Value {
    &body["data"]["createProject"]["project"]
}

/// `(extensions.code, extensions.field)` of every error in a response.
pub fn error_fields(body: &Value) -> Vec<(String, Value)> {
    error_list(body)
        .iter()
        .map(|error| {
            let code = error["extensions"]["code"].as_str().unwrap_or("<none>");
            (code.to_owned(), error["extensions"]["field"].clone())
        })
        .collect()
}

fn error_list(body: &Value) -> &[Value] {
    body["errors"]
        .as_array()
        .map(Vec::as_slice)
        .unwrap_or_default()
}

/// Creates `n` projects named `"{prefix} {i:03}"` as `user`; returns their ids.
pub async fn create_many(app: &TestApp, user: &TestUser, n: usize, prefix: &str) -> Vec<String> {
    let mut ids = Vec::with_capacity(n);
    for i in 0..n {
        let body = app
            .create_project(user, json!({ "name": format!("{prefix} {i:03}") }))
            .await;
        ids.push(project(&body)["id"].as_str().expect("created").to_owned());
    }
    ids
}

//! One typed configuration for the server, from flags and environment
//! variables (clap reads both; flags win).

use std::net::SocketAddr;
use std::num::NonZeroU32;
use std::time::Duration;

use clap::{Args, ValueEnum};

use crate::http::connections::ConnectionLimits;
use crate::http::persisted::PersistedOptions;
use crate::store::{RetryPolicy, StoreOptions};
use crate::webhooks::WebhookOptions;

/// A SQLite file in the working directory, created on first start.
pub const DEFAULT_DATABASE_URL: &str = "sqlite://projects-api.db?mode=rwc";

#[derive(Args, Debug, Clone)]
pub struct DatabaseArgs {
    /// `sqlite://FILE?mode=rwc` (embedded) or `postgres://USER@HOST/DB`.
    #[arg(long, env = "DATABASE_URL", default_value = DEFAULT_DATABASE_URL, global = true)]
    pub database_url: String,

    /// Seconds a request waits for a database connection before it gets
    /// SERVICE_UNAVAILABLE.
    #[arg(
        long,
        env = "DATABASE_ACQUIRE_TIMEOUT",
        default_value_t = 5,
        global = true
    )]
    pub database_acquire_timeout: u64,

    /// Largest number of pooled database connections per process.
    #[arg(
        long,
        env = "DATABASE_MAX_CONNECTIONS",
        default_value_t = 16,
        global = true
    )]
    pub database_max_connections: u32,
    /// The most organizations one user may create (their personal one not
    /// counted), so that the plan limit bounds what one user can make.
    #[arg(
        long,
        env = "MAX_ORGANIZATIONS_PER_USER",
        default_value_t = 10,
        global = true
    )]
    pub max_organizations_per_user: u32,

    /// How long a deleted project can be brought back before it is purged
    /// with its rows: a duration such as `7d`, `36h` or `90s`.
    #[arg(
        long,
        env = "PROJECT_DELETION_GRACE",
        default_value = "7d",
        value_parser = humantime::parse_duration,
        global = true
    )]
    pub project_deletion_grace: Duration,

    /// How long project events are kept for subscribers that resume and
    /// for webhook redeliveries, before a background task deletes them: a
    /// duration such as `30d`.
    #[arg(
        long,
        env = "EVENT_RETENTION",
        default_value = "30d",
        value_parser = humantime::parse_duration,
        global = true
    )]
    pub event_retention: Duration,
}

#[derive(ValueEnum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Args, Debug, Clone)]
pub struct ServeArgs {
    /// Address to listen on.
    #[arg(long, env = "LISTEN_ADDR", default_value = "127.0.0.1:8000")]
    pub listen: SocketAddr,

    /// Seconds a request may take before it is stopped with 408.
    #[arg(long, env = "REQUEST_TIMEOUT", default_value_t = 30)]
    pub request_timeout: u64,

    /// Seconds requests in flight get to finish after SIGTERM/Ctrl-C.
    #[arg(long, env = "SHUTDOWN_GRACE_PERIOD", default_value_t = 30)]
    pub shutdown_grace_period: u64,

    /// Requests per second allowed per API token (0: no limit).
    #[arg(long, env = "RATE_LIMIT_PER_SECOND", default_value_t = 0)]
    pub rate_limit_per_second: u32,

    /// Requests a token may send at once above the rate (default: the rate).
    #[arg(long, env = "RATE_LIMIT_BURST")]
    pub rate_limit_burst: Option<u32>,

    /// Seconds a client may take to send a request's headers, from its
    /// first byte.
    #[arg(long, env = "HEADER_READ_TIMEOUT", default_value_t = 10)]
    pub header_read_timeout: u64,

    /// Seconds a connection may stay open with no request and no traffic.
    #[arg(long, env = "IDLE_TIMEOUT", default_value_t = 60)]
    pub idle_timeout: u64,

    /// Rows one request may read (QUERY_TOO_EXPENSIVE past it).
    #[arg(long, env = "MAX_ROWS_PER_REQUEST", default_value_t = crate::graphql::MAX_ROWS_PER_REQUEST)]
    pub max_rows_per_request: usize,

    /// Connections open at once; one more is closed at once.
    #[arg(long, env = "MAX_CONNECTIONS", default_value_t = 4_096)]
    pub max_connections: usize,

    /// WebSocket connections (for subscriptions) one token may hold open
    /// at once in a process.
    #[arg(long, env = "SUBSCRIPTION_CONNECTIONS_PER_TOKEN", default_value_t = 10)]
    pub subscription_connections_per_token: usize,

    /// Origins whose pages may call the API from a browser, comma-separated
    /// (`https://app.example.com,https://admin.example.com`), or `*` for
    /// any; none by default. Tokens travel in the Authorization header, so
    /// credentials (cookies) are never allowed.
    #[arg(long, env = "CORS_ALLOWED_ORIGINS", value_delimiter = ',')]
    pub cors_allowed_origins: Vec<String>,

    /// The most documents Apollo's automatic persisted queries keep
    /// registered, shared by every process (least recently used ones go
    /// first); 0 turns registration off.
    #[arg(long, env = "PERSISTED_QUERIES_MAX", default_value_t = 10_000)]
    pub persisted_queries_max: u64,

    /// Run only the trusted documents loaded with `admin trust-documents`,
    /// by hash or in full; any other document is PERSISTED_QUERY_NOT_IN_LIST.
    #[arg(long, env = "TRUSTED_DOCUMENTS_ONLY", default_value_t = false)]
    pub trusted_documents_only: bool,

    /// The most operations one POST may carry as a JSON array (a batch);
    /// each counts against the rate limit as a request of its own.
    #[arg(long, env = "GRAPHQL_BATCH_MAX", default_value_t = 10)]
    pub graphql_batch_max: usize,

    /// Serve `/metrics` on this address only (e.g. `127.0.0.1:9100`, for a
    /// scraper on a private network) instead of on the main listener.
    #[arg(long, env = "METRICS_LISTEN")]
    pub metrics_listen: Option<SocketAddr>,

    /// Refuse introspection queries (and so hide the schema from GraphiQL).
    #[arg(long, env = "DISABLE_INTROSPECTION", default_value_t = false)]
    pub disable_introspection: bool,

    /// Whether this process fans project events out to webhooks and sends
    /// the deliveries; `false` on replicas that only serve the API (at
    /// least one process must deliver).
    #[arg(long, env = "WEBHOOK_DELIVERY", default_value_t = true, action = clap::ArgAction::Set)]
    pub webhook_delivery: bool,

    /// Let webhooks send to loopback, private and link-local addresses
    /// (for tests and private networks); refused otherwise, against
    /// server-side request forgery.
    #[arg(long, env = "WEBHOOK_ALLOW_PRIVATE", default_value_t = false)]
    pub webhook_allow_private: bool,

    /// The longest one webhook delivery attempt may take, answer
    /// included: a duration such as `10s`.
    #[arg(long, env = "WEBHOOK_TIMEOUT", default_value = "10s", value_parser = humantime::parse_duration)]
    pub webhook_timeout: Duration,

    /// The wait after a delivery's first failed attempt; it doubles after
    /// each failure, up to an hour, with jitter: a duration such as `5s`.
    #[arg(long, env = "WEBHOOK_RETRY_BASE", default_value = "5s", value_parser = humantime::parse_duration)]
    pub webhook_retry_base: Duration,

    /// How long a failing delivery is retried before it is marked failed:
    /// a duration such as `24h`.
    #[arg(long, env = "WEBHOOK_RETRY_PERIOD", default_value = "24h", value_parser = humantime::parse_duration)]
    pub webhook_retry_period: Duration,

    /// A webhook whose every attempt has failed for this long is disabled
    /// (with a `webhook.disabled` audit event): a duration such as `5d`.
    #[arg(long, env = "WEBHOOK_DISABLE_AFTER", default_value = "5d", value_parser = humantime::parse_duration)]
    pub webhook_disable_after: Duration,
}

/// Everything `serve` needs.
#[derive(Debug, Clone)]
pub struct Config {
    pub store: StoreOptions,
    pub listen: SocketAddr,
    pub introspection: bool,
    pub request_timeout: Duration,
    pub shutdown_grace: Duration,
    pub rate_limit: Option<RateLimit>,
    pub connections: ConnectionLimits,
    pub max_rows_per_request: usize,
    /// Which browser origins may call the API.
    pub cors: Cors,
    /// APQ registration and the trusted-documents mode.
    pub persisted: PersistedOptions,
    /// The most operations in one batch.
    pub batch_max: usize,
    /// Where `/metrics` is served when not on the main listener.
    pub metrics_listen: Option<SocketAddr>,
    /// WebSocket connections one token may hold in this process.
    pub subscription_connections_per_token: usize,
    /// How webhooks are checked and sent.
    pub webhooks: WebhookOptions,
}

/// Which browser origins may call the API (CORS).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Cors {
    /// None: no CORS headers, preflights are refused.
    #[default]
    Off,
    /// Any origin (`*`), without credentials.
    AnyOrigin,
    /// These origins exactly (scheme, host and port).
    Origins(Vec<String>),
}

impl Cors {
    pub fn from_list(origins: &[String]) -> Cors {
        let origins: Vec<String> = origins
            .iter()
            .map(|origin| origin.trim().trim_end_matches('/').to_owned())
            .filter(|origin| !origin.is_empty())
            .collect();
        if origins.iter().any(|origin| origin == "*") {
            Cors::AnyOrigin
        } else if origins.is_empty() {
            Cors::Off
        } else {
            Cors::Origins(origins)
        }
    }
}

/// Requests per second and burst for each API token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    pub per_second: NonZeroU32,
    pub burst: NonZeroU32,
}

impl Config {
    pub fn new(database: &DatabaseArgs, serve: &ServeArgs) -> Config {
        Config {
            store: database.store_options(),
            listen: serve.listen,
            introspection: !serve.disable_introspection,
            request_timeout: Duration::from_secs(serve.request_timeout),
            shutdown_grace: Duration::from_secs(serve.shutdown_grace_period),
            rate_limit: NonZeroU32::new(serve.rate_limit_per_second).map(|per_second| RateLimit {
                per_second,
                burst: serve
                    .rate_limit_burst
                    .and_then(NonZeroU32::new)
                    .unwrap_or(per_second),
            }),
            connections: ConnectionLimits {
                header_read_timeout: Duration::from_secs(serve.header_read_timeout),
                idle_timeout: Duration::from_secs(serve.idle_timeout),
                max_connections: serve.max_connections.max(1),
            },
            max_rows_per_request: serve.max_rows_per_request,
            cors: Cors::from_list(&serve.cors_allowed_origins),
            persisted: PersistedOptions {
                max_registered: serve.persisted_queries_max,
                trusted_only: serve.trusted_documents_only,
            },
            batch_max: serve.graphql_batch_max,
            metrics_listen: serve.metrics_listen,
            subscription_connections_per_token: serve.subscription_connections_per_token.max(1),
            webhooks: WebhookOptions {
                deliver: serve.webhook_delivery,
                allow_private: serve.webhook_allow_private,
                timeout: serve.webhook_timeout.max(Duration::from_millis(100)),
                retry: RetryPolicy {
                    base: serve.webhook_retry_base.max(Duration::from_millis(10)),
                    period: serve.webhook_retry_period,
                    disable_after: serve.webhook_disable_after,
                    ..RetryPolicy::default()
                },
                ..WebhookOptions::default()
            },
        }
    }
}

impl DatabaseArgs {
    pub fn store_options(&self) -> StoreOptions {
        StoreOptions {
            url: self.database_url.clone(),
            acquire_timeout: Duration::from_secs(self.database_acquire_timeout),
            max_connections: self.database_max_connections,
            max_organizations_per_user: self.max_organizations_per_user,
            deletion_grace: self.project_deletion_grace,
            event_retention: self.event_retention,
        }
    }
}

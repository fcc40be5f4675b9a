//! Prometheus metrics (the `prometheus-client` crate), served at
//! `/metrics` in the OpenMetrics text format: one registry per server, so
//! that every figure is this process's own.
//!
//! Labels take values from closed sets only (operation types, the error
//! codes of `domain::Code`), so no request can grow the number of series.

use std::sync::Arc;
use std::sync::atomic::AtomicI64;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;
use prometheus_client::registry::{Registry, Unit};

use crate::domain::Code;
use crate::store::Store;

/// What the store counts itself, registered by [`Metrics::new`].
#[derive(Debug, Clone, Default)]
pub struct StoreMetrics {
    /// Projects created, by any door.
    pub projects_created: Counter,
    /// Requests answered from a stored idempotent response.
    pub idempotency_replays: Counter,
    /// Write transactions waiting for a connection (or, on SQLite, for the
    /// process's write turn).
    pub writes_waiting: Gauge<i64, AtomicI64>,
}

/// The labels of a GraphQL operation's outcome.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct OperationLabels {
    /// `query`, `mutation`, `subscription`, or `unknown` when the document
    /// did not parse.
    pub operation_type: &'static str,
    /// `OK`, or the code of the operation's first error.
    pub outcome: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TypeLabels {
    operation_type: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct StateLabels {
    state: &'static str,
}

/// Every metric of a server process.
pub struct Metrics {
    registry: Registry,
    operations: Family<OperationLabels, Counter>,
    durations: Family<TypeLabels, Histogram>,
    pool: Family<StateLabels, Gauge>,
    pool_max: Gauge,
    /// Requests refused by the rate limit.
    pub rate_limited: Counter,
}

impl Metrics {
    pub fn new(store: &Store) -> Arc<Metrics> {
        let mut registry = Registry::with_prefix("projects_api");
        let operations = Family::<OperationLabels, Counter>::default();
        registry.register(
            "graphql_operations",
            "GraphQL operations run, by type and outcome (OK or the first error code)",
            operations.clone(),
        );
        let durations = Family::<TypeLabels, Histogram>::new_with_constructor(|| {
            Histogram::new([
                0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
            ])
        });
        registry.register_with_unit(
            "graphql_operation_duration",
            "Time to run a GraphQL operation, from parse to the last field",
            Unit::Seconds,
            durations.clone(),
        );
        let pool = Family::<StateLabels, Gauge>::default();
        registry.register(
            "db_pool_connections",
            "Database connections of this process's pool, in use or idle",
            pool.clone(),
        );
        let pool_max = Gauge::default();
        registry.register(
            "db_pool_max_connections",
            "The most connections the pool opens",
            pool_max.clone(),
        );
        let stored = store.metrics();
        registry.register(
            "db_writes_waiting",
            "Write transactions waiting for a connection or SQLite's write turn",
            stored.writes_waiting.clone(),
        );
        registry.register(
            "projects_created",
            "Projects created, through GraphQL or a REST door",
            stored.projects_created.clone(),
        );
        registry.register(
            "idempotency_replays",
            "Requests answered with the stored response of their Idempotency-Key",
            stored.idempotency_replays.clone(),
        );
        let rate_limited = Counter::default();
        registry.register(
            "rate_limited_requests",
            "Requests refused by the per-token rate limit",
            rate_limited.clone(),
        );
        Arc::new(Metrics {
            registry,
            operations,
            durations,
            pool,
            pool_max,
            rate_limited,
        })
    }

    /// Counts one GraphQL operation that took `seconds`.
    pub fn operation(&self, operation_type: &'static str, outcome: &'static str, seconds: f64) {
        self.operations
            .get_or_create(&OperationLabels {
                operation_type,
                outcome,
            })
            .inc();
        self.durations
            .get_or_create(&TypeLabels { operation_type })
            .observe(seconds);
    }

    /// The registry in the OpenMetrics text format, with the pool's
    /// figures as of now.
    pub fn encode(&self, store: &Store) -> String {
        let pool = store.pool_stats();
        self.pool
            .get_or_create(&StateLabels { state: "in_use" })
            .set(i64::from(pool.size) - pool.idle as i64);
        self.pool
            .get_or_create(&StateLabels { state: "idle" })
            .set(pool.idle as i64);
        self.pool_max.set(i64::from(pool.max));
        let mut text = String::new();
        if let Err(err) = prometheus_client::encoding::text::encode(&mut text, &self.registry) {
            tracing::error!(error = %err, "cannot encode the metrics");
        }
        text
    }
}

/// The outcome label of an error code: the code itself when it is one of
/// ours, `OTHER` for anything else, so labels stay a closed set.
pub fn outcome(code: Option<&str>) -> &'static str {
    match code {
        None => "OK",
        Some(code) => Code::ALL
            .iter()
            .find(|known| known.as_str() == code)
            .map_or("OTHER", |known| known.as_str()),
    }
}

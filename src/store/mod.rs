//! Storage: the connection pool, migrations, and every query the server
//! runs. Each mutation is one transaction here; the rules that must hold
//! across server processes are enforced by the database (unique indexes,
//! row locks, `BEGIN IMMEDIATE` on SQLite).
//!
//! Functions take and return domain values; entities stay inside this
//! module and `entity`.

mod catalog;
mod documents;
mod error;
mod events;
mod idempotency;
mod identity;
mod lifecycle;
mod members;
mod projects;
mod reads;
mod webhooks;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;
use tokio::sync::{Mutex, OwnedMutexGuard};

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::postgres::{PgConnectOptions, PgSslMode};
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseExecutor,
    DatabaseTransaction, DbBackend, DbErr, SqliteTransactionMode, Statement, TransactionOptions,
    TransactionTrait,
};

pub use documents::PersistedDocument;
pub use error::is_unavailable;
pub use idempotency::{Claim, IdempotencyClaim, MAX_KEYS_PER_USER, MAX_STORED_RESPONSE_BYTES};
pub use identity::{AdminMembership, CreatedUser};
pub use reads::Page;
pub use sea_orm::sqlx::postgres::PgListener;
pub use webhooks::{AttemptOutcome, ClaimedDelivery, RetryPolicy};

use crate::domain;

/// A handle on the database; cheap to clone (the pool is shared).
///
/// A store may be bound to a request's idempotency claim
/// ([`Store::claimed`]): then what its creates create is recorded on the
/// claim in the same transaction.
#[derive(Clone, Debug)]
pub struct Store {
    db: DatabaseConnection,
    /// SQL statements run through this pool since it opened: the figure
    /// that proves a request's cost does not grow with its page size.
    statements: Arc<AtomicU64>,
    /// The idempotency claim of the request this store serves, if any.
    claim: Option<Arc<ClaimState>>,
    max_organizations_per_user: u32,
    catalogs: catalog::CatalogCache,
    /// SQLite's writers in this process, one at a time.
    writers: Arc<Mutex<()>>,
    lock_timeout: Duration,
    deletion_grace: Duration,
    event_retention: Duration,
    /// What the store counts for `/metrics`.
    metrics: crate::metrics::StoreMetrics,
}

/// The connection pool as of now.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PoolStats {
    /// Connections open.
    pub size: u32,
    /// Open connections no one is using.
    pub idle: usize,
    /// The most the pool opens.
    pub max: u32,
}

/// A request's idempotency claim, and whether one of its creates has
/// committed.
#[derive(Debug)]
struct ClaimState {
    claim: IdempotencyClaim,
    created: std::sync::atomic::AtomicBool,
}

/// How to open the pool.
#[derive(Clone, Debug)]
pub struct StoreOptions {
    pub url: String,
    pub acquire_timeout: Duration,
    pub max_connections: u32,
    /// The most organizations one user may own besides the personal one.
    pub max_organizations_per_user: u32,
    /// How long a deleted project can be brought back before it is purged.
    pub deletion_grace: Duration,
    /// How long project events are kept.
    pub event_retention: Duration,
}

/// The default of [`StoreOptions::deletion_grace`]: 7 days.
pub const DEFAULT_DELETION_GRACE: Duration = Duration::from_secs(7 * 24 * 60 * 60);

/// The default of [`StoreOptions::event_retention`]: 30 days.
pub const DEFAULT_EVENT_RETENTION: Duration = Duration::from_secs(30 * 24 * 60 * 60);

impl StoreOptions {
    pub fn new(url: impl Into<String>) -> Self {
        StoreOptions {
            url: url.into(),
            acquire_timeout: Duration::from_secs(5),
            max_connections: 16,
            max_organizations_per_user: 10,
            deletion_grace: DEFAULT_DELETION_GRACE,
            event_retention: DEFAULT_EVENT_RETENTION,
        }
    }
}

impl Store {
    /// Opens the pool. SQLite gets WAL, a busy timeout and foreign keys on
    /// every connection; the file is created when missing.
    pub async fn connect(options: &StoreOptions) -> Result<Store, DbErr> {
        let lock_timeout = options.acquire_timeout;
        let sslmode_given = options.url.contains("sslmode=");
        let mut connect = ConnectOptions::new(options.url.clone());
        connect
            .max_connections(options.max_connections)
            .min_connections(0)
            .acquire_timeout(options.acquire_timeout)
            .connect_timeout(options.acquire_timeout)
            // The pool is not pinged before each use: a broken connection
            // fails its query, which maps to SERVICE_UNAVAILABLE, and the
            // pool replaces it. That saves one round trip per request.
            .test_before_acquire(false)
            // A connection keeps its prepared statements, and PostgreSQL may
            // settle on a generic plan for one, made from the table sizes of
            // that moment; nothing refreshes it while autovacuum is off. A
            // plan made while the tables were empty (a sequential scan) once
            // made creates five times slower as they grew. Replacing each
            // connection after a minute bounds how long any plan lives, for
            // one reconnect a minute per connection.
            .max_lifetime(Duration::from_secs(60))
            .sqlx_logging(false)
            .connect_lazy(true)
            // A lock wait is bounded like a connection wait: past the
            // acquire timeout the statement gives up, and the request gets
            // SERVICE_UNAVAILABLE (retry) instead of queueing without end.
            .map_sqlx_sqlite_opts(move |opts: SqliteConnectOptions| {
                opts.create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(lock_timeout)
                    .foreign_keys(true)
            })
            .map_sqlx_postgres_opts(move |opts: PgConnectOptions| {
                // TLS to a database on this machine protects nothing and
                // costs both sides CPU on every statement; a URL that names
                // an sslmode keeps it.
                let local = matches!(opts.get_host(), "localhost" | "127.0.0.1" | "::1")
                    || opts.get_host().starts_with('/');
                let opts = if local && !sslmode_given {
                    opts.ssl_mode(PgSslMode::Disable)
                } else {
                    opts
                };
                opts.options([("lock_timeout", format!("{}ms", lock_timeout.as_millis()))])
            });
        let mut db = Database::connect(connect).await?;
        let statements = Arc::new(AtomicU64::new(0));
        let counter = statements.clone();
        db.set_metric_callback(move |_| {
            counter.fetch_add(1, Ordering::Relaxed);
        });
        Ok(Store {
            db,
            statements,
            claim: None,
            max_organizations_per_user: options.max_organizations_per_user,
            catalogs: catalog::CatalogCache::default(),
            writers: Arc::new(Mutex::new(())),
            lock_timeout,
            deletion_grace: options.deletion_grace,
            event_retention: options.event_retention,
            metrics: Default::default(),
        })
    }

    /// What the store counts, for `/metrics`.
    pub fn metrics(&self) -> &crate::metrics::StoreMetrics {
        &self.metrics
    }

    /// The connection pool's figures.
    pub fn pool_stats(&self) -> PoolStats {
        let (size, idle, max) = match self.db.get_database_backend() {
            DbBackend::Postgres => {
                let pool = self.db.get_postgres_connection_pool();
                (
                    pool.size(),
                    pool.num_idle(),
                    pool.options().get_max_connections(),
                )
            }
            _ => {
                let pool = self.db.get_sqlite_connection_pool();
                (
                    pool.size(),
                    pool.num_idle(),
                    pool.options().get_max_connections(),
                )
            }
        };
        PoolStats { size, idle, max }
    }

    /// How many SQL statements this store has run.
    pub fn statement_count(&self) -> u64 {
        self.statements.load(Ordering::Relaxed)
    }

    /// Applies the migrations that have not run yet, all or none; running
    /// it again is a no-op. One transaction also keeps every statement on
    /// one connection: on SQLite a pooled connection may otherwise run a
    /// migration against a schema read before the previous one.
    pub async fn migrate(&self) -> Result<(), DbErr> {
        let txn = self.db.begin().await?;
        Migrator::up(&txn, None).await?;
        txn.commit().await
    }

    /// The database answers and every migration has been applied.
    pub async fn ready(&self) -> Result<(), String> {
        self.db.ping().await.map_err(|err| err.to_string())?;
        let pending = Migrator::get_pending_migrations(&self.db)
            .await
            .map_err(|err| err.to_string())?;
        if pending.is_empty() {
            Ok(())
        } else {
            Err(format!("{} migrations pending", pending.len()))
        }
    }

    pub async fn close(self) -> Result<(), DbErr> {
        self.db.close().await
    }

    /// A store whose creates record what they create on `claim`, in the
    /// transaction that creates it: a request sent with an Idempotency-Key
    /// runs on one, so a retry can never create twice.
    pub fn claimed(&self, claim: IdempotencyClaim) -> Store {
        Store {
            claim: Some(Arc::new(ClaimState {
                claim,
                created: std::sync::atomic::AtomicBool::new(false),
            })),
            ..self.clone()
        }
    }

    /// Whether a create on this claimed store has committed (and so
    /// recorded its resource on the key).
    pub fn claim_created(&self) -> bool {
        self.claim
            .as_ref()
            .is_some_and(|state| state.created.load(Ordering::Relaxed))
    }

    /// After the commit of a transaction that called
    /// [`Store::record_created`].
    fn note_created(&self) {
        if let Some(claim) = &self.claim {
            claim.created.store(true, Ordering::Relaxed);
        }
    }

    /// Inside a write transaction that has just created `resource_id`:
    /// records it on the request's idempotency key, if it has one.
    async fn record_created(
        &self,
        txn: &DatabaseTransaction,
        resource_id: uuid::Uuid,
    ) -> Result<(), domain::Error> {
        match &self.claim {
            Some(state) => idempotency::record_resource(txn, &state.claim, resource_id).await,
            None => Ok(()),
        }
    }

    /// How often [`Store::refresh_statistics`] should run: on PostgreSQL
    /// often, as it only looks at counters unless a table changed enough,
    /// on SQLite once a minute.
    pub fn statistics_period(&self) -> std::time::Duration {
        match self.db.get_database_backend() {
            DbBackend::Postgres => std::time::Duration::from_secs(5),
            _ => std::time::Duration::from_secs(60),
        }
    }

    /// Refreshes the planner's statistics of the tables the server reads
    /// and writes, as autovacuum would, without depending on it. On
    /// PostgreSQL a table is analysed when it never was or when more of
    /// its rows changed since than autovacuum's default threshold (50 plus
    /// 10 % of its rows), one process at a time (a transaction-level
    /// advisory lock; the others skip). Plans cached by each connection,
    /// foreign-key checks' included, are made again after an ANALYZE of
    /// their tables: a check planned on an empty `projects` table as a
    /// sequential scan stays one until then. On SQLite `PRAGMA optimize`
    /// does what is worth doing.
    pub async fn refresh_statistics(&self) -> Result<(), domain::Error> {
        match self.db.get_database_backend() {
            DbBackend::Postgres => {
                let txn = self.db.begin().await.map_err(error::internal)?;
                let ours = txn
                    .query_one_raw(Statement::from_string(
                        DbBackend::Postgres,
                        "SELECT pg_try_advisory_xact_lock(hashtext('projects-api analyze')) AS ours",
                    ))
                    .await
                    .map_err(error::internal)?
                    .and_then(|row| row.try_get::<bool>("", "ours").ok())
                    .unwrap_or(false);
                if ours {
                    let stale = txn
                        .query_all_raw(Statement::from_string(
                            DbBackend::Postgres,
                            "SELECT s.relname::text AS name FROM pg_stat_user_tables s \
                             JOIN pg_class c ON c.oid = s.relid \
                             WHERE s.schemaname = current_schema() AND s.relname IN \
                             ('projects', 'project_environments', 'project_dependencies', \
                             'project_members', 'audit_events', 'organizations', \
                             'organization_members', 'users', 'api_tokens', 'idempotency_keys') \
                             AND ((s.last_analyze IS NULL AND s.last_autoanalyze IS NULL) \
                             OR s.n_mod_since_analyze > 50 + 0.1 * greatest(c.reltuples, 0)) \
                             ORDER BY s.relname",
                        ))
                        .await
                        .map_err(error::internal)?
                        .iter()
                        .filter_map(|row| row.try_get::<String>("", "name").ok())
                        .collect::<Vec<_>>();
                    if !stale.is_empty() {
                        // The names come from the fixed list above.
                        txn.execute_unprepared(&format!("ANALYZE {}", stale.join(", ")))
                            .await
                            .map_err(error::internal)?;
                        tracing::debug!(tables = ?stale, "planner statistics refreshed");
                    }
                }
                txn.commit().await.map_err(error::internal)
            }
            _ => self
                .db
                .execute_unprepared("PRAGMA optimize")
                .await
                .map(|_| ())
                .map_err(error::internal),
        }
    }

    /// Where statements go.
    fn conn(&self) -> DatabaseExecutor<'_> {
        DatabaseExecutor::Connection(&self.db)
    }

    /// Starts a write transaction. On SQLite the process's writers take
    /// turns (first come, first served) before `BEGIN IMMEDIATE`: SQLite has
    /// one write lock, and writers that meet it busy back off with sleeps
    /// that grow to 100 ms, which made the slowest creates wait most of a
    /// second. The busy timeout still covers other processes.
    async fn begin_write(&self) -> Result<WriteTxn, domain::Error> {
        // Counted while it waits, however the wait ends (a request that
        // times out drops this future).
        struct Waiting<'a>(
            &'a prometheus_client::metrics::gauge::Gauge<i64, std::sync::atomic::AtomicI64>,
        );
        impl Drop for Waiting<'_> {
            fn drop(&mut self) {
                self.0.dec();
            }
        }
        self.metrics.writes_waiting.inc();
        let _waiting = Waiting(&self.metrics.writes_waiting);
        self.begin_write_waiting().await
    }

    async fn begin_write_waiting(&self) -> Result<WriteTxn, domain::Error> {
        let turn = match self.db.get_database_backend() {
            DbBackend::Sqlite => {
                let wait =
                    tokio::time::timeout(self.lock_timeout, self.writers.clone().lock_owned());
                Some(wait.await.map_err(|_| domain::Error::ServiceUnavailable)?)
            }
            _ => None,
        };
        let txn = self
            .db
            .begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..Default::default()
            })
            .await
            .map_err(error::internal)?;
        Ok(WriteTxn { txn, _turn: turn })
    }
}

/// A write transaction, with the process's write turn on SQLite (released
/// when it commits or is dropped).
pub(crate) struct WriteTxn {
    txn: DatabaseTransaction,
    _turn: Option<OwnedMutexGuard<()>>,
}

impl WriteTxn {
    pub async fn commit(self) -> Result<(), DbErr> {
        self.txn.commit().await
    }
}

impl std::ops::Deref for WriteTxn {
    type Target = DatabaseTransaction;

    fn deref(&self) -> &DatabaseTransaction {
        &self.txn
    }
}

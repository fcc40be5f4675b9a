//! Storage: the connection pool, migrations, and every query the server
//! runs. Each mutation is one transaction here; the rules that must hold
//! across server processes are enforced by the database (unique indexes,
//! row locks, `BEGIN IMMEDIATE` on SQLite).
//!
//! Functions take and return domain values; entities stay inside this
//! module and `entity`.

mod catalog;
mod error;
mod idempotency;
mod identity;
mod projects;
mod reads;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use migration::{Migrator, MigratorTrait};
use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, Database, DatabaseConnection, DatabaseExecutor, DatabaseTransaction, DbErr,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

pub use error::is_unavailable;
pub use idempotency::{Claim, IdempotencyClaim};
pub use identity::{AdminMembership, CreatedUser};
pub use reads::Page;

use crate::domain;

/// A handle on the database; cheap to clone (the pool is shared).
///
/// A store is either the pool itself or *scoped* to one transaction (see
/// [`Store::scoped`]): then every statement, reads included, runs in that
/// transaction, and the transactions its methods open are savepoints.
#[derive(Clone, Debug)]
pub struct Store {
    db: DatabaseConnection,
    /// SQL statements run through this pool since it opened: the figure
    /// that proves a request's cost does not grow with its page size.
    statements: Arc<AtomicU64>,
    scope: Option<Arc<DatabaseTransaction>>,
    max_organizations_per_user: u32,
}

/// How to open the pool.
#[derive(Clone, Debug)]
pub struct StoreOptions {
    pub url: String,
    pub acquire_timeout: Duration,
    pub max_connections: u32,
    /// The most organizations one user may own besides the personal one.
    pub max_organizations_per_user: u32,
}

impl StoreOptions {
    pub fn new(url: impl Into<String>) -> Self {
        StoreOptions {
            url: url.into(),
            acquire_timeout: Duration::from_secs(5),
            max_connections: 16,
            max_organizations_per_user: 10,
        }
    }
}

impl Store {
    /// Opens the pool. SQLite gets WAL, a busy timeout and foreign keys on
    /// every connection; the file is created when missing.
    pub async fn connect(options: &StoreOptions) -> Result<Store, DbErr> {
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
            .sqlx_logging(false)
            .connect_lazy(true)
            .map_sqlx_sqlite_opts(|opts: SqliteConnectOptions| {
                opts.create_if_missing(true)
                    .journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(Duration::from_secs(10))
                    .foreign_keys(true)
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
            scope: None,
            max_organizations_per_user: options.max_organizations_per_user,
        })
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

    /// A store whose statements all run in one new write transaction, until
    /// [`Store::commit`]; dropping every clone of it rolls everything back.
    /// An idempotent request runs in one, so that what it creates and the
    /// response stored for its key commit together or not at all.
    pub async fn scoped(&self) -> Result<Store, domain::Error> {
        let txn = self.begin_write().await?;
        Ok(Store {
            db: self.db.clone(),
            statements: self.statements.clone(),
            scope: Some(Arc::new(txn)),
            max_organizations_per_user: self.max_organizations_per_user,
        })
    }

    /// Commits a scoped store's transaction. Every other clone must be gone
    /// by then; the last ones may still be dropping in the tasks that ran
    /// the request's batched loads, so this waits a little for them.
    pub async fn commit(self) -> Result<(), domain::Error> {
        let Some(mut txn) = self.scope else {
            return Ok(());
        };
        for _ in 0..1_000 {
            match Arc::try_unwrap(txn) {
                Ok(txn) => return txn.commit().await.map_err(error::internal),
                Err(shared) => {
                    txn = shared;
                    tokio::time::sleep(Duration::from_millis(1)).await;
                }
            }
        }
        tracing::error!("a scoped store outlived its request; its transaction rolls back");
        Err(domain::Error::Internal)
    }

    /// Where statements go: the scope's transaction, or the pool.
    fn conn(&self) -> DatabaseExecutor<'_> {
        match &self.scope {
            Some(txn) => DatabaseExecutor::Transaction(txn),
            None => DatabaseExecutor::Connection(&self.db),
        }
    }

    /// Starts a write transaction. On SQLite it is `BEGIN IMMEDIATE`, so the
    /// writer waits for the lock up front (honouring the busy timeout)
    /// instead of failing with SQLITE_BUSY when it first writes. In a scoped
    /// store it is a savepoint: the scope already holds the write lock.
    async fn begin_write(&self) -> Result<DatabaseTransaction, domain::Error> {
        match &self.scope {
            Some(txn) => txn.begin().await,
            None => {
                self.db
                    .begin_with_options(TransactionOptions {
                        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                        ..Default::default()
                    })
                    .await
            }
        }
        .map_err(error::internal)
    }
}

//! The SQLite reference for the benchmark harness: the inserts one
//! createProject makes (project, its slug, two environments, owner, audit event),
//! one transaction per create, written straight to the file over one
//! connection with the server's pragmas (WAL, synchronous NORMAL), by
//! `CONNECTIONS` tasks taking turns, for `SECONDS`. No HTTP, no GraphQL,
//! no checks: the most this write set can do on this machine.
//!
//! `sqlite_direct FILE CONNECTIONS SECONDS` (the file is a migrated
//! database with organizations, as the harness leaves it) prints one JSON
//! line: `{"rate", "errors", "p50", "p99"}` (creates/s, milliseconds).

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use sea_orm::sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbBackend, Statement,
    TransactionTrait, Value,
};
use uuid::Uuid;

const PAYLOAD: &str = r#"{"input": {"mode": "open", "name": "Service", "slug": "direct", "metadata": {"team": "platform", "tier": 1}, "settings": {"thumbnailUrl": null, "defaultLocale": "en-US", "defaultPlatform": "desktop", "supportedLocales": ["en-US", "de-DE"], "supportedPlatforms": ["desktop", "mobile"]}, "deployment": null, "description": "A service created by the load test.", "environments": ["development", "production"], "featureLimit": null, "dependencyIds": [], "defaultStickiness": "default", "changeRequestEnvironments": [{"name": "production", "requiredApprovals": 2}]}}"#;

fn statement(sql: &str, values: Vec<Value>) -> Statement {
    Statement::from_sql_and_values(DbBackend::Sqlite, sql, values)
}

async fn create(
    db: &DatabaseConnection,
    organization: Uuid,
    user: Uuid,
    n: u64,
) -> Result<(), sea_orm::DbErr> {
    let txn = db.begin().await?;
    let id = Uuid::now_v7();
    let now = chrono::Utc::now();
    let slug = format!("direct-{}-{n}", std::process::id());
    txn.execute_raw(statement(
        "INSERT INTO projects (id, organization_id, name, slug, description, status, stage, mode, default_stickiness, feature_limit, is_public, default_locale, supported_locales, default_platform, supported_platforms, thumbnail_url, deployment_region, deployment_runtime, metadata, created_by, created_at, updated_at) VALUES (?, ?, ?, ?, ?, 'active', 'development', 'open', 'default', NULL, false, 'en-US', '[\"en-US\", \"de-DE\"]', 'desktop', '[\"desktop\", \"mobile\"]', NULL, NULL, NULL, '{\"team\": \"platform\", \"tier\": 1}', ?, ?, ?)",
        vec![id.into(), organization.into(), format!("Service {slug}").into(), slug.clone().into(), "A service created by the load test.".into(), user.into(), now.into(), now.into()],
    ))
    .await?;
    txn.execute_raw(statement(
        "INSERT INTO project_slugs (organization_id, slug, project_id, created_at) VALUES (?, ?, ?, ?)",
        vec![organization.into(), slug.into(), id.into(), now.into()],
    ))
    .await?;
    txn.execute_raw(statement(
        "INSERT INTO project_environments (organization_id, project_id, environment, enabled, change_requests_enabled, required_approvals, position) VALUES (?, ?, 'development', true, false, NULL, 0), (?, ?, 'production', true, true, 2, 1)",
        vec![organization.into(), id.into(), organization.into(), id.into()],
    ))
    .await?;
    txn.execute_raw(statement(
        "INSERT INTO project_members (organization_id, project_id, user_id, role, created_at) VALUES (?, ?, ?, 'OWNER', ?)",
        vec![organization.into(), id.into(), user.into(), now.into()],
    ))
    .await?;
    txn.execute_raw(statement(
        "INSERT INTO audit_events (id, organization_id, actor_id, action, project_id, payload, created_at) VALUES (?, ?, ?, 'project.created', ?, ?, ?)",
        vec![Uuid::now_v7().into(), organization.into(), user.into(), id.into(), PAYLOAD.into(), now.into()],
    ))
    .await?;
    txn.commit().await
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().collect();
    let [_, path, connections, seconds] = args.as_slice() else {
        eprintln!("usage: sqlite_direct FILE CONNECTIONS SECONDS");
        std::process::exit(2);
    };
    let connections: usize = connections.parse().expect("CONNECTIONS is a number");
    let seconds: u64 = seconds.parse().expect("SECONDS is a number");
    let mut options = ConnectOptions::new(format!("sqlite://{path}"));
    options
        .max_connections(1)
        .sqlx_logging(false)
        .map_sqlx_sqlite_opts(|opts: SqliteConnectOptions| {
            opts.journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Normal)
                .foreign_keys(true)
        });
    let db = Database::connect(options).await.expect("open the file");
    let rows = db
        .query_all_raw(statement(
            "SELECT id, personal_owner_id FROM organizations WHERE personal_owner_id IS NOT NULL",
            vec![],
        ))
        .await
        .expect("read the organizations");
    let owners: Arc<Vec<(Uuid, Uuid)>> = Arc::new(
        rows.iter()
            .map(|row| {
                (
                    row.try_get::<Uuid>("", "id").expect("id"),
                    row.try_get::<Uuid>("", "personal_owner_id").expect("owner"),
                )
            })
            .collect(),
    );
    assert!(!owners.is_empty(), "the file has no organizations");
    let counter = Arc::new(AtomicU64::new(0));
    let errors = Arc::new(AtomicU64::new(0));
    let deadline = Instant::now() + Duration::from_secs(seconds);
    let started = Instant::now();
    let tasks: Vec<_> = (0..connections)
        .map(|_| {
            let (db, owners, counter, errors) =
                (db.clone(), owners.clone(), counter.clone(), errors.clone());
            tokio::spawn(async move {
                let mut latencies = Vec::new();
                while Instant::now() < deadline {
                    let n = counter.fetch_add(1, Ordering::Relaxed);
                    let (organization, user) = owners[n as usize % owners.len()];
                    let sent = Instant::now();
                    match create(&db, organization, user, n).await {
                        Ok(()) => latencies.push(sent.elapsed()),
                        Err(_) => {
                            errors.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
                latencies
            })
        })
        .collect();
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await.expect("a task"));
    }
    let elapsed = started.elapsed().as_secs_f64();
    latencies.sort();
    let at = |p: f64| {
        latencies
            .get(((latencies.len() as f64 * p) as usize).min(latencies.len().saturating_sub(1)))
            .map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    };
    println!(
        "{{\"rate\": {:.1}, \"errors\": {}, \"p50\": {:.2}, \"p99\": {:.2}}}",
        latencies.len() as f64 / elapsed,
        errors.load(Ordering::Relaxed),
        at(0.50),
        at(0.99)
    );
}

//! Starting and stopping the server: open the store, migrate, bind, serve
//! until a shutdown signal, then finish the requests in flight.

use std::future::Future;

use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::Notify;

use crate::config::Config;
use crate::store::Store;

pub type BoxError = Box<dyn std::error::Error + Send + Sync>;

/// Runs the server on `config.listen` until SIGTERM or Ctrl-C.
pub async fn run_until_signal(config: Config) -> Result<(), BoxError> {
    if let Some(limit) = crate::http::connections::raise_file_limit() {
        tracing::debug!(open_files = limit, "file limit raised");
    }
    let listener = TcpListener::bind(config.listen).await?;
    tracing::info!(address = %listener.local_addr()?, "listening");
    run(config, listener, shutdown_signal()).await
}

/// Runs the server on a bound listener until `shutdown` completes; the
/// requests in flight then finish before this returns.
pub async fn run(
    config: Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), BoxError> {
    let store = Store::connect(&config.store).await?;
    serve(store, &config, listener, shutdown).await
}

/// Migrates and serves over an open store; the caller may keep a clone of
/// it (tests read its statement count).
pub async fn serve(
    store: Store,
    config: &Config,
    listener: TcpListener,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), BoxError> {
    crate::webhooks::install_crypto_provider();
    store.migrate().await?;
    let purger = tokio::spawn(purge_idempotency_keys(store.clone()));
    let analyzer = tokio::spawn(refresh_statistics(store.clone()));
    let projects_purger = tokio::spawn(purge_deleted_projects(store.clone()));
    let events_purger = tokio::spawn(purge_expired_events(store.clone()));
    let state = crate::http::AppState::new(store.clone(), config);
    let hub = tokio::spawn(state.websockets.hub.clone().run(store.clone()));
    let webhooks = if config.webhooks.deliver {
        let worker = crate::webhooks::WebhookWorker::new(store.clone(), config.webhooks.clone())?;
        Some(tokio::spawn(worker.run(state.websockets.hub.clone())))
    } else {
        None
    };
    let forgetter = state.limiter.clone().map(|limiter| {
        tokio::spawn(async move {
            let mut every = tokio::time::interval(std::time::Duration::from_secs(60));
            loop {
                every.tick().await;
                limiter.forget_idle();
            }
        })
    });
    let metrics_server = match config.metrics_listen {
        Some(address) => {
            let listener = TcpListener::bind(address).await?;
            tracing::info!(address = %listener.local_addr()?, "serving /metrics");
            let router = crate::http::metrics_router(state.clone());
            Some(tokio::spawn(async move {
                if let Err(err) = axum::serve(listener, router).await {
                    tracing::error!(error = %err, "the metrics listener failed");
                }
            }))
        }
        None => None,
    };
    let router = crate::http::router(state);
    // Once the signal comes, requests in flight get the grace period to
    // finish; past it the server stops anyway, and their transactions roll
    // back with their connections.
    let signalled = Arc::new(Notify::new());
    let notify = signalled.clone();
    let serve = crate::http::connections::serve(listener, router, config.connections, async move {
        shutdown.await;
        notify.notify_one();
    });
    let grace = config.shutdown_grace;
    tokio::select! {
        () = serve => {}
        () = async {
            signalled.notified().await;
            tokio::time::sleep(grace).await;
        } => {
            tracing::warn!(grace_seconds = grace.as_secs(), "grace period over; stopping with requests in flight");
        }
    }
    purger.abort();
    analyzer.abort();
    if let Some(metrics_server) = metrics_server {
        metrics_server.abort();
    }
    projects_purger.abort();
    events_purger.abort();
    hub.abort();
    if let Some(webhooks) = webhooks {
        webhooks.abort();
    }
    if let Some(forgetter) = forgetter {
        forgetter.abort();
    }
    tracing::info!("stopped");
    store.close().await?;
    Ok(())
}

/// Completes on SIGTERM or Ctrl-C.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        if let Err(err) = tokio::signal::ctrl_c().await {
            tracing::error!(error = %err, "cannot listen for Ctrl-C");
            std::future::pending::<()>().await;
        }
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(err) => {
                tracing::error!(error = %err, "cannot listen for SIGTERM");
                std::future::pending::<()>().await;
            }
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
    tracing::info!("shutdown signal received; finishing requests in flight");
}

/// Keeps the planner's statistics current, so that plans do not depend on
/// autovacuum: a table never analysed looks empty or uniform to
/// PostgreSQL (a page's `project_id IN (…)` lookup was a sequential scan of
/// every environment row), and a table analysed while small keeps plans
/// made for a small table.
async fn refresh_statistics(store: Store) {
    let mut every = tokio::time::interval(store.statistics_period());
    loop {
        every.tick().await;
        if let Err(err) = store.refresh_statistics().await {
            tracing::warn!(error = %err, "cannot refresh planner statistics");
        }
    }
}

/// Deletes idempotency records past their 24 h retention, every ten
/// minutes. Any replica may do it; the deletes are idempotent.
/// Purges deleted projects once their grace period is over: every
/// minute, so that a project is gone within a minute of its `purgeAt`.
/// Every process runs it; they share the work without purging a project
/// twice (see `Store::purge_deleted_projects`).
async fn purge_deleted_projects(store: Store) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(60));
    loop {
        every.tick().await;
        match store.purge_deleted_projects().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(purged = n, "deleted projects purged"),
            Err(err) => tracing::warn!(error = %err, "cannot purge deleted projects"),
        }
    }
}

/// Deletes project events, and finished webhook deliveries, past
/// `EVENT_RETENTION`, every ten minutes. Any process may do it at any
/// time; the deletes are idempotent.
async fn purge_expired_events(store: Store) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(600));
    loop {
        every.tick().await;
        match store.purge_expired_events().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(purged = n, "expired project events deleted"),
            Err(err) => tracing::warn!(error = %err, "cannot purge project events"),
        }
        match store.purge_finished_deliveries().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(purged = n, "finished webhook deliveries deleted"),
            Err(err) => tracing::warn!(error = %err, "cannot purge webhook deliveries"),
        }
    }
}

async fn purge_idempotency_keys(store: Store) {
    let mut every = tokio::time::interval(std::time::Duration::from_secs(600));
    loop {
        every.tick().await;
        match store.purge_expired_idempotency_keys().await {
            Ok(0) => {}
            Ok(n) => tracing::info!(purged = n, "expired idempotency keys deleted"),
            Err(err) => tracing::warn!(error = %err, "cannot purge idempotency keys"),
        }
    }
}

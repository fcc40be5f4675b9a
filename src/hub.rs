//! Waking this process's subscribers when their organization has new
//! project events, whichever process wrote them.
//!
//! The outbox (`store::events`) is the source of truth: a wake-up only
//! tells a subscriber to read its organization's stream after its cursor,
//! so a lost or duplicated wake-up costs a read, never an event. On
//! PostgreSQL a trigger on `project_events` sends `NOTIFY project_events`
//! with the organization id when the writing transaction commits, and one
//! `LISTEN` connection per process turns those into wake-ups (when that
//! connection is lost and comes back, everyone is woken, as notifications
//! may have been missed). On SQLite, where every writer shares the file,
//! one task per process looks for new rows every [`SQLITE_POLL`].
//!
//! `NOTIFY` is not free: PostgreSQL serialises the commits of notifying
//! transactions. So the trigger notifies only for organizations someone
//! listens to: those with an enabled webhook, and those a process has
//! registered in `event_watchers` because a subscription there is open
//! ([`EventHub::watch`], kept alive by a heartbeat every
//! [`WATCH_HEARTBEAT`]).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use sea_orm::DbBackend;
use tokio::sync::broadcast;
use uuid::Uuid;

use crate::domain;
use crate::store::Store;

/// How often a process renews its `event_watchers` rows.
pub const WATCH_HEARTBEAT: Duration = Duration::from_secs(20);
/// How long a row lives without renewal: three heartbeats.
const WATCH_TTL: Duration = Duration::from_secs(60);

/// How often a process looks for new events on SQLite.
pub const SQLITE_POLL: Duration = Duration::from_millis(100);

/// Wake-ups queued per subscriber before it lags (and then reads anyway).
const BACKLOG: usize = 1024;

/// What a wake-up says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Wake {
    /// This organization has new events.
    Organization(Uuid),
    /// Any organization may have: notifications may have been lost.
    Everyone,
}

/// The process's wake-ups, shared by its subscriptions.
#[derive(Debug, Clone)]
pub struct EventHub {
    sender: broadcast::Sender<Wake>,
    watchers: Arc<Watchers>,
}

/// The organizations this process's subscriptions watch, with how many
/// watch each.
#[derive(Debug)]
struct Watchers {
    process: Uuid,
    counts: Mutex<HashMap<Uuid, usize>>,
}

impl Watchers {
    fn change(&self, organization_id: Uuid, up: bool) {
        let mut counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        let count = counts.entry(organization_id).or_default();
        if up {
            *count += 1;
        } else {
            *count = count.saturating_sub(1);
            if *count == 0 {
                counts.remove(&organization_id);
            }
        }
    }

    fn watched(&self) -> Vec<Uuid> {
        let counts = self.counts.lock().unwrap_or_else(|e| e.into_inner());
        counts.keys().copied().collect()
    }
}

/// A subscription's watch of its organization; ends when dropped.
#[derive(Debug)]
pub struct Watch {
    watchers: Arc<Watchers>,
    organization_id: Uuid,
}

impl Drop for Watch {
    fn drop(&mut self) {
        self.watchers.change(self.organization_id, false);
    }
}

impl Default for EventHub {
    fn default() -> Self {
        EventHub {
            sender: broadcast::channel(BACKLOG).0,
            watchers: Arc::new(Watchers {
                process: Uuid::new_v4(),
                counts: Mutex::default(),
            }),
        }
    }
}

impl EventHub {
    /// Watches the organization's events for a subscription: on
    /// PostgreSQL its commits notify from the time this returns (the
    /// registration has committed), until the watch is dropped and the
    /// next heartbeat forgets it.
    pub async fn watch(
        &self,
        store: &Store,
        organization_id: Uuid,
    ) -> Result<Watch, domain::Error> {
        // Counted first, so that a heartbeat running meanwhile renews it.
        self.watchers.change(organization_id, true);
        let watch = Watch {
            watchers: self.watchers.clone(),
            organization_id,
        };
        if store.backend() == DbBackend::Postgres {
            store
                .watch_events(
                    self.watchers.process,
                    &[organization_id],
                    chrono::Utc::now() + WATCH_TTL,
                )
                .await?;
        }
        Ok(watch)
    }

    /// Wake-ups from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<Wake> {
        self.sender.subscribe()
    }

    pub fn wake(&self, wake: Wake) {
        // No receiver is no subscriber: nothing to wake.
        let _ = self.sender.send(wake);
    }

    /// Runs until the process ends: turns the database's news into
    /// wake-ups (see the module documentation).
    pub async fn run(self, store: Store) {
        match store.backend() {
            DbBackend::Postgres => {
                tokio::join!(self.clone().listen(store.clone()), self.heartbeat(store));
            }
            _ => self.poll(store).await,
        }
    }

    /// Renews this process's `event_watchers` rows, and forgets the ones
    /// no subscription needs any more (and those of dead processes).
    async fn heartbeat(self, store: Store) {
        let mut every = tokio::time::interval(WATCH_HEARTBEAT);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            let expires_at = chrono::Utc::now() + WATCH_TTL;
            let watched = self.watchers.watched();
            let renewed = if watched.is_empty() {
                Ok(())
            } else {
                store
                    .watch_events(self.watchers.process, &watched, expires_at)
                    .await
            };
            let res = match renewed {
                Ok(()) => {
                    store
                        .forget_stale_watchers(self.watchers.process, expires_at)
                        .await
                }
                Err(err) => Err(err),
            };
            if let Err(err) = res {
                tracing::warn!(error = %err, "cannot renew the event watchers");
            }
        }
    }

    async fn listen(self, store: Store) {
        loop {
            match store.event_listener().await {
                Ok(mut listener) => {
                    // Whatever was sent while no one listened.
                    self.wake(Wake::Everyone);
                    loop {
                        match listener.try_recv().await {
                            Ok(Some(notification)) => {
                                match Uuid::parse_str(notification.payload()) {
                                    Ok(id) => self.wake(Wake::Organization(id)),
                                    Err(_) => self.wake(Wake::Everyone),
                                }
                            }
                            // The connection was lost; the listener
                            // reconnects on the next call.
                            Ok(None) => self.wake(Wake::Everyone),
                            Err(err) => {
                                tracing::warn!(error = %err, "the event listener failed");
                                break;
                            }
                        }
                    }
                }
                Err(err) => {
                    tracing::warn!(error = %err, "cannot listen for project events");
                }
            }
            tokio::time::sleep(Duration::from_secs(1)).await;
        }
    }

    async fn poll(self, store: Store) {
        let mut seen: Option<i64> = None;
        let mut every = tokio::time::interval(SQLITE_POLL);
        every.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            every.tick().await;
            if self.sender.receiver_count() == 0 && seen.is_some() {
                continue;
            }
            match store.events_written_since(seen).await {
                Ok((last, organizations)) => {
                    for id in organizations {
                        self.wake(Wake::Organization(id));
                    }
                    seen = Some(last);
                }
                Err(err) => tracing::warn!(error = %err, "cannot look for project events"),
            }
        }
    }
}

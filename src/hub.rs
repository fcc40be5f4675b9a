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

use std::time::Duration;

use sea_orm::DbBackend;
use tokio::sync::broadcast;
use uuid::Uuid;

use crate::store::Store;

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
}

impl Default for EventHub {
    fn default() -> Self {
        EventHub {
            sender: broadcast::channel(BACKLOG).0,
        }
    }
}

impl EventHub {
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
            DbBackend::Postgres => self.listen(store).await,
            _ => self.poll(store).await,
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

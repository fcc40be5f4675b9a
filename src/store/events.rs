//! The project event outbox: one `project_events` row per change to a
//! project or its members, written by the change's own transaction, so an
//! event exists exactly when its change committed.
//!
//! Each event is numbered in its organization's stream by an upsert of the
//! organization's `event_sequences` row, the last write of the transaction.
//! That row stays locked until the transaction ends, so the next number is
//! handed out only after this one committed (or rolled back and is handed
//! out again): numbers follow commit order, and whoever has read event N
//! of an organization has read every event before it that will ever exist.

use chrono::{DateTime, Utc};
use sea_orm::sqlx;
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Statement, Value as DbValue,
};
use serde_json::Value;
use uuid::Uuid;

use super::error::internal;
use super::reads::fetch_page;
use super::{Page, Store};
use crate::domain::{self, ProjectEvent};
use crate::entity::project_event;

/// The channel PostgreSQL notifies when an event commits.
pub const NOTIFY_CHANNEL: &str = "project_events";

/// Events deleted per statement by the retention purge.
const PURGE_BATCH: u64 = 1000;

/// The name a chained event insert gives the counter's CTE; replaced by
/// that CTE's real name when the statements are chained into one.
pub(super) const PREVIOUS_CTE: &str = "__previous__";

/// An event to write with a change.
#[derive(Debug, Clone)]
pub(super) struct NewEvent<'a> {
    pub organization_id: Uuid,
    /// The change, as its audit action names it (`project.created`); the
    /// event's type is it with its version (`project.created.v1`).
    pub action: &'a str,
    pub project_id: Option<Uuid>,
    pub actor_id: Option<Uuid>,
    pub occurred_at: DateTime<Utc>,
    pub payload: &'a Value,
}

/// The version of every event type this server writes.
const VERSION: &str = "v1";

/// Whether an audit action is also a project event.
pub(super) fn is_project_event(action: &str) -> bool {
    action.starts_with("project.")
}

impl NewEvent<'_> {
    fn values(&self) -> Vec<DbValue> {
        vec![
            Uuid::now_v7().into(),
            self.organization_id.into(),
            format!("{}.{VERSION}", self.action).into(),
            self.project_id.into(),
            self.actor_id.into(),
            self.occurred_at.into(),
            self.payload.clone().into(),
        ]
    }
}

const COUNTER: &str = "INSERT INTO event_sequences (organization_id, last_sequence) VALUES ($1, 1) \
     ON CONFLICT (organization_id) DO UPDATE SET last_sequence = event_sequences.last_sequence + 1";

const COLUMNS: &str = "INSERT INTO project_events (id, organization_id, sequence, type, project_id, actor_id, \
     occurred_at, payload) SELECT $1, $2, last_sequence, $3, $4, $5, $6, $7";

/// The two statements that write `event` inside a transaction: the
/// counter's upsert, then the event numbered from it.
pub(super) fn event_statements(backend: DbBackend, event: &NewEvent<'_>) -> [Statement; 2] {
    let counter = Statement::from_sql_and_values(
        backend,
        for_backend(backend, COUNTER),
        [event.organization_id.into()],
    );
    let insert = Statement::from_sql_and_values(
        backend,
        for_backend(
            backend,
            &format!("{COLUMNS} FROM event_sequences WHERE organization_id = $8"),
        ),
        event
            .values()
            .into_iter()
            .chain([event.organization_id.into()]),
    );
    [counter, insert]
}

/// PostgreSQL: the same two statements for chaining into one statement
/// of CTEs, where the insert cannot see the upsert's row by reading the
/// table (one snapshot) and reads what the upsert returns instead.
pub(super) fn chained_event_statements(event: &NewEvent<'_>) -> [Statement; 2] {
    let counter = Statement::from_sql_and_values(
        DbBackend::Postgres,
        format!("{COUNTER} RETURNING last_sequence"),
        [event.organization_id.into()],
    );
    let insert = Statement::from_sql_and_values(
        DbBackend::Postgres,
        format!("{COLUMNS} FROM {PREVIOUS_CTE}"),
        event.values(),
    );
    [counter, insert]
}

/// `$n` placeholders as the backend writes them (SQLite: `?n`).
pub(super) fn for_backend(backend: DbBackend, sql: &str) -> String {
    match backend {
        DbBackend::Postgres => sql.to_owned(),
        _ => sql.replace('$', "?"),
    }
}

/// Writes `event` in the transaction `conn`.
pub(super) async fn record_event(
    conn: &impl ConnectionTrait,
    event: &NewEvent<'_>,
) -> Result<(), domain::Error> {
    for statement in event_statements(conn.get_database_backend(), event) {
        conn.execute_raw(statement).await.map_err(internal)?;
    }
    Ok(())
}

fn event_from(row: project_event::Model) -> ProjectEvent {
    ProjectEvent {
        id: row.id,
        organization_id: row.organization_id,
        sequence: row.sequence,
        event_type: row.event_type,
        project_id: row.project_id,
        actor_id: row.actor_id,
        occurred_at: row.occurred_at,
        payload: row.payload,
    }
}

impl Store {
    pub fn backend(&self) -> DbBackend {
        self.db.get_database_backend()
    }

    /// PostgreSQL: a connection of its own that listens on the
    /// `project_events` channel (the migrations' trigger notifies it with
    /// the organization id when an event commits).
    pub async fn event_listener(&self) -> Result<sqlx::postgres::PgListener, sqlx::Error> {
        let mut listener =
            sqlx::postgres::PgListener::connect_with(self.db.get_postgres_connection_pool())
                .await?;
        listener.listen(NOTIFY_CHANNEL).await?;
        Ok(listener)
    }

    /// PostgreSQL: records that process `process` watches these
    /// organizations' events until `expires_at`, so that their commits
    /// notify (see the `event_watchers` migration).
    pub async fn watch_events(
        &self,
        process: Uuid,
        organization_ids: &[Uuid],
        expires_at: DateTime<Utc>,
    ) -> Result<(), domain::Error> {
        for chunk in organization_ids.chunks(500) {
            let rows: Vec<String> = (0..chunk.len())
                .map(|i| format!("(${}, $1, $2)", i + 3))
                .collect();
            let sql = format!(
                "INSERT INTO event_watchers (organization_id, process_id, expires_at) VALUES {} \
                 ON CONFLICT (organization_id, process_id) DO UPDATE SET expires_at = EXCLUDED.expires_at",
                rows.join(", ")
            );
            let values = [process.into(), expires_at.into()]
                .into_iter()
                .chain(chunk.iter().map(|id| DbValue::from(*id)));
            self.db
                .execute_raw(Statement::from_sql_and_values(
                    DbBackend::Postgres,
                    sql,
                    values,
                ))
                .await
                .map_err(internal)?;
        }
        Ok(())
    }

    /// PostgreSQL: forgets what `process` watched before its last
    /// heartbeat (`refreshed`), and every watcher past its time (a process
    /// that died).
    pub async fn forget_stale_watchers(
        &self,
        process: Uuid,
        refreshed: DateTime<Utc>,
    ) -> Result<(), domain::Error> {
        self.db
            .execute_raw(Statement::from_sql_and_values(
                DbBackend::Postgres,
                "DELETE FROM event_watchers WHERE (process_id = $1 AND expires_at < $2) \
                 OR expires_at < now()",
                [process.into(), refreshed.into()],
            ))
            .await
            .map_err(internal)?;
        Ok(())
    }

    /// SQLite: where `project_events` ends (its largest rowid) and the
    /// organizations of the rows written after `seen`, at most a thousand
    /// rows on. Writers take turns, so rowids grow in commit order. With
    /// no `seen`, only where it ends.
    pub async fn events_written_since(
        &self,
        seen: Option<i64>,
    ) -> Result<(i64, Vec<Uuid>), domain::Error> {
        let backend = self.backend();
        let Some(seen) = seen else {
            let row = self
                .db
                .query_one_raw(Statement::from_string(
                    backend,
                    "SELECT COALESCE(MAX(rowid), 0) AS last FROM project_events",
                ))
                .await
                .map_err(internal)?;
            let last = row
                .map(|row| row.try_get::<i64>("", "last"))
                .transpose()
                .map_err(internal)?;
            return Ok((last.unwrap_or(0), Vec::new()));
        };
        let rows = self
            .db
            .query_all_raw(Statement::from_sql_and_values(
                backend,
                "SELECT rowid AS position, organization_id FROM project_events \
                 WHERE rowid > ? ORDER BY rowid LIMIT 1000",
                [seen.into()],
            ))
            .await
            .map_err(internal)?;
        let mut last = seen;
        let mut organizations = Vec::new();
        for row in rows {
            last = row.try_get::<i64>("", "position").map_err(internal)?;
            let id: Uuid = row.try_get("", "organization_id").map_err(internal)?;
            if !organizations.contains(&id) {
                organizations.push(id);
            }
        }
        Ok((last, organizations))
    }

    /// A page of the organization's events after number `after`, oldest
    /// first.
    pub async fn project_events_page(
        &self,
        organization_id: Uuid,
        after: i64,
        first: u64,
    ) -> Result<Page<ProjectEvent>, domain::Error> {
        let query = project_event::Entity::find()
            .filter(project_event::Column::OrganizationId.eq(organization_id))
            .filter(project_event::Column::Sequence.gt(after))
            .order_by_asc(project_event::Column::Sequence);
        let page = fetch_page(&self.conn(), query, project_event::Column::Id, first).await?;
        Ok(Page {
            items: page.items.into_iter().map(event_from).collect(),
            has_next_page: page.has_next_page,
        })
    }

    /// The number of the organization's latest event (0 before the first).
    pub async fn last_event_sequence(&self, organization_id: Uuid) -> Result<i64, domain::Error> {
        let last: Option<i64> = project_event::Entity::find()
            .select_only()
            .column_as(project_event::Column::Sequence.max(), "last")
            .filter(project_event::Column::OrganizationId.eq(organization_id))
            .into_tuple::<Option<i64>>()
            .one(&self.conn())
            .await
            .map_err(internal)?
            .flatten();
        Ok(last.unwrap_or(0))
    }

    /// Deletes the events older than the retention period, in batches;
    /// returns how many. Any process may run it at any time: a row two
    /// processes both pick is deleted once, and nothing else is touched.
    pub async fn purge_expired_events(&self) -> Result<u64, domain::Error> {
        let due = project_event::Entity::find()
            .filter(project_event::Column::OccurredAt.lt(Utc::now() - self.event_retention))
            .order_by_asc(project_event::Column::OccurredAt);
        self.purge_in_batches(due, project_event::Column::Id, Condition::all())
            .await
    }

    /// Deletes the rows `due` selects, [`PURGE_BATCH`] per write
    /// transaction, until none is left; a row deleted meanwhile by another
    /// process is simply not counted, and `still_due` is checked again as
    /// each batch is deleted. Returns how many this call deleted.
    pub(super) async fn purge_in_batches<E>(
        &self,
        due: sea_orm::Select<E>,
        id: E::Column,
        still_due: Condition,
    ) -> Result<u64, domain::Error>
    where
        E: EntityTrait,
    {
        let mut purged = 0;
        loop {
            let batch: Vec<Uuid> = due
                .clone()
                .select_only()
                .column(id)
                .limit(PURGE_BATCH)
                .into_tuple()
                .all(&self.conn())
                .await
                .map_err(internal)?;
            if batch.is_empty() {
                return Ok(purged);
            }
            let size = batch.len() as u64;
            let txn = self.begin_write().await?;
            purged += E::delete_many()
                .filter(id.is_in(batch))
                .filter(still_due.clone())
                .exec(&*txn)
                .await
                .map_err(internal)?
                .rows_affected;
            txn.commit().await.map_err(internal)?;
            if size < PURGE_BATCH {
                return Ok(purged);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_statements_number_their_placeholders_like_postgres() {
        let payload = serde_json::json!({});
        let event = NewEvent {
            organization_id: Uuid::nil(),
            action: "project.created",
            project_id: None,
            actor_id: None,
            occurred_at: Utc::now(),
            payload: &payload,
        };
        let [counter, insert] = event_statements(DbBackend::Sqlite, &event);
        assert!(counter.sql.contains("VALUES (?1, 1)"), "{}", counter.sql);
        assert!(
            insert.sql.ends_with("WHERE organization_id = ?8"),
            "{}",
            insert.sql
        );
        assert_eq!(insert.values.unwrap().0.len(), 8);
        let [_, chained] = chained_event_statements(&event);
        assert!(chained.sql.ends_with(&format!("FROM {PREVIOUS_CTE}")));
        assert_eq!(
            chained.values.unwrap().0[2],
            DbValue::from("project.created.v1")
        );
    }
}

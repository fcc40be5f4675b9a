//! Turning database errors into domain errors without leaking them.
//!
//! The driver's text (SQL, constraint names, values) goes to the log,
//! which carries the request id of the span; the client only learns that
//! something failed (`INTERNAL_SERVER_ERROR`) or that the database cannot
//! be reached (`SERVICE_UNAVAILABLE`).

use sea_orm::{DbErr, RuntimeErr, SqlErr};

use crate::domain;

/// Maps an unexpected database error.
pub fn internal(err: DbErr) -> domain::Error {
    if is_unavailable(&err) {
        tracing::warn!(error = %err, "database unavailable");
        return domain::Error::ServiceUnavailable;
    }
    tracing::error!(error = %err, "database error");
    domain::Error::Internal
}

/// The pool could not hand out a working connection, or the statement gave
/// up waiting for a lock (SQLite's busy timeout, a PostgreSQL lock or
/// statement timeout, a deadlock victim): a retry may succeed, and the
/// client is told so rather than shown an internal error.
pub fn is_unavailable(err: &DbErr) -> bool {
    if let DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) = err
        && let sea_orm::sqlx::Error::Database(db) = &**e
    {
        let code = db.code().unwrap_or_default();
        // SQLite: SQLITE_BUSY (5) and its extended codes, SQLITE_LOCKED (6).
        // PostgreSQL: lock_not_available, serialization_failure,
        // deadlock_detected, query_canceled (statement timeout).
        return matches!(
            code.as_ref(),
            "5" | "6" | "261" | "517" | "773" | "55P03" | "40001" | "40P01" | "57014"
        );
    }
    match err {
        DbErr::ConnectionAcquire(_) | DbErr::Conn(_) => true,
        DbErr::Exec(RuntimeErr::SqlxError(e)) | DbErr::Query(RuntimeErr::SqlxError(e)) => {
            use sea_orm::sqlx::Error;
            matches!(
                **e,
                Error::Io(_) | Error::PoolTimedOut | Error::PoolClosed | Error::Tls(_)
            )
        }
        _ => false,
    }
}

/// Whether `err` violates the unique index `index` on `columns`. PostgreSQL
/// names the index in its message, SQLite the table and columns, so both
/// are checked.
pub fn violates_unique(err: &DbErr, index: &str, table: &str, columns: &[&str]) -> bool {
    let Some(SqlErr::UniqueConstraintViolation(message)) = err.sql_err() else {
        return false;
    };
    if message.contains(index) {
        return true;
    }
    let sqlite = columns
        .iter()
        .map(|column| format!("{table}.{column}"))
        .collect::<Vec<_>>()
        .join(", ");
    message.contains(&sqlite)
}

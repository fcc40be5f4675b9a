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

/// The pool could not hand out a working connection: the database is down
/// or unreachable, and a retry may succeed.
pub fn is_unavailable(err: &DbErr) -> bool {
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

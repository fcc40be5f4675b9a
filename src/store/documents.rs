//! Persisted GraphQL documents, by SHA-256 hash, in the database so that
//! every server process knows what any of them registered.
//!
//! Apollo's automatic persisted queries register documents as clients send
//! them; the table is kept under a cap by evicting the least recently used
//! of those (a client whose document was evicted gets
//! `PERSISTED_QUERY_NOT_FOUND` and sends it again: eviction costs one round
//! trip, never an error). A read refreshes `used_at` at most once per
//! [`TOUCH_EVERY`], so reading a document is not a write. Trusted documents,
//! loaded by an operator, are never evicted.

use std::time::Duration;

use chrono::Utc;
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect,
};

use super::Store;
use super::error::internal;
use crate::domain;
use crate::entity::persisted_document;

/// How stale `used_at` may grow before a read refreshes it.
const TOUCH_EVERY: Duration = Duration::from_secs(60 * 60);

/// A persisted document, as a request uses it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersistedDocument {
    pub document: String,
    pub trusted: bool,
}

impl Store {
    /// The document registered under `hash`, if any.
    pub async fn persisted_document(
        &self,
        hash: &str,
    ) -> Result<Option<PersistedDocument>, domain::Error> {
        let Some(row) = persisted_document::Entity::find_by_id(hash.to_owned())
            .one(&self.conn())
            .await
            .map_err(internal)?
        else {
            return Ok(None);
        };
        let stale = Utc::now() - row.used_at > chrono::Duration::from_std(TOUCH_EVERY).unwrap();
        if stale && !row.trusted {
            // Best effort: a lost touch only makes eviction less exact.
            let touched = self.touch_document(&row.hash).await;
            if let Err(err) = touched {
                tracing::warn!(error = %err, "could not refresh a persisted document's use");
            }
        }
        Ok(Some(PersistedDocument {
            document: row.document,
            trusted: row.trusted,
        }))
    }

    async fn touch_document(&self, hash: &str) -> Result<(), domain::Error> {
        let txn = self.begin_write().await?;
        persisted_document::Entity::update_many()
            .col_expr(
                persisted_document::Column::UsedAt,
                sea_orm::sea_query::Expr::value(Utc::now()),
            )
            .filter(persisted_document::Column::Hash.eq(hash))
            .exec(&*txn)
            .await
            .map_err(internal)?;
        txn.commit().await.map_err(internal)
    }

    /// Registers `document` under `hash` (the caller checked that it is its
    /// hash) unless it is there already; then evicts the least recently
    /// used registered documents past `cap`.
    pub async fn register_document(
        &self,
        hash: &str,
        document: &str,
        cap: u64,
    ) -> Result<(), domain::Error> {
        let now = Utc::now();
        let txn = self.begin_write().await?;
        let inserted = persisted_document::Entity::insert(persisted_document::ActiveModel {
            hash: Set(hash.to_owned()),
            document: Set(document.to_owned()),
            trusted: Set(false),
            created_at: Set(now),
            used_at: Set(now),
        })
        .on_conflict(
            OnConflict::column(persisted_document::Column::Hash)
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(&*txn)
        .await
        .map_err(internal)?;
        if inserted > 0 {
            let registered = persisted_document::Entity::find()
                .filter(persisted_document::Column::Trusted.eq(false))
                .count(&*txn)
                .await
                .map_err(internal)?;
            if registered > cap {
                let oldest: Vec<String> = persisted_document::Entity::find()
                    .select_only()
                    .column(persisted_document::Column::Hash)
                    .filter(persisted_document::Column::Trusted.eq(false))
                    .order_by_asc(persisted_document::Column::UsedAt)
                    .limit(registered - cap)
                    .into_tuple()
                    .all(&*txn)
                    .await
                    .map_err(internal)?;
                persisted_document::Entity::delete_many()
                    .filter(persisted_document::Column::Hash.is_in(oldest))
                    .exec(&*txn)
                    .await
                    .map_err(internal)?;
            }
        }
        txn.commit().await.map_err(internal)
    }

    /// Loads trusted documents (hash, document), all in one transaction; a
    /// document registered before becomes trusted. Returns how many it
    /// loaded.
    pub async fn trust_documents(
        &self,
        documents: &[(String, String)],
    ) -> Result<u64, domain::Error> {
        let now = Utc::now();
        let txn = self.begin_write().await?;
        let mut changed = 0;
        for chunk in documents.chunks(500) {
            let rows = chunk
                .iter()
                .map(|(hash, document)| persisted_document::ActiveModel {
                    hash: Set(hash.clone()),
                    document: Set(document.clone()),
                    trusted: Set(true),
                    created_at: Set(now),
                    used_at: Set(now),
                });
            changed += persisted_document::Entity::insert_many(rows)
                .on_conflict(
                    OnConflict::column(persisted_document::Column::Hash)
                        .update_column(persisted_document::Column::Trusted)
                        .to_owned(),
                )
                .exec_without_returning(&*txn)
                .await
                .map_err(internal)?;
        }
        txn.commit().await.map_err(internal)?;
        Ok(changed)
    }
}

//! Idempotency keys, held in the database so that they hold across server
//! processes.
//!
//! A request with a key first *claims* it, in a short transaction of its
//! own: one row per user and key, the primary key deciding between racing
//! claims, and a lease (`locked_until`) longer than any request may run.
//! The request then runs on a store bound to the claim
//! ([`Store::claimed`]): the transaction that creates a project or an
//! organization also records its id on the key (`resource_id`), so
//! "created" and "this key created it" commit together. The response is
//! resolved after that commit, holding no lock, and stored in a short
//! transaction of its own.
//!
//! A retry therefore finds the stored response (replay), a live claim (in
//! use), a claim whose holder died before creating anything (taken over
//! and run afresh), or a resource without a stored response (its holder
//! died after creating, or the response was too large to keep): then it
//! answers about that resource and creates nothing.
//!
//! Responses of requests that created nothing are not kept: a retry of a
//! refused request is harmless. Each claim carries a fresh `claim_id`;
//! every write to a held key filters on it, so a request can never write
//! over a claim that another request has taken over.

use std::time::Duration;

use chrono::Utc;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, DatabaseTransaction, EntityTrait, PaginatorTrait,
    QueryFilter, QuerySelect, sea_query::Expr,
};
use uuid::Uuid;

use super::Store;
use super::error::{internal, violates_unique};
use crate::domain;
use crate::entity::idempotency_key;

/// How long a stored response is kept.
pub const RETENTION: Duration = Duration::from_secs(24 * 60 * 60);
/// The largest response kept for a replay; a larger one is resolved again
/// for each retry, from the resource the key recorded.
pub const MAX_STORED_RESPONSE_BYTES: usize = 64 * 1024;
/// The most live keys one user may hold (each one created something).
pub const MAX_KEYS_PER_USER: u64 = 1_000;
/// Expired keys deleted per statement, so the purge never holds SQLite's
/// write lock for long.
const PURGE_BATCH: u64 = 500;

/// A key this request holds while it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyClaim {
    pub user_id: Uuid,
    pub key: String,
    /// This request's hold on the key, new with every claim.
    pub claim_id: Uuid,
}

/// What a claim found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The key is this request's: run it.
    New(IdempotencyClaim),
    /// The key's request created `resource_id` but its response is not
    /// stored: answer about that resource, creating nothing.
    Resume {
        claim: IdempotencyClaim,
        resource_id: Uuid,
    },
    /// The first request's response, to send again.
    Replay { status: u16, body: String },
    /// The first request is still running.
    InUse,
    /// The key was used with a different body.
    Reused,
    /// The user holds [`MAX_KEYS_PER_USER`] live keys already.
    TooMany,
}

impl Store {
    /// Claims `key` for `user_id` and a request whose body hashes to
    /// `request_hash`, holding it for `lease`.
    pub async fn claim_idempotency_key(
        &self,
        user_id: Uuid,
        key: &str,
        request_hash: &str,
        lease: Duration,
    ) -> Result<Claim, domain::Error> {
        let txn = self.begin_write().await?;
        let now = Utc::now();
        let claim = IdempotencyClaim {
            user_id,
            key: key.to_owned(),
            claim_id: Uuid::new_v4(),
        };
        let row = idempotency_key::Entity::find_by_id((user_id, key.to_owned()))
            .lock_exclusive()
            .one(&*txn)
            .await
            .map_err(internal)?;
        let found = match row {
            None => {
                let live = idempotency_key::Entity::find()
                    .filter(idempotency_key::Column::UserId.eq(user_id))
                    .filter(idempotency_key::Column::ExpiresAt.gt(now))
                    .count(&*txn)
                    .await
                    .map_err(internal)?;
                if live >= MAX_KEYS_PER_USER {
                    return Ok(Claim::TooMany);
                }
                let insert = idempotency_key::Entity::insert(idempotency_key::ActiveModel {
                    user_id: Set(user_id),
                    idempotency_key: Set(key.to_owned()),
                    request_hash: Set(request_hash.to_owned()),
                    response_status: Set(None),
                    response_body: Set(None),
                    created_at: Set(now),
                    expires_at: Set(now + RETENTION),
                    claim_id: Set(Some(claim.claim_id)),
                    locked_until: Set(Some(now + lease)),
                    resource_id: Set(None),
                })
                .exec_without_returning(&*txn)
                .await;
                match insert {
                    Ok(_) => Claim::New(claim),
                    // Another process claimed it between our read and write.
                    Err(err)
                        if violates_unique(
                            &err,
                            "idempotency_keys_pkey",
                            "idempotency_keys",
                            &["user_id", "idempotency_key"],
                        ) =>
                    {
                        return Ok(Claim::InUse);
                    }
                    Err(err) => return Err(internal(err)),
                }
            }
            Some(row) => {
                let expired = row.expires_at <= now;
                let held = row.locked_until.is_some_and(|until| until > now);
                let same_body = row.request_hash == request_hash;
                match (row.response_status, row.response_body, row.resource_id) {
                    // Expired, or its holder died having created nothing:
                    // start over.
                    _ if expired => {
                        take_over(&txn, &claim, request_hash, now, lease, true).await?;
                        Claim::New(claim)
                    }
                    (None, _, None) if !held => {
                        take_over(&txn, &claim, request_hash, now, lease, true).await?;
                        Claim::New(claim)
                    }
                    _ if !same_body => Claim::Reused,
                    (Some(status), Some(body), _) => Claim::Replay {
                        status: status as u16,
                        body,
                    },
                    _ if held => Claim::InUse,
                    (_, _, Some(resource_id)) => {
                        take_over(&txn, &claim, request_hash, now, lease, false).await?;
                        Claim::Resume { claim, resource_id }
                    }
                    (_, _, None) => Claim::InUse,
                }
            }
        };
        txn.commit().await.map_err(internal)?;
        Ok(found)
    }

    /// Stores the response of the request that holds the key, after what
    /// it created has committed; fails when the claim is no longer this
    /// request's.
    pub async fn complete_idempotency_key(
        &self,
        claim: &IdempotencyClaim,
        status: u16,
        body: &str,
    ) -> Result<(), domain::Error> {
        let res = idempotency_key::Entity::update_many()
            .col_expr(
                idempotency_key::Column::ResponseStatus,
                Expr::value(Some(i32::from(status))),
            )
            .col_expr(
                idempotency_key::Column::ResponseBody,
                Expr::value(Some(body.to_owned())),
            )
            .col_expr(
                idempotency_key::Column::LockedUntil,
                Expr::value(Option::<chrono::DateTime<Utc>>::None),
            )
            .filter(still_held(claim))
            .exec(&self.conn())
            .await
            .map_err(internal)?;
        if res.rows_affected != 1 {
            tracing::error!(key = %claim.key, "an idempotency claim was lost before its request completed");
            return Err(domain::Error::Internal);
        }
        Ok(())
    }

    /// Lets the key go without a stored response but with its resource: a
    /// retry answers about that resource again (for responses too large to
    /// keep).
    pub async fn unlock_idempotency_key(
        &self,
        claim: &IdempotencyClaim,
    ) -> Result<(), domain::Error> {
        idempotency_key::Entity::update_many()
            .col_expr(
                idempotency_key::Column::LockedUntil,
                Expr::value(Option::<chrono::DateTime<Utc>>::None),
            )
            .filter(still_held(claim))
            .exec(&self.conn())
            .await
            .map_err(internal)?;
        Ok(())
    }

    /// Gives the key up when its request created nothing (it was refused,
    /// or failed in a way worth retrying): the retry runs afresh. A key
    /// that recorded a resource is never deleted here, so this is safe even
    /// when it is not known whether the request's transaction committed.
    pub async fn release_idempotency_key(
        &self,
        claim: &IdempotencyClaim,
    ) -> Result<(), domain::Error> {
        idempotency_key::Entity::delete_many()
            .filter(still_held(claim))
            .filter(idempotency_key::Column::ResourceId.is_null())
            .exec(&self.conn())
            .await
            .map_err(internal)?;
        Ok(())
    }

    /// Deletes records past their retention, a batch per statement; returns
    /// how many.
    pub async fn purge_expired_idempotency_keys(&self) -> Result<u64, domain::Error> {
        let mut purged = 0;
        loop {
            let batch: Vec<(Uuid, String)> = idempotency_key::Entity::find()
                .select_only()
                .column(idempotency_key::Column::UserId)
                .column(idempotency_key::Column::IdempotencyKey)
                .filter(idempotency_key::Column::ExpiresAt.lt(Utc::now()))
                .limit(PURGE_BATCH)
                .into_tuple()
                .all(&self.conn())
                .await
                .map_err(internal)?;
            if batch.is_empty() {
                return Ok(purged);
            }
            let n = batch.len() as u64;
            let rows = batch
                .into_iter()
                .fold(Condition::any(), |rows, (user_id, key)| {
                    rows.add(
                        Condition::all()
                            .add(idempotency_key::Column::UserId.eq(user_id))
                            .add(idempotency_key::Column::IdempotencyKey.eq(key)),
                    )
                });
            let res = idempotency_key::Entity::delete_many()
                .filter(rows)
                .filter(idempotency_key::Column::ExpiresAt.lt(Utc::now()))
                .exec(&self.conn())
                .await
                .map_err(internal)?;
            purged += res.rows_affected;
            if n < PURGE_BATCH {
                return Ok(purged);
            }
            // Let other writers in between batches.
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    }
}

/// Records, inside the transaction that created it, what the request
/// holding `claim` created. Fails (and so rolls the creation back) when
/// the claim is no longer this request's.
pub(super) async fn record_resource(
    txn: &DatabaseTransaction,
    claim: &IdempotencyClaim,
    resource_id: Uuid,
) -> Result<(), domain::Error> {
    let res = idempotency_key::Entity::update_many()
        .col_expr(
            idempotency_key::Column::ResourceId,
            Expr::value(Some(resource_id)),
        )
        .filter(still_held(claim))
        .filter(idempotency_key::Column::ResourceId.is_null())
        .exec(txn)
        .await
        .map_err(internal)?;
    if res.rows_affected != 1 {
        tracing::error!(key = %claim.key, "an idempotency claim was lost before its request created anything");
        return Err(domain::Error::Internal);
    }
    Ok(())
}

/// Gives the key's row to `claim`; `afresh` also forgets the previous
/// request's body, response and resource.
async fn take_over(
    txn: &DatabaseTransaction,
    claim: &IdempotencyClaim,
    request_hash: &str,
    now: chrono::DateTime<Utc>,
    lease: Duration,
    afresh: bool,
) -> Result<(), domain::Error> {
    let mut update = idempotency_key::Entity::update_many()
        .col_expr(
            idempotency_key::Column::ClaimId,
            Expr::value(Some(claim.claim_id)),
        )
        .col_expr(
            idempotency_key::Column::LockedUntil,
            Expr::value(Some(now + lease)),
        );
    if afresh {
        update = update
            .col_expr(
                idempotency_key::Column::RequestHash,
                Expr::value(request_hash),
            )
            .col_expr(
                idempotency_key::Column::ResponseStatus,
                Expr::value(Option::<i32>::None),
            )
            .col_expr(
                idempotency_key::Column::ResponseBody,
                Expr::value(Option::<String>::None),
            )
            .col_expr(
                idempotency_key::Column::ResourceId,
                Expr::value(Option::<Uuid>::None),
            )
            .col_expr(idempotency_key::Column::CreatedAt, Expr::value(now))
            .col_expr(
                idempotency_key::Column::ExpiresAt,
                Expr::value(now + RETENTION),
            );
    }
    update
        .filter(idempotency_key::Column::UserId.eq(claim.user_id))
        .filter(idempotency_key::Column::IdempotencyKey.eq(claim.key.as_str()))
        .exec(txn)
        .await
        .map_err(internal)?;
    Ok(())
}

/// The key's row while `claim` still holds it: claimed by this request and
/// not yet answered.
fn still_held(claim: &IdempotencyClaim) -> Condition {
    Condition::all()
        .add(idempotency_key::Column::UserId.eq(claim.user_id))
        .add(idempotency_key::Column::IdempotencyKey.eq(claim.key.as_str()))
        .add(idempotency_key::Column::ClaimId.eq(claim.claim_id))
        .add(idempotency_key::Column::ResponseStatus.is_null())
}

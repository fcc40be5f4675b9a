//! Idempotency keys, held in the database so that they hold across server
//! processes.
//!
//! A request with a key first *claims* it, in a short transaction of its
//! own: one row per user and key, the primary key deciding between racing
//! claims, and a lease (`locked_until`) longer than any request may run.
//! The request then runs in one scoped transaction ([`Store::scoped`]) that
//! writes what it creates *and* its stored response: both commit, or
//! neither does. A retry therefore finds the stored response (replay), a
//! live claim (in use), or a claim whose holder died, which created
//! nothing and is taken over once its lease has passed.
//!
//! Each claim carries a fresh `claim_id`; completing and releasing a key
//! filter on it, so a request can never store its response over a claim
//! that another request has taken over.

use std::time::Duration;

use chrono::Utc;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, EntityTrait, QueryFilter, QuerySelect,
    sea_query::Expr,
};
use uuid::Uuid;

use super::Store;
use super::error::{internal, violates_unique};
use crate::domain;
use crate::entity::idempotency_key;

/// How long a stored response is kept.
pub const RETENTION: Duration = Duration::from_secs(24 * 60 * 60);

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
    /// The first request's response, to send again.
    Replay { status: u16, body: String },
    /// The first request is still running.
    InUse,
    /// The key was used with a different body.
    Reused,
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
            .one(&txn)
            .await
            .map_err(internal)?;
        let found = match row {
            None => {
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
                })
                .exec_without_returning(&txn)
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
            Some(row)
                if row.expires_at <= now
                    || (row.response_status.is_none()
                        && row.locked_until.is_none_or(|until| until <= now)) =>
            {
                // Expired, or its holder died (and so created nothing):
                // start over.
                idempotency_key::Entity::update_many()
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
                    .col_expr(idempotency_key::Column::CreatedAt, Expr::value(now))
                    .col_expr(
                        idempotency_key::Column::ExpiresAt,
                        Expr::value(now + RETENTION),
                    )
                    .col_expr(
                        idempotency_key::Column::ClaimId,
                        Expr::value(Some(claim.claim_id)),
                    )
                    .col_expr(
                        idempotency_key::Column::LockedUntil,
                        Expr::value(Some(now + lease)),
                    )
                    .filter(idempotency_key::Column::UserId.eq(user_id))
                    .filter(idempotency_key::Column::IdempotencyKey.eq(key))
                    .exec(&txn)
                    .await
                    .map_err(internal)?;
                Claim::New(claim)
            }
            Some(row) if row.request_hash != request_hash => Claim::Reused,
            Some(row) => match (row.response_status, row.response_body) {
                (Some(status), Some(body)) => Claim::Replay {
                    status: status as u16,
                    body,
                },
                _ => Claim::InUse,
            },
        };
        txn.commit().await.map_err(internal)?;
        Ok(found)
    }

    /// Stores the response of the request that holds the key. Called on the
    /// request's scoped store, so that the response commits with whatever
    /// the request wrote; fails when the claim is no longer this request's.
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

    /// Gives the key up after a failure worth retrying (the database was
    /// unreachable, an internal error): the retry runs afresh. A key whose
    /// response was stored is kept, so this is safe even when it is not
    /// known whether the request's transaction committed.
    pub async fn release_idempotency_key(
        &self,
        claim: &IdempotencyClaim,
    ) -> Result<(), domain::Error> {
        idempotency_key::Entity::delete_many()
            .filter(still_held(claim))
            .exec(&self.conn())
            .await
            .map_err(internal)?;
        Ok(())
    }

    /// Deletes records past their retention; returns how many.
    pub async fn purge_expired_idempotency_keys(&self) -> Result<u64, domain::Error> {
        let res = idempotency_key::Entity::delete_many()
            .filter(idempotency_key::Column::ExpiresAt.lt(Utc::now()))
            .exec(&self.conn())
            .await
            .map_err(internal)?;
        Ok(res.rows_affected)
    }
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

//! Idempotency keys, held in the database so that they hold across server
//! processes.
//!
//! A request with a key first *claims* it (one row per user and key, the
//! primary key deciding between racing claims). The mutation then records
//! what it created on that row inside its own transaction, and the response
//! is stored once it is built. A retry finds either the stored response, or
//! a created resource to answer about again, or a live claim (in use), or a
//! claim whose holder died before creating anything (taken over).

use std::time::Duration;

use chrono::Utc;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect,
    sea_query::Expr,
};
use uuid::Uuid;

use super::Store;
use super::error::{internal, violates_unique};
use crate::domain;
use crate::entity::idempotency_key;

/// How long a stored response is kept.
pub const RETENTION: Duration = Duration::from_secs(24 * 60 * 60);

/// The key a request holds while it runs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IdempotencyClaim {
    pub user_id: Uuid,
    pub key: String,
}

/// What a claim found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Claim {
    /// The key is this request's: run it.
    New,
    /// The first request's response, to send again.
    Replay { status: u16, body: String },
    /// The first request created `resource_id` but its response was not
    /// stored: answer about that resource again, creating nothing.
    Resume { resource_id: Uuid },
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
        claim: &IdempotencyClaim,
        request_hash: &str,
        lease: Duration,
    ) -> Result<Claim, domain::Error> {
        let txn = self.begin_write().await?;
        let now = Utc::now();
        let locked_until = now + lease;
        let row = idempotency_key::Entity::find_by_id((claim.user_id, claim.key.clone()))
            .lock_exclusive()
            .one(&txn)
            .await
            .map_err(internal)?;
        let found = match row {
            None => {
                let insert = idempotency_key::Entity::insert(idempotency_key::ActiveModel {
                    user_id: Set(claim.user_id),
                    idempotency_key: Set(claim.key.clone()),
                    request_hash: Set(request_hash.to_owned()),
                    response_status: Set(None),
                    response_body: Set(None),
                    created_at: Set(now),
                    expires_at: Set(now + RETENTION),
                    resource_id: Set(None),
                    locked_until: Set(Some(locked_until)),
                })
                .exec_without_returning(&txn)
                .await;
                match insert {
                    Ok(_) => Claim::New,
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
                    || (row.request_hash == request_hash
                        && row.response_status.is_none()
                        && row.resource_id.is_none()
                        && row.locked_until.is_none_or(|until| until <= now)) =>
            {
                // Expired, or abandoned before it created anything: start over.
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
                    .col_expr(
                        idempotency_key::Column::ResourceId,
                        Expr::value(Option::<Uuid>::None),
                    )
                    .col_expr(idempotency_key::Column::CreatedAt, Expr::value(now))
                    .col_expr(
                        idempotency_key::Column::ExpiresAt,
                        Expr::value(now + RETENTION),
                    )
                    .col_expr(
                        idempotency_key::Column::LockedUntil,
                        Expr::value(Some(locked_until)),
                    )
                    .filter(idempotency_key::Column::UserId.eq(claim.user_id))
                    .filter(idempotency_key::Column::IdempotencyKey.eq(claim.key.as_str()))
                    .exec(&txn)
                    .await
                    .map_err(internal)?;
                Claim::New
            }
            Some(row) if row.request_hash != request_hash => Claim::Reused,
            Some(row) => match (row.response_status, row.response_body, row.resource_id) {
                (Some(status), Some(body), _) => Claim::Replay {
                    status: status as u16,
                    body,
                },
                (_, _, Some(resource_id)) => Claim::Resume { resource_id },
                _ => Claim::InUse,
            },
        };
        txn.commit().await.map_err(internal)?;
        Ok(found)
    }

    /// Stores the response of the request that holds the key.
    pub async fn complete_idempotency_key(
        &self,
        claim: &IdempotencyClaim,
        status: u16,
        body: &str,
    ) -> Result<(), domain::Error> {
        idempotency_key::Entity::update_many()
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
            .filter(idempotency_key::Column::UserId.eq(claim.user_id))
            .filter(idempotency_key::Column::IdempotencyKey.eq(claim.key.as_str()))
            .exec(&self.db)
            .await
            .map_err(internal)?;
        Ok(())
    }

    /// Gives the key up after a failure worth retrying (the database was
    /// unreachable, an internal error): the retry runs afresh. A key whose
    /// request created something is kept.
    pub async fn release_idempotency_key(
        &self,
        claim: &IdempotencyClaim,
    ) -> Result<(), domain::Error> {
        idempotency_key::Entity::delete_many()
            .filter(idempotency_key::Column::UserId.eq(claim.user_id))
            .filter(idempotency_key::Column::IdempotencyKey.eq(claim.key.as_str()))
            .filter(idempotency_key::Column::ResourceId.is_null())
            .exec(&self.db)
            .await
            .map_err(internal)?;
        Ok(())
    }

    /// Deletes records past their retention; returns how many.
    pub async fn purge_expired_idempotency_keys(&self) -> Result<u64, domain::Error> {
        let res = idempotency_key::Entity::delete_many()
            .filter(idempotency_key::Column::ExpiresAt.lt(Utc::now()))
            .exec(&self.db)
            .await
            .map_err(internal)?;
        Ok(res.rows_affected)
    }
}

/// Records, inside the creating transaction, what the claimed request
/// created: the resource and this row commit or roll back together.
pub(super) async fn record_resource<C: ConnectionTrait>(
    db: &C,
    claim: Option<&IdempotencyClaim>,
    resource_id: Uuid,
) -> Result<(), domain::Error> {
    let Some(claim) = claim else {
        return Ok(());
    };
    idempotency_key::Entity::update_many()
        .col_expr(
            idempotency_key::Column::ResourceId,
            Expr::value(Some(resource_id)),
        )
        .filter(idempotency_key::Column::UserId.eq(claim.user_id))
        .filter(idempotency_key::Column::IdempotencyKey.eq(claim.key.as_str()))
        .exec(db)
        .await
        .map_err(internal)?;
    Ok(())
}

//! Webhooks: their management, the fan-out of project events into
//! deliveries, and the deliveries' claims and outcomes.
//!
//! The outbox stays the source of truth. A webhook remembers how far into
//! its organization's stream it has been fanned out (`last_sequence`);
//! whichever process gets to a webhook first (`FOR UPDATE SKIP LOCKED` on
//! PostgreSQL, the write lock on SQLite) writes one delivery per new event
//! it asked for and moves the mark, in one transaction, so an event is
//! fanned out once. A worker claims a due delivery by pushing its
//! `next_attempt_at` past a lease and counting the attempt, in one
//! statement that skips rows another worker holds; if the worker dies, the
//! lease runs out and another one takes the delivery. An outcome is
//! recorded only for the attempt that claimed it, so a late answer cannot
//! overwrite a newer attempt's.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{LockBehavior, LockType, OnConflict};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DbBackend, DbErr,
    EntityTrait, IntoActiveModel, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Statement,
};
use serde_json::{Value, json};
use uuid::Uuid;

use super::error::internal;
use super::events::for_backend;
use super::lifecycle::audit;
use super::reads::fetch_page;
use super::{Page, Store};
use crate::domain::{
    self, DeliveryStatus, Principal, Role, Webhook, WebhookDelivery, WebhookInput,
};
use crate::entity::{project_event, webhook, webhook_delivery};

/// Webhooks fanned out per pass, and events per webhook per transaction.
const FAN_OUT_WEBHOOKS: u64 = 100;
const FAN_OUT_EVENTS: u64 = 500;

/// How long a failed webhook's deliveries are retried, and how retries
/// are spaced.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// The wait after the first failure; it doubles after each one.
    pub base: Duration,
    /// The longest wait between two attempts.
    pub max_wait: Duration,
    /// How long after its creation (or redelivery) a delivery is retried.
    pub period: Duration,
    /// An endpoint that has failed every attempt for this long is disabled.
    pub disable_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            base: Duration::from_secs(5),
            max_wait: Duration::from_secs(60 * 60),
            period: Duration::from_secs(24 * 60 * 60),
            disable_after: Duration::from_secs(5 * 24 * 60 * 60),
        }
    }
}

impl RetryPolicy {
    /// The wait after failed attempt number `attempt` (from 1): `base`
    /// doubled per earlier failure, capped at `max_wait`, of which a random
    /// quarter is taken off so that deliveries failed together spread out.
    pub fn wait(&self, attempt: i32, random: f64) -> Duration {
        let doublings = attempt.clamp(1, 31) as u32 - 1;
        let full = self
            .base
            .saturating_mul(1u32 << doublings.min(20))
            .min(self.max_wait);
        full.mul_f64(1.0 - 0.25 * random.clamp(0.0, 1.0))
    }
}

/// A delivery a worker has claimed: what to send where, and which
/// attempt this is.
#[derive(Debug, Clone)]
pub struct ClaimedDelivery {
    pub id: Uuid,
    pub webhook_id: Uuid,
    pub attempt: i32,
    pub body: String,
    pub url: String,
    pub secret: String,
}

/// How an attempt went.
#[derive(Debug, Clone, PartialEq)]
pub struct AttemptOutcome {
    /// The endpoint's status code, if it answered.
    pub response_code: Option<u16>,
    /// Why the attempt failed, when it did not get a 2xx answer.
    pub error: Option<String>,
}

impl AttemptOutcome {
    pub fn succeeded(&self) -> bool {
        self.error.is_none()
            && self
                .response_code
                .is_some_and(|code| (200..300).contains(&code))
    }
}

fn webhook_from(row: webhook::Model) -> Webhook {
    let events = match row.events {
        Value::Array(items) => items
            .into_iter()
            .filter_map(|item| item.as_str().map(str::to_owned))
            .collect(),
        _ => Vec::new(),
    };
    Webhook {
        id: row.id,
        organization_id: row.organization_id,
        url: row.url,
        description: row.description,
        events,
        enabled: row.enabled,
        disabled_reason: row.disabled_reason,
        failing_since: row.failing_since,
        created_at: row.created_at,
        updated_at: row.updated_at,
    }
}

fn delivery_from(row: webhook_delivery::Model) -> WebhookDelivery {
    let status = DeliveryStatus::parse(&row.status).unwrap_or(DeliveryStatus::Failed);
    WebhookDelivery {
        id: row.id,
        webhook_id: row.webhook_id,
        event_id: row.event_id,
        event_type: row.event_type,
        status,
        attempts: row.attempts,
        last_response_code: row.last_response_code,
        last_error: row.last_error,
        next_attempt_at: (status == DeliveryStatus::Pending).then_some(row.next_attempt_at),
        created_at: row.created_at,
        delivered_at: row.delivered_at,
    }
}

/// A new signing secret: `whsec_` and 32 random bytes in base64, the form
/// Standard Webhooks libraries take.
fn new_secret() -> String {
    use base64::Engine;
    let bytes: [u8; 32] = rand::random();
    format!(
        "whsec_{}",
        base64::engine::general_purpose::STANDARD.encode(bytes)
    )
}

/// The body a delivery of `event` sends: Standard Webhooks' `type`,
/// `timestamp` and `data`.
fn delivery_body(event: &project_event::Model) -> String {
    json!({
        "type": event.event_type,
        "timestamp": event.occurred_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        "data": {
            "id": event.id,
            "organizationId": event.organization_id,
            "sequence": event.sequence,
            "projectId": event.project_id,
            "actorId": event.actor_id,
            "payload": event.payload,
        },
    })
    .to_string()
}

fn manages(role: Option<Role>) -> Result<(), domain::Error> {
    match role {
        Some(Role::Owner | Role::Admin) => Ok(()),
        Some(_) => Err(domain::Error::Forbidden),
        None => Err(domain::Error::OrganizationNotFound),
    }
}

fn events_json(events: &[String]) -> Value {
    Value::Array(events.iter().cloned().map(Value::String).collect())
}

impl Store {
    /// Creates a webhook of the organization (OWNER or ADMIN) for the
    /// events from now on; returns it with its signing secret, which is
    /// never shown again.
    pub async fn create_webhook(
        &self,
        principal: Principal,
        organization_id: Uuid,
        input: WebhookInput,
    ) -> Result<(Webhook, String), domain::Error> {
        let (txn, organization, role) = self.hold_organization(principal, organization_id).await?;
        manages(role)?;
        let count = webhook::Entity::find()
            .filter(webhook::Column::OrganizationId.eq(organization.id))
            .count(&*txn)
            .await
            .map_err(internal)?;
        if count >= domain::MAX_WEBHOOKS {
            return Err(domain::Error::MaxWebhooksReached {
                max: domain::MAX_WEBHOOKS,
            });
        }
        let last_sequence = last_event_sequence_in(&*txn, organization.id).await?;
        let now = Utc::now();
        let secret = new_secret();
        let events = input.events.unwrap_or_default();
        let row = webhook::ActiveModel {
            id: Set(Uuid::now_v7()),
            organization_id: Set(organization.id),
            url: Set(input.url.unwrap_or_default()),
            description: Set(input.description.unwrap_or_default()),
            events: Set(events_json(&events)),
            secret: Set(secret.clone()),
            enabled: Set(input.enabled.unwrap_or(true)),
            disabled_reason: Set(None),
            failing_since: Set(None),
            last_sequence: Set(last_sequence),
            created_by: Set(principal.user_id),
            created_at: Set(now),
            updated_at: Set(now),
        }
        .insert(&*txn)
        .await
        .map_err(internal)?;
        audit(
            &*txn,
            organization.id,
            principal.user_id,
            "webhook.created",
            None,
            json!({ "webhookId": row.id, "url": row.url, "events": row.events }),
        )
        .await?;
        txn.commit().await.map_err(internal)?;
        Ok((webhook_from(row), secret))
    }

    /// Changes a webhook (OWNER or ADMIN): the fields given. Enabling a
    /// disabled one clears why it was disabled; it then receives the
    /// events it missed that are still kept.
    pub async fn update_webhook(
        &self,
        principal: Principal,
        id: Uuid,
        input: WebhookInput,
    ) -> Result<Webhook, domain::Error> {
        let (txn, row) = self.hold_webhook(principal, id).await?;
        let before = webhook_from(row.clone());
        let mut changed = Vec::new();
        let mut active = row.into_active_model();
        if let Some(url) = input.url.filter(|url| *url != before.url) {
            active.url = Set(url);
            changed.push("url");
        }
        if let Some(events) = input.events.filter(|events| *events != before.events) {
            active.events = Set(events_json(&events));
            changed.push("events");
        }
        if let Some(description) = input
            .description
            .filter(|description| *description != before.description)
        {
            active.description = Set(description);
            changed.push("description");
        }
        if let Some(enabled) = input.enabled.filter(|enabled| *enabled != before.enabled) {
            active.enabled = Set(enabled);
            if enabled {
                active.disabled_reason = Set(None);
                active.failing_since = Set(None);
            } else {
                active.disabled_reason = Set(Some("Disabled by a member.".to_owned()));
            }
            changed.push("enabled");
        }
        if changed.is_empty() {
            txn.commit().await.map_err(internal)?;
            return Ok(before);
        }
        active.updated_at = Set(Utc::now().max(before.updated_at));
        let row = active.update(&*txn).await.map_err(internal)?;
        audit(
            &*txn,
            row.organization_id,
            principal.user_id,
            "webhook.updated",
            None,
            json!({ "webhookId": row.id, "changed": changed }),
        )
        .await?;
        txn.commit().await.map_err(internal)?;
        Ok(webhook_from(row))
    }

    /// Deletes a webhook and its deliveries (OWNER or ADMIN).
    pub async fn delete_webhook(
        &self,
        principal: Principal,
        id: Uuid,
    ) -> Result<Webhook, domain::Error> {
        let (txn, row) = self.hold_webhook(principal, id).await?;
        webhook::Entity::delete_by_id(row.id)
            .exec(&*txn)
            .await
            .map_err(internal)?;
        audit(
            &*txn,
            row.organization_id,
            principal.user_id,
            "webhook.deleted",
            None,
            json!({ "webhookId": row.id, "url": row.url }),
        )
        .await?;
        txn.commit().await.map_err(internal)?;
        Ok(webhook_from(row))
    }

    /// Sends a delivery again, whatever its status (OWNER or ADMIN): it is
    /// pending again, due now, and retried for another retry period. Its
    /// id, and so its `webhook-id`, stays the same.
    pub async fn redeliver_webhook_delivery(
        &self,
        principal: Principal,
        id: Uuid,
        period: Duration,
    ) -> Result<WebhookDelivery, domain::Error> {
        let delivery = webhook_delivery::Entity::find_by_id(id)
            .one(&self.conn())
            .await
            .map_err(internal)?
            .ok_or(domain::Error::DeliveryNotFound)?;
        let (txn, webhook) = self
            .hold_webhook(principal, delivery.webhook_id)
            .await
            .map_err(|err| match err {
                domain::Error::WebhookNotFound => domain::Error::DeliveryNotFound,
                other => other,
            })?;
        let now = Utc::now();
        let row = webhook_delivery::Entity::find_by_id(id)
            .one(&*txn)
            .await
            .map_err(internal)?
            .ok_or(domain::Error::DeliveryNotFound)?;
        let mut active = row.into_active_model();
        active.status = Set(DeliveryStatus::Pending.as_str().to_owned());
        active.next_attempt_at = Set(now);
        active.retry_until = Set(now + period);
        active.delivered_at = Set(None);
        let row = active.update(&*txn).await.map_err(internal)?;
        audit(
            &*txn,
            webhook.organization_id,
            principal.user_id,
            "webhook.redelivered",
            None,
            json!({ "webhookId": webhook.id, "deliveryId": row.id, "eventId": row.event_id }),
        )
        .await?;
        txn.commit().await.map_err(internal)?;
        Ok(delivery_from(row))
    }

    /// A write transaction holding the webhook's organization, for a
    /// caller who manages its webhooks. Someone outside the organization
    /// learns nothing: `WEBHOOK_NOT_FOUND`.
    async fn hold_webhook(
        &self,
        principal: Principal,
        id: Uuid,
    ) -> Result<(super::WriteTxn, webhook::Model), domain::Error> {
        let organization_id = webhook::Entity::find_by_id(id)
            .select_only()
            .column(webhook::Column::OrganizationId)
            .into_tuple::<Uuid>()
            .one(&self.conn())
            .await
            .map_err(internal)?
            .ok_or(domain::Error::WebhookNotFound)?;
        let (txn, _, role) = self
            .hold_organization(principal, organization_id)
            .await
            .map_err(|err| match err {
                domain::Error::OrganizationNotFound => domain::Error::WebhookNotFound,
                other => other,
            })?;
        manages(role)?;
        // Read again under the lock: it may have gone meanwhile.
        let row = webhook::Entity::find_by_id(id)
            .one(&*txn)
            .await
            .map_err(internal)?
            .ok_or(domain::Error::WebhookNotFound)?;
        Ok((txn, row))
    }

    /// The organization's webhooks, oldest first (at most
    /// [`domain::MAX_WEBHOOKS`]).
    pub async fn webhooks_of(&self, organization_id: Uuid) -> Result<Vec<Webhook>, domain::Error> {
        let rows = webhook::Entity::find()
            .filter(webhook::Column::OrganizationId.eq(organization_id))
            .order_by_asc(webhook::Column::Id)
            .limit(domain::MAX_WEBHOOKS)
            .all(&self.conn())
            .await
            .map_err(internal)?;
        Ok(rows.into_iter().map(webhook_from).collect())
    }

    /// A page of a webhook's deliveries, newest first, after the delivery
    /// `after`.
    pub async fn webhook_deliveries_page(
        &self,
        webhook_id: Uuid,
        after: Option<Uuid>,
        first: u64,
    ) -> Result<Page<WebhookDelivery>, domain::Error> {
        let mut query = webhook_delivery::Entity::find()
            .filter(webhook_delivery::Column::WebhookId.eq(webhook_id))
            .order_by_desc(webhook_delivery::Column::Id);
        if let Some(after) = after {
            query = query.filter(webhook_delivery::Column::Id.lt(after));
        }
        let page = fetch_page(&self.conn(), query, webhook_delivery::Column::Id, first).await?;
        Ok(Page {
            items: page.items.into_iter().map(delivery_from).collect(),
            has_next_page: page.has_next_page,
        })
    }

    /// Fans new events out into deliveries, for up to a hundred webhooks
    /// that are behind their organization's stream; returns the deliveries
    /// written, each retried for `period`. Safe to run in every process at
    /// once.
    pub async fn fan_out_webhook_events(&self, period: Duration) -> Result<usize, domain::Error> {
        let behind: Vec<Uuid> = self
            .db
            .query_all_raw(Statement::from_sql_and_values(
                self.backend(),
                for_backend(
                    self.backend(),
                    "SELECT w.id FROM webhooks w JOIN event_sequences s \
                     ON s.organization_id = w.organization_id \
                     WHERE w.enabled AND w.last_sequence < s.last_sequence LIMIT $1",
                ),
                [(FAN_OUT_WEBHOOKS as i64).into()],
            ))
            .await
            .map_err(internal)?
            .iter()
            .map(|row| row.try_get::<Uuid>("", "id"))
            .collect::<Result<_, _>>()
            .map_err(internal)?;
        let mut written = 0;
        for id in behind {
            written += self.fan_out_webhook(id, period).await?;
        }
        Ok(written)
    }

    /// One webhook's share of the fan-out: the events after its mark, in
    /// one transaction that holds the webhook (another process skips it).
    async fn fan_out_webhook(&self, id: Uuid, period: Duration) -> Result<usize, domain::Error> {
        let txn = self.begin_write().await?;
        let mut query = webhook::Entity::find_by_id(id).filter(webhook::Column::Enabled.eq(true));
        if self.backend() == DbBackend::Postgres {
            query = query.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
        }
        let Some(row) = query.one(&*txn).await.map_err(internal)? else {
            return Ok(0);
        };
        // The counter first: every event numbered up to it has committed.
        let last = last_event_sequence_in(&*txn, row.organization_id).await?;
        let events = project_event::Entity::find()
            .filter(project_event::Column::OrganizationId.eq(row.organization_id))
            .filter(project_event::Column::Sequence.gt(row.last_sequence))
            .filter(project_event::Column::Sequence.lte(last))
            .order_by_asc(project_event::Column::Sequence)
            .limit(FAN_OUT_EVENTS)
            .all(&*txn)
            .await
            .map_err(internal)?;
        let reached = match events.last() {
            Some(event) if events.len() as u64 == FAN_OUT_EVENTS => event.sequence,
            _ => last,
        };
        let wanted = webhook_from(row.clone()).events;
        let now = Utc::now();
        let retry_until = now + period;
        let deliveries: Vec<_> = events
            .iter()
            .filter(|event| wanted.contains(&event.event_type))
            .map(|event| webhook_delivery::ActiveModel {
                id: Set(Uuid::now_v7()),
                webhook_id: Set(row.id),
                organization_id: Set(row.organization_id),
                event_id: Set(event.id),
                event_type: Set(event.event_type.clone()),
                body: Set(delivery_body(event)),
                status: Set(DeliveryStatus::Pending.as_str().to_owned()),
                attempts: Set(0),
                last_response_code: Set(None),
                last_error: Set(None),
                next_attempt_at: Set(now),
                retry_until: Set(retry_until),
                created_at: Set(now),
                delivered_at: Set(None),
            })
            .collect();
        let written = deliveries.len();
        if !deliveries.is_empty() {
            let res = webhook_delivery::Entity::insert_many(deliveries)
                .on_conflict(
                    OnConflict::columns([
                        webhook_delivery::Column::WebhookId,
                        webhook_delivery::Column::EventId,
                    ])
                    .do_nothing()
                    .to_owned(),
                )
                .exec_without_returning(&*txn)
                .await;
            match res {
                Ok(_) | Err(DbErr::RecordNotInserted) => {}
                Err(err) => return Err(internal(err)),
            }
        }
        webhook::Entity::update_many()
            .col_expr(
                webhook::Column::LastSequence,
                sea_orm::sea_query::Expr::value(reached.max(row.last_sequence)),
            )
            .filter(webhook::Column::Id.eq(row.id))
            .exec(&*txn)
            .await
            .map_err(internal)?;
        txn.commit().await.map_err(internal)?;
        Ok(written)
    }

    /// Deletes the deliveries that succeeded or failed longer ago than the
    /// event retention, in batches; returns how many. Pending ones stay
    /// whatever their age.
    pub async fn purge_finished_deliveries(&self) -> Result<u64, domain::Error> {
        let finished = Condition::all()
            .add(webhook_delivery::Column::Status.ne(DeliveryStatus::Pending.as_str()));
        let due = webhook_delivery::Entity::find()
            .filter(finished.clone())
            .filter(webhook_delivery::Column::CreatedAt.lt(Utc::now() - self.event_retention));
        self.purge_in_batches(due, webhook_delivery::Column::Id, finished)
            .await
    }

    /// Claims up to `limit` due deliveries of enabled webhooks for
    /// `lease`: each one's attempt is counted and its next attempt moved
    /// past the lease, so no other worker takes it meanwhile.
    pub async fn claim_webhook_deliveries(
        &self,
        lease: Duration,
        limit: u32,
    ) -> Result<Vec<ClaimedDelivery>, domain::Error> {
        let now = Utc::now();
        // A read first: an idle worker takes no write lock.
        let due = webhook_delivery::Entity::find()
            .select_only()
            .column(webhook_delivery::Column::Id)
            .filter(webhook_delivery::Column::Status.eq(DeliveryStatus::Pending.as_str()))
            .filter(webhook_delivery::Column::NextAttemptAt.lte(now))
            .into_tuple::<Uuid>()
            .one(&self.conn())
            .await
            .map_err(internal)?;
        if due.is_none() {
            return Ok(Vec::new());
        }
        let lease_end = now + lease;
        let backend = self.backend();
        let skip_locked = if backend == DbBackend::Postgres {
            " FOR UPDATE SKIP LOCKED"
        } else {
            ""
        };
        let sql = format!(
            "UPDATE webhook_deliveries SET next_attempt_at = $1, attempts = attempts + 1 \
             WHERE id IN (SELECT d.id FROM webhook_deliveries d \
             WHERE d.status = 'pending' AND d.next_attempt_at <= $2 \
             AND d.webhook_id IN (SELECT w.id FROM webhooks w WHERE w.enabled) \
             ORDER BY d.next_attempt_at LIMIT $3{skip_locked}) \
             RETURNING id, webhook_id, attempts, body"
        );
        let txn = self.begin_write().await?;
        let rows = txn
            .query_all_raw(Statement::from_sql_and_values(
                backend,
                for_backend(backend, &sql),
                [lease_end.into(), now.into(), i64::from(limit).into()],
            ))
            .await
            .map_err(internal)?;
        let mut claimed = Vec::with_capacity(rows.len());
        for row in rows {
            claimed.push(ClaimedDelivery {
                id: row.try_get("", "id").map_err(internal)?,
                webhook_id: row.try_get("", "webhook_id").map_err(internal)?,
                attempt: row.try_get("", "attempts").map_err(internal)?,
                body: row.try_get("", "body").map_err(internal)?,
                url: String::new(),
                secret: String::new(),
            });
        }
        if claimed.is_empty() {
            txn.commit().await.map_err(internal)?;
            return Ok(claimed);
        }
        let mut ids: Vec<Uuid> = claimed.iter().map(|claim| claim.webhook_id).collect();
        ids.sort();
        ids.dedup();
        let webhooks = webhook::Entity::find()
            .filter(webhook::Column::Id.is_in(ids))
            .all(&*txn)
            .await
            .map_err(internal)?;
        txn.commit().await.map_err(internal)?;
        for claim in &mut claimed {
            if let Some(webhook) = webhooks.iter().find(|w| w.id == claim.webhook_id) {
                claim.url = webhook.url.clone();
                claim.secret = webhook.secret.clone();
            }
        }
        Ok(claimed)
    }

    /// Records how attempt `claim.attempt` went, unless a newer attempt
    /// has claimed the delivery since. A success ends it and clears the
    /// webhook's failing streak; a failure schedules the next attempt, or
    /// gives up after the retry period, and disables a webhook that has
    /// failed every attempt for `policy.disable_after` (with a
    /// `webhook.disabled` audit event).
    pub async fn record_webhook_attempt(
        &self,
        claim: &ClaimedDelivery,
        outcome: &AttemptOutcome,
        policy: &RetryPolicy,
    ) -> Result<(), domain::Error> {
        let now = Utc::now();
        let txn = self.begin_write().await?;
        let Some(row) = webhook_delivery::Entity::find_by_id(claim.id)
            .filter(webhook_delivery::Column::Attempts.eq(claim.attempt))
            .filter(webhook_delivery::Column::Status.eq(DeliveryStatus::Pending.as_str()))
            .one(&*txn)
            .await
            .map_err(internal)?
        else {
            return Ok(());
        };
        let retry_until = row.retry_until;
        let mut active = row.into_active_model();
        active.last_response_code = Set(outcome.response_code.map(i32::from));
        active.last_error = Set(outcome.error.clone());
        let succeeded = outcome.succeeded();
        if succeeded {
            active.status = Set(DeliveryStatus::Succeeded.as_str().to_owned());
            active.delivered_at = Set(Some(now));
            active.next_attempt_at = Set(now);
        } else if now >= retry_until {
            active.status = Set(DeliveryStatus::Failed.as_str().to_owned());
            active.next_attempt_at = Set(now);
        } else {
            let wait = policy.wait(claim.attempt, rand::random());
            active.next_attempt_at = Set((now + wait).min(retry_until));
        }
        active.update(&*txn).await.map_err(internal)?;
        self.track_webhook_health(&txn, claim.webhook_id, succeeded, now, policy)
            .await?;
        txn.commit().await.map_err(internal)
    }

    async fn track_webhook_health(
        &self,
        txn: &super::WriteTxn,
        webhook_id: Uuid,
        succeeded: bool,
        now: DateTime<Utc>,
        policy: &RetryPolicy,
    ) -> Result<(), domain::Error> {
        let Some(row) = webhook::Entity::find_by_id(webhook_id)
            .one(&**txn)
            .await
            .map_err(internal)?
        else {
            return Ok(());
        };
        let (organization_id, created_by, failing_since, enabled) = (
            row.organization_id,
            row.created_by,
            row.failing_since,
            row.enabled,
        );
        let mut active = row.into_active_model();
        match (succeeded, failing_since) {
            (true, None) => return Ok(()),
            (true, Some(_)) => active.failing_since = Set(None),
            (false, None) => active.failing_since = Set(Some(now)),
            (false, Some(since))
                if enabled
                    && (now - since).to_std().unwrap_or_default() >= policy.disable_after =>
            {
                let reason = format!(
                    "Every delivery attempt failed since {}; fix the endpoint and enable the webhook again.",
                    since.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
                );
                active.enabled = Set(false);
                active.disabled_reason = Set(Some(reason.clone()));
                active.updated_at = Set(now);
                active.update(&**txn).await.map_err(internal)?;
                return audit(
                    &**txn,
                    organization_id,
                    created_by,
                    "webhook.disabled",
                    None,
                    json!({ "webhookId": webhook_id, "reason": reason, "failingSince": since }),
                )
                .await;
            }
            (false, Some(_)) => return Ok(()),
        }
        active.update(&**txn).await.map_err(internal)?;
        Ok(())
    }
}

/// The number of the organization's latest event, from its counter (0
/// before the first).
pub(super) async fn last_event_sequence_in(
    conn: &impl ConnectionTrait,
    organization_id: Uuid,
) -> Result<i64, domain::Error> {
    let backend = conn.get_database_backend();
    let row = conn
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            for_backend(
                backend,
                "SELECT last_sequence FROM event_sequences WHERE organization_id = $1",
            ),
            [organization_id.into()],
        ))
        .await
        .map_err(internal)?;
    Ok(row
        .map(|row| row.try_get::<i64>("", "last_sequence"))
        .transpose()
        .map_err(internal)?
        .unwrap_or(0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retries_double_with_jitter_up_to_the_cap() {
        let policy = RetryPolicy::default();
        assert_eq!(policy.wait(1, 0.0), Duration::from_secs(5));
        assert_eq!(policy.wait(2, 0.0), Duration::from_secs(10));
        assert_eq!(policy.wait(4, 0.0), Duration::from_secs(40));
        assert_eq!(policy.wait(1, 1.0), Duration::from_millis(3750));
        assert_eq!(policy.wait(30, 0.0), Duration::from_secs(3600));
        assert_eq!(policy.wait(i32::MAX, 0.5), Duration::from_secs(3150));
    }

    #[test]
    fn only_a_2xx_answer_is_a_success() {
        let answer = |code| AttemptOutcome {
            response_code: Some(code),
            error: None,
        };
        assert!(answer(200).succeeded());
        assert!(answer(204).succeeded());
        assert!(!answer(301).succeeded());
        assert!(!answer(500).succeeded());
        assert!(
            !AttemptOutcome {
                response_code: None,
                error: Some("timed out".into())
            }
            .succeeded()
        );
    }
}

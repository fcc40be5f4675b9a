//! Webhooks in the schema: the `Webhook` and `WebhookDelivery` types, the
//! deliveries connection, and the mutations that manage them. Only an
//! organization's OWNERs and ADMINs see or change its webhooks.

use async_graphql::{Context, Enum, ID, InputObject, Object, SimpleObject};
use uuid::Uuid;

use super::connection::{PageInfo, page_info};
use super::cursor::{self, CursorKind};
use super::error::{report, report_under, resolver_error};
use super::ids::{self, Kind};
use super::loaders::ViewerRoleKey;
use super::types::DateTime;
use super::{WebhookRules, loader, principal, store};
use crate::domain;
use crate::store::Page;

pub struct Webhook(pub domain::Webhook);

/// An endpoint that receives the organization's project events as signed
/// HTTP POSTs (Standard Webhooks).
#[Object]
impl Webhook {
    /// The webhook's id, `Webhook:<uuid>`.
    async fn id(&self) -> ID {
        ids::global(Kind::Webhook, self.0.id)
    }
    /// Where deliveries are sent.
    async fn url(&self) -> &str {
        &self.0.url
    }
    /// What it is for.
    async fn description(&self) -> &str {
        &self.0.description
    }
    /// The event types it receives, such as `project.created.v1`.
    async fn events(&self) -> &[String] {
        &self.0.events
    }
    /// Whether deliveries are sent. A disabled webhook keeps its pending
    /// deliveries, and gets the events it missed when enabled again.
    async fn enabled(&self) -> bool {
        self.0.enabled
    }
    /// Why it is disabled: by a member, or after failing for
    /// `WEBHOOK_DISABLE_AFTER`.
    async fn disabled_reason(&self) -> Option<&str> {
        self.0.disabled_reason.as_deref()
    }
    /// Since when every attempt to reach it has failed; null while it
    /// answers.
    async fn failing_since(&self) -> Option<DateTime> {
        self.0.failing_since.map(Into::into)
    }
    /// When it was created.
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
    /// When it last changed.
    async fn updated_at(&self) -> DateTime {
        self.0.updated_at.into()
    }
    /// Its deliveries, newest first: one per event it received.
    #[graphql(complexity = "super::page_cost(first, child_complexity)")]
    async fn deliveries(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "At most 100; default 20.")] first: Option<i32>,
        #[graphql(desc = "The `endCursor` of the previous page.")] after: Option<String>,
    ) -> async_graphql::Result<WebhookDeliveryConnection> {
        let res = async {
            let first = domain::page_size(first)?;
            let after = after
                .map(|cursor| cursor::decode(CursorKind::WebhookDelivery, self.0.id, &cursor))
                .transpose()?;
            let page = store(ctx)
                .webhook_deliveries_page(self.0.id, after, first)
                .await?;
            loader(ctx).loader().charge(page.items.len())?;
            Ok(WebhookDeliveryConnection {
                webhook_id: self.0.id,
                has_previous_page: after.is_some(),
                page,
            })
        }
        .await;
        res.map_err(|err: domain::Error| resolver_error(ctx, &err))
    }
}

/// Where a delivery stands.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "domain::DeliveryStatus")]
pub enum WebhookDeliveryStatus {
    /// Not sent yet, being sent, or waiting for its next attempt.
    Pending,
    /// The endpoint answered with a 2xx status.
    Succeeded,
    /// Given up after `WEBHOOK_RETRY_PERIOD` of failed attempts;
    /// `redeliverWebhookDelivery` sends it again.
    Failed,
}

pub struct WebhookDelivery(pub domain::WebhookDelivery);

/// The sending of one event to one webhook, until the endpoint accepts it
/// or it is given up.
#[Object]
impl WebhookDelivery {
    /// The delivery's id, `WebhookDelivery:<uuid>`; its bare UUID is the
    /// `webhook-id` header of every attempt, for receivers to drop repeats.
    async fn id(&self) -> ID {
        ids::global(Kind::WebhookDelivery, self.0.id)
    }
    /// The event's id, as `ProjectEvent.id` gives it.
    async fn event_id(&self) -> ID {
        ID(format!("ProjectEvent:{}", self.0.event_id))
    }
    /// The event's type, such as `project.created.v1`.
    async fn event_type(&self) -> &str {
        &self.0.event_type
    }
    /// Where it stands.
    async fn status(&self) -> WebhookDeliveryStatus {
        self.0.status.into()
    }
    /// Attempts made so far (one being made counts).
    async fn attempts(&self) -> i32 {
        self.0.attempts
    }
    /// The status code of the last answer, if the endpoint answered.
    async fn last_response_code(&self) -> Option<i32> {
        self.0.last_response_code
    }
    /// Why the last attempt failed, if it did.
    async fn last_error(&self) -> Option<&str> {
        self.0.last_error.as_deref()
    }
    /// When the next attempt is due, while it is pending.
    async fn next_attempt_at(&self) -> Option<DateTime> {
        self.0.next_attempt_at.map(Into::into)
    }
    /// When the event was handed to this webhook.
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
    /// When the endpoint accepted it.
    async fn delivered_at(&self) -> Option<DateTime> {
        self.0.delivered_at.map(Into::into)
    }
}

pub struct WebhookDeliveryConnection {
    webhook_id: Uuid,
    has_previous_page: bool,
    page: Page<domain::WebhookDelivery>,
}

/// A delivery on a page, with its cursor.
#[derive(SimpleObject)]
pub struct WebhookDeliveryEdge {
    /// Where this delivery is in the list, for `after`.
    pub cursor: String,
    /// The delivery.
    pub node: WebhookDelivery,
}

/// A page of a webhook's deliveries, newest first (Relay's connection).
#[Object]
impl WebhookDeliveryConnection {
    /// The page's items with their cursors.
    async fn edges(&self) -> Vec<WebhookDeliveryEdge> {
        self.page
            .items
            .iter()
            .map(|delivery| WebhookDeliveryEdge {
                cursor: cursor::encode(CursorKind::WebhookDelivery, self.webhook_id, delivery.id),
                node: WebhookDelivery(delivery.clone()),
            })
            .collect()
    }
    /// The page's items.
    async fn nodes(&self) -> Vec<WebhookDelivery> {
        self.page
            .items
            .iter()
            .cloned()
            .map(WebhookDelivery)
            .collect()
    }
    /// Where the page ends, and whether more follow.
    async fn page_info(&self) -> PageInfo {
        page_info(&self.page, self.has_previous_page, |delivery| {
            cursor::encode(CursorKind::WebhookDelivery, self.webhook_id, delivery.id)
        })
    }
}

/// The organization's webhooks, for `Organization.webhooks`: its OWNERs
/// and ADMINs only (FORBIDDEN for other members).
pub(super) async fn webhooks_of(
    ctx: &Context<'_>,
    organization_id: Uuid,
) -> async_graphql::Result<Vec<Webhook>> {
    let res = async {
        let role = loader(ctx).load_one(ViewerRoleKey(organization_id)).await?;
        if !matches!(role, Some(domain::Role::Owner | domain::Role::Admin)) {
            return Err(domain::Error::Forbidden);
        }
        let webhooks = store(ctx).webhooks_of(organization_id).await?;
        loader(ctx).loader().charge(webhooks.len())?;
        Ok(webhooks.into_iter().map(Webhook).collect())
    }
    .await;
    res.map_err(|err: domain::Error| resolver_error(ctx, &err))
}

/// A new webhook.
#[derive(InputObject)]
pub struct CreateWebhookInput {
    /// The organization whose events it receives.
    pub organization_id: ID,
    /// Where to send them: an http(s) URL of a public host (https in
    /// production), without credentials.
    pub url: String,
    /// The event types to send, such as `project.created.v1`; at least one, at most 32.
    pub events: Vec<String>,
    /// What it is for; at most 500 characters.
    pub description: Option<String>,
}

/// A change to a webhook: the fields given change, the others stay.
#[derive(InputObject)]
pub struct UpdateWebhookInput {
    /// The webhook's id.
    pub id: ID,
    /// A new URL.
    pub url: Option<String>,
    /// The new list of event types.
    pub events: Option<Vec<String>>,
    /// A new description.
    pub description: Option<String>,
    /// Stop (false) or resume (true) deliveries.
    pub enabled: Option<bool>,
}

/// The result of `createWebhook`.
#[derive(SimpleObject)]
pub struct CreateWebhookPayload {
    /// The created webhook.
    pub webhook: Webhook,
    /// The signing secret (`whsec_…`), shown this once: give it to the
    /// receiver's Standard Webhooks library to verify `webhook-signature`.
    pub secret: String,
}

/// A webhook after a change.
#[derive(SimpleObject)]
pub struct WebhookPayload {
    /// The webhook as it is now (or was, when deleted).
    pub webhook: Webhook,
}

/// The result of `redeliverWebhookDelivery`.
#[derive(SimpleObject)]
pub struct WebhookDeliveryPayload {
    /// The delivery, pending again.
    pub delivery: WebhookDelivery,
}

#[derive(Default)]
pub struct WebhookMutation;

/// An id and the fields, or every problem with either.
fn together<T>(
    id: Result<Uuid, domain::Error>,
    fields: Result<T, Vec<domain::Error>>,
) -> Result<(Uuid, T), Vec<domain::Error>> {
    match (id, fields) {
        (Ok(id), Ok(fields)) => Ok((id, fields)),
        (id, fields) => {
            let mut errors: Vec<_> = id.err().into_iter().collect();
            errors.extend(fields.err().unwrap_or_default());
            Err(errors)
        }
    }
}

fn rules<'a>(ctx: &Context<'a>) -> &'a WebhookRules {
    ctx.data_unchecked::<WebhookRules>()
}

#[Object]
impl WebhookMutation {
    /// Registers a webhook for the organization's project events from now
    /// on (OWNER or ADMIN), and answers its signing secret, once. Errors:
    /// ORGANIZATION_NOT_FOUND, FORBIDDEN, INVALID_WEBHOOK_URL,
    /// BAD_USER_INPUT (events), INVALID_DESCRIPTION, MAX_WEBHOOKS_REACHED.
    async fn create_webhook(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new webhook.")] input: CreateWebhookInput,
    ) -> Option<CreateWebhookPayload> {
        let res = async {
            let principal = principal(ctx).map_err(|err| vec![err])?;
            let organization_id =
                ids::parse(&input.organization_id, Kind::Organization, "organizationId");
            let fields = domain::validate_webhook(
                domain::WebhookInput {
                    url: Some(input.url),
                    events: Some(input.events),
                    description: Some(input.description.unwrap_or_default()),
                    enabled: None,
                },
                rules(ctx).allow_private,
            );
            let (organization_id, fields) = together(organization_id, fields)?;
            store(ctx)
                .create_webhook(principal, organization_id, fields)
                .await
                .map_err(|err| vec![err])
        }
        .await;
        match res {
            Ok((webhook, secret)) => Some(CreateWebhookPayload {
                webhook: Webhook(webhook),
                secret,
            }),
            Err(errors) => {
                report(ctx, &errors);
                None
            }
        }
    }

    /// Changes a webhook (OWNER or ADMIN). Errors: WEBHOOK_NOT_FOUND,
    /// FORBIDDEN, INVALID_WEBHOOK_URL, BAD_USER_INPUT (events),
    /// INVALID_DESCRIPTION.
    async fn update_webhook(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The webhook and its changes.")] input: UpdateWebhookInput,
    ) -> Option<WebhookPayload> {
        let res = async {
            let principal = principal(ctx).map_err(|err| vec![err])?;
            let id = ids::parse(&input.id, Kind::Webhook, "id");
            let fields = domain::validate_webhook(
                domain::WebhookInput {
                    url: input.url,
                    events: input.events,
                    description: input.description,
                    enabled: input.enabled,
                },
                rules(ctx).allow_private,
            );
            let (id, fields) = together(id, fields)?;
            store(ctx)
                .update_webhook(principal, id, fields)
                .await
                .map_err(|err| vec![err])
        }
        .await;
        match res {
            Ok(webhook) => Some(WebhookPayload {
                webhook: Webhook(webhook),
            }),
            Err(errors) => {
                report(ctx, &errors);
                None
            }
        }
    }

    /// Deletes a webhook and its deliveries (OWNER or ADMIN); nothing more
    /// is sent to it. Errors: WEBHOOK_NOT_FOUND, FORBIDDEN.
    async fn delete_webhook(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The webhook's id.")] id: ID,
    ) -> Option<WebhookPayload> {
        let res = async {
            let principal = principal(ctx)?;
            let id = ids::parse(&id, Kind::Webhook, "id")?;
            store(ctx).delete_webhook(principal, id).await
        }
        .await;
        match res {
            Ok(webhook) => Some(WebhookPayload {
                webhook: Webhook(webhook),
            }),
            Err(err) => {
                report_under(ctx, &[err], |_| &[]);
                None
            }
        }
    }

    /// Sends a delivery again, whatever its status (OWNER or ADMIN): it is
    /// pending, due now, with the same `webhook-id` and body, and retried
    /// for another `WEBHOOK_RETRY_PERIOD`. Errors: WEBHOOK_NOT_FOUND,
    /// FORBIDDEN.
    async fn redeliver_webhook_delivery(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The delivery's id.")] id: ID,
    ) -> Option<WebhookDeliveryPayload> {
        let res = async {
            let principal = principal(ctx)?;
            let id = ids::parse(&id, Kind::WebhookDelivery, "id")?;
            store(ctx)
                .redeliver_webhook_delivery(principal, id, rules(ctx).retry_period)
                .await
        }
        .await;
        match res {
            Ok(delivery) => Some(WebhookDeliveryPayload {
                delivery: WebhookDelivery(delivery),
            }),
            Err(err) => {
                report_under(ctx, &[err], |_| &[]);
                None
            }
        }
    }
}

//! The Subscription root, served over WebSocket (`http::subscriptions`):
//! an organization's project events as they commit.
//!
//! A subscription reads its organization's stream from the outbox after
//! its cursor, yields what it finds, then waits for this process's hub to
//! say the organization has news (or for [`Subscriber::recheck`] to pass)
//! and reads again. The outbox numbers events in commit order, so reading
//! "after the last one yielded" never skips or repeats one, whichever
//! process wrote it and however wake-ups were lost or doubled.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use async_graphql::futures_util::Stream;
use async_graphql::{Context, ID, Subscription};
use tokio::sync::broadcast::error::RecvError;
use uuid::Uuid;

use super::cursor;
use super::error::resolver_error;
use super::ids::{self, Kind};
use super::types::ProjectEvent;
use super::{loader, principal, store};
use crate::domain::{self, Principal};
use crate::hub::{EventHub, Wake};

/// Subscriptions one WebSocket connection may have open at once.
pub const MAX_SUBSCRIPTIONS_PER_CONNECTION: usize = 20;
/// Events read from the outbox per statement.
const READ_BATCH: u64 = 100;

/// What a WebSocket connection gives its subscriptions, from its
/// `connection_init`.
#[derive(Clone)]
pub struct Subscriber {
    /// The connection's token, checked again every `recheck`: a revoked
    /// token's subscriptions end.
    pub token: String,
    pub hub: EventHub,
    /// How often a subscription checks its token and membership, and
    /// reads its stream even without a wake-up.
    pub recheck: Duration,
    /// Subscriptions open on the connection.
    pub open: Arc<AtomicUsize>,
}

/// Counts a subscription as open until it is dropped.
struct Open(Arc<AtomicUsize>);

impl Open {
    fn take(open: &Arc<AtomicUsize>) -> Result<Open, domain::Error> {
        if open.fetch_add(1, Ordering::AcqRel) >= MAX_SUBSCRIPTIONS_PER_CONNECTION {
            open.fetch_sub(1, Ordering::AcqRel);
            return Err(domain::Error::TooManySubscriptions {
                max: MAX_SUBSCRIPTIONS_PER_CONNECTION,
                per: "on one connection",
            });
        }
        Ok(Open(open.clone()))
    }
}

impl Drop for Open {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::AcqRel);
    }
}

pub struct SubscriptionRoot;

/// Live streams, over WebSocket (graphql-transport-ws) at `/graphql`.
#[Subscription(name = "Subscription")]
impl SubscriptionRoot {
    /// The organization's project events as they commit, in order: the
    /// same events as `Organization.projectEvents`. With `after` (an
    /// event's `cursor`), first every event after it that is still kept,
    /// then live ones, with no gap and no repeat, so a client that
    /// reconnects with the last cursor it saw misses nothing. Without, only
    /// events from now on. For members of the organization; the
    /// subscription ends with an error when the token is revoked or the
    /// caller leaves the organization.
    async fn project_events<'ctx>(
        &self,
        ctx: &'ctx Context<'_>,
        #[graphql(desc = "The organization's global id (or bare UUID).")] organization_id: ID,
        #[graphql(desc = "An event's `cursor`: start after it.")] after: Option<String>,
    ) -> async_graphql::Result<impl Stream<Item = async_graphql::Result<ProjectEvent>> + 'ctx> {
        let start = async {
            let subscriber = ctx
                .data_opt::<Subscriber>()
                .ok_or_else(|| {
                    domain::Error::input(
                        domain::Code::BadRequest,
                        crate::field_path![],
                        "Subscriptions run over WebSocket (graphql-transport-ws) at /graphql.",
                    )
                })?
                .clone();
            let principal = principal(ctx)?;
            let organization_id =
                ids::parse(&organization_id, Kind::Organization, "organizationId")?;
            check_member(ctx, principal, organization_id).await?;
            let open = Open::take(&subscriber.open)?;
            // Registered before the first read, so that what commits after
            // it wakes this subscription.
            let watch = subscriber.hub.watch(store(ctx), organization_id).await?;
            // Wake-ups from before the first read on, so none is missed.
            let wakes = subscriber.hub.subscribe();
            let after = match after {
                Some(cursor) => cursor::decode_event(organization_id, &cursor)?,
                None => store(ctx).last_event_sequence(organization_id).await?,
            };
            Ok((
                subscriber,
                principal,
                organization_id,
                (open, watch),
                wakes,
                after,
            ))
        }
        .await;
        let (subscriber, principal, organization_id, held, mut wakes, mut after) =
            start.map_err(|err: domain::Error| resolver_error(ctx, &err))?;
        Ok(async_stream::stream! {
            let _held = held;
            loop {
                // Everything committed after the cursor, in order.
                loop {
                    let page = match store(ctx)
                        .project_events_page(organization_id, after, READ_BATCH)
                        .await
                    {
                        Ok(page) => page,
                        Err(err) => {
                            yield Err(resolver_error(ctx, &err));
                            return;
                        }
                    };
                    for event in page.items {
                        after = event.sequence;
                        // Each event's fields read within a budget of their own.
                        loader(ctx).loader().reset_rows();
                        yield Ok(ProjectEvent(event));
                    }
                    if !page.has_next_page {
                        break;
                    }
                }
                // Then wait for news of this organization, or the recheck.
                let deadline = tokio::time::sleep(subscriber.recheck);
                tokio::pin!(deadline);
                let recheck = loop {
                    tokio::select! {
                        wake = wakes.recv() => match wake {
                            Ok(Wake::Organization(id)) if id != organization_id => continue,
                            Ok(_) | Err(RecvError::Lagged(_)) => break false,
                            Err(RecvError::Closed) => return,
                        },
                        () = &mut deadline => break true,
                    }
                };
                if recheck {
                    let still = still_allowed(ctx, &subscriber.token, principal, organization_id).await;
                    if let Err(err) = still {
                        yield Err(resolver_error(ctx, &err));
                        return;
                    }
                }
            }
        })
    }
}

/// `ORGANIZATION_NOT_FOUND` unless the caller is a member, as for every
/// other read of the organization.
async fn check_member(
    ctx: &Context<'_>,
    principal: Principal,
    organization_id: Uuid,
) -> Result<(), domain::Error> {
    let roles = store(ctx)
        .roles_in(principal.user_id, &[organization_id])
        .await?;
    if roles.is_empty() {
        return Err(domain::Error::OrganizationNotFound);
    }
    Ok(())
}

/// The token still names the caller, and the caller is still a member.
async fn still_allowed(
    ctx: &Context<'_>,
    token: &str,
    principal: Principal,
    organization_id: Uuid,
) -> Result<(), domain::Error> {
    match store(ctx).authenticate(token).await? {
        Some(found) if found == principal => {}
        _ => return Err(domain::Error::InvalidToken),
    }
    check_member(ctx, principal, organization_id).await
}

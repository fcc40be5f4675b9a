//! The GraphQL schema: queries, mutations, their input and output types,
//! and the one place where domain errors become GraphQL errors.
//!
//! Resolvers hold no rules: they turn inputs into domain values, call the
//! domain and the store, and turn the results into output types.

mod connection;
mod cursor;
mod error;
mod extension;
pub mod guard;
pub mod ids;
mod inputs;
mod loaders;
mod mutation;
pub mod nulls;
mod query;
pub mod subscription;
mod types;
mod webhooks;

use async_graphql::Schema;

pub use error::{RequestError, error_response, graphql_error};
pub use extension::{ErrorCodes, Operation, OperationSlot};
pub use loaders::{Loaders, MAX_ROWS_PER_REQUEST};
pub use mutation::Mutation;
pub use query::Query;
pub use subscription::{Subscriber, SubscriptionRoot};

use crate::domain::{self, Principal};
use crate::store::Store;

pub type AppSchema = Schema<Query, Mutation, SubscriptionRoot>;

/// The deepest selection a query may have.
pub const MAX_DEPTH: usize = 15;
/// The largest complexity a query may have: one per field, with what a
/// page or list holds counted once per item it may return (see
/// [`page_cost`], [`list_cost`]). A page of 100 projects with their
/// relations costs about 7,300; a page of 100 projects each listing 100
/// projects again costs over 20,000.
pub const MAX_COMPLEXITY: usize = 10_000;

/// How many items an unpaged list (members, dependencies, a user's
/// organizations) is assumed to hold when costing a query.
pub const LIST_ITEMS: usize = 10;

/// The cost of a connection field: its nodes' cost once per item of the
/// page (`first`, default 20, at most 100).
pub fn page_cost(first: Option<i32>, child_complexity: usize) -> usize {
    // A size out of range is refused when the field runs; cost it as the
    // largest page meanwhile.
    let items = domain::page_size(first).unwrap_or(domain::MAX_PAGE_SIZE) as usize;
    1 + items.saturating_mul(child_complexity)
}

/// The cost of an unpaged list field.
pub fn list_cost(child_complexity: usize) -> usize {
    1 + LIST_ITEMS.saturating_mul(child_complexity)
}

/// A retry of an Idempotency-Key whose first request created this
/// resource (a project or an organization) but left no stored response:
/// the mutation answers about it and creates nothing.
#[derive(Debug, Clone, Copy)]
pub struct Resume(pub uuid::Uuid);

/// Per-request facts the resolvers need.
#[derive(Debug, Clone)]
pub struct RequestContext {
    pub principal: Option<Principal>,
    pub request_id: String,
}

#[derive(Debug, Clone, Copy)]
pub struct SchemaOptions {
    pub introspection: bool,
    pub webhooks: WebhookRules,
}

/// What the webhook mutations need to know of the configuration.
#[derive(Debug, Clone, Copy)]
pub struct WebhookRules {
    /// Whether a webhook URL may name a non-public address.
    pub allow_private: bool,
    /// How long a redelivered delivery is retried.
    pub retry_period: std::time::Duration,
}

/// Builds the executable schema. The store, the loaders and the
/// [`RequestContext`] come with each request: a request sent with an
/// Idempotency-Key runs on a store bound to its claim.
pub fn build(options: SchemaOptions) -> AppSchema {
    let mut builder = Schema::build(Query, Mutation::default(), SubscriptionRoot)
        .extension(ErrorCodes {
            introspection: options.introspection,
        })
        .limit_depth(MAX_DEPTH)
        .limit_complexity(MAX_COMPLEXITY)
        .data(options.webhooks);
    if !options.introspection {
        builder = builder.disable_introspection();
    }
    builder.finish()
}

/// The schema's SDL, as committed in `schema.graphql`.
pub fn sdl() -> String {
    Schema::build(Query, Mutation::default(), SubscriptionRoot)
        .finish()
        .sdl_with_options(async_graphql::SDLExportOptions::new().include_specified_by())
}

/// The caller, or `UNAUTHENTICATED` for anonymous requests.
fn principal(ctx: &async_graphql::Context<'_>) -> Result<Principal, domain::Error> {
    ctx.data_opt::<RequestContext>()
        .and_then(|request| request.principal)
        .ok_or(domain::Error::Unauthenticated)
}

fn loader<'a>(ctx: &async_graphql::Context<'a>) -> &'a loaders::DataLoader {
    ctx.data_unchecked::<loaders::DataLoader>()
}

/// The request's store (the pool, bound to the request's idempotency claim
/// when it has one).
fn store<'a>(ctx: &async_graphql::Context<'a>) -> &'a Store {
    ctx.data_unchecked::<Store>()
}

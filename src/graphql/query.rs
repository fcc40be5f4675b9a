//! Queries: the caller and the catalogs. Catalogs and introspection are
//! readable without a token; everything else needs one.

use async_graphql::{Context, Object};

use super::error::resolver_error;
use super::types::{Environment, Region, Runtime, User};
use super::{principal, store};
use crate::domain;

pub struct Query;

#[Object]
impl Query {
    /// The authenticated caller.
    async fn viewer(&self, ctx: &Context<'_>) -> async_graphql::Result<User> {
        let principal = principal(ctx).map_err(|err| resolver_error(ctx, &err))?;
        let user = store(ctx)
            .user_by_id(principal.user_id)
            .await
            .and_then(|user| user.ok_or(domain::Error::InvalidToken))
            .map_err(|err| resolver_error(ctx, &err))?;
        Ok(User(user))
    }

    /// Every region, available or not, in catalog order.
    async fn regions(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Region>> {
        let regions = store(ctx)
            .regions()
            .await
            .map_err(|err| resolver_error(ctx, &err))?;
        Ok(regions.into_iter().map(Region::from).collect())
    }

    /// Every runtime, supported or not, in catalog order.
    async fn runtimes(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Runtime>> {
        let runtimes = store(ctx)
            .runtimes()
            .await
            .map_err(|err| resolver_error(ctx, &err))?;
        Ok(runtimes.into_iter().map(Runtime::from).collect())
    }

    /// Every environment, deprecated or not, in catalog order.
    async fn environments(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Environment>> {
        let environments = store(ctx)
            .environments()
            .await
            .map_err(|err| resolver_error(ctx, &err))?;
        Ok(environments.into_iter().map(Environment::from).collect())
    }
}

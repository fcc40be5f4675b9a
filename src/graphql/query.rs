//! Queries: the caller, organizations, projects and the catalogs.
//! Catalogs and introspection are readable without a token; everything
//! else needs one, and shows only what the caller's memberships allow
//! (anything else reads as `null`, exactly like something that does not
//! exist).

use async_graphql::{Context, ID, Object};
use uuid::Uuid;

use super::error::resolver_error;
use super::loaders::{OrganizationKey, ProjectKey, ViewerRoleKey};
use super::types::{Environment, Organization, Project, Region, Runtime, User};
use super::{loader, principal, store};
use crate::domain;
use crate::field_path;

pub struct Query;

/// Whether the caller is a member of the organization.
async fn is_member(ctx: &Context<'_>, organization_id: Uuid) -> Result<bool, domain::Error> {
    Ok(loader(ctx)
        .load_one(ViewerRoleKey(organization_id))
        .await?
        .is_some())
}

fn parse_id(id: &ID, field: &str) -> Result<Uuid, domain::Error> {
    Uuid::parse_str(id.as_str()).map_err(|_| {
        domain::Error::bad_input(
            field_path![field],
            format!("'{}' is not a valid id (a UUID).", id.as_str()),
        )
    })
}

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

    /// An organization the caller belongs to, by id or by slug (give one).
    /// `null` when there is none or the caller is not a member.
    async fn organization(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
        slug: Option<String>,
    ) -> async_graphql::Result<Option<Organization>> {
        let res = async {
            principal(ctx)?;
            let organization = match (id, slug) {
                (Some(id), None) => {
                    let id = parse_id(&id, "id")?;
                    loader(ctx).load_one(OrganizationKey(id)).await?
                }
                (None, Some(slug)) => {
                    // The organization and the caller's role in one read,
                    // both handed to the loaders: its projects'
                    // `organization` and every membership check below are
                    // this one.
                    let viewer = principal(ctx)?.user_id;
                    let found = store(ctx).organization_by_slug_for(&slug, viewer).await?;
                    let Some((organization, role)) = found else {
                        return Ok(None);
                    };
                    let Some(role) = role else {
                        return Ok(None);
                    };
                    let loader = loader(ctx);
                    loader
                        .feed_one(OrganizationKey(organization.id), organization.clone())
                        .await;
                    loader.feed_one(ViewerRoleKey(organization.id), role).await;
                    Some(organization)
                }
                _ => {
                    return Err(domain::Error::bad_input(
                        field_path!["id"],
                        "Give exactly one of 'id' and 'slug'.",
                    ));
                }
            };
            let Some(organization) = organization else {
                return Ok(None);
            };
            Ok(is_member(ctx, organization.id)
                .await?
                .then_some(Organization(organization)))
        }
        .await;
        res.map_err(|err| resolver_error(ctx, &err))
    }

    /// A project of an organization the caller belongs to, by `id` or by
    /// `organizationSlug` and `slug` (a slug it had before a rename finds
    /// it too); `null` when there is none, it is deleted, or the caller is
    /// not a member.
    async fn project(
        &self,
        ctx: &Context<'_>,
        id: Option<ID>,
        organization_slug: Option<String>,
        slug: Option<String>,
    ) -> async_graphql::Result<Option<Project>> {
        let res = async {
            let viewer = principal(ctx)?.user_id;
            let project = match (id, organization_slug, slug) {
                (Some(id), None, None) => {
                    let id = parse_id(&id, "id")?;
                    loader(ctx).load_one(ProjectKey(id)).await?
                }
                (None, Some(organization_slug), Some(slug)) => {
                    let found = store(ctx)
                        .organization_by_slug_for(&organization_slug, viewer)
                        .await?;
                    match found {
                        Some((organization, Some(_))) => {
                            store(ctx).project_by_slug(organization.id, &slug).await?
                        }
                        _ => None,
                    }
                }
                _ => {
                    return Err(domain::Error::bad_input(
                        field_path!["id"],
                        "Give either 'id', or both 'organizationSlug' and 'slug'.",
                    ));
                }
            };
            let Some(project) = project else {
                return Ok(None);
            };
            Ok(is_member(ctx, project.organization_id)
                .await?
                .then_some(Project(project)))
        }
        .await;
        res.map_err(|err| resolver_error(ctx, &err))
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

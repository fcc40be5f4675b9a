//! Queries: the caller, organizations, projects and the catalogs.
//! Catalogs and introspection are readable without a token; everything
//! else needs one, and shows only what the caller's memberships allow
//! (anything else reads as `null`, exactly like something that does not
//! exist).

use std::collections::{HashMap, HashSet};

use async_graphql::{Context, ID, Object, OneofObject};
use uuid::Uuid;

use super::error::resolver_error;
use super::ids::{self, Kind};
use super::loaders::{OrganizationKey, ProjectKey, UserKey, ViewerRoleKey};
use super::types::{AuditEvent, Environment, Node, Organization, Project, Region, Runtime, User};
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

/// How to find an organization: exactly one key.
#[derive(OneofObject)]
pub enum OrganizationBy {
    /// Its global id (or bare UUID).
    Id(ID),
    /// Its slug.
    Slug(String),
}

/// The objects `ids` name, each `None` where the caller may not see it:
/// one batch per type, through the request's loaders.
async fn resolve_nodes(ctx: &Context<'_>, ids: &[ID]) -> Result<Vec<Option<Node>>, domain::Error> {
    let decoded: Vec<Option<(Kind, Uuid)>> = ids.iter().map(|id| ids::decode(id)).collect();
    let of = |kind: Kind| -> Vec<Uuid> {
        decoded
            .iter()
            .flatten()
            .filter(|(k, _)| *k == kind)
            .map(|(_, id)| *id)
            .collect()
    };
    let loader = loader(ctx);
    let projects = loader
        .load_many(of(Kind::Project).into_iter().map(ProjectKey))
        .await?;
    let organizations = loader
        .load_many(of(Kind::Organization).into_iter().map(OrganizationKey))
        .await?;
    let mut events: HashMap<Uuid, domain::AuditEvent> = HashMap::new();
    let event_ids = of(Kind::AuditEvent);
    if !event_ids.is_empty() {
        for event in store(ctx).audit_events_by_ids(&event_ids).await? {
            events.insert(event.id, event);
        }
    }
    let viewer = principal(ctx)?.user_id;
    let user_ids = of(Kind::User);
    let seen: HashSet<Uuid> = if user_ids.is_empty() {
        HashSet::new()
    } else {
        store(ctx)
            .users_seen_by(viewer, &user_ids)
            .await?
            .into_iter()
            .collect()
    };
    let users = loader.load_many(seen.iter().copied().map(UserKey)).await?;
    // The organizations whose members may see what is in them.
    let mut organization_ids: Vec<Uuid> = projects.values().map(|p| p.organization_id).collect();
    organization_ids.extend(organizations.keys().map(|key| key.0));
    organization_ids.extend(events.values().map(|e| e.organization_id));
    let roles = loader
        .load_many(organization_ids.into_iter().map(ViewerRoleKey))
        .await?;
    let member = |organization_id: Uuid| roles.contains_key(&ViewerRoleKey(organization_id));
    Ok(decoded
        .into_iter()
        .map(|found| {
            let (kind, id) = found?;
            match kind {
                Kind::Project => projects
                    .get(&ProjectKey(id))
                    .filter(|p| member(p.organization_id))
                    .map(|p| Node::Project(Project(p.clone()))),
                Kind::Organization => organizations
                    .get(&OrganizationKey(id))
                    .filter(|o| member(o.id))
                    .map(|o| Node::Organization(Organization(o.clone()))),
                Kind::AuditEvent => events
                    .get(&id)
                    .filter(|e| member(e.organization_id))
                    .map(|e| Node::AuditEvent(AuditEvent(e.clone()))),
                Kind::User => users.get(&UserKey(id)).map(|u| Node::User(User(u.clone()))),
                Kind::Webhook | Kind::WebhookDelivery => None,
            }
        })
        .collect())
}

/// What can be read: the caller, organizations and their projects, any
/// object by its global id, and the catalogs.
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
        #[graphql(desc = "The organization's id.")] id: Option<ID>,
        #[graphql(desc = "The organization's slug.")] slug: Option<String>,
        #[graphql(desc = "One key: `{ id }` or `{ slug }` (instead of `id` or `slug`).")]
        by: Option<OrganizationBy>,
    ) -> async_graphql::Result<Option<Organization>> {
        let res = async {
            principal(ctx)?;
            let (id, slug) = match (by, id, slug) {
                (Some(OrganizationBy::Id(id)), None, None) => (Some(id), None),
                (Some(OrganizationBy::Slug(slug)), None, None) => (None, Some(slug)),
                (Some(_), _, _) => (None, None),
                (None, id, slug) => (id, slug),
            };
            let organization = match (id, slug) {
                (Some(id), None) => {
                    let id = ids::parse(&id, Kind::Organization, "id")?;
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
                        "Give exactly one of 'id', 'slug' and 'by'.",
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
        #[graphql(desc = "The project's id.")] id: Option<ID>,
        #[graphql(desc = "The organization's slug, with `slug`.")] organization_slug: Option<
            String,
        >,
        #[graphql(desc = "The project's current or a former slug, with `organizationSlug`.")] slug: Option<String>,
    ) -> async_graphql::Result<Option<Project>> {
        let res = async {
            let viewer = principal(ctx)?.user_id;
            let project = match (id, organization_slug, slug) {
                (Some(id), None, None) => {
                    let id = ids::parse(&id, Kind::Project, "id")?;
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

    /// Any object by its global id (`Project:<uuid>`, `Organization:<uuid>`,
    /// `User:<uuid>`, `AuditEvent:<uuid>`), for Relay's refetching: `null`
    /// for what the caller may not see, for what does not exist, and for an
    /// id that names no type.
    async fn node(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "A global id.")] id: ID,
    ) -> async_graphql::Result<Option<Node>> {
        let res = async {
            principal(ctx)?;
            Ok(resolve_nodes(ctx, std::slice::from_ref(&id))
                .await?
                .pop()
                .flatten())
        }
        .await;
        res.map_err(|err: domain::Error| resolver_error(ctx, &err))
    }

    /// Many objects by their global ids, in the order asked (at most 100),
    /// each as `node(id:)` would answer it.
    #[graphql(complexity = "1 + ids.len().min(100) * child_complexity")]
    async fn nodes(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "Global ids, at most 100.")] ids: Vec<ID>,
    ) -> async_graphql::Result<Vec<Option<Node>>> {
        let res = async {
            principal(ctx)?;
            if ids.len() > domain::MAX_PAGE_SIZE as usize {
                return Err(domain::Error::bad_input(
                    field_path!["ids"],
                    format!(
                        "At most {} ids at once; {} were asked for.",
                        domain::MAX_PAGE_SIZE,
                        ids.len()
                    ),
                ));
            }
            resolve_nodes(ctx, &ids).await
        }
        .await;
        res.map_err(|err: domain::Error| resolver_error(ctx, &err))
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

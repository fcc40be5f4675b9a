//! Relay connections: pages of projects and audit events with opaque
//! cursors, `pageInfo` and a lazy `totalCount`, and the prefetch that
//! keeps a page's cost independent of its size.

use async_graphql::{Context, InputObject, Lookahead, Object, SimpleObject};

use super::cursor::{self, CursorKind};
use super::error::resolver_error;
use super::loaders::{MembersKey, OrganizationKey, ProjectKey, UserKey};
use super::types::{AuditEvent, Project, ProjectEvent, ProjectStatus};
use super::{loader, store};
use crate::domain;
use crate::store::Page;

/// Where a page ends, and whether more follow.
#[derive(SimpleObject)]
pub struct PageInfo {
    /// Whether a page follows this one.
    pub has_next_page: bool,
    /// Whether pages come before this one (true on every page after the first).
    pub has_previous_page: bool,
    /// The cursor of the first item; null on an empty page.
    pub start_cursor: Option<String>,
    /// The cursor of the last item, to pass as `after` for the next page;
    /// null on an empty page.
    pub end_cursor: Option<String>,
}

pub(super) fn page_info<T>(
    page: &Page<T>,
    has_previous_page: bool,
    cursor: impl Fn(&T) -> String,
) -> PageInfo {
    PageInfo {
        has_next_page: page.has_next_page,
        has_previous_page,
        start_cursor: page.items.first().map(&cursor),
        end_cursor: page.items.last().map(&cursor),
    }
}

/// Which projects to list.
#[derive(InputObject, Debug)]
pub struct ProjectFilter {
    /// Only projects with this status; default both.
    pub status: Option<ProjectStatus>,
    /// Matched case-insensitively anywhere in the name or the slug.
    pub search: Option<String>,
}

impl ProjectFilter {
    pub(super) fn into_domain(self) -> domain::ProjectFilter {
        domain::ProjectFilter {
            status: self.status.map(Into::into),
            search: self.search,
            deleted: false,
        }
    }
}

pub struct ProjectConnection {
    pub(super) organization_id: uuid::Uuid,
    pub(super) filter: domain::ProjectFilter,
    pub(super) has_previous_page: bool,
    pub(super) page: Page<domain::Project>,
}

/// A project on a page, with its cursor.
#[derive(SimpleObject)]
pub struct ProjectEdge {
    /// Where this project is in the list, for `after`.
    pub cursor: String,
    /// The project.
    pub node: Project,
}

/// Loads, in one batch per relation, what the selection asks of every
/// project of a page, so that the nodes find it cached. Left to each node,
/// the loader's batching would depend on timing; asked for at once, a page
/// of 100 costs the statements a page of 5 does.
async fn prefetch(
    ctx: &Context<'_>,
    node: Lookahead<'_>,
    projects: &[domain::Project],
) -> Result<(), domain::Error> {
    let loader = loader(ctx);
    if node.field("organization").exists() {
        loader
            .load_many(projects.iter().map(|p| OrganizationKey(p.organization_id)))
            .await?;
    }
    let members = node.field("members");
    if members.exists() || node.field("membersCount").exists() {
        let loaded = loader
            .load_many(projects.iter().map(|p| MembersKey(p.id)))
            .await?;
        if members.field("user").exists() {
            let users = loaded
                .values()
                .flatten()
                .map(|member| UserKey(member.user_id));
            loader.load_many(users).await?;
        }
    }
    let dependencies = node.field("dependencies");
    if dependencies.exists() {
        let keys: Vec<ProjectKey> = projects
            .iter()
            .flat_map(|p| p.dependency_ids.clone())
            .map(ProjectKey)
            .collect();
        let loaded = loader.load_many(keys).await?;
        if dependencies.field("createdBy").exists() {
            loader
                .load_many(loaded.values().map(|p| UserKey(p.created_by)))
                .await?;
        }
    }
    if node.field("createdBy").exists() {
        loader
            .load_many(projects.iter().map(|p| UserKey(p.created_by)))
            .await?;
    }
    Ok(())
}

/// A page of projects (Relay's connection).
#[Object]
impl ProjectConnection {
    /// The page's items with their cursors.
    async fn edges(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ProjectEdge>> {
        prefetch(ctx, ctx.look_ahead().field("node"), &self.page.items)
            .await
            .map_err(|err| resolver_error(ctx, &err))?;
        Ok(self
            .page
            .items
            .iter()
            .map(|project| ProjectEdge {
                cursor: cursor::encode(CursorKind::Project, self.organization_id, project.id),
                node: Project(project.clone()),
            })
            .collect())
    }
    /// The page's items.
    async fn nodes(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Project>> {
        prefetch(ctx, ctx.look_ahead(), &self.page.items)
            .await
            .map_err(|err| resolver_error(ctx, &err))?;
        Ok(self.page.items.iter().cloned().map(Project).collect())
    }
    /// Where the page ends, and whether more follow.
    async fn page_info(&self) -> PageInfo {
        page_info(&self.page, self.has_previous_page, |project| {
            cursor::encode(CursorKind::Project, self.organization_id, project.id)
        })
    }
    /// Projects matching the filter, on every page.
    async fn total_count(&self, ctx: &Context<'_>) -> async_graphql::Result<u64> {
        store(ctx)
            .count_projects(self.organization_id, &self.filter)
            .await
            .map_err(|err| resolver_error(ctx, &err))
    }
}

pub struct AuditEventConnection {
    pub(super) organization_id: uuid::Uuid,
    pub(super) has_previous_page: bool,
    pub(super) page: Page<domain::AuditEvent>,
}

/// An audit event on a page, with its cursor.
#[derive(SimpleObject)]
pub struct AuditEventEdge {
    /// Where this event is in the list, for `after`.
    pub cursor: String,
    /// The event.
    pub node: AuditEvent,
}

/// A page of audit events (Relay's connection).
#[Object]
impl AuditEventConnection {
    /// The page's items with their cursors.
    async fn edges(&self) -> Vec<AuditEventEdge> {
        self.page
            .items
            .iter()
            .map(|event| AuditEventEdge {
                cursor: cursor::encode(CursorKind::AuditEvent, self.organization_id, event.id),
                node: AuditEvent(event.clone()),
            })
            .collect()
    }
    /// The page's items.
    async fn nodes(&self) -> Vec<AuditEvent> {
        self.page.items.iter().cloned().map(AuditEvent).collect()
    }
    /// Where the page ends, and whether more follow.
    async fn page_info(&self) -> PageInfo {
        page_info(&self.page, self.has_previous_page, |event| {
            cursor::encode(CursorKind::AuditEvent, self.organization_id, event.id)
        })
    }
    /// Events in the organization, on every page.
    async fn total_count(&self, ctx: &Context<'_>) -> async_graphql::Result<u64> {
        store(ctx)
            .count_audit_events(self.organization_id)
            .await
            .map_err(|err| resolver_error(ctx, &err))
    }
}

pub struct ProjectEventConnection {
    pub(super) has_previous_page: bool,
    pub(super) page: Page<domain::ProjectEvent>,
}

/// A project event on a page, with its cursor.
#[derive(SimpleObject)]
pub struct ProjectEventEdge {
    /// Where this event is in the stream, for `after`.
    pub cursor: String,
    /// The event.
    pub node: ProjectEvent,
}

/// A page of project events, oldest first (Relay's connection).
#[Object]
impl ProjectEventConnection {
    /// The page's items with their cursors.
    async fn edges(&self) -> Vec<ProjectEventEdge> {
        self.page
            .items
            .iter()
            .map(|event| ProjectEventEdge {
                cursor: cursor::encode_event(event.organization_id, event.sequence),
                node: ProjectEvent(event.clone()),
            })
            .collect()
    }
    /// The page's items.
    async fn nodes(&self) -> Vec<ProjectEvent> {
        self.page.items.iter().cloned().map(ProjectEvent).collect()
    }
    /// Where the page ends, and whether more follow now (more may come
    /// later: read on from `endCursor`).
    async fn page_info(&self) -> PageInfo {
        page_info(&self.page, self.has_previous_page, |event| {
            cursor::encode_event(event.organization_id, event.sequence)
        })
    }
}

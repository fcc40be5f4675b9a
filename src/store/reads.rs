//! Batched reads for the GraphQL read side: every function takes many keys
//! and runs a fixed number of statements, so a page of 100 costs what a
//! page of 5 does. Pages use keyset pagination on the row id (UUIDv7, so
//! creation order), which stays stable while rows are added.

use std::collections::HashMap;

use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Select,
};
use uuid::Uuid;

use super::Store;
use super::error::{internal, is_unavailable};
use super::identity::{organization_from, organization_with_role, user_from};
use super::projects::{audit_event_from, project_from};
use crate::domain::{
    self, AuditEvent, Organization, Project, ProjectFilter, ProjectMember, Role, User,
};
use crate::entity::{
    audit_event, organization, organization_member, project, project_dependency,
    project_environment, project_member, user,
};

/// One page of a list and whether more follow.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub has_next_page: bool,
}

impl Store {
    pub async fn organizations_by_ids(
        &self,
        ids: &[Uuid],
    ) -> Result<Vec<Organization>, domain::Error> {
        organization::Entity::find()
            .filter(organization::Column::Id.is_in(ids.iter().copied()))
            .all(&self.conn())
            .await
            .map_err(internal)?
            .into_iter()
            .map(organization_from)
            .collect()
    }

    /// The organization with `slug` and `user_id`'s role in it (`None`
    /// when not a member), in one round trip.
    pub async fn organization_by_slug_for(
        &self,
        slug: &str,
        user_id: Uuid,
    ) -> Result<Option<(Organization, Option<Role>)>, domain::Error> {
        match organization_with_role(&self.conn(), "o.slug", slug.into(), user_id, false).await? {
            Some((model, role)) => Ok(Some((organization_from(model)?, role))),
            None => Ok(None),
        }
    }

    pub async fn audit_events_by_ids(
        &self,
        ids: &[Uuid],
    ) -> Result<Vec<AuditEvent>, domain::Error> {
        Ok(audit_event::Entity::find()
            .filter(audit_event::Column::Id.is_in(ids.iter().copied()))
            .all(&self.conn())
            .await
            .map_err(internal)?
            .into_iter()
            .map(audit_event_from)
            .collect())
    }

    /// Which of `users` share an organization with `viewer` (the viewer
    /// included): the users a caller may see.
    pub async fn users_seen_by(
        &self,
        viewer: Uuid,
        users: &[Uuid],
    ) -> Result<Vec<Uuid>, domain::Error> {
        let organizations = organization_member::Entity::find()
            .select_only()
            .column(organization_member::Column::OrganizationId)
            .filter(organization_member::Column::UserId.eq(viewer));
        organization_member::Entity::find()
            .select_only()
            .column(organization_member::Column::UserId)
            .distinct()
            .filter(organization_member::Column::UserId.is_in(users.iter().copied()))
            .filter(
                organization_member::Column::OrganizationId
                    .in_subquery(sea_orm::QueryTrait::into_query(organizations)),
            )
            .into_tuple()
            .all(&self.conn())
            .await
            .map_err(internal)
    }

    pub async fn users_by_ids(&self, ids: &[Uuid]) -> Result<Vec<User>, domain::Error> {
        Ok(user::Entity::find()
            .filter(user::Column::Id.is_in(ids.iter().copied()))
            .all(&self.conn())
            .await
            .map_err(internal)?
            .into_iter()
            .map(user_from)
            .collect())
    }

    /// The roles `user_id` has in each of `organization_ids` it belongs to.
    pub async fn roles_in(
        &self,
        user_id: Uuid,
        organization_ids: &[Uuid],
    ) -> Result<HashMap<Uuid, Role>, domain::Error> {
        let rows = organization_member::Entity::find()
            .filter(organization_member::Column::UserId.eq(user_id))
            .filter(
                organization_member::Column::OrganizationId.is_in(organization_ids.iter().copied()),
            )
            .all(&self.conn())
            .await
            .map_err(internal)?;
        Ok(rows
            .into_iter()
            .filter_map(|row| Some((row.organization_id, Role::parse(&row.role)?)))
            .collect())
    }

    /// Projects with their environments and dependencies, deleted ones
    /// left out: three statements whatever the number of ids.
    pub async fn projects_by_ids(&self, ids: &[Uuid]) -> Result<Vec<Project>, domain::Error> {
        let query = project::Entity::find()
            .filter(project::Column::Id.is_in(ids.iter().copied()))
            .filter(project::Column::DeletedAt.is_null())
            .order_by_asc(project::Column::Id);
        let rows = readable_rows(&self.conn(), query, project::Column::Id).await?;
        complete_rows(&self.conn(), rows, true).await
    }

    /// The members of each project, oldest first.
    pub async fn members_of_projects(
        &self,
        project_ids: &[Uuid],
    ) -> Result<HashMap<Uuid, Vec<ProjectMember>>, domain::Error> {
        let rows = project_member::Entity::find()
            .filter(project_member::Column::ProjectId.is_in(project_ids.iter().copied()))
            .order_by_asc(project_member::Column::CreatedAt)
            .order_by_asc(project_member::Column::UserId)
            .all(&self.conn())
            .await
            .map_err(internal)?;
        let mut members: HashMap<Uuid, Vec<ProjectMember>> = HashMap::new();
        for row in rows {
            let Some(role) = Role::parse(&row.role) else {
                continue;
            };
            members
                .entry(row.project_id)
                .or_default()
                .push(ProjectMember {
                    user_id: row.user_id,
                    role,
                    created_at: row.created_at,
                });
        }
        Ok(members)
    }

    /// A page of an organization's projects in creation order, after the
    /// project `after` (exclusive).
    pub async fn projects_page(
        &self,
        organization_id: Uuid,
        filter: &ProjectFilter,
        after: Option<Uuid>,
        first: u64,
        with_dependencies: bool,
    ) -> Result<Page<Project>, domain::Error> {
        let mut query =
            filtered_projects(organization_id, filter).order_by_asc(project::Column::Id);
        if let Some(after) = after {
            query = query.filter(project::Column::Id.gt(after));
        }
        let page = fetch_page(&self.conn(), query, project::Column::Id, first).await?;
        Ok(Page {
            items: complete_rows(&self.conn(), page.items, with_dependencies).await?,
            has_next_page: page.has_next_page,
        })
    }

    pub async fn count_projects(
        &self,
        organization_id: Uuid,
        filter: &ProjectFilter,
    ) -> Result<u64, domain::Error> {
        filtered_projects(organization_id, filter)
            .count(&self.conn())
            .await
            .map_err(internal)
    }

    /// A page of an organization's audit events, newest first, after the
    /// event `after` (exclusive).
    pub async fn audit_events_page(
        &self,
        organization_id: Uuid,
        after: Option<Uuid>,
        first: u64,
    ) -> Result<Page<AuditEvent>, domain::Error> {
        let mut query = audit_event::Entity::find()
            .filter(audit_event::Column::OrganizationId.eq(organization_id))
            .order_by_desc(audit_event::Column::Id);
        if let Some(after) = after {
            query = query.filter(audit_event::Column::Id.lt(after));
        }
        let page = fetch_page(&self.conn(), query, audit_event::Column::Id, first).await?;
        Ok(Page {
            items: page.items.into_iter().map(audit_event_from).collect(),
            has_next_page: page.has_next_page,
        })
    }

    pub async fn count_audit_events(&self, organization_id: Uuid) -> Result<u64, domain::Error> {
        audit_event::Entity::find()
            .filter(audit_event::Column::OrganizationId.eq(organization_id))
            .count(&self.conn())
            .await
            .map_err(internal)
    }
}

/// Adds environments and, if `with_dependencies`, dependencies to
/// project rows (without, `dependency_ids` is left empty: for a page
/// whose selection does not ask for them, one statement fewer).
pub(super) async fn complete_rows(
    conn: &impl ConnectionTrait,
    rows: Vec<project::Model>,
    with_dependencies: bool,
) -> Result<Vec<Project>, domain::Error> {
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = rows.iter().map(|row| row.id).collect();
    let mut environments: HashMap<Uuid, Vec<project_environment::Model>> = HashMap::new();
    for row in project_environment::Entity::find()
        .filter(project_environment::Column::ProjectId.is_in(ids.iter().copied()))
        .order_by_asc(project_environment::Column::Position)
        .all(conn)
        .await
        .map_err(internal)?
    {
        environments.entry(row.project_id).or_default().push(row);
    }
    let mut dependencies: HashMap<Uuid, Vec<Uuid>> = HashMap::new();
    let dependency_rows = if with_dependencies {
        project_dependency::Entity::find()
            .filter(project_dependency::Column::ProjectId.is_in(ids.iter().copied()))
            .order_by_asc(project_dependency::Column::DependsOnId)
            .all(conn)
            .await
            .map_err(internal)?
    } else {
        Vec::new()
    };
    for row in dependency_rows {
        dependencies
            .entry(row.project_id)
            .or_default()
            .push(row.depends_on_id);
    }
    rows.into_iter()
        .map(|row| {
            let id = row.id;
            project_from(
                row,
                environments.remove(&id).unwrap_or_default(),
                dependencies.remove(&id).unwrap_or_default(),
            )
        })
        .collect()
}

/// Reads one row more than the page holds, to know whether more follow.
pub(super) async fn fetch_page<E: EntityTrait>(
    db: &impl ConnectionTrait,
    query: Select<E>,
    id: E::Column,
    first: u64,
) -> Result<Page<E::Model>, domain::Error> {
    let mut items = readable_rows(db, query.limit(first + 1), id).await?;
    let has_next_page = items.len() as u64 > first;
    items.truncate(first as usize);
    Ok(Page {
        items,
        has_next_page,
    })
}

/// The rows of `query`. When one of them cannot be decoded (a JSON value
/// nested deeper than the driver reads, stored before inputs were capped),
/// the rows are read again one by one and the unreadable ones are left out
/// and logged: one bad row never fails a whole page. That costs one
/// statement per row, only in that case.
async fn readable_rows<E: EntityTrait>(
    db: &impl ConnectionTrait,
    query: Select<E>,
    id: E::Column,
) -> Result<Vec<E::Model>, domain::Error> {
    let err = match query.clone().all(db).await {
        Ok(rows) => return Ok(rows),
        Err(err) if is_unavailable(&err) => return Err(internal(err)),
        Err(err) => err,
    };
    tracing::warn!(error = %err, "a row cannot be read; reading the rows one by one");
    let ids: Vec<Uuid> = query
        .clone()
        .select_only()
        .column(id)
        .into_tuple()
        .all(db)
        .await
        .map_err(internal)?;
    let mut rows = Vec::with_capacity(ids.len());
    for row_id in ids {
        match query.clone().filter(id.eq(row_id)).one(db).await {
            Ok(Some(row)) => rows.push(row),
            Ok(None) => {}
            Err(err) if is_unavailable(&err) => return Err(internal(err)),
            Err(err) => {
                tracing::error!(error = %err, id = %row_id, "an unreadable row is left out")
            }
        }
    }
    Ok(rows)
}

fn filtered_projects(organization_id: Uuid, filter: &ProjectFilter) -> Select<project::Entity> {
    let mut query =
        project::Entity::find().filter(project::Column::OrganizationId.eq(organization_id));
    query = if filter.deleted {
        query.filter(project::Column::DeletedAt.is_not_null())
    } else {
        query.filter(project::Column::DeletedAt.is_null())
    };
    if let Some(status) = filter.status {
        query = query.filter(project::Column::Status.eq(status.as_str()));
    }
    if let Some(search) = filter
        .search
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        // The caller's text is matched literally: LIKE's own characters are
        // escaped.
        let escaped = search
            .to_lowercase()
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        let pattern = || LikeExpr::new(format!("%{escaped}%")).escape('\\');
        query = query.filter(
            Condition::any()
                .add(Expr::expr(Func::lower(Expr::col(project::Column::Name))).like(pattern()))
                .add(Expr::expr(Func::lower(Expr::col(project::Column::Slug))).like(pattern())),
        );
    }
    query
}

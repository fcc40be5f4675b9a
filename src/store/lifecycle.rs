//! Changing a project after its creation: archive, restore, delete, bring
//! back, purge, and the lookups by slug.
//!
//! Every change is one write transaction that holds the project's
//! organization (`FOR UPDATE` on PostgreSQL, the write lock on SQLite) and
//! then the project row, so that it queues behind creates, plan changes and
//! every other change of the organization, across processes too; the rules
//! are checked on what it reads there, and the audit event is written in
//! the same transaction.

use chrono::Utc;
use sea_orm::sea_query::{LockBehavior, LockType};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait,
    IntoActiveModel, QueryFilter, QueryOrder, QuerySelect, Statement,
};
use serde_json::{Value, json};
use uuid::Uuid;

use std::collections::HashSet;

use super::error::internal;
use super::events::{NewEvent, is_project_event, record_event};
use super::identity::organization_from;
use super::members::project_role;
use super::projects::{
    active_projects, environment_rows, insert_error, lock_organization, project_for, project_row,
    slug_row,
};
use super::reads::complete_rows;
use super::{Store, WriteTxn};
use crate::domain::{
    self, Catalogs, Dependant, Organization, OrganizationFacts, Principal, Project, ProjectAction,
    ProjectPatch, ProjectStatus, ValidatedUpdate, check_in_organization, check_no_dependants,
    check_not_stale, check_project_action, check_room_for, next_updated_at, validate_update,
};
use crate::entity::{audit_event, project, project_dependency, project_environment, project_slug};

/// Projects purged per transaction.
const PURGE_BATCH: u64 = 100;
/// Dependants listed in an error or a payload, at most.
const MAX_DEPENDANTS_LISTED: u64 = 100;

/// A project held for a change: the write transaction, its organization
/// (locked) with the caller's role, the project row (locked on
/// PostgreSQL) and the caller's role in the project.
pub(super) struct Held {
    pub txn: WriteTxn,
    pub organization: Organization,
    pub project: project::Model,
    pub actor: Uuid,
}

impl Held {
    /// Writes an audit event about the held project.
    pub async fn audit(&self, action: &str, payload: Value) -> Result<(), domain::Error> {
        audit(
            &*self.txn,
            self.organization.id,
            self.actor,
            action,
            Some(self.project.id),
            payload,
        )
        .await
    }

    /// The held project as a domain value, read in the transaction.
    pub async fn read(&self, model: project::Model) -> Result<Project, domain::Error> {
        complete_rows(&*self.txn, vec![model], true)
            .await?
            .pop()
            .ok_or(domain::Error::Internal)
    }

    /// Commits, and returns `value`.
    pub async fn commit<T>(self, value: T) -> Result<T, domain::Error> {
        self.txn.commit().await.map_err(internal)?;
        Ok(value)
    }
}

/// Writes one audit event and, for a change to a project or its members,
/// its project event (the outbox, `store::events`); call it last in the
/// transaction, as the event numbering holds its organization's counter
/// until the commit.
pub(super) async fn audit(
    conn: &impl ConnectionTrait,
    organization_id: Uuid,
    actor: Uuid,
    action: &str,
    project_id: Option<Uuid>,
    payload: Value,
) -> Result<(), domain::Error> {
    let now = Utc::now();
    let event = is_project_event(action).then(|| payload.clone());
    audit_event::Entity::insert(audit_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(organization_id),
        actor_id: Set(actor),
        action: Set(action.to_owned()),
        project_id: Set(project_id),
        payload: Set(payload),
        created_at: Set(now),
    })
    .exec_without_returning(conn)
    .await
    .map_err(internal)?;
    if let Some(payload) = event {
        record_event(
            conn,
            &NewEvent {
                organization_id,
                action,
                project_id,
                actor_id: Some(actor),
                occurred_at: now,
                payload: &payload,
            },
        )
        .await?;
    }
    Ok(())
}

impl Store {
    /// Starts the change `action` of project `id` by `principal`: holds
    /// the organization and the project, and checks that the caller may do
    /// it. A project the caller may not see, or a deleted one (unless the
    /// action brings it back), is `PROJECT_NOT_FOUND`.
    pub(super) async fn hold_project(
        &self,
        principal: Principal,
        id: Uuid,
        action: ProjectAction,
    ) -> Result<Held, domain::Error> {
        // Who is asking is settled before any lock is taken: a stranger
        // never holds an organization's lock (or SQLite's write turn),
        // so cannot slow its members down. Checked again under the lock.
        let organization_id = self
            .project_organization_for(id, principal.user_id)
            .await?
            .ok_or(domain::Error::ProjectNotFound)?;
        let txn = self.begin_write().await?;
        let (organization, role) = lock_organization(
            &txn,
            &domain::OrganizationRef::Id(organization_id),
            principal.user_id,
        )
        .await?
        .ok_or(domain::Error::ProjectNotFound)?;
        let mut query = project::Entity::find_by_id(id);
        if txn.get_database_backend() == DbBackend::Postgres {
            query = query.lock_exclusive();
        }
        // Purged since the first read: gone.
        let project = query
            .one(&*txn)
            .await
            .map_err(internal)?
            .ok_or(domain::Error::ProjectNotFound)?;
        let project_role = project_role(&*txn, id, principal.user_id).await?;
        if role.is_none()
            || (project.deleted_at.is_some() && action != ProjectAction::RestoreDeleted)
        {
            return Err(domain::Error::ProjectNotFound);
        }
        check_project_action(action, role, project_role)?;
        Ok(Held {
            txn,
            organization: organization_from(organization)?,
            project,
            actor: principal.user_id,
        })
    }

    /// The organization of project `id`, if `user_id` is a member of it:
    /// one statement, no lock.
    async fn project_organization_for(
        &self,
        id: Uuid,
        user_id: Uuid,
    ) -> Result<Option<Uuid>, domain::Error> {
        let backend = self.db.get_database_backend();
        let (project, user) = match backend {
            DbBackend::Postgres => ("$1", "$2"),
            _ => ("?1", "?2"),
        };
        let sql = format!(
            "SELECT p.organization_id FROM projects p JOIN organization_members m \
             ON m.organization_id = p.organization_id AND m.user_id = {user} WHERE p.id = {project}"
        );
        let statement = Statement::from_sql_and_values(backend, sql, [id.into(), user_id.into()]);
        match self
            .conn()
            .query_one_raw(statement)
            .await
            .map_err(internal)?
        {
            Some(row) => Ok(Some(row.try_get("", "organization_id").map_err(internal)?)),
            None => Ok(None),
        }
    }

    /// Archives a project (it keeps its slug and rows, and stops counting
    /// towards the plan). Projects that depend on it are listed, not
    /// refused. Archiving an archived project changes nothing.
    pub async fn archive_project(
        &self,
        principal: Principal,
        id: Uuid,
    ) -> Result<(Project, Vec<Dependant>), domain::Error> {
        let held = self
            .hold_project(principal, id, ProjectAction::Archive)
            .await?;
        let dependants: Vec<Dependant> = dependants(&*held.txn, id)
            .await?
            .into_iter()
            .filter(|dependant| !dependant.deleted)
            .collect();
        if held.project.status == ProjectStatus::Archived.as_str() {
            let project = held.read(held.project.clone()).await?;
            return held.commit((project, dependants)).await;
        }
        let model = set_status(&held, ProjectStatus::Archived).await?;
        let listed: Vec<Value> = dependants
            .iter()
            .map(|d| json!({ "id": d.id, "slug": d.slug }))
            .collect();
        held.audit("project.archived", json!({ "dependants": listed }))
            .await?;
        let project = held.read(model).await?;
        held.commit((project, dependants)).await
    }

    /// Makes an archived project active again, if the plan has room for
    /// it. Restoring an active project changes nothing.
    pub async fn restore_project(
        &self,
        principal: Principal,
        id: Uuid,
    ) -> Result<Project, domain::Error> {
        let held = self
            .hold_project(principal, id, ProjectAction::Restore)
            .await?;
        if held.project.status == ProjectStatus::Active.as_str() {
            let project = held.read(held.project.clone()).await?;
            return held.commit(project).await;
        }
        check_room(&held).await?;
        let model = set_status(&held, ProjectStatus::Active).await?;
        held.audit("project.restored", json!({})).await?;
        let project = held.read(model).await?;
        held.commit(project).await
    }

    /// Deletes a project softly: it leaves every list and lookup at once,
    /// keeps its slugs reserved, and is purged after the grace period.
    /// `confirm_slug` must be its current slug; a project others depend on
    /// (deleted ones included, as they may come back) is refused.
    pub async fn delete_project(
        &self,
        principal: Principal,
        id: Uuid,
        confirm_slug: &str,
    ) -> Result<Project, domain::Error> {
        let held = self
            .hold_project(principal, id, ProjectAction::Delete)
            .await?;
        if confirm_slug != held.project.slug {
            return Err(domain::Error::ConfirmationMismatch);
        }
        check_no_dependants(dependants(&*held.txn, id).await?)?;
        let now = Utc::now();
        let mut row = held.project.clone().into_active_model();
        row.deleted_at = Set(Some(now));
        row.deleted_by = Set(Some(principal.user_id));
        row.updated_at = Set(next_updated_at(held.project.updated_at));
        let model = row.update(&*held.txn).await.map_err(internal)?;
        let purge_at = now + self.deletion_grace;
        held.audit(
            "project.deleted",
            json!({ "slug": model.slug, "purgeAt": purge_at }),
        )
        .await?;
        let project = held.read(model).await?;
        held.commit(project).await
    }

    /// Brings back a deleted project within the grace period, as it was
    /// (active or archived); an active one must fit the plan. A project
    /// that is not deleted is returned as it is.
    pub async fn restore_deleted_project(
        &self,
        principal: Principal,
        id: Uuid,
    ) -> Result<Project, domain::Error> {
        let held = self
            .hold_project(principal, id, ProjectAction::RestoreDeleted)
            .await?;
        let Some(deleted_at) = held.project.deleted_at else {
            let project = held.read(held.project.clone()).await?;
            return held.commit(project).await;
        };
        if deleted_at + self.deletion_grace <= Utc::now() {
            // Due for the purge: as good as gone.
            return Err(domain::Error::ProjectNotFound);
        }
        if held.project.status == ProjectStatus::Active.as_str() {
            check_room(&held).await?;
        }
        let mut row = held.project.clone().into_active_model();
        row.deleted_at = Set(None);
        row.deleted_by = Set(None);
        row.updated_at = Set(next_updated_at(held.project.updated_at));
        let model = row.update(&*held.txn).await.map_err(internal)?;
        held.audit("project.undeleted", json!({})).await?;
        let project = held.read(model).await?;
        held.commit(project).await
    }

    /// When a deleted project is purged.
    pub fn purge_at(&self, deleted_at: chrono::DateTime<Utc>) -> chrono::DateTime<Utc> {
        deleted_at + self.deletion_grace
    }

    /// Purges the projects deleted longer than the grace period ago, with
    /// every row that belongs to them (environments, members, dependencies
    /// and slugs go with the project row), a `project.purged` audit event
    /// each. Batches of [`PURGE_BATCH`], one transaction each; on
    /// PostgreSQL processes purging at once take different rows (`SKIP
    /// LOCKED`), and a project being brought back is skipped. Returns how
    /// many were purged.
    pub async fn purge_deleted_projects(&self) -> Result<u64, domain::Error> {
        let mut purged = 0;
        loop {
            let cutoff = Utc::now() - self.deletion_grace;
            // Most minutes there is nothing to purge: looked up on the
            // index without a write transaction.
            let due = project::Entity::find()
                .select_only()
                .column(project::Column::Id)
                .filter(project::Column::DeletedAt.lt(cutoff))
                .into_tuple::<Uuid>()
                .one(&self.conn())
                .await
                .map_err(internal)?;
            if due.is_none() {
                return Ok(purged);
            }
            let txn = self.begin_write().await?;
            let mut query = project::Entity::find()
                .filter(project::Column::DeletedAt.lt(cutoff))
                .order_by_asc(project::Column::DeletedAt)
                .limit(PURGE_BATCH);
            if txn.get_database_backend() == DbBackend::Postgres {
                query = query.lock_with_behavior(LockType::Update, LockBehavior::SkipLocked);
            }
            let rows = query.all(&*txn).await.map_err(internal)?;
            if rows.is_empty() {
                txn.commit().await.map_err(internal)?;
                return Ok(purged);
            }
            project::Entity::delete_many()
                .filter(project::Column::Id.is_in(rows.iter().map(|row| row.id)))
                .exec(&*txn)
                .await
                .map_err(internal)?;
            for row in &rows {
                audit(
                    &*txn,
                    row.organization_id,
                    row.deleted_by.unwrap_or(row.created_by),
                    "project.purged",
                    Some(row.id),
                    json!({ "slug": row.slug, "deletedAt": row.deleted_at }),
                )
                .await?;
            }
            txn.commit().await.map_err(internal)?;
            purged += rows.len() as u64;
            if (rows.len() as u64) < PURGE_BATCH {
                return Ok(purged);
            }
        }
    }

    /// The project of an organization that has or had `slug` (a renamed
    /// project keeps its old slugs), unless it is deleted.
    pub async fn project_by_slug(
        &self,
        organization_id: Uuid,
        slug: &str,
    ) -> Result<Option<Project>, domain::Error> {
        let project_id: Option<Uuid> = project_slug::Entity::find()
            .select_only()
            .column(project_slug::Column::ProjectId)
            .filter(project_slug::Column::OrganizationId.eq(organization_id))
            .filter(project_slug::Column::Slug.eq(slug))
            .into_tuple()
            .one(&self.conn())
            .await
            .map_err(internal)?;
        match project_id {
            Some(id) => self.project_by_id(id).await,
            None => Ok(None),
        }
    }
}

/// Sets the held project's status, and moves its `updatedAt`.
async fn set_status(held: &Held, status: ProjectStatus) -> Result<project::Model, domain::Error> {
    let mut row = held.project.clone().into_active_model();
    row.status = Set(status.as_str().to_owned());
    row.updated_at = Set(next_updated_at(held.project.updated_at));
    row.update(&*held.txn).await.map_err(internal)
}

/// Whether the held organization's plan has room for one more active
/// project.
async fn check_room(held: &Held) -> Result<(), domain::Error> {
    let plan = held.organization.plan;
    if plan.max_projects().is_none() {
        return Ok(());
    }
    check_room_for(
        plan,
        active_projects(&*held.txn, held.organization.id).await?,
    )
}

/// The projects that depend on project `id`, deleted ones included.
pub(super) async fn dependants(
    conn: &impl ConnectionTrait,
    id: Uuid,
) -> Result<Vec<Dependant>, domain::Error> {
    let ids: Vec<Uuid> = project_dependency::Entity::find()
        .select_only()
        .column(project_dependency::Column::ProjectId)
        .filter(project_dependency::Column::DependsOnId.eq(id))
        .order_by_asc(project_dependency::Column::ProjectId)
        .limit(MAX_DEPENDANTS_LISTED)
        .into_tuple()
        .all(conn)
        .await
        .map_err(internal)?;
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let rows: Vec<(Uuid, String, Option<chrono::DateTime<Utc>>)> = project::Entity::find()
        .select_only()
        .column(project::Column::Id)
        .column(project::Column::Slug)
        .column(project::Column::DeletedAt)
        .filter(project::Column::Id.is_in(ids))
        .order_by_asc(project::Column::Id)
        .into_tuple()
        .all(conn)
        .await
        .map_err(internal)?;
    Ok(rows
        .into_iter()
        .map(|(id, slug, deleted_at)| Dependant {
            id,
            slug,
            deleted: deleted_at.is_some(),
        })
        .collect())
}

impl Store {
    /// Applies `patch` to project `id`: with the organization and the
    /// project held, the patch is laid over the project as it is now and
    /// checked whole (every problem at once, as a creation's), then the
    /// organization's rules for what changes: a new slug must be free (a
    /// project's own old slugs are), new dependencies must be live
    /// projects of the organization and close no cycle, new metadata must
    /// fit the organization's schema. An archived project is read-only;
    /// `expected_updated_at` older than the project is `STALE_PROJECT`.
    pub async fn update_project(
        &self,
        principal: Principal,
        id: Uuid,
        patch: ProjectPatch,
        expected_updated_at: Option<chrono::DateTime<Utc>>,
        catalogs: &Catalogs,
    ) -> Result<Project, Vec<domain::Error>> {
        let one = |err: domain::Error| vec![err];
        let held = self
            .hold_project(principal, id, ProjectAction::Update)
            .await
            .map_err(one)?;
        if held.project.status == ProjectStatus::Archived.as_str() {
            return Err(vec![domain::Error::ProjectArchived]);
        }
        check_not_stale(expected_updated_at, held.project.updated_at).map_err(one)?;
        let current = held.read(held.project.clone()).await.map_err(one)?;
        let update = validate_update(&current, patch, catalogs);
        let mut errors = update.validated.errors.clone();
        errors.extend(
            update_facts(&held, &update)
                .await
                .map_err(one)?
                .err()
                .unwrap_or_default(),
        );
        if !errors.is_empty() {
            return Err(errors);
        }
        if update.changed().is_empty() {
            return held.commit(current).await.map_err(one);
        }
        let new = update.validated.to_new()?;
        // The input's fields as a create would write them; the rest is
        // the project's own.
        let creator = Principal {
            user_id: current.created_by,
        };
        let updated = Project {
            id: current.id,
            status: current.status,
            stage: current.stage,
            created_at: current.created_at,
            updated_at: next_updated_at(current.updated_at),
            deleted_at: current.deleted_at,
            ..project_for(
                current.organization_id,
                new.slug.base().to_owned(),
                &new,
                creator,
            )
        };
        write_update(&held, &update, &updated).await.map_err(one)?;
        held.audit(
            "project.updated",
            json!({
                "changed": update.changed(),
                "before": update.before,
                "after": update.after,
            }),
        )
        .await
        .map_err(one)?;
        held.commit(updated).await.map_err(one)
    }
}

/// The organization's rules for what an update changes; `Ok(Err(…))`
/// carries the problems found.
async fn update_facts(
    held: &Held,
    update: &ValidatedUpdate,
) -> Result<Result<String, Vec<domain::Error>>, domain::Error> {
    let txn = &*held.txn;
    let id = held.project.id;
    let draft = &update.validated.project;
    let mut taken_slugs = HashSet::new();
    if update.changes("slug") {
        let slug = draft.slug.base();
        let owner: Option<Uuid> = project_slug::Entity::find()
            .select_only()
            .column(project_slug::Column::ProjectId)
            .filter(project_slug::Column::OrganizationId.eq(held.organization.id))
            .filter(project_slug::Column::Slug.eq(slug))
            .into_tuple()
            .one(txn)
            .await
            .map_err(internal)?;
        if owner.is_some_and(|owner| owner != id) {
            taken_slugs.insert(slug.to_owned());
        }
    }
    let mut existing_dependencies = HashSet::new();
    let mut cycle = Vec::new();
    if update.changes("dependencyIds") && !draft.dependency_ids.is_empty() {
        let ids: Vec<Uuid> = draft.dependency_ids.iter().map(|(_, id)| *id).collect();
        existing_dependencies = project::Entity::find()
            .select_only()
            .column(project::Column::Id)
            .filter(project::Column::OrganizationId.eq(held.organization.id))
            .filter(project::Column::DeletedAt.is_null())
            .filter(project::Column::Id.is_in(ids.clone()))
            .into_tuple::<Uuid>()
            .all(txn)
            .await
            .map_err(internal)?
            .into_iter()
            .collect();
        for (index, dependency) in &draft.dependency_ids {
            if *dependency == id {
                cycle.push(domain::dependency_cycle(*index, id));
            }
        }
        if cycle.is_empty() && reaches(txn, &ids, id).await? {
            cycle.push(domain::Error::input(
                domain::Code::DependencyCycle,
                crate::field_path!["dependencyIds"],
                "One of these projects already depends, directly or not, on this one; a project cannot depend on itself.",
            ));
        }
        // A project naming itself gets the cycle error only.
        existing_dependencies.insert(id);
    }
    let facts = OrganizationFacts {
        plan: held.organization.plan,
        // An update adds no project: the plan's limit is not in question.
        current_projects: 0,
        taken_slugs,
        derived_slug: None,
        existing_dependencies,
        metadata_schema: update
            .changes("metadata")
            .then(|| held.organization.project_metadata_schema.clone())
            .flatten(),
    };
    let mut checked = check_in_organization(draft, &facts);
    if !cycle.is_empty() {
        checked = Err(match checked {
            Ok(_) => cycle,
            Err(mut errors) => {
                errors.extend(cycle);
                errors
            }
        });
    }
    Ok(checked)
}

/// Whether `target` can be reached from any of `from` along dependencies:
/// one recursive statement (`UNION` stops at rows already seen, so an
/// existing cycle cannot loop it), bounded by the organization's
/// dependency rows.
async fn reaches(
    conn: &impl ConnectionTrait,
    from: &[Uuid],
    target: Uuid,
) -> Result<bool, domain::Error> {
    let backend = conn.get_database_backend();
    let placeholder = |n: usize| match backend {
        DbBackend::Postgres => format!("${n}"),
        _ => "?".to_owned(),
    };
    let list: Vec<String> = (1..=from.len()).map(placeholder).collect();
    let sql = format!(
        "WITH RECURSIVE reach(id) AS (\
         SELECT depends_on_id FROM project_dependencies WHERE project_id IN ({}) \
         UNION SELECT d.depends_on_id FROM project_dependencies d JOIN reach r ON d.project_id = r.id) \
         SELECT 1 AS found FROM reach WHERE id = {} LIMIT 1",
        list.join(", "),
        placeholder(from.len() + 1)
    );
    let values: Vec<sea_orm::Value> = from
        .iter()
        .chain(std::iter::once(&target))
        .map(|id| (*id).into())
        .collect();
    let row = conn
        .query_one_raw(Statement::from_sql_and_values(backend, sql, values))
        .await
        .map_err(internal)?;
    Ok(row.is_some())
}

/// Writes an update: the project row, and the rows of what changed.
async fn write_update(
    held: &Held,
    update: &ValidatedUpdate,
    updated: &Project,
) -> Result<(), domain::Error> {
    let txn = &*held.txn;
    project_row(updated).update(txn).await.map_err(internal)?;
    if update.changes("environments") || update.changes("changeRequestEnvironments") {
        project_environment::Entity::delete_many()
            .filter(project_environment::Column::ProjectId.eq(updated.id))
            .exec(txn)
            .await
            .map_err(internal)?;
        let rows = environment_rows(updated);
        if !rows.is_empty() {
            project_environment::Entity::insert_many(rows)
                .exec_without_returning(txn)
                .await
                .map_err(internal)?;
        }
    }
    if update.changes("dependencyIds") {
        project_dependency::Entity::delete_many()
            .filter(project_dependency::Column::ProjectId.eq(updated.id))
            .exec(txn)
            .await
            .map_err(internal)?;
        let rows: Vec<_> = updated
            .dependency_ids
            .iter()
            .map(|id| project_dependency::ActiveModel {
                organization_id: Set(updated.organization_id),
                project_id: Set(updated.id),
                depends_on_id: Set(*id),
            })
            .collect();
        if !rows.is_empty() {
            project_dependency::Entity::insert_many(rows)
                .exec_without_returning(txn)
                .await
                .map_err(internal)?;
        }
    }
    if update.changes("slug") {
        // The new slug is reserved for the project, unless it already was
        // (one of its old slugs); the old one stays reserved and resolving.
        let own = project_slug::Entity::find_by_id((updated.organization_id, updated.slug.clone()))
            .one(txn)
            .await
            .map_err(internal)?;
        if own.is_none() {
            project_slug::Entity::insert(slug_row(updated, &updated.slug))
                .exec_without_returning(txn)
                .await
                .map_err(|err| insert_error(err, updated))?;
        }
    }
    Ok(())
}

//! Creating and reading projects.
//!
//! `create_project` is the one write path: every row a new project needs is
//! written in one transaction, serialised per organization by a row lock on
//! the organization (PostgreSQL) or by `BEGIN IMMEDIATE` (SQLite), so that
//! the plan limit and derived slugs cannot race between server processes.
//! The unique index on `(organization_id, slug)` stays the last word.

use std::collections::HashSet;

use chrono::Utc;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde_json::json;
use uuid::Uuid;

use super::Store;
use super::error::{internal, violates_unique};
use super::identity::role_in;
use crate::domain::{
    self, ChangeRequestEnvironment, NewProject, Platform, Principal, Project, ProjectMember,
    ProjectMode, ProjectSettings, ProjectStage, ProjectStatus, Role, SlugChoice, slug_candidate,
};
use crate::entity::{
    audit_event, organization, project, project_dependency, project_environment, project_member,
};

impl Store {
    /// Creates a project for `principal` in one transaction, or writes
    /// nothing.
    pub async fn create_project(
        &self,
        principal: Principal,
        new: &NewProject,
    ) -> Result<Project, domain::Error> {
        let txn = self.begin_write().await?;
        let project = create_in(&txn, principal, new).await?;
        txn.commit().await.map_err(internal)?;
        Ok(project)
    }

    pub async fn project_by_id(&self, id: Uuid) -> Result<Option<Project>, domain::Error> {
        let Some(model) = project::Entity::find_by_id(id)
            .one(&self.db)
            .await
            .map_err(internal)?
        else {
            return Ok(None);
        };
        let environments = project_environment::Entity::find()
            .filter(project_environment::Column::ProjectId.eq(id))
            .order_by_asc(project_environment::Column::Position)
            .all(&self.db)
            .await
            .map_err(internal)?;
        let dependency_ids = project_dependency::Entity::find()
            .select_only()
            .column(project_dependency::Column::DependsOnId)
            .filter(project_dependency::Column::ProjectId.eq(id))
            .into_tuple::<Uuid>()
            .all(&self.db)
            .await
            .map_err(internal)?;
        project_from(model, environments, dependency_ids).map(Some)
    }

    pub async fn project_members(
        &self,
        project_id: Uuid,
    ) -> Result<Vec<ProjectMember>, domain::Error> {
        let rows = project_member::Entity::find()
            .filter(project_member::Column::ProjectId.eq(project_id))
            .order_by_asc(project_member::Column::CreatedAt)
            .all(&self.db)
            .await
            .map_err(internal)?;
        Ok(rows
            .into_iter()
            .filter_map(|row| {
                Some(ProjectMember {
                    user_id: row.user_id,
                    role: Role::parse(&row.role)?,
                    created_at: row.created_at,
                })
            })
            .collect())
    }

    pub async fn project_members_count(&self, project_id: Uuid) -> Result<i64, domain::Error> {
        let n = project_member::Entity::find()
            .filter(project_member::Column::ProjectId.eq(project_id))
            .count(&self.db)
            .await
            .map_err(internal)?;
        Ok(n as i64)
    }
}

async fn create_in(
    txn: &DatabaseTransaction,
    principal: Principal,
    new: &NewProject,
) -> Result<Project, domain::Error> {
    let field = vec!["input".to_owned(), "organizationId".to_owned()];
    let not_found = || domain::Error::OrganizationNotFound {
        field: field.clone(),
    };

    // Lock the organization row first: every create in this organization
    // waits here, so the count and the slug choice below cannot race.
    let organization = match new.organization_id {
        Some(id) => organization::Entity::find_by_id(id),
        None => organization::Entity::find()
            .filter(organization::Column::PersonalOwnerId.eq(principal.user_id)),
    }
    .lock_exclusive()
    .one(txn)
    .await
    .map_err(internal)?
    .ok_or_else(not_found)?;
    let organization = super::identity::organization_from(organization)?;

    match role_in(txn, organization.id, principal.user_id).await? {
        None => return Err(not_found()),
        Some(role) if !role.may_create_projects() => return Err(domain::Error::Forbidden),
        Some(_) => {}
    }

    if let Some(max) = organization.plan.max_projects() {
        let current = project::Entity::find()
            .filter(project::Column::OrganizationId.eq(organization.id))
            .filter(project::Column::ArchivedAt.is_null())
            .count(txn)
            .await
            .map_err(internal)? as i64;
        if current >= max {
            return Err(domain::Error::MaxProjectsReached { max, current });
        }
    }

    let slug = choose_slug(txn, organization.id, &new.slug).await?;
    let environments: Vec<String> = super::catalog::environments(txn)
        .await?
        .into_iter()
        .filter(|environment| !environment.deprecated)
        .map(|environment| environment.name)
        .collect();

    let now = Utc::now();
    let project = Project {
        id: Uuid::now_v7(),
        organization_id: organization.id,
        name: new.name.clone(),
        slug,
        description: new.description.clone(),
        status: ProjectStatus::Active,
        stage: ProjectStage::Development,
        settings: new.settings.clone(),
        deployment: None,
        mode: new.mode,
        default_stickiness: new.default_stickiness.clone(),
        feature_limit: None,
        environments,
        change_request_environments: Vec::new(),
        is_public: new.is_public,
        dependency_ids: Vec::new(),
        metadata: None,
        created_by: principal.user_id,
        created_at: now,
        updated_at: now,
    };

    project::Entity::insert(project_row(&project))
        .exec_without_returning(txn)
        .await
        .map_err(|err| {
            if violates_unique(
                &err,
                "projects_organization_id_slug_key",
                "projects",
                &["organization_id", "slug"],
            ) {
                domain::Error::SlugAlreadyExists {
                    slug: project.slug.clone(),
                }
            } else {
                internal(err)
            }
        })?;

    let environment_rows: Vec<_> = project
        .environments
        .iter()
        .enumerate()
        .map(|(position, name)| project_environment::ActiveModel {
            organization_id: Set(project.organization_id),
            project_id: Set(project.id),
            environment: Set(name.clone()),
            enabled: Set(true),
            change_requests_enabled: Set(false),
            required_approvals: Set(None),
            position: Set(position as i32),
        })
        .collect();
    if !environment_rows.is_empty() {
        project_environment::Entity::insert_many(environment_rows)
            .exec_without_returning(txn)
            .await
            .map_err(internal)?;
    }

    project_member::Entity::insert(project_member::ActiveModel {
        organization_id: Set(project.organization_id),
        project_id: Set(project.id),
        user_id: Set(principal.user_id),
        role: Set(Role::Owner.as_str().to_owned()),
        created_at: Set(now),
    })
    .exec_without_returning(txn)
    .await
    .map_err(internal)?;

    audit_event::Entity::insert(audit_event::ActiveModel {
        id: Set(Uuid::now_v7()),
        organization_id: Set(project.organization_id),
        actor_id: Set(principal.user_id),
        action: Set("project.created".to_owned()),
        project_id: Set(Some(project.id)),
        payload: Set(json!({ "input": accepted_input(new, &project) })),
        created_at: Set(now),
    })
    .exec_without_returning(txn)
    .await
    .map_err(internal)?;

    Ok(project)
}

/// An explicit slug is checked and kept; a derived one takes the first
/// free suffix. The organization lock makes the read race-free.
async fn choose_slug<C: ConnectionTrait>(
    db: &C,
    organization_id: Uuid,
    slug: &SlugChoice,
) -> Result<String, domain::Error> {
    let base = match slug {
        SlugChoice::Explicit(slug) | SlugChoice::Derived(slug) => slug,
    };
    let taken: HashSet<String> = project::Entity::find()
        .select_only()
        .column(project::Column::Slug)
        .filter(project::Column::OrganizationId.eq(organization_id))
        .filter(project::Column::Slug.starts_with(base.as_str()))
        .into_tuple::<String>()
        .all(db)
        .await
        .map_err(internal)?
        .into_iter()
        .collect();
    match slug {
        SlugChoice::Explicit(slug) if taken.contains(slug) => {
            Err(domain::Error::SlugAlreadyExists { slug: slug.clone() })
        }
        SlugChoice::Explicit(slug) => Ok(slug.clone()),
        SlugChoice::Derived(base) => Ok((0..)
            .map(|n| slug_candidate(base, n))
            .find(|candidate| !taken.contains(candidate))
            .unwrap_or_else(|| base.clone())),
    }
}

/// The input as accepted (after trimming and defaults), for the audit log.
fn accepted_input(new: &NewProject, project: &Project) -> serde_json::Value {
    json!({
        "organizationId": project.organization_id,
        "name": new.name,
        "slug": project.slug,
        "description": new.description,
        "mode": new.mode.as_str(),
        "defaultStickiness": new.default_stickiness,
        "environments": project.environments,
        "permissions": { "public": new.is_public },
    })
}

fn project_row(project: &Project) -> project::ActiveModel {
    let settings = &project.settings;
    project::ActiveModel {
        id: Set(project.id),
        organization_id: Set(project.organization_id),
        name: Set(project.name.clone()),
        slug: Set(project.slug.clone()),
        description: Set(project.description.clone()),
        status: Set(project.status.as_str().to_owned()),
        stage: Set(project.stage.as_str().to_owned()),
        mode: Set(project.mode.as_str().to_owned()),
        default_stickiness: Set(project.default_stickiness.clone()),
        feature_limit: Set(project.feature_limit),
        is_public: Set(project.is_public),
        default_locale: Set(settings.default_locale.clone()),
        supported_locales: Set(json!(settings.supported_locales)),
        default_platform: Set(settings.default_platform.as_str().to_owned()),
        supported_platforms: Set(json!(
            settings
                .supported_platforms
                .iter()
                .map(|platform| platform.as_str())
                .collect::<Vec<_>>()
        )),
        thumbnail_url: Set(settings.thumbnail_url.clone()),
        deployment_region: Set(project.deployment.as_ref().map(|d| d.region.clone())),
        deployment_runtime: Set(project.deployment.as_ref().map(|d| d.runtime.clone())),
        metadata: Set(project.metadata.clone()),
        created_by: Set(project.created_by),
        archived_at: Set(None),
        created_at: Set(project.created_at),
        updated_at: Set(project.updated_at),
    }
}

fn project_from(
    model: project::Model,
    environments: Vec<project_environment::Model>,
    dependency_ids: Vec<Uuid>,
) -> Result<Project, domain::Error> {
    let corrupt = |what: &str| {
        tracing::error!(project = %model.id, what, "unreadable project row");
        domain::Error::Internal
    };
    let strings = |value: &serde_json::Value| -> Vec<String> {
        serde_json::from_value(value.clone()).unwrap_or_default()
    };
    let settings = ProjectSettings {
        default_locale: model.default_locale.clone(),
        supported_locales: strings(&model.supported_locales),
        default_platform: Platform::parse(&model.default_platform)
            .ok_or_else(|| corrupt("default_platform"))?,
        supported_platforms: strings(&model.supported_platforms)
            .iter()
            .filter_map(|s| Platform::parse(s))
            .collect(),
        thumbnail_url: model.thumbnail_url.clone(),
    };
    let deployment = match (&model.deployment_region, &model.deployment_runtime) {
        (Some(region), Some(runtime)) => Some(domain::Deployment {
            region: region.clone(),
            runtime: runtime.clone(),
        }),
        _ => None,
    };
    Ok(Project {
        id: model.id,
        organization_id: model.organization_id,
        status: ProjectStatus::parse(&model.status).ok_or_else(|| corrupt("status"))?,
        stage: ProjectStage::parse(&model.stage).ok_or_else(|| corrupt("stage"))?,
        mode: ProjectMode::parse(&model.mode).ok_or_else(|| corrupt("mode"))?,
        settings,
        deployment,
        environments: environments
            .iter()
            .filter(|environment| environment.enabled)
            .map(|environment| environment.environment.clone())
            .collect(),
        change_request_environments: environments
            .iter()
            .filter(|environment| environment.change_requests_enabled)
            .map(|environment| ChangeRequestEnvironment {
                name: environment.environment.clone(),
                required_approvals: environment.required_approvals.unwrap_or(1),
            })
            .collect(),
        dependency_ids,
        name: model.name,
        slug: model.slug,
        description: model.description,
        default_stickiness: model.default_stickiness,
        feature_limit: model.feature_limit,
        is_public: model.is_public,
        metadata: model.metadata,
        created_by: model.created_by,
        created_at: model.created_at,
        updated_at: model.updated_at,
    })
}

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
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseTransaction, DbBackend, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait, Statement,
};
use serde_json::json;
use uuid::Uuid;

use super::Store;
use super::error::{internal, violates_unique};
use super::events::{NewEvent, PREVIOUS_CTE, chained_event_statements, event_statements};
use super::identity::{organization_from, organization_with_role};
use crate::domain::{
    self, AuditEvent, ChangeRequestEnvironment, NewProject, OrganizationFacts, OrganizationRef,
    Platform, Principal, Project, ProjectDraft, ProjectMode, ProjectSettings, ProjectStage,
    ProjectStatus, Role, SlugChoice, Validated, check_in_organization, check_role,
};
use crate::entity::{
    audit_event, organization, project, project_dependency, project_environment, project_member,
    project_slug,
};

impl Store {
    /// Creates a validated project for `principal` in one transaction, or
    /// writes nothing and returns every problem: the input errors found
    /// before, plus the organization's rules checked here with the
    /// organization locked.
    pub async fn create_project(
        &self,
        principal: Principal,
        validated: &Validated,
    ) -> Result<Project, Vec<domain::Error>> {
        if validated.project.organization == OrganizationRef::Malformed {
            return Err(validated.errors.clone());
        }
        if let Some(project) = self.create_at_once(principal, validated).await? {
            self.note_created();
            self.metrics.projects_created.inc();
            return Ok(project);
        }
        let txn = self.begin_write().await.map_err(|err| vec![err])?;
        let project = create_in(&txn, principal, validated).await?;
        self.record_created(&txn, project.id)
            .await
            .map_err(|err| vec![err])?;
        txn.commit().await.map_err(|err| vec![internal(err)])?;
        self.note_created();
        self.metrics.projects_created.inc();
        Ok(project)
    }

    /// PostgreSQL, the common create in one statement (one round trip, one
    /// implicit transaction): a request with no input problem, an explicit
    /// slug, no dependencies and no idempotency key, into an organization
    /// given by id whose rules need no reads, that is a plan without a
    /// project limit and no metadata schema to check the metadata against.
    /// The statement holds the organization with `FOR SHARE` (creates like
    /// it run side by side; a plan change, a schema change or a create
    /// that needs the organization's rules waits for it, and it for them),
    /// checks the caller's role, and writes the rows only if all of that
    /// holds; the unique index checks the slug. When the guard does not
    /// hold, nothing is written and `None` sends the request down the
    /// locked path, which finds and reports every problem.
    async fn create_at_once(
        &self,
        principal: Principal,
        validated: &Validated,
    ) -> Result<Option<Project>, Vec<domain::Error>> {
        let draft = &validated.project;
        let (OrganizationRef::Id(organization_id), SlugChoice::Explicit(slug)) =
            (&draft.organization, &draft.slug)
        else {
            return Ok(None);
        };
        if self.db.get_database_backend() != DbBackend::Postgres
            || self.claim.is_some()
            || !validated.errors.is_empty()
            || !draft.dependency_ids.is_empty()
        {
            return Ok(None);
        }
        let new = validated.to_new()?;
        let project = project_for(*organization_id, slug.clone(), &new, principal);
        let statements = insert_statements(DbBackend::Postgres, &project, &new);
        let statement = guarded_statement(*organization_id, principal.user_id, &new, statements);
        let row = self
            .db
            .query_one_raw(statement)
            .await
            .map_err(|err| vec![insert_error(err, &project)])?;
        let created: i64 = row
            .map(|row| row.try_get("", "created"))
            .transpose()
            .map_err(|err| vec![internal(err)])?
            .unwrap_or(0);
        Ok((created == 1).then_some(project))
    }

    pub async fn project_by_id(&self, id: Uuid) -> Result<Option<Project>, domain::Error> {
        Ok(self.projects_by_ids(&[id]).await?.pop())
    }

    /// The newest audit events of an organization, newest first.
    pub async fn audit_events(
        &self,
        organization_id: Uuid,
        limit: u64,
    ) -> Result<Vec<AuditEvent>, domain::Error> {
        let rows = audit_event::Entity::find()
            .filter(audit_event::Column::OrganizationId.eq(organization_id))
            .order_by_desc(audit_event::Column::CreatedAt)
            .order_by_desc(audit_event::Column::Id)
            .limit(limit)
            .all(&self.conn())
            .await
            .map_err(internal)?;
        Ok(rows.into_iter().map(audit_event_from).collect())
    }
}

async fn create_in(
    txn: &DatabaseTransaction,
    principal: Principal,
    validated: &Validated,
) -> Result<Project, Vec<domain::Error>> {
    let new = &validated.project;
    // Every problem found so far comes along with whatever is found here.
    let with_input_errors = |found: Vec<domain::Error>| -> Vec<domain::Error> {
        let mut errors = validated.errors.clone();
        errors.extend(found);
        errors
    };

    // Lock the organization row first: every create in this organization
    // waits here, so the count and the slug choice below cannot race. The
    // caller's role comes in the same round trip.
    let locked = lock_organization(txn, &new.organization, principal.user_id)
        .await
        .map_err(|err| vec![err])?;
    // A gate error (no such organization, or a role that may not create)
    // comes first, then the input problems, none of which depends on the
    // organization.
    let gate = |err: domain::Error| -> Vec<domain::Error> {
        std::iter::once(err)
            .chain(validated.errors.iter().cloned())
            .collect()
    };
    let Some((organization, role)) = locked else {
        return Err(gate(domain::Error::OrganizationNotFound));
    };
    let organization = organization_from(organization).map_err(|err| vec![err])?;
    check_role(role).map_err(gate)?;

    let facts = organization_facts(txn, &organization, new, !validated.errors.is_empty())
        .await
        .map_err(|err| vec![err])?;
    let slug = match check_in_organization(new, &facts) {
        Ok(slug) => slug,
        Err(errors) => return Err(with_input_errors(errors)),
    };
    // Only a request without input problems becomes a project.
    let new = validated.to_new()?;

    let project = project_for(organization.id, slug, &new, principal);
    insert_project(txn, &project, &new)
        .await
        .map_err(|err| vec![err])?;
    Ok(project)
}

/// The project a create makes, before it is written.
pub(super) fn project_for(
    organization_id: Uuid,
    slug: String,
    new: &NewProject,
    principal: Principal,
) -> Project {
    let now = Utc::now();
    Project {
        id: Uuid::now_v7(),
        organization_id,
        name: new.name.clone(),
        slug,
        description: new.description.clone(),
        status: ProjectStatus::Active,
        stage: ProjectStage::Development,
        settings: new.settings.clone(),
        deployment: new.deployment.clone(),
        mode: new.mode,
        default_stickiness: new.default_stickiness.clone(),
        feature_limit: new.feature_limit,
        environments: new.environments.clone(),
        change_request_environments: new.change_request_environments.clone(),
        is_public: new.is_public,
        dependency_ids: new.dependency_ids.iter().map(|(_, id)| *id).collect(),
        metadata: new.metadata.clone(),
        created_by: principal.user_id,
        created_at: now,
        updated_at: now,
        deleted_at: None,
    }
}

/// The inserts of [`insert_statements`] as one statement that writes them
/// only when the organization's guard holds (see `Store::create_at_once`),
/// and answers `created`: 1 when it wrote them, 0 when not. The plans and
/// roles are written from the domain's own lists.
fn guarded_statement(
    organization_id: Uuid,
    user_id: Uuid,
    new: &NewProject,
    inserts: Vec<Statement>,
) -> Statement {
    let sql = if new.metadata.as_ref().is_some_and(|m| m.is_object()) {
        &GUARD_SQL.with_schema_check
    } else {
        &GUARD_SQL.without
    };
    let guard = Statement::from_sql_and_values(
        DbBackend::Postgres,
        sql.as_str(),
        [organization_id.into(), user_id.into()],
    );
    let mut statements = vec![guard];
    statements.extend(inserts.into_iter().map(|insert| Statement {
        sql: only_if_guarded(&insert.sql),
        ..insert
    }));
    statements.push(Statement::from_string(
        DbBackend::Postgres,
        "SELECT count(*) AS created FROM w0",
    ));
    one_statement(statements)
}

/// The guard of [`guarded_statement`], written once from the domain's own
/// lists of plans without a limit and roles that create; with or without
/// the condition that the organization has no metadata schema (needed
/// only when the input has metadata to check).
struct GuardSql {
    with_schema_check: String,
    without: String,
}

static GUARD_SQL: std::sync::LazyLock<GuardSql> = std::sync::LazyLock::new(|| {
    let quoted = |names: Vec<&str>| {
        names
            .iter()
            .map(|name| format!("'{name}'"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let unlimited = quoted(
        domain::Plan::ALL
            .iter()
            .filter(|plan| plan.max_projects().is_none())
            .map(|plan| plan.as_str())
            .collect(),
    );
    let creators = quoted(
        Role::ALL
            .iter()
            .filter(|role| role.may_create_projects())
            .map(|role| role.as_str())
            .collect(),
    );
    let sql = |schema: &str| {
        format!(
            "SELECT o.id FROM organizations o WHERE o.id = $1 AND o.plan IN ({unlimited}){schema} \
             AND EXISTS (SELECT 1 FROM organization_members m WHERE m.organization_id = o.id \
             AND m.user_id = $2 AND m.role IN ({creators})) FOR SHARE OF o"
        )
    };
    GuardSql {
        with_schema_check: sql(" AND o.project_metadata_schema IS NULL"),
        without: sql(""),
    }
});

/// `INSERT INTO t (…) VALUES (…)` → the same rows, written only if the
/// guard (the first CTE, `w0`) found the organization.
fn only_if_guarded(insert: &str) -> String {
    match insert.split_once(" VALUES ") {
        Some((head, rest)) => {
            let (rows, conflict) = match rest.split_once(" ON CONFLICT ") {
                Some((rows, action)) => (rows, format!(" ON CONFLICT {action}")),
                None => (rest, String::new()),
            };
            format!(
                "{head} SELECT * FROM (VALUES {rows}) AS v WHERE EXISTS (SELECT 1 FROM w0){conflict}"
            )
        }
        None => insert.to_owned(),
    }
}

/// The organization a create goes to, locked for the rest of the
/// transaction (PostgreSQL; SQLite's write transaction holds the database),
/// with the caller's role in it: one round trip.
pub(super) async fn lock_organization(
    txn: &DatabaseTransaction,
    organization: &OrganizationRef,
    user_id: Uuid,
) -> Result<Option<(organization::Model, Option<Role>)>, domain::Error> {
    let (key, value) = match organization {
        OrganizationRef::Id(id) => ("o.id", *id),
        OrganizationRef::Personal | OrganizationRef::Malformed => ("o.personal_owner_id", user_id),
    };
    organization_with_role(txn, key, value.into(), user_id, true).await
}

/// What the organization's rules need to know, read under the lock. The
/// slugs are read only when the choice needs them: a derived slug, or a
/// request already refused (so that a taken slug is reported with the
/// rest); an explicit slug on its way in is checked by the unique index.
async fn organization_facts(
    txn: &DatabaseTransaction,
    organization: &domain::Organization,
    new: &ProjectDraft,
    refused: bool,
) -> Result<OrganizationFacts, domain::Error> {
    let current_projects = if organization.plan.max_projects().is_some() {
        active_projects(txn, organization.id).await?
    } else {
        0
    };
    let over_limit = organization
        .plan
        .max_projects()
        .is_some_and(|max| current_projects >= max);
    let slugs_among = |candidates: Vec<String>| async move {
        let taken: HashSet<String> = project_slug::Entity::find()
            .select_only()
            .column(project_slug::Column::Slug)
            .filter(project_slug::Column::OrganizationId.eq(organization.id))
            .filter(project_slug::Column::Slug.is_in(candidates))
            .into_tuple::<String>()
            .all(txn)
            .await
            .map_err(internal)?
            .into_iter()
            .collect();
        Ok(taken)
    };
    let (taken_slugs, derived_slug) = match &new.slug {
        SlugChoice::Explicit(_) if !refused && !over_limit => (HashSet::new(), None),
        SlugChoice::Explicit(slug) => (slugs_among(vec![slug.clone()]).await?, None),
        SlugChoice::Derived(base) => (HashSet::new(), Some(free_slug(base, slugs_among).await?)),
    };
    let existing_dependencies: HashSet<Uuid> = if new.dependency_ids.is_empty() {
        HashSet::new()
    } else {
        project::Entity::find()
            .select_only()
            .column(project::Column::Id)
            .filter(project::Column::OrganizationId.eq(organization.id))
            .filter(project::Column::DeletedAt.is_null())
            .filter(project::Column::Id.is_in(new.dependency_ids.iter().map(|(_, id)| *id)))
            .into_tuple::<Uuid>()
            .all(txn)
            .await
            .map_err(internal)?
            .into_iter()
            .collect()
    };
    Ok(OrganizationFacts {
        plan: organization.plan,
        current_projects,
        taken_slugs,
        derived_slug,
        existing_dependencies,
        metadata_schema: organization.project_metadata_schema.clone(),
    })
}

/// The projects of an organization that count towards its plan: active
/// and not deleted.
pub(super) async fn active_projects(
    conn: &impl ConnectionTrait,
    organization_id: Uuid,
) -> Result<i64, domain::Error> {
    Ok(project::Entity::find()
        .filter(project::Column::OrganizationId.eq(organization_id))
        .filter(project::Column::Status.eq(ProjectStatus::Active.as_str()))
        .filter(project::Column::DeletedAt.is_null())
        .count(conn)
        .await
        .map_err(internal)? as i64)
}

/// A free slug for a derived `base`: the first of each round of
/// [`domain::slug_probes`] that `taken_among` does not report taken. Each
/// round is one indexed lookup of 16 keys, and past the sequential rounds
/// one random round nearly always finds a free slug, so the cost stops
/// growing with the number of slugs that share the base (a prefix scan
/// read all of them).
pub(super) async fn free_slug<F, Fut>(base: &str, taken_among: F) -> Result<String, domain::Error>
where
    F: Fn(Vec<String>) -> Fut,
    Fut: std::future::Future<Output = Result<HashSet<String>, domain::Error>>,
{
    const ROUNDS: u32 = domain::SEQUENTIAL_SLUG_ROUNDS + 4;
    for round in 0..ROUNDS {
        let probes = domain::slug_probes(base, round);
        let taken = taken_among(probes.clone()).await?;
        if let Some(free) = probes.into_iter().find(|probe| !taken.contains(probe)) {
            return Ok(free);
        }
    }
    tracing::error!(base, "no free slug in {ROUNDS} rounds of probes");
    Err(domain::Error::Internal)
}

/// Writes the project and everything that comes with it: on PostgreSQL
/// in one statement (one round trip), elsewhere one statement per table.
async fn insert_project(
    txn: &DatabaseTransaction,
    project: &Project,
    new: &NewProject,
) -> Result<(), domain::Error> {
    let backend = txn.get_database_backend();
    let statements = insert_statements(backend, project, new);
    let statements = match backend {
        DbBackend::Postgres => vec![one_statement(statements)],
        _ => statements,
    };
    for statement in statements {
        txn.execute_raw(statement)
            .await
            .map_err(|err| insert_error(err, project))?;
    }
    Ok(())
}

/// A failed insert: a taken slug is the caller's problem, the rest ours.
pub(super) fn insert_error(err: sea_orm::DbErr, project: &Project) -> domain::Error {
    if violates_unique(
        &err,
        "projects_organization_id_slug_key",
        "projects",
        &["organization_id", "slug"],
    ) || violates_unique(
        &err,
        "project_slugs_pkey",
        "project_slugs",
        &["organization_id", "slug"],
    ) {
        domain::Error::SlugAlreadyExists {
            slug: project.slug.clone(),
        }
    } else {
        internal(err)
    }
}

/// One INSERT per table a new project writes to.
fn insert_statements(backend: DbBackend, project: &Project, new: &NewProject) -> Vec<Statement> {
    let mut statements = vec![
        project::Entity::insert(project_row(project)).build(backend),
        project_slug::Entity::insert(slug_row(project, &project.slug)).build(backend),
    ];
    let environment_rows = environment_rows(project);
    if !environment_rows.is_empty() {
        statements.push(project_environment::Entity::insert_many(environment_rows).build(backend));
    }
    if !project.dependency_ids.is_empty() {
        let rows = project
            .dependency_ids
            .iter()
            .map(|id| project_dependency::ActiveModel {
                organization_id: Set(project.organization_id),
                project_id: Set(project.id),
                depends_on_id: Set(*id),
            });
        statements.push(project_dependency::Entity::insert_many(rows).build(backend));
    }
    statements.push(
        project_member::Entity::insert(project_member::ActiveModel {
            organization_id: Set(project.organization_id),
            project_id: Set(project.id),
            user_id: Set(project.created_by),
            role: Set(Role::Owner.as_str().to_owned()),
            created_at: Set(project.created_at),
        })
        .build(backend),
    );
    let payload = json!({ "input": new.to_json(project.organization_id, &project.slug) });
    statements.push(
        audit_event::Entity::insert(audit_event::ActiveModel {
            id: Set(Uuid::now_v7()),
            organization_id: Set(project.organization_id),
            actor_id: Set(project.created_by),
            action: Set("project.created".to_owned()),
            project_id: Set(Some(project.id)),
            payload: Set(payload.clone()),
            created_at: Set(project.created_at),
        })
        .build(backend),
    );
    // The project event comes last: its numbering holds the organization's
    // event counter until the commit.
    let event = NewEvent {
        organization_id: project.organization_id,
        action: "project.created",
        project_id: Some(project.id),
        actor_id: Some(project.created_by),
        occurred_at: project.created_at,
        payload: &payload,
    };
    statements.extend(match backend {
        DbBackend::Postgres => chained_event_statements(&event),
        _ => event_statements(backend, &event),
    });
    statements
}

/// PostgreSQL: several INSERTs as one statement, all but the last as
/// data-modifying CTEs. They run on one snapshot, and the foreign-key
/// checks run at its end, so rows may refer to one another. Placeholders
/// are renumbered; sea-query writes every value as one.
fn one_statement(statements: Vec<Statement>) -> Statement {
    let mut sql = String::from("WITH ");
    let mut values = Vec::new();
    let last = statements.len() - 1;
    for (i, statement) in statements.into_iter().enumerate() {
        let offset = values.len();
        let text = renumber(&statement.sql, offset);
        let text = match i.checked_sub(1) {
            Some(previous) => text.replace(PREVIOUS_CTE, &format!("w{previous}")),
            None => text,
        };
        if i == last {
            sql.truncate(sql.len() - 2);
            sql.push(' ');
            sql.push_str(&text);
        } else {
            sql.push_str(&format!("w{i} AS ({text}), "));
        }
        if let Some(own) = statement.values {
            values.extend(own.0);
        }
    }
    Statement::from_sql_and_values(DbBackend::Postgres, sql, values)
}

/// `$1` → `$(1 + offset)`, outside quoted identifiers.
fn renumber(sql: &str, offset: usize) -> String {
    let mut out = String::with_capacity(sql.len() + 16);
    let mut chars = sql.chars().peekable();
    let mut quoted = false;
    while let Some(c) = chars.next() {
        if c == '"' {
            quoted = !quoted;
        }
        if c == '$' && !quoted && chars.peek().is_some_and(char::is_ascii_digit) {
            let mut number = 0usize;
            while let Some(digit) = chars.peek().and_then(|d| d.to_digit(10)) {
                number = number * 10 + digit as usize;
                chars.next();
            }
            out.push('$');
            out.push_str(&(number + offset).to_string());
        } else {
            out.push(c);
        }
    }
    out
}

/// One row per environment that is enabled or has change requests (a
/// change-request environment need not be enabled).
pub(super) fn environment_rows(project: &Project) -> Vec<project_environment::ActiveModel> {
    let mut names: Vec<&str> = project.environments.iter().map(String::as_str).collect();
    for environment in &project.change_request_environments {
        if !names.contains(&environment.name.as_str()) {
            names.push(&environment.name);
        }
    }
    names
        .into_iter()
        .enumerate()
        .map(|(position, name)| {
            let change_requests = project
                .change_request_environments
                .iter()
                .find(|environment| environment.name == name);
            project_environment::ActiveModel {
                organization_id: Set(project.organization_id),
                project_id: Set(project.id),
                environment: Set(name.to_owned()),
                enabled: Set(project.environments.iter().any(|enabled| enabled == name)),
                change_requests_enabled: Set(change_requests.is_some()),
                required_approvals: Set(change_requests.map(|e| e.required_approvals)),
                position: Set(position as i32),
            }
        })
        .collect()
}

/// The row that reserves `slug` in the project's organization for it.
pub(super) fn slug_row(project: &Project, slug: &str) -> project_slug::ActiveModel {
    project_slug::ActiveModel {
        organization_id: Set(project.organization_id),
        slug: Set(slug.to_owned()),
        project_id: Set(project.id),
        created_at: Set(Utc::now()),
    }
}

pub(super) fn project_row(project: &Project) -> project::ActiveModel {
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
        deleted_at: Set(None),
        deleted_by: Set(None),
        created_at: Set(project.created_at),
        updated_at: Set(project.updated_at),
    }
}

pub(super) fn project_from(
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
        deleted_at: model.deleted_at,
    })
}

pub(super) fn audit_event_from(row: audit_event::Model) -> AuditEvent {
    AuditEvent {
        id: row.id,
        organization_id: row.organization_id,
        actor_id: row.actor_id,
        action: row.action,
        project_id: row.project_id,
        payload: row.payload,
        created_at: row.created_at,
    }
}

#[cfg(test)]
mod tests {
    use super::{only_if_guarded, renumber};

    #[test]
    fn placeholders_are_renumbered_outside_quoted_names() {
        assert_eq!(
            renumber(r#"INSERT INTO "t" ("a$1", "b") VALUES ($1, $12)"#, 7),
            r#"INSERT INTO "t" ("a$1", "b") VALUES ($8, $19)"#
        );
        assert_eq!(renumber("SELECT $1", 0), "SELECT $1");
    }

    #[test]
    fn guarded_inserts_write_their_rows_only_when_the_guard_found_the_organization() {
        assert_eq!(
            only_if_guarded(r#"INSERT INTO "t" ("a", "b") VALUES ($1, $2), ($3, $4)"#),
            r#"INSERT INTO "t" ("a", "b") SELECT * FROM (VALUES ($1, $2), ($3, $4)) AS v WHERE EXISTS (SELECT 1 FROM w0)"#
        );
        assert_eq!(
            only_if_guarded(
                "INSERT INTO c (o, n) VALUES ($1, 1) ON CONFLICT (o) DO UPDATE SET n = c.n + 1 RETURNING n"
            ),
            "INSERT INTO c (o, n) SELECT * FROM (VALUES ($1, 1)) AS v WHERE EXISTS (SELECT 1 FROM w0) ON CONFLICT (o) DO UPDATE SET n = c.n + 1 RETURNING n"
        );
    }
}

//! The use cases: each one whole flow of the server, transport-neutral.
//! The GraphQL resolvers call them, and so will every REST door, so that
//! no rule or step exists twice.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use crate::domain::{
    self, CreateOrganization, CreateProject, Dependant, Organization, Principal, Project,
    ProjectMember, ProjectPatch, Role,
};
use crate::store::Store;

/// Creates a project for `principal`: the input rules (with the catalogs),
/// then, inside one transaction with the organization locked, its rules
/// and every write. Returns every problem at once, or the project.
pub async fn create_project(
    store: &Store,
    principal: Principal,
    input: CreateProject,
) -> Result<Project, Vec<domain::Error>> {
    let catalogs = store.catalogs().await.map_err(|err| vec![err])?;
    let validated = domain::validate_create(input, &catalogs);
    store.create_project(principal, &validated).await
}

/// Creates an organization with `principal` as its OWNER.
pub async fn create_organization(
    store: &Store,
    principal: Principal,
    input: CreateOrganization,
) -> Result<Organization, Vec<domain::Error>> {
    let new = domain::validate_create_organization(input)?;
    store
        .create_organization(principal, &new)
        .await
        .map_err(|err| vec![err])
}

/// The project a retried Idempotency-Key created the first time; it may
/// have been deleted since.
pub async fn resume_project(store: &Store, id: Uuid) -> Result<Project, Vec<domain::Error>> {
    match store.project_by_id(id).await {
        Ok(Some(project)) => Ok(project),
        Ok(None) => Err(vec![domain::Error::ProjectNotFound]),
        Err(err) => Err(vec![err]),
    }
}

/// The organization a retried Idempotency-Key created the first time.
pub async fn resume_organization(
    store: &Store,
    id: Uuid,
) -> Result<Organization, Vec<domain::Error>> {
    resumed(store.organizations_by_ids(&[id]).await)
}

fn resumed<T>(found: Result<Vec<T>, domain::Error>) -> Result<T, Vec<domain::Error>> {
    match found {
        Ok(mut found) => found.pop().ok_or_else(|| {
            tracing::error!("the resource an idempotency key recorded is gone");
            vec![domain::Error::Internal]
        }),
        Err(err) => Err(vec![err]),
    }
}

/// What `updateProject` asks for.
#[derive(Debug, Clone, Default)]
pub struct UpdateProject {
    pub id: Uuid,
    pub patch: ProjectPatch,
    pub expected_updated_at: Option<DateTime<Utc>>,
}

/// Changes a project: the patch is laid over the project as it is, with
/// its organization locked, and checked by a creation's rules (every
/// problem at once); one transaction with a `project.updated` event.
pub async fn update_project(
    store: &Store,
    principal: Principal,
    update: UpdateProject,
) -> Result<Project, Vec<domain::Error>> {
    let catalogs = store.catalogs().await.map_err(|err| vec![err])?;
    store
        .update_project(
            principal,
            update.id,
            update.patch,
            update.expected_updated_at,
            &catalogs,
        )
        .await
}

/// Archives a project; returns it with the live projects that depend on it.
pub async fn archive_project(
    store: &Store,
    principal: Principal,
    id: Uuid,
) -> Result<(Project, Vec<Dependant>), domain::Error> {
    store.archive_project(principal, id).await
}

/// Makes an archived project active again, within the plan's limit.
pub async fn restore_project(
    store: &Store,
    principal: Principal,
    id: Uuid,
) -> Result<Project, domain::Error> {
    store.restore_project(principal, id).await
}

/// Deletes a project softly; it is purged after the grace period.
pub async fn delete_project(
    store: &Store,
    principal: Principal,
    id: Uuid,
    confirm_slug: &str,
) -> Result<Project, domain::Error> {
    store.delete_project(principal, id, confirm_slug).await
}

/// Brings back a deleted project within the grace period.
pub async fn restore_deleted_project(
    store: &Store,
    principal: Principal,
    id: Uuid,
) -> Result<Project, domain::Error> {
    store.restore_deleted_project(principal, id).await
}

/// A change of who is in a project or an organization.
#[derive(Debug, Clone)]
pub enum MembershipChange {
    Add { email: String, role: Role },
    SetRole { user_id: Uuid, role: Role },
    Remove { user_id: Uuid },
}

/// Changes a project's members; returns the project and the member as it
/// is now (`None` once removed).
pub async fn change_project_members(
    store: &Store,
    principal: Principal,
    project_id: Uuid,
    change: MembershipChange,
) -> Result<(Project, Option<ProjectMember>), domain::Error> {
    match change {
        MembershipChange::Add { email, role } => store
            .add_project_member(principal, project_id, &email, role)
            .await
            .map(|(project, member)| (project, Some(member))),
        MembershipChange::SetRole { user_id, role } => store
            .update_project_member_role(principal, project_id, user_id, role)
            .await
            .map(|(project, member)| (project, Some(member))),
        MembershipChange::Remove { user_id } => store
            .remove_project_member(principal, project_id, user_id)
            .await
            .map(|project| (project, None)),
    }
}

/// Changes an organization's members; returns the organization and the
/// member as it is now (`None` once removed).
pub async fn change_organization_members(
    store: &Store,
    principal: Principal,
    organization_id: Uuid,
    change: MembershipChange,
) -> Result<(Organization, Option<ProjectMember>), domain::Error> {
    match change {
        MembershipChange::Add { email, role } => store
            .add_organization_member(principal, organization_id, &email, role)
            .await
            .map(|(organization, member)| (organization, Some(member))),
        MembershipChange::SetRole { user_id, role } => store
            .update_organization_member_role(principal, organization_id, user_id, role)
            .await
            .map(|(organization, member)| (organization, Some(member))),
        MembershipChange::Remove { user_id } => store
            .remove_organization_member(principal, organization_id, user_id)
            .await
            .map(|organization| (organization, None)),
    }
}

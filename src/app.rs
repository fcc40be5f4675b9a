//! The use cases: each one whole flow of the server, transport-neutral.
//! The GraphQL resolvers call them, and so will every REST door, so that
//! no rule or step exists twice.

use uuid::Uuid;

use crate::domain::{self, CreateOrganization, CreateProject, Organization, Principal, Project};
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

/// The project a retried Idempotency-Key created the first time.
pub async fn resume_project(store: &Store, id: Uuid) -> Result<Project, Vec<domain::Error>> {
    resumed(store.projects_by_ids(&[id]).await)
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

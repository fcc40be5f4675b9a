//! Mutations. Input problems are reported all at once, one error per
//! problem at the mutation's path, and the payload is then `null`.

use async_graphql::{Context, Object, SimpleObject};

use super::error::report;
use super::inputs::{CreateOrganizationInput, CreateProjectInput};
use super::types::{Organization, Project};
use super::{Resume, principal, store};

use crate::domain;

pub struct Mutation;

#[derive(SimpleObject)]
pub struct CreateProjectPayload {
    pub project: Project,
    pub client_mutation_id: Option<String>,
}

#[derive(SimpleObject)]
pub struct CreateOrganizationPayload {
    pub organization: Organization,
    pub client_mutation_id: Option<String>,
}

#[Object]
impl Mutation {
    /// Creates an organization with the caller as its OWNER, on the FREE
    /// plan, and an `organization.created` audit event.
    async fn create_organization(
        &self,
        ctx: &Context<'_>,
        input: CreateOrganizationInput,
    ) -> Option<CreateOrganizationPayload> {
        let res = async {
            let principal = principal(ctx).map_err(|err| vec![err])?;
            if let Some(Resume(id)) = ctx.data_opt::<Resume>() {
                return resumed(store(ctx).organizations_by_ids(&[*id]).await);
            }
            let new = domain::validate_create_organization(input.to_domain())?;
            store(ctx)
                .create_organization(principal, &new)
                .await
                .map_err(|err| vec![err])
        }
        .await;
        match res {
            Ok(organization) => Some(CreateOrganizationPayload {
                organization: Organization(organization),
                client_mutation_id: input.client_mutation_id,
            }),
            Err(errors) => {
                report(ctx, &errors);
                None
            }
        }
    }

    /// Creates a project, its environments, the caller's OWNER membership
    /// and a `project.created` audit event in one transaction.
    async fn create_project(
        &self,
        ctx: &Context<'_>,
        input: CreateProjectInput,
    ) -> Option<CreateProjectPayload> {
        let res = async {
            let principal = principal(ctx).map_err(|err| vec![err])?;
            let store = store(ctx);
            if let Some(Resume(id)) = ctx.data_opt::<Resume>() {
                return resumed(store.projects_by_ids(&[*id]).await);
            }
            let catalogs = store.catalogs().await.map_err(|err| vec![err])?;
            let validated = domain::validate_create(input.to_domain(), &catalogs);
            store.create_project(principal, &validated).await
        }
        .await;
        match res {
            Ok(project) => Some(CreateProjectPayload {
                project: Project(project),
                client_mutation_id: input.client_mutation_id,
            }),
            Err(errors) => {
                report(ctx, &errors);
                None
            }
        }
    }
}

/// The resource a retried Idempotency-Key created the first time.
fn resumed<T>(found: Result<Vec<T>, domain::Error>) -> Result<T, Vec<domain::Error>> {
    match found {
        Ok(mut found) => found.pop().ok_or_else(|| {
            tracing::error!("the resource an idempotency key recorded is gone");
            vec![domain::Error::Internal]
        }),
        Err(err) => Err(vec![err]),
    }
}

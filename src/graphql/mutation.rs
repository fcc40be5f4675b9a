//! Mutations. Input problems are reported all at once, one error per
//! problem at the mutation's path, and the payload is then `null`.

use async_graphql::{Context, Object, SimpleObject};

use super::error::report;
use super::inputs::{CreateOrganizationInput, CreateProjectInput};
use super::types::{Organization, Project};
use super::{Resume, principal, store};

use crate::app;

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
            match ctx.data_opt::<Resume>() {
                Some(Resume(id)) => app::resume_organization(store(ctx), *id).await,
                None => app::create_organization(store(ctx), principal, input.to_domain()).await,
            }
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
            match ctx.data_opt::<Resume>() {
                Some(Resume(id)) => app::resume_project(store(ctx), *id).await,
                None => app::create_project(store(ctx), principal, input.to_domain()).await,
            }
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

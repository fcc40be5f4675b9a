//! Mutations. Input problems are reported all at once, one error per
//! problem at the mutation's path, and the payload is then `null`.

use async_graphql::{Context, ID, MergedObject, Object, SimpleObject};

use super::error::{report, report_under};
use super::ids::{self, Kind};
use super::inputs::{CreateOrganizationInput, CreateProjectInput, UpdateProjectInput};
use super::loaders::ProjectKey;
use super::types::{DateTime, Organization, OrganizationMember, Project, ProjectMember, Role};
use super::{Resume, loader, principal, store};

use crate::app;
use crate::domain;

/// Every mutation: creation, and what follows it.
#[derive(MergedObject, Default)]
pub struct Mutation(
    CreateMutation,
    LifecycleMutation,
    super::webhooks::WebhookMutation,
);

#[derive(Default)]
pub struct CreateMutation;

/// The project lifecycle and members.
#[derive(Default)]
pub struct LifecycleMutation;

/// The result of `createProject`.
#[derive(SimpleObject)]
pub struct CreateProjectPayload {
    /// The created project.
    pub project: Project,
    /// The `clientMutationId` of the input, echoed.
    pub client_mutation_id: Option<String>,
}

/// The result of `createOrganization`.
#[derive(SimpleObject)]
pub struct CreateOrganizationPayload {
    /// The created organization.
    pub organization: Organization,
    /// The `clientMutationId` of the input, echoed.
    pub client_mutation_id: Option<String>,
}

#[Object]
impl CreateMutation {
    /// Creates an organization with the caller as its OWNER, on the FREE
    /// plan, and an `organization.created` audit event.
    async fn create_organization(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The new organization.")] input: CreateOrganizationInput,
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
        #[graphql(desc = "The new project.")] input: CreateProjectInput,
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

/// The result of `updateProject`.
#[derive(SimpleObject)]
pub struct UpdateProjectPayload {
    /// The project as changed.
    pub project: Project,
    /// The `clientMutationId` of the input, echoed.
    pub client_mutation_id: Option<String>,
}

/// A project after a change of its state.
#[derive(SimpleObject)]
pub struct ProjectPayload {
    /// The project as it is now.
    pub project: Project,
}

/// The result of `archiveProject`.
#[derive(SimpleObject)]
pub struct ArchiveProjectPayload {
    /// The archived project.
    pub project: Project,
    /// The live projects that depend on the archived one: archiving does
    /// not stop them, but they may want to know.
    pub dependants: Vec<Project>,
}

/// The result of `deleteProject`.
#[derive(SimpleObject)]
pub struct DeleteProjectPayload {
    /// The deleted project; it can be brought back with
    /// `restoreDeletedProject` until `purgeAt`.
    pub project: Project,
    /// When the project and its rows are removed for good.
    pub purge_at: DateTime,
}

/// The result of a change of a project's members.
#[derive(SimpleObject)]
pub struct ProjectMemberPayload {
    /// The project.
    pub project: Project,
    /// The membership added, changed or removed.
    pub member: ProjectMember,
}

/// The result of a change of an organization's members.
#[derive(SimpleObject)]
pub struct OrganizationMemberPayload {
    /// The organization.
    pub organization: Organization,
    /// The membership added, changed or removed.
    pub member: OrganizationMember,
}

/// An organization after a change of its members.
#[derive(SimpleObject)]
pub struct OrganizationPayload {
    /// The organization as it is now.
    pub organization: Organization,
}

/// Errors of a mutation whose arguments are the fields themselves.
fn report_arguments(ctx: &Context<'_>, errors: &[domain::Error]) {
    report_under(ctx, errors, |_| &[]);
}

/// The answer of a mutation with plain arguments: its payload, or `null`
/// with its errors.
fn answer<T, U>(
    ctx: &Context<'_>,
    res: Result<T, domain::Error>,
    payload: impl FnOnce(T) -> U,
) -> Option<U> {
    match res {
        Ok(value) => Some(payload(value)),
        Err(err) => {
            report_arguments(ctx, &[err]);
            None
        }
    }
}

fn project_member(member: domain::ProjectMember) -> ProjectMember {
    ProjectMember {
        user_id: member.user_id,
        role: member.role.into(),
        created_at: member.created_at.into(),
    }
}

#[Object]
impl LifecycleMutation {
    /// Changes a project: every field of the patch optional, checked by
    /// the same rules as a creation (every problem at once, paths under
    /// `input.patch`); a new slug keeps the old one reserved and finding
    /// the project. Organization OWNER/ADMIN, or the project's OWNER.
    /// Errors: PROJECT_NOT_FOUND, FORBIDDEN, PROJECT_ARCHIVED,
    /// STALE_PROJECT, SLUG_ALREADY_EXISTS, DEPENDENCY_NOT_FOUND,
    /// DEPENDENCY_CYCLE and every input code of createProject.
    async fn update_project(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The project, the change and its precondition.")]
        input: UpdateProjectInput,
    ) -> Option<UpdateProjectPayload> {
        let res = async {
            let principal = principal(ctx).map_err(|err| vec![err])?;
            let id = ids::parse(&input.id, Kind::Project, "id").map_err(|err| vec![err])?;
            let update = app::UpdateProject {
                id,
                patch: input.patch.to_domain(),
                expected_updated_at: input.expected_updated_at.map(|at| at.0),
            };
            app::update_project(store(ctx), principal, update).await
        }
        .await;
        match res {
            Ok(project) => Some(UpdateProjectPayload {
                project: Project(project),
                client_mutation_id: input.client_mutation_id,
            }),
            Err(errors) => {
                report_under(ctx, &errors, |err| {
                    match err.field().as_deref().and_then(|field| field.first()) {
                        Some(domain::Segment::Key(key))
                            if key == "id" || key == "expectedUpdatedAt" =>
                        {
                            &["input"]
                        }
                        Some(_) => &["input", "patch"],
                        None => &[],
                    }
                });
                None
            }
        }
    }

    /// Archives a project: it keeps its slug and rows, leaves the default
    /// lists' ACTIVE filter and stops counting towards the plan. Archiving
    /// an archived project changes nothing. Errors: PROJECT_NOT_FOUND,
    /// FORBIDDEN.
    async fn archive_project(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The project's id.")] id: ID,
    ) -> Option<ArchiveProjectPayload> {
        let res = async {
            let principal = principal(ctx)?;
            app::archive_project(store(ctx), principal, ids::parse(&id, Kind::Project, "id")?).await
        }
        .await;
        let (project, dependants) = match res {
            Ok(found) => found,
            Err(err) => {
                report_arguments(ctx, &[err]);
                return None;
            }
        };
        let ids = dependants.iter().map(|dependant| ProjectKey(dependant.id));
        let mut found = loader(ctx).load_many(ids).await.unwrap_or_default();
        Some(ArchiveProjectPayload {
            project: Project(project),
            dependants: dependants
                .iter()
                .filter_map(|dependant| found.remove(&ProjectKey(dependant.id)))
                .map(Project)
                .collect(),
        })
    }

    /// Makes an archived project active again, if the plan has room.
    /// Errors: PROJECT_NOT_FOUND, FORBIDDEN, MAX_PROJECTS_REACHED.
    async fn restore_project(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The project's id.")] id: ID,
    ) -> Option<ProjectPayload> {
        let res = async {
            let principal = principal(ctx)?;
            app::restore_project(store(ctx), principal, ids::parse(&id, Kind::Project, "id")?).await
        }
        .await;
        answer(ctx, res, |project| ProjectPayload {
            project: Project(project),
        })
    }

    /// Deletes a project: it leaves every list and lookup at once, its
    /// slugs stay reserved, and it is purged with its rows after the grace
    /// period (`PROJECT_DELETION_GRACE`). `confirmSlug` must be its current
    /// slug. Errors: PROJECT_NOT_FOUND, FORBIDDEN, CONFIRMATION_MISMATCH,
    /// PROJECT_HAS_DEPENDANTS (with the dependants in `details`).
    async fn delete_project(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The project's id.")] id: ID,
        #[graphql(desc = "The project's current slug, typed again to confirm.")]
        confirm_slug: String,
    ) -> Option<DeleteProjectPayload> {
        let res = async {
            let principal = principal(ctx)?;
            app::delete_project(
                store(ctx),
                principal,
                ids::parse(&id, Kind::Project, "id")?,
                &confirm_slug,
            )
            .await
        }
        .await;
        answer(ctx, res, |project| DeleteProjectPayload {
            purge_at: store(ctx)
                .purge_at(project.deleted_at.unwrap_or(project.updated_at))
                .into(),
            project: Project(project),
        })
    }

    /// Brings back a deleted project before it is purged, as it was
    /// (ACTIVE or ARCHIVED; an ACTIVE one must fit the plan).
    /// Organization OWNER/ADMIN only. Errors: PROJECT_NOT_FOUND,
    /// MAX_PROJECTS_REACHED.
    async fn restore_deleted_project(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The project's id.")] id: ID,
    ) -> Option<ProjectPayload> {
        let res = async {
            let principal = principal(ctx)?;
            app::restore_deleted_project(
                store(ctx),
                principal,
                ids::parse(&id, Kind::Project, "id")?,
            )
            .await
        }
        .await;
        answer(ctx, res, |project| ProjectPayload {
            project: Project(project),
        })
    }

    /// Adds a member of the project's organization to the project as
    /// OWNER, MEMBER or VIEWER. Errors: PROJECT_NOT_FOUND, FORBIDDEN,
    /// USER_NOT_FOUND, USER_NOT_IN_ORGANIZATION, ALREADY_A_MEMBER,
    /// BAD_USER_INPUT (ADMIN).
    async fn add_project_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The project's id.")] project_id: ID,
        #[graphql(desc = "The e-mail address of an existing user.")] email: String,
        #[graphql(desc = "The role to give.")] role: Role,
    ) -> Option<ProjectMemberPayload> {
        let change = Ok(app::MembershipChange::Add {
            email,
            role: role.into(),
        });
        self.project_members(ctx, &project_id, change).await
    }

    /// Changes a project member's role. Errors: PROJECT_NOT_FOUND,
    /// FORBIDDEN, MEMBER_NOT_FOUND, LAST_OWNER, BAD_USER_INPUT (ADMIN).
    async fn update_project_member_role(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The project's id.")] project_id: ID,
        #[graphql(desc = "The member's user id.")] user_id: ID,
        #[graphql(desc = "The role to give.")] role: Role,
    ) -> Option<ProjectMemberPayload> {
        let change = ids::parse(&user_id, Kind::User, "userId").map(|user_id| {
            app::MembershipChange::SetRole {
                user_id,
                role: role.into(),
            }
        });
        self.project_members(ctx, &project_id, change).await
    }

    /// Removes a member from a project. Errors: PROJECT_NOT_FOUND,
    /// FORBIDDEN, MEMBER_NOT_FOUND, LAST_OWNER.
    async fn remove_project_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The project's id.")] project_id: ID,
        #[graphql(desc = "The member's user id.")] user_id: ID,
    ) -> Option<ProjectPayload> {
        let res = async {
            let principal = principal(ctx)?;
            let change = app::MembershipChange::Remove {
                user_id: ids::parse(&user_id, Kind::User, "userId")?,
            };
            app::change_project_members(
                store(ctx),
                principal,
                ids::parse(&project_id, Kind::Project, "projectId")?,
                change,
            )
            .await
        }
        .await;
        answer(ctx, res, |(project, _)| ProjectPayload {
            project: Project(project),
        })
    }

    /// Adds a user to an organization. OWNER or ADMIN; only an OWNER adds
    /// an OWNER. Errors: ORGANIZATION_NOT_FOUND, FORBIDDEN, USER_NOT_FOUND,
    /// ALREADY_A_MEMBER.
    async fn add_organization_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organization's id.")] organization_id: ID,
        #[graphql(desc = "The e-mail address of an existing user.")] email: String,
        #[graphql(desc = "The role to give.")] role: Role,
    ) -> Option<OrganizationMemberPayload> {
        let change = Ok(app::MembershipChange::Add {
            email,
            role: role.into(),
        });
        self.organization_members(ctx, &organization_id, change)
            .await
    }

    /// Changes an organization member's role. OWNER or ADMIN; only an
    /// OWNER makes or demotes an OWNER. Errors: ORGANIZATION_NOT_FOUND,
    /// FORBIDDEN, MEMBER_NOT_FOUND, LAST_OWNER.
    async fn update_organization_member_role(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organization's id.")] organization_id: ID,
        #[graphql(desc = "The member's user id.")] user_id: ID,
        #[graphql(desc = "The role to give.")] role: Role,
    ) -> Option<OrganizationMemberPayload> {
        let change = ids::parse(&user_id, Kind::User, "userId").map(|user_id| {
            app::MembershipChange::SetRole {
                user_id,
                role: role.into(),
            }
        });
        self.organization_members(ctx, &organization_id, change)
            .await
    }

    /// Removes a user from an organization and its projects. OWNER or
    /// ADMIN; only an OWNER removes an OWNER. Errors:
    /// ORGANIZATION_NOT_FOUND, FORBIDDEN, MEMBER_NOT_FOUND, LAST_OWNER.
    async fn remove_organization_member(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "The organization's id.")] organization_id: ID,
        #[graphql(desc = "The member's user id.")] user_id: ID,
    ) -> Option<OrganizationPayload> {
        let res = async {
            let principal = principal(ctx)?;
            let change = app::MembershipChange::Remove {
                user_id: ids::parse(&user_id, Kind::User, "userId")?,
            };
            let id = ids::parse(&organization_id, Kind::Organization, "organizationId")?;
            app::change_organization_members(store(ctx), principal, id, change).await
        }
        .await;
        answer(ctx, res, |(organization, _)| OrganizationPayload {
            organization: Organization(organization),
        })
    }
}

impl LifecycleMutation {
    /// Runs a membership change whose arguments parsed (`change`), or
    /// reports why they did not.
    async fn project_members(
        &self,
        ctx: &Context<'_>,
        project_id: &ID,
        change: Result<app::MembershipChange, domain::Error>,
    ) -> Option<ProjectMemberPayload> {
        let res = async {
            let principal = principal(ctx)?;
            let id = ids::parse(project_id, Kind::Project, "projectId")?;
            match app::change_project_members(store(ctx), principal, id, change?).await? {
                (project, Some(member)) => Ok((project, member)),
                (_, None) => Err(domain::Error::Internal),
            }
        }
        .await;
        answer(ctx, res, |(project, member)| ProjectMemberPayload {
            project: Project(project),
            member: project_member(member),
        })
    }

    /// Runs a membership change whose arguments parsed (`change`), or
    /// reports why they did not.
    async fn organization_members(
        &self,
        ctx: &Context<'_>,
        organization_id: &ID,
        change: Result<app::MembershipChange, domain::Error>,
    ) -> Option<OrganizationMemberPayload> {
        let res = async {
            let principal = principal(ctx)?;
            let id = ids::parse(organization_id, Kind::Organization, "organizationId")?;
            match app::change_organization_members(store(ctx), principal, id, change?).await? {
                (organization, Some(member)) => Ok((organization, member)),
                (_, None) => Err(domain::Error::Internal),
            }
        }
        .await;
        answer(ctx, res, |(organization, member)| {
            OrganizationMemberPayload {
                organization: Organization(organization),
                member: OrganizationMember {
                    user_id: member.user_id,
                    role: member.role.into(),
                    created_at: member.created_at.into(),
                },
            }
        })
    }
}

//! Who is in a project, and who is in an organization.
//!
//! Each change is one write transaction with the organization locked, so
//! that the count of OWNERs it checks cannot change under it: two
//! concurrent removals of the last two OWNERs queue, and the second finds
//! one OWNER left.

use chrono::Utc;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use serde_json::json;
use uuid::Uuid;

use super::Store;
use super::error::internal;
use super::identity::organization_from;
use super::lifecycle::audit;
use super::projects::lock_organization;
use crate::domain::{
    self, Organization, Principal, Project, ProjectAction, ProjectMember, Role,
    check_organization_members_change, check_owners_left,
};
use crate::entity::{organization_member, project_member, user};

impl Store {
    /// Adds a member of the project's organization to the project.
    pub async fn add_project_member(
        &self,
        principal: Principal,
        project_id: Uuid,
        email: &str,
        role: Role,
    ) -> Result<(Project, ProjectMember), domain::Error> {
        domain::check_project_role(role)?;
        domain::check_email(email)?;
        let held = self
            .hold_project(principal, project_id, ProjectAction::ManageMembers)
            .await?;
        let user_id = user_id_by_email(&*held.txn, email).await?.ok_or_else(|| {
            domain::Error::UserNotFound {
                email: email.to_owned(),
            }
        })?;
        if organization_role(&*held.txn, held.organization.id, user_id)
            .await?
            .is_none()
        {
            return Err(domain::Error::UserNotInOrganization {
                email: email.to_owned(),
            });
        }
        if project_role(&*held.txn, project_id, user_id)
            .await?
            .is_some()
        {
            return Err(domain::Error::AlreadyAMember { user_id });
        }
        let now = Utc::now();
        project_member::Entity::insert(project_member::ActiveModel {
            organization_id: Set(held.organization.id),
            project_id: Set(project_id),
            user_id: Set(user_id),
            role: Set(role.as_str().to_owned()),
            created_at: Set(now),
        })
        .exec_without_returning(&*held.txn)
        .await
        .map_err(internal)?;
        held.audit(
            "project.member_added",
            json!({ "userId": user_id, "role": role.as_str() }),
        )
        .await?;
        let project = held.read(held.project.clone()).await?;
        let member = ProjectMember {
            user_id,
            role,
            created_at: now,
        };
        held.commit((project, member)).await
    }

    /// Changes a project member's role; the last OWNER stays one.
    pub async fn update_project_member_role(
        &self,
        principal: Principal,
        project_id: Uuid,
        user_id: Uuid,
        role: Role,
    ) -> Result<(Project, ProjectMember), domain::Error> {
        domain::check_project_role(role)?;
        let held = self
            .hold_project(principal, project_id, ProjectAction::ManageMembers)
            .await?;
        let member = project_member::Entity::find_by_id((project_id, user_id))
            .one(&*held.txn)
            .await
            .map_err(internal)?
            .ok_or(domain::Error::MemberNotFound)?;
        let from = Role::parse(&member.role);
        if from == Some(Role::Owner) && role != Role::Owner {
            check_owners_left(project_owners(&*held.txn, project_id).await? - 1)?;
        }
        if from != Some(role) {
            project_member::Entity::update_many()
                .col_expr(
                    project_member::Column::Role,
                    sea_orm::sea_query::Expr::value(role.as_str()),
                )
                .filter(project_member::Column::ProjectId.eq(project_id))
                .filter(project_member::Column::UserId.eq(user_id))
                .exec(&*held.txn)
                .await
                .map_err(internal)?;
            held.audit(
                "project.member_role_updated",
                json!({ "userId": user_id, "from": member.role, "to": role.as_str() }),
            )
            .await?;
        }
        let project = held.read(held.project.clone()).await?;
        let member = ProjectMember {
            user_id,
            role,
            created_at: member.created_at,
        };
        held.commit((project, member)).await
    }

    /// Removes a member from a project; the last OWNER stays.
    pub async fn remove_project_member(
        &self,
        principal: Principal,
        project_id: Uuid,
        user_id: Uuid,
    ) -> Result<Project, domain::Error> {
        let held = self
            .hold_project(principal, project_id, ProjectAction::ManageMembers)
            .await?;
        let role = project_role(&*held.txn, project_id, user_id)
            .await?
            .ok_or(domain::Error::MemberNotFound)?;
        if role == Role::Owner {
            check_owners_left(project_owners(&*held.txn, project_id).await? - 1)?;
        }
        project_member::Entity::delete_many()
            .filter(project_member::Column::ProjectId.eq(project_id))
            .filter(project_member::Column::UserId.eq(user_id))
            .exec(&*held.txn)
            .await
            .map_err(internal)?;
        held.audit(
            "project.member_removed",
            json!({ "userId": user_id, "role": role.as_str() }),
        )
        .await?;
        let project = held.read(held.project.clone()).await?;
        held.commit(project).await
    }

    /// Adds a user to an organization (OWNER or ADMIN; only an OWNER
    /// makes OWNERs).
    pub async fn add_organization_member(
        &self,
        principal: Principal,
        organization_id: Uuid,
        email: &str,
        role: Role,
    ) -> Result<(Organization, ProjectMember), domain::Error> {
        domain::check_email(email)?;
        let (txn, organization, caller) =
            self.hold_organization(principal, organization_id).await?;
        check_organization_members_change(caller, None, Some(role))?;
        let user_id =
            user_id_by_email(&*txn, email)
                .await?
                .ok_or_else(|| domain::Error::UserNotFound {
                    email: email.to_owned(),
                })?;
        if organization_role(&*txn, organization.id, user_id)
            .await?
            .is_some()
        {
            return Err(domain::Error::AlreadyAMember { user_id });
        }
        let now = Utc::now();
        organization_member::Entity::insert(organization_member::ActiveModel {
            organization_id: Set(organization.id),
            user_id: Set(user_id),
            role: Set(role.as_str().to_owned()),
            created_at: Set(now),
        })
        .exec_without_returning(&*txn)
        .await
        .map_err(internal)?;
        audit(
            &*txn,
            organization.id,
            principal.user_id,
            "organization.member_added",
            None,
            json!({ "userId": user_id, "role": role.as_str() }),
        )
        .await?;
        txn.commit().await.map_err(internal)?;
        let member = ProjectMember {
            user_id,
            role,
            created_at: now,
        };
        Ok((organization, member))
    }

    /// Changes an organization member's role; the last OWNER stays one.
    pub async fn update_organization_member_role(
        &self,
        principal: Principal,
        organization_id: Uuid,
        user_id: Uuid,
        role: Role,
    ) -> Result<(Organization, ProjectMember), domain::Error> {
        let (txn, organization, caller) =
            self.hold_organization(principal, organization_id).await?;
        let member = organization_member::Entity::find_by_id((organization.id, user_id))
            .one(&*txn)
            .await
            .map_err(internal)?;
        // A stranger's membership is not a member's business either.
        let member = match (caller, member) {
            (None, _) => return Err(domain::Error::OrganizationNotFound),
            (Some(_), None) => return Err(domain::Error::MemberNotFound),
            (Some(_), Some(member)) => member,
        };
        let from = Role::parse(&member.role);
        check_organization_members_change(caller, from, Some(role))?;
        if from == Some(Role::Owner) && role != Role::Owner {
            check_owners_left(organization_owners(&*txn, organization.id).await? - 1)?;
        }
        if from != Some(role) {
            organization_member::Entity::update_many()
                .col_expr(
                    organization_member::Column::Role,
                    sea_orm::sea_query::Expr::value(role.as_str()),
                )
                .filter(organization_member::Column::OrganizationId.eq(organization.id))
                .filter(organization_member::Column::UserId.eq(user_id))
                .exec(&*txn)
                .await
                .map_err(internal)?;
            audit(
                &*txn,
                organization.id,
                principal.user_id,
                "organization.member_role_updated",
                None,
                json!({ "userId": user_id, "from": member.role, "to": role.as_str() }),
            )
            .await?;
        }
        txn.commit().await.map_err(internal)?;
        let member = ProjectMember {
            user_id,
            role,
            created_at: member.created_at,
        };
        Ok((organization, member))
    }

    /// Removes a user from an organization, and from its projects; the
    /// last OWNER stays. A project that loses its last OWNER this way is
    /// still managed by the organization's OWNERs and ADMINs.
    pub async fn remove_organization_member(
        &self,
        principal: Principal,
        organization_id: Uuid,
        user_id: Uuid,
    ) -> Result<Organization, domain::Error> {
        let (txn, organization, caller) =
            self.hold_organization(principal, organization_id).await?;
        if caller.is_none() {
            return Err(domain::Error::OrganizationNotFound);
        }
        let from = organization_role(&*txn, organization.id, user_id)
            .await?
            .ok_or(domain::Error::MemberNotFound)?;
        check_organization_members_change(caller, Some(from), None)?;
        if from == Role::Owner {
            check_owners_left(organization_owners(&*txn, organization.id).await? - 1)?;
        }
        organization_member::Entity::delete_many()
            .filter(organization_member::Column::OrganizationId.eq(organization.id))
            .filter(organization_member::Column::UserId.eq(user_id))
            .exec(&*txn)
            .await
            .map_err(internal)?;
        // The projects the user leaves with the organization, each a
        // change to that project's members (and so a project event).
        let left: Vec<(Uuid, String)> = project_member::Entity::find()
            .select_only()
            .column(project_member::Column::ProjectId)
            .column(project_member::Column::Role)
            .filter(project_member::Column::OrganizationId.eq(organization.id))
            .filter(project_member::Column::UserId.eq(user_id))
            .order_by_asc(project_member::Column::ProjectId)
            .into_tuple()
            .all(&*txn)
            .await
            .map_err(internal)?;
        project_member::Entity::delete_many()
            .filter(project_member::Column::OrganizationId.eq(organization.id))
            .filter(project_member::Column::UserId.eq(user_id))
            .exec(&*txn)
            .await
            .map_err(internal)?;
        let projects_left = left.len();
        for (project_id, role) in left {
            audit(
                &*txn,
                organization.id,
                principal.user_id,
                "project.member_removed",
                Some(project_id),
                json!({ "userId": user_id, "role": role, "withOrganization": true }),
            )
            .await?;
        }
        audit(
            &*txn,
            organization.id,
            principal.user_id,
            "organization.member_removed",
            None,
            json!({ "userId": user_id, "role": from.as_str(), "projectsLeft": projects_left }),
        )
        .await?;
        txn.commit().await.map_err(internal)?;
        Ok(organization)
    }

    /// The members of an organization, oldest first, at most `limit`.
    pub async fn organization_members(
        &self,
        organization_id: Uuid,
    ) -> Result<Vec<ProjectMember>, domain::Error> {
        use sea_orm::QueryOrder;
        let rows = organization_member::Entity::find()
            .filter(organization_member::Column::OrganizationId.eq(organization_id))
            .order_by_asc(organization_member::Column::CreatedAt)
            .order_by_asc(organization_member::Column::UserId)
            .all(&self.conn())
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

    /// A write transaction holding the organization (locked), with the
    /// caller's role in it.
    pub(super) async fn hold_organization(
        &self,
        principal: Principal,
        organization_id: Uuid,
    ) -> Result<(super::WriteTxn, Organization, Option<Role>), domain::Error> {
        // A stranger is turned away before any lock is taken.
        if self
            .roles_in(principal.user_id, &[organization_id])
            .await?
            .is_empty()
        {
            return Err(domain::Error::OrganizationNotFound);
        }
        let txn = self.begin_write().await?;
        let (organization, role) = lock_organization(
            &txn,
            &domain::OrganizationRef::Id(organization_id),
            principal.user_id,
        )
        .await?
        .ok_or(domain::Error::OrganizationNotFound)?;
        if role.is_none() {
            return Err(domain::Error::OrganizationNotFound);
        }
        Ok((txn, organization_from(organization)?, role))
    }
}

async fn user_id_by_email(
    conn: &impl ConnectionTrait,
    email: &str,
) -> Result<Option<Uuid>, domain::Error> {
    use sea_orm::QuerySelect;
    user::Entity::find()
        .select_only()
        .column(user::Column::Id)
        .filter(user::Column::Email.eq(email.trim().to_lowercase()))
        .into_tuple()
        .one(conn)
        .await
        .map_err(internal)
}

async fn organization_role(
    conn: &impl ConnectionTrait,
    organization_id: Uuid,
    user_id: Uuid,
) -> Result<Option<Role>, domain::Error> {
    Ok(
        organization_member::Entity::find_by_id((organization_id, user_id))
            .one(conn)
            .await
            .map_err(internal)?
            .and_then(|member| Role::parse(&member.role)),
    )
}

pub(super) async fn project_role(
    conn: &impl ConnectionTrait,
    project_id: Uuid,
    user_id: Uuid,
) -> Result<Option<Role>, domain::Error> {
    Ok(project_member::Entity::find_by_id((project_id, user_id))
        .one(conn)
        .await
        .map_err(internal)?
        .and_then(|member| Role::parse(&member.role)))
}

async fn project_owners(
    conn: &impl ConnectionTrait,
    project_id: Uuid,
) -> Result<usize, domain::Error> {
    Ok(project_member::Entity::find()
        .filter(project_member::Column::ProjectId.eq(project_id))
        .filter(project_member::Column::Role.eq(Role::Owner.as_str()))
        .count(conn)
        .await
        .map_err(internal)? as usize)
}

async fn organization_owners(
    conn: &impl ConnectionTrait,
    organization_id: Uuid,
) -> Result<usize, domain::Error> {
    Ok(organization_member::Entity::find()
        .filter(organization_member::Column::OrganizationId.eq(organization_id))
        .filter(organization_member::Column::Role.eq(Role::Owner.as_str()))
        .count(conn)
        .await
        .map_err(internal)? as usize)
}

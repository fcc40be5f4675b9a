//! The schema: identities, organizations, projects, audit events, catalogs
//! and idempotency records.
//!
//! Every table that belongs to an organization carries `organization_id`, so
//! that a distributed PostgreSQL can shard by it and every write of one
//! mutation stays inside one shard.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Users {
    Table,
    Id,
    Email,
    Name,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum ApiTokens {
    Table,
    Id,
    UserId,
    TokenHash,
    CreatedAt,
    RevokedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Organizations {
    Table,
    Id,
    Name,
    Slug,
    Plan,
    PersonalOwnerId,
    ProjectMetadataSchema,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum OrganizationMembers {
    Table,
    OrganizationId,
    UserId,
    Role,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum Regions {
    Table,
    Code,
    Name,
    Available,
    Position,
}

#[derive(DeriveIden, Clone, Copy)]
enum Runtimes {
    Table,
    Code,
    Name,
    Supported,
    Position,
}

#[derive(DeriveIden, Clone, Copy)]
enum Environments {
    Table,
    Name,
    Kind,
    Deprecated,
    Position,
}

#[derive(DeriveIden, Clone, Copy)]
enum Projects {
    Table,
    Id,
    OrganizationId,
    Name,
    Slug,
    Description,
    Status,
    Stage,
    Mode,
    DefaultStickiness,
    FeatureLimit,
    IsPublic,
    DefaultLocale,
    SupportedLocales,
    DefaultPlatform,
    SupportedPlatforms,
    ThumbnailUrl,
    DeploymentRegion,
    DeploymentRuntime,
    Metadata,
    CreatedBy,
    ArchivedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum ProjectEnvironments {
    Table,
    OrganizationId,
    ProjectId,
    Environment,
    Enabled,
    ChangeRequestsEnabled,
    RequiredApprovals,
    Position,
}

#[derive(DeriveIden, Clone, Copy)]
enum ProjectDependencies {
    Table,
    OrganizationId,
    ProjectId,
    DependsOnId,
}

#[derive(DeriveIden, Clone, Copy)]
enum ProjectMembers {
    Table,
    OrganizationId,
    ProjectId,
    UserId,
    Role,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum AuditEvents {
    Table,
    Id,
    OrganizationId,
    ActorId,
    Action,
    ProjectId,
    Payload,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum IdempotencyKeys {
    Table,
    UserId,
    IdempotencyKey,
    RequestHash,
    ResponseStatus,
    ResponseBody,
    CreatedAt,
    ExpiresAt,
}

fn fk(
    name: &str,
    from: (impl IntoIden, impl IntoIden),
    to: (impl IntoIden, impl IntoIden),
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(from.0, from.1)
        .to(to.0, to.1)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .if_not_exists()
                    .col(pk_uuid(Users::Id))
                    .col(string(Users::Email))
                    .col(string_null(Users::Name))
                    .col(timestamp_with_time_zone(Users::CreatedAt))
                    .to_owned(),
            )
            .await?;
        create_index(
            manager,
            "users_email_key",
            Users::Table,
            [Users::Email],
            true,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(ApiTokens::Table)
                    .if_not_exists()
                    .col(pk_uuid(ApiTokens::Id))
                    .col(uuid(ApiTokens::UserId))
                    .col(string(ApiTokens::TokenHash))
                    .col(timestamp_with_time_zone(ApiTokens::CreatedAt))
                    .col(timestamp_with_time_zone_null(ApiTokens::RevokedAt))
                    .foreign_key(&mut fk(
                        "api_tokens_user_id_fkey",
                        (ApiTokens::Table, ApiTokens::UserId),
                        (Users::Table, Users::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        create_index(
            manager,
            "api_tokens_token_hash_key",
            ApiTokens::Table,
            [ApiTokens::TokenHash],
            true,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Organizations::Table)
                    .if_not_exists()
                    .col(pk_uuid(Organizations::Id))
                    .col(string(Organizations::Name))
                    .col(string(Organizations::Slug))
                    .col(string(Organizations::Plan))
                    .col(uuid_null(Organizations::PersonalOwnerId))
                    .col(json_binary_null(Organizations::ProjectMetadataSchema))
                    .col(timestamp_with_time_zone(Organizations::CreatedAt))
                    .col(timestamp_with_time_zone(Organizations::UpdatedAt))
                    .foreign_key(&mut fk(
                        "organizations_personal_owner_id_fkey",
                        (Organizations::Table, Organizations::PersonalOwnerId),
                        (Users::Table, Users::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        create_index(
            manager,
            "organizations_slug_key",
            Organizations::Table,
            [Organizations::Slug],
            true,
        )
        .await?;
        // One personal organization per user, held by the database.
        create_index(
            manager,
            "organizations_personal_owner_id_key",
            Organizations::Table,
            [Organizations::PersonalOwnerId],
            true,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(OrganizationMembers::Table)
                    .if_not_exists()
                    .col(uuid(OrganizationMembers::OrganizationId))
                    .col(uuid(OrganizationMembers::UserId))
                    .col(string(OrganizationMembers::Role))
                    .col(timestamp_with_time_zone(OrganizationMembers::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(OrganizationMembers::OrganizationId)
                            .col(OrganizationMembers::UserId),
                    )
                    .foreign_key(&mut fk(
                        "organization_members_organization_id_fkey",
                        (
                            OrganizationMembers::Table,
                            OrganizationMembers::OrganizationId,
                        ),
                        (Organizations::Table, Organizations::Id),
                    ))
                    .foreign_key(&mut fk(
                        "organization_members_user_id_fkey",
                        (OrganizationMembers::Table, OrganizationMembers::UserId),
                        (Users::Table, Users::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        create_index(
            manager,
            "organization_members_user_id_idx",
            OrganizationMembers::Table,
            [OrganizationMembers::UserId],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(Regions::Table)
                    .if_not_exists()
                    .col(string(Regions::Code).primary_key())
                    .col(string(Regions::Name))
                    .col(boolean(Regions::Available))
                    .col(integer(Regions::Position))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Runtimes::Table)
                    .if_not_exists()
                    .col(string(Runtimes::Code).primary_key())
                    .col(string(Runtimes::Name))
                    .col(boolean(Runtimes::Supported))
                    .col(integer(Runtimes::Position))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Environments::Table)
                    .if_not_exists()
                    .col(string(Environments::Name).primary_key())
                    .col(string(Environments::Kind))
                    .col(boolean(Environments::Deprecated))
                    .col(integer(Environments::Position))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Projects::Table)
                    .if_not_exists()
                    .col(pk_uuid(Projects::Id))
                    .col(uuid(Projects::OrganizationId))
                    .col(string(Projects::Name))
                    .col(string(Projects::Slug))
                    .col(text_null(Projects::Description))
                    .col(string(Projects::Status))
                    .col(string(Projects::Stage))
                    .col(string(Projects::Mode))
                    .col(string(Projects::DefaultStickiness))
                    .col(integer_null(Projects::FeatureLimit))
                    .col(boolean(Projects::IsPublic))
                    .col(string(Projects::DefaultLocale))
                    .col(json_binary(Projects::SupportedLocales))
                    .col(string(Projects::DefaultPlatform))
                    .col(json_binary(Projects::SupportedPlatforms))
                    .col(text_null(Projects::ThumbnailUrl))
                    .col(string_null(Projects::DeploymentRegion))
                    .col(string_null(Projects::DeploymentRuntime))
                    .col(json_binary_null(Projects::Metadata))
                    .col(uuid(Projects::CreatedBy))
                    .col(timestamp_with_time_zone_null(Projects::ArchivedAt))
                    .col(timestamp_with_time_zone(Projects::CreatedAt))
                    .col(timestamp_with_time_zone(Projects::UpdatedAt))
                    .foreign_key(&mut fk(
                        "projects_organization_id_fkey",
                        (Projects::Table, Projects::OrganizationId),
                        (Organizations::Table, Organizations::Id),
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .name("projects_created_by_fkey")
                            .from(Projects::Table, Projects::CreatedBy)
                            .to(Users::Table, Users::Id),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("projects_deployment_region_fkey")
                            .from(Projects::Table, Projects::DeploymentRegion)
                            .to(Regions::Table, Regions::Code),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("projects_deployment_runtime_fkey")
                            .from(Projects::Table, Projects::DeploymentRuntime)
                            .to(Runtimes::Table, Runtimes::Code),
                    )
                    .to_owned(),
            )
            .await?;
        // Slugs are unique per organization, archived projects included.
        create_index(
            manager,
            "projects_organization_id_slug_key",
            Projects::Table,
            [Projects::OrganizationId, Projects::Slug],
            true,
        )
        .await?;
        create_index(
            manager,
            "projects_organization_id_created_at_idx",
            Projects::Table,
            [Projects::OrganizationId, Projects::CreatedAt],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(ProjectEnvironments::Table)
                    .if_not_exists()
                    .col(uuid(ProjectEnvironments::OrganizationId))
                    .col(uuid(ProjectEnvironments::ProjectId))
                    .col(string(ProjectEnvironments::Environment))
                    .col(boolean(ProjectEnvironments::Enabled))
                    .col(boolean(ProjectEnvironments::ChangeRequestsEnabled))
                    .col(integer_null(ProjectEnvironments::RequiredApprovals))
                    .col(integer(ProjectEnvironments::Position))
                    .primary_key(
                        Index::create()
                            .col(ProjectEnvironments::ProjectId)
                            .col(ProjectEnvironments::Environment),
                    )
                    .foreign_key(&mut fk(
                        "project_environments_project_id_fkey",
                        (ProjectEnvironments::Table, ProjectEnvironments::ProjectId),
                        (Projects::Table, Projects::Id),
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .name("project_environments_environment_fkey")
                            .from(ProjectEnvironments::Table, ProjectEnvironments::Environment)
                            .to(Environments::Table, Environments::Name),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ProjectDependencies::Table)
                    .if_not_exists()
                    .col(uuid(ProjectDependencies::OrganizationId))
                    .col(uuid(ProjectDependencies::ProjectId))
                    .col(uuid(ProjectDependencies::DependsOnId))
                    .primary_key(
                        Index::create()
                            .col(ProjectDependencies::ProjectId)
                            .col(ProjectDependencies::DependsOnId),
                    )
                    .foreign_key(&mut fk(
                        "project_dependencies_project_id_fkey",
                        (ProjectDependencies::Table, ProjectDependencies::ProjectId),
                        (Projects::Table, Projects::Id),
                    ))
                    // A dependency cannot vanish while a project still names it.
                    .foreign_key(
                        ForeignKey::create()
                            .name("project_dependencies_depends_on_id_fkey")
                            .from(ProjectDependencies::Table, ProjectDependencies::DependsOnId)
                            .to(Projects::Table, Projects::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ProjectMembers::Table)
                    .if_not_exists()
                    .col(uuid(ProjectMembers::OrganizationId))
                    .col(uuid(ProjectMembers::ProjectId))
                    .col(uuid(ProjectMembers::UserId))
                    .col(string(ProjectMembers::Role))
                    .col(timestamp_with_time_zone(ProjectMembers::CreatedAt))
                    .primary_key(
                        Index::create()
                            .col(ProjectMembers::ProjectId)
                            .col(ProjectMembers::UserId),
                    )
                    .foreign_key(&mut fk(
                        "project_members_project_id_fkey",
                        (ProjectMembers::Table, ProjectMembers::ProjectId),
                        (Projects::Table, Projects::Id),
                    ))
                    .foreign_key(&mut fk(
                        "project_members_user_id_fkey",
                        (ProjectMembers::Table, ProjectMembers::UserId),
                        (Users::Table, Users::Id),
                    ))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AuditEvents::Table)
                    .if_not_exists()
                    .col(pk_uuid(AuditEvents::Id))
                    .col(uuid(AuditEvents::OrganizationId))
                    .col(uuid(AuditEvents::ActorId))
                    .col(string(AuditEvents::Action))
                    .col(uuid_null(AuditEvents::ProjectId))
                    .col(json_binary(AuditEvents::Payload))
                    .col(timestamp_with_time_zone(AuditEvents::CreatedAt))
                    .foreign_key(&mut fk(
                        "audit_events_organization_id_fkey",
                        (AuditEvents::Table, AuditEvents::OrganizationId),
                        (Organizations::Table, Organizations::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        create_index(
            manager,
            "audit_events_organization_id_created_at_idx",
            AuditEvents::Table,
            [AuditEvents::OrganizationId, AuditEvents::CreatedAt],
            false,
        )
        .await?;

        manager
            .create_table(
                Table::create()
                    .table(IdempotencyKeys::Table)
                    .if_not_exists()
                    .col(uuid(IdempotencyKeys::UserId))
                    .col(string(IdempotencyKeys::IdempotencyKey))
                    .col(string(IdempotencyKeys::RequestHash))
                    .col(integer_null(IdempotencyKeys::ResponseStatus))
                    .col(text_null(IdempotencyKeys::ResponseBody))
                    .col(timestamp_with_time_zone(IdempotencyKeys::CreatedAt))
                    .col(timestamp_with_time_zone(IdempotencyKeys::ExpiresAt))
                    .primary_key(
                        Index::create()
                            .col(IdempotencyKeys::UserId)
                            .col(IdempotencyKeys::IdempotencyKey),
                    )
                    .foreign_key(&mut fk(
                        "idempotency_keys_user_id_fkey",
                        (IdempotencyKeys::Table, IdempotencyKeys::UserId),
                        (Users::Table, Users::Id),
                    ))
                    .to_owned(),
            )
            .await?;
        create_index(
            manager,
            "idempotency_keys_expires_at_idx",
            IdempotencyKeys::Table,
            [IdempotencyKeys::ExpiresAt],
            false,
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            IdempotencyKeys::Table.into_iden(),
            AuditEvents::Table.into_iden(),
            ProjectMembers::Table.into_iden(),
            ProjectDependencies::Table.into_iden(),
            ProjectEnvironments::Table.into_iden(),
            Projects::Table.into_iden(),
            Environments::Table.into_iden(),
            Runtimes::Table.into_iden(),
            Regions::Table.into_iden(),
            OrganizationMembers::Table.into_iden(),
            Organizations::Table.into_iden(),
            ApiTokens::Table.into_iden(),
            Users::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}

/// Creates an index once; `unique` makes it a rule the database enforces.
async fn create_index<T, C, const N: usize>(
    manager: &SchemaManager<'_>,
    name: &str,
    table: T,
    cols: [C; N],
    unique: bool,
) -> Result<(), DbErr>
where
    T: IntoTableRef,
    C: IntoIden,
{
    let mut index = Index::create();
    index.name(name).table(table).if_not_exists();
    if unique {
        index.unique();
    }
    for col in cols {
        index.col(col);
    }
    manager.create_index(index.to_owned()).await
}

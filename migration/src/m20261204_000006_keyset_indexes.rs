//! Pages of an organization's projects and audit events are keyset pages
//! ordered by id; an index on `(organization_id, id)` serves each page by
//! reading its rows and no others, however large the organization. The
//! projects index on `(organization_id, created_at)` matched no query and
//! is replaced.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Projects {
    Table,
    OrganizationId,
    Id,
    CreatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum AuditEvents {
    Table,
    OrganizationId,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("projects_organization_id_id_idx")
                    .table(Projects::Table)
                    .col(Projects::OrganizationId)
                    .col(Projects::Id)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("audit_events_organization_id_id_idx")
                    .table(AuditEvents::Table)
                    .col(AuditEvents::OrganizationId)
                    .col(AuditEvents::Id)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .drop_index(
                Index::drop()
                    .name("projects_organization_id_created_at_idx")
                    .table(Projects::Table)
                    .if_exists()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_index(
                Index::create()
                    .name("projects_organization_id_created_at_idx")
                    .table(Projects::Table)
                    .col(Projects::OrganizationId)
                    .col(Projects::CreatedAt)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        for (name, table) in [
            (
                "audit_events_organization_id_id_idx",
                AuditEvents::Table.into_iden(),
            ),
            (
                "projects_organization_id_id_idx",
                Projects::Table.into_iden(),
            ),
        ] {
            manager
                .drop_index(Index::drop().name(name).table(table).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}

//! The project lifecycle: archive, delete with a grace period, rename.
//!
//! - `status` is the one record of whether a project is archived:
//!   `archived_at`, which could disagree with it and was never read, goes.
//! - `deleted_at` / `deleted_by` mark a soft-deleted project: it leaves
//!   every list and lookup at once and is purged with its rows once the
//!   grace period has passed (the index serves the purge's scan).
//! - `project_slugs` holds every slug a project has had in its
//!   organization, the current one included; its primary key keeps a
//!   renamed project's old slugs reserved (and resolving to it), and the
//!   slugs of deleted projects until their purge.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Projects {
    Table,
    Id,
    DeletedAt,
    DeletedBy,
}

#[derive(DeriveIden, Clone, Copy)]
enum ProjectSlugs {
    Table,
    OrganizationId,
    Slug,
    ProjectId,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        // Plain SQL, the same on both stores (SQLite has had DROP COLUMN
        // since 3.35; the column is in no index or constraint).
        db.execute_unprepared("ALTER TABLE projects DROP COLUMN archived_at")
            .await?;
        for column in [
            timestamp_with_time_zone_null(Projects::DeletedAt),
            uuid_null(Projects::DeletedBy),
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Projects::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("projects_deleted_at_idx")
                    .table(Projects::Table)
                    .col(Projects::DeletedAt)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ProjectSlugs::Table)
                    .if_not_exists()
                    .col(uuid(ProjectSlugs::OrganizationId))
                    .col(string(ProjectSlugs::Slug))
                    .col(uuid(ProjectSlugs::ProjectId))
                    .col(timestamp_with_time_zone(ProjectSlugs::CreatedAt))
                    .primary_key(
                        Index::create()
                            .name("project_slugs_pkey")
                            .col(ProjectSlugs::OrganizationId)
                            .col(ProjectSlugs::Slug),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .name("project_slugs_project_id_fkey")
                            .from(ProjectSlugs::Table, ProjectSlugs::ProjectId)
                            .to(Projects::Table, Projects::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("project_slugs_project_id_idx")
                    .table(ProjectSlugs::Table)
                    .col(ProjectSlugs::ProjectId)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        db.execute_unprepared(
            "INSERT INTO project_slugs (organization_id, slug, project_id, created_at) \
             SELECT organization_id, slug, id, created_at FROM projects",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        manager
            .drop_table(
                Table::drop()
                    .table(ProjectSlugs::Table)
                    .if_exists()
                    .to_owned(),
            )
            .await?;
        // Deleted projects cannot be told apart once the column is gone.
        db.execute_unprepared("DELETE FROM projects WHERE deleted_at IS NOT NULL")
            .await?;
        db.execute_unprepared("DROP INDEX IF EXISTS projects_deleted_at_idx")
            .await?;
        for column in ["deleted_by", "deleted_at"] {
            db.execute_unprepared(&format!("ALTER TABLE projects DROP COLUMN {column}"))
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Projects::Table)
                    .add_column(timestamp_with_time_zone_null(Alias::new("archived_at")))
                    .to_owned(),
            )
            .await
    }
}

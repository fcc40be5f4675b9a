//! The project event outbox. Every mutation that changes a project or its
//! members writes one `project_events` row in its own transaction, so an
//! event exists exactly when its change committed.
//!
//! Events are ordered per organization by `sequence`, taken from the
//! organization's `event_sequences` row (an upsert that increments it). The
//! upsert holds that row until its transaction ends, so the next event of
//! the organization gets its number only after this one committed or
//! rolled back: numbers are handed out in commit order, and a reader that
//! has seen number N has seen every committed event before it. The row is
//! its own table, not a column of `organizations`, so that it is taken
//! last, after the organization's lock, and creates that share the
//! organization (`FOR SHARE`) queue only for that short tail.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum EventSequences {
    Table,
    OrganizationId,
    LastSequence,
}

#[derive(DeriveIden, Clone, Copy)]
enum ProjectEvents {
    Table,
    Id,
    OrganizationId,
    Sequence,
    Type,
    ProjectId,
    ActorId,
    OccurredAt,
    Payload,
}

#[derive(DeriveIden, Clone, Copy)]
enum Organizations {
    Table,
    Id,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(EventSequences::Table)
                    .if_not_exists()
                    .col(uuid(EventSequences::OrganizationId).primary_key())
                    .col(big_integer(EventSequences::LastSequence))
                    .foreign_key(
                        ForeignKey::create()
                            .name("event_sequences_organization_id_fkey")
                            .from(EventSequences::Table, EventSequences::OrganizationId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(ProjectEvents::Table)
                    .if_not_exists()
                    .col(pk_uuid(ProjectEvents::Id))
                    .col(uuid(ProjectEvents::OrganizationId))
                    .col(big_integer(ProjectEvents::Sequence))
                    .col(string_len(ProjectEvents::Type, 64))
                    // No foreign keys to projects or users: an event
                    // outlives the purge of its project.
                    .col(uuid_null(ProjectEvents::ProjectId))
                    .col(uuid_null(ProjectEvents::ActorId))
                    .col(timestamp_with_time_zone(ProjectEvents::OccurredAt))
                    .col(json_binary(ProjectEvents::Payload))
                    .foreign_key(
                        ForeignKey::create()
                            .name("project_events_organization_id_fkey")
                            .from(ProjectEvents::Table, ProjectEvents::OrganizationId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("project_events_organization_id_sequence_key")
                    .table(ProjectEvents::Table)
                    .col(ProjectEvents::OrganizationId)
                    .col(ProjectEvents::Sequence)
                    .unique()
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("project_events_occurred_at_idx")
                    .table(ProjectEvents::Table)
                    .col(ProjectEvents::OccurredAt)
                    .if_not_exists()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ProjectEvents::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(EventSequences::Table).to_owned())
            .await
    }
}

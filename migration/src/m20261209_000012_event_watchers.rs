//! PostgreSQL: notify only when someone is listening.
//!
//! A transaction that issues `NOTIFY` takes a lock shared by the whole
//! cluster while it commits, so every notifying commit waits for the one
//! before it: measured, a fifth of the create rate and most of its p99.
//! The trigger now notifies only for an organization that has an enabled
//! webhook or a live subscriber somewhere. Each server process registers
//! the organizations its subscriptions watch in `event_watchers` (one row
//! per process and organization, kept alive by a heartbeat, gone a minute
//! after the process), before a subscription's first read. A wake-up that
//! is still missed (an insert whose statement began before the row
//! committed) costs a subscriber at most its periodic recheck; the outbox
//! stays the source of truth. SQLite gets the table and no trigger.

use sea_orm_migration::sea_orm::DbBackend;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum EventWatchers {
    Table,
    OrganizationId,
    ProcessId,
    ExpiresAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(EventWatchers::Table)
                    .if_not_exists()
                    .col(uuid(EventWatchers::OrganizationId))
                    .col(uuid(EventWatchers::ProcessId))
                    .col(timestamp_with_time_zone(EventWatchers::ExpiresAt))
                    .primary_key(
                        Index::create()
                            .col(EventWatchers::OrganizationId)
                            .col(EventWatchers::ProcessId),
                    )
                    .to_owned(),
            )
            .await?;
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        manager
            .get_connection()
            .execute_unprepared(
                "CREATE OR REPLACE FUNCTION project_events_notify() RETURNS trigger \
                 LANGUAGE plpgsql AS $$ BEGIN \
                 IF EXISTS (SELECT 1 FROM event_watchers \
                            WHERE organization_id = NEW.organization_id AND expires_at > now()) \
                 OR EXISTS (SELECT 1 FROM webhooks \
                            WHERE organization_id = NEW.organization_id AND enabled) THEN \
                 PERFORM pg_notify('project_events', NEW.organization_id::text); \
                 END IF; \
                 RETURN NULL; END $$",
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() == DbBackend::Postgres {
            manager
                .get_connection()
                .execute_unprepared(
                    "CREATE OR REPLACE FUNCTION project_events_notify() RETURNS trigger \
                     LANGUAGE plpgsql AS $$ BEGIN \
                     PERFORM pg_notify('project_events', NEW.organization_id::text); \
                     RETURN NULL; END $$",
                )
                .await?;
        }
        manager
            .drop_table(Table::drop().table(EventWatchers::Table).to_owned())
            .await
    }
}

//! Webhooks: endpoints an organization registers to receive its project
//! events, and one delivery row per event and endpoint.
//!
//! Deliveries are made from the outbox by whichever process gets to them
//! first: `webhooks.last_sequence` is how far into its organization's
//! event stream a webhook has been fanned out (event numbers follow commit
//! order, so nothing appears behind it later), and a delivery row is the
//! work of sending one event to one endpoint until it succeeds or is given
//! up. The unique (webhook, event) pair makes a fan-out repeated by two
//! processes write each delivery once. A delivery keeps the exact body it
//! signs, so that retries and redeliveries send the same bytes whatever
//! the event retention purged since.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum Webhooks {
    Table,
    Id,
    OrganizationId,
    Url,
    Description,
    Events,
    Secret,
    Enabled,
    DisabledReason,
    FailingSince,
    LastSequence,
    CreatedBy,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden, Clone, Copy)]
enum WebhookDeliveries {
    Table,
    Id,
    WebhookId,
    OrganizationId,
    EventId,
    EventType,
    Body,
    Status,
    Attempts,
    LastResponseCode,
    LastError,
    NextAttemptAt,
    RetryUntil,
    CreatedAt,
    DeliveredAt,
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
                    .table(Webhooks::Table)
                    .if_not_exists()
                    .col(pk_uuid(Webhooks::Id))
                    .col(uuid(Webhooks::OrganizationId))
                    .col(string_len(Webhooks::Url, 2048))
                    .col(string_len(Webhooks::Description, 1000))
                    .col(json_binary(Webhooks::Events))
                    .col(string_len(Webhooks::Secret, 100))
                    .col(boolean(Webhooks::Enabled))
                    .col(string_len_null(Webhooks::DisabledReason, 1000))
                    .col(timestamp_with_time_zone_null(Webhooks::FailingSince))
                    .col(big_integer(Webhooks::LastSequence))
                    .col(uuid(Webhooks::CreatedBy))
                    .col(timestamp_with_time_zone(Webhooks::CreatedAt))
                    .col(timestamp_with_time_zone(Webhooks::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .name("webhooks_organization_id_fkey")
                            .from(Webhooks::Table, Webhooks::OrganizationId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("webhooks_organization_id_idx")
                    .table(Webhooks::Table)
                    .col(Webhooks::OrganizationId)
                    .if_not_exists()
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(WebhookDeliveries::Table)
                    .if_not_exists()
                    .col(pk_uuid(WebhookDeliveries::Id))
                    .col(uuid(WebhookDeliveries::WebhookId))
                    .col(uuid(WebhookDeliveries::OrganizationId))
                    // No foreign key: a delivery outlives its event's purge.
                    .col(uuid(WebhookDeliveries::EventId))
                    .col(string_len(WebhookDeliveries::EventType, 64))
                    .col(text(WebhookDeliveries::Body))
                    .col(string_len(WebhookDeliveries::Status, 16))
                    .col(integer(WebhookDeliveries::Attempts))
                    .col(integer_null(WebhookDeliveries::LastResponseCode))
                    .col(string_len_null(WebhookDeliveries::LastError, 1000))
                    .col(timestamp_with_time_zone(WebhookDeliveries::NextAttemptAt))
                    .col(timestamp_with_time_zone(WebhookDeliveries::RetryUntil))
                    .col(timestamp_with_time_zone(WebhookDeliveries::CreatedAt))
                    .col(timestamp_with_time_zone_null(
                        WebhookDeliveries::DeliveredAt,
                    ))
                    .foreign_key(
                        ForeignKey::create()
                            .name("webhook_deliveries_webhook_id_fkey")
                            .from(WebhookDeliveries::Table, WebhookDeliveries::WebhookId)
                            .to(Webhooks::Table, Webhooks::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, columns, unique) in [
            (
                "webhook_deliveries_webhook_id_event_id_key",
                [WebhookDeliveries::WebhookId, WebhookDeliveries::EventId],
                true,
            ),
            (
                "webhook_deliveries_status_next_attempt_at_idx",
                [WebhookDeliveries::Status, WebhookDeliveries::NextAttemptAt],
                false,
            ),
            (
                "webhook_deliveries_webhook_id_id_idx",
                [WebhookDeliveries::WebhookId, WebhookDeliveries::Id],
                false,
            ),
        ] {
            let mut index = Index::create();
            index
                .name(name)
                .table(WebhookDeliveries::Table)
                .col(columns[0])
                .col(columns[1])
                .if_not_exists();
            if unique {
                index.unique();
            }
            manager.create_index(index.to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(WebhookDeliveries::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(Webhooks::Table).to_owned())
            .await
    }
}

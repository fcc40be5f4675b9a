//! Persisted GraphQL documents, shared by every server process: Apollo's
//! automatic persisted queries register here, and so do the trusted
//! documents an operator loads. `used_at` orders the eviction that keeps
//! the table under its cap (its index serves that scan); `trusted` rows
//! are loaded on purpose and never evicted.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum PersistedDocuments {
    Table,
    Hash,
    Document,
    Trusted,
    CreatedAt,
    UsedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(PersistedDocuments::Table)
                    .if_not_exists()
                    .col(string_len(PersistedDocuments::Hash, 64).primary_key())
                    .col(text(PersistedDocuments::Document))
                    .col(boolean(PersistedDocuments::Trusted).default(false))
                    .col(timestamp_with_time_zone(PersistedDocuments::CreatedAt))
                    .col(timestamp_with_time_zone(PersistedDocuments::UsedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("persisted_documents_used_at_idx")
                    .table(PersistedDocuments::Table)
                    .col(PersistedDocuments::Trusted)
                    .col(PersistedDocuments::UsedAt)
                    .if_not_exists()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(PersistedDocuments::Table).to_owned())
            .await
    }
}

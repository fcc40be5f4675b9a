//! An idempotent request now writes its resource and its stored response in
//! one transaction, so a record no longer needs to know what its request
//! created (`resource_id`). Instead each claim gets an id of its own
//! (`claim_id`), which completing and releasing the key check, so that a
//! request cannot store its response over a claim another request took
//! over.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum IdempotencyKeys {
    Table,
    ResourceId,
    ClaimId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Plain SQL, the same on both stores: sea-query's SQLite builder
        // quotes the column of a DROP COLUMN twice. SQLite alters one
        // column per statement.
        manager
            .get_connection()
            .execute_unprepared("ALTER TABLE idempotency_keys DROP COLUMN resource_id")
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(IdempotencyKeys::Table)
                    .add_column(uuid_null(IdempotencyKeys::ClaimId))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(IdempotencyKeys::Table)
                    .drop_column(IdempotencyKeys::ClaimId)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(IdempotencyKeys::Table)
                    .add_column(uuid_null(IdempotencyKeys::ResourceId))
                    .to_owned(),
            )
            .await
    }
}

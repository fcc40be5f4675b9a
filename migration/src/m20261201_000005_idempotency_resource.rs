//! An idempotent request commits what it creates together with the id of
//! it on its key (`resource_id`), and stores its response afterwards, so
//! that no request holds a write lock while it resolves its response. A
//! retry that finds a resource but no stored response answers about that
//! resource instead of creating another.

use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden, Clone, Copy)]
enum IdempotencyKeys {
    Table,
    ResourceId,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(IdempotencyKeys::Table)
                    .add_column(uuid_null(IdempotencyKeys::ResourceId))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // Plain SQL, the same on both stores (see migration 000004).
        manager
            .get_connection()
            .execute_unprepared("ALTER TABLE idempotency_keys DROP COLUMN resource_id")
            .await
            .map(|_| ())
    }
}

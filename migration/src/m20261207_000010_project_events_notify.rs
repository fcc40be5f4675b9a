//! PostgreSQL: every committed project event notifies the
//! `project_events` channel with its organization id, so that each server
//! process can wake its subscribers of that organization. `NOTIFY` is
//! delivered only on commit, and identical notifications of one
//! transaction are folded into one. SQLite has no notifications (each
//! process looks for new rows instead), so this migration does nothing
//! there.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::DbBackend;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        db.execute_unprepared(
            "CREATE OR REPLACE FUNCTION project_events_notify() RETURNS trigger \
             LANGUAGE plpgsql AS $$ BEGIN \
             PERFORM pg_notify('project_events', NEW.organization_id::text); \
             RETURN NULL; END $$",
        )
        .await?;
        db.execute_unprepared(
            "CREATE TRIGGER project_events_notify AFTER INSERT ON project_events \
             FOR EACH ROW EXECUTE FUNCTION project_events_notify()",
        )
        .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        if manager.get_database_backend() != DbBackend::Postgres {
            return Ok(());
        }
        let db = manager.get_connection();
        db.execute_unprepared("DROP TRIGGER IF EXISTS project_events_notify ON project_events")
            .await?;
        db.execute_unprepared("DROP FUNCTION IF EXISTS project_events_notify()")
            .await?;
        Ok(())
    }
}

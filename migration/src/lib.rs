//! Database migrations for projects-api.
//!
//! Every table the server needs lives here, created with the portable
//! sea-query builders so that one migration serves SQLite and PostgreSQL.
//! The rules that must hold across server processes (unique slugs, unique
//! token hashes, one membership per user and organization) are unique
//! indexes here, never checks in process memory.

pub use sea_orm_migration::prelude::*;

mod m20261123_000001_create_tables;
mod m20261123_000002_seed_catalogs;
mod m20261123_000003_idempotency_resume;
mod m20261123_000004_idempotency_claims;
mod m20261201_000005_idempotency_resource;
mod m20261204_000006_keyset_indexes;
mod m20261205_000007_project_lifecycle;
mod m20261206_000008_persisted_documents;
mod m20261207_000009_project_events;
mod m20261207_000010_project_events_notify;
mod m20261208_000011_webhooks;
mod m20261209_000012_event_watchers;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261123_000001_create_tables::Migration),
            Box::new(m20261123_000002_seed_catalogs::Migration),
            Box::new(m20261123_000003_idempotency_resume::Migration),
            Box::new(m20261123_000004_idempotency_claims::Migration),
            Box::new(m20261201_000005_idempotency_resource::Migration),
            Box::new(m20261204_000006_keyset_indexes::Migration),
            Box::new(m20261205_000007_project_lifecycle::Migration),
            Box::new(m20261206_000008_persisted_documents::Migration),
            Box::new(m20261207_000009_project_events::Migration),
            Box::new(m20261207_000010_project_events_notify::Migration),
            Box::new(m20261208_000011_webhooks::Migration),
            Box::new(m20261209_000012_event_watchers::Migration),
        ]
    }
}

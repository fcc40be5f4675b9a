//! SeaORM entities, one per table. They are storage shapes only: the
//! GraphQL layer never exposes them, the store turns them into domain values.

pub mod api_token;
pub mod audit_event;
pub mod environment;
pub mod idempotency_key;
pub mod organization;
pub mod organization_member;
pub mod persisted_document;
pub mod project;
pub mod project_dependency;
pub mod project_environment;
pub mod project_event;
pub mod project_member;
pub mod project_slug;
pub mod region;
pub mod runtime;
pub mod user;
pub mod webhook;
pub mod webhook_delivery;

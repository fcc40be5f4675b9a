//! projects-api: a GraphQL API server that creates and manages projects
//! inside organizations, merging four products' "create project" APIs into
//! one typed `createProject` mutation.
//!
//! - [`cli`]: the command line (`serve`, `migrate`, `schema`, `admin …`).
//! - [`config`]: one typed configuration from flags and environment.
//! - [`server`]: binds, migrates and serves until shut down.
//! - [`http`]: the axum router — GraphQL over HTTP, GraphiQL, health, auth.
//! - [`graphql`]: the schema, its types and the error → extensions mapping.
//! - [`app`]: the use cases (create a project, an organization), one flow
//!   each, called by every transport.
//! - [`domain`]: the rules, as plain Rust (no GraphQL, no SQL).
//! - [`store`]: queries and transactions over SeaORM.
//! - [`entity`]: SeaORM entities, one per table.
//! - [`telemetry`]: logs and OpenTelemetry traces.
//! - [`metrics`]: the Prometheus metrics served at `/metrics`.

pub mod app;
pub mod cli;
pub mod config;
pub mod domain;
pub mod entity;
pub mod graphql;
pub mod http;
pub mod hub;
pub mod metrics;
pub mod server;
pub mod store;
pub mod telemetry;
pub mod webhooks;

//! The one integration-test binary: every test starts the real server on a
//! random port over a fresh database and talks HTTP to it.
//!
//! The store is SQLite (a file in a temporary directory) unless
//! `TEST_DATABASE_URL` names a PostgreSQL server, in which case every test
//! gets its own fresh database there, dropped when the test ends.

mod auth;
mod cli;
mod concurrency;
mod connections;
mod create_project;
mod door_datallog;
mod door_frontier;
mod door_metabind;
mod door_unleash;
mod doors;
mod errors;
mod events;
mod fuzz;
mod helpers;
mod hostile;
mod http;
mod idempotency;
mod leaks;
mod lifecycle;
mod limits;
mod monitoring;
mod nulls;
mod openapi;
mod outage;
mod persisted;
mod reads;
mod relay;
mod rules;
mod schema;
mod shutdown;
mod subscriptions;
mod tenants;
mod unsafe_input;
mod webhooks;

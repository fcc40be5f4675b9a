//! The `projects-api` binary: parse the command line, run it.

use std::process::ExitCode;

use clap::Parser;

/// mimalloc instead of glibc's allocator: a request allocates and frees
/// many small objects on several threads, where glibc's arenas showed up
/// as a fifth of the server's samples (locking and consolidation).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> ExitCode {
    projects_api::webhooks::install_crypto_provider();
    projects_api::cli::run(projects_api::cli::Cli::parse()).await
}

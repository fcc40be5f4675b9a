//! The `projects-api` binary: parse the command line, run it.

use std::process::ExitCode;

use clap::Parser;

#[tokio::main]
async fn main() -> ExitCode {
    projects_api::cli::run(projects_api::cli::Cli::parse()).await
}

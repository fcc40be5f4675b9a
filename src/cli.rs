//! The command line: `serve`, `migrate`, `schema`, `openapi` and the
//! `admin` commands.
//!
//! Admin commands print one JSON object on stdout and exit 0, or print the
//! error on stderr and exit non-zero.

use std::process::ExitCode;

use clap::{Parser, Subcommand};
use serde_json::{Value, json};

use crate::config::{Config, DatabaseArgs, LogFormat, ServeArgs};
use crate::domain::{self, Plan, Role};
use crate::store::Store;

#[derive(Parser, Debug)]
#[command(
    name = "projects-api",
    version,
    about = "A GraphQL API server for projects inside organizations."
)]
pub struct Cli {
    #[command(flatten)]
    pub database: DatabaseArgs,

    /// Log as text for people or as JSON lines for machines.
    #[arg(
        long,
        env = "LOG_FORMAT",
        value_enum,
        default_value = "text",
        global = true
    )]
    pub log_format: LogFormat,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the HTTP server (migrates the database first).
    Serve(ServeArgs),
    /// Apply pending database migrations and exit.
    Migrate,
    /// Print the GraphQL schema (SDL); identical to schema.graphql.
    Schema,
    /// Print the REST doors' OpenAPI document; identical to openapi.json.
    Openapi,
    /// Print the configuration reference (every environment variable and
    /// flag) as the Markdown table in the README.
    ConfigReference,
    /// Administer users, tokens, memberships and plans.
    #[command(subcommand)]
    Admin(Admin),
}

#[derive(Subcommand, Debug)]
pub enum Admin {
    /// Create a user with a personal organization (FREE plan) and a first token.
    CreateUser {
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: Option<String>,
    },
    /// Issue another API token for a user.
    CreateToken {
        #[arg(long)]
        email: String,
    },
    /// Revoke an API token.
    RevokeToken {
        #[arg(long)]
        token: String,
    },
    /// Add a user to an organization with a role (or change their role).
    AddMember {
        /// The organization's UUID or slug.
        #[arg(long)]
        organization: String,
        #[arg(long)]
        email: String,
        /// OWNER, ADMIN, MEMBER or VIEWER.
        #[arg(long)]
        role: String,
    },
    /// Load trusted documents from a manifest (Apollo's persisted query
    /// manifest, or relay-compiler's map of hash to document): the only
    /// documents that run with TRUSTED_DOCUMENTS_ONLY.
    TrustDocuments {
        /// The manifest's path.
        #[arg(long)]
        manifest: std::path::PathBuf,
    },
    /// Set an organization's plan: FREE, PRO or ENTERPRISE.
    SetPlan {
        /// The organization's UUID or slug.
        #[arg(long)]
        organization: String,
        #[arg(long)]
        plan: String,
    },
}

/// Runs the parsed command line and returns the process exit code.
pub async fn run(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Serve(serve) => {
            let _telemetry = crate::telemetry::init(cli.log_format);
            let config = Config::new(&cli.database, &serve);
            match crate::server::run_until_signal(config).await {
                Ok(()) => ExitCode::SUCCESS,
                Err(err) => {
                    tracing::error!(error = %err, "server failed");
                    eprintln!("error: {err}");
                    ExitCode::FAILURE
                }
            }
        }
        Command::Schema => {
            print!("{}", crate::graphql::sdl());
            ExitCode::SUCCESS
        }
        Command::Openapi => {
            print!("{}", crate::http::doors::openapi::json());
            ExitCode::SUCCESS
        }
        Command::ConfigReference => {
            print!("{}", config_reference());
            ExitCode::SUCCESS
        }
        Command::Migrate => {
            let _telemetry = crate::telemetry::init(cli.log_format);
            let res = async {
                let store = Store::connect(&cli.database.store_options()).await?;
                store.migrate().await?;
                store.close().await
            }
            .await;
            match res {
                Ok(()) => {
                    println!("{}", json!({ "migrated": true }));
                    ExitCode::SUCCESS
                }
                Err(err) => fail(&format!("migration failed: {err}")),
            }
        }
        Command::Admin(admin) => match admin_command(&cli.database, admin).await {
            Ok(value) => {
                println!("{value}");
                ExitCode::SUCCESS
            }
            Err(message) => fail(&message),
        },
    }
}

/// The configuration reference, from the clap definitions themselves: one
/// row per option that an environment variable can set, global options
/// first, then `serve`'s.
pub fn config_reference() -> String {
    use clap::CommandFactory;
    let command = Cli::command();
    let serve = command
        .find_subcommand("serve")
        .expect("serve is a subcommand")
        .clone();
    let mut text =
        String::from("| variable | flag | default | what it sets |\n|---|---|---|---|\n");
    let rows = command
        .get_arguments()
        .map(|arg| (arg, ""))
        .chain(serve.get_arguments().map(|arg| (arg, "serve ")));
    for (arg, prefix) in rows {
        let Some(env) = arg.get_env() else {
            continue;
        };
        let default: Vec<String> = arg
            .get_default_values()
            .iter()
            .map(|value| value.to_string_lossy().into_owned())
            .collect();
        let default = if default.is_empty() {
            "none".to_owned()
        } else {
            format!("`{}`", default.join(","))
        };
        let help = arg
            .get_help()
            .map(|help| help.to_string().replace('\n', " "))
            .unwrap_or_default();
        text.push_str(&format!(
            "| `{}` | `{prefix}--{}` | {default} | {help} |\n",
            env.to_string_lossy(),
            arg.get_long().unwrap_or_default(),
        ));
    }
    text.push_str(
        "| `RUST_LOG` | | `info` | Which logs to write (`tracing` env-filter syntax). |\n",
    );
    text.push_str("| `OTEL_EXPORTER_OTLP_ENDPOINT` | | none | Export traces over OTLP/HTTP to this base URL (the standard `OTEL_*` variables apply). |\n");
    text
}

fn fail(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::FAILURE
}

async fn admin_command(database: &DatabaseArgs, admin: Admin) -> Result<Value, String> {
    let store = Store::connect(&database.store_options())
        .await
        .map_err(|err| format!("cannot open the database: {err}"))?;
    store
        .migrate()
        .await
        .map_err(|err| format!("cannot migrate the database: {err}"))?;
    let res = admin_on(&store, admin).await.map_err(|err| err.to_string());
    let _ = store.close().await;
    res
}

async fn admin_on(store: &Store, admin: Admin) -> Result<Value, domain::Error> {
    Ok(match admin {
        Admin::CreateUser { email, name } => {
            let created = store.create_user(&email, name.as_deref()).await?;
            json!({
                "userId": created.user.id,
                "organizationId": created.organization.id,
                "organizationSlug": created.organization.slug,
                "token": created.token,
            })
        }
        Admin::CreateToken { email } => json!({ "token": store.create_token(&email).await? }),
        Admin::RevokeToken { token } => {
            store.revoke_token(&token).await?;
            json!({ "revoked": true })
        }
        Admin::AddMember {
            organization,
            email,
            role,
        } => {
            let role = Role::parse(&role).ok_or_else(|| {
                domain::Error::bad_input(
                    vec!["role".into()],
                    format!("'{role}' is not a role: use OWNER, ADMIN, MEMBER or VIEWER."),
                )
            })?;
            let membership = store.add_member(&organization, &email, role).await?;
            json!({
                "organizationId": membership.organization_id,
                "userId": membership.user_id,
                "role": membership.role.as_str(),
            })
        }
        Admin::TrustDocuments { manifest } => {
            let documents = std::fs::read(&manifest)
                .map_err(|err| format!("cannot read {}: {err}", manifest.display()))
                .and_then(|bytes| {
                    serde_json::from_slice(&bytes)
                        .map_err(|err| format!("{} is not JSON: {err}", manifest.display()))
                })
                .and_then(|json| crate::http::persisted::manifest(&json))
                .map_err(|message| domain::Error::bad_input(vec!["manifest".into()], message))?;
            json!({ "trusted": store.trust_documents(&documents).await? })
        }
        Admin::SetPlan { organization, plan } => {
            let plan = Plan::parse(&plan).ok_or_else(|| {
                domain::Error::bad_input(
                    vec!["plan".into()],
                    format!("'{plan}' is not a plan: use FREE, PRO or ENTERPRISE."),
                )
            })?;
            let organization = store.set_plan(&organization, plan).await?;
            json!({
                "organizationId": organization.id,
                "plan": organization.plan.as_str(),
                "maxProjects": organization.plan.max_projects(),
            })
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn verify_cli() {
        Cli::command().debug_assert();
    }
}

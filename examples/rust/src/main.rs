//! A typed Rust client of projects-api with cynic: the query below is
//! checked against `schema.graphql` at compile time (see build.rs), and the
//! response decodes into these structs. Creates a project, then sends a bad
//! one and prints each error with the field it names.
//!
//!     API_URL=http://127.0.0.1:8000 API_TOKEN=pat_… cargo run -p projects-api-rust-example
//!
//! Exits non-zero when the answers are not what the contract says (CI runs
//! it against a live server).

use cynic::MutationBuilder;
use cynic::http::ReqwestExt;
use serde::Deserialize;

#[cynic::schema("projects")]
mod schema {}

#[derive(cynic::QueryVariables, Debug)]
pub struct CreateProjectVariables {
    pub input: CreateProjectInput,
}

/// The fields this client sends; the rest keep their defaults.
#[derive(cynic::InputObject, Debug)]
pub struct CreateProjectInput {
    pub name: String,
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub slug: Option<String>,
    #[cynic(skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

#[derive(cynic::QueryFragment, Debug)]
#[cynic(graphql_type = "Mutation", variables = "CreateProjectVariables")]
pub struct CreateProject {
    #[arguments(input: $input)]
    pub create_project: Option<CreateProjectPayload>,
}

#[derive(cynic::QueryFragment, Debug)]
pub struct CreateProjectPayload {
    pub project: Project,
}

#[derive(cynic::QueryFragment, Debug)]
pub struct Project {
    pub id: cynic::Id,
    pub slug: String,
    pub status: ProjectStatus,
    pub members_count: i32,
}

#[derive(cynic::Enum, Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProjectStatus {
    Active,
    Archived,
}

/// What this client reads of an error's `extensions`.
#[derive(Deserialize, Debug)]
struct Extensions {
    code: String,
    #[serde(default)]
    field: Vec<String>,
}

fn fail(message: String) -> ! {
    eprintln!("FAIL: {message}");
    std::process::exit(1)
}

#[tokio::main(flavor = "current_thread")]
async fn main() {
    let api = std::env::var("API_URL").unwrap_or_else(|_| "http://127.0.0.1:8000".into());
    let token = std::env::var("API_TOKEN").unwrap_or_else(|_| {
        fail("set API_TOKEN (projects-api admin create-user prints one)".into())
    });
    let client = reqwest::Client::new();
    let create = |input: CreateProjectInput| {
        client
            .post(format!("{api}/graphql"))
            .bearer_auth(&token)
            .run_graphql(CreateProject::build(CreateProjectVariables { input }))
            .retain_extensions::<Extensions>()
    };

    let answer = create(CreateProjectInput {
        name: "Typed from Rust".into(),
        slug: None,
        description: Some("Created by the cynic example.".into()),
    })
    .await
    .unwrap_or_else(|err| fail(format!("the request failed: {err}")));
    let Some(payload) = answer.data.and_then(|data| data.create_project) else {
        fail(format!("no project: {:?}", answer.errors));
    };
    let project = payload.project;
    println!(
        "created {} ({:?}, {} member)",
        project.slug, project.status, project.members_count
    );
    if project.status != ProjectStatus::Active {
        fail(format!("a new project is {:?}", project.status));
    }

    let answer = create(CreateProjectInput {
        name: String::new(),
        slug: Some("Bad Slug!".into()),
        description: None,
    })
    .await
    .unwrap_or_else(|err| fail(format!("the request failed: {err}")));
    let errors = answer.errors.unwrap_or_default();
    let mut seen = Vec::new();
    for error in &errors {
        let Some(extensions) = &error.extensions else {
            fail(format!("an error without extensions: {}", error.message));
        };
        let field = extensions.field.join(".");
        println!("{field}: {}: {}", extensions.code, error.message);
        seen.push((field, extensions.code.clone()));
    }
    for expected in [
        ("input.name", "INVALID_NAME"),
        ("input.slug", "INVALID_SLUG"),
    ] {
        if !seen
            .iter()
            .any(|(field, code)| field == expected.0 && code == expected.1)
        {
            fail(format!("expected {} at {}", expected.1, expected.0));
        }
    }
}

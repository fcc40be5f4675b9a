//! The rules of the service as plain Rust: identities, organizations,
//! projects, validation and the errors each rule can raise.
//!
//! Nothing here knows about GraphQL, HTTP or SQL; the `graphql` layer turns
//! these values into the API and the `store` layer into rows.

mod error;
mod identity;
mod names;
mod project;
mod slug;

pub use error::{Error, FieldPath};
pub use identity::{Organization, Plan, Principal, Role, User};
pub use project::{
    ChangeRequestEnvironment, CreateProject, Deployment, NewProject, Platform, Project,
    ProjectMember, ProjectMode, ProjectSettings, ProjectStage, ProjectStatus, SlugChoice,
    validate_create,
};
pub use slug::{derive_slug, slug_candidate, validate_slug};

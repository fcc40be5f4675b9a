//! Input types, and their conversion into domain requests.

use async_graphql::{ID, InputObject};

use crate::domain;

/// What a new project should be. Only `name` is required.
#[derive(InputObject, Debug)]
pub struct CreateProjectInput {
    /// The organization (a UUID); omitted means the caller's personal
    /// organization.
    pub organization_id: Option<ID>,
    /// The display name: 1–200 characters, no control characters, no HTML.
    pub name: String,
    /// The URL identifier, `^[a-z0-9][a-z0-9_-]*$`, at most 63 characters,
    /// unique in the organization. Omitted: derived from the name.
    pub slug: Option<String>,
    /// At most 4,000 characters.
    pub description: Option<String>,
    /// Echoed back in the payload, nothing more.
    pub client_mutation_id: Option<String>,
}

impl CreateProjectInput {
    pub fn to_domain(&self) -> domain::CreateProject {
        domain::CreateProject {
            organization_id: self.organization_id.as_ref().map(|id| id.0.clone()),
            name: self.name.clone(),
            slug: self.slug.clone(),
            description: self.description.clone(),
        }
    }
}

//! Every way a request can fail, with the data a client can act on.
//!
//! `code()`, `field()` and `details()` are the contract of DESIGN.md; the
//! GraphQL layer turns them into `extensions` in one place.

use serde_json::{Value, json};

/// A path inside the mutation's arguments, e.g. `["input", "slug"]`.
pub type FieldPath = Vec<String>;

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    #[error("Authentication required: send a valid API token as 'Authorization: Bearer <token>'.")]
    Unauthenticated,
    #[error("The API token is unknown or has been revoked.")]
    InvalidToken,
    #[error("Your role in this organization does not allow this action.")]
    Forbidden,
    #[error("No organization with this id exists, or you are not a member of it.")]
    OrganizationNotFound { field: FieldPath },
    #[error("{message}")]
    BadUserInput { field: FieldPath, message: String },
    #[error("{message}")]
    InvalidName { message: String },
    #[error("{message}")]
    InvalidSlug { slug: String, message: String },
    #[error("A project with the slug '{slug}' already exists in this organization.")]
    SlugAlreadyExists { slug: String },
    #[error("{message}")]
    InvalidDescription { message: String },
    #[error(
        "This organization has reached its plan's limit of {max} projects; archive a project or upgrade the plan."
    )]
    MaxProjectsReached { max: i64, current: i64 },
    #[error("An organization with the slug '{slug}' already exists.")]
    OrganizationSlugTaken { slug: String },
    #[error("{message}")]
    NotFound { message: String },
    #[error("The database cannot be reached right now; please retry shortly.")]
    ServiceUnavailable,
    #[error("An internal error occurred; it has been logged.")]
    Internal,
}

impl Error {
    pub fn code(&self) -> &'static str {
        match self {
            Error::Unauthenticated | Error::InvalidToken => "UNAUTHENTICATED",
            Error::Forbidden => "FORBIDDEN",
            Error::OrganizationNotFound { .. } => "ORGANIZATION_NOT_FOUND",
            Error::BadUserInput { .. } => "BAD_USER_INPUT",
            Error::InvalidName { .. } => "INVALID_NAME",
            Error::InvalidSlug { .. } => "INVALID_SLUG",
            Error::SlugAlreadyExists { .. } | Error::OrganizationSlugTaken { .. } => {
                "SLUG_ALREADY_EXISTS"
            }
            Error::InvalidDescription { .. } => "INVALID_DESCRIPTION",
            Error::MaxProjectsReached { .. } => "MAX_PROJECTS_REACHED",
            Error::NotFound { .. } => "NOT_FOUND",
            Error::ServiceUnavailable => "SERVICE_UNAVAILABLE",
            Error::Internal => "INTERNAL_SERVER_ERROR",
        }
    }

    /// The input field the problem is about, if it is about one.
    pub fn field(&self) -> Option<FieldPath> {
        let path = |names: &[&str]| Some(names.iter().map(|s| s.to_string()).collect());
        match self {
            Error::OrganizationNotFound { field } | Error::BadUserInput { field, .. } => {
                Some(field.clone())
            }
            Error::InvalidName { .. } => path(&["input", "name"]),
            Error::InvalidSlug { .. } | Error::SlugAlreadyExists { .. } => path(&["input", "slug"]),
            Error::OrganizationSlugTaken { .. } => path(&["input", "slug"]),
            Error::InvalidDescription { .. } => path(&["input", "description"]),
            _ => None,
        }
    }

    /// Facts a client can act on, as a JSON object.
    pub fn details(&self) -> Option<Value> {
        match self {
            Error::SlugAlreadyExists { slug } | Error::OrganizationSlugTaken { slug } => {
                Some(json!({ "slug": slug }))
            }
            Error::InvalidSlug { slug, .. } => Some(json!({ "slug": slug })),
            Error::MaxProjectsReached { max, current } => {
                Some(json!({ "maxProjects": max, "currentProjects": current }))
            }
            _ => None,
        }
    }
}

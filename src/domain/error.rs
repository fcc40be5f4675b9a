//! Every way a request can fail, with the data a client can act on.
//!
//! `code()`, `field()` and `details()` are the contract of DESIGN.md; the
//! GraphQL layer turns them into `extensions` in one place.

use chrono::{DateTime, Utc};
use serde_json::{Value, json};

use super::lifecycle::Dependant;

pub use super::code::Code;
use uuid::Uuid;

/// One step of a path inside the mutation's arguments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Segment {
    Key(String),
    Index(usize),
}

impl From<&str> for Segment {
    fn from(key: &str) -> Self {
        Segment::Key(key.to_owned())
    }
}

impl From<usize> for Segment {
    fn from(index: usize) -> Self {
        Segment::Index(index)
    }
}

/// A path inside the input a rule checked, e.g. `["settings",
/// "supportedLocales", 1]`: relative to the input object, so that each
/// door adds its own prefix (`["input", …]` in GraphQL, nothing for a REST
/// body that is the input).
pub type FieldPath = Vec<Segment>;

/// Builds a [`FieldPath`] from keys and indexes.
#[macro_export]
macro_rules! field_path {
    ($($segment:expr),* $(,)?) => {
        vec![$($crate::domain::Segment::from($segment)),*]
    };
}

/// A problem with one value of the input: which rule, where, and why.
#[derive(Debug, Clone, PartialEq)]
pub struct InputError {
    pub code: Code,
    pub field: FieldPath,
    pub message: String,
    pub details: Option<Value>,
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum Error {
    #[error("Authentication required: send a valid API token as 'Authorization: Bearer <token>'.")]
    Unauthenticated,
    #[error("The API token is unknown or has been revoked.")]
    InvalidToken,
    #[error("Your role in this organization does not allow this action.")]
    Forbidden,
    #[error("No organization with this id exists, or you are not a member of it.")]
    OrganizationNotFound,
    /// A problem with one input value; most validation rules end here.
    #[error("{}", .0.message)]
    Input(InputError),
    #[error("A project with the slug '{slug}' already exists in this organization.")]
    SlugAlreadyExists { slug: String },
    #[error("No project with the id '{id}' exists in this organization.")]
    DependencyNotFound { index: usize, id: Uuid },
    #[error(
        "This organization has reached its plan's limit of {max} projects; archive a project or upgrade the plan."
    )]
    MaxProjectsReached { max: i64, current: i64 },
    #[error("You already own {current} organizations, the most one user may create ({max}).")]
    MaxOrganizationsReached { max: u32, current: u64 },
    #[error("The slug '{slug}' is not available for an organization; choose another.")]
    OrganizationSlugTaken { slug: String },
    #[error("{message}")]
    NotFound { message: String },
    #[error("No project with this id exists, or you may not see it.")]
    ProjectNotFound,
    #[error(
        "The project has changed since {}; read it again and reapply your change.",
        "expectedUpdatedAt"
    )]
    StaleProject { updated_at: DateTime<Utc> },
    #[error("The project is archived; restore it before changing it.")]
    ProjectArchived,
    #[error("'confirmSlug' must be the project's current slug.")]
    ConfirmationMismatch,
    #[error("Other projects depend on this one; remove them as dependencies first.")]
    ProjectHasDependants { dependants: Vec<Dependant> },
    #[error("No user with the email '{email}' exists.")]
    UserNotFound { email: String },
    #[error("The user '{email}' is not a member of the project's organization.")]
    UserNotInOrganization { email: String },
    #[error("The user is already a member.")]
    AlreadyAMember { user_id: Uuid },
    #[error("The user is not a member.")]
    MemberNotFound,
    #[error("There must be at least one OWNER left; make another member OWNER first.")]
    LastOwner,
    #[error("No webhook with this id exists, or you may not manage it.")]
    WebhookNotFound,
    #[error("No delivery with this id exists, or you may not manage its webhook.")]
    DeliveryNotFound,
    #[error(
        "This organization already has {max} webhooks, the most it may have; delete one first."
    )]
    MaxWebhooksReached { max: u64 },
    #[error("The request reads more than {max} rows; ask for smaller pages or fewer nested lists.")]
    TooManyRows { max: usize },
    #[error("At most {max} subscriptions may be open {per}; end one first.")]
    TooManySubscriptions { max: usize, per: &'static str },
    #[error("The database cannot be reached right now; please retry shortly.")]
    ServiceUnavailable,
    #[error("An internal error occurred; it has been logged.")]
    Internal,
}

impl Error {
    /// An input error with a code, a path and a message.
    pub fn input(code: Code, field: FieldPath, message: impl Into<String>) -> Error {
        Error::Input(InputError {
            code,
            field,
            message: message.into(),
            details: None,
        })
    }

    /// The same input error with details a client can act on.
    pub fn with_details(self, details: Value) -> Error {
        match self {
            Error::Input(mut error) => {
                error.details = Some(details);
                Error::Input(error)
            }
            other => other,
        }
    }

    /// `BAD_USER_INPUT` for a value of the wrong shape.
    pub fn bad_input(field: FieldPath, message: impl Into<String>) -> Error {
        Error::input(Code::BadUserInput, field, message)
    }

    pub fn code(&self) -> Code {
        match self {
            Error::Unauthenticated | Error::InvalidToken => Code::Unauthenticated,
            Error::Forbidden => Code::Forbidden,
            Error::OrganizationNotFound => Code::OrganizationNotFound,
            Error::Input(error) => error.code,
            Error::SlugAlreadyExists { .. } | Error::OrganizationSlugTaken { .. } => {
                Code::SlugAlreadyExists
            }
            Error::DependencyNotFound { .. } => Code::DependencyNotFound,
            Error::MaxProjectsReached { .. } => Code::MaxProjectsReached,
            Error::MaxOrganizationsReached { .. } => Code::MaxOrganizationsReached,
            Error::NotFound { .. } => Code::NotFound,
            Error::ProjectNotFound => Code::ProjectNotFound,
            Error::StaleProject { .. } => Code::StaleProject,
            Error::ProjectArchived => Code::ProjectArchived,
            Error::ConfirmationMismatch => Code::ConfirmationMismatch,
            Error::ProjectHasDependants { .. } => Code::ProjectHasDependants,
            Error::UserNotFound { .. } => Code::UserNotFound,
            Error::UserNotInOrganization { .. } => Code::UserNotInOrganization,
            Error::AlreadyAMember { .. } => Code::AlreadyAMember,
            Error::MemberNotFound => Code::MemberNotFound,
            Error::LastOwner => Code::LastOwner,
            Error::WebhookNotFound | Error::DeliveryNotFound => Code::WebhookNotFound,
            Error::MaxWebhooksReached { .. } => Code::MaxWebhooksReached,
            Error::TooManyRows { .. } => Code::QueryTooExpensive,
            Error::TooManySubscriptions { .. } => Code::TooManySubscriptions,
            Error::ServiceUnavailable => Code::ServiceUnavailable,
            Error::Internal => Code::InternalServerError,
        }
    }

    /// The input field the problem is about, if it is about one.
    pub fn field(&self) -> Option<FieldPath> {
        match self {
            Error::OrganizationNotFound => Some(crate::field_path!["organizationId"]),
            Error::Input(error) => Some(error.field.clone()),
            Error::SlugAlreadyExists { .. } | Error::OrganizationSlugTaken { .. } => {
                Some(crate::field_path!["slug"])
            }
            Error::DependencyNotFound { index, .. } => {
                Some(crate::field_path!["dependencyIds", *index])
            }
            Error::StaleProject { .. } => Some(crate::field_path!["expectedUpdatedAt"]),
            Error::ConfirmationMismatch => Some(crate::field_path!["confirmSlug"]),
            Error::UserNotFound { .. }
            | Error::UserNotInOrganization { .. }
            | Error::AlreadyAMember { .. } => Some(crate::field_path!["email"]),
            Error::MemberNotFound => Some(crate::field_path!["userId"]),
            Error::WebhookNotFound => Some(crate::field_path!["id"]),
            Error::DeliveryNotFound => Some(crate::field_path!["id"]),
            _ => None,
        }
    }

    /// Facts a client can act on, as a JSON object.
    pub fn details(&self) -> Option<Value> {
        match self {
            Error::Input(error) => error.details.clone(),
            Error::SlugAlreadyExists { slug } | Error::OrganizationSlugTaken { slug } => {
                Some(json!({ "slug": slug }))
            }
            Error::DependencyNotFound { id, .. } => Some(json!({ "id": id })),
            Error::MaxProjectsReached { max, current } => {
                Some(json!({ "maxProjects": max, "currentProjects": current }))
            }
            Error::TooManyRows { max } => Some(json!({ "maxRows": max })),
            Error::MaxWebhooksReached { max } => Some(json!({ "maxWebhooks": max })),
            Error::TooManySubscriptions { max, .. } => Some(json!({ "max": max })),
            Error::StaleProject { updated_at } => Some(json!({
                "updatedAt": updated_at.to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
            })),
            Error::ProjectHasDependants { dependants } => Some(json!({
                "dependants": dependants
                    .iter()
                    .map(|d| json!({ "id": d.id, "slug": d.slug, "deleted": d.deleted }))
                    .collect::<Vec<_>>()
            })),
            Error::AlreadyAMember { user_id } => Some(json!({ "userId": user_id })),
            Error::MaxOrganizationsReached { max, current } => {
                Some(json!({ "maxOrganizations": max, "currentOrganizations": current }))
            }
            _ => None,
        }
    }
}

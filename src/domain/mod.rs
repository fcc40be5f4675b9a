//! The rules of the service as plain Rust: identities, organizations,
//! projects, validation and the errors each rule can raise.
//!
//! Nothing here knows about GraphQL, HTTP or SQL; the `graphql` layer turns
//! these values into the API and the `store` layer into rows.

mod audit;
mod catalog;
mod code;
mod error;
mod identity;
mod lifecycle;
mod names;
mod organization;
mod page;
mod project;
#[cfg(test)]
mod properties;
mod rules;
mod slug;
mod text;
mod update;
mod validate;
mod webhook;

pub use audit::{AuditEvent, ProjectEvent};
pub use catalog::{Catalogs, Environment, Region, Runtime};
pub use error::{Code, Error, FieldPath, InputError, Segment};
pub use identity::{Organization, Plan, Principal, Role, User};
pub use lifecycle::{
    Dependant, MAX_EMAIL_LEN, ProjectAction, check_email, check_no_dependants, check_not_stale,
    check_organization_members_change, check_owners_left, check_project_action, check_project_role,
    check_room_for, dependency_cycle, next_updated_at,
};
pub use organization::{
    CreateOrganization, NewOrganization, schema_error, validate_create_organization,
};
pub use page::{MAX_PAGE_SIZE, ProjectFilter, page_size};
pub use project::{
    ChangeRequestEnvironment, ChangeRequestInput, CreateProject, Deployment, DeploymentInput,
    NewProject, OrganizationRef, Platform, Project, ProjectDraft, ProjectMember, ProjectMode,
    ProjectSettings, ProjectStage, ProjectStatus, SettingsInput, SlugChoice,
};
pub use rules::{OrganizationFacts, check_in_organization, check_role, check_schema, free_slug};
pub use slug::{
    RESERVED_ORGANIZATION_SLUGS, SEQUENTIAL_SLUG_ROUNDS, derive_slug, slug_candidate, slug_probes,
    validate_slug,
};
pub use text::excerpt;
pub use update::{Patch, ProjectPatch, SettingsPatch, ValidatedUpdate, validate_update};
pub use validate::{Validated, validate_create};
pub use webhook::{
    DeliveryStatus, EVENT_TYPES, MAX_WEBHOOKS, Webhook, WebhookDelivery, WebhookInput, check_url,
    is_public, validate_webhook,
};

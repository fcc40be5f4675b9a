//! Input types, and their conversion into domain requests. Nothing is
//! checked here beyond what the GraphQL types say: the rules are in
//! `domain`.

use async_graphql::{ID, InputObject, Json};

use super::types::{Platform, ProjectMode};
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
    /// unique in the organization. Omitted: derived from the name (with
    /// `-1`, `-2`, … when taken). A given slug is never rewritten.
    pub slug: Option<String>,
    /// At most 4,000 characters.
    pub description: Option<String>,
    pub settings: Option<ProjectSettingsInput>,
    pub deployment: Option<DeploymentInput>,
    /// Default `OPEN`.
    pub mode: Option<ProjectMode>,
    /// 1–100 characters of `[A-Za-z0-9_.-]`; default `"default"`.
    pub default_stickiness: Option<String>,
    /// Zero or more; null means no limit.
    pub feature_limit: Option<i32>,
    /// Environment names from the catalog; omitted means every
    /// non-deprecated one. When given, at least one.
    pub environments: Option<Vec<String>>,
    /// Environments with change requests; they need not be in
    /// `environments`.
    pub change_request_environments: Option<Vec<ChangeRequestEnvironmentInput>>,
    /// Default `{ public: false }`.
    pub permissions: Option<ProjectPermissionsInput>,
    /// Projects of the same organization this one depends on.
    pub dependency_ids: Option<Vec<ID>>,
    /// A JSON object of at most 16 KiB, valid against the organization's
    /// `projectMetadataSchema` when it has one.
    pub metadata: Option<Json<serde_json::Value>>,
    /// Echoed back in the payload, nothing more.
    pub client_mutation_id: Option<String>,
}

#[derive(InputObject, Debug)]
pub struct ProjectSettingsInput {
    /// A BCP 47 language tag; one of `supportedLocales` when both are given.
    /// Default: the first supported locale, or `en-US`.
    pub default_locale: Option<String>,
    /// BCP 47 language tags. Default: `[defaultLocale]`, or `[en-US]`.
    pub supported_locales: Option<Vec<String>>,
    /// One of `supportedPlatforms` when both are given. Default `DESKTOP`.
    pub default_platform: Option<Platform>,
    /// Default: all three.
    pub supported_platforms: Option<Vec<Platform>>,
    /// An absolute http(s) URL of at most 2,048 characters.
    pub thumbnail_url: Option<String>,
}

#[derive(InputObject, Debug)]
pub struct DeploymentInput {
    /// An available region of the catalog (see `regions`).
    pub region: String,
    /// A supported runtime of the catalog (see `runtimes`).
    pub runtime: String,
}

#[derive(InputObject, Debug)]
pub struct ChangeRequestEnvironmentInput {
    pub name: String,
    /// Default 1; values outside 1–10 are clamped into it.
    pub required_approvals: Option<i32>,
}

#[derive(InputObject, Debug)]
pub struct ProjectPermissionsInput {
    pub public: Option<bool>,
}

impl CreateProjectInput {
    pub fn to_domain(&self) -> domain::CreateProject {
        domain::CreateProject {
            organization_id: self.organization_id.as_ref().map(|id| id.0.clone()),
            name: self.name.clone(),
            slug: self.slug.clone(),
            description: self.description.clone(),
            settings: self
                .settings
                .as_ref()
                .map(|settings| domain::SettingsInput {
                    default_locale: settings.default_locale.clone(),
                    supported_locales: settings.supported_locales.clone(),
                    default_platform: settings.default_platform.map(Into::into),
                    supported_platforms: settings
                        .supported_platforms
                        .as_ref()
                        .map(|platforms| platforms.iter().map(|p| (*p).into()).collect()),
                    thumbnail_url: settings.thumbnail_url.clone(),
                }),
            deployment: self
                .deployment
                .as_ref()
                .map(|deployment| domain::DeploymentInput {
                    region: deployment.region.clone(),
                    runtime: deployment.runtime.clone(),
                }),
            mode: self.mode.map(Into::into),
            default_stickiness: self.default_stickiness.clone(),
            feature_limit: self.feature_limit,
            environments: self.environments.clone(),
            change_request_environments: self.change_request_environments.as_ref().map(|list| {
                list.iter()
                    .map(|environment| domain::ChangeRequestInput {
                        name: environment.name.clone(),
                        required_approvals: environment.required_approvals,
                    })
                    .collect()
            }),
            is_public: self
                .permissions
                .as_ref()
                .and_then(|permissions| permissions.public),
            dependency_ids: self
                .dependency_ids
                .as_ref()
                .map(|ids| ids.iter().map(|id| id.0.clone()).collect()),
            metadata: self.metadata.as_ref().map(|metadata| metadata.0.clone()),
        }
    }
}

/// What a new organization should be. Only `name` is required.
#[derive(InputObject, Debug)]
pub struct CreateOrganizationInput {
    /// The display name: 1–200 characters, no control characters, no HTML.
    pub name: String,
    /// Same rules and derivation as a project slug; unique across all
    /// organizations.
    pub slug: Option<String>,
    /// A JSON Schema every project's metadata in this organization must
    /// satisfy.
    pub project_metadata_schema: Option<Json<serde_json::Value>>,
    /// Echoed back in the payload, nothing more.
    pub client_mutation_id: Option<String>,
}

impl CreateOrganizationInput {
    pub fn to_domain(&self) -> domain::CreateOrganization {
        domain::CreateOrganization {
            name: self.name.clone(),
            slug: self.slug.clone(),
            project_metadata_schema: self
                .project_metadata_schema
                .as_ref()
                .map(|schema| schema.0.clone()),
        }
    }
}

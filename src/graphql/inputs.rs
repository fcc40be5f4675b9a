//! Input types, and their conversion into domain requests. Nothing is
//! checked here beyond what the GraphQL types say: the rules are in
//! `domain`.

use async_graphql::{ID, InputObject, Json, MaybeUndefined};

use super::ids::{self, Kind};
use super::types::{DateTime, Platform, ProjectMode};
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
    /// How the project presents its content; every setting has a default.
    pub settings: Option<ProjectSettingsInput>,
    /// Where and on what the project runs; omitted means not deployed.
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

/// How a new project presents its content: Metabind's settings.
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

/// Where and on what a project runs: Datallog's `region` and
/// `docker_version`.
#[derive(InputObject, Debug, Default)]
pub struct DeploymentInput {
    /// An available region of the catalog (see `regions`).
    pub region: String,
    /// A supported runtime of the catalog (see `runtimes`).
    pub runtime: String,
}

/// An environment where changes need approval first.
#[derive(InputObject, Debug)]
pub struct ChangeRequestEnvironmentInput {
    /// An environment name from the catalog.
    pub name: String,
    /// Default 1; values outside 1–10 are clamped into it.
    pub required_approvals: Option<i32>,
}

/// Who may see a project outside its organization.
#[derive(InputObject, Debug, Default)]
pub struct ProjectPermissionsInput {
    /// Whether anyone may read the project; default false.
    pub public: Option<bool>,
}

impl CreateProjectInput {
    pub fn to_domain(&self) -> domain::CreateProject {
        domain::CreateProject {
            organization_id: self
                .organization_id
                .as_ref()
                .map(|id| ids::bare(id, Kind::Organization)),
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
                .map(|list| list.iter().map(|id| ids::bare(id, Kind::Project)).collect()),
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

/// What `updateProject` changes, and on what condition.
#[derive(InputObject, Debug)]
pub struct UpdateProjectInput {
    /// The project to change.
    pub id: ID,
    /// The fields to change; every field left out stays as it is.
    pub patch: ProjectPatchInput,
    /// The project's `updatedAt` as the caller last read it: when the
    /// project has changed since, nothing is written and the answer is
    /// `STALE_PROJECT` with the current `updatedAt`.
    pub expected_updated_at: Option<DateTime>,
    /// Echoed back in the payload, nothing more.
    pub client_mutation_id: Option<String>,
}

/// Every field of `CreateProjectInput` but `organizationId`, each
/// optional: left out, a field stays as it is; `null` clears a field that
/// can be empty (`description`, `deployment`, `featureLimit`, `metadata`,
/// `settings.thumbnailUrl`, and the lists `dependencyIds` and
/// `changeRequestEnvironments`) and is refused for the others. The result
/// is checked by the same rules as a creation.
#[derive(InputObject, Debug, Default)]
pub struct ProjectPatchInput {
    /// A new display name (1–200 characters).
    pub name: MaybeUndefined<String>,
    /// A new slug; the old one stays reserved for the project and still
    /// finds it (`project(organizationSlug:, slug:)`).
    pub slug: MaybeUndefined<String>,
    /// A new description; null clears it.
    pub description: MaybeUndefined<String>,
    /// Only the settings given change.
    pub settings: MaybeUndefined<ProjectSettingsPatchInput>,
    /// A new deployment; null clears it.
    pub deployment: MaybeUndefined<DeploymentInput>,
    /// A new Unleash project mode.
    pub mode: MaybeUndefined<ProjectMode>,
    /// A new default stickiness.
    pub default_stickiness: MaybeUndefined<String>,
    /// A new feature limit; null removes the limit.
    pub feature_limit: MaybeUndefined<i32>,
    /// Replaces the list of enabled environments.
    pub environments: MaybeUndefined<Vec<String>>,
    /// Replaces the list of change-request environments.
    pub change_request_environments: MaybeUndefined<Vec<ChangeRequestEnvironmentInput>>,
    /// New permissions.
    pub permissions: MaybeUndefined<ProjectPermissionsInput>,
    /// Replaces the dependencies: live projects of the organization that
    /// do not depend on this one.
    pub dependency_ids: MaybeUndefined<Vec<ID>>,
    /// New metadata (replaces the whole object); null clears it.
    pub metadata: MaybeUndefined<Json<serde_json::Value>>,
}

/// The settings to change; each left out stays as it is.
#[derive(InputObject, Debug, Default)]
pub struct ProjectSettingsPatchInput {
    /// A new default locale, one of the supported ones.
    pub default_locale: MaybeUndefined<String>,
    /// New supported locales (BCP 47 tags).
    pub supported_locales: MaybeUndefined<Vec<String>>,
    /// A new default platform, one of the supported ones.
    pub default_platform: MaybeUndefined<Platform>,
    /// New supported platforms.
    pub supported_platforms: MaybeUndefined<Vec<Platform>>,
    /// A new thumbnail URL; null clears it.
    pub thumbnail_url: MaybeUndefined<String>,
}

fn patch<T, U>(value: &MaybeUndefined<T>, convert: impl FnOnce(&T) -> U) -> domain::Patch<U> {
    match value {
        MaybeUndefined::Undefined => domain::Patch::Unchanged,
        MaybeUndefined::Null => domain::Patch::Clear,
        MaybeUndefined::Value(value) => domain::Patch::Set(convert(value)),
    }
}

impl ProjectPatchInput {
    pub fn to_domain(&self) -> domain::ProjectPatch {
        domain::ProjectPatch {
            name: patch(&self.name, Clone::clone),
            slug: patch(&self.slug, Clone::clone),
            description: patch(&self.description, Clone::clone),
            settings: patch(&self.settings, |settings| domain::SettingsPatch {
                default_locale: patch(&settings.default_locale, Clone::clone),
                supported_locales: patch(&settings.supported_locales, Clone::clone),
                default_platform: patch(&settings.default_platform, |p| (*p).into()),
                supported_platforms: patch(&settings.supported_platforms, |platforms| {
                    platforms.iter().map(|p| (*p).into()).collect()
                }),
                thumbnail_url: patch(&settings.thumbnail_url, Clone::clone),
            }),
            deployment: patch(&self.deployment, |deployment| domain::DeploymentInput {
                region: deployment.region.clone(),
                runtime: deployment.runtime.clone(),
            }),
            mode: patch(&self.mode, |mode| (*mode).into()),
            default_stickiness: patch(&self.default_stickiness, Clone::clone),
            feature_limit: patch(&self.feature_limit, |limit| *limit),
            environments: patch(&self.environments, Clone::clone),
            change_request_environments: patch(&self.change_request_environments, |list| {
                list.iter()
                    .map(|environment| domain::ChangeRequestInput {
                        name: environment.name.clone(),
                        required_approvals: environment.required_approvals,
                    })
                    .collect()
            }),
            // `permissions: {}` or `{ public: null }` leaves it alone.
            is_public: match &self.permissions {
                MaybeUndefined::Value(ProjectPermissionsInput { public: None }) => {
                    domain::Patch::Unchanged
                }
                other => patch(other, |permissions| permissions.public.unwrap_or(false)),
            },
            dependency_ids: patch(&self.dependency_ids, |list| {
                list.iter().map(|id| ids::bare(id, Kind::Project)).collect()
            }),
            metadata: patch(&self.metadata, |metadata| metadata.0.clone()),
        }
    }
}

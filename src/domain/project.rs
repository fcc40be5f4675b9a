//! Projects: what a caller asks for (`CreateProject`), what survives
//! validation (`ProjectDraft`, and `NewProject` once it has no problem) and
//! what is stored (`Project`).

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::names::named_enum;

named_enum! {
    pub enum ProjectStatus {
        Active => "active",
        Archived => "archived",
    }
}

named_enum! {
    /// Where a project is in its life (Metabind's `environment`).
    pub enum ProjectStage {
        Development => "development",
        Staging => "staging",
        Production => "production",
    }
}

named_enum! {
    /// What actions a project allows (Unleash's `mode`).
    pub enum ProjectMode {
        Open => "open",
        Protected => "protected",
        Private => "private",
    }
}

named_enum! {
    /// A device class for content preview (Metabind's platforms).
    pub enum Platform {
        Mobile => "mobile",
        Tablet => "tablet",
        Desktop => "desktop",
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct ProjectSettings {
    pub default_locale: String,
    pub supported_locales: Vec<String>,
    pub default_platform: Platform,
    pub supported_platforms: Vec<Platform>,
    pub thumbnail_url: Option<String>,
}

impl Default for ProjectSettings {
    fn default() -> Self {
        ProjectSettings {
            default_locale: "en-US".to_owned(),
            supported_locales: vec!["en-US".to_owned()],
            default_platform: Platform::Desktop,
            supported_platforms: Platform::ALL.to_vec(),
            thumbnail_url: None,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Deployment {
    pub region: String,
    pub runtime: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChangeRequestEnvironment {
    pub name: String,
    pub required_approvals: i32,
}

#[derive(Debug, Clone, PartialEq)]
pub struct ProjectMember {
    pub user_id: Uuid,
    pub role: super::Role,
    pub created_at: DateTime<Utc>,
}

/// A stored project, as every reader sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct Project {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub name: String,
    pub slug: String,
    pub description: Option<String>,
    pub status: ProjectStatus,
    pub stage: ProjectStage,
    pub settings: ProjectSettings,
    pub deployment: Option<Deployment>,
    pub mode: ProjectMode,
    pub default_stickiness: String,
    pub feature_limit: Option<i32>,
    pub environments: Vec<String>,
    pub change_request_environments: Vec<ChangeRequestEnvironment>,
    pub is_public: bool,
    pub dependency_ids: Vec<Uuid>,
    pub metadata: Option<serde_json::Value>,
    pub created_by: Uuid,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// When it was deleted; a deleted project is purged once the grace
    /// period has passed.
    pub deleted_at: Option<DateTime<Utc>>,
}

/// What a caller asks for, exactly as sent.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CreateProject {
    pub organization_id: Option<String>,
    pub name: String,
    pub slug: Option<String>,
    pub description: Option<String>,
    pub settings: Option<SettingsInput>,
    pub deployment: Option<DeploymentInput>,
    pub mode: Option<ProjectMode>,
    pub default_stickiness: Option<String>,
    pub feature_limit: Option<i32>,
    pub environments: Option<Vec<String>>,
    pub change_request_environments: Option<Vec<ChangeRequestInput>>,
    pub is_public: Option<bool>,
    pub dependency_ids: Option<Vec<String>>,
    pub metadata: Option<serde_json::Value>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SettingsInput {
    pub default_locale: Option<String>,
    pub supported_locales: Option<Vec<String>>,
    pub default_platform: Option<Platform>,
    pub supported_platforms: Option<Vec<Platform>>,
    pub thumbnail_url: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeploymentInput {
    pub region: String,
    pub runtime: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ChangeRequestInput {
    pub name: String,
    pub required_approvals: Option<i32>,
}

/// A creation request with every default applied, as validation read it:
/// it may still have problems (they are in [`super::Validated`]). The store
/// checks the rules that depend on the organization (membership, slug
/// taken, dependencies, metadata schema, plan limit) on it, inside its
/// transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectDraft {
    pub organization: OrganizationRef,
    pub name: String,
    pub slug: SlugChoice,
    pub description: Option<String>,
    pub settings: ProjectSettings,
    pub deployment: Option<Deployment>,
    pub mode: ProjectMode,
    pub default_stickiness: String,
    pub feature_limit: Option<i32>,
    pub environments: Vec<String>,
    pub change_request_environments: Vec<ChangeRequestEnvironment>,
    pub is_public: bool,
    /// Each id with its position in the input, for error paths.
    pub dependency_ids: Vec<(usize, Uuid)>,
    pub metadata: Option<serde_json::Value>,
}

/// A creation request that passed every input rule. The only way to get
/// one is [`super::Validated::to_new`], so a request with input problems
/// can never reach the store's insert.
#[derive(Debug, Clone, PartialEq)]
pub struct NewProject(ProjectDraft);

impl NewProject {
    /// For validation alone, once it found no problem.
    pub(super) fn accepted(draft: ProjectDraft) -> NewProject {
        NewProject(draft)
    }
}

impl std::ops::Deref for NewProject {
    type Target = ProjectDraft;

    fn deref(&self) -> &ProjectDraft {
        &self.0
    }
}

impl ProjectDraft {
    /// The accepted input, as recorded in the `project.created` audit event.
    pub fn to_json(&self, organization_id: Uuid, slug: &str) -> serde_json::Value {
        let settings = &self.settings;
        serde_json::json!({
            "organizationId": organization_id,
            "name": self.name,
            "slug": slug,
            "description": self.description,
            "settings": {
                "defaultLocale": settings.default_locale,
                "supportedLocales": settings.supported_locales,
                "defaultPlatform": settings.default_platform.as_str(),
                "supportedPlatforms": settings.supported_platforms.iter().map(|p| p.as_str()).collect::<Vec<_>>(),
                "thumbnailUrl": settings.thumbnail_url,
            },
            "deployment": self.deployment.as_ref().map(|d| serde_json::json!({ "region": d.region, "runtime": d.runtime })),
            "mode": self.mode.as_str(),
            "defaultStickiness": self.default_stickiness,
            "featureLimit": self.feature_limit,
            "environments": self.environments,
            "changeRequestEnvironments": self.change_request_environments.iter()
                .map(|e| serde_json::json!({ "name": e.name, "requiredApprovals": e.required_approvals }))
                .collect::<Vec<_>>(),
            "permissions": { "public": self.is_public },
            "dependencyIds": self.dependency_ids.iter().map(|(_, id)| id).collect::<Vec<_>>(),
            "metadata": self.metadata,
        })
    }
}

/// Which organization a project is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OrganizationRef {
    /// None was named: the caller's personal organization.
    Personal,
    Id(Uuid),
    /// The id sent is not a UUID, so no organization can be looked up.
    Malformed,
}

/// A slug the caller chose is taken as it is or refused; a derived one
/// takes the next free suffix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlugChoice {
    Explicit(String),
    Derived(String),
}

impl SlugChoice {
    pub fn base(&self) -> &str {
        match self {
            SlugChoice::Explicit(slug) | SlugChoice::Derived(slug) => slug,
        }
    }
}

//! `updateProject`: a patch over a stored project, checked by the same
//! input rules as a creation. The patch is laid over the project as it is
//! (read with its organization locked, so that two updates of different
//! fields cannot undo each other) and the result is validated whole, so
//! every rule that ties fields together (the default locale among the
//! supported ones, say) holds after the change too.

use serde_json::{Map, Value};

use super::catalog::Catalogs;
use super::error::Error;
use super::project::{
    ChangeRequestInput, CreateProject, DeploymentInput, Platform, Project, ProjectMode,
    SettingsInput,
};
use super::validate::{Validated, validate_create};
use crate::field_path;

/// One field of a patch: left alone, cleared (an explicit `null`), or set.
#[derive(Debug, Clone, Default, PartialEq)]
pub enum Patch<T> {
    #[default]
    Unchanged,
    Clear,
    Set(T),
}

impl<T> Patch<T> {
    /// The value after the patch: `current` when unchanged, `None` when
    /// cleared.
    fn over(self, current: Option<T>) -> Option<T> {
        match self {
            Patch::Unchanged => current,
            Patch::Clear => None,
            Patch::Set(value) => Some(value),
        }
    }

    /// For a field that cannot be null: clearing it is a problem.
    fn required(self, current: T, field: &str, errors: &mut Vec<Error>) -> T {
        match self {
            Patch::Unchanged => current,
            Patch::Set(value) => value,
            Patch::Clear => {
                errors.push(Error::bad_input(
                    field_path![field],
                    format!("'{field}' cannot be null; leave it out to keep it as it is."),
                ));
                current
            }
        }
    }
}

/// What a caller asks to change; every field may be left out.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ProjectPatch {
    pub name: Patch<String>,
    pub slug: Patch<String>,
    pub description: Patch<String>,
    pub settings: Patch<SettingsPatch>,
    pub deployment: Patch<DeploymentInput>,
    pub mode: Patch<ProjectMode>,
    pub default_stickiness: Patch<String>,
    pub feature_limit: Patch<i32>,
    pub environments: Patch<Vec<String>>,
    /// Cleared: none.
    pub change_request_environments: Patch<Vec<ChangeRequestInput>>,
    pub is_public: Patch<bool>,
    /// Cleared: none.
    pub dependency_ids: Patch<Vec<String>>,
    pub metadata: Patch<Value>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct SettingsPatch {
    pub default_locale: Patch<String>,
    pub supported_locales: Patch<Vec<String>>,
    pub default_platform: Patch<Platform>,
    pub supported_platforms: Patch<Vec<Platform>>,
    pub thumbnail_url: Patch<String>,
}

/// A checked update: the project as it would be (with every problem, as a
/// creation's), and the fields whose value changes with their values
/// before and after.
#[derive(Debug, Clone)]
pub struct ValidatedUpdate {
    pub validated: Validated,
    pub before: Map<String, Value>,
    pub after: Map<String, Value>,
}

impl ValidatedUpdate {
    /// The names of the fields the update changes, in alphabetical order.
    pub fn changed(&self) -> Vec<&str> {
        self.after.keys().map(String::as_str).collect()
    }

    pub fn changes(&self, field: &str) -> bool {
        self.after.contains_key(field)
    }
}

/// Lays `patch` over `current` and applies every input rule of a creation
/// to the result.
pub fn validate_update(
    current: &Project,
    patch: ProjectPatch,
    catalogs: &Catalogs,
) -> ValidatedUpdate {
    let as_is = as_input(current);
    let mut errors = Vec::new();
    let mut input = as_is.clone();
    input.name = patch.name.required(as_is.name.clone(), "name", &mut errors);
    input.slug = Some(
        patch
            .slug
            .required(current.slug.clone(), "slug", &mut errors),
    );
    input.description = patch.description.over(as_is.description.clone());
    input.settings = Some(settings(
        patch.settings,
        as_is.settings.clone().unwrap_or_default(),
        &mut errors,
    ));
    input.deployment = patch.deployment.over(as_is.deployment.clone());
    input.mode = Some(patch.mode.required(current.mode, "mode", &mut errors));
    input.default_stickiness = Some(patch.default_stickiness.required(
        current.default_stickiness.clone(),
        "defaultStickiness",
        &mut errors,
    ));
    input.feature_limit = patch.feature_limit.over(current.feature_limit);
    input.environments = Some(patch.environments.required(
        current.environments.clone(),
        "environments",
        &mut errors,
    ));
    input.change_request_environments = Some(
        patch
            .change_request_environments
            .over(as_is.change_request_environments.clone())
            .unwrap_or_default(),
    );
    input.is_public = Some(
        patch
            .is_public
            .required(current.is_public, "permissions", &mut errors),
    );
    input.dependency_ids = Some(
        patch
            .dependency_ids
            .over(as_is.dependency_ids.clone())
            .unwrap_or_default(),
    );
    input.metadata = patch.metadata.over(as_is.metadata.clone());

    let mut validated = validate_create(input, catalogs);
    validated.errors.splice(0..0, errors);
    let organization_id = current.organization_id;
    let before = validate_create(as_is, catalogs)
        .project
        .to_json(organization_id, &current.slug);
    let after = validated
        .project
        .to_json(organization_id, validated.project.slug.base());
    let (before, after) = differences(before, after);
    ValidatedUpdate {
        validated,
        before,
        after,
    }
}

/// The stored project as the input that would create it.
fn as_input(project: &Project) -> CreateProject {
    let settings = &project.settings;
    CreateProject {
        organization_id: Some(project.organization_id.to_string()),
        name: project.name.clone(),
        slug: Some(project.slug.clone()),
        description: project.description.clone(),
        settings: Some(SettingsInput {
            default_locale: Some(settings.default_locale.clone()),
            supported_locales: Some(settings.supported_locales.clone()),
            default_platform: Some(settings.default_platform),
            supported_platforms: Some(settings.supported_platforms.clone()),
            thumbnail_url: settings.thumbnail_url.clone(),
        }),
        deployment: project.deployment.as_ref().map(|d| DeploymentInput {
            region: d.region.clone(),
            runtime: d.runtime.clone(),
        }),
        mode: Some(project.mode),
        default_stickiness: Some(project.default_stickiness.clone()),
        feature_limit: project.feature_limit,
        environments: Some(project.environments.clone()),
        change_request_environments: Some(
            project
                .change_request_environments
                .iter()
                .map(|e| ChangeRequestInput {
                    name: e.name.clone(),
                    required_approvals: Some(e.required_approvals),
                })
                .collect(),
        ),
        is_public: Some(project.is_public),
        dependency_ids: Some(
            project
                .dependency_ids
                .iter()
                .map(ToString::to_string)
                .collect(),
        ),
        metadata: project.metadata.clone(),
    }
}

fn settings(
    patch: Patch<SettingsPatch>,
    current: SettingsInput,
    errors: &mut Vec<Error>,
) -> SettingsInput {
    let patch = match patch {
        Patch::Unchanged => return current,
        Patch::Clear => {
            errors.push(Error::bad_input(
                field_path!["settings"],
                "'settings' cannot be null; leave it out to keep it as it is.",
            ));
            return current;
        }
        Patch::Set(patch) => patch,
    };
    let mut nested = Vec::new();
    let settings = SettingsInput {
        default_locale: Some(patch.default_locale.required(
            current.default_locale.unwrap_or_default(),
            "defaultLocale",
            &mut nested,
        )),
        supported_locales: Some(patch.supported_locales.required(
            current.supported_locales.unwrap_or_default(),
            "supportedLocales",
            &mut nested,
        )),
        default_platform: patch.default_platform.over(current.default_platform),
        supported_platforms: Some(patch.supported_platforms.required(
            current.supported_platforms.unwrap_or_default(),
            "supportedPlatforms",
            &mut nested,
        )),
        thumbnail_url: patch.thumbnail_url.over(current.thumbnail_url),
    };
    if settings.default_platform.is_none() {
        nested.push(Error::bad_input(
            field_path!["defaultPlatform"],
            "'defaultPlatform' cannot be null; leave it out to keep it as it is.",
        ));
    }
    errors.extend(nested.into_iter().map(|err| match err {
        Error::Input(mut input) => {
            input.field.insert(0, "settings".into());
            Error::Input(input)
        }
        other => other,
    }));
    settings
}

/// The top-level fields whose values differ, before and after.
fn differences(before: Value, after: Value) -> (Map<String, Value>, Map<String, Value>) {
    let (Value::Object(before), Value::Object(after)) = (before, after) else {
        return (Map::new(), Map::new());
    };
    let mut was = Map::new();
    let mut is = Map::new();
    for (key, value) in after {
        let old = before.get(&key).cloned().unwrap_or(Value::Null);
        if old != value {
            was.insert(key.clone(), old);
            is.insert(key, value);
        }
    }
    (was, is)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{Code, Environment, ProjectSettings, ProjectStage, ProjectStatus};
    use chrono::Utc;
    use uuid::Uuid;

    fn catalogs() -> Catalogs {
        Catalogs {
            environments: ["development", "production"]
                .iter()
                .map(|name| Environment {
                    name: (*name).to_owned(),
                    kind: (*name).to_owned(),
                    deprecated: false,
                })
                .collect(),
            ..Catalogs::default()
        }
    }

    fn project() -> Project {
        Project {
            id: Uuid::now_v7(),
            organization_id: Uuid::now_v7(),
            name: "Checkout".into(),
            slug: "checkout".into(),
            description: Some("Payments".into()),
            status: ProjectStatus::Active,
            stage: ProjectStage::Development,
            settings: ProjectSettings {
                supported_locales: vec!["en-US".into(), "de-DE".into()],
                ..ProjectSettings::default()
            },
            deployment: None,
            mode: ProjectMode::Open,
            default_stickiness: "default".into(),
            feature_limit: Some(5),
            environments: vec!["development".into()],
            change_request_environments: Vec::new(),
            is_public: false,
            dependency_ids: Vec::new(),
            metadata: None,
            created_by: Uuid::now_v7(),
            created_at: Utc::now(),
            updated_at: Utc::now(),
            deleted_at: None,
        }
    }

    #[test]
    fn an_empty_patch_changes_nothing_and_finds_nothing_wrong() {
        let update = validate_update(&project(), ProjectPatch::default(), &catalogs());
        assert_eq!(update.validated.errors, Vec::new());
        assert!(update.changed().is_empty(), "{:?}", update.after);
    }

    #[test]
    fn set_and_cleared_fields_are_the_changes() {
        let patch = ProjectPatch {
            name: Patch::Set("Checkout v2".into()),
            description: Patch::Clear,
            feature_limit: Patch::Clear,
            ..ProjectPatch::default()
        };
        let update = validate_update(&project(), patch, &catalogs());
        assert_eq!(update.validated.errors, Vec::new());
        assert_eq!(update.changed(), ["description", "featureLimit", "name"]);
        assert_eq!(update.before["description"], "Payments");
        assert_eq!(update.after["description"], Value::Null);
        assert_eq!(update.validated.project.feature_limit, None);
    }

    #[test]
    fn every_problem_at_once_with_rules_that_tie_fields_together() {
        let patch = ProjectPatch {
            name: Patch::Clear,
            slug: Patch::Set("Not A Slug".into()),
            settings: Patch::Set(SettingsPatch {
                supported_locales: Patch::Set(vec!["fr-FR".into()]),
                default_platform: Patch::Clear,
                ..SettingsPatch::default()
            }),
            environments: Patch::Set(vec!["moon".into()]),
            ..ProjectPatch::default()
        };
        let update = validate_update(&project(), patch, &catalogs());
        let found: Vec<(Code, Option<crate::domain::FieldPath>)> = update
            .validated
            .errors
            .iter()
            .map(|err| (err.code(), err.field()))
            .collect();
        for (code, field) in [
            (Code::BadUserInput, field_path!["name"]),
            (
                Code::BadUserInput,
                field_path!["settings", "defaultPlatform"],
            ),
            (Code::InvalidSlug, field_path!["slug"]),
            (
                Code::DefaultLocaleNotSupported,
                field_path!["settings", "defaultLocale"],
            ),
            (Code::UnknownEnvironment, field_path!["environments"]),
        ] {
            assert!(
                found.contains(&(code, Some(field.clone()))),
                "{code} at {field:?} not in {found:?}"
            );
        }
    }
}

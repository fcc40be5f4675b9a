//! The input rules of `createProject` that need no database beyond the
//! catalogs. Every problem is collected; none stops the others from being
//! found, so a form can mark every bad field in one round trip.

use std::collections::HashSet;
use std::str::FromStr;
use std::sync::LazyLock;

use language_tags::LanguageTag;
use regex::Regex;
use serde_json::json;
use uuid::Uuid;

use super::catalog::Catalogs;
use super::error::{Code, Error, FieldPath};
use super::project::{
    ChangeRequestEnvironment, CreateProject, Deployment, NewProject, OrganizationRef, Platform,
    ProjectDraft, ProjectMode, ProjectSettings, SettingsInput, SlugChoice,
};
use super::slug::{derive_slug, validate_slug};
use super::text;
use crate::field_path;

pub const MAX_NAME_LEN: usize = 200;
pub const MAX_DESCRIPTION_LEN: usize = 4_000;
pub const MAX_URL_LEN: usize = 2_048;
pub const MAX_STICKINESS_LEN: usize = 100;
pub const MAX_METADATA_BYTES: usize = 16 * 1024;
pub const MIN_APPROVALS: i32 = 1;
pub const MAX_APPROVALS: i32 = 10;

static HTML_TAG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"</?[A-Za-z][A-Za-z0-9-]*(\s[^<>]*)?/?>|<!")
        .expect("the HTML tag pattern is a valid regex")
});

static STICKINESS: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[A-Za-z0-9_.-]+$").expect("the stickiness pattern is a valid regex")
});

/// A request after the input rules: the project with every default applied
/// and every problem found. The request may go on only when `errors` is
/// empty, but the store still adds the organization's rules to them.
#[derive(Debug, Clone, PartialEq)]
pub struct Validated {
    pub project: ProjectDraft,
    pub errors: Vec<Error>,
}

impl Validated {
    /// The project to create, when the input has no problem; every problem
    /// otherwise.
    pub fn to_new(&self) -> Result<NewProject, Vec<Error>> {
        if self.errors.is_empty() {
            Ok(NewProject::accepted(self.project.clone()))
        } else {
            Err(self.errors.clone())
        }
    }
}

/// Applies every input rule to `input`.
pub fn validate_create(mut input: CreateProject, catalogs: &Catalogs) -> Validated {
    let mut errors = Vec::new();
    bound_lists(&mut input, &mut errors);

    let organization = match input.organization_id.as_deref() {
        None => OrganizationRef::Personal,
        Some(raw) => match Uuid::parse_str(raw.trim()) {
            Ok(id) => OrganizationRef::Id(id),
            Err(_) => {
                errors.push(Error::bad_input(
                    field_path!["organizationId"],
                    format!("'{raw}' is not a valid organization id (a UUID)."),
                ));
                OrganizationRef::Malformed
            }
        },
    };

    let (name, slug) = name_and_slug(&input.name, input.slug, &mut errors);

    if let Some(description) = &input.description {
        if description.chars().count() > MAX_DESCRIPTION_LEN {
            errors.push(Error::input(
                Code::InvalidDescription,
                field_path!["description"],
                format!("The description must be at most {MAX_DESCRIPTION_LEN} characters long."),
            ));
        } else if text::has_control(description) {
            errors.push(Error::input(
                Code::InvalidDescription,
                field_path!["description"],
                "The description must not contain control characters other than tabs and line breaks (no NUL, no terminal escape sequences).",
            ));
        }
    }

    let settings = settings(input.settings.unwrap_or_default(), &mut errors);

    let deployment = input.deployment.map(|deployment| {
        check_deployment(&deployment, catalogs, &mut errors);
        Deployment {
            region: deployment.region,
            runtime: deployment.runtime,
        }
    });

    let default_stickiness = input
        .default_stickiness
        .unwrap_or_else(|| "default".to_owned());
    if default_stickiness.is_empty()
        || default_stickiness.len() > MAX_STICKINESS_LEN
        || !STICKINESS.is_match(&default_stickiness)
    {
        errors.push(
            Error::input(
                Code::InvalidStickiness,
                field_path!["defaultStickiness"],
                format!(
                    "The default stickiness must be 1–{MAX_STICKINESS_LEN} characters of letters, digits, '_', '.' and '-'."
                ),
            )
            .with_details(json!({ "defaultStickiness": default_stickiness })),
        );
    }

    if let Some(limit) = input.feature_limit
        && limit < 0
    {
        errors.push(Error::input(
            Code::InvalidFeatureLimit,
            field_path!["featureLimit"],
            "The feature limit must be zero or more, or null for no limit.",
        ));
    }

    let environments = match input.environments {
        None => catalogs.default_environments(),
        Some(names) => {
            if names.is_empty() {
                errors.push(Error::input(
                    Code::EnvironmentsEmpty,
                    field_path!["environments"],
                    "List at least one environment, or leave the field out to enable every non-deprecated one.",
                ));
            }
            check_environments(&names, field_path!["environments"], catalogs, &mut errors);
            dedup(names)
        }
    };

    let change_request_environments = input
        .change_request_environments
        .map(|requests| {
            let names: Vec<String> = requests
                .iter()
                .map(|request| request.name.clone())
                .collect();
            check_environments(
                &names,
                field_path!["changeRequestEnvironments"],
                catalogs,
                &mut errors,
            );
            let mut seen = HashSet::new();
            requests
                .into_iter()
                .filter(|request| seen.insert(request.name.clone()))
                .map(|request| ChangeRequestEnvironment {
                    name: request.name,
                    required_approvals: request
                        .required_approvals
                        .unwrap_or(MIN_APPROVALS)
                        .clamp(MIN_APPROVALS, MAX_APPROVALS),
                })
                .collect()
        })
        .unwrap_or_default();

    let mut dependency_ids: Vec<(usize, Uuid)> = Vec::new();
    for (index, raw) in input.dependency_ids.unwrap_or_default().iter().enumerate() {
        match Uuid::parse_str(raw.trim()) {
            Ok(id) if dependency_ids.iter().all(|(_, seen)| *seen != id) => {
                dependency_ids.push((index, id));
            }
            Ok(_) => {}
            Err(_) => errors.push(
                Error::input(
                    Code::DependencyNotFound,
                    field_path!["dependencyIds", index],
                    format!("'{raw}' is not a project id (a UUID)."),
                )
                .with_details(json!({ "id": raw })),
            ),
        }
    }

    if let Some(metadata) = &input.metadata {
        check_metadata(metadata, &mut errors);
    }

    Validated {
        project: ProjectDraft {
            organization,
            name,
            slug,
            description: input.description,
            settings,
            deployment,
            mode: input.mode.unwrap_or(ProjectMode::Open),
            default_stickiness,
            feature_limit: input.feature_limit,
            environments,
            change_request_environments,
            is_public: input.is_public.unwrap_or(false),
            dependency_ids,
            metadata: input.metadata,
        },
        errors,
    }
}

/// The most items any list of the input may have.
pub const MAX_LIST_ITEMS: usize = 100;

/// Refuses lists longer than [`MAX_LIST_ITEMS`], and cuts them there, so
/// that the checks of their items report a bounded number of problems.
fn bound_lists(input: &mut CreateProject, errors: &mut Vec<Error>) {
    fn bound<T>(list: &mut Option<Vec<T>>, field: FieldPath, errors: &mut Vec<Error>) {
        if let Some(list) = list
            && list.len() > MAX_LIST_ITEMS
        {
            errors.push(
                Error::bad_input(
                    field,
                    format!(
                        "The list has {} items; at most {MAX_LIST_ITEMS} are allowed.",
                        list.len()
                    ),
                )
                .with_details(json!({ "max": MAX_LIST_ITEMS })),
            );
            list.truncate(MAX_LIST_ITEMS);
        }
    }
    bound(&mut input.environments, field_path!["environments"], errors);
    bound(
        &mut input.change_request_environments,
        field_path!["changeRequestEnvironments"],
        errors,
    );
    bound(
        &mut input.dependency_ids,
        field_path!["dependencyIds"],
        errors,
    );
    if let Some(settings) = &mut input.settings {
        bound(
            &mut settings.supported_locales,
            field_path!["settings", "supportedLocales"],
            errors,
        );
        bound(
            &mut settings.supported_platforms,
            field_path!["settings", "supportedPlatforms"],
            errors,
        );
    }
}

/// The name (trimmed) and the slug (checked, or derived from the name):
/// the same rules for projects and organizations.
pub(crate) fn name_and_slug(
    name: &str,
    slug: Option<String>,
    errors: &mut Vec<Error>,
) -> (String, SlugChoice) {
    let name = name.trim().to_owned();
    if let Err(message) = validate_name(&name) {
        errors.push(Error::input(
            Code::InvalidName,
            field_path!["name"],
            message,
        ));
    }
    let slug = match slug {
        Some(slug) => {
            if let Err(message) = validate_slug(&slug) {
                errors.push(
                    Error::input(Code::InvalidSlug, field_path!["slug"], message)
                        .with_details(json!({ "slug": slug })),
                );
            }
            SlugChoice::Explicit(slug)
        }
        None => SlugChoice::Derived(derive_slug(&name)),
    };
    (name, slug)
}

/// A display name: 1–200 characters once trimmed, no control characters,
/// no HTML tags (names are shown in other people's browsers).
fn validate_name(name: &str) -> Result<(), String> {
    let len = name.chars().count();
    if len == 0 {
        return Err("The name must contain at least one non-whitespace character.".into());
    }
    if len > MAX_NAME_LEN {
        return Err(format!(
            "The name must be at most {MAX_NAME_LEN} characters long."
        ));
    }
    if name.chars().any(char::is_control) {
        return Err("The name must not contain control characters.".into());
    }
    if let Some(problem) = text::name_problem(name) {
        return Err(problem.into());
    }
    if HTML_TAG.is_match(name) {
        return Err("The name must not contain HTML tags.".into());
    }
    Ok(())
}

fn dedup(values: Vec<String>) -> Vec<String> {
    let mut seen = HashSet::new();
    values
        .into_iter()
        .filter(|value| seen.insert(value.clone()))
        .collect()
}

fn is_language_tag(tag: &str) -> bool {
    LanguageTag::from_str(tag).is_ok_and(|parsed| parsed.validate().is_ok())
}

/// Locales, platforms and thumbnail, with the defaults of the contract:
/// one of a default/supported pair follows from the other; none gives
/// `en-US` / `[en-US]` and `DESKTOP` / all three.
fn settings(input: SettingsInput, errors: &mut Vec<Error>) -> ProjectSettings {
    let path = |key: &str| field_path!["settings", key];

    let mut locales_ok = true;
    if let Some(locale) = &input.default_locale
        && !is_language_tag(locale)
    {
        locales_ok = false;
        errors.push(
            Error::input(
                Code::InvalidLocale,
                path("defaultLocale"),
                format!("'{locale}' is not a BCP 47 language tag (like 'en-US')."),
            )
            .with_details(json!({ "locale": locale })),
        );
    }
    if let Some(locales) = &input.supported_locales {
        if locales.is_empty() {
            locales_ok = false;
            errors.push(Error::input(
                Code::InvalidLocale,
                path("supportedLocales"),
                "List at least one supported locale, or leave the field out.",
            ));
        }
        for (index, locale) in locales.iter().enumerate() {
            if !is_language_tag(locale) {
                locales_ok = false;
                errors.push(
                    Error::input(
                        Code::InvalidLocale,
                        field_path!["settings", "supportedLocales", index],
                        format!("'{locale}' is not a BCP 47 language tag (like 'en-US')."),
                    )
                    .with_details(json!({ "locale": locale })),
                );
            }
        }
    }
    let (default_locale, supported_locales) = match (input.default_locale, input.supported_locales)
    {
        (None, None) => ("en-US".to_owned(), vec!["en-US".to_owned()]),
        (Some(default), None) => (default.clone(), vec![default]),
        (None, Some(supported)) => {
            let supported = dedup(supported);
            (supported.first().cloned().unwrap_or_default(), supported)
        }
        (Some(default), Some(supported)) => {
            let supported = dedup(supported);
            if locales_ok
                && !supported
                    .iter()
                    .any(|locale| locale.eq_ignore_ascii_case(&default))
            {
                errors.push(
                    Error::input(
                        Code::DefaultLocaleNotSupported,
                        path("defaultLocale"),
                        format!(
                            "The default locale '{default}' must be one of the supported locales."
                        ),
                    )
                    .with_details(
                        json!({ "defaultLocale": default, "supportedLocales": supported }),
                    ),
                );
            }
            (default, supported)
        }
    };

    let (default_platform, supported_platforms) = match (
        input.default_platform,
        input.supported_platforms,
    ) {
        (None, None) => (Platform::Desktop, Platform::ALL.to_vec()),
        (Some(default), None) => (default, Platform::ALL.to_vec()),
        (default, Some(supported)) => {
            let mut seen = HashSet::new();
            let supported: Vec<Platform> =
                supported.into_iter().filter(|p| seen.insert(*p)).collect();
            if supported.is_empty() {
                errors.push(Error::bad_input(
                    path("supportedPlatforms"),
                    "List at least one supported platform, or leave the field out.",
                ));
            }
            let default = match default {
                Some(default) => {
                    if !supported.is_empty() && !supported.contains(&default) {
                        errors.push(
                                Error::input(
                                    Code::DefaultPlatformNotSupported,
                                    path("defaultPlatform"),
                                    format!(
                                        "The default platform {} must be one of the supported platforms.",
                                        default.as_str().to_uppercase()
                                    ),
                                )
                                .with_details(json!({
                                    "defaultPlatform": default.as_str().to_uppercase(),
                                    "supportedPlatforms": supported.iter().map(|p| p.as_str().to_uppercase()).collect::<Vec<_>>(),
                                })),
                            );
                    }
                    default
                }
                None if supported.contains(&Platform::Desktop) => Platform::Desktop,
                None => supported.first().copied().unwrap_or(Platform::Desktop),
            };
            (default, supported)
        }
    };

    if let Some(url) = &input.thumbnail_url
        && let Err(message) = check_url(url)
    {
        errors.push(
            Error::input(Code::InvalidUrl, path("thumbnailUrl"), message)
                .with_details(json!({ "url": url })),
        );
    }

    ProjectSettings {
        default_locale,
        supported_locales,
        default_platform,
        supported_platforms,
        thumbnail_url: input.thumbnail_url,
    }
}

fn check_url(raw: &str) -> Result<(), String> {
    if raw.len() > MAX_URL_LEN {
        return Err(format!(
            "The thumbnail URL must be at most {MAX_URL_LEN} characters long."
        ));
    }
    // The URL parser would drop or encode them; refuse what was sent.
    if raw.chars().any(char::is_control) {
        return Err("The thumbnail URL must not contain control characters.".into());
    }
    let url = url::Url::parse(raw).map_err(|_| {
        format!("'{raw}' is not an absolute URL (like 'https://cdn.example.com/a.png').")
    })?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return Err("The thumbnail URL must be an http or https URL with a host.".into());
    }
    Ok(())
}

fn check_deployment(
    deployment: &super::project::DeploymentInput,
    catalogs: &Catalogs,
    errors: &mut Vec<Error>,
) {
    let supported = catalogs.available_regions();
    if !supported.contains(&deployment.region.as_str()) {
        let listed = catalogs
            .regions
            .iter()
            .any(|region| region.code == deployment.region);
        let message = if listed {
            format!("The region '{}' is not available.", deployment.region)
        } else {
            format!("The region '{}' is not supported.", deployment.region)
        };
        errors.push(
            Error::input(
                Code::UnsupportedRegion,
                field_path!["deployment", "region"],
                message,
            )
            .with_details(json!({ "region": deployment.region, "supported": supported })),
        );
    }
    let supported = catalogs.supported_runtimes();
    if !supported.contains(&deployment.runtime.as_str()) {
        let listed = catalogs
            .runtimes
            .iter()
            .any(|runtime| runtime.code == deployment.runtime);
        let message = if listed {
            format!(
                "The runtime '{}' is no longer supported (end of life).",
                deployment.runtime
            )
        } else {
            format!("The runtime '{}' is not supported.", deployment.runtime)
        };
        errors.push(
            Error::input(
                Code::UnsupportedRuntime,
                field_path!["deployment", "runtime"],
                message,
            )
            .with_details(json!({ "runtime": deployment.runtime, "supported": supported })),
        );
    }
}

/// One error for a list, naming every unknown environment in it.
fn check_environments(
    names: &[String],
    field: FieldPath,
    catalogs: &Catalogs,
    errors: &mut Vec<Error>,
) {
    let unknown = dedup(
        names
            .iter()
            .filter(|name| !catalogs.has_environment(name))
            .cloned()
            .collect(),
    );
    if unknown.is_empty() {
        return;
    }
    let quoted: Vec<String> = unknown.iter().map(|name| format!("'{name}'")).collect();
    errors.push(
        Error::input(
            Code::UnknownEnvironment,
            field,
            format!("These environments do not exist: {}.", quoted.join(", ")),
        )
        .with_details(json!({ "unknown": unknown })),
    );
}

fn check_metadata(metadata: &serde_json::Value, errors: &mut Vec<Error>) {
    let field = field_path!["metadata"];
    if !metadata.is_object() {
        errors.push(Error::input(
            Code::InvalidMetadata,
            field,
            "Metadata must be a JSON object.",
        ));
        return;
    }
    if let Some(problem) = text::json_problem(metadata) {
        errors.push(Error::input(Code::InvalidMetadata, field, problem));
        return;
    }
    let size = metadata.to_string().len();
    if size > MAX_METADATA_BYTES {
        errors.push(
            Error::input(
                Code::InvalidMetadata,
                field,
                format!(
                    "Metadata must be at most {MAX_METADATA_BYTES} bytes of JSON; this is {size}."
                ),
            )
            .with_details(json!({ "maxBytes": MAX_METADATA_BYTES, "bytes": size })),
        );
    }
}

#[cfg(test)]
mod tests;

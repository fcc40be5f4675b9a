//! Projects: what a caller asks for (`CreateProject`), what survives
//! validation (`NewProject`) and what is stored (`Project`).

use std::sync::LazyLock;

use chrono::{DateTime, Utc};
use regex::Regex;
use uuid::Uuid;

use super::error::Error;
use super::names::named_enum;
use super::slug::{derive_slug, validate_slug};

pub const MAX_NAME_LEN: usize = 200;
pub const MAX_DESCRIPTION_LEN: usize = 4_000;

static HTML_TAG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"</?[A-Za-z][A-Za-z0-9-]*(\s[^<>]*)?/?>|<!")
        .expect("the HTML tag pattern is a valid regex")
});

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
}

/// What a caller asks for, exactly as sent.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CreateProject {
    pub organization_id: Option<String>,
    pub name: String,
    pub slug: Option<String>,
    pub description: Option<String>,
}

/// A creation request that passed every input rule; the store still
/// enforces the rules that depend on the database (membership, uniqueness,
/// plan limit) inside its transaction.
#[derive(Debug, Clone, PartialEq)]
pub struct NewProject {
    /// `None` is the caller's personal organization.
    pub organization_id: Option<Uuid>,
    pub name: String,
    pub slug: SlugChoice,
    pub description: Option<String>,
    pub settings: ProjectSettings,
    pub mode: ProjectMode,
    pub default_stickiness: String,
    pub is_public: bool,
}

/// A slug the caller chose is taken as it is or refused; a derived one
/// takes the next free suffix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SlugChoice {
    Explicit(String),
    Derived(String),
}

fn field(names: &[&str]) -> Vec<String> {
    names.iter().map(|s| s.to_string()).collect()
}

/// Checks every input rule and returns every problem found, not the first.
pub fn validate_create(input: CreateProject) -> Result<NewProject, Vec<Error>> {
    let mut errors = Vec::new();

    let organization_id = match input.organization_id.as_deref() {
        None => None,
        Some(raw) => match Uuid::parse_str(raw.trim()) {
            Ok(id) => Some(id),
            Err(_) => {
                errors.push(Error::BadUserInput {
                    field: field(&["input", "organizationId"]),
                    message: format!("'{raw}' is not a valid organization id (a UUID)."),
                });
                None
            }
        },
    };

    let name = input.name.trim().to_owned();
    if let Err(message) = validate_name(&name) {
        errors.push(Error::InvalidName { message });
    }

    let slug = match input.slug {
        Some(slug) => {
            if let Err(message) = validate_slug(&slug) {
                errors.push(Error::InvalidSlug {
                    slug: slug.clone(),
                    message,
                });
            }
            SlugChoice::Explicit(slug)
        }
        None => SlugChoice::Derived(derive_slug(&name)),
    };

    if let Some(description) = &input.description
        && description.chars().count() > MAX_DESCRIPTION_LEN
    {
        errors.push(Error::InvalidDescription {
            message: format!(
                "The description must be at most {MAX_DESCRIPTION_LEN} characters long."
            ),
        });
    }

    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(NewProject {
        organization_id,
        name,
        slug,
        description: input.description,
        settings: ProjectSettings::default(),
        mode: ProjectMode::Open,
        default_stickiness: "default".to_owned(),
        is_public: false,
    })
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
    if HTML_TAG.is_match(name) {
        return Err("The name must not contain HTML tags.".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(name: &str) -> CreateProject {
        CreateProject {
            name: name.to_owned(),
            ..Default::default()
        }
    }

    #[test]
    fn validate_name_cases() {
        let cases = [
            ("plain", "Product Documentation", true),
            ("unicode", "Café Crème ☕", true),
            ("blank", "   ", false),
            ("200 chars", &"n".repeat(200), true),
            ("201 chars", &"n".repeat(201), false),
            ("control char", "bad\u{7}name", false),
            ("newline", "two\nlines", false),
            ("html tag", "<script>alert(1)</script>", false),
            ("closing tag", "x </b>", false),
            ("less-than in prose", "a < b and c > d", true),
        ];
        for (label, name, ok) in cases {
            assert_eq!(validate_name(name.trim()).is_ok(), ok, "{label}");
        }
    }

    #[test]
    fn validate_create_trims_the_name_and_derives_the_slug() {
        let project = validate_create(input("  Product Docs  ")).unwrap();
        assert_eq!(project.name, "Product Docs");
        assert_eq!(project.slug, SlugChoice::Derived("product-docs".into()));
        assert_eq!(project.settings, ProjectSettings::default());
        assert_eq!(project.organization_id, None);
    }

    #[test]
    fn validate_create_reports_every_problem_at_once() {
        let errors = validate_create(CreateProject {
            organization_id: Some("not-a-uuid".into()),
            name: "<b>x</b>".into(),
            slug: Some("Bad Slug".into()),
            description: Some("d".repeat(4_001)),
        })
        .unwrap_err();
        let codes: Vec<_> = errors.iter().map(Error::code).collect();
        assert_eq!(
            codes,
            [
                "BAD_USER_INPUT",
                "INVALID_NAME",
                "INVALID_SLUG",
                "INVALID_DESCRIPTION"
            ]
        );
    }

    #[test]
    fn validate_create_never_rewrites_an_explicit_slug() {
        let mut request = input("Docs");
        request.slug = Some("docs_v2".into());
        let project = validate_create(request).unwrap();
        assert_eq!(project.slug, SlugChoice::Explicit("docs_v2".into()));
    }
}

//! One table of cases per rule: a label, an input change, and the codes
//! (with their field) that must come out.

use serde_json::{Value, json};

use super::*;
use crate::domain::{ChangeRequestInput, DeploymentInput, Environment, Region, Runtime};

fn catalogs() -> Catalogs {
    let region = |code: &str, available| Region {
        code: code.into(),
        name: code.into(),
        available,
    };
    let runtime = |code: &str, supported| Runtime {
        code: code.into(),
        name: code.into(),
        supported,
    };
    let environment = |name: &str, deprecated| Environment {
        name: name.into(),
        kind: name.into(),
        deprecated,
    };
    Catalogs {
        regions: vec![
            region("us-east-1", true),
            region("eu-west-1", true),
            region("sa-east-1", false),
        ],
        runtimes: vec![
            runtime("python-3.8", false),
            runtime("python-3.12", true),
            runtime("node-22", true),
        ],
        environments: vec![
            environment("default", true),
            environment("development", false),
            environment("staging", false),
            environment("production", false),
        ],
    }
}

fn base() -> CreateProject {
    CreateProject {
        name: "Product Docs".into(),
        ..Default::default()
    }
}

fn settings(f: impl FnOnce(&mut SettingsInput)) -> impl FnOnce(&mut CreateProject) {
    move |input: &mut CreateProject| {
        let mut settings = SettingsInput::default();
        f(&mut settings);
        input.settings = Some(settings);
    }
}

fn deployment(region: &str, runtime: &str) -> impl FnOnce(&mut CreateProject) {
    let deployment = DeploymentInput {
        region: region.into(),
        runtime: runtime.into(),
    };
    move |input: &mut CreateProject| input.deployment = Some(deployment)
}

/// The code and field (as JSON) of every error for `input`.
fn problems(input: CreateProject) -> Vec<(&'static str, Value)> {
    validate_create(input, &catalogs())
        .errors
        .iter()
        .map(|error| (error.code().as_str(), field_json(error)))
        .collect()
}

fn field_json(error: &Error) -> Value {
    Value::Array(
        error
            .field()
            .unwrap_or_default()
            .into_iter()
            .map(|segment| match segment {
                crate::domain::Segment::Key(key) => json!(key),
                crate::domain::Segment::Index(index) => json!(index),
            })
            .collect(),
    )
}

type Case = (
    &'static str,
    Box<dyn FnOnce(&mut CreateProject)>,
    Vec<(&'static str, Value)>,
);

fn run(cases: Vec<Case>) {
    for (label, change, want) in cases {
        let mut input = base();
        change(&mut input);
        assert_eq!(problems(input), want, "{label}");
    }
}

#[test]
fn name_rules() {
    let bad = |label| vec![(label, json!(["name"]))];
    let name = |s: &str| {
        let s = s.to_owned();
        Box::new(move |input: &mut CreateProject| input.name = s)
            as Box<dyn FnOnce(&mut CreateProject)>
    };
    run(vec![
        ("plain", name("Product Documentation"), vec![]),
        ("unicode", name("Café Crème ☕"), vec![]),
        (
            "trimmed to 200",
            name(&format!("  {}  ", "n".repeat(200))),
            vec![],
        ),
        ("less-than in prose", name("a < b and c > d"), vec![]),
        ("blank", name("   "), bad("INVALID_NAME")),
        ("201 chars", name(&"n".repeat(201)), bad("INVALID_NAME")),
        ("control char", name("bad\u{7}name"), bad("INVALID_NAME")),
        ("newline", name("two\nlines"), bad("INVALID_NAME")),
        (
            "html tag",
            name("<script>alert(1)</script>"),
            bad("INVALID_NAME"),
        ),
        ("closing tag", name("x </b>"), bad("INVALID_NAME")),
        ("comment", name("x <!-- y -->"), bad("INVALID_NAME")),
    ]);
}

#[test]
fn organization_id_slug_and_description_rules() {
    let slug = |s: &str| {
        let s = s.to_owned();
        Box::new(move |input: &mut CreateProject| input.slug = Some(s))
            as Box<dyn FnOnce(&mut CreateProject)>
    };
    run(vec![
        (
            "uuid",
            Box::new(|i| i.organization_id = Some(uuid::Uuid::new_v4().to_string())),
            vec![],
        ),
        (
            "not a uuid",
            Box::new(|i| i.organization_id = Some("org123".into())),
            vec![("BAD_USER_INPUT", json!(["organizationId"]))],
        ),
        ("good slug", slug("service_01"), vec![]),
        ("63 chars", slug(&"a".repeat(63)), vec![]),
        (
            "uppercase",
            slug("MyProject"),
            vec![("INVALID_SLUG", json!(["slug"]))],
        ),
        (
            "leading underscore",
            slug("_start"),
            vec![("INVALID_SLUG", json!(["slug"]))],
        ),
        ("empty", slug(""), vec![("INVALID_SLUG", json!(["slug"]))]),
        (
            "64 chars",
            slug(&"a".repeat(64)),
            vec![("INVALID_SLUG", json!(["slug"]))],
        ),
        (
            "4000 chars",
            Box::new(|i| i.description = Some("d".repeat(4_000))),
            vec![],
        ),
        (
            "4001 chars",
            Box::new(|i| i.description = Some("d".repeat(4_001))),
            vec![("INVALID_DESCRIPTION", json!(["description"]))],
        ),
    ]);
}

#[test]
fn settings_rules() {
    let path = |key: &str| json!(["settings", key]);
    run(vec![
        (
            "both given, consistent",
            Box::new(settings(|s| {
                s.default_locale = Some("es-ES".into());
                s.supported_locales = Some(vec!["en-US".into(), "es-ES".into()]);
            })),
            vec![],
        ),
        (
            "bad default locale",
            Box::new(settings(|s| s.default_locale = Some("english!".into()))),
            vec![("INVALID_LOCALE", path("defaultLocale"))],
        ),
        (
            "bad supported locale, by index",
            Box::new(settings(|s| {
                s.supported_locales = Some(vec!["en-US".into(), "x_y_z".into()])
            })),
            vec![("INVALID_LOCALE", json!(["settings", "supportedLocales", 1]))],
        ),
        (
            "empty supported locales",
            Box::new(settings(|s| s.supported_locales = Some(vec![]))),
            vec![("INVALID_LOCALE", path("supportedLocales"))],
        ),
        (
            "default locale not supported",
            Box::new(settings(|s| {
                s.default_locale = Some("fr-FR".into());
                s.supported_locales = Some(vec!["en-US".into()]);
            })),
            vec![("DEFAULT_LOCALE_NOT_SUPPORTED", path("defaultLocale"))],
        ),
        (
            "default platform supported",
            Box::new(settings(|s| {
                s.default_platform = Some(Platform::Mobile);
                s.supported_platforms = Some(vec![Platform::Mobile, Platform::Tablet]);
            })),
            vec![],
        ),
        (
            "default platform not supported",
            Box::new(settings(|s| {
                s.default_platform = Some(Platform::Desktop);
                s.supported_platforms = Some(vec![Platform::Mobile]);
            })),
            vec![("DEFAULT_PLATFORM_NOT_SUPPORTED", path("defaultPlatform"))],
        ),
        (
            "empty platforms",
            Box::new(settings(|s| s.supported_platforms = Some(vec![]))),
            vec![("BAD_USER_INPUT", path("supportedPlatforms"))],
        ),
        (
            "https thumbnail",
            Box::new(settings(|s| {
                s.thumbnail_url = Some("https://cdn.acme.com/t.png".into())
            })),
            vec![],
        ),
        (
            "relative thumbnail",
            Box::new(settings(|s| s.thumbnail_url = Some("/t.png".into()))),
            vec![("INVALID_URL", path("thumbnailUrl"))],
        ),
        (
            "ftp thumbnail",
            Box::new(settings(|s| {
                s.thumbnail_url = Some("ftp://cdn.acme.com/t.png".into())
            })),
            vec![("INVALID_URL", path("thumbnailUrl"))],
        ),
        (
            "javascript thumbnail",
            Box::new(settings(|s| {
                s.thumbnail_url = Some("javascript:alert(1)".into())
            })),
            vec![("INVALID_URL", path("thumbnailUrl"))],
        ),
        (
            "thumbnail over 2048",
            Box::new(settings(|s| {
                s.thumbnail_url = Some(format!("https://cdn.acme.com/{}", "a".repeat(2_048)))
            })),
            vec![("INVALID_URL", path("thumbnailUrl"))],
        ),
    ]);
}

/// Default locale, supported locales, default platform, supported platforms.
type ExpectedSettings = (&'static str, Vec<&'static str>, Platform, Vec<Platform>);

#[test]
fn settings_defaults_follow_the_contract() {
    let cases: Vec<(&str, SettingsInput, ExpectedSettings)> = vec![
        (
            "nothing given",
            SettingsInput::default(),
            (
                "en-US",
                vec!["en-US"],
                Platform::Desktop,
                Platform::ALL.to_vec(),
            ),
        ),
        (
            "only default locale",
            SettingsInput {
                default_locale: Some("de-DE".into()),
                ..Default::default()
            },
            (
                "de-DE",
                vec!["de-DE"],
                Platform::Desktop,
                Platform::ALL.to_vec(),
            ),
        ),
        (
            "only supported locales",
            SettingsInput {
                supported_locales: Some(vec!["pt-BR".into(), "en-US".into()]),
                ..Default::default()
            },
            (
                "pt-BR",
                vec!["pt-BR", "en-US"],
                Platform::Desktop,
                Platform::ALL.to_vec(),
            ),
        ),
        (
            "only default platform",
            SettingsInput {
                default_platform: Some(Platform::Tablet),
                ..Default::default()
            },
            (
                "en-US",
                vec!["en-US"],
                Platform::Tablet,
                Platform::ALL.to_vec(),
            ),
        ),
        (
            "only supported platforms without desktop",
            SettingsInput {
                supported_platforms: Some(vec![Platform::Tablet, Platform::Mobile]),
                ..Default::default()
            },
            (
                "en-US",
                vec!["en-US"],
                Platform::Tablet,
                vec![Platform::Tablet, Platform::Mobile],
            ),
        ),
    ];
    for (label, input, (locale, locales, platform, platforms)) in cases {
        let validated = validate_create(
            CreateProject {
                settings: Some(input),
                ..base()
            },
            &catalogs(),
        );
        assert!(
            validated.errors.is_empty(),
            "{label}: {:?}",
            validated.errors
        );
        let settings = validated.project.settings;
        assert_eq!(settings.default_locale, locale, "{label}");
        assert_eq!(settings.supported_locales, locales, "{label}");
        assert_eq!(settings.default_platform, platform, "{label}");
        assert_eq!(settings.supported_platforms, platforms, "{label}");
    }
}

#[test]
fn deployment_rules() {
    let region = json!(["deployment", "region"]);
    let runtime = json!(["deployment", "runtime"]);
    run(vec![
        (
            "supported",
            Box::new(deployment("us-east-1", "python-3.12")),
            vec![],
        ),
        (
            "unknown region",
            Box::new(deployment("mars-1", "node-22")),
            vec![("UNSUPPORTED_REGION", region.clone())],
        ),
        (
            "unavailable region",
            Box::new(deployment("sa-east-1", "node-22")),
            vec![("UNSUPPORTED_REGION", region)],
        ),
        (
            "unknown runtime",
            Box::new(deployment("eu-west-1", "java-8")),
            vec![("UNSUPPORTED_RUNTIME", runtime.clone())],
        ),
        (
            "end-of-life runtime",
            Box::new(deployment("eu-west-1", "python-3.8")),
            vec![("UNSUPPORTED_RUNTIME", runtime)],
        ),
    ]);
}

#[test]
fn refused_catalog_values_say_why_and_list_the_supported_ones() {
    let mut input = base();
    deployment("sa-east-1", "python-3.8")(&mut input);
    let errors = validate_create(input, &catalogs()).errors;
    assert_eq!(
        errors[0].to_string(),
        "The region 'sa-east-1' is not available."
    );
    assert_eq!(
        errors[0].details(),
        Some(json!({ "region": "sa-east-1", "supported": ["us-east-1", "eu-west-1"] }))
    );
    assert!(
        errors[1].to_string().contains("end of life"),
        "{}",
        errors[1]
    );
    assert_eq!(
        errors[1].details(),
        Some(json!({ "runtime": "python-3.8", "supported": ["python-3.12", "node-22"] }))
    );
}

#[test]
fn stickiness_feature_limit_environment_and_metadata_rules() {
    let envs = |names: &[&str]| {
        let names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
        Box::new(move |i: &mut CreateProject| i.environments = Some(names))
            as Box<dyn FnOnce(&mut CreateProject)>
    };
    run(vec![
        (
            "stickiness userId",
            Box::new(|i| i.default_stickiness = Some("userId".into())),
            vec![],
        ),
        (
            "stickiness with space",
            Box::new(|i| i.default_stickiness = Some("user id".into())),
            vec![("INVALID_STICKINESS", json!(["defaultStickiness"]))],
        ),
        (
            "stickiness empty",
            Box::new(|i| i.default_stickiness = Some(String::new())),
            vec![("INVALID_STICKINESS", json!(["defaultStickiness"]))],
        ),
        (
            "stickiness 101 chars",
            Box::new(|i| i.default_stickiness = Some("s".repeat(101))),
            vec![("INVALID_STICKINESS", json!(["defaultStickiness"]))],
        ),
        (
            "feature limit 0",
            Box::new(|i| i.feature_limit = Some(0)),
            vec![],
        ),
        (
            "feature limit -1",
            Box::new(|i| i.feature_limit = Some(-1)),
            vec![("INVALID_FEATURE_LIMIT", json!(["featureLimit"]))],
        ),
        (
            "named environments",
            envs(&["production", "default"]),
            vec![],
        ),
        (
            "no environments",
            envs(&[]),
            vec![("ENVIRONMENTS_EMPTY", json!(["environments"]))],
        ),
        (
            "unknown environments",
            envs(&["production", "qa", "uat"]),
            vec![("UNKNOWN_ENVIRONMENT", json!(["environments"]))],
        ),
        (
            "unknown change-request environment",
            Box::new(|i| {
                i.change_request_environments = Some(vec![ChangeRequestInput {
                    name: "qa".into(),
                    required_approvals: None,
                }])
            }),
            vec![("UNKNOWN_ENVIRONMENT", json!(["changeRequestEnvironments"]))],
        ),
        (
            "object metadata",
            Box::new(|i| i.metadata = Some(json!({ "team": "data" }))),
            vec![],
        ),
        (
            "array metadata",
            Box::new(|i| i.metadata = Some(json!(["team"]))),
            vec![("INVALID_METADATA", json!(["metadata"]))],
        ),
        (
            "metadata over 16 KiB",
            Box::new(|i| i.metadata = Some(json!({ "blob": "x".repeat(16 * 1024) }))),
            vec![("INVALID_METADATA", json!(["metadata"]))],
        ),
        (
            "dependency uuid",
            Box::new(|i| i.dependency_ids = Some(vec![uuid::Uuid::new_v4().to_string()])),
            vec![],
        ),
        (
            "dependency not a uuid",
            Box::new(|i| {
                i.dependency_ids = Some(vec![uuid::Uuid::new_v4().to_string(), "proj789".into()])
            }),
            vec![("DEPENDENCY_NOT_FOUND", json!(["dependencyIds", 1]))],
        ),
    ]);
}

#[test]
fn one_error_lists_every_unknown_environment() {
    let mut input = base();
    input.environments = Some(vec![
        "qa".into(),
        "production".into(),
        "uat".into(),
        "qa".into(),
    ]);
    let errors = validate_create(input, &catalogs()).errors;
    assert_eq!(errors.len(), 1);
    assert_eq!(
        errors[0].details(),
        Some(json!({ "unknown": ["qa", "uat"] }))
    );
    assert_eq!(
        errors[0].to_string(),
        "These environments do not exist: 'qa', 'uat'."
    );
}

#[test]
fn defaults_follow_the_contract() {
    let project = validate_create(base(), &catalogs()).project;
    assert_eq!(project.slug, SlugChoice::Derived("product-docs".into()));
    assert_eq!(project.mode, ProjectMode::Open);
    assert_eq!(project.default_stickiness, "default");
    assert_eq!(project.feature_limit, None);
    assert_eq!(
        project.environments,
        ["development", "staging", "production"]
    );
    assert!(project.change_request_environments.is_empty());
    assert!(!project.is_public);
    assert_eq!(
        project.organization,
        crate::domain::OrganizationRef::Personal
    );
}

#[test]
fn required_approvals_default_to_1_and_are_clamped_to_1_through_10() {
    let mut input = base();
    input.environments = Some(vec!["development".into()]);
    input.change_request_environments = Some(
        [
            ("production", None),
            ("staging", Some(0)),
            ("development", Some(42)),
            ("default", Some(3)),
        ]
        .into_iter()
        .map(|(name, required_approvals)| ChangeRequestInput {
            name: name.into(),
            required_approvals,
        })
        .collect(),
    );
    let validated = validate_create(input, &catalogs());
    assert!(validated.errors.is_empty(), "{:?}", validated.errors);
    let approvals: Vec<_> = validated
        .project
        .change_request_environments
        .iter()
        .map(|e| (e.name.as_str(), e.required_approvals))
        .collect();
    assert_eq!(
        approvals,
        [
            ("production", 1),
            ("staging", 1),
            ("development", 10),
            ("default", 3)
        ]
    );
}

#[test]
fn every_problem_is_reported_at_once() {
    let mut input = base();
    input.slug = Some("Bad Slug".into());
    settings(|s| s.thumbnail_url = Some("not a url".into()))(&mut input);
    deployment("mars-1", "python-3.12")(&mut input);
    let codes: Vec<_> = problems(input).into_iter().map(|(code, _)| code).collect();
    assert_eq!(codes, ["INVALID_SLUG", "INVALID_URL", "UNSUPPORTED_REGION"]);
}

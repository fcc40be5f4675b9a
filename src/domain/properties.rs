//! Properties of the validation layer, checked on generated input: it
//! never panics, derived slugs always obey the slug rule, and accepted
//! input comes back as sent.

use proptest::prelude::*;
use serde_json::json;

use super::{
    Catalogs, ChangeRequestInput, CreateProject, DeploymentInput, Environment, Platform, Region,
    Runtime, SettingsInput, SlugChoice, derive_slug, slug_candidate, validate_create,
    validate_slug,
};

fn catalogs() -> Catalogs {
    Catalogs {
        regions: vec![Region {
            code: "us-east-1".into(),
            name: "US".into(),
            available: true,
        }],
        runtimes: vec![Runtime {
            code: "node-22".into(),
            name: "Node".into(),
            supported: true,
        }],
        environments: vec![Environment {
            name: "production".into(),
            kind: "production".into(),
            deprecated: false,
        }],
    }
}

fn platform() -> impl Strategy<Value = Platform> {
    prop_oneof![
        Just(Platform::Mobile),
        Just(Platform::Tablet),
        Just(Platform::Desktop)
    ]
}

prop_compose! {
    /// Any input at all: arbitrary text in every field.
    fn any_input()(
        name in any::<String>(),
        slug in proptest::option::of(any::<String>()),
        description in proptest::option::of(any::<String>()),
        organization_id in proptest::option::of(any::<String>()),
        default_locale in proptest::option::of(any::<String>()),
        supported_locales in proptest::option::of(proptest::collection::vec(any::<String>(), 0..4)),
        default_platform in proptest::option::of(platform()),
        supported_platforms in proptest::option::of(proptest::collection::vec(platform(), 0..4)),
        thumbnail_url in proptest::option::of(any::<String>()),
        deployment in proptest::option::of((any::<String>(), any::<String>())),
        stickiness in proptest::option::of(any::<String>()),
        feature_limit in proptest::option::of(any::<i32>()),
        environments in proptest::option::of(proptest::collection::vec(any::<String>(), 0..4)),
        change_requests in proptest::option::of(proptest::collection::vec((any::<String>(), proptest::option::of(any::<i32>())), 0..4)),
        dependency_ids in proptest::option::of(proptest::collection::vec(any::<String>(), 0..4)),
        metadata in proptest::option::of(any::<String>()),
    ) -> CreateProject {
        CreateProject {
            organization_id,
            name,
            slug,
            description,
            settings: Some(SettingsInput { default_locale, supported_locales, default_platform, supported_platforms, thumbnail_url }),
            deployment: deployment.map(|(region, runtime)| DeploymentInput { region, runtime }),
            mode: None,
            default_stickiness: stickiness,
            feature_limit,
            environments,
            change_request_environments: change_requests.map(|list| {
                list.into_iter().map(|(name, required_approvals)| ChangeRequestInput { name, required_approvals }).collect()
            }),
            is_public: None,
            dependency_ids,
            metadata: metadata.map(|text| serde_json::from_str(&text).unwrap_or(json!(text))),
        }
    }
}

proptest! {
    #[test]
    fn validation_never_panics_and_every_error_has_a_code(input in any_input()) {
        let validated = validate_create(input, &catalogs());
        for error in &validated.errors {
            prop_assert!(!error.code().as_str().is_empty());
            prop_assert!(!error.to_string().is_empty());
        }
    }

    #[test]
    fn derived_slugs_always_obey_the_slug_rule(name in any::<String>(), n in 0u32..10_000) {
        let slug = derive_slug(&name);
        prop_assert!(validate_slug(&slug).is_ok(), "{:?} -> {:?}", name, slug);
        prop_assert!(slug.len() <= 63);
        let candidate = slug_candidate(&slug, n);
        prop_assert!(validate_slug(&candidate).is_ok(), "{:?}", candidate);
        prop_assert!(candidate.len() <= 63);
    }

    #[test]
    fn accepted_input_round_trips(
        name in "[A-Za-z0-9][A-Za-z0-9 ._-]{0,60}",
        slug in "[a-z0-9][a-z0-9_-]{0,62}",
        description in proptest::option::of("[ -~]{0,200}"),
        limit in proptest::option::of(0i32..1_000_000),
        approvals in proptest::option::of(any::<i32>()),
        locales in proptest::sample::subsequence(vec!["en-US", "es-ES", "de-DE", "pt-BR", "fr"], 1..5),
    ) {
        let input = CreateProject {
            name: name.clone(),
            slug: Some(slug.clone()),
            description: description.clone(),
            feature_limit: limit,
            settings: Some(SettingsInput {
                supported_locales: Some(locales.iter().map(|l| l.to_string()).collect()),
                ..Default::default()
            }),
            deployment: Some(DeploymentInput { region: "us-east-1".into(), runtime: "node-22".into() }),
            change_request_environments: Some(vec![ChangeRequestInput { name: "production".into(), required_approvals: approvals }]),
            ..Default::default()
        };
        let validated = validate_create(input, &catalogs());
        prop_assert!(validated.errors.is_empty(), "{:?}", validated.errors);
        let project = validated.project;
        prop_assert_eq!(project.name, name.trim());
        prop_assert_eq!(project.slug, SlugChoice::Explicit(slug));
        prop_assert_eq!(project.description, description);
        prop_assert_eq!(project.feature_limit, limit);
        prop_assert_eq!(project.settings.supported_locales, locales.iter().map(|l| l.to_string()).collect::<Vec<_>>());
        prop_assert_eq!(project.settings.default_locale, locales[0]);
        let approvals_out = project.change_request_environments[0].required_approvals;
        prop_assert!((1..=10).contains(&approvals_out));
        prop_assert_eq!(approvals_out, approvals.unwrap_or(1).clamp(1, 10));
    }
}

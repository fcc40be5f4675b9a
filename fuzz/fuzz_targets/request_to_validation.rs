//! Request parsing → validation: any bytes go through the JSON request
//! parser, the GraphQL parser and, when they carry a createProject input,
//! the domain's validation. None of it may panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use projects_api::domain::{
    Catalogs, ChangeRequestInput, CreateProject, DeploymentInput, Environment, Region, Runtime,
    SettingsInput, validate_create,
};
use serde_json::Value;

fn text(value: &Value) -> Option<String> {
    value.as_str().map(str::to_owned)
}

fn texts(value: &Value) -> Option<Vec<String>> {
    value
        .as_array()
        .map(|list| list.iter().filter_map(text).collect())
}

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

fuzz_target!(|data: &[u8]| {
    let Ok(request) = serde_json::from_slice::<async_graphql::Request>(data) else {
        return;
    };
    let _ = async_graphql::parser::parse_query(&request.query);
    let Ok(value) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    let input = &value["variables"]["input"];
    if !input.is_object() {
        return;
    }
    let settings = &input["settings"];
    let create = CreateProject {
        organization_id: text(&input["organizationId"]),
        name: text(&input["name"]).unwrap_or_default(),
        slug: text(&input["slug"]),
        description: text(&input["description"]),
        settings: settings.is_object().then(|| SettingsInput {
            default_locale: text(&settings["defaultLocale"]),
            supported_locales: texts(&settings["supportedLocales"]),
            thumbnail_url: text(&settings["thumbnailUrl"]),
            ..Default::default()
        }),
        deployment: input["deployment"].is_object().then(|| DeploymentInput {
            region: text(&input["deployment"]["region"]).unwrap_or_default(),
            runtime: text(&input["deployment"]["runtime"]).unwrap_or_default(),
        }),
        default_stickiness: text(&input["defaultStickiness"]),
        feature_limit: input["featureLimit"].as_i64().map(|n| n as i32),
        environments: texts(&input["environments"]),
        change_request_environments: input["changeRequestEnvironments"].as_array().map(|list| {
            list.iter()
                .map(|entry| ChangeRequestInput {
                    name: text(&entry["name"]).unwrap_or_default(),
                    required_approvals: entry["requiredApprovals"].as_i64().map(|n| n as i32),
                })
                .collect()
        }),
        dependency_ids: texts(&input["dependencyIds"]),
        metadata: input.get("metadata").cloned(),
        ..Default::default()
    };
    let _ = validate_create(create, &catalogs());
});

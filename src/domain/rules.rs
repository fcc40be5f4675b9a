//! The rules of `createProject` that depend on the organization: who may
//! create, which slug, which dependencies, the metadata schema and the
//! plan limit. The store gathers the facts inside its transaction, with
//! the organization locked, and asks these functions for the verdict.

use std::collections::HashSet;

use serde_json::{Value, json};
use uuid::Uuid;

use super::error::{Code, Error};
use super::identity::{Plan, Role};
use super::project::{ProjectDraft, SlugChoice};
use super::slug::slug_candidate;
use crate::field_path;

/// What the store knows about the organization at the moment of creation.
#[derive(Debug, Clone)]
pub struct OrganizationFacts {
    pub plan: Plan,
    /// Non-archived projects of the organization.
    pub current_projects: i64,
    /// The requested explicit slug, when it is taken.
    pub taken_slugs: HashSet<String>,
    /// For a derived slug: the free one the store found (see
    /// [`slug_probes`](crate::domain::slug_probes)).
    pub derived_slug: Option<String>,
    /// Which of the requested dependency ids are projects of the organization.
    pub existing_dependencies: HashSet<Uuid>,
    pub metadata_schema: Option<Value>,
}

/// The caller's role decides before anything else: a non-member learns
/// nothing about the organization, not even that it exists.
pub fn check_role(role: Option<Role>) -> Result<Role, Error> {
    match role {
        None => Err(Error::OrganizationNotFound),
        Some(role) if !role.may_create_projects() => Err(Error::Forbidden),
        Some(role) => Ok(role),
    }
}

/// Every organization rule; returns the slug to use, or every problem.
pub fn check_in_organization(
    new: &ProjectDraft,
    facts: &OrganizationFacts,
) -> Result<String, Vec<Error>> {
    let mut errors = Vec::new();

    let slug = match &new.slug {
        SlugChoice::Explicit(slug) => {
            if facts.taken_slugs.contains(slug) {
                errors.push(Error::SlugAlreadyExists { slug: slug.clone() });
            }
            slug.clone()
        }
        SlugChoice::Derived(base) => facts
            .derived_slug
            .clone()
            .unwrap_or_else(|| free_slug(base, &facts.taken_slugs)),
    };

    for (index, id) in &new.dependency_ids {
        if !facts.existing_dependencies.contains(id) {
            errors.push(Error::DependencyNotFound {
                index: *index,
                id: *id,
            });
        }
    }

    if let (Some(schema), Some(metadata)) = (&facts.metadata_schema, &new.metadata)
        && metadata.is_object()
    {
        match schema_violations(schema, metadata) {
            Ok(violations) if violations.is_empty() => {}
            Ok(violations) => errors.push(
                Error::input(
                    Code::MetadataSchemaViolation,
                    field_path!["metadata"],
                    "The metadata does not match the organization's project metadata schema.",
                )
                .with_details(json!({ "violations": violations })),
            ),
            Err(err) => {
                tracing::error!(error = %err, "the organization's metadata schema does not compile");
                errors.push(Error::Internal);
            }
        }
    }

    if let Some(max) = facts.plan.max_projects()
        && facts.current_projects >= max
    {
        errors.push(Error::MaxProjectsReached {
            max,
            current: facts.current_projects,
        });
    }

    if errors.is_empty() {
        Ok(slug)
    } else {
        Err(errors)
    }
}

/// The first of `base`, `base-1`, `base-2`, … that is not taken.
pub fn free_slug(base: &str, taken: &HashSet<String>) -> String {
    (0..)
        .map(|n| slug_candidate(base, n))
        .find(|candidate| !taken.contains(candidate))
        .unwrap_or_else(|| base.to_owned())
}

/// Checks `instance` against a JSON Schema; each violation is a JSON
/// pointer into the metadata and a message.
pub fn schema_violations(schema: &Value, instance: &Value) -> Result<Vec<Value>, String> {
    let validator = validator(schema)?;
    Ok(validator
        .iter_errors(instance)
        .map(|error| {
            json!({
                "pointer": error.instance_path().to_string(),
                "message": error.to_string(),
            })
        })
        .collect())
}

/// Whether `schema` is a JSON Schema the server can check metadata with.
pub fn check_schema(schema: &Value) -> Result<(), String> {
    validator(schema).map(|_| ())
}

/// A validator whose `pattern`s run on the `regex` crate, in time linear in
/// the text: a schema any member may set must not be able to make a
/// create backtrack for seconds (the default engine, `fancy-regex`,
/// backtracks).
fn validator(schema: &Value) -> Result<jsonschema::Validator, String> {
    jsonschema::options()
        .with_pattern_options(jsonschema::PatternOptions::regex())
        .build(schema)
        .map_err(|err| err.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_backtracking_pattern_is_checked_in_linear_time() {
        let schema = json!({ "type": "object", "properties": { "x": { "type": "string", "pattern": "^(a+)+$" } } });
        let metadata = json!({ "x": format!("{}b", "a".repeat(5_000)) });
        let started = std::time::Instant::now();
        let violations = schema_violations(&schema, &metadata).expect("the schema compiles");
        assert_eq!(violations.len(), 1);
        assert!(
            started.elapsed().as_millis() < 200,
            "{:?}",
            started.elapsed()
        );
    }
    use crate::domain::{Catalogs, CreateProject, validate_create};

    fn facts() -> OrganizationFacts {
        OrganizationFacts {
            plan: Plan::Free,
            current_projects: 0,
            taken_slugs: HashSet::new(),
            derived_slug: None,
            existing_dependencies: HashSet::new(),
            metadata_schema: None,
        }
    }

    fn new_project(input: CreateProject) -> ProjectDraft {
        let validated = validate_create(input, &Catalogs::default());
        validated.project
    }

    #[test]
    fn roles_gate_creation() {
        assert_eq!(check_role(None), Err(Error::OrganizationNotFound));
        assert_eq!(check_role(Some(Role::Viewer)), Err(Error::Forbidden));
        assert_eq!(check_role(Some(Role::Member)), Ok(Role::Member));
    }

    #[test]
    fn derived_slugs_skip_taken_ones_and_explicit_ones_are_refused() {
        let mut facts = facts();
        facts.taken_slugs = ["docs", "docs-1"].map(String::from).into();
        let derived = new_project(CreateProject {
            name: "Docs".into(),
            ..Default::default()
        });
        assert_eq!(check_in_organization(&derived, &facts), Ok("docs-2".into()));
        let explicit = new_project(CreateProject {
            name: "Docs".into(),
            slug: Some("docs".into()),
            ..Default::default()
        });
        let errors = check_in_organization(&explicit, &facts).unwrap_err();
        assert_eq!(
            errors,
            [Error::SlugAlreadyExists {
                slug: "docs".into()
            }]
        );
    }

    #[test]
    fn every_organization_problem_is_reported_together() {
        let mut facts = facts();
        facts.current_projects = 10;
        facts.taken_slugs = ["docs".into()].into();
        facts.metadata_schema = Some(json!({
            "type": "object",
            "required": ["team"],
            "properties": { "team": { "type": "string" } }
        }));
        let missing = Uuid::new_v4();
        let new = new_project(CreateProject {
            name: "Docs".into(),
            slug: Some("docs".into()),
            dependency_ids: Some(vec![missing.to_string()]),
            metadata: Some(json!({ "team": 7 })),
            ..Default::default()
        });
        let errors = check_in_organization(&new, &facts).unwrap_err();
        let codes: Vec<_> = errors.iter().map(Error::code).collect();
        assert_eq!(
            codes,
            [
                "SLUG_ALREADY_EXISTS",
                "DEPENDENCY_NOT_FOUND",
                "METADATA_SCHEMA_VIOLATION",
                "MAX_PROJECTS_REACHED"
            ]
        );
        assert_eq!(errors[1].details(), Some(json!({ "id": missing })));
        let violations = &errors[2].details().unwrap()["violations"];
        assert_eq!(violations[0]["pointer"], "/team");
        assert_eq!(
            errors[3].details(),
            Some(json!({ "maxProjects": 10, "currentProjects": 10 }))
        );
    }

    #[test]
    fn enterprise_has_no_limit() {
        let mut facts = facts();
        facts.plan = Plan::Enterprise;
        facts.current_projects = 1_000_000;
        let new = new_project(CreateProject {
            name: "Big".into(),
            ..Default::default()
        });
        assert_eq!(check_in_organization(&new, &facts), Ok("big".into()));
    }
}

//! Creating organizations: the same name and slug rules as projects, with
//! slugs unique across all organizations.

use serde_json::Value;

use super::error::{Code, Error};
use super::project::SlugChoice;
use super::rules::check_schema;
use super::slug::is_reserved_organization_slug;
use super::validate::name_and_slug;
use crate::field_path;

/// What a caller asks for, exactly as sent.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct CreateOrganization {
    pub name: String,
    pub slug: Option<String>,
    pub project_metadata_schema: Option<Value>,
}

/// An organization request that passed every input rule.
#[derive(Debug, Clone, PartialEq)]
pub struct NewOrganization {
    pub name: String,
    pub slug: SlugChoice,
    pub project_metadata_schema: Option<Value>,
}

pub fn validate_create_organization(
    input: CreateOrganization,
) -> Result<NewOrganization, Vec<Error>> {
    let mut errors = Vec::new();
    let (name, slug) = name_and_slug(&input.name, input.slug, &mut errors);
    if let SlugChoice::Explicit(slug) = &slug
        && is_reserved_organization_slug(slug)
    {
        errors.push(Error::OrganizationSlugTaken { slug: slug.clone() });
    }
    if let Some(schema) = &input.project_metadata_schema
        && let Err(message) = schema_error(schema)
    {
        errors.push(Error::input(
            Code::InvalidMetadataSchema,
            field_path!["projectMetadataSchema"],
            message,
        ));
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    Ok(NewOrganization {
        name,
        slug,
        project_metadata_schema: input.project_metadata_schema,
    })
}

/// A metadata schema must be a JSON Schema object the validator compiles.
pub fn schema_error(schema: &Value) -> Result<(), String> {
    if !schema.is_object() {
        return Err("The project metadata schema must be a JSON Schema object.".into());
    }
    if let Some(problem) = super::text::json_problem(schema) {
        return Err(format!("The project metadata schema is refused: {problem}"));
    }
    let size = schema.to_string().len();
    if size > super::validate::MAX_METADATA_BYTES {
        return Err(format!(
            "The project metadata schema must be at most {} bytes of JSON; this is {size}.",
            super::validate::MAX_METADATA_BYTES
        ));
    }
    check_schema(schema).map_err(|message| {
        format!("The project metadata schema is not a valid JSON Schema: {message}")
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn organization_input_rules() {
        let cases: Vec<(&str, CreateOrganization, Vec<&str>)> = vec![
            (
                "name only",
                CreateOrganization {
                    name: "Acme".into(),
                    ..Default::default()
                },
                vec![],
            ),
            (
                "bad slug and name",
                CreateOrganization {
                    name: "<i>".into(),
                    slug: Some("Acme!".into()),
                    ..Default::default()
                },
                vec!["INVALID_NAME", "INVALID_SLUG"],
            ),
            (
                "schema",
                CreateOrganization {
                    name: "Acme".into(),
                    project_metadata_schema: Some(json!({ "type": "object" })),
                    ..Default::default()
                },
                vec![],
            ),
            (
                "schema that does not compile",
                CreateOrganization {
                    name: "Acme".into(),
                    project_metadata_schema: Some(json!({ "type": 12 })),
                    ..Default::default()
                },
                vec!["INVALID_METADATA_SCHEMA"],
            ),
            (
                "schema not an object",
                CreateOrganization {
                    name: "Acme".into(),
                    project_metadata_schema: Some(json!("object")),
                    ..Default::default()
                },
                vec!["INVALID_METADATA_SCHEMA"],
            ),
        ];
        for (label, input, want) in cases {
            let got: Vec<&str> = match validate_create_organization(input) {
                Ok(_) => vec![],
                Err(errors) => errors.iter().map(|error| error.code().as_str()).collect(),
            };
            assert_eq!(got, want, "{label}");
        }
    }
}

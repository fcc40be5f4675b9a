//! `schema.graphql` is generated from the code: this test keeps the
//! committed file equal to `projects-api schema`, rewriting it (and
//! failing) when it is stale, so a rerun passes once the change is
//! reviewed and committed.

use std::process::Command;

#[test]
fn schema_graphql_is_up_to_date() {
    let output = Command::new(env!("CARGO_BIN_EXE_projects-api"))
        .arg("schema")
        .output()
        .expect("the binary runs");
    assert!(output.status.success());
    let sdl = String::from_utf8(output.stdout).expect("UTF-8 SDL");
    assert!(sdl.contains("input: CreateProjectInput!\n\t): CreateProjectPayload"));
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql");
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    if committed != sdl {
        std::fs::write(path, &sdl).expect("rewrite schema.graphql");
        panic!("schema.graphql was stale and has been regenerated; review and commit it");
    }
}

/// Every type, field, argument, input field and enum value in
/// `schema.graphql` says what it is, so GraphiQL's docs and the clients'
/// generated types explain themselves (schema linters warn otherwise).
#[test]
fn every_schema_element_has_a_description() {
    use async_graphql::parser::types::{TypeKind, TypeSystemDefinition};

    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/schema.graphql");
    let sdl = std::fs::read_to_string(path).expect("schema.graphql");
    let document = async_graphql::parser::parse_schema(&sdl).expect("valid SDL");
    let mut missing = Vec::new();
    let mut described = 0;
    let mut check = |name: String, description: &Option<_>| {
        let text: Option<&async_graphql::Positioned<String>> = description.as_ref();
        match text {
            Some(text) if !text.node.trim().is_empty() => described += 1,
            _ => missing.push(name),
        }
    };
    for definition in &document.definitions {
        let TypeSystemDefinition::Type(ty) = definition else {
            continue;
        };
        let ty = &ty.node;
        let name = ty.name.node.to_string();
        check(name.clone(), &ty.description);
        match &ty.kind {
            TypeKind::Object(object) => {
                for field in &object.fields {
                    let field = &field.node;
                    let at = format!("{name}.{}", field.name.node);
                    check(at.clone(), &field.description);
                    for argument in &field.arguments {
                        let argument = &argument.node;
                        check(
                            format!("{at}({}:)", argument.name.node),
                            &argument.description,
                        );
                    }
                }
            }
            TypeKind::Interface(interface) => {
                for field in &interface.fields {
                    let field = &field.node;
                    check(format!("{name}.{}", field.name.node), &field.description);
                }
            }
            TypeKind::InputObject(input) => {
                for field in &input.fields {
                    let field = &field.node;
                    check(format!("{name}.{}", field.name.node), &field.description);
                }
            }
            TypeKind::Enum(enumeration) => {
                for value in &enumeration.values {
                    let value = &value.node;
                    check(format!("{name}.{}", value.value.node), &value.description);
                }
            }
            TypeKind::Scalar | TypeKind::Union(_) => {}
        }
    }
    assert!(described > 100, "only {described} descriptions found");
    assert!(
        missing.is_empty(),
        "{} elements without a description:\n{}",
        missing.len(),
        missing.join("\n")
    );
}

/// The README's configuration reference is generated from the clap
/// definitions (`projects-api config-reference`); like `schema.graphql`, a
/// stale copy is rewritten and the test fails until it is committed.
#[test]
fn readme_configuration_reference_is_generated() {
    let output = Command::new(env!("CARGO_BIN_EXE_projects-api"))
        .arg("config-reference")
        .output()
        .expect("the binary runs");
    assert!(output.status.success());
    let table = String::from_utf8(output.stdout).expect("UTF-8");
    assert!(
        table.contains("| `TRUSTED_DOCUMENTS_ONLY` | `serve --trusted-documents-only` | `false` |")
    );
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/README.md");
    let readme = std::fs::read_to_string(path).expect("README.md");
    let start = readme
        .find("<!-- config-reference:")
        .and_then(|at| readme[at..].find('\n').map(|end| at + end + 1))
        .expect("the reference's start marker");
    let end = readme
        .find("<!-- /config-reference -->")
        .expect("the reference's end marker");
    if readme[start..end] != table {
        let fresh = format!("{}{table}{}", &readme[..start], &readme[end..]);
        std::fs::write(path, fresh).expect("rewrite README.md");
        panic!("README.md's configuration reference was stale and has been regenerated; commit it");
    }
}

//! Null propagation as the GraphQL specification says it (§6.4.4,
//! "Handling Field Errors"): when a field of a non-null type raises an
//! error, its parent becomes `null`, and so on up to the nearest nullable
//! position; when there is none, `data` is `null`.
//!
//! async-graphql 7.2 drops the key of any field that failed, nullable or
//! not, and leaves its parent as it was (`resolver_utils/container.rs`,
//! `do_resolve_container`), so a typed client finds a key missing that its
//! types promise (a failed nullable field must be present as `null`). Its execution cannot be configured otherwise, so the
//! response is repaired here: for each error with a path, the path is
//! walked through the operation (aliases, fragments) and the schema's
//! field types, and the nearest nullable position above a failed non-null
//! field is set to `null`. It runs only for responses with such errors.

use std::collections::HashMap;

use async_graphql::parser::types::{
    BaseType, DocumentOperations, ExecutableDocument, OperationType, Selection, SelectionSet, Type,
    TypeKind, TypeSystemDefinition,
};
use async_graphql::{Name, PathSegment, Response, Value};

/// The output field types of a schema, by type and field name.
#[derive(Debug, Default)]
pub struct OutputTypes {
    fields: HashMap<String, HashMap<String, Type>>,
    query: String,
    mutation: String,
}

impl OutputTypes {
    /// Reads the field types of every object and interface of `sdl`.
    pub fn from_sdl(sdl: &str) -> OutputTypes {
        let mut types = OutputTypes {
            query: "Query".to_owned(),
            mutation: "Mutation".to_owned(),
            ..OutputTypes::default()
        };
        let Ok(document) = async_graphql::parser::parse_schema(sdl) else {
            tracing::error!("the schema's own SDL does not parse; null propagation is off");
            return types;
        };
        for definition in document.definitions {
            match definition {
                TypeSystemDefinition::Schema(schema) => {
                    if let Some(query) = &schema.node.query {
                        types.query = query.node.to_string();
                    }
                    if let Some(mutation) = &schema.node.mutation {
                        types.mutation = mutation.node.to_string();
                    }
                }
                TypeSystemDefinition::Type(definition) => {
                    let fields = match definition.node.kind {
                        TypeKind::Object(object) => object.fields,
                        TypeKind::Interface(interface) => interface.fields,
                        _ => continue,
                    };
                    types.fields.insert(
                        definition.node.name.node.to_string(),
                        fields
                            .into_iter()
                            .map(|field| (field.node.name.node.to_string(), field.node.ty.node))
                            .collect(),
                    );
                }
                TypeSystemDefinition::Directive(_) => {}
            }
        }
        types
    }

    fn field(&self, owner: &str, name: &str) -> Option<&Type> {
        self.fields.get(owner)?.get(name)
    }
}

/// Nulls the nearest nullable position above every failed non-null field
/// of `response`, which answered `query` (its operation `operation`).
pub fn propagate(
    types: &OutputTypes,
    query: &str,
    operation: Option<&str>,
    response: &mut Response,
) {
    if response.data == Value::Null || response.errors.iter().all(|e| e.path.is_empty()) {
        return;
    }
    let Ok(document) = async_graphql::parser::parse_query(query) else {
        return;
    };
    let Some((root, selection)) = root_selection(types, &document, operation) else {
        return;
    };
    for error in &response.errors {
        if error.path.is_empty() {
            continue;
        }
        let Some(nullable) = nullability(types, &document, root, selection, &error.path) else {
            continue;
        };
        // The failed field itself when it is nullable (its key is
        // dropped too), else the nearest nullable position above it.
        match nullable.iter().rposition(|n| *n) {
            Some(at) => set_null(&mut response.data, &error.path[..=at]),
            None => {
                response.data = Value::Null;
                return;
            }
        }
    }
}

/// The root type and selection of the operation that ran.
fn root_selection<'a>(
    types: &'a OutputTypes,
    document: &'a ExecutableDocument,
    operation: Option<&str>,
) -> Option<(&'a str, &'a SelectionSet)> {
    let definition = match (&document.operations, operation) {
        (DocumentOperations::Single(single), _) => single,
        (DocumentOperations::Multiple(many), Some(name)) => many.get(&Name::new(name))?,
        (DocumentOperations::Multiple(many), None) if many.len() == 1 => many.values().next()?,
        _ => return None,
    };
    let root = match definition.node.ty {
        OperationType::Query => types.query.as_str(),
        OperationType::Mutation => types.mutation.as_str(),
        OperationType::Subscription => return None,
    };
    Some((root, &definition.node.selection_set.node))
}

/// For each segment of `path`, whether that position may be null: a field
/// by its type, a list item by the list's item type. `None` when the path
/// cannot be followed.
fn nullability(
    types: &OutputTypes,
    document: &ExecutableDocument,
    root: &str,
    selection: &SelectionSet,
    path: &[PathSegment],
) -> Option<Vec<bool>> {
    let mut nullable = Vec::with_capacity(path.len());
    let mut owner = root.to_owned();
    let mut sets = vec![(owner.clone(), selection)];
    let mut current: Option<Type> = None;
    for segment in path {
        match segment {
            PathSegment::Field(key) => {
                let mut found = Vec::new();
                for (set_owner, set) in &sets {
                    collect_fields(document, set_owner, set, key, &mut found, 0);
                }
                let (field_owner, name, _) = found.first()?;
                let ty = types.field(field_owner, name)?.clone();
                nullable.push(ty.nullable);
                owner = named(&ty).to_owned();
                sets = found
                    .iter()
                    .map(|(_, _, set)| (owner.clone(), *set))
                    .collect();
                current = Some(ty);
            }
            PathSegment::Index(_) => {
                let BaseType::List(item) = current?.base else {
                    return None;
                };
                nullable.push(item.nullable);
                current = Some(*item);
            }
        }
    }
    Some(nullable)
}

/// Every field of `set` (through fragments) answering to `key`: the type
/// that declares it, its name and its own selection.
fn collect_fields<'a>(
    document: &'a ExecutableDocument,
    owner: &str,
    set: &'a SelectionSet,
    key: &str,
    found: &mut Vec<(String, String, &'a SelectionSet)>,
    depth: usize,
) {
    // Fragments nest at most as deep as the document does; validation has
    // refused cycles, this is only a backstop.
    if depth > 64 {
        return;
    }
    for selection in &set.items {
        match &selection.node {
            Selection::Field(field) => {
                if field.node.response_key().node.as_str() == key {
                    found.push((
                        owner.to_owned(),
                        field.node.name.node.to_string(),
                        &field.node.selection_set.node,
                    ));
                }
            }
            Selection::InlineFragment(fragment) => {
                let on = fragment
                    .node
                    .type_condition
                    .as_ref()
                    .map_or(owner, |condition| condition.node.on.node.as_str());
                collect_fields(
                    document,
                    on,
                    &fragment.node.selection_set.node,
                    key,
                    found,
                    depth + 1,
                );
            }
            Selection::FragmentSpread(spread) => {
                if let Some(fragment) = document.fragments.get(&spread.node.fragment_name.node) {
                    collect_fields(
                        document,
                        fragment.node.type_condition.node.on.node.as_str(),
                        &fragment.node.selection_set.node,
                        key,
                        found,
                        depth + 1,
                    );
                }
            }
        }
    }
}

/// The named type inside lists and non-null wrappers.
fn named(ty: &Type) -> &str {
    match &ty.base {
        BaseType::Named(name) => name.as_str(),
        BaseType::List(item) => named(item),
    }
}

/// Sets the value at `path` to null, if its parent is still there.
fn set_null(data: &mut Value, path: &[PathSegment]) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut at = data;
    for segment in parents {
        let next = match (segment, at) {
            (PathSegment::Field(key), Value::Object(object)) => object.get_mut(key.as_str()),
            (PathSegment::Index(index), Value::List(list)) => list.get_mut(*index),
            _ => None,
        };
        match next {
            Some(value) => at = value,
            None => return,
        }
    }
    match (last, at) {
        (PathSegment::Field(key), Value::Object(object)) => {
            object.insert(Name::new(key), Value::Null);
        }
        (PathSegment::Index(index), Value::List(list)) => {
            if let Some(item) = list.get_mut(*index) {
                *item = Value::Null;
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use async_graphql::{ServerError, value};

    const SDL: &str = r#"
        type Query { viewer: User! regions: [Region!]! organization(id: ID): Organization }
        type User { id: ID! email: String }
        type Region { code: String! }
        type Organization { id: ID! projects: ProjectConnection! }
        type ProjectConnection { nodes: [Project!]! }
        type Project { id: ID! name: String! description: String }
    "#;

    fn respond(data: Value, paths: &[Vec<PathSegment>]) -> Response {
        let mut response = Response::new(data);
        for path in paths {
            let mut error = ServerError::new("failed", None);
            error.path = path.clone();
            response.errors.push(error);
        }
        response
    }

    fn field(name: &str) -> PathSegment {
        PathSegment::Field(name.to_owned())
    }

    #[test]
    fn a_failed_non_null_root_field_nulls_data() {
        let types = OutputTypes::from_sdl(SDL);
        let mut response = respond(
            value!({ "regions": [{ "code": "eu" }] }),
            &[vec![field("viewer")]],
        );
        propagate(
            &types,
            "{ viewer { id } regions { code } }",
            None,
            &mut response,
        );
        assert_eq!(response.data, Value::Null);
    }

    #[test]
    fn a_failed_field_deep_in_a_page_nulls_the_nearest_nullable_parent() {
        let types = OutputTypes::from_sdl(SDL);
        let query = r#"query Q { org: organization(id: "1") { ...Page } }
            fragment Page on Organization { id projects { nodes { ... on Project { title: name } } } }"#;
        let mut response = respond(
            value!({ "org": { "id": "1", "projects": { "nodes": [{}] } } }),
            &[vec![
                field("org"),
                field("projects"),
                field("nodes"),
                PathSegment::Index(0),
                field("title"),
            ]],
        );
        propagate(&types, query, Some("Q"), &mut response);
        assert_eq!(response.data, value!({ "org": null }));
    }

    #[test]
    fn a_failed_nullable_field_is_there_as_null() {
        let types = OutputTypes::from_sdl(SDL);
        let mut response = respond(value!({ "regions": [] }), &[vec![field("organization")]]);
        propagate(
            &types,
            "{ organization(id: \"1\") { id } regions { code } }",
            None,
            &mut response,
        );
        assert_eq!(
            response.data,
            value!({ "organization": null, "regions": [] })
        );
    }
}

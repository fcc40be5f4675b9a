//! An extension that gives parse and validation failures their codes
//! (`GRAPHQL_PARSE_FAILED`, `GRAPHQL_VALIDATION_FAILED`), which async-graphql
//! leaves without one.

use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextValidation,
};
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{ServerError, ServerResult, ValidationResult, Variables};

use super::error::with_code;

pub const PARSE_FAILED: &str = "GRAPHQL_PARSE_FAILED";
pub const VALIDATION_FAILED: &str = "GRAPHQL_VALIDATION_FAILED";

/// Gives request errors their codes; when introspection is off, refuses
/// introspection queries with a clear error instead of a silent `null`.
pub struct ErrorCodes {
    pub introspection: bool,
}

impl ExtensionFactory for ErrorCodes {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ErrorCodesExtension {
            introspection: self.introspection,
        })
    }
}

struct ErrorCodesExtension {
    introspection: bool,
}

#[async_trait::async_trait]
impl Extension for ErrorCodesExtension {
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await.map_err(|mut error| {
            error.message = parse_message(&error.message);
            with_code(error, PARSE_FAILED)
        })?;
        if let Some(message) = too_wide(&document) {
            return Err(with_code(
                ServerError::new(message, None),
                VALIDATION_FAILED,
            ));
        }
        if !self.introspection && introspects(&document) {
            let error = ServerError::new("Introspection is disabled on this server.", None);
            return Err(with_code(error, VALIDATION_FAILED));
        }
        Ok(document)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        next.run(ctx).await.map_err(|errors| {
            errors
                .into_iter()
                .map(|error| with_code(error, VALIDATION_FAILED))
                .collect()
        })
    }
}

/// The most aliases, and the most root fields per operation, a document
/// may have: each is work the server does, and depth and complexity alone
/// do not bound how many times one cheap field is asked for.
pub const MAX_ALIASES: usize = 100;
pub const MAX_ROOT_FIELDS: usize = 100;

/// Why the document asks for too much at once, if it does.
fn too_wide(document: &ExecutableDocument) -> Option<String> {
    fn aliases(selection_set: &SelectionSet) -> usize {
        selection_set
            .items
            .iter()
            .map(|item| match &item.node {
                Selection::Field(field) => {
                    usize::from(field.node.alias.is_some())
                        + aliases(&field.node.selection_set.node)
                }
                Selection::InlineFragment(fragment) => aliases(&fragment.node.selection_set.node),
                Selection::FragmentSpread(_) => 0,
            })
            .sum()
    }
    fn root_fields(
        selection_set: &SelectionSet,
        document: &ExecutableDocument,
        depth: usize,
    ) -> usize {
        selection_set
            .items
            .iter()
            .map(|item| match &item.node {
                Selection::Field(_) => 1,
                Selection::InlineFragment(fragment) => {
                    root_fields(&fragment.node.selection_set.node, document, depth)
                }
                // Spreads at the root count their fields; the depth guard
                // stops a fragment cycle (which validation refuses anyway).
                Selection::FragmentSpread(spread) if depth < 8 => document
                    .fragments
                    .get(&spread.node.fragment_name.node)
                    .map_or(0, |fragment| {
                        root_fields(&fragment.node.selection_set.node, document, depth + 1)
                    }),
                Selection::FragmentSpread(_) => 0,
            })
            .sum()
    }
    let n_aliases: usize = document
        .operations
        .iter()
        .map(|(_, operation)| aliases(&operation.node.selection_set.node))
        .chain(
            document
                .fragments
                .values()
                .map(|fragment| aliases(&fragment.node.selection_set.node)),
        )
        .sum();
    if n_aliases > MAX_ALIASES {
        return Some(format!(
            "The document uses {n_aliases} aliases; at most {MAX_ALIASES} are allowed."
        ));
    }
    document.operations.iter().find_map(|(_, operation)| {
        let n = root_fields(&operation.node.selection_set.node, document, 0);
        (n > MAX_ROOT_FIELDS).then(|| {
            format!("The operation selects {n} root fields; at most {MAX_ROOT_FIELDS} are allowed.")
        })
    })
}

/// Whether any selection of the document asks for `__schema` or `__type`.
fn introspects(document: &ExecutableDocument) -> bool {
    fn walk(selection_set: &SelectionSet) -> bool {
        selection_set.items.iter().any(|item| match &item.node {
            Selection::Field(field) => {
                let name = field.node.name.node.as_str();
                name == "__schema" || name == "__type" || walk(&field.node.selection_set.node)
            }
            Selection::InlineFragment(fragment) => walk(&fragment.node.selection_set.node),
            Selection::FragmentSpread(_) => false,
        })
    }
    document
        .operations
        .iter()
        .any(|(_, operation)| walk(&operation.node.selection_set.node))
        || document
            .fragments
            .values()
            .any(|fragment| walk(&fragment.node.selection_set.node))
}

/// The parser's message is a multi-line drawing of the query; keep its
/// last line (what was expected) and say where, in one sentence.
fn parse_message(message: &str) -> String {
    let expected = message
        .lines()
        .rev()
        .find_map(|line| line.trim().strip_prefix("= "))
        .unwrap_or(message.trim());
    format!("Syntax error in the GraphQL document: {expected}.")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_messages_become_one_sentence() {
        let raw =
            " --> 1:18\n  |\n1 | { a \n  |     ^---\n  |\n  = expected selection_set, or directive";
        assert_eq!(
            parse_message(&raw.replace("\\n", "\n")),
            "Syntax error in the GraphQL document: expected selection_set, or directive."
        );
    }
}

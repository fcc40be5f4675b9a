//! An extension that gives parse and validation failures their codes
//! (`GRAPHQL_PARSE_FAILED`, `GRAPHQL_VALIDATION_FAILED`), which async-graphql
//! leaves without one.

use crate::domain::Code;
use std::sync::{Arc, Mutex};

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextParseQuery, NextPrepareRequest,
    NextValidation,
};
use async_graphql::parser::parse_query;
use async_graphql::parser::types::{ExecutableDocument, OperationType, Selection, SelectionSet};
use async_graphql::{Request, ServerError, ServerResult, ValidationResult, Variables};

use super::error::with_code;
use super::{MAX_COMPLEXITY, guard};

pub const PARSE_FAILED: &str = Code::GraphqlParseFailed.as_str();
pub const VALIDATION_FAILED: &str = Code::GraphqlValidationFailed.as_str();
/// The request names no operation of its document (or one too long to
/// be a name); Apollo Server's code for the same failure.
pub const OPERATION_RESOLUTION_FAILURE: &str = Code::OperationResolutionFailure.as_str();
/// The longest `operationName` looked up (and echoed in an error).
pub const MAX_OPERATION_NAME: usize = 256;

/// Gives request errors their codes; when introspection is off, refuses
/// introspection queries with a clear error instead of a silent `null`.
pub struct ErrorCodes {
    pub introspection: bool,
}

impl ExtensionFactory for ErrorCodes {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(ErrorCodesExtension {
            introspection: self.introspection,
            input_errors: Mutex::new(Vec::new()),
            operation_name: Mutex::new(None),
        })
    }
}

struct ErrorCodesExtension {
    introspection: bool,
    /// Input errors found while preparing the request, reported with the
    /// validation errors (prepare_request can return only one error).
    input_errors: Mutex<Vec<ServerError>>,
    /// The request's `operationName`, to find the operation it selects.
    operation_name: Mutex<Option<String>>,
}

/// The operation a request runs, for its metrics, log line and span:
/// put in the request's data, filled in once the document has parsed.
#[derive(Debug, Default)]
pub struct OperationSlot(Mutex<Option<Operation>>);

/// An operation of a parsed document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Operation {
    /// `query`, `mutation` or `subscription`.
    pub kind: &'static str,
    pub name: Option<String>,
}

impl OperationSlot {
    /// The operation, if the document parsed and the request selects one.
    pub fn get(&self) -> Option<Operation> {
        self.0.lock().ok().and_then(|seen| seen.clone())
    }

    fn set(&self, operation: Operation) {
        if let Ok(mut seen) = self.0.lock() {
            *seen = Some(operation);
        }
    }
}

/// The operation `name` selects in `document` (the only one when `None`).
fn selected(document: &ExecutableDocument, name: Option<&str>) -> Option<Operation> {
    let (found, operation) = match name {
        Some(name) => document
            .operations
            .iter()
            .find(|(found, _)| found.map(|found| found.as_str()) == Some(name))?,
        None => {
            let mut operations = document.operations.iter();
            let only = operations.next()?;
            if operations.next().is_some() {
                return None;
            }
            only
        }
    };
    let kind = match operation.node.ty {
        OperationType::Query => "query",
        OperationType::Mutation => "mutation",
        OperationType::Subscription => "subscription",
    };
    Some(Operation {
        kind,
        name: found.map(|found| found.to_string()),
    })
}

#[async_trait::async_trait]
impl Extension for ErrorCodesExtension {
    /// Parses the document here, before the library's own parse step:
    /// that step walks every fragment spread inline (its recursion-depth
    /// check), so the guard's bounds must hold before it runs.
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        mut request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        if let Some(name) = &request.operation_name
            && name.len() > MAX_OPERATION_NAME
        {
            return Err(with_code(
                ServerError::new(
                    format!("The operationName is longer than {MAX_OPERATION_NAME} characters."),
                    None,
                ),
                OPERATION_RESOLUTION_FAILURE,
            ));
        }
        // The parser recurses over nested values: bound the text first.
        guard::scan(&request.query).map_err(refused)?;
        let document = parse_query(&request.query).map_err(|error| {
            let mut error = ServerError::from(error);
            error.message = parse_message(&error.message);
            with_code(error, PARSE_FAILED)
        })?;
        // Validation walks fragments inline: bound what it would walk.
        guard::check(&document).map_err(refused)?;
        if !self.introspection && introspects(&document) {
            return Err(refused(
                "Introspection is disabled on this server.".to_owned(),
            ));
        }
        let nul_errors: Vec<ServerError> = guard::nul_fields(&document, &request.variables)
            .into_iter()
            .take(MAX_VALIDATION_ERRORS)
            .map(|field| {
                let mut error = ServerError::new(
                    "The value must not contain the NUL character (U+0000).",
                    None,
                );
                let extensions = error.extensions.get_or_insert_with(Default::default);
                extensions.set("code", Code::BadUserInput.as_str());
                extensions.set("field", async_graphql::Value::List(field));
                error
            })
            .collect();
        if let Ok(mut input_errors) = self.input_errors.lock() {
            *input_errors = nul_errors;
        }
        if let Ok(mut operation_name) = self.operation_name.lock() {
            operation_name.clone_from(&request.operation_name);
        }
        request.set_parsed_query(document);
        next.run(ctx, request).await
    }

    /// Notes the operation the request selects, once the document has
    /// parsed (the request's data is reachable from here on).
    async fn parse_query(
        &self,
        ctx: &ExtensionContext<'_>,
        query: &str,
        variables: &Variables,
        next: NextParseQuery<'_>,
    ) -> ServerResult<ExecutableDocument> {
        let document = next.run(ctx, query, variables).await?;
        let name = self
            .operation_name
            .lock()
            .ok()
            .and_then(|name| name.clone());
        let operation = selected(&document, name.as_deref());
        // Subscriptions run over WebSocket, and only they do: queries and
        // mutations go over HTTP, where rate limits, idempotency and the
        // response rules apply.
        let websocket = ctx.data_opt::<super::Subscriber>().is_some();
        if let Some(operation) = &operation
            && (operation.kind == "subscription") != websocket
        {
            let message = if websocket {
                "Over WebSocket only subscriptions run; send queries and mutations over HTTP."
            } else {
                "Subscriptions run over WebSocket (graphql-transport-ws) at /graphql."
            };
            return Err(with_code(
                ServerError::new(message, None),
                Code::BadRequest.as_str(),
            ));
        }
        if let (Some(slot), Some(operation)) = (ctx.data_opt::<Arc<OperationSlot>>(), operation) {
            slot.set(operation);
        }
        Ok(document)
    }

    async fn validation(
        &self,
        ctx: &ExtensionContext<'_>,
        next: NextValidation<'_>,
    ) -> Result<ValidationResult, Vec<ServerError>> {
        let input_errors = self
            .input_errors
            .lock()
            .map(|mut errors| std::mem::take(&mut *errors))
            .unwrap_or_default();
        let validated = next.run(ctx).await;
        if !input_errors.is_empty() {
            let mut errors = input_errors;
            if let Err(more) = validated {
                errors.extend(
                    more.into_iter()
                        .map(|error| with_code(error, VALIDATION_FAILED)),
                );
            }
            errors.truncate(MAX_VALIDATION_ERRORS);
            return Err(errors);
        }
        validated.map_err(|errors| {
            let n_errors = errors.len();
            let mut errors: Vec<ServerError> = errors
                .into_iter()
                .take(MAX_VALIDATION_ERRORS)
                .map(|mut error| {
                    if error.message == "Query is too complex." {
                        error.message = format!(
                            "The query is too complex: its cost is over {MAX_COMPLEXITY}, with a page's fields counted once per item it may return (first, default 20) and a list's ten times; ask for smaller pages or fewer nested lists."
                        );
                    }
                    with_code(error, VALIDATION_FAILED)
                })
                .collect();
            if n_errors > MAX_VALIDATION_ERRORS {
                errors.push(refused(format!(
                    "{} more validation errors were not listed.",
                    n_errors - MAX_VALIDATION_ERRORS
                )));
            }
            errors
        })
    }
}

/// The most validation errors a response lists; a document with more
/// gets one more error that counts the rest.
pub const MAX_VALIDATION_ERRORS: usize = 20;

fn refused(message: String) -> ServerError {
    with_code(ServerError::new(message, None), VALIDATION_FAILED)
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

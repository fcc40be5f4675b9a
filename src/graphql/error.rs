//! Domain errors → GraphQL errors, in one place.
//!
//! Every error carries `extensions.code`; input problems carry
//! `extensions.field` (the path inside the arguments) and `details`.
//! Internal errors carry only the request id: their cause is in the log.

use async_graphql::{Context, ErrorExtensions, ServerError, Value};
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

use super::RequestContext;
use crate::domain::{self, Segment};

/// One domain error as a GraphQL error.
pub fn graphql_error(err: &domain::Error, request_id: &str) -> async_graphql::Error {
    graphql_error_at(err, request_id, &[])
}

/// One domain error as a GraphQL error whose field path starts with
/// `prefix`: the domain's paths are relative to the input object, and a
/// mutation's input is its `input` argument.
pub fn graphql_error_at(
    err: &domain::Error,
    request_id: &str,
    prefix: &[&str],
) -> async_graphql::Error {
    let mut error = async_graphql::Error::new(err.to_string());
    error = error.extend_with(|_, extensions| {
        extensions.set("code", err.code().as_str());
        if let Some(field) = err.field() {
            let prefix = prefix.iter().map(|key| Segment::Key((*key).to_owned()));
            extensions.set(
                "field",
                Value::List(
                    prefix
                        .chain(field)
                        .map(|segment| match segment {
                            Segment::Key(key) => Value::String(key),
                            Segment::Index(index) => Value::from(index as u64),
                        })
                        .collect(),
                ),
            );
        }
        let details = match err {
            domain::Error::Internal => Some(json!({ "requestId": request_id })),
            _ => err.details(),
        };
        if let Some(details) = details.and_then(|details| Value::from_json(details).ok()) {
            extensions.set("details", details);
        }
    });
    error
}

/// Reports every error of a mutation at its path, fields under its
/// `input` argument; the mutation then returns `null`.
pub fn report(ctx: &Context<'_>, errors: &[domain::Error]) {
    report_under(ctx, errors, |_| &["input"]);
}

/// Reports every error of a mutation at its path, each error's field
/// under the prefix `prefix` chooses for it (`[]` for a mutation whose
/// arguments are the fields themselves).
pub fn report_under(
    ctx: &Context<'_>,
    errors: &[domain::Error],
    prefix: impl Fn(&domain::Error) -> &'static [&'static str],
) {
    let request_id = ctx
        .data_opt::<RequestContext>()
        .map(|request| request.request_id.as_str())
        .unwrap_or_default();
    for err in errors {
        let error = graphql_error_at(err, request_id, prefix(err)).into_server_error(ctx.item.pos);
        ctx.add_error(ctx.set_error_path(error));
    }
}

/// A domain error raised while resolving a field, with the request id.
pub fn resolver_error(ctx: &Context<'_>, err: &domain::Error) -> async_graphql::Error {
    let request_id = ctx
        .data_opt::<RequestContext>()
        .map(|request| request.request_id.as_str())
        .unwrap_or_default();
    graphql_error(err, request_id)
}

/// A whole GraphQL response made of one error, for failures that happen
/// before execution (authentication, malformed requests, and, on every
/// route, a timeout or the rate limit).
#[derive(Debug, Serialize, ToSchema)]
pub struct RequestError {
    /// Exactly one error.
    errors: Vec<RequestErrorEntry>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RequestErrorEntry {
    message: String,
    extensions: RequestErrorExtensions,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RequestErrorExtensions {
    /// One of our codes, e.g. `RATE_LIMITED` or `REQUEST_TIMEOUT`.
    code: String,
}

impl RequestError {
    pub fn new(code: &str, message: &str) -> RequestError {
        RequestError {
            errors: vec![RequestErrorEntry {
                message: message.to_owned(),
                extensions: RequestErrorExtensions {
                    code: code.to_owned(),
                },
            }],
        }
    }
}

/// [`RequestError`] as JSON.
pub fn error_response(code: &str, message: &str) -> serde_json::Value {
    serde_json::to_value(RequestError::new(code, message)).unwrap_or_default()
}

/// Adds `code` to an error that has none.
pub fn with_code(mut error: ServerError, code: &str) -> ServerError {
    let extensions = error.extensions.get_or_insert_with(Default::default);
    if extensions.get("code").is_none() {
        extensions.set("code", code);
    }
    error
}

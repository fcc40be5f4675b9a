//! GraphQL over HTTP (the GraphQL-over-HTTP specification):
//!
//! - `POST /graphql` with `Content-Type: application/json` (else 415);
//! - `GET /graphql?query=…` runs queries, never mutations (405 with
//!   `Allow: POST`); `GET /graphql` from a browser serves GraphiQL;
//! - the response is `application/json` unless the client asks for
//!   `application/graphql-response+json`, under which request errors
//!   (parse, validation) are 400 with no `data` key;
//! - a token that is sent but unknown or revoked is 401 before anything
//!   runs.

use crate::domain::Code;
use async_graphql::parser::types::OperationType;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{RawQuery, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::Value;

use super::auth::{Credentials, authenticate};
use super::idempotency::{self, Claimed, Key};
use super::{AppState, REQUEST_ID, graphiql, persisted};
use crate::domain;

use crate::graphql::{Loaders, RequestContext, error_response};
use crate::graphql::{Operation, OperationSlot, Resume};
use crate::store::{MAX_KEYS_PER_USER, Store};
use tracing::Instrument;

const GRAPHQL_RESPONSE_JSON: &str = "application/graphql-response+json";
const REQUEST_ERROR_CODES: [&str; 4] = [
    Code::GraphqlParseFailed.as_str(),
    Code::GraphqlValidationFailed.as_str(),
    Code::OperationResolutionFailure.as_str(),
    Code::BadUserInput.as_str(),
];

/// The media type a response is written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Json,
    GraphqlResponseJson,
}

impl Format {
    fn content_type(self) -> &'static str {
        match self {
            Format::Json => "application/json",
            Format::GraphqlResponseJson => "application/graphql-response+json; charset=utf-8",
        }
    }
}

/// Picks the format from `Accept`: the acceptable media range with the
/// highest q-value, the first one on ties; `None` when nothing fits.
fn negotiate(headers: &HeaderMap) -> Option<Format> {
    let Some(accept) = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()) else {
        return Some(Format::Json);
    };
    if accept.trim().is_empty() {
        return Some(Format::Json);
    }
    let mut best: Option<(f32, Format)> = None;
    for range in accept.split(',') {
        let mut parts = range.split(';');
        let media = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        let q = parts
            .filter_map(|param| param.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        let format = match media.as_str() {
            GRAPHQL_RESPONSE_JSON => Format::GraphqlResponseJson,
            "application/json" | "application/*" | "*/*" => Format::Json,
            _ => continue,
        };
        if q > 0.0 && best.is_none_or(|(best_q, _)| q > best_q) {
            best = Some((q, format));
        }
    }
    best.map(|(_, format)| format)
}

fn json_response(status: StatusCode, format: Format, body: &Value) -> Response {
    let mut response = (status, body.to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    response
}

fn error(status: StatusCode, format: Format, code: Code, message: &str) -> Response {
    json_response(status, format, &error_response(code.as_str(), message))
}

fn request_id(headers: &HeaderMap) -> String {
    headers
        .get(&REQUEST_ID)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

pub async fn post_graphql(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let Some(format) = negotiate(&headers) else {
        return not_acceptable();
    };
    let content_type = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default();
    let media = content_type.split(';').next().unwrap_or_default().trim();
    if !media.eq_ignore_ascii_case("application/json") {
        return error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format,
            Code::UnsupportedMediaType,
            "Send the GraphQL request as JSON with 'Content-Type: application/json'.",
        );
    }
    let body = match body {
        Ok(body) => body,
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return error(
                StatusCode::PAYLOAD_TOO_LARGE,
                format,
                Code::PayloadTooLarge,
                &format!(
                    "The request body is larger than the limit of {} bytes (1 MiB).",
                    super::MAX_BODY_BYTES
                ),
            );
        }
        Err(_) => {
            return error(
                StatusCode::BAD_REQUEST,
                format,
                Code::BadRequest,
                "The request body could not be read.",
            );
        }
    };
    if body.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'[') {
        return batch(&state, &headers, &body, format).await;
    }
    let mut request: async_graphql::Request = match serde_json::from_slice(&body) {
        Ok(request) => request,
        Err(err) => {
            return error(
                StatusCode::BAD_REQUEST,
                format,
                Code::BadRequest,
                &format!("The body is not a GraphQL request ({err}); send {{\"query\": \"…\"}}."),
            );
        }
    };
    let keyed = match Key::from_headers(&headers, &body) {
        Ok(keyed) => keyed,
        Err(message) => {
            return error(StatusCode::BAD_REQUEST, format, Code::BadRequest, message);
        }
    };
    let registration = match persisted::resolve(&state.store, state.persisted, &mut request).await {
        Ok(registration) => registration,
        Err(refusal) => return refused(&refusal, format, &request_id(&headers)),
    };
    if request.query.trim().is_empty() {
        return error(StatusCode::BAD_REQUEST, format, Code::BadRequest, NO_QUERY);
    }
    execute(&state, &headers, request, format, keyed, registration).await
}

const NO_QUERY: &str = "The request has no 'query'; send {\"query\": \"…\"}.";

/// A request whose persisted document cannot run.
fn refused(refusal: &persisted::Refusal, format: Format, request_id: &str) -> Response {
    match refusal {
        persisted::Refusal::Store(err) => domain_error(format, err, request_id),
        _ => error(
            refusal.status(format == Format::GraphqlResponseJson),
            format,
            refusal.code(),
            &refusal.message(),
        ),
    }
}

/// A JSON array of operations, run one after the other as separate
/// requests with the caller's credentials, answered as an array in the
/// same order. Each counts against the rate limit; each is checked for
/// depth and complexity on its own. Idempotency keys name one operation,
/// so a batch cannot carry one.
async fn batch(state: &AppState, headers: &HeaderMap, body: &[u8], format: Format) -> Response {
    let requests: Vec<async_graphql::Request> = match serde_json::from_slice(body) {
        Ok(requests) => requests,
        Err(err) => {
            return error(
                StatusCode::BAD_REQUEST,
                format,
                Code::BadRequest,
                &format!(
                    "The body is not a batch of GraphQL requests ({err}); send [{{\"query\": \"…\"}}, …]."
                ),
            );
        }
    };
    if requests.is_empty() || requests.len() > state.batch_max {
        return error(
            StatusCode::BAD_REQUEST,
            format,
            Code::BadRequest,
            &format!(
                "A batch carries 1 to {} operations; this one has {}.",
                state.batch_max,
                requests.len()
            ),
        );
    }
    if headers.contains_key("idempotency-key") {
        return error(
            StatusCode::BAD_REQUEST,
            format,
            Code::BadRequest,
            "An Idempotency-Key names one operation: send it without a batch.",
        );
    }
    if let Some(limiter) = &state.limiter
        && let Some(response) = limiter.charge_batch(headers, requests.len())
    {
        return response;
    }
    let request_id = request_id(headers);
    let principal = match principal(state, headers).await {
        Ok(principal) => principal,
        Err(err) => return domain_error(format, &err, &request_id),
    };
    let mut answers = Vec::with_capacity(requests.len());
    let mut unavailable = false;
    for mut request in requests {
        let registration =
            match persisted::resolve(&state.store, state.persisted, &mut request).await {
                Ok(registration) => registration,
                Err(refusal) => {
                    unavailable |= refusal.code() == Code::ServiceUnavailable;
                    answers.push(error_response(refusal.code().as_str(), &refusal.message()));
                    continue;
                }
            };
        if request.query.trim().is_empty() {
            answers.push(error_response(Code::BadRequest.as_str(), NO_QUERY));
            continue;
        }
        let ran = run(
            state,
            &state.store,
            request,
            principal,
            request_id.clone(),
            format,
            registration,
        )
        .await;
        unavailable |= ran.unavailable;
        answers.push(ran.body);
    }
    Ran {
        status: StatusCode::OK,
        body: Value::Array(answers),
        unavailable,
    }
    .into_response(format)
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct GetParams {
    query: Option<String>,
    operation_name: Option<String>,
    variables: Option<String>,
    extensions: Option<String>,
}

/// `GET /graphql`: a WebSocket upgrade for subscriptions, or a query.
pub async fn get_graphql_or_upgrade(
    State(state): State<AppState>,
    request: axum::extract::Request,
) -> Response {
    if super::subscriptions::is_upgrade(request.headers()) {
        return super::subscriptions::upgrade(state, request).await;
    }
    axum::handler::Handler::call(get_graphql, request, state).await
}

pub async fn get_graphql(
    State(state): State<AppState>,
    headers: HeaderMap,
    RawQuery(raw): RawQuery,
) -> Response {
    let params: GetParams = match serde_urlencoded::from_str(raw.as_deref().unwrap_or_default()) {
        Ok(params) => params,
        Err(err) => {
            return error(
                StatusCode::BAD_REQUEST,
                Format::Json,
                Code::BadRequest,
                &format!("The query string is malformed ({err})."),
            );
        }
    };
    let wants_html = headers
        .get(header::ACCEPT)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|accept| accept.contains("text/html"));
    let persisted = params
        .extensions
        .as_deref()
        .is_some_and(|raw| !raw.is_empty());
    let Some(query) = params.query.or_else(|| persisted.then(String::new)) else {
        if wants_html {
            return graphiql::page();
        }
        return error(
            StatusCode::BAD_REQUEST,
            negotiate(&headers).unwrap_or(Format::Json),
            Code::BadRequest,
            "Pass the GraphQL query in the 'query' parameter, or POST it as JSON.",
        );
    };
    let Some(format) = negotiate(&headers) else {
        return not_acceptable();
    };
    let mut request = async_graphql::Request::new(query);
    if let Some(name) = params.operation_name.filter(|name| !name.is_empty()) {
        request = request.operation_name(name);
    }
    for (raw, name) in [
        (&params.variables, "variables"),
        (&params.extensions, "extensions"),
    ] {
        let Some(raw) = raw.as_deref().filter(|raw| !raw.is_empty()) else {
            continue;
        };
        let Ok(value) = serde_json::from_str::<Value>(raw) else {
            return error(
                StatusCode::BAD_REQUEST,
                format,
                Code::BadRequest,
                &format!("The '{name}' parameter is not a JSON object."),
            );
        };
        if name == "variables" {
            request = request.variables(async_graphql::Variables::from_json(value));
        } else if let Ok(extensions) = serde_json::from_value(value) {
            request.extensions = extensions;
        }
    }
    let registration = match persisted::resolve(&state.store, state.persisted, &mut request).await {
        Ok(registration) => registration,
        Err(refusal) => return refused(&refusal, format, &request_id(&headers)),
    };
    if request.query.trim().is_empty() {
        return error(StatusCode::BAD_REQUEST, format, Code::BadRequest, NO_QUERY);
    }
    if is_mutation(&request) {
        let mut response = error(
            StatusCode::METHOD_NOT_ALLOWED,
            format,
            Code::MethodNotAllowed,
            "Mutations must be sent with POST.",
        );
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("POST"));
        return response;
    }
    execute(&state, &headers, request, format, None, registration).await
}

/// Whether the operation the request would run is a mutation. A query that
/// does not parse is not: execution reports its parse error.
fn is_mutation(request: &async_graphql::Request) -> bool {
    mutation_root_fields(request).is_some()
}

fn not_acceptable() -> Response {
    error(
        StatusCode::NOT_ACCEPTABLE,
        Format::Json,
        Code::NotAcceptable,
        "Accept 'application/json' or 'application/graphql-response+json'.",
    )
}

/// How many root fields the mutation the request runs has; `None` when it
/// runs no mutation (or does not parse).
fn mutation_root_fields(request: &async_graphql::Request) -> Option<usize> {
    // A document past the guard's bounds runs no mutation: execution
    // refuses it with its error before anything recursive runs over it.
    crate::graphql::guard::scan(&request.query).ok()?;
    let document = async_graphql::parser::parse_query(&request.query).ok()?;
    let operation = match &request.operation_name {
        Some(name) => document
            .operations
            .iter()
            .find(|(op_name, _)| op_name.map(|n| n.as_str()) == Some(name.as_str()))
            .map(|(_, op)| op),
        None => document.operations.iter().next().map(|(_, op)| op),
    }?;
    (operation.node.ty == OperationType::Mutation)
        .then_some(operation.node.selection_set.node.items.len())
}

async fn execute(
    state: &AppState,
    headers: &HeaderMap,
    request: async_graphql::Request,
    format: Format,
    keyed: Option<Key>,
    registration: Option<persisted::Registration>,
) -> Response {
    let request_id = request_id(headers);
    let principal = match principal(state, headers).await {
        Ok(principal) => principal,
        Err(err) => return domain_error(format, &err, &request_id),
    };
    // Keys apply to mutations of authenticated callers; anything else runs
    // as if no key had been sent. The document is parsed for its root
    // fields only when a key came.
    let (key, principal) = match (keyed, principal) {
        (Some(key), Some(principal)) => match mutation_root_fields(&request) {
            Some(1) => (key, principal),
            Some(_) => {
                return error(
                    StatusCode::BAD_REQUEST,
                    format,
                    Code::BadRequest,
                    "With an Idempotency-Key, send exactly one mutation field per request.",
                );
            }
            None => {
                let ran = run(
                    state,
                    &state.store,
                    request,
                    Some(principal),
                    request_id,
                    format,
                    registration,
                )
                .await;
                return ran.into_response(format);
            }
        },
        (_, principal) => {
            let ran = run(
                state,
                &state.store,
                request,
                principal,
                request_id,
                format,
                registration,
            )
            .await;
            return ran.into_response(format);
        }
    };

    let lease = state.request_timeout + std::time::Duration::from_secs(5);
    let keyed = match idempotency::claim(&state.store, principal, &key, lease).await {
        Err(err) => return domain_error(format, &err, &request_id),
        Ok(Claimed::Run(keyed)) => keyed,
        Ok(Claimed::Replay { status, body }) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            let mut response = (status, body).into_response();
            response.headers_mut().insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static(format.content_type()),
            );
            response
                .headers_mut()
                .insert("idempotency-replayed", HeaderValue::from_static("true"));
            return response;
        }
        Ok(Claimed::InUse) => {
            let mut response = error(
                StatusCode::CONFLICT,
                format,
                Code::IdempotencyKeyInUse,
                "A request with this Idempotency-Key is still running; retry shortly.",
            );
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            return response;
        }
        Ok(Claimed::Reused) => {
            return error(
                StatusCode::UNPROCESSABLE_ENTITY,
                format,
                Code::IdempotencyKeyReused,
                "This Idempotency-Key was used with a different request; use a new key.",
            );
        }
        Ok(Claimed::TooMany) => {
            return error(
                StatusCode::TOO_MANY_REQUESTS,
                format,
                Code::TooManyIdempotencyKeys,
                &format!(
                    "You hold {MAX_KEYS_PER_USER} live Idempotency-Keys, the most allowed; they expire 24 hours after their first use."
                ),
            );
        }
    };
    // The request runs on the pool: its create records what it creates on
    // the key in the creating transaction, and the response's nested
    // fields resolve after that commit, holding no lock.
    let request = match keyed.resume {
        Some(resource_id) => request.data(Resume(resource_id)),
        None => request,
    };
    let ran = run(
        state,
        &keyed.store,
        request,
        Some(principal),
        request_id,
        format,
        registration,
    )
    .await;
    keyed
        .finish(ran.status.as_u16(), &ran.body.to_string())
        .await;
    ran.into_response(format)
}

/// The caller the request's credentials name, if any.
async fn principal(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<domain::Principal>, domain::Error> {
    let credentials = Credentials::from_headers(headers, false)?;
    authenticate(&state.store, &credentials).await
}

/// What a request came to.
struct Ran {
    status: StatusCode,
    body: Value,
    /// An error says the database is unavailable right now.
    unavailable: bool,
}

impl Ran {
    /// The response; `Retry-After: 1` when the database was unavailable
    /// (down, or a lock wait that gave up), as a hint to retry.
    fn into_response(self, format: Format) -> Response {
        let mut response = json_response(self.status, format, &self.body);
        if self.unavailable {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        response
    }
}

/// Executes the request against `store` (the pool, or the pool bound to
/// the request's idempotency claim).
async fn run(
    state: &AppState,
    store: &Store,
    request: async_graphql::Request,
    principal: Option<domain::Principal>,
    request_id: String,
    format: Format,
    registration: Option<persisted::Registration>,
) -> Ran {
    let authenticated = principal.is_some();
    let loaders = Loaders::data_loader(
        store.clone(),
        principal.map(|p| p.user_id),
        state.max_rows_per_request,
    );
    let slot = std::sync::Arc::new(OperationSlot::default());
    let request = request
        .data(slot.clone())
        .data(store.clone())
        .data(loaders)
        .data(RequestContext {
            principal,
            request_id,
        });
    // Kept for null propagation, which needs the document that ran (and
    // for its registration).
    let document = request.query.clone();
    let operation = request.operation_name.clone();
    let started = std::time::Instant::now();
    let span = tracing::info_span!(
        "graphql.operation",
        otel.name = "graphql",
        graphql.operation.type = tracing::field::Empty,
        graphql.operation.name = tracing::field::Empty,
        graphql.outcome = tracing::field::Empty,
    );
    let mut response = state.schema.execute(request).instrument(span.clone()).await;
    crate::graphql::nulls::propagate(
        &state.output_types,
        &document,
        operation.as_deref(),
        &mut response,
    );
    for error in &mut response.errors {
        give_code(error);
    }
    // A request error is raised before execution: no data, and no error
    // at a field's path.
    let request_error = response.data == async_graphql::Value::Null
        && !response.errors.is_empty()
        && response.errors.iter().all(|error| {
            error.path.is_empty()
                && error
                .extensions
                .as_ref()
                .and_then(|extensions| extensions.get("code"))
                .is_some_and(|code| {
                    matches!(code, async_graphql::Value::String(code) if REQUEST_ERROR_CODES.contains(&code.as_str()))
                })
        });
    let mut body = serde_json::to_value(&response).unwrap_or_else(|err| {
        tracing::error!(error = %err, "cannot serialize a GraphQL response");
        error_response(
            Code::InternalServerError.as_str(),
            "An internal error occurred; it has been logged.",
        )
    });
    let status = if request_error && format == Format::GraphqlResponseJson {
        if let Some(object) = body.as_object_mut() {
            object.remove("data");
        }
        StatusCode::BAD_REQUEST
    } else {
        StatusCode::OK
    };
    let unavailable = body["errors"].as_array().is_some_and(|errors| {
        errors
            .iter()
            .any(|error| error["extensions"]["code"] == Code::ServiceUnavailable.as_str())
    });
    observe(state, &span, slot.get(), &body, started.elapsed());
    if let Some(registration) = registration
        && authenticated
        && !request_error
    {
        persisted::register(store, state.persisted, registration, &document).await;
    }
    Ran {
        status,
        body,
        unavailable,
    }
}

/// Counts the operation, names its span and logs one line with its name
/// and error codes.
fn observe(
    state: &AppState,
    span: &tracing::Span,
    operation: Option<Operation>,
    body: &Value,
    took: std::time::Duration,
) {
    let codes: Vec<&str> = body["errors"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|error| error["extensions"]["code"].as_str())
        .collect();
    let kind = operation
        .as_ref()
        .map_or("unknown", |operation| operation.kind);
    let name = operation
        .as_ref()
        .and_then(|operation| operation.name.as_deref());
    let outcome = crate::metrics::outcome(codes.first().copied());
    state.metrics.operation(kind, outcome, took.as_secs_f64());
    crate::telemetry::rename(span, format!("{kind} {}", name.unwrap_or("anonymous")));
    span.record("graphql.operation.type", kind);
    if let Some(name) = name {
        span.record("graphql.operation.name", name);
    }
    span.record("graphql.outcome", outcome);
    tracing::info!(
        operation.r#type = kind,
        operation.name = name.unwrap_or(""),
        outcome,
        error_codes = %codes.join(","),
        duration_ms = took.as_millis() as u64,
        "graphql operation"
    );
}

/// Gives a code to the errors async-graphql raises without one: the
/// request names no operation of its document, or an argument's value does
/// not fit its type (a 32-bit `Int` overflow, found only as the field runs).
fn give_code(error: &mut async_graphql::ServerError) {
    if error
        .extensions
        .as_ref()
        .is_some_and(|extensions| extensions.get("code").is_some())
    {
        return;
    }
    let code = if error.message.starts_with("Unknown operation named")
        || error.message.starts_with("Operation name required")
    {
        Code::OperationResolutionFailure.as_str()
    } else if error.path.is_empty() {
        Code::GraphqlValidationFailed.as_str()
    } else {
        Code::BadUserInput.as_str()
    };
    error
        .extensions
        .get_or_insert_with(Default::default)
        .set("code", code);
}

/// An error raised before execution, with its HTTP status.
fn domain_error(format: Format, err: &domain::Error, request_id: &str) -> Response {
    let status = match err {
        domain::Error::Unauthenticated | domain::Error::InvalidToken => StatusCode::UNAUTHORIZED,
        domain::Error::ServiceUnavailable => StatusCode::SERVICE_UNAVAILABLE,
        _ => StatusCode::INTERNAL_SERVER_ERROR,
    };
    // Nothing was parsed yet, so the error has no location in the query.
    let mut error = async_graphql::ServerError::new(err.to_string(), None);
    error.extensions = crate::graphql::graphql_error(err, request_id).extensions;
    let body = serde_json::json!({ "errors": [error] });
    let mut response = json_response(status, format, &body);
    if status == StatusCode::UNAUTHORIZED {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiate_follows_accept() {
        let cases = [
            ("none", None, Some(Format::Json)),
            ("json", Some("application/json"), Some(Format::Json)),
            (
                "graphql response",
                Some(GRAPHQL_RESPONSE_JSON),
                Some(Format::GraphqlResponseJson),
            ),
            ("any", Some("*/*"), Some(Format::Json)),
            (
                "preferred by q",
                Some("application/json;q=0.5, application/graphql-response+json"),
                Some(Format::GraphqlResponseJson),
            ),
            (
                "first on ties",
                Some("application/graphql-response+json, application/json"),
                Some(Format::GraphqlResponseJson),
            ),
            ("unsupported", Some("text/xml"), None),
        ];
        for (label, accept, want) in cases {
            let mut headers = HeaderMap::new();
            if let Some(accept) = accept {
                headers.insert(header::ACCEPT, HeaderValue::from_static(accept));
            }
            assert_eq!(negotiate(&headers), want, "{label}");
        }
    }
}

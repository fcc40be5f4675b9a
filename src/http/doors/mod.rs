//! The seed products' own REST endpoints ("doors"), each a thin adapter
//! over the same use cases as GraphQL (`crate::app`): the product's body
//! in, its status and body out, no rule of its own beyond its words.
//!
//! Served: Datallog, Metabind, Unleash and Frontier (DESIGN.md,
//! "Seed-compatible REST endpoints").

pub mod datallog;
pub mod frontier;
pub mod metabind;
pub mod openapi;
pub mod unleash;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use super::AppState;
use super::auth::{Credentials, authenticate};
use super::idempotency::{self, Claimed, Key};
use crate::domain::{self, Code, Principal, Segment};
use crate::store::Store;

/// Why a door refuses a request, before its own words are chosen.
#[derive(Debug)]
pub enum DoorError {
    /// The body is not JSON of the door's shape.
    Malformed(String),
    /// The body is not sent as JSON.
    MediaType,
    /// The body is over the limit.
    TooLarge,
    /// The use case's problems (or authentication's).
    Domain(Vec<domain::Error>),
}

/// A door's JSON answer; a 503 carries `Retry-After: 1`, as on GraphQL.
pub fn respond(status: StatusCode, body: impl Serialize) -> Response {
    let mut response = (status, axum::Json(body)).into_response();
    if status == StatusCode::SERVICE_UNAVAILABLE {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
    }
    response
}

/// The HTTP status a code has when the door has no word of its own.
pub fn status_of(code: Code) -> StatusCode {
    StatusCode::from_u16(code.http_status()).unwrap_or(StatusCode::BAD_REQUEST)
}

/// The caller, who must send a token.
async fn authenticate_door(
    state: &AppState,
    headers: &HeaderMap,
    bare_authorization: bool,
) -> Result<Principal, domain::Error> {
    let credentials = Credentials::from_headers(headers, bare_authorization)?;
    authenticate(&state.store, &credentials)
        .await?
        .ok_or(domain::Error::Unauthenticated)
}

/// A door's request, accepted: the caller, the raw body (for the
/// idempotency hash) and the body read as the door's shape.
pub struct Accepted<T> {
    pub principal: Principal,
    pub raw: Bytes,
    pub body: T,
}

/// How a door checks a request.
#[derive(Debug, Clone, Copy, Default)]
pub struct Checks {
    /// Accept an `Authorization` header with no scheme (Unleash).
    pub bare_authorization: bool,
    /// Read the body before authenticating (Frontier's order).
    pub body_first: bool,
}

/// Authenticates the caller and reads the body, in the door's order.
pub async fn accept<T: DeserializeOwned>(
    state: &AppState,
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
    checks: Checks,
) -> Result<Accepted<T>, DoorError> {
    let raw = raw(&body);
    let authenticated = async {
        authenticate_door(state, headers, checks.bare_authorization)
            .await
            .map_err(|err| DoorError::Domain(vec![err]))
    };
    let (principal, body) = if checks.body_first {
        let body = read_json(headers, body)?;
        (authenticated.await?, body)
    } else {
        let principal = authenticated.await?;
        (principal, read_json(headers, body)?)
    };
    Ok(Accepted {
        principal,
        raw,
        body,
    })
}

/// The JSON body, of the door's shape.
fn read_json<T: DeserializeOwned>(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<T, DoorError> {
    let media = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if media != "application/json" {
        return Err(DoorError::MediaType);
    }
    let body = match body {
        Ok(body) => body,
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return Err(DoorError::TooLarge);
        }
        Err(_) => {
            return Err(DoorError::Malformed(
                "The request body could not be read.".into(),
            ));
        }
    };
    serde_json::from_slice(&body)
        .map_err(|err| DoorError::Malformed(format!("The body is not a valid request: {err}.")))
}

/// A field path as one string: `settings.supportedLocales[1]`.
pub fn field_string(field: &[Segment]) -> String {
    let mut text = String::new();
    for segment in field {
        match segment {
            Segment::Key(key) => {
                if !text.is_empty() {
                    text.push('.');
                }
                text.push_str(key);
            }
            Segment::Index(index) => text.push_str(&format!("[{index}]")),
        }
    }
    text
}

pub fn request_id(headers: &HeaderMap) -> String {
    headers
        .get(&super::REQUEST_ID)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// Runs a door's create through the `Idempotency-Key` flow when the
/// request sends a key, with the same guarantees as GraphQL: the same key
/// and body replay the stored response (`Idempotency-Replayed: true`),
/// another body is refused, a running first request makes the retry wait.
/// `go` creates (or, for a retry whose first request created, answers
/// about the recorded project) on the store it is given; `refuse` words a
/// refusal in the door's own shape.
pub async fn with_idempotency<G, Fut>(
    state: &AppState,
    headers: &HeaderMap,
    raw_body: &[u8],
    principal: Principal,
    refuse: impl Fn(Code, &str) -> Response,
    go: G,
) -> Response
where
    G: FnOnce(Store, Option<Uuid>) -> Fut,
    Fut: std::future::Future<Output = Response>,
{
    let key = match Key::from_headers(headers, raw_body) {
        Ok(Some(key)) => key,
        Ok(None) => return go(state.store.clone(), None).await,
        Err(message) => return refuse(Code::BadRequest, message),
    };
    let lease = state.request_timeout + std::time::Duration::from_secs(5);
    let run = match idempotency::claim(&state.store, principal, &key, lease).await {
        Ok(Claimed::Run(run)) => run,
        Ok(Claimed::Replay { status, body }) => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            let mut response = (status, body).into_response();
            let headers = response.headers_mut();
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
            headers.insert("idempotency-replayed", HeaderValue::from_static("true"));
            return response;
        }
        Ok(Claimed::InUse) => {
            let mut response = refuse(
                Code::IdempotencyKeyInUse,
                "A request with this Idempotency-Key is still running; retry shortly.",
            );
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
            return response;
        }
        Ok(Claimed::Reused) => {
            return refuse(
                Code::IdempotencyKeyReused,
                "This Idempotency-Key was used with a different request; use a new key.",
            );
        }
        Ok(Claimed::TooMany) => {
            return refuse(
                Code::TooManyIdempotencyKeys,
                "Too many live Idempotency-Keys; they expire 24 hours after their first use.",
            );
        }
        Err(err) => return refuse(err.code(), &err.to_string()),
    };
    let response = go(run.store.clone(), run.resume).await;
    let (parts, body) = response.into_parts();
    // A door's answer is a small JSON document the server built itself.
    let bytes = axum::body::to_bytes(body, super::MAX_BODY_BYTES)
        .await
        .unwrap_or_default();
    run.finish(parts.status.as_u16(), &String::from_utf8_lossy(&bytes))
        .await;
    Response::from_parts(parts, axum::body::Body::from(bytes))
}

/// Creates the project, or, for a retried key whose first request created
/// one, answers about that project.
pub async fn create_or_resume(
    store: &Store,
    principal: Principal,
    input: domain::CreateProject,
    resume: Option<Uuid>,
) -> Result<domain::Project, Vec<domain::Error>> {
    match resume {
        Some(id) => crate::app::resume_project(store, id).await,
        None => crate::app::create_project(store, principal, input).await,
    }
}

/// The raw body, kept for the idempotency hash before it is parsed.
fn raw(body: &Result<Bytes, BytesRejection>) -> Bytes {
    match body {
        Ok(bytes) => bytes.clone(),
        Err(_) => Bytes::new(),
    }
}

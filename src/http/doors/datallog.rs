//! Datallog's door: `POST /api/create-project` (and `/api/sdk/create-project`,
//! where its SDK posts), with Datallog's body (`region`, `docker_version`,
//! `name`), its success message and its exact error texts, over the same
//! use case as `createProject`. `name` is the slug and the display name;
//! `docker_version` is the runtime; the project goes to the caller's
//! personal organization (Datallog's names are unique per user).

use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

use super::{
    Accepted, Checks, DoorError, accept, create_or_resume, request_id, respond, status_of,
    with_idempotency,
};
use crate::domain::{self, Code, CreateProject, DeploymentInput};
use crate::http::AppState;

/// The required fields, in the order Datallog lists missing ones.
const REQUIRED: [&str; 3] = ["region", "docker_version", "name"];

pub async fn create_project(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let request_id = request_id(&headers);
    let Accepted {
        principal,
        raw,
        body,
    } = match accept::<Value>(&state, &headers, body, Checks::default()).await {
        Ok(accepted) => accepted,
        Err(err) => return door_error(&err, &request_id),
    };
    let field = |name: &str| {
        body.get(name)
            .and_then(Value::as_str)
            .filter(|value| !value.is_empty())
            .map(str::to_owned)
    };
    let (Some(region), Some(runtime), Some(name)) =
        (field("region"), field("docker_version"), field("name"))
    else {
        let missing: Vec<&str> = REQUIRED
            .iter()
            .copied()
            .filter(|name| field(name).is_none())
            .collect();
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(
                json!({ "error": format!("Missing required field(s): {}", missing.join(", ")) }),
            ),
        )
            .into_response();
    };
    let input = CreateProject {
        name: name.clone(),
        slug: Some(name),
        deployment: Some(DeploymentInput { region, runtime }),
        ..CreateProject::default()
    };
    let refuse = |code: Code, message: &str| {
        let status = status_of(code);
        respond(status, json!({ "message": message }))
    };
    with_idempotency(
        &state,
        &headers,
        &raw,
        principal,
        refuse,
        |store, resume| async move {
            match create_or_resume(&store, principal, input, resume).await {
                Ok(_) => (
                    StatusCode::OK,
                    axum::Json(json!({ "message": "Deploy created successfully" })),
                )
                    .into_response(),
                Err(errors) => door_error(&DoorError::Domain(errors), &request_id),
            }
        },
    )
    .await
}

/// Datallog's words for a refusal: one message, chosen in the order its
/// documentation checks (region, version, exists, name, plan limit).
fn door_error(err: &DoorError, request_id: &str) -> Response {
    let (status, body) = match err {
        DoorError::Malformed(message) => (StatusCode::BAD_REQUEST, json!({ "error": message })),
        DoorError::MediaType => (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            json!({ "detail": "Unsupported media type in request; send JSON." }),
        ),
        DoorError::TooLarge => (
            StatusCode::PAYLOAD_TOO_LARGE,
            json!({ "detail": "The request body is larger than 1 MiB." }),
        ),
        DoorError::Domain(errors) => domain_body(errors, request_id),
    };
    respond(status, body)
}

fn domain_body(errors: &[domain::Error], request_id: &str) -> (StatusCode, Value) {
    let first = &errors[0];
    match first {
        domain::Error::Unauthenticated => {
            return (
                StatusCode::UNAUTHORIZED,
                json!({ "detail": "Authentication credentials were not provided." }),
            );
        }
        domain::Error::InvalidToken => {
            return (
                StatusCode::UNAUTHORIZED,
                json!({ "detail": "Invalid token." }),
            );
        }
        domain::Error::ServiceUnavailable => {
            return (
                StatusCode::SERVICE_UNAVAILABLE,
                json!({ "message": first.to_string() }),
            );
        }
        domain::Error::Internal => {
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                json!({ "message": first.to_string(), "requestId": request_id }),
            );
        }
        _ => {}
    }
    let has = |code: Code| errors.iter().find(|err| err.code() == code);
    let message = if has(Code::UnsupportedRegion).is_some() {
        "The selected region isn't supported".to_owned()
    } else if has(Code::UnsupportedRuntime).is_some() {
        "This container image isn't supported".to_owned()
    } else if let Some(domain::Error::SlugAlreadyExists { slug }) = has(Code::SlugAlreadyExists) {
        format!("A project with the name '{slug}' already exists.")
    } else if has(Code::InvalidSlug).is_some() || has(Code::InvalidName).is_some() {
        "Invalid project name. It must start with a lowercase letter or number, and can only contain lowercase letters, numbers, hyphens (-), or underscores (_). Uppercase letters and special characters are not allowed.".to_owned()
    } else if has(Code::MaxProjectsReached).is_some() {
        "You've reached your plan's maximum project count, please update your plan".to_owned()
    } else {
        first.to_string()
    };
    (StatusCode::BAD_REQUEST, json!({ "message": message }))
}

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
use axum::response::Response;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::ToSchema;

use super::{
    Accepted, Checks, DoorError, accept, create_or_resume, request_id, respond, status_of,
    with_idempotency,
};
use crate::domain::{self, Code, CreateProject, DeploymentInput};
use crate::http::AppState;

/// The request body, as Datallog documents it. A field that is absent,
/// empty or not a string is named in the 400 that lists missing fields.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = DatallogCreateProject)]
struct Body {
    /// A region code from the `regions` catalog, e.g. `us-east-1`.
    #[serde(default)]
    #[schema(value_type = String, required = true)]
    region: Option<Value>,
    /// A runtime from the `runtimes` catalog, e.g. `python-3.12`.
    #[serde(default)]
    #[schema(value_type = String, required = true)]
    docker_version: Option<Value>,
    /// The project's name, which is also its slug: `^[a-z0-9][a-z0-9_-]*$`.
    #[serde(default)]
    #[schema(value_type = String, required = true)]
    name: Option<Value>,
}

impl Body {
    fn field(&self, name: &str) -> Option<String> {
        let value = match name {
            "region" => &self.region,
            "docker_version" => &self.docker_version,
            _ => &self.name,
        };
        value
            .as_ref()
            .and_then(Value::as_str)
            .filter(|value| !value.is_empty())
            .map(str::to_owned)
    }
}

/// Success, and most refusals: one sentence.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = DatallogMessage)]
struct Message {
    message: String,
}

/// Missing fields or a body that is not JSON.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = DatallogError)]
struct ErrorText {
    error: String,
}

/// Authentication, media type and size refusals.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = DatallogDetail)]
struct Detail {
    detail: String,
}

/// A fault of ours; its cause is in the log under the request id.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = DatallogInternalError)]
struct Internal {
    message: String,
    #[serde(rename = "requestId")]
    request_id: String,
}

/// A 400: missing fields (`error`) or a rule's refusal (`message`).
#[derive(Debug, Serialize, ToSchema)]
#[serde(untagged)]
#[schema(as = DatallogBadRequest)]
enum BadRequest {
    Missing(ErrorText),
    Refused(Message),
}

/// The required fields, in the order Datallog lists missing ones.
const REQUIRED: [&str; 3] = ["region", "docker_version", "name"];

/// Creates a project in the caller's personal organization.
#[utoipa::path(
    post,
    path = "/api/create-project",
    tag = "Datallog",
    operation_id = "datallogCreateProject",
    request_body(content = Body, content_type = "application/json"),
    responses(
        (status = 200, description = "Created.", body = Message),
        (status = 400, description = "Missing fields, a malformed body, or a rule's refusal, in Datallog's words.", body = BadRequest),
        (status = 401, description = "No token, or an unknown one.", body = Detail),
        (status = 409, description = "The Idempotency-Key is in use by a running request.", body = Message),
        (status = 413, description = "The body is over 1 MiB.", body = Detail),
        (status = 415, description = "The body is not sent as JSON.", body = Detail),
        (status = 422, description = "The Idempotency-Key was used with another body.", body = Message),
        (status = 500, description = "A fault of ours.", body = Internal),
        (status = 503, description = "The database is busy; retry after `Retry-After`.", body = Message),
        (status = 429, description = "Too many live Idempotency-Keys.", body = Message),
    ),
    security(("datallogToken" = []), ("apiKey" = [])),
)]
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
    } = match accept::<Body>(&state, &headers, body, Checks::default()).await {
        Ok(accepted) => accepted,
        Err(err) => return door_error(&err, &request_id),
    };
    let (Some(region), Some(runtime), Some(name)) = (
        body.field("region"),
        body.field("docker_version"),
        body.field("name"),
    ) else {
        let missing: Vec<&str> = REQUIRED
            .iter()
            .copied()
            .filter(|name| body.field(name).is_none())
            .collect();
        let error = format!("Missing required field(s): {}", missing.join(", "));
        return respond(
            StatusCode::BAD_REQUEST,
            BadRequest::Missing(ErrorText { error }),
        );
    };
    let input = CreateProject {
        name: name.clone(),
        slug: Some(name),
        deployment: Some(DeploymentInput { region, runtime }),
        ..CreateProject::default()
    };
    let refusal_id = request_id.clone();
    let refuse = move |code: Code, message: &str| {
        let message = message.to_owned();
        match code {
            Code::InternalServerError => respond(
                StatusCode::INTERNAL_SERVER_ERROR,
                Internal {
                    message,
                    request_id: refusal_id.clone(),
                },
            ),
            _ => respond(status_of(code), Message { message }),
        }
    };
    with_idempotency(
        &state,
        &headers,
        &raw,
        principal,
        refuse,
        |store, resume| async move {
            match create_or_resume(&store, principal, input, resume).await {
                Ok(_) => respond(
                    StatusCode::OK,
                    Message {
                        message: "Deploy created successfully".into(),
                    },
                ),
                Err(errors) => door_error(&DoorError::Domain(errors), &request_id),
            }
        },
    )
    .await
}

/// Datallog's words for a refusal: one message, chosen in the order its
/// documentation checks (region, version, exists, name, plan limit).
fn door_error(err: &DoorError, request_id: &str) -> Response {
    let detail = |status: StatusCode, detail: &str| {
        let detail = detail.to_owned();
        respond(status, Detail { detail })
    };
    match err {
        DoorError::Malformed(message) => respond(
            StatusCode::BAD_REQUEST,
            BadRequest::Missing(ErrorText {
                error: message.clone(),
            }),
        ),
        DoorError::MediaType => detail(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "Unsupported media type in request; send JSON.",
        ),
        DoorError::TooLarge => detail(
            StatusCode::PAYLOAD_TOO_LARGE,
            "The request body is larger than 1 MiB.",
        ),
        DoorError::Domain(errors) => match &errors[0] {
            domain::Error::Unauthenticated => detail(
                StatusCode::UNAUTHORIZED,
                "Authentication credentials were not provided.",
            ),
            domain::Error::InvalidToken => detail(StatusCode::UNAUTHORIZED, "Invalid token."),
            domain::Error::ServiceUnavailable => respond(
                StatusCode::SERVICE_UNAVAILABLE,
                Message {
                    message: errors[0].to_string(),
                },
            ),
            domain::Error::Internal => respond(
                StatusCode::INTERNAL_SERVER_ERROR,
                Internal {
                    message: errors[0].to_string(),
                    request_id: request_id.to_owned(),
                },
            ),
            _ => respond(
                StatusCode::BAD_REQUEST,
                BadRequest::Refused(Message {
                    message: refusal(errors),
                }),
            ),
        },
    }
}

/// One sentence for the rules' problems, chosen in the order Datallog's
/// documentation checks them.
fn refusal(errors: &[domain::Error]) -> String {
    let has = |code: Code| errors.iter().find(|err| err.code() == code);
    if has(Code::UnsupportedRegion).is_some() {
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
        errors[0].to_string()
    }
}

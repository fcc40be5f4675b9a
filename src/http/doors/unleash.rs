//! Unleash's door: `POST /api/admin/projects`, with Unleash's
//! `createProjectSchema` in, exactly `projectCreatedSchema` out (201 and a
//! `Location`), and its `{id, name, message, details}` errors, over the
//! same use case as `createProject`. Unleash's `id` is the slug (derived
//! from the name when absent or empty); projects go to the caller's
//! personal organization, as Unleash has no organizations.

use axum::body::Bytes;
use axum::extract::State;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{
    Accepted, Checks, DoorError, accept, create_or_resume, field_string, request_id, respond,
    status_of, with_idempotency,
};
use crate::domain::{self, ChangeRequestInput, Code, CreateProject, Project, ProjectMode};
use crate::http::AppState;

/// `createProjectSchema`.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Body {
    id: Option<String>,
    name: String,
    description: Option<String>,
    mode: Option<String>,
    default_stickiness: Option<String>,
    feature_limit: Option<i32>,
    environments: Option<Vec<String>>,
    change_request_environments: Option<Vec<ChangeRequest>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ChangeRequest {
    name: String,
    required_approvals: Option<i32>,
}

pub async fn create_project(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let request_id = request_id(&headers);
    let checks = Checks {
        bare_authorization: true,
        ..Checks::default()
    };
    let Accepted {
        principal,
        raw,
        body,
    } = match accept::<Body>(&state, &headers, body, checks).await {
        Ok(accepted) => accepted,
        Err(err) => return door_error(&err, &headers, &request_id),
    };
    let mode = match body
        .mode
        .as_deref()
        .map(|mode| (mode, ProjectMode::parse(mode)))
    {
        None => None,
        Some((_, Some(mode))) => Some(mode),
        Some((mode, None)) => {
            let err = domain::Error::bad_input(
                crate::field_path!["mode"],
                format!("'{mode}' is not a mode (open, protected or private)."),
            );
            return door_error(&DoorError::Domain(vec![err]), &headers, &request_id);
        }
    };
    let input = CreateProject {
        name: body.name,
        slug: body.id.filter(|id| !id.is_empty()),
        description: body.description,
        mode,
        default_stickiness: body.default_stickiness,
        feature_limit: body.feature_limit,
        environments: body.environments,
        change_request_environments: body.change_request_environments.map(|requests| {
            requests
                .into_iter()
                .map(|request| ChangeRequestInput {
                    name: request.name,
                    required_approvals: request.required_approvals,
                })
                .collect()
        }),
        ..CreateProject::default()
    };
    let refuse = |code: Code, message: &str| {
        let status = status_of(code);
        let name = match code {
            Code::IdempotencyKeyInUse => "ConflictError",
            Code::ServiceUnavailable => "ServiceUnavailable",
            Code::InternalServerError => "InternalError",
            _ => "BadDataError",
        };
        let body = json!({ "id": Uuid::new_v4(), "name": name, "message": message,
                           "details": [{ "message": message, "code": code.as_str() }] });
        respond(status, body)
    };
    let door_headers = headers.clone();
    with_idempotency(
        &state,
        &headers,
        &raw,
        principal,
        refuse,
        |store, resume| async move {
            match create_or_resume(&store, principal, input, resume).await {
                Ok(project) => {
                    let mut response = (StatusCode::CREATED, axum::Json(project_created(&project)))
                        .into_response();
                    if let Ok(location) =
                        HeaderValue::from_str(&format!("projects/{}", project.slug))
                    {
                        response.headers_mut().insert(header::LOCATION, location);
                    }
                    response
                }
                Err(errors) => door_error(&DoorError::Domain(errors), &door_headers, &request_id),
            }
        },
    )
    .await
}

/// Exactly `projectCreatedSchema` (`additionalProperties: false`).
fn project_created(project: &Project) -> Value {
    json!({
        "id": project.slug,
        "name": project.name,
        "description": project.description,
        "featureLimit": project.feature_limit,
        "mode": project.mode.as_str().to_ascii_lowercase(),
        "defaultStickiness": project.default_stickiness,
        "environments": project.environments,
        "changeRequestEnvironments": project.change_request_environments.iter().map(|request| json!({
            "name": request.name,
            "requiredApprovals": request.required_approvals,
        })).collect::<Vec<_>>(),
    })
}

/// Unleash's error: `{id, name, message, details: [{message, path?}]}`
/// with the status its error name has.
fn door_error(err: &DoorError, headers: &HeaderMap, request_id: &str) -> Response {
    let (status, name, message, details) = match err {
        DoorError::Malformed(message) => (
            StatusCode::BAD_REQUEST,
            "BadDataError",
            message.clone(),
            vec![json!({ "message": message })],
        ),
        DoorError::MediaType => {
            let sent = headers
                .get(header::CONTENT_TYPE)
                .and_then(|value| value.to_str().ok())
                .filter(|value| !value.is_empty())
                .unwrap_or("you didn't provide one");
            let message = format!(
                "We do not accept the content-type you provided ({sent}). Try using one of the content-types we do accept instead (application/json) and make sure the body is in the corresponding format."
            );
            (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "ContentTypeError",
                message.clone(),
                vec![json!({ "message": message })],
            )
        }
        DoorError::TooLarge => {
            let message = "The request body is larger than 1 MiB.".to_owned();
            (
                StatusCode::PAYLOAD_TOO_LARGE,
                "ContentTooLargeError",
                message.clone(),
                vec![json!({ "message": message })],
            )
        }
        DoorError::Domain(errors) => domain_error(errors, request_id),
    };
    let body =
        json!({ "id": Uuid::new_v4(), "name": name, "message": message, "details": details });
    respond(status, body)
}

fn domain_error(
    errors: &[domain::Error],
    request_id: &str,
) -> (StatusCode, &'static str, String, Vec<Value>) {
    let first = &errors[0];
    let alone = |status: StatusCode, name: &'static str, message: String| {
        (
            status,
            name,
            message.clone(),
            vec![json!({ "message": message })],
        )
    };
    match first {
        domain::Error::Unauthenticated => {
            return alone(
                StatusCode::UNAUTHORIZED,
                "AuthenticationRequired",
                "You must log in to use Unleash. Your request had no authorization header, so we could not authorize you. Try logging in at /auth/simple/login.".into(),
            );
        }
        domain::Error::InvalidToken => {
            return alone(
                StatusCode::UNAUTHORIZED,
                "UnauthorizedError",
                first.to_string(),
            );
        }
        domain::Error::Forbidden | domain::Error::OrganizationNotFound => {
            return alone(StatusCode::FORBIDDEN, "NoAccessError", first.to_string());
        }
        domain::Error::ServiceUnavailable => {
            return alone(
                StatusCode::SERVICE_UNAVAILABLE,
                "ServiceUnavailable",
                first.to_string(),
            );
        }
        domain::Error::Internal => {
            return alone(
                StatusCode::INTERNAL_SERVER_ERROR,
                "InternalError",
                format!("{first} (request id {request_id})"),
            );
        }
        _ => {}
    }
    if let [only] = errors {
        match only {
            domain::Error::SlugAlreadyExists { .. } => {
                return alone(
                    StatusCode::CONFLICT,
                    "NameExistsError",
                    "A project with this id already exists.".into(),
                );
            }
            domain::Error::MaxProjectsReached { max, .. } => {
                return alone(
                    StatusCode::BAD_REQUEST,
                    "ExceedsLimitError",
                    format!(
                        "Failed to create project. You can't create more than the established limit of {max}."
                    ),
                );
            }
            _ => {}
        }
    }
    let details: Vec<Value> = errors
        .iter()
        .map(|err| {
            let mut detail = json!({ "message": err.to_string(), "code": err.code().as_str() });
            if let Some(field) = err.field() {
                detail["path"] = json!(unleash_path(&field));
            }
            detail
        })
        .collect();
    let message = match errors {
        [only] => only.to_string(),
        _ => "Request validation failed: your request body or params contain invalid data. Refer to the `details` list for more information.".to_owned(),
    };
    (StatusCode::BAD_REQUEST, "BadDataError", message, details)
}

/// Our field as Unleash names it: the slug is its `id`.
fn unleash_path(field: &[domain::Segment]) -> String {
    match field.first() {
        Some(domain::Segment::Key(key)) if key == "slug" => "id".to_owned(),
        _ => field_string(field),
    }
}

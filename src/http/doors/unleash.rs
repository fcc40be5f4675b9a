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
use axum::response::Response;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{
    Accepted, Checks, DoorError, accept, create_or_resume, field_string, request_id, respond,
    status_of, with_idempotency,
};
use crate::domain::{self, ChangeRequestInput, Code, CreateProject, Project, ProjectMode};
use crate::http::AppState;

/// `createProjectSchema`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = UnleashCreateProject)]
struct Body {
    /// The project's id (our slug); derived from the name when absent.
    id: Option<String>,
    name: String,
    description: Option<String>,
    /// `open`, `protected` or `private`.
    mode: Option<String>,
    default_stickiness: Option<String>,
    feature_limit: Option<i32>,
    /// Environment names from the `environments` catalog.
    environments: Option<Vec<String>>,
    change_request_environments: Option<Vec<ChangeRequest>>,
}

#[derive(Debug, Deserialize, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = UnleashChangeRequestEnvironment)]
struct ChangeRequest {
    name: String,
    required_approvals: Option<i32>,
}

/// `projectCreatedSchema`, and nothing else.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = UnleashProjectCreated)]
struct ProjectCreated {
    id: String,
    name: String,
    description: Option<String>,
    feature_limit: Option<i32>,
    /// `open`, `protected` or `private`.
    mode: String,
    default_stickiness: String,
    environments: Vec<String>,
    change_request_environments: Vec<ChangeRequest>,
}

/// Unleash's error: which error it is (`name`), one sentence, and one
/// detail per problem.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = UnleashError)]
struct ErrorBody {
    /// A fresh id for this error.
    id: Uuid,
    /// `BadDataError`, `NameExistsError`, `ExceedsLimitError`, ….
    name: &'static str,
    message: String,
    details: Vec<Detail>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = UnleashErrorDetail)]
struct Detail {
    message: String,
    /// Our code for this problem.
    #[serde(skip_serializing_if = "Option::is_none")]
    code: Option<&'static str>,
    /// The body field at fault, e.g. `changeRequestEnvironments[0].name`.
    #[serde(skip_serializing_if = "Option::is_none")]
    path: Option<String>,
}

impl Detail {
    fn saying(message: &str) -> Detail {
        Detail {
            message: message.to_owned(),
            code: None,
            path: None,
        }
    }
}

fn error_body(
    status: StatusCode,
    name: &'static str,
    message: String,
    details: Vec<Detail>,
) -> Response {
    let id = Uuid::new_v4();
    respond(
        status,
        ErrorBody {
            id,
            name,
            message,
            details,
        },
    )
}

/// Creates a project in the caller's personal organization.
#[utoipa::path(
    post,
    path = "/api/admin/projects",
    tag = "Unleash",
    operation_id = "unleashCreateProject",
    request_body(content = Body, content_type = "application/json"),
    responses(
        (status = 201, description = "Created.", body = ProjectCreated,
         headers(("Location" = String, description = "`projects/<id>`"))),
        (status = 400, description = "`BadDataError` (every problem in `details`) or `ExceedsLimitError` (the plan's limit).", body = ErrorBody),
        (status = 401, description = "`AuthenticationRequired` (no token) or `UnauthorizedError` (unknown token).", body = ErrorBody),
        (status = 403, description = "`NoAccessError`.", body = ErrorBody),
        (status = 409, description = "`NameExistsError` (the id is taken) or `ConflictError` (the Idempotency-Key is in use).", body = ErrorBody),
        (status = 413, description = "`ContentTooLargeError`: the body is over 1 MiB.", body = ErrorBody),
        (status = 415, description = "`ContentTypeError`: the body is not sent as JSON.", body = ErrorBody),
        (status = 422, description = "The Idempotency-Key was used with another body.", body = ErrorBody),
        (status = 429, description = "Too many live Idempotency-Keys.", body = ErrorBody),
        (status = 500, description = "`InternalError`: a fault of ours.", body = ErrorBody),
        (status = 503, description = "The database is busy; retry after `Retry-After`.", body = ErrorBody),
    ),
    security(("unleashToken" = []), ("bearer" = [])),
)]
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
        let details = vec![Detail {
            code: Some(code.as_str()),
            ..Detail::saying(message)
        }];
        error_body(status, name, message.to_owned(), details)
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
                    let mut response = respond(StatusCode::CREATED, project_created(&project));
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

/// Exactly `projectCreatedSchema`.
fn project_created(project: &Project) -> ProjectCreated {
    ProjectCreated {
        id: project.slug.clone(),
        name: project.name.clone(),
        description: project.description.clone(),
        feature_limit: project.feature_limit,
        mode: project.mode.as_str().to_ascii_lowercase(),
        default_stickiness: project.default_stickiness.clone(),
        environments: project.environments.clone(),
        change_request_environments: project
            .change_request_environments
            .iter()
            .map(|request| ChangeRequest {
                name: request.name.clone(),
                required_approvals: Some(request.required_approvals),
            })
            .collect(),
    }
}

/// Unleash's error: `{id, name, message, details: [{message, path?}]}`
/// with the status its error name has.
fn door_error(err: &DoorError, headers: &HeaderMap, request_id: &str) -> Response {
    let (status, name, message, details) = match err {
        DoorError::Malformed(message) => (
            StatusCode::BAD_REQUEST,
            "BadDataError",
            message.clone(),
            vec![Detail::saying(message)],
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
            let details = vec![Detail::saying(&message)];
            (
                StatusCode::UNSUPPORTED_MEDIA_TYPE,
                "ContentTypeError",
                message,
                details,
            )
        }
        DoorError::TooLarge => {
            let message = "The request body is larger than 1 MiB.".to_owned();
            let details = vec![Detail::saying(&message)];
            (
                StatusCode::PAYLOAD_TOO_LARGE,
                "ContentTooLargeError",
                message,
                details,
            )
        }
        DoorError::Domain(errors) => domain_error(errors, request_id),
    };
    error_body(status, name, message, details)
}

fn domain_error(
    errors: &[domain::Error],
    request_id: &str,
) -> (StatusCode, &'static str, String, Vec<Detail>) {
    let first = &errors[0];
    let alone = |status: StatusCode, name: &'static str, message: String| {
        let details = vec![Detail::saying(&message)];
        (status, name, message, details)
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
    let details = errors
        .iter()
        .map(|err| Detail {
            message: err.to_string(),
            code: Some(err.code().as_str()),
            path: err.field().map(|field| unleash_path(&field)),
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

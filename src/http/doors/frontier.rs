//! Raystack Frontier's door: `POST /v1beta1/organizations/{org_id}/projects`
//! with the seed's `{"body": {…}}` (or the body unwrapped), and the real
//! gateway route `POST /v1beta1/projects` (unwrapped, `org_id` in the
//! body). Frontier's `name` is the slug and `title` the display name (the
//! name when absent); success is 200 `{"project": {…}}` in snake_case, and
//! errors are Connect's `{"code": "<name>", "message", "details": []}`.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::Response;
use chrono::SecondsFormat;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value, json};
use utoipa::ToSchema;
use uuid::Uuid;

use super::{
    Accepted, Checks, DoorError, accept, create_or_resume, field_string, request_id, respond,
    status_of, with_idempotency,
};
use crate::domain::{self, Code, CreateProject, Project};
use crate::http::AppState;

/// `ProjectRequestBody`.
#[derive(Debug, Deserialize, ToSchema)]
#[schema(as = FrontierProjectRequestBody)]
struct ProjectBody {
    /// The project's name (our slug).
    name: String,
    /// The display name; the name when absent.
    title: Option<String>,
    /// The organization; required on `/v1beta1/projects`, and the path's
    /// wins on the other route.
    org_id: Option<String>,
    /// An object (a `google.protobuf.Struct`).
    #[schema(value_type = Option<Object>)]
    metadata: Option<Value>,
}

/// The seed's Connect shape, or the body itself.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(untagged)]
#[schema(as = FrontierCreateProjectRequest)]
enum Request {
    Wrapped { body: ProjectBody },
    Unwrapped(ProjectBody),
}

/// `{"project": {…}}`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = FrontierCreateProjectResponse)]
struct Created {
    project: ProjectObject,
}

/// Frontier's `Project`, snake_case.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = FrontierProject)]
struct ProjectObject {
    id: Uuid,
    /// The slug.
    name: String,
    /// The display name.
    title: String,
    org_id: Uuid,
    metadata: Map<String, Value>,
    #[schema(format = DateTime)]
    created_at: String,
    #[schema(format = DateTime)]
    updated_at: String,
    /// The creator, as OWNER.
    members_count: u32,
}

/// Connect's error: `{code, message, details}`; our codes, fields and
/// messages go in `details`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = FrontierError)]
struct ErrorBody {
    /// A Connect code: `invalid_argument`, `unauthenticated`, `not_found`,
    /// `already_exists`, `failed_precondition`, `internal`, ….
    code: &'static str,
    message: String,
    details: Vec<Map<String, Value>>,
}

/// `POST /v1beta1/organizations/{org_id}/projects`.
#[utoipa::path(
    post,
    path = "/v1beta1/organizations/{org_id}/projects",
    tag = "Frontier",
    operation_id = "frontierCreateOrganizationProject",
    params(("org_id" = String, Path, description = "The organization's id.")),
    request_body(content = Request, content_type = "application/json",
                 description = "The seed's `{\"body\": {…}}`, or the body unwrapped."),
    responses(
        (status = 200, description = "Created.", body = Created),
        (status = 400, description = "`invalid_argument` (every problem in `details`) or `failed_precondition` (the plan's limit).", body = ErrorBody),
        (status = 401, description = "`unauthenticated`.", body = ErrorBody),
        (status = 403, description = "`permission_denied`.", body = ErrorBody),
        (status = 404, description = "`not_found`: no such organization, or not a member.", body = ErrorBody),
        (status = 409, description = "`already_exists` (the name is taken) or `aborted` (the Idempotency-Key is in use).", body = ErrorBody),
        (status = 413, description = "`resource_exhausted`: the body is over 1 MiB.", body = ErrorBody),
        (status = 415, description = "`invalid_argument`: the body is not sent as JSON.", body = ErrorBody),
        (status = 422, description = "The Idempotency-Key was used with another body.", body = ErrorBody),
        (status = 429, description = "`resource_exhausted`: too many live Idempotency-Keys.", body = ErrorBody),
        (status = 500, description = "`internal`: a fault of ours.", body = ErrorBody),
        (status = 503, description = "`unavailable`: the database is busy; retry after `Retry-After`.", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub async fn create_in_organization(
    State(state): State<AppState>,
    Path(org_id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    create(state, Some(org_id), headers, body).await
}

/// `POST /v1beta1/projects`, as Frontier's gateway serves it.
#[utoipa::path(
    post,
    path = "/v1beta1/projects",
    tag = "Frontier",
    operation_id = "frontierCreateProject",
    request_body(content = ProjectBody, content_type = "application/json"),
    responses(
        (status = 200, description = "Created.", body = Created),
        (status = 400, description = "`invalid_argument` (every problem in `details`, `org_id` included) or `failed_precondition` (the plan's limit).", body = ErrorBody),
        (status = 401, description = "`unauthenticated`.", body = ErrorBody),
        (status = 403, description = "`permission_denied`.", body = ErrorBody),
        (status = 404, description = "`not_found`: no such organization, or not a member.", body = ErrorBody),
        (status = 409, description = "`already_exists` (the name is taken) or `aborted` (the Idempotency-Key is in use).", body = ErrorBody),
        (status = 413, description = "`resource_exhausted`: the body is over 1 MiB.", body = ErrorBody),
        (status = 415, description = "`invalid_argument`: the body is not sent as JSON.", body = ErrorBody),
        (status = 422, description = "The Idempotency-Key was used with another body.", body = ErrorBody),
        (status = 429, description = "`resource_exhausted`: too many live Idempotency-Keys.", body = ErrorBody),
        (status = 500, description = "`internal`: a fault of ours.", body = ErrorBody),
        (status = 503, description = "`unavailable`: the database is busy; retry after `Retry-After`.", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub async fn create_project(
    State(state): State<AppState>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    create(state, None, headers, body).await
}

async fn create(
    state: AppState,
    path_org: Option<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    let request_id = request_id(&headers);
    // Frontier validates the body before it authenticates.
    let checks = Checks {
        body_first: true,
        ..Checks::default()
    };
    let (principal, raw, body) = match accept::<Request>(&state, &headers, body, checks).await {
        Ok(Accepted {
            principal,
            raw,
            body: Request::Wrapped { body } | Request::Unwrapped(body),
        }) => (principal, raw, body),
        Err(err) => return door_error(&err, &request_id),
    };
    let Some(org_id) = path_org.or(body.org_id) else {
        let err = domain::Error::bad_input(crate::field_path!["org_id"], "org_id is required.");
        return door_error(&DoorError::Domain(vec![err]), &request_id);
    };
    let input = CreateProject {
        organization_id: Some(org_id),
        name: body.title.unwrap_or_else(|| body.name.clone()),
        slug: Some(body.name),
        metadata: body.metadata,
        ..CreateProject::default()
    };
    let refuse = |code: Code, message: &str| {
        let status = status_of(code);
        let connect = match status.as_u16() {
            409 => "aborted",
            429 => "resource_exhausted",
            500 => "internal",
            503 => "unavailable",
            _ => "invalid_argument",
        };
        let details = vec![Map::from_iter([("code".to_owned(), json!(code.as_str()))])];
        let message = message.to_owned();
        respond(
            status,
            ErrorBody {
                code: connect,
                message,
                details,
            },
        )
    };
    with_idempotency(
        &state,
        &headers,
        &raw,
        principal,
        refuse,
        |store, resume| async move {
            match create_or_resume(&store, principal, input, resume).await {
                Ok(project) => respond(
                    StatusCode::OK,
                    Created {
                        project: project_object(&project),
                    },
                ),
                Err(errors) => door_error(&DoorError::Domain(errors), &request_id),
            }
        },
    )
    .await
}

fn project_object(project: &Project) -> ProjectObject {
    let metadata = match &project.metadata {
        Some(Value::Object(fields)) => fields.clone(),
        _ => Map::new(),
    };
    ProjectObject {
        id: project.id,
        name: project.slug.clone(),
        title: project.name.clone(),
        org_id: project.organization_id,
        metadata,
        created_at: project
            .created_at
            .to_rfc3339_opts(SecondsFormat::Secs, true),
        updated_at: project
            .updated_at
            .to_rfc3339_opts(SecondsFormat::Secs, true),
        members_count: 1,
    }
}

/// Connect's error body with its status.
fn door_error(err: &DoorError, request_id: &str) -> Response {
    let (status, code, message, details) = match err {
        DoorError::Malformed(message) => (
            StatusCode::BAD_REQUEST,
            "invalid_argument",
            message.clone(),
            vec![],
        ),
        DoorError::MediaType => (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "invalid_argument",
            "Send the body as JSON with 'Content-Type: application/json'.".to_owned(),
            vec![],
        ),
        DoorError::TooLarge => (
            StatusCode::PAYLOAD_TOO_LARGE,
            "resource_exhausted",
            "The request body is larger than 1 MiB.".to_owned(),
            vec![],
        ),
        DoorError::Domain(errors) => domain_error(errors, request_id),
    };
    let body = ErrorBody {
        code,
        message,
        details,
    };
    let mut response = respond(status, body);
    if status == StatusCode::UNAUTHORIZED {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
    }
    response
}

/// One Connect code for our problems; ours go in `details`.
fn domain_error(
    errors: &[domain::Error],
    request_id: &str,
) -> (StatusCode, &'static str, String, Vec<Map<String, Value>>) {
    let first = &errors[0];
    let (status, code) = match first {
        domain::Error::Unauthenticated | domain::Error::InvalidToken => {
            (StatusCode::UNAUTHORIZED, "unauthenticated")
        }
        domain::Error::OrganizationNotFound => (StatusCode::NOT_FOUND, "not_found"),
        domain::Error::Forbidden => (StatusCode::FORBIDDEN, "permission_denied"),
        domain::Error::ServiceUnavailable => (StatusCode::SERVICE_UNAVAILABLE, "unavailable"),
        domain::Error::Internal => {
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                "internal",
                first.to_string(),
                vec![Map::from_iter([(
                    "requestId".to_owned(),
                    json!(request_id),
                )])],
            );
        }
        _ if errors.len() == 1 && matches!(first, domain::Error::SlugAlreadyExists { .. }) => {
            (StatusCode::CONFLICT, "already_exists")
        }
        _ if errors.len() == 1 && matches!(first, domain::Error::MaxProjectsReached { .. }) => {
            // Connect's failed_precondition is a 400.
            (StatusCode::BAD_REQUEST, "failed_precondition")
        }
        _ => (StatusCode::BAD_REQUEST, "invalid_argument"),
    };
    let details = errors
        .iter()
        .map(|err| {
            Map::from_iter([
                ("code".to_owned(), json!(err.code().as_str())),
                (
                    "field".to_owned(),
                    json!(err.field().map(|field| frontier_field(&field))),
                ),
                ("message".to_owned(), json!(err.to_string())),
            ])
        })
        .collect();
    (status, code, first.to_string(), details)
}

/// Our field as Frontier names it: the slug is its `name`, the display
/// name its `title`, the organization `org_id`.
fn frontier_field(field: &[domain::Segment]) -> String {
    let renamed = match field.first() {
        Some(domain::Segment::Key(key)) => match key.as_str() {
            "slug" => Some("name"),
            "name" => Some("title"),
            "organizationId" => Some("org_id"),
            _ => None,
        },
        _ => None,
    };
    match renamed {
        Some(name) => name.to_owned(),
        None => field_string(field),
    }
}

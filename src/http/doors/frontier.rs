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
use axum::response::{IntoResponse, Response};
use chrono::SecondsFormat;
use serde::Deserialize;
use serde_json::{Value, json};

use super::{
    Accepted, Checks, DoorError, accept, create_or_resume, field_string, request_id, respond,
    status_of, with_idempotency,
};
use crate::domain::{self, Code, CreateProject, Project};
use crate::http::AppState;

/// `ProjectRequestBody`.
#[derive(Debug, Deserialize)]
struct ProjectBody {
    name: String,
    title: Option<String>,
    org_id: Option<String>,
    metadata: Option<Value>,
}

/// The seed's Connect shape, or the body itself.
#[derive(Debug, Deserialize)]
#[serde(untagged)]
enum Request {
    Wrapped { body: ProjectBody },
    Unwrapped(ProjectBody),
}

/// `POST /v1beta1/organizations/{org_id}/projects`.
pub async fn create_in_organization(
    State(state): State<AppState>,
    Path(org_id): Path<String>,
    headers: HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Response {
    create(state, Some(org_id), headers, body).await
}

/// `POST /v1beta1/projects`.
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
        respond(
            status,
            json!({ "code": connect, "message": message, "details": [{ "code": code.as_str() }] }),
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
                Ok(project) => (
                    StatusCode::OK,
                    axum::Json(json!({ "project": project_json(&project) })),
                )
                    .into_response(),
                Err(errors) => door_error(&DoorError::Domain(errors), &request_id),
            }
        },
    )
    .await
}

fn project_json(project: &Project) -> Value {
    json!({
        "id": project.id,
        "name": project.slug,
        "title": project.name,
        "org_id": project.organization_id,
        "metadata": project.metadata.clone().unwrap_or_else(|| json!({})),
        "created_at": project.created_at.to_rfc3339_opts(SecondsFormat::Secs, true),
        "updated_at": project.updated_at.to_rfc3339_opts(SecondsFormat::Secs, true),
        // The creator, as OWNER.
        "members_count": 1,
    })
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
    let mut response = respond(
        status,
        json!({ "code": code, "message": message, "details": details }),
    );
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
) -> (StatusCode, &'static str, String, Vec<Value>) {
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
                vec![json!({ "requestId": request_id })],
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
            json!({
                "code": err.code().as_str(),
                "field": err.field().map(|field| frontier_field(&field)),
                "message": err.to_string(),
            })
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

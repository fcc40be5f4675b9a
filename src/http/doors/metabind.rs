//! Metabind's door: `POST /v1/organizations/{organizationId}/projects`,
//! with Metabind's body, Project object and `{"error": {code, message,
//! details}}` errors, over the same use case as `createProject`.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
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
use crate::domain::{self, Code, CreateProject, Platform, Project, SettingsInput};
use crate::http::AppState;

/// The request body, as Metabind documents it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = MetabindCreateProject)]
struct Body {
    name: String,
    /// Required by Metabind; a 422 names it when absent.
    #[schema(required = true)]
    slug: Option<String>,
    description: Option<String>,
    settings: Option<Settings>,
}

#[derive(Debug, Default, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = MetabindSettingsInput)]
struct Settings {
    /// A BCP 47 tag, e.g. `en-US`.
    default_locale: Option<String>,
    supported_locales: Option<Vec<String>>,
    /// `mobile`, `tablet` or `desktop`.
    default_platform: Option<String>,
    supported_platforms: Option<Vec<String>>,
    thumbnail_url: Option<String>,
}

/// The Project object of Metabind's documentation.
#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = MetabindProject)]
struct ProjectObject {
    id: Uuid,
    organization_id: Uuid,
    name: String,
    slug: String,
    description: Option<String>,
    /// `active` or `archived`.
    status: String,
    /// The stage: `development`, `staging` or `production`.
    environment: String,
    settings: SettingsObject,
    /// Ids of the projects this one depends on.
    dependencies: Vec<Uuid>,
    permissions: Permissions,
    /// The caller's metadata, with `createdBy` (the creator's id).
    metadata: Map<String, Value>,
    #[schema(format = DateTime)]
    created_at: String,
    #[schema(format = DateTime)]
    updated_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = MetabindSettings)]
struct SettingsObject {
    default_locale: String,
    supported_locales: Vec<String>,
    default_platform: String,
    supported_platforms: Vec<String>,
    thumbnail_url: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = MetabindPermissions)]
struct Permissions {
    public: bool,
}

/// `{"error": {code, message, details}}`.
#[derive(Debug, Serialize, ToSchema)]
#[schema(as = MetabindError)]
struct ErrorBody {
    error: ErrorObject,
}

#[derive(Debug, Serialize, ToSchema)]
#[schema(as = MetabindErrorObject)]
struct ErrorObject {
    /// `VALIDATION_FAILED`, `SLUG_ALREADY_EXISTS`, `MAX_PROJECTS_REACHED`,
    /// `NOT_FOUND`, `UNAUTHORIZED`, … (our codes).
    code: &'static str,
    message: String,
    /// What the code has to say: `{slug}`, `{maxProjects, currentProjects}`,
    /// or for `VALIDATION_FAILED` `{errors: [{code, field, message, details}]}`.
    details: Map<String, Value>,
}

/// Creates a project in the organization.
#[utoipa::path(
    post,
    path = "/v1/organizations/{organizationId}/projects",
    tag = "Metabind",
    operation_id = "metabindCreateProject",
    params(("organizationId" = String, Path, description = "The organization's id.")),
    request_body(content = Body, content_type = "application/json"),
    responses(
        (status = 201, description = "Created.", body = ProjectObject),
        (status = 400, description = "`BAD_REQUEST`: the body is not JSON of this shape.", body = ErrorBody),
        (status = 401, description = "`UNAUTHORIZED`: no token, or an unknown one.", body = ErrorBody),
        (status = 403, description = "`MAX_PROJECTS_REACHED` (the plan's limit) or `FORBIDDEN`.", body = ErrorBody),
        (status = 404, description = "`NOT_FOUND`: no such organization, or not a member.", body = ErrorBody),
        (status = 409, description = "`SLUG_ALREADY_EXISTS`, or `IDEMPOTENCY_KEY_IN_USE`.", body = ErrorBody),
        (status = 413, description = "`PAYLOAD_TOO_LARGE`: the body is over 1 MiB.", body = ErrorBody),
        (status = 415, description = "`UNSUPPORTED_MEDIA_TYPE`: the body is not sent as JSON.", body = ErrorBody),
        (status = 422, description = "`VALIDATION_FAILED` with every problem, or `IDEMPOTENCY_KEY_REUSED`.", body = ErrorBody),
        (status = 429, description = "Too many live Idempotency-Keys.", body = ErrorBody),
        (status = 500, description = "`INTERNAL_SERVER_ERROR`: a fault of ours.", body = ErrorBody),
        (status = 503, description = "The database is busy; retry after `Retry-After`.", body = ErrorBody),
    ),
    security(("bearer" = [])),
)]
pub async fn create_project(
    State(state): State<AppState>,
    Path(organization_id): Path<String>,
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
    // An id that is not a UUID names no organization, like one the caller
    // is not a member of.
    let Ok(organization_id) = Uuid::parse_str(organization_id.trim()) else {
        return door_error(
            &DoorError::Domain(vec![domain::Error::OrganizationNotFound]),
            &request_id,
        );
    };
    let (input, mut problems) = to_domain(organization_id, body);
    if !problems.is_empty() {
        // Metabind's own requirements fail with the rules' problems.
        match state.store.catalogs().await {
            Ok(catalogs) => problems.extend(domain::validate_create(input, &catalogs).errors),
            Err(err) => problems.push(err),
        }
        return door_error(&DoorError::Domain(problems), &request_id);
    }
    let refuse = |code: Code, message: &str| {
        error_body(status_of(code), code.as_str(), message.into(), Map::new())
    };
    with_idempotency(
        &state,
        &headers,
        &raw,
        principal,
        refuse,
        |store, resume| async move {
            match create_or_resume(&store, principal, input, resume).await {
                Ok(project) => respond(StatusCode::CREATED, project_object(&project)),
                Err(errors) => door_error(&DoorError::Domain(errors), &request_id),
            }
        },
    )
    .await
}

/// Metabind's words to ours; problems only this door has (a required
/// slug, a platform name) come back as errors beside the rules' own.
fn to_domain(organization_id: Uuid, body: Body) -> (CreateProject, Vec<domain::Error>) {
    let mut problems = Vec::new();
    if body.slug.is_none() {
        problems.push(domain::Error::bad_input(
            crate::field_path!["slug"],
            "The slug is required.",
        ));
    }
    let settings = body.settings.unwrap_or_default();
    let mut platform = |name: &str, field: domain::FieldPath| {
        Platform::parse(name).or_else(|| {
            problems.push(domain::Error::bad_input(
                field,
                format!("'{name}' is not a platform (mobile, tablet or desktop)."),
            ));
            None
        })
    };
    let default_platform = settings
        .default_platform
        .as_deref()
        .and_then(|name| platform(name, crate::field_path!["settings", "defaultPlatform"]));
    let supported_platforms = settings.supported_platforms.map(|names| {
        names
            .iter()
            .enumerate()
            .filter_map(|(i, name)| {
                platform(
                    name,
                    crate::field_path!["settings", "supportedPlatforms", i],
                )
            })
            .collect()
    });
    let input = CreateProject {
        organization_id: Some(organization_id.to_string()),
        name: body.name,
        slug: body.slug,
        description: body.description,
        settings: Some(SettingsInput {
            default_locale: settings.default_locale,
            supported_locales: settings.supported_locales,
            default_platform,
            supported_platforms,
            thumbnail_url: settings.thumbnail_url,
        }),
        ..CreateProject::default()
    };
    (input, problems)
}

/// The Project object of Metabind's documentation.
fn project_object(project: &Project) -> ProjectObject {
    let settings = &project.settings;
    let mut metadata = match &project.metadata {
        Some(Value::Object(fields)) => fields.clone(),
        _ => Map::new(),
    };
    metadata.insert("createdBy".into(), json!(project.created_by));
    let lower = |platform: Platform| platform.as_str().to_ascii_lowercase();
    ProjectObject {
        id: project.id,
        organization_id: project.organization_id,
        name: project.name.clone(),
        slug: project.slug.clone(),
        description: project.description.clone(),
        status: project.status.as_str().to_ascii_lowercase(),
        environment: project.stage.as_str().to_ascii_lowercase(),
        settings: SettingsObject {
            default_locale: settings.default_locale.clone(),
            supported_locales: settings.supported_locales.clone(),
            default_platform: lower(settings.default_platform),
            supported_platforms: settings
                .supported_platforms
                .iter()
                .copied()
                .map(lower)
                .collect(),
            thumbnail_url: settings.thumbnail_url.clone(),
        },
        dependencies: project.dependency_ids.clone(),
        permissions: Permissions {
            public: project.is_public,
        },
        metadata,
        created_at: project
            .created_at
            .to_rfc3339_opts(SecondsFormat::Secs, true),
        updated_at: project
            .updated_at
            .to_rfc3339_opts(SecondsFormat::Secs, true),
    }
}

/// `{"error": {"code", "message", "details"}}` with Metabind's status.
fn door_error(err: &DoorError, request_id: &str) -> Response {
    let (status, code, message, details) = match err {
        DoorError::Malformed(message) => (
            StatusCode::BAD_REQUEST,
            Code::BadRequest.as_str(),
            message.clone(),
            Map::new(),
        ),
        DoorError::MediaType => (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Code::UnsupportedMediaType.as_str(),
            "Send the body as JSON with 'Content-Type: application/json'.".to_owned(),
            Map::new(),
        ),
        DoorError::TooLarge => (
            StatusCode::PAYLOAD_TOO_LARGE,
            Code::PayloadTooLarge.as_str(),
            "The request body is larger than 1 MiB.".to_owned(),
            Map::new(),
        ),
        DoorError::Domain(errors) => domain_status(errors, request_id),
    };
    error_body(status, code, message, details)
}

fn error_body(
    status: StatusCode,
    code: &'static str,
    message: String,
    details: Map<String, Value>,
) -> Response {
    let error = ErrorObject {
        code,
        message,
        details,
    };
    respond(status, ErrorBody { error })
}

/// An error's details as an object (every code's details are one).
fn details_of(err: &domain::Error) -> Map<String, Value> {
    match err.details() {
        Some(Value::Object(details)) => details,
        _ => Map::new(),
    }
}

/// One status for a list of problems: a gate error alone; else any input
/// problem makes it a 422 listing all of them; else the conflict or the
/// plan limit, as Metabind answers them.
fn domain_status(
    errors: &[domain::Error],
    request_id: &str,
) -> (StatusCode, &'static str, String, Map<String, Value>) {
    let first = &errors[0];
    let alone = |code: &'static str, status: StatusCode| {
        (status, code, first.to_string(), details_of(first))
    };
    match first {
        domain::Error::Unauthenticated | domain::Error::InvalidToken => {
            return alone("UNAUTHORIZED", StatusCode::UNAUTHORIZED);
        }
        domain::Error::OrganizationNotFound => return alone("NOT_FOUND", StatusCode::NOT_FOUND),
        domain::Error::Forbidden => return alone("FORBIDDEN", StatusCode::FORBIDDEN),
        domain::Error::ServiceUnavailable => {
            return alone("SERVICE_UNAVAILABLE", StatusCode::SERVICE_UNAVAILABLE);
        }
        domain::Error::Internal => {
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                Code::InternalServerError.as_str(),
                first.to_string(),
                Map::from_iter([("requestId".to_owned(), json!(request_id))]),
            );
        }
        _ => {}
    }
    if let [only] = errors {
        match only {
            domain::Error::SlugAlreadyExists { .. } => {
                return alone("SLUG_ALREADY_EXISTS", StatusCode::CONFLICT);
            }
            domain::Error::MaxProjectsReached { .. } => {
                return alone("MAX_PROJECTS_REACHED", StatusCode::FORBIDDEN);
            }
            _ => {}
        }
    }
    let listed: Vec<Value> = errors
        .iter()
        .map(|err| {
            json!({
                "code": err.code().as_str(),
                "field": err.field().map(|field| field_string(&field)),
                "message": err.to_string(),
                "details": err.details(),
            })
        })
        .collect();
    (
        StatusCode::UNPROCESSABLE_ENTITY,
        "VALIDATION_FAILED",
        format!("The request has {} problem(s).", errors.len()),
        Map::from_iter([("errors".to_owned(), Value::Array(listed))]),
    )
}

//! Metabind's door: `POST /v1/organizations/{organizationId}/projects`,
//! with Metabind's body, Project object and `{"error": {code, message,
//! details}}` errors, over the same use case as `createProject`.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::SecondsFormat;
use serde::Deserialize;
use serde_json::{Value, json};
use uuid::Uuid;

use super::{
    Accepted, Checks, DoorError, accept, create_or_resume, field_string, request_id, respond,
    status_of, with_idempotency,
};
use crate::domain::{self, Code, CreateProject, Platform, Project, SettingsInput};
use crate::http::AppState;

/// The request body, as Metabind documents it.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Body {
    name: String,
    slug: Option<String>,
    description: Option<String>,
    settings: Option<Settings>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct Settings {
    default_locale: Option<String>,
    supported_locales: Option<Vec<String>>,
    default_platform: Option<String>,
    supported_platforms: Option<Vec<String>>,
    thumbnail_url: Option<String>,
}

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
    let refuse =
        |code: Code, message: &str| error_body(status_of(code), code.as_str(), message, json!({}));
    with_idempotency(
        &state,
        &headers,
        &raw,
        principal,
        refuse,
        |store, resume| async move {
            match create_or_resume(&store, principal, input, resume).await {
                Ok(project) => {
                    (StatusCode::CREATED, axum::Json(project_json(&project))).into_response()
                }
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
fn project_json(project: &Project) -> Value {
    let settings = &project.settings;
    let mut metadata = match &project.metadata {
        Some(Value::Object(fields)) => fields.clone(),
        _ => serde_json::Map::new(),
    };
    metadata.insert("createdBy".into(), json!(project.created_by));
    let lower = |platform: Platform| platform.as_str().to_ascii_lowercase();
    json!({
        "id": project.id,
        "organizationId": project.organization_id,
        "name": project.name,
        "slug": project.slug,
        "description": project.description,
        "status": project.status.as_str().to_ascii_lowercase(),
        "environment": project.stage.as_str().to_ascii_lowercase(),
        "settings": {
            "defaultLocale": settings.default_locale,
            "supportedLocales": settings.supported_locales,
            "defaultPlatform": lower(settings.default_platform),
            "supportedPlatforms": settings.supported_platforms.iter().copied().map(lower).collect::<Vec<_>>(),
            "thumbnailUrl": settings.thumbnail_url,
        },
        "dependencies": project.dependency_ids,
        "permissions": { "public": project.is_public },
        "metadata": metadata,
        "createdAt": project.created_at.to_rfc3339_opts(SecondsFormat::Secs, true),
        "updatedAt": project.updated_at.to_rfc3339_opts(SecondsFormat::Secs, true),
    })
}

/// `{"error": {"code", "message", "details"}}` with Metabind's status.
fn door_error(err: &DoorError, request_id: &str) -> Response {
    let (status, code, message, details) = match err {
        DoorError::Malformed(message) => (
            StatusCode::BAD_REQUEST,
            Code::BadRequest.as_str(),
            message.clone(),
            json!({}),
        ),
        DoorError::MediaType => (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            Code::UnsupportedMediaType.as_str(),
            "Send the body as JSON with 'Content-Type: application/json'.".to_owned(),
            json!({}),
        ),
        DoorError::TooLarge => (
            StatusCode::PAYLOAD_TOO_LARGE,
            Code::PayloadTooLarge.as_str(),
            "The request body is larger than 1 MiB.".to_owned(),
            json!({}),
        ),
        DoorError::Domain(errors) => domain_status(errors, request_id),
    };
    error_body(status, code, &message, details)
}

fn error_body(status: StatusCode, code: &str, message: &str, details: Value) -> Response {
    respond(
        status,
        json!({ "error": { "code": code, "message": message, "details": details } }),
    )
}

/// One status for a list of problems: a gate error alone; else any input
/// problem makes it a 422 listing all of them; else the conflict or the
/// plan limit, as Metabind answers them.
fn domain_status(
    errors: &[domain::Error],
    request_id: &str,
) -> (StatusCode, &'static str, String, Value) {
    let first = &errors[0];
    let alone = |code: &'static str, status: StatusCode| {
        (
            status,
            code,
            first.to_string(),
            first.details().unwrap_or(json!({})),
        )
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
                json!({ "requestId": request_id }),
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
        json!({ "errors": listed }),
    )
}

//! `/openapi.json`: the four doors as an OpenAPI 3.1 document, generated
//! (utoipa) from the handlers' annotations and the Rust types their bodies
//! are read into and written from, so it cannot describe a shape the code
//! does not produce. `openapi.json` in the repository is this document;
//! a test keeps them equal and checks every door answer of the suite
//! against it.

use std::sync::LazyLock;

use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use utoipa::openapi::path::Operation;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{ContentBuilder, OneOfBuilder, Ref, RefOr, ResponseBuilder, Schema};
use utoipa::{Modify, OpenApi, PartialSchema, ToSchema};

use super::{datallog, frontier, metabind, unleash};
use crate::graphql::RequestError;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "projects-api: seed-compatible REST endpoints",
        description = "The create-project endpoints of Datallog, Metabind, Unleash and Raystack Frontier, served over the same rules and transaction as the GraphQL `createProject` mutation (`/graphql`). Every door accepts an `Idempotency-Key` header: the same key and body replay the stored answer with `Idempotency-Replayed: true`."
    ),
    paths(
        datallog::create_project,
        metabind::create_project,
        unleash::create_project,
        frontier::create_in_organization,
        frontier::create_project,
    ),
    modifiers(&Security, &SharedRefusals, &DatallogSdk),
    tags(
        (name = "Datallog", description = "Datallog's `POST /api/create-project`; projects go to the caller's personal organization."),
        (name = "Metabind", description = "Metabind's `POST /v1/organizations/{organizationId}/projects`."),
        (name = "Unleash", description = "Unleash's `POST /api/admin/projects`; projects go to the caller's personal organization."),
        (name = "Frontier", description = "Raystack Frontier's project creation, Connect-style errors."),
    )
)]
struct Doors;

/// The document.
pub fn document() -> utoipa::openapi::OpenApi {
    Doors::openapi()
}

/// The document as committed in `openapi.json`: pretty JSON, one newline.
pub fn json() -> String {
    let mut text = document()
        .to_pretty_json()
        .expect("the OpenAPI document serializes");
    text.push('\n');
    text
}

static JSON: LazyLock<String> = LazyLock::new(json);

/// `GET /openapi.json`.
pub async fn serve() -> Response {
    let mut response = JSON.as_str().into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

/// The token forms the doors accept.
struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        let header = |name: &str, description: &str| {
            SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
                name,
                description,
            )))
        };
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .description(Some("`Authorization: Bearer <token>`."))
                    .build(),
            ),
        );
        components.add_security_scheme(
            "datallogToken",
            header(
                "Authorization",
                "`Authorization: Token <token>`, as Datallog's clients send it.",
            ),
        );
        components.add_security_scheme(
            "apiKey",
            header(
                "x-api-key",
                "`x-api-key: <token>`, as Datallog's SDK sends it.",
            ),
        );
        components.add_security_scheme(
            "unleashToken",
            header(
                "Authorization",
                "`Authorization: <token>` with no scheme, as Unleash's clients send it.",
            ),
        );
    }
}

/// What every route may answer before its door runs: a timeout (408) and
/// the rate limit (429), as a [`RequestError`]. A door that has its own
/// 429 (too many Idempotency-Keys) answers one of the two.
struct SharedRefusals;

impl Modify for SharedRefusals {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components
            .schemas
            .insert(RequestError::name().into_owned(), RequestError::schema());
        let mut schemas = Vec::new();
        RequestError::schemas(&mut schemas);
        components.schemas.extend(schemas);
        let shared = || RefOr::Ref(Ref::from_schema_name(RequestError::name()));
        for item in openapi.paths.paths.values_mut() {
            for operation in operations(item) {
                let responses = &mut operation.responses.responses;
                responses.insert(
                    "408".into(),
                    json_response(
                        "The request took longer than the configured time.",
                        shared(),
                    ),
                );
                let own = responses.get("429").and_then(|response| match response {
                    RefOr::T(response) => {
                        response
                            .content
                            .get("application/json")
                            .and_then(|content| match content {
                                RefOr::T(content) => content.schema.clone(),
                                RefOr::Ref(_) => None,
                            })
                    }
                    RefOr::Ref(_) => None,
                });
                let schema = match own {
                    Some(own) => RefOr::T(Schema::OneOf(
                        OneOfBuilder::new().item(shared()).item(own).build(),
                    )),
                    None => shared(),
                };
                responses.insert(
                    "429".into(),
                    json_response(
                        "Too many requests with this token (`RATE_LIMITED`, with `Retry-After`), or the door's own 429.",
                        schema,
                    ),
                );
            }
        }
    }
}

fn operations(item: &mut utoipa::openapi::PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        item.get.as_mut(),
        item.post.as_mut(),
        item.put.as_mut(),
        item.patch.as_mut(),
        item.delete.as_mut(),
    ]
    .into_iter()
    .flatten()
}

fn json_response(description: &str, schema: RefOr<Schema>) -> RefOr<utoipa::openapi::Response> {
    RefOr::T(
        ResponseBuilder::new()
            .description(description)
            .content(
                "application/json",
                ContentBuilder::new().schema(Some(schema)).build(),
            )
            .build(),
    )
}

/// Datallog's SDK posts to `/api/sdk/create-project`: the same operation.
struct DatallogSdk;

impl Modify for DatallogSdk {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let Some(mut item) = openapi.paths.paths.get("/api/create-project").cloned() else {
            return;
        };
        for operation in operations(&mut item) {
            operation.operation_id = Some("datallogSdkCreateProject".into());
            operation.summary = Some("Creates a project (where Datallog's SDK posts).".into());
        }
        openapi
            .paths
            .paths
            .insert("/api/sdk/create-project".into(), item);
    }
}

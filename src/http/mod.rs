//! The HTTP surface: GraphQL over HTTP, the GraphiQL playground, health
//! checks, and the layers every request passes through (request id,
//! tracing, body limit, timeout, compression).

mod auth;
pub mod connections;
pub mod doors;
mod graphiql;
mod graphql;
mod health;
pub mod idempotency;
mod limits;
pub mod persisted;
mod rate_limit;
pub mod subscriptions;

use std::time::Duration;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{HeaderName, HeaderValue, Method, Request, header};
use axum::routing::{get, post};
use tower::ServiceBuilder;
use tower_http::compression::CompressionLayer;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::trace::{DefaultOnResponse, TraceLayer};

pub use auth::{Credentials, authenticate};
pub use rate_limit::Limiter;

use crate::config::{Config, Cors};
use crate::graphql::{AppSchema, SchemaOptions};
use crate::store::Store;

/// Largest request body accepted.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

pub static REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub schema: AppSchema,
    pub request_timeout: Duration,
    pub max_rows_per_request: usize,
    pub limiter: Option<rate_limit::Limiter>,
    pub cors: Cors,
    /// The schema's field types, for null propagation.
    pub output_types: std::sync::Arc<crate::graphql::nulls::OutputTypes>,
    pub persisted: persisted::PersistedOptions,
    pub batch_max: usize,
    pub metrics: std::sync::Arc<crate::metrics::Metrics>,
    /// Whether `/metrics` is served here (not on a listener of its own).
    pub metrics_here: bool,
    /// WebSocket connections and the event hub that wakes their
    /// subscriptions.
    pub websockets: subscriptions::WebSockets,
}

impl AppState {
    pub fn new(store: Store, config: &Config) -> AppState {
        let schema = crate::graphql::build(SchemaOptions {
            introspection: config.introspection,
            webhooks: crate::graphql::WebhookRules {
                allow_private: config.webhooks.allow_private,
                retry_period: config.webhooks.retry.period,
            },
        });
        let output_types =
            std::sync::Arc::new(crate::graphql::nulls::OutputTypes::from_sdl(&schema.sdl()));
        let metrics = crate::metrics::Metrics::new(&store);
        AppState {
            limiter: config
                .rate_limit
                .map(|limit| rate_limit::Limiter::new(limit, metrics.rate_limited.clone())),
            metrics,
            metrics_here: config.metrics_listen.is_none(),
            websockets: subscriptions::WebSockets::new(
                crate::hub::EventHub::default(),
                config.connections.max_connections,
                config.subscription_connections_per_token,
            ),
            store,
            output_types,
            schema,
            request_timeout: config.request_timeout,
            max_rows_per_request: config.max_rows_per_request,
            cors: config.cors.clone(),
            persisted: config.persisted,
            batch_max: config.batch_max,
        }
    }
}

pub fn router(state: AppState) -> Router {
    let assets = Router::new()
        .route("/graphiql/{file}", get(graphiql::asset))
        .layer(CompressionLayer::new());
    let layers = ServiceBuilder::new()
        .layer(SetRequestIdLayer::new(REQUEST_ID.clone(), MakeRequestUuid))
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|request: &Request<_>| {
                    let request_id = request
                        .headers()
                        .get(&REQUEST_ID)
                        .and_then(|value| value.to_str().ok())
                        .unwrap_or_default();
                    let span = tracing::info_span!(
                        "request",
                        otel.name = %format!("HTTP {}", request.method()),
                        otel.kind = "server",
                        method = %request.method(),
                        path = %request.uri().path(),
                        request_id = %request_id,
                    );
                    crate::telemetry::continue_trace(&span, request.headers());
                    span
                })
                .on_response(DefaultOnResponse::new().level(tracing::Level::INFO)),
        )
        .layer(PropagateRequestIdLayer::new(REQUEST_ID.clone()))
        .layer(axum::middleware::from_fn_with_state(
            state.request_timeout,
            limits::timeout,
        ))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES));
    // Everything a token may be rate limited on: GraphQL and the doors.
    let limited = Router::new()
        .route(
            "/graphql",
            get(graphql::get_graphql_or_upgrade).post(graphql::post_graphql),
        )
        .route(
            "/v1/organizations/{organization_id}/projects",
            post(doors::metabind::create_project),
        )
        .route("/api/create-project", post(doors::datallog::create_project))
        .route("/api/admin/projects", post(doors::unleash::create_project))
        .route(
            "/v1beta1/organizations/{org_id}/projects",
            post(doors::frontier::create_in_organization),
        )
        .route("/v1beta1/projects", post(doors::frontier::create_project))
        .route(
            "/api/sdk/create-project",
            post(doors::datallog::create_project),
        )
        .route_layer(axum::middleware::from_fn_with_state(
            state.limiter.clone(),
            rate_limit::limit,
        ));
    let cors = cors_layer(&state.cors);
    let mut router = Router::new();
    if state.metrics_here {
        router = router.route("/metrics", get(serve_metrics));
    }
    let router = router
        .merge(limited)
        .route("/openapi.json", get(doors::openapi::serve))
        .route("/health/live", get(health::live))
        .route("/health/ready", get(health::ready))
        .merge(assets)
        .layer(layers);
    // Outermost, so that a preflight is answered before authentication,
    // rate limits or the body limit see it.
    match cors {
        Some(cors) => router.layer(cors).with_state(state),
        None => router.with_state(state),
    }
}

/// The Prometheus metrics, in the OpenMetrics text format.
pub async fn serve_metrics(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        state.metrics.encode(&state.store),
    )
        .into_response()
}

/// A router that serves only `/metrics`, for `METRICS_LISTEN`.
pub fn metrics_router(state: AppState) -> Router {
    Router::new()
        .route("/metrics", get(serve_metrics))
        .with_state(state)
}

/// CORS for the configured origins: the methods and headers the API
/// uses, the response headers a page may read, and never credentials
/// (tokens travel in the Authorization header, not in cookies).
fn cors_layer(cors: &Cors) -> Option<CorsLayer> {
    let origins = match cors {
        Cors::Off => return None,
        Cors::AnyOrigin => AllowOrigin::any(),
        Cors::Origins(origins) => AllowOrigin::list(
            origins
                .iter()
                .filter_map(|origin| HeaderValue::from_str(origin).ok()),
        ),
    };
    Some(
        CorsLayer::new()
            .allow_origin(origins)
            .allow_methods([Method::GET, Method::POST])
            .allow_headers([
                header::AUTHORIZATION,
                header::CONTENT_TYPE,
                header::ACCEPT,
                HeaderName::from_static("idempotency-key"),
                REQUEST_ID.clone(),
                HeaderName::from_static("traceparent"),
            ])
            .expose_headers([
                REQUEST_ID.clone(),
                HeaderName::from_static("idempotency-replayed"),
                header::RETRY_AFTER,
            ])
            .max_age(Duration::from_secs(3600)),
    )
}

//! GraphQL subscriptions over WebSocket at `/graphql` (graphql-transport-ws,
//! and the older graphql-ws subprotocol), through async-graphql-axum.
//!
//! The token comes in `connection_init`'s payload (`{"Authorization":
//! "Bearer …"}`, `{"x-api-key": "…"}` or `{"token": "…"}`) or in the
//! upgrade request's own headers; without a valid one the connection is
//! closed. Bounds: a connection must say `connection_init` within
//! [`INIT_TIMEOUT`]; a message is at most [`MAX_MESSAGE_BYTES`]; one token
//! may hold `SUBSCRIPTION_CONNECTIONS_PER_TOKEN` connections in a process,
//! and one connection [`MAX_SUBSCRIPTIONS_PER_CONNECTION`] subscriptions;
//! WebSocket connections count against `MAX_CONNECTIONS` like any other.
//!
//! [`MAX_SUBSCRIPTIONS_PER_CONNECTION`]: crate::graphql::subscription::MAX_SUBSCRIPTIONS_PER_CONNECTION

use std::collections::HashMap;
use std::sync::atomic::AtomicUsize;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use async_graphql::Data;
use async_graphql::http::ALL_WEBSOCKET_PROTOCOLS;
use async_graphql_axum::{GraphQLProtocol, GraphQLWebSocket};
use axum::extract::{FromRequestParts, Request, WebSocketUpgrade};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore};

use super::AppState;
use super::auth::{Credentials, authenticate};
use crate::domain::{self, Principal};
use crate::graphql::{Loaders, RequestContext, Subscriber};
use crate::hub::EventHub;

/// How long a new connection may take to send `connection_init`.
pub const INIT_TIMEOUT: Duration = Duration::from_secs(10);
/// The largest WebSocket message the server reads.
pub const MAX_MESSAGE_BYTES: usize = 64 * 1024;
/// How often a subscription checks that its token and membership still
/// hold, and reads its stream even without a wake-up.
pub const RECHECK: Duration = Duration::from_secs(5);

/// The process's WebSocket connections.
#[derive(Clone)]
pub struct WebSockets {
    pub hub: EventHub,
    /// One permit per open connection, shared with the HTTP connection
    /// limit's size.
    slots: Arc<Semaphore>,
    /// Open connections per token.
    per_token: Arc<Mutex<HashMap<String, usize>>>,
    max_per_token: usize,
}

impl WebSockets {
    pub fn new(hub: EventHub, max_connections: usize, max_per_token: usize) -> WebSockets {
        WebSockets {
            hub,
            slots: Arc::new(Semaphore::new(max_connections)),
            per_token: Arc::default(),
            max_per_token,
        }
    }

    /// Counts a connection on `token`, or refuses one past the limit.
    fn hold(&self, token: &str) -> Result<TokenHold, domain::Error> {
        let mut counts = self.per_token.lock().map_err(|_| domain::Error::Internal)?;
        let count = counts.entry(token.to_owned()).or_insert(0);
        if *count >= self.max_per_token {
            return Err(domain::Error::TooManySubscriptions {
                max: self.max_per_token,
                per: "WebSocket connections per token",
            });
        }
        *count += 1;
        Ok(TokenHold {
            counts: self.per_token.clone(),
            token: token.to_owned(),
        })
    }
}

/// A connection counted on its token until the connection ends.
struct TokenHold {
    counts: Arc<Mutex<HashMap<String, usize>>>,
    token: String,
}

impl Drop for TokenHold {
    fn drop(&mut self) {
        if let Ok(mut counts) = self.counts.lock()
            && let Some(count) = counts.get_mut(&self.token)
        {
            *count -= 1;
            if *count == 0 {
                counts.remove(&self.token);
            }
        }
    }
}

/// Whether a request asks to become a WebSocket.
pub fn is_upgrade(headers: &HeaderMap) -> bool {
    headers
        .get(axum::http::header::UPGRADE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.eq_ignore_ascii_case("websocket"))
}

/// Answers a WebSocket upgrade of `/graphql`.
pub async fn upgrade(state: AppState, request: Request) -> Response {
    let (mut parts, _) = request.into_parts();
    let protocol = match GraphQLProtocol::from_request_parts(&mut parts, &state).await {
        Ok(protocol) => protocol,
        Err(_) => {
            return (
                StatusCode::BAD_REQUEST,
                "Ask for the graphql-transport-ws subprotocol (Sec-WebSocket-Protocol).",
            )
                .into_response();
        }
    };
    let upgrade = match WebSocketUpgrade::from_request_parts(&mut parts, &state).await {
        Ok(upgrade) => upgrade,
        Err(rejection) => return rejection.into_response(),
    };
    let Ok(slot) = state.websockets.slots.clone().try_acquire_owned() else {
        return (
            StatusCode::SERVICE_UNAVAILABLE,
            [("retry-after", "1")],
            "Too many WebSocket connections; retry shortly.",
        )
            .into_response();
    };
    let headers = Credentials::from_headers(&parts.headers, false).unwrap_or_default();
    let request_id = parts
        .headers
        .get("x-request-id")
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    upgrade
        .protocols(ALL_WEBSOCKET_PROTOCOLS)
        .max_message_size(MAX_MESSAGE_BYTES)
        .max_frame_size(MAX_MESSAGE_BYTES)
        .on_upgrade(move |socket| serve(state, socket, protocol, headers, request_id, slot))
}

async fn serve(
    state: AppState,
    socket: axum::extract::ws::WebSocket,
    protocol: GraphQLProtocol,
    headers: Credentials,
    request_id: String,
    _slot: OwnedSemaphorePermit,
) {
    let initialised = Arc::new(Notify::new());
    let init = {
        let state = state.clone();
        let initialised = initialised.clone();
        move |payload: serde_json::Value| async move {
            let data = connection_data(&state, &payload, headers, request_id).await;
            initialised.notify_one();
            data.map_err(|err| {
                async_graphql::Error::new(match err {
                    domain::Error::Unauthenticated => "Authentication required: send a token \
                        in connection_init's payload, as {\"Authorization\": \"Bearer <token>\"}."
                        .to_owned(),
                    other => other.to_string(),
                })
            })
        }
    };
    let connection = GraphQLWebSocket::new(socket, state.schema.clone(), protocol)
        .on_connection_init(init)
        .serve();
    tokio::pin!(connection);
    tokio::select! {
        () = &mut connection => return,
        () = initialised.notified() => {}
        () = tokio::time::sleep(INIT_TIMEOUT) => {
            tracing::debug!("no connection_init in time; closing the WebSocket");
            return;
        }
    }
    connection.await;
}

/// What the connection's subscriptions run with: its principal, a store,
/// loaders without a cache (each event is read fresh) and the subscriber.
async fn connection_data(
    state: &AppState,
    payload: &serde_json::Value,
    headers: Credentials,
    request_id: String,
) -> Result<Data, domain::Error> {
    let credentials = match init_credentials(payload)? {
        Some(credentials) => credentials,
        None => headers,
    };
    let principal: Principal = authenticate(&state.store, &credentials)
        .await?
        .ok_or(domain::Error::Unauthenticated)?;
    let token = credentials
        .authorization
        .or(credentials.api_key)
        .ok_or(domain::Error::Unauthenticated)?;
    let hold = state.websockets.hold(&token)?;
    let loaders = Loaders::data_loader(
        state.store.clone(),
        Some(principal.user_id),
        state.max_rows_per_request,
    );
    loaders.enable_all_cache(false);
    let mut data = Data::default();
    data.insert(state.store.clone());
    data.insert(loaders);
    data.insert(RequestContext {
        principal: Some(principal),
        request_id,
    });
    data.insert(Subscriber {
        token,
        hub: state.websockets.hub.clone(),
        recheck: RECHECK,
        open: Arc::new(AtomicUsize::new(0)),
    });
    data.insert(Arc::new(hold));
    Ok(data)
}

/// The token of a `connection_init` payload, if it carries one.
fn init_credentials(payload: &serde_json::Value) -> Result<Option<Credentials>, domain::Error> {
    let Some(fields) = payload.as_object() else {
        return Ok(None);
    };
    let field = |names: &[&str]| -> Option<String> {
        fields
            .iter()
            .find(|(key, _)| names.iter().any(|name| key.eq_ignore_ascii_case(name)))
            .and_then(|(_, value)| value.as_str())
            .map(|value| value.trim().to_owned())
    };
    let mut headers = HeaderMap::new();
    if let Some(value) = field(&["authorization"]) {
        headers.insert(
            "authorization",
            value.parse().map_err(|_| domain::Error::InvalidToken)?,
        );
    }
    if let Some(value) = field(&["x-api-key", "token", "apiKey"]) {
        headers.insert(
            "x-api-key",
            value.parse().map_err(|_| domain::Error::InvalidToken)?,
        );
    }
    if headers.is_empty() {
        return Ok(None);
    }
    Credentials::from_headers(&headers, false).map(Some)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn init_payloads_carry_tokens_as_the_http_headers_do() {
        let cases = [
            (
                "bearer",
                json!({ "Authorization": "Bearer abc" }),
                Some("abc"),
            ),
            (
                "lower-case key",
                json!({ "authorization": "Token abc" }),
                Some("abc"),
            ),
            ("token key", json!({ "token": "abc" }), Some("abc")),
            ("api key", json!({ "x-api-key": "abc" }), Some("abc")),
            ("nothing", json!({}), None),
            ("not an object", json!(null), None),
        ];
        for (label, payload, want) in cases {
            let found = init_credentials(&payload).unwrap();
            let token = found.and_then(|c| c.authorization.or(c.api_key));
            assert_eq!(token.as_deref(), want, "{label}");
        }
        assert!(init_credentials(&json!({ "Authorization": "Basic abc" })).is_err());
    }
}

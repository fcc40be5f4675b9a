//! Limits every request is held to, refused with a GraphQL-shaped JSON
//! error that names the limit.

use crate::domain::Code;
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::graphql::error_response;

/// Stops a request that takes longer than the configured time: 408 with
/// `REQUEST_TIMEOUT`. Whatever it was doing is dropped, and a transaction
/// it had open is rolled back.
pub async fn timeout(State(limit): State<Duration>, request: Request, next: Next) -> Response {
    match tokio::time::timeout(limit, next.run(request)).await {
        Ok(response) => response,
        Err(_) => json_error(
            StatusCode::REQUEST_TIMEOUT,
            Code::RequestTimeout.as_str(),
            &format!(
                "The request took longer than {} s and was stopped.",
                limit.as_secs()
            ),
        ),
    }
}

pub fn json_error(status: StatusCode, code: &str, message: &str) -> Response {
    let mut response = (status, error_response(code, message).to_string()).into_response();
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

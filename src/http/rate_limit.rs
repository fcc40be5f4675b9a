//! Rate limiting per API token, off unless configured. Each server process
//! keeps its own counters (the `governor` crate's GCRA), so N replicas allow
//! up to N times the rate; a shared limit would need a shared store.
//!
//! Requests without a token are not limited here: all they can do is read
//! the catalogs and introspect.

use crate::domain::Code;
use std::sync::Arc;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use prometheus_client::metrics::counter::Counter;
use sha2::{Digest, Sha256};

use super::limits::json_error;
use crate::config::RateLimit;

#[derive(Clone)]
pub struct Limiter {
    limiter: Arc<DefaultKeyedRateLimiter<[u8; 32]>>,
    /// Requests refused, for `/metrics`.
    refused: Counter,
}

impl Limiter {
    pub fn new(limit: RateLimit, refused: Counter) -> Limiter {
        let quota = Quota::per_second(limit.per_second).allow_burst(limit.burst);
        Limiter {
            limiter: Arc::new(RateLimiter::keyed(quota)),
            refused,
        }
    }

    /// Forgets tokens that have been quiet long enough to be back at a full
    /// burst, so the table does not grow with every token ever seen.
    pub fn forget_idle(&self) {
        self.limiter.retain_recent();
    }
}

/// The key of a request: a hash of the token it carries (the token itself
/// is never kept), or `None` without one.
fn token_key(headers: &HeaderMap) -> Option<[u8; 32]> {
    let token = headers
        .get(header::AUTHORIZATION)
        .or_else(|| headers.get("x-api-key"))?
        .as_bytes();
    Some(Sha256::digest(token).into())
}

pub async fn limit(
    State(limiter): State<Option<Limiter>>,
    request: Request,
    next: Next,
) -> Response {
    let (Some(limiter), Some(key)) = (limiter, token_key(request.headers())) else {
        return next.run(request).await;
    };
    match limiter.limiter.check_key(&key) {
        Ok(()) => next.run(request).await,
        Err(not_until) => {
            limiter.refused.inc();
            refused(not_until.wait_time_from(DefaultClock::default().now()))
        }
    }
}

impl Limiter {
    /// Charges the token of a batch for its operations past the first (the
    /// first was charged as the request came in): all of them, or none and
    /// the refusal.
    pub fn charge_batch(&self, headers: &HeaderMap, operations: usize) -> Option<Response> {
        let key = token_key(headers)?;
        let extra = u32::try_from(operations.saturating_sub(1))
            .ok()
            .and_then(std::num::NonZeroU32::new)?;
        let checked = self.limiter.check_key_n(&key, extra);
        if !matches!(checked, Ok(Ok(()))) {
            self.refused.inc();
        }
        match checked {
            Ok(Ok(())) => None,
            Ok(Err(not_until)) => Some(refused(
                not_until.wait_time_from(DefaultClock::default().now()),
            )),
            // More than the burst can ever allow at once.
            Err(_) => Some(json_error(
                StatusCode::TOO_MANY_REQUESTS,
                Code::RateLimited.as_str(),
                "This batch has more operations than the rate limit's burst allows; send fewer at once.",
            )),
        }
    }
}

/// 429 with the seconds to wait.
fn refused(wait: std::time::Duration) -> Response {
    let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let mut response = json_error(
        StatusCode::TOO_MANY_REQUESTS,
        Code::RateLimited.as_str(),
        &format!("Too many requests with this token; retry in {seconds} s."),
    );
    if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

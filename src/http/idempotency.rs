//! The `Idempotency-Key` flow, for every door: read the header, claim the
//! key, run on a store bound to the claim, then keep (or give up) the
//! response. Outcomes are typed; each door turns them into its own
//! responses.
//!
//! Whether the request created something is what its store recorded on
//! the claim (a committed create), never read back out of a response.

use std::time::Duration;

use axum::http::HeaderMap;
use serde_json::Value;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::domain::{self, Principal};
use crate::store::{Claim, IdempotencyClaim, MAX_STORED_RESPONSE_BYTES, Store};

/// An `Idempotency-Key` sent with a request, and the hash of the body it
/// goes with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key {
    key: String,
    request_hash: String,
}

impl Key {
    /// The `Idempotency-Key` header, if any (1–255 visible ASCII
    /// characters), with the hash of `body` as JSON: the same request sent
    /// again may order its keys differently.
    pub fn from_headers(headers: &HeaderMap, body: &[u8]) -> Result<Option<Key>, &'static str> {
        let Some(value) = headers.get("idempotency-key") else {
            return Ok(None);
        };
        let key = value.as_bytes();
        if key.is_empty() || key.len() > 255 || !key.iter().all(|b| (0x21..=0x7e).contains(b)) {
            return Err("The Idempotency-Key must be 1–255 visible ASCII characters.");
        }
        let canonical = serde_json::from_slice::<Value>(body)
            .map(|value| value.to_string())
            .unwrap_or_default();
        Ok(Some(Key {
            key: String::from_utf8_lossy(key).into_owned(),
            request_hash: hex::encode(Sha256::digest(canonical.as_bytes())),
        }))
    }
}

/// What claiming a key came to.
pub enum Claimed {
    /// Run the request on [`Run::store`], then [`Run::finish`].
    Run(Box<Run>),
    /// The first request's response, to send again.
    Replay { status: u16, body: String },
    /// The first request is still running: retry shortly.
    InUse,
    /// The key was used with another body.
    Reused,
    /// The user holds too many live keys.
    TooMany,
}

/// A request that holds its key.
pub struct Run {
    claim: IdempotencyClaim,
    /// The store to run on: its creates record what they create on the key.
    pub store: Store,
    /// The resource a previous holder created, if any: answer about it and
    /// create nothing.
    pub resume: Option<Uuid>,
}

/// Claims `key` for `principal`, holding it for `lease` (longer than any
/// request may run).
pub async fn claim(
    store: &Store,
    principal: Principal,
    key: &Key,
    lease: Duration,
) -> Result<Claimed, domain::Error> {
    let claimed = store
        .claim_idempotency_key(principal.user_id, &key.key, &key.request_hash, lease)
        .await?;
    let (claim, resume) = match claimed {
        Claim::New(claim) => (claim, None),
        Claim::Resume { claim, resource_id } => (claim, Some(resource_id)),
        Claim::Replay { status, body } => {
            store.metrics().idempotency_replays.inc();
            return Ok(Claimed::Replay { status, body });
        }
        Claim::InUse => return Ok(Claimed::InUse),
        Claim::Reused => return Ok(Claimed::Reused),
        Claim::TooMany => return Ok(Claimed::TooMany),
    };
    Ok(Claimed::Run(Box::new(Run {
        store: store.claimed(claim.clone()),
        claim,
        resume,
    })))
}

impl Run {
    /// Keeps the response of a request that created something (or resumed
    /// a resource) for replays, unless it is too large to keep; gives the
    /// key up when nothing was created, so a retry runs afresh.
    pub async fn finish(self, status: u16, body: &str) {
        let created = self.resume.is_some() || self.store.claim_created();
        let kept = if !created {
            self.store.release_idempotency_key(&self.claim).await
        } else if body.len() <= MAX_STORED_RESPONSE_BYTES {
            self.store
                .complete_idempotency_key(&self.claim, status, body)
                .await
        } else {
            // Too large to keep: a retry resolves it again, about the same
            // resource.
            self.store.unlock_idempotency_key(&self.claim).await
        };
        if let Err(err) = kept {
            // A created resource is recorded on the key, so a retry still
            // creates nothing: it waits for the lease and answers about it.
            tracing::error!(error = %err, "cannot finish an idempotency key");
        }
    }
}

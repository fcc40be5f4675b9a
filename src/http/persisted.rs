//! Persisted documents: Apollo's automatic persisted queries (APQ) and the
//! trusted-documents mode.
//!
//! A request may carry `extensions.persistedQuery = { version: 1,
//! sha256Hash }`. With no `query`, the document registered under the hash
//! runs, or the answer is `PERSISTED_QUERY_NOT_FOUND` and the client sends
//! the document with its hash; that document is registered once it has run
//! without a request error, for an authenticated caller, so any process
//! finds it next time (the table is shared and capped, see
//! `store::documents`).
//!
//! With `TRUSTED_DOCUMENTS_ONLY`, only documents an operator loaded
//! (`projects-api admin trust-documents`) run, sent by hash or in full;
//! anything else is `PERSISTED_QUERY_NOT_IN_LIST`, and nothing registers.

use axum::http::StatusCode;
use sha2::{Digest, Sha256};

use crate::domain::{self, Code};
use crate::store::Store;

/// The largest document APQ registers; a larger one still runs, sent in
/// full each time.
pub const MAX_REGISTERED_DOCUMENT_BYTES: usize = 32 * 1024;

/// How this server treats persisted documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PersistedOptions {
    /// The most documents APQ keeps registered (least recently used ones
    /// go first); 0 turns registration off.
    pub max_registered: u64,
    /// Run trusted documents only.
    pub trusted_only: bool,
}

impl Default for PersistedOptions {
    fn default() -> Self {
        PersistedOptions {
            max_registered: 10_000,
            trusted_only: false,
        }
    }
}

/// A document to register under its hash once it has run well.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Registration {
    hash: String,
}

/// Why a request's persisted document cannot run.
#[derive(Debug, Clone)]
pub enum Refusal {
    /// A malformed `persistedQuery` extension, or a hash that is not the
    /// document's.
    BadRequest(&'static str),
    NotFound,
    NotInList,
    /// The store failed.
    Store(domain::Error),
}

impl Refusal {
    pub fn code(&self) -> Code {
        match self {
            Refusal::BadRequest(_) => Code::BadRequest,
            Refusal::NotFound => Code::PersistedQueryNotFound,
            Refusal::NotInList => Code::PersistedQueryNotInList,
            Refusal::Store(err) => err.code(),
        }
    }

    /// The message; `PersistedQueryNotFound` is what Apollo's clients
    /// match on, besides the code.
    pub fn message(&self) -> String {
        match self {
            Refusal::BadRequest(message) => (*message).to_owned(),
            Refusal::NotFound => "PersistedQueryNotFound".to_owned(),
            Refusal::NotInList => {
                "Only trusted documents run on this server; this one is not among them.".to_owned()
            }
            Refusal::Store(err) => err.to_string(),
        }
    }

    /// The status: a malformed request is 400 however it is read; the
    /// others are request errors, 400 under
    /// `application/graphql-response+json` and 200 under
    /// `application/json` (where Apollo's link expects them).
    pub fn status(&self, graphql_response_json: bool) -> StatusCode {
        match self {
            Refusal::BadRequest(_) => StatusCode::BAD_REQUEST,
            Refusal::Store(err) if err.code() == Code::ServiceUnavailable => {
                StatusCode::SERVICE_UNAVAILABLE
            }
            Refusal::Store(_) => StatusCode::INTERNAL_SERVER_ERROR,
            _ if graphql_response_json => StatusCode::BAD_REQUEST,
            _ => StatusCode::OK,
        }
    }
}

/// The lower-case hex SHA-256 of a document, as APQ names it.
pub fn hash(document: &str) -> String {
    let digest = Sha256::digest(document.as_bytes());
    let mut hex = String::with_capacity(64);
    for byte in digest {
        hex.push_str(&format!("{byte:02x}"));
    }
    hex
}

/// The hash a `persistedQuery` extension names.
fn requested_hash(extension: &async_graphql::Value) -> Result<String, Refusal> {
    let async_graphql::Value::Object(fields) = extension else {
        return Err(Refusal::BadRequest(
            "'extensions.persistedQuery' must be an object { version: 1, sha256Hash }.",
        ));
    };
    let version = fields.get("version");
    if !matches!(version, Some(async_graphql::Value::Number(n)) if n.as_u64() == Some(1)) {
        return Err(Refusal::BadRequest(
            "Only version 1 of persisted queries is supported.",
        ));
    }
    match fields.get("sha256Hash") {
        Some(async_graphql::Value::String(hash))
            if hash.len() == 64
                && hash
                    .bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b)) =>
        {
            Ok(hash.clone())
        }
        _ => Err(Refusal::BadRequest(
            "'sha256Hash' must be 64 lower-case hex digits.",
        )),
    }
}

/// Fills in the request's document from its hash, or checks that the
/// document may run; returns what to register once it has run.
pub async fn resolve(
    store: &Store,
    options: PersistedOptions,
    request: &mut async_graphql::Request,
) -> Result<Option<Registration>, Refusal> {
    let requested = request
        .extensions
        .get("persistedQuery")
        .map(requested_hash)
        .transpose()?;
    let sent = !request.query.trim().is_empty();
    match (requested, sent) {
        (None, false) => Ok(None),
        (None, true) => {
            if options.trusted_only {
                trusted(store, &hash(&request.query)).await?;
            }
            Ok(None)
        }
        (Some(requested), false) => {
            let found = store
                .persisted_document(&requested)
                .await
                .map_err(Refusal::Store)?;
            match found {
                Some(found) if found.trusted || !options.trusted_only => {
                    request.query = found.document;
                    Ok(None)
                }
                _ if options.trusted_only => Err(Refusal::NotInList),
                _ => Err(Refusal::NotFound),
            }
        }
        (Some(requested), true) => {
            if hash(&request.query) != requested {
                return Err(Refusal::BadRequest(
                    "The persisted query's sha256Hash is not the SHA-256 of its query.",
                ));
            }
            if options.trusted_only {
                trusted(store, &requested).await?;
                return Ok(None);
            }
            let registers =
                options.max_registered > 0 && request.query.len() <= MAX_REGISTERED_DOCUMENT_BYTES;
            Ok(registers.then_some(Registration { hash: requested }))
        }
    }
}

async fn trusted(store: &Store, hash: &str) -> Result<(), Refusal> {
    match store.persisted_document(hash).await {
        Ok(Some(found)) if found.trusted => Ok(()),
        Ok(_) => Err(Refusal::NotInList),
        Err(err) => Err(Refusal::Store(err)),
    }
}

/// Registers a document that ran without a request error. A failure is
/// logged, never the caller's problem: the client sends it again.
pub async fn register(
    store: &Store,
    options: PersistedOptions,
    registration: Registration,
    document: &str,
) {
    if let Err(err) = store
        .register_document(&registration.hash, document, options.max_registered)
        .await
    {
        tracing::warn!(error = %err, "could not register a persisted query");
    }
}

/// The documents of a trusted-documents manifest, checked: Apollo's
/// persisted query manifest (`{ "format": "apollo-persisted-query-manifest",
/// "operations": [{ "id", "body", … }] }`) or a map from hash to document
/// (relay-compiler's `persistConfig` output). Every id must be the
/// SHA-256 of its document.
pub fn manifest(json: &serde_json::Value) -> Result<Vec<(String, String)>, String> {
    let pairs: Vec<(String, String)> = match json {
        serde_json::Value::Object(object) if object.contains_key("operations") => {
            let operations = object["operations"]
                .as_array()
                .ok_or("'operations' must be an array")?;
            operations
                .iter()
                .map(|operation| {
                    let id = operation["id"].as_str();
                    let body = operation["body"].as_str();
                    match (id, body) {
                        (Some(id), Some(body)) => Ok((id.to_owned(), body.to_owned())),
                        _ => Err("every operation needs a string 'id' and 'body'".to_owned()),
                    }
                })
                .collect::<Result<_, _>>()?
        }
        serde_json::Value::Object(object) => object
            .iter()
            .map(|(id, body)| match body.as_str() {
                Some(body) => Ok((id.clone(), body.to_owned())),
                None => Err(format!("the document of '{id}' is not a string")),
            })
            .collect::<Result<_, _>>()?,
        _ => return Err("a manifest is a JSON object".to_owned()),
    };
    for (id, body) in &pairs {
        if hash(body) != *id {
            return Err(format!("'{id}' is not the SHA-256 of its document"));
        }
    }
    Ok(pairs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn hash_is_lower_case_hex_sha256() {
        // printf %s "{ __typename }" | sha256sum
        assert_eq!(
            hash("{ __typename }"),
            "7f56e67dd21ab3f30d1ff8b7bed08893f0a0db86449836189b361dd1e56ddb4b"
        );
    }

    #[test]
    fn manifests_in_both_formats_are_checked() {
        let body = "query A { regions { code } }";
        let id = hash(body);
        let apollo = json!({
            "format": "apollo-persisted-query-manifest",
            "version": 1,
            "operations": [{ "id": id, "name": "A", "type": "query", "body": body }],
        });
        assert_eq!(manifest(&apollo), Ok(vec![(id.clone(), body.to_owned())]));
        assert_eq!(
            manifest(&json!({ id.clone(): body })),
            Ok(vec![(id, body.to_owned())])
        );
        let wrong = json!({ "0".repeat(64): body });
        assert!(manifest(&wrong).unwrap_err().contains("not the SHA-256"));
        assert!(manifest(&json!([])).is_err());
    }
}

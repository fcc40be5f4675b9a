//! The seed products' own REST endpoints ("doors"), each a thin adapter
//! over the same use cases as GraphQL (`crate::app`): the product's body
//! in, its status and body out, no rule of its own beyond its words.
//!
//! Served: Datallog, Metabind, Unleash and Frontier (DESIGN.md,
//! "Seed-compatible REST endpoints").

pub mod datallog;
pub mod frontier;
pub mod metabind;
pub mod unleash;

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::http::{HeaderMap, StatusCode, header};
use serde::de::DeserializeOwned;

use super::AppState;
use super::auth::{Credentials, authenticate};
use crate::domain::{self, Principal, Segment};

/// Why a door refuses a request, before its own words are chosen.
#[derive(Debug)]
pub enum DoorError {
    /// The body is not JSON of the door's shape.
    Malformed(String),
    /// The body is not sent as JSON.
    MediaType,
    /// The body is over the limit.
    TooLarge,
    /// The use case's problems (or authentication's).
    Domain(Vec<domain::Error>),
}

impl DoorError {
    pub fn from_domain(errors: Vec<domain::Error>) -> DoorError {
        DoorError::Domain(errors)
    }
}

/// The caller, who must send a token.
pub async fn authenticate_door(
    state: &AppState,
    headers: &HeaderMap,
    bare_authorization: bool,
) -> Result<Principal, domain::Error> {
    let credentials = Credentials::from_headers(headers, bare_authorization)?;
    authenticate(&state.store, &credentials)
        .await?
        .ok_or(domain::Error::Unauthenticated)
}

/// The JSON body, of the door's shape.
pub fn read_json<T: DeserializeOwned>(
    headers: &HeaderMap,
    body: Result<Bytes, BytesRejection>,
) -> Result<T, DoorError> {
    let media = headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if media != "application/json" {
        return Err(DoorError::MediaType);
    }
    let body = match body {
        Ok(body) => body,
        Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
            return Err(DoorError::TooLarge);
        }
        Err(_) => {
            return Err(DoorError::Malformed(
                "The request body could not be read.".into(),
            ));
        }
    };
    serde_json::from_slice(&body)
        .map_err(|err| DoorError::Malformed(format!("The body is not a valid request: {err}.")))
}

/// A field path as one string: `settings.supportedLocales[1]`.
pub fn field_string(field: &[Segment]) -> String {
    let mut text = String::new();
    for segment in field {
        match segment {
            Segment::Key(key) => {
                if !text.is_empty() {
                    text.push('.');
                }
                text.push_str(key);
            }
            Segment::Index(index) => text.push_str(&format!("[{index}]")),
        }
    }
    text
}

pub fn request_id(headers: &HeaderMap) -> String {
    headers
        .get(&super::REQUEST_ID)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

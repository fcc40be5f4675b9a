//! Turning request headers into a principal.
//!
//! A token comes as `Authorization: Bearer <token>`, `Authorization: Token
//! <token>`, or `x-api-key: <token>`. When both headers are sent, both must
//! be valid and name the same user.

use axum::http::HeaderMap;

use crate::domain::{self, Principal};
use crate::store::Store;

/// The token(s) a request carries.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Credentials {
    pub authorization: Option<String>,
    pub api_key: Option<String>,
}

impl Credentials {
    /// Reads the standard headers. `bare_authorization` also accepts an
    /// `Authorization` header with no scheme (Unleash clients send that).
    pub fn from_headers(
        headers: &HeaderMap,
        bare_authorization: bool,
    ) -> Result<Self, domain::Error> {
        let header = |name: &str| -> Result<Option<String>, domain::Error> {
            match headers.get(name) {
                None => Ok(None),
                Some(value) => value
                    .to_str()
                    .map(|s| Some(s.trim().to_owned()))
                    .map_err(|_| domain::Error::InvalidToken),
            }
        };
        let authorization = match header("authorization")? {
            None => None,
            Some(value) => {
                Some(token_of(&value, bare_authorization).ok_or(domain::Error::InvalidToken)?)
            }
        };
        let api_key = header("x-api-key")?;
        if api_key.as_deref() == Some("") {
            return Err(domain::Error::InvalidToken);
        }
        Ok(Credentials {
            authorization,
            api_key,
        })
    }
}

fn token_of(value: &str, bare: bool) -> Option<String> {
    let (scheme, rest) = value.split_once(' ').unwrap_or((value, ""));
    let token = rest.trim();
    if (scheme.eq_ignore_ascii_case("bearer") || scheme.eq_ignore_ascii_case("token"))
        && !token.is_empty()
    {
        return Some(token.to_owned());
    }
    if bare && !value.is_empty() && !value.contains(' ') {
        return Some(value.to_owned());
    }
    None
}

/// The principal behind the credentials: `Ok(None)` when none were sent,
/// `UNAUTHENTICATED` when any is unknown or revoked, or when two name
/// different users.
pub async fn authenticate(
    store: &Store,
    credentials: &Credentials,
) -> Result<Option<Principal>, domain::Error> {
    let mut principal: Option<Principal> = None;
    for token in [&credentials.authorization, &credentials.api_key]
        .into_iter()
        .flatten()
    {
        let found = store
            .authenticate(token)
            .await?
            .ok_or(domain::Error::InvalidToken)?;
        if principal.is_some_and(|seen| seen != found) {
            return Err(domain::Error::InvalidToken);
        }
        principal = Some(found);
    }
    Ok(principal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_of_reads_the_documented_schemes() {
        let cases = [
            ("bearer", "Bearer abc", false, Some("abc")),
            ("token", "Token abc", false, Some("abc")),
            ("lowercase scheme", "bearer abc", false, Some("abc")),
            ("basic is refused", "Basic abc", false, None),
            ("no token", "Bearer ", false, None),
            ("bare refused by default", "abc", false, None),
            ("bare accepted when asked", "abc", true, Some("abc")),
        ];
        for (label, value, bare, want) in cases {
            assert_eq!(token_of(value, bare).as_deref(), want, "{label}");
        }
    }
}

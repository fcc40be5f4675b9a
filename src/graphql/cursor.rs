//! Opaque cursors for connections. A cursor names the list it came from
//! (its kind and organization) and the row it points at; one from another
//! list is refused rather than silently misread.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use uuid::Uuid;

use crate::domain::Error;
use crate::field_path;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CursorKind {
    Project,
    AuditEvent,
}

impl CursorKind {
    fn tag(self) -> &'static str {
        match self {
            CursorKind::Project => "project",
            CursorKind::AuditEvent => "audit",
        }
    }
}

pub fn encode(kind: CursorKind, organization_id: Uuid, id: Uuid) -> String {
    URL_SAFE_NO_PAD.encode(format!("{}:{organization_id}:{id}", kind.tag()))
}

/// The row id of a cursor of `kind` from `organization_id`'s list.
pub fn decode(kind: CursorKind, organization_id: Uuid, cursor: &str) -> Result<Uuid, Error> {
    let invalid = || {
        Error::bad_input(
            field_path!["after"],
            "This cursor does not belong to this list; use an endCursor the same list returned.",
        )
    };
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    let mut parts = text.splitn(3, ':');
    let (Some(tag), Some(organization), Some(id)) = (parts.next(), parts.next(), parts.next())
    else {
        return Err(invalid());
    };
    if tag != kind.tag() || organization != organization_id.to_string() {
        return Err(invalid());
    }
    Uuid::parse_str(id).map_err(|_| invalid())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_other_lists() {
        let (org, other, id) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
        let cursor = encode(CursorKind::Project, org, id);
        assert_eq!(decode(CursorKind::Project, org, &cursor), Ok(id));
        assert!(decode(CursorKind::Project, other, &cursor).is_err());
        assert!(decode(CursorKind::AuditEvent, org, &cursor).is_err());
        assert!(decode(CursorKind::Project, org, "not a cursor!").is_err());
    }
}

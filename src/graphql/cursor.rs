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
    /// A webhook's deliveries (the list's owner is the webhook).
    WebhookDelivery,
}

impl CursorKind {
    fn tag(self) -> &'static str {
        match self {
            CursorKind::Project => "project",
            CursorKind::AuditEvent => "audit",
            CursorKind::WebhookDelivery => "delivery",
        }
    }
}

pub fn encode(kind: CursorKind, organization_id: Uuid, id: Uuid) -> String {
    encode_tagged(kind.tag(), organization_id, id)
}

/// The row id of a cursor of `kind` from `organization_id`'s list.
pub fn decode(kind: CursorKind, organization_id: Uuid, cursor: &str) -> Result<Uuid, Error> {
    let position = decode_tagged(kind.tag(), organization_id, cursor)?;
    Uuid::parse_str(&position).map_err(|_| invalid())
}

/// The cursor of the project event numbered `sequence` in
/// `organization_id`'s stream (events are ordered by number, not id).
pub fn encode_event(organization_id: Uuid, sequence: i64) -> String {
    encode_tagged(EVENT_TAG, organization_id, sequence)
}

/// The event number of a cursor from `organization_id`'s event stream.
pub fn decode_event(organization_id: Uuid, cursor: &str) -> Result<i64, Error> {
    let position = decode_tagged(EVENT_TAG, organization_id, cursor)?;
    match position.parse::<i64>() {
        Ok(sequence) if sequence >= 0 => Ok(sequence),
        _ => Err(invalid()),
    }
}

const EVENT_TAG: &str = "event";

fn invalid() -> Error {
    Error::bad_input(
        field_path!["after"],
        "This cursor does not belong to this list; use an endCursor the same list returned.",
    )
}

fn encode_tagged(tag: &str, organization_id: Uuid, position: impl std::fmt::Display) -> String {
    URL_SAFE_NO_PAD.encode(format!("{tag}:{organization_id}:{position}"))
}

/// The position a cursor names, if it has `tag` and `organization_id`.
fn decode_tagged(tag: &str, organization_id: Uuid, cursor: &str) -> Result<String, Error> {
    let bytes = URL_SAFE_NO_PAD.decode(cursor).map_err(|_| invalid())?;
    let text = String::from_utf8(bytes).map_err(|_| invalid())?;
    let mut parts = text.splitn(3, ':');
    let (Some(found), Some(organization), Some(position)) =
        (parts.next(), parts.next(), parts.next())
    else {
        return Err(invalid());
    };
    if found != tag || organization != organization_id.to_string() {
        return Err(invalid());
    }
    Ok(position.to_owned())
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

    #[test]
    fn event_cursors_round_trip_and_refuse_other_lists() {
        let (org, other) = (Uuid::new_v4(), Uuid::new_v4());
        let cursor = encode_event(org, 42);
        assert_eq!(decode_event(org, &cursor), Ok(42));
        assert!(decode_event(other, &cursor).is_err());
        assert!(decode_event(org, &encode_event(org, -1)).is_err());
        assert!(decode(CursorKind::AuditEvent, org, &cursor).is_err());
        let project = encode(CursorKind::Project, org, Uuid::new_v4());
        assert!(decode_event(org, &project).is_err());
    }
}

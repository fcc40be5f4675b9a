//! Global ids: every object with an `id` answers it as `Type:uuid`
//! (`Project:0193b1c2-…`), so that `node(id:)` knows what to look up and a
//! client cache can key on it across types. Arguments accept the same
//! form, or the bare UUID the REST doors and admin commands print.

use async_graphql::ID;
use uuid::Uuid;

use crate::domain;
use crate::field_path;

/// The object types that are nodes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Project,
    Organization,
    User,
    AuditEvent,
    /// Not a node: `node(id:)` answers null for it.
    Webhook,
    /// Not a node: `node(id:)` answers null for it.
    WebhookDelivery,
}

impl Kind {
    const ALL: [Kind; 6] = [
        Kind::Project,
        Kind::Organization,
        Kind::User,
        Kind::AuditEvent,
        Kind::Webhook,
        Kind::WebhookDelivery,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Kind::Project => "Project",
            Kind::Organization => "Organization",
            Kind::User => "User",
            Kind::AuditEvent => "AuditEvent",
            Kind::Webhook => "Webhook",
            Kind::WebhookDelivery => "WebhookDelivery",
        }
    }
}

/// The global id of `id`, of type `kind`.
pub fn global(kind: Kind, id: Uuid) -> ID {
    ID(format!("{}:{id}", kind.name()))
}

/// The type and UUID a global id names; `None` for anything else (a bare
/// UUID names no type).
pub fn decode(id: &str) -> Option<(Kind, Uuid)> {
    let (name, uuid) = id.trim().split_once(':')?;
    let kind = Kind::ALL.into_iter().find(|kind| kind.name() == name)?;
    Some((kind, Uuid::parse_str(uuid).ok()?))
}

/// The UUID of an argument that names a `kind`: its global id, or a bare
/// UUID; `BAD_USER_INPUT` at `field` otherwise.
pub fn parse(id: &ID, kind: Kind, field: &str) -> Result<Uuid, domain::Error> {
    let text = id.as_str();
    if let Ok(uuid) = Uuid::parse_str(text.trim()) {
        return Ok(uuid);
    }
    match decode(text) {
        Some((found, uuid)) if found == kind => Ok(uuid),
        Some((found, _)) => Err(domain::Error::bad_input(
            field_path![field],
            format!(
                "'{text}' is the id of a {}; a {} id is expected here.",
                found.name(),
                kind.name()
            ),
        )),
        None => Err(domain::Error::bad_input(
            field_path![field],
            format!("'{text}' is not a valid {} id.", kind.name()),
        )),
    }
}

/// An id argument handed on to the domain as text: a global id of `kind`
/// becomes its bare UUID; anything else is left for the domain's own
/// check to report.
pub fn bare(id: &ID, kind: Kind) -> String {
    match decode(id.as_str()) {
        Some((found, uuid)) if found == kind => uuid.to_string(),
        _ => id.0.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn global_ids_name_their_type_and_round_trip() {
        let uuid = Uuid::now_v7();
        let id = global(Kind::Project, uuid);
        assert_eq!(id.as_str(), format!("Project:{uuid}"));
        assert_eq!(decode(&id), Some((Kind::Project, uuid)));
        assert_eq!(parse(&id, Kind::Project, "id"), Ok(uuid));
        assert_eq!(parse(&ID(uuid.to_string()), Kind::Project, "id"), Ok(uuid));
        assert_eq!(bare(&id, Kind::Project), uuid.to_string());
        assert_eq!(bare(&id, Kind::User), id.0);
        let wrong = parse(&id, Kind::Organization, "organizationId").unwrap_err();
        assert_eq!(wrong.code(), domain::Code::BadUserInput);
        assert_eq!(decode(&uuid.to_string()), None);
        assert_eq!(decode("Planet:x"), None);
    }
}

//! Audit events: who did what, to which organization and project.

use chrono::{DateTime, Utc};
use uuid::Uuid;

#[derive(Debug, Clone, PartialEq)]
pub struct AuditEvent {
    pub id: Uuid,
    pub organization_id: Uuid,
    pub actor_id: Uuid,
    /// What happened, e.g. `project.created`.
    pub action: String,
    pub project_id: Option<Uuid>,
    /// The facts of the event; for `project.created`, `{ "input": … }`
    /// with the input as accepted.
    pub payload: serde_json::Value,
    pub created_at: DateTime<Utc>,
}

/// A project event: a change to a project or its members, as the outbox
/// keeps it for subscribers and webhooks.
#[derive(Debug, Clone, PartialEq)]
pub struct ProjectEvent {
    pub id: Uuid,
    pub organization_id: Uuid,
    /// The event's place in its organization's stream: numbers grow in
    /// commit order, from 1.
    pub sequence: i64,
    /// A versioned type, e.g. `project.created.v1`.
    pub event_type: String,
    pub project_id: Option<Uuid>,
    pub actor_id: Option<Uuid>,
    pub occurred_at: DateTime<Utc>,
    /// The facts of the change, as its audit event has them.
    pub payload: serde_json::Value,
}

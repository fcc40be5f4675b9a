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

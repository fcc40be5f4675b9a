//! A webhook: an endpoint an organization's project events are sent to.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "webhooks")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub url: String,
    pub description: String,
    /// The event types it receives, a JSON array of strings.
    #[sea_orm(column_type = "JsonBinary")]
    pub events: Json,
    /// The Standard Webhooks signing secret (`whsec_…`).
    pub secret: String,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    /// Since when every attempt to reach it has failed.
    pub failing_since: Option<DateTimeUtc>,
    /// The number of the last event of its organization fanned out to it.
    pub last_sequence: i64,
    pub created_by: Uuid,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

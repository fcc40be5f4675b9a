//! The sending of one event to one webhook, until it succeeds or is given
//! up.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "webhook_deliveries")]
pub struct Model {
    /// Also the `webhook-id` header: the same on every attempt.
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub webhook_id: Uuid,
    pub organization_id: Uuid,
    pub event_id: Uuid,
    pub event_type: String,
    /// The exact JSON body every attempt sends and signs.
    pub body: String,
    /// `pending`, `succeeded` or `failed`.
    pub status: String,
    pub attempts: i32,
    pub last_response_code: Option<i32>,
    pub last_error: Option<String>,
    /// When a worker may (next) take it; while one sends it, the end of
    /// that worker's lease.
    pub next_attempt_at: DateTimeUtc,
    /// After a failed attempt past this time, the delivery is given up.
    pub retry_until: DateTimeUtc,
    pub created_at: DateTimeUtc,
    pub delivered_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

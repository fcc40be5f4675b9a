//! An event of the outbox: a change to a project or its members, numbered
//! in its organization's commit order.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "project_events")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    /// The event's place in its organization's stream, from 1.
    pub sequence: i64,
    /// A versioned type such as `project.created.v1`.
    #[sea_orm(column_name = "type")]
    pub event_type: String,
    pub project_id: Option<Uuid>,
    pub actor_id: Option<Uuid>,
    pub occurred_at: DateTimeUtc,
    #[sea_orm(column_type = "JsonBinary")]
    pub payload: Json,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! A GraphQL document known by its SHA-256 hash: registered by Apollo's
//! automatic persisted queries, or loaded as a trusted document.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "persisted_documents")]
pub struct Model {
    /// The lower-case hex SHA-256 of `document`.
    #[sea_orm(primary_key, auto_increment = false)]
    pub hash: String,
    pub document: String,
    pub trusted: bool,
    pub created_at: DateTimeUtc,
    pub used_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

//! A project of an organization.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "projects")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub organization_id: Uuid,
    pub name: String,
    pub slug: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub description: Option<String>,
    pub status: String,
    pub stage: String,
    pub mode: String,
    pub default_stickiness: String,
    pub feature_limit: Option<i32>,
    pub is_public: bool,
    pub default_locale: String,
    #[sea_orm(column_type = "JsonBinary")]
    pub supported_locales: Json,
    pub default_platform: String,
    #[sea_orm(column_type = "JsonBinary")]
    pub supported_platforms: Json,
    #[sea_orm(column_type = "Text", nullable)]
    pub thumbnail_url: Option<String>,
    pub deployment_region: Option<String>,
    pub deployment_runtime: Option<String>,
    #[sea_orm(column_type = "JsonBinary", nullable)]
    pub metadata: Option<Json>,
    pub created_by: Uuid,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Set on a soft-deleted project, purged once the grace period is over.
    pub deleted_at: Option<DateTimeUtc>,
    pub deleted_by: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

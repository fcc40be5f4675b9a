//! The region, runtime and environment catalogs, read from their tables
//! so that an operator's edits take effect without a restart.

use sea_orm::{EntityTrait, QueryOrder};

use super::Store;
use super::error::internal;
use crate::domain;
use crate::entity::{environment, region, runtime};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegionEntry {
    pub code: String,
    pub name: String,
    pub available: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuntimeEntry {
    pub code: String,
    pub name: String,
    pub supported: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnvironmentEntry {
    pub name: String,
    pub kind: String,
    pub deprecated: bool,
}

impl Store {
    pub async fn regions(&self) -> Result<Vec<RegionEntry>, domain::Error> {
        let rows = region::Entity::find()
            .order_by_asc(region::Column::Position)
            .all(&self.db)
            .await
            .map_err(internal)?;
        Ok(rows
            .into_iter()
            .map(|row| RegionEntry {
                code: row.code,
                name: row.name,
                available: row.available,
            })
            .collect())
    }

    pub async fn runtimes(&self) -> Result<Vec<RuntimeEntry>, domain::Error> {
        let rows = runtime::Entity::find()
            .order_by_asc(runtime::Column::Position)
            .all(&self.db)
            .await
            .map_err(internal)?;
        Ok(rows
            .into_iter()
            .map(|row| RuntimeEntry {
                code: row.code,
                name: row.name,
                supported: row.supported,
            })
            .collect())
    }

    pub async fn environments(&self) -> Result<Vec<EnvironmentEntry>, domain::Error> {
        environments(&self.db).await
    }
}

pub(super) async fn environments<C: sea_orm::ConnectionTrait>(
    db: &C,
) -> Result<Vec<EnvironmentEntry>, domain::Error> {
    let rows = environment::Entity::find()
        .order_by_asc(environment::Column::Position)
        .all(db)
        .await
        .map_err(internal)?;
    Ok(rows
        .into_iter()
        .map(|row| EnvironmentEntry {
            name: row.name,
            kind: row.kind,
            deprecated: row.deprecated,
        })
        .collect())
}

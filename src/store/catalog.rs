//! The region, runtime and environment catalogs, read from their tables
//! on every use so that an operator's edits take effect without a restart.

use sea_orm::{ConnectionTrait, EntityTrait, QueryOrder};

use super::Store;
use super::error::internal;
use crate::domain::{self, Catalogs, Environment, Region, Runtime};
use crate::entity::{environment, region, runtime};

impl Store {
    pub async fn regions(&self) -> Result<Vec<Region>, domain::Error> {
        regions(&self.conn()).await
    }

    pub async fn runtimes(&self) -> Result<Vec<Runtime>, domain::Error> {
        runtimes(&self.conn()).await
    }

    pub async fn environments(&self) -> Result<Vec<Environment>, domain::Error> {
        environments(&self.conn()).await
    }

    /// All three catalogs, read concurrently.
    pub async fn catalogs(&self) -> Result<Catalogs, domain::Error> {
        let db = self.conn();
        let (regions, runtimes, environments) =
            tokio::try_join!(regions(&db), runtimes(&db), environments(&db))?;
        Ok(Catalogs {
            regions,
            runtimes,
            environments,
        })
    }
}

async fn regions<C: ConnectionTrait>(db: &C) -> Result<Vec<Region>, domain::Error> {
    let rows = region::Entity::find()
        .order_by_asc(region::Column::Position)
        .all(db)
        .await
        .map_err(internal)?;
    Ok(rows
        .into_iter()
        .map(|row| Region {
            code: row.code,
            name: row.name,
            available: row.available,
        })
        .collect())
}

async fn runtimes<C: ConnectionTrait>(db: &C) -> Result<Vec<Runtime>, domain::Error> {
    let rows = runtime::Entity::find()
        .order_by_asc(runtime::Column::Position)
        .all(db)
        .await
        .map_err(internal)?;
    Ok(rows
        .into_iter()
        .map(|row| Runtime {
            code: row.code,
            name: row.name,
            supported: row.supported,
        })
        .collect())
}

async fn environments<C: ConnectionTrait>(db: &C) -> Result<Vec<Environment>, domain::Error> {
    let rows = environment::Entity::find()
        .order_by_asc(environment::Column::Position)
        .all(db)
        .await
        .map_err(internal)?;
    Ok(rows
        .into_iter()
        .map(|row| Environment {
            name: row.name,
            kind: row.kind,
            deprecated: row.deprecated,
        })
        .collect())
}

//! The region, runtime and environment catalogs. The catalog queries read
//! the tables on every use; the create path reads them through a cache
//! that each process refreshes at most every [`CATALOG_TTL`], so that an
//! operator's edits take effect within that time, without a restart, and
//! a create costs no catalog round trips.

use std::sync::Arc;
use std::time::{Duration, Instant};

use sea_orm::{ConnectionTrait, EntityTrait, QueryOrder};
use tokio::sync::Mutex;

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

    /// All three catalogs, as read at most [`CATALOG_TTL`] ago.
    pub async fn catalogs(&self) -> Result<Arc<Catalogs>, domain::Error> {
        let mut cached = self.catalogs.0.lock().await;
        if let Some((read_at, catalogs)) = cached.as_ref()
            && read_at.elapsed() < CATALOG_TTL
        {
            return Ok(catalogs.clone());
        }
        // One reader refreshes while the others wait for its result.
        let db = self.conn();
        let (regions, runtimes, environments) =
            tokio::try_join!(regions(&db), runtimes(&db), environments(&db))?;
        let catalogs = Arc::new(Catalogs {
            regions,
            runtimes,
            environments,
        });
        *cached = Some((Instant::now(), catalogs.clone()));
        Ok(catalogs)
    }
}

/// How long a process uses the catalogs it read before reading them again.
pub const CATALOG_TTL: Duration = Duration::from_secs(5);

/// The catalogs a process read last, and when.
#[derive(Debug, Default, Clone)]
pub struct CatalogCache(Arc<Mutex<Option<Cached>>>);

type Cached = (Instant, Arc<Catalogs>);

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

//! Batched loading for resolvers (async-graphql's DataLoader): every key
//! asked for while one level of a query resolves is fetched in one store
//! call, so a page of 100 projects costs what a page of 5 does.
//!
//! One `Loaders` per request; each key type is its own batch.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};

use async_graphql::dataloader::{HashMapCache, Loader};
use uuid::Uuid;

use crate::domain::{self, Organization, Project, ProjectMember, Role, User};
use crate::store::Store;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct OrganizationKey(pub Uuid);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UserKey(pub Uuid);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ProjectKey(pub Uuid);

/// The members of a project.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct MembersKey(pub Uuid);

/// The caller's role in an organization.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct ViewerRoleKey(pub Uuid);

pub struct Loaders {
    pub store: Store,
    /// The caller, for `ViewerRoleKey`.
    pub viewer: Option<Uuid>,
    /// Rows this request has read so far; see [`Loaders::charge`].
    rows: AtomicUsize,
    /// The most rows it may read.
    max_rows: usize,
}

/// The most rows one request may read, by default. The complexity limit
/// already refuses documents that could ask for more; this holds even
/// where an estimate is wrong (a list longer than its assumed size).
pub const MAX_ROWS_PER_REQUEST: usize = 20_000;

/// Loaded values are kept for the request, so a key asked for on two
/// levels of one query is read once.
pub type DataLoader = async_graphql::dataloader::DataLoader<Loaders, HashMapCache>;

impl Loaders {
    /// Counts `n` rows read; `QUERY_TOO_EXPENSIVE` once the request has
    /// read more than its budget.
    pub fn charge(&self, n: usize) -> Result<(), domain::Error> {
        let total = self.rows.fetch_add(n, Ordering::Relaxed).saturating_add(n);
        if total > self.max_rows {
            return Err(domain::Error::TooManyRows { max: self.max_rows });
        }
        Ok(())
    }

    /// Starts counting rows afresh: a subscription's budget is per event.
    pub fn reset_rows(&self) {
        self.rows.store(0, Ordering::Relaxed);
    }

    pub fn data_loader(store: Store, viewer: Option<Uuid>, max_rows: usize) -> DataLoader {
        DataLoader::with_cache(
            Loaders {
                store,
                viewer,
                rows: AtomicUsize::new(0),
                max_rows,
            },
            tokio::spawn,
            HashMapCache::default(),
        )
    }
}

impl Loader<OrganizationKey> for Loaders {
    type Value = Organization;
    type Error = domain::Error;

    async fn load(
        &self,
        keys: &[OrganizationKey],
    ) -> Result<HashMap<OrganizationKey, Organization>, domain::Error> {
        let ids: Vec<Uuid> = keys.iter().map(|key| key.0).collect();
        let organizations = self.store.organizations_by_ids(&ids).await?;
        self.charge(organizations.len())?;
        Ok(organizations
            .into_iter()
            .map(|organization| (OrganizationKey(organization.id), organization))
            .collect())
    }
}

impl Loader<UserKey> for Loaders {
    type Value = User;
    type Error = domain::Error;

    async fn load(&self, keys: &[UserKey]) -> Result<HashMap<UserKey, User>, domain::Error> {
        let ids: Vec<Uuid> = keys.iter().map(|key| key.0).collect();
        let users = self.store.users_by_ids(&ids).await?;
        self.charge(users.len())?;
        Ok(users
            .into_iter()
            .map(|user| (UserKey(user.id), user))
            .collect())
    }
}

impl Loader<ProjectKey> for Loaders {
    type Value = Project;
    type Error = domain::Error;

    async fn load(
        &self,
        keys: &[ProjectKey],
    ) -> Result<HashMap<ProjectKey, Project>, domain::Error> {
        let ids: Vec<Uuid> = keys.iter().map(|key| key.0).collect();
        let projects = self.store.projects_by_ids(&ids).await?;
        self.charge(projects.len())?;
        Ok(projects
            .into_iter()
            .map(|project| (ProjectKey(project.id), project))
            .collect())
    }
}

impl Loader<MembersKey> for Loaders {
    type Value = Vec<ProjectMember>;
    type Error = domain::Error;

    async fn load(
        &self,
        keys: &[MembersKey],
    ) -> Result<HashMap<MembersKey, Vec<ProjectMember>>, domain::Error> {
        let ids: Vec<Uuid> = keys.iter().map(|key| key.0).collect();
        let mut members = self.store.members_of_projects(&ids).await?;
        self.charge(members.values().map(Vec::len).sum())?;
        Ok(keys
            .iter()
            .map(|key| (*key, members.remove(&key.0).unwrap_or_default()))
            .collect())
    }
}

impl Loader<ViewerRoleKey> for Loaders {
    type Value = Role;
    type Error = domain::Error;

    async fn load(
        &self,
        keys: &[ViewerRoleKey],
    ) -> Result<HashMap<ViewerRoleKey, Role>, domain::Error> {
        let Some(viewer) = self.viewer else {
            return Ok(HashMap::new());
        };
        let ids: Vec<Uuid> = keys.iter().map(|key| key.0).collect();
        let roles = self.store.roles_in(viewer, &ids).await?;
        Ok(roles
            .into_iter()
            .map(|(organization_id, role)| (ViewerRoleKey(organization_id), role))
            .collect())
    }
}

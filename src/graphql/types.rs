//! Output types. Each wraps a domain value; fields that need another read
//! resolve it from the store.

use async_graphql::{
    ComplexObject, Context, Enum, ID, InputValueError, InputValueResult, Interface, Json, Object,
    Scalar, ScalarType, SimpleObject, Value,
};
use chrono::{SecondsFormat, Utc};

use super::connection::{AuditEventConnection, ProjectConnection, ProjectFilter};
use super::cursor::{self, CursorKind};
use super::error::resolver_error;
use super::ids::{self, Kind};
use super::loaders::{MembersKey, OrganizationKey, ProjectKey, UserKey, ViewerRoleKey};
use super::{list_cost, loader, page_cost, principal, store};
use crate::domain;

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "domain::ProjectMode")]
pub enum ProjectMode {
    Open,
    Protected,
    Private,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "domain::Platform")]
pub enum Platform {
    Mobile,
    Tablet,
    Desktop,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "domain::ProjectStatus")]
pub enum ProjectStatus {
    Active,
    Archived,
}

/// Where a project is in its life: Metabind's `environment`.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "domain::ProjectStage")]
pub enum ProjectStage {
    Development,
    Staging,
    Production,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "domain::Role")]
pub enum Role {
    Owner,
    Admin,
    Member,
    Viewer,
}

#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "domain::Plan")]
pub enum Plan {
    Free,
    Pro,
    Enterprise,
}

/// An instant in RFC 3339, always UTC with a `Z` and milliseconds:
/// `2024-03-22T10:00:00.000Z`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DateTime(pub chrono::DateTime<Utc>);

impl From<chrono::DateTime<Utc>> for DateTime {
    fn from(instant: chrono::DateTime<Utc>) -> Self {
        DateTime(instant)
    }
}

#[Scalar(
    name = "DateTime",
    specified_by_url = "https://scalars.graphql.org/andimarek/date-time"
)]
impl ScalarType for DateTime {
    fn parse(value: Value) -> InputValueResult<Self> {
        match &value {
            Value::String(s) => chrono::DateTime::parse_from_rfc3339(s)
                .map(|instant| DateTime(instant.with_timezone(&Utc)))
                .map_err(|_| InputValueError::custom("expected an RFC 3339 date-time")),
            _ => Err(InputValueError::expected_type(value)),
        }
    }

    fn to_value(&self) -> Value {
        Value::String(self.0.to_rfc3339_opts(SecondsFormat::Millis, true))
    }
}

/// An object with a global id (`Type:<uuid>`), which `node(id:)` finds
/// again: Relay's refetchable objects.
// A node lives only while its response is written; boxing the large
// variant would save nothing that matters.
#[allow(clippy::large_enum_variant)]
#[derive(Interface)]
#[graphql(field(name = "id", ty = "ID", desc = "A global id, `Type:<uuid>`."))]
pub enum Node {
    Project(Project),
    Organization(Organization),
    User(User),
    AuditEvent(AuditEvent),
}

/// A person or program that calls the API.
pub struct User(pub domain::User);

#[Object]
impl User {
    /// A global id, `User:<uuid>`.
    async fn id(&self) -> ID {
        ids::global(Kind::User, self.0.id)
    }
    async fn email(&self) -> &str {
        &self.0.email
    }
    async fn name(&self) -> Option<&str> {
        self.0.name.as_deref()
    }
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
    /// The organizations this user belongs to, personal one first. Only
    /// readable on the caller themself.
    #[graphql(complexity = "list_cost(child_complexity)")]
    async fn organizations(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Organization>> {
        let principal = principal(ctx).map_err(|err| resolver_error(ctx, &err))?;
        if principal.user_id != self.0.id {
            return Ok(Vec::new());
        }
        let organizations = store(ctx)
            .organizations_of(self.0.id)
            .await
            .and_then(|organizations| {
                loader(ctx).loader().charge(organizations.len())?;
                Ok(organizations)
            })
            .map_err(|err| resolver_error(ctx, &err))?;
        Ok(organizations
            .into_iter()
            .map(|(organization, _)| Organization(organization))
            .collect())
    }
}

/// An organization: it owns projects, has members and a plan.
pub struct Organization(pub domain::Organization);

#[Object]
impl Organization {
    /// A global id, `Organization:<uuid>`.
    async fn id(&self) -> ID {
        ids::global(Kind::Organization, self.0.id)
    }
    async fn name(&self) -> &str {
        &self.0.name
    }
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    async fn plan(&self) -> Plan {
        self.0.plan.into()
    }
    /// The most non-archived projects the plan allows; null is unlimited.
    async fn max_projects(&self) -> Option<i64> {
        self.0.plan.max_projects()
    }
    /// Whether this is a user's personal organization.
    async fn personal(&self) -> bool {
        self.0.is_personal()
    }
    /// The JSON Schema every project's metadata must satisfy, if any.
    async fn project_metadata_schema(&self) -> Option<Json<serde_json::Value>> {
        self.0.project_metadata_schema.clone().map(Json)
    }
    /// The caller's role here.
    async fn viewer_role(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Role>> {
        let role = loader(ctx)
            .load_one(ViewerRoleKey(self.0.id))
            .await
            .map_err(|err| resolver_error(ctx, &err))?;
        Ok(role.map(Role::from))
    }
    /// The organization's projects in creation order.
    #[graphql(complexity = "page_cost(first, child_complexity)")]
    async fn projects(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "At most 100; default 20.")] first: Option<i32>,
        #[graphql(desc = "The `endCursor` of the previous page.")] after: Option<String>,
        filter: Option<ProjectFilter>,
    ) -> async_graphql::Result<ProjectConnection> {
        let filter = filter.map(ProjectFilter::into_domain).unwrap_or_default();
        self.project_page(ctx, filter, first, after)
            .await
            .map_err(|err| resolver_error(ctx, &err))
    }
    /// A project of the organization by its slug, or by a slug it had
    /// before a rename; `null` when there is none (or it is deleted).
    async fn project(
        &self,
        ctx: &Context<'_>,
        slug: String,
    ) -> async_graphql::Result<Option<Project>> {
        store(ctx)
            .project_by_slug(self.0.id, &slug)
            .await
            .map(|project| project.map(Project))
            .map_err(|err| resolver_error(ctx, &err))
    }
    /// The organization's deleted projects, not yet purged, in creation
    /// order: for its OWNERs and ADMINs (FORBIDDEN for other members).
    #[graphql(complexity = "page_cost(first, child_complexity)")]
    async fn deleted_projects(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "At most 100; default 20.")] first: Option<i32>,
        #[graphql(desc = "The `endCursor` of the previous page.")] after: Option<String>,
    ) -> async_graphql::Result<Option<ProjectConnection>> {
        let res = async {
            let role = loader(ctx).load_one(ViewerRoleKey(self.0.id)).await?;
            if !matches!(role, Some(domain::Role::Owner | domain::Role::Admin)) {
                return Err(domain::Error::Forbidden);
            }
            let filter = domain::ProjectFilter {
                deleted: true,
                ..domain::ProjectFilter::default()
            };
            self.project_page(ctx, filter, first, after).await.map(Some)
        }
        .await;
        res.map_err(|err: domain::Error| resolver_error(ctx, &err))
    }
    /// Who is in the organization, oldest first.
    #[graphql(complexity = "list_cost(child_complexity)")]
    async fn members(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<OrganizationMember>> {
        let members = store(ctx)
            .organization_members(self.0.id)
            .await
            .map_err(|err| resolver_error(ctx, &err))?;
        loader(ctx)
            .loader()
            .charge(members.len())
            .map_err(|err| resolver_error(ctx, &err))?;
        Ok(members
            .into_iter()
            .map(|member| OrganizationMember {
                user_id: member.user_id,
                role: member.role.into(),
                created_at: member.created_at.into(),
            })
            .collect())
    }
    /// What happened in the organization, newest first.
    #[graphql(complexity = "page_cost(first, child_complexity)")]
    async fn audit_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "At most 100; default 20.")] first: Option<i32>,
        #[graphql(desc = "The `endCursor` of the previous page.")] after: Option<String>,
    ) -> async_graphql::Result<AuditEventConnection> {
        let res = async {
            let first = domain::page_size(first)?;
            let after = after
                .map(|cursor| cursor::decode(CursorKind::AuditEvent, self.0.id, &cursor))
                .transpose()?;
            let page = store(ctx)
                .audit_events_page(self.0.id, after, first)
                .await?;
            loader(ctx).loader().charge(page.items.len())?;
            Ok(AuditEventConnection {
                organization_id: self.0.id,
                has_previous_page: after.is_some(),
                page,
            })
        }
        .await;
        res.map_err(|err: domain::Error| resolver_error(ctx, &err))
    }
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
    async fn updated_at(&self) -> DateTime {
        self.0.updated_at.into()
    }
}

#[derive(SimpleObject)]
pub struct ProjectSettings {
    /// A BCP 47 language tag, one of `supportedLocales`.
    pub default_locale: String,
    pub supported_locales: Vec<String>,
    pub default_platform: Platform,
    pub supported_platforms: Vec<Platform>,
    pub thumbnail_url: Option<String>,
}

/// Where and on what a project runs: Datallog's `region` and
/// `docker_version`.
#[derive(SimpleObject)]
pub struct Deployment {
    pub region: String,
    pub runtime: String,
}

#[derive(SimpleObject)]
pub struct ChangeRequestEnvironment {
    pub name: String,
    /// Between 1 and 10.
    pub required_approvals: i32,
}

#[derive(SimpleObject)]
pub struct ProjectPermissions {
    pub public: bool,
}

#[derive(SimpleObject)]
#[graphql(complex)]
pub struct ProjectMember {
    #[graphql(skip)]
    pub user_id: uuid::Uuid,
    pub role: Role,
    pub created_at: DateTime,
}

#[ComplexObject]
impl ProjectMember {
    async fn user(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        load_user(ctx, self.user_id).await
    }
}

/// A user's membership of an organization.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct OrganizationMember {
    #[graphql(skip)]
    pub user_id: uuid::Uuid,
    pub role: Role,
    pub created_at: DateTime,
}

#[ComplexObject]
impl OrganizationMember {
    async fn user(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        load_user(ctx, self.user_id).await
    }
}

async fn load_user(ctx: &Context<'_>, id: uuid::Uuid) -> async_graphql::Result<Option<User>> {
    let user = loader(ctx)
        .load_one(UserKey(id))
        .await
        .map_err(|err| resolver_error(ctx, &err))?;
    Ok(user.map(User))
}

async fn load_members(
    ctx: &Context<'_>,
    project_id: uuid::Uuid,
) -> async_graphql::Result<Vec<domain::ProjectMember>> {
    let members = loader(ctx)
        .load_one(MembersKey(project_id))
        .await
        .map_err(|err| resolver_error(ctx, &err))?;
    Ok(members.unwrap_or_default())
}

impl Organization {
    /// A page of the organization's projects that `filter` lets through.
    /// Dependencies are read only for a selection that asks for them; the
    /// page's projects go to no other resolver.
    async fn project_page(
        &self,
        ctx: &Context<'_>,
        filter: domain::ProjectFilter,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<ProjectConnection, domain::Error> {
        let first = domain::page_size(first)?;
        let after = after
            .map(|cursor| cursor::decode(CursorKind::Project, self.0.id, &cursor))
            .transpose()?;
        let selection = ctx.look_ahead();
        let dependencies = selection.field("nodes").field("dependencies").exists()
            || selection
                .field("edges")
                .field("node")
                .field("dependencies")
                .exists();
        let page = store(ctx)
            .projects_page(self.0.id, &filter, after, first, dependencies)
            .await?;
        loader(ctx).loader().charge(page.items.len())?;
        Ok(ProjectConnection {
            organization_id: self.0.id,
            filter,
            has_previous_page: after.is_some(),
            page,
        })
    }
}

/// A project of an organization.
pub struct Project(pub domain::Project);

#[Object]
impl Project {
    /// A global id, `Project:<uuid>`.
    async fn id(&self) -> ID {
        ids::global(Kind::Project, self.0.id)
    }
    async fn organization(&self, ctx: &Context<'_>) -> async_graphql::Result<Organization> {
        let organization = loader(ctx)
            .load_one(OrganizationKey(self.0.organization_id))
            .await
            .and_then(|organization| organization.ok_or(domain::Error::Internal))
            .map_err(|err| resolver_error(ctx, &err))?;
        Ok(Organization(organization))
    }
    /// The display name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The URL identifier, unique in the organization.
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    async fn description(&self) -> Option<&str> {
        self.0.description.as_deref()
    }
    /// ACTIVE or ARCHIVED; a deleted project keeps the status it had, to
    /// come back with (see `deletedAt`).
    async fn status(&self) -> ProjectStatus {
        self.0.status.into()
    }
    /// Set on a deleted project (listed only in
    /// `Organization.deletedProjects`).
    async fn deleted_at(&self) -> Option<DateTime> {
        self.0.deleted_at.map(Into::into)
    }
    /// When a deleted project is removed for good.
    async fn purge_at(&self, ctx: &Context<'_>) -> Option<DateTime> {
        self.0
            .deleted_at
            .map(|deleted_at| store(ctx).purge_at(deleted_at).into())
    }
    async fn stage(&self) -> ProjectStage {
        self.0.stage.into()
    }
    async fn settings(&self) -> ProjectSettings {
        let settings = &self.0.settings;
        ProjectSettings {
            default_locale: settings.default_locale.clone(),
            supported_locales: settings.supported_locales.clone(),
            default_platform: settings.default_platform.into(),
            supported_platforms: settings
                .supported_platforms
                .iter()
                .map(|platform| (*platform).into())
                .collect(),
            thumbnail_url: settings.thumbnail_url.clone(),
        }
    }
    async fn deployment(&self) -> Option<Deployment> {
        self.0.deployment.as_ref().map(|deployment| Deployment {
            region: deployment.region.clone(),
            runtime: deployment.runtime.clone(),
        })
    }
    async fn mode(&self) -> ProjectMode {
        self.0.mode.into()
    }
    async fn default_stickiness(&self) -> &str {
        &self.0.default_stickiness
    }
    /// The most features the project may hold; null is no limit.
    async fn feature_limit(&self) -> Option<i32> {
        self.0.feature_limit
    }
    /// The names of the environments enabled for the project.
    async fn environments(&self) -> &[String] {
        &self.0.environments
    }
    async fn change_request_environments(&self) -> Vec<ChangeRequestEnvironment> {
        self.0
            .change_request_environments
            .iter()
            .map(|environment| ChangeRequestEnvironment {
                name: environment.name.clone(),
                required_approvals: environment.required_approvals,
            })
            .collect()
    }
    async fn permissions(&self) -> ProjectPermissions {
        ProjectPermissions {
            public: self.0.is_public,
        }
    }
    /// Projects of the same organization this one depends on.
    #[graphql(complexity = "list_cost(child_complexity)")]
    async fn dependencies(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<Project>> {
        let keys = self.0.dependency_ids.iter().map(|id| ProjectKey(*id));
        let mut projects = loader(ctx)
            .load_many(keys)
            .await
            .map_err(|err| resolver_error(ctx, &err))?;
        Ok(self
            .0
            .dependency_ids
            .iter()
            .filter_map(|id| projects.remove(&ProjectKey(*id)))
            .map(Project)
            .collect())
    }
    async fn metadata(&self) -> Option<Json<serde_json::Value>> {
        self.0.metadata.clone().map(Json)
    }
    async fn created_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        load_user(ctx, self.0.created_by).await
    }
    #[graphql(complexity = "list_cost(child_complexity)")]
    async fn members(&self, ctx: &Context<'_>) -> async_graphql::Result<Vec<ProjectMember>> {
        let members = load_members(ctx, self.0.id).await?;
        Ok(members
            .into_iter()
            .map(|member| ProjectMember {
                user_id: member.user_id,
                role: member.role.into(),
                created_at: member.created_at.into(),
            })
            .collect())
    }
    async fn members_count(&self, ctx: &Context<'_>) -> async_graphql::Result<i64> {
        Ok(load_members(ctx, self.0.id).await?.len() as i64)
    }
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
    async fn updated_at(&self) -> DateTime {
        self.0.updated_at.into()
    }
}

/// Something that happened in an organization.
pub struct AuditEvent(pub domain::AuditEvent);

#[Object]
impl AuditEvent {
    /// A global id, `AuditEvent:<uuid>`.
    async fn id(&self) -> ID {
        ids::global(Kind::AuditEvent, self.0.id)
    }
    /// What happened, e.g. `project.created`.
    async fn action(&self) -> &str {
        &self.0.action
    }
    /// Who did it.
    async fn actor(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        load_user(ctx, self.0.actor_id).await
    }
    /// The project it was about, if any.
    async fn project(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Project>> {
        let Some(id) = self.0.project_id else {
            return Ok(None);
        };
        let project = loader(ctx)
            .load_one(ProjectKey(id))
            .await
            .map_err(|err| resolver_error(ctx, &err))?;
        Ok(project.map(Project))
    }
    /// The facts of the event; for `project.created`, the accepted input.
    async fn payload(&self) -> Json<serde_json::Value> {
        Json(self.0.payload.clone())
    }
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
}

/// A region of the catalog; only available ones are accepted.
#[derive(SimpleObject)]
pub struct Region {
    pub code: String,
    pub name: String,
    pub available: bool,
}

impl From<domain::Region> for Region {
    fn from(entry: domain::Region) -> Self {
        Region {
            code: entry.code,
            name: entry.name,
            available: entry.available,
        }
    }
}

/// A runtime of the catalog; only supported ones are accepted.
#[derive(SimpleObject)]
pub struct Runtime {
    pub code: String,
    pub name: String,
    pub supported: bool,
}

impl From<domain::Runtime> for Runtime {
    fn from(entry: domain::Runtime) -> Self {
        Runtime {
            code: entry.code,
            name: entry.name,
            supported: entry.supported,
        }
    }
}

/// An environment of the catalog; deprecated ones are not enabled by
/// default but accepted when named.
#[derive(SimpleObject)]
pub struct Environment {
    pub name: String,
    pub kind: String,
    pub deprecated: bool,
}

impl From<domain::Environment> for Environment {
    fn from(entry: domain::Environment) -> Self {
        Environment {
            name: entry.name,
            kind: entry.kind,
            deprecated: entry.deprecated,
        }
    }
}

//! Output types. Each wraps a domain value; fields that need another read
//! resolve it from the store.

use async_graphql::{
    ComplexObject, Context, Enum, ID, InputValueError, InputValueResult, Interface, Json, Object,
    Scalar, ScalarType, SimpleObject, Value,
};
use chrono::{SecondsFormat, Utc};

use super::connection::{
    AuditEventConnection, ProjectConnection, ProjectEventConnection, ProjectFilter,
};
use super::cursor::{self, CursorKind};
use super::error::resolver_error;
use super::ids::{self, Kind};
use super::loaders::{MembersKey, OrganizationKey, ProjectKey, UserKey, ViewerRoleKey};
use super::{list_cost, loader, page_cost, principal, store};
use crate::domain;

/// Unleash's project mode, "affecting what actions are possible in this
/// project", kept for Unleash clients. This server stores and returns it;
/// who may read or change a project follows roles, whatever the mode.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "domain::ProjectMode")]
pub enum ProjectMode {
    /// Unleash: anyone may propose changes.
    Open,
    /// Unleash: only the project's members may propose changes.
    Protected,
    /// Unleash: the project is hidden from those outside it.
    Private,
}

/// A device class a project's content is built for: Metabind's platforms.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "domain::Platform")]
pub enum Platform {
    /// Phones.
    Mobile,
    /// Tablets.
    Tablet,
    /// Desktop browsers and applications.
    Desktop,
}

/// Whether a project is in use: ACTIVE ⇄ ARCHIVED (archived projects do not count
/// against the plan and cannot be changed until restored).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "domain::ProjectStatus")]
pub enum ProjectStatus {
    /// In use; counts against the plan limit.
    Active,
    /// Kept read-only; `restoreProject` brings it back.
    Archived,
}

/// Where a project is in its life: Metabind's `environment`.
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "domain::ProjectStage")]
pub enum ProjectStage {
    /// Being built.
    Development,
    /// Being tested before release.
    Staging,
    /// Serving real users.
    Production,
}

/// A member's role in an organization or a project (projects use OWNER,
/// MEMBER and VIEWER).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "domain::Role")]
pub enum Role {
    /// May do everything, including managing members and deleting.
    Owner,
    /// May do everything an OWNER may in an organization, but an organization
    /// keeps at least one OWNER.
    Admin,
    /// May create projects and change the ones it owns.
    Member,
    /// May read, never change.
    Viewer,
}

/// An organization's plan; it bounds how many active projects it may have
/// (see `Organization.maxProjects`).
#[derive(Enum, Copy, Clone, Eq, PartialEq, Debug)]
#[graphql(remote = "domain::Plan")]
pub enum Plan {
    /// Up to 10 active projects.
    Free,
    /// Up to 100 active projects.
    Pro,
    /// No limit.
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

/// An instant in RFC 3339, always UTC with a `Z` and milliseconds:
/// `2024-03-22T10:00:00.000Z`. Accepts any RFC 3339 offset.
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

/// A person or program that calls the API.
#[Object]
impl User {
    /// A global id, `User:<uuid>`.
    async fn id(&self) -> ID {
        ids::global(Kind::User, self.0.id)
    }
    /// The e-mail address the user signs in with.
    async fn email(&self) -> &str {
        &self.0.email
    }
    /// The display name, if the user gave one.
    async fn name(&self) -> Option<&str> {
        self.0.name.as_deref()
    }
    /// When the user was created.
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

/// An organization: it owns projects, has members and a plan.
#[Object]
impl Organization {
    /// A global id, `Organization:<uuid>`.
    async fn id(&self) -> ID {
        ids::global(Kind::Organization, self.0.id)
    }
    /// The display name.
    async fn name(&self) -> &str {
        &self.0.name
    }
    /// The URL identifier, unique among organizations.
    async fn slug(&self) -> &str {
        &self.0.slug
    }
    /// The plan, which bounds the number of active projects.
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
        #[graphql(desc = "Which projects to list; default all but deleted ones.")] filter: Option<
            ProjectFilter,
        >,
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
        #[graphql(desc = "The project's current or a former slug.")] slug: String,
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
    /// The changes to the organization's projects and their members, oldest
    /// first, in the order they committed: the same events subscriptions
    /// and webhooks deliver, kept for `EVENT_RETENTION`. Pass the last
    /// event's `cursor` (or `pageInfo.endCursor`) as `after` to read on.
    #[graphql(complexity = "page_cost(first, child_complexity)")]
    async fn project_events(
        &self,
        ctx: &Context<'_>,
        #[graphql(desc = "At most 100; default 20.")] first: Option<i32>,
        #[graphql(desc = "An event's `cursor`: only events after it.")] after: Option<String>,
    ) -> async_graphql::Result<ProjectEventConnection> {
        let res = async {
            let first = domain::page_size(first)?;
            let after = after
                .map(|cursor| cursor::decode_event(self.0.id, &cursor))
                .transpose()?;
            let page = store(ctx)
                .project_events_page(self.0.id, after.unwrap_or(0), first)
                .await?;
            loader(ctx).loader().charge(page.items.len())?;
            Ok(ProjectEventConnection {
                has_previous_page: after.is_some_and(|after| after > 0),
                page,
            })
        }
        .await;
        res.map_err(|err: domain::Error| resolver_error(ctx, &err))
    }
    /// The endpoints the organization's project events are sent to, oldest
    /// first (at most 20): for its OWNERs and ADMINs (FORBIDDEN for other
    /// members).
    #[graphql(complexity = "list_cost(child_complexity)")]
    async fn webhooks(
        &self,
        ctx: &Context<'_>,
    ) -> async_graphql::Result<Vec<super::webhooks::Webhook>> {
        super::webhooks::webhooks_of(ctx, self.0.id).await
    }
    /// When the organization was created.
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
    /// When the organization last changed.
    async fn updated_at(&self) -> DateTime {
        self.0.updated_at.into()
    }
}

/// How a project presents its content: Metabind's settings.
#[derive(SimpleObject)]
pub struct ProjectSettings {
    /// A BCP 47 language tag, one of `supportedLocales`.
    pub default_locale: String,
    /// The BCP 47 language tags the content is offered in.
    pub supported_locales: Vec<String>,
    /// The platform shown first, one of `supportedPlatforms`.
    pub default_platform: Platform,
    /// The platforms the content is built for.
    pub supported_platforms: Vec<Platform>,
    /// An http(s) URL of the project's picture.
    pub thumbnail_url: Option<String>,
}

/// Where and on what a project runs: Datallog's `region` and
/// `docker_version`.
#[derive(SimpleObject)]
pub struct Deployment {
    /// The code of a region of the `regions` catalog.
    pub region: String,
    /// The code of a runtime of the `runtimes` catalog.
    pub runtime: String,
}

/// An environment where changes need approval first: Unleash's change
/// requests.
#[derive(SimpleObject)]
pub struct ChangeRequestEnvironment {
    /// The environment's name, one of the project's `environments`.
    pub name: String,
    /// Between 1 and 10.
    pub required_approvals: i32,
}

/// Who may see a project outside its organization: Frontier's
/// permissions.
#[derive(SimpleObject)]
pub struct ProjectPermissions {
    /// Whether anyone, signed in or not, may read the project.
    pub public: bool,
}

/// A user's membership of a project.
#[derive(SimpleObject)]
#[graphql(complex)]
pub struct ProjectMember {
    #[graphql(skip)]
    pub user_id: uuid::Uuid,
    /// OWNER, MEMBER or VIEWER.
    pub role: Role,
    /// When the user joined the project.
    pub created_at: DateTime,
}

#[ComplexObject]
impl ProjectMember {
    /// The member; null if the caller may not see them.
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
    /// The member's role in the organization.
    pub role: Role,
    /// When the user joined the organization.
    pub created_at: DateTime,
}

#[ComplexObject]
impl OrganizationMember {
    /// The member; null if the caller may not see them.
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

/// The project `id` names, if any and if the caller may see it.
async fn load_project(
    ctx: &Context<'_>,
    id: Option<uuid::Uuid>,
) -> async_graphql::Result<Option<Project>> {
    let Some(id) = id else {
        return Ok(None);
    };
    let project = loader(ctx)
        .load_one(ProjectKey(id))
        .await
        .map_err(|err| resolver_error(ctx, &err))?;
    Ok(project.map(Project))
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

/// A project of an organization.
#[Object]
impl Project {
    /// A global id, `Project:<uuid>`.
    async fn id(&self) -> ID {
        ids::global(Kind::Project, self.0.id)
    }
    /// The organization the project belongs to.
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
    /// A free text up to 4,000 characters.
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
    /// Where the project is in its life.
    async fn stage(&self) -> ProjectStage {
        self.0.stage.into()
    }
    /// How the project presents its content.
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
    /// Where and on what the project runs, if set.
    async fn deployment(&self) -> Option<Deployment> {
        self.0.deployment.as_ref().map(|deployment| Deployment {
            region: deployment.region.clone(),
            runtime: deployment.runtime.clone(),
        })
    }
    /// Unleash's project mode (stored, not enforced here).
    async fn mode(&self) -> ProjectMode {
        self.0.mode.into()
    }
    /// The context field that keeps a user in the same variant: Unleash's
    /// `defaultStickiness` (`default`, `userId`, `sessionId`, `random` or a custom field).
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
    /// The environments where changes need approval first.
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
    /// Who may see the project outside its organization.
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
    /// Free JSON, checked against the organization's
    /// `projectMetadataSchema` when it has one.
    async fn metadata(&self) -> Option<Json<serde_json::Value>> {
        self.0.metadata.clone().map(Json)
    }
    /// Who created the project; null if the caller may not see them.
    async fn created_by(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        load_user(ctx, self.0.created_by).await
    }
    #[graphql(complexity = "list_cost(child_complexity)")]
    /// Who is in the project, oldest first.
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
    /// How many members the project has.
    async fn members_count(&self, ctx: &Context<'_>) -> async_graphql::Result<i64> {
        Ok(load_members(ctx, self.0.id).await?.len() as i64)
    }
    /// When the project was created.
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
    /// When the project last changed; pass it back as `expectedUpdatedAt`
    /// to refuse an update that would overwrite someone else's.
    async fn updated_at(&self) -> DateTime {
        self.0.updated_at.into()
    }
}

/// Something that happened in an organization.
pub struct AuditEvent(pub domain::AuditEvent);

/// Something that happened in an organization.
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
        load_project(ctx, self.0.project_id).await
    }
    /// The facts of the event; for `project.created`, the accepted input.
    async fn payload(&self) -> Json<serde_json::Value> {
        Json(self.0.payload.clone())
    }
    /// When it happened.
    async fn created_at(&self) -> DateTime {
        self.0.created_at.into()
    }
}

pub struct ProjectEvent(pub domain::ProjectEvent);

/// A change to a project or its members, in the order its organization's
/// changes committed. The same events reach subscribers and webhooks.
#[Object]
impl ProjectEvent {
    /// The event's id, `ProjectEvent:<uuid>`: the same wherever the event
    /// is delivered, so a receiver can drop one it has seen.
    async fn id(&self) -> ID {
        ID(format!("ProjectEvent:{}", self.0.id))
    }
    /// The versioned type: `project.created.v1`, `project.updated.v1`,
    /// `project.archived.v1`, `project.restored.v1`, `project.deleted.v1`,
    /// `project.undeleted.v1`, `project.purged.v1`,
    /// `project.member_added.v1`, `project.member_role_updated.v1` or
    /// `project.member_removed.v1`.
    #[graphql(name = "type")]
    async fn event_type(&self) -> &str {
        &self.0.event_type
    }
    /// Where the event is in its organization's stream: pass it as `after`
    /// to read (or subscribe to) what follows it.
    async fn cursor(&self) -> String {
        cursor::encode_event(self.0.organization_id, self.0.sequence)
    }
    /// The id of the project it is about; kept after the project is purged.
    async fn project_id(&self) -> Option<ID> {
        self.0.project_id.map(|id| ids::global(Kind::Project, id))
    }
    /// The project it is about, as it is now: `null` once deleted or purged.
    async fn project(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<Project>> {
        load_project(ctx, self.0.project_id).await
    }
    /// Who made the change.
    async fn actor(&self, ctx: &Context<'_>) -> async_graphql::Result<Option<User>> {
        match self.0.actor_id {
            Some(id) => load_user(ctx, id).await,
            None => Ok(None),
        }
    }
    /// The facts of the change, as its audit event has them: for
    /// `project.created.v1` the accepted input, for `project.updated.v1` the
    /// changed fields before and after, for member events the user and role.
    async fn payload(&self) -> Json<serde_json::Value> {
        Json(self.0.payload.clone())
    }
    /// When the change was made.
    async fn occurred_at(&self) -> DateTime {
        self.0.occurred_at.into()
    }
}

/// A region of the catalog; only available ones are accepted.
#[derive(SimpleObject)]
pub struct Region {
    /// The code to pass as `deployment.region`.
    pub code: String,
    /// A human name.
    pub name: String,
    /// Whether new projects may use it.
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
    /// The code to pass as `deployment.runtime`.
    pub code: String,
    /// A human name.
    pub name: String,
    /// Whether new projects may use it.
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
    /// The name to pass in `environments`.
    pub name: String,
    /// What it is for, e.g. `development` or `production`.
    pub kind: String,
    /// Whether it is left out of the default set.
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

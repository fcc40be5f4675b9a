//! Users, tokens, organizations and memberships.

use std::collections::HashSet;

use chrono::Utc;
use rand::RngCore;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, FromQueryResult,
    PaginatorTrait, QueryFilter, QuerySelect, Statement,
};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use uuid::Uuid;

use super::Store;
use super::error::{internal, violates_unique};
use crate::domain::{
    self, NewOrganization, Organization, Plan, Principal, Role, SlugChoice, User, derive_slug,
};
use crate::entity::{api_token, audit_event, organization, organization_member, user};

/// What `admin create-user` made.
#[derive(Debug, Clone)]
pub struct CreatedUser {
    pub user: User,
    pub organization: Organization,
    pub token: String,
}

#[derive(Debug, Clone)]
pub struct AdminMembership {
    pub organization_id: Uuid,
    pub user_id: Uuid,
    pub role: Role,
}

/// A new token `pat_<id>_<secret>`: the id of its row (32 hex digits, not
/// secret) and 256 random bits, shown once. Only its hash is stored.
fn new_token() -> (Uuid, String, String) {
    let id = Uuid::new_v4();
    let mut secret = [0u8; 32];
    rand::rng().fill_bytes(&mut secret);
    let token = format!("pat_{}_{}", id.simple(), hex::encode(secret));
    let hash = hex::encode(Sha256::digest(token.as_bytes()));
    (id, token, hash)
}

/// The row id a token names, when it has the shape of one of ours.
fn token_id(token: &str) -> Option<Uuid> {
    let (id, secret) = token.strip_prefix("pat_")?.split_once('_')?;
    if id.len() != 32 || secret.len() != 64 || !secret.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    Uuid::try_parse(id).ok()
}

/// Whether `token` hashes to the stored digest, compared in constant time.
/// Tokens carry 256 bits of entropy, so one SHA-256 is enough: there is no
/// password to brute-force.
fn token_matches(token: &str, stored_hash: &str) -> bool {
    let Ok(stored) = hex::decode(stored_hash) else {
        return false;
    };
    let digest: [u8; 32] = Sha256::digest(token.as_bytes()).into();
    digest[..].ct_eq(&stored[..]).into()
}

fn bad_input(field: &str, message: String) -> domain::Error {
    domain::Error::bad_input(vec![field.into()], message)
}

/// The organization whose column `key` (`o.id`, `o.slug`,
/// `o.personal_owner_id`) equals `value`, with `user_id`'s role in it
/// (`None`: not a member), in one round trip; `for_update` also locks its
/// row on PostgreSQL until the transaction ends.
pub(super) async fn organization_with_role(
    conn: &impl ConnectionTrait,
    key: &str,
    value: sea_orm::Value,
    user_id: Uuid,
    for_update: bool,
) -> Result<Option<(organization::Model, Option<Role>)>, domain::Error> {
    let backend = conn.get_database_backend();
    // Numbered placeholders: the user's comes first in the text.
    let (key_param, user_param, lock) = match backend {
        DbBackend::Postgres if for_update => ("$1", "$2", " FOR UPDATE OF o"),
        DbBackend::Postgres => ("$1", "$2", ""),
        _ => ("?1", "?2", ""),
    };
    let sql = format!(
        "SELECT o.*, (SELECT m.role FROM organization_members m \
         WHERE m.organization_id = o.id AND m.user_id = {user_param}) AS role \
         FROM organizations o WHERE {key} = {key_param} LIMIT 1{lock}"
    );
    let statement = Statement::from_sql_and_values(backend, sql, [value, user_id.into()]);
    let Some(row) = conn.query_one_raw(statement).await.map_err(internal)? else {
        return Ok(None);
    };
    let model = organization::Model::from_query_result(&row, "").map_err(internal)?;
    let role: Option<String> = row.try_get("", "role").map_err(internal)?;
    Ok(Some((model, role.as_deref().and_then(Role::parse))))
}

pub(super) fn organization_from(model: organization::Model) -> Result<Organization, domain::Error> {
    let plan = Plan::parse(&model.plan).ok_or_else(|| {
        tracing::error!(plan = %model.plan, organization = %model.id, "unknown plan in database");
        domain::Error::Internal
    })?;
    Ok(Organization {
        id: model.id,
        name: model.name,
        slug: model.slug,
        plan,
        personal_owner_id: model.personal_owner_id,
        project_metadata_schema: model.project_metadata_schema,
        created_at: model.created_at,
        updated_at: model.updated_at,
    })
}

pub(super) fn user_from(model: user::Model) -> User {
    User {
        id: model.id,
        email: model.email,
        name: model.name,
        created_at: model.created_at,
    }
}

/// A free organization slug for `base` (reserved words count as taken).
async fn free_organization_slug<C: ConnectionTrait>(
    db: &C,
    base: &str,
) -> Result<String, domain::Error> {
    let taken_among = |candidates: Vec<String>| async move {
        let mut taken: HashSet<String> = organization::Entity::find()
            .select_only()
            .column(organization::Column::Slug)
            .filter(organization::Column::Slug.is_in(candidates.iter().cloned()))
            .into_tuple::<String>()
            .all(db)
            .await
            .map_err(internal)?
            .into_iter()
            .collect();
        taken.extend(
            candidates
                .into_iter()
                .filter(|slug| domain::RESERVED_ORGANIZATION_SLUGS.contains(&slug.as_str())),
        );
        Ok(taken)
    };
    super::projects::free_slug(base, taken_among).await
}

impl Store {
    /// Creates a user with a personal organization on the FREE plan (the
    /// user its OWNER) and a first token, all or nothing.
    pub async fn create_user(
        &self,
        email: &str,
        name: Option<&str>,
    ) -> Result<CreatedUser, domain::Error> {
        let email = email.trim().to_lowercase();
        if email.is_empty() || !email.contains('@') || email.chars().any(char::is_whitespace) {
            return Err(bad_input(
                "email",
                format!("'{email}' is not an email address."),
            ));
        }
        let name = name.map(str::trim).filter(|name| !name.is_empty());
        // Two creators may race for the same derived organization slug; the
        // loser sees the unique index fire and tries again with a fresh read.
        for _ in 0..5 {
            match self.try_create_user(&email, name).await {
                Err(domain::Error::OrganizationSlugTaken { .. }) => continue,
                res => return res,
            }
        }
        Err(domain::Error::Internal)
    }

    async fn try_create_user(
        &self,
        email: &str,
        name: Option<&str>,
    ) -> Result<CreatedUser, domain::Error> {
        let txn = self.begin_write().await?;
        let now = Utc::now();
        let user = User {
            id: Uuid::now_v7(),
            email: email.to_owned(),
            name: name.map(str::to_owned),
            created_at: now,
        };
        user::Entity::insert(user::ActiveModel {
            id: Set(user.id),
            email: Set(user.email.clone()),
            name: Set(user.name.clone()),
            created_at: Set(now),
        })
        .exec_without_returning(&*txn)
        .await
        .map_err(|err| {
            if violates_unique(&err, "users_email_key", "users", &["email"]) {
                bad_input(
                    "email",
                    format!("A user with the email '{email}' already exists."),
                )
            } else {
                internal(err)
            }
        })?;

        let display = name.unwrap_or_else(|| email.split('@').next().unwrap_or(email));
        let slug = free_organization_slug(&*txn, &derive_slug(display)).await?;
        let organization = Organization {
            id: Uuid::now_v7(),
            name: format!("{display}'s organization"),
            slug,
            plan: Plan::Free,
            personal_owner_id: Some(user.id),
            project_metadata_schema: None,
            created_at: now,
            updated_at: now,
        };
        insert_organization(&*txn, &organization, user.id).await?;
        let token = insert_token(&*txn, user.id).await?;
        txn.commit().await.map_err(internal)?;
        Ok(CreatedUser {
            user,
            organization,
            token,
        })
    }

    /// Creates an organization with the caller as its OWNER on the FREE
    /// plan, and an `organization.created` audit event, all or nothing.
    pub async fn create_organization(
        &self,
        principal: Principal,
        new: &NewOrganization,
    ) -> Result<Organization, domain::Error> {
        // A derived slug may lose a race to another creator; the unique
        // index says so, and the next attempt reads the slugs afresh.
        for _ in 0..5 {
            match self.try_create_organization(principal, new).await {
                Err(domain::Error::OrganizationSlugTaken { .. })
                    if matches!(new.slug, SlugChoice::Derived(_)) =>
                {
                    continue;
                }
                res => return res,
            }
        }
        Err(domain::Error::Internal)
    }

    async fn try_create_organization(
        &self,
        principal: Principal,
        new: &NewOrganization,
    ) -> Result<Organization, domain::Error> {
        let txn = self.begin_write().await?;
        // Lock the creator's row: a user's creates queue here, so the count
        // below cannot race (on SQLite, BEGIN IMMEDIATE already serialises).
        user::Entity::find_by_id(principal.user_id)
            .lock_exclusive()
            .one(&*txn)
            .await
            .map_err(internal)?;
        let owned_ids = sea_orm::sea_query::Query::select()
            .column(organization_member::Column::OrganizationId)
            .from(organization_member::Entity)
            .and_where(organization_member::Column::UserId.eq(principal.user_id))
            .and_where(organization_member::Column::Role.eq(Role::Owner.as_str()))
            .to_owned();
        let owned = organization::Entity::find()
            .filter(organization::Column::PersonalOwnerId.is_null())
            .filter(organization::Column::Id.in_subquery(owned_ids))
            .count(&*txn)
            .await
            .map_err(internal)?;
        if owned >= u64::from(self.max_organizations_per_user) {
            return Err(domain::Error::MaxOrganizationsReached {
                max: self.max_organizations_per_user,
                current: owned,
            });
        }
        let slug = match &new.slug {
            SlugChoice::Explicit(slug) => slug.clone(),
            SlugChoice::Derived(base) => free_organization_slug(&*txn, base).await?,
        };
        let now = Utc::now();
        let organization = Organization {
            id: Uuid::now_v7(),
            name: new.name.clone(),
            slug,
            plan: Plan::Free,
            personal_owner_id: None,
            project_metadata_schema: new.project_metadata_schema.clone(),
            created_at: now,
            updated_at: now,
        };
        insert_organization(&*txn, &organization, principal.user_id).await?;
        audit_event::Entity::insert(audit_event::ActiveModel {
            id: Set(Uuid::now_v7()),
            organization_id: Set(organization.id),
            actor_id: Set(principal.user_id),
            action: Set("organization.created".to_owned()),
            project_id: Set(None),
            payload: Set(serde_json::json!({ "input": {
                "name": organization.name,
                "slug": organization.slug,
                "projectMetadataSchema": organization.project_metadata_schema,
            } })),
            created_at: Set(now),
        })
        .exec_without_returning(&*txn)
        .await
        .map_err(internal)?;
        self.record_created(&txn, organization.id).await?;
        txn.commit().await.map_err(internal)?;
        self.note_created();
        Ok(organization)
    }

    /// Issues another token for an existing user.
    pub async fn create_token(&self, email: &str) -> Result<String, domain::Error> {
        let user = self.user_by_email(email).await?;
        let txn = self.begin_write().await?;
        let token = insert_token(&*txn, user.id).await?;
        txn.commit().await.map_err(internal)?;
        Ok(token)
    }

    /// Revokes a token; later requests with it are `UNAUTHENTICATED`.
    pub async fn revoke_token(&self, token: &str) -> Result<(), domain::Error> {
        let Some(row) = self.active_token(token.trim()).await? else {
            return Err(bad_input(
                "token",
                "No active token matches the one given.".to_owned(),
            ));
        };
        api_token::Entity::update_many()
            .col_expr(
                api_token::Column::RevokedAt,
                sea_orm::sea_query::Expr::value(Utc::now()),
            )
            .filter(api_token::Column::Id.eq(row.id))
            .exec(&self.conn())
            .await
            .map_err(internal)?;
        Ok(())
    }

    /// The principal a token stands for, or `None` when it is unknown or
    /// revoked.
    pub async fn authenticate(&self, token: &str) -> Result<Option<Principal>, domain::Error> {
        let row = self.active_token(token).await?;
        Ok(row.map(|row| Principal {
            user_id: row.user_id,
        }))
    }

    /// The unrevoked token row `token` names, found by its id and accepted
    /// only when the secret's digest matches in constant time: how long
    /// this takes tells nothing about the secret.
    async fn active_token(&self, token: &str) -> Result<Option<api_token::Model>, domain::Error> {
        let Some(id) = token_id(token) else {
            return Ok(None);
        };
        let row = api_token::Entity::find_by_id(id)
            .filter(api_token::Column::RevokedAt.is_null())
            .one(&self.conn())
            .await
            .map_err(internal)?;
        Ok(row.filter(|row| token_matches(token, &row.token_hash)))
    }

    pub async fn user_by_email(&self, email: &str) -> Result<User, domain::Error> {
        let email = email.trim().to_lowercase();
        user::Entity::find()
            .filter(user::Column::Email.eq(&email))
            .one(&self.conn())
            .await
            .map_err(internal)?
            .map(user_from)
            .ok_or_else(|| domain::Error::NotFound {
                message: format!("No user has the email '{email}'."),
            })
    }

    pub async fn user_by_id(&self, id: Uuid) -> Result<Option<User>, domain::Error> {
        Ok(user::Entity::find_by_id(id)
            .one(&self.conn())
            .await
            .map_err(internal)?
            .map(user_from))
    }

    /// An organization named by its UUID or its slug (admin commands).
    pub async fn organization_by_id_or_slug(
        &self,
        id_or_slug: &str,
    ) -> Result<Organization, domain::Error> {
        let query = match Uuid::parse_str(id_or_slug) {
            Ok(id) => organization::Entity::find_by_id(id),
            Err(_) => {
                organization::Entity::find().filter(organization::Column::Slug.eq(id_or_slug))
            }
        };
        let model = query.one(&self.conn()).await.map_err(internal)?;
        let model = model.ok_or_else(|| domain::Error::NotFound {
            message: format!("No organization has the id or slug '{id_or_slug}'."),
        })?;
        organization_from(model)
    }

    /// The organizations a user belongs to, with the user's role in each.
    pub async fn organizations_of(
        &self,
        user_id: Uuid,
    ) -> Result<Vec<(Organization, Role)>, domain::Error> {
        let members = organization_member::Entity::find()
            .filter(organization_member::Column::UserId.eq(user_id))
            .all(&self.conn())
            .await
            .map_err(internal)?;
        let models = organization::Entity::find()
            .filter(organization::Column::Id.is_in(members.iter().map(|m| m.organization_id)))
            .all(&self.conn())
            .await
            .map_err(internal)?;
        let mut organizations = Vec::with_capacity(models.len());
        for model in models {
            let role = members
                .iter()
                .find(|member| member.organization_id == model.id)
                .and_then(|member| Role::parse(&member.role));
            if let Some(role) = role {
                organizations.push((organization_from(model)?, role));
            }
        }
        organizations.sort_by_key(|(organization, _)| {
            (
                organization.personal_owner_id != Some(user_id),
                organization.created_at,
            )
        });
        Ok(organizations)
    }

    /// Adds a user to an organization, or changes the role they have there.
    pub async fn add_member(
        &self,
        organization: &str,
        email: &str,
        role: Role,
    ) -> Result<AdminMembership, domain::Error> {
        let organization = self.organization_by_id_or_slug(organization).await?;
        let user = self.user_by_email(email).await?;
        let txn = self.begin_write().await?;
        organization_member::Entity::insert(organization_member::ActiveModel {
            organization_id: Set(organization.id),
            user_id: Set(user.id),
            role: Set(role.as_str().to_owned()),
            created_at: Set(Utc::now()),
        })
        .on_conflict(
            sea_orm::sea_query::OnConflict::columns([
                organization_member::Column::OrganizationId,
                organization_member::Column::UserId,
            ])
            .update_column(organization_member::Column::Role)
            .to_owned(),
        )
        .exec_without_returning(&*txn)
        .await
        .map_err(internal)?;
        txn.commit().await.map_err(internal)?;
        Ok(AdminMembership {
            organization_id: organization.id,
            user_id: user.id,
            role,
        })
    }

    /// Changes an organization's plan (admin only).
    pub async fn set_plan(
        &self,
        organization: &str,
        plan: Plan,
    ) -> Result<Organization, domain::Error> {
        let mut organization = self.organization_by_id_or_slug(organization).await?;
        let now = Utc::now();
        organization::Entity::update_many()
            .col_expr(
                organization::Column::Plan,
                sea_orm::sea_query::Expr::value(plan.as_str()),
            )
            .col_expr(
                organization::Column::UpdatedAt,
                sea_orm::sea_query::Expr::value(now),
            )
            .filter(organization::Column::Id.eq(organization.id))
            .exec(&self.conn())
            .await
            .map_err(internal)?;
        organization.plan = plan;
        organization.updated_at = now;
        Ok(organization)
    }

    /// Sets (or clears) the JSON Schema every new project's metadata in the
    /// organization must satisfy. A schema that does not compile is refused.
    pub async fn set_project_metadata_schema(
        &self,
        organization_id: Uuid,
        schema: Option<serde_json::Value>,
    ) -> Result<(), domain::Error> {
        if let Some(schema) = &schema {
            domain::schema_error(schema).map_err(|message| {
                domain::Error::input(
                    domain::Code::InvalidMetadataSchema,
                    vec!["projectMetadataSchema".into()],
                    message,
                )
            })?;
        }
        organization::Entity::update_many()
            .col_expr(
                organization::Column::ProjectMetadataSchema,
                sea_orm::sea_query::Expr::value(schema),
            )
            .col_expr(
                organization::Column::UpdatedAt,
                sea_orm::sea_query::Expr::value(Utc::now()),
            )
            .filter(organization::Column::Id.eq(organization_id))
            .exec(&self.conn())
            .await
            .map_err(internal)?;
        Ok(())
    }
}

/// Writes an organization and its owner's membership; the slug's unique
/// index turns a taken slug into `OrganizationSlugTaken`.
async fn insert_organization<C: ConnectionTrait>(
    db: &C,
    organization: &Organization,
    owner: Uuid,
) -> Result<(), domain::Error> {
    organization::Entity::insert(organization::ActiveModel {
        id: Set(organization.id),
        name: Set(organization.name.clone()),
        slug: Set(organization.slug.clone()),
        plan: Set(organization.plan.as_str().to_owned()),
        personal_owner_id: Set(organization.personal_owner_id),
        project_metadata_schema: Set(organization.project_metadata_schema.clone()),
        created_at: Set(organization.created_at),
        updated_at: Set(organization.updated_at),
    })
    .exec_without_returning(db)
    .await
    .map_err(|err| {
        if violates_unique(&err, "organizations_slug_key", "organizations", &["slug"]) {
            domain::Error::OrganizationSlugTaken {
                slug: organization.slug.clone(),
            }
        } else {
            internal(err)
        }
    })?;
    organization_member::Entity::insert(organization_member::ActiveModel {
        organization_id: Set(organization.id),
        user_id: Set(owner),
        role: Set(Role::Owner.as_str().to_owned()),
        created_at: Set(organization.created_at),
    })
    .exec_without_returning(db)
    .await
    .map_err(internal)?;
    Ok(())
}

async fn insert_token<C: ConnectionTrait>(db: &C, user_id: Uuid) -> Result<String, domain::Error> {
    let (id, token, token_hash) = new_token();
    api_token::Entity::insert(api_token::ActiveModel {
        id: Set(id),
        user_id: Set(user_id),
        token_hash: Set(token_hash),
        created_at: Set(Utc::now()),
        revoked_at: Set(None),
    })
    .exec_without_returning(db)
    .await
    .map_err(internal)?;
    Ok(token)
}

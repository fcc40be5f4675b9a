//! Who is calling, and what they may do in an organization.

use chrono::{DateTime, Utc};
use uuid::Uuid;

use super::names::named_enum;

/// The authenticated caller of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Principal {
    pub user_id: Uuid,
}

#[derive(Debug, Clone, PartialEq)]
pub struct User {
    pub id: Uuid,
    pub email: String,
    pub name: Option<String>,
    pub created_at: DateTime<Utc>,
}

named_enum! {
    /// A member's role in an organization (and in a project).
    pub enum Role {
        Owner => "OWNER",
        Admin => "ADMIN",
        Member => "MEMBER",
        Viewer => "VIEWER",
    }
}

named_enum! {
    /// An organization's plan; it sets how many projects it may have.
    pub enum Plan {
        Free => "FREE",
        Pro => "PRO",
        Enterprise => "ENTERPRISE",
    }
}

impl Role {
    /// Owners, admins and members create projects; viewers only read.
    pub fn may_create_projects(self) -> bool {
        !matches!(self, Role::Viewer)
    }
}

impl Plan {
    /// The number of non-archived projects the plan allows; `None` is
    /// unlimited.
    pub fn max_projects(self) -> Option<i64> {
        match self {
            Plan::Free => Some(10),
            Plan::Pro => Some(100),
            Plan::Enterprise => None,
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Organization {
    pub id: Uuid,
    pub name: String,
    pub slug: String,
    pub plan: Plan,
    /// Set on a user's personal organization: that user.
    pub personal_owner_id: Option<Uuid>,
    pub project_metadata_schema: Option<serde_json::Value>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

impl Organization {
    pub fn is_personal(&self) -> bool {
        self.personal_owner_id.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_and_plans_round_trip_through_their_names() {
        for role in Role::ALL {
            assert_eq!(Role::parse(role.as_str()), Some(*role));
        }
        for plan in Plan::ALL {
            assert_eq!(Plan::parse(&plan.as_str().to_lowercase()), Some(*plan));
        }
        assert_eq!(Role::parse("superuser"), None);
    }

    #[test]
    fn only_viewers_may_not_create_projects() {
        let creators: Vec<_> = Role::ALL
            .iter()
            .copied()
            .filter(|role| role.may_create_projects())
            .collect();
        assert_eq!(creators, [Role::Owner, Role::Admin, Role::Member]);
    }

    #[test]
    fn plans_limit_projects_as_documented() {
        assert_eq!(Plan::Free.max_projects(), Some(10));
        assert_eq!(Plan::Pro.max_projects(), Some(100));
        assert_eq!(Plan::Enterprise.max_projects(), None);
    }
}

//! What may happen to a project after its creation, and who may do it:
//! update, archive and restore, delete and bring back, manage members.
//!
//! ```text
//!   create ─▶ ACTIVE ⇄ ARCHIVED        (archive / restore)
//!               │         │
//!               └────┬────┘
//!                    ▼ delete (confirmSlug)
//!                 DELETED ─▶ purged after the grace period
//!                    │
//!                    └─▶ back to ACTIVE or ARCHIVED (restoreDeletedProject)
//! ```
//!
//! The store reads the facts with the organization locked and asks these
//! functions for the verdict.

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use uuid::Uuid;

use super::error::Error;
use super::identity::{Plan, Role};

/// Something a caller may ask to do to an existing project.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ProjectAction {
    Update,
    Archive,
    Restore,
    Delete,
    /// Bring back a deleted project: only where deleted projects are
    /// visible, to the organization's OWNER and ADMIN.
    RestoreDeleted,
    ManageMembers,
}

/// Who may do what to a project: the organization's OWNER and ADMIN
/// anything; a MEMBER what it may do to projects it owns (the project's
/// OWNER role); a VIEWER nothing. A caller outside the organization learns
/// nothing, not even that the project exists.
pub fn check_project_action(
    action: ProjectAction,
    organization_role: Option<Role>,
    project_role: Option<Role>,
) -> Result<(), Error> {
    match (organization_role, action) {
        (None, _) => Err(Error::ProjectNotFound),
        (Some(Role::Owner | Role::Admin), _) => Ok(()),
        (Some(_), ProjectAction::RestoreDeleted) => Err(Error::ProjectNotFound),
        (Some(Role::Member), _) if project_role == Some(Role::Owner) => Ok(()),
        (Some(_), _) => Err(Error::Forbidden),
    }
}

/// Who may manage an organization's members: its OWNERs and ADMINs; an
/// ADMIN may not make, demote or remove an OWNER.
pub fn check_organization_members_change(
    caller: Option<Role>,
    from: Option<Role>,
    to: Option<Role>,
) -> Result<(), Error> {
    match caller {
        None => Err(Error::OrganizationNotFound),
        Some(Role::Owner) => Ok(()),
        Some(Role::Admin) if from != Some(Role::Owner) && to != Some(Role::Owner) => Ok(()),
        Some(_) => Err(Error::Forbidden),
    }
}

/// Whether a project made active again fits the plan: the same rule as a
/// create's, counted over the organization's active projects.
pub fn check_room_for(plan: Plan, active_projects: i64) -> Result<(), Error> {
    match plan.max_projects() {
        Some(max) if active_projects >= max => Err(Error::MaxProjectsReached {
            max,
            current: active_projects,
        }),
        _ => Ok(()),
    }
}

/// A project's roles are OWNER, MEMBER and VIEWER: ADMIN is an
/// organization's.
pub fn check_project_role(role: Role) -> Result<(), Error> {
    if role == Role::Admin {
        Err(Error::bad_input(
            crate::field_path!["role"],
            "A project member is an OWNER, a MEMBER or a VIEWER; ADMIN is an organization role.",
        ))
    } else {
        Ok(())
    }
}

/// The longest email address there can be (RFC 5321's path limit).
pub const MAX_EMAIL_LEN: usize = 254;

/// An email to find a user by: a bounded string with an `@`, so that a
/// lookup and the error that echoes it stay small.
pub fn check_email(email: &str) -> Result<(), Error> {
    let email = email.trim();
    if email.is_empty() || email.len() > MAX_EMAIL_LEN || !email.contains('@') {
        Err(Error::bad_input(
            crate::field_path!["email"],
            format!("Give an email address of at most {MAX_EMAIL_LEN} characters."),
        ))
    } else {
        Ok(())
    }
}

/// A membership change that would leave no OWNER is refused.
pub fn check_owners_left(owners_after: usize) -> Result<(), Error> {
    if owners_after == 0 {
        Err(Error::LastOwner)
    } else {
        Ok(())
    }
}

/// `expectedUpdatedAt`, when given, must not be older than the project.
/// Compared at the millisecond, the precision clients are given.
pub fn check_not_stale(
    expected: Option<DateTime<Utc>>,
    updated_at: DateTime<Utc>,
) -> Result<(), Error> {
    match expected {
        Some(expected) if to_millis(expected) < to_millis(updated_at) => {
            Err(Error::StaleProject { updated_at })
        }
        _ => Ok(()),
    }
}

/// The `updatedAt` a change writes: now, and always at least a
/// millisecond after the previous one, so that every change is visible to
/// [`check_not_stale`] however close together two of them come.
pub fn next_updated_at(previous: DateTime<Utc>) -> DateTime<Utc> {
    let now = to_millis(Utc::now());
    let after = to_millis(previous) + TimeDelta::milliseconds(1);
    now.max(after)
}

fn to_millis(instant: DateTime<Utc>) -> DateTime<Utc> {
    instant
        .duration_trunc(TimeDelta::milliseconds(1))
        .unwrap_or(instant)
}

/// A project cannot depend on itself, directly or through others.
pub fn dependency_cycle(index: usize, id: Uuid) -> Error {
    Error::input(
        super::Code::DependencyCycle,
        crate::field_path!["dependencyIds", index],
        "A project cannot depend on itself.",
    )
    .with_details(serde_json::json!({ "id": id }))
}

/// A project that depends on another, as a refused delete lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dependant {
    pub id: Uuid,
    pub slug: String,
    pub deleted: bool,
}

/// A project others depend on cannot be deleted: purging it would break
/// them (deleted dependants included, as they may come back).
pub fn check_no_dependants(dependants: Vec<Dependant>) -> Result<(), Error> {
    if dependants.is_empty() {
        Ok(())
    } else {
        Err(Error::ProjectHasDependants { dependants })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn who_may_do_what_to_a_project() {
        use ProjectAction::*;
        let all = [
            Update,
            Archive,
            Restore,
            Delete,
            RestoreDeleted,
            ManageMembers,
        ];
        for action in all {
            for role in [Role::Owner, Role::Admin] {
                assert_eq!(check_project_action(action, Some(role), None), Ok(()));
            }
            assert_eq!(
                check_project_action(action, None, Some(Role::Owner)),
                Err(Error::ProjectNotFound)
            );
            assert_eq!(
                check_project_action(action, Some(Role::Viewer), Some(Role::Owner)),
                Err(if action == RestoreDeleted {
                    Error::ProjectNotFound
                } else {
                    Error::Forbidden
                })
            );
            for project_role in [None, Some(Role::Member), Some(Role::Viewer)] {
                assert!(check_project_action(action, Some(Role::Member), project_role).is_err());
            }
        }
        for action in [Update, Archive, Restore, Delete, ManageMembers] {
            assert_eq!(
                check_project_action(action, Some(Role::Member), Some(Role::Owner)),
                Ok(())
            );
        }
        assert_eq!(
            check_project_action(RestoreDeleted, Some(Role::Member), Some(Role::Owner)),
            Err(Error::ProjectNotFound)
        );
    }

    #[test]
    fn admins_manage_members_but_not_owners() {
        use Role::*;
        assert_eq!(
            check_organization_members_change(Some(Owner), Some(Owner), Some(Member)),
            Ok(())
        );
        assert_eq!(
            check_organization_members_change(Some(Admin), Some(Member), Some(Viewer)),
            Ok(())
        );
        for (from, to) in [(Some(Owner), Some(Admin)), (Some(Member), Some(Owner))] {
            assert_eq!(
                check_organization_members_change(Some(Admin), from, to),
                Err(Error::Forbidden)
            );
        }
        assert_eq!(
            check_organization_members_change(Some(Member), None, Some(Viewer)),
            Err(Error::Forbidden)
        );
        assert_eq!(
            check_organization_members_change(None, None, Some(Viewer)),
            Err(Error::OrganizationNotFound)
        );
    }

    #[test]
    fn staleness_is_judged_at_the_millisecond() {
        let at = "2026-12-05T10:00:00.123456Z"
            .parse::<DateTime<Utc>>()
            .unwrap();
        let seen = "2026-12-05T10:00:00.123Z".parse::<DateTime<Utc>>().unwrap();
        assert_eq!(check_not_stale(Some(seen), at), Ok(()));
        assert_eq!(check_not_stale(None, at), Ok(()));
        let older = seen - TimeDelta::milliseconds(1);
        assert_eq!(
            check_not_stale(Some(older), at),
            Err(Error::StaleProject { updated_at: at })
        );
    }

    #[test]
    fn every_change_moves_updated_at_by_at_least_a_millisecond() {
        let future = Utc::now() + TimeDelta::seconds(5);
        let next = next_updated_at(future);
        assert_eq!(next, to_millis(future) + TimeDelta::milliseconds(1));
        assert!(check_not_stale(Some(to_millis(future)), next).is_err());
        assert!(next_updated_at(Utc::now() - TimeDelta::hours(1)) <= Utc::now());
    }

    #[test]
    fn plan_limits_and_owners() {
        assert!(check_room_for(Plan::Free, 9).is_ok());
        assert_eq!(
            check_room_for(Plan::Free, 10),
            Err(Error::MaxProjectsReached {
                max: 10,
                current: 10
            })
        );
        assert!(check_room_for(Plan::Enterprise, 1_000_000).is_ok());
        assert_eq!(check_owners_left(0), Err(Error::LastOwner));
        assert_eq!(check_owners_left(1), Ok(()));
        assert!(check_no_dependants(Vec::new()).is_ok());
    }
}

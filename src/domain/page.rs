//! Pages of lists: how many items a caller may ask for at once.

use super::error::Error;
use super::project::ProjectStatus;
use crate::field_path;

pub const DEFAULT_PAGE_SIZE: u64 = 20;
pub const MAX_PAGE_SIZE: u64 = 100;

/// `first` as asked for: default 20, at most 100.
pub fn page_size(first: Option<i32>) -> Result<u64, Error> {
    match first {
        None => Ok(DEFAULT_PAGE_SIZE),
        Some(n) if (0..=MAX_PAGE_SIZE as i32).contains(&n) => Ok(n as u64),
        Some(n) => Err(Error::bad_input(
            field_path!["first"],
            format!("'first' must be between 0 and {MAX_PAGE_SIZE}; {n} was asked for."),
        )
        .with_details(serde_json::json!({ "max": MAX_PAGE_SIZE }))),
    }
}

/// Which projects of an organization a list shows.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProjectFilter {
    pub status: Option<ProjectStatus>,
    /// Matched, case-insensitively, anywhere in the name or the slug.
    pub search: Option<String>,
    /// Deleted projects (and only those) instead of the others.
    pub deleted: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_sizes() {
        assert_eq!(page_size(None), Ok(20));
        assert_eq!(page_size(Some(0)), Ok(0));
        assert_eq!(page_size(Some(100)), Ok(100));
        assert_eq!(page_size(Some(101)).unwrap_err().code(), "BAD_USER_INPUT");
        assert!(page_size(Some(-1)).is_err());
    }
}

//! Slugs: the URL identifiers of projects and organizations.
//!
//! A slug the caller sends is checked and never rewritten; a slug derived
//! from a name follows the Unleash rule (lowercase, runs of other characters
//! become `-`, trimmed), cut to the maximum length.

use std::sync::LazyLock;

use regex::Regex;

pub const MAX_SLUG_LEN: usize = 63;

static SLUG: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^[a-z0-9][a-z0-9_-]*$").expect("the slug pattern is a valid regex")
});

/// Organization slugs no one may take: paths and words people would
/// mistake for the service's own. They also make "not available" say
/// nothing about whether some organization exists: a slug is refused the
/// same way when it is reserved and when another organization has it.
pub const RESERVED_ORGANIZATION_SLUGS: [&str; 16] = [
    "admin",
    "api",
    "app",
    "graphiql",
    "graphql",
    "health",
    "help",
    "login",
    "new",
    "organizations",
    "projects",
    "root",
    "settings",
    "support",
    "system",
    "www",
];

pub fn is_reserved_organization_slug(slug: &str) -> bool {
    RESERVED_ORGANIZATION_SLUGS.contains(&slug)
}

/// Checks a slug the caller chose; the message says what to change.
pub fn validate_slug(slug: &str) -> Result<(), String> {
    if slug.is_empty() {
        return Err("The slug must not be empty.".into());
    }
    if slug.chars().count() > MAX_SLUG_LEN {
        return Err(format!(
            "The slug must be at most {MAX_SLUG_LEN} characters long."
        ));
    }
    if !SLUG.is_match(slug) {
        return Err(
            "The slug must start with a lowercase letter or digit and contain only lowercase letters, digits, '-' and '_'."
                .into(),
        );
    }
    Ok(())
}

/// The slug a name stands for: lowercase ASCII letters and digits kept, any
/// run of other characters turned into one `-`, `-` trimmed from both ends,
/// cut to 63 characters; `project` when nothing is left.
pub fn derive_slug(name: &str) -> String {
    let mut slug = String::with_capacity(name.len().min(MAX_SLUG_LEN));
    let mut pending_dash = false;
    for c in name.chars().flat_map(char::to_lowercase) {
        if c.is_ascii_lowercase() || c.is_ascii_digit() {
            if pending_dash && !slug.is_empty() {
                slug.push('-');
            }
            pending_dash = false;
            slug.push(c);
        } else {
            pending_dash = true;
        }
        if slug.len() >= MAX_SLUG_LEN {
            break;
        }
    }
    slug.truncate(MAX_SLUG_LEN);
    let slug = slug.trim_end_matches('-');
    if slug.is_empty() {
        "project".to_owned()
    } else {
        slug.to_owned()
    }
}

/// The `n`-th candidate for a derived slug: the base itself, then `base-1`,
/// `base-2`, … with the base cut so that the result still fits 63 characters.
pub fn slug_candidate(base: &str, n: u32) -> String {
    if n == 0 {
        return base.to_owned();
    }
    let suffix = format!("-{n}");
    let keep = MAX_SLUG_LEN.saturating_sub(suffix.len()).min(base.len());
    let stem = base[..keep].trim_end_matches('-');
    format!("{stem}{suffix}")
}

/// How many candidates one lookup of a derived slug tries.
pub const SLUG_PROBES: u32 = 16;

/// Rounds of [`slug_probes`] that try suffixes in order.
pub const SEQUENTIAL_SLUG_ROUNDS: u32 = 4;

/// The candidates for a derived slug, [`SLUG_PROBES`] per round: `base`,
/// `base-1` … `base-63` in the first [`SEQUENTIAL_SLUG_ROUNDS`], so the
/// lowest free one wins; past those, random suffixes up to a million, so
/// that finding a free slug costs a bounded number of lookups of a few
/// keys however many projects share the base.
pub fn slug_probes(base: &str, round: u32) -> Vec<String> {
    if round < SEQUENTIAL_SLUG_ROUNDS {
        let first = round * SLUG_PROBES;
        (first..first + SLUG_PROBES)
            .map(|n| slug_candidate(base, n))
            .collect()
    } else {
        let sequential = SEQUENTIAL_SLUG_ROUNDS * SLUG_PROBES;
        (0..SLUG_PROBES)
            .map(|_| slug_candidate(base, rand::random_range(sequential..1_000_000)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn derive_slug_follows_the_contract() {
        let cases = [
            ("simple name", "Product Docs", "product-docs"),
            ("runs collapse", "  Hello,   World!! ", "hello-world"),
            ("digits kept", "App 2 Go", "app-2-go"),
            (
                "underscores become dashes",
                "snake_case_name",
                "snake-case-name",
            ),
            ("non-ascii removed", "Café Crème", "caf-cr-me"),
            ("nothing left", "!!!", "project"),
            ("only non-latin", "日本語", "project"),
        ];
        for (label, name, want) in cases {
            assert_eq!(derive_slug(name), want, "{label}");
        }
    }

    #[test]
    fn derived_slugs_are_cut_to_63_and_valid() {
        let long = "a b ".repeat(100);
        let slug = derive_slug(&long);
        assert!(slug.len() <= MAX_SLUG_LEN, "{slug}");
        assert!(validate_slug(&slug).is_ok(), "{slug}");
        assert!(!slug.ends_with('-'));
    }

    #[test]
    fn slug_probes_try_the_lowest_suffixes_first_then_random_ones() {
        let first = slug_probes("docs", 0);
        assert_eq!(first.len(), 16);
        assert_eq!(first[0], "docs");
        assert_eq!(first[15], "docs-15");
        assert_eq!(slug_probes("docs", 3)[15], "docs-63");
        for probe in slug_probes("docs", 4) {
            let n: u32 = probe.strip_prefix("docs-").unwrap().parse().unwrap();
            assert!((64..1_000_000).contains(&n), "{probe}");
        }
    }

    #[test]
    fn slug_candidates_append_suffixes_and_still_fit() {
        assert_eq!(slug_candidate("docs", 0), "docs");
        assert_eq!(slug_candidate("docs", 2), "docs-2");
        let base = "x".repeat(63);
        let candidate = slug_candidate(&base, 12);
        assert_eq!(candidate.len(), 63);
        assert!(candidate.ends_with("-12"));
    }

    #[test]
    fn validate_slug_accepts_and_rejects_as_documented() {
        let cases = [
            ("plain", "my-project", true),
            ("underscore", "service_01", true),
            ("digit first", "1app", true),
            ("uppercase", "MyProject", false),
            ("leading underscore", "_start", false),
            ("punctuation", "project!", false),
            ("empty", "", false),
            ("64 characters", &"a".repeat(64), false),
            ("63 characters", &"a".repeat(63), true),
        ];
        for (label, slug, ok) in cases {
            assert_eq!(validate_slug(slug).is_ok(), ok, "{label}");
        }
    }
}

//! Bounds on a GraphQL document, checked before anything recursive or
//! costly runs over it.
//!
//! The parser recurses once per nested value or selection, and the
//! library's depth and complexity checks walk every fragment spread
//! inline, without memoising. So a 3 KB document of nested lists can
//! overflow a worker's stack, and a few hundred bytes of fragments that
//! spread each other can cost minutes of CPU that no timeout interrupts.
//! Two checks stop both, each linear in the document:
//!
//! 1. [`scan`] reads the raw text once, with no recursion, and bounds its
//!    size in tokens, its bracket nesting, its fragment spreads and its
//!    directives before the parser sees it;
//! 2. [`check`] walks the parsed document once, memoising each fragment's
//!    expanded size, and bounds the number of fields the operation expands
//!    to (what the library's own walks then visit), the spread chain's
//!    depth, aliases and root fields.

use std::collections::HashMap;

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{Value, Variables};
use async_graphql_value::{ConstValue, Value as Literal};

/// The most lexical tokens a document may have.
pub const MAX_TOKENS: usize = 20_000;
/// The deepest nesting of `{`, `[` and `(` a document may have.
pub const MAX_NESTING: usize = 64;
/// The most fragment spreads and inline fragments (`...`) a document may have.
pub const MAX_SPREADS: usize = 500;
/// The most directives (`@`) a document may have.
pub const MAX_DIRECTIVES: usize = 500;
/// The most fields an operation may expand to, every fragment spread
/// counted as many times as it is spread.
pub const MAX_FIELDS: usize = 10_000;
/// The most aliases, and the most root fields per operation, a document
/// may have: each is work the server does, and the other limits alone do
/// not bound how many times one cheap field is asked for.
pub const MAX_ALIASES: usize = 100;
pub const MAX_ROOT_FIELDS: usize = 100;

/// Checks the raw text of a document, before it is parsed. Linear in the
/// text and recursion-free; the error says which limit was passed.
pub fn scan(text: &str) -> Result<(), String> {
    let bytes = text.as_bytes();
    let (mut i, mut tokens, mut nesting) = (0, 0usize, 0usize);
    let (mut spreads, mut directives) = (0usize, 0usize);
    while i < bytes.len() {
        let byte = bytes[i];
        match byte {
            b' ' | b'\t' | b'\n' | b'\r' | b',' => {
                i += 1;
                continue;
            }
            // A byte order mark is ignored like white space.
            0xEF if bytes[i..].starts_with(&[0xEF, 0xBB, 0xBF]) => {
                i += 3;
                continue;
            }
            b'#' => {
                while i < bytes.len() && bytes[i] != b'\n' && bytes[i] != b'\r' {
                    i += 1;
                }
                continue;
            }
            b'"' if bytes[i..].starts_with(b"\"\"\"") => {
                i += 3;
                while i < bytes.len() && !bytes[i..].starts_with(b"\"\"\"") {
                    i += if bytes[i..].starts_with(b"\\\"\"\"") {
                        4
                    } else {
                        1
                    };
                }
                i += 3;
            }
            b'"' => {
                i += 1;
                while i < bytes.len() && bytes[i] != b'"' && bytes[i] != b'\n' {
                    i += if bytes[i] == b'\\' { 2 } else { 1 };
                }
                i += 1;
            }
            b'{' | b'[' | b'(' => {
                nesting += 1;
                if nesting > MAX_NESTING {
                    return Err(format!(
                        "The document nests brackets more than {MAX_NESTING} levels deep."
                    ));
                }
                i += 1;
            }
            b'}' | b']' | b')' => {
                nesting = nesting.saturating_sub(1);
                i += 1;
            }
            b'.' if bytes[i..].starts_with(b"...") => {
                spreads += 1;
                if spreads > MAX_SPREADS {
                    return Err(format!(
                        "The document has more than {MAX_SPREADS} fragment spreads."
                    ));
                }
                i += 3;
            }
            b'@' => {
                directives += 1;
                if directives > MAX_DIRECTIVES {
                    return Err(format!(
                        "The document has more than {MAX_DIRECTIVES} directives."
                    ));
                }
                i += 1;
            }
            b'_' | b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'+' | b'.' => {
                // A name or a number: one token, however long.
                while i < bytes.len()
                    && matches!(bytes[i], b'_' | b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'+' | b'.')
                    && !bytes[i..].starts_with(b"...")
                {
                    i += 1;
                }
            }
            _ => i += 1,
        }
        tokens += 1;
        if tokens > MAX_TOKENS {
            return Err(format!(
                "The document has more than {MAX_TOKENS} tokens; send a smaller one."
            ));
        }
    }
    Ok(())
}

/// Checks a parsed document: the fields each operation expands to (with
/// fragments counted once per spread, each fragment's size computed once),
/// the depth of selections and spreads, a fragment cycle, aliases and root
/// fields. Linear in the document.
pub fn check(document: &ExecutableDocument) -> Result<(), String> {
    let mut walk = Walk {
        document,
        sizes: HashMap::new(),
    };
    let mut n_aliases = 0;
    for fragment in document.fragments.values() {
        n_aliases += aliases(&fragment.node.selection_set.node);
    }
    for (_, operation) in document.operations.iter() {
        let selection_set = &operation.node.selection_set.node;
        n_aliases += aliases(selection_set);
        let size = walk.size(selection_set, 0)?;
        if size.fields > MAX_FIELDS {
            return Err(format!(
                "The operation expands to {} fields (fragments counted once per spread); at most {MAX_FIELDS} are allowed.",
                size.fields
            ));
        }
        if size.roots > MAX_ROOT_FIELDS {
            return Err(format!(
                "The operation selects {} root fields; at most {MAX_ROOT_FIELDS} are allowed.",
                size.roots
            ));
        }
    }
    if n_aliases > MAX_ALIASES {
        return Err(format!(
            "The document uses {n_aliases} aliases; at most {MAX_ALIASES} are allowed."
        ));
    }
    Ok(())
}

/// The number of aliases written in a selection set (spreads not followed:
/// each fragment is counted where it is defined).
fn aliases(selection_set: &SelectionSet) -> usize {
    selection_set
        .items
        .iter()
        .map(|item| match &item.node {
            Selection::Field(field) => {
                usize::from(field.node.alias.is_some()) + aliases(&field.node.selection_set.node)
            }
            Selection::InlineFragment(fragment) => aliases(&fragment.node.selection_set.node),
            Selection::FragmentSpread(_) => 0,
        })
        .sum()
}

/// What a selection set expands to.
#[derive(Debug, Clone, Copy, Default)]
struct Size {
    /// Every field, at every level.
    fields: usize,
    /// Fields at this level (the root fields, for an operation).
    roots: usize,
}

/// A fragment's size, or the mark that it is being computed (a cycle).
#[derive(Clone, Copy)]
enum Memo {
    InProgress,
    Done(Size),
}

struct Walk<'a> {
    document: &'a ExecutableDocument,
    sizes: HashMap<&'a str, Memo>,
}

impl<'a> Walk<'a> {
    /// The deepest chain of selections and spreads a walk follows; the
    /// library's own walks recurse as deep, so this bounds their stack too.
    const MAX_LEVELS: usize = MAX_NESTING;

    fn size(&mut self, selection_set: &'a SelectionSet, level: usize) -> Result<Size, String> {
        if level > Self::MAX_LEVELS {
            return Err(format!(
                "The document nests selections and fragment spreads more than {} levels deep.",
                Self::MAX_LEVELS
            ));
        }
        let mut total = Size::default();
        for item in &selection_set.items {
            let size = match &item.node {
                Selection::Field(field) => {
                    let inner = self.size(&field.node.selection_set.node, level + 1)?;
                    Size {
                        fields: 1 + inner.fields,
                        roots: 1,
                    }
                }
                Selection::InlineFragment(fragment) => {
                    self.size(&fragment.node.selection_set.node, level + 1)?
                }
                Selection::FragmentSpread(spread) => {
                    let name = spread.node.fragment_name.node.as_str();
                    match self.sizes.get(name) {
                        Some(Memo::Done(size)) => *size,
                        Some(Memo::InProgress) => {
                            return Err(format!("The fragment '{name}' spreads itself."));
                        }
                        None => {
                            // An unknown fragment is reported by validation.
                            let Some(fragment) = self.document.fragments.get(name) else {
                                continue;
                            };
                            self.sizes.insert(name, Memo::InProgress);
                            let size = self.size(&fragment.node.selection_set.node, level + 1)?;
                            self.sizes.insert(name, Memo::Done(size));
                            size
                        }
                    }
                }
            };
            total.fields = total.fields.saturating_add(size.fields);
            total.roots = total.roots.saturating_add(size.roots);
            if total.fields > MAX_FIELDS {
                // Enough to refuse; stop before the sum grows further.
                break;
            }
        }
        Ok(total)
    }
}

/// The argument paths (`["input", "metadata", "k"]`) of every string or
/// object key holding a NUL character, in literals and in variables: a
/// NUL can be stored in neither store's text reliably (PostgreSQL refuses
/// it), so it is refused before execution, on every field at once.
/// Recursion follows the document, which [`scan`] bounded to
/// [`MAX_NESTING`] levels; variables come from JSON, bounded by its
/// parser to 128.
pub fn nul_fields(document: &ExecutableDocument, variables: &Variables) -> Vec<Vec<Value>> {
    let mut found = Vec::new();
    // Where each variable is first used, as an argument path.
    let mut uses: HashMap<&str, Vec<Value>> = HashMap::new();
    let mut selection_sets: Vec<&SelectionSet> = document
        .operations
        .iter()
        .map(|(_, operation)| &operation.node.selection_set.node)
        .chain(
            document
                .fragments
                .values()
                .map(|fragment| &fragment.node.selection_set.node),
        )
        .collect();
    while let Some(selection_set) = selection_sets.pop() {
        for item in &selection_set.items {
            match &item.node {
                Selection::Field(field) => {
                    for (name, value) in &field.node.arguments {
                        let path = vec![Value::String(name.node.to_string())];
                        literal(&value.node, path, &mut found, &mut uses);
                    }
                    selection_sets.push(&field.node.selection_set.node);
                }
                Selection::InlineFragment(fragment) => {
                    selection_sets.push(&fragment.node.selection_set.node);
                }
                Selection::FragmentSpread(_) => {}
            }
        }
    }
    for (_, operation) in document.operations.iter() {
        for definition in &operation.node.variable_definitions {
            let name = definition.node.name.node.as_str();
            if let Some(default) = &definition.node.default_value {
                let path = uses
                    .get(name)
                    .cloned()
                    .unwrap_or_else(|| vec![Value::String(name.to_owned())]);
                constant(&default.node, path, &mut found);
            }
        }
    }
    for (name, value) in variables.iter() {
        let path = uses
            .get(name.as_str())
            .cloned()
            .unwrap_or_else(|| vec![Value::String(name.to_string())]);
        constant(value, path, &mut found);
    }
    found
}

fn literal<'a>(
    value: &'a Literal,
    path: Vec<Value>,
    found: &mut Vec<Vec<Value>>,
    uses: &mut HashMap<&'a str, Vec<Value>>,
) {
    match value {
        Literal::Variable(name) => {
            uses.entry(name.as_str()).or_insert(path);
        }
        Literal::String(text) if text.contains('\0') => found.push(path),
        Literal::List(items) => {
            for (i, item) in items.iter().enumerate() {
                let mut inner = path.clone();
                inner.push(Value::from(i as u64));
                literal(item, inner, found, uses);
            }
        }
        Literal::Object(fields) => {
            for (key, item) in fields {
                let mut inner = path.clone();
                inner.push(Value::String(key.to_string()));
                literal(item, inner, found, uses);
            }
        }
        _ => {}
    }
}

fn constant(value: &ConstValue, path: Vec<Value>, found: &mut Vec<Vec<Value>>) {
    match value {
        ConstValue::String(text) if text.contains('\0') => found.push(path),
        ConstValue::List(items) => {
            for (i, item) in items.iter().enumerate() {
                let mut inner = path.clone();
                inner.push(Value::from(i as u64));
                constant(item, inner, found);
            }
        }
        ConstValue::Object(fields) => {
            for (key, item) in fields {
                let mut inner = path.clone();
                inner.push(Value::String(key.to_string()));
                if key.contains('\0') {
                    found.push(inner.clone());
                }
                constant(item, inner, found);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn checked(text: &str) -> Result<(), String> {
        scan(text)?;
        let document = async_graphql::parser::parse_query(text).map_err(|err| err.to_string())?;
        check(&document)
    }

    #[test]
    fn ordinary_documents_pass() {
        let cases = [
            ("a field", "{ regions { code } }"),
            (
                "strings with brackets and dots",
                r#"{ a(s: "[[[[ ... @ {{{{", t: """ ((( \""" ... """) }"#,
            ),
            ("a comment with brackets", "# [[[[[[[[[[\n{ a }"),
            (
                "fragments spread twice",
                "query { ...A ...A } fragment A on Query { ...B ...B } fragment B on Query { a }",
            ),
            ("numbers", "{ a(x: -1.5e+10, y: 0) }"),
        ];
        for (label, text) in cases {
            assert_eq!(checked(text), Ok(()), "{label}");
        }
    }

    #[test]
    fn the_introspection_query_passes() {
        // GraphiQL's introspection query, the largest document a
        // playground sends by itself.
        let text = include_str!("guard/introspection.graphql");
        assert_eq!(checked(text), Ok(()));
    }

    #[test]
    fn hostile_documents_are_refused_by_the_limit_they_pass() {
        let nested_list = format!(
            "{{ organization(slug: {}\"a\"{}) {{ id }} }}",
            "[".repeat(1_600),
            "]".repeat(1_600)
        );
        let nested_object = format!("{{ a(x: {}1{}) }}", "{a:".repeat(1_300), "}".repeat(1_300));
        let mut fragments = String::from("query { ...F1 }");
        for level in 1..=8 {
            let spreads = format!("...F{} ", level + 1).repeat(20);
            fragments.push_str(&format!(" fragment F{level} on Query {{ {spreads} }}"));
        }
        fragments.push_str(" fragment F9 on Query { __typename }");
        let mut exponential_small = String::from("query { ...G1 }");
        for level in 1..=8 {
            let spreads = format!("...G{} ", level + 1).repeat(5);
            exponential_small.push_str(&format!(" fragment G{level} on Query {{ {spreads} }}"));
        }
        exponential_small.push_str(" fragment G9 on Query { __typename }");
        let mut chain = String::from("query { ...C0 }");
        for level in 0..100 {
            chain.push_str(&format!(
                " fragment C{level} on Query {{ ...C{} }}",
                level + 1
            ));
        }
        chain.push_str(" fragment C100 on Query { __typename }");
        let cases = [
            ("a deeply nested list", nested_list, "nests brackets"),
            ("a deeply nested object", nested_object, "nests brackets"),
            (
                "300,000 copies of a field",
                format!("{{ {} }}", "a ".repeat(300_000)),
                "tokens",
            ),
            (
                "40,000 directives",
                format!("{{ a {} }}", "@include(if: true) ".repeat(40_000)),
                "directives",
            ),
            (
                "fragments spread 20 times over 8 levels",
                fragments,
                "expands to",
            ),
            (
                "fragments spread 5 times over 8 levels",
                exponential_small,
                "expands to",
            ),
            ("a chain of 100 fragments", chain, "levels deep"),
            (
                "a fragment cycle",
                "query { ...A } fragment A on Query { ...B } fragment B on Query { ...A }"
                    .to_owned(),
                "spreads itself",
            ),
        ];
        for (label, text, words) in cases {
            let started = std::time::Instant::now();
            let err = checked(&text).expect_err(label);
            assert!(err.contains(words), "{label}: {err}");
            assert!(started.elapsed().as_millis() < 500, "{label} took too long");
        }
    }
}

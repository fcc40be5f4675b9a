//! Rules for free text and JSON that people and programs send: what makes a
//! name visible, which characters may be stored at all, and how deep and
//! large a JSON value may be.

use serde_json::Value;
use unicode_properties::{
    GeneralCategory, GeneralCategoryGroup, UnicodeEmoji, UnicodeGeneralCategory,
};

/// The deepest JSON value (metadata, a metadata schema) accepted: deeper
/// values are costly to validate and to decode again on every read.
pub const MAX_JSON_DEPTH: usize = 32;

/// Why a name would mislead the people who read it, if it would: it
/// shows nothing, or it carries invisible format characters (bidirectional
/// overrides, zero-width spaces) that make it read as another name.
pub fn name_problem(name: &str) -> Option<&'static str> {
    let chars: Vec<char> = name.chars().collect();
    for (i, &c) in chars.iter().enumerate() {
        if c.general_category() == GeneralCategory::Format && !joins_emoji(&chars, i) {
            return Some(
                "The name must not contain invisible formatting characters (such as zero-width spaces or bidirectional controls).",
            );
        }
    }
    if !chars.iter().any(|&c| is_visible(c)) {
        return Some("The name must contain at least one visible character.");
    }
    None
}

/// A zero-width joiner inside an emoji sequence (👩‍💻) is part of the
/// picture, not a hidden character.
fn joins_emoji(chars: &[char], i: usize) -> bool {
    let is_zwj = chars[i] == '\u{200D}';
    let before = i
        .checked_sub(1)
        .and_then(|j| chars.get(j))
        .is_some_and(|&c| c.is_emoji_char() || c == '\u{FE0F}' || is_skin_tone(c));
    let after = chars.get(i + 1).is_some_and(|&c| c.is_emoji_char());
    is_zwj && before && after && !chars[i - 1].is_ascii()
}

fn is_skin_tone(c: char) -> bool {
    ('\u{1F3FB}'..='\u{1F3FF}').contains(&c)
}

/// Whether a character shows something: a letter, digit, punctuation or
/// symbol, other than the filler letters that render as blank space.
fn is_visible(c: char) -> bool {
    const BLANK_LETTERS: [char; 6] = [
        '\u{115F}', // HANGUL CHOSEONG FILLER
        '\u{1160}', // HANGUL JUNGSEONG FILLER
        '\u{3164}', // HANGUL FILLER
        '\u{FFA0}', // HALFWIDTH HANGUL FILLER
        '\u{2800}', // BRAILLE PATTERN BLANK
        '\u{180E}', // MONGOLIAN VOWEL SEPARATOR
    ];
    matches!(
        c.general_category_group(),
        GeneralCategoryGroup::Letter
            | GeneralCategoryGroup::Number
            | GeneralCategoryGroup::Punctuation
            | GeneralCategoryGroup::Symbol
    ) && !BLANK_LETTERS.contains(&c)
}

/// At most the first `max` characters of `text`, to quote it in a
/// message without echoing a huge value back.
pub fn excerpt(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

/// Whether free text (a description) carries a control character other
/// than tab, line feed and carriage return: NUL cannot be stored, and
/// escape sequences would drive the terminal of whoever prints it.
pub fn has_control(text: &str) -> bool {
    text.chars()
        .any(|c| c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
}

/// Why a JSON value cannot be stored, if it cannot: nested deeper than
/// [`MAX_JSON_DEPTH`], or a key or string with a NUL character. Walks the
/// value with an explicit stack, so any depth is safe to check.
pub fn json_problem(value: &Value) -> Option<String> {
    let mut stack = vec![(value, 1usize)];
    while let Some((value, depth)) = stack.pop() {
        match value {
            Value::Array(_) | Value::Object(_) if depth > MAX_JSON_DEPTH => {
                return Some(format!(
                    "The JSON value is nested more than {MAX_JSON_DEPTH} levels deep."
                ));
            }
            Value::Array(items) => stack.extend(items.iter().map(|item| (item, depth + 1))),
            Value::Object(fields) => {
                if fields.keys().any(|key| key.contains('\0')) {
                    return Some(nul_message());
                }
                stack.extend(fields.values().map(|item| (item, depth + 1)));
            }
            Value::String(text) if text.contains('\0') => return Some(nul_message()),
            _ => {}
        }
    }
    None
}

fn nul_message() -> String {
    "The JSON value must not contain the NUL character (U+0000).".to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn names_that_show_nothing_or_hide_characters_are_refused() {
        let refused = [
            ("zero-width space", "\u{200B}"),
            ("zero-width joiner alone", "\u{200D}"),
            ("byte order mark", "\u{FEFF}"),
            ("hangul filler", "\u{3164}"),
            ("a lone combining mark", "\u{0301}"),
            ("right-to-left override", "invoice\u{202E}fdp.exe"),
            ("isolates", "a\u{2066}b\u{2069}"),
            ("zero-width space inside", "pay\u{200B}pal"),
            ("braille blank", "\u{2800}\u{2800}"),
        ];
        for (label, name) in refused {
            assert!(name_problem(name).is_some(), "{label}");
        }
        let accepted = [
            ("ascii", "Pet shop"),
            ("accents", "Café Ñandú"),
            ("combining accent on a letter", "Cafe\u{0301}"),
            ("emoji sequence with a joiner", "Team 👩\u{200D}💻"),
            ("emoji with a skin tone and a joiner", "👩🏽\u{200D}🚀 launch"),
            ("arabic", "مشروع"),
            ("hangul", "프로젝트"),
            ("a symbol", "★"),
        ];
        for (label, name) in accepted {
            assert_eq!(name_problem(name), None, "{label}");
        }
    }

    #[test]
    fn descriptions_keep_line_breaks_but_not_escapes_or_nul() {
        assert!(!has_control("line one\nline two\ttabbed\r\n"));
        assert!(has_control("red \u{1b}[31mtext"));
        assert!(has_control("a\0b"));
        assert!(has_control("c1 \u{9b}31m"));
    }

    #[test]
    fn json_depth_and_nul_are_bounded() {
        let mut deep = json!(1);
        for _ in 0..MAX_JSON_DEPTH {
            deep = json!({ "a": deep });
        }
        assert_eq!(json_problem(&deep), None, "exactly the limit");
        let deeper = json!({ "a": deep });
        assert!(json_problem(&deeper).unwrap().contains("levels deep"));
        let mut list = json!(1);
        for _ in 0..1_000 {
            list = json!([list]);
        }
        assert!(json_problem(&list).is_some());
        assert!(
            json_problem(&json!({ "k\u{0}": 1 }))
                .unwrap()
                .contains("NUL")
        );
        assert!(
            json_problem(&json!({ "k": ["a\u{0}"] }))
                .unwrap()
                .contains("NUL")
        );
        assert_eq!(json_problem(&json!({ "team": "x", "n": [1, 2] })), None);
    }
}

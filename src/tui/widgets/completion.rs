//! What the condition input offers while a condition is typed: segment names after
//! `in segment`, property names (with their types, from the data) and
//! operator words for the word being typed.

use crate::model::EntityKind;

/// One suggestion: what the list shows and what replaces the typed word.
#[derive(Clone, Debug, PartialEq)]
pub struct Suggestion {
    pub label: String,
    pub insert: String,
}

/// Most suggestions shown at once.
pub const MAX_SUGGESTIONS: usize = 6;

const OPERATORS: &[&str] = &[
    "and",
    "or",
    "not",
    "in",
    "is set",
    "is not set",
    "has",
    "has any",
    "has all",
    "between",
    "contains",
    "starts with",
    "ends with",
    "matches",
    "in segment",
    "account in segment",
    "count(users)",
    "sum(users.",
    "avg(users.",
    "min(users.",
    "max(users.",
    "days ago",
    "months ago",
    "now",
    "true",
    "false",
];

/// The word being typed at the end of `before` (the text before the
/// cursor), and whether it is a segment name after `in segment` (which may
/// hold spaces once its quote is open).
pub fn typed_word(before: &str) -> (&str, bool) {
    if let Some(at) = last_segment_keyword(before) {
        let after = &before[at + "segment".len()..];
        let name = after.trim_start();
        let open_quote = name.starts_with('"') && !name[1..].contains('"');
        if after.starts_with(char::is_whitespace) && (name.is_empty() || open_quote) {
            return (name, true);
        }
    }
    let start = before
        .char_indices()
        .rev()
        .take_while(|(_, c)| c.is_alphanumeric() || *c == '_')
        .last()
        .map_or(before.len(), |(i, _)| i);
    (&before[start..], false)
}

/// Where the last `segment` keyword (any case) in `text` starts.
fn last_segment_keyword(text: &str) -> Option<usize> {
    let bytes = text.as_bytes();
    (0..bytes.len().saturating_sub(6))
        .rev()
        .find(|&i| bytes[i..].len() >= 7 && bytes[i..i + 7].eq_ignore_ascii_case(b"segment"))
}

/// Suggestions for the word at the end of `before`.
pub fn suggestions(
    before: &str,
    kind: EntityKind,
    properties: &[(String, String)],
    segments: &[(String, EntityKind)],
) -> Vec<Suggestion> {
    let (word, after_segment) = typed_word(before);
    let preceding = before[..before.len() - word.len()]
        .trim_end()
        .to_lowercase();
    if after_segment {
        let wanted = if preceding.ends_with("account in segment") {
            EntityKind::Accounts
        } else {
            kind
        };
        let typed = word.trim_start_matches('"').to_lowercase();
        return segments
            .iter()
            .filter(|(name, k)| *k == wanted && name.to_lowercase().starts_with(&typed))
            .take(MAX_SUGGESTIONS)
            .map(|(name, _)| Suggestion {
                label: format!("\"{name}\"  segment of {wanted}"),
                insert: crate::lang::format::quoted(name),
            })
            .collect();
    }
    if word.is_empty() || word.starts_with('"') {
        return Vec::new();
    }
    let typed = word.to_lowercase();
    let mut found: Vec<Suggestion> = properties
        .iter()
        .filter(|(name, _)| name.to_lowercase().starts_with(&typed) && name != word)
        .map(|(name, type_label)| Suggestion {
            label: format!("{name}  {type_label}"),
            insert: crate::lang::format::property_name(name),
        })
        .collect();
    found.extend(
        OPERATORS
            .iter()
            .filter(|op| op.starts_with(&typed) && **op != word)
            .map(|op| Suggestion {
                label: format!("{op}  operator"),
                insert: (*op).to_string(),
            }),
    );
    found.truncate(MAX_SUGGESTIONS);
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    fn props() -> Vec<(String, String)> {
        vec![
            ("plan".to_string(), "text".to_string()),
            ("seats".to_string(), "number".to_string()),
        ]
    }

    #[test]
    fn properties_and_operators_by_prefix() {
        let found = suggestions("pl", EntityKind::Accounts, &props(), &[]);
        assert_eq!(found[0].insert, "plan");
        let found = suggestions("plan = \"x\" an", EntityKind::Accounts, &props(), &[]);
        assert_eq!(found[0].insert, "and");
    }

    #[test]
    fn segment_names_after_in_segment() {
        let segments = vec![
            ("Champions".to_string(), EntityKind::Users),
            ("Enterprise".to_string(), EntityKind::Accounts),
        ];
        let found = suggestions("in segment \"Ch", EntityKind::Users, &props(), &segments);
        assert_eq!(found[0].insert, "\"Champions\"");
        let found = suggestions(
            "account in segment ",
            EntityKind::Users,
            &props(),
            &segments,
        );
        assert_eq!(found[0].insert, "\"Enterprise\"");
    }
}

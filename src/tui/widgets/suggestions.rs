//! What the completion list offers at the cursor: for each place of the
//! grammar that [`super::completion::context_at`] finds, the operators valid
//! for the property's type, its most frequent values as literals, segment
//! names of the right kind, keywords — from what a [`Vocabulary`] knows of
//! the data, cached per condition input so a keystroke never walks a column
//! twice.
//!
//! It neither reads the text (the context analysis does) nor draws (the
//! condition input does).

use std::collections::HashMap;

use super::completion::{CursorContext, Expecting, PropertyRef, ValueShape};
use crate::lang::format::{property_name, quoted, write_literal};
use crate::model::ast::Literal;
use crate::model::{EntityKind, Scalar};
use crate::workspace::Workspace;

/// One suggestion: what the list shows and what replaces the typed word.
#[derive(Clone, Debug, PartialEq)]
pub struct Suggestion {
    pub label: String,
    pub insert: String,
}

/// Most suggestions in the list (the popup scrolls through them).
pub const MAX_SUGGESTIONS: usize = 24;
/// Most values offered for a property.
pub const MAX_VALUES: usize = 8;

/// What completion knows of the data.
pub trait Vocabulary {
    /// Property names of `kind` with their type words (`text`, `number`…).
    fn properties(&mut self, kind: EntityKind) -> Vec<(String, String)>;
    fn segments(&mut self) -> Vec<(String, EntityKind)>;
    /// The most frequent values of a property, with their counts.
    fn frequent_values(&mut self, kind: EntityKind, property: &str) -> Vec<(Scalar, usize)>;
}

/// What the workspace said, kept for the life of a condition input: each
/// kind's property types and each property's values are computed once, the
/// first time completion needs them (a pass over a column costs milliseconds
/// at a million entities; a keystroke must not).
#[derive(Debug, Default)]
pub struct VocabularyCache {
    properties: HashMap<EntityKind, Vec<(String, String)>>,
    values: HashMap<(EntityKind, String), Vec<(Scalar, usize)>>,
}

impl VocabularyCache {
    /// The cache in front of `workspace`.
    pub fn over<'a>(&'a mut self, workspace: &'a Workspace) -> impl Vocabulary + 'a {
        CachedVocabulary {
            cache: self,
            workspace,
        }
    }
}

struct CachedVocabulary<'a> {
    cache: &'a mut VocabularyCache,
    workspace: &'a Workspace,
}

impl Vocabulary for CachedVocabulary<'_> {
    fn properties(&mut self, kind: EntityKind) -> Vec<(String, String)> {
        let workspace = self.workspace;
        self.cache
            .properties
            .entry(kind)
            .or_insert_with(|| workspace.property_types(kind))
            .clone()
    }

    fn segments(&mut self) -> Vec<(String, EntityKind)> {
        self.workspace.segment_names()
    }

    fn frequent_values(&mut self, kind: EntityKind, property: &str) -> Vec<(Scalar, usize)> {
        let workspace = self.workspace;
        self.cache
            .values
            .entry((kind, property.to_string()))
            .or_insert_with(|| workspace.frequent_values(kind, property, MAX_VALUES))
            .clone()
    }
}

/// Operators: the word shown, what is inserted, what it means.
pub type OperatorWord = (&'static str, &'static str, &'static str);

const EQUALITY: [OperatorWord; 2] = [("=", "= ", "equals"), ("!=", "!= ", "differs from")];
const PRESENCE: [OperatorWord; 2] = [
    ("is set", "is set", "has a value"),
    ("is not set", "is not set", "has no value"),
];
const ORDER: [OperatorWord; 4] = [
    (">", "> ", "greater than"),
    (">=", ">= ", "at least"),
    ("<", "< ", "less than"),
    ("<=", "<= ", "at most"),
];
const TIME_ORDER: [OperatorWord; 4] = [
    (">", "> ", "after"),
    ("<", "< ", "before"),
    (">=", ">= ", "at or after"),
    ("<=", "<= ", "at or before"),
];
const TEXT: [OperatorWord; 4] = [
    ("contains", "contains ", "has the text, any case"),
    ("starts with", "starts with ", "begins with, any case"),
    ("ends with", "ends with ", "ends with, any case"),
    ("matches", "matches ", "a regular expression"),
];
const IN: OperatorWord = ("in", "in [", "one of a list");
const BETWEEN: OperatorWord = ("between", "between ", "from … and … inclusive");
const LISTS: [OperatorWord; 3] = [
    ("has", "has ", "has the element"),
    ("has any", "has any [", "has one of the elements"),
    ("has all", "has all [", "has every element"),
];
/// After `P not`.
const NEGATED: [OperatorWord; 6] = [
    ("in", "in [", "none of a list"),
    ("between", "between ", "outside the range"),
    ("contains", "contains ", "lacks the text"),
    ("starts with", "starts with ", "does not begin with"),
    ("ends with", "ends with ", "does not end with"),
    ("matches", "matches ", "does not match"),
];

/// The operators valid for a property of this type word: (word, what
/// completion inserts, what it means).
pub fn operators_for(type_word: &str, name: &str) -> Vec<OperatorWord> {
    if name == "segments" {
        return vec![LISTS[0]];
    }
    let not = |word: &'static str, insert: &'static str, meaning| (word, insert, meaning);
    let mut found: Vec<OperatorWord> = Vec::new();
    match type_word {
        "text" => {
            found.extend(EQUALITY);
            found.push(IN);
            found.extend(TEXT);
            found.extend(PRESENCE);
            found.push(not("not in", "not in [", "none of a list"));
            found.push(not("not contains", "not contains ", "lacks the text"));
            found.extend(ORDER);
        }
        "number" => {
            found.extend(EQUALITY);
            found.extend(ORDER);
            found.push(BETWEEN);
            found.push(IN);
            found.extend(PRESENCE);
            found.push(not("not between", "not between ", "outside the range"));
            found.push(not("not in", "not in [", "none of a list"));
        }
        "datetime" => {
            found.extend(TIME_ORDER);
            found.push(BETWEEN);
            found.extend(PRESENCE);
            found.extend(EQUALITY);
            found.push(not("not between", "not between ", "outside the range"));
        }
        "bool" => {
            found.extend(EQUALITY);
            found.extend(PRESENCE);
        }
        "list" => {
            found.extend(LISTS);
            found.push(TEXT[0]);
            found.extend(PRESENCE);
            found.push(not(
                "not contains",
                "not contains ",
                "no element has the text",
            ));
        }
        _ => {
            found.extend(EQUALITY);
            found.extend(ORDER);
            found.push(IN);
            found.push(TEXT[0]);
            found.push(LISTS[0]);
            found.push(BETWEEN);
            found.extend(PRESENCE);
        }
    }
    found
}

/// Does `candidate` continue what was typed (any case), adding something?
fn continues(candidate: &str, typed: &str) -> bool {
    let typed = typed.to_lowercase();
    let candidate = candidate.to_lowercase();
    candidate.starts_with(&typed) && candidate.trim_end() != typed
}

/// Keywords and punctuation: (what is inserted, what the list says).
fn words(typed: &str, offered: &[(&str, &str)]) -> Vec<Suggestion> {
    offered
        .iter()
        .filter(|(insert, _)| continues(insert, typed))
        .map(|(insert, meaning)| Suggestion {
            label: format!("{}  {meaning}", insert.trim_end()),
            insert: (*insert).to_string(),
        })
        .collect()
}

fn operators(typed: &str, offered: &[OperatorWord]) -> Vec<Suggestion> {
    offered
        .iter()
        .filter(|(word, insert, _)| continues(word, typed) || continues(insert, typed))
        .map(|(word, insert, meaning)| Suggestion {
            label: format!("{word}  {meaning}"),
            insert: (*insert).to_string(),
        })
        .collect()
}

/// The type word of a property, from the data (`""` when unknown).
fn type_of(vocabulary: &mut dyn Vocabulary, property: &PropertyRef) -> String {
    vocabulary
        .properties(property.kind)
        .into_iter()
        .find(|(name, _)| *name == property.name)
        .map_or(String::new(), |(_, type_word)| type_word)
}

/// What the list offers at `context`.
pub fn suggestions(context: &CursorContext, vocabulary: &mut dyn Vocabulary) -> Vec<Suggestion> {
    let mut found = offered(context, vocabulary);
    found.truncate(MAX_SUGGESTIONS);
    found
}

fn offered(context: &CursorContext, vocabulary: &mut dyn Vocabulary) -> Vec<Suggestion> {
    use Expecting::*;
    let typed = context.typed.as_str();
    match &context.expecting {
        Predicate { of, aggregates } => {
            let mut found = properties(vocabulary, *of, typed, |_| true);
            let mut keywords = vec![
                ("in segment ", "a member of a segment"),
                ("not in segment ", "not a member of a segment"),
                ("not ", "the opposite of a condition"),
            ];
            if *of == EntityKind::Users {
                keywords.push(("account.", "a property of the user's account"));
                keywords.push(("account in segment ", "the account is in a segment"));
            }
            if *aggregates {
                keywords.extend([
                    ("count(users)", "how many users"),
                    ("count(users where ", "how many users such that"),
                    ("sum(users.", "a sum over the users"),
                    ("avg(users.", "an average over the users"),
                    ("min(users.", "the least over the users"),
                    ("max(users.", "the most over the users"),
                ]);
            }
            found.extend(words(typed, &keywords));
            found
        }
        AccountProperty => properties(vocabulary, EntityKind::Accounts, typed, |_| true),
        UsersProperty => properties(vocabulary, EntityKind::Users, typed, |type_word| {
            matches!(type_word, "number" | "datetime" | "mixed")
        }),
        AfterAccount => words(
            typed,
            &[
                ("in segment ", "the account is in a segment"),
                ("not in segment ", "the account is not in a segment"),
            ],
        ),
        AccountNot => words(typed, &[("in segment ", "the account is not in a segment")]),
        SegmentKeyword { .. } => words(typed, &[("segment ", "a segment by name")]),
        SegmentName(kind) => segment_names(vocabulary, *kind, typed, quoted),
        AggregateOpen { .. } | UsersDot | ListItemEnd(_) | Nothing => Vec::new(),
        AggregateSubject { count: true } => words(
            typed,
            &[
                ("users)", "every user of the account"),
                ("users where ", "the users such that"),
            ],
        ),
        AggregateSubject { count: false } => words(typed, &[("users.", "a property of users")]),
        AggregateEnd => words(
            typed,
            &[
                (")", "over every user"),
                ("where ", "over the users such that"),
            ],
        ),
        AggregateOperator => {
            let mut found = EQUALITY.to_vec();
            found.extend(ORDER);
            operators(typed, &found)
        }
        Operator(property) => {
            let type_word = type_of(vocabulary, property);
            operators(typed, &operators_for(&type_word, &property.name))
        }
        NegatedOperator(property) => {
            let type_word = type_of(vocabulary, property);
            let valid = operators_for(&type_word, &property.name);
            let negated: Vec<OperatorWord> = NEGATED
                .iter()
                .copied()
                .filter(|(word, _, _)| valid.iter().any(|(w, _, _)| w == word))
                .collect();
            operators(typed, &negated)
        }
        IsTail { negated } => {
            let mut offered = vec![("set", "has a value")];
            if !negated {
                offered.push(("not set", "has no value"));
            }
            words(typed, &offered)
        }
        With(_) => words(typed, &[("with ", "")]),
        HasTail(property) => {
            let mut found = values(vocabulary, Some(property), ValueShape::Single, typed);
            // Inside a definition `segments` only takes `has "<name>"`.
            if property.name == "segments" {
                return found;
            }
            found.extend(operators(typed, &LISTS[1..]).into_iter().map(|mut s| {
                s.insert = s.insert.trim_start_matches("has ").to_string();
                s.label = s.label.trim_start_matches("has ").to_string();
                s
            }));
            found
        }
        Value { property, shape } => values(vocabulary, property.as_ref(), *shape, typed),
        Amount { property, then } => {
            let is_time = property
                .as_ref()
                .is_some_and(|p| type_of(vocabulary, p) == "datetime");
            if is_time {
                words(
                    typed,
                    &[
                        ("days ago", "relative to now"),
                        ("weeks ago", ""),
                        ("months ago", ""),
                        ("years ago", ""),
                        ("hours ago", ""),
                        ("days from now", "in the future"),
                    ],
                )
            } else {
                offered(
                    &CursorContext {
                        expecting: (**then).clone(),
                        typed: context.typed.clone(),
                    },
                    vocabulary,
                )
            }
        }
        AgoOrFromNow { .. } => words(typed, &[("ago", "in the past"), ("from now", "ahead")]),
        Now { .. } => words(typed, &[("now", "")]),
        BetweenAnd(_) => words(typed, &[("and ", "the upper end")]),
        Connective { closes } => {
            let mut offered = vec![("and ", "both hold"), ("or ", "either holds")];
            if *closes {
                offered.push((")", "close the parenthesis"));
            }
            words(typed, &offered)
        }
    }
}

/// Properties of `kind` (of the types `wanted` accepts) continuing `typed`.
fn properties(
    vocabulary: &mut dyn Vocabulary,
    kind: EntityKind,
    typed: &str,
    wanted: impl Fn(&str) -> bool,
) -> Vec<Suggestion> {
    let prefix = typed.trim_start_matches('`');
    vocabulary
        .properties(kind)
        .into_iter()
        .filter(|(name, type_word)| wanted(type_word) && continues(name, prefix))
        .map(|(name, type_word)| Suggestion {
            label: format!("{name}  {type_word}"),
            insert: property_name(&name),
        })
        .collect()
}

fn segment_names(
    vocabulary: &mut dyn Vocabulary,
    kind: EntityKind,
    typed: &str,
    insert: impl Fn(&str) -> String,
) -> Vec<Suggestion> {
    let prefix = typed.trim_start_matches(['"', '\'']);
    vocabulary
        .segments()
        .into_iter()
        .filter(|(name, of)| *of == kind && name.to_lowercase().starts_with(&prefix.to_lowercase()))
        .map(|(name, _)| Suggestion {
            label: format!("{}  segment of {kind}", quoted(&name)),
            insert: insert(&name),
        })
        .collect()
}

/// Values for `property` at a place of `shape`: its frequent values from
/// the data, relative times for a datetime.
fn values(
    vocabulary: &mut dyn Vocabulary,
    property: Option<&PropertyRef>,
    shape: ValueShape,
    typed: &str,
) -> Vec<Suggestion> {
    let Some(property) = property else {
        return Vec::new();
    };
    let open = if shape == ValueShape::ListStart {
        "["
    } else {
        ""
    };
    if property.name == "segments" {
        return segment_names(vocabulary, property.kind, typed, |name| {
            format!("{open}{}", quoted(name))
        });
    }
    let type_word = type_of(vocabulary, property);
    if type_word == "datetime" && shape != ValueShape::InList && shape != ValueShape::ListStart {
        return words(
            typed,
            &[
                ("7 days ago", "a week back"),
                ("30 days ago", "a month back"),
                ("90 days ago", "a quarter back"),
                ("1 year ago", ""),
                ("now", "this instant"),
                ("30 days from now", "a month ahead"),
            ],
        );
    }
    let prefix = typed.to_lowercase();
    vocabulary
        .frequent_values(property.kind, &property.name)
        .into_iter()
        .filter(|(value, _)| shape != ValueShape::Text || matches!(value, Scalar::String(_)))
        .map(|(value, count)| (literal(&value), count))
        .filter(|(literal, _)| literal.to_lowercase().starts_with(&prefix) && *literal != typed)
        .map(|(literal, count)| {
            let noun = if count == 1 {
                property.kind.singular().to_string()
            } else {
                property.kind.to_string()
            };
            Suggestion {
                label: format!("{open}{literal}  {count} {noun}"),
                insert: format!("{open}{literal}"),
            }
        })
        .collect()
}

/// A value as a literal of the language writes it.
fn literal(value: &Scalar) -> String {
    let literal = match value {
        Scalar::String(text) => Literal::String(text.clone()),
        Scalar::Number(number) => Literal::Number(*number),
        Scalar::Bool(value) => Literal::Bool(*value),
        Scalar::DateTime(micros) => Literal::DateTime(*micros),
    };
    let mut out = String::new();
    write_literal(&mut out, &literal);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::widgets::completion::context_at;
    use proptest::prelude::*;

    /// The data the tests complete against.
    struct Fixture;

    impl Vocabulary for Fixture {
        fn properties(&mut self, kind: EntityKind) -> Vec<(String, String)> {
            let names: &[(&str, &str)] = match kind {
                EntityKind::Users => &[
                    ("last_seen_at", "datetime"),
                    ("role", "text"),
                    ("segments", "list"),
                    ("sessions_30d", "number"),
                    ("tags", "list"),
                    ("verified", "bool"),
                ],
                EntityKind::Accounts => {
                    &[("plan", "text"), ("seats", "number"), ("segments", "list")]
                }
            };
            names
                .iter()
                .map(|(n, t)| (n.to_string(), t.to_string()))
                .collect()
        }

        fn segments(&mut self) -> Vec<(String, EntityKind)> {
            vec![
                ("Champions".to_string(), EntityKind::Users),
                ("Enterprise".to_string(), EntityKind::Accounts),
            ]
        }

        fn frequent_values(&mut self, _: EntityKind, property: &str) -> Vec<(Scalar, usize)> {
            match property {
                "role" => vec![
                    (Scalar::String("member".into()), 190),
                    (Scalar::String("admin".into()), 45),
                    (Scalar::String("say \"hi\"".into()), 1),
                ],
                "plan" => vec![(Scalar::String("pro".into()), 12)],
                "seats" | "sessions_30d" => {
                    vec![(Scalar::Number(10.0), 4), (Scalar::Number(50.0), 2)]
                }
                "tags" => vec![(Scalar::String("vip".into()), 30)],
                _ => Vec::new(),
            }
        }
    }

    fn expecting(before: &str, kind: EntityKind) -> Expecting {
        context_at(before, kind).expecting
    }

    fn inserts(before: &str, kind: EntityKind) -> Vec<String> {
        suggestions(&context_at(before, kind), &mut Fixture)
            .into_iter()
            .map(|s| s.insert)
            .collect()
    }

    fn property(kind: EntityKind, name: &str) -> PropertyRef {
        PropertyRef {
            kind,
            name: name.to_string(),
        }
    }

    use EntityKind::{Accounts, Users};

    #[test]
    fn after_a_property_its_operators() {
        assert_eq!(
            expecting("role ", Users),
            Expecting::Operator(property(Users, "role"))
        );
        let text = inserts("role ", Users);
        assert!(text.contains(&"contains ".to_string()), "{text:?}");
        assert!(text.contains(&"starts with ".to_string()), "{text:?}");
        assert!(!text.contains(&"has ".to_string()), "{text:?}");
        assert_eq!(inserts("role co", Users), ["contains "]);
        let number = inserts("sessions_30d ", Users);
        assert!(number.contains(&">= ".to_string()) && number.contains(&"between ".to_string()));
        assert!(!number.contains(&"contains ".to_string()), "{number:?}");
        let lists = inserts("tags ", Users);
        assert_eq!(lists[..3], ["has ", "has any [", "has all ["]);
        assert_eq!(inserts("segments ", Users), ["has "]);
        assert_eq!(
            inserts("verified ", Users),
            ["= ", "!= ", "is set", "is not set"]
        );
        assert_eq!(inserts("role is ", Users), ["set", "not set"]);
        assert_eq!(inserts("role not s", Users), ["starts with "]);
        assert_eq!(inserts("role starts ", Users), ["with "]);
    }

    #[test]
    fn datetimes_compare_before_and_after_and_take_relative_times() {
        let labels: Vec<String> = suggestions(&context_at("last_seen_at ", Users), &mut Fixture)
            .into_iter()
            .map(|s| s.label)
            .collect();
        assert!(labels.contains(&">  after".to_string()), "{labels:?}");
        assert!(labels.contains(&"<  before".to_string()), "{labels:?}");
        let values = inserts("last_seen_at > ", Users);
        assert!(values.contains(&"30 days ago".to_string()), "{values:?}");
        assert_eq!(
            inserts("last_seen_at > 3", Users),
            ["30 days ago", "30 days from now"]
        );
        assert_eq!(inserts("last_seen_at > 12 ", Users)[0], "days ago");
        assert_eq!(
            inserts("last_seen_at > 12 days ", Users),
            ["ago", "from now"]
        );
        assert_eq!(
            inserts("last_seen_at > 12 days ago ", Users),
            ["and ", "or "]
        );
    }

    #[test]
    fn after_an_operator_the_frequent_values_as_literals() {
        assert_eq!(
            inserts("role = ", Users),
            ["\"member\"", "\"admin\"", "\"say \\\"hi\\\"\""]
        );
        assert_eq!(inserts("role = \"ad", Users), ["\"admin\""]);
        assert_eq!(inserts("role in ", Users)[0], "[\"member\"");
        assert_eq!(inserts("role in [\"admin\", ", Users)[0], "\"member\"");
        assert_eq!(inserts("sessions_30d >= ", Users), ["10", "50"]);
        assert_eq!(inserts("sessions_30d between 10 ", Users), ["and "]);
        assert_eq!(inserts("sessions_30d between 10 and 5", Users), ["50"]);
        assert_eq!(inserts("tags has ", Users)[..2], ["\"vip\"", "any ["]);
        assert_eq!(inserts("verified = ", Users), Vec::<String>::new());
        let labels = suggestions(&context_at("role = ", Users), &mut Fixture);
        assert_eq!(labels[0].label, "\"member\"  190 users");
        assert_eq!(labels[2].label, "\"say \\\"hi\\\"\"  1 user");
    }

    #[test]
    fn segment_names_of_the_right_kind() {
        assert_eq!(inserts("in segment ", Users), ["\"Champions\""]);
        assert_eq!(inserts("in segment \"Ch", Users), ["\"Champions\""]);
        assert_eq!(inserts("account in segment ", Users), ["\"Enterprise\""]);
        assert_eq!(
            inserts("account not in segment \"E", Users),
            ["\"Enterprise\""]
        );
        assert_eq!(inserts("in segment ", Accounts), ["\"Enterprise\""]);
        assert_eq!(inserts("segments has ", Users), ["\"Champions\""]);
        assert_eq!(
            expecting("count(users where in segment ", Accounts),
            Expecting::SegmentName(Users)
        );
    }

    #[test]
    fn account_properties_after_account_dot() {
        assert_eq!(inserts("account.", Users), ["plan", "seats", "segments"]);
        assert_eq!(
            inserts("role = \"admin\" and account.s", Users),
            ["seats", "segments"]
        );
        assert_eq!(
            expecting("account.plan ", Users),
            Expecting::Operator(property(Accounts, "plan"))
        );
        assert_eq!(inserts("account.plan = ", Users), ["\"pro\""]);
        assert_eq!(expecting("account.", Accounts), Expecting::Nothing);
    }

    #[test]
    fn aggregates_only_in_accounts_segments_and_users_inside_them() {
        let users = inserts("", Users);
        assert!(!users.iter().any(|s| s.contains("(users")), "{users:?}");
        assert!(users.contains(&"account.".to_string()));
        assert_eq!(inserts("a", Users), ["account.", "account in segment "]);
        let accounts = inserts("", Accounts);
        assert!(
            accounts.contains(&"count(users)".to_string()),
            "{accounts:?}"
        );
        assert!(!accounts.contains(&"account.".to_string()), "{accounts:?}");
        assert_eq!(inserts("av", Accounts), ["avg(users."]);
        assert_eq!(
            inserts("count(users where se", Accounts),
            ["segments", "sessions_30d"]
        );
        assert_eq!(
            inserts("sum(users.", Accounts),
            ["last_seen_at", "sessions_30d"],
            "numbers and datetimes only"
        );
        assert_eq!(
            inserts("count(users where role = \"x\" ", Accounts),
            ["and ", "or ", ")"]
        );
        assert_eq!(
            expecting("count(users where role = \"x\") ", Accounts),
            Expecting::AggregateOperator
        );
        assert_eq!(
            expecting("count(users) >= 3 ", Accounts),
            Expecting::Amount {
                property: None,
                then: Box::new(Expecting::Connective { closes: false }),
            }
        );
        assert_eq!(inserts("count(users) >= 3 ", Accounts), ["and ", "or "]);
        assert_eq!(
            inserts("count(users where count(", Accounts),
            Vec::<String>::new()
        );
    }

    #[test]
    fn after_a_complete_comparison_and_or() {
        assert_eq!(inserts("role = \"admin\" ", Users), ["and ", "or "]);
        assert_eq!(inserts("role = \"admin\" a", Users), ["and "]);
        assert_eq!(inserts("(role = \"admin\" ", Users), ["and ", "or ", ")"]);
        assert_eq!(inserts("role is set ", Users), ["and ", "or "]);
        assert_eq!(inserts("role in [\"a\"] ", Users), ["and ", "or "]);
        assert_eq!(inserts("in segment \"Champions\" ", Users), ["and ", "or "]);
        assert_eq!(
            inserts("role = \"admin\" and se", Users),
            ["segments", "sessions_30d"]
        );
        assert_eq!(inserts("not ro", Users), ["role"]);
    }

    #[test]
    fn nothing_where_the_text_cannot_be_followed() {
        for before in [
            "role = \"admin\"",
            "role = = ",
            "role # a comment",
            ") ",
            "role = \"admin\" and and ",
            "in segment \"Champions\"",
            "sessions_30d",
        ] {
            assert_eq!(inserts(before, Users), Vec::<String>::new(), "{before:?}");
        }
    }

    #[test]
    fn the_typed_token_is_what_a_suggestion_replaces() {
        assert_eq!(context_at("role = \"ad", Users).typed, "\"ad");
        assert_eq!(context_at("role co", Users).typed, "co");
        assert_eq!(context_at("account.pl", Users).typed, "pl");
        assert_eq!(context_at("`Company Si", Users).typed, "`Company Si");
        assert_eq!(context_at("role ", Users).typed, "");
    }

    proptest! {
        #[test]
        fn any_text_and_cursor_never_panics(
            text in "(\\PC|[ \"'`()\\[\\],.=<>!#\n]|and |or |in segment |count\\(users |é|漢){0,40}",
            cursor in 0usize..200,
            accounts in any::<bool>(),
        ) {
            let cut: String = text.chars().take(cursor).collect();
            let kind = if accounts { Accounts } else { Users };
            let context = context_at(&cut, kind);
            let _ = suggestions(&context, &mut Fixture);
            prop_assert!(cut.ends_with(&context.typed));
        }
    }
}

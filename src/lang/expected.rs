//! Turns "pest expected these rules here" into words a user understands:
//! `expected a comparison operator such as = or >`, never rule names.

use super::parser::Rule;

/// Phrases in the order they are listed in a message; each rule maps to one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
enum Phrase {
    Definition,
    Name,
    For,
    EntityKind,
    OpenBrace,
    SegmentItem,
    Entry,
    SortOrder,
    Assign,
    Secret,
    Env,
    Condition,
    Operator,
    Value,
    TimeUnit,
    AgoOrFromNow,
    Text,
    List,
    Segment,
    Now,
    Where,
    Comparison,
    With,
    AnyOrAll,
    Users,
    UsersProperty,
    Property,
    AndOr,
    CloseParen,
    CloseBracket,
    Comma,
    OpenParen,
    CloseBrace,
    End,
}

impl Phrase {
    fn words(self) -> &'static str {
        match self {
            Phrase::Definition => "a definition such as segment \"Name\" for users { ... }",
            Phrase::Name => "a name in quotes, such as \"Champions\"",
            Phrase::For => "`for users` or `for accounts`",
            Phrase::EntityKind => "`users` or `accounts`",
            Phrase::OpenBrace => "`{`",
            Phrase::SegmentItem => "`description` or `where`",
            Phrase::Entry => "an entry such as `key email`",
            Phrase::SortOrder => "`asc` or `desc`",
            Phrase::Assign => "`=` and the value to set, as in set plan = \"pro\"",
            Phrase::Secret => "`secret env \"VARIABLE\"`",
            Phrase::Env => "`env \"VARIABLE\"`",
            Phrase::Condition => "a condition such as plan = \"pro\"",
            Phrase::Operator => "an operator such as =, !=, >, in, contains, between or is set",
            Phrase::Value => "a value such as \"text\", 42, true or 2024-05-01",
            Phrase::TimeUnit => "a time unit such as days or months",
            Phrase::AgoOrFromNow => "`ago` or `from now`",
            Phrase::Text => "text in quotes",
            Phrase::List => "a list such as [\"a\", \"b\"]",
            Phrase::Segment => "`segment`",
            Phrase::Now => "`now`",
            Phrase::Where => "`where`",
            Phrase::Comparison => "a comparison operator such as = or >",
            Phrase::With => "`with`",
            Phrase::AnyOrAll => "`any` or `all`",
            Phrase::Users => "`users`",
            Phrase::UsersProperty => "a users property such as users.sessions",
            Phrase::Property => "a property name",
            Phrase::AndOr => "`and`/`or`",
            Phrase::CloseParen => "`)`",
            Phrase::CloseBracket => "`]`",
            Phrase::Comma => "`,`",
            Phrase::OpenParen => "`(`",
            Phrase::CloseBrace => "`}`",
            Phrase::End => "the end of the text",
        }
    }
}

fn phrase(rule: Rule) -> Option<Phrase> {
    use Rule::*;
    let phrase = match rule {
        segment_definition | block_definition | block_keyword | kw_view | kw_playbook
        | kw_destination => Phrase::Definition,
        name => Phrase::Name,
        kw_for => Phrase::For,
        entity_kind | kw_accounts => Phrase::EntityKind,
        open_brace => Phrase::OpenBrace,
        description | kw_description | where_clause => Phrase::SegmentItem,
        kw_where => Phrase::Where,
        entry | entry_key | connector | when_clause | kw_when | set_clause | webhook_entry
        | kw_webhook => Phrase::Entry,
        entry_word => Phrase::SortOrder,
        assign => Phrase::Assign,
        kw_secret => Phrase::Secret,
        env_reference | kw_env => Phrase::Env,
        condition | condition_only | prefix_not | segment_membership | account_membership
        | aggregate_predicate | property_predicate | aggregate | count_aggregate
        | value_aggregate | kw_account | kw_count | aggregate_function | kw_sum | kw_avg
        | kw_min | kw_max | kw_not => Phrase::Condition,
        compare_op => Phrase::Comparison,
        compare_tail | in_list_tail | text_tail | between_tail | is_set_tail | has_tail
        | has_any_tail | has_all_tail | text_op | negation | kw_in | kw_is | kw_has
        | kw_between | kw_contains | kw_starts | kw_ends | kw_matches => Phrase::Operator,
        value | literal | relative_time | number | datetime | boolean | amount => Phrase::Value,
        kw_now => Phrase::Now,
        time_unit => Phrase::TimeUnit,
        kw_ago | kw_from => Phrase::AgoOrFromNow,
        string | double_inner | single_inner | escape => Phrase::Text,
        list | open_bracket => Phrase::List,
        kw_with => Phrase::With,
        kw_any | kw_all => Phrase::AnyOrAll,
        kw_users => Phrase::Users,
        kw_segment => Phrase::Segment,
        users_property => Phrase::UsersProperty,
        property_path | identifier => Phrase::Property,
        or_op | and_op | kw_and | kw_or => Phrase::AndOr,
        close_paren => Phrase::CloseParen,
        close_bracket => Phrase::CloseBracket,
        comma => Phrase::Comma,
        open_paren => Phrase::OpenParen,
        close_brace => Phrase::CloseBrace,
        EOI => Phrase::End,
        _ => return None,
    };
    Some(phrase)
}

/// "expected X, Y or Z" for the rules pest wanted at the error position.
/// A time unit is only worth mentioning when a word was found (`3 dayz`).
pub fn expected_message(rules: &[Rule], found_word: bool) -> String {
    let mut phrases: Vec<Phrase> = rules.iter().filter_map(|&rule| phrase(rule)).collect();
    phrases.sort();
    phrases.dedup();
    if !found_word && phrases.len() > 1 {
        phrases.retain(|&p| p != Phrase::TimeUnit);
    }
    if phrases.contains(&Phrase::SegmentItem) {
        phrases.retain(|&p| p != Phrase::Where);
    }
    if phrases.contains(&Phrase::Operator) {
        phrases.retain(|&p| p != Phrase::Comparison);
    }
    // A condition can start with a property; saying both is noise.
    if phrases.contains(&Phrase::Condition) {
        phrases.retain(|&p| p != Phrase::Property);
    }
    // Inside a definition's body the keywords are the useful part.
    if phrases.contains(&Phrase::SegmentItem) || phrases.contains(&Phrase::Entry) {
        phrases.retain(|&p| p != Phrase::Condition && p != Phrase::Property);
    }
    let words: Vec<&str> = phrases.iter().map(|p| p.words()).collect();
    match words.as_slice() {
        [] => "unexpected text".to_string(),
        [one] => format!("expected {one}"),
        [init @ .., last] => format!("expected {} or {last}", init.join(", ")),
    }
}

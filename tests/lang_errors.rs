//! Error messages as a user sees them, pinned as snapshots under
//! `tests/snapshots/`: syntax errors in conditions and files, then validation
//! errors. Each case is one test named after the mistake; the snapshot's
//! `expression` line shows the input.

use segscope::lang::validate::{SegmentCatalog, SourceFile, validate_condition, validate_files};
use segscope::lang::{Diagnostic, Renderer, parse_condition, parse_file};
use segscope::model::EntityKind;

fn render(origin: &str, text: &str, diagnostics: &[Diagnostic]) -> String {
    let renderer = Renderer {
        origin,
        text,
        color: false,
    };
    renderer.render_all(diagnostics)
}

/// The syntax errors of a condition that must not parse.
fn condition_errors(text: &str) -> String {
    match parse_condition(text) {
        Ok(condition) => panic!("{text:?} parsed as {condition:?}"),
        Err(diagnostics) => render("condition", text, &diagnostics),
    }
}

/// The syntax errors of a file or, when it has none, its validation errors.
fn file_errors(text: &str) -> String {
    let (file, syntax) = parse_file(text);
    let diagnostics = if syntax.is_empty() {
        let source = SourceFile {
            origin: "test.seg",
            text,
            file: &file,
        };
        validate_files(&[source], &SegmentCatalog::new()).remove(0)
    } else {
        syntax
    };
    assert!(!diagnostics.is_empty(), "{text:?} has no errors");
    render("test.seg", text, &diagnostics)
}

/// The validation errors of a users condition typed in the editor, against
/// a users segment "Champions" and an accounts segment "Enterprise ICP".
fn editor_errors(text: &str) -> String {
    let condition = parse_condition(text)
        .unwrap_or_else(|d| panic!("{text:?} should parse: {}", render("condition", text, &d)));
    let mut catalog = SegmentCatalog::new();
    catalog.insert("Champions", EntityKind::Users);
    catalog.insert("Enterprise ICP", EntityKind::Accounts);
    let diagnostics = validate_condition(&condition, EntityKind::Users, &catalog);
    assert!(!diagnostics.is_empty(), "{text:?} has no errors");
    render("condition", text, &diagnostics)
}

/// One snapshot test per case: `name: input,` rendered by `$errors`.
macro_rules! snapshots {
    ($errors:ident { $($name:ident: $text:expr,)* }) => {
        $(
            #[test]
            fn $name() {
                insta::assert_snapshot!(stringify!($name), $errors(&$text));
            }
        )*
    };
}

// ---------------------------------------------------------------- conditions

snapshots!(condition_errors {
    missing_value: "plan =",
    missing_value_before_and: "plan = and seats > 1",
    missing_operator: r#"plan "pro""#,
    reversed_operator: "seats => 5",
    unexpected_symbol: "seats @ 5",
    unclosed_string: r#"plan = "pro"#,
    unclosed_single_quoted_string: "plan = 'pro",
    unclosed_paren: r#"(plan = "pro" or seats > 3"#,
    stray_close_paren: r#"plan = "pro")"#,
    bad_escape: r#"plan = "a\q""#,
    surrogate_escape: r#"plan = "\u{D800}""#,
    escape_beyond_unicode: r#"plan = "\u{110000}""#,
    escape_without_braces: r#"plan = "\u1F600""#,
    nonexistent_date: "renewal_at = 2024-02-30",
    nonexistent_time: "seen_at > 2024-05-01T25:00:00Z",
    missing_time_zone: "seen_at > 2024-05-01T10:30:00",
    short_offset: "seen_at > 2024-05-01T10:30:00+2",
    short_date: "seen_at > 2024-5-1",
    date_out_of_range: "ends_at < 0000-01-01T00:30:00+01:00",
    huge_number: "seats > 1e999",
    number_ending_in_a_dot: "seats > 1.",
    huge_relative_amount: "seen_at > 100001 days ago",
    relative_amount_beyond_u32: "seen_at > 99999999999 days ago",
    bad_unit: "seen_at > 3 fortnights ago",
    relative_without_ago: "seen_at > 3 days",
    from_without_now: "renews_at < 3 days from",
    reserved_word_as_property: "and = 1",
    reserved_word_as_later_property: r#"plan = "pro" and contains = "x""#,
    empty_condition: "",
    only_a_comment: "   # nothing here",
    trailing_and: r#"plan = "pro" and"#,
    double_or: "plan = 1 or or seats = 2",
    lone_not: "not",
    missing_conjunction: "plan = 1 seats = 2",
    between_without_and: "seats between 1",
    between_with_or: "seats between 1 or 10",
    between_without_high: "seats between 1 and",
    has_any_without_list: r#"tags has any "vip""#,
    has_all_at_the_end: "tags has all",
    has_with_a_list: r#"tags has ["vip"]"#,
    in_without_list: r#"plan in "pro""#,
    list_without_comma: r#"plan in ["a" "b"]"#,
    unclosed_list: r#"plan in ["a","#,
    list_as_value: "plan = [1, 2]",
    is_without_set: "phone is",
    is_not_without_set: "phone is not",
    starts_without_with: r#"email starts "a""#,
    text_operator_with_a_number: "email contains 5",
    unquoted_text: "plan = pro",
    unquoted_segment_name: "in segment Champions",
    segment_without_name: "not in segment",
    account_in_without_segment: r#"account in "S""#,
    aggregate_without_operator: "count(users) 3",
    aggregate_not_closed: "count(users where seats > 1",
    aggregate_of_own_property: "sum(seats) > 1",
    count_of_a_property: "count(users.seats) > 1",
    aggregate_between: "avg(users.nps) between 1 and 5",
    empty_backticks: "`` = 1",
    unclosed_backtick: "`Company Size = 1",
    dotted_property: "plan.name = 1",
    non_ascii_bare_property: "名前 = 1",
    error_after_wide_characters: r#"name = "日本😀" and x ="#,
    deep_parentheses: format!("{}a = 1{}", "(".repeat(70), ")".repeat(70)),
    deep_nots: format!("{}a = 1", "not ".repeat(70)),
});

// ---------------------------------------------------------------- files

const THREE_BROKEN: &str = r#"segment "Good" for users { where a = 1 }

segment "No value" for users {
  where plan =
}

segment "Bad kind" for people {
  where plan = "pro"
}

segment "Open string" for users {
  where plan = "pro
}

segment "Also good" for users { where b = 2 }
"#;

snapshots!(file_errors {
    unknown_kind: "segment \"A\" for people {\n  where x = 1\n}\n",
    missing_for: "segment \"A\" users {\n  where x = 1\n}\n",
    unquoted_definition_name: "segment Champions for users {\n  where x = 1\n}\n",
    unclosed_brace: "segment \"A\" for users {\n  where x = 1\n",
    missing_value_before_brace: "segment \"Trial\" for users {\n  where plan =\n}\n",
    no_condition: "segment \"A\" for users {\n  description \"no where\"\n}\n",
    two_wheres: "segment \"A\" for users {\n  where a = 1\n  where b = 2\n}\n",
    two_descriptions: "segment \"A\" for users {\n  description \"a\"\n  description \"b\"\n  where a = 1\n}\n",
    misspelled_definition_keyword: "segmnet \"A\" for users {\n  where x = 1\n}\n",
    unknown_segment_item: "segment \"A\" for users {\n  when x = 1\n}\n",
    condition_outside_a_definition: "plan = \"pro\"\n",
    bad_escape_in_a_name: "segment \"A\\q\" for users {\n  where x = 1\n}\n",
    bad_block_entry: "view \"V\" for users {\n  columns [email]\n}\n",
    three_broken_definitions: THREE_BROKEN,
    windows_line_endings: "segment \"A\" for users {\r\n  where a =\r\n}\r\n",
    duplicate_name: "segment \"Champions\" for users { where a = 1 }\nsegment \"champions\" for accounts { where a = 1 }\n",
    empty_name: "segment \"\" for users { where a = 1 }\n",
    name_too_long: format!(
        "segment \"{}\" for users {{ where a = 1 }}\n",
        "n".repeat(201)
    ),
    unknown_segment_did_you_mean: "segment \"Champions\" for users { where a = 1 }\nsegment \"B\" for users { where in segment \"Champion\" }\n",
    unknown_segment_without_suggestion: "segment \"B\" for users { where in segment \"Nobody\" }\n",
    users_in_segment_of_accounts: "segment \"ICP\" for accounts { where a = 1 }\nsegment \"U\" for users { where in segment \"ICP\" }\n",
    account_in_segment_of_users: "segment \"Fans\" for users { where a = 1 }\nsegment \"U\" for users { where account in segment \"Fans\" }\n",
    accounts_in_segment_of_users: "segment \"Fans\" for users { where a = 1 }\nsegment \"A\" for accounts { where in segment \"Fans\" }\n",
    account_in_segment_inside_accounts: "segment \"ICP\" for accounts { where a = 1 }\nsegment \"A\" for accounts { where account in segment \"ICP\" }\n",
    account_property_inside_accounts: "segment \"A\" for accounts {\n  where account.plan = \"pro\"\n}\n",
    aggregate_in_users_segment: "segment \"U\" for users {\n  where count(users) > 3\n}\n",
    nested_aggregate: "segment \"A\" for accounts {\n  where count(users where avg(users.nps) > 8) > 3\n}\n",
    segments_misuse: "segment \"U\" for users {\n  where segments contains \"Champ\"\n}\n",
    segments_has_unknown: "segment \"U\" for users {\n  where segments has \"Nobody\"\n}\n",
    invalid_regex: "segment \"U\" for users {\n  where title matches \"(vp|head\"\n}\n",
    regex_too_large: "segment \"U\" for users {\n  where title matches \"a{99999999}\"\n}\n",
    cycle_of_three: "segment \"A\" for users { where in segment \"B\" }\nsegment \"B\" for users { where in segment \"C\" }\nsegment \"C\" for users { where in segment \"A\" }\n",
    self_reference: "segment \"Self\" for users {\n  where a = 1 or in segment \"self\"\n}\n",
    property_name_too_long: format!(
        "segment \"U\" for users {{ where `{}` = 1 }}\n",
        "p".repeat(129)
    ),
});

// ---------------------------------------------------------------- editor

snapshots!(editor_errors {
    editor_unknown_segment: r#"in segment "Champs""#,
    editor_wrong_kind: r#"in segment "Enterprise ICP""#,
    editor_aggregate_about_users: "count(users) > 1",
});

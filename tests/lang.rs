//! The segscope language through its public API: exact trees and canonical
//! text for every form of dsl.md, comments, recovery from syntax errors,
//! validation, and "never panics" property tests. The exact
//! wording of error messages is pinned in `tests/lang_errors.rs`.

use segscope::lang::format::{format_condition, format_file};
use segscope::lang::validate::{SegmentCatalog, SourceFile, validate_condition, validate_files};
use segscope::lang::{Diagnostic, Renderer, parse_condition, parse_file};
use segscope::model::ast::*;
use segscope::model::{DefinitionKind, EntityKind};

// ---------------------------------------------------------------- helpers

fn render(origin: &str, text: &str, diagnostics: &[Diagnostic]) -> String {
    let renderer = Renderer {
        origin,
        text,
        color: false,
    };
    renderer.render_all(diagnostics)
}

/// Parses a condition that must be valid.
fn parse(text: &str) -> Condition {
    parse_condition(text).unwrap_or_else(|diagnostics| {
        panic!(
            "{text:?} should parse:\n{}",
            render("condition", text, &diagnostics)
        )
    })
}

/// The canonical reading of `text`.
fn canon(text: &str) -> String {
    format_condition(&parse(text))
}

/// `text` reads as `expected`, and `expected` is canonical: it reads back as
/// a tree of the same meaning and formats to itself.
fn assert_canon(text: &str, expected: &str) {
    let tree = parse(text);
    assert_eq!(
        format_condition(&tree),
        expected,
        "canonical form of {text:?}"
    );
    assert_eq!(
        parse(expected).without_spans(),
        tree.without_spans(),
        "{expected:?} reads back differently"
    );
}

/// `text` means `expected`, whose spans are left empty.
fn assert_tree(text: &str, expected: Condition) {
    assert_eq!(
        parse(text).without_spans(),
        expected.without_spans(),
        "tree of {text:?}"
    );
}

/// Parses a file that must have no syntax errors.
fn parse_ok(text: &str) -> File {
    let (file, diagnostics) = parse_file(text);
    assert!(
        diagnostics.is_empty(),
        "should parse:\n{}",
        render("test.seg", text, &diagnostics)
    );
    file
}

/// `format_file` output that parses back to the same definitions and is a
/// fixed point of the formatter.
fn formatted(text: &str) -> String {
    let file = parse_ok(text);
    let out = format_file(&file, text);
    let again = parse_ok(&out);
    assert_eq!(
        again.definitions.without_spans(),
        file.definitions.without_spans(),
        "formatted:\n{out}"
    );
    assert_eq!(
        format_file(&again, &out),
        out,
        "formatting is not idempotent"
    );
    out
}

fn definition_names(file: &File) -> Vec<&str> {
    file.definitions
        .iter()
        .map(|definition| definition.name().text.as_str())
        .collect()
}

// Tree builders. Their spans are left empty: trees are compared by meaning
// (`without_spans`); the spans themselves are pinned in tests/lang_spans.rs.

fn at() -> Span {
    Span::default()
}

fn path(scope: Scope, name: &str) -> PropertyPath {
    PropertyPath {
        scope,
        name: name.to_string(),
        span: at(),
    }
}

fn own(name: &str) -> PropertyPath {
    path(Scope::Own, name)
}

fn pred(kind: PredicateKind) -> Condition {
    Condition::Predicate(Predicate { kind, span: at() })
}

fn not(inner: Condition) -> Condition {
    Condition::Not(Box::new(inner), at())
}

fn compare(path: PropertyPath, op: CompareOp, value: Value) -> Condition {
    pred(PredicateKind::Compare { path, op, value })
}

/// `name = value` for a literal value.
fn eq(name: &str, value: Literal) -> Condition {
    compare(own(name), CompareOp::Eq, Value::Literal(value))
}

fn int(name: &str, value: i32) -> Condition {
    eq(name, num(value.into()))
}

fn num(value: f64) -> Literal {
    Literal::Number(value)
}

fn string(value: &str) -> Literal {
    Literal::String(value.to_string())
}

fn name(text: &str) -> Name {
    Name {
        text: text.to_string(),
        span: at(),
    }
}

fn in_segment(negated: bool, segment: &str) -> Condition {
    pred(PredicateKind::InSegment {
        negated,
        segment: name(segment),
    })
}

fn is_set(name: &str, negated: bool) -> Condition {
    pred(PredicateKind::IsSet {
        path: own(name),
        negated,
    })
}

fn value_of(text: &str) -> Value {
    match parse(&format!("x = {text}")) {
        Condition::Predicate(Predicate {
            kind: PredicateKind::Compare { value, .. },
            ..
        }) => value,
        other => panic!("{text:?} is not a value: {other:?}"),
    }
}

fn literal_of(text: &str) -> Literal {
    match value_of(text) {
        Value::Literal(literal) => literal,
        other => panic!("{text:?} is not a literal: {other:?}"),
    }
}

/// Microseconds since the epoch of a UTC date and time.
fn micros(date: &str) -> i64 {
    date.parse::<jiff::Timestamp>()
        .unwrap_or_else(|e| panic!("{date}: {e}"))
        .as_microsecond()
}

// ---------------------------------------------------------------- predicates

#[test]
fn comparison_operators() {
    use CompareOp::*;
    let cases = [
        ("x = 1", Eq),
        ("x == 1", Eq),
        ("x != 1", Ne),
        ("x <> 1", Ne),
        ("x < 1", Lt),
        ("x <= 1", Le),
        ("x > 1", Gt),
        ("x >= 1", Ge),
        ("x>=1", Ge),
        ("x<>1", Ne),
    ];
    for (text, op) in cases {
        assert_tree(text, compare(own("x"), op, Value::Literal(num(1.0))));
    }
    assert_canon("x == 1", "x = 1");
    assert_canon("x <> 1", "x != 1");
    assert_canon("x<=1", "x <= 1");
}

#[test]
fn list_membership() {
    let values = vec![
        string("admin"),
        num(2024.0),
        Literal::Bool(true),
        Literal::DateTime(micros("2024-05-01T00:00:00Z")),
    ];
    for (text, negated) in [("in", false), ("not in", true), ("NOT IN", true)] {
        assert_tree(
            &format!(r#"role {text} ["admin", 2024, true, 2024-05-01]"#),
            pred(PredicateKind::InList {
                path: own("role"),
                negated,
                values: values.clone(),
            }),
        );
    }
    assert_canon("role in []", "role in []");
    assert_canon(r#"role in ['a',2,]"#, r#"role in ["a", 2]"#);
    assert_canon(r#"role not in ["a"]"#, r#"role not in ["a"]"#);
}

#[test]
fn text_operators() {
    use TextOp::*;
    let cases = [
        ("contains", Contains, false),
        ("not contains", Contains, true),
        ("starts with", StartsWith, false),
        ("not starts with", StartsWith, true),
        ("ends with", EndsWith, false),
        ("not ends with", EndsWith, true),
        ("matches", Matches, false),
        ("not matches", Matches, true),
    ];
    for (words, op, negated) in cases {
        let text = format!(r#"email {words} "@acme""#);
        let expected = pred(PredicateKind::Text {
            path: own("email"),
            op,
            negated,
            pattern: Text {
                value: "@acme".to_string(),
                span: at(),
            },
        });
        assert_tree(&text, expected.clone());
        let shouted = format!(r#"email {} "@acme""#, words.to_uppercase());
        assert_tree(&shouted, expected);
        assert_canon(&text, &text);
    }
}

#[test]
fn between() {
    for (words, negated) in [("between", false), ("not between", true)] {
        assert_tree(
            &format!("seats {words} 1 and 10"),
            pred(PredicateKind::Between {
                path: own("seats"),
                negated,
                low: Value::Literal(num(1.0)),
                high: Value::Literal(num(10.0)),
            }),
        );
    }
    assert_canon(
        "seen_at between 7 days ago and now",
        "seen_at between 7 days ago and now",
    );
    assert_canon(
        "seen_at NOT BETWEEN 2024-01-01 AND 2024-12-31T23:59:59Z",
        "seen_at not between 2024-01-01 and 2024-12-31T23:59:59Z",
    );
    // The `and` of `between` is not a conjunction.
    assert_tree(
        "seats between 1 and 10 and plan = 1",
        Condition::And(vec![
            pred(PredicateKind::Between {
                path: own("seats"),
                negated: false,
                low: Value::Literal(num(1.0)),
                high: Value::Literal(num(10.0)),
            }),
            int("plan", 1),
        ]),
    );
}

#[test]
fn is_set_and_is_not_set() {
    assert_tree("phone is set", is_set("phone", false));
    assert_tree("phone is not set", is_set("phone", true));
    assert_tree("phone Is Set", is_set("phone", false));
    assert_tree("phone IS NOT SET", is_set("phone", true));
    assert_canon("phone Is Not Set", "phone is not set");
}

#[test]
fn has_forms() {
    let tags = || own("tags");
    assert_tree(
        r#"tags has "vip""#,
        pred(PredicateKind::Has {
            path: tags(),
            value: string("vip"),
        }),
    );
    assert_tree(
        "tags has 2024",
        pred(PredicateKind::Has {
            path: tags(),
            value: num(2024.0),
        }),
    );
    assert_tree(
        r#"tags has any ["vip", 2024]"#,
        pred(PredicateKind::HasAny {
            path: tags(),
            values: vec![string("vip"), num(2024.0)],
        }),
    );
    assert_tree(
        r#"tags HAS ALL ["a", "b"]"#,
        pred(PredicateKind::HasAll {
            path: tags(),
            values: vec![string("a"), string("b")],
        }),
    );
    assert_canon(r#"tags Has Any ['a']"#, r#"tags has any ["a"]"#);
    assert_canon("tags has false", "tags has false");
    assert_canon("tags has 2024-05-01", "tags has 2024-05-01");
}

#[test]
fn segment_membership() {
    assert_tree(r#"in segment "Champions""#, in_segment(false, "Champions"));
    assert_tree(
        r#"not in segment "Champions""#,
        in_segment(true, "Champions"),
    );
    assert_tree(
        r#"NOT In SeGmEnT 'Champions'"#,
        in_segment(true, "Champions"),
    );
    for (text, negated) in [
        ("account in segment", false),
        ("account not in segment", true),
    ] {
        assert_tree(
            &format!(r#"{text} "Enterprise ICP""#),
            pred(PredicateKind::AccountInSegment {
                negated,
                segment: name("Enterprise ICP"),
            }),
        );
    }
    assert_canon(
        r#"Account Not In Segment 'ICP'"#,
        r#"account not in segment "ICP""#,
    );
}

#[test]
fn account_properties() {
    assert_tree(
        r#"account.plan = "pro""#,
        compare(
            path(Scope::Account, "plan"),
            CompareOp::Eq,
            Value::Literal(string("pro")),
        ),
    );
    assert_tree(
        "account.`Company Size` is set",
        pred(PredicateKind::IsSet {
            path: path(Scope::Account, "Company Size"),
            negated: false,
        }),
    );
    assert_canon("ACCOUNT.plan is set", "account.plan is set");
}

fn aggregate(
    function: AggregateFunction,
    property: Option<&str>,
    filter: Option<Condition>,
    op: CompareOp,
    value: Value,
) -> Condition {
    pred(PredicateKind::Aggregate {
        aggregate: Aggregate {
            function,
            property: property.map(|p| path(Scope::Users, p)),
            filter: filter.map(Box::new),
            span: at(),
        },
        op,
        value,
    })
}

#[test]
fn aggregates() {
    use AggregateFunction::*;
    let three = || Value::Literal(num(3.0));
    assert_tree(
        "count(users) >= 3",
        aggregate(Count, None, None, CompareOp::Ge, three()),
    );
    assert_tree(
        "count(users where last_seen_at > 30 days ago) >= 3",
        aggregate(
            Count,
            None,
            Some(compare(
                own("last_seen_at"),
                CompareOp::Gt,
                Value::Relative(RelativeTime::Ago(30, TimeUnit::Day)),
            )),
            CompareOp::Ge,
            three(),
        ),
    );
    for (word, function) in [("sum", Sum), ("avg", Avg), ("min", Min), ("max", Max)] {
        assert_tree(
            &format!("{word}(users.sessions) < 3"),
            aggregate(function, Some("sessions"), None, CompareOp::Lt, three()),
        );
        assert_tree(
            &format!("{word}(users.sessions where in segment \"Active\") != 3"),
            aggregate(
                function,
                Some("sessions"),
                Some(in_segment(false, "Active")),
                CompareOp::Ne,
                three(),
            ),
        );
    }
    assert_canon(
        "MAX(Users.last_seen_at WHERE account.plan = 'pro' or role = 'admin') > 2 days ago",
        r#"max(users.last_seen_at where account.plan = "pro" or role = "admin") > 2 days ago"#,
    );
    assert_canon(
        "sum(users.`Seat Count`) == 0",
        "sum(users.`Seat Count`) = 0",
    );
}

/// Every predicate form of dsl.md §3, as typed and in canonical form.
#[test]
fn canonical_form_of_every_predicate() {
    let cases = [
        (r#"plan == 'pro'"#, r#"plan = "pro""#),
        ("seats <> 5", "seats != 5"),
        ("seats>=50", "seats >= 50"),
        (
            r#"role IN ["admin","owner"]"#,
            r#"role in ["admin", "owner"]"#,
        ),
        (r#"role not in ['x']"#, r#"role not in ["x"]"#),
        (r#"name Contains "ac""#, r#"name contains "ac""#),
        (r#"name NOT CONTAINS "ac""#, r#"name not contains "ac""#),
        (r#"email starts   with "a""#, r#"email starts with "a""#),
        (
            r#"email not starts with "a""#,
            r#"email not starts with "a""#,
        ),
        (
            r#"email ENDS WITH "@acme.com""#,
            r#"email ends with "@acme.com""#,
        ),
        (r#"email not ends with "@x""#, r#"email not ends with "@x""#),
        (r#"title matches "(?i)^vp""#, r#"title matches "(?i)^vp""#),
        (r#"title not matches "^vp""#, r#"title not matches "^vp""#),
        ("nps between 9 and 10", "nps between 9 and 10"),
        ("nps not between 0 and 6", "nps not between 0 and 6"),
        ("phone is set", "phone is set"),
        ("phone is not set", "phone is not set"),
        (r#"tags has "vip""#, r#"tags has "vip""#),
        (r#"tags has any ["a", 1]"#, r#"tags has any ["a", 1]"#),
        (r#"tags has all ["a", true]"#, r#"tags has all ["a", true]"#),
        (r#"in segment 'S'"#, r#"in segment "S""#),
        (r#"not in segment "S""#, r#"not in segment "S""#),
        (r#"account in segment "A""#, r#"account in segment "A""#),
        (
            r#"account not in segment "A""#,
            r#"account not in segment "A""#,
        ),
        ("count(users) > 0", "count(users) > 0"),
        (
            "count( users  where x = 1 ) > 0",
            "count(users where x = 1) > 0",
        ),
        ("sum(users.seats) >= 10", "sum(users.seats) >= 10"),
        (
            "avg(users.nps where y = 2) <= 7.5",
            "avg(users.nps where y = 2) <= 7.5",
        ),
        ("min(users.seen_at) < now", "min(users.seen_at) < now"),
        (
            "max(users.seen_at) > 1 week ago",
            "max(users.seen_at) > 1 week ago",
        ),
    ];
    for (text, expected) in cases {
        assert_canon(text, expected);
    }
}

// ---------------------------------------------------------------- precedence

#[test]
fn or_binds_loosest_then_and_then_not() {
    assert_tree(
        "a = 1 or b = 2 and not c = 3",
        Condition::Or(vec![
            int("a", 1),
            Condition::And(vec![int("b", 2), not(int("c", 3))]),
        ]),
    );
    assert_tree(
        "not a = 1 and b = 2",
        Condition::And(vec![not(int("a", 1)), int("b", 2)]),
    );
    assert_tree(
        "a = 1 and b = 2 or c = 3",
        Condition::Or(vec![
            Condition::And(vec![int("a", 1), int("b", 2)]),
            int("c", 3),
        ]),
    );
}

#[test]
fn parentheses_group() {
    assert_tree(
        "(a = 1 or b = 2) and c = 3",
        Condition::And(vec![
            Condition::Or(vec![int("a", 1), int("b", 2)]),
            int("c", 3),
        ]),
    );
    assert_tree(
        "not (a = 1 and b = 2)",
        not(Condition::And(vec![int("a", 1), int("b", 2)])),
    );
    assert_tree("((((a = 1))))", int("a", 1));
    assert_canon("(a = 1 or b = 2) and c = 3", "(a = 1 or b = 2) and c = 3");
    assert_canon("(a = 1) or (b = 2 and c = 3)", "a = 1 or b = 2 and c = 3");
    assert_canon("not (not (a = 1))", "not not a = 1");
    assert_canon("not (a = 1 or b = 2)", "not (a = 1 or b = 2)");
}

#[test]
fn chains_are_left_associative_and_flat() {
    let flat_and = Condition::And(vec![int("a", 1), int("b", 2), int("c", 3)]);
    for text in [
        "a = 1 and b = 2 and c = 3",
        "(a = 1 and b = 2) and c = 3",
        "a = 1 and (b = 2 and c = 3)",
    ] {
        assert_tree(text, flat_and.clone());
    }
    let flat_or = Condition::Or(vec![int("a", 1), int("b", 2), int("c", 3), int("d", 4)]);
    assert_tree("a = 1 or b = 2 or c = 3 or d = 4", flat_or.clone());
    assert_tree("(a = 1 or b = 2) or (c = 3 or d = 4)", flat_or);
}

#[test]
fn not_in_segment_is_the_negated_predicate_but_not_parenthesised_is_not() {
    assert_tree(r#"not in segment "S""#, in_segment(true, "S"));
    assert_tree(r#"not (in segment "S")"#, not(in_segment(false, "S")));
    assert_tree(r#"not not in segment "S""#, not(in_segment(true, "S")));
    assert_canon(r#"not (in segment "S")"#, r#"not (in segment "S")"#);
    assert_canon(r#"not not in segment "S""#, r#"not not in segment "S""#);
    assert_canon(r#"not not (in segment "S")"#, r#"not not (in segment "S")"#);
    assert_tree(
        r#"a = 1 or not in segment "S" and b = 2"#,
        Condition::Or(vec![
            int("a", 1),
            Condition::And(vec![in_segment(true, "S"), int("b", 2)]),
        ]),
    );
}

// ---------------------------------------------------------------- words

#[test]
fn words_that_start_with_keywords_are_property_names() {
    let words = [
        "order",
        "note",
        "notes",
        "android",
        "isotope",
        "issue",
        "settings",
        "hash",
        "anyone",
        "allow",
        "nothing",
        "inbox",
        "between_dates",
        "contained",
        "startsAt",
        "ending",
        "without",
        "matched",
        "trueish",
        "falsey",
        "or_else",
        "and_then",
        "_in",
        "in2",
    ];
    for word in words {
        assert_tree(&format!("{word} = 1"), int(word, 1));
        assert_tree(&format!("x = 1 and {word} is set"), {
            Condition::And(vec![int("x", 1), is_set(word, false)])
        });
        assert_eq!(canon(&format!("{word} = 1")), format!("{word} = 1"));
    }
}

#[test]
fn non_operator_keywords_are_ordinary_names() {
    let words = [
        "days",
        "day",
        "segment",
        "count",
        "sum",
        "min",
        "account",
        "users",
        "accounts",
        "now",
        "ago",
        "from",
        "where",
        "for",
        "description",
        "view",
        "env",
        "as",
    ];
    for word in words {
        assert_tree(&format!("{word} = 1"), int(word, 1));
        assert_tree(&format!("{word} is not set"), is_set(word, true));
        assert_canon(
            &format!("{word} = 1 or y = 2"),
            &format!("{word} = 1 or y = 2"),
        );
        assert_tree(
            &format!("account.{word} = 1"),
            compare(
                path(Scope::Account, word),
                CompareOp::Eq,
                Value::Literal(num(1.0)),
            ),
        );
    }
    assert_tree(
        r#"account in ["a"]"#,
        pred(PredicateKind::InList {
            path: own("account"),
            negated: false,
            values: vec![string("a")],
        }),
    );
    assert_canon(r#"account not in ["a"]"#, r#"account not in ["a"]"#);
    assert_canon(
        "count(users where count = 1 and sum = 2) > 0",
        "count(users where count = 1 and sum = 2) > 0",
    );
}

#[test]
fn keywords_ignore_case_and_names_do_not() {
    assert_tree(
        "a = 1 AND b = 2 Or NOT c Is Set",
        Condition::Or(vec![
            Condition::And(vec![int("a", 1), int("b", 2)]),
            not(is_set("c", false)),
        ]),
    );
    assert_canon(
        r#"Plan CONTAINS "x" aNd Seats BETWEEN 1 AND 2"#,
        r#"Plan contains "x" and Seats between 1 and 2"#,
    );
    assert!(!parse("plan = 1").same_meaning(&parse("Plan = 1")));
    assert_canon(
        "x > 3 DAYS AGO and y < 2 Weeks From Now",
        "x > 3 days ago and y < 2 weeks from now",
    );
    assert_canon(
        "x = TRUE or y = False or z = NOW",
        "x = true or y = false or z = now",
    );
}

#[test]
fn backtick_names() {
    assert_tree("`Company Size` >= 50", {
        compare(
            own("Company Size"),
            CompareOp::Ge,
            Value::Literal(num(50.0)),
        )
    });
    for reserved in [
        "and", "or", "not", "in", "is", "set", "has", "Any", "ALL", "true",
    ] {
        assert_tree(&format!("`{reserved}` = 1"), int(reserved, 1));
        assert_canon(&format!("`{reserved}` = 1"), &format!("`{reserved}` = 1"));
    }
    assert_canon("`plain_name` = 1", "plain_name = 1");
    assert_canon("`a#b` = 1 and `café` = 2", "`a#b` = 1 and `café` = 2");
    assert_canon("`account.plan` = 1", "`account.plan` = 1");
    assert!(!parse("`account.plan` = 1").same_meaning(&parse("account.plan = 1")));
}

// ---------------------------------------------------------------- literals

#[test]
fn strings_in_both_quotes_with_every_escape() {
    let cases = [
        (r#""text""#, "text"),
        ("'text'", "text"),
        (r#""say \"hi\"""#, "say \"hi\""),
        (r#"'it\'s'"#, "it's"),
        (r#"'"'"#, "\""),
        (r#""'""#, "'"),
        (r#""a\\b""#, "a\\b"),
        (r#""line\nbreak""#, "line\nbreak"),
        (r#""tab\there""#, "tab\there"),
        (r#""cr\r""#, "cr\r"),
        (r#""\u{1F600}""#, "😀"),
        (r#""\u{e9}\u{E9}""#, "éé"),
        (r#""\u{0}""#, "\0"),
        (r#""é日本😀""#, "é日本😀"),
        (r##""# not a comment""##, "# not a comment"),
        (r#""""#, ""),
    ];
    for (text, expected) in cases {
        assert_eq!(literal_of(text), string(expected), "{text}");
    }
    assert_canon(
        r#"a = 'it\'s' and b = "\u{1F600}é" and c = "\\\t\r\n""#,
        r#"a = "it's" and b = "😀é" and c = "\\\t\r\n""#,
    );
    assert_canon(r#"a = "\u{7}""#, r#"a = "\u{7}""#);
}

#[test]
fn numbers() {
    let cases = [
        ("42", 42.0),
        ("0", 0.0),
        ("-12", -12.0),
        ("3.5", 3.5),
        ("-3.5", -3.5),
        ("1e6", 1e6),
        ("1E6", 1e6),
        ("2.5e-3", 2.5e-3),
        ("-1e+2", -100.0),
        ("123456789012345678901234567890", 1.2345678901234568e29),
    ];
    for (text, expected) in cases {
        assert_eq!(literal_of(text), num(expected), "{text}");
    }
    assert_canon("x = 1e6", "x = 1000000");
    assert_canon("x = 1e20", "x = 1e20");
    assert_canon("x = -0.000001", "x = -1e-6");
    assert_canon("x = 007", "x = 7");
}

#[test]
fn booleans() {
    for (text, expected) in [
        ("true", true),
        ("false", false),
        ("TRUE", true),
        ("False", false),
    ] {
        assert_eq!(literal_of(text), Literal::Bool(expected), "{text}");
    }
}

#[test]
fn dates_and_times() {
    const MAY_FIRST: i64 = 1_714_521_600_000_000;
    const HOUR: i64 = 3_600_000_000;
    let cases = [
        ("2024-05-01", MAY_FIRST),
        ("2024-05-01T10:30:00Z", MAY_FIRST + 10 * HOUR + HOUR / 2),
        ("2024-05-01t10:30:00z", MAY_FIRST + 10 * HOUR + HOUR / 2),
        ("2024-05-01T10:30Z", MAY_FIRST + 10 * HOUR + HOUR / 2),
        ("2024-05-01T10:30:00+02:00", MAY_FIRST + 8 * HOUR + HOUR / 2),
        ("2024-05-01T10:30:00-05:30", MAY_FIRST + 16 * HOUR),
        ("2024-05-01T00:00:00.25Z", MAY_FIRST + 250_000),
        ("2024-05-01T01:00:00+01:00", MAY_FIRST),
        ("1970-01-01", 0),
        ("1969-12-31T23:59:59Z", -1_000_000),
        ("2024-02-29", micros("2024-02-29T00:00:00Z")),
    ];
    for (text, expected) in cases {
        assert_eq!(literal_of(text), Literal::DateTime(expected), "{text}");
    }
    assert_canon("x = 2024-05-01T10:30:00+02:00", "x = 2024-05-01T08:30:00Z");
    assert_canon("x = 2024-05-01T02:00:00+02:00", "x = 2024-05-01");
    assert_canon("x > 2024-05-01T00:00:00Z", "x > 2024-05-01");
}

#[test]
fn relative_times_in_every_unit() {
    use TimeUnit::*;
    let units = [
        ("minute", Minute),
        ("hour", Hour),
        ("day", Day),
        ("week", Week),
        ("month", Month),
        ("year", Year),
    ];
    for (word, unit) in units {
        for spelled in [word.to_string(), format!("{word}s"), word.to_uppercase()] {
            assert_eq!(
                value_of(&format!("2 {spelled} ago")),
                Value::Relative(RelativeTime::Ago(2, unit))
            );
            assert_eq!(
                value_of(&format!("2 {spelled} from now")),
                Value::Relative(RelativeTime::FromNow(2, unit))
            );
        }
        assert_eq!(
            canon(&format!("x > 1 {word}s ago")),
            format!("x > 1 {word} ago")
        );
        assert_eq!(
            canon(&format!("x > 2 {word} ago")),
            format!("x > 2 {word}s ago")
        );
        assert_eq!(
            canon(&format!("x < 1 {word} from now")),
            format!("x < 1 {word} from now")
        );
    }
    assert_eq!(value_of("now"), Value::Relative(RelativeTime::Now));
    assert_eq!(value_of("NOW"), Value::Relative(RelativeTime::Now));
    assert_eq!(
        value_of("0 days ago"),
        Value::Relative(RelativeTime::Ago(0, Day))
    );
    assert_eq!(
        value_of("100000 days ago"),
        Value::Relative(RelativeTime::Ago(segscope::lang::MAX_RELATIVE_AMOUNT, Day))
    );
}

#[test]
fn lists_mix_scalar_types() {
    assert_tree(
        r#"tags in ["vip", 2024, -1.5, false, 2024-05-01T10:30:00Z, 'x']"#,
        pred(PredicateKind::InList {
            path: own("tags"),
            negated: false,
            values: vec![
                string("vip"),
                num(2024.0),
                num(-1.5),
                Literal::Bool(false),
                Literal::DateTime(micros("2024-05-01T10:30:00Z")),
                string("x"),
            ],
        }),
    );
}

// ---------------------------------------------------------------- comments

const COMMENTED: &str = r#"# header comment
# second header

segment "Enterprise ICP" for accounts { # after the header
  # before the description
  description "Large paying accounts" # after the description
  # before where
  where plan = "enterprise" # after the first operand
    # between operands
    and seats >= 50 # after the second operand
  # before the closing brace
} # after the closing brace

# between definitions
segment "Champions" for users {
  where account in segment "Enterprise ICP"
    and role in [
      # inside a list
      "admin", # after an element
      "owner"
    ]
}

view "Overview" for users {
  # inside a block
  columns "email" "plan" # after an entry
  users {
    # inside a nested block
    where in segment "Champions"
  }
}
# at the end
"#;

#[test]
fn comments_everywhere_parse_and_survive_formatting() {
    let file = parse_ok(COMMENTED);
    assert_eq!(
        definition_names(&file),
        ["Enterprise ICP", "Champions", "Overview"]
    );
    let out = formatted(COMMENTED);
    for comment in &file.comments {
        assert!(
            out.contains(&format!("#{}", comment.text)),
            "lost #{}:\n{out}",
            comment.text
        );
    }
    assert_eq!(file.comments.len(), 18);
    assert_eq!(parse_ok(&out).comments.len(), 18);
}

#[test]
fn comments_keep_their_lines_when_nothing_moves() {
    let text = "\
# header
segment \"A\" for accounts { # header line
  # before the description
  description \"d\" # description line
  where plan = \"enterprise\" # first operand
    # between operands
    and seats >= 50 # second operand
  # before the brace
} # brace line
# trailing
";
    assert_eq!(formatted(text), text.replace("# trailing", "\n# trailing"));
}

#[test]
fn comments_inside_conditions() {
    assert_tree(
        "a = 1 # one\n and # two\n # three\n b = 2 # four",
        Condition::And(vec![int("a", 1), int("b", 2)]),
    );
    assert_tree("# first\na = 1", int("a", 1));
    assert_tree("(a = 1 # inside parens\n)", int("a", 1));
}

#[test]
fn comment_inside_an_operand_moves_above_that_operand() {
    let text = "\
segment \"A\" for users {
  where a = 1 and (b = 2 # about b
    or c = 3)
}
";
    let expected = "\
segment \"A\" for users {
  where a = 1
    # about b
    and (b = 2 or c = 3)
}
";
    assert_eq!(formatted(text), expected);
}

#[test]
fn comment_inside_the_first_operand_formats_idempotently() {
    let text = "\
segment \"A\" for users {
  where role in [ # roles
    \"admin\"] and b = 2
}
";
    assert!(formatted(text).contains("# roles"));
}

#[test]
fn comment_after_a_where_entry_stays_on_its_line() {
    let text = "\
view \"V\" for users {
  columns \"email\"
  where plan = \"pro\" # only pro
  sort \"email\"
}
";
    assert_eq!(formatted(text), text);
}

#[test]
fn comment_inside_an_empty_block_stays_inside() {
    let text = "\
view \"V\" for users {
  # nothing yet
}

segment \"A\" for users {
  where a = 1
}
";
    assert_eq!(formatted(text), text);
}

// ---------------------------------------------------------------- files

#[test]
fn the_spec_example_parses_to_the_expected_tree() {
    let text = r#"
segment "Enterprise ICP" for accounts {
  description "Large paying accounts we want more of"
  where plan = "enterprise" and seats >= 50
}

SEGMENT 'Champions' FOR USERS {
  where role in ["admin", "owner"]
    and last_seen_at > 7 days ago
    and account in segment "Enterprise ICP"
}
"#;
    let file = parse_ok(text);
    let expected = [
        SegmentDefinition {
            name: name("Enterprise ICP"),
            kind: EntityKind::Accounts,
            description: Some(Text {
                value: "Large paying accounts we want more of".to_string(),
                span: at(),
            }),
            condition: Condition::And(vec![
                eq("plan", string("enterprise")),
                compare(own("seats"), CompareOp::Ge, Value::Literal(num(50.0))),
            ]),
            span: at(),
        },
        SegmentDefinition {
            name: name("Champions"),
            kind: EntityKind::Users,
            description: None,
            condition: Condition::And(vec![
                pred(PredicateKind::InList {
                    path: own("role"),
                    negated: false,
                    values: vec![string("admin"), string("owner")],
                }),
                compare(
                    own("last_seen_at"),
                    CompareOp::Gt,
                    Value::Relative(RelativeTime::Ago(7, TimeUnit::Day)),
                ),
                pred(PredicateKind::AccountInSegment {
                    negated: false,
                    segment: name("Enterprise ICP"),
                }),
            ]),
            span: at(),
        },
    ]
    .map(Definition::Segment);
    assert_eq!(file.definitions.without_spans(), expected);
}

#[test]
fn formatting_a_file_is_canonical() {
    let text = "segment 'A' FOR Users{where a==1 AND (b<>2 OR c is set)\ndescription 'd'}\n\n\n\
                view \"V\" for accounts hubspot { columns 'a' 'b' }";
    let expected = "\
segment \"A\" for users {
  description \"d\"
  where a = 1 and (b != 2 or c is set)
}

view \"V\" for accounts hubspot {
  columns \"a\" \"b\"
}
";
    assert_eq!(formatted(text), expected);
}

#[test]
fn long_conditions_break_before_top_level_operators() {
    let text = r#"segment "Long" for users { where first_property = "a fairly long value" and second_property = "another long value" or third = 3 }"#;
    let expected = "\
segment \"Long\" for users {
  where first_property = \"a fairly long value\" and second_property = \"another long value\"
    or third = 3
}
";
    assert_eq!(formatted(text), expected);
}

#[test]
fn block_definitions_parse_into_entries() {
    let text = r#"
destination "Ops hook" webhook {
  url "https://hooks.example.com/segscope"
  secret env "HOOK_SECRET"
  users {
    where plan = "enterprise"
    map segments -> segments as list
  }
}
playbook 'P' for users {}
"#;
    let file = parse_ok(text);
    let Definition::Block(block) = &file.definitions[0] else {
        panic!("not a block: {:?}", file.definitions[0]);
    };
    assert_eq!(block.keyword, DefinitionKind::Destination);
    assert_eq!(
        block.connector.as_ref().map(|c| c.text.as_str()),
        Some("webhook")
    );
    let keys: Vec<&str> = block.entries.iter().map(|e| e.key.text.as_str()).collect();
    assert_eq!(keys, ["url", "secret", "users"]);
    assert_eq!(
        block.entries[1].subject.without_spans(),
        Some(Subject::Env(Text {
            value: "HOOK_SECRET".to_string(),
            span: at(),
        }))
    );
    let [Argument::Block(inner)] = block.entries[2].arguments.as_slice() else {
        panic!("users has no block: {:?}", block.entries[2]);
    };
    assert_eq!(
        inner[0].arguments.without_spans(),
        [Argument::Condition(eq("plan", string("enterprise")))]
    );
    assert_eq!(
        inner[1].arguments.without_spans(),
        [
            Argument::Arrow(own("segments")),
            Argument::As(Word {
                text: "list".to_string(),
                span: at(),
            }),
        ]
    );
    assert_eq!(file.definitions[1].kind(), DefinitionKind::Playbook);
    formatted(text);
}

#[test]
fn windows_line_endings() {
    let text = "# head\r\nsegment \"A\" for users { # open\r\n  where a = 1 # first\r\n    and b = 2\r\n}\r\n";
    let expected = "\
# head
segment \"A\" for users { # open
  where a = 1 # first
    and b = 2
}
";
    assert_eq!(formatted(text), expected);
}

#[test]
fn empty_files() {
    for text in ["", "\n\n", "# only a comment\n", "\u{FEFF}"] {
        let file = parse_ok(text);
        assert!(file.definitions.is_empty(), "{text:?}");
    }
    assert_eq!(formatted("# only a comment\n"), "# only a comment\n");
}

// ---------------------------------------------------------------- recovery

#[test]
fn each_broken_definition_is_reported_and_good_ones_are_kept() {
    let text = r#"segment "Good 1" for users { where a = 1 }
segment "Broken 1" for users {
  where plan =
}
segment "Good 2" for accounts { where seats > 1 }
segment "Broken 2" for people { where x = 1 }

view "Broken 3" for users {
  where and
}
# a comment before the last one
segment "Good 3" for users {
  where b = 2
}
segment "Broken 4" for users { where x between 1 }
"#;
    let (file, diagnostics) = parse_file(text);
    assert_eq!(definition_names(&file), ["Good 1", "Good 2", "Good 3"]);
    let lines: Vec<usize> = diagnostics
        .iter()
        .map(|d| segscope::lang::line_column(text, d.span.start).line)
        .collect();
    assert_eq!(lines, [4, 6, 9, 15], "{diagnostics:#?}");
}

#[test]
fn recovery_at_the_first_and_last_definitions() {
    let text =
        "segment \"A\" for users { where }\nsegment \"B\" for users { where b = 1 }\nsegment \"C\"";
    let (file, diagnostics) = parse_file(text);
    assert_eq!(definition_names(&file), ["B"]);
    assert_eq!(diagnostics.len(), 2, "{diagnostics:#?}");
}

#[test]
fn garbage_before_the_first_definition_is_one_error() {
    let text = "hello world\nsegment \"B\" for users { where b = 1 }\n";
    let (file, diagnostics) = parse_file(text);
    assert_eq!(definition_names(&file), ["B"]);
    assert_eq!(diagnostics.len(), 1);
    assert_eq!(diagnostics[0].span.start, 0);
}

#[test]
fn recovery_does_not_split_a_block_at_a_segment_entry() {
    let text = r#"view "V" for users {
  segment "A"
}
segment "A" for users { where x = 1 }
segment "Broken" for users { where x = }
"#;
    let (file, diagnostics) = parse_file(text);
    assert_eq!(
        diagnostics.len(),
        1,
        "{}",
        render("test.seg", text, &diagnostics)
    );
    assert_eq!(definition_names(&file), ["V", "A"]);
}

// ---------------------------------------------------------------- validation

/// The diagnostics of files validated together, each as "message | help".
fn check_files(texts: &[&str], existing: &SegmentCatalog) -> Vec<Vec<String>> {
    let files: Vec<File> = texts.iter().map(|text| parse_ok(text)).collect();
    let sources: Vec<SourceFile> = texts
        .iter()
        .zip(&files)
        .enumerate()
        .map(|(index, (text, file))| SourceFile {
            origin: ["one.seg", "two.seg", "three.seg"][index],
            text,
            file,
        })
        .collect();
    validate_files(&sources, existing)
        .iter()
        .map(|diagnostics| diagnostics.iter().map(summary).collect())
        .collect()
}

fn summary(diagnostic: &Diagnostic) -> String {
    match &diagnostic.help {
        Some(help) => format!("{} | {help}", diagnostic.message),
        None => diagnostic.message.clone(),
    }
}

fn check(text: &str) -> Vec<String> {
    check_files(&[text], &SegmentCatalog::new()).remove(0)
}

fn assert_valid(text: &str) {
    assert_eq!(check(text), Vec::<String>::new(), "{text}");
}

const USERS_AND_ACCOUNTS: &str = r#"
segment "Champions" for users { where role = "admin" }
segment "Enterprise ICP" for accounts { where plan = "enterprise" }
"#;

fn with_base(text: &str) -> String {
    format!("{USERS_AND_ACCOUNTS}{text}")
}

#[test]
fn valid_references_of_every_kind() {
    assert_valid(&with_base(
        r#"
segment "Users ok" for users {
  where in segment "champions" and not in segment "Champions"
    and account in segment "Enterprise ICP" and account not in segment "enterprise icp"
    and segments has "Champions" and account.plan = "x"
}
segment "Accounts ok" for accounts {
  where in segment "Enterprise ICP"
    and count(users where in segment "Champions" and account.plan = "x") > 1
    and sum(users.seats where account in segment "Enterprise ICP") > 1
    and segments has "Enterprise ICP"
}
"#,
    ));
}

#[test]
fn duplicate_names_ignore_case_per_definition_kind() {
    let messages = check(
        r#"segment "Champions" for users { where a = 1 }
segment "champions" for users { where a = 1 }
segment "CHAMPIONS" for accounts { where a = 1 }
view "Champions" for users {}
view "champions" for accounts {}
"#,
    );
    assert_eq!(
        messages,
        [
            r#"there is already a segment named "champions" | names are compared ignoring case; the first is at one.seg:1:9"#,
            r#"there is already a segment named "CHAMPIONS" | names are compared ignoring case; the first is at one.seg:1:9"#,
            r#"there is already a view named "champions" | names are compared ignoring case; the first is at one.seg:4:6"#,
        ]
    );
}

#[test]
fn duplicate_names_across_files() {
    let messages = check_files(
        &[
            "segment \"A\" for users { where a = 1 }",
            "\nsegment \"a\" for users { where a = 1 }",
        ],
        &SegmentCatalog::new(),
    );
    assert_eq!(messages[0], Vec::<String>::new());
    assert_eq!(
        messages[1],
        [
            r#"there is already a segment named "a" | names are compared ignoring case; the first is at one.seg:1:9"#
        ]
    );
}

#[test]
fn names_are_not_empty_and_at_most_200_characters() {
    let segment = |name: &str| format!("segment \"{name}\" for users {{ where a = 1 }}");
    let empty = "a segment name cannot be empty | give it a name such as \"Champions\"";
    assert_eq!(check(&segment("")), [empty]);
    assert_eq!(check(&segment("   ")), [empty]);
    assert_valid(&segment(&"é".repeat(200)));
    assert_eq!(
        check(&segment(&"n".repeat(201))),
        ["a segment name is at most 200 characters; this one has 201"]
    );
    assert_eq!(
        check("view \"\" for users {}"),
        ["a view name cannot be empty | give it a name such as \"Champions\""]
    );
}

#[test]
fn unknown_segments_suggest_the_nearest_name() {
    let messages = check(&with_base(
        r#"segment "U" for users { where in segment "Champion" or account in segment "Enterprise" or in segment "Zzz" }"#,
    ));
    assert_eq!(
        messages,
        [
            r#"there is no segment named "Champion" | did you mean "Champions"?"#,
            r#"there is no segment named "Enterprise" | did you mean "Enterprise ICP"?"#,
            r#"there is no segment named "Zzz""#,
        ]
    );
}

#[test]
fn references_must_have_the_right_kind() {
    let messages = check(&with_base(
        r#"segment "U" for users { where in segment "Enterprise ICP" and account in segment "Champions" }
segment "A" for accounts { where in segment "Champions" and account in segment "Enterprise ICP" }"#,
    ));
    assert_eq!(
        messages,
        [
            r#""Enterprise ICP" is a segment of accounts, but `in segment` here needs a segment of users | for the user's account write: account in segment "Enterprise ICP""#,
            r#""Champions" is a segment of users, but `account in segment` here needs a segment of accounts | to count its users write: count(users where in segment "Champions") >= 1"#,
            r#""Champions" is a segment of users, but `in segment` here needs a segment of accounts | to count its users write: count(users where in segment "Champions") >= 1"#,
            r#"`account in segment` is for users; this condition is about accounts | write: in segment "Enterprise ICP""#,
        ]
    );
}

#[test]
fn account_properties_and_aggregates_need_the_right_kind() {
    let messages = check(
        r#"segment "A" for accounts { where account.plan = "x" }
segment "U" for users { where count(users) > 1 or max(users.seen_at) > now }
segment "Nested" for accounts { where count(users where sum(users.x) > 1) > 1 }"#,
    );
    assert_eq!(
        messages,
        [
            "`account.plan` reads a user's account, but this condition is about accounts | write `plan` to read the account's own property",
            "`count(users ...)` is for accounts; this condition is about users | aggregates count or sum an account's users; use them in a segment `for accounts`",
            "`max(users ...)` is for accounts; this condition is about users | aggregates count or sum an account's users; use them in a segment `for accounts`",
            "an aggregate cannot be nested inside another aggregate's `where` | define a users segment for the inner condition and use `in segment` in the `where`",
        ]
    );
}

#[test]
fn segments_inside_a_segment_only_as_segments_has() {
    let misuse = "inside a segment, `segments` can only be used as segments has \"<name>\" | to combine segments use `in segment \"Name\"` and `not in segment \"Name\"`";
    let messages = check(&with_base(
        r#"segment "U" for users {
  where segments has "Champions"
    and segments contains "Champ"
    and segments is set
    and segments has any ["Champions"]
    and segments = "x"
}"#,
    ));
    assert_eq!(messages, [misuse; 4]);
    assert_eq!(
        check(r#"segment "U" for users { where segments has "Nope" }"#),
        [r#"there is no segment named "Nope""#]
    );
}

#[test]
fn segments_has_is_a_reference() {
    // A reference through `segments has` takes part in cycles.
    let messages = check(
        r#"segment "A" for users { where segments has "B" }
segment "B" for users { where in segment "A" }"#,
    );
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(messages[0].contains(r#""A" -> "B" -> "A""#), "{messages:?}");
}

#[test]
fn invalid_regular_expressions() {
    let messages = check(
        r#"segment "R" for users { where a matches "(" or b not matches "[a-" or c matches "(?i)^ok$" }"#,
    );
    let help = "patterns use Rust regex syntax; match a special character such as ( literally with a backslash, written \\\\( inside quotes";
    assert_eq!(
        messages,
        [
            format!("the pattern is not a valid regular expression: unclosed group | {help}"),
            format!(
                "the pattern is not a valid regular expression: unclosed character class | {help}"
            ),
        ]
    );
}

#[test]
fn a_cycle_names_every_segment_in_it() {
    let messages = check(
        r#"segment "A" for users { where in segment "B" }
segment "B" for users { where in segment "C" or x = 1 }
segment "C" for users { where not in segment "A" }
segment "D" for users { where in segment "A" }"#,
    );
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(
        messages[0]
            .starts_with(r#"segments refer to each other in a cycle: "A" -> "B" -> "C" -> "A""#),
        "{messages:?}"
    );
}

#[test]
fn cycles_through_accounts_and_aggregates() {
    let messages = check(
        r#"segment "U" for users { where account in segment "A" }
segment "A" for accounts { where count(users where in segment "U") > 0 }"#,
    );
    assert_eq!(messages.len(), 1, "{messages:?}");
    assert!(messages[0].contains(r#""A" -> "U" -> "A""#), "{messages:?}");
}

#[test]
fn self_reference() {
    assert_eq!(
        check(r#"segment "Self" for users { where a = 1 or not in segment "self" }"#),
        [
            r#"segment "Self" refers to itself | a segment cannot depend on itself; remove one of these references"#
        ]
    );
}

#[test]
fn forward_references_across_files() {
    let first = r#"segment "Uses later" for users { where in segment "Later" and account in segment "Elsewhere" }
segment "Later" for users { where in segment "Other file" }"#;
    let second = r#"segment "Other file" for users { where a = 1 }
segment "Elsewhere" for accounts { where count(users where in segment "Other file") > 0 }"#;
    let messages = check_files(&[first, second], &SegmentCatalog::new());
    assert_eq!(messages, [Vec::<String>::new(), Vec::new()]);
    // Alone, the first file refers to segments that do not exist.
    assert_eq!(check(first).len(), 2);
}

#[test]
fn a_cycle_across_files_is_reported_once() {
    let messages = check_files(
        &[
            r#"segment "A" for users { where in segment "B" }"#,
            r#"segment "B" for users { where in segment "A" }"#,
        ],
        &SegmentCatalog::new(),
    );
    let all: Vec<&String> = messages.iter().flatten().collect();
    assert_eq!(all.len(), 1, "{messages:?}");
    assert!(all[0].contains(r#""A" -> "B" -> "A""#));
}

#[test]
fn existing_segments_resolve_references() {
    let mut existing = SegmentCatalog::new();
    existing.insert("Stored", EntityKind::Users);
    let messages = check_files(
        &[r#"segment "New" for users { where in segment "stored" }"#],
        &existing,
    );
    assert_eq!(messages, [Vec::<String>::new()]);
}

#[test]
fn conditions_in_blocks_are_validated() {
    let messages = check(&with_base(
        r#"playbook "V" for users {
  where in segment "Enterprise ICP"
  accounts {
    where count(users where in segment "Champions") > 0 and in segment "Enterprise IC"
  }
}"#,
    ));
    // A playbook's entries have a meaning of their own now (this one earns
    // errors for its `where`, its `accounts` and its missing action); the
    // conditions in its generic entries are still checked, at any depth.
    let messages: Vec<&String> = messages
        .iter()
        .filter(|m| m.split(" | ").next().is_some_and(|m| m.contains("segment")))
        .collect();
    assert_eq!(
        messages,
        [
            r#""Enterprise ICP" is a segment of accounts, but `in segment` here needs a segment of users | for the user's account write: account in segment "Enterprise ICP""#,
            r#"there is no segment named "Enterprise IC" | did you mean "Enterprise ICP"?"#,
        ]
    );
}

#[test]
fn standalone_conditions() {
    let mut catalog = SegmentCatalog::new();
    catalog.insert("Champions", EntityKind::Users);
    catalog.insert("Enterprise ICP", EntityKind::Accounts);
    let check_condition = |text: &str, kind: EntityKind| -> Vec<String> {
        validate_condition(&parse(text), kind, &catalog)
            .iter()
            .map(summary)
            .collect()
    };
    let none = Vec::<String>::new();
    // Outside a segment definition, `segments` is an ordinary list.
    assert_eq!(
        check_condition(
            r#"segments contains "Champ" or in segment "Champions""#,
            EntityKind::Users
        ),
        none
    );
    assert_eq!(
        check_condition(
            r#"count(users where in segment "Champions") > 0"#,
            EntityKind::Accounts
        ),
        none
    );
    assert_eq!(
        check_condition(r#"in segment "champs""#, EntityKind::Users),
        [r#"there is no segment named "champs" | did you mean "Champions"?"#]
    );
    assert_eq!(
        check_condition("count(users) > 0", EntityKind::Users),
        [
            "`count(users ...)` is for accounts; this condition is about users | aggregates count or sum an account's users; use them in a segment `for accounts`"
        ]
    );
}

// ---------------------------------------------------------------- robustness
// The formatter round trip over generated trees is tests/lang_roundtrip.rs.

mod never_panics {
    use super::*;
    use proptest::prelude::*;

    /// Words and symbols of the language, to reach deep into the grammar.
    fn token_soup() -> impl Strategy<Value = String> {
        let token = prop::sample::select(vec![
            "segment",
            "\"S\"",
            "'s",
            "for",
            "users",
            "accounts",
            "{",
            "}",
            "(",
            ")",
            "[",
            "]",
            ",",
            "where",
            "description",
            "and",
            "or",
            "not",
            "in",
            "is",
            "set",
            "has",
            "any",
            "all",
            "between",
            "contains",
            "starts",
            "with",
            "matches",
            "account.",
            "account",
            "count(",
            "sum(",
            "users.x",
            "=",
            "!=",
            "<>",
            ">=",
            "x",
            "`a b`",
            "`",
            "42",
            "-1.5e3",
            "2024-05-01",
            "2024-02-30",
            "T10:30:00Z",
            "now",
            "3",
            "days",
            "ago",
            "from",
            "#c\n",
            "\n",
            "\\u{D800}",
            "\"\\q\"",
            "view",
            "->",
            "as",
            "env",
            "é",
            "\u{FEFF}",
        ]);
        prop::collection::vec(token, 0..24).prop_map(|tokens| tokens.join(" "))
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn the_parser_never_panics_on_language_like_text(text in token_soup()) {
            check_anything(&text);
        }

        #[test]
        fn the_parser_never_panics_on_any_text(text in any::<String>()) {
            check_anything(&text);
        }
    }

    /// Parses, validates, renders and formats whatever `text` is; only a
    /// panic fails. Whatever parses formats to text that reads back the same.
    fn check_anything(text: &str) {
        let (file, diagnostics) = parse_file(text);
        render("test.seg", text, &diagnostics);
        let source = SourceFile {
            origin: "test.seg",
            text,
            file: &file,
        };
        let semantic = validate_files(&[source], &SegmentCatalog::new());
        render("test.seg", text, &semantic[0]);
        if diagnostics.is_empty() {
            let out = format_file(&file, text);
            assert!(
                parse_ok(&out).definitions.same_meaning(&file.definitions),
                "{out}"
            );
        }
        match parse_condition(text) {
            Ok(condition) => {
                let out = format_condition(&condition);
                assert!(parse(&out).same_meaning(&condition), "{out}");
                validate_condition(&condition, EntityKind::Accounts, &SegmentCatalog::new());
            }
            Err(diagnostics) => {
                render("condition", text, &diagnostics);
            }
        }
    }
}

#[test]
fn an_entry_at_column_zero_inside_a_block_is_not_a_new_definition() {
    let text =
        "view \"V\" for users {\nsegment \"A\"\n}\nsegment \"A\" for users { where x = 1 }\n";
    let (file, diagnostics) = parse_file(text);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    assert_eq!(file.definitions.len(), 2);
}

#[test]
fn a_large_file_parses_in_parts_with_every_error_in_place() {
    let good: String = (0..3000)
        .map(|i| format!("segment \"S{i}\" for users {{\n  where n > {i} # {i}\n}}\n"))
        .collect();
    let (file, diagnostics) = parse_file(&good);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    assert_eq!(file.definitions.len(), 3000);
    assert_eq!(file.definitions[2999].name().text, "S2999");
    assert_eq!(file.comments.len(), 3000);

    let broken = good.replace("where n > 1500 #", "where n > #");
    let (file, diagnostics) = parse_file(&broken);
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert_eq!(file.definitions.len(), 2999);
    let line = segscope::lang::line_column(&broken, diagnostics[0].span.start).line;
    // Found at the `}` after the commented-out value.
    assert_eq!(line, 1500 * 3 + 3);
}

/// A rename reaches every reference `definition_references` reads: `in
/// segment`, `account in segment`, aggregate filters, and in blocks their
/// conditions and `segments [...]` lists — and nothing else.
#[test]
fn rename_references_renames_what_definition_references_reads() {
    use segscope::lang::validate::{definition_references, rename_references};
    let text = r#"
segment "A" for accounts {
  where account_id is set or count(users where in segment "old") > 2 or name = "old"
}
segment "B" for users {
  where in segment "OLD" and account in segment "Old" and not in segment "Other"
}
destination "D" hubspot {
  users {
    segments ["old", "Other"]
    where in segment "old"
  }
}
"#;
    let mut file = parse_ok(text);
    let counts: Vec<usize> = file
        .definitions
        .iter_mut()
        .map(|definition| rename_references(definition, "Old", "New"))
        .collect();
    assert_eq!(counts, [1, 2, 2]);
    for definition in &file.definitions {
        let references = definition_references(definition);
        assert!(
            !references.iter().any(|r| r.eq_ignore_ascii_case("old")),
            "{references:?}"
        );
    }
    let formatted = format_file(&file, text);
    assert!(
        formatted.contains(r#"name = "old""#),
        "a text literal stays: {formatted}"
    );
    assert!(
        formatted.contains(r#"not in segment "Other""#),
        "{formatted}"
    );
    assert!(
        formatted.contains(r#"segments ["New", "Other"]"#),
        "{formatted}"
    );
}

#[test]
fn a_chain_of_a_hundred_thousand_terms_is_one_flat_list_and_checks() {
    let terms = 100_000;
    let condition: Vec<String> = (0..terms).map(|i| format!("p{} > {i}", i % 7)).collect();
    let text = format!(
        "segment \"Long\" for users {{\n  where {}\n}}\n",
        condition.join(" and ")
    );
    let file = parse_ok(&text);
    let Some(Definition::Segment(segment)) = file.definitions.first() else {
        panic!("a segment");
    };
    match &segment.condition {
        Condition::And(parts) => assert_eq!(parts.len(), terms),
        other => panic!("one `and` list, not {other:?}"),
    }
    let source = SourceFile {
        origin: "long.seg",
        text: &text,
        file: &file,
    };
    assert!(validate_files(&[source], &SegmentCatalog::new())[0].is_empty());
    // Flattening keeps meaning: a group stays a group, a chain is one list.
    let mixed = parse("(a = 1 or b = 2) and c = 3 and d = 4 or e = 5 or f = 6");
    let Condition::Or(alternatives) = &mixed else {
        panic!("an `or` at the top: {mixed:?}");
    };
    assert_eq!(alternatives.len(), 3, "{mixed:?}");
    let Condition::And(first) = &alternatives[0] else {
        panic!("{mixed:?}");
    };
    assert_eq!(first.len(), 3, "{mixed:?}");
    assert!(matches!(&first[0], Condition::Or(group) if group.len() == 2));
}

//! Where things are: the byte ranges of the nodes of a parsed file and of
//! every kind of diagnostic the language reports. Spans take part in `==`,
//! so a wrong location fails here; each case names the exact start and the
//! exact text its span must cover. (`tests/lang_errors.rs` shows the same
//! diagnostics as a user sees them, carets and all.)

use segscope::lang::validate::{SegmentCatalog, SourceFile, validate_condition, validate_files};
use segscope::lang::{Diagnostic, parse_condition, parse_file};
use segscope::model::EntityKind;
use segscope::model::ast::*;

// ---------------------------------------------------------------- helpers

/// `span` is `start..start + covered.len()` and covers `covered` in `text`.
#[track_caller]
fn assert_covers(text: &str, span: Span, start: usize, covered: &str) {
    assert_eq!(
        (span, text.get(span.start..span.end)),
        (Span::new(start, start + covered.len()), Some(covered)),
    );
}

/// The diagnostic expected of `text`: a phrase of its message (naming its
/// kind), the byte its span starts at and the text the span covers.
struct Expected {
    text: String,
    kind: &'static str,
    start: usize,
    covered: String,
}

fn expect(
    text: impl Into<String>,
    kind: &'static str,
    start: usize,
    covered: impl Into<String>,
) -> Expected {
    Expected {
        text: text.into(),
        kind,
        start,
        covered: covered.into(),
    }
}

/// Checks that `diagnose` gives each case's text exactly its one diagnostic;
/// reports every case that does not, all at once.
#[track_caller]
fn check(cases: &[Expected], diagnose: impl Fn(&str) -> Vec<Diagnostic>) {
    let failures: Vec<String> = cases
        .iter()
        .filter_map(|case| mismatch(case, &diagnose(&case.text)))
        .collect();
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}

fn mismatch(case: &Expected, diagnostics: &[Diagnostic]) -> Option<String> {
    let [diagnostic] = diagnostics else {
        return Some(format!(
            "{:?}: expected one diagnostic, got {diagnostics:#?}",
            case.text
        ));
    };
    let span = diagnostic.span;
    let wanted = Span::new(case.start, case.start + case.covered.len());
    let covered = case.text.get(span.start..span.end);
    let right = diagnostic.message.contains(case.kind)
        && span == wanted
        && covered == Some(case.covered.as_str());
    (!right).then(|| {
        format!(
            "{:?}:\n  wanted {:?} at {wanted:?} covering {:?}\n  got    {:?} at {span:?} covering {covered:?}",
            case.text, case.kind, case.covered, diagnostic.message
        )
    })
}

/// The syntax errors of a standalone condition (none when it parses).
fn condition_errors(text: &str) -> Vec<Diagnostic> {
    parse_condition(text).err().unwrap_or_default()
}

/// The syntax errors of a file.
fn file_errors(text: &str) -> Vec<Diagnostic> {
    parse_file(text).1
}

/// The syntax errors of a file or, when it has none, its validation errors.
fn validation_errors(text: &str) -> Vec<Diagnostic> {
    let (file, syntax) = parse_file(text);
    if !syntax.is_empty() {
        return syntax;
    }
    let source = SourceFile {
        origin: "test.seg",
        text,
        file: &file,
    };
    validate_files(&[source], &SegmentCatalog::new()).remove(0)
}

/// The errors of a users condition typed in the editor, against a users
/// segment "Champions" and an accounts segment "Enterprise ICP".
fn editor_errors(text: &str) -> Vec<Diagnostic> {
    let condition = match parse_condition(text) {
        Ok(condition) => condition,
        Err(diagnostics) => return diagnostics,
    };
    let mut catalog = SegmentCatalog::new();
    catalog.insert("Champions", EntityKind::Users);
    catalog.insert("Enterprise ICP", EntityKind::Accounts);
    validate_condition(&condition, EntityKind::Users, &catalog)
}

// ---------------------------------------------------------------- nodes

const FILE: &str = r#"# Accounts we want
segment "Healthy" for accounts {
  description "Active teams"
  where plan = "pro" and count(users where last_seen_at > 7 days ago) >= 3
}

view "Pipeline" for accounts hubspot {
  stage plan ["free", "pro"]
  users { where not in segment "Healthy" # the rest
  }
  where (b = 2 or c = 3) # after
}
"#;

fn parsed() -> File {
    let (file, diagnostics) = parse_file(FILE);
    assert!(diagnostics.is_empty(), "{diagnostics:#?}");
    file
}

fn segment(file: &File) -> &SegmentDefinition {
    match &file.definitions[0] {
        Definition::Segment(segment) => segment,
        other => panic!("not a segment: {other:?}"),
    }
}

fn block(file: &File) -> &BlockDefinition {
    match &file.definitions[1] {
        Definition::Block(block) => block,
        other => panic!("not a block: {other:?}"),
    }
}

fn predicate(condition: &Condition) -> &Predicate {
    match condition {
        Condition::Predicate(predicate) => predicate,
        other => panic!("not a predicate: {other:?}"),
    }
}

#[test]
fn a_segment_definition_and_its_name_and_description() {
    let file = parsed();
    let segment = segment(&file);
    assert_covers(
        FILE,
        segment.span,
        19,
        "segment \"Healthy\" for accounts {\n  description \"Active teams\"\n  where plan = \"pro\" and count(users where last_seen_at > 7 days ago) >= 3\n}",
    );
    assert_covers(FILE, file.definitions[0].span(), 19, &FILE[19..157]);
    assert_covers(FILE, segment.name.span, 27, "\"Healthy\"");
    let description = segment.description.as_ref().expect("a description");
    assert_covers(FILE, description.span, 66, "\"Active teams\"");
}

#[test]
fn a_condition_its_predicates_and_their_properties() {
    let file = parsed();
    let condition = &segment(&file).condition;
    assert_covers(
        FILE,
        condition.span(),
        89,
        "plan = \"pro\" and count(users where last_seen_at > 7 days ago) >= 3",
    );
    let Condition::And(parts) = condition else {
        panic!("not an `and`: {condition:?}");
    };
    let plan = predicate(&parts[0]);
    assert_covers(FILE, plan.span, 89, "plan = \"pro\"");
    let path = plan.kind.path().expect("a property");
    assert_covers(FILE, path.span, 89, "plan");
}

#[test]
fn an_aggregate_and_the_condition_nested_in_it() {
    let file = parsed();
    let Condition::And(parts) = &segment(&file).condition else {
        panic!("not an `and`");
    };
    let counted = predicate(&parts[1]);
    assert_covers(
        FILE,
        counted.span,
        106,
        "count(users where last_seen_at > 7 days ago) >= 3",
    );
    let PredicateKind::Aggregate { aggregate, .. } = &counted.kind else {
        panic!("not an aggregate: {counted:?}");
    };
    assert_covers(
        FILE,
        aggregate.span,
        106,
        "count(users where last_seen_at > 7 days ago)",
    );
    let filter = aggregate.filter.as_deref().expect("a `where`");
    assert_covers(FILE, filter.span(), 124, "last_seen_at > 7 days ago");
    let path = predicate(filter).kind.path().expect("a property");
    assert_covers(FILE, path.span, 124, "last_seen_at");
}

#[test]
fn a_block_definition_and_its_entries() {
    let file = parsed();
    let block = block(&file);
    assert_covers(FILE, block.span, 159, &FILE[159..FILE.len() - 1]);
    assert_covers(FILE, block.name.span, 164, "\"Pipeline\"");
    let connector = block.connector.as_ref().expect("a connector");
    assert_covers(FILE, connector.span, 188, "hubspot");

    let stage = &block.entries[0];
    assert_covers(FILE, stage.span, 200, "stage plan [\"free\", \"pro\"]");
    assert_covers(FILE, stage.key.span, 200, "stage");
    let Some(Subject::Property(subject)) = &stage.subject else {
        panic!("no property subject: {stage:?}");
    };
    assert_covers(FILE, subject.span, 206, "plan");
}

/// A `where` entry ends at its condition's last token — not after the
/// comment and the white space that follow it.
#[test]
fn where_entries_end_at_their_last_token() {
    let file = parsed();
    let block = block(&file);
    let users = &block.entries[1];
    assert_covers(
        FILE,
        users.span,
        229,
        "users { where not in segment \"Healthy\" # the rest\n  }",
    );
    let [Argument::Block(inner)] = users.arguments.as_slice() else {
        panic!("users has no block: {users:?}");
    };
    let entry = &inner[0];
    assert_covers(FILE, entry.span, 237, "where not in segment \"Healthy\"");
    assert_covers(FILE, entry.key.span, 237, "where");
    let [Argument::Condition(condition)] = entry.arguments.as_slice() else {
        panic!("no condition: {entry:?}");
    };
    assert_covers(FILE, condition.span(), 243, "not in segment \"Healthy\"");
    let PredicateKind::InSegment { segment, .. } = &predicate(condition).kind else {
        panic!("not `in segment`: {condition:?}");
    };
    assert_covers(FILE, segment.span, 258, "\"Healthy\"");

    // Ending in a parenthesis, the entry takes it in.
    let parenthesised = &block.entries[2];
    assert_covers(FILE, parenthesised.span, 285, "where (b = 2 or c = 3)");
}

#[test]
fn comments() {
    let file = parsed();
    let spans: Vec<(usize, &str)> = file
        .comments
        .iter()
        .map(|comment| {
            (
                comment.span.start,
                &FILE[comment.span.start..comment.span.end],
            )
        })
        .collect();
    assert_eq!(
        spans,
        [
            (0, "# Accounts we want"),
            (268, "# the rest"),
            (308, "# after")
        ]
    );
}

#[test]
fn a_standalone_condition_counts_from_its_own_start() {
    let text = "  # leading\n  not (a = 1) or b in [1]";
    let condition = parse_condition(text).expect("it parses");
    assert_covers(text, condition.span(), 14, "not (a = 1) or b in [1]");
    let Condition::Or(parts) = &condition else {
        panic!("not an `or`: {condition:?}");
    };
    assert_covers(text, predicate(&parts[1]).span, 29, "b in [1]");
}

/// Parsed in parts (and on several threads), a large file still locates
/// everything in the whole text.
#[test]
fn a_large_file_locates_everything_in_the_whole_text() {
    let text: String = (0..3000)
        .map(|i| format!("segment \"S{i}\" for users {{\n  where n > {i} # {i}\n}}\n"))
        .collect();
    let (file, diagnostics) = parse_file(&text);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    let last = file.definitions.last().expect("definitions");
    let start = text.find("\"S2999\"").expect("the last name");
    assert_covers(&text, last.name().span, start, "\"S2999\"");

    let broken = text.replace("where n > 1500 #", "where n > #");
    let (_, diagnostics) = parse_file(&broken);
    let brace = broken.find("where n > # 1500\n").expect("the broken line") + 17;
    assert_eq!(diagnostics.len(), 1, "{diagnostics:?}");
    assert_covers(&broken, diagnostics[0].span, brace, "}");
}

// ---------------------------------------------------------------- syntax errors

#[test]
fn syntax_errors_in_conditions() {
    check(
        &[
            expect(r#"plan = "pro"#, "text in quotes is not closed", 7, "\""),
            expect("plan = 'pro", "text in quotes is not closed", 7, "'"),
            expect("`Company Size = 1", "in backticks is not closed", 0, "`"),
            expect(r#"plan = "a\q""#, "is not an escape", 9, r"\q"),
            expect(r#"plan = "\u1F600""#, "is not an escape", 8, r"\u"),
            expect(
                "seats between 1 or 10",
                "expected `and` and the upper bound",
                16,
                "or",
            ),
            expect("phone is", "expected `set` or `not set`", 8, ""),
            expect("seats > 1.", "digits after the decimal point", 9, "."),
            expect(
                "seen_at > 2024-5-1",
                "dates are written YYYY-MM-DD",
                10,
                "2024-",
            ),
            expect(
                "seen_at > 2024-05-01T10:30:00+2",
                "time zone offset",
                29,
                "+",
            ),
            expect("plan =", "expected a value", 6, ""),
            expect("and = 1", "expected a condition", 0, "and"),
            expect("名前 = 1", "expected a condition", 0, "名前"),
            expect("plan = 1 seats = 2", "found `seats`", 9, "seats"),
            expect("", "the condition is empty", 0, ""),
            expect(
                "   # nothing here",
                "the condition is empty",
                0,
                "   # nothing here",
            ),
            expect(
                format!("{}a = 1", "(".repeat(70)),
                "nests more than 64 levels",
                64,
                "(",
            ),
        ],
        condition_errors,
    );
}

/// What the tree builder finds that the grammar cannot: escapes, dates,
/// numbers and amounts out of range, empty backtick names.
#[test]
fn value_errors_in_conditions() {
    check(
        &[
            expect(
                r#"plan = "\u{D800}""#,
                "is not a Unicode character",
                8,
                r"\u{D800}",
            ),
            expect(
                "renewal_at = 2024-02-30",
                "is not a date that exists",
                13,
                "2024-02-30",
            ),
            expect(
                "seen_at > 2024-05-01T25:00:00Z",
                "is not a date and time that exists",
                10,
                "2024-05-01T25:00:00Z",
            ),
            expect(
                "seen_at > 2024-05-01T10:30:00",
                "has no time zone",
                10,
                "2024-05-01T10:30:00",
            ),
            expect(
                "ends_at < 0000-01-01T00:30:00+01:00",
                "before the year 0000",
                10,
                "0000-01-01T00:30:00+01:00",
            ),
            expect("seats > 1e999", "too large for a number", 8, "1e999"),
            expect(
                "seen_at > 100001 days ago",
                "too large for a relative time",
                10,
                "100001",
            ),
            expect("`` = 1", "in backticks cannot be empty", 0, "``"),
        ],
        condition_errors,
    );
}

#[test]
fn syntax_errors_in_files() {
    check(
        &[
            expect(
                "segment \"A\" for users {\n  where x = 1\n",
                "expected `}` to close the definition",
                38,
                "",
            ),
            expect(
                "segment \"A\" for users {\n  description \"no where\"\n}\n",
                "has no condition",
                8,
                "\"A\"",
            ),
            expect(
                "segment \"A\" for users {\n  where a = 1\n  where b = 2\n}\n",
                "more than one `where`",
                46,
                "b = 2",
            ),
            expect(
                "segment \"A\" for users {\n  description \"a\"\n  description \"b\"\n  where a = 1\n}\n",
                "more than one description",
                56,
                "\"b\"",
            ),
            expect(
                "segmnet \"A\" for users {\n  where x = 1\n}\n",
                "found `segmnet`",
                0,
                "segmnet",
            ),
            expect(
                "segment \"A\" for people {\n  where x = 1\n}\n",
                "expected `users` or `accounts`",
                16,
                "people",
            ),
            expect(
                "segment \"A\\q\" for users {\n  where x = 1\n}\n",
                "is not an escape",
                10,
                r"\q",
            ),
            expect(
                "view \"V\" for users {\n  columns [email]\n}\n",
                "expected a value",
                32,
                "email",
            ),
        ],
        file_errors,
    );
}

/// A file is parsed definition by definition, each from its own offset, or
/// as a whole when a definition's start was only an entry: either way the
/// spans are offsets in the whole text.
#[test]
fn errors_after_the_first_definition() {
    let good = "segment \"Good\" for users { where a = 1 }\n";
    let column_zero_entry = "view \"V\" for users {\nsegment \"A\"\n}\n";
    check(
        &[
            expect(
                format!("{good}segment \"B\" for users {{ where a = }}\n"),
                "expected a value",
                75,
                "}",
            ),
            expect(
                format!("{good}segment \"B\" for users {{ where a > 1e999 }}\n"),
                "too large for a number",
                75,
                "1e999",
            ),
            expect(
                format!("{column_zero_entry}segment \"A\" for users {{ where x = 2024-02-30 }}\n"),
                "is not a date that exists",
                69,
                "2024-02-30",
            ),
        ],
        file_errors,
    );
}

// ---------------------------------------------------------------- validation

#[test]
fn validation_errors_about_names() {
    let long = "n".repeat(201);
    check(
        &[
            expect(
                "segment \"Champions\" for users { where a = 1 }\nsegment \"champions\" for users { where a = 1 }\n",
                "there is already a segment named",
                54,
                "\"champions\"",
            ),
            expect(
                "segment \"\" for users { where a = 1 }\n",
                "a segment name cannot be empty",
                8,
                "\"\"",
            ),
            expect(
                "view \"\" for users {}\n",
                "a view name cannot be empty",
                5,
                "\"\"",
            ),
            expect(
                format!("segment \"{long}\" for users {{ where a = 1 }}\n"),
                "at most 200 characters",
                8,
                format!("\"{long}\""),
            ),
        ],
        validation_errors,
    );
}

#[test]
fn validation_errors_about_references() {
    let icp = "segment \"ICP\" for accounts { where a = 1 }\n";
    let fans = "segment \"Fans\" for users { where a = 1 }\n";
    check(
        &[
            expect(
                "segment \"B\" for users { where in segment \"Nobody\" }\n",
                "there is no segment named",
                41,
                "\"Nobody\"",
            ),
            expect(
                format!("{icp}segment \"U\" for users {{ where in segment \"ICP\" }}\n"),
                "is a segment of accounts, but `in segment`",
                84,
                "\"ICP\"",
            ),
            expect(
                format!("{fans}segment \"U\" for users {{ where account in segment \"Fans\" }}\n"),
                "is a segment of users, but `account in segment`",
                90,
                "\"Fans\"",
            ),
            expect(
                format!("{fans}segment \"A\" for accounts {{ where in segment \"Fans\" }}\n"),
                "is a segment of users, but `in segment`",
                85,
                "\"Fans\"",
            ),
            expect(
                format!("{icp}segment \"A\" for accounts {{ where account in segment \"ICP\" }}\n"),
                "`account in segment` is for users",
                76,
                "account in segment \"ICP\"",
            ),
            expect(
                "segment \"U\" for users {\n  where segments has \"Nobody\"\n}\n",
                "there is no segment named",
                32,
                "segments has \"Nobody\"",
            ),
            expect(
                "view \"V\" for users {\n  where in segment \"Nope\"\n}\n",
                "there is no segment named",
                40,
                "\"Nope\"",
            ),
        ],
        validation_errors,
    );
}

#[test]
fn validation_errors_about_cycles() {
    check(
        &[
            expect(
                "segment \"A\" for users { where in segment \"B\" }\nsegment \"B\" for users { where in segment \"C\" }\nsegment \"C\" for users { where in segment \"A\" }\n",
                "in a cycle",
                135,
                "\"A\"",
            ),
            expect(
                "segment \"Self\" for users {\n  where a = 1 or in segment \"self\"\n}\n",
                "refers to itself",
                55,
                "\"self\"",
            ),
        ],
        validation_errors,
    );
}

/// Where `account.`, aggregates and `segments` may not appear, regexes, and
/// property names over the limit.
#[test]
fn validation_errors_about_conditions() {
    let long = format!("`{}`", "p".repeat(129));
    check(
        &[
            expect(
                "segment \"A\" for accounts {\n  where account.plan = \"pro\"\n}\n",
                "reads a user's account",
                35,
                "account.plan",
            ),
            expect(
                "segment \"U\" for users {\n  where count(users) > 3\n}\n",
                "is for accounts; this condition is about users",
                32,
                "count(users) > 3",
            ),
            expect(
                "segment \"A\" for accounts {\n  where count(users where avg(users.nps) > 8) > 3\n}\n",
                "cannot be nested",
                53,
                "avg(users.nps) > 8",
            ),
            expect(
                "segment \"U\" for users {\n  where segments contains \"Champ\"\n}\n",
                "can only be used as segments has",
                32,
                "segments contains \"Champ\"",
            ),
            expect(
                "segment \"U\" for users {\n  where title matches \"(vp|head\"\n}\n",
                "not a valid regular expression",
                46,
                "\"(vp|head\"",
            ),
            expect(
                format!("segment \"U\" for users {{ where {long} = 1 }}\n"),
                "a property name is at most 128 bytes",
                30,
                long.clone(),
            ),
            expect(
                format!("segment \"A\" for accounts {{ where sum(users.{long}) > 1 }}\n"),
                "a property name is at most 128 bytes",
                37,
                format!("users.{long}"),
            ),
        ],
        validation_errors,
    );
}

#[test]
fn validation_errors_in_the_editor() {
    check(
        &[
            expect(
                r#"in segment "Champs""#,
                "there is no segment named",
                11,
                "\"Champs\"",
            ),
            expect(
                r#"in segment "Enterprise ICP""#,
                "is a segment of accounts",
                11,
                "\"Enterprise ICP\"",
            ),
            expect(
                r#"account in segment "Champions""#,
                "is a segment of users",
                19,
                "\"Champions\"",
            ),
            expect(
                "count(users) > 1",
                "is for accounts; this condition is about users",
                0,
                "count(users) > 1",
            ),
        ],
        editor_errors,
    );
}

/// Files validated together: a diagnostic is located in its own file.
#[test]
fn a_duplicate_in_a_second_file_is_located_in_that_file() {
    let first = "segment \"A\" for users { where a = 1 }\n";
    let second = "# the same name\nsegment \"a\" for users { where a = 1 }\n";
    let files = [parse_file(first).0, parse_file(second).0];
    let sources = [
        SourceFile {
            origin: "one.seg",
            text: first,
            file: &files[0],
        },
        SourceFile {
            origin: "two.seg",
            text: second,
            file: &files[1],
        },
    ];
    let diagnostics = validate_files(&sources, &SegmentCatalog::new());
    assert!(diagnostics[0].is_empty(), "{diagnostics:?}");
    assert_eq!(diagnostics[1].len(), 1, "{diagnostics:?}");
    assert_covers(second, diagnostics[1][0].span, 24, "\"a\"");
}

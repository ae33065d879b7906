//! The language front end never panics and never overflows the stack,
//! whatever the text: random bytes, random sequences of the language's own
//! tokens, mutations of valid files, and very deep nesting. (The long run of
//! the same idea is the cargo-fuzz target in `fuzz/`.)

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::Config;
use segscope::lang::format::{format_condition, format_file};
use segscope::lang::validate::{SegmentCatalog, SourceFile, validate_condition, validate_files};
use segscope::lang::{Diagnostic, Renderer, parse_condition, parse_file};
use segscope::model::EntityKind;
use segscope::model::ast::Node;

/// Everything the front end does with a text, none of which may panic.
fn exercise(text: &str) {
    let (file, diagnostics) = parse_file(text);
    render("fuzz.seg", text, &diagnostics);
    let existing = SegmentCatalog::from_files([&file]);
    let source = || SourceFile {
        origin: "fuzz.seg",
        text,
        file: &file,
    };
    for list in validate_files(&[source()], &SegmentCatalog::new()) {
        render("fuzz.seg", text, &list);
    }
    for list in validate_files(&[source(), source()], &existing) {
        render("fuzz.seg", text, &list);
    }
    if diagnostics.is_empty() {
        let formatted = format_file(&file, text);
        let _ = parse_file(&formatted);
    }

    match parse_condition(text) {
        Ok(condition) => {
            for kind in [EntityKind::Users, EntityKind::Accounts] {
                render(
                    "condition",
                    text,
                    &validate_condition(&condition, kind, &existing),
                );
            }
            let _ = parse_condition(&format_condition(&condition));
        }
        Err(diagnostics) => render("condition", text, &diagnostics),
    }
}

fn render(origin: &str, text: &str, diagnostics: &[Diagnostic]) {
    for color in [false, true] {
        let renderer = Renderer {
            origin,
            text,
            color,
        };
        for diagnostic in diagnostics {
            let _ = renderer.headline(diagnostic);
        }
        let _ = renderer.render_all(diagnostics);
    }
}

/// The language's words, operators and punctuation, and the characters that
/// matter to its lexing.
const TOKENS: &[&str] = &[
    "segment",
    "view",
    "playbook",
    "destination",
    "for",
    "users",
    "accounts",
    "description",
    "desc",
    "ASCENDING",
    "where",
    "when",
    "runs",
    "every",
    "entry",
    "once",
    "skip",
    "existing",
    "unset",
    "webhook",
    "secret",
    "log",
    "and",
    "AND",
    "or",
    "Or",
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
    "ends",
    "with",
    "matches",
    "true",
    "false",
    "account",
    "account.",
    "users.",
    "count",
    "sum",
    "avg",
    "min",
    "max",
    "now",
    "ago",
    "from",
    "as",
    "env",
    "days",
    "minute",
    "Weeks",
    "month",
    "years",
    "=",
    "==",
    "!=",
    "<>",
    "<",
    "<=",
    ">",
    ">=",
    "->",
    "-",
    ".",
    "(",
    ")",
    "[",
    "]",
    "{",
    "}",
    ",",
    "\"",
    "'",
    "`",
    "\\",
    "\\u{",
    "\\u{110000}",
    "\\u{d800}",
    "\\n",
    "#",
    "# comment",
    "\n",
    "\r\n",
    "\t",
    " ",
    "\u{feff}",
    "\"Champions\"",
    "'it''s'",
    "\"unterminated",
    "`Company Size`",
    "``",
    "plan",
    "seats",
    "x",
    "_",
    "order",
    "0",
    "42",
    "-3.5",
    ".5",
    "1e6",
    "1e999",
    "99999999999999999999",
    "100000",
    "100001",
    "2024-05-01",
    "2024-02-30",
    "2024-05-01T10:30:00Z",
    "2024-05-01T10:30:00+02:00",
    "2024-05-01T10:30",
    "0000-01-01T00:00:00+01:00",
    "9999-12-31",
    "9999-12-30T23:00:00Z",
    "é",
    "😀",
    "\u{0}",
    "\u{85}",
    "\u{2028}",
];

/// Valid files and conditions, from the specification and the README.
const EXAMPLES: &[&str] = &[
    r#"segment "Enterprise ICP" for accounts {
  description "Large paying accounts we want more of"
  where plan = "enterprise" and seats >= 50
}

segment "Champions" for users {
  where role in ["admin", "owner"]
    and last_seen_at > 7 days ago
    and account in segment "Enterprise ICP"
}

segment "Healthy" for accounts {
  where count(users where last_seen_at > 30 days ago) >= 3
}
"#,
    r#"destination "HubSpot" hubspot {
  token env "HUBSPOT_TOKEN"            # never stored, never printed
  base_url "https://api.hubapi.com"    # optional; tests point it at loopback
  users {
    object contacts
    key email                          # segscope property `email` = contact property `email` (unique)
    segments ["Champions", "Power users"]
    map segments -> segscope_segments as list   # multi-select (enumeration/checkbox)
    map plan -> plan_tier
  }
  accounts {
    object companies
    key id -> segscope_account_id      # created as a unique text property if missing
    map segments -> segscope_segments as text   # multi-line text
  }
}

destination "Ops hook" webhook {
  url "https://hooks.example.com/segscope"
  secret env "HOOK_SECRET"
  users { segments ["Champions"]  map segments -> segments as list  map email -> email }
}
"#,
    r#"destination "Ops hook" webhook {
  url "https://hooks.example.com/segscope"
  secret env "HOOK_SECRET"
  users {
    where plan = "enterprise"
    map segments -> segments as list
    map email -> email
  }
}
"#,
    r#"# leading comment
segment "Mixed" for accounts { # header
  description 'it\'s \u{1F600} "quoted"'
  # inside
  where not (sum(users.seats where role != "guest") >= 1e6)
    or avg(users.`score (0-100)`) <= -3.5 # trailing
    or min(users.created_at) < 2 weeks from now
    or max(users.last_seen_at) >= 2024-05-01T10:30:00+02:00
    or tags has any ["a", 1, true, 2024-05-01] and tags has all []
} # after
view "Pipeline" for accounts {
  stage plan ["free", "pro"]
  columns ["name", "seats"]
}
"#,
    r#"x contains "a" and y not starts with 'b' or not z ends with "c" and w not matches "^[a-z]+$""#,
    r#"not not (account not in segment "X" or in segment "Y") and account.plan is not set"#,
    "count(users) = 0 or n has 3 or `in` = now",
    r#"playbook "Welcome new champions" for users {
  description "Hand new champions to the CS team"
  when in segment "Champions" and account.plan != "free"
  runs every entry          # or: runs once
  skip existing
  set cs_owner = "team-a"
  set contacted_at = now
  unset trial_reminder
  webhook "https://hooks.example.com/champions" secret env "HOOK_SECRET"
  log "New champion"
}
"#,
];

fn cases(n: u32) -> Config {
    Config {
        cases: n,
        failure_persistence: None,
        ..Config::default()
    }
}

fn token_soup() -> impl Strategy<Value = String> {
    vec(
        (
            prop::sample::select(TOKENS),
            prop::sample::select(&["", " ", " ", "\n"][..]),
        ),
        0..48,
    )
    .prop_map(|parts| {
        parts
            .into_iter()
            .flat_map(|(token, separator)| [token, separator])
            .collect()
    })
}

#[derive(Clone, Debug)]
enum Mutation {
    Delete { at: usize, len: usize },
    Insert { at: usize, bytes: Vec<u8> },
    Duplicate { at: usize, len: usize, to: usize },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<usize>(), 0..24usize).prop_map(|(at, len)| Mutation::Delete { at, len }),
        (
            any::<usize>(),
            prop_oneof![
                vec(any::<u8>(), 1..6),
                prop::sample::select(TOKENS).prop_map(|t| t.as_bytes().to_vec()),
            ]
        )
            .prop_map(|(at, bytes)| Mutation::Insert { at, bytes }),
        (any::<usize>(), 0..40usize, any::<usize>())
            .prop_map(|(at, len, to)| Mutation::Duplicate { at, len, to }),
    ]
}

fn mutate(text: &str, mutations: &[Mutation]) -> String {
    let mut bytes = text.as_bytes().to_vec();
    for mutation in mutations {
        let n = bytes.len() + 1;
        match mutation {
            Mutation::Delete { at, len } => {
                let at = at % n;
                let end = (at + len).min(bytes.len());
                bytes.drain(at..end);
            }
            Mutation::Insert { at, bytes: new } => {
                let at = at % n;
                bytes.splice(at..at, new.iter().copied());
            }
            Mutation::Duplicate { at, len, to } => {
                let at = at % n;
                let end = (at + len).min(bytes.len());
                let slice = bytes[at..end].to_vec();
                let to = to % (bytes.len() + 1);
                bytes.splice(to..to, slice);
            }
        }
    }
    String::from_utf8_lossy(&bytes).into_owned()
}

proptest! {
    #![proptest_config(cases(200))]

    #[test]
    fn random_bytes(bytes in vec(any::<u8>(), 0..400)) {
        exercise(&String::from_utf8_lossy(&bytes));
    }

    #[test]
    fn token_soups(text in token_soup()) {
        exercise(&text);
    }

    #[test]
    fn token_soups_inside_a_definition(
        text in token_soup(),
        wrapper in prop::sample::select(&[
            "segment \"S\" for users {\n  where ",
            "view \"V\" for accounts {\n  ",
            "destination \"D\" webhook {\n  users {\n    ",
        ][..]),
    ) {
        exercise(&format!("{wrapper}{text}\n}}\n"));
    }

    #[test]
    fn mutated_examples(
        example in prop::sample::select(EXAMPLES),
        mutations in vec(mutation(), 1..4),
    ) {
        exercise(&mutate(example, &mutations));
    }
}

#[test]
fn examples_are_valid() {
    for (index, example) in EXAMPLES.iter().enumerate() {
        let (_, diagnostics) = parse_file(example);
        let as_condition = parse_condition(example);
        assert!(
            diagnostics.is_empty() || as_condition.is_ok(),
            "example {index} parses neither as a file nor as a condition: {diagnostics:?}"
        );
        exercise(example);
    }
}

/// Runs `check` on a thread with the 2 MiB stack tests get by default, so a
/// stack overflow shows here even when RUST_MIN_STACK is raised.
fn on_small_stack(check: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new()
        .stack_size(2 * 1024 * 1024)
        .spawn(check)
        .expect("spawn a thread")
        .join()
        .expect("the check panicked");
}

fn deep_inputs() -> Vec<(String, String)> {
    let n = 5000;
    let condition_inputs = [
        ("parentheses", "(".repeat(n)),
        (
            "balanced parentheses",
            format!("{}a = 1{}", "(".repeat(n), ")".repeat(n)),
        ),
        ("not", "not ".repeat(n)),
        ("not a = 1", format!("{}a = 1", "not ".repeat(n))),
        ("NOT without spaces", format!("{}a = 1", "NOT(".repeat(n))),
        (
            "not (",
            format!("{}a = 1{}", "not (".repeat(n), ")".repeat(n)),
        ),
        ("brackets", format!("a in {}", "[".repeat(n))),
        (
            "nested aggregates",
            format!(
                "{}a = 1{}",
                "count(users where ".repeat(n),
                ") > 1".repeat(n)
            ),
        ),
        ("braces", "{".repeat(n)),
    ];
    let mut inputs = Vec::new();
    for (what, condition) in condition_inputs {
        inputs.push((format!("condition: {what}"), condition.clone()));
        inputs.push((
            format!("segment: {what}"),
            format!("segment \"S\" for users {{\n  where {condition}\n}}\n"),
        ));
    }
    inputs.push((
        "nested blocks".to_string(),
        format!("view \"V\" {{\n{}\n", "k {".repeat(n)),
    ));
    inputs.push((
        "balanced nested blocks".to_string(),
        format!("view \"V\" {{\n{}{}}}\n", "k {".repeat(n), "}".repeat(n)),
    ));
    inputs
}

#[test]
fn deep_nesting_is_an_error_not_a_stack_overflow() {
    on_small_stack(|| {
        for (what, text) in deep_inputs() {
            let (_, diagnostics) = parse_file(&text);
            assert!(!diagnostics.is_empty(), "{what}: parse_file accepted it");
            assert!(
                parse_condition(&text).is_err(),
                "{what}: parse_condition accepted it"
            );
            exercise(&text);
        }
    });
}

/// Just under the limit, the deepest text allowed parses, validates and
/// formats on a small stack too.
#[test]
fn nesting_up_to_the_limit_works_on_a_small_stack() {
    on_small_stack(|| {
        let depth = 60;
        let inputs = [
            format!("{}a = 1{}", "(".repeat(depth), ")".repeat(depth)),
            format!("{}a = 1", "not ".repeat(depth)),
            format!(
                "{}a = 1{}",
                "not (".repeat(depth / 2),
                ")".repeat(depth / 2)
            ),
            format!(
                "{}a = 1{}",
                "count(users where ".repeat(depth / 2),
                ") > 1".repeat(depth / 2)
            ),
            format!(
                "{}a = 1{}",
                "(b = 2 or (c = 3 and ".repeat(depth / 2),
                "))".repeat(depth / 2)
            ),
        ];
        for condition in inputs {
            let parsed = parse_condition(&condition);
            assert!(parsed.is_ok(), "{condition}: {parsed:?}");
            let file = format!("segment \"S\" for accounts {{\n  where {condition}\n}}\n");
            let (tree, diagnostics) = parse_file(&file);
            assert!(diagnostics.is_empty(), "{file}: {diagnostics:?}");
            let formatted = format_file(&tree, &file);
            let reparsed = parse_file(&formatted).0;
            assert_eq!(
                reparsed.definitions.without_spans(),
                tree.definitions.without_spans()
            );
            exercise(&file);
        }
    });
}

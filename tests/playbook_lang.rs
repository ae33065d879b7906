//! Playbooks in the language: the `playbook` block read into its meaning
//! and printed back (one canonical text, a fixed point of `fmt`), every
//! error a bad playbook earns with its line and column, the syntax errors
//! of its own entries in words, destinations and views reading as before,
//! the segments a playbook's `when` names as references (refusing their
//! deletion, carried along by a rename), and `segscope check` run as the
//! real binary with its errors and its warnings (data and environment).

use std::path::Path;
use std::process::Command;

mod support;

use segscope::lang::destination::{destination_from_block, environment_warnings};
use segscope::lang::format::format_file;
use segscope::lang::playbook::{playbook_definition, playbook_from_block, playbook_text};
use segscope::lang::validate::{definition_references, rename_references};
use segscope::lang::view::view_from_block;
use segscope::lang::{Renderer, parse_condition, parse_file};
use segscope::model::ast::{
    Argument, BlockDefinition, Definition, Literal, Node, RelativeTime, Subject, TimeUnit, Value,
};
use segscope::model::playbook::{Action, Playbook, Runs, SetValue};
use segscope::model::{EntityKind, Scalar};
use segscope::workspace::{
    DeleteSegmentFailure, EntityKindChoice, OpenOptions, SegmentDraft, Workspace,
};
use support::checked::errors_after;

const BIN: &str = env!("CARGO_BIN_EXE_segscope");
const NOW: &str = "2024-06-15T12:00:00Z";

const SEGMENTS: &str = r#"segment "Champions" for users {
  where role = "admin"
}

segment "Big" for accounts {
  where seats >= 10
}
"#;

/// The issue's example, as written.
const WELCOME: &str = r#"playbook "Welcome new champions" for users {
  description "Hand new champions to the CS team"
  when in segment "Champions" and account.plan != "free"
  runs every entry          # or: runs once   (once per entity, ever)
  skip existing             # entities already matching when the playbook is created do not fire
  set cs_owner = "team-a"
  unset trial_reminder
  webhook "https://hooks.example.com/champions" secret env "HOOK_SECRET"
  log "New champion"
}
"#;

/// The one block `text` defines.
fn block(text: &str) -> BlockDefinition {
    let (file, diagnostics) = parse_file(text);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    match file.definitions.into_iter().next() {
        Some(Definition::Block(block)) => block,
        other => panic!("no block in {text}: {other:?}"),
    }
}

fn playbook(text: &str) -> Playbook {
    playbook_from_block(&block(text)).unwrap_or_else(|problems| panic!("{problems:?}"))
}

/// A playbook as it means, wherever its `when` was written.
fn meaning(mut playbook: Playbook) -> Playbook {
    playbook.when = playbook.when.without_spans();
    playbook
}

fn condition(text: &str) -> segscope::model::ast::Condition {
    parse_condition(text).expect("a condition").without_spans()
}

#[test]
fn the_example_reads_as_its_playbook() {
    let read = meaning(playbook(WELCOME));
    assert_eq!(
        read,
        Playbook {
            name: "Welcome new champions".to_string(),
            kind: EntityKind::Users,
            description: Some("Hand new champions to the CS team".to_string()),
            when: condition(r#"in segment "Champions" and account.plan != "free""#),
            runs: Runs::EveryEntry,
            skip_existing: true,
            actions: vec![
                Action::Set {
                    property: "cs_owner".to_string(),
                    value: SetValue::Fixed(segscope::model::Value::string("team-a")),
                },
                Action::Unset {
                    property: "trial_reminder".to_string(),
                },
                Action::Webhook {
                    url: "https://hooks.example.com/champions".to_string(),
                    secret_env: Some("HOOK_SECRET".to_string()),
                },
                Action::Log {
                    message: "New champion".to_string(),
                },
            ],
        }
    );
}

#[test]
fn defaults_runs_once_and_the_values_a_set_takes() {
    let read = playbook(
        r#"PLAYBOOK "Nudge" FOR accounts {
  WHEN seats >= 10
  Runs Once
  SET contacted_at = now
  set follow_up_at = 3 days from now
  set tags = ["big", 2024]
  set renewal = "2025-01-01"
  set score = 4.5
  set vip = true
  unset `Trial Reminder`
}"#,
    );
    assert_eq!(read.kind, EntityKind::Accounts);
    assert_eq!(read.runs, Runs::Once);
    assert!(!read.skip_existing);
    assert_eq!(read.description, None);
    let values: Vec<(&str, &SetValue)> = read
        .actions
        .iter()
        .filter_map(|action| match action {
            Action::Set { property, value } => Some((property.as_str(), value)),
            _ => None,
        })
        .collect();
    let fixed = |scalar| SetValue::Fixed(segscope::model::Value::Scalar(scalar));
    let renewal = segscope::model::datetime_from_text("2025-01-01").expect("a date");
    assert_eq!(
        values,
        [
            ("contacted_at", &SetValue::Relative(RelativeTime::Now)),
            (
                "follow_up_at",
                &SetValue::Relative(RelativeTime::FromNow(3, TimeUnit::Day))
            ),
            (
                "tags",
                &SetValue::Fixed(segscope::model::Value::List(vec![
                    Scalar::String("big".to_string()),
                    Scalar::Number(2024.0),
                ]))
            ),
            // Text in ISO date form is a datetime, as imported data is.
            ("renewal", &fixed(Scalar::DateTime(renewal))),
            ("score", &fixed(Scalar::Number(4.5))),
            ("vip", &fixed(Scalar::Bool(true))),
        ]
    );
    assert_eq!(
        read.actions.last(),
        Some(&Action::Unset {
            property: "Trial Reminder".to_string()
        })
    );
    // Without `runs` and `skip`, the defaults.
    let plain = playbook("playbook \"P\" for users {\n  when x = 1\n  log \"x\"\n}\n");
    assert_eq!((plain.runs, plain.skip_existing), (Runs::EveryEntry, false));
}

#[test]
fn the_canonical_text_reads_back_and_is_a_fixed_point() {
    let read = playbook(WELCOME);
    let text = playbook_text(&read);
    assert_eq!(
        text,
        r#"playbook "Welcome new champions" for users {
  description "Hand new champions to the CS team"
  when in segment "Champions" and account.plan != "free"
  skip existing
  set cs_owner = "team-a"
  unset trial_reminder
  webhook "https://hooks.example.com/champions" secret env "HOOK_SECRET"
  log "New champion"
}
"#
    );
    assert_eq!(meaning(playbook(&text)), meaning(read));
    let (file, _) = parse_file(&text);
    assert_eq!(format_file(&file, &text), text);
    // Actions keep their order; `runs once` and relative times print back.
    let other = playbook(
        "playbook \"O\" for users {\n  log \"first\"\n  set seen_at = 2 weeks ago\n  when x is set\n  runs once\n  unset y\n}\n",
    );
    let text = playbook_text(&other);
    assert_eq!(
        text,
        "playbook \"O\" for users {\n  when x is set\n  runs once\n  log \"first\"\n  set seen_at = 2 weeks ago\n  unset y\n}\n"
    );
    assert_eq!(meaning(playbook(&text)), meaning(other.clone()));
    // The definition printed is the one the text parses to.
    assert!(block(&text).same_meaning(&playbook_definition(&other)));
}

#[test]
fn fmt_keeps_the_meaning_and_comments_and_breaks_a_long_when() {
    let text = r#"playbook "Long" for users {   # the header's comment
  when in segment "Champions" and account.plan != "free" and last_seen_at > 3 days ago and role in ["admin", "owner"]
  set tags = [ "a","b" ]   # a list
  WEBHOOK 'https://hooks.example.com/x'
     SECRET env "HOOK_SECRET"  # the secret's variable
  log "New"
}
"#;
    let (file, diagnostics) = parse_file(text);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    let formatted = format_file(&file, text);
    assert_eq!(
        formatted,
        r#"playbook "Long" for users { # the header's comment
  when in segment "Champions"
    and account.plan != "free"
    and last_seen_at > 3 days ago
    and role in ["admin", "owner"]
  set tags = ["a", "b"] # a list
  webhook "https://hooks.example.com/x" secret env "HOOK_SECRET" # the secret's variable
  log "New"
}
"#
    );
    let (again, diagnostics) = parse_file(&formatted);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    assert!(again.same_meaning(&file));
    assert_eq!(format_file(&again, &formatted), formatted);
}

/// Errors of a playbook after the segments above, `line:column message | help`.
fn errors(text: &str) -> Vec<String> {
    errors_after(SEGMENTS, "playbooks.seg", text)
}

#[test]
fn the_header_when_and_actions_are_required() {
    assert_eq!(
        errors("playbook \"P\" {\n  when x = 1\n  log \"x\"\n}\n"),
        [
            r#"1:10 playbook "P" needs `for users` or `for accounts` | write: playbook "P" for users { ... }"#
        ]
    );
    assert_eq!(
        errors("playbook \"P\" for users hubspot {\n  when x = 1\n  log \"x\"\n}\n"),
        [
            "1:24 a playbook takes no connector, but `hubspot` follows its kind | connectors are for destinations; remove the word"
        ]
    );
    assert_eq!(
        errors("playbook \"P\" for users {\n  log \"x\"\n}\n"),
        [
            r#"1:10 playbook "P" has no `when`: nothing would make it fire | add the condition it fires on, such as: when in segment "Champions""#
        ]
    );
    assert_eq!(
        errors("playbook \"P\" for users {\n  when x = 1\n  runs once\n}\n"),
        [
            r#"1:10 playbook "P" does nothing: it has no action | add what a firing does: set, unset, webhook or log, such as: log "New champion""#
        ]
    );
}

#[test]
fn unknown_and_repeated_entries() {
    assert_eq!(
        errors("playbook \"P\" for users {\n  when x = 1\n  desription \"x\"\n  log \"y\"\n}\n"),
        ["3:3 a playbook has no entry `desription` | did you mean `description`?"]
    );
    assert_eq!(
        errors("playbook \"P\" for users {\n  where x = 1\n  log \"y\"\n}\n"),
        [
            r#"2:3 a playbook fires on `when <condition>`, not `where` | write: when in segment "Champions" (it fires as an entity starts to match)"#
        ]
    );
    assert_eq!(
        errors(
            "playbook \"P\" for users {\n  when x = 1\n  url \"https://x.example\"\n  log \"y\"\n}\n"
        ),
        [
            "3:3 a playbook has no entry `url` | a playbook's entries are `description`, `when`, `runs`, `skip`, `set`, `unset`, `webhook`, `log`"
        ]
    );
    assert_eq!(
        errors(
            "playbook \"P\" for users {\n  description \"a\"\n  description \"b\"\n  when x = 1\n  when y = 1\n  runs once\n  runs every entry\n  skip existing\n  skip existing\n  log \"y\"\n}\n"
        ),
        [
            r#"3:3 playbook "P" has more than one `description` | keep one of them"#,
            r#"5:3 playbook "P" has more than one `when` | combine the conditions with `and` or `or` in one `when`"#,
            r#"7:3 playbook "P" has more than one `runs` | keep one of them"#,
            r#"9:3 playbook "P" has more than one `skip` | keep one of them"#,
        ]
    );
}

#[test]
fn runs_and_skip_take_their_words() {
    assert_eq!(
        errors("playbook \"P\" for users {\n  when x = 1\n  runs sometimes\n  log \"y\"\n}\n"),
        [
            "3:3 a playbook runs `every entry` or `once`, not `sometimes` | write: runs every entry (each time an entity starts to match, the default) or runs once (once per entity, ever)"
        ]
    );
    assert_eq!(
        errors("playbook \"P\" for users {\n  when x = 1\n  log \"y\"\n  runs every time\n}\n"),
        [
            "4:3 a playbook runs `every entry` or `once`, not `every` | write: runs every entry (each time an entity starts to match, the default) or runs once (once per entity, ever)",
            "4:14 a playbook has no entry `time` | a playbook's entries are `description`, `when`, `runs`, `skip`, `set`, `unset`, `webhook`, `log`",
        ]
    );
    // A `runs` missing its words takes the next line's key for one.
    assert_eq!(
        errors("playbook \"P\" for users {\n  when x = 1\n  runs\n  log \"y\"\n}\n"),
        [
            "3:3 `runs` needs `every entry` or `once`, and the `log` after it reads as its word | write: runs every entry (each time an entity starts to match, the default) or runs once (once per entity, ever)"
        ]
    );
    assert_eq!(
        errors("playbook \"P\" for users {\n  when x = 1\n  skip new\n  log \"y\"\n}\n"),
        [
            "3:3 a playbook can only `skip existing`, not `skip new` | write: skip existing (entities already matching when the playbook is created do not fire)"
        ]
    );
}

#[test]
fn what_set_and_unset_may_change() {
    let long = "p".repeat(129);
    let text = format!(
        r#"playbook "P" for users {{
  when x = 1
  set id = "u9"
  unset account_id
  set segments = ["Champions"]
  set account.plan = "pro"
  set {long} = 1
  set note = ""
  set tags = []
  set a = 1
  unset a
}}
"#
    );
    assert_eq!(
        errors(&text),
        [
            "3:7 a playbook cannot set `id`: it is the user's identity | set a property of your own, such as cs_owner",
            "4:9 a playbook cannot unset `account_id`: it is the user's link to its account, set by the data | unset a property of your own, such as cs_owner",
            "5:7 a playbook cannot set `segments`: it is computed, the segments whose conditions the entity meets | set a property of your own, such as cs_owner",
            "6:7 a playbook for users sets the user's own properties, not `account.plan` | a playbook for accounts can set an account's `plan`",
            "7:7 a property name is at most 128 bytes",
            "8:3 `set note` gives empty text, which counts as not set | to remove the property write: unset note",
            "9:3 `set tags` gives an empty list, which counts as not set | to remove the property write: unset tags",
            r#"11:3 playbook "P" changes `a` twice: the later action undoes the earlier | keep one `set` or `unset` of it"#,
        ]
    );
    // An account's `account_id` is an ordinary property.
    assert!(
        errors("playbook \"A\" for accounts {\n  when seats > 1\n  set account_id = \"x\"\n}\n")
            .is_empty()
    );
}

#[test]
fn webhooks_post_to_web_addresses_and_logs_say_something() {
    assert_eq!(
        errors(
            "playbook \"P\" for users {\n  when x = 1\n  webhook \"ftp://files.example\"\n  webhook \"https://\"\n  webhook \"https://x.example\" secret env \"1X\"\n  log \" \"\n}\n"
        ),
        [
            "3:3 a webhook posts to an address starting with https:// or http:// and a host, and \"ftp://files.example\" is not one | write: webhook \"https://hooks.example.com/champions\" secret env \"HOOK_SECRET\"",
            "4:3 a webhook posts to an address starting with https:// or http:// and a host, and \"https://\" is not one | write: webhook \"https://hooks.example.com/champions\" secret env \"HOOK_SECRET\"",
            "5:42 `1X` is not a name an environment variable can have | write letters, digits and `_`, not starting with a digit, such as HOOK_SECRET",
            "6:3 a `log` action needs a message: it is the line the activity log shows | write: log \"New champion\"",
        ]
    );
    assert_eq!(
        errors(
            "playbook \"P\" for users {\n  when x = 1\n  webhook \"https://x.example\"\n  secret env \"S\"\n}\n"
        ),
        Vec::<String>::new(),
        "a webhook's secret may go on the next line"
    );
}

#[test]
fn a_literal_secret_is_refused_without_being_shown() {
    let text = "playbook \"P\" for users {\n  when x = 1\n  webhook \"https://x.example\" secret \"whsec_do-not-print\"\n}\n";
    assert_eq!(
        errors(text),
        [
            "3:31 a webhook's secret is never written in a definition: it is read from an environment variable | write: secret env \"HOOK_SECRET\" and set that variable where segscope runs; it is never stored or shown"
        ]
    );
    let problems = playbook_from_block(&block(text)).expect_err("refused");
    let rendered = Renderer {
        origin: "p.seg",
        text,
        color: false,
    }
    .render_all(&problems);
    assert!(!rendered.contains("do-not-print"), "{rendered}");
    assert!(
        rendered.contains("webhook \"https://x.example\" secret ********************"),
        "{rendered}"
    );
}

#[test]
fn the_when_is_checked_like_a_segments_condition() {
    assert_eq!(
        errors(
            "playbook \"P\" for users {\n  when in segment \"Champs\" or in segment \"Big\" or count(users) > 1\n  log \"x\"\n}\n"
        ),
        [
            r#"2:19 there is no segment named "Champs" | did you mean "Champions"?"#,
            r#"2:42 "Big" is a segment of accounts, but `in segment` here needs a segment of users | for the user's account write: account in segment "Big""#,
            "2:51 `count(users ...)` is for accounts; this condition is about users | aggregates count or sum an account's users; use them in a segment `for accounts`",
        ]
    );
    assert_eq!(
        errors(
            "playbook \"P\" for accounts {\n  when account.plan = \"pro\" and in segment \"Big\"\n  log \"x\"\n}\n"
        ),
        [
            "2:8 `account.plan` reads a user's account, but this condition is about accounts | write `plan` to read the account's own property"
        ]
    );
}

/// The syntax error `text` earns, as `line:column message`.
fn syntax_error(text: &str) -> String {
    let (_, diagnostics) = parse_file(text);
    let [diagnostic] = diagnostics.as_slice() else {
        panic!("not one error for {text}: {diagnostics:?}");
    };
    let at = segscope::lang::line_column(text, diagnostic.span.start);
    format!("{at} {}", diagnostic.message)
}

#[test]
fn its_own_entries_fail_in_words() {
    assert_eq!(
        syntax_error("playbook \"P\" for users {\n  when x = 1\n  set x \"a\"\n}\n"),
        "3:9 expected `=` and the value to set, as in set plan = \"pro\", found `\"`"
    );
    assert_eq!(
        syntax_error("playbook \"P\" for users {\n  when x = 1\n  set = 1\n}\n"),
        "3:7 expected a property name, found `=`"
    );
    assert_eq!(
        syntax_error("playbook \"P\" for users {\n  when x = 1\n  set x =\n}\n"),
        "4:1 expected a value such as \"text\", 42, true or 2024-05-01 or a list such as [\"a\", \"b\"], found `}`"
    );
    assert_eq!(
        syntax_error("playbook \"P\" for users {\n  when x = 1\n  webhook\n  log \"x\"\n}\n"),
        "4:3 expected the address to post to, in quotes, found `log`"
    );
    assert_eq!(
        syntax_error(
            "playbook \"P\" for users {\n  when x = 1\n  webhook \"https://x.example\" secret @\n}\n"
        ),
        "3:38 expected `env` and the name of the environment variable holding the secret, found `@`"
    );
    assert_eq!(
        syntax_error("playbook \"P\" for users {\n  when x =\n  log \"a\"\n}\n"),
        "3:3 expected a value such as \"text\", 42, true or 2024-05-01, found `log`"
    );
    // `is` before `set` still asks for `set`.
    assert_eq!(
        syntax_error("segment \"S\" for users {\n  where x is sett\n}\n"),
        "2:14 expected `set` or `not set` after `is`, found `sett`"
    );
}

#[test]
fn destinations_and_views_read_as_before() {
    let destination = block(
        r#"destination "Ops hook" webhook {
  url "https://hooks.example.com/segscope"
  secret env "HOOK_SECRET"
  users {
    segments ["Champions"]
    map email -> email
  }
}"#,
    );
    // `url` and `secret` stay two entries: `secret` is no argument word.
    let keys: Vec<&str> = destination
        .entries
        .iter()
        .map(|e| e.key.text.as_str())
        .collect();
    assert_eq!(keys, ["url", "secret", "users"]);
    assert!(matches!(
        destination.entries[0].arguments.as_slice(),
        [Argument::Value(Value::Literal(Literal::String(url)))] if url == "https://hooks.example.com/segscope"
    ));
    assert!(matches!(
        &destination.entries[1].subject,
        Some(Subject::Env(name)) if name.value == "HOOK_SECRET"
    ));
    let read = destination_from_block(&destination).expect("a destination");
    assert_eq!(read.secret_env.as_deref(), Some("HOOK_SECRET"));
    let view = view_from_block(&block(
        "view \"V\" for users {\n  where in segment \"Champions\"\n  sort last_seen_at desc\n  columns [\"email\"]\n}",
    ))
    .expect("a view");
    assert_eq!(view.columns, ["email"]);
    assert!(view.filter.is_some());
    // The argument word `entry` is no sort order.
    assert!(view_from_block(&block("view \"V\" for users {\n  sort x entry\n}")).is_err());
    // `set` is an entry of no other block.
    assert_eq!(
        errors_after("", "v.seg", "view \"V\" for users {\n  set x = 1\n}\n"),
        [
            "2:3 a view has no entry `set` | a view's entries are `description`, `where`, `stages`, `columns`, `sort`"
        ]
    );
}

#[test]
fn the_segments_a_when_names_are_references() {
    let mut definition = Definition::Block(block(WELCOME));
    assert_eq!(definition_references(&definition), ["Champions"]);
    assert_eq!(
        rename_references(&mut definition, "champions", "Power users"),
        1
    );
    let Definition::Block(renamed) = &definition else {
        unreachable!()
    };
    let renamed = playbook_from_block(renamed).expect("a playbook");
    assert_eq!(
        renamed.when.without_spans(),
        condition(r#"in segment "Power users" and account.plan != "free""#)
    );
}

#[test]
fn an_unset_secret_variable_is_warned_about() {
    let block = block(WELCOME);
    let warnings = environment_warnings(&block, &|_| false);
    let messages: Vec<&str> = warnings.iter().map(|w| w.message.as_str()).collect();
    assert_eq!(
        messages,
        [
            "the environment variable `HOOK_SECRET` is not set: playbook \"Welcome new champions\" cannot post its webhook until it is"
        ]
    );
    assert!(!warnings[0].is_error());
    assert!(environment_warnings(&block, &|_| true).is_empty());
}

/// A temporary database with the segments above and a few entities.
struct Db {
    dir: tempfile::TempDir,
}

impl Db {
    fn new() -> Db {
        let db = Db {
            dir: tempfile::tempdir().expect("a temporary directory"),
        };
        db.write(
            "a.jsonl",
            "{\"id\": \"a1\", \"plan\": \"pro\", \"seats\": 12}\n",
        );
        db.write(
            "u.jsonl",
            "{\"id\": \"u1\", \"account_id\": \"a1\", \"role\": \"admin\", \"cs_owner\": \"team-b\", \"trial_reminder\": true}\n",
        );
        db.write("segments.seg", SEGMENTS);
        // Files by whole path: a rename rewrites them from this process.
        let (accounts, users, segments) = (
            db.path("a.jsonl"),
            db.path("u.jsonl"),
            db.path("segments.seg"),
        );
        for args in [
            &["import", "--kind", "accounts", &accounts][..],
            &["import", "--kind", "users", &users],
            &["apply", &segments],
        ] {
            let (code, output) = db.run(args, &[]);
            assert_eq!(code, 0, "{args:?}: {output}");
        }
        db
    }

    fn write(&self, name: &str, contents: &str) {
        std::fs::write(self.dir.path().join(name), contents).expect("write a fixture");
    }

    fn path(&self, name: &str) -> String {
        self.dir.path().join(name).display().to_string()
    }

    /// Runs the binary on the database with `set` in the environment (and
    /// HOOK_SECRET removed unless set); returns (exit code, all output).
    fn run(&self, args: &[&str], set: &[(&str, &str)]) -> (i32, String) {
        let mut command = Command::new(BIN);
        command
            .args(args)
            .arg("--db")
            .arg(self.path("segscope.redb"))
            .arg("--now")
            .arg(NOW)
            .current_dir(self.dir.path())
            .env("NO_COLOR", "1")
            .env_remove("SEGSCOPE_DB")
            .env_remove("HOOK_SECRET");
        for (name, value) in set {
            command.env(name, value);
        }
        let output = command.output().expect("the binary runs");
        let text = format!(
            "{}{}",
            String::from_utf8(output.stdout).expect("UTF-8"),
            String::from_utf8(output.stderr).expect("UTF-8")
        );
        assert!(!text.contains("panicked"), "{text}");
        (output.status.code().unwrap_or(-1), text)
    }

    fn open(&self) -> Workspace {
        let options = OpenOptions {
            now: segscope::model::datetime_from_text(NOW),
            record: true,
            ..OpenOptions::default()
        };
        Workspace::open(Path::new(&self.path("segscope.redb")), options).expect("open")
    }
}

#[test]
fn check_shows_a_playbooks_errors_and_warnings() {
    let db = Db::new();
    db.write("welcome.seg", WELCOME);
    // With the variable set and every property known, nothing to say.
    let (code, output) = db.run(&["check", "welcome.seg"], &[("HOOK_SECRET", "whsec-1")]);
    assert_eq!(code, 0, "{output}");
    assert!(
        output.contains("checked 1 file: 1 definition, 0 warnings"),
        "{output}"
    );
    // Unset, it is a warning, which fails nothing.
    let (code, output) = db.run(&["check", "welcome.seg"], &[]);
    assert_eq!(code, 0, "{output}");
    assert!(
        output.contains("Warning: the environment variable `HOOK_SECRET` is not set: playbook \"Welcome new champions\" cannot post its webhook until it is"),
        "{output}"
    );
    assert!(output.contains("welcome.seg:8:60"), "{output}");
    assert!(
        output.contains("checked 1 file: 1 definition, 1 warning"),
        "{output}"
    );
    // The data's warnings: properties no user has, read or changed.
    db.write(
        "typos.seg",
        "playbook \"Typos\" for users {\n  when rol = \"admin\"\n  set cs_ownr = \"team-a\"\n  unset trial_remindr\n  log \"x\"\n}\n",
    );
    let (code, output) = db.run(&["check", "typos.seg"], &[]);
    assert_eq!(code, 0, "{output}");
    for (place, message, help) in [
        (
            "2:8",
            "none of the 1 users has a property `rol`",
            "did you mean `role`?",
        ),
        (
            "3:7",
            "none of the 1 users has a property `cs_ownr`: a firing would add it",
            "did you mean `cs_owner`?",
        ),
        (
            "4:9",
            "none of the 1 users has a property `trial_remindr`: unsetting it changes nothing",
            "did you mean `trial_reminder`?",
        ),
    ] {
        assert!(
            output.contains(&format!("typos.seg:{place}")),
            "{place}: {output}"
        );
        assert!(
            output.contains(&format!("Warning: {message}\n")),
            "{message}: {output}"
        );
        assert!(
            output.contains(&format!("Help: {help}\n")),
            "{help}: {output}"
        );
    }
    assert!(
        output.contains("checked 1 file: 1 definition, 3 warnings"),
        "{output}"
    );
    // Errors fail the check, each at its place, the secret never shown.
    db.write(
        "broken.seg",
        "playbook \"Broken\" for users {\n  when in segment \"Champs\"\n  runs twice\n  set id = \"x\"\n  webhook \"https://x.example\" secret \"whsec_do-not-print\"\n}\n",
    );
    let (code, output) = db.run(&["check", "broken.seg"], &[]);
    assert_eq!(code, 1, "{output}");
    for (place, message) in [
        ("2:19", "there is no segment named \"Champs\""),
        (
            "3:3",
            "a playbook runs `every entry` or `once`, not `twice`",
        ),
        (
            "4:7",
            "a playbook cannot set `id`: it is the user's identity",
        ),
        (
            "5:31",
            "a webhook's secret is never written in a definition: it is read from an environment variable",
        ),
    ] {
        assert!(
            output.contains(&format!("broken.seg:{place}")),
            "{place}: {output}"
        );
        assert!(
            output.contains(&format!("Error: {message}\n")),
            "{message}: {output}"
        );
    }
    assert!(!output.contains("do-not-print"), "{output}");
    assert!(output.contains("check failed: 4 errors"), "{output}");
}

#[test]
fn a_segment_a_playbook_uses_cannot_be_deleted_and_a_rename_carries_it() {
    let db = Db::new();
    db.write("welcome.seg", WELCOME);
    let (code, output) = db.run(&["apply", &db.path("welcome.seg")], &[]);
    assert_eq!(code, 0, "{output}");
    let mut workspace = db.open();
    assert_eq!(
        workspace.referrers("Champions"),
        ["playbook \"Welcome new champions\""]
    );
    let refused = workspace.delete_segment("Champions");
    assert!(
        matches!(&refused, Err(DeleteSegmentFailure::Referenced { referrers, .. })
            if referrers == &["playbook \"Welcome new champions\""]),
        "{refused:?}"
    );
    let stored_segment = workspace
        .definitions()
        .into_iter()
        .find(|d| d.name == "Champions")
        .expect("the segment");
    let renamed = SegmentDraft {
        original: Some("Champions".to_string()),
        name: "Power users".to_string(),
        kind: EntityKindChoice(EntityKind::Users),
        condition: "role = \"admin\"".to_string(),
        based_on: Some(stored_segment.text),
        ..SegmentDraft::default()
    };
    workspace
        .rename_segment_updating_references(&renamed)
        .expect("renamed with the playbook");
    let stored = workspace
        .definitions()
        .into_iter()
        .find(|d| d.name == "Welcome new champions")
        .expect("the playbook");
    assert!(
        stored
            .text
            .contains("when in segment \"Power users\" and account.plan != \"free\""),
        "{}",
        stored.text
    );
    // Its file is rewritten too, its comments kept.
    let file = std::fs::read_to_string(db.path("welcome.seg")).expect("the file");
    assert!(file.contains("in segment \"Power users\""), "{file}");
    assert!(file.contains("# or: runs once"), "{file}");
    // And checked again, it passes.
    drop(workspace);
    let (code, output) = db.run(
        &["check", &db.path("welcome.seg"), &db.path("segments.seg")],
        &[],
    );
    assert_eq!(code, 0, "{output}");
}

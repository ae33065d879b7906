//! Saved views: the `view` block read into its meaning and printed back,
//! every error a bad view earns (with its line and column), the workspace
//! saving and deleting views (into the terminal UI's store or rewritten in
//! their file), a view refusing the deletion of a segment it uses, the data
//! warnings about its properties, and `apply`, `views` and `query --view`
//! run as the real binary.

use std::path::PathBuf;
use std::process::Command;

mod support;

use segscope::lang::format::format_file;
use segscope::lang::parse_file;
use segscope::lang::validate::{SegmentCatalog, SourceFile, validate_files};
use segscope::lang::view::{view_from_block, view_text};
use segscope::model::ast::{Definition, Node};
use segscope::model::view::{SortKey, SortOrder, StageLayout, View};
use segscope::model::{EntityKind, Origin, Scalar};
use segscope::workspace::{
    DeleteSegmentFailure, DeleteViewFailure, EntityKindChoice, OpenOptions, SaveFailure,
    SegmentDraft, Workspace,
};
use serde_json::Value;
use support::checked::errors_after;
use tempfile::TempDir;

const BIN: &str = env!("CARGO_BIN_EXE_segscope");
const NOW: &str = "2024-06-15T12:00:00Z";

const SEGMENTS: &str = r#"segment "Champions" for users {
  where role = "admin"
}

segment "Big" for accounts {
  where seats >= 10
}
"#;

const VIEWS: &str = r#"# The views we work from.
view "Champions to call" for users {
  description "Champions we have not called yet"
  where in segment "Champions" and called_at is not set
  columns ["id", "email", "account.name", "segments"]
  sort last_seen_at desc
}

view "Pipeline" for accounts {
  stages lifecycle_stage ["trial", "active", "churned"]
  columns ["name", "plan"] # what the cards show
}
"#;

const ACCOUNTS: &str = r#"{"id": "a1", "name": "Acme", "plan": "pro", "seats": 12, "lifecycle_stage": "active"}
{"id": "a2", "name": "Bolt", "plan": "free", "seats": 2, "lifecycle_stage": "trial"}
"#;

/// As of NOW: u1, u3 and u4 are admins (Champions); u4 has been called.
const USERS: &str = r#"{"id": "u1", "account_id": "a1", "email": "ann@acme.example", "role": "admin", "last_seen_at": "2024-06-10T09:00:00Z"}
{"id": "u2", "account_id": "a2", "email": "bob@bolt.example", "role": "member", "last_seen_at": "2024-05-01"}
{"id": "u3", "email": "cy@mail.example", "role": "admin", "last_seen_at": "2024-06-14T09:00:00Z"}
{"id": "u4", "account_id": "a1", "email": "di@acme.example", "role": "admin", "called_at": "2024-06-01"}
"#;

// ---------------------------------------------------------------- the language

/// The one view a text defines.
fn view_of(text: &str) -> View {
    let (file, diagnostics) = parse_file(text);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    let Some(Definition::Block(block)) = file.definitions.first() else {
        panic!("no block in {text}");
    };
    view_from_block(block).unwrap_or_else(|d| panic!("{d:?}"))
}

/// Every error of checking `text` alone (with the segments above), as
/// `line:column message`.
fn errors(text: &str) -> Vec<String> {
    errors_after(SEGMENTS, "views.seg", text)
}

#[test]
fn a_view_block_means_a_view() {
    let view = view_of(VIEWS);
    assert_eq!(view.name, "Champions to call");
    assert_eq!(view.kind, EntityKind::Users);
    assert_eq!(
        view.description.as_deref(),
        Some("Champions we have not called yet")
    );
    assert_eq!(view.columns, ["id", "email", "account.name", "segments"]);
    assert_eq!(
        view.sort,
        Some(SortKey {
            property: "last_seen_at".to_string(),
            order: SortOrder::Descending,
        })
    );
    assert_eq!(view.stages, None);
    let filter = view.filter.expect("a filter");
    let expected =
        segscope::lang::parse_condition(r#"in segment "Champions" and called_at is not set"#)
            .expect("a condition");
    assert!(filter.same_meaning(&expected));

    let pipeline = view_of(&VIEWS[VIEWS.find("view \"Pipeline\"").expect("pipeline")..]);
    assert_eq!(pipeline.kind, EntityKind::Accounts);
    assert_eq!(
        pipeline.stages,
        Some(StageLayout {
            property: "lifecycle_stage".to_string(),
            values: ["trial", "active", "churned"]
                .map(|s| Scalar::String(s.to_string()))
                .to_vec(),
        })
    );
    assert_eq!(pipeline.sort, None);
}

#[test]
fn sort_orders_are_words_in_any_case_and_default_to_ascending() {
    let sort_of = |entry: &str| view_of(&format!("view \"V\" for users {{ {entry} }}")).sort;
    let key = |property: &str, order| {
        Some(SortKey {
            property: property.to_string(),
            order,
        })
    };
    assert_eq!(sort_of("sort seen"), key("seen", SortOrder::Ascending));
    assert_eq!(
        sort_of("sort seen DESC"),
        key("seen", SortOrder::Descending)
    );
    assert_eq!(
        sort_of("sort seen descending"),
        key("seen", SortOrder::Descending)
    );
    assert_eq!(sort_of("sort seen Asc"), key("seen", SortOrder::Ascending));
    assert_eq!(
        sort_of("sort account.plan desc"),
        key("account.plan", SortOrder::Descending)
    );
    // A word that merely starts like one is the next entry's key.
    let view = view_of("view \"V\" for users { sort seen\ndescription \"d\" }");
    assert_eq!(view.sort, key("seen", SortOrder::Ascending));
    assert_eq!(view.description.as_deref(), Some("d"));
    // A property may be named like an order: it is the subject.
    assert_eq!(sort_of("sort desc"), key("desc", SortOrder::Ascending));
}

#[test]
fn views_format_and_read_back_the_same() {
    let (file, diagnostics) = parse_file(VIEWS);
    assert!(diagnostics.is_empty());
    let formatted = format_file(&file, VIEWS);
    assert!(
        formatted.contains("  sort last_seen_at desc\n"),
        "{formatted}"
    );
    assert!(formatted.contains("# what the cards show"), "{formatted}");
    let (again, diagnostics) = parse_file(&formatted);
    assert!(diagnostics.is_empty());
    assert!(again.same_meaning(&file));
    assert_eq!(format_file(&again, &formatted), formatted);
    // `DESC` is spelled one way.
    let shouting = "view \"V\" for users {\n  sort x DESC\n}\n";
    let (file, _) = parse_file(shouting);
    assert_eq!(
        format_file(&file, shouting),
        "view \"V\" for users {\n  sort x desc\n}\n"
    );
}

#[test]
fn a_views_canonical_text_reads_back_as_the_view() {
    for view in [
        view_of(VIEWS),
        view_of(&VIEWS[VIEWS.find("view \"Pipeline\"").expect("pipeline")..]),
        view_of("view \"Bare\" for accounts {}"),
        view_of(
            "view \"Odd\" for users { columns [\"Company Size\"] sort `Company Size` stages tier [1, true, 2024-05-01, \"x\"] }",
        ),
    ] {
        let text = view_text(&view);
        let again = view_of(&text);
        assert_eq!(view_text(&again), text);
        assert_eq!(again.name, view.name);
        assert_eq!(again.columns, view.columns);
        assert_eq!(again.sort, view.sort);
        assert_eq!(again.stages, view.stages);
        assert_eq!(again.description, view.description);
        assert_eq!(
            again.filter.as_ref().map(Node::without_spans),
            view.filter.as_ref().map(Node::without_spans)
        );
    }
    let text = view_text(&view_of(VIEWS));
    assert_eq!(
        text,
        r#"view "Champions to call" for users {
  description "Champions we have not called yet"
  where in segment "Champions" and called_at is not set
  columns ["id", "email", "account.name", "segments"]
  sort last_seen_at desc
}
"#
    );
}

#[test]
fn every_mistake_in_a_view_is_an_error_with_its_place() {
    let cases: &[(&str, &[&str])] = &[
        (
            "view \"V\" {\n  columns [\"a\"]\n}\n",
            &[
                r#"1:6 view "V" needs `for users` or `for accounts` | write: view "V" for users { ... }"#,
            ],
        ),
        (
            "view \"V\" for users hubspot {}\n",
            &[
                "1:20 a view takes no connector, but `hubspot` follows its kind | connectors are for destinations; remove the word",
            ],
        ),
        (
            "view \"V\" for users {\n  colums [\"a\"]\n}\n",
            &["2:3 a view has no entry `colums` | did you mean `columns`?"],
        ),
        (
            "view \"V\" for users {\n  banana 1\n}\n",
            &[
                "2:3 a view has no entry `banana` | a view's entries are `description`, `where`, `stages`, `columns`, `sort`",
            ],
        ),
        (
            "view \"V\" for users {\n  sort a\n  sort b desc\n}\n",
            &[r#"3:3 view "V" has more than one `sort` | keep one of them"#],
        ),
        (
            "view \"V\" for users {\n  where a = 1\n  where b = 2\n}\n",
            &[
                r#"3:3 view "V" has more than one `where` | combine the conditions with `and` or `or` in one `where`"#,
            ],
        ),
        (
            "view \"V\" for users {\n  sort { a 1 }\n}\n",
            &[
                "2:3 `sort` in a view takes no `{ ... }` block | write: sort last_seen_at desc (or asc, the default)",
            ],
        ),
        (
            "view \"V\" for users {\n  sort \"name\" desc\n}\n",
            &[
                "2:3 `sort` in a view takes a property and an order | write: sort last_seen_at desc (or asc, the default)",
            ],
        ),
        (
            "view \"V\" for users {\n  sort name desc 3\n}\n",
            &[
                "2:3 `sort` in a view takes a property and an order, `asc` or `desc` | write: sort last_seen_at desc (or asc, the default)",
            ],
        ),
        (
            "view \"V\" for users {\n  columns \"a\"\n}\n",
            &[
                "2:3 `columns` in a view takes one list of property names in quotes | write: columns [\"name\", \"email\", \"account.plan\"]",
            ],
        ),
        (
            "view \"V\" for users {\n  columns [\"a\", 2]\n}\n",
            &[
                "2:3 `columns` in a view takes property names in quotes | write: columns [\"name\", \"email\", \"account.plan\"]",
            ],
        ),
        (
            "view \"V\" for users {\n  columns [\"a\", \"a\"]\n}\n",
            &["2:3 the column \"a\" is listed twice | list each column once"],
        ),
        (
            "view \"V\" for accounts {\n  columns [\"account.plan\"]\n}\n",
            &[
                "2:3 `account.plan` reads a user's account, but this view is about accounts | write `plan` for the account's own property",
            ],
        ),
        (
            "view \"V\" for accounts {\n  sort account.plan\n}\n",
            &[
                "2:8 `sort account.plan` reads a user's account, but this view is about accounts | write `sort plan` for the account's own property",
            ],
        ),
        (
            "view \"V\" for users {\n  description 42\n}\n",
            &[
                "2:3 `description` in a view takes one text in quotes | write: description \"Champions we have not called yet\"",
            ],
        ),
        (
            "view \"V\" for accounts {\n  stages lifecycle_stage\n}\n",
            &[
                "2:3 `stages` in a view takes a property and the list of its values in order | write: stages lifecycle_stage [\"trial\", \"active\", \"churned\"]",
            ],
        ),
        (
            "view \"V\" for accounts {\n  stages lifecycle_stage []\n}\n",
            &[
                r#"2:3 the stages of view "V" list no values | list the values in the order the board shows them; values not listed go to an "other" column"#,
            ],
        ),
        (
            "view \"V\" for accounts {\n  stages stage [\"a\", \"b\", \"a\"]\n}\n",
            &["2:3 the stage \"a\" is listed twice | list each stage once"],
        ),
        (
            "view \"V\" for users {\n  stages account.stage [\"a\"]\n}\n",
            &[
                "2:10 the stages of a view are its own entities' property, not `account.stage` | moving a card sets the property; make a view for accounts to stage accounts",
            ],
        ),
        (
            "view \"V\" for users {\n  stages segments [\"a\"]\n}\n",
            &[
                "2:10 `segments` cannot be a stage property: it cannot be set | stage by a property you set, such as lifecycle_stage",
            ],
        ),
        (
            "view \"V\" for users {\n  where in segment \"Champion\"\n}\n",
            &[r#"2:20 there is no segment named "Champion" | did you mean "Champions"?"#],
        ),
        (
            "view \"V\" for users {\n  where in segment \"Big\"\n}\n",
            &[
                r#"2:20 "Big" is a segment of accounts, but `in segment` here needs a segment of users | for the user's account write: account in segment "Big""#,
            ],
        ),
        (
            "view \"V\" for accounts {\n  where account in segment \"Champions\"\n}\n",
            &[
                r#"2:9 `account in segment` is for users; this condition is about accounts | write: in segment "Champions""#,
            ],
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(errors(text), *expected, "for {text}");
    }
    // Several mistakes are all reported.
    let many = errors("view \"V\" for users hubspot {\n  colums []\n  sort \"x\"\n}\n");
    assert_eq!(many.len(), 3, "{many:?}");
}

#[test]
fn a_good_view_has_no_errors() {
    assert_eq!(errors(VIEWS), Vec::<String>::new());
}

// ---------------------------------------------------------------- helpers

/// What one run of the binary did.
struct Ran {
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Ran {
    fn expect(self, code: i32) -> Ran {
        assert_eq!(
            self.code,
            Some(code),
            "--- stdout\n{}--- stderr\n{}",
            self.stdout,
            self.stderr
        );
        assert!(!self.stderr.contains("panicked"), "{}", self.stderr);
        self
    }

    fn json_lines(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
            .collect()
    }
}

/// A database in a temporary directory, with the segments and views above
/// applied (from segments.seg and views.seg) and the entities imported.
struct Db {
    dir: TempDir,
    path: PathBuf,
}

impl Db {
    fn seeded() -> Db {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("test.redb");
        let db = Db { dir, path };
        db.import("accounts", "a.jsonl", ACCOUNTS);
        db.import("users", "u.jsonl", USERS);
        let segments = db.write("segments.seg", SEGMENTS);
        let views = db.write("views.seg", VIEWS);
        db.run(&["apply", &segments, &views]).expect(0);
        db
    }

    fn write(&self, name: &str, contents: &str) -> String {
        let path = self.dir.path().join(name);
        std::fs::write(&path, contents).expect("write a fixture");
        path.display().to_string()
    }

    fn file(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    fn import(&self, kind: &str, name: &str, contents: &str) {
        let file = self.write(name, contents);
        self.run(&["import", "--kind", kind, &file]).expect(0);
    }

    fn run(&self, args: &[&str]) -> Ran {
        let output = Command::new(BIN)
            .arg("--db")
            .arg(&self.path)
            .arg("--now")
            .arg(NOW)
            .args(args)
            .current_dir(self.dir.path())
            .env_remove("SEGSCOPE_DB")
            .env_remove("SEGSCOPE_NOW")
            .env("NO_COLOR", "1")
            .output()
            .expect("run segscope");
        Ran {
            code: output.status.code(),
            stdout: String::from_utf8(output.stdout).expect("UTF-8"),
            stderr: String::from_utf8(output.stderr).expect("UTF-8"),
        }
    }

    /// The workspace in this process, as the terminal UI opens it.
    fn open(&self) -> Workspace {
        let now = segscope::model::datetime_from_text(NOW).expect("an instant");
        let options = OpenOptions {
            now: Some(now),
            record: true,
            ..OpenOptions::default()
        };
        Workspace::open(&self.path, options).expect("open the workspace")
    }
}

fn ids(rows: &[Value]) -> Vec<&str> {
    rows.iter()
        .map(|row| row["id"].as_str().expect("an id"))
        .collect()
}

fn view_names(workspace: &Workspace) -> Vec<String> {
    workspace.views().into_iter().map(|s| s.view.name).collect()
}

/// A users view of the Champions, made as the terminal UI makes one.
fn tui_view(name: &str) -> View {
    View {
        name: name.to_string(),
        kind: EntityKind::Users,
        description: None,
        filter: Some(
            segscope::lang::parse_condition(r#"in segment "Champions""#).expect("a condition"),
        ),
        columns: vec!["email".to_string()],
        sort: Some(SortKey {
            property: "email".to_string(),
            order: SortOrder::Ascending,
        }),
        stages: None,
    }
}

// ---------------------------------------------------------------- the command line

#[test]
fn views_lists_the_applied_views() {
    let db = Db::seeded();
    let listed = db
        .run(&["views", "--format", "jsonl"])
        .expect(0)
        .json_lines();
    let names: Vec<&str> = listed.iter().map(|v| v["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["Champions to call", "Pipeline"]);
    let champions = &listed[0];
    assert_eq!(champions["kind"], "users");
    assert_eq!(champions["layout"], "list");
    assert_eq!(
        champions["filter"],
        r#"in segment "Champions" and called_at is not set"#
    );
    assert_eq!(
        champions["columns"],
        serde_json::json!(["id", "email", "account.name", "segments"])
    );
    assert_eq!(
        champions["sort"],
        serde_json::json!({"property": "last_seen_at", "order": "desc"})
    );
    assert!(champions["origin"].as_str().unwrap().ends_with("views.seg"));
    let pipeline = &listed[1];
    assert_eq!(pipeline["layout"], "stages");
    assert_eq!(
        pipeline["stages"],
        serde_json::json!({"property": "lifecycle_stage", "values": ["trial", "active", "churned"]})
    );

    let accounts = db
        .run(&["views", "--kind", "accounts", "--format", "json"])
        .expect(0);
    let only: Value = serde_json::from_str(&accounts.stdout).expect("json");
    assert_eq!(only.as_array().map(Vec::len), Some(1));

    let table = db.run(&["views", "--format", "table"]).expect(0).stdout;
    assert!(table.starts_with("NAME"), "{table}");
    assert!(table.contains("stages by lifecycle_stage"), "{table}");
    assert!(table.contains("last_seen_at desc"), "{table}");
}

#[test]
fn query_view_prints_the_views_rows_and_columns() {
    let db = Db::seeded();
    // u4 was called; u2 is no admin; u3 was seen last, so comes first
    // (`sort last_seen_at desc`).
    let rows = db
        .run(&["query", "--view", "champions TO call", "--format", "jsonl"])
        .expect(0)
        .json_lines();
    assert_eq!(ids(&rows), ["u3", "u1"]);
    assert_eq!(
        rows[1],
        serde_json::json!({
            "id": "u1",
            "email": "ann@acme.example",
            "account.name": "Acme",
            "segments": ["Champions"],
        })
    );
    // A user without an account has no account.name.
    assert_eq!(
        rows[0],
        serde_json::json!({"id": "u3", "email": "cy@mail.example", "segments": ["Champions"]})
    );
    // Missing values sort last, and --limit cuts the sorted rows.
    let mut view = db.write(
        "seen.seg",
        "view \"Seen\" for users {\n  sort last_seen_at asc\n}\n",
    );
    db.run(&["apply", &view]).expect(0);
    let rows = db
        .run(&["query", "--view", "Seen", "--format", "ids"])
        .expect(0);
    assert_eq!(rows.stdout, "u2\nu1\nu3\nu4\n");
    let rows = db
        .run(&["query", "--view", "Seen", "--format", "ids", "--limit", "2"])
        .expect(0);
    assert_eq!(rows.stdout, "u2\nu1\n");
    view = db.write("seen.seg", "");
    db.run(&["apply", &view]).expect(0);
    // --columns wins over the view's.
    let rows = db
        .run(&[
            "query",
            "--view",
            "Pipeline",
            "--columns",
            "plan",
            "--format",
            "jsonl",
        ])
        .expect(0)
        .json_lines();
    assert_eq!(
        rows,
        [
            serde_json::json!({"id": "a1", "plan": "pro"}),
            serde_json::json!({"id": "a2", "plan": "free"}),
        ]
    );
    let table = db
        .run(&["query", "--view", "Champions to call", "--format", "table"])
        .expect(0);
    assert!(
        table.stdout.starts_with("id  email"),
        "the view's columns: {}",
        table.stdout
    );
    assert!(table.stdout.contains("account.name"), "{}", table.stdout);
    assert!(
        table
            .stderr
            .contains("2 of 4 users in view \"Champions to call\""),
        "{}",
        table.stderr
    );

    let unknown = db.run(&["query", "--view", "Pipelin"]).expect(1);
    assert_eq!(unknown.stdout, "");
    assert!(
        unknown
            .stderr
            .contains("there is no view named \"Pipelin\"; did you mean \"Pipeline\"?"),
        "{}",
        unknown.stderr
    );
    // A view has its own kind and filter.
    db.run(&["query", "--view", "Pipeline", "--kind", "users"])
        .expect(2);
    db.run(&["query", "--view", "Pipeline", "plan = \"pro\""])
        .expect(2);
    db.run(&["query", "plan = \"pro\""]).expect(2);
}

#[test]
fn check_warns_about_view_properties_the_data_lacks() {
    let db = Db::seeded();
    let file = db.write(
        "more.seg",
        "view \"Odd\" for users {\n  columns [\"email\", \"emial\", \"account.plna\", \"account_id\"]\n  sort seen_at desc\n}\n\nview \"Board\" for accounts {\n  stages stage [\"a\"]\n}\n",
    );
    let checked = db.run(&["check", &file]).expect(0);
    let stderr = checked.stderr;
    assert!(
        stderr.contains("checked 1 file: 2 definitions, 4 warnings"),
        "{stderr}"
    );
    assert!(
        stderr.contains("none of the 4 users has a property `emial`"),
        "{stderr}"
    );
    assert!(stderr.contains("did you mean `email`?"), "{stderr}");
    assert!(
        stderr.contains("none of the 2 accounts has a property `plna`"),
        "{stderr}"
    );
    assert!(stderr.contains("did you mean `account.plan`?"), "{stderr}");
    assert!(
        stderr.contains("more.seg:3:8"),
        "the sort's place: {stderr}"
    );
    assert!(
        stderr.contains("none of the 2 accounts has a property `stage`"),
        "{stderr}"
    );
    // `account_id`, `id` and `segments` are always there; warnings never fail.
    assert!(!stderr.contains("`account_id`"), "{stderr}");
    let applied = db.run(&["apply", &file]).expect(0);
    assert!(applied.stderr.contains("`emial`"), "{}", applied.stderr);
}

#[test]
fn a_bad_view_fails_check_and_apply_with_its_place() {
    let db = Db::seeded();
    let file = db.write(
        "bad.seg",
        "view \"Bad\" for users {\n  sort name desc\n  sortt email\n  where in segment \"Champion\"\n}\n",
    );
    let checked = db.run(&["check", &file]).expect(1);
    assert!(checked.stderr.contains("bad.seg:3:3"), "{}", checked.stderr);
    assert!(
        checked.stderr.contains("a view has no entry `sortt`"),
        "{}",
        checked.stderr
    );
    assert!(
        checked.stderr.contains("bad.seg:4:20"),
        "{}",
        checked.stderr
    );
    let applied = db.run(&["apply", &file]).expect(1);
    assert!(
        applied.stderr.contains("nothing was applied"),
        "{}",
        applied.stderr
    );
    let listed = db
        .run(&["views", "--format", "jsonl"])
        .expect(0)
        .json_lines();
    assert_eq!(listed.len(), 2);
}

#[test]
fn apply_refuses_to_remove_a_segment_a_view_elsewhere_uses() {
    let db = Db::seeded();
    // The views live in views.seg; segments.seg drops Champions.
    let segments = db.write(
        "segments.seg",
        "segment \"Big\" for accounts {\n  where seats >= 10\n}\n",
    );
    let refused = db.run(&["apply", &segments]).expect(1);
    assert!(
        refused.stderr.contains("view \"Champions to call\" (in "),
        "{}",
        refused.stderr
    );
    assert!(
        refused
            .stderr
            .contains("would be left broken: there is no segment named \"Champions\""),
        "{}",
        refused.stderr
    );
    assert!(
        refused.stderr.contains("segments.seg:1:1"),
        "{}",
        refused.stderr
    );
    // Turning Champions into an accounts segment breaks the view as well.
    let segments = db.write(
        "segments.seg",
        "segment \"Champions\" for accounts {\n  where seats >= 10\n}\n",
    );
    let refused = db.run(&["apply", &segments]).expect(1);
    assert!(
        refused
            .stderr
            .contains("\"Champions\" is a segment of accounts"),
        "{}",
        refused.stderr
    );
    // Applied together with the view gone, it is fine.
    let views = db.write("views.seg", "");
    let segments = db.write("segments.seg", "");
    db.run(&["apply", &segments, &views]).expect(0);
    assert_eq!(db.run(&["views", "--format", "jsonl"]).expect(0).stdout, "");
}

// ---------------------------------------------------------------- the workspace

#[test]
fn a_view_saved_in_the_terminal_ui_is_stored_as_the_uis() {
    let db = Db::seeded();
    {
        let mut workspace = db.open();
        let report = workspace
            .save_view(&tui_view("  Mine  "), None)
            .expect("saved");
        assert_eq!(report.added, ["Mine"]);
        let saved = workspace.view("MINE").expect("found ignoring case");
        assert_eq!(saved.origin, Origin::Interactive);
        assert_eq!(saved.view.name, "Mine");
        let rows = workspace.view_rows(&saved.view).expect("rows");
        let listed: Vec<String> = rows.iter().map(|row| workspace.entity_at(row).id).collect();
        assert_eq!(listed, ["u1", "u3", "u4"]);
        // Names are unique among views, ignoring case.
        let clash = workspace.save_view(&tui_view("pipeline"), None);
        assert!(
            matches!(&clash, Err(SaveFailure::Invalid { diagnostics, .. })
                if diagnostics[0].message == "there is already a view named \"Pipeline\""),
            "{clash:?}"
        );
        // A view of a segment that does not exist is refused.
        let mut broken = tui_view("Broken");
        broken.filter = Some(segscope::lang::parse_condition(r#"in segment "Nobody""#).unwrap());
        let refused = workspace.save_view(&broken, None);
        assert!(
            matches!(&refused, Err(SaveFailure::Invalid { diagnostics, .. })
                if diagnostics[0].message == "there is no segment named \"Nobody\""),
            "{refused:?}"
        );
    }
    // After reopening, it is there; renamed, the old name is gone.
    let mut workspace = db.open();
    assert_eq!(
        view_names(&workspace),
        ["Champions to call", "Mine", "Pipeline"]
    );
    let mut renamed = tui_view("Ours");
    renamed.sort = Some(SortKey {
        property: "email".to_string(),
        order: SortOrder::Descending,
    });
    workspace
        .save_view(&renamed, Some("mine"))
        .expect("renamed");
    assert_eq!(
        view_names(&workspace),
        ["Champions to call", "Ours", "Pipeline"]
    );
    assert_eq!(
        workspace.view("Ours").expect("ours").view.sort,
        renamed.sort
    );
    workspace.delete_view("ours").expect("deleted");
    assert_eq!(view_names(&workspace), ["Champions to call", "Pipeline"]);
    assert!(matches!(
        workspace.delete_view("ours"),
        Err(DeleteViewFailure::Unknown { .. })
    ));
    let refused = workspace.delete_view("Pipeline");
    assert!(
        matches!(&refused, Err(DeleteViewFailure::DefinedInFile { .. })),
        "{refused:?}"
    );
    assert!(
        refused
            .unwrap_err()
            .to_string()
            .contains("remove it from the file")
    );
}

#[test]
fn a_view_from_a_file_is_rewritten_in_its_file() {
    let db = Db::seeded();
    let mut workspace = db.open();
    let mut view = workspace.view("Pipeline").expect("pipeline").view;
    view.columns = vec!["name".to_string(), "seats".to_string()];
    view.sort = Some(SortKey {
        property: "seats".to_string(),
        order: SortOrder::Descending,
    });
    workspace.save_view(&view, Some("Pipeline")).expect("saved");
    let text = std::fs::read_to_string(db.file("views.seg")).expect("the file");
    assert!(text.starts_with("# The views we work from.\n"), "{text}");
    assert!(
        text.contains("view \"Champions to call\" for users {\n  description"),
        "{text}"
    );
    assert!(
        text.contains("# what the cards show\n"),
        "the comment inside is kept: {text}"
    );
    assert!(
        text.contains(
            "view \"Pipeline\" for accounts {\n  stages lifecycle_stage [\"trial\", \"active\", \"churned\"]\n  columns [\"name\", \"seats\"]\n  sort seats desc\n}"
        ),
        "{text}"
    );
    let saved = workspace.view("pipeline").expect("still there");
    assert_eq!(saved.view.sort, view.sort);
    assert!(matches!(&saved.origin, Origin::File(path) if path.ends_with("views.seg")));
    // Renamed in its file: the old name is gone from the file and the store.
    view.name = "Board".to_string();
    workspace
        .save_view(&view, Some("Pipeline"))
        .expect("renamed");
    let text = std::fs::read_to_string(db.file("views.seg")).expect("the file");
    assert!(text.contains("view \"Board\" for accounts"), "{text}");
    assert!(!text.contains("Pipeline"), "{text}");
    assert_eq!(view_names(&workspace), ["Board", "Champions to call"]);
    // A file changed on disk since it was applied is not overwritten.
    std::fs::write(
        db.file("views.seg"),
        text.replace("sort seats desc", "sort name"),
    )
    .expect("edit the file");
    let refused = workspace.save_view(&view, Some("Board"));
    assert!(
        matches!(&refused, Err(SaveFailure::ChangedOnDisk { .. })),
        "{refused:?}"
    );
}

#[test]
fn a_segment_a_view_uses_cannot_be_deleted_or_renamed_alone() {
    let db = Db::seeded();
    let mut workspace = db.open();
    let draft = SegmentDraft {
        name: "Callers".to_string(),
        kind: EntityKindChoice(EntityKind::Users),
        condition: "role = \"admin\"".to_string(),
        ..SegmentDraft::default()
    };
    workspace.save_segment(&draft).expect("a UI segment");
    let mut view = tui_view("Call list");
    view.filter = Some(segscope::lang::parse_condition(r#"in segment "callers""#).unwrap());
    workspace.save_view(&view, None).expect("a UI view");
    assert_eq!(workspace.referrers("Callers"), ["view \"Call list\""]);
    let refused = workspace.delete_segment("Callers");
    assert!(
        matches!(&refused, Err(DeleteSegmentFailure::Referenced { referrers, .. })
            if referrers == &["view \"Call list\""]),
        "{refused:?}"
    );
    assert_eq!(
        refused.unwrap_err().to_string(),
        "\"Callers\" cannot be deleted: view \"Call list\" refers to it"
    );
    // The file view refers to the file's segment too.
    assert_eq!(
        workspace.referrers("Champions"),
        ["view \"Champions to call\""]
    );
    let renamed = SegmentDraft {
        original: Some("Callers".to_string()),
        name: "Phoners".to_string(),
        ..draft.clone()
    };
    let refused = workspace.save_segment(&renamed);
    assert!(
        matches!(&refused, Err(SaveFailure::ReferencedRename { referrers, .. })
            if referrers == &["view \"Call list\""]),
        "{refused:?}"
    );
    // Renamed with its references, the view follows.
    workspace
        .rename_segment_updating_references(&renamed)
        .expect("renamed with the view");
    let filter = workspace.view("Call list").expect("the view").view.filter;
    assert_eq!(
        filter
            .as_ref()
            .map(segscope::lang::format::format_condition)
            .as_deref(),
        Some(r#"in segment "Phoners""#)
    );
    // Once the view is gone, so may the segment be.
    workspace.delete_view("Call list").expect("deleted");
    workspace.delete_segment("Phoners").expect("deleted");
}

#[test]
fn the_demo_ships_a_pipeline_and_champions_to_call() {
    let (file, diagnostics) = parse_file(segscope::demo::DEMO_SEGMENTS);
    assert!(diagnostics.is_empty(), "{diagnostics:?}");
    let source = SourceFile {
        origin: "demo.seg",
        text: segscope::demo::DEMO_SEGMENTS,
        file: &file,
    };
    let problems = validate_files(&[source], &SegmentCatalog::new()).remove(0);
    assert!(problems.is_empty(), "{problems:?}");
    let views: Vec<View> = file
        .definitions
        .iter()
        .filter_map(|definition| match definition {
            Definition::Block(block) => view_from_block(block).ok(),
            Definition::Segment(_) => None,
        })
        .collect();
    let pipeline = views
        .iter()
        .find(|v| v.name == "Pipeline")
        .expect("Pipeline");
    assert_eq!(pipeline.kind, EntityKind::Accounts);
    let stages = pipeline.stages.as_ref().expect("a stage view");
    assert_eq!(stages.property, "lifecycle_stage");
    assert_eq!(
        stages.values,
        ["trial", "onboarding", "active", "at_risk", "churned"]
            .map(|s| Scalar::String(s.to_string()))
    );
    let champions = views
        .iter()
        .find(|v| v.name == "Champions to call")
        .expect("Champions to call");
    assert_eq!(champions.kind, EntityKind::Users);
    assert_eq!(
        champions
            .filter
            .as_ref()
            .map(segscope::lang::format::format_condition)
            .as_deref(),
        Some(r#"in segment "Champions""#)
    );
    assert!(champions.sort.is_some() && !champions.columns.is_empty());
}

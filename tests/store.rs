//! The database through the library: every value type survives a write and
//! a reopen, the schema version is checked at open, files that are not
//! segscope databases are refused with a clear error, a failed import leaves
//! everything as it was, and one process at a time holds the file.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use segscope::lang::parse_datetime;
use segscope::model::EntityKind;
use segscope::model::fold_name;
use segscope::model::{Properties, Scalar, Value};
use segscope::store::import::{ImportFormat, ImportSource};
use segscope::store::{EventRecord, Store, StoreError, StoredDefinition};
use segscope::workspace::{
    DeleteSegmentFailure, HistoryFilter, ImportFailure, ImportMode, MembershipCount, OpenOptions,
    SegmentDraft, SourceText, Workspace, WorkspaceError,
};
use tempfile::TempDir;

const USERS: EntityKind = EntityKind::Users;
const ACCOUNTS: EntityKind = EntityKind::Accounts;

const SEGMENTS: &str = r#"segment "Admins" for users {
  where role = "admin"
}

segment "Recent" for users {
  where last_seen_at > 30 days ago
}

segment "Pro" for accounts {
  where plan = "pro"
}
"#;

// ---------------------------------------------------------------- helpers

fn at(text: &str) -> i64 {
    parse_datetime(text).unwrap()
}

fn now() -> i64 {
    at("2024-06-15T12:00:00Z")
}

fn text(value: &str) -> Value {
    Value::string(value)
}

fn num(value: f64) -> Value {
    Value::number(value)
}

fn flag(value: bool) -> Value {
    Value::Scalar(Scalar::Bool(value))
}

fn time(value: &str) -> Value {
    Value::Scalar(Scalar::DateTime(at(value)))
}

fn props(pairs: &[(&str, Value)]) -> Properties {
    pairs
        .iter()
        .map(|(name, value)| (name.to_string(), value.clone()))
        .collect()
}

/// A database path in a temporary directory.
struct Scratch {
    _dir: TempDir,
    path: PathBuf,
}

impl Scratch {
    fn new() -> Scratch {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("store.redb");
        Scratch { _dir: dir, path }
    }

    fn open(&self) -> Workspace {
        open_workspace(&self.path)
    }

    /// A workspace with the segments above and a few entities.
    fn seeded(&self) -> Workspace {
        let mut workspace = self.open();
        apply(&mut workspace, SEGMENTS);
        import(
            &mut workspace,
            ACCOUNTS,
            "{\"id\": \"a1\", \"plan\": \"pro\"}\n{\"id\": \"a2\", \"plan\": \"free\"}\n",
        )
        .unwrap();
        import(
            &mut workspace,
            USERS,
            concat!(
                "{\"id\": \"u1\", \"account_id\": \"a1\", \"role\": \"admin\", \"last_seen_at\": \"2024-06-10\"}\n",
                "{\"id\": \"u2\", \"account_id\": \"a2\", \"role\": \"member\"}\n",
            ),
        )
        .unwrap();
        workspace
    }
}

fn open_workspace(path: &Path) -> Workspace {
    let options = OpenOptions {
        now: Some(now()),
        wait: None,
        record: true,
    };
    Workspace::open(path, options).unwrap_or_else(|e| panic!("open {}: {e}", path.display()))
}

fn apply(workspace: &mut Workspace, text: &str) {
    let source = SourceText {
        origin: "segments.seg".to_string(),
        text: text.to_string(),
    };
    workspace.apply(&[source]).expect("the segments apply");
}

fn import(
    workspace: &mut Workspace,
    kind: EntityKind,
    json_lines: &str,
) -> Result<segscope::workspace::ImportReport, ImportFailure> {
    workspace.import(
        kind,
        ImportSource::new(input_of(json_lines), ImportFormat::JsonLines),
        ImportMode::Merge,
        false,
        &mut |_| std::ops::ControlFlow::Continue(()),
    )
}

/// Text to import, owned (the import may read it on another thread).
fn input_of(text: &str) -> std::io::Cursor<Vec<u8>> {
    std::io::Cursor::new(text.as_bytes().to_vec())
}

/// Everything the file holds, read straight from the store.
#[derive(Debug, PartialEq)]
struct Contents {
    users: BTreeMap<String, (u32, Properties)>,
    accounts: BTreeMap<String, (u32, Properties)>,
    definitions: Vec<StoredDefinition>,
    members: BTreeMap<String, Option<Vec<usize>>>,
    events: Vec<EventRecord>,
    evaluated_at: Option<i64>,
}

fn contents(path: &Path) -> Contents {
    let store = Store::open(path, None).unwrap();
    let entities = |kind| {
        let mut all = BTreeMap::new();
        store
            .for_each_entity(kind, |ordinal, id, entity| {
                let properties: Properties = entity.properties.clone();
                all.insert(id.to_string(), (ordinal, properties));
            })
            .unwrap();
        all
    };
    let definitions = store.definitions().unwrap();
    let members = definitions
        .iter()
        .map(|d| {
            let bits = store.members(&fold_name(&d.name)).unwrap();
            (d.name.clone(), bits.map(|b| b.ones().collect()))
        })
        .collect();
    Contents {
        users: entities(USERS),
        accounts: entities(ACCOUNTS),
        members,
        events: store.events(|_| true, |_, _| None).unwrap(),
        evaluated_at: store.evaluated_at().unwrap(),
        definitions,
    }
}

/// A redb file whose `meta` table says it was written with `schema`.
fn database_with_schema(path: &Path, schema: u32) {
    let meta: redb::TableDefinition<&str, &[u8]> = redb::TableDefinition::new("meta");
    let db = redb::Database::create(path).unwrap();
    let transaction = db.begin_write().unwrap();
    {
        let mut table = transaction.open_table(meta).unwrap();
        table
            .insert(
                "schema_version",
                sealed_meta("schema_version", &schema.to_le_bytes()).as_slice(),
            )
            .unwrap();
    }
    transaction.commit().unwrap();
}

fn schema_of(path: &Path) -> Option<u32> {
    let meta: redb::TableDefinition<&str, &[u8]> = redb::TableDefinition::new("meta");
    let db = redb::Database::open(path).unwrap();
    let transaction = redb::ReadableDatabase::begin_read(&db).unwrap();
    let table = transaction.open_table(meta).ok()?;
    let value = table.get("schema_version").unwrap()?;
    // Since schema 2 the value ends with its 4-byte checksum.
    let stored = value.value();
    assert_eq!(
        stored,
        sealed_meta("schema_version", &stored[..4]),
        "sealed"
    );
    Some(u32::from_le_bytes(stored[..4].try_into().unwrap()))
}

/// A `meta` value as the store seals it (schema 2): the value, then the
/// CRC-32 of the meta table's tag (7), the key's length and bytes, and the
/// value — written out here so the test checks the format, not reuses it.
fn sealed_meta(key: &str, value: &[u8]) -> Vec<u8> {
    let mut hasher = crc32fast::Hasher::new();
    hasher.update(&[7]);
    hasher.update(&(key.len() as u64).to_le_bytes());
    hasher.update(key.as_bytes());
    hasher.update(value);
    let mut record = value.to_vec();
    record.extend_from_slice(&hasher.finalize().to_le_bytes());
    record
}

// ---------------------------------------------------------------- round trips

/// One property of each kind and edge of the value types, with the JSON
/// that imports it.
fn every_value() -> Vec<(&'static str, &'static str, Value)> {
    vec![
        ("empty_text", "\"\"", text("")),
        (
            "unicode",
            "\"h\u{e9}llo \\ud83d\\udc4b \\\"quoted\\\"\\nnext line\"",
            text("h\u{e9}llo \u{1F44B} \"quoted\"\nnext line"),
        ),
        ("zero", "0", num(0.0)),
        ("negative", "-12", num(-12.0)),
        ("fraction", "0.1", num(0.1)),
        ("huge", "1.7976931348623157e308", num(f64::MAX)),
        ("tiny", "5e-324", num(5e-324)),
        (
            "big_integer",
            "9007199254740993",
            num(9_007_199_254_740_992.0),
        ),
        ("yes", "true", flag(true)),
        ("no", "false", flag(false)),
        ("day", "\"2024-02-29\"", time("2024-02-29")),
        (
            "micros",
            "\"2024-05-01T10:30:00.123456Z\"",
            time("2024-05-01T10:30:00.123456Z"),
        ),
        (
            "offset",
            "\"2024-05-01T00:30:00+02:00\"",
            time("2024-04-30T22:30:00Z"),
        ),
        (
            "before_1970",
            "\"1969-07-20T20:17:40Z\"",
            time("1969-07-20T20:17:40Z"),
        ),
        ("last_day", "\"9999-12-31\"", time("9999-12-31")),
        (
            "mixed_list",
            "[\"a\", 1.5, false, \"2024-05-01\"]",
            Value::List(vec![
                Scalar::String("a".into()),
                Scalar::Number(1.5),
                Scalar::Bool(false),
                Scalar::DateTime(at("2024-05-01")),
            ]),
        ),
        ("empty_list", "[]", Value::List(Vec::new())),
    ]
}

#[test]
fn every_value_type_round_trips_through_the_store() {
    let scratch = Scratch::new();
    let values = every_value();
    let fields: Vec<String> = values
        .iter()
        .map(|(name, json, _)| format!("\"{name}\": {json}"))
        .collect();
    let long_text = "\u{e9}".repeat(32 * 1024);
    let long_list: Vec<Scalar> = (0..1000).map(|i| Scalar::Number(i as f64)).collect();
    let line = format!(
        "{{\"id\": \"everything\", {}, \"long_text\": \"{long_text}\", \"long_list\": {}}}\n",
        fields.join(", "),
        serde_json::to_string(&(0..1000).collect::<Vec<_>>()).unwrap()
    );
    let mut expected: Properties = values
        .into_iter()
        .map(|(name, _, value)| (name.to_string(), value))
        .collect();
    expected.insert("long_text".into(), text(&long_text));
    expected.insert("long_list".into(), Value::List(long_list));

    let mut workspace = scratch.open();
    import(&mut workspace, USERS, &line).unwrap();
    assert_eq!(
        workspace.entity(USERS, "everything").unwrap().properties,
        expected
    );
    drop(workspace);

    let stored = contents(&scratch.path);
    assert_eq!(stored.users["everything"].1, expected);
    let reopened = scratch.open();
    assert_eq!(
        reopened.entity(USERS, "everything").unwrap().properties,
        expected
    );
}

#[test]
fn values_set_in_literal_syntax_round_trip() {
    let scratch = Scratch::new();
    let mut workspace = scratch.seeded();
    let assignments = vec![
        ("text".to_string(), Some(text("it's \"quoted\""))),
        ("n".to_string(), Some(num(-3.25))),
        ("flag".to_string(), Some(flag(true))),
        ("when".to_string(), Some(time("2024-05-01T10:30:00Z"))),
        (
            "tags".to_string(),
            Some(Value::List(vec![
                Scalar::String("a".into()),
                Scalar::String("b".into()),
            ])),
        ),
        ("role".to_string(), None),
    ];
    workspace.set(USERS, "u1", assignments).unwrap();
    drop(workspace);
    let expected = props(&[
        ("account_id", text("a1")),
        ("last_seen_at", time("2024-06-10")),
        ("text", text("it's \"quoted\"")),
        ("n", num(-3.25)),
        ("flag", flag(true)),
        ("when", time("2024-05-01T10:30:00Z")),
        (
            "tags",
            Value::List(vec![Scalar::String("a".into()), Scalar::String("b".into())]),
        ),
    ]);
    assert_eq!(contents(&scratch.path).users["u1"].1, expected);
    let reopened = scratch.open();
    let user = reopened.entity(USERS, "u1").unwrap();
    assert_eq!(user.properties, expected);
    assert_eq!(user.segments, ["Recent"]);
    assert_eq!(user.account.as_deref(), Some("a1"));
}

#[test]
fn definitions_members_and_history_survive_reopening() {
    let scratch = Scratch::new();
    let workspace = scratch.seeded();
    let segments = workspace.segments();
    let history = workspace.history(&HistoryFilter::default()).unwrap();
    let by_name = |definitions: &[StoredDefinition]| {
        let mut definitions = definitions.to_vec();
        definitions.sort_by(|a, b| a.name.cmp(&b.name));
        definitions
    };
    let definitions = by_name(&workspace.definitions());
    drop(workspace);

    let reopened = scratch.open();
    assert_eq!(reopened.segments(), segments);
    assert_eq!(
        reopened.history(&HistoryFilter::default()).unwrap(),
        history
    );
    assert_eq!(by_name(&reopened.definitions()), definitions);
    assert_eq!(history.len(), 3, "{history:?}");
    let names: Vec<&str> = segments.iter().map(|s| s.name.as_str()).collect();
    assert_eq!(names, ["Admins", "Pro", "Recent"]);
    let members: Vec<usize> = segments.iter().map(|s| s.members).collect();
    assert_eq!(members, [1, 1, 1]);
    assert_eq!(reopened.entity(ACCOUNTS, "a1").unwrap().users, Some(1));
    drop(reopened);

    let stored = contents(&scratch.path);
    assert_eq!(stored.evaluated_at, Some(now()));
    assert_eq!(stored.members["Admins"], Some(vec![0]));
    assert_eq!(stored.users["u1"].0, 0);
    assert_eq!(stored.users["u2"].0, 1);
}

#[test]
fn reopening_without_changes_writes_nothing() {
    let scratch = Scratch::new();
    drop(scratch.seeded());
    let before = contents(&scratch.path);
    drop(scratch.open());
    assert_eq!(contents(&scratch.path), before);
}

// ---------------------------------------------------------------- the file

#[test]
fn a_newer_schema_is_refused_and_left_alone() {
    let scratch = Scratch::new();
    database_with_schema(&scratch.path, 99);
    let error = Store::open(&scratch.path, None).err().expect("refused");
    assert!(
        matches!(&error, StoreError::NewerSchema { found: 99, .. }),
        "{error:?}"
    );
    let message = error.to_string();
    assert!(message.contains("newer segscope"), "{message}");
    assert!(
        message.contains(&scratch.path.display().to_string()),
        "{message}"
    );

    let options = OpenOptions {
        now: Some(now()),
        ..OpenOptions::default()
    };
    let error = Workspace::open(&scratch.path, options)
        .err()
        .expect("refused");
    assert!(error.to_string().contains("newer segscope"), "{error}");
    assert_eq!(schema_of(&scratch.path), Some(99));
}

/// An entity record that does not decode (among thousands, read on a
/// second thread) makes opening fail with a message naming it, and the
/// file is left as it was.
#[test]
fn a_damaged_entity_record_is_named_when_opening() {
    let scratch = Scratch::new();
    let mut workspace = scratch.open();
    let lines: String = (0..5_000)
        .map(|i| format!("{{\"id\": \"u{i:05}\", \"nps\": {}}}\n", i % 11))
        .collect();
    import(&mut workspace, USERS, &lines).unwrap();
    drop(workspace);
    {
        let users: redb::TableDefinition<&str, &[u8]> = redb::TableDefinition::new("users");
        let db = redb::Database::open(&scratch.path).unwrap();
        let transaction = db.begin_write().unwrap();
        transaction
            .open_table(users)
            .unwrap()
            .insert("u03000", [0xff_u8, 0xff, 0xff, 0xff, 0xff, 0xff].as_slice())
            .unwrap();
        transaction.commit().unwrap();
    }
    let size = std::fs::metadata(&scratch.path).unwrap().len();
    let options = OpenOptions {
        now: Some(now()),
        wait: None,
        record: true,
    };
    let error = match Workspace::open(&scratch.path, options) {
        Err(error) => error,
        Ok(_) => panic!("a damaged record must not open"),
    };
    assert!(
        matches!(error, WorkspaceError::Store(StoreError::Damaged { .. })),
        "{error:?}"
    );
    assert!(
        error.to_string().starts_with(&format!(
            "the database {} is damaged: user u03000:",
            scratch.path.display()
        )),
        "{error}"
    );
    assert_eq!(std::fs::metadata(&scratch.path).unwrap().len(), size);
}

#[test]
fn a_new_file_gets_the_current_schema() {
    let scratch = Scratch::new();
    drop(Store::open(&scratch.path, None).unwrap());
    assert_eq!(
        schema_of(&scratch.path),
        Some(segscope::store::SCHEMA_VERSION)
    );
}

#[test]
fn an_empty_file_becomes_a_new_database() {
    let scratch = Scratch::new();
    std::fs::write(&scratch.path, "").unwrap();
    let mut workspace = scratch.open();
    import(&mut workspace, USERS, "{\"id\": \"u1\"}\n").unwrap();
    drop(workspace);
    assert_eq!(contents(&scratch.path).users.len(), 1);
}

#[test]
fn a_file_that_is_not_a_database_gives_a_clear_error() {
    let scratch = Scratch::new();
    let junk = "id,name\nu1,Ann\n".repeat(1000);
    std::fs::write(&scratch.path, &junk).unwrap();
    let error = Store::open(&scratch.path, None).err().expect("refused");
    let message = error.to_string();
    assert!(
        message.contains(&scratch.path.display().to_string()),
        "{message}"
    );
    assert!(
        !message.contains('\n') && !message.contains("Error {"),
        "{message}"
    );
    assert_eq!(std::fs::read_to_string(&scratch.path).unwrap(), junk);
}

#[test]
fn a_file_that_is_not_a_database_is_reported_as_not_a_segscope_database() {
    let scratch = Scratch::new();
    std::fs::write(&scratch.path, "id,name\nu1,Ann\n".repeat(1000)).unwrap();
    let error = Store::open(&scratch.path, None).err().expect("refused");
    assert!(
        matches!(error, StoreError::NotADatabase { .. }),
        "{error:?}"
    );
    assert!(
        error.to_string().contains("is not a segscope database"),
        "{error}"
    );
}

#[test]
fn another_programs_redb_file_is_not_taken_over() {
    let scratch = Scratch::new();
    {
        let other: redb::TableDefinition<&str, u64> = redb::TableDefinition::new("orders");
        let db = redb::Database::create(&scratch.path).unwrap();
        let transaction = db.begin_write().unwrap();
        transaction
            .open_table(other)
            .unwrap()
            .insert("o1", 5)
            .unwrap();
        transaction.commit().unwrap();
    }
    let error = Store::open(&scratch.path, None).err().expect("refused");
    assert!(
        error.to_string().contains("is not a segscope database"),
        "{error}"
    );
    assert_eq!(schema_of(&scratch.path), None);
}

#[cfg(unix)]
#[test]
fn a_new_database_file_has_mode_0600() {
    use std::os::unix::fs::PermissionsExt;
    let scratch = Scratch::new();
    drop(Store::open(&scratch.path, None).unwrap());
    let mode = std::fs::metadata(&scratch.path)
        .unwrap()
        .permissions()
        .mode();
    assert_eq!(mode & 0o777, 0o600, "{mode:o}");
}

#[test]
fn a_second_open_is_refused_or_waits_for_the_first() {
    let scratch = Scratch::new();
    let first = Store::open(&scratch.path, None).unwrap();
    let error = Store::open(&scratch.path, None).err().expect("in use");
    assert!(matches!(error, StoreError::InUse(_)), "{error:?}");
    assert_eq!(
        error.to_string(),
        format!(
            "the database {} is in use by another segscope process; run the command again when it is done, or wait for it with --wait SECONDS",
            scratch.path.display()
        )
    );

    let started = Instant::now();
    let error = Store::open(&scratch.path, Some(Duration::from_millis(300)))
        .err()
        .expect("still in use");
    assert!(matches!(error, StoreError::InUse(_)), "{error:?}");
    assert!(started.elapsed() >= Duration::from_millis(300));

    let releaser = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(300));
        drop(first);
    });
    let second = Store::open(&scratch.path, Some(Duration::from_secs(5)));
    releaser.join().unwrap();
    assert!(second.is_ok(), "{:?}", second.err());
}

// ---------------------------------------------------------------- all or nothing

#[test]
fn a_failed_import_leaves_the_database_and_the_workspace_unchanged() {
    let scratch = Scratch::new();
    let workspace = scratch.seeded();
    let before_view = workspace.entity(USERS, "u1");
    let before_segments = workspace.segments();
    drop(workspace);
    let before = contents(&scratch.path);

    let mut workspace = scratch.open();
    let bad = concat!(
        "{\"id\": \"u1\", \"role\": \"member\"}\n",
        "{\"id\": \"u3\", \"role\": \"admin\"}\n",
        "{\"id\": \"u4\", \"address\": {\"city\": \"Oslo\"}}\n",
        "{\"id\": \"u5\"}\n",
        "{\"id\": \"u6\", \"tags\": [[1]]}\n",
    );
    match import(&mut workspace, USERS, bad) {
        Err(ImportFailure::Rows { errors, count }) => {
            assert_eq!(count, 2);
            let lines: Vec<usize> = errors.iter().map(|e| e.line).collect();
            assert_eq!(lines, [3, 5]);
            assert!(errors[0].message.contains("\"address\""), "{errors:?}");
        }
        other => panic!("expected bad rows, got {other:?}"),
    }
    // The snapshot in memory was rolled back with the store.
    assert_eq!(workspace.entity(USERS, "u1"), before_view);
    assert_eq!(workspace.entity(USERS, "u3"), None);
    assert_eq!(workspace.segments(), before_segments);
    // And a later change starts from the state before the failure.
    workspace
        .set(USERS, "u2", vec![("nps".into(), Some(num(9.0)))])
        .unwrap();
    assert_eq!(workspace.entity(USERS, "u3"), None);
    workspace
        .set(USERS, "u2", vec![("nps".into(), None)])
        .unwrap();
    drop(workspace);

    assert_eq!(contents(&scratch.path), before);
}

#[test]
fn a_failed_json_array_or_csv_import_writes_nothing() {
    let scratch = Scratch::new();
    drop(scratch.seeded());
    let before = contents(&scratch.path);
    let cases: [(&str, ImportFormat); 3] = [
        (
            "[{\"id\": \"n1\"}, {\"id\": \"n2\", \"o\": {}}]",
            ImportFormat::JsonArray,
        ),
        ("[{\"id\": \"n1\"}, {\"id\": ", ImportFormat::JsonArray),
        ("id,n\nn1,1\nn2,1,2\n", ImportFormat::Csv),
    ];
    for (input, format) in cases {
        let mut workspace = scratch.open();
        let result = workspace.import(
            USERS,
            ImportSource::new(input_of(input), format),
            ImportMode::Merge,
            false,
            &mut |_| std::ops::ControlFlow::Continue(()),
        );
        assert!(result.is_err(), "{input}: {result:?}");
        assert_eq!(workspace.entity(USERS, "n1"), None, "{input}");
        drop(workspace);
        assert_eq!(contents(&scratch.path), before, "{input}");
    }
}

#[test]
fn skip_invalid_imports_the_good_rows_and_reports_the_bad_ones() {
    let scratch = Scratch::new();
    let mut workspace = scratch.seeded();
    let input =
        "{\"id\": \"u3\", \"role\": \"admin\"}\n{\"id\": \"u4\", \"o\": {}}\n{\"id\": \"u5\"}\n";
    let report = workspace
        .import(
            USERS,
            ImportSource::new(input_of(input), ImportFormat::JsonLines),
            ImportMode::Merge,
            true,
            &mut |_| std::ops::ControlFlow::Continue(()),
        )
        .unwrap();
    assert_eq!((report.created, report.skipped_count), (2, 1));
    assert_eq!(report.skipped[0].line, 2);
    assert_eq!(
        report.membership,
        [MembershipCount {
            segment: "Admins".to_string(),
            entered: 1,
            exited: 0
        }],
        "{report:?}"
    );
    drop(workspace);
    let stored = contents(&scratch.path);
    let ids: Vec<&str> = stored.users.keys().map(String::as_str).collect();
    assert_eq!(ids, ["u1", "u2", "u3", "u5"]);
}

/// Rows of one file go through three threads in batches of about a
/// thousand: a later row naming an earlier id (in the same batch or not)
/// merges into it, and the store ends as the rows say, in file order.
#[test]
fn one_file_naming_an_id_again_merges_in_file_order_across_batches() {
    let scratch = Scratch::new();
    let mut workspace = scratch.seeded();
    let mut lines = String::new();
    for index in 0..5_000 {
        lines.push_str(&format!("{{\"id\": \"n{index}\", \"step\": 1}}\n"));
    }
    // Again, a batch or more later: one merge each, and one removal.
    for index in (0..5_000).step_by(1_000) {
        lines.push_str(&format!("{{\"id\": \"n{index}\", \"extra\": true}}\n"));
    }
    lines.push_str("{\"id\": \"n1\", \"step\": 2}\n{\"id\": \"n1\", \"step\": null}\n");
    let report = import(&mut workspace, USERS, &lines).unwrap();
    // Counts are of entities: every one is new, however often it is named.
    assert_eq!(
        (report.created, report.updated, report.unchanged),
        (5_000, 0, 0)
    );
    let expected = |index: usize| -> Properties {
        match index {
            1 => Properties::new(),
            i if i % 1_000 == 0 => props(&[("step", num(1.0)), ("extra", flag(true))]),
            _ => props(&[("step", num(1.0))]),
        }
    };
    for index in [0, 1, 2, 1_000, 4_000, 4_999] {
        let id = format!("n{index}");
        assert_eq!(
            workspace.entity(USERS, &id).unwrap().properties,
            expected(index)
        );
    }
    drop(workspace);
    let stored = contents(&scratch.path);
    let mut ordinals = BTreeSet::new();
    for index in 0..5_000 {
        let (ordinal, properties) = &stored.users[&format!("n{index}")];
        assert_eq!(properties, &expected(index), "n{index}");
        assert!(
            ordinals.insert(*ordinal),
            "n{index} shares ordinal {ordinal}"
        );
    }
    // The seeded users keep 0 and 1; the new ones follow without gaps.
    assert_eq!(ordinals.first(), Some(&2));
    assert_eq!(ordinals.last(), Some(&5_001));
}

/// A bad row after many good batches (already stored in the open
/// transaction) still leaves nothing.
#[test]
fn a_bad_row_after_many_batches_writes_nothing() {
    let scratch = Scratch::new();
    let workspace = scratch.seeded();
    drop(workspace);
    let before = contents(&scratch.path);
    let mut workspace = scratch.open();
    let mut lines = String::new();
    for index in 0..20_000 {
        lines.push_str(&format!("{{\"id\": \"n{index}\", \"role\": \"admin\"}}\n"));
    }
    lines.push_str("{\"id\": \"bad\", \"nested\": {\"a\": 1}}\n");
    match import(&mut workspace, USERS, &lines) {
        Err(ImportFailure::Rows { errors, count }) => {
            assert_eq!(count, 1);
            assert_eq!(errors[0].line, 20_001);
        }
        other => panic!("expected a bad row, got {other:?}"),
    }
    assert_eq!(workspace.entity(USERS, "n0"), None);
    drop(workspace);
    assert_eq!(contents(&scratch.path), before);
}

#[test]
fn replace_and_merge_differ_only_in_what_is_kept() {
    let scratch = Scratch::new();
    let mut workspace = scratch.seeded();
    let row = "{\"id\": \"u1\", \"nps\": 7, \"last_seen_at\": null}\n";
    import(&mut workspace, USERS, row).unwrap();
    assert_eq!(
        workspace.entity(USERS, "u1").unwrap().properties,
        props(&[
            ("account_id", text("a1")),
            ("role", text("admin")),
            ("nps", num(7.0))
        ])
    );
    workspace
        .import(
            USERS,
            ImportSource::new(input_of(row), ImportFormat::JsonLines),
            ImportMode::Replace,
            false,
            &mut |_| std::ops::ControlFlow::Continue(()),
        )
        .unwrap();
    assert_eq!(
        workspace.entity(USERS, "u1").unwrap().properties,
        props(&[("nps", num(7.0))])
    );
    drop(workspace);
    assert_eq!(
        contents(&scratch.path).users["u1"],
        (0, props(&[("nps", num(7.0))]))
    );
}

/// A segment is deleted only when nothing refers to it and no file defines
/// it; each refusal says why and leaves the database as it was.
#[test]
fn deleting_a_segment_is_refused_with_the_reason_and_changes_nothing() {
    let scratch = Scratch::new();
    let mut workspace = scratch.seeded();
    let draft = SegmentDraft {
        name: "Recent admins".to_string(),
        condition: "in segment \"Admins\" and in segment \"Recent\"".to_string(),
        based_on: None,
        ..SegmentDraft::default()
    };
    workspace.save_segment(&draft).expect("the draft saves");
    let source = SourceText {
        origin: "/definitions/extra.seg".to_string(),
        text: "segment \"Lapsed\" for users {\n  where last_seen_at < 90 days ago\n}\n".to_string(),
    };
    workspace.apply(&[source]).expect("applies");
    drop(workspace);
    let before = contents(&scratch.path);

    let mut workspace = scratch.open();
    let refused = workspace.delete_segment("admins").expect_err("refused");
    assert!(
        matches!(&refused, DeleteSegmentFailure::Referenced { name, .. } if name == "Admins"),
        "{refused:?}"
    );
    assert_eq!(
        refused.to_string(),
        "\"Admins\" cannot be deleted: segment \"Recent admins\" refers to it"
    );
    assert_eq!(refused.summary(), refused.to_string());

    let refused = workspace.delete_segment("Nope").expect_err("refused");
    assert_eq!(refused.to_string(), "there is no segment named \"Nope\"");

    // Applied from a file: the file is its truth.
    let refused = workspace.delete_segment("Lapsed").expect_err("refused");
    assert_eq!(
        refused.to_string(),
        "\"Lapsed\" is defined in /definitions/extra.seg: remove it from the file"
    );
    assert_eq!(
        refused.summary(),
        "\"Lapsed\" is defined in extra.seg: remove it from the file"
    );
    drop(workspace);
    assert_eq!(contents(&scratch.path), before);

    let mut workspace = scratch.open();
    workspace
        .delete_segment("Recent admins")
        .expect("nothing refers to it");
    assert!(workspace.segment_definition("Recent admins").is_none());
}

/// What a destination acknowledged is checked on read: a payload changed
/// on the disk is reported as damage, never diffed against as if it were
/// what the destination holds.
#[test]
fn a_changed_sync_state_payload_is_damage_not_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.redb");
    {
        let store = Store::open(&path, None).unwrap();
        let change = store.begin().unwrap();
        change
            .acknowledge(
                "hubspot",
                "users:email",
                &[(
                    "a@example.com".to_string(),
                    Some("{\"plan\":\"pro\"}".to_string()),
                )],
            )
            .unwrap();
        change.commit().unwrap();
        let state = store.acknowledged("hubspot", "users:email").unwrap();
        assert_eq!(state["a@example.com"], "{\"plan\":\"pro\"}");
    }
    let table: redb::TableDefinition<(&str, &str, &str), &str> =
        redb::TableDefinition::new("sync_state");
    {
        let db = redb::Database::open(&path).unwrap();
        let transaction = db.begin_write().unwrap();
        {
            use redb::ReadableTable;
            let mut state = transaction.open_table(table).unwrap();
            let stored = state
                .get(("hubspot", "users:email", "a@example.com"))
                .unwrap()
                .unwrap()
                .value()
                .to_string();
            let changed = stored.replacen("pro", "Yro", 1);
            state
                .insert(
                    ("hubspot", "users:email", "a@example.com"),
                    changed.as_str(),
                )
                .unwrap();
        }
        transaction.commit().unwrap();
    }
    let store = Store::open(&path, None).unwrap();
    let error = store
        .acknowledged("hubspot", "users:email")
        .expect_err("damage is detected");
    assert!(error.to_string().contains("damaged"), "{error}");
}

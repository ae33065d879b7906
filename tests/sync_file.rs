//! `segscope sync` to a file, run as the real binary: the `.csv` and
//! `.jsonl` files compared byte for byte with the text they must hold,
//! those who left absent from the next file, the CSV imported back into a
//! fresh database with its values kept, and the write atomic (no temporary
//! file left behind, the old file kept when the new one cannot be put in
//! its place).

mod support;

use std::path::Path;

use serde_json::Value;
use support::sync_setup::SyncDb;

/// Account values that test the CSV encoding: a comma, a quote, text that
/// reads as a number, a fraction, a datetime, lists (one empty).
const ODD_ACCOUNTS: &str = r#"{"id": "a1", "name": "Acme, Inc.", "since": "2024-01-02T03:04:05Z", "tags": ["x", "y z"]}
{"id": "a2", "name": "42", "seats": 2.5}
{"id": "a3", "name": "Say \"hi\"", "tags": []}
"#;

const CSV_DESTINATION: &str = r#"destination "Export" file {
  path "exports/accounts.csv"
  accounts {
    map segments -> segment_names as text
    map name -> name
    map seats -> seats
    map since -> since
    map tags -> tags
  }
}
"#;

const JSONL_DESTINATION: &str = r#"destination "Champions file" file {
  path "champions.jsonl"
  users {
    segments ["Champions"]
    map email -> email
    map segments -> segments as list
    map sessions -> sessions
    map account.name -> company
  }
}
"#;

/// What the CSV destination writes for the fixture with [`ODD_ACCOUNTS`].
const EXPECTED_CSV: &str = "id,segment_names,name,seats,since,tags\n\
a1,\"Big\nPaying\",\"Acme, Inc.\",12,2024-01-02T03:04:05Z,\"[\"\"x\"\",\"\"y z\"\"]\"\n\
a2,\"\"\"\"\"\",\"\"\"42\"\"\",2.5,,\n\
a3,Big,\"Say \"\"hi\"\"\",50,,[]\n";

fn csv_db() -> SyncDb {
    let db = SyncDb::seeded();
    db.import("accounts", "odd.jsonl", ODD_ACCOUNTS).expect(0);
    db.apply("destinations.seg", CSV_DESTINATION).expect(0);
    db
}

/// The names in a folder, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("list {}: {e}", dir.display()))
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn counts_line(sent: u64, unchanged: u64, exited: u64) -> String {
    format!(
        "  {sent} sent, {unchanged} unchanged, {exited} exited, 0 skipped without a key, 0 in a key conflict, 0 failed"
    )
}

#[test]
fn a_csv_file_holds_every_selected_record_exactly() {
    let db = csv_db();
    let ran = db.sync("Export").expect(0);
    assert_eq!(db.read("exports/accounts.csv"), EXPECTED_CSV);
    assert!(ran.stdout.contains(&counts_line(3, 0, 0)), "{ran}");

    // Written whole each run, the same when nothing changed.
    let ran = db.sync("Export").expect(0);
    assert_eq!(db.read("exports/accounts.csv"), EXPECTED_CSV);
    assert!(ran.stdout.contains(&counts_line(0, 3, 0)), "{ran}");
}

#[test]
fn a_jsonl_file_holds_every_selected_record_exactly() {
    let db = SyncDb::seeded();
    db.apply("destinations.seg", JSONL_DESTINATION).expect(0);
    db.sync("Champions file").expect(0);
    assert_eq!(
        db.read("champions.jsonl"),
        concat!(
            r#"{"company":"Acme","email":"ann@acme.example","id":"u1","segments":["Champions","Power users"],"sessions":30}"#,
            "\n",
            r#"{"company":"Cyan","email":"cy@mail.example","id":"u3","segments":["Champions"],"sessions":2}"#,
            "\n",
            r#"{"company":"Acme","email":null,"id":"u5","segments":["Champions"],"sessions":3}"#,
            "\n",
        )
    );
}

#[test]
fn an_entity_leaving_is_absent_from_the_next_file() {
    let db = SyncDb::seeded();
    db.apply("destinations.seg", JSONL_DESTINATION).expect(0);
    db.sync("Champions file").expect(0);

    db.run(&["set", "--kind", "users", "u3", r#"role="member""#])
        .expect(0);
    let ran = db.sync("Champions file").expect(0);
    assert!(ran.stdout.contains(&counts_line(0, 2, 1)), "{ran}");
    let keys: Vec<String> = db
        .read("champions.jsonl")
        .lines()
        .map(|line| {
            let record: Value = serde_json::from_str(line).unwrap();
            record["id"].as_str().unwrap().to_string()
        })
        .collect();
    assert_eq!(keys, ["u1", "u5"]);

    // Back in the segment, back in the file.
    db.run(&["set", "--kind", "users", "u3", r#"role="admin""#])
        .expect(0);
    let ran = db.sync("Champions file").expect(0);
    assert!(ran.stdout.contains(&counts_line(1, 2, 0)), "{ran}");
    assert_eq!(db.read("champions.jsonl").lines().count(), 3);
}

/// The mapped values of each account, by id: null and absent alike.
fn mapped_values(accounts: &[Value], fields: &[&str]) -> Vec<(String, Vec<Value>)> {
    let mut rows: Vec<(String, Vec<Value>)> = accounts
        .iter()
        .map(|account| {
            (
                account["id"].as_str().unwrap().to_string(),
                fields.iter().map(|field| account[*field].clone()).collect(),
            )
        })
        .collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0));
    rows
}

#[test]
fn the_csv_imports_back_with_its_values() {
    let db = csv_db();
    db.sync("Export").expect(0);
    let original = db
        .run(&["export", "--kind", "accounts"])
        .expect(0)
        .json_lines();

    let fresh = SyncDb::new();
    let file = db.dir().join("exports/accounts.csv");
    fresh
        .run(&["import", "--kind", "accounts", &file.display().to_string()])
        .expect(0);
    let imported = fresh
        .run(&["export", "--kind", "accounts"])
        .expect(0)
        .json_lines();

    let fields = ["name", "seats", "since", "tags"];
    assert_eq!(
        mapped_values(&imported, &fields),
        mapped_values(&original, &fields)
    );
    // The segments came as text, one per line.
    let segment_names: Vec<(String, Value)> = mapped_values(&imported, &["segment_names"])
        .into_iter()
        .map(|(id, mut values)| (id, values.remove(0)))
        .collect();
    assert_eq!(
        segment_names,
        [
            ("a1".to_string(), Value::from("Big\nPaying")),
            ("a2".to_string(), Value::from("")),
            ("a3".to_string(), Value::from("Big")),
        ]
    );
    // The types came back as they were, not as text.
    let a1 = imported.iter().find(|a| a["id"] == "a1").unwrap();
    assert!(a1["seats"].is_number() && a1["tags"].is_array(), "{a1}");
    let a2 = imported.iter().find(|a| a["id"] == "a2").unwrap();
    assert_eq!(a2["name"], "42", "text that reads as a number: {a2}");
}

#[test]
fn the_file_is_written_atomically() {
    let db = csv_db();
    db.sync("Export").expect(0);
    let exports = db.dir().join("exports");
    assert_eq!(listing(&exports), ["accounts.csv"]);

    // Rewritten in place: the new file, and nothing beside it.
    db.run(&["set", "--kind", "accounts", "a2", "seats=30"])
        .expect(0);
    db.sync("Export").expect(0);
    assert_eq!(listing(&exports), ["accounts.csv"]);
    assert!(
        db.read("exports/accounts.csv")
            .contains("a2,Big,\"\"\"42\"\"\",30,,\n"),
        "{}",
        db.read("exports/accounts.csv")
    );

    // When the new file cannot take the old one's place (a folder is in
    // the way), the run stops saying so and leaves no temporary file.
    let blocked = db.dir().join("blocked");
    std::fs::create_dir_all(blocked.join("accounts.csv")).unwrap();
    std::fs::write(blocked.join("accounts.csv").join("keep"), "kept").unwrap();
    db.apply(
        "destinations.seg",
        &CSV_DESTINATION.replace("exports/accounts.csv", "blocked/accounts.csv"),
    )
    .expect(0);
    let ran = db.sync("Export").expect(1);
    assert!(ran.stderr.contains("blocked/accounts.csv"), "{ran}");
    assert!(ran.stderr.contains("cannot write"), "{ran}");
    assert_eq!(listing(&blocked), ["accounts.csv"]);
    assert_eq!(listing(&blocked.join("accounts.csv")), ["keep"]);
    assert_eq!(db.last_run("Export")["outcome"], "stopped");
}

#[test]
fn sync_all_runs_every_destination() {
    let db = csv_db();
    db.apply("more.seg", JSONL_DESTINATION).expect(0);
    let ran = db.run(&["sync", "--all"]).expect(0);
    assert!(ran.stdout.contains("\"Export\" (file): completed"), "{ran}");
    assert!(
        ran.stdout.contains("\"Champions file\" (file): completed"),
        "{ran}"
    );
    assert_eq!(db.read("exports/accounts.csv"), EXPECTED_CSV);
    assert_eq!(db.read("champions.jsonl").lines().count(), 3);
    let names: Vec<String> = db
        .runs(None)
        .iter()
        .map(|run| run["destination"].as_str().unwrap().to_string())
        .collect();
    // Newest first; run in name order.
    assert_eq!(names, ["Export", "Champions file"]);
}

/// A user's record carries its account's name: renaming the account
/// changes exactly the records of its users.
#[test]
fn an_accounts_change_reaches_the_records_of_its_users() {
    let db = SyncDb::seeded();
    db.apply("destinations.seg", JSONL_DESTINATION).expect(0);
    db.sync("Champions file").expect(0);
    db.import(
        "accounts",
        "rename.jsonl",
        r#"{"id": "a1", "name": "Acme Corp"}"#,
    )
    .expect(0);
    let ran = db.sync("Champions file").expect(0);
    assert!(ran.stdout.contains(&counts_line(2, 1, 0)), "{ran}");
    let companies: Vec<(String, String)> = db
        .read("champions.jsonl")
        .lines()
        .map(|line| {
            let record: Value = serde_json::from_str(line).unwrap();
            (
                record["id"].as_str().unwrap().to_string(),
                record["company"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    assert_eq!(
        companies,
        [
            ("u1".to_string(), "Acme Corp".to_string()),
            ("u3".to_string(), "Cyan".to_string()),
            ("u5".to_string(), "Acme Corp".to_string()),
        ]
    );
}

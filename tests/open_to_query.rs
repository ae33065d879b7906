//! A query that prints ids opens without evaluating the segments that move
//! with time: they are evaluated only when its condition reads them, and
//! then it answers exactly what a full open answers as of the same `--now`.

use std::path::Path;
use std::process::{Command, Stdio};

use segscope::model::EntityKind;
use segscope::workspace::{OpenOptions, Workspace};

const BIN: &str = env!("CARGO_BIN_EXE_segscope");
/// When the data is imported and the segments applied.
const THEN: &str = "2024-06-15T12:00:00Z";
/// A month later: users seen within the last week then are not now.
const LATER: &str = "2024-07-15T12:00:00Z";

const SEGMENTS: &str = r#"
segment "Recent" for users {
  where last_seen_at > 7 days ago
}
segment "Recent and busy" for users {
  where in segment "Recent" and sessions >= 5
}
segment "Lively accounts" for accounts {
  where count(users where last_seen_at > 7 days ago) >= 1
}
"#;

fn segscope(db: &Path, now: &str, args: &[&str]) -> String {
    let output = Command::new(BIN)
        .arg("--db")
        .arg(db)
        .arg("--now")
        .arg(now)
        .args(args)
        .env_remove("SEGSCOPE_DB")
        .env_remove("SEGSCOPE_NOW")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

/// Users u0..u19 on accounts a0..a3, seen 0..19 days before THEN.
fn build(dir: &Path) -> std::path::PathBuf {
    let db = dir.join("db.redb");
    let accounts: String = (0..4).map(|n| format!("{{\"id\": \"a{n}\"}}\n")).collect();
    let users: String = (0..20)
        .map(|n| {
            format!(
                "{{\"id\": \"u{n}\", \"account_id\": \"a{}\", \"sessions\": {}, \"last_seen_at\": \"2024-06-{:02}T00:00:00Z\"}}\n",
                n % 4,
                n % 9,
                15 - n.min(14)
            )
        })
        .collect();
    for (kind, text) in [("accounts", accounts), ("users", users)] {
        let file = dir.join(format!("{kind}.jsonl"));
        std::fs::write(&file, text).unwrap();
        segscope(
            &db,
            THEN,
            &["import", "--kind", kind, file.to_str().unwrap()],
        );
    }
    let definitions = dir.join("segments.seg");
    std::fs::write(&definitions, SEGMENTS).unwrap();
    segscope(&db, THEN, &["apply", definitions.to_str().unwrap()]);
    db
}

/// The ids of a JSON-lines listing, in its order.
fn ids_of(json_lines: &str) -> String {
    json_lines
        .lines()
        .map(|line| {
            let value: serde_json::Value = serde_json::from_str(line).unwrap();
            format!("{}\n", value["id"].as_str().unwrap())
        })
        .collect()
}

#[test]
fn ids_of_a_condition_on_moving_segments_are_those_a_full_open_gives() {
    let dir = tempfile::tempdir().unwrap();
    let db = build(dir.path());
    let conditions = [
        ("users", "in segment \"Recent\""),
        ("users", "in segment \"Recent and busy\""),
        ("users", "account in segment \"Lively accounts\""),
        ("users", "segments contains \"Recent\" or sessions = 0"),
        ("accounts", "in segment \"Lively accounts\""),
        ("users", "sessions >= 5"),
    ];
    for (kind, condition) in conditions {
        let args = ["query", "--kind", kind, condition];
        let then = segscope(&db, THEN, &[&args[..], &["--format", "ids"]].concat());
        let later = segscope(&db, LATER, &[&args[..], &["--format", "ids"]].concat());
        let full = segscope(&db, LATER, &[&args[..], &["--format", "jsonl"]].concat());
        assert_eq!(later, ids_of(&full), "{condition}");
        if condition.contains("egment") {
            assert_ne!(then, later, "{condition}: a month moves its members");
        } else {
            assert_eq!(then, later, "{condition}");
        }
    }
}

#[test]
fn a_query_workspace_evaluates_what_its_condition_reads_and_refuses_before() {
    let dir = tempfile::tempdir().unwrap();
    let db = build(dir.path());
    let later = segscope::lang::parse_datetime(LATER).unwrap();
    let options = || OpenOptions {
        now: Some(later),
        wait: None,
        record: false,
    };
    let full = Workspace::open_read_only(&db, options()).unwrap();
    let users = EntityKind::Users;
    let expected: Vec<_> = full
        .query(users, "in segment \"Recent and busy\"")
        .unwrap()
        .iter()
        .collect();
    drop(full);
    let mut workspace = Workspace::open_to_query(&db, options()).unwrap();
    // Properties need no segment.
    assert!(workspace.query(users, "sessions >= 5").is_ok());
    // A segment put off is refused, never answered from stale members.
    let refused = workspace
        .query(users, "in segment \"Recent and busy\"")
        .expect_err("refused");
    assert!(
        refused[0].message.contains("not evaluated at open"),
        "{refused:?}"
    );
    workspace.evaluate_segments_read_by(users, "in segment \"Recent and busy\"");
    let found: Vec<_> = workspace
        .query(users, "in segment \"Recent and busy\"")
        .unwrap()
        .iter()
        .collect();
    assert_eq!(found, expected);
    // Only what that condition reads was evaluated: the accounts' segment
    // is still put off, and still refused until a condition reads it.
    let lively = "account in segment \"Lively accounts\"";
    assert!(workspace.query(users, lively).is_err());
    workspace.evaluate_segments_read_by(users, lively);
    assert!(workspace.query(users, lively).is_ok());
}

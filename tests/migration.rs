//! A database written by the previous schema (version 1, kept as a fixture
//! made by that segscope) opens in this one, migrated, and answers exactly
//! what it answered before.

use std::path::Path;
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_segscope");
/// The instant the fixture's answers were taken at.
const NOW: &str = "2024-06-16T12:00:00Z";

fn fixture(name: &str) -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
}

fn segscope(db: &Path, args: &[&str]) -> Vec<u8> {
    let output = Command::new(BIN)
        .arg("--db")
        .arg(db)
        .arg("--now")
        .arg(NOW)
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
    output.stdout
}

#[test]
fn a_schema_1_database_opens_migrated_and_answers_as_before() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("old.redb");
    std::fs::copy(fixture("schema-1.redb"), &db).unwrap();
    let answers: [(&[&str], &str); 4] = [
        (&["export", "--kind", "users"], "schema-1.users.jsonl"),
        (&["export", "--kind", "accounts"], "schema-1.accounts.jsonl"),
        (&["segments", "--format", "json"], "schema-1.segments.json"),
        (&["history", "--format", "jsonl"], "schema-1.history.jsonl"),
    ];
    // Twice: the first read migrates the file, the second reads it migrated.
    for round in ["migrating", "migrated"] {
        for (args, expected) in answers {
            let answer = String::from_utf8(segscope(&db, args)).unwrap();
            let expected = std::fs::read_to_string(fixture(expected)).unwrap();
            assert_eq!(answer, expected, "{round}: {args:?}");
        }
    }
    assert!(
        std::fs::read(&db).unwrap() != std::fs::read(fixture("schema-1.redb")).unwrap(),
        "the file was rewritten in the new schema"
    );
    // It takes changes as any database does.
    segscope(&db, &["set", "--kind", "users", "u0", "sessions_30d=99"]);
    let users = String::from_utf8(segscope(
        &db,
        &[
            "query",
            "--kind",
            "users",
            "in segment \"Active\"",
            "--format",
            "ids",
        ],
    ))
    .unwrap();
    assert!(users.lines().any(|id| id == "u0"), "{users}");
}

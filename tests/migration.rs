//! Databases written by the previous schemas (versions 1 and 2, each kept
//! as a fixture made by that segscope) open in this one, migrated, and
//! answer exactly what they answered before.

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

/// Copies the fixture of `schema`, reads each answer twice (the first read
/// migrates the file, the second reads it migrated) and compares it with
/// what that schema's segscope answered; then changes it.
fn opens_migrated_and_answers_as_before(schema: u32, answers: &[(&[&str], &str)]) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("old.redb");
    let original = fixture(&format!("schema-{schema}.redb"));
    std::fs::copy(&original, &db).unwrap();
    for round in ["migrating", "migrated"] {
        for (args, expected) in answers {
            let answer = String::from_utf8(segscope(&db, args)).unwrap();
            let expected =
                std::fs::read_to_string(fixture(&format!("schema-{schema}.{expected}"))).unwrap();
            assert_eq!(answer, expected, "schema {schema}, {round}: {args:?}");
        }
    }
    assert!(
        std::fs::read(&db).unwrap() != std::fs::read(&original).unwrap(),
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

const ANSWERS: [(&[&str], &str); 4] = [
    (&["export", "--kind", "users"], "users.jsonl"),
    (&["export", "--kind", "accounts"], "accounts.jsonl"),
    (&["segments", "--format", "json"], "segments.json"),
    (&["history", "--format", "jsonl"], "history.jsonl"),
];

#[test]
fn a_schema_1_database_opens_migrated_and_answers_as_before() {
    opens_migrated_and_answers_as_before(1, &ANSWERS);
}

/// Schema 2 adds the checksums of deleted entities' ids (the history of
/// `u2` names it), of what a destination acknowledged (the plan finds all
/// 30 unchanged) and of the run log.
#[test]
fn a_schema_2_database_opens_migrated_and_answers_as_before() {
    let mut answers = ANSWERS.to_vec();
    answers.push((&["runs", "--format", "jsonl"], "runs.jsonl"));
    answers.push((&["sync", "Active file", "--dry-run"], "plan.txt"));
    opens_migrated_and_answers_as_before(2, &answers);
}

/// Schema 3 → 4 adds the token and the commit count that stamp a snapshot
/// file: the migrated database answers as before, from the store at first
/// and from the snapshot its first read left.
#[test]
fn a_schema_3_database_opens_migrated_and_answers_as_before() {
    let mut answers = ANSWERS.to_vec();
    answers.push((&["runs", "--format", "jsonl"], "runs.jsonl"));
    answers.push((&["sync", "Active file", "--dry-run"], "plan.txt"));
    opens_migrated_and_answers_as_before(3, &answers);
}

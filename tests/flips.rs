//! Damage to a database file: a single byte changed anywhere in a small
//! database either leaves what the read commands print exactly as it was,
//! or is reported as damage (exit 1, one sentence) — never a panic and
//! never an answer that differs from the original with exit status 0.
//!
//! The normal suite tries a sample of positions; the long version
//! (`cargo test --release --test flips -- --ignored`) tries every byte of
//! the file's used pages.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_segscope");
const NOW: &str = "2024-06-15T12:00:00Z";

/// The read commands whose answers must not silently change.
const READS: [&[&str]; 5] = [
    &["export", "--kind", "users", "--format", "jsonl"],
    &["export", "--kind", "accounts", "--format", "jsonl"],
    &["segments", "--format", "json"],
    &["history", "--format", "jsonl"],
    &["show", "--kind", "users", "u7", "--format", "json"],
];

fn segscope(db: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(BIN);
    command
        .arg("--db")
        .arg(db)
        .arg("--now")
        .arg(NOW)
        .args(args)
        .env_remove("SEGSCOPE_DB")
        .env_remove("SEGSCOPE_NOW")
        .env("RUST_BACKTRACE", "0")
        .stdin(Stdio::null());
    command
}

fn run_ok(db: &Path, args: &[&str]) {
    let output = segscope(db, args).output().unwrap();
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A small database with users, accounts, definitions, members and
/// membership events: every kind of record the store keeps.
fn build_database(dir: &Path) -> PathBuf {
    let db = dir.join("original.redb");
    let accounts: String = (0..4)
        .map(|n| {
            format!(
                "{{\"id\": \"a{n}\", \"name\": \"Account {n}\", \"plan\": \"{}\", \"seats\": {}}}\n",
                ["pro", "free", "enterprise", "pro"][n],
                n * 10 + 3
            )
        })
        .collect();
    let users: String = (0..24)
        .map(|n| {
            format!(
                "{{\"id\": \"u{n}\", \"account_id\": \"a{}\", \"email\": \"user{n}@example.com\", \
                 \"role\": \"{}\", \"sessions_30d\": {}, \"last_seen_at\": \"2024-06-{:02}T08:00:00Z\", \
                 \"tags\": [\"t{}\", \"beta\"]}}\n",
                n % 4,
                ["admin", "member", "viewer"][n % 3],
                n * 3 % 41,
                n % 28 + 1,
                n % 5
            )
        })
        .collect();
    let definitions = "segment \"Active\" for users {\n  where sessions_30d >= 20\n}\n\
        segment \"Pro admins\" for users {\n  where role = \"admin\" and account.plan = \"pro\"\n}\n\
        segment \"Recent beta\" for users {\n  where last_seen_at > 7 days ago and tags contains \"beta\"\n}\n\
        segment \"Big\" for accounts {\n  where seats > 10\n}\n";
    std::fs::write(dir.join("accounts.jsonl"), accounts).unwrap();
    std::fs::write(dir.join("users.jsonl"), users).unwrap();
    std::fs::write(dir.join("segments.seg"), definitions).unwrap();
    let path = |name: &str| dir.join(name).to_str().unwrap().to_string();
    run_ok(
        &db,
        &["import", "--kind", "accounts", &path("accounts.jsonl")],
    );
    run_ok(&db, &["import", "--kind", "users", &path("users.jsonl")]);
    run_ok(&db, &["apply", &path("segments.seg")]);
    run_ok(&db, &["set", "--kind", "users", "u7", "sessions_30d=30"]);
    run_ok(&db, &["set", "--kind", "users", "u8", "role=\"admin\""]);
    db
}

/// What one read command did on a damaged copy.
enum Outcome {
    Same,
    Refused,
    Panicked(String),
    Changed(String),
}

fn read_all(db: &Path) -> Vec<(bool, Vec<u8>, String)> {
    READS
        .iter()
        .map(|args| {
            let output = segscope(db, args).output().unwrap();
            (
                output.status.code() == Some(0),
                output.stdout,
                String::from_utf8_lossy(&output.stderr).into_owned(),
            )
        })
        .collect()
}

fn classify(
    original: &[(bool, Vec<u8>, String)],
    db: &Path,
    position: usize,
    byte: u8,
) -> Vec<Outcome> {
    let mut outcomes = Vec::new();
    for (args, (want_ok, want_out, _)) in READS.iter().zip(original) {
        let output = segscope(db, args).output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        let what = format!("byte {position} set to {byte:#04x}, {args:?}");
        outcomes.push(match output.status.code() {
            None | Some(101) => Outcome::Panicked(format!("{what}: {stderr}")),
            _ if stderr.contains("panicked") => Outcome::Panicked(format!("{what}: {stderr}")),
            Some(0) if *want_ok && output.stdout == *want_out => Outcome::Same,
            Some(0) => Outcome::Changed(format!(
                "{what}: printed\n{}\ninstead of\n{}",
                String::from_utf8_lossy(&output.stdout),
                String::from_utf8_lossy(want_out)
            )),
            Some(_) => Outcome::Refused,
        });
    }
    outcomes
}

/// The positions worth flipping: every byte up to the end of the last page
/// that is not all zeros (redb's free space is zeros and unread).
fn used_length(bytes: &[u8]) -> usize {
    const PAGE: usize = 4096;
    bytes
        .chunks(PAGE)
        .enumerate()
        .filter(|(_, page)| page.iter().any(|&b| b != 0))
        .map(|(index, page)| index * PAGE + page.len())
        .max()
        .unwrap_or(0)
}

/// Flips, one at a time, each byte `positions` picks from the used length
/// of a freshly built database, and runs the read commands on each copy.
fn flip_positions(positions: impl FnOnce(usize) -> Vec<usize>) {
    let dir = tempfile::tempdir().unwrap();
    let original_db = build_database(dir.path());
    let original = read_all(&original_db);
    for (args, (ok, _, stderr)) in READS.iter().zip(&original) {
        assert!(ok, "{args:?} on the undamaged database: {stderr}");
    }
    let bytes = std::fs::read(&original_db).unwrap();
    let damaged = dir.path().join("damaged.redb");
    let (mut tried, mut refused, mut same) = (0, 0, 0);
    let mut failures = Vec::new();
    for position in positions(used_length(&bytes)) {
        let mut copy = bytes.clone();
        // A different byte each time, never the original.
        let byte = copy[position] ^ (1 << (position % 8)) ^ 0x40;
        let byte = if byte == copy[position] { !byte } else { byte };
        copy[position] = byte;
        std::fs::write(&damaged, &copy).unwrap();
        tried += 1;
        for outcome in classify(&original, &damaged, position, byte) {
            match outcome {
                Outcome::Same => same += 1,
                Outcome::Refused => refused += 1,
                Outcome::Panicked(what) => failures.push(format!("PANIC {what}")),
                Outcome::Changed(what) => failures.push(format!("CHANGED {what}")),
            }
        }
    }
    eprintln!(
        "{tried} flips of a {}-byte database, {} reads: {same} unchanged, {refused} refused, {} failures",
        bytes.len(),
        tried * READS.len(),
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{} of {tried} flips went wrong:\n{}",
        failures.len(),
        failures
            .iter()
            .take(12)
            .cloned()
            .collect::<Vec<_>>()
            .join("\n---\n")
    );
}

/// A fixed sample spread over the file's used pages (deterministic: the
/// same positions every run).
#[test]
fn single_byte_flips_are_detected_or_harmless() {
    flip_positions(|length| {
        let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
        (0..400)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                (state % length as u64) as usize
            })
            .collect()
    });
}

/// Every byte of the used pages (many minutes).
#[test]
#[ignore]
fn every_single_byte_flip_is_detected_or_harmless() {
    flip_positions(|length| (0..length).collect());
}

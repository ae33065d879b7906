//! Terminal escape injection, with the real binary: a value, a property
//! name and a segment name that hold ESC, BEL and NUL (a `name` of
//! `\u001b]0;PWNED\u0007\u001b[2J` would retitle and clear the terminal)
//! show as `\u{1b}`... in every human-readable output — `show`, `query`
//! and `segments` tables, `history`, `apply`'s and `set`'s messages, a
//! diagnostic under its source line, an error — while JSON lines and CSV
//! keep the exact bytes.

use std::path::Path;
use std::process::{Command, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_segscope");
const NOW: &str = "2024-06-16T12:00:00Z";
const HOSTILE: &str = "\u{1b}]0;PWNED\u{7}\u{1b}[2J";

/// Runs segscope; returns (success, stdout, stderr).
fn segscope(dir: &Path, args: &[&str]) -> (bool, String, String) {
    let output = Command::new(BIN)
        .current_dir(dir)
        .args(["--db", "segscope.redb", "--now", NOW])
        .args(args)
        .env_remove("SEGSCOPE_DB")
        .env_remove("SEGSCOPE_NOW")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null())
        .output()
        .expect("the binary runs");
    (
        output.status.success(),
        String::from_utf8(output.stdout).expect("UTF-8"),
        String::from_utf8(output.stderr).expect("UTF-8"),
    )
}

/// Human-readable text: no character a terminal would obey, and the
/// escape written out.
fn assert_shown_not_sent(what: &str, text: &str) {
    let obeyed: Vec<char> = text
        .chars()
        .filter(|&c| c.is_control() && c != '\n' && c != '\t')
        .collect();
    assert!(obeyed.is_empty(), "{what} sent {obeyed:?}:\n{text}");
    assert!(
        text.contains("\\u{1b}"),
        "{what} does not show the ESC:\n{text}"
    );
}

fn hostile_workspace() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a directory");
    let row = serde_json::json!({
        "id": "u1",
        "name": HOSTILE,
        "plan\u{1b}[31m": "pro\u{0}",
        "sessions": 5,
    });
    std::fs::write(dir.path().join("users.jsonl"), format!("{row}\n")).expect("the rows");
    // A segment whose name holds ESC and BEL (the language's \u{...} escapes).
    std::fs::write(
        dir.path().join("evil.seg"),
        "segment \"Evil\\u{1b}]0;T\\u{7}\" for users {\n  where sessions >= 1\n}\n",
    )
    .expect("the segments");
    let (ok, _, stderr) = segscope(dir.path(), &["import", "--kind", "users", "users.jsonl"]);
    assert!(ok, "{stderr}");
    dir
}

#[test]
fn human_output_writes_control_characters_out() {
    let dir = hostile_workspace();
    let dir = dir.path();
    let (ok, stdout, stderr) = segscope(dir, &["apply", "evil.seg"]);
    assert!(ok, "{stderr}");
    assert_shown_not_sent("apply", &format!("{stdout}{stderr}"));

    let (ok, stdout, stderr) = segscope(dir, &["show", "--kind", "users", "u1"]);
    assert!(ok, "{stderr}");
    assert_shown_not_sent("show", &stdout);
    assert!(
        stdout.contains("\\u{1b}]0;PWNED\\u{7}\\u{1b}[2J"),
        "{stdout}"
    );
    assert!(stdout.contains("plan\\u{1b}[31m: pro\\u{0}"), "{stdout}");

    let (ok, stdout, stderr) = segscope(
        dir,
        &[
            "query",
            "--kind",
            "users",
            "sessions >= 1",
            "--format",
            "table",
            "--columns",
            "name,segments",
        ],
    );
    assert!(ok, "{stderr}");
    assert_shown_not_sent("query table", &stdout);

    for args in [
        &["segments", "--format", "table"][..],
        &["history", "--format", "table"][..],
        &["set", "--kind", "users", "u1", "sessions=0"][..],
    ] {
        let (ok, stdout, stderr) = segscope(dir, args);
        assert!(ok, "{args:?}: {stderr}");
        assert_shown_not_sent(&format!("{args:?}"), &format!("{stdout}{stderr}"));
    }
}

#[test]
fn diagnostics_and_errors_write_control_characters_out() {
    let dir = hostile_workspace();
    let dir = dir.path();
    // A raw ESC on the source line, and a name with one in the message.
    std::fs::write(
        dir.join("bad.seg"),
        "segment \"A\" for users {\n  where in segment \"X\u{1b}[2J\" and name = \"\u{1b}]0;T\u{7}\"\n}\n",
    )
    .expect("the file");
    let (ok, _, stderr) = segscope(dir, &["check", "bad.seg"]);
    assert!(!ok);
    assert_shown_not_sent("check", &stderr);
    // The caret still points under the unknown name, in the written-out line.
    let source_line = stderr
        .lines()
        .find(|line| line.contains("in segment"))
        .expect("the source line");
    let caret_line = stderr
        .lines()
        .skip_while(|line| *line != source_line)
        .nth(1)
        .expect("the caret line");
    let caret = caret_line.find('^').expect("a caret");
    assert_eq!(&source_line[caret..caret + 1], "\"", "{stderr}");

    let (ok, _, stderr) = segscope(dir, &["show", "--kind", "users", HOSTILE]);
    assert!(!ok);
    assert_shown_not_sent("an error", &stderr);
}

#[test]
fn json_lines_and_csv_keep_the_exact_bytes() {
    let dir = hostile_workspace();
    let dir = dir.path();
    let (ok, stdout, stderr) = segscope(dir, &["export", "--kind", "users"]);
    assert!(ok, "{stderr}");
    let row: serde_json::Value = serde_json::from_str(stdout.trim()).expect("JSON");
    assert_eq!(row["name"], HOSTILE);
    assert_eq!(row["plan\u{1b}[31m"], "pro\u{0}");
    let (ok, stdout, stderr) = segscope(
        dir,
        &[
            "query",
            "--kind",
            "users",
            "sessions >= 1",
            "--format",
            "csv",
            "--columns",
            "name",
        ],
    );
    assert!(ok, "{stderr}");
    assert!(stdout.contains(HOSTILE), "{stdout:?}");
}

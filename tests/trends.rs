//! Segment trends: membership events recorded at known instants (each
//! command run `--now` at its own instant), the daily series worked back
//! from them — members at the end of each day, who entered and exited —
//! through the workspace and through `segscope history --daily`.

use std::path::Path;

use segscope::workspace::{DayCount, OpenOptions, TrendError, Workspace};

mod support;

const SEGMENTS: &str = r#"segment "Admins" for users { where role = "admin" }
segment "Big" for accounts { where seats >= 10 }
"#;

const USERS: &str = r#"{"id": "u1", "role": "admin"}
{"id": "u2", "role": "member"}
{"id": "u3", "role": "admin"}
"#;

const DAY: i64 = 86_400_000_000;

fn at(text: &str) -> i64 {
    segscope::lang::parse_datetime(text).expect("an instant")
}

/// Runs the binary as of `now`; returns (exit code, stdout, stderr).
fn run(dir: &Path, now: &str, args: &[&str]) -> (i32, String, String) {
    support::binary::run_at(dir, now, args)
}

fn ok(dir: &Path, now: &str, args: &[&str]) -> String {
    let (code, stdout, stderr) = run(dir, now, args);
    assert_eq!(code, 0, "{args:?}: {stderr}");
    stdout
}

/// Admins: u1 and u3 enter on June 1st; u2 enters and u1 exits on the 3rd;
/// u3 is deleted (exits) on the 5th. One member since.
fn history(dir: &Path) {
    std::fs::write(dir.join("segments.seg"), SEGMENTS).unwrap();
    std::fs::write(dir.join("users.jsonl"), USERS).unwrap();
    let users = dir.join("users.jsonl").display().to_string();
    let segments = dir.join("segments.seg").display().to_string();
    ok(
        dir,
        "2024-06-01T10:00:00Z",
        &["import", "--kind", "users", &users],
    );
    ok(dir, "2024-06-01T10:00:00Z", &["apply", &segments]);
    ok(
        dir,
        "2024-06-03T09:00:00Z",
        &["set", "--kind", "users", "u2", "role=\"admin\""],
    );
    ok(
        dir,
        "2024-06-03T15:00:00Z",
        &["set", "--kind", "users", "u1", "role=\"member\""],
    );
    ok(
        dir,
        "2024-06-05T23:59:59Z",
        &["delete", "--kind", "users", "u3"],
    );
}

fn open(dir: &Path, now: &str) -> Workspace {
    let options = OpenOptions {
        now: Some(at(now)),
        wait: None,
        record: false,
    };
    Workspace::open(&dir.join("segscope.redb"), options).expect("opens")
}

fn day(date: &str, members: usize, entered: usize, exited: usize) -> DayCount {
    DayCount {
        day: at(date),
        members,
        entered,
        exited,
    }
}

#[test]
fn the_daily_series_is_worked_back_from_the_events() {
    let dir = tempfile::tempdir().unwrap();
    history(dir.path());
    let workspace = open(dir.path(), "2024-06-06T12:00:00Z");
    let series = workspace.daily_counts("admins", 7).expect("a trend");
    assert_eq!(
        series,
        [
            day("2024-05-31", 0, 0, 0),
            day("2024-06-01", 2, 2, 0),
            day("2024-06-02", 2, 0, 0),
            day("2024-06-03", 2, 1, 1),
            day("2024-06-04", 2, 0, 0),
            day("2024-06-05", 1, 0, 1),
            day("2024-06-06", 1, 0, 0),
        ]
    );
    // Days are midnight UTC, one apart, ending today.
    assert!(series.windows(2).all(|w| w[1].day - w[0].day == DAY));
    // The last day alone.
    assert_eq!(
        workspace.daily_counts("Admins", 1).unwrap(),
        [day("2024-06-06", 1, 0, 0)]
    );
    // A segment without events is flat at its count.
    let big = workspace.daily_counts("Big", 3).unwrap();
    assert!(
        big.iter()
            .all(|d| (d.members, d.entered, d.exited) == (0, 0, 0))
    );
}

#[test]
fn events_after_now_are_not_counted() {
    let dir = tempfile::tempdir().unwrap();
    history(dir.path());
    // As of the 3rd at noon, the exit of the afternoon has not happened.
    let workspace = open(dir.path(), "2024-06-03T12:00:00Z");
    let series = workspace.daily_counts("Admins", 2).unwrap();
    assert_eq!((series[1].entered, series[1].exited), (1, 0));
}

#[test]
fn unknown_segments_and_bad_day_counts_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    history(dir.path());
    let workspace = open(dir.path(), "2024-06-06T12:00:00Z");
    assert!(matches!(
        workspace.daily_counts("Nope", 7),
        Err(TrendError::UnknownSegment { .. })
    ));
    assert!(matches!(
        workspace.daily_counts("Admins", 0),
        Err(TrendError::Days { days: 0 })
    ));
}

#[test]
fn history_daily_prints_the_series_as_a_table_and_as_json_lines() {
    let dir = tempfile::tempdir().unwrap();
    history(dir.path());
    let now = "2024-06-06T12:00:00Z";
    let table = ok(
        dir.path(),
        now,
        &[
            "history",
            "--segment",
            "Admins",
            "--daily",
            "--days",
            "4",
            "--format",
            "table",
        ],
    );
    assert_eq!(
        table,
        "DAY         MEMBERS  ENTERED  EXITED\n\
         2024-06-03  2        1        1\n\
         2024-06-04  2        0        0\n\
         2024-06-05  1        0        1\n\
         2024-06-06  1        0        0\n"
    );
    let lines = ok(
        dir.path(),
        now,
        &[
            "history",
            "--segment",
            "Admins",
            "--daily",
            "--format",
            "jsonl",
        ],
    );
    let records: Vec<serde_json::Value> = lines
        .lines()
        .map(|line| serde_json::from_str(line).expect("a JSON object a line"))
        .collect();
    assert_eq!(records.len(), 90, "90 days by default");
    assert_eq!(
        records[89],
        serde_json::json!({"day": "2024-06-06", "members": 1, "entered": 0, "exited": 0})
    );
    assert_eq!(records[84]["day"], "2024-06-01");
    assert_eq!(records[84]["entered"], 2);
    assert_eq!(records[83]["members"], 0);
}

#[test]
fn history_daily_refuses_what_it_cannot_answer() {
    let dir = tempfile::tempdir().unwrap();
    history(dir.path());
    let now = "2024-06-06T12:00:00Z";
    let (code, stdout, stderr) = run(
        dir.path(),
        now,
        &["history", "--segment", "Nope", "--daily"],
    );
    assert_eq!((code, stdout.as_str()), (1, ""));
    assert_eq!(stderr, "error: there is no segment named \"Nope\"\n");
    // Usage errors: --daily needs --segment, --days needs --daily, and a
    // number of days in range.
    for args in [
        vec!["history", "--daily"],
        vec!["history", "--segment", "Admins", "--days", "3"],
        vec!["history", "--segment", "Admins", "--daily", "--days", "0"],
        vec![
            "history",
            "--segment",
            "Admins",
            "--daily",
            "--kind",
            "users",
        ],
    ] {
        let (code, stdout, _) = run(dir.path(), now, &args);
        assert_eq!((code, stdout.as_str()), (2, ""), "{args:?}");
    }
}

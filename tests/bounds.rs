//! Bounded reading, with the real binary: an import of an endless stream
//! (`/dev/zero`, as JSON lines on standard input and as a CSV file) stops
//! at the 16 MiB line bound with the line named and nothing imported, and
//! `check` / `fmt -` refuse a source past 64 MiB — each with its peak
//! memory measured from `/proc` while it runs and held to a fixed bound.
//! A `.json` array is read one element at a time, each within the same
//! bound. Also what the JSON lines reader now takes: a byte order mark, and a line
//! that is not UTF-8 as a row error with its number.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_segscope");

/// Far above the 16 MiB line buffer and the 64 MiB source bound, far below
/// what reading an endless input whole would take (it grew to 17 GB).
const PEAK_LIMIT_KB: u64 = 400 * 1024;

/// How a run ended: its exit code, its stderr, its peak resident memory.
struct Run {
    code: i32,
    stderr: String,
    peak_kb: u64,
}

/// Runs segscope with `stdin`, sampling its peak resident set (VmHWM) from
/// `/proc` until it exits; fails the test after a minute.
fn run(dir: &Path, args: &[&str], stdin: Stdio) -> Run {
    let mut child = Command::new(BIN)
        .current_dir(dir)
        .args(args)
        .stdin(stdin)
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the binary runs");
    let status_file = format!("/proc/{}/status", child.id());
    let started = Instant::now();
    let mut peak_kb = 0;
    let status = loop {
        if let Ok(status) = std::fs::read_to_string(&status_file)
            && let Some(kb) = status
                .lines()
                .find_map(|line| line.strip_prefix("VmHWM:"))
                .and_then(|rest| {
                    rest.trim()
                        .trim_end_matches("kB")
                        .trim()
                        .parse::<u64>()
                        .ok()
                })
        {
            peak_kb = peak_kb.max(kb);
        }
        if let Some(status) = child.try_wait().expect("the child") {
            break status;
        }
        if started.elapsed() > Duration::from_secs(60) {
            let _ = child.kill();
            panic!("segscope {args:?} did not stop within a minute");
        }
        std::thread::sleep(Duration::from_millis(5));
    };
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .expect("UTF-8 on stderr");
    assert!(!stderr.contains("panicked"), "{stderr}");
    // The figure for the README (`cargo test --test bounds -- --nocapture`).
    eprintln!("segscope {args:?}: peak resident {peak_kb} kB");
    Run {
        code: status.code().unwrap_or(-1),
        stderr,
        peak_kb,
    }
}

fn dev_zero() -> Stdio {
    Stdio::from(std::fs::File::open("/dev/zero").expect("/dev/zero"))
}

#[test]
fn an_endless_import_stops_at_the_line_bound_in_bounded_memory() {
    let dir = tempfile::tempdir().expect("a directory");
    let db = ["--db", "segscope.redb"];
    let from_stdin = run(
        dir.path(),
        &[&db[..], &["import", "--kind", "users", "-"]].concat(),
        dev_zero(),
    );
    assert_eq!(from_stdin.code, 1, "{}", from_stdin.stderr);
    assert!(
        from_stdin
            .stderr
            .contains("nothing was imported from -: line 1 is longer than 16 MiB"),
        "{}",
        from_stdin.stderr
    );
    assert!(
        from_stdin.peak_kb > 0 && from_stdin.peak_kb < PEAK_LIMIT_KB,
        "peak {} kB",
        from_stdin.peak_kb
    );
    std::os::unix::fs::symlink("/dev/zero", dir.path().join("zero.csv")).expect("a link");
    let csv = run(
        dir.path(),
        &[&db[..], &["import", "--kind", "users", "zero.csv"]].concat(),
        Stdio::null(),
    );
    assert_eq!(csv.code, 1, "{}", csv.stderr);
    assert!(
        csv.stderr.contains("line 1 is longer than 16 MiB"),
        "{}",
        csv.stderr
    );
    assert!(csv.peak_kb < PEAK_LIMIT_KB, "peak {} kB", csv.peak_kb);
    // Nothing was imported.
    let segments = Command::new(BIN)
        .current_dir(dir.path())
        .args(["--db", "segscope.redb", "show", "--kind", "users", "u1"])
        .output()
        .expect("the binary runs");
    assert!(!segments.status.success());
}

#[test]
fn a_long_line_after_good_ones_is_named_by_its_number() {
    let dir = tempfile::tempdir().expect("a directory");
    let file = dir.path().join("users.jsonl");
    let mut text =
        String::from("{\"id\": \"u1\"}\n{\"id\": \"u2\"}\n{\"id\": \"u3\", \"note\": \"");
    text.push_str(&"x".repeat(17 * 1024 * 1024));
    text.push_str("\"}\n");
    std::fs::write(&file, text).expect("the file");
    let imported = run(
        dir.path(),
        &[
            "--db",
            "segscope.redb",
            "import",
            "--kind",
            "users",
            "users.jsonl",
        ],
        Stdio::null(),
    );
    assert_eq!(imported.code, 1, "{}", imported.stderr);
    assert!(
        imported.stderr.contains("line 3 is longer than 16 MiB"),
        "{}",
        imported.stderr
    );
}

#[test]
fn a_json_array_is_read_element_by_element_each_within_the_bound() {
    let dir = tempfile::tempdir().expect("a directory");
    // One 40 MiB element after a good one: the reader stops 16 MiB into it
    // instead of holding the whole file (it used to read it whole).
    let mut text = String::from("[\n  {\"id\": \"u1\"},\n  {\"id\": \"u2\", \"note\": \"");
    text.push_str(&"x".repeat(40 * 1024 * 1024));
    text.push_str("\"}\n]\n");
    std::fs::write(dir.path().join("users.json"), text).expect("the file");
    let imported = run(
        dir.path(),
        &[
            "--db",
            "segscope.redb",
            "import",
            "--kind",
            "users",
            "users.json",
        ],
        Stdio::null(),
    );
    assert_eq!(imported.code, 1, "{}", imported.stderr);
    assert!(
        imported
            .stderr
            .contains("line 3: an element of the array is longer than 16 MiB"),
        "{}",
        imported.stderr
    );
    assert!(
        imported.peak_kb < 120 * 1024,
        "peak {} kB for a 40 MiB file",
        imported.peak_kb
    );
}

#[test]
fn check_and_fmt_refuse_a_source_past_64_mib() {
    let dir = tempfile::tempdir().expect("a directory");
    let checked = run(dir.path(), &["check", "/dev/zero"], Stdio::null());
    assert_eq!(checked.code, 1, "{}", checked.stderr);
    assert!(
        checked
            .stderr
            .contains("/dev/zero is larger than 64 MiB, the most a .seg source may hold"),
        "{}",
        checked.stderr
    );
    assert!(
        checked.stderr.contains("1 file cannot be read"),
        "{}",
        checked.stderr
    );
    assert!(
        checked.peak_kb < PEAK_LIMIT_KB,
        "peak {} kB",
        checked.peak_kb
    );
    let formatted = run(dir.path(), &["fmt", "-"], dev_zero());
    assert_eq!(formatted.code, 1, "{}", formatted.stderr);
    assert!(
        formatted
            .stderr
            .contains("standard input is larger than 64 MiB"),
        "{}",
        formatted.stderr
    );
    assert!(
        formatted.peak_kb < PEAK_LIMIT_KB,
        "peak {} kB",
        formatted.peak_kb
    );
}

#[test]
fn json_lines_take_a_byte_order_mark_and_name_a_line_that_is_not_utf8() {
    let dir = tempfile::tempdir().expect("a directory");
    std::fs::write(
        dir.path().join("bom.jsonl"),
        "\u{feff}{\"id\": \"u1\", \"plan\": \"pro\"}\n{\"id\": \"u2\"}\n",
    )
    .expect("the file");
    let imported = run(
        dir.path(),
        &[
            "--db",
            "segscope.redb",
            "import",
            "--kind",
            "users",
            "bom.jsonl",
        ],
        Stdio::null(),
    );
    assert_eq!(imported.code, 0, "{}", imported.stderr);
    let mut bytes = b"{\"id\": \"u3\"}\n{\"id\": \"u4\", \"name\": \"".to_vec();
    bytes.extend_from_slice(&[0xff, 0xfe]);
    bytes.extend_from_slice(b"\"}\n");
    std::fs::write(dir.path().join("latin.jsonl"), bytes).expect("the file");
    let refused = run(
        dir.path(),
        &[
            "--db",
            "segscope.redb",
            "import",
            "--kind",
            "users",
            "latin.jsonl",
        ],
        Stdio::null(),
    );
    assert_eq!(refused.code, 1, "{}", refused.stderr);
    assert!(
        refused.stderr.contains("line 2") && refused.stderr.contains("not UTF-8"),
        "{}",
        refused.stderr
    );
}

#[test]
fn a_wait_too_long_for_the_clock_is_a_wait_without_end_not_a_panic() {
    let dir = tempfile::tempdir().expect("a directory");
    std::fs::write(dir.path().join("u.jsonl"), "{\"id\": \"u1\"}\n").expect("the file");
    let imported = run(
        dir.path(),
        &[
            "--db",
            "segscope.redb",
            "import",
            "--kind",
            "users",
            "u.jsonl",
        ],
        Stdio::null(),
    );
    assert_eq!(imported.code, 0, "{}", imported.stderr);
    for wait in ["9223372036854775000", "18446744073709551615"] {
        let listed = run(
            dir.path(),
            &["--db", "segscope.redb", "--wait", wait, "segments"],
            Stdio::null(),
        );
        assert_eq!(listed.code, 0, "--wait {wait}: {}", listed.stderr);
    }
}

#[test]
fn relative_times_at_the_end_of_the_calendar_saturate_instead_of_falling_back_to_now() {
    let dir = tempfile::tempdir().expect("a directory");
    std::fs::write(
        dir.path().join("u.jsonl"),
        "{\"id\": \"u1\", \"last_seen_at\": \"2024-01-01T00:00:00Z\"}\n",
    )
    .expect("the rows");
    let segscope = |now: &str, condition: &str| {
        let output = Command::new(BIN)
            .current_dir(dir.path())
            .args(["--db", "segscope.redb", "--now", now])
            .args(["query", "--kind", "users", condition, "--format", "ids"])
            .output()
            .expect("the binary runs");
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).expect("UTF-8")
    };
    let imported = Command::new(BIN)
        .current_dir(dir.path())
        .args([
            "--db",
            "segscope.redb",
            "import",
            "--kind",
            "users",
            "u.jsonl",
        ])
        .output()
        .expect("the binary runs");
    assert!(imported.status.success());
    // 8000 years before the last day of 9999 is 1999: u1 (2024) is after it.
    assert_eq!(
        segscope("9999-12-31", "last_seen_at > 8000 years ago"),
        "u1\n"
    );
    assert_eq!(
        segscope("9999-12-31", "last_seen_at > 8030 years ago"),
        "u1\n"
    );
    assert_eq!(segscope("9999-12-31", "last_seen_at > 7970 years ago"), "");
    // Past the calendar's ends: saturated, so everything / nothing.
    assert_eq!(
        segscope("9999-12-31", "last_seen_at < 100000 years from now"),
        "u1\n"
    );
    assert_eq!(
        segscope("0001-01-01", "last_seen_at > 100000 years ago"),
        "u1\n"
    );
}

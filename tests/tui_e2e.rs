//! The real binary in a real terminal: each test starts segscope inside its
//! own tmux server (a private socket, so nothing of the user's tmux is
//! touched), sends keys and reads the pane until the expected text appears.
//! The server is always killed at the end, pass or fail.
//!
//! They need tmux (`.ci/run` installs it when it is missing); without it
//! they fail and say so, rather than pass having tested nothing.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use tempfile::TempDir;

const BIN: &str = env!("CARGO_BIN_EXE_segscope");
const NOW: &str = "2026-01-01T00:00:00Z";
/// How long to wait for the pane to show something.
const TIMEOUT: Duration = Duration::from_secs(15);
/// What the pane shows once segscope has exited (see `Pane::start`).
const EXITED: &str = "segscope exited with status";

// ---------------------------------------------------------------- helpers

/// segscope running in a detached tmux session on a private server.
struct Pane {
    socket: PathBuf,
    session: String,
}

impl Pane {
    /// Starts `segscope ARGS` in `dir` on a `width` x `height` pane.
    fn start(dir: &Path, width: u16, height: u16, args: &[&str]) -> Pane {
        assert!(
            Command::new("tmux").arg("-V").output().is_ok(),
            "tmux is not installed: the end-to-end tests need it (apt-get install tmux)"
        );
        let home = dir.join("home");
        std::fs::create_dir_all(&home).expect("a home directory");
        let mut command = format!(
            "cd {} && env -u SEGSCOPE_WEBHOOK_SECRET NO_COLOR=1 HOME={} XDG_CONFIG_HOME={} {}",
            quote(&dir.display().to_string()),
            quote(&home.display().to_string()),
            quote(&home.join(".config").display().to_string()),
            quote(BIN),
        );
        for arg in args {
            command.push(' ');
            command.push_str(&quote(arg));
        }
        // The shell outlives segscope so that its exit status can be read.
        command.push_str(&format!("; echo \"{EXITED} $?\"; sleep 60"));
        // A server of its own (its socket in `dir`), so one name will do.
        let pane = Pane {
            socket: dir.join("tmux.sock"),
            session: "segscope".to_string(),
        };
        let (width, height) = (width.to_string(), height.to_string());
        pane.tmux(&[
            "new-session",
            "-d",
            "-x",
            &width,
            "-y",
            &height,
            "-s",
            &pane.session,
            &command,
        ]);
        pane
    }

    fn tmux(&self, args: &[&str]) -> Output {
        let output = Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .args(["-f", "/dev/null"])
            .args(args)
            .output()
            .expect("tmux runs");
        assert!(
            output.status.success(),
            "tmux {args:?} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        output
    }

    /// Sends keys by tmux name (`Tab`, `C-s`, `Enter`, `q`).
    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", &self.session];
        args.extend_from_slice(keys);
        self.tmux(&args);
    }

    /// Types text literally.
    fn type_text(&self, text: &str) {
        self.tmux(&["send-keys", "-t", &self.session, "-l", text]);
    }

    fn capture(&self) -> String {
        let output = self.tmux(&["capture-pane", "-p", "-t", &self.session]);
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// Polls the pane until `found` accepts it; returns that screen.
    fn wait_until(&self, what: &str, found: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let screen = self.capture();
            if found(&screen) {
                return screen;
            }
            if start.elapsed() > TIMEOUT {
                panic!("timed out waiting for {what}; the pane shows:\n{screen}");
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    /// Polls the pane until it contains `text`.
    fn wait_for(&self, text: &str) -> String {
        self.wait_until(&format!("{text:?}"), |screen| screen.contains(text))
    }

    /// Waits for segscope to exit; returns its exit status.
    fn wait_for_exit(&self) -> i32 {
        let screen = self.wait_for(EXITED);
        let status = screen
            .lines()
            .find_map(|line| line.trim().strip_prefix(EXITED))
            .and_then(|rest| rest.trim().parse().ok());
        status.unwrap_or_else(|| panic!("no exit status in:\n{screen}"))
    }
}

impl Drop for Pane {
    fn drop(&mut self) {
        let _ = Command::new("tmux")
            .arg("-S")
            .arg(&self.socket)
            .arg("kill-server")
            .output();
    }
}

/// A word for `sh`, in single quotes.
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// Runs segscope to completion (for setting up and checking afterwards).
fn segscope(dir: &Path, args: &[&str]) -> String {
    let output = Command::new(BIN)
        .current_dir(dir)
        .env("NO_COLOR", "1")
        .env("HOME", dir.join("home"))
        .args(args)
        .output()
        .expect("segscope runs");
    assert!(
        output.status.success(),
        "segscope {args:?} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

/// The member count in the table row of segment `name`, if it is shown.
fn count_in_table(screen: &str, name: &str) -> Option<usize> {
    screen
        .lines()
        .find_map(|line| line.strip_prefix(name))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|word| word.parse().ok())
}

/// The number before `of N users` in the editor's live preview.
fn live_count(screen: &str, of: &str) -> Option<usize> {
    screen.lines().find_map(|line| {
        let before = line.split(of).next().filter(|_| line.contains(of))?;
        before
            .trim_start_matches(['│', ' '])
            .trim()
            .replace(',', "")
            .parse::<usize>()
            .ok()
    })
}

fn tempdir() -> TempDir {
    tempfile::Builder::new()
        .prefix("segscope-e2e")
        .tempdir()
        .expect("a temporary directory")
}

// ---------------------------------------------------------------- tests

/// Start on the demo, create a segment by typing, see its count, quit; the
/// database then lists the new segment.
#[test]
fn demo_create_a_segment_and_quit() {
    let dir = tempdir();
    let pane = Pane::start(
        dir.path(),
        120,
        40,
        &[
            "--db",
            "demo.redb",
            "--now",
            NOW,
            "demo",
            "--users",
            "2000",
            "--accounts",
            "200",
        ],
    );
    let screen = pane.wait_until("the demo's segments with counts", |screen| {
        screen.contains("NAME") && count_in_table(screen, "Champions").is_some()
    });
    assert!(screen.contains(" Users (8) "), "{screen}");
    assert!(count_in_table(&screen, "Power users").is_some_and(|n| n > 0));

    pane.keys(&["n"]);
    pane.wait_for("New user segment");
    pane.type_text("Active admins");
    pane.keys(&["Tab", "Tab"]);
    pane.type_text("role = \"admin\" and sessions_30d >= 10");
    let screen = pane.wait_until("the live count", |screen| {
        live_count(screen, " of 2,000 users").is_some()
    });
    let live = live_count(&screen, " of 2,000 users").unwrap_or_default();
    assert!(live > 0, "{screen}");

    pane.keys(&["C-s"]);
    let screen = pane.wait_until("the new segment in the table", |screen| {
        count_in_table(screen, "Active admins").is_some() && screen.contains("saved ")
    });
    assert_eq!(count_in_table(&screen, "Active admins"), Some(live));
    assert!(screen.contains("saved \"Active admins\""), "{screen}");

    pane.keys(&["q"]);
    assert_eq!(pane.wait_for_exit(), 0);
    let screen = pane.capture();
    assert!(
        !screen.contains("Enter e edit"),
        "the terminal is restored (the UI's screen is gone):\n{screen}"
    );

    let listed = segscope(
        dir.path(),
        &[
            "--db",
            "demo.redb",
            "--now",
            NOW,
            "segments",
            "--format",
            "json",
        ],
    );
    let segments: serde_json::Value = serde_json::from_str(&listed).expect("JSON");
    let saved = segments
        .as_array()
        .and_then(|list| list.iter().find(|s| s["name"] == "Active admins"))
        .unwrap_or_else(|| panic!("the new segment is stored:\n{listed}"));
    assert_eq!(saved["members"], live);
    assert_eq!(saved["origin"], "tui");
}

/// A paste from the terminal (tmux's bracketed `paste-buffer -p`) goes in
/// as one edit: its tab and line break are text, not Tab and Enter keys.
#[test]
fn a_bracketed_paste_is_text_not_keys() {
    let dir = tempdir();
    let pane = Pane::start(
        dir.path(),
        120,
        40,
        &[
            "--db",
            "demo.redb",
            "--now",
            NOW,
            "demo",
            "--users",
            "2000",
            "--accounts",
            "200",
        ],
    );
    pane.wait_until("the demo's segments with counts", |screen| {
        screen.contains("NAME") && count_in_table(screen, "Champions").is_some()
    });
    pane.keys(&["n"]);
    pane.wait_for("New user segment");
    pane.keys(&["Tab", "Tab"]);
    pane.tmux(&["set-buffer", "role = \"admin\"\tand\nsessions_30d >= 10"]);
    pane.tmux(&["paste-buffer", "-p", "-t", &pane.session]);
    let screen = pane.wait_until("the live count of the pasted condition", |screen| {
        live_count(screen, " of 2,000 users").is_some()
    });
    assert!(screen.contains("role = \"admin\" and"), "{screen}");
    let pasted = live_count(&screen, " of 2,000 users").unwrap_or_default();
    pane.keys(&["Escape"]);
    pane.wait_for("Discard");
    pane.keys(&["y"]);
    pane.keys(&["q"]);
    assert_eq!(pane.wait_for_exit(), 0);
    let queried = segscope(
        dir.path(),
        &[
            "--db",
            "demo.redb",
            "--now",
            NOW,
            "query",
            "--kind",
            "users",
            "role = \"admin\" and sessions_30d >= 10",
            "--format",
            "ids",
        ],
    );
    assert_eq!(pasted, queried.lines().count(), "{screen}");
}

/// Start with a .seg file, change it on disk: the table follows; a change
/// with a syntax error is reported and the last good definition stays.
#[test]
fn seg_file_edited_on_disk_is_applied_again() {
    let dir = tempdir();
    let mut users = Vec::new();
    let now = segscope::lang::parse_datetime(NOW).expect("NOW parses");
    segscope::demo::write_users(&mut users, 500, 0, 3, now).expect("in memory");
    std::fs::write(dir.path().join("users.jsonl"), &users).expect("write users");
    let with_sessions = |minimum: u64| {
        users
            .split(|b| *b == b'\n')
            .filter(|line| !line.is_empty())
            .filter(|line| {
                let user: serde_json::Value = serde_json::from_slice(line).expect("JSON");
                user["sessions_30d"].as_u64().unwrap_or(0) >= minimum
            })
            .count()
    };
    segscope(
        dir.path(),
        &[
            "--db",
            "x.redb",
            "--now",
            NOW,
            "import",
            "--kind",
            "users",
            "users.jsonl",
        ],
    );
    let file = dir.path().join("team.seg");
    let write = |condition: &str| {
        let text = format!(
            "# The team's segments.\nsegment \"Heavy users\" for users {{\n  where {condition}\n}}\n"
        );
        std::fs::write(&file, text).expect("write the .seg file");
        Instant::now()
    };
    let mut written = write("sessions_30d >= 20");
    // Some file systems keep modification times to the second.
    let after_a_second = |since: Instant| {
        std::thread::sleep(Duration::from_secs(1).saturating_sub(since.elapsed()));
    };

    let pane = Pane::start(
        dir.path(),
        120,
        40,
        &["--db", "x.redb", "--now", NOW, "team.seg"],
    );
    let expected = with_sessions(20);
    let screen = pane.wait_until("the file's segment", |screen| {
        count_in_table(screen, "Heavy users").is_some()
    });
    assert_eq!(count_in_table(&screen, "Heavy users"), Some(expected));

    after_a_second(written);
    written = write("sessions_30d >= 40");
    let expected = with_sessions(40);
    assert_ne!(expected, with_sessions(20));
    // A capture may catch a frame half drawn: wait for the whole of it.
    pane.wait_until("the new count and the message", |screen| {
        count_in_table(screen, "Heavy users") == Some(expected) && screen.contains("applied ")
    });

    after_a_second(written);
    write("sessions_30d >=");
    let screen = pane.wait_until("the error and the old count", |screen| {
        screen.contains("not applied: ") && count_in_table(screen, "Heavy users").is_some()
    });
    assert_eq!(count_in_table(&screen, "Heavy users"), Some(expected));

    pane.keys(&["q"]);
    assert_eq!(pane.wait_for_exit(), 0);
}

/// At 80x24 (a common SSH window) the demo shows its tabs, the table
/// header and the key hints.
#[test]
fn demo_renders_at_80x24() {
    let dir = tempdir();
    let pane = Pane::start(
        dir.path(),
        80,
        24,
        &[
            "--db",
            "demo.redb",
            "--now",
            NOW,
            "demo",
            "--users",
            "200",
            "--accounts",
            "20",
        ],
    );
    let screen = pane.wait_until("the table header", |screen| {
        screen.lines().any(|line| line.starts_with("NAME"))
    });
    let lines: Vec<&str> = screen.lines().collect();
    assert!(lines[0].starts_with(" 1 Segments  2 Users"), "{screen}");
    assert!(
        lines.iter().any(|line| line.starts_with("n + new")),
        "{screen}"
    );
    assert!(count_in_table(&screen, "Champions").is_some(), "{screen}");
    pane.keys(&["q"]);
    assert_eq!(pane.wait_for_exit(), 0);
}

/// The demo's segments are stored as coming from `examples/demo.seg`, a
/// path relative to wherever the demo was started. Saving an edit to one
/// writes "back" to that path: from any other directory the save fails
/// (`cannot read examples/demo.seg`); from a checkout of segscope it would
/// rewrite the repository's own example file.
#[test]
fn demo_segment_can_be_edited_and_saved() {
    let dir = tempdir();
    let pane = Pane::start(
        dir.path(),
        120,
        40,
        &[
            "--db",
            "demo.redb",
            "--now",
            NOW,
            "demo",
            "--users",
            "200",
            "--accounts",
            "20",
        ],
    );
    pane.wait_until("the demo's segments", |screen| {
        count_in_table(screen, "Promoters").is_some()
    });
    pane.keys(&["/"]);
    pane.type_text("Promoters");
    pane.keys(&["Enter", "Enter"]);
    pane.wait_for("Edit user segment");
    for _ in 0..20 {
        pane.keys(&["BSpace"]);
    }
    pane.type_text("nps >= 8");
    pane.wait_for(" of 200 users");
    pane.keys(&["C-s"]);
    let screen = pane.wait_until("the outcome of saving", |screen| {
        screen.contains("saved \"Promoters\"") || screen.contains("not saved")
    });
    assert!(screen.contains("saved \"Promoters\""), "{screen}");
    pane.keys(&["q"]);
    assert_eq!(pane.wait_for_exit(), 0);
}

// ---------------------------------------------------------------- issue 9: a quiet start

impl Pane {
    /// Everything the pane holds, its scrollback included.
    fn history(&self) -> String {
        let output = self.tmux(&["capture-pane", "-p", "-S", "-", "-t", &self.session]);
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// Quits with `q` and returns what the terminal shows (scrollback
    /// included) before the line the shell prints after segscope exits.
    fn quit_and_read_the_terminal(&self) -> String {
        self.keys(&["q"]);
        assert_eq!(self.wait_for_exit(), 0);
        let history = self.history();
        history
            .lines()
            .take_while(|line| !line.contains(EXITED))
            .filter(|line| !line.trim().is_empty())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// `segscope demo` says what it did in the message log, and nothing stays
/// in the terminal after the UI is quit.
#[test]
fn the_demo_prints_nothing_around_the_ui() {
    let dir = tempdir();
    let pane = Pane::start(
        dir.path(),
        120,
        40,
        &[
            "--db",
            "demo.redb",
            "--now",
            NOW,
            "demo",
            "--users",
            "200",
            "--accounts",
            "20",
        ],
    );
    let screen = pane.wait_until("the demo's segments", |screen| {
        count_in_table(screen, "Champions").is_some()
    });
    assert!(
        screen.contains("applied demo.seg (M more)"),
        "the status bar points to the log:\n{screen}"
    );
    pane.keys(&["M"]);
    // The log is drawn whole once its oldest line (the demo's summary) is.
    let log = pane.wait_until("the whole message log", |screen| {
        screen.contains("Messages, newest first") && screen.contains("demo database demo.redb")
    });
    assert!(
        log.contains("demo database demo.redb: 200 users, 20 accounts"),
        "{log}"
    );
    assert!(log.contains("20 added"), "{log}");
    assert!(log.contains("Champions: +"), "{log}");
    pane.keys(&["Escape"]);
    pane.wait_until("the log closed", |screen| {
        !screen.contains("Messages, newest first")
    });

    let printed = pane.quit_and_read_the_terminal();
    assert_eq!(printed, "", "segscope printed around its UI session");
}

/// `segscope FILES.seg` applies the files and puts the summary, the
/// membership counts and the data's warnings in the log, printing nothing.
#[test]
fn a_seg_file_start_prints_nothing_and_logs_its_warnings() {
    let dir = tempdir();
    let mut users = Vec::new();
    let now = segscope::lang::parse_datetime(NOW).expect("NOW parses");
    segscope::demo::write_users(&mut users, 300, 0, 3, now).expect("in memory");
    std::fs::write(dir.path().join("users.jsonl"), &users).expect("write users");
    segscope(
        dir.path(),
        &[
            "--db",
            "x.redb",
            "--now",
            NOW,
            "import",
            "--kind",
            "users",
            "users.jsonl",
        ],
    );
    std::fs::write(
        dir.path().join("team.seg"),
        "segment \"Heavy users\" for users {\n  where sessions_30d >= 20\n}\n\
         segment \"Typo\" for users {\n  where sesions_30d > 5\n}\n",
    )
    .expect("write the .seg file");
    let pane = Pane::start(
        dir.path(),
        120,
        40,
        &["--db", "x.redb", "--now", NOW, "team.seg"],
    );
    let screen = pane.wait_until("the file's segments", |screen| {
        count_in_table(screen, "Heavy users").is_some()
    });
    assert!(
        screen.contains("applied team.seg, 1 warning (M more)"),
        "{screen}"
    );
    pane.keys(&["M"]);
    // Polled until the whole log is drawn (a capture may catch it halfway).
    let log = pane.wait_until("the log with the did-you-mean", |screen| {
        screen.contains("Messages, newest first") && screen.contains("`sessions_30d`")
    });
    assert!(log.contains("2 added"), "{log}");
    assert!(log.contains("Heavy users: +"), "{log}");
    assert!(log.contains("sesions_30d"), "{log}");
    pane.keys(&["Escape"]);
    pane.wait_until("the log closed", |screen| {
        !screen.contains("Messages, newest first")
    });

    let printed = pane.quit_and_read_the_terminal();
    assert_eq!(printed, "", "segscope printed around its UI session");
}

/// The demo of 400 users and 40 accounts, `width` columns by 40 rows, once
/// its Segments table is drawn.
fn demo_of_400_users(dir: &Path, width: u16) -> Pane {
    let pane = Pane::start(
        dir,
        width,
        40,
        &[
            "--db",
            "demo.redb",
            "--now",
            NOW,
            "demo",
            "--users",
            "400",
            "--accounts",
            "40",
        ],
    );
    pane.wait_until("the table header", |screen| {
        screen.lines().any(|line| line.starts_with("NAME"))
    });
    pane
}

/// The builder on the demo data, in the real binary: Accounts, `a`,
/// Segments, `in`, "Enterprise ICP" found by typing, Enter — the chip shows
/// and the count line says as many accounts as `segscope query` lists.
#[test]
fn demo_accounts_filtered_by_a_segment_through_the_builder() {
    let dir = tempdir();
    let pane = demo_of_400_users(dir.path(), 120);
    pane.keys(&["3"]);
    pane.wait_for("of 40 accounts");
    pane.keys(&["a"]);
    pane.wait_for("Add a condition");
    pane.keys(&["Enter"]);
    pane.wait_for("Segments — operator");
    pane.keys(&["Enter"]);
    pane.wait_for("Segments in — value");
    pane.type_text("enterprise icp");
    pane.keys(&["Enter"]);
    let screen = pane.wait_for("[in segment \"Enterprise ICP\"]");
    pane.keys(&["q"]);
    assert_eq!(pane.wait_for_exit(), 0);
    let ids = segscope(
        dir.path(),
        &[
            "--db",
            "demo.redb",
            "--now",
            NOW,
            "query",
            "--kind",
            "accounts",
            "in segment \"Enterprise ICP\"",
            "--format",
            "ids",
        ],
    );
    let expected = ids.lines().count();
    assert!(expected > 0, "the demo has Enterprise ICP accounts");
    assert!(
        screen.contains(&format!("{expected} of 40 accounts")),
        "{screen}"
    );
    let first = ids.lines().next().expect("an id");
    assert!(screen.contains(first), "{screen}");
}

/// The number in `title (N)` of a board column as the pane shows it.
fn board_count(screen: &str, title: &str) -> Option<usize> {
    let at = screen.find(&format!(" {title} ("))?;
    let rest = &screen[at + title.len() + 3..];
    let digits: String = rest
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == ',')
        .collect();
    digits.replace(',', "").parse().ok()
}

/// The stage board on the demo data, in the real binary: the demo's
/// Pipeline view is the board; `l` `l` selects "active", `L` moves its
/// first card to "at_risk" — the column counts change at once and the
/// database agrees after quitting.
#[test]
fn demo_stage_board_moves_a_card_to_the_next_stage() {
    let dir = tempdir();
    let pane = demo_of_400_users(dir.path(), 160);
    pane.keys(&["4"]);
    let before = pane.wait_for("Pipeline · accounts by lifecycle_stage");
    let active = board_count(&before, "active").expect("an active column");
    let at_risk = board_count(&before, "at_risk").expect("an at_risk column");
    assert!(active > 0, "{before}");
    pane.keys(&["l", "l", "L"]);
    let after = pane.wait_for("→ at_risk");
    assert_eq!(board_count(&after, "active"), Some(active - 1), "{after}");
    assert_eq!(board_count(&after, "at_risk"), Some(at_risk + 1), "{after}");
    pane.keys(&["q"]);
    assert_eq!(pane.wait_for_exit(), 0);
    let ids = segscope(
        dir.path(),
        &[
            "--db",
            "demo.redb",
            "--now",
            NOW,
            "query",
            "--kind",
            "accounts",
            "lifecycle_stage = \"at_risk\"",
            "--format",
            "ids",
        ],
    );
    assert_eq!(ids.lines().count(), at_risk + 1);
}

/// The demo's "Nightly export" synced from the Destinations screen in the
/// real binary: `5`, the second destination, `S`; the run's summary shows
/// in its history, the CSV holds every account, and `segscope runs` (the
/// CLI reading the same database) lists the run.
#[test]
fn demo_nightly_export_synced_from_the_destinations_screen() {
    let dir = tempdir();
    let pane = demo_of_400_users(dir.path(), 120);
    pane.keys(&["5"]);
    pane.wait_for("Destinations (2)");
    pane.keys(&["j"]);
    pane.wait_for("path exports/accounts.csv");
    pane.keys(&["S"]);
    pane.wait_until("the run in the history", |screen| {
        screen.contains("completed") && screen.contains("40 sent")
    });
    pane.keys(&["q"]);
    assert_eq!(pane.wait_for_exit(), 0);
    let file = dir.path().join("exports").join("accounts.csv");
    let mut reader = csv::Reader::from_path(&file).expect("the export was written");
    let headers = reader.headers().expect("a header").clone();
    assert_eq!(
        headers.iter().collect::<Vec<_>>(),
        ["id", "segments", "domain", "plan"]
    );
    assert_eq!(reader.records().count(), 40, "every account, one row each");
    let runs = segscope(
        dir.path(),
        &[
            "--db",
            "demo.redb",
            "runs",
            "Nightly export",
            "--format",
            "jsonl",
        ],
    );
    let run: serde_json::Value =
        serde_json::from_str(runs.lines().next().expect("one run")).expect("JSON");
    assert_eq!(run["outcome"], "completed", "{runs}");
    assert_eq!(run["sent"], 40, "{runs}");
}

/// A playbook made on the Playbooks screen in the real binary: `6`, `n`,
/// a name, `when nps >= 9`, a `log` action; the editor says how many would
/// fire, Ctrl-S saves and they fire (the runs log lists them), space
/// disables it; after quitting, the command line reads the same playbook,
/// disabled, with as many firings as `segscope query` finds promoters.
#[test]
fn demo_playbook_made_on_the_playbooks_screen_fires_and_is_disabled() {
    let dir = tempdir();
    let pane = demo_of_400_users(dir.path(), 120);
    pane.keys(&["6"]);
    pane.wait_for("Playbooks (2)");
    pane.keys(&["n"]);
    pane.wait_for(" New playbook ");
    pane.type_text("Thank promoters");
    pane.keys(&["Tab", "Tab", "Tab"]);
    pane.type_text("nps >= 9");
    pane.keys(&["Tab", "Tab", "Tab"]);
    pane.type_text("log \"thanks\"");
    let editor = pane.wait_for("would fire on save");
    let firing: usize = editor
        .lines()
        .find_map(|line| {
            let before = line.split(" would fire on save").next()?;
            line.contains(" would fire on save")
                .then(|| before.trim_start_matches(['│', ' ']).replace(',', ""))?
                .parse()
                .ok()
        })
        .unwrap_or_else(|| panic!("no count in:\n{editor}"));
    assert!(firing > 0, "{editor}");
    pane.keys(&["C-s"]);
    pane.wait_for("Thank promoters — enabled");
    pane.wait_for(&format!("Runs log ({firing})"));
    pane.keys(&["Space"]);
    pane.wait_for("Thank promoters — disabled: it does not fire");
    pane.keys(&["q"]);
    assert_eq!(pane.wait_for_exit(), 0);
    let db = ["--db", "demo.redb", "--now", NOW];
    let listed = segscope(
        dir.path(),
        &[&db[..], &["playbooks", "--format", "json"]].concat(),
    );
    let listed: serde_json::Value = serde_json::from_str(&listed).expect("JSON");
    let ours = listed
        .as_array()
        .expect("a list")
        .iter()
        .find(|p| p["name"] == "Thank promoters")
        .unwrap_or_else(|| panic!("not listed: {listed}"));
    assert_eq!(ours["enabled"], false, "{ours}");
    assert_eq!(ours["when"], "nps >= 9", "{ours}");
    let runs = segscope(
        dir.path(),
        &[
            &db[..],
            &["playbooks", "--runs", "Thank promoters", "--format", "json"],
        ]
        .concat(),
    );
    let runs: serde_json::Value = serde_json::from_str(&runs).expect("JSON");
    let promoters = segscope(
        dir.path(),
        &[
            &db[..],
            &["query", "--kind", "users", "nps >= 9", "--format", "ids"],
        ]
        .concat(),
    );
    assert_eq!(runs.as_array().expect("a list").len(), firing);
    assert_eq!(promoters.lines().count(), firing);
}

/// The demo's own "Alert on accounts at risk", fired from the board in the
/// real binary: a paying account not at risk yet is narrowed to on the
/// Pipeline board and moved from active to at_risk with `L`; the Playbooks
/// screen shows the firing — its `log` done, its webhook pending, since no
/// receiver listens and the secret is not set — and the CLI's runs log
/// agrees after quitting.
#[test]
fn demo_stage_move_fires_the_at_risk_playbook() {
    let dir = tempdir();
    let pane = demo_of_400_users(dir.path(), 160);
    pane.keys(&["q"]);
    assert_eq!(pane.wait_for_exit(), 0);
    drop(pane);
    let db = ["--db", "demo.redb", "--now", NOW];
    let candidates = segscope(
        dir.path(),
        &[
            &db[..],
            &[
                "query",
                "--kind",
                "accounts",
                "lifecycle_stage = \"active\" and in segment \"Paying\" and not in segment \"At risk\" and health_score >= 30",
                "--format",
                "ids",
            ],
        ]
        .concat(),
    );
    let account = candidates
        .lines()
        .next()
        .expect("the demo has a healthy paying active account")
        .to_string();
    let pane = Pane::start(dir.path(), 160, 40, &[&db[..], &["demo"]].concat());
    pane.wait_until("the table header", |screen| {
        screen.lines().any(|line| line.starts_with("NAME"))
    });
    pane.keys(&["4"]);
    pane.wait_for("Pipeline · accounts by lifecycle_stage");
    pane.keys(&["/"]);
    pane.type_text(&format!("id = \"{account}\""));
    pane.keys(&["Enter"]);
    pane.wait_for(&format!("[id = \"{account}\"]"));
    // active is the third column.
    pane.keys(&["l", "l", "L"]);
    pane.wait_for("at_risk (1)");
    pane.keys(&["6"]);
    let screen = pane.wait_for("Runs log (1)");
    assert!(
        screen.contains("Alert on accounts at risk — enabled"),
        "{screen}"
    );
    assert!(
        screen.contains(&format!("account {account} · 1 done, 1 pending")),
        "{screen}"
    );
    pane.keys(&["q"]);
    assert_eq!(pane.wait_for_exit(), 0);
    let runs = segscope(
        dir.path(),
        &[
            &db[..],
            &[
                "playbooks",
                "--runs",
                "Alert on accounts at risk",
                "--format",
                "json",
            ],
        ]
        .concat(),
    );
    let runs: serde_json::Value = serde_json::from_str(&runs).expect("JSON");
    let runs = runs.as_array().expect("a list");
    assert_eq!(runs.len(), 1, "{runs:?}");
    assert_eq!(runs[0]["entity"], account.as_str(), "{runs:?}");
}

/// With the UI open on a database, a read command in a second terminal
/// answers from what the UI has committed, and a write command is told the
/// database is in use (it would wait with `--wait`).
#[test]
fn a_read_command_answers_beside_the_open_ui() {
    let dir = tempdir();
    let pane = demo_of_400_users(dir.path(), 120);
    let screen = pane.wait_until("Champions' count", |screen| {
        count_in_table(screen, "Champions").is_some()
    });
    let shown = count_in_table(&screen, "Champions").expect("a count");
    let champions = || {
        segscope(
            dir.path(),
            &[
                "--db",
                "demo.redb",
                "--now",
                NOW,
                "query",
                "--kind",
                "users",
                "in segment \"Champions\"",
                "--format",
                "ids",
            ],
        )
    };
    let ids = champions();
    assert_eq!(ids.lines().count(), shown, "{screen}");
    let refused = Command::new(BIN)
        .current_dir(dir.path())
        .env("HOME", dir.path().join("home"))
        .args(["--db", "demo.redb", "delete", "--kind", "users"])
        .arg(ids.lines().next().expect("a champion"))
        .output()
        .expect("segscope runs");
    assert_eq!(refused.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(
        stderr.contains("is in use by another segscope process"),
        "{stderr}"
    );
    pane.keys(&["q"]);
    assert_eq!(pane.wait_for_exit(), 0);
    let after = champions();
    assert_eq!(after, ids, "the refused delete changed nothing");
}

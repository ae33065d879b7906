//! `kill -9` during `apply`, `set` and `run`: at moments spread over the
//! whole command (the open, the evaluation, the commit), the database must
//! open afterwards and read exactly as it did before the command or as it
//! does after a run that finished — its entities with their `segments`, the
//! segments with their counts, and the membership history, never a mix.
//! The fast versions kill each command at 8 moments; the `--ignored` ones
//! at 60 (`cargo test --test crash_commands -- --ignored --nocapture`).

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BIN: &str = env!("CARGO_BIN_EXE_segscope");
/// When the data is made and first evaluated.
const BEFORE: &str = "2024-06-15T12:00:00Z";
/// When the `run` under test re-evaluates: users' `last_seen_at` age by a
/// month, so the time-dependent segments lose and gain members.
const LATER: &str = "2024-07-15T12:00:00Z";

const USERS: usize = 3_000;
const ACCOUNTS: usize = 150;

/// A playbook whose `set` is written in the command's own transaction.
const PLAYBOOK: &str = r#"
playbook "Assign new champions" for users {
  when in segment "Champions"
  runs once
  set cs_owner = "enterprise-cs"
  log "New champion"
}
"#;

fn segscope(db: &Path, now: &str, args: &[&str]) -> Command {
    let mut command = Command::new(BIN);
    command
        .arg("--db")
        .arg(db)
        .arg("--now")
        .arg(now)
        .args(args)
        .env_remove("SEGSCOPE_DB")
        .env_remove("SEGSCOPE_NOW")
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    command
}

fn succeeds(db: &Path, now: &str, args: &[&str]) -> String {
    let output = segscope(db, now, args)
        .stdout(Stdio::piped())
        .output()
        .expect("the binary runs");
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8")
}

/// What a user would read of the database as of `now`: every user with
/// its properties and computed `segments`, every segment with its count,
/// the whole membership history (accounts' included).
fn state(db: &Path, now: &str) -> String {
    [
        succeeds(db, now, &["export", "--kind", "users", "--format", "jsonl"]),
        succeeds(db, now, &["segments", "--format", "jsonl"]),
        succeeds(db, now, &["history", "--format", "jsonl"]),
    ]
    .join("\n--\n")
}

/// The demo's segments (everything before its first view) and a playbook.
fn definitions_text() -> String {
    let demo = include_str!("../examples/demo.seg");
    let segments = demo.split("\nview ").next().expect("the segments");
    format!("{segments}\n{PLAYBOOK}")
}

struct Setup {
    dir: tempfile::TempDir,
    /// Generated users and accounts, no definitions yet.
    data_only: PathBuf,
    /// The same with the definitions applied.
    applied: PathBuf,
    definitions: PathBuf,
}

impl Setup {
    fn new() -> Setup {
        let dir = tempfile::tempdir().expect("a directory");
        let now = segscope::lang::parse_datetime(BEFORE).expect("an instant");
        let accounts = dir.path().join("accounts.jsonl");
        let users = dir.path().join("users.jsonl");
        let mut out = BufWriter::new(std::fs::File::create(&accounts).expect("a file"));
        segscope::demo::write_accounts(&mut out, ACCOUNTS, 7, now).expect("written");
        out.flush().expect("written");
        let mut out = BufWriter::new(std::fs::File::create(&users).expect("a file"));
        segscope::demo::write_users(&mut out, USERS, ACCOUNTS, 7, now).expect("written");
        out.flush().expect("written");
        let data_only = dir.path().join("data.redb");
        for (kind, file) in [("accounts", &accounts), ("users", &users)] {
            succeeds(
                &data_only,
                BEFORE,
                &["import", "--kind", kind, file.to_str().expect("UTF-8")],
            );
        }
        let definitions = dir.path().join("definitions.seg");
        std::fs::write(&definitions, definitions_text()).expect("written");
        let applied = dir.path().join("applied.redb");
        std::fs::copy(&data_only, &applied).expect("copied");
        succeeds(
            &applied,
            BEFORE,
            &["apply", definitions.to_str().expect("UTF-8")],
        );
        Setup {
            dir,
            data_only,
            applied,
            definitions,
        }
    }

    /// Runs `args` as of `now` on copies of `base`: once whole (timed, for
    /// the state after), then killed at `kills` moments spread over that
    /// time, each leaving the state before or the state after. Returns how
    /// many kills left each.
    fn kill_during(&self, base: &Path, now: &str, args: &[&str], kills: usize) -> (usize, usize) {
        let before = state(base, now);
        let whole = self.dir.path().join("whole.redb");
        std::fs::copy(base, &whole).expect("copied");
        let started = Instant::now();
        succeeds(&whole, now, args);
        let took = started.elapsed();
        let after = state(&whole, now);
        assert_ne!(before, after, "{args:?} changes something");
        let (mut left_before, mut left_after) = (0, 0);
        for kill in 0..kills {
            let db = self.dir.path().join(format!("killed-{kill}.redb"));
            std::fs::copy(base, &db).expect("copied");
            // From the start to a little past the whole run's time.
            let delay = took.mul_f64((kill as f64 + 0.5) / kills as f64 * 1.1);
            let mut child = segscope(&db, now, args).spawn().expect("runs");
            let deadline = Instant::now() + delay;
            let mut finished = None;
            while finished.is_none() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(2));
                finished = child.try_wait().expect("waits");
            }
            if finished.is_none() {
                let _ = child.kill(); // SIGKILL on unix
            }
            let status = child.wait().expect("waits");
            let found = state(&db, now);
            if found == before {
                left_before += 1;
            } else if found == after {
                left_after += 1;
            } else {
                panic!(
                    "{args:?} killed after {delay:?} ({status}) left a database that is neither as before nor as after"
                );
            }
            std::fs::remove_file(&db).expect("removed");
        }
        eprintln!(
            "kill -9 during {:?} (whole run {took:?}): {kills} kills, {left_before} left it as before, {left_after} as after, 0 unusable or mixed",
            args[0]
        );
        (left_before, left_after)
    }
}

fn kill_during_apply_set_and_run(kills: usize) {
    let setup = Setup::new();
    let definitions = setup.definitions.to_str().expect("UTF-8").to_string();
    setup.kill_during(&setup.data_only, BEFORE, &["apply", &definitions], kills);
    setup.kill_during(
        &setup.applied,
        BEFORE,
        &[
            "set",
            "--kind",
            "users",
            "usr-0000001",
            "sessions_30d=90",
            "role=\"admin\"",
        ],
        kills,
    );
    setup.kill_during(&setup.applied, LATER, &["run"], kills);
}

#[test]
fn kill_9_during_apply_set_or_run_leaves_the_state_before_or_after() {
    kill_during_apply_set_and_run(8);
}

#[test]
#[ignore = "long: 60 kills of each command"]
fn kill_9_during_apply_set_or_run_many_times() {
    kill_during_apply_set_and_run(60);
}

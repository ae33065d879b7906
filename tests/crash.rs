//! `kill -9` during a large import: the database must still open and hold
//! either none or all of that import, never a part of it.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use segscope::model::EntityKind;
use segscope::store::Store;
use segscope::workspace::{OpenOptions, Workspace};

const BIN: &str = env!("CARGO_BIN_EXE_segscope");
const NOW: &str = "2024-06-15T12:00:00Z";

/// Large enough that a debug build takes many seconds to import it.
const LARGE: usize = 300_000;

/// Small enough to import whole in a couple of seconds in a debug build.
const MEDIUM: usize = 30_000;

/// Users in the database before the import that gets killed.
const EARLIER: [&str; 3] = ["earlier-1", "earlier-2", "earlier-3"];

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
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    command
}

/// Opens the store (as any command would) and counts its users.
fn count_users(db: &Path) -> u64 {
    let store = Store::open(db, None).unwrap_or_else(|e| panic!("the database does not open: {e}"));
    let mut users = 0;
    store
        .for_each_entity(EntityKind::Users, |_, _, _| users += 1)
        .unwrap();
    users
}

/// Writes `count` generated users as JSON lines.
fn write_users(path: &Path, count: usize) {
    let mut out = BufWriter::new(std::fs::File::create(path).unwrap());
    let now = segscope::lang::parse_datetime(NOW).unwrap();
    segscope::demo::write_users(&mut out, count, 0, 1, now).unwrap();
    out.flush().unwrap();
}

/// A database holding the EARLIER users, copied for each attempt.
struct Fixture {
    dir: tempfile::TempDir,
    base: PathBuf,
    attempts: usize,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let base = dir.path().join("base.redb");
        let earlier = dir.path().join("earlier.jsonl");
        let lines: String = EARLIER
            .iter()
            .map(|id| format!("{{\"id\": \"{id}\", \"role\": \"admin\"}}\n"))
            .collect();
        std::fs::write(&earlier, lines).unwrap();
        let output = segscope(
            &base,
            &["import", "--kind", "users", earlier.to_str().unwrap()],
        )
        .output()
        .unwrap();
        assert!(output.status.success(), "{output:?}");
        Fixture {
            dir,
            base,
            attempts: 0,
        }
    }

    /// Imports `file` (of `rows` users) into a copy of the base database,
    /// killing the import after `delay` unless it finished; checks that the
    /// database opens with none or all of it. Returns whether it was killed
    /// and how long the import ran.
    fn import_and_kill(&mut self, file: &Path, rows: usize, delay: Duration) -> (bool, Duration) {
        self.attempts += 1;
        let db = self
            .dir
            .path()
            .join(format!("attempt-{}.redb", self.attempts));
        std::fs::copy(&self.base, &db).unwrap();
        let started = Instant::now();
        let mut child = segscope(&db, &["import", "--kind", "users", file.to_str().unwrap()])
            .spawn()
            .unwrap();
        let deadline = started + delay;
        let mut finished = None;
        while finished.is_none() && Instant::now() < deadline {
            std::thread::sleep(
                Duration::from_millis(5).min(deadline.saturating_duration_since(Instant::now())),
            );
            finished = child.try_wait().unwrap();
        }
        let killed = finished.is_none();
        if killed {
            child.kill().unwrap(); // SIGKILL on unix
        }
        let status = child.wait().unwrap();
        let ran = started.elapsed();

        let users = count_users(&db);
        eprintln!("killed: {killed} after {ran:?} ({status}): {users} users");
        let none = EARLIER.len() as u64;
        let all = (EARLIER.len() + rows) as u64;
        assert!(
            users == none || users == all,
            "after {ran:?} ({status}) the database holds {users} users, neither {none} nor {all}"
        );
        if !killed {
            assert!(status.success(), "the import failed: {status}");
            assert_eq!(users, all);
        }
        if users == none {
            // Nothing of the import; what was there before is intact and
            // the workspace opens on it.
            let options = OpenOptions {
                now: segscope::lang::parse_datetime(NOW).ok(),
                wait: None,
                record: false,
            };
            let workspace = Workspace::open(&db, options).unwrap();
            for id in EARLIER {
                let user = workspace.entity(EntityKind::Users, id).unwrap();
                assert_eq!(user.properties["role"].as_str(), Some("admin"));
            }
        }
        std::fs::remove_file(&db).unwrap();
        (killed, ran)
    }
}

#[test]
fn kill_9_during_a_large_import_leaves_none_or_all_of_it() {
    kill_during_imports(&[150, 500, 1200], &[300, 150, 80, 30]);
}

/// The long version: 41 kills while the rows stream in and around the
/// commit (`cargo test --test crash -- --ignored --nocapture`).
#[test]
#[ignore = "long: 41 kills of a 300,000-row import"]
fn kill_9_during_a_large_import_many_times() {
    let streaming: Vec<u64> = (0..25).map(|i| 100 + i * 120).collect();
    let near_the_end: Vec<u64> = (0..16).map(|i| 10 + i * 25).collect();
    kill_during_imports(&streaming, &near_the_end);
}

/// Kills a large import after each of `streaming` ms, and a medium one
/// each of `before_the_end` ms before it would have finished.
fn kill_during_imports(streaming: &[u64], before_the_end: &[u64]) {
    let mut fixture = Fixture::new();

    // While the rows stream in.
    let large = fixture.dir.path().join("large.jsonl");
    write_users(&large, LARGE);
    let mut killed = 0;
    for &delay in streaming {
        let (was_killed, _) = fixture.import_and_kill(&large, LARGE, Duration::from_millis(delay));
        killed += usize::from(was_killed);
    }
    assert!(
        killed > 0,
        "every import finished before it could be killed"
    );

    // Around the commit at the end: time a whole import of a smaller file,
    // then kill others just before that time.
    let medium = fixture.dir.path().join("medium.jsonl");
    write_users(&medium, MEDIUM);
    let (was_killed, whole) = fixture.import_and_kill(&medium, MEDIUM, Duration::from_secs(30));
    assert!(!was_killed);
    for &before_the_end in before_the_end {
        let delay = whole.saturating_sub(Duration::from_millis(before_the_end));
        fixture.import_and_kill(&medium, MEDIUM, delay);
    }
}

/// `kill -9` in the first milliseconds of making a new database, at 40
/// moments from at once to 20 ms in: every time the file is missing, or a
/// database that opens and takes the import again — never one that can
/// never be opened. No temporary file is left beside it but the killed
/// process's own.
#[test]
fn kill_9_while_a_database_is_created_leaves_none_or_a_whole_one() {
    kill_during_creation(40);
}

/// The long version: 400 kills, from at once to 40 ms in.
#[test]
#[ignore = "long: 400 kills while a database is made"]
fn kill_9_while_a_database_is_created_many_times() {
    kill_during_creation(400);
}

fn kill_during_creation(kills: u64) {
    let dir = tempfile::tempdir().expect("a directory");
    let data = dir.path().join("users.jsonl");
    std::fs::write(&data, "{\"id\": \"u1\"}\n").expect("the data");
    let mut unusable = Vec::new();
    let mut present = 0;
    for attempt in 0..kills {
        let db = dir.path().join(format!("new-{attempt}.redb"));
        let mut child = segscope(&db, &["import", "--kind", "users"])
            .arg(&data)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("the binary runs");
        // From at once to 20 ms in (40 ms for the long version).
        std::thread::sleep(Duration::from_micros(attempt * 20_000 / 40 % 40_000));
        let _ = child.kill();
        let _ = child.wait();
        if db.exists() {
            present += 1;
        }
        // Whatever is there now, the next command makes or opens it.
        let again = segscope(&db, &["import", "--kind", "users"])
            .arg(&data)
            .output()
            .expect("the binary runs");
        if !again.status.success() {
            unusable.push(format!(
                "attempt {attempt}: {}",
                String::from_utf8_lossy(&again.stderr)
            ));
        }
    }
    assert!(unusable.is_empty(), "{unusable:#?}");
    eprintln!("kill -9 during creation: {kills} kills, {present} left a file, 0 unusable");
}

/// What a full disk or an older segscope's interrupted creation left — an
/// empty file, or one of zero bytes — is no database: read commands say
/// so, and the next write makes a database in its place.
#[test]
fn an_empty_or_all_zero_file_is_no_database() {
    let dir = tempfile::tempdir().expect("a directory");
    let data = dir.path().join("users.jsonl");
    std::fs::write(&data, "{\"id\": \"u1\"}\n").expect("the data");
    for (name, bytes) in [("empty.redb", 0usize), ("zeros.redb", 73_728)] {
        let db = dir.path().join(name);
        std::fs::write(&db, vec![0u8; bytes]).expect("the blank file");
        let listed = segscope(&db, &["segments"]).output().expect("runs");
        assert_eq!(listed.status.code(), Some(1));
        let stderr = String::from_utf8_lossy(&listed.stderr);
        assert!(stderr.contains("no database at"), "{name}: {stderr}");
        let imported = segscope(&db, &["import", "--kind", "users"])
            .arg(&data)
            .output()
            .expect("runs");
        assert!(
            imported.status.success(),
            "{name}: {}",
            String::from_utf8_lossy(&imported.stderr)
        );
        assert_eq!(count_users(&db), 1, "{name}");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&db)
                .expect("the file")
                .permissions()
                .mode();
            assert_eq!(mode & 0o777, 0o600, "{name}: the database stays private");
        }
    }
}

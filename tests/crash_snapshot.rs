//! `kill -9` while a command writes the snapshot file beside the database:
//! the next open finds the last whole snapshot or none — never a part of
//! one — and answers exactly as before; the temporary file the killed
//! writer left is removed by the next write.

use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use segscope::workspace::{OpenOptions, TablesFrom, Workspace};

const BIN: &str = env!("CARGO_BIN_EXE_segscope");
const NOW: &str = "2024-06-15T12:00:00Z";
const USERS: usize = 20_000;
const ACCOUNTS: usize = 1_000;

fn segscope(db: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(BIN);
    command
        .arg("--db")
        .arg(db)
        .args(["--now", NOW])
        .args(args)
        .env_remove("SEGSCOPE_DB")
        .env_remove("SEGSCOPE_NOW")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

fn succeeds(db: &Path, args: &[&str]) -> String {
    let output = segscope(db, args).output().expect("the binary runs");
    assert!(
        output.status.success(),
        "{args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8")
}

fn snapshot_of(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".snapshot");
    PathBuf::from(name)
}

/// The temporary files of snapshot writers beside `db`.
fn temporaries(db: &Path) -> Vec<PathBuf> {
    let prefix = format!(
        "{}.tmp.",
        snapshot_of(db).file_name().unwrap().to_string_lossy()
    );
    std::fs::read_dir(db.parent().unwrap())
        .unwrap()
        .flatten()
        .filter(|entry| entry.file_name().to_string_lossy().starts_with(&prefix))
        .map(|entry| entry.path())
        .collect()
}

/// Where the tables of `db` come from at open (read-only, as readers do).
fn tables_from(db: &Path) -> TablesFrom {
    let options = OpenOptions {
        now: Some(segscope::lang::parse_datetime(NOW).unwrap()),
        wait: None,
        record: false,
    };
    Workspace::open_read_only(db, options)
        .unwrap()
        .tables_from()
        .clone()
}

fn database(dir: &Path) -> PathBuf {
    let now = segscope::lang::parse_datetime(NOW).unwrap();
    let accounts = dir.join("accounts.jsonl");
    let users = dir.join("users.jsonl");
    let mut out = BufWriter::new(std::fs::File::create(&accounts).unwrap());
    segscope::demo::write_accounts(&mut out, ACCOUNTS, 7, now).unwrap();
    out.flush().unwrap();
    let mut out = BufWriter::new(std::fs::File::create(&users).unwrap());
    segscope::demo::write_users(&mut out, USERS, ACCOUNTS, 7, now).unwrap();
    out.flush().unwrap();
    let demo = include_str!("../examples/demo.seg");
    let segments = dir.join("segments.seg");
    std::fs::write(&segments, demo.split("\nview ").next().unwrap()).unwrap();
    let db = dir.join("db.redb");
    for args in [
        ["import", "--kind", "accounts", accounts.to_str().unwrap()],
        ["import", "--kind", "users", users.to_str().unwrap()],
    ] {
        succeeds(&db, &args);
    }
    succeeds(&db, &["apply", segments.to_str().unwrap()]);
    db
}

#[test]
fn kill_9_while_the_snapshot_is_written_leaves_none_or_a_whole_one() {
    let dir = tempfile::tempdir().unwrap();
    let db = database(dir.path());
    let answer = |db: &Path| {
        [
            succeeds(db, &["segments", "--format", "jsonl"]),
            succeeds(db, &["export", "--kind", "users", "--format", "jsonl"]),
        ]
        .join("\n--\n")
    };
    let expected = answer(&db);
    // `segments` finds no snapshot, decodes the store, answers, and writes
    // one as it leaves; started, it returns once that write has begun.
    let start_writing = |db: &Path| {
        std::fs::remove_file(snapshot_of(db)).unwrap();
        let mut child = segscope(db, &["segments"])
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(120);
        while temporaries(db).is_empty() && child.try_wait().unwrap().is_none() {
            assert!(Instant::now() < deadline, "no snapshot was written");
            std::thread::sleep(Duration::from_micros(200));
        }
        (child, Instant::now())
    };
    let (mut whole, began) = start_writing(&db);
    assert!(whole.wait().unwrap().success());
    let writing = began.elapsed();
    const KILLS: u32 = 8;
    let (mut killed_writing, mut finished) = (0, 0);
    for kill in 0..KILLS {
        let (mut child, _) = start_writing(&db);
        // Spread over the write, and a little past it.
        std::thread::sleep(writing.mul_f64(f64::from(kill) / f64::from(KILLS) * 1.3));
        let _ = child.kill();
        let status = child.wait().unwrap();
        let left = temporaries(&db);
        match tables_from(&db) {
            TablesFrom::Store(reason) => {
                assert_eq!(reason, "there is none", "kill {kill} ({status})");
                assert!(
                    !left.is_empty(),
                    "killed mid-write: its temporary file is left"
                );
                killed_writing += 1;
            }
            TablesFrom::Snapshot => finished += 1,
        }
        // The next command answers as before, writes a whole snapshot and
        // removes what the killed one left.
        assert_eq!(answer(&db), expected, "after kill {kill}");
        assert_eq!(tables_from(&db), TablesFrom::Snapshot);
        assert!(temporaries(&db).is_empty(), "{:?}", temporaries(&db));
    }
    eprintln!(
        "kill -9 during the snapshot write ({writing:?} whole): {KILLS} kills, {killed_writing} mid-write, {finished} after it"
    );
    assert!(killed_writing > 0, "no kill landed during the write");
}

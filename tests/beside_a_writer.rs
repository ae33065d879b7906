//! Readers beside a writer: while one process holds the database for
//! changes (here the test process itself, as the UI or a long `import`
//! would), read commands in another process answer from the last committed
//! state, and write commands are still refused (or wait with `--wait`).

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use segscope::model::{EntityKind, Scalar, Value};
use segscope::workspace::{OpenOptions, TablesFrom, Workspace, clock_now};

const BIN: &str = env!("CARGO_BIN_EXE_segscope");

fn segscope(dir: &Path, db: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .current_dir(dir)
        .arg("--db")
        .arg(db)
        .args(args)
        .env_remove("SEGSCOPE_DB")
        .env_remove("SEGSCOPE_NOW")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Runs a command that must succeed; its standard output.
fn answers(dir: &Path, db: &Path, args: &[&str]) -> String {
    let output = segscope(dir, db, args);
    assert!(
        output.status.success(),
        "{args:?} beside a writer: {}",
        text(&output.stderr)
    );
    text(&output.stdout)
}

/// Users u0..u5 in two accounts, a segment of the busy ones, a file
/// destination to plan a sync for.
fn build(dir: &Path) -> PathBuf {
    let db = dir.join("db.redb");
    let users: String = (0..6)
        .map(|n| {
            format!(
                "{{\"id\": \"u{n}\", \"account_id\": \"a{}\", \"sessions_30d\": {}}}\n",
                n % 2,
                n * 5
            )
        })
        .collect();
    std::fs::write(dir.join("users.jsonl"), users).unwrap();
    std::fs::write(
        dir.join("accounts.jsonl"),
        "{\"id\": \"a0\"}\n{\"id\": \"a1\"}\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("all.seg"),
        "segment \"Busy\" for users {\n  where sessions_30d >= 20\n}\n\
         destination \"Out\" file {\n  path \"out.jsonl\"\n  users {\n    segments [\"Busy\"]\n    map segments -> segments as list\n  }\n}\n",
    )
    .unwrap();
    for args in [
        &["import", "--kind", "accounts", "accounts.jsonl"][..],
        &["import", "--kind", "users", "users.jsonl"],
        &["apply", "all.seg"],
    ] {
        let output = segscope(dir, &db, args);
        assert!(
            output.status.success(),
            "{args:?}: {}",
            text(&output.stderr)
        );
    }
    db
}

/// How a process that changes the database opens it.
fn writer_options() -> OpenOptions {
    OpenOptions {
        now: Some(clock_now()),
        wait: None,
        record: true,
    }
}

fn set_sessions(workspace: &mut Workspace, id: &str, sessions: f64) {
    workspace
        .set(
            EntityKind::Users,
            id,
            vec![(
                "sessions_30d".to_string(),
                Some(Value::Scalar(Scalar::Number(sessions))),
            )],
        )
        .unwrap();
}

#[test]
fn read_commands_answer_while_another_process_holds_the_database() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let db = build(dir);
    let options = writer_options();
    let mut writer = Workspace::open(&db, options).unwrap();
    let busy = || {
        answers(
            dir,
            &db,
            &[
                "query",
                "--kind",
                "users",
                "in segment \"Busy\"",
                "--format",
                "ids",
            ],
        )
    };
    assert_eq!(busy(), "u4\nu5\n");

    // A change the writer commits is what the next reader sees.
    set_sessions(&mut writer, "u0", 99.0);
    assert_eq!(busy(), "u0\nu4\nu5\n");
    let listed = answers(dir, &db, &["segments", "--format", "json"]);
    assert!(listed.contains("\"members\":3"), "{listed}");
    let shown = answers(dir, &db, &["show", "--kind", "users", "u0"]);
    assert!(shown.contains("99"), "{shown}");
    let exported = answers(dir, &db, &["export", "--kind", "users"]);
    assert_eq!(exported.lines().count(), 6, "{exported}");
    assert!(exported.contains("\"sessions_30d\":99"), "{exported}");
    let history = answers(dir, &db, &["history", "--segment", "Busy"]);
    assert!(history.contains("\"id\":\"u0\""), "{history}");
    let explained = answers(dir, &db, &["explain", "--kind", "users", "u1", "Busy"]);
    assert!(explained.contains("sessions_30d"), "{explained}");
    let plan = answers(dir, &db, &["sync", "Out", "--dry-run"]);
    assert!(plan.contains("3 selected — 3 new"), "{plan}");
    assert!(!dir.join("out.jsonl").exists(), "a dry run sends nothing");

    // Writers are still refused, and say why ...
    let refused = segscope(
        dir,
        &db,
        &["set", "--kind", "users", "u1", "sessions_30d=50"],
    );
    assert_eq!(refused.status.code(), Some(1));
    assert!(
        text(&refused.stderr).contains("is in use by another segscope process"),
        "{}",
        text(&refused.stderr)
    );
    // ... until the writer is done: a waiting one then goes ahead.
    let waiting = Command::new(BIN)
        .current_dir(dir)
        .args(["--db", db.to_str().unwrap(), "--wait", "20"])
        .args(["set", "--kind", "users", "u1", "sessions_30d=50"])
        .env_remove("SEGSCOPE_NOW")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(300));
    set_sessions(&mut writer, "u2", 0.0);
    drop(writer);
    let waited = waiting.wait_with_output().unwrap();
    assert!(waited.status.success(), "{}", text(&waited.stderr));
    assert_eq!(busy(), "u0\nu1\nu4\nu5\n");
}

/// A reader reads one commit throughout: what a writer commits after the
/// reader opened is not mixed into the reader's answers.
#[test]
fn a_reader_keeps_reading_the_commit_it_opened() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    let db = build(dir);
    let options = writer_options();
    let mut writer = Workspace::open(&db, options.clone()).unwrap();
    let mut reader = Workspace::open_read_only(&db, options.clone()).unwrap();
    set_sessions(&mut writer, "u0", 99.0);
    // The reader's answers come from its own snapshot ...
    let busy = |workspace: &Workspace| {
        let set = workspace
            .query(EntityKind::Users, "in segment \"Busy\"")
            .unwrap();
        set.len()
    };
    assert_eq!(busy(&reader), 2);
    // ... and so does what it reads from the file after opening (the
    // entity's stored history: the writer recorded u0 entering since).
    let entered = |workspace: &Workspace| {
        workspace
            .entity_history(EntityKind::Users, "u0")
            .unwrap()
            .iter()
            .filter(|(_, segment, entered)| segment == "Busy" && *entered)
            .count()
    };
    assert_eq!(entered(&reader), 0);
    // Its tables are of an older commit: it leaves no snapshot of them
    // (the one the commands that built the database left is removed first).
    let snapshot = db.with_extension("redb.snapshot");
    std::fs::remove_file(&snapshot).unwrap();
    assert!(!reader.save_snapshot().unwrap());
    assert!(!snapshot.exists());
    let mut fresh = Workspace::open_read_only(&db, options.clone()).unwrap();
    assert_eq!(busy(&fresh), 3);
    assert_eq!(entered(&fresh), 1);
    // A reader of the last commit leaves one, which the next open uses.
    assert!(fresh.save_snapshot().unwrap());
    assert!(snapshot.exists());
    let again = Workspace::open_read_only(&db, options).unwrap();
    assert_eq!(again.tables_from(), &TablesFrom::Snapshot);
    assert_eq!(busy(&again), 3);
}

//! Read commands only read: they leave the database file exactly as it was
//! (not a byte, not its modification time) and answer from a database on a
//! read-only mount, where a change is refused with the reason.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_segscope");
const NOW: &str = "2024-06-15T12:00:00Z";

/// Every command that only reads, with arguments that make it answer.
const READS: [&[&str]; 14] = [
    &["segments"],
    &["segments", "--format", "json"],
    &["query", "--kind", "users", "sessions_30d >= 10"],
    // Ids only: segments are evaluated only when the condition reads them.
    &[
        "query",
        "--kind",
        "users",
        "sessions_30d >= 10",
        "--format",
        "ids",
    ],
    &[
        "query",
        "--kind",
        "users",
        "in segment \"Active\"",
        "--format",
        "ids",
    ],
    &["show", "--kind", "users", "u3"],
    &["export", "--kind", "users"],
    &["export", "--kind", "accounts", "--format", "csv"],
    &["history"],
    &["explain", "--kind", "users", "u3", "Active"],
    &["views"],
    &["playbooks"],
    &["runs"],
    &["run", "--dry-run"],
];

fn segscope(dir: &Path, db: &Path, args: &[&str]) -> Output {
    Command::new(BIN)
        .current_dir(dir)
        .arg("--db")
        .arg(db)
        .arg("--now")
        .arg(NOW)
        .args(args)
        .env_remove("SEGSCOPE_DB")
        .env_remove("SEGSCOPE_NOW")
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A database with users, accounts, segments, a view, a playbook and
/// membership history.
fn build(dir: &Path) -> PathBuf {
    let db = dir.join("data").join("db.redb");
    std::fs::create_dir(dir.join("data")).unwrap();
    let users: String = (0..12)
        .map(|n| {
            format!(
                "{{\"id\": \"u{n}\", \"account_id\": \"a{}\", \"sessions_30d\": {}}}\n",
                n % 3,
                n * 2
            )
        })
        .collect();
    let accounts = "{\"id\": \"a0\", \"plan\": \"pro\"}\n{\"id\": \"a1\", \"plan\": \"free\"}\n";
    std::fs::write(dir.join("users.jsonl"), users).unwrap();
    std::fs::write(dir.join("accounts.jsonl"), accounts).unwrap();
    std::fs::write(
        dir.join("all.seg"),
        "segment \"Active\" for users {\n  where sessions_30d >= 10\n}\n\
         view \"Actives\" for users {\n  where in segment \"Active\"\n  columns [\"sessions_30d\"]\n}\n\
         playbook \"Tag actives\" for users {\n  when in segment \"Active\"\n  runs once\n  set tagged = true\n}\n",
    )
    .unwrap();
    for args in [
        &["import", "--kind", "accounts", "accounts.jsonl"][..],
        &["import", "--kind", "users", "users.jsonl"],
        &["apply", "all.seg"],
        &["set", "--kind", "users", "u1", "sessions_30d=40"],
    ] {
        let output = segscope(dir, &db, args);
        assert!(output.status.success(), "{args:?}: {}", stderr(&output));
    }
    db
}

#[test]
fn read_commands_leave_the_file_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let db = build(dir.path());
    let bytes = std::fs::read(&db).unwrap();
    let modified = std::fs::metadata(&db).unwrap().mtime_nsec();
    std::thread::sleep(std::time::Duration::from_millis(20));
    for args in READS {
        let output = segscope(dir.path(), &db, args);
        assert!(output.status.success(), "{args:?}: {}", stderr(&output));
        assert!(
            std::fs::read(&db).unwrap() == bytes,
            "{args:?} changed the file"
        );
        assert_eq!(
            std::fs::metadata(&db).unwrap().mtime_nsec(),
            modified,
            "{args:?} wrote to the file"
        );
    }
    // `check` with the database, too.
    let output = segscope(dir.path(), &db, &["check", "all.seg"]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(
        std::fs::read(&db).unwrap() == bytes,
        "check changed the file"
    );
}

#[test]
fn read_commands_answer_from_a_read_only_mount_and_changes_are_refused() {
    let dir = tempfile::tempdir().unwrap();
    let db = build(dir.path());
    let expected: Vec<Vec<u8>> = READS
        .iter()
        .map(|args| segscope(dir.path(), &db, args).stdout)
        .collect();
    std::fs::create_dir(dir.path().join("ro")).unwrap();
    // Each command runs inside a private mount namespace where `ro` is the
    // data folder bound read-only; what they print is written beside it.
    let mut script =
        String::from("set -e\nmount --bind data ro\nmount -o remount,bind,ro ro\nset +e\n");
    for (index, args) in READS.iter().enumerate() {
        let quoted: Vec<String> = args.iter().map(|a| format!("'{a}'")).collect();
        script.push_str(&format!(
            "\"$BIN\" --db ro/db.redb {} > out-{index}.txt 2> err-{index}.txt; echo $? > status-{index}.txt\n",
            quoted.join(" ")
        ));
    }
    script.push_str(
        "\"$BIN\" --db ro/db.redb set --kind users u2 sessions_30d=1 2> set-err.txt; echo $? > set-status.txt\n",
    );
    let output = Command::new("unshare")
        .args(["--mount", "sh", "-c", &script])
        .current_dir(dir.path())
        .env("BIN", BIN)
        .env("SEGSCOPE_NOW", NOW)
        .env_remove("SEGSCOPE_DB")
        .stdin(Stdio::null())
        .output()
        .expect("run unshare");
    assert!(
        output.status.success(),
        "a read-only bind mount needs root and a private mount namespace (CI runs as root): {}",
        stderr(&output)
    );
    let read = |name: String| std::fs::read(dir.path().join(name)).unwrap();
    for (index, args) in READS.iter().enumerate() {
        let status = String::from_utf8(read(format!("status-{index}.txt"))).unwrap();
        assert_eq!(
            status.trim(),
            "0",
            "{args:?} on a read-only mount: {}",
            String::from_utf8_lossy(&read(format!("err-{index}.txt")))
        );
        assert!(
            read(format!("out-{index}.txt")) == expected[index],
            "{args:?} answered differently on the read-only mount"
        );
    }
    let status = String::from_utf8(read("set-status.txt".into())).unwrap();
    let error = String::from_utf8(read("set-err.txt".into())).unwrap();
    assert_eq!(status.trim(), "1", "{error}");
    assert!(error.contains("read-only"), "{error}");
    assert!(error.contains("db.redb"), "{error}");
}

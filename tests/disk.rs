//! The database when the operating system says no, through the real binary:
//! a disk that fills up during an import, the file-size limit (`ulimit -f`),
//! a file or folder this user may not use. The error says which it is and
//! names the file, and the database keeps what it held.
//!
//! The full disk is a real one: a 1 MiB tmpfs mounted in a private mount
//! namespace (`unshare --mount`, gone with the process), which only root may
//! make; as any other user that test fails and says so (never a silent
//! pass). Root may open any file, so as root the permission test runs
//! segscope as `nobody`.

#![cfg(unix)]

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

const BIN: &str = env!("CARGO_BIN_EXE_segscope");
const NOW: &str = "2024-06-15T12:00:00Z";

/// The user and group `nobody` on Linux.
const NOBODY: u32 = 65_534;

/// Three users: what the database holds before the import that fails.
const EARLIER: &str =
    "{\"id\": \"u1\", \"nps\": 9}\n{\"id\": \"u2\", \"nps\": 3}\n{\"id\": \"u3\"}\n";

/// Users taking about 5 MB: more than the small disk and the file-size
/// limit below leave room for.
fn many_users() -> String {
    (0..20_000)
        .map(|i| {
            format!(
                "{{\"id\": \"b{i}\", \"nps\": {}, \"bio\": \"{}\"}}\n",
                i % 11,
                "x".repeat(200)
            )
        })
        .collect()
}

/// `program` (a shell, `unshare`) in `directory`, with segscope as `$BIN`
/// and the fixed instant as `SEGSCOPE_NOW`, for scripts that run it.
fn script_command(directory: &Path, program: &str) -> Command {
    let mut command = Command::new(program);
    command
        .current_dir(directory)
        .env("BIN", BIN)
        .env("SEGSCOPE_NOW", NOW)
        .env_remove("SEGSCOPE_DB")
        .stdin(Stdio::null());
    command
}

fn segscope(directory: &Path, db: &Path, args: &[&str]) -> Command {
    segscope_at(Path::new(BIN), directory, db, args)
}

/// `segscope` run from the binary at `program`.
fn segscope_at(program: &Path, directory: &Path, db: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(program);
    command
        .arg("--db")
        .arg(db)
        .arg("--now")
        .arg(NOW)
        .args(args)
        .current_dir(directory)
        .env_remove("SEGSCOPE_DB")
        .env_remove("SEGSCOPE_NOW")
        .env("NO_COLOR", "1")
        .stdin(Stdio::null());
    command
}

fn run(mut command: Command) -> Output {
    command.output().expect("run segscope")
}

fn stderr(output: &Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A folder with the users file, the big file and a database holding the
/// EARLIER users.
struct Fixture {
    dir: tempfile::TempDir,
}

impl Fixture {
    fn new() -> Fixture {
        let dir = tempfile::tempdir().expect("a temporary directory");
        std::fs::write(dir.path().join("earlier.jsonl"), EARLIER).unwrap();
        std::fs::write(dir.path().join("many.jsonl"), many_users()).unwrap();
        Fixture { dir }
    }

    fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// A database holding the EARLIER users; returns its path.
    fn seeded(&self, name: &str) -> PathBuf {
        let db = self.path(name);
        let output = run(segscope(
            self.dir.path(),
            &db,
            &["import", "--kind", "users", "earlier.jsonl"],
        ));
        assert!(output.status.success(), "{}", stderr(&output));
        db
    }

    fn export(&self, db: &Path) -> String {
        let output = run(segscope(
            self.dir.path(),
            db,
            &["export", "--kind", "users"],
        ));
        assert!(output.status.success(), "{}", stderr(&output));
        String::from_utf8(output.stdout).unwrap()
    }

    /// The user this process runs as (the owner of a file it makes).
    fn effective_uid(&self) -> u32 {
        let probe = self.path("uid-probe");
        std::fs::write(&probe, "").unwrap();
        let uid = std::fs::metadata(&probe).unwrap().uid();
        std::fs::remove_file(&probe).unwrap();
        uid
    }
}

fn set_mode(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn a_full_disk_is_reported_as_a_full_disk_and_the_database_keeps_what_it_held() {
    let fixture = Fixture::new();
    // The project's machines and CI run as root; elsewhere this test fails
    // and says why rather than pass having tested nothing.
    assert_eq!(
        fixture.effective_uid(),
        0,
        "mounting a small disk needs root: run the tests as root (CI does)"
    );
    std::fs::create_dir(fixture.path("small-disk")).unwrap();
    // Everything happens inside the namespace, where the disk exists; what
    // the test checks is written beside it.
    let script = r#"
        set -e
        mount -t tmpfs -o size=1m tmpfs small-disk
        "$BIN" --db small-disk/db.redb import --kind users earlier.jsonl 2> /dev/null
        "$BIN" --db small-disk/db.redb export --kind users > before.jsonl
        set +e
        "$BIN" --db small-disk/db.redb import --kind users many.jsonl 2> error.txt
        echo $? > status.txt
        # How full the disk was when the import gave up (the next open may
        # give the space of the failed change back).
        df -k small-disk | tail -n 1 > free.txt
        set -e
        "$BIN" --db small-disk/db.redb export --kind users > after.jsonl
    "#;
    let output = script_command(fixture.dir.path(), "unshare")
        .args(["--mount", "sh", "-c", script])
        .output()
        .expect("run unshare");
    assert!(
        output.status.success(),
        "as root, a private mount namespace with a small tmpfs must be possible: {}",
        stderr(&output)
    );
    let read = |name: &str| std::fs::read_to_string(fixture.path(name)).unwrap();
    // The disk really was full when the import gave up.
    let free_kib: u64 = read("free.txt")
        .split_whitespace()
        .nth(3)
        .and_then(|field| field.parse().ok())
        .expect("df's available column");
    assert!(free_kib < 64, "{}", read("free.txt"));

    assert_eq!(read("status.txt").trim(), "1");
    let error = read("error.txt");
    assert_eq!(error.lines().count(), 1, "{error}");
    assert!(error.starts_with("error: cannot "), "{error}");
    assert!(
        error.contains(
            "small-disk/db.redb: the disk is full; free some space and run the command again; nothing was changed"
        ),
        "{error}"
    );
    assert!(!error.contains("damaged"), "{error}");

    let before = read("before.jsonl");
    assert_eq!(before.lines().count(), 3, "{before}");
    assert_eq!(read("after.jsonl"), before);
}

#[test]
fn the_file_size_limit_is_named_and_the_database_keeps_what_it_held() {
    let fixture = Fixture::new();
    let db = fixture.seeded("limited.redb");
    let before = fixture.export(&db);
    // SIGXFSZ ignored (as a shell's `trap '' XFSZ` leaves it to the program
    // it runs), a write past the limit fails with EFBIG instead of killing.
    let output = script_command(fixture.dir.path(), "sh")
        .args([
            "-c",
            r#"trap '' XFSZ; ulimit -f 2000; exec "$BIN" --db limited.redb import --kind users many.jsonl"#,
        ])
        .output()
        .expect("run sh");
    let error = stderr(&output);
    assert_eq!(output.status.code(), Some(1), "{error}");
    assert_eq!(error.lines().count(), 1, "{error}");
    assert!(
        error.contains(
            "limited.redb: the file would grow past the largest file this process may write (see `ulimit -f`); raise the limit and run the command again; nothing was changed"
        ),
        "{error}"
    );
    assert_eq!(fixture.export(&db), before);
}

/// The message for a database this user may not open or create.
fn permission_denied(verb: &str, db: &Path) -> String {
    format!(
        "error: cannot {verb} the database {}: permission denied; check the owner and permissions of the file and its folder (ls -l), or choose another file with --db",
        db.display()
    )
}

#[test]
fn a_database_this_user_may_not_use_is_a_permission_problem_not_damage() {
    let fixture = Fixture::new();
    let db = fixture.seeded("private.redb");
    let locked = fixture.path("locked");
    std::fs::create_dir(&locked).unwrap();
    let root = fixture.effective_uid() == 0;
    // Root may open anything: the commands run as `nobody`, to whom files
    // of root's with these modes are closed. Anyone else closes them to
    // themselves: a database they may read but not write, a folder they may
    // not write in.
    let (file_modes, folder_mode): (&[u32], u32) = if root {
        set_mode(fixture.dir.path(), 0o755);
        (&[0o600, 0o644], 0o755)
    } else {
        (&[0o400], 0o555)
    };
    // `nobody` may not reach the build's binary (a checkout in a private
    // folder): it runs a copy in the fixture's folder, open to all.
    let program = if root {
        let copy = fixture.path("segscope");
        std::fs::copy(BIN, &copy).unwrap();
        set_mode(&copy, 0o755);
        copy
    } else {
        PathBuf::from(BIN)
    };
    let as_tested_user = |db: &Path, args: &[&str]| {
        let mut command = segscope_at(&program, fixture.dir.path(), db, args);
        if root {
            command.uid(NOBODY).gid(NOBODY);
        }
        run(command)
    };
    let bytes = std::fs::read(&db).unwrap();
    for &mode in file_modes {
        set_mode(&db, mode);
        // A database the user may read but not write answers read commands
        // (they open it read-only) and refuses changes.
        let readable = !root || mode & 0o004 != 0;
        let read = as_tested_user(&db, &["segments"]);
        let change = as_tested_user(&db, &["set", "--kind", "users", "u1", "x=1"]);
        let refused: &[&std::process::Output] = if readable {
            assert!(read.status.success(), "mode {mode:o}: {}", stderr(&read));
            &[&change]
        } else {
            &[&read, &change]
        };
        for output in refused {
            assert_eq!(
                output.status.code(),
                Some(1),
                "mode {mode:o}: {}",
                stderr(output)
            );
            assert_eq!(
                stderr(output).trim_end(),
                permission_denied("open", &db),
                "mode {mode:o}"
            );
        }
        assert_eq!(std::fs::read(&db).unwrap(), bytes, "mode {mode:o}");
    }

    set_mode(&locked, folder_mode);
    let new_db = locked.join("new.redb");
    // A command that creates a database (read commands refuse a missing one).
    let empty = fixture.path("empty.seg");
    std::fs::write(&empty, "").unwrap();
    set_mode(&empty, 0o644);
    let empty = empty.display().to_string();
    let output = as_tested_user(&new_db, &["apply", &empty]);
    set_mode(&locked, 0o755);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    assert_eq!(
        stderr(&output).trim_end(),
        format!(
            "{}; nothing was changed",
            permission_denied("create", &new_db)
        )
    );
    assert!(!new_db.exists());

    set_mode(&db, 0o600);
    assert_eq!(fixture.export(&db).lines().count(), 3);
}

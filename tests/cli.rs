//! The headless commands the README lists, run as the real binary against a
//! database in a temporary directory, always evaluated as of one fixed
//! instant (`--now`): exit codes, what goes to stdout and what to stderr,
//! the output formats, import typing and its all-or-nothing rule, the
//! membership history, and the lock between processes.

use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tempfile::TempDir;

const BIN: &str = env!("CARGO_BIN_EXE_segscope");

/// The instant every command evaluates as of, unless a test says otherwise.
const NOW: &str = "2024-06-15T12:00:00Z";

/// Defined in this order on purpose: `segments` must still come out sorted
/// by name ("Active" before "Admins").
const SEGMENTS: &str = r#"segment "Pro accounts" for accounts {
  description "Accounts on the pro plan"
  where plan = "pro"
}

segment "Admins" for users {
  where role = "admin"
}

segment "Active" for users {
  description "Seen in the last 30 days"
  where last_seen_at > 30 days ago
}
"#;

const ACCOUNTS: &str = r#"{"id": "a1", "name": "Acme", "plan": "pro", "seats": 12}
{"id": "a2", "name": "Bolt", "plan": "free", "seats": 2}
"#;

/// As of NOW: u1 is active and an admin, u2 neither, u3 an admin.
const USERS: &str = r#"{"id": "u1", "account_id": "a1", "email": "ann@acme.example", "role": "admin", "last_seen_at": "2024-06-10T09:00:00Z", "tags": ["beta", "vip"]}
{"id": "u2", "account_id": "a2", "email": "bob@bolt.example", "role": "member", "last_seen_at": "2024-05-01"}
{"id": "u3", "email": "cy@mail.example", "role": "admin"}
"#;

const SUBCOMMANDS: [&str; 15] = [
    "demo", "check", "fmt", "apply", "import", "delete", "set", "segments", "query", "show",
    "export", "history", "run", "views", "explain",
];

// ---------------------------------------------------------------- helpers

/// What one run of the binary did.
#[derive(Debug)]
struct Ran {
    command: String,
    code: Option<i32>,
    stdout: String,
    stderr: String,
}

impl Ran {
    fn from_output(command: String, output: std::process::Output) -> Ran {
        let ran = Ran {
            command,
            code: output.status.code(),
            stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
        };
        assert!(
            !ran.stderr.contains("panicked") && !ran.stderr.contains("RUST_BACKTRACE"),
            "{ran}"
        );
        ran
    }

    /// Asserts the exit status; a user or usage error prints nothing on
    /// stdout and says something on stderr.
    fn expect(self, code: i32) -> Ran {
        assert_eq!(self.code, Some(code), "{self}");
        if code != 0 {
            assert_eq!(self.stdout, "", "an error printed data: {self}");
            assert!(!self.stderr.trim().is_empty(), "a silent error: {self}");
        }
        self
    }

    fn json_lines(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
            .collect()
    }

    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("{e}: {self}"))
    }
}

impl std::fmt::Display for Ran {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "`{}` exited with {:?}\n--- stdout\n{}--- stderr\n{}",
            self.command, self.code, self.stdout, self.stderr
        )
    }
}

/// A database file in a temporary directory, and the files around it.
struct Db {
    dir: TempDir,
    path: PathBuf,
}

impl Db {
    fn new() -> Db {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let path = dir.path().join("test.redb");
        Db { dir, path }
    }

    /// The segments, accounts and users above, applied and imported at NOW.
    fn seeded() -> Db {
        let db = Db::new();
        db.apply("segments.seg", SEGMENTS).expect(0);
        db.import("accounts", "a.jsonl", ACCOUNTS).expect(0);
        db.import("users", "u.jsonl", USERS).expect(0);
        db
    }

    /// Writes `contents` to a file named `name` and imports it.
    fn import(&self, kind: &str, name: &str, contents: &str) -> Ran {
        self.run(&["import", "--kind", kind, &self.write(name, contents)])
    }

    /// Writes `contents` to a file named `name` and applies it.
    fn apply(&self, name: &str, contents: &str) -> Ran {
        self.run(&["apply", &self.write(name, contents)])
    }

    /// Writes a file next to the database; returns its path.
    fn write(&self, name: &str, contents: &str) -> String {
        let path = self.dir.path().join(name);
        std::fs::write(&path, contents).expect("write a fixture");
        path.display().to_string()
    }

    fn command_at(&self, now: &str, args: &[&str]) -> Command {
        let mut command = Command::new(BIN);
        command
            .arg("--db")
            .arg(&self.path)
            .arg("--now")
            .arg(now)
            .args(args)
            .current_dir(self.dir.path())
            .env_remove("SEGSCOPE_DB")
            .env_remove("SEGSCOPE_NOW")
            .env("NO_COLOR", "1");
        command
    }

    fn run_at(&self, now: &str, args: &[&str]) -> Ran {
        let output = self.command_at(now, args).output().expect("run segscope");
        Ran::from_output(format!("segscope {}", args.join(" ")), output)
    }

    fn run(&self, args: &[&str]) -> Ran {
        self.run_at(NOW, args)
    }

    fn run_with_stdin(&self, args: &[&str], input: &str) -> Ran {
        let mut child = self
            .command_at(NOW, args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn segscope");
        child
            .stdin
            .take()
            .unwrap()
            .write_all(input.as_bytes())
            .unwrap();
        let output = child.wait_with_output().expect("wait for segscope");
        Ran::from_output(format!("segscope {} < input", args.join(" ")), output)
    }

    /// Runs `check` as with no database at hand (no --db, no SEGSCOPE_DB).
    fn check_alone(&self, files: &[&str]) -> Ran {
        let output = Command::new(BIN)
            .arg("check")
            .args(files)
            .current_dir(self.dir.path())
            .env_remove("SEGSCOPE_DB")
            .env("NO_COLOR", "1")
            .output()
            .expect("run segscope");
        Ran::from_output(format!("segscope check {}", files.join(" ")), output)
    }

    /// Runs a command that must succeed; returns its stdout.
    fn ok(&self, args: &[&str]) -> String {
        self.run(args).expect(0).stdout
    }

    /// Runs a command that must fail with a user error; returns its stderr.
    fn fails(&self, args: &[&str]) -> String {
        self.run(args).expect(1).stderr
    }

    /// Every entity of a kind, as `export` prints it (JSON lines).
    fn export(&self, kind: &str) -> Vec<Value> {
        self.run(&["export", "--kind", kind]).expect(0).json_lines()
    }

    /// One entity as exported.
    fn entity(&self, kind: &str, id: &str) -> Value {
        self.export(kind)
            .into_iter()
            .find(|e| e["id"] == id)
            .unwrap_or_else(|| panic!("no {kind} {id}"))
    }

    fn ids(&self, kind: &str) -> Vec<String> {
        let stdout = self.ok(&["query", "--kind", kind, "id is set", "--format", "ids"]);
        stdout.lines().map(str::to_string).collect()
    }

    /// Membership events as (at, event, segment, id), sorted.
    fn events(&self, filters: &[&str]) -> Vec<(String, String, String, String)> {
        let mut args = vec!["history", "--format", "jsonl"];
        args.extend(filters);
        let mut events: Vec<_> = self
            .run(&args)
            .expect(0)
            .json_lines()
            .into_iter()
            .map(|e| {
                let field = |name: &str| e[name].as_str().unwrap().to_string();
                (field("at"), field("event"), field("segment"), field("id"))
            })
            .collect();
        events.sort();
        events
    }

    /// Runs a command whose standard output is closed before it writes, as
    /// in `segscope ... | head -0`.
    fn run_with_closed_stdout(&self, args: &[&str]) -> Ran {
        let mut child = self
            .command_at(NOW, args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn segscope");
        drop(child.stdout.take());
        let output = child.wait_with_output().expect("wait for segscope");
        Ran::from_output(format!("segscope {} | head -0", args.join(" ")), output)
    }

    /// Starts a command that reads standard input from a pipe left open.
    fn spawn_reading_stdin(&self, args: &[&str]) -> Child {
        self.command_at(NOW, args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn segscope")
    }
}

fn event(at: &str, what: &str, segment: &str, id: &str) -> (String, String, String, String) {
    (at.into(), what.into(), segment.into(), id.into())
}

/// A JSON value with every number as f64: values are typed as numbers, and
/// 12 and 12.0 are the same one.
fn numbers_as_f64(value: Value) -> Value {
    match value {
        Value::Number(n) => json!(n.as_f64().unwrap()),
        Value::Array(items) => Value::Array(items.into_iter().map(numbers_as_f64).collect()),
        Value::Object(map) => Value::Object(
            map.into_iter()
                .map(|(k, v)| (k, numbers_as_f64(v)))
                .collect(),
        ),
        other => other,
    }
}

fn assert_same_json(actual: &Value, expected: Value) {
    assert_eq!(
        numbers_as_f64(actual.clone()),
        numbers_as_f64(expected),
        "actual: {actual}"
    );
}

fn ids_of(entities: &[Value]) -> Vec<&str> {
    entities.iter().map(|e| e["id"].as_str().unwrap()).collect()
}

/// The `file:line N:` prefixes of the row errors listed on stderr.
fn listed_lines(stderr: &str, file: &str) -> Vec<usize> {
    let name = Path::new(file).file_name().unwrap().to_str().unwrap();
    stderr
        .lines()
        .filter_map(|line| {
            let rest = line.split_once(&format!("{name}:line "))?.1;
            rest.split(':').next()?.parse().ok()
        })
        .collect()
}

// ---------------------------------------------------------------- usage

#[test]
fn help_works_for_every_subcommand() {
    let db = Db::new();
    let top = db.run(&["--help"]).expect(0);
    for subcommand in SUBCOMMANDS {
        assert!(top.stdout.contains(subcommand), "{subcommand} in {top}");
        let help = db.run(&[subcommand, "--help"]).expect(0);
        assert!(help.stdout.contains("Usage:"), "{help}");
        assert_eq!(help.stderr, "", "{help}");
    }
    assert!(!db.path.exists(), "--help created the database");
}

#[test]
fn usage_errors_exit_2() {
    let db = Db::seeded();
    let unknown_flag = db.run(&["segments", "--bogus"]).expect(2);
    assert!(unknown_flag.stderr.contains("--bogus"), "{unknown_flag}");
    db.run(&["import", "users.jsonl"]).expect(2); // no --kind
    db.run(&["query", "--kind", "people", "id is set"])
        .expect(2);
    db.run(&["no-such-command"]).expect(2);
    db.run(&["export", "--kind", "users", "--format", "xml"])
        .expect(2);
}

/// Every failure is printed once, as one `error:` line (one per file that
/// cannot be read), after whatever the command reported on the way.
#[test]
fn each_error_is_printed_once() {
    let db = Db::seeded();
    let segments = db.write("segments.seg", SEGMENTS);
    let cases: [(&[&str], &str); 9] = [
        (
            &["show", "--kind", "users", "nobody"],
            "there is no user with id \"nobody\"",
        ),
        (
            &["export", "--kind", "users", "--segment", "Nope"],
            "there is no segment named \"Nope\"",
        ),
        (&["set", "--kind", "users", "u1", "plan"], "has no `=`"),
        (
            &["set", "--kind", "users", "ghost", "plan=1"],
            "there is no user with id \"ghost\"",
        ),
        (
            &["delete", "--kind", "users", "ghost"],
            "nothing was changed",
        ),
        (
            &["query", "--kind", "users", "role = "],
            "the condition has errors",
        ),
        (
            &["import", "--kind", "users", "missing.jsonl"],
            "cannot read missing.jsonl",
        ),
        (
            &["check", "missing.seg", &segments],
            "cannot read missing.seg",
        ),
        (&["fmt", "missing.seg"], "cannot read missing.seg"),
    ];
    for (args, says) in cases {
        let stderr = db.fails(args);
        let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
        assert_eq!(errors.len(), 1, "{args:?}: {stderr}");
        assert!(errors[0].contains(says), "{args:?}: {stderr}");
    }
    let stderr = db.fails(&["apply", "one.seg", &segments, "two.seg"]);
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("error:")).collect();
    assert_eq!(
        errors,
        [
            "error: cannot read one.seg: No such file or directory",
            "error: cannot read two.seg: No such file or directory"
        ],
        "{stderr}"
    );
}

#[test]
fn bad_now_is_a_usage_error_naming_the_value() {
    let db = Db::seeded();
    let ran = db.run_at("yesterday", &["segments"]).expect(2);
    assert!(
        ran.stderr.contains("`yesterday` is not an instant"),
        "{ran}"
    );
    let ran = db.run_at("2024-13-45", &["segments"]).expect(2);
    assert!(ran.stderr.contains("2024-13-45"), "{ran}");
}

#[test]
fn the_environment_names_the_database_and_the_instant() {
    let db = Db::seeded();
    let output = Command::new(BIN)
        .args([
            "query",
            "--kind",
            "users",
            "in segment \"Active\"",
            "--format",
            "ids",
        ])
        .env("SEGSCOPE_DB", &db.path)
        .env("SEGSCOPE_NOW", NOW)
        .current_dir(db.dir.path())
        .output()
        .unwrap();
    let ran = Ran::from_output("query with SEGSCOPE_DB".into(), output).expect(0);
    assert_eq!(ran.stdout, "u1\n");
}

// ---------------------------------------------------------------- check and fmt

/// dsl.md rule 3 with data at hand: a property no entity has, and a literal
/// of a type the property never holds, are warnings with what was meant.
#[test]
fn query_warns_about_unknown_properties_and_unlike_types() {
    let db = Db::seeded();
    let ran = db
        .run(&[
            "query",
            "--kind",
            "users",
            "rol = \"admin\"",
            "--format",
            "ids",
        ])
        .expect(0);
    assert_eq!(ran.stdout, "");
    assert!(
        ran.stderr
            .contains("Warning: none of the 3 users has a property `rol`"),
        "{ran}"
    );
    assert!(ran.stderr.contains("did you mean `role`?"), "{ran}");

    let ran = db
        .run(&[
            "query",
            "--kind",
            "users",
            "plan = \"pro\"",
            "--format",
            "ids",
        ])
        .expect(0);
    assert!(
        ran.stderr
            .contains("accounts have `plan`: did you mean `account.plan`?"),
        "{ran}"
    );

    let ran = db
        .run(&[
            "query",
            "--kind",
            "accounts",
            "seats = \"12\"",
            "--format",
            "ids",
        ])
        .expect(0);
    assert!(
        ran.stderr.contains(
            "`seats` holds numbers (2 accounts) and never text, so this comparison of unlike types is true for no account"
        ),
        "{ran}"
    );
    assert!(
        ran.stderr
            .contains("did you mean 12 (a number, without quotes)?"),
        "{ran}"
    );

    // Names that exist, and built-ins, earn nothing.
    let ran = db
        .run(&[
            "query",
            "--kind",
            "users",
            "role = \"admin\" and account.seats > 3 and id is set and segments has \"Active\"",
            "--format",
            "ids",
        ])
        .expect(0);
    assert!(!ran.stderr.contains("Warning"), "{ran}");
}

#[test]
fn columns_naming_an_unknown_property_is_an_error() {
    let db = Db::seeded();
    let stderr = db.fails(&[
        "query",
        "--kind",
        "users",
        "id is set",
        "--columns",
        "email,emial",
    ]);
    assert!(
        stderr.contains(
            "--columns: none of the 3 users has a property `emial`; did you mean `email`?"
        ),
        "{stderr}"
    );
    db.ok(&[
        "query",
        "--kind",
        "users",
        "id is set",
        "--columns",
        "email,account_id,segments",
    ]);
}

/// `check` without a database knows only its files; with `--db` it checks
/// as `apply` would there, and reports the data's warnings.
#[test]
fn check_with_a_database_resolves_against_it_and_warns_from_its_data() {
    let db = Db::seeded();
    let file = db.write(
        "uses.seg",
        "segment \"Active admins\" for users {\n  where in segment \"Admins\" and last_sen_at is set\n}\n",
    );
    let alone = Command::new(BIN)
        .args(["check", &file])
        .env_remove("SEGSCOPE_DB")
        .output()
        .unwrap();
    assert_eq!(alone.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&alone.stderr).contains("there is no segment named \"Admins\"")
    );

    let ran = db.run(&["check", &file]).expect(0);
    assert!(
        ran.stderr
            .contains("checked 1 file: 1 definition, 1 warning"),
        "{ran}"
    );
    assert!(ran.stderr.contains("did you mean `last_seen_at`?"), "{ran}");

    // Apply agrees, and warns the same way without refusing.
    let ran = db.run(&["apply", &file]).expect(0);
    assert!(ran.stderr.contains("did you mean `last_seen_at`?"), "{ran}");
    assert!(
        ran.stderr.contains("applied: 1 added (Active admins)"),
        "{ran}"
    );

    let missing = Command::new(BIN)
        .args(["--db", "/nonexistent/x.redb", "check", &file])
        .output()
        .unwrap();
    assert_eq!(missing.status.code(), Some(1));
}

/// A syntax error in one definition no longer hides an unknown reference in
/// another; a reference to the broken definition itself is still not called
/// unknown.
#[test]
fn check_reports_every_problem_it_can_reach() {
    let db = Db::new();
    let file = db.write(
        "seven.seg",
        "segment \"Broken\" for users {\n  where plan = = 3\n}\n\n\
         segment \"B\" for users {\n  where in segment \"Chamions\" or in segment \"Broken\"\n}\n\n\
         segment \"Champions\" for users {\n  where role = \"x\"\n}\n",
    );
    let stderr = db.check_alone(&[&file]).expect(1).stderr;
    assert!(
        stderr.contains("there is no segment named \"Chamions\""),
        "{stderr}"
    );
    assert!(stderr.contains("did you mean \"Champions\"?"), "{stderr}");
    assert!(!stderr.contains("no segment named \"Broken\""), "{stderr}");
    assert!(stderr.contains("check failed: 2 errors"), "{stderr}");
}

#[test]
fn check_reports_errors_with_their_location_and_exits_1() {
    let db = Db::new();
    let good = db.write("good.seg", SEGMENTS);
    let ran = db.check_alone(&[&good]).expect(0);
    assert_eq!(ran.stdout, "");
    assert!(ran.stderr.contains("3 definitions"), "{ran}");

    let bad = db.write("bad.seg", "segment \"X\" for users {\n  where plan = \n}\n");
    let stderr = db.check_alone(&[&good, &bad]).expect(1).stderr;
    assert!(stderr.contains("bad.seg:3:1"), "{stderr}");
    assert!(stderr.contains("check failed: 1 error"), "{stderr}");

    let reference = db.write(
        "ref.seg",
        "segment \"Y\" for users {\n  where in segment \"Nope\"\n}\n",
    );
    let stderr = db.check_alone(&[&reference]).expect(1).stderr;
    assert!(
        stderr.contains("Nope") && stderr.contains("ref.seg:2:"),
        "{stderr}"
    );

    let stderr = db.check_alone(&["missing.seg"]).expect(1).stderr;
    assert!(stderr.contains("cannot read missing.seg"), "{stderr}");
    assert!(!db.path.exists(), "check created the database");
}

#[test]
fn fmt_rewrites_files_in_canonical_form_and_check_reports_changes() {
    let db = Db::new();
    let messy = "# the admins\nsegment   \"A\"  for users { where  role=\"admin\" } # kept\n";
    let canonical = "# the admins\nsegment \"A\" for users {\n  where role = \"admin\"\n} # kept\n";
    let file = db.write("messy.seg", messy);

    // --check prints the diff on stdout (see fmt_check_prints_a_diff).
    let ran = db.run(&["fmt", "--check", &file]);
    assert_eq!(ran.code, Some(1), "{ran}");
    assert!(ran.stderr.contains("messy.seg is not formatted"), "{ran}");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), messy);

    assert_eq!(db.ok(&["fmt", &file]), "");
    assert_eq!(std::fs::read_to_string(&file).unwrap(), canonical);
    db.ok(&["fmt", "--check", &file]);

    let ran = db.run_with_stdin(&["fmt", "-"], messy).expect(0);
    assert_eq!(ran.stdout, canonical);

    let broken = db.write("broken.seg", "segment \"A\" for users {\n");
    db.fails(&["fmt", &broken]);
    assert_eq!(
        std::fs::read_to_string(&broken).unwrap(),
        "segment \"A\" for users {\n"
    );
}

/// `fmt` of a symbolic link formats its target (atomically, in the
/// target's folder) and leaves the link a link; a new file follows the
/// umask like any other.
#[cfg(unix)]
#[test]
fn fmt_writes_through_a_symbolic_link_to_its_target() {
    use std::os::unix::fs::PermissionsExt;
    let db = Db::new();
    let messy = "segment   \"A\"  for users { where  role=\"admin\" }\n";
    let canonical = "segment \"A\" for users {\n  where role = \"admin\"\n}\n";
    let shared = db.dir.path().join("shared");
    std::fs::create_dir(&shared).unwrap();
    let target = shared.join("team.seg");
    std::fs::write(&target, messy).unwrap();
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o640)).unwrap();
    let link = db.dir.path().join("link.seg");
    std::os::unix::fs::symlink(&target, &link).unwrap();

    assert_eq!(db.ok(&["fmt", &link.display().to_string()]), "");
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink(),
        "the link is still a link"
    );
    assert_eq!(std::fs::read_to_string(&target).unwrap(), canonical);
    let mode = std::fs::metadata(&target).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o640, "the target keeps its permissions");
    let leftovers: Vec<_> = std::fs::read_dir(&shared)
        .unwrap()
        .chain(std::fs::read_dir(db.dir.path()).unwrap())
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.contains("segscope-tmp"))
        .collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

// ---------------------------------------------------------------- apply

#[test]
fn apply_reports_on_stderr_and_records_every_member_entering() {
    let db = Db::new();
    db.import("accounts", "a.jsonl", ACCOUNTS).expect(0);
    db.import("users", "u.jsonl", USERS).expect(0);
    assert_eq!(db.events(&[]), vec![]);

    let ran = db.apply("s.seg", SEGMENTS).expect(0);
    assert_eq!(ran.stdout, "");
    assert!(ran.stderr.contains("3 added"), "{ran}");
    assert_eq!(
        db.events(&[]),
        vec![
            event(NOW, "entered", "Active", "u1"),
            event(NOW, "entered", "Admins", "u1"),
            event(NOW, "entered", "Admins", "u3"),
            event(NOW, "entered", "Pro accounts", "a1"),
        ]
    );

    let again = db.apply("s.seg", SEGMENTS).expect(0);
    assert!(again.stderr.contains("3 unchanged"), "{again}");
    assert_eq!(db.events(&[]).len(), 4, "re-applying recorded events");
}

fn segment_names(db: &Db) -> Vec<String> {
    db.run(&["segments", "--format", "json"])
        .expect(0)
        .json()
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["name"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn apply_is_declarative_per_file() {
    let db = Db::seeded();
    let other = db.write(
        "other.seg",
        "segment \"Members\" for users {\n  where role = \"member\"\n}\n",
    );
    db.ok(&["apply", &other]);
    assert_eq!(
        segment_names(&db),
        ["Active", "Admins", "Members", "Pro accounts"]
    );

    // "Admins" is gone from segments.seg: it goes from the database, with
    // its members exiting; "Members" from the other file stays.
    let without_admins = SEGMENTS.replace(
        "segment \"Admins\" for users {\n  where role = \"admin\"\n}\n",
        "",
    );
    let later = "2024-06-16T00:00:00Z";
    let ran = db
        .run_at(
            later,
            &["apply", &db.write("segments.seg", &without_admins)],
        )
        .expect(0);
    assert!(ran.stderr.contains("1 removed (Admins)"), "{ran}");
    assert_eq!(segment_names(&db), ["Active", "Members", "Pro accounts"]);
    assert_eq!(
        db.events(&["--since", later]),
        vec![
            event(later, "exited", "Admins", "u1"),
            event(later, "exited", "Admins", "u3"),
        ]
    );
    assert_same_json(&db.entity("users", "u1")["segments"], json!(["Active"]));
}

#[test]
fn apply_knows_a_file_by_any_path_to_it() {
    let db = Db::new();
    db.write("segments.seg", SEGMENTS);
    let absolute = db.dir.path().join("segments.seg");
    db.ok(&["apply", "segments.seg"]);
    for path in ["./segments.seg", absolute.to_str().unwrap()] {
        let ran = db.run(&["apply", path]).expect(0);
        assert!(ran.stderr.contains("3 unchanged"), "{ran}");
    }
}

#[test]
fn apply_refuses_a_name_another_file_holds() {
    let db = Db::seeded();
    let before = db.export("users");
    let thief = db.write(
        "thief.seg",
        "segment \"Admins\" for users {\n  where role = \"owner\"\n}\n",
    );
    let stderr = db.fails(&["apply", &thief]);
    assert!(
        stderr.contains("a segment named \"Admins\" is already defined in")
            && stderr.contains("segments.seg"),
        "{stderr}"
    );
    assert!(stderr.contains("thief.seg:1:9"), "{stderr}");
    assert!(stderr.contains("nothing was applied"), "{stderr}");
    assert_eq!(db.export("users"), before);
}

#[test]
fn apply_is_all_or_nothing_across_files() {
    let db = Db::seeded();
    let segments_before = db.ok(&["segments", "--format", "json"]);
    let events_before = db.events(&[]);
    let good = db.write(
        "good.seg",
        "segment \"Members\" for users {\n  where role = \"member\"\n}\n",
    );
    let bad = db.write(
        "bad.seg",
        "segment \"Broken\" for users {\n  where role = \n}\n",
    );
    let stderr = db.fails(&["apply", &good, &bad]);
    assert!(stderr.contains("bad.seg:3:1"), "{stderr}");
    assert!(stderr.contains("nothing was applied: 1 error"), "{stderr}");
    assert_eq!(db.ok(&["segments", "--format", "json"]), segments_before);
    assert_eq!(db.events(&[]), events_before);

    // A file that cannot be read fails the command the same way.
    db.fails(&["apply", &good, "missing.seg"]);
    assert_eq!(db.ok(&["segments", "--format", "json"]), segments_before);
}

#[test]
fn apply_rejects_a_reference_to_a_missing_segment() {
    let db = Db::seeded();
    let file = db.write(
        "ref.seg",
        "segment \"Pro users\" for users {\n  where account in segment \"Enterprise\"\n}\n",
    );
    let stderr = db.fails(&["apply", &file]);
    assert!(
        stderr.contains("Enterprise") && stderr.contains("ref.seg:2:"),
        "{stderr}"
    );
    assert!(!segment_names(&db).contains(&"Pro users".to_string()));
}

// ---------------------------------------------------------------- import

#[test]
fn exported_entities_are_flat_objects_with_sorted_segments() {
    let db = Db::seeded();
    let users = db.export("users");
    assert_eq!(ids_of(&users), ["u1", "u2", "u3"]);
    assert_same_json(
        &users[0],
        json!({
            "id": "u1",
            "account_id": "a1",
            "email": "ann@acme.example",
            "role": "admin",
            "last_seen_at": "2024-06-10T09:00:00Z",
            "tags": ["beta", "vip"],
            "segments": ["Active", "Admins"],
        }),
    );
    assert_same_json(
        &users[1],
        json!({
            "id": "u2",
            "account_id": "a2",
            "email": "bob@bolt.example",
            "role": "member",
            "last_seen_at": "2024-05-01T00:00:00Z",
            "segments": [],
        }),
    );
    assert_eq!(users[2]["account_id"], Value::Null, "{}", users[2]);
    assert_same_json(
        &db.export("accounts")[0],
        json!({"id": "a1", "name": "Acme", "plan": "pro", "seats": 12, "segments": ["Pro accounts"]}),
    );
    assert!(db.export("accounts")[0].get("account_id").is_none());
}

#[test]
fn import_types_json_values() {
    let db = Db::new();
    let file = db.write(
        "typed.jsonl",
        concat!(
            r#"{"id": "t1", "text": "hello", "n": 42, "f": -3.5, "big": 1e6, "yes": true, "no": false, "#,
            r#""day": "2024-05-01", "instant": "2024-05-01T10:30:00+02:00", "not_a_date": "2024-02-30", "#,
            r#""words": "2024-05-01 or so", "list": ["a", 1, true, "2024-05-01"], "empty": [], "gone": null}"#,
            "\n",
            r#"{"id": 7, "account_id": 12}"#,
            "\n",
        ),
    );
    db.ok(&["import", "--kind", "users", &file]);
    let users = db.export("users");
    assert_eq!(ids_of(&users), ["7", "t1"], "whole-number ids are text");
    assert_same_json(
        &users[1],
        json!({
            "id": "t1",
            "account_id": null,
            "text": "hello",
            "n": 42,
            "f": -3.5,
            "big": 1000000,
            "yes": true,
            "no": false,
            "day": "2024-05-01T00:00:00Z",
            "instant": "2024-05-01T08:30:00Z",
            "not_a_date": "2024-02-30",
            "words": "2024-05-01 or so",
            "list": ["a", 1, true, "2024-05-01T00:00:00Z"],
            "empty": [],
            "segments": [],
        }),
    );
    assert_eq!(users[0]["account_id"], "12");
    // The types are the language's: a datetime compares as one.
    let stdout = db.ok(&[
        "query",
        "--kind",
        "users",
        "day = 2024-05-01 and n > 41.5 and yes = true",
        "--format",
        "ids",
    ]);
    assert_eq!(stdout, "t1\n");
}

#[test]
fn import_types_csv_cells() {
    let db = Db::new();
    let file = db.write(
        "typed.csv",
        "id,account_id,n,f,e,yes,no,day,instant,text,blank\n\
         c1,007,-12,3.5,1e6,TRUE,False,2024-05-01,2024-05-01T10:30:00+02:00,hello world,\n\
         c2,,0,.5,1E-3,tRuE,false,2024-02-29,2024-05-01T10:30:00Z,\"Doe, Jane\",x\n",
    );
    db.ok(&["import", "--kind", "users", &file]);
    let users = db.export("users");
    assert_same_json(
        &users[0],
        json!({
            "id": "c1", "account_id": "007", "n": -12, "f": 3.5, "e": 1000000,
            "yes": true, "no": false, "day": "2024-05-01T00:00:00Z",
            "instant": "2024-05-01T08:30:00Z", "text": "hello world", "segments": [],
        }),
    );
    assert_same_json(
        &users[1],
        json!({
            "id": "c2", "account_id": null, "n": 0, "f": 0.5, "e": 0.001,
            "yes": true, "no": false, "day": "2024-02-29T00:00:00Z",
            "instant": "2024-05-01T10:30:00Z", "text": "Doe, Jane", "blank": "x", "segments": [],
        }),
    );
}

#[test]
fn import_reads_a_json_array() {
    let db = Db::new();
    let file = db.write(
        "accounts.json",
        "[\n  {\"id\": \"a1\", \"plan\": \"pro\"},\n  {\"id\": \"a2\",\n   \"plan\": \"free\"}\n]\n",
    );
    let ran = db.run(&["import", "--kind", "accounts", &file]).expect(0);
    assert!(ran.stderr.contains("2 created"), "{ran}");
    assert_eq!(db.ids("accounts"), ["a1", "a2"]);
    db.import("accounts", "empty.json", " [ ] ").expect(0);
    assert_eq!(db.ids("accounts"), ["a1", "a2"]);
}

#[test]
fn import_reads_json_lines_from_stdin() {
    let db = Db::seeded();
    let ran = db
        .run_with_stdin(
            &["import", "--kind", "users", "-"],
            "{\"id\": \"u4\", \"role\": \"admin\"}\n\n{\"id\": \"u1\", \"role\": \"member\"}\n",
        )
        .expect(0);
    assert_eq!(ran.stdout, "");
    assert!(ran.stderr.contains("1 created, 1 updated"), "{ran}");
    assert_eq!(db.ids("users"), ["u1", "u2", "u3", "u4"]);
    assert_eq!(db.entity("users", "u1")["role"], "member");
}

#[test]
fn import_merges_properties_null_removes_absent_keeps() {
    let db = Db::seeded();
    let file = db.write(
        "merge.jsonl",
        "{\"id\": \"u1\", \"role\": \"owner\", \"tags\": null, \"nps\": 9}\n",
    );
    db.ok(&["import", "--kind", "users", &file]);
    assert_same_json(
        &db.entity("users", "u1"),
        json!({
            "id": "u1", "account_id": "a1", "email": "ann@acme.example", "role": "owner",
            "last_seen_at": "2024-06-10T09:00:00Z", "nps": 9, "segments": ["Active"],
        }),
    );
    assert_eq!(
        db.entity("users", "u2")["role"],
        "member",
        "others untouched"
    );
}

#[test]
fn an_empty_csv_cell_unsets_the_property_when_merging() {
    let db = Db::seeded();
    let file = db.write("merge.csv", "id,role,nps\nu1,,8\n");
    db.ok(&["import", "--kind", "users", &file]);
    let user = db.entity("users", "u1");
    assert!(user.get("role").is_none(), "{user}");
    assert_eq!(user["nps"], 8.0);
    assert_eq!(
        user["email"], "ann@acme.example",
        "columns not in the file are kept"
    );
    assert_same_json(&user["segments"], json!(["Active"]));
}

#[test]
fn import_replace_replaces_whole_entities() {
    let db = Db::seeded();
    let file = db.write("replace.jsonl", "{\"id\": \"u1\", \"nps\": 10}\n");
    db.ok(&["import", "--kind", "users", "--replace", &file]);
    assert_same_json(
        &db.entity("users", "u1"),
        json!({"id": "u1", "account_id": null, "nps": 10, "segments": []}),
    );
    assert_eq!(
        db.ids("users"),
        ["u1", "u2", "u3"],
        "--replace keeps other entities"
    );
}

#[test]
fn import_with_bad_rows_lists_them_by_line_and_writes_nothing() {
    let cases = [
        (
            "bad.jsonl",
            concat!(
                "{\"id\": \"n1\", \"role\": \"admin\"}\n",
                "{\"id\": \"n2\", \"address\": {\"city\": \"Oslo\"}}\n",
                "not json\n",
                "{\"id\": \"u1\", \"role\": \"member\"}\n",
                "{\"role\": \"admin\"}\n",
                "[1, 2]\n",
            ),
            vec![2, 3, 5, 6],
        ),
        (
            "bad.json",
            "[\n  {\"id\": \"n1\"},\n  {\"id\": \"n2\",\n   \"x\": {\"y\": 1}},\n  {\"id\": \"\"}\n]\n",
            vec![3, 5],
        ),
        (
            "bad.csv",
            "id,n\nn1,1\nn2\nn3,1e999\n,4\nu1,5\n",
            vec![3, 4, 5],
        ),
    ];
    for (name, contents, lines) in cases {
        let db = Db::seeded();
        let users = db.export("users");
        let events = db.events(&[]);
        let file = db.write(name, contents);
        let stderr = db.fails(&["import", "--kind", "users", &file]);
        assert_eq!(listed_lines(&stderr, &file), lines, "{name}: {stderr}");
        assert!(
            stderr.contains(&format!("nothing was imported: {} bad row", lines.len())),
            "{name}: {stderr}"
        );
        assert_eq!(db.export("users"), users, "{name} wrote rows");
        assert_eq!(db.events(&[]), events, "{name} recorded events");
    }
}

#[test]
fn import_names_the_line_and_key_of_a_nested_object() {
    let db = Db::new();
    let file = db.write(
        "nested.jsonl",
        "{\"id\": \"u1\"}\n{\"id\": \"u2\", \"address\": {\"city\": \"Oslo\"}}\n",
    );
    let stderr = db.fails(&["import", "--kind", "users", &file]);
    assert!(
        stderr.contains("nested.jsonl:line 2: key \"address\" holds an object"),
        "{stderr}"
    );
    assert_eq!(db.ids("users"), Vec::<String>::new());
}

#[test]
fn import_lists_the_first_20_errors_and_counts_the_rest() {
    let db = Db::new();
    let contents: String = (0..25)
        .map(|i| format!("{{\"id\": \"u{i}\", \"o\": {{}}}}\n"))
        .collect();
    let file = db.write("many.jsonl", &contents);
    let stderr = db.fails(&["import", "--kind", "users", &file]);
    assert_eq!(
        listed_lines(&stderr, &file),
        (1..=20).collect::<Vec<_>>(),
        "{stderr}"
    );
    assert!(stderr.contains("... and 5 more bad rows"), "{stderr}");
    assert!(stderr.contains("25 bad rows"), "{stderr}");
}

#[test]
fn import_skip_invalid_imports_the_good_rows_and_reports_the_rest() {
    let db = Db::seeded();
    let file = db.write(
        "mixed.jsonl",
        "{\"id\": \"u4\"}\n{\"id\": \"u5\", \"o\": {}}\nnope\n{\"id\": \"u6\", \"role\": \"admin\"}\n",
    );
    let ran = db
        .run(&["import", "--kind", "users", "--skip-invalid", &file])
        .expect(0);
    assert_eq!(ran.stdout, "");
    assert!(ran.stderr.contains("2 created"), "{ran}");
    assert!(ran.stderr.contains("skipped 2 invalid rows"), "{ran}");
    assert_eq!(listed_lines(&ran.stderr, &file), [2, 3], "{ran}");
    assert_eq!(db.ids("users"), ["u1", "u2", "u3", "u4", "u6"]);
    assert!(
        db.events(&["--id", "u6"])
            .contains(&event(NOW, "entered", "Admins", "u6"))
    );
}

#[test]
fn import_limits_are_row_errors() {
    let db = Db::new();
    let long_name = "p".repeat(129);
    let long_text = "x".repeat(64 * 1024 + 1);
    let long_list = serde_json::to_string(&vec![1; 1001]).unwrap();
    let over = format!(
        "{{\"id\": \"u1\", \"{long_name}\": 1}}\n{{\"id\": \"u2\", \"s\": \"{long_text}\"}}\n{{\"id\": \"u3\", \"l\": {long_list}}}\n{{\"id\": \"u4\"}}\n"
    );
    let file = db.write("over.jsonl", &over);
    let stderr = db.fails(&["import", "--kind", "users", &file]);
    assert_eq!(listed_lines(&stderr, &file), [1, 2, 3], "{stderr}");
    assert!(stderr.contains("at most 128 bytes"), "{stderr}");
    assert!(stderr.contains("65537 bytes"), "{stderr}");
    assert!(stderr.contains("1001 elements"), "{stderr}");
    assert_eq!(db.ids("users"), Vec::<String>::new());

    // Exactly at the limits is fine.
    let name = "p".repeat(128);
    let text = "x".repeat(64 * 1024);
    let list = serde_json::to_string(&vec![1; 1000]).unwrap();
    let at = format!("{{\"id\": \"u1\", \"{name}\": 1, \"s\": \"{text}\", \"l\": {list}}}\n");
    db.import("users", "at.jsonl", &at).expect(0);
    let user = db.entity("users", "u1");
    assert_eq!(user[name.as_str()], 1.0);
    assert_eq!(user["s"].as_str().unwrap().len(), 64 * 1024);
    assert_eq!(user["l"].as_array().unwrap().len(), 1000);
}

#[test]
fn import_of_a_missing_file_or_an_unknown_extension_fails_clearly() {
    let db = Db::seeded();
    let users = db.export("users");
    let stderr = db.fails(&["import", "--kind", "users", "missing.jsonl"]);
    assert!(stderr.contains("cannot read missing.jsonl"), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");

    let txt = db.write("users.txt", USERS);
    let stderr = db.fails(&["import", "--kind", "users", &txt]);
    assert!(stderr.contains("name it .jsonl, .json or .csv"), "{stderr}");

    let not_array = db.write("object.json", "{\"id\": \"u9\"}");
    let stderr = db.fails(&["import", "--kind", "users", &not_array]);
    assert!(stderr.contains("one array of objects"), "{stderr}");

    let no_id = db.write("no-id.csv", "name,role\nx,admin\n");
    let stderr = db.fails(&["import", "--kind", "users", &no_id]);
    assert!(stderr.contains("no `id` column"), "{stderr}");
    assert_eq!(db.export("users"), users);
}

// ---------------------------------------------------------------- set and delete

#[test]
fn set_changes_properties_with_literal_syntax() {
    let db = Db::seeded();
    let ran = db
        .run(&[
            "set",
            "--kind",
            "users",
            "u2",
            "role=\"admin\"",
            "seats=12",
            "vip=true",
            "since=2024-05-01",
            "at=2024-05-01T10:30:00+02:00",
            "tags=[\"a\", 'b']",
            "score=-3.5",
        ])
        .expect(0);
    assert_eq!(ran.stdout, "");
    assert_same_json(
        &db.entity("users", "u2"),
        json!({
            "id": "u2", "account_id": "a2", "email": "bob@bolt.example", "role": "admin",
            "last_seen_at": "2024-05-01T00:00:00Z", "seats": 12, "vip": true,
            "since": "2024-05-01T00:00:00Z", "at": "2024-05-01T08:30:00Z",
            "tags": ["a", "b"], "score": -3.5, "segments": ["Admins"],
        }),
    );
}

#[test]
fn set_with_an_empty_value_unsets_the_property() {
    let db = Db::seeded();
    db.ok(&["set", "--kind", "users", "u1", "tags=", "role="]);
    let user = db.entity("users", "u1");
    assert!(
        user.get("tags").is_none() && user.get("role").is_none(),
        "{user}"
    );
    assert_same_json(&user["segments"], json!(["Active"]));
}

#[test]
fn set_with_bad_input_changes_nothing() {
    let db = Db::seeded();
    let users = db.export("users");
    for (assignments, says) in [
        (vec!["role=admin"], "the value of `role`"),
        (vec!["seats=12", "nps=9x"], "the value of `nps`"),
        (vec!["tags=[\"a\""], "the value of `tags`"),
        (vec!["role"], "has no `=`"),
        (vec!["id=\"u9\""], "`id` cannot be set"),
        (vec!["account_id=true"], "`account_id` must be text"),
    ] {
        let mut args = vec!["set", "--kind", "users", "u1"];
        args.extend(&assignments);
        let stderr = db.fails(&args);
        assert!(stderr.contains(says), "{assignments:?}: {stderr}");
    }
    let stderr = db.fails(&["set", "--kind", "users", "nobody", "role=\"admin\""]);
    assert!(
        stderr.contains("there is no user with id \"nobody\""),
        "{stderr}"
    );
    let stderr = db.fails(&["set", "--kind", "accounts", "u1", "plan=\"pro\""]);
    assert!(
        stderr.contains("there is no account with id \"u1\""),
        "{stderr}"
    );
    assert_eq!(db.export("users"), users);
}

/// One rule for the computed `segments` in `import` and `set`: left out,
/// and said so, whatever it holds; everything else in the row or command
/// is taken.
#[test]
fn import_and_set_both_leave_a_segments_field_out_and_say_so() {
    let db = Db::seeded();
    let before = db.entity("users", "u1");
    let rows = db.write(
        "with-segments.jsonl",
        "{\"id\":\"u1\",\"role\":\"admin\",\"segments\":[\"Made up\"]}\n\
         {\"id\":\"u2\",\"segments\":{\"odd\":1}}\n",
    );
    let ran = db.run(&["import", "--kind", "users", &rows]).expect(0);
    assert!(
        ran.stderr
            .contains("left out the `segments` field of 2 rows: segscope computes it"),
        "{}",
        ran.stderr
    );
    let u1 = db.entity("users", "u1");
    assert_eq!(u1["role"], json!("admin"));
    assert_same_json(&u1["segments"], before["segments"].clone());

    let csv = db.write(
        "with-segments.csv",
        "id,segments,seats\nu1,\"[\"\"X\"\"]\",7\n",
    );
    let ran = db.run(&["import", "--kind", "users", &csv]).expect(0);
    assert!(
        ran.stderr.contains("`segments` field of 1 row:"),
        "{}",
        ran.stderr
    );
    assert_eq!(db.entity("users", "u1")["seats"], json!(7));

    let ran = db
        .run(&[
            "set",
            "--kind",
            "users",
            "u1",
            "segments=[\"X\"]",
            "seats=8",
        ])
        .expect(0);
    assert!(ran.stderr.contains("left out `segments`"), "{}", ran.stderr);
    assert!(ran.stderr.contains("updated user u1"), "{}", ran.stderr);
    let u1 = db.entity("users", "u1");
    assert_eq!(u1["seats"], json!(8));
    assert_same_json(&u1["segments"], before["segments"].clone());

    let export = db.export("users");
    let ran = db
        .run(&["set", "--kind", "users", "u1", "segments=[]"])
        .expect(0);
    assert!(ran.stderr.contains("nothing else to set"), "{}", ran.stderr);
    assert_eq!(db.export("users"), export);
    let stderr = db.fails(&["set", "--kind", "users", "nobody", "segments=[]"]);
    assert!(
        stderr.contains("there is no user with id \"nobody\""),
        "{stderr}"
    );
}

#[test]
fn delete_removes_entities_and_their_membership() {
    let db = Db::seeded();
    let later = "2024-06-16T08:00:00Z";
    let ran = db
        .run_at(later, &["delete", "--kind", "users", "u1", "u2"])
        .expect(0);
    assert_eq!(ran.stdout, "");
    assert_eq!(db.ids("users"), ["u3"]);
    assert_eq!(
        db.events(&["--since", later]),
        vec![
            event(later, "exited", "Active", "u1"),
            event(later, "exited", "Admins", "u1"),
        ]
    );
    db.fails(&["show", "--kind", "users", "u1"]);
    // The account lost its user.
    let account = db
        .run(&["show", "--kind", "accounts", "a1", "--format", "json"])
        .expect(0)
        .json();
    assert_eq!(account["users_count"], 0);
}

#[test]
fn delete_of_an_unknown_id_changes_nothing() {
    let db = Db::seeded();
    let users = db.export("users");
    let stderr = db.fails(&["delete", "--kind", "users", "u1", "ghost"]);
    assert!(
        stderr.contains("\"ghost\"") && stderr.contains("nothing was changed"),
        "{stderr}"
    );
    assert_eq!(db.export("users"), users);
    assert_eq!(db.events(&[]).len(), 4);
}

// ---------------------------------------------------------------- membership history

#[test]
fn set_records_entering_and_exiting_at_the_given_instant() {
    let db = Db::seeded();
    let later = "2024-06-16T00:00:00Z";
    let ran = db
        .run_at(later, &["set", "--kind", "users", "u2", "role=\"admin\""])
        .expect(0);
    assert!(ran.stderr.contains("Admins: +1 entered"), "{ran}");
    db.run_at(later, &["set", "--kind", "users", "u1", "role=\"owner\""])
        .expect(0);
    assert_eq!(
        db.events(&["--since", later]),
        vec![
            event(later, "entered", "Admins", "u2"),
            event(later, "exited", "Admins", "u1"),
        ]
    );
    // A set that changes no membership records nothing.
    db.run_at(later, &["set", "--kind", "users", "u2", "nps=3"])
        .expect(0);
    assert_eq!(db.events(&["--since", later]).len(), 2);
}

#[test]
fn history_filters_and_formats() {
    let db = Db::seeded();
    let later = "2024-06-20T00:00:00Z";
    db.run_at(later, &["set", "--kind", "users", "u3", "role=\"member\""])
        .expect(0);

    let table = db.ok(&["history", "--format", "table"]);
    let mut lines = table.lines();
    assert_eq!(
        lines.next().unwrap().split_whitespace().collect::<Vec<_>>(),
        ["AT", "EVENT", "SEGMENT", "KIND", "ID"]
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split_whitespace().collect()).collect();
    assert_eq!(rows.len(), 5, "{table}");
    assert_eq!(
        rows[4],
        [later, "exited", "Admins", "users", "u3"],
        "the kind in the words --kind takes, as in JSON"
    );
    let times: Vec<&str> = rows.iter().map(|r| r[0]).collect();
    assert!(times.is_sorted(), "oldest first: {table}");

    let lines = db
        .run(&["history", "--format", "jsonl"])
        .expect(0)
        .json_lines();
    assert_eq!(
        lines[4],
        json!({"at": later, "event": "exited", "segment": "Admins", "kind": "users", "id": "u3"})
    );

    assert_eq!(db.events(&["--since", later]).len(), 1);
    assert_eq!(db.events(&["--since", "2024-06-19"]).len(), 1);
    assert_eq!(
        db.events(&["--since", NOW]).len(),
        5,
        "--since is inclusive"
    );
    assert_eq!(
        db.events(&["--kind", "accounts"]),
        vec![event(NOW, "entered", "Pro accounts", "a1")]
    );
    assert_eq!(db.events(&["--id", "u3"]).len(), 2);
    assert_eq!(
        db.events(&["--segment", "admins"]).len(),
        3,
        "segment names ignore case"
    );
    db.run(&["history", "--since", "last week"]).expect(2);
}

#[test]
fn run_with_a_later_now_moves_time_based_segments_and_records_it() {
    let db = Db::seeded();
    let later = "2024-07-20T00:00:00Z";

    // Reading as of a later instant shows it, but records nothing.
    let active = db
        .run_at(
            later,
            &[
                "query",
                "--kind",
                "users",
                "in segment \"Active\"",
                "--format",
                "ids",
            ],
        )
        .expect(0);
    assert_eq!(active.stdout, "");
    assert_eq!(db.events(&["--since", later]), vec![]);

    let ran = db.run_at(later, &["run"]).expect(0);
    assert_eq!(ran.stdout, "");
    assert!(ran.stderr.contains("1 changed membership"), "{ran}");
    assert!(
        ran.stderr.contains("Active: +0 entered, -1 exited"),
        "{ran}"
    );
    assert_eq!(
        db.events(&["--since", later]),
        vec![event(later, "exited", "Active", "u1")]
    );

    let again = db.run_at(later, &["run"]).expect(0);
    assert!(again.stderr.contains("0 changed membership"), "{again}");
    assert_eq!(db.events(&["--since", later]).len(), 1);
}

/// The report: `run --now 2027-01-01` recorded events stamped 2027 and the
/// next plain `run` reversed them. History only moves forward now.
#[test]
fn recording_refuses_an_instant_before_the_last_evaluation_or_after_the_clock() {
    let db = Db::seeded();
    let later = "2024-07-20T00:00:00Z";
    db.run_at(later, &["run"]).expect(0);
    let events = db.events(&[]);

    // Back in time: every recording command is refused and records nothing.
    for args in [
        vec!["run"],
        vec!["set", "--kind", "users", "u2", "role=\"admin\""],
        vec!["delete", "--kind", "users", "u3"],
    ] {
        let refused = db.run_at(NOW, &args).expect(1);
        assert!(
            refused
                .stderr
                .contains("cannot record changes as of 2024-06-15T12:00:00Z: membership was last recorded as of 2024-07-20T00:00:00Z"),
            "{refused}"
        );
    }
    let file = db.write("more.jsonl", "{\"id\": \"u9\", \"role\": \"admin\"}\n");
    db.run_at(NOW, &["import", "--kind", "users", &file])
        .expect(1);
    let seg = db.write(
        "late.seg",
        "segment \"Late\" for users {\n  where role = \"member\"\n}\n",
    );
    db.run_at(NOW, &["apply", &seg]).expect(1);
    assert_eq!(db.events(&[]), events, "nothing was recorded");
    assert_eq!(db.ids("users"), ["u1", "u2", "u3"], "nothing was changed");

    // Into the future: refused too, so a later plain run cannot go back.
    let future = "2099-01-01T00:00:00Z";
    let refused = db.run_at(future, &["run"]).expect(1);
    assert!(
        refused.stderr.contains("is later than the clock"),
        "{refused}"
    );
    assert_eq!(db.events(&[]), events);

    // Reading takes any instant, and a dry run shows what would move.
    db.run_at(NOW, &["segments"]).expect(0);
    db.run_at(future, &["query", "--kind", "users", "id is set"])
        .expect(0);
    let dry = db.run_at(future, &["run", "--dry-run"]).expect(0);
    assert!(dry.stderr.contains("(dry run: nothing recorded)"), "{dry}");
    let dry = db.run_at(NOW, &["run", "--dry-run"]).expect(0);
    assert!(dry.stderr.contains("Active: +1 entered"), "{dry}");
    assert_eq!(db.events(&[]), events);

    // Forward from the last evaluation is fine.
    db.run_at(
        "2024-07-21T00:00:00Z",
        &["set", "--kind", "users", "u2", "role=\"admin\""],
    )
    .expect(0);
}

#[test]
fn apply_of_a_changed_segment_records_who_moved() {
    let db = Db::seeded();
    let later = "2024-06-17T00:00:00Z";
    let changed = SEGMENTS.replace("where role = \"admin\"", "where role = \"member\"");
    let ran = db
        .run_at(later, &["apply", &db.write("segments.seg", &changed)])
        .expect(0);
    assert!(ran.stderr.contains("1 changed (Admins)"), "{ran}");
    assert_eq!(
        db.events(&["--since", later]),
        vec![
            event(later, "entered", "Admins", "u2"),
            event(later, "exited", "Admins", "u1"),
            event(later, "exited", "Admins", "u3"),
        ]
    );
}

#[test]
fn changing_an_account_moves_its_users_in_cross_entity_segments() {
    let db = Db::seeded();
    let cross = "segment \"On pro\" for users {\n  where account in segment \"Pro accounts\"\n}\n";
    db.apply("cross.seg", cross).expect(0);
    assert_eq!(
        db.events(&["--segment", "On pro"]),
        vec![event(NOW, "entered", "On pro", "u1")]
    );

    let t1 = "2024-06-16T00:00:00Z";
    db.run_at(t1, &["set", "--kind", "accounts", "a2", "plan=\"pro\""])
        .expect(0);
    let t2 = "2024-06-17T00:00:00Z";
    db.run_at(t2, &["delete", "--kind", "accounts", "a1"])
        .expect(0);
    assert_eq!(
        db.events(&["--segment", "On pro", "--since", t1]),
        vec![
            event(t1, "entered", "On pro", "u2"),
            event(t2, "exited", "On pro", "u1"),
        ]
    );
    // The user keeps its account_id; the account comes back and so does it.
    assert_eq!(db.entity("users", "u1")["account_id"], "a1");
    let t3 = "2024-06-18T00:00:00Z";
    let account = db.write("back.jsonl", "{\"id\": \"a1\", \"plan\": \"pro\"}\n");
    db.run_at(t3, &["import", "--kind", "accounts", &account])
        .expect(0);
    assert_eq!(
        db.events(&["--since", t3]),
        vec![
            event(t3, "entered", "On pro", "u1"),
            event(t3, "entered", "Pro accounts", "a1"),
        ]
    );
}

#[test]
fn importing_the_same_rows_again_changes_and_records_nothing() {
    let db = Db::seeded();
    let ran = db.import("users", "u.jsonl", USERS).expect(0);
    assert!(
        ran.stderr.contains("0 created, 0 updated, 3 unchanged"),
        "{ran}"
    );
    assert_eq!(db.events(&[]).len(), 4);
}

#[test]
fn history_of_a_segment_that_no_longer_exists_is_kept() {
    let db = Db::seeded();
    let without_admins = SEGMENTS.replace(
        "segment \"Admins\" for users {\n  where role = \"admin\"\n}\n",
        "",
    );
    db.apply("segments.seg", &without_admins).expect(0);
    let ran = db
        .run(&["history", "--segment", "Admins", "--format", "jsonl"])
        .expect(0);
    assert!(
        ran.stderr
            .contains("there is no segment named \"Admins\" now"),
        "{ran}"
    );
    assert_eq!(ran.json_lines().len(), 4, "{ran}");
}

// ---------------------------------------------------------------- reading

/// One rule for every listing command: table, json, jsonl and csv (query
/// adds ids); jsonl when standard output is not a terminal; the same words
/// and value forms everywhere.
#[test]
fn every_listing_command_takes_the_same_formats() {
    let db = Db::seeded();
    for command in [
        vec!["segments"],
        vec!["history"],
        vec!["export", "--kind", "users"],
        vec!["query", "--kind", "users", "id is set"],
    ] {
        for format in ["table", "json", "jsonl", "csv"] {
            let mut args = command.clone();
            args.extend(["--format", format]);
            db.run(&args).expect(0);
        }
        // Into a pipe (as here), the default is JSON lines.
        let piped = db.run(&command).expect(0);
        assert!(
            piped.stdout.lines().all(|line| line.starts_with('{')),
            "{piped}"
        );
    }
    let segments = db.ok(&["segments", "--format", "csv"]);
    assert!(
        segments.starts_with("name,kind,members,of,description,origin,updated_at\n"),
        "{segments}"
    );
    let history = db.ok(&["history", "--format", "csv"]);
    assert!(
        history.starts_with("at,event,segment,kind,id\n"),
        "{history}"
    );
    assert!(history.contains(",users,u1\n"), "{history}");

    // A table's columns are the kind's, whichever rows are shown.
    let all = db.ok(&["query", "--kind", "users", "id is set", "--format", "table"]);
    let first = db.ok(&[
        "query",
        "--kind",
        "users",
        "role = \"member\"",
        "--format",
        "table",
    ]);
    let header = |table: &str| -> Vec<String> {
        table
            .lines()
            .next()
            .unwrap()
            .split_whitespace()
            .map(str::to_string)
            .collect()
    };
    assert_eq!(header(&all), header(&first));
    assert!(first.lines().next().unwrap().contains("tags"), "{first}");

    // Lists and segments read the same in tables: joined by ", ".
    let table = db.ok(&[
        "query",
        "--kind",
        "users",
        "id = \"u1\"",
        "--format",
        "table",
    ]);
    assert!(table.contains("beta, vip"), "{table}");
    assert!(table.contains("Active, Admins"), "{table}");
    let shown = db.ok(&["show", "--kind", "users", "u1"]);
    assert!(shown.contains("tags: beta, vip"), "{shown}");
    assert!(shown.contains("segments: Active, Admins"), "{shown}");

    // A limit says how many are shown.
    let limited = db
        .run(&[
            "query",
            "--kind",
            "users",
            "id is set",
            "--format",
            "table",
            "--limit",
            "2",
        ])
        .expect(0);
    assert!(
        limited
            .stderr
            .contains("3 of 3 users match; showing 2 of 3"),
        "{limited}"
    );
}

#[test]
fn segments_lists_kind_members_and_description() {
    let db = Db::seeded();
    let table = db.run(&["segments", "--format", "table"]).expect(0);
    let rows: Vec<&str> = table.stdout.lines().collect();
    assert!(
        rows[0].starts_with("NAME") && rows[0].contains("MEMBERS"),
        "{table}"
    );
    assert!(
        rows[1].starts_with("Active") && rows[1].contains("Seen in the last 30 days"),
        "{table}"
    );
    assert_eq!(rows.len(), 4, "{table}");

    let json = db.run(&["segments", "--format", "json"]).expect(0).json();
    let admins = &json[1];
    assert_eq!(admins["name"], "Admins");
    assert_eq!(admins["kind"], "users");
    assert_eq!(admins["members"], 2);
    assert_eq!(admins["of"], 3);
    assert_eq!(admins["description"], Value::Null);

    let accounts = db
        .run(&["segments", "--kind", "accounts", "--format", "json"])
        .expect(0)
        .json();
    assert_eq!(accounts.as_array().unwrap().len(), 1);
    assert_eq!(accounts[0]["members"], 1);
}

#[test]
fn query_prints_every_format() {
    let db = Db::seeded();
    let condition = "role = \"admin\"";
    let query = |format: &str| {
        db.run(&["query", "--kind", "users", condition, "--format", format])
            .expect(0)
    };

    let table = query("table");
    let header: Vec<&str> = table
        .stdout
        .lines()
        .next()
        .unwrap()
        .split_whitespace()
        .collect();
    assert_eq!(
        header,
        [
            "id",
            "account_id",
            "email",
            "last_seen_at",
            "role",
            "tags",
            "segments"
        ]
    );
    assert_eq!(table.stdout.lines().count(), 3, "{table}");
    assert!(table.stderr.contains("2 of 3 users match"), "{table}");

    let json = query("json").json();
    assert_eq!(ids_of(json.as_array().unwrap()), ["u1", "u3"]);
    assert_eq!(json[0], db.entity("users", "u1"));

    let lines = query("jsonl").json_lines();
    assert_eq!(lines, json.as_array().unwrap().clone());

    let csv = query("csv");
    let mut rows = csv.stdout.lines();
    assert_eq!(
        rows.next().unwrap(),
        "id,account_id,email,last_seen_at,role,tags,segments"
    );
    assert_eq!(
        rows.next().unwrap(),
        r#"u1,a1,ann@acme.example,2024-06-10T09:00:00Z,admin,"[""beta"",""vip""]","[""Active"",""Admins""]""#
    );

    for format in ["json", "jsonl", "csv", "ids"] {
        assert_eq!(query(format).stderr, "", "{format} prints only data");
    }
    assert_eq!(query("ids").stdout, "u1\nu3\n");
}

#[test]
fn query_columns_and_limit() {
    let db = Db::seeded();
    let all = "id is set";
    let json = db
        .run(&[
            "query",
            "--kind",
            "users",
            all,
            "--format",
            "json",
            "--columns",
            "role,email",
        ])
        .expect(0)
        .json();
    assert_eq!(
        json[0],
        json!({"id": "u1", "role": "admin", "email": "ann@acme.example"})
    );
    let csv = db.ok(&[
        "query",
        "--kind",
        "users",
        all,
        "--format",
        "csv",
        "--columns",
        "role",
    ]);
    assert_eq!(csv, "id,role\nu1,admin\nu2,member\nu3,admin\n");
    let table = db.ok(&[
        "query",
        "--kind",
        "users",
        all,
        "--columns",
        "role,segments",
        "--format",
        "table",
    ]);
    let header: Vec<&str> = table.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(header, ["id", "role", "segments"]);

    let limited = db.ok(&[
        "query", "--kind", "users", all, "--format", "ids", "--limit", "2",
    ]);
    assert_eq!(limited, "u1\nu2\n");
    let none = db.ok(&[
        "query", "--kind", "users", all, "--format", "json", "--limit", "0",
    ]);
    assert_eq!(none.trim(), "[]");
}

#[test]
fn query_with_a_bad_condition_fails_with_its_location() {
    let db = Db::seeded();
    let stderr = db.fails(&["query", "--kind", "users", "role = "]);
    assert!(stderr.contains("condition:1:"), "{stderr}");
    assert!(stderr.contains("the condition has errors"), "{stderr}");
    let stderr = db.fails(&["query", "--kind", "users", "in segment \"Nope\""]);
    assert!(stderr.contains("Nope"), "{stderr}");
    let stderr = db.fails(&["query", "--kind", "accounts", "in segment \"Admins\""]);
    assert!(stderr.contains("Admins"), "{stderr}");
}

#[test]
fn query_on_an_empty_database_prints_nothing() {
    let db = Db::new();
    // An empty database (an apply of no definitions makes one).
    db.apply("empty.seg", "").expect(0);
    assert_eq!(
        db.ok(&["query", "--kind", "users", "id is set", "--format", "ids"]),
        ""
    );
    assert_eq!(
        db.ok(&["query", "--kind", "users", "id is set", "--format", "jsonl"]),
        ""
    );
    assert_eq!(
        db.ok(&["query", "--kind", "users", "id is set", "--format", "json"])
            .trim(),
        "[]"
    );
}

#[test]
fn show_prints_properties_segments_history_and_links() {
    let db = Db::seeded();
    let table = db.ok(&["show", "--kind", "users", "u1"]);
    for expected in [
        "user u1",
        "role: admin",
        "last_seen_at: 2024-06-10T09:00:00Z",
        "segments: Active, Admins",
        "account a1",
        "entered Active",
    ] {
        assert!(table.contains(expected), "{expected:?} in\n{table}");
    }
    let json = db
        .run(&["show", "--kind", "users", "u1", "--format", "json"])
        .expect(0)
        .json();
    assert_eq!(json["account"], "a1");
    assert_eq!(json["segments"], json!(["Active", "Admins"]));
    let mut history: Vec<_> = json["history"].as_array().unwrap().clone();
    history.sort_by_key(|e| e["segment"].as_str().unwrap().to_string());
    assert_eq!(
        history,
        [
            json!({"at": NOW, "segment": "Active", "event": "entered"}),
            json!({"at": NOW, "segment": "Admins", "event": "entered"}),
        ]
    );

    let account = db
        .run(&["show", "--kind", "accounts", "a1", "--format", "json"])
        .expect(0)
        .json();
    assert_eq!(account["users_count"], 1);
    assert!(
        db.ok(&["show", "--kind", "accounts", "a2"])
            .contains("users: 1")
    );
    let without = db.ok(&["show", "--kind", "users", "u3"]);
    assert!(without.contains("account: none"), "{without}");

    let stderr = db.fails(&["show", "--kind", "users", "nobody"]);
    assert!(
        stderr.contains("there is no user with id \"nobody\""),
        "{stderr}"
    );
}

#[test]
fn export_jsonl_and_csv_of_everyone_or_of_segments() {
    let db = Db::seeded();
    let admins = db
        .run(&["export", "--kind", "users", "--segment", "Admins"])
        .expect(0);
    assert_eq!(admins.stderr, "");
    assert_eq!(ids_of(&admins.json_lines()), ["u1", "u3"]);
    let either = db
        .run(&[
            "export",
            "--kind",
            "users",
            "--segment",
            "Active",
            "--segment",
            "Admins",
        ])
        .expect(0);
    assert_eq!(ids_of(&either.json_lines()), ["u1", "u3"]);
    let active = db
        .run(&["export", "--kind", "users", "--segment", "active"])
        .expect(0);
    assert_eq!(ids_of(&active.json_lines()), ["u1"]);

    let csv = db.ok(&["export", "--kind", "accounts", "--format", "csv"]);
    assert_eq!(
        csv,
        "id,name,plan,seats,segments\na1,Acme,pro,12,\"[\"\"Pro accounts\"\"]\"\na2,Bolt,free,2,[]\n"
    );
    let csv = db.ok(&[
        "export",
        "--kind",
        "users",
        "--format",
        "csv",
        "--segment",
        "Active",
    ]);
    assert_eq!(
        csv,
        "id,account_id,email,last_seen_at,role,tags,segments\n\
         u1,a1,ann@acme.example,2024-06-10T09:00:00Z,admin,\"[\"\"beta\"\",\"\"vip\"\"]\",\"[\"\"Active\"\",\"\"Admins\"\"]\"\n"
    );

    let stderr = db.fails(&["export", "--kind", "users", "--segment", "Nope"]);
    assert!(
        stderr.contains("there is no segment named \"Nope\""),
        "{stderr}"
    );
    let stderr = db.fails(&["export", "--kind", "users", "--segment", "Pro accounts"]);
    assert!(stderr.contains("is a segment of accounts"), "{stderr}");
}

#[test]
fn exported_json_lines_import_back_unchanged() {
    let db = Db::seeded();
    let exported = db.ok(&["export", "--kind", "users"]);
    let ran = db.import("users", "export.jsonl", &exported).expect(0);
    assert!(ran.stderr.contains("3 unchanged"), "{ran}");

    let other = Db::new();
    other.apply("segments.seg", SEGMENTS).expect(0);
    other.import("accounts", "a.jsonl", ACCOUNTS).expect(0);
    other.import("users", "export.jsonl", &exported).expect(0);
    assert_eq!(other.export("users"), db.export("users"));
}

fn assert_quiet_when_stdout_closes(db: &Db, commands: &[&[&str]]) {
    for args in commands {
        let ran = db.run_with_closed_stdout(args).expect(0);
        assert!(!ran.stderr.contains("error"), "{ran}");
    }
}

#[test]
fn a_closed_stdout_is_a_quiet_success() {
    let db = Db::seeded();
    assert_quiet_when_stdout_closes(
        &db,
        &[
            &["query", "--kind", "users", "id is set"],
            &["query", "--kind", "users", "id is set", "--format", "jsonl"],
            &["export", "--kind", "users"],
            &["history"],
            &["history", "--format", "jsonl"],
            &["segments"],
            &["show", "--kind", "users", "u1"],
        ],
    );
}

#[test]
fn a_closed_stdout_never_panics_or_fails() {
    let db = Db::seeded();
    assert_quiet_when_stdout_closes(
        &db,
        &[
            &["query", "--kind", "users", "id is set", "--format", "ids"],
            &["query", "--kind", "users", "id is set", "--format", "json"],
            &["query", "--kind", "users", "id is set", "--format", "csv"],
            &["export", "--kind", "users", "--format", "csv"],
            &["segments", "--format", "json"],
            &["show", "--kind", "users", "u1", "--format", "json"],
            &["fmt", "-"],
        ],
    );
}

// ---------------------------------------------------------------- demo

#[test]
fn demo_builds_a_deterministic_database_and_prints_its_segments() {
    let first = Db::new();
    let args = [
        "demo",
        "--no-tui",
        "--users",
        "300",
        "--accounts",
        "30",
        "--seed",
        "7",
    ];
    let ran = first.run(&args).expect(0);
    assert!(ran.stdout.starts_with("NAME"), "{ran}");
    for segment in ["Champions", "Enterprise ICP", "Power users"] {
        assert!(ran.stdout.contains(segment), "{segment} in {ran}");
    }
    assert_eq!(first.ids("users").len(), 300);
    assert_eq!(first.ids("accounts").len(), 30);

    let second = Db::new();
    second.run(&args).expect(0);
    assert_eq!(second.export("users"), first.export("users"));

    // An existing demo database is opened as it is: what was made in it
    // stays ...
    first.ok(&["set", "--kind", "users", "usr-0000001", "nps=10"]);
    let kept = first
        .run(&["demo", "--no-tui", "--users", "50", "--accounts", "5"])
        .expect(0);
    assert!(
        kept.stderr.contains("kept as it is (--fresh starts over)"),
        "{kept}"
    );
    assert_eq!(first.ids("users").len(), 300);
    assert_eq!(first.entity("users", "usr-0000001")["nps"], 10.0);
    // ... and --fresh starts over, keeping the user's edits to the
    // demo's segment file ...
    let seg_file = first.path.with_extension("seg");
    let mut edited = std::fs::read_to_string(&seg_file).unwrap();
    edited.push_str("\nsegment \"Mine\" for users {\n  where nps >= 9\n}\n");
    std::fs::write(&seg_file, &edited).unwrap();
    let fresh = first
        .run(&[
            "demo",
            "--no-tui",
            "--fresh",
            "--users",
            "50",
            "--accounts",
            "5",
        ])
        .expect(0);
    assert_eq!(first.ids("users").len(), 50);
    assert_eq!(std::fs::read_to_string(&seg_file).unwrap(), edited);
    assert!(fresh.stderr.contains("kept your edits in"), "{fresh}");
    assert!(fresh.stdout.contains("Mine"), "{fresh}");
    // ... but nothing else is replaced, or opened as a demo.
    let seeded = Db::seeded();
    for args in [
        &["demo", "--no-tui", "--users", "10", "--accounts", "2"][..],
        &[
            "demo",
            "--no-tui",
            "--fresh",
            "--users",
            "10",
            "--accounts",
            "2",
        ][..],
    ] {
        let stderr = seeded.fails(args);
        assert!(stderr.contains("is not a demo database"), "{stderr}");
        assert_eq!(seeded.ids("users"), ["u1", "u2", "u3"]);
    }
}

/// Files segscope makes follow the umask (the demo's `.seg`, a file
/// destination's export); the database alone is always 0600.
#[cfg(unix)]
#[test]
fn made_files_follow_the_umask_and_the_database_is_0600() {
    use std::os::unix::fs::PermissionsExt;
    let db = Db::new();
    let ran = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "umask 027 && exec '{BIN}' --db '{}' demo --no-tui --users 20 --accounts 2",
            db.path.display()
        ))
        .env_remove("SEGSCOPE_DB")
        .output()
        .unwrap();
    assert!(
        ran.status.success(),
        "{}",
        String::from_utf8_lossy(&ran.stderr)
    );
    let mode = |path: &Path| std::fs::metadata(path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&db.path.with_extension("seg")), 0o640);
    assert_eq!(mode(&db.path), 0o600);
}

// ---------------------------------------------------------------- the database file

#[test]
fn data_survives_closing_and_reopening() {
    let db = Db::seeded();
    let users = db.export("users");
    db.ok(&["set", "--kind", "users", "u2", "nps=10"]);
    assert_eq!(db.entity("users", "u2")["nps"], 10.0);
    db.ok(&["set", "--kind", "users", "u2", "nps="]);
    assert_eq!(db.export("users"), users);
    assert_eq!(segment_names(&db), ["Active", "Admins", "Pro accounts"]);
}

#[cfg(unix)]
#[test]
fn the_database_file_is_private_to_its_owner() {
    use std::os::unix::fs::PermissionsExt;
    let db = Db::seeded();
    let mode = std::fs::metadata(&db.path).unwrap().permissions().mode();
    assert_eq!(mode & 0o777, 0o600, "mode {mode:o}");
}

#[test]
fn a_file_that_is_not_a_database_is_refused_and_left_alone() {
    let db = Db::new();
    let contents = "id,name\nu1,Ann\n".repeat(100);
    std::fs::write(&db.path, &contents).unwrap();
    let stderr = db.import("users", "u.jsonl", USERS).expect(1).stderr;
    assert!(stderr.contains(&db.path.display().to_string()), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert_eq!(std::fs::read_to_string(&db.path).unwrap(), contents);
}

#[test]
fn a_file_that_is_not_a_database_is_called_that() {
    let db = Db::new();
    std::fs::write(&db.path, "id,name\nu1,Ann\n".repeat(100)).unwrap();
    let stderr = db.fails(&["segments"]);
    assert!(stderr.contains("is not a segscope database"), "{stderr}");
    assert!(
        !stderr.contains("magic number"),
        "speaks the storage engine's language: {stderr}"
    );
}

#[test]
fn a_directory_as_database_is_refused_in_plain_words() {
    let db = Db::new();
    let directory = db.dir.path().join("folder");
    std::fs::create_dir(&directory).unwrap();
    let ran = db
        .run(&["--db", directory.to_str().unwrap(), "segments"])
        .expect(1);
    assert!(ran.stderr.contains("folder"), "{ran}");
    assert!(!ran.stderr.contains("os error"), "{ran}");
}

/// Waits until `check` holds, or panics after a few seconds.
fn wait_until(what: &str, mut check: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while !check() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn a_second_writer_gets_the_lock_error_or_waits_and_readers_answer() {
    let db = Db::seeded();
    // The importer opens the database, then waits for its standard input.
    let mut importer = db.spawn_reading_stdin(&["--wait", "10", "import", "--kind", "users", "-"]);
    let in_use = format!(
        "the database {} is in use by another segscope process",
        db.path.display()
    );
    // A write that changes nothing when it gets the database first (there
    // is no such user): it is tried until the importer holds it.
    let harmless = ["delete", "--kind", "users", "nobody"];
    wait_until("the importer to hold the database", || {
        let ran = db.run(&harmless);
        ran.code == Some(1) && ran.stderr.contains(&in_use)
    });
    let ran = db.run(&["delete", "--kind", "users", "u1"]).expect(1);
    assert_eq!(
        ran.stderr.trim(),
        format!(
            "error: {in_use}; run the command again when it is done, or wait for it with --wait SECONDS"
        )
    );
    // Readers answer beside it, from what is committed.
    let ran = db.run(&["export", "--kind", "users"]).expect(0);
    assert_eq!(ran.stdout.lines().count(), 3, "{ran}");

    // --wait gives up after the time given ...
    let started = Instant::now();
    db.run(&["--wait", "1", "delete", "--kind", "users", "u1"])
        .expect(1);
    assert!(started.elapsed() >= Duration::from_millis(900));

    // ... and succeeds once the other process is done.
    let waiter = db
        .command_at(
            NOW,
            &[
                "--wait",
                "5",
                "set",
                "--kind",
                "users",
                "u4",
                "plan=\"gold\"",
            ],
        )
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    std::thread::sleep(Duration::from_millis(300));
    let mut stdin = importer.stdin.take().unwrap();
    stdin.write_all(b"{\"id\": \"u4\"}\n").unwrap();
    drop(stdin);
    let imported =
        Ran::from_output("import -".into(), importer.wait_with_output().unwrap()).expect(0);
    assert!(imported.stderr.contains("1 created"), "{imported}");
    Ran::from_output("set --wait 5".into(), waiter.wait_with_output().unwrap()).expect(0);
    let gold = db
        .run(&[
            "query",
            "--kind",
            "users",
            "plan = \"gold\"",
            "--format",
            "ids",
        ])
        .expect(0);
    assert_eq!(gold.stdout, "u4\n");
    let ids: BTreeSet<String> = db.ids("users").into_iter().collect();
    assert_eq!(ids.len(), 4);
}

/// Commands that read (or change what is there) refuse a database that does
/// not exist, and leave no file behind: a mistyped `--db` is not an empty
/// database.
#[test]
fn read_commands_refuse_a_missing_database_and_create_nothing() {
    let db = Db::new();
    let commands: &[&[&str]] = &[
        &["segments"],
        &["query", "--kind", "users", "nps > 1"],
        &["show", "--kind", "users", "u1"],
        &["export", "--kind", "users"],
        &["history"],
        &["set", "--kind", "users", "u1", "nps=1"],
        &["delete", "--kind", "users", "u1"],
        &["run"],
    ];
    for command in commands {
        let ran = db.run(command).expect(1);
        assert_eq!(
            ran.stderr,
            format!(
                "error: no database at {} (create one with import, apply or demo)\n",
                db.path.display()
            ),
            "{ran}"
        );
        assert!(!db.path.exists(), "{ran} created the database");
    }
    // The commands that bring data still create it.
    db.apply("s.seg", SEGMENTS).expect(0);
    assert!(db.path.exists());
}

/// Counts are of entities, not of rows or arguments: an id named twice in
/// one file, or twice on the command line, is one entity.
#[test]
fn counts_are_of_entities() {
    let db = Db::seeded();
    let rows = "{\"id\": \"n1\", \"nps\": 1}\n{\"id\": \"n1\", \"nps\": 2}\n\
                {\"id\": \"u1\", \"nps\": 3}\n{\"id\": \"u1\", \"nps\": 4}\n\
                {\"id\": \"u2\"}\n{\"id\": \"u2\", \"nps\": 5}\n\
                {\"id\": \"u3\"}\n{\"id\": \"u3\"}\n";
    let ran = db.import("users", "twice.jsonl", rows).expect(0);
    assert!(
        ran.stderr
            .contains("twice.jsonl: 1 created, 2 updated, 1 unchanged"),
        "{ran}"
    );
    assert_eq!(db.entity("users", "n1")["nps"], 2.0, "the last row counts");
    let ran = db.run(&["delete", "--kind", "users", "n1", "n1"]).expect(0);
    assert!(ran.stderr.starts_with("deleted 1 user\n"), "{ran}");
}

/// Trailing data after a JSON array and a CSV quote left open are errors
/// with their line; nothing is written (before, the import dropped the
/// second array, or let one field swallow the rest of the file, exit 0).
#[test]
fn imports_refuse_trailing_json_and_an_unclosed_csv_quote() {
    let db = Db::seeded();
    let before = db.export("users");
    let ran = db
        .import("users", "t.json", "[{\"id\": \"a\"}]\n[{\"id\": \"b\"}]\n")
        .expect(1);
    assert!(
        ran.stderr
            .contains("line 2: text after the array's closing ]"),
        "{ran}"
    );
    let ran = db
        .import(
            "users",
            "q.csv",
            "id,title\nq1,ok\nq3,\"never closed\nq4,x\n",
        )
        .expect(1);
    assert!(ran.stderr.contains("q.csv:line 3: a quoted field"), "{ran}");
    assert!(ran.stderr.contains("never closed"), "{ran}");
    assert_eq!(db.export("users"), before, "nothing was imported");
    // A quoted field over two lines that is closed is fine.
    db.import("users", "ok.csv", "id,title\nq5,\"two\nlines\"\n")
        .expect(0);
    assert_eq!(db.entity("users", "q5")["title"], "two\nlines");
}

// ---------------------------------------------------------------- issue 9: the command line speaks the language

/// `--since` takes the language's relative times, as of `--now` (before,
/// `--since "1 hour ago"` was a usage error), and `--now` takes them as of
/// the clock.
#[test]
fn since_takes_relative_times_as_of_now() {
    let db = Db::seeded();
    let later = "2024-07-20T00:00:00Z";
    db.run_at(later, &["run"]).expect(0);
    let since = |since: &str| -> Vec<String> {
        db.run_at(later, &["history", "--since", since, "--format", "jsonl"])
            .expect(0)
            .json_lines()
            .iter()
            .map(|e| format!("{} {} {}", e["at"], e["event"], e["id"]))
            .collect()
    };
    let exit = vec![format!("\"{later}\" \"exited\" \"u1\"")];
    assert_eq!(since("1 hour ago"), exit);
    assert_eq!(since("30 days ago"), exit, "30 days before 07-20 is 06-20");
    assert_eq!(since("now"), exit, "--since is inclusive");
    assert_eq!(since("1 month ago").len(), 1);
    assert_eq!(since("2 Months Ago").len(), db.events(&[]).len());
    assert_eq!(since("1 week from now"), Vec::<String>::new());

    let ran = db.run(&["history", "--since", "100001 days ago"]).expect(2);
    assert!(
        ran.stderr
            .contains("`100001 days ago` is not an instant: 100001 is too large"),
        "{ran}"
    );
    let ran = db.run(&["history", "--since", "an hour ago"]).expect(2);
    assert!(ran.stderr.contains("such as `1 hour ago`"), "{ran}");

    // --now itself: a relative time as of the clock, which is long past
    // the last time anybody here was seen.
    let active = [
        "query",
        "--kind",
        "users",
        "in segment \"Active\"",
        "--format",
        "ids",
    ];
    assert_eq!(db.run_at("now", &active).expect(0).stdout, "");
    assert_eq!(db.run_at("5 days ago", &active).expect(0).stdout, "");
    assert_eq!(db.run_at(NOW, &active).expect(0).stdout, "u1\n");
}

/// `set PROP=now` and `PROP=3 days ago` store the instant as of `--now`
/// (before, both were refused); an empty value still unsets.
#[test]
fn set_takes_now_and_relative_times() {
    let db = Db::seeded();
    let ran = db
        .run(&[
            "set",
            "--kind",
            "users",
            "u2",
            "last_seen_at=now",
            "trial_ends_at=2 weeks from now",
            "signed_up_at= 3 days ago ",
        ])
        .expect(0);
    assert!(ran.stderr.contains("Active: +1 entered"), "{ran}");
    let u2 = db.entity("users", "u2");
    assert_eq!(u2["last_seen_at"], NOW);
    assert_eq!(u2["trial_ends_at"], "2024-06-29T12:00:00Z");
    assert_eq!(u2["signed_up_at"], "2024-06-12T12:00:00Z");

    db.run(&["set", "--kind", "users", "u2", "signed_up_at="])
        .expect(0);
    assert!(db.entity("users", "u2").get("signed_up_at").is_none());

    let stderr = db.fails(&["set", "--kind", "users", "u2", "account_id=now"]);
    assert!(stderr.contains("`account_id` must be text"), "{stderr}");
    let stderr = db.fails(&["set", "--kind", "users", "u2", "x=100001 years ago"]);
    assert!(
        stderr.contains("the value of `x`: 100001 is too large"),
        "{stderr}"
    );
}

/// Text without quotes is told it needs them, with the assignment quoted
/// for the shell as well (before: `unexpected text, found VP`); the form
/// shown works when pasted into a shell.
#[test]
fn set_says_text_needs_quotes_and_shows_the_quoted_form() {
    let db = Db::seeded();
    for (assignment, name, value) in [
        ("title=VP Sales", "title", "VP Sales"),
        ("nick=it's me", "nick", "it's me"),
        ("plan=pro", "plan", "pro"),
        ("code=12abc", "code", "12abc"),
    ] {
        let stderr = db.fails(&["set", "--kind", "users", "u1", assignment]);
        assert!(
            stderr.contains(&format!("the value of `{name}`: text needs quotes")),
            "{stderr}"
        );
        let (_, suggestion) = stderr.trim_end().rsplit_once(" write ").unwrap();
        let script = format!(
            "'{}' --db '{}' --now {NOW} set --kind users u1 {suggestion}",
            BIN,
            db.path.display()
        );
        let output = Command::new("sh")
            .arg("-c")
            .arg(&script)
            .env_remove("SEGSCOPE_DB")
            .output()
            .unwrap();
        Ran::from_output(script, output).expect(0);
        assert_eq!(db.entity("users", "u1")[name], value);
    }
    let stderr = db.fails(&["set", "--kind", "users", "u1", "title=VP Sales"]);
    assert!(
        stderr.contains("error: the value of `title`: text needs quotes, and the shell removes one pair: write 'title=\"VP Sales\"'\n"),
        "{stderr}"
    );
    // Values with a mistake keep the parser's own words.
    let stderr = db.fails(&["set", "--kind", "users", "u1", "x=2024-02-30"]);
    assert!(
        stderr.contains("2024-02-30 is not a date that exists"),
        "{stderr}"
    );
    let stderr = db.fails(&["set", "--kind", "users", "u1", "x=\"open"]);
    assert!(!stderr.contains("needs quotes"), "{stderr}");
}

/// `fmt --check` shows what would change: a unified diff of each file not
/// in canonical form on stdout, then `X is not formatted` on stderr, exit 1
/// (before, only the message).
#[test]
fn fmt_check_prints_a_diff() {
    let db = Db::new();
    let messy = "# the admins\nsegment   \"A\"  for users { where  role=\"admin\" } # kept\n\n\
                 segment \"B\" for users {\n  where role = \"member\"\n}\n";
    let file = db.write("messy.seg", messy);
    let tidy = db.write("tidy.seg", SEGMENTS);
    let ran = db.run(&["fmt", "--check", &tidy, &file]);
    assert_eq!(ran.code, Some(1), "{ran}");
    assert_eq!(
        ran.stdout,
        format!(
            "--- {file}\n+++ {file} (canonical)\n\
             @@ -1,5 +1,7 @@\n \
             # the admins\n\
             -segment   \"A\"  for users {{ where  role=\"admin\" }} # kept\n\
             +segment \"A\" for users {{\n\
             +  where role = \"admin\"\n\
             +}} # kept\n \n \
             segment \"B\" for users {{\n   \
             where role = \"member\"\n"
        ),
        "{ran}"
    );
    assert_eq!(ran.stderr, format!("{file} is not formatted\n"));
    assert_eq!(std::fs::read_to_string(&file).unwrap(), messy, "unchanged");

    // A canonical file prints nothing; standard input is checked too.
    assert_eq!(db.run(&["fmt", "--check", &tidy]).expect(0).stdout, "");
    let ran = db.run_with_stdin(
        &["fmt", "--check", "-"],
        "segment \"A\" for users { where x=1 }",
    );
    assert_eq!(ran.code, Some(1), "{ran}");
    assert!(
        ran.stdout
            .starts_with("--- <stdin>\n+++ <stdin> (canonical)\n"),
        "{ran}"
    );
    assert!(ran.stdout.contains("\\ No newline at end of file"), "{ran}");
    assert_eq!(ran.stderr, "<stdin> is not formatted\n");
    let ran = db
        .run_with_stdin(&["fmt", "--check", "-"], SEGMENTS)
        .expect(0);
    assert_eq!(ran.stdout, "");
}

/// `completions SHELL` prints clap_complete's script for each shell; the
/// bash one, sourced, completes commands and options (before, there was no
/// such command).
#[test]
fn completions_print_a_script_for_every_shell() {
    let db = Db::new();
    for (shell, marker) in [
        ("bash", "_segscope()"),
        ("zsh", "#compdef segscope"),
        ("fish", "complete -c segscope"),
        ("elvish", "edit:completion:arg-completer[segscope]"),
        ("powershell", "Register-ArgumentCompleter"),
    ] {
        let ran = db.run(&["completions", shell]).expect(0);
        assert!(ran.stdout.contains(marker), "{shell}: {ran}");
        assert!(ran.stdout.contains("completions"), "{shell}");
        assert_eq!(ran.stderr, "");
    }
    let ran = db.run(&["completions", "tcsh"]).expect(2);
    assert!(ran.stderr.contains("possible values: bash"), "{ran}");
    assert!(!db.path.exists(), "completions created the database");

    let script = db.write("segscope.bash", &db.ok(&["completions", "bash"]));
    let complete = |words: &str| -> String {
        let session = format!(
            "source '{script}'; COMP_WORDS=({words}); COMP_CWORD=$((${{#COMP_WORDS[@]}} - 1)); \
             _segscope segscope \"${{COMP_WORDS[-1]}}\" \"${{COMP_WORDS[-2]}}\"; echo \"${{COMPREPLY[*]}}\""
        );
        let output = Command::new("bash")
            .arg("-c")
            .arg(&session)
            .output()
            .unwrap();
        assert!(output.status.success(), "{output:?}");
        String::from_utf8(output.stdout).unwrap().trim().to_string()
    };
    assert_eq!(complete("segscope que"), "query");
    assert_eq!(complete("segscope vie"), "views");
    assert!(complete("segscope query --").contains("--view"));
    assert_eq!(complete("segscope comp"), "completions");
    assert!(complete("segscope history --").contains("--since"));
    assert_eq!(complete("segscope query --kind u"), "users");
}

/// `--help` names everything the binary takes: `--mouse` (before, only the
/// UI's parser had it), help text for every `--kind`, and the database
/// `demo` really writes (before, only `--db`'s `segscope.redb`).
#[test]
fn help_names_mouse_kind_and_the_demo_database() {
    let db = Db::new();
    let top = db.ok(&["--help"]);
    assert!(top.contains("--mouse"), "{top}");
    assert!(top.contains("completions"), "{top}");
    for command in [
        "import", "delete", "set", "segments", "query", "show", "export", "history", "views",
    ] {
        let help = db.ok(&[command, "-h"]);
        let kind = help
            .lines()
            .find(|line| line.trim_start().starts_with("--kind <KIND>"))
            .unwrap_or_else(|| panic!("{command} takes no --kind:\n{help}"));
        let text = kind.trim_start().trim_start_matches("--kind <KIND>").trim();
        assert!(
            !text.is_empty() && !text.starts_with("[possible values"),
            "{command}: --kind has no help: {kind}"
        );
    }
    let demo = db.ok(&["demo", "--help"]);
    assert!(
        demo.contains("The database is segscope-demo.redb in the current directory"),
        "{demo}"
    );
    assert!(demo.contains("segscope-demo.seg"), "{demo}");
    assert!(demo.contains("--mouse"), "{demo}");
    db.ok(&["completions", "--help"]);

    // --mouse is for the UI: a command that opens none refuses it.
    let ran = db.run(&["--mouse", "segments"]).expect(2);
    assert!(
        ran.stderr.contains("--mouse is for the terminal UI"),
        "{ran}"
    );
}

/// The man pages in doc/man/ are what clap_mangen makes of the command line
/// as it is. This test writes them and fails when the committed ones were
/// stale (commit the files it wrote), so `--help` and the pages cannot
/// drift apart.
#[test]
fn man_pages_in_doc_are_current() {
    use clap::CommandFactory;
    let committed = Path::new(env!("CARGO_MANIFEST_DIR")).join("doc/man");
    let fresh = tempfile::tempdir().unwrap();
    clap_mangen::generate_to(segscope::cli::Cli::command(), fresh.path()).unwrap();
    let pages = |dir: &Path| -> std::collections::BTreeMap<String, String> {
        let Ok(entries) = std::fs::read_dir(dir) else {
            return Default::default();
        };
        entries
            .map(|entry| entry.unwrap().path())
            .filter(|path| path.extension().is_some_and(|e| e == "1"))
            .map(|path| {
                let name = path.file_name().unwrap().to_string_lossy().into_owned();
                (name, std::fs::read_to_string(&path).unwrap())
            })
            .collect()
    };
    let (old, new) = (pages(&committed), pages(fresh.path()));
    assert!(new.contains_key("segscope.1") && new.contains_key("segscope-completions.1"));
    assert!(new["segscope.1"].contains("mouse"));
    if old == new {
        return;
    }
    std::fs::create_dir_all(&committed).unwrap();
    for name in old.keys().filter(|name| !new.contains_key(*name)) {
        std::fs::remove_file(committed.join(name)).unwrap();
    }
    for (name, text) in &new {
        std::fs::write(committed.join(name), text).unwrap();
    }
    let changed: Vec<&String> = new
        .keys()
        .chain(old.keys())
        .filter(|name| old.get(*name) != new.get(*name))
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    panic!("doc/man was stale and has been regenerated; commit it: {changed:?}");
}

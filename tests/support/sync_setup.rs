//! What the sync tests share: a database in a temporary directory driven
//! through the real binary (apply, import, set, sync, runs), with the
//! environment each command sees under the test's control — the token and
//! secret variables set or not, a short HTTP timeout — and the fixture the
//! HubSpot and webhook tests start from, with the state a clean full sync
//! of it leaves in HubSpot.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use serde_json::Value;
use tempfile::TempDir;

const BIN: &str = env!("CARGO_BIN_EXE_segscope");

/// The instant every command runs as of.
pub const NOW: &str = "2024-06-15T12:00:00Z";

/// The private app token the fake HubSpot accepts; it must never show up
/// anywhere segscope writes.
pub const TOKEN: &str = "pat-na1-7f3c2a90-TOKEN-NEVER-PRINTED-51e8";

/// The webhook signing secret (Standard Webhooks: base64 after `whsec_`).
pub const SECRET: &str = "whsec_c2VnLXNjb3BlLXRlc3Qtc2lnbmluZy1rZXktMDE=";

/// Variables a command never inherits from the test's own environment (a
/// proxy would stand between segscope and the loopback fakes).
const CLEARED: [&str; 12] = [
    "SEGSCOPE_DB",
    "SEGSCOPE_NOW",
    "HUBSPOT_TOKEN",
    "HOOK_SECRET",
    "SEGSCOPE_HTTP_TIMEOUT",
    "RUST_BACKTRACE",
    "ALL_PROXY",
    "all_proxy",
    "HTTPS_PROXY",
    "https_proxy",
    "HTTP_PROXY",
    "http_proxy",
];

/// What one run of the binary did.
#[derive(Debug)]
pub struct Ran {
    pub command: String,
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

impl Ran {
    fn from_output(command: String, output: std::process::Output) -> Ran {
        let ran = Ran {
            command,
            code: output.status.code(),
            stdout: String::from_utf8(output.stdout).expect("stdout is UTF-8"),
            stderr: String::from_utf8(output.stderr).expect("stderr is UTF-8"),
        };
        assert!(!ran.stderr.contains("panicked"), "{ran}");
        ran
    }

    /// Asserts the exit status.
    pub fn expect(self, code: i32) -> Ran {
        assert_eq!(self.code, Some(code), "{self}");
        self
    }

    /// Standard output as JSON lines.
    pub fn json_lines(&self) -> Vec<Value> {
        self.stdout
            .lines()
            .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
            .collect()
    }

    /// Both outputs, for searching.
    pub fn output(&self) -> String {
        format!("{}{}", self.stdout, self.stderr)
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

/// A database in a temporary directory (also every command's current
/// directory, so a file destination's relative path lands there), and the
/// variables its commands see.
pub struct SyncDb {
    dir: TempDir,
    env: BTreeMap<String, String>,
}

impl SyncDb {
    /// An empty directory; commands see `HUBSPOT_TOKEN` = [`TOKEN`],
    /// `HOOK_SECRET` = [`SECRET`] and a 5 s HTTP timeout.
    pub fn new() -> SyncDb {
        let mut db = SyncDb {
            dir: tempfile::tempdir().expect("a temporary directory"),
            env: BTreeMap::new(),
        };
        db.set_env("HUBSPOT_TOKEN", TOKEN);
        db.set_env("HOOK_SECRET", SECRET);
        db.set_env("SEGSCOPE_HTTP_TIMEOUT", "5");
        db
    }

    /// The fixture's segments applied and its users and accounts imported.
    pub fn seeded() -> SyncDb {
        let db = SyncDb::new();
        db.apply("segments.seg", SEGMENTS).expect(0);
        db.import("accounts", "accounts.jsonl", ACCOUNTS).expect(0);
        db.import("users", "users.jsonl", USERS).expect(0);
        db
    }

    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    pub fn db_path(&self) -> PathBuf {
        self.dir.path().join("segscope.redb")
    }

    /// The database file's bytes.
    pub fn db_bytes(&self) -> Vec<u8> {
        std::fs::read(self.db_path()).expect("the database file")
    }

    /// Commands from now on see `name` = `value`.
    pub fn set_env(&mut self, name: &str, value: &str) {
        self.env.insert(name.to_string(), value.to_string());
    }

    /// Commands from now on do not see `name`.
    pub fn remove_env(&mut self, name: &str) {
        self.env.remove(name);
    }

    /// Writes a file in the directory; returns its path.
    pub fn write(&self, name: &str, contents: &str) -> String {
        let path = self.dir.path().join(name);
        std::fs::write(&path, contents).expect("write a fixture");
        path.display().to_string()
    }

    /// A file in the directory, read.
    pub fn read(&self, name: &str) -> String {
        std::fs::read_to_string(self.dir.path().join(name))
            .unwrap_or_else(|e| panic!("read {name}: {e}"))
    }

    /// Writes `contents` to `name` and applies it.
    pub fn apply(&self, name: &str, contents: &str) -> Ran {
        self.run(&["apply", &self.write(name, contents)])
    }

    /// Writes `contents` to `name` and imports it as `kind`.
    pub fn import(&self, kind: &str, name: &str, contents: &str) -> Ran {
        self.run(&["import", "--kind", kind, &self.write(name, contents)])
    }

    pub fn command(&self, args: &[&str]) -> Command {
        self.command_at(NOW, args)
    }

    /// A command as of another instant than [`NOW`].
    pub fn command_at(&self, now: &str, args: &[&str]) -> Command {
        let mut command = Command::new(BIN);
        command
            .arg("--db")
            .arg(self.db_path())
            .arg("--now")
            .arg(now)
            .args(args)
            .current_dir(self.dir.path())
            .env("NO_COLOR", "1");
        for name in CLEARED {
            command.env_remove(name);
        }
        command.envs(&self.env);
        command
    }

    pub fn run(&self, args: &[&str]) -> Ran {
        self.run_at(NOW, args)
    }

    /// Runs a command as of another instant than [`NOW`].
    pub fn run_at(&self, now: &str, args: &[&str]) -> Ran {
        let output = self.command_at(now, args).output().expect("run segscope");
        Ran::from_output(format!("segscope --now {now} {}", args.join(" ")), output)
    }

    /// Starts a command without waiting for it (to kill it mid-way).
    pub fn spawn(&self, args: &[&str]) -> Child {
        self.command(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn segscope")
    }

    /// `sync NAME`.
    pub fn sync(&self, destination: &str) -> Ran {
        self.run(&["sync", destination])
    }

    /// `runs [NAME] --format jsonl`, newest first.
    pub fn runs(&self, destination: Option<&str>) -> Vec<Value> {
        let mut args = vec!["runs"];
        args.extend(destination);
        args.extend(["--format", "jsonl"]);
        self.run(&args).expect(0).json_lines()
    }

    /// The newest run of a destination, as `runs --format jsonl` prints it.
    pub fn last_run(&self, destination: &str) -> Value {
        self.runs(Some(destination))
            .into_iter()
            .next()
            .unwrap_or_else(|| panic!("no run of {destination}"))
    }
}

impl Default for SyncDb {
    fn default() -> SyncDb {
        SyncDb::new()
    }
}

// ---------------------------------------------------------------- the fixture

/// Users: Champions are admins, Power users have 20 sessions or more, Trial
/// is on the trial plan (a segment no destination filters on, so only its
/// name reaches HubSpot, as an option). Accounts: Big has 10 seats or more,
/// Paying is on any plan but free.
pub const SEGMENTS: &str = r#"segment "Champions" for users {
  where role = "admin"
}

segment "Power users" for users {
  where sessions >= 20
}

segment "Trial" for users {
  where plan = "trial"
}

segment "Big" for accounts {
  where seats >= 10
}

segment "Paying" for accounts {
  where plan != "free"
}
"#;

/// a1 is Big and Paying, a2 neither, a3 Big.
pub const ACCOUNTS: &str = r#"{"id": "a1", "name": "Acme", "plan": "pro", "seats": 12}
{"id": "a2", "name": "Bolt", "plan": "free", "seats": 2}
{"id": "a3", "name": "Cyan", "plan": "free", "seats": 50}
"#;

/// u1 is a Champion and a Power user, u2 a Power user on trial, u3 a
/// Champion, u4 only on trial (not selected), u5 a Champion without an
/// email (selected, never sent: no key). Bob's email is in upper case in
/// the data; HubSpot keeps emails in lower case.
pub const USERS: &str = r#"{"id": "u1", "account_id": "a1", "email": "ann@acme.example", "role": "admin", "sessions": 30, "plan": "pro"}
{"id": "u2", "account_id": "a2", "email": "Bob@Bolt.example", "role": "member", "sessions": 25, "plan": "trial"}
{"id": "u3", "account_id": "a3", "email": "cy@mail.example", "role": "admin", "sessions": 2, "plan": "free"}
{"id": "u4", "account_id": "a1", "email": "di@acme.example", "role": "member", "sessions": 1, "plan": "trial"}
{"id": "u5", "account_id": "a1", "role": "admin", "sessions": 3, "plan": "pro"}
"#;

/// The HubSpot destination of the fixture, at `base_url`: Champions and
/// Power users as contacts by email, every account as a company by a
/// unique `segscope_account_id`.
pub fn hubspot_destination(base_url: &str) -> String {
    format!(
        r#"destination "HubSpot" hubspot {{
  token env "HUBSPOT_TOKEN"
  base_url "{base_url}"
  users {{
    object contacts
    key email
    segments ["Champions", "Power users"]
    map segments -> segscope_segments as list
    map plan -> plan_tier
  }}
  accounts {{
    object companies
    key id -> segscope_account_id
    map segments -> segscope_segments as text
  }}
}}
"#
    )
}

/// HubSpot objects as the fake lists them: key → property → value.
pub type Objects = BTreeMap<String, BTreeMap<String, String>>;

/// Builds [`Objects`] from literal rows.
pub fn objects(rows: &[(&str, &[(&str, &str)])]) -> Objects {
    rows.iter()
        .map(|(key, properties)| {
            (
                key.to_string(),
                properties
                    .iter()
                    .map(|(name, value)| (name.to_string(), value.to_string()))
                    .collect(),
            )
        })
        .collect()
}

/// The contacts a clean full sync of the fixture leaves.
pub fn expected_contacts() -> Objects {
    objects(&[
        (
            "ann@acme.example",
            &[
                ("email", "ann@acme.example"),
                ("plan_tier", "pro"),
                ("segscope_segments", "Champions;Power users"),
            ],
        ),
        (
            "bob@bolt.example",
            &[
                ("email", "bob@bolt.example"),
                ("plan_tier", "trial"),
                ("segscope_segments", "Power users;Trial"),
            ],
        ),
        (
            "cy@mail.example",
            &[
                ("email", "cy@mail.example"),
                ("plan_tier", "free"),
                ("segscope_segments", "Champions"),
            ],
        ),
    ])
}

/// The companies a clean full sync of the fixture leaves (a2 is in no
/// segment: its empty value is no value).
pub fn expected_companies() -> Objects {
    objects(&[
        (
            "a1",
            &[
                ("segscope_account_id", "a1"),
                ("segscope_segments", "Big\nPaying"),
            ],
        ),
        ("a2", &[("segscope_account_id", "a2")]),
        (
            "a3",
            &[("segscope_account_id", "a3"), ("segscope_segments", "Big")],
        ),
    ])
}

//! The snapshot file beside the database: opening reads the tables from it
//! when it is of the database's very commit, and from the store otherwise
//! (stale, foreign, truncated, garbage) — never trusting a wrong one; what
//! a workspace answers after reopening equals what a from-scratch
//! evaluation answers, over random changes.

use std::path::{Path, PathBuf};

use proptest::prelude::*;
use proptest::test_runner::Config as ProptestConfig;
use segscope::model::{EntityKind, Scalar, Value};
use segscope::workspace::{
    ChangeFailure, EntityView, ImportFormat, ImportMode, ImportSource, OpenOptions, SegmentSummary,
    SourceText, TablesFrom, Workspace,
};

const USERS: EntityKind = EntityKind::Users;
const ACCOUNTS: EntityKind = EntityKind::Accounts;

const SEGMENTS: &str = r#"
segment "Busy" for users {
  where sessions >= 10
}
segment "Named" for users {
  where name contains "an" and not (email ends with ".org")
}
segment "Tagged" for users {
  where tags contains "vip" or plan in ["pro", "team"]
}
segment "Pro account users" for users {
  where account.plan = "pro" and in segment "Busy"
}
segment "Big accounts" for accounts {
  where count(users) >= 2 or seats > 10
}
"#;

fn now() -> i64 {
    segscope::lang::parse_datetime("2024-06-15T12:00:00Z").unwrap()
}

fn options() -> OpenOptions {
    OpenOptions {
        now: Some(now()),
        wait: None,
        record: true,
    }
}

fn open(path: &Path) -> Workspace {
    Workspace::open(path, options()).unwrap_or_else(|e| panic!("open {}: {e}", path.display()))
}

fn snapshot_of(path: &Path) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(".snapshot");
    PathBuf::from(name)
}

fn import(workspace: &mut Workspace, kind: EntityKind, json_lines: &str) {
    workspace
        .import(
            kind,
            ImportSource::new(
                std::io::Cursor::new(json_lines.as_bytes().to_vec()),
                ImportFormat::JsonLines,
            ),
            ImportMode::Merge,
            false,
            &mut |_| std::ops::ControlFlow::Continue(()),
        )
        .unwrap();
}

fn seeded(path: &Path) -> Workspace {
    let mut workspace = open(path);
    let report = workspace.apply(&[SourceText {
        origin: "segments.seg".to_string(),
        text: SEGMENTS.to_string(),
    }]);
    report.unwrap();
    import(
        &mut workspace,
        ACCOUNTS,
        "{\"id\": \"a1\", \"plan\": \"pro\", \"seats\": 3}\n{\"id\": \"a2\", \"plan\": \"free\", \"seats\": 40}\n",
    );
    import(
        &mut workspace,
        USERS,
        concat!(
            "{\"id\": \"u1\", \"account_id\": \"a1\", \"name\": \"Ann\", \"email\": \"ann@x.com\", \"sessions\": 12, \"tags\": [\"vip\", \"beta\"]}\n",
            "{\"id\": \"u2\", \"account_id\": \"a1\", \"name\": \"DANA\", \"email\": \"d@x.org\", \"sessions\": 3, \"plan\": \"team\"}\n",
            "{\"id\": \"u3\", \"account_id\": \"a2\", \"name\": \"Jo\", \"sessions\": 40, \"signed_up\": \"2024-01-02T00:00:00Z\"}\n",
            "{\"id\": \"u4\", \"name\": \"Ian\", \"sessions\": 10.5, \"active\": true}\n",
        ),
    );
    workspace
}

/// Everything a workspace answers about its data: every entity as `show`
/// sees it (found by id, which exercises the id index), and the segments.
#[derive(Debug, PartialEq)]
struct Answers {
    entities: Vec<EntityView>,
    segments: Vec<SegmentSummary>,
    members: Vec<(String, Vec<String>)>,
}

fn answers(workspace: &Workspace) -> Answers {
    let mut entities = Vec::new();
    for kind in [USERS, ACCOUNTS] {
        for row in workspace.all_entities(kind).iter() {
            let view = workspace.entity_at(row);
            assert_eq!(workspace.entity(kind, &view.id).as_ref(), Some(&view));
            entities.push(view);
        }
    }
    let segments = workspace.segments();
    let members = segments
        .iter()
        .map(|segment| {
            let set = workspace.segment_members(&segment.name).unwrap();
            let ids = set.iter().map(|row| workspace.entity_at(row).id).collect();
            (segment.name.clone(), ids)
        })
        .collect();
    Answers {
        entities,
        segments,
        members,
    }
}

/// What a workspace answers when its tables are decoded from the store.
fn from_scratch(path: &Path) -> Answers {
    let _ = std::fs::remove_file(snapshot_of(path));
    let workspace = open(path);
    assert!(matches!(workspace.tables_from(), TablesFrom::Store(_)));
    answers(&workspace)
}

fn reopened(path: &Path) -> (TablesFrom, Answers) {
    let workspace = open(path);
    (workspace.tables_from().clone(), answers(&workspace))
}

#[test]
fn a_snapshot_of_the_last_commit_is_used_and_answers_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db.redb");
    let mut workspace = seeded(&path);
    let before = answers(&workspace);
    assert!(workspace.save_snapshot().unwrap(), "written");
    assert!(
        !workspace.save_snapshot().unwrap(),
        "already of this commit"
    );
    drop(workspace);
    let (from, after) = reopened(&path);
    assert_eq!(from, TablesFrom::Snapshot);
    assert_eq!(after, before);
    assert_eq!(from_scratch(&path), before);
}

#[test]
fn a_snapshot_of_an_older_commit_is_not_used() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db.redb");
    let mut workspace = seeded(&path);
    workspace.save_snapshot().unwrap();
    workspace
        .set(
            USERS,
            "u2",
            vec![(
                "sessions".to_string(),
                Some(Value::Scalar(Scalar::Number(50.0))),
            )],
        )
        .unwrap();
    let changed = answers(&workspace);
    drop(workspace);
    let (from, after) = reopened(&path);
    assert_eq!(
        from,
        TablesFrom::Store("it is of another commit or another database".to_string())
    );
    assert_eq!(after, changed);
}

#[test]
fn another_database_s_snapshot_is_not_used_even_at_the_same_commit() {
    let dir = tempfile::tempdir().unwrap();
    let (first, second) = (dir.path().join("a.redb"), dir.path().join("b.redb"));
    // The same changes, so the same commit count: only the token differs.
    let mut one = seeded(&first);
    let two = seeded(&second);
    one.set(
        USERS,
        "u1",
        vec![(
            "sessions".to_string(),
            Some(Value::Scalar(Scalar::Number(0.0))),
        )],
    )
    .unwrap();
    one.save_snapshot().unwrap();
    drop(one);
    let expected = answers(&two);
    drop(two);
    std::fs::copy(snapshot_of(&first), snapshot_of(&second)).unwrap();
    let (from, after) = reopened(&second);
    assert!(matches!(from, TablesFrom::Store(_)), "{from:?}");
    assert_eq!(after, expected);
}

/// A copy of a database (a backup put back, a file copied to try
/// something) shares its token; when both go on by as many commits, the
/// one's snapshot must not be taken for the other's — CI once found a
/// killed `run` reading the snapshot a `set` had left under the same name.
#[test]
fn a_copy_that_went_on_separately_does_not_take_the_original_s_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    let (original, copy) = (dir.path().join("a.redb"), dir.path().join("b.redb"));
    drop(seeded(&original));
    std::fs::copy(&original, &copy).unwrap();
    let set_sessions = |path: &Path, sessions: f64| {
        let mut workspace = open(path);
        workspace
            .set(
                USERS,
                "u1",
                vec![(
                    "sessions".to_string(),
                    Some(Value::Scalar(Scalar::Number(sessions))),
                )],
            )
            .unwrap();
        workspace
    };
    let mut one = set_sessions(&original, 0.0);
    assert!(one.save_snapshot().unwrap());
    drop(one);
    let two = set_sessions(&copy, 99.0);
    let expected = answers(&two);
    drop(two);
    std::fs::copy(snapshot_of(&original), snapshot_of(&copy)).unwrap();
    let (from, after) = reopened(&copy);
    assert_eq!(
        from,
        TablesFrom::Store("it is of another commit or another database".to_string())
    );
    assert_eq!(after, expected);
}

#[test]
fn a_truncated_damaged_or_garbage_snapshot_is_not_used() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db.redb");
    let mut workspace = seeded(&path);
    let expected = answers(&workspace);
    workspace.save_snapshot().unwrap();
    drop(workspace);
    let good = std::fs::read(snapshot_of(&path)).unwrap();
    let mut flipped = good.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x01;
    let garbage: Vec<u8> = (0..good.len()).map(|n| (n * 7 + 3) as u8).collect();
    for (what, bytes) in [
        ("truncated", good[..good.len() - 5].to_vec()),
        ("cut to its header", good[..40].to_vec()),
        ("one bit flipped", flipped),
        ("garbage", garbage),
        ("empty", Vec::new()),
    ] {
        std::fs::write(snapshot_of(&path), &bytes).unwrap();
        let (from, after) = reopened(&path);
        match &from {
            TablesFrom::Store(reason) => assert!(reason.contains("damaged"), "{what}: {reason}"),
            TablesFrom::Snapshot => panic!("{what}: trusted"),
        }
        assert_eq!(after, expected, "{what}");
    }
}

#[test]
fn a_command_leaves_a_snapshot_that_the_next_command_uses() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db.redb");
    drop(seeded(&path));
    let _ = std::fs::remove_file(snapshot_of(&path));
    let run = |args: &[&str]| {
        let output = std::process::Command::new(env!("CARGO_BIN_EXE_segscope"))
            .arg("--db")
            .arg(&path)
            .args(["--now", "2024-06-15T12:00:00Z"])
            .args(args)
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8(output.stdout).unwrap()
    };
    let first = run(&["segments", "--format", "json"]);
    assert!(
        snapshot_of(&path).exists(),
        "a read command that decoded writes one"
    );
    assert_eq!(reopened(&path).0, TablesFrom::Snapshot);
    run(&["set", "--kind", "users", "u4", "sessions=1"]);
    assert_eq!(
        reopened(&path).0,
        TablesFrom::Snapshot,
        "a write command writes its commit's"
    );
    let second = run(&["segments", "--format", "json"]);
    assert_ne!(first, second, "the set moved u4 out of Busy");
    assert_eq!(reopened(&path).1, from_scratch(&path));
}

/// One change of the random sequences below.
#[derive(Clone, Debug)]
enum Change {
    Set {
        user: u8,
        sessions: i32,
    },
    Tag {
        user: u8,
        vip: bool,
    },
    Rename {
        user: u8,
        name: String,
    },
    MoveTo {
        user: u8,
        account: u8,
    },
    Delete {
        user: u8,
    },
    /// Removes one property of a user (`set p=null`).
    Unset {
        user: u8,
        property: &'static str,
    },
    Account {
        account: u8,
        plan: &'static str,
        seats: u8,
    },
}

fn change() -> impl Strategy<Value = Change> {
    prop_oneof![
        (0u8..8, -5i32..30).prop_map(|(user, sessions)| Change::Set { user, sessions }),
        (0u8..8, any::<bool>()).prop_map(|(user, vip)| Change::Tag { user, vip }),
        (0u8..8, "[a-zA-Zé ]{0,6}").prop_map(|(user, name)| Change::Rename { user, name }),
        (0u8..8, 0u8..4).prop_map(|(user, account)| Change::MoveTo { user, account }),
        (0u8..8).prop_map(|user| Change::Delete { user }),
        (
            0u8..8,
            prop::sample::select(vec!["sessions", "tags", "name", "email", "account_id"])
        )
            .prop_map(|(user, property)| Change::Unset { user, property }),
        (
            0u8..4,
            prop::sample::select(vec!["pro", "free", "team"]),
            0u8..20
        )
            .prop_map(|(account, plan, seats)| Change::Account {
                account,
                plan,
                seats
            }),
    ]
}

fn make(workspace: &mut Workspace, change: &Change) {
    let line = match change {
        Change::Set { user, sessions } => {
            format!("{{\"id\": \"u{user}\", \"sessions\": {sessions}}}")
        }
        Change::Tag { user, vip } => {
            let tags = if *vip {
                "[\"vip\"]"
            } else {
                "[\"beta\", \"x\"]"
            };
            format!("{{\"id\": \"u{user}\", \"tags\": {tags}}}")
        }
        Change::Rename { user, name } => format!("{{\"id\": \"u{user}\", \"name\": {name:?}}}"),
        Change::MoveTo { user, account } => {
            format!("{{\"id\": \"u{user}\", \"account_id\": \"a{account}\"}}")
        }
        Change::Delete { user } => {
            // Not looked up first either (see `Unset`).
            let id = format!("u{user}");
            match workspace.delete(USERS, std::slice::from_ref(&id)) {
                Ok(_) | Err(ChangeFailure::Unknown { .. }) => {}
                Err(other) => panic!("delete {id}: {other}"),
            }
            return;
        }
        Change::Unset { user, property } => {
            // Asked without looking the user up first (which would decode
            // every column): a user that does not exist is an error that
            // changes nothing.
            let id = format!("u{user}");
            match workspace.set(USERS, &id, vec![(property.to_string(), None)]) {
                Ok(_) | Err(ChangeFailure::Unknown { .. }) => {}
                Err(other) => panic!("unset {property} of {id}: {other}"),
            }
            return;
        }
        Change::Account {
            account,
            plan,
            seats,
        } => {
            let line =
                format!("{{\"id\": \"a{account}\", \"plan\": \"{plan}\", \"seats\": {seats}}}\n");
            import(workspace, ACCOUNTS, &line);
            return;
        }
    };
    import(workspace, USERS, &(line + "\n"));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]

    /// Random changes, each batch followed by a reopen from the snapshot
    /// the last workspace wrote: what it answers is what a from-scratch
    /// evaluation of the same database answers. Every other reopen is
    /// asked nothing before the next batch, so that batch changes columns
    /// still undecoded in the image (and the next snapshot copies the
    /// columns it left alone).
    #[test]
    fn reopening_from_the_snapshot_equals_evaluating_from_scratch(
        batches in prop::collection::vec(prop::collection::vec(change(), 1..6), 1..4)
    ) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("db.redb");
        let mut workspace = seeded(&path);
        for (index, batch) in batches.iter().enumerate() {
            for change in batch {
                make(&mut workspace, change);
            }
            let live = answers(&workspace);
            workspace.save_snapshot().unwrap();
            drop(workspace);
            workspace = open(&path);
            prop_assert_eq!(workspace.tables_from(), &TablesFrom::Snapshot);
            if index % 2 == 1 || index + 1 == batches.len() {
                prop_assert_eq!(&answers(&workspace), &live);
            }
        }
        let last = answers(&workspace);
        drop(workspace);
        prop_assert_eq!(from_scratch(&path), last);
    }
}

/// A reader's snapshot is mapped, its columns decoded as they are read:
/// another process that commits and writes the next snapshot (renamed over
/// the one mapped) changes nothing of what the reader answers.
#[test]
fn a_reader_keeps_answering_from_its_snapshot_when_a_writer_replaces_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db.redb");
    let mut workspace = seeded(&path);
    workspace.save_snapshot().unwrap();
    let before = answers(&workspace);
    drop(workspace);
    let reader = Workspace::open_read_only(&path, options()).unwrap();
    assert_eq!(reader.tables_from(), &TablesFrom::Snapshot);
    let replaced_at = std::fs::metadata(snapshot_of(&path)).unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_segscope"))
        .arg("--db")
        .arg(&path)
        .args(["--now", "2024-06-15T12:00:00Z"])
        .args(["set", "--kind", "users", "u1", "sessions=0", "name=\"Zed\""])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    use std::os::unix::fs::MetadataExt;
    let now_there = std::fs::metadata(snapshot_of(&path)).unwrap();
    assert_ne!(
        replaced_at.ino(),
        now_there.ino(),
        "the writer renamed a new one in"
    );
    // Every column is decoded only now, from the mapping of the old file.
    assert_eq!(answers(&reader), before);
    drop(reader);
    let (from, after) = reopened(&path);
    assert_eq!(from, TablesFrom::Snapshot);
    assert_ne!(after, before);
    assert_eq!(after, from_scratch(&path));
}

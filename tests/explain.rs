//! "Why": hand-made entities whose deciding clause is known (`and`, `or`,
//! `not`, missing values, lists, `account.` clauses, aggregates, `in
//! segment` chains), the verdict checked against membership for every
//! entity and segment of the demo data and of generated entities, and
//! `segscope explain` run as the real binary.

use std::ops::ControlFlow;
use std::path::Path;

use proptest::prelude::*;
use segscope::model::EntityKind;
use segscope::workspace::{
    Clause, ClauseShape, ExplainError, Explanation, ImportFormat, ImportMode, ImportSource,
    OpenOptions, SourceText, Workspace,
};

mod support;
const NOW: &str = "2024-06-15T12:00:00Z";

const SEGMENTS: &str = r#"
segment "Power" for users { where sessions_30d >= 20 and last_seen_at > 7 days ago }
segment "Seen" for users { where last_seen_at > 7 days ago }
segment "Staff" for users { where role in ["admin", "owner"] }
segment "Enterprise" for accounts { where plan = "enterprise" }
segment "Enterprise staff" for users {
  where in segment "Staff" and account in segment "Enterprise"
}
segment "Enterprise plan users" for users { where account.plan = "enterprise" }
segment "Not beta" for users { where not tags has "beta" }
segment "Either" for users { where role = "owner" or sessions_30d >= 20 }
segment "Busy" for accounts { where count(users where sessions_30d >= 20) >= 2 }
segment "Average" for accounts { where avg(users.nps) >= 5 }
segment "Chain" for users { where in segment "Enterprise staff" }
segment "Not free" for accounts { where plan != "free" }
"#;

const ACCOUNTS: &str = r#"{"id": "a1", "plan": "enterprise", "seats": 80}
{"id": "a2", "plan": "free", "seats": 2}
"#;

const USERS: &str = r#"{"id": "u1", "account_id": "a1", "role": "admin", "sessions_30d": 25, "last_seen_at": "2024-06-14T00:00:00Z", "tags": ["beta", "vip"], "nps": 9}
{"id": "u2", "account_id": "a2", "role": "member", "sessions_30d": 4, "tags": []}
{"id": "u3", "role": "owner", "sessions_30d": 30, "last_seen_at": "2024-06-01T00:00:00Z"}
{"id": "u4", "account_id": "ghost", "role": "admin", "nps": 10}
"#;

fn now() -> i64 {
    segscope::lang::parse_datetime(NOW).expect("NOW parses")
}

fn open(path: &Path) -> Workspace {
    let options = OpenOptions {
        now: Some(now()),
        wait: None,
        record: true,
    };
    Workspace::open(path, options).expect("the workspace opens")
}

fn import(workspace: &mut Workspace, kind: EntityKind, data: &str) {
    let source = ImportSource::new(
        std::io::Cursor::new(data.as_bytes().to_vec()),
        ImportFormat::JsonLines,
    );
    workspace
        .import(kind, source, ImportMode::Merge, false, &mut |_| {
            ControlFlow::Continue(())
        })
        .unwrap_or_else(|_| panic!("the {kind} import"));
}

fn apply(workspace: &mut Workspace, text: &str) {
    workspace
        .apply(&[SourceText {
            origin: "segments.seg".to_string(),
            text: text.to_string(),
        }])
        .expect("the segments apply");
}

/// The hand-made workspace, in `dir`.
fn hand_made(dir: &Path) -> Workspace {
    let mut workspace = open(&dir.join("segscope.redb"));
    import(&mut workspace, EntityKind::Accounts, ACCOUNTS);
    import(&mut workspace, EntityKind::Users, USERS);
    apply(&mut workspace, SEGMENTS);
    workspace
}

fn why(workspace: &Workspace, kind: EntityKind, id: &str, segment: &str) -> Explanation {
    workspace
        .explain(kind, id, segment)
        .unwrap_or_else(|error| panic!("{id} in {segment}: {error}"))
}

/// The deciding clauses one level under the top, as (text, holds, values).
fn under_top(explanation: &Explanation) -> Vec<(String, bool, Option<String>)> {
    explanation
        .deciding
        .because
        .iter()
        .map(|c| (c.text.clone(), c.holds, c.values.clone()))
        .collect()
}

fn users(workspace: &Workspace, id: &str, segment: &str) -> Explanation {
    why(workspace, EntityKind::Users, id, segment)
}

// ---------------------------------------------------------------- clauses

#[test]
fn a_false_and_is_decided_by_its_first_false_operand() {
    let dir = tempfile::tempdir().unwrap();
    let workspace = hand_made(dir.path());
    let u2 = users(&workspace, "u2", "Power");
    assert!(!u2.member);
    assert_eq!(u2.deciding.shape, ClauseShape::And);
    assert_eq!(
        under_top(&u2),
        [(
            "sessions_30d >= 20".to_string(),
            false,
            Some("sessions_30d = 4, needs >= 20".to_string())
        )]
    );
    assert_eq!(u2.summary(), "out: sessions_30d = 4, needs >= 20");
    // u3 passes the first operand; the second decides.
    let u3 = users(&workspace, "u3", "Power");
    assert_eq!(
        under_top(&u3),
        [(
            "last_seen_at > 7 days ago".to_string(),
            false,
            Some(
                "last_seen_at = 2024-06-01T00:00:00Z, needs > 7 days ago (2024-06-08T12:00:00Z)"
                    .to_string()
            )
        )]
    );
}

#[test]
fn a_true_and_shows_every_operand() {
    let dir = tempfile::tempdir().unwrap();
    let workspace = hand_made(dir.path());
    let u1 = users(&workspace, "u1", "Power");
    assert!(u1.member);
    assert_eq!(u1.summary().matches("needs").count(), 2, "{}", u1.summary());
    assert!(u1.deciding.because.iter().all(|c| c.holds));
}

#[test]
fn a_missing_value_says_it_is_not_set() {
    let dir = tempfile::tempdir().unwrap();
    let workspace = hand_made(dir.path());
    let u2 = users(&workspace, "u2", "Seen");
    assert!(!u2.member);
    assert_eq!(u2.deciding.shape, ClauseShape::Predicate);
    assert_eq!(
        u2.deciding.values.as_deref(),
        Some("last_seen_at is not set, needs > 7 days ago (2024-06-08T12:00:00Z)")
    );
}

#[test]
fn lists_and_in_lists_show_the_values_compared() {
    let dir = tempfile::tempdir().unwrap();
    let workspace = hand_made(dir.path());
    let staff = users(&workspace, "u2", "Staff");
    assert_eq!(
        staff.deciding.values.as_deref(),
        Some(r#"role = "member", needs in ["admin", "owner"]"#)
    );
    // `not` flips: u1 has the tag, so `not` is false because the inner
    // clause is true.
    let not_beta = users(&workspace, "u1", "Not beta");
    assert!(!not_beta.member);
    assert_eq!(not_beta.deciding.shape, ClauseShape::Not);
    assert_eq!(
        under_top(&not_beta),
        [(
            r#"tags has "beta""#.to_string(),
            true,
            Some(r#"tags = ["beta", "vip"], needs has "beta""#.to_string())
        )]
    );
    // An empty list has no element "beta": u2 is in.
    assert!(users(&workspace, "u2", "Not beta").member);
}

#[test]
fn or_shows_its_first_true_operand_or_every_false_one() {
    let dir = tempfile::tempdir().unwrap();
    let workspace = hand_made(dir.path());
    let u3 = users(&workspace, "u3", "Either");
    assert!(u3.member);
    assert_eq!(
        under_top(&u3),
        [(
            r#"role = "owner""#.to_string(),
            true,
            Some(r#"role = "owner", needs = "owner""#.to_string())
        )]
    );
    let u2 = users(&workspace, "u2", "Either");
    assert!(!u2.member);
    let texts: Vec<(String, bool)> = u2
        .deciding
        .because
        .iter()
        .map(|c| (c.text.clone(), c.holds))
        .collect();
    assert_eq!(
        texts,
        [
            (r#"role = "owner""#.to_string(), false),
            ("sessions_30d >= 20".to_string(), false)
        ]
    );
}

#[test]
fn account_clauses_show_the_account_s_value_or_no_account() {
    let dir = tempfile::tempdir().unwrap();
    let workspace = hand_made(dir.path());
    let values = |id: &str| {
        users(&workspace, id, "Enterprise plan users")
            .deciding
            .values
            .unwrap_or_default()
    };
    assert_eq!(
        values("u1"),
        r#"account.plan = "enterprise", needs = "enterprise""#
    );
    assert_eq!(
        values("u2"),
        r#"account.plan = "free", needs = "enterprise""#
    );
    assert_eq!(
        values("u3"),
        r#"no account, needs account.plan = "enterprise""#
    );
    // An account_id that names no account is no account.
    assert_eq!(
        values("u4"),
        r#"no account, needs account.plan = "enterprise""#
    );
}

#[test]
fn aggregates_show_the_computed_value() {
    let dir = tempfile::tempdir().unwrap();
    let workspace = hand_made(dir.path());
    let busy = why(&workspace, EntityKind::Accounts, "a1", "Busy");
    assert!(!busy.member);
    assert_eq!(
        busy.deciding.values.as_deref(),
        Some("count(users where sessions_30d >= 20) = 1, needs >= 2")
    );
    let average = why(&workspace, EntityKind::Accounts, "a1", "Average");
    assert!(average.member);
    assert_eq!(
        average.deciding.values.as_deref(),
        Some("avg(users.nps) = 9, needs >= 5")
    );
    // No user of a2 has an nps: the average is missing.
    let missing = why(&workspace, EntityKind::Accounts, "a2", "Average");
    assert!(!missing.member);
    assert_eq!(
        missing.deciding.values.as_deref(),
        Some("avg(users.nps) has no value, needs >= 5")
    );
    // `!=` is `not =`, and says so.
    let not_free = why(&workspace, EntityKind::Accounts, "a2", "Not free");
    assert_eq!(
        not_free.deciding.values.as_deref(),
        Some(r#"plan = "free", needs != "free""#)
    );
}

#[test]
fn in_segment_shows_the_referenced_segment_s_own_deciding_clause() {
    let dir = tempfile::tempdir().unwrap();
    let workspace = hand_made(dir.path());
    let u1 = users(&workspace, "u1", "Chain");
    assert!(u1.member);
    assert_eq!(
        u1.deciding.values.as_deref(),
        Some(r#"a member of "Enterprise staff""#)
    );
    let inside = u1.deciding.inside.as_deref().expect("one level down");
    assert_eq!(inside.shape, ClauseShape::And);
    assert!(inside.holds);
    assert_eq!(inside.because.len(), 2, "a true and shows every operand");
    assert_eq!(
        inside.because[1].values.as_deref(),
        Some(r#"account "a1" is a member of "Enterprise""#)
    );
    // One level only: the clauses inside do not go further down.
    assert!(inside.because.iter().all(|c| c.inside.is_none()));

    let u2 = users(&workspace, "u2", "Chain");
    assert!(!u2.member);
    let inside = u2.deciding.inside.as_deref().expect("one level down");
    let first: Vec<&Clause> = inside.because.iter().collect();
    assert_eq!(first.len(), 1);
    assert_eq!(first[0].text, r#"in segment "Staff""#);
    assert_eq!(
        first[0].values.as_deref(),
        Some(r#"not a member of "Staff""#)
    );

    // At the top, `account in segment` without an account.
    let u3 = users(&workspace, "u3", "Enterprise staff");
    assert_eq!(
        under_top(&u3),
        [(
            r#"account in segment "Enterprise""#.to_string(),
            false,
            Some("no account".to_string())
        )]
    );
}

#[test]
fn explain_all_covers_the_kind_in_name_order() {
    let dir = tempfile::tempdir().unwrap();
    let workspace = hand_made(dir.path());
    let all = workspace
        .explain_all(EntityKind::Accounts, "a1")
        .expect("a1 exists");
    let names: Vec<&str> = all.iter().map(|e| e.segment.as_str()).collect();
    assert_eq!(names, ["Average", "Busy", "Enterprise", "Not free"]);
}

#[test]
fn unknown_entities_and_segments_and_the_other_kind_are_errors() {
    let dir = tempfile::tempdir().unwrap();
    let workspace = hand_made(dir.path());
    let error = |kind, id: &str, segment: &str| {
        workspace
            .explain(kind, id, segment)
            .expect_err("not explainable")
    };
    assert_eq!(
        error(EntityKind::Users, "nobody", "Power"),
        ExplainError::UnknownEntity {
            kind: EntityKind::Users,
            id: "nobody".to_string()
        }
    );
    assert_eq!(
        error(EntityKind::Users, "u1", "Nope"),
        ExplainError::UnknownSegment {
            name: "Nope".to_string()
        }
    );
    assert_eq!(
        error(EntityKind::Users, "u1", "busy").to_string(),
        r#""Busy" is a segment of accounts, not of users"#
    );
}

// ---------------------------------------------------------------- verdicts

/// Every entity's verdict for every segment of its kind is its membership.
fn assert_verdicts_are_membership(workspace: &Workspace) -> usize {
    let mut checked = 0;
    for kind in [EntityKind::Users, EntityKind::Accounts] {
        for entity in workspace.all_entities(kind).iter() {
            let view = workspace.entity_at(entity);
            let explanations = workspace.explain_all(kind, &view.id).expect("explains");
            for explanation in explanations {
                let member = view.segments.contains(&explanation.segment);
                assert_eq!(
                    explanation.member, member,
                    "{} {} in {:?}: {explanation:#?}",
                    kind, view.id, explanation.segment
                );
                assert_eq!(explanation.deciding.holds, member);
                assert!(
                    explanation
                        .summary()
                        .starts_with(if member { "in" } else { "out" })
                );
                checked += 1;
            }
        }
    }
    checked
}

#[test]
fn the_verdict_is_membership_for_every_demo_entity_and_segment() {
    let dir = tempfile::tempdir().unwrap();
    let mut workspace = open(&dir.path().join("demo.redb"));
    let (users, accounts, seed) = (1_500, 150, 11);
    let mut account_rows = Vec::new();
    segscope::demo::write_accounts(&mut account_rows, accounts, seed, now()).unwrap();
    let mut user_rows = Vec::new();
    segscope::demo::write_users(&mut user_rows, users, accounts, seed, now()).unwrap();
    import(
        &mut workspace,
        EntityKind::Accounts,
        &String::from_utf8(account_rows).unwrap(),
    );
    import(
        &mut workspace,
        EntityKind::Users,
        &String::from_utf8(user_rows).unwrap(),
    );
    apply(&mut workspace, segscope::demo::DEMO_SEGMENTS);
    let checked = assert_verdicts_are_membership(&workspace);
    let segments = workspace.segment_names().len();
    assert!(segments >= 10, "the demo has its segments");
    assert!(checked > users * 5, "{checked} verdicts checked");
}

/// A user of generated properties, some missing, some of the wrong type.
fn user_json() -> impl Strategy<Value = String> {
    let role = prop_oneof![
        Just("\"admin\"".to_string()),
        Just("\"member\"".to_string()),
        Just("\"owner\"".to_string()),
        Just("12".to_string()),
        Just("null".to_string()),
    ];
    let sessions = prop_oneof![
        (0u32..40).prop_map(|n| n.to_string()),
        Just("\"20\"".to_string()),
        Just("null".to_string()),
    ];
    let seen = prop_oneof![
        (1u32..28).prop_map(|day| format!("\"2024-06-{day:02}T00:00:00Z\"")),
        Just("null".to_string()),
        Just("\"never\"".to_string()),
    ];
    let tags = prop_oneof![
        Just("[]".to_string()),
        Just("[\"beta\"]".to_string()),
        Just("[\"vip\", \"beta\"]".to_string()),
        Just("\"beta\"".to_string()),
        Just("null".to_string()),
    ];
    let account = prop_oneof![
        Just("\"a1\"".to_string()),
        Just("\"a2\"".to_string()),
        Just("\"ghost\"".to_string()),
        Just("null".to_string()),
    ];
    let nps = prop_oneof![
        (0u32..11).prop_map(|n| n.to_string()),
        Just("null".to_string())
    ];
    (role, sessions, seen, tags, account, nps).prop_map(
        |(role, sessions, seen, tags, account, nps)| {
            format!(
                r#"{{"role": {role}, "sessions_30d": {sessions}, "last_seen_at": {seen}, "tags": {tags}, "account_id": {account}, "nps": {nps}}}"#
            )
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Generated users (missing values, wrong types, lists, dangling
    /// accounts) under the hand-made segments: "why" agrees with
    /// membership for every entity and segment.
    #[test]
    fn the_verdict_is_membership_for_generated_users(users in prop::collection::vec(user_json(), 1..12)) {
        let dir = tempfile::tempdir().unwrap();
        let mut workspace = open(&dir.path().join("segscope.redb"));
        import(&mut workspace, EntityKind::Accounts, ACCOUNTS);
        let rows: Vec<String> = users
            .iter()
            .enumerate()
            .map(|(index, user)| format!(r#"{{"id": "g{index}", {}"#, &user[1..]))
            .collect();
        import(&mut workspace, EntityKind::Users, &(rows.join("\n") + "\n"));
        apply(&mut workspace, SEGMENTS);
        assert_verdicts_are_membership(&workspace);
    }
}

// ---------------------------------------------------------------- the binary

fn run(dir: &Path, args: &[&str]) -> (i32, String, String) {
    support::binary::run_at(dir, NOW, args)
}

#[test]
fn explain_prints_the_deciding_clauses_indented_with_their_values() {
    let dir = tempfile::tempdir().unwrap();
    drop(hand_made(dir.path()));
    let (code, stdout, stderr) = run(dir.path(), &["explain", "--kind", "users", "u3", "power"]);
    assert_eq!(code, 0, "{stderr}");
    assert_eq!(
        stdout,
        "user u3 is not in \"Power\"\n\
         \x20 false  sessions_30d >= 20 and last_seen_at > 7 days ago\n\
         \x20   false  last_seen_at > 7 days ago\n\
         \x20          last_seen_at = 2024-06-01T00:00:00Z, needs > 7 days ago (2024-06-08T12:00:00Z)\n"
    );
}

#[test]
fn explain_as_json_is_one_document() {
    let dir = tempfile::tempdir().unwrap();
    drop(hand_made(dir.path()));
    let (code, stdout, _) = run(
        dir.path(),
        &[
            "explain", "--kind", "accounts", "a1", "Busy", "--format", "json",
        ],
    );
    assert_eq!(code, 0);
    let document: serde_json::Value = serde_json::from_str(&stdout).expect("one JSON document");
    assert_eq!(document["segment"], "Busy");
    assert_eq!(document["member"], false);
    assert_eq!(document["deciding"]["holds"], false);
    assert_eq!(
        document["deciding"]["values"],
        "count(users where sessions_30d >= 20) = 1, needs >= 2"
    );
    // Without a segment: every segment of the kind, in one document.
    let (code, stdout, _) = run(
        dir.path(),
        &["explain", "--kind", "accounts", "a1", "--format", "json"],
    );
    assert_eq!(code, 0);
    let document: serde_json::Value = serde_json::from_str(&stdout).expect("one JSON document");
    let names: Vec<&str> = document["segments"]
        .as_array()
        .expect("an array")
        .iter()
        .map(|s| s["segment"].as_str().unwrap_or_default())
        .collect();
    assert_eq!(names, ["Average", "Busy", "Enterprise", "Not free"]);
}

#[test]
fn explain_without_a_segment_explains_each_of_the_kind() {
    let dir = tempfile::tempdir().unwrap();
    drop(hand_made(dir.path()));
    let (code, stdout, _) = run(dir.path(), &["explain", "--kind", "users", "u1"]);
    assert_eq!(code, 0);
    let verdicts: Vec<&str> = stdout
        .lines()
        .filter(|l| l.starts_with("user u1"))
        .collect();
    assert_eq!(verdicts.len(), 8, "{stdout}");
    assert_eq!(verdicts[0], "user u1 is in \"Chain\"");
}

#[test]
fn explain_errors_are_one_sentence_and_exit_1() {
    let dir = tempfile::tempdir().unwrap();
    drop(hand_made(dir.path()));
    for (args, message) in [
        (
            vec!["explain", "--kind", "users", "nobody", "Power"],
            "error: there is no user with id \"nobody\"\n",
        ),
        (
            vec!["explain", "--kind", "users", "u1", "Nope"],
            "error: there is no segment named \"Nope\"\n",
        ),
        (
            vec!["explain", "--kind", "users", "u1", "Busy"],
            "error: \"Busy\" is a segment of accounts, not of users\n",
        ),
    ] {
        let (code, stdout, stderr) = run(dir.path(), &args);
        assert_eq!((code, stdout.as_str(), stderr.as_str()), (1, "", message));
    }
    let (code, stdout, _) = run(dir.path(), &["explain", "--help"]);
    assert_eq!(code, 0);
    assert!(stdout.contains("Usage: segscope explain"), "{stdout}");
}

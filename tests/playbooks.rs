//! Playbooks, run as the real binary: a playbook fires when an entity starts
//! to satisfy its `when` — once per entry with `runs every entry`, never
//! twice with `runs once`, not for those already matching with `skip
//! existing` — on apply, set, import and `run`; `set` actions apply at once
//! and may make other playbooks fire, a loop stopping at depth 10 with the
//! error logged; webhooks leave from the outbox signed (checked by the
//! test's own Standard Webhooks verifier), are retried after a failure, and
//! survive a kill -9 to be delivered exactly once after it; a disabled
//! playbook does not fire and catches up only when asked.

mod support;

use std::time::{Duration, Instant};

use serde_json::Value;
use support::sync_setup::SyncDb;
use support::webhook_receiver::{WebhookFault, WebhookReceiver, unix_now};

/// A playbook for users on the Champions (admins) of the fixture.
fn champions_playbook(extra: &str) -> String {
    format!(
        r#"playbook "Welcome" for users {{
  when in segment "Champions"
  {extra}
  log "New champion"
}}
"#
    )
}

/// `playbooks --runs NAME --format jsonl`, newest first.
fn firings(db: &SyncDb, name: &str) -> Vec<Value> {
    db.run(&["playbooks", "--runs", name, "--format", "jsonl"])
        .expect(0)
        .json_lines()
}

/// The entities of a playbook's firings, in the order they fired.
fn fired_for(db: &SyncDb, name: &str) -> Vec<String> {
    let mut entities: Vec<String> = firings(db, name)
        .iter()
        .map(|firing| firing["entity"].as_str().unwrap().to_string())
        .collect();
    entities.reverse();
    entities
}

fn playbook_row(db: &SyncDb, name: &str) -> Value {
    db.run(&["playbooks", "--format", "jsonl"])
        .expect(0)
        .json_lines()
        .into_iter()
        .find(|row| row["name"] == name)
        .unwrap_or_else(|| panic!("no playbook {name}"))
}

fn property(db: &SyncDb, kind: &str, id: &str, name: &str) -> Value {
    let shown = db
        .run(&["show", "--kind", kind, id, "--format", "json"])
        .expect(0);
    let entity: Value = serde_json::from_str(&shown.stdout).unwrap();
    entity[name].clone()
}

#[test]
fn a_new_playbook_fires_for_everyone_matching_then_on_each_entry() {
    let db = SyncDb::seeded();
    let applied = db.apply("playbooks.seg", &champions_playbook("")).expect(0);
    assert!(
        applied
            .stderr
            .contains("playbook \"Welcome\" fired for user"),
        "{applied}"
    );
    assert_eq!(fired_for(&db, "Welcome"), ["u1", "u3", "u5"]);
    // Leaving fires nothing; coming back fires again.
    db.run(&["set", "--kind", "users", "u1", r#"role="member""#])
        .expect(0);
    assert_eq!(fired_for(&db, "Welcome").len(), 3);
    let back = db
        .run(&["set", "--kind", "users", "u1", r#"role="admin""#])
        .expect(0);
    assert!(back.stderr.contains("fired for user u1"), "{back}");
    assert!(back.stderr.contains("log: New champion"), "{back}");
    assert_eq!(fired_for(&db, "Welcome"), ["u1", "u3", "u5", "u1"]);
    // Applying the same file again fires nobody.
    db.apply("playbooks.seg", &champions_playbook("")).expect(0);
    assert_eq!(fired_for(&db, "Welcome").len(), 4);
    let row = playbook_row(&db, "Welcome");
    assert_eq!(row["fired_last_24h"], 4, "{row}");
    assert_eq!(row["matching_now"], 3, "{row}");
    assert_eq!(row["runs"], "every entry");
    let log = db.run(&["playbooks", "--log"]).expect(0);
    assert_eq!(log.stdout.matches("New champion").count(), 4, "{log}");
}

#[test]
fn runs_once_never_fires_twice_for_an_entity() {
    let db = SyncDb::seeded();
    db.apply("playbooks.seg", &champions_playbook("runs once"))
        .expect(0);
    assert_eq!(fired_for(&db, "Welcome"), ["u1", "u3", "u5"]);
    db.run(&["set", "--kind", "users", "u1", r#"role="member""#])
        .expect(0);
    db.run(&["set", "--kind", "users", "u1", r#"role="admin""#])
        .expect(0);
    assert_eq!(fired_for(&db, "Welcome"), ["u1", "u3", "u5"]);
    // Someone new still fires, once.
    db.run(&["set", "--kind", "users", "u2", r#"role="admin""#])
        .expect(0);
    assert_eq!(fired_for(&db, "Welcome"), ["u1", "u3", "u5", "u2"]);
}

#[test]
fn skip_existing_fires_only_for_those_who_enter_later() {
    let db = SyncDb::seeded();
    let applied = db
        .apply("playbooks.seg", &champions_playbook("skip existing"))
        .expect(0);
    assert!(!applied.stderr.contains("fired"), "{applied}");
    assert!(fired_for(&db, "Welcome").is_empty());
    db.run(&["set", "--kind", "users", "u2", r#"role="admin""#])
        .expect(0);
    assert_eq!(fired_for(&db, "Welcome"), ["u2"]);
    // An import that makes a new champion fires for it.
    db.import(
        "users",
        "more.jsonl",
        r#"{"id": "u9", "account_id": "a1", "role": "admin"}"#,
    )
    .expect(0);
    assert_eq!(fired_for(&db, "Welcome"), ["u2", "u9"]);
    // Deleting never fires.
    db.run(&["delete", "--kind", "users", "u9"]).expect(0);
    assert_eq!(fired_for(&db, "Welcome"), ["u2", "u9"]);
}

#[test]
fn a_set_action_applies_at_once_and_can_make_another_playbook_fire() {
    let db = SyncDb::seeded();
    let text = r#"playbook "Tier" for users {
  when in segment "Champions"
  skip existing
  set tier = "gold"
  set tiered_at = now
}

playbook "Gold" for users {
  when tier = "gold"
  skip existing
  log "Gold member"
}
"#;
    db.apply("playbooks.seg", text).expect(0);
    let set = db
        .run(&["set", "--kind", "users", "u2", r#"role="admin""#])
        .expect(0);
    assert!(set.stderr.contains("playbook \"Tier\" fired"), "{set}");
    assert!(set.stderr.contains("playbook \"Gold\" fired"), "{set}");
    assert_eq!(property(&db, "users", "u2", "tier"), "gold");
    assert_eq!(
        property(&db, "users", "u2", "tiered_at"),
        "2024-06-15T12:00:00Z"
    );
    let gold = firings(&db, "Gold");
    assert_eq!(gold.len(), 1);
    assert_eq!(gold[0]["depth"], 1, "{gold:?}");
    let tier = firings(&db, "Tier");
    assert_eq!(tier[0]["depth"], 0);
    assert_eq!(tier[0]["actions"][0]["action"], r#"set tier = "gold""#);
    assert_eq!(tier[0]["actions"][0]["result"], "done");
}

#[test]
fn a_loop_of_playbooks_stops_at_depth_ten_and_the_change_still_commits() {
    let db = SyncDb::seeded();
    let text = r#"playbook "Ping" for users {
  when flag = "ping"
  set flag = "pong"
}

playbook "Pong" for users {
  when flag = "pong"
  set flag = "ping"
}
"#;
    db.apply("loop.seg", text).expect(0);
    let set = db
        .run(&["set", "--kind", "users", "u4", r#"flag="ping""#])
        .expect(0);
    assert!(set.stderr.contains("deeper than 10"), "{set}");
    assert!(set.stderr.contains(r#""Ping" → "Pong""#), "{set}");
    let fired = fired_for(&db, "Ping").len() + fired_for(&db, "Pong").len();
    assert_eq!(fired, 10);
    // Ten firings, Ping first: the last was Pong's, which set "ping" again.
    assert_eq!(property(&db, "users", "u4", "flag"), "ping");
    let log = db.run(&["playbooks", "--log"]).expect(0);
    assert!(log.stdout.contains("deeper than 10"), "{log}");
}

fn hook_playbook(url: &str) -> String {
    format!(
        r#"playbook "Hook" for users {{
  when in segment "Champions"
  skip existing
  webhook "{url}" secret env "HOOK_SECRET"
}}
"#
    )
}

#[test]
fn a_webhook_goes_out_signed_before_the_command_exits() {
    let receiver = WebhookReceiver::start(support::sync_setup::SECRET);
    let db = SyncDb::seeded();
    db.apply("hook.seg", &hook_playbook(&receiver.url()))
        .expect(0);
    let set = db
        .run(&["set", "--kind", "users", "u2", r#"role="admin""#])
        .expect(0);
    assert!(set.stderr.contains("delivered 1 webhook"), "{set}");
    // The receiver verified the signature with its own HMAC code.
    assert_eq!(receiver.rejected(), 0, "{:?}", receiver.rejections());
    let deliveries = receiver.deliveries();
    assert_eq!(deliveries.len(), 1);
    let firing = &firings(&db, "Hook")[0];
    let id = firing["id"].as_u64().unwrap();
    assert!(
        deliveries[0].webhook_id.ends_with(&format!("_{id}_0")),
        "{}",
        deliveries[0].webhook_id
    );
    let body: Value = serde_json::from_str(&deliveries[0].body).unwrap();
    assert_eq!(body["type"], "playbook.fired");
    assert_eq!(body["playbook"], "Hook");
    assert_eq!(body["firing_id"], id);
    assert_eq!(body["fired_at"], "2024-06-15T12:00:00Z");
    assert_eq!(body["entity"]["id"], "u2");
    assert_eq!(body["entity"]["account_id"], "a2");
    assert_eq!(body["entity"]["properties"]["email"], "Bob@Bolt.example");
    assert_eq!(
        body["entity"]["segments"],
        serde_json::json!(["Champions", "Power users", "Trial"])
    );
    assert_eq!(firing["actions"][0]["result"], "done");
    assert_eq!(playbook_row(&db, "Hook")["pending_deliveries"], 0);
}

#[test]
fn a_failed_delivery_stays_pending_and_the_next_command_retries_it() {
    let receiver = WebhookReceiver::start(support::sync_setup::SECRET);
    receiver.fail_next(1, WebhookFault::ServerError);
    let db = SyncDb::seeded();
    db.apply("hook.seg", &hook_playbook(&receiver.url()))
        .expect(0);
    let set = db
        .run(&["set", "--kind", "users", "u2", r#"role="admin""#])
        .expect(0);
    assert!(set.stderr.contains("1 webhook left pending"), "{set}");
    assert_eq!(playbook_row(&db, "Hook")["pending_deliveries"], 1);
    let firing = &firings(&db, "Hook")[0];
    assert_eq!(firing["actions"][0]["result"], "pending");
    assert!(
        firing["actions"][0]["last_error"]
            .as_str()
            .unwrap()
            .contains("answered 500"),
        "{firing}"
    );
    // Not due yet: a command right away leaves it alone.
    db.run(&["run"]).expect(0);
    assert_eq!(receiver.deliveries().len(), 1);
    // After the backoff, `run` delivers it under the same id.
    std::thread::sleep(Duration::from_millis(5_200));
    let run = db.run(&["run"]).expect(0);
    assert!(run.stderr.contains("delivered 1 webhook"), "{run}");
    let ids = receiver.attempts_by_id();
    assert_eq!(ids.len(), 1, "{ids:?}");
    assert_eq!(ids.values().next(), Some(&2));
    assert_eq!(firings(&db, "Hook")[0]["actions"][0]["result"], "done");
    assert_eq!(playbook_row(&db, "Hook")["pending_deliveries"], 0);
}

#[test]
fn a_kill_between_commit_and_delivery_loses_nothing_and_sends_once() {
    let receiver = WebhookReceiver::start(support::sync_setup::SECRET);
    let db = SyncDb::seeded();
    db.apply("hook.seg", &hook_playbook(&receiver.url()))
        .expect(0);
    // The receiver holds the first delivery while the command is killed.
    receiver.set_delay(Duration::from_secs(30));
    let mut child = db.spawn(&["set", "--kind", "users", "u2", r#"role="admin""#]);
    let deadline = Instant::now() + Duration::from_secs(20);
    while receiver.total_requests() == 0 {
        assert!(Instant::now() < deadline, "the webhook never arrived");
        std::thread::sleep(Duration::from_millis(10));
    }
    child.kill().expect("kill -9");
    child.wait().unwrap();
    receiver.set_delay(Duration::ZERO);
    // The change and its firing were committed before the delivery.
    assert_eq!(property(&db, "users", "u2", "role"), "admin");
    assert_eq!(playbook_row(&db, "Hook")["pending_deliveries"], 1);
    let run = db.run(&["run"]).expect(0);
    assert!(run.stderr.contains("delivered 1 webhook"), "{run}");
    db.run(&["run"]).expect(0);
    db.run(&["set", "--kind", "users", "u4", r#"sessions=2"#])
        .expect(0);
    // Twice on the wire (the killed try and the one after), one id: a
    // receiver that keeps ids takes it once.
    let ids = receiver.attempts_by_id();
    assert_eq!(ids.len(), 1, "{ids:?}");
    assert_eq!(ids.values().next(), Some(&2));
    assert_eq!(playbook_row(&db, "Hook")["pending_deliveries"], 0);
}

#[test]
fn a_missing_secret_leaves_the_webhook_pending_with_a_reason() {
    let receiver = WebhookReceiver::start(support::sync_setup::SECRET);
    let mut db = SyncDb::seeded();
    db.apply("hook.seg", &hook_playbook(&receiver.url()))
        .expect(0);
    db.remove_env("HOOK_SECRET");
    let set = db
        .run(&["set", "--kind", "users", "u2", r#"role="admin""#])
        .expect(0);
    assert!(set.stderr.contains("HOOK_SECRET"), "{set}");
    assert!(!set.stderr.contains(support::sync_setup::SECRET), "{set}");
    assert_eq!(receiver.total_requests(), 0);
    assert_eq!(playbook_row(&db, "Hook")["pending_deliveries"], 1);
}

#[test]
fn a_time_based_condition_fires_on_a_later_run() {
    let db = SyncDb::seeded();
    db.import(
        "users",
        "seen.jsonl",
        r#"{"id": "u1", "last_seen_at": "2024-06-10T00:00:00Z"}"#,
    )
    .expect(0);
    let text = r#"playbook "Quiet" for users {
  when last_seen_at < 30 days ago
  log "Gone quiet"
}
"#;
    db.apply("quiet.seg", text).expect(0);
    assert!(fired_for(&db, "Quiet").is_empty());
    let early = db.run_at("2024-06-20T00:00:00Z", &["run"]).expect(0);
    assert!(!early.stderr.contains("fired"), "{early}");
    let later = db.run_at("2024-07-20T00:00:00Z", &["run"]).expect(0);
    assert!(
        later
            .stderr
            .contains("playbook \"Quiet\" fired for user u1"),
        "{later}"
    );
    let quiet = firings(&db, "Quiet");
    assert_eq!(quiet.len(), 1);
    assert_eq!(quiet[0]["at"], "2024-07-20T00:00:00Z");
}

#[test]
fn a_disabled_playbook_does_not_fire_and_catches_up_only_when_asked() {
    let db = SyncDb::seeded();
    db.apply("playbooks.seg", &champions_playbook("skip existing"))
        .expect(0);
    db.run(&["playbooks", "--disable", "welcome"]).expect(0);
    assert_eq!(playbook_row(&db, "Welcome")["enabled"], false);
    db.run(&["set", "--kind", "users", "u2", r#"role="admin""#])
        .expect(0);
    assert!(fired_for(&db, "Welcome").is_empty());
    // Enabled again: u2 started to match meanwhile and does not fire.
    let enabled = db.run(&["playbooks", "--enable", "Welcome"]).expect(0);
    assert!(enabled.stderr.contains("--catch-up"), "{enabled}");
    assert!(fired_for(&db, "Welcome").is_empty());
    // While disabled again, u4 enters; catching up fires for u4 only.
    db.run(&["playbooks", "--disable", "Welcome"]).expect(0);
    db.run(&["set", "--kind", "users", "u4", r#"role="admin""#])
        .expect(0);
    db.run(&["playbooks", "--enable", "Welcome", "--catch-up"])
        .expect(0);
    assert_eq!(fired_for(&db, "Welcome"), ["u4"]);
    assert_eq!(playbook_row(&db, "Welcome")["enabled"], true);
}

#[test]
fn unknown_playbooks_and_bad_flags_are_clear_errors() {
    let db = SyncDb::seeded();
    db.apply("playbooks.seg", &champions_playbook("")).expect(0);
    let unknown = db.run(&["playbooks", "--runs", "Welcom"]).expect(1);
    assert!(
        unknown
            .stderr
            .contains("no playbook named \"Welcom\"; did you mean \"Welcome\"?"),
        "{unknown}"
    );
    let disable = db.run(&["playbooks", "--disable", "Nope"]).expect(1);
    assert!(
        disable.stderr.contains("no playbook named \"Nope\""),
        "{disable}"
    );
    let catch_up = db.run(&["playbooks", "--catch-up"]).expect(2);
    assert!(catch_up.stderr.contains("--enable"), "{catch_up}");
    let table = db.run(&["playbooks", "--format", "table"]).expect(0);
    assert!(table.stdout.contains("Welcome"), "{table}");
    assert!(table.stdout.contains("in segment \"Champions\""), "{table}");
}

#[test]
fn the_firing_instant_is_the_change_instant() {
    // Firings carry the command's --now, and a webhook's try its clock.
    let receiver = WebhookReceiver::start(support::sync_setup::SECRET);
    let db = SyncDb::seeded();
    db.apply("hook.seg", &hook_playbook(&receiver.url()))
        .expect(0);
    db.run(&["set", "--kind", "users", "u2", r#"role="admin""#])
        .expect(0);
    let delivery = &receiver.deliveries()[0];
    let skew = unix_now().abs_diff(delivery.timestamp);
    assert!(skew < 60, "{skew}");
}

#[test]
fn what_moved_before_a_change_of_a_workspace_opened_without_recording_still_fires() {
    // The UI opens without recording; its first change must record (and
    // fire for) what moved since the last recorded evaluation, not take it
    // as never moved.
    use segscope::model::{EntityKind, Value};
    use segscope::workspace::{OpenOptions, Workspace};
    let db = SyncDb::seeded();
    db.import(
        "users",
        "seen.jsonl",
        r#"{"id": "u1", "last_seen_at": "2024-06-10T00:00:00Z"}"#,
    )
    .expect(0);
    let text = r#"playbook "Quiet" for users {
  when last_seen_at < 30 days ago
  log "Gone quiet"
}
"#;
    db.apply("quiet.seg", text).expect(0);
    let later = segscope::model::datetime_from_text("2024-07-20T00:00:00Z").unwrap();
    let mut workspace = Workspace::open(
        &db.db_path(),
        OpenOptions {
            now: Some(later),
            wait: None,
            record: false,
        },
    )
    .unwrap();
    workspace
        .set(
            EntityKind::Users,
            "u4",
            vec![("sessions".to_string(), Some(Value::number(3.0)))],
        )
        .unwrap();
    let news = workspace.take_playbook_news();
    assert_eq!(news.fired.len(), 1, "{news:?}");
    assert_eq!(news.fired[0].first, "u1");
    drop(workspace);
    assert_eq!(fired_for(&db, "Quiet"), ["u1"]);
}

#[test]
fn a_playbook_keeps_its_name_when_saved() {
    use segscope::workspace::{OpenOptions, Workspace};
    let db = SyncDb::seeded();
    db.apply("playbooks.seg", &champions_playbook("runs once"))
        .expect(0);
    let mut workspace = Workspace::open(
        &db.db_path(),
        OpenOptions {
            now: None,
            wait: None,
            record: true,
        },
    )
    .unwrap();
    let mut playbook = workspace.playbook("Welcome").unwrap().clone();
    playbook.name = "Welcome again".to_string();
    let refused = workspace.save_playbook(&playbook, Some("Welcome"));
    assert!(
        format!("{refused:?}").contains("keeps its name"),
        "{refused:?}"
    );
}

//! `segscope sync` to a webhook, run as the real binary against a loopback
//! receiver that verifies Standard Webhooks signatures: batches signed and
//! carrying each record (`upsert`, and `exit` for those who left), a
//! retried batch under the same `webhook-id`, 410 disabling the
//! destination until its url changes, and a missing or wrong secret
//! refused with a sentence that names it.

mod support;

use std::time::{Duration, Instant};

use serde_json::{Map, Value, json};
use support::sync_setup::{SECRET, SyncDb};
use support::webhook_receiver::{Batch, Op, Record, WebhookFault, WebhookReceiver};

const NAME: &str = "Ops hook";

fn webhook_destination(url: &str) -> String {
    format!(
        r#"destination "Ops hook" webhook {{
  url "{url}"
  secret env "HOOK_SECRET"
  users {{ segments ["Champions"]  map segments -> segments as list  map email -> email }}
  accounts {{ map segments -> segments as list  map name -> name }}
}}
"#
    )
}

/// The fixture with the webhook destination pointed at `receiver`.
fn webhook_db(receiver: &WebhookReceiver) -> SyncDb {
    let db = SyncDb::seeded();
    db.apply("destinations.seg", &webhook_destination(&receiver.url()))
        .expect(0);
    db
}

fn properties(value: Value) -> Map<String, Value> {
    match value {
        Value::Object(map) => map,
        other => panic!("not an object: {other}"),
    }
}

fn upsert(key: &str, properties_value: Value) -> Record {
    Record {
        key: key.to_string(),
        op: Op::Upsert,
        properties: properties(properties_value),
    }
}

fn exit(key: &str) -> Record {
    Record {
        key: key.to_string(),
        op: Op::Exit,
        properties: properties(json!({"segments": []})),
    }
}

/// The records a clean full sync of the fixture delivers, per kind.
fn expected_users() -> Vec<Record> {
    vec![
        upsert(
            "u1",
            json!({"email": "ann@acme.example", "segments": ["Champions", "Power users"]}),
        ),
        upsert(
            "u3",
            json!({"email": "cy@mail.example", "segments": ["Champions"]}),
        ),
        // The key is the id: u5 goes, without an email.
        upsert("u5", json!({"email": null, "segments": ["Champions"]})),
    ]
}

fn expected_accounts() -> Vec<Record> {
    vec![
        upsert("a1", json!({"name": "Acme", "segments": ["Big", "Paying"]})),
        upsert("a2", json!({"name": "Bolt", "segments": []})),
        upsert("a3", json!({"name": "Cyan", "segments": ["Big"]})),
    ]
}

fn counts_line(sent: u64, unchanged: u64, exited: u64) -> String {
    format!(
        "  {sent} sent, {unchanged} unchanged, {exited} exited, 0 skipped without a key, 0 in a key conflict, 0 failed"
    )
}

#[test]
fn batches_are_signed_and_carry_each_record() {
    let receiver = WebhookReceiver::start(SECRET);
    let db = webhook_db(&receiver);
    let ran = db.sync(NAME).expect(0);

    assert_eq!(receiver.rejected(), 0, "{:?}", receiver.rejections());
    assert_eq!(receiver.malformed(), 0);
    assert_eq!(receiver.total_requests(), 2);
    let batches = receiver.batches();
    let shape: Vec<(&str, &str, &[Record])> = batches
        .iter()
        .map(|batch: &Batch| {
            (
                batch.destination.as_str(),
                batch.kind.as_str(),
                batch.records.as_slice(),
            )
        })
        .collect();
    assert_eq!(
        shape,
        [
            (NAME, "users", expected_users().as_slice()),
            (NAME, "accounts", expected_accounts().as_slice()),
        ]
    );
    assert_ne!(batches[0].webhook_id, batches[1].webhook_id);
    for delivery in receiver.deliveries() {
        let skew = support::webhook_receiver::unix_now() - delivery.timestamp;
        assert!((0..=60).contains(&skew), "timestamp {}", delivery.timestamp);
    }
    assert!(ran.stdout.contains(&counts_line(6, 0, 0)), "{ran}");

    // Nothing changed: nothing posted.
    let ran = db.sync(NAME).expect(0);
    assert_eq!(receiver.total_requests(), 2);
    assert!(ran.stdout.contains(&counts_line(0, 6, 0)), "{ran}");
}

#[test]
fn a_retried_batch_keeps_its_webhook_id() {
    let receiver = WebhookReceiver::start(SECRET);
    let db = webhook_db(&receiver);
    receiver.fail_next(1, WebhookFault::ServerError);
    receiver.fail_next(
        1,
        WebhookFault::TooManyRequests {
            retry_after_secs: 1,
        },
    );
    let started = Instant::now();
    let ran = db.sync(NAME).expect(0);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After ignored"
    );

    let deliveries = receiver.deliveries();
    let statuses: Vec<u16> = deliveries.iter().map(|delivery| delivery.status).collect();
    assert_eq!(statuses, [500, 429, 200, 200]);
    assert_eq!(deliveries[0].webhook_id, deliveries[1].webhook_id);
    assert_eq!(deliveries[1].webhook_id, deliveries[2].webhook_id);
    assert_ne!(deliveries[2].webhook_id, deliveries[3].webhook_id);
    assert!(
        receiver.conflicting_ids().is_empty(),
        "a retry changed its body"
    );
    let mut attempts: Vec<usize> = receiver.attempts_by_id().into_values().collect();
    attempts.sort_unstable();
    assert_eq!(attempts, [1, 3]);
    assert_eq!(receiver.records("users"), expected_users());
    assert_eq!(receiver.records("accounts"), expected_accounts());
    assert!(ran.stdout.contains(&counts_line(6, 0, 0)), "{ran}");
}

#[test]
fn changes_go_as_upserts_and_those_who_left_as_one_exit() {
    let receiver = WebhookReceiver::start(SECRET);
    let db = webhook_db(&receiver);
    db.sync(NAME).expect(0);

    // ann is no longer a Power user; cy is no admin (out of Champions);
    // Bolt is deleted.
    db.run(&["set", "--kind", "users", "u1", "sessions=5"])
        .expect(0);
    db.run(&["set", "--kind", "users", "u3", r#"role="member""#])
        .expect(0);
    db.run(&["delete", "--kind", "accounts", "a2"]).expect(0);
    let ran = db.sync(NAME).expect(0);
    assert!(ran.stdout.contains(&counts_line(1, 3, 2)), "{ran}");
    let batches = receiver.batches();
    assert_eq!(batches.len(), 4);
    assert_eq!(batches[2].kind, "users");
    assert_eq!(
        batches[2].records,
        [
            upsert(
                "u1",
                json!({"email": "ann@acme.example", "segments": ["Champions"]})
            ),
            exit("u3"),
        ]
    );
    assert_eq!(batches[3].kind, "accounts");
    assert_eq!(batches[3].records, [exit("a2")]);

    // Those who left are forgotten: nothing more goes.
    let requests = receiver.total_requests();
    let ran = db.sync(NAME).expect(0);
    assert_eq!(receiver.total_requests(), requests);
    assert!(ran.stdout.contains(&counts_line(0, 4, 0)), "{ran}");
}

#[test]
fn a_410_disables_the_destination_until_its_url_changes() {
    let receiver = WebhookReceiver::start(SECRET);
    let db = webhook_db(&receiver);
    receiver.fail_next(1, WebhookFault::Gone);
    let ran = db.sync(NAME).expect(1);
    assert!(ran.stderr.contains("410"), "{ran}");
    assert!(ran.stderr.contains("disabled"), "{ran}");
    assert!(ran.stderr.contains(&receiver.url()), "{ran}");
    assert!(receiver.batches().is_empty());
    assert_eq!(receiver.total_requests(), 1, "it went on after a 410");
    assert_eq!(db.last_run(NAME)["outcome"], "stopped");

    // Disabled: refused before anything is sent, saying how to enable it.
    let ran = db.sync(NAME).expect(1);
    assert!(ran.stderr.contains("is disabled"), "{ran}");
    assert!(ran.stderr.contains("new address"), "{ran}");
    assert_eq!(receiver.total_requests(), 1);
    let ran = db.run(&["sync", "--all"]).expect(1);
    assert!(ran.stderr.contains("is disabled"), "{ran}");
    assert_eq!(receiver.total_requests(), 1);

    // A new url enables it; nothing was acknowledged, so everyone goes.
    let moved = format!("{}?v=2", receiver.url());
    db.apply("destinations.seg", &webhook_destination(&moved))
        .expect(0);
    let ran = db.sync(NAME).expect(0);
    assert!(ran.stdout.contains(&counts_line(6, 0, 0)), "{ran}");
    assert_eq!(receiver.records("users"), expected_users());
    assert_eq!(receiver.records("accounts"), expected_accounts());
    // And stays enabled.
    db.sync(NAME).expect(0);
}

#[test]
fn a_missing_or_wrong_secret_is_refused_clearly() {
    let receiver = WebhookReceiver::start(SECRET);
    let mut db = webhook_db(&receiver);

    db.remove_env("HOOK_SECRET");
    let ran = db.sync(NAME).expect(1);
    assert!(ran.stderr.contains("HOOK_SECRET"), "{ran}");
    assert!(ran.stderr.contains("not set"), "{ran}");
    assert!(ran.stderr.contains("\"Ops hook\""), "{ran}");
    assert_eq!(receiver.total_requests(), 0);
    // A dry run needs no secret.
    let ran = db.run(&["sync", NAME, "--dry-run"]).expect(0);
    assert!(ran.stdout.contains("nothing is sent"), "{ran}");
    assert_eq!(receiver.total_requests(), 0);

    // Set but empty is no secret either: nothing is signed with an empty
    // key.
    db.set_env("HOOK_SECRET", "");
    let ran = db.sync(NAME).expect(1);
    assert!(ran.stderr.contains("HOOK_SECRET"), "{ran}");
    assert_eq!(receiver.total_requests(), 0);

    db.set_env("HOOK_SECRET", "whsec_not base64!");
    let ran = db.sync(NAME).expect(1);
    assert!(ran.stderr.contains("HOOK_SECRET"), "{ran}");
    assert!(ran.stderr.contains("base64"), "{ran}");
    assert_eq!(receiver.total_requests(), 0);

    // Another key: the receiver refuses the signature; nothing is kept as
    // acknowledged.
    db.set_env("HOOK_SECRET", "whsec_YW5vdGhlci1rZXktYWx0b2dldGhlcg==");
    let ran = db.sync(NAME).expect(1);
    assert!(ran.stderr.contains("401"), "{ran}");
    assert!(ran.stderr.contains("secret"), "{ran}");
    assert!(ran.stderr.contains("\"Ops hook\""), "{ran}");
    assert_eq!(receiver.rejected(), 1);
    assert!(receiver.batches().is_empty());

    db.set_env("HOOK_SECRET", SECRET);
    let ran = db.sync(NAME).expect(0);
    assert_eq!(receiver.records("users"), expected_users());
    assert_eq!(receiver.records("accounts"), expected_accounts());
    // The secret is neither shown nor stored.
    assert!(!ran.output().contains(SECRET), "{ran}");
    let runs = db.run(&["runs", NAME, "--format", "jsonl"]).expect(0);
    assert!(!runs.output().contains(SECRET), "{runs}");
    let bytes = db.db_bytes();
    assert!(
        !bytes
            .windows(SECRET.len())
            .any(|window| window == SECRET.as_bytes())
    );
}

/// An entity that leaves, comes back and leaves again is sent two exits
/// with the same body; each is a delivery of its own (a new webhook-id), so
/// a receiver that drops repeated ids takes both.
#[test]
fn a_batch_like_an_earlier_one_gets_a_new_id() {
    let receiver = WebhookReceiver::start(SECRET);
    let db = webhook_db(&receiver);
    db.sync(NAME).expect(0);
    for role in ["member", "admin", "member"] {
        db.run(&["set", "--kind", "users", "u3", &format!("role=\"{role}\"")])
            .expect(0);
        db.sync(NAME).expect(0);
    }
    let exits: Vec<Batch> = receiver
        .batches()
        .into_iter()
        .filter(|batch| batch.records == [exit("u3")])
        .collect();
    assert_eq!(exits.len(), 2, "{:#?}", receiver.batches());
    assert_ne!(exits[0].webhook_id, exits[1].webhook_id);
    assert!(receiver.conflicting_ids().is_empty());
}

/// A destination enabled again at a new address starts afresh: what the
/// gone address acknowledged says nothing of the new one, which gets
/// everyone, not only what changed since.
#[test]
fn a_new_address_after_a_410_gets_everyone() {
    let receiver = WebhookReceiver::start(SECRET);
    let db = webhook_db(&receiver);
    db.sync(NAME).expect(0);
    db.run(&["set", "--kind", "users", "u1", "sessions=5"])
        .expect(0);
    receiver.fail_next(1, WebhookFault::Gone);
    db.sync(NAME).expect(1);
    let moved = format!("{}?v=2", receiver.url());
    db.apply("destinations.seg", &webhook_destination(&moved))
        .expect(0);
    let ran = db.sync(NAME).expect(0);
    assert!(ran.stdout.contains(&counts_line(6, 0, 0)), "{ran}");
}

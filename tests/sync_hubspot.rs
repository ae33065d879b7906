//! `segscope sync` to HubSpot, run as the real binary against the loopback
//! fake of CRM v3: the first run creates the properties and every selected
//! contact and company; later runs send only what changed, clear those who
//! left once, and patch a multi-select's options before the upsert that
//! needs them; every fault (429s, the daily limit, 5xx, timeouts, 207s,
//! whole-batch 400s, 401s, a kill mid-run) loses nothing — the fake ends
//! exactly as a clean full sync leaves it; the token is never written or
//! shown; bad definitions and bad environments are refused with a sentence
//! that says what to do; `runs` shows what each run did.

mod support;

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use support::fake_hubspot::{FakeHubSpot, Fault, LoggedRequest, Match};
use support::sync_setup::{
    Objects, SEGMENTS, SyncDb, TOKEN, expected_companies, expected_contacts, hubspot_destination,
};

const NAME: &str = "HubSpot";

/// The fixture with the HubSpot destination pointed at `fake`.
fn hubspot_db(fake: &FakeHubSpot) -> SyncDb {
    let db = SyncDb::seeded();
    db.apply("destinations.seg", &hubspot_destination(&fake.base_url()))
        .expect(0);
    db
}

/// The fake holds exactly what a clean full sync of the fixture leaves:
/// the objects, and the properties with their types and options.
fn assert_clean_state(fake: &FakeHubSpot) {
    assert_eq!(fake.objects("contacts"), expected_contacts());
    assert_eq!(fake.objects("companies"), expected_companies());
    assert_properties(fake, &["Champions", "Power users", "Trial"]);
}

/// The properties the fixture's destination needs, as HubSpot holds them
/// (contacts' segments a multi-select with these options, in this order).
fn assert_properties(fake: &FakeHubSpot, options: &[&str]) {
    let shape = |object: &str, name: &str| {
        let property = fake
            .property(object, name)
            .unwrap_or_else(|| panic!("no {object} property {name}"));
        (
            property["type"].as_str().unwrap().to_string(),
            property["fieldType"].as_str().unwrap().to_string(),
            property["hasUniqueValue"].as_bool().unwrap(),
        )
    };
    let owned =
        |kind: &str, field: &str, unique: bool| (kind.to_string(), field.to_string(), unique);
    assert_eq!(
        shape("contacts", "segscope_segments"),
        owned("enumeration", "checkbox", false)
    );
    assert_eq!(fake.option_values("contacts", "segscope_segments"), options);
    let listed = fake.property("contacts", "segscope_segments").unwrap();
    for option in listed["options"].as_array().unwrap() {
        assert_eq!(option["label"], option["value"], "{option}");
        assert_eq!(option["hidden"], false, "{option}");
    }
    assert_eq!(
        shape("contacts", "plan_tier"),
        owned("string", "text", false)
    );
    // The contacts' identifier, which HubSpot describes as not unique.
    assert_eq!(shape("contacts", "email"), owned("string", "text", false));
    assert_eq!(
        shape("companies", "segscope_segments"),
        owned("string", "textarea", false)
    );
    assert_eq!(
        shape("companies", "segscope_account_id"),
        owned("string", "text", true)
    );
}

fn upserts(requests: &[LoggedRequest]) -> Vec<&LoggedRequest> {
    requests
        .iter()
        .filter(|request| request.path.ends_with("/batch/upsert"))
        .collect()
}

fn counts_line(sent: u64, unchanged: u64, exited: u64, no_key: u64, failed: u64) -> String {
    format!(
        "  {sent} sent, {unchanged} unchanged, {exited} exited, {no_key} skipped without a key, 0 in a key conflict, {failed} failed"
    )
}

// ---------------------------------------------------------------- first runs

#[test]
fn the_first_sync_creates_the_properties_and_every_selected_record() {
    let fake = FakeHubSpot::start(TOKEN);
    let db = hubspot_db(&fake);
    let ran = db.sync(NAME).expect(0);

    assert_clean_state(&fake);
    let requests = fake.requests();
    assert!(
        requests.iter().all(|request| request.auth_matched),
        "a request without the token"
    );
    // Everything HubSpot refused was a property looked up before it
    // existed.
    for request in &requests {
        assert!(
            request.status < 300 || (request.method == "GET" && request.status == 404),
            "{} {} answered {}",
            request.method,
            request.path,
            request.status
        );
    }
    let created: BTreeSet<(String, String)> = requests
        .iter()
        .filter(|request| request.method == "POST" && request.path.contains("/properties/"))
        .map(|request| {
            (
                request.path.clone(),
                request.body.as_ref().unwrap()["name"]
                    .as_str()
                    .unwrap()
                    .to_string(),
            )
        })
        .collect();
    let expected: BTreeSet<(String, String)> = [
        ("contacts", "segscope_segments"),
        ("contacts", "plan_tier"),
        ("companies", "segscope_account_id"),
        ("companies", "segscope_segments"),
    ]
    .iter()
    .map(|(object, name)| (format!("/crm/v3/properties/{object}"), name.to_string()))
    .collect();
    assert_eq!(created, expected);
    // One upsert per object, in key order, every value a string.
    let sent = upserts(&requests);
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0].path, "/crm/v3/objects/contacts/batch/upsert");
    assert_eq!(
        sent[0].body.as_ref().unwrap(),
        &json!({"inputs": [
            {"idProperty": "email", "id": "ann@acme.example",
             "properties": {"plan_tier": "pro", "segscope_segments": "Champions;Power users"}},
            {"idProperty": "email", "id": "bob@bolt.example",
             "properties": {"plan_tier": "trial", "segscope_segments": "Power users;Trial"}},
            {"idProperty": "email", "id": "cy@mail.example",
             "properties": {"plan_tier": "free", "segscope_segments": "Champions"}},
        ]})
    );
    assert_eq!(sent[1].path, "/crm/v3/objects/companies/batch/upsert");
    assert_eq!(
        sent[1].body.as_ref().unwrap(),
        &json!({"inputs": [
            {"idProperty": "segscope_account_id", "id": "a1",
             "properties": {"segscope_segments": "Big\nPaying"}},
            {"idProperty": "segscope_account_id", "id": "a2",
             "properties": {"segscope_segments": ""}},
            {"idProperty": "segscope_account_id", "id": "a3",
             "properties": {"segscope_segments": "Big"}},
        ]})
    );

    // The summary: the counts, every request the fake saw, u5 named.
    assert!(ran.stdout.contains(&counts_line(6, 0, 0, 1, 0)), "{ran}");
    assert!(
        ran.stdout.contains("\"HubSpot\" (HubSpot): completed in"),
        "{ran}"
    );
    assert!(
        ran.stdout
            .contains(&format!(", {} requests\n", requests.len())),
        "{ran}"
    );
    assert!(
        ran.stdout.contains("user u5") && ran.stdout.contains("`email`"),
        "the user without an email is not named: {ran}"
    );
    let run = db.last_run(NAME);
    assert_eq!(run["outcome"], "completed");
    assert_eq!(run["sent"], 6);
    assert_eq!(run["skipped_without_key"], 1);
    assert_eq!(run["requests"], requests.len());
}

#[test]
fn a_second_run_with_nothing_changed_sends_nothing_and_says_so() {
    let fake = FakeHubSpot::start(TOKEN);
    let db = hubspot_db(&fake);
    db.sync(NAME).expect(0);
    let before = fake.total_requests();

    let ran = db.sync(NAME).expect(0);
    assert_eq!(fake.upsert_requests(), 2, "the second run upserted");
    assert_eq!(
        fake.total_requests(),
        before,
        "the second run asked HubSpot"
    );
    assert!(ran.stdout.contains(&counts_line(0, 6, 0, 1, 0)), "{ran}");
    assert!(ran.stdout.contains(", 0 requests\n"), "{ran}");
    assert_clean_state(&fake);
}

#[test]
fn a_segment_change_sends_exactly_the_changed_entities() {
    let fake = FakeHubSpot::start(TOKEN);
    let db = hubspot_db(&fake);
    db.sync(NAME).expect(0);
    let before = fake.upsert_requests();

    // cy becomes a Power user too; a2 becomes Big; ann's name and di's
    // plan change nothing that goes (an unmapped property; di is not
    // selected).
    db.run(&["set", "--kind", "users", "u3", "sessions=40"])
        .expect(0);
    db.import("accounts", "change.jsonl", r#"{"id": "a2", "seats": 20}"#)
        .expect(0);
    db.run(&["set", "--kind", "users", "u1", r#"name="Ann""#])
        .expect(0);
    db.run(&["set", "--kind", "users", "u4", r#"plan="pro""#])
        .expect(0);
    let ran = db.sync(NAME).expect(0);

    assert_eq!(
        fake.upserted_ids()[before..],
        [vec!["cy@mail.example".to_string()], vec!["a2".to_string()]]
    );
    assert!(ran.stdout.contains(&counts_line(2, 4, 0, 1, 0)), "{ran}");
    let mut contacts = expected_contacts();
    contacts
        .get_mut("cy@mail.example")
        .unwrap()
        .insert("segscope_segments".into(), "Champions;Power users".into());
    let mut companies = expected_companies();
    companies
        .get_mut("a2")
        .unwrap()
        .insert("segscope_segments".into(), "Big".into());
    assert_eq!(fake.objects("contacts"), contacts);
    assert_eq!(fake.objects("companies"), companies);
}

#[test]
fn an_entity_leaving_is_cleared_once_then_never_sent_again() {
    let fake = FakeHubSpot::start(TOKEN);
    let db = hubspot_db(&fake);
    db.sync(NAME).expect(0);
    let before = fake.requests().len();

    // cy stops being an admin (in no selected segment now); u2 is deleted.
    db.run(&["set", "--kind", "users", "u3", r#"role="member""#])
        .expect(0);
    db.run(&["delete", "--kind", "users", "u2"]).expect(0);
    let ran = db.sync(NAME).expect(0);

    let requests = fake.requests();
    assert!(upserts(&requests[before..]).is_empty());
    // An exit is an update (it never makes a record), and only the
    // segments are cleared; nothing else is touched.
    let sent: Vec<&LoggedRequest> = requests[before..]
        .iter()
        .filter(|request| request.path.ends_with("/batch/update"))
        .collect();
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(
        sent[0].body.as_ref().unwrap(),
        &json!({"inputs": [
            {"idProperty": "email", "id": "bob@bolt.example",
             "properties": {"segscope_segments": ""}},
            {"idProperty": "email", "id": "cy@mail.example",
             "properties": {"segscope_segments": ""}},
        ]})
    );
    assert!(ran.stdout.contains(&counts_line(0, 4, 2, 1, 0)), "{ran}");
    let mut contacts = expected_contacts();
    for key in ["bob@bolt.example", "cy@mail.example"] {
        contacts.get_mut(key).unwrap().remove("segscope_segments");
    }
    assert_eq!(fake.objects("contacts"), contacts);

    // Forgotten: never sent again.
    let upserted = fake.upsert_requests() + fake.update_requests();
    let ran = db.sync(NAME).expect(0);
    assert_eq!(
        fake.upsert_requests() + fake.update_requests(),
        upserted,
        "sent again after leaving"
    );
    assert!(ran.stdout.contains(&counts_line(0, 4, 0, 1, 0)), "{ran}");
    assert_eq!(fake.objects("contacts"), contacts);
}

#[test]
fn a_new_segment_patches_the_options_before_the_upsert_that_uses_it() {
    let fake = FakeHubSpot::start(TOKEN);
    let db = hubspot_db(&fake);
    db.sync(NAME).expect(0);
    let before = fake.requests().len();

    let with_admins =
        format!("{SEGMENTS}\nsegment \"Admins\" for users {{\n  where role = \"admin\"\n}}\n");
    db.apply("segments.seg", &with_admins).expect(0);
    db.sync(NAME).expect(0);

    let requests = fake.requests();
    let later = &requests[before..];
    let patch = later
        .iter()
        .position(|request| {
            request.method == "PATCH"
                && request.path == "/crm/v3/properties/contacts/segscope_segments"
        })
        .expect("the options were patched");
    let upsert = later
        .iter()
        .position(|request| request.path == "/crm/v3/objects/contacts/batch/upsert")
        .expect("the contacts were upserted");
    assert!(patch < upsert, "the upsert went before the options patch");
    assert_eq!(later[patch].status, 200);
    assert_eq!(later[upsert].status, 200);
    assert_eq!(
        fake.option_values("contacts", "segscope_segments"),
        ["Champions", "Power users", "Trial", "Admins"]
    );
    assert_eq!(
        fake.upserted_ids().last().unwrap(),
        &["ann@acme.example", "cy@mail.example"]
    );
    let mut contacts = expected_contacts();
    for (key, segments) in [
        ("ann@acme.example", "Admins;Champions;Power users"),
        ("cy@mail.example", "Admins;Champions"),
    ] {
        contacts
            .get_mut(key)
            .unwrap()
            .insert("segscope_segments".into(), segments.into());
    }
    assert_eq!(fake.objects("contacts"), contacts);
}

// ---------------------------------------------------------------- faults

#[test]
fn a_429_with_retry_after_is_waited_out() {
    let fake = FakeHubSpot::start(TOKEN);
    let db = hubspot_db(&fake);
    fake.inject(
        Fault::RateLimited {
            retry_after_secs: Some(1),
        },
        Match::UpsertsOf("contacts".into()),
    );
    let started = Instant::now();
    db.sync(NAME).expect(0);
    assert!(started.elapsed() >= Duration::from_secs(1), "no wait");
    assert_eq!(fake.upsert_requests(), 3);
    assert_eq!(fake.pending_faults(), 0);
    assert_clean_state(&fake);
}

/// The one test that pays HubSpot's default wait.
#[test]
fn a_429_without_retry_after_waits_ten_seconds() {
    let fake = FakeHubSpot::start(TOKEN);
    let db = hubspot_db(&fake);
    fake.inject(
        Fault::RateLimited {
            retry_after_secs: None,
        },
        Match::UpsertsOf("companies".into()),
    );
    let started = Instant::now();
    db.sync(NAME).expect(0);
    let took = started.elapsed();
    assert!(took >= Duration::from_secs(10), "waited only {took:?}");
    assert!(took < Duration::from_secs(25), "waited {took:?}");
    assert_eq!(fake.upsert_requests(), 3);
    assert_clean_state(&fake);
}

#[test]
fn the_daily_limit_stops_the_run_saying_when_it_resets_and_the_next_run_sends_the_rest() {
    let fake = FakeHubSpot::start(TOKEN);
    let db = hubspot_db(&fake);
    fake.inject(Fault::DailyLimit, Match::UpsertsOf("companies".into()));
    let ran = db.sync(NAME).expect(1);
    assert!(ran.stderr.contains("daily"), "{ran}");
    assert!(ran.stderr.contains("resets at midnight"), "{ran}");
    assert!(ran.stderr.contains("\"HubSpot\""), "{ran}");
    assert_eq!(fake.objects("contacts"), expected_contacts());
    assert!(fake.objects("companies").is_empty());
    assert_eq!(db.last_run(NAME)["outcome"], "stopped");

    let before = fake.upsert_requests();
    db.sync(NAME).expect(0);
    assert_eq!(
        fake.upserted_ids()[before..],
        [vec!["a1".to_string(), "a2".to_string(), "a3".to_string()]],
        "the second run resent what the first had sent"
    );
    assert_clean_state(&fake);
}

#[test]
fn server_errors_are_retried() {
    let fake = FakeHubSpot::start(TOKEN);
    let db = hubspot_db(&fake);
    fake.fail_next_upserts(2, Fault::ServerError);
    fake.inject(Fault::ServerError, Match::Properties);
    let ran = db.sync(NAME).expect(0);
    assert_eq!(fake.upsert_requests(), 4);
    assert_eq!(fake.pending_faults(), 0);
    assert!(ran.stdout.contains(&counts_line(6, 0, 0, 1, 0)), "{ran}");
    assert_clean_state(&fake);
}

#[test]
fn a_timeout_is_retried_and_a_late_answer_resent_harmlessly() {
    let fake = FakeHubSpot::start(TOKEN);
    let mut db = hubspot_db(&fake);
    db.set_env("SEGSCOPE_HTTP_TIMEOUT", "1");
    // The contacts' batch is held unanswered (and not applied); the
    // companies' is applied, but answered after the client gave up.
    fake.inject(
        Fault::Timeout(Duration::from_secs(3)),
        Match::UpsertsOf("contacts".into()),
    );
    fake.inject(
        Fault::LateAnswer(Duration::from_secs(3)),
        Match::UpsertsOf("companies".into()),
    );
    let ran = db.sync(NAME).expect(0);
    assert_eq!(fake.upsert_requests(), 4);
    assert!(ran.stdout.contains(&counts_line(6, 0, 0, 1, 0)), "{ran}");
    assert_clean_state(&fake);
    let ids = fake.hubspot_ids("companies");
    assert_eq!(ids.len(), 3, "a resent company was created twice: {ids:?}");
}

#[test]
fn a_partial_failure_reports_each_failed_record_and_the_next_run_retries_it() {
    let fake = FakeHubSpot::start(TOKEN);
    let db = hubspot_db(&fake);
    fake.inject(
        Fault::PartialFailure(vec!["bob@bolt.example".into()]),
        Match::UpsertsOf("contacts".into()),
    );
    let ran = db.sync(NAME).expect(1);
    assert!(
        ran.stdout.contains(
            "failed user bob@bolt.example: VALIDATION_ERROR: Record bob@bolt.example was refused (an injected failure)"
        ),
        "{ran}"
    );
    assert!(ran.stdout.contains(&counts_line(5, 0, 0, 1, 1)), "{ran}");
    assert!(ran.stderr.contains("1 record of \"HubSpot\""), "{ran}");
    let mut contacts = expected_contacts();
    contacts.remove("bob@bolt.example");
    assert_eq!(fake.objects("contacts"), contacts);
    assert_eq!(fake.objects("companies"), expected_companies());

    let run = db.last_run(NAME);
    assert_eq!(run["outcome"], "completed");
    assert_eq!(run["failed"], 1);
    let failed: Vec<&Value> = run["problems"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|problem| problem["class"] == "failed")
        .collect();
    assert_eq!(failed.len(), 1, "{run}");
    assert_eq!(failed[0]["kind"], "users");
    assert_eq!(failed[0]["key"], "bob@bolt.example");
    assert!(
        failed[0]["reason"]
            .as_str()
            .unwrap()
            .contains("was refused (an injected failure)"),
        "{run}"
    );

    // The rest was acknowledged: only bob goes again.
    let before = fake.upsert_requests();
    let ran = db.sync(NAME).expect(0);
    assert_eq!(
        fake.upserted_ids()[before..],
        [vec!["bob@bolt.example".to_string()]]
    );
    assert!(ran.stdout.contains(&counts_line(1, 5, 0, 1, 0)), "{ran}");
    assert_clean_state(&fake);
}

#[test]
fn a_refused_batch_reports_every_record_and_the_next_run_retries_them() {
    let fake = FakeHubSpot::start(TOKEN);
    let db = hubspot_db(&fake);
    fake.inject(Fault::BadRequest, Match::UpsertsOf("contacts".into()));
    let ran = db.sync(NAME).expect(1);
    for key in ["ann@acme.example", "bob@bolt.example", "cy@mail.example"] {
        assert!(
            ran.stdout.contains(&format!(
                "failed user {key}: HubSpot refused the batch (400): The batch was refused (injected)"
            )),
            "{key} not reported: {ran}"
        );
    }
    assert!(ran.stdout.contains(&counts_line(3, 0, 0, 1, 3)), "{ran}");
    assert!(fake.objects("contacts").is_empty());
    assert_eq!(db.last_run(NAME)["failed"], 3);

    let before = fake.upsert_requests();
    db.sync(NAME).expect(0);
    assert_eq!(
        fake.upserted_ids()[before..],
        [vec![
            "ann@acme.example".to_string(),
            "bob@bolt.example".to_string(),
            "cy@mail.example".to_string()
        ]]
    );
    assert_clean_state(&fake);
}

#[test]
fn a_401_stops_the_run_naming_the_destination() {
    let fake = FakeHubSpot::start(TOKEN);
    let mut db = hubspot_db(&fake);
    db.set_env("HUBSPOT_TOKEN", "pat-na1-a-revoked-token");
    let ran = db.sync(NAME).expect(1);
    assert!(ran.stderr.contains("destination \"HubSpot\""), "{ran}");
    assert!(ran.stderr.contains("401"), "{ran}");
    assert!(ran.stderr.contains("HUBSPOT_TOKEN"), "{ran}");
    assert_eq!(fake.total_requests(), 1, "it went on after a 401");
    assert_eq!(db.last_run(NAME)["outcome"], "stopped");

    // A token revoked mid-run: what went before stays acknowledged.
    db.set_env("HUBSPOT_TOKEN", TOKEN);
    fake.inject(Fault::Unauthorized, Match::UpsertsOf("companies".into()));
    let ran = db.sync(NAME).expect(1);
    assert!(ran.stderr.contains("destination \"HubSpot\""), "{ran}");
    assert_eq!(fake.objects("contacts"), expected_contacts());

    // A missing scope is a stop naming it, too.
    fake.inject(Fault::Forbidden, Match::UpsertsOf("companies".into()));
    let ran = db.sync(NAME).expect(1);
    assert!(ran.stderr.contains("destination \"HubSpot\""), "{ran}");
    assert!(ran.stderr.contains("403"), "{ran}");

    let before = fake.upsert_requests();
    db.sync(NAME).expect(0);
    assert_eq!(
        fake.upserted_ids()[before..],
        [vec!["a1".to_string(), "a2".to_string(), "a3".to_string()]]
    );
    assert_clean_state(&fake);
}

/// Users enough for several batches: `n` Champions with emails.
fn many_users(n: usize) -> String {
    (1..=n)
        .map(|i| {
            format!(
                "{{\"id\": \"m{i:04}\", \"email\": \"user{i:04}@big.example\", \"role\": \"admin\", \"sessions\": 1, \"plan\": \"pro\"}}\n"
            )
        })
        .collect()
}

fn many_contacts(n: usize) -> Objects {
    let rows: Vec<(String, Vec<(&str, String)>)> = (1..=n)
        .map(|i| {
            let email = format!("user{i:04}@big.example");
            (
                email.clone(),
                vec![
                    ("email", email),
                    ("plan_tier", "pro".to_string()),
                    ("segscope_segments", "Champions".to_string()),
                ],
            )
        })
        .collect();
    rows.into_iter()
        .map(|(key, properties)| {
            (
                key,
                properties
                    .into_iter()
                    .map(|(name, value)| (name.to_string(), value))
                    .collect(),
            )
        })
        .collect()
}

/// Starts a sync of `USERS` contacts whose first batch is answered after
/// `first_answer` and whose second is written in HubSpot but never
/// answered, and kills it (-9) while it waits for that answer. Returns the
/// ids of the first batch.
fn kill_mid_way(db: &SyncDb, fake: &FakeHubSpot, first_answer: Duration) -> BTreeSet<String> {
    fake.inject(Fault::LateAnswer(first_answer), Match::Upserts);
    fake.inject(Fault::LateAnswer(Duration::from_secs(30)), Match::Upserts);
    let mut child = db.spawn(&["sync", NAME]);
    assert!(
        fake.wait_for_upserts(2, Duration::from_secs(30)),
        "the run never sent its second batch"
    );
    child.kill().expect("kill -9 the sync");
    child.wait().expect("the killed sync is reaped");
    let first_batch: BTreeSet<String> = fake.upserted_ids()[0].iter().cloned().collect();
    assert_eq!(first_batch.len(), 100);
    first_batch
}

const MANY_USERS: usize = 350;

fn many_users_db(fake: &FakeHubSpot) -> SyncDb {
    let db = SyncDb::new();
    db.apply("segments.seg", SEGMENTS).expect(0);
    db.import("users", "many.jsonl", &many_users(MANY_USERS))
        .expect(0);
    db.apply("destinations.seg", &hubspot_destination(&fake.base_url()))
        .expect(0);
    db
}

/// The runner flushes its state to disk at most every second, so a batch
/// acknowledged more than a second into the run is on disk when the run is
/// killed: the next run sends only what came after.
#[test]
fn a_run_killed_mid_way_loses_nothing_and_shows_as_interrupted() {
    let fake = FakeHubSpot::start(TOKEN);
    let db = many_users_db(&fake);
    let first_batch = kill_mid_way(&db, &fake, Duration::from_millis(1300));

    let runs = db.runs(Some(NAME));
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0]["outcome"], "interrupted", "{}", runs[0]);
    assert_eq!(runs[0]["sent"], 100, "{}", runs[0]);

    let before = fake.upsert_requests();
    let ran = db.sync(NAME).expect(0);
    let resent: BTreeSet<String> = fake.upserted_ids()[before..]
        .iter()
        .flatten()
        .cloned()
        .collect();
    assert!(
        resent.is_disjoint(&first_batch),
        "an acknowledged batch was sent again"
    );
    assert_eq!(resent.len(), MANY_USERS - 100, "{ran}");
    assert!(
        ran.stdout.contains(&counts_line(250, 100, 0, 0, 0)),
        "{ran}"
    );
    assert_eq!(fake.objects("contacts"), many_contacts(MANY_USERS));
    assert!(fake.objects("companies").is_empty());

    let runs = db.runs(Some(NAME));
    let outcomes: Vec<&str> = runs
        .iter()
        .map(|run| run["outcome"].as_str().unwrap())
        .collect();
    assert_eq!(outcomes, ["completed", "interrupted"]);
}

/// Killed within its first second, a run may lose its acknowledgements
/// (they were not on disk yet): the next run sends those records again,
/// and HubSpot still ends exactly right.
#[test]
fn a_run_killed_before_its_first_flush_is_resent_whole_and_loses_nothing() {
    let fake = FakeHubSpot::start(TOKEN);
    let db = many_users_db(&fake);
    kill_mid_way(&db, &fake, Duration::ZERO);
    assert_eq!(db.runs(Some(NAME))[0]["outcome"], "interrupted");

    let ran = db.sync(NAME).expect(0);
    assert_eq!(fake.objects("contacts"), many_contacts(MANY_USERS));
    let runs = db.runs(Some(NAME));
    assert_eq!(runs[0]["outcome"], "completed", "{ran}");
    let sent = runs[0]["sent"].as_u64().unwrap() + runs[1]["sent"].as_u64().unwrap();
    assert_eq!(sent, MANY_USERS as u64, "{ran}");
}

// ---------------------------------------------------------------- secrets

#[test]
fn the_token_is_never_stored_or_shown() {
    let fake = FakeHubSpot::start(TOKEN);
    let mut db = hubspot_db(&fake);
    let mut outputs = Vec::new();
    outputs.push(db.run(&["sync", NAME, "--dry-run"]).expect(0));
    fake.inject(
        Fault::PartialFailure(vec!["ann@acme.example".into()]),
        Match::UpsertsOf("contacts".into()),
    );
    outputs.push(db.sync(NAME).expect(1));
    outputs.push(db.sync(NAME).expect(0));
    outputs.push(db.run(&["sync", "--all"]).expect(0));
    outputs.push(db.run(&["sync", NAME, "--dry-run"]).expect(0));
    // A wrong token is a secret too.
    let wrong = "pat-na1-WRONG-TOKEN-ALSO-SECRET-9d2c";
    db.set_env("HUBSPOT_TOKEN", wrong);
    db.run(&["set", "--kind", "users", "u1", r#"plan="enterprise""#])
        .expect(0);
    outputs.push(db.sync(NAME).expect(1));
    outputs.push(db.run(&["runs"]).expect(0));
    outputs.push(db.run(&["runs", NAME, "--format", "jsonl"]).expect(0));
    outputs.push(db.run(&["runs", "--format", "table"]).expect(0));
    outputs.push(db.run(&["runs", "--format", "json"]).expect(0));
    outputs.push(db.run(&["runs", "--format", "csv"]).expect(0));

    for ran in &outputs {
        for secret in [TOKEN, wrong] {
            assert!(!ran.output().contains(secret), "the token shown: {ran}");
        }
    }
    let bytes = db.db_bytes();
    for secret in [TOKEN, wrong] {
        assert!(
            !bytes
                .windows(secret.len())
                .any(|window| window == secret.as_bytes()),
            "the token is in the database file"
        );
    }
    // The fake saw the token (so it was used), in the header only.
    assert!(fake.requests().iter().any(|request| request.auth_matched));
    for request in fake.requests() {
        if let Some(body) = &request.body {
            assert!(!body.to_string().contains(TOKEN), "{}", request.path);
        }
    }
}

// ---------------------------------------------------------------- refusals

#[test]
fn a_property_of_another_type_is_a_clear_error_naming_it() {
    let fake = FakeHubSpot::start(TOKEN);
    fake.create_property(
        "contacts",
        json!({"name": "segscope_segments", "label": "Segments", "groupName": "contactinformation",
               "type": "string", "fieldType": "text"}),
    );
    let db = hubspot_db(&fake);
    let ran = db.sync(NAME).expect(1);
    assert!(ran.stderr.contains("`segscope_segments`"), "{ran}");
    assert!(ran.stderr.contains("string/text"), "{ran}");
    assert!(ran.stderr.contains("enumeration/checkbox"), "{ran}");
    assert!(ran.stderr.contains("\"HubSpot\""), "{ran}");
    assert_eq!(fake.upsert_requests(), 0);
    let property = fake.property("contacts", "segscope_segments").unwrap();
    assert_eq!(property["type"], "string", "the property was changed");
    assert!(
        fake.requests()
            .iter()
            .all(|request| request.method != "PATCH"),
        "the property was patched"
    );
}

/// The JSON sample payloads a dry run prints under `Sample payloads (kind):`.
fn samples(stdout: &str, kind: &str) -> Vec<Value> {
    stdout
        .lines()
        .skip_while(|line| *line != format!("Sample payloads ({kind}):"))
        .skip(1)
        .take_while(|line| line.starts_with("  {"))
        .map(|line| serde_json::from_str(line.trim()).unwrap())
        .collect()
}

#[test]
fn a_dry_run_needs_no_token_and_sends_nothing() {
    let fake = FakeHubSpot::start(TOKEN);
    let mut db = hubspot_db(&fake);
    db.remove_env("HUBSPOT_TOKEN");
    let ran = db.run(&["sync", NAME, "--dry-run"]).expect(0);
    assert_eq!(fake.total_requests(), 0, "a dry run asked HubSpot");
    let out = &ran.stdout;
    assert!(out.contains("nothing is sent"), "{ran}");
    assert!(
        out.contains(
            "users → contacts: 4 selected — 3 new, 0 changed, 0 unchanged, 0 leaving; 1 without a key, 0 in a key conflict"
        ),
        "{ran}"
    );
    assert!(
        out.contains(
            "accounts → companies: 3 selected — 3 new, 0 changed, 0 unchanged, 0 leaving; 0 without a key, 0 in a key conflict"
        ),
        "{ran}"
    );
    assert!(out.contains("5 property checks"), "{ran}");
    assert!(out.contains("2 batch writes"), "{ran}");
    assert_eq!(
        samples(out, "users"),
        [
            json!({"idProperty": "email", "id": "ann@acme.example",
                   "properties": {"plan_tier": "pro", "segscope_segments": "Champions;Power users"}}),
            json!({"idProperty": "email", "id": "bob@bolt.example",
                   "properties": {"plan_tier": "trial", "segscope_segments": "Power users;Trial"}}),
            json!({"idProperty": "email", "id": "cy@mail.example",
                   "properties": {"plan_tier": "free", "segscope_segments": "Champions"}}),
        ]
    );
    assert_eq!(samples(out, "accounts").len(), 3, "{ran}");
    assert!(out.contains("user u5"), "the user without a key: {ran}");
    assert!(db.runs(None).is_empty(), "a dry run was logged as a run");

    // After a run, the dry run sees what HubSpot has.
    db.set_env("HUBSPOT_TOKEN", TOKEN);
    db.sync(NAME).expect(0);
    db.run(&["set", "--kind", "users", "u3", r#"role="member""#])
        .expect(0);
    let requests = fake.total_requests();
    db.remove_env("HUBSPOT_TOKEN");
    let ran = db.run(&["sync", NAME, "--dry-run"]).expect(0);
    assert!(
        ran.stdout.contains(
            "users → contacts: 3 selected — 0 new, 0 changed, 2 unchanged, 1 leaving; 1 without a key, 0 in a key conflict"
        ),
        "{ran}"
    );
    assert_eq!(
        samples(&ran.stdout, "users"),
        [json!({"idProperty": "email", "id": "cy@mail.example",
                "properties": {"segscope_segments": ""}})]
    );
    assert_eq!(fake.total_requests(), requests);
}

#[test]
fn an_unknown_destination_gets_a_did_you_mean() {
    let fake = FakeHubSpot::start(TOKEN);
    let db = hubspot_db(&fake);
    let ran = db.sync("Hubspt").expect(1);
    assert!(ran.stderr.contains("\"Hubspt\""), "{ran}");
    assert!(ran.stderr.contains("did you mean \"HubSpot\"?"), "{ran}");
    let ran = db.run(&["runs", "HubSpto"]).expect(1);
    assert!(ran.stderr.contains("did you mean \"HubSpot\"?"), "{ran}");
    assert_eq!(fake.total_requests(), 0);
    // Names ignore case.
    db.sync("hubspot").expect(0);
}

#[test]
fn an_unset_token_variable_is_named() {
    let fake = FakeHubSpot::start(TOKEN);
    let mut db = hubspot_db(&fake);
    db.remove_env("HUBSPOT_TOKEN");
    let ran = db.sync(NAME).expect(1);
    assert!(ran.stderr.contains("HUBSPOT_TOKEN"), "{ran}");
    assert!(ran.stderr.contains("not set"), "{ran}");
    assert!(ran.stderr.contains("\"HubSpot\""), "{ran}");
    assert_eq!(fake.total_requests(), 0);
    // An empty variable is no token either.
    db.set_env("HUBSPOT_TOKEN", "");
    let ran = db.sync(NAME).expect(1);
    assert!(ran.stderr.contains("HUBSPOT_TOKEN"), "{ran}");
    assert_eq!(fake.total_requests(), 0);
}

#[test]
fn an_unreachable_base_url_is_a_clear_error_and_nothing_is_acknowledged() {
    // A port nothing listens on: bound, noted, let go.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let base_url = format!("http://127.0.0.1:{port}");
    let db = SyncDb::seeded();
    db.apply("destinations.seg", &hubspot_destination(&base_url))
        .expect(0);
    let ran = db.sync(NAME).expect(1);
    assert!(ran.stderr.contains(&base_url), "{ran}");
    assert!(ran.stderr.contains("did not answer"), "{ran}");
    assert!(ran.stderr.contains("\"HubSpot\""), "{ran}");
    let run = db.last_run(NAME);
    assert_eq!(run["outcome"], "stopped");
    assert_eq!(run["sent"], 0);
    // Nothing is acknowledged: everyone is still new.
    let ran = db.run(&["sync", NAME, "--dry-run"]).expect(0);
    assert!(
        ran.stdout.contains("users → contacts: 4 selected — 3 new"),
        "{ran}"
    );
    assert!(
        ran.stdout
            .contains("accounts → companies: 3 selected — 3 new"),
        "{ran}"
    );
}

#[test]
fn more_than_5000_segment_names_are_refused_at_plan_time_suggesting_as_text() {
    let fake = FakeHubSpot::start(TOKEN);
    let db = SyncDb::seeded();
    let many: String = (1..=5001)
        .map(|i| {
            format!(
                "segment \"S{i}\" for users {{\n  where sessions = {}\n}}\n",
                i + 100
            )
        })
        .collect();
    // The same destination twice: as a multi-select, and as text (which
    // takes any number of segments).
    let as_list = hubspot_destination(&fake.base_url());
    let as_text = as_list
        .replace("destination \"HubSpot\"", "destination \"HubSpot text\"")
        .replace(
            "map segments -> segscope_segments as list",
            "map segments -> segscope_segments as text",
        );
    let many = db.write("many.seg", &many);
    let destinations = db.write("destinations.seg", &format!("{as_list}\n{as_text}"));
    db.run(&["apply", &many, &destinations]).expect(0);

    let started = Instant::now();
    let ran = db.sync(NAME).expect(1);
    let took = started.elapsed();
    assert!(ran.stderr.contains("at most 5000 options"), "{ran}");
    assert!(ran.stderr.contains("as text"), "{ran}");
    assert!(ran.stderr.contains("`segscope_segments`"), "{ran}");
    assert_eq!(fake.total_requests(), 0, "refused after asking HubSpot");
    // Opening 5,000 segments is most of it (about 2.5 s in a debug build).
    assert!(took < Duration::from_secs(15), "the refusal took {took:?}");

    db.sync("HubSpot text").expect(0);
    assert_eq!(
        fake.objects("contacts")["ann@acme.example"]["segscope_segments"],
        "Champions\nPower users"
    );
    assert_eq!(fake.upsert_requests(), 2);
}

// ---------------------------------------------------------------- the run log

#[test]
fn runs_show_counts_outcomes_and_each_record_error() {
    let fake = FakeHubSpot::start(TOKEN);
    let db = hubspot_db(&fake);
    db.apply(
        "export.seg",
        "destination \"Export\" file {\n  path \"accounts.jsonl\"\n  accounts { map name -> name }\n}\n",
    )
    .expect(0);
    fake.inject(
        Fault::PartialFailure(vec!["cy@mail.example".into()]),
        Match::UpsertsOf("contacts".into()),
    );
    db.sync(NAME).expect(1);
    db.sync("Export").expect(0);
    db.sync(NAME).expect(0);
    db.run(&["set", "--kind", "users", "u1", r#"plan="enterprise""#])
        .expect(0);
    fake.inject(Fault::Unauthorized, Match::Any);
    db.sync(NAME).expect(1);

    let runs = db.runs(Some(NAME));
    let summary: Vec<(u64, &str, u64, u64, u64, u64)> = runs
        .iter()
        .map(|run| {
            (
                run["id"].as_u64().unwrap(),
                run["outcome"].as_str().unwrap(),
                run["sent"].as_u64().unwrap(),
                run["unchanged"].as_u64().unwrap(),
                run["failed"].as_u64().unwrap(),
                run["skipped_without_key"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (4, "stopped", 0, 5, 0, 1),
            (3, "completed", 1, 5, 0, 1),
            (1, "completed", 5, 0, 1, 1),
        ]
    );
    assert!(
        runs[0]["reason"].as_str().unwrap().contains("401"),
        "{}",
        runs[0]
    );
    assert!(runs[1]["reason"].is_null());
    let problems = &runs[2]["problems"];
    assert_eq!(problems.as_array().unwrap().len(), 2, "{problems}");
    assert!(problems.as_array().unwrap().contains(&json!({
        "kind": "users",
        "key": "cy@mail.example",
        "class": "failed",
        "reason": "VALIDATION_ERROR: Record cy@mail.example was refused (an injected failure)",
    })));
    assert!(
        problems
            .as_array()
            .unwrap()
            .iter()
            .any(|problem| problem["class"] == "skipped" && problem["key"] == "u5"),
        "{problems}"
    );
    for run in &runs {
        assert_eq!(run["destination"], NAME);
        assert!(run["started_at"].is_string() && run["ended_at"].is_string());
        assert!(run["requests"].as_u64().unwrap() >= 1, "{run}");
    }

    // Every destination's runs, newest first.
    let all = db.runs(None);
    let ids: Vec<u64> = all.iter().map(|run| run["id"].as_u64().unwrap()).collect();
    assert_eq!(ids, [4, 3, 2, 1]);
    assert_eq!(all[2]["destination"], "Export");

    // The table names each failed record and the stop.
    let table = db.run(&["runs", "--format", "table"]).expect(0).stdout;
    assert!(
        table.contains("run 1: failed user cy@mail.example: VALIDATION_ERROR"),
        "{table}"
    );
    assert!(table.contains("run 4: stopped: "), "{table}");
    assert!(
        table.contains("completed") && table.contains("stopped"),
        "{table}"
    );
}

/// Renaming a mapping's target changes every payload: all go again, to
/// the new property.
#[test]
fn changing_a_mapping_sends_everyone_again_to_the_new_property() {
    let fake = FakeHubSpot::start(TOKEN);
    let db = hubspot_db(&fake);
    db.sync(NAME).expect(0);
    let renamed = hubspot_destination(&fake.base_url()).replace("plan_tier", "plan_name");
    db.apply("destinations.seg", &renamed).expect(0);
    let before = fake.upsert_requests();
    db.sync(NAME).expect(0);
    assert_eq!(
        fake.upserted_ids()[before..],
        [vec![
            "ann@acme.example".to_string(),
            "bob@bolt.example".to_string(),
            "cy@mail.example".to_string()
        ]]
    );
    assert_eq!(
        fake.objects("contacts")["ann@acme.example"].get("plan_name"),
        Some(&"pro".to_string())
    );
}

/// A property created whose answer came too late: the retried create finds
/// it there (409), which is the property wanted, not a refusal.
#[test]
fn a_late_answer_to_a_property_create_is_not_a_conflict() {
    let fake = FakeHubSpot::start(TOKEN);
    let mut db = hubspot_db(&fake);
    db.set_env("SEGSCOPE_HTTP_TIMEOUT", "1");
    fake.inject(
        Fault::LateAnswer(Duration::from_secs(3)),
        Match::PropertyWrites,
    );
    let ran = db.sync(NAME).expect(0);
    assert!(ran.stdout.contains(&counts_line(6, 0, 0, 1, 0)), "{ran}");
    assert_clean_state(&fake);
}

/// HubSpot refuses a whole batch for one bad value (here an email it does
/// not take), naming the input: that record fails with HubSpot's reason and
/// the rest of the batch still goes, in the same run.
#[test]
fn a_record_hubspot_refuses_does_not_hold_back_the_rest_of_its_batch() {
    let fake = FakeHubSpot::start(TOKEN);
    let db = hubspot_db(&fake);
    db.import(
        "users",
        "bad.jsonl",
        r#"{"id": "u6", "email": "not-an-email", "role": "admin", "plan": "pro"}"#,
    )
    .expect(0);
    let ran = db.sync(NAME).expect(1);
    assert!(
        ran.stdout.contains("failed user not-an-email: ") && ran.stdout.contains("INVALID_EMAIL"),
        "{ran}"
    );
    assert!(ran.stdout.contains(&counts_line(6, 0, 0, 1, 1)), "{ran}");
    assert_clean_state(&fake);
    let run = db.last_run(NAME);
    assert_eq!(run["failed"], 1, "{run}");

    // Retried by the next run, alone; refused again, the rest untouched.
    let before = fake.upsert_requests();
    db.sync(NAME).expect(1);
    assert_eq!(
        fake.upserted_ids()[before..],
        [vec!["not-an-email".to_string()]]
    );
    assert_clean_state(&fake);
}

/// The run keeps inside the limit HubSpot's headers announce, so HubSpot
/// never has to answer 429.
#[test]
fn the_run_paces_itself_by_the_rate_limit_headers() {
    const USERS: usize = 350;
    let fake = FakeHubSpot::start(TOKEN);
    fake.set_rate_limit(4, Duration::from_secs(1));
    let db = SyncDb::new();
    db.apply("segments.seg", SEGMENTS).expect(0);
    db.import("users", "many.jsonl", &many_users(USERS))
        .expect(0);
    db.apply("destinations.seg", &hubspot_destination(&fake.base_url()))
        .expect(0);
    let started = Instant::now();
    db.sync(NAME).expect(0);
    let took = started.elapsed();
    let requests = fake.requests();
    // 5 property requests and 4 batches, at most 4 a second.
    assert_eq!(requests.len(), 9);
    assert!(
        requests.iter().all(|request| request.status != 429),
        "HubSpot had to refuse: {:?}",
        requests
            .iter()
            .map(|request| request.status)
            .collect::<Vec<_>>()
    );
    assert!(took >= Duration::from_secs(2), "took only {took:?}");
    assert_eq!(fake.objects("contacts"), many_contacts(MANY_USERS));
}

/// Two users whose emails differ only in case are one contact to HubSpot:
/// neither is sent, both are named, and the run says it did not all go.
#[test]
fn users_sharing_an_email_are_a_conflict_and_neither_is_sent() {
    let fake = FakeHubSpot::start(TOKEN);
    let db = hubspot_db(&fake);
    db.import(
        "users",
        "twin.jsonl",
        r#"{"id": "u7", "email": "ANN@acme.example", "role": "admin", "plan": "pro"}"#,
    )
    .expect(0);
    let ran = db.sync(NAME).expect(1);
    assert!(
        ran.stdout
            .contains("conflict user ann@acme.example: not sent: users u1, u7 share the email"),
        "{ran}"
    );
    let mut contacts = expected_contacts();
    contacts.remove("ann@acme.example");
    assert_eq!(fake.objects("contacts"), contacts);
    assert_eq!(db.last_run(NAME)["conflicts"], 2);
}

/// HubSpot puts `;` between a multi-select's values: a segment name with
/// one cannot be an option, which the plan says before anything is sent.
#[test]
fn a_segment_name_with_a_semicolon_is_refused_at_plan_time() {
    let fake = FakeHubSpot::start(TOKEN);
    let db = hubspot_db(&fake);
    db.apply(
        "odd.seg",
        "segment \"Sales; EMEA\" for users {\n  where role = \"admin\"\n}\n",
    )
    .expect(0);
    let ran = db.sync(NAME).expect(1);
    assert!(ran.stderr.contains("\"Sales; EMEA\""), "{ran}");
    assert!(ran.stderr.contains("as text"), "{ran}");
    assert_eq!(fake.total_requests(), 0);
}

/// Numbers and booleans mapped to properties HubSpot lacks are created as
/// number and boolean-checkbox properties (the latter with its true/false
/// options, as HubSpot's own are), and sent as HubSpot's strings.
#[test]
fn numbers_and_booleans_get_properties_of_their_type() {
    let fake = FakeHubSpot::start(TOKEN);
    let db = SyncDb::seeded();
    db.import(
        "users",
        "verified.jsonl",
        r#"{"id": "u1", "verified": true}
{"id": "u3", "verified": false}"#,
    )
    .expect(0);
    let destination = hubspot_destination(&fake.base_url()).replace(
        "    map plan -> plan_tier\n",
        "    map plan -> plan_tier\n    map sessions -> sessions_count\n    map verified -> email_verified\n",
    );
    db.apply("destinations.seg", &destination).expect(0);
    let ran = db.sync(NAME).expect(0);
    let sessions = fake
        .property("contacts", "sessions_count")
        .expect("created");
    assert_eq!(
        (&sessions["type"], &sessions["fieldType"]),
        (&json!("number"), &json!("number")),
        "{ran}"
    );
    let verified = fake
        .property("contacts", "email_verified")
        .expect("created");
    assert_eq!(
        (&verified["type"], &verified["fieldType"]),
        (&json!("bool"), &json!("booleancheckbox"))
    );
    assert_eq!(
        fake.option_values("contacts", "email_verified"),
        ["false", "true"]
    );
    let ann = &fake.objects("contacts")["ann@acme.example"];
    assert_eq!(ann.get("sessions_count"), Some(&"30".to_string()));
    assert_eq!(ann.get("email_verified"), Some(&"true".to_string()));
    let cy = &fake.objects("contacts")["cy@mail.example"];
    assert_eq!(cy.get("email_verified"), Some(&"false".to_string()));
}

/// A kind keyed anew starts afresh: its old keys name other things, so they
/// are not sent as exits under the new key (which would make records of
/// them); everyone goes under the new key.
#[test]
fn a_new_key_sends_everyone_under_it_and_no_old_key() {
    let fake = FakeHubSpot::start(TOKEN);
    let db = hubspot_db(&fake);
    db.sync(NAME).expect(0);
    let rekeyed = hubspot_destination(&fake.base_url()).replace(
        "key id -> segscope_account_id",
        "key name -> segscope_company_name",
    );
    db.apply("destinations.seg", &rekeyed).expect(0);
    let before = fake.requests().len();
    db.sync(NAME).expect(0);
    let inputs: Vec<(String, String)> = fake.requests()[before..]
        .iter()
        .filter(|request| request.path.contains("/objects/companies/batch/upsert"))
        .flat_map(|request| {
            let body = request.body.clone().unwrap_or_default();
            body["inputs"]
                .as_array()
                .cloned()
                .unwrap_or_default()
                .into_iter()
                .map(|input| {
                    (
                        input["idProperty"].as_str().unwrap_or("").to_string(),
                        input["id"].as_str().unwrap_or("").to_string(),
                    )
                })
                .collect::<Vec<_>>()
        })
        .collect();
    let key = "segscope_company_name".to_string();
    assert_eq!(
        inputs,
        [
            (key.clone(), "Acme".to_string()),
            (key.clone(), "Bolt".to_string()),
            (key, "Cyan".to_string())
        ]
    );
}

/// A contact deleted in HubSpot since it was synced is not made again when
/// it leaves the filter: its exit is an update, and "not found" is done.
#[test]
fn a_contact_deleted_in_hubspot_is_not_made_again_by_its_exit() {
    let fake = FakeHubSpot::start(TOKEN);
    let db = hubspot_db(&fake);
    db.sync(NAME).expect(0);
    fake.delete_object("contacts", "email", "cy@mail.example");
    db.run(&["set", "--kind", "users", "u3", r#"role="member""#])
        .expect(0);
    let ran = db.sync(NAME).expect(0);
    assert!(ran.stdout.contains(&counts_line(0, 5, 1, 1, 0)), "{ran}");
    assert!(!fake.objects("contacts").contains_key("cy@mail.example"));
    // Forgotten like any exit.
    let writes = fake.upsert_requests() + fake.update_requests();
    db.sync(NAME).expect(0);
    assert_eq!(fake.upsert_requests() + fake.update_requests(), writes);
}

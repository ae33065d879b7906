//! The Destinations screen in-process, as a user works it: the list and a
//! destination's tab (filter with counts, key, mappings, settings by
//! variable name), a dry run's plan, the segment filter edited in the
//! picker and the Segments mapping flipped (both saved into the .seg file),
//! a sync against the loopback fake HubSpot with the gauge while it runs
//! and the summary after, a file destination's sync, a cancelled sync in
//! the history, and what bad input says. No token ever shows.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use crossterm::event::KeyCode;
use segscope::model::EntityKind;
use segscope::model::destination::ListEncoding;
use segscope::model::sync_run::RunOutcome;

mod support;
use support::fake_hubspot::FakeHubSpot;
use support::tui_session::*;

/// The destinations the tests apply: a HubSpot one sending power users and
/// every account, and a file of accounts. `{token}`, `{base_url}` and
/// `{path}` are filled in per test.
const DESTINATIONS: &str = r#"# Where segments go (the screen's tests).
destination "HubSpot" hubspot {
  description "Power users to sales; every account's segments"
  token env "{token}"
  base_url "{base_url}"
  users {
    key email
    segments ["Power users"]
    map segments -> segscope_segments as list
    map title -> jobtitle
  }
  accounts {
    key id -> segscope_account_id
    map segments -> segscope_segments as text   # one per line
    map domain -> domain
  }
}

destination "Nightly export" file {
  path "{path}"
  accounts {
    map segments -> segments as text
    map domain -> domain
  }
}
"#;

/// Writes the destinations (with these settings) to a file in the
/// session's folder and applies it with `:apply`; the file's path.
fn with_destinations(session: &mut Session, token: &str, base_url: &str, path: &str) -> PathBuf {
    let file = session.dir.path().join("destinations.seg");
    let text = DESTINATIONS
        .replace("{token}", token)
        .replace("{base_url}", base_url)
        .replace("{path}", path);
    std::fs::write(&file, text).expect("the file");
    session.apply_file(&file);
    file
}

/// Puts a token in this process's environment (the UI runs in-process).
fn set_token(variable: &str, value: &str) {
    // SAFETY: each test names its own variable, and the tests' threads
    // read the environment only through std, which serialises access.
    unsafe { std::env::set_var(variable, value) };
}

/// The Destinations screen with the fixture's destinations, none synced.
fn destinations_screen(token: &str, base_url: &str) -> (Session, PathBuf) {
    let mut session = Session::new();
    let file = with_destinations(&mut session, token, base_url, "exports/accounts.csv");
    session.type_text("5");
    (session, file)
}

/// The rows of the tab's part for `kind` ("Users", "Accounts"): its
/// heading, filter and mappings, each from the tab's column on.
fn part(screen: &str, kind: &str) -> Vec<String> {
    let lines: Vec<&str> = screen.lines().collect();
    let heading = format!(" {kind} ");
    let top = lines
        .iter()
        .position(|line| line.contains(&heading) && line.contains("key "))
        .unwrap_or_else(|| panic!("no {kind} part:\n{screen}"));
    let column = column_of(lines[top], &heading);
    lines[top..top + 3]
        .iter()
        .map(|line| {
            line.chars()
                .skip(column)
                .collect::<String>()
                .trim_end()
                .to_string()
        })
        .collect()
}

/// Polls the running job until `done` says yes of the screen shown at
/// 120x40 (and the status line); panics after `within`.
fn wait_until(session: &mut Session, within: Duration, done: impl Fn(&str, &str) -> bool) {
    let deadline = Instant::now() + within;
    loop {
        session.app.poll_jobs();
        let screen = session.screen(120, 40);
        let status = session.status();
        if done(&screen, &status) {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "not seen in {within:?}:\n{screen}\n{status}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn members(session: &Session, segment: &str) -> usize {
    session.segment(segment).members
}

fn message_log(session: &mut Session) -> String {
    session.press(KeyCode::Char('M'));
    let log = session.screen(200, 60);
    session.press(KeyCode::Esc);
    log
}

#[test]
fn the_list_and_the_tab_show_filters_counts_mappings_and_settings() {
    let (mut session, _) = destinations_screen("SEGSCOPE_TUI_SNAPSHOT_TOKEN", "http://127.0.0.1:9");
    // A message of its own, not the applied file's temporary path.
    session.type_text("c");
    let screen = session.screen(120, 40);
    assert!(screen.contains("Destinations (2)"), "{screen}");
    assert!(screen.contains("HubSpot hubspot"), "{screen}");
    assert!(screen.contains("Nightly export file"), "{screen}");
    assert!(screen.contains(" never run"), "{screen}");
    assert!(
        screen.contains("token env SEGSCOPE_TUI_SNAPSHOT_TOKEN (not set)"),
        "{screen}"
    );
    let power = members(&session, "Power users");
    let users = part(&screen, "Users");
    assert!(
        users[0].contains("Users → contacts   key email"),
        "{users:?}"
    );
    assert!(
        users[1].contains(&format!(
            "filter  Power users {power} → {power} of 300 users"
        )),
        "{users:?}"
    );
    assert!(
        users[2].contains("segments → segscope_segments: List · title → jobtitle"),
        "{users:?}"
    );
    let accounts = part(&screen, "Accounts");
    assert!(
        accounts[0].contains("key id → segscope_account_id"),
        "{accounts:?}"
    );
    assert!(
        accounts[1].contains("everyone → 40 of 40 accounts"),
        "{accounts:?}"
    );
    assert!(
        accounts[2].contains("segments → segscope_segments: Multi-line text"),
        "{accounts:?}"
    );
    assert!(screen.contains("No runs yet"), "{screen}");
    insta::assert_snapshot!("destinations_hubspot_120x40", session.snapshot(120, 40));
    insta::assert_snapshot!("destinations_hubspot_80x24", session.snapshot(80, 24));
    // The file destination: its path, one part, everyone.
    session.type_text("j");
    let screen = session.screen(120, 40);
    assert!(screen.contains("path exports/accounts.csv"), "{screen}");
    assert!(!screen.contains(" Users   key"), "{screen}");
    insta::assert_snapshot!("destinations_file_80x24", session.snapshot(80, 24));
}

#[test]
fn without_destinations_the_screen_says_how_to_define_one() {
    let mut session = Session::new();
    session.type_text("5");
    let screen = session.screen(120, 40);
    assert!(
        screen.contains("destination \"HubSpot\" hubspot { ... }"),
        "{screen}"
    );
    session.type_text("d");
    assert!(
        session.status().starts_with("no destinations"),
        "{}",
        session.status()
    );
    assert!(session.status_is_error());
    insta::assert_snapshot!("destinations_none_80x24", session.snapshot(80, 24));
}

#[test]
fn a_dry_run_shows_the_plan_counts_requests_and_payloads() {
    let (mut session, _) = destinations_screen("SEGSCOPE_TUI_DRY_RUN_TOKEN", "http://127.0.0.1:9");
    session.type_text("p");
    assert!(session.screen(120, 40).contains("No dry run yet"));
    session.type_text("d");
    session.wait_for_job();
    let power = members(&session, "Power users");
    let status = session.status();
    assert!(
        status.starts_with(&format!(
            "dry run of \"HubSpot\": {} to send ({} new, 0 changed, 0 leaving), 0 unchanged; nothing sent",
            power + 40,
            power + 40
        )),
        "{status}"
    );
    let screen = session.screen(120, 40);
    assert!(
        screen.contains(&format!("users → contacts: {power} selected")),
        "{screen}"
    );
    assert!(
        screen.contains(&format!(
            "{power} new · 0 changed · 0 unchanged · 0 leaving"
        )),
        "{screen}"
    );
    assert!(
        screen.contains("accounts → companies: 40 selected"),
        "{screen}"
    );
    assert!(screen.contains("Requests: at least"), "{screen}");
    assert!(screen.contains("Sample payloads (users):"), "{screen}");
    assert!(screen.contains("\"idProperty\":\"email\""), "{screen}");
    insta::assert_snapshot!("destinations_dry_run_120x40", session.snapshot(120, 40));
    // `p` goes back to the history; the plan is kept.
    session.type_text("p");
    assert!(session.screen(120, 40).contains("No runs yet"));
    session.type_text("p");
    assert!(session.screen(120, 40).contains("Sample payloads (users):"));
    // From another screen, `:dry-run NAME` comes here and plans that one.
    session.type_text("1");
    session.prompt("dry-run nightly export");
    session.wait_for_job();
    assert_eq!(session.current_screen(), "Destinations");
    let screen = session.screen(120, 40);
    assert!(screen.contains("accounts → file: 40 selected"), "{screen}");
    assert!(
        screen.contains("Writes exports/accounts.csv with every selected record (40)"),
        "{screen}"
    );
}

#[test]
fn the_segment_filter_is_edited_in_a_picker_and_saved_into_the_file() {
    let (mut session, file) =
        destinations_screen("SEGSCOPE_TUI_FILTER_TOKEN", "http://127.0.0.1:9");
    session.type_text("e");
    let screen = session.screen(120, 40);
    assert!(
        screen.contains("Segment filter of \"HubSpot\" users"),
        "{screen}"
    );
    assert!(screen.contains("[x] Power users"), "{screen}");
    assert!(screen.contains("[ ] Enterprise admins"), "{screen}");
    assert!(!screen.contains("Paying"), "only users' segments: {screen}");
    session.type_text("admins");
    session.press(KeyCode::Enter);
    assert!(session.screen(120, 40).contains("[x] Enterprise admins"));
    session.ctrl('s');
    let status = session.status();
    assert!(
        status.contains("\"HubSpot\": users in \"Enterprise admins\" or \"Power users\" go (saved in destinations.seg)"),
        "{status}"
    );
    let text = std::fs::read_to_string(&file).expect("the file");
    assert!(
        text.contains(r#"segments ["Enterprise admins", "Power users"]"#),
        "{text}"
    );
    assert!(
        text.contains("# Where segments go"),
        "comments kept: {text}"
    );
    assert!(
        text.contains("destination \"Nightly export\" file"),
        "{text}"
    );
    let screen = session.screen(120, 40);
    let admins = members(&session, "Enterprise admins");
    let power = members(&session, "Power users");
    let users = part(&screen, "Users");
    assert!(
        users[1].contains(&format!(
            "filter  Enterprise admins {admins} · Power users {power}"
        )),
        "{users:?}"
    );
    let either = session
        .workspace()
        .query(
            EntityKind::Users,
            "in segment \"Enterprise admins\" or in segment \"Power users\"",
        )
        .expect("a condition")
        .len();
    assert!(
        users[1].contains(&format!("→ {either} of 300 users")),
        "{users:?}"
    );

    // Esc leaves the filter as it was.
    session.type_text("e");
    session.press(KeyCode::Enter);
    session.press(KeyCode::Esc);
    assert_eq!(session.status(), "segment filter left as it was");
    assert!(
        std::fs::read_to_string(&file)
            .unwrap()
            .contains("\"Enterprise admins\", \"Power users\"")
    );

    // `m` flips the users' Segments mapping, in the file too; the accounts'
    // stays as it was.
    session.type_text("m");
    assert!(
        session
            .status()
            .contains("segments → segscope_segments now goes as Multi-line text"),
        "{}",
        session.status()
    );
    let users = part(&session.screen(120, 40), "Users");
    assert!(
        users[2].contains("segscope_segments: Multi-line text"),
        "{users:?}"
    );
    let encoding = |session: &Session, kind: EntityKind| {
        let destination = session
            .workspace()
            .destination("HubSpot")
            .unwrap()
            .destination;
        destination.kind(kind).unwrap().mappings[0].encoding()
    };
    assert_eq!(encoding(&session, EntityKind::Users), ListEncoding::Text);
    session.type_text("m");
    let users = part(&session.screen(120, 40), "Users");
    assert!(users[2].contains("segscope_segments: List"), "{users:?}");
    assert_eq!(encoding(&session, EntityKind::Users), ListEncoding::List);
    // `l` chooses the accounts' part: its mapping goes back to a list.
    session.type_text("lm");
    assert_eq!(encoding(&session, EntityKind::Accounts), ListEncoding::List);
    let text = std::fs::read_to_string(&file).expect("the file");
    assert!(
        text.contains("map segments -> segscope_segments as list\n    map domain"),
        "{text}"
    );
    let accounts = part(&session.screen(120, 40), "Accounts");
    assert!(
        accounts[2].contains("segscope_segments: List"),
        "{accounts:?}"
    );
    // The accounts' picker offers accounts' segments.
    session.type_text("e");
    let screen = session.screen(120, 40);
    assert!(screen.contains("[ ] Paying"), "{screen}");
    session.press(KeyCode::Esc);
}

#[test]
fn a_sync_against_hubspot_shows_the_gauge_then_the_summary_and_the_run() {
    const VARIABLE: &str = "SEGSCOPE_TUI_SYNC_TOKEN";
    const TOKEN: &str = "pat-na1-tui-sync-0123456789";
    set_token(VARIABLE, TOKEN);
    let fake = FakeHubSpot::start(TOKEN);
    // Slow answers, so the run lasts long enough to watch.
    fake.set_delay(Duration::from_millis(250));
    let (mut session, _) = destinations_screen(VARIABLE, &fake.base_url());
    let power = members(&session, "Power users");
    let screen = session.screen(120, 40);
    assert!(
        screen.contains(&format!("token env {VARIABLE} (set)")),
        "{screen}"
    );
    session.type_text("S");
    assert!(session.app.job().is_some(), "the sync runs as a job");
    wait_until(&mut session, Duration::from_secs(20), |_, status| {
        status.starts_with("syncing \"HubSpot\"") && status.contains(&format!(" of {}", power + 40))
    });
    // The UI stays responsive: the selection moves, the workspace is busy.
    session.type_text("j");
    assert!(session.screen(120, 40).contains(" Nightly export "));
    session.type_text("d");
    let said = session.app.messages().latest().expect("a message");
    assert!(
        said.is_error
            && said
                .text
                .starts_with("busy: syncing \"HubSpot\" is running"),
        "{}",
        said.text
    );
    session.type_text("k");
    // The history counts as the batches are acknowledged: the users first.
    wait_until(&mut session, Duration::from_secs(20), |screen, _| {
        screen.contains(&format!(
            "syncing {power} of {} · {power} sent, 0 failed",
            power + 40
        ))
    });
    let running = session.screen(120, 40);
    assert!(!running.contains(TOKEN));
    session.wait_for_job();
    let status = session.status();
    assert!(
        status.starts_with("\"HubSpot\" (HubSpot): completed in"),
        "{status}"
    );
    assert!(
        status.contains(&format!("— {} sent, 0 unchanged, 0 exited", power + 40)),
        "{status}"
    );
    assert!(!session.status_is_error());
    let screen = session.screen(120, 40);
    assert!(
        screen.contains(&format!(" completed just now · {} sent", power + 40)),
        "{screen}"
    );
    assert!(screen.contains("Runs (1)"), "{screen}");
    assert!(screen.contains("no record errors"), "{screen}");
    assert_eq!(fake.objects("contacts").len(), power);
    assert_eq!(fake.objects("companies").len(), 40);
    // A second run sends nothing: everything is unchanged.
    fake.set_delay(Duration::ZERO);
    session.prompt("sync HubSpot");
    session.wait_for_job();
    assert!(
        session
            .status()
            .contains(&format!("— 0 sent, {} unchanged", power + 40)),
        "{}",
        session.status()
    );
    let screen = session.screen(120, 40);
    assert!(screen.contains("Runs (2)"), "{screen}");
    // The older run, selected with J.
    session.type_text("J");
    let screen = session.screen(120, 40);
    assert!(screen.contains(&format!("{} sent", power + 40)), "{screen}");
    for shown in [screen, message_log(&mut session)] {
        assert!(!shown.contains(TOKEN), "the token shows:\n{shown}");
    }
}

#[test]
fn a_sync_of_the_file_destination_writes_the_file() {
    let mut session = Session::new();
    let path = session.dir.path().join("exports").join("accounts.csv");
    with_destinations(
        &mut session,
        "SEGSCOPE_TUI_FILE_TOKEN",
        "http://127.0.0.1:9",
        &path.display().to_string(),
    );
    session.type_text("5");
    session.prompt("sync Nightly export");
    session.wait_for_job();
    let status = session.status();
    assert!(
        status.starts_with("\"Nightly export\" (file): completed in"),
        "{status}"
    );
    assert!(
        status.contains(&format!("wrote {}", path.display())),
        "{status}"
    );
    let mut file = csv::Reader::from_path(&path).expect("the file was written");
    let header = file.headers().expect("a header").clone();
    assert_eq!(
        header.iter().collect::<Vec<_>>(),
        ["id", "segments", "domain"]
    );
    assert_eq!(file.records().count(), 40, "every account");
    let screen = session.screen(120, 40);
    assert!(screen.contains(" completed just now · 40 sent"), "{screen}");
}

#[test]
fn cancelling_a_slow_sync_leaves_a_cancelled_run_in_the_history() {
    const VARIABLE: &str = "SEGSCOPE_TUI_CANCEL_TOKEN";
    const TOKEN: &str = "pat-na1-tui-cancel-9876543210";
    set_token(VARIABLE, TOKEN);
    let fake = FakeHubSpot::start(TOKEN);
    fake.set_delay(Duration::from_millis(300));
    let mut session = Session::new();
    let file = with_destinations(&mut session, VARIABLE, &fake.base_url(), "unused.csv");
    // Every user, so the users go in three batches.
    let text = std::fs::read_to_string(&file).unwrap();
    std::fs::write(&file, text.replace("segments [\"Power users\"]\n", "")).unwrap();
    session.apply_file(&file);
    session.type_text("5");
    session.type_text("S");
    assert!(
        fake.wait_for_upserts(1, Duration::from_secs(20)),
        "a batch went"
    );
    session.type_text("c");
    session.app.poll_jobs();
    assert!(
        session.status().contains("cancelling…"),
        "{}",
        session.status()
    );
    session.wait_for_job();
    let status = session.status();
    assert!(
        status.starts_with("\"HubSpot\" (HubSpot): cancelled in"),
        "{status}"
    );
    let runs = session
        .workspace()
        .sync_runs(Some("HubSpot"), 10)
        .expect("the run log");
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].outcome, RunOutcome::Cancelled);
    assert!(runs[0].counts.sent < 340, "{:?}", runs[0].counts);
    assert_eq!(fake.objects("contacts").len() as u64, runs[0].counts.sent);
    let screen = session.screen(120, 40);
    assert!(screen.contains(" cancelled just now · "), "{screen}");
    assert!(screen.contains(" · cancelled just now · took "), "{screen}");
    assert!(!screen.contains(TOKEN));
}

#[test]
fn bad_input_says_what_is_wrong_and_sends_nothing() {
    let (mut session, _) = destinations_screen("SEGSCOPE_TUI_UNSET_TOKEN", "http://127.0.0.1:9");
    session.type_text("S");
    assert!(session.app.job().is_none(), "no job starts");
    assert!(session.status_is_error());
    let status = session.status();
    assert!(
        status.starts_with("cannot sync \"HubSpot\": its token is read from the environment variable SEGSCOPE_TUI_UNSET_TOKEN, which is not set"),
        "{status}"
    );
    session.prompt("sync Nope");
    assert!(
        session.status().starts_with(
            "there is no destination named \"Nope\": the destinations are \"HubSpot\", \"Nightly export\""
        ),
        "{}",
        session.status()
    );
    // A destination naming a segment that does not exist is refused with
    // the reason; the screen keeps what it had.
    let bad = session.dir.path().join("bad.seg");
    std::fs::write(
        &bad,
        "destination \"Bad\" file {\n  path \"bad.csv\"\n  users { segments [\"Power user\"] }\n}\n",
    )
    .unwrap();
    session.prompt(&format!("apply {}", bad.display()));
    assert!(session.status_is_error());
    assert!(
        session.status().contains("Power user"),
        "{}",
        session.status()
    );
    assert!(session.screen(120, 40).contains("Destinations (2)"));
    session.type_text("c");
    assert_eq!(session.status(), "no job is running");
}

#[test]
fn small_terminals_draw_and_long_names_are_cut() {
    let mut session = Session::new();
    let long = "A destination with a rather long name that goes on and on";
    let file = session.dir.path().join("long.seg");
    let folder = session.dir.path().join("a-very-long-folder-name");
    std::fs::write(
        &file,
        format!(
            "destination \"{long}\" file {{\n  path \"{}/with-a-long-file-name.jsonl\"\n  users {{\n    segments [\"Power users\", \"Enterprise admins\", \"Promoters\", \"Light users\"]\n    map segments -> segments as list\n    map email -> email\n  }}\n}}\n",
            folder.display()
        ),
    )
    .unwrap();
    session.apply_file(&file);
    session.type_text("5");
    let sizes = [(40, 12), (40, 10), (41, 13), (50, 16), (60, 20), (80, 24)];
    let draw_all = |session: &mut Session, state: &str| {
        for (width, height) in sizes {
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                session.screen(width, height)
            }));
            let screen = result.unwrap_or_else(|_| panic!("{state} panics at {width}x{height}"));
            assert!(
                !screen.contains("segscope needs"),
                "{state} {width}x{height}"
            );
        }
    };
    draw_all(&mut session, "the tab");
    let screen = session.screen(40, 12);
    assert!(screen.contains("A destinatio…"), "{screen}");
    assert!(screen.contains("┐ A destination with a rat…"), "{screen}");
    session.type_text("d");
    session.wait_for_job();
    draw_all(&mut session, "the plan");
    session.type_text("e");
    draw_all(&mut session, "the picker");
    session.press(KeyCode::Esc);
    session.type_text("S");
    session.wait_for_job();
    draw_all(&mut session, "the history");
    let screen = session.screen(80, 24);
    assert!(screen.contains("completed just now"), "{screen}");
}

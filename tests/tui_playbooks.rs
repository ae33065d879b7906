//! The Playbooks screen in-process, as a user works it: the table of
//! playbooks and the selected one's runs log; making one in the editor
//! (the live count of who matches and who would fire on save, the builder
//! adding a Segments condition, actions checked by the language's parser
//! with each problem placed), `skip existing`, editing one from a file
//! (its name kept, the file rewritten), disabling and enabling again with
//! and without catching up, deleting, prompt commands by name, webhooks
//! delivered by the worker to a loopback receiver (done, retried after a
//! 500, failed for good on a 410), and small terminals.

use std::path::PathBuf;
use std::time::Duration;

use crossterm::event::KeyCode;
use segscope::model::EntityKind;
use segscope::tui::Message;

mod support;
use support::tui_session::*;
use support::webhook_receiver::{WebhookFault, WebhookReceiver};

/// Playbooks the tests apply from a file: one per kind.
const PLAYBOOKS: &str = r#"playbook "Welcome power users" for users {
  description "Tell CS about new power users"
  when in segment "Power users"
  skip existing
  log "New power user"
}

playbook "Enterprise watch" for accounts {
  when in segment "Enterprise"
  runs once
  skip existing
  set watched = true
  log "Enterprise account"
}
"#;

/// Writes the playbooks to a file in the session's folder and applies it.
fn with_playbooks(session: &mut Session, text: &str) -> PathBuf {
    let file = session.dir.path().join("playbooks.seg");
    std::fs::write(&file, text).expect("the file");
    session.apply_file(&file);
    file
}

/// The Playbooks screen with the fixture's playbooks.
fn playbooks_screen() -> (Session, PathBuf) {
    let mut session = Session::new();
    let file = with_playbooks(&mut session, PLAYBOOKS);
    session.type_text("6");
    (session, file)
}

/// Every message of the log, oldest first.
fn messages(session: &Session) -> Vec<String> {
    let mut all: Vec<String> = session
        .app
        .messages()
        .newest_first()
        .map(|m| m.text.clone())
        .collect();
    all.reverse();
    all
}

/// The table's line for playbook `name`, from its name on.
fn playbook_row(screen: &str, name: &str) -> String {
    let line = screen
        .lines()
        .find(|line| line.contains(&format!(" {name}")) && line.contains('['))
        .unwrap_or_else(|| panic!("{name:?} is not in the table:\n{screen}"));
    line.to_string()
}

/// A table row's last three columns: fires in 24 h, pending, matching.
fn counts(row: &str) -> [usize; 3] {
    let numbers: Vec<usize> = row
        .split_whitespace()
        .rev()
        .take(3)
        .map(|n| n.replace(',', "").parse().expect("a count"))
        .collect();
    [numbers[2], numbers[1], numbers[0]]
}

/// A playbook on promoters, skipping those there are when it is applied.
const PROMOTER_ALERT: &str = r#"playbook "Promoter alert" for users {
  when nps >= 9
  skip existing
  log "promoter"
}
"#;

/// Makes `n` users promoters (nps 10) by `:import` in the UI, as a job;
/// their ids.
fn make_promoters(session: &mut Session, n: usize) -> Vec<String> {
    let ids = ids_where(session, "nps < 9", n);
    let data = session.dir.path().join("promoters.jsonl");
    let rows: Vec<String> = ids
        .iter()
        .map(|id| format!("{{\"id\": \"{id}\", \"nps\": 10}}"))
        .collect();
    std::fs::write(&data, rows.join("\n")).expect("the data");
    session.prompt(&format!("import users {}", data.display()));
    session.wait_for_job();
    ids
}

/// The first `n` users matching `condition`, by id.
fn ids_where(session: &Session, condition: &str, n: usize) -> Vec<String> {
    let workspace = session.workspace();
    let set = workspace
        .query(EntityKind::Users, condition)
        .expect("the query");
    set.iter().take(n).map(|row| workspace.id_of(row)).collect()
}

/// Puts a variable in this process's environment (the UI runs in-process).
fn set_variable(variable: &str, value: &str) {
    // SAFETY: each test names its own variable, and the tests' threads
    // read the environment only through std, which serialises access.
    unsafe { std::env::set_var(variable, value) };
}

/// Opens a new playbook's editor and fills it in: name, then `when`,
/// then the actions (the kind and choices left as they are).
fn new_playbook(session: &mut Session, name: &str, when: &str, actions: &str) {
    session.press(KeyCode::Char('n'));
    assert!(session.screen(120, 40).contains(" New playbook "));
    session.type_text(name);
    // Name → For → Description → When.
    session.presses(KeyCode::Tab, 3);
    session.type_text(when);
    // When → Runs → Skip existing → Actions.
    session.presses(KeyCode::Tab, 3);
    session.type_text(actions);
    session.settle();
}

#[test]
fn the_table_shows_each_playbook_with_its_trigger_actions_and_counts() {
    let (mut session, _file) = playbooks_screen();
    assert_eq!(session.current_screen(), "Playbooks");
    let screen = session.screen(120, 40);
    for header in [
        "Playbook", "For", "When", "Actions", "24 h", "Pending", "Match",
    ] {
        assert!(screen.contains(header), "{header}:\n{screen}");
    }
    let power = count(&session, EntityKind::Users, "sessions_30d >= 20");
    let row = playbook_row(&screen, "Welcome power users");
    assert!(row.starts_with("[x]"), "{row}");
    assert!(row.contains("users"), "{row}");
    assert!(row.contains("in segment \"Power users\""), "{row}");
    assert!(row.contains("log"), "{row}");
    assert_eq!(counts(&row), [0, 0, power], "{row}");
    let row = playbook_row(&screen, "Enterprise watch");
    assert!(
        row.contains("accounts") && row.contains("set, log"),
        "{row}"
    );
    // Sorted by name: "Enterprise watch" is selected first; its detail.
    assert!(
        screen.contains("Enterprise watch — enabled"),
        "the detail:\n{screen}"
    );
    assert!(screen.contains("runs once · skip existing"), "{screen}");
    assert!(screen.contains("set watched = true"), "{screen}");
    assert!(screen.contains("No firings yet"), "{screen}");
    // The status bar names the applied file by its temporary path.
    session.app.say(Message::info("ready"));
    insta::assert_snapshot!("playbooks_list_120x40", session.snapshot(120, 40));
    insta::assert_snapshot!("playbooks_list_80x24", session.snapshot(80, 24));
}

#[test]
fn with_no_playbooks_the_screen_says_how_to_make_one() {
    let mut session = Session::new();
    session.type_text("6");
    let screen = session.screen(80, 24);
    assert!(screen.contains("No playbooks yet"), "{screen}");
    assert!(screen.contains("Press n to make one here"), "{screen}");
    // A command that needs a playbook says so.
    session.press(KeyCode::Char('d'));
    assert!(session.status_is_error());
    assert!(
        session.status().starts_with("no playbooks:"),
        "{}",
        session.status()
    );
    insta::assert_snapshot!("playbooks_empty_80x24", session.snapshot(80, 24));
}

#[test]
fn a_playbook_made_in_the_editor_fires_for_who_matches_and_its_sets_apply() {
    let (mut session, _file) = playbooks_screen();
    let promoters = count(&session, EntityKind::Users, "nps >= 9");
    assert!(promoters > 0);
    new_playbook(
        &mut session,
        "Thank promoters",
        "nps >= 9",
        "set thanked = \"yes\"\nlog \"Thanked\"",
    );
    let screen = session.screen(120, 40);
    assert!(
        screen.contains(&format!("{promoters} of 300 users")),
        "the live count:\n{screen}"
    );
    assert!(
        screen.contains(&format!("{promoters} would fire on save")),
        "who would fire:\n{screen}"
    );
    session.app.say(Message::info("ready"));
    insta::assert_snapshot!("playbooks_editor_80x24", session.snapshot(80, 24));
    session.ctrl('s');
    assert!(
        !session.screen(120, 40).contains(" New playbook "),
        "saving closes the editor"
    );
    let said = messages(&session);
    assert!(
        said.iter()
            .any(|m| m == "saved playbook \"Thank promoters\""),
        "{said:#?}"
    );
    assert!(
        said.iter().any(
            |m| m.starts_with("playbook \"Thank promoters\" fired for user ")
                && m.ends_with(&format!("and {} more", promoters - 1))
        ),
        "{said:#?}"
    );
    // One line for all the `log`s, not one per user.
    let logs: Vec<&String> = said
        .iter()
        .filter(|m| m.starts_with("log: Thanked (playbook \"Thank promoters\", user "))
        .collect();
    assert_eq!(logs.len(), 1, "{said:#?}");
    assert!(
        logs[0].ends_with(&format!(" and {} more", promoters - 1)),
        "{said:#?}"
    );
    // Its `set` went through the workspace: the property is there.
    assert_eq!(
        count(&session, EntityKind::Users, "thanked = \"yes\""),
        promoters
    );
    // The saved one is selected, and its runs log lists every firing.
    let screen = session.screen(120, 60);
    assert!(screen.contains("Thank promoters — enabled"), "{screen}");
    assert!(
        screen.contains(&format!("Runs log ({promoters})")),
        "{screen}"
    );
    assert!(screen.contains("✓ set thanked = \"yes\""), "{screen}");
    assert!(screen.contains("· 2 done"), "{screen}");
}

#[test]
fn skip_existing_in_the_editor_fires_nobody_on_save() {
    let (mut session, _file) = playbooks_screen();
    session.press(KeyCode::Char('n'));
    session.type_text("Quiet");
    session.presses(KeyCode::Tab, 3);
    session.type_text("nps >= 9");
    // When → Runs → Skip existing: space changes it.
    session.presses(KeyCode::Tab, 2);
    session.press(KeyCode::Char(' '));
    session.press(KeyCode::Tab);
    session.type_text("log \"quiet\"");
    session.settle();
    let screen = session.screen(120, 40);
    assert!(
        screen.contains("none would fire on save: it skips those already matching"),
        "{screen}"
    );
    assert!(screen.contains("Skip existing yes"), "{screen}");
    session.ctrl('s');
    assert!(
        !messages(&session)
            .iter()
            .any(|m| m.starts_with("playbook \"Quiet\" fired")),
        "{:#?}",
        messages(&session)
    );
    let screen = session.screen(120, 40);
    assert!(screen.contains("Quiet — enabled"), "{screen}");
    assert!(screen.contains("No firings yet"), "{screen}");
}

#[test]
fn the_kind_is_a_choice_and_the_count_follows_it() {
    let (mut session, _file) = playbooks_screen();
    session.press(KeyCode::Char('n'));
    session.type_text("For accounts");
    session.press(KeyCode::Tab);
    session.press(KeyCode::Char(' '));
    session.presses(KeyCode::Tab, 2);
    session.type_text("plan = \"enterprise\"");
    session.settle();
    let enterprise = count(&session, EntityKind::Accounts, "plan = \"enterprise\"");
    let screen = session.screen(120, 40);
    assert!(screen.contains("For           accounts"), "{screen}");
    assert!(
        screen.contains(&format!("{enterprise} of 40 accounts")),
        "{screen}"
    );
}

#[test]
fn the_builder_adds_a_segments_condition_to_when() {
    let (mut session, _file) = playbooks_screen();
    session.press(KeyCode::Char('n'));
    session.type_text("Built");
    session.presses(KeyCode::Tab, 3);
    session.type_text("nps >= 9");
    session.ctrl('b');
    let screen = session.screen(120, 40);
    assert!(
        screen.contains("Segments"),
        "the builder's first step:\n{screen}"
    );
    // Segments → in → the segment, each taken with Enter.
    session.type_text("Segments");
    session.press(KeyCode::Enter);
    session.type_text("in");
    session.press(KeyCode::Enter);
    session.type_text("Power users");
    session.press(KeyCode::Enter);
    session.settle();
    let screen = session.screen(120, 40);
    assert!(
        screen.contains("nps >= 9 and in segment \"Power users\""),
        "{screen}"
    );
    let both = count(
        &session,
        EntityKind::Users,
        "nps >= 9 and in segment \"Power users\"",
    );
    assert!(
        screen.contains(&format!("{both} of 300 users")),
        "the count follows:\n{screen}"
    );
}

#[test]
fn bad_drafts_are_placed_and_refused_and_nothing_is_saved() {
    let (mut session, _file) = playbooks_screen();
    new_playbook(&mut session, "Broken", "nps >= 9", "log \"ok\"\nset foo =");
    let screen = session.screen(120, 40);
    assert!(
        screen.contains("actions, line 2, column 10: expected a value"),
        "the problem in its part:\n{screen}"
    );
    session.ctrl('s');
    assert!(session.status_is_error());
    assert!(
        session.status().starts_with("not saved: actions, line 2"),
        "{}",
        session.status()
    );
    assert!(session.workspace().playbook("Broken").is_none());
    // A property the playbook may not set.
    session.presses(KeyCode::Backspace, "set foo =".len());
    session.type_text("set segments = \"x\"");
    session.settle();
    session.ctrl('s');
    assert!(
        session.status().starts_with("not saved: actions, line 2"),
        "{}",
        session.status()
    );
    assert!(session.workspace().playbook("Broken").is_none());
    // No actions at all.
    session.presses(KeyCode::Backspace, 40);
    session.settle();
    session.ctrl('s');
    assert!(session.status_is_error(), "{}", session.status());
    assert!(session.workspace().playbook("Broken").is_none());
    // A taken name.
    session.type_text("log \"again\"");
    session.presses(KeyCode::BackTab, 6);
    session.presses(KeyCode::Backspace, "Broken".len());
    session.type_text("welcome power users");
    session.ctrl('s');
    assert!(
        session
            .status()
            .contains("there is already a playbook named \"Welcome power users\""),
        "{}",
        session.status()
    );
    // Esc asks before it throws the draft away.
    session.press(KeyCode::Esc);
    assert!(session.popup_open());
    session.press(KeyCode::Char('y'));
    assert!(!session.screen(120, 40).contains(" New playbook "));
}

#[test]
fn a_broken_when_is_blamed_on_when_and_the_builder_respects_comments() {
    let (mut session, _file) = playbooks_screen();
    new_playbook(&mut session, "Half", "(nps >= 9", "log \"x\"");
    session.ctrl('s');
    assert!(
        session.status().starts_with("not saved: when, line 1"),
        "{}",
        session.status()
    );
    assert!(session.workspace().playbook("Half").is_none());
    // A comment at the end of `when` stays a comment when the builder adds
    // a condition.
    session.presses(KeyCode::BackTab, 3);
    session.press(KeyCode::Home);
    session.press(KeyCode::Delete);
    session.press(KeyCode::End);
    session.type_text(" # promoters");
    session.ctrl('b');
    session.type_text("Segments");
    session.press(KeyCode::Enter);
    session.type_text("in");
    session.press(KeyCode::Enter);
    session.type_text("Power users");
    session.press(KeyCode::Enter);
    session.settle();
    let both = count(
        &session,
        EntityKind::Users,
        "nps >= 9 and in segment \"Power users\"",
    );
    let screen = session.screen(120, 40);
    assert!(
        screen.contains(&format!("{both} of 300 users")),
        "the added condition counts:\n{screen}"
    );
    session.ctrl('s');
    let saved = session.workspace().playbook("Half").expect("saved");
    assert_eq!(
        segscope::lang::format::format_condition(&saved.when),
        "nps >= 9 and in segment \"Power users\""
    );
}

#[test]
fn a_playbook_from_a_file_is_edited_there_and_keeps_its_name() {
    let (mut session, file) = playbooks_screen();
    session.press(KeyCode::Down);
    assert!(
        session
            .screen(120, 40)
            .contains("Welcome power users — enabled")
    );
    session.press(KeyCode::Enter);
    let screen = session.screen(120, 40);
    assert!(
        screen.contains(" Edit playbook — saving writes it back to playbooks.seg "),
        "{screen}"
    );
    assert!(screen.contains("(a playbook keeps its name)"), "{screen}");
    assert!(
        screen.contains("in segment \"Power users\""),
        "the when:\n{screen}"
    );
    assert!(
        screen.contains("log \"New power user\""),
        "the actions:\n{screen}"
    );
    // Typing into the name says why it does not change.
    session.presses(KeyCode::BackTab, 3);
    session.type_text("x");
    assert!(
        session.status().starts_with("a playbook keeps its name"),
        "{}",
        session.status()
    );
    // A new `when`: entities that start to match it would fire, but it
    // skips existing ones.
    session.presses(KeyCode::Tab, 3);
    session.presses(KeyCode::Backspace, 40);
    session.type_text("in segment \"Promoters\"");
    session.settle();
    assert!(session.screen(120, 40).contains("none would fire on save"));
    session.ctrl('s');
    let text = std::fs::read_to_string(&file).expect("the file");
    assert!(text.contains("when in segment \"Promoters\""), "{text}");
    assert!(
        text.contains("playbook \"Enterprise watch\""),
        "the other stays:\n{text}"
    );
    let screen = session.screen(120, 40);
    assert!(
        playbook_row(&screen, "Welcome power users").contains("Promoters"),
        "{screen}"
    );
    // A playbook from a file is deleted in its file.
    session.press(KeyCode::Char('d'));
    assert!(session.status_is_error());
    assert!(
        session.status().contains("is defined in"),
        "{}",
        session.status()
    );
}

#[test]
fn disabled_playbooks_do_not_fire_and_enabling_asks_whether_to_catch_up() {
    let mut session = Session::new();
    with_playbooks(&mut session, PROMOTER_ALERT);
    session.type_text("6");
    session.press(KeyCode::Char(' '));
    assert!(
        session.status().starts_with("disabled \"Promoter alert\""),
        "{}",
        session.status()
    );
    let screen = session.screen(120, 40);
    assert!(
        playbook_row(&screen, "Promoter alert").starts_with("[ ]"),
        "{screen}"
    );
    assert!(
        screen.contains("Promoter alert — disabled: it does not fire"),
        "{screen}"
    );
    // Three users become promoters while it is off.
    make_promoters(&mut session, 3);
    assert!(
        !messages(&session).iter().any(|m| m.contains("fired")),
        "a disabled playbook does not fire: {:#?}",
        messages(&session)
    );
    // Enabling asks: y fires for the three, e enables without firing.
    session.type_text("6");
    session.press(KeyCode::Char('t'));
    let screen = session.screen(120, 40);
    assert!(
        screen.contains(
            "Enable \"Promoter alert\"? 3 users started to match it while it was disabled"
        ),
        "{screen}"
    );
    assert!(screen.contains("e enable without firing"), "{screen}");
    session.press(KeyCode::Char('e'));
    assert!(
        session
            .status()
            .starts_with("enabled \"Promoter alert\": who matches now"),
        "{}",
        session.status()
    );
    let screen = session.screen(120, 40);
    assert!(
        playbook_row(&screen, "Promoter alert").starts_with("[x]"),
        "{screen}"
    );
    assert!(screen.contains("No firings yet"), "{screen}");
    // Off and on again, catching up this time: nobody new, so no question.
    session.press(KeyCode::Char(' '));
    session.press(KeyCode::Char(' '));
    assert!(!session.popup_open());
    assert!(
        session.status().starts_with("enabled"),
        "{}",
        session.status()
    );
}

#[test]
fn enabling_with_catch_up_fires_for_who_started_to_match() {
    let mut session = Session::new();
    with_playbooks(&mut session, PROMOTER_ALERT);
    session.prompt("toggle-playbook Promoter alert");
    assert_eq!(
        session.current_screen(),
        "Playbooks",
        "the prompt goes there"
    );
    let ids = make_promoters(&mut session, 2);
    session.prompt("toggle-playbook \"promoter alert\"");
    assert!(session.popup_open());
    session.press(KeyCode::Char('y'));
    let said = messages(&session);
    assert!(
        said.iter().any(
            |m| m.starts_with("playbook \"Promoter alert\" fired for user ")
                && m.ends_with("and 1 more")
        ),
        "{said:#?}"
    );
    let screen = session.screen(120, 40);
    assert!(screen.contains("Runs log (2)"), "{screen}");
    for id in &ids {
        assert!(screen.contains(&format!("user {id}")), "{id}:\n{screen}");
    }
}

#[test]
fn prompt_commands_name_playbooks_and_unknown_names_say_which_exist() {
    let (mut session, _file) = playbooks_screen();
    session.type_text("1");
    session.prompt("toggle-playbook No such thing");
    assert!(session.status_is_error());
    assert_eq!(
        session.status(),
        "there is no playbook named \"No such thing\": the playbooks are \"Enterprise watch\", \"Welcome power users\""
    );
    session.prompt("edit-playbook welcome power users");
    assert!(session.screen(120, 40).contains(" Edit playbook "));
    session.press(KeyCode::Esc);
    session.prompt("new-playbook");
    assert!(session.screen(120, 40).contains(" New playbook "));
}

#[test]
fn a_playbook_made_here_is_deleted_after_asking_and_its_runs_log_stays() {
    let (mut session, _file) = playbooks_screen();
    new_playbook(&mut session, "Short lived", "nps >= 9", "log \"hi\"");
    session.ctrl('s');
    let fired = session
        .workspace()
        .playbook_firings("Short lived", 1000)
        .expect("the runs log")
        .len();
    assert!(fired > 0);
    session.press(KeyCode::Char('d'));
    let screen = session.screen(120, 40);
    assert!(
        screen.contains("Delete playbook \"Short lived\"? It fires no more; its runs log stays."),
        "{screen}"
    );
    session.press(KeyCode::Char('n'));
    assert!(session.workspace().playbook("Short lived").is_some());
    session.press(KeyCode::Char('d'));
    session.press(KeyCode::Char('y'));
    assert!(session.workspace().playbook("Short lived").is_none());
    assert_eq!(session.status(), "deleted playbook \"Short lived\"");
    let kept = session
        .workspace()
        .playbook_firings("Short lived", 1000)
        .expect("the runs log")
        .len();
    assert_eq!(kept, fired);
}

/// A playbook for users with nps >= 9 that posts to the receiver.
fn webhook_playbook(receiver: &WebhookReceiver, variable: &str) -> String {
    format!(
        r#"playbook "Hook promoters" for users {{
  when nps >= 9
  webhook "{}" secret env "{variable}"
}}
"#,
        receiver.url()
    )
}

#[test]
fn webhooks_are_delivered_by_the_worker_and_the_runs_log_says_done() {
    let receiver = WebhookReceiver::start("tui-playbook-secret");
    set_variable("SEGSCOPE_TEST_TUI_HOOK_A", "tui-playbook-secret");
    let mut session = Session::new();
    let promoters = count(&session, EntityKind::Users, "nps >= 9");
    with_playbooks(
        &mut session,
        &webhook_playbook(&receiver, "SEGSCOPE_TEST_TUI_HOOK_A"),
    );
    assert!(
        messages(&session)
            .iter()
            .any(|m| m.starts_with(&format!("{promoters} webhooks queued"))),
        "{:#?}",
        messages(&session)
    );
    // The event loop's tick hands them to the worker.
    session.settle();
    assert!(session.app.wait_for_deliveries(Duration::from_secs(30)));
    let deliveries = receiver.deliveries();
    assert_eq!(deliveries.len(), promoters, "each once");
    assert!(receiver.attempts_by_id().values().all(|&n| n == 1));
    assert!(
        deliveries
            .iter()
            .all(|d| d.body.contains("\"type\":\"playbook.fired\""))
    );
    // Said as results come back, in one message or a few.
    let delivered: usize = messages(&session)
        .iter()
        .filter_map(|m| {
            let rest = m.strip_prefix("delivered ")?;
            let (n, what) = rest.split_once(' ')?;
            what.ends_with("of playbook \"Hook promoters\"")
                .then(|| n.parse::<usize>().ok())?
        })
        .sum();
    assert_eq!(delivered, promoters, "{:#?}", messages(&session));
    session.type_text("6");
    let screen = session.screen(120, 40);
    let row = playbook_row(&screen, "Hook promoters");
    assert_eq!(
        counts(&row),
        [promoters, 0, promoters],
        "24 h, pending, match: {row}"
    );
    assert!(screen.contains("✓ webhook"), "{screen}");
    assert!(!screen.contains("pending,"), "{screen}");
    // Nothing is sent twice: another look finds the outbox empty.
    assert!(session.app.wait_for_deliveries(Duration::from_secs(5)));
    assert_eq!(receiver.deliveries().len(), promoters);
}

#[test]
fn a_refused_webhook_fails_for_good_and_a_500_stays_pending() {
    let receiver = WebhookReceiver::start("tui-playbook-secret-b");
    set_variable("SEGSCOPE_TEST_TUI_HOOK_B", "tui-playbook-secret-b");
    let mut session = Session::new();
    let promoters = count(&session, EntityKind::Users, "nps >= 9");
    assert!(promoters >= 2);
    receiver.fail_next(1, WebhookFault::Gone);
    receiver.fail_next(1, WebhookFault::ServerError);
    with_playbooks(
        &mut session,
        &webhook_playbook(&receiver, "SEGSCOPE_TEST_TUI_HOOK_B"),
    );
    assert!(session.app.wait_for_deliveries(Duration::from_secs(30)));
    let said = messages(&session);
    assert!(
        said.iter().any(|m| m
            .starts_with("webhook of playbook \"Hook promoters\" failed for good:")
            && m.contains("410")),
        "{said:#?}"
    );
    assert!(
        said.iter().any(|m| m
            .starts_with("webhook of playbook \"Hook promoters\" not delivered yet:")
            && m.contains("500")),
        "{said:#?}"
    );
    let pending = session
        .workspace()
        .pending_deliveries()
        .expect("the outbox");
    assert_eq!(
        pending.len(),
        1,
        "the 500 waits for its retry; the 410 left"
    );
    assert_eq!(pending[0].attempts, 1);
    session.type_text("6");
    let screen = session.screen(140, 60);
    let row = playbook_row(&screen, "Hook promoters");
    assert_eq!(
        counts(&row),
        [promoters, 1, promoters],
        "one pending: {row}"
    );
    assert!(
        screen.contains(" · 1 pending"),
        "the firing says so:\n{screen}"
    );
    // The retry falls due five seconds later; the worker sends it with the
    // same webhook-id.
    std::thread::sleep(Duration::from_secs(6));
    assert!(session.app.wait_for_deliveries(Duration::from_secs(30)));
    assert!(
        session
            .workspace()
            .pending_deliveries()
            .expect("the outbox")
            .is_empty()
    );
    let retried = receiver
        .attempts_by_id()
        .into_iter()
        .filter(|(_, n)| *n == 2)
        .count();
    assert_eq!(retried, 1, "the retried one was tried twice, under one id");
}

#[test]
fn small_terminals_draw_without_panicking() {
    let (mut session, _file) = playbooks_screen();
    for (width, height) in [(20, 5), (40, 10), (80, 24), (10, 3)] {
        session.screen(width, height);
    }
    session.press(KeyCode::Char('n'));
    session.type_text("x");
    for (width, height) in [(20, 5), (40, 10), (80, 24), (10, 3)] {
        session.screen(width, height);
    }
    session.ctrl('b');
    for (width, height) in [(20, 5), (40, 10), (80, 24)] {
        session.screen(width, height);
    }
}

/// The issue's journey: a playbook made in the editor on a segment, a card
/// moved on the board so an account enters it, the firing in the runs log.
#[test]
fn a_playbook_made_on_a_segment_fires_when_a_stage_move_makes_an_account_enter() {
    let mut session = Session::new();
    with_playbooks(
        &mut session,
        r#"segment "Active accounts" for accounts {
  where lifecycle_stage = "active"
}

view "Pipeline" for accounts {
  stages lifecycle_stage ["trial", "onboarding", "active", "at_risk"]
}
"#,
    );
    let onboarding = count(
        &session,
        EntityKind::Accounts,
        "lifecycle_stage = \"onboarding\"",
    );
    assert!(onboarding > 0, "the demo data has onboarding accounts");
    // A playbook for accounts on the segment, skipping who is in it now.
    session.type_text("6");
    session.press(KeyCode::Char('n'));
    session.type_text("Went active");
    session.press(KeyCode::Tab);
    session.press(KeyCode::Char(' '));
    session.presses(KeyCode::Tab, 2);
    session.type_text("in segment \"Active accounts\"");
    session.presses(KeyCode::Tab, 2);
    session.press(KeyCode::Char(' '));
    session.press(KeyCode::Tab);
    session.type_text("set activated = true\nlog \"now active\"");
    session.settle();
    assert!(session.screen(120, 40).contains("none would fire on save"));
    session.ctrl('s');
    assert!(session.workspace().playbook("Went active").is_some());
    // The board's second column (onboarding): L moves its first card on.
    session.type_text("4l");
    session.type_text("L");
    let said = messages(&session);
    assert!(said.iter().any(|m| m.contains("→ active")), "{said:#?}");
    let fired = said
        .iter()
        .find_map(|m| m.strip_prefix("playbook \"Went active\" fired for account "))
        .unwrap_or_else(|| panic!("it fired: {said:#?}"))
        .to_string();
    assert!(
        said.iter()
            .any(|m| m == &format!("log: now active (playbook \"Went active\", account {fired})")),
        "{said:#?}"
    );
    // Its `set` applied in the same change.
    let activated = session
        .workspace()
        .query(EntityKind::Accounts, "activated = true")
        .expect("the query");
    let ids: Vec<String> = activated
        .iter()
        .map(|row| session.workspace().id_of(row))
        .collect();
    assert_eq!(ids, std::slice::from_ref(&fired));
    session.type_text("6");
    let screen = session.screen(120, 40);
    assert!(screen.contains("Went active — enabled"), "{screen}");
    assert!(screen.contains("Runs log (1)"), "{screen}");
    assert!(
        screen.contains(&format!("account {fired} · 2 done")),
        "{screen}"
    );
    assert!(screen.contains("✓ set activated = true"), "{screen}");
    assert_eq!(
        counts(&playbook_row(&screen, "Went active"))[0],
        1,
        "{screen}"
    );
}

/// A paste into the playbook editor is one edit in the field with the
/// focus — `when` checked once, the actions kept as lines — never keys
/// (an `s` or a Tab in it neither saves nor moves the focus), and `when`
/// has the condition's bound.
#[test]
fn a_paste_into_the_playbook_editor_is_one_edit_in_its_field() {
    let (mut session, _file) = playbooks_screen();
    let promoters = count(&session, EntityKind::Users, "nps >= 9");
    session.press(KeyCode::Char('n'));
    session.paste("Pasted\tplaybook\u{1b}");
    session.presses(KeyCode::Tab, 3);
    session.paste("nps >=\r\n9");
    session.settle();
    let screen = session.screen(120, 40);
    assert!(
        screen.contains(&format!("{promoters} of 300 users")),
        "the pasted condition is checked:\n{screen}"
    );
    session.paste(&" or nps >= 1".repeat(100_000));
    assert!(session.status_is_error(), "{}", session.status());
    assert!(
        session.status().contains("a condition is at most 1 MiB"),
        "{}",
        session.status()
    );
    session.presses(KeyCode::Tab, 3);
    // Two actions in one paste (a new playbook's actions start empty).
    session.paste("set pasted = \"yes\"\r\nlog \"From a paste\"\t");
    session.settle();
    session.ctrl('s');
    let said = messages(&session);
    assert!(
        said.iter()
            .any(|m| m == "saved playbook \"Pasted playbook\""),
        "{said:#?}"
    );
    assert_eq!(
        count(&session, EntityKind::Users, "pasted = \"yes\""),
        promoters
    );
}

//! The terminal UI in-process: a small deterministic workspace (demo data
//! with a fixed seed, evaluated as of a fixed instant) driven with key
//! events the way a user types them, and drawn into ratatui's TestBackend.
//! Screens are pinned as insta snapshots (reviewed as text); sessions assert
//! the app's state and what the screen says.

use std::path::Path;
use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyModifiers};
use segscope::model::EntityKind;
use segscope::tui::{App, KeyMap, Theme};
use segscope::workspace::{HistoryFilter, SourceText};

mod support;
use support::tui_session::*;

// ---------------------------------------------------------------- snapshots

#[test]
fn snapshot_segments_users_80x24() {
    let mut session = Session::new();
    insta::assert_snapshot!("segments_users_80x24", session.snapshot(80, 24));
}

#[test]
fn snapshot_segments_users_120x40() {
    let mut session = Session::new();
    insta::assert_snapshot!("segments_users_120x40", session.snapshot(120, 40));
}

#[test]
fn snapshot_segments_accounts_80x24_and_120x40() {
    let mut session = Session::new();
    session.press(KeyCode::Char('l'));
    insta::assert_snapshot!("segments_accounts_80x24", session.snapshot(80, 24));
    insta::assert_snapshot!("segments_accounts_120x40", session.snapshot(120, 40));
}

#[test]
fn snapshot_help_80x24_and_120x40() {
    let mut session = Session::new();
    session.press(KeyCode::Char('?'));
    insta::assert_snapshot!("help_80x24", session.snapshot(80, 24));
    insta::assert_snapshot!("help_120x40", session.snapshot(120, 40));
}

#[test]
fn snapshot_destinations_screen_without_destinations() {
    let mut session = Session::new();
    session.press(KeyCode::Char('5'));
    insta::assert_snapshot!("destinations_80x24", session.snapshot(80, 24));
}

#[test]
fn snapshot_editor_with_a_condition_error() {
    let mut session = Session::new();
    session.press(KeyCode::Char('n'));
    session.type_text("Admin promoters");
    session.press(KeyCode::Tab);
    session.type_text("Admins who would recommend us");
    session.press(KeyCode::Tab);
    session.type_text("role = \"admin\"\nand in segment \"Promotors\"");
    session.settle();
    insta::assert_snapshot!("editor_error_80x24", session.snapshot(80, 24));
    insta::assert_snapshot!("editor_error_120x40", session.snapshot(120, 40));
}

#[test]
fn snapshot_editor_with_a_live_count() {
    let mut session = Session::new();
    session.edit_condition_of("Light users");
    session.type_text("sessions_30d >= 2 and sessions_30d < 8");
    session.settle();
    insta::assert_snapshot!("editor_live_count_80x24", session.snapshot(80, 24));
    insta::assert_snapshot!("editor_live_count_120x40", session.snapshot(120, 40));
}

#[test]
fn snapshot_delete_confirmation() {
    let mut session = Session::new();
    session.select("Light users");
    session.press(KeyCode::Char('d'));
    insta::assert_snapshot!("delete_confirmation_80x24", session.snapshot(80, 24));
}

#[test]
fn snapshot_prompt_with_completions() {
    let mut session = Session::new();
    session.press(KeyCode::Char(':'));
    session.press(KeyCode::Tab);
    insta::assert_snapshot!("prompt_all_commands_80x24", session.snapshot(80, 24));
    session.type_text("a");
    insta::assert_snapshot!("prompt_apply_80x24", session.snapshot(80, 24));
}

#[test]
fn snapshot_too_small_notice() {
    let mut session = Session::new();
    insta::assert_snapshot!("too_small_30x8", session.snapshot(30, 8));
}

// ---------------------------------------------------------------- sessions

/// A bracketed paste is one edit, checked once: a 1 MB condition goes in
/// and its count shows at the next check (not stale, not minutes of
/// re-checking per character); a paste past the 1 MiB bound is refused
/// with why, leaving the text as it was; a paste into the name is one line.
#[test]
fn a_megabyte_paste_is_one_edit_checked_once_and_the_bound_refuses_more() {
    let mut session = Session::new();
    session.press(KeyCode::Char('n'));
    session.paste("Pasted\r\nname\u{1b}");
    session.press(KeyCode::Tab);
    session.press(KeyCode::Tab);
    let term = "sessions_30d >= 10";
    let mut condition = String::from(term);
    while condition.len() < 1_000_000 - 30 {
        condition.push_str(" or\n");
        condition.push_str(term);
    }
    let started = std::time::Instant::now();
    session.paste(&condition);
    session.settle();
    let screen = session.screen(120, 40);
    let elapsed = started.elapsed();
    // The figure for the README (`cargo test --test tui megabyte -- --nocapture`).
    eprintln!(
        "pasted a {} byte condition and checked it in {:.0} ms",
        condition.len(),
        elapsed.as_secs_f64() * 1000.0
    );
    let expected = count(&session, EntityKind::Users, term);
    assert!(
        screen.contains(&format!("{expected} of {USERS} users")),
        "the count of the pasted condition:\n{screen}"
    );
    assert!(screen.contains("Pasted name"), "one line:\n{screen}");

    session.paste(&" or sessions_30d >= 1".repeat(5_000));
    assert!(session.status_is_error(), "{}", session.status());
    assert!(
        session.status().contains("a condition is at most 1 MiB"),
        "{}",
        session.status()
    );
    session.settle();
    let screen = session.screen(120, 40);
    assert!(
        screen.contains(&format!("{expected} of {USERS} users")),
        "the text is as it was:\n{screen}"
    );
}

#[test]
fn creating_a_segment_by_typing_shows_it_with_its_count() {
    let mut session = Session::new();
    session.press(KeyCode::Char('n'));
    assert!(session.editor_open(), "n opens the editor");
    session.type_text("Active admins");
    session.press(KeyCode::Tab);
    session.type_text("Admins with ten sessions or more");
    session.press(KeyCode::Tab);
    session.type_text("role = \"admin\" and sessions_30d >= 10");
    session.settle();
    let expected = count(
        &session,
        EntityKind::Users,
        "role = \"admin\" and sessions_30d >= 10",
    );
    assert!(expected > 0, "the fixture has active admins");
    let screen = session.screen(80, 24);
    assert!(
        screen.contains(&format!("{expected} of {USERS} users")),
        "the live count is shown:\n{screen}"
    );

    session.ctrl('s');
    assert!(!session.editor_open(), "saving closes the editor");
    assert!(!session.status_is_error(), "{}", session.status());
    assert_eq!(
        session.status(),
        format!("saved \"Active admins\": {expected} entered, 0 left")
    );
    let saved = session.segment("Active admins");
    assert_eq!(saved.members, expected);
    assert_eq!(saved.kind, EntityKind::Users);
    assert_eq!(
        saved.description.as_deref(),
        Some("Admins with ten sessions or more")
    );
    let screen = session.screen(80, 24);
    let row = table_row(&screen, "Active admins");
    assert_eq!(row[0], expected.to_string(), "{screen}");
    assert_eq!(row[2..4], ["Admins", "with"], "{screen}");
    assert_eq!(
        session.selected().as_deref(),
        Some("Active admins"),
        "the new segment is selected"
    );
}

#[test]
fn creating_an_accounts_segment_from_the_accounts_sub_tab() {
    let mut session = Session::new();
    session.press(KeyCode::Right);
    session.press(KeyCode::Char('+'));
    session.type_text("Big");
    session.press(KeyCode::Tab);
    session.press(KeyCode::Tab);
    session.type_text("seats >= 100");
    session.ctrl('s');
    let expected = count(&session, EntityKind::Accounts, "seats >= 100");
    assert_eq!(session.segment("Big").kind, EntityKind::Accounts);
    assert_eq!(session.segment("Big").members, expected);
    let screen = session.screen(80, 24);
    assert!(screen.contains(" Accounts (3) "), "{screen}");
    assert_eq!(table_row(&screen, "Big")[0], expected.to_string());
}

#[test]
fn editing_a_segment_moves_members_in_and_out_and_records_it() {
    let mut session = Session::new();
    let before = session.segment("Light users").members;
    assert_eq!(before, count(&session, EntityKind::Users, LIGHT_USERS));
    let condition = "sessions_30d >= 2 and sessions_30d < 8";
    let after = count(&session, EntityKind::Users, condition);
    let staying = count(
        &session,
        EntityKind::Users,
        "sessions_30d >= 2 and sessions_30d < 4",
    );
    let (entering, leaving) = (after - staying, before - staying);
    assert!(entering > 0 && leaving > 0, "{entering} {leaving}");
    let history = HistoryFilter {
        segment: Some("Light users".to_string()),
        ..HistoryFilter::default()
    };
    let events_before = session.workspace().history(&history).expect("history");

    session.edit_condition_of("Light users");
    session.type_text(condition);
    session.settle();
    let screen = session.screen(120, 40);
    assert!(
        screen.contains(&format!(
            "{after} of {USERS} users ({:.1}%)",
            after as f64 * 100.0 / USERS as f64
        )),
        "{screen}"
    );
    assert!(
        screen.contains(&format!("+{entering} would enter  -{leaving} would leave")),
        "{screen}"
    );
    assert!(
        screen.contains("e.g. usr-"),
        "a sample is listed:\n{screen}"
    );

    session.ctrl('s');
    assert_eq!(
        session.status(),
        format!("saved \"Light users\": {entering} entered, {leaving} left")
    );
    assert_eq!(session.segment("Light users").members, after);
    let events = session.workspace().history(&history).expect("history");
    let new = &events[events_before.len()..];
    assert_eq!(new.iter().filter(|e| e.entered).count(), entering);
    assert_eq!(new.iter().filter(|e| !e.entered).count(), leaving);
    let now = segscope::lang::parse_datetime(NOW).expect("NOW parses");
    assert!(
        new.iter()
            .all(|e| e.at == now && e.kind == EntityKind::Users)
    );
    let row = table_row(&session.screen(80, 24), "Light users");
    assert_eq!(row[0], after.to_string());
}

#[test]
fn esc_with_unsaved_changes_asks_and_n_keeps_editing_y_discards() {
    let mut session = Session::new();
    session.select("Light users");
    session.press(KeyCode::Enter);
    session.press(KeyCode::Esc);
    assert!(
        !session.editor_open() && !session.popup_open(),
        "Esc without changes closes at once"
    );

    session.press(KeyCode::Enter);
    session.type_text(" and nps >= 0");
    session.press(KeyCode::Esc);
    assert!(session.popup_open(), "Esc asks first");
    let screen = session.screen(80, 24);
    assert!(
        screen.contains("Discard your changes to this segment?"),
        "{screen}"
    );
    assert!(screen.contains("y Enter yes   n Esc no"), "{screen}");
    session.press(KeyCode::Char('n'));
    assert!(!session.popup_open());
    assert_eq!(
        session.condition(),
        format!("{LIGHT_USERS} and nps >= 0"),
        "n keeps the edits"
    );
    session.type_text("0");
    assert_eq!(session.condition(), format!("{LIGHT_USERS} and nps >= 00"));

    session.press(KeyCode::Esc);
    session.press(KeyCode::Char('y'));
    assert!(!session.editor_open(), "y discards");
    assert_eq!(session.status(), "changes discarded");
    let (stored, _) = session
        .workspace()
        .segment_definition("Light users")
        .expect("still there");
    assert!(stored.text.contains(LIGHT_USERS), "{}", stored.text);
}

#[test]
fn deleting_a_referenced_segment_is_refused_with_the_reason() {
    let mut session = Session::new();
    session.select("Promoters");
    session.press(KeyCode::Char('d'));
    assert!(!session.popup_open(), "no question is asked");
    assert!(session.status_is_error());
    assert_eq!(
        session.status(),
        "\"Promoters\" cannot be deleted: segment \"Power promoters\" refers to it"
    );
    assert!(session.has_segment("Promoters"));
    assert!(session.screen(120, 40).contains("cannot be deleted"));

    session.press(KeyCode::Char('l'));
    session.select("Enterprise");
    session.press(KeyCode::Char('d'));
    assert_eq!(
        session.status(),
        "\"Enterprise\" cannot be deleted: segment \"Enterprise admins\" refers to it"
    );
    assert!(session.has_segment("Enterprise"));
}

#[test]
fn deleting_an_unreferenced_segment_after_confirming() {
    let mut session = Session::new();
    session.select("Light users");
    session.press(KeyCode::Char('d'));
    assert!(session.popup_open());
    session.press(KeyCode::Char('n'));
    assert!(!session.popup_open());
    assert!(session.has_segment("Light users"), "n keeps it");

    session.press(KeyCode::Char('d'));
    session.press(KeyCode::Char('y'));
    assert!(!session.has_segment("Light users"));
    assert!(!session.workspace().has_segment("Light users"));
    assert_eq!(session.status(), "deleted \"Light users\"");
    let screen = session.screen(80, 24);
    assert!(
        !screen.lines().any(|line| line.starts_with("Light users")),
        "{screen}"
    );
    assert!(screen.contains(" Users (4) "), "{screen}");
}

#[test]
fn deleting_a_segment_defined_in_a_file_says_to_edit_the_file() {
    let mut session = Session::new();
    session.select("Power promoters");
    session.press(KeyCode::Char('d'));
    // Refused at once, without asking first.
    assert!(!session.popup_open());
    assert!(session.has_segment("Power promoters"));
    assert!(session.status_is_error());
    assert!(
        session
            .status()
            .starts_with("\"Power promoters\" is defined in fixture.seg: remove it from the file"),
        "{}",
        session.status()
    );
}

#[test]
fn slash_filters_the_table_by_name() {
    let mut session = Session::new();
    session.press(KeyCode::Char('/'));
    session.type_text("POW");
    assert_eq!(session.listed(), ["Power promoters", "Power users"]);
    let screen = session.screen(80, 24);
    assert!(screen.contains("filter: POW_"), "{screen}");
    assert!(!screen.contains("Promoters      "), "{screen}");

    session.press(KeyCode::Enter);
    assert!(
        !session.screen(80, 24).contains("filter: POW_"),
        "no cursor"
    );
    assert_eq!(session.listed().len(), 2, "Enter keeps it");
    session.press(KeyCode::Char('j'));
    assert_eq!(
        session.selected().as_deref(),
        Some("Power users"),
        "keys move again"
    );

    session.press(KeyCode::Char('/'));
    session.type_text("x");
    assert!(
        session
            .screen(80, 24)
            .contains("No segment name contains \"POWx\".")
    );
    session.press(KeyCode::Esc);
    assert!(!session.screen(80, 24).contains("filter:"));
    assert_eq!(session.listed().len(), 5, "Esc clears it");
}

#[test]
fn tab_and_digits_switch_screens() {
    let mut session = Session::new();
    let title = |session: &mut Session| {
        let screen = session.screen(80, 24);
        screen.lines().nth(2).unwrap_or("").trim().to_string()
    };
    let count = |session: &mut Session| {
        let screen = session.screen(80, 24);
        screen
            .lines()
            .nth(2)
            .unwrap_or("")
            .split("   ")
            .next()
            .unwrap_or("")
            .trim()
            .to_string()
    };
    session.press(KeyCode::Tab);
    assert_eq!(session.current_screen(), "Users");
    assert_eq!(count(&mut session), "300 of 300 users");
    session.press(KeyCode::Tab);
    assert_eq!(count(&mut session), "40 of 40 accounts");
    session.press(KeyCode::BackTab);
    session.press(KeyCode::BackTab);
    assert_eq!(session.current_screen(), "Segments");
    session.press(KeyCode::BackTab);
    assert_eq!(
        session.current_screen(),
        "Playbooks",
        "Shift-Tab wraps around"
    );
    assert_eq!(title(&mut session), "No playbooks yet");
    session.press(KeyCode::BackTab);
    assert_eq!(title(&mut session), "No destinations yet");
    session.press(KeyCode::Char('4'));
    assert_eq!(title(&mut session), "No stage board yet");
    session.press(KeyCode::Char('n'));
    assert!(!session.editor_open(), "n belongs to the Segments screen");
    session.press(KeyCode::Char('1'));
    assert_eq!(session.current_screen(), "Segments");
    assert!(session.screen(80, 24).contains("NAME"));
}

#[test]
fn completion_offers_property_names_with_types_and_tab_inserts() {
    let mut session = Session::new();
    session.press(KeyCode::Char('n'));
    session.press(KeyCode::Tab);
    session.press(KeyCode::Tab);
    session.type_text("sess");
    let labels = |session: &mut Session| session.suggestions();
    assert_eq!(labels(&mut session), ["sessions_30d  number"]);
    assert!(session.screen(80, 24).contains("sessions_30d  number"));
    session.press(KeyCode::Tab);
    assert_eq!(session.condition(), "sessions_30d");
    assert!(labels(&mut session).is_empty());

    session.type_text(" > 3 and in segment ");
    let offered = labels(&mut session);
    assert!(
        offered.contains(&"\"Power users\"  segment of users".to_string()),
        "{offered:?}"
    );
    assert!(
        !offered.iter().any(|l| l.contains("Enterprise\"")),
        "accounts segments are not offered for users: {offered:?}"
    );
    session.type_text("\"Pro");
    assert_eq!(labels(&mut session), ["\"Promoters\"  segment of users"]);
    session.press(KeyCode::Tab);
    assert_eq!(
        session.condition(),
        "sessions_30d > 3 and in segment \"Promoters\""
    );

    session.type_text(" and account in segment ");
    assert_eq!(
        labels(&mut session),
        [
            "\"Enterprise\"  segment of accounts",
            "\"Paying\"  segment of accounts"
        ]
    );
    session.press(KeyCode::Down);
    session.press(KeyCode::Tab);
    assert!(
        session
            .condition()
            .ends_with("account in segment \"Paying\"")
    );
    session.settle();
    let condition = session.condition();
    let expected = count(&session, EntityKind::Users, &condition);
    assert!(
        session
            .screen(80, 24)
            .contains(&format!("{expected} of {USERS} users")),
    );
}

#[test]
fn help_lists_the_live_bindings_of_an_overridden_key_map() {
    let keymap = KeyMap::with_overrides("[keys]\nnew = [\"a\"]").expect("a valid key map");
    let mut session = Session::with_keymap(keymap);
    session.press(KeyCode::Char('?'));
    let screen = session.screen(120, 40);
    let line = screen
        .lines()
        .find(|l| l.contains("create a segment"))
        .unwrap_or_else(|| panic!("help lists creating:\n{screen}"));
    let keys = line.split('│').nth(1).unwrap_or("");
    assert_eq!(
        keys.split_whitespace().collect::<Vec<_>>(),
        ["a", "create", "a", "segment"],
        "{line}"
    );
    session.press(KeyCode::Esc);
    assert!(!session.popup_open());
    assert!(
        session.screen(80, 24).contains("a new  Enter e edit"),
        "the hint line follows the key map"
    );
    session.press(KeyCode::Char('n'));
    assert!(!session.editor_open(), "n is no longer bound");
    session.press(KeyCode::Char('a'));
    assert!(session.editor_open(), "a creates now");
}

#[test]
fn a_key_map_with_mistakes_reports_them_and_keeps_the_defaults() {
    // One bad line refuses the whole file: `new = ["j"]` is not half
    // applied, and quit keeps its key.
    let text = "[keys]\nnew = [\"j\"]\nquit = [\"ctrl-nope\"]\n";
    let error = KeyMap::with_overrides(text).expect_err("a bad key");
    assert_eq!(error.line, Some(3), "{error}");
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("keys.toml");
    std::fs::write(&path, text).expect("write the key map");
    let (keymap, problem) = KeyMap::load_from(path.clone());
    let problem = problem.expect("the problem is reported");
    assert!(
        problem.starts_with(&format!("{}: line 3: ", path.display())),
        "{problem}"
    );
    assert!(problem.ends_with("the default keys are used"), "{problem}");
    let mut session = Session::with_keymap(keymap);
    session
        .app
        .say(segscope::tui::Message::error(problem.clone()));
    assert!(session.status().contains("line 3"), "{}", session.status());
    session.press(KeyCode::Char('j'));
    assert!(!session.editor_open(), "new was not bound to j");
    session.press(KeyCode::Char('n'));
    assert!(session.editor_open(), "new keeps its default");
    session.press(KeyCode::Esc);
    session.press(KeyCode::Char('q'));
    assert!(session.app.should_quit(), "quit keeps its default");
}

#[test]
fn tiny_terminals_never_panic() {
    let mut session = Session::new();
    let mut sizes: Vec<(u16, u16)> = (1..=40)
        .flat_map(|w| (1..=12).map(move |h| (w, h)))
        .collect();
    sizes.extend([(20, 5), (41, 10), (60, 11), (79, 23), (200, 60), (300, 3)]);
    let render_all = |session: &mut Session, state: &str| {
        for &(width, height) in &sizes {
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                session.draw(width, height);
            }));
            assert!(result.is_ok(), "{state} panics at {width}x{height}");
        }
    };
    render_all(&mut session, "the Segments screen");
    session.press(KeyCode::Char('?'));
    render_all(&mut session, "the help");
    session.press(KeyCode::Esc);
    session.press(KeyCode::Char(':'));
    session.press(KeyCode::Tab);
    render_all(&mut session, "the prompt");
    session.press(KeyCode::Esc);
    session.select("Light users");
    session.press(KeyCode::Char('d'));
    render_all(&mut session, "the delete question");
    session.press(KeyCode::Esc);
    session.press(KeyCode::Char('/'));
    session.type_text("zzz");
    render_all(&mut session, "an empty filter");
    session.press(KeyCode::Esc);
    session.press(KeyCode::Char('n'));
    session.type_text("A rather long segment name that goes on");
    session.press(KeyCode::Tab);
    session.press(KeyCode::Tab);
    session.type_text("sessions_30d > 1\nand\nrole = \"admin\"\nand in segment \"Nope\"\nand se");
    session.settle();
    render_all(&mut session, "the editor with an error and suggestions");
    session.press(KeyCode::Esc);
    session.press(KeyCode::Esc);
    render_all(&mut session, "the discard question");
    session.press(KeyCode::Char('y'));
    session.press(KeyCode::Char('3'));
    render_all(&mut session, "the Accounts screen");
    session.press(KeyCode::Char('6'));
    render_all(&mut session, "the Playbooks screen");
    session.press(KeyCode::Char('n'));
    session.type_text("A playbook with a long name");
    render_all(&mut session, "the playbook editor");
    session.press(KeyCode::Esc);
    session.press(KeyCode::Char('y'));
    let screen = session.screen(20, 5);
    assert!(screen.contains("segscope needs"), "{screen}");
}

#[test]
fn q_quits() {
    let mut session = Session::new();
    assert!(!session.app.should_quit());
    session.press(KeyCode::Char('q'));
    assert!(session.app.should_quit());
}

#[test]
fn colon_q_quits() {
    let mut session = Session::new();
    session.press(KeyCode::Char(':'));
    session.type_text("q");
    assert!(!session.app.should_quit(), "not before Enter");
    session.press(KeyCode::Enter);
    assert!(session.app.should_quit());
}

#[test]
fn ctrl_c_quits() {
    let mut session = Session::new();
    session.ctrl('c');
    assert!(session.app.should_quit());
}

#[test]
fn q_in_the_editor_is_typed_not_quit() {
    let mut session = Session::new();
    session.press(KeyCode::Char('n'));
    session.type_text("q");
    assert!(!session.app.should_quit());
    assert_eq!(session.field("Name"), "q");
}

#[test]
fn an_unknown_prompt_command_says_how_to_find_the_right_one() {
    let mut session = Session::new();
    session.press(KeyCode::Char(':'));
    session.type_text("frobnicate");
    session.press(KeyCode::Enter);
    assert!(session.status_is_error());
    assert_eq!(
        session.status(),
        "there is no command `:frobnicate`; Tab completes, ? lists the commands"
    );
    session.press(KeyCode::Char(':'));
    session.type_text("imp");
    session.press(KeyCode::Tab);
    session.type_text("users");
    session.press(KeyCode::Enter);
    assert_eq!(
        session.status(),
        "usage: :import users|accounts FILE — import entities from .jsonl, .json or .csv (runs in the background)"
    );
}

#[test]
fn saving_refuses_an_invalid_condition_and_a_taken_name() {
    let mut session = Session::new();
    session.press(KeyCode::Char('n'));
    session.type_text("Broken");
    session.press(KeyCode::Tab);
    session.press(KeyCode::Tab);
    session.type_text("sessions_30d >");
    session.ctrl('s');
    assert!(session.editor_open(), "the editor stays open");
    assert!(session.status_is_error());
    assert!(
        session.status().starts_with("not saved: "),
        "{}",
        session.status()
    );
    assert!(!session.has_segment("Broken"));

    session.type_text(" 1");
    session.press(KeyCode::BackTab);
    session.press(KeyCode::BackTab);
    session.presses(KeyCode::Backspace, "Broken".len());
    session.type_text("power USERS");
    session.ctrl('s');
    assert!(session.editor_open());
    assert_eq!(
        session.status(),
        "not saved: there is already a segment named \"Power users\""
    );
}

#[test]
fn saving_refuses_a_cycle() {
    let mut session = Session::new();
    session.edit_condition_of("Light users");
    session.type_text("in segment \"Light users\"");
    session.ctrl('s');
    assert!(session.editor_open());
    assert!(session.status_is_error(), "{}", session.status());
    assert_eq!(session.segment("Light users").members, {
        count(&session, EntityKind::Users, LIGHT_USERS)
    });
}

/// A segment defined in a file: the editor says saving writes the file,
/// and saving rewrites that definition in place (comments and the other
/// definitions kept).
#[test]
fn editing_a_file_segment_rewrites_its_definition_in_the_file() {
    let mut session = Session::new();
    let path = session.dir.path().join("team.seg");
    let original = "# Team segments, kept in git.\n\n# Heavy users of the product.\nsegment \"Heavy users\" for users {\n  description \"Forty sessions or more\"\n  where sessions_30d >= 40 # raise when we grow\n}\n\n# Reviewed every quarter.\nsegment \"Admins\" for users {\n  where role = \"admin\"\n}\n";
    std::fs::write(&path, original).expect("write the file");
    let origin = std::fs::canonicalize(&path)
        .expect("the file exists")
        .display()
        .to_string();
    session.apply_file(&path);

    session.edit_condition_of("Heavy users");
    let screen = session.screen(200, 30);
    assert!(
        screen.contains("Edit user segment — saving writes it back to team.seg"),
        "{screen}"
    );
    session.type_text("sessions_30d >= 30");
    session.ctrl('s');
    assert!(!session.status_is_error(), "{}", session.status());
    assert!(
        session
            .status()
            .starts_with(&format!("saved \"Heavy users\" in {origin}: ")),
        "{}",
        session.status()
    );

    let rewritten = std::fs::read_to_string(&path).expect("read the file back");
    assert!(
        rewritten.contains("where sessions_30d >= 30"),
        "{rewritten}"
    );
    assert!(!rewritten.contains(">= 40"), "{rewritten}");
    for kept in [
        "# Team segments, kept in git.",
        "# Heavy users of the product.",
        "# Reviewed every quarter.",
        "segment \"Admins\" for users {\n  where role = \"admin\"\n}",
        "description \"Forty sessions or more\"",
    ] {
        assert!(rewritten.contains(kept), "{kept:?} is gone:\n{rewritten}");
    }
    let heavy = session.segment("Heavy users");
    assert_eq!(heavy.origin, segscope::model::Origin::File(origin.clone()));
    assert_eq!(
        heavy.members,
        count(&session, EntityKind::Users, "sessions_30d >= 30")
    );
    let checked = session.workspace().check_sources(&[SourceText {
        origin,
        text: rewritten,
    }]);
    assert!(!checked.has_errors(), "the file still checks: {checked:?}");
}

/// Watched files: a change on disk is applied again; a change that does
/// not check is reported and the last good definitions stay.
#[test]
fn a_watched_file_is_applied_again_when_it_changes() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut workspace = open_workspace(&dir.path().join("segscope.redb"));
    import_demo_data(&mut workspace);
    let path = dir.path().join("watched.seg");
    let write = |condition: &str| {
        let text = format!("segment \"Watched\" for users {{\n  where {condition}\n}}\n");
        std::fs::write(&path, &text).expect("write the file");
        text
    };
    let text = write("sessions_30d >= 20");
    let origin = std::fs::canonicalize(&path)
        .expect("exists")
        .display()
        .to_string();
    workspace
        .apply(&[SourceText { origin, text }])
        .expect("applies");
    let mut session = Session {
        app: App::new(
            workspace,
            KeyMap::defaults(),
            Theme::plain(),
            vec![path.clone()],
        ),
        dir,
    };
    let later = |seconds| Instant::now() + Duration::from_secs(seconds);
    assert_eq!(
        session.segment("Watched").members,
        count(&session, EntityKind::Users, "sessions_30d >= 20")
    );

    // Some file systems keep modification times to the second.
    std::thread::sleep(Duration::from_millis(1100));
    write("sessions_30d >= 40");
    session.app.tick(later(1));
    assert!(!session.status_is_error(), "{}", session.status());
    assert_eq!(
        session.segment("Watched").members,
        count(&session, EntityKind::Users, "sessions_30d >= 40")
    );

    std::thread::sleep(Duration::from_millis(1100));
    write("sessions_30d >=");
    session.app.tick(later(2));
    assert!(session.status_is_error());
    assert!(
        session
            .status()
            .starts_with("not applied: watched.seg:3:1: "),
        "{}",
        session.status()
    );
    assert_eq!(
        session.segment("Watched").members,
        count(&session, EntityKind::Users, "sessions_30d >= 40")
    );
}

#[test]
fn renaming_a_segment_another_refers_to_is_refused() {
    let mut session = Session::new();
    session.press(KeyCode::Char('n'));
    session.type_text("Quiet promoters");
    session.presses(KeyCode::Tab, 2);
    session.type_text("in segment \"Light users\" and nps >= 9");
    session.ctrl('s');
    assert!(
        session.has_segment("Quiet promoters"),
        "{}",
        session.status()
    );

    session.select("Light users");
    session.press(KeyCode::Enter);
    session.presses(KeyCode::BackTab, 2);
    session.presses(KeyCode::Backspace, "Light users".len());
    session.type_text("Casual users");
    session.ctrl('s');
    assert!(session.editor_open(), "the editor stays open");
    assert!(session.status_is_error());
    assert!(session.has_segment("Light users"));
    assert!(!session.has_segment("Casual users"));
}

/// Opens "Light users" and renames it to "Casual users" (not saved yet).
fn rename_light_users(session: &mut Session) {
    session.select("Light users");
    session.press(KeyCode::Char('e'));
    session.presses(KeyCode::BackTab, 2);
    session.presses(KeyCode::Backspace, "Light users".len());
    session.type_text("Casual users");
}

#[test]
fn renaming_a_segment_keeps_its_members() {
    let mut session = Session::new();
    let members = session.segment("Light users").members;
    rename_light_users(&mut session);
    session.ctrl('s');
    assert!(!session.status_is_error(), "{}", session.status());
    assert!(!session.has_segment("Light users"));
    assert_eq!(session.segment("Casual users").members, members);
}

/// The preview of a rename says nobody would enter or leave; the save then
/// reports (and records in the history) every member leaving the old name
/// and entering the new one.
#[test]
fn renaming_a_segment_reports_what_its_preview_said() {
    let mut session = Session::new();
    rename_light_users(&mut session);
    session.settle();
    let screen = session.screen(80, 24);
    assert!(
        screen.contains("+0 would enter  -0 would leave"),
        "{screen}"
    );
    session.ctrl('s');
    assert_eq!(
        session.status(),
        "saved \"Casual users\": 0 entered, 0 left"
    );
}

#[test]
fn editor_tab_cycles_the_fields_and_enter_stays_in_a_one_line_field() {
    let mut session = Session::new();
    session.press(KeyCode::Char('n'));
    let focus = |session: &mut Session| session.focus();
    assert_eq!(focus(&mut session), "Name");
    session.type_text("One\nline");
    assert_eq!(
        session.field("Name"),
        "Oneline",
        "Enter adds no line to a name"
    );
    session.press(KeyCode::Tab);
    assert_eq!(focus(&mut session), "Description");
    session.press(KeyCode::Tab);
    assert_eq!(focus(&mut session), "Condition");
    session.type_text("nps >= 9\nor nps <= 2");
    assert_eq!(session.condition(), "nps >= 9\nor nps <= 2");
    session.press(KeyCode::Tab);
    assert_eq!(focus(&mut session), "Name");
    session.press(KeyCode::BackTab);
    assert_eq!(focus(&mut session), "Condition");
}

#[test]
fn moving_through_the_table_with_keys() {
    let mut session = Session::new();
    let selected = |session: &mut Session| {
        let name = session.selected().expect("a row is selected");
        session
            .listed()
            .iter()
            .position(|listed| *listed == name)
            .expect("listed")
    };
    session.press(KeyCode::Char('G'));
    assert_eq!(selected(&mut session), 4);
    session.press(KeyCode::Char('j'));
    assert_eq!(selected(&mut session), 4, "stops at the last row");
    session.press(KeyCode::Char('k'));
    assert_eq!(selected(&mut session), 3);
    session.press(KeyCode::Char('g'));
    assert_eq!(selected(&mut session), 0);
    session.press(KeyCode::Up);
    assert_eq!(selected(&mut session), 0, "stops at the first row");
    session.press(KeyCode::PageDown);
    assert_eq!(selected(&mut session), 4);
    session.ctrl('u');
    assert_eq!(selected(&mut session), 0);
    session.press(KeyCode::Right);
    assert_eq!(session.shown_kind(), "Accounts");
    assert_eq!(selected(&mut session), 0);
    session.press(KeyCode::Char('h'));
    assert_eq!(session.shown_kind(), "Users");
}

#[test]
fn selection_is_reversed_and_the_plain_theme_has_no_colour() {
    use ratatui::style::{Color, Modifier};
    let mut session = Session::new();
    session.select("Power users");
    let terminal = session.draw(80, 24);
    let buffer = terminal.backend().buffer();
    let row = rows(terminal.backend())
        .iter()
        .position(|line| line.starts_with("Power users"))
        .expect("listed") as u16;
    assert!(
        buffer[(0, row)].modifier.contains(Modifier::REVERSED),
        "the selected row is reversed"
    );
    assert!(!buffer[(0, row + 1)].modifier.contains(Modifier::REVERSED));
    for cell in buffer.content() {
        assert!(
            matches!(cell.fg, Color::Reset) && matches!(cell.bg, Color::Reset),
            "NO_COLOR: {cell:?}"
        );
    }
}

#[test]
fn new_and_help_from_the_prompt() {
    let mut session = Session::new();
    session.press(KeyCode::Char(':'));
    session.type_text("help");
    session.press(KeyCode::Enter);
    assert!(session.popup_open());
    assert!(session.screen(80, 24).contains("Help — Esc closes"));
    session.press(KeyCode::Esc);
    session.press(KeyCode::Char(':'));
    session.type_text("new");
    session.press(KeyCode::Enter);
    assert!(session.editor_open());
}

#[test]
fn apply_and_import_from_the_prompt_update_the_counts() {
    let mut session = Session::new();
    let file = session.dir.path().join("extra.seg");
    std::fs::write(
        &file,
        "segment \"Viewers\" for users {\n  where role = \"viewer\"\n}\n",
    )
    .expect("write the file");
    session.press(KeyCode::Char(':'));
    session.type_text(&format!("apply {}", file.display()));
    session.press(KeyCode::Enter);
    assert!(!session.status_is_error(), "{}", session.status());
    let viewers = count(&session, EntityKind::Users, "role = \"viewer\"");
    assert_eq!(session.segment("Viewers").members, viewers);

    let data = session.dir.path().join("more.jsonl");
    std::fs::write(
        &data,
        "{\"id\": \"new-1\", \"role\": \"viewer\"}\n{\"id\": \"new-2\", \"role\": \"viewer\"}\n",
    )
    .expect("write the data");
    session.press(KeyCode::Char(':'));
    session.type_text(&format!("import users {}", data.display()));
    session.press(KeyCode::Enter);
    // The import runs as a job on a worker thread.
    session.wait_for_job();
    assert_eq!(
        session.status(),
        format!("imported {}: 2 created, 0 updated", data.display())
    );
    assert_eq!(session.segment("Viewers").members, viewers + 2);
    assert_eq!(session.segment("Viewers").of, USERS + 2);
    let row = table_row(&session.screen(80, 24), "Viewers");
    assert_eq!(row[0], (viewers + 2).to_string());
}

/// `:import` of what cannot be read says why at once and starts nothing;
/// standard input belongs to the terminal, so `-` is refused.
#[test]
fn import_from_the_prompt_refuses_what_it_cannot_read() {
    let mut session = Session::new();
    let missing = session.dir.path().join("missing.jsonl");
    let cases = [
        (
            "import users -".to_string(),
            "the UI cannot import from standard input: name a file".to_string(),
        ),
        (
            "import users rows.txt".to_string(),
            "cannot tell the format of rows.txt".to_string(),
        ),
        (
            format!("import users {}", missing.display()),
            format!("cannot read {}: ", missing.display()),
        ),
        (
            format!("import users {}", session.dir.path().display()),
            "cannot tell the format of".to_string(),
        ),
    ];
    for (command, message) in cases {
        session.press(KeyCode::Char(':'));
        session.type_text(&command);
        session.press(KeyCode::Enter);
        assert!(session.app.job().is_none(), "{command} started a job");
        assert!(session.status_is_error(), "{command}: {}", session.status());
        assert!(
            session.status().starts_with(&message),
            "{command}: {}",
            session.status()
        );
    }
}

// ---------------------------------------------------------------- bugs

/// The status bar's facts are right-aligned and cut at the right, so a
/// typical database path pushes the entity counts out of an 80-column
/// window (and `as of ...`, `watching N files` out of a 120-column one).
#[test]
fn the_status_bar_shows_the_entity_counts_at_80_columns() {
    let mut session = Session::new();
    let screen = session.screen(80, 24);
    let status = screen.lines().last().unwrap_or("");
    assert!(
        status.contains("300 users · 40 accounts"),
        "the status bar: {status:?}"
    );
}

/// A watched file that stops checking: the status bar shows where the
/// error is but the message itself falls off the screen's edge.
#[test]
fn a_watched_file_error_shows_its_message() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut workspace = open_workspace(&dir.path().join("segscope.redb"));
    import_demo_data(&mut workspace);
    let path = dir.path().join("watched.seg");
    let text = "segment \"W\" for users {\n  where nps > 1\n}\n";
    std::fs::write(&path, text).expect("write");
    let origin = std::fs::canonicalize(&path)
        .expect("exists")
        .display()
        .to_string();
    workspace
        .apply(&[SourceText {
            origin,
            text: text.to_string(),
        }])
        .expect("applies");
    let mut session = Session {
        app: App::new(
            workspace,
            KeyMap::defaults(),
            Theme::plain(),
            vec![path.clone()],
        ),
        dir,
    };
    std::thread::sleep(Duration::from_millis(1100));
    std::fs::write(&path, "segment \"W\" for users {\n  where nps >\n}\n").expect("write");
    session.app.tick(Instant::now() + Duration::from_secs(1));
    assert!(session.status_is_error());
    let screen = session.screen(120, 40);
    assert!(
        screen.contains("expected a value"),
        "the status says what is wrong: {:?}\n{screen}",
        session.status()
    );
}

/// The ORIGIN column shows the last two parts of a file's path in 16
/// cells, so a file in any directory with a longer name shows the directory
/// and not the file.
#[test]
fn the_origin_column_shows_the_file_name() {
    let mut session = Session::new();
    let path = session.dir.path().join("team.seg");
    let text = "segment \"Team\" for users {\n  where nps > 1\n}\n";
    std::fs::write(&path, text).expect("write");
    session.apply_file(&path);
    let screen = session.screen(120, 40);
    let line = screen
        .lines()
        .find(|line| line.starts_with("Team "))
        .expect("listed");
    assert!(line.contains("team.seg"), "{line}");
}

/// A segment name with ESC and BEL in it is drawn written out (`\u{1b}`),
/// by the same function the CLI prints through, not dropped unseen.
#[test]
fn control_characters_in_a_name_are_drawn_written_out() {
    let mut session = Session::new();
    let path = session.dir.path().join("evil.seg");
    let text = "segment \"Evil\\u{1b}]0;T\\u{7}\" for users {\n  where nps > 1\n}\n";
    std::fs::write(&path, text).expect("write");
    session.apply_file(&path);
    let screen = session.screen(120, 40);
    assert!(
        screen
            .lines()
            .any(|line| line.starts_with("Evil\\u{1b}]0;T\\u{7} ")),
        "{screen}"
    );
    // A message naming it, and a title naming an entity, show it too.
    session.prompt("apply /nowhere/\u{1b}]0;X\u{7}.seg");
    assert!(session.status_is_error(), "{}", session.status());
    assert!(
        session.status().contains("\\u{1b}]0;X\\u{7}.seg"),
        "{}",
        session.status()
    );
}

/// Saving from the editor replaces the whole definition with its canonical
/// form, so a comment inside it is lost without a word (comments around it
/// are kept; `segscope fmt` keeps both).
#[test]
fn saving_a_file_segment_keeps_the_comments_inside_it() {
    let mut session = Session::new();
    let path = session.dir.path().join("team.seg");
    let original = "segment \"Heavy users\" for users {\n  # raise this when we grow\n  where sessions_30d >= 40\n}\n";
    std::fs::write(&path, original).expect("write");
    session.apply_file(&path);
    session.edit_condition_of("Heavy users");
    session.type_text("sessions_30d >= 30");
    session.ctrl('s');
    assert!(!session.status_is_error(), "{}", session.status());
    let rewritten = std::fs::read_to_string(&path).expect("read back");
    assert!(rewritten.contains("sessions_30d >= 30"), "{rewritten}");
    assert!(
        rewritten.contains("# raise this when we grow"),
        "{rewritten}"
    );
}

#[test]
fn the_mouse_wheel_moves_the_selection() {
    use crossterm::event::{MouseEvent, MouseEventKind};
    let mut session = Session::new();
    let wheel = |kind| MouseEvent {
        kind,
        column: 10,
        row: 5,
        modifiers: KeyModifiers::NONE,
    };
    assert_eq!(session.selected().as_deref(), Some("Enterprise admins"));
    session.app.on_mouse(wheel(MouseEventKind::ScrollDown));
    session.app.on_mouse(wheel(MouseEventKind::ScrollDown));
    assert_eq!(session.selected().as_deref(), Some("Power promoters"));
    session.app.on_mouse(wheel(MouseEventKind::ScrollUp));
    assert_eq!(session.selected().as_deref(), Some("Light users"));
}

/// The preview checks what saving checks: a cycle through the segments that
/// refer to the one edited, or a segment of the other kind, shows the error
/// and no count (before, a count showed and only Ctrl-S said why).
#[test]
fn the_preview_refuses_what_saving_refuses() {
    let mut session = Session::new();
    session.edit_condition_of("Light users");
    session.type_text("in segment \"Light users\" or sessions_30d < 2");
    session.settle();
    let screen = session.screen(120, 40);
    assert!(
        screen.contains("segment \"Light users\" refers to itself"),
        "{screen}"
    );
    assert!(!screen.contains(" of 300 users"), "{screen}");

    session.press(KeyCode::Esc);
    session.press(KeyCode::Char('y'));
    session.edit_condition_of("Promoters");
    session.type_text("nps >= 9 and in segment \"Power promoters\"");
    session.settle();
    let screen = session.screen(120, 40);
    assert!(screen.contains("cycle"), "{screen}");
    assert!(!screen.contains(" of 300 users"), "{screen}");

    session.press(KeyCode::Esc);
    session.press(KeyCode::Char('y'));
    session.edit_condition_of("Light users");
    session.type_text("in segment \"Enterprise\"");
    session.settle();
    let screen = session.screen(120, 40);
    assert!(screen.contains("is a segment of accounts"), "{screen}");
    assert!(!screen.contains(" of 300 users"), "{screen}");
}

/// With data at hand the editor shows the data's warnings beside the count;
/// they never block saving.
#[test]
fn the_editor_warns_about_a_property_no_entity_has() {
    let mut session = Session::new();
    session.edit_condition_of("Light users");
    session.type_text("sesions_30d < 4 or plan = \"free\"");
    session.settle();
    let screen = session.screen(120, 40);
    assert!(screen.contains("0 of 300 users"), "{screen}");
    assert!(
        screen.contains("none of the 300 users has a property `sesions_30d`"),
        "{screen}"
    );
    assert!(screen.contains("did you mean `sessions_30d`?"), "{screen}");
    assert!(screen.contains("(+1 more warnings)"), "{screen}");
    session.ctrl('s');
    assert!(!session.editor_open(), "a warning does not stop saving");
    assert_eq!(session.segment("Light users").members, 0);
}

/// Renaming a segment that others refer to asks to update the references
/// too (before: refused with "segment "Power promoters": there is no segment
/// named "Fans""); yes renames it and rewrites the referrers — here in their
/// file, comments kept — so their members stay the same.
#[test]
fn renaming_a_referenced_segment_updates_its_references_after_asking() {
    let mut session = Session::new();
    let path = session.dir.path().join("team.seg");
    std::fs::write(
        &path,
        "# the team's segments\nsegment \"Base\" for users {\n  where sessions_30d >= 5\n}\n\n\
         segment \"Heavy base\" for users {\n  # keep in step with Base\n  where in segment \"Base\" and sessions_30d >= 15\n}\n",
    )
    .unwrap();
    session.apply_file(&path);
    let heavy = session.segment("Heavy base").members;

    session.select("Base");
    session.press(KeyCode::Enter);
    session.press(KeyCode::BackTab);
    session.press(KeyCode::BackTab);
    assert_eq!(session.focus(), "Name");
    session.presses(KeyCode::Backspace, "Base".len());
    session.type_text("Core");
    session.ctrl('s');
    let screen = session.screen(200, 40);
    assert!(
        screen.contains(
            "Rename \"Base\" to \"Core\" and update the reference in segment \"Heavy base\"?"
        ),
        "{screen}"
    );
    session.press(KeyCode::Char('n'));
    assert!(session.editor_open(), "no keeps editing");
    assert!(session.has_segment("Base"));

    session.ctrl('s');
    session.press(KeyCode::Char('y'));
    assert!(!session.editor_open(), "{}", session.status());
    assert!(session.has_segment("Core") && !session.has_segment("Base"));
    assert_eq!(session.segment("Heavy base").members, heavy);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("segment \"Core\" for users"), "{text}");
    assert!(
        text.contains("where in segment \"Core\" and sessions_30d >= 15"),
        "{text}"
    );
    assert!(text.contains("# the team's segments"), "{text}");
    assert!(text.contains("# keep in step with Base"), "{text}");
    assert!(!text.contains("\"Base\""), "{text}");
}

// ---------------------------------------------------------------- jobs, log, routing

/// A named pipe the test writes import rows into, so an import stays
/// running until the test closes it. The writer opens it on its own thread
/// (opening a pipe waits for the other end).
struct Pipe {
    path: std::path::PathBuf,
    rows: std::sync::mpsc::Sender<Option<String>>,
    writer: Option<std::thread::JoinHandle<()>>,
}

impl Pipe {
    fn new(dir: &Path) -> Pipe {
        let path = dir.join("rows.jsonl");
        let made = std::process::Command::new("mkfifo")
            .arg(&path)
            .status()
            .expect("mkfifo runs");
        assert!(made.success(), "mkfifo makes the pipe");
        let (rows, lines) = std::sync::mpsc::channel::<Option<String>>();
        let target = path.clone();
        let writer = std::thread::spawn(move || {
            use std::io::Write;
            let mut pipe = std::fs::OpenOptions::new()
                .write(true)
                .open(&target)
                .expect("the pipe opens for writing");
            while let Ok(Some(line)) = lines.recv() {
                pipe.write_all(line.as_bytes())
                    .expect("the pipe takes rows");
                pipe.flush().expect("flushed");
            }
        });
        Pipe {
            path,
            rows,
            writer: Some(writer),
        }
    }

    fn write(&self, text: &str) {
        self.rows
            .send(Some(text.to_string()))
            .expect("the writer runs");
    }

    /// Closes the pipe: the import reads its end.
    fn close(&mut self) {
        let _ = self.rows.send(None);
        if let Some(writer) = self.writer.take() {
            writer.join().expect("the writer ends");
        }
    }
}

fn new_users(count: usize, prefix: &str) -> String {
    (0..count)
        .map(|i| format!("{{\"id\": \"{prefix}-{i}\", \"role\": \"viewer\"}}\n"))
        .collect()
}

/// While an import runs on its worker thread the UI keeps drawing and
/// taking keys: the status bar shows the job's gauge, screens switch, help
/// opens, and what needs the workspace says it is busy.
#[test]
fn keys_work_while_an_import_runs_and_the_gauge_shows_it() {
    let mut session = Session::new();
    let mut pipe = Pipe::new(session.dir.path());
    pipe.write(&new_users(3000, "piped"));
    session.prompt(&format!("import users {}", pipe.path.display()));
    assert!(session.app.job().is_some(), "the import runs as a job");
    // The first batches arrive; the gauge counts them.
    let deadline = Instant::now() + Duration::from_secs(20);
    while !session.screen(120, 40).contains("2,048") && Instant::now() < deadline {
        session.app.poll_jobs();
        std::thread::sleep(Duration::from_millis(20));
    }
    let screen = session.screen(120, 40);
    let status = screen.lines().last().unwrap_or("");
    assert!(status.starts_with("importing rows.jsonl"), "{status}");
    assert!(status.contains("2,048"), "rows so far: {status}");
    assert!(status.contains("Ctrl-x cancels"), "{status}");

    session.press(KeyCode::Char('2'));
    assert_eq!(session.current_screen(), "Users", "keys still work");
    session.press(KeyCode::Char('1'));
    session.press(KeyCode::Char('?'));
    assert!(session.popup_open(), "help opens during the job");
    session.press(KeyCode::Esc);
    session.press(KeyCode::Char('j'));
    let row = session.selected_row().unwrap_or_default();
    assert!(row.starts_with("Light users "), "{row}");
    session.press(KeyCode::Enter);
    assert!(!session.editor_open(), "editing needs the workspace");
    session.press(KeyCode::Char('M'));
    let log = session.screen(120, 40);
    assert!(
        log.contains("busy: importing rows.jsonl is running; wait for it, or Ctrl-x cancels it"),
        "{log}"
    );
    session.press(KeyCode::Esc);

    pipe.close();
    session.wait_for_job();
    assert_eq!(
        session.status(),
        format!("imported {}: 3000 created, 0 updated", pipe.path.display())
    );
    assert_eq!(
        session.workspace().entity_count(EntityKind::Users),
        USERS + 3000
    );
    assert!(session.screen(120, 40).contains("3,300 users"));
}

/// Ctrl-x asks the import to stop at its next batch; a cancelled import
/// writes nothing, in the snapshot or on disk.
#[test]
fn a_cancelled_import_writes_nothing() {
    let mut session = Session::new();
    let mut pipe = Pipe::new(session.dir.path());
    pipe.write(&new_users(1500, "cancelled"));
    session.prompt(&format!("import users {}", pipe.path.display()));
    assert!(session.app.job().is_some());
    session.ctrl('x');
    assert!(session.screen(120, 40).contains("cancelling…"));
    pipe.write(&new_users(1500, "later"));
    pipe.close();
    session.wait_for_job();
    assert_eq!(
        session.status(),
        format!(
            "import of {} cancelled: nothing was imported",
            pipe.path.display()
        )
    );
    assert_eq!(session.workspace().entity_count(EntityKind::Users), USERS);
    assert!(
        session
            .workspace()
            .entity(EntityKind::Users, "cancelled-0")
            .is_none()
    );
    // Reopened from disk: nothing was written there either.
    let path = session.workspace().path().to_path_buf();
    let Session { app, dir } = session;
    drop(app);
    let reopened = open_workspace(&path);
    assert_eq!(reopened.entity_count(EntityKind::Users), USERS);
    drop(dir);
}

/// A message longer than the status bar shows its first line with a
/// pointer to the log; the log shows every message whole, newest first.
#[test]
fn the_message_log_keeps_long_messages_whole() {
    let mut session = Session::new();
    let path = session.dir.path().join("broken.seg");
    std::fs::write(
        &path,
        "segment \"A\" for users {\n  where in segment \"Nope\"\n}\n\nsegment \"B\" for users {\n  where in segment \"Nothing\"\n}\n",
    )
    .expect("write");
    session.prompt(&format!("apply {}", path.display()));
    assert!(session.status_is_error());
    let narrow = session.screen(80, 24);
    let status = narrow.lines().last().unwrap_or("");
    assert!(status.starts_with("not applied: broken.seg:2:"), "{status}");
    assert!(status.contains("(M more)"), "{status}");

    session.prompt("messages");
    let log = session.screen(120, 40);
    assert!(log.contains("Messages, newest first"), "{log}");
    assert!(log.contains("broken.seg:2:"), "{log}");
    assert!(
        log.contains("broken.seg:6:"),
        "every problem is there: {log}"
    );
    assert!(
        log.contains("for help, : for commands"),
        "older ones too: {log}"
    );
    session.press(KeyCode::Esc);
    assert!(!session.popup_open());
}

/// The prompt runs every command of the table that it offers, the same as
/// its key: `:edit` opens the editor, `:delete` asks, `:new` from another
/// screen goes to Segments; a key-only command is not offered.
#[test]
fn the_prompt_runs_the_table_s_commands() {
    let mut session = Session::new();
    session.select("Light users");
    session.prompt("edit");
    assert!(session.editor_open(), ":edit opens the editor");
    assert_eq!(session.condition(), LIGHT_USERS);
    session.press(KeyCode::Esc);
    session.prompt("delete");
    assert!(
        session
            .screen(80, 24)
            .contains("Delete segment \"Light users\"?")
    );
    session.press(KeyCode::Char('n'));
    session.press(KeyCode::Char('3'));
    session.prompt("new");
    assert_eq!(session.current_screen(), "Segments");
    assert!(session.editor_open(), ":new goes to the Segments screen");
    session.press(KeyCode::Esc);
    session.prompt("up");
    assert!(
        session.status().starts_with("there is no command `:up`"),
        "{}",
        session.status()
    );
}

/// Keys reach only the screen in view: `j` on the Users screen does not
/// move the Segments table's hidden selection.
#[test]
fn a_key_on_one_screen_never_moves_another() {
    let mut session = Session::new();
    assert_eq!(session.selected().as_deref(), Some("Enterprise admins"));
    session.press(KeyCode::Char('2'));
    session.presses(KeyCode::Char('j'), 3);
    session.press(KeyCode::Char('G'));
    session.press(KeyCode::Char('1'));
    assert_eq!(session.selected().as_deref(), Some("Enterprise admins"));
}

/// Hints and questions name the keys of the live map, not fixed letters.
#[test]
fn hints_and_questions_follow_a_remapped_key_map() {
    let keymap = KeyMap::with_overrides(
        "[keys]\nyes = [\"o\"]\nquit = [\"x\"]\nhelp = [\"h\"]\nprevious-kind = [\"left\"]\n",
    )
    .expect("a valid key map");
    let mut session = Session::with_keymap(keymap);
    assert!(
        session
            .status()
            .starts_with("h for help, : for commands, x to quit"),
        "{}",
        session.status()
    );
    session.select("Light users");
    session.press(KeyCode::Char('d'));
    assert!(session.screen(80, 24).contains("o yes   n Esc no"));
    session.press(KeyCode::Char('y'));
    assert!(session.popup_open(), "y is not yes any more");
    session.press(KeyCode::Char('o'));
    assert!(!session.has_segment("Light users"), "o confirmed");
}

/// Quitting while an import runs stops the import at its next batch and
/// waits for it, so the database is closed whole and holds none of it.
#[test]
fn quitting_during_an_import_stops_it_and_writes_nothing() {
    let mut session = Session::new();
    let mut pipe = Pipe::new(session.dir.path());
    pipe.write(&new_users(500, "quit"));
    session.prompt(&format!("import users {}", pipe.path.display()));
    session.ctrl('c');
    assert!(session.app.should_quit());
    pipe.close();
    assert!(
        session.app.finish_jobs(Duration::from_secs(30)),
        "the job ends"
    );
    assert_eq!(session.workspace().entity_count(EntityKind::Users), USERS);
}

/// Ctrl-C in the editor with unsaved changes asks first (it threw the
/// changes away at once before); without changes, or pressed again, it
/// quits.
#[test]
fn ctrl_c_with_unsaved_changes_asks_first() {
    let mut session = Session::new();
    session.press(KeyCode::Char('n'));
    session.ctrl('c');
    assert!(session.app.should_quit(), "nothing typed: it quits at once");

    let mut session = Session::new();
    session.press(KeyCode::Char('n'));
    session.type_text("Draft");
    session.ctrl('c');
    assert!(!session.app.should_quit());
    let screen = session.screen(100, 30);
    assert!(
        screen.contains("Quit and lose your changes to this segment?"),
        "{screen}"
    );
    session.press(KeyCode::Char('n'));
    assert!(!session.app.should_quit());
    assert_eq!(session.field("Name"), "Draft", "n keeps the draft");
    session.ctrl('c');
    session.press(KeyCode::Char('y'));
    assert!(session.app.should_quit(), "y quits");

    let mut session = Session::new();
    session.press(KeyCode::Char('n'));
    session.type_text("Draft");
    session.ctrl('c');
    session.ctrl('c');
    assert!(session.app.should_quit(), "Ctrl-C twice quits");
}

/// Saving in the editor does not write over a change made to the file in
/// another editor since this one opened: it asks, and `y` overwrites, `r`
/// reloads the file's version (the draft goes whole to the message log), `n`
/// keeps editing.
#[test]
fn saving_over_a_definition_changed_on_disk_asks_first() {
    let mut session = Session::new();
    let path = session.dir.path().join("team.seg");
    let original = "segment \"Heavy users\" for users {\n  where sessions_30d >= 40\n}\n";
    std::fs::write(&path, original).expect("write");
    session.apply_file(&path);
    session.edit_condition_of("Heavy users");
    session.type_text("sessions_30d >= 30");
    // Another editor changes the same definition meanwhile.
    let theirs = "segment \"Heavy users\" for users {\n  where sessions_30d >= 45\n}\n";
    std::fs::write(&path, theirs).expect("write");
    session.ctrl('s');
    let screen = session.screen(160, 40);
    assert!(
        screen.contains("\"Heavy users\" changed in")
            && screen.contains("Overwrite it with yours?"),
        "{screen}"
    );
    assert!(screen.contains("r reload the file's version"), "{screen}");
    assert_eq!(
        std::fs::read_to_string(&path).expect("read"),
        theirs,
        "not written"
    );

    session.press(KeyCode::Char('n'));
    assert!(session.editor_open(), "n keeps editing");
    assert_eq!(session.condition(), "sessions_30d >= 30");

    session.ctrl('s');
    session.press(KeyCode::Char('r'));
    assert_eq!(
        session.condition(),
        "sessions_30d >= 45",
        "the file's version"
    );
    session.settle();
    let screen = session.screen(160, 40);
    assert!(
        screen.contains("Your draft before the reload: sessions_30d >= 30"),
        "the draft stays in view: {screen}"
    );

    // Changed again on disk, and this time overwritten.
    let later = "segment \"Heavy users\" for users {\n  where sessions_30d >= 50\n}\n";
    std::fs::write(&path, later).expect("write");
    let length = session.condition().chars().count();
    session.presses(KeyCode::Backspace, length);
    session.type_text("sessions_30d >= 35");
    session.ctrl('s');
    session.press(KeyCode::Char('y'));
    assert!(!session.editor_open(), "saved");
    let written = std::fs::read_to_string(&path).expect("read");
    assert!(written.contains("sessions_30d >= 35"), "{written}");
}

/// While filtered, the sub-tabs say how many of how many are shown; Esc
/// clears a confirmed filter; after a reload the selection stays on the
/// same segment, not on the same row number.
#[test]
fn filters_and_selection_follow_the_segments() {
    let mut session = Session::new();
    session.press(KeyCode::Char('/'));
    session.type_text("pow");
    session.press(KeyCode::Enter);
    let screen = session.screen(120, 40);
    assert!(screen.contains(" Users (2 of 5) "), "{screen}");
    assert!(screen.contains(" Accounts (0 of 2) "), "{screen}");
    session.press(KeyCode::Esc);
    let screen = session.screen(120, 40);
    assert!(!screen.contains("filter:"), "Esc clears it: {screen}");
    assert!(screen.contains(" Users (5) "), "{screen}");
    assert_eq!(session.listed().len(), 5);

    session.select("Power users");
    // A new segment sorts before it: its row number moves, the selection
    // stays with it.
    let path = session.dir.path().join("more.seg");
    std::fs::write(
        &path,
        "segment \"Admins\" for users {\n  where role = \"admin\"\n}\n",
    )
    .expect("write");
    session.apply_file(&path);
    assert_eq!(session.selected().as_deref(), Some("Power users"));
}

/// At 40×10, the smallest size without the notice, the condition being
/// typed stays visible (it had no row left before) with its outcome.
#[test]
fn the_editor_at_40x10_shows_the_condition_being_typed() {
    let mut session = Session::new();
    session.press(KeyCode::Char('n'));
    session.type_text("Small");
    session.press(KeyCode::Tab);
    session.press(KeyCode::Tab);
    session.type_text("nps >= 9");
    session.settle();
    let screen = session.screen(40, 10);
    assert!(screen.contains("nps >= 9"), "{screen}");
    assert!(screen.contains(" of 300 users"), "{screen}");
    assert!(!screen.contains("Name "), "the name gives way: {screen}");
}

// ---------------------------------------------------------------- issue 9: completion follows the grammar

/// Opens the editor on a new users segment with the condition focused.
fn new_users_condition(session: &mut Session) {
    session.press(KeyCode::Char('n'));
    session.press(KeyCode::Tab);
    session.press(KeyCode::Tab);
}

#[test]
fn the_caret_stands_under_the_error_of_a_condition_that_wraps() {
    let mut session = Session::new();
    new_users_condition(&mut session);
    session.type_text("role = \"admin\" and sessions_30d > 3 and in segment \"Nope\"");
    session.settle();
    for width in [50, 64, 80] {
        let screen = session.screen(width, 24);
        let lines: Vec<&str> = screen.lines().collect();
        let caret = lines
            .iter()
            .position(|line| line.contains('^'))
            .unwrap_or_else(|| panic!("a caret line:\n{screen}"));
        let above = lines[caret - 1];
        assert!(
            above.contains("\"Nope\""),
            "the line just above the caret holds the span:\n{screen}"
        );
        assert_eq!(
            column_of(lines[caret], "^^^^^^"),
            column_of(above, "\"Nope\""),
            "the caret is under the span:\n{screen}"
        );
        assert_eq!(
            lines[caret].chars().filter(|&c| c == '^').count(),
            6,
            "the caret covers the span, not cut or wrapped:\n{screen}"
        );
    }
}

/// Opens the editor on a new accounts segment with the condition focused.
fn new_accounts_condition(session: &mut Session) {
    session.press(KeyCode::Char('l'));
    assert_eq!(session.shown_kind(), "Accounts");
    new_users_condition(session);
}

/// The first words of each suggestion shown (its label without the note).
fn offered(session: &mut Session) -> Vec<String> {
    session
        .suggestions()
        .iter()
        .map(|label| label.split("  ").next().unwrap_or("").to_string())
        .collect()
}

#[test]
fn after_a_property_the_operators_of_its_type() {
    let mut session = Session::new();
    new_users_condition(&mut session);
    session.type_text("role ");
    let text = offered(&mut session);
    for operator in ["=", "!=", "in", "contains", "starts with", "ends with"] {
        assert!(
            text.contains(&operator.to_string()),
            "{operator} for text: {text:?}"
        );
    }
    session.type_text("co");
    assert_eq!(
        offered(&mut session),
        ["contains"],
        "`role co` is an operator being typed, not count(users)"
    );
    session.presses(KeyCode::Backspace, 2);
    session.type_text("= \"admin\" and sessions_30d ");
    let number = offered(&mut session);
    assert_eq!(number[..6], ["=", "!=", ">", ">=", "<", "<="], "{number:?}");
    assert!(!number.contains(&"contains".to_string()), "{number:?}");
    session.type_text("> 3 and tags ");
    assert_eq!(offered(&mut session)[..3], ["has", "has any", "has all"]);
    session.type_text("has \"beta\" and last_seen_at ");
    let time = session.suggestions();
    assert!(time.contains(&">  after".to_string()), "{time:?}");
    assert!(time.contains(&"<  before".to_string()), "{time:?}");
}

#[test]
fn after_an_operator_the_most_frequent_values_and_tab_takes_one() {
    let mut session = Session::new();
    new_users_condition(&mut session);
    session.type_text("role ");
    session.press(KeyCode::Tab);
    assert_eq!(
        session.condition(),
        "role =",
        "Tab takes the first operator"
    );
    let values = session.suggestions();
    let members = count(&session, EntityKind::Users, "role = \"member\"");
    assert_eq!(
        values[0],
        format!("\"member\"  {members} users"),
        "the most frequent value first, with its count: {values:?}"
    );
    assert!(values.iter().all(|v| v.starts_with('"')), "{values:?}");
    session.type_text("\"ad");
    assert_eq!(offered(&mut session), ["\"admin\""]);
    session.press(KeyCode::Tab);
    assert_eq!(session.condition(), "role = \"admin\"");
    session.type_text(" ");
    assert_eq!(
        offered(&mut session),
        ["and", "or"],
        "after a complete comparison"
    );
    session.press(KeyCode::Tab);
    session.type_text("last_seen_at > ");
    let times = offered(&mut session);
    assert!(times.contains(&"30 days ago".to_string()), "{times:?}");
    session.press(KeyCode::Esc);
    assert!(session.suggestions().is_empty(), "Esc shuts the list");
    session.type_text("3");
    assert_eq!(offered(&mut session), ["30 days ago", "30 days from now"]);
    session.press(KeyCode::Tab);
    session.settle();
    let condition = session.condition();
    assert_eq!(condition, "role = \"admin\" and last_seen_at > 30 days ago");
    let expected = count(&session, EntityKind::Users, &condition);
    assert!(
        session
            .screen(80, 24)
            .contains(&format!("{expected} of {USERS} users")),
        "the completed condition is valid"
    );
}

#[test]
fn users_segments_reach_the_account_and_never_aggregates() {
    let mut session = Session::new();
    new_users_condition(&mut session);
    session.type_text("a");
    let offered_for_a = offered(&mut session);
    assert!(
        offered_for_a.contains(&"account.".to_string())
            && offered_for_a.contains(&"account in segment".to_string()),
        "{offered_for_a:?}"
    );
    assert!(
        !offered_for_a.iter().any(|s| s.starts_with("avg(")),
        "{offered_for_a:?}"
    );
    session.press(KeyCode::Backspace);
    session.type_text("av");
    assert!(offered(&mut session).is_empty(), "no aggregate for users");
    session.presses(KeyCode::Backspace, 2);
    session.type_text("account.");
    let account = session.suggestions();
    assert!(account.contains(&"plan  text".to_string()), "{account:?}");
    assert!(
        account.contains(&"seats  number".to_string()),
        "{account:?}"
    );
    assert!(
        !account.iter().any(|s| s.starts_with("role ")),
        "{account:?}"
    );
    session.type_text("plan = ");
    let plans = session.suggestions();
    assert!(
        plans
            .iter()
            .all(|p| p.starts_with('"') && p.ends_with(" accounts")),
        "the account's plans, counted in accounts: {plans:?}"
    );
}

#[test]
fn accounts_segments_offer_aggregates_whose_where_is_about_users() {
    let mut session = Session::new();
    new_accounts_condition(&mut session);
    session.type_text("co");
    let aggregates = offered(&mut session);
    assert!(
        aggregates.contains(&"count(users)".to_string()),
        "{aggregates:?}"
    );
    assert!(
        aggregates.contains(&"country".to_string()),
        "{aggregates:?}"
    );
    session.presses(KeyCode::Backspace, 2);
    session.type_text("count(users where se");
    let inside = session.suggestions();
    assert!(
        inside.contains(&"sessions_30d  number".to_string()),
        "{inside:?}"
    );
    assert!(
        !inside.iter().any(|s| s.starts_with("seats")),
        "account properties are not offered inside the aggregate: {inside:?}"
    );
    session.presses(KeyCode::Backspace, 2);
    session.type_text("in segment ");
    let segments = offered(&mut session);
    assert!(
        segments.contains(&"\"Power users\"".to_string()),
        "{segments:?}"
    );
    assert!(
        !segments.contains(&"\"Paying\"".to_string()),
        "{segments:?}"
    );
    session.type_text("\"Power users\") ");
    assert_eq!(offered(&mut session)[..2], ["=", "!="]);
    session.type_text(">= 2 and sum(users.");
    let summed = session.suggestions();
    assert!(
        summed.contains(&"sessions_30d  number".to_string()),
        "{summed:?}"
    );
    assert!(!summed.iter().any(|s| s.starts_with("role ")), "{summed:?}");
    session.type_text("sessions_30d) > 10");
    session.settle();
    let condition = session.condition();
    let expected = count(&session, EntityKind::Accounts, &condition);
    assert!(
        session
            .screen(100, 24)
            .contains(&format!("{expected} of {ACCOUNTS} accounts")),
        "{condition} is valid"
    );
}

#[test]
fn the_completion_list_opens_at_the_cursor() {
    let mut session = Session::new();
    new_users_condition(&mut session);
    session.type_text("in segment \"Nope\"\nand role = \"admin\" and se");
    session.settle();
    let screen = session.screen(200, 40);
    let lines: Vec<&str> = screen.lines().collect();
    let typed = lines
        .iter()
        .position(|line| line.contains("and role = \"admin\" and se"))
        .expect("the condition's second line");
    let word = column_of(lines[typed], "and se") + "and ".len();
    let top = lines
        .iter()
        .position(|line| line.contains("┌ Tab "))
        .unwrap_or_else(|| panic!("the list is open:\n{screen}"));
    assert_eq!(top, typed + 1, "just under the cursor's line:\n{screen}");
    assert_eq!(
        column_of(lines[top], "┌ Tab "),
        word,
        "where the word being completed starts:\n{screen}"
    );
}

// ---------------------------------------------------------------- issue 9: layout and a quiet start

/// What an apply said goes to the message log whole — the status bar has
/// its short first line and points to the log, which holds the counts, the
/// names, each segment's membership and the data's warnings. The start
/// (`segscope demo`, `segscope FILES.seg`) says it in the same words
/// instead of printing it.
#[test]
fn the_log_holds_an_apply_s_summary_membership_and_warnings() {
    let mut session = Session::new();
    let path = session.dir.path().join("team.seg");
    std::fs::write(
        &path,
        "segment \"Viewers\" for users {\n  where role = \"viewer\"\n}\n\n\
         segment \"Typo\" for users {\n  where sesions_30d > 5\n}\n",
    )
    .expect("write");
    session.prompt(&format!("apply {}", path.display()));
    assert!(!session.status_is_error(), "{}", session.status());
    let viewers = session.segment("Viewers").members;
    assert!(viewers > 0);
    let narrow = session.screen(80, 24);
    let status = narrow.lines().last().unwrap_or("");
    assert!(status.starts_with("applied "), "{status}");
    assert!(status.contains("(M more)"), "{status}");

    session.press(KeyCode::Char('M'));
    let log = session.screen(120, 40);
    assert!(log.contains("Messages, newest first"), "{log}");
    assert!(
        log.contains(&format!("applied {}, 1 warning", path.display())),
        "{log}"
    );
    assert!(
        log.contains(&format!("2 added, {viewers} membership changes")),
        "{log}"
    );
    assert!(log.contains("added: Viewers, Typo"), "{log}");
    assert!(
        log.contains(&format!("  Viewers: +{viewers} entered, -0 exited")),
        "{log}"
    );
    assert!(
        log.contains("Warning: none of the 300 users has a property `sesions_30d`"),
        "{log}"
    );
    assert!(log.contains("team.seg:6:9"), "{log}");
    assert!(log.contains("did you mean `sessions_30d`?"), "{log}");
}

/// A users segment whose name and description are longer than any column
/// gives them, made in the editor.
const LONG_NAME: &str = "Detractors at paying accounts on the enterprise plan";
const LONG_DESCRIPTION: &str =
    "Users who gave an NPS of six or less and work at an account that pays us";

fn with_a_long_segment() -> Session {
    let mut session = Session::new();
    session.press(KeyCode::Char('n'));
    session.type_text(LONG_NAME);
    session.press(KeyCode::Tab);
    session.type_text(LONG_DESCRIPTION);
    session.press(KeyCode::Tab);
    session.type_text("nps <= 6");
    session.ctrl('s');
    assert!(session.has_segment(LONG_NAME), "{}", session.status());
    session
}

/// The row of the Segments table that starts with `start`.
fn row_starting(screen: &str, start: &str) -> String {
    screen
        .lines()
        .find(|line| line.starts_with(start))
        .unwrap_or_else(|| panic!("no row starts with {start:?}:\n{screen}"))
        .to_string()
}

#[test]
fn snapshot_segments_with_a_long_name_80x24_120x40_and_60x24() {
    let mut session = with_a_long_segment();
    insta::assert_snapshot!("segments_long_name_80x24", session.snapshot(80, 24));
    insta::assert_snapshot!("segments_long_name_120x40", session.snapshot(120, 40));
    insta::assert_snapshot!("segments_long_name_60x24", session.snapshot(60, 24));
}

/// At 80 columns the name gets its forty columns first and ends in `…`,
/// members and share keep theirs, the description takes every column left
/// (cut with `…`, so nothing stays unused while it is cut), and the title
/// names the columns that did not fit.
#[test]
fn cut_cells_end_in_an_ellipsis_and_hidden_columns_are_named() {
    let mut session = with_a_long_segment();
    let members = session.segment(LONG_NAME).members;

    let screen = session.screen(80, 24);
    let lines: Vec<&str> = screen.lines().collect();
    assert!(
        lines[2].ends_with(" +2 hidden: changed, origin (widen the terminal) "),
        "{screen}"
    );
    assert!(lines[3].starts_with("NAME "), "{screen}");
    assert!(!lines[3].contains("CHANGED") && !lines[3].contains("ORIGIN"));
    let row = row_starting(&screen, "Detractors at paying");
    let name: String = LONG_NAME.chars().take(39).collect();
    assert!(row.starts_with(&format!("{name}… ")), "{row}");
    assert!(row.contains(&format!(" {members} ")), "{row}");
    assert!(row.ends_with('…'), "the description fills the row: {row:?}");
    let description: String = LONG_DESCRIPTION.chars().take(24).collect();
    assert!(row.ends_with(&format!(" {description}…")), "{row:?}");
    // A cell that fits is not cut.
    let whole = row_starting(&screen, "Promoters ");
    assert!(whole.trim_end().ends_with(" NPS 9 or 10"), "{whole}");
    assert!(!whole.contains('…'), "{whole}");

    // Narrower: the description goes too, and the name takes the room.
    let screen = session.screen(60, 24);
    assert!(
        screen
            .lines()
            .nth(2)
            .is_some_and(|line| line.contains(" +3 columns hidden (widen the terminal) ")),
        "{screen}"
    );
    assert!(!screen.contains("DESCRIPTION"), "{screen}");
    let row = row_starting(&screen, "Detractors at paying");
    let name: String = LONG_NAME.chars().take(45).collect();
    assert!(row.starts_with(&format!("{name}… ")), "{row}");

    // Wide enough for everything: no note.
    let screen = session.screen(200, 40);
    assert!(!screen.contains("hidden"), "{screen}");
    assert!(row_starting(&screen, LONG_NAME).contains(LONG_DESCRIPTION));
}

//! The trend on the Segments screen: the selected segment's members per day
//! over the last 90 days, with who entered and exited, drawn below the
//! table from a history recorded over December 2025 (the fixture's data and
//! segments, then changes on known days). Snapshots at 80×24 and 120×40,
//! the chart following the selection, fresh after a save, and small sizes.

use std::path::Path;

use crossterm::event::KeyCode;
use segscope::lang::parse_datetime;
use segscope::model::{EntityKind, Value};
use segscope::tui::{App, KeyMap, Theme};
use segscope::workspace::{OpenOptions, Workspace};

mod support;
use support::tui_session::*;

fn open_at(path: &Path, instant: &str) -> Workspace {
    let options = OpenOptions {
        now: Some(parse_datetime(instant).expect("an instant")),
        wait: None,
        record: true,
    };
    Workspace::open(path, options).expect("the workspace opens")
}

/// The fixture's data and segments (and "Light users", made in the UI)
/// from December 1st, then users turned
/// into power users on five days and two turned back, the app opened as
/// of the fixture's `NOW`.
fn session_with_history() -> Session {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("segscope.redb");
    {
        let mut workspace = open_at(&path, "2025-12-01T09:00:00Z");
        set_up_fixture(&mut workspace);
    }
    let busy = [("2025-12-05", 0), ("2025-12-09", 1), ("2025-12-14", 2)];
    let more = [("2025-12-20", 3), ("2025-12-27", 4)];
    for (day, user) in busy.into_iter().chain(more) {
        let mut workspace = open_at(&path, &format!("{day}T12:00:00Z"));
        for offset in 0..(user + 2) {
            let id = format!("usr-{:07}", 100 + user * 10 + offset);
            set_sessions(&mut workspace, &id, 40.0);
        }
    }
    {
        let mut workspace = open_at(&path, "2025-12-29T12:00:00Z");
        set_sessions(&mut workspace, "usr-0000100", 1.0);
        set_sessions(&mut workspace, "usr-0000101", 1.0);
    }
    let workspace = open_at(&path, NOW);
    let app = App::new(workspace, KeyMap::defaults(), Theme::plain(), vec![]);
    Session { dir, app }
}

fn set_sessions(workspace: &mut Workspace, id: &str, sessions: f64) {
    workspace
        .set(
            EntityKind::Users,
            id,
            vec![("sessions_30d".to_string(), Some(Value::number(sessions)))],
        )
        .unwrap_or_else(|failure| panic!("set {id}: {failure}"));
}

/// The trend panel's title row, if one is on a `width` x `height` screen.
fn trend_title(session: &mut Session, width: u16, height: u16) -> Option<String> {
    let screen = session.screen(width, height);
    screen
        .lines()
        .find(|line| line.contains(" · members"))
        .map(|line| line.trim_start_matches(' ').to_string())
}

#[test]
fn snapshot_segments_with_the_trend_80x24_and_120x40() {
    let mut session = session_with_history();
    session.select("Power users");
    insta::assert_snapshot!("segments_trend_80x24", session.snapshot(80, 24));
    insta::assert_snapshot!("segments_trend_120x40", session.snapshot(120, 40));
}

#[test]
fn the_trend_follows_the_selection() {
    let mut session = session_with_history();
    session.press(KeyCode::Home);
    let first = trend_title(&mut session, 120, 40).expect("a trend panel");
    assert!(
        first.starts_with("Enterprise admins · members, last 90 days"),
        "{first}"
    );
    session.press(KeyCode::Down);
    let second = trend_title(&mut session, 120, 40).expect("a trend panel");
    assert!(second.starts_with("Light users · members"), "{second}");
    // The accounts sub-tab shows an accounts segment's trend.
    session.press(KeyCode::Char('l'));
    let accounts = trend_title(&mut session, 120, 40).expect("a trend panel");
    assert!(accounts.starts_with("Enterprise · members"), "{accounts}");
    session.press(KeyCode::Char('h'));
    session.select("Power users");
    let power = trend_title(&mut session, 120, 40).expect("a trend panel");
    let members = session.segment("Power users").members;
    assert!(power.contains(&format!("now {members} ·")), "{power}");
    // The changes of December: the series is the workspace's.
    let series = session
        .workspace()
        .daily_counts("Power users", 90)
        .expect("a trend");
    let entered: usize = series.iter().map(|d| d.entered).sum();
    let exited: usize = series.iter().map(|d| d.exited).sum();
    assert!(entered > 15 && exited >= 1, "{entered} {exited}");
    let screen = session.screen(120, 40);
    assert!(
        screen.contains(&format!("+{entered} −{exited} in 90 days")),
        "{screen}"
    );
}

#[test]
fn a_saved_change_shows_in_the_trend_at_once() {
    let mut session = session_with_history();
    session.select("Light users");
    let before = trend_title(&mut session, 120, 40).expect("a trend panel");
    session.edit_condition_of("Light users");
    session.type_text("sessions_30d < 10");
    session.settle();
    session.ctrl('s');
    assert!(!session.editor_open(), "{}", session.status());
    let members = session.segment("Light users").members;
    let after = trend_title(&mut session, 120, 40).expect("a trend panel");
    assert_ne!(before, after);
    assert!(after.contains(&format!("now {members} ·")), "{after}");
}

#[test]
fn the_trend_shrinks_and_hides_on_small_terminals_without_panicking() {
    let mut session = session_with_history();
    session.select("Power users");
    for width in [1, 10, 29, 30, 40, 60, 80] {
        for height in [1, 5, 8, 12, 15, 16, 19, 20, 24] {
            session.draw(width, height);
        }
    }
    // At 80 columns the chart shows the last days that fit beside its
    // labels; on a short terminal it goes away and the table stays.
    let narrow = trend_title(&mut session, 80, 24).expect("a trend at 80x24");
    assert!(narrow.contains("last 71 days"), "{narrow}");
    assert!(trend_title(&mut session, 80, 15).is_none());
    assert!(session.screen(80, 15).contains("Power users"));
}

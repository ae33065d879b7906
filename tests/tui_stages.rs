//! The Stages board in-process: picking a property without a saved view,
//! a stage view from a file, columns with their counts (other and none
//! included), moving a card with `L` / `H` (the property set through the
//! workspace, the segment counts on the Segments screen following), the
//! filter bar on the board, and the card's detail.

use crossterm::event::KeyCode;
use segscope::model::EntityKind;

mod support;
use support::tui_session::*;

/// Applied in the tests that need a segment of a stage and a stage view.
const STAGE_FILE: &str = r#"segment "Active accounts" for accounts {
  where lifecycle_stage = "active"
}

view "Pipeline" for accounts {
  stages lifecycle_stage ["trial", "onboarding", "active", "at_risk"]
  columns ["name", "plan", "mrr"]
}
"#;

fn with_stage_file(session: &mut Session) {
    let file = session.dir.path().join("stages.seg");
    std::fs::write(&file, STAGE_FILE).expect("the file");
    session.apply_file(&file);
}

/// `title (N)` of every column as drawn, left to right.
fn column_counts(screen: &str) -> Vec<(String, usize)> {
    let line = screen
        .lines()
        .find(|line| line.contains('┌') && line.contains('('))
        .unwrap_or_else(|| panic!("no column titles:\n{screen}"));
    let mut found = Vec::new();
    for part in line.split('┌').skip(1) {
        let part = part
            .trim_start_matches('─')
            .trim_start_matches(' ')
            .trim_start_matches('‹');
        let part = part
            .trim_start_matches(|c: char| c.is_ascii_digit())
            .trim_start();
        if let Some(open) = part.find(" (") {
            let title = part[..open].trim().to_string();
            let rest = &part[open + 2..];
            let count: String = rest
                .chars()
                .take_while(|c| c.is_ascii_digit() || *c == ',')
                .collect();
            found.push((title, count.replace(',', "").parse().unwrap_or(0)));
        }
    }
    found
}

fn count(session: &Session, condition: &str) -> usize {
    session
        .workspace()
        .query(EntityKind::Accounts, condition)
        .unwrap_or_else(|d| panic!("{condition}: {d:?}"))
        .len()
}

#[test]
fn without_a_view_the_board_offers_a_property_and_counts_each_value() {
    let mut session = Session::new();
    session.type_text("4");
    let screen = session.screen(120, 40);
    assert!(screen.contains("No stage board yet"), "{screen}");
    insta::assert_snapshot!("stages_without_a_board_80x24", session.snapshot(80, 24));
    session.type_text("p");
    session.type_text("accounts lifecycle");
    session.press(KeyCode::Enter);
    let screen = session.screen(160, 40);
    let columns = column_counts(&screen);
    assert!(columns.len() >= 3, "{columns:?}\n{screen}");
    for (title, shown) in &columns {
        let expected = match title.as_str() {
            "other" => 0,
            "none" => count(&session, "lifecycle_stage is not set"),
            value => count(&session, &format!("lifecycle_stage = \"{value}\"")),
        };
        assert_eq!(*shown, expected, "{title}");
    }
    let total: usize = columns.iter().map(|(_, n)| n).sum();
    assert_eq!(total, 40);
}

#[test]
fn a_stage_view_orders_the_columns_and_moving_a_card_changes_segment_counts() {
    let mut session = Session::new();
    with_stage_file(&mut session);
    let active_before = session.segment("Active accounts").members;
    session.type_text("3/");
    session.type_text("lifecycle_stage = \"active\"");
    session.settle();
    session.press(KeyCode::Enter);
    assert!(
        session
            .screen(120, 40)
            .contains(&format!("{active_before} of 40 accounts"))
    );
    session.type_text("4");
    let screen = session.screen(160, 40);
    assert!(
        screen.contains("Pipeline · accounts by lifecycle_stage"),
        "{screen}"
    );
    let titles: Vec<String> = column_counts(&screen).into_iter().map(|(t, _)| t).collect();
    assert_eq!(
        titles,
        ["trial", "onboarding", "active", "at_risk", "other", "none"]
    );
    // A message of its own in the status line, not the applied file's
    // temporary path.
    session.type_text("x");
    insta::assert_snapshot!("stages_pipeline_120x40", session.snapshot(120, 40));
    insta::assert_snapshot!("stages_pipeline_80x24", session.snapshot(80, 24));
    // The second column (onboarding) → L moves its first card to active.
    session.type_text("l");
    let onboarding_before = count(&session, "lifecycle_stage = \"onboarding\"");
    assert!(
        onboarding_before > 0,
        "the demo data has onboarding accounts"
    );
    session.type_text("L");
    let status = session.status();
    assert!(status.contains("→ active"), "{status}");
    assert!(status.contains("entered \"Active accounts\""), "{status}");
    assert_eq!(
        count(&session, "lifecycle_stage = \"onboarding\""),
        onboarding_before - 1
    );
    let screen = session.screen(160, 40);
    let columns = column_counts(&screen);
    assert_eq!(columns[1].1, onboarding_before - 1, "{screen}");
    assert_eq!(columns[2].1, active_before + 1, "{screen}");
    // The Segments screen's count follows.
    assert_eq!(
        session.segment("Active accounts").members,
        active_before + 1
    );
    session.type_text("1l");
    let screen = session.screen(120, 40);
    let row = table_row(&screen, "Active accounts");
    assert_eq!(row[0], (active_before + 1).to_string(), "{screen}");
    // The Accounts list, filtered before the move and out of view during
    // it, shows the moved account when it comes back into view.
    session.type_text("3");
    let screen = session.screen(120, 40);
    assert!(
        screen.contains(&format!("{} of 40 accounts", active_before + 1)),
        "{screen}"
    );
    // H moves it back.
    session.type_text("4H");
    assert!(
        session.status().contains("→ onboarding"),
        "{}",
        session.status()
    );
    assert_eq!(
        count(&session, "lifecycle_stage = \"onboarding\""),
        onboarding_before
    );
}

#[test]
fn the_filter_bar_narrows_the_board_and_enter_opens_a_card() {
    let mut session = Session::new();
    with_stage_file(&mut session);
    session.type_text("4/");
    session.type_text("plan = \"enterprise\"");
    session.settle();
    session.press(KeyCode::Enter);
    let screen = session.screen(160, 40);
    let total: usize = column_counts(&screen).iter().map(|(_, n)| n).sum();
    assert_eq!(total, count(&session, "plan = \"enterprise\""), "{screen}");
    assert!(screen.contains("[plan = \"enterprise\"]"), "{screen}");
    // Into a non-empty column, then Enter opens the card's account.
    for _ in 0..6 {
        if session.screen(160, 40).contains("account acc-") {
            break;
        }
        session.press(KeyCode::Enter);
        if session.screen(160, 40).contains("account acc-") {
            break;
        }
        session.type_text("l");
    }
    let screen = session.screen(120, 40);
    assert!(screen.contains("account acc-"), "{screen}");
    assert!(screen.contains("Users ("), "{screen}");
    session.press(KeyCode::Esc);
    assert!(session.screen(120, 40).contains("Pipeline"));
}

#[test]
fn w_saves_a_picked_board_as_a_stage_view_that_v_lists() {
    let mut session = Session::new();
    session.type_text("4p");
    session.type_text("accounts plan");
    session.press(KeyCode::Enter);
    session.type_text("/");
    session.type_text("mrr > 0");
    session.settle();
    session.press(KeyCode::Enter);
    session.type_text("w");
    session.type_text("Plans board");
    session.press(KeyCode::Enter);
    assert!(
        session.status().contains("saved view \"Plans board\""),
        "{}",
        session.status()
    );
    let saved = session.workspace().view("Plans board").expect("stored");
    let stages = saved.view.stages.expect("a stage view");
    assert_eq!(stages.property, "plan");
    assert!(!stages.values.is_empty());
    assert_eq!(
        saved
            .view
            .filter
            .as_ref()
            .map(segscope::lang::format::format_condition),
        Some("mrr > 0".to_string())
    );
    session.type_text("v");
    let screen = session.screen(120, 40);
    assert!(screen.contains("Plans board"), "{screen}");
    assert!(screen.contains("accounts by plan"), "{screen}");
    insta::assert_snapshot!("stage_views_80x24", session.snapshot(80, 24));
}

//! The Users and Accounts list views in-process: the table, the count
//! line, the condition builder (Segments in / not in, properties with
//! operators and values), the raw filter, sorting, the column chooser and
//! the entity detail with property editing — each asserted on what the
//! screen shows, and checked against `Workspace::query` with the same
//! condition.

use crossterm::event::KeyCode;
use segscope::model::EntityKind;

mod support;
use support::tui_session::*;

/// The ids in the list's first column, top to bottom, as drawn at 120×40.
fn listed_ids(session: &mut Session) -> Vec<String> {
    let screen = session.screen(120, 40);
    let lines: Vec<&str> = screen.lines().collect();
    let header = lines
        .iter()
        .position(|line| line.trim_start().starts_with("ID "))
        .unwrap_or_else(|| panic!("no table header:\n{screen}"));
    lines[header + 1..]
        .iter()
        .map(|line| line.split_whitespace().next().unwrap_or("").to_string())
        .take_while(|word| {
            word.starts_with("usr-") || word.starts_with("acc-") || word.starts_with('u')
        })
        .collect()
}

/// The ids `query` lists for a condition, in id order.
fn queried(session: &Session, kind: EntityKind, condition: &str) -> Vec<String> {
    let workspace = session.workspace();
    let set = workspace
        .query(kind, condition)
        .unwrap_or_else(|d| panic!("{condition}: {d:?}"));
    set.iter().map(|entity| workspace.id_of(entity)).collect()
}

fn count_line(session: &mut Session) -> String {
    let screen = session.screen(120, 40);
    screen
        .lines()
        .find(|line| {
            line.contains(" of ") && (line.contains(" users") || line.contains(" accounts"))
        })
        .unwrap_or_else(|| panic!("no count line:\n{screen}"))
        .split("   ")
        .next()
        .unwrap_or_default()
        .trim()
        .to_string()
}

#[test]
fn snapshot_users_list_80x24_and_120x40() {
    let mut session = Session::new();
    session.type_text("2");
    insta::assert_snapshot!("users_list_80x24", session.snapshot(80, 24));
    insta::assert_snapshot!("users_list_120x40", session.snapshot(120, 40));
}

#[test]
fn the_builder_makes_a_segments_in_chip_that_lists_what_query_lists() {
    let mut session = Session::new();
    session.type_text("2a");
    insta::assert_snapshot!("builder_property_step_80x24", session.snapshot(80, 24));
    session.press(KeyCode::Enter); // Segments
    insta::assert_snapshot!("builder_operator_step_80x24", session.snapshot(80, 24));
    session.press(KeyCode::Enter); // in
    insta::assert_snapshot!("builder_segment_step_120x40", session.snapshot(120, 40));
    session.type_text("power us");
    session.press(KeyCode::Enter);
    let screen = session.screen(120, 40);
    assert!(screen.contains("[in segment \"Power users\"]"), "{screen}");
    let expected = queried(&session, EntityKind::Users, "in segment \"Power users\"");
    assert!(!expected.is_empty());
    assert_eq!(
        count_line(&mut session),
        format!("{} of 300 users", expected.len())
    );
    let shown = listed_ids(&mut session);
    assert_eq!(shown, expected[..shown.len()]);
    insta::assert_snapshot!("users_list_with_a_chip_80x24", session.snapshot(80, 24));
}

#[test]
fn the_builder_makes_a_segments_not_in_chip() {
    let mut session = Session::new();
    session.type_text("2a");
    session.press(KeyCode::Enter); // Segments
    session.press(KeyCode::Down);
    session.press(KeyCode::Enter); // not in
    session.type_text("promoters");
    session.press(KeyCode::Down); // "Power promoters" is listed before? pick by search
    session.press(KeyCode::Up);
    session.press(KeyCode::Enter);
    let screen = session.screen(120, 40);
    let chip = screen
        .lines()
        .find(|line| line.contains("filter:"))
        .expect("the filter bar")
        .to_string();
    assert!(chip.contains("not in segment"), "{chip}");
    let condition = if chip.contains("\"Power promoters\"") {
        "not in segment \"Power promoters\""
    } else {
        "not in segment \"Promoters\""
    };
    let expected = queried(&session, EntityKind::Users, condition);
    assert_eq!(
        count_line(&mut session),
        format!("{} of 300 users", expected.len())
    );
    assert_eq!(
        listed_ids(&mut session),
        expected[..listed_ids(&mut session).len()]
    );
}

#[test]
fn a_property_chip_with_a_typed_bare_word_is_quoted_and_chips_combine_with_and() {
    let mut session = Session::new();
    session.type_text("3a");
    session.type_text("plan");
    session.press(KeyCode::Enter); // plan
    session.press(KeyCode::Enter); // =
    session.type_text("enterprise");
    session.press(KeyCode::Enter);
    session.type_text("a");
    session.type_text("seats");
    session.press(KeyCode::Enter);
    session.type_text(">=");
    session.press(KeyCode::Enter);
    session.type_text("50");
    session.press(KeyCode::Enter);
    let screen = session.screen(120, 40);
    assert!(
        screen.contains("[plan = \"enterprise\"] AND [seats >= 50]"),
        "{screen}"
    );
    let expected = queried(
        &session,
        EntityKind::Accounts,
        "plan = \"enterprise\" and seats >= 50",
    );
    assert_eq!(
        count_line(&mut session),
        format!("{} of 40 accounts", expected.len())
    );
    // `=` shows the filter as one condition of the language.
    session.type_text("=");
    let screen = session.screen(120, 40);
    assert!(
        screen.contains("plan = \"enterprise\" and seats >= 50"),
        "{screen}"
    );
    session.press(KeyCode::Esc);
    // `f` selects the chips; `x` removes the selected (last) one.
    session.type_text("fx");
    let screen = session.screen(120, 40);
    let bar = screen
        .lines()
        .find(|line| line.starts_with("filter:"))
        .expect("the bar");
    assert_eq!(bar.trim_end(), "filter: [plan = \"enterprise\"]");
    assert!(session.status().contains("removed seats >= 50"));
}

#[test]
fn the_raw_filter_checks_as_you_type_and_adds_a_chip() {
    let mut session = Session::new();
    session.type_text("2/");
    session.type_text("sessions_30d >");
    session.settle();
    let screen = session.screen(120, 40);
    assert!(
        screen.contains("found the end of the text"),
        "an error with the caret:\n{screen}"
    );
    session.press(KeyCode::Enter);
    assert!(session.status_is_error(), "Enter refuses it");
    session.type_text(" 10");
    session.settle();
    session.press(KeyCode::Enter);
    let expected = queried(&session, EntityKind::Users, "sessions_30d > 10");
    assert_eq!(
        count_line(&mut session),
        format!("{} of 300 users", expected.len())
    );
}

#[test]
fn sorting_by_a_number_column_descending_puts_missing_values_last() {
    let mut session = Session::new();
    session.type_text("3S");
    session.type_text("mrr");
    session.press(KeyCode::Enter);
    let workspace = session.workspace();
    let all = workspace.all_entities(EntityKind::Accounts);
    let sorted = workspace.sorted(
        &all,
        &segscope::model::view::SortKey {
            property: "mrr".to_string(),
            order: segscope::model::view::SortOrder::Descending,
        },
    );
    let expected: Vec<String> = sorted.iter().map(|e| workspace.id_of(e)).collect();
    assert!(session.screen(120, 40).contains("sorted by mrr desc"));
    let shown = listed_ids(&mut session);
    assert_eq!(shown, expected[..shown.len()]);
    let first_mrr = |session: &mut Session| {
        let workspace = session.workspace();
        workspace.cell_text(
            workspace
                .sorted(
                    &all,
                    &segscope::model::view::SortKey {
                        property: "mrr".to_string(),
                        order: segscope::model::view::SortOrder::Descending,
                    },
                )
                .iter()
                .next()
                .expect("accounts"),
            "mrr",
        )
    };
    let _ = first_mrr(&mut session);
}

#[test]
fn moving_through_a_long_list_keeps_the_selection_in_view() {
    let mut session = Session::new();
    session.type_text("2G");
    let screen = session.screen(80, 24);
    let all = queried(&session, EntityKind::Users, "id is set");
    assert!(screen.contains(all.last().expect("users")), "{screen}");
    session.type_text("g");
    let screen = session.screen(80, 24);
    assert!(screen.contains(&all[0]), "{screen}");
    session.press(KeyCode::PageDown);
    session.press(KeyCode::PageDown);
    let screen = session.screen(80, 24);
    assert!(!screen.contains(&all[0]), "{screen}");
}

#[test]
fn the_detail_shows_properties_segments_and_the_account_and_editing_recomputes() {
    let mut session = Session::new();
    session.type_text("2");
    // The first user that is not a power user.
    let outside = queried(
        &session,
        EntityKind::Users,
        "sessions_30d < 20 and account_id is set",
    );
    let id = outside[0].clone();
    session.type_text("/");
    session.type_text(&format!("id = \"{id}\""));
    session.settle();
    session.press(KeyCode::Enter);
    session.press(KeyCode::Enter);
    let screen = session.screen(120, 40);
    assert!(screen.contains(&format!("user {id}")), "{screen}");
    assert!(screen.contains("Properties"), "{screen}");
    assert!(screen.contains("sessions_30d"), "{screen}");
    assert!(screen.contains("Segments ("), "{screen}");
    assert!(screen.contains("Account"), "{screen}");
    insta::assert_snapshot!("user_detail_120x40", session.snapshot(120, 40));
    // Select sessions_30d and set it to 25: the user enters "Power users".
    for _ in 0..40 {
        let line = session
            .screen(120, 40)
            .lines()
            .find(|line| line.contains("sessions_30d"))
            .map(str::to_string)
            .unwrap_or_default();
        if session
            .selected_row()
            .is_some_and(|row| row.contains("sessions_30d"))
        {
            break;
        }
        let _ = line;
        session.press(KeyCode::Down);
    }
    session.type_text("e");
    for _ in 0..10 {
        session.press(KeyCode::Backspace);
    }
    session.type_text("25");
    session.press(KeyCode::Enter);
    let status = session.status();
    assert!(status.contains("entered \"Power users\""), "{status}");
    let screen = session.screen(120, 40);
    assert!(screen.contains("Power users"), "{screen}");
    assert!(
        queried(&session, EntityKind::Users, "in segment \"Power users\"").contains(&id),
        "the workspace agrees"
    );
    // Enter on the account opens it, with its users.
    for _ in 0..60 {
        if session
            .selected_row()
            .is_some_and(|row| row.contains("enter opens it"))
        {
            break;
        }
        session.press(KeyCode::Down);
    }
    session.press(KeyCode::Enter);
    let screen = session.screen(120, 40);
    assert!(screen.contains("account acc-"), "{screen}");
    assert!(screen.contains("Users ("), "{screen}");
    session.press(KeyCode::Esc);
    session.press(KeyCode::Esc);
    let screen = session.screen(120, 40);
    assert!(screen.contains("filter:"), "back on the list:\n{screen}");
}

#[test]
fn v_opens_a_saved_list_view_with_its_filter_columns_and_sort() {
    let mut session = Session::new();
    let file = session.dir.path().join("views.seg");
    std::fs::write(
        &file,
        r#"view "Heavy users" for users {
  where in segment "Power users"
  columns ["id", "name", "sessions_30d", "segments"]
  sort sessions_30d desc
}
"#,
    )
    .expect("the view file");
    session.apply_file(&file);
    session.type_text("2v");
    let screen = session.screen(120, 40);
    assert!(screen.contains("Heavy users"), "{screen}");
    session.press(KeyCode::Enter);
    let screen = session.screen(120, 40);
    assert!(screen.contains("[in segment \"Power users\"]"), "{screen}");
    assert!(screen.contains("sorted by sessions_30d desc"), "{screen}");
    assert!(screen.contains("SESSIONS_30D"), "{screen}");
    let workspace = session.workspace();
    let view = workspace.view("Heavy users").expect("the view").view;
    let rows = workspace.view_rows(&view).expect("the view lists");
    let sorted = workspace.sorted(
        &rows,
        &segscope::model::view::SortKey {
            property: "sessions_30d".to_string(),
            order: segscope::model::view::SortOrder::Descending,
        },
    );
    let expected: Vec<String> = sorted.iter().map(|e| workspace.id_of(e)).collect();
    assert_eq!(
        count_line(&mut session),
        format!("{} of 300 users", expected.len())
    );
    let shown = listed_ids(&mut session);
    assert_eq!(shown, expected[..shown.len()]);
}

#[test]
fn why_names_the_failing_clause_and_the_values_for_each_segment_out() {
    let mut session = Session::new();
    session.type_text("2");
    // A user out of "Power users" (sessions_30d >= 20).
    let outside = queried(&session, EntityKind::Users, "sessions_30d < 20");
    let id = outside[0].clone();
    let sessions = {
        let workspace = session.workspace();
        let set = workspace
            .query(EntityKind::Users, &format!("id = \"{id}\""))
            .expect("checks");
        workspace.cell_text(set.iter().next().expect("the user"), "sessions_30d")
    };
    session.type_text("/");
    session.type_text(&format!("id = \"{id}\""));
    session.settle();
    session.press(KeyCode::Enter);
    session.press(KeyCode::Enter);
    let screen = session.screen(120, 60);
    assert!(screen.contains("Why: in "), "{screen}");
    assert!(
        screen.lines().any(|line| line.contains("out  Power users")),
        "Power users is listed as out:\n{screen}"
    );
    assert!(
        screen.contains(&format!("sessions_30d = {sessions}, needs >= 20")),
        "the values compared:\n{screen}"
    );
    insta::assert_snapshot!("user_detail_with_why_120x40", session.snapshot(120, 40));
    insta::assert_snapshot!("user_detail_with_why_80x24", session.snapshot(80, 24));
    let workspace = session.workspace();
    let explanation = workspace
        .explain(EntityKind::Users, &id, "Power users")
        .expect("explains");
    assert!(!explanation.member);
}

#[test]
fn w_saves_the_filter_columns_and_sort_as_a_view_found_after_reopening() {
    let mut session = Session::new();
    session.type_text("2a");
    session.press(KeyCode::Enter); // Segments
    session.press(KeyCode::Enter); // in
    session.type_text("power users");
    session.press(KeyCode::Enter);
    session.type_text("S");
    session.type_text("sessions_30d");
    session.press(KeyCode::Enter);
    session.type_text("w");
    insta::assert_snapshot!("save_view_80x24", session.snapshot(80, 24));
    session.type_text("Busy people");
    session.press(KeyCode::Enter);
    assert!(
        session.status().contains("saved view \"Busy people\""),
        "{}",
        session.status()
    );
    // Reopen the database: the view is there, the UI's own.
    let path = session.dir.path().join("segscope.redb");
    let Session { dir, app } = session;
    drop(app.into_workspace());
    let workspace = open_workspace(&path);
    let saved = workspace.view("busy PEOPLE").expect("the view is stored");
    assert_eq!(saved.origin, segscope::model::Origin::Interactive);
    assert_eq!(saved.view.kind, EntityKind::Users);
    assert_eq!(
        saved
            .view
            .filter
            .as_ref()
            .map(segscope::lang::format::format_condition),
        Some("in segment \"Power users\"".to_string())
    );
    let sort = saved.view.sort.expect("a sort");
    assert_eq!(sort.property, "sessions_30d");
    assert_eq!(sort.order, segscope::model::view::SortOrder::Descending);
    assert!(saved.view.columns.contains(&"segments".to_string()));
    drop(dir);
}

#[test]
fn snapshots_of_the_builder_steps_the_column_chooser_and_the_view_list() {
    let mut session = Session::new();
    session.type_text("3a");
    insta::assert_snapshot!("builder_property_step_120x40", session.snapshot(120, 40));
    session.type_text("plan");
    session.press(KeyCode::Enter);
    insta::assert_snapshot!("builder_operator_step_120x40", session.snapshot(120, 40));
    session.press(KeyCode::Enter);
    insta::assert_snapshot!("builder_value_step_80x24", session.snapshot(80, 24));
    insta::assert_snapshot!("builder_value_step_120x40", session.snapshot(120, 40));
    session.press(KeyCode::Down);
    session.press(KeyCode::Enter);
    insta::assert_snapshot!(
        "accounts_list_with_a_chip_120x40",
        session.snapshot(120, 40)
    );
    session.type_text("c");
    insta::assert_snapshot!("column_chooser_80x24", session.snapshot(80, 24));
    session.press(KeyCode::Esc);
    session.type_text("w");
    session.type_text("Plans");
    session.press(KeyCode::Enter);
    session.type_text("v");
    insta::assert_snapshot!("view_list_80x24", session.snapshot(80, 24));
    insta::assert_snapshot!("view_list_120x40", session.snapshot(120, 40));
}

#[test]
fn enter_on_a_chip_reopens_the_builder_at_its_value_and_replaces_the_chip() {
    let mut session = Session::new();
    session.type_text("3a");
    session.type_text("plan");
    session.press(KeyCode::Enter);
    session.press(KeyCode::Enter); // =
    session.type_text("enterprise");
    session.press(KeyCode::Enter);
    session.type_text("f");
    session.press(KeyCode::Enter);
    let screen = session.screen(120, 40);
    assert!(screen.contains("plan = — value"), "{screen}");
    assert!(screen.contains("search: enterprise"), "{screen}");
    for _ in 0.."enterprise".len() {
        session.press(KeyCode::Backspace);
    }
    session.type_text("pro");
    session.press(KeyCode::Enter);
    let screen = session.screen(120, 40);
    let bar = screen
        .lines()
        .find(|line| line.starts_with("filter:"))
        .expect("the bar");
    assert_eq!(bar.trim_end(), "filter: [plan = \"pro\"]");
    let expected = queried(&session, EntityKind::Accounts, "plan = \"pro\"");
    assert_eq!(
        count_line(&mut session),
        format!("{} of 40 accounts", expected.len())
    );
}

#[test]
fn prompt_commands_sort_and_add_conditions_on_the_list_in_view() {
    let mut session = Session::new();
    session.type_text("3");
    session.prompt("sort-descending seats");
    let screen = session.screen(120, 40);
    assert!(screen.contains("sorted by seats desc"), "{screen}");
    session.prompt("add-condition");
    let screen = session.screen(120, 40);
    assert!(screen.contains("Add a condition — property"), "{screen}");
}

/// A large list sorts on a worker: the key returns at once with the rows
/// still in their old order and "sorting … by …" on the count line, and
/// the sorted rows land at a later tick.
#[test]
fn a_large_list_sorts_on_a_worker_and_the_rows_land_later() {
    use segscope::tui::{App, KeyMap, Theme};
    use segscope::workspace::{ImportFormat, ImportMode, ImportSource};
    use std::time::{Duration, Instant};
    const ROWS: usize = 60_000;
    let dir = tempfile::tempdir().expect("a temporary directory");
    let mut workspace = open_workspace(&dir.path().join("large.redb"));
    let mut data = String::new();
    for n in 0..ROWS {
        // Scores in an order unlike the ids'.
        data.push_str(&format!(
            "{{\"id\":\"u{n:06}\",\"score\":{}}}\n",
            (n * 7919) % ROWS
        ));
    }
    workspace
        .import(
            EntityKind::Users,
            ImportSource::new(
                std::io::Cursor::new(data.into_bytes()),
                ImportFormat::JsonLines,
            ),
            ImportMode::Merge,
            false,
            &mut |_| std::ops::ControlFlow::Continue(()),
        )
        .expect("the import");
    let mut session = Session {
        dir,
        app: App::new(workspace, KeyMap::defaults(), Theme::plain(), vec![]),
    };
    session.type_text("2S");
    session.type_text("score");
    session.press(KeyCode::Enter);
    let screen = session.screen(120, 40);
    assert!(screen.contains("sorting 60,000 by score desc…"), "{screen}");
    let deadline = Instant::now() + Duration::from_secs(60);
    while !session.screen(120, 40).contains("sorted by score desc") && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
        session.app.tick(Instant::now());
    }
    let screen = session.screen(120, 40);
    assert!(screen.contains("sorted by score desc"), "{screen}");
    // The highest score first: 59,999 is held by one user.
    let first = listed_ids(&mut session).into_iter().next();
    let top = {
        let workspace = session.workspace();
        let set = workspace
            .query(EntityKind::Users, "score = 59999")
            .expect("checks");
        set.iter().next().map(|e| workspace.id_of(e))
    };
    assert_eq!(first, top);
}

#[test]
fn an_edit_in_the_detail_shows_in_the_list_when_the_detail_closes() {
    let mut session = Session::new();
    session.type_text("2/");
    session.type_text("in segment \"Power users\"");
    session.settle();
    session.press(KeyCode::Enter);
    let before = queried(&session, EntityKind::Users, "in segment \"Power users\"").len();
    assert_eq!(count_line(&mut session), format!("{before} of 300 users"));
    session.press(KeyCode::Enter);
    for _ in 0..40 {
        if session
            .selected_row()
            .is_some_and(|row| row.contains("sessions_30d"))
        {
            break;
        }
        session.press(KeyCode::Down);
    }
    session.type_text("e");
    for _ in 0..10 {
        session.press(KeyCode::Backspace);
    }
    session.type_text("5");
    session.press(KeyCode::Enter);
    assert!(
        session.status().contains("left \"Power users\""),
        "{}",
        session.status()
    );
    session.press(KeyCode::Esc);
    assert_eq!(
        count_line(&mut session),
        format!("{} of 300 users", before - 1)
    );
}

#[test]
fn bad_input_in_the_builder_and_the_detail_says_what_and_changes_nothing() {
    let mut session = Session::new();
    // `between` with one bound is no condition: the builder stays, saying why.
    session.type_text("3a");
    session.type_text("seats");
    session.press(KeyCode::Enter);
    session.type_text("between");
    session.press(KeyCode::Enter);
    session.type_text("10");
    session.press(KeyCode::Enter);
    let screen = session.screen(120, 40);
    assert!(
        screen.contains("seats between — value"),
        "still at the value:\n{screen}"
    );
    assert!(
        screen.contains("seats between 10"),
        "the error names the condition:\n{screen}"
    );
    session.press(KeyCode::Esc);
    session.press(KeyCode::Esc);
    session.press(KeyCode::Esc);
    let screen = session.screen(120, 40);
    assert!(
        screen.contains("filter: none"),
        "no chip was added:\n{screen}"
    );
    // A value that is no literal is refused in the detail; the entity keeps its value.
    session.press(KeyCode::Enter);
    for _ in 0..20 {
        if session
            .selected_row()
            .is_some_and(|row| row.contains("seats"))
        {
            break;
        }
        session.press(KeyCode::Down);
    }
    let id = session
        .screen(120, 40)
        .lines()
        .find_map(|line| {
            line.trim()
                .strip_prefix("account ")
                .map(|rest| rest.split_whitespace().next().unwrap_or("").to_string())
        })
        .expect("the detail's title");
    let before = session
        .workspace()
        .entity(EntityKind::Accounts, &id)
        .expect("exists")
        .properties;
    session.type_text("e");
    for _ in 0..10 {
        session.press(KeyCode::Backspace);
    }
    session.type_text("\"unclosed");
    session.press(KeyCode::Enter);
    assert!(session.status_is_error(), "{}", session.status());
    assert!(
        session.status().starts_with("seats:"),
        "{}",
        session.status()
    );
    let after = session
        .workspace()
        .entity(EntityKind::Accounts, &id)
        .expect("exists")
        .properties;
    assert_eq!(before, after);
}

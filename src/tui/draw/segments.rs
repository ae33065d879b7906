//! The Segments screen: Users / Accounts sub-tabs and the table of segments
//! with member counts, share, description, last change and origin.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Cell, Paragraph, Row, Table, TableState};

use crate::model::EntityKind;
use crate::model::{Origin, format_instant};
use crate::tui::app::App;

pub fn draw(frame: &mut Frame, app: &App, area: Rect) {
    let theme = app.theme;
    let [tabs, table_area, help] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(3),
        Constraint::Length(1),
    ])
    .areas(area);
    let view = &app.segments_view;
    let count = |kind: EntityKind| app.summaries.iter().filter(|s| s.kind == kind).count();
    let tab = |kind: EntityKind, label: &str| {
        let style = if view.kind == kind {
            theme.active_tab()
        } else {
            theme.normal()
        };
        Span::styled(format!(" {label} ({}) ", count(kind)), style)
    };
    let mut line = vec![
        tab(EntityKind::Users, "Users"),
        Span::raw(" "),
        tab(EntityKind::Accounts, "Accounts"),
    ];
    if view.filtering || !view.filter.is_empty() {
        let cursor = if view.filtering { "_" } else { "" };
        line.push(Span::styled(
            format!("   filter: {}{cursor}", view.filter),
            theme.key(),
        ));
    }
    frame.render_widget(Paragraph::new(Line::from(line)), tabs);

    let segments = app.visible_segments();
    let rows: Vec<Row> = segments
        .iter()
        .map(|s| {
            let share = if s.of == 0 {
                "-".to_string()
            } else {
                format!("{:.1}%", s.members as f64 * 100.0 / s.of as f64)
            };
            let origin = match &s.origin {
                Origin::File(path) => short_path(path),
                Origin::Interactive => "tui".to_string(),
            };
            let changed = format_instant(s.updated_at)
                .chars()
                .take(10)
                .collect::<String>();
            Row::new(vec![
                Cell::from(s.name.clone()),
                Cell::from(format!("{:>9}", s.members)),
                Cell::from(format!("{share:>6}")),
                Cell::from(s.description.clone().unwrap_or_default()),
                Cell::from(changed),
                Cell::from(origin),
            ])
        })
        .collect();
    let wide = area.width >= 100;
    let widths: Vec<Constraint> = if wide {
        vec![
            Constraint::Length(28),
            Constraint::Length(9),
            Constraint::Length(6),
            Constraint::Fill(1),
            Constraint::Length(10),
            Constraint::Length(16),
        ]
    } else {
        vec![
            Constraint::Length(24),
            Constraint::Length(9),
            Constraint::Length(6),
            Constraint::Fill(1),
            Constraint::Length(0),
            Constraint::Length(0),
        ]
    };
    let header = Row::new(vec![
        "NAME",
        "  MEMBERS",
        " SHARE",
        "DESCRIPTION",
        "CHANGED",
        "ORIGIN",
    ])
    .style(theme.title());
    let title = format!(" {} segments ", view.kind);
    let table = Table::new(rows, widths)
        .header(header)
        .block(Block::default().borders(Borders::TOP).title(title))
        .row_highlight_style(theme.selected());
    let mut state = TableState::default();
    if !segments.is_empty() {
        state.select(Some(view.selected));
    }
    frame.render_stateful_widget(table, table_area, &mut state);
    if segments.is_empty() {
        let empty = if view.filter.is_empty() {
            format!(
                "No {} segments yet. Press n to create one.",
                view.kind.singular()
            )
        } else {
            format!("No segment name contains \"{}\".", view.filter)
        };
        let inner = Rect {
            y: table_area.y.saturating_add(2),
            height: table_area.height.saturating_sub(2),
            ..table_area
        };
        frame.render_widget(Paragraph::new(empty).style(theme.dim()), inner);
    }
    let hints = Line::from(vec![
        Span::styled(app.keymap.keys_label("new"), theme.key()),
        Span::raw(" new  "),
        Span::styled(app.keymap.keys_label("edit"), theme.key()),
        Span::raw(" edit  "),
        Span::styled(app.keymap.keys_label("delete"), theme.key()),
        Span::raw(" delete  "),
        Span::styled(app.keymap.keys_label("filter"), theme.key()),
        Span::raw(" filter  "),
        Span::styled(app.keymap.keys_label("next-kind"), theme.key()),
        Span::raw(" users/accounts  "),
        Span::styled(app.keymap.keys_label("help"), theme.key()),
        Span::raw(" help"),
    ]);
    frame.render_widget(Paragraph::new(hints), help);
}

/// A path as shown in a narrow column: the file's name.
fn short_path(path: &str) -> String {
    crate::tui::app::file_name(path)
}

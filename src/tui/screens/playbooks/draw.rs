//! Drawing the Playbooks screen: the table of playbooks on top, the
//! selected one's definition and runs log below (the selected firing's
//! actions spelled out, each with its result), the hints at the bottom, or
//! how to make a first playbook when there is none.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Row, Table, TableState, Wrap};

use super::PlaybooksScreen;
use crate::lang::playbook::action_lines;
use crate::model::playbook_run::{ActionState, Firing};
use crate::model::{format_instant, visible};
use crate::tui::action::Action;
use crate::tui::screens::segments::hints_line;
use crate::tui::screens::{Look, Screen};
use crate::tui::widgets::text::{cut, file_name, thousands, width};
use crate::workspace::PlaybookSummary;

/// Columns of the table: header, the most it takes (`0`: the rest), and
/// whether it is right-aligned.
const COLUMNS: [(&str, u16, bool); 8] = [
    ("On", 3, false),
    ("Playbook", 28, false),
    ("For", 8, false),
    ("When", 0, false),
    ("Actions", 20, false),
    ("24 h", 5, true),
    ("Pending", 7, true),
    ("Match", 6, true),
];

/// Columns that grow with what they hold, up to their most.
const FITTED: [usize; 2] = [1, 4];

pub fn draw(screen: &PlaybooksScreen, frame: &mut Frame, area: Rect, look: &Look) {
    let [body, hints] = Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(area);
    frame.render_widget(Paragraph::new(hints_line(&screen.hints(), look)), hints);
    if let Err(error) = &screen.entries {
        let text = Paragraph::new(Span::styled(
            format!("The playbooks could not be read: {error}"),
            look.theme.error(),
        ))
        .wrap(Wrap { trim: true });
        frame.render_widget(text, body);
        return;
    }
    let Some(entry) = screen.entry() else {
        draw_empty(frame, body, look);
        return;
    };
    let table_rows = (screen.list().len() as u16 + 2).min(body.height / 2).max(3);
    let [table, detail] =
        Layout::vertical([Constraint::Length(table_rows), Constraint::Min(1)]).areas(body);
    draw_table(screen, frame, table, look);
    draw_detail(screen, entry, frame, detail, look);
}

fn draw_empty(frame: &mut Frame, area: Rect, look: &Look) {
    let lines = vec![
        Line::from(Span::styled("No playbooks yet", look.theme.title())),
        Line::raw(""),
        Line::raw(format!(
            "Press {} to make one here, or define one in a .seg file and :apply it:",
            look.keymap.key_label(Action::NewPlaybook)
        )),
        Line::raw(""),
        Line::styled(
            "  playbook \"Welcome new champions\" for users {",
            look.theme.dim(),
        ),
        Line::styled("    when in segment \"Champions\"", look.theme.dim()),
        Line::styled("    set cs_owner = \"team-a\"", look.theme.dim()),
        Line::styled("    log \"New champion\"", look.theme.dim()),
        Line::styled("  }", look.theme.dim()),
        Line::raw(""),
        Line::raw(
            "A playbook fires when an entity starts to satisfy its `when`: it sets properties, posts signed webhooks and writes the activity log. grammar/README.md (Playbooks) has the whole language.",
        ),
    ];
    frame.render_widget(
        Paragraph::new(lines)
            .block(Block::default().borders(Borders::TOP))
            .wrap(Wrap { trim: false }),
        area,
    );
}

fn draw_table(screen: &PlaybooksScreen, frame: &mut Frame, area: Rect, look: &Look) {
    let theme = look.theme;
    let all: Vec<[String; 8]> = screen.list().iter().map(cells).collect();
    // A name or actions column as wide as its widest cell (up to its
    // most), so `when` keeps the room.
    let mut widths: Vec<u16> = COLUMNS.iter().map(|c| c.1).collect();
    for index in FITTED {
        let widest = all
            .iter()
            .map(|row| width(&row[index]))
            .chain([width(COLUMNS[index].0)])
            .max()
            .unwrap_or(0) as u16;
        widths[index] = widths[index].min(widest);
    }
    let fixed: u16 = widths.iter().map(|w| w + 1).sum();
    widths[3] = area.width.saturating_sub(fixed).max(8);
    let fitted = |texts: [String; 8]| -> Vec<String> {
        texts
            .iter()
            .enumerate()
            .map(|(index, text)| {
                let width = usize::from(widths[index]);
                let text = cut(text, width);
                if COLUMNS[index].2 {
                    format!("{text:>width$}")
                } else {
                    text
                }
            })
            .collect()
    };
    let rows: Vec<Row> = screen
        .list()
        .iter()
        .zip(all)
        .map(|(entry, texts)| {
            let row = Row::new(fitted(texts));
            if entry.enabled {
                row
            } else {
                row.style(theme.dim())
            }
        })
        .collect();
    let header = Row::new(fitted(COLUMNS.map(|c| c.0.to_string()))).style(theme.title());
    let title = format!(" Playbooks ({}) ", screen.list().len());
    let table = Table::new(rows, widths.iter().map(|w| Constraint::Length(*w)))
        .header(header)
        .column_spacing(1)
        .block(Block::default().borders(Borders::TOP).title(title))
        .row_highlight_style(theme.selected());
    let mut state = TableState::default();
    state.select(Some(screen.selected));
    frame.render_stateful_widget(table, area, &mut state);
}

/// One playbook's row.
fn cells(entry: &PlaybookSummary) -> [String; 8] {
    let actions: Vec<&str> = entry.playbook.actions.iter().map(|a| a.keyword()).collect();
    [
        if entry.enabled { "[x]" } else { "[ ]" }.to_string(),
        entry.playbook.name.clone(),
        entry.playbook.kind.to_string(),
        entry.trigger.clone(),
        actions.join(", "),
        thousands(entry.fired_last_day as u64),
        thousands(entry.pending_deliveries as u64),
        thousands(entry.matching_now as u64),
    ]
}

fn draw_detail(
    screen: &PlaybooksScreen,
    entry: &PlaybookSummary,
    frame: &mut Frame,
    area: Rect,
    look: &Look,
) {
    let theme = look.theme;
    let playbook = &entry.playbook;
    let state = if entry.enabled {
        "enabled"
    } else {
        "disabled: it does not fire"
    };
    let title = format!(" {} — {state} ", visible(&playbook.name));
    let block = Block::default()
        .borders(Borders::TOP)
        .title(Span::styled(title, theme.title()));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let mut lines = Vec::new();
    if let Some(description) = playbook.description.as_deref().filter(|d| !d.is_empty()) {
        lines.push(Line::styled(description.to_string(), theme.dim()));
    }
    lines.push(Line::from(vec![
        Span::styled("when ", theme.key()),
        Span::raw(entry.trigger.clone()),
    ]));
    let mut how = format!("runs {}", playbook.runs.words());
    if playbook.skip_existing {
        how.push_str(" · skip existing");
    }
    how.push_str(&format!(
        " · {} {} match now",
        thousands(entry.matching_now as u64),
        playbook.kind
    ));
    if let crate::model::Origin::File(path) = &entry.origin {
        how.push_str(&format!(" · from {}", file_name(path)));
    }
    lines.push(Line::styled(how, theme.dim()));
    for action in action_lines(&playbook.actions) {
        lines.push(Line::raw(format!("  {action}")));
    }
    let header = lines.len() as u16;
    let [definition, runs] = Layout::vertical([
        Constraint::Length(header.min(inner.height)),
        Constraint::Min(0),
    ])
    .areas(inner);
    frame.render_widget(Paragraph::new(lines), definition);
    draw_runs(screen, entry, frame, runs, look);
}

/// The runs log: one line a firing, newest first; the selected one's
/// actions under it with their results.
fn draw_runs(
    screen: &PlaybooksScreen,
    entry: &PlaybookSummary,
    frame: &mut Frame,
    area: Rect,
    look: &Look,
) {
    if area.height == 0 {
        return;
    }
    let theme = look.theme;
    let room = usize::from(area.width);
    let firings = match &screen.firings {
        Ok(firings) => firings,
        Err(error) => {
            frame.render_widget(
                Paragraph::new(Span::styled(
                    format!("The runs log could not be read: {error}"),
                    theme.error(),
                ))
                .wrap(Wrap { trim: true }),
                area,
            );
            return;
        }
    };
    let mut lines = vec![Line::styled(
        cut(
            &format!(
                "Runs log ({}{}) — {}/{} older/newer",
                thousands(firings.len() as u64),
                if firings.len() >= super::FIRINGS {
                    ", the newest"
                } else {
                    ""
                },
                look.keymap.key_label(Action::NextFiring),
                look.keymap.key_label(Action::PreviousFiring)
            ),
            room,
        ),
        theme.title(),
    )];
    if firings.is_empty() {
        lines.push(Line::styled(
            format!(
                "No firings yet: it fires when {} starts to satisfy `when`.",
                match entry.playbook.kind {
                    crate::model::EntityKind::Users => "a user",
                    crate::model::EntityKind::Accounts => "an account",
                }
            ),
            theme.dim(),
        ));
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: true }), area);
        return;
    }
    // The selected firing and its actions stay in view: the firings above
    // it scroll away first.
    let selected = screen.firing.min(firings.len() - 1);
    let room_rows = usize::from(area.height).saturating_sub(1);
    let mut first = selected;
    let mut used = 1 + firings[selected].actions.len();
    while first > 0 && used < room_rows {
        first -= 1;
        used += 1;
    }
    for (index, firing) in firings.iter().enumerate().skip(first) {
        let line = cut(&firing_line(firing), room);
        if index == selected {
            lines.push(Line::styled(line, theme.selected()));
            for action in &firing.actions {
                lines.push(action_line(action, theme, room));
            }
        } else {
            lines.push(Line::raw(line));
        }
        if lines.len() > usize::from(area.height) {
            break;
        }
    }
    frame.render_widget(Paragraph::new(lines), area);
}

/// `2026-01-01T00:00:00Z  user u_0012 · 3 done, 1 pending (chain depth 1)`.
fn firing_line(firing: &Firing) -> String {
    let count = |label: &str| {
        firing
            .actions
            .iter()
            .filter(|a| a.state.label() == label)
            .count()
    };
    let mut results = Vec::new();
    for label in ["done", "pending", "failed"] {
        let n = count(label);
        if n > 0 {
            results.push(format!("{n} {label}"));
        }
    }
    let depth = if firing.depth > 0 {
        format!(" (chain depth {})", firing.depth)
    } else {
        String::new()
    };
    format!(
        "{}  {} {} · {}{depth}",
        short_instant(firing.at),
        firing.kind.singular(),
        firing.entity,
        results.join(", ")
    )
}

/// One action of the selected firing with what became of it.
fn action_line(
    action: &crate::model::playbook_run::ActionRun,
    theme: crate::tui::theme::Theme,
    room: usize,
) -> Line<'static> {
    let (mark, result, style) = match &action.state {
        ActionState::Done { at } => ("✓", format!("done {}", short_instant(*at)), theme.good()),
        ActionState::Pending {
            attempts,
            next_try,
            last_error,
        } => {
            let tried = match attempts {
                0 => "not tried yet".to_string(),
                1 => "tried once".to_string(),
                n => format!("tried {n} times"),
            };
            let error = last_error
                .as_deref()
                .map_or(String::new(), |e| format!(": {e}"));
            (
                "…",
                format!(
                    "pending, {tried}, next try {}{error}",
                    short_instant(*next_try)
                ),
                theme.key(),
            )
        }
        ActionState::Failed {
            attempts, reason, ..
        } => (
            "✗",
            format!(
                "failed after {attempts} tr{}: {reason}",
                if *attempts == 1 { "y" } else { "ies" }
            ),
            theme.error(),
        ),
    };
    Line::from(vec![
        Span::styled(format!("    {mark} "), style),
        Span::raw(cut(&format!("{}  ", action.action), room / 2)),
        Span::styled(cut(&result, room.saturating_sub(room / 2 + 6)), style),
    ])
}

/// An instant to the second, as the runs log shows it.
fn short_instant(micros: i64) -> String {
    format_instant(micros - micros.rem_euclid(1_000_000))
}

//! Drawing the Destinations screen from its state: the list on the left,
//! the selected destination's tab on the right (its definition above, the
//! run history or the last dry run below: `lower`'s), the hints line, and
//! the filter picker over it all. Every line is cut to its room with `…`, so long
//! names and small terminals stay readable; the definition gives way to
//! the lower half only down to a few rows.

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, List, ListItem, ListState, Paragraph, Wrap};

use super::edit::encoding_label;
use super::jobs::{LiveSync, ago, landed};
use super::lower::{lower_tabs, plan_lines, run_lines};
use super::{DestinationsScreen, Entry, HOW_TO_DEFINE, Lower, Part};
use crate::model::destination::{ConnectorKind, Destination, KindSync};
use crate::model::{EntityKind, Origin, SEGMENTS, visible};
use crate::tui::action::Action;
use crate::tui::popups::centered;
use crate::tui::screens::segments::hints_line;
use crate::tui::screens::{Look, Screen};
use crate::tui::widgets::text::{cut, file_name, thousands, width};

/// Warnings the definition shows at most.
const SHOWN_WARNINGS: usize = 2;

/// Rows the lower half keeps however long the definition is.
const LOWER_ROWS: u16 = 4;

pub fn draw(screen: &DestinationsScreen, frame: &mut Frame, area: Rect, look: &Look) {
    let [body, hints] = Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(area);
    frame.render_widget(Paragraph::new(hints_line(&screen.hints(), look)), hints);
    let Some(entry) = screen.entry() else {
        draw_empty(frame, body, look);
        return;
    };
    let list_width = (body.width / 3).clamp(14, 32);
    let [list, tab] =
        Layout::horizontal([Constraint::Length(list_width), Constraint::Min(1)]).areas(body);
    draw_list(screen, frame, list, look);
    draw_tab(screen, entry, frame, tab, look);
    if let Some(open) = &screen.picker {
        let hint = format!(
            "{} ticks · {} saves · {} leaves it as it was",
            look.keymap.key_label(Action::Accept),
            look.keymap.key_label(Action::SaveTicked),
            look.keymap.key_label(Action::Dismiss)
        );
        open.picker
            .draw(frame, centered(area, 72, 18), look.theme, &hint);
    }
}

fn draw_empty(frame: &mut Frame, area: Rect, look: &Look) {
    let mut sentence = format!("{HOW_TO_DEFINE}.");
    if let Some(first) = sentence.get_mut(..1) {
        first.make_ascii_uppercase();
    }
    let lines = vec![
        Line::from(Span::styled("No destinations yet", look.theme.title())),
        Line::raw(""),
        Line::raw(sentence),
        Line::raw(""),
        Line::from(Span::styled(
            "A destination sends segment membership to HubSpot, a webhook or a file: per kind a segment filter (empty sends everyone) and mappings such as map segments -> segscope_segments as list.",
            look.theme.dim(),
        )),
    ];
    frame.render_widget(
        Paragraph::new(lines)
            .block(Block::default().borders(Borders::TOP))
            .wrap(Wrap { trim: true }),
        area,
    );
}

fn draw_list(screen: &DestinationsScreen, frame: &mut Frame, area: Rect, look: &Look) {
    let theme = look.theme;
    let title = format!(" Destinations ({}) ", screen.entries.len());
    let block = Block::default()
        .borders(Borders::TOP | Borders::RIGHT)
        .title(cut(&title, usize::from(area.width.saturating_sub(1))));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let room = usize::from(inner.width);
    let live = landed(&screen.shared).live.clone();
    let items: Vec<ListItem> = screen
        .entries
        .iter()
        .map(|entry| {
            let destination = &entry.destination;
            let name = cut(&destination.name, room);
            let connector = format!(" {}", destination.connector.word());
            let connector = cut(&connector, room.saturating_sub(width(&name)));
            let running = live
                .as_ref()
                .filter(|live| live.destination == destination.name);
            let last = match running {
                Some(live) => live_line(live),
                None => last_run_line(entry, screen.clock),
            };
            ListItem::new(vec![
                Line::from(vec![
                    Span::styled(name, theme.title()),
                    Span::styled(connector, theme.dim()),
                ]),
                Line::from(Span::styled(cut(&format!(" {last}"), room), theme.dim())),
            ])
        })
        .collect();
    let mut state = ListState::default();
    state.select(Some(screen.selected));
    frame.render_stateful_widget(
        List::new(items).highlight_style(theme.selected()),
        inner,
        &mut state,
    );
}

/// `completed 2 min ago · 12 sent`, or that it never ran.
fn last_run_line(entry: &Entry, now: i64) -> String {
    match &entry.runs {
        Ok(runs) => match runs.first() {
            Some(run) => {
                let when = ago(run.ended_at.unwrap_or(run.started_at), now);
                let mut text = format!(
                    "{} {when} · {} sent",
                    run.outcome.label(),
                    thousands(run.counts.sent)
                );
                let failed = run.counts.failed + run.counts.conflicts;
                if failed > 0 {
                    text.push_str(&format!(", {} failed", thousands(failed)));
                }
                text
            }
            None => "never run".to_string(),
        },
        Err(_) => "runs unreadable".to_string(),
    }
}

/// `syncing 200 of 340 · 200 sent, 0 failed`.
pub(super) fn live_line(live: &LiveSync) -> String {
    let of = match live.to_send {
        Some(total) => format!(
            "{} of {}",
            thousands(live.done.min(total)),
            thousands(total)
        ),
        None => "planning".to_string(),
    };
    let mut text = format!(
        "syncing {of} · {} sent, {} failed",
        thousands(live.counts.sent),
        thousands(live.counts.failed)
    );
    if let Some(waiting) = &live.waiting {
        text.push_str(&format!(" · waiting: {waiting}"));
    }
    text
}

fn draw_tab(
    screen: &DestinationsScreen,
    entry: &Entry,
    frame: &mut Frame,
    area: Rect,
    look: &Look,
) {
    let title = format!(" {} ", visible(&entry.destination.name));
    let block = Block::default().borders(Borders::TOP).title(Span::styled(
        cut(&title, usize::from(area.width)),
        look.theme.title(),
    ));
    let inner = block.inner(area);
    frame.render_widget(block, area);
    let room = usize::from(inner.width.saturating_sub(1));
    let definition = definition_lines(screen, entry, look);
    let needed = definition.len() as u16;
    let upper_rows = if inner.height > LOWER_ROWS * 2 {
        needed.min(inner.height - LOWER_ROWS)
    } else {
        needed.min(inner.height / 2)
    };
    let [upper, lower] =
        Layout::vertical([Constraint::Length(upper_rows), Constraint::Min(0)]).areas(inner);
    let upper_inner = Rect {
        x: upper.x + 1,
        width: upper.width.saturating_sub(1),
        ..upper
    };
    frame.render_widget(Paragraph::new(fitted(definition, room)), upper_inner);
    if lower.height == 0 {
        return;
    }
    let lower_inner = Rect {
        x: lower.x + 1,
        width: lower.width.saturating_sub(1),
        ..lower
    };
    let mut lines = vec![lower_tabs(screen, entry, look)];
    let rows = usize::from(lower.height.saturating_sub(1));
    match screen.lower {
        Lower::Runs => lines.extend(run_lines(screen, entry, rows, look)),
        Lower::Plan => lines.extend(plan_lines(screen, room, look)),
    }
    frame.render_widget(Paragraph::new(fitted(lines, room)), lower_inner);
}

/// `text` and `style` as a span.
pub(super) fn span(text: impl Into<String>, style: Style) -> Span<'static> {
    Span::styled(text.into(), style)
}

/// Lines cut to `room` columns, each ending in `…` where it was cut.
fn fitted(lines: Vec<Line<'static>>, room: usize) -> Vec<Line<'static>> {
    lines
        .into_iter()
        .map(|line| {
            let mut left = room;
            let mut spans = Vec::new();
            for piece in line.spans {
                if left == 0 {
                    break;
                }
                let text = cut(&piece.content, left);
                left = left.saturating_sub(width(&text));
                let ended = text.ends_with('…') && !piece.content.ends_with('…');
                spans.push(Span::styled(text, piece.style));
                if ended {
                    break;
                }
            }
            Line::from(spans).style(line.style)
        })
        .collect()
}

/// The destination as defined: where it goes, its settings, each part's
/// filter, key and mappings, and the warnings it earns.
fn definition_lines(screen: &DestinationsScreen, entry: &Entry, look: &Look) -> Vec<Line<'static>> {
    let theme = look.theme;
    let destination = &entry.destination;
    let origin = match &entry.origin {
        Origin::File(path) => format!("from {}", file_name(path)),
        Origin::Interactive => "made in the UI".to_string(),
    };
    let mut lines = vec![Line::from(vec![
        span(destination.connector.label(), theme.normal()),
        span(format!(" · {origin}"), theme.dim()),
    ])];
    if let Some(description) = &destination.description {
        lines.push(Line::from(span(description.clone(), theme.dim())));
    }
    lines.push(settings_line(entry, look));
    let chosen = screen.part_kind();
    for (sync, part) in destination.kinds.iter().zip(&entry.parts) {
        lines.extend(part_lines(
            destination,
            sync,
            part,
            Some(sync.kind) == chosen,
            look,
        ));
    }
    let hidden = entry.secret.as_ref().map(|secret| secret.variable.as_str());
    let warnings: Vec<&String> = entry
        .warnings
        .iter()
        .filter(|warning| hidden.is_none_or(|variable| !warning.contains(variable)))
        .collect();
    for warning in warnings.iter().take(SHOWN_WARNINGS) {
        lines.push(Line::from(span(format!("! {warning}"), theme.key())));
    }
    if warnings.len() > SHOWN_WARNINGS {
        lines.push(Line::from(span(
            format!(
                "  … {} more warnings (`segscope check` lists them)",
                warnings.len() - SHOWN_WARNINGS
            ),
            theme.dim(),
        )));
    }
    lines
}

/// Where the destination sends, by setting; secrets by their variable's
/// name and whether it is set, never a value.
fn settings_line(entry: &Entry, look: &Look) -> Line<'static> {
    let theme = look.theme;
    let destination = &entry.destination;
    let mut spans = Vec::new();
    if let Some(secret) = &entry.secret {
        let state = if secret.set { "set" } else { "not set" };
        let style = if secret.set {
            theme.good()
        } else {
            theme.error()
        };
        spans.push(span(
            format!("{} env {} ", secret.what, secret.variable),
            theme.normal(),
        ));
        spans.push(span(format!("({state})"), style));
    }
    let mut rest = Vec::new();
    match destination.connector {
        ConnectorKind::HubSpot => {
            if let Some(url) = &destination.base_url {
                rest.push(format!("base_url {url}"));
            }
            rest.push(format!("{} requests / 10 s", destination.rate_limit()));
        }
        ConnectorKind::Webhook => {
            rest.push(format!("url {}", destination.url.as_deref().unwrap_or("?")));
        }
        ConnectorKind::File => {
            rest.push(format!(
                "path {}",
                destination.path.as_deref().unwrap_or("?")
            ));
        }
    }
    let lead = if spans.is_empty() { "" } else { " · " };
    spans.push(span(format!("{lead}{}", rest.join(" · ")), theme.dim()));
    Line::from(spans)
}

/// A part: `Users → contacts  key email`, its filter with counts, its
/// mappings (Segments first, with how they go).
fn part_lines(
    destination: &Destination,
    sync: &KindSync,
    part: &Part,
    chosen: bool,
    look: &Look,
) -> Vec<Line<'static>> {
    let theme = look.theme;
    let kind = match part.kind {
        EntityKind::Users => "Users",
        EntityKind::Accounts => "Accounts",
    };
    let heading = match destination.connector {
        ConnectorKind::HubSpot => format!(" {kind} → {} ", sync.object()),
        _ => format!(" {kind} "),
    };
    let style = if chosen {
        theme.active_tab()
    } else {
        theme.title()
    };
    let key = sync.key();
    let key = match &key.target {
        Some(target) if *target != key.source => format!("{} → {target}", key.source),
        _ => key.source,
    };
    let mut lines = vec![Line::from(vec![
        span(heading, style),
        span(format!("  key {key}"), theme.dim()),
    ])];
    let goes = match &part.selected {
        Ok(count) => format!(
            " → {} of {} {}",
            thousands(*count as u64),
            thousands(part.of as u64),
            part.kind
        ),
        Err(reason) => format!(" — {reason}"),
    };
    let filter = if part.filter.is_empty() {
        "everyone".to_string()
    } else {
        part.filter
            .iter()
            .map(|(name, members)| match members {
                Some(count) => format!("{name} {}", thousands(*count as u64)),
                None => format!("{name} (no such segment)"),
            })
            .collect::<Vec<_>>()
            .join(" · ")
    };
    lines.push(Line::from(vec![
        span("  filter  ", theme.dim()),
        span(filter, theme.normal()),
        span(goes, theme.dim()),
    ]));
    let mut mappings: Vec<String> = sync
        .mappings
        .iter()
        .filter(|m| m.source == SEGMENTS)
        .map(|m| format!("segments → {}: {}", m.target, encoding_label(m.encoding())))
        .collect();
    mappings.extend(
        sync.mappings
            .iter()
            .filter(|m| m.source != SEGMENTS)
            .map(|m| format!("{} → {}", m.source, m.target)),
    );
    let mapped = if mappings.is_empty() {
        "nothing mapped: only the key goes".to_string()
    } else {
        mappings.join(" · ")
    };
    lines.push(Line::from(vec![
        span("  map     ", theme.dim()),
        span(mapped, theme.normal()),
    ]));
    lines
}

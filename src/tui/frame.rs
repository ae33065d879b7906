//! The frame around the screens: the tab bar, the screen in view, the
//! status bar (the newest message's first line, a running job's gauge, the
//! database's facts) and the popups on top, in stack order. Pure: it reads
//! the app and writes nothing. Tiny windows get a short notice instead.

use ratatui::Frame;
use ratatui::layout::{Alignment, Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use super::action::Action;
use super::app::App;
use super::jobs::RunningJob;
use super::popups::centered;
use super::screens::{Look, ScreenId};
use super::theme::Theme;
use super::widgets::text::{cut, thousands, width};
use crate::model::format_instant;

/// Below this size only a notice is drawn.
pub const MIN_WIDTH: u16 = 40;
pub const MIN_HEIGHT: u16 = 10;

pub fn draw(frame: &mut Frame, app: &App) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let notice = Paragraph::new(format!(
            "segscope needs {MIN_WIDTH}x{MIN_HEIGHT}; this is {}x{}. {} quits.",
            area.width,
            area.height,
            app.keymap().key_label(Action::Quit)
        ))
        .wrap(Wrap { trim: true });
        frame.render_widget(notice, area);
        return;
    }
    let [tabs, body, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(area);
    let look = Look {
        theme: app.theme(),
        keymap: app.keymap(),
    };
    draw_tabs(frame, app, tabs);
    app.current_screen().draw(frame, body, &look);
    draw_status(frame, app, status);
    for popup in app.popups() {
        popup.draw(frame, area, &look);
    }
}

fn draw_tabs(frame: &mut Frame, app: &App, area: Rect) {
    let theme = app.theme();
    // The name gives way to the tabs when the window is narrow.
    let mut spans = Vec::new();
    if area.width >= 90 {
        spans.push(Span::styled(" segscope ", theme.title()));
    }
    let current = app.current_screen().id();
    for id in ScreenId::ALL {
        let key = app.keymap().key_label(id.action());
        let label = format!(" {key} {} ", id.title());
        let style = if id == current {
            theme.active_tab()
        } else {
            theme.normal()
        };
        spans.push(Span::styled(label, style));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The status bar: on the left a running job's gauge, or else the newest
/// message (its first line, cut with … and a pointer to the log when it
/// does not fit); on the right the facts, which keep their room.
fn draw_status(frame: &mut Frame, app: &App, area: Rect) {
    let theme = app.theme();
    let facts = status_facts(app, area.width >= 100);
    let latest = app.messages().latest();
    let is_error = app.job().is_none() && latest.is_some_and(|m| m.is_error);
    // An error or a running job needs the room more than the facts do.
    let limit = if is_error || app.job().is_some() {
        area.width / 3
    } else {
        area.width * 2 / 3
    };
    let facts_width = (width(&facts) as u16 + 1).min(limit);
    let [left, right] =
        Layout::horizontal([Constraint::Min(1), Constraint::Length(facts_width)]).areas(area);
    let room = usize::from(left.width.saturating_sub(1));
    let left_line = match app.job() {
        Some(job) => Line::from(Span::styled(cut(&gauge(job, app), room), theme.key())),
        None => match latest {
            Some(message) => message_line(app, message, room, theme),
            None => Line::raw(""),
        },
    };
    frame.render_widget(Paragraph::new(left_line), left);
    frame.render_widget(
        Paragraph::new(Span::styled(
            cut(&facts, usize::from(right.width)),
            theme.dim(),
        ))
        .alignment(Alignment::Right),
        right,
    );
}

/// The newest message's first line; when more of it is hidden, the key of
/// the message log after it.
fn message_line(
    app: &App,
    message: &super::messages::Message,
    room: usize,
    theme: Theme,
) -> Line<'static> {
    let style = if message.is_error {
        theme.error()
    } else {
        theme.normal()
    };
    let first = message.first_line();
    let hidden = width(first) > room || message.text.contains('\n');
    if !hidden {
        return Line::from(Span::styled(first.to_string(), style));
    }
    let more = format!(" ({} more)", app.keymap().key_label(Action::Messages));
    let kept = room.saturating_sub(width(&more));
    Line::from(vec![
        Span::styled(cut(first, kept), style),
        Span::styled(more, theme.dim()),
    ])
}

/// "importing users.jsonl  45%  120,000 of 260,000 · 52,000/s · Ctrl-x cancels"
fn gauge(job: &RunningJob, app: &App) -> String {
    let done = thousands(job.done);
    let counts = match job.total {
        Some(total) if total > 0 => {
            let percent = (job.done.min(total) * 100 / total).min(100);
            format!("{percent:>3}%  {done} of {}", thousands(total))
        }
        _ => format!("{done} rows"),
    };
    let state = if job.is_cancelling() {
        "cancelling…".to_string()
    } else {
        format!("{} cancels", app.keymap().key_label(Action::CancelJob))
    };
    format!(
        "{}  {counts} · {}/s · {state}",
        job.label,
        thousands(job.rate() as u64)
    )
}

/// The right part of the status bar: database, counts, `--now`, files.
fn status_facts(app: &App, wide: bool) -> String {
    let facts = app.facts();
    let mut text = format!(
        "{} users · {} accounts",
        thousands(facts.users as u64),
        thousands(facts.accounts as u64)
    );
    if wide {
        text = format!("{} · {text}", facts.database);
    }
    if app.now_given {
        text.push_str(&format!(" · as of {}", format_instant(facts.now)));
    }
    let watched = app.watched_count();
    if watched > 0 {
        text.push_str(&format!(
            " · watching {watched} file{}",
            if watched == 1 { "" } else { "s" }
        ));
    }
    text
}

/// The screen shown while the database loads.
pub fn draw_busy(
    frame: &mut Frame,
    label: &str,
    elapsed: std::time::Duration,
    quit_keys: &str,
    theme: Theme,
) {
    let area = frame.area();
    let spinner = ["|", "/", "-", "\\"][(elapsed.as_millis() / 100 % 4) as usize];
    let lines = vec![
        Line::from(Span::styled("segscope", theme.title())),
        Line::raw(""),
        Line::raw(format!(
            "{spinner} {label} ({:.1} s)",
            elapsed.as_secs_f64()
        )),
        Line::from(Span::styled(format!("{quit_keys} quits"), theme.dim())),
    ];
    let rect = centered(area, 60, 4);
    frame.render_widget(Paragraph::new(lines).alignment(Alignment::Center), rect);
}

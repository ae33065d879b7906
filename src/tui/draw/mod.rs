//! Drawing: pure functions from the application state to a frame. The
//! layout is a tab bar, the screen, and a status bar; popups are drawn on
//! top, in stack order. Tiny windows get a short notice instead of a layout
//! that cannot fit.

mod editor;
mod planned;
mod popups;
mod segments;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::app::{App, SCREENS};

/// Below this size only a notice is drawn.
pub const MIN_WIDTH: u16 = 40;
pub const MIN_HEIGHT: u16 = 10;

pub fn draw(frame: &mut Frame, app: &mut App, now_given: bool) {
    let area = frame.area();
    if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
        let notice = Paragraph::new(format!(
            "segscope needs {MIN_WIDTH}x{MIN_HEIGHT}; this is {}x{}. q quits.",
            area.width, area.height
        ))
        .wrap(ratatui::widgets::Wrap { trim: true });
        frame.render_widget(notice, area);
        return;
    }
    let [tabs, body, status] = Layout::vertical([
        Constraint::Length(1),
        Constraint::Min(1),
        Constraint::Length(1),
    ])
    .areas(area);
    draw_tabs(frame, app, tabs);
    app.page_rows = usize::from(body.height.saturating_sub(4)).max(1);
    match (app.screen, &app.editor) {
        (_, Some(editor)) => editor::draw(frame, app, editor, body),
        (0, None) => segments::draw(frame, app, body),
        (index, None) => planned::draw(frame, app, index, body),
    }
    draw_status(frame, app, status, now_given);
    for popup in &app.popups {
        popups::draw(frame, app, popup, area);
    }
}

fn draw_tabs(frame: &mut Frame, app: &App, area: Rect) {
    let theme = app.theme;
    let mut spans = vec![Span::styled(" segscope ", theme.title())];
    for (index, name) in SCREENS.iter().enumerate() {
        let label = format!(" {} {name} ", index + 1);
        let style = if index == app.screen {
            theme.active_tab()
        } else {
            theme.normal()
        };
        spans.push(Span::styled(label, style));
    }
    frame.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// The status bar: the last message on the left (cut with … when long), the
/// facts (database, counts, `--now`, watched files) on the right, which keep
/// their room.
fn draw_status(frame: &mut Frame, app: &App, area: Rect, now_given: bool) {
    let theme = app.theme;
    let facts = app.status_facts(now_given, area.width >= 100);
    let message_style = if app.status.is_error {
        theme.error()
    } else {
        theme.normal()
    };
    // An error needs the room more than the facts do.
    let limit = if app.status.is_error {
        area.width / 3
    } else {
        area.width * 2 / 3
    };
    let facts_width = (facts.chars().count() as u16 + 1).min(limit);
    let [left, right] =
        Layout::horizontal([Constraint::Min(1), Constraint::Length(facts_width)]).areas(area);
    let room = usize::from(left.width.saturating_sub(1));
    frame.render_widget(
        Paragraph::new(Span::styled(cut(&app.status.message, room), message_style)),
        left,
    );
    frame.render_widget(
        Paragraph::new(Span::styled(
            cut(&facts, usize::from(right.width)),
            theme.dim(),
        ))
        .alignment(ratatui::layout::Alignment::Right),
        right,
    );
}

/// `text` in at most `width` characters, ending with … when cut.
fn cut(text: &str, width: usize) -> String {
    if text.chars().count() <= width {
        return text.to_string();
    }
    let kept: String = text.chars().take(width.saturating_sub(1)).collect();
    format!("{kept}…")
}

/// The screen shown while long work runs (loading the database, an import).
pub fn draw_busy(
    frame: &mut Frame,
    label: &str,
    elapsed: std::time::Duration,
    theme: super::theme::Theme,
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
        Line::from(Span::styled("q quits", theme.dim())),
    ];
    let rect = centered(area, 60, 4);
    frame.render_widget(
        Paragraph::new(lines).alignment(ratatui::layout::Alignment::Center),
        rect,
    );
}

/// A rectangle of at most `width` x `height` centred in `area`.
pub fn centered(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    }
}

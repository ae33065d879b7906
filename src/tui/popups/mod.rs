//! Overlays, kept as a stack: the top one gets every key first and keeps
//! it (they are modal), Esc closes it. One file per popup; each binds its
//! keys through the key map's scopes like everything else.

mod confirm;
mod help;
mod messages;
mod prompt;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::Line;
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

pub use confirm::{ConfirmPopup, Confirmation};
pub use help::HelpPopup;
pub use messages::MessagesPopup;
pub use prompt::PromptPopup;

use super::action::{Action, Scope};
use super::screens::{Context, Input, Look};

/// Does a popup stay open after an input?
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Keep {
    Open,
    Close,
}

pub enum Popup {
    Help(HelpPopup),
    Confirm(ConfirmPopup),
    Prompt(Box<PromptPopup>),
    Messages(MessagesPopup),
}

impl Popup {
    pub fn scopes(&self) -> &'static [Scope] {
        match self {
            Popup::Help(_) | Popup::Messages(_) => &[Scope::List, Scope::Global],
            Popup::Confirm(_) => &[Scope::Confirm],
            Popup::Prompt(_) => &[Scope::TextLine],
        }
    }

    pub fn handle(&mut self, input: &Input, context: &mut Context) -> Keep {
        match self {
            Popup::Help(popup) => popup.handle(input),
            Popup::Confirm(popup) => popup.handle(input, context),
            Popup::Prompt(popup) => popup.handle(input, context),
            Popup::Messages(popup) => popup.handle(input),
        }
    }

    pub fn draw(&self, frame: &mut Frame, area: Rect, look: &Look) {
        match self {
            Popup::Help(popup) => popup.draw(frame, area, look),
            Popup::Confirm(popup) => popup.draw(frame, area, look),
            Popup::Prompt(popup) => popup.draw(frame, area, look),
            Popup::Messages(popup) => popup.draw(frame, area, look),
        }
    }
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

/// Rows a page moves in a scrolling overlay.
const OVERLAY_PAGE: u16 = 10;

/// Where a scrolling overlay is after a list action (others leave it).
fn scrolled(scroll: u16, action: Option<Action>, limit: u16) -> u16 {
    let next = match action {
        Some(Action::Up) => scroll.saturating_sub(1),
        Some(Action::Down) => scroll.saturating_add(1),
        Some(Action::PageUp) => scroll.saturating_sub(OVERLAY_PAGE),
        Some(Action::PageDown) => scroll.saturating_add(OVERLAY_PAGE),
        Some(Action::Top) => 0,
        Some(Action::Bottom) => limit,
        _ => scroll,
    };
    next.min(limit)
}

/// A scrolling overlay: `lines` wrapped in a bordered box of at most
/// `width` columns, centred, scrolled down by `scroll` lines.
fn draw_scrolled(
    frame: &mut Frame,
    area: Rect,
    width: u16,
    title: &str,
    lines: Vec<Line<'_>>,
    scroll: u16,
) {
    let rect = centered(area, width, area.height.saturating_sub(2));
    frame.render_widget(Clear, rect);
    frame.render_widget(
        Paragraph::new(lines)
            .block(
                Block::default()
                    .borders(Borders::ALL)
                    .title(title.to_string()),
            )
            .wrap(Wrap { trim: false })
            .scroll((scroll, 0)),
        rect,
    );
}

//! Overlays, kept as a stack: the top one gets every key first and keeps
//! it (they are modal), Esc closes it. One file per popup; each binds its
//! keys through the key map's scopes like everything else.

mod confirm;
mod help;
mod messages;
mod prompt;

use ratatui::Frame;
use ratatui::layout::Rect;

pub use confirm::{ConfirmPopup, Confirmation};
pub use help::HelpPopup;
pub use messages::MessagesPopup;
pub use prompt::PromptPopup;

use super::action::Scope;
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

/// How far a scrolling overlay moves for a list action.
pub(crate) fn scrolled(scroll: u16, action: super::action::Action, page: u16, limit: u16) -> u16 {
    use super::action::Action;
    let next = match action {
        Action::Up => scroll.saturating_sub(1),
        Action::Down => scroll.saturating_add(1),
        Action::PageUp => scroll.saturating_sub(page),
        Action::PageDown => scroll.saturating_add(page),
        Action::Top => 0,
        Action::Bottom => limit,
        _ => scroll,
    };
    next.min(limit)
}

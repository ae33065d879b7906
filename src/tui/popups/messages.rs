//! The message log, newest first, every message whole and wrapped (the
//! status bar has room for one line of the newest only).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::{Keep, draw_scrolled, scrolled};
use crate::tui::action::Action;
use crate::tui::messages::{Message, MessageLog};
use crate::tui::screens::{Input, Look};

pub struct MessagesPopup {
    /// The log as it was when opened.
    messages: Vec<Message>,
    scroll: u16,
}

impl MessagesPopup {
    pub fn new(log: &MessageLog) -> MessagesPopup {
        MessagesPopup {
            messages: log.newest_first().cloned().collect(),
            scroll: 0,
        }
    }

    pub fn handle(&mut self, input: &Input) -> Keep {
        match input.action {
            Some(Action::Close | Action::Messages | Action::Quit) => Keep::Close,
            other => {
                let limit = u16::try_from(self.messages.len() * 2).unwrap_or(u16::MAX);
                self.scroll = scrolled(self.scroll, other, limit);
                Keep::Open
            }
        }
    }

    pub fn draw(&self, frame: &mut Frame, area: Rect, look: &Look) {
        let theme = look.theme;
        let mut lines = Vec::new();
        if self.messages.is_empty() {
            lines.push(Line::from(Span::styled("No messages yet.", theme.dim())));
        }
        for message in &self.messages {
            let style = if message.is_error {
                theme.error()
            } else {
                theme.normal()
            };
            for line in message.text.lines() {
                lines.push(Line::from(Span::styled(line.to_string(), style)));
            }
            lines.push(Line::raw(""));
        }
        let title = format!(
            " Messages, newest first — {} closes ",
            look.keymap.key_label(Action::Close)
        );
        draw_scrolled(frame, area, 100, &title, lines, self.scroll);
    }
}

//! The help: every command of the table with the keys bound to it now, by
//! scope, and the prompt's commands with their arguments. It is read from
//! the live key map, so it never lies.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};

use super::{Keep, draw_scrolled, scrolled};
use crate::tui::action::{Action, COMMANDS, Scope, commands_in};
use crate::tui::screens::{Input, Look};

/// The help never scrolls further than this many lines.
const SCROLL_LIMIT: u16 = 80;

#[derive(Default)]
pub struct HelpPopup {
    scroll: u16,
}

impl HelpPopup {
    pub fn handle(&mut self, input: &Input) -> Keep {
        match input.action {
            Some(Action::Close | Action::Help | Action::Quit) => Keep::Close,
            other => {
                self.scroll = scrolled(self.scroll, other, SCROLL_LIMIT);
                Keep::Open
            }
        }
    }

    pub fn draw(&self, frame: &mut Frame, area: Rect, look: &Look) {
        let theme = look.theme;
        let mut lines = Vec::new();
        for scope in Scope::ALL {
            lines.push(Line::from(Span::styled(scope.title(), theme.title())));
            for command in commands_in(scope).filter(|c| !c.keys.is_empty()) {
                let keys = look.keymap.keys_label(command.action);
                let keys = if keys.is_empty() {
                    "(none)".to_string()
                } else {
                    keys
                };
                lines.push(Line::from(vec![
                    Span::styled(format!("  {keys:<16}"), theme.key()),
                    Span::raw(command.help),
                ]));
            }
            lines.push(Line::raw(""));
        }
        lines.push(Line::from(Span::styled("Commands after :", theme.title())));
        for command in COMMANDS.iter().filter(|c| c.at_prompt()) {
            let usage = command.usage();
            lines.push(Line::raw(format!("  {usage:<28} {}", command.help)));
        }
        if let Some(path) = &look.keymap.path {
            lines.push(Line::raw(""));
            lines.push(Line::from(Span::styled(
                format!("Keys can be changed in {}", path.display()),
                theme.dim(),
            )));
        }
        let title = format!(
            " Help — {} closes, {}/{} scroll ",
            look.keymap.key_label(Action::Close),
            look.keymap.key_label(Action::Down),
            look.keymap.key_label(Action::Up)
        );
        draw_scrolled(frame, area, 80, &title, lines, self.scroll);
    }
}

//! The `:` prompt. It reads the command table: a name (or alias) and its
//! arguments become the same action a key would give, routed to the screen
//! and then to the global commands. Tab completes a command's name.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::Keep;
use crate::tui::action::{Action, COMMANDS, prompt_command};
use crate::tui::screens::{Context, Input, Look};
use crate::tui::widgets::text_line::TextLine;

/// Most completions shown under the prompt.
const MAX_SHOWN: usize = 8;

#[derive(Default)]
pub struct PromptPopup {
    line: TextLine,
}

impl PromptPopup {
    pub fn handle(&mut self, input: &Input, context: &mut Context) -> Keep {
        match input.action {
            Some(Action::Dismiss) => Keep::Close,
            Some(Action::Accept) => {
                self.run(context);
                Keep::Close
            }
            Some(Action::Complete) => {
                if let Some(completed) = complete(&self.line.text()) {
                    self.line.set_text(&completed);
                }
                Keep::Open
            }
            _ => {
                if let Some(text) = &input.pasted {
                    self.line.paste(text);
                } else if let Some(key) = input.key {
                    self.line.input(key);
                }
                Keep::Open
            }
        }
    }

    fn run(&self, context: &mut Context) {
        let text = self.line.text();
        let mut words = text.split_whitespace();
        let Some(name) = words.next() else {
            return;
        };
        let arguments: Vec<String> = words.map(str::to_string).collect();
        match prompt_command(name) {
            Some(command) if command.needs_arguments() && arguments.is_empty() => {
                context.out.error(command.usage_message());
            }
            Some(command) => context.out.command = Some((command.action, arguments)),
            None => context.out.error(format!(
                "there is no command `:{name}`; {} completes, {} lists the commands",
                context.keymap.key_label(Action::Complete),
                context.keymap.key_label(Action::Help)
            )),
        }
    }

    pub fn draw(&self, frame: &mut Frame, area: Rect, look: &Look) {
        let mut completions = completions(&self.line.text());
        completions.truncate(MAX_SHOWN);
        let height = (completions.len() as u16 + 3).min(area.height);
        let rect = Rect {
            x: area.x,
            y: area.bottom().saturating_sub(height + 1),
            width: area.width,
            height,
        };
        frame.render_widget(Clear, rect);
        let title = format!(
            " : command ({} completes, {} runs, {} closes) ",
            look.keymap.key_label(Action::Complete),
            look.keymap.key_label(Action::Accept),
            look.keymap.key_label(Action::Dismiss)
        );
        let block = Block::default().borders(Borders::TOP).title(title);
        let inner = block.inner(rect);
        frame.render_widget(block, rect);
        frame.render_widget(Paragraph::new(":"), Rect { height: 1, ..inner });
        let input_area = Rect {
            x: inner.x + 1,
            width: inner.width.saturating_sub(1),
            height: 1,
            ..inner
        };
        self.line.draw(frame, input_area, true);
        let list: Vec<Line> = completions
            .into_iter()
            .map(|c| Line::from(Span::styled(c, look.theme.dim())))
            .collect();
        let list_area = Rect {
            y: inner.y + 1,
            height: inner.height.saturating_sub(1),
            ..inner
        };
        frame.render_widget(Paragraph::new(list), list_area);
    }
}

/// Prompt commands whose name starts with the typed word, with usage.
pub fn completions(line: &str) -> Vec<String> {
    let word = line.trim_start();
    if word.contains(' ') {
        return Vec::new();
    }
    COMMANDS
        .iter()
        .filter(|c| c.at_prompt() && c.action.name().starts_with(word))
        .map(|c| format!("{} — {}", c.usage(), c.help))
        .collect()
}

/// The typed command completed, when only one name fits.
fn complete(line: &str) -> Option<String> {
    let word = line.trim_start();
    if word.contains(' ') {
        return None;
    }
    let matching: Vec<String> = COMMANDS
        .iter()
        .filter(|c| c.at_prompt())
        .map(|c| c.action.name())
        .filter(|name| name.starts_with(word))
        .collect();
    match matching.as_slice() {
        [one] => Some(format!("{one} ")),
        _ => None,
    }
}

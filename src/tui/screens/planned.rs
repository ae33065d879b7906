//! The screens whose features arrive with later work say what they will
//! hold, in one honest paragraph — never a fake table.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::{Changed, Context, Handled, Input, Look, Screen, ScreenId};
use crate::tui::action::{Action, Scope};
use crate::workspace::Workspace;

pub struct PlannedScreen {
    id: ScreenId,
}

impl PlannedScreen {
    pub fn new(id: ScreenId) -> PlannedScreen {
        PlannedScreen { id }
    }

    fn explanation(&self) -> &'static str {
        "Playbooks: automations that fire when an entity enters a condition, with actions that are never lost or run twice. They arrive with the playbook work."
    }
}

impl Screen for PlannedScreen {
    fn id(&self) -> ScreenId {
        self.id
    }

    fn scopes(&self) -> &'static [Scope] {
        &[]
    }

    fn handle(&mut self, _input: &Input, _context: &mut Context) -> Handled {
        Handled::Ignored
    }

    fn refresh(&mut self, _workspace: &Workspace, _changed: &Changed) {}

    fn draw(&self, frame: &mut Frame, area: Rect, look: &Look) {
        let theme = look.theme;
        let text = vec![
            Line::from(Span::styled(
                format!("{} — not built yet", self.id.title()),
                theme.title(),
            )),
            Line::raw(""),
            Line::raw(self.explanation()),
            Line::raw(""),
            Line::from(Span::styled(
                format!(
                    "Press {} for Segments.",
                    look.keymap.key_label(Action::Segments)
                ),
                theme.dim(),
            )),
        ];
        let paragraph = Paragraph::new(text)
            .block(Block::default().borders(Borders::TOP))
            .wrap(Wrap { trim: true });
        frame.render_widget(paragraph, area);
    }

    fn hints(&self) -> Vec<(Action, &'static str)> {
        vec![(Action::Segments, "segments"), (Action::Help, "help")]
    }
}

//! A yes/no question. The answer goes back to the screen that asked, as a
//! [`Confirmation`] (the popup itself changes nothing).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::{Keep, centered};
use crate::tui::action::Action;
use crate::tui::screens::{Context, Input, Look};
use crate::tui::widgets::text::width;

/// What a question is about, as the asking screen reads the answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Confirmation {
    DeleteSegment(String),
    DiscardEdits,
    /// Quit although a screen holds unsaved work (the app's own question).
    QuitDiscarding,
    /// Save over a definition that changed in its file since the editor
    /// opened it (yes), or reload the file's version (`reload`).
    OverwriteChangedFile,
    ReloadChangedFile,
    /// Rename a segment together with the references others make to it.
    RenameUpdatingReferences,
    DeletePlaybook(String),
    /// Enable a disabled playbook firing for who started to match while it
    /// was off (yes), or without (`EnablePlaybookQuietly`).
    EnablePlaybookCatchingUp(String),
    EnablePlaybookQuietly(String),
}

pub struct ConfirmPopup {
    pub question: String,
    pub confirmation: Confirmation,
}

impl ConfirmPopup {
    pub fn new(question: impl Into<String>, confirmation: Confirmation) -> ConfirmPopup {
        ConfirmPopup {
            question: question.into(),
            confirmation,
        }
    }

    pub fn handle(&mut self, input: &Input, context: &mut Context) -> Keep {
        match input.action {
            Some(Action::Yes) => {
                context.out.confirmed = Some(self.confirmation.clone());
                Keep::Close
            }
            Some(Action::No) => Keep::Close,
            Some(Action::Reload) if self.confirmation == Confirmation::OverwriteChangedFile => {
                context.out.confirmed = Some(Confirmation::ReloadChangedFile);
                Keep::Close
            }
            Some(Action::EnableWithoutFiring) => match &self.confirmation {
                Confirmation::EnablePlaybookCatchingUp(name) => {
                    context.out.confirmed = Some(Confirmation::EnablePlaybookQuietly(name.clone()));
                    Keep::Close
                }
                _ => Keep::Open,
            },
            _ => Keep::Open,
        }
    }

    pub fn draw(&self, frame: &mut Frame, area: Rect, look: &Look) {
        let mut answer = format!(
            "{} yes   {} no",
            look.keymap.keys_label(Action::Yes),
            look.keymap.keys_label(Action::No)
        );
        if self.confirmation == Confirmation::OverwriteChangedFile {
            answer.push_str(&format!(
                "   {} reload the file's version",
                look.keymap.keys_label(Action::Reload)
            ));
        }
        if let Confirmation::EnablePlaybookCatchingUp(_) = self.confirmation {
            answer = format!(
                "{} enable and fire   {} enable without firing   {} leave it disabled",
                look.keymap.keys_label(Action::Yes),
                look.keymap.keys_label(Action::EnableWithoutFiring),
                look.keymap.keys_label(Action::No)
            );
        }
        let text_width = width(&self.question).max(width(&answer)) as u16;
        // A question wider than the screen wraps: the box grows to keep
        // the answers in view.
        let inner = (text_width + 2).min(area.width.saturating_sub(2)).max(1);
        let rows = |text: &str| (width(text) as u16).div_ceil(inner).max(1);
        let rect = centered(
            area,
            text_width + 4,
            rows(&self.question) + rows(&answer) + 2,
        );
        frame.render_widget(Clear, rect);
        let lines = vec![
            Line::raw(self.question.clone()),
            Line::from(Span::styled(answer, look.theme.key())),
        ];
        frame.render_widget(
            Paragraph::new(lines)
                .wrap(Wrap { trim: false })
                .block(Block::default().borders(Borders::ALL).title(" Confirm ")),
            rect,
        );
    }
}

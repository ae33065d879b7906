//! The segment editor, opened over the Segments screen: name, description
//! and the condition (the shared condition input, checked live), saving
//! through the workspace, and whether there are unsaved changes.

use std::time::Instant;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph, Wrap};

use super::{Changed, Context, Input, Look};
use crate::lang::format::format_condition;
use crate::model::{EntityKind, Origin};
use crate::tui::action::Action;
use crate::tui::popups::{ConfirmPopup, Confirmation, Popup};
use crate::tui::widgets::condition_input::ConditionInput;
use crate::tui::widgets::text::file_name;
use crate::tui::widgets::text_line::TextLine;
use crate::workspace::{EntityKindChoice, SaveFailure, SegmentDraft, Workspace};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EditorField {
    Name,
    Description,
    Condition,
}

/// What the editor asks of the screen that holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EditorOutcome {
    Stay,
    Close,
    /// Saved under this name: close and select it.
    Saved(String),
}

pub struct SegmentEditor {
    /// The segment being edited (`None` for a new one).
    original: Option<String>,
    /// The file that defines it, if one does.
    file: Option<String>,
    kind: EntityKind,
    name: TextLine,
    description: TextLine,
    condition: ConditionInput,
    focus: EditorField,
    /// Why the last save failed.
    save_error: Option<String>,
    /// (name, description, condition) as last saved or opened.
    saved: (String, String, String),
}

impl SegmentEditor {
    /// An editor for a new segment of `kind`.
    pub fn new_segment(kind: EntityKind) -> SegmentEditor {
        SegmentEditor::with(None, None, kind, "", "", "")
    }

    /// An editor for an existing segment.
    pub fn for_segment(workspace: &Workspace, name: &str) -> Option<SegmentEditor> {
        let (stored, segment) = workspace.segment_definition(name)?;
        let file = match &stored.origin {
            Origin::File(path) => Some(path.clone()),
            Origin::Interactive => None,
        };
        let description = segment
            .description
            .as_ref()
            .map(|d| d.value.clone())
            .unwrap_or_default();
        let condition = format_condition(&segment.condition);
        Some(SegmentEditor::with(
            Some(stored.name.clone()),
            file,
            segment.kind,
            &stored.name,
            &description,
            &condition,
        ))
    }

    fn with(
        original: Option<String>,
        file: Option<String>,
        kind: EntityKind,
        name: &str,
        description: &str,
        condition: &str,
    ) -> SegmentEditor {
        let focus = if original.is_some() {
            EditorField::Condition
        } else {
            EditorField::Name
        };
        SegmentEditor {
            condition: ConditionInput::new(kind, condition, original.clone()),
            original,
            file,
            kind,
            name: TextLine::with_text(name),
            description: TextLine::with_text(description),
            focus,
            save_error: None,
            saved: (
                name.to_string(),
                description.to_string(),
                condition.to_string(),
            ),
        }
    }

    pub fn draft(&self) -> SegmentDraft {
        SegmentDraft {
            original: self.original.clone(),
            name: self.name.text(),
            kind: EntityKindChoice(self.kind),
            description: self.description.text(),
            condition: self.condition.text(),
        }
    }

    /// Are there changes since opening (or the last save)?
    pub fn is_changed(&self) -> bool {
        let draft = self.draft();
        (draft.name, draft.description, draft.condition) != self.saved
    }

    pub fn handle(&mut self, input: &Input, context: &mut Context) -> EditorOutcome {
        match input.action {
            Some(Action::Save) => return self.save(context),
            Some(Action::Cancel) if self.condition.has_suggestions() => {
                self.condition.close_suggestions();
            }
            Some(Action::Cancel) => {
                if !self.is_changed() {
                    return EditorOutcome::Close;
                }
                context.out.popups.push(Popup::Confirm(ConfirmPopup::new(
                    "Discard your changes to this segment?",
                    Confirmation::DiscardEdits,
                )));
            }
            Some(Action::NextField) => {
                if self.focus != EditorField::Condition || !self.condition.accept_suggestion() {
                    self.focus = match self.focus {
                        EditorField::Name => EditorField::Description,
                        EditorField::Description => EditorField::Condition,
                        EditorField::Condition => EditorField::Name,
                    };
                    self.condition.close_suggestions();
                }
            }
            Some(action @ (Action::NextSuggestion | Action::PreviousSuggestion))
                if self.focus == EditorField::Condition
                    && self
                        .condition
                        .move_suggestion(action == Action::NextSuggestion) => {}
            Some(Action::PreviousField) => {
                self.focus = match self.focus {
                    EditorField::Name => EditorField::Condition,
                    EditorField::Description => EditorField::Name,
                    EditorField::Condition => EditorField::Description,
                };
                self.condition.close_suggestions();
            }
            _ => {
                if let Some(key) = input.key {
                    let changed = match self.focus {
                        EditorField::Name => self.name.input(key),
                        EditorField::Description => self.description.input(key),
                        EditorField::Condition => {
                            self.condition.type_key(key, context.workspace.as_deref())
                        }
                    };
                    if changed {
                        self.save_error = None;
                    }
                }
            }
        }
        EditorOutcome::Stay
    }

    fn save(&mut self, context: &mut Context) -> EditorOutcome {
        let draft = self.draft();
        let Some(workspace) = context.workspace() else {
            return EditorOutcome::Stay;
        };
        match workspace.save_segment(&draft) {
            Ok(report) => {
                let (entered, exited) = report.membership.iter().fold((0, 0), |(e, x), count| {
                    (e + count.entered, x + count.exited)
                });
                let place = self
                    .file
                    .as_deref()
                    .map_or(String::new(), |f| format!(" in {f}"));
                let name = draft.name.trim().to_string();
                context.out.changed.merge(Changed::EVERYTHING);
                context.out.wrote_files |= self.file.is_some();
                context.out.info(format!(
                    "saved \"{name}\"{place}: {entered} entered, {exited} left"
                ));
                EditorOutcome::Saved(name)
            }
            Err(failure) => {
                let summary = failure.summary();
                if let SaveFailure::Invalid { .. } = failure {
                    self.save_error = Some(summary.clone());
                }
                context.out.error(format!("not saved: {summary}"));
                EditorOutcome::Stay
            }
        }
    }

    pub fn tick(&mut self, now: Instant, workspace: &Workspace) -> bool {
        self.condition.tick(now, workspace)
    }

    pub fn deadline(&self) -> Option<Instant> {
        self.condition.deadline()
    }

    pub fn draw(&self, frame: &mut Frame, area: Rect, look: &Look) {
        let theme = look.theme;
        let verb = if self.original.is_some() {
            "Edit"
        } else {
            "New"
        };
        let mut title = format!(" {verb} {} segment ", self.kind.singular());
        if let Some(file) = &self.file {
            title.push_str(&format!("— saving writes it back to {} ", file_name(file)));
        }
        let outer = Block::default()
            .borders(Borders::ALL)
            .title(Span::styled(title, theme.title()));
        let inner = outer.inner(area);
        frame.render_widget(outer, area);
        let [name, description, condition, outcome, hints] = Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Length(self.condition.height()),
            Constraint::Min(1),
            Constraint::Length(1),
        ])
        .areas(inner);
        self.draw_field(frame, EditorField::Name, "Name        ", name, look);
        self.draw_field(
            frame,
            EditorField::Description,
            "Description ",
            description,
            look,
        );
        self.condition.draw_area(
            frame,
            condition,
            self.focus == EditorField::Condition,
            theme,
        );
        let mut lines = Vec::new();
        if let Some(error) = &self.save_error {
            lines.push(Line::from(Span::styled(
                format!("Not saved: {error}"),
                theme.error(),
            )));
        }
        lines.extend(self.condition.outcome_lines(theme));
        frame.render_widget(Paragraph::new(lines).wrap(Wrap { trim: false }), outcome);
        let mut spans = Vec::new();
        for (action, label) in [
            (Action::Save, "save"),
            (Action::Cancel, "cancel"),
            (Action::NextField, "next field or take suggestion"),
        ] {
            spans.push(Span::styled(look.keymap.keys_label(action), theme.key()));
            spans.push(Span::raw(format!(" {label}  ")));
        }
        spans.push(Span::styled(
            format!(
                "{}{}",
                look.keymap.key_label(Action::PreviousSuggestion),
                look.keymap.key_label(Action::NextSuggestion)
            ),
            theme.key(),
        ));
        spans.push(Span::raw(" choose"));
        frame.render_widget(Paragraph::new(Line::from(spans)), hints);
        if self.focus == EditorField::Condition {
            self.condition
                .draw_suggestions(frame, condition, area, theme);
        }
    }

    fn draw_field(
        &self,
        frame: &mut Frame,
        field: EditorField,
        label: &str,
        area: Rect,
        look: &Look,
    ) {
        let [label_area, input_area] =
            Layout::horizontal([Constraint::Length(label.len() as u16), Constraint::Min(1)])
                .areas(area);
        let focused = self.focus == field;
        let style = if focused {
            look.theme.focused_border()
        } else {
            look.theme.normal()
        };
        frame.render_widget(Paragraph::new(Span::styled(label, style)), label_area);
        match field {
            EditorField::Name => self.name.draw(frame, input_area, focused),
            EditorField::Description => self.description.draw(frame, input_area, focused),
            EditorField::Condition => {}
        }
    }
}

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
use crate::model::ast::SegmentDefinition;
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

/// How a save goes: checked (the default), over a file's newer version,
/// or renaming together with the references others make to the segment.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SaveHow {
    Checked,
    Overwrite,
    UpdatingReferences,
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
    /// The stored definition's text when opened (see `SegmentDraft`).
    based_on: Option<String>,
    /// The condition typed before a reload from the file, kept in view.
    replaced_draft: Option<String>,
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
        Some(SegmentEditor::opened_on(
            stored.name.clone(),
            file,
            &stored.name,
            segment,
            stored.text.clone(),
        ))
    }

    /// An editor on a stored (or filed) definition: `original` is the name
    /// it is known by, `based_on` its canonical text as opened.
    fn opened_on(
        original: String,
        file: Option<String>,
        name: &str,
        segment: &SegmentDefinition,
        based_on: String,
    ) -> SegmentEditor {
        let description = segment
            .description
            .as_ref()
            .map(|d| d.value.clone())
            .unwrap_or_default();
        let condition = format_condition(&segment.condition);
        let mut editor = SegmentEditor::with(
            Some(original),
            file,
            segment.kind,
            name,
            &description,
            &condition,
        );
        editor.based_on = Some(based_on);
        editor
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
            based_on: None,
            replaced_draft: None,
        }
    }

    pub fn draft(&self) -> SegmentDraft {
        SegmentDraft {
            original: self.original.clone(),
            name: self.name.text(),
            kind: EntityKindChoice(self.kind),
            description: self.description.text(),
            condition: self.condition.text(),
            based_on: self.based_on.clone(),
        }
    }

    /// Are there changes since opening (or the last save)?
    pub fn is_changed(&self) -> bool {
        let draft = self.draft();
        (draft.name, draft.description, draft.condition) != self.saved
    }

    pub fn handle(&mut self, input: &Input, context: &mut Context) -> EditorOutcome {
        match input.action {
            Some(Action::Save) => return self.save(context, SaveHow::Checked),
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
                if self.focus != EditorField::Condition
                    || !self
                        .condition
                        .accept_suggestion(context.workspace.as_deref())
                {
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
            _ if input.pasted.is_some() => {
                let text = input.pasted.as_deref().unwrap_or_default();
                let changed = match self.focus {
                    EditorField::Name => self.name.paste(text),
                    EditorField::Description => self.description.paste(text),
                    EditorField::Condition => match self.condition.paste(text) {
                        Ok(()) => true,
                        Err(why) => {
                            context.out.error(why);
                            false
                        }
                    },
                };
                if changed {
                    self.save_error = None;
                }
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

    /// Saves; `overwrite` saves over a definition that changed in its file
    /// since the editor opened it.
    pub fn save(&mut self, context: &mut Context, how: SaveHow) -> EditorOutcome {
        let mut draft = self.draft();
        if how == SaveHow::Overwrite {
            draft.based_on = None;
        }
        let Some(workspace) = context.workspace() else {
            return EditorOutcome::Stay;
        };
        let saved = if how == SaveHow::UpdatingReferences {
            workspace.rename_segment_updating_references(&draft)
        } else {
            workspace.save_segment(&draft)
        };
        match saved {
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
                match failure {
                    SaveFailure::Invalid { .. } => self.save_error = Some(summary.clone()),
                    SaveFailure::ChangedOnDisk { .. } => {
                        context.out.popups.push(Popup::Confirm(ConfirmPopup::new(
                            format!("{summary}. Overwrite it with yours?"),
                            Confirmation::OverwriteChangedFile,
                        )));
                    }
                    SaveFailure::ReferencedRename {
                        old,
                        new,
                        referrers,
                    } => {
                        let count = match referrers.len() {
                            1 => "the reference".to_string(),
                            n => format!("{n} references"),
                        };
                        context.out.popups.push(Popup::Confirm(ConfirmPopup::new(
                            format!(
                                "Rename \"{old}\" to \"{new}\" and update {count} in {}?",
                                referrers.join(", ")
                            ),
                            Confirmation::RenameUpdatingReferences,
                        )));
                    }
                    _ => {}
                }
                context.out.error(format!("not saved: {summary}"));
                EditorOutcome::Stay
            }
        }
    }

    /// Takes the definition as its file holds it now; the draft it replaces
    /// goes to the message log, whole, so nothing typed is lost.
    pub fn reload_from_file(&mut self, context: &mut Context) {
        let (Some(file), Some(original)) = (self.file.clone(), self.original.clone()) else {
            return;
        };
        let Some(workspace) = context.workspace() else {
            return;
        };
        match workspace.segment_in_file(&file, &original) {
            Ok((segment, text)) => {
                let draft = self.draft();
                let mut reloaded = SegmentEditor::opened_on(
                    original,
                    Some(file.clone()),
                    &segment.name.text,
                    &segment,
                    text,
                );
                reloaded.replaced_draft = Some(draft.condition.clone());
                *self = reloaded;
                context.out.info(format!(
                    "reloaded \"{}\" from {file}; your draft was:\nname: {}\ndescription: {}\ncondition: {}",
                    segment.name.text, draft.name, draft.description, draft.condition
                ));
            }
            Err(failure) => context
                .out
                .error(format!("not reloaded: {}", failure.summary())),
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
        // The condition keeps at least one row of text: in a small window the
        // fields not focused give way, the hints too, and the outcome keeps
        // one line.
        let condition_height = self.condition.height();
        let tight = inner.height < condition_height + 4;
        let keep = |field: EditorField| !tight || self.focus == field;
        let rows = |shown: bool, height: u16| Constraint::Length(if shown { height } else { 0 });
        let [name, description, condition, outcome, hints] = Layout::vertical([
            rows(keep(EditorField::Name), 1),
            rows(keep(EditorField::Description), 1),
            if tight {
                Constraint::Min(3)
            } else {
                Constraint::Length(condition_height)
            },
            if tight {
                Constraint::Length(1)
            } else {
                Constraint::Min(1)
            },
            rows(!tight, 1),
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
        lines.extend(self.condition.outcome_lines(theme, outcome.width));
        if let Some(draft) = &self.replaced_draft {
            lines.push(Line::from(Span::styled(
                format!("Your draft before the reload: {}", draft.replace('\n', " ")),
                theme.dim(),
            )));
        }
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

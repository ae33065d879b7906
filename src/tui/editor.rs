//! The segment editor's state: name, description and condition fields, the
//! live preview (debounced), completion, and whether there are unsaved
//! changes. Drawing lives in `draw/editor.rs`.

use std::time::{Duration, Instant};

use crossterm::event::KeyEvent;
use ratatui_textarea::{CursorMove, TextArea};

use super::completion::{Suggestion, suggestions};
use crate::lang::Diagnostic;
use crate::lang::format::format_condition;
use crate::model::EntityKind;
use crate::workspace::{EntityKindChoice, Preview, SegmentDraft, Workspace};

/// How long typing must pause before the preview is evaluated.
pub const DEBOUNCE: Duration = Duration::from_millis(120);

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Name,
    Description,
    Condition,
}

/// The result of the last preview.
#[derive(Clone, Debug, PartialEq)]
pub enum PreviewState {
    /// Typing; the preview will follow.
    Pending,
    Ready(Preview),
    Invalid(Vec<Diagnostic>),
}

pub struct Editor {
    /// The segment being edited (`None` for a new one).
    pub original: Option<String>,
    /// The file that defines it, if one does.
    pub file: Option<String>,
    pub kind: EntityKind,
    pub name: TextArea<'static>,
    pub description: TextArea<'static>,
    pub condition: TextArea<'static>,
    pub focus: Field,
    pub preview: PreviewState,
    pub suggestions: Vec<Suggestion>,
    pub selected_suggestion: usize,
    /// Why the last save failed.
    pub save_error: Option<String>,
    changed_at: Option<Instant>,
    saved: (String, String, String),
}

fn field(text: &str) -> TextArea<'static> {
    let lines: Vec<String> = if text.is_empty() {
        vec![String::new()]
    } else {
        text.lines().map(str::to_string).collect()
    };
    let mut area = TextArea::new(lines);
    area.set_cursor_line_style(ratatui::style::Style::new());
    area.move_cursor(CursorMove::Bottom);
    area.move_cursor(CursorMove::End);
    area
}

impl Editor {
    /// An editor for a new segment of `kind`.
    pub fn new_segment(kind: EntityKind) -> Editor {
        Editor::with(None, None, kind, "", "", "")
    }

    /// An editor for an existing segment.
    pub fn for_segment(workspace: &Workspace, name: &str) -> Option<Editor> {
        let (stored, segment) = workspace.segment_definition(name)?;
        let file = match &stored.origin {
            crate::model::Origin::File(path) => Some(path.clone()),
            crate::model::Origin::Interactive => None,
        };
        let description = segment.description.map(|d| d.value).unwrap_or_default();
        let condition = format_condition(&segment.condition);
        Some(Editor::with(
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
    ) -> Editor {
        let focus = if original.is_some() {
            Field::Condition
        } else {
            Field::Name
        };
        Editor {
            original,
            file,
            kind,
            name: field(name),
            description: field(description),
            condition: field(condition),
            focus,
            preview: PreviewState::Pending,
            suggestions: Vec::new(),
            selected_suggestion: 0,
            save_error: None,
            changed_at: Some(Instant::now() - DEBOUNCE),
            saved: (
                name.to_string(),
                description.to_string(),
                condition.to_string(),
            ),
        }
    }

    pub fn condition_text(&self) -> String {
        self.condition.lines().join("\n")
    }

    pub fn draft(&self) -> SegmentDraft {
        SegmentDraft {
            original: self.original.clone(),
            name: self.name.lines().join(" "),
            kind: EntityKindChoice(self.kind),
            description: self.description.lines().join(" "),
            condition: self.condition_text(),
        }
    }

    /// Are there changes since opening (or the last save)?
    pub fn is_changed(&self) -> bool {
        let draft = self.draft();
        (draft.name, draft.description, draft.condition) != self.saved
    }

    /// Takes a key typed into the focused field; returns whether it changed
    /// the text.
    pub fn type_key(&mut self, key: KeyEvent, workspace: &Workspace) -> bool {
        let single_line = self.focus != Field::Condition;
        if single_line && matches!(key.code, crossterm::event::KeyCode::Enter) {
            return false;
        }
        let area = match self.focus {
            Field::Name => &mut self.name,
            Field::Description => &mut self.description,
            Field::Condition => &mut self.condition,
        };
        let changed = area.input(key);
        if changed {
            self.changed_at = Some(Instant::now());
            self.preview = PreviewState::Pending;
            self.save_error = None;
        }
        self.refresh_suggestions(workspace);
        changed
    }

    /// Moves focus; `Tab` in the condition takes a shown suggestion instead.
    pub fn next_field(&mut self, workspace: &Workspace) {
        if self.focus == Field::Condition && !self.suggestions.is_empty() {
            self.accept_suggestion(workspace);
            return;
        }
        self.focus = match self.focus {
            Field::Name => Field::Description,
            Field::Description => Field::Condition,
            Field::Condition => Field::Name,
        };
        self.suggestions.clear();
    }

    pub fn previous_field(&mut self) {
        self.focus = match self.focus {
            Field::Name => Field::Condition,
            Field::Description => Field::Name,
            Field::Condition => Field::Description,
        };
        self.suggestions.clear();
    }

    pub fn move_suggestion(&mut self, down: bool) -> bool {
        if self.suggestions.is_empty() {
            return false;
        }
        let count = self.suggestions.len();
        self.selected_suggestion = if down {
            (self.selected_suggestion + 1) % count
        } else {
            (self.selected_suggestion + count - 1) % count
        };
        true
    }

    fn text_before_cursor(&self) -> String {
        let cursor = self.condition.cursor();
        let (row, column) = (cursor.0, cursor.1);
        let lines = self.condition.lines();
        let mut before: Vec<String> = lines[..row.min(lines.len())].to_vec();
        if let Some(line) = lines.get(row) {
            before.push(line.chars().take(column).collect());
        }
        before.join("\n")
    }

    fn refresh_suggestions(&mut self, workspace: &Workspace) {
        self.suggestions.clear();
        self.selected_suggestion = 0;
        if self.focus != Field::Condition {
            return;
        }
        let before = self.text_before_cursor();
        let properties = workspace.property_types(self.kind);
        let segments = workspace.engine().segment_names();
        self.suggestions = suggestions(&before, self.kind, &properties, &segments);
    }

    fn accept_suggestion(&mut self, workspace: &Workspace) {
        let Some(suggestion) = self.suggestions.get(self.selected_suggestion).cloned() else {
            return;
        };
        let before = self.text_before_cursor();
        let (word, _) = super::completion::typed_word(&before);
        for _ in 0..word.chars().count() {
            self.condition.delete_char();
        }
        self.condition.insert_str(&suggestion.insert);
        self.changed_at = Some(Instant::now());
        self.preview = PreviewState::Pending;
        self.refresh_suggestions(workspace);
        self.suggestions.clear();
    }

    /// Evaluates the preview once typing has paused; returns whether it did.
    pub fn tick(&mut self, now: Instant, workspace: &Workspace) -> bool {
        match self.changed_at {
            Some(changed) if now.duration_since(changed) >= DEBOUNCE => {
                self.changed_at = None;
                self.refresh_preview(workspace);
                true
            }
            _ => false,
        }
    }

    /// Evaluates the preview now.
    pub fn refresh_preview(&mut self, workspace: &Workspace) {
        let text = self.condition_text();
        self.preview = match workspace.preview(self.kind, &text, self.original.as_deref()) {
            Ok(preview) => PreviewState::Ready(preview),
            Err(diagnostics) => PreviewState::Invalid(diagnostics),
        };
    }

    /// When the next preview is due, if one is.
    pub fn deadline(&self) -> Option<Instant> {
        self.changed_at.map(|changed| changed + DEBOUNCE)
    }

    /// After a successful save: the saved text is the new baseline.
    pub fn mark_saved(&mut self) {
        let draft = self.draft();
        self.original = Some(draft.name.trim().to_string());
        self.saved = (draft.name, draft.description, draft.condition);
        self.save_error = None;
    }
}

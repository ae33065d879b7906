//! The playbook editor, opened over the Playbooks screen: name, kind,
//! description, the `when` condition in the shared condition input (checked
//! live, with the condition builder on a key for Segments in / not in and
//! any property), runs every entry or once, skip existing, and the actions
//! one a line as a `.seg` file writes them. While typing it shows how many
//! entities match now and how many of them would fire on save; a draft is
//! read by the language's own parser, and each problem is shown in the part
//! it is in. Saving goes through the workspace. Drawing is `editor_draw`'s.

use std::time::Instant;

use crossterm::event::{KeyCode, KeyModifiers};

use ratatui_textarea::{CursorMove, TextArea};

use super::super::{Changed, Context, Input};
use crate::model::EntityKind;
use crate::model::playbook::Runs;
use crate::tui::action::Action;
use crate::tui::popups::{ConfirmPopup, Confirmation, Popup};
use crate::tui::widgets::builder::{BuilderOutcome, ConditionBuilder};
use crate::tui::widgets::condition_input::{
    ConditionInput, DEBOUNCE, MAX_CONDITION_BYTES, PreviewState,
};
use crate::tui::widgets::text::pasted_lines;
use crate::tui::widgets::text_line::TextLine;
use crate::workspace::{DraftPart, DraftProblem, PlaybookDraft, Workspace};

/// The editor's fields, in Tab order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Field {
    Name,
    Kind,
    Description,
    When,
    Runs,
    Skip,
    Actions,
}

const ORDER: [Field; 7] = [
    Field::Name,
    Field::Kind,
    Field::Description,
    Field::When,
    Field::Runs,
    Field::Skip,
    Field::Actions,
];

impl Field {
    /// A field changed with the choice key rather than typed into.
    pub fn is_choice(self) -> bool {
        matches!(self, Field::Kind | Field::Runs | Field::Skip)
    }
}

/// What the editor asks of the screen that holds it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum EditorOutcome {
    Stay,
    Close,
    /// Saved under this name: close and select it.
    Saved(String),
}

pub struct PlaybookEditor {
    /// The playbook being edited (`None` for a new one): its name is kept.
    pub(super) original: Option<String>,
    /// The file that defines it, if one does.
    pub(super) file: Option<String>,
    pub(super) name: TextLine,
    pub(super) kind: EntityKind,
    pub(super) description: TextLine,
    pub(super) when: ConditionInput,
    pub(super) runs: Runs,
    pub(super) skip_existing: bool,
    pub(super) actions: TextArea<'static>,
    pub(super) focus: Field,
    pub(super) builder: Option<Box<ConditionBuilder>>,
    /// How many would fire on save, for the condition last checked (or why
    /// that cannot be told).
    pub(super) firing: Option<Result<usize, String>>,
    /// The draft's problems outside `when`, as last read.
    pub(super) problems: Vec<DraftProblem>,
    pub(super) save_error: Option<String>,
    /// When the draft changed and was not read since.
    changed_at: Option<Instant>,
    /// Whether typing into a kept name was explained already.
    told_name_is_kept: bool,
    /// The draft as opened or last saved.
    saved: PlaybookDraft,
}

impl PlaybookEditor {
    /// An editor for a new playbook of `kind`, with a `log` action to start
    /// from.
    pub fn new_playbook(kind: EntityKind) -> PlaybookEditor {
        let draft = PlaybookDraft {
            name: String::new(),
            kind,
            description: String::new(),
            when: String::new(),
            runs: Runs::EveryEntry,
            skip_existing: false,
            actions: String::new(),
        };
        let mut editor = PlaybookEditor::with(None, None, &draft);
        editor.focus = Field::Name;
        editor
    }

    /// An editor for an existing playbook.
    pub fn for_playbook(workspace: &Workspace, name: &str) -> Option<PlaybookEditor> {
        let (draft, file) = workspace.playbook_draft(name)?;
        let mut editor = PlaybookEditor::with(Some(draft.name.clone()), file, &draft);
        editor.focus = Field::When;
        Some(editor)
    }

    fn with(original: Option<String>, file: Option<String>, draft: &PlaybookDraft) -> Self {
        let mut actions = TextArea::new(if draft.actions.is_empty() {
            vec![String::new()]
        } else {
            draft.actions.lines().map(str::to_string).collect()
        });
        actions.set_cursor_line_style(ratatui::style::Style::new());
        actions.move_cursor(CursorMove::Bottom);
        actions.move_cursor(CursorMove::End);
        PlaybookEditor {
            when: ConditionInput::new(draft.kind, &draft.when, None).matching_only(" When "),
            original,
            file,
            name: TextLine::with_text(&draft.name),
            kind: draft.kind,
            description: TextLine::with_text(&draft.description),
            runs: draft.runs,
            skip_existing: draft.skip_existing,
            actions,
            focus: Field::Name,
            builder: None,
            firing: None,
            problems: Vec::new(),
            save_error: None,
            changed_at: Some(Instant::now() - DEBOUNCE),
            told_name_is_kept: false,
            saved: draft.clone(),
        }
    }

    pub fn draft(&self) -> PlaybookDraft {
        PlaybookDraft {
            name: self.name.text(),
            kind: self.kind,
            description: self.description.text(),
            when: self.when.text(),
            runs: self.runs,
            skip_existing: self.skip_existing,
            actions: self.actions.lines().join("\n"),
        }
    }

    pub fn is_changed(&self) -> bool {
        self.draft() != self.saved
    }

    pub fn is_new(&self) -> bool {
        self.original.is_none()
    }

    /// Whether the condition builder is open (it takes the keys).
    pub fn building(&self) -> bool {
        self.builder.is_some()
    }

    pub fn handle(&mut self, input: &Input, context: &mut Context) -> EditorOutcome {
        if self.builder.is_some() {
            self.handle_builder(input, context);
            return EditorOutcome::Stay;
        }
        match input.action {
            Some(Action::Save) => return self.save(context),
            Some(Action::Cancel) if self.when.has_suggestions() => self.when.close_suggestions(),
            Some(Action::Cancel) => {
                if !self.is_changed() {
                    return EditorOutcome::Close;
                }
                context.out.popups.push(Popup::Confirm(ConfirmPopup::new(
                    "Discard your changes to this playbook?",
                    Confirmation::DiscardEdits,
                )));
            }
            Some(Action::NextField) => {
                if self.focus != Field::When
                    || !self.when.accept_suggestion(context.workspace.as_deref())
                {
                    self.step_focus(true);
                }
            }
            Some(Action::PreviousField) => self.step_focus(false),
            Some(action @ (Action::NextSuggestion | Action::PreviousSuggestion))
                if self.focus == Field::When
                    && self.when.move_suggestion(action == Action::NextSuggestion) => {}
            Some(Action::BuildCondition) => self.open_builder(context),
            Some(Action::ToggleChoice) if self.focus.is_choice() => self.toggle_choice(context),
            _ if input.pasted.is_some() => {
                self.paste(input.pasted.as_deref().unwrap_or_default(), context)
            }
            _ => self.type_key(input, context),
        }
        EditorOutcome::Stay
    }

    fn step_focus(&mut self, forward: bool) {
        let at = ORDER.iter().position(|f| *f == self.focus).unwrap_or(0);
        let count = ORDER.len();
        let next = if forward {
            (at + 1) % count
        } else {
            (at + count - 1) % count
        };
        self.focus = ORDER[next];
        self.when.close_suggestions();
    }

    fn type_key(&mut self, input: &Input, context: &mut Context) {
        let Some(key) = input.key else {
            return;
        };
        let changed = match self.focus {
            Field::Name if self.original.is_some() => {
                let typed = matches!(key.code, KeyCode::Char(_) | KeyCode::Backspace)
                    && !key.modifiers.contains(KeyModifiers::CONTROL);
                if typed && !self.told_name_is_kept {
                    self.told_name_is_kept = true;
                    context.out.info(
                        "a playbook keeps its name (whom it fired for is kept by name): make a new playbook and delete this one to rename it",
                    );
                }
                false
            }
            Field::Name => self.name.input(key),
            Field::Description => self.description.input(key),
            Field::When => self.when.type_key(key, context.workspace.as_deref()),
            Field::Actions => self.actions.input(key),
            Field::Kind | Field::Runs | Field::Skip => false,
        };
        if changed {
            self.touched();
        }
    }

    /// A paste as one edit in the field with the focus, checked once: the
    /// condition within its bound, the actions as lines; a choice takes
    /// none, nor a kept name.
    fn paste(&mut self, text: &str, context: &mut Context) {
        let changed = match self.focus {
            Field::Name if self.original.is_some() => false,
            Field::Name => self.name.paste(text),
            Field::Description => self.description.paste(text),
            Field::When => match self.when.paste(text) {
                Ok(()) => true,
                Err(why) => {
                    context.out.error(why);
                    false
                }
            },
            Field::Actions => {
                let text = pasted_lines(text);
                let lines = self.actions.lines();
                let length = lines.iter().map(String::len).sum::<usize>() + lines.len();
                if length + text.len() > MAX_CONDITION_BYTES {
                    context.out.error(format!(
                        "not pasted: the actions would be more than {} MiB",
                        MAX_CONDITION_BYTES / (1024 * 1024)
                    ));
                    false
                } else {
                    self.actions.insert_str(text)
                }
            }
            Field::Kind | Field::Runs | Field::Skip => false,
        };
        if changed {
            self.touched();
        }
    }

    fn touched(&mut self) {
        self.save_error = None;
        self.changed_at = Some(Instant::now());
        if self.focus == Field::When {
            self.firing = None;
        }
    }

    fn toggle_choice(&mut self, context: &mut Context) {
        match self.focus {
            Field::Kind => {
                self.kind = match self.kind {
                    EntityKind::Users => EntityKind::Accounts,
                    EntityKind::Accounts => EntityKind::Users,
                };
                self.when.set_kind(self.kind);
                self.firing = None;
                if self.original.is_some() {
                    context.out.info(format!(
                        "now for {}: on save, whom it matched and fired for before are forgotten",
                        self.kind
                    ));
                }
            }
            Field::Runs => {
                self.runs = match self.runs {
                    Runs::EveryEntry => Runs::Once,
                    Runs::Once => Runs::EveryEntry,
                };
                self.firing = None;
            }
            Field::Skip => {
                self.skip_existing = !self.skip_existing;
                self.firing = None;
            }
            _ => return,
        }
        self.touched();
        // A choice changes who would fire: count again at the next tick.
        self.changed_at = Some(Instant::now() - DEBOUNCE);
    }

    fn open_builder(&mut self, context: &mut Context) {
        let Some(workspace) = context.workspace() else {
            return;
        };
        let catalog = workspace.property_catalog(self.kind);
        self.when.close_suggestions();
        self.builder = Some(Box::new(ConditionBuilder::new(self.kind, catalog)));
    }

    fn handle_builder(&mut self, input: &Input, context: &mut Context) {
        let page = context.page_rows;
        let (Some(builder), Some(workspace)) =
            (self.builder.as_mut(), context.workspace.as_deref())
        else {
            self.builder = None;
            return;
        };
        match builder.handle(input.key, input.action, workspace, page) {
            BuilderOutcome::Stay => {}
            BuilderOutcome::Cancelled => self.builder = None,
            BuilderOutcome::Done(chip) => {
                self.builder = None;
                self.when.add_condition(&chip.text);
                self.focus = Field::When;
                self.touched();
                context.out.info(format!("when: added {}", chip.text));
            }
        }
    }

    /// Reads the draft; saves it through the workspace when it reads.
    fn save(&mut self, context: &mut Context) -> EditorOutcome {
        let draft = self.draft();
        let playbook = match draft.read() {
            Ok(playbook) => playbook,
            Err(problems) => {
                let summary = problems
                    .first()
                    .map_or_else(|| "the draft does not read".to_string(), |p| p.summary());
                self.problems = problems;
                self.save_error = Some(summary.clone());
                context.out.error(format!("not saved: {summary}"));
                return EditorOutcome::Stay;
            }
        };
        let Some(workspace) = context.workspace() else {
            return EditorOutcome::Stay;
        };
        match workspace.save_playbook(&playbook, self.original.as_deref()) {
            Ok(_) => {
                let place = self
                    .file
                    .as_deref()
                    .map_or(String::new(), |f| format!(" in {f}"));
                context.out.changed.merge(Changed::EVERYTHING);
                context.out.wrote_files |= self.file.is_some();
                context
                    .out
                    .info(format!("saved playbook \"{}\"{place}", playbook.name));
                EditorOutcome::Saved(playbook.name)
            }
            Err(failure) => {
                let summary = failure.summary();
                self.save_error = Some(summary.clone());
                context.out.error(format!("not saved: {summary}"));
                EditorOutcome::Stay
            }
        }
    }

    /// Checks what changed once typing has paused: the condition (by the
    /// input), who would fire on save, and the draft's other problems.
    pub fn tick(&mut self, now: Instant, workspace: &Workspace) -> bool {
        let checked = self.when.tick(now, workspace);
        let due = self
            .changed_at
            .is_some_and(|changed| now.duration_since(changed) >= DEBOUNCE);
        if due {
            self.changed_at = None;
            self.problems = match self.draft().read() {
                Ok(_) => Vec::new(),
                Err(problems) => problems
                    .into_iter()
                    .filter(|p| p.part != DraftPart::When)
                    .collect(),
            };
        }
        let count = (checked || due || self.firing.is_none())
            && matches!(self.when.preview(), PreviewState::Ready(_));
        if count {
            self.firing = Some(
                workspace
                    .playbook_firing_on_save(
                        self.original.as_deref(),
                        self.kind,
                        &self.when.text(),
                        self.runs,
                        self.skip_existing,
                    )
                    .map_err(|diagnostics| {
                        diagnostics
                            .first()
                            .map_or_else(String::new, |d| d.message.clone())
                    }),
            );
        }
        checked || due || count
    }

    pub fn deadline(&self) -> Option<Instant> {
        let draft = self.changed_at.map(|changed| changed + DEBOUNCE);
        match (self.when.deadline(), draft) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

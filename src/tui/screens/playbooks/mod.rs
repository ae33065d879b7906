//! The Playbooks screen: the automations in a table (enabled, name, kind,
//! trigger, actions, fires in the last 24 hours, webhooks pending, entities
//! matching now) and below it the selected one's definition and runs log —
//! each firing (when, which entity, how deep in a chain) with what became
//! of each action: done, pending with its next try and last error, or
//! failed with the reason.
//!
//! Space (or `t`) disables a playbook, or enables one again — asking first
//! whether to fire for who started to match while it was off; `n` makes a
//! playbook and Enter edits one in the editor (`editor`); `d` deletes one
//! made here. Every change goes through the workspace; what playbooks did
//! reaches the message log from the app, which also delivers their
//! webhooks on a worker. Drawing is `draw`'s.

mod draw;
mod editor;
mod editor_draw;

use std::time::Instant;

use ratatui::Frame;
use ratatui::layout::Rect;

use super::{Changed, Context, Handled, Input, Look, Screen, ScreenId};
use crate::model::playbook_run::Firing;
use crate::model::{EntityKind, Origin, fold_name};
use crate::tui::action::{Action, Scope};
use crate::tui::popups::{ConfirmPopup, Confirmation, Popup};
use crate::workspace::{PlaybookSummary, Workspace};
use editor::{EditorOutcome, PlaybookEditor};

/// Firings the runs log reads of the selected playbook.
const FIRINGS: usize = 200;

pub struct PlaybooksScreen {
    /// The playbooks, or why they could not be read.
    entries: Result<Vec<PlaybookSummary>, String>,
    selected: usize,
    /// The selected playbook's firings, newest first.
    firings: Result<Vec<Firing>, String>,
    /// The selected firing of the runs log.
    firing: usize,
    editor: Option<PlaybookEditor>,
    /// The playbook to select at the next refresh (one just saved).
    pending_select: Option<String>,
}

impl PlaybooksScreen {
    pub fn new() -> PlaybooksScreen {
        PlaybooksScreen {
            entries: Ok(Vec::new()),
            selected: 0,
            firings: Ok(Vec::new()),
            firing: 0,
            editor: None,
            pending_select: None,
        }
    }

    fn list(&self) -> &[PlaybookSummary] {
        match &self.entries {
            Ok(entries) => entries,
            Err(_) => &[],
        }
    }

    fn entry(&self) -> Option<&PlaybookSummary> {
        self.list().get(self.selected)
    }

    fn firings(&self) -> &[Firing] {
        match &self.firings {
            Ok(firings) => firings,
            Err(_) => &[],
        }
    }

    /// Re-reads the selected playbook's runs log.
    fn read_firings(&mut self, workspace: &Workspace) {
        // The selected firing stays selected when newer ones arrive.
        let kept = self.firings().get(self.firing).map(|firing| firing.id);
        self.firings = match self.entry() {
            Some(entry) => workspace
                .playbook_firings(&entry.playbook.name, FIRINGS)
                .map_err(|error| error.to_string()),
            None => Ok(Vec::new()),
        };
        if let Some(index) = kept.and_then(|id| self.firings().iter().position(|f| f.id == id)) {
            self.firing = index;
        }
        self.firing = self.firing.min(self.firings().len().saturating_sub(1));
    }

    fn select(&mut self, index: usize, workspace: Option<&Workspace>) {
        if index == self.selected {
            return;
        }
        self.selected = index;
        self.firing = 0;
        if let Some(workspace) = workspace {
            self.read_firings(workspace);
        }
    }

    fn move_selection(&mut self, action: Action, context: &mut Context) -> bool {
        let last = self.list().len().saturating_sub(1);
        let page = context.page_rows;
        let next = match action {
            Action::Up => self.selected.saturating_sub(1),
            Action::Down => (self.selected + 1).min(last),
            Action::Top => 0,
            Action::Bottom => last,
            Action::PageUp => self.selected.saturating_sub(page),
            Action::PageDown => (self.selected + page).min(last),
            _ => return false,
        };
        self.select(next, context.workspace.as_deref());
        true
    }

    /// The playbook a command names (the words after it at the prompt), or
    /// the selected one; selects it. `None` after saying why not.
    fn target(&mut self, arguments: &[String], context: &mut Context) -> Option<PlaybookSummary> {
        if arguments.is_empty() {
            let Some(entry) = self.entry() else {
                context.out.error(no_playbooks(context));
                return None;
            };
            return Some(entry.clone());
        }
        let name = arguments.join(" ");
        let name = name.trim().trim_matches('"');
        let index = self
            .list()
            .iter()
            .position(|entry| fold_name(&entry.playbook.name) == fold_name(name));
        match index {
            Some(index) => {
                self.select(index, context.workspace.as_deref());
                Some(self.list()[index].clone())
            }
            None => {
                let known: Vec<String> = self
                    .list()
                    .iter()
                    .map(|entry| format!("\"{}\"", entry.playbook.name))
                    .collect();
                let known = if known.is_empty() {
                    no_playbooks(context)
                } else {
                    format!("the playbooks are {}", known.join(", "))
                };
                context
                    .out
                    .error(format!("there is no playbook named \"{name}\": {known}"));
                None
            }
        }
    }

    fn toggle(&mut self, arguments: &[String], context: &mut Context) {
        let Some(entry) = self.target(arguments, context) else {
            return;
        };
        let name = entry.playbook.name.clone();
        let Some(workspace) = context.workspace() else {
            return;
        };
        if entry.enabled {
            match workspace.disable_playbook(&name) {
                Ok(()) => {
                    let again = context.keymap.key_label(Action::TogglePlaybook);
                    context.out.info(format!(
                        "disabled \"{name}\": it fires no more; {again} enables it again"
                    ));
                    context.out.changed.merge(Changed::DEFINITIONS);
                }
                Err(error) => context.out.error(format!("not disabled: {error}")),
            }
            return;
        }
        match workspace.playbook_catch_up_count(&name) {
            Ok(0) => self.enable(&name, false, context),
            Ok(count) => {
                let kind = entry.playbook.kind;
                let who = if count == 1 {
                    format!("1 {} started", kind.singular())
                } else {
                    format!("{count} {kind} started")
                };
                context.out.popups.push(Popup::Confirm(ConfirmPopup::new(
                    format!(
                        "Enable \"{name}\"? {who} to match it while it was disabled: fire for them now?"
                    ),
                    Confirmation::EnablePlaybookCatchingUp(name),
                )));
            }
            Err(error) => context.out.error(format!("not enabled: {error}")),
        }
    }

    fn enable(&mut self, name: &str, catch_up: bool, context: &mut Context) {
        let Some(workspace) = context.workspace() else {
            return;
        };
        match workspace.enable_playbook(name, catch_up) {
            Ok(()) => {
                let how = if catch_up {
                    "firing for who started to match while it was disabled"
                } else {
                    "who matches now is taken as matching and does not fire"
                };
                context.out.info(format!("enabled \"{name}\": {how}"));
                context.out.changed.merge(Changed::EVERYTHING);
            }
            Err(error) => context.out.error(format!("not enabled: {error}")),
        }
    }

    /// A new playbook is for users until its kind is changed.
    fn new_playbook(&mut self) {
        self.editor = Some(PlaybookEditor::new_playbook(EntityKind::Users));
    }

    fn edit(&mut self, arguments: &[String], context: &mut Context) {
        let Some(entry) = self.target(arguments, context) else {
            return;
        };
        let Some(workspace) = context.workspace() else {
            return;
        };
        match PlaybookEditor::for_playbook(workspace, &entry.playbook.name) {
            Some(editor) => self.editor = Some(editor),
            None => context.out.error(format!(
                "there is no playbook named \"{}\" any more",
                entry.playbook.name
            )),
        }
    }

    fn ask_delete(&mut self, arguments: &[String], context: &mut Context) {
        let Some(entry) = self.target(arguments, context) else {
            return;
        };
        let name = entry.playbook.name.clone();
        if let Origin::File(path) = &entry.origin {
            context.out.error(format!(
                "\"{name}\" is defined in {path}: remove it there and the file is applied again"
            ));
            return;
        }
        context.out.popups.push(Popup::Confirm(ConfirmPopup::new(
            format!("Delete playbook \"{name}\"? It fires no more; its runs log stays."),
            Confirmation::DeletePlaybook(name),
        )));
    }

    fn delete(&mut self, name: &str, context: &mut Context) {
        let Some(workspace) = context.workspace() else {
            return;
        };
        match workspace.delete_playbook(name) {
            Ok(_) => {
                context.out.info(format!("deleted playbook \"{name}\""));
                context.out.changed.merge(Changed::DEFINITIONS);
            }
            Err(error) => context.out.error(format!("not deleted: {error}")),
        }
    }

    fn move_firing(&mut self, forward: bool) {
        let last = self.firings().len().saturating_sub(1);
        self.firing = if forward {
            (self.firing + 1).min(last)
        } else {
            self.firing.saturating_sub(1)
        };
    }

    fn handle_editor(&mut self, input: &Input, context: &mut Context) {
        let Some(editor) = self.editor.as_mut() else {
            return;
        };
        match editor.handle(input, context) {
            EditorOutcome::Stay => {}
            EditorOutcome::Close => self.editor = None,
            EditorOutcome::Saved(name) => {
                self.editor = None;
                // The refresh that follows selects it.
                self.pending_select = Some(name);
            }
        }
    }
}

impl Default for PlaybooksScreen {
    fn default() -> PlaybooksScreen {
        PlaybooksScreen::new()
    }
}

impl Screen for PlaybooksScreen {
    fn id(&self) -> ScreenId {
        ScreenId::Playbooks
    }

    fn scopes(&self) -> &'static [Scope] {
        match &self.editor {
            Some(editor) if editor.building() => &[Scope::Picker, Scope::TextLine],
            Some(_) => &[Scope::PlaybookEditor, Scope::Editor],
            None => &[Scope::Playbooks, Scope::List],
        }
    }

    fn takes_text(&self) -> bool {
        self.editor.is_some()
    }

    /// The editor's fields take a paste as one edit; the condition
    /// builder's search has it typed in.
    fn takes_paste(&self) -> bool {
        self.editor
            .as_ref()
            .is_some_and(|editor| !editor.building())
    }

    fn unsaved_work(&self) -> Option<&'static str> {
        self.editor
            .as_ref()
            .filter(|editor| editor.is_changed())
            .map(|_| "your changes to the playbook")
    }

    fn handle(&mut self, input: &Input, context: &mut Context) -> Handled {
        if self.editor.is_some() {
            self.handle_editor(input, context);
            return Handled::Consumed;
        }
        let Some(action) = input.action else {
            return Handled::Ignored;
        };
        match action {
            Action::TogglePlaybook => self.toggle(&input.arguments, context),
            Action::NewPlaybook => self.new_playbook(),
            Action::EditPlaybook => self.edit(&input.arguments, context),
            Action::DeletePlaybook => self.ask_delete(&input.arguments, context),
            Action::NextFiring => self.move_firing(true),
            Action::PreviousFiring => self.move_firing(false),
            other => {
                if !self.move_selection(other, context) {
                    return Handled::Ignored;
                }
            }
        }
        Handled::Consumed
    }

    fn confirmed(&mut self, confirmation: &Confirmation, context: &mut Context) {
        match confirmation {
            Confirmation::DiscardEdits => {
                self.editor = None;
                context.out.info("changes discarded");
            }
            Confirmation::DeletePlaybook(name) => self.delete(name, context),
            Confirmation::EnablePlaybookCatchingUp(name) => self.enable(name, true, context),
            Confirmation::EnablePlaybookQuietly(name) => self.enable(name, false, context),
            _ => {}
        }
    }

    fn refresh(&mut self, workspace: &Workspace, _changed: &Changed) {
        let previous = self.entry().map(|entry| entry.playbook.name.clone());
        let selected = self.pending_select.take().or_else(|| previous.clone());
        self.entries = workspace.playbooks().map_err(|error| error.to_string());
        if let Some(name) = selected
            && let Some(index) = self
                .list()
                .iter()
                .position(|entry| fold_name(&entry.playbook.name) == fold_name(&name))
        {
            self.selected = index;
        }
        self.selected = self.selected.min(self.list().len().saturating_sub(1));
        let now_selected = self.entry().map(|entry| fold_name(&entry.playbook.name));
        if now_selected != previous.as_deref().map(fold_name) {
            // Another playbook's runs log starts at its newest firing.
            self.firing = 0;
        }
        self.read_firings(workspace);
    }

    fn tick(&mut self, now: Instant, workspace: &Workspace) -> bool {
        self.editor
            .as_mut()
            .is_some_and(|editor| editor.tick(now, workspace))
    }

    fn deadline(&self) -> Option<Instant> {
        self.editor.as_ref().and_then(PlaybookEditor::deadline)
    }

    fn draw(&self, frame: &mut Frame, area: Rect, look: &Look) {
        match &self.editor {
            Some(editor) => editor_draw::draw(editor, frame, area, look),
            None => draw::draw(self, frame, area, look),
        }
    }

    fn hints(&self) -> Vec<(Action, &'static str)> {
        if self.editor.is_some() {
            return vec![
                (Action::Save, "save"),
                (Action::Cancel, "cancel"),
                (Action::BuildCondition, "add a condition"),
                (Action::Help, "help"),
            ];
        }
        if self.list().is_empty() {
            return vec![
                (Action::NewPlaybook, "new"),
                (Action::Prompt, "apply FILE"),
                (Action::Help, "help"),
            ];
        }
        vec![
            (Action::TogglePlaybook, "on/off"),
            (Action::NewPlaybook, "new"),
            (Action::EditPlaybook, "edit"),
            (Action::DeletePlaybook, "delete"),
            (Action::NextFiring, "older firing"),
            (Action::PreviousFiring, "newer"),
            (Action::Help, "help"),
        ]
    }
}

/// What a command that needs a playbook says when there is none.
fn no_playbooks(context: &Context) -> String {
    format!(
        "no playbooks: {} creates one here, or define one in a .seg file — playbook \"Welcome\" for users {{ when ... log \"...\" }} — see grammar/README.md (Playbooks), then :apply FILE",
        context.keymap.key_label(Action::NewPlaybook)
    )
}

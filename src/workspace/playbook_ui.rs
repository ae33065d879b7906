//! What the terminal UI's playbook editor and toggle ask before they
//! change anything: a draft read as a playbook (with each problem placed in
//! the part of the editor it belongs to), who would fire if the draft were
//! saved now, and who would fire if a disabled playbook caught up when
//! enabled again. Reading only; saving is `playbook_saving`'s, enabling
//! `playbooks`'.

use fixedbitset::FixedBitSet;

use super::Workspace;
use super::playbooks::PlaybookFailure;
use crate::lang::format::{format_condition, quoted};
use crate::lang::playbook::{action_lines, playbook_from_block};
use crate::lang::{Diagnostic, line_column};
use crate::model::ast::{Definition, Node};
use crate::model::playbook::{Playbook, Runs};
use crate::model::{EntityKind, Origin, fold_name};

/// A playbook as the editor holds it: each part as typed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PlaybookDraft {
    pub name: String,
    pub kind: EntityKind,
    pub description: String,
    /// The `when` condition, in the language.
    pub when: String,
    pub runs: Runs,
    pub skip_existing: bool,
    /// One action a line, as a `.seg` file writes them.
    pub actions: String,
}

/// The part of a draft a problem is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DraftPart {
    /// The name, the description, or the playbook as a whole ("needs an
    /// action").
    Playbook,
    When,
    Actions,
}

/// One problem of a draft, placed in its part: `line` and `column` count
/// from 1 within that part's own text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DraftProblem {
    pub part: DraftPart,
    pub line: usize,
    pub column: usize,
    pub message: String,
    pub help: Option<String>,
}

impl DraftProblem {
    /// "actions, line 2, column 5: …".
    pub fn summary(&self) -> String {
        let place = match self.part {
            DraftPart::Playbook => return self.message.clone(),
            DraftPart::When => "when",
            DraftPart::Actions => "actions",
        };
        format!(
            "{place}, line {}, column {}: {}",
            self.line, self.column, self.message
        )
    }
}

impl PlaybookDraft {
    /// The draft of a playbook as it is defined.
    pub fn of(playbook: &Playbook) -> PlaybookDraft {
        PlaybookDraft {
            name: playbook.name.clone(),
            kind: playbook.kind,
            description: playbook.description.clone().unwrap_or_default(),
            when: format_condition(&playbook.when),
            runs: playbook.runs,
            skip_existing: playbook.skip_existing,
            actions: action_lines(&playbook.actions).join("\n"),
        }
    }

    /// Reads the draft as the language reads a `playbook` block (the same
    /// parser and checks as a `.seg` file), or says what is wrong, where.
    pub fn read(&self) -> Result<Playbook, Vec<DraftProblem>> {
        // `when` alone first: in the whole text a broken condition would run
        // on into the actions (newlines are only whitespace) and be blamed
        // on them.
        if let Err(diagnostics) = crate::lang::parse_condition(&self.when) {
            return Err(diagnostics
                .iter()
                .filter(|d| d.is_error())
                .map(|d| {
                    let at = line_column(&self.when, floor_char_boundary(&self.when, d.span.start));
                    DraftProblem {
                        part: DraftPart::When,
                        line: at.line,
                        column: at.column,
                        message: d.message.clone(),
                        help: d.help.clone(),
                    }
                })
                .collect());
        }
        let mut text = format!(
            "playbook {} for {} {{\n",
            quoted(self.name.trim()),
            self.kind
        );
        if !self.description.trim().is_empty() {
            text.push_str(&format!(
                "  description {}\n",
                quoted(self.description.trim())
            ));
        }
        // In parentheses, so a comment on its last line ends there.
        text.push_str("  when (");
        let when_at = text.len();
        text.push_str(&self.when);
        text.push_str("\n  )\n");
        if self.runs == Runs::Once {
            text.push_str("  runs once\n");
        }
        if self.skip_existing {
            text.push_str("  skip existing\n");
        }
        let actions_at = text.len();
        text.push_str(&self.actions);
        text.push_str("\n}\n");
        let (file, diagnostics) = crate::lang::parse_file(&text);
        let read = match file.definitions.as_slice() {
            [Definition::Block(block)] if diagnostics.is_empty() => playbook_from_block(block),
            _ if !diagnostics.is_empty() => Err(diagnostics),
            _ => Err(vec![Diagnostic::error(
                "the draft does not read as one playbook".to_string(),
                Default::default(),
            )]),
        };
        read.map_err(|diagnostics| {
            diagnostics
                .iter()
                .filter(|d| d.is_error())
                .map(|d| self.place(&text, d, when_at, actions_at))
                .collect()
        })
    }

    /// A diagnostic of the assembled text, in the part it points into.
    fn place(
        &self,
        text: &str,
        diagnostic: &Diagnostic,
        when_at: usize,
        actions_at: usize,
    ) -> DraftProblem {
        let start = diagnostic.span.start.min(text.len());
        let (part, own, offset) = if start >= actions_at && !self.actions.trim().is_empty() {
            (
                DraftPart::Actions,
                self.actions.as_str(),
                (start - actions_at).min(self.actions.len()),
            )
        } else if start >= when_at && start <= when_at + self.when.len() {
            (DraftPart::When, self.when.as_str(), start - when_at)
        } else {
            (DraftPart::Playbook, "", 0)
        };
        let at = line_column(own, floor_char_boundary(own, offset));
        DraftProblem {
            part,
            line: at.line,
            column: at.column,
            message: diagnostic.message.clone(),
            help: diagnostic.help.clone(),
        }
    }
}

/// The largest char boundary of `text` at or before `offset`.
fn floor_char_boundary(text: &str, offset: usize) -> usize {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

impl Workspace {
    /// The draft of a playbook for the editor, and the file it is defined
    /// in (if it is).
    pub fn playbook_draft(&self, name: &str) -> Option<(PlaybookDraft, Option<String>)> {
        let playbook = self.registry.playbook(name)?;
        let file = self
            .registry
            .stored_named(crate::model::DefinitionKind::Playbook, name)
            .and_then(|stored| match &stored.origin {
                Origin::File(path) => Some(path.clone()),
                Origin::Interactive => None,
            });
        Some((PlaybookDraft::of(playbook), file))
    }

    /// How many entities would fire if a playbook with this `when` were
    /// saved now in place of `original` (or as a new one): those matching
    /// the condition that the saved playbook does not match yet — none when
    /// it `skip existing`s or is disabled, and not those a `runs once`
    /// playbook fired for before.
    pub fn playbook_firing_on_save(
        &self,
        original: Option<&str>,
        kind: EntityKind,
        when: &str,
        runs: Runs,
        skip_existing: bool,
    ) -> Result<usize, Vec<Diagnostic>> {
        let condition = self.check_condition(kind, when)?;
        let matching = self
            .engine
            .query(kind, &condition)
            .map_err(|error| vec![Diagnostic::error(error.0, condition.span())])?;
        let saved = original.and_then(|name| self.registry.playbook(name));
        let Some(saved) = saved else {
            return Ok(if skip_existing {
                0
            } else {
                matching.count_ones(..)
            });
        };
        let folded = fold_name(&saved.name);
        let disabled = self
            .store
            .disabled_playbooks()
            .map_err(|error| store_diagnostic(&error))?;
        let restarted = saved.kind != kind || !saved.when.same_meaning(&condition);
        if disabled.contains_key(&folded) || (skip_existing && restarted) {
            return Ok(0);
        }
        let mut firing = matching;
        if saved.kind == kind
            && let Some((_, matched)) = self.engine.trigger_matches(&saved.name)
        {
            firing.difference_with(matched);
        }
        if runs == Runs::Once && saved.kind == kind {
            for row in self
                .store
                .fired_once_rows(&folded)
                .map_err(|error| store_diagnostic(&error))?
            {
                if (row as usize) < firing.len() {
                    firing.set(row as usize, false);
                }
            }
        }
        Ok(firing.count_ones(..))
    }

    /// How many entities a disabled playbook would fire for if it were
    /// enabled now catching up: those matching now that did not when it
    /// was disabled (less those a `runs once` playbook fired for).
    pub fn playbook_catch_up_count(&self, name: &str) -> Result<usize, PlaybookFailure> {
        let playbook = self
            .registry
            .playbook(name)
            .ok_or_else(|| PlaybookFailure::Unknown(name.to_string()))?;
        let folded = fold_name(&playbook.name);
        let now = match self.engine.trigger_matches(&playbook.name) {
            Some((_, matches)) => matches.clone(),
            None => self
                .engine
                .query(playbook.kind, &playbook.when)
                .map_err(|error| {
                    PlaybookFailure::Workspace(super::WorkspaceError::Definitions(error.0))
                })?,
        };
        let frozen = self
            .store
            .playbook_matches(&folded)?
            .unwrap_or_else(|| FixedBitSet::with_capacity(0));
        let mut count = now.ones().filter(|&row| !frozen.contains(row)).count();
        if playbook.runs == Runs::Once {
            let fired = self.store.fired_once_rows(&folded)?;
            count -= fired
                .iter()
                .filter(|&&row| now.contains(row as usize) && !frozen.contains(row as usize))
                .count();
        }
        Ok(count)
    }
}

/// A store error where a preview expects diagnostics.
fn store_diagnostic(error: &crate::store::StoreError) -> Vec<Diagnostic> {
    vec![Diagnostic::error(error.to_string(), Default::default())]
}

//! The filter of a view screen (Users, Accounts, Stages) and the ways to
//! change it: the bar of chips, the condition builder (`a`), the raw
//! condition input (`/`), the chips' own focus (`f`, then `h`/`l`, Enter
//! edits, `x` removes) and the whole filter shown as one condition (`=`).
//! A screen owns one, hands it the filter's actions and its input while
//! an overlay is open, and runs its query again when told the filter
//! changed.
//!
//! It keeps the kind's property catalog for the builder (read when first
//! needed, forgotten on a change). It does not query or draw the rows.

use std::time::Instant;

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph, Wrap};

use super::builder::{BuilderOutcome, ConditionBuilder};
use super::condition_input::ConditionInput;
use super::filter_bar::{Chip, FilterBar};
use crate::model::EntityKind;
use crate::tui::action::Action;
use crate::tui::popups::centered;
use crate::tui::screens::{Context, Input, Look};
use crate::tui::theme::Theme;
use crate::workspace::{PropertyInfo, Workspace};

/// Did the filter change (so the screen queries again)?
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FilterChange {
    Same,
    Changed,
}

enum Overlay {
    None,
    /// Building a chip; `editing` is the chip it replaces.
    Builder {
        builder: Box<ConditionBuilder>,
        editing: Option<usize>,
    },
    /// Typing a chip in the language.
    Raw {
        input: Box<ConditionInput>,
        editing: Option<usize>,
    },
    /// The whole filter as one condition.
    Text(String),
}

pub struct FilterEditor {
    kind: EntityKind,
    bar: FilterBar,
    overlay: Overlay,
    catalog: Option<Vec<PropertyInfo>>,
}

impl FilterEditor {
    pub fn new(kind: EntityKind) -> FilterEditor {
        FilterEditor {
            kind,
            bar: FilterBar::default(),
            overlay: Overlay::None,
            catalog: None,
        }
    }

    /// A new kind: the chips (about the old kind) go.
    pub fn set_kind(&mut self, kind: EntityKind) {
        if kind != self.kind {
            *self = FilterEditor::new(kind);
        }
    }

    /// The chips' condition texts.
    pub fn texts(&self) -> Vec<String> {
        self.bar.texts()
    }

    /// Replaces the chips (a view's filter).
    pub fn set_chips(&mut self, chips: Vec<Chip>) {
        self.bar = FilterBar::default();
        for chip in chips {
            self.bar.push(chip);
        }
    }

    /// Is an overlay (builder, raw input, filter text) open?
    pub fn is_open(&self) -> bool {
        !matches!(self.overlay, Overlay::None)
    }

    /// Does the raw input take text now?
    pub fn is_text_only(&self) -> bool {
        matches!(self.overlay, Overlay::Text(_))
    }

    /// Are the chips selected (so `h`/`l`, Enter and `x` are theirs)?
    pub fn is_focused(&self) -> bool {
        self.bar.is_focused()
    }

    /// The kind's properties, read once until [`FilterEditor::forget_catalog`].
    pub fn catalog(&mut self, workspace: &Workspace) -> Vec<PropertyInfo> {
        self.catalog
            .get_or_insert_with(|| workspace.property_catalog(self.kind))
            .clone()
    }

    pub fn forget_catalog(&mut self) {
        self.catalog = None;
    }

    /// A filter action (`a`, `/`, `f`, `x`, `=`, and while the chips are
    /// selected `h`/`l`, Enter, `j`); `None` when the action is not the
    /// filter's.
    pub fn action(&mut self, action: Action, context: &mut Context) -> Option<FilterChange> {
        if self.bar.is_focused() {
            match action {
                Action::PreviousCondition => self.bar.step(false),
                Action::NextCondition => self.bar.step(true),
                Action::Open => self.edit_chip(context),
                Action::Down | Action::FocusFilter => self.bar.set_focus(false),
                _ => return self.unfocused_action(action, context),
            }
            return Some(FilterChange::Same);
        }
        self.unfocused_action(action, context)
    }

    fn unfocused_action(&mut self, action: Action, context: &mut Context) -> Option<FilterChange> {
        match action {
            Action::AddCondition => {
                let workspace = context.workspace()?;
                let catalog = self.catalog(workspace);
                self.overlay = Overlay::Builder {
                    builder: Box::new(ConditionBuilder::new(self.kind, catalog)),
                    editing: None,
                };
            }
            Action::RawFilter => self.open_raw("", None),
            Action::FocusFilter => {
                if self.bar.is_empty() {
                    let add = context.keymap.key_label(Action::AddCondition);
                    context
                        .out
                        .info(format!("no conditions yet: {add} adds one"));
                } else {
                    self.bar.set_focus(true);
                }
            }
            Action::RemoveCondition => match self.bar.remove_selected() {
                Some(chip) => {
                    context.out.info(format!("filter: removed {}", chip.text));
                    return Some(FilterChange::Changed);
                }
                None => context.out.info("the filter has no conditions"),
            },
            Action::ShowFilter => {
                let workspace = context.workspace()?;
                let text = match workspace.joined_filter(self.kind, &self.bar.texts()) {
                    Ok(Some(text)) => text,
                    Ok(None) => "(no filter: every entity)".to_string(),
                    Err((index, _)) => format!("condition {} does not check", index + 1),
                };
                self.overlay = Overlay::Text(text);
            }
            Action::PreviousCondition | Action::NextCondition => {
                let focus = context.keymap.key_label(Action::FocusFilter);
                context
                    .out
                    .info(format!("{focus} selects the filter's conditions first"));
            }
            _ => return None,
        }
        Some(FilterChange::Same)
    }

    fn open_raw(&mut self, text: &str, editing: Option<usize>) {
        self.overlay = Overlay::Raw {
            input: Box::new(ConditionInput::new(self.kind, text, None)),
            editing,
        };
    }

    /// Enter on the selected chip: the builder for one it made, the raw
    /// input for one typed.
    fn edit_chip(&mut self, context: &mut Context) {
        let Some(index) = self.bar.selected() else {
            return;
        };
        let chip = self.bar.chips()[index].clone();
        let Some(workspace) = context.workspace() else {
            return;
        };
        match &chip.built {
            Some(built) => {
                let catalog = self.catalog(workspace);
                self.overlay = Overlay::Builder {
                    builder: Box::new(ConditionBuilder::editing(
                        self.kind, catalog, built, workspace,
                    )),
                    editing: Some(index),
                };
            }
            None => self.open_raw(&chip.text, Some(index)),
        }
    }

    /// Input while an overlay is open.
    pub fn handle_open(&mut self, input: &Input, context: &mut Context) -> FilterChange {
        let Some(workspace) = context.workspace.as_deref() else {
            self.overlay = Overlay::None;
            return FilterChange::Same;
        };
        let page = context.page_rows;
        match &mut self.overlay {
            Overlay::None => {}
            Overlay::Text(_) => self.overlay = Overlay::None,
            Overlay::Builder { builder, editing } => {
                match builder.handle(input.key, input.action, workspace, page) {
                    BuilderOutcome::Stay => {}
                    BuilderOutcome::Cancelled => self.overlay = Overlay::None,
                    BuilderOutcome::Done(chip) => {
                        let editing = *editing;
                        self.overlay = Overlay::None;
                        context.out.info(format!("filter: added {}", chip.text));
                        self.bar.replace(editing, chip);
                        return FilterChange::Changed;
                    }
                }
            }
            Overlay::Raw {
                input: raw,
                editing,
            } => match input.action {
                Some(Action::Dismiss) if raw.has_suggestions() => raw.close_suggestions(),
                Some(Action::Dismiss) => self.overlay = Overlay::None,
                Some(Action::NextItem) if raw.move_suggestion(true) => {}
                Some(Action::PreviousItem) if raw.move_suggestion(false) => {}
                Some(Action::Complete) => {
                    raw.accept_suggestion(Some(workspace));
                }
                Some(Action::Accept) => {
                    let text = raw.text().trim().to_string();
                    let editing = *editing;
                    if text.is_empty() {
                        self.overlay = Overlay::None;
                        return FilterChange::Same;
                    }
                    if workspace.check_condition(self.kind, &text).is_ok() {
                        self.overlay = Overlay::None;
                        context.out.info(format!("filter: added {text}"));
                        self.bar.replace(editing, Chip::raw(text));
                        return FilterChange::Changed;
                    }
                    raw.check_now(workspace);
                    context
                        .out
                        .error("the condition does not check: fix it, or Esc to cancel");
                }
                _ => {
                    if let Some(key) = input.key {
                        raw.type_key(key, Some(workspace));
                    }
                }
            },
        }
        FilterChange::Same
    }

    pub fn tick(&mut self, now: Instant, workspace: &Workspace) -> bool {
        match &mut self.overlay {
            Overlay::Raw { input, .. } => input.tick(now, workspace),
            _ => false,
        }
    }

    pub fn deadline(&self) -> Option<Instant> {
        match &self.overlay {
            Overlay::Raw { input, .. } => input.deadline(),
            _ => None,
        }
    }

    /// Rows the bar takes at `width` columns.
    pub fn height(&self, width: u16) -> u16 {
        self.bar.height(width)
    }

    pub fn draw_bar(&self, frame: &mut Frame, area: Rect, look: &Look) {
        let empty = format!(
            "none — {} adds a condition, {} types one",
            look.keymap.key_label(Action::AddCondition),
            look.keymap.key_label(Action::RawFilter)
        );
        self.bar.draw(frame, area, look.theme, &empty);
    }

    /// The open overlay, over `area` (the screen below the tab line).
    pub fn draw_overlay(&self, frame: &mut Frame, area: Rect, theme: Theme) {
        match &self.overlay {
            Overlay::None => {}
            Overlay::Builder { builder, .. } => builder.draw(frame, centered(area, 72, 18), theme),
            Overlay::Raw { input, .. } => {
                let height = input.height();
                let outcome = input.outcome_lines(theme, area.width);
                let box_area = Rect {
                    height: (height + outcome.len() as u16).min(area.height),
                    ..area
                };
                frame.render_widget(Clear, box_area);
                let text_area = Rect { height, ..box_area };
                input.draw_area(frame, text_area, true, theme);
                let outcome_area = Rect {
                    y: text_area.bottom(),
                    height: box_area.height.saturating_sub(height),
                    ..box_area
                };
                frame.render_widget(Paragraph::new(outcome), outcome_area);
                input.draw_suggestions(frame, text_area, area, theme);
            }
            Overlay::Text(text) => {
                let rect = centered(area, 76, 7);
                frame.render_widget(Clear, rect);
                frame.render_widget(
                    Paragraph::new(vec![
                        Line::raw(text.clone()),
                        Line::raw(""),
                        Line::from(Span::styled(
                            "a condition of the language: paste it into a .seg file's `where`",
                            theme.dim(),
                        )),
                    ])
                    .wrap(Wrap { trim: false })
                    .block(
                        Block::default()
                            .borders(Borders::ALL)
                            .title(" The filter as one condition "),
                    ),
                    rect,
                );
            }
        }
    }
}

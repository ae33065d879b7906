//! The Stages screen: a kanban board of one property. Its columns are the
//! stage values in the order a stage view gives (or, picked with `p`, a
//! property's most frequent values), then "other" for values not listed and
//! "none" for missing ones; each column counts its cards and scrolls on its
//! own. Cards show the entity's name and a few properties. The filter bar
//! is the lists' (`a`, `/`, `f`, `x`, `=`). `H`/`L` (or `<`/`>`) move the
//! selected card to the previous / next stage by setting the property
//! through the workspace — segments, counts and events update at once and
//! the status line says which segments the entity entered and left.
//! `j`/`k` move within a column, `h`/`l` between columns, Enter opens the
//! entity's detail, `v` the saved stage views.
//!
//! State and drawing only: the board is read from the workspace after each
//! change, the cards' text for the cards in view only.

use std::time::Instant;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::entity_detail::{DetailStack, membership_note};
use super::segments::hints_line;
use super::view_saving::{ViewShape, draw_name_line, save_view};
use super::{Changed, Context, Handled, Input, Look, Screen, ScreenId};
use crate::lang::format::format_condition;
use crate::model::view::StageLayout;
use crate::model::{EntityKind, Scalar, Value, visible};
use crate::tui::action::{Action, Scope};
use crate::tui::widgets::filter_bar::Chip;
use crate::tui::widgets::filter_editor::{FilterChange, FilterEditor};
use crate::tui::widgets::kanban::Kanban;
use crate::tui::widgets::picker::{Item, Picker};
use crate::tui::widgets::text::thousands;
use crate::tui::widgets::text_line::TextLine;
use crate::workspace::{StageColumnKind, Workspace};

/// Properties a card shows, at most.
const CARD_FIELDS: usize = 2;

/// What the board is of.
#[derive(Clone, Debug, PartialEq)]
struct BoardOf {
    kind: EntityKind,
    property: String,
    values: Vec<Scalar>,
    /// The stage view it came from, if any.
    view: Option<String>,
    /// Properties on the cards.
    fields: Vec<String>,
}

enum Overlay {
    None,
    Property(Picker, Vec<(EntityKind, String)>),
    Views(Picker),
    /// Naming the stage view `w` saves.
    SaveView(TextLine),
}

pub struct StagesScreen {
    board_of: Option<BoardOf>,
    filter: FilterEditor,
    board: Kanban,
    /// Entities of the kind matching the filter, and in all.
    shown: usize,
    total: usize,
    filter_error: Option<String>,
    overlay: Overlay,
    details: DetailStack,
    /// In view: changes are read at once; out of view they wait (`stale`).
    in_view: bool,
    stale: bool,
}

impl StagesScreen {
    pub fn new() -> StagesScreen {
        StagesScreen {
            board_of: None,
            filter: FilterEditor::new(EntityKind::Accounts),
            board: Kanban::default(),
            shown: 0,
            total: 0,
            filter_error: None,
            overlay: Overlay::None,
            details: DetailStack::default(),
            in_view: false,
            stale: true,
        }
    }

    /// Chooses a saved stage view: its kind, property, stages and filter
    /// (the caller reads the board).
    fn use_view(&mut self, name: &str, workspace: &Workspace) -> Result<(), String> {
        let summary = workspace
            .view(name)
            .ok_or_else(|| format!("there is no view named \"{name}\""))?;
        let view = summary.view;
        let stages = view
            .stages
            .ok_or_else(|| format!("\"{}\" is a list view, not a stage view", view.name))?;
        self.filter.set_kind(view.kind);
        self.filter.set_chips(
            view.filter
                .iter()
                .map(|condition| Chip::raw(format_condition(condition)))
                .collect(),
        );
        let fields = card_fields(&view.columns, &stages.property);
        self.show_board(BoardOf {
            kind: view.kind,
            property: stages.property,
            values: stages.values,
            view: Some(view.name),
            fields,
        });
        Ok(())
    }

    /// A board of any property, its stages the most frequent values.
    fn use_property(&mut self, kind: EntityKind, property: &str, workspace: &Workspace) {
        self.filter.set_kind(kind);
        let values = workspace.offered_stages(kind, property);
        let names = workspace.property_names(kind);
        let preferred = ["name", "plan", "mrr", "email", "role", "seats"];
        let fields = preferred
            .iter()
            .filter(|field| **field != property && names.iter().any(|n| n == *field))
            .map(|field| field.to_string())
            .collect::<Vec<_>>();
        let board = BoardOf {
            kind,
            property: property.to_string(),
            values,
            view: None,
            fields: card_fields(&fields, property),
        };
        self.show_board(board);
    }

    /// Chooses the board (the caller reads it: `requery`); one of other
    /// cards (kind, property, stages, fields) starts at its first column,
    /// the same one keeps its places.
    fn show_board(&mut self, board: BoardOf) {
        if self.board_of.as_ref() != Some(&board) {
            self.board.reset(board.fields.clone());
        }
        self.board_of = Some(board);
    }

    /// Reads the board again, keeping each column's place (and following
    /// a card that moved).
    fn requery(&mut self, workspace: &Workspace) {
        let Some(board) = self.board_of.clone() else {
            return;
        };
        self.total = workspace.entity_count(board.kind);
        let set = match workspace.filtered(board.kind, &self.filter.texts()) {
            Ok(set) => {
                self.filter_error = None;
                set
            }
            Err(message) => {
                self.filter_error = Some(message);
                return;
            }
        };
        self.shown = set.len();
        self.board
            .load(workspace, &set, &board.property, &board.values);
    }

    /// Moves the selected card one stage back or forward.
    fn move_card(&mut self, forward: bool, context: &mut Context) {
        let Some(board) = self.board_of.clone() else {
            return;
        };
        let Some(id) = self.board.selected_id() else {
            context.out.info("no card selected");
            return;
        };
        let stages = board.values.len();
        if stages == 0 {
            context.out.error("the board has no stages to move to");
            return;
        }
        let Some((column, from)) = self.board.selected_column() else {
            return;
        };
        let from = from.clone();
        let target = match (&from, forward) {
            (StageColumnKind::Stage(_), true) if column + 1 < stages => column + 1,
            (StageColumnKind::Stage(_), false) if column > 0 => column - 1,
            (StageColumnKind::Stage(_), _) => {
                let edge = if forward { "last" } else { "first" };
                context
                    .out
                    .info(format!("{id} is already at the {edge} stage"));
                return;
            }
            (_, true) => 0,
            (_, false) => stages - 1,
        };
        let value = board.values[target].clone();
        let title = self.board.title(target).to_string();
        let Some(workspace) = context.workspace() else {
            return;
        };
        let assignment = vec![(board.property.clone(), Some(Value::Scalar(value)))];
        match workspace.set(board.kind, &id, assignment) {
            Ok(moved) => {
                context
                    .out
                    .info(format!("{id} → {title}{}", membership_note(&moved)));
                self.board.follow(id, target);
                context.out.changed.merge(Changed::ENTITIES);
            }
            Err(failure) => context.out.error(failure.to_string()),
        }
    }

    fn open_property_picker(&mut self, context: &mut Context) {
        let Some(workspace) = context.workspace() else {
            return;
        };
        let mut choices = Vec::new();
        let mut items = Vec::new();
        for kind in [EntityKind::Accounts, EntityKind::Users] {
            for info in workspace.property_catalog(kind) {
                let own = !info.path.contains('.') && info.counted == kind;
                let stageable = matches!(info.type_word.as_str(), "text" | "bool" | "number");
                if own && stageable && info.path != crate::model::ID && info.path != "account_id" {
                    items.push(Item::new(
                        format!("{} {}", kind, info.path),
                        format!(
                            "{} · {} {kind}",
                            info.type_word,
                            thousands(info.count as u64)
                        ),
                    ));
                    choices.push((kind, info.path));
                }
            }
        }
        self.overlay = Overlay::Property(Picker::new("Board of which property?", items), choices);
    }

    fn open_views(&mut self, context: &mut Context) {
        let Some(workspace) = context.workspace() else {
            return;
        };
        let items: Vec<Item> = workspace
            .views()
            .into_iter()
            .filter_map(|summary| {
                let stages = summary.view.stages?;
                Some(Item::new(
                    summary.view.name,
                    format!("{} by {}", summary.view.kind, stages.property),
                ))
            })
            .collect();
        if items.is_empty() {
            let pick = context.keymap.key_label(Action::StageProperty);
            context.out.info(format!(
                "no saved stage views: a view with `stages <property> [...]` makes one; {pick} picks a property"
            ));
            return;
        }
        self.overlay = Overlay::Views(Picker::new("Stage views", items));
    }

    fn handle_overlay(&mut self, input: &Input, context: &mut Context) {
        let page = context.page_rows;
        let Some(workspace) = context.workspace.as_deref() else {
            self.overlay = Overlay::None;
            return;
        };
        match &mut self.overlay {
            Overlay::None => {}
            Overlay::Property(picker, choices) => match input.action {
                Some(Action::Dismiss) => self.overlay = Overlay::None,
                Some(Action::Accept) => {
                    let chosen = picker.chosen().and_then(|i| choices.get(i)).cloned();
                    self.overlay = Overlay::None;
                    if let Some((kind, property)) = chosen {
                        self.use_property(kind, &property, workspace);
                        self.requery(workspace);
                    }
                }
                _ => {
                    picker.handle(input.key, input.action, page);
                }
            },
            Overlay::SaveView(line) => match input.action {
                Some(Action::Dismiss) => self.overlay = Overlay::None,
                Some(Action::Accept) => {
                    let name = line.text();
                    self.overlay = Overlay::None;
                    self.save_board(&name, context);
                }
                _ => {
                    if let Some(key) = input.key {
                        line.input(key);
                    }
                }
            },
            Overlay::Views(picker) => match input.action {
                Some(Action::Dismiss) => self.overlay = Overlay::None,
                Some(Action::Accept) => {
                    let chosen = picker.chosen().map(|i| picker.items()[i].label.clone());
                    self.overlay = Overlay::None;
                    if let Some(name) = chosen {
                        match self.use_view(&name, workspace) {
                            Ok(()) => self.requery(workspace),
                            Err(error) => context.out.error(error),
                        }
                    }
                }
                _ => {
                    picker.handle(input.key, input.action, page);
                }
            },
        }
    }

    /// Reads what changed: the first stage view while there is no board,
    /// a stage view's new definition, the board and the open details.
    fn catch_up(&mut self, workspace: &Workspace, changed: &Changed) {
        if self.board_of.is_none() {
            // Until a board is chosen, the first saved stage view is shown.
            let first_stage_view = workspace
                .views()
                .into_iter()
                .find(|summary| summary.view.stages.is_some());
            if let Some(summary) = first_stage_view {
                let _ = self.use_view(&summary.view.name, workspace);
            }
        } else if let Some(view) = self.board_of.as_ref().and_then(|b| b.view.clone())
            && changed.definitions
        {
            // A view that changed in its file gives its new stages.
            if self.use_view(&view, workspace).is_err() {
                self.board_of = None;
            }
        }
        // Under an open detail the board is not in view: it waits.
        self.details.reload(workspace);
        if !self.details.is_open() {
            self.stale = false;
            self.requery(workspace);
        } else {
            self.stale = true;
        }
    }

    /// Saves the board — its filter, property, stages and card fields — as
    /// a stage view.
    fn save_board(&mut self, name: &str, context: &mut Context) {
        let Some(board) = self.board_of.clone() else {
            return;
        };
        let mut columns = vec!["name".to_string()];
        columns.extend(board.fields.iter().cloned());
        let shape = ViewShape {
            columns,
            sort: None,
            stages: Some(StageLayout {
                property: board.property.clone(),
                values: board.values.clone(),
            }),
        };
        let texts = self.filter.texts();
        if let Some(saved) = save_view(
            context,
            name,
            board.kind,
            &texts,
            shape,
            board.view.as_deref(),
        ) && let Some(board) = self.board_of.as_mut()
        {
            board.view = Some(saved);
        }
    }

    fn title_line(&self, look: &Look) -> Line<'static> {
        let theme = look.theme;
        let Some(board) = &self.board_of else {
            return Line::raw("");
        };
        let name = board
            .view
            .as_ref()
            .map_or_else(String::new, |view| format!("{} · ", visible(view)));
        let mut spans = vec![Span::styled(
            format!(
                "{name}{} by {} · {} of {} {}",
                board.kind,
                visible(&board.property),
                thousands(self.shown as u64),
                thousands(self.total as u64),
                board.kind
            ),
            theme.title(),
        )];
        if let Some(error) = &self.filter_error {
            spans.push(Span::styled(format!("   {error}"), theme.error()));
        }
        Line::from(spans)
    }
}

impl Default for StagesScreen {
    fn default() -> StagesScreen {
        StagesScreen::new()
    }
}

impl Screen for StagesScreen {
    fn id(&self) -> ScreenId {
        ScreenId::Stages
    }

    fn scopes(&self) -> &'static [Scope] {
        if let Some(scopes) = self.details.scopes() {
            return scopes;
        }
        if self.filter.is_text_only() {
            return &[Scope::TextLine];
        }
        if self.filter.is_open() || !matches!(self.overlay, Overlay::None) {
            return &[Scope::Picker, Scope::TextLine];
        }
        if self.filter.is_focused() {
            return &[Scope::Views, Scope::List];
        }
        &[Scope::Stages, Scope::Views, Scope::List]
    }

    fn takes_text(&self) -> bool {
        self.filter.is_open() || !matches!(self.overlay, Overlay::None) || self.details.takes_text()
    }

    fn handle(&mut self, input: &Input, context: &mut Context) -> Handled {
        if self.details.is_open() {
            // Back on the board: what changed under the detail shows now.
            if self.details.handle(input, context)
                && self.stale
                && let Some(workspace) = context.workspace.as_deref()
            {
                self.stale = false;
                self.requery(workspace);
            }
            return Handled::Consumed;
        }
        if self.filter.is_open() {
            if self.filter.handle_open(input, context) == FilterChange::Changed
                && let Some(workspace) = context.workspace.as_deref()
            {
                self.requery(workspace);
            }
            return Handled::Consumed;
        }
        if !matches!(self.overlay, Overlay::None) {
            self.handle_overlay(input, context);
            return Handled::Consumed;
        }
        let Some(action) = input.action else {
            return Handled::Ignored;
        };
        if matches!(action, Action::StageProperty) {
            self.open_property_picker(context);
            return Handled::Consumed;
        }
        if matches!(action, Action::Views) {
            self.open_views(context);
            return Handled::Consumed;
        }
        if self.board_of.is_none() {
            if matches!(
                action,
                Action::AddCondition | Action::RawFilter | Action::Open
            ) {
                self.open_property_picker(context);
                return Handled::Consumed;
            }
            return Handled::Ignored;
        }
        if let Some(change) = self.filter.action(action, context) {
            if change == FilterChange::Changed
                && let Some(workspace) = context.workspace.as_deref()
            {
                self.requery(workspace);
            }
            return Handled::Consumed;
        }
        match action {
            Action::SaveView => {
                if input.arguments.is_empty() {
                    let name = self.board_of.as_ref().and_then(|b| b.view.clone());
                    self.overlay =
                        Overlay::SaveView(TextLine::with_text(&name.unwrap_or_default()));
                } else {
                    let name = input.arguments.join(" ");
                    self.save_board(&name, context);
                }
            }
            Action::MoveCardBack => self.move_card(false, context),
            Action::MoveCardForward => self.move_card(true, context),
            Action::Open => {
                if let Some(id) = self.board.selected_id()
                    && let Some(board) = &self.board_of
                {
                    let kind = board.kind;
                    self.details.open(kind, &id, context);
                }
            }
            other => {
                let page = context.page_rows;
                if !self
                    .board
                    .move_selection(other, page, context.workspace.as_deref())
                {
                    return Handled::Ignored;
                }
            }
        }
        Handled::Consumed
    }

    fn refresh(&mut self, workspace: &Workspace, changed: &Changed) {
        if changed.any() {
            self.filter.forget_catalog();
        }
        if !self.in_view {
            self.stale = true;
            return;
        }
        self.catch_up(workspace, changed);
    }

    fn set_shown(&mut self, shown: bool, workspace: &Workspace) {
        self.in_view = shown;
        if shown && self.stale {
            self.stale = false;
            self.catch_up(workspace, &Changed::EVERYTHING);
        }
    }
    fn tick(&mut self, now: Instant, workspace: &Workspace) -> bool {
        self.filter.tick(now, workspace)
    }

    fn deadline(&self) -> Option<Instant> {
        self.filter.deadline()
    }

    fn draw(&self, frame: &mut Frame, area: Rect, look: &Look) {
        if self.details.draw(frame, area, look) {
            return;
        }
        let theme = look.theme;
        let [bar, title, board, hints] = Layout::vertical([
            Constraint::Length(self.filter.height(area.width)),
            Constraint::Length(1),
            Constraint::Min(3),
            Constraint::Length(1),
        ])
        .areas(area);
        if self.board_of.is_none() {
            let text = vec![
                Line::from(Span::styled("No stage board yet", theme.title())),
                Line::raw(""),
                Line::raw(format!(
                    "A stage board shows one column per value of a property, in order. Press {} to pick a property (accounts' lifecycle_stage, say), or {} for the saved stage views — a view with `stages <property> [\"a\", \"b\"]` in a .seg file makes one.",
                    look.keymap.key_label(Action::StageProperty),
                    look.keymap.key_label(Action::Views)
                )),
            ];
            frame.render_widget(
                Paragraph::new(text)
                    .wrap(ratatui::widgets::Wrap { trim: true })
                    .block(Block::default().borders(Borders::TOP)),
                Rect {
                    height: area.height.saturating_sub(1),
                    ..area
                },
            );
        } else {
            self.filter.draw_bar(frame, bar, look);
            frame.render_widget(Paragraph::new(self.title_line(look)), title);
            self.board.draw(frame, board, look);
        }
        frame.render_widget(Paragraph::new(hints_line(&self.hints(), look)), hints);
        let below_tabs = Rect {
            y: bar.y,
            height: area.height.saturating_sub(1),
            ..area
        };
        self.filter.draw_overlay(frame, below_tabs, theme);
        let popup = crate::tui::popups::centered(below_tabs, 72, 18);
        match &self.overlay {
            Overlay::None => {}
            Overlay::SaveView(line) => draw_name_line(frame, below_tabs, line, theme),
            Overlay::Property(picker, _) | Overlay::Views(picker) => picker.draw(
                frame,
                popup,
                theme,
                "type to search · enter picks · esc closes",
            ),
        }
    }

    fn hints(&self) -> Vec<(Action, &'static str)> {
        if self.board_of.is_none() {
            return vec![
                (Action::StageProperty, "pick a property"),
                (Action::Views, "stage views"),
                (Action::Help, "help"),
            ];
        }
        vec![
            (Action::MoveCardForward, "next stage"),
            (Action::MoveCardBack, "previous stage"),
            (Action::NextStage, "column"),
            (Action::Open, "open"),
            (Action::AddCondition, "add condition"),
            (Action::StageProperty, "property"),
            (Action::Views, "views"),
        ]
    }
}

/// The properties a card shows: the view's columns but the id, the name
/// (the card's title) and the stage property itself.
fn card_fields(columns: &[String], property: &str) -> Vec<String> {
    columns
        .iter()
        .filter(|column| {
            !matches!(column.as_str(), "id" | "name" | "segments") && column.as_str() != property
        })
        .take(CARD_FIELDS)
        .cloned()
        .collect()
}

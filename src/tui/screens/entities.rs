//! The Users and Accounts screens: a list view of one kind. The filter bar
//! (conditions combined with AND, as chips; `a` builds one, `/` types one
//! in the language), the count line (`1,234 of 50,000 users`, the sort),
//! and a table that holds the text of the visible rows only, however many
//! entities match. `c` chooses the columns, `s` / `S` sort by one, Enter
//! opens an entity's detail on top (and from there its account or users).
//!
//! Every filter goes through the workspace's query — the plans segments
//! use — as of the UI's `now`. The table itself (the matches in order, the
//! cells of the rows in view, a large sort on a worker) is
//! `widgets::entity_table`; the screen routes input, opens the choosers
//! and views, and keeps the details opened over the list.

use std::time::Instant;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::widgets::Paragraph;

use super::entity_detail::DetailStack;
use super::segments::hints_line;
use super::view_saving::{ViewShape, draw_name_line, save_view};
use super::{Changed, Context, Handled, Input, Look, Screen, ScreenId};
use crate::lang::format::format_condition;
use crate::model::EntityKind;
use crate::model::view::{SortKey, SortOrder};
use crate::tui::action::{Action, Scope};
use crate::tui::widgets::entity_table::EntityTable;
use crate::tui::widgets::filter_bar::Chip;
use crate::tui::widgets::filter_editor::{FilterChange, FilterEditor};
use crate::tui::widgets::picker::{Item, Picker};
use crate::tui::widgets::text::thousands;
use crate::tui::widgets::text_line::TextLine;
use crate::workspace::{PropertyInfo, Workspace};

/// What is open over the table.
enum Overlay {
    None,
    Columns(Picker),
    Sort(Picker, SortOrder),
    /// The saved views of this kind, by name.
    Views(Picker),
    /// Naming the view `w` saves.
    SaveView(TextLine),
}

pub struct EntitiesScreen {
    id: ScreenId,
    kind: EntityKind,
    filter: FilterEditor,
    table: EntityTable,
    overlay: Overlay,
    /// Entity details opened over the list.
    details: DetailStack,
    /// In view: changes are read at once; out of view they wait (`stale`).
    shown: bool,
    stale: bool,
    /// The saved view shown, if the list came from one (saving replaces it).
    view: Option<String>,
}

impl EntitiesScreen {
    /// Runs the filter and the sort again.
    fn requery(&mut self, workspace: &Workspace) {
        let chips = self.filter.texts();
        self.table.requery(workspace, &chips);
    }

    fn sort_by(&mut self, property: String, order: SortOrder, workspace: &Workspace) {
        self.table.sort = Some(SortKey { property, order });
        self.table.select_first();
        let chips = self.filter.texts();
        self.table.resort(workspace, &chips);
    }

    pub fn new(id: ScreenId, kind: EntityKind) -> EntitiesScreen {
        EntitiesScreen {
            id,
            kind,
            filter: FilterEditor::new(kind),
            table: EntityTable::new(kind),
            overlay: Overlay::None,
            details: DetailStack::default(),
            shown: false,
            stale: true,
            view: None,
        }
    }

    fn handle_overlay(&mut self, input: &Input, context: &mut Context) {
        let Some(workspace) = context.workspace.as_deref() else {
            self.overlay = Overlay::None;
            return;
        };
        let page = context.page_rows;
        match &mut self.overlay {
            Overlay::None => {}
            Overlay::Columns(picker) => match input.action {
                Some(Action::Dismiss) => {
                    let chosen: Vec<String> = picker
                        .items()
                        .iter()
                        .filter(|item| item.checked == Some(true))
                        .map(|item| item.label.clone())
                        .collect();
                    self.overlay = Overlay::None;
                    if chosen.is_empty() {
                        context
                            .out
                            .error("no column chosen: the columns stay as they were");
                    } else {
                        self.table.columns = chosen;
                        self.table.fill_window(workspace);
                    }
                }
                Some(Action::Accept) => {
                    if let Some(index) = picker.chosen() {
                        picker.toggle(index);
                    }
                }
                _ => {
                    picker.handle(input.key, input.action, page);
                }
            },
            Overlay::Views(picker) => match input.action {
                Some(Action::Dismiss) => self.overlay = Overlay::None,
                Some(Action::Accept) => {
                    let Some(name) = picker
                        .chosen()
                        .map(|index| picker.items()[index].label.clone())
                    else {
                        return;
                    };
                    self.overlay = Overlay::None;
                    match self.open_view(&name, workspace) {
                        Ok(said) => context.out.info(said),
                        Err(error) => context.out.error(error),
                    }
                }
                _ => {
                    picker.handle(input.key, input.action, page);
                }
            },
            Overlay::SaveView(line) => match input.action {
                Some(Action::Dismiss) => self.overlay = Overlay::None,
                Some(Action::Accept) => {
                    let name = line.text().trim().to_string();
                    self.overlay = Overlay::None;
                    self.save_view(&name, context);
                }
                _ => {
                    if let Some(key) = input.key {
                        line.input(key);
                    }
                }
            },
            Overlay::Sort(picker, order) => match input.action {
                Some(Action::Dismiss) => self.overlay = Overlay::None,
                Some(Action::Accept) => {
                    let order = *order;
                    let Some(property) = picker
                        .chosen()
                        .map(|index| picker.items()[index].label.clone())
                    else {
                        return;
                    };
                    self.overlay = Overlay::None;
                    self.sort_by(property, order, workspace);
                }
                _ => {
                    picker.handle(input.key, input.action, page);
                }
            },
        }
    }

    fn open_columns(&mut self, context: &mut Context) {
        let Some(workspace) = context.workspace() else {
            return;
        };
        let mut items: Vec<Item> = self
            .table
            .columns
            .iter()
            .map(|column| {
                let mut item = Item::new(column.clone(), "");
                item.checked = Some(true);
                item
            })
            .collect();
        for info in self.filter.catalog(workspace) {
            if let Some(item) = items.iter_mut().find(|item| item.label == info.path) {
                item.detail = info_detail(&info);
                continue;
            }
            let mut item = Item::new(info.path.clone(), info_detail(&info));
            item.checked = Some(false);
            items.push(item);
        }
        self.overlay = Overlay::Columns(Picker::new("Columns (enter ticks, esc done)", items));
    }

    fn open_sort(&mut self, order: SortOrder, arguments: &[String], context: &mut Context) {
        let Some(workspace) = context.workspace() else {
            return;
        };
        if let Some(property) = arguments.first() {
            let property = property.clone();
            self.sort_by(property, order, workspace);
            return;
        }
        let mut items: Vec<Item> = self
            .table
            .columns
            .iter()
            .map(|column| Item::new(column.clone(), "shown"))
            .collect();
        for info in self.filter.catalog(workspace) {
            if !self.table.columns.contains(&info.path) {
                items.push(Item::new(info.path.clone(), info_detail(&info)));
            }
        }
        let title = format!("Sort by ({})", order.word());
        self.overlay = Overlay::Sort(Picker::new(title, items), order);
    }

    fn open_views(&mut self, context: &mut Context) {
        let Some(workspace) = context.workspace() else {
            return;
        };
        let items: Vec<Item> = workspace
            .views()
            .into_iter()
            .filter(|summary| summary.view.kind == self.kind && summary.view.stages.is_none())
            .map(|summary| {
                let filter = summary
                    .view
                    .filter
                    .as_ref()
                    .map_or_else(|| "every entity".to_string(), format_condition);
                Item::new(summary.view.name, filter)
            })
            .collect();
        if items.is_empty() {
            context.out.info(format!(
                "no saved {} list views: a `view \"…\" for {} {{ … }}` in a .seg file makes one",
                self.kind.singular(),
                self.kind
            ));
            return;
        }
        self.overlay = Overlay::Views(Picker::new(format!("{} views", self.kind), items));
    }

    /// Shows a saved view: its filter as one chip, its columns, its sort.
    /// What the status line says about it comes back.
    fn open_view(&mut self, name: &str, workspace: &Workspace) -> Result<String, String> {
        let Some(summary) = workspace.view(name) else {
            return Err(format!("there is no view named \"{name}\""));
        };
        let view = summary.view;
        self.filter.set_chips(
            view.filter
                .iter()
                .map(|filter| Chip::raw(format_condition(filter)))
                .collect(),
        );
        if !view.columns.is_empty() {
            self.table.columns = view.columns.clone();
        }
        self.table.sort = view.sort.clone();
        self.view = Some(view.name.clone());
        self.table.select_first();
        self.requery(workspace);
        Ok(format!(
            "view \"{}\": {} {}",
            view.name,
            thousands(self.table.shown() as u64),
            self.kind
        ))
    }

    /// `w`: names the view to save (the shown view's name to start with),
    /// or saves at once with the name given at the prompt.
    fn ask_view_name(&mut self, arguments: &[String], context: &mut Context) {
        if !arguments.is_empty() {
            let name = arguments.join(" ");
            self.save_view(&name, context);
            return;
        }
        let name = self.view.clone().unwrap_or_default();
        self.overlay = Overlay::SaveView(TextLine::with_text(&name));
    }

    /// Saves the filter, columns and sort as a view named `name`: the
    /// shown view when the name is its own (rewritten in its file if it
    /// came from one), else a new view of the UI.
    fn save_view(&mut self, name: &str, context: &mut Context) {
        let shape = ViewShape {
            columns: self.table.columns.clone(),
            sort: self.table.sort.clone(),
            stages: None,
        };
        let texts = self.filter.texts();
        let shown = self.view.clone();
        if let Some(saved) = save_view(context, name, self.kind, &texts, shape, shown.as_deref()) {
            self.view = Some(saved);
        }
    }

    /// The chips changed: the query runs again from the top.
    fn filter_changed(&mut self, context: &mut Context) {
        self.table.select_first();
        if let Some(workspace) = context.workspace.as_deref() {
            self.requery(workspace);
        }
    }

    fn handle_detail(&mut self, input: &Input, context: &mut Context) {
        // Back on the list: what changed under the detail shows now.
        if self.details.handle(input, context)
            && self.stale
            && let Some(workspace) = context.workspace.as_deref()
        {
            self.stale = false;
            self.requery(workspace);
        }
    }

    fn draw_overlay(&self, frame: &mut Frame, area: Rect, look: &Look) {
        let theme = look.theme;
        let popup = centered(area, 72, 18);
        match &self.overlay {
            Overlay::None => {}
            Overlay::SaveView(line) => draw_name_line(frame, area, line, theme),
            Overlay::Columns(picker) | Overlay::Sort(picker, _) | Overlay::Views(picker) => picker
                .draw(
                    frame,
                    popup,
                    theme,
                    "type to search · enter picks · esc closes",
                ),
        }
    }
}

impl Screen for EntitiesScreen {
    fn id(&self) -> ScreenId {
        self.id
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
        &[Scope::Views, Scope::Entities, Scope::List]
    }

    fn takes_text(&self) -> bool {
        self.filter.is_open() || !matches!(self.overlay, Overlay::None) || self.details.takes_text()
    }

    fn handle(&mut self, input: &Input, context: &mut Context) -> Handled {
        if self.details.is_open() {
            self.handle_detail(input, context);
            return Handled::Consumed;
        }
        if self.filter.is_open() {
            if self.filter.handle_open(input, context) == FilterChange::Changed {
                self.filter_changed(context);
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
        if let Some(change) = self.filter.action(action, context) {
            if change == FilterChange::Changed {
                self.filter_changed(context);
            }
            return Handled::Consumed;
        }
        match action {
            Action::Open => {
                if let Some(id) = self.table.selected_id() {
                    self.details.open(self.kind, &id, context);
                }
            }
            Action::Columns => self.open_columns(context),
            Action::Views => self.open_views(context),
            Action::SaveView => self.ask_view_name(&input.arguments, context),
            Action::SortAscending => {
                self.open_sort(SortOrder::Ascending, &input.arguments, context)
            }
            Action::SortDescending => {
                self.open_sort(SortOrder::Descending, &input.arguments, context)
            }
            other => {
                if !self.table.move_selection(other, context.page_rows) {
                    return Handled::Ignored;
                }
                if let Some(workspace) = context.workspace.as_deref() {
                    self.table.fill_window(workspace);
                }
            }
        }
        Handled::Consumed
    }

    fn refresh(&mut self, workspace: &Workspace, changed: &Changed) {
        if changed.entities || changed.definitions {
            self.filter.forget_catalog();
        }
        if !self.shown {
            self.stale = true;
            return;
        }
        // Under an open detail the list is not in view: its query waits
        // until the detail closes (an edit there re-reads the detail only).
        self.details.reload(workspace);
        if !self.details.is_open() {
            self.requery(workspace);
        } else {
            self.stale = true;
        }
    }

    fn set_shown(&mut self, shown: bool, workspace: &Workspace) {
        self.shown = shown;
        if shown && self.stale {
            self.details.reload(workspace);
            if !self.details.is_open() {
                self.stale = false;
                self.requery(workspace);
            }
        }
    }

    fn tick(&mut self, now: Instant, workspace: &Workspace) -> bool {
        let sorted = self.table.poll_sort(workspace);
        self.filter.tick(now, workspace) || sorted
    }

    fn deadline(&self) -> Option<Instant> {
        match (self.filter.deadline(), self.table.deadline()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    fn draw(&self, frame: &mut Frame, area: Rect, look: &Look) {
        if self.details.draw(frame, area, look) {
            return;
        }
        let bar_height = self.filter.height(area.width);
        let [bar, count, table, hints] = Layout::vertical([
            Constraint::Length(bar_height),
            Constraint::Length(1),
            Constraint::Min(2),
            Constraint::Length(1),
        ])
        .areas(area);
        self.filter.draw_bar(frame, bar, look);
        // The table first: the count line says how many columns it hid.
        self.table
            .draw(frame, table, look, !self.filter.is_focused());
        frame.render_widget(Paragraph::new(self.table.count_line(look)), count);
        frame.render_widget(Paragraph::new(hints_line(&self.hints(), look)), hints);
        let below_tabs = Rect {
            y: bar.y,
            height: area.height.saturating_sub(1),
            ..area
        };
        self.filter.draw_overlay(frame, below_tabs, look.theme);
        self.draw_overlay(
            frame,
            Rect {
                y: bar.y,
                height: area.height.saturating_sub(1),
                ..area
            },
            look,
        );
    }

    fn hints(&self) -> Vec<(Action, &'static str)> {
        if self.filter.is_focused() {
            return vec![
                (Action::Open, "edit"),
                (Action::RemoveCondition, "remove"),
                (Action::FocusFilter, "back to the table"),
            ];
        }
        vec![
            (Action::AddCondition, "add condition"),
            (Action::RawFilter, "type condition"),
            (Action::Open, "open"),
            (Action::SortAscending, "sort"),
            (Action::Columns, "columns"),
            (Action::Views, "views"),
            (Action::FocusFilter, "chips"),
            (Action::Help, "help"),
        ]
    }
}

fn info_detail(info: &PropertyInfo) -> String {
    format!(
        "{} · {} {}",
        info.type_word,
        thousands(info.count as u64),
        info.counted
    )
}

fn centered(area: Rect, width: u16, height: u16) -> Rect {
    crate::tui::popups::centered(area, width, height)
}

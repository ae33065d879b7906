//! The Users and Accounts screens: a list view of one kind. The filter bar
//! (conditions combined with AND, as chips; `a` builds one, `/` types one
//! in the language), the count line (`1,234 of 50,000 users`, the sort),
//! and a table that holds the text of the visible rows only, however many
//! entities match. `c` chooses the columns, `s` / `S` sort by one, Enter
//! opens an entity's detail on top (and from there its account or users).
//!
//! Every filter goes through the workspace's query — the plans segments
//! use — as of the UI's `now`. The screen keeps the matching set in order
//! and asks the workspace for the cells of the rows in view.

use std::cell::Cell;
use std::time::Instant;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Table, TableState};

use super::entity_detail::{DetailOutcome, EntityDetail};
use super::segments::hints_line;
use super::view_saving::{ViewShape, draw_name_line, save_view};
use super::{Changed, Context, Handled, Input, Look, Screen, ScreenId};
use crate::lang::format::format_condition;
use crate::model::EntityKind;
use crate::model::view::{SortKey, SortOrder};
use crate::tui::action::{Action, Scope};
use crate::tui::widgets::columns::{Column, lay_out};
use crate::tui::widgets::filter_bar::Chip;
use crate::tui::widgets::filter_editor::{FilterChange, FilterEditor};
use crate::tui::widgets::picker::{Item, Picker};
use crate::tui::widgets::text::{cut, thousands};
use crate::tui::widgets::text_line::TextLine;
use crate::workspace::{EntitySet, PropertyInfo, Workspace};

/// Columns shown before the user chooses, when the data has them.
const PREFERRED_COLUMNS: [&str; 10] = [
    "name",
    "email",
    "title",
    "role",
    "plan",
    "industry",
    "seats",
    "mrr",
    "lifecycle_stage",
    "last_seen_at",
];
/// How many of them.
const DEFAULT_COLUMNS: usize = 4;

const COLUMN_SPACING: u16 = 1;

/// Rows whose cells are read ahead of a draw, at least.
const WINDOW_ROWS: usize = 120;

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
    columns: Vec<String>,
    sort: Option<SortKey>,
    /// The matching entities, in the shown order.
    set: Option<EntitySet>,
    /// Entities of the kind in all.
    total: usize,
    /// Why the filter could not be applied, if it could not.
    filter_error: Option<String>,
    selected: usize,
    /// The first row in view.
    top: usize,
    /// The cells of the rows from `top` on, as many as fit.
    window: Vec<(String, Vec<String>)>,
    /// Rows the table showed at the last draw, so moves keep the
    /// selection in view.
    body_rows: Cell<usize>,
    /// Columns that did not fit at the last draw.
    hidden_columns: Cell<usize>,
    overlay: Overlay,
    /// Entity details, the top one shown.
    details: Vec<EntityDetail>,
    /// In view: changes are read at once; out of view they wait (`stale`).
    shown: bool,
    stale: bool,
    /// The saved view shown, if the list came from one (saving replaces it).
    view: Option<String>,
}

impl EntitiesScreen {
    pub fn new(id: ScreenId, kind: EntityKind) -> EntitiesScreen {
        EntitiesScreen {
            id,
            kind,
            filter: FilterEditor::new(kind),
            columns: Vec::new(),
            sort: None,
            set: None,
            total: 0,
            filter_error: None,
            selected: 0,
            top: 0,
            window: Vec::new(),
            body_rows: Cell::new(20),
            hidden_columns: Cell::new(0),
            overlay: Overlay::None,
            details: Vec::new(),
            shown: false,
            stale: true,
            view: None,
        }
    }

    fn shown(&self) -> usize {
        self.set.as_ref().map_or(0, EntitySet::len)
    }

    /// Runs the filter and the sort again, keeping the selection's place.
    fn requery(&mut self, workspace: &Workspace) {
        self.total = workspace.entity_count(self.kind);
        if self.columns.is_empty() {
            self.columns = default_columns(&workspace.property_names(self.kind));
        }
        match workspace.filtered(self.kind, &self.filter.texts()) {
            Ok(set) => {
                self.filter_error = None;
                self.set = Some(match &self.sort {
                    Some(key) => workspace.sorted(&set, key),
                    None => set,
                });
            }
            Err(message) => self.filter_error = Some(message),
        }
        self.selected = self.selected.min(self.shown().saturating_sub(1));
        self.fill_window(workspace);
    }

    /// Keeps the selection in view and reads the cells of the rows in view.
    fn fill_window(&mut self, workspace: &Workspace) {
        let rows = self.body_rows.get().max(1);
        if self.selected < self.top {
            self.top = self.selected;
        } else if self.selected >= self.top + rows {
            self.top = self.selected + 1 - rows;
        }
        self.top = self.top.min(self.shown().saturating_sub(1));
        self.window.clear();
        let Some(set) = &self.set else {
            return;
        };
        // More rows than the last draw showed: the next draw may be taller.
        for entity in set.page(self.top, rows.max(WINDOW_ROWS)) {
            let id = workspace.id_of(entity);
            let cells = self
                .columns
                .iter()
                .map(|column| workspace.cell_text(entity, column))
                .collect();
            self.window.push((id, cells));
        }
    }

    fn selected_id(&self) -> Option<String> {
        let index = self.selected.checked_sub(self.top)?;
        self.window.get(index).map(|(id, _)| id.clone())
    }

    fn move_selection(&mut self, action: Action, page: usize) -> bool {
        let last = self.shown().saturating_sub(1);
        let page = self.body_rows.get().max(1).min(page.max(1));
        self.selected = match action {
            Action::Up => self.selected.saturating_sub(1),
            Action::Down => (self.selected + 1).min(last),
            Action::Top => 0,
            Action::Bottom => last,
            Action::PageUp => self.selected.saturating_sub(page),
            Action::PageDown => (self.selected + page).min(last),
            _ => return false,
        };
        true
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
                        self.columns = chosen;
                        self.fill_window(workspace);
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

    fn sort_by(&mut self, property: String, order: SortOrder, workspace: &Workspace) {
        self.sort = Some(SortKey { property, order });
        self.selected = 0;
        self.requery(workspace);
    }

    fn open_columns(&mut self, context: &mut Context) {
        let Some(workspace) = context.workspace() else {
            return;
        };
        let mut items: Vec<Item> = self
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
            .columns
            .iter()
            .map(|column| Item::new(column.clone(), "shown"))
            .collect();
        for info in self.filter.catalog(workspace) {
            if !self.columns.contains(&info.path) {
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
            self.columns = view.columns.clone();
        }
        self.sort = view.sort.clone();
        self.view = Some(view.name.clone());
        self.selected = 0;
        self.requery(workspace);
        Ok(format!(
            "view \"{}\": {} {}",
            view.name,
            thousands(self.shown() as u64),
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
            columns: self.columns.clone(),
            sort: self.sort.clone(),
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
        self.selected = 0;
        if let Some(workspace) = context.workspace.as_deref() {
            self.requery(workspace);
        }
    }

    fn open_detail(&mut self, kind: EntityKind, id: &str, context: &mut Context) {
        let Some(workspace) = context.workspace() else {
            return;
        };
        match EntityDetail::open(workspace, kind, id) {
            Some(detail) => self.details.push(detail),
            None => context
                .out
                .error(format!("there is no {} {id}", kind.singular())),
        }
    }

    fn handle_detail(&mut self, input: &Input, context: &mut Context) {
        let Some(detail) = self.details.last_mut() else {
            return;
        };
        match detail.handle(input.key, input.action, context) {
            DetailOutcome::Stay => {}
            DetailOutcome::Close => {
                self.details.pop();
            }
            DetailOutcome::Open(kind, id) => self.open_detail(kind, &id, context),
        }
    }

    fn count_line(&self, look: &Look) -> Line<'static> {
        let theme = look.theme;
        let mut spans = vec![Span::styled(
            format!(
                "{} of {} {}",
                thousands(self.shown() as u64),
                thousands(self.total as u64),
                self.kind
            ),
            theme.title(),
        )];
        if let Some(key) = &self.sort {
            spans.push(Span::styled(
                format!("   sorted by {} {}", key.property, key.order.word()),
                theme.dim(),
            ));
        }
        let hidden = self.hidden_columns.get();
        if hidden > 0 {
            spans.push(Span::styled(
                format!(
                    "   {hidden} more column{} ({} chooses)",
                    if hidden == 1 { "" } else { "s" },
                    look.keymap.key_label(Action::Columns)
                ),
                theme.dim(),
            ));
        }
        if let Some(error) = &self.filter_error {
            spans.push(Span::styled(format!("   {error}"), theme.error()));
        }
        Line::from(spans)
    }

    fn draw_table(&self, frame: &mut Frame, area: Rect, look: &Look) {
        let theme = look.theme;
        let body = usize::from(area.height.saturating_sub(1));
        self.body_rows.set(body.max(1));
        let headers: Vec<String> = self.columns.iter().map(|c| c.to_uppercase()).collect();
        let columns: Vec<Column> = self
            .columns
            .iter()
            .enumerate()
            .map(|(index, name)| {
                // The id first, then what the entity is in, then the rest in order.
                let priority = match name.as_str() {
                    crate::model::ID => 0,
                    crate::model::SEGMENTS => 1,
                    _ => (index as u8).saturating_add(2),
                };
                let column = Column::new("", priority).min(6).limit(40);
                let column = if index + 1 == self.columns.len() {
                    column.fill()
                } else {
                    column
                };
                let cells = self
                    .window
                    .iter()
                    .map(|(_, cells)| cells[index].as_str())
                    .chain(std::iter::once(headers[index].as_str()));
                column.fitting(cells)
            })
            .collect();
        let layout = lay_out(&columns, area.width, COLUMN_SPACING);
        self.hidden_columns.set(layout.hidden().len());
        let shown: Vec<(usize, u16)> = layout
            .widths
            .iter()
            .enumerate()
            .filter_map(|(index, width)| width.map(|width| (index, width)))
            .collect();
        let fitted = |cells: &[String]| -> Row<'static> {
            Row::new(
                shown
                    .iter()
                    .map(|&(index, width)| cut(&cells[index], usize::from(width)))
                    .collect::<Vec<_>>(),
            )
        };
        // After a resize the window may start above what fits: show the
        // part that keeps the selection in view.
        let skip = (self.selected.saturating_sub(self.top) + 1).saturating_sub(body);
        let rows: Vec<Row> = self
            .window
            .iter()
            .skip(skip)
            .take(body)
            .map(|(_, cells)| fitted(cells))
            .collect();
        let widths: Vec<Constraint> = shown.iter().map(|&(_, w)| Constraint::Length(w)).collect();
        let table = Table::new(rows, widths)
            .header(fitted(&headers).style(theme.title()))
            .column_spacing(COLUMN_SPACING)
            .row_highlight_style(theme.selected());
        let mut state = TableState::default();
        if !self.window.is_empty() && !self.filter.is_focused() {
            state.select(Some(self.selected.saturating_sub(self.top + skip)));
        }
        frame.render_stateful_widget(table, area, &mut state);
        if self.window.is_empty() {
            let empty = if self.total == 0 {
                format!(
                    "No {} yet: `:import {} FILE` brings some in.",
                    self.kind, self.kind
                )
            } else {
                format!("No {} match the filter.", self.kind.singular())
            };
            let inner = Rect {
                y: area.y.saturating_add(1),
                height: area.height.saturating_sub(1),
                ..area
            };
            frame.render_widget(Paragraph::new(empty).style(theme.dim()), inner);
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
        if let Some(detail) = self.details.last() {
            return if detail.is_editing() {
                &[Scope::TextLine]
            } else {
                &[Scope::Detail, Scope::List]
            };
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
        self.filter.is_open()
            || !matches!(self.overlay, Overlay::None)
            || self.details.last().is_some_and(EntityDetail::is_editing)
    }

    fn handle(&mut self, input: &Input, context: &mut Context) -> Handled {
        if !self.details.is_empty() {
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
                if let Some(id) = self.selected_id() {
                    self.open_detail(self.kind, &id, context);
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
                if !self.move_selection(other, context.page_rows) {
                    return Handled::Ignored;
                }
                if let Some(workspace) = context.workspace.as_deref() {
                    self.fill_window(workspace);
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
        self.requery(workspace);
        self.details.retain_mut(|detail| detail.reload(workspace));
    }

    fn set_shown(&mut self, shown: bool, workspace: &Workspace) {
        self.shown = shown;
        if shown && self.stale {
            self.stale = false;
            self.requery(workspace);
            self.details.retain_mut(|detail| detail.reload(workspace));
        }
    }

    fn tick(&mut self, now: Instant, workspace: &Workspace) -> bool {
        self.filter.tick(now, workspace)
    }

    fn deadline(&self) -> Option<Instant> {
        self.filter.deadline()
    }

    fn draw(&self, frame: &mut Frame, area: Rect, look: &Look) {
        if let Some(detail) = self.details.last() {
            let hint = hints_line(
                &[
                    (Action::OpenLinked, "open"),
                    (Action::EditProperty, "edit property"),
                    (Action::Back, "back"),
                ],
                look,
            );
            detail.draw(frame, area, look.theme, hint);
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
        self.draw_table(frame, table, look);
        frame.render_widget(Paragraph::new(self.count_line(look)), count);
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

/// The first few preferred properties the data has, between `id` and
/// `segments`.
fn default_columns(properties: &[String]) -> Vec<String> {
    let mut columns = vec![crate::model::ID.to_string()];
    columns.extend(
        PREFERRED_COLUMNS
            .iter()
            .filter(|name| properties.iter().any(|p| p == *name))
            .take(DEFAULT_COLUMNS)
            .map(|name| name.to_string()),
    );
    columns.push(crate::model::SEGMENTS.to_string());
    columns
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

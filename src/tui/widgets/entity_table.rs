//! The table of a list view: one kind's entities matching a filter, in a
//! sort, with chosen columns; the count line (`1,234 of 50,000 users`, the
//! sort, the columns that did not fit); and the selection. It holds the
//! text of the rows in view only (and a few screens ahead), so a million
//! matches cost one query and one sort, never a million cells.
//!
//! The screen owns it and gives it the filter's chips; the query and the
//! sort are the workspace's.

use std::cell::Cell;
use std::sync::mpsc::{Receiver, channel};
use std::time::{Duration, Instant};

use ratatui::Frame;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Row, Table, TableState};

use super::columns::{Column, lay_out};
use super::text::{cut, thousands};
use crate::model::EntityKind;
use crate::model::view::SortKey;
use crate::tui::action::Action;
use crate::tui::screens::Look;
use crate::workspace::{EntitySet, SortJob, Workspace};

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

/// Sets this large are sorted on a worker thread, the list drawn in the
/// order it had until the sort lands (smaller ones sort within a frame).
const BACKGROUND_SORT: usize = 50_000;

/// How often a sort in flight is looked for.
const SORT_POLL: Duration = Duration::from_millis(15);

pub struct EntityTable {
    kind: EntityKind,
    /// The columns shown, in order (the data's defaults until chosen).
    pub columns: Vec<String>,
    pub sort: Option<SortKey>,
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
    /// The chips and sort the shown set answers.
    asked: Option<(Vec<String>, Option<SortKey>)>,
    /// The matches of the chips in id order, for a new sort of the same.
    base: Option<EntitySet>,
    /// A sort running on a worker thread.
    sorting: Option<SortInFlight>,
}

/// A sort on its worker thread, and where its result arrives.
struct SortInFlight {
    rows: usize,
    receiver: Receiver<EntitySet>,
}

impl SortInFlight {
    fn start(job: SortJob) -> SortInFlight {
        let rows = job.len();
        let (sender, receiver) = channel();
        std::thread::spawn(move || {
            // The table may have moved on; nobody listening is fine.
            let _ = sender.send(job.run());
        });
        SortInFlight { rows, receiver }
    }
}

impl EntityTable {
    pub fn new(kind: EntityKind) -> EntityTable {
        EntityTable {
            kind,
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
            asked: None,
            base: None,
            sorting: None,
        }
    }

    /// The first row is selected (after a new filter or sort).
    pub fn select_first(&mut self) {
        self.selected = 0;
    }

    pub fn shown(&self) -> usize {
        self.set.as_ref().map_or(0, EntitySet::len)
    }

    /// Runs the filter (the chips' texts) and the sort again, keeping the
    /// selection's place.
    pub fn requery(&mut self, workspace: &Workspace, chips: &[String]) {
        self.total = workspace.entity_count(self.kind);
        if self.columns.is_empty() {
            self.columns = default_columns(&workspace.property_names(self.kind));
        }
        // A sort still running was for what is asked again now.
        self.sorting = None;
        match workspace.filtered(self.kind, chips) {
            Ok(set) => {
                self.filter_error = None;
                let same_question =
                    self.asked.as_ref() == Some(&(chips.to_vec(), self.sort.clone()));
                self.asked = Some((chips.to_vec(), self.sort.clone()));
                self.base = Some(set.clone());
                self.show_in_order(workspace, set, same_question);
            }
            Err(message) => self.filter_error = Some(message),
        }
        self.selected = self.selected.min(self.shown().saturating_sub(1));
        self.fill_window(workspace);
    }

    /// The same matches in the order of a new sort (the filter is not run
    /// again: nothing changed but the sort).
    pub fn resort(&mut self, workspace: &Workspace, chips: &[String]) {
        let Some(base) = self.base.clone() else {
            return self.requery(workspace, chips);
        };
        self.sorting = None;
        self.asked = Some((chips.to_vec(), self.sort.clone()));
        self.show_in_order(workspace, base, false);
        self.selected = self.selected.min(self.shown().saturating_sub(1));
        self.fill_window(workspace);
    }

    /// Shows `set` in the table's sort: at once for a small set, from a
    /// worker for a large one — meanwhile the rows keep the order they had
    /// when `same_question` (the same filter and sort, after a change), or
    /// id order.
    fn show_in_order(&mut self, workspace: &Workspace, set: EntitySet, same_question: bool) {
        match &self.sort {
            Some(key) if set.len() >= BACKGROUND_SORT => {
                let job = workspace.sort_job(&set, key);
                if !same_question || self.set.is_none() {
                    self.set = Some(set);
                }
                self.sorting = Some(SortInFlight::start(job));
            }
            Some(key) => self.set = Some(workspace.sorted(&set, key)),
            None => self.set = Some(set),
        }
    }

    /// Takes the sorted set when the worker is done; true when it landed.
    pub fn poll_sort(&mut self, workspace: &Workspace) -> bool {
        let Some(sorting) = &self.sorting else {
            return false;
        };
        match sorting.receiver.try_recv() {
            Ok(set) => {
                self.sorting = None;
                self.set = Some(set);
                self.selected = self.selected.min(self.shown().saturating_sub(1));
                self.fill_window(workspace);
                true
            }
            Err(std::sync::mpsc::TryRecvError::Empty) => false,
            Err(std::sync::mpsc::TryRecvError::Disconnected) => {
                self.sorting = None;
                self.filter_error = Some("the sort stopped before it finished".to_string());
                true
            }
        }
    }

    /// When to look for a sort in flight again.
    pub fn deadline(&self) -> Option<Instant> {
        self.sorting.as_ref().map(|_| Instant::now() + SORT_POLL)
    }

    /// Keeps the selection in view and reads the cells of the rows in view.
    pub fn fill_window(&mut self, workspace: &Workspace) {
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

    pub fn selected_id(&self) -> Option<String> {
        let index = self.selected.checked_sub(self.top)?;
        self.window.get(index).map(|(id, _)| id.clone())
    }

    pub fn move_selection(&mut self, action: Action, page: usize) -> bool {
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

    pub fn count_line(&self, look: &Look) -> Line<'static> {
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
            let what = match &self.sorting {
                Some(sorting) => format!(
                    "   sorting {} by {} {}…",
                    thousands(sorting.rows as u64),
                    key.property,
                    key.order.word()
                ),
                None => format!("   sorted by {} {}", key.property, key.order.word()),
            };
            spans.push(Span::styled(what, theme.dim()));
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

    /// Draws the header and the rows in view, keeping the selection in
    /// view (highlighted unless `focused` is false: the chips have the keys).
    pub fn draw(&self, frame: &mut Frame, area: Rect, look: &Look, focused: bool) {
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
        if !self.window.is_empty() && focused {
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

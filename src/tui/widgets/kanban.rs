//! The board of the Stages screen: one column per stage (then "other"
//! and "none"), each with its count, its own selection and scroll, and the
//! text of the cards in view only (a title — the name, or the id — and a
//! line of properties). It lays out a set the workspace grouped
//! (`Workspace::stage_board`) and draws as many columns as fit around the
//! selected one, with how many are off either side.
//!
//! Moving a card is the screen's (it sets the property); the board only
//! follows the card to its new column after the change.

use std::cell::Cell;

use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Paragraph};

use super::text::{cut, thousands};
use crate::model::Scalar;
use crate::tui::action::Action;
use crate::tui::screens::Look;
use crate::workspace::{EntitySet, StageColumnKind, Workspace};

/// Rows a card takes: its title, its properties, a blank line.
const CARD_ROWS: usize = 3;
/// The narrowest column drawn.
const MIN_COLUMN_WIDTH: u16 = 18;
/// Cards whose text is read ahead of a draw, per column.
const WINDOW_CARDS: usize = 24;

/// One column of the board, with its cards in view.
struct ColumnState {
    kind: StageColumnKind,
    title: String,
    entities: EntitySet,
    selected: usize,
    top: usize,
    /// (id, title, properties line) of the cards from `top` on.
    cards: Vec<(String, String, String)>,
}

pub struct Kanban {
    columns: Vec<ColumnState>,
    /// The selected column.
    column: usize,
    /// Properties on the cards.
    fields: Vec<String>,
    /// The card to select at the next load (a card that moved).
    follow: Option<String>,
    /// Cards a column showed at the last draw.
    visible_cards: Cell<usize>,
}

impl Default for Kanban {
    fn default() -> Kanban {
        Kanban {
            columns: Vec::new(),
            column: 0,
            fields: Vec::new(),
            follow: None,
            visible_cards: Cell::new(8),
        }
    }
}

impl Kanban {
    /// A new board of other cards: the first column, these fields.
    pub fn reset(&mut self, fields: Vec<String>) {
        *self = Kanban {
            fields,
            ..Kanban::default()
        };
    }

    /// After the next load, select this card wherever it is.
    pub fn follow(&mut self, id: String, column: usize) {
        self.follow = Some(id);
        self.column = column;
    }

    /// The selected column's index and kind.
    pub fn selected_column(&self) -> Option<(usize, &StageColumnKind)> {
        self.columns
            .get(self.column)
            .map(|column| (self.column, &column.kind))
    }

    /// A column's title (`trial`, `other`, `none`).
    pub fn title(&self, index: usize) -> &str {
        self.columns
            .get(index)
            .map_or("", |column| column.title.as_str())
    }

    /// Lays out `set` as the board of `property` over the stages
    /// `values`, keeping each column's place (and following a card that
    /// moved).
    pub fn load(
        &mut self,
        workspace: &Workspace,
        set: &EntitySet,
        property: &str,
        values: &[Scalar],
    ) {
        let old: Vec<(String, usize, usize)> = self
            .columns
            .iter()
            .map(|c| (c.title.clone(), c.selected, c.top))
            .collect();
        self.columns = workspace
            .stage_board(set, property, values)
            .into_iter()
            .map(|column| {
                let (selected, top) = old
                    .iter()
                    .find(|(title, _, _)| *title == column.title)
                    .map_or((0, 0), |(_, selected, top)| (*selected, *top));
                ColumnState {
                    kind: column.kind,
                    title: column.title,
                    selected: selected.min(column.entities.len().saturating_sub(1)),
                    top,
                    entities: column.entities,
                    cards: Vec::new(),
                }
            })
            .collect();
        if let Some(id) = self.follow.take() {
            for (index, column) in self.columns.iter_mut().enumerate() {
                let at = workspace.position_in(&column.entities, &id);
                if let Some(at) = at {
                    column.selected = at;
                    self.column = index;
                    break;
                }
            }
        }
        self.column = self.column.min(self.columns.len().saturating_sub(1));
        for index in 0..self.columns.len() {
            self.fill_cards(index, workspace);
        }
    }

    /// Keeps a column's selection in view and reads its cards in view.
    pub fn fill_cards(&mut self, index: usize, workspace: &Workspace) {
        let visible = self.visible_cards.get().max(1);
        let fields = self.fields.clone();
        let Some(column) = self.columns.get_mut(index) else {
            return;
        };
        if column.selected < column.top {
            column.top = column.selected;
        } else if column.selected >= column.top + visible {
            column.top = column.selected + 1 - visible;
        }
        column.cards = column
            .entities
            .page(column.top, visible.max(WINDOW_CARDS))
            .map(|entity| {
                let id = workspace.id_of(entity);
                let name = workspace.cell_text(entity, "name");
                let title = if name.is_empty() { id.clone() } else { name };
                let details: Vec<String> = fields
                    .iter()
                    .map(|field| workspace.cell_text(entity, field))
                    .filter(|text| !text.is_empty())
                    .collect();
                (id, title, details.join(" · "))
            })
            .collect();
    }

    pub fn selected_id(&self) -> Option<String> {
        let column = self.columns.get(self.column)?;
        column
            .cards
            .get(column.selected.checked_sub(column.top)?)
            .map(|(id, _, _)| id.clone())
    }

    pub fn move_selection(
        &mut self,
        action: Action,
        page: usize,
        workspace: Option<&Workspace>,
    ) -> bool {
        let count = self.columns.len();
        match action {
            Action::PreviousStage => self.column = self.column.saturating_sub(1),
            Action::NextStage => self.column = (self.column + 1).min(count.saturating_sub(1)),
            other => {
                let Some(column) = self.columns.get_mut(self.column) else {
                    return false;
                };
                let last = column.entities.len().saturating_sub(1);
                let page = self.visible_cards.get().max(1).min(page.max(1));
                column.selected = match other {
                    Action::Up => column.selected.saturating_sub(1),
                    Action::Down => (column.selected + 1).min(last),
                    Action::Top => 0,
                    Action::Bottom => last,
                    Action::PageUp => column.selected.saturating_sub(page),
                    Action::PageDown => (column.selected + page).min(last),
                    _ => return false,
                };
                if let Some(workspace) = workspace {
                    self.fill_cards(self.column, workspace);
                }
            }
        }
        true
    }

    /// The columns that fit, around the selected one.
    fn shown_columns(&self, width: u16) -> std::ops::Range<usize> {
        let fit = usize::from((width / MIN_COLUMN_WIDTH).max(1));
        let count = self.columns.len();
        if count <= fit {
            return 0..count;
        }
        let start = self.column.saturating_sub(fit / 2).min(count - fit);
        start..start + fit
    }

    /// Draws the columns that fit, the selected card reversed.
    pub fn draw(&self, frame: &mut Frame, area: Rect, look: &Look) {
        let theme = look.theme;
        let range = self.shown_columns(area.width);
        let shown = range.len().max(1) as u16;
        let constraints = vec![Constraint::Ratio(1, u32::from(shown)); usize::from(shown)];
        let areas = Layout::horizontal(constraints).split(area);
        let visible = usize::from(area.height.saturating_sub(2)) / CARD_ROWS;
        self.visible_cards.set(visible.max(1));
        for (slot, index) in range.clone().enumerate() {
            let column = &self.columns[index];
            let selected_column = index == self.column;
            let mut title = format!(
                " {} ({}) ",
                crate::model::visible(&column.title),
                thousands(column.entities.len() as u64)
            );
            if slot == 0 && range.start > 0 {
                title = format!(" ‹{}{title}", range.start);
            }
            if slot + 1 == range.len() && range.end < self.columns.len() {
                title = format!("{title}{}› ", self.columns.len() - range.end);
            }
            let border = if selected_column {
                theme.focused_border()
            } else {
                theme.dim()
            };
            let block = Block::default()
                .borders(Borders::ALL)
                .border_style(border)
                .title(title);
            let inner = block.inner(areas[slot]);
            frame.render_widget(block, areas[slot]);
            let width = usize::from(inner.width);
            let skip =
                (column.selected.saturating_sub(column.top) + 1).saturating_sub(visible.max(1));
            let mut lines = Vec::new();
            for (offset, (_, title, details)) in column
                .cards
                .iter()
                .enumerate()
                .skip(skip)
                .take(visible.max(1))
            {
                let is_selected = selected_column && column.top + offset == column.selected;
                let title_style = if is_selected {
                    theme.selected()
                } else {
                    theme.normal().add_modifier(Modifier::BOLD)
                };
                lines.push(Line::from(Span::styled(cut(title, width), title_style)));
                lines.push(Line::from(Span::styled(cut(details, width), theme.dim())));
                lines.push(Line::raw(""));
            }
            if column.entities.is_empty() {
                lines.push(Line::from(Span::styled("no cards", theme.dim())));
            }
            frame.render_widget(Paragraph::new(lines), inner);
        }
    }
}

//! A list to pick from while typing: a search line over items (each a
//! label and a dim detail such as a type and a count), narrowed as the
//! user types (every word of the search must occur, any case), with one
//! item highlighted. The condition builder's steps, the column chooser,
//! the sort chooser and the view list are pickers.
//!
//! It knows nothing of what the items mean: the owner keeps a value per
//! item and asks which one is chosen.

use crossterm::event::KeyEvent;
use ratatui::Frame;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, List, ListItem, ListState, Paragraph};

use super::text::{cut, width};
use super::text_line::TextLine;
use crate::tui::action::Action;
use crate::tui::theme::Theme;

/// One item: what the list shows, and a key the owner knows it by.
#[derive(Clone, Debug, PartialEq)]
pub struct Item {
    pub label: String,
    pub detail: String,
    /// Shown as `[x]` / `[ ]` when the picker chooses several.
    pub checked: Option<bool>,
}

impl Item {
    pub fn new(label: impl Into<String>, detail: impl Into<String>) -> Item {
        Item {
            label: label.into(),
            detail: detail.into(),
            checked: None,
        }
    }
}

pub struct Picker {
    title: String,
    items: Vec<Item>,
    search: TextLine,
    /// Indexes of the items that match the search, in item order.
    shown: Vec<usize>,
    /// Position in `shown`.
    selected: usize,
}

impl Picker {
    pub fn new(title: impl Into<String>, items: Vec<Item>) -> Picker {
        let mut picker = Picker {
            title: title.into(),
            items,
            search: TextLine::default(),
            shown: Vec::new(),
            selected: 0,
        };
        picker.narrow();
        picker
    }

    pub fn search_text(&self) -> String {
        self.search.text()
    }

    /// The index (in the items given) of the highlighted item.
    pub fn chosen(&self) -> Option<usize> {
        self.shown.get(self.selected).copied()
    }

    pub fn items(&self) -> &[Item] {
        &self.items
    }

    /// Ticks or unticks an item of a picker that chooses several.
    pub fn toggle(&mut self, index: usize) {
        if let Some(item) = self.items.get_mut(index) {
            item.checked = item.checked.map(|checked| !checked);
        }
    }

    /// A list key moves the highlight; any other key is typed into the
    /// search. Returns whether it did anything.
    pub fn handle(&mut self, key: Option<KeyEvent>, action: Option<Action>, page: usize) -> bool {
        let last = self.shown.len().saturating_sub(1);
        let moved = match action {
            Some(Action::NextItem) => Some((self.selected + 1).min(last)),
            Some(Action::PreviousItem) => Some(self.selected.saturating_sub(1)),
            Some(Action::PageDown) => Some((self.selected + page).min(last)),
            Some(Action::PageUp) => Some(self.selected.saturating_sub(page)),
            _ => None,
        };
        if let Some(position) = moved {
            self.selected = position;
            return true;
        }
        match key {
            Some(key) if self.search.input(key) => {
                self.narrow();
                true
            }
            _ => false,
        }
    }

    fn narrow(&mut self) {
        let search = self.search.text().to_lowercase();
        let words: Vec<&str> = search.split_whitespace().collect();
        let chosen = self.chosen();
        self.shown = self
            .items
            .iter()
            .enumerate()
            .filter(|(_, item)| {
                let label = item.label.to_lowercase();
                words.iter().all(|word| label.contains(word))
            })
            .map(|(index, _)| index)
            .collect();
        self.selected = chosen
            .and_then(|index| self.shown.iter().position(|&i| i == index))
            .unwrap_or(0);
        if !words.is_empty() {
            // Typing picks the first match, the way a search box does.
            self.selected = 0;
        }
    }

    /// Draws the picker in a box over `area` (cleared first): the search
    /// line, then as many items as fit around the highlighted one.
    pub fn draw(&self, frame: &mut Frame, area: Rect, theme: Theme, hint: &str) {
        frame.render_widget(Clear, area);
        let block = Block::default()
            .borders(Borders::ALL)
            .border_style(theme.focused_border())
            .title(format!(" {} ", self.title))
            .title_bottom(Line::from(Span::styled(format!(" {hint} "), theme.dim())));
        let inner = block.inner(area);
        frame.render_widget(block, area);
        let [search, list] =
            Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(inner);
        let [label, field] =
            Layout::horizontal([Constraint::Length(8), Constraint::Min(1)]).areas(search);
        frame.render_widget(Paragraph::new(Span::styled("search: ", theme.dim())), label);
        self.search.draw(frame, field, true);
        if self.shown.is_empty() {
            frame.render_widget(
                Paragraph::new(Span::styled("nothing matches the search", theme.dim())),
                list,
            );
            return;
        }
        let room = usize::from(list.width);
        let label_width = self
            .shown
            .iter()
            .map(|&index| width(&self.items[index].label) + 4)
            .max()
            .unwrap_or(0)
            .min(room * 2 / 3);
        let rows: Vec<ListItem> = self
            .shown
            .iter()
            .map(|&index| {
                let item = &self.items[index];
                let check = match item.checked {
                    Some(true) => "[x] ",
                    Some(false) => "[ ] ",
                    None => "",
                };
                let label = cut(&format!("{check}{}", item.label), label_width);
                let pad = label_width.saturating_sub(width(&label)) + 1;
                let detail = cut(&item.detail, room.saturating_sub(label_width + 1));
                ListItem::new(Line::from(vec![
                    Span::raw(format!("{label}{}", " ".repeat(pad))),
                    Span::styled(detail, theme.dim()),
                ]))
            })
            .collect();
        let mut state = ListState::default();
        state.select(Some(self.selected));
        frame.render_stateful_widget(
            List::new(rows).highlight_style(theme.selected()),
            list,
            &mut state,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crossterm::event::{KeyCode, KeyModifiers};

    fn typed(picker: &mut Picker, text: &str) {
        for c in text.chars() {
            picker.handle(
                Some(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE)),
                None,
                10,
            );
        }
    }

    #[test]
    fn typing_narrows_to_items_with_every_word_and_moves_stay_inside() {
        let items = ["plan", "account.plan", "seats", "Segments"]
            .map(|label| Item::new(label, ""))
            .to_vec();
        let mut picker = Picker::new("Property", items);
        assert_eq!(picker.chosen(), Some(0));
        typed(&mut picker, "acc plan");
        assert_eq!(picker.chosen(), Some(1));
        picker.handle(None, Some(Action::NextItem), 10);
        assert_eq!(picker.chosen(), Some(1), "one match: the highlight stays");
        typed(&mut picker, "x");
        assert_eq!(picker.chosen(), None);
    }
}

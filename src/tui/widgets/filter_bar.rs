//! The filter bar of the Users, Accounts and Stages screens: conditions
//! combined with AND, each shown as a chip, one of them selected when the
//! bar has the focus. A chip is the text of a condition of the language;
//! one made by the condition builder also remembers the property and
//! operator it was built from, so Enter reopens it at the value.
//!
//! The bar holds and draws the chips; checking and joining them is the
//! workspace's (`Workspace::joined_filter`), and building one is the
//! builder's.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Wrap};

use crate::tui::theme::Theme;

/// What the builder made a chip from.
#[derive(Clone, Debug, PartialEq)]
pub struct Built {
    /// `plan`, `account.plan`, or `segments` / `account segments` for
    /// membership.
    pub property: String,
    pub operator: String,
    /// The value as typed (empty for `is set`).
    pub value: String,
}

/// One condition of the filter.
#[derive(Clone, Debug, PartialEq)]
pub struct Chip {
    pub text: String,
    pub built: Option<Built>,
}

impl Chip {
    pub fn raw(text: impl Into<String>) -> Chip {
        Chip {
            text: text.into(),
            built: None,
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct FilterBar {
    chips: Vec<Chip>,
    selected: usize,
    focused: bool,
}

impl FilterBar {
    pub fn chips(&self) -> &[Chip] {
        &self.chips
    }

    /// The chips' condition texts, in order.
    pub fn texts(&self) -> Vec<String> {
        self.chips.iter().map(|chip| chip.text.clone()).collect()
    }

    pub fn is_empty(&self) -> bool {
        self.chips.is_empty()
    }

    pub fn is_focused(&self) -> bool {
        self.focused && !self.chips.is_empty()
    }

    pub fn set_focus(&mut self, focused: bool) {
        self.focused = focused;
    }

    pub fn selected(&self) -> Option<usize> {
        (!self.chips.is_empty()).then_some(self.selected)
    }

    /// Adds a chip at the end and selects it.
    pub fn push(&mut self, chip: Chip) {
        self.chips.push(chip);
        self.selected = self.chips.len() - 1;
    }

    /// Puts a chip in place of the one at `index` (or at the end).
    pub fn replace(&mut self, index: Option<usize>, chip: Chip) {
        match index.filter(|&i| i < self.chips.len()) {
            Some(i) => {
                self.chips[i] = chip;
                self.selected = i;
            }
            None => self.push(chip),
        }
    }

    /// Removes the selected chip and returns it.
    pub fn remove_selected(&mut self) -> Option<Chip> {
        if self.chips.is_empty() {
            return None;
        }
        let chip = self.chips.remove(self.selected);
        self.selected = self.selected.min(self.chips.len().saturating_sub(1));
        if self.chips.is_empty() {
            self.focused = false;
        }
        Some(chip)
    }

    /// Selects the next (or previous) chip, wrapping around.
    pub fn step(&mut self, forward: bool) {
        let count = self.chips.len();
        if count == 0 {
            return;
        }
        self.selected = if forward {
            (self.selected + 1) % count
        } else {
            (self.selected + count - 1) % count
        };
    }

    /// The bar's height for `width` columns: the chips wrap.
    pub fn height(&self, width: u16) -> u16 {
        let total: usize = self
            .chips
            .iter()
            .map(|chip| crate::tui::widgets::text::width(&chip.text) + 5)
            .sum::<usize>()
            + 8;
        let rows = total.div_ceil(usize::from(width.max(1)));
        rows.clamp(1, 3) as u16
    }

    /// Draws `filter: [a] AND [b]`, the selected chip reversed while the
    /// bar has the focus; `empty` says what to press when there is none.
    pub fn draw(&self, frame: &mut Frame, area: Rect, theme: Theme, empty: &str) {
        let mut spans = vec![Span::styled("filter: ", theme.dim())];
        if self.chips.is_empty() {
            spans.push(Span::styled(empty.to_string(), theme.dim()));
        }
        for (index, chip) in self.chips.iter().enumerate() {
            if index > 0 {
                spans.push(Span::styled(" AND ", theme.dim()));
            }
            let style = if self.is_focused() && index == self.selected {
                theme.selected()
            } else {
                theme.key()
            };
            spans.push(Span::styled(format!("[{}]", chip.text), style));
        }
        frame.render_widget(
            Paragraph::new(Line::from(spans)).wrap(Wrap { trim: false }),
            area,
        );
    }
}

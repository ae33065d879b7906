//! The condition input: a multi-line text area for a condition of the
//! language, checked live (debounced) against the workspace, with the
//! completion list and, on error, the line, column and message with a caret
//! under the span. The segment editor uses it; the list filter bar, the
//! condition builder's raw mode and the playbook editor are to use the same.
//!
//! It evaluates through `Workspace::preview`, the one evaluator: a valid
//! condition shows how many entities match, how many would enter and leave
//! compared with a saved segment, and the first matches.

use std::time::{Duration, Instant};

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, List, ListItem};
use ratatui_textarea::{CursorMove, TextArea};

use super::completion::context_at;
use super::suggestions::{Suggestion, VocabularyCache, suggestions};
use super::text::{pasted_lines, thousands, width};
use crate::lang::{Diagnostic, line_column};
use crate::model::{EntityKind, format_share};
use crate::tui::theme::Theme;
use crate::workspace::{Preview, Workspace};

/// The completion list goes above the cursor when fewer rows than this
/// (and than above) are free below it.
const MIN_LIST_HEIGHT: u16 = 4;

/// The longest condition the editor takes (1 MiB): far beyond any real
/// segment, small enough that checking it stays interactive.
pub const MAX_CONDITION_BYTES: usize = 1024 * 1024;

/// How long typing must pause before the condition is checked.
pub const DEBOUNCE: Duration = Duration::from_millis(120);

/// The result of the last check.
#[derive(Clone, Debug, PartialEq)]
pub enum PreviewState {
    /// Typing; the check will follow.
    Pending,
    Ready(Preview),
    Invalid(Vec<Diagnostic>),
}

pub struct ConditionInput {
    kind: EntityKind,
    /// The saved segment the preview compares with.
    compared_with: Option<String>,
    area: TextArea<'static>,
    preview: PreviewState,
    suggestions: Vec<Suggestion>,
    selected_suggestion: usize,
    /// Characters before the cursor that the suggestion taken replaces.
    replacing: usize,
    /// What completion has learnt of the data, kept while the input lives.
    vocabulary: VocabularyCache,
    /// The text area's scroll (row, column) as last drawn, to open the
    /// completion list at the cursor.
    scrolled: std::cell::Cell<(u16, u16)>,
    changed_at: Option<Instant>,
    /// The box's title.
    title: &'static str,
    /// Whether the outcome says who would enter and leave (a segment's
    /// editor) or only who matches (a playbook's `when`).
    movement: bool,
}

impl ConditionInput {
    pub fn new(kind: EntityKind, text: &str, compared_with: Option<String>) -> ConditionInput {
        let lines: Vec<String> = if text.is_empty() {
            vec![String::new()]
        } else {
            text.lines().map(str::to_string).collect()
        };
        let mut area = TextArea::new(lines);
        area.set_cursor_line_style(ratatui::style::Style::new());
        area.move_cursor(CursorMove::Bottom);
        area.move_cursor(CursorMove::End);
        ConditionInput {
            kind,
            compared_with,
            area,
            preview: PreviewState::Pending,
            suggestions: Vec::new(),
            selected_suggestion: 0,
            replacing: 0,
            vocabulary: VocabularyCache::default(),
            scrolled: std::cell::Cell::new((0, 0)),
            // Checked at the first tick.
            changed_at: Some(Instant::now() - DEBOUNCE),
            title: " Condition ",
            movement: true,
        }
    }

    /// The same input in a box with another title, saying only who
    /// matches (not who would enter or leave a saved segment).
    pub fn matching_only(mut self, title: &'static str) -> ConditionInput {
        self.title = title;
        self.movement = false;
        self
    }

    /// The result of the last check.
    pub fn preview(&self) -> &PreviewState {
        &self.preview
    }

    /// Evaluates for another kind from now on.
    pub fn set_kind(&mut self, kind: EntityKind) {
        if kind != self.kind {
            self.kind = kind;
            self.vocabulary = VocabularyCache::default();
            self.suggestions.clear();
            self.touched();
        }
    }

    /// Adds a condition (from the builder) to the text with `and`, in
    /// parentheses when the text has an `or` of its own.
    pub fn add_condition(&mut self, condition: &str) {
        let text = self.text();
        let text = text.trim();
        // Plain `and` for one line of `and`s; otherwise the text goes in
        // parentheses, closed on a line of its own so that a comment at
        // its end stays a comment and an `or` keeps its meaning.
        let has_or = text
            .split(|c: char| c.is_whitespace() || c == '(' || c == ')')
            .any(|word| word.eq_ignore_ascii_case("or"));
        let joined = if text.is_empty() {
            condition.to_string()
        } else if has_or || text.contains('#') || text.contains('\n') {
            format!("({text}\n) and {condition}")
        } else {
            format!("{text} and {condition}")
        };
        let lines: Vec<String> = joined.lines().map(str::to_string).collect();
        self.area = TextArea::new(lines);
        self.area
            .set_cursor_line_style(ratatui::style::Style::new());
        self.area.move_cursor(CursorMove::Bottom);
        self.area.move_cursor(CursorMove::End);
        self.suggestions.clear();
        self.touched();
    }

    pub fn text(&self) -> String {
        self.area.lines().join("\n")
    }

    /// The text's length in bytes, line breaks counted.
    fn len(&self) -> usize {
        let lines = self.area.lines();
        lines.iter().map(String::len).sum::<usize>() + lines.len().saturating_sub(1)
    }

    pub fn has_suggestions(&self) -> bool {
        !self.suggestions.is_empty()
    }

    pub fn close_suggestions(&mut self) {
        self.suggestions.clear();
    }

    /// Highlights the next (or previous) suggestion; false when the list is
    /// shut.
    pub fn move_suggestion(&mut self, forward: bool) -> bool {
        let count = self.suggestions.len();
        if count == 0 {
            return false;
        }
        self.selected_suggestion = if forward {
            (self.selected_suggestion + 1) % count
        } else {
            (self.selected_suggestion + count - 1) % count
        };
        true
    }

    /// Takes a typed key into the text. Returns whether the text changed.
    /// A key that would make the text longer than [`MAX_CONDITION_BYTES`]
    /// is refused (the bound holds for typing as for pasting): false.
    pub fn type_key(&mut self, key: KeyEvent, workspace: Option<&Workspace>) -> bool {
        let adds = matches!(key.code, KeyCode::Char(_) | KeyCode::Enter | KeyCode::Tab)
            && !key.modifiers.contains(KeyModifiers::CONTROL);
        if adds && self.len() + 4 > MAX_CONDITION_BYTES {
            return false;
        }
        let changed = self.area.input(key);
        if changed {
            self.touched();
        }
        self.refresh_suggestions(workspace);
        changed
    }

    /// Takes pasted text as one edit at the cursor, checked once when typing
    /// pauses: CRLF and CR become line breaks, tabs spaces, other control
    /// characters are left out. A paste that would make the condition
    /// longer than [`MAX_CONDITION_BYTES`] is refused whole, with why.
    pub fn paste(&mut self, text: &str) -> Result<(), String> {
        let text = pasted_lines(text);
        let length = self.len() + text.len();
        if length > MAX_CONDITION_BYTES {
            return Err(format!(
                "not pasted: the condition would be {} bytes, and a condition is at most {} MiB",
                thousands(length as u64),
                MAX_CONDITION_BYTES / (1024 * 1024)
            ));
        }
        if self.area.insert_str(&text) {
            self.touched();
        }
        // No completion for a paste: the list is for what one types.
        self.suggestions.clear();
        Ok(())
    }

    /// Takes the highlighted suggestion, then offers what may follow it;
    /// false when none is shown.
    pub fn accept_suggestion(&mut self, workspace: Option<&Workspace>) -> bool {
        let Some(suggestion) = self.suggestions.get(self.selected_suggestion).cloned() else {
            return false;
        };
        for _ in 0..self.replacing {
            self.area.delete_char();
        }
        self.area.insert_str(&suggestion.insert);
        self.touched();
        self.refresh_suggestions(workspace);
        true
    }

    fn touched(&mut self) {
        self.changed_at = Some(Instant::now());
        self.preview = PreviewState::Pending;
    }

    fn text_before_cursor(&self) -> String {
        let cursor = self.area.cursor();
        let (row, column) = (cursor.0, cursor.1);
        let lines = self.area.lines();
        let mut before: Vec<String> = lines[..row.min(lines.len())].to_vec();
        if let Some(line) = lines.get(row) {
            before.push(line.chars().take(column).collect());
        }
        before.join("\n")
    }

    fn refresh_suggestions(&mut self, workspace: Option<&Workspace>) {
        self.suggestions.clear();
        self.selected_suggestion = 0;
        let Some(workspace) = workspace else {
            return;
        };
        let context = context_at(&self.text_before_cursor(), self.kind);
        self.replacing = context.typed.chars().count();
        self.suggestions = suggestions(&context, &mut self.vocabulary.over(workspace));
    }

    /// Checks the condition once typing has paused; returns whether it did.
    pub fn tick(&mut self, now: Instant, workspace: &Workspace) -> bool {
        match self.changed_at {
            Some(changed) if now.duration_since(changed) >= DEBOUNCE => {
                self.changed_at = None;
                self.check_now(workspace);
                true
            }
            _ => false,
        }
    }

    /// Checks the condition now.
    pub fn check_now(&mut self, workspace: &Workspace) {
        let text = self.text();
        self.preview = match workspace.preview(self.kind, &text, self.compared_with.as_deref()) {
            Ok(preview) => PreviewState::Ready(preview),
            Err(diagnostics) => PreviewState::Invalid(diagnostics),
        };
    }

    /// When the next check is due, if one is.
    pub fn deadline(&self) -> Option<Instant> {
        self.changed_at.map(|changed| changed + DEBOUNCE)
    }

    /// Lines the text area wants, borders included.
    pub fn height(&self) -> u16 {
        (self.area.lines().len() as u16 + 2).clamp(3, 8)
    }

    /// The text area in a box titled " Condition ".
    pub fn draw_area(&self, frame: &mut Frame, area: Rect, focused: bool, theme: Theme) {
        let mut shown = self.area.clone();
        let border = if focused {
            theme.focused_border()
        } else {
            theme.dim()
        };
        shown.set_block(
            Block::default()
                .borders(Borders::ALL)
                .border_style(border)
                .title(self.title),
        );
        if !focused {
            shown.set_cursor_style(ratatui::style::Style::new());
        }
        frame.render_widget(&shown, area);
        self.scrolled.set(shown.scroll_offset());
    }

    /// The outcome of the last check: the count, or each error (at most
    /// two) with its line and column, the source line and a caret, for an
    /// area `width` columns wide.
    pub fn outcome_lines(&self, theme: Theme, width: u16) -> Vec<Line<'static>> {
        let mut lines = Vec::new();
        match &self.preview {
            PreviewState::Pending => lines.push(Line::from(Span::styled("…", theme.dim()))),
            PreviewState::Ready(preview) => {
                lines.push(Line::from(vec![
                    Span::styled(
                        format!(
                            "{} of {} {}",
                            thousands(preview.members as u64),
                            thousands(preview.of as u64),
                            self.kind
                        ),
                        theme.good(),
                    ),
                    Span::raw(format!(
                        " ({}){}",
                        format_share(preview.members, preview.of),
                        if self.movement { "   " } else { " " }
                    )),
                    Span::raw(if self.movement {
                        format!(
                            "+{} would enter  -{} would leave",
                            thousands(preview.entering as u64),
                            thousands(preview.leaving as u64)
                        )
                    } else {
                        "match now".to_string()
                    }),
                ]));
                // The first warning whole, as an error shows; a count of the rest.
                let text = self.text();
                if let Some(first) = preview.warnings.first() {
                    lines.extend(diagnostic_lines(&text, first, theme, width));
                    if preview.warnings.len() > 1 {
                        lines.push(Line::from(Span::styled(
                            format!("(+{} more warnings)", preview.warnings.len() - 1),
                            theme.dim(),
                        )));
                    }
                }
                if !preview.sample.is_empty() {
                    lines.push(Line::from(Span::styled(
                        format!("e.g. {}", preview.sample.join(", ")),
                        theme.dim(),
                    )));
                }
            }
            PreviewState::Invalid(diagnostics) => {
                let text = self.text();
                for diagnostic in diagnostics.iter().take(2) {
                    lines.extend(diagnostic_lines(&text, diagnostic, theme, width));
                }
            }
        }
        lines
    }

    /// The completion list at the cursor: under its line, starting where
    /// the word it completes starts (above the line when there is no room
    /// below), kept inside `bounds`. `area` is the text area's rectangle as
    /// drawn; the list scrolls to keep the highlighted suggestion in view.
    pub fn draw_suggestions(&self, frame: &mut Frame, area: Rect, bounds: Rect, theme: Theme) {
        if self.suggestions.is_empty() {
            return;
        }
        let list_width = self
            .suggestions
            .iter()
            .map(|s| width(&s.label) as u16 + 4)
            .max()
            .unwrap_or(10)
            .min(bounds.width.saturating_sub(2));
        let (top_row, top_column) = self.scrolled.get();
        let cursor = self.area.screen_cursor();
        let row = (cursor.row as u16).saturating_sub(top_row);
        let column = (cursor.col as u16)
            .saturating_sub(top_column)
            .saturating_sub(self.replacing as u16);
        let cursor_y = area.y + 1 + row;
        let wanted = self.suggestions.len() as u16 + 2;
        let below = bounds.bottom().saturating_sub(cursor_y + 1);
        let above = cursor_y.saturating_sub(bounds.y);
        let (y, height) = if below >= wanted.min(MIN_LIST_HEIGHT + 2) || below >= above {
            (cursor_y + 1, wanted.min(below))
        } else {
            let height = wanted.min(above);
            (cursor_y - height, height)
        };
        if height < 3 {
            return;
        }
        let x = (area.x + 1 + column)
            .min(bounds.right().saturating_sub(list_width))
            .max(bounds.x);
        let rect = Rect {
            x,
            y,
            width: list_width,
            height,
        };
        let shown = usize::from(height - 2);
        let first = (self.selected_suggestion + 1).saturating_sub(shown);
        let items: Vec<ListItem> = self
            .suggestions
            .iter()
            .enumerate()
            .skip(first)
            .take(shown)
            .map(|(index, suggestion)| {
                let style = if index == self.selected_suggestion {
                    theme.selected()
                } else {
                    theme.normal()
                };
                ListItem::new(Span::styled(suggestion.label.clone(), style))
            })
            .collect();
        frame.render_widget(Clear, rect);
        frame.render_widget(
            List::new(items).block(Block::default().borders(Borders::ALL).title(" Tab ")),
            rect,
        );
    }
}

/// A diagnostic as the input shows it: where, what, the line with a caret
/// under the span, and the help. A source line wider than `columns` is cut
/// into rows here, not by the paragraph's word wrap (which moved the caret
/// away from its text), and the caret follows the row that holds the span.
fn diagnostic_lines(
    text: &str,
    diagnostic: &Diagnostic,
    theme: Theme,
    columns: u16,
) -> Vec<Line<'static>> {
    const INDENT: &str = "  ";
    let at = line_column(text, diagnostic.span.start);
    let mut lines = vec![Line::from(Span::styled(
        format!(
            "line {}, column {}: {}",
            at.line, at.column, diagnostic.message
        ),
        theme.error(),
    ))];
    let source = text.lines().nth(at.line - 1).unwrap_or("");
    let covered = text
        .get(diagnostic.span.start..diagnostic.span.end.max(diagnostic.span.start))
        .map_or(1, |s| width(s.lines().next().unwrap_or(s)).max(1));
    let before: String = source.chars().take(at.column.saturating_sub(1)).collect();
    let caret = width(&before);
    let room = usize::from(columns).saturating_sub(INDENT.len()).max(1);
    let rows = rows_of_width(source, room);
    let mut start = 0;
    for (index, row) in rows.iter().enumerate() {
        let end = start + width(row);
        lines.push(Line::raw(format!("{INDENT}{row}")));
        if caret >= start && (caret < end || index + 1 == rows.len()) {
            let offset = (caret - start).min(room - 1);
            lines.push(Line::from(Span::styled(
                format!(
                    "{INDENT}{}{}",
                    " ".repeat(offset),
                    "^".repeat(covered.min(room - offset))
                ),
                theme.error(),
            )));
        }
        start = end;
    }
    if let Some(help) = &diagnostic.help {
        lines.push(Line::from(Span::styled(
            format!("  help: {help}"),
            theme.dim(),
        )));
    }
    lines
}

/// `text` cut into rows at most `room` columns wide (at least one row; a
/// character wider than `room` gets a row of its own).
fn rows_of_width(text: &str, room: usize) -> Vec<String> {
    let mut rows = vec![String::new()];
    let mut used = 0;
    for c in text.chars() {
        let wide = width(c.encode_utf8(&mut [0; 4]));
        if used + wide > room && used > 0 {
            rows.push(String::new());
            used = 0;
        }
        if let Some(row) = rows.last_mut() {
            row.push(c);
        }
        used += wide;
    }
    rows
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typing_stops_at_the_bound_as_a_paste_does() {
        let near = "x".repeat(MAX_CONDITION_BYTES - 2);
        let mut input = ConditionInput::new(EntityKind::Users, &near, None);
        let key = |code| KeyEvent::new(code, KeyModifiers::NONE);
        assert!(!input.type_key(key(KeyCode::Char('a')), None));
        assert!(!input.type_key(key(KeyCode::Enter), None));
        assert_eq!(input.text().len(), near.len());
        assert!(input.type_key(key(KeyCode::Backspace), None));
        assert!(input.paste("ab").is_ok());
        assert!(input.paste("cdefg").is_err());
        let mut short = ConditionInput::new(EntityKind::Users, "plan", None);
        assert!(short.type_key(key(KeyCode::Char('s')), None));
    }
}

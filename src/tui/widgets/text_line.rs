//! A one-line text field (the `:` prompt, the name filter): a
//! ratatui-textarea kept to one line, Enter never splitting it.

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui_textarea::{CursorMove, TextArea};

pub struct TextLine {
    area: TextArea<'static>,
}

impl Default for TextLine {
    fn default() -> TextLine {
        TextLine::with_text("")
    }
}

impl TextLine {
    pub fn with_text(text: &str) -> TextLine {
        let mut area = TextArea::new(vec![text.to_string()]);
        area.set_cursor_line_style(ratatui::style::Style::new());
        area.move_cursor(CursorMove::End);
        TextLine { area }
    }

    pub fn text(&self) -> String {
        self.area.lines().join(" ")
    }

    pub fn set_text(&mut self, text: &str) {
        *self = TextLine::with_text(text);
    }

    /// Types a key; returns whether the text changed. Enter and control
    /// keys other than the editing ones are not text.
    pub fn input(&mut self, key: KeyEvent) -> bool {
        if matches!(
            key.code,
            KeyCode::Enter | KeyCode::Tab | KeyCode::BackTab | KeyCode::Esc
        ) {
            return false;
        }
        if key.modifiers.contains(KeyModifiers::CONTROL)
            && matches!(key.code, KeyCode::Char('m' | 'j'))
        {
            return false;
        }
        self.area.input(key)
    }

    /// Takes pasted text as one edit at the cursor: line breaks and tabs
    /// become spaces, other control characters are left out (one line).
    pub fn paste(&mut self, text: &str) -> bool {
        let one_line: String = text
            .replace("\r\n", "\n")
            .chars()
            .filter_map(|c| match c {
                '\n' | '\r' | '\t' => Some(' '),
                c if c.is_control() => None,
                c => Some(c),
            })
            .collect();
        self.area.insert_str(one_line)
    }

    pub fn draw(&self, frame: &mut Frame, area: Rect, focused: bool) {
        if focused {
            frame.render_widget(&self.area, area);
        } else {
            let mut shown = self.area.clone();
            shown.set_cursor_style(ratatui::style::Style::new());
            frame.render_widget(&shown, area);
        }
    }
}

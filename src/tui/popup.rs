//! Overlays, kept as a stack: the top one gets the keys first, Esc closes it.

use ratatui_textarea::TextArea;

/// What a confirmation is for.
#[derive(Clone, Debug, PartialEq)]
pub enum Confirm {
    DeleteSegment(String),
    DiscardEdits,
}

pub enum Popup {
    Help {
        scroll: u16,
    },
    Confirm {
        question: String,
        action: Confirm,
    },
    Prompt {
        input: Box<TextArea<'static>>,
        completions: Vec<String>,
    },
}

impl Popup {
    pub fn prompt() -> Popup {
        let mut input = TextArea::default();
        input.set_cursor_line_style(ratatui::style::Style::new());
        Popup::Prompt {
            input: Box::new(input),
            completions: super::app::prompt_completions(""),
        }
    }
}

//! The message log: what the UI said, newest last, each message whole. The
//! status bar shows the first line of the newest; the log (a key, or
//! `:messages`) shows them all, wrapped.

use std::borrow::Cow;
use std::collections::VecDeque;

use crate::model::visible_lines;

/// `text` with its control characters written out (its lines kept).
fn shown(text: String) -> String {
    match visible_lines(&text) {
        Cow::Borrowed(_) => text,
        Cow::Owned(escaped) => escaped,
    }
}

/// How many messages the log keeps.
pub const KEPT_MESSAGES: usize = 200;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Message {
    pub text: String,
    pub is_error: bool,
}

impl Message {
    /// A message; what the terminal would act on in it (an ESC from a
    /// value or a name) is written out, as everywhere text is shown.
    pub fn info(text: impl Into<String>) -> Message {
        Message {
            text: shown(text.into()),
            is_error: false,
        }
    }

    pub fn error(text: impl Into<String>) -> Message {
        Message {
            text: shown(text.into()),
            is_error: true,
        }
    }

    /// The first line, as the status bar shows it.
    pub fn first_line(&self) -> &str {
        self.text.lines().next().unwrap_or("")
    }
}

#[derive(Debug, Default)]
pub struct MessageLog {
    messages: VecDeque<Message>,
}

impl MessageLog {
    pub fn push(&mut self, message: Message) {
        if self.messages.len() == KEPT_MESSAGES {
            self.messages.pop_front();
        }
        self.messages.push_back(message);
    }

    pub fn latest(&self) -> Option<&Message> {
        self.messages.back()
    }

    /// Newest first.
    pub fn newest_first(&self) -> impl Iterator<Item = &Message> {
        self.messages.iter().rev()
    }

    pub fn len(&self) -> usize {
        self.messages.len()
    }

    pub fn is_empty(&self) -> bool {
        self.messages.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_the_newest() {
        let mut log = MessageLog::default();
        for index in 0..KEPT_MESSAGES + 5 {
            log.push(Message::info(format!("m{index}")));
        }
        assert_eq!(log.len(), KEPT_MESSAGES);
        assert_eq!(log.latest().map(|m| m.text.as_str()), Some("m204"));
        assert_eq!(
            log.newest_first().last().map(|m| m.text.as_str()),
            Some("m5")
        );
    }
}

//! Text for narrow places: cut to a number of terminal columns (the model's
//! rule, shared with the CLI's tables), counts with thousands separators,
//! a path shortened to its file name, and pasted text made fit for a field. Text is measured and cut as it
//! is shown — control characters written out by the model's `visible`, the
//! function the CLI prints through — so data shows its escape characters
//! instead of losing them silently (ratatui drops what it cannot draw).

pub use crate::model::format_count as thousands;
use crate::model::{cut_to_width, display_width, visible};

/// `text` as shown, in at most `columns` columns, ending with … when cut.
pub fn cut(text: &str, columns: usize) -> String {
    cut_to_width(&visible(text), columns)
}

/// Pasted text for a field of several lines: CRLF and CR become line
/// breaks, tabs spaces, other control characters are left out.
pub fn pasted_lines(text: &str) -> String {
    text.replace("\r\n", "\n")
        .replace('\r', "\n")
        .chars()
        .filter_map(|c| match c {
            '\n' => Some('\n'),
            '\t' => Some(' '),
            c if c.is_control() => None,
            c => Some(c),
        })
        .collect()
}

/// Columns `text` takes as shown.
pub fn width(text: &str) -> usize {
    display_width(&visible(text))
}

/// The last part of a path, for short messages and narrow columns, as
/// shown.
pub fn file_name(path: &str) -> String {
    let name = std::path::Path::new(path).file_name().map_or_else(
        || path.to_string(),
        |name| name.to_string_lossy().into_owned(),
    );
    visible(&name).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_shown_and_measured_written_out() {
        assert_eq!(cut("a\u{1b}[2J", 20), "a\\u{1b}[2J");
        assert_eq!(width("a\u{7}"), 6);
        assert_eq!(cut("a\u{1b}[2J", 4), "a\\u…");
    }

    #[test]
    fn file_names_of_paths() {
        assert_eq!(file_name("/a/b/c.seg"), "c.seg");
        assert_eq!(file_name("c.seg"), "c.seg");
    }
}

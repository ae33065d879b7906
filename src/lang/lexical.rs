//! A one-pass scan of the raw text for the three things the grammar does not
//! hand back: comments (kept by the formatter), the depth of nesting (bounded
//! so that no input can exhaust the stack), and the places where a definition
//! starts (where the parser resumes after an error).
//!
//! It knows only enough of the language to skip strings, backtick names and
//! comments; everything else is the grammar's job.

use super::ast::{Comment, Span};
use crate::model::DEFINITION_KEYWORDS;

/// Deeper nesting of parentheses, brackets, braces and `not` is refused.
pub const MAX_NESTING: usize = 64;

#[derive(Debug, Default)]
pub struct Scan {
    pub comments: Vec<Comment>,
    /// Where nesting first went past [`MAX_NESTING`], if it did.
    pub too_deep: Option<Span>,
    /// Byte offsets of lines that start with `segment "`, `view '`, ...
    pub definition_starts: Vec<usize>,
}

pub fn scan(text: &str) -> Scan {
    let bytes = text.as_bytes();
    let mut result = Scan::default();
    let mut depth = 0usize;
    let mut not_run = 0usize;
    let mut at_line_start = true;
    let mut i = 0;
    while i < bytes.len() {
        let byte = bytes[i];
        match byte {
            b'\n' => {
                at_line_start = true;
                i += 1;
                continue;
            }
            b' ' | b'\t' | b'\r' => {
                i += 1;
                continue;
            }
            b'#' => {
                let end = line_end(bytes, i);
                result.comments.push(Comment {
                    text: text[i + 1..end].trim_end().to_string(),
                    span: Span::new(i, end),
                });
                i = end;
                continue;
            }
            b'"' | b'\'' | b'`' => {
                i = quoted_end(bytes, i);
                not_run = 0;
            }
            b'(' | b'[' | b'{' => {
                depth += 1;
                i += 1;
            }
            b')' | b']' | b'}' => {
                depth = depth.saturating_sub(1);
                not_run = 0;
                i += 1;
            }
            _ if byte.is_ascii_alphanumeric() || byte == b'_' => {
                let start = i;
                while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
                    i += 1;
                }
                let word = &text[start..i];
                if word.eq_ignore_ascii_case("not") {
                    not_run += 1;
                } else {
                    not_run = 0;
                }
                // Inside a block, `segment "A"` can be an entry; a definition
                // starts outside braces, or at the very start of a line.
                let at_column_zero = start == 0 || bytes[start - 1] == b'\n';
                if at_line_start
                    && (depth == 0 || at_column_zero)
                    && starts_definition(word, &bytes[i..])
                {
                    result.definition_starts.push(start);
                }
            }
            _ => {
                not_run = 0;
                // Step over a whole UTF-8 character.
                i += 1;
                while i < bytes.len() && (bytes[i] & 0xC0) == 0x80 {
                    i += 1;
                }
            }
        }
        at_line_start = false;
        if depth + not_run > MAX_NESTING && result.too_deep.is_none() {
            let start = i.saturating_sub(1);
            result.too_deep = Some(Span::new(start, i));
        }
    }
    result
}

fn line_end(bytes: &[u8], from: usize) -> usize {
    bytes[from..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |offset| from + offset)
}

/// The offset just past a quoted run starting at `from`; a quote left open
/// ends at the end of its line (strings never span lines).
fn quoted_end(bytes: &[u8], from: usize) -> usize {
    let quote = bytes[from];
    let mut i = from + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if quote != b'`' && bytes.get(i + 1) != Some(&b'\n') => i += 2,
            b'\n' => return i,
            b if b == quote => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

fn starts_definition(word: &str, rest: &[u8]) -> bool {
    if !DEFINITION_KEYWORDS
        .iter()
        .any(|keyword| word.eq_ignore_ascii_case(keyword))
    {
        return false;
    }
    let after_space = rest
        .iter()
        .position(|&b| !matches!(b, b' ' | b'\t'))
        .unwrap_or(rest.len());
    after_space > 0 && matches!(rest.get(after_space), Some(b'"' | b'\''))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_outside_strings_only() {
        let scan = scan("a = \"# not\" # yes\n# two");
        let texts: Vec<_> = scan.comments.iter().map(|c| c.text.as_str()).collect();
        assert_eq!(texts, [" yes", " two"]);
    }

    #[test]
    fn definition_starts_at_line_starts() {
        let text = "segment \"a\" for users {}\n  view 'b' {}\nx segment \"c\"";
        assert_eq!(scan(text).definition_starts, [0, 27]);
        let inside = "view \"v\" {\n  segment \"A\"\n}\nsegment \"B\" for users {}";
        assert_eq!(scan(inside).definition_starts, [0, 27]);
    }

    #[test]
    fn nesting_is_bounded() {
        let deep = "(".repeat(MAX_NESTING + 1);
        assert!(scan(&deep).too_deep.is_some());
        let nots = "not ".repeat(MAX_NESTING + 1);
        assert!(scan(&nots).too_deep.is_some());
        assert!(scan("not not (a = 1)").too_deep.is_none());
    }
}

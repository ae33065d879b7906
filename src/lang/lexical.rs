//! A one-pass scan of the raw text for the three things the grammar does not
//! hand back: comments (kept by the formatter), the depth of nesting (bounded
//! so that no input can exhaust the stack), and the places where a definition
//! starts (where the parser resumes after an error). And [`tokens`]: the
//! text cut into the language's tokens, forgiving of half-typed text (an
//! open quote, a word cut short), for completion to read where the cursor
//! stands.
//!
//! It knows only enough of the language to skip strings, backtick names and
//! comments and to tell words from numbers and symbols; which token may
//! follow which is the grammar's job.

use crate::model::DEFINITION_KEYWORDS;
use crate::model::ast::{Comment, Span};

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

/// The name in the header of the definition starting at `start`
/// (`segment "Name" for users {` gives `Name`), if it can be read.
pub fn header_name(text: &str, start: usize) -> Option<&str> {
    let rest = text.get(start..)?;
    let after_keyword = rest.trim_start_matches(|c: char| c.is_ascii_alphabetic());
    let quoted = after_keyword.trim_start();
    let quote = quoted.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let body = &quoted[1..];
    let end = body.find([quote, '\n'])?;
    (body[end..].starts_with(quote)).then(|| &body[..end])
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
    quoted_run(bytes, from).0
}

/// [`quoted_end`], and whether the closing quote was found.
fn quoted_run(bytes: &[u8], from: usize) -> (usize, bool) {
    let quote = bytes[from];
    let mut i = from + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if quote != b'`' && bytes.get(i + 1) != Some(&b'\n') => i += 2,
            b'\n' => return (i, false),
            b if b == quote => return (i + 1, true),
            _ => i += 1,
        }
    }
    (bytes.len(), false)
}

/// What a [`Token`] is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    /// A keyword, a bare property name or a time unit. Any letter counts, so
    /// a half-typed name with a non-ASCII letter stays one token.
    Word,
    /// A number, a date or an instant (`42`, `-3.5`, `2024-05-01T10:30Z`).
    Number,
    /// Text in quotes; `closed` is false when the line ends first.
    Text {
        closed: bool,
    },
    /// A name in backticks; `closed` as for text.
    Backticked {
        closed: bool,
    },
    /// `=`, `==`, `!=`, `<>`, `<`, `<=`, `>` or `>=`.
    Comparison,
    /// `(`, `[` or `{`.
    Open(u8),
    /// `)`, `]` or `}`.
    Close(u8),
    Comma,
    Dot,
    /// A `#` comment, to the end of its line.
    Comment,
    /// Anything else (one character).
    Other,
}

/// One token of the language: its kind and where it stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Token {
    pub kind: TokenKind,
    pub span: Span,
}

impl Token {
    /// The token's text in `text` (the text it was cut from).
    pub fn text<'t>(&self, text: &'t str) -> &'t str {
        text.get(self.span.start..self.span.end).unwrap_or("")
    }
}

/// The tokens of `text`, in order; whitespace separates them and is not one.
/// Never fails: what the language would refuse is still cut into tokens.
pub fn tokens(text: &str) -> Vec<Token> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let start = i;
        let byte = bytes[i];
        let next_is_digit = bytes.get(i + 1).is_some_and(u8::is_ascii_digit);
        let kind = match byte {
            b' ' | b'\t' | b'\r' | b'\n' => {
                i += 1;
                continue;
            }
            b'#' => {
                i = line_end(bytes, i);
                TokenKind::Comment
            }
            b'"' | b'\'' | b'`' => {
                let (end, closed) = quoted_run(bytes, i);
                i = end;
                if byte == b'`' {
                    TokenKind::Backticked { closed }
                } else {
                    TokenKind::Text { closed }
                }
            }
            b'0'..=b'9' => {
                i = number_end(bytes, i);
                TokenKind::Number
            }
            b'-' | b'.' if next_is_digit => {
                i = number_end(bytes, i + 1);
                TokenKind::Number
            }
            b'=' | b'!' | b'<' | b'>' => {
                i += 1;
                if matches!(
                    (byte, bytes.get(i)),
                    (b'=' | b'!' | b'<' | b'>', Some(b'=')) | (b'<', Some(b'>'))
                ) {
                    i += 1;
                }
                TokenKind::Comparison
            }
            b'(' | b'[' | b'{' => {
                i += 1;
                TokenKind::Open(byte)
            }
            b')' | b']' | b'}' => {
                i += 1;
                TokenKind::Close(byte)
            }
            b',' => {
                i += 1;
                TokenKind::Comma
            }
            b'.' => {
                i += 1;
                TokenKind::Dot
            }
            _ => {
                let word_end = word_end(text, i);
                if word_end > i {
                    i = word_end;
                    TokenKind::Word
                } else {
                    i += text[i..].chars().next().map_or(1, char::len_utf8);
                    TokenKind::Other
                }
            }
        };
        found.push(Token {
            kind,
            span: Span::new(start, i),
        });
    }
    found
}

/// Where a word that starts at `from` ends (`from` itself when none does).
fn word_end(text: &str, from: usize) -> usize {
    text[from..]
        .char_indices()
        .find(|(_, c)| !(c.is_alphanumeric() || *c == '_'))
        .map_or(text.len(), |(offset, _)| from + offset)
}

/// Where a number, date or instant that starts at `from` ends: digits,
/// letters (`1e6`, `T`, `Z`) and `. : + -` inside it.
fn number_end(bytes: &[u8], from: usize) -> usize {
    let mut i = from;
    while i < bytes.len()
        && (bytes[i].is_ascii_alphanumeric()
            || matches!(bytes[i], b'_' | b'.' | b':' | b'+' | b'-'))
    {
        i += 1;
    }
    i
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
    fn tokens_of_a_condition() {
        let text = "account.plan != \"pro\" and (seats >= -3.5 or x in [1, 2024-05-01T10:30Z]) # c";
        let kinds: Vec<(TokenKind, &str)> = tokens(text)
            .iter()
            .map(|token| (token.kind, token.text(text)))
            .collect();
        use TokenKind::*;
        assert_eq!(
            kinds,
            [
                (Word, "account"),
                (Dot, "."),
                (Word, "plan"),
                (Comparison, "!="),
                (Text { closed: true }, "\"pro\""),
                (Word, "and"),
                (Open(b'('), "("),
                (Word, "seats"),
                (Comparison, ">="),
                (Number, "-3.5"),
                (Word, "or"),
                (Word, "x"),
                (Word, "in"),
                (Open(b'['), "["),
                (Number, "1"),
                (Comma, ","),
                (Number, "2024-05-01T10:30Z"),
                (Close(b']'), "]"),
                (Close(b')'), ")"),
                (Comment, "# c"),
            ]
        );
    }

    #[test]
    fn half_typed_tokens() {
        let text = "name = \"Jo\\\" and `Company Si é";
        let kinds: Vec<TokenKind> = tokens(text).iter().map(|token| token.kind).collect();
        assert_eq!(
            kinds,
            [
                TokenKind::Word,
                TokenKind::Comparison,
                TokenKind::Text { closed: false },
            ],
            "an escaped quote does not close the text"
        );
        let text = "`Company Si";
        assert_eq!(
            tokens(text)[0].kind,
            TokenKind::Backticked { closed: false }
        );
        let text = "prénom <> ";
        let words: Vec<&str> = tokens(text).iter().map(|t| t.text(text)).collect();
        assert_eq!(words, ["prénom", "<>"]);
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

//! Syntax errors in words. pest says "at this offset I expected these
//! rules"; this module looks at the text around the offset and says what a
//! person would: an unclosed quote, a bad escape, a keyword used as a name,
//! a `between` missing its `and` — and otherwise what was expected (see
//! [`super::expected`]) and what was found.

use pest::error::{Error, ErrorVariant, InputLocation};

use super::diagnostic::Diagnostic;
use super::expected::expected_message;
use super::parser::Rule;
use crate::model::DEFINITION_KEYWORDS;
use crate::model::ast::Span;

/// The operator words that cannot be bare property names.
pub const RESERVED: [&str; 17] = [
    "and", "or", "not", "in", "is", "set", "has", "any", "all", "between", "contains", "starts",
    "ends", "with", "matches", "true", "false",
];

pub fn syntax_error(text: &str, error: &Error<Rule>) -> Diagnostic {
    let (start, end) = match error.location {
        InputLocation::Pos(pos) => (pos, pos),
        InputLocation::Span((start, end)) => (start, end),
    };
    let start = floor_char_boundary(text, start);
    if let Some(diagnostic) = unterminated_quote(text, start).or_else(|| bad_escape(text, start)) {
        return diagnostic;
    }
    let positives: &[Rule] = match &error.variant {
        ErrorVariant::ParsingError { positives, .. } => positives,
        ErrorVariant::CustomError { message } => {
            let message = if message.contains("limit") {
                "the text is too deeply nested or too long to parse".to_string()
            } else {
                message.clone()
            };
            return Diagnostic::error(message, Span::new(start, start.max(end)));
        }
    };
    let found = Found::at(text, start);
    let span = Span::new(start, if end > start { end } else { start + found.len });
    if let Some(diagnostic) = special_case(text, start, span, positives, &found) {
        return diagnostic;
    }
    let mut diagnostic = Diagnostic::error(
        format!(
            "{}, found {}",
            expected_message(positives, found.is_word()),
            found.describe()
        ),
        span,
    );
    if let Some(help) = name_help(&found, positives) {
        diagnostic = diagnostic.with_help(help);
    }
    diagnostic
}

/// What stands at the error position.
struct Found<'a> {
    /// The word or character there; empty at the end of the text or line.
    token: &'a str,
    len: usize,
    end_of_line: bool,
    end_of_text: bool,
    /// The text after the token, from its next non-space character.
    after: &'a str,
}

impl<'a> Found<'a> {
    fn at(text: &'a str, offset: usize) -> Found<'a> {
        let rest = text.get(offset..).unwrap_or("");
        let trimmed = rest.trim_start_matches([' ', '\t', '\r']);
        let word_len: usize = rest
            .chars()
            .take_while(|c| c.is_alphanumeric() || *c == '_')
            .map(char::len_utf8)
            .sum();
        let len = if word_len > 0 {
            word_len
        } else {
            rest.chars().next().map_or(0, char::len_utf8)
        };
        let end_of_line = trimmed.is_empty() || trimmed.starts_with('\n');
        Found {
            token: if end_of_line { "" } else { &rest[..len] },
            len: if end_of_line { 0 } else { len },
            end_of_line,
            end_of_text: trimmed.is_empty(),
            after: if end_of_line {
                ""
            } else {
                rest[len..].trim_start()
            },
        }
    }

    fn is_word(&self) -> bool {
        self.token
            .starts_with(|c: char| c.is_alphabetic() || c == '_')
    }

    fn describe(&self) -> String {
        if self.end_of_text {
            return "the end of the text".to_string();
        }
        if self.end_of_line {
            return "the end of the line".to_string();
        }
        let shown: String = self.token.chars().take(40).collect();
        format!("`{shown}`")
    }
}

fn special_case(
    text: &str,
    start: usize,
    span: Span,
    positives: &[Rule],
    found: &Found,
) -> Option<Diagnostic> {
    let before = text[..start].trim_end();
    let previous_words: Vec<&str> = before
        .rsplit(|c: char| !(c.is_alphanumeric() || c == '_' || c == '.' || c == '-' || c == ':'))
        .filter(|w| !w.is_empty())
        .take(2)
        .collect();
    let previous_is = |word: &str, index: usize| {
        previous_words
            .get(index)
            .is_some_and(|w| w.eq_ignore_ascii_case(word))
    };
    let at_end = text[start..].trim().is_empty();

    if at_end && positives.contains(&Rule::close_brace) {
        return Some(
            Diagnostic::error(
                "expected `}` to close the definition before the end of the text",
                span,
            )
            .with_help("every `{` needs a matching `}`"),
        );
    }
    if previous_is("between", 1) && positives.contains(&Rule::kw_and) {
        return Some(Diagnostic::error(
            format!(
                "expected `and` and the upper bound, as in between 1 and 10, found {}",
                found.describe()
            ),
            span,
        ));
    }
    if positives.contains(&Rule::kw_set) && (previous_is("is", 0) || previous_is("not", 0)) {
        return Some(Diagnostic::error(
            format!(
                "expected `set` or `not set` after `is`, found {}",
                found.describe()
            ),
            span,
        ));
    }
    if previous_is("webhook", 0) && positives.contains(&Rule::string) {
        return Some(
            Diagnostic::error(
                format!(
                    "expected the address to post to, in quotes, found {}",
                    found.describe()
                ),
                span,
            )
            .with_help("write: webhook \"https://hooks.example.com/segscope\""),
        );
    }
    if previous_is("secret", 0)
        && (positives.contains(&Rule::env_reference) || positives.contains(&Rule::kw_env))
    {
        return Some(
            Diagnostic::error(
                format!(
                    "expected `env` and the name of the environment variable holding the secret, found {}",
                    found.describe()
                ),
                span,
            )
            .with_help("write: secret env \"HOOK_SECRET\""),
        );
    }
    if found.token == "." && before.ends_with(|c: char| c.is_ascii_digit()) {
        return Some(Diagnostic::error(
            "a number needs digits after the decimal point, as in 1.5",
            span,
        ));
    }
    if found.token == "-" && looks_like_short_date(before) {
        return Some(Diagnostic::error(
            "dates are written YYYY-MM-DD, as in 2024-05-01",
            Span::new(start - trailing_digits(before), span.end),
        ));
    }
    if (found.token == "+" || found.token == "-")
        && before.contains('T')
        && before.ends_with(|c: char| c.is_ascii_digit())
    {
        return Some(Diagnostic::error(
            "a time zone offset is written +HH:MM, as in 2024-05-01T10:30:00+02:00",
            span,
        ));
    }
    let at_top_level = positives
        .iter()
        .any(|r| matches!(r, Rule::segment_definition | Rule::block_definition));
    if at_top_level {
        let mut diagnostic = Diagnostic::error(
            format!(
                "expected a definition such as segment \"Name\" for users {{ ... }}, found {}",
                found.describe()
            ),
            span,
        );
        if let Some(keyword) = super::validate::did_you_mean(found.token, DEFINITION_KEYWORDS) {
            diagnostic = diagnostic.with_help(format!("did you mean `{keyword}`?"));
        }
        return Some(diagnostic);
    }
    None
}

/// Help for a name the grammar refused: a keyword, or non-ASCII letters.
fn name_help(found: &Found, positives: &[Rule]) -> Option<String> {
    let wants_name = positives.iter().any(|r| {
        matches!(
            r,
            Rule::condition | Rule::property_predicate | Rule::property_path
        )
    });
    let word = found.token;
    if !wants_name || word.is_empty() {
        return None;
    }
    // `and = 1` is a property named `and`; `or or x` is a typo.
    let compared = found.after.starts_with(['=', '!', '<', '>']);
    if compared && RESERVED.iter().any(|k| k.eq_ignore_ascii_case(word)) {
        return Some(format!(
            "`{word}` is a keyword; to use a property named {word}, write it in backticks: `{word}` = 1"
        ));
    }
    if !word.is_ascii() && word.starts_with(char::is_alphabetic) {
        return Some(format!(
            "names with characters other than A-Z, 0-9 and _ go in backticks: `{word}`"
        ));
    }
    None
}

fn looks_like_short_date(before: &str) -> bool {
    let digits = trailing_digits(before);
    let rest = &before[..before.len() - digits];
    (1..=4).contains(&digits)
        && (rest.ends_with(|c: char| !c.is_ascii_digit()) || rest.is_empty())
        && (digits == 4 || rest.ends_with('-'))
}

fn trailing_digits(text: &str) -> usize {
    text.bytes().rev().take_while(u8::is_ascii_digit).count()
}

fn floor_char_boundary(text: &str, mut offset: usize) -> usize {
    offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// A quote opened on this line before `offset` and never closed is the real
/// problem, whatever pest expected at the end of the line.
fn unterminated_quote(text: &str, offset: usize) -> Option<Diagnostic> {
    let (line_start, line) = line_around(text, offset);
    let mut open: Option<(usize, char)> = None;
    let mut chars = line.char_indices();
    while let Some((i, c)) = chars.next() {
        match open {
            None if c == '#' => break,
            None if matches!(c, '"' | '\'' | '`') => open = Some((i, c)),
            Some((_, quote)) if c == '\\' && quote != '`' => {
                chars.next();
            }
            Some((_, quote)) if c == quote => open = None,
            _ => {}
        }
    }
    let (at, quote) = open?;
    let start = line_start + at;
    if start > offset {
        return None;
    }
    let what = if quote == '`' {
        "a property name in backticks"
    } else {
        "text in quotes"
    };
    Some(
        Diagnostic::error(
            format!("{what} is not closed before the end of the line"),
            Span::new(start, start + 1),
        )
        .with_label("opened here")
        .with_help(format!("add the closing {quote}")),
    )
}

/// A string at `offset` that holds an escape the language does not have.
fn bad_escape(text: &str, offset: usize) -> Option<Diagnostic> {
    let rest = text.get(offset..)?;
    let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
    let body = &rest[1..];
    let mut chars = body.char_indices();
    while let Some((i, c)) = chars.next() {
        if c == quote || c == '\n' {
            return None;
        }
        if c != '\\' {
            continue;
        }
        let escape_start = offset + 1 + i;
        match chars.next() {
            Some((_, '"' | '\'' | '\\' | 'n' | 't' | 'r')) => {}
            Some((j, 'u')) => {
                let after = &body[j + 1..];
                let hex_len = after
                    .strip_prefix('{')
                    .map(|h| h.chars().take_while(char::is_ascii_hexdigit).count());
                let closed = hex_len
                    .is_some_and(|n| (1..=6).contains(&n) && after[1 + n..].starts_with('}'));
                if !closed {
                    return Some(escape_diagnostic(text, escape_start, 2));
                }
            }
            Some((_, other)) => {
                return Some(escape_diagnostic(text, escape_start, 1 + other.len_utf8()));
            }
            None => return None,
        }
    }
    None
}

fn escape_diagnostic(text: &str, start: usize, len: usize) -> Diagnostic {
    let shown = &text[start..(start + len).min(text.len())];
    Diagnostic::error(
        format!("`{shown}` is not an escape the language knows"),
        Span::new(start, start + len),
    )
    .with_help(r#"use \" \' \\ \n \t \r or \u{1F600}; write a backslash itself as \\"#)
}

fn line_around(text: &str, offset: usize) -> (usize, &str) {
    let offset = offset.min(text.len());
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    let line_end = text[offset..].find('\n').map_or(text.len(), |i| offset + i);
    (line_start, &text[line_start..line_end])
}

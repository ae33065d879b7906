//! Diagnostics: what went wrong, where, and what might fix it — rendered like
//! rustc's (file:line:column, the line, a caret under the span).
//!
//! A [`Diagnostic`] is a plain value with a byte span; rendering needs the
//! source text and its name and is done by `ariadne`. Nothing here decides
//! *what* is wrong: the parser and the validator do.

use std::fmt;

use ariadne::{CharSet, Config, IndexType, Label, Report, ReportKind, Source};

use crate::model::ast::Span;
use crate::model::{visible, visible_lines};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Severity {
    Error,
    Warning,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Diagnostic {
    pub severity: Severity,
    /// One sentence, in words, without location.
    pub message: String,
    pub span: Span,
    /// A short note printed under the caret.
    pub label: Option<String>,
    /// "did you mean ...", or how to fix it.
    pub help: Option<String>,
    /// It names a segment that does not exist (this name, folded) — which
    /// may only mean that the definition of that name failed to parse.
    pub unknown_reference: Option<String>,
    /// Text the rendering must not repeat (a secret written where it does
    /// not belong): shown as `*`s in the source line.
    pub conceal: Option<Span>,
}

impl Diagnostic {
    pub fn error(message: impl Into<String>, span: Span) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            message: message.into(),
            span,
            label: None,
            help: None,
            unknown_reference: None,
            conceal: None,
        }
    }

    pub fn warning(message: impl Into<String>, span: Span) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..Diagnostic::error(message, span)
        }
    }

    pub fn with_label(mut self, label: impl Into<String>) -> Diagnostic {
        self.label = Some(label.into());
        self
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Diagnostic {
        self.help = Some(help.into());
        self
    }

    /// Leaves `span`'s text out of the rendered source line.
    pub fn concealing(mut self, span: Span) -> Diagnostic {
        self.conceal = Some(span);
        self
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }

    pub fn shifted(mut self, by: usize) -> Diagnostic {
        self.span = self.span.shifted(by);
        self.conceal = self.conceal.map(|span| span.shifted(by));
        self
    }
}

/// A line and column, both counted from 1; columns count characters.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LineColumn {
    pub line: usize,
    pub column: usize,
}

impl fmt::Display for LineColumn {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.line, self.column)
    }
}

/// The line and column of a byte offset (clamped into the text).
pub fn line_column(text: &str, offset: usize) -> LineColumn {
    let mut offset = offset.min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    LineColumn { line, column }
}

/// Renders diagnostics for one source. `origin` is the file name, or
/// "condition" for text typed in a prompt.
pub struct Renderer<'a> {
    pub origin: &'a str,
    pub text: &'a str,
    pub color: bool,
}

impl Renderer<'_> {
    /// The one-line form: `file:3:7: error: message`.
    pub fn headline(&self, diagnostic: &Diagnostic) -> String {
        let at = line_column(self.text, diagnostic.span.start);
        let severity = match diagnostic.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        format!(
            "{}:{}: {}: {}",
            visible(self.origin),
            at,
            severity,
            visible_lines(&diagnostic.message)
        )
    }

    /// The full form: headline, the source line, a caret under the span, help.
    pub fn render(&self, diagnostic: &Diagnostic) -> String {
        let span = self.clamped(diagnostic.span);
        let kind = match diagnostic.severity {
            Severity::Error => ReportKind::Error,
            Severity::Warning => ReportKind::Warning,
        };
        let config = Config::new()
            .with_color(self.color)
            .with_char_set(CharSet::Ascii)
            .with_index_type(IndexType::Byte)
            .with_compact(false);
        // ariadne appends the line and column to the source's name itself.
        let origin = visible(self.origin);
        let origin = origin.as_ref();
        // The source, names and messages with their control characters
        // written out (the terminal shows them, does not obey them); the
        // span moved to where its bytes are in the written-out text.
        let shown = self.shown_text(diagnostic);
        let source = visible_lines(&shown);
        let moved = |offset: usize| visible_lines(&shown[..offset]).len();
        let span = moved(span.start)..moved(span.end);
        // ariadne draws no caret for a label without a message.
        let label = Label::new((origin, span.clone()))
            .with_message(visible_lines(diagnostic.label.as_deref().unwrap_or("here")));
        let mut report = Report::build(kind, (origin, span))
            .with_config(config)
            .with_message(visible_lines(&diagnostic.message))
            .with_label(label);
        if let Some(help) = &diagnostic.help {
            report = report.with_help(visible_lines(help));
        }
        let mut out = Vec::new();
        let written = report
            .finish()
            .write((origin, Source::from(source.as_ref())), &mut out);
        match written {
            Ok(()) => String::from_utf8_lossy(&out).into_owned(),
            // Rendering into memory cannot really fail; keep the headline.
            Err(_) => self.headline(diagnostic),
        }
    }

    pub fn render_all(&self, diagnostics: &[Diagnostic]) -> String {
        diagnostics
            .iter()
            .map(|diagnostic| self.render(diagnostic))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// The source as a diagnostic may show it: its concealed text as `*`s,
    /// byte for byte, so every offset still points where it did.
    fn shown_text(&self, diagnostic: &Diagnostic) -> std::borrow::Cow<'_, str> {
        let Some(hidden) = diagnostic.conceal else {
            return std::borrow::Cow::Borrowed(self.text);
        };
        let hidden = self.clamped(hidden);
        let masked: String = self
            .text
            .char_indices()
            .map(|(at, c)| {
                if (hidden.start..hidden.end).contains(&at) && !c.is_whitespace() {
                    "*".repeat(c.len_utf8())
                } else {
                    c.to_string()
                }
            })
            .collect();
        std::borrow::Cow::Owned(masked)
    }

    /// A span inside the text on character boundaries, at least one byte wide
    /// where the text allows (so the caret has something to point at).
    fn clamped(&self, span: Span) -> Span {
        let len = self.text.len();
        let mut start = span.start.min(len);
        while !self.text.is_char_boundary(start) {
            start -= 1;
        }
        let mut end = span.end.clamp(start, len);
        while !self.text.is_char_boundary(end) {
            end += 1;
        }
        if end == start
            && let Some(next) = self.text[start..].chars().next()
            && next != '\n'
        {
            end = start + next.len_utf8();
        }
        Span::new(start, end)
    }
}

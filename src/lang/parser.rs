//! Text → syntax tree, through the pest grammar in `grammar/segscope.pest`.
//!
//! The grammar decides what is well-formed; this module turns pest's pairs
//! into the typed tree of [`super::ast`] and checks what a grammar cannot
//! (escapes that name no character, dates that do not exist, numbers too
//! large). It also recovers from syntax errors at the next definition, so a
//! file with several mistakes reports all of them. It knows nothing of which
//! segments exist: that is `validate`'s job.

use pest::Parser as _;

use super::build::Builder;
use super::diagnostic::Diagnostic;
use super::lexical::{self, MAX_NESTING};
use super::syntax_error::syntax_error;
use crate::model::ast::*;

#[derive(pest_derive::Parser)]
#[grammar = "../grammar/segscope.pest"]
pub(crate) struct SegscopeParser;

/// Relative amounts beyond this (`100001 days ago`) are refused: they only
/// ever come from typos, and they would leave the calendar's range.
pub const MAX_RELATIVE_AMOUNT: u32 = 100_000;

/// Parses a whole `.seg` file. Returns every definition that parsed and every
/// error found; the tree is only meaningful when there are no errors.
pub fn parse_file(text: &str) -> (File, Vec<Diagnostic>) {
    let scan = lexical::scan(text);
    let mut file = File {
        definitions: Vec::new(),
        comments: scan.comments,
    };
    if let Some(span) = scan.too_deep {
        return (file, vec![too_deep(span)]);
    }
    // Definition by definition: every broken one is reported, and a large
    // file is parsed on several threads.
    let mut starts = scan.definition_starts;
    if starts.first() != Some(&0) {
        starts.insert(0, 0);
    }
    let chunks: Vec<(usize, usize)> = starts
        .iter()
        .enumerate()
        .map(|(index, &start)| (start, starts.get(index + 1).copied().unwrap_or(text.len())))
        .collect();
    let parsed = parse_chunks(text, &chunks);
    let syntax_ok = parsed.iter().all(|chunk| chunk.syntax_ok);
    if !syntax_ok {
        // A line that only looked like a definition's start (an entry at
        // column 0 inside a block) splits wrongly; the whole file decides.
        let mut builder = Builder::new(0);
        if let Ok(mut pairs) = SegscopeParser::parse(Rule::file, text) {
            if let Some(root) = pairs.next() {
                file.definitions = builder.definitions(root);
            }
            return (file, builder.diagnostics);
        }
    }
    let mut diagnostics = Vec::new();
    for chunk in parsed {
        file.definitions.extend(chunk.definitions);
        diagnostics.extend(chunk.diagnostics);
    }
    (file, diagnostics)
}

/// What parsing one stretch of a file gave.
struct ParsedChunk {
    definitions: Vec<Definition>,
    diagnostics: Vec<Diagnostic>,
    syntax_ok: bool,
}

/// Files smaller than this are parsed on one thread.
const PARALLEL_BYTES: usize = 64 * 1024;

fn parse_chunks(text: &str, chunks: &[(usize, usize)]) -> Vec<ParsedChunk> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get());
    if text.len() < PARALLEL_BYTES || threads < 2 || chunks.len() < 2 {
        return chunks
            .iter()
            .map(|&(start, end)| parse_chunk(text, start, end))
            .collect();
    }
    // Contiguous groups of about equal size, one per thread, in order.
    let per_thread = text.len().div_ceil(threads);
    let mut groups: Vec<&[(usize, usize)]> = Vec::new();
    let mut first = 0;
    for (index, &(_, end)) in chunks.iter().enumerate() {
        if end - chunks[first].0 >= per_thread || index + 1 == chunks.len() {
            groups.push(&chunks[first..=index]);
            first = index + 1;
        }
    }
    std::thread::scope(|scope| {
        let handles: Vec<_> = groups
            .into_iter()
            .map(|group| {
                scope.spawn(move || {
                    group
                        .iter()
                        .map(|&(start, end)| parse_chunk(text, start, end))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|handle| {
                handle
                    .join()
                    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
            })
            .collect()
    })
}

fn parse_chunk(text: &str, start: usize, end: usize) -> ParsedChunk {
    let chunk = &text[start..end];
    let mut builder = Builder::new(start);
    match SegscopeParser::parse(Rule::file, chunk) {
        Ok(mut pairs) => ParsedChunk {
            definitions: pairs
                .next()
                .map(|root| builder.definitions(root))
                .unwrap_or_default(),
            diagnostics: builder.diagnostics,
            syntax_ok: true,
        },
        Err(error) => ParsedChunk {
            definitions: Vec::new(),
            diagnostics: vec![syntax_error(chunk, &error).shifted(start)],
            syntax_ok: false,
        },
    }
}

/// Parses a standalone condition, as typed in the editor or a filter bar.
pub fn parse_condition(text: &str) -> Result<Condition, Vec<Diagnostic>> {
    let scan = lexical::scan(text);
    if let Some(span) = scan.too_deep {
        return Err(vec![too_deep(span)]);
    }
    let only_comments = text
        .lines()
        .all(|line| line.trim().is_empty() || line.trim_start().starts_with('#'));
    if only_comments {
        return Err(vec![
            Diagnostic::error("the condition is empty", Span::new(0, text.len()))
                .with_help("write a condition such as plan = \"pro\""),
        ]);
    }
    let root = match SegscopeParser::parse(Rule::condition_only, text) {
        Ok(mut pairs) => pairs.next(),
        Err(error) => return Err(vec![syntax_error(text, &error)]),
    };
    let mut builder = Builder::new(0);
    let condition = root
        .and_then(|root| root.into_inner().find(|p| p.as_rule() == Rule::condition))
        .map(|pair| builder.condition(pair));
    match condition {
        Some(condition) if builder.diagnostics.is_empty() => Ok(condition),
        Some(_) => Err(builder.diagnostics),
        None => Err(vec![Diagnostic::error(
            "the condition is empty",
            Span::new(0, text.len()),
        )]),
    }
}

/// A literal or a list of literals on its own, as `segscope set` takes values.
#[derive(Clone, Debug, PartialEq)]
pub enum ParsedValue {
    Single(Literal),
    List(Vec<Literal>),
}

/// Parses a value in the language's literal syntax; the error is one
/// sentence saying what is wrong and where.
pub fn parse_value(text: &str) -> Result<ParsedValue, String> {
    let root = SegscopeParser::parse(Rule::value_only, text).map_err(|error| {
        let diagnostic = syntax_error(text, &error);
        let at = super::diagnostic::line_column(text, diagnostic.span.start);
        format!("{} (at column {})", diagnostic.message, at.column)
    })?;
    let mut builder = Builder::new(0);
    let mut value = None;
    for pair in root.flatten() {
        match pair.as_rule() {
            Rule::list => {
                value = Some(ParsedValue::List(builder.list(pair)));
                break;
            }
            Rule::literal => {
                value = Some(ParsedValue::Single(builder.literal(pair)));
                break;
            }
            _ => {}
        }
    }
    if let Some(diagnostic) = builder.diagnostics.first() {
        return Err(diagnostic.message.clone());
    }
    value.ok_or_else(|| "expected a value such as \"text\", 42, true or 2024-05-01".to_string())
}

/// A relative time on its own (`now`, `1 hour ago`, `2 weeks from now`), as
/// the command line takes instants: `None` when the text is not one, an
/// error when it is one the language refuses (`100001 days ago`). What
/// instant it names is the engine's calendar's to say, as of a `now`.
pub fn parse_relative_time(text: &str) -> Option<Result<RelativeTime, String>> {
    let root = SegscopeParser::parse(Rule::relative_only, text).ok()?;
    let pair = root
        .flatten()
        .find(|pair| pair.as_rule() == Rule::relative_time)?;
    let mut builder = Builder::new(0);
    let relative = builder.relative_time(pair);
    Some(match builder.diagnostics.first() {
        Some(diagnostic) => Err(diagnostic.message.clone()),
        None => Ok(relative),
    })
}

/// Is `text` words written without the quotes that text needs (`VP Sales`,
/// `pro`), rather than a value or a value with a mistake in it? True when
/// it is not a value of the language and opens with no quote or bracket;
/// a value the grammar takes but refuses (`2024-02-30`) is not bare text.
pub fn needs_quotes(text: &str) -> bool {
    let opening = text.trim_start();
    !opening.is_empty()
        && !opening.starts_with(['"', '\'', '['])
        && SegscopeParser::parse(Rule::value_only, text).is_err()
}

fn too_deep(span: Span) -> Diagnostic {
    Diagnostic::error(
        format!("the text nests more than {MAX_NESTING} levels of brackets and `not`"),
        span,
    )
    .with_help("split the condition into smaller segments and combine them with `in segment`")
}

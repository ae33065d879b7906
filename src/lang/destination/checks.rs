//! What a destination is checked for beyond its own text: the segments its
//! kinds list (against the segments that exist). (The environment variables
//! it names are checked in `lang::environment`, with a playbook's.)

use super::kind_of_entry;
use crate::lang::diagnostic::Diagnostic;
use crate::lang::lexical::{TokenKind, tokens};
use crate::lang::validate::{SegmentCatalog, did_you_mean};
use crate::model::ast::{Argument, BlockDefinition, Entry, Literal, Span};
use crate::model::{EntityKind, fold_name};

/// The segments each kind block of a destination lists that do not exist
/// (with the nearest name of that kind suggested) or are of the other kind.
/// With the source `text`, each problem points at its name in the list;
/// without, at the `segments` entry.
pub fn segment_filter_problems(
    block: &BlockDefinition,
    catalog: &SegmentCatalog,
    text: Option<&str>,
) -> Vec<Diagnostic> {
    let mut problems = Vec::new();
    for entry in &block.entries {
        let Some(kind) = kind_of_entry(&entry.key.text) else {
            continue;
        };
        let inner = entry.arguments.iter().flat_map(|argument| match argument {
            Argument::Block(entries) => entries.as_slice(),
            _ => &[],
        });
        for list_entry in inner.filter(|e| e.key.text == "segments") {
            let literals = list_entry
                .arguments
                .iter()
                .flat_map(|argument| match argument {
                    Argument::List(literals) => literals.as_slice(),
                    _ => &[],
                });
            let spans = text.map_or_else(Vec::new, |text| list_element_spans(text, list_entry));
            for (index, literal) in literals.enumerate() {
                let Literal::String(name) = literal else {
                    continue;
                };
                let span = spans.get(index).copied().unwrap_or(list_entry.span);
                problems.extend(segment_problem(name, kind, span, catalog));
            }
        }
    }
    problems
}

fn segment_problem(
    name: &str,
    kind: EntityKind,
    span: Span,
    catalog: &SegmentCatalog,
) -> Option<Diagnostic> {
    if name.trim().is_empty() {
        return None;
    }
    match catalog.get(name) {
        Some((_, found)) if found == kind => None,
        Some((proper, found)) => Some(
            Diagnostic::error(
                format!(
                    "\"{proper}\" is a segment of {found}, but this `{kind}` block lists segments of {kind}"
                ),
                span,
            )
            .with_help(format!(
                "list it in the destination's `{found} {{ ... }}` block, or list a segment of {kind}"
            )),
        ),
        None => {
            let mut diagnostic =
                Diagnostic::error(format!("there is no segment named \"{name}\""), span);
            diagnostic.unknown_reference = Some(fold_name(name));
            if let Some(similar) = did_you_mean(name, catalog.names(kind)) {
                diagnostic = diagnostic.with_help(format!("did you mean \"{similar}\"?"));
            }
            Some(diagnostic)
        }
    }
}

/// Where each element of a `segments [...]` entry's list stands in `text`.
fn list_element_spans(text: &str, entry: &Entry) -> Vec<Span> {
    let Some(source) = text.get(entry.span.start..entry.span.end) else {
        return Vec::new();
    };
    tokens(source)
        .into_iter()
        .skip_while(|token| token.kind != TokenKind::Open(b'['))
        .skip(1)
        .take_while(|token| token.kind != TokenKind::Close(b']'))
        .filter(|token| !matches!(token.kind, TokenKind::Comma | TokenKind::Comment))
        .map(|token| token.span.shifted(entry.span.start))
        .collect()
}

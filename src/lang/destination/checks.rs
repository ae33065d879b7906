//! What a destination is checked for beyond its own text: the segments its
//! kinds list (against the segments that exist) and the environment
//! variables it names (against the environment).

use super::{is_variable_name, kind_of_entry};
use crate::lang::diagnostic::Diagnostic;
use crate::lang::lexical::{TokenKind, tokens};
use crate::lang::validate::{SegmentCatalog, did_you_mean};
use crate::model::ast::{Argument, BlockDefinition, Entry, Literal, Span, Subject};
use crate::model::{DefinitionKind, EntityKind, fold_name};

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

/// The environment variables a destination block names (`token env
/// "VAR"`, `secret env "VAR"`) that `is_set` says are not set: a warning
/// each, at the name. Values are never read here.
pub fn environment_warnings(
    block: &BlockDefinition,
    is_set: &dyn Fn(&str) -> bool,
) -> Vec<Diagnostic> {
    if block.keyword != DefinitionKind::Destination {
        return Vec::new();
    }
    block
        .entries
        .iter()
        .filter(|entry| matches!(entry.key.text.as_str(), "token" | "secret"))
        .filter_map(|entry| match &entry.subject {
            Some(Subject::Env(name)) if is_variable_name(&name.value) && !is_set(&name.value) => {
                Some(
                    Diagnostic::warning(
                        format!(
                            "the environment variable `{}` is not set: destination \"{}\" cannot send until it is",
                            name.value, block.name.text
                        ),
                        name.span,
                    )
                    .with_help(format!(
                        "set {} where segscope runs; its value is never stored or shown",
                        name.value
                    )),
                )
            }
            _ => None,
        })
        .collect()
}

/// Whether the process's environment has `name` set to something (blank
/// is not set: a sync refuses a blank token or secret too).
pub fn variable_is_set(name: &str) -> bool {
    std::env::var_os(name).is_some_and(|value| !value.to_string_lossy().trim().is_empty())
}

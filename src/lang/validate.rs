//! Checks that need no data: names, references between segments, cycles,
//! regexes, where `account.`, aggregates and `segments` may appear, and
//! the entries of a `view`, a `playbook` and a `destination` (through
//! [`super::view`], [`super::playbook`] and [`super::destination`]), with
//! the segments a destination lists.
//!
//! Files applied together are validated together, so a segment may refer to
//! one defined further down or in another file. Standalone conditions (the
//! editor, filters, `query`) are checked against a [`SegmentCatalog`] of the
//! segments that exist. Nothing here reads entities: warnings that need
//! property types belong to the engine.

use std::collections::{BTreeMap, HashMap};

use super::diagnostic::{Diagnostic, line_column};
use crate::model::ast::*;
use crate::model::{DefinitionKind, EntityKind, ReferenceGraph, fold_name};

/// Names are at most this many characters.
pub const MAX_NAME_CHARS: usize = 200;
use crate::model::MAX_PROPERTY_NAME_BYTES;

/// The segments a condition may refer to: name (compared case-insensitively)
/// → its proper spelling and kind.
#[derive(Clone, Debug, Default)]
pub struct SegmentCatalog {
    by_folded_name: BTreeMap<String, (String, EntityKind)>,
}

impl SegmentCatalog {
    pub fn new() -> SegmentCatalog {
        SegmentCatalog::default()
    }

    pub fn insert(&mut self, name: &str, kind: EntityKind) {
        self.by_folded_name
            .insert(fold_name(name), (name.to_string(), kind));
    }

    pub fn get(&self, name: &str) -> Option<(&str, EntityKind)> {
        self.by_folded_name
            .get(&fold_name(name))
            .map(|(name, kind)| (name.as_str(), *kind))
    }

    pub fn names(&self, kind: EntityKind) -> impl Iterator<Item = &str> {
        self.by_folded_name
            .values()
            .filter(move |(_, k)| *k == kind)
            .map(|(name, _)| name.as_str())
    }

    /// The catalog of every segment defined in these files.
    pub fn from_files<'a>(files: impl IntoIterator<Item = &'a File>) -> SegmentCatalog {
        let mut catalog = SegmentCatalog::new();
        for file in files {
            for definition in &file.definitions {
                if let Definition::Segment(segment) = definition {
                    catalog.insert(&segment.name.text, segment.kind);
                }
            }
        }
        catalog
    }
}

/// One file to validate: its name (for messages), its text and its tree.
pub struct SourceFile<'a> {
    pub origin: &'a str,
    pub text: &'a str,
    pub file: &'a File,
}

/// Validates files that are applied together. Returns the diagnostics of each
/// file, in the order given. `existing` holds segments that exist outside
/// these files (already in the database); the files' own definitions win.
pub fn validate_files(sources: &[SourceFile], existing: &SegmentCatalog) -> Vec<Vec<Diagnostic>> {
    let mut diagnostics: Vec<Vec<Diagnostic>> = sources.iter().map(|_| Vec::new()).collect();
    check_names(sources, &mut diagnostics);

    let mut catalog = existing.clone();
    for source in sources {
        for definition in &source.file.definitions {
            if let Definition::Segment(segment) = definition {
                catalog.insert(&segment.name.text, segment.kind);
            }
        }
    }

    // Conditions, and the references each segment makes (for cycles).
    let mut graph: ReferenceGraph<Span> = ReferenceGraph::default();
    // The file of each node of the graph.
    let mut file_of_node = Vec::new();
    for (index, source) in sources.iter().enumerate() {
        for definition in &source.file.definitions {
            match definition {
                Definition::Segment(segment) => {
                    let context = Context {
                        kind: Some(segment.kind),
                        in_segment_definition: true,
                        in_aggregate: false,
                    };
                    let mut checker = Checker::new(&catalog);
                    checker.condition(&segment.condition, context);
                    diagnostics[index].extend(checker.diagnostics);
                    // A second segment of a name is reported above; the
                    // first one's references make the graph.
                    if graph.segment(&segment.name.text).is_none() {
                        let references = checker
                            .references
                            .into_iter()
                            .map(|r| (r.target, r.span))
                            .collect();
                        graph.add(DefinitionKind::Segment, &segment.name.text, references);
                        file_of_node.push(index);
                    }
                }
                Definition::Block(block) => {
                    let mut checker = Checker::new(&catalog);
                    checker.entries(&block.entries, block.kind);
                    diagnostics[index].extend(checker.diagnostics);
                    // A view's, a playbook's and a destination's entries
                    // have a meaning of their own to check.
                    if block.keyword == DefinitionKind::View
                        && let Err(problems) = super::view::view_from_block(block)
                    {
                        diagnostics[index].extend(problems);
                    }
                    if block.keyword == DefinitionKind::Playbook
                        && let Err(problems) = super::playbook::playbook_from_block(block)
                    {
                        diagnostics[index].extend(problems);
                    }
                    if block.keyword == DefinitionKind::Destination {
                        if let Err(problems) = super::destination::destination_from_block(block) {
                            diagnostics[index].extend(problems);
                        }
                        diagnostics[index].extend(super::destination::segment_filter_problems(
                            block,
                            &catalog,
                            Some(source.text),
                        ));
                    }
                }
            }
        }
    }
    for cycle in graph.cycles() {
        let diagnostic = Diagnostic::error(cycle.message(), cycle.closing)
            .with_label("this reference closes the cycle")
            .with_help("a segment cannot depend on itself; remove one of these references");
        diagnostics[file_of_node[cycle.closed_by]].push(diagnostic);
    }
    for list in &mut diagnostics {
        list.sort_by_key(|d| (d.span.start, d.severity));
    }
    diagnostics
}

/// Parses and validates texts applied together: each file's tree and all
/// its diagnostics, syntax first. While any file has a syntax error, "no
/// segment named" is left out: the segment may be in the part that failed.
pub fn check_texts(
    texts: &[(&str, &str)],
    existing: &SegmentCatalog,
) -> Vec<(File, Vec<Diagnostic>)> {
    let parsed: Vec<(File, Vec<Diagnostic>)> = texts
        .iter()
        .map(|(_, text)| super::parse_file(text))
        .collect();
    // A reference to a definition that failed to parse is not reported as
    // unknown; the names of such definitions are read from their headers.
    let parsed_names: std::collections::HashSet<String> = parsed
        .iter()
        .flat_map(|(file, _)| &file.definitions)
        .map(|definition| fold_name(&definition.name().text))
        .collect();
    let broken_names: std::collections::HashSet<String> = texts
        .iter()
        .flat_map(|(_, text)| {
            super::lexical::scan(text)
                .definition_starts
                .into_iter()
                .filter_map(|start| super::lexical::header_name(text, start).map(fold_name))
        })
        .filter(|name| !parsed_names.contains(name))
        .collect();
    let is_broken = |name: &String| broken_names.contains(name);
    let sources: Vec<SourceFile> = texts
        .iter()
        .zip(&parsed)
        .map(|((origin, text), (file, _))| SourceFile { origin, text, file })
        .collect();
    let semantic = validate_files(&sources, existing);
    parsed
        .into_iter()
        .zip(semantic)
        .map(|((file, mut diagnostics), semantic)| {
            diagnostics.extend(
                semantic
                    .into_iter()
                    .filter(|d| !d.unknown_reference.as_ref().is_some_and(is_broken)),
            );
            (file, diagnostics)
        })
        .collect()
}

/// Validates a standalone condition about entities of `kind`.
pub fn validate_condition(
    condition: &Condition,
    kind: EntityKind,
    catalog: &SegmentCatalog,
) -> Vec<Diagnostic> {
    let mut checker = Checker::new(catalog);
    let context = Context {
        kind: Some(kind),
        in_segment_definition: false,
        in_aggregate: false,
    };
    checker.condition(condition, context);
    checker.diagnostics
}

/// The segments a segment's condition refers to, in order of appearance.
pub fn segment_references(condition: &Condition) -> Vec<String> {
    let mut names = Vec::new();
    condition.for_each_predicate(&mut |predicate| {
        if let Some((name, _)) = reference_of(predicate) {
            names.push(name.text.clone());
        }
    });
    names
}

/// Every segment a definition names: in a segment's condition; in a
/// block's conditions (at any depth) and in its `segments [...]` lists.
pub fn definition_references(definition: &Definition) -> Vec<String> {
    match definition {
        Definition::Segment(segment) => segment_references(&segment.condition),
        Definition::Block(block) => {
            let mut names = Vec::new();
            entry_references(&block.entries, &mut names);
            names
        }
    }
}

/// Renames every reference to segment `old` (compared folded) to `new` in
/// a definition, in the places [`definition_references`] reads; returns how
/// many were renamed. The definition's own name is not touched.
pub fn rename_references(definition: &mut Definition, old: &str, new: &str) -> usize {
    let old = fold_name(old);
    let mut renamed = 0;
    let mut rename = |text: &mut String| {
        if fold_name(text) == old {
            *text = new.to_string();
            renamed += 1;
        }
    };
    match definition {
        Definition::Segment(segment) => rename_in_condition(&mut segment.condition, &mut rename),
        Definition::Block(block) => rename_in_entries(&mut block.entries, &mut rename),
    }
    renamed
}

fn rename_in_condition(condition: &mut Condition, rename: &mut dyn FnMut(&mut String)) {
    match condition {
        Condition::And(parts) | Condition::Or(parts) => {
            for part in parts {
                rename_in_condition(part, rename);
            }
        }
        Condition::Not(inner, _) => rename_in_condition(inner, rename),
        Condition::Predicate(predicate) => match &mut predicate.kind {
            PredicateKind::InSegment { segment, .. }
            | PredicateKind::AccountInSegment { segment, .. } => rename(&mut segment.text),
            PredicateKind::Aggregate { aggregate, .. } => {
                if let Some(filter) = aggregate.filter.as_deref_mut() {
                    rename_in_condition(filter, rename);
                }
            }
            _ => {}
        },
    }
}

fn rename_in_entries(entries: &mut [Entry], rename: &mut dyn FnMut(&mut String)) {
    for entry in entries {
        let is_segments = entry.key.text == "segments";
        for argument in &mut entry.arguments {
            match argument {
                Argument::Condition(condition) => rename_in_condition(condition, rename),
                Argument::Block(inner) => rename_in_entries(inner, rename),
                Argument::List(literals) if is_segments => {
                    for literal in literals {
                        if let Literal::String(name) = literal {
                            rename(name);
                        }
                    }
                }
                _ => {}
            }
        }
    }
}

fn entry_references(entries: &[Entry], names: &mut Vec<String>) {
    for entry in entries {
        for argument in &entry.arguments {
            match argument {
                Argument::Condition(condition) => names.extend(segment_references(condition)),
                Argument::Block(inner) => entry_references(inner, names),
                Argument::List(literals) if entry.key.text == "segments" => {
                    names.extend(literals.iter().filter_map(|literal| match literal {
                        Literal::String(name) => Some(name.clone()),
                        _ => None,
                    }));
                }
                _ => {}
            }
        }
    }
}

/// The segment a predicate refers to, and whether it is the account's.
fn reference_of(predicate: &Predicate) -> Option<(&Name, bool)> {
    match &predicate.kind {
        PredicateKind::InSegment { segment, .. } => Some((segment, false)),
        PredicateKind::AccountInSegment { segment, .. } => Some((segment, true)),
        _ => None,
    }
}

fn check_names(sources: &[SourceFile], diagnostics: &mut [Vec<Diagnostic>]) {
    // (definition kind, folded name) → where it was first defined.
    let mut seen: HashMap<(DefinitionKind, String), (usize, Span)> = HashMap::new();
    for (index, source) in sources.iter().enumerate() {
        for definition in &source.file.definitions {
            let name = definition.name();
            let keyword = definition.kind().keyword();
            if name.text.trim().is_empty() {
                diagnostics[index].push(
                    Diagnostic::error(format!("a {keyword} name cannot be empty"), name.span)
                        .with_help("give it a name such as \"Champions\""),
                );
                continue;
            }
            let length = name.text.chars().count();
            if length > MAX_NAME_CHARS {
                diagnostics[index].push(Diagnostic::error(
                    format!(
                        "a {keyword} name is at most {MAX_NAME_CHARS} characters; this one has {length}"
                    ),
                    name.span,
                ));
            }
            let key = (definition.kind(), fold_name(&name.text));
            match seen.get(&key) {
                Some(&(first_file, first_span)) => {
                    let first = &sources[first_file];
                    let at = line_column(first.text, first_span.start);
                    diagnostics[index].push(
                        Diagnostic::error(
                            format!("there is already a {keyword} named \"{}\"", name.text),
                            name.span,
                        )
                        .with_help(format!(
                            "names are compared ignoring case; the first is at {}:{at}",
                            first.origin
                        )),
                    );
                }
                None => {
                    seen.insert(key, (index, name.span));
                }
            }
        }
    }
}

#[derive(Clone, Copy)]
struct Context {
    /// The kind of entity the condition is about, when known.
    kind: Option<EntityKind>,
    in_segment_definition: bool,
    in_aggregate: bool,
}

/// A segment reference found in a condition: its target, folded, and where.
struct Reference {
    target: String,
    span: Span,
}

struct Checker<'a> {
    catalog: &'a SegmentCatalog,
    diagnostics: Vec<Diagnostic>,
    references: Vec<Reference>,
}

impl<'a> Checker<'a> {
    fn new(catalog: &'a SegmentCatalog) -> Checker<'a> {
        Checker {
            catalog,
            diagnostics: Vec::new(),
            references: Vec::new(),
        }
    }

    fn entries(&mut self, entries: &[Entry], kind: Option<EntityKind>) {
        for entry in entries {
            // Inside `users { ... }` / `accounts { ... }` conditions are about that kind.
            let inner_kind = match entry.key.text.as_str() {
                "users" => Some(EntityKind::Users),
                "accounts" => Some(EntityKind::Accounts),
                _ => kind,
            };
            for argument in &entry.arguments {
                match argument {
                    Argument::Condition(condition) => {
                        let context = Context {
                            kind: inner_kind,
                            in_segment_definition: false,
                            in_aggregate: false,
                        };
                        self.condition(condition, context);
                    }
                    Argument::Block(inner) => self.entries(inner, inner_kind),
                    _ => {}
                }
            }
        }
    }

    fn condition(&mut self, condition: &Condition, context: Context) {
        match condition {
            Condition::And(parts) | Condition::Or(parts) => {
                for part in parts {
                    self.condition(part, context);
                }
            }
            Condition::Not(inner, _) => self.condition(inner, context),
            Condition::Predicate(predicate) => self.predicate(predicate, context),
        }
    }

    fn predicate(&mut self, predicate: &Predicate, context: Context) {
        if let Some(path) = predicate.kind.path() {
            self.path(path, predicate, context);
        }
        match &predicate.kind {
            PredicateKind::InSegment { segment, .. } => {
                self.reference(segment, context.kind, "in segment");
            }
            PredicateKind::AccountInSegment { segment, .. } => {
                if context.kind == Some(EntityKind::Accounts) {
                    self.diagnostics.push(
                        Diagnostic::error(
                            "`account in segment` is for users; this condition is about accounts",
                            predicate.span,
                        )
                        .with_help(format!("write: in segment \"{}\"", segment.text)),
                    );
                } else {
                    self.reference(segment, Some(EntityKind::Accounts), "account in segment");
                }
            }
            PredicateKind::Text {
                op: TextOp::Matches,
                pattern,
                ..
            } => {
                if let Err(error) = regex::Regex::new(&pattern.value) {
                    self.diagnostics.push(
                        Diagnostic::error(
                            format!(
                                "the pattern is not a valid regular expression: {}",
                                regex_reason(&error)
                            ),
                            pattern.span,
                        )
                        .with_help(
                            "patterns use Rust regex syntax; match a special character such as ( literally with a backslash, written \\\\( inside quotes",
                        ),
                    );
                }
            }
            PredicateKind::Aggregate { aggregate, .. } => {
                self.aggregate(aggregate, predicate, context)
            }
            _ => {}
        }
    }

    fn path(&mut self, path: &PropertyPath, predicate: &Predicate, context: Context) {
        if path.name.len() > MAX_PROPERTY_NAME_BYTES {
            self.diagnostics.push(Diagnostic::error(
                format!("a property name is at most {MAX_PROPERTY_NAME_BYTES} bytes"),
                path.span,
            ));
        }
        if path.scope == Scope::Account && context.kind == Some(EntityKind::Accounts) {
            self.diagnostics.push(
                Diagnostic::error(
                    format!(
                        "`account.{}` reads a user's account, but this condition is about accounts",
                        path.name
                    ),
                    path.span,
                )
                .with_help(format!(
                    "write `{}` to read the account's own property",
                    path.name
                )),
            );
        }
        if !path.is_segments() || path.scope == Scope::Users {
            return;
        }
        // `segments has "S"` is `in segment "S"` and must name a real segment.
        let reference_kind = match path.scope {
            Scope::Account => Some(EntityKind::Accounts),
            _ => context.kind,
        };
        match &predicate.kind {
            PredicateKind::Has {
                value: Literal::String(name),
                ..
            } => {
                let name = Name {
                    text: name.clone(),
                    span: predicate.span,
                };
                self.reference(&name, reference_kind, "segments has");
            }
            _ if context.in_segment_definition => {
                self.diagnostics.push(
                    Diagnostic::error(
                        "inside a segment, `segments` can only be used as segments has \"<name>\"",
                        predicate.span,
                    )
                    .with_help("to combine segments use `in segment \"Name\"` and `not in segment \"Name\"`"),
                );
            }
            _ => {}
        }
    }

    fn aggregate(&mut self, aggregate: &Aggregate, predicate: &Predicate, context: Context) {
        let keyword = aggregate.function.keyword();
        if context.in_aggregate {
            self.diagnostics.push(
                Diagnostic::error(
                    "an aggregate cannot be nested inside another aggregate's `where`",
                    predicate.span,
                )
                .with_help("define a users segment for the inner condition and use `in segment` in the `where`"),
            );
            return;
        }
        if context.kind == Some(EntityKind::Users) {
            self.diagnostics.push(
                Diagnostic::error(
                    format!("`{keyword}(users ...)` is for accounts; this condition is about users"),
                    predicate.span,
                )
                .with_help("aggregates count or sum an account's users; use them in a segment `for accounts`"),
            );
            return;
        }
        if let Some(property) = &aggregate.property
            && property.name.len() > MAX_PROPERTY_NAME_BYTES
        {
            self.diagnostics.push(Diagnostic::error(
                format!("a property name is at most {MAX_PROPERTY_NAME_BYTES} bytes"),
                property.span,
            ));
        }
        if let Some(filter) = &aggregate.filter {
            let inner = Context {
                kind: Some(EntityKind::Users),
                in_segment_definition: context.in_segment_definition,
                in_aggregate: true,
            };
            self.condition(filter, inner);
        }
    }

    /// Checks that `name` is a segment of kind `expected` and records it.
    fn reference(&mut self, name: &Name, expected: Option<EntityKind>, form: &str) {
        match self.catalog.get(&name.text) {
            Some((proper, kind)) => {
                if let Some(expected) = expected
                    && kind != expected
                {
                    let help = match kind {
                        EntityKind::Accounts => {
                            format!("for the user's account write: account in segment \"{proper}\"")
                        }
                        EntityKind::Users => {
                            format!(
                                "to count its users write: count(users where in segment \"{proper}\") >= 1"
                            )
                        }
                    };
                    self.diagnostics.push(
                        Diagnostic::error(
                            format!(
                                "\"{proper}\" is a segment of {kind}, but `{form}` here needs a segment of {expected}"
                            ),
                            name.span,
                        )
                        .with_help(help),
                    );
                    return;
                }
                self.references.push(Reference {
                    target: fold_name(proper),
                    span: name.span,
                });
            }
            None => {
                let mut diagnostic = Diagnostic::error(
                    format!("there is no segment named \"{}\"", name.text),
                    name.span,
                );
                diagnostic.unknown_reference = Some(fold_name(&name.text));
                if let Some(suggestion) = self.suggest(&name.text, expected) {
                    diagnostic = diagnostic.with_help(format!("did you mean \"{suggestion}\"?"));
                }
                self.diagnostics.push(diagnostic);
            }
        }
    }

    fn suggest(&self, unknown: &str, kind: Option<EntityKind>) -> Option<String> {
        let kinds = match kind {
            Some(kind) => vec![kind],
            None => vec![EntityKind::Users, EntityKind::Accounts],
        };
        let names = kinds.into_iter().flat_map(|kind| self.catalog.names(kind));
        did_you_mean(unknown, names).map(str::to_string)
    }
}

/// Suggests the nearest of `known` to `unknown`, if one is close enough.
pub fn did_you_mean<'k>(
    unknown: &str,
    known: impl IntoIterator<Item = &'k str>,
) -> Option<&'k str> {
    let unknown = fold_name(unknown);
    known
        .into_iter()
        .map(|name| (strsim::jaro_winkler(&unknown, &fold_name(name)), name))
        .filter(|(score, _)| *score >= 0.8)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, name)| name)
}

/// The last line of the regex crate's error: the reason without the echo.
fn regex_reason(error: &regex::Error) -> String {
    let text = error.to_string();
    text.lines()
        .rev()
        .find(|line| !line.trim().is_empty())
        .map(|line| {
            let reason = line
                .trim()
                .trim_start_matches("error: ")
                .trim_end_matches('.');
            let mut chars = reason.chars();
            chars
                .next()
                .map(|first| first.to_lowercase().chain(chars).collect())
                .unwrap_or_default()
        })
        .unwrap_or(text)
}

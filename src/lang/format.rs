//! The canonical formatter: tree → text.
//!
//! One spelling for everything (lower-case keywords, `=` and `!=`, double
//! quotes, the fewest parentheses, two-space indents, one blank line between
//! definitions), a long `where` broken before each top-level `and`/`or`, and
//! comments kept: a comment on its own line stays before the item it preceded,
//! a comment at the end of a line stays at the end of that line. Formatting
//! formatted text changes nothing, and the result parses to a tree of the same
//! meaning (see [`Node::same_meaning`]).

use crate::model::ast::*;
use crate::model::{format_datetime, format_number};

/// A `where` line longer than this is broken before each top-level `and`/`or`.
pub const LINE_WIDTH: usize = 80;

/// Formats a whole file, keeping its comments.
pub fn format_file(file: &File, text: &str) -> String {
    let mut printer = Printer {
        out: String::new(),
        text,
        comments: &file.comments,
        next_comment: 0,
    };
    for (index, definition) in file.definitions.iter().enumerate() {
        if index > 0 {
            printer.out.push('\n');
        }
        printer.definition(definition);
    }
    let rest: Vec<&Comment> = file.comments[printer.next_comment..].iter().collect();
    if !rest.is_empty() && !printer.out.is_empty() {
        printer.out.push('\n');
    }
    for comment in rest {
        printer.out.push_str(&format!("#{}\n", comment.text));
    }
    printer.out
}

/// A condition on one line, as the editor and `query` show it.
pub fn format_condition(condition: &Condition) -> String {
    let mut out = String::new();
    write_condition(&mut out, condition, Parent::Top);
    out
}

struct Printer<'a> {
    out: String,
    text: &'a str,
    comments: &'a [Comment],
    next_comment: usize,
}

impl Printer<'_> {
    /// Writes every comment that starts before `offset` on its own line.
    fn comments_before(&mut self, offset: usize, indent: usize) {
        while let Some(comment) = self.comments.get(self.next_comment)
            && comment.span.start < offset
        {
            self.out
                .push_str(&format!("{}#{}\n", " ".repeat(indent), comment.text));
            self.next_comment += 1;
        }
    }

    /// Writes one line for an item whose source ended at `source_end`, taking
    /// along a comment that followed it on the same source line with nothing
    /// but spaces between.
    fn line(&mut self, indent: usize, content: &str, source_end: usize) {
        self.out.push_str(&" ".repeat(indent));
        self.out.push_str(content);
        if let Some(comment) = self.comments.get(self.next_comment)
            && comment.span.start >= source_end
            && self
                .text
                .get(source_end..comment.span.start)
                .is_some_and(|between| between.trim_matches([' ', '\t']).is_empty())
        {
            self.out.push_str(&format!(" #{}", comment.text));
            self.next_comment += 1;
        }
        self.out.push('\n');
    }

    /// Just past the `{` that opens a definition's body (a header ends there).
    fn after_open_brace(&self, from: usize) -> usize {
        self.text
            .get(from..)
            .and_then(|rest| rest.find('{'))
            .map_or(from, |at| from + at + 1)
    }

    /// Is there a comment starting inside `start..end`?
    fn comment_within(&self, start: usize, end: usize) -> bool {
        // Comments are in source order: stop at the first past `end`.
        self.comments[self.next_comment..]
            .iter()
            .take_while(|comment| comment.span.start < end)
            .any(|comment| comment.span.start > start)
    }

    fn definition(&mut self, definition: &Definition) {
        let span = definition.span();
        self.comments_before(span.start, 0);
        match definition {
            Definition::Segment(segment) => {
                let header = format!(
                    "segment {} for {} {{",
                    quoted(&segment.name.text),
                    segment.kind
                );
                self.line(0, &header, self.after_open_brace(segment.name.span.end));
                if let Some(description) = &segment.description {
                    self.comments_before(description.span.start, 2);
                    let line = format!("description {}", quoted(&description.value));
                    self.line(2, &line, description.span.end);
                }
                self.where_lines(2, "where", &segment.condition);
            }
            Definition::Block(block) => {
                let mut header =
                    format!("{} {}", block.keyword.keyword(), quoted(&block.name.text));
                if let Some(kind) = block.kind {
                    header.push_str(&format!(" for {kind}"));
                }
                if let Some(connector) = &block.connector {
                    header.push_str(&format!(" {}", connector.text));
                }
                let header_end = self.after_open_brace(
                    block
                        .connector
                        .as_ref()
                        .map_or(block.name.span.end, |c| c.span.end),
                );
                let has_inner_comments = self.comment_within(span.start, span.end);
                if block.entries.is_empty() && !has_inner_comments {
                    self.line(0, &format!("{header} {{}}"), span.end);
                    return;
                }
                self.line(0, &format!("{header} {{"), header_end);
                self.entries(&block.entries, 2);
            }
        }
        self.comments_before(span.end, 2);
        self.line(0, "}", span.end);
    }

    /// `where <condition>`, broken before each top-level `and`/`or` when too
    /// long or when a comment sits between the operands. A comment inside the
    /// first operand moves above the line, one inside a later operand above
    /// that operand's line; so formatting again changes nothing.
    fn where_lines(&mut self, indent: usize, keyword: &str, condition: &Condition) {
        let span = condition.span();
        self.comments_before(span.start, indent);
        let (operator, parts) = match condition {
            Condition::And(parts) => ("and", parts.as_slice()),
            Condition::Or(parts) => ("or", parts.as_slice()),
            _ => ("", &[][..]),
        };
        let one_line = format!("{keyword} {}", format_condition(condition));
        let fits = indent + one_line.chars().count() <= LINE_WIDTH;
        let split_by_comment = parts
            .first()
            .is_some_and(|first| self.comment_within(first.span().end, span.end));
        if parts.is_empty() || (fits && !split_by_comment) {
            self.comments_before(span.end, indent);
            self.line(indent, &one_line, span.end);
            return;
        }
        let parent = if operator == "and" {
            Parent::And
        } else {
            Parent::Or
        };
        for (index, part) in parts.iter().enumerate() {
            let part_span = part.span();
            let mut text = String::new();
            write_condition(&mut text, part, parent);
            if index == 0 {
                self.comments_before(part_span.end, indent);
                self.line(indent, &format!("{keyword} {text}"), part_span.end);
            } else {
                self.comments_before(part_span.end, indent + 2);
                self.line(indent + 2, &format!("{operator} {text}"), part_span.end);
            }
        }
    }

    fn entries(&mut self, entries: &[Entry], indent: usize) {
        for entry in entries {
            self.comments_before(entry.span.start, indent);
            if let [Argument::Condition(condition)] = entry.arguments.as_slice()
                && entry.subject.is_none()
            {
                self.where_lines(indent, &entry.key.text, condition);
                continue;
            }
            let mut line = entry.key.text.clone();
            if let Some(subject) = &entry.subject {
                line.push(' ');
                match subject {
                    Subject::Property(path) => write_path(&mut line, path),
                    Subject::Env(name) => line.push_str(&format!("env {}", quoted(&name.value))),
                }
            }
            let mut source_end = entry.key.span.end;
            for argument in &entry.arguments {
                if let Argument::Block(inner) = argument {
                    if inner.is_empty() {
                        line.push_str(" {}");
                        continue;
                    }
                    // A comment at the end of a `{` line goes inside the block:
                    // the block's own entries keep it there on the next pass.
                    self.line(indent, &format!("{line} {{"), usize::MAX);
                    self.entries(inner, indent + 2);
                    let end = inner.last().map_or(entry.span.end, |e| e.span.end);
                    self.comments_before(entry.span.end.max(end), indent + 2);
                    line = "}".to_string();
                    source_end = entry.span.end;
                    continue;
                }
                line.push(' ');
                write_argument(&mut line, argument);
                source_end = entry.span.end;
            }
            self.line(indent, &line, source_end.max(entry.span.end));
        }
    }
}

fn write_argument(out: &mut String, argument: &Argument) {
    match argument {
        Argument::Arrow(path) => {
            out.push_str("-> ");
            write_path(out, path);
        }
        Argument::As(word) => {
            out.push_str("as ");
            out.push_str(&word.text);
        }
        Argument::Env(name) => out.push_str(&format!("env {}", quoted(&name.value))),
        Argument::Value(value) => write_value(out, value),
        Argument::List(values) => write_list(out, values),
        // Blocks are written by `Printer::entries`, line by line.
        Argument::Block(_) => out.push_str("{}"),
        Argument::Condition(condition) => write_condition(out, condition, Parent::Top),
        Argument::Word(word) => out.push_str(&word.text),
    }
}

/// What a condition is nested in, to decide on parentheses.
#[derive(Clone, Copy, PartialEq)]
enum Parent {
    Top,
    Or,
    And,
    Not,
}

fn write_condition(out: &mut String, condition: &Condition, parent: Parent) {
    match condition {
        Condition::Or(parts) => {
            let parens = matches!(parent, Parent::And | Parent::Not);
            write_chain(out, parts, " or ", Parent::Or, parens);
        }
        Condition::And(parts) => {
            write_chain(out, parts, " and ", Parent::And, parent == Parent::Not);
        }
        Condition::Not(inner, _) => {
            out.push_str("not ");
            // `not in segment "S"` would read back as the negated predicate.
            let needs_parens = matches!(
                inner.as_ref(),
                Condition::Predicate(Predicate {
                    kind: PredicateKind::InSegment { negated: false, .. },
                    ..
                })
            );
            if needs_parens {
                out.push('(');
                write_condition(out, inner, Parent::Top);
                out.push(')');
            } else {
                write_condition(out, inner, Parent::Not);
            }
        }
        Condition::Predicate(predicate) => write_predicate(out, predicate),
    }
}

fn write_chain(
    out: &mut String,
    parts: &[Condition],
    separator: &str,
    parent: Parent,
    parens: bool,
) {
    if parens {
        out.push('(');
    }
    for (index, part) in parts.iter().enumerate() {
        if index > 0 {
            out.push_str(separator);
        }
        write_condition(out, part, parent);
    }
    if parens {
        out.push(')');
    }
}

fn write_predicate(out: &mut String, predicate: &Predicate) {
    let not = |negated: bool| if negated { "not " } else { "" };
    match &predicate.kind {
        PredicateKind::Compare { path, op, value } => {
            write_path(out, path);
            out.push_str(&format!(" {} ", op.symbol()));
            write_value(out, value);
        }
        PredicateKind::InList {
            path,
            negated,
            values,
        } => {
            write_path(out, path);
            out.push_str(&format!(" {}in ", not(*negated)));
            write_list(out, values);
        }
        PredicateKind::Text {
            path,
            op,
            negated,
            pattern,
        } => {
            write_path(out, path);
            out.push_str(&format!(
                " {}{} {}",
                not(*negated),
                op.keyword(),
                quoted(&pattern.value)
            ));
        }
        PredicateKind::Between {
            path,
            negated,
            low,
            high,
        } => {
            write_path(out, path);
            out.push_str(&format!(" {}between ", not(*negated)));
            write_value(out, low);
            out.push_str(" and ");
            write_value(out, high);
        }
        PredicateKind::IsSet { path, negated } => {
            write_path(out, path);
            out.push_str(&format!(" is {}set", not(*negated)));
        }
        PredicateKind::Has { path, value } => {
            write_path(out, path);
            out.push_str(" has ");
            write_literal(out, value);
        }
        PredicateKind::HasAny { path, values } => {
            write_path(out, path);
            out.push_str(" has any ");
            write_list(out, values);
        }
        PredicateKind::HasAll { path, values } => {
            write_path(out, path);
            out.push_str(" has all ");
            write_list(out, values);
        }
        PredicateKind::InSegment { negated, segment } => {
            out.push_str(&format!(
                "{}in segment {}",
                not(*negated),
                quoted(&segment.text)
            ));
        }
        PredicateKind::AccountInSegment { negated, segment } => {
            out.push_str(&format!(
                "account {}in segment {}",
                not(*negated),
                quoted(&segment.text)
            ));
        }
        PredicateKind::Aggregate {
            aggregate,
            op,
            value,
        } => {
            out.push_str(aggregate.function.keyword());
            out.push('(');
            match &aggregate.property {
                Some(path) => write_path(out, path),
                None => out.push_str("users"),
            }
            if let Some(filter) = &aggregate.filter {
                out.push_str(" where ");
                write_condition(out, filter, Parent::Top);
            }
            out.push_str(&format!(") {} ", op.symbol()));
            write_value(out, value);
        }
    }
}

fn write_path(out: &mut String, path: &PropertyPath) {
    match path.scope {
        Scope::Own => {}
        Scope::Account => out.push_str("account."),
        Scope::Users => out.push_str("users."),
    }
    out.push_str(&property_name(&path.name));
}

/// A property name as written: bare when it can be, else in backticks.
pub fn property_name(name: &str) -> String {
    if is_bare_name(name) {
        name.to_string()
    } else {
        format!("`{name}`")
    }
}

const RESERVED: [&str; 17] = [
    "and", "or", "not", "in", "is", "set", "has", "any", "all", "between", "contains", "starts",
    "ends", "with", "matches", "true", "false",
];

fn is_bare_name(name: &str) -> bool {
    let mut chars = name.chars();
    let starts_well = chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_');
    starts_well
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !RESERVED.iter().any(|word| word.eq_ignore_ascii_case(name))
}

fn write_value(out: &mut String, value: &Value) {
    match value {
        Value::Literal(literal) => write_literal(out, literal),
        Value::Relative(RelativeTime::Now) => out.push_str("now"),
        Value::Relative(RelativeTime::Ago(amount, unit)) => {
            out.push_str(&format!("{amount} {} ago", unit_words(*amount, *unit)));
        }
        Value::Relative(RelativeTime::FromNow(amount, unit)) => {
            out.push_str(&format!("{amount} {} from now", unit_words(*amount, *unit)));
        }
    }
}

fn unit_words(amount: u32, unit: TimeUnit) -> String {
    if amount == 1 {
        unit.singular().to_string()
    } else {
        format!("{}s", unit.singular())
    }
}

fn write_list(out: &mut String, values: &[Literal]) {
    out.push('[');
    for (index, value) in values.iter().enumerate() {
        if index > 0 {
            out.push_str(", ");
        }
        write_literal(out, value);
    }
    out.push(']');
}

pub fn write_literal(out: &mut String, literal: &Literal) {
    match literal {
        Literal::String(text) => out.push_str(&quoted(text)),
        Literal::Number(number) => out.push_str(&format_number(*number)),
        Literal::Bool(value) => out.push_str(if *value { "true" } else { "false" }),
        Literal::DateTime(micros) => out.push_str(&format_datetime(*micros)),
    }
}

/// A string literal in double quotes with the language's escapes.
pub fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push('"');
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// A property value in the language's literal syntax (`"pro"`, `42`,
/// `2024-05-01`, `["a", 2]`): what `set` and the detail's editor read back.
pub fn value_literal(value: &crate::model::Value) -> String {
    use crate::model::Value;
    match value {
        Value::Scalar(scalar) => scalar_literal(scalar),
        Value::List(items) => {
            let items: Vec<String> = items.iter().map(scalar_literal).collect();
            format!("[{}]", items.join(", "))
        }
    }
}

/// One scalar in the language's literal syntax.
pub fn scalar_literal(scalar: &crate::model::Scalar) -> String {
    use crate::model::Scalar;
    let literal = match scalar {
        Scalar::String(text) => Literal::String(text.clone()),
        Scalar::Number(number) => Literal::Number(*number),
        Scalar::Bool(value) => Literal::Bool(*value),
        Scalar::DateTime(micros) => Literal::DateTime(*micros),
    };
    let mut out = String::new();
    write_literal(&mut out, &literal);
    out
}

//! From pest's pairs to the typed tree of [`super::ast`], checking on the
//! way what a grammar cannot: escapes that name no character, dates that do
//! not exist, numbers too large, relative amounts out of range.

use std::sync::LazyLock;

use pest::iterators::Pair;
use pest::pratt_parser::{Assoc, Op, PrattParser};

use super::datetime::parse_datetime;
use super::diagnostic::Diagnostic;
use super::parser::{MAX_RELATIVE_AMOUNT, Rule};
use crate::model::ast::*;
use crate::model::{DefinitionKind, EntityKind};

static PRATT: LazyLock<PrattParser<Rule>> = LazyLock::new(|| {
    PrattParser::new()
        .op(Op::infix(Rule::or_op, Assoc::Left))
        .op(Op::infix(Rule::and_op, Assoc::Left))
        .op(Op::prefix(Rule::prefix_not))
});

/// Walks pest pairs into the tree, collecting the errors it finds on the way.
pub(super) struct Builder {
    /// Added to every span: where the parsed chunk starts in the whole file.
    pub(super) offset: usize,
    pub(super) diagnostics: Vec<Diagnostic>,
}

impl Builder {
    pub(super) fn new(offset: usize) -> Builder {
        Builder {
            offset,
            diagnostics: Vec::new(),
        }
    }

    fn span(&self, pair: &Pair<Rule>) -> Span {
        let span = pair.as_span();
        Span::new(span.start() + self.offset, span.end() + self.offset)
    }

    fn error(&mut self, diagnostic: Diagnostic) {
        self.diagnostics.push(diagnostic);
    }

    pub(super) fn definitions(&mut self, root: Pair<Rule>) -> Vec<Definition> {
        root.into_inner()
            .filter_map(|pair| match pair.as_rule() {
                Rule::segment_definition => Some(self.segment_definition(pair)),
                Rule::block_definition => Some(self.block_definition(pair)),
                _ => None,
            })
            .collect()
    }

    fn segment_definition(&mut self, pair: Pair<Rule>) -> Definition {
        let span = self.span(&pair);
        let mut name = Name {
            text: String::new(),
            span,
        };
        let mut kind = EntityKind::Users;
        let mut descriptions = Vec::new();
        let mut conditions = Vec::new();
        for child in pair.into_inner() {
            match child.as_rule() {
                Rule::name => name = self.name(child),
                Rule::entity_kind => kind = entity_kind(&child),
                Rule::description => {
                    if let Some(text) = child.into_inner().find(|p| p.as_rule() == Rule::string) {
                        descriptions.push(self.text(text));
                    }
                }
                Rule::where_clause => conditions.push(self.where_clause(child)),
                _ => {}
            }
        }
        if descriptions.len() > 1 {
            self.error(
                Diagnostic::error(
                    format!("segment \"{}\" has more than one description", name.text),
                    descriptions[1].span,
                )
                .with_help("keep one `description`"),
            );
        }
        if conditions.len() > 1 {
            self.error(
                Diagnostic::error(
                    format!("segment \"{}\" has more than one `where`", name.text),
                    conditions[1].span(),
                )
                .with_help("combine the conditions with `and` or `or` in one `where`"),
            );
        }
        let condition = if conditions.is_empty() {
            self.error(
                Diagnostic::error(
                    format!("segment \"{}\" has no condition", name.text),
                    name.span,
                )
                .with_help("add a `where` line, such as: where plan = \"pro\""),
            );
            Condition::And(Vec::new())
        } else {
            conditions.swap_remove(0)
        };
        Definition::Segment(SegmentDefinition {
            name,
            kind,
            description: descriptions.into_iter().next(),
            condition,
            span,
        })
    }

    fn where_clause(&mut self, pair: Pair<Rule>) -> Condition {
        match pair.into_inner().find(|p| p.as_rule() == Rule::condition) {
            Some(condition) => self.condition(condition),
            None => Condition::And(Vec::new()),
        }
    }

    fn block_definition(&mut self, pair: Pair<Rule>) -> Definition {
        let span = self.span(&pair);
        let mut keyword = DefinitionKind::View;
        let mut name = Name {
            text: String::new(),
            span,
        };
        let mut kind = None;
        let mut connector = None;
        let mut entries = Vec::new();
        for child in pair.into_inner() {
            match child.as_rule() {
                Rule::block_keyword => {
                    keyword =
                        DefinitionKind::from_keyword(child.as_str()).unwrap_or(DefinitionKind::View)
                }
                Rule::name => name = self.name(child),
                Rule::entity_kind => kind = Some(entity_kind(&child)),
                Rule::connector => connector = Some(self.word(&child)),
                Rule::block => entries = self.block(child),
                _ => {}
            }
        }
        Definition::Block(BlockDefinition {
            keyword,
            name,
            kind,
            connector,
            entries,
            span,
        })
    }

    fn block(&mut self, pair: Pair<Rule>) -> Vec<Entry> {
        pair.into_inner()
            .filter(|p| p.as_rule() == Rule::entry)
            .map(|entry| self.entry(entry))
            .collect()
    }

    fn entry(&mut self, pair: Pair<Rule>) -> Entry {
        let mut span: Option<Span> = None;
        let mut key = Word {
            text: String::new(),
            span: self.span(&pair),
        };
        let mut subject = None;
        let mut arguments = Vec::new();
        for child in pair.into_inner() {
            let child_span = match child.as_rule() {
                Rule::where_clause | Rule::when_clause => {
                    // A condition's pair runs on over the whitespace and
                    // comments after it; the entry ends where its last token does.
                    let start = self.span(&child).start;
                    let end = last_token_end(&child) + self.offset;
                    let keyword = if child.as_rule() == Rule::when_clause {
                        "when"
                    } else {
                        "where"
                    };
                    key = Word {
                        text: keyword.to_string(),
                        span: Span::new(start, start + keyword.len()),
                    };
                    arguments.push(Argument::Condition(self.where_clause(child)));
                    Span::new(start, end)
                }
                Rule::set_clause | Rule::webhook_entry => {
                    // An optional part at the end lets the pair run on over
                    // the whitespace after it, as a condition's does.
                    let start = self.span(&child).start;
                    let end = last_token_end(&child) + self.offset;
                    for part in child.into_inner() {
                        match part.as_rule() {
                            Rule::kw_set | Rule::kw_webhook => key = self.keyword(&part),
                            Rule::property_path => {
                                subject = Some(Subject::Property(self.property_path(part)));
                            }
                            Rule::assign | Rule::kw_secret => {
                                arguments.push(Argument::Word(self.keyword(&part)));
                            }
                            Rule::string => {
                                let text = self.text(part).value;
                                arguments
                                    .push(Argument::Value(Value::Literal(Literal::String(text))));
                            }
                            _ => arguments.extend(self.argument(part)),
                        }
                    }
                    Span::new(start, end)
                }
                Rule::entry_key => {
                    key = self.word(&child);
                    key.span
                }
                Rule::property_path if subject.is_none() && arguments.is_empty() => {
                    let path = self.property_path(child);
                    let child_span = path.span;
                    subject = Some(Subject::Property(path));
                    child_span
                }
                Rule::env_reference if subject.is_none() && arguments.is_empty() => {
                    let child_span = self.span(&child);
                    subject = Some(Subject::Env(self.env_reference(child)));
                    child_span
                }
                _ => {
                    let child_span = self.span(&child);
                    if let Some(argument) = self.argument(child) {
                        arguments.push(argument);
                    }
                    child_span
                }
            };
            span = Some(span.map_or(child_span, |s| s.join(child_span)));
        }
        Entry {
            span: span.unwrap_or(key.span),
            key,
            subject,
            arguments,
        }
    }

    fn argument(&mut self, pair: Pair<Rule>) -> Option<Argument> {
        Some(match pair.as_rule() {
            Rule::env_reference => Argument::Env(self.env_reference(pair)),
            Rule::arrow_target => {
                let path = pair
                    .into_inner()
                    .find(|p| p.as_rule() == Rule::property_path)?;
                Argument::Arrow(self.property_path(path))
            }
            Rule::as_type => {
                let word = pair
                    .into_inner()
                    .find(|p| p.as_rule() == Rule::identifier)?;
                Argument::As(self.word(&word))
            }
            Rule::value => Argument::Value(self.value(pair)),
            Rule::list => Argument::List(self.list(pair)),
            Rule::block => Argument::Block(self.block(pair)),
            Rule::entry_word => Argument::Word(self.keyword(&pair)),
            _ => return None,
        })
    }

    fn env_reference(&mut self, pair: Pair<Rule>) -> Text {
        let span = self.span(&pair);
        match pair.into_inner().find(|p| p.as_rule() == Rule::string) {
            Some(text) => self.text(text),
            None => Text {
                value: String::new(),
                span,
            },
        }
    }

    /// A word of the language, not of the user: kept in lower case.
    fn keyword(&self, pair: &Pair<Rule>) -> Word {
        Word {
            text: pair.as_str().to_ascii_lowercase(),
            span: self.span(pair),
        }
    }

    fn word(&self, pair: &Pair<Rule>) -> Word {
        Word {
            text: pair.as_str().to_string(),
            span: self.span(pair),
        }
    }

    fn name(&mut self, pair: Pair<Rule>) -> Name {
        let span = self.span(&pair);
        let text = match pair.into_inner().next() {
            Some(string) => self.text(string).value,
            None => String::new(),
        };
        Name { text, span }
    }

    /// A string literal, unescaped.
    fn text(&mut self, pair: Pair<Rule>) -> Text {
        let span = self.span(&pair);
        let inner = pair.into_inner().next();
        let (raw, inner_start) = match &inner {
            Some(inner) => (inner.as_str(), self.span(inner).start),
            None => ("", span.start),
        };
        let value = self.unescape(raw, inner_start);
        Text { value, span }
    }

    fn unescape(&mut self, raw: &str, start: usize) -> String {
        let mut out = String::with_capacity(raw.len());
        let mut chars = raw.char_indices();
        while let Some((i, c)) = chars.next() {
            if c != '\\' {
                out.push(c);
                continue;
            }
            match chars.next().map(|(_, c)| c) {
                Some('n') => out.push('\n'),
                Some('t') => out.push('\t'),
                Some('r') => out.push('\r'),
                Some('u') => {
                    // The grammar guarantees `{hex}` follows.
                    let rest = &raw[i + 2..];
                    let close = rest.find('}').unwrap_or(rest.len());
                    let hex = rest.get(1..close).unwrap_or("");
                    let code = u32::from_str_radix(hex, 16).ok();
                    match code.and_then(char::from_u32) {
                        Some(ch) => out.push(ch),
                        None => self.error(
                            Diagnostic::error(
                                format!("\\u{{{hex}}} is not a Unicode character"),
                                Span::new(start + i, start + i + close + 3),
                            )
                            .with_help("use a code point up to 10FFFF outside D800-DFFF"),
                        ),
                    }
                    for _ in 0..close + 1 {
                        chars.next();
                    }
                }
                Some(other) => out.push(other),
                None => {}
            }
        }
        out
    }

    pub(super) fn condition(&mut self, pair: Pair<Rule>) -> Condition {
        let operands = pair
            .into_inner()
            .filter(|p| !matches!(p.as_rule(), Rule::open_paren | Rule::close_paren));
        // The closures all need `self`; pest's Pratt API takes them separately,
        // so the builder is shared through a RefCell.
        let this = std::cell::RefCell::new(self);
        PRATT
            .map_primary(|primary| this.borrow_mut().primary(primary))
            .map_prefix(|op, operand| {
                let span = this.borrow().span(&op).join(operand.span());
                Condition::Not(Box::new(operand), span)
            })
            .map_infix(|left, op, right| match op.as_rule() {
                Rule::and_op => combine(left, right, true),
                _ => combine(left, right, false),
            })
            .parse(operands)
    }

    fn primary(&mut self, pair: Pair<Rule>) -> Condition {
        if pair.as_rule() == Rule::condition {
            return self.condition(pair);
        }
        let span = self.span(&pair);
        let kind = match pair.as_rule() {
            Rule::segment_membership => {
                let negated = has_child(&pair, Rule::negation);
                let segment = self.child_name(pair);
                PredicateKind::InSegment { negated, segment }
            }
            Rule::account_membership => {
                let negated = has_child(&pair, Rule::negation);
                let segment = self.child_name(pair);
                PredicateKind::AccountInSegment { negated, segment }
            }
            Rule::aggregate_predicate => self.aggregate_predicate(pair),
            _ => self.property_predicate(pair),
        };
        Condition::Predicate(Predicate { kind, span })
    }

    fn child_name(&mut self, pair: Pair<Rule>) -> Name {
        let span = self.span(&pair);
        match pair.into_inner().find(|p| p.as_rule() == Rule::name) {
            Some(name) => self.name(name),
            None => Name {
                text: String::new(),
                span,
            },
        }
    }

    fn aggregate_predicate(&mut self, pair: Pair<Rule>) -> PredicateKind {
        let mut aggregate = count_of_users(self.span(&pair));
        let mut op = CompareOp::Eq;
        let mut value = Value::Relative(RelativeTime::Now);
        for child in pair.into_inner() {
            match child.as_rule() {
                Rule::aggregate => aggregate = self.aggregate(child),
                Rule::compare_op => op = compare_op(child.as_str()),
                Rule::value => value = self.value(child),
                _ => {}
            }
        }
        PredicateKind::Aggregate {
            aggregate,
            op,
            value,
        }
    }

    fn aggregate(&mut self, pair: Pair<Rule>) -> Aggregate {
        let mut aggregate = count_of_users(self.span(&pair));
        let Some(form) = pair.into_inner().next() else {
            return aggregate;
        };
        for child in form.into_inner() {
            match child.as_rule() {
                Rule::aggregate_function => {
                    aggregate.function = match child.as_str().to_ascii_lowercase().as_str() {
                        "sum" => AggregateFunction::Sum,
                        "avg" => AggregateFunction::Avg,
                        "min" => AggregateFunction::Min,
                        _ => AggregateFunction::Max,
                    }
                }
                Rule::users_property => {
                    let span = self.span(&child);
                    // The grammar guarantees the `users.` prefix.
                    let written = child.as_str().get(6..).unwrap_or("");
                    aggregate.property = Some(PropertyPath {
                        scope: Scope::Users,
                        name: self.property_name(written, span),
                        span,
                    });
                }
                Rule::condition => aggregate.filter = Some(Box::new(self.condition(child))),
                _ => {}
            }
        }
        aggregate
    }

    fn property_predicate(&mut self, pair: Pair<Rule>) -> PredicateKind {
        let mut children = pair.into_inner();
        let path = match children.next() {
            Some(path) => self.property_path(path),
            None => PropertyPath {
                scope: Scope::Own,
                name: String::new(),
                span: Span::default(),
            },
        };
        let Some(tail) = children.next() else {
            return PredicateKind::IsSet {
                path,
                negated: false,
            };
        };
        let rule = tail.as_rule();
        let negated = has_child(&tail, Rule::negation);
        let parts: Vec<Pair<Rule>> = tail.into_inner().collect();
        match rule {
            Rule::compare_tail => {
                let op = parts
                    .iter()
                    .find(|p| p.as_rule() == Rule::compare_op)
                    .map_or(CompareOp::Eq, |p| compare_op(p.as_str()));
                let value = self.first_value(parts);
                PredicateKind::Compare { path, op, value }
            }
            Rule::in_list_tail => PredicateKind::InList {
                path,
                negated,
                values: self.first_list(parts),
            },
            Rule::text_tail => {
                let op = parts
                    .iter()
                    .find(|p| p.as_rule() == Rule::text_op)
                    .map_or(TextOp::Contains, |p| text_op(p.as_str()));
                let pattern = match parts.into_iter().find(|p| p.as_rule() == Rule::string) {
                    Some(string) => self.text(string),
                    None => Text {
                        value: String::new(),
                        span: path.span,
                    },
                };
                PredicateKind::Text {
                    path,
                    op,
                    negated,
                    pattern,
                }
            }
            Rule::between_tail => {
                let mut values = parts
                    .into_iter()
                    .filter(|p| p.as_rule() == Rule::value)
                    .map(|p| self.value(p))
                    .collect::<Vec<_>>()
                    .into_iter();
                let low = values.next().unwrap_or(Value::Relative(RelativeTime::Now));
                let high = values.next().unwrap_or(Value::Relative(RelativeTime::Now));
                PredicateKind::Between {
                    path,
                    negated,
                    low,
                    high,
                }
            }
            Rule::is_set_tail => PredicateKind::IsSet { path, negated },
            Rule::has_any_tail => PredicateKind::HasAny {
                path,
                values: self.first_list(parts),
            },
            Rule::has_all_tail => PredicateKind::HasAll {
                path,
                values: self.first_list(parts),
            },
            _ => {
                let value = parts
                    .into_iter()
                    .find(|p| p.as_rule() == Rule::literal)
                    .map_or(Literal::Bool(false), |p| self.literal(p));
                PredicateKind::Has { path, value }
            }
        }
    }

    fn first_value(&mut self, parts: Vec<Pair<Rule>>) -> Value {
        match parts.into_iter().find(|p| p.as_rule() == Rule::value) {
            Some(value) => self.value(value),
            None => Value::Relative(RelativeTime::Now),
        }
    }

    fn first_list(&mut self, parts: Vec<Pair<Rule>>) -> Vec<Literal> {
        match parts.into_iter().find(|p| p.as_rule() == Rule::list) {
            Some(list) => self.list(list),
            None => Vec::new(),
        }
    }

    fn property_path(&mut self, pair: Pair<Rule>) -> PropertyPath {
        let span = self.span(&pair);
        let text = pair.as_str();
        let (scope, name) = match text.get(..8) {
            Some(prefix) if prefix.eq_ignore_ascii_case("account.") => (Scope::Account, &text[8..]),
            _ => (Scope::Own, text),
        };
        let name = self.property_name(name, span);
        PropertyPath { scope, name, span }
    }

    /// A property name as written: bare, or in backticks (which cannot be empty).
    fn property_name(&mut self, written: &str, span: Span) -> String {
        let Some(quoted) = written.strip_prefix('`') else {
            return written.to_string();
        };
        let name = quoted.strip_suffix('`').unwrap_or(quoted);
        if name.is_empty() {
            self.error(Diagnostic::error(
                "a property name in backticks cannot be empty",
                span,
            ));
        }
        name.to_string()
    }

    pub(super) fn list(&mut self, pair: Pair<Rule>) -> Vec<Literal> {
        pair.into_inner()
            .filter(|p| p.as_rule() == Rule::literal)
            .map(|p| self.literal(p))
            .collect()
    }

    fn value(&mut self, pair: Pair<Rule>) -> Value {
        let Some(inner) = pair.into_inner().next() else {
            return Value::Relative(RelativeTime::Now);
        };
        match inner.as_rule() {
            Rule::relative_time => Value::Relative(self.relative_time(inner)),
            _ => Value::Literal(self.literal(inner)),
        }
    }

    pub(super) fn relative_time(&mut self, pair: Pair<Rule>) -> RelativeTime {
        let mut amount = None;
        let mut unit = TimeUnit::Day;
        let mut from_now = false;
        for child in pair.into_inner() {
            match child.as_rule() {
                Rule::amount => {
                    let parsed = child.as_str().parse::<u32>().ok();
                    match parsed.filter(|&n| n <= MAX_RELATIVE_AMOUNT) {
                        Some(n) => amount = Some(n),
                        None => {
                            self.error(Diagnostic::error(
                                format!(
                                    "{} is too large for a relative time (at most {MAX_RELATIVE_AMOUNT})",
                                    child.as_str()
                                ),
                                self.span(&child),
                            ));
                            amount = Some(0);
                        }
                    }
                }
                Rule::time_unit => unit = time_unit(child.as_str()),
                Rule::kw_from => from_now = true,
                _ => {}
            }
        }
        match amount {
            None => RelativeTime::Now,
            Some(n) if from_now => RelativeTime::FromNow(n, unit),
            Some(n) => RelativeTime::Ago(n, unit),
        }
    }

    pub(super) fn literal(&mut self, pair: Pair<Rule>) -> Literal {
        let Some(inner) = pair.into_inner().next() else {
            return Literal::Bool(false);
        };
        let span = self.span(&inner);
        match inner.as_rule() {
            Rule::string => Literal::String(self.text(inner).value),
            Rule::boolean => Literal::Bool(inner.as_str().eq_ignore_ascii_case("true")),
            Rule::number => match inner.as_str().parse::<f64>() {
                Ok(n) if n.is_finite() => Literal::Number(n),
                _ => {
                    self.error(Diagnostic::error(
                        format!("{} is too large for a number", inner.as_str()),
                        span,
                    ));
                    Literal::Number(0.0)
                }
            },
            _ => match parse_datetime(inner.as_str()) {
                Ok(micros) => Literal::DateTime(micros),
                Err(message) => {
                    self.error(Diagnostic::error(message, span));
                    Literal::DateTime(0)
                }
            },
        }
    }
}

/// `count(users)`: what an aggregate is until its parts are read.
fn count_of_users(span: Span) -> Aggregate {
    Aggregate {
        function: AggregateFunction::Count,
        property: None,
        filter: None,
        span,
    }
}

/// `left and right` (or `or`), flattened: a chain of one operator is one
/// list. The left side's list is reused, so a chain of n terms is built in
/// O(n), not by copying the list at every term.
fn combine(left: Condition, right: Condition, is_and: bool) -> Condition {
    let mut parts = match left {
        Condition::And(inner) if is_and => inner,
        Condition::Or(inner) if !is_and => inner,
        other => vec![other],
    };
    match right {
        Condition::And(inner) if is_and => parts.extend(inner),
        Condition::Or(inner) if !is_and => parts.extend(inner),
        other => parts.push(other),
    }
    if is_and {
        Condition::And(parts)
    } else {
        Condition::Or(parts)
    }
}

/// Where the last token of `pair` ends. Of the pairs inside it only a
/// `condition` (which ends in a repetition) and a `prefix_not` (which ends in
/// a look-ahead) run on over the whitespace after them; every other pair ends
/// at a token.
fn last_token_end(pair: &Pair<Rule>) -> usize {
    pair.clone()
        .into_inner()
        .flatten()
        .filter(|inner| !matches!(inner.as_rule(), Rule::condition | Rule::prefix_not))
        .map(|inner| inner.as_span().end())
        .max()
        .unwrap_or_else(|| pair.as_span().end())
}

fn has_child(pair: &Pair<Rule>, rule: Rule) -> bool {
    pair.clone().into_inner().any(|p| p.as_rule() == rule)
}

fn entity_kind(pair: &Pair<Rule>) -> EntityKind {
    if pair.as_str().eq_ignore_ascii_case("accounts") {
        EntityKind::Accounts
    } else {
        EntityKind::Users
    }
}

fn compare_op(symbol: &str) -> CompareOp {
    match symbol {
        "!=" | "<>" => CompareOp::Ne,
        "<" => CompareOp::Lt,
        "<=" => CompareOp::Le,
        ">" => CompareOp::Gt,
        ">=" => CompareOp::Ge,
        _ => CompareOp::Eq,
    }
}

fn text_op(words: &str) -> TextOp {
    let lower = words.to_ascii_lowercase();
    if lower.starts_with("starts") {
        TextOp::StartsWith
    } else if lower.starts_with("ends") {
        TextOp::EndsWith
    } else if lower.starts_with("matches") {
        TextOp::Matches
    } else {
        TextOp::Contains
    }
}

fn time_unit(word: &str) -> TimeUnit {
    let lower = word.to_ascii_lowercase();
    match lower.trim_end_matches('s') {
        "minute" => TimeUnit::Minute,
        "hour" => TimeUnit::Hour,
        "week" => TimeUnit::Week,
        "month" => TimeUnit::Month,
        "year" => TimeUnit::Year,
        _ => TimeUnit::Day,
    }
}

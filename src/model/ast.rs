//! The syntax tree of the segscope language, with a source span on every node.
//!
//! This is what the parser produces and what validation, the formatter and
//! (through `model`) the engine consume. It says what the text *means*, not how
//! it was spelled: keywords are not kept in their original case, `==` and `=`
//! are the same operator, `and`/`or` chains are flattened.
//!
//! Every node also says where it was written, and `==` compares that too, so
//! a test can tell a wrong location from a right one. Whether two trees *mean*
//! the same wherever they were written — what the formatter's round trip and
//! the engine's "did this segment change?" ask — is [`Node::same_meaning`]:
//! the trees compared with every span cleared.

use super::{DefinitionKind, EntityKind};

/// A byte range in the text that was parsed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Span {
    pub start: usize,
    pub end: usize,
}

impl Span {
    pub fn new(start: usize, end: usize) -> Span {
        Span { start, end }
    }

    /// The smallest span that covers both.
    pub fn join(self, other: Span) -> Span {
        Span::new(self.start.min(other.start), self.end.max(other.end))
    }

    pub fn shifted(self, by: usize) -> Span {
        Span::new(self.start + by, self.end + by)
    }
}

/// A part of the tree. Each node hands out its spans, so clearing them — and
/// with it comparing by meaning — is one walk, not a comparison per node.
pub trait Node: Clone + PartialEq {
    /// Calls `visit` with every span of this node and of the nodes in it.
    fn visit_spans(&mut self, visit: &mut dyn FnMut(&mut Span));

    /// A copy with every span set to `Span::default()`: what the node means,
    /// not where it was written.
    fn without_spans(&self) -> Self {
        let mut copy = self.clone();
        copy.visit_spans(&mut |span| *span = Span::default());
        copy
    }

    /// Whether the two mean the same, wherever each was written.
    fn same_meaning(&self, other: &Self) -> bool {
        self.without_spans() == other.without_spans()
    }
}

/// A parsed `.seg` file: its definitions and its comments (kept for `fmt`).
/// Two files mean the same when their definitions do and their comments have
/// the same texts in the same order, wherever each comment sits.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct File {
    pub definitions: Vec<Definition>,
    pub comments: Vec<Comment>,
}

/// A `# ...` comment; `text` starts after the `#`.
#[derive(Clone, Debug, PartialEq)]
pub struct Comment {
    pub text: String,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Definition {
    Segment(SegmentDefinition),
    Block(BlockDefinition),
}

impl Definition {
    pub fn kind(&self) -> DefinitionKind {
        match self {
            Definition::Segment(_) => DefinitionKind::Segment,
            Definition::Block(block) => block.keyword,
        }
    }

    pub fn name(&self) -> &Name {
        match self {
            Definition::Segment(segment) => &segment.name,
            Definition::Block(block) => &block.name,
        }
    }

    pub fn span(&self) -> Span {
        match self {
            Definition::Segment(segment) => segment.span,
            Definition::Block(block) => block.span,
        }
    }
}

/// A quoted name: of a definition, or of a segment referred to.
#[derive(Clone, Debug, PartialEq)]
pub struct Name {
    pub text: String,
    pub span: Span,
}

/// `segment "Name" for users { description "..." where ... }`
#[derive(Clone, Debug, PartialEq)]
pub struct SegmentDefinition {
    pub name: Name,
    pub kind: EntityKind,
    pub description: Option<Text>,
    pub condition: Condition,
    pub span: Span,
}

/// A string literal with its location.
#[derive(Clone, Debug, PartialEq)]
pub struct Text {
    pub value: String,
    pub span: Span,
}

/// `view`, `playbook` and `destination`: a header and generic typed entries,
/// given their full meaning by the features that use them.
#[derive(Clone, Debug, PartialEq)]
pub struct BlockDefinition {
    pub keyword: DefinitionKind,
    pub name: Name,
    pub kind: Option<EntityKind>,
    pub connector: Option<Word>,
    pub entries: Vec<Entry>,
    pub span: Span,
}

/// A bare word such as a connector (`hubspot`) or a type (`list`).
#[derive(Clone, Debug, PartialEq)]
pub struct Word {
    pub text: String,
    pub span: Span,
}

/// One line-like item of a block: `key subject arguments...`.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    pub key: Word,
    pub subject: Option<Subject>,
    pub arguments: Vec<Argument>,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Subject {
    Property(PropertyPath),
    Env(Text),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Argument {
    /// `-> property`
    Arrow(PropertyPath),
    /// `as list`
    As(Word),
    /// `env "VAR"`: a value read from the environment, never stored.
    Env(Text),
    Value(Value),
    List(Vec<Literal>),
    Block(Vec<Entry>),
    /// The condition of an entry that is `where <condition>` or `when
    /// <condition>`.
    Condition(Condition),
    /// One of the few bare words an argument may be, in lower case: a sort
    /// order (`asc`, `ascending`, `desc`, `descending`), the `entry` of
    /// `runs every entry`, the `=` of `set P = v` and the `secret` of
    /// `webhook "url" secret env "VAR"`.
    Word(Word),
}

/// A boolean condition over one entity.
#[derive(Clone, Debug, PartialEq)]
pub enum Condition {
    /// Two or more operands, all true. Never nests directly inside another `And`.
    And(Vec<Condition>),
    /// Two or more operands, any true. Never nests directly inside another `Or`.
    Or(Vec<Condition>),
    Not(Box<Condition>, Span),
    Predicate(Predicate),
}

impl Condition {
    pub fn span(&self) -> Span {
        match self {
            Condition::And(parts) | Condition::Or(parts) => parts
                .iter()
                .map(Condition::span)
                .reduce(Span::join)
                .unwrap_or_default(),
            Condition::Not(_, span) => *span,
            Condition::Predicate(predicate) => predicate.span,
        }
    }

    /// Calls `visit` on every predicate, including those inside aggregates.
    pub fn for_each_predicate<'a>(&'a self, visit: &mut dyn FnMut(&'a Predicate)) {
        match self {
            Condition::And(parts) | Condition::Or(parts) => {
                for part in parts {
                    part.for_each_predicate(visit);
                }
            }
            Condition::Not(inner, _) => inner.for_each_predicate(visit),
            Condition::Predicate(predicate) => {
                visit(predicate);
                if let PredicateKind::Aggregate { aggregate, .. } = &predicate.kind
                    && let Some(filter) = &aggregate.filter
                {
                    filter.for_each_predicate(visit);
                }
            }
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Predicate {
    pub kind: PredicateKind,
    pub span: Span,
}

#[derive(Clone, Debug, PartialEq)]
pub enum PredicateKind {
    /// `P = v`, `P != v`, `P < v`, ...
    Compare {
        path: PropertyPath,
        op: CompareOp,
        value: Value,
    },
    /// `P in [..]`, `P not in [..]`
    InList {
        path: PropertyPath,
        negated: bool,
        values: Vec<Literal>,
    },
    /// `P contains "s"`, `P not starts with "s"`, `P matches "re"`, ...
    Text {
        path: PropertyPath,
        op: TextOp,
        negated: bool,
        pattern: Text,
    },
    /// `P between a and b`, `P not between a and b`
    Between {
        path: PropertyPath,
        negated: bool,
        low: Value,
        high: Value,
    },
    /// `P is set`, `P is not set`
    IsSet { path: PropertyPath, negated: bool },
    /// `P has v`
    Has { path: PropertyPath, value: Literal },
    /// `P has any [..]`
    HasAny {
        path: PropertyPath,
        values: Vec<Literal>,
    },
    /// `P has all [..]`
    HasAll {
        path: PropertyPath,
        values: Vec<Literal>,
    },
    /// `in segment "S"`, `not in segment "S"`
    InSegment { negated: bool, segment: Name },
    /// `account in segment "S"`, `account not in segment "S"` (users only)
    AccountInSegment { negated: bool, segment: Name },
    /// `count(users where C) >= 3` and the other aggregates (accounts only)
    Aggregate {
        aggregate: Aggregate,
        op: CompareOp,
        value: Value,
    },
}

impl PredicateKind {
    /// The property the predicate reads, to change it in place.
    pub fn path_mut(&mut self) -> Option<&mut PropertyPath> {
        match self {
            PredicateKind::Compare { path, .. }
            | PredicateKind::InList { path, .. }
            | PredicateKind::Text { path, .. }
            | PredicateKind::Between { path, .. }
            | PredicateKind::IsSet { path, .. }
            | PredicateKind::Has { path, .. }
            | PredicateKind::HasAny { path, .. }
            | PredicateKind::HasAll { path, .. } => Some(path),
            PredicateKind::InSegment { .. }
            | PredicateKind::AccountInSegment { .. }
            | PredicateKind::Aggregate { .. } => None,
        }
    }

    /// The property the predicate reads, if it reads one directly.
    pub fn path(&self) -> Option<&PropertyPath> {
        match self {
            PredicateKind::Compare { path, .. }
            | PredicateKind::InList { path, .. }
            | PredicateKind::Text { path, .. }
            | PredicateKind::Between { path, .. }
            | PredicateKind::IsSet { path, .. }
            | PredicateKind::Has { path, .. }
            | PredicateKind::HasAny { path, .. }
            | PredicateKind::HasAll { path, .. } => Some(path),
            PredicateKind::InSegment { .. }
            | PredicateKind::AccountInSegment { .. }
            | PredicateKind::Aggregate { .. } => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CompareOp {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl CompareOp {
    pub fn symbol(self) -> &'static str {
        match self {
            CompareOp::Eq => "=",
            CompareOp::Ne => "!=",
            CompareOp::Lt => "<",
            CompareOp::Le => "<=",
            CompareOp::Gt => ">",
            CompareOp::Ge => ">=",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TextOp {
    Contains,
    StartsWith,
    EndsWith,
    Matches,
}

impl TextOp {
    pub fn keyword(self) -> &'static str {
        match self {
            TextOp::Contains => "contains",
            TextOp::StartsWith => "starts with",
            TextOp::EndsWith => "ends with",
            TextOp::Matches => "matches",
        }
    }
}

/// Whose property a path reads.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scope {
    /// The entity itself: `plan`.
    Own,
    /// (users) the user's account: `account.plan`.
    Account,
    /// (inside an aggregate) each of the account's users: `users.sessions`.
    Users,
}

#[derive(Clone, Debug, PartialEq)]
pub struct PropertyPath {
    pub scope: Scope,
    pub name: String,
    pub span: Span,
}

impl PropertyPath {
    /// True for `segments`, the computed list of segment names.
    pub fn is_segments(&self) -> bool {
        self.name == "segments"
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Aggregate {
    pub function: AggregateFunction,
    /// `None` only for `count(users ...)`.
    pub property: Option<PropertyPath>,
    pub filter: Option<Box<Condition>>,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AggregateFunction {
    Count,
    Sum,
    Avg,
    Min,
    Max,
}

impl AggregateFunction {
    pub fn keyword(self) -> &'static str {
        match self {
            AggregateFunction::Count => "count",
            AggregateFunction::Sum => "sum",
            AggregateFunction::Avg => "avg",
            AggregateFunction::Min => "min",
            AggregateFunction::Max => "max",
        }
    }
}

/// The right-hand side of a comparison: a literal or a time relative to `now`.
#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Literal(Literal),
    Relative(RelativeTime),
}

/// A literal scalar. Datetimes are instants in microseconds since the Unix
/// epoch, UTC.
#[derive(Clone, Debug, PartialEq)]
pub enum Literal {
    String(String),
    Number(f64),
    Bool(bool),
    DateTime(i64),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RelativeTime {
    Now,
    Ago(u32, TimeUnit),
    FromNow(u32, TimeUnit),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TimeUnit {
    Minute,
    Hour,
    Day,
    Week,
    Month,
    Year,
}

impl TimeUnit {
    pub fn singular(self) -> &'static str {
        match self {
            TimeUnit::Minute => "minute",
            TimeUnit::Hour => "hour",
            TimeUnit::Day => "day",
            TimeUnit::Week => "week",
            TimeUnit::Month => "month",
            TimeUnit::Year => "year",
        }
    }
}

// ------------------------------------------------------------ the span walk
// One `visit_spans` per node type, each naming only the fields that hold
// spans; `without_spans` and `same_meaning` are written once, in `Node`.

impl<T: Node> Node for Vec<T> {
    fn visit_spans(&mut self, visit: &mut dyn FnMut(&mut Span)) {
        for node in self {
            node.visit_spans(visit);
        }
    }
}

impl<T: Node> Node for Option<T> {
    fn visit_spans(&mut self, visit: &mut dyn FnMut(&mut Span)) {
        if let Some(node) = self {
            node.visit_spans(visit);
        }
    }
}

impl<T: Node> Node for Box<T> {
    fn visit_spans(&mut self, visit: &mut dyn FnMut(&mut Span)) {
        T::visit_spans(self, visit);
    }
}

/// Nodes whose only span is their own `span` field.
macro_rules! leaf_nodes {
    ($($node:ty),*) => {
        $(
            impl Node for $node {
                fn visit_spans(&mut self, visit: &mut dyn FnMut(&mut Span)) {
                    visit(&mut self.span);
                }
            }
        )*
    };
}

leaf_nodes!(Comment, Name, Text, Word, PropertyPath);

impl Node for File {
    fn visit_spans(&mut self, visit: &mut dyn FnMut(&mut Span)) {
        self.definitions.visit_spans(visit);
        self.comments.visit_spans(visit);
    }
}

impl Node for Definition {
    fn visit_spans(&mut self, visit: &mut dyn FnMut(&mut Span)) {
        match self {
            Definition::Segment(segment) => segment.visit_spans(visit),
            Definition::Block(block) => block.visit_spans(visit),
        }
    }
}

impl Node for SegmentDefinition {
    fn visit_spans(&mut self, visit: &mut dyn FnMut(&mut Span)) {
        self.name.visit_spans(visit);
        self.description.visit_spans(visit);
        self.condition.visit_spans(visit);
        visit(&mut self.span);
    }
}

impl Node for BlockDefinition {
    fn visit_spans(&mut self, visit: &mut dyn FnMut(&mut Span)) {
        self.name.visit_spans(visit);
        self.connector.visit_spans(visit);
        self.entries.visit_spans(visit);
        visit(&mut self.span);
    }
}

impl Node for Entry {
    fn visit_spans(&mut self, visit: &mut dyn FnMut(&mut Span)) {
        self.key.visit_spans(visit);
        self.subject.visit_spans(visit);
        self.arguments.visit_spans(visit);
        visit(&mut self.span);
    }
}

impl Node for Subject {
    fn visit_spans(&mut self, visit: &mut dyn FnMut(&mut Span)) {
        match self {
            Subject::Property(path) => path.visit_spans(visit),
            Subject::Env(name) => name.visit_spans(visit),
        }
    }
}

impl Node for Argument {
    fn visit_spans(&mut self, visit: &mut dyn FnMut(&mut Span)) {
        match self {
            Argument::Arrow(path) => path.visit_spans(visit),
            Argument::As(word) | Argument::Word(word) => word.visit_spans(visit),
            Argument::Env(name) => name.visit_spans(visit),
            Argument::Block(entries) => entries.visit_spans(visit),
            Argument::Condition(condition) => condition.visit_spans(visit),
            // Values and literals carry no spans.
            Argument::Value(_) | Argument::List(_) => {}
        }
    }
}

impl Node for Condition {
    fn visit_spans(&mut self, visit: &mut dyn FnMut(&mut Span)) {
        match self {
            Condition::And(parts) | Condition::Or(parts) => parts.visit_spans(visit),
            Condition::Not(inner, span) => {
                inner.visit_spans(visit);
                visit(span);
            }
            Condition::Predicate(predicate) => predicate.visit_spans(visit),
        }
    }
}

impl Node for Predicate {
    fn visit_spans(&mut self, visit: &mut dyn FnMut(&mut Span)) {
        self.kind.visit_spans(visit);
        visit(&mut self.span);
    }
}

impl Node for PredicateKind {
    fn visit_spans(&mut self, visit: &mut dyn FnMut(&mut Span)) {
        match self {
            PredicateKind::Text { path, pattern, .. } => {
                path.visit_spans(visit);
                pattern.visit_spans(visit);
            }
            PredicateKind::Compare { path, .. }
            | PredicateKind::InList { path, .. }
            | PredicateKind::Between { path, .. }
            | PredicateKind::IsSet { path, .. }
            | PredicateKind::Has { path, .. }
            | PredicateKind::HasAny { path, .. }
            | PredicateKind::HasAll { path, .. } => path.visit_spans(visit),
            PredicateKind::InSegment { segment, .. }
            | PredicateKind::AccountInSegment { segment, .. } => segment.visit_spans(visit),
            PredicateKind::Aggregate { aggregate, .. } => aggregate.visit_spans(visit),
        }
    }
}

impl Node for Aggregate {
    fn visit_spans(&mut self, visit: &mut dyn FnMut(&mut Span)) {
        self.property.visit_spans(visit);
        self.filter.visit_spans(visit);
        visit(&mut self.span);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(start: usize, end: usize) -> Span {
        Span::new(start, end)
    }

    /// `not (in segment "S")` with its spans (name, predicate, `not`).
    fn negated_membership(spans: [Span; 3]) -> Condition {
        let [name, predicate, not] = spans;
        let segment = Name {
            text: "S".to_string(),
            span: name,
        };
        let kind = PredicateKind::InSegment {
            negated: false,
            segment,
        };
        Condition::Not(
            Box::new(Condition::Predicate(Predicate {
                kind,
                span: predicate,
            })),
            not,
        )
    }

    #[test]
    fn spans_take_part_in_equality() {
        assert_ne!(at(0, 1), at(0, 2));
        assert_ne!(at(0, 1), at(1, 1));
        assert_eq!(at(3, 4), at(3, 4));
        let here = negated_membership([at(16, 19), at(5, 19), at(0, 19)]);
        let there = negated_membership([at(17, 20), at(6, 20), at(1, 20)]);
        assert_ne!(here, there);
        assert!(here.same_meaning(&there));
    }

    #[test]
    fn without_spans_clears_every_span() {
        let mut seen = Vec::new();
        let mut cleared = negated_membership([at(16, 19), at(5, 19), at(0, 19)]).without_spans();
        cleared.visit_spans(&mut |span| seen.push(*span));
        assert_eq!(seen, [Span::default(); 3]);
    }

    #[test]
    fn meaning_still_tells_different_trees_apart() {
        let spans = [at(0, 0); 3];
        let mut other = negated_membership(spans);
        if let Condition::Not(inner, _) = &mut other {
            **inner = Condition::And(Vec::new());
        }
        assert!(!negated_membership(spans).same_meaning(&other));
    }

    #[test]
    fn comments_mean_their_text() {
        let comment = |text: &str, start| Comment {
            text: text.to_string(),
            span: at(start, start + 1 + text.len()),
        };
        let file = |comments| File {
            definitions: Vec::new(),
            comments,
        };
        let moved = file(vec![comment(" a", 0), comment(" b", 40)]);
        assert!(moved.same_meaning(&file(vec![comment(" a", 10), comment(" b", 20)])));
        assert!(!moved.same_meaning(&file(vec![comment(" a", 0), comment(" c", 40)])));
    }
}

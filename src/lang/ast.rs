//! The syntax tree of the segscope language, with a source span on every node.
//!
//! This is what the parser produces and what validation, the formatter and
//! (through `model`) the engine consume. It says what the text *means*, not how
//! it was spelled: keywords are not kept in their original case, `==` and `=`
//! are the same operator, `and`/`or` chains are flattened. Spans are locations,
//! not meaning, so two spans always compare equal: comparing two trees asks
//! "do they mean the same?", which is what the formatter round trip needs.

use crate::model::{DefinitionKind, EntityKind};

/// A byte range in the text that was parsed.
#[derive(Clone, Copy, Debug, Default, Eq)]
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

impl PartialEq for Span {
    /// Spans never make two trees different; see the module documentation.
    fn eq(&self, _other: &Span) -> bool {
        true
    }
}

/// A parsed `.seg` file: its definitions and its comments (kept for `fmt`).
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
    /// The condition of an entry that is `where <condition>`.
    Condition(Condition),
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

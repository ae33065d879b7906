//! Where the cursor stands in a condition being typed, for completion:
//! [`context_at`] reads the language's tokens before the cursor
//! ([`crate::lang::tokens`]) as the grammar would and says what may come
//! there — a predicate (properties, `in segment`, and `account.` for users
//! or the aggregates for accounts), an operator for a property, a value, a
//! segment name of a kind, `and`/`or` — and which half-typed token a
//! suggestion replaces. What to offer there is [`super::suggestions`]'s job.
//!
//! It never checks a condition (the parser does, and says what is wrong):
//! text the analysis cannot follow is `Nothing`, and any text is taken.

use crate::lang::format::property_name;
use crate::lang::{Token, TokenKind, tokens};
use crate::model::EntityKind;

/// A property as completion reads it: of which kind, and its name.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PropertyRef {
    pub kind: EntityKind,
    pub name: String,
}

/// Where a value stands: alone, opening a list, inside one, after a text
/// operator (text only), or either end of a `between`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ValueShape {
    Single,
    ListStart,
    InList,
    Text,
    BetweenLow,
    BetweenHigh,
}

/// What the grammar expects at the cursor.
#[derive(Clone, Debug, PartialEq)]
pub enum Expecting {
    /// The start of a predicate about entities `of` (users inside an
    /// aggregate's `where`); `aggregates` when `count(users)`… may come.
    Predicate { of: EntityKind, aggregates: bool },
    /// After `account.`: a property of the account.
    AccountProperty,
    /// After `account` (users): `in segment`, `not in segment`.
    AfterAccount,
    /// After `account not`: `in segment`.
    AccountNot,
    /// After `in` (or `account in`): `segment`.
    SegmentKeyword { account: bool },
    /// A segment name of this kind.
    SegmentName(EntityKind),
    /// After `count`, `sum`… at a predicate's start (accounts): `(`.
    AggregateOpen { function: String },
    /// After `count(` (`users`) or `sum(` (`users.`).
    AggregateSubject { count: bool },
    /// After `sum(users`: `.`.
    UsersDot,
    /// After `sum(users.`: a numeric or datetime property of users.
    UsersProperty,
    /// After `count(users` or `sum(users.P`: `where` or `)`.
    AggregateEnd,
    /// After a closed aggregate: a comparison operator.
    AggregateOperator,
    /// After a property: the operators valid for its type.
    Operator(PropertyRef),
    /// After `P not`: the negated operators.
    NegatedOperator(PropertyRef),
    /// After `P is` (`set`, `not set`) or `P is not` (`set`).
    IsTail { negated: bool },
    /// After `P starts` or `P ends`: `with`.
    With(PropertyRef),
    /// After `P has`: `any`, `all` or a value.
    HasTail(PropertyRef),
    /// A value for the property (none for an aggregate).
    Value {
        property: Option<PropertyRef>,
        shape: ValueShape,
    },
    /// After a number where a relative time may go on (`30 days ago`).
    Amount {
        property: Option<PropertyRef>,
        then: Box<Expecting>,
    },
    /// After `30 days`: `ago` or `from now`.
    AgoOrFromNow { then: Box<Expecting> },
    /// After `30 days from`: `now`.
    Now { then: Box<Expecting> },
    /// After `P between a`: `and`.
    BetweenAnd(PropertyRef),
    /// After an element of a list: `,` or `]`.
    ListItemEnd(PropertyRef),
    /// After a complete predicate: `and`, `or`, and `)` when `closes`.
    Connective { closes: bool },
    /// Nothing worth offering (or text the analysis cannot follow).
    Nothing,
}

/// The cursor's place in the grammar and the partial token it ends, which a
/// suggestion replaces.
#[derive(Clone, Debug, PartialEq)]
pub struct CursorContext {
    pub expecting: Expecting,
    pub typed: String,
}

/// What is open around the cursor.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Frame {
    Group,
    AggregateHead,
    AggregateWhere,
    List,
}

/// Where the cursor stands in a condition for entities of `kind`, given the
/// text before it. Any text is taken; what cannot be followed is `Nothing`.
pub fn context_at(before: &str, kind: EntityKind) -> CursorContext {
    let mut all = tokens(before);
    let partial = all.last().is_some_and(|token| {
        token.span.end == before.len()
            && matches!(
                token.kind,
                TokenKind::Word
                    | TokenKind::Number
                    | TokenKind::Text { closed: false }
                    | TokenKind::Backticked { closed: false }
            )
    });
    let typed = if partial {
        all.pop().map_or("", |token| token.text(before)).to_string()
    } else {
        String::new()
    };
    let nothing = CursorContext {
        expecting: Expecting::Nothing,
        typed: typed.clone(),
    };
    match all.last() {
        // Inside a comment, or right after a word with no space yet.
        Some(last) if last.kind == TokenKind::Comment && last.span.end == before.len() => {
            return nothing;
        }
        Some(last) if !partial && last.span.end == before.len() && needs_space(last.kind) => {
            return nothing;
        }
        _ => {}
    }
    let mut reader = Reader {
        text: before,
        kind,
        stack: Vec::new(),
    };
    let mut expecting = reader.predicate();
    for token in all.iter().filter(|t| t.kind != TokenKind::Comment) {
        expecting = reader.step(expecting, token);
        if expecting == Expecting::Nothing {
            return nothing;
        }
    }
    if let Expecting::Connective { .. } = expecting {
        expecting = Expecting::Connective {
            closes: matches!(
                reader.stack.last(),
                Some(Frame::Group | Frame::AggregateWhere)
            ),
        };
    }
    CursorContext { expecting, typed }
}

/// Tokens that a following word must be spaced from.
fn needs_space(kind: TokenKind) -> bool {
    matches!(
        kind,
        TokenKind::Word
            | TokenKind::Number
            | TokenKind::Text { .. }
            | TokenKind::Backticked { .. }
            | TokenKind::Close(_)
    )
}

/// Reads tokens one at a time, as the grammar would, keeping what is open.
struct Reader<'t> {
    text: &'t str,
    kind: EntityKind,
    stack: Vec<Frame>,
}

impl Reader<'_> {
    fn in_aggregate(&self) -> bool {
        self.stack.contains(&Frame::AggregateWhere)
    }

    /// Whose properties a predicate here is about.
    fn scope(&self) -> EntityKind {
        if self.in_aggregate() {
            EntityKind::Users
        } else {
            self.kind
        }
    }

    fn predicate(&self) -> Expecting {
        Expecting::Predicate {
            of: self.scope(),
            aggregates: self.scope() == EntityKind::Accounts,
        }
    }

    fn property(&self, kind: EntityKind, name: &str) -> Expecting {
        Expecting::Operator(PropertyRef {
            kind,
            name: name.to_string(),
        })
    }

    /// The property a token names, if it names one.
    fn property_name(&self, token: &Token) -> Option<String> {
        let text = token.text(self.text);
        match token.kind {
            TokenKind::Word if property_name(text) == text => Some(text.to_string()),
            TokenKind::Backticked { closed: true } => Some(text.trim_matches('`').to_string()),
            _ => None,
        }
    }

    fn is_literal(&self, token: &Token) -> bool {
        match token.kind {
            TokenKind::Text { closed } => closed,
            TokenKind::Number => true,
            TokenKind::Word => self.is(token, "true") || self.is(token, "false"),
            _ => false,
        }
    }

    fn is(&self, token: &Token, word: &str) -> bool {
        token.kind == TokenKind::Word && token.text(self.text).eq_ignore_ascii_case(word)
    }

    fn is_any(&self, token: &Token, words: &[&str]) -> bool {
        words.iter().any(|word| self.is(token, word))
    }

    /// What is expected after `token`, given what was expected before it.
    fn step(&mut self, expecting: Expecting, token: &Token) -> Expecting {
        use Expecting::*;
        let scope = self.scope();
        match expecting {
            Predicate { .. } => self.predicate_start(token),
            AfterAccount if token.kind == TokenKind::Dot => AccountProperty,
            AfterAccount if self.is(token, "in") => SegmentKeyword { account: true },
            AfterAccount if self.is(token, "not") => AccountNot,
            // `account` was a property of that name after all.
            AfterAccount => self.step(self.property(scope, "account"), token),
            AccountNot if self.is(token, "in") => SegmentKeyword { account: true },
            AccountNot => {
                let account = PropertyRef {
                    kind: scope,
                    name: "account".to_string(),
                };
                self.step(NegatedOperator(account), token)
            }
            AccountProperty => match self.property_name(token) {
                Some(name) => self.property(EntityKind::Accounts, &name),
                None => Nothing,
            },
            SegmentKeyword { account } if self.is(token, "segment") => {
                SegmentName(if account { EntityKind::Accounts } else { scope })
            }
            SegmentName(_) if token.kind == (TokenKind::Text { closed: true }) => {
                Connective { closes: false }
            }
            AggregateOpen { function } if token.kind == TokenKind::Open(b'(') => {
                self.stack.push(Frame::AggregateHead);
                AggregateSubject {
                    count: function.eq_ignore_ascii_case("count"),
                }
            }
            AggregateOpen { function } => self.step(self.property(scope, &function), token),
            AggregateSubject { count } if self.is(token, "users") => {
                if count {
                    AggregateEnd
                } else {
                    UsersDot
                }
            }
            UsersDot if token.kind == TokenKind::Dot => UsersProperty,
            UsersProperty if self.property_name(token).is_some() => AggregateEnd,
            AggregateEnd if self.is(token, "where") => {
                self.stack.pop();
                self.stack.push(Frame::AggregateWhere);
                self.predicate()
            }
            AggregateEnd if token.kind == TokenKind::Close(b')') => {
                self.stack.pop();
                AggregateOperator
            }
            AggregateOperator if token.kind == TokenKind::Comparison => Value {
                property: None,
                shape: ValueShape::Single,
            },
            Operator(property) => self.operator(property, token, false),
            NegatedOperator(property) => self.operator(property, token, true),
            With(property) if self.is(token, "with") => Value {
                property: Some(property),
                shape: ValueShape::Text,
            },
            IsTail { negated: false } if self.is(token, "not") => IsTail { negated: true },
            IsTail { .. } if self.is(token, "set") => Connective { closes: false },
            HasTail(property) if self.is_any(token, &["any", "all"]) => Value {
                property: Some(property),
                shape: ValueShape::ListStart,
            },
            HasTail(_) if self.is_literal(token) => Connective { closes: false },
            Value { property, shape } => self.value(property, shape, token),
            ListItemEnd(property) if token.kind == TokenKind::Comma => Value {
                property: Some(property),
                shape: ValueShape::InList,
            },
            ListItemEnd(_) if token.kind == TokenKind::Close(b']') => self.close(Frame::List),
            Amount { then, .. } if is_time_unit(token.text(self.text)) => AgoOrFromNow { then },
            Amount { then, .. } => self.step(*then, token),
            AgoOrFromNow { then } if self.is(token, "ago") => *then,
            AgoOrFromNow { then } if self.is(token, "from") => Now { then },
            Now { then } if self.is(token, "now") => *then,
            BetweenAnd(property) if self.is(token, "and") => Value {
                property: Some(property),
                shape: ValueShape::BetweenHigh,
            },
            Connective { .. } if self.is_any(token, &["and", "or"]) => self.predicate(),
            Connective { .. } if token.kind == TokenKind::Close(b')') => match self.stack.pop() {
                Some(Frame::Group) => Connective { closes: false },
                Some(Frame::AggregateWhere) => AggregateOperator,
                _ => Nothing,
            },
            _ => Nothing,
        }
    }

    fn predicate_start(&mut self, token: &Token) -> Expecting {
        let scope = self.scope();
        if self.is(token, "not") {
            return self.predicate();
        }
        if self.is(token, "in") {
            return Expecting::SegmentKeyword { account: false };
        }
        if token.kind == TokenKind::Open(b'(') {
            self.stack.push(Frame::Group);
            return self.predicate();
        }
        if scope == EntityKind::Users && self.is(token, "account") {
            return Expecting::AfterAccount;
        }
        let aggregates = scope == EntityKind::Accounts && !self.in_aggregate();
        if aggregates && self.is_any(token, &["count", "sum", "avg", "min", "max"]) {
            return Expecting::AggregateOpen {
                function: token.text(self.text).to_string(),
            };
        }
        match self.property_name(token) {
            Some(name) => self.property(scope, &name),
            None => Expecting::Nothing,
        }
    }

    /// After a property (or `P not`): which tail the token starts.
    fn operator(&mut self, property: PropertyRef, token: &Token, negated: bool) -> Expecting {
        let value = |shape| Expecting::Value {
            property: Some(property.clone()),
            shape,
        };
        if token.kind == TokenKind::Comparison && !negated {
            value(ValueShape::Single)
        } else if self.is(token, "in") {
            value(ValueShape::ListStart)
        } else if self.is(token, "between") {
            value(ValueShape::BetweenLow)
        } else if self.is_any(token, &["contains", "matches"]) {
            value(ValueShape::Text)
        } else if self.is_any(token, &["starts", "ends"]) {
            Expecting::With(property)
        } else if negated {
            Expecting::Nothing
        } else if self.is(token, "not") {
            Expecting::NegatedOperator(property)
        } else if self.is(token, "is") {
            Expecting::IsTail { negated: false }
        } else if self.is(token, "has") {
            Expecting::HasTail(property)
        } else {
            Expecting::Nothing
        }
    }

    fn value(
        &mut self,
        property: Option<PropertyRef>,
        shape: ValueShape,
        token: &Token,
    ) -> Expecting {
        let done = Expecting::Connective { closes: false };
        let after = match (shape, &property) {
            (ValueShape::BetweenLow, Some(p)) => Expecting::BetweenAnd(p.clone()),
            _ => done.clone(),
        };
        match shape {
            ValueShape::ListStart if token.kind == TokenKind::Open(b'[') => {
                self.stack.push(Frame::List);
                Expecting::Value {
                    property,
                    shape: ValueShape::InList,
                }
            }
            ValueShape::InList if token.kind == TokenKind::Close(b']') => self.close(Frame::List),
            ValueShape::InList if self.is_literal(token) => match property {
                Some(p) => Expecting::ListItemEnd(p),
                None => Expecting::Nothing,
            },
            ValueShape::Text if token.kind == (TokenKind::Text { closed: true }) => done,
            ValueShape::Single | ValueShape::BetweenLow | ValueShape::BetweenHigh => {
                if token.kind == TokenKind::Number {
                    Expecting::Amount {
                        property,
                        then: Box::new(after),
                    }
                } else if self.is_literal(token) || self.is(token, "now") {
                    after
                } else {
                    Expecting::Nothing
                }
            }
            _ => Expecting::Nothing,
        }
    }

    /// Closes the innermost frame when it is `frame`.
    fn close(&mut self, frame: Frame) -> Expecting {
        if self.stack.last() == Some(&frame) {
            self.stack.pop();
            Expecting::Connective { closes: false }
        } else {
            Expecting::Nothing
        }
    }
}

fn is_time_unit(word: &str) -> bool {
    const UNITS: [&str; 6] = ["minute", "hour", "day", "week", "month", "year"];
    let word = word.to_ascii_lowercase();
    let singular = word.strip_suffix('s').unwrap_or(&word);
    UNITS.contains(&singular)
}

#[cfg(test)]
mod tests {
    use super::*;
    use EntityKind::{Accounts, Users};
    use proptest::prelude::*;

    fn expecting(before: &str, kind: EntityKind) -> Expecting {
        context_at(before, kind).expecting
    }

    fn property(kind: EntityKind, name: &str) -> PropertyRef {
        PropertyRef {
            kind,
            name: name.to_string(),
        }
    }

    fn value(kind: EntityKind, name: &str, shape: ValueShape) -> Expecting {
        Expecting::Value {
            property: Some(property(kind, name)),
            shape,
        }
    }

    #[test]
    fn predicates_and_whose_properties_they_read() {
        let users = Expecting::Predicate {
            of: Users,
            aggregates: false,
        };
        assert_eq!(expecting("", Users), users);
        assert_eq!(expecting("role = \"a\" and not (", Users), users);
        assert_eq!(
            expecting("", Accounts),
            Expecting::Predicate {
                of: Accounts,
                aggregates: true
            }
        );
        let inside = context_at("count(users where se", Accounts);
        assert_eq!(
            inside.expecting, users,
            "an aggregate's where is about users"
        );
        assert_eq!(inside.typed, "se");
        assert_eq!(expecting("account.", Users), Expecting::AccountProperty);
        assert_eq!(expecting("account.", Accounts), Expecting::Nothing);
        assert_eq!(
            expecting("count(users where account.", Accounts),
            Expecting::AccountProperty
        );
        assert_eq!(expecting("sum(users.", Accounts), Expecting::UsersProperty);
        assert_eq!(expecting("sum(users.", Users), Expecting::Nothing);
    }

    #[test]
    fn operators_after_a_property() {
        assert_eq!(
            expecting("role ", Users),
            Expecting::Operator(property(Users, "role"))
        );
        let typing = context_at("role co", Users);
        assert_eq!(
            typing.expecting,
            Expecting::Operator(property(Users, "role"))
        );
        assert_eq!(typing.typed, "co");
        assert_eq!(
            expecting("`Company Size` not ", Accounts),
            Expecting::NegatedOperator(property(Accounts, "Company Size"))
        );
        assert_eq!(
            expecting("account.plan ", Users),
            Expecting::Operator(property(Accounts, "plan"))
        );
        assert_eq!(
            expecting("count ", Accounts),
            Expecting::AggregateOpen {
                function: "count".to_string()
            }
        );
        assert_eq!(
            expecting("count = ", Accounts),
            value(Accounts, "count", ValueShape::Single),
            "`count` not followed by `(` is a property"
        );
        assert_eq!(
            expecting("account = ", Users),
            value(Users, "account", ValueShape::Single)
        );
    }

    #[test]
    fn values_after_an_operator() {
        assert_eq!(
            expecting("role = ", Users),
            value(Users, "role", ValueShape::Single)
        );
        assert_eq!(
            expecting("role in ", Users),
            value(Users, "role", ValueShape::ListStart)
        );
        assert_eq!(
            expecting("role in [\"a\", ", Users),
            value(Users, "role", ValueShape::InList)
        );
        assert_eq!(
            expecting("role not starts with ", Users),
            value(Users, "role", ValueShape::Text)
        );
        assert_eq!(
            expecting("seats between 1 and ", Accounts),
            value(Accounts, "seats", ValueShape::BetweenHigh)
        );
        assert_eq!(
            expecting("seats between 1 ", Accounts),
            Expecting::Amount {
                property: Some(property(Accounts, "seats")),
                then: Box::new(Expecting::BetweenAnd(property(Accounts, "seats"))),
            }
        );
        assert_eq!(
            expecting("last_seen_at > 3 days ", Users),
            Expecting::AgoOrFromNow {
                then: Box::new(Expecting::Connective { closes: false })
            }
        );
        assert_eq!(
            expecting("count(users) >= ", Accounts),
            Expecting::Value {
                property: None,
                shape: ValueShape::Single
            }
        );
    }

    #[test]
    fn segment_names_of_a_kind() {
        assert_eq!(
            expecting("in segment ", Users),
            Expecting::SegmentName(Users)
        );
        assert_eq!(
            expecting("not in segment \"Ch", Users),
            Expecting::SegmentName(Users)
        );
        assert_eq!(
            expecting("account in segment ", Users),
            Expecting::SegmentName(Accounts)
        );
        assert_eq!(
            expecting("account not in segment ", Users),
            Expecting::SegmentName(Accounts)
        );
        assert_eq!(
            expecting("in segment ", Accounts),
            Expecting::SegmentName(Accounts)
        );
    }

    #[test]
    fn connectives_after_a_complete_predicate() {
        let done = Expecting::Connective { closes: false };
        for before in [
            "role = \"a\" ",
            "role is not set ",
            "tags has any [\"a\"] ",
            "in segment \"X\" ",
            "(role = \"a\") ",
            "last_seen_at > 30 days ago ",
            "x between 1 and 2 days ago ",
            "# a comment\nrole = \"a\" ",
        ] {
            assert_eq!(expecting(before, Users), done, "{before:?}");
        }
        assert_eq!(
            expecting("(role = \"a\" ", Users),
            Expecting::Connective { closes: true }
        );
        assert_eq!(
            expecting("count(users where role = \"a\" ", Accounts),
            Expecting::Connective { closes: true }
        );
        assert_eq!(
            expecting("count(users where role = \"a\") ", Accounts),
            Expecting::AggregateOperator
        );
    }

    #[test]
    fn nothing_where_the_grammar_cannot_follow() {
        for before in [
            "role = \"a\"",
            "role = = ",
            "role # a comment",
            ") ",
            "and ",
            "role = \"a\" and or ",
            "count(users where count(",
            "prénom ",
        ] {
            assert_eq!(expecting(before, Users), Expecting::Nothing, "{before:?}");
        }
    }

    proptest! {
        #[test]
        fn any_text_is_taken(
            text in "(\\PC|[ \"'`()\\[\\],.=<>!#\n]|and |in segment |count\\(users |é|漢){0,40}",
            cursor in 0usize..200,
        ) {
            let before: String = text.chars().take(cursor).collect();
            for kind in [Users, Accounts] {
                let context = context_at(&before, kind);
                prop_assert!(before.ends_with(&context.typed));
            }
        }
    }
}

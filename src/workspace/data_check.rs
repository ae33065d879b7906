//! Warnings a condition earns from the data at hand (dsl.md rule 3): a
//! property that no entity of the kind has (with "did you mean", including
//! `account.plan` for a users condition naming an account property), and a
//! comparison whose literal is of a type the property never holds, which is
//! then never true (or, negated, always true). These are warnings only: they
//! never block saving, applying or querying, and with no entities of a kind
//! there is nothing to warn about. Not here: the checks that need no data
//! (names, references, kinds, cycles), which are `lang::validate`'s.

use crate::engine::TypeCounts;
use crate::lang::{Diagnostic, did_you_mean};
use crate::model::ast::{
    Aggregate, AggregateFunction, CompareOp, Condition, Literal, PredicateKind, PropertyPath,
    Scope, Value,
};
use crate::model::{ACCOUNT_ID, EntityKind, ID, SEGMENTS, format_number};

use super::Workspace;

/// The type of a literal, as a slot of [`TypeCounts`].
fn literal_slot(literal: &Literal) -> usize {
    match literal {
        Literal::String(_) => 0,
        Literal::Number(_) => 1,
        Literal::Bool(_) => 2,
        Literal::DateTime(_) => 3,
    }
}

const DATETIME: usize = 3;

fn plural_type(slot: usize) -> &'static str {
    ["text", "numbers", "booleans", "datetimes", "lists"][slot]
}

fn article_type(slot: usize) -> &'static str {
    ["text", "a number", "a boolean", "a datetime", "a list"][slot]
}

impl Workspace {
    /// The data's warnings about a condition of `kind`, in the order the
    /// properties appear.
    pub fn data_warnings(&self, kind: EntityKind, condition: &Condition) -> Vec<Diagnostic> {
        let mut warnings = Vec::new();
        self.check_condition_data(kind, condition, &mut warnings);
        warnings
    }

    /// The warnings about a condition's text: the language's own (from
    /// validation) and the data's. Nothing when it does not parse or check
    /// (its errors are the caller's to show).
    pub fn condition_warnings(&self, kind: EntityKind, text: &str) -> Vec<Diagnostic> {
        let Ok(condition) = crate::lang::parse_condition(text) else {
            return Vec::new();
        };
        let mut warnings: Vec<Diagnostic> =
            crate::lang::validate::validate_condition(&condition, kind, &self.catalog());
        if warnings.iter().any(Diagnostic::is_error) {
            return Vec::new();
        }
        warnings.extend(self.data_warnings(kind, &condition));
        warnings
    }

    /// The names `kind` has data for, in name order, for "did you mean".
    pub fn property_names(&self, kind: EntityKind) -> Vec<String> {
        let table = self.engine.table(kind);
        let mut names: Vec<String> = table
            .columns()
            .filter(|(_, column)| column.has_values())
            .map(|(name, _)| name.clone())
            .collect();
        names.sort();
        names
    }

    /// `Err` with a message when no entity of `kind` has `name` (and there
    /// are entities): for `--columns` and the like.
    pub fn check_property_name(&self, kind: EntityKind, name: &str) -> Result<(), String> {
        let table = self.engine.table(kind);
        let has_it = table.column(name).is_some_and(|column| column.has_values());
        if self.has_no_data(kind) || has_it || is_builtin(kind, name) {
            return Ok(());
        }
        let (message, help) = self.unknown_property_message(kind, name, Scope::Own, kind);
        Err(match help {
            Some(help) => format!("{message}; {help}"),
            None => message,
        })
    }

    fn has_no_data(&self, kind: EntityKind) -> bool {
        self.engine.table(kind).alive.is_clear()
    }

    /// The property's values by type, when some entity has it.
    fn counts(&self, kind: EntityKind, name: &str) -> Option<TypeCounts> {
        let counts = self.engine.table(kind).column(name)?.type_counts();
        (counts.present() > 0).then_some(counts)
    }

    fn check_condition_data(
        &self,
        subject: EntityKind,
        condition: &Condition,
        warnings: &mut Vec<Diagnostic>,
    ) {
        match condition {
            Condition::And(parts) | Condition::Or(parts) => {
                for part in parts {
                    self.check_condition_data(subject, part, warnings);
                }
            }
            Condition::Not(inner, _) => self.check_condition_data(subject, inner, warnings),
            Condition::Predicate(predicate) => {
                if let PredicateKind::Aggregate { aggregate, .. } = &predicate.kind {
                    self.check_aggregate(aggregate, warnings);
                    return;
                }
                let Some(path) = predicate.kind.path() else {
                    return;
                };
                let Some(counts) = self.check_path(subject, path, warnings) else {
                    return;
                };
                let owner = owner_of(subject, path.scope);
                if let Some(warning) = mismatch(subject, owner, path, &predicate.kind, &counts) {
                    warnings.push(warning);
                }
            }
        }
    }

    fn check_aggregate(&self, aggregate: &Aggregate, warnings: &mut Vec<Diagnostic>) {
        if let Some(path) = &aggregate.property
            && let Some(counts) = self.check_path(EntityKind::Accounts, path, warnings)
        {
            let numbers = counts.cells[1] + counts.elements[1];
            let datetimes = counts.cells[DATETIME] + counts.elements[DATETIME];
            let usable = match aggregate.function {
                AggregateFunction::Sum => numbers > 0,
                _ => numbers + datetimes > 0,
            };
            if !usable {
                let wanted = match aggregate.function {
                    AggregateFunction::Sum => "numbers",
                    _ => "numbers or datetimes",
                };
                warnings.push(Diagnostic::warning(
                    format!(
                        "`{}` of users holds {} and never {wanted}, so {}(users.{}) has no values",
                        path.name,
                        seen_types(&counts, EntityKind::Users),
                        aggregate.function.keyword(),
                        path.name
                    ),
                    path.span,
                ));
            }
        }
        if let Some(filter) = &aggregate.filter {
            self.check_condition_data(EntityKind::Users, filter, warnings);
        }
    }

    /// Warns when no entity has the property `path` reads from `subject`;
    /// its type counts otherwise (`None` too for built-ins and no data).
    pub(super) fn check_path(
        &self,
        subject: EntityKind,
        path: &PropertyPath,
        warnings: &mut Vec<Diagnostic>,
    ) -> Option<TypeCounts> {
        let owner = owner_of(subject, path.scope);
        if is_builtin(owner, &path.name) || self.has_no_data(owner) {
            return None;
        }
        let counts = self.counts(owner, &path.name);
        if counts.is_none() {
            let (message, help) =
                self.unknown_property_message(owner, &path.name, path.scope, subject);
            let mut warning = Diagnostic::warning(message, path.span);
            if let Some(help) = help {
                warning = warning.with_help(help);
            }
            warnings.push(warning);
        }
        counts
    }

    /// "no users have a property `x`", and what was probably meant.
    fn unknown_property_message(
        &self,
        owner: EntityKind,
        name: &str,
        scope: Scope,
        subject: EntityKind,
    ) -> (String, Option<String>) {
        let message = format!(
            "none of the {} {} has a property `{name}`",
            crate::model::format_count(self.engine.table(owner).alive.count_ones(..) as u64),
            owner.as_str()
        );
        let known = self.property_names(owner);
        let prefix = match scope {
            Scope::Own => "",
            Scope::Account => "account.",
            Scope::Users => "users.",
        };
        if let Some(similar) = did_you_mean(name, known.iter().map(String::as_str)) {
            return (message, Some(format!("did you mean `{prefix}{similar}`?")));
        }
        let help = match (subject, scope) {
            (EntityKind::Users, Scope::Own)
                if self.counts(EntityKind::Accounts, name).is_some() =>
            {
                Some(format!(
                    "accounts have `{name}`: did you mean `account.{name}`?"
                ))
            }
            (EntityKind::Accounts, Scope::Own)
                if self.counts(EntityKind::Users, name).is_some() =>
            {
                Some(format!(
                    "users have `{name}`: an accounts condition reads it through an aggregate, such as `count(users where {name} is set) > 0`"
                ))
            }
            _ => None,
        };
        (message, help)
    }
}

/// Whose property a path of a condition about `subject` reads.
fn owner_of(subject: EntityKind, scope: Scope) -> EntityKind {
    match scope {
        Scope::Own => subject,
        Scope::Account => EntityKind::Accounts,
        Scope::Users => EntityKind::Users,
    }
}

fn is_builtin(kind: EntityKind, name: &str) -> bool {
    name == ID || name == SEGMENTS || (kind == EntityKind::Users && name == ACCOUNT_ID)
}

/// The types a property holds, with how many entities hold each:
/// "numbers (12,000 users)".
fn seen_types(counts: &TypeCounts, owner: EntityKind) -> String {
    let mut seen: Vec<String> = counts
        .cells
        .iter()
        .enumerate()
        .filter(|(_, n)| **n > 0)
        .map(|(slot, n)| {
            let count = crate::model::format_count(*n as u64);
            let whose = if *n == 1 {
                owner.singular()
            } else {
                owner.as_str()
            };
            format!("{} ({count} {whose})", plural_type(slot))
        })
        .collect();
    if counts.cells[4] > 0 {
        let elements: Vec<&str> = counts
            .elements
            .iter()
            .enumerate()
            .filter(|(_, n)| **n > 0)
            .map(|(slot, _)| plural_type(slot))
            .collect();
        if !elements.is_empty()
            && let Some(lists) = seen.last_mut()
        {
            *lists = lists.replacen("lists", &format!("lists of {}", elements.join(" and ")), 1);
        }
    }
    seen.join(", ")
}

/// The warning for a predicate whose literals are of a type the property
/// never holds (as a value, or as an element of a list value).
fn mismatch(
    subject: EntityKind,
    owner: EntityKind,
    path: &PropertyPath,
    kind: &PredicateKind,
    counts: &TypeCounts,
) -> Option<Diagnostic> {
    let holds = |slot: usize| counts.cells[slot] + counts.elements[slot] > 0;
    let value_slot = |value: &Value| match value {
        Value::Literal(literal) => literal_slot(literal),
        Value::Relative(_) => DATETIME,
    };
    let (slots, literal, negated): (Vec<usize>, Option<&Literal>, bool) = match kind {
        PredicateKind::Compare { op, value, .. } => (
            vec![value_slot(value)],
            match value {
                Value::Literal(literal) => Some(literal),
                Value::Relative(_) => None,
            },
            *op == CompareOp::Ne,
        ),
        PredicateKind::Between {
            low, high, negated, ..
        } => (vec![value_slot(low), value_slot(high)], None, *negated),
        PredicateKind::InList {
            values, negated, ..
        } => (
            values.iter().map(literal_slot).collect(),
            values.first(),
            *negated,
        ),
        PredicateKind::Text { negated, .. } => (vec![0], None, *negated),
        PredicateKind::Has { value, .. } => (vec![literal_slot(value)], Some(value), false),
        PredicateKind::HasAny { values, .. } | PredicateKind::HasAll { values, .. } => (
            values.iter().map(literal_slot).collect(),
            values.first(),
            false,
        ),
        _ => return None,
    };
    if slots.is_empty() || slots.iter().any(|slot| holds(*slot)) {
        return None;
    }
    let slot = slots[0];
    let outcome = if negated {
        format!("true for every {}", subject.singular())
    } else {
        format!("true for no {}", subject.singular())
    };
    let message = format!(
        "`{}` holds {} and never {}, so this comparison of unlike types is {outcome}",
        path.name,
        seen_types(counts, owner),
        article_type(slot)
    );
    let mut warning = Diagnostic::warning(message, path.span);
    if let Some(help) = literal.and_then(|literal| retyped(literal, &holds)) {
        warning = warning.with_help(format!("did you mean {help}?"));
    }
    Some(warning)
}

/// The literal written as the type the property holds, when it reads as one:
/// `"50"` as 50, 50 as `"50"`, `"2024-01-01"` as 2024-01-01.
fn retyped(literal: &Literal, holds: &dyn Fn(usize) -> bool) -> Option<String> {
    match literal {
        Literal::String(text) => {
            if holds(1) && text.trim().parse::<f64>().is_ok_and(f64::is_finite) {
                return Some(format!("{} (a number, without quotes)", text.trim()));
            }
            if holds(DATETIME) && crate::model::datetime_from_text(text).is_some() {
                return Some(format!("{text} (a date, without quotes)"));
            }
            if holds(2) && (text.eq_ignore_ascii_case("true") || text.eq_ignore_ascii_case("false"))
            {
                return Some(format!("{} (without quotes)", text.to_lowercase()));
            }
            None
        }
        Literal::Number(number) if holds(0) => {
            Some(format!("\"{}\" (text, in quotes)", format_number(*number)))
        }
        Literal::Bool(value) if holds(0) => Some(format!("\"{value}\" (text, in quotes)")),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn type_words_match_the_slots() {
        assert_eq!(crate::engine::TYPE_WORDS.len(), 5);
        assert_eq!(plural_type(1), "numbers");
        assert_eq!(article_type(DATETIME), "a datetime");
    }
}

//! A playbook, as its meaning: an automation on one kind of entity that
//! fires when an entity starts to satisfy its `when` condition (false →
//! true) and then runs its actions in order — set or unset a property, post
//! a signed webhook, write a line to the activity log. `lang` reads one from
//! a `playbook` block and prints one back; the workspace decides when it
//! fires and keeps its outbox; `playbook` delivers the webhooks. Nothing
//! here evaluates or sends.

use super::ast::{Condition, RelativeTime};
use super::{EntityKind, Value};

/// How often one entity may fire a playbook.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Runs {
    /// Every time the entity starts to match again (the default).
    #[default]
    EveryEntry,
    /// The first time only, ever.
    Once,
}

impl Runs {
    /// The words of the definition: `every entry` or `once`.
    pub fn words(self) -> &'static str {
        match self {
            Runs::EveryEntry => "every entry",
            Runs::Once => "once",
        }
    }
}

/// The value a `set` action gives: fixed, or a time relative to the firing
/// instant (`set contacted_at = now`).
#[derive(Clone, Debug, PartialEq)]
pub enum SetValue {
    Fixed(Value),
    Relative(RelativeTime),
}

/// One thing a firing does, in the order the definition gives.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// `set P = v`: applied in the transaction of the change that fired.
    Set { property: String, value: SetValue },
    /// `unset P`: the same, removing the property.
    Unset { property: String },
    /// `webhook "url" [secret env "VAR"]`: a signed POST, from the outbox.
    Webhook {
        url: String,
        secret_env: Option<String>,
    },
    /// `log "message"`: a line in the activity log.
    Log { message: String },
}

impl Action {
    /// The definition's keyword for this action.
    pub fn keyword(&self) -> &'static str {
        match self {
            Action::Set { .. } => "set",
            Action::Unset { .. } => "unset",
            Action::Webhook { .. } => "webhook",
            Action::Log { .. } => "log",
        }
    }
}

/// A `playbook` definition.
#[derive(Clone, Debug, PartialEq)]
pub struct Playbook {
    pub name: String,
    pub kind: EntityKind,
    pub description: Option<String>,
    /// `when <condition>`: the trigger is an entity starting to satisfy it.
    pub when: Condition,
    pub runs: Runs,
    /// Entities that already match when the playbook is created (or its
    /// condition changes) do not fire.
    pub skip_existing: bool,
    pub actions: Vec<Action>,
}

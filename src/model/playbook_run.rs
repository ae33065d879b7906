//! The runs log of playbooks, as it is kept: each firing (which playbook,
//! which entity, when, how deep in a chain of firings) and what became of
//! each of its actions — done, pending with its next try, or failed with
//! the reason — and the activity log's entries (`log` actions, chains
//! stopped, deliveries given up). The workspace writes them in the
//! transaction of the change that fired; `segscope playbooks --runs` and
//! the Playbooks screen read them. Nothing here fires or sends.

use serde::{Deserialize, Serialize};

use super::EntityKind;

/// How deep a chain of firings may go within one change: a `set` that makes
/// a playbook fire is depth 1, a `set` of that firing depth 2, and so on.
pub const MAX_CHAIN_DEPTH: u32 = 10;

/// What became of one action of a firing.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum ActionState {
    /// Done at this instant (microseconds, UTC).
    Done { at: i64 },
    /// Waiting in the outbox: tried `attempts` times so far, next at
    /// `next_try`, the last try's failure if any.
    Pending {
        attempts: u32,
        next_try: i64,
        last_error: Option<String>,
    },
    /// Given up at `at` after `attempts` tries, for `reason`.
    Failed {
        at: i64,
        attempts: u32,
        reason: String,
    },
}

impl ActionState {
    pub fn label(&self) -> &'static str {
        match self {
            ActionState::Done { .. } => "done",
            ActionState::Pending { .. } => "pending",
            ActionState::Failed { .. } => "failed",
        }
    }
}

/// One action of a firing: the action as the definition writes it
/// (`set cs_owner = "team-a"`) and its state.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ActionRun {
    pub action: String,
    pub state: ActionState,
}

/// One entity starting to satisfy one playbook's `when`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Firing {
    /// Unique in the database, increasing; the webhooks' `webhook-id` is
    /// made from it.
    pub id: u64,
    pub playbook: String,
    pub kind: EntityKind,
    pub entity: String,
    /// The instant of the change that fired it (microseconds, UTC).
    pub at: i64,
    /// 0 when the change itself made the entity match; n when the `set` of a
    /// firing at depth n - 1 did.
    pub depth: u32,
    pub actions: Vec<ActionRun>,
}

impl Firing {
    /// Whether any action still waits in the outbox.
    pub fn pending(&self) -> bool {
        self.actions
            .iter()
            .any(|action| matches!(action.state, ActionState::Pending { .. }))
    }
}

/// How serious an activity log entry is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ActivityLevel {
    Info,
    Error,
}

/// One line of the activity log.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Activity {
    pub at: i64,
    pub level: ActivityLevel,
    /// The playbook it is about, if any.
    pub playbook: Option<String>,
    /// `users u1`: the entity it is about, if any.
    pub entity: Option<(EntityKind, String)>,
    pub message: String,
}

impl Activity {
    /// The entry as one line of text, for both faces: `log: New champion
    /// (playbook "Welcome", user u1)` or `error: …`.
    pub fn line(&self) -> String {
        let about = match (&self.playbook, &self.entity) {
            (Some(playbook), Some((kind, id))) => {
                format!(" (playbook \"{playbook}\", {} {id})", kind.singular())
            }
            (Some(playbook), None) => format!(" (playbook \"{playbook}\")"),
            (None, Some((kind, id))) => format!(" ({} {id})", kind.singular()),
            (None, None) => String::new(),
        };
        match self.level {
            ActivityLevel::Info => format!("log: {}{about}", self.message),
            ActivityLevel::Error => format!("error: {}{about}", self.message),
        }
    }
}

/// A webhook waiting in the outbox: everything its delivery needs, fixed
/// when the playbook fired (the body says what was true then).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PendingDelivery {
    pub firing: u64,
    /// The action's index in the firing.
    pub action: u32,
    pub playbook: String,
    pub url: String,
    /// The variable holding the signing secret, read when delivering.
    pub secret_env: Option<String>,
    /// `webhook-id`: the same for every try, different for every firing.
    pub message_id: String,
    /// The JSON body.
    pub body: String,
    pub attempts: u32,
    /// Not before this instant (microseconds, UTC).
    pub next_try: i64,
    pub last_error: Option<String>,
}

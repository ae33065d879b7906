//! Recording a change's membership and firing playbooks, in the change's
//! own transaction. The engine keeps each enabled playbook's `when` as a
//! trigger, moved by the same recomputes as segments; an entity that starts
//! to satisfy it fires the playbook. A firing's `set`/`unset` actions are
//! applied here at once (segments recompute, and other playbooks may fire
//! in turn, down to [`MAX_CHAIN_DEPTH`]); its webhooks go to the outbox with
//! the body they will carry, and its `log` lines to the activity log. The
//! change commits everything together or nothing.
//!
//! Not here: delivering webhooks (`playbook`, from the outbox), and the
//! listing of playbooks and their runs (`playbook_runs`).

use std::collections::{HashMap, HashSet};

use serde_json::{Value as Json, json};

use super::changes::{merge_row, write_row};
use super::{ImportMode, Workspace};
use crate::engine::{MembershipDelta, Touched};
use crate::model::playbook::{Action, Playbook, Runs, SetValue};
use crate::model::playbook_run::{
    ActionRun, ActionState, Activity, ActivityLevel, Firing, MAX_CHAIN_DEPTH, PendingDelivery,
};
use crate::model::{ACCOUNT_ID, EntityKind, Value, fold_name, format_instant};
use crate::store::import::ImportRow;
use crate::store::{Change, EventBatch, StoreError};

/// Properties a webhook's body names an entity by, when it has them
/// (besides `id`, `account_id` and what the `when` reads).
const KEY_PROPERTIES: [&str; 4] = ["email", "name", "domain", "title"];

/// What playbooks did in the changes since the faces last asked.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PlaybookNews {
    /// (playbook, kind, entities fired for, the first of them), in the
    /// order they fired.
    pub fired: Vec<FiredCount>,
    /// New activity log lines: `log` actions and errors (chains stopped,
    /// actions that could not be done).
    pub activity: Vec<Activity>,
    /// Webhooks put in the outbox.
    pub webhooks_queued: usize,
}

#[derive(Clone, Debug, PartialEq)]
pub struct FiredCount {
    pub playbook: String,
    pub kind: EntityKind,
    pub count: usize,
    pub first: String,
}

impl PlaybookNews {
    pub fn is_empty(&self) -> bool {
        self.fired.is_empty() && self.activity.is_empty() && self.webhooks_queued == 0
    }

    fn count(&mut self, playbook: &str, kind: EntityKind, entity: &str) {
        match self.fired.iter_mut().find(|f| f.playbook == playbook) {
            Some(fired) => fired.count += 1,
            None => self.fired.push(FiredCount {
                playbook: playbook.to_string(),
                kind,
                count: 1,
                first: entity.to_string(),
            }),
        }
    }
}

/// One firing of a level of a cascade, for finding the chain of the next.
struct Fired {
    kind: EntityKind,
    row: u32,
    /// Playbook names from the first firing of the chain to this one.
    chain: Vec<String>,
}

/// Properties to set (`Some`) or unset (`None`), in order.
type Sets = Vec<(String, Option<Value>)>;

/// The `set`/`unset` actions of a level's firings, per entity, in order.
type Assignments = Vec<((EntityKind, u32), Sets)>;

impl Workspace {
    /// Records `deltas` in `change` — membership events and members, the
    /// triggers' matches — and fires the playbooks whose triggers entities
    /// entered (except those named in `silent`, whose current matches are
    /// taken as they are: `skip existing`, or enabling without catching
    /// up), applying their `set` actions and recording what those move in
    /// turn. Returns every segment's delta of the change, cascades included.
    pub(super) fn record_and_fire(
        &mut self,
        change: &Change,
        deltas: Vec<MembershipDelta>,
        silent: &HashSet<String>,
    ) -> Result<Vec<MembershipDelta>, StoreError> {
        let mut recorded = Vec::new();
        let mut level = std::mem::take(&mut self.unrecorded);
        level.extend(deltas);
        let mut previous: Vec<Fired> = Vec::new();
        let mut depth = 0;
        let mut stopped: HashSet<(EntityKind, u32)> = HashSet::new();
        loop {
            let (triggers, segments): (Vec<_>, Vec<_>) =
                level.into_iter().partition(|delta| delta.trigger);
            self.record_membership(change, &segments)?;
            recorded.extend(segments);
            self.record_matches(change, &triggers)?;
            let silent_here = if depth == 0 { silent } else { &HashSet::new() };
            let mut fired = Vec::new();
            let mut assignments: Assignments = Vec::new();
            for delta in &triggers {
                if silent_here.contains(&fold_name(&delta.segment)) {
                    continue;
                }
                let Some(playbook) = self.registry.playbook(&delta.segment).cloned() else {
                    continue;
                };
                for &row in &delta.entered {
                    let chain = chain_of(&previous, &playbook, delta.kind, row, self);
                    if playbook.runs == Runs::Once
                        && change.fired_once(&fold_name(&playbook.name), row)?
                    {
                        continue;
                    }
                    if depth >= MAX_CHAIN_DEPTH {
                        if stopped.insert((delta.kind, row)) {
                            self.chain_stopped(change, &playbook, delta.kind, row, &chain)?;
                        }
                        continue;
                    }
                    if let Some(sets) = self.fire(change, &playbook, row, depth)? {
                        if !sets.is_empty() {
                            assignments.push(((delta.kind, row), sets));
                        }
                        fired.push(Fired {
                            kind: delta.kind,
                            row,
                            chain,
                        });
                    }
                }
            }
            if assignments.is_empty() {
                break;
            }
            level = self.apply_assignments(change, assignments)?;
            previous = fired;
            depth += 1;
        }
        change.set_evaluated_at(self.now)?;
        Ok(recorded)
    }

    /// Records `deltas` (firing playbooks) in `change` and commits it. On
    /// any failure nothing is stored, and the snapshot and the news are put
    /// back as the store has them.
    pub(super) fn commit_recorded(
        &mut self,
        change: Change,
        deltas: Vec<MembershipDelta>,
    ) -> Result<Vec<MembershipDelta>, super::WorkspaceError> {
        let news = self.news.clone();
        let recorded = self
            .record_and_fire(&change, deltas, &HashSet::new())
            .and_then(|recorded| change.commit().map(|()| recorded));
        match recorded {
            Ok(recorded) => Ok(recorded),
            Err(error) => {
                self.news = news;
                self.restore_engine()?;
                Err(error.into())
            }
        }
    }

    /// Writes the events and members of segments' `deltas` into `change`.
    fn record_membership(
        &self,
        change: &Change,
        deltas: &[MembershipDelta],
    ) -> Result<(), StoreError> {
        let mut batches = Vec::new();
        for delta in deltas {
            for (entered, rows) in [(true, &delta.entered), (false, &delta.exited)] {
                if !rows.is_empty() {
                    batches.push(EventBatch {
                        at: self.now,
                        segment: delta.segment.clone(),
                        kind: delta.kind,
                        entered,
                        ordinals: rows.clone(),
                    });
                }
            }
        }
        change.append_events(&batches)?;
        for delta in deltas {
            let folded = fold_name(&delta.segment);
            match self.engine.members(&delta.segment) {
                Some((_, members)) => {
                    let rows: Vec<u32> =
                        delta.entered.iter().chain(&delta.exited).copied().collect();
                    change.put_members(&folded, members, Some(&rows))?;
                }
                None => change.delete_members(&folded)?,
            }
        }
        Ok(())
    }

    /// Stores the matches that moved of the triggers still installed (a
    /// removed or disabled playbook's stay as they were).
    fn record_matches(
        &self,
        change: &Change,
        deltas: &[MembershipDelta],
    ) -> Result<(), StoreError> {
        for delta in deltas {
            if let Some((_, matches)) = self.engine.trigger_matches(&delta.segment) {
                let rows: Vec<u32> = delta.entered.iter().chain(&delta.exited).copied().collect();
                change.put_playbook_matches(&fold_name(&delta.segment), matches, Some(&rows))?;
            }
        }
        Ok(())
    }

    /// Fires `playbook` for `row` unless it `runs once` and already did:
    /// the firing in the runs log, its webhooks in the outbox, its log
    /// lines in the activity log. Returns its `set`/`unset` assignments, to
    /// apply; `None` when it did not fire.
    fn fire(
        &mut self,
        change: &Change,
        playbook: &Playbook,
        row: u32,
        depth: u32,
    ) -> Result<Option<Sets>, StoreError> {
        let folded = fold_name(&playbook.name);
        if playbook.runs == Runs::Once && change.fired_once(&folded, row)? {
            return Ok(None);
        }
        let kind = playbook.kind;
        let entity = self.engine.table(kind).ids[row as usize].to_string();
        let id = change.allocate_firing_id()?;
        let mut assignments = Vec::new();
        let mut actions = Vec::with_capacity(playbook.actions.len());
        let mut body = None;
        for (index, action) in playbook.actions.iter().enumerate() {
            let state = match action {
                Action::Set { property, value } => {
                    let value = match value {
                        SetValue::Fixed(value) => value.clone(),
                        SetValue::Relative(relative) => {
                            Value::Scalar(crate::model::Scalar::DateTime(
                                crate::engine::resolve_relative(self.now, *relative),
                            ))
                        }
                    };
                    assignments.push((property.clone(), Some(value)));
                    ActionState::Done { at: self.now }
                }
                Action::Unset { property } => {
                    assignments.push((property.clone(), None));
                    ActionState::Done { at: self.now }
                }
                Action::Webhook { url, secret_env } => {
                    let body = body
                        .get_or_insert_with(|| self.webhook_body(playbook, id, row).to_string());
                    let token = change.database_token()?;
                    change.put_delivery(&PendingDelivery {
                        firing: id,
                        action: index as u32,
                        playbook: playbook.name.clone(),
                        url: url.clone(),
                        secret_env: secret_env.clone(),
                        message_id: message_id(&token, id, index),
                        body: body.clone(),
                        attempts: 0,
                        next_try: self.now,
                        last_error: None,
                    })?;
                    self.news.webhooks_queued += 1;
                    ActionState::Pending {
                        attempts: 0,
                        next_try: self.now,
                        last_error: None,
                    }
                }
                Action::Log { message } => {
                    let activity = Activity {
                        at: self.now,
                        level: ActivityLevel::Info,
                        playbook: Some(playbook.name.clone()),
                        entity: Some((kind, entity.clone())),
                        message: message.clone(),
                    };
                    change.append_activity(&activity)?;
                    self.news.activity.push(activity);
                    ActionState::Done { at: self.now }
                }
            };
            actions.push(ActionRun {
                action: action_text(action),
                state,
            });
        }
        change.put_firing(&Firing {
            id,
            playbook: playbook.name.clone(),
            kind,
            entity: entity.clone(),
            at: self.now,
            depth,
            actions,
        })?;
        if playbook.runs == Runs::Once {
            change.mark_fired_once(&folded, row, id)?;
        }
        self.news.count(&playbook.name, kind, &entity);
        Ok(Some(assignments))
    }

    /// Applies the `set`/`unset` actions of a level's firings to their
    /// entities, in the store and the snapshot, and returns what moved.
    /// An assignment the store cannot take (a value too large) is an
    /// error in the activity log; the others are applied.
    fn apply_assignments(
        &mut self,
        change: &Change,
        assignments: Assignments,
    ) -> Result<Vec<MembershipDelta>, StoreError> {
        let mut touched = Touched::default();
        for kind in [EntityKind::Accounts, EntityKind::Users] {
            let mut writer = change.entities(kind)?;
            let mut ordinals = writer.ordinals();
            for ((entity_kind, row), sets) in &assignments {
                if *entity_kind != kind {
                    continue;
                }
                let id = self.engine.table(kind).ids[*row as usize].to_string();
                let import_row = match ImportRow::new(0, id.clone(), sets.clone()) {
                    Ok(import_row) => import_row,
                    Err(error) => {
                        let activity = Activity {
                            at: self.now,
                            level: ActivityLevel::Error,
                            playbook: None,
                            entity: Some((kind, id)),
                            message: format!(
                                "a playbook's set could not be applied: {}",
                                error.message
                            ),
                        };
                        change.append_activity(&activity)?;
                        self.news.activity.push(activity);
                        continue;
                    }
                };
                let write = merge_row(
                    &mut self.engine,
                    &mut ordinals,
                    kind,
                    &import_row,
                    ImportMode::Merge,
                    &mut touched,
                )?;
                write_row(&mut writer, &import_row, &write)?;
            }
            writer.set_ordinals(ordinals);
            writer.finish()?;
        }
        Ok(self.engine.settle(touched))
    }

    /// Logs a chain of firings stopped at its depth limit.
    fn chain_stopped(
        &mut self,
        change: &Change,
        playbook: &Playbook,
        kind: EntityKind,
        row: u32,
        chain: &[String],
    ) -> Result<(), StoreError> {
        let entity = self.engine.table(kind).ids[row as usize].to_string();
        let named: Vec<String> = chain.iter().map(|name| format!("\"{name}\"")).collect();
        let activity = Activity {
            at: self.now,
            level: ActivityLevel::Error,
            playbook: Some(playbook.name.clone()),
            entity: Some((kind, entity.clone())),
            message: format!(
                "a chain of playbook firings for {} {entity} went deeper than {MAX_CHAIN_DEPTH} and was stopped: {}; the change is saved, the rest of the chain did not run — one playbook's `set` makes another fire in a loop",
                kind.singular(),
                named.join(" → ")
            ),
        };
        change.append_activity(&activity)?;
        self.news.activity.push(activity);
        Ok(())
    }

    /// The body of a playbook's webhook for one firing: the playbook, the
    /// firing, the entity by id and key properties, its segments.
    fn webhook_body(&self, playbook: &Playbook, firing: u64, row: u32) -> Json {
        let kind = playbook.kind;
        let table = self.engine.table(kind);
        let properties = table.properties(row);
        let mut named = serde_json::Map::new();
        let mut read = Vec::new();
        playbook.when.for_each_predicate(&mut |predicate| {
            if let Some(path) = predicate.kind.path()
                && path.scope == crate::model::ast::Scope::Own
                && !path.is_segments()
            {
                read.push(path.name.clone());
            }
        });
        for name in KEY_PROPERTIES
            .iter()
            .map(|name| name.to_string())
            .chain(read)
        {
            if name == ACCOUNT_ID {
                continue;
            }
            if let Some(value) = properties.get(&name) {
                named.insert(name, value.to_json());
            }
        }
        let mut entity = serde_json::Map::new();
        entity.insert("kind".to_string(), json!(kind.as_str()));
        entity.insert("id".to_string(), json!(table.ids[row as usize]));
        if kind == EntityKind::Users
            && let Some(account) = properties.get(ACCOUNT_ID)
        {
            entity.insert("account_id".to_string(), account.to_json());
        }
        entity.insert("properties".to_string(), Json::Object(named));
        entity.insert(
            "segments".to_string(),
            json!(self.engine.segments_of(kind, row)),
        );
        json!({
            "type": "playbook.fired",
            "playbook": playbook.name,
            "firing_id": firing,
            "fired_at": format_instant(self.now),
            "entity": Json::Object(entity),
        })
    }

    /// What playbooks did since the last call, taken.
    pub fn take_playbook_news(&mut self) -> PlaybookNews {
        std::mem::take(&mut self.news)
    }
}

/// The chain a firing of `playbook` for `row` continues: the firing of the
/// level before on the same entity, else on its account or one of its
/// users, else the first of that level (a `set` moved it some other way).
fn chain_of(
    previous: &[Fired],
    playbook: &Playbook,
    kind: EntityKind,
    row: u32,
    workspace: &Workspace,
) -> Vec<String> {
    let engine = &workspace.engine;
    let related = |fired: &&Fired| match (kind, fired.kind) {
        (EntityKind::Users, EntityKind::Accounts) => engine.account_of(row) == Some(fired.row),
        (EntityKind::Accounts, EntityKind::Users) => engine.account_of(fired.row) == Some(row),
        _ => false,
    };
    let cause = previous
        .iter()
        .find(|fired| fired.kind == kind && fired.row == row)
        .or_else(|| previous.iter().find(related))
        .or_else(|| previous.first());
    let mut chain = cause.map(|fired| fired.chain.clone()).unwrap_or_default();
    chain.push(playbook.name.clone());
    chain
}

/// `webhook-id` of one webhook of one firing: the database's token, the
/// firing, the action — the same for every try, unique otherwise.
fn message_id(token: &str, firing: u64, action: usize) -> String {
    format!("fire_{token}_{firing}_{action}")
}

/// An action as the definition writes it, for the runs log.
pub fn action_text(action: &Action) -> String {
    use crate::lang::format::{property_name, quoted, value_literal};
    match action {
        Action::Set { property, value } => {
            let value = match value {
                SetValue::Fixed(value) => value_literal(value),
                SetValue::Relative(relative) => relative_text(*relative),
            };
            format!("set {} = {value}", property_name(property))
        }
        Action::Unset { property } => format!("unset {}", property_name(property)),
        Action::Webhook { url, .. } => format!("webhook {}", quoted(url)),
        Action::Log { message } => format!("log {}", quoted(message)),
    }
}

/// `now`, `3 days ago`, `1 week from now`.
fn relative_text(relative: crate::model::ast::RelativeTime) -> String {
    use crate::model::ast::RelativeTime;
    let words = |amount: u32, unit: crate::model::ast::TimeUnit| {
        let plural = if amount == 1 { "" } else { "s" };
        format!("{amount} {}{plural}", unit.singular())
    };
    match relative {
        RelativeTime::Now => "now".to_string(),
        RelativeTime::Ago(amount, unit) => format!("{} ago", words(amount, unit)),
        RelativeTime::FromNow(amount, unit) => format!("{} from now", words(amount, unit)),
    }
}

/// The (kind, condition) of each playbook by folded name, to tell which
/// ones an apply adds or changes.
pub(super) fn triggers_by_name(playbooks: &[Playbook]) -> HashMap<String, &Playbook> {
    playbooks
        .iter()
        .map(|playbook| (fold_name(&playbook.name), playbook))
        .collect()
}

//! Playbooks as the faces use them: listed with their trigger, actions,
//! fires in the last 24 hours and pending deliveries; their runs log and
//! the activity log; enabling and disabling; the outbox's deliveries due
//! and what became of each. Firing is `firing`'s; sending is `playbook`'s.
//!
//! A disabled playbook is not the engine's trigger: what it matched is
//! kept as it was when it was disabled. Enabling it again takes what
//! matches then as matching (nobody fires), unless asked to catch up:
//! then every entity that started to match meanwhile fires.

use std::collections::HashSet;

use fixedbitset::FixedBitSet;

use super::{Workspace, WorkspaceError, clock_now};
use crate::engine::MembershipDelta;
use crate::lang::format::format_condition;
use crate::model::playbook::Playbook;
use crate::model::playbook_run::{ActionState, Activity, ActivityLevel, Firing, PendingDelivery};
use crate::model::{DefinitionKind, Origin, fold_name};
use crate::store::StoreError;

/// How far back "fires in the last 24 hours" looks.
const DAY_MICROS: i64 = 24 * 60 * 60 * 1_000_000;

/// A playbook as listed.
#[derive(Clone, Debug, PartialEq)]
pub struct PlaybookSummary {
    pub playbook: Playbook,
    /// The `when` condition in canonical text.
    pub trigger: String,
    /// Each action as the definition writes it.
    pub actions: Vec<String>,
    pub enabled: bool,
    /// Firings in the 24 hours before the workspace's `now`.
    pub fired_last_day: usize,
    /// Webhooks of its firings still in the outbox.
    pub pending_deliveries: usize,
    /// Entities that satisfy `when` now.
    pub matching_now: usize,
    pub origin: Origin,
    pub updated_at: i64,
}

/// Why a playbook cannot be enabled, disabled or deleted.
#[derive(Debug)]
pub enum PlaybookFailure {
    Unknown(String),
    /// A playbook from a file is deleted by removing it from its file.
    DefinedInFile {
        name: String,
        path: String,
    },
    Workspace(WorkspaceError),
}

impl std::fmt::Display for PlaybookFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PlaybookFailure::Unknown(name) => write!(f, "there is no playbook named \"{name}\""),
            PlaybookFailure::DefinedInFile { name, path } => write!(
                f,
                "playbook \"{name}\" is defined in {path}: remove it there and apply the file"
            ),
            PlaybookFailure::Workspace(error) => error.fmt(f),
        }
    }
}

impl std::error::Error for PlaybookFailure {}

impl From<StoreError> for PlaybookFailure {
    fn from(error: StoreError) -> PlaybookFailure {
        PlaybookFailure::Workspace(error.into())
    }
}

impl From<WorkspaceError> for PlaybookFailure {
    fn from(error: WorkspaceError) -> PlaybookFailure {
        PlaybookFailure::Workspace(error)
    }
}

impl Workspace {
    /// Every playbook, in name order.
    pub fn playbooks(&self) -> Result<Vec<PlaybookSummary>, StoreError> {
        let disabled = self.store.disabled_playbooks()?;
        let outbox = self.store.outbox()?;
        let mut summaries = Vec::new();
        for (block, stored) in self.registry.blocks(DefinitionKind::Playbook) {
            let Some(playbook) = self.registry.playbook(&block.name.text) else {
                continue;
            };
            let folded = fold_name(&playbook.name);
            let matching_now = match self.engine.trigger_matches(&playbook.name) {
                Some((_, matches)) => matches.count_ones(..),
                None => self
                    .engine
                    .query(playbook.kind, &playbook.when)
                    .map_or(0, |rows| rows.count_ones(..)),
            };
            summaries.push(PlaybookSummary {
                trigger: format_condition(&playbook.when),
                actions: playbook.actions.iter().map(super::action_text).collect(),
                enabled: !disabled.contains_key(&folded),
                fired_last_day: self
                    .store
                    .firings_since(&folded, self.now.saturating_sub(DAY_MICROS))?,
                pending_deliveries: outbox
                    .iter()
                    .filter(|delivery| fold_name(&delivery.playbook) == folded)
                    .count(),
                matching_now,
                origin: stored.origin.clone(),
                updated_at: stored.updated_at,
                playbook: playbook.clone(),
            });
        }
        summaries.sort_by(|a, b| a.playbook.name.cmp(&b.playbook.name));
        Ok(summaries)
    }

    /// A playbook by name, ignoring case.
    pub fn playbook(&self, name: &str) -> Option<&Playbook> {
        self.registry.playbook(name)
    }

    /// A playbook's firings, newest first, at most `limit`.
    pub fn playbook_firings(&self, name: &str, limit: usize) -> Result<Vec<Firing>, StoreError> {
        self.store.firings(&fold_name(name), limit)
    }

    /// The activity log, newest first, at most `limit` entries.
    pub fn activity(&self, limit: usize) -> Result<Vec<Activity>, StoreError> {
        self.store.activity(limit)
    }

    /// Every webhook in the outbox, oldest firing first.
    pub fn pending_deliveries(&self) -> Result<Vec<PendingDelivery>, StoreError> {
        self.store.outbox()
    }

    /// The webhooks whose next try is due by the clock.
    pub fn due_deliveries(&self) -> Result<Vec<PendingDelivery>, StoreError> {
        let clock = clock_now();
        let mut due = self.store.outbox()?;
        due.retain(|delivery| delivery.next_try <= clock);
        Ok(due)
    }

    /// Records what became of one try of a delivery: a done or failed one
    /// leaves the outbox, a pending one waits for its next try; the
    /// firing's action says so, and a failure goes to the activity log.
    /// Durable before it returns: a delivery done is never sent again.
    pub fn record_delivery(
        &mut self,
        delivery: &PendingDelivery,
        state: ActionState,
    ) -> Result<(), StoreError> {
        let change = self.store.begin()?;
        match &state {
            ActionState::Pending {
                attempts,
                next_try,
                last_error,
            } => change.put_delivery(&PendingDelivery {
                attempts: *attempts,
                next_try: *next_try,
                last_error: last_error.clone(),
                ..delivery.clone()
            })?,
            ActionState::Done { .. } => change.remove_delivery(delivery.firing, delivery.action)?,
            ActionState::Failed { at, reason, .. } => {
                change.remove_delivery(delivery.firing, delivery.action)?;
                let activity = Activity {
                    at: *at,
                    level: ActivityLevel::Error,
                    playbook: Some(delivery.playbook.clone()),
                    entity: None,
                    message: format!(
                        "the webhook of firing {} of \"{}\" failed: {reason}",
                        delivery.firing, delivery.playbook
                    ),
                };
                change.append_activity(&activity)?;
            }
        }
        if let Some(mut firing) = change.firing(delivery.firing)?
            && let Some(action) = firing.actions.get_mut(delivery.action as usize)
        {
            action.state = state;
            change.put_firing(&firing)?;
        }
        change.commit()
    }

    /// Disables a playbook: it fires no more, and what it matched stays as
    /// it is now.
    pub fn disable_playbook(&mut self, name: &str) -> Result<(), PlaybookFailure> {
        let playbook = self.known_playbook(name)?;
        let folded = fold_name(&playbook.name);
        let mut disabled = self.store.disabled_playbooks()?;
        if disabled.contains_key(&folded) {
            return Ok(());
        }
        self.may_record()?;
        disabled.insert(folded.clone(), self.now);
        let specs = self.registry.specs(&disabled);
        // Its trigger leaves the engine; nothing else moves.
        self.engine
            .set_segments(specs)
            .map_err(|error| WorkspaceError::Definitions(error.to_string()))?;
        let stored = self.store.begin().and_then(|change| {
            change.set_playbook_disabled(&folded, Some(self.now))?;
            change.commit()
        });
        if let Err(error) = stored {
            // Nothing was stored: the snapshot goes back with the store.
            self.restore_engine()?;
            return Err(error.into());
        }
        Ok(())
    }

    /// Enables a playbook again. Without `catch_up` what matches now is
    /// taken as matching and nobody fires; with it, every entity that
    /// matches now and did not when it was disabled fires.
    pub fn enable_playbook(&mut self, name: &str, catch_up: bool) -> Result<(), PlaybookFailure> {
        let playbook = self.known_playbook(name)?;
        let folded = fold_name(&playbook.name);
        let mut disabled = self.store.disabled_playbooks()?;
        if disabled.remove(&folded).is_none() {
            return Ok(());
        }
        self.may_record()?;
        let frozen = self.store.playbook_matches(&folded)?.unwrap_or_default();
        let specs = self.registry.specs(&disabled);
        let deltas = self
            .engine
            .set_segments(specs)
            .map_err(|error| WorkspaceError::Definitions(error.to_string()))?;
        // The engine found everyone matching as new; what is new is the
        // difference with what it matched when it was disabled.
        let mut deltas: Vec<MembershipDelta> =
            deltas.into_iter().filter(|delta| !delta.trigger).collect();
        if let Some((kind, matches)) = self.engine.trigger_matches(&playbook.name) {
            deltas.push(MembershipDelta {
                segment: playbook.name.clone(),
                kind,
                entered: difference(matches, &frozen),
                exited: difference(&frozen, matches),
                trigger: true,
            });
        }
        let silent: HashSet<String> = if catch_up {
            HashSet::new()
        } else {
            HashSet::from([folded.clone()])
        };
        if let Err(error) = self.store_enabled(&playbook, deltas, &silent) {
            // Nothing was stored: the snapshot goes back with the store.
            self.restore_engine()?;
            return Err(error.into());
        }
        Ok(())
    }

    /// The store's half of [`Workspace::enable_playbook`]: one change.
    fn store_enabled(
        &mut self,
        playbook: &Playbook,
        deltas: Vec<MembershipDelta>,
        silent: &HashSet<String>,
    ) -> Result<(), StoreError> {
        let folded = fold_name(&playbook.name);
        let change = self.store.begin()?;
        change.set_playbook_disabled(&folded, None)?;
        self.record_and_fire(&change, deltas, silent)?;
        change.forget_playbook_matches(&folded)?;
        if let Some((_, matches)) = self.engine.trigger_matches(&playbook.name) {
            change.put_playbook_matches(&folded, matches, None)?;
        }
        change.commit()
    }

    fn known_playbook(&self, name: &str) -> Result<Playbook, PlaybookFailure> {
        self.registry
            .playbook(name)
            .cloned()
            .ok_or_else(|| PlaybookFailure::Unknown(name.to_string()))
    }
}

/// The rows in `a` and not in `b`.
fn difference(a: &FixedBitSet, b: &FixedBitSet) -> Vec<u32> {
    a.ones()
        .filter(|&row| !b.contains(row))
        .map(|row| row as u32)
        .collect()
}

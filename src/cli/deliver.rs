//! What a command that changes things says about playbooks before it
//! exits: which fired and for how many, the activity their firings logged,
//! and the outbox's webhooks delivered — every due one, each within the
//! delivery timeout, all within a budget; what is left stays pending with
//! its next try, for the next command or `segscope run`.

use super::output::note;
use std::time::{Duration, Instant};

use crate::model::format_instant;
use crate::model::playbook_run::{ActionState, Activity};
use crate::playbook::Deliverer;
use crate::workspace::{Workspace, clock_now};

/// The most a command spends delivering webhooks before it exits.
pub const DELIVERY_BUDGET: Duration = Duration::from_secs(30);

/// Reports what playbooks did in this command's changes, then delivers the
/// due webhooks. A failure to record a delivery is an error of the command.
pub fn report_and_deliver(workspace: &mut Workspace) -> Result<(), crate::workspace::StoreError> {
    let news = workspace.take_playbook_news();
    for fired in &news.fired {
        let more = match fired.count {
            1 => String::new(),
            count => format!(" and {} more", count - 1),
        };
        note!(
            "playbook \"{}\" fired for {} {}{more}",
            fired.playbook,
            fired.kind.singular(),
            fired.first
        );
    }
    for activity in &news.activity {
        note!("{}", activity_line(activity));
    }
    deliver_due(workspace, DELIVERY_BUDGET)
}

/// Delivers the webhooks due now, oldest first, until `budget` is spent.
pub fn deliver_due(
    workspace: &mut Workspace,
    budget: Duration,
) -> Result<(), crate::workspace::StoreError> {
    let due = workspace.due_deliveries()?;
    if due.is_empty() {
        return Ok(());
    }
    let started = Instant::now();
    let deliverer = Deliverer::new();
    let (mut delivered, mut pending, mut failed) = (0, 0, 0);
    let mut left = 0;
    let mut next_try: Option<i64> = None;
    for delivery in &due {
        if started.elapsed() >= budget {
            left += 1;
            continue;
        }
        let state = deliverer.deliver(delivery, clock_now());
        match &state {
            ActionState::Done { .. } => delivered += 1,
            ActionState::Pending {
                next_try: next,
                last_error,
                ..
            } => {
                pending += 1;
                next_try = Some(next_try.map_or(*next, |n: i64| n.min(*next)));
                if let Some(reason) = last_error {
                    note!(
                        "webhook of playbook \"{}\" not delivered yet: {reason}",
                        delivery.playbook
                    );
                }
            }
            ActionState::Failed { reason, .. } => {
                failed += 1;
                note!(
                    "error: webhook of playbook \"{}\" failed: {reason}",
                    delivery.playbook
                );
            }
        }
        workspace.record_delivery(delivery, state)?;
    }
    if delivered > 0 {
        note!(
            "delivered {delivered} webhook{}",
            if delivered == 1 { "" } else { "s" }
        );
    }
    if pending > 0 {
        let when = next_try.map_or_else(String::new, |at| {
            format!(" (next try from {})", format_instant(at))
        });
        note!(
            "{pending} webhook{} left pending{when}: the next command or `segscope run` tries again; `segscope playbooks` shows them",
            if pending == 1 { "" } else { "s" }
        );
    }
    if left > 0 {
        note!(
            "{left} webhook{} not tried within {} s: the next command or `segscope run` delivers {}",
            if left == 1 { "" } else { "s" },
            budget.as_secs(),
            if left == 1 { "it" } else { "them" }
        );
    }
    if failed > 0 {
        note!(
            "{failed} webhook{} failed for good: `segscope playbooks --log` has the reasons",
            if failed == 1 { "" } else { "s" }
        );
    }
    Ok(())
}

/// One activity log line as the command line prints it.
pub fn activity_line(activity: &Activity) -> String {
    activity.line()
}

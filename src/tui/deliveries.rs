//! The UI's delivery of playbook webhooks: a worker thread sends what the
//! outbox holds (by the same `Deliverer` as the command line, so the same
//! signing, timeouts and retry schedule), and the UI thread records each
//! result through the workspace as it comes back — so the event loop never
//! waits on the network. The outbox is looked at when the UI starts, right
//! after a change that queued webhooks, when a retry falls due, and every
//! [`LOOK_EVERY`] besides.
//!
//! Not here: what fires (the workspace) and how an answer is judged
//! (`playbook`). A delivery in flight when the UI quits is waited for a
//! little; one not recorded by then stays pending and goes again with the
//! same `webhook-id`, so a receiver can tell.

use std::collections::{BTreeMap, HashSet};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, TryRecvError, channel};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::messages::Message;
use crate::model::format_instant;
use crate::model::playbook_run::{ActionState, PendingDelivery};
use crate::playbook::Deliverer;
use crate::workspace::{Workspace, clock_now};

/// How often the outbox is looked at when nothing else says to.
pub const LOOK_EVERY: Duration = Duration::from_secs(30);

/// How often results are looked for while deliveries are in flight.
const RESULT_POLL: Duration = Duration::from_millis(100);

type Finished = (PendingDelivery, ActionState);

pub struct Deliveries {
    sender: Option<Sender<PendingDelivery>>,
    results: Receiver<Finished>,
    worker: Option<JoinHandle<()>>,
    /// Set when the UI quits: the worker sends nothing more.
    stopping: Arc<AtomicBool>,
    /// (firing, action) of each delivery handed to the worker and not
    /// recorded yet.
    in_flight: HashSet<(u64, u32)>,
    /// When to look at the outbox next (`None`: at the next chance).
    next_look: Option<Instant>,
    /// Whether the UI said already that it cannot deliver.
    said_no_worker: bool,
}

impl Deliveries {
    /// Starts the worker (it waits for work).
    pub fn start() -> Deliveries {
        let (sender, work) = channel::<PendingDelivery>();
        let (done, results) = channel::<Finished>();
        let stopping = Arc::new(AtomicBool::new(false));
        let stop = Arc::clone(&stopping);
        let worker = std::thread::Builder::new()
            .name("segscope-deliveries".to_string())
            .spawn(move || {
                let deliverer = Deliverer::new();
                for delivery in work {
                    if stop.load(Ordering::Relaxed) {
                        break;
                    }
                    let state = deliverer.deliver(&delivery, clock_now());
                    if done.send((delivery, state)).is_err() {
                        break;
                    }
                }
            })
            .ok();
        Deliveries {
            sender: worker.as_ref().map(|_| sender),
            results,
            worker,
            stopping,
            in_flight: HashSet::new(),
            next_look: None,
            said_no_worker: false,
        }
    }

    /// Looks at the outbox at the next chance (a change queued webhooks).
    pub fn look_soon(&mut self) {
        self.next_look = None;
    }

    pub fn in_flight(&self) -> usize {
        self.in_flight.len()
    }

    /// Hands the due deliveries that are not in flight to the worker, when
    /// a look is due. What it has to say (the outbox unreadable, no worker)
    /// is returned.
    pub fn hand_out(&mut self, workspace: &Workspace, now: Instant) -> Option<Message> {
        if self.next_look.is_some_and(|at| now < at) {
            return None;
        }
        self.next_look = Some(now + LOOK_EVERY);
        let pending = match workspace.pending_deliveries() {
            Ok(pending) => pending,
            Err(error) => {
                return Some(Message::error(format!(
                    "cannot read the playbook outbox: {error}"
                )));
            }
        };
        let clock = clock_now();
        let Some(sender) = self.sender.clone() else {
            // Said once, when the worker was lost (or could not start).
            let first = !self.said_no_worker && !pending.is_empty();
            self.said_no_worker |= first;
            return first.then(|| {
                Message::error(
                    "webhooks wait in the outbox but the UI cannot deliver them (its delivery worker is not running): `segscope run` delivers them",
                )
            });
        };
        for delivery in pending {
            if delivery.next_try > clock {
                // Not due: look again when it is.
                self.look_by(later(now, delivery.next_try - clock));
                continue;
            }
            let key = (delivery.firing, delivery.action);
            if self.in_flight.insert(key) && sender.send(delivery).is_err() {
                return Some(self.worker_lost());
            }
        }
        None
    }

    /// The worker is gone: nothing it held comes back, so nothing is in
    /// flight; what it held stays pending in the outbox.
    fn worker_lost(&mut self) -> Message {
        self.sender = None;
        self.in_flight.clear();
        self.said_no_worker = true;
        Message::error(
            "the UI's delivery worker stopped: what it had not recorded stays pending; `segscope run` delivers it",
        )
    }

    fn look_by(&mut self, at: Instant) {
        self.next_look = Some(self.next_look.map_or(at, |next| next.min(at)));
    }

    /// Records what the worker finished since the last call; the messages
    /// to show, and whether anything was recorded.
    pub fn take_finished(&mut self, workspace: &mut Workspace) -> (Vec<Message>, bool) {
        let mut finished = Vec::new();
        let mut lost = false;
        loop {
            match self.results.try_recv() {
                Ok(result) => finished.push(result),
                Err(TryRecvError::Empty) => break,
                Err(TryRecvError::Disconnected) => {
                    lost = !self.in_flight.is_empty() || self.sender.is_some();
                    break;
                }
            }
        }
        let recorded = !finished.is_empty();
        let mut messages = self.record(workspace, finished);
        if lost && !self.said_no_worker {
            messages.push(self.worker_lost());
        }
        (messages, recorded)
    }

    /// Waits up to `timeout` for the deliveries in flight (tests, and
    /// quitting), recording them; the messages to show.
    pub fn wait(&mut self, workspace: &mut Workspace, timeout: Duration) -> Vec<Message> {
        let deadline = Instant::now() + timeout;
        let mut finished = Vec::new();
        while finished.len() < self.in_flight.len() {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.results.recv_timeout(left) {
                Ok(result) => finished.push(result),
                Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => break,
            }
        }
        self.record(workspace, finished)
    }

    /// Quitting: the worker takes no more, the one it is sending is waited
    /// for up to `timeout`; what was not recorded stays pending.
    pub fn finish(&mut self, workspace: &mut Workspace, timeout: Duration) -> Vec<Message> {
        self.stopping.store(true, Ordering::Relaxed);
        self.sender = None;
        let messages = self.wait(workspace, timeout);
        if let Some(worker) = self.worker.take()
            && worker.is_finished()
        {
            let _ = worker.join();
        }
        messages
    }

    /// How long the event loop may sleep before results or a look are due.
    pub fn deadline(&self, now: Instant) -> Duration {
        if !self.in_flight.is_empty() {
            return RESULT_POLL;
        }
        // Not looked yet, or a look overdue (a job holds the workspace):
        // soon, but never a busy loop.
        match self.next_look {
            Some(at) if at > now => at - now,
            _ => RESULT_POLL,
        }
    }

    fn record(&mut self, workspace: &mut Workspace, finished: Vec<Finished>) -> Vec<Message> {
        let mut messages = Vec::new();
        // Per playbook, so a receiver that is down says so once a round,
        // not once a webhook.
        let mut outcomes: BTreeMap<String, Outcomes> = BTreeMap::new();
        let now = Instant::now();
        for (delivery, state) in finished {
            self.in_flight.remove(&(delivery.firing, delivery.action));
            let playbook = delivery.playbook.clone();
            let outcome = outcomes.entry(playbook.clone()).or_default();
            match &state {
                ActionState::Done { .. } => outcome.delivered += 1,
                ActionState::Pending {
                    next_try,
                    last_error,
                    ..
                } => {
                    self.look_by(later(now, next_try.saturating_sub(clock_now())));
                    outcome.pending += 1;
                    if outcome.first_pending.is_none() {
                        let reason = last_error.as_deref().unwrap_or("not tried").to_string();
                        outcome.first_pending = Some((reason, *next_try));
                    }
                }
                ActionState::Failed { reason, .. } => {
                    outcome.failed += 1;
                    outcome.first_failure.get_or_insert_with(|| reason.clone());
                }
            }
            if let Err(error) = workspace.record_delivery(&delivery, state) {
                messages.push(Message::error(format!(
                    "the delivery of a webhook of playbook \"{playbook}\" could not be recorded, so it goes again later (same webhook-id): {error}"
                )));
            }
        }
        for (playbook, outcome) in outcomes {
            messages.extend(outcome.messages(&playbook));
        }
        messages
    }
}

/// `micros` after `now` (none when negative), or a look's period later when
/// that is past what the clock can count (a next try far away).
fn later(now: Instant, micros: i64) -> Instant {
    let wait = Duration::from_micros(micros.max(0) as u64);
    now.checked_add(wait).unwrap_or(now + LOOK_EVERY)
}

/// What became of one playbook's deliveries in one look.
#[derive(Default)]
struct Outcomes {
    delivered: usize,
    pending: usize,
    /// The first pending one's last error and next try.
    first_pending: Option<(String, i64)>,
    failed: usize,
    first_failure: Option<String>,
}

impl Outcomes {
    fn messages(&self, playbook: &str) -> Vec<Message> {
        let webhooks = |count: usize| match count {
            1 => "webhook".to_string(),
            n => format!("{n} webhooks"),
        };
        let mut messages = Vec::new();
        if let Some(reason) = &self.first_failure {
            let others = match self.failed {
                1 => String::new(),
                n => format!(
                    " ({} more failed too; `segscope playbooks --log` has each)",
                    n - 1
                ),
            };
            messages.push(Message::error(format!(
                "webhook of playbook \"{playbook}\" failed for good: {reason}{others}"
            )));
        }
        if let Some((reason, next_try)) = &self.first_pending {
            messages.push(Message::error(format!(
                "{} of playbook \"{playbook}\" not delivered yet: {reason}; next try {}",
                webhooks(self.pending),
                format_instant(*next_try)
            )));
        }
        if self.delivered > 0 {
            let what = match self.delivered {
                1 => "1 webhook".to_string(),
                n => format!("{n} webhooks"),
            };
            messages.push(Message::info(format!(
                "delivered {what} of playbook \"{playbook}\""
            )));
        }
        messages
    }
}

impl Drop for Deliveries {
    fn drop(&mut self) {
        self.stopping.store(true, Ordering::Relaxed);
    }
}

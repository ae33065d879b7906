//! Long work off the UI thread. A job gets the workspace on a worker thread
//! and reports [`JobEvent`]s over a channel that the event loop polls beside
//! the terminal, so the UI keeps drawing and taking keys while it runs. A job
//! can be asked to stop; it stops between batches, and an import stopped
//! that way writes nothing. When it ends it hands the workspace back.
//!
//! While a job holds the workspace, the screens show what they showed and
//! anything that needs the workspace says it is busy.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, TryRecvError};
use std::time::{Duration, Instant};

use super::messages::Message;
use super::screens::Changed;
use crate::workspace::Workspace;

/// What a job reports.
pub enum JobEvent {
    /// Records done so far and, when known, how many there are in all.
    Progress { done: u64, total: Option<u64> },
    /// The job ended (well or not) and gives the workspace back.
    Finished {
        workspace: Box<Workspace>,
        outcome: JobOutcome,
    },
}

/// How a job ended: what to tell the user, and what changed.
pub struct JobOutcome {
    pub message: Message,
    pub changed: Changed,
}

/// A job's side of the channel: reports progress, hears a cancel.
pub struct JobControl {
    events: Sender<JobEvent>,
    cancel: Arc<AtomicBool>,
}

impl JobControl {
    pub fn progress(&self, done: u64, total: Option<u64>) {
        let _ = self.events.send(JobEvent::Progress { done, total });
    }

    /// Has the user asked the job to stop?
    pub fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }
}

/// What a job does, given the workspace and its side of the channel.
pub type JobWork = Box<dyn FnOnce(&mut Workspace, &JobControl) -> JobOutcome + Send>;

/// Work to run with the workspace on a worker thread.
pub struct Job {
    /// What the status bar calls it ("importing users.jsonl").
    pub label: String,
    pub work: JobWork,
}

/// A job that is running, as the status bar shows it.
pub struct RunningJob {
    pub label: String,
    pub started: Instant,
    pub done: u64,
    pub total: Option<u64>,
    cancel: Arc<AtomicBool>,
    events: Receiver<JobEvent>,
}

/// What polling a running job found.
pub enum Poll {
    Running,
    Finished(Box<Workspace>, JobOutcome),
    /// The worker ended without giving the workspace back (it panicked).
    Lost,
}

impl RunningJob {
    /// Starts `job` on a worker thread with the workspace.
    pub fn start(job: Job, workspace: Workspace) -> Result<RunningJob, Box<(Workspace, String)>> {
        let (sender, events) = std::sync::mpsc::channel();
        let cancel = Arc::new(AtomicBool::new(false));
        let control = JobControl {
            events: sender.clone(),
            cancel: Arc::clone(&cancel),
        };
        let (handoff, taken) = std::sync::mpsc::channel::<Workspace>();
        let work = job.work;
        let spawned = std::thread::Builder::new()
            .name("tui-job".to_string())
            .spawn(move || {
                let Ok(mut workspace) = taken.recv() else {
                    return;
                };
                let outcome = work(&mut workspace, &control);
                let _ = sender.send(JobEvent::Finished {
                    workspace: Box::new(workspace),
                    outcome,
                });
            });
        match spawned {
            Ok(_) => {
                // The thread is waiting for it; sending cannot fail.
                if let Err(returned) = handoff.send(workspace) {
                    return Err(Box::new((
                        returned.0,
                        "the job could not start".to_string(),
                    )));
                }
            }
            Err(error) => {
                return Err(Box::new((
                    workspace,
                    format!("no thread for the job: {error}"),
                )));
            }
        }
        Ok(RunningJob {
            label: job.label,
            started: Instant::now(),
            done: 0,
            total: None,
            cancel,
            events,
        })
    }

    /// Asks the job to stop at its next batch.
    pub fn cancel(&self) {
        self.cancel.store(true, Ordering::Relaxed);
    }

    pub fn is_cancelling(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }

    /// Takes every event that arrived, without waiting.
    pub fn poll(&mut self) -> Poll {
        loop {
            match self.events.try_recv() {
                Ok(JobEvent::Progress { done, total }) => {
                    self.done = done;
                    self.total = total;
                }
                Ok(JobEvent::Finished { workspace, outcome }) => {
                    return Poll::Finished(workspace, outcome);
                }
                Err(TryRecvError::Empty) => return Poll::Running,
                Err(TryRecvError::Disconnected) => return Poll::Lost,
            }
        }
    }

    /// Waits up to `timeout` for the next event (tests and benchmarks use
    /// it instead of a terminal's poll).
    pub fn wait(&mut self, timeout: Duration) -> Poll {
        match self.events.recv_timeout(timeout) {
            Ok(JobEvent::Progress { done, total }) => {
                self.done = done;
                self.total = total;
                self.poll()
            }
            Ok(JobEvent::Finished { workspace, outcome }) => Poll::Finished(workspace, outcome),
            Err(std::sync::mpsc::RecvTimeoutError::Timeout) => Poll::Running,
            Err(std::sync::mpsc::RecvTimeoutError::Disconnected) => Poll::Lost,
        }
    }

    /// Records per second since the start.
    pub fn rate(&self) -> f64 {
        let seconds = self.started.elapsed().as_secs_f64();
        if seconds <= 0.0 {
            0.0
        } else {
            self.done as f64 / seconds
        }
    }
}

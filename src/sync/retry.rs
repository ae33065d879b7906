//! What every connector does with an answer that is not yet one to read:
//! no answer or a 5xx is tried again after the backoff, a 429 after its
//! `Retry-After` (else ten seconds) within a per-run budget, and when the
//! tries or the budget run out the run stops with a sentence that names
//! the endpoint and the destination. Connectors read everything else
//! themselves (a 401, HubSpot's daily limit, a 207, a 410).

use std::time::Duration;

use super::connector::{Stop, SyncControl, pause};
use super::http::{Backoff, HttpFailure, HttpResponse};

/// The wait after a 429 without `Retry-After`.
pub const DEFAULT_RATE_LIMIT_WAIT: Duration = Duration::from_secs(10);

/// The most a run waits in all on 429s before it stops.
pub const RATE_LIMIT_BUDGET: Duration = Duration::from_secs(120);

/// One request's tries, and the run's time spent waiting on 429s.
pub struct Retries<'a> {
    /// "HubSpot at https://api.hubapi.com", "the webhook at https://…".
    endpoint: &'a str,
    destination: &'a str,
    backoff: Backoff,
    rate_limited: &'a mut Duration,
}

impl<'a> Retries<'a> {
    /// The tries of one request; `rate_limited` is the run's running total.
    pub fn new(endpoint: &'a str, destination: &'a str, rate_limited: &'a mut Duration) -> Self {
        Retries {
            endpoint,
            destination,
            backoff: Backoff::new(),
            rate_limited,
        }
    }

    /// An answer to read, or `None` after waiting to try again; a stop when
    /// the tries or the wait budget are spent (or the run is cancelled
    /// while waiting).
    pub fn judge(
        &mut self,
        answer: Result<HttpResponse, HttpFailure>,
        control: &mut dyn SyncControl,
    ) -> Result<Option<HttpResponse>, Stop> {
        let response = match answer {
            Ok(response) => response,
            Err(failure) => {
                let Some(wait) = self.backoff.next_wait() else {
                    return Err(Stop::Refused(format!(
                        "{} did not answer destination \"{}\" after {} tries ({failure}); nothing unacknowledged is lost: the next run sends it",
                        self.endpoint,
                        self.destination,
                        self.backoff.tries()
                    )));
                };
                let reason = format!("{} did not answer ({failure}); retrying", self.endpoint);
                pause(control, wait, reason)?;
                return Ok(None);
            }
        };
        match response.status {
            429 => {
                let wait = response.retry_after().unwrap_or(DEFAULT_RATE_LIMIT_WAIT);
                *self.rate_limited += wait;
                if *self.rate_limited > RATE_LIMIT_BUDGET {
                    return Err(Stop::Refused(format!(
                        "{} kept answering destination \"{}\" with 429 Too Many Requests for over {} s; the next run sends the rest",
                        self.endpoint,
                        self.destination,
                        RATE_LIMIT_BUDGET.as_secs()
                    )));
                }
                let reason = format!("{} asked to slow down (429); waiting", self.endpoint);
                pause(control, wait, reason)?;
                Ok(None)
            }
            500..=599 => {
                let Some(wait) = self.backoff.next_wait() else {
                    return Err(Stop::Refused(format!(
                        "{} answered destination \"{}\" with {} {} times{}; the next run sends the rest",
                        self.endpoint,
                        self.destination,
                        response.status,
                        self.backoff.tries(),
                        short_body(&response.body)
                    )));
                };
                let reason = format!("{} answered {}; retrying", self.endpoint, response.status);
                pause(control, wait, reason)?;
                Ok(None)
            }
            _ => Ok(Some(response)),
        }
    }
}

/// A body's start, for a message: `: <text>` or nothing. HubSpot's JSON
/// errors give their `message`.
pub fn short_body(body: &str) -> String {
    let message = serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|json| json.get("message")?.as_str().map(str::to_string))
        .unwrap_or_else(|| body.to_string());
    let text: String = message.trim().chars().take(200).collect();
    if text.is_empty() {
        String::new()
    } else {
        format!(": {text}")
    }
}

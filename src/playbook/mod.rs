//! Delivering playbook webhooks from the outbox: one signed POST per
//! pending delivery (Standard Webhooks headers, by the webhook
//! destination's signing code, with the firing's `webhook-id` on every
//! try), and what became of it as the action's next state — done, pending
//! until a later try with backoff, or failed for good. Deciding when a
//! playbook fires and keeping the outbox are the workspace's; this module
//! only sends and judges the answer.

use std::time::Duration;

use crate::model::playbook_run::{ActionState, PendingDelivery};
use crate::sync::http::{Http, HttpFailure, HttpRequest, HttpResponse};
use crate::sync::webhook::{sign, signing_key};

/// The most one delivery may take before it is left for a later try
/// (`SEGSCOPE_HTTP_TIMEOUT` may make it shorter, never longer): a command
/// waits for its webhooks, so not for long.
pub const DELIVERY_TIMEOUT: Duration = Duration::from_secs(5);

/// The wait after each failed try (the first, the second, …); after the
/// last the delivery fails for good — about a day and a half in all.
pub const RETRY_WAITS: [Duration; 10] = [
    Duration::from_secs(5),
    Duration::from_secs(30),
    Duration::from_secs(2 * 60),
    Duration::from_secs(10 * 60),
    Duration::from_secs(30 * 60),
    Duration::from_secs(60 * 60),
    Duration::from_secs(2 * 60 * 60),
    Duration::from_secs(4 * 60 * 60),
    Duration::from_secs(8 * 60 * 60),
    Duration::from_secs(16 * 60 * 60),
];

/// Sends playbook webhooks; one per process or worker.
pub struct Deliverer {
    http: Http,
}

impl Default for Deliverer {
    fn default() -> Deliverer {
        Deliverer::new()
    }
}

impl Deliverer {
    pub fn new() -> Deliverer {
        Deliverer {
            http: Http::with_most_timeout(DELIVERY_TIMEOUT),
        }
    }

    /// Tries one delivery now (`now`: the clock, microseconds) and says
    /// what the action's state becomes.
    pub fn deliver(&self, delivery: &PendingDelivery, now: i64) -> ActionState {
        let key = match &delivery.secret_env {
            None => None,
            Some(variable) => match std::env::var(variable)
                .ok()
                .filter(|secret| !secret.trim().is_empty())
            {
                None => {
                    let reason = format!(
                        "the environment variable {variable} that holds the webhook's secret is not set; set it, and a later command delivers"
                    );
                    return retry_later(delivery, reason, None, now);
                }
                Some(secret) => match signing_key(secret.trim()) {
                    Ok(key) => Some(key),
                    Err(reason) => {
                        let reason =
                            format!("the webhook secret in {variable} is not usable: {reason}");
                        return retry_later(delivery, reason, None, now);
                    }
                },
            },
        };
        let timestamp = now.div_euclid(1_000_000);
        let mut headers = vec![
            ("content-type", "application/json".to_string()),
            ("webhook-id", delivery.message_id.clone()),
            ("webhook-timestamp", timestamp.to_string()),
        ];
        if let Some(key) = &key {
            headers.push((
                "webhook-signature",
                sign(
                    key,
                    &delivery.message_id,
                    timestamp,
                    delivery.body.as_bytes(),
                ),
            ));
        }
        let answer = self.http.send(HttpRequest {
            method: "POST",
            url: &delivery.url,
            headers,
            body: Some(delivery.body.clone().into_bytes()),
        });
        judge(delivery, answer, now)
    }
}

/// What an answer (or its absence) makes of a delivery.
fn judge(
    delivery: &PendingDelivery,
    answer: Result<HttpResponse, HttpFailure>,
    now: i64,
) -> ActionState {
    let response = match answer {
        Ok(response) => response,
        Err(failure) => {
            let reason = format!("{} did not answer ({failure})", delivery.url);
            return retry_later(delivery, reason, None, now);
        }
    };
    let status = response.status;
    let body = crate::sync::retry::short_body(&response.body);
    match status {
        200..=299 => ActionState::Done { at: now },
        // Asked to wait, or the receiver's own trouble: later.
        408 | 425 | 429 | 500..=599 => retry_later(
            delivery,
            format!("{} answered {status}{body}", delivery.url),
            response.retry_after(),
            now,
        ),
        // 410 Gone, and any other refusal: the same request will not do
        // better later.
        _ => ActionState::Failed {
            at: now,
            attempts: delivery.attempts + 1,
            reason: format!(
                "{} refused the webhook ({status}{body}); it is not tried again",
                delivery.url
            ),
        },
    }
}

/// Pending until the next try of the schedule (or `Retry-After`, when it
/// is later), or failed when the schedule is spent.
fn retry_later(
    delivery: &PendingDelivery,
    reason: String,
    retry_after: Option<Duration>,
    now: i64,
) -> ActionState {
    let attempts = delivery.attempts + 1;
    let Some(wait) = RETRY_WAITS.get(attempts as usize - 1) else {
        return ActionState::Failed {
            at: now,
            attempts,
            reason: format!("{reason}; given up after {attempts} tries"),
        };
    };
    let wait = retry_after.map_or(*wait, |asked| asked.max(*wait));
    ActionState::Pending {
        attempts,
        next_try: now.saturating_add(wait.as_micros() as i64),
        last_error: Some(reason),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn delivery(attempts: u32) -> PendingDelivery {
        PendingDelivery {
            firing: 1,
            action: 0,
            playbook: "P".to_string(),
            url: "http://127.0.0.1:9/hook".to_string(),
            secret_env: None,
            message_id: "fire_x_1_0".to_string(),
            body: "{}".to_string(),
            attempts,
            next_try: 0,
            last_error: None,
        }
    }

    #[test]
    fn the_schedule_waits_longer_each_time_then_gives_up() {
        let mut previous = 0;
        for attempts in 0..RETRY_WAITS.len() as u32 {
            let state = retry_later(&delivery(attempts), "down".to_string(), None, 0);
            let ActionState::Pending { next_try, .. } = state else {
                panic!("{state:?}")
            };
            assert!(next_try > previous);
            previous = next_try;
        }
        let last = retry_later(&delivery(RETRY_WAITS.len() as u32), "down".into(), None, 0);
        assert!(
            matches!(last, ActionState::Failed { attempts: 11, .. }),
            "{last:?}"
        );
    }

    #[test]
    fn statuses_decide_done_later_or_never() {
        let answer = |status| Ok(HttpResponse::for_test(status, String::new()));
        assert_eq!(
            judge(&delivery(0), answer(204), 7),
            ActionState::Done { at: 7 }
        );
        assert!(matches!(
            judge(&delivery(0), answer(503), 7),
            ActionState::Pending { .. }
        ));
        assert!(matches!(
            judge(&delivery(0), answer(429), 7),
            ActionState::Pending { .. }
        ));
        assert!(matches!(
            judge(&delivery(0), answer(410), 7),
            ActionState::Failed { .. }
        ));
        assert!(matches!(
            judge(&delivery(0), answer(400), 7),
            ActionState::Failed { .. }
        ));
    }
}

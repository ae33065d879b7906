//! Keeping a run inside HubSpot's rate limit: a rolling window of the
//! requests this run sent, narrowed by what HubSpot's
//! `X-HubSpot-RateLimit-*` headers say, so a request is never sent into an
//! exhausted window. Waiting goes through the run's control, so a wait can
//! be cancelled and is shown.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use super::connector::{Stop, SyncControl, pause};
use super::http::HttpResponse;

/// HubSpot's window.
pub const WINDOW: Duration = Duration::from_secs(10);

pub struct Pace {
    max: u32,
    window: Duration,
    sent: VecDeque<Instant>,
    /// HubSpot said no requests remain: wait until then.
    exhausted_until: Option<Instant>,
}

impl Pace {
    /// At most `max` requests per rolling ten seconds.
    pub fn new(max: u32) -> Pace {
        Pace {
            max: max.max(1),
            window: WINDOW,
            sent: VecDeque::new(),
            exhausted_until: None,
        }
    }

    /// Waits, when needed, until one more request fits the window.
    pub fn before_request(&mut self, control: &mut dyn SyncControl) -> Result<(), Stop> {
        let now = Instant::now();
        if let Some(until) = self.exhausted_until.take()
            && until > now
        {
            pause(
                control,
                until - now,
                "HubSpot's rate limit window is used up",
            )?;
        }
        let now = Instant::now();
        while self
            .sent
            .front()
            .is_some_and(|sent| now.duration_since(*sent) >= self.window)
        {
            self.sent.pop_front();
        }
        if self.sent.len() >= self.max as usize
            && let Some(oldest) = self.sent.front()
        {
            let wait = (*oldest + self.window).saturating_duration_since(now);
            pause(
                control,
                wait,
                format!(
                    "pacing: {} requests per {} s",
                    self.max,
                    self.window.as_secs()
                ),
            )?;
            self.sent.pop_front();
        }
        self.sent.push_back(Instant::now());
        Ok(())
    }

    /// Learns from an answer's rate limit headers.
    pub fn observe(&mut self, response: &HttpResponse) {
        let number = |name: &str| response.header(name)?.trim().parse::<u64>().ok();
        if let Some(interval) = number("x-hubspot-ratelimit-interval-milliseconds")
            && interval > 0
        {
            self.window = Duration::from_millis(interval.min(86_400_000));
        }
        if let Some(max) = number("x-hubspot-ratelimit-max")
            && max > 0
        {
            self.max = self.max.min(max.min(u32::MAX as u64) as u32);
        }
        if number("x-hubspot-ratelimit-remaining") == Some(0) {
            self.exhausted_until = Some(Instant::now() + self.window);
        }
    }

    /// How long `requests` take at this pace, at best.
    pub fn estimate(max: u32, requests: u64) -> Duration {
        let max = u64::from(max.max(1));
        // The first window's worth go at once; each further one waits.
        let windows = requests.saturating_sub(1) / max;
        WINDOW * windows as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn estimates_count_whole_windows() {
        assert_eq!(Pace::estimate(100, 0), Duration::ZERO);
        assert_eq!(Pace::estimate(100, 100), Duration::ZERO);
        assert_eq!(Pace::estimate(100, 101), WINDOW);
        assert_eq!(Pace::estimate(100, 1001), WINDOW * 10);
    }
}

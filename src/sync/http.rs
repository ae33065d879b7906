//! The one way segscope reaches the network: a ureq agent with timeouts
//! that hands every answer back as a status, headers and a bounded body
//! (statuses are answers here, not errors), and the retry timing the
//! connectors share. Connectors decide what a status means; this module
//! only sends, reads and waits.

use std::io::ErrorKind;
use std::time::Duration;

/// How long one request may take, connecting included, unless
/// `SEGSCOPE_HTTP_TIMEOUT` (seconds) says otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);

/// The most of a response body read: answers we act on are small, and a
/// misbehaving endpoint must not fill memory.
const MAX_BODY_BYTES: u64 = 4 << 20;

/// A response, whatever its status.
#[derive(Clone, Debug)]
pub struct HttpResponse {
    pub status: u16,
    headers: Vec<(String, String)>,
    pub body: String,
}

impl HttpResponse {
    /// A header's value (names ignore case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(key, _)| key.eq_ignore_ascii_case(name))
            .map(|(_, value)| value.as_str())
    }

    /// `Retry-After` in seconds, when the answer has one.
    pub fn retry_after(&self) -> Option<Duration> {
        let seconds: f64 = self.header("retry-after")?.trim().parse().ok()?;
        (seconds.is_finite() && seconds >= 0.0)
            .then(|| Duration::from_secs_f64(seconds.min(3600.0)))
    }

    /// An answer made by hand, for tests of what connectors read from one.
    #[cfg(test)]
    pub fn for_test(status: u16, body: String) -> HttpResponse {
        HttpResponse {
            status,
            headers: Vec::new(),
            body,
        }
    }

    /// The body as JSON, when it is JSON.
    pub fn json(&self) -> Option<serde_json::Value> {
        serde_json::from_str(&self.body).ok()
    }
}

/// Why a request got no answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HttpFailure {
    /// No answer within the timeout.
    Timeout(Duration),
    /// The address does not resolve, or nothing listens there.
    Unreachable(String),
    /// Anything else on the way (TLS, a broken connection, a body too big).
    Transport(String),
}

impl std::fmt::Display for HttpFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            HttpFailure::Timeout(after) => write!(f, "no answer within {} s", after.as_secs_f64()),
            HttpFailure::Unreachable(reason) | HttpFailure::Transport(reason) => {
                f.write_str(reason)
            }
        }
    }
}

/// A request to send.
pub struct HttpRequest<'a> {
    pub method: &'static str,
    pub url: &'a str,
    pub headers: Vec<(&'static str, String)>,
    pub body: Option<Vec<u8>>,
}

/// The agent every connector sends through.
pub struct Http {
    agent: ureq::Agent,
    timeout: Duration,
}

impl Http {
    pub fn new() -> Http {
        Http::with_default_timeout(DEFAULT_TIMEOUT)
    }

    /// An agent whose requests may take at most `most`, or less when
    /// `SEGSCOPE_HTTP_TIMEOUT` says so.
    pub fn with_most_timeout(most: Duration) -> Http {
        let http = Http::new();
        if http.timeout <= most {
            return http;
        }
        Http::with_timeout(most)
    }

    /// An agent whose requests may take `timeout`, unless
    /// `SEGSCOPE_HTTP_TIMEOUT` says otherwise.
    pub fn with_default_timeout(timeout: Duration) -> Http {
        let timeout = std::env::var("SEGSCOPE_HTTP_TIMEOUT")
            .ok()
            .and_then(|text| text.trim().parse::<f64>().ok())
            .filter(|seconds| seconds.is_finite() && *seconds > 0.0)
            .map_or(timeout, Duration::from_secs_f64);
        Http::with_timeout(timeout)
    }

    fn with_timeout(timeout: Duration) -> Http {
        let agent = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .http_status_as_error(false)
            .user_agent(concat!("segscope/", env!("CARGO_PKG_VERSION")))
            .build()
            .into();
        Http { agent, timeout }
    }

    /// Sends a request and reads the answer, whatever its status.
    pub fn send(&self, request: HttpRequest<'_>) -> Result<HttpResponse, HttpFailure> {
        let mut builder = ureq::http::Request::builder()
            .method(request.method)
            .uri(request.url);
        for (name, value) in &request.headers {
            builder = builder.header(*name, value.as_str());
        }
        let built = builder
            .body(request.body.unwrap_or_default())
            .map_err(|error| {
                HttpFailure::Transport(format!("the request is malformed: {error}"))
            })?;
        let mut response = self.agent.run(built).map_err(|error| self.failure(error))?;
        let status = response.status().as_u16();
        let headers = response
            .headers()
            .iter()
            .filter_map(|(name, value)| Some((name.to_string(), value.to_str().ok()?.to_string())))
            .collect();
        let body = response
            .body_mut()
            .with_config()
            .limit(MAX_BODY_BYTES)
            .read_to_string()
            .map_err(|error| self.failure(error))?;
        Ok(HttpResponse {
            status,
            headers,
            body,
        })
    }

    fn failure(&self, error: ureq::Error) -> HttpFailure {
        match error {
            ureq::Error::Timeout(_) => HttpFailure::Timeout(self.timeout),
            ureq::Error::Io(io) if io.kind() == ErrorKind::TimedOut => {
                HttpFailure::Timeout(self.timeout)
            }
            ureq::Error::HostNotFound => {
                HttpFailure::Unreachable("the host name does not resolve".to_string())
            }
            ureq::Error::ConnectionFailed => {
                HttpFailure::Unreachable("the connection was refused".to_string())
            }
            ureq::Error::Io(io) if io.kind() == ErrorKind::ConnectionRefused => {
                HttpFailure::Unreachable("the connection was refused".to_string())
            }
            ureq::Error::BodyExceedsLimit(limit) => {
                HttpFailure::Transport(format!("the answer is larger than {limit} bytes"))
            }
            other => HttpFailure::Transport(other.to_string()),
        }
    }
}

impl Default for Http {
    fn default() -> Http {
        Http::new()
    }
}

/// Exponential backoff for answers worth retrying (5xx, no answer): waits
/// of 0.5, 1, 2, 4 s, then gives up.
#[derive(Clone, Debug)]
pub struct Backoff {
    tried: u32,
}

/// Tries of one request before a 5xx or a missing answer counts as final.
pub const MAX_TRIES: u32 = 5;

impl Backoff {
    pub fn new() -> Backoff {
        Backoff { tried: 0 }
    }

    /// The wait before the next try, or `None` when the tries are spent.
    pub fn next_wait(&mut self) -> Option<Duration> {
        self.tried += 1;
        (self.tried < MAX_TRIES).then(|| Duration::from_millis(500 << (self.tried - 1)))
    }

    pub fn tries(&self) -> u32 {
        self.tried
    }
}

impl Default for Backoff {
    fn default() -> Backoff {
        Backoff::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_then_gives_up() {
        let mut backoff = Backoff::new();
        let waits: Vec<Duration> = std::iter::from_fn(|| backoff.next_wait()).collect();
        assert_eq!(
            waits,
            [500, 1000, 2000, 4000].map(Duration::from_millis).to_vec()
        );
    }

    #[test]
    fn nothing_listening_is_unreachable() {
        // A port that was just free: bind, note, drop.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let url = format!("http://127.0.0.1:{port}/");
        let failure = Http::new()
            .send(HttpRequest {
                method: "GET",
                url: &url,
                headers: Vec::new(),
                body: None,
            })
            .unwrap_err();
        assert!(
            matches!(
                failure,
                HttpFailure::Unreachable(_) | HttpFailure::Transport(_)
            ),
            "{failure:?}"
        );
    }
}

//! The server both fakes stand on: tiny_http on 127.0.0.1 with a free
//! port, a background thread that hands each request to the fake's handler,
//! and an answer that may be held back (a slow or timed-out server) on a
//! thread of its own so the next request is not kept waiting. Dropping the
//! `Loopback` stops the thread and releases every held answer at once.
//! What the fakes decide lives in them, not here.
#![allow(dead_code)]

use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use tiny_http::{Header, Response, Server};

/// One request as a handler sees it: the raw body (a signature covers the
/// exact bytes) and the headers by lower-case name.
pub struct Incoming {
    pub method: String,
    /// Path and query, as sent.
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Incoming {
    /// The first value of a header, by name in any case.
    pub fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(field, _)| *field == name)
            .map(|(_, value)| value.as_str())
    }

    /// The path without the query.
    pub fn path(&self) -> &str {
        self.url.split('?').next().unwrap_or("")
    }
}

/// What to answer, and how long to wait before answering.
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
    pub delay: Duration,
}

impl Answer {
    pub fn json(status: u16, body: &serde_json::Value) -> Answer {
        Answer {
            status,
            headers: vec![(
                "Content-Type".to_string(),
                "application/json;charset=utf-8".to_string(),
            )],
            body: body.to_string(),
            delay: Duration::ZERO,
        }
    }

    pub fn empty(status: u16) -> Answer {
        Answer {
            status,
            headers: Vec::new(),
            body: String::new(),
            delay: Duration::ZERO,
        }
    }

    pub fn with_header(mut self, name: &str, value: impl ToString) -> Answer {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }
}

/// Set when the server is dropped; held answers wait on it.
#[derive(Default)]
struct Stop {
    stopped: Mutex<bool>,
    wake: Condvar,
}

impl Stop {
    /// Sleeps for `delay`, or less when the server stops meanwhile.
    fn sleep(&self, delay: Duration) {
        let deadline = Instant::now() + delay;
        let mut stopped = self.stopped.lock().unwrap();
        while !*stopped {
            let now = Instant::now();
            if now >= deadline {
                return;
            }
            stopped = self.wake.wait_timeout(stopped, deadline - now).unwrap().0;
        }
    }
}

pub struct Loopback {
    port: u16,
    server: Arc<Server>,
    stop: Arc<Stop>,
    thread: Option<JoinHandle<()>>,
}

impl Loopback {
    /// Listens on 127.0.0.1 (a free port) and answers every request with
    /// `handler`, one request at a time in arrival order.
    pub fn start(mut handler: impl FnMut(Incoming) -> Answer + Send + 'static) -> Loopback {
        let server = Arc::new(Server::http("127.0.0.1:0").expect("a loopback port"));
        let port = server.server_addr().to_ip().expect("an IP address").port();
        let stop = Arc::new(Stop::default());
        let thread = {
            let server = Arc::clone(&server);
            let stop = Arc::clone(&stop);
            std::thread::spawn(move || {
                for mut request in server.incoming_requests() {
                    let incoming = read(&mut request);
                    let answer = handler(incoming);
                    if answer.delay.is_zero() {
                        respond(request, answer);
                    } else {
                        let stop = Arc::clone(&stop);
                        std::thread::spawn(move || {
                            stop.sleep(answer.delay);
                            respond(request, answer);
                        });
                    }
                }
            })
        };
        Loopback {
            port,
            server,
            stop,
            thread: Some(thread),
        }
    }

    /// `http://127.0.0.1:<port>`, without a trailing slash.
    pub fn base_url(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

impl Drop for Loopback {
    fn drop(&mut self) {
        *self.stop.stopped.lock().unwrap() = true;
        self.stop.wake.notify_all();
        self.server.unblock();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

fn read(request: &mut tiny_http::Request) -> Incoming {
    let mut body = Vec::new();
    // A client that hangs up mid-body leaves what arrived; the handler
    // judges it like any other body.
    let _ = request.as_reader().read_to_end(&mut body);
    Incoming {
        method: request.method().as_str().to_string(),
        url: request.url().to_string(),
        headers: request
            .headers()
            .iter()
            .map(|header| {
                (
                    header.field.as_str().as_str().to_ascii_lowercase(),
                    header.value.as_str().to_string(),
                )
            })
            .collect(),
        body,
    }
}

fn respond(request: tiny_http::Request, answer: Answer) {
    let mut response =
        Response::from_data(answer.body.into_bytes()).with_status_code(answer.status);
    for (name, value) in &answer.headers {
        let header = Header::from_bytes(name.as_bytes(), value.as_bytes()).expect("a header");
        response.add_header(header);
    }
    // The client may have given up already (that is what a timeout test
    // wants); nothing to do about it here.
    let _ = request.respond(response);
}

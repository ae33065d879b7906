//! A webhook endpoint on a loopback port for the sync and playbook tests: it checks the
//! Standard Webhooks signature of every delivery (refusing a bad one with
//! 401, as a real receiver would), keeps what each delivery carried, counts
//! deliveries by `webhook-id` so a test can tell a retried batch from a new
//! one, and answers with queued faults (500, 429, 410) when told to.
#![allow(dead_code)]

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use serde_json::{Map, Value, json};
use sha2::Sha256;

use crate::support::loopback::{Answer, Incoming, Loopback};

/// The path the receiver listens on; other paths answer 404.
pub const PATH: &str = "/hooks/segscope";

/// An answer given instead of acknowledging, to the next signed delivery.
#[derive(Clone, Debug, PartialEq)]
pub enum WebhookFault {
    ServerError,
    TooManyRequests { retry_after_secs: u64 },
    Gone,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    Upsert,
    Exit,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Record {
    pub key: String,
    pub op: Op,
    /// Empty when an exit record carried none.
    pub properties: Map<String, Value>,
}

/// An acknowledged batch, once per `webhook-id`.
#[derive(Clone, Debug, PartialEq)]
pub struct Batch {
    pub webhook_id: String,
    pub destination: String,
    pub kind: String,
    pub records: Vec<Record>,
}

/// One delivery whose signature checked out, whatever was answered.
#[derive(Clone, Debug)]
pub struct Delivery {
    pub webhook_id: String,
    pub timestamp: i64,
    pub body: String,
    pub status: u16,
}

pub struct WebhookReceiver {
    state: Arc<Mutex<State>>,
    server: Loopback,
}

impl WebhookReceiver {
    /// Listens with `secret` (a `whsec_` secret is base64 after the prefix;
    /// any other secret is the key's raw bytes).
    pub fn start(secret: &str) -> WebhookReceiver {
        let state = Arc::new(Mutex::new(State {
            key: signing_key(secret),
            tolerance: Duration::from_secs(5 * 60),
            delay: Duration::ZERO,
            faults: VecDeque::new(),
            requests: 0,
            deliveries: Vec::new(),
            batches: Vec::new(),
            rejections: Vec::new(),
            malformed: 0,
        }));
        let server = {
            let state = Arc::clone(&state);
            Loopback::start(move |incoming| state.lock().unwrap().handle(&incoming))
        };
        WebhookReceiver { state, server }
    }

    /// The URL a webhook destination posts to.
    pub fn url(&self) -> String {
        format!("{}{PATH}", self.server.base_url())
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap()
    }

    /// How far `webhook-timestamp` may be from the receiver's clock (5 min).
    pub fn set_tolerance(&self, tolerance: Duration) {
        self.state().tolerance = tolerance;
    }

    /// Every answer waits this long after the delivery is recorded (zero by
    /// default), so a test can stop a sender mid-run.
    pub fn set_delay(&self, delay: Duration) {
        self.state().delay = delay;
    }

    /// The next `n` signed deliveries get `fault` instead of a 200.
    pub fn fail_next(&self, n: usize, fault: WebhookFault) {
        let mut state = self.state();
        for _ in 0..n {
            state.faults.push_back(fault.clone());
        }
    }

    /// Every request, signed or not.
    pub fn total_requests(&self) -> usize {
        self.state().requests
    }

    /// Every delivery with a valid signature, in arrival order.
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.state().deliveries.clone()
    }

    /// How many signed deliveries carried this `webhook-id`.
    pub fn attempts(&self, webhook_id: &str) -> usize {
        self.state()
            .deliveries
            .iter()
            .filter(|delivery| delivery.webhook_id == webhook_id)
            .count()
    }

    /// Signed deliveries per `webhook-id`.
    pub fn attempts_by_id(&self) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for delivery in &self.state().deliveries {
            *counts.entry(delivery.webhook_id.clone()).or_default() += 1;
        }
        counts
    }

    /// Ids whose deliveries did not all carry the same body: a retry that
    /// was not the same batch.
    pub fn conflicting_ids(&self) -> Vec<String> {
        let state = self.state();
        let mut first: BTreeMap<&str, &str> = BTreeMap::new();
        let mut conflicts = Vec::new();
        for delivery in &state.deliveries {
            let body = first.entry(&delivery.webhook_id).or_insert(&delivery.body);
            if *body != delivery.body && !conflicts.contains(&delivery.webhook_id) {
                conflicts.push(delivery.webhook_id.clone());
            }
        }
        conflicts
    }

    /// Acknowledged batches in order, each `webhook-id` once.
    pub fn batches(&self) -> Vec<Batch> {
        self.state().batches.clone()
    }

    /// The records of acknowledged batches of one kind, in order.
    pub fn records(&self, kind: &str) -> Vec<Record> {
        self.state()
            .batches
            .iter()
            .filter(|batch| batch.kind == kind)
            .flat_map(|batch| batch.records.iter().cloned())
            .collect()
    }

    /// The last record received for each (kind, key).
    pub fn latest(&self) -> BTreeMap<(String, String), Record> {
        let mut latest = BTreeMap::new();
        for batch in &self.state().batches {
            for record in &batch.records {
                latest.insert((batch.kind.clone(), record.key.clone()), record.clone());
            }
        }
        latest
    }

    /// Requests refused with 401 (missing headers, stale timestamp, bad
    /// signature).
    pub fn rejected(&self) -> usize {
        self.state().rejections.len()
    }

    /// Why each 401 was given, in order.
    pub fn rejections(&self) -> Vec<String> {
        self.state().rejections.clone()
    }

    /// Signed deliveries whose body was not a batch (answered 400).
    pub fn malformed(&self) -> usize {
        self.state().malformed
    }

    /// Waits until at least `n` batches are acknowledged; false when
    /// `timeout` passes first.
    pub fn wait_for_batches(&self, n: usize, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while self.state().batches.len() < n {
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        true
    }
}

/// `v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>` for `secret`
/// read as the receiver reads it: the tests' own signer, to check the
/// receiver (and a sync's signer) against.
pub fn sign(secret: &str, webhook_id: &str, timestamp: i64, body: &[u8]) -> String {
    let mac = mac(&signing_key(secret), webhook_id, timestamp, body);
    format!("v1,{}", BASE64.encode(mac.finalize().into_bytes()))
}

/// Seconds since the Unix epoch, as `webhook-timestamp` carries them.
pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs() as i64
}

fn signing_key(secret: &str) -> Vec<u8> {
    match secret.strip_prefix("whsec_") {
        Some(encoded) => BASE64
            .decode(encoded)
            .expect("a whsec_ secret is base64 after the prefix"),
        None => secret.as_bytes().to_vec(),
    }
}

fn mac(key: &[u8], webhook_id: &str, timestamp: i64, body: &[u8]) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(webhook_id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

struct State {
    key: Vec<u8>,
    tolerance: Duration,
    delay: Duration,
    faults: VecDeque<WebhookFault>,
    requests: usize,
    deliveries: Vec<Delivery>,
    batches: Vec<Batch>,
    rejections: Vec<String>,
    malformed: usize,
}

impl State {
    fn handle(&mut self, incoming: &Incoming) -> Answer {
        let mut answer = self.answer(incoming);
        answer.delay = self.delay;
        answer
    }

    fn answer(&mut self, incoming: &Incoming) -> Answer {
        self.requests += 1;
        if incoming.path() != PATH {
            return Answer::empty(404);
        }
        if incoming.method != "POST" {
            return Answer::empty(405);
        }
        let (webhook_id, timestamp) = match self.verify(incoming) {
            Ok(signed) => signed,
            Err(reason) => {
                self.rejections.push(reason.clone());
                return Answer::json(401, &json!({ "error": reason }));
            }
        };
        let body = String::from_utf8_lossy(&incoming.body).into_owned();
        let answer = match self.faults.pop_front() {
            Some(WebhookFault::ServerError) => Answer::empty(500),
            Some(WebhookFault::TooManyRequests { retry_after_secs }) => {
                Answer::empty(429).with_header("Retry-After", retry_after_secs)
            }
            Some(WebhookFault::Gone) => Answer::empty(410),
            None => self.accept(incoming, &webhook_id),
        };
        self.deliveries.push(Delivery {
            webhook_id,
            timestamp,
            body,
            status: answer.status,
        });
        answer
    }

    /// The delivery's id and timestamp when its signature holds.
    fn verify(&self, incoming: &Incoming) -> Result<(String, i64), String> {
        let header = |name: &str| {
            incoming
                .header(name)
                .map(str::to_string)
                .ok_or_else(|| format!("no {name} header"))
        };
        let webhook_id = header("webhook-id")?;
        let timestamp: i64 = header("webhook-timestamp")?
            .trim()
            .parse()
            .map_err(|_| "webhook-timestamp is not unix seconds".to_string())?;
        let signatures = header("webhook-signature")?;
        let skew = unix_now().abs_diff(timestamp);
        if skew > self.tolerance.as_secs() {
            return Err(format!(
                "webhook-timestamp is {skew} s from now (at most {} s)",
                self.tolerance.as_secs()
            ));
        }
        let expected = mac(&self.key, &webhook_id, timestamp, &incoming.body);
        let valid = signatures.split_whitespace().any(|signature| {
            signature
                .strip_prefix("v1,")
                .and_then(|encoded| BASE64.decode(encoded).ok())
                .is_some_and(|bytes| expected.clone().verify_slice(&bytes).is_ok())
        });
        if valid {
            Ok((webhook_id, timestamp))
        } else {
            Err("no webhook-signature matches".to_string())
        }
    }

    /// 200 for a batch (kept once per id) or a playbook's firing, 400 for
    /// anything else.
    fn accept(&mut self, incoming: &Incoming, webhook_id: &str) -> Answer {
        let json_type = incoming
            .header("content-type")
            .is_some_and(|kind| kind.trim_start().starts_with("application/json"));
        // A playbook's firing is one event, not a batch of records.
        let firing = serde_json::from_slice::<Value>(&incoming.body)
            .is_ok_and(|body| body["type"] == "playbook.fired");
        if json_type && firing {
            return Answer::empty(200);
        }
        let batch = if json_type {
            parse_batch(&incoming.body, webhook_id)
        } else {
            Err("Content-Type is not application/json".to_string())
        };
        match batch {
            Ok(batch) => {
                if !self.batches.iter().any(|b| b.webhook_id == webhook_id) {
                    self.batches.push(batch);
                }
                Answer::empty(200)
            }
            Err(reason) => {
                self.malformed += 1;
                Answer::json(400, &json!({ "error": reason }))
            }
        }
    }
}

/// `{"destination","kind","records":[{"key","op","properties"}]}`; an exit
/// record may leave out its properties.
fn parse_batch(body: &[u8], webhook_id: &str) -> Result<Batch, String> {
    let body: Value = serde_json::from_slice(body).map_err(|error| error.to_string())?;
    let text = |value: &Value, field: &str| {
        value[field]
            .as_str()
            .map(str::to_string)
            .ok_or_else(|| format!("{field} must be a string"))
    };
    let records = body["records"]
        .as_array()
        .ok_or("records must be an array")?
        .iter()
        .enumerate()
        .map(|(index, record)| {
            let key = text(record, "key").map_err(|e| format!("records[{index}].{e}"))?;
            if key.is_empty() {
                return Err(format!("records[{index}].key is empty"));
            }
            let op = match record["op"].as_str() {
                Some("upsert") => Op::Upsert,
                Some("exit") => Op::Exit,
                _ => return Err(format!("records[{index}].op must be upsert or exit")),
            };
            let properties = match (&record["properties"], op) {
                (Value::Object(properties), _) => properties.clone(),
                (Value::Null, Op::Exit) => Map::new(),
                _ => return Err(format!("records[{index}].properties must be an object")),
            };
            Ok(Record {
                key,
                op,
                properties,
            })
        })
        .collect::<Result<Vec<_>, String>>()?;
    Ok(Batch {
        webhook_id: webhook_id.to_string(),
        destination: text(&body, "destination")?,
        kind: text(&body, "kind")?,
        records,
    })
}

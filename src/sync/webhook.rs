//! The webhook connector: batches of records (`upsert` / `exit`) posted as
//! JSON with Standard Webhooks headers — a `webhook-id` that stays the same
//! when a batch is retried and differs for every other batch (the
//! receiver's idempotency key), the
//! timestamp, and an HMAC-SHA256 signature — retried with backoff and
//! `Retry-After`; any 2xx acknowledges the batch, 410 disables the
//! destination. [`sign`] is the one signing code (playbook webhooks use it).

use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use serde_json::{Value as Json, json};
use sha2::{Digest, Sha256};

use super::connector::{Connector, Rejected, Stop, SyncControl};
use super::http::{Http, HttpRequest};
use super::plan::{KindPlan, Record, SyncPlan};
use super::retry::{Retries, short_body};
use super::{SyncError, secret_from_env};
use crate::model::destination::{Destination, RECORDS_PER_BATCH};

/// The key a Standard Webhooks secret names: a `whsec_` secret is base64
/// after the prefix; any other secret is used as its bytes.
pub fn signing_key(secret: &str) -> Result<Vec<u8>, String> {
    match secret.strip_prefix("whsec_") {
        Some(encoded) => STANDARD
            .decode(encoded.trim())
            .map_err(|error| format!("a whsec_ secret must be base64 after the prefix ({error})")),
        None => Ok(secret.as_bytes().to_vec()),
    }
}

/// `v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<body>")>`.
pub fn sign(key: &[u8], id: &str, timestamp: i64, body: &[u8]) -> String {
    // HMAC takes a key of any length.
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC accepts any key length");
    mac.update(id.as_bytes());
    mac.update(b".");
    mac.update(timestamp.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

pub struct Webhook {
    http: Http,
    name: String,
    url: String,
    key: Option<Vec<u8>>,
    requests: u64,
    rate_limited: Duration,
    /// This run's connector, told apart from every other (the clock and
    /// the process), and the batches it has sent: what makes ids unique.
    instance: String,
    batches: u64,
}

impl Webhook {
    pub fn open(destination: &Destination) -> Result<Webhook, SyncError> {
        let url = destination.url.clone().ok_or_else(|| {
            SyncError::Plan(format!(
                "destination \"{}\" has no `url`: give it `url \"https://...\"`",
                destination.name
            ))
        })?;
        let key = match &destination.secret_env {
            None => None,
            Some(variable) => {
                let secret = secret_from_env(&destination.name, variable, "webhook secret")?;
                Some(signing_key(&secret).map_err(|reason| {
                    SyncError::Plan(format!(
                        "the webhook secret of destination \"{}\" in {variable} is not usable: {reason}",
                        destination.name
                    ))
                })?)
            }
        };
        Ok(Webhook {
            http: Http::new(),
            name: destination.name.clone(),
            url,
            key,
            requests: 0,
            rate_limited: Duration::ZERO,
            instance: format!(
                "{}/{}/{}",
                destination.name,
                crate::workspace::clock_now(),
                std::process::id()
            ),
            batches: 0,
        })
    }
}

/// The body of one batch.
pub fn batch_body(destination: &str, kind: &KindPlan, records: &[&Record]) -> Json {
    json!({
        "destination": destination,
        "kind": kind.kind().as_str(),
        "records": records.iter().map(|record| record_json(record)).collect::<Vec<Json>>(),
    })
}

pub fn record_json(record: &Record) -> Json {
    json!({
        "key": record.key,
        "op": record.op.word(),
        "properties": Json::Object(record.payload.clone()),
    })
}

/// A delivery's id: the same for every try of one batch (so a receiver
/// can tell a retry), different for every batch — even one whose body is
/// byte for byte an earlier one's (an entity that left, came back and left
/// again), which a receiver that drops repeated ids must still take.
fn message_id(connector: &str, batch: u64, body: &[u8]) -> String {
    let mut hasher = Sha256::new();
    hasher.update(connector.as_bytes());
    hasher.update(batch.to_le_bytes());
    hasher.update(body);
    let digest = hasher.finalize();
    let hex: String = digest[..16]
        .iter()
        .map(|byte| format!("{byte:02x}"))
        .collect();
    format!("msg_{hex}")
}

impl Connector for Webhook {
    fn prepare(&mut self, _plan: &SyncPlan, _control: &mut dyn SyncControl) -> Result<(), Stop> {
        Ok(())
    }

    fn send(
        &mut self,
        kind: &KindPlan,
        records: &[&Record],
        control: &mut dyn SyncControl,
    ) -> Result<Rejected, Stop> {
        let body = batch_body(&self.name, kind, records)
            .to_string()
            .into_bytes();
        self.batches += 1;
        let id = message_id(&self.instance, self.batches, &body);
        let endpoint = format!("the webhook at {}", self.url);
        let mut retries = Retries::new(&endpoint, &self.name, &mut self.rate_limited);
        loop {
            // Signed anew each try (the timestamp moves); the id stays.
            let timestamp = crate::workspace::clock_now().div_euclid(1_000_000);
            let mut headers = vec![
                ("content-type", "application/json".to_string()),
                ("webhook-id", id.clone()),
                ("webhook-timestamp", timestamp.to_string()),
            ];
            if let Some(key) = &self.key {
                headers.push(("webhook-signature", sign(key, &id, timestamp, &body)));
            }
            self.requests += 1;
            let answer = self.http.send(HttpRequest {
                method: "POST",
                url: &self.url,
                headers,
                body: Some(body.clone()),
            });
            let Some(response) = retries.judge(answer, control)? else {
                continue;
            };
            return match response.status {
                200..=299 => Ok(Vec::new()),
                410 => Err(Stop::Gone {
                    address: self.url.clone(),
                    reason: format!(
                        "the webhook of destination \"{}\" at {} answered 410 Gone: the destination is disabled until its url changes",
                        self.name, self.url
                    ),
                }),
                401 | 403 => Err(Stop::Refused(format!(
                    "the webhook of destination \"{}\" at {} refused the request ({}): check its secret",
                    self.name, self.url, response.status
                ))),
                status => {
                    let reason = format!(
                        "the webhook answered {status}{}",
                        short_body(&response.body)
                    );
                    Ok(records
                        .iter()
                        .map(|record| (record.key.clone(), reason.clone()))
                        .collect())
                }
            };
        }
    }

    fn batch_size(&self) -> usize {
        RECORDS_PER_BATCH
    }

    fn requests(&self) -> u64 {
        self.requests
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Standard Webhooks specification's published example.
    #[test]
    fn signs_as_the_standard_says() {
        let key = signing_key("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").unwrap();
        let signature = sign(
            &key,
            "msg_p5jXN8AQM9LWM0D4loKWxJek",
            1614265330,
            br#"{"test": 2432232314}"#,
        );
        assert_eq!(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    }

    #[test]
    fn a_bad_whsec_secret_is_refused() {
        assert!(signing_key("whsec_!!!").is_err());
        assert_eq!(signing_key("plain").unwrap(), b"plain");
    }

    #[test]
    fn every_batch_gets_an_id_of_its_own() {
        assert_eq!(message_id("run", 1, b"{}"), message_id("run", 1, b"{}"));
        assert_ne!(message_id("run", 1, b"{}"), message_id("run", 2, b"{}"));
        assert_ne!(message_id("run", 1, b"{}"), message_id("other", 1, b"{}"));
    }
}

//! A stateful fake of HubSpot's CRM v3 on a loopback port, for the sync
//! tests: bearer auth, the properties endpoints, batch upserts of contacts
//! and companies, the rolling rate limit with its headers, and faults a
//! test queues (429s, 5xx, timeouts, 207s, 400s, 401s). It refuses what
//! HubSpot refuses (bodies that break the OpenAPI schemas: `schema`; values
//! the portal's properties do not take: `crm`, `properties`), so a sync
//! that passes here sends what the real API accepts. It keeps every
//! request for the test to inspect, except the token, which it only
//! compares.
#![allow(dead_code)]

mod crm;
mod handler;
mod properties;
mod schema;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::loopback::Loopback;
use crm::Refusal;
use handler::{State, now};

/// An answer the fake gives instead of (or on top of) the normal one, to the
/// next request that matches.
#[derive(Clone, Debug, PartialEq)]
pub enum Fault {
    /// 429 with the ten-secondly body; `Retry-After: n` when given.
    RateLimited { retry_after_secs: Option<u64> },
    /// 429 with `"policyName":"DAILY"`: stop for the day.
    DailyLimit,
    /// 500 with HubSpot's error body; nothing applied.
    ServerError,
    /// Holds the request this long without applying it, then answers 504:
    /// a client whose timeout is shorter sees a timeout.
    Timeout(Duration),
    /// Applies the request normally but answers only after this long: the
    /// write happened, the client may not know it.
    LateAnswer(Duration),
    /// 207 Multi-Status: inputs with these ids fail (one error each, with
    /// `context.ids`), the rest are applied.
    PartialFailure(Vec<String>),
    /// A whole-batch 400 VALIDATION_ERROR; nothing applied.
    BadRequest,
    /// 401 whatever the token.
    Unauthorized,
    /// 403 MISSING_SCOPES.
    Forbidden,
}

/// Which requests a queued fault waits for.
#[derive(Clone, Debug, PartialEq)]
pub enum Match {
    Any,
    /// A batch upsert of any object type.
    Upserts,
    /// A batch upsert of this object type (`contacts`, `companies`).
    UpsertsOf(String),
    /// Batch updates (what an exit is sent as).
    Updates,
    /// Any properties request (read or write).
    Properties,
    /// A property create or update.
    PropertyWrites,
}

/// One request as the fake saw it. The Authorization header is not kept:
/// only whether it carried the fake's token.
#[derive(Clone, Debug)]
pub struct LoggedRequest {
    pub method: String,
    /// Path and query.
    pub path: String,
    /// The body as JSON, when it was JSON.
    pub body: Option<Value>,
    pub auth_matched: bool,
    /// The status the fake answered.
    pub status: u16,
}

pub struct FakeHubSpot {
    state: Arc<Mutex<State>>,
    server: Loopback,
}

impl FakeHubSpot {
    /// A fresh portal (the built-in contact and company properties, no
    /// objects) that accepts `Authorization: Bearer <token>`.
    pub fn start(token: &str) -> FakeHubSpot {
        let state = Arc::new(Mutex::new(State::new(token)));
        let server = {
            let state = Arc::clone(&state);
            Loopback::start(move |incoming| state.lock().unwrap().handle(&incoming))
        };
        FakeHubSpot { state, server }
    }

    /// What a destination's `base_url` is set to (no trailing slash).
    pub fn base_url(&self) -> String {
        self.server.base_url()
    }

    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap()
    }

    /// Queues `fault` for the next request that `matches`; faults are used
    /// once each, in the order queued.
    pub fn inject(&self, fault: Fault, matches: Match) {
        self.state().faults.push_back((matches, fault));
    }

    /// Queues `fault` for each of the next `n` batch upserts.
    pub fn fail_next_upserts(&self, n: usize, fault: Fault) {
        for _ in 0..n {
            self.inject(fault.clone(), Match::Upserts);
        }
    }

    /// Faults queued and not yet used.
    pub fn pending_faults(&self) -> usize {
        self.state().faults.len()
    }

    /// Every answer waits this long after the request is applied (zero by
    /// default), so a test can stop a client mid-run.
    pub fn set_delay(&self, delay: Duration) {
        self.state().delay = delay;
    }

    /// At most `max` requests per rolling `interval` (190 per 10 s by
    /// default); beyond it the fake answers 429 TEN_SECONDLY_ROLLING itself.
    pub fn set_rate_limit(&self, max: usize, interval: Duration) {
        let mut state = self.state();
        state.limit.max = max;
        state.limit.interval = interval;
    }

    /// Whether the fake's own 429s carry `Retry-After` (they do not by default).
    pub fn set_rate_limit_retry_after(&self, seconds: Option<u64>) {
        self.state().limit.retry_after = seconds;
    }

    /// Creates a property as `POST /crm/v3/properties/{object}` would (no
    /// request logged); panics when HubSpot would refuse it.
    pub fn create_property(&self, object: &str, body: Value) {
        // The lock is let go before a panic, so the fake outlives it.
        let created = {
            let mut state = self.state();
            schema::check_property_create(&body)
                .map_err(Refusal::validation)
                .and_then(|()| state.crm.create_property(object, &body, &now()).map(|_| ()))
        };
        if let Err(refusal) = created {
            panic!("the fake refuses the property: {refusal:?}");
        }
    }

    /// Upserts one object as a batch of one would (no request logged);
    /// returns its HubSpot id. Panics when HubSpot would refuse it.
    pub fn seed_object(
        &self,
        object: &str,
        id_property: &str,
        id: &str,
        properties: &[(&str, &str)],
    ) -> String {
        let properties: serde_json::Map<String, Value> = properties
            .iter()
            .map(|(name, value)| (name.to_string(), Value::from(*value)))
            .collect();
        let body =
            json!({"inputs": [{"idProperty": id_property, "id": id, "properties": properties}]});
        let upserted = self.state().crm.upsert(object, &body, &[], true, &now());
        let upserted =
            upserted.unwrap_or_else(|refusal| panic!("the fake refuses the object: {refusal:?}"));
        upserted.results[0]["id"].as_str().unwrap().to_string()
    }

    /// The objects of a type, by the value of the unique property they were
    /// last upserted by, with the values they hold (a cleared value is
    /// absent; HubSpot's own hs_object_id and dates are left out).
    pub fn objects(&self, object: &str) -> BTreeMap<String, BTreeMap<String, String>> {
        self.state()
            .crm
            .records(object)
            .into_iter()
            .map(|record| (record.key.clone(), record.properties.clone()))
            .collect()
    }

    /// The HubSpot id of each object, by the same key as `objects`.
    pub fn hubspot_ids(&self, object: &str) -> BTreeMap<String, String> {
        self.state()
            .crm
            .records(object)
            .into_iter()
            .map(|record| (record.key.clone(), record.id.to_string()))
            .collect()
    }

    /// A property as `GET /crm/v3/properties/{object}/{name}` answers it.
    pub fn property(&self, object: &str, name: &str) -> Option<Value> {
        self.state()
            .crm
            .property(object, name)
            .ok()
            .map(|property| property.to_json())
    }

    /// The option values of an enumeration property, in its order.
    pub fn option_values(&self, object: &str, name: &str) -> Vec<String> {
        self.state()
            .crm
            .property(object, name)
            .map(|property| property.options.iter().map(|o| o.value.clone()).collect())
            .unwrap_or_default()
    }

    /// Every request so far, in arrival order.
    pub fn requests(&self) -> Vec<LoggedRequest> {
        self.state().log.clone()
    }

    pub fn total_requests(&self) -> usize {
        self.state().log.len()
    }

    /// Requests to a batch upsert endpoint, whatever was answered.
    pub fn upsert_requests(&self) -> usize {
        self.state().upserted_ids.len()
    }

    /// Requests to a batch update endpoint, whatever was answered.
    pub fn update_requests(&self) -> usize {
        let state = self.state();
        state
            .log
            .iter()
            .filter(|request| request.path.ends_with("/batch/update"))
            .count()
    }

    /// Deletes a record, as a user deleting a contact in HubSpot would.
    pub fn delete_object(&self, object: &str, key_property: &str, key: &str) {
        self.state().crm.delete_record(object, key_property, key);
    }

    /// Requests to a properties endpoint, whatever was answered.
    pub fn property_requests(&self) -> usize {
        let state = self.state();
        state
            .log
            .iter()
            .filter(|request| request.path.starts_with("/crm/v3/properties/"))
            .count()
    }

    /// The ids each batch upsert request carried, one list per request, in
    /// arrival order, whatever was answered.
    pub fn upserted_ids(&self) -> Vec<Vec<String>> {
        self.state().upserted_ids.clone()
    }

    /// Waits until at least `n` batch upserts have arrived; false when
    /// `timeout` passes first.
    pub fn wait_for_upserts(&self, n: usize, timeout: Duration) -> bool {
        let deadline = Instant::now() + timeout;
        while self.upsert_requests() < n {
            if Instant::now() >= deadline {
                return false;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        true
    }
}

//! A stateful fake of HubSpot's CRM v3 on a loopback port, for the sync
//! tests: bearer auth, the properties endpoints, batch upserts of contacts
//! and companies, the rolling rate limit with its headers, and faults a
//! test queues (429s, 5xx, timeouts, 207s, 400s, 401s). It refuses what
//! HubSpot refuses (bodies that break the OpenAPI schemas: `schema`; values
//! the portal's properties do not take: `crm`), so a sync that passes here
//! sends what the real API accepts. It keeps every request for the test to
//! inspect, except the token, which it only compares.
#![allow(dead_code)]

mod crm;
mod schema;

use std::collections::{BTreeMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::support::loopback::{Answer, Incoming, Loopback};
use crm::{Crm, Refusal};

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
        let upserted = self.state().crm.upsert(object, &body, &[], &now());
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

/// The rolling window of counted requests.
struct RateLimit {
    max: usize,
    interval: Duration,
    retry_after: Option<u64>,
    window: VecDeque<Instant>,
}

impl RateLimit {
    /// Counts a request; false when the window is full (not counted then).
    fn admit(&mut self, now: Instant) -> bool {
        while self
            .window
            .front()
            .is_some_and(|at| now.duration_since(*at) >= self.interval)
        {
            self.window.pop_front();
        }
        if self.window.len() >= self.max {
            return false;
        }
        self.window.push_back(now);
        true
    }

    fn headers(&self, answer: Answer) -> Answer {
        answer
            .with_header("X-HubSpot-RateLimit-Max", self.max)
            .with_header(
                "X-HubSpot-RateLimit-Remaining",
                self.max.saturating_sub(self.window.len()),
            )
            .with_header(
                "X-HubSpot-RateLimit-Interval-Milliseconds",
                self.interval.as_millis(),
            )
    }
}

/// Which endpoint a request is for.
#[derive(Debug, PartialEq)]
enum Route {
    GetProperty {
        object: String,
        name: String,
    },
    CreateProperty {
        object: String,
    },
    UpdateProperty {
        object: String,
        name: String,
    },
    Upsert {
        object: String,
    },
    /// A known path with a method it does not take.
    WrongMethod,
    Unknown,
}

impl Route {
    fn of(method: &str, path: &str) -> Route {
        let parts: Vec<&str> = path.trim_end_matches('/').split('/').collect();
        let owned = |part: &str| part.to_string();
        match (method, parts.as_slice()) {
            ("GET", ["", "crm", "v3", "properties", object, name]) => Route::GetProperty {
                object: owned(object),
                name: owned(name),
            },
            ("PATCH", ["", "crm", "v3", "properties", object, name]) => Route::UpdateProperty {
                object: owned(object),
                name: owned(name),
            },
            ("POST", ["", "crm", "v3", "properties", object]) => Route::CreateProperty {
                object: owned(object),
            },
            ("POST", ["", "crm", "v3", "objects", object, "batch", "upsert"]) => Route::Upsert {
                object: owned(object),
            },
            (_, ["", "crm", "v3", "properties", _, _])
            | (_, ["", "crm", "v3", "properties", _])
            | (_, ["", "crm", "v3", "objects", _, "batch", "upsert"]) => Route::WrongMethod,
            _ => Route::Unknown,
        }
    }

    fn is_property(&self) -> bool {
        matches!(
            self,
            Route::GetProperty { .. } | Route::CreateProperty { .. } | Route::UpdateProperty { .. }
        )
    }

    fn matches(&self, wanted: &Match) -> bool {
        match wanted {
            Match::Any => true,
            Match::Upserts => matches!(self, Route::Upsert { .. }),
            Match::UpsertsOf(of) => matches!(self, Route::Upsert { object } if object == of),
            Match::Properties => self.is_property(),
            Match::PropertyWrites => matches!(
                self,
                Route::CreateProperty { .. } | Route::UpdateProperty { .. }
            ),
        }
    }
}

struct State {
    token: String,
    crm: Crm,
    faults: VecDeque<(Match, Fault)>,
    delay: Duration,
    limit: RateLimit,
    log: Vec<LoggedRequest>,
    upserted_ids: Vec<Vec<String>>,
    errors_answered: u64,
}

impl State {
    fn new(token: &str) -> State {
        State {
            token: token.to_string(),
            crm: Crm::new(&now()),
            faults: VecDeque::new(),
            delay: Duration::ZERO,
            limit: RateLimit {
                max: 190,
                interval: Duration::from_secs(10),
                retry_after: None,
                window: VecDeque::new(),
            },
            log: Vec::new(),
            upserted_ids: Vec::new(),
            errors_answered: 0,
        }
    }

    fn handle(&mut self, incoming: &Incoming) -> Answer {
        let route = Route::of(&incoming.method, incoming.path());
        let body: Option<Result<Value, String>> = (!incoming.body.is_empty()).then(|| {
            std::str::from_utf8(&incoming.body)
                .map_err(|error| error.to_string())
                .and_then(|text| serde_json::from_str(text).map_err(|error| error.to_string()))
        });
        let auth_matched =
            incoming.header("authorization") == Some(format!("Bearer {}", self.token).as_str());
        if let (Route::Upsert { .. }, Some(Ok(body))) = (&route, &body) {
            let ids = body["inputs"]
                .as_array()
                .map(|inputs| {
                    inputs
                        .iter()
                        .map(|input| match &input["id"] {
                            Value::String(id) => id.clone(),
                            other => other.to_string(),
                        })
                        .collect()
                })
                .unwrap_or_default();
            self.upserted_ids.push(ids);
        } else if matches!(route, Route::Upsert { .. }) {
            self.upserted_ids.push(Vec::new());
        }
        let mut answer = self.decide(&route, incoming, body.as_ref(), auth_matched);
        self.log.push(LoggedRequest {
            method: incoming.method.clone(),
            path: incoming.url.clone(),
            body: body.and_then(Result::ok),
            auth_matched,
            status: answer.status,
        });
        answer.delay += self.delay;
        self.limit.headers(answer)
    }

    fn decide(
        &mut self,
        route: &Route,
        incoming: &Incoming,
        body: Option<&Result<Value, String>>,
        auth_matched: bool,
    ) -> Answer {
        if !auth_matched {
            return self.unauthorized();
        }
        if !self.limit.admit(Instant::now()) {
            let answer = self.rate_limited("ten_secondly_rolling", "TEN_SECONDLY_ROLLING");
            return match self.limit.retry_after {
                Some(seconds) => answer.with_header("Retry-After", seconds),
                None => answer,
            };
        }
        let fault = self
            .faults
            .iter()
            .position(|(wanted, _)| route.matches(wanted))
            .and_then(|index| self.faults.remove(index))
            .map(|(_, fault)| fault);
        let mut fail_ids = Vec::new();
        let mut delay = Duration::ZERO;
        match fault {
            None => {}
            Some(Fault::RateLimited { retry_after_secs }) => {
                let answer = self.rate_limited("ten_secondly_rolling", "TEN_SECONDLY_ROLLING");
                return match retry_after_secs {
                    Some(seconds) => answer.with_header("Retry-After", seconds),
                    None => answer,
                };
            }
            Some(Fault::DailyLimit) => return self.rate_limited("daily", "DAILY"),
            Some(Fault::ServerError) => {
                return self.error(500, "INTERNAL_ERROR", "Internal error (injected)", vec![]);
            }
            Some(Fault::Timeout(hold)) => {
                let mut answer = self.error(
                    504,
                    "GATEWAY_TIMEOUT",
                    "The request timed out (injected)",
                    vec![],
                );
                answer.delay = hold;
                return answer;
            }
            Some(Fault::BadRequest) => {
                return self.error(
                    400,
                    "VALIDATION_ERROR",
                    "The batch was refused (injected)",
                    vec![],
                );
            }
            Some(Fault::Unauthorized) => return self.unauthorized(),
            Some(Fault::Forbidden) => {
                return self.error(
                    403,
                    "MISSING_SCOPES",
                    "This app hasn't been granted all required scopes to make this call.",
                    vec![],
                );
            }
            Some(Fault::LateAnswer(late)) => delay = late,
            Some(Fault::PartialFailure(ids)) => fail_ids = ids,
        }
        let mut answer = self.route(route, incoming, body, &fail_ids);
        answer.delay = delay;
        answer
    }

    fn route(
        &mut self,
        route: &Route,
        incoming: &Incoming,
        body: Option<&Result<Value, String>>,
        fail_ids: &[String],
    ) -> Answer {
        let now = now();
        let needs_body = !matches!(
            route,
            Route::GetProperty { .. } | Route::WrongMethod | Route::Unknown
        );
        let body = if needs_body {
            let json_type = incoming
                .header("content-type")
                .is_some_and(|kind| kind.trim_start().starts_with("application/json"));
            if !json_type {
                return self.error(
                    415,
                    "VALIDATION_ERROR",
                    "Content-Type must be application/json",
                    vec![],
                );
            }
            match body {
                Some(Ok(body)) => body,
                Some(Err(error)) => {
                    return self
                        .refused(Refusal::validation(format!("Invalid input JSON: {error}")));
                }
                None => return self.refused(Refusal::validation("A JSON body is required")),
            }
        } else {
            &Value::Null
        };
        let outcome = match route {
            Route::GetProperty { object, name } => self
                .crm
                .property(object, name)
                .map(|property| (200, property.to_json())),
            Route::CreateProperty { object } => schema::check_property_create(body)
                .map_err(Refusal::validation)
                .and_then(|()| self.crm.create_property(object, body, &now))
                .map(|property| (201, property.to_json())),
            Route::UpdateProperty { object, name } => schema::check_property_update(body)
                .map_err(Refusal::validation)
                .and_then(|()| self.crm.update_property(object, name, body, &now))
                .map(|property| (200, property.to_json())),
            Route::Upsert { object } => schema::check_batch_upsert(body)
                .map_err(Refusal::validation)
                .and_then(|()| self.crm.upsert(object, body, fail_ids, &now))
                .map(|upserted| upsert_answer(upserted, &now)),
            Route::WrongMethod => Err(Refusal {
                status: 405,
                category: "VALIDATION_ERROR",
                message: format!("Method {} is not allowed here", incoming.method),
                errors: vec![],
            }),
            Route::Unknown => Err(Refusal {
                status: 404,
                category: "OBJECT_NOT_FOUND",
                message: format!("No endpoint at {}", incoming.path()),
                errors: vec![],
            }),
        };
        match outcome {
            Ok((status, body)) => Answer::json(status, &body),
            Err(refusal) => self.refused(refusal),
        }
    }

    fn refused(&mut self, refusal: Refusal) -> Answer {
        self.error(
            refusal.status,
            refusal.category,
            &refusal.message,
            refusal.errors,
        )
    }

    /// HubSpot's `Error` body: category, correlationId and message are
    /// required; status is "error".
    fn error(&mut self, status: u16, category: &str, message: &str, errors: Vec<Value>) -> Answer {
        let mut body = json!({
            "status": "error",
            "message": message,
            "correlationId": self.correlation_id(),
            "category": category,
        });
        if !errors.is_empty() {
            body["errors"] = Value::Array(errors);
        }
        Answer::json(status, &body)
    }

    fn unauthorized(&mut self) -> Answer {
        self.error(
            401,
            "INVALID_AUTHENTICATION",
            "Authentication credentials not found or not valid for this portal.",
            vec![],
        )
    }

    fn rate_limited(&mut self, limit: &str, policy: &str) -> Answer {
        let body = json!({
            "status": "error",
            "message": format!("You have reached your {limit} limit."),
            "errorType": "RATE_LIMIT",
            "correlationId": self.correlation_id(),
            "policyName": policy,
        });
        Answer::json(429, &body)
    }

    fn correlation_id(&mut self) -> String {
        self.errors_answered += 1;
        format!("00000000-0000-4000-8000-{:012x}", self.errors_answered)
    }
}

/// 200 `BatchResponseSimplePublicUpsertObject`, or 207 `…WithErrors` when
/// some inputs failed.
fn upsert_answer(upserted: crm::Upserted, now: &str) -> (u16, Value) {
    let mut body = json!({
        "status": "COMPLETE",
        "results": upserted.results,
        "requestedAt": now,
        "startedAt": now,
        "completedAt": now,
    });
    if upserted.errors.is_empty() {
        return (200, body);
    }
    body["numErrors"] = Value::from(upserted.errors.len());
    body["errors"] = Value::Array(upserted.errors);
    (207, body)
}

/// ISO 8601 with milliseconds, as HubSpot writes its timestamps.
fn now() -> String {
    format!("{:.3}", jiff::Timestamp::now())
}

//! How the fake HubSpot answers one request, in HubSpot's order: the
//! token, then the rolling rate limit, then a queued fault, then the
//! endpoint (the body's shape by `schema`, its meaning by `crm`). Every
//! answer carries the rate-limit headers; every request is logged.
#![allow(dead_code)]

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::crm::{self, Crm, Refusal};
use super::{Fault, LoggedRequest, Match, schema};
use crate::support::loopback::{Answer, Incoming};

/// The rolling window of counted requests.
pub struct RateLimit {
    pub max: usize,
    pub interval: Duration,
    pub retry_after: Option<u64>,
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
    /// `batch/update`: writes existing records only.
    Update {
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
            ("POST", ["", "crm", "v3", "objects", object, "batch", "update"]) => Route::Update {
                object: owned(object),
            },
            (_, ["", "crm", "v3", "properties", _, _])
            | (_, ["", "crm", "v3", "properties", _])
            | (_, ["", "crm", "v3", "objects", _, "batch", "upsert"])
            | (_, ["", "crm", "v3", "objects", _, "batch", "update"]) => Route::WrongMethod,
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
            Match::Updates => matches!(self, Route::Update { .. }),
            Match::Properties => self.is_property(),
            Match::PropertyWrites => matches!(
                self,
                Route::CreateProperty { .. } | Route::UpdateProperty { .. }
            ),
        }
    }
}

pub struct State {
    token: String,
    pub crm: Crm,
    pub faults: VecDeque<(Match, Fault)>,
    pub delay: Duration,
    pub limit: RateLimit,
    pub log: Vec<LoggedRequest>,
    pub upserted_ids: Vec<Vec<String>>,
    errors_answered: u64,
}

impl State {
    pub fn new(token: &str) -> State {
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

    pub fn handle(&mut self, incoming: &Incoming) -> Answer {
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
                .and_then(|()| self.crm.upsert(object, body, fail_ids, true, &now))
                .map(|upserted| upsert_answer(upserted, &now)),
            // The same input shape as an upsert; records not there fail
            // (OBJECT_NOT_FOUND) instead of being made.
            Route::Update { object } => schema::check_batch_upsert(body)
                .map_err(Refusal::validation)
                .and_then(|()| self.crm.upsert(object, body, fail_ids, false, &now))
                .map(|updated| upsert_answer(updated, &now)),
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
pub fn now() -> String {
    format!("{:.3}", jiff::Timestamp::now())
}

//! The HubSpot connector, against CRM API v3: before any upsert it makes
//! sure every mapped property exists with the type the mapping needs (a
//! multi-select's options a superset of the values that will be sent, the
//! companies' key a unique property), then upserts batches of at most 100
//! by the key property. It paces itself by HubSpot's rate limit headers,
//! waits out 429s (stopping for the day on the daily limit), backs off on
//! 5xx and timeouts, stops on 401/403 naming the destination (never the
//! token), and reads per-record failures from 207 and 400 answers. The
//! properties are `properties.rs`'s.

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::{Value as Json, json};

use super::connector::{Connector, Rejected, Stop, SyncControl};
use super::http::{Http, HttpRequest, HttpResponse};
use super::pace::Pace;
use super::plan::{KindPlan, Record, RecordOp, SyncPlan};
use super::retry::{Retries, short_body};
use super::{SyncError, json_text, secret_from_env};
use crate::model::destination::{Destination, RECORDS_PER_BATCH};
use crate::model::fold_name;

mod properties;

pub use properties::{check_plan, wanted_properties};

pub const DEFAULT_BASE_URL: &str = "https://api.hubapi.com";

/// A payload value as HubSpot takes it: always a string; lists joined with
/// `;`, nothing (or an empty list) as the empty string, which clears.
pub fn wire_value(value: &Json) -> String {
    match value {
        Json::Array(items) => items
            .iter()
            .map(json_text)
            .collect::<Vec<String>>()
            .join(";"),
        other => json_text(other),
    }
}

/// The body of one batch upsert.
pub fn upsert_body(kind: &KindPlan, records: &[&Record]) -> Json {
    let key = kind.sync.key();
    let inputs: Vec<Json> = records
        .iter()
        .map(|record| {
            let properties: serde_json::Map<String, Json> = record
                .payload
                .iter()
                .map(|(name, value)| (name.clone(), Json::String(wire_value(value))))
                .collect();
            json!({
                "idProperty": key.target(),
                "id": record.key,
                "properties": properties,
            })
        })
        .collect();
    json!({ "inputs": inputs })
}

pub struct HubSpot {
    http: Http,
    name: String,
    base_url: String,
    token: String,
    /// The variable the token came from, for messages.
    token_variable: String,
    pace: Pace,
    requests: u64,
    rate_limited: Duration,
}

impl HubSpot {
    pub fn open(destination: &Destination) -> Result<HubSpot, SyncError> {
        let variable = destination.token_env.clone().ok_or_else(|| {
            SyncError::Plan(format!(
                "destination \"{}\" has no token: give it `token env \"HUBSPOT_TOKEN\"` (the private app token is read from that variable, never stored)",
                destination.name
            ))
        })?;
        let token = secret_from_env(&destination.name, &variable, "HubSpot token")?;
        Ok(HubSpot {
            http: Http::new(),
            name: destination.name.clone(),
            base_url: destination
                .base_url
                .clone()
                .unwrap_or_else(|| DEFAULT_BASE_URL.to_string())
                .trim_end_matches('/')
                .to_string(),
            token: token.trim().to_string(),
            token_variable: variable,
            pace: Pace::new(destination.rate_limit()),
            requests: 0,
            rate_limited: Duration::ZERO,
        })
    }

    /// One request, paced and retried: 429s waited out, 5xx and missing
    /// answers backed off; 401/403 and the daily limit stop the run. Any
    /// other answer is the caller's to read.
    fn call(
        &mut self,
        method: &'static str,
        path: &str,
        body: Option<&Json>,
        control: &mut dyn SyncControl,
    ) -> Result<HttpResponse, Stop> {
        let url = format!("{}{path}", self.base_url);
        let bytes = body.map(|body| body.to_string().into_bytes());
        let endpoint = format!("HubSpot at {}", self.base_url);
        let mut retries = Retries::new(&endpoint, &self.name, &mut self.rate_limited);
        loop {
            self.pace.before_request(control)?;
            self.requests += 1;
            let mut headers = vec![("authorization", format!("Bearer {}", self.token))];
            if bytes.is_some() {
                headers.push(("content-type", "application/json".to_string()));
            }
            let answer = self.http.send(HttpRequest {
                method,
                url: &url,
                headers,
                body: bytes.clone(),
            });
            if let Ok(response) = &answer {
                self.pace.observe(response);
                match response.status {
                    401 => {
                        return Err(Stop::Refused(format!(
                            "HubSpot refused the token of destination \"{}\" (401 Unauthorized): the private app token in {} is wrong, expired or revoked",
                            self.name, self.token_variable
                        )));
                    }
                    403 => {
                        return Err(Stop::Refused(format!(
                            "HubSpot refused destination \"{}\" access to {method} {path} (403 Forbidden): give the private app the CRM scopes for the object (read, write, and schema write to create properties)",
                            self.name
                        )));
                    }
                    429 if policy_of(response).as_deref() == Some("DAILY") => {
                        return Err(Stop::Refused(format!(
                            "HubSpot's daily API limit for destination \"{}\" is used up (429, policy DAILY): it resets at midnight in the HubSpot account's time zone; the next run after that sends the rest",
                            self.name
                        )));
                    }
                    _ => {}
                }
            }
            if let Some(response) = retries.judge(answer, control)? {
                return Ok(response);
            }
        }
    }

    fn refused(&self, doing: &str, status: u16, response: &HttpResponse) -> Stop {
        Stop::Refused(format!(
            "HubSpot answered {status} to destination \"{}\" {doing}{}",
            self.name,
            short_body(&response.body)
        ))
    }
}

/// A 429's `policyName` (`DAILY`, `TEN_SECONDLY_ROLLING`).
fn policy_of(response: &HttpResponse) -> Option<String> {
    response
        .json()
        .and_then(|body| body.get("policyName")?.as_str().map(str::to_string))
}

impl HubSpot {
    /// One batch write (`upsert` or `update`) of these records; the
    /// records refused, with HubSpot's reasons. An update of a record that
    /// is not there (deleted in HubSpot) is done: there is nothing to clear.
    fn write(
        &mut self,
        kind: &KindPlan,
        endpoint: &str,
        mut sending: Vec<&Record>,
        control: &mut dyn SyncControl,
    ) -> Result<Rejected, Stop> {
        let path = format!("/crm/v3/objects/{}/batch/{endpoint}", kind.sync.object());
        let mut rejected: Rejected = Vec::new();
        while !sending.is_empty() {
            let response = self.call("POST", &path, Some(&upsert_body(kind, &sending)), control)?;
            match response.status {
                200 | 201 => break,
                207 => {
                    rejected.extend(
                        multi_status_failures(&response, &sending)
                            .into_iter()
                            .filter(|(_, reason)| {
                                !(endpoint == "update" && reason.starts_with(NOT_FOUND))
                            }),
                    );
                    break;
                }
                404 => {
                    return Err(Stop::Refused(format!(
                        "HubSpot has no object type `{}` (404 on {path}) for destination \"{}\"",
                        kind.sync.object(),
                        self.name
                    )));
                }
                status => {
                    // HubSpot refuses a whole batch for one bad value, naming
                    // the inputs at fault: those fail with their reason and
                    // the rest go again without them (each round is smaller).
                    let named = refused_inputs(&response, &sending);
                    if !named.is_empty() {
                        sending.retain(|record| !named.iter().any(|(key, _)| *key == record.key));
                        rejected.extend(named);
                        continue;
                    }
                    let reason = format!(
                        "HubSpot refused the batch ({status}){}",
                        short_body(&response.body)
                    );
                    rejected.extend(
                        sending
                            .iter()
                            .map(|record| (record.key.clone(), reason.clone())),
                    );
                    break;
                }
            }
        }
        Ok(rejected)
    }
}

/// How a 207 failure's reason begins when HubSpot has no such record.
const NOT_FOUND: &str = "OBJECT_NOT_FOUND:";

impl Connector for HubSpot {
    fn prepare(&mut self, plan: &SyncPlan, control: &mut dyn SyncControl) -> Result<(), Stop> {
        for kind in &plan.kinds {
            if kind.to_send_count() == 0 {
                continue;
            }
            let object = kind.sync.object().to_string();
            let mut seen = BTreeSet::new();
            for wanted in wanted_properties(kind) {
                if seen.insert(fold_name(&wanted.name)) {
                    self.ensure(&object, &wanted, true, control)?;
                }
            }
        }
        Ok(())
    }

    fn send(
        &mut self,
        kind: &KindPlan,
        records: &[&Record],
        control: &mut dyn SyncControl,
    ) -> Result<Rejected, Stop> {
        // Upserts create or update; an exit only updates (`batch/update`),
        // so a record deleted in HubSpot since is not made again. An exit
        // with nothing to clear needs no request: it is forgotten.
        let upserts: Vec<&Record> = records
            .iter()
            .copied()
            .filter(|record| record.op == RecordOp::Upsert)
            .collect();
        let exits: Vec<&Record> = records
            .iter()
            .copied()
            .filter(|record| record.op == RecordOp::Exit && !record.payload.is_empty())
            .collect();
        let mut rejected = self.write(kind, "upsert", upserts, control)?;
        rejected.extend(self.write(kind, "update", exits, control)?);
        Ok(rejected)
    }

    fn batch_size(&self) -> usize {
        RECORDS_PER_BATCH
    }

    fn requests(&self) -> u64 {
        self.requests
    }
}

/// The records a refused batch (400) names in its `errors` (each error's
/// `context.ids`), with each one's code and message; none when it names
/// none of those sent (then the whole batch is refused).
fn refused_inputs(response: &HttpResponse, sent: &[&Record]) -> Rejected {
    let body = response.json().unwrap_or(Json::Null);
    let mut rejected: Rejected = Vec::new();
    for error in body
        .get("errors")
        .and_then(Json::as_array)
        .into_iter()
        .flatten()
    {
        let text = |field: &str| error.get(field).and_then(Json::as_str).unwrap_or("");
        let reason = match (text("code"), text("message")) {
            ("", "") => "refused".to_string(),
            ("", message) => message.to_string(),
            (code, "") => code.to_string(),
            (code, message) => format!("{code}: {message}"),
        };
        let ids = error
            .get("context")
            .and_then(|context| context.get("ids"))
            .and_then(Json::as_array);
        for id in ids.into_iter().flatten().filter_map(Json::as_str) {
            if let Some(record) = sent.iter().find(|record| record.key == id)
                && !rejected.iter().any(|(key, _)| *key == record.key)
            {
                rejected.push((record.key.clone(), reason.clone()));
            }
        }
    }
    rejected
}

/// Do a 207's results and failures together fall short of what was sent?
fn results_short(body: &Json, sent: usize, rejected: usize) -> bool {
    let results = body
        .get("results")
        .and_then(Json::as_array)
        .map_or(0, Vec::len);
    results + rejected < sent
}

/// The records a 207 answer names as failed, with HubSpot's message. An
/// error that names no ids, or names one not sent, or results that leave
/// records out, fail the whole batch (it is resent next run: upserts are
/// idempotent).
fn multi_status_failures(response: &HttpResponse, sent: &[&Record]) -> Rejected {
    let body = response.json().unwrap_or(Json::Null);
    let errors = body
        .get("errors")
        .and_then(Json::as_array)
        .cloned()
        .unwrap_or_default();
    let mut rejected: Rejected = Vec::new();
    for error in &errors {
        let message = error
            .get("message")
            .and_then(Json::as_str)
            .unwrap_or("rejected")
            .to_string();
        let category = error.get("category").and_then(Json::as_str).unwrap_or("");
        let reason = if category.is_empty() {
            message
        } else {
            format!("{category}: {message}")
        };
        let ids: Vec<&str> = error
            .get("context")
            .and_then(|context| context.get("ids"))
            .and_then(Json::as_array)
            .map(|ids| ids.iter().filter_map(Json::as_str).collect())
            .unwrap_or_default();
        if ids.is_empty() {
            return sent
                .iter()
                .map(|record| (record.key.clone(), reason.clone()))
                .collect();
        }
        for id in ids {
            // HubSpot may give an email back in another case.
            match sent
                .iter()
                .find(|record| record.key.eq_ignore_ascii_case(id))
            {
                Some(record) => rejected.push((record.key.clone(), reason.clone())),
                // A failure that names no record sent cannot be placed:
                // nothing of the batch counts as acknowledged, and the next
                // run resends it (upserts are idempotent).
                None => {
                    let unplaced = format!("HubSpot named {id:?}, which was not sent: {reason}");
                    return sent
                        .iter()
                        .map(|record| (record.key.clone(), unplaced.clone()))
                        .collect();
                }
            }
        }
    }
    // Results and failures must account for every record sent; what they
    // leave out is not known to have gone.
    if results_short(&body, sent.len(), rejected.len()) {
        return sent
            .iter()
            .map(|record| {
                (
                    record.key.clone(),
                    "HubSpot answered 207 without accounting for every record sent".to_string(),
                )
            })
            .collect();
    }
    rejected
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_go_as_strings() {
        assert_eq!(wire_value(&json!(["A", "B"])), "A;B");
        assert_eq!(wire_value(&json!([])), "");
        assert_eq!(wire_value(&Json::Null), "");
        assert_eq!(wire_value(&json!(50)), "50");
        assert_eq!(wire_value(&json!(true)), "true");
        assert_eq!(wire_value(&json!("a\nb")), "a\nb");
    }

    fn answer(body: Json) -> HttpResponse {
        HttpResponse::for_test(207, body.to_string())
    }

    fn records(keys: &[&str]) -> Vec<Record> {
        keys.iter()
            .map(|key| Record {
                key: key.to_string(),
                op: RecordOp::Upsert,
                payload: Default::default(),
                text: "{}".to_string(),
            })
            .collect()
    }

    #[test]
    fn a_207_fails_only_what_it_accounts_for() {
        let sent = records(&["a@x.com", "b@x.com"]);
        let sent: Vec<&Record> = sent.iter().collect();
        let error = |id: &str| json!({"category": "VALIDATION_ERROR", "message": "bad", "context": {"ids": [id]}});
        // One failed (named in another case), one went.
        let named = answer(json!({"results": [{"id": "1"}], "errors": [error("B@x.com")]}));
        let rejected = multi_status_failures(&named, &sent);
        assert_eq!(rejected.len(), 1);
        assert_eq!(rejected[0].0, "b@x.com");
        // A failure naming a record not sent: nothing counts as gone.
        let stranger = answer(json!({"results": [{"id": "1"}], "errors": [error("c@x.com")]}));
        assert_eq!(multi_status_failures(&stranger, &sent).len(), 2);
        // Results and failures that leave a record out: nothing counts as gone.
        let short = answer(json!({"results": [], "errors": [error("a@x.com")]}));
        assert_eq!(multi_status_failures(&short, &sent).len(), 2);
    }
}

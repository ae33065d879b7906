//! The HubSpot connector, against CRM API v3: before any upsert it makes
//! sure every mapped property exists with the type the mapping needs (a
//! multi-select's options a superset of the values that will be sent, the
//! companies' key a unique property), then upserts batches of at most 100
//! by the key property. It paces itself by HubSpot's rate limit headers,
//! waits out 429s (stopping for the day on the daily limit), backs off on
//! 5xx and timeouts, stops on 401/403 naming the destination (never the
//! token), and reads per-record failures from 207 answers.

use std::collections::BTreeSet;
use std::time::Duration;

use serde_json::{Value as Json, json};

use super::connector::{Connector, Rejected, Stop, SyncControl};
use super::http::{Http, HttpRequest, HttpResponse};
use super::pace::Pace;
use super::plan::{KindPlan, Record, RecordOp, SyncPlan};
use super::retry::{Retries, short_body};
use super::{SyncError, json_text};
use crate::model::destination::{Destination, ListEncoding, RECORDS_PER_BATCH};
use crate::model::{SEGMENTS, fold_name};

pub const DEFAULT_BASE_URL: &str = "https://api.hubapi.com";

/// HubSpot's limit on an enumeration property's options.
pub const MAX_OPTIONS: usize = 5000;

/// The property a mapping needs in HubSpot.
#[derive(Clone, Debug, PartialEq)]
pub struct WantedProperty {
    pub name: String,
    pub type_name: &'static str,
    pub field_type: &'static str,
    /// For an enumeration: every value that will be sent.
    pub options: Option<BTreeSet<String>>,
    pub unique: bool,
    /// Must an existing property have exactly this type? (Yes for what
    /// segscope defines: the segments and list mappings.)
    pub strict: bool,
}

/// What a plan needs of HubSpot's properties, per object: the key, then the
/// mappings.
pub fn wanted_properties(kind: &KindPlan) -> Vec<WantedProperty> {
    let mut wanted = vec![WantedProperty {
        name: kind.sync.key().target().to_string(),
        type_name: "string",
        field_type: "text",
        options: None,
        unique: true,
        strict: false,
    }];
    for mapping in &kind.sync.mappings {
        let first_value = kind
            .upserts
            .iter()
            .filter_map(|record| record.payload.get(&mapping.target))
            .find(|value| !value.is_null());
        let is_list = mapping.source == SEGMENTS || matches!(first_value, Some(Json::Array(_)));
        let (type_name, field_type, options, strict) = match (is_list, mapping.encoding()) {
            (true, ListEncoding::List) => (
                "enumeration",
                "checkbox",
                Some(kind.list_values(&mapping.target)),
                true,
            ),
            (true, ListEncoding::Text) => ("string", "textarea", None, true),
            (false, _) => match first_value {
                Some(Json::Number(_)) => ("number", "number", None, false),
                Some(Json::Bool(_)) => (
                    "bool",
                    "booleancheckbox",
                    Some(["false", "true"].map(String::from).into()),
                    false,
                ),
                _ => ("string", "text", None, false),
            },
        };
        wanted.push(WantedProperty {
            name: mapping.target.clone(),
            type_name,
            field_type,
            options,
            unique: false,
            strict,
        });
    }
    wanted
}

/// What HubSpot takes, checked before anything is sent.
pub fn check_plan(plan: &SyncPlan) -> Result<(), SyncError> {
    let name = &plan.destination.name;
    for kind in &plan.kinds {
        if kind.sync.key.is_none() {
            return Err(SyncError::Plan(format!(
                "destination \"{name}\" sends {} to HubSpot without a `key`: name the property that identifies them (`key email` for contacts, `key id -> segscope_account_id` for companies)",
                kind.kind()
            )));
        }
        let object = kind.sync.object();
        if object.is_empty()
            || !object
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
        {
            return Err(SyncError::Plan(format!(
                "destination \"{name}\": `{object}` is not a HubSpot object type (contacts, companies, or a custom object's id)"
            )));
        }
        for wanted in wanted_properties(kind) {
            if !valid_property_name(&wanted.name) {
                return Err(SyncError::Plan(format!(
                    "destination \"{name}\": `{}` cannot be a HubSpot property name: HubSpot's internal names are lower-case letters, digits and _, starting with a letter",
                    wanted.name
                )));
            }
            let Some(options) = &wanted.options else {
                continue;
            };
            if options.len() > MAX_OPTIONS {
                return Err(SyncError::Plan(format!(
                    "destination \"{name}\" would send {} different values to the {object} property `{}`, but a HubSpot multi-select holds at most {MAX_OPTIONS} options: map it `as text` (multi-line text) instead",
                    options.len(),
                    wanted.name
                )));
            }
            if let Some(value) = options.iter().find(|value| value.contains(';')) {
                return Err(SyncError::Plan(format!(
                    "destination \"{name}\": the value \"{value}\" for the {object} property `{}` contains `;`, which HubSpot uses between a multi-select's values: rename it, or map `as text`",
                    wanted.name
                )));
            }
        }
    }
    Ok(())
}

fn valid_property_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_lowercase())
        && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

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
        let token = std::env::var(&variable)
            .ok()
            .filter(|token| !token.trim().is_empty())
            .ok_or_else(|| SyncError::MissingSecret {
                destination: destination.name.clone(),
                variable: variable.clone(),
                what: "HubSpot token",
            })?;
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

    /// Makes one property what the plan needs, creating (when `may_create`)
    /// or patching it.
    fn ensure(
        &mut self,
        object: &str,
        wanted: &WantedProperty,
        may_create: bool,
        control: &mut dyn SyncControl,
    ) -> Result<(), Stop> {
        let path = format!("/crm/v3/properties/{object}/{}", wanted.name);
        let found = self.call("GET", &path, None, control)?;
        match found.status {
            404 if may_create => return self.create(object, wanted, control),
            200 => {}
            status => {
                return Err(self.refused(
                    &format!("reading the {object} property `{}`", wanted.name),
                    status,
                    &found,
                ));
            }
        }
        let existing = found.json().unwrap_or(Json::Null);
        let type_name = existing.get("type").and_then(Json::as_str).unwrap_or("");
        let field_type = existing
            .get("fieldType")
            .and_then(Json::as_str)
            .unwrap_or("");
        if wanted.strict && (type_name != wanted.type_name || field_type != wanted.field_type) {
            return Err(Stop::Refused(format!(
                "HubSpot's {object} property `{}` exists as {type_name}/{field_type}, but destination \"{}\" needs {}/{} there; it is not reused: map to another property{}",
                wanted.name,
                self.name,
                wanted.type_name,
                wanted.field_type,
                if wanted.type_name == "enumeration" {
                    ", or use `as text` for multi-line text"
                } else {
                    ""
                }
            )));
        }
        if wanted.unique && existing.get("hasUniqueValue").and_then(Json::as_bool) != Some(true) {
            return Err(Stop::Refused(format!(
                "HubSpot's {object} property `{}` is the key of destination \"{}\" but does not have unique values: use a unique property (contacts: `email`; companies: a custom one such as `key id -> segscope_account_id`, created unique when missing)",
                wanted.name, self.name
            )));
        }
        let (Some(needed), "enumeration") = (&wanted.options, type_name) else {
            return Ok(());
        };
        let options: Vec<Json> = existing
            .get("options")
            .and_then(Json::as_array)
            .cloned()
            .unwrap_or_default();
        let have: BTreeSet<&str> = options
            .iter()
            .filter_map(|option| option.get("value")?.as_str())
            .collect();
        let missing: Vec<&String> = needed
            .iter()
            .filter(|v| !have.contains(v.as_str()))
            .collect();
        if missing.is_empty() {
            return Ok(());
        }
        if options.len() + missing.len() > MAX_OPTIONS {
            return Err(Stop::Refused(format!(
                "HubSpot's {object} property `{}` has {} options and destination \"{}\" needs {} more, past HubSpot's {MAX_OPTIONS}: map it `as text` instead",
                wanted.name,
                options.len(),
                self.name,
                missing.len()
            )));
        }
        let mut all: Vec<Json> = options
            .iter()
            .map(|option| {
                json!({
                    "label": option.get("label").cloned().unwrap_or(Json::Null),
                    "value": option.get("value").cloned().unwrap_or(Json::Null),
                    "displayOrder": option.get("displayOrder").cloned().unwrap_or(json!(0)),
                    "hidden": option.get("hidden").cloned().unwrap_or(json!(false)),
                })
            })
            .collect();
        let first = all.len();
        all.extend(
            missing
                .iter()
                .enumerate()
                .map(|(index, value)| option(value, first + index)),
        );
        let patched = self.call("PATCH", &path, Some(&json!({ "options": all })), control)?;
        match patched.status {
            200..=299 => Ok(()),
            status => Err(self.refused(
                &format!(
                    "adding {} options to the {object} property `{}`",
                    missing.len(),
                    wanted.name
                ),
                status,
                &patched,
            )),
        }
    }

    fn create(
        &mut self,
        object: &str,
        wanted: &WantedProperty,
        control: &mut dyn SyncControl,
    ) -> Result<(), Stop> {
        let mut body = json!({
            "name": wanted.name,
            "label": wanted.name,
            "groupName": group_of(object),
            "type": wanted.type_name,
            "fieldType": wanted.field_type,
        });
        if let Some(options) = &wanted.options {
            body["options"] = Json::Array(
                options
                    .iter()
                    .enumerate()
                    .map(|(index, value)| option(value, index))
                    .collect(),
            );
        }
        if wanted.unique {
            body["hasUniqueValue"] = Json::Bool(true);
        }
        let path = format!("/crm/v3/properties/{object}");
        let created = self.call("POST", &path, Some(&body), control)?;
        match created.status {
            200..=299 => Ok(()),
            // A create retried after its answer was lost (a timeout) finds
            // the property it made: check that one like any existing one.
            409 => self.ensure(object, wanted, false, control),
            status => Err(self.refused(
                &format!("creating the {object} property `{}`", wanted.name),
                status,
                &created,
            )),
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

fn option(value: &str, order: usize) -> Json {
    json!({ "label": value, "value": value, "displayOrder": order, "hidden": false })
}

fn group_of(object: &str) -> String {
    match object {
        "contacts" => "contactinformation".to_string(),
        "companies" => "companyinformation".to_string(),
        other => format!("{}information", other.trim_end_matches('s')),
    }
}

/// A 429's `policyName` (`DAILY`, `TEN_SECONDLY_ROLLING`).
fn policy_of(response: &HttpResponse) -> Option<String> {
    response
        .json()
        .and_then(|body| body.get("policyName")?.as_str().map(str::to_string))
}

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
        // An exit with nothing to clear needs no request: it is forgotten.
        let mut sending: Vec<&Record> = records
            .iter()
            .copied()
            .filter(|record| record.op == RecordOp::Upsert || !record.payload.is_empty())
            .collect();
        let path = format!("/crm/v3/objects/{}/batch/upsert", kind.sync.object());
        let mut rejected: Rejected = Vec::new();
        while !sending.is_empty() {
            let response = self.call("POST", &path, Some(&upsert_body(kind, &sending)), control)?;
            match response.status {
                200 | 201 => break,
                207 => {
                    rejected.extend(multi_status_failures(&response, &sending));
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

/// The records a 207 answer names as failed, with HubSpot's message. An
/// error that names no ids fails the whole batch (it is resent next run:
/// upserts are idempotent).
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
            if let Some(record) = sent.iter().find(|record| record.key == id) {
                rejected.push((record.key.clone(), reason.clone()));
            }
        }
    }
    if errors.is_empty() {
        // 207 without errors says nothing was refused... but not that all
        // went: treat it as a refusal of none only when results cover all.
        let results = body
            .get("results")
            .and_then(Json::as_array)
            .map_or(0, Vec::len);
        if results < sent.len() {
            return sent
                .iter()
                .map(|record| {
                    (
                        record.key.clone(),
                        "HubSpot answered 207 without saying which records failed".to_string(),
                    )
                })
                .collect();
        }
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

    #[test]
    fn property_names_are_hubspots() {
        assert!(valid_property_name("segscope_segments"));
        assert!(!valid_property_name("Segments"));
        assert!(!valid_property_name("1st"));
        assert!(!valid_property_name(""));
    }
}

//! The fakes the sync tests stand on, checked with raw HTTP: each rule the
//! fake HubSpot enforces (auth, batch size, unknown properties, options,
//! unique ids, string values, the rate limit, every fault) and each thing
//! the webhook receiver verifies (signatures, whsec_ keys, skew, retried
//! ids). If a fake drifted from what the real service does, the sync tests
//! built on it would prove nothing; these tests pin the fakes down.

mod support;

use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use hmac::{Hmac, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use support::fake_hubspot::{FakeHubSpot, Fault, Match};
use support::webhook_receiver::{Op, WebhookFault, WebhookReceiver, sign, unix_now};

const TOKEN: &str = "pat-na1-test-token";

struct Reply {
    status: u16,
    headers: ureq::http::HeaderMap,
    body: Value,
}

impl Reply {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }
}

fn agent(timeout: Duration) -> ureq::Agent {
    ureq::Agent::config_builder()
        .http_status_as_error(false)
        .proxy(None)
        .timeout_global(Some(timeout))
        .build()
        .into()
}

fn send(
    agent: &ureq::Agent,
    method: &str,
    url: &str,
    headers: &[(&str, &str)],
    body: Option<&[u8]>,
) -> Result<Reply, ureq::Error> {
    let request = ureq::http::Request::builder().method(method).uri(url);
    let request = headers.iter().fold(request, |request, (name, value)| {
        request.header(*name, *value)
    });
    let mut response = match body {
        Some(body) => agent.run(request.body(body.to_vec()).unwrap())?,
        None => agent.run(request.body(()).unwrap())?,
    };
    let text = response.body_mut().read_to_string()?;
    Ok(Reply {
        status: response.status().as_u16(),
        headers: response.headers().clone(),
        body: if text.is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).expect("a JSON body")
        },
    })
}

/// A HubSpot call with the right token.
fn hubspot(fake: &FakeHubSpot, method: &str, path: &str, body: Option<Value>) -> Reply {
    hubspot_as(fake, method, path, body, Some(TOKEN))
}

fn hubspot_as(
    fake: &FakeHubSpot,
    method: &str,
    path: &str,
    body: Option<Value>,
    token: Option<&str>,
) -> Reply {
    try_hubspot(
        &agent(Duration::from_secs(5)),
        fake,
        method,
        path,
        body,
        token,
    )
    .expect("the fake answers")
}

fn try_hubspot(
    agent: &ureq::Agent,
    fake: &FakeHubSpot,
    method: &str,
    path: &str,
    body: Option<Value>,
    token: Option<&str>,
) -> Result<Reply, ureq::Error> {
    let bearer = token.map(|token| format!("Bearer {token}"));
    let mut headers = vec![("Content-Type", "application/json")];
    if let Some(bearer) = &bearer {
        headers.push(("Authorization", bearer));
    }
    let body = body.map(|body| body.to_string());
    let url = format!("{}{path}", fake.base_url());
    send(
        agent,
        method,
        &url,
        &headers,
        body.as_deref().map(str::as_bytes),
    )
}

fn upsert(fake: &FakeHubSpot, object: &str, inputs: Value) -> Reply {
    let path = format!("/crm/v3/objects/{object}/batch/upsert");
    hubspot(fake, "POST", &path, Some(json!({ "inputs": inputs })))
}

fn contact(email: &str, properties: Value) -> Value {
    json!({"idProperty": "email", "id": email, "properties": properties})
}

fn segments_property(options: &[&str]) -> Value {
    json!({
        "name": "segscope_segments",
        "label": "segscope segments",
        "groupName": "contactinformation",
        "type": "enumeration",
        "fieldType": "checkbox",
        "options": options_json(options),
    })
}

fn options_json(values: &[&str]) -> Value {
    values
        .iter()
        .zip(0..)
        .map(|(value, order)| json!({"label": value, "value": value, "hidden": false, "displayOrder": order}))
        .collect()
}

/// A fake with the multi-select `segscope_segments` on contacts.
fn fake_with_segments(options: &[&str]) -> FakeHubSpot {
    let fake = FakeHubSpot::start(TOKEN);
    fake.create_property("contacts", segments_property(options));
    fake
}

fn assert_validation_error(reply: &Reply, needle: &str) {
    assert_eq!(reply.status, 400, "{}", reply.body);
    assert_eq!(reply.body["status"], "error", "{}", reply.body);
    assert_eq!(reply.body["category"], "VALIDATION_ERROR", "{}", reply.body);
    assert!(reply.body["correlationId"].is_string(), "{}", reply.body);
    let message = reply.body["message"].as_str().unwrap();
    assert!(message.contains(needle), "{needle:?} not in {message}");
}

// --- HubSpot: auth ----------------------------------------------------------

#[test]
fn hubspot_wants_the_bearer_token() {
    let fake = FakeHubSpot::start(TOKEN);
    let path = "/crm/v3/properties/contacts/email";
    for token in [None, Some("pat-na1-wrong")] {
        let reply = hubspot_as(&fake, "GET", path, None, token);
        assert_eq!(reply.status, 401, "{token:?}");
        assert_eq!(reply.body["category"], "INVALID_AUTHENTICATION");
        assert_eq!(reply.body["status"], "error");
        assert!(reply.body["correlationId"].is_string());
    }
    let basic = send(
        &agent(Duration::from_secs(5)),
        "GET",
        &format!("{}{path}", fake.base_url()),
        &[("Authorization", TOKEN)],
        None,
    )
    .unwrap();
    assert_eq!(basic.status, 401, "the token without Bearer");
    assert_eq!(hubspot(&fake, "GET", path, None).status, 200);

    let log = fake.requests();
    let matched: Vec<bool> = log.iter().map(|request| request.auth_matched).collect();
    assert_eq!(matched, [false, false, false, true]);
    assert!(
        !format!("{log:?}").contains(TOKEN),
        "the log keeps no token"
    );
    assert_eq!(fake.upsert_requests(), 0);
    assert_eq!(fake.total_requests(), 4);
}

// --- HubSpot: properties ------------------------------------------------------

#[test]
fn hubspot_has_the_built_in_properties() {
    let fake = FakeHubSpot::start(TOKEN);
    let email = hubspot(&fake, "GET", "/crm/v3/properties/contacts/email", None);
    assert_eq!(email.status, 200);
    // As HubSpot describes it: the identifier of contacts, not marked unique.
    assert_eq!(email.body["hasUniqueValue"], false);
    assert_eq!(email.body["type"], "string");
    assert_eq!(email.body["fieldType"], "text");
    for required in [
        "name",
        "label",
        "type",
        "fieldType",
        "groupName",
        "description",
        "options",
    ] {
        assert!(
            !email.body[required].is_null(),
            "{required} in {}",
            email.body
        );
    }
    let domain = hubspot(&fake, "GET", "/crm/v3/properties/companies/domain", None);
    assert_eq!(domain.status, 200);
    assert_eq!(domain.body["hasUniqueValue"], false, "domain is not unique");
    let name = hubspot(
        &fake,
        "GET",
        "/crm/v3/properties/companies/name?archived=false",
        None,
    );
    assert_eq!(name.status, 200, "a query string is ignored");
    let missing = hubspot(
        &fake,
        "GET",
        "/crm/v3/properties/contacts/segscope_segments",
        None,
    );
    assert_eq!(missing.status, 404);
    assert_eq!(missing.body["category"], "OBJECT_NOT_FOUND");
}

#[test]
fn hubspot_creates_a_property_once() {
    let fake = FakeHubSpot::start(TOKEN);
    let path = "/crm/v3/properties/contacts";
    let created = hubspot(&fake, "POST", path, Some(segments_property(&["Champions"])));
    assert_eq!(created.status, 201, "{}", created.body);
    assert_eq!(created.body["name"], "segscope_segments");
    assert_eq!(created.body["options"][0]["value"], "Champions");
    assert_eq!(
        fake.option_values("contacts", "segscope_segments"),
        ["Champions"]
    );
    assert_eq!(
        fake.property("contacts", "segscope_segments").unwrap()["fieldType"],
        "checkbox"
    );

    let again = hubspot(&fake, "POST", path, Some(segments_property(&[])));
    assert_eq!(again.status, 409);
    assert_eq!(
        fake.option_values("contacts", "segscope_segments"),
        ["Champions"]
    );
    assert_eq!(fake.property_requests(), 2);
}

#[test]
fn hubspot_refuses_a_property_that_breaks_the_schema() {
    let fake = FakeHubSpot::start(TOKEN);
    let path = "/crm/v3/properties/contacts";
    for field in ["name", "label", "groupName", "type", "fieldType"] {
        let mut body = segments_property(&["A"]);
        body.as_object_mut().unwrap().remove(field);
        assert_validation_error(&hubspot(&fake, "POST", path, Some(body)), field);
    }
    for (field, bad) in [
        ("type", json!("multiselect")),
        ("fieldType", json!("tags")),
        ("hasUniqueValue", json!("true")),
        ("displayOrder", json!(1.5)),
        ("options", json!("A;B")),
    ] {
        let mut body = segments_property(&["A"]);
        body[field] = bad;
        assert_validation_error(&hubspot(&fake, "POST", path, Some(body)), field);
    }
    for field in ["label", "value", "hidden"] {
        let mut body = segments_property(&["A"]);
        body["options"][0].as_object_mut().unwrap().remove(field);
        let reply = hubspot(&fake, "POST", path, Some(body));
        assert_validation_error(&reply, &format!("options[0].{field}"));
    }
    let mut no_options = segments_property(&[]);
    no_options.as_object_mut().unwrap().remove("options");
    assert_validation_error(&hubspot(&fake, "POST", path, Some(no_options)), "options");
    let mut mismatched = segments_property(&["A"]);
    mismatched["fieldType"] = json!("textarea");
    assert_validation_error(&hubspot(&fake, "POST", path, Some(mismatched)), "fieldType");
    let mut unknown_group = segments_property(&["A"]);
    unknown_group["groupName"] = json!("companyinformation");
    assert_validation_error(&hubspot(&fake, "POST", path, Some(unknown_group)), "group");
    let mut twice = segments_property(&["A", "A"]);
    twice["name"] = json!("twice");
    assert_validation_error(&hubspot(&fake, "POST", path, Some(twice)), "twice");
    let mut bad_name = segments_property(&["A"]);
    bad_name["name"] = json!("Segscope Segments");
    assert_validation_error(&hubspot(&fake, "POST", path, Some(bad_name)), "name");

    assert!(fake.property("contacts", "segscope_segments").is_none());
}

#[test]
fn hubspot_holds_at_most_5000_options() {
    let fake = FakeHubSpot::start(TOKEN);
    let values: Vec<String> = (0..5001).map(|n| format!("Segment {n}")).collect();
    let values: Vec<&str> = values.iter().map(String::as_str).collect();
    let path = "/crm/v3/properties/contacts";
    let too_many = hubspot(&fake, "POST", path, Some(segments_property(&values)));
    assert_validation_error(&too_many, "5000");
    let enough = hubspot(
        &fake,
        "POST",
        path,
        Some(segments_property(&values[..5000])),
    );
    assert_eq!(enough.status, 201);

    let patch = json!({ "options": options_json(&values) });
    let property = "/crm/v3/properties/contacts/segscope_segments";
    assert_validation_error(&hubspot(&fake, "PATCH", property, Some(patch)), "5000");
    assert_eq!(
        fake.option_values("contacts", "segscope_segments").len(),
        5000
    );
}

#[test]
fn hubspot_patch_replaces_the_options_then_the_value_is_taken() {
    let fake = fake_with_segments(&["Champions"]);
    let refused = upsert(
        &fake,
        "contacts",
        json!([contact(
            "a@x.com",
            json!({"segscope_segments": "Champions;Power users"})
        )]),
    );
    assert_validation_error(&refused, "INVALID_OPTION");
    assert!(
        refused.body["message"]
            .as_str()
            .unwrap()
            .contains("Power users")
    );
    assert_eq!(refused.body["errors"][0]["code"], "INVALID_OPTION");
    assert!(
        fake.objects("contacts").is_empty(),
        "nothing of a refused batch is written"
    );

    let path = "/crm/v3/properties/contacts/segscope_segments";
    let patch = json!({ "options": options_json(&["Power users", "Champions"]) });
    let patched = hubspot(&fake, "PATCH", path, Some(patch));
    assert_eq!(patched.status, 200, "{}", patched.body);
    assert_eq!(
        fake.option_values("contacts", "segscope_segments"),
        ["Power users", "Champions"]
    );
    let bad_patch = json!({ "options": [{"label": "A", "value": "A"}] });
    assert_validation_error(&hubspot(&fake, "PATCH", path, Some(bad_patch)), "hidden");
    let missing = "/crm/v3/properties/contacts/nope";
    assert_eq!(
        hubspot(&fake, "PATCH", missing, Some(json!({}))).status,
        404
    );

    let taken = upsert(
        &fake,
        "contacts",
        json!([contact(
            "a@x.com",
            json!({"segscope_segments": "Champions;Power users"})
        )]),
    );
    assert_eq!(taken.status, 200, "{}", taken.body);
    assert_eq!(
        fake.objects("contacts")["a@x.com"]["segscope_segments"],
        "Champions;Power users"
    );
}

// --- HubSpot: upserts ---------------------------------------------------------

#[test]
fn hubspot_upserts_keep_the_object_and_its_id() {
    let fake = fake_with_segments(&["Champions"]);
    let first = upsert(
        &fake,
        "contacts",
        json!([contact(
            "a@x.com",
            json!({"segscope_segments": "Champions", "firstname": "Ada"})
        )]),
    );
    assert_eq!(first.status, 200, "{}", first.body);
    assert_eq!(first.body["status"], "COMPLETE");
    for field in ["startedAt", "completedAt"] {
        assert!(first.body[field].is_string(), "{field} in {}", first.body);
    }
    let result = &first.body["results"][0];
    let id = result["id"].as_str().unwrap().to_string();
    assert!(id.parse::<u64>().is_ok(), "a numeric id as a string: {id}");
    assert_eq!(result["new"], true);
    assert_eq!(result["archived"], false);
    assert_eq!(result["properties"]["email"], "a@x.com");
    assert_eq!(result["properties"]["hs_object_id"], id.as_str());
    assert!(result["createdAt"].is_string() && result["updatedAt"].is_string());

    let second = upsert(
        &fake,
        "contacts",
        json!([
            contact("A@X.com", json!({"segscope_segments": ""})),
            contact("b@x.com", json!({})),
        ]),
    );
    assert_eq!(second.status, 200, "{}", second.body);
    assert_eq!(
        second.body["results"][0]["id"],
        id.as_str(),
        "emails are one case"
    );
    assert_eq!(second.body["results"][0]["new"], false);
    assert_ne!(second.body["results"][1]["id"], id.as_str());

    let objects = fake.objects("contacts");
    assert_eq!(objects.len(), 2);
    let ada = &objects["a@x.com"];
    assert_eq!(ada.get("segscope_segments"), None, "an empty string clears");
    assert_eq!(ada["firstname"], "Ada", "what is not sent stays");
    assert_eq!(fake.hubspot_ids("contacts")["a@x.com"], id);
    assert_eq!(
        fake.upserted_ids(),
        [
            vec!["a@x.com".to_string()],
            vec!["A@X.com".into(), "b@x.com".into()]
        ]
    );
    assert_eq!(fake.upsert_requests(), 2);
}

#[test]
fn hubspot_takes_at_most_100_inputs() {
    let fake = FakeHubSpot::start(TOKEN);
    let inputs = |n: usize| -> Value {
        (0..n)
            .map(|i| contact(&format!("u{i}@x.com"), json!({})))
            .collect()
    };
    assert_validation_error(&upsert(&fake, "contacts", inputs(101)), "100");
    assert!(fake.objects("contacts").is_empty());
    assert_eq!(upsert(&fake, "contacts", inputs(100)).status, 200);
    assert_eq!(fake.objects("contacts").len(), 100);
    assert_validation_error(&upsert(&fake, "contacts", inputs(0)), "at least one");
    assert_eq!(
        fake.upserted_ids().iter().map(Vec::len).collect::<Vec<_>>(),
        [101, 100, 0]
    );
}

#[test]
fn hubspot_refuses_an_unknown_property() {
    let fake = FakeHubSpot::start(TOKEN);
    let reply = upsert(
        &fake,
        "contacts",
        json!([
            contact("a@x.com", json!({"firstname": "Ada"})),
            contact("b@x.com", json!({"plan_tier": "pro"})),
        ]),
    );
    assert_validation_error(&reply, "plan_tier");
    assert!(
        reply.body["message"]
            .as_str()
            .unwrap()
            .contains("PROPERTY_DOESNT_EXIST")
    );
    assert!(
        fake.objects("contacts").is_empty(),
        "the whole batch is refused"
    );
}

#[test]
fn hubspot_refuses_duplicate_ids_in_a_batch() {
    let fake = FakeHubSpot::start(TOKEN);
    let reply = upsert(
        &fake,
        "contacts",
        json!([contact("a@x.com", json!({})), contact("A@x.COM", json!({}))]),
    );
    assert_validation_error(&reply, "Duplicate");
    assert!(fake.objects("contacts").is_empty());
}

#[test]
fn hubspot_upserts_only_by_a_unique_property() {
    let fake = FakeHubSpot::start(TOKEN);
    let by_domain = json!([{"idProperty": "domain", "id": "x.com", "properties": {}}]);
    assert_validation_error(&upsert(&fake, "companies", by_domain), "domain");
    let by_object_id = json!([{"idProperty": "hs_object_id", "id": "1", "properties": {}}]);
    assert_validation_error(&upsert(&fake, "companies", by_object_id), "hs_object_id");
    let without = json!([{"id": "a@x.com", "properties": {}}]);
    assert_validation_error(&upsert(&fake, "contacts", without), "idProperty");
    let bad_email = json!([contact("not an email", json!({}))]);
    assert_validation_error(&upsert(&fake, "contacts", bad_email), "INVALID_EMAIL");

    let unique = json!({
        "name": "segscope_account_id", "label": "segscope account id",
        "groupName": "companyinformation", "type": "string", "fieldType": "text",
        "hasUniqueValue": true,
    });
    let created = hubspot(&fake, "POST", "/crm/v3/properties/companies", Some(unique));
    assert_eq!(created.status, 201, "{}", created.body);
    let by_account = json!([{"idProperty": "segscope_account_id", "id": "acc-1",
        "properties": {"domain": "x.com", "numberofemployees": "50"}}]);
    assert_eq!(upsert(&fake, "companies", by_account).status, 200);
    assert_eq!(fake.objects("companies")["acc-1"]["domain"], "x.com");
    assert_eq!(
        fake.objects("companies")["acc-1"]["segscope_account_id"],
        "acc-1"
    );
}

#[test]
fn hubspot_takes_only_strings() {
    let fake = FakeHubSpot::start(TOKEN);
    fake.create_property(
        "contacts",
        json!({"name": "seats", "label": "Seats", "groupName": "contactinformation",
               "type": "number", "fieldType": "number"}),
    );
    fake.create_property(
        "contacts",
        json!({"name": "trial", "label": "Trial", "groupName": "contactinformation",
               "type": "bool", "fieldType": "booleancheckbox"}),
    );
    for (value, path) in [
        (json!(50), "inputs[0].properties.seats"),
        (json!(true), "inputs[0].properties.seats"),
        (json!(null), "inputs[0].properties.seats"),
        (json!(["A"]), "inputs[0].properties.seats"),
    ] {
        let reply = upsert(
            &fake,
            "contacts",
            json!([contact("a@x.com", json!({"seats": value}))]),
        );
        assert_validation_error(&reply, path);
    }
    let numeric_id = json!([{"idProperty": "email", "id": 7, "properties": {}}]);
    assert_validation_error(&upsert(&fake, "contacts", numeric_id), "inputs[0].id");
    let no_properties = json!([{"idProperty": "email", "id": "a@x.com"}]);
    assert_validation_error(&upsert(&fake, "contacts", no_properties), "properties");
    let no_inputs = hubspot(
        &fake,
        "POST",
        "/crm/v3/objects/contacts/batch/upsert",
        Some(json!({"records": []})),
    );
    assert_validation_error(&no_inputs, "inputs");
    for (name, value, code) in [
        ("seats", "fifty", "INVALID_NUMBER"),
        ("trial", "yes", "INVALID_BOOLEAN"),
        ("lifecyclestage", "lead;customer", "INVALID_OPTION"),
        ("hs_object_id", "5", "READ_ONLY_VALUE"),
    ] {
        let reply = upsert(
            &fake,
            "contacts",
            json!([contact("a@x.com", json!({name: value}))]),
        );
        assert_validation_error(&reply, code);
    }
    assert!(fake.objects("contacts").is_empty());
    let typed = json!({"seats": "50", "trial": "true", "lifecyclestage": "customer"});
    let reply = upsert(&fake, "contacts", json!([contact("a@x.com", typed)]));
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(fake.objects("contacts")["a@x.com"]["seats"], "50");
}

#[test]
fn hubspot_wants_a_json_body() {
    let fake = FakeHubSpot::start(TOKEN);
    let url = format!("{}/crm/v3/objects/contacts/batch/upsert", fake.base_url());
    let bearer = format!("Bearer {TOKEN}");
    let agent = agent(Duration::from_secs(5));
    let not_json = send(
        &agent,
        "POST",
        &url,
        &[
            ("Authorization", &bearer),
            ("Content-Type", "application/json"),
        ],
        Some(b"{\"inputs\": ["),
    )
    .unwrap();
    assert_validation_error(&not_json, "JSON");
    let plain = send(
        &agent,
        "POST",
        &url,
        &[("Authorization", &bearer), ("Content-Type", "text/plain")],
        Some(b"{\"inputs\": []}"),
    )
    .unwrap();
    assert_eq!(plain.status, 415);
    let wrong_method = hubspot(&fake, "GET", "/crm/v3/objects/contacts/batch/upsert", None);
    assert_eq!(wrong_method.status, 405);
    let nowhere = hubspot(&fake, "GET", "/crm/v3/objects/contacts", None);
    assert_eq!(nowhere.status, 404);
}

// --- HubSpot: rate limits -----------------------------------------------------

#[test]
fn hubspot_reports_its_rate_limit_on_every_answer() {
    let fake = FakeHubSpot::start(TOKEN);
    let path = "/crm/v3/properties/contacts/email";
    let remaining: Vec<String> = (0..3)
        .map(|_| {
            let reply = hubspot(&fake, "GET", path, None);
            assert_eq!(reply.header("X-HubSpot-RateLimit-Max"), Some("190"));
            assert_eq!(
                reply.header("X-HubSpot-RateLimit-Interval-Milliseconds"),
                Some("10000")
            );
            reply
                .header("X-HubSpot-RateLimit-Remaining")
                .unwrap()
                .to_string()
        })
        .collect();
    assert_eq!(remaining, ["189", "188", "187"]);
    let refused = hubspot_as(&fake, "GET", path, None, None);
    assert_eq!(refused.header("X-HubSpot-RateLimit-Remaining"), Some("187"));
}

#[test]
fn hubspot_answers_429_itself_when_the_window_is_full() {
    let fake = FakeHubSpot::start(TOKEN);
    fake.set_rate_limit(3, Duration::from_millis(300));
    let path = "/crm/v3/properties/contacts/email";
    for left in ["2", "1", "0"] {
        let reply = hubspot(&fake, "GET", path, None);
        assert_eq!(reply.status, 200);
        assert_eq!(reply.header("X-HubSpot-RateLimit-Remaining"), Some(left));
    }
    let limited = hubspot(&fake, "GET", path, None);
    assert_eq!(limited.status, 429);
    assert_eq!(limited.body["policyName"], "TEN_SECONDLY_ROLLING");
    assert_eq!(limited.body["errorType"], "RATE_LIMIT");
    assert_eq!(limited.header("X-HubSpot-RateLimit-Remaining"), Some("0"));
    assert_eq!(limited.header("X-HubSpot-RateLimit-Max"), Some("3"));
    assert_eq!(limited.header("Retry-After"), None);
    fake.set_rate_limit_retry_after(Some(1));
    assert_eq!(
        hubspot(&fake, "GET", path, None).header("Retry-After"),
        Some("1")
    );

    std::thread::sleep(Duration::from_millis(320));
    assert_eq!(
        hubspot(&fake, "GET", path, None).status,
        200,
        "the window rolls"
    );
}

// --- HubSpot: faults ----------------------------------------------------------

#[test]
fn hubspot_rate_limit_faults() {
    let fake = FakeHubSpot::start(TOKEN);
    fake.fail_next_upserts(
        1,
        Fault::RateLimited {
            retry_after_secs: Some(1),
        },
    );
    fake.fail_next_upserts(
        1,
        Fault::RateLimited {
            retry_after_secs: None,
        },
    );
    fake.fail_next_upserts(1, Fault::DailyLimit);
    assert_eq!(fake.pending_faults(), 3);
    let batch = || json!([contact("a@x.com", json!({}))]);

    let first = upsert(&fake, "contacts", batch());
    assert_eq!(first.status, 429);
    assert_eq!(first.header("Retry-After"), Some("1"));
    assert_eq!(first.body["policyName"], "TEN_SECONDLY_ROLLING");
    assert_eq!(
        first.body["message"],
        "You have reached your ten_secondly_rolling limit."
    );
    let second = upsert(&fake, "contacts", batch());
    assert_eq!(second.status, 429);
    assert_eq!(second.header("Retry-After"), None);
    assert_eq!(second.body["errorType"], "RATE_LIMIT");
    let third = upsert(&fake, "contacts", batch());
    assert_eq!(third.status, 429);
    assert_eq!(third.body["policyName"], "DAILY");
    assert!(fake.objects("contacts").is_empty(), "a 429 applies nothing");

    assert_eq!(upsert(&fake, "contacts", batch()).status, 200);
    assert_eq!(fake.pending_faults(), 0);
    assert_eq!(fake.upsert_requests(), 4);
}

#[test]
fn hubspot_error_faults_apply_nothing() {
    let fake = FakeHubSpot::start(TOKEN);
    let batch = || json!([contact("a@x.com", json!({}))]);
    for (fault, status, category) in [
        (Fault::ServerError, 500, "INTERNAL_ERROR"),
        (Fault::BadRequest, 400, "VALIDATION_ERROR"),
        (Fault::Unauthorized, 401, "INVALID_AUTHENTICATION"),
        (Fault::Forbidden, 403, "MISSING_SCOPES"),
    ] {
        fake.fail_next_upserts(1, fault);
        let reply = upsert(&fake, "contacts", batch());
        assert_eq!(reply.status, status);
        assert_eq!(reply.body["category"], category);
        assert_eq!(reply.body["status"], "error");
        assert!(fake.objects("contacts").is_empty());
    }
    assert_eq!(upsert(&fake, "contacts", batch()).status, 200);
}

#[test]
fn hubspot_faults_wait_for_the_requests_they_match() {
    let fake = FakeHubSpot::start(TOKEN);
    fake.inject(Fault::ServerError, Match::PropertyWrites);
    fake.inject(Fault::ServerError, Match::UpsertsOf("companies".into()));
    let property = "/crm/v3/properties/contacts/email";
    assert_eq!(
        hubspot(&fake, "GET", property, None).status,
        200,
        "a read is no write"
    );
    let contacts = upsert(&fake, "contacts", json!([contact("a@x.com", json!({}))]));
    assert_eq!(contacts.status, 200, "not companies");
    assert_eq!(fake.pending_faults(), 2);
    let create = hubspot(
        &fake,
        "POST",
        "/crm/v3/properties/contacts",
        Some(segments_property(&[])),
    );
    assert_eq!(create.status, 500);
    let companies = json!([{"idProperty": "nope", "id": "1", "properties": {}}]);
    assert_eq!(upsert(&fake, "companies", companies).status, 500);
    assert_eq!(fake.pending_faults(), 0);
    fake.inject(Fault::Unauthorized, Match::Any);
    assert_eq!(hubspot(&fake, "GET", property, None).status, 401);
}

#[test]
fn hubspot_partial_failure_applies_the_rest() {
    let fake = fake_with_segments(&["A"]);
    fake.fail_next_upserts(1, Fault::PartialFailure(vec!["b@x.com".into()]));
    let reply = upsert(
        &fake,
        "contacts",
        json!([
            contact("a@x.com", json!({"segscope_segments": "A"})),
            contact("b@x.com", json!({"segscope_segments": "A"})),
            contact("c@x.com", json!({"segscope_segments": "A"})),
        ]),
    );
    assert_eq!(reply.status, 207, "{}", reply.body);
    assert_eq!(reply.body["numErrors"], 1);
    let error = &reply.body["errors"][0];
    assert_eq!(error["status"], "error");
    assert_eq!(error["category"], "VALIDATION_ERROR");
    assert_eq!(error["context"]["ids"], json!(["b@x.com"]));
    assert!(error["message"].is_string());
    assert_eq!(reply.body["results"].as_array().unwrap().len(), 2);
    let objects = fake.objects("contacts");
    assert_eq!(objects.keys().collect::<Vec<_>>(), ["a@x.com", "c@x.com"]);
}

#[test]
fn hubspot_timeout_holds_the_answer_and_applies_nothing() {
    let fake = FakeHubSpot::start(TOKEN);
    // Dropping the fake lets a held answer go, so a long hold costs nothing.
    fake.fail_next_upserts(1, Fault::Timeout(Duration::from_secs(3)));
    let impatient = agent(Duration::from_millis(100));
    let path = "/crm/v3/objects/contacts/batch/upsert";
    let body = json!({"inputs": [contact("a@x.com", json!({}))]});
    let started = Instant::now();
    let result = try_hubspot(
        &impatient,
        &fake,
        "POST",
        path,
        Some(body.clone()),
        Some(TOKEN),
    );
    assert!(
        matches!(result, Err(ureq::Error::Timeout(_))),
        "{:?}",
        result.map(|reply| reply.status)
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "the client gave up first"
    );
    assert!(fake.objects("contacts").is_empty());
    assert_eq!(
        fake.requests()[0].status,
        504,
        "what a patient client would get"
    );

    let retried = try_hubspot(&impatient, &fake, "POST", path, Some(body), Some(TOKEN));
    assert_eq!(retried.unwrap().status, 200, "the next request is not held");
}

#[test]
fn hubspot_late_answer_applies_but_answers_after_the_client_gave_up() {
    let fake = FakeHubSpot::start(TOKEN);
    fake.fail_next_upserts(1, Fault::LateAnswer(Duration::from_secs(3)));
    let impatient = agent(Duration::from_millis(100));
    let path = "/crm/v3/objects/contacts/batch/upsert";
    let body = json!({"inputs": [contact("a@x.com", json!({}))]});
    let result = try_hubspot(&impatient, &fake, "POST", path, Some(body), Some(TOKEN));
    assert!(matches!(result, Err(ureq::Error::Timeout(_))));
    assert!(
        fake.objects("contacts").contains_key("a@x.com"),
        "written all the same"
    );
}

#[test]
fn hubspot_delay_slows_every_answer() {
    let fake = FakeHubSpot::start(TOKEN);
    fake.set_delay(Duration::from_millis(120));
    let client = {
        let url = fake.base_url();
        std::thread::spawn(move || {
            let started = Instant::now();
            let reply = send(
                &agent(Duration::from_secs(5)),
                "POST",
                &format!("{url}/crm/v3/objects/contacts/batch/upsert"),
                &[
                    ("Authorization", &format!("Bearer {TOKEN}")),
                    ("Content-Type", "application/json"),
                ],
                Some(
                    json!({"inputs": [contact("a@x.com", json!({}))]})
                        .to_string()
                        .as_bytes(),
                ),
            )
            .unwrap();
            (reply.status, started.elapsed())
        })
    };
    assert!(fake.wait_for_upserts(1, Duration::from_secs(5)));
    assert!(
        fake.objects("contacts").contains_key("a@x.com"),
        "applied before the answer"
    );
    let (status, took) = client.join().unwrap();
    assert_eq!(status, 200);
    assert!(took >= Duration::from_millis(120), "{took:?}");
    fake.set_delay(Duration::ZERO);
    assert!(!fake.wait_for_upserts(2, Duration::from_millis(20)));
}

#[test]
fn hubspot_seeding_goes_through_the_same_rules() {
    let fake = FakeHubSpot::start(TOKEN);
    let id = fake.seed_object("contacts", "email", "Ada@X.com", &[("firstname", "Ada")]);
    assert_eq!(fake.hubspot_ids("contacts")["ada@x.com"], id);
    assert_eq!(fake.total_requests(), 0, "seeding is not a request");
    let refused = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        fake.seed_object("contacts", "email", "b@x.com", &[("plan_tier", "pro")]);
    }));
    assert!(refused.is_err());
    assert_eq!(
        fake.objects("contacts").len(),
        1,
        "the fake outlives the refusal"
    );
}

// --- Webhooks -----------------------------------------------------------------

const SECRET: &str = "whsec_c2Vnc2NvcGUgdGVzdCBrZXk=";

fn batch_body(records: Value) -> Vec<u8> {
    json!({"destination": "Ops hook", "kind": "users", "records": records})
        .to_string()
        .into_bytes()
}

fn deliver(
    receiver: &WebhookReceiver,
    id: &str,
    timestamp: i64,
    signature: &str,
    body: &[u8],
) -> u16 {
    let timestamp = timestamp.to_string();
    let headers = [
        ("webhook-id", id),
        ("webhook-timestamp", timestamp.as_str()),
        ("webhook-signature", signature),
        ("Content-Type", "application/json"),
    ];
    send(
        &agent(Duration::from_secs(5)),
        "POST",
        &receiver.url(),
        &headers,
        Some(body),
    )
    .unwrap()
    .status
}

fn deliver_signed(receiver: &WebhookReceiver, id: &str, body: &[u8]) -> u16 {
    let now = unix_now();
    deliver(receiver, id, now, &sign(SECRET, id, now, body), body)
}

#[test]
fn signing_matches_the_standard_webhooks_example() {
    // The example in the Standard Webhooks specification.
    let signature = sign(
        "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw",
        "msg_p5jXN8AQM9LWM0D4loKWxJek",
        1614265330,
        br#"{"test": 2432232314}"#,
    );
    assert_eq!(signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

#[test]
fn webhook_accepts_a_signed_batch() {
    let receiver = WebhookReceiver::start(SECRET);
    let body = batch_body(json!([
        {"key": "u1", "op": "upsert", "properties": {"segments": ["Champions"], "email": "a@x.com"}},
        {"key": "u2", "op": "exit", "properties": {"segments": []}},
        {"key": "u3", "op": "exit"},
    ]));
    assert_eq!(deliver_signed(&receiver, "msg_1", &body), 200);
    let batches = receiver.batches();
    assert_eq!(batches.len(), 1);
    assert_eq!(batches[0].destination, "Ops hook");
    assert_eq!(batches[0].kind, "users");
    assert_eq!(batches[0].webhook_id, "msg_1");
    let latest = receiver.latest();
    let u1 = &latest[&("users".to_string(), "u1".to_string())];
    assert_eq!(u1.op, Op::Upsert);
    assert_eq!(u1.properties["segments"], json!(["Champions"]));
    assert_eq!(
        latest[&("users".to_string(), "u3".to_string())].op,
        Op::Exit
    );
    assert_eq!(receiver.records("users").len(), 3);
    assert!(receiver.records("accounts").is_empty());
    assert_eq!(receiver.rejected(), 0);
    assert!(receiver.wait_for_batches(1, Duration::from_millis(10)));
}

#[test]
fn webhook_delay_answers_late_but_records_at_once() {
    let receiver = WebhookReceiver::start(SECRET);
    receiver.set_delay(Duration::from_millis(100));
    let body = batch_body(json!([{"key": "u1", "op": "upsert", "properties": {}}]));
    let started = Instant::now();
    assert_eq!(deliver_signed(&receiver, "msg_1", &body), 200);
    assert!(started.elapsed() >= Duration::from_millis(100));
    assert_eq!(receiver.batches().len(), 1);
}

#[test]
fn webhook_refuses_a_bad_signature() {
    let receiver = WebhookReceiver::start(SECRET);
    let body = batch_body(json!([{"key": "u1", "op": "upsert", "properties": {}}]));
    let now = unix_now();
    let good = sign(SECRET, "msg_1", now, &body);
    let tampered = batch_body(json!([{"key": "u1", "op": "exit"}]));
    assert_eq!(
        deliver(&receiver, "msg_1", now, &good, &tampered),
        401,
        "another body"
    );
    assert_eq!(
        deliver(&receiver, "msg_2", now, &good, &body),
        401,
        "another id"
    );
    assert_eq!(
        deliver(&receiver, "msg_1", now + 1, &good, &body),
        401,
        "another time"
    );
    assert_eq!(deliver(&receiver, "msg_1", now, "v1,bm9wZQ==", &body), 401);
    assert_eq!(
        deliver(&receiver, "msg_1", now, &good.replace("v1,", "v2,"), &body),
        401
    );
    let stale = now - 6 * 60;
    let signed_stale = sign(SECRET, "msg_1", stale, &body);
    assert_eq!(
        deliver(&receiver, "msg_1", stale, &signed_stale, &body),
        401,
        "too old"
    );
    let unsigned = send(
        &agent(Duration::from_secs(5)),
        "POST",
        &receiver.url(),
        &[("Content-Type", "application/json")],
        Some(&body),
    )
    .unwrap();
    assert_eq!(unsigned.status, 401);
    assert_eq!(receiver.rejected(), 7);
    assert!(
        receiver
            .rejections()
            .iter()
            .any(|why| why.contains("webhook-id"))
    );
    assert!(receiver.batches().is_empty());
    assert!(
        receiver.deliveries().is_empty(),
        "only signed deliveries are kept"
    );
    assert_eq!(receiver.total_requests(), 7);

    let several = format!("v1,bm9wZQ== {good}");
    assert_eq!(
        deliver(&receiver, "msg_1", now, &several, &body),
        200,
        "one of several"
    );
}

#[test]
fn webhook_decodes_a_whsec_secret() {
    let receiver = WebhookReceiver::start(SECRET);
    let body = batch_body(json!([]));
    let now = unix_now();
    let key = BASE64
        .decode(SECRET.strip_prefix("whsec_").unwrap())
        .unwrap();
    assert_eq!(key, b"segscope test key");
    let with = |key: &[u8]| {
        let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
        mac.update(format!("msg_1.{now}.").as_bytes());
        mac.update(&body);
        format!("v1,{}", BASE64.encode(mac.finalize().into_bytes()))
    };
    assert_eq!(
        deliver(&receiver, "msg_1", now, &with(SECRET.as_bytes()), &body),
        401
    );
    assert_eq!(deliver(&receiver, "msg_1", now, &with(&key), &body), 200);

    let raw = WebhookReceiver::start("plain secret");
    let signature = with(b"plain secret");
    assert_eq!(
        deliver(&raw, "msg_1", now, &signature, &body),
        200,
        "raw bytes as the key"
    );
}

#[test]
fn webhook_counts_a_retried_batch_once() {
    let receiver = WebhookReceiver::start(SECRET);
    receiver.fail_next(1, WebhookFault::ServerError);
    let body = batch_body(json!([{"key": "u1", "op": "upsert", "properties": {"plan": "pro"}}]));
    assert_eq!(deliver_signed(&receiver, "msg_1", &body), 500);
    assert!(receiver.batches().is_empty());
    assert_eq!(deliver_signed(&receiver, "msg_1", &body), 200);
    assert_eq!(
        deliver_signed(&receiver, "msg_1", &body),
        200,
        "a duplicate is acknowledged"
    );
    assert_eq!(receiver.attempts("msg_1"), 3);
    assert_eq!(
        receiver.batches().len(),
        1,
        "one batch, delivered three times"
    );
    assert_eq!(receiver.records("users").len(), 1);
    assert!(receiver.conflicting_ids().is_empty());
    let statuses: Vec<u16> = receiver.deliveries().iter().map(|d| d.status).collect();
    assert_eq!(statuses, [500, 200, 200]);

    let changed = batch_body(json!([{"key": "u1", "op": "exit"}]));
    assert_eq!(deliver_signed(&receiver, "msg_1", &changed), 200);
    assert_eq!(
        receiver.conflicting_ids(),
        ["msg_1"],
        "same id, another body"
    );
    assert_eq!(deliver_signed(&receiver, "msg_2", &changed), 200);
    assert_eq!(
        receiver.attempts_by_id().into_iter().collect::<Vec<_>>(),
        [("msg_1".to_string(), 4), ("msg_2".to_string(), 1)]
    );
}

#[test]
fn webhook_faults_and_malformed_batches() {
    let receiver = WebhookReceiver::start(SECRET);
    receiver.fail_next(
        1,
        WebhookFault::TooManyRequests {
            retry_after_secs: 2,
        },
    );
    receiver.fail_next(1, WebhookFault::Gone);
    let body = batch_body(json!([{"key": "u1", "op": "upsert", "properties": {}}]));
    let now = unix_now();
    let signature = sign(SECRET, "msg_1", now, &body);
    let headers = [
        ("webhook-id", "msg_1"),
        ("webhook-timestamp", &now.to_string()),
        ("webhook-signature", signature.as_str()),
        ("Content-Type", "application/json"),
    ];
    let agent = agent(Duration::from_secs(5));
    let limited = send(&agent, "POST", &receiver.url(), &headers, Some(&body)).unwrap();
    assert_eq!(limited.status, 429);
    assert_eq!(limited.header("Retry-After"), Some("2"));
    assert_eq!(deliver_signed(&receiver, "msg_1", &body), 410);
    assert!(receiver.batches().is_empty());

    for bad in [
        json!({"kind": "users", "records": []}),
        json!({"destination": "Ops hook", "kind": "users", "records": [{"key": "u1", "op": "delete", "properties": {}}]}),
        json!({"destination": "Ops hook", "kind": "users", "records": [{"key": "u1", "op": "upsert"}]}),
        json!({"destination": "Ops hook", "kind": "users", "records": [{"key": 1, "op": "exit"}]}),
    ] {
        let bytes = bad.to_string().into_bytes();
        assert_eq!(deliver_signed(&receiver, "msg_bad", &bytes), 400, "{bad}");
    }
    assert_eq!(receiver.malformed(), 4);
    assert_eq!(receiver.rejected(), 0);
    let elsewhere = format!("{}/other", receiver.url());
    let status = send(&agent, "POST", &elsewhere, &headers, Some(&body))
        .unwrap()
        .status;
    assert_eq!(status, 404);
}

//! What a HubSpot run needs of the portal's properties, and making it so:
//! per kind the key (a unique property) and a property per mapping of the
//! type the mapping needs — a multi-select whose options are a superset of
//! the values that will be sent, multi-line text, or a type read from the
//! values — checked before anything is sent ([`check_plan`]) and then
//! ensured: created when missing, options patched when short, and refused
//! when one exists with another type.

use std::collections::BTreeSet;

use serde_json::{Value as Json, json};

use super::HubSpot;
use crate::model::SEGMENTS;
use crate::model::destination::ListEncoding;
use crate::sync::SyncError;
use crate::sync::connector::{Stop, SyncControl};
use crate::sync::plan::{KindPlan, SyncPlan};

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

impl HubSpot {
    /// Makes one property what the plan needs, creating (when `may_create`)
    /// or patching it.
    pub(super) fn ensure(
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
        // A contact's `email` is HubSpot's own identifier: it takes it as
        // `idProperty` although its definition says `hasUniqueValue: false`.
        let builtin_identifier = object == "contacts" && wanted.name == "email";
        if wanted.unique
            && !builtin_identifier
            && existing.get("hasUniqueValue").and_then(Json::as_bool) != Some(true)
        {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn property_names_are_hubspots() {
        assert!(valid_property_name("segscope_segments"));
        assert!(!valid_property_name("Segments"));
        assert!(!valid_property_name("1st"));
        assert!(!valid_property_name(""));
    }
}

//! The property catalog of one object type in the fake portal: the
//! built-in properties HubSpot has (contacts' unique `email`, companies'
//! not-unique `domain`, the read-only `hs_object_id`, …), the ones a sync
//! creates or patches, and what values each takes. What HubSpot checks of a
//! definition beyond the OpenAPI shape (field type against type, options
//! only on enumerations — and a boolean's true/false — and at most 5,000) is here too.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Value, json};

use super::crm::Refusal;

pub const MAX_OPTIONS: usize = 5000;
pub const MAX_TEXT_LENGTH: usize = 65_536;

#[derive(Clone, Debug)]
pub struct PropertyOption {
    pub label: String,
    pub value: String,
    pub hidden: bool,
    pub display_order: i64,
    pub description: String,
}

#[derive(Clone, Debug)]
pub struct Property {
    pub name: String,
    pub label: String,
    pub group_name: String,
    pub kind: String,
    pub field_type: String,
    pub options: Vec<PropertyOption>,
    pub has_unique_value: bool,
    /// An object type's own identifier (contacts' `email`): an upsert may
    /// name it as `idProperty` whatever `hasUniqueValue` says.
    pub identifier: bool,
    pub hidden: bool,
    pub form_field: bool,
    pub display_order: i64,
    pub description: String,
    pub hubspot_defined: bool,
    /// Calculated by HubSpot: an upsert may not set it, nor a PATCH change it.
    pub read_only: bool,
    pub created_at: String,
    pub updated_at: String,
}

impl Property {
    fn builtin(name: &str, kind: &str, field_type: &str, group: &str, now: &str) -> Property {
        Property {
            name: name.to_string(),
            label: name.to_string(),
            group_name: group.to_string(),
            kind: kind.to_string(),
            field_type: field_type.to_string(),
            options: Vec::new(),
            has_unique_value: false,
            identifier: false,
            hidden: false,
            form_field: true,
            display_order: -1,
            description: String::new(),
            hubspot_defined: true,
            read_only: false,
            created_at: now.to_string(),
            updated_at: now.to_string(),
        }
    }

    /// The `Property` schema of the OpenAPI spec.
    pub fn to_json(&self) -> Value {
        let options: Vec<Value> = self
            .options
            .iter()
            .map(|option| {
                json!({
                    "label": option.label,
                    "value": option.value,
                    "hidden": option.hidden,
                    "displayOrder": option.display_order,
                    "description": option.description,
                })
            })
            .collect();
        json!({
            "name": self.name,
            "label": self.label,
            "type": self.kind,
            "fieldType": self.field_type,
            "description": self.description,
            "groupName": self.group_name,
            "options": options,
            "displayOrder": self.display_order,
            "calculated": false,
            "externalOptions": false,
            "hasUniqueValue": self.has_unique_value,
            "hidden": self.hidden,
            "hubspotDefined": self.hubspot_defined,
            "formField": self.form_field,
            "archived": false,
            "dataSensitivity": "non_sensitive",
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
            "modificationMetadata": {
                "archivable": !self.hubspot_defined,
                "readOnlyDefinition": self.read_only,
                "readOnlyValue": self.read_only,
                "readOnlyOptions": self.read_only,
            },
        })
    }

    /// The value as HubSpot keeps it: email addresses in lower case, so
    /// `A@x.com` and `a@x.com` are one contact.
    pub fn normalise(&self, value: &str) -> String {
        if self.name == "email" {
            value.to_lowercase()
        } else {
            value.to_string()
        }
    }

    /// Why a non-empty `value` does not fit, as HubSpot's error code and a
    /// message. A multi-select (enumeration, checkbox) takes options joined
    /// with `;`; a single select takes one option.
    pub fn refuses(&self, value: &str) -> Option<(&'static str, String)> {
        let name = &self.name;
        match self.kind.as_str() {
            "enumeration" => {
                let pieces: Vec<&str> = if self.field_type == "checkbox" {
                    value.split(';').collect()
                } else {
                    vec![value]
                };
                let allowed = |piece: &&str| self.options.iter().any(|o| o.value == *piece);
                let wrong: Vec<&str> = pieces.into_iter().filter(|p| !allowed(p)).collect();
                (!wrong.is_empty()).then(|| {
                    let options: Vec<&str> =
                        self.options.iter().map(|o| o.value.as_str()).collect();
                    (
                        "INVALID_OPTION",
                        format!("{wrong:?} not among the allowed options of {name}: {options:?}"),
                    )
                })
            }
            "number" => (!value.parse::<f64>().is_ok_and(f64::is_finite))
                .then(|| ("INVALID_NUMBER", format!("{value:?} is not a number"))),
            "bool" => (!value.eq_ignore_ascii_case("true") && !value.eq_ignore_ascii_case("false"))
                .then(|| ("INVALID_BOOLEAN", format!("{value:?} is not true or false"))),
            "date" | "datetime" => (!is_date_or_time(value)).then(|| {
                (
                    "INVALID_DATE",
                    format!("{value:?} is neither an ISO 8601 date or time nor epoch milliseconds"),
                )
            }),
            _ if value.chars().count() > MAX_TEXT_LENGTH => Some((
                "INVALID_STRING_LENGTH",
                format!("{name} holds at most {MAX_TEXT_LENGTH} characters"),
            )),
            _ if name == "email" && !is_email(value) => {
                Some(("INVALID_EMAIL", format!("Email address {value} is invalid")))
            }
            _ => None,
        }
    }
}

/// The properties of one object type, and the groups new ones may join.
pub struct Properties {
    groups: &'static [&'static str],
    by_name: BTreeMap<String, Property>,
}

impl Properties {
    /// The built-in properties of `contacts` or `companies` (a few of
    /// HubSpot's standard ones, enough for the sync's mappings).
    pub fn builtin(object: &str, last_modified: &str, now: &str) -> Properties {
        let (group, texts, numbers): (_, &[&str], &[&str]) = if object == "contacts" {
            (
                "contactinformation",
                &["firstname", "lastname", "company", "website", "jobtitle"],
                &[],
            )
        } else {
            (
                "companyinformation",
                &["name", "domain", "city", "country", "website"],
                &["numberofemployees", "annualrevenue"],
            )
        };
        let builtin =
            |name, kind, field_type| Property::builtin(name, kind, field_type, group, now);
        let mut properties = Vec::new();
        properties.extend(texts.iter().map(|name| builtin(name, "string", "text")));
        properties.extend(numbers.iter().map(|name| builtin(name, "number", "number")));
        properties.push(builtin("phone", "string", "phonenumber"));
        properties.push(builtin("createdate", "datetime", "date"));
        let mut stage = builtin("lifecyclestage", "enumeration", "radio");
        stage.options = [
            "subscriber",
            "lead",
            "marketingqualifiedlead",
            "salesqualifiedlead",
            "opportunity",
            "customer",
            "evangelist",
            "other",
        ]
        .iter()
        .zip(0..)
        .map(|(value, order)| PropertyOption {
            label: value.to_string(),
            value: value.to_string(),
            hidden: false,
            display_order: order,
            description: String::new(),
        })
        .collect();
        properties.push(stage);
        let mut modified = builtin(last_modified, "datetime", "date");
        modified.read_only = true;
        properties.push(modified);
        let mut id = builtin("hs_object_id", "number", "number");
        id.read_only = true;
        id.has_unique_value = true;
        properties.push(id);
        if object == "contacts" {
            // As in HubSpot: the contacts' identifier, whose definition
            // nonetheless says `hasUniqueValue: false`.
            let mut email = builtin("email", "string", "text");
            email.identifier = true;
            properties.push(email);
        }
        Properties {
            groups: if object == "contacts" {
                &["contactinformation"]
            } else {
                &["companyinformation"]
            },
            by_name: properties
                .into_iter()
                .map(|property| (property.name.clone(), property))
                .collect(),
        }
    }

    pub fn get(&self, name: &str) -> Option<&Property> {
        self.by_name.get(name)
    }

    /// `GET /crm/v3/properties/{object}/{name}`.
    pub fn find(&self, object: &str, name: &str) -> Result<&Property, Refusal> {
        self.get(name).ok_or_else(|| Refusal {
            status: 404,
            category: "OBJECT_NOT_FOUND",
            message: format!("Unable to find property {name} for object type {object}"),
            errors: Vec::new(),
        })
    }

    /// `POST /crm/v3/properties/{object}` with a body of the right shape.
    pub fn create(&mut self, object: &str, body: &Value, now: &str) -> Result<&Property, Refusal> {
        let text = |field: &str| body[field].as_str().unwrap_or_default().to_string();
        let name = text("name");
        if !is_property_name(&name) {
            return Err(Refusal::validation(format!(
                "Property name {name:?} is not valid: it must start with a lower-case letter and \
                 hold only lower-case letters, digits and underscores"
            )));
        }
        if self.by_name.contains_key(&name) {
            return Err(Refusal {
                status: 409,
                category: "OBJECT_ALREADY_EXISTS",
                message: format!("A property named '{name}' already exists."),
                errors: Vec::new(),
            });
        }
        if body["type"] == "enumeration" && !body["options"].is_array() {
            return Err(Refusal::validation(
                "options are required for an enumeration property",
            ));
        }
        let property = Property {
            name: name.clone(),
            label: text("label"),
            group_name: text("groupName"),
            kind: text("type"),
            field_type: text("fieldType"),
            options: options_of(&body["options"]),
            has_unique_value: body["hasUniqueValue"].as_bool().unwrap_or(false),
            identifier: false,
            hidden: body["hidden"].as_bool().unwrap_or(false),
            form_field: body["formField"].as_bool().unwrap_or(false),
            display_order: body["displayOrder"].as_i64().unwrap_or(-1),
            description: text("description"),
            hubspot_defined: false,
            read_only: false,
            created_at: now.to_string(),
            updated_at: now.to_string(),
        };
        self.check(object, &property)?;
        Ok(self.by_name.entry(name).or_insert(property))
    }

    /// `PATCH /crm/v3/properties/{object}/{name}`: the fields given replace
    /// the property's; `options`, when given, is the whole new list.
    pub fn update(
        &mut self,
        object: &str,
        name: &str,
        body: &Value,
        now: &str,
    ) -> Result<&Property, Refusal> {
        let mut property = self.find(object, name)?.clone();
        if property.read_only {
            return Err(Refusal::validation(format!(
                "Property {name} is read-only and cannot be changed"
            )));
        }
        let text = |field: &str, into: &mut String| {
            if let Some(value) = body[field].as_str() {
                *into = value.to_string();
            }
        };
        text("label", &mut property.label);
        text("groupName", &mut property.group_name);
        text("type", &mut property.kind);
        text("fieldType", &mut property.field_type);
        text("description", &mut property.description);
        if let Some(hidden) = body["hidden"].as_bool() {
            property.hidden = hidden;
        }
        if let Some(form_field) = body["formField"].as_bool() {
            property.form_field = form_field;
        }
        if let Some(order) = body["displayOrder"].as_i64() {
            property.display_order = order;
        }
        if body["options"].is_array() {
            property.options = options_of(&body["options"]);
        }
        self.check(object, &property)?;
        property.updated_at = now.to_string();
        let slot = self.by_name.get_mut(name).expect("found above");
        *slot = property;
        Ok(slot)
    }

    /// What HubSpot checks of a definition beyond its shape: a group that
    /// exists, a field type that fits the type, and options only (at most
    /// 5,000, each value once) on an enumeration.
    fn check(&self, object: &str, property: &Property) -> Result<(), Refusal> {
        if !self.groups.contains(&property.group_name.as_str()) {
            return Err(Refusal::validation(format!(
                "Property group {:?} does not exist for {object} (there is {})",
                property.group_name,
                self.groups.join(", ")
            )));
        }
        let fits: &[&str] = match property.kind.as_str() {
            "enumeration" => &[
                "checkbox",
                "radio",
                "select",
                "booleancheckbox",
                "calculation_equation",
            ],
            "string" => &["text", "textarea", "html", "file", "phonenumber"],
            "number" => &["number", "calculation_equation"],
            "bool" => &["booleancheckbox", "calculation_equation"],
            "date" | "datetime" => &["date"],
            "phone_number" => &["phonenumber"],
            _ => &[],
        };
        if !fits.contains(&property.field_type.as_str()) {
            return Err(Refusal::validation(format!(
                "fieldType {} does not fit type {} (it takes {})",
                property.field_type,
                property.kind,
                fits.join(", ")
            )));
        }
        // A boolean checkbox lists its two values as options, as HubSpot's
        // own boolean properties do; any other non-enumeration has none.
        let boolean_options = property.kind == "bool"
            && property
                .options
                .iter()
                .all(|o| o.value == "true" || o.value == "false");
        if property.kind != "enumeration" && !property.options.is_empty() && !boolean_options {
            return Err(Refusal::validation(format!(
                "Property {} of type {} cannot have options",
                property.name, property.kind
            )));
        }
        if property.options.len() > MAX_OPTIONS {
            return Err(Refusal::validation(format!(
                "Property {} has {} options; a property holds at most {MAX_OPTIONS}",
                property.name,
                property.options.len()
            )));
        }
        let mut values = BTreeSet::new();
        for option in &property.options {
            if !values.insert(option.value.as_str()) {
                return Err(Refusal::validation(format!(
                    "Option value {:?} appears twice in {}",
                    option.value, property.name
                )));
            }
        }
        Ok(())
    }
}

fn is_email(value: &str) -> bool {
    let mut parts = value.split('@');
    let (Some(local), Some(domain), None) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !value.chars().any(char::is_whitespace)
}

fn is_date_or_time(value: &str) -> bool {
    (!value.is_empty() && value.bytes().all(|b| b.is_ascii_digit()))
        || value.parse::<jiff::Timestamp>().is_ok()
        || value.parse::<jiff::civil::Date>().is_ok()
}

fn is_property_name(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(|c| c.is_ascii_lowercase())
        && chars.all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

fn options_of(options: &Value) -> Vec<PropertyOption> {
    let text = |option: &Value, field: &str| option[field].as_str().unwrap_or_default().to_string();
    options
        .as_array()
        .map(|options| {
            options
                .iter()
                .map(|option| PropertyOption {
                    label: text(option, "label"),
                    value: text(option, "value"),
                    hidden: option["hidden"].as_bool().unwrap_or(false),
                    display_order: option["displayOrder"].as_i64().unwrap_or(-1),
                    description: text(option, "description"),
                })
                .collect()
        })
        .unwrap_or_default()
}

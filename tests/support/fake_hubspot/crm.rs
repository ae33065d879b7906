//! The fake portal's state and the rules HubSpot applies to it: the
//! properties of contacts and companies (built-in and created), the objects
//! with their HubSpot ids, and what a property write or a batch upsert may
//! do. Bodies reach here already checked against the OpenAPI shapes
//! (`schema`); this file judges what they mean. Nothing here knows HTTP
//! beyond the status a refusal carries.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

/// HubSpot's limits that a sync has to live with.
pub const MAX_BATCH_INPUTS: usize = 100;
pub const MAX_OPTIONS: usize = 5000;
pub const MAX_TEXT_LENGTH: usize = 65_536;

/// A request HubSpot would refuse: the status and the error body's
/// `category`, `message` and per-problem `errors`.
#[derive(Debug)]
pub struct Refusal {
    pub status: u16,
    pub category: &'static str,
    pub message: String,
    pub errors: Vec<Value>,
}

impl Refusal {
    pub fn validation(message: impl Into<String>) -> Refusal {
        Refusal {
            status: 400,
            category: "VALIDATION_ERROR",
            message: message.into(),
            errors: Vec::new(),
        }
    }
}

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

    fn is_multi_select(&self) -> bool {
        self.kind == "enumeration" && self.field_type == "checkbox"
    }
}

/// One CRM object: its HubSpot id and the property values it holds (a
/// cleared property is absent).
#[derive(Clone, Debug)]
pub struct Record {
    pub id: u64,
    /// The unique property it was last upserted by, and its value there.
    pub key_property: String,
    pub key: String,
    pub properties: BTreeMap<String, String>,
    pub created_at: String,
    pub updated_at: String,
}

struct ObjectType {
    groups: &'static [&'static str],
    last_modified: &'static str,
    properties: BTreeMap<String, Property>,
    records: BTreeMap<u64, Record>,
}

pub struct Crm {
    types: BTreeMap<&'static str, ObjectType>,
    next_id: u64,
}

/// What a batch upsert did: the objects written and, for the ids a 207 was
/// asked for, one error each.
pub struct Upserted {
    pub results: Vec<Value>,
    pub errors: Vec<Value>,
}

impl Crm {
    pub fn new(now: &str) -> Crm {
        let lifecycle = [
            "subscriber",
            "lead",
            "marketingqualifiedlead",
            "salesqualifiedlead",
            "opportunity",
            "customer",
            "evangelist",
            "other",
        ];
        let builtin = |name: &str, kind: &str, field_type: &str, group: &str| Property {
            name: name.to_string(),
            label: name.to_string(),
            group_name: group.to_string(),
            kind: kind.to_string(),
            field_type: field_type.to_string(),
            options: Vec::new(),
            has_unique_value: false,
            hidden: false,
            form_field: true,
            display_order: -1,
            description: String::new(),
            hubspot_defined: true,
            read_only: false,
            created_at: now.to_string(),
            updated_at: now.to_string(),
        };
        let mut types = BTreeMap::new();
        for (object, group, last_modified, texts, numbers) in [
            (
                "contacts",
                "contactinformation",
                "lastmodifieddate",
                &["firstname", "lastname", "company", "website", "jobtitle"][..],
                &[][..],
            ),
            (
                "companies",
                "companyinformation",
                "hs_lastmodifieddate",
                &["name", "domain", "city", "country", "website"][..],
                &["numberofemployees", "annualrevenue"][..],
            ),
        ] {
            let mut properties = Vec::new();
            for name in texts {
                properties.push(builtin(name, "string", "text", group));
            }
            for name in numbers {
                properties.push(builtin(name, "number", "number", group));
            }
            properties.push(builtin("phone", "string", "phonenumber", group));
            properties.push(builtin("createdate", "datetime", "date", group));
            let mut stage = builtin("lifecyclestage", "enumeration", "radio", group);
            stage.options = lifecycle
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
            let mut modified = builtin(last_modified, "datetime", "date", group);
            modified.read_only = true;
            properties.push(modified);
            let mut id = builtin("hs_object_id", "number", "number", group);
            id.read_only = true;
            id.has_unique_value = true;
            properties.push(id);
            if object == "contacts" {
                let mut email = builtin("email", "string", "text", group);
                email.has_unique_value = true;
                properties.push(email);
            }
            types.insert(
                object,
                ObjectType {
                    groups: if object == "contacts" {
                        &["contactinformation"]
                    } else {
                        &["companyinformation"]
                    },
                    last_modified,
                    properties: properties
                        .into_iter()
                        .map(|property| (property.name.clone(), property))
                        .collect(),
                    records: BTreeMap::new(),
                },
            );
        }
        Crm {
            types,
            next_id: 1001,
        }
    }

    fn object_type(&self, object: &str) -> Result<&ObjectType, Refusal> {
        self.types.get(object).ok_or_else(|| unknown_object(object))
    }

    fn object_type_mut(&mut self, object: &str) -> Result<&mut ObjectType, Refusal> {
        self.types
            .get_mut(object)
            .ok_or_else(|| unknown_object(object))
    }

    pub fn property(&self, object: &str, name: &str) -> Result<&Property, Refusal> {
        self.object_type(object)?
            .properties
            .get(name)
            .ok_or_else(|| Refusal {
                status: 404,
                category: "OBJECT_NOT_FOUND",
                message: format!("Unable to find property {name} for object type {object}"),
                errors: Vec::new(),
            })
    }

    pub fn records(&self, object: &str) -> Vec<&Record> {
        self.types
            .get(object)
            .map(|object_type| object_type.records.values().collect())
            .unwrap_or_default()
    }

    /// `POST /crm/v3/properties/{object}` with a body of the right shape.
    pub fn create_property(
        &mut self,
        object: &str,
        body: &Value,
        now: &str,
    ) -> Result<&Property, Refusal> {
        let object_type = self.object_type_mut(object)?;
        let text = |field: &str| body[field].as_str().unwrap_or_default().to_string();
        let name = text("name");
        if !is_property_name(&name) {
            return Err(Refusal::validation(format!(
                "Property name {name:?} is not valid: it must start with a lower-case letter and \
                 hold only lower-case letters, digits and underscores"
            )));
        }
        if object_type.properties.contains_key(&name) {
            return Err(Refusal {
                status: 409,
                category: "OBJECT_ALREADY_EXISTS",
                message: format!("A property named '{name}' already exists."),
                errors: Vec::new(),
            });
        }
        let group_name = text("groupName");
        if !object_type.groups.contains(&group_name.as_str()) {
            return Err(Refusal::validation(format!(
                "Property group {group_name:?} does not exist for {object} (there is {})",
                object_type.groups.join(", ")
            )));
        }
        let property = Property {
            name: name.clone(),
            label: text("label"),
            group_name,
            kind: text("type"),
            field_type: text("fieldType"),
            options: options_of(&body["options"]),
            has_unique_value: body["hasUniqueValue"].as_bool().unwrap_or(false),
            hidden: body["hidden"].as_bool().unwrap_or(false),
            form_field: body["formField"].as_bool().unwrap_or(false),
            display_order: body["displayOrder"].as_i64().unwrap_or(-1),
            description: text("description"),
            hubspot_defined: false,
            read_only: false,
            created_at: now.to_string(),
            updated_at: now.to_string(),
        };
        if property.kind == "enumeration" && !body["options"].is_array() {
            return Err(Refusal::validation(
                "options are required for an enumeration property",
            ));
        }
        check_definition(&property)?;
        Ok(object_type.properties.entry(name).or_insert(property))
    }

    /// `PATCH /crm/v3/properties/{object}/{name}`: the fields given replace
    /// the property's; `options`, when given, is the whole new list.
    pub fn update_property(
        &mut self,
        object: &str,
        name: &str,
        body: &Value,
        now: &str,
    ) -> Result<&Property, Refusal> {
        let mut property = self.property(object, name)?.clone();
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
        let object_type = self.object_type_mut(object)?;
        if !object_type.groups.contains(&property.group_name.as_str()) {
            return Err(Refusal::validation(format!(
                "Property group {:?} does not exist for {object}",
                property.group_name
            )));
        }
        check_definition(&property)?;
        property.updated_at = now.to_string();
        let slot = object_type.properties.get_mut(name).expect("found above");
        *slot = property;
        Ok(slot)
    }

    /// `POST /crm/v3/objects/{object}/batch/upsert` with a body of the right
    /// shape. Either every input is valid and all are written (except those
    /// whose id is in `fail_ids`, answered with one error each), or nothing
    /// is written and the whole batch is refused.
    pub fn upsert(
        &mut self,
        object: &str,
        body: &Value,
        fail_ids: &[String],
        now: &str,
    ) -> Result<Upserted, Refusal> {
        let object_type = self.object_type(object)?;
        let inputs = body["inputs"].as_array().expect("checked by the schema");
        if inputs.is_empty() {
            return Err(Refusal::validation("inputs must hold at least one input"));
        }
        if inputs.len() > MAX_BATCH_INPUTS {
            return Err(Refusal::validation(format!(
                "Batch of {} inputs is too large: at most {MAX_BATCH_INPUTS} inputs per request",
                inputs.len()
            )));
        }
        let mut writes = Vec::with_capacity(inputs.len());
        let mut seen = BTreeSet::new();
        let mut duplicates = BTreeSet::new();
        let mut invalid = Vec::new();
        for input in inputs {
            let write = Write::judge(object_type, input, &mut invalid)?;
            if !seen.insert(write.key.clone()) {
                duplicates.insert(write.key.clone());
            }
            writes.push(write);
        }
        if !duplicates.is_empty() {
            return Err(Refusal::validation(format!(
                "Duplicate IDs found in batch input: {:?}. IDs must be unique",
                duplicates.into_iter().collect::<Vec<_>>()
            )));
        }
        if !invalid.is_empty() {
            return Err(invalid_values(invalid));
        }
        let fail: BTreeSet<String> = fail_ids.iter().map(|id| id.to_lowercase()).collect();
        let mut upserted = Upserted {
            results: Vec::new(),
            errors: Vec::new(),
        };
        for write in writes {
            if fail.contains(&write.key.to_lowercase()) {
                upserted.errors.push(json!({
                    "status": "error",
                    "category": "VALIDATION_ERROR",
                    "message": format!("Record {} was refused (an injected failure)", write.key),
                    "context": { "ids": [write.id_as_sent] },
                    "errors": [],
                    "links": {},
                }));
                continue;
            }
            let result = self.apply(object, write, now);
            upserted.results.push(result);
        }
        Ok(upserted)
    }

    fn apply(&mut self, object: &str, write: Write, now: &str) -> Value {
        let next_id = self.next_id;
        let object_type = self.types.get_mut(object).expect("judged above");
        let found = object_type
            .records
            .values()
            .find(|record| {
                record
                    .properties
                    .get(&write.id_property)
                    .map(String::as_str)
                    == Some(write.key.as_str())
            })
            .map(|record| record.id);
        let is_new = found.is_none();
        let id = found.unwrap_or_else(|| {
            object_type.records.insert(
                next_id,
                Record {
                    id: next_id,
                    key_property: write.id_property.clone(),
                    key: write.key.clone(),
                    properties: BTreeMap::from([(write.id_property.clone(), write.key.clone())]),
                    created_at: now.to_string(),
                    updated_at: now.to_string(),
                },
            );
            next_id
        });
        if is_new {
            self.next_id += 1;
        }
        let last_modified = object_type.last_modified;
        let record = object_type.records.get_mut(&id).expect("found or made");
        record.key_property = write.id_property;
        record.key = write.key;
        for (name, value) in write.values {
            if value.is_empty() {
                record.properties.remove(&name);
            } else {
                record.properties.insert(name, value);
            }
        }
        record.updated_at = now.to_string();
        let mut properties: Map<String, Value> = record
            .properties
            .iter()
            .map(|(name, value)| (name.clone(), Value::from(value.as_str())))
            .collect();
        properties.insert("hs_object_id".into(), id.to_string().into());
        properties.insert("createdate".into(), record.created_at.clone().into());
        properties.insert(last_modified.into(), record.updated_at.clone().into());
        json!({
            "id": id.to_string(),
            "properties": properties,
            "createdAt": record.created_at,
            "updatedAt": record.updated_at,
            "archived": false,
            "new": is_new,
        })
    }
}

/// One input of a batch, judged: which object it names (by its unique
/// property and normalised id) and the values it sets.
struct Write {
    id_property: String,
    id_as_sent: String,
    key: String,
    values: Vec<(String, String)>,
}

impl Write {
    /// A refusal of the whole batch for a bad `idProperty` or `id`; the
    /// property values' problems go into `invalid`, to be reported together.
    fn judge(
        object_type: &ObjectType,
        input: &Value,
        invalid: &mut Vec<Value>,
    ) -> Result<Write, Refusal> {
        let id_as_sent = input["id"].as_str().expect("checked").to_string();
        let Some(id_property) = input["idProperty"].as_str() else {
            return Err(Refusal::validation(format!(
                "Input with id {id_as_sent:?} has no idProperty: an upsert names the unique \
                 property its ids are values of"
            )));
        };
        let unique = object_type
            .properties
            .get(id_property)
            .filter(|property| property.has_unique_value && !property.read_only);
        let Some(unique) = unique else {
            return Err(Refusal::validation(format!(
                "idProperty {id_property:?} is not a unique property of this object type; \
                 upserts need a property with hasUniqueValue"
            )));
        };
        if id_as_sent.is_empty() {
            return Err(Refusal::validation(format!(
                "An input has an empty id for idProperty {id_property}"
            )));
        }
        let key = normalise(unique, &id_as_sent);
        if let Some((code, message)) = invalid_value(unique, &key) {
            invalid.push(problem(id_property, &id_as_sent, code, &message));
        }
        let mut values = Vec::new();
        let properties = input["properties"].as_object().expect("checked");
        for (name, value) in properties {
            let value = value.as_str().expect("checked");
            let Some(property) = object_type.properties.get(name) else {
                invalid.push(problem(
                    name,
                    &id_as_sent,
                    "PROPERTY_DOESNT_EXIST",
                    &format!("Property \"{name}\" does not exist"),
                ));
                continue;
            };
            if property.read_only {
                invalid.push(problem(
                    name,
                    &id_as_sent,
                    "READ_ONLY_VALUE",
                    &format!("Property \"{name}\" is read-only"),
                ));
                continue;
            }
            let value = normalise(property, value);
            if name == id_property && value != key {
                invalid.push(problem(
                    name,
                    &id_as_sent,
                    "INVALID_ID_PROPERTY_VALUE",
                    &format!("{name} is the idProperty: its value must be the input's id"),
                ));
                continue;
            }
            if !value.is_empty()
                && let Some((code, message)) = invalid_value(property, &value)
            {
                invalid.push(problem(name, &id_as_sent, code, &message));
                continue;
            }
            values.push((name.clone(), value));
        }
        Ok(Write {
            id_property: id_property.to_string(),
            id_as_sent,
            key,
            values,
        })
    }
}

/// HubSpot keeps email addresses in lower case, so `A@x.com` and `a@x.com`
/// are one contact.
fn normalise(property: &Property, value: &str) -> String {
    if property.name == "email" {
        value.to_lowercase()
    } else {
        value.to_string()
    }
}

/// Why a non-empty `value` does not fit `property`, as HubSpot's error code
/// and a message.
fn invalid_value(property: &Property, value: &str) -> Option<(&'static str, String)> {
    let name = &property.name;
    match property.kind.as_str() {
        "enumeration" => {
            let allowed = |piece: &str| property.options.iter().any(|o| o.value == piece);
            let pieces: Vec<&str> = if property.is_multi_select() {
                value.split(';').collect()
            } else {
                vec![value]
            };
            let wrong: Vec<&str> = pieces.into_iter().filter(|p| !allowed(p)).collect();
            (!wrong.is_empty()).then(|| {
                let options: Vec<&str> =
                    property.options.iter().map(|o| o.value.as_str()).collect();
                (
                    "INVALID_OPTION",
                    format!(
                        "{wrong:?} {} not one of the allowed options of {name}: {options:?}",
                        if wrong.len() == 1 { "was" } else { "were" }
                    ),
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

/// What HubSpot checks of a property definition beyond its shape: a field
/// type that fits the type, and options only (and at most 5,000, each value
/// once) on an enumeration.
fn check_definition(property: &Property) -> Result<(), Refusal> {
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
    if property.kind != "enumeration" && !property.options.is_empty() {
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

fn options_of(options: &Value) -> Vec<PropertyOption> {
    options
        .as_array()
        .map(|options| {
            options
                .iter()
                .map(|option| PropertyOption {
                    label: option["label"].as_str().unwrap_or_default().to_string(),
                    value: option["value"].as_str().unwrap_or_default().to_string(),
                    hidden: option["hidden"].as_bool().unwrap_or(false),
                    display_order: option["displayOrder"].as_i64().unwrap_or(-1),
                    description: option["description"]
                        .as_str()
                        .unwrap_or_default()
                        .to_string(),
                })
                .collect()
        })
        .unwrap_or_default()
}

/// One invalid property value, the way HubSpot lists them inside the
/// message of a refused batch.
fn problem(name: &str, id: &str, code: &str, message: &str) -> Value {
    json!({
        "isValid": false,
        "message": message,
        "error": code,
        "name": name,
        "id": id,
    })
}

/// The whole-batch 400 for invalid property values: HubSpot puts the list
/// in the message as JSON; `errors` carries the same per problem.
fn invalid_values(problems: Vec<Value>) -> Refusal {
    let errors = problems
        .iter()
        .map(|problem| {
            json!({
                "message": problem["message"],
                "code": problem["error"],
                "context": {
                    "propertyName": [problem["name"]],
                    "ids": [problem["id"]],
                },
            })
        })
        .collect();
    Refusal {
        status: 400,
        category: "VALIDATION_ERROR",
        message: format!("Property values were not valid: {}", Value::Array(problems)),
        errors,
    }
}

fn unknown_object(object: &str) -> Refusal {
    Refusal::validation(format!(
        "Unable to infer object type from: {object} (the fake knows contacts and companies)"
    ))
}

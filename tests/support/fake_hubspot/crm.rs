//! The fake portal's objects and the rules of a batch upsert: the contacts
//! and companies with their HubSpot ids, at most 100 inputs, ids by a
//! unique property, each once per batch, values their properties take, and
//! a refused batch writes nothing. Bodies reach here already checked against
//! the OpenAPI shapes (`schema`); the property catalog is `properties`.
//! Nothing here knows HTTP beyond the status a refusal carries.
#![allow(dead_code)]

use std::collections::{BTreeMap, BTreeSet};

use serde_json::{Map, Value, json};

use super::properties::{Properties, Property};

/// HubSpot's limit on a batch.
pub const MAX_BATCH_INPUTS: usize = 100;

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
    /// HubSpot's name for it differs between contacts and companies.
    last_modified: &'static str,
    properties: Properties,
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
        let types = [
            ("contacts", "lastmodifieddate"),
            ("companies", "hs_lastmodifieddate"),
        ]
        .into_iter()
        .map(|(object, last_modified)| {
            let object_type = ObjectType {
                last_modified,
                properties: Properties::builtin(object, last_modified, now),
                records: BTreeMap::new(),
            };
            (object, object_type)
        })
        .collect();
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
        self.object_type(object)?.properties.find(object, name)
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
        object_type.properties.create(object, body, now)
    }

    /// `PATCH /crm/v3/properties/{object}/{name}` with a body of the right
    /// shape.
    pub fn update_property(
        &mut self,
        object: &str,
        name: &str,
        body: &Value,
        now: &str,
    ) -> Result<&Property, Refusal> {
        let object_type = self.object_type_mut(object)?;
        object_type.properties.update(object, name, body, now)
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
        create: bool,
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
        let mut upserted = Upserted {
            results: Vec::new(),
            errors: Vec::new(),
        };
        for write in writes {
            if fail_ids
                .iter()
                .any(|id| *id == write.id_as_sent || *id == write.key)
            {
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
            if !create && !self.holds(object, &write) {
                upserted.errors.push(json!({
                    "status": "error",
                    "category": "OBJECT_NOT_FOUND",
                    "message": format!("Could not get some {object} objects, they may be deleted or not exist"),
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

    /// Is there a record this write names?
    fn holds(&self, object: &str, write: &Write) -> bool {
        self.types.get(object).is_some_and(|object_type| {
            object_type.records.values().any(|record| {
                record
                    .properties
                    .get(&write.id_property)
                    .map(String::as_str)
                    == Some(write.key.as_str())
            })
        })
    }

    /// Removes the record an upsert keyed `key_property = key` made (a
    /// contact deleted in HubSpot).
    pub fn delete_record(&mut self, object: &str, key_property: &str, key: &str) {
        if let Some(object_type) = self.types.get_mut(object) {
            object_type.records.retain(|_, record| {
                record.properties.get(key_property).map(String::as_str) != Some(key)
            });
        }
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
        let unique = object_type.properties.get(id_property).filter(|property| {
            (property.has_unique_value || property.identifier) && !property.read_only
        });
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
        let key = unique.normalise(&id_as_sent);
        if let Some((code, message)) = unique.refuses(&key) {
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
            let value = property.normalise(value);
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
                && let Some((code, message)) = property.refuses(&value)
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

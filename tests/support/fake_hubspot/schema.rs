//! The request bodies' shapes, as HubSpot's published OpenAPI 3 specs for
//! CRM v3 give them (`PublicApiSpecs/CRM/{Contacts,Companies,Objects,
//! Properties}/…/v3/`): which fields are required and what JSON type each
//! field has. The rules are written out here by hand from reading the
//! specs; the fake refuses a body that breaks them with the 400 HubSpot
//! gives for a malformed body. What a body means (does the property exist,
//! is the option allowed) is `crm`'s business, not this file's.
#![allow(dead_code)]

use serde_json::Value;

/// `PropertyCreate.type` and `PropertyUpdate.type`.
pub const PROPERTY_TYPES: &[&str] = &[
    "bool",
    "date",
    "datetime",
    "enumeration",
    "number",
    "phone_number",
    "string",
];

/// `PropertyCreate.fieldType` and `PropertyUpdate.fieldType`.
pub const FIELD_TYPES: &[&str] = &[
    "booleancheckbox",
    "calculation_equation",
    "checkbox",
    "date",
    "file",
    "html",
    "number",
    "phonenumber",
    "radio",
    "select",
    "text",
    "textarea",
];

const DATA_SENSITIVITY: &[&str] = &["highly_sensitive", "non_sensitive", "sensitive"];
const NUMBER_DISPLAY_HINTS: &[&str] = &[
    "currency",
    "duration",
    "formatted",
    "percentage",
    "probability",
    "unformatted",
];
const TEXT_DISPLAY_HINTS: &[&str] = &[
    "domain_name",
    "email",
    "ip_address",
    "multi_line",
    "phone_number",
    "physical_address",
    "postal_code",
    "unformatted_single_line",
];

/// The JSON type a field must have.
#[derive(Clone, Copy)]
enum Kind {
    String,
    Boolean,
    /// `integer` with `format: int32`.
    Int32,
    /// A string from a closed list.
    OneOf(&'static [&'static str]),
    /// An object whose every value is a string (`additionalProperties:
    /// {type: string}`).
    StringMap,
    /// An array of objects that follow the given fields.
    ArrayOf(&'static [Field]),
}

struct Field {
    name: &'static str,
    kind: Kind,
    required: bool,
}

const fn required(name: &'static str, kind: Kind) -> Field {
    Field {
        name,
        kind,
        required: true,
    }
}

const fn optional(name: &'static str, kind: Kind) -> Field {
    Field {
        name,
        kind,
        required: false,
    }
}

/// `OptionInput`: label, value and hidden are required.
const OPTION_INPUT: &[Field] = &[
    required("label", Kind::String),
    required("value", Kind::String),
    required("hidden", Kind::Boolean),
    optional("description", Kind::String),
    optional("displayOrder", Kind::Int32),
];

/// `PropertyCreate`: name, label, groupName, type and fieldType are required.
const PROPERTY_CREATE: &[Field] = &[
    required("name", Kind::String),
    required("label", Kind::String),
    required("groupName", Kind::String),
    required("type", Kind::OneOf(PROPERTY_TYPES)),
    required("fieldType", Kind::OneOf(FIELD_TYPES)),
    optional("options", Kind::ArrayOf(OPTION_INPUT)),
    optional("description", Kind::String),
    optional("displayOrder", Kind::Int32),
    optional("hasUniqueValue", Kind::Boolean),
    optional("hidden", Kind::Boolean),
    optional("formField", Kind::Boolean),
    optional("externalOptions", Kind::Boolean),
    optional("showCurrencySymbol", Kind::Boolean),
    optional("calculationFormula", Kind::String),
    optional("currencyPropertyName", Kind::String),
    optional("referencedObjectType", Kind::String),
    optional("dataSensitivity", Kind::OneOf(DATA_SENSITIVITY)),
    optional("numberDisplayHint", Kind::OneOf(NUMBER_DISPLAY_HINTS)),
    optional("textDisplayHint", Kind::OneOf(TEXT_DISPLAY_HINTS)),
];

/// `PropertyUpdate`: nothing is required; `name` and `hasUniqueValue` are
/// not part of it (a property's name and uniqueness never change).
const PROPERTY_UPDATE: &[Field] = &[
    optional("label", Kind::String),
    optional("groupName", Kind::String),
    optional("type", Kind::OneOf(PROPERTY_TYPES)),
    optional("fieldType", Kind::OneOf(FIELD_TYPES)),
    optional("options", Kind::ArrayOf(OPTION_INPUT)),
    optional("description", Kind::String),
    optional("displayOrder", Kind::Int32),
    optional("hidden", Kind::Boolean),
    optional("formField", Kind::Boolean),
    optional("showCurrencySymbol", Kind::Boolean),
    optional("calculationFormula", Kind::String),
    optional("currencyPropertyName", Kind::String),
    optional("numberDisplayHint", Kind::OneOf(NUMBER_DISPLAY_HINTS)),
    optional("textDisplayHint", Kind::OneOf(TEXT_DISPLAY_HINTS)),
];

/// `SimplePublicObjectBatchInputUpsert`: id and properties are required,
/// and every property value is a string.
const UPSERT_INPUT: &[Field] = &[
    required("id", Kind::String),
    required("properties", Kind::StringMap),
    optional("idProperty", Kind::String),
    optional("objectWriteTraceId", Kind::String),
];

/// `BatchInputSimplePublicObjectBatchInputUpsert`: inputs is required.
const BATCH_UPSERT: &[Field] = &[required("inputs", Kind::ArrayOf(UPSERT_INPUT))];

pub fn check_property_create(body: &Value) -> Result<(), String> {
    check_object(body, PROPERTY_CREATE, "")
}

pub fn check_property_update(body: &Value) -> Result<(), String> {
    check_object(body, PROPERTY_UPDATE, "")
}

pub fn check_batch_upsert(body: &Value) -> Result<(), String> {
    check_object(body, BATCH_UPSERT, "")
}

/// The first way `value` breaks `fields`, as a message naming the field by
/// its JSON path (`inputs[3].properties.plan`).
fn check_object(value: &Value, fields: &[Field], at: &str) -> Result<(), String> {
    let Some(object) = value.as_object() else {
        return Err(format!("{} must be a JSON object", name_of(at)));
    };
    for field in fields {
        let path = join(at, field.name);
        match object.get(field.name) {
            None | Some(Value::Null) if field.required => {
                return Err(format!("{path} is required"));
            }
            None | Some(Value::Null) => {}
            Some(value) => check_kind(value, field.kind, &path)?,
        }
    }
    Ok(())
}

fn check_kind(value: &Value, kind: Kind, path: &str) -> Result<(), String> {
    let fits = match kind {
        Kind::String => value.is_string(),
        Kind::Boolean => value.is_boolean(),
        Kind::Int32 => value
            .as_i64()
            .is_some_and(|number| i32::try_from(number).is_ok()),
        Kind::OneOf(allowed) => {
            let Some(text) = value.as_str() else {
                return Err(format!("{path} must be a string"));
            };
            if !allowed.contains(&text) {
                return Err(format!(
                    "{path} must be one of {}, not {text:?}",
                    allowed.join(", ")
                ));
            }
            true
        }
        Kind::StringMap => {
            let Some(map) = value.as_object() else {
                return Err(format!("{path} must be an object of strings"));
            };
            for (key, item) in map {
                if !item.is_string() {
                    return Err(format!(
                        "{}.{key} must be a string, not {item} (property values are strings)",
                        path
                    ));
                }
            }
            true
        }
        Kind::ArrayOf(fields) => {
            let Some(items) = value.as_array() else {
                return Err(format!("{path} must be an array"));
            };
            for (index, item) in items.iter().enumerate() {
                check_object(item, fields, &format!("{path}[{index}]"))?;
            }
            true
        }
    };
    if fits {
        Ok(())
    } else {
        Err(format!("{path} must be {}, not {value}", describe(kind)))
    }
}

fn describe(kind: Kind) -> &'static str {
    match kind {
        Kind::String | Kind::OneOf(_) => "a string",
        Kind::Boolean => "a boolean",
        Kind::Int32 => "a 32-bit integer",
        Kind::StringMap => "an object of strings",
        Kind::ArrayOf(_) => "an array",
    }
}

fn join(at: &str, name: &str) -> String {
    if at.is_empty() {
        name.to_string()
    } else {
        format!("{at}.{name}")
    }
}

fn name_of(at: &str) -> &str {
    if at.is_empty() { "the body" } else { at }
}

//! What one entity looks like to a destination: its key, and the payload
//! its mappings make (target property → JSON value, in name order), as the
//! canonical JSON text the runner compares with what the destination last
//! acknowledged. Connectors turn a payload into their wire form (HubSpot:
//! every value a string); the comparison is on the payload, which decides
//! the wire form.

use serde_json::Value as Json;

use crate::model::destination::{KindSync, ListEncoding, Mapping};
use crate::model::{SEGMENTS, Scalar, Value};
use crate::workspace::{EntityRow, Workspace};

/// Target property → value; `null` for a property the entity lacks.
pub type Payload = serde_json::Map<String, Json>;

/// The key an entity goes under, or why it has none.
pub fn key_of(workspace: &Workspace, entity: EntityRow, sync: &KindSync) -> Result<String, String> {
    let key = sync.key();
    match workspace.cell_value(entity, &key.source) {
        None => Err(format!("it has no `{}`, the key", key.source)),
        Some(Value::List(_)) => Err(format!(
            "its key `{}` is a list; a key must be one value",
            key.source
        )),
        Some(Value::Scalar(scalar)) => {
            let text = scalar_text(&scalar);
            if text.trim().is_empty() {
                Err(format!("its key `{}` is empty", key.source))
            } else {
                Ok(text)
            }
        }
    }
}

/// The payload the mappings make of an entity.
pub fn payload_of(workspace: &Workspace, entity: EntityRow, sync: &KindSync) -> Payload {
    let mut payload = Payload::new();
    for mapping in &sync.mappings {
        let value = workspace.cell_value(entity, &mapping.source);
        payload.insert(mapping.target.clone(), encode(value.as_ref(), mapping));
    }
    payload
}

/// What an entity that leaves is sent once: its mapped `segments` emptied
/// (nothing else is touched, nothing deleted).
pub fn clearing_payload(sync: &KindSync) -> Payload {
    sync.mappings
        .iter()
        .filter(|mapping| mapping.source == SEGMENTS)
        .map(|mapping| {
            let empty = match mapping.encoding() {
                ListEncoding::List => Json::Array(Vec::new()),
                ListEncoding::Text => Json::String(String::new()),
            };
            (mapping.target.clone(), empty)
        })
        .collect()
}

/// The canonical text of a payload: compact JSON, keys in name order.
pub fn payload_text(payload: &Payload) -> String {
    // A map of JSON values always serialises.
    serde_json::to_string(payload).unwrap_or_default()
}

fn encode(value: Option<&Value>, mapping: &Mapping) -> Json {
    match (value, mapping.encoding()) {
        (None, _) => Json::Null,
        (Some(Value::List(items)), ListEncoding::Text) => Json::String(
            items
                .iter()
                .map(scalar_text)
                .collect::<Vec<String>>()
                .join("\n"),
        ),
        (Some(value), _) => value.to_json(),
    }
}

/// A scalar as text: numbers as the language writes them, datetimes as
/// RFC 3339.
pub fn scalar_text(scalar: &Scalar) -> String {
    scalar.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::EntityKind;

    #[test]
    fn leaving_empties_only_the_segments_mappings() {
        let mut sync = KindSync::new(EntityKind::Users);
        sync.mappings = vec![
            Mapping {
                source: "segments".into(),
                target: "as_list".into(),
                encoding: None,
            },
            Mapping {
                source: "segments".into(),
                target: "as_text".into(),
                encoding: Some(ListEncoding::Text),
            },
            Mapping {
                source: "plan".into(),
                target: "plan_tier".into(),
                encoding: None,
            },
        ];
        assert_eq!(
            payload_text(&clearing_payload(&sync)),
            r#"{"as_list":[],"as_text":""}"#
        );
    }

    #[test]
    fn lists_as_text_are_one_per_line() {
        let mapping = Mapping {
            source: "segments".into(),
            target: "t".into(),
            encoding: Some(ListEncoding::Text),
        };
        let value = Value::List(vec![Scalar::String("A".into()), Scalar::String("B".into())]);
        assert_eq!(encode(Some(&value), &mapping), Json::String("A\nB".into()));
        let empty = Value::List(Vec::new());
        assert_eq!(encode(Some(&empty), &mapping), Json::String(String::new()));
    }
}

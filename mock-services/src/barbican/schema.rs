//! How Barbican 23 reads a JSON body (`api.load_body`): JSON or 400
//! "Malformed JSON", every string inside it stripped of surrounding
//! whitespace, then a validator's jsonschema, whose one reported fault is
//! jsonschema's `best_match` (jsonschema 4.26, read in the live venv), in
//! the words of `InvalidObject`.

use axum::http::StatusCode;
use serde_json::Value;

use super::Refusal;
use crate::jsonschema::{best_match, validate};
use crate::python;

/// `body` under the schema `schema` (named `name`): Barbican's 400 for
/// jsonschema's best match of its faults, in the words of
/// `InvalidObject`. The property it names is the second step of the
/// schema path (`validators.get_invalid_property`), which for these
/// schemas is the first of the instance path, or `None` for the body
/// itself.
pub(super) fn check(schema: &Value, body: &Value, name: &str) -> Result<(), Refusal> {
    let Some(fault) = best_match(validate(schema, body)) else {
        return Ok(());
    };
    let property = fault.property().unwrap_or("None");
    Err(Refusal::new(
        StatusCode::BAD_REQUEST,
        format!(
            "Provided object does not match schema '{name}': {}. Invalid property: \
             '{property}'",
            fault.message
        ),
    ))
}

/// The body as `load_body` reads it: JSON (else 400 "Malformed JSON"),
/// with every string inside an object or array stripped.
pub(super) fn load_body(body: &[u8]) -> Result<Value, Refusal> {
    let mut value: Value = serde_json::from_slice(body)
        .map_err(|_| Refusal::new(StatusCode::BAD_REQUEST, "Malformed JSON"))?;
    strip_whitespace(&mut value);
    Ok(value)
}

/// Barbican's `strip_whitespace`: the strings inside `value`, stripped as
/// Python's `str.strip()` strips (its whitespace includes U+001C–U+001F).
fn strip_whitespace(value: &mut Value) {
    let children: Box<dyn Iterator<Item = &mut Value>> = match value {
        Value::Array(items) => Box::new(items.iter_mut()),
        Value::Object(fields) => Box::new(fields.values_mut()),
        _ => return,
    };
    for child in children {
        match child {
            Value::String(s) => {
                let stripped = python::strip(s);
                if stripped.len() != s.len() {
                    *s = stripped.to_owned();
                }
            }
            other => strip_whitespace(other),
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::load_body;

    #[test]
    fn strings_inside_the_body_are_stripped_as_python_strips() {
        let body = load_body(br#"{"a": " x\u001f", "b": [" y "], "c": {"d": "\tz"}}"#).unwrap();
        assert_eq!(body, json!({"a": "x", "b": ["y"], "c": {"d": "z"}}));
        // A body that is a string is not inside anything.
        assert_eq!(load_body(br#"" s ""#).unwrap(), json!(" s "));
        assert!(load_body(b"{").is_err());
    }
}

//! How Barbican 23 reads a JSON body (`api.load_body`): JSON or 400
//! "Malformed JSON", every string inside it stripped of surrounding
//! whitespace, then a validator's jsonschema, whose one reported fault is
//! jsonschema's `best_match` (jsonschema 4.26, read in the live venv), in
//! the words of `InvalidObject`.

use axum::http::StatusCode;
use serde_json::{Map, Value};

use super::Refusal;
use crate::http::python_repr;

/// A schema violation: where in the body, and jsonschema's words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Fault {
    /// The instance path (`["read", "users", "0"]`; empty: the body).
    pub path: Vec<String>,
    /// jsonschema's message.
    pub message: String,
}

impl Fault {
    /// A fault at `path`.
    pub fn at(path: &[&str], message: String) -> Fault {
        Fault {
            path: path.iter().map(|p| (*p).to_owned()).collect(),
            message,
        }
    }

    /// `type`'s fault: "5 is not of type 'string', 'null'".
    pub fn not_of_type(path: &[&str], value: &Value, kinds: &[&str]) -> Fault {
        let kinds: Vec<String> = kinds.iter().map(|k| format!("'{k}'")).collect();
        Fault::at(
            path,
            format!("{} is not of type {}", python_repr(value), kinds.join(", ")),
        )
    }

    /// `maxLength`'s fault.
    pub fn too_long(path: &[&str], value: &Value) -> Fault {
        Fault::at(path, format!("{} is too long", python_repr(value)))
    }

    /// `additionalProperties: false`: the fields beyond `known`, in order.
    pub fn additional(path: &[&str], fields: &Map<String, Value>, known: &[&str]) -> Option<Fault> {
        let extra: Vec<String> = fields
            .keys()
            .filter(|k| !known.contains(&k.as_str()))
            .map(|k| python_repr(&Value::from(k.as_str())))
            .collect();
        let verb = if extra.len() == 1 { "was" } else { "were" };
        (!extra.is_empty()).then(|| {
            Fault::at(
                path,
                format!(
                    "Additional properties are not allowed ({} {verb} unexpected)",
                    extra.join(", ")
                ),
            )
        })
    }

    /// Barbican's 400 for the fault under schema `schema`: the property is
    /// the second step of the schema path (`validators.get_invalid_property`),
    /// which for these schemas is the first of the instance path, or
    /// `None` for the body itself.
    pub fn refusal(&self, schema: &str) -> Refusal {
        let property = self.path.first().map_or("None", String::as_str);
        Refusal::new(
            StatusCode::BAD_REQUEST,
            format!(
                "Provided object does not match schema '{schema}': {}. Invalid property: \
                 '{property}'",
                self.message
            ),
        )
    }
}

/// jsonschema's `best_match` of `faults` (in the order jsonschema yields
/// them): Python's `max` by `(-len(path), path)`, so the nearest the top
/// and, of siblings, the last by name; of equals the first.
pub(super) fn best_match(faults: Vec<Fault>) -> Option<Fault> {
    let key = |f: &Fault| (std::cmp::Reverse(f.path.len()), f.path.clone());
    faults.into_iter().reduce(|best, fault| {
        if key(&fault) > key(&best) {
            fault
        } else {
            best
        }
    })
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
                let stripped = python_strip(s);
                if stripped.len() != s.len() {
                    *s = stripped.to_owned();
                }
            }
            other => strip_whitespace(other),
        }
    }
}

/// `s` without the whitespace Python's `str.strip()` removes.
pub(super) fn python_strip(s: &str) -> &str {
    s.trim_matches(|c: char| c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{best_match, load_body, python_strip, Fault};

    #[test]
    fn strings_inside_the_body_are_stripped_as_python_strips() {
        let body = load_body(br#"{"a": " x\u001f", "b": [" y "], "c": {"d": "\tz"}}"#).unwrap();
        assert_eq!(body, json!({"a": "x", "b": ["y"], "c": {"d": "z"}}));
        // A body that is a string is not inside anything.
        assert_eq!(load_body(br#"" s ""#).unwrap(), json!(" s "));
        assert_eq!(python_strip("\u{85}\u{a0}a b\u{3000}"), "a b");
        assert!(load_body(b"{").is_err());
    }

    #[test]
    fn the_best_match_is_the_shallowest_then_the_last_sibling() {
        let f = |path: &[&str], m: &str| Fault::at(path, m.to_owned());
        let faults = vec![f(&["name"], "a"), f(&["payload"], "b"), f(&["mode"], "c")];
        assert_eq!(best_match(faults).unwrap().message, "b");
        let faults = vec![f(&["x", "y"], "deep"), f(&["z"], "shallow")];
        assert_eq!(best_match(faults).unwrap().message, "shallow");
        let faults = vec![f(&["name"], "first"), f(&["name"], "second")];
        assert_eq!(best_match(faults).unwrap().message, "first");
        assert_eq!(best_match(Vec::new()), None);
    }
}

//! JSON Schema as the real services check bodies with it: Python's
//! jsonschema 4.26 (draft 2020-12, read in the live venv), for the
//! keywords Glance's and Barbican's schemas use. Faults come in
//! jsonschema's order (a schema's keywords in their written order, an
//! object's properties in the schema's), the one reported is its
//! `best_match`, and [`Fault::report`] is `str()` of its `ValidationError`
//! (Glance shows it whole; Barbican only its message).

use serde_json::{Map, Value};

use crate::python;

/// One step of a path into an instance or a schema.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Step {
    /// An object's member.
    Key(String),
    /// An array's item.
    Index(usize),
}

impl Step {
    /// `repr()` of the step, as jsonschema indexes paths with it.
    fn repr(&self) -> String {
        match self {
            Step::Key(key) => python::str_repr(key),
            Step::Index(i) => i.to_string(),
        }
    }
}

/// A schema violation (jsonschema's `ValidationError`).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Fault {
    /// Where in the instance (empty: the instance itself).
    pub path: Vec<Step>,
    /// jsonschema's message.
    pub message: String,
    /// The keyword that failed (`validator`).
    pub keyword: String,
    /// Where in the schema the subschema holding the keyword is.
    pub schema_path: Vec<Step>,
    /// That subschema.
    pub schema: Value,
    /// The part of the instance it failed.
    pub instance: Value,
}

impl Fault {
    /// The first step of the instance path, if it is an object's member
    /// (the property Barbican names).
    pub fn property(&self) -> Option<&str> {
        match self.path.first() {
            Some(Step::Key(key)) => Some(key),
            _ => None,
        }
    }

    /// `str()` of the error: the message, then the failing subschema and
    /// the instance, as `pprint` lays them out at width 72, indented by
    /// four.
    pub fn report(&self) -> String {
        format!(
            "{}\n\nFailed validating {} in {}:\n    {}\n\nOn {}:\n    {}",
            self.message,
            python::str_repr(&self.keyword),
            index("schema", &self.schema_path),
            pretty(&self.schema),
            index("instance", &self.path),
            pretty(&self.instance),
        )
    }
}

/// `_utils.format_as_index`: `schema['properties']['tags'][0]`.
fn index(container: &str, steps: &[Step]) -> String {
    let steps: String = steps.iter().map(|s| format!("[{}]", s.repr())).collect();
    format!("{container}{steps}")
}

/// `exceptions._pretty`: `pformat` at width 72, its lines after the first
/// indented as the report's first line is.
fn pretty(value: &Value) -> String {
    python::pformat(value, 72).replace('\n', "\n    ")
}

/// The faults `instance` has under `schema`, in the order jsonschema's
/// `iter_errors` yields them.
pub(crate) fn validate(schema: &Value, instance: &Value) -> Vec<Fault> {
    let mut faults = Vec::new();
    descend(schema, instance, &[], &[], &mut faults);
    faults
}

/// jsonschema's `best_match` of `faults`: Python's `max` by
/// `(-len(path), path)`, so the nearest the top and, of siblings, the last
/// by name; of equals the first. (Its further keys, weak and strong
/// keywords and a schema's type, never tell these schemas' faults apart.)
pub(crate) fn best_match(faults: Vec<Fault>) -> Option<Fault> {
    let key = |f: &Fault| (std::cmp::Reverse(f.path.len()), f.path.clone());
    faults.into_iter().reduce(|best, fault| {
        if key(&fault) > key(&best) {
            fault
        } else {
            best
        }
    })
}

/// Check `instance` (at `path`) against `schema` (at `schema_path`).
fn descend(
    schema: &Value,
    instance: &Value,
    path: &[Step],
    schema_path: &[Step],
    faults: &mut Vec<Fault>,
) {
    let Some(keywords) = schema.as_object() else {
        return;
    };
    let fault = |keyword: &str, message: String| Fault {
        path: path.to_vec(),
        message,
        keyword: keyword.to_owned(),
        schema_path: schema_path.to_vec(),
        schema: schema.clone(),
        instance: instance.clone(),
    };
    let within = |steps: &[Step]| [schema_path, steps].concat();
    let at = |step: Step| [path, &[step]].concat();
    for (keyword, arg) in keywords {
        match keyword.as_str() {
            "type" => {
                let types: Vec<&str> = match arg {
                    Value::String(t) => vec![t.as_str()],
                    Value::Array(ts) => ts.iter().filter_map(Value::as_str).collect(),
                    _ => Vec::new(),
                };
                if !types.iter().any(|t| is_type(instance, t)) {
                    let names: Vec<String> = types.iter().map(|t| python::str_repr(t)).collect();
                    let message = format!(
                        "{} is not of type {}",
                        python::repr(instance),
                        names.join(", ")
                    );
                    faults.push(fault(keyword, message));
                }
            }
            "enum" => {
                let listed = arg
                    .as_array()
                    .is_some_and(|items| items.iter().any(|item| equal(item, instance)));
                if !listed {
                    let message = format!(
                        "{} is not one of {}",
                        python::repr(instance),
                        python::repr(arg)
                    );
                    faults.push(fault(keyword, message));
                }
            }
            "maxLength" | "minLength" => {
                let (Some(s), Some(bound)) = (instance.as_str(), arg.as_u64()) else {
                    continue;
                };
                let length = s.chars().count() as u64;
                let words = match keyword.as_str() {
                    "maxLength" if length > bound && bound == 0 => "is expected to be empty",
                    "maxLength" if length > bound => "is too long",
                    "minLength" if length < bound && bound == 1 => "should be non-empty",
                    "minLength" if length < bound => "is too short",
                    _ => continue,
                };
                faults.push(fault(
                    keyword,
                    format!("{} {words}", python::repr(instance)),
                ));
            }
            "minimum" | "maximum" => {
                let (Some(n), Some(bound)) = (instance.as_f64(), arg.as_f64()) else {
                    continue;
                };
                let words = match keyword.as_str() {
                    "minimum" if n < bound => "less than the minimum",
                    "maximum" if n > bound => "greater than the maximum",
                    _ => continue,
                };
                let message = format!(
                    "{} is {words} of {}",
                    python::repr(instance),
                    python::repr(arg)
                );
                faults.push(fault(keyword, message));
            }
            "pattern" => {
                let (Some(s), Some(pattern)) = (instance.as_str(), arg.as_str()) else {
                    continue;
                };
                if !pattern_matches(pattern, s) {
                    let message = format!(
                        "{} does not match {}",
                        python::repr(instance),
                        python::str_repr(pattern)
                    );
                    faults.push(fault(keyword, message));
                }
            }
            "required" => {
                let (Some(fields), Some(names)) = (instance.as_object(), arg.as_array()) else {
                    continue;
                };
                for name in names.iter().filter_map(Value::as_str) {
                    if !fields.contains_key(name) {
                        let message = format!("{} is a required property", python::str_repr(name));
                        faults.push(fault(keyword, message));
                    }
                }
            }
            "items" => {
                let Some(items) = instance.as_array() else {
                    continue;
                };
                for (i, item) in items.iter().enumerate() {
                    // A list of schemas is draft 4's tuple: item `i` is
                    // held to the `i`th, the rest to nothing.
                    let (subschema, inner) = match arg {
                        Value::Array(tuple) => match tuple.get(i) {
                            Some(s) => (s, within(&[Step::Key("items".into()), Step::Index(i)])),
                            None => break,
                        },
                        _ => (arg, within(&[Step::Key("items".into())])),
                    };
                    descend(subschema, item, &at(Step::Index(i)), &inner, faults);
                }
            }
            "properties" => {
                let (Some(fields), Some(properties)) = (instance.as_object(), arg.as_object())
                else {
                    continue;
                };
                for (name, subschema) in properties {
                    if let Some(value) = fields.get(name) {
                        let inner =
                            within(&[Step::Key("properties".into()), Step::Key(name.clone())]);
                        descend(
                            subschema,
                            value,
                            &at(Step::Key(name.clone())),
                            &inner,
                            faults,
                        );
                    }
                }
            }
            "additionalProperties" => {
                let Some(fields) = instance.as_object() else {
                    continue;
                };
                let extras = additional(keywords, fields);
                match arg {
                    Value::Object(_) => {
                        let inner = within(&[Step::Key("additionalProperties".into())]);
                        for name in extras {
                            let step = Step::Key(name.to_owned());
                            descend(arg, &fields[name], &at(step), &inner, faults);
                        }
                    }
                    Value::Bool(false) if !extras.is_empty() => {
                        let mut extras = extras;
                        extras.sort_unstable();
                        let names: Vec<String> =
                            extras.iter().map(|e| python::str_repr(e)).collect();
                        let verb = if names.len() == 1 { "was" } else { "were" };
                        let message = format!(
                            "Additional properties are not allowed ({} {verb} unexpected)",
                            names.join(", ")
                        );
                        faults.push(fault(keyword, message));
                    }
                    _ => {}
                }
            }
            // Annotations (`description`, `readOnly`, …) check nothing.
            _ => {}
        }
    }
}

/// The members of `fields` the schema's `properties` do not name, in the
/// instance's order (jsonschema takes them as a set; every use of them
/// here is independent of their order).
fn additional<'a>(schema: &Map<String, Value>, fields: &'a Map<String, Value>) -> Vec<&'a str> {
    let named = schema.get("properties").and_then(Value::as_object);
    fields
        .keys()
        .filter(|k| !named.is_some_and(|n| n.contains_key(*k)))
        .map(String::as_str)
        .collect()
}

/// jsonschema's draft 2020-12 type check: an integer may be written `1.0`;
/// a boolean is no number.
fn is_type(value: &Value, kind: &str) -> bool {
    match kind {
        "string" => value.is_string(),
        "null" => value.is_null(),
        "boolean" => value.is_boolean(),
        "object" => value.is_object(),
        "array" => value.is_array(),
        "number" => value.is_number(),
        "integer" => {
            value.is_i64() || value.is_u64() || value.as_f64().is_some_and(|f| f.fract() == 0.0)
        }
        _ => false,
    }
}

/// `_utils.equal`: Python's `==` except that booleans are not numbers.
fn equal(a: &Value, b: &Value) -> bool {
    match (a, b) {
        (Value::Number(x), Value::Number(y)) => match (x.as_i64(), y.as_i64()) {
            (Some(x), Some(y)) => x == y,
            _ => x.as_f64() == y.as_f64(),
        },
        (Value::Array(x), Value::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(x, y)| equal(x, y))
        }
        (Value::Object(x), Value::Object(y)) => {
            x.len() == y.len() && x.iter().all(|(k, v)| y.get(k).is_some_and(|w| equal(v, w)))
        }
        _ => a == b,
    }
}

/// Glance's image id pattern, the one `pattern` these schemas hold.
pub(crate) const UUID_PATTERN: &str =
    "^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$";

/// Python's `re.search(pattern, s)` for the patterns the schemas hold
/// ([`UUID_PATTERN`]; its `$` also matches before a final newline). Any
/// other pattern matches everything (a test checks the schemas hold no
/// other).
fn pattern_matches(pattern: &str, s: &str) -> bool {
    if pattern != UUID_PATTERN {
        return true;
    }
    let s = s.strip_suffix('\n').unwrap_or(s);
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{best_match, validate, Fault, Step, UUID_PATTERN};

    fn only(faults: Vec<Fault>) -> Fault {
        assert_eq!(faults.len(), 1, "{faults:?}");
        faults.into_iter().next().unwrap()
    }

    #[test]
    fn keywords_report_in_jsonschemas_words() {
        let schema = json!({
            "type": "object",
            "properties": {
                "name": {"type": ["null", "string"], "maxLength": 3},
                "bits": {"type": "integer", "minimum": 1, "maximum": 8},
                "kind": {"type": "string", "enum": ["a", "b"]},
                "id": {"type": "string", "pattern": UUID_PATTERN},
                "tags": {"type": "array", "items": {"type": "string", "minLength": 1}},
                "pair": {"type": "array", "items": [{"type": "string"}]},
            },
            "required": ["name"],
            "additionalProperties": false,
        });
        let message = |body| only(validate(&schema, &body)).message;
        assert_eq!(
            message(json!({"name": 5})),
            "5 is not of type 'null', 'string'"
        );
        assert_eq!(message(json!({"name": "abcd"})), "'abcd' is too long");
        assert_eq!(
            message(json!({"name": null, "bits": 0})),
            "0 is less than the minimum of 1"
        );
        assert_eq!(
            message(json!({"name": null, "bits": 9.0})),
            "9.0 is greater than the maximum of 8"
        );
        assert_eq!(
            message(json!({"name": null, "bits": true})),
            "True is not of type 'integer'"
        );
        assert_eq!(
            message(json!({"name": null, "kind": "c"})),
            "'c' is not one of ['a', 'b']"
        );
        assert_eq!(
            message(json!({"name": null, "id": "x"})),
            format!("'x' does not match '{UUID_PATTERN}'")
        );
        assert!(validate(
            &schema,
            &json!({"name": null, "id": "8F2B3C1E-5d4a-4e6b-9c7d-1a2b3c4d5e6f\n"})
        )
        .is_empty());
        assert_eq!(
            message(json!({"name": null, "tags": ["a", ""]})),
            "'' should be non-empty"
        );
        assert_eq!(message(json!({})), "'name' is a required property");
        assert_eq!(
            message(json!({"name": null, "pair": [1, 2]})),
            "1 is not of type 'string'"
        );
        assert!(validate(&schema, &json!({"name": null, "pair": ["a", 2]})).is_empty());
        assert_eq!(
            message(json!({"name": null, "z": 1, "a": 2})),
            "Additional properties are not allowed ('a', 'z' were unexpected)"
        );
        assert_eq!(message(json!([])), "[] is not of type 'object'");
    }

    #[test]
    fn a_report_names_the_schema_and_the_instance() {
        let schema =
            json!({"properties": {"tags": {"type": "array", "items": {"type": "string"}}}});
        let fault = only(validate(&schema, &json!({"tags": ["a", 5]})));
        assert_eq!(fault.path, [Step::Key("tags".into()), Step::Index(1)]);
        assert_eq!(
            fault.report(),
            "5 is not of type 'string'\n\nFailed validating 'type' in \
             schema['properties']['tags']['items']:\n    {'type': 'string'}\n\n\
             On instance['tags'][1]:\n    5"
        );
        let fault = only(validate(&json!({"type": "object"}), &json!(null)));
        assert_eq!(
            fault.report(),
            "None is not of type 'object'\n\nFailed validating 'type' in schema:\n    \
             {'type': 'object'}\n\nOn instance:\n    None"
        );
    }

    #[test]
    fn the_best_match_is_the_shallowest_then_the_last_sibling() {
        let schema = json!({
            "properties": {
                "name": {"type": "string"},
                "read": {"properties": {"users": {"type": "array"}}},
                "mode": {"type": "string", "enum": ["x"]},
            },
            "additionalProperties": {"type": "string"},
        });
        let faults = validate(&schema, &json!({"mode": 5, "name": 5, "b": 5, "a": 6}));
        assert_eq!(faults.len(), 5);
        let best = best_match(faults).unwrap();
        assert_eq!(
            (best.property(), best.keyword.as_str()),
            (Some("name"), "type")
        );
        let faults = validate(&schema, &json!({"read": {"users": 5}, "mode": 5}));
        let best = best_match(faults).unwrap();
        assert_eq!(
            (best.property(), best.keyword.as_str()),
            (Some("mode"), "type")
        );
        assert_eq!(best_match(Vec::new()), None);
    }
}

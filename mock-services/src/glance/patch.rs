//! A JSON patch of an image as Glance 33's `RequestDeserializer.update`
//! reads it, before the image is looked up: each operation's op, pointer
//! and value, the attributes no patch may touch, and the image schema.
//! The first fault is the answer (a patch is all or nothing).

use axum::http::StatusCode;
use serde_json::{json, Value};

use super::schemas::check_image_schema;
use super::Failure;
use crate::python;

/// A patch operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Op {
    /// `add`.
    Add,
    /// `replace`.
    Replace,
    /// `remove`.
    Remove,
}

impl Op {
    fn name(self) -> &'static str {
        match self {
            Op::Add => "add",
            Op::Replace => "replace",
            Op::Remove => "remove",
        }
    }
}

/// One operation, read and checked.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Change {
    /// What it does.
    pub op: Op,
    /// The pointer's tokens, decoded (one, or two for `locations`).
    pub path: Vec<String>,
    /// The value (`null` for a removal).
    pub value: Value,
}

impl Change {
    /// The attribute or property it changes: the pointer's first token.
    pub fn key(&self) -> &str {
        &self.path[0]
    }
}

/// The operations, as Glance lists them in its refusals.
const OPERATIONS: &str = "add, remove, replace";

/// `RequestDeserializer._readonly_properties`.
const READ_ONLY: [&str; 13] = [
    "created_at",
    "updated_at",
    "status",
    "checksum",
    "size",
    "virtual_size",
    "direct_url",
    "self",
    "file",
    "schema",
    "id",
    "os_hash_algo",
    "os_hash_value",
];

/// `RequestDeserializer._reserved_properties`.
pub(super) const RESERVED: [&str; 3] = ["location", "deleted", "deleted_at"];

/// Glance's reserved namespace (`common.GLANCE_RESERVED_NS`).
pub(super) const RESERVED_NAMESPACE: &str = "os_glance";

/// The changes a patch body asks for, or the refusal of the first that
/// Glance refuses.
pub(super) fn read(body: &Value) -> Result<Vec<Change>, Failure> {
    let Value::Array(ops) = body else {
        return Err(Failure::bad_request(
            "Request body must be a JSON array of operation objects.",
        ));
    };
    ops.iter().map(read_change).collect()
}

/// `update`'s reading of one operation (JSON Patch as of draft 10).
fn read_change(raw: &Value) -> Result<Change, Failure> {
    let Some(fields) = raw.as_object() else {
        return Err(Failure::bad_request("Operations must be JSON objects."));
    };
    let op = match fields.get("op") {
        None | Some(Value::Null) => {
            return Err(Failure::bad_request(format!(
                "Unable to find `op` in JSON Schema change. It must be one of the following: \
                 {OPERATIONS}."
            )))
        }
        Some(Value::String(s)) if s == "add" => Op::Add,
        Some(Value::String(s)) if s == "replace" => Op::Replace,
        Some(Value::String(s)) if s == "remove" => Op::Remove,
        Some(other) => {
            return Err(Failure::bad_request(format!(
                "Invalid operation: `{}`. It must be one of the following: {OPERATIONS}.",
                python_str(other)
            )))
        }
    };
    let pointer = match fields.get("path") {
        None => {
            return Err(Failure::bad_request(
                "Unable to find 'path' in JSON Schema change",
            ))
        }
        Some(Value::String(pointer)) => pointer.clone(),
        // Glance 33 calls `startswith` on it, a bare 500; the mock reads
        // it as a pointer that does not start with "/" (a known
        // difference).
        Some(other) => python_str(other),
    };
    let path = decode_pointer(&pointer)?;
    let depth = match (path[0].as_str(), op) {
        ("locations", Op::Add | Op::Remove) => 2,
        _ => 1,
    };
    if path.len() != depth {
        return Err(Failure::bad_request(format!(
            "Invalid JSON pointer for this resource: '/{}'",
            path.join("/")
        )));
    }
    let value = match op {
        Op::Remove => Value::Null,
        _ => fields.get("value").cloned().ok_or_else(|| {
            Failure::bad_request(format!(
                "Operation \"{}\" requires a member named \"value\".",
                op.name()
            ))
        })?,
    };
    let change = Change { op, path, value };
    check_change(&change)?;
    Ok(change)
}

/// `_validate_change`: the attributes no patch touches, then (but for a
/// removal) the image schema, of the changed attribute alone.
fn check_change(change: &Change) -> Result<(), Failure> {
    let key = change.key();
    if READ_ONLY.contains(&key) {
        return Err(Failure::new(
            StatusCode::FORBIDDEN,
            format!("Attribute '{key}' is read-only."),
        ));
    }
    if RESERVED.contains(&key) || key.starts_with(RESERVED_NAMESPACE) {
        return Err(Failure::new(
            StatusCode::FORBIDDEN,
            format!("Attribute '{key}' is reserved."),
        ));
    }
    if change.op == Op::Remove {
        return Ok(());
    }
    let value = if change.path.len() == 1 {
        change.value.clone()
    } else {
        json!([change.value])
    };
    check_image_schema(&json!({ key: value }))
}

/// `_validate_json_pointer` and `_decode_json_pointer`: the pointer's
/// tokens, `~1` and `~0` decoded and each stripped.
fn decode_pointer(pointer: &str) -> Result<Vec<String>, Failure> {
    let refuse = |why: &str| Err(Failure::bad_request(format!("Pointer `{pointer}` {why}")));
    let Some(rest) = pointer.strip_prefix('/') else {
        return refuse("does not start with \"/\".");
    };
    // `re.search(r'/\s*?/', pointer[1:])`.
    let adjacent = rest.match_indices('/').any(|(i, _)| {
        rest[i + 1..]
            .trim_start_matches(python::is_space)
            .starts_with('/')
    });
    if adjacent {
        return refuse("contains adjacent \"/\".");
    }
    if pointer.len() > 1 && pointer.ends_with('/') {
        return refuse("end with \"/\".");
    }
    if python::strip(rest) == "/" {
        return refuse("does not contains valid token.");
    }
    let bad_escape = pointer
        .match_indices('~')
        .any(|(i, _)| !matches!(pointer.as_bytes().get(i + 1), Some(b'0' | b'1')));
    if bad_escape {
        return refuse("contains \"~\" not part of a recognized escape sequence.");
    }
    Ok(pointer
        .trim_start_matches('/')
        .split('/')
        .map(|part| python::strip(&part.replace("~1", "/").replace("~0", "~")).to_owned())
        .collect())
}

/// Python's `str()` of a JSON value: a string as it is, anything else as
/// its `repr()`.
fn python_str(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        other => python::repr(other),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::{decode_pointer, read, Op};

    fn refusal(body: serde_json::Value) -> String {
        read(&body).unwrap_err().message
    }

    #[test]
    fn pointers_are_read_as_glance_reads_them() {
        assert_eq!(decode_pointer("/a~1b~0c").unwrap(), ["a/b~c"]);
        // Leading slashes are stripped before the search for adjacent ones.
        assert_eq!(decode_pointer("// x").unwrap(), ["x"]);
        assert_eq!(
            decode_pointer("/a//b").unwrap_err().message,
            "Pointer `/a//b` contains adjacent \"/\"."
        );
        assert_eq!(
            decode_pointer("/a/ \t/b").unwrap_err().message,
            "Pointer `/a/ \t/b` contains adjacent \"/\"."
        );
        assert_eq!(decode_pointer("/ name ").unwrap(), ["name"]);
        assert_eq!(
            decode_pointer("/a/").unwrap_err().message,
            "Pointer `/a/` end with \"/\"."
        );
        assert_eq!(
            decode_pointer("a").unwrap_err().message,
            "Pointer `a` does not start with \"/\"."
        );
        for bad in ["/a~2", "/a~"] {
            assert!(
                decode_pointer(bad)
                    .unwrap_err()
                    .message
                    .contains("recognized escape"),
                "{bad}"
            );
        }
    }

    #[test]
    fn operations_are_checked_in_glances_order() {
        assert_eq!(
            refusal(json!([{"path": "/name", "value": "x"}])),
            "Unable to find `op` in JSON Schema change. It must be one of the following: add, \
             remove, replace."
        );
        assert_eq!(
            refusal(json!([{"op": 5, "path": "/name"}])),
            "Invalid operation: `5`. It must be one of the following: add, remove, replace."
        );
        assert_eq!(
            refusal(json!([{"op": "add"}])),
            "Unable to find 'path' in JSON Schema change"
        );
        assert_eq!(
            refusal(json!([{"op": "add", "path": "/tags/-", "value": "x"}])),
            "Invalid JSON pointer for this resource: '/tags/-'"
        );
        assert_eq!(
            refusal(json!([{"op": "add", "path": "/name"}])),
            "Operation \"add\" requires a member named \"value\"."
        );
        assert_eq!(
            refusal(json!([{"op": "remove", "path": "/id"}])),
            "Attribute 'id' is read-only."
        );
        assert_eq!(
            refusal(json!([{"op": "remove", "path": "/deleted"}])),
            "Attribute 'deleted' is reserved."
        );
        assert_eq!(
            refusal(json!({"op": "add"})),
            "Request body must be a JSON array of operation objects."
        );
        assert_eq!(refusal(json!([5])), "Operations must be JSON objects.");
        assert_eq!(
            refusal(json!([{"op": "add", "path": null, "value": "x"}])),
            "Pointer `None` does not start with \"/\"."
        );
        let changes = read(&json!([
            {"op": "remove", "path": "/imgsig"},
            {"op": "add", "path": "/locations/-", "value": {"url": "x", "metadata": {}}},
        ]))
        .unwrap();
        assert_eq!((changes[0].op, changes[1].path.len()), (Op::Remove, 2));
        assert!(
            refusal(json!([{"op": "add", "path": "/locations/-", "value": 5}])).starts_with(
                "Provided object does not match schema 'image': 5 is not of type 'object'"
            )
        );
    }
}

//! Small wire helpers shared by the three services: Python-style JSON,
//! request ids and OpenStack timestamps.

use std::time::{SystemTime, UNIX_EPOCH};

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Serialize;
use serde_json::{Map, Value};
use time::OffsetDateTime;

/// `object`'s entries with their keys sorted, recursively. The wire objects
/// keep the order they are written in (serde_json's `preserve_order`, as
/// the real services' dicts do); values that came from a client and were
/// stored are answered sorted, as the mocks always have.
pub fn sorted_keys(object: &Map<String, Value>) -> Map<String, Value> {
    let mut entries: Vec<(&String, &Value)> = object.iter().collect();
    entries.sort_by(|x, y| x.0.cmp(y.0));
    entries
        .into_iter()
        .map(|(k, v)| (k.clone(), sorted_keys_value(v)))
        .collect()
}

/// [`sorted_keys`] for any value (objects anywhere inside it).
pub fn sorted_keys_value(value: &Value) -> Value {
    match value {
        Value::Object(o) => Value::Object(sorted_keys(o)),
        Value::Array(items) => Value::Array(items.iter().map(sorted_keys_value).collect()),
        other => other.clone(),
    }
}

/// `json.dumps` separators: `", "` between items and `": "` after keys.
struct PyFormatter;

impl serde_json::ser::Formatter for PyFormatter {
    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        if first {
            Ok(())
        } else {
            writer.write_all(b", ")
        }
    }

    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        if first {
            Ok(())
        } else {
            writer.write_all(b", ")
        }
    }

    fn begin_object_value<W: ?Sized + std::io::Write>(
        &mut self,
        writer: &mut W,
    ) -> std::io::Result<()> {
        writer.write_all(b": ")
    }
}

/// Serialise as Python's `json.dumps` does by default (what Glance,
/// Barbican and most of Keystone send).
pub fn py_json(value: &impl Serialize) -> String {
    let mut out = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut out, PyFormatter);
    // Serialising plain data into a Vec cannot fail.
    if value.serialize(&mut ser).is_err() {
        return "{}".to_owned();
    }
    String::from_utf8(out).unwrap_or_default()
}

/// Serialise compactly (Keystone's error bodies).
pub fn compact_json(value: &impl Serialize) -> String {
    serde_json::to_string(value).unwrap_or_else(|_| "{}".to_owned())
}

/// A response with `status`, a JSON body in Python layout and
/// `Content-Type: application/json`.
pub fn json_response(status: StatusCode, body: &impl Serialize) -> Response {
    raw_json_response(status, py_json(body))
}

/// A response with `status` and an already serialised JSON body.
pub fn raw_json_response(status: StatusCode, body: String) -> Response {
    let mut resp = (status, body).into_response();
    resp.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    resp
}

/// A fresh `req-<uuid>` request id.
pub fn request_id() -> HeaderValue {
    let id = format!("req-{}", uuid::Uuid::new_v4());
    HeaderValue::from_str(&id).unwrap_or_else(|_| HeaderValue::from_static("req-0"))
}

/// Name of the request-id header every OpenStack service sends.
pub const REQUEST_ID: &str = "x-openstack-request-id";

/// A header's value as text, if present and visible ASCII.
pub fn header_str<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// The media type of `Content-Type`, lower-cased, without parameters.
pub fn media_type(headers: &HeaderMap) -> Option<String> {
    header_str(headers, header::CONTENT_TYPE.as_str()).map(|v| {
        v.split(';')
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase()
    })
}

/// Seconds since the Unix epoch, now.
pub fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// Microseconds since the Unix epoch, now.
pub fn now_micros() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(0)
}

/// UTC date and time of a Unix time in microseconds (the epoch for a
/// time past the calendar's end, which no clock gives).
fn utc(micros: u64) -> OffsetDateTime {
    OffsetDateTime::from_unix_timestamp_nanos(i128::from(micros) * 1000)
        .unwrap_or(OffsetDateTime::UNIX_EPOCH)
}

/// `YYYY-MM-DDTHH:MM:SS` of a UTC date and time.
fn date_time(t: OffsetDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// `2026-11-22T16:45:14Z` (Glance).
pub fn iso_seconds(secs: u64) -> String {
    format!("{}Z", date_time(utc(secs.saturating_mul(1_000_000))))
}

/// `2026-11-23T16:45:13.000000Z` (Keystone).
pub fn iso_micros_z(micros: u64) -> String {
    format!("{}Z", iso_micros_naive(micros))
}

/// `2026-11-22T16:45:14.150063` (Barbican, no zone).
pub fn iso_micros_naive(micros: u64) -> String {
    let t = utc(micros);
    format!("{}.{:06}", date_time(t), t.microsecond())
}

/// A Keystone-style id: 32 lower-case hex digits.
pub fn hex_id() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_are_utc_civil_time() {
        // 2026-11-22T16:45:14Z
        assert_eq!(iso_seconds(1_795_365_914), "2026-11-22T16:45:14Z");
        assert_eq!(iso_seconds(0), "1970-01-01T00:00:00Z");
        assert_eq!(
            iso_micros_z(951_782_400_000_001),
            "2000-02-29T00:00:00.000001Z"
        );
        assert_eq!(
            iso_micros_naive(1_795_365_914_150_063),
            "2026-11-22T16:45:14.150063"
        );
    }

    #[test]
    fn python_layout_keeps_order_and_separators() {
        let body = serde_json::json!({
            "code": 404,
            "title": "Not Found",
            "inner": {"b": 1, "a": [1, 2]},
            "list": [{"z": true}],
        });
        assert_eq!(
            py_json(&body),
            r#"{"code": 404, "title": "Not Found", "inner": {"b": 1, "a": [1, 2]}, "list": [{"z": true}]}"#
        );
        assert_eq!(
            compact_json(&body),
            r#"{"code":404,"title":"Not Found","inner":{"b":1,"a":[1,2]},"list":[{"z":true}]}"#
        );
        assert_eq!(
            py_json(&sorted_keys_value(&body)),
            r#"{"code": 404, "inner": {"a": [1, 2], "b": 1}, "list": [{"z": true}], "title": "Not Found"}"#
        );
    }
}

/// A JSON value as Python's `repr()` prints what `json.loads` makes of it:
/// `None`, `True`, `'text'`, `[1, 'a']`, `{'k': 2}` (the form
/// jsonschema's messages quote values in). Strings take double quotes
/// only when they hold a `'` and no `"`, as Python's do; control
/// characters are escaped, other characters kept.
pub(crate) fn python_repr(value: &Value) -> String {
    match value {
        Value::Null => "None".to_owned(),
        Value::Bool(true) => "True".to_owned(),
        Value::Bool(false) => "False".to_owned(),
        Value::Number(n) => n.to_string(),
        Value::String(s) => python_str_repr(s),
        Value::Array(items) => {
            let items: Vec<String> = items.iter().map(python_repr).collect();
            format!("[{}]", items.join(", "))
        }
        Value::Object(fields) => {
            let fields: Vec<String> = fields
                .iter()
                .map(|(k, v)| format!("{}: {}", python_str_repr(k), python_repr(v)))
                .collect();
            format!("{{{}}}", fields.join(", "))
        }
    }
}

fn python_str_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') {
        '"'
    } else {
        '\''
    };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if c.is_control() => match u32::from(c) {
                n @ 0..=0xff => out.push_str(&format!("\\x{n:02x}")),
                n => out.push_str(&format!("\\u{n:04x}")),
            },
            c => out.push(c),
        }
    }
    out.push(quote);
    out
}

#[cfg(test)]
mod python_repr_tests {
    use serde_json::json;

    use super::python_repr;

    #[test]
    fn values_print_as_python_prints_them() {
        let cases = [
            (json!(null), "None"),
            (json!(true), "True"),
            (json!(5), "5"),
            (json!(1.5), "1.5"),
            (json!("x"), "'x'"),
            (json!("it's"), "\"it's\""),
            (json!("'\""), "'\\'\"'"),
            (json!("a\\b\n\u{1}"), "'a\\\\b\\n\\x01'"),
            (json!("é"), "'é'"),
            (json!([1, "a", null]), "[1, 'a', None]"),
            (json!({"k": [false]}), "{'k': [False]}"),
        ];
        for (value, repr) in cases {
            assert_eq!(python_repr(&value), repr, "{value}");
        }
    }
}

/// A query parameter read as Python's `int()` reads it (surrounding
/// whitespace, an optional sign, digits with single `_` between them), so
/// the mocks take and refuse what Glance and Barbican do; `None` where
/// Python raises `ValueError`. Values beyond `i128` saturate (Python's
/// integers are unbounded; every use here caps them far lower).
pub(crate) fn python_int(text: &str) -> Option<i128> {
    let text = text.trim();
    let (negative, digits) = match text.as_bytes().first()? {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    let well_formed = !digits.is_empty()
        && !digits.starts_with('_')
        && !digits.ends_with('_')
        && !digits.contains("__")
        && digits.bytes().all(|b| b.is_ascii_digit() || b == b'_');
    if !well_formed {
        return None;
    }
    let magnitude = digits
        .bytes()
        .filter(u8::is_ascii_digit)
        .fold(0i128, |n, d| {
            n.saturating_mul(10).saturating_add(i128::from(d - b'0'))
        });
    Some(if negative { -magnitude } else { magnitude })
}

#[cfg(test)]
mod python_int_tests {
    use super::python_int;

    #[test]
    fn reads_integers_as_python_does() {
        assert_eq!(python_int(" 42 "), Some(42));
        assert_eq!(python_int("+7"), Some(7));
        assert_eq!(python_int("-5"), Some(-5));
        assert_eq!(python_int("1_000"), Some(1000));
        assert_eq!(
            python_int("99999999999999999999999999999999999999999"),
            Some(i128::MAX)
        );
        for bad in ["", "-", "abc", "1.5", "1__0", "_1", "1_", "0x10", "--1"] {
            assert_eq!(python_int(bad), None, "{bad}");
        }
    }
}

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

/// Serialise with Python's `json.dumps` layout (what Glance, Barbican and
/// most of Keystone send), keeping non-ASCII characters as they are
/// (`ensure_ascii=False`, as Glance writes images); [`ensure_ascii`]
/// escapes them.
pub fn py_json(value: &impl Serialize) -> String {
    let mut out = Vec::new();
    let mut ser = serde_json::Serializer::with_formatter(&mut out, PyFormatter);
    // Serialising plain data into a Vec cannot fail.
    if value.serialize(&mut ser).is_err() {
        return "{}".to_owned();
    }
    String::from_utf8(out).unwrap_or_default()
}

/// Serialised JSON with every non-ASCII character escaped as `json.dumps`
/// escapes it by default (`\u00e9`, a surrogate pair past U+FFFF). Such
/// characters only occur inside strings, so escaping them anywhere is
/// escaping them there.
pub fn ensure_ascii(json: &str) -> String {
    let mut out = String::with_capacity(json.len());
    for c in json.chars() {
        if c.is_ascii() {
            out.push(c);
        } else {
            let mut units = [0u16; 2];
            for unit in c.encode_utf16(&mut units) {
                out.push_str(&format!("\\u{unit:04x}"));
            }
        }
    }
    out
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

/// Python's `isoformat()` of a naive UTC time: `2999-01-01T00:00:00`, with
/// `.ffffff` only when there are microseconds (Barbican's expirations).
pub fn iso_naive(micros: u64) -> String {
    let t = utc(micros);
    match t.microsecond() {
        0 => date_time(t),
        us => format!("{}.{us:06}", date_time(t)),
    }
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
    fn ensure_ascii_escapes_as_python_does() {
        let text = py_json(&serde_json::json!({"é": "a😀"}));
        assert_eq!(ensure_ascii(&text), r#"{"\u00e9": "a\ud83d\ude00"}"#);
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

//! Small wire helpers shared by the three services: Python-style JSON,
//! ordered objects, request ids and OpenStack timestamps.

use std::borrow::Cow;
use std::time::{SystemTime, UNIX_EPOCH};

use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::ser::{SerializeMap, Serializer};
use serde::Serialize;
use serde_json::Value;

/// A JSON object whose keys keep the order they were written in (the real
/// services answer with dicts in insertion order; `serde_json::Map` sorts).
#[derive(Debug, Clone, Default)]
pub struct Obj(Vec<(Cow<'static, str>, Node)>);

/// A value inside an [`Obj`].
#[derive(Debug, Clone)]
enum Node {
    Value(Value),
    Obj(Obj),
    List(Vec<Obj>),
}

impl Obj {
    /// An empty object.
    pub fn new() -> Obj {
        Obj(Vec::new())
    }

    /// Append `key: value`.
    pub fn with(mut self, key: impl Into<Cow<'static, str>>, value: impl Into<Value>) -> Obj {
        self.0.push((key.into(), Node::Value(value.into())));
        self
    }

    /// Append a nested ordered object under `key`.
    pub fn with_obj(mut self, key: impl Into<Cow<'static, str>>, value: Obj) -> Obj {
        self.0.push((key.into(), Node::Obj(value)));
        self
    }

    /// Append a list of ordered objects under `key`.
    pub fn with_list(mut self, key: impl Into<Cow<'static, str>>, items: Vec<Obj>) -> Obj {
        self.0.push((key.into(), Node::List(items)));
        self
    }
}

impl Serialize for Node {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Node::Value(v) => v.serialize(s),
            Node::Obj(o) => o.serialize(s),
            Node::List(items) => s.collect_seq(items),
        }
    }
}

impl Serialize for Obj {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(self.0.len()))?;
        for (k, v) in &self.0 {
            map.serialize_entry(k, v)?;
        }
        map.end()
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

/// Civil date and time (UTC) of a Unix time in seconds.
fn civil(secs: u64) -> (i64, u32, u32, u32, u32, u32) {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Howard Hinnant's days-from-civil inverse.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (
        year,
        month,
        day,
        (rem / 3600) as u32,
        ((rem % 3600) / 60) as u32,
        (rem % 60) as u32,
    )
}

/// `2026-11-22T16:45:14Z` (Glance).
pub fn iso_seconds(secs: u64) -> String {
    let (y, mo, d, h, mi, s) = civil(secs);
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}Z")
}

/// `2026-11-23T16:45:13.000000Z` (Keystone).
pub fn iso_micros_z(micros: u64) -> String {
    let (y, mo, d, h, mi, s) = civil(micros / 1_000_000);
    let us = micros % 1_000_000;
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{us:06}Z")
}

/// `2026-11-22T16:45:14.150063` (Barbican, no zone).
pub fn iso_micros_naive(micros: u64) -> String {
    let (y, mo, d, h, mi, s) = civil(micros / 1_000_000);
    let us = micros % 1_000_000;
    format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}.{us:06}")
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
        let body = Obj::new()
            .with("code", 404)
            .with("title", "Not Found")
            .with_obj("inner", Obj::new().with("b", 1).with("a", vec![1, 2]))
            .with_list("list", vec![Obj::new().with("z", true)]);
        assert_eq!(
            py_json(&body),
            r#"{"code": 404, "title": "Not Found", "inner": {"b": 1, "a": [1, 2]}, "list": [{"z": true}]}"#
        );
        assert_eq!(
            compact_json(&body),
            r#"{"code":404,"title":"Not Found","inner":{"b":1,"a":[1,2]},"list":[{"z":true}]}"#
        );
    }
}

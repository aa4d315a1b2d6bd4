//! Structure-aware JSON: documents built from fuzz bytes whose keys and
//! strings come mostly from the words the services and the client look
//! for, so inputs get past the first parse and the first field lookup.

use arbitrary::{Arbitrary, Result, Unstructured};
use serde_json::{Map, Number, Value};

/// Keys the mocks and the client read.
pub const KEYS: &[&str] = &[
    "name",
    "id",
    "status",
    "disk_format",
    "container_format",
    "visibility",
    "protected",
    "tags",
    "min_ram",
    "min_disk",
    "os_hidden",
    "owner",
    "size",
    "stores",
    "checksum",
    "img_signature",
    "img_signature_hash_method",
    "img_signature_key_type",
    "img_signature_certificate_uuid",
    "os_glance_failed_import",
    "secret_type",
    "payload",
    "payload_content_type",
    "payload_content_encoding",
    "algorithm",
    "bit_length",
    "mode",
    "expiration",
    "secret_ref",
    "content_types",
    "default",
    "method",
    "all_stores",
    "all_stores_must_succeed",
    "stores",
    "op",
    "path",
    "value",
    "auth",
    "identity",
    "methods",
    "password",
    "token",
    "user",
    "domain",
    "scope",
    "project",
    "system",
    "all",
    "unscoped",
    "OS-TRUST:trust",
    "catalog",
    "type",
    "endpoints",
    "interface",
    "region",
    "region_id",
    "url",
    "expires_at",
    "images",
    "next",
    "first",
    "schema",
    "tasks",
    "message",
    "code",
    "title",
    "error",
    "total",
    "secrets",
    "result",
    "reason",
    "detail",
    "image_id",
    "input",
];

/// String values with meaning somewhere.
pub const WORDS: &[&str] = &[
    "SHA-224",
    "SHA-256",
    "SHA-384",
    "SHA-512",
    "SHA-1",
    "sha-256",
    "RSA-PSS",
    "DSA",
    "ECC_SECP384R1",
    "ECC_SECP521R1",
    "ECC_SECT571K1",
    "ECC_SECT409K1",
    "ECC_SECT571R1",
    "ECC_SECT409R1",
    "SECP384R1",
    "certificate",
    "opaque",
    "symmetric",
    "public",
    "private",
    "shared",
    "community",
    "raw",
    "qcow2",
    "iso",
    "bare",
    "ovf",
    "application/octet-stream",
    "text/plain",
    "base64",
    "glance-direct",
    "web-download",
    "add",
    "replace",
    "remove",
    "/img_signature",
    "/name",
    "/tags/-",
    "/visibility",
    "password",
    "token",
    "admin",
    "imgsig-admin",
    "Default",
    "default",
    "RegionOne",
    "image",
    "key-manager",
    "identity",
    "internal",
    "admin",
    "queued",
    "active",
    "importing",
    "failure",
    "success",
    "/v2/images?marker=x",
    "http://glance.in-process/v2/images",
    "",
    "fuzz",
    "2026-11-23T16:45:13.000000Z",
    "2099-01-01T00:00:00Z",
    "accept",
    "reject",
    "error",
];

/// A JSON value from fuzz bytes (depth-bounded by the input's length).
#[derive(Debug, Clone, PartialEq)]
pub struct Json(pub Value);

fn string(u: &mut Unstructured<'_>, words: &[&str]) -> Result<String> {
    if u.ratio(3, 4)? {
        Ok((*u.choose(words)?).to_owned())
    } else {
        String::arbitrary(u)
    }
}

fn value(u: &mut Unstructured<'_>, depth: usize) -> Result<Value> {
    let kinds = if depth >= 6 { 5 } else { 7 };
    Ok(match u.choose_index(kinds)? {
        0 => Value::Null,
        1 => Value::Bool(bool::arbitrary(u)?),
        2 => Value::Number(Number::from(i64::arbitrary(u)?)),
        3 => Number::from_f64(f64::arbitrary(u)?).map_or(Value::Null, Value::Number),
        4 => Value::String(string(u, WORDS)?),
        5 => {
            let mut items = Vec::new();
            u.arbitrary_loop(None, Some(8), |u| {
                items.push(value(u, depth + 1)?);
                Ok(std::ops::ControlFlow::Continue(()))
            })?;
            Value::Array(items)
        }
        _ => Value::Object(object(u, depth + 1)?),
    })
}

fn object(u: &mut Unstructured<'_>, depth: usize) -> Result<Map<String, Value>> {
    let mut map = Map::new();
    u.arbitrary_loop(None, Some(12), |u| {
        let key = string(u, KEYS)?;
        map.insert(key, value(u, depth)?);
        Ok(std::ops::ControlFlow::Continue(()))
    })?;
    Ok(map)
}

impl<'a> Arbitrary<'a> for Json {
    fn arbitrary(u: &mut Unstructured<'a>) -> Result<Self> {
        // Mostly objects: every body the services and the client read is one.
        if u.ratio(7, 8)? {
            Ok(Json(Value::Object(object(u, 0)?)))
        } else {
            Ok(Json(value(u, 0)?))
        }
    }
}

//! `/v2/images`: create, list, show, JSON-patch, delete.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use axum::Extension;
use bytes::Bytes;
use serde_json::{json, Map, Value};

use super::policy::{not_authorized, Policy};
use super::store::{Image, ImageStatus, MemberFilter, MemberStatus};
use super::{empty, project_of, viewer_of, Failure};
use crate::auth::Token;
use crate::http::{json_response, media_type, now_micros, now_secs, python_int};
use crate::Cloud;

/// Fields the server sets; clients may not.
const READ_ONLY: [&str; 13] = [
    "status",
    "size",
    "virtual_size",
    "checksum",
    "os_hash_algo",
    "os_hash_value",
    "created_at",
    "updated_at",
    "self",
    "file",
    "schema",
    "direct_url",
    "stores",
];

const DISK_FORMATS: [&str; 11] = [
    "ami", "ari", "aki", "vhd", "vhdx", "vmdk", "raw", "qcow2", "vdi", "iso", "ploop",
];
const CONTAINER_FORMATS: [&str; 8] = [
    "ami",
    "ari",
    "aki",
    "bare",
    "ovf",
    "ova",
    "docker",
    "compressed",
];
const VISIBILITIES: [&str; 4] = ["public", "private", "shared", "community"];

/// Glance's `image_property_quota`: extra properties an image may have
/// (those in the reserved `os_glance` namespace are not counted).
const PROPERTY_QUOTA: usize = 128;
/// Glance's `limit_param_default`.
const DEFAULT_LIMIT: usize = 25;
/// Glance's `api_limit_max`: a list's `limit` is capped at it.
const MAX_LIMIT: usize = 1000;
/// The longest custom property name Glance takes on create.
const MAX_KEY_CHARS: usize = 255;

/// 413 past the property quota (Glance's `ImagePropertyLimitExceeded`).
fn check_property_quota(image: &Image) -> Result<(), Failure> {
    let attempted = image
        .extra
        .keys()
        .filter(|k| !k.starts_with("os_glance"))
        .count();
    if attempted > PROPERTY_QUOTA {
        return Err(Failure::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            format!(
                "The limit has been exceeded on the number of allowed image properties. \
                 Attempted: {attempted}, Maximum: {PROPERTY_QUOTA}"
            ),
        ));
    }
    Ok(())
}

fn schema_error(detail: impl std::fmt::Display) -> Failure {
    Failure::bad_request(format!(
        "Provided object does not match schema 'image': {detail}"
    ))
}

fn as_opt_string(key: &str, v: &Value) -> Result<Option<String>, Failure> {
    match v {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s.clone())),
        other => Err(schema_error(format!(
            "{other} is not of type 'string', 'null'; failed validating '{key}'"
        ))),
    }
}

fn as_enum(key: &str, v: &Value, allowed: &[&str]) -> Result<Option<String>, Failure> {
    let s = as_opt_string(key, v)?;
    match &s {
        Some(x) if !allowed.contains(&x.as_str()) => Err(schema_error(format!(
            "'{x}' is not one of {allowed:?}; failed validating '{key}'"
        ))),
        _ => Ok(s),
    }
}

fn as_u64(key: &str, v: &Value) -> Result<u64, Failure> {
    v.as_u64().ok_or_else(|| {
        schema_error(format!(
            "{v} is not of type 'integer'; failed validating '{key}'"
        ))
    })
}

fn as_bool(key: &str, v: &Value) -> Result<bool, Failure> {
    v.as_bool().ok_or_else(|| {
        schema_error(format!(
            "{v} is not of type 'boolean'; failed validating '{key}'"
        ))
    })
}

/// Set one property on `image` as a client asked (create or patch).
fn set_property(image: &mut Image, key: &str, value: &Value) -> Result<(), Failure> {
    if READ_ONLY.contains(&key) || key == "id" {
        return Err(Failure::new(
            StatusCode::FORBIDDEN,
            format!("Attribute '{key}' is read-only."),
        ));
    }
    match key {
        "name" => {
            let name = as_opt_string(key, value)?;
            if name.as_ref().is_some_and(|n| n.chars().count() > 255) {
                return Err(schema_error("name is longer than 255 characters"));
            }
            image.name = name;
        }
        "disk_format" => image.disk_format = as_enum(key, value, &DISK_FORMATS)?,
        "container_format" => image.container_format = as_enum(key, value, &CONTAINER_FORMATS)?,
        "visibility" => {
            image.visibility = as_enum(key, value, &VISIBILITIES)?
                .ok_or_else(|| schema_error("None is not one of the visibilities"))?;
        }
        "protected" => image.protected = as_bool(key, value)?,
        "os_hidden" => image.os_hidden = as_bool(key, value)?,
        "min_ram" => image.min_ram = as_u64(key, value)?,
        "min_disk" => image.min_disk = as_u64(key, value)?,
        "owner" => {
            if let Some(owner) = as_opt_string(key, value)? {
                image.owner = owner;
            }
        }
        "tags" => {
            let tags = value
                .as_array()
                .and_then(|a| a.iter().map(|t| t.as_str().map(String::from)).collect())
                .ok_or_else(|| schema_error(format!("{value} is not of type 'array'")))?;
            image.tags = tags;
        }
        _ => {
            if key.starts_with("os_glance") {
                return Err(Failure::new(
                    StatusCode::FORBIDDEN,
                    format!("Attribute '{key}' is reserved."),
                ));
            }
            if !value.is_string() {
                return Err(schema_error(format!(
                    "{value} is not of type 'string'; failed validating 'additionalProperties'"
                )));
            }
            image.extra.insert(key.to_owned(), value.clone());
        }
    }
    Ok(())
}

fn parse_json(body: &[u8]) -> Result<Value, Failure> {
    serde_json::from_slice(body).map_err(|_| Failure::malformed_json())
}

fn image_response(status: StatusCode, image: &Image) -> Response {
    json_response(status, &image.view())
}

/// `POST /v2/images`.
pub(super) async fn create(
    State(cloud): State<Arc<Cloud>>,
    Extension(token): Extension<Token>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Failure> {
    if media_type(&headers).as_deref() != Some("application/json") {
        return Err(Failure::content_type(&headers));
    }
    let Value::Object(fields) = parse_json(&body)? else {
        return Err(Failure::bad_request("Malformed JSON in request body."));
    };
    let now = now_secs();
    let mut image = Image {
        id: uuid::Uuid::new_v4().to_string(),
        owner: project_of(&token).to_owned(),
        name: None,
        disk_format: None,
        container_format: None,
        visibility: "shared".into(),
        status: ImageStatus::Queued,
        size: None,
        checksum: None,
        hash_value: None,
        protected: false,
        min_ram: 0,
        min_disk: 0,
        os_hidden: false,
        tags: Vec::new(),
        extra: Map::new(),
        created_at_us: now_micros(),
        updated_at: now,
        tasks: Vec::new(),
        members: Vec::new(),
        generation: 0,
        stranded: false,
    };
    for (key, value) in &fields {
        if key == "id" {
            let id = value
                .as_str()
                .filter(|s| uuid::Uuid::parse_str(s).is_ok())
                .ok_or_else(|| schema_error(format!("{value} is not a valid image id")))?;
            image.id = id.to_owned();
            continue;
        }
        if key.chars().count() > MAX_KEY_CHARS && !is_attribute(key) {
            return Err(Failure::bad_request(
                "Custom property should not be greater than 255 characters.",
            ));
        }
        set_property(&mut image, key, value)?;
    }
    let policy = Policy(&token);
    if !policy.admin_or_member_of(&image.owner) {
        if image.owner != project_of(&token) {
            return Err(Failure::denied(format!(
                "You are not permitted to create images owned by '{}'",
                image.owner
            )));
        }
        return Err(not_authorized("add_image"));
    }
    policy.visibility(&image.visibility, &image.owner)?;
    check_property_quota(&image)?;
    {
        let mut images = cloud.glance.lock();
        if images.contains_key(&image.id) {
            return Err(Failure::conflict(format!(
                "An image with identifier {} already exists",
                image.id
            )));
        }
        images.insert(image.id.clone(), image.clone());
    }
    let mut resp = image_response(StatusCode::CREATED, &image);
    let h = resp.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&format!("{}/v2/images/{}", cloud.urls.glance, image.id)) {
        h.insert(header::LOCATION, v);
    }
    h.insert(
        "OpenStack-image-import-methods",
        HeaderValue::from_static("glance-direct,web-download,copy-image"),
    );
    h.insert(
        "OpenStack-image-store-ids",
        HeaderValue::from_static("file,os_glance_staging_store,os_glance_tasks_store"),
    );
    Ok(resp)
}

/// `GET /v2/images`: the images the caller sees ([`Image::listed_to`]:
/// shared ones by the caller's membership, `accepted` unless
/// `member_status` says otherwise; without a `visibility` filter, not other
/// projects' community images; `visibility=all` lists them too), newest
/// first, with `name`, `status`, `visibility`, `owner`, `limit` and
/// `marker`.
pub(super) async fn list(
    State(cloud): State<Arc<Cloud>>,
    Extension(token): Extension<Token>,
    Query(q): Query<HashMap<String, String>>,
) -> Result<Response, Failure> {
    let viewer = viewer_of(&token);
    let members = match q.get("member_status") {
        None => MemberFilter::Status(MemberStatus::Accepted),
        Some(s) => MemberFilter::parse(s)
            .ok_or_else(|| Failure::bad_request(format!("Invalid status: {s}")))?,
    };
    let shown = |i: &Image| match q.get("visibility").map(String::as_str) {
        None => i.listed_by_default_to(viewer, members),
        Some("all") => i.listed_to(viewer, members),
        Some(v) => i.listed_to(viewer, members) && i.visibility == v,
    };
    let mut images: Vec<Image> = cloud
        .glance
        .lock()
        .values()
        .filter(|i| shown(i) && !i.os_hidden)
        .filter(|i| q.get("name").is_none_or(|n| i.name.as_ref() == Some(n)))
        .filter(|i| q.get("status").is_none_or(|s| i.status.as_str() == s))
        .filter(|i| q.get("owner").is_none_or(|o| &i.owner == o))
        .cloned()
        .collect();
    images.sort_by(|a, b| (b.created_at_us, &b.id).cmp(&(a.created_at_us, &a.id)));
    if let Some(marker) = q.get("marker") {
        let Some(pos) = images.iter().position(|i| &i.id == marker) else {
            return Err(Failure::bad_request(format!(
                "marker {marker} could not be found."
            )));
        };
        images.drain(..=pos);
    }
    let limit = match q.get("limit") {
        Some(l) => match python_int(l) {
            None => return Err(Failure::bad_request("limit param must be an integer")),
            Some(n) if n < 0 => return Err(Failure::bad_request("limit param must be positive")),
            Some(n) => usize::try_from(n.min(MAX_LIMIT as i128)).unwrap_or(MAX_LIMIT),
        },
        None => DEFAULT_LIMIT,
    };
    let more = images.len() > limit;
    images.truncate(limit);
    let views: Vec<Value> = images.iter().map(Image::view).collect();
    let mut body = json!({"images": views});
    if more {
        if let Some(last) = images.last() {
            body["next"] = format!("/v2/images?marker={}&limit={limit}", last.id).into();
        }
    }
    body["first"] = "/v2/images".into();
    body["schema"] = "/v2/schemas/images".into();
    Ok(json_response(StatusCode::OK, &body))
}

/// `GET /v2/images/{id}`.
pub(super) async fn show(
    State(cloud): State<Arc<Cloud>>,
    Extension(token): Extension<Token>,
    Path(id): Path<String>,
) -> Result<Response, Failure> {
    let image = cloud
        .glance
        .get(&id, viewer_of(&token))
        .ok_or_else(|| Failure::no_image(&id))?;
    Ok(image_response(StatusCode::OK, &image))
}

/// Whether `key` is one of the image's own writable attributes (not a
/// custom property).
fn is_attribute(key: &str) -> bool {
    matches!(
        key,
        "name"
            | "disk_format"
            | "container_format"
            | "visibility"
            | "protected"
            | "os_hidden"
            | "min_ram"
            | "min_disk"
            | "tags"
            | "owner"
    )
}

/// Apply one JSON-patch operation as `policy`'s caller, checking what
/// Glance's `_do_add`, `_do_replace` and `_do_remove` check, in their order.
fn apply(image: &mut Image, op: &Value, policy: &Policy<'_>) -> Result<(), Failure> {
    let bad = || {
        Failure::bad_request("Unable to find `op` in JSON Schema change. It must be one of the following: add, remove, replace.")
    };
    let kind = op.get("op").and_then(Value::as_str).ok_or_else(bad)?;
    let path = op
        .get("path")
        .and_then(Value::as_str)
        .ok_or_else(|| Failure::bad_request("Unable to find '/' in JSON Schema change"))?;
    let key = path
        .strip_prefix('/')
        .filter(|k| !k.is_empty() && !k.contains('/'))
        .ok_or_else(|| {
            Failure::bad_request(format!("Invalid JSON pointer for this resource: '{path}'"))
        })?
        .replace("~1", "/")
        .replace("~0", "~");
    let core = is_attribute(&key);
    match kind {
        "add" | "replace" => {
            let value = op.get("value").ok_or_else(|| {
                Failure::bad_request("Unable to find `value` in JSON Schema change")
            })?;
            // Glance 33 refuses `replace` of the owner to non-admins but
            // lets `add` through (found on the live Glance; see the tests).
            if kind == "replace" && key == "owner" && !policy.is_admin() {
                return Err(Failure::denied("Owner can't be updated by non admin."));
            }
            if key == "visibility" {
                let wanted = as_enum(&key, value, &VISIBILITIES)?.unwrap_or_default();
                policy.visibility(&wanted, &image.owner)?;
            }
            policy.enforce("modify_image", &image.owner)?;
            if kind == "replace"
                && !core
                && !READ_ONLY.contains(&key.as_str())
                && !image.extra.contains_key(&key)
            {
                return Err(Failure::conflict(format!("Property {key} does not exist.")));
            }
            set_property(image, &key, value)
        }
        "remove" => {
            policy.enforce("modify_image", &image.owner)?;
            if READ_ONLY.contains(&key.as_str()) || core || key == "id" {
                return Err(Failure::new(
                    StatusCode::FORBIDDEN,
                    format!("Attribute '{key}' is read-only."),
                ));
            }
            image
                .extra
                .remove(&key)
                .map(|_| ())
                .ok_or_else(|| Failure::conflict(format!("Property {key} does not exist.")))
        }
        _ => Err(bad()),
    }
}

/// `PATCH /v2/images/{id}` (`application/openstack-images-v2.1-json-patch`).
pub(super) async fn patch(
    State(cloud): State<Arc<Cloud>>,
    Extension(token): Extension<Token>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Failure> {
    let media = media_type(&headers);
    if !matches!(
        media.as_deref(),
        Some("application/openstack-images-v2.1-json-patch")
            | Some("application/openstack-images-v2.0-json-patch")
    ) {
        return Err(Failure::patch_content_type(&headers));
    }
    let ops = parse_json(&body)?;
    let Value::Array(ops) = ops else {
        return Err(Failure::bad_request(
            "Request body must be a JSON array of operation objects.",
        ));
    };
    let viewer = viewer_of(&token);
    let mut images = cloud.glance.lock();
    let image = images
        .get_mut(&id)
        .filter(|i| i.visible_to(viewer))
        .ok_or_else(|| Failure::no_image(&id))?;
    // All or nothing, as Glance does.
    let policy = Policy(&token);
    let mut changed = image.clone();
    for op in &ops {
        apply(&mut changed, op, &policy)?;
    }
    if changed.extra.keys().any(|k| !image.extra.contains_key(k)) {
        check_property_quota(&changed)?;
    }
    changed.updated_at = now_secs();
    *image = changed;
    // Glance saves, then reads the image back as the caller: one given
    // away (`add` of another owner) is changed, and the answer is 403.
    if !image.visible_to(viewer) {
        return Err(Failure::new(
            StatusCode::FORBIDDEN,
            format!("Forbidding request, image {id} not visible"),
        ));
    }
    Ok(image_response(StatusCode::OK, image))
}

/// `DELETE /v2/images/{id}`.
pub(super) async fn delete(
    State(cloud): State<Arc<Cloud>>,
    Extension(token): Extension<Token>,
    Path(id): Path<String>,
) -> Result<Response, Failure> {
    {
        let mut images = cloud.glance.lock();
        let image = images
            .get(&id)
            .filter(|i| i.visible_to(viewer_of(&token)))
            .ok_or_else(|| {
                Failure::new(
                    StatusCode::NOT_FOUND,
                    format!("Failed to find image {id} to delete"),
                )
            })?;
        Policy(&token).enforce("delete_image", &image.owner)?;
        if image.protected {
            return Err(Failure::new(
                StatusCode::FORBIDDEN,
                format!("Image {id} is protected and cannot be deleted."),
            ));
        }
        images.remove(&id);
    }
    cloud.glance.remove_files(&id);
    Ok(empty(StatusCode::NO_CONTENT))
}

//! `/v2/images`: create, list, show, JSON-patch, delete.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use axum::Extension;
use bytes::Bytes;
use serde_json::{json, Map, Value};

use super::patch::{self, Change, Op, RESERVED, RESERVED_NAMESPACE};
use super::policy::{not_authorized, Policy};
use super::schemas::check_image_schema;
use super::store::{Image, ImageStatus, MemberFilter, MemberStatus};
use super::{empty, project_of, viewer_of, Failure};
use crate::auth::Token;
use crate::http::{json_response, media_type, now_micros, now_secs};
use crate::python;
use crate::Cloud;

/// `RequestDeserializer._disallowed_properties`: refused on create before
/// the schema is.
const DISALLOWED: [&str; 5] = ["direct_url", "self", "file", "schema", "stores"];
/// `RequestDeserializer._base_properties`: a create body's image
/// attributes; its other members are extra properties.
const BASE: [&str; 17] = [
    "checksum",
    "created_at",
    "container_format",
    "disk_format",
    "id",
    "min_disk",
    "min_ram",
    "name",
    "size",
    "virtual_size",
    "status",
    "tags",
    "owner",
    "updated_at",
    "visibility",
    "protected",
    "os_hidden",
];
/// `ImageFactory._readonly_properties`: refused on create once the
/// policies have passed.
const FACTORY_READ_ONLY: [&str; 8] = [
    "created_at",
    "updated_at",
    "status",
    "checksum",
    "os_hash_algo",
    "os_hash_value",
    "size",
    "virtual_size",
];
/// The one of `ImageFactory._reserved_properties` an extra property can
/// still be named when the factory looks (the deserializer refused the
/// others, or took them as attributes).
const FACTORY_RESERVED: &str = "locations";
/// The largest `min_ram` and `min_disk` Glance's database holds
/// (`_validate_db_int`).
const MAX_DB_INT: i64 = 2_147_483_647;

/// Glance's `image_property_quota`: extra properties an image may have
/// (those in the reserved `os_glance` namespace are not counted).
const PROPERTY_QUOTA: usize = 128;
/// Glance's `limit_param_default`.
const DEFAULT_LIMIT: usize = 25;
/// Glance's `api_limit_max`: a list's `limit` is capped at it.
const MAX_LIMIT: usize = 1000;
/// The longest custom property name Glance takes on create.
const MAX_KEY_CHARS: usize = 255;

/// 403: `key` is one of Glance's read-only attributes.
fn read_only(key: &str) -> Failure {
    Failure::new(
        StatusCode::FORBIDDEN,
        format!("Attribute '{key}' is read-only."),
    )
}

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

/// An integer the schema has checked, as Python holds it (a float with
/// an integral value too; beyond `i64`, saturated: the database refuses
/// it all the same).
fn integer(value: &Value) -> i64 {
    value
        .as_i64()
        .or_else(|| value.as_u64().map(|_| i64::MAX))
        .or_else(|| value.as_f64().map(|f| f as i64))
        .unwrap_or(0)
}

/// Set one property the image schema has checked (create or patch).
fn set_property(image: &mut Image, key: &str, value: &Value) {
    let text = || value.as_str().map(String::from);
    match key {
        "id" => image.id = text().unwrap_or_else(|| image.id.clone()),
        "name" => image.name = text(),
        "disk_format" => image.disk_format = text(),
        "container_format" => image.container_format = text(),
        "visibility" => image.visibility = text().unwrap_or_else(|| image.visibility.clone()),
        "protected" => image.protected = value.as_bool().unwrap_or(image.protected),
        "os_hidden" => image.os_hidden = value.as_bool().unwrap_or(image.os_hidden),
        "min_ram" => image.min_ram = integer(value),
        "min_disk" => image.min_disk = integer(value),
        // A `null` owner leaves the image the caller's.
        "owner" => image.owner = text().unwrap_or_else(|| image.owner.clone()),
        "tags" => {
            let tags = value.as_array().map_or(&[][..], Vec::as_slice);
            image.tags = tags
                .iter()
                .filter_map(Value::as_str)
                .map(String::from)
                .collect();
        }
        _ => {
            image.extra.insert(key.to_owned(), value.clone());
        }
    }
}

/// The domain's checks of `min_disk` and `min_ram` (its setters refuse a
/// negative one), then the database's (`_validate_db_int`).
fn check_sizes(image: &Image) -> Result<(), Failure> {
    let sizes = [("min_disk", image.min_disk), ("min_ram", image.min_ram)];
    if let Some((name, n)) = sizes.iter().find(|(_, n)| *n < 0) {
        return Err(Failure::bad_request(format!(
            "Invalid value '{n}' for parameter '{name}': Cannot be a negative value"
        )));
    }
    if let Some((name, _)) = sizes.iter().find(|(_, n)| *n > MAX_DB_INT) {
        return Err(Failure::bad_request(format!(
            "'{name}' value out of range, must not exceed {MAX_DB_INT}."
        )));
    }
    Ok(())
}

/// A request body as `JSONRequestDeserializer.from_json` reads it: JSON,
/// and a list or an object.
fn parse_json(body: &[u8]) -> Result<Value, Failure> {
    match serde_json::from_slice(body) {
        Ok(value @ (Value::Array(_) | Value::Object(_))) => Ok(value),
        Ok(_) => Err(Failure::bad_request(
            "Unexpected body type. Expected list/dict.",
        )),
        Err(_) => Err(Failure::malformed_json()),
    }
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
    let body = parse_json(&body)?;
    // Glance 33 answers a list with a bare 500 (its deserializer pops
    // `tags` off it); the mock says what is wrong (a known difference).
    let Value::Object(fields) = &body else {
        return Err(Failure::malformed_json());
    };
    // What `RequestDeserializer.create` checks, in its order.
    if let Some(key) = DISALLOWED.iter().find(|k| fields.contains_key(**k)) {
        return Err(read_only(key));
    }
    check_image_schema(&body)?;
    for key in fields.keys().filter(|k| !BASE.contains(&k.as_str())) {
        if key.chars().count() > MAX_KEY_CHARS {
            return Err(Failure::bad_request(
                "Custom property should not be greater than 255 characters.",
            ));
        }
        if RESERVED.contains(&key.as_str()) || key.starts_with(RESERVED_NAMESPACE) {
            return Err(Failure::denied(format!("Attribute '{key}' is reserved.")));
        }
    }
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
    for (key, value) in fields {
        if !FACTORY_READ_ONLY.contains(&key.as_str()) {
            set_property(&mut image, key, value);
        }
    }
    // Then the controller: its policies, and the image factory's proxies
    // (the property quota) and its own checks; last the database's.
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
    if let Some(key) = FACTORY_READ_ONLY.iter().find(|k| fields.contains_key(**k)) {
        return Err(read_only(key));
    }
    if image.extra.contains_key(FACTORY_RESERVED) {
        return Err(Failure::new(
            StatusCode::FORBIDDEN,
            format!("Attribute '{FACTORY_RESERVED}' is reserved."),
        ));
    }
    check_sizes(&image)?;
    {
        let mut images = cloud.glance.lock();
        if images.contains_key(&image.id) || cloud.glance.was_deleted(&image.id) {
            return Err(Failure::conflict(format!(
                "Image ID {} already exists!",
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
        Some(l) => match python::int(l) {
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

/// Apply one change as `policy`'s caller, checking what Glance's
/// `_do_add`, `_do_replace` and `_do_remove` check, in their order.
/// (Locations are invisible, Glance's default: no change to them passes.)
fn apply(image: &mut Image, change: &Change, policy: &Policy<'_>) -> Result<(), Failure> {
    let key = change.key();
    let core = is_attribute(key);
    let value = &change.value;
    if key == "locations" {
        if change.op == Op::Replace && value.as_array().is_some_and(Vec::is_empty) {
            return Err(Failure::denied("Cannot set locations to empty list."));
        }
        let verb = match change.op {
            Op::Add => "add",
            Op::Replace => "update",
            Op::Remove => "remove",
        };
        match change.op {
            Op::Remove if !policy.is_admin() => {
                return Err(not_authorized("delete_image_location"))
            }
            Op::Remove => {}
            _ => policy.enforce("set_image_location", &image.owner)?,
        }
        return Err(Failure::new(
            StatusCode::FORBIDDEN,
            format!("It's not allowed to {verb} locations if locations are invisible."),
        ));
    }
    match change.op {
        Op::Add | Op::Replace => {
            // Glance 33 refuses `replace` of the owner to non-admins but
            // lets `add` through (found on the live Glance; see the tests).
            if change.op == Op::Replace && key == "owner" && !policy.is_admin() {
                return Err(Failure::denied("Owner can't be updated by non admin."));
            }
            if key == "visibility" {
                policy.visibility(value.as_str().unwrap_or_default(), &image.owner)?;
            }
            policy.enforce("modify_image", &image.owner)?;
            if change.op == Op::Replace && !core && !image.extra.contains_key(key) {
                return Err(Failure::conflicting(format!(
                    "Property {key} does not exist."
                )));
            }
            set_property(image, key, value);
            Ok(())
        }
        Op::Remove => {
            policy.enforce("modify_image", &image.owner)?;
            if core {
                return Err(Failure::denied(format!(
                    "Property {key} may not be removed."
                )));
            }
            image
                .extra
                .remove(key)
                .map(|_| ())
                .ok_or_else(|| Failure::conflicting(format!("Property {key} does not exist.")))
        }
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
    let changes = patch::read(&parse_json(&body)?)?;
    let viewer = viewer_of(&token);
    let mut images = cloud.glance.lock();
    let image = images
        .get_mut(&id)
        .filter(|i| i.visible_to(viewer))
        .ok_or_else(|| Failure::no_image(&id))?;
    // All or nothing, as Glance does.
    let policy = Policy(&token);
    let mut changed = image.clone();
    for change in &changes {
        apply(&mut changed, change, &policy)?;
    }
    check_sizes(&changed)?;
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
        cloud.glance.bury(&id);
    }
    cloud.glance.remove_files(&id);
    Ok(empty(StatusCode::NO_CONTENT))
}

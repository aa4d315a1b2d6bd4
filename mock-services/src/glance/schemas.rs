//! `/v2/schemas/image` and `/v2/schemas/images`: enough of Glance's JSON
//! schemas for python-glanceclient, which validates against them; the
//! member schemas as Glance 33 serves them.

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Value};

use super::Failure;
use crate::http::json_response;

fn nullable_string(description: &str) -> Value {
    json!({"type": ["null", "string"], "description": description})
}

/// A property Glance 33 does not count as its own: it marks every property
/// of a deployment's `schema-image.json` `"is_base": false` (`get_schema`),
/// and without that file the signature properties are not in the schema at
/// all. Clients read the flag: Nova's `_extract_attributes_v2` files a
/// non-base property under the image's `properties`, where its download
/// path looks for the signature (a base one it would not find).
fn custom_string(description: &str) -> Value {
    let mut v = nullable_string(description);
    v["is_base"] = json!(false);
    v
}

fn image_schema() -> Value {
    let hash_props = json!({"type": ["null", "string"], "readOnly": true});
    json!({
        "name": "image",
        "additionalProperties": {"type": "string"},
        "properties": {
            "id": {"type": "string", "pattern": "^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$", "description": "An identifier for the image"},
            "name": {"type": ["null", "string"], "maxLength": 255, "description": "Descriptive name for the image"},
            "status": {"type": "string", "readOnly": true, "enum": ["queued", "saving", "active", "killed", "deleted", "uploading", "importing", "pending_delete", "deactivated"]},
            "visibility": {"type": "string", "enum": ["community", "public", "private", "shared"]},
            "protected": {"type": "boolean"},
            "os_hidden": {"type": "boolean"},
            "checksum": hash_props,
            "os_hash_algo": hash_props,
            "os_hash_value": hash_props,
            "owner": nullable_string("Owner of the image"),
            "size": {"type": ["null", "integer"], "readOnly": true},
            "virtual_size": {"type": ["null", "integer"], "readOnly": true},
            "container_format": {"type": ["null", "string"], "enum": [null, "ami", "ari", "aki", "bare", "ovf", "ova", "docker", "compressed"]},
            "disk_format": {"type": ["null", "string"], "enum": [null, "ami", "ari", "aki", "vhd", "vhdx", "vmdk", "raw", "qcow2", "vdi", "iso", "ploop"]},
            "created_at": {"type": "string", "readOnly": true},
            "updated_at": {"type": "string", "readOnly": true},
            "tags": {"type": "array", "items": {"type": "string", "maxLength": 255}},
            "direct_url": {"type": "string", "readOnly": true},
            "min_ram": {"type": "integer"},
            "min_disk": {"type": "integer"},
            "self": {"type": "string", "readOnly": true},
            "file": {"type": "string", "readOnly": true},
            "stores": {"type": "string", "readOnly": true},
            "schema": {"type": "string", "readOnly": true},
            "locations": {"type": "array", "items": {"type": "object"}},
            "img_signature": custom_string("The signature of the image data, base64"),
            "img_signature_hash_method": custom_string("The hash method the signature was made with"),
            "img_signature_key_type": custom_string("The key type of the signature"),
            "img_signature_certificate_uuid": custom_string("The Barbican secret holding the signing certificate"),
        },
        "links": [
            {"href": "{self}", "rel": "self"},
            {"href": "{file}", "rel": "enclosure"},
            {"href": "{schema}", "rel": "describedby"},
        ],
    })
}

/// `GET /v2/schemas/image`.
pub(super) async fn image() -> Result<Response, Failure> {
    Ok(json_response(StatusCode::OK, &image_schema()))
}

/// `GET /v2/schemas/images`.
pub(super) async fn images() -> Result<Response, Failure> {
    let body = json!({
        "name": "images",
        "properties": {
            "images": {"type": "array", "items": image_schema()},
            "schema": {"type": "string"},
            "first": {"type": "string"},
            "next": {"type": "string"},
        },
        "links": [
            {"href": "{first}", "rel": "first"},
            {"href": "{next}", "rel": "next"},
            {"href": "{schema}", "rel": "describedby"},
        ],
    });
    Ok(json_response(StatusCode::OK, &body))
}

fn member_schema() -> Value {
    json!({
        "name": "member",
        "properties": {
            "member_id": {"type": "string", "description": "An identifier for the image member (tenantId)"},
            "image_id": {"type": "string", "description": "An identifier for the image", "pattern": "^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$"},
            "created_at": {"type": "string", "description": "Date and time of image member creation"},
            "updated_at": {"type": "string", "description": "Date and time of last modification of image member"},
            "status": {"type": "string", "description": "The status of this image member", "enum": ["pending", "accepted", "rejected"]},
            "schema": {"readOnly": true, "type": "string"},
        },
    })
}

/// `GET /v2/schemas/member`.
pub(super) async fn member() -> Result<Response, Failure> {
    Ok(json_response(StatusCode::OK, &member_schema()))
}

/// `GET /v2/schemas/members`.
pub(super) async fn members() -> Result<Response, Failure> {
    let body = json!({
        "name": "members",
        "properties": {
            "members": {"type": "array", "items": member_schema()},
            "schema": {"type": "string"},
        },
        "links": [{"rel": "describedby", "href": "{schema}"}],
    });
    Ok(json_response(StatusCode::OK, &body))
}

//! Glance 33's image schema, which creates and patches are checked
//! against ([`IMAGE_SCHEMA`]), and `/v2/schemas/*`: the image schemas
//! with the signature properties a deployment would add, the member
//! schemas as Glance 33 serves them.

use std::sync::LazyLock;

use axum::http::StatusCode;
use axum::response::Response;
use serde_json::{json, Value};

use super::Failure;
use crate::http::json_response;
use crate::jsonschema::{best_match, validate, UUID_PATTERN};

/// Glance 33's `get_base_properties()`, as it writes them (with the
/// default `container_formats` and `disk_formats`), in its order: the
/// order jsonschema checks them in and `pprint` shows them in.
fn base_properties() -> Value {
    let properties = [
        (
            "id",
            json!({
                "type": "string",
                "description": "An identifier for the image",
                "pattern": UUID_PATTERN,
            }),
        ),
        (
            "name",
            json!({
                "type": ["null", "string"],
                "description": "Descriptive name for the image",
                "maxLength": 255,
            }),
        ),
        (
            "status",
            json!({
                "type": "string",
                "readOnly": true,
                "description": "Status of the image",
                "enum": ["queued", "saving", "active", "killed", "deleted", "uploading",
                         "importing", "pending_delete", "deactivated"],
            }),
        ),
        (
            "visibility",
            json!({
                "type": "string",
                "description": "Scope of image accessibility",
                "enum": ["community", "public", "private", "shared"],
            }),
        ),
        (
            "protected",
            json!({
                "type": "boolean",
                "description": "If true, image will not be deletable.",
            }),
        ),
        (
            "os_hidden",
            json!({
                "type": "boolean",
                "description": "If true, image will not appear in default image list response.",
            }),
        ),
        (
            "checksum",
            json!({
                "type": ["null", "string"],
                "readOnly": true,
                "description": "md5 hash of image contents.",
                "maxLength": 32,
            }),
        ),
        (
            "os_hash_algo",
            json!({
                "type": ["null", "string"],
                "readOnly": true,
                "description": "Algorithm to calculate the os_hash_value",
                "maxLength": 64,
            }),
        ),
        (
            "os_hash_value",
            json!({
                "type": ["null", "string"],
                "readOnly": true,
                "description": "Hexdigest of the image contents using the algorithm specified by \
                                the os_hash_algo",
                "maxLength": 128,
            }),
        ),
        (
            "owner",
            json!({
                "type": ["null", "string"],
                "description": "Owner of the image",
                "maxLength": 255,
            }),
        ),
        (
            "size",
            json!({
                "type": ["null", "integer"],
                "readOnly": true,
                "description": "Size of image file in bytes",
            }),
        ),
        (
            "virtual_size",
            json!({
                "type": ["null", "integer"],
                "readOnly": true,
                "description": "Virtual size of image in bytes",
            }),
        ),
        (
            "container_format",
            json!({
                "type": ["null", "string"],
                "description": "Format of the container",
                "enum": [null, "ami", "ari", "aki", "bare", "ovf", "ova", "docker", "compressed"],
            }),
        ),
        (
            "disk_format",
            json!({
                "type": ["null", "string"],
                "description": "Format of the disk",
                "enum": [null, "ami", "ari", "aki", "vhd", "vhdx", "vmdk", "raw", "qcow2", "vdi",
                         "iso", "ploop"],
            }),
        ),
        (
            "created_at",
            json!({
                "type": "string",
                "readOnly": true,
                "description": "Date and time of image registration",
            }),
        ),
        (
            "updated_at",
            json!({
                "type": "string",
                "readOnly": true,
                "description": "Date and time of the last image modification",
            }),
        ),
        (
            "tags",
            json!({
                "type": "array",
                "description": "List of strings related to the image",
                "items": {"type": "string", "maxLength": 255},
            }),
        ),
        (
            "direct_url",
            json!({
                "type": "string",
                "readOnly": true,
                "description": "URL to access the image file kept in external store",
            }),
        ),
        (
            "min_ram",
            json!({
                "type": "integer",
                "description": "Amount of ram (in MB) required to boot image.",
            }),
        ),
        (
            "min_disk",
            json!({
                "type": "integer",
                "description": "Amount of disk space (in GB) required to boot image.",
            }),
        ),
        (
            "self",
            json!({"type": "string", "readOnly": true, "description": "An image self url"}),
        ),
        (
            "file",
            json!({"type": "string", "readOnly": true, "description": "An image file url"}),
        ),
        (
            "stores",
            json!({
                "type": "string",
                "readOnly": true,
                "description": "Store in which image data resides.  Only present when the \
                                operator has enabled multiple stores.  May be a comma-separated \
                                list of store identifiers.",
            }),
        ),
        (
            "schema",
            json!({"type": "string", "readOnly": true, "description": "An image schema url"}),
        ),
        (
            "locations",
            json!({
                "type": "array",
                "items": {
                    "type": "object",
                    "properties": {
                        "url": {"type": "string", "maxLength": 255},
                        "metadata": {"type": "object"},
                        "validation_data": {
                            "description": "Values to be used to populate the corresponding \
                                            image properties. If the image status is not \
                                            'queued', values must exactly match those already \
                                            contained in the image properties.",
                            "type": "object",
                            "writeOnly": true,
                            "additionalProperties": false,
                            "properties": {
                                "checksum": {"type": "string", "minLength": 32, "maxLength": 32},
                                "os_hash_algo": {"type": "string", "maxLength": 64},
                                "os_hash_value": {"type": "string", "maxLength": 128},
                            },
                            "required": ["os_hash_algo", "os_hash_value"],
                        },
                    },
                    "required": ["url", "metadata"],
                },
                "description": "A set of URLs to access the image file kept in external store",
            }),
        ),
    ];
    Value::Object(
        properties
            .into_iter()
            .map(|(name, schema)| (name.to_owned(), schema))
            .collect(),
    )
}

/// The schema Glance 33 checks a create or a patch against (a
/// `PermissiveSchema` without `schema-image.json`): its base properties,
/// and strings for every other.
pub(super) static IMAGE_SCHEMA: LazyLock<Value> = LazyLock::new(|| {
    json!({
        "properties": base_properties(),
        "additionalProperties": {"type": "string"},
    })
});

/// Glance 33's 400 for a body its image schema refuses: jsonschema's
/// best match, reported whole.
pub(super) fn check_image_schema(body: &Value) -> Result<(), Failure> {
    match best_match(validate(&IMAGE_SCHEMA, body)) {
        None => Ok(()),
        Some(fault) => Err(Failure::bad_request(format!(
            "Provided object does not match schema 'image': {}",
            fault.report()
        ))),
    }
}

/// A property Glance 33 does not count as its own: it marks every property
/// of a deployment's `schema-image.json` `"is_base": false` (`get_schema`),
/// and without that file the signature properties are not in the schema at
/// all. Clients read the flag: Nova's `_extract_attributes_v2` files a
/// non-base property under the image's `properties`, where its download
/// path looks for the signature (a base one it would not find).
fn custom_string(description: &str) -> Value {
    json!({"type": ["null", "string"], "description": description, "is_base": false})
}

/// The image schema served: Glance's, with the signature properties as a
/// deployment's `schema-image.json` would add them.
fn image_schema() -> Value {
    let mut properties = base_properties();
    for (name, description) in [
        ("img_signature", "The signature of the image data, base64"),
        (
            "img_signature_hash_method",
            "The hash method the signature was made with",
        ),
        ("img_signature_key_type", "The key type of the signature"),
        (
            "img_signature_certificate_uuid",
            "The Barbican secret holding the signing certificate",
        ),
    ] {
        properties[name] = custom_string(description);
    }
    json!({
        "name": "image",
        "properties": properties,
        "additionalProperties": {"type": "string"},
        "links": [
            {"rel": "self", "href": "{self}"},
            {"rel": "enclosure", "href": "{file}"},
            {"rel": "describedby", "href": "{schema}"},
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
            "image_id": {"type": "string", "description": "An identifier for the image", "pattern": UUID_PATTERN},
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

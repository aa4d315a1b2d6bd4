//! The records of Glance v2 the client sends and receives: images to
//! create and as described, upload and download answers, JSON-patch
//! operations, import methods and tasks.

use serde_json::{json, Map, Value};

use super::super::evidence::Exchange;
use super::not_json;
use crate::spec::PropertyMap;
use crate::Result;

/// Top-level image fields that are Glance's own, not properties.
const CORE_FIELDS: &[&str] = &[
    "id",
    "name",
    "status",
    "owner",
    "stores",
    "visibility",
    "disk_format",
    "container_format",
    "checksum",
    "os_hash_algo",
    "os_hash_value",
    "created_at",
    "updated_at",
    "self",
    "file",
    "schema",
    "direct_url",
];

/// An image to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewImage {
    /// Its name (carry the run tag: [`crate::tag::RunTag::name`]).
    pub name: String,
    /// `disk_format` (default `raw`).
    pub disk_format: String,
    /// `container_format` (default `bare`).
    pub container_format: String,
    /// Further top-level fields, sent as raw strings exactly as given (the
    /// four signature properties, or anything a case wants to try). They may
    /// override the formats, never the name.
    pub properties: PropertyMap,
}

impl NewImage {
    /// A `raw`/`bare` image called `name` without properties.
    pub fn new(name: impl Into<String>) -> NewImage {
        NewImage {
            name: name.into(),
            disk_format: "raw".into(),
            container_format: "bare".into(),
            properties: PropertyMap::new(),
        }
    }

    /// With these properties.
    pub fn with_properties(mut self, properties: PropertyMap) -> NewImage {
        self.properties = properties;
        self
    }

    /// The request body.
    pub fn to_json(&self) -> Value {
        let mut body = Map::new();
        body.insert("disk_format".into(), self.disk_format.clone().into());
        body.insert(
            "container_format".into(),
            self.container_format.clone().into(),
        );
        for (k, v) in &self.properties {
            body.insert(k.clone(), v.clone().into());
        }
        body.insert("name".into(), self.name.clone().into());
        Value::Object(body)
    }
}

/// An image as Glance describes it.
#[derive(Debug, Clone, PartialEq)]
pub struct Image {
    /// Its id.
    pub id: String,
    /// Its name.
    pub name: Option<String>,
    /// `queued`, `saving`, `active`, `importing`, `killed`, `deleted` …
    pub status: String,
    /// Size of the data, once there is some.
    pub size: Option<u64>,
    /// The owning project.
    pub owner: Option<String>,
    /// The stores holding its data (`stores`, comma-separated in Glance).
    pub stores: Vec<String>,
    /// Every other string-valued top-level field: the signature
    /// properties, `os_glance_failed_import`, … as raw strings.
    pub properties: PropertyMap,
    /// The whole record.
    pub raw: Value,
}

impl Image {
    /// Parse an image record.
    pub fn from_json(v: &Value) -> Option<Image> {
        let obj = v.as_object()?;
        let s = |k: &str| obj.get(k).and_then(Value::as_str).map(str::to_owned);
        let properties = obj
            .iter()
            .filter(|(k, _)| !CORE_FIELDS.contains(&k.as_str()))
            .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
            .collect();
        Some(Image {
            id: s("id")?,
            name: s("name"),
            status: s("status").unwrap_or_default(),
            size: obj.get("size").and_then(Value::as_u64),
            owner: s("owner"),
            stores: s("stores")
                .map(|st| {
                    st.split(',')
                        .map(str::trim)
                        .filter(|x| !x.is_empty())
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default(),
            properties,
            raw: v.clone(),
        })
    }

    /// A property's raw value.
    pub fn property(&self, name: &str) -> Option<&str> {
        self.properties.get(name).map(String::as_str)
    }

    /// `os_glance_failed_import`: the stores an import failed for.
    pub fn failed_import(&self) -> Option<&str> {
        self.property("os_glance_failed_import")
            .filter(|v| !v.is_empty())
    }
}

/// The answer to an upload (`file`) or stage: any status is an
/// observation (a refusal is what many cases expect).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    /// The status (204 on success).
    pub status: u16,
    /// The exchange, with the bytes sent.
    pub exchange: Exchange,
}

impl Upload {
    /// Whether Glance took the data (2xx).
    pub fn accepted(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The message of a refusal (from the HTML or JSON body).
    pub fn message(&self) -> String {
        self.exchange.message()
    }
}

/// Whether an image's data can be downloaded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DataCheck {
    /// 200 with data; 204 means no data; 404 means no image.
    pub status: u16,
    /// Whether at least one byte came.
    pub has_data: bool,
    /// The exchange (the body is not kept).
    pub exchange: Exchange,
}

/// One JSON-patch operation on an image (`application/openstack-images-v2.1-json-patch`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PatchOp {
    /// Add a property.
    Add {
        /// Property name (without the leading `/`).
        name: String,
        /// Raw value.
        value: String,
    },
    /// Replace a property.
    Replace {
        /// Property name (without the leading `/`).
        name: String,
        /// Raw value.
        value: String,
    },
    /// Remove a property.
    Remove {
        /// Property name (without the leading `/`).
        name: String,
    },
}

impl PatchOp {
    pub(super) fn to_json(&self) -> Value {
        match self {
            PatchOp::Add { name, value } => {
                json!({"op": "add", "path": format!("/{name}"), "value": value})
            }
            PatchOp::Replace { name, value } => {
                json!({"op": "replace", "path": format!("/{name}"), "value": value})
            }
            PatchOp::Remove { name } => json!({"op": "remove", "path": format!("/{name}")}),
        }
    }
}

/// An import method.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ImportMethod {
    /// `glance-direct`: import what was staged.
    GlanceDirect,
    /// `web-download` from a URL.
    WebDownload(String),
}

/// An asynchronous task of an image (`GET /v2/images/{id}/tasks`).
#[derive(Debug, Clone, PartialEq)]
pub struct Task {
    /// Its id.
    pub id: String,
    /// `api_image_import` …
    pub kind: String,
    /// `pending`, `processing`, `success`, `failure`.
    pub status: String,
    /// Its message (e.g. "Task failed due to Internal Error").
    pub message: String,
    /// The whole record.
    pub raw: Value,
}

impl Task {
    /// Parse a task record; `None` without a string `id`.
    pub fn from_json(t: &Value) -> Option<Task> {
        let s = |k: &str| {
            t.get(k)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        };
        Some(Task {
            id: t.get("id")?.as_str()?.to_owned(),
            kind: s("type"),
            status: s("status"),
            message: s("message"),
            raw: t.clone(),
        })
    }
}

pub(super) fn parse_image(body: &str, exchange: &Exchange) -> Result<Image> {
    let v: Value = serde_json::from_str(body).map_err(|e| not_json(exchange, &e.to_string()))?;
    Image::from_json(&v).ok_or_else(|| not_json(exchange, "no image id"))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The transcript's record of an image after a good upload.
    const ACTIVE: &str = r#"{"img_signature": "MGUCMB9F2QokTklUyU4w/AE08lqrrp0kb9hKfG21xgnXnQMt/PlkXAUarnOhF0XRcQi+swIxAM1r3jny+02totCrmhcnikeyxe2bElVGKOMc9ALRqHF/0NL3PdBWJcZuAet9pPcAJw==", "img_signature_certificate_uuid": "089219c4-e839-4de4-80b7-46770c906878", "img_signature_hash_method": "SHA-384", "img_signature_key_type": "ECC_SECP384R1", "name": "wire", "disk_format": "raw", "container_format": "bare", "visibility": "shared", "size": 22, "virtual_size": 22, "status": "active", "checksum": "69bcebf29946998555945bfd562df6f0", "protected": false, "min_ram": 0, "min_disk": 0, "owner": "09b9a6a89d1c49a583ca2d469f543df6", "os_hidden": false, "os_hash_algo": "sha512", "os_hash_value": "756138eda333dfdd93b80d8bae18b447fbab34462db0cc57df732b81e51015961e815e04c09b42da7de16058d0fc34812d6ecc3496bd7519c395202e88705ccc", "id": "05712e72-4758-4201-ae72-62f1785669bf", "created_at": "2026-11-22T16:45:14Z", "updated_at": "2026-11-22T16:45:15Z", "tags": [], "self": "/v2/images/05712e72-4758-4201-ae72-62f1785669bf", "file": "/v2/images/05712e72-4758-4201-ae72-62f1785669bf/file", "schema": "/v2/schemas/image", "stores": "file"}"#;

    #[test]
    fn image_records_parse_with_properties_and_stores() {
        let v: Value = serde_json::from_str(ACTIVE).expect("transcript JSON");
        let image = Image::from_json(&v).expect("image");
        assert_eq!(image.status, "active");
        assert_eq!(image.size, Some(22));
        assert_eq!(image.stores, vec!["file".to_owned()]);
        assert_eq!(
            image.property("img_signature_key_type"),
            Some("ECC_SECP384R1")
        );
        assert_eq!(image.properties.len(), 4, "{:?}", image.properties);
        assert_eq!(image.failed_import(), None);
    }

    #[test]
    fn create_body_keeps_raw_properties_and_our_name() {
        let mut props = PropertyMap::new();
        props.insert("img_signature_hash_method".into(), " SHA-256".into());
        props.insert("name".into(), "not ours".into());
        props.insert("disk_format".into(), "qcow2".into());
        let body = NewImage::new("imgsig-r1-case")
            .with_properties(props)
            .to_json();
        assert_eq!(body["name"], "imgsig-r1-case");
        assert_eq!(body["disk_format"], "qcow2");
        assert_eq!(body["container_format"], "bare");
        assert_eq!(body["img_signature_hash_method"], " SHA-256");
    }

    #[test]
    fn patch_ops_as_glance_wants_them() {
        let op = PatchOp::Replace {
            name: "img_signature_hash_method".into(),
            value: "SHA-512".into(),
        };
        assert_eq!(
            op.to_json(),
            json!({"op": "replace", "path": "/img_signature_hash_method", "value": "SHA-512"})
        );
    }
}

//! Glance v2: images with the signature properties as top-level fields,
//! streamed uploads (`file`, or `stage` + `import glance-direct`), the
//! image's state and stores, whether data can be downloaded, tasks,
//! JSON-patch, deletion and listing by name prefix.

use std::io::Read;
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use futures_util::{stream, Stream, StreamExt};
use reqwest::Method;
use serde_json::{json, Map, Value};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use super::cleanup::Resource;
use super::client::{expect_ok, Client};
use super::evidence::Exchange;
use super::failure::TransportFailure;
use super::transport::{read_body, Outgoing, Payload};
use crate::spec::PropertyMap;
use crate::{Error, Result};

const GLANCE: &str = "Glance";
/// Images asked for per page when listing.
const PAGE: usize = 200;
/// Pages followed at most when listing.
const MAX_PAGES: usize = 500;

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
    /// Its name (carry the run tag: [`super::RunTag::name`]).
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
    fn to_json(&self) -> Value {
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

/// The URL of the page after `current` in an image list `page`, or `None`
/// at the end. Glance's `next` is relative to its root
/// (`/v2/images?marker=…`); an absolute `http…` link is taken as it is; a
/// link back to `current` or anything else ends the listing.
pub fn next_page(glance_root: &str, current: &str, page: &Value) -> Option<String> {
    let next = page.get("next").and_then(Value::as_str)?;
    let url = if next.starts_with("/v2/") {
        format!("{glance_root}{next}")
    } else if next.starts_with("http") {
        next.to_owned()
    } else {
        return None;
    };
    (url != current).then_some(url)
}

/// A stream of image data chunks.
pub type DataStream = Pin<Box<dyn Stream<Item = std::io::Result<Vec<u8>>> + Send + 'static>>;

/// Chunks of at most `chunk` bytes from an async reader.
pub fn reader_stream<R>(reader: R, chunk: usize) -> DataStream
where
    R: AsyncRead + Send + 'static,
{
    let chunk = chunk.max(1);
    Box::pin(stream::unfold(
        (Box::pin(reader), false),
        move |(mut reader, failed)| async move {
            if failed {
                return None;
            }
            let mut buf = vec![0u8; chunk];
            match reader.read(&mut buf).await {
                Ok(0) => None,
                Ok(n) => {
                    buf.truncate(n);
                    Some((Ok(buf), (reader, false)))
                }
                Err(e) => Some((Err(e), (reader, true))),
            }
        },
    ))
}

/// Chunks of at most `chunk` bytes from a blocking reader, read on the
/// blocking thread pool (at most a few chunks ahead).
pub fn blocking_reader_stream(reader: Box<dyn Read + Send>, chunk: usize) -> DataStream {
    let chunk = chunk.max(1);
    let (tx, rx) = tokio::sync::mpsc::channel::<std::io::Result<Vec<u8>>>(4);
    tokio::task::spawn_blocking(move || {
        let mut reader = reader;
        loop {
            let mut buf = vec![0u8; chunk];
            match reader.read(&mut buf) {
                Ok(0) => return,
                Ok(n) => {
                    buf.truncate(n);
                    if tx.blocking_send(Ok(buf)).is_err() {
                        return;
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    let _ = tx.blocking_send(Err(e));
                    return;
                }
            }
        }
    });
    Box::pin(stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|item| (item, rx))
    }))
}

impl Client {
    fn image_url(&self, id: &str) -> String {
        format!("{}/v2/images/{id}", self.core.glance)
    }

    fn request(&self, method: Method, url: String) -> Outgoing {
        Outgoing::new(method, url, None).timeout(self.core.options.timeouts.request)
    }

    /// Create an image (`POST /v2/images`); registered for cleanup.
    /// A refusal is `Err(Error::Api)` with the exchange.
    pub async fn create_image(&self, image: &NewImage) -> Result<Image> {
        let out = Outgoing::json(
            Method::POST,
            format!("{}/v2/images", self.core.glance),
            None,
            &image.to_json(),
        )
        .timeout(self.core.options.timeouts.request);
        let reply = expect_ok(GLANCE, self.execute(GLANCE, out).await?)?;
        let created = parse_image(&reply.body, &reply.exchange)?;
        self.registry.add(Resource::Image {
            id: created.id.clone(),
            name: created.name.clone().unwrap_or_else(|| image.name.clone()),
        });
        Ok(created)
    }

    /// An image, or `None` if Glance says 404.
    pub async fn image(&self, id: &str) -> Result<Option<Image>> {
        let reply = self
            .execute(GLANCE, self.request(Method::GET, self.image_url(id)))
            .await?;
        if reply.status == 404 {
            return Ok(None);
        }
        let reply = expect_ok(GLANCE, reply)?;
        parse_image(&reply.body, &reply.exchange).map(Some)
    }

    /// Apply JSON-patch operations; the image afterwards.
    pub async fn patch_image(&self, id: &str, ops: &[PatchOp]) -> Result<Image> {
        let body = Value::Array(ops.iter().map(PatchOp::to_json).collect());
        let mut out = Outgoing::json(Method::PATCH, self.image_url(id), None, &body)
            .timeout(self.core.options.timeouts.request);
        out.content_type = Some("application/openstack-images-v2.1-json-patch");
        let reply = expect_ok(GLANCE, self.execute(GLANCE, out).await?)?;
        parse_image(&reply.body, &reply.exchange)
    }

    /// Delete an image; `false` if it was already gone (404).
    pub async fn delete_image(&self, id: &str) -> Result<bool> {
        let reply = self
            .execute(GLANCE, self.request(Method::DELETE, self.image_url(id)))
            .await?;
        if reply.status == 404 {
            return Ok(false);
        }
        expect_ok(GLANCE, reply).map(|_| true)
    }

    /// The images whose names start with `prefix` (all pages, filtered
    /// here: Glance has no prefix filter).
    pub async fn list_images(&self, prefix: &str) -> Result<Vec<Image>> {
        let mut url = format!("{}/v2/images?limit={PAGE}", self.core.glance);
        let mut found = Vec::new();
        for _ in 0..MAX_PAGES {
            let reply = expect_ok(
                GLANCE,
                self.execute(GLANCE, self.request(Method::GET, url.clone()))
                    .await?,
            )?;
            let page: Value = serde_json::from_str(&reply.body)
                .map_err(|e| not_json(&reply.exchange, &e.to_string()))?;
            found.extend(
                page.get("images")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Image::from_json)
                    .filter(|i| i.name.as_deref().is_some_and(|n| n.starts_with(prefix))),
            );
            match next_page(&self.core.glance, &url, &page) {
                Some(next) => url = next,
                None => break,
            }
        }
        Ok(found)
    }

    /// Upload image data (`PUT /v2/images/{id}/file`) from an async
    /// reader, streamed in chunks (never buffered whole). `len`, if known,
    /// is sent as `Content-Length`. Any HTTP status is an [`Upload`];
    /// `Err` only when no answer came.
    pub async fn upload<R>(&self, id: &str, reader: R, len: Option<u64>) -> Result<Upload>
    where
        R: AsyncRead + Send + 'static,
    {
        let chunk = self.core.options.upload_chunk;
        self.put_data(id, "file", reader_stream(reader, chunk), len)
            .await
    }

    /// [`Client::upload`] from a stream of chunks.
    pub async fn upload_stream(
        &self,
        id: &str,
        data: DataStream,
        len: Option<u64>,
    ) -> Result<Upload> {
        self.put_data(id, "file", data, len).await
    }

    /// [`Client::upload`] from a blocking reader (read on the blocking pool).
    pub async fn upload_blocking(
        &self,
        id: &str,
        reader: Box<dyn Read + Send>,
        len: Option<u64>,
    ) -> Result<Upload> {
        let chunk = self.core.options.upload_chunk;
        self.put_data(id, "file", blocking_reader_stream(reader, chunk), len)
            .await
    }

    /// Stage image data (`PUT /v2/images/{id}/stage`) for an interoperable
    /// import, streamed like [`Client::upload`].
    pub async fn stage<R>(&self, id: &str, reader: R, len: Option<u64>) -> Result<Upload>
    where
        R: AsyncRead + Send + 'static,
    {
        let chunk = self.core.options.upload_chunk;
        self.put_data(id, "stage", reader_stream(reader, chunk), len)
            .await
    }

    async fn put_data(
        &self,
        id: &str,
        what: &str,
        data: DataStream,
        len: Option<u64>,
    ) -> Result<Upload> {
        let sent = Arc::new(AtomicU64::new(0));
        let counter = sent.clone();
        let counted = data.map(move |item| {
            if let Ok(chunk) = &item {
                counter.fetch_add(chunk.len() as u64, Ordering::Relaxed);
            }
            item
        });
        let mut out = Outgoing::new(Method::PUT, format!("{}/{what}", self.image_url(id)), None)
            .timeout(self.core.options.timeouts.transfer);
        out.content_type = Some("application/octet-stream");
        out.payload = Payload::Stream(reqwest::Body::wrap_stream(counted), len);
        let result = match self.execute_raw(GLANCE, out).await {
            Ok((response, exchange)) => {
                read_body(
                    GLANCE,
                    response,
                    exchange,
                    self.core.options.timeouts.transfer,
                    &self.redactor(),
                )
                .await
            }
            Err(e) => Err(e),
        };
        let bytes = sent.load(Ordering::Relaxed);
        match result {
            Ok(mut reply) => {
                reply.exchange.request_bytes = Some(bytes);
                self.record(reply.exchange.clone());
                Ok(Upload {
                    status: reply.status,
                    exchange: reply.exchange,
                })
            }
            Err(Error::Transport(mut f)) => {
                f.exchange.request_bytes = Some(bytes);
                // execute_raw recorded failures before the answer; a body
                // that failed to arrive is recorded here.
                if f.exchange.status.is_some() {
                    self.record(f.exchange.clone());
                }
                Err(Error::Transport(f))
            }
            Err(e) => Err(e),
        }
    }

    /// Start an interoperable import (`POST /v2/images/{id}/import`);
    /// Glance answers 202 and works on in a task.
    pub async fn import_image(&self, id: &str, method: &ImportMethod) -> Result<Exchange> {
        let body = match method {
            ImportMethod::GlanceDirect => json!({"method": {"name": "glance-direct"}}),
            ImportMethod::WebDownload(uri) => {
                json!({"method": {"name": "web-download", "uri": uri}})
            }
        };
        let out = Outgoing::json(
            Method::POST,
            format!("{}/import", self.image_url(id)),
            None,
            &body,
        )
        .timeout(self.core.options.timeouts.request);
        expect_ok(GLANCE, self.execute(GLANCE, out).await?).map(|r| r.exchange)
    }

    /// The image's tasks (`GET /v2/images/{id}/tasks`).
    pub async fn image_tasks(&self, id: &str) -> Result<Vec<Task>> {
        let reply = expect_ok(
            GLANCE,
            self.execute(
                GLANCE,
                self.request(Method::GET, format!("{}/tasks", self.image_url(id))),
            )
            .await?,
        )?;
        let v: Value = serde_json::from_str(&reply.body)
            .map_err(|e| not_json(&reply.exchange, &e.to_string()))?;
        Ok(v.get("tasks")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Task::from_json)
            .collect())
    }

    /// Whether the image's data can be downloaded: reads at most the first
    /// chunk. 200 with bytes → data; 204 (Glance's "no data") or 404 → none;
    /// any other status is `Err(Error::Api)`.
    pub async fn download_status(&self, id: &str) -> Result<DataCheck> {
        let mut out = self
            .request(Method::GET, format!("{}/file", self.image_url(id)))
            .timeout(self.core.options.timeouts.transfer);
        out.accept = "application/octet-stream";
        let (mut response, mut exchange) = self.execute_raw(GLANCE, out).await?;
        let status = response.status().as_u16();
        let has_data = if status == 200 {
            match response.chunk().await {
                Ok(first) => first.is_some_and(|c| !c.is_empty()),
                Err(e) => {
                    exchange.transport_error = Some(self.redact(&e.to_string()));
                    self.record(exchange.clone());
                    return Err(Error::Transport(Box::new(TransportFailure {
                        service: GLANCE,
                        exchange,
                        timed_out_after: e
                            .is_timeout()
                            .then_some(self.core.options.timeouts.transfer),
                    })));
                }
            }
        } else {
            if status != 204 {
                // Keep the message of an error answer.
                let reply = read_body(
                    GLANCE,
                    response,
                    exchange,
                    self.core.options.timeouts.request,
                    &self.redactor(),
                )
                .await?;
                exchange = reply.exchange;
            }
            false
        };
        self.record(exchange.clone());
        if !matches!(status, 200 | 204 | 404) {
            return Err(Error::Api(Box::new(super::failure::ApiFailure {
                service: GLANCE,
                exchange,
            })));
        }
        Ok(DataCheck {
            status,
            has_data,
            exchange,
        })
    }

    /// Download the image's data into `writer`, streamed; the bytes
    /// written. No data (204) writes nothing.
    pub async fn download<W>(&self, id: &str, writer: &mut W) -> Result<u64>
    where
        W: AsyncWrite + Unpin + Send,
    {
        let mut out = self
            .request(Method::GET, format!("{}/file", self.image_url(id)))
            .timeout(self.core.options.timeouts.transfer);
        out.accept = "application/octet-stream";
        let (mut response, exchange) = self.execute_raw(GLANCE, out).await?;
        if !response.status().is_success() {
            let reply = read_body(
                GLANCE,
                response,
                exchange,
                self.core.options.timeouts.request,
                &self.redactor(),
            )
            .await?;
            self.record(reply.exchange.clone());
            return expect_ok(GLANCE, reply).map(|_| 0);
        }
        self.record(exchange.clone());
        let mut written = 0u64;
        loop {
            match response.chunk().await {
                Ok(Some(chunk)) => {
                    writer.write_all(&chunk).await?;
                    written += chunk.len() as u64;
                }
                Ok(None) => break,
                Err(e) => {
                    let mut exchange = exchange;
                    exchange.transport_error = Some(self.redact(&e.to_string()));
                    return Err(Error::Transport(Box::new(TransportFailure {
                        service: GLANCE,
                        exchange,
                        timed_out_after: e
                            .is_timeout()
                            .then_some(self.core.options.timeouts.transfer),
                    })));
                }
            }
        }
        writer.flush().await?;
        Ok(written)
    }
}

fn not_json(exchange: &Exchange, detail: &str) -> Error {
    Error::Config(format!(
        "{} answered {} to {} with a body that is not the expected JSON ({detail}): is this \
         URL really Glance v2?",
        GLANCE,
        exchange.status.unwrap_or(0),
        exchange.request_line()
    ))
}

fn parse_image(body: &str, exchange: &Exchange) -> Result<Image> {
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

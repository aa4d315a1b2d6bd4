//! `PUT /v2/images/{id}/file` (streamed, verified while it streams) and
//! `GET /v2/images/{id}/file`.
//!
//! The body is never held in memory: the request task copies frames into
//! batches of [`BATCH`] bytes and hands them through bounded channels to
//! the upload's blocking workers ("lanes"): one writes a temporary file and
//! feeds the verifier, and with checksums on, one computes MD5 and one
//! SHA-512. Hashing is thus off the async reactor, and a slow disk or a
//! slow hash pushes back on the client.
//!
//! Batches are recycled: a batch the last lane is done with goes back to
//! the upload's pool, and each frame is released as soon as it is copied,
//! so hyper reads into the same buffer again. Memory stays flat and warm:
//! holding frames until every lane had them instead made hyper allocate a
//! new read buffer each time: 37 000–56 000 page faults per GiB uploaded,
//! against about 2 000 now (`cargo xtask bench-upload`).

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path as FsPath, PathBuf};
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Extension;
use bytes::Bytes;
use http_body::{Frame, SizeHint};
use http_body_util::BodyExt;
use imgsig_contract::disk_format::{FormatRefusal, Inspection};
use imgsig_contract::{Base64Mode, FailedUpload, Rejection, Request, SignatureProperties};
use imgsig_crypto::verify::UploadVerifier;
use openssl::hash::{Hasher, MessageDigest};
use tokio::sync::mpsc;

use super::store::ImageStatus;
use super::{empty, project_of, viewer_of, Failure};
use crate::auth::Token;
use crate::http::{media_type, now_secs};
use crate::Cloud;

/// Bytes handed to the worker at a time.
pub(super) const BATCH: usize = 1 << 20;
/// Batches in flight between the request task and its worker.
const DEPTH: usize = 4;

/// Glance's own checksums: MD5 (`checksum`) and SHA-512 (`os_hash_value`),
/// by OpenSSL (about 1.5 times RustCrypto's speed for these two here).
pub(super) struct Checksums {
    md5: Hasher,
    sha512: Hasher,
}

impl Checksums {
    fn new() -> std::io::Result<Checksums> {
        Ok(Checksums {
            md5: Hasher::new(MessageDigest::md5()).map_err(std::io::Error::other)?,
            sha512: Hasher::new(MessageDigest::sha512()).map_err(std::io::Error::other)?,
        })
    }

    fn update(&mut self, chunk: &[u8]) -> std::io::Result<()> {
        feed(&mut self.md5, chunk)?;
        feed(&mut self.sha512, chunk)
    }

    fn finish(mut self) -> std::io::Result<(String, String)> {
        let md5 = self.md5.finish().map_err(std::io::Error::other)?;
        let sha512 = self.sha512.finish().map_err(std::io::Error::other)?;
        Ok((hex::encode(md5), hex::encode(sha512)))
    }
}

fn feed(hasher: &mut Hasher, chunk: &[u8]) -> std::io::Result<()> {
    hasher.update(chunk).map_err(std::io::Error::other)
}

/// The checksums, the verifier, the format inspection and the file an
/// upload streams into.
pub(super) struct Sink {
    file: Option<File>,
    checksums: Option<Checksums>,
    verifier: Option<UploadVerifier>,
    /// Glance 33's format inspection with the image's disk format (bare
    /// containers only).
    inspection: Option<(Inspection, String)>,
    size: u64,
}

/// What a finished stream produced.
#[derive(Debug)]
pub(super) struct Received {
    /// Bytes received.
    pub size: u64,
    /// MD5 and SHA-512, hex, if they were computed.
    pub checksums: Option<(String, String)>,
    /// The verifier's verdict (`Ok` when nothing was to be verified).
    pub verdict: Result<(), Rejection>,
    /// The format inspection's (`Ok` when nothing was inspected).
    pub format: Result<(), FormatRefusal>,
}

impl Sink {
    /// A sink writing to `file` (if any), computing Glance's checksums if
    /// `checksums`, verifying with `verifier` (if any), inspecting the
    /// bytes as `disk_format` (if any).
    pub(super) fn new(
        file: Option<File>,
        checksums: bool,
        verifier: Option<UploadVerifier>,
        disk_format: Option<String>,
    ) -> std::io::Result<Sink> {
        Ok(Sink {
            file,
            checksums: checksums.then(Checksums::new).transpose()?,
            verifier,
            inspection: disk_format.map(|f| (Inspection::new(), f)),
            size: 0,
        })
    }

    /// Take the next chunk.
    pub(super) fn absorb(&mut self, chunk: &[u8]) -> std::io::Result<()> {
        if let Some(file) = &mut self.file {
            file.write_all(chunk)?;
        }
        if let Some(c) = &mut self.checksums {
            c.update(chunk)?;
        }
        if let Some(v) = &mut self.verifier {
            v.update(chunk);
        }
        if let Some((i, _)) = &mut self.inspection {
            i.update(chunk);
        }
        self.size += chunk.len() as u64;
        Ok(())
    }

    /// Flush, finalise the checksums and conclude the verification.
    pub(super) fn finish(mut self) -> std::io::Result<Received> {
        if let Some(file) = &mut self.file {
            file.flush()?;
        }
        Ok(Received {
            size: self.size,
            checksums: self.checksums.map(Checksums::finish).transpose()?,
            verdict: self.verifier.map_or(Ok(()), UploadVerifier::finish),
            format: self
                .inspection
                .map_or(Ok(()), |(i, disk_format)| i.verdict(&disk_format, "bare")),
        })
    }
}

/// Why a stream did not arrive whole.
#[derive(Debug)]
pub(super) enum StreamError {
    /// The client went away or sent a broken body.
    Client,
    /// Writing the data failed.
    Store(std::io::Error),
}

/// Spare batch buffers of one upload.
#[derive(Clone, Default)]
struct Pool(Arc<Mutex<Vec<Vec<u8>>>>);

impl Pool {
    /// An empty buffer of [`BATCH`] bytes' capacity.
    fn take(&self) -> Vec<u8> {
        let spare = self.0.lock().map(|mut spare| spare.pop()).unwrap_or(None);
        spare.unwrap_or_else(|| Vec::with_capacity(BATCH))
    }
}

/// Bytes handed to every lane; back to its pool when the last lane drops
/// it.
struct Batch {
    data: Vec<u8>,
    pool: Pool,
}

impl Drop for Batch {
    fn drop(&mut self) {
        let mut data = std::mem::take(&mut self.data);
        data.clear();
        if let Ok(mut spare) = self.pool.0.lock() {
            spare.push(data);
        }
    }
}

/// A blocking worker fed batches through a bounded channel.
struct Lane<T> {
    tx: mpsc::Sender<Arc<Batch>>,
    worker: tokio::task::JoinHandle<std::io::Result<T>>,
}

impl<T: Send + 'static> Lane<T> {
    fn spawn(mut state: T, feed: fn(&mut T, &[u8]) -> std::io::Result<()>) -> Lane<T> {
        let (tx, mut rx) = mpsc::channel::<Arc<Batch>>(DEPTH);
        let worker = tokio::task::spawn_blocking(move || {
            while let Some(batch) = rx.blocking_recv() {
                feed(&mut state, &batch.data)?;
            }
            Ok(state)
        });
        Lane { tx, worker }
    }

    /// Hand over a batch; `false` if the worker has stopped (its error
    /// comes out of [`Lane::join`]).
    async fn send(&self, batch: Arc<Batch>) -> bool {
        self.tx.send(batch).await.is_ok()
    }

    async fn join(self) -> Result<T, StreamError> {
        drop(self.tx);
        self.worker
            .await
            .map_err(|e| StreamError::Store(std::io::Error::other(e.to_string())))?
            .map_err(StreamError::Store)
    }
}

/// A lane that only feeds a hash.
fn hash_lane(hasher: Hasher) -> Lane<Hasher> {
    Lane::spawn(hasher, feed)
}

/// Stream `body` into `sink` and `Received` once the whole body is in.
///
/// Blocking workers share the work: one writes the file and feeds the
/// verifier; when checksums are on, one computes MD5 and one SHA-512 (each
/// of those costs more than the verification's hash).
pub(super) async fn receive(body: Body, sink: Sink) -> Result<Received, StreamError> {
    let Sink {
        file,
        checksums,
        verifier,
        inspection,
        ..
    } = sink;
    let primary = Lane::spawn(
        Sink {
            file,
            checksums: None,
            verifier,
            inspection,
            size: 0,
        },
        Sink::absorb,
    );
    let hashes = checksums.map(|c| (hash_lane(c.md5), hash_lane(c.sha512)));
    let pool = Pool::default();
    let flush = |data: Vec<u8>| {
        let (primary, hashes) = (&primary, &hashes);
        let batch = Arc::new(Batch {
            data,
            pool: pool.clone(),
        });
        async move {
            if let Some((md5, sha512)) = hashes {
                if !md5.send(batch.clone()).await || !sha512.send(batch.clone()).await {
                    return false;
                }
            }
            primary.send(batch).await
        }
    };
    let mut body = body;
    let mut batch = pool.take();
    let mut client_failed = false;
    'frames: loop {
        match body.frame().await {
            None => break,
            Some(Ok(frame)) => {
                let Ok(data) = frame.into_data() else {
                    continue;
                };
                let mut data = &data[..];
                while !data.is_empty() {
                    let take = (BATCH - batch.len()).min(data.len());
                    batch.extend_from_slice(&data[..take]);
                    data = &data[take..];
                    if batch.len() == BATCH {
                        let full = std::mem::replace(&mut batch, pool.take());
                        if !flush(full).await {
                            break 'frames; // a worker failed; its error is below
                        }
                    }
                }
            }
            Some(Err(_)) => {
                client_failed = true;
                break;
            }
        }
    }
    if !client_failed && !batch.is_empty() {
        // A failure here is a worker's, reported by join below.
        flush(batch).await;
    }
    let sink = primary.join().await?;
    let checksums = match hashes {
        Some((md5, sha512)) => Some(Checksums {
            md5: md5.join().await?,
            sha512: sha512.join().await?,
        }),
        None => None,
    };
    if client_failed {
        return Err(StreamError::Client);
    }
    tokio::task::spawn_blocking(move || {
        let mut received = sink.finish()?;
        received.checksums = checksums.map(Checksums::finish).transpose()?;
        Ok(received)
    })
    .await
    .map_err(|e| StreamError::Store(std::io::Error::other(e.to_string())))?
    .map_err(StreamError::Store)
}

/// Read and drop the rest of a body, so the client can read our answer.
pub(super) async fn drain(mut body: Body) {
    while let Some(Ok(_)) = body.frame().await {}
}

/// An image's extra properties.
type Properties = serde_json::Map<String, serde_json::Value>;

/// An image held in `saving` (or `uploading`) by one upload. Dropping it
/// without [`Claim::release`] puts the image back to `queued` and removes
/// the partial file: a client that disconnects leaves nothing behind.
pub(super) struct Claim {
    cloud: Arc<Cloud>,
    id: String,
    generation: u64,
    /// The file being written.
    pub path: PathBuf,
    armed: bool,
}

impl Claim {
    /// Take image `id` (owned by `project`) from `queued` to `to`: the
    /// claim, the image's extra properties and, for a `bare` image, the
    /// disk format Glance inspects the bytes as.
    pub(super) fn take(
        cloud: &Arc<Cloud>,
        id: &str,
        project: &str,
        to: ImageStatus,
        path: PathBuf,
    ) -> Result<(Claim, Properties, Option<String>), Failure> {
        let mut images = cloud.glance.lock();
        let image = images
            .get_mut(id)
            .filter(|i| i.owner == project)
            .ok_or_else(|| Failure::no_image(id))?;
        if image.stranded && to == ImageStatus::Saving {
            return Err(Failure::internal());
        }
        if image.status != ImageStatus::Queued {
            return Err(Failure::conflict(format!(
                "Image status transition from {} to {} is not allowed",
                image.status.as_str(),
                to.as_str()
            )));
        }
        image.status = to;
        image.generation += 1;
        image.updated_at = now_secs();
        let props = image.extra.clone();
        let inspect_as = image
            .disk_format
            .clone()
            .filter(|_| image.container_format.as_deref() == Some("bare"));
        Ok((
            Claim {
                cloud: cloud.clone(),
                id: id.to_owned(),
                generation: image.generation,
                path,
                armed: true,
            },
            props,
            inspect_as,
        ))
    }

    /// Run `f` on the image if it is still the one this claim holds.
    pub(super) fn with_image(&self, f: impl FnOnce(&mut super::Image)) -> bool {
        let mut images = self.cloud.glance.lock();
        match images.get_mut(&self.id) {
            Some(image) if image.generation == self.generation => {
                f(image);
                true
            }
            _ => false,
        }
    }

    /// The image is settled; nothing to undo.
    pub(super) fn release(mut self) {
        self.armed = false;
    }
}

impl Drop for Claim {
    fn drop(&mut self) {
        // A missing file is fine: it may have been moved into place.
        let _ = std::fs::remove_file(&self.path);
        if self.armed {
            self.with_image(|image| {
                image.status = ImageStatus::Queued;
                image.clear_data();
                image.updated_at = now_secs();
            });
        }
    }
}

/// Settle a verification failure as the profile says: data gone, image
/// back to `queued` or deleted; answer 400 with Glance's text.
async fn reject(
    cloud: &Arc<Cloud>,
    claim: Claim,
    rejection: Rejection,
    rest: Option<Body>,
) -> Failure {
    let id = claim.id.clone();
    match cloud.profile().failed_upload() {
        FailedUpload::LeftQueued => {
            claim.with_image(|image| {
                image.status = ImageStatus::Queued;
                image.clear_data();
                image.updated_at = now_secs();
            });
        }
        FailedUpload::Deleted => {
            if claim.with_image(|_| {}) {
                cloud.glance.lock().remove(&id);
                cloud.glance.bury(&id);
                cloud.glance.remove_files(&id);
            }
        }
    }
    claim.release();
    if let Some(body) = rest {
        drain(body).await;
    }
    Failure::bad_request(rejection.glance_message(&id))
}

fn create_file(path: &FsPath) -> Result<File, Failure> {
    File::create(path).map_err(|e| {
        Failure::new(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("Error in store configuration. Adding images to store is disabled: {e}"),
        )
    })
}

/// `PUT /v2/images/{id}/file`.
pub(super) async fn upload(
    State(cloud): State<Arc<Cloud>>,
    Extension(token): Extension<Token>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, Failure> {
    if media_type(&headers).as_deref() != Some("application/octet-stream") {
        return Err(Failure::content_type(&headers));
    }
    let profile = cloud.profile();
    let path = cloud.glance.partial_path(&id);
    let (claim, props, disk_format) =
        Claim::take(&cloud, &id, project_of(&token), ImageStatus::Saving, path)?;
    let verifier = match SignatureProperties::parse(
        &super::JsonProperties(&props),
        profile,
        Base64Mode::Lenient,
    ) {
        Err(rejection) => return Err(reject(&cloud, claim, rejection, Some(body)).await),
        Ok(Request::Unverified { .. }) => None,
        Ok(Request::Verify(props)) => {
            let certificate = cloud
                .key_manager
                .certificate(&token.id, &props.certificate_uuid)
                .await;
            match UploadVerifier::new(props, certificate, profile) {
                Ok(v) => Some(v),
                Err(rejection) => return Err(reject(&cloud, claim, rejection, Some(body)).await),
            }
        }
    };
    let file = create_file(&claim.path)?;
    // The documented profile plays a Glance without format inspection.
    let inspect_as = disk_format.filter(|_| profile.inspects_formats());
    let sink = Sink::new(Some(file), cloud.checksums, verifier, inspect_as).map_err(|e| {
        Failure::new(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("Failed to store image data: {e}"),
        )
    })?;
    let received = match receive(body, sink).await {
        Ok(r) => r,
        Err(StreamError::Client) => {
            return Err(Failure::bad_request(
                "Corrupt image upload: the body ended early.",
            ))
        }
        Err(StreamError::Store(e)) => {
            return Err(Failure::new(
                StatusCode::SERVICE_UNAVAILABLE,
                format!("Failed to store image data: {e}"),
            ))
        }
    };
    if let Err(rejection) = received.verdict {
        return Err(reject(&cloud, claim, rejection, None).await);
    }
    let data = cloud.glance.data_path(&id);
    std::fs::rename(&claim.path, &data).map_err(|e| {
        Failure::new(
            StatusCode::SERVICE_UNAVAILABLE,
            format!("Failed to store image data: {e}"),
        )
    })?;
    let refused = received.format.as_ref().err();
    let settled = claim.with_image(|image| {
        match refused {
            // Glance 33 puts the image back to queued but keeps the stored
            // file, its checksums and its location.
            Some(_) => {
                image.status = ImageStatus::Queued;
                image.size = None;
                image.stranded = true;
            }
            None => {
                image.status = ImageStatus::Active;
                image.size = Some(received.size);
            }
        }
        image.set_checksums(received.checksums.clone());
        image.updated_at = now_secs();
    });
    if !settled {
        // Deleted while uploading.
        let _ = std::fs::remove_file(&data);
        return Err(Failure::new(
            StatusCode::GONE,
            format!(
                "Image {id} could not be found after upload. The image may have been deleted \
                 during the upload."
            ),
        ));
    }
    claim.release();
    if let Some(refusal) = refused {
        return Err(Failure::unsupported_media_type(refusal.glance_message()));
    }
    Ok(empty(StatusCode::NO_CONTENT))
}

/// A response body fed by a blocking reader through a channel.
struct ChannelBody {
    rx: mpsc::Receiver<std::io::Result<Bytes>>,
    remaining: u64,
}

impl http_body::Body for ChannelBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        self.rx.poll_recv(cx).map(|next| {
            next.map(|chunk| {
                chunk.map(|data| {
                    self.remaining = self.remaining.saturating_sub(data.len() as u64);
                    Frame::data(data)
                })
            })
        })
    }

    fn size_hint(&self) -> SizeHint {
        SizeHint::with_exact(self.remaining)
    }
}

/// `GET /v2/images/{id}/file`: 200 with the data, or 204 when there is none.
pub(super) async fn download(
    State(cloud): State<Arc<Cloud>>,
    Extension(token): Extension<Token>,
    Path(id): Path<String>,
) -> Result<Response, Failure> {
    let image = cloud
        .glance
        .get(&id, viewer_of(&token))
        .ok_or_else(|| Failure::no_image(&id))?;
    let no_data = || StatusCode::NO_CONTENT.into_response();
    let known = match (image.status, image.size) {
        (ImageStatus::Active, Some(size)) => Some(size),
        // A queued image whose bytes were refused still serves them.
        (ImageStatus::Queued, _) if image.stranded => None,
        _ => return Ok(no_data()),
    };
    let Ok(mut file) = File::open(cloud.glance.data_path(&id)) else {
        return Ok(no_data());
    };
    let size = match known {
        Some(size) => size,
        None => file.metadata().map_or(0, |m| m.len()),
    };
    let (tx, rx) = mpsc::channel(DEPTH);
    tokio::task::spawn_blocking(move || {
        let mut buf = vec![0u8; BATCH];
        loop {
            match file.read(&mut buf) {
                Ok(0) => break,
                Ok(n) => {
                    if tx
                        .blocking_send(Ok(Bytes::copy_from_slice(&buf[..n])))
                        .is_err()
                    {
                        break; // the client went away
                    }
                }
                Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                Err(e) => {
                    let _ = tx.blocking_send(Err(e));
                    break;
                }
            }
        }
    });
    let mut resp = Body::new(ChannelBody {
        rx,
        remaining: size,
    })
    .into_response();
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/octet-stream"),
    );
    if let Some(md5) = image
        .checksum
        .as_deref()
        .and_then(|c| HeaderValue::from_str(c).ok())
    {
        h.insert("Content-MD5", md5);
    }
    Ok(resp)
}

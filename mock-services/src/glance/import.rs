//! Interoperable import: `PUT …/stage`, `POST …/import` (glance-direct),
//! verification in an asynchronous task, `GET …/tasks`.
//!
//! As seen on Glance 33: a failed verification, or staged bytes that are
//! not the image's disk format (the format inspection of `PUT …/file`),
//! end the task in `failure` with "Task failed due to Internal Error" and
//! leave the image `importing` with `os_glance_failed_import: "file"` (not
//! `queued`, not deleted), whatever the profile.

use std::fs::File;
use std::io::Read;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Extension;
use bytes::Bytes;
use imgsig_contract::{Base64Mode, Profile, Request, SignatureProperties};
use imgsig_crypto::verify::UploadVerifier;
use serde_json::{json, Value};

use super::store::{ImageStatus, Task};
use super::upload::{receive, Claim, Sink, StreamError, BATCH};
use super::{empty, project_of, viewer_of, Failure};
use crate::auth::Token;
use crate::http::{json_response, media_type, now_secs};
use crate::Cloud;

/// The message of a failed import task.
const TASK_FAILED: &str = "Task failed due to Internal Error";

/// `PUT /v2/images/{id}/stage`: store the data for a later import.
pub(super) async fn stage(
    State(cloud): State<Arc<Cloud>>,
    Extension(token): Extension<Token>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Body,
) -> Result<Response, Failure> {
    if media_type(&headers).as_deref() != Some("application/octet-stream") {
        return Err(Failure::content_type(&headers));
    }
    let path = cloud.glance.partial_path(&id);
    let (claim, _, _) = Claim::take(
        &cloud,
        &id,
        project_of(&token),
        ImageStatus::Uploading,
        path,
    )?;
    let file = File::create(&claim.path)
        .map_err(|e| Failure::new(StatusCode::SERVICE_UNAVAILABLE, e.to_string()))?;
    let sink = Sink::new(Some(file), false, None, None)
        .map_err(|e| Failure::new(StatusCode::SERVICE_UNAVAILABLE, e.to_string()))?;
    let received = match receive(body, sink).await {
        Ok(r) => r,
        Err(StreamError::Client) => {
            return Err(Failure::bad_request(
                "Corrupt image upload: the body ended early.",
            ))
        }
        Err(StreamError::Store(e)) => {
            return Err(Failure::new(StatusCode::SERVICE_UNAVAILABLE, e.to_string()))
        }
    };
    let staged = cloud.glance.staging_path(&id);
    std::fs::rename(&claim.path, &staged)
        .map_err(|e| Failure::new(StatusCode::SERVICE_UNAVAILABLE, e.to_string()))?;
    if !claim.with_image(|image| {
        image.size = Some(received.size);
        image.updated_at = now_secs();
    }) {
        let _ = std::fs::remove_file(&staged);
        return Err(Failure::no_image(&id));
    }
    claim.release();
    Ok(empty(StatusCode::NO_CONTENT))
}

/// `POST /v2/images/{id}/import` with `{"method": {"name": "glance-direct"}}`.
pub(super) async fn import(
    State(cloud): State<Arc<Cloud>>,
    Extension(token): Extension<Token>,
    Path(id): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, Failure> {
    if media_type(&headers).as_deref() != Some("application/json") {
        return Err(Failure::content_type(&headers));
    }
    let request: Value = serde_json::from_slice(&body).map_err(|_| Failure::malformed_json())?;
    let method = request
        .pointer("/method/name")
        .and_then(Value::as_str)
        .ok_or_else(|| Failure::bad_request("Import request requires a 'method' field."))?;
    if method != "glance-direct" {
        return Err(Failure::bad_request(format!(
            "Import method {method} is not supported by this mock (only glance-direct)."
        )));
    }
    let now = now_secs();
    let task = Task {
        id: uuid::Uuid::new_v4().to_string(),
        status: "pending".into(),
        owner: project_of(&token).to_owned(),
        user_id: token.user.id.clone(),
        image_id: id.clone(),
        message: String::new(),
        input: serde_json::json!({
            "image_id": id,
            "import_req": request,
            "backend": ["file"],
        }),
        created_at: now,
        updated_at: now,
    };
    let (props, disk_format) = {
        let mut images = cloud.glance.lock();
        let image = images
            .get_mut(&id)
            .filter(|i| i.owner == project_of(&token))
            .ok_or_else(|| Failure::no_image(&id))?;
        if image.status != ImageStatus::Uploading {
            return Err(Failure::conflict(format!(
                "Image needs to be in 'uploading' status to use the glance-direct import method; it is {}",
                image.status.as_str()
            )));
        }
        image.status = ImageStatus::Importing;
        image.updated_at = now;
        image.extra.insert(
            "os_glance_importing_to_stores".into(),
            Value::String("file".into()),
        );
        image.extra.remove("os_glance_failed_import");
        image.tasks.push(task.clone());
        (image.extra.clone(), image.disk_format.clone())
    };
    let profile = cloud.profile();
    // The documented profile plays a Glance without format inspection.
    let inspect_as = disk_format.filter(|_| profile.inspects_formats());
    let job = Job {
        token,
        task_id: task.id,
        image_id: id,
        props,
        inspect_as,
        profile,
    };
    tokio::spawn(run_task(cloud, job));
    Ok(empty(StatusCode::ACCEPTED))
}

fn set_task(cloud: &Cloud, image_id: &str, task_id: &str, status: &str, message: &str) {
    if let Some(image) = cloud.glance.lock().get_mut(image_id) {
        if let Some(task) = image.tasks.iter_mut().find(|t| t.id == task_id) {
            task.status = status.to_owned();
            task.message = message.to_owned();
            task.updated_at = now_secs();
        }
    }
}

/// What an import task works on.
struct Job {
    token: Token,
    task_id: String,
    image_id: String,
    /// The image's properties when the import began.
    props: serde_json::Map<String, Value>,
    /// The disk format the staged bytes must be (Glance 33's format
    /// inspection in `set_data`, on the import path as on `PUT /file`).
    inspect_as: Option<String>,
    profile: Profile,
}

/// The import task: verify and inspect the staged data, then make it the
/// image's data. As the live Glance 33 did with every data kind and disk
/// format (`tests/formats.rs`): a refusal of either kind fails the task
/// ("Task failed due to Internal Error"), the image stays `importing`
/// with `os_glance_failed_import: file`; a success says how many whole
/// MiB were copied ("Copied 0 MiB"), nothing for no data.
async fn run_task(cloud: Arc<Cloud>, job: Job) {
    let Job {
        token,
        task_id,
        image_id,
        props,
        inspect_as,
        profile,
    } = job;
    set_task(&cloud, &image_id, &task_id, "processing", "");
    let verifier = match SignatureProperties::parse(
        &super::JsonProperties(&props),
        profile,
        Base64Mode::Lenient,
    ) {
        Err(_) => Err(()),
        Ok(Request::Unverified { .. }) => Ok(None),
        Ok(Request::Verify(p)) => {
            let certificate = cloud
                .key_manager
                .certificate(&token.id, &p.certificate_uuid)
                .await;
            UploadVerifier::new(p, certificate, profile)
                .map(Some)
                .map_err(|_| ())
        }
    };
    let staged = cloud.glance.staging_path(&image_id);
    let checksums = cloud.checksums;
    let outcome = match verifier {
        Err(()) => None,
        Ok(verifier) => {
            let path = staged.clone();
            tokio::task::spawn_blocking(move || {
                let mut file = File::open(path)?;
                let mut sink = Sink::new(None, checksums, verifier, inspect_as)?;
                let mut buf = vec![0u8; BATCH];
                loop {
                    match file.read(&mut buf) {
                        Ok(0) => break,
                        Ok(n) => sink.absorb(&buf[..n])?,
                        Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                        Err(e) => return Err(e),
                    }
                }
                sink.finish()
            })
            .await
            .ok()
            .and_then(Result::ok)
            .filter(|r| r.verdict.is_ok() && r.format.is_ok())
        }
    };
    let data = cloud.glance.data_path(&image_id);
    let moved = outcome.is_some() && std::fs::rename(&staged, &data).is_ok();
    let mut images = cloud.glance.lock();
    let Some(image) = images.get_mut(&image_id) else {
        drop(images);
        cloud.glance.remove_files(&image_id);
        return;
    };
    image.updated_at = now_secs();
    let (status, message) = match (outcome, moved) {
        (Some(received), true) => {
            image.status = ImageStatus::Active;
            image.size = Some(received.size);
            image.set_checksums(received.checksums);
            let copied = match received.size {
                0 => String::new(),
                n => format!("Copied {} MiB", n / (1 << 20)),
            };
            for key in ["os_glance_failed_import", "os_glance_importing_to_stores"] {
                image.extra.insert(key.into(), Value::String(String::new()));
            }
            ("success", copied)
        }
        _ => {
            // The staged data is of no further use: the image keeps no
            // data, only the size the stage gave it.
            let _ = std::fs::remove_file(&staged);
            for (key, value) in [
                ("os_glance_failed_import", "file"),
                ("os_glance_importing_to_stores", ""),
            ] {
                image.extra.insert(key.into(), Value::String(value.into()));
            }
            ("failure", TASK_FAILED.to_owned())
        }
    };
    if let Some(task) = image.tasks.iter_mut().find(|t| t.id == task_id) {
        task.status = status.into();
        task.message = message;
        task.updated_at = now_secs();
    }
}

/// `GET /v2/images/{id}/tasks`.
pub(super) async fn image_tasks(
    State(cloud): State<Arc<Cloud>>,
    Extension(token): Extension<Token>,
    Path(id): Path<String>,
) -> Result<Response, Failure> {
    let image = cloud
        .glance
        .get(&id, viewer_of(&token))
        .ok_or_else(|| Failure::no_image(&id))?;
    let tasks: Vec<Value> = image.tasks.iter().map(Task::view).collect();
    Ok(json_response(StatusCode::OK, &json!({"tasks": tasks})))
}

/// `GET /v2/tasks/{id}`.
pub(super) async fn task(
    State(cloud): State<Arc<Cloud>>,
    Extension(token): Extension<Token>,
    Path(id): Path<String>,
) -> Result<Response, Failure> {
    let project = project_of(&token);
    let found = cloud
        .glance
        .lock()
        .values()
        .flat_map(|i| i.tasks.iter())
        .find(|t| t.id == id && t.owner == project)
        .cloned();
    let task = found
        .ok_or_else(|| Failure::new(StatusCode::NOT_FOUND, format!("Failed to find task {id}")))?;
    Ok(json_response(StatusCode::OK, &task.view()))
}

/// `GET /v2/info/import`: the import methods (as the real one lists them).
pub(super) async fn info() -> Response {
    let body = json!({"import-methods": {
        "description": "Import methods available.",
        "type": "array",
        "value": ["glance-direct", "web-download", "copy-image"],
    }});
    json_response(StatusCode::OK, &body)
}

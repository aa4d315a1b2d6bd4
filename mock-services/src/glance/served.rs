//! A test-only control, off by default ([`crate::MockConfig::test_controls`],
//! `imgsig-mock --test-controls`): replace the data an active image serves
//! without touching its signature properties, as a compromised store or a
//! man in the middle between Glance and a consumer would. Real Glance has
//! no such call; the consumer cases use it to check that Nova's side
//! verifies what it downloads, not what was uploaded.
//!
//! `PUT /imgsig-test/images/{id}/data` (the owner's token, the new bytes
//! as the body, streamed) → 204. The image stays `active`; its `size`,
//! `checksum` and `os_hash_value` describe the new data (so a download
//! client's checksum check passes and only the signature can catch it).
//! 404 for an unknown image, 409 for one that has no data yet.

use std::fs::File;
use std::sync::Arc;

use axum::body::Body;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use axum::Extension;

use super::store::ImageStatus;
use super::upload::{receive, Sink};
use super::{empty, viewer_of, Failure};
use crate::auth::Token;
use crate::Cloud;

/// The control's path, under Glance's root.
pub(super) const PATH: &str = "/imgsig-test/images/{id}/data";

/// `PUT /imgsig-test/images/{id}/data`: serve `body` from now on.
pub(super) async fn replace(
    State(cloud): State<Arc<Cloud>>,
    Extension(token): Extension<Token>,
    Path(id): Path<String>,
    body: Body,
) -> Result<Response, Failure> {
    let image = cloud
        .glance
        .get(&id, viewer_of(&token))
        .ok_or_else(|| Failure::no_image(&id))?;
    if image.status != ImageStatus::Active {
        return Err(Failure::new(
            StatusCode::CONFLICT,
            format!(
                "Image {id} has no data to replace (status {})",
                image.status.as_str()
            ),
        ));
    }
    let store_error = |e: std::io::Error| {
        Failure::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            format!("cannot store the replacement data: {e}"),
        )
    };
    let partial = cloud.glance.partial_path(&id);
    let file = File::create(&partial).map_err(store_error)?;
    let sink = Sink::new(Some(file), cloud.checksums, None, None).map_err(store_error)?;
    let received = match receive(body, sink).await {
        Ok(r) => r,
        Err(_) => {
            // Nothing replaced: the partial file goes, the old data stays.
            let _ = std::fs::remove_file(&partial);
            return Err(Failure::new(
                StatusCode::BAD_REQUEST,
                "the replacement data did not arrive whole",
            ));
        }
    };
    std::fs::rename(&partial, cloud.glance.data_path(&id)).map_err(store_error)?;
    let mut images = cloud.glance.lock();
    if let Some(image) = images.get_mut(&id) {
        image.size = Some(received.size);
        image.set_checksums(received.checksums);
    }
    Ok(empty(StatusCode::NO_CONTENT))
}

//! The client's Glance metadata calls: create, get, patch and delete an
//! image, list images by name prefix (following `next` links), start an
//! import and read an image's tasks.

use reqwest::Method;
use serde_json::{json, Value};

use super::super::cleanup::Resource;
use super::super::client::{expect_ok, Client};
use super::super::evidence::Exchange;
use super::super::origin::{origin_of, same_origin};
use super::super::transport::Outgoing;
use super::types::parse_image;
use super::{not_json, Image, ImportMethod, NewImage, PatchOp, Task, GLANCE};
use crate::{Error, Result};

/// Images asked for per page when listing.
const PAGE: usize = 200;
/// Pages followed at most when listing.
const MAX_PAGES: usize = 500;

/// The URL of the page after `current` in an image list `page`, or `None`
/// at the end. Glance's `next` is relative to its root
/// (`/v2/images?marker=…`); an absolute `http…` link is taken only on the
/// origin of `glance_root` (scheme, host, port), as the token goes with it:
/// another origin is an error. A link back to `current` or anything else
/// ends the listing.
pub fn next_page(glance_root: &str, current: &str, page: &Value) -> Result<Option<String>> {
    let Some(next) = page.get("next").and_then(Value::as_str) else {
        return Ok(None);
    };
    let url = if next.starts_with("/v2/") {
        format!("{glance_root}{next}")
    } else if next.starts_with("http") {
        if !same_origin(next, glance_root) {
            return Err(Error::Config(format!(
                "{GLANCE}'s image list gives {} as its next page, outside {GLANCE}'s origin \
                 {}: not followed, so the token is not sent there; check the {GLANCE} endpoint \
                 (catalog or --glance-url) and any proxy that rewrites links",
                origin_of(next),
                origin_of(glance_root)
            )));
        }
        next.to_owned()
    } else {
        return Ok(None);
    };
    Ok((url != current).then_some(url))
}

impl Client {
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
            match next_page(&self.core.glance, &url, &page)? {
                Some(next) => url = next,
                None => break,
            }
        }
        Ok(found)
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
}

//! The client's image-member calls: an owner shares an image with another
//! project, that project accepts it (Glance 33's
//! `/v2/images/{id}/members`). The members go with the image, so nothing
//! here is registered for cleanup.

use reqwest::Method;
use serde_json::json;

use super::super::client::{expect_ok, Client};
use super::super::transport::Outgoing;
use super::{PatchOp, GLANCE};
use crate::Result;

impl Client {
    /// Make the image `shared` and add `project` as a member (`pending`
    /// until it answers, [`Client::accept_image`]).
    pub async fn share_image(&self, id: &str, project: &str) -> Result<()> {
        self.patch_image(
            id,
            &[PatchOp::Replace {
                name: "visibility".into(),
                value: "shared".into(),
            }],
        )
        .await?;
        let out = Outgoing::json(
            Method::POST,
            format!("{}/members", self.image_url(id)),
            None,
            &json!({ "member": project }),
        )
        .timeout(self.core.options.timeouts.request);
        expect_ok(GLANCE, self.execute(GLANCE, out).await?).map(|_| ())
    }

    /// Accept, as the member `project`, the image another project shared
    /// with it.
    pub async fn accept_image(&self, id: &str, project: &str) -> Result<()> {
        let out = Outgoing::json(
            Method::PUT,
            format!("{}/members/{project}", self.image_url(id)),
            None,
            &json!({"status": "accepted"}),
        )
        .timeout(self.core.options.timeouts.request);
        expect_ok(GLANCE, self.execute(GLANCE, out).await?).map(|_| ())
    }
}

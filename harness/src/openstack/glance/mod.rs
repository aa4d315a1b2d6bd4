//! Glance v2: images with the signature properties as top-level fields,
//! streamed uploads (`file`, or `stage` + `import glance-direct`), the
//! image's state and stores, whether data can be downloaded, tasks,
//! JSON-patch, deletion and listing by name prefix.
//!
//! - `types`: the records sent and received (images, uploads, patches, tasks);
//! - `stream`: image data as a stream of chunks from async or blocking readers;
//! - `images`: the client's metadata calls (create, get, patch, delete, list, import, tasks);
//! - `data`: the client's data calls (upload, stage, download);
//! - `members`: sharing an image with another project, accepting it.

mod data;
mod images;
mod members;
mod stream;
mod types;

use reqwest::Method;

use super::client::Client;
use super::evidence::Exchange;
use super::transport::Outgoing;
use crate::Error;

pub use images::next_page;
pub use stream::{blocking_reader_stream, reader_stream, DataStream};
pub use types::{DataCheck, Image, ImportMethod, NewImage, PatchOp, Task, Upload};

const GLANCE: &str = "Glance";

impl Client {
    fn image_url(&self, id: &str) -> String {
        format!("{}/v2/images/{id}", self.core.glance)
    }

    fn request(&self, method: Method, url: String) -> Outgoing {
        Outgoing::new(method, url, None).timeout(self.core.options.timeouts.request)
    }
}

pub(super) fn not_json(exchange: &Exchange, detail: &str) -> Error {
    Error::Config(format!(
        "{} answered {} to {} with a body that is not the expected JSON ({detail}): is this \
         URL really Glance v2?",
        GLANCE,
        exchange.status.unwrap_or(0),
        exchange.request_line()
    ))
}

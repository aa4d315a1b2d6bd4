//! Cleanup: every name the harness creates carries the run's tag
//! (`imgsig-<tag>-<case>`, [`RunTag`]); each scope's [`Cleanup`] registry deletes
//! what that scope created (images before secrets), also when the case
//! failed; [`Client::sweep`] deletes leftovers of one run by name. Nothing
//! here ever deletes an object whose name does not carry the tag.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use super::client::{Client, Core};
use crate::tag::RunTag;
use crate::Result;

/// Something the harness created.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "kind", rename_all = "lowercase")]
pub enum Resource {
    /// A Glance image.
    Image {
        /// Its id.
        id: String,
        /// Its name.
        name: String,
    },
    /// A Barbican secret.
    Secret {
        /// Its id.
        id: String,
        /// Its name.
        name: String,
    },
}

impl Resource {
    /// Its name.
    pub fn name(&self) -> &str {
        match self {
            Resource::Image { name, .. } | Resource::Secret { name, .. } => name,
        }
    }

    /// The command a person would type to delete it.
    pub fn delete_command(&self) -> String {
        match self {
            Resource::Image { id, .. } => format!("openstack image delete {id}"),
            Resource::Secret { id, .. } => format!("openstack secret delete {id}"),
        }
    }
}

impl std::fmt::Display for Resource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Resource::Image { id, name } => write!(f, "image {name} ({id})"),
            Resource::Secret { id, name } => write!(f, "secret {name} ({id})"),
        }
    }
}

/// What a cleanup or sweep did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CleanupReport {
    /// Deleted (or already gone).
    pub deleted: Vec<Resource>,
    /// Could not be deleted, with the reason.
    pub failed: Vec<(Resource, String)>,
}

impl CleanupReport {
    /// Whether everything went.
    pub fn is_clean(&self) -> bool {
        self.failed.is_empty()
    }
}

#[derive(Default)]
struct State {
    items: Vec<Resource>,
    kept: bool,
}

/// The objects one scope created. Shared by the scope's clients and its
/// [`Cleanup`] handles; if the last of them goes while objects remain (an
/// early return, a panic), their deletion is started on the current Tokio
/// runtime as a backstop. Call [`Cleanup::run`] to delete them for sure.
pub(crate) struct Registry {
    core: Arc<Core>,
    state: Mutex<State>,
}

impl Registry {
    pub(crate) fn new(core: Arc<Core>) -> Registry {
        Registry {
            core,
            state: Mutex::default(),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    pub(crate) fn add(&self, r: Resource) {
        self.lock().items.push(r);
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let state = std::mem::take(&mut *self.lock());
        if state.kept || state.items.is_empty() {
            return;
        }
        if let Ok(handle) = tokio::runtime::Handle::try_current() {
            let client = Client::detached(self.core.clone());
            handle.spawn(async move {
                delete_all(&client, state.items).await;
            });
        }
    }
}

/// Deletes what a scope created (see [`Client::cleanup`]).
#[derive(Debug, Clone)]
pub struct Cleanup {
    client: Client,
}

impl Cleanup {
    pub(crate) fn new(client: Client) -> Cleanup {
        Cleanup { client }
    }

    /// What is registered now, in creation order.
    pub fn resources(&self) -> Vec<Resource> {
        self.client.registry.lock().items.clone()
    }

    /// Whether nothing is registered.
    pub fn is_empty(&self) -> bool {
        self.client.registry.lock().items.is_empty()
    }

    /// Register an object created some other way.
    pub fn track(&self, resource: Resource) {
        self.client.registry.add(resource);
    }

    /// Keep everything (`--keep`): forget it without deleting; what was
    /// kept.
    pub fn keep(&self) -> Vec<Resource> {
        let mut state = self.client.registry.lock();
        state.kept = true;
        std::mem::take(&mut state.items)
    }

    /// Delete everything registered: images first (they refer to the
    /// secrets), then secrets; an object already gone counts as deleted.
    /// Failures are reported, not raised, and do not stop the rest.
    pub async fn run(&self) -> CleanupReport {
        let items = std::mem::take(&mut self.client.registry.lock().items);
        delete_all(&self.client, items).await
    }
}

/// How often cleanup tries one object in all: deletes are idempotent, so a
/// conflict (409: an image still `saving`), a server error or a lost
/// connection is worth waiting out; on top of the client's own retries.
const CLEANUP_TRIES: u32 = 3;
/// The pause before the second try; doubled for the third.
const CLEANUP_BACKOFF: Duration = Duration::from_millis(250);

/// Whether a failed delete may succeed if tried again.
fn worth_retrying(e: &crate::Error) -> bool {
    match e {
        crate::Error::Api(f) => f.status() == 409 || f.status() >= 500,
        crate::Error::Transport(_) => true,
        _ => false,
    }
}

/// Delete `items`, images before secrets; an object already gone (404)
/// counts as deleted.
pub(crate) async fn delete_all(client: &Client, items: Vec<Resource>) -> CleanupReport {
    let (images, secrets): (Vec<Resource>, Vec<Resource>) = items
        .into_iter()
        .partition(|r| matches!(r, Resource::Image { .. }));
    let mut report = CleanupReport::default();
    for r in images.into_iter().rev().chain(secrets.into_iter().rev()) {
        match delete_one(client, &r).await {
            Ok(()) => report.deleted.push(r),
            Err(e) => report.failed.push((r, e.to_string())),
        }
    }
    report
}

async fn delete_one(client: &Client, r: &Resource) -> Result<()> {
    let mut pause = CLEANUP_BACKOFF;
    let mut attempt = 1;
    loop {
        let result = match r {
            Resource::Image { id, .. } => client.delete_image(id).await,
            Resource::Secret { id, .. } => client.delete_secret(id).await,
        };
        match result {
            Ok(_) => return Ok(()),
            Err(e) if attempt < CLEANUP_TRIES && worth_retrying(&e) => {
                tokio::time::sleep(pause).await;
                pause = pause.saturating_mul(2);
                attempt += 1;
            }
            Err(e) => return Err(e),
        }
    }
}

impl Client {
    /// A client on `core` with no journal or registry of its own.
    pub(crate) fn detached(core: Arc<Core>) -> Client {
        Client::from_parts(core.clone(), Arc::new(Registry::new(core)))
    }

    /// Delete every image and secret whose name carries run `tag`
    /// (`imgsig-<tag>-…`), images first. Objects of other projects are
    /// left alone even if their names match (images with another `owner`).
    pub async fn sweep(&self, tag: &RunTag) -> Result<CleanupReport> {
        let prefix = tag.prefix();
        let mut found = Vec::new();
        for image in self.list_images(&prefix).await? {
            let ours = image.name.as_deref().is_some_and(|n| tag.owns(n));
            let same_project = match (self.project_id(), image.owner.as_deref()) {
                (Some(mine), Some(owner)) => mine == owner,
                _ => true,
            };
            if ours && same_project {
                found.push(Resource::Image {
                    name: image.name.clone().unwrap_or_default(),
                    id: image.id,
                });
            }
        }
        for secret in self.list_secrets(&prefix).await? {
            if let Some(name) = secret.name.filter(|n| tag.owns(n)) {
                found.push(Resource::Secret {
                    id: secret.id,
                    name,
                });
            }
        }
        Ok(delete_all(self, found).await)
    }
}

//! A fresh cloud with no listeners, driven in-process: each request goes
//! straight into a service's router (`tower::ServiceExt::oneshot`), and
//! Glance reaches Barbican through the Barbican router of the same cloud.
//! This is what the fuzz targets drive (`fuzz/src/lib.rs`): one cloud,
//! [`InProcessCloud::reset`] to a fresh state before each input, no sockets.
//! Fault rules apply as over sockets; a `reset` answer is a response whose
//! body fails.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use axum::http::{Request, Response};
use tower::ServiceExt;

use crate::auth::TokenScope;
use crate::{barbican, glance, keystone, Cloud, MockConfig, MockError, Urls};
use crate::{faults::Faults, Profile};

/// One of the three services.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Service {
    /// Keystone v3.
    Keystone,
    /// Barbican v1.
    Barbican,
    /// Glance v2.
    Glance,
}

impl Service {
    /// The three, in catalog order.
    pub const ALL: [Service; 3] = [Service::Keystone, Service::Barbican, Service::Glance];

    /// `keystone`, `barbican` or `glance`.
    pub fn name(self) -> &'static str {
        match self {
            Service::Keystone => "keystone",
            Service::Barbican => "barbican",
            Service::Glance => "glance",
        }
    }
}

impl std::fmt::Display for Service {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Service {
    type Err = String;

    fn from_str(s: &str) -> Result<Service, String> {
        Service::ALL
            .into_iter()
            .find(|service| service.name() == s)
            .ok_or_else(|| format!("unknown service {s:?} (keystone, barbican or glance)"))
    }
}

/// A mock cloud without listeners ([`crate::MockCloud`] has them). Its
/// base URLs (`http://keystone.in-process` …) only appear in bodies.
#[derive(Debug)]
pub struct InProcessCloud {
    cloud: Arc<Cloud>,
    routers: [axum::Router; 3],
}

impl InProcessCloud {
    /// A fresh cloud: no images, no secrets, no tokens; image data in a
    /// temporary directory of its own, removed on drop.
    pub fn new(config: MockConfig) -> Result<InProcessCloud, MockError> {
        let config = config.normalised()?;
        let urls = Urls {
            keystone: "http://keystone.in-process".into(),
            barbican: "http://barbican.in-process".into(),
            glance: "http://glance.in-process".into(),
        };
        let store = glance::Store::new(config.data_dir.as_deref())?;
        let timeout = Duration::from_secs(config.key_manager_timeout_secs);
        let cloud = Arc::new_cyclic(|weak| {
            let key_manager =
                glance::KeyManager::in_process(weak.clone(), urls.barbican.clone(), timeout);
            let faults = Faults::with_rules(&config.faults);
            Cloud::assemble(config, urls, faults, store, key_manager)
        });
        let routers = [
            keystone::router(cloud.clone()),
            barbican::router(cloud.clone()),
            glance::router(cloud.clone()),
        ];
        Ok(InProcessCloud { cloud, routers })
    }

    /// Send one request to `service` and wait for its answer (the body
    /// may still be streaming).
    pub async fn handle(&self, service: Service, request: Request<Body>) -> Response<Body> {
        let router = match service {
            Service::Keystone => &self.routers[0],
            Service::Barbican => &self.routers[1],
            Service::Glance => &self.routers[2],
        };
        match router.clone().oneshot(request).await {
            Ok(response) => response,
            Err(never) => match never {},
        }
    }

    /// A project-scoped token for the admin (the first user and its first
    /// project), as `POST /v3/auth/tokens` would issue it.
    pub fn admin_token(&self) -> Result<String, MockError> {
        let identity = &self.cloud.identity;
        let config = identity.config();
        let user = config
            .users
            .first()
            .ok_or_else(|| MockError::Config("no admin user".into()))?;
        let project = user
            .projects
            .first()
            .and_then(|name| identity.project(Some(name), None))
            .map_or(TokenScope::Unscoped, |p| TokenScope::Project(p.clone()));
        identity
            .issue(user, project, vec!["password".into()])
            .map(|t| t.id)
            .map_err(|e| MockError::Config(format!("cannot issue the admin token: {e:?}")))
    }

    /// Back to the state of a fresh cloud: no images (and no data files),
    /// no secrets, no tokens, the configured fault rules and Glance profile.
    /// Cheaper than a new cloud (no directory, no routers to build).
    pub fn reset(&self) {
        let cloud = &self.cloud;
        cloud.glance.clear();
        cloud.secrets.clear();
        cloud.identity.forget_tokens();
        cloud.faults.clear();
        for rule in &cloud.identity.config().faults {
            cloud.faults.add(rule.clone());
        }
        self.set_profile(cloud.identity.config().profile);
    }

    /// The directory holding image data (removed with the cloud).
    pub fn data_dir(&self) -> &Path {
        self.cloud.glance.dir()
    }

    /// The fault switches.
    pub fn faults(&self) -> &Faults {
        &self.cloud.faults
    }

    /// Switch the Glance behaviour profile.
    pub fn set_profile(&self, profile: Profile) {
        *self
            .cloud
            .profile
            .write()
            .unwrap_or_else(|e| e.into_inner()) = profile;
    }
}

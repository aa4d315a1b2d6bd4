//! Mock Keystone v3, Barbican v1 and Glance v2 that answer like the real
//! services on the wire (`shared/wire/transcript.md`), for tests and for
//! the harness's embedded default target.
//!
//! ```no_run
//! # async fn demo() -> Result<(), imgsig_mock::MockError> {
//! let cloud = imgsig_mock::MockCloud::start(imgsig_mock::MockConfig::default()).await?;
//! println!("{}", cloud.openrc());
//! cloud.faults().add("barbican:*:/**=500".parse()?);
//! cloud.shutdown().await;
//! # Ok(()) }
//! ```
//!
//! Invariants: every listener is on 127.0.0.1; image data lives only in a
//! temporary directory the cloud owns and removes; signature verification
//! is the reference verifier's ([`imgsig_crypto::verify`]), never re-implemented here.

mod auth;
mod barbican;
mod clouds;
mod config;
mod connection;
mod error;
mod faults;
mod glance;
mod http;
mod in_process;
mod jsonschema;
mod keystone;
mod listener;
mod python;

use std::net::{Ipv4Addr, SocketAddr};
use std::path::Path;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use imgsig_contract::Profile;
use tokio::sync::watch;
use tokio::task::JoinHandle;

pub use clouds::clouds_yaml;
pub use config::{MockConfig, Ports, ProjectConfig, UserConfig, DEFAULT_ADMIN_PASSWORD};
pub use connection::ConnectionLimits;
pub use error::MockError;
pub use faults::{FaultAnswer, FaultRule, Faults, PathGlob, MAX_DELAY_MS};
pub use in_process::{InProcessCloud, Service};

use auth::Identity;
use listener::Listener;

/// Base URLs of the three services (no trailing slash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Urls {
    /// Keystone root, e.g. `http://127.0.0.1:41234`; the auth URL is
    /// this plus `/v3`.
    pub keystone: String,
    /// Barbican root.
    pub barbican: String,
    /// Glance root.
    pub glance: String,
}

/// Credentials for one user and project, as a client takes them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// `OS_AUTH_URL` (Keystone with `/v3`).
    pub auth_url: String,
    /// `OS_USERNAME`.
    pub username: String,
    /// `OS_PASSWORD`.
    pub password: String,
    /// `OS_PROJECT_NAME`.
    pub project_name: String,
    /// `OS_USER_DOMAIN_NAME` and `OS_PROJECT_DOMAIN_NAME`.
    pub domain_name: String,
    /// `OS_REGION_NAME`.
    pub region_name: String,
}

impl Credentials {
    /// These credentials as the `OS_*` variables a client takes (an openrc
    /// file's content; the harness reads them as `--cloud envvars`).
    pub fn env_vars(&self) -> Vec<(&'static str, String)> {
        vec![
            ("OS_AUTH_URL", self.auth_url.clone()),
            ("OS_IDENTITY_API_VERSION", "3".to_owned()),
            ("OS_USERNAME", self.username.clone()),
            ("OS_PASSWORD", self.password.clone()),
            ("OS_PROJECT_NAME", self.project_name.clone()),
            ("OS_USER_DOMAIN_NAME", self.domain_name.clone()),
            ("OS_PROJECT_DOMAIN_NAME", self.domain_name.clone()),
            ("OS_REGION_NAME", self.region_name.clone()),
            ("OS_INTERFACE", "public".to_owned()),
        ]
    }
}

/// State shared by the three services.
#[derive(Debug)]
pub(crate) struct Cloud {
    urls: Urls,
    identity: Identity,
    faults: Faults,
    secrets: barbican::Secrets,
    glance: glance::Store,
    key_manager: glance::KeyManager,
    profile: RwLock<Profile>,
    /// Whether Glance computes `checksum` and `os_hash_value` on upload.
    checksums: bool,
    /// Whether the test-only controls are served ([`MockConfig::test_controls`]).
    test_controls: bool,
}

impl Cloud {
    /// The shared state of a fresh cloud.
    fn assemble(
        config: MockConfig,
        urls: Urls,
        faults: Faults,
        store: glance::Store,
        key_manager: glance::KeyManager,
    ) -> Cloud {
        Cloud {
            key_manager,
            profile: RwLock::new(config.profile),
            checksums: config.checksums,
            test_controls: config.test_controls,
            identity: Identity::new(config, faults.clone()),
            secrets: barbican::Secrets::default(),
            glance: store,
            faults,
            urls,
        }
    }

    fn profile(&self) -> Profile {
        *self.profile.read().unwrap_or_else(|e| e.into_inner())
    }
}

/// The three mock services, running on 127.0.0.1 until dropped or
/// [`MockCloud::shutdown`].
#[derive(Debug)]
pub struct MockCloud {
    cloud: Arc<Cloud>,
    stop: watch::Sender<bool>,
    servers: Vec<JoinHandle<()>>,
}

async fn bind(service: &'static str, port: u16) -> Result<tokio::net::TcpListener, MockError> {
    let addr = SocketAddr::from((Ipv4Addr::LOCALHOST, port));
    tokio::net::TcpListener::bind(addr)
        .await
        .map_err(|source| MockError::Bind {
            service,
            addr: addr.to_string(),
            source,
        })
}

fn url_of(listener: &Listener) -> Result<String, MockError> {
    let addr = listener.local_addr()?;
    Ok(format!("http://{addr}"))
}

impl MockCloud {
    /// Bind Keystone, Barbican and Glance on 127.0.0.1 (ports from the
    /// config, 0 for ephemeral) and serve them on the current runtime.
    pub async fn start(config: MockConfig) -> Result<MockCloud, MockError> {
        let config = config.normalised()?;
        let limits = config.connections.effective()?;
        let faults = Faults::with_rules(&config.faults);
        let keystone = Listener::plain(bind("keystone", config.ports.keystone).await?);
        let barbican = Listener::plain(bind("barbican", config.ports.barbican).await?);
        let glance = Listener::plain(bind("glance", config.ports.glance).await?);
        let urls = Urls {
            keystone: url_of(&keystone)?,
            barbican: url_of(&barbican)?,
            glance: url_of(&glance)?,
        };
        let store = glance::Store::new(config.data_dir.as_deref())?;
        let key_manager = glance::KeyManager::new(
            urls.barbican.clone(),
            Duration::from_secs(config.key_manager_timeout_secs),
        );
        let cloud = Arc::new(Cloud::assemble(config, urls, faults, store, key_manager));
        let (stop, stopped) = watch::channel(false);
        let serve = |listener: Listener, router: axum::Router| {
            tokio::spawn(listener.serve(router, limits, stopped.clone()))
        };
        let servers = vec![
            serve(keystone, keystone::router(cloud.clone())),
            serve(barbican, barbican::router(cloud.clone())),
            serve(glance, glance::router(cloud.clone())),
        ];
        Ok(MockCloud {
            cloud,
            stop,
            servers,
        })
    }

    /// Start on a runtime of its own, for callers that are not async.
    pub fn start_blocking(config: MockConfig) -> Result<BlockingMockCloud, MockError> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(MockError::Runtime)?;
        let cloud = runtime.block_on(MockCloud::start(config))?;
        Ok(BlockingMockCloud {
            cloud: Some(cloud),
            runtime: Some(runtime),
        })
    }

    /// The services' base URLs.
    pub fn urls(&self) -> &Urls {
        &self.cloud.urls
    }

    /// `OS_AUTH_URL`: Keystone's `/v3`.
    pub fn auth_url(&self) -> String {
        format!("{}/v3", self.cloud.urls.keystone)
    }

    /// The admin's credentials (the first user, scoped to its first
    /// project; the configuration is checked at start to have both).
    pub fn admin(&self) -> Credentials {
        let config = self.cloud.identity.config();
        let user = config.users.first();
        Credentials {
            auth_url: self.auth_url(),
            username: user.map(|u| u.name.clone()).unwrap_or_default(),
            password: user.map(|u| u.password.clone()).unwrap_or_default(),
            project_name: user
                .and_then(|u| u.projects.first().cloned())
                .unwrap_or_default(),
            domain_name: "Default".into(),
            region_name: config.region.clone(),
        }
    }

    /// Credentials of user `username` scoped to `project`, if the user
    /// exists and holds a role there.
    pub fn credentials(&self, username: &str, project: &str) -> Option<Credentials> {
        let config = self.cloud.identity.config();
        let user = self.cloud.identity.user_by_name(username)?;
        user.projects
            .iter()
            .any(|p| p == project)
            .then(|| Credentials {
                auth_url: self.auth_url(),
                username: user.name.clone(),
                password: user.password.clone(),
                project_name: project.to_owned(),
                domain_name: "Default".into(),
                region_name: config.region.clone(),
            })
    }

    /// The fault switches (shared; changes apply at once).
    pub fn faults(&self) -> &Faults {
        &self.cloud.faults
    }

    /// The Glance behaviour profile in force.
    pub fn profile(&self) -> Profile {
        self.cloud.profile()
    }

    /// Switch the Glance behaviour profile for uploads that start from now.
    pub fn set_profile(&self, profile: Profile) {
        *self
            .cloud
            .profile
            .write()
            .unwrap_or_else(|e| e.into_inner()) = profile;
    }

    /// The directory holding image data (removed with the cloud).
    pub fn data_dir(&self) -> &Path {
        self.cloud.glance.dir()
    }

    /// Shell lines for the admin: `export OS_AUTH_URL=…` and the rest.
    pub fn openrc(&self) -> String {
        self.admin()
            .env_vars()
            .into_iter()
            .map(|(name, value)| format!("export {name}={value}\n"))
            .collect()
    }

    /// A `clouds.yaml` document with one cloud called `name` (the admin).
    pub fn clouds_yaml(&self, name: &str) -> String {
        clouds_yaml(&[(name, &self.admin())])
    }

    /// Stop serving and wait (up to five seconds) for the servers to end.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        for server in self.servers.drain(..) {
            let _ = tokio::time::timeout(Duration::from_secs(5), server).await;
        }
    }
}

impl Drop for MockCloud {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

/// A [`MockCloud`] on a runtime of its own ([`MockCloud::start_blocking`]).
#[derive(Debug)]
pub struct BlockingMockCloud {
    cloud: Option<MockCloud>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl std::ops::Deref for BlockingMockCloud {
    type Target = MockCloud;

    fn deref(&self) -> &MockCloud {
        // Present until drop.
        self.cloud
            .as_ref()
            .unwrap_or_else(|| unreachable!("cloud taken before drop"))
    }
}

impl Drop for BlockingMockCloud {
    fn drop(&mut self) {
        if let (Some(cloud), Some(runtime)) = (self.cloud.take(), self.runtime.take()) {
            runtime.block_on(cloud.shutdown());
            runtime.shutdown_timeout(Duration::from_secs(5));
        }
    }
}

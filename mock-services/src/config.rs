//! What the mock cloud is started with: users, projects, ports, profile.

use std::path::{Path, PathBuf};
use std::time::Duration;

use imgsig_contract::Profile;
use serde::{Deserialize, Serialize};

use crate::{ConnectionLimits, FaultRule, MockError};

/// The default admin password.
pub const DEFAULT_ADMIN_PASSWORD: &str = "imgsig-admin";

/// A project (tenant).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectConfig {
    /// Project name, unique in the `Default` domain.
    pub name: String,
    /// Project id; generated when empty.
    #[serde(default)]
    pub id: String,
}

/// A user and the projects it holds roles on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UserConfig {
    /// User name, unique in the `Default` domain.
    pub name: String,
    /// User id; generated when empty.
    #[serde(default)]
    pub id: String,
    /// Password for the `password` auth method.
    pub password: String,
    /// Names of the projects the user may scope to.
    pub projects: Vec<String>,
    /// Role names granted on those projects.
    #[serde(default = "default_roles")]
    pub roles: Vec<String>,
    /// Role names granted on the system (`keystone-manage bootstrap`
    /// gives the admin `admin` there, and the roles it implies); none
    /// means the user cannot take a system-scoped token.
    #[serde(default)]
    pub system_roles: Vec<String>,
}

/// The admin's roles in the transcript's Keystone.
fn default_roles() -> Vec<String> {
    ["admin", "manager", "member", "creator", "reader"]
        .map(String::from)
        .to_vec()
}

/// Ports to bind on 127.0.0.1; 0 means ephemeral.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct Ports {
    /// Keystone (real default 5000).
    #[serde(default)]
    pub keystone: u16,
    /// Barbican (real default 9311).
    #[serde(default)]
    pub barbican: u16,
    /// Glance (real default 9292).
    #[serde(default)]
    pub glance: u16,
}

/// How the mock cloud is set up.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct MockConfig {
    /// Projects; the first is the admin's default.
    pub projects: Vec<ProjectConfig>,
    /// Users; the first is the admin.
    pub users: Vec<UserConfig>,
    /// Ports to bind.
    pub ports: Ports,
    /// The Glance behaviour profile at start.
    pub profile: Profile,
    /// Token lifetime in seconds (the transcript's Keystone issued 24 h).
    pub token_ttl_secs: u64,
    /// How long Glance waits for Barbican before calling it unavailable.
    pub key_manager_timeout_secs: u64,
    /// Region name in the catalog.
    pub region: String,
    /// Compute Glance's `checksum` (MD5) and `os_hash_value` (SHA-512) on
    /// upload, as Glance does. Together they cost more CPU than the
    /// signature verification; throughput runs may switch them off (the
    /// fields then stay `null`).
    pub checksums: bool,
    /// Where the image data directory is created (a fresh directory inside
    /// it, removed with the cloud); the system's temporary directory if
    /// unset. Large uploads are bound by this disk's write speed.
    pub data_dir: Option<PathBuf>,
    /// Timeouts and the bound on connections, for each service.
    pub connections: ConnectionLimits,
    /// Serve the test-only controls (off by default): `PUT
    /// /imgsig-test/images/{id}/data` on Glance replaces the data an active
    /// image serves, its signature untouched, for the consumer cases
    /// (`imgsig-mock --test-controls`).
    pub test_controls: bool,
    /// Fault rules in force from the start, as `imgsig-mock --fault` takes
    /// them (`"glance:DELETE:/v2/images/*=503*1"`).
    pub faults: Vec<FaultRule>,
}

impl Default for MockConfig {
    fn default() -> Self {
        MockConfig {
            projects: vec![
                ProjectConfig {
                    name: "admin".into(),
                    id: String::new(),
                },
                ProjectConfig {
                    name: "demo".into(),
                    id: String::new(),
                },
            ],
            users: vec![
                UserConfig {
                    name: "admin".into(),
                    id: String::new(),
                    password: DEFAULT_ADMIN_PASSWORD.into(),
                    projects: vec!["admin".into(), "demo".into()],
                    roles: default_roles(),
                    system_roles: ["admin", "manager", "member", "reader"]
                        .map(String::from)
                        .to_vec(),
                },
                UserConfig {
                    name: "demo".into(),
                    id: String::new(),
                    password: "imgsig-demo".into(),
                    projects: vec!["demo".into()],
                    roles: ["member", "reader"].map(String::from).to_vec(),
                    system_roles: Vec::new(),
                },
            ],
            ports: Ports::default(),
            profile: Profile::GlanceCurrent,
            token_ttl_secs: 24 * 3600,
            key_manager_timeout_secs: 30,
            region: "RegionOne".into(),
            checksums: true,
            data_dir: None,
            connections: ConnectionLimits::default(),
            test_controls: false,
            faults: Vec::new(),
        }
    }
}

impl MockConfig {
    /// The defaults with another admin password.
    pub fn with_admin_password(mut self, password: &str) -> MockConfig {
        if let Some(admin) = self.users.first_mut() {
            admin.password = password.to_owned();
        }
        self
    }

    /// Read a JSON configuration file (missing fields take the defaults).
    pub fn from_file(path: &Path) -> Result<MockConfig, MockError> {
        let err = |reason: String| MockError::ConfigFile {
            path: path.display().to_string(),
            reason,
        };
        let text = std::fs::read_to_string(path).map_err(|e| err(e.to_string()))?;
        serde_json::from_str(&text).map_err(|e| err(e.to_string()))
    }

    /// Token lifetime.
    pub fn token_ttl(&self) -> Duration {
        Duration::from_secs(self.token_ttl_secs)
    }

    /// Check references and fill in generated ids.
    pub(crate) fn normalised(mut self) -> Result<MockConfig, MockError> {
        if self.users.is_empty() || self.projects.is_empty() {
            return Err(MockError::Config(
                "at least one user and one project are needed (the first of each is the admin)"
                    .into(),
            ));
        }
        if self.users[0].projects.is_empty() {
            return Err(MockError::Config(
                "the first user is the admin and needs a role on at least one project".into(),
            ));
        }
        for p in &mut self.projects {
            if p.id.is_empty() {
                p.id = crate::http::hex_id();
            }
        }
        for u in &mut self.users {
            if u.id.is_empty() {
                u.id = crate::http::hex_id();
            }
            for name in &u.projects {
                if !self.projects.iter().any(|p| &p.name == name) {
                    return Err(MockError::Config(format!(
                        "user {:?} refers to unknown project {name:?}",
                        u.name
                    )));
                }
            }
        }
        Ok(self)
    }
}

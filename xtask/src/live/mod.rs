//! `cargo xtask live`: a real Keystone + Barbican + Glance on 127.0.0.1,
//! installed, configured and started by the project's own files.
//!
//! Everything lives under `target/live/` (see [`Layout`]): a virtualenv with
//! the pinned releases of `xtask/venvs/live.txt`, generated test
//! secrets, the services' configuration, sqlite databases, Glance's file
//! store, pid files and logs, and `clouds.yaml` with the cloud
//! `imgsig-live`. Nothing is written outside it.
//!
//! Invariants: services bind 127.0.0.1 only; `down` kills only processes
//! whose pid file we wrote *and* whose command line still names our uwsgi
//! ini file; a second `up` reuses the venv, the secrets and the databases
//! and only starts what is not running.

mod bootstrap;
mod config;
mod services;
mod smoke;

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

use crate::util::{target_dir, Result};

pub use config::Secrets;

/// The cloud name in the generated clouds.yaml.
pub const CLOUD: &str = "imgsig-live";
/// The same admin in the legacy Glance's region.
pub const CLOUD_LEGACY: &str = "imgsig-live-legacy";
/// The clouds.yaml entry of the member user: a `member` of its own
/// project, the consumer of the shared-image cases.
pub const CLOUD_MEMBER: &str = "imgsig-live-member";
/// The member's user and project name.
pub const MEMBER: &str = "imgsig-member";
/// Keystone region of the legacy Glance (and of the shared Keystone and
/// Barbican endpoints, so a client in that region finds all three).
pub const REGION_LEGACY: &str = "RegionLegacy";

/// Arguments of `cargo xtask live`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(subcommand)]
    command: LiveCommand,
}

#[derive(Debug, clap::Subcommand)]
enum LiveCommand {
    /// Install (first time), configure, bootstrap and start the stack.
    Up(UpArgs),
    /// Stop the services this task started (by pid file).
    Down,
    /// Tell which services run, where, and how to reach them.
    Status,
    /// The documented flow with the real clients: store a certificate,
    /// upload a signed image (active) and a tampered one (400), clean up.
    Smoke(SmokeArgs),
}

/// Arguments of `live smoke`.
#[derive(Debug, clap::Args)]
struct SmokeArgs {
    /// Against the legacy Glance (cloud imgsig-live-legacy).
    #[arg(long)]
    legacy: bool,
}

/// Arguments of `live up`.
#[derive(Debug, clap::Args)]
struct UpArgs {
    /// Also a second Glance with pyca/cryptography 41.0.7 (strict PSS
    /// salts) in its own venv, on the Glance port + 100, in the region
    /// RegionLegacy (cloud imgsig-live-legacy). Once made, later `up`s
    /// start it too.
    #[arg(long)]
    legacy: bool,
    /// Keystone's port on 127.0.0.1 (default 25000; fixed when the stack
    /// is first made, as it is in Keystone's catalog).
    #[arg(long)]
    keystone_port: Option<u16>,
    /// Barbican's port on 127.0.0.1 (default 29311).
    #[arg(long)]
    barbican_port: Option<u16>,
    /// Glance's port on 127.0.0.1 (default 29292).
    #[arg(long)]
    glance_port: Option<u16>,
}

/// Run it.
pub fn run(args: Args) -> Result<ExitCode> {
    let layout = Layout::load(target_dir().join("live"));
    match args.command {
        LiveCommand::Up(a) => {
            let wanted = Layout {
                keystone_port: a.keystone_port.unwrap_or(layout.keystone_port),
                barbican_port: a.barbican_port.unwrap_or(layout.barbican_port),
                glance_port: a.glance_port.unwrap_or(layout.glance_port),
                dir: layout.dir,
            };
            let legacy = a.legacy || wanted.path("venv-legacy").exists();
            up(&Layout::fix_ports(wanted)?, legacy)
        }
        LiveCommand::Down => services::down(&layout),
        LiveCommand::Status => services::status(&layout),
        LiveCommand::Smoke(a) => smoke::run(&layout, a.legacy),
    }
}

/// Where the stack lives and which loopback ports it uses.
#[derive(Debug, Clone)]
pub struct Layout {
    /// `target/live`.
    pub dir: PathBuf,
    /// Keystone's port (the transcript's 25000).
    pub keystone_port: u16,
    /// Barbican's port (29311).
    pub barbican_port: u16,
    /// Glance's port (29292).
    pub glance_port: u16,
}

impl Layout {
    /// The stack under `dir`, on the transcript's ports.
    pub fn new(dir: PathBuf) -> Layout {
        Layout {
            dir,
            keystone_port: 25000,
            barbican_port: 29311,
            glance_port: 29292,
        }
    }

    /// The stack under `dir` with the ports it was made with (the
    /// transcript's when it was not made yet).
    pub fn load(dir: PathBuf) -> Layout {
        let layout = Layout::new(dir);
        let saved = std::fs::read_to_string(layout.path("ports.txt")).unwrap_or_default();
        let ports: Vec<u16> = saved
            .split_whitespace()
            .filter_map(|p| p.parse().ok())
            .collect();
        match ports[..] {
            [keystone_port, barbican_port, glance_port] => Layout {
                keystone_port,
                barbican_port,
                glance_port,
                ..layout
            },
            _ => layout,
        }
    }

    /// `wanted` for a new stack (its ports saved); for an existing one, an
    /// error when the ports differ from the ones it was made with (they are
    /// in Keystone's catalog).
    fn fix_ports(wanted: Layout) -> Result<Layout> {
        let saved = wanted.path("ports.txt");
        if saved.exists() {
            let have = Layout::load(wanted.dir.clone());
            if (have.keystone_port, have.barbican_port, have.glance_port)
                != (
                    wanted.keystone_port,
                    wanted.barbican_port,
                    wanted.glance_port,
                )
            {
                return Err(format!(
                    "the stack in {} was made with ports {} {} {} (Keystone, Barbican, \
                     Glance); give those, or `cargo xtask live down` and remove the \
                     directory to make a new one",
                    wanted.dir.display(),
                    have.keystone_port,
                    have.barbican_port,
                    have.glance_port
                ));
            }
            return Ok(have);
        }
        write(
            &saved,
            &format!(
                "{} {} {}\n",
                wanted.keystone_port, wanted.barbican_port, wanted.glance_port
            ),
        )?;
        Ok(wanted)
    }

    /// A path under the stack's directory.
    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.join(rel)
    }

    /// The virtualenv.
    pub fn venv(&self) -> PathBuf {
        self.path("venv")
    }

    /// A program of the virtualenv (`keystone-manage`, `openstack`, …).
    pub fn bin(&self, name: &str) -> PathBuf {
        self.venv().join("bin").join(name)
    }

    /// The generated clouds.yaml.
    pub fn clouds_yaml(&self) -> PathBuf {
        self.path("clouds.yaml")
    }

    /// `http://127.0.0.1:<port>`.
    pub fn url(port: u16) -> String {
        format!("http://127.0.0.1:{port}")
    }

    /// Keystone's v3 endpoint (the clouds' auth_url).
    pub fn auth_url(&self) -> String {
        format!("{}/v3", Layout::url(self.keystone_port))
    }
}

/// `live up`: each step is skipped when its result is already there.
fn up(layout: &Layout, legacy: bool) -> Result<ExitCode> {
    use services::Service;
    let started = Instant::now();
    mkdir(&layout.dir)?;
    use crate::venv::{Env, Venv};
    Venv::at(layout.venv_of(Service::Glance))
        .ensure(Env::Live, &layout.path("logs/install.log"))?;
    if legacy {
        Venv::at(layout.venv_of(Service::GlanceLegacy))
            .ensure(Env::LiveLegacy, &layout.path("logs/install-legacy.log"))?;
    }
    let secrets = Secrets::load_or_create(&layout.path("secrets.txt"))?;
    config::write_all(layout, &secrets, legacy)?;
    bootstrap::prepare(layout, legacy)?;
    services::start(layout, Service::Keystone)?;
    bootstrap::catalog(layout, legacy)?;
    services::start(layout, Service::Barbican)?;
    services::start(layout, Service::Glance)?;
    if legacy {
        services::start(layout, Service::GlanceLegacy)?;
    }
    println!(
        "live: Keystone {}, Barbican {}, Glance {} are up ({:.0} s)",
        Layout::url(layout.keystone_port),
        Layout::url(layout.barbican_port),
        Layout::url(layout.glance_port),
        started.elapsed().as_secs_f64()
    );
    if legacy {
        println!(
            "live: legacy Glance (cryptography 41.0.7) {} in region {REGION_LEGACY}",
            Layout::url(layout.port(Service::GlanceLegacy))
        );
    }
    print_usage(layout, legacy);
    Ok(ExitCode::SUCCESS)
}

/// How to point clients and the harness at the stack.
fn print_usage(layout: &Layout, legacy: bool) {
    let clouds = layout.clouds_yaml();
    println!("use it with:");
    println!(
        "  export OS_CLIENT_CONFIG_FILE={} OS_CLOUD={CLOUD}",
        clouds.display()
    );
    println!(
        "  {} image list          # the stack's own client",
        layout.bin("openstack").display()
    );
    println!("  cargo xtask conformance --cloud {CLOUD} --member-cloud {CLOUD_MEMBER}");
    if legacy {
        println!(
            "  cargo xtask conformance --cloud {CLOUD_LEGACY} --member-cloud {CLOUD_MEMBER} \
             --profile glance-legacy"
        );
    }
    println!("  cargo xtask live smoke | status | down");
}

/// `mkdir -p` with the path in the error.
pub fn mkdir(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))
}

/// Write a file with the path in the error.
pub fn write(path: &Path, text: &str) -> Result<()> {
    if let Some(parent) = path.parent() {
        mkdir(parent)?;
    }
    std::fs::write(path, text).map_err(|e| format!("cannot write {}: {e}", path.display()))
}

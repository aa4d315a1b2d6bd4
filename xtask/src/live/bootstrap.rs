//! One-time setup of a new stack: database schemas, Keystone's fernet and
//! credential keys, `keystone-manage bootstrap`, and (with Keystone up) the
//! service project, service users, roles and the image and key-manager
//! catalog entries. Each step leaves a marker under `target/live/done/`;
//! a later `up` skips what is marked.

use std::path::PathBuf;
use std::process::Command;

use super::config::DATABASES;
use super::services::Service;
use super::{Layout, Secrets, CLOUD, MEMBER, REGION_LEGACY};
use crate::util::{output, Result};

/// The region of every endpoint.
const REGION: &str = "RegionOne";

fn marker(layout: &Layout, step: &str) -> PathBuf {
    layout.path(&format!("done/{step}"))
}

/// Run `step` unless its marker exists, then set the marker.
fn once(layout: &Layout, step: &str, f: impl FnOnce() -> Result<()>) -> Result<()> {
    let m = marker(layout, step);
    if m.exists() {
        return Ok(());
    }
    println!("live: {step}");
    f()?;
    super::write(&m, "")
}

/// A program of the venv, with the services' environment cleaned of any
/// OS_* settings the caller's shell may carry.
fn venv_cmd(layout: &Layout, program: &str) -> Command {
    venv_cmd_of(layout, Service::Keystone, program)
}

/// A program of `service`'s venv, as [`venv_cmd`].
fn venv_cmd_of(layout: &Layout, service: Service, program: &str) -> Command {
    let mut cmd = Command::new(layout.venv_of(service).join("bin").join(program));
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("OS_") {
            cmd.env_remove(key);
        }
    }
    cmd.current_dir(&layout.dir);
    cmd
}

/// Database schemas and Keystone's keys and admin (Keystone not running);
/// with `legacy`, the legacy Glance's database too.
pub fn prepare(layout: &Layout, legacy: bool) -> Result<()> {
    let keystone_conf = layout.path("keystone/keystone.conf");
    once(layout, "keystone-db-sync", || {
        output(
            venv_cmd(layout, "keystone-manage")
                .arg("--config-file")
                .arg(&keystone_conf)
                .arg("db_sync"),
        )
        .map(drop)
    })?;
    // Owner of the key repositories: whoever runs us (uwsgi runs as us too).
    let (uid, gid) = owner(&layout.dir)?;
    for setup in ["fernet_setup", "credential_setup"] {
        once(layout, &format!("keystone-{setup}"), || {
            output(
                venv_cmd(layout, "keystone-manage")
                    .arg("--config-file")
                    .arg(&keystone_conf)
                    .args([setup, "--keystone-user", &uid, "--keystone-group", &gid]),
            )
            .map(drop)
        })?;
    }
    once(layout, "keystone-bootstrap", || {
        let secrets = Secrets::load_or_create(&layout.path("secrets.txt"))?;
        let url = layout.auth_url();
        output(
            venv_cmd(layout, "keystone-manage")
                .arg("--config-file")
                .arg(&keystone_conf)
                .arg("bootstrap")
                .env("OS_BOOTSTRAP_PASSWORD", &secrets.admin_password)
                .args([
                    "--bootstrap-username",
                    "admin",
                    "--bootstrap-project-name",
                    "admin",
                ])
                .args([
                    "--bootstrap-admin-url",
                    &url,
                    "--bootstrap-public-url",
                    &url,
                ])
                .args([
                    "--bootstrap-internal-url",
                    &url,
                    "--bootstrap-region-id",
                    REGION,
                ]),
        )
        .map(drop)
    })?;
    once(layout, "barbican-db-upgrade", || {
        output(
            venv_cmd(layout, "barbican-manage")
                .args(["db", "upgrade"])
                .env("HOME", layout.path("barbican")),
        )
        .map(drop)
    })?;
    let mut glances = vec![Service::Glance];
    if legacy {
        glances.push(Service::GlanceLegacy);
    }
    for glance in glances {
        let name = glance.name();
        once(layout, &format!("{name}-db-sync"), || {
            output(
                venv_cmd_of(layout, glance, "glance-manage")
                    .arg("--config-file")
                    .arg(layout.path(&format!("{name}/glance-api.conf")))
                    .args(["db_sync"]),
            )
            .map(drop)
        })?;
    }
    // Write-ahead logging (a property of the database file): readers no
    // longer block the writer, which the services' concurrent requests need.
    for db in DATABASES {
        let path = layout.path(db);
        if !path.exists() {
            continue;
        }
        let step = format!("sqlite-wal-{}", db.replace('/', "-"));
        once(layout, &step, || {
            output(venv_cmd(layout, "python").args(["-c", WAL]).arg(&path)).map(drop)
        })?;
    }
    Ok(())
}

/// Python that switches a sqlite file to WAL and checks it did.
const WAL: &str = "import sqlite3, sys\n\
                   mode = sqlite3.connect(sys.argv[1]).execute('PRAGMA journal_mode=WAL').fetchone()[0]\n\
                   sys.exit(0 if mode == 'wal' else 'journal_mode is ' + mode)";

/// The numeric owner of a directory (as text, for keystone-manage).
fn owner(dir: &std::path::Path) -> Result<(String, String)> {
    use std::os::unix::fs::MetadataExt;
    let meta = std::fs::metadata(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    Ok((meta.uid().to_string(), meta.gid().to_string()))
}

/// `openstack …` as the stack's admin, in `cloud` of its clouds.yaml.
pub fn openstack_in(layout: &Layout, cloud: &str, args: &[&str]) -> Result<String> {
    output(
        venv_cmd(layout, "openstack")
            .env("OS_CLIENT_CONFIG_FILE", layout.clouds_yaml())
            .env("OS_CLOUD", cloud)
            .args(args),
    )
}

/// `openstack …` as the stack's admin.
pub fn openstack(layout: &Layout, args: &[&str]) -> Result<String> {
    openstack_in(layout, CLOUD, args)
}

/// The service project and users, roles, and the image and key-manager
/// catalog entries (Keystone running); with `legacy`, the region
/// RegionLegacy with the legacy Glance and the shared Keystone and
/// Barbican.
pub fn catalog(layout: &Layout, legacy: bool) -> Result<()> {
    let secrets = Secrets::load_or_create(&layout.path("secrets.txt"))?;
    once(layout, "keystone-catalog", || {
        let os = |args: &[&str]| openstack(layout, args);
        os(&[
            "project",
            "create",
            "--or-show",
            "--domain",
            "Default",
            "service",
        ])?;
        os(&["role", "create", "--or-show", "service"])?;
        for (user, password) in [
            ("glance", &secrets.glance_password),
            ("barbican", &secrets.barbican_password),
        ] {
            os(&[
                "user",
                "create",
                "--or-show",
                "--domain",
                "Default",
                "--project",
                "service",
                "--password",
                password,
                user,
            ])?;
            // The password of an existing user follows the secrets file.
            os(&["user", "set", "--password", password, user])?;
            os(&[
                "role",
                "add",
                "--project",
                "service",
                "--user",
                user,
                "admin",
            ])?;
            os(&[
                "role",
                "add",
                "--project",
                "service",
                "--user",
                user,
                "service",
            ])?;
        }
        // Barbican's secret creators, as on the recorded stack.
        os(&["role", "create", "--or-show", "creator"])?;
        os(&[
            "role",
            "add",
            "--project",
            "admin",
            "--user",
            "admin",
            "creator",
        ])?;
        let types = os(&["service", "list", "-f", "value", "-c", "Type"])?;
        for (service, kind) in [
            (Service::Glance, "image"),
            (Service::Barbican, "key-manager"),
        ] {
            if types.lines().any(|t| t.trim() == kind) {
                continue;
            }
            let name = service.name();
            os(&["service", "create", "--name", name, kind])?;
            let url = Layout::url(layout.port(service));
            for interface in ["public", "internal", "admin"] {
                os(&[
                    "endpoint", "create", "--region", REGION, kind, interface, &url,
                ])?;
            }
        }
        Ok(())
    })?;
    once(layout, "keystone-member", || {
        // The consumer of the shared-image cases: a member of its own
        // project (its password follows the secrets file).
        let os = |args: &[&str]| openstack(layout, args);
        let password = secrets.member_password.as_str();
        os(&[
            "project",
            "create",
            "--or-show",
            "--domain",
            "Default",
            MEMBER,
        ])?;
        os(&[
            "user",
            "create",
            "--or-show",
            "--domain",
            "Default",
            "--project",
            MEMBER,
            "--password",
            password,
            MEMBER,
        ])?;
        os(&["user", "set", "--password", password, MEMBER])?;
        os(&[
            "role",
            "add",
            "--project",
            MEMBER,
            "--user",
            MEMBER,
            "member",
        ])?;
        Ok(())
    })?;
    if !legacy {
        return Ok(());
    }
    once(layout, "keystone-catalog-legacy", || {
        let os = |args: &[&str]| openstack(layout, args);
        let regions = os(&["region", "list", "-f", "value", "-c", "Region"])?;
        if !regions.lines().any(|r| r.trim() == REGION_LEGACY) {
            os(&["region", "create", REGION_LEGACY])?;
        }
        let have = os(&[
            "endpoint",
            "list",
            "--region",
            REGION_LEGACY,
            "-f",
            "value",
            "-c",
            "Service Type",
            "-c",
            "Interface",
        ])?;
        for (service, kind) in [
            (Service::Keystone, "identity"),
            (Service::Barbican, "key-manager"),
            (Service::GlanceLegacy, "image"),
        ] {
            let url = match service {
                Service::Keystone => layout.auth_url(),
                _ => Layout::url(layout.port(service)),
            };
            for interface in ["public", "internal", "admin"] {
                if have
                    .lines()
                    .any(|l| l.split_whitespace().eq([kind, interface]))
                {
                    continue;
                }
                os(&[
                    "endpoint",
                    "create",
                    "--region",
                    REGION_LEGACY,
                    kind,
                    interface,
                    &url,
                ])?;
            }
        }
        Ok(())
    })
}

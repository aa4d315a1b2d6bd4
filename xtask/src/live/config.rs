//! The stack's configuration: generated test secrets, and the text of every
//! configuration file, as pure functions of the [`Layout`] and the
//! [`Secrets`] (so they are unit-tested without a stack).

use std::path::Path;

use base64::Engine;
use rand::Rng;

use super::services::Service;
use super::{write, Layout, CLOUD, CLOUD_LEGACY, CLOUD_MEMBER, MEMBER, REGION_LEGACY};
use crate::util::Result;

/// Test secrets generated for this stack only, kept in
/// `target/live/secrets.txt` (owner-readable) so a second `up` reuses them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Secrets {
    /// The Keystone admin's password.
    pub admin_password: String,
    /// The glance service user's password.
    pub glance_password: String,
    /// The barbican service user's password.
    pub barbican_password: String,
    /// Barbican simple_crypto's key-encryption key (base64 of 32 bytes).
    pub kek: String,
    /// The password of the member user of the shared-image cases.
    pub member_password: String,
}

impl Secrets {
    /// Fresh random secrets.
    pub fn generate() -> Secrets {
        let mut rng = rand::thread_rng();
        let mut password = || -> String {
            (0..24)
                .map(|_| char::from(rng.sample(rand::distributions::Alphanumeric)))
                .collect()
        };
        let (admin_password, glance_password, barbican_password, member_password) =
            (password(), password(), password(), password());
        let kek: [u8; 32] = rand::thread_rng().gen();
        Secrets {
            admin_password,
            glance_password,
            barbican_password,
            kek: base64::engine::general_purpose::STANDARD.encode(kek),
            member_password,
        }
    }

    /// `key=value` lines.
    pub fn to_text(&self) -> String {
        format!(
            "# Test secrets of the local live stack (cargo xtask live); not real secrets.\n\
             admin_password={}\nglance_password={}\nbarbican_password={}\nkek={}\n\
             member_password={}\n",
            self.admin_password,
            self.glance_password,
            self.barbican_password,
            self.kek,
            self.member_password
        )
    }

    /// Parse [`Secrets::to_text`]'s output (a stack made before the member
    /// user existed has no `member_password`: it is left empty).
    pub fn from_text(text: &str) -> Option<Secrets> {
        let get = |key: &str| {
            text.lines()
                .filter_map(|l| l.split_once('='))
                .find(|(k, _)| k.trim() == key)
                .map(|(_, v)| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        Some(Secrets {
            admin_password: get("admin_password")?,
            glance_password: get("glance_password")?,
            barbican_password: get("barbican_password")?,
            kek: get("kek")?,
            member_password: get("member_password").unwrap_or_default(),
        })
    }

    /// The secrets in `path`, or new ones written there.
    pub fn load_or_create(path: &Path) -> Result<Secrets> {
        if let Ok(text) = std::fs::read_to_string(path) {
            let mut secrets = Secrets::from_text(&text).ok_or_else(|| {
                format!(
                    "{} is incomplete; remove target/live (cargo xtask live down first) \
                     to start a new stack",
                    path.display()
                )
            })?;
            if secrets.member_password.is_empty() {
                secrets.member_password = Secrets::generate().member_password;
                write_private(path, &secrets.to_text())?;
            }
            return Ok(secrets);
        }
        let secrets = Secrets::generate();
        write_private(path, &secrets.to_text())?;
        Ok(secrets)
    }
}

/// Write a file only its owner can read.
fn write_private(path: &Path, text: &str) -> Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options
        .open(path)
        .and_then(|mut f| f.write_all(text.as_bytes()))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

/// An absolute path as text (configuration files want absolute paths).
fn p(layout: &Layout, rel: &str) -> String {
    layout.path(rel).display().to_string()
}

/// `sqlite:////abs/path?timeout=60`: a longer busy timeout than sqlite's
/// 5 s, for writers that still meet (Glance's import task threads, a
/// `*-manage` command while the service runs).
fn sqlite(layout: &Layout, rel: &str) -> String {
    format!("sqlite:///{}?timeout=60", p(layout, rel))
}

/// The sqlite databases of the stack (relative to its directory).
pub const DATABASES: [&str; 4] = [
    "keystone/keystone.sqlite",
    "barbican/barbican.sqlite",
    "glance/glance.sqlite",
    "glance-legacy/glance.sqlite",
];

/// keystonemiddleware's section for a service user.
fn authtoken(layout: &Layout, user: &str, password: &str) -> String {
    let keystone = Layout::url(layout.keystone_port);
    format!(
        "[keystone_authtoken]\n\
         www_authenticate_uri = {keystone}\n\
         auth_url = {keystone}\n\
         auth_type = password\n\
         project_domain_name = Default\n\
         user_domain_name = Default\n\
         project_name = service\n\
         username = {user}\n\
         password = {password}\n"
    )
}

/// keystone.conf.
pub fn keystone_conf(layout: &Layout) -> String {
    format!(
        "[DEFAULT]\n\
         use_stderr = true\n\
         \n[database]\nconnection = {db}\n\
         \n[token]\nprovider = fernet\n\
         \n[fernet_tokens]\nkey_repository = {keys}\n\
         \n[fernet_receipts]\nkey_repository = {keys}\n\
         \n[credential]\nkey_repository = {cred}\n",
        db = sqlite(layout, DATABASES[0]),
        keys = p(layout, "keystone/fernet-keys"),
        cred = p(layout, "keystone/credential-keys"),
    )
}

/// barbican.conf (found by Barbican's crypto plugin as
/// `~/.barbican/barbican.conf`, with HOME set to `target/live/barbican`).
pub fn barbican_conf(layout: &Layout, secrets: &Secrets) -> String {
    format!(
        "[DEFAULT]\n\
         use_stderr = true\n\
         host_href = {href}\n\
         \n[database]\nconnection = {db}\n\
         \n[secretstore]\nenabled_secretstore_plugins = store_crypto\n\
         \n[crypto]\nenabled_crypto_plugins = simple_crypto\n\
         \n[simple_crypto_plugin]\nkek = {kek}\n\
         \n{auth}",
        href = Layout::url(layout.barbican_port),
        db = sqlite(layout, DATABASES[1]),
        kek = secrets.kek,
        auth = authtoken(layout, "barbican", &secrets.barbican_password),
    )
}

/// glance-api.conf of `glance` (or `glance-legacy`, same text in its own
/// directory): a file store, cursive through castellan to Barbican.
pub fn glance_conf(layout: &Layout, secrets: &Secrets, service: Service) -> String {
    let dir = service.name();
    format!(
        "[DEFAULT]\n\
         use_stderr = true\n\
         enabled_backends = file:file\n\
         worker_self_reference_url = {glance}\n\
         \n[database]\nconnection = {db}\n\
         \n[glance_store]\ndefault_backend = file\n\
         \n[file]\nfilesystem_store_datadir = {images}/\n\
         \n[os_glance_staging_store]\nfilesystem_store_datadir = {staging}/\n\
         \n[os_glance_tasks_store]\nfilesystem_store_datadir = {tasks}/\n\
         \n[paste_deploy]\nflavor = keystone\nconfig_file = {paste}\n\
         \n[key_manager]\nbackend = barbican\n\
         \n[barbican]\nauth_endpoint = {auth_url}\nbarbican_endpoint = {barbican}\n\
         \n{auth}",
        glance = Layout::url(layout.port(service)),
        db = sqlite(layout, &format!("{dir}/glance.sqlite")),
        images = p(layout, &format!("{dir}/images")),
        staging = p(layout, &format!("{dir}/staging")),
        tasks = p(layout, &format!("{dir}/tasks")),
        paste = p(layout, &format!("{dir}/glance-api-paste.ini")),
        auth_url = layout.auth_url(),
        barbican = Layout::url(layout.barbican_port),
        auth = authtoken(layout, "glance", &secrets.glance_password),
    )
}

/// The uwsgi ini of a service: one process with one request thread (with
/// two processes or threads on one sqlite file, concurrent requests failed
/// with "database is locked": oslo.db's transactions read before they
/// write, and sqlite answers such a lock upgrade with an immediate
/// SQLITE_BUSY, whatever the busy timeout and also in WAL mode); loopback
/// HTTP socket, `Connection: close`
/// (keystoneauth reuses connections, which uwsgi's http-socket resets),
/// chunked request bodies for Glance's streamed uploads, a pid file and a
/// log, daemonized.
pub fn uwsgi_ini(layout: &Layout, service: Service) -> String {
    let name = service.name();
    let app = match service {
        Service::Keystone => "module = keystone.wsgi.api:application".to_owned(),
        Service::Glance | Service::GlanceLegacy => {
            "module = glance.wsgi.api:application".to_owned()
        }
        // Barbican's own WSGI script reads /etc/barbican/barbican-api-paste.ini;
        // load our copy of the paste file instead.
        Service::Barbican => format!(
            "paste = config:{}",
            p(layout, "barbican/barbican-api-paste.ini")
        ),
    };
    let env = match service {
        Service::Keystone => format!("env = OS_KEYSTONE_CONFIG_DIR={}", p(layout, "keystone")),
        Service::Glance | Service::GlanceLegacy => {
            format!("env = OS_GLANCE_CONFIG_DIR={}", p(layout, name))
        }
        // oslo.config looks in ~/.barbican/ first, also when Barbican's
        // crypto plugin parses its configuration a second time.
        Service::Barbican => format!("env = HOME={}", p(layout, "barbican")),
    };
    format!(
        "[uwsgi]\n\
         http-socket = 127.0.0.1:{port}\n\
         {app}\n\
         {env}\n\
         virtualenv = {venv}\n\
         master = true\n\
         processes = 1\n\
         enable-threads = true\n\
         lazy-apps = true\n\
         die-on-term = true\n\
         exit-on-reload = false\n\
         add-header = Connection: close\n\
         http-keepalive = false\n\
         buffer-size = 65535\n\
         http-raw-body = true\n\
         http-chunked-input = true\n\
         http-auto-chunked = true\n\
         http-timeout = 3600\n\
         socket-timeout = 3600\n\
         pidfile = {pid}\n\
         daemonize = {log}\n",
        port = layout.port(service),
        venv = layout.venv_of(service).display(),
        pid = layout.pid_file(service).display(),
        log = layout.log_file(service).display(),
    ) + &format!("# service {name}\n")
}

/// clouds.yaml with the admin of the stack as `imgsig-live` (and as
/// `imgsig-live-legacy` in the legacy Glance's region), and the member of
/// the shared-image cases as `imgsig-live-member`.
pub fn clouds_yaml(layout: &Layout, secrets: &Secrets, legacy: bool) -> String {
    let admin = |region: &str| imgsig_mock::Credentials {
        auth_url: layout.auth_url(),
        username: "admin".into(),
        password: secrets.admin_password.clone(),
        project_name: "admin".into(),
        domain_name: "Default".into(),
        region_name: region.into(),
    };
    let (regular, old) = (admin("RegionOne"), admin(REGION_LEGACY));
    let member = imgsig_mock::Credentials {
        username: MEMBER.into(),
        password: secrets.member_password.clone(),
        project_name: MEMBER.into(),
        ..admin("RegionOne")
    };
    let mut clouds = vec![(CLOUD, &regular), (CLOUD_MEMBER, &member)];
    if legacy {
        clouds.push((CLOUD_LEGACY, &old));
    }
    "# Written by cargo xtask live up: the local test stack (test secrets only).\n".to_owned()
        + &imgsig_mock::clouds_yaml(&clouds)
}

/// Write every file (cheap, so on every `up`: the text follows the code);
/// with `legacy`, the legacy Glance's too. The paste files are the pinned
/// releases' own, copied from the venv.
pub fn write_all(layout: &Layout, secrets: &Secrets, legacy: bool) -> Result<()> {
    let keystone = keystone_conf(layout);
    write(&layout.path("keystone/keystone.conf"), &keystone)?;
    let barbican = barbican_conf(layout, secrets);
    write(&layout.path("barbican/.barbican/barbican.conf"), &barbican)?;
    copy_from_venv(layout, Service::Barbican, "barbican-api-paste.ini")?;
    let (services, glances): (&[Service], &[Service]) = if legacy {
        (&Service::EVERY, &[Service::Glance, Service::GlanceLegacy])
    } else {
        (&Service::ALL, &[Service::Glance])
    };
    for &glance in glances {
        let dir = glance.name();
        let conf = glance_conf(layout, secrets, glance);
        write(&layout.path(&format!("{dir}/glance-api.conf")), &conf)?;
        copy_from_venv(layout, glance, "glance-api-paste.ini")?;
        for sub in ["images", "staging", "tasks"] {
            super::mkdir(&layout.path(&format!("{dir}/{sub}")))?;
        }
    }
    for dir in ["run", "logs"] {
        super::mkdir(&layout.path(dir))?;
    }
    for &service in services {
        write(&layout.uwsgi_ini(service), &uwsgi_ini(layout, service))?;
    }
    write_private(&layout.clouds_yaml(), &clouds_yaml(layout, secrets, legacy))
}

/// Copy a paste file of the pinned release (`<venv>/etc/<project>/<file>`)
/// to the service's directory.
fn copy_from_venv(layout: &Layout, service: Service, file: &str) -> Result<()> {
    let project = if service == Service::Barbican {
        "barbican"
    } else {
        "glance"
    };
    let venv = layout.venv_of(service);
    let src = venv.join("etc").join(project).join(file);
    let text = std::fs::read_to_string(&src).map_err(|e| {
        format!(
            "cannot read {} ({e}): the venv is incomplete; remove {} and run live up again",
            src.display(),
            venv.display()
        )
    })?;
    write(&layout.path(&format!("{}/{file}", service.name())), &text)
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;

    fn layout() -> Layout {
        Layout::new(PathBuf::from("/w/target/live"))
    }

    #[test]
    fn secrets_round_trip_and_differ() {
        let s = Secrets::generate();
        assert_eq!(Secrets::from_text(&s.to_text()), Some(s.clone()));
        assert_ne!(s.admin_password, s.glance_password);
        let kek = base64::engine::general_purpose::STANDARD
            .decode(&s.kek)
            .unwrap();
        assert_eq!(kek.len(), 32);
        assert_eq!(Secrets::from_text("admin_password=x\n"), None);
    }

    #[test]
    fn services_talk_to_each_other_on_loopback() {
        let l = layout();
        let s = Secrets::generate();
        let glance = glance_conf(&l, &s, Service::Glance);
        assert!(glance.contains("backend = barbican"));
        assert!(glance.contains("auth_endpoint = http://127.0.0.1:25000/v3"));
        assert!(glance.contains("barbican_endpoint = http://127.0.0.1:29311"));
        assert!(glance.contains(&format!("password = {}", s.glance_password)));
        assert!(glance
            .contains("connection = sqlite:////w/target/live/glance/glance.sqlite?timeout=60"));
        let barbican = barbican_conf(&l, &s);
        assert!(barbican.contains(&format!("kek = {}", s.kek)));
        assert!(barbican.contains("enabled_crypto_plugins = simple_crypto"));
        assert!(keystone_conf(&l).contains("provider = fernet"));
        for service in Service::EVERY {
            let ini = uwsgi_ini(&l, service);
            assert!(ini.contains(&format!("http-socket = 127.0.0.1:{}", l.port(service))));
            assert!(ini.contains("add-header = Connection: close"));
            assert!(!ini.contains("0.0.0.0"));
        }
        assert!(uwsgi_ini(&l, Service::Barbican).contains("env = HOME=/w/target/live/barbican"));
        let legacy = uwsgi_ini(&l, Service::GlanceLegacy);
        assert!(legacy.contains("virtualenv = /w/target/live/venv-legacy"));
        assert!(legacy.contains("http-socket = 127.0.0.1:29392"));
        let conf = glance_conf(&l, &s, Service::GlanceLegacy);
        assert!(conf.contains("/w/target/live/glance-legacy/glance.sqlite"));
        assert!(conf.contains("barbican_endpoint = http://127.0.0.1:29311"));
    }

    #[test]
    fn clouds_yaml_is_what_the_harness_reads() {
        let s = Secrets::generate();
        let yaml = clouds_yaml(&layout(), &s, false);
        let doc: serde_yaml_ng::Value = serde_yaml_ng::from_str(&yaml).expect("YAML");
        let live = &doc["clouds"]["imgsig-live"];
        assert_eq!(
            live["auth"]["auth_url"].as_str(),
            Some("http://127.0.0.1:25000/v3")
        );
        assert_eq!(
            live["auth"]["password"].as_str(),
            Some(s.admin_password.as_str())
        );
        assert!(!yaml.contains("legacy"));
        let both = clouds_yaml(&layout(), &s, true);
        let doc: serde_yaml_ng::Value = serde_yaml_ng::from_str(&both).expect("YAML");
        let legacy = &doc["clouds"]["imgsig-live-legacy"];
        assert_eq!(legacy["region_name"].as_str(), Some("RegionLegacy"));
        assert_eq!(
            legacy["auth"]["password"].as_str(),
            Some(s.admin_password.as_str())
        );
    }
}

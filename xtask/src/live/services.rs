//! The three services as daemonized uwsgi masters: start, find, stop.
//!
//! A service is "ours and running" when its pid file names a live process
//! whose command line contains our uwsgi ini path; nothing else is ever
//! signalled.

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::process::{Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use super::{Layout, CLOUD, CLOUD_LEGACY};
use crate::util::Result;
use crate::venv::tail;

/// How long a service may take to answer after start.
const START_TIMEOUT: Duration = Duration::from_secs(180);
/// How long a stopped service may take to exit.
const STOP_TIMEOUT: Duration = Duration::from_secs(30);

/// One of the stack's services.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Service {
    /// Identity.
    Keystone,
    /// Key manager.
    Barbican,
    /// Image service.
    Glance,
    /// A second Glance with pyca/cryptography 41.0.7 (`up --legacy`), in
    /// its own virtualenv, with its own database and store, on the Glance
    /// port + 100, in Keystone's region `RegionLegacy`.
    GlanceLegacy,
}

impl Service {
    /// The stack, in start order.
    pub const ALL: [Service; 3] = [Service::Keystone, Service::Barbican, Service::Glance];
    /// With the legacy Glance.
    pub const EVERY: [Service; 4] = [
        Service::Keystone,
        Service::Barbican,
        Service::Glance,
        Service::GlanceLegacy,
    ];

    /// The lower-case name.
    pub fn name(self) -> &'static str {
        match self {
            Service::Keystone => "keystone",
            Service::Barbican => "barbican",
            Service::Glance => "glance",
            Service::GlanceLegacy => "glance-legacy",
        }
    }

    /// A path that answers without a token.
    fn probe_path(self) -> &'static str {
        match self {
            Service::Keystone => "/v3",
            Service::Barbican | Service::Glance | Service::GlanceLegacy => "/",
        }
    }
}

impl Layout {
    /// The service's port.
    pub fn port(&self, service: Service) -> u16 {
        match service {
            Service::Keystone => self.keystone_port,
            Service::Barbican => self.barbican_port,
            Service::Glance => self.glance_port,
            Service::GlanceLegacy => self.glance_port.saturating_add(100),
        }
    }

    /// The virtualenv a service runs from.
    pub fn venv_of(&self, service: Service) -> PathBuf {
        match service {
            Service::GlanceLegacy => self.path("venv-legacy"),
            _ => self.venv(),
        }
    }

    /// The uwsgi master's pid file.
    pub fn pid_file(&self, service: Service) -> PathBuf {
        self.path(&format!("run/{}.pid", service.name()))
    }

    /// The service's log (uwsgi and the service's own logging).
    pub fn log_file(&self, service: Service) -> PathBuf {
        self.path(&format!("logs/{}.log", service.name()))
    }

    /// The service's uwsgi ini.
    pub fn uwsgi_ini(&self, service: Service) -> PathBuf {
        self.path(&format!("{0}/{0}-uwsgi.ini", service.name()))
    }
}

/// The pid of our running uwsgi master for `service`, if any.
pub fn running(layout: &Layout, service: Service) -> Option<u32> {
    let pid: u32 = std::fs::read_to_string(layout.pid_file(service))
        .ok()?
        .trim()
        .parse()
        .ok()?;
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).ok()?;
    let ini = layout.uwsgi_ini(service).display().to_string();
    String::from_utf8_lossy(&cmdline)
        .split('\0')
        .any(|arg| arg == ini)
        .then_some(pid)
}

/// Start `service` unless it runs, then wait until it answers HTTP.
pub fn start(layout: &Layout, service: Service) -> Result<()> {
    let port = layout.port(service);
    if let Some(pid) = running(layout, service) {
        println!("live: {} already runs (pid {pid})", service.name());
        return wait_until_answering(layout, service, pid);
    }
    if listening(port) {
        return Err(format!(
            "something already listens on 127.0.0.1:{port}, and it is not our {}: stop \
             it (another stack? `cargo xtask live down`), or make the stack on other \
             ports (`live up --keystone-port … --barbican-port … --glance-port …` on a \
             new target/live)",
            service.name()
        ));
    }
    let ini = layout.uwsgi_ini(service);
    let log = layout.log_file(service);
    let _ = std::fs::remove_file(layout.pid_file(service));
    let uwsgi = layout.venv_of(service).join("bin/uwsgi");
    let out = Command::new(&uwsgi)
        .arg("--ini")
        .arg(&ini)
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run {}: {e}", uwsgi.display()))?;
    if !out.status.success() {
        return Err(format!(
            "uwsgi --ini {} failed ({}): {}{}",
            ini.display(),
            out.status,
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    // The daemonized master writes its pid file shortly after the fork.
    let since = Instant::now();
    let pid = loop {
        if let Some(pid) = running(layout, service) {
            break pid;
        }
        if since.elapsed() > Duration::from_secs(20) {
            return Err(format!(
                "{} did not start (no pid file); the end of {}:\n{}",
                service.name(),
                log.display(),
                tail(&log, 30)
            ));
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    println!(
        "live: started {} (pid {pid}) on {}, log {}",
        service.name(),
        Layout::url(port),
        log.display()
    );
    wait_until_answering(layout, service, pid)
}

/// Poll the service until it answers (any HTTP status below 500).
fn wait_until_answering(layout: &Layout, service: Service, pid: u32) -> Result<()> {
    let since = Instant::now();
    let port = layout.port(service);
    let log = layout.log_file(service);
    loop {
        match http_status(port, service.probe_path()) {
            Some(code) if code < 500 => return Ok(()),
            _ => {}
        }
        if running(layout, service) != Some(pid) {
            return Err(format!(
                "{} exited while starting; the end of {}:\n{}",
                service.name(),
                log.display(),
                tail(&log, 40)
            ));
        }
        if since.elapsed() > START_TIMEOUT {
            return Err(format!(
                "{} (pid {pid}) does not answer on {} after {} s; the end of {}:\n{}",
                service.name(),
                Layout::url(port),
                START_TIMEOUT.as_secs(),
                log.display(),
                tail(&log, 40)
            ));
        }
        std::thread::sleep(Duration::from_millis(250));
    }
}

/// Whether anything accepts connections on 127.0.0.1:port.
fn listening(port: u16) -> bool {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    TcpStream::connect_timeout(&addr, Duration::from_secs(2)).is_ok()
}

/// `GET path` on 127.0.0.1:port; the status code, or None when nothing
/// (or not HTTP) answers.
pub fn http_status(port: u16, path: &str) -> Option<u16> {
    let addr = SocketAddr::from(([127, 0, 0, 1], port));
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(2)).ok()?;
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .ok()?;
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    )
    .ok()?;
    let mut head = [0u8; 64];
    let n = stream.read(&mut head).ok()?;
    let line = String::from_utf8_lossy(&head[..n]);
    let mut parts = line.split_whitespace();
    parts.next().filter(|v| v.starts_with("HTTP/"))?;
    parts.next()?.parse().ok()
}

/// `live down`: SIGTERM our masters (uwsgi dies on TERM), wait for them.
pub fn down(layout: &Layout) -> Result<ExitCode> {
    let mut stopped = 0;
    for service in Service::EVERY.into_iter().rev() {
        let pid_file = layout.pid_file(service);
        let Some(pid) = running(layout, service) else {
            if pid_file.exists() {
                println!(
                    "live: {} is not running (stale pid file removed)",
                    service.name()
                );
                let _ = std::fs::remove_file(&pid_file);
            }
            continue;
        };
        crate::util::output(Command::new("kill").args(["-TERM", &pid.to_string()]))?;
        let since = Instant::now();
        while running(layout, service) == Some(pid) {
            if since.elapsed() > STOP_TIMEOUT {
                return Err(format!(
                    "{} (pid {pid}) did not exit {} s after SIGTERM; see {}",
                    service.name(),
                    STOP_TIMEOUT.as_secs(),
                    layout.log_file(service).display()
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        // Its workers may hold the socket a moment longer than the master.
        let port = layout.port(service);
        while listening(port) && since.elapsed() < STOP_TIMEOUT {
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = std::fs::remove_file(&pid_file);
        println!("live: stopped {} (pid {pid})", service.name());
        stopped += 1;
    }
    if stopped == 0 {
        println!("live: nothing of ours was running");
    }
    Ok(ExitCode::SUCCESS)
}

/// `live status`: per service, pid, URL and whether it answers. Exit 0
/// when all three run, 1 otherwise.
pub fn status(layout: &Layout) -> Result<ExitCode> {
    let mut all = true;
    for service in Service::EVERY {
        if service == Service::GlanceLegacy && !layout.uwsgi_ini(service).exists() {
            continue;
        }
        let port = layout.port(service);
        let url = Layout::url(port);
        match running(layout, service) {
            Some(pid) => {
                let answer = http_status(port, service.probe_path())
                    .map_or_else(|| "does not answer".to_owned(), |c| format!("answers {c}"));
                println!(
                    "{:<9} running  pid {pid:<8} {url}  {answer}",
                    service.name()
                );
            }
            None => {
                all = false;
                println!("{:<9} stopped           {url}", service.name());
            }
        }
    }
    if layout.clouds_yaml().exists() {
        println!(
            "clouds:   OS_CLIENT_CONFIG_FILE={} OS_CLOUD={CLOUD}",
            layout.clouds_yaml().display()
        );
        if layout.uwsgi_ini(Service::GlanceLegacy).exists() {
            println!("          (legacy Glance: OS_CLOUD={CLOUD_LEGACY})");
        }
    }
    println!("logs:     {}", layout.path("logs").display());
    Ok(if all {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

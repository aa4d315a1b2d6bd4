//! `imgsig-mock`: run mock Keystone, Barbican and Glance on 127.0.0.1
//! until Ctrl-C, printing an openrc and a clouds.yaml entry.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use imgsig_contract::Profile;
use imgsig_mock::{FaultRule, MockCloud, MockConfig};

/// Mock OpenStack (Keystone v3, Barbican v1, Glance v2) for image
/// signature verification tests. Listens on 127.0.0.1 only.
#[derive(Debug, Parser)]
#[command(name = "imgsig-mock", version)]
struct Args {
    /// Keystone port (0: ephemeral).
    #[arg(long, default_value_t = 0, env = "IMGSIG_MOCK_KEYSTONE_PORT")]
    keystone_port: u16,
    /// Barbican port (0: ephemeral).
    #[arg(long, default_value_t = 0, env = "IMGSIG_MOCK_BARBICAN_PORT")]
    barbican_port: u16,
    /// Glance port (0: ephemeral).
    #[arg(long, default_value_t = 0, env = "IMGSIG_MOCK_GLANCE_PORT")]
    glance_port: u16,
    /// Glance behaviour: glance-current, glance-legacy or documented.
    #[arg(long, default_value = "glance-current")]
    profile: Profile,
    /// The admin's password.
    #[arg(long, env = "IMGSIG_MOCK_ADMIN_PASSWORD")]
    admin_password: Option<String>,
    /// A JSON configuration file (users, projects, token lifetime…);
    /// the flags above override it.
    #[arg(long)]
    config: Option<PathBuf>,
    /// Skip Glance's MD5 and SHA-512 checksums on upload (they cost more
    /// CPU than the verification; the image's `checksum` stays null).
    #[arg(long)]
    no_checksums: bool,
    /// Create the image data directory inside this directory (e.g. a
    /// tmpfs such as /dev/shm) instead of the system's temporary directory.
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Seconds a client has to send a request's line and headers
    /// [default: 10].
    #[arg(long, value_name = "SECS")]
    header_read_timeout: Option<u64>,
    /// Seconds a keep-alive connection may sit idle between requests
    /// [default: 60].
    #[arg(long, value_name = "SECS")]
    idle_timeout: Option<u64>,
    /// Seconds a request body may go without data before the request is
    /// aborted (a stalled upload leaves the image queued, without data)
    /// [default: 60].
    #[arg(long, value_name = "SECS")]
    body_timeout: Option<u64>,
    /// Connections each service holds at once; more are shed [default:
    /// 512, lowered to fit the open-files limit].
    #[arg(long, value_name = "N")]
    max_connections: Option<usize>,
    /// Serve the test-only controls: `PUT /imgsig-test/images/{id}/data` on
    /// Glance replaces an active image's data, its signature untouched (for
    /// consumer runs; real Glance has no such call).
    #[arg(long)]
    test_controls: bool,
    /// A fault rule, SERVICE:METHOD:PATH-GLOB=ANSWER[*N] (repeatable; added
    /// after the configuration file's): SERVICE keystone, barbican or
    /// glance; METHOD or * for any; in the glob `*` matches within one path
    /// segment and `**` across them; ANSWER an error status (400-599),
    /// `reset` (drop the connection) or `delay-MS`; `*N` only the first N
    /// matching requests of each distinct path. E.g.
    /// 'glance:DELETE:/v2/images/*=503*1'.
    #[arg(long = "fault", value_name = "RULE", value_parser = parse_fault)]
    faults: Vec<FaultRule>,
    /// Name of the cloud in the printed clouds.yaml entry.
    #[arg(long, default_value = "imgsig-mock")]
    cloud_name: String,
}

async fn run(args: Args) -> Result<(), imgsig_mock::MockError> {
    let mut config = match &args.config {
        Some(path) => MockConfig::from_file(path)?,
        None => MockConfig::default(),
    };
    if let Some(password) = &args.admin_password {
        config = config.with_admin_password(password);
    }
    config.profile = args.profile;
    if args.data_dir.is_some() {
        config.data_dir = args.data_dir.clone();
    }
    config.faults.extend(args.faults.iter().cloned());
    if args.no_checksums {
        config.checksums = false;
    }
    let limits = &mut config.connections;
    for (flag, value) in [
        (
            args.header_read_timeout,
            &mut limits.header_read_timeout_secs,
        ),
        (args.idle_timeout, &mut limits.idle_timeout_secs),
        (args.body_timeout, &mut limits.body_progress_timeout_secs),
    ] {
        if let Some(secs) = flag {
            *value = secs;
        }
    }
    if let Some(n) = args.max_connections {
        limits.max_connections = n;
    }
    if args.test_controls {
        config.test_controls = true;
    }
    let ports = &mut config.ports;
    for (flag, port) in [
        (args.keystone_port, &mut ports.keystone),
        (args.barbican_port, &mut ports.barbican),
        (args.glance_port, &mut ports.glance),
    ] {
        if flag != 0 {
            *port = flag;
        }
    }
    // Install the signal handlers before saying we are up: a supervisor (or
    // a test) may stop us as soon as it reads the banner.
    let stop = stop_signal();
    let cloud = MockCloud::start(config).await?;
    let urls = cloud.urls();
    println!(
        "# imgsig-mock: keystone {} barbican {} glance {} (profile {})",
        urls.keystone,
        urls.barbican,
        urls.glance,
        cloud.profile()
    );
    println!("# image data in {}", cloud.data_dir().display());
    for rule in cloud.faults().rules() {
        println!("# fault {rule}");
    }
    println!("# openrc");
    print!("{}", cloud.openrc());
    println!("# clouds.yaml");
    print!("{}", cloud.clouds_yaml(&args.cloud_name));
    println!("# Ctrl-C to stop");
    stop.await;
    // Dropping the cloud removes its image data directory.
    cloud.shutdown().await;
    Ok(())
}

/// `--fault`'s parser: the rule's own error, without the rule repeated
/// (clap quotes it).
fn parse_fault(rule: &str) -> Result<FaultRule, String> {
    FaultRule::parse(rule).map_err(|e| match e {
        imgsig_mock::MockError::Fault { reason, .. } => reason,
        other => other.to_string(),
    })
}

/// Resolves on Ctrl-C (SIGINT) or SIGTERM (what `kill` and process
/// supervisors send). The handlers are installed when this is called, not
/// when it is first polled: a supervisor (or a test) may stop the mocks as
/// soon as it reads the banner.
#[cfg(unix)]
fn stop_signal() -> impl std::future::Future<Output = ()> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut int = signal(SignalKind::interrupt()).ok();
    let mut term = signal(SignalKind::terminate()).ok();
    async move {
        tokio::select! {
            () = received(int.as_mut()) => {}
            () = received(term.as_mut()) => {}
        }
    }
}

/// The next delivery of `signal`; never, without a handler.
#[cfg(unix)]
async fn received(signal: Option<&mut tokio::signal::unix::Signal>) {
    match signal {
        Some(s) => {
            s.recv().await;
        }
        None => std::future::pending::<()>().await,
    }
}

/// Resolves on Ctrl-C; never, if no handler can be installed.
#[cfg(not(unix))]
fn stop_signal() -> impl std::future::Future<Output = ()> {
    async {
        if tokio::signal::ctrl_c().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("imgsig-mock: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(args)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("imgsig-mock: {e}");
            ExitCode::FAILURE
        }
    }
}

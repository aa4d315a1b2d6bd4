//! A whole conformance session from the command line: pick the cases and
//! the target, run, render every requested report, and turn the outcome
//! into an exit status (0 all as expected, 1 an unexpected outcome, 2 the
//! run could not happen).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::cases::RunnableCase;
use crate::openstack::{Client, ClientOptions, CloudConfig, DirectEndpoints, Lookup};
use crate::outcome::RunReport;
use crate::report;
use crate::run::{run_cases, ExpectedFailures, RunOptions};
use crate::spec::Profile;
use crate::tag::RunTag;
use crate::targets::adapter::AdapterMode;
use crate::targets::consumer::{Consumer, ConsumerAdapter};
use crate::targets::{AdapterTarget, ConsumerTarget, OpenStackTarget, Target};
use crate::{Error, Result};

/// Where to run: a cloud, explicit endpoints, or an adapter. With none of
/// them, `cargo xtask conformance` starts the mocks.
#[derive(Debug, Clone, clap::Args)]
pub struct TargetArgs {
    /// A clouds.yaml entry (found as openstacksdk finds it, secure.yaml
    /// merged), or `envvars` for the OS_* variables.
    #[arg(long, env = "OS_CLOUD", value_name = "NAME")]
    pub cloud: Option<String>,
    /// Glance endpoint, for deployments without Keystone (with --token).
    #[arg(long, value_name = "URL", requires_all = ["barbican_url", "token"])]
    pub glance_url: Option<String>,
    /// Barbican endpoint (with --glance-url and --token).
    #[arg(long, value_name = "URL")]
    pub barbican_url: Option<String>,
    /// A token for --glance-url/--barbican-url.
    #[arg(long, env = "OS_TOKEN", hide_env_values = true)]
    pub token: Option<String>,
    /// Run each case through this command (the adapter protocol,
    /// docs/adapter-protocol.md).
    #[arg(long, value_name = "CMD")]
    pub adapter: Option<String>,
    /// How to run the adapter: a process per case (protocol 1) or a
    /// session of long-lived processes (protocol 2).
    #[arg(long, value_enum, default_value_t = AdapterMode::PerCase, requires = "adapter")]
    pub adapter_mode: AdapterMode,
    /// Run the consumer catalogue (Nova's side) on the cloud instead:
    /// `reference` for imgsig's model of Nova's download path, or a command
    /// speaking the consumer request (protocol 3, docs/adapter-protocol.md).
    #[arg(long, value_name = "reference|CMD")]
    pub consumer: Option<String>,
    /// How to run a --consumer command: a process per case, or sessions.
    #[arg(long, value_enum, default_value_t = AdapterMode::PerCase, requires = "consumer")]
    pub consumer_mode: AdapterMode,
    /// A clouds.yaml entry for a user of another project on the same
    /// cloud, for the cases that need a second identity (skipped without
    /// it): it stores the signing certificate of `cert.project.*` (shared
    /// with the uploader through a Barbican read ACL, or not), and is the
    /// consumer of the shared-image cases (`con.shared.*`). Needs a
    /// `member` role there; imgsig deletes what each identity created.
    #[arg(long, value_name = "NAME", conflicts_with = "adapter")]
    pub member_cloud: Option<String>,
    /// Accept any TLS certificate (never on a production cloud).
    #[arg(long)]
    pub insecure: bool,
    /// Trust this CA bundle (PEM), as OS_CACERT.
    #[arg(long, value_name = "FILE")]
    pub cacert: Option<std::path::PathBuf>,
    /// Time to establish a connection (TCP and TLS) to any endpoint,
    /// Keystone included; also the whole of each pre-flight probe. Seconds,
    /// or a duration such as `500ms` or `2m`.
    #[arg(long, value_name = "DURATION", default_value = "10", value_parser = parse_duration)]
    pub connect_timeout: Duration,
    /// Time for one ordinary request, from sending it to the end of the
    /// answer: Keystone authentication, every Glance and Barbican call
    /// except image data transfers (bounded by --case-timeout), deletes.
    #[arg(long, value_name = "DURATION", default_value = "60", value_parser = parse_duration)]
    pub request_timeout: Duration,
}

/// Seconds (`30`) or a duration with units (`500ms`, `2m`, `1h 30m`);
/// zero is refused (it would fail every request).
fn parse_duration(s: &str) -> std::result::Result<Duration, String> {
    let d = match s.trim().parse::<u64>() {
        Ok(secs) => Duration::from_secs(secs),
        Err(_) => humantime::parse_duration(s.trim())
            .map_err(|e| format!("{e}: give seconds (30) or a duration (500ms, 2m)"))?,
    };
    if d.is_zero() {
        return Err("must be more than zero".into());
    }
    Ok(d)
}

impl TargetArgs {
    /// Whether any target was given.
    pub fn is_given(&self) -> bool {
        self.cloud.is_some() || self.glance_url.is_some() || self.adapter.is_some()
    }
}

/// What to run and how to report it.
#[derive(Debug, Clone, clap::Args)]
pub struct SessionArgs {
    /// The target.
    #[command(flatten)]
    pub target: TargetArgs,
    /// The profile the target is held to.
    #[arg(long, default_value = "glance-current", value_parser = parse_profile)]
    pub profile: Profile,
    /// Which cases.
    #[command(flatten)]
    pub select: super::cases::CaseFilter,
    /// List the selected cases and their expectations instead of running.
    #[arg(long)]
    pub list: bool,
    /// With --list: one JSON object per case, as `imgsig cases --json`.
    #[arg(long, requires = "list")]
    pub json: bool,
    /// Cases in flight at once.
    #[arg(long, short = 'j', default_value_t = 8)]
    pub jobs: usize,
    /// Time one case may take, all its requests and its data transfer
    /// included (its cleanup comes after, with --request-timeout per
    /// delete). Seconds, or a duration such as `90s` or `5m`.
    #[arg(
        long,
        visible_alias = "timeout",
        value_name = "DURATION",
        default_value = "120",
        value_parser = parse_duration
    )]
    pub case_timeout: Duration,
    /// Stop the run (exit 2) after N cases in a row could not reach the
    /// target: connection failures, request or case timeouts; any HTTP
    /// answer resets the count. 0 never stops.
    #[arg(long, value_name = "N", default_value_t = crate::run::breaker::DEFAULT_THRESHOLD.get())]
    pub breaker: u32,
    /// Keep the images and secrets the run created (for debugging).
    #[arg(long)]
    pub keep: bool,
    /// Write the JSON report here.
    #[arg(long, value_name = "FILE")]
    pub report_json: Option<PathBuf>,
    /// Write JUnit XML here.
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Write a Markdown summary here.
    #[arg(long, value_name = "FILE")]
    pub markdown: Option<PathBuf>,
    /// Write one self-contained HTML report here (no network; filter by
    /// family and outcome, also as `FILE#family=sig&outcome=fail`).
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,
    /// Write a subunit v2 stream here (stestr, subunit2junitxml, Zuul).
    #[arg(long, value_name = "FILE")]
    pub subunit: Option<PathBuf>,
    /// Where to write, for each failing or implementation-defined case,
    /// the files that reproduce it (certificate, image or its recipe,
    /// signature, properties, reproduce.sh); the reports print the commands
    /// [default: imgsig-evidence/RUN_TAG in the current directory].
    #[arg(long, value_name = "DIR")]
    pub evidence_dir: Option<PathBuf>,
    /// Write no evidence files (and print no reproductions).
    #[arg(long, conflicts_with = "evidence_dir")]
    pub no_evidence: bool,
    /// Case ids known to fail, with reasons: they do not fail the run.
    #[arg(long, value_name = "FILE")]
    pub expected_failures: Option<PathBuf>,
    /// No progress: neither the preparation messages nor the bar (on a
    /// terminal) or the line every few seconds (elsewhere).
    #[arg(long)]
    pub quiet: bool,
}

fn parse_profile(s: &str) -> Result<Profile> {
    Ok(s.parse()?)
}

/// The client options the arguments ask for: their TLS settings and
/// timeouts; data transfers may take as long as a case may.
pub fn client_options(args: &TargetArgs, case_timeout: Duration) -> ClientOptions {
    let mut options = ClientOptions {
        insecure: args.insecure,
        cacert: args.cacert.clone(),
        ..ClientOptions::default()
    };
    options.timeouts.connect = args.connect_timeout;
    options.timeouts.request = args.request_timeout;
    options.timeouts.transfer = case_timeout;
    options
}

/// The client the arguments point at (for a cloud or explicit endpoints),
/// and how to name the target in reports and on a command line.
pub async fn client_from_args(
    args: &TargetArgs,
    case_timeout: Duration,
) -> Result<(Client, String, String)> {
    let options = client_options(args, case_timeout);
    if let (Some(glance), Some(barbican), Some(token)) =
        (&args.glance_url, &args.barbican_url, &args.token)
    {
        let endpoints = DirectEndpoints {
            glance: glance.clone(),
            barbican: barbican.clone(),
            token: token.clone(),
        };
        return Ok((
            Client::direct(&endpoints, &options)?,
            "explicit endpoints".into(),
            format!("--glance-url {glance} --barbican-url {barbican} --token \"$OS_TOKEN\""),
        ));
    }
    let Some(name) = args.cloud.as_deref() else {
        return Err(Error::Config(
            "no target: give --cloud (or OS_CLOUD), --glance-url/--barbican-url/--token or \
             --adapter (cargo xtask conformance without a target runs the embedded mocks)"
                .into(),
        ));
    };
    let cloud = CloudConfig::load(name, &Lookup::process())?;
    Ok((
        Client::connect(&cloud, &options).await?,
        format!("cloud {name}"),
        format!("--cloud {name}"),
    ))
}

/// Build the target the arguments name.
pub async fn target_from_args(
    args: &TargetArgs,
    case_timeout: Duration,
) -> Result<Box<dyn Target>> {
    if let Some(command) = &args.adapter {
        return Ok(Box::new(AdapterTarget::with_mode(
            command.clone(),
            args.adapter_mode,
        )?));
    }
    let (client, name, command_line) = client_from_args(args, case_timeout).await?;
    let member = match &args.member_cloud {
        Some(member) => {
            let cloud = CloudConfig::load(member, &Lookup::process())?;
            let options = client_options(args, case_timeout);
            Some(Client::connect(&cloud, &options).await?)
        }
        None => None,
    };
    cloud_target(args, client, member, name, Some(command_line))
}

/// The target on a cloud the arguments ask for: the consumer (with
/// `--consumer`) or the OpenStack APIs themselves; `member`, a user of
/// another project, is the consumer of the shared-image cases and stores
/// the certificate of the `cert.project.*` cases.
pub fn cloud_target(
    args: &TargetArgs,
    client: Client,
    member: Option<Client>,
    name: String,
    command_line: Option<String>,
) -> Result<Box<dyn Target>> {
    let member_command_line = args.member_cloud.as_ref().map(|m| format!("--cloud {m}"));
    if let Some(consumer) = &args.consumer {
        let consumer = match consumer.as_str() {
            "reference" => Consumer::Reference,
            command => Consumer::Adapter(ConsumerAdapter::new(command, args.consumer_mode)?),
        };
        let mut target = ConsumerTarget::new(client, name, consumer);
        if let Some(member) = member {
            target = target.with_member(member, member_command_line.clone());
        }
        return Ok(Box::new(match command_line {
            Some(c) => target.with_command_line(c),
            None => target,
        }));
    }
    let mut target = OpenStackTarget::new(client, name);
    if let Some(member) = member {
        target = target.with_member(member, member_command_line);
    }
    Ok(Box::new(match command_line {
        Some(c) => target.with_command_line(c),
        None => target,
    }))
}

/// Exit statuses.
pub mod exit {
    /// Everything as expected.
    pub const OK: u8 = 0;
    /// An unexpected outcome.
    pub const FAILED: u8 = 1;
    /// Configuration or connection error.
    pub const ERROR: u8 = 2;
    /// Stopped by Ctrl-C (128 + SIGINT, as shells report it).
    pub const INTERRUPTED: u8 = 130;
}

/// `--list`: print the selected cases (no target needed); the exit status.
pub fn list(args: &SessionArgs) -> Result<u8> {
    let count = if args.target.consumer.is_some() {
        let cases = args.select.select_consumer()?;
        print!(
            "{}",
            super::cases::consumer_listing(&cases, args.profile, args.json)
        );
        cases.len()
    } else {
        let cases = args.select.select()?;
        print!("{}", super::cases::listing(&cases, args.profile, args.json));
        cases.len()
    };
    if !args.json {
        println!("{count} cases");
    }
    Ok(exit::OK)
}

/// Run a session against `target`; the exit status.
pub async fn run_session(args: &SessionArgs, target: Box<dyn Target>) -> Result<u8> {
    if args.list {
        return list(args);
    }
    // Building the catalogue signs every case (seconds): Ctrl-C meanwhile
    // stops cleanly, before anything was created.
    let select = args.select.clone();
    if args.target.consumer.is_some() {
        let Some(cases) = prepare(args.quiet, move || select.select_consumer()).await? else {
            return Ok(exit::INTERRUPTED);
        };
        // Evidence files are written for upload cases only.
        return run_prepared(args, cases, Vec::new(), target).await;
    }
    let Some(cases) = prepare(args.quiet, move || select.select()).await? else {
        return Ok(exit::INTERRUPTED);
    };
    let kept = cases.clone();
    run_prepared(args, cases, kept, target).await
}

/// Build the cases off the async threads; `None` if Ctrl-C came first.
async fn prepare<C: Send + 'static>(
    quiet: bool,
    build: impl FnOnce() -> Result<Vec<C>> + Send + 'static,
) -> Result<Option<Vec<C>>> {
    let preparing = std::time::Instant::now();
    if !quiet {
        eprintln!("preparing the cases: generating keys and certificates, signing the images …");
    }
    let ctrl_c = tokio::signal::ctrl_c();
    let built = tokio::task::spawn_blocking(build);
    let cases = tokio::select! {
        built = built => built.map_err(|e| Error::Catalogue(e.to_string()))??,
        _ = ctrl_c => {
            eprintln!("interrupted while preparing the cases: nothing was created");
            return Ok(None);
        }
    };
    if !quiet {
        eprintln!(
            "{} cases prepared in {:.1}s",
            cases.len(),
            preparing.elapsed().as_secs_f64()
        );
    }
    Ok(Some(cases))
}

/// Run `cases` and report; `kept` are the catalogue cases whose evidence
/// files the report may write.
async fn run_prepared<C: RunnableCase + 'static>(
    args: &SessionArgs,
    cases: Vec<C>,
    kept: Vec<crate::cases::Case>,
    target: Box<dyn Target>,
) -> Result<u8> {
    target.preflight().await?;
    let options = RunOptions {
        profile: args.profile,
        jobs: args.jobs,
        timeout: args.case_timeout,
        breaker: std::num::NonZeroU32::new(args.breaker),
        keep: args.keep,
        run_tag: RunTag::generate(),
        progress: !args.quiet,
    };
    let mut report = run_cases(cases, Arc::from(target), &options).await;
    if let Some(path) = &args.expected_failures {
        let text = crate::files::read_small_text(path)?;
        let unknown = ExpectedFailures::parse(&text).apply(&mut report.outcomes);
        for id in unknown {
            eprintln!("warning: {} lists {id}, which was not run", path.display());
        }
        report.summary = crate::outcome::Summary::of(&report.outcomes);
    }
    if args.no_evidence {
        report.outcomes.iter_mut().for_each(|o| o.reproduce.clear());
    } else {
        let dir = args
            .evidence_dir
            .clone()
            .unwrap_or_else(|| PathBuf::from("imgsig-evidence").join(options.run_tag.to_string()));
        report::evidence::write_all(&dir, &kept, &mut report)?;
    }
    write_reports(args, &report)?;
    print!("{}", report::terminal(&report));
    Ok(if report.interrupted {
        exit::INTERRUPTED
    } else if let Some(why) = &report.stopped {
        eprintln!("imgsig: error: {why}");
        exit::ERROR
    } else if report.all_as_expected() {
        exit::OK
    } else {
        exit::FAILED
    })
}

fn write_reports(args: &SessionArgs, report: &RunReport) -> Result<()> {
    let outputs = [
        (&args.report_json, report::json(report).into_bytes()),
        (&args.junit, report::junit_xml(report).into_bytes()),
        (&args.markdown, report::markdown(report).into_bytes()),
        (&args.html, report::html(report).into_bytes()),
        (&args.subunit, report::subunit(report)),
    ];
    for (path, text) in outputs {
        if let Some(path) = path {
            std::fs::write(path, text).map_err(Error::io(path))?;
        }
    }
    Ok(())
}

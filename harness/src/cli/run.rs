//! `imgsig run`, `imgsig cases` and `imgsig cleanup`.

use std::time::Duration;

use imgsig::cases::{catalogue, Selection};
use imgsig::run::session::{exit, run_session, target_from_args, SessionArgs, TargetArgs};
use imgsig::spec::Profile;
use imgsig::target::Target;
use imgsig::{Error, Result};

use super::Outcome;

/// Run the conformance cases against a target.
#[derive(Debug, clap::Args)]
pub(crate) struct RunArgs {
    #[command(flatten)]
    session: SessionArgs,
}

/// List the case catalogue.
#[derive(Debug, clap::Args)]
pub(crate) struct CasesArgs {
    /// Only cases whose id starts with (or, with * or ?, matches) this.
    #[arg(long, short = 'f', value_name = "PREFIX|GLOB")]
    filter: Vec<String>,
    /// Show the expectation under this profile.
    #[arg(long, default_value = "glance-current", value_parser = super::verify::parse_profile)]
    profile: Profile,
    /// Include the big.* cases (signing them hashes gigabytes).
    #[arg(long)]
    big: bool,
    /// One JSON object per case.
    #[arg(long)]
    json: bool,
}

/// Delete what a run left behind (names carrying its tag), and nothing else.
#[derive(Debug, clap::Args)]
pub(crate) struct CleanupArgs {
    #[command(flatten)]
    target: TargetArgs,
    /// The run tag (printed at the top of every report).
    #[arg(long = "run", value_name = "TAG")]
    run_tag: String,
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(Error::Stream)
}

pub(crate) fn run(args: RunArgs) -> Result<Outcome> {
    let rt = runtime()?;
    rt.block_on(async {
        let target = target_from_args(
            &args.session.target,
            Duration::from_secs(args.session.timeout),
        )
        .await?;
        match run_session(&args.session, target).await? {
            exit::OK => Ok(Outcome::Success),
            _ => Ok(Outcome::Failure),
        }
    })
}

pub(crate) fn cases(args: CasesArgs) -> Result<Outcome> {
    let selection = Selection::new(args.filter);
    for c in catalogue(args.big)?
        .iter()
        .filter(|c| selection.matches(&c.id))
    {
        let expected = c
            .expected
            .get(&args.profile)
            .map(ToString::to_string)
            .unwrap_or_default();
        if args.json {
            let line = serde_json::json!({
                "id": c.id,
                "reason": c.reason,
                "expected": c.expected,
            });
            println!("{line}");
        } else {
            println!("{:<48} {:<40} {}", c.id, expected, c.reason);
        }
    }
    Ok(Outcome::Success)
}

pub(crate) fn cleanup(args: CleanupArgs) -> Result<Outcome> {
    let rt = runtime()?;
    rt.block_on(async {
        match target_from_args(&args.target, Duration::from_secs(60)).await? {
            Target::OpenStack { client, .. } => {
                let tag = imgsig::openstack::RunTag::new(&args.run_tag)?;
                let report = client.sweep(&tag).await?;
                for r in &report.deleted {
                    println!("deleted {}", r.name());
                }
                for (r, why) in &report.failed {
                    println!("could not delete {}: {why}", r.name());
                }
                println!("{} objects of run {tag} deleted", report.deleted.len());
                Ok(if report.failed.is_empty() {
                    Outcome::Success
                } else {
                    Outcome::Failure
                })
            }
            Target::Adapter { .. } => Err(Error::Config(
                "an adapter target creates nothing to clean up".into(),
            )),
        }
    })
}

//! `imgsig run` and `imgsig cleanup`.

use super::session::{
    client_from_args, exit, run_session, target_from_args, SessionArgs, TargetArgs,
};
use crate::tag::RunTag;
use crate::{Error, Result};

use super::Outcome;

/// Run the conformance cases against a target.
#[derive(Debug, clap::Args)]
pub(crate) struct RunArgs {
    #[command(flatten)]
    session: SessionArgs,
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
    if args.session.list {
        super::session::list(&args.session)?;
        return Ok(Outcome::Success);
    }
    let rt = runtime()?;
    rt.block_on(async {
        let target = target_from_args(&args.session.target, args.session.case_timeout).await?;
        match run_session(&args.session, target).await? {
            exit::OK => Ok(Outcome::Success),
            exit::INTERRUPTED => Ok(Outcome::Interrupted),
            _ => Ok(Outcome::Failure),
        }
    })
}

pub(crate) fn cleanup(args: CleanupArgs) -> Result<Outcome> {
    if args.target.adapter.is_some() {
        return Err(Error::Config(
            "an adapter target creates nothing to clean up".into(),
        ));
    }
    let tag = RunTag::new(&args.run_tag)?;
    let rt = runtime()?;
    rt.block_on(async {
        let (client, _, _) = client_from_args(&args.target, args.target.request_timeout).await?;
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
    })
}

//! `cargo xtask conformance`: the main job. With a target it runs the
//! catalogue against it; with none it starts the mocks in-process on
//! ephemeral loopback ports and runs the whole catalogue against them
//! (with `--consumer`, the consumer catalogue through that consumer, the
//! mocks' test control on so data can be swapped).

use std::process::ExitCode;

use imgsig::cli::session::{
    client_options, cloud_target, exit, run_session, target_from_args, SessionArgs,
};
use imgsig::openstack::Client;
use imgsig::spec::Profile;
use imgsig_mock::{MockCloud, MockConfig};

use crate::util::Result;

/// Arguments of `cargo xtask conformance`.
#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    session: SessionArgs,
    /// The profile the embedded mocks behave by (without a target).
    #[arg(long, default_value = "glance-current", value_parser = parse_profile)]
    mock_profile: Profile,
}

fn parse_profile(s: &str) -> std::result::Result<Profile, imgsig::spec::Error> {
    s.parse()
}

/// Run it.
pub fn run(args: Args) -> Result<ExitCode> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    let code = rt.block_on(async {
        let timeout = args.session.case_timeout;
        if args.session.target.is_given() {
            let target = target_from_args(&args.session.target, timeout).await?;
            return run_session(&args.session, target).await;
        }
        let config = MockConfig {
            profile: args.mock_profile,
            test_controls: args.session.target.consumer.is_some(),
            ..MockConfig::default()
        };
        let cloud = MockCloud::start(config)
            .await
            .map_err(|e| imgsig::Error::Config(format!("cannot start the mocks: {e}")))?;
        let name = format!("embedded mocks ({})", args.mock_profile);
        let code = session_on(&cloud, name, &args.session).await;
        cloud.shutdown().await;
        code
    });
    match code {
        Ok(c) => Ok(ExitCode::from(c)),
        Err(e) => {
            eprintln!("conformance: {e}");
            Ok(ExitCode::from(exit::ERROR))
        }
    }
}

/// Run a session against running mocks, as their admin user, with `demo`
/// the second identity (the other project of `cert.project.*`, the
/// consumer of the shared-image cases).
pub async fn session_on(cloud: &MockCloud, name: String, args: &SessionArgs) -> imgsig::Result<u8> {
    let options = client_options(&args.target, args.case_timeout);
    let connect = |credentials: imgsig_mock::Credentials| {
        let options = options.clone();
        async move {
            let config = imgsig::openstack::CloudConfig::from_vars(&credentials.env_vars())?;
            Client::connect(&config, &options).await
        }
    };
    let client = connect(cloud.admin()).await?;
    let member = match cloud.credentials("demo", "demo") {
        Some(demo) => Some(connect(demo).await?),
        None => None,
    };
    run_session(
        args,
        cloud_target(&args.target, client, member, name, None)?,
    )
    .await
}

/// A session's arguments from a command line (`argv[0]` first).
pub fn session_args<I: IntoIterator<Item = String>>(argv: I) -> Result<SessionArgs> {
    #[derive(Debug, clap::Parser)]
    struct Session {
        #[command(flatten)]
        args: SessionArgs,
    }
    <Session as clap::Parser>::try_parse_from(argv)
        .map(|s| s.args)
        .map_err(|e| e.to_string())
}

//! `cargo xtask adapter-nova`: the consumer catalogue through the real Nova
//! code — nova 34.0.0's image download path (`nova.image.glance.API().download`
//! with `verify_glance_signatures` and `enable_certificate_validation`,
//! `adapters/nova/consumer.py`) — on the embedded mocks, or on a cloud
//! (`--cloud imgsig-live` after `cargo xtask live up`). Nova is installed
//! without its dependencies over `xtask/venvs/nova.txt`, which pins only
//! what that path imports: no hypervisor, no database, no message queue.

use std::process::ExitCode;

use imgsig::spec::Profile;

use crate::consumer::Check;
use crate::util::{root, target_dir, Result};
use crate::venv::{Env, Venv};

/// Arguments of `cargo xtask adapter-nova`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// A clouds.yaml entry to run on instead of the embedded mocks (the
    /// swapped-data case is skipped there: real Glance cannot swap data).
    #[arg(long, value_name = "NAME")]
    cloud: Option<String>,
    /// A clouds.yaml entry for a user of another project on that cloud,
    /// the consumer of the shared-image cases (`con.shared.*`, skipped
    /// without it; on the mocks `demo` is).
    #[arg(long, value_name = "NAME", requires = "cloud")]
    member_cloud: Option<String>,
    /// The profile Nova is held to.
    #[arg(long, default_value = "glance-current", value_parser = parse_profile)]
    profile: Profile,
    /// With `[glance] enable_certificate_validation = false`: Nova checks
    /// signatures only, and the report's detection must read "does not
    /// validate certificates".
    #[arg(long)]
    no_certificate_validation: bool,
}

fn parse_profile(s: &str) -> std::result::Result<Profile, imgsig::spec::Error> {
    s.parse()
}

/// Run it.
pub fn run(args: Args) -> Result<ExitCode> {
    let adapters = target_dir().join("adapters");
    let venv = Venv::at(adapters.join("nova-venv"));
    venv.ensure(Env::Nova, &adapters.join("nova-venv-install.log"))?;
    let mut command = format!(
        "{} {}",
        venv.python().display(),
        root().join("adapters/nova/consumer.py").display()
    );
    let mut what =
        "nova 34.0.0's image download path (python-glanceclient, castellan, cursive)".to_owned();
    let check = if args.no_certificate_validation {
        command.push_str(" --no-certificate-validation");
        what.push_str(" with enable_certificate_validation = false");
        Check::ValidatesNoCertificates
    } else {
        Check::AsTheLibrary
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    rt.block_on(async {
        match &args.cloud {
            Some(name) => {
                let member = args.member_cloud.as_deref();
                crate::consumer::on_named_cloud(&command, &what, name, member, args.profile, check)
                    .await
            }
            None => crate::consumer::on_the_mocks(&command, &what, args.profile, check).await,
        }
    })?;
    Ok(ExitCode::SUCCESS)
}

//! `imgsig consume`: what Nova would decide for an image already on a
//! cloud, before anyone boots it.

use std::time::Duration;

use super::session::{client_from_args, TargetArgs};
use super::Outcome;
use crate::spec::Profile;
use crate::targets::consumer::reference::{decide, Settings};
use crate::{Error, Result};

/// Decide as Nova's image download path does with `[glance]
/// verify_glance_signatures = true` and `enable_certificate_validation =
/// true`: the image's signature properties from Glance, the signing
/// certificate from Barbican, the certificate validated against the trusted
/// ids (cursive 0.3.1's rules), then the data streamed from Glance through
/// the verifier (never held in memory). Prints what it fetched, the verdict
/// with upstream's message and why.
///
/// Exit status 0 Nova would boot it, 1 it would refuse it, 2 the check could
/// not run (no such image, cloud unreachable).
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// The cloud (--cloud, or --glance-url/--barbican-url/--token).
    #[command(flatten)]
    target: TargetArgs,
    /// The image id.
    #[arg(long, value_name = "ID")]
    image: String,
    /// A trusted certificate id (a Barbican secret), as
    /// `trusted_image_certificates` on server create; repeatable, in order.
    #[arg(long = "trusted-cert-id", value_name = "ID")]
    trusted_cert_id: Vec<String>,
    /// Nova with `enable_certificate_validation = false`: without trusted
    /// ids the signature is checked but the certificate is not validated.
    #[arg(long)]
    no_certificate_validation: bool,
    /// Whose rules to apply.
    #[arg(long, default_value = "glance-current", value_parser = super::verify::parse_profile)]
    profile: Profile,
    /// Seconds the download may take.
    #[arg(long, default_value_t = 600)]
    timeout: u64,
}

pub(crate) fn run(args: Args) -> Result<Outcome> {
    if args.target.adapter.is_some() || args.target.consumer.is_some() {
        return Err(Error::Config(
            "imgsig consume decides itself: give a cloud (--cloud, or --glance-url, \
             --barbican-url and --token), not an adapter or a consumer"
                .into(),
        ));
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(Error::Stream)?;
    rt.block_on(async {
        let (client, name, _) =
            client_from_args(&args.target, Duration::from_secs(args.timeout)).await?;
        let mut settings = Settings::now(args.profile);
        settings.certificate_validation = !args.no_certificate_validation;
        let decision = decide(&client, &args.image, &args.trusted_cert_id, settings).await?;
        println!("image {} on {name}", args.image);
        for step in &decision.steps {
            println!("  {step}");
        }
        match decision.verdict {
            Ok(_) => {
                println!("Nova would boot it: certificate trusted, signature OK");
                Ok(Outcome::Success)
            }
            Err(refusal) => {
                println!("Nova would refuse it: {}", refusal.rejection);
                for reason in &refusal.reasons {
                    println!("  because {reason}");
                }
                if refusal.upstream_hangs {
                    println!("  (cursive 0.3.1 never answers here: Nova's boot would hang)");
                }
                Ok(Outcome::Failure)
            }
        }
    })
}

//! `imgsig cases`: list the case catalogue — id, expectation, reason.

use imgsig::cases::{catalogue, Selection};
use imgsig::spec::Profile;
use imgsig::Result;

use super::Outcome;

/// List the case catalogue.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    /// Only cases whose id starts with (or, with * or ?, matches) this;
    /// repeatable.
    #[arg(long, short = 'f', value_name = "PREFIX|GLOB")]
    filter: Vec<String>,
    /// Show the expectation under this profile.
    #[arg(long, default_value = "glance-current", value_parser = super::verify::parse_profile)]
    profile: Profile,
    /// Include the big.* cases (signing them hashes gigabytes).
    #[arg(long)]
    big: bool,
    /// One JSON object per case: id, family, reason, flags, expectation
    /// under every profile.
    #[arg(long)]
    json: bool,
}

pub(crate) fn run(args: Args) -> Result<Outcome> {
    let selection = Selection::new(args.filter);
    for c in catalogue(args.big)?
        .iter()
        .filter(|c| selection.matches(&c.id))
    {
        if args.json {
            let line = serde_json::json!({
                "id": c.id,
                "family": c.family().name(),
                "reason": c.reason,
                "flags": c.flags(),
                "expected": c.expected,
            });
            println!("{line}");
        } else {
            let expected = c
                .expected
                .get(&args.profile)
                .map(ToString::to_string)
                .unwrap_or_default();
            println!("{:<48} {:<40} {}", c.id, expected, c.reason);
        }
    }
    Ok(Outcome::Success)
}

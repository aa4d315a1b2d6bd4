//! `imgsig cases`: list the case catalogue — id, expectation, reason.

use crate::cases::{catalogue, Case, Selection};
use crate::spec::Profile;
use crate::Result;

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
    let cases: Vec<Case> = catalogue(args.big)?
        .into_iter()
        .filter(|c| selection.matches(&c.id))
        .collect();
    print!("{}", listing(&cases, args.profile, args.json));
    Ok(Outcome::Success)
}

/// The listing of `cases`: a line each with id, expectation under `profile`
/// and reason, or (`json`) one JSON object per case with the expectation
/// under every profile. `imgsig cases` and `run --list` print this.
pub(crate) fn listing(cases: &[Case], profile: Profile, json: bool) -> String {
    let mut out = String::new();
    for c in cases {
        if json {
            let line = serde_json::json!({
                "id": c.id,
                "family": c.family().name(),
                "reason": c.reason,
                "flags": c.flags(),
                "expected": c.expected,
            });
            out.push_str(&format!("{line}\n"));
        } else {
            let expected = c
                .expected
                .get(&profile)
                .map(ToString::to_string)
                .unwrap_or_default();
            out.push_str(&format!("{:<48} {:<40} {}\n", c.id, expected, c.reason));
        }
    }
    out
}

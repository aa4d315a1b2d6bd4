//! `imgsig cases`: list the case catalogue — id, expectation, reason —
//! and the case selection `imgsig run` shares with it.

use crate::cases::consumer::{self, ConsumerCase};
use crate::cases::{catalogue, Case, Selection};
use crate::spec::Profile;
use crate::{Error, Result};

use super::Outcome;

/// Which cases: the same options and meaning in `imgsig cases` and
/// `imgsig run`.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct CaseFilter {
    /// Only cases whose id starts with this, or matches it as a glob (with
    /// `*` or `?`), or as a regular expression searched in the id (written
    /// `re:REGEX`); repeatable, any may match.
    #[arg(long, short = 'f', value_name = "PREFIX|GLOB|re:REGEX")]
    pub filter: Vec<String>,
    /// Leave out cases matching this (same forms as --filter); repeatable.
    #[arg(long, short = 'x', value_name = "PREFIX|GLOB|re:REGEX")]
    pub exclude: Vec<String>,
    /// Include the big.* cases (gigabyte images; also when a filter names
    /// them).
    #[arg(long)]
    pub big: bool,
}

impl CaseFilter {
    /// The selected cases of the catalogue; an error when none matches.
    pub fn select(&self) -> Result<Vec<Case>> {
        let selection = Selection::parse(&self.filter, &self.exclude).map_err(Error::Config)?;
        let big = self.big || selection.may_select_big();
        let cases: Vec<Case> = catalogue(big)?
            .into_iter()
            .filter(|c| selection.matches(&c.id))
            .collect();
        if cases.is_empty() {
            return Err(Error::Config(format!(
                "no case matches {} (imgsig cases lists them all)",
                selection.describe()
            )));
        }
        Ok(cases)
    }

    /// The selected cases of the consumer catalogue (Nova's side); an
    /// error when none matches.
    pub fn select_consumer(&self) -> Result<Vec<ConsumerCase>> {
        let selection = Selection::parse(&self.filter, &self.exclude).map_err(Error::Config)?;
        let cases: Vec<ConsumerCase> = consumer::catalogue()?
            .into_iter()
            .filter(|c| selection.matches(&c.id))
            .collect();
        if cases.is_empty() {
            return Err(Error::Config(format!(
                "no consumer case matches {} (imgsig cases --consumer lists them all)",
                selection.describe()
            )));
        }
        Ok(cases)
    }
}

/// List the case catalogue.
#[derive(Debug, clap::Args)]
pub(crate) struct Args {
    #[command(flatten)]
    select: CaseFilter,
    /// Show the expectation under this profile.
    #[arg(long, default_value = "glance-current", value_parser = super::verify::parse_profile)]
    profile: Profile,
    /// One JSON object per case: id, family, reason, flags, expectation
    /// under every profile.
    #[arg(long)]
    json: bool,
    /// The consumer catalogue (Nova's side: `imgsig run --consumer`).
    #[arg(long)]
    consumer: bool,
}

pub(crate) fn run(args: Args) -> Result<Outcome> {
    if args.consumer {
        let cases = args.select.select_consumer()?;
        print!("{}", consumer_listing(&cases, args.profile, args.json));
        return Ok(Outcome::Success);
    }
    let cases = args.select.select()?;
    print!("{}", listing(&cases, args.profile, args.json));
    Ok(Outcome::Success)
}

/// The listing of consumer cases, as [`listing`] (the JSON objects add the
/// trusted names and what changes after the upload).
pub(crate) fn consumer_listing(cases: &[ConsumerCase], profile: Profile, json: bool) -> String {
    let mut out = String::new();
    for c in cases {
        if json {
            let trusted: Vec<serde_json::Value> = c
                .trusted
                .iter()
                .map(|t| serde_json::json!({"name": t.name, "stored": t.certificate.is_some()}))
                .collect();
            let line = serde_json::json!({
                "id": c.id,
                "reason": c.reason,
                "trusted": trusted,
                "tamper": c.tamper.as_ref().map(crate::cases::Tamper::label),
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

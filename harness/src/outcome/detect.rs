//! Which profile does the target behave like? Every observation is judged
//! again under every profile; the profile with no mismatch is the match,
//! and aspects of the contract (PSS salt, binary curves, …) are read off
//! the cases that exercise them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::model::CaseOutcome;
use crate::spec::{judge, Aspect, Profile, Verdict};

/// How well the observations fit one profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileMatch {
    /// The profile.
    pub profile: Profile,
    /// Cases whose observation fits the profile.
    pub matched: usize,
    /// Cases whose observation does not (ids).
    pub mismatched: Vec<String>,
}

/// What the cases of one aspect say.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AspectReading {
    /// The aspect.
    pub aspect: Aspect,
    /// Profiles whose expectations every case of the aspect fits.
    pub fits: Vec<Profile>,
    /// The sentence for people.
    pub reading: String,
}

/// The result of profile detection.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProfileDetection {
    /// Fit per profile.
    pub profiles: Vec<ProfileMatch>,
    /// The profile with no mismatch, if there is one.
    pub best: Option<Profile>,
    /// Aspect by aspect.
    pub aspects: Vec<AspectReading>,
    /// Cases that no profile explains.
    pub unexplained: Vec<String>,
}

fn fits(outcome: &CaseOutcome, profile: Profile) -> bool {
    match outcome.expected.get(&profile) {
        Some(expected) => judge(expected, &outcome.observed, profile).0 != Verdict::Fail,
        None => false,
    }
}

fn judged(outcome: &CaseOutcome) -> bool {
    !matches!(
        outcome.observed,
        super::Observed::Skipped { .. } | super::Observed::Error { .. }
    )
}

/// Judge every observation under every profile.
pub fn detect_profile(outcomes: &[CaseOutcome]) -> ProfileDetection {
    let run: Vec<&CaseOutcome> = outcomes.iter().filter(|o| judged(o)).collect();
    let profiles: Vec<ProfileMatch> = Profile::ALL
        .into_iter()
        .map(|profile| {
            let (ok, bad): (Vec<&&CaseOutcome>, Vec<&&CaseOutcome>) =
                run.iter().partition(|o| fits(o, profile));
            ProfileMatch {
                profile,
                matched: ok.len(),
                mismatched: bad.iter().map(|o| o.id.clone()).collect(),
            }
        })
        .collect();
    let best = profiles
        .iter()
        .find(|m| m.mismatched.is_empty() && m.matched > 0)
        .map(|m| m.profile);
    let aspects = Aspect::ALL
        .into_iter()
        .filter_map(|aspect| {
            let cases: Vec<&&CaseOutcome> =
                run.iter().filter(|o| o.aspects.contains(&aspect)).collect();
            if cases.is_empty() {
                return None;
            }
            // A profile that leaves every case of the aspect to the
            // implementation says nothing about it.
            let fitting: Vec<Profile> = Profile::ALL
                .into_iter()
                .filter(|p| {
                    cases.iter().any(|o| {
                        o.expected
                            .get(p)
                            .is_some_and(|e| *e != super::Expected::Acceptable)
                    })
                })
                .filter(|p| cases.iter().all(|o| fits(o, *p)))
                .collect();
            // Profiles that agree on this aspect read the same; say each
            // distinct meaning once.
            let mut meanings: BTreeMap<&str, Vec<Profile>> = BTreeMap::new();
            for p in &fitting {
                meanings.entry(aspect.meaning(*p)).or_default().push(*p);
            }
            let reading = if meanings.is_empty() {
                "matches no profile".to_owned()
            } else {
                meanings
                    .iter()
                    .map(|(m, ps)| {
                        let names: Vec<&str> = ps.iter().map(|p| p.name()).collect();
                        format!("{m} ({})", names.join(", "))
                    })
                    .collect::<Vec<_>>()
                    .join("; or ")
            };
            Some(AspectReading {
                aspect,
                fits: fitting,
                reading,
            })
        })
        .collect();
    let unexplained = run
        .iter()
        .filter(|o| Profile::ALL.into_iter().all(|p| !fits(o, p)))
        .map(|o| o.id.clone())
        .collect();
    ProfileDetection {
        profiles,
        best,
        aspects,
        unexplained,
    }
}

//! Which profile does the target behave like? Every observation is judged
//! again under every profile; the profile with no mismatch is the match,
//! and aspects of the contract (PSS salt, binary curves, …) are read off
//! the cases that exercise them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::judge::judge;
use super::model::{CaseOutcome, Verdict};
use crate::spec::Profile;

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

/// A part of the contract on which profiles differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Aspect {
    /// Which RSA-PSS salt lengths are accepted.
    PssSalt,
    /// Whether the binary SECT curves are supported.
    BinaryCurves,
    /// How ECC key types are spelled.
    KeyTypeNames,
    /// Whether the documented 255-character signature limit is enforced.
    SignatureLength,
    /// What happens to an image whose upload failed.
    FailedImages,
}

impl Aspect {
    /// Every aspect.
    pub const ALL: [Aspect; 5] = [
        Aspect::PssSalt,
        Aspect::BinaryCurves,
        Aspect::KeyTypeNames,
        Aspect::SignatureLength,
        Aspect::FailedImages,
    ];

    /// Human name.
    pub const fn title(self) -> &'static str {
        match self {
            Aspect::PssSalt => "PSS salt",
            Aspect::BinaryCurves => "binary curves",
            Aspect::KeyTypeNames => "ECC key type names",
            Aspect::SignatureLength => "signature length limit",
            Aspect::FailedImages => "failed images",
        }
    }

    /// What it means for a target to behave like `profile` here.
    pub const fn meaning(self, profile: Profile) -> &'static str {
        match (self, profile) {
            (Aspect::PssSalt, Profile::GlanceLegacy) => {
                "only the maximum salt accepted -> pyca/cryptography <= 41"
            }
            (Aspect::PssSalt, _) => "any salt accepted -> pyca/cryptography >= 42",
            (Aspect::BinaryCurves, Profile::GlanceCurrent) => {
                "unsupported -> pyca/cryptography >= 47"
            }
            (Aspect::BinaryCurves, _) => "supported",
            (Aspect::KeyTypeNames, Profile::Documented) => "bare curve names (SECP384R1)",
            (Aspect::KeyTypeNames, _) => "ECC_ prefixed names (ECC_SECP384R1)",
            (Aspect::SignatureLength, Profile::Documented) => "255 characters enforced",
            (Aspect::SignatureLength, _) => "not enforced",
            (Aspect::FailedImages, Profile::Documented) => "deleted",
            (Aspect::FailedImages, _) => "left queued, data deleted",
        }
    }

    /// Whether a case exercises this aspect, by its id.
    pub fn covers(self, id: &str) -> bool {
        match self {
            Aspect::PssSalt => id.starts_with("reg.pss-salt."),
            Aspect::BinaryCurves => id.contains("ecc-sect"),
            Aspect::KeyTypeNames => id.contains("key-type") && id.contains("bare"),
            Aspect::SignatureLength => id.contains("signature-length"),
            // Every rejected case says what became of the image.
            Aspect::FailedImages => id.starts_with("neg."),
        }
    }
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
            let cases: Vec<&&CaseOutcome> = run.iter().filter(|o| aspect.covers(&o.id)).collect();
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

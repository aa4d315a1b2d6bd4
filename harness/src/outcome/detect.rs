//! Which profile does the target behave like? Every observation is judged
//! again under every profile; the profile with no mismatch is the match,
//! and aspects of the contract (PSS salt, binary curves, …) are read off
//! the cases that exercise them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::model::CaseOutcome;
use crate::spec::{judge, Aspect, Profile, Rejection, Verdict};

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
    /// Whether the consumer validates certificates at all (consumer runs
    /// only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificates: Option<CertificateReading>,
}

/// What a consumer does with certificates, as a whole.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CertificateChecking {
    /// It refused every chain the rules do not trust and accepted every
    /// chain they trust.
    Validates,
    /// It refused every chain the rules do not trust, and chains they
    /// trust too: its validation fails (cursive on pyca/cryptography 41).
    RefusesTrusted,
    /// It accepted some of the chains the rules do not trust.
    Partly,
    /// It accepted every chain the rules do not trust: it checks the
    /// signature only (Nova with `enable_certificate_validation = False`
    /// given its trusted ids as `default_trusted_certificate_ids`, which it
    /// then ignores; ids handed with the request it validates regardless).
    DoesNotValidate,
}

impl CertificateChecking {
    /// The finding in words.
    pub const fn words(self) -> &'static str {
        match self {
            CertificateChecking::Validates => "validates certificates",
            CertificateChecking::RefusesTrusted => "cannot validate certificates",
            CertificateChecking::Partly => "validates only some certificates",
            CertificateChecking::DoesNotValidate => "does not validate certificates",
        }
    }
}

/// Whether a consumer validates certificates, read off the consumer cases
/// whose chain cursive 0.3.1's rules judge (the `glance-current`
/// expectation: trusted means accept, untrusted a refusal for the
/// certificate).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CertificateReading {
    /// The finding.
    pub checking: CertificateChecking,
    /// Chains the rules do not trust that were judged.
    pub untrusted: usize,
    /// Those the consumer accepted (ids).
    pub accepted_untrusted: Vec<String>,
    /// Chains the rules trust that were judged.
    pub trusted: usize,
    /// Those the consumer refused (ids).
    pub refused_trusted: Vec<String>,
    /// The sentence for people.
    pub reading: String,
}

/// Ids shown in a reading; the rest are counted.
const READING_IDS: usize = 4;

fn some_ids(ids: &[String]) -> String {
    let shown: Vec<&str> = ids.iter().take(READING_IDS).map(String::as_str).collect();
    match ids.len().saturating_sub(READING_IDS) {
        0 => shown.join(", "),
        more => format!("{}, and {more} more", shown.join(", ")),
    }
}

/// Read off the consumer cases whether the consumer validates certificates;
/// `None` when no case says (an upload run).
fn certificate_reading(run: &[&CaseOutcome]) -> Option<CertificateReading> {
    let cases: Vec<&&CaseOutcome> = run
        .iter()
        .filter(|o| o.aspects.contains(&Aspect::CertificateValidation))
        .collect();
    let by_rules = |o: &CaseOutcome| o.expected.get(&Profile::GlanceCurrent).cloned();
    let accepted = |o: &CaseOutcome| matches!(o.observed, super::Observed::Accepted { .. });
    let untrusted: Vec<&&&CaseOutcome> = cases
        .iter()
        .filter(|o| {
            matches!(
                by_rules(o),
                Some(super::Expected::Reject {
                    reason: Some(Rejection::UntrustedCertificate(_))
                })
            )
        })
        .collect();
    let trusted: Vec<&&&CaseOutcome> = cases
        .iter()
        .filter(|o| by_rules(o) == Some(super::Expected::Accept))
        .collect();
    if untrusted.is_empty() && trusted.is_empty() {
        return None;
    }
    let accepted_untrusted: Vec<String> = untrusted
        .iter()
        .filter(|o| accepted(o))
        .map(|o| o.id.clone())
        .collect();
    let refused_trusted: Vec<String> = trusted
        .iter()
        .filter(|o| !accepted(o))
        .map(|o| o.id.clone())
        .collect();
    let (checking, detail) = if !untrusted.is_empty() && accepted_untrusted.len() == untrusted.len()
    {
        (
            CertificateChecking::DoesNotValidate,
            format!(
                "accepted all {} chains the rules do not trust ({})",
                untrusted.len(),
                some_ids(&accepted_untrusted)
            ),
        )
    } else if !accepted_untrusted.is_empty() {
        (
            CertificateChecking::Partly,
            format!(
                "accepted {} of {} chains the rules do not trust ({})",
                accepted_untrusted.len(),
                untrusted.len(),
                some_ids(&accepted_untrusted)
            ),
        )
    } else if !refused_trusted.is_empty() {
        (
            CertificateChecking::RefusesTrusted,
            format!(
                "refused {} of {} chains the rules trust ({})",
                refused_trusted.len(),
                trusted.len(),
                some_ids(&refused_trusted)
            ),
        )
    } else {
        (
            CertificateChecking::Validates,
            format!(
                "refused all {} chains the rules do not trust, accepted all {} they trust",
                untrusted.len(),
                trusted.len()
            ),
        )
    };
    Some(CertificateReading {
        checking,
        untrusted: untrusted.len(),
        accepted_untrusted,
        trusted: trusted.len(),
        refused_trusted,
        reading: format!("{}: {detail}", checking.words()),
    })
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
        certificates: certificate_reading(&run),
    }
}

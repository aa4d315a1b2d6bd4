//! The outcome model: one case run and judged, and a whole run.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::spec::{Aspect, Chain, Expected, HashMethod, KeyType, Observed, Profile, Verdict};
use crate::tag::RunTag;
use crate::targets::{Evidence, Leftover};

/// One case, run and judged.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseOutcome {
    /// Stable case id, e.g. `sig.rsa-pss-2048.sha-256.valid`.
    pub id: String,
    /// One line saying why the case exists.
    pub reason: String,
    /// Hash method, for the matrix (cases of the signature matrix only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hash_method: Option<HashMethod>,
    /// Key type, for the matrix.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_type: Option<KeyType>,
    /// The certificate chain's shape, for the trust section (`cert.trust.*`
    /// and consumer cases).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub chain: Option<Chain>,
    /// The aspects of the contract the case exercises (what profile
    /// detection reads off it at the end of a run; the report keeps the
    /// detection itself, so this is not serialised).
    #[serde(skip)]
    pub aspects: Vec<Aspect>,
    /// What every profile expects.
    pub expected: BTreeMap<Profile, Expected>,
    /// What the target did.
    pub observed: Observed,
    /// The verdict under the run's profile.
    pub verdict: Verdict,
    /// Why the verdict is what it is, in a sentence.
    pub explanation: String,
    /// The exchanges behind the observation.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub evidence: Vec<Evidence>,
    /// The commands a person would type to reproduce the case.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reproduce: Vec<String>,
    /// Wall time of the case.
    #[serde(with = "millis")]
    pub duration: Duration,
}

impl CaseOutcome {
    /// The case's family: the first segment of its id (`sig`, `neg` …).
    pub fn family(&self) -> &str {
        self.id.split('.').next().unwrap_or(&self.id)
    }
}

mod millis {
    use std::time::Duration;

    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(d: &Duration, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u64(u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
        u64::deserialize(d).map(Duration::from_millis)
    }
}

/// Counts of verdicts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// As expected.
    pub passed: usize,
    /// Not as expected.
    pub failed: usize,
    /// Implementation-defined.
    pub acceptable: usize,
    /// Not run.
    pub skipped: usize,
    /// Failed, but listed as expected failures.
    #[serde(default)]
    pub known_failures: usize,
}

impl Summary {
    /// Count the verdicts of `outcomes`.
    pub fn of<'a>(outcomes: impl IntoIterator<Item = &'a CaseOutcome>) -> Summary {
        outcomes.into_iter().fold(Summary::default(), |mut s, o| {
            match o.verdict {
                Verdict::Pass => s.passed += 1,
                Verdict::Fail => s.failed += 1,
                Verdict::Acceptable => s.acceptable += 1,
                Verdict::Skipped => s.skipped += 1,
                Verdict::KnownFailure => s.known_failures += 1,
            }
            s
        })
    }

    /// `N passed, N failed, N acceptable, N skipped`.
    pub fn line(&self) -> String {
        format!(
            "{} passed, {} failed, {} acceptable, {} skipped",
            self.passed, self.failed, self.acceptable, self.skipped
        )
    }
}

/// A whole run: the one value every report renders.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunReport {
    /// Report format version.
    pub schema: u32,
    /// What was tested (e.g. `embedded mocks`, `cloud imgsig-live`).
    pub target: String,
    /// The profile the target was held to.
    pub profile: Profile,
    /// The run tag carried by every name the run created.
    pub run_tag: RunTag,
    /// Wall time of the whole run.
    #[serde(with = "millis")]
    pub duration: Duration,
    /// Every case.
    pub outcomes: Vec<CaseOutcome>,
    /// Verdict counts.
    pub summary: Summary,
    /// Which profile the target behaves like.
    pub detection: super::ProfileDetection,
    /// What the cases created and their cleanup could not delete.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub leftovers: Vec<Leftover>,
    /// The command that deletes the leftovers, when there are any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cleanup_command: Option<String>,
    /// Whether Ctrl-C stopped the run before every case ran.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub interrupted: bool,
    /// Why the run stopped before every case ran, when its breaker tripped
    /// (the target stopped answering).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stopped: Option<String>,
    /// Which harness made the report, where and when.
    #[serde(default)]
    pub provenance: Provenance,
    /// Where the files that reproduce the failing and implementation-defined
    /// cases were written (`--evidence-dir`), if anywhere.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub evidence_dir: Option<String>,
}

/// Which harness made a report, on which host and when: shown in every
/// rendering so a report can be traced to what produced it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Provenance {
    /// The harness version (`imgsig --version`).
    pub harness_version: String,
    /// The corpus schema the harness reads (`vectors/`).
    pub corpus_schema: String,
    /// When the run started, RFC 3339 in UTC to the second.
    pub started: String,
    /// The host the harness ran on.
    pub hostname: String,
}

impl Provenance {
    /// This harness, this host, now.
    pub fn now() -> Provenance {
        Provenance {
            harness_version: env!("CARGO_PKG_VERSION").to_owned(),
            corpus_schema: crate::cases::corpus::SCHEMA.to_owned(),
            started: humantime::format_rfc3339_seconds(std::time::SystemTime::now()).to_string(),
            hostname: gethostname::gethostname().to_string_lossy().into_owned(),
        }
    }
}

impl RunReport {
    /// The current report format version.
    pub const SCHEMA: u32 = 1;

    /// Whether everything went as expected and nothing was left behind
    /// (the exit status gate).
    pub fn all_as_expected(&self) -> bool {
        self.summary.failed == 0 && self.leftovers.is_empty()
    }
}

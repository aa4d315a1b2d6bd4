//! The outcome model: expectations, observations, verdicts.

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::spec::{HashMethod, KeyType, Profile, Rejection};

/// What a profile expects of one case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "kebab-case")]
pub enum Expected {
    /// The upload succeeds and the image becomes active.
    Accept,
    /// The upload is refused; with the reason upstream gives, if any.
    Reject {
        /// Upstream's reason.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reason: Option<Rejection>,
    },
    /// Not all four properties are present: the upload succeeds without
    /// verification (a conformance fact worth flagging).
    Unverified,
    /// Implementation-defined: any answer is conformant.
    Acceptable,
}

impl std::fmt::Display for Expected {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Expected::Accept => f.write_str("accept"),
            Expected::Reject { reason: Some(r) } => write!(f, "reject: {r}"),
            Expected::Reject { reason: None } => f.write_str("reject"),
            Expected::Unverified => f.write_str("accept without verification"),
            Expected::Acceptable => f.write_str("implementation-defined"),
        }
    }
}

/// The state of the image after the upload, as the target shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ImageState {
    /// The image record exists with this status (`active`, `queued` …).
    Status(String),
    /// The image record is gone.
    Deleted,
    /// The target cannot tell (e.g. an adapter without image records).
    Unknown,
}

impl std::fmt::Display for ImageState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ImageState::Status(s) => f.write_str(s),
            ImageState::Deleted => f.write_str("deleted"),
            ImageState::Unknown => f.write_str("unknown"),
        }
    }
}

/// One request/response exchange kept as evidence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    /// `PUT http://…/v2/images/…/file`, or the adapter command line.
    pub request: String,
    /// HTTP status, if there was a response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// The start of the response body (secrets redacted).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub body_excerpt: String,
}

/// What the target did with a case.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "observed", rename_all = "kebab-case")]
pub enum Observed {
    /// The upload was accepted.
    Accepted {
        /// The image afterwards.
        image: ImageState,
    },
    /// The upload was refused.
    Rejected {
        /// HTTP status (none for adapters, which answer without HTTP).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        status: Option<u16>,
        /// The error message, as the target worded it.
        message: String,
        /// The image afterwards.
        image: ImageState,
        /// Whether the image's data can still be downloaded (it must not).
        data_retained: bool,
    },
    /// The case could not be run (connection error, timeout, setup failed).
    Error {
        /// What went wrong.
        detail: String,
    },
    /// The case was not run (filtered, or needs a capability the target
    /// lacks).
    Skipped {
        /// Why.
        why: String,
    },
}

impl std::fmt::Display for Observed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Observed::Accepted { image } => write!(f, "accepted, image {image}"),
            Observed::Rejected {
                status,
                message,
                image,
                data_retained,
            } => write!(
                f,
                "refused{}: {message} (image {image}, data {})",
                status.map_or_else(String::new, |s| format!(" {s}")),
                if *data_retained { "kept" } else { "deleted" }
            ),
            Observed::Error { detail } => write!(f, "error: {detail}"),
            Observed::Skipped { why } => write!(f, "skipped: {why}"),
        }
    }
}

/// The judgement of one observation against one expectation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    /// As expected.
    Pass,
    /// Not as expected.
    Fail,
    /// Implementation-defined; anything goes.
    Acceptable,
    /// Not run.
    Skipped,
    /// Not as expected, but listed in the expected-failures file.
    KnownFailure,
}

impl Verdict {
    /// The symbol used in the matrix: ✔ ✘ ~ ·.
    pub const fn symbol(self) -> &'static str {
        match self {
            Verdict::Pass => "✔",
            Verdict::Fail => "✘",
            Verdict::Acceptable => "~",
            Verdict::Skipped => "·",
            Verdict::KnownFailure => "x",
        }
    }
}

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
    pub run_tag: String,
    /// Wall time of the whole run.
    #[serde(with = "millis")]
    pub duration: Duration,
    /// Every case.
    pub outcomes: Vec<CaseOutcome>,
    /// Verdict counts.
    pub summary: Summary,
    /// Which profile the target behaves like.
    pub detection: super::ProfileDetection,
}

impl RunReport {
    /// The current report format version.
    pub const SCHEMA: u32 = 1;

    /// Whether everything went as expected (the exit status gate).
    pub fn all_as_expected(&self) -> bool {
        self.summary.failed == 0
    }
}

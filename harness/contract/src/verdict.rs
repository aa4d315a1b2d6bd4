//! The verdict model: what a profile expects of a case, what a target did
//! with it, and the rule that judges the one against the other
//! ([`judge`]). Pure data and rules: reports, the runner and the mocks'
//! tests all judge through this one function.

use serde::{Deserialize, Serialize};

use crate::{FailedUpload, Profile, Rejection};

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

fn accepted_image_ok(image: &ImageState) -> Result<(), String> {
    match image {
        ImageState::Status(s) if s == "active" => Ok(()),
        ImageState::Unknown => Ok(()),
        ImageState::Status(s) => Err(format!(
            "the upload succeeded but the image is {s}, not active"
        )),
        ImageState::Deleted => Err("the upload succeeded but the image is gone".to_owned()),
    }
}

fn failed_image_ok(image: &ImageState, profile: Profile) -> Result<(), String> {
    match (profile.failed_upload(), image) {
        (_, ImageState::Unknown) | (FailedUpload::Deleted, ImageState::Deleted) => Ok(()),
        (FailedUpload::LeftQueued, ImageState::Status(s)) if s == "queued" => Ok(()),
        (FailedUpload::LeftQueued, other) => Err(format!(
            "after the failed upload the image is {}; {profile} leaves it queued",
            describe(other)
        )),
        (FailedUpload::Deleted, other) => Err(format!(
            "after the failed upload the image is {}; {profile} deletes it",
            describe(other)
        )),
    }
}

fn describe(image: &ImageState) -> String {
    match image {
        ImageState::Status(s) => s.clone(),
        ImageState::Deleted => "deleted".to_owned(),
        ImageState::Unknown => "unknown".to_owned(),
    }
}

/// Judge what a target did with a case against what `profile` expects,
/// with a sentence saying why.
pub fn judge(expected: &Expected, observed: &Observed, profile: Profile) -> (Verdict, String) {
    use Verdict::{Acceptable, Fail, Pass};
    match (expected, observed) {
        (_, Observed::Skipped { why }) => (Verdict::Skipped, format!("not run: {why}")),
        (_, Observed::Error { detail }) => (Fail, format!("could not run: {detail}")),
        (Expected::Acceptable, Observed::Accepted { .. }) => (
            Acceptable,
            "implementation-defined; the target accepted it".to_owned(),
        ),
        (Expected::Acceptable, Observed::Rejected { message, .. }) => (
            Acceptable,
            format!("implementation-defined; the target refused it ({message})"),
        ),
        (Expected::Accept | Expected::Unverified, Observed::Accepted { image }) => {
            match accepted_image_ok(image) {
                Ok(()) if *expected == Expected::Unverified => (
                    Pass,
                    "accepted without verification, as upstream does when a property is missing"
                        .to_owned(),
                ),
                Ok(()) => (Pass, "accepted, image active".to_owned()),
                Err(e) => (Fail, e),
            }
        }
        (Expected::Accept | Expected::Unverified, Observed::Rejected { message, .. }) => (
            Fail,
            format!("refused an image {profile} accepts: {message}"),
        ),
        (Expected::Reject { reason }, Observed::Accepted { .. }) => (
            Fail,
            match reason {
                Some(r) => format!("accepted an image {profile} rejects ({r})"),
                None => format!("accepted an image {profile} rejects"),
            },
        ),
        (
            Expected::Reject { reason },
            Observed::Rejected {
                status,
                message,
                image,
                data_retained,
            },
        ) => {
            // Glance 33 keeps the bytes of a format refusal (and the
            // image queued whatever the documentation says of failures).
            let format_refusal = matches!(reason, Some(Rejection::ImageFormat(_)));
            if *data_retained && !format_refusal {
                return (
                    Fail,
                    "refused the upload but kept the image data (it must be deleted)".to_owned(),
                );
            }
            if let Some(status) = status.filter(|s| !(400..500).contains(s)) {
                return (
                    Fail,
                    format!(
                        "refused with status {status}; a verification failure is a client error (400)"
                    ),
                );
            }
            let image_profile = if format_refusal {
                Profile::GlanceCurrent
            } else {
                profile
            };
            if let Err(e) = failed_image_ok(image, image_profile) {
                return (Fail, e);
            }
            match reason {
                Some(r) if !message.contains(&r.to_string()) => (
                    Pass,
                    format!("refused as expected, but for another reason than upstream's “{r}”"),
                ),
                Some(r) => (Pass, format!("refused: {r}")),
                None => (Pass, "refused".to_owned()),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rejected(image: ImageState, retained: bool, status: u16) -> Observed {
        Observed::Rejected {
            status: Some(status),
            message: "Signature verification failed for image x: Signature verification failed"
                .into(),
            image,
            data_retained: retained,
        }
    }

    #[test]
    fn rejections_must_clean_up_as_the_profile_says() {
        let e = Expected::Reject {
            reason: Some(Rejection::SignatureMismatch),
        };
        let queued = ImageState::Status("queued".into());
        let p = Profile::GlanceCurrent;
        assert_eq!(
            judge(&e, &rejected(queued.clone(), false, 400), p).0,
            Verdict::Pass
        );
        assert_eq!(
            judge(&e, &rejected(queued.clone(), true, 400), p).0,
            Verdict::Fail
        );
        assert_eq!(
            judge(&e, &rejected(queued.clone(), false, 500), p).0,
            Verdict::Fail
        );
        assert_eq!(
            judge(&e, &rejected(ImageState::Deleted, false, 400), p).0,
            Verdict::Fail
        );
        let d = Profile::Documented;
        assert_eq!(
            judge(&e, &rejected(ImageState::Deleted, false, 400), d).0,
            Verdict::Pass
        );
        assert_eq!(judge(&e, &rejected(queued, false, 400), d).0, Verdict::Fail);
    }

    #[test]
    fn acceptance_and_implementation_defined() {
        let active = Observed::Accepted {
            image: ImageState::Status("active".into()),
        };
        let p = Profile::GlanceCurrent;
        assert_eq!(judge(&Expected::Accept, &active, p).0, Verdict::Pass);
        assert_eq!(judge(&Expected::Unverified, &active, p).0, Verdict::Pass);
        assert_eq!(
            judge(&Expected::Acceptable, &active, p).0,
            Verdict::Acceptable
        );
        let reject = Expected::Reject { reason: None };
        assert_eq!(judge(&reject, &active, p).0, Verdict::Fail);
        let error = Observed::Error {
            detail: "timeout".into(),
        };
        assert_eq!(judge(&Expected::Acceptable, &error, p).0, Verdict::Fail);
    }
}

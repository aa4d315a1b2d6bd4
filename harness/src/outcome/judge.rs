//! Judging an observation against an expectation under a profile.

use super::model::{Expected, ImageState, Observed, Verdict};
use crate::spec::{FailedUpload, Profile};

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
            if *data_retained {
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
            if let Err(e) = failed_image_ok(image, profile) {
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
    use crate::spec::Rejection;

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

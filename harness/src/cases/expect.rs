//! Expectations, derived from the rules: every profile's expectation of a
//! case is what the reference verifier ([`crate::verify`]) decides under
//! that profile, except where upstream's answer is implementation-defined.

use std::collections::BTreeMap;

use crate::spec::disk_format::{FormatRefusal, Inspection};
use crate::spec::Expected;
use crate::spec::{Base64Mode, Profile, Rejection, Request, SignatureProperties};
use crate::verify::{CertificateLookup, UploadVerifier};

use super::{Case, Flag};

/// The secret id the expectation pass pretends Barbican assigned.
const STORED_ID: &str = "11111111-2222-3333-4444-555555555555";

/// What `profile` expects of `case`.
pub fn expectation(case: &Case, profile: Profile) -> Expected {
    if case.implementation_defined {
        return Expected::Acceptable;
    }
    let properties = case.properties_with(Some(STORED_ID));
    let request = match SignatureProperties::parse(&properties, profile, Base64Mode::Lenient) {
        Ok(r) => r,
        Err(r) if r.is_implementation_defined() => return Expected::Acceptable,
        Err(Rejection::InvalidKeyType(_))
            if profile.leaves_binary_curves_open() && Flag::BinaryCurve.applies(case) =>
        {
            return Expected::Acceptable
        }
        Err(r) => return Expected::Reject { reason: Some(r) },
    };
    let props = match request {
        Request::Unverified { .. } => {
            return match case.format_refusal().filter(|_| profile.inspects_formats()) {
                Some(refusal) => Expected::Reject {
                    reason: Some(Rejection::ImageFormat(refusal.to_string())),
                },
                None => Expected::Unverified,
            }
        }
        Request::Verify(p) => p,
    };
    if profile.leaves_binary_curves_open() && props.key_type.curve().is_some_and(|c| c.is_binary())
    {
        return Expected::Acceptable;
    }
    let lookup = match &case.secret {
        // Barbican refuses the uploader another project's secret (403),
        // which castellan raises as a KeyManagerError.
        Some(s) if !s.owner.readable_by_uploader() => CertificateLookup::Unavailable,
        Some(s) => CertificateLookup::from_secret(&s.secret_type, s.payload.clone()),
        None => CertificateLookup::NotFound,
    };
    let mut verifier = match UploadVerifier::new(props, lookup, profile) {
        Ok(v) => v,
        Err(r) if r.is_implementation_defined() => return Expected::Acceptable,
        Err(r) => return Expected::Reject { reason: Some(r) },
    };
    let mut inspection = Inspection::new();
    let read = case.image.for_each_chunk(|chunk| {
        verifier.update(chunk);
        inspection.update(chunk);
    });
    if read.is_err() {
        return Expected::Acceptable;
    }
    if let Err(r) = verifier.finish() {
        return Expected::Reject { reason: Some(r) };
    }
    match case
        .format_verdict(inspection)
        .filter(|_| profile.inspects_formats())
    {
        Some(refusal) => Expected::Reject {
            reason: Some(Rejection::ImageFormat(refusal.to_string())),
        },
        None => Expected::Accept,
    }
}

impl Case {
    /// The image's `disk_format` and `container_format` as the case
    /// creates it (the harness's defaults `raw` and `bare` unless the
    /// properties set them).
    pub fn formats(&self) -> (&str, &str) {
        let get = |name: &str, default: &'static str| {
            self.properties.get(name).map_or(default, String::as_str)
        };
        (get("disk_format", "raw"), get("container_format", "bare"))
    }

    /// What Glance 33's format inspection says of the case's bytes
    /// (read once more).
    pub fn format_refusal(&self) -> Option<FormatRefusal> {
        let mut inspection = Inspection::new();
        self.image
            .for_each_chunk(|chunk| inspection.update(chunk))
            .ok()?;
        self.format_verdict(inspection)
    }

    fn format_verdict(&self, inspection: Inspection) -> Option<FormatRefusal> {
        let (disk_format, container_format) = self.formats();
        inspection.verdict(disk_format, container_format).err()
    }
}

/// Every profile's expectation.
pub fn expectations(case: &Case) -> BTreeMap<Profile, Expected> {
    Profile::ALL
        .into_iter()
        .map(|p| (p, expectation(case, p)))
        .collect()
}

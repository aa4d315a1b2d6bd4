//! Expectations, derived from the rules: every profile's expectation of a
//! case is what the reference verifier ([`crate::verify`]) decides under
//! that profile, except where upstream's answer is implementation-defined.

use std::collections::BTreeMap;

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
        Request::Unverified { .. } => return Expected::Unverified,
        Request::Verify(p) => p,
    };
    if profile.leaves_binary_curves_open() && props.key_type.curve().is_some_and(|c| c.is_binary())
    {
        return Expected::Acceptable;
    }
    let lookup = match &case.secret {
        Some(s) => CertificateLookup::from_secret(&s.secret_type, s.payload.clone()),
        None => CertificateLookup::NotFound,
    };
    let mut verifier = match UploadVerifier::new(props, lookup, profile) {
        Ok(v) => v,
        Err(r) if r.is_implementation_defined() => return Expected::Acceptable,
        Err(r) => return Expected::Reject { reason: Some(r) },
    };
    if verifier.update_from(case.image.reader()).is_err() {
        return Expected::Acceptable;
    }
    match verifier.finish() {
        Ok(()) => Expected::Accept,
        Err(r) => Expected::Reject { reason: Some(r) },
    }
}

/// Every profile's expectation.
pub fn expectations(case: &Case) -> BTreeMap<Profile, Expected> {
    Profile::ALL
        .into_iter()
        .map(|p| (p, expectation(case, p)))
        .collect()
}

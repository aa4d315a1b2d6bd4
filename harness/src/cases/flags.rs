//! Flags: what kind of behaviour a case exercises, Wycheproof-style. Each
//! flag is derived from the case (its signature, its expectations, its
//! family), never set by hand, and explained by [`Flag::note`].

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{Case, Family};
use crate::crypto::{EcCurve, KeyAlgorithm};
use crate::spec::base64::{decode_lenient, decode_strict};
use crate::spec::Expected;
use crate::spec::{properties, NON_MAX_SALT_VERDICT};

/// A flag of a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Flag {
    /// RSA-PSS with a salt other than the maximum.
    PssSalt,
    /// Signed with a key on a binary (SECT) curve.
    BinaryCurve,
    /// Some profile expects the upload to go through unverified.
    Unverified,
    /// Some profile leaves the answer to the implementation.
    ImplementationDefined,
    /// The user documentation and the code disagree.
    DocumentationDrift,
    /// The signature is base64 only to a lenient decoder.
    LenientBase64,
    /// The certificate is stored by a user of another project.
    OtherProject,
}

impl Flag {
    /// Every flag.
    pub const ALL: [Flag; 7] = [
        Flag::PssSalt,
        Flag::BinaryCurve,
        Flag::Unverified,
        Flag::ImplementationDefined,
        Flag::DocumentationDrift,
        Flag::LenientBase64,
        Flag::OtherProject,
    ];

    /// The flag as written in the corpus: `PssSalt`, …
    pub const fn name(self) -> &'static str {
        match self {
            Flag::PssSalt => "PssSalt",
            Flag::BinaryCurve => "BinaryCurve",
            Flag::Unverified => "Unverified",
            Flag::ImplementationDefined => "ImplementationDefined",
            Flag::DocumentationDrift => "DocumentationDrift",
            Flag::LenientBase64 => "LenientBase64",
            Flag::OtherProject => "OtherProject",
        }
    }

    /// What the flag means (the corpus's `notes`).
    pub fn note(self) -> String {
        let note = match self {
            Flag::PssSalt => {
                return format!("RSA-PSS with a salt other than the maximum: {NON_MAX_SALT_VERDICT}")
            }
            Flag::BinaryCurve => "signed on a SECT (binary) curve: unsupported since pyca/cryptography 47",
            Flag::Unverified => "not all four properties: upstream uploads without verification (a conformance fact worth reporting)",
            Flag::ImplementationDefined => "under some profile upstream's answer is not a verification error (an uncaught exception) or not specified: any answer conforms",
            Flag::DocumentationDrift => "the user documentation and the code disagree here",
            Flag::LenientBase64 => "the signature is not strict base64; upstream's decoder discards characters outside the alphabet and accepts it",
            Flag::OtherProject => "the certificate is stored by a user of another project (the secret's `owner`), with or without a read ACL naming the uploader: running it needs a second identity",
        };
        note.to_owned()
    }

    /// Whether `case` carries this flag.
    pub fn applies(self, case: &Case) -> bool {
        match self {
            Flag::PssSalt => case.pss.is_some_and(|p| !p.is_max()),
            Flag::BinaryCurve => matches!(
                case.key_algorithm(),
                Some(KeyAlgorithm::Ec(EcCurve::Named(c))) if c.is_binary()
            ),
            Flag::Unverified => case.expected.values().any(|e| *e == Expected::Unverified),
            Flag::ImplementationDefined => {
                case.expected.values().any(|e| *e == Expected::Acceptable)
            }
            Flag::DocumentationDrift => case.id.family() == Family::Doc,
            Flag::LenientBase64 => case
                .properties
                .get(properties::SIGNATURE)
                .is_some_and(|s| decode_strict(s).is_err() && decode_lenient(s).is_ok()),
            Flag::OtherProject => case
                .secret
                .as_ref()
                .is_some_and(|s| s.owner.is_other_project()),
        }
    }
}

impl fmt::Display for Flag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

//! The aspects of the contract on which the profiles differ, and what a
//! target that behaves like a profile does there. Profile detection reads
//! each aspect off the cases that exercise it.

use serde::{Deserialize, Serialize};

use crate::Profile;

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
    /// Whether a consumer (Nova) validates the signing certificate against
    /// the trusted ones, and by which rules.
    CertificateValidation,
    /// Whether uploaded bytes must match the image's `disk_format`.
    FormatInspection,
}

impl Aspect {
    /// Every aspect.
    pub const ALL: [Aspect; 7] = [
        Aspect::PssSalt,
        Aspect::BinaryCurves,
        Aspect::KeyTypeNames,
        Aspect::SignatureLength,
        Aspect::FailedImages,
        Aspect::CertificateValidation,
        Aspect::FormatInspection,
    ];

    /// Human name.
    pub const fn title(self) -> &'static str {
        match self {
            Aspect::PssSalt => "PSS salt",
            Aspect::BinaryCurves => "binary curves",
            Aspect::KeyTypeNames => "ECC key type names",
            Aspect::SignatureLength => "signature length limit",
            Aspect::FailedImages => "failed images",
            Aspect::CertificateValidation => "certificate validation (consumer)",
            Aspect::FormatInspection => "format inspection",
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
            (Aspect::CertificateValidation, Profile::GlanceLegacy) => {
                "every validation fails -> cursive 0.3.1 on pyca/cryptography <= 41 \
                 (AttributeError): certificates cannot be validated"
            }
            (Aspect::CertificateValidation, _) => "validates certificates by cursive 0.3.1's rules",
            (Aspect::FormatInspection, Profile::Documented) => {
                "bytes not inspected: any data under any disk_format"
            }
            (Aspect::FormatInspection, _) => {
                "bytes must match disk_format, as Glance 33 inspects them (415, image left queued)"
            }
        }
    }
}

//! Named behaviour profiles: which upstream a target is held to.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::{KeyType, KeyTypeSpelling, PssVerifySalt};
use crate::Error;

/// What happens to an image whose upload failed verification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FailedUpload {
    /// The data is deleted and the record goes back to `queued` (Glance 33).
    LeftQueued,
    /// The image is deleted (what the user documentation says).
    Deleted,
}

/// A named set of expectations a target is held to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Profile {
    /// Today's upstream: Glance with cursive 0.3.x and pyca/cryptography
    /// ≥ 47 — any PSS salt, no binary curves, `ECC_` names, failed images
    /// left `queued`.
    GlanceCurrent,
    /// pyca/cryptography ≤ 41 — PSS salt must be exactly the maximum, all
    /// six curves.
    GlanceLegacy,
    /// The user documentation taken literally — bare curve names, a
    /// 255-character signature limit, failed images deleted.
    Documented,
}

impl Profile {
    /// Every profile.
    pub const ALL: [Profile; 3] = [
        Profile::GlanceCurrent,
        Profile::GlanceLegacy,
        Profile::Documented,
    ];

    /// The profile's name, e.g. `glance-current`.
    pub const fn name(self) -> &'static str {
        match self {
            Profile::GlanceCurrent => "glance-current",
            Profile::GlanceLegacy => "glance-legacy",
            Profile::Documented => "documented",
        }
    }

    /// One line saying what the profile stands for.
    pub const fn description(self) -> &'static str {
        match self {
            Profile::GlanceCurrent => {
                "Glance + cursive 0.3 + cryptography >= 47: any PSS salt, no SECT curves, failed images left queued"
            }
            Profile::GlanceLegacy => {
                "Glance + cryptography <= 41: PSS salt must be the maximum, all six curves, failed images left queued"
            }
            Profile::Documented => {
                "the user documentation taken literally: bare curve names, 255-character signatures, failed images deleted"
            }
        }
    }

    /// Whether the uploaded bytes must be what `disk_format` says (Glance
    /// 33's format inspection, on by default: a 415 after a good
    /// signature); the user documentation does not mention it.
    pub const fn inspects_formats(self) -> bool {
        !matches!(self, Profile::Documented)
    }

    /// How the verifier treats the RSA-PSS salt length.
    pub const fn pss_verify_salt(self) -> PssVerifySalt {
        match self {
            Profile::GlanceCurrent | Profile::Documented => PssVerifySalt::Auto,
            Profile::GlanceLegacy => PssVerifySalt::ExactMax,
        }
    }

    /// How elliptic-curve key types are spelled.
    pub const fn key_type_spelling(self) -> KeyTypeSpelling {
        match self {
            Profile::GlanceCurrent | Profile::GlanceLegacy => KeyTypeSpelling::Prefixed,
            Profile::Documented => KeyTypeSpelling::Bare,
        }
    }

    /// Whether the key type is registered at all (binary curves vanished
    /// with cryptography 47).
    pub const fn supports(self, key_type: KeyType) -> bool {
        match (self, key_type) {
            (Profile::GlanceCurrent, KeyType::Ecc(curve)) => !curve.is_binary(),
            _ => true,
        }
    }

    /// Whether a certificate's EC key may be written with explicit curve
    /// parameters: pyca/cryptography 50.0.2 loads such keys, 41.0.7 raises
    /// a `ValueError` cursive does not catch (both run here).
    pub const fn reads_explicit_ec_parameters(self) -> bool {
        match self {
            Profile::GlanceLegacy => false,
            Profile::GlanceCurrent | Profile::Documented => true,
        }
    }

    /// Whether a binary (SECT) curve may go either way: the user
    /// documentation warns that "not all ECC curves may be supported by the
    /// back end", so taken literally it promises neither answer.
    pub const fn leaves_binary_curves_open(self) -> bool {
        matches!(self, Profile::Documented)
    }

    /// The enforced limit on the length of `img_signature`, if any.
    pub const fn signature_char_limit(self) -> Option<usize> {
        match self {
            Profile::Documented => Some(255),
            Profile::GlanceCurrent | Profile::GlanceLegacy => None,
        }
    }

    /// The length rule on `img_signature` (the base64 text, counted in
    /// characters): the one check `SignatureProperties::parse` and
    /// `imgsig inspect` share.
    pub fn check_signature_length(self, signature: &str) -> Result<(), crate::Rejection> {
        match self.signature_char_limit() {
            Some(limit) => {
                let length = signature.chars().count();
                if length > limit {
                    Err(crate::Rejection::SignatureTooLong { length, limit })
                } else {
                    Ok(())
                }
            }
            None => Ok(()),
        }
    }

    /// What becomes of an image whose upload failed verification.
    pub const fn failed_upload(self) -> FailedUpload {
        match self {
            Profile::Documented => FailedUpload::Deleted,
            Profile::GlanceCurrent | Profile::GlanceLegacy => FailedUpload::LeftQueued,
        }
    }
}

impl fmt::Display for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl FromStr for Profile {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Profile::ALL
            .into_iter()
            .find(|p| p.name() == s)
            .ok_or_else(|| Error::UnknownProfile(s.to_owned()))
    }
}

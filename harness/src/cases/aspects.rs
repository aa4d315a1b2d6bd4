//! Which aspects of the contract a case exercises, derived from what the
//! case is (its family, key, PSS record and properties), never from the
//! spelling of its id.

use super::{Case, Family, Flag};
use crate::spec::{properties, Aspect, KeyType, KeyTypeSpelling, Profile};

impl Case {
    /// The aspects of the contract this case exercises.
    pub fn aspects(&self) -> Vec<Aspect> {
        Aspect::ALL
            .into_iter()
            .filter(|a| self.exercises(*a))
            .collect()
    }

    fn exercises(&self, aspect: Aspect) -> bool {
        let family = self.family();
        let property = |name: &str| self.properties.get(name).map(String::as_str);
        match aspect {
            // The salt regression cases; the matrix's maximum-salt cases
            // fit every profile and would say nothing.
            Aspect::PssSalt => family == Family::Reg && self.pss.is_some(),
            Aspect::BinaryCurves => Flag::BinaryCurve.applies(self),
            // The documentation's spelling, which the code does not take.
            Aspect::KeyTypeNames => {
                family == Family::Doc
                    && property(properties::KEY_TYPE).is_some_and(|v| {
                        KeyType::parse(v, KeyTypeSpelling::Prefixed).is_err()
                            && KeyType::parse(v, KeyTypeSpelling::Bare).is_ok()
                    })
            }
            // A documentation case over the documented limit.
            Aspect::SignatureLength => {
                family == Family::Doc
                    && property(properties::SIGNATURE).is_some_and(|s| {
                        Profile::Documented
                            .signature_char_limit()
                            .is_some_and(|limit| s.len() > limit)
                    })
            }
            // Every rejected case says what became of the image.
            Aspect::FailedImages => family == Family::Neg,
            // Read off consumer runs (`ConsumerCase`), not uploads.
            Aspect::CertificateValidation => false,
            // Bytes that are not what the case's disk format says.
            Aspect::FormatInspection => self.format_refusal().is_some(),
        }
    }
}

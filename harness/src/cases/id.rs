//! Case ids: a path through the contract, `<family>.<segment>[.<segment>…]`
//! (`sig.ecc-secp384r1.sha-384.valid`, `reg.pss-salt.digest.2048.sha-256`).
//! A [`CaseId`] is checked when it is made, so every id in the catalogue or
//! read from a corpus follows the grammar and names a [`Family`].

use std::fmt;
use std::ops::Deref;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// The families of the catalogue: the first segment of every id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Family {
    /// `sig.*`: good signatures, the full hash × key-type matrix.
    Sig,
    /// `neg.*`: tampered data, malformed and unknown properties, missing ones.
    Neg,
    /// `cert.*`: certificate payload forms, dates, curves, the project that
    /// stores it.
    Cert,
    /// `reg.*`: the RSA-PSS salt regressions.
    Reg,
    /// `doc.*`: where the documentation and the code disagree.
    Doc,
    /// `big.*`: images of 1 GiB and more, streamed from a seed.
    Big,
}

impl Family {
    /// Every family, in catalogue order.
    pub const ALL: [Family; 6] = [
        Family::Sig,
        Family::Neg,
        Family::Cert,
        Family::Reg,
        Family::Doc,
        Family::Big,
    ];

    /// The id segment: `sig`, `neg`, …
    pub const fn name(self) -> &'static str {
        match self {
            Family::Sig => "sig",
            Family::Neg => "neg",
            Family::Cert => "cert",
            Family::Reg => "reg",
            Family::Doc => "doc",
            Family::Big => "big",
        }
    }
}

impl fmt::Display for Family {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(self.name())
    }
}

impl FromStr for Family {
    type Err = Error;

    fn from_str(s: &str) -> Result<Family> {
        Family::ALL
            .into_iter()
            .find(|f| f.name() == s)
            .ok_or_else(|| Error::BadCaseId(s.to_owned()))
    }
}

/// A stable case id that follows the grammar.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CaseId {
    id: String,
    family: Family,
}

/// One segment: `[a-z0-9]+(-[a-z0-9]+)*`.
fn segment_ok(s: &str) -> bool {
    !s.is_empty()
        && s.split('-').all(|part| {
            !part.is_empty()
                && part
                    .bytes()
                    .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        })
}

impl CaseId {
    /// Check `id` against the grammar.
    pub fn new(id: impl Into<String>) -> Result<CaseId> {
        let id = id.into();
        let mut segments = id.split('.');
        let family = segments
            .next()
            .and_then(|f| f.parse().ok())
            .ok_or_else(|| Error::BadCaseId(id.clone()))?;
        let rest: Vec<&str> = segments.collect();
        if rest.is_empty() || !rest.iter().all(|s| segment_ok(s)) {
            return Err(Error::BadCaseId(id));
        }
        Ok(CaseId { id, family })
    }

    /// The family: the first segment.
    pub fn family(&self) -> Family {
        self.family
    }

    /// The id as text.
    pub fn as_str(&self) -> &str {
        &self.id
    }
}

impl Deref for CaseId {
    type Target = str;

    fn deref(&self) -> &str {
        &self.id
    }
}

impl AsRef<str> for CaseId {
    fn as_ref(&self) -> &str {
        &self.id
    }
}

impl PartialEq<str> for CaseId {
    fn eq(&self, other: &str) -> bool {
        self.id == other
    }
}

impl PartialEq<&str> for CaseId {
    fn eq(&self, other: &&str) -> bool {
        self.id == *other
    }
}

impl fmt::Display for CaseId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.id)
    }
}

impl TryFrom<String> for CaseId {
    type Error = Error;

    fn try_from(id: String) -> Result<CaseId> {
        CaseId::new(id)
    }
}

impl From<CaseId> for String {
    fn from(id: CaseId) -> String {
        id.id
    }
}

impl FromStr for CaseId {
    type Err = Error;

    fn from_str(s: &str) -> Result<CaseId> {
        CaseId::new(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_grammar() {
        for good in [
            "sig.ecc-secp384r1.sha-384.valid",
            "reg.pss-salt.digest.2048.sha-256",
            "neg.cert.wrong-key-type",
            "big.rsa-pss-2048.sha-256.1gib",
        ] {
            let id = CaseId::new(good).expect(good);
            assert_eq!(id.as_str(), good);
        }
        assert_eq!(
            CaseId::new("doc.x").map(|i| i.family()).ok(),
            Some(Family::Doc)
        );
        for bad in [
            "", "sig", "sig.", "xyz.a", "sig..a", "sig.A", "sig.a-", "sig.-a", "sig.a--b",
            "sig.a b", "sig.é",
        ] {
            assert!(CaseId::new(bad).is_err(), "{bad:?}");
        }
    }

    proptest! {
        #[test]
        fn ids_of_the_grammar_are_accepted_and_round_trip(
            family in prop::sample::select(Family::ALL.to_vec()),
            segments in prop::collection::vec("[a-z0-9]{1,4}(-[a-z0-9]{1,4}){0,2}", 1..5),
        ) {
            let text = format!("{family}.{}", segments.join("."));
            let id = CaseId::new(text.clone()).expect("grammatical");
            prop_assert_eq!(id.family(), family);
            let json = serde_json::to_string(&id).expect("json");
            prop_assert_eq!(serde_json::from_str::<CaseId>(&json).expect("back"), id);
        }

        #[test]
        fn anything_else_is_refused_without_panicking(text in "\\PC{0,40}") {
            if let Ok(id) = CaseId::new(text.clone()) {
                prop_assert!(text.split('.').skip(1).all(segment_ok));
                prop_assert_eq!(id.as_str(), text.as_str());
            }
        }
    }
}

//! `img_signature_key_type`: RSA-PSS, DSA and the six named elliptic curves.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::Error;

/// One of the six elliptic curves cursive knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Curve {
    /// sect571k1 (binary, Koblitz)
    #[serde(rename = "SECT571K1")]
    Sect571k1,
    /// sect409k1 (binary, Koblitz)
    #[serde(rename = "SECT409K1")]
    Sect409k1,
    /// sect571r1 (binary, random)
    #[serde(rename = "SECT571R1")]
    Sect571r1,
    /// sect409r1 (binary, random)
    #[serde(rename = "SECT409R1")]
    Sect409r1,
    /// secp521r1 (NIST P-521)
    #[serde(rename = "SECP521R1")]
    Secp521r1,
    /// secp384r1 (NIST P-384)
    #[serde(rename = "SECP384R1")]
    Secp384r1,
}

impl Curve {
    /// Every curve, in cursive's registration order.
    pub const ALL: [Curve; 6] = [
        Curve::Sect571k1,
        Curve::Sect409k1,
        Curve::Sect571r1,
        Curve::Sect409r1,
        Curve::Secp521r1,
        Curve::Secp384r1,
    ];

    /// Upper-case curve name as in the documentation, e.g. `SECP384R1`.
    pub const fn name(self) -> &'static str {
        match self {
            Curve::Sect571k1 => "SECT571K1",
            Curve::Sect409k1 => "SECT409K1",
            Curve::Sect571r1 => "SECT571R1",
            Curve::Sect409r1 => "SECT409R1",
            Curve::Secp521r1 => "SECP521R1",
            Curve::Secp384r1 => "SECP384R1",
        }
    }

    /// The SEC 2 name in lower case (`secp384r1`), as case ids spell it.
    pub const fn slug(self) -> &'static str {
        match self {
            Curve::Sect571k1 => "sect571k1",
            Curve::Sect409k1 => "sect409k1",
            Curve::Sect571r1 => "sect571r1",
            Curve::Sect409r1 => "sect409r1",
            Curve::Secp521r1 => "secp521r1",
            Curve::Secp384r1 => "secp384r1",
        }
    }

    /// Whether this is a binary-field curve (removed in pyca/cryptography 47).
    pub const fn is_binary(self) -> bool {
        matches!(
            self,
            Curve::Sect571k1 | Curve::Sect409k1 | Curve::Sect571r1 | Curve::Sect409r1
        )
    }

    fn from_name(name: &str) -> Option<Curve> {
        Curve::ALL.into_iter().find(|c| c.name() == name)
    }
}

impl fmt::Display for Curve {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// How elliptic-curve key types are spelled in `img_signature_key_type`.
///
/// The code (cursive) and Glance's metadefs use `ECC_SECP384R1`; the user
/// documentation lists bare curve names (`SECP384R1`), which Glance rejects.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum KeyTypeSpelling {
    /// `ECC_` + curve name, as the code registers them.
    Prefixed,
    /// The bare curve name, as the user documentation lists them.
    Bare,
}

/// A value of `img_signature_key_type`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyType {
    /// `RSA-PSS`: RSASSA-PSS, MGF1 with the message hash.
    RsaPss,
    /// `DSA`: DER-encoded (r, s).
    Dsa,
    /// `ECC_<CURVE>`: ECDSA, DER-encoded (r, s).
    Ecc(Curve),
}

/// The kind of public key a certificate must carry for a key type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum KeyFamily {
    /// RSA public key (for `RSA-PSS`).
    Rsa,
    /// DSA public key (for `DSA`).
    Dsa,
    /// Elliptic-curve public key (for every `ECC_*`).
    Ec,
}

impl fmt::Display for KeyFamily {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            KeyFamily::Rsa => "RSA",
            KeyFamily::Dsa => "DSA",
            KeyFamily::Ec => "EC",
        })
    }
}

impl KeyType {
    /// Every key type in the order the documentation lists them.
    pub const ALL: [KeyType; 8] = [
        KeyType::RsaPss,
        KeyType::Dsa,
        KeyType::Ecc(Curve::Sect571k1),
        KeyType::Ecc(Curve::Sect409k1),
        KeyType::Ecc(Curve::Sect571r1),
        KeyType::Ecc(Curve::Sect409r1),
        KeyType::Ecc(Curve::Secp521r1),
        KeyType::Ecc(Curve::Secp384r1),
    ];

    /// The property value as the code spells it (`RSA-PSS`, `ECC_SECP384R1`).
    pub fn as_property(self) -> String {
        self.spelled(KeyTypeSpelling::Prefixed)
    }

    /// The property value in the given spelling.
    pub fn spelled(self, spelling: KeyTypeSpelling) -> String {
        match (self, spelling) {
            (KeyType::RsaPss, _) => "RSA-PSS".to_owned(),
            (KeyType::Dsa, _) => "DSA".to_owned(),
            (KeyType::Ecc(c), KeyTypeSpelling::Prefixed) => format!("ECC_{}", c.name()),
            (KeyType::Ecc(c), KeyTypeSpelling::Bare) => c.name().to_owned(),
        }
    }

    /// Parse a property value written in `spelling` (exact, case-sensitive).
    pub fn parse(value: &str, spelling: KeyTypeSpelling) -> Result<KeyType, Error> {
        let invalid = || Error::InvalidKeyType(value.to_owned());
        match value {
            "RSA-PSS" => Ok(KeyType::RsaPss),
            "DSA" => Ok(KeyType::Dsa),
            other => {
                let name = match spelling {
                    KeyTypeSpelling::Prefixed => other.strip_prefix("ECC_").ok_or_else(invalid)?,
                    KeyTypeSpelling::Bare => other,
                };
                Curve::from_name(name).map(KeyType::Ecc).ok_or_else(invalid)
            }
        }
    }

    /// Lower-case form used in case ids, e.g. `rsa-pss`, `ecc-secp384r1`.
    pub fn slug(self) -> String {
        self.as_property().to_ascii_lowercase().replace('_', "-")
    }

    /// The public key family a certificate must carry for this key type.
    pub const fn family(self) -> KeyFamily {
        match self {
            KeyType::RsaPss => KeyFamily::Rsa,
            KeyType::Dsa => KeyFamily::Dsa,
            KeyType::Ecc(_) => KeyFamily::Ec,
        }
    }

    /// The named curve, for `ECC_*` key types.
    pub const fn curve(self) -> Option<Curve> {
        match self {
            KeyType::Ecc(c) => Some(c),
            _ => None,
        }
    }
}

impl fmt::Display for KeyType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.as_property())
    }
}

impl FromStr for KeyType {
    type Err = Error;

    /// Parses the code's spelling (`ECC_SECP384R1`).
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        KeyType::parse(s, KeyTypeSpelling::Prefixed)
    }
}

impl Serialize for KeyType {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.as_property())
    }
}

impl<'de> Deserialize<'de> for KeyType {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

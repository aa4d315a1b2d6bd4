//! Keys: what to generate, and private/public keys in a backend-neutral form
//! (PKCS#8 and SubjectPublicKeyInfo DER) that each backend parses itself.

use std::fmt;
use std::str::FromStr;

use openssl::nid::Nid;
use openssl::pkey::{Id, PKey, Private, Public};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::rsa_pss_key::{self, RsaPssKey};
use crate::{Error, Result};
use imgsig_contract::{Curve, KeyFamily, KeyType};

/// DSA domain sizes (L/N bits) from FIPS 186.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum DsaSize {
    /// 1024/160 (legacy).
    #[serde(rename = "1024-160")]
    L1024N160,
    /// 2048/224.
    #[serde(rename = "2048-224")]
    L2048N224,
    /// 2048/256.
    #[serde(rename = "2048-256")]
    L2048N256,
    /// 3072/256.
    #[serde(rename = "3072-256")]
    L3072N256,
}

impl DsaSize {
    /// Every size.
    pub const ALL: [DsaSize; 4] = [
        DsaSize::L1024N160,
        DsaSize::L2048N224,
        DsaSize::L2048N256,
        DsaSize::L3072N256,
    ];

    /// (L, N): bits of p and of q.
    pub const fn bits(self) -> (usize, usize) {
        match self {
            DsaSize::L1024N160 => (1024, 160),
            DsaSize::L2048N224 => (2048, 224),
            DsaSize::L2048N256 => (2048, 256),
            DsaSize::L3072N256 => (3072, 256),
        }
    }

    /// The size for (L, N), if it is one of the four.
    pub fn from_bits(l: usize, n: usize) -> Option<DsaSize> {
        DsaSize::ALL.into_iter().find(|s| s.bits() == (l, n))
    }
}

/// RSA modulus sizes of the conformance matrix.
pub const RSA_SIZES: [usize; 4] = [1024, 2048, 3072, 4096];

/// The largest RSA modulus the harness reads: OpenSSL's
/// `OPENSSL_RSA_MAX_MODULUS_BITS`, the bound pyca/cryptography meets when
/// it verifies (it sets none of its own). The RustCrypto `rsa` crate's
/// default bound of 4096 bits is lifted to this.
pub const RSA_MAX_BITS: usize = 16_384;

/// What kind of key to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeySpec {
    /// RSA with a modulus of this many bits (1024 to 8192, a multiple of 8).
    Rsa(usize),
    /// The same, written as an RSASSA-PSS key (`openssl genpkey -algorithm
    /// RSA-PSS`), with or without restrictions.
    RsaPss(usize, RsaPssKey),
    /// DSA with these domain sizes.
    Dsa(DsaSize),
    /// ECDSA on a named curve.
    Ec(Curve),
}

impl KeySpec {
    /// The specs of the conformance matrix: RSA 1024–4096, the four DSA
    /// sizes and the six curves.
    pub fn matrix() -> Vec<KeySpec> {
        RSA_SIZES
            .into_iter()
            .map(KeySpec::Rsa)
            .chain(DsaSize::ALL.into_iter().map(KeySpec::Dsa))
            .chain(Curve::ALL.into_iter().map(KeySpec::Ec))
            .collect()
    }

    /// The key type whose signatures this key makes.
    pub const fn key_type(self) -> KeyType {
        match self {
            KeySpec::Rsa(_) | KeySpec::RsaPss(..) => KeyType::RsaPss,
            KeySpec::Dsa(_) => KeyType::Dsa,
            KeySpec::Ec(c) => KeyType::Ecc(c),
        }
    }

    /// The algorithm a key of this spec has.
    pub fn algorithm(self) -> KeyAlgorithm {
        match self {
            KeySpec::Rsa(bits) | KeySpec::RsaPss(bits, _) => KeyAlgorithm::Rsa { bits },
            KeySpec::Dsa(size) => {
                let (p_bits, q_bits) = size.bits();
                KeyAlgorithm::Dsa { p_bits, q_bits }
            }
            KeySpec::Ec(curve) => KeyAlgorithm::Ec(EcCurve::Named(curve)),
        }
    }

    /// The spec for a key type and an optional size (`--bits`; for DSA the
    /// L size, with N from `q_bits` or the FIPS default for L).
    pub fn for_key_type(
        key_type: KeyType,
        bits: Option<usize>,
        q_bits: Option<usize>,
    ) -> Result<KeySpec> {
        match key_type {
            KeyType::RsaPss => {
                let bits = bits.unwrap_or(2048);
                if !(1024..=8192).contains(&bits) || bits % 8 != 0 {
                    return Err(Error::UnsupportedKeySize(format!(
                        "RSA-{bits}: use a multiple of 8 from 1024 to 8192"
                    )));
                }
                Ok(KeySpec::Rsa(bits))
            }
            KeyType::Dsa => {
                const SIZES: &str =
                    "1024/160, 2048/224, 2048/256 or 3072/256 (--bits L, --q-bits N)";
                let l = bits.unwrap_or(2048);
                let default_n = match l {
                    1024 => Some(160),
                    2048 | 3072 => Some(256),
                    _ => None,
                };
                let Some(n) = q_bits.or(default_n) else {
                    return Err(Error::UnsupportedKeySize(format!(
                        "DSA with a {l}-bit p: DSA keys are {SIZES}"
                    )));
                };
                DsaSize::from_bits(l, n).map(KeySpec::Dsa).ok_or_else(|| {
                    Error::UnsupportedKeySize(format!("DSA {l}/{n}: DSA keys are {SIZES}"))
                })
            }
            KeyType::Ecc(curve) => match bits {
                None => Ok(KeySpec::Ec(curve)),
                Some(b) => Err(Error::UnsupportedKeySize(format!(
                    "--bits {b} does not apply to {key_type}: the curve fixes the size"
                ))),
            },
        }
    }
}

impl fmt::Display for KeySpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeySpec::RsaPss(_, pss) => write!(f, "{} ({pss})", self.algorithm()),
            _ => self.algorithm().fmt(f),
        }
    }
}

/// The curve of an elliptic-curve key: one of the six, or any other curve
/// a certificate may carry (upstream does not compare the curve with the
/// key type).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum EcCurve {
    /// One of the six curves of the contract, named by its OID.
    Named(Curve),
    /// One of the six curves written out as explicit parameters (`openssl
    /// ecparam -param_enc explicit`), which OpenSSL recognises as that
    /// curve. Only the OpenSSL backend reads this form; pyca/cryptography
    /// 50.0.2 loads it and verifies as on the named curve, 41.0.7 refuses
    /// it ("ECDSA keys with explicit parameters are unsupported at this
    /// time", a `ValueError` cursive does not catch) — both run here.
    Explicit(Curve),
    /// Another curve, by OpenSSL short name (e.g. `prime256v1`).
    Other(String),
}

impl EcCurve {
    /// The contract's curve, however it is written.
    pub fn curve(&self) -> Option<Curve> {
        match self {
            EcCurve::Named(c) | EcCurve::Explicit(c) => Some(*c),
            EcCurve::Other(_) => None,
        }
    }
}

impl fmt::Display for EcCurve {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EcCurve::Named(c) => f.write_str(c.slug()),
            EcCurve::Explicit(c) => write!(f, "{}-explicit", c.slug()),
            EcCurve::Other(name) => f.write_str(name),
        }
    }
}

/// The algorithm and size of a key.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum KeyAlgorithm {
    /// RSA with a modulus of `bits` bits.
    Rsa {
        /// Modulus size in bits.
        bits: usize,
    },
    /// DSA with a `p_bits`-bit p and a `q_bits`-bit q.
    Dsa {
        /// Size of p in bits (L).
        p_bits: usize,
        /// Size of q in bits (N).
        q_bits: usize,
    },
    /// ECDSA on a curve.
    Ec(EcCurve),
}

impl KeyAlgorithm {
    /// The key family (what `img_signature_key_type` must match).
    pub const fn family(&self) -> KeyFamily {
        match self {
            KeyAlgorithm::Rsa { .. } => KeyFamily::Rsa,
            KeyAlgorithm::Dsa { .. } => KeyFamily::Dsa,
            KeyAlgorithm::Ec(_) => KeyFamily::Ec,
        }
    }

    /// The key type this key signs for, if the contract has one (an EC key
    /// on a curve outside the six has none).
    pub fn key_type(&self) -> Option<KeyType> {
        match self {
            KeyAlgorithm::Rsa { .. } => Some(KeyType::RsaPss),
            KeyAlgorithm::Dsa { .. } => Some(KeyType::Dsa),
            KeyAlgorithm::Ec(curve) => curve.curve().map(KeyType::Ecc),
        }
    }

    /// Short form used in case ids: `rsa-2048`, `dsa-2048-256`, `ecc-secp384r1`.
    pub fn slug(&self) -> String {
        match self {
            KeyAlgorithm::Rsa { bits } => format!("rsa-{bits}"),
            KeyAlgorithm::Dsa { p_bits, q_bits } => format!("dsa-{p_bits}-{q_bits}"),
            KeyAlgorithm::Ec(curve) => format!("ecc-{curve}"),
        }
    }
}

impl fmt::Display for KeyAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            KeyAlgorithm::Rsa { bits } => write!(f, "RSA {bits}-bit"),
            KeyAlgorithm::Dsa { p_bits, q_bits } => write!(f, "DSA {p_bits}/{q_bits}"),
            KeyAlgorithm::Ec(curve) => write!(f, "EC {curve}"),
        }
    }
}

impl FromStr for KeySpec {
    type Err = Error;

    /// Parses the slug form: `rsa-2048`, `dsa-2048-256`, `ecc-secp384r1`.
    fn from_str(s: &str) -> Result<Self> {
        KeySpec::matrix()
            .into_iter()
            .find(|k| k.algorithm().slug() == s)
            .or_else(|| {
                let bits = s.strip_prefix("rsa-")?.parse().ok()?;
                KeySpec::for_key_type(KeyType::RsaPss, Some(bits), None).ok()
            })
            .ok_or_else(|| Error::UnsupportedKeySize(s.to_owned()))
    }
}

fn algorithm_of<T: openssl::pkey::HasPublic>(pkey: &PKey<T>) -> Result<KeyAlgorithm> {
    match pkey.id() {
        // pyca/cryptography loads an RSASSA-PSS key as an RSA key.
        Id::RSA | Id::RSA_PSS => {
            let bits = pkey.bits() as usize;
            if bits > RSA_MAX_BITS {
                return Err(Error::UnsupportedKey(format!(
                    "RSA {bits}-bit: above OpenSSL's limit of {RSA_MAX_BITS} bits"
                )));
            }
            Ok(KeyAlgorithm::Rsa { bits })
        }
        Id::DSA => {
            let dsa = pkey.dsa()?;
            Ok(KeyAlgorithm::Dsa {
                p_bits: dsa.p().num_bits() as usize,
                q_bits: dsa.q().num_bits() as usize,
            })
        }
        Id::EC => {
            let ec = pkey.ec_key()?;
            let nid = ec
                .group()
                .curve_name()
                .ok_or_else(|| Error::UnsupportedKey("EC key with explicit parameters".into()))?;
            let named = Curve::ALL.into_iter().find(|c| curve_nid(*c) == nid);
            let explicit = ec.group().asn1_flag() == openssl::ec::Asn1Flag::EXPLICIT_CURVE;
            Ok(KeyAlgorithm::Ec(match (named, explicit) {
                (Some(c), false) => EcCurve::Named(c),
                (Some(c), true) => EcCurve::Explicit(c),
                (None, false) => EcCurve::Other(nid.short_name()?.to_owned()),
                (None, true) => {
                    return Err(Error::UnsupportedKey(format!(
                        "EC key with explicit parameters of {}",
                        nid.short_name()?
                    )))
                }
            }))
        }
        other => Err(Error::UnsupportedKey(format!(
            "key algorithm {} (expected RSA, DSA or EC)",
            other.as_raw()
        ))),
    }
}

/// OpenSSL's NID for a curve.
pub(crate) fn curve_nid(curve: Curve) -> Nid {
    match curve {
        Curve::Sect571k1 => Nid::SECT571K1,
        Curve::Sect409k1 => Nid::SECT409K1,
        Curve::Sect571r1 => Nid::SECT571R1,
        Curve::Sect409r1 => Nid::SECT409R1,
        Curve::Secp521r1 => Nid::SECP521R1,
        Curve::Secp384r1 => Nid::SECP384R1,
    }
}

pub(crate) fn is_pem(bytes: &[u8]) -> bool {
    bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .is_some_and(|start| bytes[start..].starts_with(b"-----BEGIN"))
}

/// A private key, held as PKCS#8 DER (zeroed on drop).
#[derive(Clone)]
pub struct PrivateKey {
    der: Zeroizing<Vec<u8>>,
    algorithm: KeyAlgorithm,
    rsa_pss: Option<RsaPssKey>,
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKey")
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

impl PrivateKey {
    /// Generate a fresh key. RSA and EC keys come from OpenSSL; DSA keys
    /// from the RustCrypto `dsa` crate, the only one of the two that lets
    /// us choose N as well as L.
    pub fn generate(spec: KeySpec) -> Result<PrivateKey> {
        let der = match spec {
            KeySpec::Rsa(bits) => {
                let rsa = openssl::rsa::Rsa::generate(bits as u32)?;
                PKey::from_rsa(rsa)?.private_key_to_pkcs8()?
            }
            KeySpec::RsaPss(bits, pss) => {
                let rsa = openssl::rsa::Rsa::generate(bits as u32)?;
                let plain = Zeroizing::new(PKey::from_rsa(rsa)?.private_key_to_pkcs8()?);
                rsa_pss_key::as_rsa_pss_pkcs8(&plain, pss)?.to_vec()
            }
            KeySpec::Ec(curve) => {
                let group = openssl::ec::EcGroup::from_curve_name(curve_nid(curve))?;
                let ec = openssl::ec::EcKey::generate(&group)?;
                PKey::from_ec_key(ec)?.private_key_to_pkcs8()?
            }
            KeySpec::Dsa(size) => super::rustcrypto::generate_dsa_pkcs8(size)?,
        };
        PrivateKey::from_pkcs8_der(der)
    }

    fn from_pkcs8_der(der: Vec<u8>) -> Result<PrivateKey> {
        let der = Zeroizing::new(der);
        let pkey = PKey::private_key_from_pkcs8(&der).map_err(|e| Error::BadKey {
            what: "private key",
            detail: e.to_string(),
        })?;
        let algorithm = algorithm_of(&pkey)?;
        let rsa_pss = rsa_pss_key::spki_pss(&pkey.public_key_to_der()?)?;
        Ok(PrivateKey {
            der,
            algorithm,
            rsa_pss,
        })
    }

    /// Read a private key in PEM (PKCS#8, PKCS#1, SEC1, DSA) or DER (PKCS#8).
    pub fn from_pem_or_der(bytes: &[u8]) -> Result<PrivateKey> {
        let bad = |e: openssl::error::ErrorStack| Error::BadKey {
            what: "private key",
            detail: e.to_string(),
        };
        let pkey = if is_pem(bytes) {
            PKey::private_key_from_pem(bytes).map_err(bad)?
        } else {
            PKey::private_key_from_der(bytes).map_err(bad)?
        };
        PrivateKey::from_pkcs8_der(pkey.private_key_to_pkcs8()?)
    }

    /// The key's algorithm and size.
    pub fn algorithm(&self) -> &KeyAlgorithm {
        &self.algorithm
    }

    /// PKCS#8 DER, as read or generated (an RSASSA-PSS key keeps its
    /// algorithm identifier).
    pub fn pkcs8_der(&self) -> &[u8] {
        &self.der
    }

    /// For a key written as an RSASSA-PSS key: its parameters.
    pub fn rsa_pss(&self) -> Option<RsaPssKey> {
        self.rsa_pss
    }

    /// PKCS#8 DER as the backends sign with it: an RSASSA-PSS key as a
    /// plain RSA key, its restrictions dropped (upstream ignores them when
    /// verifying, so signatures the key's restrictions forbid are cases).
    pub(crate) fn signing_pkcs8_der(&self) -> Result<Zeroizing<Vec<u8>>> {
        rsa_pss_key::rsa_encryption_pkcs8(&self.der)
    }

    /// PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`).
    pub fn to_pem(&self) -> Result<Zeroizing<Vec<u8>>> {
        Ok(Zeroizing::new(
            self.to_openssl()?.private_key_to_pem_pkcs8()?,
        ))
    }

    /// The matching public key.
    pub fn public_key(&self) -> Result<PublicKey> {
        let spki = self.to_openssl()?.public_key_to_der()?;
        Ok(PublicKey {
            der: spki,
            algorithm: self.algorithm.clone(),
            rsa_pss: self.rsa_pss,
        })
    }

    pub(crate) fn to_openssl(&self) -> Result<PKey<Private>> {
        Ok(PKey::private_key_from_pkcs8(&self.der)?)
    }
}

/// A public key, held as SubjectPublicKeyInfo DER.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    der: Vec<u8>,
    algorithm: KeyAlgorithm,
    rsa_pss: Option<RsaPssKey>,
}

impl PublicKey {
    /// Read a SubjectPublicKeyInfo in PEM or DER.
    pub fn from_pem_or_der(bytes: &[u8]) -> Result<PublicKey> {
        let bad = |e: openssl::error::ErrorStack| Error::BadKey {
            what: "public key",
            detail: e.to_string(),
        };
        let pkey = if is_pem(bytes) {
            PKey::public_key_from_pem(bytes).map_err(bad)?
        } else {
            PKey::public_key_from_der(bytes).map_err(bad)?
        };
        PublicKey::from_openssl(&pkey)
    }

    pub(crate) fn from_openssl(pkey: &PKey<Public>) -> Result<PublicKey> {
        let der = pkey.public_key_to_der()?;
        Ok(PublicKey {
            rsa_pss: rsa_pss_key::spki_pss(&der)?,
            algorithm: algorithm_of(pkey)?,
            der,
        })
    }

    /// For a key written as an RSASSA-PSS key: its parameters.
    pub fn rsa_pss(&self) -> Option<RsaPssKey> {
        self.rsa_pss
    }

    /// SubjectPublicKeyInfo DER as upstream reads the key: an RSASSA-PSS
    /// key as a plain RSA key (rsaEncryption), everything else unchanged.
    pub fn verifying_spki_der(&self) -> Result<Vec<u8>> {
        rsa_pss_key::rsa_encryption_spki(&self.der)
    }

    /// The key's algorithm and size.
    pub fn algorithm(&self) -> &KeyAlgorithm {
        &self.algorithm
    }

    /// SubjectPublicKeyInfo DER, as read (an RSASSA-PSS key keeps its
    /// algorithm identifier).
    pub fn spki_der(&self) -> &[u8] {
        &self.der
    }

    /// SubjectPublicKeyInfo PEM (`-----BEGIN PUBLIC KEY-----`).
    pub fn to_pem(&self) -> Result<Vec<u8>> {
        Ok(self.to_openssl()?.public_key_to_pem()?)
    }

    pub(crate) fn to_openssl(&self) -> Result<PKey<Public>> {
        Ok(PKey::public_key_from_der(&self.der)?)
    }
}

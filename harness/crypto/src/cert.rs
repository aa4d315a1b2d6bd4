//! X.509 certificates: building them for every key type (self-signed or
//! issued by a CA), and reading them in PEM or DER.

use std::time::{SystemTime, UNIX_EPOCH};

use openssl::asn1::{Asn1Integer, Asn1Time};
use openssl::bn::BigNum;
use openssl::hash::MessageDigest;
use openssl::x509::extension::{BasicConstraints, KeyUsage, SubjectKeyIdentifier};
use openssl::x509::{X509Builder, X509NameBuilder, X509};
use x509_cert::der::Decode as _;

use super::keys::{PrivateKey, PublicKey};
use crate::rsa_pss_key::{PssDigest, RsaPssKey};
use crate::{Error, Result};

/// One day in seconds.
pub const DAY: i64 = 86_400;

/// Seconds since the Unix epoch, now.
pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// The `basicConstraints` extension of a certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Constraints {
    /// `CA:TRUE`.
    pub ca: bool,
    /// `pathlen:N`.
    pub path_len: Option<u32>,
}

/// The `keyUsage` extension of a certificate to build.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyUsageExtension {
    /// No keyUsage extension at all.
    Absent,
    /// digitalSignature only (a signing certificate that signs no certificates).
    DigitalSignature,
    /// digitalSignature and keyCertSign (a CA).
    CertificateSigning,
}

/// What to put in a certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateParams {
    /// Subject common name.
    pub common_name: String,
    /// Start of validity, Unix seconds.
    pub not_before: i64,
    /// End of validity, Unix seconds.
    pub not_after: i64,
    /// `basicConstraints` (critical), or none at all.
    pub constraints: Option<Constraints>,
    /// The `keyUsage` extension.
    pub key_usage: KeyUsageExtension,
    /// Serial number.
    pub serial: u64,
}

impl CertificateParams {
    /// A signing certificate valid from a day ago for `days` days, marked as
    /// a CA that may sign certificates (so it can also anchor a trust
    /// store, as cursive requires of trusted certificates).
    pub fn new(common_name: impl Into<String>, days: i64) -> CertificateParams {
        let now = unix_now();
        CertificateParams {
            common_name: common_name.into(),
            not_before: now - DAY,
            not_after: now + days * DAY,
            constraints: Some(Constraints {
                ca: true,
                path_len: None,
            }),
            key_usage: KeyUsageExtension::CertificateSigning,
            serial: 1,
        }
    }

    /// A certificate for `key`, signed by itself.
    pub fn self_signed(&self, key: &PrivateKey) -> Result<Certificate> {
        let subject = key.public_key()?;
        self.build(&subject, key, None)
    }

    /// A certificate for `subject`, issued by the CA `issuer` with key
    /// `issuer_key`.
    pub fn signed_by(
        &self,
        subject: &PublicKey,
        issuer_key: &PrivateKey,
        issuer: &Certificate,
    ) -> Result<Certificate> {
        self.build(subject, issuer_key, Some(issuer))
    }

    fn build(
        &self,
        subject: &PublicKey,
        signer: &PrivateKey,
        issuer: Option<&Certificate>,
    ) -> Result<Certificate> {
        let mut name = X509NameBuilder::new()?;
        name.append_entry_by_text("CN", &self.common_name)?;
        let name = name.build();
        let subject_key = subject.to_openssl()?;

        let mut b = X509Builder::new()?;
        b.set_version(2)?;
        let serial = BigNum::from_dec_str(&self.serial.to_string())?;
        b.set_serial_number(Asn1Integer::from_bn(&serial)?.as_ref())?;
        b.set_subject_name(&name)?;
        let issuer_x509 = issuer.map(Certificate::openssl);
        match &issuer_x509 {
            Some(i) => b.set_issuer_name(i.subject_name())?,
            None => b.set_issuer_name(&name)?,
        }
        b.set_pubkey(&subject_key)?;
        b.set_not_before(Asn1Time::from_unix(self.not_before)?.as_ref())?;
        b.set_not_after(Asn1Time::from_unix(self.not_after)?.as_ref())?;
        if let Some(c) = self.constraints {
            let mut bc = BasicConstraints::new();
            bc.critical();
            if c.ca {
                bc.ca();
            }
            if let Some(n) = c.path_len {
                bc.pathlen(n);
            }
            b.append_extension(bc.build()?)?;
        }
        if self.key_usage != KeyUsageExtension::Absent {
            let mut ku = KeyUsage::new();
            ku.critical().digital_signature();
            if self.key_usage == KeyUsageExtension::CertificateSigning {
                ku.key_cert_sign();
            }
            b.append_extension(ku.build()?)?;
        }
        let ski = SubjectKeyIdentifier::new()
            .build(&b.x509v3_context(issuer_x509.map(|x| &**x), None))?;
        b.append_extension(ski)?;
        // A restricted RSASSA-PSS key signs only with its own digest (and
        // OpenSSL then writes an RSASSA-PSS signature algorithm).
        let digest = match signer.rsa_pss().and_then(RsaPssKey::params) {
            Some(p) => match p.hash {
                PssDigest::Sha1 => MessageDigest::sha1(),
                PssDigest::Sha224 => MessageDigest::sha224(),
                PssDigest::Sha256 => MessageDigest::sha256(),
                PssDigest::Sha384 => MessageDigest::sha384(),
                PssDigest::Sha512 => MessageDigest::sha512(),
            },
            None => MessageDigest::sha256(),
        };
        let signer = signer.to_openssl()?;
        b.sign(&signer, digest)?;
        Certificate::from_x509(b.build())
    }
}

/// An X.509 certificate: its DER, and OpenSSL's reading of it, made once
/// (reading a certificate is most of what checking a small one costs).
#[derive(Debug, Clone)]
pub struct Certificate {
    der: Vec<u8>,
    x509: X509,
}

impl PartialEq for Certificate {
    fn eq(&self, other: &Certificate) -> bool {
        self.der == other.der
    }
}

impl Eq for Certificate {}

impl Certificate {
    fn from_x509(x509: X509) -> Result<Certificate> {
        Ok(Certificate {
            der: x509.to_der()?,
            x509,
        })
    }

    /// Read a certificate in PEM or DER.
    pub fn from_pem_or_der(bytes: &[u8]) -> Result<Certificate> {
        let bad = |e: openssl::error::ErrorStack| Error::BadKey {
            what: "certificate",
            detail: e.to_string(),
        };
        let (x509, der) = if super::keys::is_pem(bytes) {
            (X509::from_pem(bytes).map_err(bad)?, pem_body(bytes))
        } else {
            (X509::from_der(bytes).map_err(bad)?, Some(bytes.to_vec()))
        };
        // OpenSSL reads some BER (a length in more octets than needed) and
        // some values DER forbids (a UTCTime without seconds or with an
        // offset, a BOOLEAN TRUE as 01, a SET OF out of order);
        // pyca/cryptography, which Glance loads certificates with, reads
        // DER only ("error parsing asn1 value: … InvalidLength",
        // "InvalidValue" or "InvalidSetOrdering", 41.0.7 and 50.0.2 alike,
        // tried: `tests/certificate_encoding.rs`). x509-cert checks all but
        // the order.
        if let Some(der) = der {
            let strict = x509_cert::Certificate::from_der(&der).and_then(|_| sets_in_order(&der));
            strict.map_err(|e| Error::BadKey {
                what: "certificate",
                detail: format!(
                    "not DER ({e}): OpenSSL reads it, but pyca/cryptography, which Glance \
                     loads certificates with, refuses it"
                ),
            })?;
        }
        Certificate::from_x509(x509)
    }

    /// DER encoding.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// PEM encoding.
    pub fn to_pem(&self) -> Result<Vec<u8>> {
        Ok(self.x509.to_pem()?)
    }

    /// The subject's public key.
    pub fn public_key(&self) -> Result<PublicKey> {
        PublicKey::from_openssl(&self.x509.public_key()?)
    }

    /// OpenSSL's reading of the certificate.
    pub(crate) fn openssl(&self) -> &X509 {
        &self.x509
    }
}

/// `der` (taken as it is, whatever its encoding) as a PEM `CERTIFICATE`
/// block of 64 base64 characters a line.
pub fn pem_of_der(der: &[u8]) -> Vec<u8> {
    let b64 = imgsig_contract::base64::encode(der);
    let mut pem = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in b64.as_bytes().chunks(64) {
        pem.push_str(&String::from_utf8_lossy(line));
        pem.push('\n');
    }
    pem.push_str("-----END CERTIFICATE-----\n");
    pem.into_bytes()
}

/// The DER of the first `CERTIFICATE` (or `X509 CERTIFICATE`) block of a
/// PEM text, as OpenSSL and pyca/cryptography pick it; `None` where the
/// block cannot be decoded here (OpenSSL's reading then stands alone).
fn pem_body(pem: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(pem).ok()?;
    let mut lines = text.lines().map(str::trim);
    lines.find(|l| {
        *l == "-----BEGIN CERTIFICATE-----" || *l == "-----BEGIN X509 CERTIFICATE-----"
    })?;
    let body: String = lines.take_while(|l| !l.starts_with("-----END")).collect();
    imgsig_contract::base64::decode_strict(&body).ok()
}

/// Whether every SET inside the DER element `der` holds its elements in
/// DER's order (their encodings ascending, X.690 11.6), which
/// pyca/cryptography requires of a certificate's names and x509-cert does
/// not check. Every SET outside the extensions' OCTET STRINGs is held to
/// it, so one inside algorithm parameters (which pyca does not parse) is
/// refused here alone; none of the catalogue's certificates has one.
fn sets_in_order(der: &[u8]) -> std::result::Result<(), x509_cert::der::Error> {
    use x509_cert::der::asn1::AnyRef;
    use x509_cert::der::{ErrorKind, Reader, SliceReader, Tag, Tagged};

    /// The encodings of the elements `value` is made of.
    fn elements(value: &[u8]) -> std::result::Result<Vec<&[u8]>, x509_cert::der::Error> {
        let mut reader = SliceReader::new(value)?;
        let mut out = Vec::new();
        while !reader.is_finished() {
            let start = usize::try_from(reader.position())?;
            AnyRef::decode(&mut reader)?;
            out.push(&value[start..usize::try_from(reader.position())?]);
        }
        Ok(out)
    }
    // Without recursion: nesting is the input's to choose.
    let mut pending = vec![der];
    while let Some(encoding) = pending.pop() {
        let element = AnyRef::from_der(encoding)?;
        if element.tag().is_constructed() {
            let inside = elements(element.value())?;
            if element.tag() == Tag::Set && inside.windows(2).any(|pair| pair[0] > pair[1]) {
                return Err(ErrorKind::SetOrdering.into());
            }
            pending.extend(inside);
        }
    }
    Ok(())
}

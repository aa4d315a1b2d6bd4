//! Why an upload is refused, worded exactly as upstream words it.
//!
//! Reports compare these texts with what a target answered, so the
//! `Display` output of each variant is cursive's reason string and
//! [`Rejection::glance_message`] is the text Glance puts in its 400 body.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A reason upstream gives for refusing a signed image.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", content = "detail", rename_all = "kebab-case")]
pub enum Rejection {
    /// `img_signature` is not base64 (wrong padding, one dangling character).
    BadBase64,
    /// `img_signature` holds non-ASCII characters: Python raises a
    /// `ValueError` cursive does not catch, so upstream's answer is not a
    /// verification error (implementation-defined).
    NonAsciiSignature,
    /// `img_signature_hash_method` is not one of the four names.
    InvalidHashMethod(String),
    /// `img_signature_key_type` is not a registered key type.
    InvalidKeyType(String),
    /// The key manager has no secret with this id.
    CertificateNotFound(String),
    /// The key manager failed (unreachable, 5xx, forbidden).
    CertificateUnavailable(String),
    /// The secret is not an X.509 certificate (castellan's format name).
    InvalidCertificateFormat(String),
    /// The secret is a certificate, but its payload is not one: upstream
    /// raises an uncaught `ValueError` (a 500 from Glance), so the answer is
    /// implementation-defined.
    UnreadableCertificate(String),
    /// The certificate's public key does not belong to the key type's family.
    InvalidPublicKeyType(String),
    /// The decoded signature is empty.
    VerifierCreation,
    /// The signature does not match the data.
    SignatureMismatch,
    /// The documented 255-character limit on `img_signature` (documented
    /// profile only; Glance does not enforce it).
    SignatureTooLong {
        /// Characters in the property value.
        length: usize,
        /// The documented limit.
        limit: usize,
    },
    /// A consumer (cursive's `get_verifier` in Nova's download path) found
    /// a signature property missing; cursive's name for it
    /// (`img_signature_uuid` for the certificate id). Glance uploads such an
    /// image unverified; Nova with verification on refuses it.
    MissingProperty(String),
    /// A consumer validates certificates but was given no trusted
    /// certificate ids (Nova's `enable_certificate_validation` without
    /// `default_trusted_certificate_ids`).
    NoTrustedCertificates,
    /// The signing certificate does not chain to the trusted certificates:
    /// cursive's `verify_certificate` message.
    UntrustedCertificate(String),
    /// The bytes are not what the image's `disk_format` says (Glance 33's
    /// format inspection, after a good signature): a 415 with this detail
    /// ([`crate::disk_format::FormatRefusal`]'s text).
    ImageFormat(String),
}

impl Rejection {
    /// Whether upstream's answer to this rejection is implementation-defined:
    /// upstream raises an uncaught Python exception here (a non-ASCII
    /// signature, an unreadable certificate payload), not a verification
    /// error, so any answer conforms.
    pub const fn is_implementation_defined(&self) -> bool {
        matches!(
            self,
            Rejection::NonAsciiSignature | Rejection::UnreadableCertificate(_)
        )
    }

    /// The full text of Glance's 400 answer for image `image_id` (its 415
    /// for [`Rejection::ImageFormat`]).
    ///
    /// A signature mismatch is raised by Glance itself with the bare text
    /// "Signature verification failed"; every other reason comes from
    /// cursive wrapped as "Signature verification for the image failed:
    /// `<reason>.`" (see `wire/transcript.md`).
    pub fn glance_message(&self, image_id: &str) -> String {
        match self {
            Rejection::ImageFormat(detail) => crate::disk_format::media_type_message(detail),
            Rejection::SignatureMismatch => {
                format!("Signature verification failed for image {image_id}: {self}")
            }
            other => format!(
                "Signature verification failed for image {image_id}: \
                 Signature verification for the image failed: {other}."
            ),
        }
    }

    /// A short stable label for reports and expectations, e.g.
    /// `invalid-key-type`.
    pub fn label(&self) -> &'static str {
        match self {
            Rejection::BadBase64 => "bad-base64",
            Rejection::NonAsciiSignature => "non-ascii-signature",
            Rejection::InvalidHashMethod(_) => "invalid-hash-method",
            Rejection::InvalidKeyType(_) => "invalid-key-type",
            Rejection::CertificateNotFound(_) => "certificate-not-found",
            Rejection::CertificateUnavailable(_) => "certificate-unavailable",
            Rejection::InvalidCertificateFormat(_) => "invalid-certificate-format",
            Rejection::UnreadableCertificate(_) => "unreadable-certificate",
            Rejection::InvalidPublicKeyType(_) => "invalid-public-key-type",
            Rejection::VerifierCreation => "verifier-creation",
            Rejection::SignatureMismatch => "signature-mismatch",
            Rejection::SignatureTooLong { .. } => "signature-too-long",
            Rejection::MissingProperty(_) => "missing-property",
            Rejection::NoTrustedCertificates => "no-trusted-certificates",
            Rejection::UntrustedCertificate(_) => "untrusted-certificate",
            Rejection::ImageFormat(_) => "image-format",
        }
    }
}

impl fmt::Display for Rejection {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Rejection::BadBase64 => {
                f.write_str("The signature data was not properly encoded using base64")
            }
            Rejection::NonAsciiSignature => {
                f.write_str("string argument should contain only ASCII characters")
            }
            Rejection::InvalidHashMethod(m) => write!(f, "Invalid signature hash method: {m}"),
            Rejection::InvalidKeyType(t) => write!(f, "Invalid signature key type: {t}"),
            Rejection::CertificateNotFound(id) => write!(f, "Certificate not found with ID: {id}"),
            Rejection::CertificateUnavailable(id) => {
                write!(f, "Unable to retrieve certificate with ID: {id}")
            }
            Rejection::InvalidCertificateFormat(fmt_name) => {
                write!(f, "Invalid certificate format: {fmt_name}")
            }
            Rejection::UnreadableCertificate(id) => {
                write!(f, "Unable to load the certificate with ID: {id}")
            }
            Rejection::InvalidPublicKeyType(t) => {
                write!(f, "Invalid public key type for signature key type: {t}")
            }
            Rejection::VerifierCreation => {
                f.write_str("Error occurred while creating the verifier")
            }
            Rejection::SignatureMismatch => f.write_str("Signature verification failed"),
            Rejection::SignatureTooLong { length, limit } => write!(
                f,
                "img_signature is {length} characters long; the documented limit is {limit}"
            ),
            Rejection::MissingProperty(name) => write!(
                f,
                "Required image properties for signature verification do not exist. Cannot \
                 verify signature. Missing property: {name}"
            ),
            Rejection::NoTrustedCertificates => f.write_str(
                "Image signature certificate validation enabled, but no trusted certificate IDs \
                 were provided. Unable to validate the certificate used to verify the image \
                 signature.",
            ),
            Rejection::UntrustedCertificate(message) | Rejection::ImageFormat(message) => {
                f.write_str(message)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn glance_messages_match_the_wire_transcript() {
        let id = "23a81d0f-ca12-487b-85fa-d89a30f4a5ff";
        assert_eq!(
            Rejection::CertificateNotFound("00000000-0000-0000-0000-000000000000".into())
                .glance_message(id),
            "Signature verification failed for image 23a81d0f-ca12-487b-85fa-d89a30f4a5ff: \
             Signature verification for the image failed: Certificate not found with ID: \
             00000000-0000-0000-0000-000000000000."
        );
        assert_eq!(
            Rejection::SignatureMismatch.glance_message(id),
            "Signature verification failed for image 23a81d0f-ca12-487b-85fa-d89a30f4a5ff: \
             Signature verification failed"
        );
        assert_eq!(
            Rejection::InvalidKeyType("SECP384R1".into()).glance_message(id),
            "Signature verification failed for image 23a81d0f-ca12-487b-85fa-d89a30f4a5ff: \
             Signature verification for the image failed: Invalid signature key type: SECP384R1."
        );
    }
}

//! The shape of a trust situation, for the reports' trust section: how
//! long the certificate chain is and what is wrong with it. It describes
//! what a case was built as, never its verdict (a pathLenConstraint of 1
//! above one intermediate is a shape; whether it is trusted is the rules'
//! answer).

use std::fmt;

use serde::{Deserialize, Serialize};

/// A certificate's place in a chain.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Link {
    /// The signing certificate.
    Signing,
    /// An intermediate CA.
    Intermediate,
    /// The root CA.
    Root,
}

impl Link {
    const fn word(self) -> &'static str {
        match self {
            Link::Signing => "signing certificate",
            Link::Intermediate => "intermediate",
            Link::Root => "root",
        }
    }
}

/// What is wrong with a chain, or with what a consumer is handed beside it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ChainDefect {
    /// Nothing: a plain chain, every link trusted.
    None,
    /// Links of different key types (DSA, RSA, EC) and nothing else wrong.
    MixedKeyTypes,
    /// A certificate past its validity.
    Expired(Link),
    /// A certificate before its validity.
    NotYetValid(Link),
    /// The issuer's basicConstraints say CA:FALSE.
    IssuerNotCa,
    /// The issuer has no basicConstraints.
    IssuerWithoutBasicConstraints,
    /// The issuer has no keyUsage.
    IssuerWithoutKeyUsage,
    /// The issuer's keyUsage lacks keyCertSign.
    IssuerWithoutKeyCertSign,
    /// A pathLenConstraint of `limit` with `below` intermediates under it.
    PathLength {
        /// The constraint.
        limit: u32,
        /// Intermediate CAs below the constrained one.
        below: u32,
    },
    /// A CA with the issuer's name and another key, trusted before the
    /// real issuer.
    ImpostorBeforeIssuer,
    /// Only a CA with the issuer's name and another key is trusted.
    ImpostorOnly,
    /// The intermediate is not in the trusted set.
    IntermediateNotTrusted,
    /// The root is not in the trusted set.
    RootNotTrusted,
    /// A self-signed signing certificate outside the trusted set.
    SelfSignedUntrusted,
    /// A trusted self-signed signing certificate without the CA flag.
    SelfSignedNotCa,
    /// One trusted id names no secret; the chain is in the others.
    TrustedIdMissing,
    /// The trusted id that should hold the root names no secret.
    IssuerIdMissing,
    /// Two CAs that issued each other, no self-signed root.
    IssuedEachOther,
    /// The image data is changed after the upload.
    DataSwapped,
    /// The image is not signed.
    Unsigned,
    /// No trusted ids are handed over.
    NoTrustedIds,
    /// The signing certificate's secret is deleted after the upload.
    SigningCertificateDeleted,
    /// Nothing: the image is another project's, shared with the
    /// consumer's, and so is its signing certificate (a Barbican ACL).
    SharedImage,
    /// The image is shared with the consumer's project, its signing
    /// certificate is not.
    SigningCertificateNotShared,
    /// The trusted certificates are the owner's secrets, which the
    /// consumer's project cannot read.
    TrustedOfOwner,
}

impl fmt::Display for ChainDefect {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ChainDefect::None => f.write_str("nothing"),
            ChainDefect::MixedKeyTypes => f.write_str("nothing (mixed key types)"),
            ChainDefect::Expired(link) => write!(f, "{} expired", link.word()),
            ChainDefect::NotYetValid(link) => write!(f, "{} not yet valid", link.word()),
            ChainDefect::IssuerNotCa => f.write_str("issuer CA:FALSE"),
            ChainDefect::IssuerWithoutBasicConstraints => {
                f.write_str("issuer without basicConstraints")
            }
            ChainDefect::IssuerWithoutKeyUsage => f.write_str("issuer without keyUsage"),
            ChainDefect::IssuerWithoutKeyCertSign => {
                f.write_str("issuer's keyUsage without keyCertSign")
            }
            ChainDefect::PathLength { limit, below: 1 } => {
                write!(f, "pathLenConstraint {limit}, 1 intermediate below")
            }
            ChainDefect::PathLength { limit, below } => {
                write!(f, "pathLenConstraint {limit}, {below} intermediates below")
            }
            ChainDefect::ImpostorBeforeIssuer => f.write_str("impostor issuer trusted first"),
            ChainDefect::ImpostorOnly => f.write_str("only an impostor issuer trusted"),
            ChainDefect::IntermediateNotTrusted => f.write_str("intermediate not trusted"),
            ChainDefect::RootNotTrusted => f.write_str("root not trusted"),
            ChainDefect::SelfSignedUntrusted => f.write_str("self-signed, not trusted"),
            ChainDefect::SelfSignedNotCa => f.write_str("self-signed without CA flag"),
            ChainDefect::TrustedIdMissing => f.write_str("one trusted id missing"),
            ChainDefect::IssuerIdMissing => f.write_str("the root's trusted id missing"),
            ChainDefect::IssuedEachOther => f.write_str("two CAs issued each other"),
            ChainDefect::DataSwapped => f.write_str("data swapped after upload"),
            ChainDefect::Unsigned => f.write_str("image not signed"),
            ChainDefect::NoTrustedIds => f.write_str("no trusted ids"),
            ChainDefect::SigningCertificateDeleted => {
                f.write_str("signing certificate deleted after upload")
            }
            ChainDefect::SharedImage => f.write_str("nothing (a shared image)"),
            ChainDefect::SigningCertificateNotShared => {
                f.write_str("shared image, signing certificate not shared")
            }
            ChainDefect::TrustedOfOwner => {
                f.write_str("shared image, trusted certificates the owner's")
            }
        }
    }
}

/// A chain's shape: how many certificates from the signing certificate to
/// its root (the signing certificate counts; a self-signed one is 1), and
/// what is wrong.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Chain {
    /// Certificates in the chain as built (an untrusted link counts).
    pub depth: u8,
    /// What is wrong with it.
    pub defect: ChainDefect,
}

impl fmt::Display for Chain {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "depth {}, {}", self.depth, self.defect)
    }
}

//! What targets and the runner need of a case. The catalogue's [`Case`]
//! implements it (also when loaded back from the corpus); so can anything
//! else, such as a test's own cases: the runner does not care where cases
//! come from.
//!
//! [`Case`]: super::Case

use std::collections::BTreeMap;
use std::io::Read;

use serde::{Deserialize, Serialize};

use crate::spec::{Aspect, Chain, Expected, HashMethod, KeyType, Profile, PropertyMap};

use super::trust::TrustedSecret;
use super::ImageSource;

/// A Barbican secret a case stores before creating its image.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Secret {
    /// Barbican secret type (`certificate`, `opaque`, …).
    pub secret_type: String,
    /// The payload (a PEM or DER certificate, or anything else).
    pub payload: Vec<u8>,
    /// Whose project stores it.
    pub owner: SecretOwner,
}

/// Whose project stores a case's secret. Glance reads the certificate with
/// the uploader's token, so a secret of another project is the uploader's
/// only through its read ACL.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum SecretOwner {
    /// The uploader's project (every case but `cert.project.*`).
    #[default]
    Uploader,
    /// A user of another project, whose read ACL names the uploader.
    OtherProjectShared,
    /// A user of another project, without an ACL: Barbican refuses the
    /// uploader (403).
    OtherProject,
}

impl SecretOwner {
    /// Whether another project than the uploader's stores the secret.
    pub const fn is_other_project(self) -> bool {
        !matches!(self, SecretOwner::Uploader)
    }

    /// Whether the uploader may read the secret.
    pub const fn readable_by_uploader(self) -> bool {
        !matches!(self, SecretOwner::OtherProject)
    }
}

/// What a consumer case adds to an upload: the trusted ids the consumer is
/// handed, what changes on the cloud after the upload, and whether the
/// consumer is in another project the image is shared with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsumerSide {
    /// The trusted certificates, in order: each is stored as a secret and
    /// its id handed over (one without a certificate gets an id no secret
    /// has).
    pub trusted: Vec<TrustedSecret>,
    /// What changes after the upload, if anything.
    pub tamper: Option<Tamper>,
    /// `Some` when the consumer acts in another project than the owner's.
    pub shared: Option<Sharing>,
}

/// A consumer in a project the image is shared with (an image member that
/// accepted it), not the owner's: Nova boots it with that user's token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Sharing {
    /// The signing certificate's read ACL names the consumer's user (else
    /// Barbican refuses it the certificate).
    pub certificate_shared: bool,
    /// The trusted certificates are stored by the consumer's project (else
    /// by the owner's, where the consumer cannot read them).
    pub trusted_of_consumer: bool,
}

/// A change to the cloud after a consumer case's upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Tamper {
    /// Glance serves these bytes instead of the uploaded ones (the mock's
    /// test control; a real cloud cannot, and the case is skipped there).
    ServeData(ImageSource),
    /// The signing certificate's secret is deleted.
    DeleteSigningCertificate,
}

impl Tamper {
    /// A stable name for listings (`serve-other-data`, …).
    pub const fn label(&self) -> &'static str {
        match self {
            Tamper::ServeData(_) => "serve-other-data",
            Tamper::DeleteSigningCertificate => "delete-signing-certificate",
        }
    }
}

/// A case the runner can run against any target.
pub trait RunnableCase: Send + Sync {
    /// Stable id, e.g. `sig.rsa-pss-2048.sha-256.valid`.
    fn id(&self) -> &str;
    /// One line saying why the case exists.
    fn reason(&self) -> &str;
    /// What each profile expects.
    fn expectations(&self) -> BTreeMap<Profile, Expected>;
    /// The aspects of the contract this case exercises (what profile
    /// detection reads off it).
    fn aspects(&self) -> Vec<Aspect> {
        Vec::new()
    }
    /// The hash × key-type cell of the signature matrix this case fills.
    fn matrix_cell(&self) -> Option<(HashMethod, KeyType)>;
    /// The certificate chain's shape, for the reports' trust section
    /// (`cert.trust.*` and consumer cases).
    fn chain(&self) -> Option<Chain> {
        None
    }
    /// The secret to store first, if any.
    fn secret(&self) -> Option<Secret>;
    /// The image properties, given the id the stored secret received (or
    /// `None` when the case stores no secret).
    fn properties(&self, secret_id: Option<&str>) -> PropertyMap;
    /// The image data, as a stream.
    fn image(&self) -> Box<dyn Read + Send>;
    /// The image size in bytes.
    fn image_len(&self) -> u64;
    /// What the harness knows that explains a failure of this case (e.g.
    /// the PSS salt length its signature uses).
    fn diagnosis(&self) -> Option<String> {
        None
    }
    /// Commands a person would type to reproduce the case.
    fn reproduce(&self) -> Vec<String> {
        Vec::new()
    }
    /// Nova's side of the case, for consumer targets (`None`: an upload
    /// case only).
    fn consumer(&self) -> Option<ConsumerSide> {
        None
    }
}

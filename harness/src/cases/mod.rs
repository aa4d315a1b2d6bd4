//! The case catalogue: every rule of the contract as values with stable
//! ids that read like a path through it.
//!
//! | family | what |
//! | --- | --- |
//! | `sig.<key>.<hash>.valid` | the full matrix: every hash × key type and size |
//! | `sig.<key>.<hash>.size-<n>` | odd image sizes (0, 1, one byte over a chunk) |
//! | `neg.*` | tampered data and signatures, malformed and unknown properties, missing properties, certificate problems |
//! | `cert.*` | certificate payload forms and dates (Glance does not check them), the project that stores the certificate |
//! | `reg.pss-salt.<salt>.<bits>.<hash>` | the RSA-PSS salt regressions behind the documented field failures |
//! | `doc.*` | where the user documentation and the code disagree |
//! | `big.*` | images of 1 GiB and more, streamed from a seed (built only when asked: signing hashes gigabytes) |
//!
//! Ids follow a grammar checked when they are made ([`CaseId`]); the
//! family is the first segment ([`Family`]); selection is by prefix or
//! glob ([`Selection`]). Each case carries its expectation under every
//! profile, derived from the rules by the reference verifier ([`expectation`]),
//! never typed by hand, and its [`Flag`]s are derived too. [`corpus`]
//! writes the catalogue as `vectors/imgsig-vectors.json` and reads it
//! back; [`check`] re-verifies every claim of a case.

mod aspects;
pub mod check;
pub mod consumer;
pub mod corpus;
pub mod disk_images;
mod expect;
mod families;
mod flags;
mod id;
mod image;
pub mod keys;
pub mod reproduce;
mod runnable;
mod select;
pub mod trust;

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use expect::{expectation, expectations};
pub use families::catalogue;
pub use flags::Flag;
pub use id::{CaseId, Family};
pub use image::{ImageSource, SeededReader};
pub use runnable::{ConsumerSide, RunnableCase, Secret, SecretOwner, Sharing, Tamper};
pub use select::Selection;

use crate::crypto::KeyAlgorithm;
use crate::spec::{
    max_salt_len, properties, salt_reading, Aspect, Expected, HashMethod, KeyType, Profile,
    PropertyMap,
};

/// What `img_signature_certificate_uuid` holds.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum UuidRef {
    /// The id Barbican gives the case's secret.
    Stored,
    /// This fixed value (an id no secret has).
    Fixed(String),
    /// The property is absent.
    Missing,
}

/// The RSA-PSS parameters a signature was made with: enough to say which
/// verifiers accept it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct PssRecord {
    /// Modulus size of the signing key in bits.
    pub modulus_bits: usize,
    /// The hash (message digest and MGF1).
    pub hash: HashMethod,
    /// The salt length the signature uses, in bytes.
    pub salt_length: usize,
}

impl PssRecord {
    /// The maximum salt for this key and hash (emLen − hLen − 2).
    pub fn max_salt_length(self) -> Option<usize> {
        max_salt_len(self.modulus_bits, self.hash)
    }

    /// Whether the salt is the maximum: the only one strict verifiers take.
    pub fn is_max(self) -> bool {
        self.max_salt_length() == Some(self.salt_length)
    }
}

/// One case.
#[derive(Debug, Clone)]
pub struct Case {
    /// Stable id.
    pub id: CaseId,
    /// Why the case exists, in one line.
    pub reason: String,
    /// The pinned key (`vectors/keys/<key>.pem`) the case is built on: its
    /// certificate is stored and it signs, unless the reason says otherwise.
    pub key: String,
    /// The hash × key-type cell it fills in the matrix.
    pub matrix: Option<(HashMethod, KeyType)>,
    /// The image properties except the certificate id.
    pub properties: PropertyMap,
    /// The certificate id.
    pub uuid: UuidRef,
    /// The secret stored first.
    pub secret: Option<Secret>,
    /// The image.
    pub image: ImageSource,
    /// How an RSA-PSS signature was made (RSA cases).
    pub pss: Option<PssRecord>,
    /// Upstream's answer is implementation-defined, whatever the profile.
    pub implementation_defined: bool,
    /// Nova's side (`cert.trust.*`): the trusted certificates and what a
    /// consumer that validates certificates must decide.
    pub trust: Option<trust::TrustCheck>,
    /// Expectations per profile (filled by [`catalogue`]).
    pub expected: BTreeMap<Profile, Expected>,
}

impl Case {
    /// The family: the first segment of the id.
    pub fn family(&self) -> Family {
        self.id.family()
    }

    /// The flags the case carries.
    pub fn flags(&self) -> Vec<Flag> {
        Flag::ALL.into_iter().filter(|f| f.applies(self)).collect()
    }

    /// The algorithm of the pinned key the case is built on.
    pub fn key_algorithm(&self) -> Option<&'static KeyAlgorithm> {
        keys::key(&self.key).ok().map(|k| k.algorithm())
    }

    /// The full property map, with the stored secret's id filled in.
    pub fn properties_with(&self, secret_id: Option<&str>) -> PropertyMap {
        let mut map = self.properties.clone();
        let uuid = match &self.uuid {
            UuidRef::Stored => secret_id.map(str::to_owned),
            UuidRef::Fixed(id) => Some(id.clone()),
            UuidRef::Missing => None,
        };
        if let Some(uuid) = uuid {
            map.insert(properties::CERTIFICATE_UUID.to_owned(), uuid);
        }
        map
    }
}

impl RunnableCase for Case {
    fn id(&self) -> &str {
        &self.id
    }

    fn reason(&self) -> &str {
        &self.reason
    }

    fn expectations(&self) -> BTreeMap<Profile, Expected> {
        self.expected.clone()
    }

    fn aspects(&self) -> Vec<Aspect> {
        Case::aspects(self)
    }

    fn matrix_cell(&self) -> Option<(HashMethod, KeyType)> {
        self.matrix
    }

    fn chain(&self) -> Option<crate::spec::Chain> {
        self.trust.as_ref().map(|t| t.chain)
    }

    fn secret(&self) -> Option<Secret> {
        self.secret.clone()
    }

    fn properties(&self, secret_id: Option<&str>) -> PropertyMap {
        self.properties_with(secret_id)
    }

    fn image(&self) -> Box<dyn std::io::Read + Send> {
        self.image.reader()
    }

    fn image_len(&self) -> u64 {
        self.image.len()
    }

    fn diagnosis(&self) -> Option<String> {
        let pss = self.pss?;
        Some(format!(
            "the signature uses {}",
            salt_reading(pss.salt_length, pss.max_salt_length()?)
        ))
    }

    fn reproduce(&self) -> Vec<String> {
        reproduce::commands(self, &format!("imgsig-evidence/{}", self.id))
    }
}

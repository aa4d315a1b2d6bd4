//! The committed corpus (`vectors/imgsig-vectors.json`): the catalogue as
//! data other implementations can consume, in a Wycheproof-like format
//! documented in `vectors/README.md`, and loaded back as cases.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::image::ImageSource;
use super::trust::{TrustCheck, TrustVerdict, TrustedSecret, VALIDATION_TIME};
use super::{keys, Case, CaseId, Flag, PssRecord, UuidRef};
use super::{Secret, SecretOwner};
use crate::crypto::cert::Certificate;
use crate::spec::base64::{decode_strict, encode};
use crate::spec::Expected;
use crate::spec::{Chain, HashMethod, KeyType, Profile, PropertyMap};
use crate::{Error, Result};

/// The format identifier.
pub const SCHEMA: &str = "imgsig-vectors/4";
/// The placeholder for the id Barbican gives the stored secret.
pub const SECRET_ID: &str = "$SECRET_ID";

/// The whole corpus.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Corpus {
    /// [`SCHEMA`].
    pub schema: String,
    /// What wrote it.
    pub generator: String,
    /// Number of tests.
    pub number_of_tests: usize,
    /// What each flag means.
    pub notes: BTreeMap<Flag, String>,
    /// What each profile stands for.
    pub profiles: BTreeMap<Profile, String>,
    /// Tests grouped by the pinned key they are built on.
    pub test_groups: Vec<TestGroup>,
}

/// The tests built on one pinned key.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TestGroup {
    /// The pinned key's name: `rsa-2048`, `dsa-2048-256`, `ecc-secp384r1`.
    pub key: String,
    /// Its algorithm, e.g. `RSA 2048-bit`.
    pub algorithm: String,
    /// The private key, relative to the corpus: `keys/<key>.pem`.
    pub key_file: String,
    /// Its self-signed certificate: `keys/<key>.crt.pem`.
    pub certificate_file: String,
    /// The public key (SubjectPublicKeyInfo, PEM).
    pub public_key_pem: String,
    /// The tests, in `tcId` order.
    pub tests: Vec<Test>,
}

/// The image of a test.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub enum Image {
    /// The bytes, base64.
    Base64(String),
    /// A xorshift64* stream (see `vectors/README.md`).
    Seeded {
        /// The seed.
        seed: u64,
        /// Length in bytes.
        length: u64,
    },
}

/// The secret a test stores in Barbican first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TestSecret {
    /// Barbican secret type.
    pub secret_type: String,
    /// The payload, base64.
    pub payload_base64: String,
    /// Whose project stores it: absent for the uploader's; `other-project`
    /// (no ACL) or `other-project-shared` (a read ACL naming the uploader).
    #[serde(default, skip_serializing_if = "is_uploader")]
    pub owner: SecretOwner,
}

fn is_uploader(owner: &SecretOwner) -> bool {
    *owner == SecretOwner::Uploader
}

/// One test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Test {
    /// Running number.
    pub tc_id: usize,
    /// Stable case id.
    pub id: CaseId,
    /// Why the test exists.
    pub comment: String,
    /// Flags, explained in the corpus notes.
    pub flags: Vec<Flag>,
    /// The image properties; `$SECRET_ID` stands for the stored secret's id.
    pub properties: PropertyMap,
    /// The secret to store first (`null`: none).
    pub secret: Option<TestSecret>,
    /// The image.
    pub image: Image,
    /// Matrix cell: hash method and key type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matrix: Option<(HashMethod, KeyType)>,
    /// How an RSA-PSS signature was made: modulus bits, hash, salt length.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pss: Option<PssRecord>,
    /// Upstream's answer is implementation-defined under every profile.
    #[serde(default)]
    pub implementation_defined: bool,
    /// Expected outcome per profile.
    pub expected: BTreeMap<Profile, Expected>,
    /// Nova's side (`cert.trust.*`): the trusted certificates and what a
    /// consumer that validates certificates decides.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trust: Option<TestTrust>,
}

/// The trust part of a test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TestTrust {
    /// The trusted certificate ids in order, by the names the expected
    /// message uses (store each, then put the secret ids in their place).
    pub trusted: Vec<TestTrusted>,
    /// When the verdict was derived (Unix seconds); it holds for any time
    /// in [2026-01-01, 2035-01-01).
    pub validation_time: i64,
    /// The chain as built, for the reports' trust section.
    pub chain: Chain,
    /// The consumer's verdict.
    pub expected: TrustVerdict,
}

/// One trusted id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TestTrusted {
    /// The name the messages use.
    pub name: String,
    /// The certificate stored under it (PEM); `null`: no such secret.
    pub certificate_pem: Option<String>,
}

fn test_trust(check: &TrustCheck) -> Result<TestTrust> {
    Ok(TestTrust {
        trusted: check
            .trusted
            .iter()
            .map(|t| {
                Ok(TestTrusted {
                    name: t.name.clone(),
                    certificate_pem: t
                        .certificate
                        .as_ref()
                        .map(|c| Ok::<_, Error>(String::from_utf8_lossy(&c.to_pem()?).into_owned()))
                        .transpose()?,
                })
            })
            .collect::<Result<_>>()?,
        validation_time: VALIDATION_TIME,
        chain: check.chain,
        expected: check.expected.clone(),
    })
}

fn trust_check(t: &TestTrust, id: &CaseId) -> Result<TrustCheck> {
    Ok(TrustCheck {
        trusted: t
            .trusted
            .iter()
            .map(|s| {
                Ok(TrustedSecret {
                    name: s.name.clone(),
                    certificate: s
                        .certificate_pem
                        .as_ref()
                        .map(|p| {
                            Certificate::from_pem_or_der(p.as_bytes()).map_err(|e| {
                                Error::Config(format!(
                                    "test {id}: trusted certificate {}: {e}",
                                    s.name
                                ))
                            })
                        })
                        .transpose()?,
                })
            })
            .collect::<Result<_>>()?,
        expected: t.expected.clone(),
        chain: t.chain,
    })
}

fn notes() -> BTreeMap<Flag, String> {
    Flag::ALL.into_iter().map(|f| (f, f.note())).collect()
}

fn test(tc_id: usize, c: &Case) -> Result<Test> {
    Ok(Test {
        tc_id,
        id: c.id.clone(),
        comment: c.reason.clone(),
        flags: c.flags(),
        properties: c.properties_with(Some(SECRET_ID)),
        secret: c.secret.as_ref().map(|s| TestSecret {
            secret_type: s.secret_type.clone(),
            payload_base64: encode(&s.payload),
            owner: s.owner,
        }),
        image: match &c.image {
            ImageSource::Bytes(b) => Image::Base64(encode(b)),
            ImageSource::Seeded { seed, len } => Image::Seeded {
                seed: *seed,
                length: *len,
            },
        },
        matrix: c.matrix,
        pss: c.pss,
        implementation_defined: c.implementation_defined,
        expected: c.expected.clone(),
        trust: c.trust.as_ref().map(test_trust).transpose()?,
    })
}

fn group(key: &str) -> Result<TestGroup> {
    let private = keys::key(key)?;
    let public = private.public_key()?.to_pem()?;
    Ok(TestGroup {
        key: key.to_owned(),
        algorithm: private.algorithm().to_string(),
        key_file: format!("keys/{key}.pem"),
        certificate_file: format!("keys/{key}.crt.pem"),
        public_key_pem: String::from_utf8_lossy(&public).into_owned(),
        tests: Vec::new(),
    })
}

impl Corpus {
    /// The corpus of these cases: `tcId` is the catalogue order, groups
    /// come in the order of their keys' first case.
    pub fn from_cases(cases: &[Case]) -> Result<Corpus> {
        let mut groups: Vec<TestGroup> = Vec::new();
        for (i, c) in cases.iter().enumerate() {
            let index = match groups.iter().position(|g| g.key == c.key) {
                Some(index) => index,
                None => {
                    groups.push(group(&c.key)?);
                    groups.len() - 1
                }
            };
            groups[index].tests.push(test(i + 1, c)?);
        }
        Ok(Corpus {
            schema: SCHEMA.to_owned(),
            generator: format!("imgsig {}", env!("CARGO_PKG_VERSION")),
            number_of_tests: cases.len(),
            notes: notes(),
            profiles: Profile::ALL
                .into_iter()
                .map(|p| (p, p.description().to_owned()))
                .collect(),
            test_groups: groups,
        })
    }

    /// Parse the JSON text of a corpus.
    pub fn parse(json: &str) -> Result<Corpus> {
        let corpus: Corpus = serde_json::from_str(json)
            .map_err(|e| Error::Config(format!("not an imgsig corpus: {e}")))?;
        if corpus.schema != SCHEMA {
            return Err(Error::Config(format!(
                "corpus schema {:?}, this imgsig reads {SCHEMA:?}",
                corpus.schema
            )));
        }
        Ok(corpus)
    }

    /// The corpus back as cases.
    pub fn cases(&self) -> Result<Vec<Case>> {
        let mut tests: Vec<(&TestGroup, &Test)> = self
            .test_groups
            .iter()
            .flat_map(|g| g.tests.iter().map(move |t| (g, t)))
            .collect();
        tests.sort_by_key(|(_, t)| t.tc_id);
        tests
            .into_iter()
            .map(|(g, t)| {
                let bad = |what: &str| Error::Config(format!("test {}: bad {what}", t.id));
                let mut properties = t.properties.clone();
                let uuid = match properties.remove(crate::spec::properties::CERTIFICATE_UUID) {
                    Some(v) if v == SECRET_ID => UuidRef::Stored,
                    Some(v) => UuidRef::Fixed(v),
                    None => UuidRef::Missing,
                };
                Ok(Case {
                    id: t.id.clone(),
                    reason: t.comment.clone(),
                    key: g.key.clone(),
                    matrix: t.matrix,
                    properties,
                    uuid,
                    secret: t
                        .secret
                        .as_ref()
                        .map(|s| {
                            Ok::<_, Error>(Secret {
                                secret_type: s.secret_type.clone(),
                                payload: decode_strict(&s.payload_base64)
                                    .map_err(|_| bad("secret payload"))?,
                                owner: s.owner,
                            })
                        })
                        .transpose()?,
                    image: match &t.image {
                        Image::Base64(b) => {
                            ImageSource::Bytes(decode_strict(b).map_err(|_| bad("image"))?.into())
                        }
                        Image::Seeded { seed, length } => ImageSource::Seeded {
                            seed: *seed,
                            len: *length,
                        },
                    },
                    pss: t.pss,
                    implementation_defined: t.implementation_defined,
                    trust: t
                        .trust
                        .as_ref()
                        .map(|tr| trust_check(tr, &t.id))
                        .transpose()?,
                    expected: t.expected.clone(),
                })
            })
            .collect()
    }
}

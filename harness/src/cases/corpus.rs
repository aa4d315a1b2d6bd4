//! The committed corpus (`vectors/imgsig-vectors.json`): the catalogue as
//! data other implementations can consume, in a Wycheproof-like format
//! documented in `vectors/README.md`, and loaded back as cases.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::image::ImageSource;
use super::{Case, UuidRef};
use crate::outcome::Expected;
use crate::run::Secret;
use crate::spec::base64::{decode_strict, encode};
use crate::spec::{HashMethod, KeyType, Profile, PropertyMap};
use crate::{Error, Result};

/// The format identifier.
pub const SCHEMA: &str = "imgsig-vectors/1";
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
    pub notes: BTreeMap<String, String>,
    /// What each profile stands for.
    pub profiles: BTreeMap<Profile, String>,
    /// Tests grouped by family.
    pub test_groups: Vec<TestGroup>,
}

/// Tests of one family.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TestGroup {
    /// `sig`, `neg`, …
    pub family: String,
    /// The tests.
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
}

/// One test.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Test {
    /// Running number.
    pub tc_id: usize,
    /// Stable case id.
    pub id: String,
    /// Why the test exists.
    pub comment: String,
    /// Flags, explained in the corpus notes.
    pub flags: Vec<String>,
    /// The image properties; `$SECRET_ID` stands for the stored secret's id.
    pub properties: PropertyMap,
    /// The secret to store first (`null`: none).
    pub secret: Option<TestSecret>,
    /// The image.
    pub image: Image,
    /// Matrix cell: hash method and key type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub matrix: Option<(HashMethod, KeyType)>,
    /// PSS salt length of the signature.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pss_salt_length: Option<usize>,
    /// Modulus bits and hash method of an RSA-PSS signature.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rsa_signature: Option<(usize, HashMethod)>,
    /// Upstream's answer is implementation-defined under every profile.
    #[serde(default)]
    pub implementation_defined: bool,
    /// Expected outcome per profile.
    pub expected: BTreeMap<Profile, Expected>,
}

fn notes() -> BTreeMap<String, String> {
    [
        ("PssSalt", "RSA-PSS with a salt other than the maximum: strict verifiers (pyca/cryptography <= 41) reject it, auto-detecting ones accept it"),
        ("BinaryCurve", "a SECT curve: unsupported since pyca/cryptography 47"),
        ("Unverified", "not all four properties: upstream uploads without verification"),
        ("ImplementationDefined", "upstream's answer is not a verification error (an uncaught exception) or not specified"),
        ("DocumentationDrift", "the user documentation and the code disagree here"),
        ("LenientBase64", "upstream's base64 decoder discards characters outside the alphabet"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect()
}

fn flags(case: &Case) -> Vec<String> {
    let mut f = Vec::new();
    if case
        .rsa
        .zip(case.salt)
        .is_some_and(|((bits, hash), salt)| crate::spec::max_salt_len(bits, hash) != Some(salt))
    {
        f.push("PssSalt");
    }
    if case.id.contains("ecc-sect") || case.id.ends_with("sect571k1") {
        f.push("BinaryCurve");
    }
    if case.expected.values().any(|e| *e == Expected::Unverified) {
        f.push("Unverified");
    }
    if case.expected.values().any(|e| *e == Expected::Acceptable) {
        f.push("ImplementationDefined");
    }
    if case.family() == "doc" {
        f.push("DocumentationDrift");
    }
    if case.id.ends_with(".multiline") || case.id.ends_with(".spaces") {
        f.push("LenientBase64");
    }
    f.into_iter().map(str::to_owned).collect()
}

impl Corpus {
    /// The corpus of these cases.
    pub fn from_cases(cases: &[Case]) -> Corpus {
        let mut groups: Vec<TestGroup> = Vec::new();
        for (i, c) in cases.iter().enumerate() {
            let test = Test {
                tc_id: i + 1,
                id: c.id.clone(),
                comment: c.reason.clone(),
                flags: flags(c),
                properties: c.properties_with(Some(SECRET_ID)),
                secret: c.secret.as_ref().map(|s| TestSecret {
                    secret_type: s.secret_type.clone(),
                    payload_base64: encode(&s.payload),
                }),
                image: match &c.image {
                    ImageSource::Bytes(b) => Image::Base64(encode(b)),
                    ImageSource::Seeded { seed, len } => Image::Seeded {
                        seed: *seed,
                        length: *len,
                    },
                },
                matrix: c.matrix,
                pss_salt_length: c.salt,
                rsa_signature: c.rsa,
                implementation_defined: c.implementation_defined,
                expected: c.expected.clone(),
            };
            match groups.iter_mut().find(|g| g.family == c.family()) {
                Some(g) => g.tests.push(test),
                None => groups.push(TestGroup {
                    family: c.family().to_owned(),
                    tests: vec![test],
                }),
            }
        }
        Corpus {
            schema: SCHEMA.to_owned(),
            generator: format!("imgsig {}", env!("CARGO_PKG_VERSION")),
            number_of_tests: cases.len(),
            notes: notes(),
            profiles: Profile::ALL
                .into_iter()
                .map(|p| (p, p.description().to_owned()))
                .collect(),
            test_groups: groups,
        }
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
        self.test_groups
            .iter()
            .flat_map(|g| &g.tests)
            .map(|t| {
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
                    salt: t.pss_salt_length,
                    rsa: t.rsa_signature,
                    implementation_defined: t.implementation_defined,
                    expected: t.expected.clone(),
                })
            })
            .collect()
    }
}

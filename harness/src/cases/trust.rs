//! Trust situations: small PKIs made from the pinned keys, each a signing
//! certificate and a trusted set (ids in order, some of them missing in the
//! key manager), for Nova's certificate validation. Each says why it exists;
//! its verdict is never written here: [`TrustSituation::validate`] asks the
//! rules (`imgsig::trust`), and the real cursive is asked the same in
//! `cargo xtask adapter-cursive`.
//!
//! Dates are fixed, so the situations do not change with the day they are
//! built: every certificate is valid from 2026-01-01 to 2036-01-01 except
//! the expired ones (2024–2025) and the not-yet-valid ones (from 2035);
//! the verdicts hold for any validation time in [2026-01-01, 2035-01-01),
//! and [`VALIDATION_TIME`] is the one the corpus records.

use crate::crypto::cert::{Certificate, CertificateParams, Constraints, KeyUsageExtension};
use crate::crypto::PrivateKey;
use crate::spec::{Chain, ChainDefect, Link};
use crate::trust::{verify_certificate, TrustOptions, TrustedCertificate, Validation};
use crate::Result;

use super::keys::{self, NOT_AFTER, NOT_BEFORE};

/// 2027-01-01T00:00:00Z: when the corpus says the situations are judged.
pub const VALIDATION_TIME: i64 = 1_798_761_600;
/// 2024-01-01T00:00:00Z – 2025-01-01T00:00:00Z: an expired certificate.
const EXPIRED: (i64, i64) = (1_704_067_200, 1_735_689_600);
/// 2035-01-01T00:00:00Z – 2036-01-01T00:00:00Z: a certificate not yet valid.
const NOT_YET_VALID: (i64, i64) = (2_051_222_400, NOT_AFTER);

/// One situation: what Nova is handed.
#[derive(Debug, Clone)]
pub struct TrustSituation {
    /// The id tail: `cert.trust.<name>`.
    pub name: String,
    /// Why it exists, in one line.
    pub reason: String,
    /// The pinned key of the signing certificate (it signs the image).
    pub signing_key: String,
    /// The image's signing certificate.
    pub signing: Certificate,
    /// The trusted certificate ids, in the order given, with what the key
    /// manager holds for each (a missing one is `Err`).
    pub trusted: Vec<TrustedCertificate>,
    /// The chain as built: its depth and what is wrong with it.
    pub chain: Chain,
}

impl TrustSituation {
    /// The rules' verdict at `now`.
    pub fn validate_at(&self, now: i64) -> Result<Validation> {
        let options = TrustOptions {
            now,
            ..TrustOptions::default()
        };
        Ok(verify_certificate(&self.signing, &self.trusted, options)?)
    }

    /// The rules' verdict at [`VALIDATION_TIME`].
    pub fn validate(&self) -> Result<Validation> {
        self.validate_at(VALIDATION_TIME)
    }
}

/// Nova's side of a case: the trusted certificate ids (by the names the
/// messages use; a consumer run stores each as a Barbican secret and puts
/// the secret ids in their place) and what a consumer must decide.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustCheck {
    /// The trusted ids, in order, with what the key manager holds for each
    /// (`None`: no such secret).
    pub trusted: Vec<TrustedSecret>,
    /// The consumer's verdict, from the rules.
    pub expected: TrustVerdict,
    /// The chain's shape, for the reports' trust section.
    pub chain: Chain,
}

/// One trusted id of a [`TrustCheck`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrustedSecret {
    /// The name the messages use for it.
    pub name: String,
    /// The certificate stored under it; `None`: missing in the key manager.
    pub certificate: Option<Certificate>,
}

impl TrustedSecret {
    /// As the rules take it (a missing one is the key manager's "not found").
    pub fn to_trusted(&self) -> TrustedCertificate {
        match &self.certificate {
            Some(c) => TrustedCertificate::new(&self.name, c.clone()),
            None => missing(&self.name),
        }
    }
}

impl TrustCheck {
    /// The trusted set as the rules take it.
    pub fn trusted_certificates(&self) -> Vec<TrustedCertificate> {
        self.trusted.iter().map(TrustedSecret::to_trusted).collect()
    }

    /// The rules' verdict on `signing` with this trusted set, at `now`.
    pub fn verdict_at(&self, signing: &Certificate, now: i64) -> Result<TrustVerdict> {
        let options = TrustOptions {
            now,
            ..TrustOptions::default()
        };
        let validation = verify_certificate(signing, &self.trusted_certificates(), options)?;
        Ok(TrustVerdict::of(&validation))
    }
}

impl TrustSituation {
    /// The situation as a case's trust check, its verdict from the rules.
    pub fn check(&self) -> Result<TrustCheck> {
        Ok(TrustCheck {
            trusted: self
                .trusted
                .iter()
                .map(|t| TrustedSecret {
                    name: t.id.clone(),
                    certificate: t.fetched.as_ref().ok().cloned(),
                })
                .collect(),
            expected: TrustVerdict::of(&self.validate()?),
            chain: self.chain,
        })
    }
}

/// A certificate of a situation and the pinned key it was made for.
#[derive(Clone)]
struct Node {
    key: &'static PrivateKey,
    cert: Certificate,
    /// Certificates from this one up to its self-signed root.
    depth: u8,
}

/// How a certificate deviates from a plain CA or leaf.
#[derive(Clone, Copy, Default)]
struct Shape {
    path_len: Option<u32>,
    dates: Option<(i64, i64)>,
    constraints: Option<Option<Constraints>>,
    key_usage: Option<KeyUsageExtension>,
}

fn params(cn: &str, ca: bool, shape: Shape) -> CertificateParams {
    let mut p = CertificateParams::new(cn, 1);
    let (not_before, not_after) = shape.dates.unwrap_or((NOT_BEFORE, NOT_AFTER));
    p.not_before = not_before;
    p.not_after = not_after;
    p.constraints = shape.constraints.unwrap_or(Some(Constraints {
        ca,
        path_len: if ca { shape.path_len } else { None },
    }));
    p.key_usage = shape.key_usage.unwrap_or(if ca {
        KeyUsageExtension::CertificateSigning
    } else {
        KeyUsageExtension::DigitalSignature
    });
    p
}

/// A certificate for pinned key `key` named `cn`, issued by `issuer` (or
/// self-signed).
fn node(key: &str, cn: &str, ca: bool, shape: Shape, issuer: Option<&Node>) -> Result<Node> {
    let key = keys::key(key)?;
    let p = params(cn, ca, shape);
    let cert = match issuer {
        Some(i) => p.signed_by(&key.public_key()?, i.key, &i.cert)?,
        None => p.self_signed(key)?,
    };
    let depth = issuer.map_or(1, |i| i.depth.saturating_add(1));
    Ok(Node { key, cert, depth })
}

fn ca(key: &str, cn: &str, issuer: Option<&Node>) -> Result<Node> {
    node(key, cn, true, Shape::default(), issuer)
}

fn ca_shaped(key: &str, cn: &str, shape: Shape, issuer: Option<&Node>) -> Result<Node> {
    node(key, cn, true, shape, issuer)
}

fn leaf(key: &str, issuer: &Node) -> Result<Node> {
    node(
        key,
        "imgsig signing certificate",
        false,
        Shape::default(),
        Some(issuer),
    )
}

fn trusted(id: &str, n: &Node) -> TrustedCertificate {
    TrustedCertificate::new(id, n.cert.clone())
}

fn missing(id: &str) -> TrustedCertificate {
    TrustedCertificate::unavailable(id, format!("Certificate not found with ID: {id}"))
}

struct Builder(Vec<TrustSituation>);

impl Builder {
    fn add(
        &mut self,
        (name, defect): (&str, ChainDefect),
        reason: &str,
        key: &str,
        signing: &Node,
        trusted: Vec<TrustedCertificate>,
    ) {
        self.0.push(TrustSituation {
            name: name.to_owned(),
            reason: reason.to_owned(),
            signing_key: key.to_owned(),
            signing: signing.cert.clone(),
            trusted,
            chain: Chain {
                depth: signing.depth,
                defect,
            },
        });
    }
}

const ROOT: &str = "imgsig root CA";
const INTER: &str = "imgsig intermediate CA";
const INTER2: &str = "imgsig second intermediate CA";
const LEAF_KEY: &str = "rsa-2048";

/// Every situation, in a stable order.
pub fn situations() -> Result<Vec<TrustSituation>> {
    let mut b = Builder(Vec::new());
    depths(&mut b)?;
    dates(&mut b)?;
    issuers(&mut b)?;
    path_lengths(&mut b)?;
    names(&mut b)?;
    self_signed(&mut b)?;
    mixed(&mut b)?;
    ids(&mut b)?;
    Ok(b.0)
}

fn depths(b: &mut Builder) -> Result<()> {
    let root = ca("ecc-secp384r1", ROOT, None)?;
    let inter = ca("rsa-3072", INTER, Some(&root))?;
    let inter2 = ca("ecc-secp521r1", INTER2, Some(&inter))?;
    let direct = ca(LEAF_KEY, "imgsig self-signed signing CA", None)?;
    b.add(
        ("depth-1", ChainDefect::None),
        "a trusted self-signed CA signs the image itself: the chain is the certificate alone",
        LEAF_KEY,
        &direct,
        vec![trusted("signer", &direct)],
    );
    b.add(
        ("depth-2", ChainDefect::None),
        "root CA -> signing certificate, root trusted",
        LEAF_KEY,
        &leaf(LEAF_KEY, &root)?,
        vec![trusted("root", &root)],
    );
    b.add(
        ("depth-3", ChainDefect::None),
        "root -> intermediate -> signing certificate, both CAs trusted (no pathLenConstraint anywhere: no limit)",
        LEAF_KEY,
        &leaf(LEAF_KEY, &inter)?,
        vec![trusted("root", &root), trusted("inter", &inter)],
    );
    b.add(
        ("depth-4", ChainDefect::None),
        "root -> two intermediates -> signing certificate, trusted in bottom-up order",
        LEAF_KEY,
        &leaf(LEAF_KEY, &inter2)?,
        vec![
            trusted("inter2", &inter2),
            trusted("inter", &inter),
            trusted("root", &root),
        ],
    );
    Ok(())
}

fn dates(b: &mut Builder) -> Result<()> {
    let expired: fn(Link) -> ChainDefect = ChainDefect::Expired;
    let not_yet_valid: fn(Link) -> ChainDefect = ChainDefect::NotYetValid;
    for (when, range, what, defect) in [
        ("expired", EXPIRED, "expired (2024-2025)", expired),
        (
            "not-yet-valid",
            NOT_YET_VALID,
            "not yet valid (from 2035)",
            not_yet_valid,
        ),
    ] {
        let dated = Shape {
            dates: Some(range),
            ..Shape::default()
        };
        let root = ca("ecc-secp384r1", ROOT, None)?;
        let inter = ca("rsa-3072", INTER, Some(&root))?;
        let signing = node(
            LEAF_KEY,
            "imgsig signing certificate",
            false,
            dated,
            Some(&inter),
        )?;
        b.add(
            (&format!("{when}.signing"), defect(Link::Signing)),
            &format!("the signing certificate is {what}: Nova refuses it, although Glance does not check dates"),
            LEAF_KEY,
            &signing,
            vec![trusted("root", &root), trusted("inter", &inter)],
        );
        let old_inter = ca_shaped("rsa-3072", INTER, dated, Some(&root))?;
        b.add(
            (&format!("{when}.intermediate"), defect(Link::Intermediate)),
            &format!("the intermediate CA is {what}: it is skipped as an issuer, so the signing certificate has none"),
            LEAF_KEY,
            &leaf(LEAF_KEY, &old_inter)?,
            vec![trusted("root", &root), trusted("inter", &old_inter)],
        );
        let old_root = ca_shaped("ecc-secp384r1", ROOT, dated, None)?;
        let inter = ca("rsa-3072", INTER, Some(&old_root))?;
        b.add(
            (&format!("{when}.root"), defect(Link::Root)),
            &format!("the root CA is {what}: the chain stops at the intermediate (upstream's message is cut short to \"certificate '<id>'\")"),
            LEAF_KEY,
            &leaf(LEAF_KEY, &inter)?,
            vec![trusted("root", &old_root), trusted("inter", &inter)],
        );
    }
    Ok(())
}

fn issuers(b: &mut Builder) -> Result<()> {
    let variants = [
        (
            ("issuer.no-ca", ChainDefect::IssuerNotCa),
            "the issuer's basicConstraints say CA:FALSE (keyUsage has keyCertSign): not an issuer",
            Shape {
                constraints: Some(Some(Constraints { ca: false, path_len: None })),
                ..Shape::default()
            },
        ),
        (
            ("issuer.no-basic-constraints", ChainDefect::IssuerWithoutBasicConstraints),
            "the issuer has no basicConstraints extension at all: not an issuer",
            Shape {
                constraints: Some(None),
                ..Shape::default()
            },
        ),
        (
            ("issuer.no-key-usage", ChainDefect::IssuerWithoutKeyUsage),
            "the issuer is a CA without a keyUsage extension (RFC 5280 allows it, cursive does not): not an issuer",
            Shape {
                key_usage: Some(KeyUsageExtension::Absent),
                ..Shape::default()
            },
        ),
        (
            ("issuer.no-key-cert-sign", ChainDefect::IssuerWithoutKeyCertSign),
            "the issuer is a CA whose keyUsage lacks keyCertSign: not an issuer",
            Shape {
                key_usage: Some(KeyUsageExtension::DigitalSignature),
                ..Shape::default()
            },
        ),
    ];
    for (name, reason, shape) in variants {
        let root = ca_shaped("ecc-secp384r1", ROOT, shape, None)?;
        b.add(
            name,
            reason,
            LEAF_KEY,
            &leaf(LEAF_KEY, &root)?,
            vec![trusted("root", &root)],
        );
    }
    Ok(())
}

fn path_lengths(b: &mut Builder) -> Result<()> {
    let limited = |n| Shape {
        path_len: Some(n),
        ..Shape::default()
    };
    for n in [0u32, 1] {
        let root = ca_shaped("rsa-4096", ROOT, limited(n), None)?;
        let inter = ca("rsa-3072", INTER, Some(&root))?;
        let inter2 = ca("ecc-secp384r1", INTER2, Some(&inter))?;
        b.add(
            (
                &format!("path-len.{n}.no-intermediate"),
                ChainDefect::PathLength { limit: n, below: 0 },
            ),
            &format!("a root with pathLenConstraint {n} issues the signing certificate directly"),
            LEAF_KEY,
            &leaf(LEAF_KEY, &root)?,
            vec![trusted("root", &root)],
        );
        b.add(
            (
                &format!("path-len.{n}.one-intermediate"),
                ChainDefect::PathLength { limit: n, below: 1 },
            ),
            &format!("a root with pathLenConstraint {n} above one intermediate"),
            LEAF_KEY,
            &leaf(LEAF_KEY, &inter)?,
            vec![trusted("root", &root), trusted("inter", &inter)],
        );
        b.add(
            (
                &format!("path-len.{n}.two-intermediates"),
                ChainDefect::PathLength { limit: n, below: 2 },
            ),
            &format!("a root with pathLenConstraint {n} above two intermediates"),
            LEAF_KEY,
            &leaf(LEAF_KEY, &inter2)?,
            vec![
                trusted("root", &root),
                trusted("inter", &inter),
                trusted("inter2", &inter2),
            ],
        );
    }
    let root = ca("rsa-4096", ROOT, None)?;
    let inter = ca_shaped("rsa-3072", INTER, limited(0), Some(&root))?;
    let inter2 = ca("ecc-secp384r1", INTER2, Some(&inter))?;
    b.add(
        ("path-len.0.on-intermediate", ChainDefect::PathLength { limit: 0, below: 1 }),
        "an unconstrained root, then an intermediate with pathLenConstraint 0 above another intermediate",
        LEAF_KEY,
        &leaf(LEAF_KEY, &inter2)?,
        vec![trusted("root", &root), trusted("inter", &inter), trusted("inter2", &inter2)],
    );
    Ok(())
}

fn names(b: &mut Builder) -> Result<()> {
    let root = ca("ecc-secp384r1", ROOT, None)?;
    let inter = ca("rsa-3072", INTER, Some(&root))?;
    let impostor = ca("ecc-secp384r1-other", ROOT, None)?;
    let signing = leaf(LEAF_KEY, &inter)?;
    b.add(
        ("impostor.before-issuer", ChainDefect::ImpostorBeforeIssuer),
        "a CA with the root's name but another key comes first in the trusted set: passed over, the real root found after it",
        LEAF_KEY,
        &signing,
        vec![trusted("impostor", &impostor), trusted("root", &root), trusted("inter", &inter)],
    );
    b.add(
        ("impostor.only", ChainDefect::ImpostorOnly),
        "only a CA with the root's name but another key is trusted: the name matches, the signature does not",
        LEAF_KEY,
        &signing,
        vec![trusted("impostor", &impostor), trusted("inter", &inter)],
    );
    b.add(
        ("missing.intermediate", ChainDefect::IntermediateNotTrusted),
        "the root is trusted but the intermediate that issued the signing certificate is not",
        LEAF_KEY,
        &signing,
        vec![trusted("root", &root)],
    );
    b.add(
        ("missing.root", ChainDefect::RootNotTrusted),
        "the intermediate is trusted but not the root above it: a chain must end at a trusted self-signed certificate",
        LEAF_KEY,
        &signing,
        vec![trusted("inter", &inter)],
    );
    Ok(())
}

fn self_signed(b: &mut Builder) -> Result<()> {
    let root = ca("ecc-secp384r1", ROOT, None)?;
    let own = ca(LEAF_KEY, "imgsig self-signed signing CA", None)?;
    b.add(
        ("self-signed.untrusted", ChainDefect::SelfSignedUntrusted),
        "a self-signed signing certificate that is not in the trusted set",
        LEAF_KEY,
        &own,
        vec![trusted("root", &root)],
    );
    let plain = node(
        LEAF_KEY,
        "imgsig self-signed signing certificate",
        false,
        Shape::default(),
        None,
    )?;
    b.add(
        ("self-signed.no-ca-trusted", ChainDefect::SelfSignedNotCa),
        "a self-signed certificate without the CA flag (the user guide's kind), trusted: skipped as not a signing certificate, so it cannot anchor itself",
        LEAF_KEY,
        &plain,
        vec![trusted("signer", &plain)],
    );
    Ok(())
}

fn mixed(b: &mut Builder) -> Result<()> {
    let root = ca("dsa-2048-256", ROOT, None)?;
    let inter = ca("ecc-secp521r1", INTER, Some(&root))?;
    let inter2 = ca("ecc-secp384r1", INTER2, Some(&inter))?;
    b.add(
        ("mixed.dsa-p521-p384-rsa", ChainDefect::MixedKeyTypes),
        "a DSA root, a P-521 and a P-384 intermediate, an RSA signing certificate: each link checked with its issuer's key type",
        LEAF_KEY,
        &leaf(LEAF_KEY, &inter2)?,
        vec![trusted("root", &root), trusted("inter", &inter), trusted("inter2", &inter2)],
    );
    let root = ca("rsa-2048", ROOT, None)?;
    let inter = ca("dsa-3072-256", INTER, Some(&root))?;
    b.add(
        ("mixed.rsa-dsa-p384", ChainDefect::MixedKeyTypes),
        "an RSA root, a DSA intermediate, a P-384 signing certificate",
        "ecc-secp384r1",
        &leaf("ecc-secp384r1", &inter)?,
        vec![trusted("root", &root), trusted("inter", &inter)],
    );
    let root = ca("ecc-secp521r1", ROOT, None)?;
    b.add(
        ("mixed.p521-dsa", ChainDefect::MixedKeyTypes),
        "a P-521 root, a DSA signing certificate",
        "dsa-2048-256",
        &leaf("dsa-2048-256", &root)?,
        vec![trusted("root", &root)],
    );
    Ok(())
}

fn ids(b: &mut Builder) -> Result<()> {
    let root = ca("ecc-secp384r1", ROOT, None)?;
    let inter = ca("rsa-3072", INTER, Some(&root))?;
    let signing = leaf(LEAF_KEY, &inter)?;
    b.add(
        ("ids.one-missing", ChainDefect::TrustedIdMissing),
        "several trusted ids, one of them missing in the key manager: skipped with a warning, the chain is found in the others",
        LEAF_KEY,
        &signing,
        vec![trusted("inter", &inter), missing("gone"), trusted("root", &root)],
    );
    b.add(
        ("ids.issuer-missing", ChainDefect::IssuerIdMissing),
        "several trusted ids, and the one holding the root is missing in the key manager",
        LEAF_KEY,
        &signing,
        vec![trusted("inter", &inter), missing("root")],
    );
    // Two CAs that issued each other: cursive's chain building never ends.
    let a0 = ca("rsa-3072", "imgsig cross CA A", None)?;
    let b_ca = ca("ecc-secp384r1", "imgsig cross CA B", Some(&a0))?;
    let a = ca("rsa-3072", "imgsig cross CA A", Some(&b_ca))?;
    b.add(
        ("loop", ChainDefect::IssuedEachOther),
        "two CAs that issued each other, both trusted, no self-signed root: chain building loops",
        LEAF_KEY,
        &leaf(LEAF_KEY, &a)?,
        vec![trusted("a", &a), trusted("b", &b_ca)],
    );
    Ok(())
}

/// Where `cargo xtask adapter-cursive --record-trust` keeps what the real
/// cursive answered for every situation (relative to the repository root).
pub const RECORDED_ANSWERS: &str = "adapters/cursive/trust-answers.json";

/// What a consumer (Nova, through cursive) answers for a situation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TrustResult {
    /// The signing certificate is trusted.
    Trusted,
    /// It is not (a `SignatureVerificationError`).
    Untrusted,
    /// An exception cursive does not catch.
    Error,
    /// No answer: cursive's chain building loops forever.
    Hang,
}

/// The consumer's verdict on a situation: result, upstream's message (the
/// trusted ids as the situation names them) and the lines cursive logs.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrustVerdict {
    /// The result.
    pub result: TrustResult,
    /// `str()` of the exception; empty when trusted or hanging.
    pub message: String,
    /// What cursive logs, in order.
    pub log: Vec<String>,
}

impl TrustVerdict {
    /// The verdict the rules give.
    pub fn of(validation: &Validation) -> TrustVerdict {
        let (result, message) = match &validation.verdict {
            Ok(_) => (TrustResult::Trusted, String::new()),
            Err(crate::trust::TrustFailure::Loop(_)) => (TrustResult::Hang, String::new()),
            Err(failure) => (TrustResult::Untrusted, failure.to_string()),
        };
        TrustVerdict {
            result,
            message,
            log: validation.upstream_log(),
        }
    }
}

/// What the real cursive answered for one situation
/// (`adapters/cursive/trust.py`).
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct OracleAnswer {
    /// The situation's name.
    pub name: String,
    /// The verdict.
    #[serde(flatten)]
    pub verdict: TrustVerdict,
    /// In Nova's order (a consumer request): whether the image then
    /// verified (`ok`, `bad`, or `not-checked` when an error came first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature: Option<String>,
}

impl OracleAnswer {
    /// The answer the rules predict for a validation.
    pub fn predicted(name: &str, validation: &Validation) -> OracleAnswer {
        OracleAnswer {
            name: name.to_owned(),
            verdict: TrustVerdict::of(validation),
            signature: None,
        }
    }
}

/// The request `adapters/cursive/trust.py` reads in Nova's order (the
/// image's properties through `get_verifier`, then `verify_certificate`,
/// then the image through the verifier): every case that has a trust check.
pub fn consumer_request(cases: &[super::Case]) -> Result<serde_json::Value> {
    let mut out = Vec::new();
    for c in cases {
        let (Some(trust), Some(secret)) = (&c.trust, &c.secret) else {
            continue;
        };
        let trusted = trust
            .trusted
            .iter()
            .map(|t| {
                Ok(serde_json::json!({
                    "id": t.name,
                    "pem": t.certificate.as_ref().map(|c| {
                        Ok::<_, crate::Error>(String::from_utf8_lossy(&c.to_pem()?).into_owned())
                    }).transpose()?,
                }))
            })
            .collect::<Result<Vec<_>>>()?;
        let mut image = Vec::new();
        std::io::Read::read_to_end(&mut c.image.reader(), &mut image)?;
        out.push(serde_json::json!({
            "name": c.id.to_string(),
            "now": VALIDATION_TIME,
            "certificate": String::from_utf8_lossy(&secret.payload),
            "trusted": trusted,
            "properties": c.properties_with(Some("imgsig-signing-certificate")),
            "image_base64": crate::spec::base64::encode(&image),
        }));
    }
    Ok(serde_json::Value::Array(out))
}

/// The request `adapters/cursive/trust.py` reads: every situation with its
/// certificates as PEM, judged at `now`.
pub fn oracle_request(situations: &[TrustSituation], now: i64) -> Result<serde_json::Value> {
    let pem = |c: &Certificate| -> Result<String> {
        Ok(String::from_utf8_lossy(&c.to_pem()?).into_owned())
    };
    let mut out = Vec::new();
    for s in situations {
        let trusted = s
            .trusted
            .iter()
            .map(|t| {
                Ok(serde_json::json!({
                    "id": t.id,
                    "pem": t.fetched.as_ref().ok().map(pem).transpose()?,
                }))
            })
            .collect::<Result<Vec<_>>>()?;
        out.push(serde_json::json!({
            "name": s.name,
            "now": now,
            "certificate": pem(&s.signing)?,
            "trusted": trusted,
        }));
    }
    Ok(serde_json::Value::Array(out))
}

/// Where the rules and the real cursive disagree, one line per
/// difference (verdict, message, log); empty when they agree.
pub fn disagreements(predicted: &OracleAnswer, upstream: &OracleAnswer) -> Vec<String> {
    let mut out = Vec::new();
    let name = &predicted.name;
    let (p, u) = (&predicted.verdict, &upstream.verdict);
    if p.result != u.result || p.message != u.message {
        out.push(format!(
            "{name}: imgsig says {:?} {:?}, cursive says {:?} {:?}",
            p.result, p.message, u.result, u.message
        ));
    }
    if p.log != u.log {
        out.push(format!(
            "{name}: imgsig predicts the log {:?}, cursive logged {:?}",
            p.log, u.log
        ));
    }
    out
}

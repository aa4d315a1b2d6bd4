//! Certificate trust validation follows cursive 0.3.1's rules and words
//! (each expectation below was first seen from the real cursive, through
//! `adapters/cursive/trust.py`), and says why beside upstream's message.

mod common;

use common::key;
use imgsig_contract::Curve;
use imgsig_crypto::cert::{Certificate, CertificateParams, Constraints, KeyUsageExtension, DAY};
use imgsig_crypto::trust::{
    verify_certificate, SigningExtensions, Skip, TrustFailure, TrustOptions, TrustedCertificate,
    Validation,
};
use imgsig_crypto::{KeySpec, PrivateKey};

const COULD_NOT_LOCATE: &str = "Certificate chain building failed. Could not locate the signing \
                                certificate for the base certificate in the set of trusted \
                                certificates.";

fn ca(cn: &str, path_len: Option<u32>) -> CertificateParams {
    let mut p = CertificateParams::new(cn, 30);
    p.constraints = Some(Constraints { ca: true, path_len });
    p
}

fn leaf(cn: &str) -> CertificateParams {
    let mut p = CertificateParams::new(cn, 30);
    p.constraints = Some(Constraints {
        ca: false,
        path_len: None,
    });
    p.key_usage = KeyUsageExtension::DigitalSignature;
    p
}

fn trusted(id: &str, c: &Certificate) -> TrustedCertificate {
    TrustedCertificate::new(id, c.clone())
}

fn root_key() -> &'static PrivateKey {
    key(KeySpec::Ec(Curve::Secp384r1))
}

fn inter_key() -> &'static PrivateKey {
    key(KeySpec::Rsa(2048))
}

fn leaf_key() -> &'static PrivateKey {
    key(KeySpec::Ec(Curve::Secp521r1))
}

fn issue(
    params: CertificateParams,
    subject: &PrivateKey,
    by: &PrivateKey,
    issuer: &Certificate,
) -> Certificate {
    params
        .signed_by(&subject.public_key().expect("public key"), by, issuer)
        .expect("issue")
}

fn validate(cert: &Certificate, set: &[TrustedCertificate]) -> Validation {
    verify_certificate(cert, set, TrustOptions::default()).expect("runs")
}

fn check(cert: &Certificate, set: &[TrustedCertificate]) -> Result<Vec<String>, TrustFailure> {
    validate(cert, set).verdict
}

fn chain(ids: &[&str]) -> Result<Vec<String>, TrustFailure> {
    Ok(ids.iter().map(|s| (*s).to_owned()).collect())
}

#[test]
fn a_self_signed_trusted_ca_validates_itself() {
    let k = key(KeySpec::Rsa(1024));
    let c = ca("self", Some(0)).self_signed(k).unwrap();
    assert_eq!(check(&c, &[trusted("self", &c)]), chain(&["base"]));
    // Not in the trusted set: no issuer, and the reason says it is
    // self-signed.
    let other = ca("other", Some(0)).self_signed(inter_key()).unwrap();
    let v = validate(&c, &[trusted("other", &other)]);
    assert_eq!(
        v.verdict.as_ref().unwrap_err().to_string(),
        COULD_NOT_LOCATE
    );
    assert!(
        v.reasons()[0]
            .contains("is self-signed (CN=self) and is not itself a usable trusted certificate"),
        "{:?}",
        v.reasons()
    );
}

#[test]
fn chains_and_path_lengths() {
    let root = ca("root", Some(1)).self_signed(root_key()).unwrap();
    let inter = issue(ca("inter", Some(0)), inter_key(), root_key(), &root);
    let signer = issue(leaf("signer"), leaf_key(), inter_key(), &inter);
    let set = [trusted("root", &root), trusted("inter", &inter)];
    assert_eq!(check(&signer, &set), chain(&["root", "inter", "base"]));

    // A root that allows no intermediate.
    let tight_root = ca("root", Some(0)).self_signed(root_key()).unwrap();
    let inter2 = issue(ca("inter", Some(0)), inter_key(), root_key(), &tight_root);
    let v = validate(
        &signer,
        &[trusted("root", &tight_root), trusted("inter", &inter2)],
    );
    let failure = v.verdict.clone().unwrap_err();
    assert_eq!(
        failure,
        TrustFailure::PathTooLong {
            id: "root".into(),
            path_len: 0,
            intermediates: 1
        }
    );
    assert_eq!(
        failure.to_string(),
        "Certificate validation failed. The signing certificate 'root' is not configured to \
         support certificate chains of sufficient length."
    );
    assert_eq!(
        v.reasons(),
        [
            "trusted certificate 'root' has pathLenConstraint 0 but 1 intermediate certificate(s) \
          stand below it in the chain"
        ]
    );

    // The root is missing: cursive's cut-short message names the intermediate.
    let v = validate(&signer, &[trusted("inter", &inter)]);
    assert_eq!(
        v.verdict.as_ref().unwrap_err().to_string(),
        "certificate 'inter'"
    );
    assert!(v.reasons()[0].contains("upstream's message is cut short"));

    // The intermediate is missing.
    let failure = check(&signer, &[trusted("root", &root)]).unwrap_err();
    assert_eq!(failure.to_string(), COULD_NOT_LOCATE);
}

/// The bug this module once had: cursive skips a CA without
/// pathLenConstraint (`if constraints.path_length is None: continue`), so
/// a plain chain of ordinary CAs is trusted, at any depth.
#[test]
fn a_ca_without_path_length_sets_no_limit() {
    let root = ca("root", None).self_signed(root_key()).unwrap();
    let inter = issue(ca("inter", None), inter_key(), root_key(), &root);
    let inter2 = issue(ca("inter2", None), leaf_key(), inter_key(), &inter);
    let signer = issue(leaf("signer"), key(KeySpec::Rsa(1024)), leaf_key(), &inter2);
    let set = [
        trusted("root", &root),
        trusted("inter", &inter),
        trusted("inter2", &inter2),
    ];
    assert_eq!(
        check(&signer, &set),
        chain(&["root", "inter", "inter2", "base"])
    );
}

#[test]
fn dates_of_the_signing_certificate() {
    let root = ca("root", Some(0)).self_signed(root_key()).unwrap();
    let mut expired = leaf("signer");
    expired.not_after = expired.not_before + DAY / 2;
    let expired = issue(expired, leaf_key(), root_key(), &root);
    let v = validate(&expired, &[trusted("root", &root)]);
    assert_eq!(
        v.verdict.as_ref().unwrap_err().to_string(),
        "The certificate is outside its valid date range."
    );
    assert!(v.reasons()[0].starts_with("the signing certificate is valid from "));
    // Without the date check it is trusted.
    let options = TrustOptions {
        enforce_valid_dates: false,
        ..TrustOptions::default()
    };
    assert!(
        verify_certificate(&expired, &[trusted("root", &root)], options)
            .unwrap()
            .is_trusted()
    );
}

/// Each reason a trusted certificate cannot issue, with cursive's log lines
/// and the reason a person reads.
#[test]
fn unusable_issuers_are_skipped_with_their_reason() {
    let signer_for = |root: &Certificate| issue(leaf("signer"), leaf_key(), root_key(), root);
    let shaped = |f: &dyn Fn(&mut CertificateParams)| {
        let mut p = ca("root", None);
        f(&mut p);
        p.self_signed(root_key()).unwrap()
    };
    type Shape<'a> = &'a dyn Fn(&mut CertificateParams);
    let cases: [(Shape, SigningExtensions, &[&str], &str); 5] = [
        (
            &|p| p.constraints = None,
            SigningExtensions::NoBasicConstraints,
            &["Certificate 'root' does not have a basic constraints extension."],
            "it has no basicConstraints extension",
        ),
        (
            &|p| p.key_usage = KeyUsageExtension::Absent,
            SigningExtensions::NoKeyUsage,
            &["Certificate 'root' does not have a key usage extension."],
            "it has no keyUsage extension",
        ),
        (
            &|p| {
                p.constraints = Some(Constraints {
                    ca: false,
                    path_len: None,
                })
            },
            SigningExtensions::NotCa,
            &["Certificate 'root' is not marked as a CA in its basic constraints extension."],
            "its basicConstraints say CA:FALSE",
        ),
        (
            &|p| p.key_usage = KeyUsageExtension::DigitalSignature,
            SigningExtensions::NoKeyCertSign,
            &["Certificate 'root' is not marked for verifying certificate signatures in its key usage extension."],
            "its keyUsage lacks keyCertSign",
        ),
        (
            &|p| {
                p.key_usage = KeyUsageExtension::DigitalSignature;
                p.constraints = Some(Constraints {
                    ca: false,
                    path_len: None,
                });
            },
            SigningExtensions::NotCaNoKeyCertSign,
            &[
                "Certificate 'root' is not marked as a CA in its basic constraints extension.",
                "Certificate 'root' is not marked for verifying certificate signatures in its key usage extension.",
            ],
            "CA:FALSE and its keyUsage lacks keyCertSign",
        ),
    ];
    for (shape, why, debug, reason) in cases {
        let root = shaped(shape);
        let v = validate(&signer_for(&root), &[trusted("root", &root)]);
        assert_eq!(
            v.verdict.as_ref().unwrap_err().to_string(),
            COULD_NOT_LOCATE
        );
        assert_eq!(v.skipped[0].why, Skip::NotSigning(why));
        let mut log: Vec<String> = debug.iter().map(|s| (*s).to_owned()).collect();
        log.push(
            "Certificate 'root' is not configured to act as a signing certificate. It will not \
             be used as a signing certificate."
                .into(),
        );
        assert_eq!(v.upstream_log(), log);
        assert!(
            v.reasons().iter().any(|r| r.contains(reason)),
            "{:?}",
            v.reasons()
        );
    }

    // An expired CA: the date is the reason, the extensions are not looked at.
    let mut old = ca("root", Some(0));
    old.not_after = old.not_before + DAY / 2;
    let old = old.self_signed(root_key()).unwrap();
    let v = validate(&signer_for(&old), &[trusted("root", &old)]);
    assert_eq!(
        v.upstream_log(),
        ["Certificate 'root' is outside its valid date range and cannot be used as a signing certificate."]
    );
    assert!(v
        .reasons()
        .iter()
        .any(|r| r.contains("outside its valid date range")));
}

#[test]
fn without_extension_checks_a_root_lacking_basic_constraints_fails_the_path_check() {
    let mut bare = ca("root", None);
    bare.constraints = None;
    let bare = bare.self_signed(root_key()).unwrap();
    let signer = issue(leaf("signer"), leaf_key(), root_key(), &bare);
    let options = TrustOptions {
        enforce_signing_extensions: false,
        ..TrustOptions::default()
    };
    let v = verify_certificate(&signer, &[trusted("root", &bare)], options).unwrap();
    assert_eq!(
        v.verdict.unwrap_err().to_string(),
        "Certificate validation failed. The signing certificate 'root' does not have a basic \
         constraints extension."
    );
}

#[test]
fn a_name_match_with_another_key_is_passed_over() {
    let root = ca("root", Some(0)).self_signed(root_key()).unwrap();
    let impostor = ca("root", Some(0)).self_signed(inter_key()).unwrap();
    let signer = issue(leaf("signer"), leaf_key(), root_key(), &root);
    let v = validate(&signer, &[trusted("impostor", &impostor)]);
    assert_eq!(
        v.verdict.as_ref().unwrap_err().to_string(),
        COULD_NOT_LOCATE
    );
    assert!(v
        .reasons()
        .iter()
        .any(|r| r.contains("'impostor' has the subject CN=root but its key does not verify")));
    // Before the real one, it is passed over and the real one found.
    let v = validate(
        &signer,
        &[trusted("impostor", &impostor), trusted("root", &root)],
    );
    assert_eq!(v.verdict, chain(&["root", "base"]));
    assert_eq!(v.passed_over[0].id, "impostor");
}

#[test]
fn unavailable_ids_are_skipped() {
    let root = ca("root", None).self_signed(root_key()).unwrap();
    let signer = issue(leaf("signer"), leaf_key(), root_key(), &root);
    let gone = TrustedCertificate::unavailable("gone", "Certificate not found with ID: gone");
    let v = validate(&signer, &[trusted("root", &root), gone.clone()]);
    assert_eq!(v.verdict, chain(&["root", "base"]));
    assert_eq!(v.upstream_log(), ["Skipping trusted certificate: gone"]);
    let v = validate(&signer, &[gone]);
    assert!(v
        .reasons()
        .iter()
        .any(|r| r.contains("'gone' was skipped: the key manager could not deliver it")));
}

/// Two CAs that issued each other: cursive loops forever (seen: no answer
/// within 5 s); the rules name the loop instead.
#[test]
fn cross_signed_cas_loop() {
    let a0 = ca("A", None).self_signed(inter_key()).unwrap();
    let b = issue(ca("B", None), root_key(), inter_key(), &a0);
    let a = issue(ca("A", None), inter_key(), root_key(), &b);
    let signer = issue(leaf("signer"), leaf_key(), inter_key(), &a);
    let v = validate(&signer, &[trusted("a", &a), trusted("b", &b)]);
    assert_eq!(
        v.verdict,
        Err(TrustFailure::Loop(vec![
            "base".into(),
            "a".into(),
            "b".into(),
            "a".into()
        ]))
    );
}

fn data(name: &str) -> Certificate {
    let path = format!("{}/tests/data/trust/{name}.pem", env!("CARGO_MANIFEST_DIR"));
    Certificate::from_pem_or_der(&std::fs::read(path).expect("test data")).expect("a certificate")
}

fn data_case(name: &str) -> Validation {
    let root = data(&format!("{name}-root"));
    validate(&data(&format!("{name}-leaf")), &[trusted("root", &root)])
}

/// Names compare as pyca/cryptography compares them: by decoded text, so
/// the string type does not matter and case does (made by
/// `tests/data/trust/make.py`; cursive's answers there).
#[test]
fn names_compare_by_text_exactly() {
    assert_eq!(data_case("string-type").verdict, chain(&["root", "base"]));
    let v = data_case("case");
    assert_eq!(
        v.verdict.as_ref().unwrap_err().to_string(),
        COULD_NOT_LOCATE
    );
    assert!(v
        .reasons()
        .iter()
        .any(|r| r.contains("no trusted certificate has the subject CN=ROOT")));
}

/// cursive checks an RSA issuer's signature as PKCS#1 v1.5 whatever the
/// child says: a PSS-signed certificate never verifies.
#[test]
fn a_pss_signed_certificate_never_verifies() {
    let v = data_case("pss-signed");
    assert_eq!(
        v.verdict.as_ref().unwrap_err().to_string(),
        COULD_NOT_LOCATE
    );
    assert!(v.passed_over[0].pss_signed);
    assert!(v
        .reasons()
        .iter()
        .any(|r| r.contains("signed with RSASSA-PSS")));
}

mod invariants {
    use super::*;
    use proptest::prelude::*;
    use std::sync::LazyLock;

    /// root -> inter -> inter2 -> signer, and two trusted entries cursive
    /// skips: an expired CA with the root's name, and an id with no secret.
    struct Pki {
        signer: Certificate,
        set: Vec<TrustedCertificate>,
    }

    static PKI: LazyLock<Pki> = LazyLock::new(|| {
        let root = ca("root", None).self_signed(root_key()).expect("root");
        let inter = issue(ca("inter", None), inter_key(), root_key(), &root);
        let inter2 = issue(ca("inter2", Some(0)), leaf_key(), inter_key(), &inter);
        let signer = issue(leaf("signer"), key(KeySpec::Rsa(1024)), leaf_key(), &inter2);
        let mut old = ca("root", None);
        old.not_after = old.not_before + DAY / 2;
        let old = old.self_signed(root_key()).expect("old root");
        Pki {
            signer,
            set: vec![
                trusted("root", &root),
                trusted("inter", &inter),
                trusted("inter2", &inter2),
                trusted("old", &old),
                TrustedCertificate::unavailable("gone", "Certificate not found with ID: gone"),
            ],
        }
    });

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        /// Without two usable certificates of one name, the order of the
        /// trusted ids and the skipped entries among them never change the
        /// chain; the log lists the skipped entries, fetch failures first.
        #[test]
        fn order_and_skipped_entries_do_not_change_the_verdict(
            order in Just((0..5usize).collect::<Vec<_>>()).prop_shuffle()
        ) {
            let set: Vec<TrustedCertificate> = order.iter().map(|&i| PKI.set[i].clone()).collect();
            let v = validate(&PKI.signer, &set);
            prop_assert_eq!(&v.verdict, &chain(&["root", "inter", "inter2", "base"]));
            let log = v.upstream_log();
            prop_assert_eq!(log.len(), 2);
            prop_assert_eq!(&log[0], "Skipping trusted certificate: gone");
        }
    }
}

//! Certificate trust validation follows cursive's rules and words.

mod common;

use common::key;
use imgsig_contract::Curve;
use imgsig_crypto::cert::{Certificate, CertificateParams, Constraints, DAY};
use imgsig_crypto::trust::{verify_certificate, TrustFailure, TrustOptions, TrustedCertificate};
use imgsig_crypto::{KeySpec, PrivateKey};

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
    p.key_cert_sign = false;
    p
}

fn trusted(id: &str, c: &Certificate) -> TrustedCertificate {
    TrustedCertificate {
        id: id.into(),
        certificate: c.clone(),
    }
}

struct Pki {
    root_key: &'static PrivateKey,
    inter_key: &'static PrivateKey,
    leaf_key: &'static PrivateKey,
}

fn pki() -> Pki {
    Pki {
        root_key: key(KeySpec::Ec(Curve::Secp384r1)),
        inter_key: key(KeySpec::Rsa(2048)),
        leaf_key: key(KeySpec::Ec(Curve::Secp521r1)),
    }
}

fn check(cert: &Certificate, set: &[TrustedCertificate]) -> Result<Vec<String>, TrustFailure> {
    verify_certificate(cert, set, TrustOptions::default()).expect("runs")
}

#[test]
fn a_self_signed_trusted_ca_validates_itself() {
    let k = key(KeySpec::Rsa(1024));
    let c = ca("self", Some(0)).self_signed(k).unwrap();
    assert_eq!(
        check(&c, &[trusted("self", &c)]),
        Ok(vec!["base".to_owned()])
    );
    // Not in the trusted set: no issuer.
    let other = ca("other", Some(0))
        .self_signed(key(KeySpec::Rsa(2048)))
        .unwrap();
    assert_eq!(
        check(&c, &[trusted("other", &other)]),
        Err(TrustFailure::NoIssuer(None))
    );
}

#[test]
fn chains_and_path_lengths() {
    let p = pki();
    let root = ca("root", Some(1)).self_signed(p.root_key).unwrap();
    let inter = ca("inter", Some(0))
        .signed_by(&p.inter_key.public_key().unwrap(), p.root_key, &root)
        .unwrap();
    let signer = leaf("signer")
        .signed_by(&p.leaf_key.public_key().unwrap(), p.inter_key, &inter)
        .unwrap();
    let set = [trusted("root", &root), trusted("inter", &inter)];
    assert_eq!(
        check(&signer, &set),
        Ok(vec![
            "root".to_owned(),
            "inter".to_owned(),
            "base".to_owned()
        ])
    );

    // A root that allows no intermediate.
    let tight_root = ca("root", Some(0)).self_signed(p.root_key).unwrap();
    let inter2 = ca("inter", Some(0))
        .signed_by(&p.inter_key.public_key().unwrap(), p.root_key, &tight_root)
        .unwrap();
    let set = [trusted("root", &tight_root), trusted("inter", &inter2)];
    assert_eq!(
        check(&signer, &set),
        Err(TrustFailure::PathTooLong("root".into()))
    );

    // The root is missing: cursive's collapsed message names the intermediate.
    let set = [trusted("inter", &inter)];
    let failure = check(&signer, &set).unwrap_err();
    assert_eq!(failure, TrustFailure::NoIssuer(Some("inter".into())));
    assert_eq!(failure.to_string(), "certificate 'inter'");

    // The intermediate is missing.
    let set = [trusted("root", &root)];
    let failure = check(&signer, &set).unwrap_err();
    assert_eq!(
        failure.to_string(),
        "Certificate chain building failed. Could not locate the signing certificate for the \
         base certificate in the set of trusted certificates."
    );
}

#[test]
fn a_ca_without_path_length_trips_upstream() {
    let p = pki();
    let root = ca("root", None).self_signed(p.root_key).unwrap();
    let signer = leaf("signer")
        .signed_by(&p.leaf_key.public_key().unwrap(), p.root_key, &root)
        .unwrap();
    assert_eq!(
        check(&signer, &[trusted("root", &root)]),
        Err(TrustFailure::UnboundedPathLength("root".into()))
    );
}

#[test]
fn dates_and_extensions_of_issuers_and_signers() {
    let p = pki();
    let root = ca("root", Some(0)).self_signed(p.root_key).unwrap();
    let mut expired = leaf("signer");
    expired.not_after = expired.not_before + DAY / 2;
    let expired = expired
        .signed_by(&p.leaf_key.public_key().unwrap(), p.root_key, &root)
        .unwrap();
    assert_eq!(
        check(&expired, &[trusted("root", &root)]),
        Err(TrustFailure::OutsideValidity)
    );

    let signer = leaf("signer")
        .signed_by(&p.leaf_key.public_key().unwrap(), p.root_key, &root)
        .unwrap();
    // A trusted certificate without keyCertSign is skipped as an issuer.
    let mut no_sign = ca("root", Some(0));
    no_sign.key_cert_sign = false;
    let no_sign = no_sign.self_signed(p.root_key).unwrap();
    assert_eq!(
        check(&signer, &[trusted("root", &no_sign)]),
        Err(TrustFailure::NoIssuer(None))
    );
    // So is an expired one.
    let mut old = ca("root", Some(0));
    old.not_after = old.not_before + DAY / 2;
    let old = old.self_signed(p.root_key).unwrap();
    assert_eq!(
        check(&signer, &[trusted("root", &old)]),
        Err(TrustFailure::NoIssuer(None))
    );
    // Without the extension checks, a root lacking basicConstraints is an
    // issuer, and then fails the path length check.
    let mut bare = ca("root", None);
    bare.constraints = None;
    let bare = bare.self_signed(p.root_key).unwrap();
    let options = TrustOptions {
        enforce_signing_extensions: false,
        ..TrustOptions::default()
    };
    assert_eq!(
        verify_certificate(&signer, &[trusted("root", &bare)], options).unwrap(),
        Err(TrustFailure::MissingBasicConstraints("root".into()))
    );
}

#[test]
fn a_name_match_without_a_valid_signature_is_no_issuer() {
    let p = pki();
    let root = ca("root", Some(0)).self_signed(p.root_key).unwrap();
    // Same subject name, different key.
    let impostor = ca("root", Some(0)).self_signed(p.inter_key).unwrap();
    let signer = leaf("signer")
        .signed_by(&p.leaf_key.public_key().unwrap(), p.root_key, &root)
        .unwrap();
    assert_eq!(
        check(&signer, &[trusted("impostor", &impostor)]),
        Err(TrustFailure::NoIssuer(None))
    );
}

//! The reference verifier follows upstream's order of checks and wording.

mod common;

use common::{image, key};
use imgsig_contract::{
    properties, Base64Mode, Curve, HashMethod, Profile, PropertyMap, PssSignSalt, Rejection,
    Request, SignatureProperties,
};
use imgsig_crypto::cert::CertificateParams;
use imgsig_crypto::verify::{CertificateLookup, PssEvidence, UploadVerifier};
use imgsig_crypto::{digest_bytes, BackendKind, KeySpec};

const UUID: &str = "089219c4-e839-4de4-80b7-46770c906878";

fn signed(spec: KeySpec, hash: HashMethod, salt: PssSignSalt, data: &[u8]) -> PropertyMap {
    let k = key(spec);
    let backend = BackendKind::OpenSsl.backend();
    let digest = digest_bytes(backend, hash, data).expect("digest");
    let sig = backend.sign_digest(k, hash, &digest, salt).expect("sign");
    SignatureProperties::to_map(&sig, hash, spec.key_type(), UUID, Profile::GlanceCurrent)
}

fn cert_pem(spec: KeySpec) -> Vec<u8> {
    CertificateParams::new("reference", 30)
        .self_signed(key(spec))
        .expect("cert")
        .to_pem()
        .expect("pem")
}

/// Run the whole upload check: properties, certificate, data.
fn upload(
    map: &PropertyMap,
    cert: CertificateLookup,
    data: &[u8],
    profile: Profile,
) -> Result<Option<()>, Rejection> {
    match SignatureProperties::parse(map, profile, Base64Mode::Lenient)? {
        Request::Unverified { .. } => Ok(None),
        Request::Verify(props) => {
            let mut v = UploadVerifier::new(props, cert, profile)?;
            for chunk in data.chunks(1000) {
                v.update(chunk);
            }
            v.finish().map(Some)
        }
    }
}

#[test]
fn a_good_image_verifies_for_every_key_type_the_profile_supports() {
    let data = image(5000);
    for spec in KeySpec::matrix() {
        let map = signed(spec, HashMethod::Sha256, PssSignSalt::Max, &data);
        let cert = CertificateLookup::Found(cert_pem(spec));
        for profile in [Profile::GlanceCurrent, Profile::GlanceLegacy] {
            let got = upload(&map, cert.clone(), &data, profile);
            if profile.supports(spec.key_type()) {
                assert_eq!(got, Ok(Some(())), "{spec} under {profile}");
            } else {
                assert_eq!(
                    got,
                    Err(Rejection::InvalidKeyType(spec.key_type().as_property())),
                    "{spec} under {profile}"
                );
            }
        }
    }
}

#[test]
fn certificate_problems_are_reported_in_upstream_words() {
    let data = image(10);
    let spec = KeySpec::Ec(Curve::Secp384r1);
    let map = signed(spec, HashMethod::Sha384, PssSignSalt::Max, &data);
    let p = Profile::GlanceCurrent;
    assert_eq!(
        upload(&map, CertificateLookup::NotFound, &data, p),
        Err(Rejection::CertificateNotFound(UUID.into()))
    );
    assert_eq!(
        upload(&map, CertificateLookup::Unavailable, &data, p),
        Err(Rejection::CertificateUnavailable(UUID.into()))
    );
    assert_eq!(
        upload(
            &map,
            CertificateLookup::from_secret("opaque", b"x".to_vec()),
            &data,
            p
        ),
        Err(Rejection::InvalidCertificateFormat("Opaque".into()))
    );
    assert_eq!(
        upload(
            &map,
            CertificateLookup::Found(b"not a certificate".to_vec()),
            &data,
            p
        ),
        Err(Rejection::UnreadableCertificate(UUID.into()))
    );
    // An RSA certificate for an ECC key type.
    assert_eq!(
        upload(
            &map,
            CertificateLookup::Found(cert_pem(KeySpec::Rsa(2048))),
            &data,
            p
        ),
        Err(Rejection::InvalidPublicKeyType("ECC_SECP384R1".into()))
    );
    // DER payloads work as well as PEM.
    let der = CertificateParams::new("der", 1)
        .self_signed(key(spec))
        .expect("cert")
        .der()
        .to_vec();
    assert_eq!(
        upload(&map, CertificateLookup::Found(der), &data, p),
        Ok(Some(()))
    );
}

#[test]
fn the_curve_of_the_certificate_is_not_compared_with_the_named_curve() {
    let data = image(10);
    let mut map = signed(
        KeySpec::Ec(Curve::Secp521r1),
        HashMethod::Sha512,
        PssSignSalt::Max,
        &data,
    );
    map.insert(properties::KEY_TYPE.into(), "ECC_SECP384R1".into());
    let cert = CertificateLookup::Found(cert_pem(KeySpec::Ec(Curve::Secp521r1)));
    assert_eq!(
        upload(&map, cert, &data, Profile::GlanceCurrent),
        Ok(Some(()))
    );
}

#[test]
fn an_empty_signature_fails_only_after_the_certificate() {
    let data = image(10);
    let mut map = signed(
        KeySpec::Rsa(1024),
        HashMethod::Sha256,
        PssSignSalt::Max,
        &data,
    );
    map.insert(properties::SIGNATURE.into(), "====".into());
    let p = Profile::GlanceCurrent;
    assert_eq!(
        upload(&map, CertificateLookup::NotFound, &data, p),
        Err(Rejection::CertificateNotFound(UUID.into()))
    );
    let cert = CertificateLookup::Found(cert_pem(KeySpec::Rsa(1024)));
    assert_eq!(
        upload(&map, cert, &data, p),
        Err(Rejection::VerifierCreation)
    );
}

#[test]
fn tampered_data_and_multiline_signatures() {
    let data = image(70_000);
    let spec = KeySpec::Dsa(imgsig_crypto::DsaSize::L2048N256);
    let map = signed(spec, HashMethod::Sha224, PssSignSalt::Max, &data);
    let cert = CertificateLookup::Found(cert_pem(spec));
    let p = Profile::GlanceCurrent;
    let mut tampered = data.clone();
    tampered.push(0);
    assert_eq!(
        upload(&map, cert.clone(), &tampered, p),
        Err(Rejection::SignatureMismatch)
    );
    // Upstream's lenient base64 takes a signature wrapped over lines.
    let mut wrapped = map.clone();
    let b64 = &map[properties::SIGNATURE];
    let lines: Vec<String> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| String::from_utf8_lossy(c).into_owned())
        .collect();
    wrapped.insert(properties::SIGNATURE.into(), lines.join("\n"));
    assert_eq!(upload(&wrapped, cert.clone(), &data, p), Ok(Some(())));
    // A strict decoder refuses it.
    let props = SignatureProperties::parse(&wrapped, p, Base64Mode::Strict);
    assert_eq!(props, Err(Rejection::BadBase64));
}

#[test]
fn the_legacy_profile_rejects_digest_length_salts_and_says_why() {
    let data = image(100);
    for (bits, hash, accepted) in [
        (1024, HashMethod::Sha512, true),
        (1024, HashMethod::Sha256, false),
        (2048, HashMethod::Sha256, false),
        (2048, HashMethod::Sha512, false),
    ] {
        let spec = KeySpec::Rsa(bits);
        let map = signed(spec, hash, PssSignSalt::DigestLength, &data);
        let Ok(Request::Verify(props)) =
            SignatureProperties::parse(&map, Profile::GlanceLegacy, Base64Mode::Lenient)
        else {
            panic!("well-formed properties")
        };
        let cert = CertificateLookup::Found(cert_pem(spec));
        let mut v = UploadVerifier::new(props, cert, Profile::GlanceLegacy).expect("starts");
        v.update(&data);
        let c = v.conclude();
        assert_eq!(c.result.is_ok(), accepted, "RSA-{bits} {hash}");
        if !accepted {
            let Some(PssEvidence::Decoded { decoding, required }) = c.pss else {
                panic!("evidence for RSA-{bits} {hash}")
            };
            assert_eq!(decoding.salt_len, hash.digest_len());
            assert_eq!(required, Some(decoding.max_salt_len));
            assert_eq!(decoding.digest_matches, Some(true));
        }
        // Today's stack accepts all of them.
        assert_eq!(
            upload(
                &map,
                CertificateLookup::Found(cert_pem(spec)),
                &data,
                Profile::GlanceCurrent
            ),
            Ok(Some(()))
        );
    }
}

#[test]
fn both_backends_reach_the_same_verdicts() {
    let data = image(2000);
    for spec in [KeySpec::Rsa(2048), KeySpec::Ec(Curve::Secp521r1)] {
        for hash in HashMethod::ALL {
            let map = signed(spec, hash, PssSignSalt::Max, &data);
            for (bytes, expect_ok) in [(&data[..], true), (&data[1..], false)] {
                for backend in BackendKind::ALL {
                    let Ok(Request::Verify(props)) = SignatureProperties::parse(
                        &map,
                        Profile::GlanceCurrent,
                        Base64Mode::Lenient,
                    ) else {
                        panic!("parse")
                    };
                    let cert = CertificateLookup::Found(cert_pem(spec));
                    let mut v = UploadVerifier::new(props, cert, Profile::GlanceCurrent)
                        .expect("starts")
                        .using(backend);
                    assert_eq!(v.backend(), backend);
                    v.update(bytes);
                    assert_eq!(v.finish().is_ok(), expect_ok, "{spec} {hash} {backend}");
                }
            }
        }
    }
}

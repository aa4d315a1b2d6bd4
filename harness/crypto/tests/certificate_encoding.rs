//! Certificates are read as pyca/cryptography reads them: DER only. OpenSSL
//! also takes some BER (a length in more octets than needed), which
//! pyca/cryptography 41.0.7 and 50.0.2 refuse with "error parsing asn1
//! value: ParseError { kind: InvalidLength }" (tried, and run through the
//! real cursive on the catalogue's `cert.payload-ber`).

use std::path::Path;

use imgsig_crypto::cert::{pem_of_der, Certificate};
use openssl::x509::X509;

fn pinned_der() -> Vec<u8> {
    let pem = std::fs::read(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../vectors/keys/rsa-1024.crt.pem"),
    )
    .expect("pinned certificate");
    X509::from_pem(&pem).expect("reads").to_der().expect("der")
}

/// `der` with the length at `at` (long form) given one more octet.
fn lengthened(der: &[u8], at: usize) -> Vec<u8> {
    let first = der[at];
    assert!(first & 0x80 != 0, "a long-form length at {at}");
    let mut out = der[..at].to_vec();
    out.push(first + 1);
    out.push(0);
    out.extend_from_slice(&der[at + 1..]);
    out
}

#[test]
fn der_certificates_read_in_pem_and_der() {
    let der = pinned_der();
    for bytes in [der.clone(), pem_of_der(&der)] {
        let cert = Certificate::from_pem_or_der(&bytes).expect("DER reads");
        assert_eq!(cert.der(), der.as_slice());
    }
}

#[test]
fn ber_lengths_are_refused_where_openssl_reads_them() {
    let der = pinned_der();
    // The certificate's own length (30 82 …): OpenSSL takes it in three
    // octets, while it refuses the same inside the tbsCertificate (at 5).
    let at = 1;
    let ber = lengthened(&der, at);
    assert!(
        X509::from_der(&ber).is_ok(),
        "OpenSSL reads the BER at {at}"
    );
    assert!(X509::from_der(&lengthened(&der, 5)).is_err());
    for bytes in [ber.clone(), pem_of_der(&ber)] {
        let err = Certificate::from_pem_or_der(&bytes)
            .err()
            .unwrap_or_else(|| panic!("BER length at {at} was read"));
        let text = err.to_string();
        assert!(
            text.contains("not DER") && text.contains("pyca/cryptography"),
            "{text}"
        );
    }
}

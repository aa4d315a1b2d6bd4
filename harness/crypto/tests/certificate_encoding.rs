//! Certificates are read as pyca/cryptography reads them: DER only. OpenSSL
//! also takes some BER (a length in more octets than needed), which
//! pyca/cryptography 41.0.7 and 50.0.2 refuse with "error parsing asn1
//! value: ParseError { kind: InvalidLength }" (tried, and run through the
//! real cursive on the catalogue's `cert.payload-ber`).
//!
//! The same holds inside values: edits of the pinned certificate that
//! OpenSSL reads and pyca/cryptography 41.0.7 and 50.0.2 refuse ("error
//! parsing asn1 value: ParseError { kind: InvalidValue }") are refused
//! here, and edits both read are read here (each tried on 2026-12-03 with
//! `load_der_x509_certificate` in the adapters' venvs, then `serial_number`
//! and `public_key()`).

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

/// A DER element: its (one-octet) tag and its value, split into elements
/// where it is constructed.
#[derive(Clone)]
struct Element {
    tag: u8,
    value: Value,
}

#[derive(Clone)]
enum Value {
    Primitive(Vec<u8>),
    Constructed(Vec<Element>),
}

fn parse(mut bytes: &[u8]) -> Vec<Element> {
    let mut out = Vec::new();
    while let [tag, first, rest @ ..] = bytes {
        let (len, rest) = if first & 0x80 == 0 {
            (usize::from(*first), rest)
        } else {
            let (n, rest) = rest.split_at(usize::from(first & 0x7f));
            (n.iter().fold(0, |l, b| l << 8 | usize::from(*b)), rest)
        };
        let (value, rest) = rest.split_at(len);
        let value = if tag & 0x20 != 0 {
            Value::Constructed(parse(value))
        } else {
            Value::Primitive(value.to_vec())
        };
        out.push(Element { tag: *tag, value });
        bytes = rest;
    }
    out
}

fn encode(elements: &[Element]) -> Vec<u8> {
    let mut out = Vec::new();
    for e in elements {
        let value = match &e.value {
            Value::Primitive(v) => v.clone(),
            Value::Constructed(c) => encode(c),
        };
        out.push(e.tag);
        let len = value.len().to_be_bytes();
        let len: Vec<u8> = len.iter().copied().skip_while(|b| *b == 0).collect();
        match len.as_slice() {
            [] => out.push(0),
            [b] if *b < 0x80 => out.push(*b),
            long => {
                out.push(0x80 | u8::try_from(long.len()).expect("short"));
                out.extend_from_slice(long);
            }
        }
        out.extend_from_slice(&value);
    }
    out
}

/// The element at `path` (child indices from the certificate down).
fn at<'a>(elements: &'a mut [Element], path: &[usize]) -> &'a mut Element {
    let (first, rest) = path.split_first().expect("a path");
    let e = &mut elements[*first];
    if rest.is_empty() {
        return e;
    }
    match &mut e.value {
        Value::Constructed(c) => at(c, rest),
        Value::Primitive(_) => panic!("a primitive element on the path"),
    }
}

/// The pinned certificate as elements.
fn tree() -> Vec<Element> {
    let der = pinned_der();
    let tree = parse(&der);
    assert_eq!(encode(&tree), der, "the re-encoding is exact");
    tree
}

/// The pinned certificate with the element at `path` given `tag` and
/// `value`.
fn edited(path: &[usize], tag: Option<u8>, value: &[u8]) -> Vec<u8> {
    let mut tree = tree();
    let e = at(&mut tree, path);
    e.tag = tag.unwrap_or(e.tag);
    e.value = Value::Primitive(value.to_vec());
    encode(&tree)
}

/// tbsCertificate's serialNumber, validity's notBefore, the subject's
/// first (and only) RDN, and the first extension's `critical` BOOLEAN
/// (basicConstraints, critical).
const SERIAL: [usize; 3] = [0, 0, 1];
const SUBJECT_RDN: [usize; 4] = [0, 0, 5, 0];
const NOT_BEFORE: [usize; 4] = [0, 0, 4, 0];
const CRITICAL: [usize; 6] = [0, 0, 7, 0, 0, 1];

#[test]
fn values_der_forbids_are_refused_where_openssl_reads_them() {
    for (what, path, value) in [
        (
            "a UTCTime without seconds",
            &NOT_BEFORE[..],
            &b"2601010000Z"[..],
        ),
        (
            "a UTCTime with an offset",
            &NOT_BEFORE,
            b"260101000000+0000",
        ),
        ("a UTCTime with a fraction", &NOT_BEFORE, b"260101000000.5Z"),
        ("a BOOLEAN TRUE as 01", &CRITICAL, b"\x01"),
    ] {
        let der = edited(path, None, value);
        assert!(X509::from_der(&der).is_ok(), "OpenSSL reads {what}");
        for bytes in [der.clone(), pem_of_der(&der)] {
            let text = Certificate::from_pem_or_der(&bytes)
                .err()
                .unwrap_or_else(|| panic!("{what} was read"))
                .to_string();
            assert!(text.contains("not DER"), "{what}: {text}");
        }
    }
}

#[test]
fn values_pyca_reads_are_read() {
    for (what, path, tag, value) in [
        (
            "a GeneralizedTime before 2050",
            &NOT_BEFORE[..],
            Some(0x18),
            &b"20260101000000Z"[..],
        ),
        ("a serial of 21 octets", &SERIAL, None, &[1; 21]),
        ("a negative serial", &SERIAL, None, b"\xff\x01"),
        ("a zero serial", &SERIAL, None, b"\x00"),
    ] {
        let der = edited(path, tag, value);
        Certificate::from_pem_or_der(&der).unwrap_or_else(|e| panic!("{what}: {e}"));
    }
}

#[test]
fn a_serial_with_a_needless_leading_zero_is_refused() {
    // OpenSSL refuses this one too; pyca/cryptography: InvalidValue.
    assert!(Certificate::from_pem_or_der(&edited(&SERIAL, None, b"\x00\x01")).is_err());
}

#[test]
fn a_name_whose_set_is_out_of_order_is_refused() {
    // The subject's RDN given a second attribute, O=z: its encoding
    // (30 08 06 03 55 04 0a …) sorts before CN's (30 16 …). pyca refuses
    // the two out of order ("InvalidSetOrdering"), OpenSSL reads them.
    let org = Element {
        tag: 0x30,
        value: Value::Constructed(vec![
            Element {
                tag: 0x06,
                value: Value::Primitive(vec![0x55, 0x04, 0x0a]),
            },
            Element {
                tag: 0x0c,
                value: Value::Primitive(b"z".to_vec()),
            },
        ]),
    };
    for (sorted, verdict) in [(true, "read"), (false, "refused")] {
        let mut tree = tree();
        let Value::Constructed(rdn) = &mut at(&mut tree, &SUBJECT_RDN).value else {
            panic!("the RDN is a SET");
        };
        rdn.push(org.clone());
        if sorted {
            rdn.sort_by_key(|e| encode(std::slice::from_ref(e)));
        }
        let der = encode(&tree);
        assert!(X509::from_der(&der).is_ok(), "OpenSSL reads it");
        let read = Certificate::from_pem_or_der(&der);
        assert_eq!(read.is_ok(), sorted, "the attributes in order: {verdict}");
        if let Err(e) = read {
            assert!(e.to_string().contains("SET OF ordering"), "{e}");
        }
    }
}

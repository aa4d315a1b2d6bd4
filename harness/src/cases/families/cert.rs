//! `cert.*`: how the certificate is stored (its payload's form, the
//! project that holds it) and what Glance checks of it.

#[allow(clippy::wildcard_imports)]
use super::*;
use crate::cases::keys::{NOT_AFTER, NOT_BEFORE};
use crate::crypto::cert::DAY;

pub(super) fn cases() -> Result<Vec<Case>> {
    let mut out = Vec::new();
    let rsa = Valid::new(
        "rsa-1024",
        HashMethod::Sha256,
        ImageSource::seeded(seed("cert"), IMAGE_LEN),
        PssSignSalt::Max,
    )?;
    let key = keys::key("rsa-1024")?;
    out.push(rsa.case(
        "cert.payload-pem".into(),
        "the certificate stored as PEM (castellan hands it over as DER)".into(),
    )?);
    let mut c = rsa.case(
        "cert.payload-der".into(),
        "the certificate stored as DER: castellan 5.8.0 reads certificate secrets as PEM and \
         the live stack refuses it, although the contract says Barbican may hold either \
         (implementation-defined)"
            .into(),
    )?;
    c.secret = Some(Secret {
        secret_type: "certificate".into(),
        payload: keys::pinned_certificate("rsa-1024")?.der().to_vec(),
        owner: SecretOwner::Uploader,
    });
    // Seen on Keystone 30 / Barbican 23 / Glance 33 with castellan 5.8.0
    // (`cargo xtask live`): 400 "Unable to load PEM file". SPEC.md says
    // PEM or DER; until that is settled either answer conforms.
    c.implementation_defined = true;
    out.push(c);
    let mut c = rsa.case(
        "cert.payload-ber".into(),
        "the certificate in PEM, its outer length written in one octet more than DER allows: \
         OpenSSL reads such BER, pyca/cryptography 41 and 50 refuse it ('error parsing asn1 \
         value', tried), so upstream raises an uncaught ValueError (implementation-defined); \
         a verifier that reads it with OpenSSL accepts what upstream cannot load"
            .into(),
    )?;
    let der = keys::pinned_certificate("rsa-1024")?.der().to_vec();
    c.secret = Some(Secret {
        secret_type: "certificate".into(),
        payload: crate::crypto::cert::pem_of_der(&long_outer_length(&der)?),
        owner: SecretOwner::Uploader,
    });
    out.push(c);
    for (what, nb, na, reason) in [
        (
            "expired",
            NOT_BEFORE - 365 * DAY,
            NOT_BEFORE,
            "an expired certificate: Glance does not check dates on upload",
        ),
        (
            "not-yet-valid",
            NOT_AFTER,
            NOT_AFTER + 365 * DAY,
            "a certificate not yet valid: Glance does not check dates on upload",
        ),
    ] {
        let mut c = rsa.case(format!("cert.{what}"), reason.into())?;
        c.secret = Some(pem_secret(&keys::certificate_valid(key, what, nb, na)?)?);
        out.push(c);
    }
    for (what, owner, reason) in [
        (
            "shared-by-acl",
            SecretOwner::OtherProjectShared,
            "the certificate stored by a user of another project whose read ACL names the \
             uploader: Glance reads it with the uploader's token, and Barbican lets it",
        ),
        (
            "not-shared",
            SecretOwner::OtherProject,
            "the certificate stored by a user of another project, not shared: Barbican refuses \
             the uploader's token (403), so castellan's KeyManagerError and cursive's \
             'Unable to retrieve certificate'",
        ),
    ] {
        let mut c = rsa.case(format!("cert.project.{what}"), reason.into())?;
        if let Some(s) = &mut c.secret {
            s.owner = owner;
        }
        out.push(c);
    }
    let p521 = Valid::new(
        "ecc-secp521r1",
        HashMethod::Sha512,
        ImageSource::seeded(seed("cert-curve"), IMAGE_LEN),
        PssSignSalt::Max,
    )?;
    let mut c = p521.case(
        "cert.curve-mismatch".into(),
        "a P-521 certificate under ECC_SECP384R1: upstream does not compare curves (implementation-defined)".into())?;
    c.properties
        .insert(properties::KEY_TYPE.into(), "ECC_SECP384R1".into());
    c.implementation_defined = true;
    out.push(c);
    Ok(out)
}

/// `der` with its outermost length in one octet more than DER allows (a
/// leading zero octet in the long form): BER that OpenSSL reads.
fn long_outer_length(der: &[u8]) -> Result<Vec<u8>> {
    match der {
        [tag, first, rest @ ..] if first & 0x80 != 0 && (first & 0x7f) < 0x7e => {
            let mut out = vec![*tag, first + 1, 0];
            out.extend_from_slice(rest);
            Ok(out)
        }
        _ => Err(crate::Error::Catalogue(
            "a certificate whose length is not in the long form".into(),
        )),
    }
}

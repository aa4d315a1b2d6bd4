//! `doc.*`: where the user documentation and the code disagree.

#[allow(clippy::wildcard_imports)]
use super::*;
use crate::spec::Curve;

pub(super) fn cases() -> Result<Vec<Case>> {
    let mut out = Vec::new();
    let rsa = Valid::new(
        "rsa-2048",
        HashMethod::Sha256,
        ImageSource::seeded(seed("doc"), IMAGE_LEN),
        PssSignSalt::Max,
    )?;
    out.push(rsa.case(
        "doc.signature-length.344".into(),
        "a 344-character RSA-2048 signature: the docs limit img_signature to 255 characters, Glance accepts it".into())?);
    for curve in [Curve::Secp384r1, Curve::Sect571k1] {
        let name = format!("ecc-{}", curve.slug());
        let v = Valid::new(
            &name,
            HashMethod::Sha384,
            ImageSource::seeded(seed(&name), IMAGE_LEN),
            PssSignSalt::Max,
        )?;
        let mut c = v.case(
            format!("doc.key-type.bare-{}", curve.slug()),
            format!(
                "the documentation's bare curve name {}: the code wants ECC_{}",
                curve.name(),
                curve.name()
            ),
        )?;
        c.properties
            .insert(properties::KEY_TYPE.into(), curve.name().into());
        out.push(c);
    }
    let small = Valid::new(
        "rsa-1024",
        HashMethod::Sha512,
        ImageSource::seeded(seed("doc-1024"), IMAGE_LEN),
        PssSignSalt::Max,
    )?;
    let mut c = small.case(
        "doc.failed-image.state".into(),
        "after a failed verification the docs say the image is deleted; Glance 33 keeps it queued without data".into())?;
    c.image = flip(small.image.bytes().unwrap_or_default(), 7);
    out.push(c);
    Ok(out)
}

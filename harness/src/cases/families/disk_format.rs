//! The disk format cases: Glance 33 inspects the bytes after a good
//! signature, so data must be what `disk_format` says (`sig.disk-format.*`
//! are, `neg.disk-format.*` are not), and the user guide's own example
//! (`--disk-format qcow2` over a text file) fails on it (`doc.*`).

#[allow(clippy::wildcard_imports)]
use super::*;
use crate::cases::disk_images::DiskImage;

/// The user guide's example image (`myimage`).
const GUIDE_IMAGE: &[u8] = b"This is a dodgy image\n";

/// A case signing `image` with RSA-1024 and SHA-256 (the user guide's key and hash),
/// uploaded as `disk_format`.
fn signed(id: String, reason: String, image: Vec<u8>, disk_format: &str) -> Result<Case> {
    let valid = Valid::new(
        "rsa-1024",
        HashMethod::Sha256,
        ImageSource::Bytes(image.into()),
        PssSignSalt::Max,
    )?;
    let mut case = valid.case(id, reason)?;
    case.properties
        .insert("disk_format".into(), disk_format.into());
    Ok(case)
}

pub(super) fn cases() -> Result<Vec<Case>> {
    let mut out = Vec::new();
    out.push(signed(
        "doc.disk-format.qcow2-text".into(),
        "the user guide's example, --disk-format qcow2 over a text file: Glance 33 inspects the bytes and refuses them (415)".into(),
        GUIDE_IMAGE.to_vec(),
        "qcow2",
    )?);
    for image in DiskImage::VALID {
        let fmt = image.slug();
        out.push(signed(
            format!("sig.disk-format.{fmt}"),
            format!("a signed image that really is {fmt}, uploaded as {fmt}"),
            image.bytes(),
            fmt,
        )?);
    }
    out.push(signed(
        "sig.disk-format.raw-over-qcow2".into(),
        "qcow2 bytes uploaded as raw: raw takes any format that passes its safety checks".into(),
        DiskImage::Qcow2.bytes(),
        "raw",
    )?);
    out.push(signed(
        "sig.disk-format.ami-text".into(),
        "text uploaded as ami: formats oslo cannot inspect take bytes it does not recognise".into(),
        GUIDE_IMAGE.to_vec(),
        "ami",
    )?);
    let raw = match ImageSource::seeded(seed("disk-format-raw"), IMAGE_LEN) {
        ImageSource::Bytes(b) => b.to_vec(),
        ImageSource::Seeded { .. } => Vec::new(),
    };
    for image in [
        DiskImage::Qcow2,
        DiskImage::Vmdk,
        DiskImage::Vhd,
        DiskImage::VhdxIdent,
        DiskImage::Vdi,
        DiskImage::Iso,
    ] {
        let fmt = image.slug();
        out.push(signed(
            format!("neg.disk-format.{fmt}-over-raw"),
            format!("a signed image of unformatted bytes uploaded as {fmt}: refused after the signature check (415)"),
            raw.clone(),
            fmt,
        )?);
    }
    out.push(signed(
        "neg.disk-format.qcow2-over-vmdk".into(),
        "VMDK bytes uploaded as qcow2 (415: does not match stream data vmdk)".into(),
        DiskImage::Vmdk.bytes(),
        "qcow2",
    )?);
    for image in [DiskImage::Qcow2BackingFile, DiskImage::Qed] {
        out.push(signed(
            format!("neg.disk-format.raw-over-{}", image.slug()),
            format!(
                "{} bytes uploaded as raw: raw takes any format, but not one failing its safety checks (415)",
                image.slug()
            ),
            image.bytes(),
            "raw",
        )?);
    }
    let mut bad = signed(
        "neg.disk-format.bad-signature-qcow2-text".into(),
        "the guide's text file as qcow2 with a signature of other bytes: the signature's 400 comes before the format's 415".into(),
        GUIDE_IMAGE.to_vec(),
        "qcow2",
    )?;
    bad.image = flip(GUIDE_IMAGE, 0);
    out.push(bad);
    let mut unsigned = signed(
        "neg.disk-format.unsigned-qcow2-text".into(),
        "the guide's text file as qcow2 without img_signature: not verified, but still inspected (415)".into(),
        GUIDE_IMAGE.to_vec(),
        "qcow2",
    )?;
    unsigned.properties.remove(properties::SIGNATURE);
    out.push(unsigned);
    Ok(out)
}

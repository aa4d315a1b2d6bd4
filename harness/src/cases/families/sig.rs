//! `sig.*`: every hash × key type with a good signature, and odd image sizes.

#[allow(clippy::wildcard_imports)]
use super::*;
use crate::spec::Curve;

pub(super) fn cases() -> Result<Vec<Case>> {
    let mut out = Vec::new();
    for spec in KeySpec::matrix() {
        let name = keys::file_name(spec);
        for hash in HashMethod::ALL {
            let id = format!("sig.{}.{}.valid", key_slug(spec), hash.slug());
            let v = Valid::new(
                &name,
                hash,
                ImageSource::seeded(seed(&id), IMAGE_LEN),
                PssSignSalt::Max,
            )?;
            let mut c = v.case(
                id,
                format!("a good {spec} signature over {hash}, as cursive makes it"),
            )?;
            c.matrix = Some((hash, spec.key_type()));
            out.push(c);
        }
    }
    // Odd sizes: empty, one byte, one byte over a 64 KiB chunk, one byte
    // over the harness's 1 MiB read block.
    let sizes: [(KeySpec, HashMethod, usize); 6] = [
        (KeySpec::Rsa(2048), HashMethod::Sha256, 0),
        (KeySpec::Rsa(2048), HashMethod::Sha256, 1),
        (KeySpec::Rsa(2048), HashMethod::Sha256, 65_537),
        (KeySpec::Ec(Curve::Secp384r1), HashMethod::Sha384, 0),
        (KeySpec::Ec(Curve::Secp384r1), HashMethod::Sha384, 65_537),
        (
            KeySpec::Ec(Curve::Secp521r1),
            HashMethod::Sha512,
            (1 << 20) + 1,
        ),
    ];
    for (spec, hash, len) in sizes {
        let id = format!("sig.{}.{}.size-{len}", key_slug(spec), hash.slug());
        let v = Valid::new(
            &keys::file_name(spec),
            hash,
            ImageSource::seeded(seed(&id), len),
            PssSignSalt::Max,
        )?;
        let mut c = v.case(id, format!("a good signature over a {len}-byte image"))?;
        c.matrix = Some((hash, spec.key_type()));
        out.push(c);
    }
    Ok(out)
}

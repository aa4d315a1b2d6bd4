//! `big.*`: gigabyte images, streamed end to end (opt-in).

#[allow(clippy::wildcard_imports)]
use super::*;
use crate::spec::Curve;

pub(super) fn cases() -> Result<Vec<Case>> {
    let mut out = Vec::new();
    for (spec, hash, gib) in [
        (KeySpec::Rsa(2048), HashMethod::Sha256, 1u64),
        (KeySpec::Ec(Curve::Secp384r1), HashMethod::Sha512, 1),
    ] {
        let id = format!("big.{}.{}.{gib}gib", key_slug(spec), hash.slug());
        let image = ImageSource::Seeded {
            seed: seed(&id),
            len: gib << 30,
        };
        let v = Valid::new(&keys::file_name(spec), hash, image, PssSignSalt::Max)?;
        out.push(v.case(id, format!("a {gib} GiB image, streamed end to end"))?);
    }
    Ok(out)
}

//! `cert.trust.*`: Nova's certificate validation, one case per trust
//! situation of [`crate::cases::trust`]. The image is signed with the
//! situation's signing key and its signing certificate is the stored
//! secret, so an uploader (Glance, which checks no trust) must accept each;
//! the case's [`TrustCheck`](crate::cases::trust::TrustCheck) says what a
//! consumer that validates certificates must decide, from the rules.

#[allow(clippy::wildcard_imports)]
use super::*;
use crate::cases::trust::situations;

pub(super) fn cases() -> Result<Vec<Case>> {
    let mut out = Vec::new();
    for s in situations()? {
        let id = format!("cert.trust.{}", s.name);
        let valid = Valid::new(
            &s.signing_key,
            HashMethod::Sha256,
            ImageSource::seeded(seed(&id), IMAGE_LEN),
            PssSignSalt::Max,
        )?;
        let mut c = valid.case(id, s.reason.clone())?;
        c.secret = Some(pem_secret(&s.signing)?);
        c.trust = Some(s.check()?);
        out.push(c);
    }
    Ok(out)
}

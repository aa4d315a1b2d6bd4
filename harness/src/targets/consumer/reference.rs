//! The reference consumer: what Nova's download path decides for an image
//! already on a cloud ([`crate::crypto::consume`] over the harness's
//! client). The image properties from Glance, the signing certificate from
//! Barbican, the trusted certificates by id, then the data streamed from
//! Glance through the verifier (never held whole).

use std::pin::Pin;
use std::task::{Context, Poll};

use crate::crypto::cert::Certificate;
use crate::crypto::consume::{self, Refusal};
use crate::openstack::Client;
use crate::spec::{Profile, Rejection};
use crate::trust::TrustedCertificate;
use crate::verify::{CertificateLookup, UploadVerifier};
use crate::{Error, Result};

/// What the reference consumer decided, and what it saw on the way.
#[derive(Debug, Clone)]
pub struct Decision {
    /// `Ok` with the chain (trust anchor first): the image would boot.
    pub verdict: std::result::Result<Vec<String>, Refusal>,
    /// Bytes downloaded and verified.
    pub downloaded: u64,
    /// What was fetched, one line each, in order.
    pub steps: Vec<String>,
}

/// How the consumer is configured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Settings {
    /// `[glance] enable_certificate_validation`: without trusted ids the
    /// image is refused. Off, the certificate is validated only when
    /// trusted ids are given (as Nova does).
    pub certificate_validation: bool,
    /// The rules' profile.
    pub profile: Profile,
    /// The time of the check, Unix seconds.
    pub now: i64,
}

impl Settings {
    /// Validation on, under `profile`, now.
    pub fn now(profile: Profile) -> Settings {
        Settings {
            certificate_validation: true,
            profile,
            now: std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX)),
        }
    }
}

/// Decide on image `image_id` of `client`'s cloud with the trusted
/// certificate ids `trusted_ids` (in order). `Err` when the image cannot
/// be read at all.
pub async fn decide(
    client: &Client,
    image_id: &str,
    trusted_ids: &[String],
    settings: Settings,
) -> Result<Decision> {
    let Settings { profile, now, .. } = settings;
    let mut steps = Vec::new();
    let image = client
        .image(image_id)
        .await?
        .ok_or_else(|| Error::Config(format!("Glance has no image {image_id}")))?;
    steps.push(format!("image {image_id}: {}", image.status));
    let refused = |verdict: Refusal, steps: Vec<String>| Decision {
        verdict: Err(verdict),
        downloaded: 0,
        steps,
    };
    let props = match consume::signature_properties(&image.properties, profile) {
        Ok(p) => p,
        Err(r) => return Ok(refused(r, steps)),
    };
    let signing = lookup(client, &props.certificate_uuid).await;
    steps.push(format!(
        "signing certificate {}: {}",
        props.certificate_uuid,
        describe(&signing)
    ));
    let payload = match &signing {
        CertificateLookup::Found(p) => p.clone(),
        _ => Vec::new(),
    };
    let mut verifier = match consume::verifier(props, signing, profile) {
        Ok(v) => v,
        Err(r) => return Ok(refused(r, steps)),
    };
    let mut trusted = Vec::new();
    for id in trusted_ids {
        let found = lookup(client, id).await;
        steps.push(format!("trusted certificate {id}: {}", describe(&found)));
        trusted.push(match found {
            CertificateLookup::Found(p) => match Certificate::from_pem_or_der(&p) {
                Ok(c) => TrustedCertificate::new(id, c),
                Err(e) => TrustedCertificate::unavailable(id, e.to_string()),
            },
            CertificateLookup::NotFound => {
                TrustedCertificate::unavailable(id, format!("Certificate not found with ID: {id}"))
            }
            CertificateLookup::Unavailable => TrustedCertificate::unavailable(
                id,
                Rejection::CertificateUnavailable(id.clone()).to_string(),
            ),
            other => TrustedCertificate::unavailable(id, describe(&other)),
        });
    }
    let chain = if settings.certificate_validation || !trusted.is_empty() {
        match consume::validate(&payload, &trusted, now) {
            Ok(chain) => chain,
            Err(r) => return Ok(refused(r, steps)),
        }
    } else {
        Vec::new()
    };
    if chain.is_empty() {
        steps.push("certificate not validated (no trusted ids, validation off)".into());
    } else {
        steps.push(format!("chain: {}", chain.join(" -> ")));
    }
    let mut sink = VerifierSink(&mut verifier);
    let downloaded = client.download(image_id, &mut sink).await?;
    steps.push(format!(
        "downloaded {downloaded} bytes through the verifier"
    ));
    let verdict = consume::conclude(verifier).map(|()| chain);
    Ok(Decision {
        verdict,
        downloaded,
        steps,
    })
}

/// What the key manager answers for `id`, as castellan classifies it.
async fn lookup(client: &Client, id: &str) -> CertificateLookup {
    let info = match client.secret(id).await {
        Ok(Some(info)) => info,
        Ok(None) => return CertificateLookup::NotFound,
        Err(_) => return CertificateLookup::Unavailable,
    };
    match client.secret_payload(id).await {
        Ok(Some(payload)) => {
            CertificateLookup::from_secret(info.secret_type.as_deref().unwrap_or(""), payload)
        }
        Ok(None) => CertificateLookup::NotFound,
        Err(_) => CertificateLookup::Unavailable,
    }
}

fn describe(lookup: &CertificateLookup) -> String {
    match lookup {
        CertificateLookup::Found(p) => format!("{} bytes", p.len()),
        CertificateLookup::NotFound => "not found".into(),
        CertificateLookup::Unavailable => "key manager failed".into(),
        CertificateLookup::WrongFormat(f) => format!("a secret of format {f}"),
    }
}

/// The download's writer: every chunk goes to the verifier, nothing is
/// kept.
struct VerifierSink<'a>(&'a mut UploadVerifier);

impl tokio::io::AsyncWrite for VerifierSink<'_> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<std::io::Result<usize>> {
        self.0.update(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<std::io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

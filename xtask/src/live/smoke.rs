//! `live smoke`: the user guide's flow against the live stack with the real
//! clients of its venv and the harness's own `imgsig keygen` / `sign`:
//! store the certificate in Barbican, upload a signed image (it must go
//! `active`) and a tampered one (Glance must refuse it with 400 "Signature
//! verification failed"), then delete everything it created.

use std::path::Path;
use std::process::ExitCode;

use super::bootstrap::openstack_in;
use super::services::{running, Service};
use super::{Layout, CLOUD, CLOUD_LEGACY};
use crate::guide::{self, Openstack as Os};
use crate::util::{cargo, output, Result};

/// Prefix of everything the smoke test creates (and deletes).
const PREFIX: &str = "imgsig-live-smoke";

/// Run it (against the legacy Glance with `legacy`).
pub fn run(layout: &Layout, legacy: bool) -> Result<ExitCode> {
    let (glance, cloud, up) = if legacy {
        (
            Service::GlanceLegacy,
            CLOUD_LEGACY,
            "cargo xtask live up --legacy",
        )
    } else {
        (Service::Glance, CLOUD, "cargo xtask live up")
    };
    for service in [Service::Keystone, Service::Barbican, glance] {
        if running(layout, service).is_none() {
            return Err(format!(
                "{} is not running: start the stack with `{up}`",
                service.name()
            ));
        }
    }
    let openstack = |args: &[&str]| openstack_in(layout, cloud, args);
    let work = layout.path("smoke");
    let _ = std::fs::remove_dir_all(&work);
    super::mkdir(&work)?;
    let mut secret = None;
    let result = flow(&openstack, &work, &mut secret);
    let cleaned = guide::clean_up(&openstack, PREFIX, secret.as_deref());
    result?;
    cleaned?;
    println!(
        "live smoke ({cloud}): signed image active, tampered image refused, everything deleted"
    );
    Ok(ExitCode::SUCCESS)
}

fn imgsig(args: &[&str]) -> Result<String> {
    output(
        cargo()
            .args(["run", "--quiet", "-p", "imgsig", "--"])
            .args(args),
    )
}

fn flow(openstack: &Os, work: &Path, secret: &mut Option<String>) -> Result<()> {
    let keys = work.join("keys");
    let keys_s = keys.display().to_string();
    imgsig(&[
        "keygen",
        "--key-type",
        "RSA-PSS",
        "--bits",
        "2048",
        "--out",
        &keys_s,
    ])?;
    let cert_path = keys.join("certificate.pem");
    let cert = std::fs::read(&cert_path).map_err(|e| format!("{}: {e}", cert_path.display()))?;
    let image = work.join("image.raw");
    let tampered = work.join("tampered.raw");
    super::write(&image, "This is a dodgy image\n")?;
    super::write(&tampered, "This is a dodgy image!\n")?;

    println!("$ openstack secret store --secret-type certificate …");
    let href = guide::store_certificate(openstack, PREFIX, &cert)?;
    *secret = Some(href.clone());
    let uuid = guide::secret_uuid(&href);

    let props = imgsig(&[
        "sign",
        "--json",
        "--key",
        &keys.join("private_key.pem").display().to_string(),
        "--hash-method",
        "SHA-256",
        "--cert-uuid",
        uuid,
        &image.display().to_string(),
    ])?;
    let props: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&props)
        .map_err(|e| format!("imgsig sign --json printed no JSON object: {e}: {props}"))?;
    let properties: Vec<(String, String)> = props
        .iter()
        .map(|(name, value)| (name.clone(), value.as_str().unwrap_or_default().to_owned()))
        .collect();
    let signed = |file, name| guide::SignedImage {
        file,
        name,
        disk_format: "raw",
        properties: &properties,
    };
    let good = format!("{PREFIX}-good");
    let status = guide::create_image(openstack, &signed(&image, &good), &["status"], false)?;
    if status.trim() != "active" {
        return Err(format!(
            "the signed image is {:?}, not active",
            status.trim()
        ));
    }
    println!("  active");
    let bad = format!("{PREFIX}-tampered");
    match guide::create_image(openstack, &signed(&tampered, &bad), &["status"], true) {
        Ok(out) => Err(format!(
            "Glance accepted the tampered image: {}",
            last_lines(&out)
        )),
        Err(e) if e.contains("400") && guide::refused_signature(&e) => {
            println!("  refused: 400 Signature verification failed");
            Ok(())
        }
        Err(e) => Err(format!(
            "the tampered upload failed, but not as a refused signature: {}",
            last_lines(&e)
        )),
    }
}

/// The end of a long (debug) output, for error messages.
fn last_lines(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(15)..].join("\n")
}

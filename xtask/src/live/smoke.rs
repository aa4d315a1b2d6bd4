//! `live smoke`: the user guide's flow against the live stack with the real
//! clients of its venv and the harness's own `imgsig keygen` / `sign`:
//! store the certificate in Barbican, upload a signed image (it must go
//! `active`) and a tampered one (Glance must refuse it with 400 "Signature
//! verification failed"), then delete everything it created.

use std::path::Path;
use std::process::ExitCode;

use base64::Engine;

use super::bootstrap::openstack_in;
use super::services::{running, Service};
use super::{Layout, CLOUD, CLOUD_LEGACY};
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
    let cleaned = cleanup(&openstack, secret.as_deref());
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

/// `openstack …` in the chosen cloud.
type Os<'a> = dyn Fn(&[&str]) -> Result<String> + 'a;

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
    let href = openstack(&[
        "secret",
        "store",
        "--name",
        PREFIX,
        "--algorithm",
        "RSA",
        "--secret-type",
        "certificate",
        "--payload-content-type",
        "application/octet-stream",
        "--payload-content-encoding",
        "base64",
        "--payload",
        &base64::engine::general_purpose::STANDARD.encode(cert),
        "-f",
        "value",
        "-c",
        "Secret href",
    ])?;
    let href = href.trim().to_owned();
    *secret = Some(href.clone());
    let uuid = href.rsplit('/').next().unwrap_or_default().to_owned();

    let props = imgsig(&[
        "sign",
        "--json",
        "--key",
        &keys.join("private_key.pem").display().to_string(),
        "--hash-method",
        "SHA-256",
        "--cert-uuid",
        &uuid,
        &image.display().to_string(),
    ])?;
    let props: serde_json::Map<String, serde_json::Value> = serde_json::from_str(&props)
        .map_err(|e| format!("imgsig sign --json printed no JSON object: {e}: {props}"))?;
    let mut args: Vec<String> = [
        "image",
        "create",
        "--container-format",
        "bare",
        "--disk-format",
        "raw",
    ]
    .map(str::to_owned)
    .to_vec();
    for (name, value) in &props {
        let value = value.as_str().unwrap_or_default();
        args.extend(["--property".to_owned(), format!("{name}={value}")]);
    }
    // `--debug` for the tampered upload: the client's error names only the
    // status; the debug log has Glance's body with the reason.
    let create = |file: &Path, name: &str, debug: bool| -> Result<String> {
        let mut a: Vec<String> = if debug {
            vec!["--debug".to_owned()]
        } else {
            vec![]
        };
        a.extend(args.iter().cloned());
        a.extend([
            "--file".to_owned(),
            file.display().to_string(),
            name.to_owned(),
        ]);
        a.extend(["-f", "value", "-c", "status"].map(str::to_owned));
        println!(
            "$ openstack image create --property img_signature=… --file {} {name}",
            file.display()
        );
        openstack(&a.iter().map(String::as_str).collect::<Vec<_>>())
    };
    let status = create(&image, &format!("{PREFIX}-good"), false)?;
    if status.trim() != "active" {
        return Err(format!(
            "the signed image is {:?}, not active",
            status.trim()
        ));
    }
    println!("  active");
    match create(&tampered, &format!("{PREFIX}-tampered"), true) {
        Ok(out) => Err(format!(
            "Glance accepted the tampered image: {}",
            last_lines(&out)
        )),
        Err(e) if e.contains("400") && e.contains("Signature verification failed for image") => {
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

/// Delete the smoke images (by name prefix) and the secret.
fn cleanup(openstack: &Os, secret: Option<&str>) -> Result<()> {
    let list = openstack(&["image", "list", "-f", "value", "-c", "ID", "-c", "Name"])?;
    for line in list.lines().filter(|l| l.contains(PREFIX)) {
        if let Some(id) = line.split_whitespace().next() {
            openstack(&["image", "delete", id])?;
        }
    }
    if let Some(href) = secret {
        openstack(&["secret", "delete", href])?;
    }
    Ok(())
}

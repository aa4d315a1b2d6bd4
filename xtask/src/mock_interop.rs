//! `cargo xtask mock-interop`: the documented commands of the user guide,
//! unchanged, with the real python-openstackclient (from a virtualenv this
//! task creates under `target/`) against the embedded mocks: store the
//! certificate in Barbican, create a good and a tampered signed image,
//! show them, delete them.

use std::path::Path;
use std::process::{Command, ExitCode};

use imgsig::cases::keys;
use imgsig::crypto::{digest_bytes, BackendKind};
use imgsig::spec::base64::encode;
use imgsig::spec::{HashMethod, PssSignSalt};
use imgsig_mock::{MockCloud, MockConfig};

use crate::guide;
use crate::util::{output, target_dir, Result};
use crate::venv::{Env, Venv};

/// Arguments of `cargo xtask mock-interop`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Run it.
pub fn run(_args: Args) -> Result<ExitCode> {
    let venv = Venv::at(target_dir().join("mock-interop-venv"));
    venv.ensure(
        Env::MockInterop,
        &target_dir().join("mock-interop-install.log"),
    )?;
    let openstack = venv.bin("openstack");
    let work = target_dir().join("mock-interop");
    std::fs::create_dir_all(&work).map_err(|e| format!("{}: {e}", work.display()))?;

    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    let cloud = rt
        .block_on(MockCloud::start(MockConfig::default()))
        .map_err(|e| format!("cannot start the mocks: {e}"))?;
    let result = session(&cloud, &openstack, &work).and_then(|()| {
        crate::reproductions::check(&rt, &cloud, &client_env(&cloud, &openstack), &work)
    });
    rt.block_on(cloud.shutdown());
    result?;
    println!(
        "mock-interop: every documented command and the harness's printed reproductions \
         worked against the mocks"
    );
    Ok(ExitCode::SUCCESS)
}

/// The environment the client runs in: the mock cloud's OS_* variables,
/// and a PATH that finds `openstack` first.
fn client_env(cloud: &MockCloud, openstack: &Path) -> Vec<(String, String)> {
    let bin = openstack.parent().unwrap_or(Path::new("."));
    let path = std::env::var("PATH").unwrap_or_default();
    let mut env = vec![
        ("PATH".to_owned(), format!("{}:{path}", bin.display())),
        ("HOME".to_owned(), target_dir().display().to_string()),
    ];
    env.extend(
        cloud
            .admin()
            .env_vars()
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v)),
    );
    env
}

/// `openstack …` with the mock cloud's OS_* variables.
fn os(cloud: &MockCloud, openstack: &Path, args: &[&str]) -> Result<String> {
    let mut cmd = Command::new(openstack);
    cmd.args(args)
        .env_clear()
        .envs(client_env(cloud, openstack));
    eprintln!(
        "$ openstack {}",
        args.join(" ").chars().take(160).collect::<String>()
    );
    output(&mut cmd)
}

fn session(cloud: &MockCloud, openstack: &Path, work: &Path) -> Result<()> {
    let key = keys::key("rsa-1024").map_err(|e| e.to_string())?;
    let cert = keys::certificate(key, "mock-interop").map_err(|e| e.to_string())?;
    let cert_pem = cert.to_pem().map_err(|e| e.to_string())?;
    let image = b"This is a dodgy image\n".to_vec();
    let backend = BackendKind::OpenSsl.backend();
    let digest = digest_bytes(backend, HashMethod::Sha256, &image).map_err(|e| e.to_string())?;
    let signature = backend
        .sign_digest(key, HashMethod::Sha256, &digest, PssSignSalt::Max)
        .map_err(|e| e.to_string())?;
    let good = work.join("myimage");
    let tampered = work.join("tampered");
    std::fs::write(&good, &image).map_err(|e| e.to_string())?;
    std::fs::write(&tampered, b"This is a dodgy image!\n").map_err(|e| e.to_string())?;

    // The user guide's commands, as written.
    let openstack = |args: &[&str]| os(cloud, openstack, args);
    let href = guide::store_certificate(&openstack, "mock-interop", &cert_pem)?;
    let properties = [
        ("img_signature", encode(&signature)),
        (
            "img_signature_certificate_uuid",
            guide::secret_uuid(&href).to_owned(),
        ),
        ("img_signature_hash_method", "SHA-256".to_owned()),
        ("img_signature_key_type", "RSA-PSS".to_owned()),
    ]
    .map(|(k, v)| (k.to_owned(), v));
    let image = |file, name, disk_format| guide::SignedImage {
        file,
        name,
        disk_format,
        properties: &properties,
    };
    let columns = ["id", "status"];
    // The guide's own example: --disk-format qcow2 over a text file, which
    // Glance 33 (and so the mock) refuses after the good signature.
    let guides = image(&good, "mock-interop-guide", "qcow2");
    match guide::create_image(&openstack, &guides, &columns, false) {
        Ok(out) => return Err(format!("the text file was taken for qcow2: {out}")),
        Err(e) if guide::refused_format(&e) => {}
        Err(e) => return Err(format!("the guide's qcow2 example failed otherwise: {e}")),
    }
    let good = image(&good, "mock-interop-good", "raw");
    let out = guide::create_image(&openstack, &good, &columns, false)?;
    if !out.contains("active") {
        return Err(format!("the good image is not active: {out}"));
    }
    let good_id = out
        .lines()
        .find(|l| l.len() == 36)
        .unwrap_or_default()
        .to_owned();
    let tampered = image(&tampered, "mock-interop-tampered", "raw");
    // As against the live Glance (xtask/src/live/smoke.rs): the client
    // sends an empty Accept, so Glance's 400 is plain text and the client
    // prints only "Bad Request"; its --debug output has the reason.
    match guide::create_image(&openstack, &tampered, &columns, true) {
        Ok(out) => return Err(format!("the tampered image was accepted: {out}")),
        Err(e) if e.contains("400") && guide::refused_signature(&e) => {}
        Err(e) => {
            return Err(format!(
                "the tampered image failed, but not as Glance fails: {e}"
            ))
        }
    }
    // Without --debug the client shows what it shows against Glance 33.
    match guide::create_image(&openstack, &tampered, &columns, false) {
        Err(e) if e.trim_end().ends_with("Bad Request") && !guide::refused_signature(&e) => {}
        other => {
            return Err(format!(
                "without --debug the client should print only \"Bad Request\" (Glance's \
                 plain-text 400): {other:?}"
            ))
        }
    }
    let status = guide::image_status(&openstack, &good_id)?;
    if status != "active" {
        return Err(format!("image show: {status}"));
    }
    guide::clean_up(&openstack, "mock-interop", Some(&href))?;
    let left = guide::image_names(&openstack)?;
    if left.iter().any(|n| n.contains("mock-interop")) {
        return Err(format!("images left after delete: {left:?}"));
    }
    Ok(())
}

//! `cargo xtask bench-verify`: `imgsig verify` against `openssl dgst -verify`
//! on the same generated file, in one run.
//!
//! Builds imgsig in release, generates the data once (a seeded stream, kept
//! in `target/bench/` and reused), makes a key and certificate per key type
//! with `imgsig keygen` and a signature per hash with `imgsig sign`, then
//! times both verifiers in alternating repetitions and prints the best
//! throughput of each and their ratio. Exits 1 when imgsig falls below
//! [`TARGET_RATIO`] of openssl's throughput anywhere.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::{Duration, Instant};

use base64::Engine as _;
use rand::{rngs::StdRng, RngCore, SeedableRng};

use crate::util::{cargo, output, target_dir, Result};

/// imgsig must reach this fraction of openssl's throughput.
pub const TARGET_RATIO: f64 = 0.95;

/// Seed of the generated data.
const SEED: u64 = 0x1a5_5e1f;
pub(crate) const MIB: u64 = 1 << 20;

/// Arguments of `cargo xtask bench-verify`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Size of the generated file in MiB.
    #[arg(long, default_value_t = 1024)]
    size_mib: u64,
    /// Timed runs of each verifier per configuration (the best counts).
    #[arg(long, default_value_t = 5)]
    reps: usize,
}

/// A key type as `imgsig keygen` takes it.
pub(crate) struct KeyConfig {
    pub(crate) key_type: &'static str,
    pub(crate) bits: Option<&'static str>,
}

pub(crate) const KEYS: [KeyConfig; 2] = [
    KeyConfig {
        key_type: "RSA-PSS",
        bits: Some("2048"),
    },
    KeyConfig {
        key_type: "ECC_SECP384R1",
        bits: None,
    },
];
const HASHES: [&str; 2] = ["SHA-256", "SHA-512"];

/// Run it.
pub fn run(args: Args) -> Result<ExitCode> {
    let reps = args.reps.max(1);
    let mut build = cargo();
    build.args([
        "build",
        "--release",
        "--quiet",
        "-p",
        "imgsig",
        "--bin",
        "imgsig",
    ]);
    output(&mut build)?;
    let dir = target_dir().join("bench");
    let imgsig = target_dir().join("release").join("imgsig");
    let data = data_file(&dir, args.size_mib)?;
    let bytes = args.size_mib * MIB;

    println!(
        "verify throughput on {} ({} MiB), best of {reps}",
        data.display(),
        args.size_mib
    );
    println!(
        "{:<24} {:>12} {:>12} {:>7}",
        "configuration", "imgsig MB/s", "openssl MB/s", "ratio"
    );
    let mut all_met = true;
    for key in &KEYS {
        let keys = key_dir(&imgsig, &dir, key)?;
        for hash in HASHES {
            let sig = signature(&imgsig, &keys, hash, &data)?;
            let ours = imgsig_verify(&imgsig, &keys, key.key_type, hash, &sig.base64, &data);
            let theirs = openssl_verify(&keys, key.key_type, hash, &sig.file, &data);
            let [ours, theirs] = time_alternating([ours, theirs], reps)?;
            let (ours, theirs) = (mb_per_s(bytes, ours), mb_per_s(bytes, theirs));
            let ratio = ours / theirs;
            let met = ratio >= TARGET_RATIO;
            all_met &= met;
            println!(
                "{:<24} {ours:>12.0} {theirs:>12.0} {ratio:>7.3}{}",
                format!("{} {hash}", key.key_type),
                if met { "" } else { "  below target" }
            );
        }
    }
    println!("target: imgsig >= {TARGET_RATIO} x openssl");
    Ok(if all_met {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// The generated data file of `size_mib` MiB, made once.
pub(crate) fn data_file(dir: &Path, size_mib: u64) -> Result<PathBuf> {
    let path = dir.join(format!("data-{size_mib}MiB-{SEED:x}.bin"));
    if std::fs::metadata(&path).is_ok_and(|m| m.len() == size_mib * MIB) {
        return Ok(path);
    }
    std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let partial = path.with_extension("partial");
    let write = || -> std::io::Result<()> {
        let mut out = BufWriter::new(File::create(&partial)?);
        let mut rng = StdRng::seed_from_u64(SEED);
        let mut block = vec![0u8; MIB as usize];
        for _ in 0..size_mib {
            rng.fill_bytes(&mut block);
            out.write_all(&block)?;
        }
        out.into_inner()?.sync_all()?;
        std::fs::rename(&partial, &path)
    };
    write().map_err(|e| format!("{}: {e}", partial.display()))?;
    Ok(path)
}

/// A directory with `private_key.pem`, `certificate.pem` (from `imgsig
/// keygen`) and `pub.pem` (for openssl), made once per key type.
pub(crate) fn key_dir(imgsig: &Path, dir: &Path, key: &KeyConfig) -> Result<PathBuf> {
    let out = dir.join(format!("key-{}", key.key_type));
    let public = out.join("pub.pem");
    if public.exists() {
        return Ok(out);
    }
    let mut keygen = Command::new(imgsig);
    keygen.args(["keygen", "--key-type", key.key_type, "--out"]);
    keygen.arg(&out);
    if let Some(bits) = key.bits {
        keygen.args(["--bits", bits]);
    }
    output(&mut keygen)?;
    let mut pubkey = Command::new("openssl");
    pubkey.args(["x509", "-noout", "-pubkey", "-in"]);
    pubkey.arg(out.join("certificate.pem"));
    let pem = output(&mut pubkey)?;
    std::fs::write(&public, pem).map_err(|e| format!("{}: {e}", public.display()))?;
    Ok(out)
}

/// A signature: as the `img_signature` property and as a raw file.
pub(crate) struct Signature {
    pub(crate) base64: String,
    pub(crate) file: PathBuf,
}

pub(crate) fn signature(imgsig: &Path, keys: &Path, hash: &str, data: &Path) -> Result<Signature> {
    let mut sign = Command::new(imgsig);
    sign.args(["sign", "--json", "--hash-method", hash, "--key"]);
    sign.arg(keys.join("private_key.pem")).arg(data);
    let json = output(&mut sign)?;
    let props: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(&json).map_err(|e| format!("imgsig sign --json: {e}"))?;
    let base64 = props
        .get("img_signature")
        .and_then(serde_json::Value::as_str)
        .ok_or("imgsig sign --json printed no img_signature")?
        .to_owned();
    let raw = base64::engine::general_purpose::STANDARD
        .decode(&base64)
        .map_err(|e| format!("img_signature: {e}"))?;
    let file = keys.join(format!("sig-{hash}.bin"));
    std::fs::write(&file, raw).map_err(|e| format!("{}: {e}", file.display()))?;
    Ok(Signature { base64, file })
}

fn imgsig_verify(
    imgsig: &Path,
    keys: &Path,
    key_type: &str,
    hash: &str,
    signature: &str,
    data: &Path,
) -> Command {
    let mut cmd = Command::new(imgsig);
    cmd.args(["verify", "--hash-method", hash, "--key-type", key_type]);
    cmd.args(["--signature", signature, "--cert"]);
    cmd.arg(keys.join("certificate.pem")).arg(data);
    cmd
}

fn openssl_verify(
    keys: &Path,
    key_type: &str,
    hash: &str,
    signature: &Path,
    data: &Path,
) -> Command {
    let md = hash.replace('-', "").to_lowercase();
    let mut cmd = Command::new("openssl");
    cmd.args(["dgst", &format!("-{md}"), "-verify"]);
    cmd.arg(keys.join("pub.pem"))
        .arg("-signature")
        .arg(signature);
    if key_type == "RSA-PSS" {
        cmd.args(["-sigopt", "rsa_padding_mode:pss"]);
        cmd.args(["-sigopt", "rsa_pss_saltlen:auto"]);
        cmd.args(["-sigopt", &format!("rsa_mgf1_md:{md}")]);
    }
    cmd.arg(data);
    cmd
}

/// Run each command `reps` times, alternating which goes first, and return
/// the best wall time of each. Every run must succeed (the signature
/// verifies).
fn time_alternating<const N: usize>(mut cmds: [Command; N], reps: usize) -> Result<[Duration; N]> {
    let mut best = [Duration::MAX; N];
    for rep in 0..reps {
        for i in 0..N {
            let i = (i + rep) % N;
            let started = Instant::now();
            output(&mut cmds[i])?;
            best[i] = best[i].min(started.elapsed());
        }
    }
    Ok(best)
}

pub(crate) fn mb_per_s(bytes: u64, time: Duration) -> f64 {
    bytes as f64 / 1e6 / time.as_secs_f64()
}

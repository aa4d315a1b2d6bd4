//! `cargo xtask bench-upload`: a verified upload to the mock Glance against
//! the limit `openssl speed` sets for the hashes it computes, in one run.
//!
//! A verified upload costs three hashes per byte: Glance's MD5
//! (`checksum`) and SHA-512 (`os_hash_value`), and the signature's
//! SHA-256. The mock computes them on parallel workers, so on `c` cores the
//! hashes allow at most `min(slowest hash, c / Σ 1/rate)`: no hash runs
//! faster than one core, and together they cannot use more than the cores.
//! The task measures the three rates with `openssl speed -evp` (one core
//! each, CPU time), then uploads the generated file (RSA-PSS 2048 /
//! SHA-256, signed by `imgsig sign`) with curl to a release build of
//! `imgsig-mock` and prints the best wall-clock throughput, its ratio to the
//! limit, the mock's CPU time per GiB against the hashes', and the load
//! average. Exits 1 below [`TARGET_RATIO`].

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdout, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use base64::Engine as _;
use serde_json::{json, Value};

use crate::bench_verify::{data_file, key_dir, mb_per_s, signature, KEYS, MIB};
use crate::util::{cargo, output, target_dir, Result};

/// The upload must reach this fraction of the hashes' limit.
pub const TARGET_RATIO: f64 = 0.8;

/// The hashes of a verified upload: Glance's two and the signature's.
const HASHES: [&str; 3] = ["md5", "sha512", "sha256"];

/// The admin password the mock is started with.
const PASSWORD: &str = "imgsig-bench";

/// Arguments of `cargo xtask bench-upload`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Size of the generated file in MiB.
    #[arg(long, default_value_t = 1024)]
    size_mib: u64,
    /// Timed uploads (the best counts).
    #[arg(long, default_value_t = 3)]
    reps: usize,
    /// Where the mock keeps image data; a tmpfs keeps the disk out of the
    /// figure [default: /dev/shm if present, else the temporary directory].
    #[arg(long)]
    data_dir: Option<PathBuf>,
}

/// Run it.
pub fn run(args: Args) -> Result<ExitCode> {
    let reps = args.reps.max(1);
    let mut build = cargo();
    build.args(["build", "--release", "--quiet", "-p", "imgsig", "--bin"]);
    build.args(["imgsig", "-p", "imgsig-mock", "--bin", "imgsig-mock"]);
    output(&mut build)?;
    let release = target_dir().join("release");
    let dir = target_dir().join("bench");
    let data = data_file(&dir, args.size_mib)?;
    let bytes = args.size_mib * MIB;
    let rsa = &KEYS[0];
    let keys = key_dir(&release.join("imgsig"), &dir, rsa)?;
    let sig = signature(&release.join("imgsig"), &keys, "SHA-256", &data)?;

    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let mut rates = Vec::new();
    for hash in HASHES {
        rates.push((hash, openssl_speed(hash)?));
    }
    let limit = limit(&rates, cores);

    let data_dir = args.data_dir.or_else(|| {
        let shm = PathBuf::from("/dev/shm");
        shm.is_dir().then_some(shm)
    });
    let mock = Mock::start(&release.join("imgsig-mock"), data_dir.as_deref())?;
    let session = mock.session(&keys.join("certificate.pem"))?;
    let mut best = Duration::MAX;
    let mut cpu = Duration::MAX;
    for _ in 0..reps {
        let image = session.create_image(&sig.base64)?;
        let cpu_before = mock.cpu_time()?;
        let started = Instant::now();
        session.upload(&image, &data)?;
        best = best.min(started.elapsed());
        cpu = cpu.min(mock.cpu_time()?.saturating_sub(cpu_before));
        session.delete(&image)?;
    }
    drop(mock);

    let throughput = mb_per_s(bytes, best);
    let ratio = throughput / limit;
    let gib = bytes as f64 / (1u64 << 30) as f64;
    let hash_cpu: f64 = rates.iter().map(|(_, r)| bytes as f64 / 1e6 / r).sum();
    println!(
        "verified upload of {} ({} MiB), best of {reps}",
        data.display(),
        args.size_mib
    );
    println!(
        "image data in {}",
        data_dir.map_or_else(
            || "the temporary directory".into(),
            |d| d.display().to_string()
        )
    );
    for (hash, rate) in &rates {
        println!("openssl speed -evp {hash:<6} {rate:>8.0} MB/s (one core)");
    }
    println!(
        "limit on {cores} cores       {limit:>8.0} MB/s (min(slowest, cores / sum of 1/rate))"
    );
    println!(
        "upload (wall clock)       {throughput:>8.0} MB/s  ratio {ratio:.3}{}",
        if ratio >= TARGET_RATIO {
            ""
        } else {
            "  below target"
        }
    );
    println!(
        "mock CPU per GiB          {:>8.2} s (the three hashes alone: {:.2} s)",
        cpu.as_secs_f64() / gib,
        hash_cpu / gib
    );
    println!("load average              {}", load_average());
    println!("target: upload >= {TARGET_RATIO} x limit");
    Ok(if ratio >= TARGET_RATIO {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// What hashes at `rates` (MB/s on one core each) allow on `cores` cores
/// when each runs on its own worker.
fn limit(rates: &[(&str, f64)], cores: usize) -> f64 {
    let slowest = rates.iter().map(|(_, r)| *r).fold(f64::INFINITY, f64::min);
    let per_byte: f64 = rates.iter().map(|(_, r)| 1.0 / r).sum();
    slowest.min(cores as f64 / per_byte)
}

/// `openssl speed -evp HASH` on 1 MiB blocks: MB/s of one core (CPU time).
fn openssl_speed(hash: &str) -> Result<f64> {
    let mut speed = Command::new("openssl");
    speed.args([
        "speed", "-mr", "-seconds", "2", "-bytes", "1048576", "-evp", hash,
    ]);
    let out = output(&mut speed)?;
    out.lines()
        .find_map(|l| l.strip_prefix("+F:"))
        .and_then(|l| l.rsplit(':').next())
        .and_then(|v| v.trim().parse::<f64>().ok())
        .map(|bytes_per_s| bytes_per_s / 1e6)
        .ok_or_else(|| format!("openssl speed -evp {hash}: no +F line in {out:?}"))
}

/// The load average, as `uptime` prints it.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(", "))
        .unwrap_or_else(|_| "unknown".into())
}

/// A running `imgsig-mock`, stopped with SIGTERM on drop (which removes
/// its data directory).
struct Mock {
    child: Child,
    _stdout: BufReader<ChildStdout>,
    keystone: String,
    barbican: String,
    glance: String,
}

impl Mock {
    fn start(binary: &Path, data_dir: Option<&Path>) -> Result<Mock> {
        let mut cmd = Command::new(binary);
        cmd.args(["--admin-password", PASSWORD]);
        if let Some(dir) = data_dir {
            cmd.arg("--data-dir").arg(dir);
        }
        let mut child = cmd
            .stdout(Stdio::piped())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
        let stdout = child.stdout.take().ok_or("imgsig-mock: no stdout")?;
        let mut stdout = BufReader::new(stdout);
        let mut banner = String::new();
        stdout
            .read_line(&mut banner)
            .map_err(|e| format!("imgsig-mock: {e}"))?;
        // "# imgsig-mock: keystone URL barbican URL glance URL (profile …)"
        let words: Vec<&str> = banner.split_whitespace().collect();
        let after = |name: &str| {
            words
                .iter()
                .position(|w| *w == name)
                .and_then(|i| words.get(i + 1))
                .map(|w| (*w).to_owned())
                .ok_or_else(|| format!("imgsig-mock banner without {name}: {banner:?}"))
        };
        Ok(Mock {
            keystone: after("keystone")?,
            barbican: after("barbican")?,
            glance: after("glance")?,
            child,
            _stdout: stdout,
        })
    }

    /// User plus system CPU time the mock has used.
    fn cpu_time(&self) -> Result<Duration> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.child.id()))
            .map_err(|e| format!("imgsig-mock's /proc stat: {e}"))?;
        // Fields after the parenthesised command name; utime and stime are
        // the 14th and 15th of the line.
        let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
        let ticks: u64 = rest
            .split_whitespace()
            .skip(11)
            .take(2)
            .filter_map(|v| v.parse::<u64>().ok())
            .sum();
        let hz = output(Command::new("getconf").arg("CLK_TCK"))?
            .trim()
            .parse::<u64>()
            .unwrap_or(100);
        Ok(Duration::from_secs_f64(ticks as f64 / hz as f64))
    }

    /// A token for the admin and the certificate stored in Barbican.
    fn session(&self, certificate: &Path) -> Result<Session> {
        let auth = json!({"auth": {"identity": {"methods": ["password"], "password": {"user": {
            "name": "admin", "domain": {"name": "Default"}, "password": PASSWORD}}},
            "scope": {"project": {"name": "admin", "domain": {"name": "Default"}}}}});
        let headers = curl(&[
            "-D",
            "-",
            "-o",
            "/dev/null",
            "-H",
            "Content-Type: application/json",
            "--data",
            &auth.to_string(),
            &format!("{}/v3/auth/tokens", self.keystone),
        ])?;
        let token = headers
            .lines()
            .find_map(|l| {
                l.split_once(':')
                    .filter(|(k, _)| k.eq_ignore_ascii_case("x-subject-token"))
            })
            .map(|(_, v)| v.trim().to_owned())
            .ok_or_else(|| format!("Keystone gave no token: {headers}"))?;
        let pem =
            std::fs::read(certificate).map_err(|e| format!("{}: {e}", certificate.display()))?;
        let secret = json!({"name": "bench", "secret_type": "certificate",
            "payload": base64::engine::general_purpose::STANDARD.encode(pem),
            "payload_content_type": "application/octet-stream",
            "payload_content_encoding": "base64"});
        let stored = json_call(
            &token,
            "POST",
            &format!("{}/v1/secrets", self.barbican),
            &secret,
        )?;
        let certificate = stored["secret_ref"]
            .as_str()
            .and_then(|r| r.rsplit('/').next())
            .ok_or_else(|| format!("Barbican stored no secret: {stored}"))?
            .to_owned();
        Ok(Session {
            glance: self.glance.clone(),
            token,
            certificate,
        })
    }
}

impl Drop for Mock {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

/// The admin's token and the certificate's secret id.
struct Session {
    glance: String,
    token: String,
    certificate: String,
}

impl Session {
    fn create_image(&self, signature: &str) -> Result<String> {
        let body = json!({"name": "bench", "disk_format": "raw", "container_format": "bare",
            "img_signature": signature,
            "img_signature_certificate_uuid": self.certificate,
            "img_signature_hash_method": "SHA-256",
            "img_signature_key_type": "RSA-PSS"});
        let image = json_call(
            &self.token,
            "POST",
            &format!("{}/v2/images", self.glance),
            &body,
        )?;
        image["id"]
            .as_str()
            .map(str::to_owned)
            .ok_or_else(|| format!("Glance created no image: {image}"))
    }

    /// `PUT …/file` streamed from `data`; it must verify and go `active`
    /// with Glance's checksums.
    fn upload(&self, image: &str, data: &Path) -> Result<()> {
        let url = format!("{}/v2/images/{image}/file", self.glance);
        let status = curl(&[
            "-o",
            "/dev/null",
            "-w",
            "%{http_code}",
            "-X",
            "PUT",
            "-H",
            &format!("X-Auth-Token: {}", self.token),
            "-H",
            "Content-Type: application/octet-stream",
            "-H",
            "Expect:",
            "-T",
            &data.display().to_string(),
            &url,
        ])?;
        if status.trim() != "204" {
            return Err(format!("upload answered {status}, not 204"));
        }
        let shown = curl(&[
            "-H",
            &format!("X-Auth-Token: {}", self.token),
            &format!("{}/v2/images/{image}", self.glance),
        ])?;
        let shown: Value = serde_json::from_str(&shown).map_err(|e| format!("image: {e}"))?;
        if shown["status"] != "active"
            || shown["checksum"].is_null()
            || shown["os_hash_value"].is_null()
        {
            return Err(format!("after the upload: {shown}"));
        }
        Ok(())
    }

    fn delete(&self, image: &str) -> Result<()> {
        curl(&[
            "-X",
            "DELETE",
            "-H",
            &format!("X-Auth-Token: {}", self.token),
            &format!("{}/v2/images/{image}", self.glance),
        ])
        .map(drop)
    }
}

/// `curl -sS --fail-with-body ARGS`; its standard output.
fn curl(args: &[&str]) -> Result<String> {
    let mut cmd = Command::new("curl");
    cmd.args(["-sS", "--fail-with-body"]).args(args);
    output(&mut cmd)
}

/// A JSON request with the token; the JSON answer.
fn json_call(token: &str, method: &str, url: &str, body: &Value) -> Result<Value> {
    let text = curl(&[
        "-X",
        method,
        "-H",
        &format!("X-Auth-Token: {token}"),
        "-H",
        "Content-Type: application/json",
        "--data",
        &body.to_string(),
        url,
    ])?;
    serde_json::from_str(&text).map_err(|e| format!("{url}: {e}: {text}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_is_the_cores_shared_unless_one_hash_is_slower() {
        let rates = [("md5", 546.0), ("sha512", 563.0), ("sha256", 1284.0)];
        // The figures: about 450 MB/s on two cores.
        assert_eq!(limit(&rates, 2).round(), 456.0);
        assert_eq!(limit(&rates, 1).round(), 228.0);
        // With cores to spare, the slowest hash decides.
        assert_eq!(limit(&rates, 8), 546.0);
    }
}

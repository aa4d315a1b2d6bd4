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
//! SHA-256, signed by `imgsig sign`) with `sendfile(2)` to a release build
//! of `imgsig-mock` and prints the best wall-clock throughput, its ratio to
//! the limit, the mock's CPU time and page faults per GiB against the
//! hashes', how that CPU time splits over the mock's threads (each hash
//! on its own worker: compare the busiest with the hashes' one-core
//! times), and the load average. Exits 1 below [`TARGET_RATIO`].
//!
//! Every upload also moves the bytes over a socket and stores them, which
//! the hash limit leaves out. The task measures both in the same run, each
//! done the cheapest way (loopback into a reused buffer; a new file in the
//! mock's data directory), and prints the limit with them counted and the
//! ratio to it, so a shortfall reads as the mock's or as the machine's.

use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
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
    let hash_limit = limit(&rates, cores, 0.0);

    let data_dir = args.data_dir.or_else(|| {
        let shm = PathBuf::from("/dev/shm");
        shm.is_dir().then_some(shm)
    });
    let store_dir = data_dir.clone().unwrap_or_else(std::env::temp_dir);
    let mock = Mock::start(&release.join("imgsig-mock"), data_dir.as_deref())?;
    let session = mock.session(&keys.join("certificate.pem"))?;
    let mut best = Duration::MAX;
    let mut used = Usage {
        cpu: Duration::MAX,
        faults: u64::MAX,
    };
    let mut threads = Vec::new();
    let mut transfer = Duration::MAX;
    let mut store = Duration::MAX;
    clock_ticks(); // asked of getconf now, outside the measured windows
    for _ in 0..reps {
        transfer = transfer.min(transfer_cpu(&data)?);
        store = store.min(store_cpu(&store_dir, bytes)?);
        let image = session.create_image(&sig.base64)?;
        let before = mock.usage()?;
        let threads_before = mock.threads()?;
        let started = Instant::now();
        session.upload(&image, &data)?;
        best = best.min(started.elapsed());
        let upload = mock.usage()?.since(before);
        if upload.cpu < used.cpu {
            threads = busiest_threads(&threads_before, &mock.threads()?);
        }
        used.cpu = used.cpu.min(upload.cpu);
        used.faults = used.faults.min(upload.faults);
        session.delete(&image)?;
    }
    drop(mock);
    let megabytes = bytes as f64 / 1e6;
    let moving = (transfer + store).as_secs_f64() / megabytes;
    let machine = limit(&rates, cores, moving);

    let throughput = mb_per_s(bytes, best);
    let ratio = throughput / hash_limit;
    let gib = bytes as f64 / (1u64 << 30) as f64;
    let hash_cpu: f64 = rates.iter().map(|(_, r)| megabytes / r).sum();
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
        "limit on {cores} cores       {hash_limit:>8.0} MB/s (min(slowest, cores / sum of 1/rate))"
    );
    println!(
        "loopback transfer         {:>8.2} s CPU per GiB (sendfile into a reused buffer, both ends)",
        transfer.as_secs_f64() / gib
    );
    println!(
        "storing the data          {:>8.2} s CPU per GiB (a new file in {} from a reused buffer)",
        store.as_secs_f64() / gib,
        store_dir.display()
    );
    println!(
        "limit with both           {machine:>8.0} MB/s (min(slowest, cores / (sum of 1/rate + transfer + store)))"
    );
    println!(
        "upload (wall clock)       {throughput:>8.0} MB/s  ratio {ratio:.3} to the hash limit{}, {:.3} to the limit with both",
        if ratio >= TARGET_RATIO {
            ""
        } else {
            " (below target)"
        },
        throughput / machine
    );
    println!(
        "mock CPU per GiB          {:>8.2} s (the three hashes alone: {:.2} s)",
        used.cpu.as_secs_f64() / gib,
        hash_cpu / gib
    );
    println!(
        "mock threads, s per GiB   {} (that upload's, busiest first)",
        threads
            .iter()
            .map(|cpu| format!("{:.2}", cpu.as_secs_f64() / gib))
            .collect::<Vec<_>>()
            .join(" ")
    );
    for (hash, rate) in &rates {
        println!(
            "  {hash:<6} on one core     {:>8.2} s per GiB",
            megabytes / rate / gib
        );
    }
    println!(
        "mock page faults per GiB  {:>8.0} (a fresh 4 KiB page for every byte would be {})",
        used.faults as f64 / gib,
        (1u64 << 30) / 4096
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
/// when each runs on its own worker, with `extra` CPU seconds per MB of
/// other work sharing the cores.
fn limit(rates: &[(&str, f64)], cores: usize, extra: f64) -> f64 {
    let slowest = rates.iter().map(|(_, r)| *r).fold(f64::INFINITY, f64::min);
    let per_mb: f64 = rates.iter().map(|(_, r)| 1.0 / r).sum::<f64>() + extra;
    slowest.min(cores as f64 / per_mb)
}

/// CPU time this process spends moving `data` over loopback into a
/// reused buffer: [`put_file`]'s `sendfile` at one end, a reader at the
/// other. The mock's side of an upload cannot cost less.
fn transfer_cpu(data: &Path) -> Result<Duration> {
    let io = |e: std::io::Error| format!("loopback transfer: {e}");
    let listener = TcpListener::bind("127.0.0.1:0").map_err(io)?;
    let address = listener.local_addr().map_err(io)?;
    let reader = std::thread::spawn(move || -> std::io::Result<u64> {
        let (mut stream, _) = listener.accept()?;
        let mut buffer = vec![0u8; MIB as usize];
        let mut received = 0;
        loop {
            match stream.read(&mut buffer)? {
                0 => return Ok(received),
                n => received += n as u64,
            }
        }
    });
    let before = Usage::own()?;
    let file = File::open(data).map_err(io)?;
    let stream = TcpStream::connect(address).map_err(io)?;
    let sent = send_file(&file, &stream).map_err(io)?;
    drop(stream);
    let received = reader
        .join()
        .map_err(|_| "loopback transfer: the reader panicked")?
        .map_err(io)?;
    if received != sent {
        return Err(format!(
            "loopback transfer: {received} of {sent} bytes arrived"
        ));
    }
    Ok(Usage::own()?.since(before).cpu)
}

/// CPU time this process spends writing `bytes` from a reused buffer into
/// a new file in `dir`, as a store must (the file is removed).
fn store_cpu(dir: &Path, bytes: u64) -> Result<Duration> {
    let path = dir.join(format!("imgsig-bench-store-{}", std::process::id()));
    let io = |e: std::io::Error| format!("{}: {e}", path.display());
    let block = vec![0x5a_u8; MIB as usize];
    let before = Usage::own()?;
    let written = (|| {
        let mut file = File::create(&path)?;
        let mut left = bytes;
        while left > 0 {
            let n = left.min(MIB);
            file.write_all(&block[..n as usize])?;
            left -= n;
        }
        file.flush()
    })();
    let cpu = Usage::own()?.since(before).cpu;
    let removed = std::fs::remove_file(&path);
    written.and(removed).map_err(io)?;
    Ok(cpu)
}

/// Clock ticks per second of `/proc`'s CPU times, asked of `getconf` once.
fn clock_ticks() -> u64 {
    static TICKS: std::sync::OnceLock<u64> = std::sync::OnceLock::new();
    *TICKS.get_or_init(|| {
        output(Command::new("getconf").arg("CLK_TCK"))
            .ok()
            .and_then(|t| t.trim().parse().ok())
            .unwrap_or(100)
    })
}

/// What a process has used so far.
#[derive(Clone, Copy)]
struct Usage {
    /// User plus system CPU time.
    cpu: Duration,
    /// Minor page faults: each is a page of memory touched for the first
    /// time (or again after it was given back).
    faults: u64,
}

impl Usage {
    /// The usage of the process whose `/proc` stat file is `stat`.
    fn of(stat: &Path) -> Result<Usage> {
        let text = std::fs::read_to_string(stat).map_err(|e| format!("{}: {e}", stat.display()))?;
        // Fields after the parenthesised command name: minflt is the 10th
        // of the line, utime and stime the 14th and 15th.
        let fields: Vec<u64> = text
            .rsplit_once(')')
            .map_or("", |(_, rest)| rest)
            .split_whitespace()
            .map(|v| v.parse().unwrap_or(0))
            .collect();
        let field = |i: usize| fields.get(i).copied().unwrap_or(0);
        Ok(Usage {
            cpu: Duration::from_secs_f64((field(11) + field(12)) as f64 / clock_ticks() as f64),
            faults: field(7),
        })
    }

    /// This process's usage.
    fn own() -> Result<Usage> {
        Usage::of(Path::new("/proc/self/stat"))
    }

    /// What was used between `earlier` and this.
    fn since(self, earlier: Usage) -> Usage {
        Usage {
            cpu: self.cpu.saturating_sub(earlier.cpu),
            faults: self.faults.saturating_sub(earlier.faults),
        }
    }
}

/// The CPU time each thread spent between two [`Mock::threads`]
/// snapshots, busiest first, leaving out threads that spent none.
fn busiest_threads(before: &[(u32, Duration)], after: &[(u32, Duration)]) -> Vec<Duration> {
    let mut spent: Vec<Duration> = after
        .iter()
        .map(|(tid, cpu)| {
            let earlier = before.iter().find(|(t, _)| t == tid).map(|(_, c)| *c);
            cpu.saturating_sub(earlier.unwrap_or_default())
        })
        .filter(|cpu| !cpu.is_zero())
        .collect();
    spent.sort_unstable_by(|a, b| b.cmp(a));
    spent
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

    /// The CPU time of each of the mock's threads so far, by thread id.
    fn threads(&self) -> Result<Vec<(u32, Duration)>> {
        let dir = PathBuf::from(format!("/proc/{}/task", self.child.id()));
        let entries = std::fs::read_dir(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        let mut threads = Vec::new();
        for entry in entries.flatten() {
            let Some(tid) = entry.file_name().to_str().and_then(|t| t.parse().ok()) else {
                continue;
            };
            // A thread that ended since the listing has no stat file.
            if let Ok(usage) = Usage::of(&entry.path().join("stat")) {
                threads.push((tid, usage.cpu));
            }
        }
        Ok(threads)
    }

    /// What the mock has used so far.
    fn usage(&self) -> Result<Usage> {
        Usage::of(Path::new(&format!("/proc/{}/stat", self.child.id())))
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

    /// `PUT …/file` sent from `data` by [`put_file`]; it must verify and
    /// go `active` with Glance's checksums.
    fn upload(&self, image: &str, data: &Path) -> Result<()> {
        let path = format!("/v2/images/{image}/file");
        let status = put_file(&self.glance, &path, &self.token, data)?;
        if status != 204 {
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

/// All of `file` from its current offset into `stream` by `sendfile(2)`:
/// the kernel hands the page cache to the socket with no copy in user
/// space. (`std::io::copy` reads and sends 8 KiB at a time here.)
fn send_file(file: &File, stream: &TcpStream) -> std::io::Result<u64> {
    let mut sent = 0;
    loop {
        match rustix::fs::sendfile(stream, file, None, 1 << 30) {
            Ok(0) => return Ok(sent),
            Ok(n) => sent += n as u64,
            Err(rustix::io::Errno::INTR) => {}
            Err(e) => return Err(e.into()),
        }
    }
}

/// `PUT PATH` on `base` (an `http://host:port` URL) with the token and
/// `data` as the body, sent by [`send_file`]; the answer's status. The
/// client thus takes almost none of the cores it shares with the mock
/// (curl reading and sending the same GiB costs about 0.8 s of CPU here).
fn put_file(base: &str, path: &str, token: &str, data: &Path) -> Result<u16> {
    let authority = base
        .strip_prefix("http://")
        .and_then(|rest| rest.split('/').next())
        .ok_or_else(|| format!("not an http:// URL: {base}"))?;
    let io = |e: std::io::Error| format!("PUT {base}{path}: {e}");
    let file = File::open(data).map_err(|e| format!("{}: {e}", data.display()))?;
    let length = file.metadata().map_err(io)?.len();
    let mut stream = TcpStream::connect(authority).map_err(io)?;
    let head = format!(
        "PUT {path} HTTP/1.1\r\nHost: {authority}\r\nX-Auth-Token: {token}\r\n\
         Content-Type: application/octet-stream\r\nContent-Length: {length}\r\n\
         Connection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).map_err(io)?;
    let sent = send_file(&file, &stream).map_err(io)?;
    if sent != length {
        return Err(format!("PUT {base}{path}: sent {sent} of {length} bytes"));
    }
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).map_err(io)?;
    let answer = String::from_utf8_lossy(&answer);
    answer
        .split_whitespace()
        .nth(1)
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| format!("PUT {base}{path}: no HTTP status in {answer:?}"))
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

    /// A file of `len` bytes in the temporary directory, named after `name`.
    fn temp_file(name: &str, len: usize) -> PathBuf {
        let path = std::env::temp_dir().join(format!("imgsig-{name}-{}", std::process::id()));
        let data: Vec<u8> = (0..len).map(|i| (i % 251) as u8).collect();
        std::fs::write(&path, data).expect("write");
        path
    }

    #[test]
    fn put_file_sends_the_head_then_every_byte_and_reads_the_status() {
        let len = 3 * MIB as usize + 17;
        let data = temp_file("put", len);
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let base = format!("http://{}", listener.local_addr().expect("address"));
        let server = std::thread::spawn(move || {
            let (mut stream, _) = listener.accept().expect("accept");
            let mut request = Vec::new();
            let mut buffer = vec![0u8; 1 << 16];
            let body_start = loop {
                let n = stream.read(&mut buffer).expect("read");
                assert!(n > 0, "the client closed before the head ended");
                request.extend_from_slice(&buffer[..n]);
                if let Some(end) = request.windows(4).position(|w| w == b"\r\n\r\n") {
                    break end + 4;
                }
            };
            while request.len() < body_start + len {
                let n = stream.read(&mut buffer).expect("read");
                assert!(n > 0, "the body ended early");
                request.extend_from_slice(&buffer[..n]);
            }
            stream
                .write_all(b"HTTP/1.1 204 No Content\r\n\r\n")
                .expect("answer");
            request
        });
        let status = put_file(&base, "/v2/images/x/file", "tok", &data).expect("put");
        let request = server.join().expect("server");
        let body = std::fs::read(&data).expect("read back");
        std::fs::remove_file(&data).expect("remove");
        assert_eq!(status, 204);
        let head = String::from_utf8_lossy(&request[..request.len() - len]);
        assert!(
            head.starts_with("PUT /v2/images/x/file HTTP/1.1\r\n"),
            "{head}"
        );
        assert!(head.contains("\r\nX-Auth-Token: tok\r\n"), "{head}");
        assert!(
            head.contains(&format!("\r\nContent-Length: {len}\r\n")),
            "{head}"
        );
        assert!(
            request[request.len() - len..] == body[..],
            "the body differs"
        );
    }

    #[test]
    fn the_floor_measurements_run_and_leave_nothing_behind() {
        let data = temp_file("transfer", 2 * MIB as usize + 5);
        transfer_cpu(&data).expect("loopback transfer");
        std::fs::remove_file(&data).expect("remove");
        let dir = std::env::temp_dir();
        store_cpu(&dir, 2 * MIB + 5).expect("store");
        let left = dir.join(format!("imgsig-bench-store-{}", std::process::id()));
        assert!(
            !left.exists(),
            "the store measurement left {}",
            left.display()
        );
        let usage = Usage::own().expect("own usage");
        assert!(usage.faults > 0, "a running process has touched pages");
    }

    #[test]
    fn busiest_threads_are_the_differences_largest_first() {
        let ms = Duration::from_millis;
        let before = [(1, ms(100)), (2, ms(50)), (3, ms(7))];
        // Thread 3 spent nothing, 4 started in between.
        let after = [(1, ms(400)), (2, ms(950)), (3, ms(7)), (4, ms(20))];
        assert_eq!(busiest_threads(&before, &after), [ms(900), ms(300), ms(20)]);
    }

    #[test]
    fn put_file_refuses_what_is_not_an_http_url() {
        let err = put_file("https://127.0.0.1:1", "/", "t", Path::new("/dev/null"))
            .expect_err("not http");
        assert!(err.contains("not an http:// URL"), "{err}");
    }

    #[test]
    fn the_limit_is_the_cores_shared_unless_one_hash_is_slower() {
        let rates = [("md5", 546.0), ("sha512", 563.0), ("sha256", 1284.0)];
        // The figures: about 450 MB/s on two cores.
        assert_eq!(limit(&rates, 2, 0.0).round(), 456.0);
        assert_eq!(limit(&rates, 1, 0.0).round(), 228.0);
        // With cores to spare, the slowest hash decides.
        assert_eq!(limit(&rates, 8, 0.0), 546.0);
        // Other work per MB takes its share of the cores.
        assert_eq!(limit(&rates, 2, 0.001).round(), 371.0);
    }
}

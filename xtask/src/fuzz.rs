//! `cargo xtask fuzz [TARGET…] [--seconds N] [--jobs N]`: build the
//! cargo-fuzz targets under `fuzz/` and run each for N seconds with N
//! libFuzzer workers on one shared corpus, starting from the committed
//! seeds; print per target the executions per second, corpus size, new
//! coverage and crashes.
//!
//! `cargo xtask fuzz --nightly [--budget SECONDS]`: every target within the
//! budget (default one hour), then the corpus of each minimised
//! (`-merge=1`), and a Markdown summary (`--summary FILE`, default
//! `fuzz/artifacts/summary.md`).
//!
//! `cargo xtask fuzz --check-build`: run `.clusterfuzzlite/build.sh` as
//! ClusterFuzzLite and OSS-Fuzz do (`OUT=dir`) and check it leaves one
//! binary per target.
//!
//! Needs the nightly toolchain; installs cargo-fuzz (`cargo install
//! cargo-fuzz --locked`) when it is missing. Targets are built without a
//! sanitizer (`-s none`): they are safe Rust over system OpenSSL, so
//! AddressSanitizer finds little here and halves the speed; the
//! ClusterFuzzLite build keeps the platform's sanitizer. Arithmetic and
//! runtime crates are compiled without coverage instrumentation
//! (`fuzz/uninstrumented-rustc.sh`, the `RUSTC_WRAPPER` of both builds). New corpus entries
//! go to `fuzz/corpus/<target>/` and crashes to `fuzz/artifacts/<target>/`,
//! both ignored by git: minimise a crash (`-minimize_crash=1`) into
//! `fuzz/regressions/<target>/`, where the default test run replays it, and
//! fix the bug.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::Instant;

use crate::util::{output, root, Result};

/// Arguments of `cargo xtask fuzz`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only these targets (default: every target, one after the other).
    targets: Vec<String>,
    /// How long to fuzz each target.
    #[arg(long, default_value_t = 60)]
    seconds: u64,
    /// libFuzzer workers per target, sharing its corpus.
    #[arg(long, default_value_t = 1)]
    jobs: u32,
    /// Run every target within `--budget`, minimise the corpora and write
    /// the Markdown summary.
    #[arg(long, conflicts_with = "seconds")]
    nightly: bool,
    /// The nightly run's whole budget, in seconds.
    #[arg(long, default_value_t = 3600, requires = "nightly")]
    budget: u64,
    /// Where the nightly run writes its summary.
    #[arg(long, requires = "nightly")]
    summary: Option<PathBuf>,
    /// Run `.clusterfuzzlite/build.sh` with `OUT` set and check it leaves
    /// one binary per target.
    #[arg(long, conflicts_with_all = ["nightly", "targets"])]
    check_build: bool,
}

/// The rustup proxy, not the `cargo` running us: only the proxy takes
/// `+nightly`.
fn nightly_cargo() -> Command {
    let mut cmd = Command::new("cargo");
    // fuzz/ is its own workspace with its own target directory
    // (fuzz/target), whatever the caller's CARGO_TARGET_DIR.
    cmd.arg("+nightly")
        .current_dir(root())
        .env_remove("CARGO")
        .env_remove("CARGO_TARGET_DIR");
    cmd
}

/// Install cargo-fuzz into the default cargo bin directory if it is not
/// there yet.
fn ensure_cargo_fuzz() -> Result<()> {
    let mut toolchain = nightly_cargo();
    toolchain.arg("--version");
    output(&mut toolchain)
        .map_err(|e| format!("fuzzing needs the nightly toolchain (rustup): {e}"))?;
    let mut version = nightly_cargo();
    version.args(["fuzz", "--version"]);
    if output(&mut version).is_ok() {
        return Ok(());
    }
    eprintln!("xtask: cargo-fuzz is missing; installing it");
    let mut install = Command::new("cargo");
    install.args(["install", "cargo-fuzz", "--locked"]);
    let status = install
        .status()
        .map_err(|e| format!("cannot run cargo install: {e}"))?;
    if status.success() {
        Ok(())
    } else {
        Err(format!(
            "cargo install cargo-fuzz --locked failed ({status})"
        ))
    }
}

fn fuzz_dir() -> PathBuf {
    root().join("fuzz")
}

/// Every target cargo-fuzz knows, in its order.
fn all_targets() -> Result<Vec<String>> {
    let mut list = nightly_cargo();
    list.args(["fuzz", "list"]);
    Ok(output(&mut list)?.lines().map(str::to_owned).collect())
}

/// `RUSTFLAGS` plus the mark of a build through `uninstrumented-rustc.sh`
/// (cargo does not fingerprint a wrapper; it does RUSTFLAGS).
fn wrapper_rustflags() -> String {
    let mut flags = std::env::var("RUSTFLAGS").unwrap_or_default();
    flags.push_str(" --cfg imgsig_fuzz_wrapper");
    flags.trim().to_owned()
}

/// Build `targets` (release with debug assertions, so an integer overflow
/// is a crash; debug info; no sanitizer) and return the directory of the
/// binaries. The cargo-fuzz flags are `.clusterfuzzlite/build.sh`'s with
/// `SANITIZER=none`, so both builds test the same code.
fn build(targets: &[String]) -> Result<PathBuf> {
    let mut host = Command::new("rustc");
    host.arg("-vV");
    let triple = output(&mut host)?
        .lines()
        .find_map(|l| l.strip_prefix("host: ").map(str::to_owned))
        .ok_or("rustc -vV names no host")?;
    // One build for all the targets, or one per target asked for
    // (`cargo fuzz build` takes one name or none).
    let builds: Vec<Option<&String>> = if targets.len() == all_targets()?.len() {
        vec![None]
    } else {
        targets.iter().map(Some).collect()
    };
    for name in builds {
        let mut cmd = nightly_cargo();
        cmd.args([
            "fuzz",
            "build",
            "-O",
            "--debug-assertions",
            "--sanitizer",
            "none",
        ])
        .args(name)
        .env("RUSTC_WRAPPER", fuzz_dir().join("uninstrumented-rustc.sh"))
        .env("RUSTFLAGS", wrapper_rustflags());
        let status = cmd
            .status()
            .map_err(|e| format!("cannot run cargo fuzz build: {e}"))?;
        if !status.success() {
            return Err(format!("cargo fuzz build failed ({status})"));
        }
    }
    Ok(fuzz_dir().join("target").join(triple).join("release"))
}

/// What one target's run gave.
#[derive(Debug, Default)]
struct Outcome {
    target: String,
    seconds: f64,
    /// CPU seconds the workers used (user + system): on a shared machine
    /// executions per CPU second say what the target costs, whatever else
    /// runs beside it.
    cpu_seconds: f64,
    executions: u64,
    corpus: usize,
    minimised: Option<usize>,
    coverage_start: u64,
    coverage_end: u64,
    crashes: Vec<PathBuf>,
}

impl Outcome {
    fn exec_per_sec(&self) -> f64 {
        if self.seconds > 0.0 {
            self.executions as f64 / self.seconds
        } else {
            0.0
        }
    }

    fn exec_per_cpu_sec(&self) -> f64 {
        if self.cpu_seconds > 0.0 {
            self.executions as f64 / self.cpu_seconds
        } else {
            0.0
        }
    }
}

/// CPU seconds (user + system) of this process's waited-for children:
/// fields 16 and 17 (`cutime`, `cstime`) of `/proc/self/stat`, in clock
/// ticks of 1/100 s (Linux's fixed `USER_HZ`). Zero where there is no
/// `/proc`.
fn children_cpu_seconds() -> f64 {
    let Ok(stat) = std::fs::read_to_string("/proc/self/stat") else {
        return 0.0;
    };
    // The command name (field 2) may hold spaces: count from its ')'.
    let Some((_, rest)) = stat.rsplit_once(')') else {
        return 0.0;
    };
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // `rest` starts at field 3.
    let ticks: u64 = [16, 17]
        .iter()
        .filter_map(|&f| fields.get(f - 3)?.parse::<u64>().ok())
        .sum();
    ticks as f64 / 100.0
}

fn files_in(dir: &Path) -> Vec<PathBuf> {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect()
}

/// `cov: N` of the first and the last libFuzzer status line.
fn coverage(log: &str) -> (u64, u64) {
    let covs: Vec<u64> = log
        .lines()
        .filter_map(|l| {
            l.split("cov: ")
                .nth(1)?
                .split_whitespace()
                .next()?
                .parse()
                .ok()
        })
        .collect();
    (
        covs.first().copied().unwrap_or(0),
        covs.last().copied().unwrap_or(0),
    )
}

/// `stat::number_of_executed_units` of a worker's final statistics.
fn executions(log: &str) -> u64 {
    log.lines()
        .filter_map(|l| l.strip_prefix("stat::number_of_executed_units:"))
        .filter_map(|v| v.trim().parse::<u64>().ok())
        .sum()
}

/// The options every libFuzzer process gets for `target`.
fn libfuzzer_args(cmd: &mut Command, target: &str) {
    let dict = fuzz_dir().join("dicts").join(format!("{target}.dict"));
    if dict.is_file() {
        cmd.arg(format!("-dict={}", dict.display()));
    }
    // Inputs large enough for a signed image or a session of requests; a
    // run of a few seconds per input is a hang.
    cmd.args(["-max_len=8192", "-timeout=10", "-rss_limit_mb=2048"]);
}

/// Fuzz `target` for `seconds` with `jobs` workers on one corpus.
fn fuzz_one(bin: &Path, target: &str, seconds: u64, jobs: u32) -> Result<Outcome> {
    let corpus = fuzz_dir().join("corpus").join(target);
    let artifacts = fuzz_dir().join("artifacts").join(target);
    for dir in [&corpus, &artifacts] {
        std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    }
    let before = files_in(&artifacts);
    let started = Instant::now();
    let cpu_before = children_cpu_seconds();
    let mut workers: Vec<Child> = Vec::new();
    for _ in 0..jobs.max(1) {
        let mut cmd = Command::new("nice");
        cmd.args(["-n", "19"])
            .arg(bin.join(target))
            .arg(&corpus)
            .arg(fuzz_dir().join("seeds").join(target))
            .arg(format!("-max_total_time={seconds}"))
            .arg("-print_final_stats=1")
            .arg(format!("-artifact_prefix={}/", artifacts.display()))
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        libfuzzer_args(&mut cmd, target);
        workers.push(
            cmd.spawn()
                .map_err(|e| format!("cannot start {target}: {e}"))?,
        );
    }
    let mut outcome = Outcome {
        target: target.to_owned(),
        ..Outcome::default()
    };
    for (i, worker) in workers.into_iter().enumerate() {
        let out = worker
            .wait_with_output()
            .map_err(|e| format!("{target}: {e}"))?;
        let log = String::from_utf8_lossy(&out.stderr);
        outcome.executions += executions(&log);
        let (start, end) = coverage(&log);
        if i == 0 || start < outcome.coverage_start {
            outcome.coverage_start = start;
        }
        outcome.coverage_end = outcome.coverage_end.max(end);
        if !out.status.success() {
            let tail: Vec<&str> = log.lines().rev().take(30).collect();
            eprintln!(
                "xtask: {target} worker {i} ended with {}:\n{}",
                out.status,
                tail.into_iter().rev().collect::<Vec<_>>().join("\n")
            );
        }
    }
    outcome.seconds = started.elapsed().as_secs_f64();
    outcome.cpu_seconds = children_cpu_seconds() - cpu_before;
    outcome.corpus = files_in(&corpus).len();
    outcome.crashes = files_in(&artifacts)
        .into_iter()
        .filter(|p| !before.contains(p))
        .collect();
    Ok(outcome)
}

/// Minimise `target`'s corpus with `-merge=1` into a fresh directory that
/// then replaces it; the number of inputs kept.
fn minimise(bin: &Path, target: &str) -> Result<usize> {
    let corpus = fuzz_dir().join("corpus").join(target);
    let merged = fuzz_dir().join("corpus").join(format!("{target}.merging"));
    let _ = std::fs::remove_dir_all(&merged);
    std::fs::create_dir_all(&merged).map_err(|e| format!("{}: {e}", merged.display()))?;
    let mut cmd = Command::new("nice");
    cmd.args(["-n", "19"])
        .arg(bin.join(target))
        .arg("-merge=1")
        .arg(&merged)
        .arg(&corpus)
        .arg(fuzz_dir().join("seeds").join(target))
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    libfuzzer_args(&mut cmd, target);
    let status = cmd
        .status()
        .map_err(|e| format!("cannot minimise {target}: {e}"))?;
    if !status.success() {
        let _ = std::fs::remove_dir_all(&merged);
        return Err(format!("minimising {target} failed ({status})"));
    }
    std::fs::remove_dir_all(&corpus).map_err(|e| format!("{}: {e}", corpus.display()))?;
    std::fs::rename(&merged, &corpus).map_err(|e| format!("{}: {e}", corpus.display()))?;
    Ok(files_in(&corpus).len())
}

fn print_table(outcomes: &[Outcome]) {
    println!(
        "{:<16} {:>7} {:>7} {:>12} {:>9} {:>10} {:>7} {:>9} {:>8}",
        "target",
        "seconds",
        "cpu s",
        "executions",
        "exec/s",
        "exec/cpu-s",
        "corpus",
        "new cov",
        "crashes"
    );
    for o in outcomes {
        println!(
            "{:<16} {:>7.0} {:>7.0} {:>12} {:>9.0} {:>10.0} {:>7} {:>9} {:>8}",
            o.target,
            o.seconds,
            o.cpu_seconds,
            o.executions,
            o.exec_per_sec(),
            o.exec_per_cpu_sec(),
            o.minimised
                .map_or(o.corpus.to_string(), |m| format!("{}>{m}", o.corpus)),
            o.coverage_end.saturating_sub(o.coverage_start),
            o.crashes.len()
        );
    }
    let total: u64 = outcomes.iter().map(|o| o.executions).sum();
    println!("total executions: {total}");
}

/// The nightly run's Markdown summary.
fn summary(outcomes: &[Outcome], budget: u64, jobs: u32, elapsed: f64) -> String {
    let total: u64 = outcomes.iter().map(|o| o.executions).sum();
    let crashes: usize = outcomes.iter().map(|o| o.crashes.len()).sum();
    let mut md = String::new();
    let _ = writeln!(md, "# imgsig nightly fuzzing\n");
    let _ = writeln!(
        md,
        "Budget {budget} s, {jobs} worker(s) per target, {} targets, {elapsed:.0} s elapsed; \
         {total} executions in total; {crashes} crash(es).\n",
        outcomes.len()
    );
    let _ = writeln!(
        md,
        "| target | seconds | CPU seconds | executions | exec/s | exec/CPU-s | corpus (minimised) | new coverage | crashes |"
    );
    let _ = writeln!(
        md,
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
    );
    for o in outcomes {
        let _ = writeln!(
            md,
            "| `{}` | {:.0} | {:.0} | {} | {:.0} | {:.0} | {} ({}) | {} | {} |",
            o.target,
            o.seconds,
            o.cpu_seconds,
            o.executions,
            o.exec_per_sec(),
            o.exec_per_cpu_sec(),
            o.corpus,
            o.minimised.map_or("-".to_owned(), |m| m.to_string()),
            o.coverage_end.saturating_sub(o.coverage_start),
            o.crashes.len()
        );
    }
    let listed: Vec<String> = outcomes
        .iter()
        .flat_map(|o| o.crashes.iter().map(|c| format!("- `{}`", c.display())))
        .collect();
    if !listed.is_empty() {
        let _ = writeln!(md, "\n## Crashes\n\n{}", listed.join("\n"));
    }
    md
}

/// `.clusterfuzzlite/build.sh` with `OUT` (and the variables the builder
/// image sets) pointing into the fuzz directory: one binary per target.
fn check_build(targets: &[String]) -> Result<ExitCode> {
    let out = fuzz_dir().join("target").join("oss-fuzz-out");
    let _ = std::fs::remove_dir_all(&out);
    std::fs::create_dir_all(&out).map_err(|e| format!("{}: {e}", out.display()))?;
    let started = Instant::now();
    let status = Command::new("bash")
        .arg(root().join(".clusterfuzzlite/build.sh"))
        .current_dir(root())
        .env("SRC", root().parent().unwrap_or(&root()))
        .env("OUT", &out)
        .env("SANITIZER", "none")
        .env_remove("CARGO")
        .env_remove("CARGO_TARGET_DIR")
        .status()
        .map_err(|e| format!("cannot run build.sh: {e}"))?;
    if !status.success() {
        return Err(format!("build.sh failed ({status})"));
    }
    let missing: Vec<&String> = targets.iter().filter(|t| !out.join(t).is_file()).collect();
    let seeds = targets
        .iter()
        .filter(|t| out.join(format!("{t}_seed_corpus.zip")).is_file())
        .count();
    println!(
        "build.sh: {} of {} targets in {} ({seeds} seed corpora) in {:.0} s",
        targets.len() - missing.len(),
        targets.len(),
        out.display(),
        started.elapsed().as_secs_f64()
    );
    if missing.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!("xtask: build.sh left no binary for {missing:?}");
        Ok(ExitCode::FAILURE)
    }
}

/// Run it.
pub fn run(args: Args) -> Result<ExitCode> {
    ensure_cargo_fuzz()?;
    let all = all_targets()?;
    if args.check_build {
        return check_build(&all);
    }
    let targets: Vec<String> = if args.targets.is_empty() {
        all.clone()
    } else {
        for t in &args.targets {
            if !all.contains(t) {
                return Err(format!("no fuzz target {t}; there are: {}", all.join(" ")));
            }
        }
        args.targets.clone()
    };
    let bin = build(&targets)?;
    let started = Instant::now();
    let seconds = if args.nightly {
        // A tenth of the budget for the corpus minimisation and start-up;
        // the rest shared out evenly.
        let count = u64::try_from(targets.len()).unwrap_or(1).max(1);
        (args.budget * 9 / 10 / count).max(1)
    } else {
        args.seconds
    };
    let mut outcomes = Vec::new();
    for target in &targets {
        println!("== {target}: {seconds} s, {} worker(s)", args.jobs);
        let mut outcome = fuzz_one(&bin, target, seconds, args.jobs)?;
        if args.nightly {
            outcome.minimised = Some(minimise(&bin, target)?);
        }
        outcomes.push(outcome);
    }
    print_table(&outcomes);
    if args.nightly {
        let path = args
            .summary
            .clone()
            .unwrap_or_else(|| fuzz_dir().join("artifacts").join("summary.md"));
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        }
        let md = summary(
            &outcomes,
            args.budget,
            args.jobs,
            started.elapsed().as_secs_f64(),
        );
        std::fs::write(&path, md).map_err(|e| format!("{}: {e}", path.display()))?;
        println!("summary: {}", path.display());
    }
    let crashed: Vec<&str> = outcomes
        .iter()
        .filter(|o| !o.crashes.is_empty())
        .map(|o| o.target.as_str())
        .collect();
    if crashed.is_empty() {
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!(
            "xtask: crashes in {} (see fuzz/artifacts/): minimise each into \
             fuzz/regressions/<target>/ and fix it",
            crashed.join(", ")
        );
        Ok(ExitCode::FAILURE)
    }
}

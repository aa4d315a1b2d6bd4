//! `cargo xtask vectors`: write the case catalogue to `vectors/` as the
//! documented corpus; with `--check`, re-verify every claim of the
//! committed corpus with both backends and the `openssl` command; with
//! `--new-certificates`, re-make the pinned certificates of the pinned keys.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use imgsig::cases::check::check_case;
use imgsig::cases::corpus::Corpus;
use imgsig::cases::{catalogue, keys, Case, CaseId};

use crate::util::{root, Result};

/// Arguments of `cargo xtask vectors`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Re-check the committed corpus instead of writing it.
    #[arg(long, conflicts_with = "new_certificates")]
    check: bool,
    /// Re-make vectors/keys/KEY.crt.pem where it is missing (empty) or
    /// does not match its key (then run `cargo xtask vectors` again: the
    /// corpus embeds them).
    #[arg(long)]
    new_certificates: bool,
}

fn corpus_path() -> PathBuf {
    root().join("vectors").join("imgsig-vectors.json")
}

/// Run it.
pub fn run(args: Args) -> Result<ExitCode> {
    let started = Instant::now();
    if args.check {
        return check(started);
    }
    if args.new_certificates {
        return new_certificates();
    }
    // big.* included: their images are seeded recipes, only their
    // signatures cost the hashing of a few GiB.
    let cases = catalogue(true).map_err(|e| e.to_string())?;
    let corpus = Corpus::from_cases(&cases).map_err(|e| e.to_string())?;
    let json = serde_json::to_string_pretty(&corpus).map_err(|e| e.to_string())?;
    let path = corpus_path();
    std::fs::write(&path, json + "\n").map_err(|e| format!("{}: {e}", path.display()))?;
    println!(
        "wrote {} tests to {} in {:.1}s",
        corpus.number_of_tests,
        path.display(),
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

fn check(started: Instant) -> Result<ExitCode> {
    let path = corpus_path();
    let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
    let cases = Corpus::parse(&text)
        .and_then(|c| c.cases())
        .map_err(|e| e.to_string())?;
    let problems = check_all(&cases)?;
    let catalogue_ids: Vec<CaseId> = catalogue(true)
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|c| c.id)
        .collect();
    let corpus_ids: Vec<CaseId> = cases.iter().map(|c| c.id.clone()).collect();
    let drift = catalogue_ids != corpus_ids;
    for p in &problems {
        println!("✘ {p}");
    }
    if drift {
        println!("✘ the corpus and the catalogue list different cases: run `cargo xtask vectors`");
    }
    println!(
        "checked {} tests in {:.1}s: {} problems",
        cases.len(),
        started.elapsed().as_secs_f64(),
        problems.len() + usize::from(drift)
    );
    Ok(if problems.is_empty() && !drift {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

/// Re-make the certificates that are missing (an empty placeholder, which
/// `include_str!` needs before the first build) or no longer hold their
/// key's public key; the others stay as committed.
fn new_certificates() -> Result<ExitCode> {
    let dir = root().join("vectors").join("keys");
    for pinned in keys::PINNED {
        if keys::pinned_certificate(pinned.name).is_ok() {
            continue;
        }
        let key = keys::key(pinned.name).map_err(|e| e.to_string())?;
        let cert = keys::certificate(key, &format!("imgsig {}", pinned.name))
            .and_then(|c| Ok(c.to_pem()?))
            .map_err(|e| e.to_string())?;
        let path = dir.join(format!("{}.crt.pem", pinned.name));
        std::fs::write(&path, cert).map_err(|e| format!("{}: {e}", path.display()))?;
        println!("wrote {}", path.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// Check every case, on as many threads as there are cores.
pub fn check_all(cases: &[Case]) -> Result<Vec<String>> {
    let dir = tempfile_dir()?;
    let threads = std::thread::available_parallelism().map_or(2, usize::from);
    let chunk = cases.len().div_ceil(threads).max(1);
    let problems = std::thread::scope(|s| {
        let handles: Vec<_> = cases
            .chunks(chunk)
            .enumerate()
            .map(|(i, part)| {
                let dir = dir.join(i.to_string());
                s.spawn(move || {
                    let _ = std::fs::create_dir_all(&dir);
                    part.iter()
                        .flat_map(|c| check_case(c, &dir))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| {
                h.join()
                    .unwrap_or_else(|_| vec!["a check thread panicked".into()])
            })
            .collect()
    });
    let _ = std::fs::remove_dir_all(&dir);
    Ok(problems)
}

fn tempfile_dir() -> Result<PathBuf> {
    let dir = crate::util::target_dir().join("vectors-check");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    Ok(dir)
}

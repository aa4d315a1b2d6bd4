//! `cargo xtask adapter-cursive`: run the catalogue through the real cursive
//! library (the code Glance and Nova verify with), over the adapter
//! protocol, in a virtualenv this task creates from its lock file
//! (`xtask/venvs/cursive.txt`).
//!
//! First, the trust differential: every certificate trust situation of
//! `imgsig::cases::trust` through the real `certificate_utils.verify_certificate`
//! (`adapters/cursive/trust.py`, one Python process for all), which must
//! give the verdict, message and log lines the rules predict; any
//! difference fails the task.
//!
//! Then the `cert.trust.*` cases of the catalogue the way Nova's download
//! path calls cursive (`get_verifier` on the image properties,
//! `verify_certificate` with the trusted ids, the image through the
//! verifier): the verdicts must equal the catalogue's consumer
//! expectations, and a trusted image must verify.
//!
//! Then the consumer catalogue with the real cursive as the consumer
//! (`adapters/cursive/consumer.py`, the consumer request of the adapter
//! protocol, in sessions) against the embedded mocks: castellan's own
//! Barbican key manager fetches the certificates with the request's token,
//! the image comes from the mock Glance over HTTP; every verdict must be
//! the library's (`imgsig::cases::consumer`), every refusal in upstream's
//! words.
//!
//! `--legacy` does the same with pyca/cryptography 41.0.7, the last release
//! whose PSS verification demands the maximum salt: there the salt
//! regression cases fail for real, as the field reports describe.

use std::io::Write;
use std::process::{Command, ExitCode, Stdio};

use imgsig::cases::trust;
use imgsig::cli::session::{exit, run_session, SessionArgs};
use imgsig::spec::Profile;
use imgsig::targets::adapter::AdapterMode;
use imgsig::targets::AdapterTarget;

use crate::util::{root, target_dir, Result};
use crate::venv::{Env, Venv};

/// Arguments of `cargo xtask adapter-cursive`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Use pyca/cryptography 41.0.7 and hold it to the glance-legacy profile.
    #[arg(long)]
    legacy: bool,
    /// Run only the trust differential, not the catalogue.
    #[arg(long)]
    trust_only: bool,
    /// Print cursive's answer and log for each trust situation.
    #[arg(long)]
    show_trust: bool,
    /// Write cursive's trust answers to adapters/cursive/trust-answers.json
    /// (the record the default tests hold the rules to).
    #[arg(long)]
    record_trust: bool,
    /// One Python process per case (protocol 1) instead of a session of
    /// long-lived processes (protocol 2).
    #[arg(long)]
    per_case: bool,
    #[command(flatten)]
    session: SessionArgs,
}

/// Run it.
pub fn run(mut args: Args) -> Result<ExitCode> {
    let (dir, env) = if args.legacy {
        ("cursive-legacy-venv", Env::CursiveLegacy)
    } else {
        ("cursive-venv", Env::Cursive)
    };
    let adapters = target_dir().join("adapters");
    let venv = Venv::at(adapters.join(dir));
    venv.ensure(env, &adapters.join(format!("{dir}-install.log")))?;
    if args.legacy {
        legacy_trust(&venv)?;
    } else {
        trust_differential(&venv, args.show_trust, args.record_trust)?;
        consumer_differential(&venv, args.show_trust)?;
    }
    if args.legacy && args.session.profile == Profile::GlanceCurrent {
        args.session.profile = Profile::GlanceLegacy;
    }
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    let consumer = format!(
        "{} {}",
        venv.python().display(),
        root().join("adapters/cursive/consumer.py").display()
    );
    rt.block_on(crate::consumer::on_the_mocks(
        &consumer,
        "cursive as Nova's download path calls it (castellan's Barbican key manager, Glance \
         over HTTP)",
        args.session.profile,
        crate::consumer::Check::AsTheLibrary,
    ))?;
    if args.trust_only {
        return Ok(ExitCode::SUCCESS);
    }
    let command = format!(
        "{} {}",
        venv.python().display(),
        root().join("adapters/cursive/adapter.py").display()
    );
    let code = rt.block_on(async {
        let mode = if args.per_case {
            AdapterMode::PerCase
        } else {
            AdapterMode::Session
        };
        let target = Box::new(AdapterTarget::with_mode(command, mode)?);
        run_session(&args.session, target).await
    });
    match code {
        Ok(c) => Ok(ExitCode::from(c)),
        Err(e) => {
            eprintln!("adapter-cursive: {e}");
            Ok(ExitCode::from(exit::ERROR))
        }
    }
}

/// The trust situations through the real cursive; an error on any
/// difference from the rules.
fn trust_differential(venv: &Venv, show: bool, record: bool) -> Result<()> {
    let started = std::time::Instant::now();
    let situations = trust::situations().map_err(|e| e.to_string())?;
    let request =
        trust::oracle_request(&situations, trust::VALIDATION_TIME).map_err(|e| e.to_string())?;
    let answers = ask_cursive(venv, &request, show)?;
    if answers.len() != situations.len() {
        return Err(format!(
            "trust.py answered {} of {} situations",
            answers.len(),
            situations.len()
        ));
    }
    let mut problems = Vec::new();
    for (situation, upstream) in situations.iter().zip(&answers) {
        let validation = situation.validate().map_err(|e| e.to_string())?;
        let predicted = trust::OracleAnswer::predicted(&situation.name, &validation);
        problems.extend(trust::disagreements(&predicted, upstream));
    }
    let trusted = answers
        .iter()
        .filter(|a| a.verdict.result == trust::TrustResult::Trusted)
        .count();
    println!(
        "trust: {} situations through cursive's verify_certificate ({trusted} trusted, {} not), \
         {} disagreements with imgsig::trust, in {:.1}s",
        situations.len(),
        situations.len() - trusted,
        problems.len(),
        started.elapsed().as_secs_f64()
    );
    if !problems.is_empty() {
        return Err(problems.join("\n"));
    }
    let path = root().join(trust::RECORDED_ANSWERS);
    let json = serde_json::to_string_pretty(&answers).map_err(|e| e.to_string())? + "\n";
    if record {
        std::fs::write(&path, json).map_err(|e| format!("{}: {e}", path.display()))?;
        println!("trust: recorded cursive's answers in {}", path.display());
    } else if std::fs::read_to_string(&path).ok().as_deref() != Some(json.as_str()) {
        return Err(format!(
            "{} is not what cursive answers now: run `cargo xtask adapter-cursive --trust-only \
             --record-trust` and commit it",
            path.display()
        ));
    }
    Ok(())
}

/// Run `adapters/cursive/trust.py` on a request, return its answers.
fn ask_cursive(
    venv: &Venv,
    request: &serde_json::Value,
    show: bool,
) -> Result<Vec<trust::OracleAnswer>> {
    let mut child = Command::new(venv.python())
        .arg(root().join("adapters/cursive/trust.py"))
        .args(show.then_some("--show"))
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot run {}: {e}", venv.python().display()))?;
    let mut stdin = child.stdin.take().ok_or("no stdin for trust.py")?;
    stdin
        .write_all(request.to_string().as_bytes())
        .map_err(|e| format!("writing to trust.py: {e}"))?;
    drop(stdin);
    let out = child
        .wait_with_output()
        .map_err(|e| format!("trust.py: {e}"))?;
    if !out.status.success() {
        return Err(format!("trust.py failed ({})", out.status));
    }
    serde_json::from_slice(&out.stdout).map_err(|e| format!("trust.py answered no JSON list: {e}"))
}

/// The `cert.trust.*` cases as Nova's download path runs them through the
/// real cursive (`get_verifier`, `verify_certificate`, the image through
/// the verifier): the verdict must be the case's consumer expectation (the
/// library's), and a trusted case's image must verify.
fn consumer_differential(venv: &Venv, show: bool) -> Result<()> {
    let started = std::time::Instant::now();
    let cases: Vec<_> = imgsig::cases::catalogue(false)
        .map_err(|e| e.to_string())?
        .into_iter()
        .filter(|c| c.trust.is_some())
        .collect();
    let request = trust::consumer_request(&cases).map_err(|e| e.to_string())?;
    let answers = ask_cursive(venv, &request, show)?;
    let mut problems = Vec::new();
    for (case, upstream) in cases.iter().zip(&answers) {
        let Some(check) = &case.trust else { continue };
        let predicted = trust::OracleAnswer {
            name: case.id.to_string(),
            verdict: check.expected.clone(),
            signature: None,
        };
        problems.extend(trust::disagreements(&predicted, upstream));
        let trusted = check.expected.result == trust::TrustResult::Trusted;
        if trusted && upstream.signature.as_deref() != Some("ok") {
            problems.push(format!(
                "{}: trusted, but the image did not verify through cursive ({:?})",
                case.id, upstream.signature
            ));
        }
    }
    if answers.len() != cases.len() {
        problems.push(format!(
            "trust.py answered {} of {} cases",
            answers.len(),
            cases.len()
        ));
    }
    println!(
        "consumer: {} cert.trust.* cases in Nova's order through cursive (get_verifier, \
         verify_certificate, verify), {} disagreements with the catalogue, in {:.1}s",
        cases.len(),
        problems.len(),
        started.elapsed().as_secs_f64()
    );
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems.join("\n"))
    }
}

/// With pyca/cryptography 41.0.7, cursive 0.3.1's date check reads
/// `not_valid_before_utc`, which that release lacks (added in 42): every
/// certificate validation raises AttributeError, whatever the chain (seen
/// here on all 33 situations). A consumer on that stack cannot validate
/// certificates at all; this checks it still is so.
fn legacy_trust(venv: &Venv) -> Result<()> {
    let situations = trust::situations().map_err(|e| e.to_string())?;
    let request =
        trust::oracle_request(&situations, trust::VALIDATION_TIME).map_err(|e| e.to_string())?;
    let answers = ask_cursive(venv, &request, false)?;
    let all_fail = answers.len() == situations.len()
        && answers.iter().all(|a| {
            a.verdict.result == trust::TrustResult::Error
                && a.verdict.message.contains("not_valid_before_utc")
        });
    if !all_fail {
        return Err(
            "cursive 0.3.1 with pyca/cryptography 41.0.7 no longer fails every certificate \
             validation with AttributeError (not_valid_before_utc): the legacy trust profile \
             needs its rules"
                .into(),
        );
    }
    println!(
        "trust (legacy): all {} situations raise AttributeError in cursive 0.3.1 with \
         pyca/cryptography 41.0.7 (no not_valid_before_utc before 42): certificate \
         validation cannot work on this stack",
        answers.len()
    );
    Ok(())
}

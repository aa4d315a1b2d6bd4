//! Running cases concurrently against a target, judging them, and building
//! the report. The runner owns concurrency, timeouts and cleanup; a target
//! only talks.

use std::sync::Arc;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::case::RunnableCase;
use crate::outcome::{detect_profile, judge, CaseOutcome, Observed, RunReport, Summary};
use crate::spec::Profile;
use crate::targets::Target;

/// How to run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// The profile the target is held to.
    pub profile: Profile,
    /// Cases in flight at once.
    pub jobs: usize,
    /// Time limit of one case.
    pub timeout: Duration,
    /// Keep what the cases created (for debugging).
    pub keep: bool,
    /// The run tag every created name carries.
    pub run_tag: String,
    /// Show a progress bar on standard error.
    pub progress: bool,
}

/// Run `cases` against `target` and judge every one under the options'
/// profile. Stops scheduling new cases on Ctrl-C; cases in flight finish
/// (and clean up) first, the rest are reported as skipped.
pub async fn run_cases<C: RunnableCase + 'static>(
    cases: Vec<C>,
    target: Arc<Target>,
    options: &RunOptions,
) -> RunReport {
    let started = Instant::now();
    let bar = if options.progress {
        ProgressBar::with_draw_target(Some(cases.len() as u64), ProgressDrawTarget::stderr())
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}")
            .unwrap_or_else(|_| ProgressStyle::default_bar()),
    );
    let cases: Vec<Arc<C>> = cases.into_iter().map(Arc::new).collect();
    let permits = Arc::new(Semaphore::new(options.jobs.max(1)));
    let mut set = JoinSet::new();
    let mut interrupted = false;
    let mut slots: Vec<Option<CaseOutcome>> = vec![None; cases.len()];
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);

    let mut next = 0;
    while next < cases.len() || !set.is_empty() {
        let can_start = next < cases.len() && !interrupted;
        tokio::select! {
            permit = permits.clone().acquire_owned(), if can_start => {
                let Ok(permit) = permit else { break };
                let case = cases[next].clone();
                let target = target.clone();
                let options = options.clone();
                let index = next;
                next += 1;
                set.spawn(async move {
                    let outcome = run_one(case.as_ref(), &target, &options).await;
                    drop(permit);
                    (index, outcome)
                });
            }
            Some(done) = set.join_next(), if !set.is_empty() => {
                if let Ok((index, outcome)) = done {
                    bar.set_message(outcome.id.clone());
                    bar.inc(1);
                    slots[index] = Some(outcome);
                }
            }
            _ = &mut ctrl_c, if !interrupted => {
                interrupted = true;
                bar.println("interrupted: finishing the cases in flight and cleaning up");
            }
        }
    }
    bar.finish_and_clear();

    let outcomes: Vec<CaseOutcome> = slots
        .into_iter()
        .zip(&cases)
        .map(|(slot, case)| {
            slot.unwrap_or_else(|| {
                let why = if interrupted {
                    "interrupted"
                } else {
                    "not run"
                };
                judged(
                    case.as_ref(),
                    Observed::Skipped { why: why.into() },
                    Vec::new(),
                    options,
                    Duration::ZERO,
                )
            })
        })
        .collect();
    RunReport {
        schema: RunReport::SCHEMA,
        target: target.describe(),
        profile: options.profile,
        run_tag: options.run_tag.clone(),
        duration: started.elapsed(),
        summary: Summary::of(&outcomes),
        detection: detect_profile(&outcomes),
        outcomes,
    }
}

fn judged(
    case: &dyn RunnableCase,
    observed: Observed,
    evidence: Vec<crate::outcome::Evidence>,
    options: &RunOptions,
    duration: Duration,
) -> CaseOutcome {
    let expected = case.expectations();
    let (verdict, explanation) = match expected.get(&options.profile) {
        Some(e) => judge(e, &observed, options.profile),
        None => (
            crate::outcome::Verdict::Skipped,
            format!("no expectation under {}", options.profile),
        ),
    };
    let explanation = match case.diagnosis() {
        Some(d) if verdict == crate::outcome::Verdict::Fail => format!("{explanation}; {d}"),
        _ => explanation,
    };
    let (hash_method, key_type) = case.matrix_cell().unzip();
    CaseOutcome {
        id: case.id().to_owned(),
        reason: case.reason().to_owned(),
        hash_method,
        key_type,
        expected,
        observed,
        verdict,
        explanation,
        evidence,
        reproduce: case.reproduce(),
        duration,
    }
}

async fn run_one<C: RunnableCase>(case: &C, target: &Target, options: &RunOptions) -> CaseOutcome {
    let started = Instant::now();
    let (observed, evidence) =
        match tokio::time::timeout(options.timeout, target.run(case, options)).await {
            Ok(result) => result,
            Err(_) => (
                Observed::Error {
                    detail: format!("no answer within {}s", options.timeout.as_secs()),
                },
                Vec::new(),
            ),
        };
    judged(case, observed, evidence, options, started.elapsed())
}

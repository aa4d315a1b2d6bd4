//! Running cases concurrently against a target, judging them, and building
//! the report. The runner owns concurrency, timeouts and cleanup; a target
//! only talks.

use std::num::NonZeroU32;
use std::sync::Arc;
use std::time::{Duration, Instant};

use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use super::breaker::Breaker;
use super::progress::Progress;
use crate::cases::RunnableCase;
use crate::outcome::{detect_profile, CaseOutcome, Provenance, RunReport, Summary};
use crate::spec::{judge, Observed, Profile, Verdict};
use crate::tag::RunTag;
use crate::targets::{CaseContext, Evidence, Leftover, Target};

/// How to run.
#[derive(Debug, Clone)]
pub struct RunOptions {
    /// The profile the target is held to.
    pub profile: Profile,
    /// Cases in flight at once.
    pub jobs: usize,
    /// Time limit of one case.
    pub timeout: Duration,
    /// Cases in a row that could not reach the target before the run
    /// stops ([`super::breaker::DEFAULT_THRESHOLD`] by default); `None`
    /// runs every case whatever happens.
    pub breaker: Option<NonZeroU32>,
    /// Keep what the cases created (for debugging).
    pub keep: bool,
    /// The run tag every created name carries.
    pub run_tag: RunTag,
    /// Show progress on standard error: a bar on a terminal, else a line
    /// every few seconds.
    pub progress: bool,
}

impl RunOptions {
    fn context(&self) -> CaseContext {
        CaseContext {
            profile: self.profile,
            run_tag: self.run_tag.clone(),
            timeout: self.timeout,
        }
    }
}

/// Run `cases` against `target` and judge every one under the options'
/// profile; after each case, delete what it created (unless `keep`) and
/// report what could not be deleted. On Ctrl-C it stops scheduling: cases
/// in flight finish and clean up, the rest are reported as skipped and the
/// report says it was interrupted; a second Ctrl-C aborts the cases in
/// flight, whose cleanup still runs. When [`RunOptions::breaker`] cases in
/// a row could not reach the target it stops too: it aborts the cases in
/// flight (their cleanup still runs), skips the rest and says why in
/// [`RunReport::stopped`].
pub async fn run_cases<C: RunnableCase + 'static>(
    cases: Vec<C>,
    target: Arc<dyn Target>,
    options: &RunOptions,
) -> RunReport {
    let started = Instant::now();
    let provenance = Provenance::now();
    let progress = Progress::start(options.progress, cases.len());
    let cases: Vec<Arc<C>> = cases.into_iter().map(Arc::new).collect();
    let permits = Arc::new(Semaphore::new(options.jobs.max(1)));
    let mut set = JoinSet::new();
    let mut interrupted = false;
    let mut slots: Vec<Option<CaseOutcome>> = vec![None; cases.len()];
    let mut leftovers: Vec<Leftover> = Vec::new();
    let (abort, aborted) = tokio::sync::watch::channel(None::<String>);
    let mut breaker = Breaker::new(options.breaker);
    let mut stopped: Option<String> = None;
    let mut presses = 0u8;
    let note = |line: &str| progress.note(line);
    let ctrl_c = tokio::signal::ctrl_c();
    tokio::pin!(ctrl_c);

    let mut next = 0;
    loop {
        let can_start = next < cases.len() && !interrupted && stopped.is_none();
        if !can_start && set.is_empty() {
            break;
        }
        tokio::select! {
            permit = permits.clone().acquire_owned(), if can_start => {
                let Ok(permit) = permit else { break };
                let case = cases[next].clone();
                let target = target.clone();
                let options = options.clone();
                let aborted = aborted.clone();
                let index = next;
                next += 1;
                set.spawn(async move {
                    let result = run_one(case.as_ref(), target.as_ref(), &options, aborted).await;
                    drop(permit);
                    (index, result)
                });
            }
            Some(done) = set.join_next(), if !set.is_empty() => {
                if let Ok((index, (outcome, left, unreachable))) = done {
                    progress.case_done(&outcome);
                    slots[index] = Some(outcome);
                    leftovers.extend(left);
                    if let Some(reason) = breaker.record(unreachable.as_deref()) {
                        note(&format!("{reason}; aborting the cases in flight and cleaning up"));
                        let _ = abort.send(Some("aborted: the run was stopped".into()));
                        stopped = Some(reason);
                    }
                }
            }
            _ = &mut ctrl_c, if presses < 2 => {
                presses += 1;
                if presses == 1 {
                    interrupted = true;
                    note("interrupted: finishing the cases in flight and cleaning up \
                          (Ctrl-C again aborts them; their cleanup still runs)");
                } else {
                    let _ = abort.send(Some("aborted by a second Ctrl-C".into()));
                    note("aborting the cases in flight; cleaning up what they created");
                }
                ctrl_c.set(tokio::signal::ctrl_c());
            }
        }
    }
    progress.finish();

    let outcomes: Vec<CaseOutcome> = slots
        .into_iter()
        .zip(&cases)
        .map(|(slot, case)| {
            slot.unwrap_or_else(|| {
                let why = match &stopped {
                    _ if interrupted => "interrupted".to_owned(),
                    Some(reason) => format!("not run: {reason}"),
                    None => "not run".to_owned(),
                };
                judged(
                    case.as_ref(),
                    Observed::Skipped { why },
                    Vec::new(),
                    options,
                    Duration::ZERO,
                )
            })
        })
        .collect();
    let cleanup_command = if leftovers.is_empty() {
        None
    } else {
        target.sweep_command(&options.run_tag)
    };
    RunReport {
        schema: RunReport::SCHEMA,
        target: target.describe(),
        profile: options.profile,
        run_tag: options.run_tag.clone(),
        duration: started.elapsed(),
        summary: Summary::of(&outcomes),
        detection: detect_profile(&outcomes),
        outcomes,
        leftovers,
        cleanup_command,
        provenance,
        interrupted,
        evidence_dir: None,
        stopped,
    }
}

fn judged(
    case: &dyn RunnableCase,
    observed: Observed,
    evidence: Vec<Evidence>,
    options: &RunOptions,
    duration: Duration,
) -> CaseOutcome {
    let expected = case.expectations();
    let (verdict, explanation) = match expected.get(&options.profile) {
        Some(e) => judge(e, &observed, options.profile),
        None => (
            Verdict::Skipped,
            format!("no expectation under {}", options.profile),
        ),
    };
    let explanation = match case.diagnosis() {
        Some(d) if verdict == Verdict::Fail => format!("{explanation}; {d}"),
        _ => explanation,
    };
    let (hash_method, key_type) = case.matrix_cell().unzip();
    CaseOutcome {
        id: case.id().to_owned(),
        reason: case.reason().to_owned(),
        hash_method,
        key_type,
        chain: case.chain(),
        aspects: case.aspects(),
        expected,
        observed,
        verdict,
        explanation,
        evidence,
        reproduce: case.reproduce(),
        duration,
    }
}

/// Run one case with its time limit, then clean up after it (also when it
/// timed out): the judged outcome, what could not be deleted, and what went
/// wrong if the case could not reach the target (for the breaker).
async fn run_one<C: RunnableCase>(
    case: &C,
    target: &dyn Target,
    options: &RunOptions,
    mut aborted: tokio::sync::watch::Receiver<Option<String>>,
) -> (CaseOutcome, Vec<Leftover>, Option<String>) {
    let started = Instant::now();
    let context = options.context();
    let attempt = target.attempt(case.id());
    let mut timed_out = false;
    let observed = tokio::select! {
        run = tokio::time::timeout(options.timeout, attempt.run(case, &context)) => match run {
            Ok(observed) => observed,
            Err(_) => {
                timed_out = true;
                Observed::Error {
                    detail: format!("no answer within {}", seconds(options.timeout)),
                }
            }
        },
        why = aborted.wait_for(Option::is_some) => Observed::Error {
            detail: why.ok().and_then(|w| w.clone()).unwrap_or_default(),
        },
    };
    let unreachable = match &observed {
        Observed::Error { detail } if timed_out || attempt.unreachable() => Some(detail.clone()),
        _ => None,
    };
    let leftovers = if options.keep {
        attempt.keep();
        Vec::new()
    } else {
        attempt.cleanup().await
    };
    let outcome = judged(
        case,
        observed,
        attempt.evidence(),
        options,
        started.elapsed(),
    );
    (outcome, leftovers, unreachable)
}

/// `120s`, or `1500ms` for a limit that is not whole seconds.
fn seconds(d: Duration) -> String {
    if d.subsec_nanos() == 0 {
        format!("{}s", d.as_secs())
    } else {
        format!("{}ms", d.as_millis())
    }
}

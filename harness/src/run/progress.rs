//! Progress of a run on standard error: a bar on a terminal; without one
//! (a CI log) a line every few seconds with the cases done and the
//! failures so far, so a slow cloud never leaves the log silent.

use std::io::IsTerminal;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::outcome::CaseOutcome;
use crate::spec::Verdict;

/// How often a line is printed without a terminal.
pub const LINE_EVERY: Duration = Duration::from_secs(5);

/// Counts shared with the task that prints the lines.
#[derive(Debug, Default)]
pub(crate) struct Counts {
    done: AtomicUsize,
    failed: AtomicUsize,
}

/// `40/223 cases done, 1 failure so far (12s)`.
fn line(done: usize, total: usize, failed: usize, elapsed: Duration) -> String {
    let failures = match failed {
        1 => "1 failure".to_owned(),
        n => format!("{n} failures"),
    };
    format!(
        "{done}/{total} cases done, {failures} so far ({}s)",
        elapsed.as_secs()
    )
}

/// The progress display of one run.
pub(crate) enum Progress {
    /// Nothing shown.
    Hidden,
    /// A bar (standard error is a terminal).
    Bar(ProgressBar),
    /// A line every [`LINE_EVERY`] (standard error is not a terminal).
    Lines {
        /// What has happened so far.
        counts: Arc<Counts>,
        /// The task printing the lines.
        ticker: tokio::task::JoinHandle<()>,
    },
}

impl Progress {
    /// The display for `total` cases: none unless `show`, else a bar on a
    /// terminal and lines elsewhere. Needs a tokio runtime for the lines.
    pub(crate) fn start(show: bool, total: usize) -> Progress {
        if !show {
            return Progress::Hidden;
        }
        if std::io::stderr().is_terminal() {
            let bar =
                ProgressBar::with_draw_target(Some(total as u64), ProgressDrawTarget::stderr());
            bar.set_style(
                ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}")
                    .unwrap_or_else(|_| ProgressStyle::default_bar()),
            );
            return Progress::Bar(bar);
        }
        eprintln!("running {total} cases");
        let counts = Arc::new(Counts::default());
        let seen = counts.clone();
        let started = Instant::now();
        let ticker = tokio::spawn(async move {
            let mut every = tokio::time::interval(LINE_EVERY);
            every.tick().await;
            loop {
                every.tick().await;
                eprintln!(
                    "{}",
                    line(
                        seen.done.load(Ordering::Relaxed),
                        total,
                        seen.failed.load(Ordering::Relaxed),
                        started.elapsed()
                    )
                );
            }
        });
        Progress::Lines { counts, ticker }
    }

    /// A case finished.
    pub(crate) fn case_done(&self, outcome: &CaseOutcome) {
        match self {
            Progress::Hidden => {}
            Progress::Bar(bar) => {
                bar.set_message(outcome.id.clone());
                bar.inc(1);
            }
            Progress::Lines { counts, .. } => {
                counts.done.fetch_add(1, Ordering::Relaxed);
                if outcome.verdict == Verdict::Fail {
                    counts.failed.fetch_add(1, Ordering::Relaxed);
                }
            }
        }
    }

    /// A line for the person watching, above the bar if there is one.
    pub(crate) fn note(&self, text: &str) {
        match self {
            Progress::Bar(bar) => bar.println(text),
            Progress::Hidden | Progress::Lines { .. } => eprintln!("{text}"),
        }
    }

    /// The run is over: clear the bar, stop the lines.
    pub(crate) fn finish(self) {
        match self {
            Progress::Hidden => {}
            Progress::Bar(bar) => bar.finish_and_clear(),
            Progress::Lines { ticker, .. } => ticker.abort(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_line_says_cases_done_of_all_and_failures_so_far() {
        assert_eq!(
            line(40, 223, 1, Duration::from_millis(12_400)),
            "40/223 cases done, 1 failure so far (12s)"
        );
        assert_eq!(
            line(0, 5, 0, Duration::ZERO),
            "0/5 cases done, 0 failures so far (0s)"
        );
    }
}

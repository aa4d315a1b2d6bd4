//! The breaker: a run against a target that stopped answering ends early
//! instead of waiting out every case. After a threshold of cases in a row
//! (`imgsig run --breaker N`, [`DEFAULT_THRESHOLD`] unless given) could not
//! reach the target (a connection failure or a timeout, of one request or
//! of the whole case) the runner schedules nothing more, aborts the cases
//! in flight, cleans up and reports; `imgsig run` exits 2.

use std::num::NonZeroU32;

/// Cases in a row that could not reach the target before the run stops,
/// unless `--breaker` says otherwise.
pub const DEFAULT_THRESHOLD: NonZeroU32 = NonZeroU32::new(5).expect("five is not zero");

/// Counts consecutive cases that could not reach the target.
#[derive(Debug)]
pub(crate) struct Breaker {
    threshold: Option<NonZeroU32>,
    in_a_row: u32,
    tripped: bool,
}

impl Breaker {
    /// A breaker that trips after `threshold` unreachable cases in a row;
    /// `None` never trips.
    pub(crate) fn new(threshold: Option<NonZeroU32>) -> Breaker {
        Breaker {
            threshold,
            in_a_row: 0,
            tripped: false,
        }
    }

    /// Count one finished case: `unreachable` is what went wrong if it
    /// could not reach the target, `None` if it got answers (whatever they
    /// said). The reason to stop, once, when this case trips the breaker.
    pub(crate) fn record(&mut self, unreachable: Option<&str>) -> Option<String> {
        let Some(detail) = unreachable else {
            self.in_a_row = 0;
            return None;
        };
        self.in_a_row = self.in_a_row.saturating_add(1);
        let threshold = self.threshold?;
        if self.tripped || self.in_a_row < threshold.get() {
            return None;
        }
        self.tripped = true;
        Some(format!(
            "{} cases in a row could not reach the target (connection failures or timeouts), so \
             the run was stopped; the last: {detail}",
            self.in_a_row
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trips_once_after_the_threshold_in_a_row() {
        let mut b = Breaker::new(NonZeroU32::new(3));
        assert_eq!(b.record(Some("timed out")), None);
        assert_eq!(b.record(None), None, "an answer resets the count");
        assert_eq!(b.record(Some("timed out")), None);
        assert_eq!(b.record(Some("timed out")), None);
        let reason = b.record(Some("connection refused")).expect("tripped");
        assert_eq!(
            reason,
            "3 cases in a row could not reach the target (connection failures or timeouts), so \
             the run was stopped; the last: connection refused"
        );
        assert_eq!(b.record(Some("timed out")), None, "trips once");
    }

    #[test]
    fn an_absent_threshold_never_trips() {
        let mut b = Breaker::new(None);
        for _ in 0..1000 {
            assert_eq!(b.record(Some("timed out")), None);
        }
    }
}

//! Timeouts and the retry rule: only transient failures, only requests
//! whose body can be sent again, a few tries with a small bounded backoff.

use std::time::Duration;

use reqwest::Method;

/// Per-request time limits.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timeouts {
    /// Establishing a connection (TCP and TLS).
    pub connect: Duration,
    /// A whole ordinary request, from sending to the end of the answer.
    pub request: Duration,
    /// A whole upload or download of image data (these can be large).
    pub transfer: Duration,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            connect: Duration::from_secs(10),
            request: Duration::from_secs(60),
            transfer: Duration::from_secs(3600),
        }
    }
}

/// How often and how patiently to retry a transient failure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Tries in all, the first included (1 disables retries).
    pub attempts: u32,
    /// Pause before the second try; doubled for each further one.
    pub initial_backoff: Duration,
    /// The longest pause (also caps a server's `Retry-After`).
    pub max_backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 3,
            initial_backoff: Duration::from_millis(200),
            max_backoff: Duration::from_secs(2),
        }
    }
}

impl RetryPolicy {
    /// No retries at all.
    pub const NONE: RetryPolicy = RetryPolicy {
        attempts: 1,
        initial_backoff: Duration::ZERO,
        max_backoff: Duration::ZERO,
    };

    /// The pause after try number `attempt` (1-based), honouring a
    /// server's `Retry-After` seconds within [`Self::max_backoff`].
    pub fn backoff(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        let doubled = self
            .initial_backoff
            .saturating_mul(1u32 << attempt.saturating_sub(1).min(16));
        retry_after.unwrap_or(doubled).min(self.max_backoff)
    }
}

/// Whether `method` may be repeated without changing the outcome.
pub fn idempotent(method: &Method) -> bool {
    matches!(
        *method,
        Method::GET | Method::HEAD | Method::DELETE | Method::OPTIONS
    )
}

/// Whether an answer with `status` to `method` is worth another try:
/// 502 and 503 always (the request did not reach the service), 500 and
/// 504 only for idempotent methods (a POST may have taken effect).
pub fn transient_status(method: &Method, status: u16) -> bool {
    match status {
        502 | 503 => true,
        500 | 504 => idempotent(method),
        _ => false,
    }
}

/// Whether a failure below HTTP is worth another try: failing to connect
/// (nothing was sent). Timeouts are not retried: a slow service stays
/// slow, and a timed-out POST may have taken effect.
pub fn transient_transport(e: &reqwest::Error) -> bool {
    e.is_connect() && !e.is_timeout()
}

/// A `Retry-After` given in seconds.
pub(crate) fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn which_statuses_are_transient() {
        assert!(transient_status(&Method::POST, 503));
        assert!(transient_status(&Method::PUT, 502));
        assert!(!transient_status(&Method::POST, 500));
        assert!(!transient_status(&Method::POST, 504));
        assert!(transient_status(&Method::GET, 500));
        assert!(transient_status(&Method::DELETE, 504));
        assert!(!transient_status(&Method::GET, 400));
        assert!(!transient_status(&Method::GET, 404));
        assert!(!transient_status(&Method::GET, 501));
    }

    #[test]
    fn backoff_doubles_and_is_bounded() {
        let p = RetryPolicy::default();
        assert_eq!(p.backoff(1, None), Duration::from_millis(200));
        assert_eq!(p.backoff(2, None), Duration::from_millis(400));
        assert_eq!(p.backoff(9, None), Duration::from_secs(2));
        assert_eq!(p.backoff(40, None), Duration::from_secs(2));
        assert_eq!(
            p.backoff(1, Some(Duration::from_secs(1))),
            Duration::from_secs(1)
        );
        assert_eq!(
            p.backoff(1, Some(Duration::from_secs(3600))),
            Duration::from_secs(2)
        );
    }
}

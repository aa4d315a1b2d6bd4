//! What a failed OpenStack call carries inside [`crate::Error`]: the
//! evidence, so a report can show the exchange.

use std::fmt;
use std::time::Duration;

use super::evidence::Exchange;

/// A service answered with an unexpected status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiFailure {
    /// `Glance`, `Barbican` or `Keystone`.
    pub service: &'static str,
    /// The exchange (status, headers of interest, body excerpt).
    pub exchange: Exchange,
}

impl ApiFailure {
    /// The status code (0 if, impossibly, there was none).
    pub fn status(&self) -> u16 {
        self.exchange.status.unwrap_or(0)
    }

    fn hint(&self) -> &'static str {
        match self.status() {
            401 => ": the token was refused; check the credentials or --token",
            403 => ": the user lacks a role this needs (e.g. member or creator)",
            413 => ": the request is larger than the service accepts",
            _ => "",
        }
    }
}

impl fmt::Display for ApiFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} answered {} to {}: {}{}",
            self.service,
            self.status(),
            self.exchange.request_line(),
            self.exchange.message(),
            self.hint()
        )
    }
}

/// No answer: the connection failed or the time ran out.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TransportFailure {
    /// `Glance`, `Barbican` or `Keystone`.
    pub service: &'static str,
    /// The exchange (no status; `transport_error` says what happened).
    pub exchange: Exchange,
    /// The time limit, if that is what ended it.
    pub timed_out_after: Option<Duration>,
}

impl fmt::Display for TransportFailure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let e = &self.exchange;
        let tries = if e.attempts > 1 {
            format!(" ({} tries)", e.attempts)
        } else {
            String::new()
        };
        match self.timed_out_after {
            Some(limit) => write!(
                f,
                "{} did not answer {} within {:.1} s{tries}: the service is slow or stuck; \
                 raise the timeout or check the service",
                self.service,
                e.request_line(),
                limit.as_secs_f64(),
            ),
            None => write!(
                f,
                "cannot reach {} for {}{tries}: {}; is the service running and the URL right \
                 (catalog, --glance-url, --barbican-url, TLS settings)?",
                self.service,
                e.request_line(),
                e.transport_error.as_deref().unwrap_or("no answer"),
            ),
        }
    }
}

/// Keystone refused the credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeystoneRefusal {
    /// The token endpoint.
    pub url: String,
    /// Whose credentials (`user "admin" in project "admin"`).
    pub who: String,
    /// 401 or 403.
    pub status: u16,
    /// Keystone's message.
    pub message: String,
    /// What to check.
    pub hint: &'static str,
}

impl fmt::Display for KeystoneRefusal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Keystone at {} refused the credentials for {} ({}: {}): {}",
            self.url, self.who, self.status, self.message, self.hint
        )
    }
}

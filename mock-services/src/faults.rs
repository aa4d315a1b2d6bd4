//! Faults a test can switch on while the mock cloud runs.

use std::sync::atomic::{AtomicBool, AtomicU16, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// A shared handle on the faults in force; clones see the same switches.
#[derive(Debug, Clone, Default)]
pub struct Faults(Arc<Inner>);

#[derive(Debug, Default)]
struct Inner {
    barbican_unreachable: AtomicBool,
    barbican_delay_ms: AtomicU64,
    barbican_status: AtomicU16,
    tokens_revoked_before_micros: AtomicU64,
}

impl Faults {
    /// Barbican refuses connections (new connections are closed at once).
    pub fn set_barbican_unreachable(&self, on: bool) {
        self.0.barbican_unreachable.store(on, Ordering::SeqCst);
    }

    /// Whether Barbican is unreachable.
    pub fn barbican_unreachable(&self) -> bool {
        self.0.barbican_unreachable.load(Ordering::SeqCst)
    }

    /// Barbican waits this long before answering each request.
    pub fn set_barbican_delay(&self, delay: Duration) {
        let ms = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
        self.0.barbican_delay_ms.store(ms, Ordering::SeqCst);
    }

    /// Barbican's current delay.
    pub fn barbican_delay(&self) -> Duration {
        Duration::from_millis(self.0.barbican_delay_ms.load(Ordering::SeqCst))
    }

    /// Barbican answers every authenticated request with this status
    /// (e.g. 500); `None` restores normal service.
    pub fn set_barbican_status(&self, status: Option<u16>) {
        self.0
            .barbican_status
            .store(status.unwrap_or(0), Ordering::SeqCst);
    }

    /// The forced Barbican status, if any.
    pub fn barbican_status(&self) -> Option<u16> {
        match self.0.barbican_status.load(Ordering::SeqCst) {
            0 => None,
            s => Some(s),
        }
    }

    /// Every token issued so far expires now (a token expiring mid-run);
    /// tokens issued afterwards are valid.
    pub fn expire_all_tokens(&self) {
        self.0
            .tokens_revoked_before_micros
            .store(crate::http::now_micros() + 1, Ordering::SeqCst);
    }

    /// Tokens issued before this instant (µs since the epoch) are expired.
    pub(crate) fn tokens_revoked_before(&self) -> u64 {
        self.0.tokens_revoked_before_micros.load(Ordering::SeqCst)
    }

    /// Switch every fault off.
    pub fn clear(&self) {
        self.set_barbican_unreachable(false);
        self.set_barbican_delay(Duration::ZERO);
        self.set_barbican_status(None);
    }
}

//! Targets: what the cases run against. Each target receives a case and
//! reports what it observed; the runner owns concurrency, timeouts and
//! cleanup.

pub mod adapter;

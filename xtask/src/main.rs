//! `cargo xtask <task>`: every project chore, so nobody needs a Makefile.
//!
//! Each task lives in its own module and runs the project's own binaries
//! through cargo; this file only dispatches.

mod adapter_cursive;
mod adapter_nova;
mod bench_upload;
mod bench_verify;
mod conformance;
mod consumer;
mod fuzz;
mod guide;
mod live;
mod mock_interop;
mod report_check;
mod reproductions;
mod util;
mod vectors;
mod venv;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Project tasks for imgsig.
#[derive(Debug, Parser)]
#[command(name = "cargo xtask", about)]
struct Xtask {
    #[command(subcommand)]
    task: Task,
}

#[derive(Debug, Subcommand)]
enum Task {
    /// Run the catalogue through the real cursive library (adapter protocol).
    AdapterCursive(Box<adapter_cursive::Args>),
    /// Run the consumer catalogue through the real Nova code (its image download path).
    AdapterNova(adapter_nova::Args),
    /// Time a verified upload to the mock against the limit of its hashes.
    BenchUpload(bench_upload::Args),
    /// Time `imgsig verify` against `openssl dgst -verify` on one file.
    BenchVerify(bench_verify::Args),
    /// Run the conformance suite (the project's main job).
    Conformance(Box<conformance::Args>),
    /// Fuzz each target (or one) for a while, starting from the seeds.
    Fuzz(fuzz::Args),
    /// A real Keystone + Barbican + Glance on 127.0.0.1 (up, down, status, smoke).
    Live(live::Args),
    /// The user guide's openstack commands against the mocks, with the real client.
    MockInterop(mock_interop::Args),
    /// The HTML report in a headless Chromium, the subunit stream through python-subunit.
    ReportCheck(report_check::Args),
    /// Write the case corpus to vectors/, or re-check it (--check).
    Vectors(vectors::Args),
}

fn main() -> ExitCode {
    let xtask = Xtask::parse();
    let result = match xtask.task {
        Task::AdapterCursive(args) => adapter_cursive::run(*args),
        Task::AdapterNova(args) => adapter_nova::run(args),
        Task::BenchUpload(args) => bench_upload::run(args),
        Task::BenchVerify(args) => bench_verify::run(args),
        Task::Conformance(args) => conformance::run(*args),
        Task::Fuzz(args) => fuzz::run(args),
        Task::Live(args) => live::run(args),
        Task::MockInterop(args) => mock_interop::run(args),
        Task::ReportCheck(args) => report_check::run(args),
        Task::Vectors(args) => vectors::run(args),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("xtask: {e}");
            ExitCode::from(2)
        }
    }
}

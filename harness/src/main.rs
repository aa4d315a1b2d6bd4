//! `imgsig`: sign, verify and inspect OpenStack image signatures, and run
//! the conformance suite.

mod cli;

fn main() -> std::process::ExitCode {
    cli::run()
}

//! `imgsig`: sign, verify and inspect OpenStack image signatures, and run
//! the conformance suite.

fn main() -> std::process::ExitCode {
    imgsig::cli::run()
}

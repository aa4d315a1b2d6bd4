//! The `openssl` command run as a person would, for the tests of both
//! crates that make keys with it (`harness/tests/cli_key_forms.rs`
//! includes this file by path).

use std::path::Path;
use std::process::Command;

/// `openssl ARGS…` in `dir`; panics with its standard error if it fails.
pub fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl")
        .args(args)
        .current_dir(dir)
        .output()
        .expect("openssl runs");
    assert!(
        out.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

//! What a new user ran into: exit statuses and messages of `cases`, `run
//! --list`, `keygen`, `sign`, `inspect`/`verify` sharing one length rule,
//! and the figures the README quotes.

use std::path::Path;
use std::process::{Command, Output};

fn imgsig(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_imgsig"))
        .current_dir(dir)
        .args(args)
        .output()
        .expect("run imgsig")
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn no_match_is_the_same_error_in_cases_and_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    for args in [
        &["cases", "--filter", "nosuch"][..],
        &["run", "--filter", "nosuch", "--list"][..],
    ] {
        let out = imgsig(dir.path(), args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(
            stderr(&out).contains("no case matches nosuch"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
}

#[test]
fn regex_and_exclude_select_the_same_in_cases_and_run() {
    let dir = tempfile::tempdir().expect("tempdir");
    let select = [
        "--filter",
        "re:^sig\\.dsa-(1024|2048)",
        "--exclude",
        "*.sha-224.*",
        "-x",
        "re:sha-512",
    ];
    let cases = imgsig(dir.path(), &[&["cases", "--json"][..], &select].concat());
    let run = imgsig(
        dir.path(),
        &[&["run", "--list", "--json"][..], &select].concat(),
    );
    assert!(
        cases.status.success() && run.status.success(),
        "{}",
        stderr(&run)
    );
    assert_eq!(stdout(&cases), stdout(&run));
    let ids: Vec<String> = stdout(&run)
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("a JSON line");
            v["id"].as_str().expect("id").to_owned()
        })
        .collect();
    assert!(!ids.is_empty());
    for id in &ids {
        assert!(
            id.starts_with("sig.dsa-1024") || id.starts_with("sig.dsa-2048"),
            "{id}"
        );
        assert!(!id.contains("sha-224") && !id.contains("sha-512"), "{id}");
    }
    let bad = imgsig(dir.path(), &["cases", "--filter", "re:("]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(stderr(&bad).contains("re:("), "{}", stderr(&bad));
}

#[test]
fn keygen_names_the_dsa_sizes() {
    let dir = tempfile::tempdir().expect("tempdir");
    let out = imgsig(
        dir.path(),
        &[
            "keygen",
            "--key-type",
            "DSA",
            "--bits",
            "4096",
            "--out",
            "k",
        ],
    );
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert!(err.contains("DSA with a 4096-bit p"), "{err}");
    assert!(
        err.contains("1024/160, 2048/224, 2048/256 or 3072/256"),
        "{err}"
    );
    assert!(!err.contains("/0"), "{err}");
}

/// An RSA-2048 signature is 344 base64 characters: over the documented
/// 255, so `inspect` and `verify --profile documented` both refuse it.
#[test]
fn inspect_and_verify_share_the_length_rule_and_sign_shows_the_secret_step() {
    let dir = tempfile::tempdir().expect("tempdir");
    let keygen = imgsig(
        dir.path(),
        &["keygen", "--key-type", "RSA-PSS", "--out", "k"],
    );
    assert!(keygen.status.success(), "{}", stderr(&keygen));
    std::fs::write(dir.path().join("image.bin"), b"an image").expect("write");
    let sign = imgsig(
        dir.path(),
        &[
            "sign",
            "--key",
            "k/private_key.pem",
            "--hash-method",
            "SHA-256",
            "image.bin",
        ],
    );
    assert!(sign.status.success(), "{}", stderr(&sign));
    let printed = stdout(&sign);
    assert!(
        printed.contains("SECRET_ID=$(openstack secret store ")
            && printed.contains("-f value -c \"Secret href\" | sed 's|.*/||')")
            && printed.contains("--property img_signature_certificate_uuid=\"$SECRET_ID\""),
        "{printed}"
    );
    assert!(!printed.contains("'$SECRET_ID'"), "{printed}");
    // keygen's certificate beside the key is the payload, ready to paste.
    assert!(
        printed.contains("--payload \"$(base64 -w0 k/certificate.pem)\""),
        "{printed}"
    );
    let signature = printed
        .lines()
        .find_map(|l| l.strip_prefix("img_signature="))
        .expect("img_signature line")
        .to_owned();
    assert_eq!(signature.len(), 344);
    let common = [
        "--cert",
        "k/certificate.pem",
        "--hash-method",
        "SHA-256",
        "--signature",
        &signature,
    ];
    let verify = imgsig(
        dir.path(),
        &[
            &["verify", "--profile", "documented", "--key-type", "RSA-PSS"][..],
            &common,
            &["image.bin"],
        ]
        .concat(),
    );
    assert_eq!(verify.status.code(), Some(1), "{}", stdout(&verify));
    let inspect = imgsig(
        dir.path(),
        &[&["inspect"][..], &common, &["image.bin"]].concat(),
    );
    assert_eq!(inspect.status.code(), Some(0), "{}", stderr(&inspect));
    insta::assert_snapshot!(
        "verify_and_inspect_of_a_344_character_signature",
        format!(
            "$ imgsig verify --profile documented …\n{}\n$ imgsig inspect …\n{}",
            stdout(&verify),
            stdout(&inspect)
        )
    );
    let private = imgsig(
        dir.path(),
        &[
            &[
                "verify",
                "--key-type",
                "RSA-PSS",
                "--cert",
                "k/private_key.pem",
            ][..],
            &common[2..],
            &["image.bin"],
        ]
        .concat(),
    );
    assert_eq!(private.status.code(), Some(2), "{}", stdout(&private));
    assert!(
        stderr(&private).contains("holds a private key, not a certificate"),
        "{}",
        stderr(&private)
    );
}

/// The case count and the pass/acceptable split the README and the report
/// format quote are the catalogue's.
#[test]
fn documented_counts_are_the_catalogue_s() {
    let cases = imgsig::cases::catalogue(false).expect("catalogue");
    let total = cases.len();
    let acceptable = cases
        .iter()
        .filter(|c| {
            c.expected.get(&imgsig::spec::Profile::GlanceCurrent)
                == Some(&imgsig::outcome::Expected::Acceptable)
        })
        .count();
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let count = regex::Regex::new(r"catalogue \((\d+) cases\)").expect("regex");
    let split = regex::Regex::new(r"(\d+) passed, 0 failed, (\d+) acceptable, 0 skipped in")
        .expect("regex");
    let json_split =
        regex::Regex::new(r#""passed": (\d+), "failed": 0, "acceptable": (\d+)"#).expect("regex");
    let mut checked = 0;
    for doc in ["README.md", "docs/report-format.md"] {
        let text = std::fs::read_to_string(root.join(doc)).expect("read doc");
        for c in count.captures_iter(&text) {
            let n: usize = c
                .iter()
                .skip(1)
                .flatten()
                .next()
                .expect("group")
                .as_str()
                .parse()
                .expect("n");
            assert_eq!(n, total, "{doc}: {}", &c[0]);
            checked += 1;
        }
        for c in split
            .captures_iter(&text)
            .chain(json_split.captures_iter(&text))
        {
            let (p, a): (usize, usize) = (c[1].parse().expect("n"), c[2].parse().expect("n"));
            assert_eq!((p, a), (total - acceptable, acceptable), "{doc}: {}", &c[0]);
            checked += 1;
        }
    }
    assert!(checked >= 2, "the figures were not found ({checked})");
}

/// Completions and manual pages come from the command definitions.
#[test]
fn completions_and_man_pages() {
    let dir = tempfile::tempdir().expect("tempdir");
    let bash = imgsig(dir.path(), &["completions", "bash"]);
    assert!(bash.status.success(), "{}", stderr(&bash));
    let script = stdout(&bash);
    assert!(
        script.contains("_imgsig()") && script.contains("--evidence-dir"),
        "{script}"
    );
    let zsh = imgsig(dir.path(), &["completions", "zsh"]);
    assert!(
        stdout(&zsh).starts_with("#compdef imgsig"),
        "{}",
        stdout(&zsh)
    );
    let bad = imgsig(dir.path(), &["completions", "tcsh"]);
    assert_eq!(bad.status.code(), Some(2));
    let man = imgsig(dir.path(), &["man"]);
    assert!(man.status.success(), "{}", stderr(&man));
    let page = stdout(&man);
    assert!(
        page.contains(".TH imgsig 1") && page.contains("imgsig\\-run"),
        "{page}"
    );
    let out = imgsig(dir.path(), &["man", "--out-dir", "man"]);
    assert!(out.status.success(), "{}", stderr(&out));
    for page in [
        "imgsig.1",
        "imgsig-run.1",
        "imgsig-verify.1",
        "imgsig-completions.1",
    ] {
        assert!(dir.path().join("man").join(page).is_file(), "{page}");
    }
}

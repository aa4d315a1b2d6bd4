//! The architecture, enforced (in the spirit of rust-analyzer's tidy
//! tests): the crate graph from `cargo metadata` and the module imports of
//! the harness from its sources. A forbidden edge fails the default test
//! run with the rule it breaks.
//!
//! The flow is one-way: contract → crypto & verifier → cases → OpenStack
//! client → targets → outcomes → runner → reports → command line.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("workspace root")
        .to_path_buf()
}

/// Package name → names of its normal (non-dev, non-build) dependencies.
fn normal_graph() -> BTreeMap<String, BTreeSet<String>> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let out = Command::new(cargo)
        .args(["metadata", "--format-version", "1", "--manifest-path"])
        .arg(root().join("Cargo.toml"))
        .output()
        .expect("cargo metadata runs");
    assert!(
        out.status.success(),
        "cargo metadata: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let meta: Value = serde_json::from_slice(&out.stdout).expect("metadata is JSON");
    let names: BTreeMap<&str, &str> = meta["packages"]
        .as_array()
        .expect("packages")
        .iter()
        .map(|p| {
            (
                p["id"].as_str().expect("id"),
                p["name"].as_str().expect("name"),
            )
        })
        .collect();
    let mut graph = BTreeMap::new();
    for node in meta["resolve"]["nodes"].as_array().expect("resolve") {
        let name = names[node["id"].as_str().expect("node id")].to_owned();
        let deps = node["deps"]
            .as_array()
            .expect("deps")
            .iter()
            .filter(|d| {
                d["dep_kinds"]
                    .as_array()
                    .is_some_and(|kinds| kinds.iter().any(|k| k["kind"].is_null()))
            })
            .map(|d| names[d["pkg"].as_str().expect("dep id")].to_owned())
            .collect();
        graph.insert(name, deps);
    }
    graph
}

fn closure(graph: &BTreeMap<String, BTreeSet<String>>, start: &str) -> BTreeSet<String> {
    let mut seen = BTreeSet::new();
    let mut todo = vec![start.to_owned()];
    while let Some(n) = todo.pop() {
        for d in graph.get(&n).into_iter().flatten() {
            if seen.insert(d.clone()) {
                todo.push(d.clone());
            }
        }
    }
    seen
}

#[test]
fn crates_depend_only_downstream() {
    let graph = normal_graph();
    let direct = &graph["imgsig-contract"];
    let allowed: BTreeSet<String> = ["base64", "serde", "thiserror"].map(String::from).into();
    assert!(
        direct.is_subset(&allowed),
        "imgsig-contract may depend on serde, thiserror and base64 only, not {:?}",
        direct.difference(&allowed).collect::<Vec<_>>()
    );
    let rules: [(&str, &[&str], &str); 3] = [
        (
            "imgsig-contract",
            &["openssl", "tokio", "reqwest", "hyper", "axum", "imgsig-crypto"],
            "the contract knows nothing of crypto, HTTP or async I/O",
        ),
        (
            "imgsig-crypto",
            &["tokio", "reqwest", "hyper", "axum", "clap", "imgsig", "imgsig-mock"],
            "the crypto crate knows nothing of HTTP, the runner or the command line",
        ),
        (
            "imgsig-mock",
            &["imgsig", "reqwest", "indicatif", "serde_yaml"],
            "the mocks depend on the contract and the verifier only, never the harness or its client",
        ),
    ];
    for (krate, forbidden, why) in rules {
        let reach = closure(&graph, krate);
        let bad: Vec<&&str> = forbidden.iter().filter(|f| reach.contains(**f)).collect();
        assert!(bad.is_empty(), "{krate} reaches {bad:?}: {why}");
    }
    for krate in ["imgsig-contract", "imgsig-crypto"] {
        assert!(
            graph["imgsig-mock"].contains(krate),
            "the mocks verify through {krate}"
        );
    }
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).expect("readable source dir") {
        let path = entry.expect("dir entry").path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}

/// `crate::<module>` paths a source file names, outside comments.
fn crate_paths(source: &str) -> BTreeSet<String> {
    let mut out = BTreeSet::new();
    for line in source.lines() {
        let code = line.split("//").next().unwrap_or_default();
        let mut rest = code;
        while let Some(i) = rest.find("crate::") {
            rest = &rest[i + "crate::".len()..];
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
                .collect();
            if !name.is_empty() {
                out.insert(name);
            }
        }
    }
    out
}

#[test]
fn harness_modules_import_only_along_the_flow() {
    // Rank in the flow; a module may name modules of its rank or lower.
    // The re-exported lower crates (spec, crypto, verify, trust), the error
    // type, the run tag and the small-file reader (leaves) are open to every
    // module.
    let ranks = [
        "cases",
        "openstack",
        "targets",
        "outcome",
        "run",
        "report",
        "cli",
    ];
    let open = [
        "spec", "crypto", "verify", "trust", "tag", "files", "Error", "Result",
    ];
    let rank = |m: &str| ranks.iter().position(|r| *r == m);
    let src = root().join("harness/src");
    let mut violations = Vec::new();
    for module in ranks {
        let mine = rank(module).expect("ranked");
        let dir = src.join(module);
        let files = if dir.is_dir() {
            rust_files(&dir)
        } else {
            vec![src.join(format!("{module}.rs"))]
        };
        for file in files {
            let text = std::fs::read_to_string(&file).expect("readable source");
            for used in crate_paths(&text) {
                if open.contains(&used.as_str()) || used == module {
                    continue;
                }
                match rank(&used) {
                    Some(theirs) if theirs <= mine => {}
                    Some(_) => violations.push(format!(
                        "{} names crate::{used}, which comes after {module} in the flow",
                        file.strip_prefix(root()).unwrap_or(&file).display()
                    )),
                    None => violations.push(format!(
                        "{} names crate::{used}, which has no place in the flow",
                        file.strip_prefix(root()).unwrap_or(&file).display()
                    )),
                }
            }
        }
    }
    assert!(violations.is_empty(), "{}", violations.join("\n"));
}

#[test]
fn the_contract_does_no_io() {
    let forbidden = [
        "std::fs",
        "std::net",
        "std::process",
        "std::io::Read",
        "File::",
    ];
    for file in rust_files(&root().join("harness/contract/src")) {
        let text = std::fs::read_to_string(&file).expect("readable source");
        for f in forbidden {
            assert!(
                !text.contains(f),
                "{} uses {f}: the contract is data and rules, no I/O",
                file.display()
            );
        }
    }
}

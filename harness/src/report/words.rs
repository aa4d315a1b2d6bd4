//! The sentences every rendering shares: what the target did with a case,
//! what each profile stands for, where the report came from.

use crate::outcome::{CaseOutcome, Evidence, Observed, Provenance, RunReport};
use crate::spec::{FailedUpload, KeyTypeSpelling, Profile, PssVerifySalt};

/// What the target did, in a few words: `accepted it (image active)`,
/// `refused it (400: Unable to load PEM file)`.
pub fn target_did(observed: &Observed) -> String {
    match observed {
        Observed::Accepted { image } => format!("accepted it (image {image})"),
        Observed::Rejected {
            status, message, ..
        } => match status {
            Some(s) => format!("refused it ({s}: {message})"),
            None => format!("refused it ({message})"),
        },
        Observed::Error { detail } => format!("could not run it: {detail}"),
        Observed::Skipped { why } => format!("did not run it: {why}"),
    }
}

/// An implementation-defined case as a sentence for the operator:
/// `neg.cert.payload-der — a DER payload: this target refused it (…)`.
pub fn acceptable_line(o: &CaseOutcome) -> String {
    format!(
        "{} — {}: this target {}",
        o.id,
        o.reason,
        target_did(&o.observed)
    )
}

/// One exchange as `PUT … -> 204`.
pub fn exchange(e: &Evidence) -> String {
    match e.status {
        Some(s) => format!("{} -> {s}", e.request),
        None => e.request.clone(),
    }
}

/// The rules a profile holds a target to, read off the contract.
pub fn profile_definition(p: Profile) -> String {
    let salt = match p.pss_verify_salt() {
        PssVerifySalt::ExactMax => "exactly the maximum".to_owned(),
        PssVerifySalt::Auto => "any".to_owned(),
        PssVerifySalt::Exact(n) => format!("exactly {n} bytes"),
    };
    let spelling = match p.key_type_spelling() {
        KeyTypeSpelling::Prefixed => "ECC_-prefixed (ECC_SECP384R1)",
        KeyTypeSpelling::Bare => "bare (SECP384R1)",
    };
    let binary = if p.supports(crate::spec::KeyType::Ecc(crate::spec::Curve::Sect571k1)) {
        "supported"
    } else {
        "unsupported"
    };
    let limit = p
        .signature_char_limit()
        .map_or_else(|| "none".to_owned(), |n| format!("{n} characters"));
    let failed = match p.failed_upload() {
        FailedUpload::LeftQueued => "left queued",
        FailedUpload::Deleted => "deleted",
    };
    let explicit = if p.reads_explicit_ec_parameters() {
        "read"
    } else {
        "load error"
    };
    format!(
        "PSS salt {salt}; curve names {spelling}; binary curves {binary}; \
         signature limit {limit}; failed images {failed}; explicit EC parameters {explicit}"
    )
}

/// `imgsig 0.1.0, corpus imgsig-vectors/2, started … on HOST`.
pub fn provenance_line(p: &Provenance) -> String {
    let mut line = format!(
        "imgsig {}, corpus {}",
        or_unknown(&p.harness_version),
        or_unknown(&p.corpus_schema)
    );
    if !p.started.is_empty() {
        line.push_str(&format!(", started {}", p.started));
    }
    if !p.hostname.is_empty() {
        line.push_str(&format!(" on {}", p.hostname));
    }
    line
}

fn or_unknown(s: &str) -> &str {
    if s.is_empty() {
        "(unknown)"
    } else {
        s
    }
}

/// The implementation-defined cases of a run.
pub fn acceptable(report: &RunReport) -> impl Iterator<Item = &CaseOutcome> {
    report
        .outcomes
        .iter()
        .filter(|o| o.verdict == crate::spec::Verdict::Acceptable)
}

/// The `reproduce.sh` of an outcome in the evidence directory, when its
/// files were written.
pub fn script(report: &RunReport, o: &CaseOutcome) -> Option<String> {
    let dir = report.evidence_dir.as_deref()?;
    (!o.reproduce.is_empty()).then(|| format!("{dir}/{}/{}", o.id, super::evidence::names::SCRIPT))
}

/// `evidence: the files of 4 cases, each with reproduce.sh, under DIR`.
pub fn evidence_line(report: &RunReport) -> Option<String> {
    let dir = report.evidence_dir.as_deref()?;
    let n = report
        .outcomes
        .iter()
        .filter(|o| !o.reproduce.is_empty())
        .count();
    Some(format!(
        "evidence: the files of {n} cases, each with reproduce.sh, under {dir}"
    ))
}

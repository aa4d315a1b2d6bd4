//! The report as one self-contained HTML file (`--html FILE`): inline CSS
//! and script, nothing fetched, readable offline. The summary, the matrix,
//! what the target behaves like, the implementation-defined cases, then
//! every case with its exchanges and reproduction, filterable by family
//! and outcome (also from the address: `report.html#family=sig&outcome=fail`).
//!
//! The script marks the page when it has run: `data-ready="yes"` on
//! `<body>` and `data-shown` with the number of cases the filters show,
//! which `cargo xtask report-check` reads from the DOM of a headless
//! Chromium.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::{matrix, words, LEGEND};
use crate::outcome::{CaseOutcome, RunReport, Summary, Verdict};
use crate::spec::{HashMethod, Profile};

/// Escape text for HTML content and attribute values.
fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// The outcome as a filter value (the JSON report's spelling).
const fn outcome_name(v: Verdict) -> &'static str {
    match v {
        Verdict::Pass => "pass",
        Verdict::Fail => "fail",
        Verdict::Acceptable => "acceptable",
        Verdict::Skipped => "skipped",
        Verdict::KnownFailure => "known-failure",
    }
}

const OUTCOMES: [Verdict; 5] = [
    Verdict::Fail,
    Verdict::KnownFailure,
    Verdict::Acceptable,
    Verdict::Pass,
    Verdict::Skipped,
];

const STYLE: &str = "\
body{font:15px/1.45 system-ui,sans-serif;margin:0 auto;max-width:72rem;padding:1rem 1.5rem;color:#1b1b1b}\
h1{font-size:1.5rem;margin:.2rem 0}h2{font-size:1.15rem;margin-top:1.6rem;border-bottom:1px solid #ddd}\
.ok{color:#17692b}.bad{color:#b00020}.muted{color:#666}\
table{border-collapse:collapse;margin:.5rem 0}td,th{border:1px solid #ddd;padding:.2rem .5rem;text-align:left}\
td.cell{text-align:center;font-family:ui-monospace,monospace}\
.v-fail{background:#fde7ea}.v-known-failure{background:#fff3d6}.v-acceptable{background:#e8f0fe}\
.v-pass{background:#eaf6ec}.v-skipped{background:#f2f2f2}\
details.case{border:1px solid #ddd;border-radius:4px;margin:.3rem 0;padding:.2rem .6rem}\
details.case>summary{cursor:pointer;font-family:ui-monospace,monospace}\
pre{background:#f6f6f6;padding:.4rem;overflow-x:auto;white-space:pre-wrap;word-break:break-all}\
#filters{position:sticky;top:0;background:#fff;padding:.4rem 0;border-bottom:1px solid #ddd}\
#filters label{margin-right:.8rem}";

const SCRIPT: &str = r#"
(function () {
  var body = document.body;
  var cases = Array.prototype.slice.call(document.querySelectorAll('details.case'));
  var family = document.getElementById('family');
  var outcome = document.getElementById('outcome');
  function fromHash() {
    var h = (location.hash || '').replace(/^#/, '');
    h.split('&').forEach(function (kv) {
      var p = kv.split('=');
      if (p[0] === 'family') { family.value = decodeURIComponent(p[1] || ''); }
      if (p[0] === 'outcome') { outcome.value = decodeURIComponent(p[1] || ''); }
    });
  }
  function apply() {
    var shown = 0;
    cases.forEach(function (c) {
      var ok = (!family.value || c.dataset.family === family.value) &&
               (!outcome.value || c.dataset.outcome === outcome.value);
      c.hidden = !ok;
      if (ok) { shown += 1; }
    });
    body.dataset.shown = String(shown);
    document.getElementById('shown').textContent = shown + ' of ' + cases.length + ' cases shown';
  }
  family.addEventListener('change', apply);
  outcome.addEventListener('change', apply);
  window.addEventListener('hashchange', function () { fromHash(); apply(); });
  fromHash();
  apply();
  body.dataset.ready = 'yes';
})();
"#;

fn case(out: &mut String, o: &CaseOutcome, report: &RunReport) {
    let name = outcome_name(o.verdict);
    let _ = writeln!(
        out,
        "<details class=\"case v-{name}\" id=\"{id}\" data-family=\"{fam}\" data-outcome=\"{name}\">\
         <summary>{mark} {id} <span class=\"muted\">— {words}</span></summary>",
        id = esc(&o.id),
        fam = esc(o.family()),
        mark = super::matrix::mark(o.verdict),
        words = esc(super::matrix::verdict_words(o.verdict)),
    );
    let _ = writeln!(out, "<p>{}</p><ul>", esc(&o.reason));
    if let Some(e) = o.expected.get(&report.profile) {
        let _ = writeln!(
            out,
            "<li>expected ({}): {}</li>",
            esc(report.profile.name()),
            esc(&e.to_string())
        );
    }
    let _ = writeln!(
        out,
        "<li>this target {}</li><li>{}</li><li>{} ms</li></ul>",
        esc(&words::target_did(&o.observed)),
        esc(&o.explanation),
        o.duration.as_millis()
    );
    if !o.evidence.is_empty() {
        out.push_str("<p>exchanges</p><pre>");
        for e in &o.evidence {
            let _ = writeln!(out, "{}", esc(&words::exchange(e)));
            if !e.body_excerpt.is_empty() {
                let _ = writeln!(out, "  {}", esc(&e.body_excerpt));
            }
        }
        out.push_str("</pre>\n");
    }
    if !o.reproduce.is_empty() {
        out.push_str("<p>reproduce");
        if let Some(script) = words::script(report, o) {
            let _ = write!(out, " (or <code>sh {}</code>)", esc(&script));
        }
        out.push_str("</p><pre>");
        for cmd in &o.reproduce {
            let _ = writeln!(out, "{}", esc(cmd));
        }
        out.push_str("</pre>\n");
    }
    out.push_str("</details>\n");
}

fn options<'a>(out: &mut String, id: &str, label: &str, values: impl Iterator<Item = &'a str>) {
    let _ = write!(
        out,
        "<label>{label} <select id=\"{id}\"><option value=\"\">all</option>"
    );
    for v in values {
        let _ = write!(out, "<option value=\"{v}\">{v}</option>", v = esc(v));
    }
    out.push_str("</select></label>");
}

/// Render the HTML report.
pub fn html(report: &RunReport) -> String {
    let mut out =
        String::from("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n");
    let _ = writeln!(
        out,
        "<meta name=\"viewport\" content=\"width=device-width\">\
         <title>imgsig conformance: {}</title><style>{STYLE}</style></head><body data-ready=\"no\">",
        esc(&report.summary.line())
    );
    let (class, icon) = if report.all_as_expected() {
        ("ok", "✔")
    } else {
        ("bad", "✘")
    };
    let _ = writeln!(
        out,
        "<h1 class=\"{class}\">{icon} imgsig conformance: {}</h1>",
        esc(&report.summary.line())
    );
    let _ = writeln!(
        out,
        "<p>Target <b>{}</b>, profile <b>{}</b>, run <code>{}</code>, {:.1}s; {}.</p>",
        esc(&report.target),
        esc(report.profile.name()),
        esc(&report.run_tag.to_string()),
        report.duration.as_secs_f64(),
        esc(&words::provenance_line(&report.provenance))
    );
    if report.interrupted {
        out.push_str(
            "<p class=\"bad\">Interrupted: the cases not run are listed as skipped.</p>\n",
        );
    }
    if let Some(line) = words::evidence_line(report) {
        let _ = writeln!(out, "<p>{}</p>", esc(&line));
    }

    let mut families: BTreeMap<&str, Vec<&CaseOutcome>> = BTreeMap::new();
    for o in &report.outcomes {
        families.entry(o.family()).or_default().push(o);
    }
    out.push_str(
        "<h2>Summary</h2>\n<table><tr><th>family</th><th>passed</th><th>failed</th>\
                  <th>acceptable</th><th>skipped</th><th>known failures</th></tr>\n",
    );
    for (family, outcomes) in &families {
        let s = Summary::of(outcomes.iter().copied());
        let _ = writeln!(
            out,
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(family),
            s.passed,
            s.failed,
            s.acceptable,
            s.skipped,
            s.known_failures
        );
    }
    out.push_str("</table>\n");

    let m = matrix(&report.outcomes);
    if !m.rows.is_empty() {
        out.push_str("<h2>Signature matrix</h2>\n<table><tr><th>key type</th>");
        for h in HashMethod::ALL {
            let _ = write!(out, "<th>{}</th>", esc(h.as_str()));
        }
        out.push_str("</tr>\n");
        for (key_type, cells) in &m.rows {
            let _ = write!(
                out,
                "<tr><td><code>{}</code></td>",
                esc(&key_type.as_property())
            );
            for c in cells {
                match c {
                    Some(c) => {
                        let _ = write!(
                            out,
                            "<td class=\"cell v-{}\" title=\"{}\">{}</td>",
                            outcome_name(c.verdict),
                            esc(&c.words()),
                            esc(&c.symbol())
                        );
                    }
                    None => out.push_str("<td></td>"),
                }
            }
            out.push_str("</tr>\n");
        }
        let _ = writeln!(out, "</table>\n<p class=\"muted\">{}</p>", esc(LEGEND));
    }

    let rows = super::trust_rows(&report.outcomes);
    if !rows.is_empty() {
        let _ = writeln!(
            out,
            "<h2>Trust</h2>\n<p>{}</p>\n<table><tr><th>depth</th><th>what is wrong</th>\
             <th>target</th><th>cases</th></tr>",
            esc(super::TRUST_HEADING)
        );
        for r in &rows {
            let _ = writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td class=\"cell v-{}\" title=\"{}\">{}</td>\
                 <td>{}</td></tr>",
                r.chain.depth,
                esc(&r.chain.defect.to_string()),
                outcome_name(r.cell.verdict),
                esc(&r.cell.words()),
                esc(&r.cell.symbol()),
                esc(&r.case_list())
            );
        }
        let _ = writeln!(out, "</table>\n<p class=\"muted\">{}</p>", esc(LEGEND));
    }

    out.push_str("<h2>Behaves like</h2>\n");
    let d = &report.detection;
    let _ = writeln!(
        out,
        "<p><b>{}</b></p><ul>",
        d.best
            .map_or_else(|| "no profile exactly".to_owned(), |p| p.to_string())
    );
    for a in &d.aspects {
        let _ = writeln!(
            out,
            "<li>{}: {}</li>",
            esc(a.aspect.title()),
            esc(&a.reading)
        );
    }
    if let Some(c) = &d.certificates {
        let _ = writeln!(out, "<li>certificates: {}</li>", esc(&c.reading));
    }
    for p in &d.profiles {
        if !p.mismatched.is_empty() {
            let _ = writeln!(
                out,
                "<li><details><summary>differs from {} in {} cases</summary>{}</details></li>",
                esc(p.profile.name()),
                p.mismatched.len(),
                esc(&p.mismatched.join(", "))
            );
        }
    }
    if !d.unexplained.is_empty() {
        let _ = writeln!(
            out,
            "<li>explained by no profile: {}</li>",
            esc(&d.unexplained.join(", "))
        );
    }
    out.push_str("</ul>\n");

    let acceptable: Vec<_> = words::acceptable(report).collect();
    if !acceptable.is_empty() {
        out.push_str(
            "<h2>Implementation-defined: what this target does</h2>\n<table>\
                      <tr><th>case</th><th>why it exists</th><th>this target</th></tr>\n",
        );
        for o in acceptable {
            let _ = writeln!(
                out,
                "<tr><td><a href=\"#{id}\"><code>{id}</code></a></td><td>{}</td><td>{}</td></tr>",
                esc(&o.reason),
                esc(&words::target_did(&o.observed)),
                id = esc(&o.id)
            );
        }
        out.push_str("</table>\n");
    }
    if let Some(lines) = super::leftover_lines(report) {
        out.push_str("<h2>Left behind</h2>\n<pre>");
        for line in lines {
            let _ = writeln!(out, "{}", esc(&line));
        }
        out.push_str("</pre>\n");
    }

    out.push_str("<h2>Cases</h2>\n<div id=\"filters\">");
    options(&mut out, "family", "family", families.keys().copied());
    options(
        &mut out,
        "outcome",
        "outcome",
        OUTCOMES
            .into_iter()
            .filter(|v| report.outcomes.iter().any(|o| o.verdict == *v))
            .map(outcome_name),
    );
    let _ = writeln!(
        out,
        "<span id=\"shown\">{n} of {n} cases shown</span></div>",
        n = report.outcomes.len()
    );
    let mut ordered: Vec<&CaseOutcome> = report.outcomes.iter().collect();
    ordered.sort_by_key(|o| OUTCOMES.iter().position(|v| *v == o.verdict));
    for o in ordered {
        case(&mut out, o, report);
    }

    out.push_str("<h2>Profiles</h2>\n<ul>");
    for p in Profile::ALL {
        let _ = writeln!(
            out,
            "<li><code>{}</code>: {}</li>",
            esc(p.name()),
            esc(&words::profile_definition(p))
        );
    }
    let _ = writeln!(out, "</ul>\n<script>{SCRIPT}</script>\n</body></html>");
    out
}

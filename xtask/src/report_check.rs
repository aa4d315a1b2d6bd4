//! `cargo xtask report-check`: the reports read by their real readers. The
//! catalogue runs against the embedded mocks with `--html`, `--subunit`
//! and `--junit`; then
//! - the HTML file is loaded by a headless Chromium (Debian's `chromium`;
//!   `.ci/run` installs it) and the DOM after load must show that the
//!   page's script ran and filtered: `data-ready="yes"`, and as many cases
//!   shown as the report has, or as it has acceptable ones when the
//!   address asks for `#outcome=acceptable`;
//! - the subunit stream is read by the real python-subunit
//!   (`subunit-stats`, `subunit2pyunit`; a virtualenv from
//!   `xtask/venvs/report-tools.txt`): its counts must be the report's, and
//!   `subunit2pyunit` must fail exactly when the report has failures;
//! - the run's JUnit file and the two committed JUnit snapshots (with
//!   failures, errors, skips and leftovers) are validated against the
//!   published Jenkins/Surefire `junit-10.xsd` (from the source
//!   distribution pinned in `xtask/venvs/junit-xsd.txt`) by xmlschema, and
//!   their counts must match their children (`xtask/checks/junit.py`).

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};

use imgsig::cli::session::SessionArgs;
use imgsig::outcome::RunReport;
use imgsig_mock::{MockCloud, MockConfig};

use crate::conformance::{session_args, session_on};

use crate::util::{output, root, run_and_read, target_dir, Result};
use crate::venv::{Env, Venv};

/// Arguments of `cargo xtask report-check`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The Chromium to use.
    #[arg(long, default_value = "chromium")]
    chromium: String,
}

/// Run it.
pub fn run(args: Args) -> Result<ExitCode> {
    let work = target_dir().join("report-check");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).map_err(|e| format!("{}: {e}", work.display()))?;
    let file = |name: &str| work.join(name).display().to_string();
    let session = session_args(
        [
            "report-check",
            "--quiet",
            "--html",
            &file("report.html"),
            "--subunit",
            &file("report.subunit"),
            "--junit",
            &file("junit.xml"),
            "--report-json",
            &file("report.json"),
            "--evidence-dir",
            &file("evidence"),
        ]
        .map(String::from),
    )?;
    run_on_mocks(&session)?;
    let text = std::fs::read_to_string(work.join("report.json")).map_err(|e| e.to_string())?;
    let report: RunReport = serde_json::from_str(&text).map_err(|e| e.to_string())?;
    check_html(&args.chromium, &work.join("report.html"), &report)?;
    let venv = Venv::at(target_dir().join("report-tools-venv"));
    venv.ensure(
        Env::ReportTools,
        &target_dir().join("report-tools-install.log"),
    )?;
    check_subunit(&venv, &work, &report)?;
    check_junit(&venv, &work)?;
    println!(
        "report-check: Chromium ran the HTML report's filters; python-subunit read the stream; \
         the JUnit files are valid against junit-10.xsd"
    );
    Ok(ExitCode::SUCCESS)
}

fn run_on_mocks(args: &SessionArgs) -> Result<()> {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the async runtime: {e}"))?;
    rt.block_on(async {
        let cloud = MockCloud::start(MockConfig::default())
            .await
            .map_err(|e| format!("cannot start the mocks: {e}"))?;
        let result = session_on(&cloud, "embedded mocks".into(), args)
            .await
            .map_err(|e| e.to_string());
        cloud.shutdown().await;
        result.map(|_| ())
    })
}

/// The DOM Chromium holds after loading `page` (with `fragment`).
fn dump_dom(chromium: &str, page: &Path, fragment: &str) -> Result<String> {
    let url = format!("file://{}{fragment}", page.display());
    let profile = page.with_file_name("chromium-profile");
    eprintln!("$ {chromium} --headless --dump-dom {url}");
    output(
        Command::new(chromium)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--no-first-run",
                "--virtual-time-budget=5000",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg("--dump-dom")
            .arg(&url)
            .stdin(Stdio::null()),
    )
    .map_err(|e| {
        format!("{e}\n(Chromium is Debian's `chromium` package: apt-get install chromium)")
    })
}

/// The value of `attribute` on the `<body>` of a dumped DOM.
fn body_attribute(dom: &str, attribute: &str) -> Option<String> {
    let body = &dom[dom.find("<body")?..];
    let tag = &body[..body.find('>')?];
    let at = tag.find(&format!("{attribute}=\""))? + attribute.len() + 2;
    let rest = &tag[at..];
    Some(rest[..rest.find('"')?].to_owned())
}

fn check_html(chromium: &str, page: &Path, report: &RunReport) -> Result<()> {
    let all = report.outcomes.len().to_string();
    let acceptable = report.summary.acceptable.to_string();
    for (fragment, want) in [("", all), ("#outcome=acceptable", acceptable)] {
        let dom = dump_dom(chromium, page, fragment)?;
        let ready = body_attribute(&dom, "data-ready");
        let shown = body_attribute(&dom, "data-shown");
        if ready.as_deref() != Some("yes") || shown.as_deref() != Some(want.as_str()) {
            return Err(format!(
                "{}{fragment}: after load data-ready={ready:?} data-shown={shown:?}, \
                 wanted yes and {want}",
                page.display()
            ));
        }
        let hidden = dom.matches("hidden=\"\"").count();
        eprintln!("  {fragment:<20} script ran: {want} cases shown, {hidden} hidden");
    }
    Ok(())
}

/// `subunit-stats` and friends from the report-tools virtualenv.
fn check_subunit(venv: &Venv, work: &Path, report: &RunReport) -> Result<()> {
    let stream = work.join("report.subunit");
    let feed = |tool: &str| -> Result<(std::process::ExitStatus, String)> {
        let input = std::fs::File::open(&stream).map_err(|e| e.to_string())?;
        run_and_read(Command::new(venv.bin(tool)).stdin(input))
    };
    let (_, stats) = feed("subunit-stats")?;
    eprintln!(
        "$ subunit-stats < {}\n{}",
        stream.display(),
        stats.trim_end()
    );
    let s = &report.summary;
    let wanted = [
        ("Total tests:", report.outcomes.len()),
        ("Passed tests:", s.passed + s.acceptable),
        ("Failed tests:", s.failed),
        ("Skipped tests:", s.skipped),
    ];
    for (label, n) in wanted {
        let got = stats
            .lines()
            .find_map(|l| l.strip_prefix(label))
            .map(|v| v.trim().parse::<usize>().unwrap_or(usize::MAX));
        if got != Some(n) {
            return Err(format!(
                "subunit-stats says {label} {got:?}, the report {n}"
            ));
        }
    }
    let (ok, pyunit) = feed("subunit2pyunit")?;
    let last = pyunit
        .lines()
        .rev()
        .find(|l| !l.trim().is_empty())
        .unwrap_or_default();
    eprintln!("$ subunit2pyunit < {} | tail -1\n{last}", stream.display());
    if ok.success() != (s.failed == 0) {
        return Err(format!(
            "subunit2pyunit ended {ok} for {} failures:\n{pyunit}",
            s.failed
        ));
    }
    Ok(())
}

/// The committed JUnit snapshots (insta files: a header, then the XML).
const JUNIT_SNAPSHOTS: [&str; 2] = [
    "harness/tests/snapshots/report_snapshots__junit_report.snap",
    "harness/tests/snapshots/report_snapshots__junit_report_with_leftovers.snap",
];

/// The run's `junit.xml` and the snapshots' XML through
/// `xtask/checks/junit.py`: valid against the XSD, counts as the children.
fn check_junit(venv: &Venv, work: &Path) -> Result<()> {
    let schema = junit_schema(venv)?;
    let mut files = vec![work.join("junit.xml")];
    for snapshot in JUNIT_SNAPSHOTS {
        let text = std::fs::read_to_string(root().join(snapshot))
            .map_err(|e| format!("cannot read {snapshot}: {e}"))?;
        let xml = text
            .find("<?xml")
            .map(|at| &text[at..])
            .ok_or_else(|| format!("{snapshot} holds no XML"))?;
        let name = Path::new(snapshot)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        let file = work.join(format!("{name}.xml"));
        std::fs::write(&file, xml).map_err(|e| format!("{}: {e}", file.display()))?;
        files.push(file);
    }
    let script = root().join("xtask/checks/junit.py");
    let validate = |files: &[PathBuf]| {
        run_and_read(
            Command::new(venv.python())
                .arg(&script)
                .arg(&schema)
                .args(files)
                .stdin(Stdio::null()),
        )
    };
    eprintln!("$ python {} {} …", script.display(), schema.display());
    let (status, said) = validate(&files)?;
    eprint!("{said}");
    if !status.success() {
        return Err(format!(
            "the JUnit files are not valid against {}",
            schema.display()
        ));
    }
    // The check itself must refuse what the XSD refuses (an attribute the
    // root does not have) and a count that is not its children's.
    let run = std::fs::read_to_string(&files[0]).map_err(|e| e.to_string())?;
    for (name, broken) in [
        (
            "skipped-on-root",
            run.replacen("<testsuites ", "<testsuites skipped=\"0\" ", 1),
        ),
        (
            "wrong-count",
            run.replacen(" failures=\"0\"", " failures=\"1\"", 1),
        ),
    ] {
        let file = work.join(format!("junit-{name}.xml"));
        std::fs::write(&file, broken).map_err(|e| format!("{}: {e}", file.display()))?;
        if validate(std::slice::from_ref(&file))?.0.success() {
            return Err(format!("{} passed the JUnit check", file.display()));
        }
    }
    eprintln!("  and refused a root with `skipped` and a wrong count, as it must");
    Ok(())
}

/// `junit-10.xsd`, extracted once from the source distribution pinned
/// (with its hash, which pip checks) in `xtask/venvs/junit-xsd.txt`.
fn junit_schema(venv: &Venv) -> Result<PathBuf> {
    const MEMBER: &str = "testing/example_scripts/junit-10.xsd";
    let pin = root().join("xtask/venvs/junit-xsd.txt");
    let wanted =
        std::fs::read_to_string(&pin).map_err(|e| format!("cannot read {}: {e}", pin.display()))?;
    let dir = target_dir().join("junit-xsd");
    let xsd = dir.join("junit-10.xsd");
    let marker = dir.join("pinned.txt");
    if xsd.exists() && std::fs::read_to_string(&marker).is_ok_and(|have| have == wanted) {
        return Ok(xsd);
    }
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    eprintln!(
        "downloading the source distribution pinned in {}",
        pin.display()
    );
    output(
        Command::new(venv.python())
            .args(["-m", "pip", "download", "--disable-pip-version-check"])
            .args([
                "--no-deps",
                "--no-binary",
                ":all:",
                "--require-hashes",
                "-r",
            ])
            .arg(&pin)
            .arg("-d")
            .arg(&dir)
            .stdin(Stdio::null()),
    )?;
    let sdist = std::fs::read_dir(&dir)
        .map_err(|e| format!("{}: {e}", dir.display()))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .find(|p| p.to_string_lossy().ends_with(".tar.gz"))
        .ok_or_else(|| format!("pip left no .tar.gz in {}", dir.display()))?;
    let stem = sdist
        .file_name()
        .map(|n| n.to_string_lossy().trim_end_matches(".tar.gz").to_owned())
        .unwrap_or_default();
    let text = output(
        Command::new("tar")
            .arg("-xzOf")
            .arg(&sdist)
            .arg(format!("{stem}/{MEMBER}")),
    )
    .map_err(|e| format!("{} holds no {MEMBER}: {e}", sdist.display()))?;
    std::fs::write(&xsd, text).map_err(|e| format!("{}: {e}", xsd.display()))?;
    std::fs::write(&marker, wanted).map_err(|e| format!("{}: {e}", marker.display()))?;
    Ok(xsd)
}

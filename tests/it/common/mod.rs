//! What the HTML tests share: where the corpus is, and how a case read from a page is
//! compared with the case it should equal, on every field a page carries.

pub mod ci;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

use wsreport::load::html::Page;
use wsreport::load::json;
use wsreport::model::Case;

/// Runs the real binary with a clean environment.
pub fn wsreport(args: &[&str]) -> Output {
    wsreport_in(args, Path::new("."))
}

/// The binary run in `cwd` with a clean environment.
pub fn wsreport_in(args: &[&str], cwd: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wsreport"))
        .args(args)
        .current_dir(cwd)
        .env_clear()
        .output()
        .expect("the binary runs")
}

/// The corpus root: `WSREPORT_CORPUS`, else `../shared/corpus` beside the crate.
pub fn corpus_root() -> PathBuf {
    std::env::var_os("WSREPORT_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"))
}

/// Report directories (with `index.json` and `index.html`) under `root`, sorted.
pub fn report_dirs(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        if d.join("index.json").is_file() && d.join("index.html").is_file() {
            out.push(d);
            continue;
        }
        if let Ok(rd) = std::fs::read_dir(&d) {
            for e in rd.flatten() {
                if e.path().is_dir() {
                    stack.push(e.path());
                }
            }
        }
    }
    out.sort();
    out
}

/// The fields a case page carries, as case JSON keys.
pub const PAGE_FIELDS: &[&str] = &[
    "agent",
    "id",
    "duration",
    "started",
    "behavior",
    "behaviorClose",
    "description",
    "expectation",
    "result",
    "resultClose",
    "expected",
    "received",
    "isServer",
    "closedByMe",
    "failedByMe",
    "droppedByMe",
    "wasClean",
    "wasNotCleanReason",
    "wasServerConnectionDropTimeout",
    "wasOpenHandshakeTimeout",
    "wasCloseHandshakeTimeout",
    "localCloseCode",
    "localCloseReason",
    "remoteCloseCode",
    "remoteCloseReason",
    "rxOctetStats",
    "txOctetStats",
    "rxFrameStats",
    "txFrameStats",
    "httpRequest",
    "httpResponse",
    "wirelog",
];

/// A page shows no length for octet rows: a cut dump read from it has `null` there.
pub fn rows_equal(from_json: &Value, from_html: &Value) -> bool {
    if from_json == from_html {
        return true;
    }
    let (Some(a), Some(b)) = (from_json.as_array(), from_html.as_array()) else {
        return false;
    };
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| {
            x == y
                || matches!(x[0].as_str(), Some("RO" | "TO"))
                    && x[0] == y[0]
                    && y[1][0].is_null()
                    && x[1][1] == y[1][1]
                    && x[1][1].as_str().is_some_and(|t| t.ends_with(" ..."))
                    && x.get(2) == y.get(2)
        })
}

/// A field that differs, with the two values around the first difference.
pub struct FieldDiff {
    /// The case JSON key.
    pub key: &'static str,
    /// The original's value, near the difference.
    pub want: String,
    /// The page's value, near the difference.
    pub got: String,
}

/// What comparing one case gave.
#[derive(Default)]
pub struct Compared {
    /// Fields that differ.
    pub diffs: Vec<FieldDiff>,
    /// Expected/Observed reprs the page cut, so not compared.
    pub cut_reprs: usize,
}

/// Compares `want` with `page.case` on every field a page carries; reprs the page cut are
/// not compared (a cut cannot be undone) but counted.
pub fn compare_page(want: &Case, page: &Page) -> Compared {
    let a = json::case_to_value(want);
    let b = json::case_to_value(&page.case);
    let mut out = Compared::default();
    for key in PAGE_FIELDS {
        if (*key == "expected" && page.notes.expected_cut)
            || (*key == "received" && page.notes.received_cut)
        {
            out.cut_reprs += 1;
            continue;
        }
        let same = if *key == "wirelog" {
            rows_equal(&a[key], &b[key])
        } else {
            a[key] == b[key]
        };
        if !same {
            let (x, y) = (a[key].to_string(), b[key].to_string());
            let at = x
                .bytes()
                .zip(y.bytes())
                .position(|(p, q)| p != q)
                .unwrap_or(0);
            let from = at.saturating_sub(60);
            let near = |s: &String| {
                s.get(from..(at + 100).min(s.len()))
                    .unwrap_or(s)
                    .to_string()
            };
            out.diffs.push(FieldDiff {
                key,
                want: near(&x),
                got: near(&y),
            });
        }
    }
    out
}

/// Totals of writing reports as our HTML and reading them back.
#[derive(Default)]
pub struct RoundTrip {
    /// Cases compared.
    pub cases: usize,
    /// Fields that differ (over all cases).
    pub fields_differ: usize,
    /// Expected/Observed reprs our page cut (over 1000 characters), so not compared.
    pub cut_reprs: usize,
    /// Index entries that differ.
    pub index_differ: usize,
    /// Files that did not load or read back.
    pub errors: Vec<String>,
    /// The first differences, for the log.
    pub shown: Vec<String>,
}

impl RoundTrip {
    fn note(&mut self, msg: String) {
        if self.shown.len() < 20 {
            self.shown.push(msg);
        }
    }
}

/// Writes every case of the report in `dir` as our case page and reads it back, and writes
/// our `index.html` (with the pages) into `scratch` and loads it back; adds what differs.
pub fn html_roundtrip(dir: &Path, scratch: &Path, rt: &mut RoundTrip) {
    use wsreport::load;
    use wsreport::load::html::parse_case_page;
    use wsreport::model::case_file_stem;
    use wsreport::report::html::{IndexDetails, case_page, index_page};

    let loaded = load::load_paths(&[dir.to_path_buf()]);
    rt.errors
        .extend(loaded.errors.iter().map(ToString::to_string));
    let Some(report) = loaded.reports.first() else {
        rt.errors.push(format!("{}: no report", dir.display()));
        return;
    };
    std::fs::create_dir_all(scratch).expect("scratch directory");
    let mut details = IndexDetails::new();
    for run in &report.agents {
        for entry in &run.cases {
            let case = match load::load_case(report, &run.agent, entry) {
                Ok(c) => c,
                Err(e) => {
                    rt.errors.push(e.to_string());
                    continue;
                }
            };
            details.add(&run.agent, &case);
            let bytes = case_page(&case);
            let stem = case_file_stem(&run.agent, &entry.id);
            std::fs::write(scratch.join(format!("{stem}.html")), &bytes).expect("write page");
            let page = match parse_case_page(&bytes) {
                Ok(p) => p,
                Err(e) => {
                    rt.errors
                        .push(format!("{stem}: our page does not read: {e}"));
                    continue;
                }
            };
            rt.cases += 1;
            let result = compare_page(&case, &page);
            rt.cut_reprs += result.cut_reprs;
            rt.fields_differ += result.diffs.len();
            for d in result.diffs {
                rt.note(format!(
                    "{} {stem} {}:\n  want …{}\n  got  …{}",
                    dir.display(),
                    d.key,
                    d.want,
                    d.got
                ));
            }
        }
    }
    std::fs::write(
        scratch.join("index.html"),
        index_page(&report.agents, &details),
    )
    .expect("write index");
    let back = load::load_paths(&[scratch.join("index.html")]);
    rt.errors
        .extend(back.errors.iter().map(ToString::to_string));
    let Some(back) = back.reports.first() else {
        rt.errors
            .push(format!("{}: our index.html gave no report", dir.display()));
        return;
    };
    let names = |r: &wsreport::model::Report| -> Vec<String> {
        r.agents.iter().map(|a| a.agent.clone()).collect()
    };
    if names(report) != names(back) {
        rt.index_differ += 1;
        rt.note(format!(
            "{}: agents {:?} read back as {:?}",
            dir.display(),
            names(report),
            names(back)
        ));
        return;
    }
    for (want, got) in report.agents.iter().zip(&back.agents) {
        if want.cases.len() != got.cases.len() {
            rt.index_differ += want.cases.len().abs_diff(got.cases.len()).max(1);
        }
        for (w, g) in want.cases.iter().zip(&got.cases) {
            let mut g = g.clone();
            g.reportfile = g.reportfile.map(|f| f.replace(".html", ".json"));
            if *w != g {
                rt.index_differ += 1;
                rt.note(format!(
                    "{}: index entry differs:\n  want {w:?}\n  got  {g:?}",
                    dir.display()
                ));
            }
        }
    }
}

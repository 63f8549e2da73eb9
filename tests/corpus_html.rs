//! Acceptance over the real reports in `../shared/corpus`: every case read from its HTML page
//! alone equals its JSON file on every field the page carries, and every `index.html` gives
//! the entries of `index.json`.

use std::path::{Path, PathBuf};

use serde_json::Value;

use wsreport::load::{self, html, json};
use wsreport::model::{Verdict, case_file_stem};

fn corpus_root() -> PathBuf {
    std::env::var_os("WSREPORT_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"))
}

fn report_dirs(root: &Path) -> Vec<PathBuf> {
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
const PAGE_FIELDS: &[&str] = &[
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
fn rows_equal(from_json: &Value, from_html: &Value) -> bool {
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

#[test]
#[ignore = "reads ../shared/corpus; run by .ci/run"]
fn html_pages_equal_json_on_every_field_they_carry() {
    let root = corpus_root();
    let dirs = report_dirs(&root);
    assert!(
        !dirs.is_empty(),
        "no report directories under {}",
        root.display()
    );
    let (mut compared, mut differ, mut errors, mut cut_reprs) = (0, 0, 0, 0);
    let mut shown = 0;
    for dir in &dirs {
        // The index from HTML alone must give index.json's entries.
        let from_json = load::load_paths(&[dir.join("index.json")]);
        let from_html = load::load_paths(&[dir.join("index.html")]);
        errors += from_html.errors.len();
        for e in &from_html.errors {
            eprintln!("load error: {e}");
        }
        let jr = &from_json.reports[0];
        let hr = &from_html.reports[0];
        assert_eq!(
            jr.agents.iter().map(|a| &a.agent).collect::<Vec<_>>(),
            hr.agents.iter().map(|a| &a.agent).collect::<Vec<_>>(),
            "{}: agents",
            dir.display()
        );
        for (ja, ha) in jr.agents.iter().zip(&hr.agents) {
            assert_eq!(
                ja.cases.len(),
                ha.cases.len(),
                "{}: case count",
                dir.display()
            );
            for (je, he) in ja.cases.iter().zip(&ha.cases) {
                let mut he = he.clone();
                he.reportfile = he.reportfile.map(|f| f.replace(".html", ".json"));
                if *je != he {
                    differ += 1;
                    if shown < 20 {
                        shown += 1;
                        eprintln!(
                            "{}: index entry differs:\n  json {je:?}\n  html {he:?}",
                            dir.display()
                        );
                    }
                }
            }
        }
        for run in &jr.agents {
            for entry in &run.cases {
                let stem = case_file_stem(&run.agent, &entry.id);
                let json_case = load::read_case_file(&dir.join(format!("{stem}.json")))
                    .expect("corpus JSON reads");
                let page_path = dir.join(format!("{stem}.html"));
                let bytes = std::fs::read(&page_path).expect("page");
                let page = match html::parse_case_page(&bytes) {
                    Ok(p) => p,
                    Err(e) => {
                        errors += 1;
                        eprintln!("load error: {}: {e}", page_path.display());
                        continue;
                    }
                };
                let mut html_case = page.case;
                if page.notes.behavior_uncertain && entry.behavior == Verdict::Unimplemented {
                    html_case.behavior = Some(Verdict::Unimplemented);
                }
                compared += 1;
                let a = json::case_to_value(&json_case);
                let b = json::case_to_value(&html_case);
                for key in PAGE_FIELDS {
                    if (*key == "expected" && page.notes.expected_cut)
                        || (*key == "received" && page.notes.received_cut)
                    {
                        cut_reprs += 1;
                        continue;
                    }
                    let same = if *key == "wirelog" {
                        rows_equal(&a[key], &b[key])
                    } else {
                        a[key] == b[key]
                    };
                    if !same {
                        differ += 1;
                        if shown < 20 {
                            shown += 1;
                            let (x, y) = (a[key].to_string(), b[key].to_string());
                            let at = x
                                .bytes()
                                .zip(y.bytes())
                                .position(|(p, q)| p != q)
                                .unwrap_or(0);
                            let from = at.saturating_sub(60);
                            eprintln!(
                                "{} {key}:\n  json …{}\n  html …{}",
                                page_path.display(),
                                x.get(from..(at + 100).min(x.len())).unwrap_or(&x),
                                y.get(from..(at + 100).min(y.len())).unwrap_or(&y)
                            );
                        }
                    }
                }
            }
        }
    }
    println!(
        "html-vs-json: {compared} cases compared, {differ} fields differ ({cut_reprs} cut reprs not compared), {errors} load errors"
    );
    assert_eq!(errors, 0, "load errors");
    assert_eq!(differ, 0, "fields differ");
}

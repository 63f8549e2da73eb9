//! Our HTML read back by our HTML reader: every fixture case written as a case page and read
//! again equals the original on every field a page carries, and our `index.html` gives the
//! original entries.

use crate::common;

use std::path::Path;

use common::{RoundTrip, html_roundtrip};

#[test]
fn fixture_reports_survive_our_html() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/reports");
    let scratch = tempfile::tempdir().unwrap();
    let mut rt = RoundTrip::default();
    for mode in ["clients", "servers"] {
        html_roundtrip(&fixtures.join(mode), &scratch.path().join(mode), &mut rt);
    }
    for s in &rt.shown {
        eprintln!("{s}");
    }
    println!(
        "html-roundtrip: {} cases, {} fields differ ({} cut reprs not compared), {} index entries differ",
        rt.cases, rt.fields_differ, rt.cut_reprs, rt.index_differ
    );
    assert!(rt.errors.is_empty(), "{:#?}", rt.errors);
    assert!(rt.cases >= 20, "only {} fixture cases", rt.cases);
    assert_eq!((rt.fields_differ, rt.index_differ), (0, 0));
}

#[test]
fn export_with_html_writes_pages_that_load_as_the_report() {
    let input = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/reports/clients");
    let out = tempfile::tempdir().unwrap();
    let done = wsreport::export::export(
        &input,
        out.path(),
        wsreport::export::ExportOptions { html: true },
    )
    .unwrap();
    assert!(done.errors.is_empty(), "{:?}", done.errors);
    let pages = std::fs::read_dir(out.path())
        .unwrap()
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().contains("_case_"))
        .filter(|e| e.path().extension().is_some_and(|x| x == "html"))
        .count();
    assert_eq!(pages, done.cases);
    // The HTML alone (JSON set aside) loads as the same report.
    let html_only = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir(out.path()).unwrap().flatten() {
        if e.path().extension().is_some_and(|x| x == "html") {
            std::fs::copy(e.path(), html_only.path().join(e.file_name())).unwrap();
        }
    }
    let want = wsreport::load::load_paths(&[input]);
    let got = wsreport::load::load_paths(&[html_only.path().to_path_buf()]);
    assert!(got.errors.is_empty(), "{:?}", got.errors);
    let entries = |r: &wsreport::model::Report| -> Vec<_> {
        r.agents
            .iter()
            .flat_map(|a| {
                a.cases.iter().map(|e| {
                    let mut e = e.clone();
                    e.reportfile = None;
                    (a.agent.clone(), e)
                })
            })
            .collect()
    };
    assert_eq!(entries(&want.reports[0]), entries(&got.reports[0]));
    assert_eq!(want.reports[0].mode, got.reports[0].mode);
    assert_eq!(want.reports[0].testsuite, got.reports[0].testsuite);
}

//! Acceptance over the real reports in `../shared/corpus`: every corpus case, read from its
//! JSON, written as our case page and read back by our HTML reader, equals the original on
//! every field a page carries; our `index.html` of each report gives `index.json`'s entries.

use crate::common;

use common::{RoundTrip, corpus_root, html_roundtrip, report_dirs};

#[test]
#[ignore = "reads ../shared/corpus; run by .ci/run"]
fn corpus_cases_survive_our_html() {
    let root = corpus_root();
    let dirs = report_dirs(&root);
    assert!(
        !dirs.is_empty(),
        "no report directories under {}",
        root.display()
    );
    let scratch = tempfile::tempdir().unwrap();
    let mut rt = RoundTrip::default();
    for (i, dir) in dirs.iter().enumerate() {
        html_roundtrip(dir, &scratch.path().join(i.to_string()), &mut rt);
    }
    for s in &rt.shown {
        eprintln!("{s}");
    }
    for e in rt.errors.iter().take(20) {
        eprintln!("error: {e}");
    }
    println!(
        "html-roundtrip: {} cases, {} fields differ ({} cut reprs not compared), {} index entries differ, {} errors",
        rt.cases,
        rt.fields_differ,
        rt.cut_reprs,
        rt.index_differ,
        rt.errors.len()
    );
    assert!(rt.errors.is_empty(), "load errors");
    assert_eq!(rt.fields_differ, 0, "fields differ");
    assert_eq!(rt.index_differ, 0, "index entries differ");
}

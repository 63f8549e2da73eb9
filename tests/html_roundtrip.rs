//! Our HTML read back by our HTML reader: every fixture case written as a case page and read
//! again equals the original on every field a page carries, and our `index.html` gives the
//! original entries.

mod common;

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

//! Snapshots of `explain`'s renderings over the fixtures.

use std::path::{Path, PathBuf};

use wsreport::explain::{self, Target};
use wsreport::render::{self, Style};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/reports")
}

/// The seed as the project received it: a case page copied out of a browser.
fn seed_page() -> explain::ExplainReport {
    let page =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/seed/case-2.11-stratus-page-text.txt");
    let out = explain::run(&Target::File(page.clone()), &page, None).unwrap();
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    out.report
}

#[test]
fn seed_page_names_pongs_chops_timer_and_unanswered_close() {
    let r = seed_page();
    assert_eq!(r.explanations.len(), 1);
    let x = &r.explanations[0];
    // the page alone (no index): the chops are what the case is about, and nothing contradicts
    assert_eq!(
        x.headline,
        "2.11 FAILED: frames split across TCP reads are lost (no buffering across reads) \
         (our frames reached the peer in chops; 10 of 10 expected pongs never arrived); close \
         UNCLEAN"
    );
    assert_eq!(x.events.summary, "10 of 10 expected pongs never arrived");
    let v: serde_json::Value = serde_json::from_str(&render::json::render(x)).unwrap();
    let missing: Vec<&str> = v["events"]["missing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| {
            assert_eq!(m["event"]["kind"], "pong");
            m["event"]["payload"].as_str().unwrap()
        })
        .collect();
    let want: Vec<String> = (0..10).map(|i| format!("payload-{i}")).collect();
    assert_eq!(missing, want);
    assert!(v["events"]["unexpected"].as_array().unwrap().is_empty());
    // wrapped at 80 columns: compare with the line breaks undone
    let text = render::explain::text(&r, Style { color: false });
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    for needle in [
        "written 1 octet at a time",
        "110 writes of 1 octet",
        "our 110 writes of 1 octet: the frames arrived one byte at a time",
        "we sent close after 3 s (close-after timer)",
        "the peer never answered",
        "we dropped TCP",
        "peer did not respond (in time) in closing handshake",
    ] {
        assert!(text.contains(needle), "missing {needle:?} in\n{text}");
    }
}

/// The same facts as the page, from the JSON fixture, with the index (sibling hints).
fn seed() -> explain::ExplainReport {
    let out = explain::run(
        &Target::Id("2.11".parse().unwrap()),
        &fixtures().join("clients"),
        Some("stratus@2"),
    )
    .unwrap();
    assert!(out.errors.is_empty());
    out.report
}

#[test]
fn seed_text() {
    insta::assert_snapshot!(render::explain::text(&seed(), Style { color: false }));
}

#[test]
fn seed_markdown() {
    insta::assert_snapshot!(render::explain::markdown(&seed()));
}

#[test]
fn servers_all_text() {
    let mut out = explain::run(&Target::All, &fixtures().join("servers"), None).unwrap();
    // Paths differ per checkout: redacted before rendering, since lines wrap at 80 columns.
    for g in &mut out.report.diagnosis.groups {
        if let Ok(rel) = g.report.strip_prefix(fixtures()) {
            g.report = Path::new("[fixtures]").join(rel);
        }
    }
    let text = render::explain::text(&out.report, Style { color: false });
    insta::assert_snapshot!(text);
}

#[test]
fn seed_json_is_one_document() {
    let r = seed();
    let v: serde_json::Value =
        serde_json::from_str(&render::json::render(&r.explanations[0])).unwrap();
    assert_eq!(v["events"]["against"], "OK");
    assert_eq!(v["events"]["missing"].as_array().unwrap().len(), 10);
    assert_eq!(v["events"]["missing"][0]["event"]["payload"], "payload-0");
    assert_eq!(v["closing"]["rule"], "not-clean");
    assert_eq!(v["cause"]["key"], "split-reads");
    assert_eq!(v["fault"], "split-reads");
}

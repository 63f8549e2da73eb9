//! Snapshots of `explain`'s renderings over the fixtures.

use std::path::{Path, PathBuf};

use wsreport::explain::{self, Target};
use wsreport::render::{self, Style};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/reports")
}

fn seed() -> explain::ExplainReport {
    // The seed page (fixtures/seed/case-2.11-stratus-page-text.txt) holds the same facts as
    // this JSON; the page-text loader lands on another branch.
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
    let out = explain::run(&Target::All, &fixtures().join("servers"), None).unwrap();
    let text = render::explain::text(&out.report, Style { color: false });
    // Paths differ per checkout.
    let text = text.replace(&fixtures().display().to_string(), "[fixtures]");
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
    assert_eq!(v["cause"]["key"], "split-across-reads");
}

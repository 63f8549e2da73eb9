//! Snapshots of every renderer (table, Markdown, JUnit, GitHub) of `summarize`, `check`,
//! `compare` and `run` over the fixtures: a change in any output shows up as a diff to review.
//! Paths are redacted to `[ROOT]` (the checkout) and `[TMP]` (temporary files).

use std::path::{Path, PathBuf};

use wsreport::compare;
use wsreport::policy::Policy;
use wsreport::render::{self, Style};
use wsreport::run::{self, AgentOutcome, Executed, Gate};

const PLAIN: Style = Style { color: false };

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn fixture(rel: &str) -> PathBuf {
    root().join("fixtures").join(rel)
}

/// The text with the checkout's and temporary paths replaced, so snapshots hold on any machine.
fn redact(text: &str, tmp: Option<&Path>) -> String {
    let mut out = text.replace(&root().display().to_string(), "[ROOT]");
    if let Some(t) = tmp {
        out = out.replace(&t.display().to_string(), "[TMP]");
    }
    out
}

#[test]
fn summarize_renderings() {
    let (s, errors) = wsreport::summary::summarize_paths(&[
        fixture("reports/servers"),
        fixture("reports/clients"),
    ]);
    assert!(errors.is_empty(), "{errors:?}");
    insta::assert_snapshot!(
        "summarize_table",
        redact(&render::table::summary(&s, PLAIN), None)
    );
    insta::assert_snapshot!(
        "summarize_markdown",
        redact(&render::markdown::summary(&s), None)
    );
}

#[test]
fn check_renderings_without_a_baseline() {
    let (r, errors) =
        compare::check_paths(&[fixture("reports/servers")], Policy::default(), None, None);
    assert!(errors.is_empty(), "{errors:?}");
    let r = r.expect("a check report");
    insta::assert_snapshot!(
        "check_table",
        redact(&render::table::check(&r, PLAIN), None)
    );
    insta::assert_snapshot!("check_markdown", redact(&render::markdown::check(&r), None));
    insta::assert_snapshot!("check_junit", redact(&render::junit::check(&r), None));
    insta::assert_snapshot!("check_github", redact(&render::github::check(&r), None));
}

#[test]
fn check_renderings_against_a_baseline_with_an_allow_list() {
    let (b, _, errors) = compare::baseline_paths(&[fixture("compare/old")]);
    assert!(errors.is_empty(), "{errors:?}");
    let tmp = tempfile::tempdir().unwrap();
    let baseline = tmp.path().join("baseline.json");
    std::fs::write(&baseline, b.to_json()).unwrap();
    let (r, errors) = compare::check_paths(
        &[fixture("compare/new")],
        Policy::default(),
        Some(&baseline),
        Some(&fixture("compare/allow.json")),
    );
    assert!(errors.is_empty(), "{errors:?}");
    let r = r.expect("a check report");
    let t = Some(tmp.path());
    insta::assert_snapshot!(
        "check_baseline_table",
        redact(&render::table::check(&r, PLAIN), t)
    );
    insta::assert_snapshot!(
        "check_baseline_markdown",
        redact(&render::markdown::check(&r), t)
    );
    insta::assert_snapshot!("check_baseline_junit", redact(&render::junit::check(&r), t));
    insta::assert_snapshot!(
        "check_baseline_github",
        redact(&render::github::check(&r), t)
    );
}

#[test]
fn compare_renderings() {
    let (c, errors) = compare::compare_paths(
        &[fixture("compare/old")],
        &[fixture("compare/new")],
        Policy::default(),
    );
    assert!(errors.is_empty(), "{errors:?}");
    insta::assert_snapshot!(
        "compare_table",
        redact(&render::table::compare(&c, PLAIN), None)
    );
    insta::assert_snapshot!(
        "compare_markdown",
        redact(&render::markdown::compare(&c), None)
    );
    insta::assert_snapshot!("compare_junit", redact(&render::junit::compare(&c), None));
    insta::assert_snapshot!("compare_github", redact(&render::github::compare(&c), None));
}

#[test]
fn run_renderings() {
    // What `run` prints once the cases ran: the written report (here a fixture) read back.
    let done = Executed {
        out: fixture("reports/servers"),
        agents: vec![AgentOutcome {
            agent: "echo-server".into(),
            url: "ws://127.0.0.1:9001".into(),
            ran: 8,
        }],
        errors: Vec::new(),
        elapsed: std::time::Duration::from_millis(1500),
    };
    let r = run::report(done, &Gate::default());
    assert!(r.errors.is_empty(), "{:?}", r.errors);
    insta::assert_snapshot!("run_table", redact(&render::table::run(&r, PLAIN), None));
    insta::assert_snapshot!("run_markdown", redact(&render::markdown::run(&r), None));
}

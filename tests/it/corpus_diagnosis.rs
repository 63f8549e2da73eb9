//! The diagnosis over real reports in `../shared/corpus` (ignored in plain `cargo test`; run
//! by `.ci/run`'s `--ignored` step): the groups of `explain --all` on the nim-websock
//! reports, the soketto report and the NON-STRICT cases of gws and deno are snapshotted, and
//! checked for what a maintainer should read there.

use wsreport::explain::{self, Target};
use wsreport::render::{self, Style};

use crate::common::corpus_root;

/// `explain --all` on one corpus report: the diagnosis block of the text rendering (the
/// per-case explanations follow it and are covered by `corpus_explain`), with the corpus path
/// redacted; and the groups as (key, class, number of cases).
fn diagnose(dir: &str) -> (String, Vec<(String, String, usize)>) {
    let root = corpus_root();
    let out = explain::run(&Target::All, &root.join(dir), None).unwrap();
    assert!(out.errors.is_empty(), "{:?}", out.errors);
    let groups = out
        .report
        .diagnosis
        .groups
        .iter()
        .map(|g| {
            let class = serde_json::to_value(g.class).unwrap();
            (
                g.key.clone(),
                class.as_str().unwrap().to_string(),
                g.cases.len(),
            )
        })
        .collect();
    // The paths redacted before rendering: lines wrap at 80 columns, so the text must not
    // depend on where the corpus lives.
    let mut diagnosis = out.report.diagnosis;
    for g in &mut diagnosis.groups {
        if let Ok(rel) = g.report.strip_prefix(&root) {
            g.report = std::path::Path::new("[corpus]").join(rel);
        }
    }
    let only_groups = explain::ExplainReport {
        explanations: Vec::new(),
        diagnosis,
    };
    let text = render::explain::text(&only_groups, Style { color: false });
    (text, groups)
}

fn has(groups: &[(String, String, usize)], key: &str, class: &str, n: usize) -> bool {
    groups
        .iter()
        .any(|(k, c, m)| k == key && c == class && *m == n)
}

#[test]
#[ignore = "needs ../shared/corpus"]
fn nim_websock_after_the_upgrade_drops_tcp_instead_of_answering_close() {
    let (text, groups) = diagnose("status-im__nim-websock/server-devel");
    assert!(has(&groups, "tcp-drop", "failed", 307), "{groups:?}");
    assert!(has(&groups, "utf8-late", "non-strict", 4), "{groups:?}");
    insta::assert_snapshot!(text);
}

#[test]
#[ignore = "needs ../shared/corpus"]
fn nim_websock_before_the_upgrade_is_only_late_on_utf8() {
    let (text, groups) = diagnose("status-im__nim-websock/server-devel-2025-10-03");
    assert_eq!(groups, [("utf8-late".into(), "non-strict".into(), 4)]);
    insta::assert_snapshot!(text);
}

#[test]
#[ignore = "needs ../shared/corpus"]
fn soketto_fails_before_echoing_and_has_no_deflate() {
    let (text, groups) = diagnose("paritytech__soketto/autobahn-reports-servers-2017");
    for agent_groups in groups.chunks(2) {
        assert!(
            has(agent_groups, "fail-before-echo", "non-strict", 6),
            "{groups:?}"
        );
        assert!(
            has(agent_groups, "deflate-missing", "unimplemented", 216),
            "{groups:?}"
        );
    }
    insta::assert_snapshot!(text);
}

#[test]
#[ignore = "needs ../shared/corpus"]
fn gws_and_deno_non_strict_cases_are_named() {
    let (gws, groups) = diagnose("lxzan__gws/reports-clients");
    assert!(has(&groups, "utf8-late", "non-strict", 4), "{groups:?}");
    assert!(
        has(&groups, "fail-before-echo", "non-strict", 7),
        "{groups:?}"
    );
    assert!(
        groups.iter().all(|(k, _, _)| k != "unexplained"),
        "{groups:?}"
    );
    let (deno, groups) = diagnose("denoland__autobahn/reports-servers");
    assert!(has(&groups, "utf8-late", "non-strict", 2), "{groups:?}");
    assert!(
        has(&groups, "deflate-missing", "unimplemented", 216),
        "{groups:?}"
    );
    insta::assert_snapshot!(format!("{gws}\n---\n{deno}"));
}

#[test]
#[ignore = "needs ../shared/corpus"]
fn compare_says_what_the_wire_logs_show_across_the_nim_websock_upgrade() {
    use wsreport::compare::{WarningKind, diff, run::Run};
    let root = corpus_root().join("status-im__nim-websock");
    let (old, e1) = Run::load(&[root.join("server-devel-2025-10-03")]);
    let (new, e2) = Run::load(&[root.join("server-devel")]);
    assert!(e1.is_empty() && e2.is_empty());
    let c = diff::compare(&old, &new, wsreport::policy::Policy::default());
    let w = c
        .warnings
        .iter()
        .find(|w| w.kind == WarningKind::TestsuiteChanged)
        .unwrap();
    assert!(
        w.message.contains(
            "the fuzzer sent the same octets in both runs and the peer answered differently"
        ),
        "{}",
        w.message
    );
    assert!(
        w.message.contains("the implementation changed too"),
        "{}",
        w.message
    );
}

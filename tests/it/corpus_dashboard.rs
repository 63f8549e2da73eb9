//! Acceptance over the real reports in `../shared/corpus` (run by `.ci/run`): the dashboard of
//! each report reads every case file without an error, shows `summarize`'s counts and a
//! diagnosis for every case of every agent, and the whole corpus stays within a few MB; a corpus
//! report split into shards shows the same data as the whole report.

use crate::common;
use crate::dashboard_cli::{data_without_paths, split_into_shards};

use wsreport::dashboard::{Options, build, html};
use wsreport::summary::summarize_paths;

#[test]
#[ignore = "reads ../shared/corpus; run by .ci/run"]
fn every_corpus_report_s_dashboard_shows_summarize_s_counts_and_explains_every_case() {
    let root = common::corpus_root();
    let dirs = common::report_dirs(&root);
    assert!(!dirs.is_empty(), "no corpus under {}", root.display());
    let (mut cells, mut octets) = (0, 0);
    for dir in &dirs {
        let built = build(std::slice::from_ref(dir), &Options::default());
        assert!(
            built.errors.is_empty(),
            "{}: {:?}",
            dir.display(),
            built.errors
        );
        let d = &built.dashboard;
        let (summary, _) = summarize_paths(std::slice::from_ref(dir));
        let want: Vec<_> = summary.reports.iter().flat_map(|r| &r.agents).collect();
        let got: Vec<_> = d.columns.iter().map(|c| &c.summary).collect();
        assert_eq!(got, want, "{}", dir.display());
        for row in &d.cases {
            for cell in row.cells.iter().flatten() {
                let x = cell.diagnosis.as_ref().expect("every case explained");
                assert!(
                    x.headline.starts_with(&row.id.to_string()),
                    "{}",
                    x.headline
                );
                cells += 1;
            }
            assert!(!row.description.is_empty(), "{} has a description", row.id);
        }
        octets += html(d).len();
    }
    let all = build(std::slice::from_ref(&root), &Options::default()).dashboard;
    let page = html(&all).len();
    println!(
        "dashboard: {} corpus reports, {cells} cases explained, {octets} octets in all; the whole corpus on one page {page} octets",
        dirs.len()
    );
    assert!(
        page < 5_000_000,
        "the whole corpus on one page: {page} octets"
    );
}

#[test]
#[ignore = "reads ../shared/corpus; run by .ci/run"]
fn four_shards_of_a_corpus_report_show_the_unsharded_report_s_data() {
    let dir = common::corpus_root().join("lxzan__gws/reports-clients");
    let tmp = tempfile::tempdir().unwrap();
    let shards = split_into_shards(&dir, 4, tmp.path());
    let opts = Options::default();
    let one = build(std::slice::from_ref(&dir), &opts);
    let four = build(&shards, &opts);
    assert!(one.errors.is_empty() && four.errors.is_empty());
    let (one, four) = (one.dashboard, four.dashboard);
    assert_eq!(four.reports.len(), 4);
    assert_eq!(four.columns.len(), 2, "one column per agent");
    assert_eq!(four.cases.len(), 517);
    for (a, b) in one.cases.iter().zip(&four.cases) {
        assert_eq!(a, b, "case {}", a.id);
    }
    let json = |d| data_without_paths(serde_json::to_value(d).unwrap());
    assert_eq!(json(&four), json(&one));
}

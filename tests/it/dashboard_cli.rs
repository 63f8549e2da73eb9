//! `wsreport dashboard` (and `check --dashboard`) run as a user runs them: the real binary, a
//! clean environment; the page's embedded data read back.

use std::path::Path;
use std::process::Output;

use serde_json::Value;

use crate::common::wsreport;

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The data a dashboard page embeds.
pub(crate) fn embedded(page: &Path) -> Value {
    let html = std::fs::read_to_string(page).unwrap();
    let mark = "<script type=\"application/json\" id=\"wsreport-data\">";
    let start = html.find(mark).expect("the data element") + mark.len();
    let end = start + html[start..].find("</script>").unwrap();
    serde_json::from_str(&html[start..end]).unwrap()
}

#[test]
fn the_page_counts_are_summarize_json_s() {
    let tmp = tempfile::tempdir().unwrap();
    let page = tmp.path().join("d.html");
    let out = wsreport(&[
        "dashboard",
        "fixtures/reports",
        "--title",
        "fixtures",
        "-o",
        page.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("agents × cases: 3 × 9)"),
        "{}",
        stderr(&out)
    );
    let d = embedded(&page);
    let s = wsreport(&["summarize", "fixtures/reports", "--format", "json"]);
    let s: Value = serde_json::from_slice(&s.stdout).unwrap();
    let agents: Vec<&Value> = s["reports"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|r| r["agents"].as_array().unwrap())
        .collect();
    let columns: Vec<&Value> = d["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| &c["summary"])
        .collect();
    assert_eq!(columns, agents);
    assert_eq!(d["title"], "fixtures");
    assert_eq!(d["format"], "wsreport-dashboard/1");
    // the page is one file: nothing it loads from elsewhere
    let html = std::fs::read_to_string(&page).unwrap();
    for outside in ["src=", "href=\"http", "@import", "url("] {
        assert!(
            !html.contains(outside),
            "the page refers outside: {outside}"
        );
    }
}

#[test]
fn an_old_run_marks_the_changes_compare_finds() {
    let tmp = tempfile::tempdir().unwrap();
    let page = tmp.path().join("d.html");
    let out = wsreport(&[
        "dashboard",
        "fixtures/compare/new",
        "--compare",
        "fixtures/compare/old",
        "-o",
        page.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let d = embedded(&page);
    assert_eq!(d["errors"], Value::Array(vec![]));
    assert_eq!(d["diff"]["kind"], "run");
    // the same changes as `compare` finds
    let c = wsreport(&[
        "compare",
        "fixtures/compare/old",
        "fixtures/compare/new",
        "--format",
        "json",
    ]);
    let c: Value = serde_json::from_slice(&c.stdout).unwrap();
    let classes = |changes: &Value| -> Vec<String> {
        changes
            .as_array()
            .unwrap()
            .iter()
            .map(|c| format!("{} {}", c["case"], c["change"]))
            .collect()
    };
    assert_eq!(classes(&d["diff"]["changes"]), classes(&c["changes"]));
    assert_eq!(classes(&d["diff"]["changes"]).len(), 5);
    assert_eq!(d["diff"]["counts"], c["counts"]);
}

#[test]
fn an_unreadable_case_file_is_listed_in_the_page_and_exits_2() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("clients");
    std::fs::create_dir(&dir).unwrap();
    for e in std::fs::read_dir("fixtures/reports/clients").unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), dir.join(e.file_name())).unwrap();
    }
    std::fs::remove_file(dir.join("stratus_2_case_2_11.json")).unwrap();
    let page = tmp.path().join("d.html");
    let out = wsreport(&[
        "dashboard",
        dir.to_str().unwrap(),
        "-o",
        page.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("stratus_2_case_2_11.json"),
        "{}",
        stderr(&out)
    );
    let d = embedded(&page);
    let errors = d["errors"].to_string();
    assert!(errors.contains("stratus_2_case_2_11.json"), "{errors}");
    // the case is still in the matrix, with its verdicts from the index
    let row = d["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == "2.11")
        .unwrap();
    assert_eq!(row["cells"][1]["behavior"], "FAILED");
}

#[test]
fn check_writes_the_dashboard_and_keeps_its_gate_status() {
    let tmp = tempfile::tempdir().unwrap();
    let page = tmp.path().join("check.html");
    let out = wsreport(&[
        "check",
        "fixtures/reports/clients",
        "--dashboard",
        page.to_str().unwrap(),
    ]);
    assert_eq!(
        out.status.code(),
        Some(1),
        "stratus@2 fails: {}",
        stderr(&out)
    );
    let d = embedded(&page);
    let failing: Vec<u64> = d["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["failing"].as_u64().unwrap())
        .collect();
    // nimbus/1.0: 3.1 (close FAILED); stratus@2: 2.11 and 12.1.1 (UNIMPLEMENTED fails by default)
    assert_eq!(failing, [1, 2]);
}

#[test]
fn no_report_is_an_error_and_writes_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let page = tmp.path().join("d.html");
    let out = wsreport(&[
        "dashboard",
        tmp.path().to_str().unwrap(),
        "-o",
        page.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("no Autobahn report here"),
        "{}",
        stderr(&out)
    );
    assert!(!page.exists());
    let both = wsreport(&[
        "dashboard",
        "fixtures/reports",
        "--baseline",
        "x",
        "--compare",
        "y",
        "-o",
        "z",
    ]);
    assert_eq!(
        both.status.code(),
        Some(2),
        "--baseline and --compare exclude each other"
    );
}

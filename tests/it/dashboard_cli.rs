//! `wsreport dashboard` (and `check --dashboard`) run as a user runs them: the real binary, a
//! clean environment; the page's embedded data read back.

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;
use wsreport::compare::attempts::Attempts;
use wsreport::compare::run::Outcome;
use wsreport::model::{CaseId, Verdict};
use wsreport::shard::Shard;

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

/// `dir` split into `n` shards as `run --shard K/n` deals the cases (round robin in id
/// order), each shard a report directory of its own under `into`, its case files copied.
pub(crate) fn split_into_shards(dir: &Path, n: usize, into: &Path) -> Vec<PathBuf> {
    let index: serde_json::Map<String, Value> =
        serde_json::from_str(&std::fs::read_to_string(dir.join("index.json")).unwrap()).unwrap();
    let shards: Vec<PathBuf> = (1..=n).map(|k| into.join(format!("shard-{k}"))).collect();
    let mut indexes = vec![serde_json::Map::new(); n];
    for (agent, cases) in &index {
        let mut ids: Vec<(CaseId, &Value)> = cases
            .as_object()
            .unwrap()
            .iter()
            .map(|(id, e)| (id.parse().unwrap(), e))
            .collect();
        ids.sort_by(|a, b| a.0.cmp(&b.0));
        for (pos, (id, e)) in ids.into_iter().enumerate() {
            let k = (1..=n)
                .find(|&index| Shard { index, count: n }.takes(pos))
                .unwrap();
            let shard = &shards[k - 1];
            std::fs::create_dir_all(shard).unwrap();
            let file = e["reportfile"].as_str().unwrap();
            std::fs::copy(dir.join(file), shard.join(file)).unwrap();
            indexes[k - 1]
                .entry(agent.clone())
                .or_insert_with(|| serde_json::Map::new().into())
                .as_object_mut()
                .unwrap()
                .insert(id.to_string(), e.clone());
        }
    }
    for (shard, index) in shards.iter().zip(indexes) {
        std::fs::write(shard.join("index.json"), Value::from(index).to_string()).unwrap();
    }
    shards
}

/// The page's data without what names the report directories (they differ between the shards
/// and the whole run) and the generator.
pub(crate) fn data_without_paths(mut d: Value) -> Value {
    d["reports"] = Value::Null;
    for c in d["columns"].as_array_mut().unwrap() {
        c["report"] = Value::Null;
        c["reports"] = Value::Null;
    }
    d
}

/// Writes the dashboard of `paths` to `page` with the binary; its status must be 0.
fn dashboard_of(paths: &[&Path], page: &Path) -> Value {
    let mut args: Vec<&str> = vec!["dashboard"];
    args.extend(paths.iter().map(|p| p.to_str().unwrap()));
    args.extend(["-o", page.to_str().unwrap()]);
    let out = wsreport(&args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    embedded(page)
}

/// An attempts file in `dir`: stratus@2's 2.11 failed (as the index says), then passed.
fn stratus_2_11_was_flaky(dir: &Path) {
    let o = |b: &str, c: &str| Outcome {
        behavior: Verdict::parse(b),
        behavior_close: Verdict::parse(c),
        remote_close_code: None,
    };
    let mut a = Attempts {
        generator: "test".into(),
        ..Attempts::default()
    };
    let id: CaseId = "2.11".parse().unwrap();
    a.add(
        "stratus@2",
        &id,
        vec![o("FAILED", "UNCLEAN"), o("OK", "OK")],
    );
    a.write(dir).unwrap();
}

#[test]
fn three_shards_show_the_unsharded_report_s_data_case_by_case_and_its_flaky_case() {
    let tmp = tempfile::tempdir().unwrap();
    let whole = tmp.path().join("whole");
    std::fs::create_dir(&whole).unwrap();
    for e in std::fs::read_dir("fixtures/reports/clients").unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), whole.join(e.file_name())).unwrap();
    }
    let shards = split_into_shards(&whole, 3, tmp.path());
    // stratus@2's 2.11 was re-run: the whole run's attempts file, and the shard's that ran it
    stratus_2_11_was_flaky(&whole);
    let holder = shards
        .iter()
        .find(|s| s.join("stratus_2_case_2_11.json").exists())
        .unwrap();
    stratus_2_11_was_flaky(holder);

    let one = dashboard_of(&[&whole], &tmp.path().join("one.html"));
    let shard_paths: Vec<&Path> = shards.iter().map(PathBuf::as_path).collect();
    let three = dashboard_of(&shard_paths, &tmp.path().join("three.html"));
    assert_eq!(three["reports"].as_array().unwrap().len(), 3);
    // one column per agent, each merged from the three shards
    let columns: Vec<(String, usize)> = three["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["label"].as_str().unwrap().to_string(),
                c["reports"].as_array().unwrap().len(),
            )
        })
        .collect();
    assert_eq!(
        columns,
        [("nimbus/1.0".to_string(), 3), ("stratus@2".to_string(), 3)]
    );
    // case by case, then everything else the page shows
    let (a, b) = (
        one["cases"].as_array().unwrap(),
        three["cases"].as_array().unwrap(),
    );
    assert_eq!(a.len(), 7);
    assert_eq!(a.len(), b.len());
    for (a, b) in a.iter().zip(b) {
        assert_eq!(a, b, "case {}", a["id"]);
    }
    assert_eq!(data_without_paths(three.clone()), data_without_paths(one));

    // the flaky case: marked with its attempts, counted in its column, once
    let row = b.iter().find(|r| r["id"] == "2.11").unwrap();
    assert_eq!(row["cells"][1]["flaky"], true);
    assert_eq!(
        row["cells"][1]["attempts"],
        serde_json::json!(["FAILED/UNCLEAN", "OK/OK"])
    );
    assert_eq!(row["cells"][0].get("flaky"), None, "nimbus/1.0 ran it once");
    assert_eq!(
        three["columns"][1]["summary"]["flaky"],
        serde_json::json!(["2.11"])
    );
    let flaky_cells = b
        .iter()
        .flat_map(|r| r["cells"].as_array().unwrap())
        .filter(|c| c["flaky"] == true)
        .count();
    assert_eq!(flaky_cells, 1);
}

#[test]
fn two_batches_holding_a_case_with_different_verdicts_are_one_column_and_a_warning() {
    let tmp = tempfile::tempdir().unwrap();
    let page = tmp.path().join("d.html");
    let out = wsreport(&[
        "dashboard",
        "fixtures/compare/batches/a",
        "fixtures/compare/batches/b",
        "-o",
        page.to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(
            "wsreport: warning: 1 case(s) are in two reports of one agent with different verdicts"
        ),
        "{}",
        stderr(&out)
    );
    let d = embedded(&page);
    assert_eq!(d["columns"].as_array().unwrap().len(), 1);
    let warnings = d["warnings"].as_array().unwrap();
    assert_eq!(warnings.len(), 1);
    // the line `check` prints for it
    let check = wsreport(&[
        "check",
        "fixtures/compare/batches/a",
        "fixtures/compare/batches/b",
    ]);
    let said = stderr(&check);
    assert!(
        said.contains(warnings[0].as_str().unwrap()),
        "{said} / {warnings:?}"
    );
}

//! Acceptance over real reports in `../shared/corpus` (run by `.ci/run`; ignored otherwise).
//! The corpus root is `WSREPORT_CORPUS`, default `<CARGO_MANIFEST_DIR>/../shared/corpus`.

use crate::common;
use crate::common::wsreport;

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn json(o: &Output) -> Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "{e}: {}{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    })
}

const NIM_OLD: &str = "status-im__nim-websock/server-devel-2025-10-03";
const NIM_NEW: &str = "status-im__nim-websock/server-devel";

#[test]
#[ignore = "reads ../shared/corpus; run by .ci/run"]
fn check_baseline_reports_exactly_the_flipped_cases() {
    let original = common::corpus_root().join(NIM_OLD);
    let scratch = tempfile::tempdir().unwrap(); // removed on drop, a failing assert included
    let tmp = scratch.path();
    std::fs::create_dir_all(tmp.join("run")).unwrap();

    // The baseline comes from the untouched report.
    let out = wsreport(&["baseline", original.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    let baseline = tmp.join("baseline.json");
    std::fs::write(&baseline, &out.stdout).unwrap();

    // The run: the report's case files (check says a missing one, exit 2) and its index with
    // chosen cases flipped.
    for e in std::fs::read_dir(&original).unwrap() {
        let p = e.unwrap().path();
        let name = p.file_name().unwrap().to_str().unwrap().to_string();
        if name.contains("_case_") && name.ends_with(".json") {
            std::fs::copy(&p, tmp.join("run").join(name)).unwrap();
        }
    }
    let mut index: Value =
        serde_json::from_slice(&std::fs::read(original.join("index.json")).unwrap()).unwrap();
    let agent = index.as_object().unwrap().keys().next().unwrap().clone();
    let cases = index[&agent].as_object_mut().unwrap();
    let find = |cases: &serde_json::Map<String, Value>, b: &str, c: &str, skip: &[&str]| {
        let mut ids: Vec<&String> = cases
            .iter()
            .filter(|(id, e)| {
                e["behavior"] == b && e["behaviorClose"] == c && !skip.contains(&id.as_str())
            })
            .map(|(id, _)| id)
            .collect();
        ids.sort();
        ids.first().map(|s| s.to_string()).expect("a case to flip")
    };
    let to_failed = find(cases, "OK", "OK", &[]);
    let to_unclean = find(cases, "OK", "OK", &[&to_failed]);
    let removed = find(cases, "OK", "OK", &[&to_failed, &to_unclean]);
    let non_strict = find(cases, "NON-STRICT", "OK", &[]);
    cases.get_mut(&to_failed).unwrap()["behavior"] = "FAILED".into();
    cases.get_mut(&to_unclean).unwrap()["behaviorClose"] = "UNCLEAN".into();
    cases.get_mut(&non_strict).unwrap()["behavior"] = "OK".into();
    cases.remove(&removed);
    std::fs::write(
        tmp.join("run/index.json"),
        serde_json::to_vec_pretty(&index).unwrap(),
    )
    .unwrap();

    let run = tmp.join("run");
    let check = |policy: &str| {
        let out = wsreport(&[
            "check",
            run.to_str().unwrap(),
            "--baseline",
            baseline.to_str().unwrap(),
            "--policy",
            policy,
            "--format",
            "json",
        ]);
        assert_eq!(out.status.code(), Some(1), "policy {policy}");
        let v = json(&out);
        let mut notable: Vec<(String, String, bool)> = v["cases"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["status"] != "pass" && c["status"] != "known-failure")
            .map(|c| {
                (
                    c["case"].as_str().unwrap().to_string(),
                    c["status"].as_str().unwrap().to_string(),
                    c["gating"].as_bool().unwrap(),
                )
            })
            .collect();
        notable.sort();
        notable
    };
    let mut want_strict = vec![
        (to_failed.clone(), "regression".to_string(), true),
        (to_unclean.clone(), "regression".to_string(), true),
        (removed.clone(), "missing".to_string(), true),
        (non_strict.clone(), "improvement".to_string(), false),
    ];
    want_strict.sort();
    assert_eq!(check("strict"), want_strict);
    // Under rfc NON-STRICT already passed: NON-STRICT → OK is a change within the pass class.
    let mut want_rfc = want_strict.clone();
    for w in &mut want_rfc {
        if w.0 == non_strict {
            w.1 = "changed".into();
        }
    }
    assert_eq!(check("rfc"), want_rfc);
}

#[test]
#[ignore = "reads ../shared/corpus; run by .ci/run"]
fn nim_websock_across_testsuite_versions_says_the_testsuite_changed() {
    let (old, new) = (
        common::corpus_root().join(NIM_OLD),
        common::corpus_root().join(NIM_NEW),
    );
    let out = wsreport(&[
        "compare",
        old.to_str().unwrap(),
        new.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let v = json(&out);
    assert_eq!(v["close_changes"], 307);
    assert_eq!(v["behavior_changes"], 0);
    assert_eq!(v["counts"]["regression"], 307);
    assert_eq!(v["warnings"][0]["kind"], "testsuite-changed");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("the testsuite changed: OLD ran 0.8.2-0.10.9, NEW ran 25.10.1-0.10.9; 307 closing verdict(s) changed"),
        "{stderr}"
    );
}

#[test]
#[ignore = "reads ../shared/corpus; run by .ci/run"]
fn every_corpus_report_checks_and_renders_valid_junit() {
    for dir in [
        "denoland__autobahn/reports-servers",
        "paritytech__soketto/autobahn-reports-servers-2017",
        "lxzan__gws/reports-clients",
        NIM_OLD,
        NIM_NEW,
    ] {
        let path = common::corpus_root().join(dir);
        let out = wsreport(&["check", path.to_str().unwrap(), "--format", "junit"]);
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{dir}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let xml = String::from_utf8(out.stdout).unwrap();
        assert!(xml.starts_with("<?xml"), "{dir}");
        let scratch = tempfile::tempdir().unwrap();
        let file = scratch
            .path()
            .join(format!("{}.xml", dir.replace('/', "_")));
        std::fs::write(&file, &xml).unwrap();
        let xsd = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/junit/junit.xsd");
        if let Ok(v) = Command::new("xmllint")
            .args(["--noout", "--schema"])
            .arg(&xsd)
            .arg(&file)
            .output()
        {
            assert!(
                v.status.success(),
                "{dir}: {}",
                String::from_utf8_lossy(&v.stderr)
            );
        }
    }
}

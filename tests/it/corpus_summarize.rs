//! Acceptance over the real reports in `../shared/corpus` (run by `.ci/run`):
//! every report loads with zero errors, and `summarize --format json` counts equal the counts
//! taken straight from each `index.json`.

use crate::common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;
use wsreport::load::json;

/// Every directory under the corpus that holds an `index.json`.
fn report_dirs(root: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(d) = stack.pop() {
        if d.join("index.json").is_file() {
            found.push(d.clone());
        }
        for e in std::fs::read_dir(&d).unwrap().flatten() {
            if e.path().is_dir() {
                stack.push(e.path());
            }
        }
    }
    found.sort();
    found
}

fn count(index: &Value, agent: &str, field: &str) -> BTreeMap<String, u64> {
    let mut m = BTreeMap::new();
    for case in index[agent].as_object().unwrap().values() {
        *m.entry(case[field].as_str().unwrap().to_string())
            .or_default() += 1;
    }
    m
}

#[test]
#[ignore = "reads ../shared/corpus; run by .ci/run"]
fn summarize_counts_equal_index_counts() {
    let dirs = report_dirs(&common::corpus_root());
    assert!(
        dirs.len() >= 5,
        "corpus not found at {}",
        common::corpus_root().display()
    );
    let mut agents_checked = 0;
    for dir in &dirs {
        let out = Command::new(env!("CARGO_BIN_EXE_wsreport"))
            .args(["summarize", "--format", "json"])
            .arg(dir)
            .output()
            .unwrap();
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}: {}",
            dir.display(),
            String::from_utf8_lossy(&out.stderr)
        );
        let summary: Value = serde_json::from_slice(&out.stdout).unwrap();
        assert_eq!(summary["errors"], Value::Array(vec![]));
        let index: Value =
            serde_json::from_slice(&std::fs::read(dir.join("index.json")).unwrap()).unwrap();
        let agents = summary["reports"][0]["agents"].as_array().unwrap();
        assert_eq!(agents.len(), index.as_object().unwrap().len());
        for a in agents {
            let name = a["agent"].as_str().unwrap();
            let n = index[name].as_object().unwrap().len() as u64;
            assert_eq!(a["cases"], n, "{name}");
            for (field, key) in [("behavior", "behavior"), ("behaviorClose", "behaviorClose")] {
                let got: BTreeMap<String, u64> = serde_json::from_value(a[key].clone()).unwrap();
                assert_eq!(
                    got,
                    count(&index, name, field),
                    "{} {name} {field}",
                    dir.display()
                );
            }
            let duration: u64 = index[name]
                .as_object()
                .unwrap()
                .values()
                .map(|c| c["duration"].as_u64().unwrap())
                .sum();
            assert_eq!(a["duration_ms"], duration);
            let per_category: u64 = a["categories"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["cases"].as_u64().unwrap())
                .sum();
            assert_eq!(per_category, n);
            agents_checked += 1;
        }
        assert!(
            summary["reports"][0]["testsuite"].is_string(),
            "{}",
            dir.display()
        );
    }
    println!(
        "corpus summarize: {} reports, {agents_checked} agents, counts equal to index.json",
        dirs.len()
    );
}

#[test]
#[ignore = "reads ../shared/corpus; run by .ci/run"]
fn every_corpus_case_file_loads() {
    let loaded = wsreport::load::load_paths(&[common::corpus_root()]);
    let mut cases = 0;
    let mut errors: Vec<String> = loaded
        .errors
        .iter()
        .map(|e| wsreport::text::error_chain(e))
        .collect();
    for report in &loaded.reports {
        for run in &report.agents {
            for entry in &run.cases {
                match wsreport::load::load_case(report, &run.agent, entry) {
                    Ok(case) => {
                        assert_eq!(case.id.as_ref(), Some(&entry.id));
                        assert_eq!(case.behavior.as_ref(), Some(&entry.behavior));
                        // Nothing is lost: the model writes back the JSON it read.
                        let path = wsreport::load::case_path(report, &run.agent, entry).unwrap();
                        let bytes = std::fs::read(&path).unwrap();
                        let raw = json::parse_bytes(&bytes).unwrap();
                        if json::case_to_value(&case) != raw {
                            errors.push(format!("{}: does not round-trip", path.display()));
                        }
                        // The typed fast path reads what the Value path reads.
                        if json::case_from_value(&raw).as_ref() != Ok(&case) {
                            errors.push(format!("{}: fast and Value paths differ", path.display()));
                        }
                        cases += 1;
                    }
                    Err(e) => errors.push(wsreport::text::error_chain(&e)),
                }
            }
        }
    }
    println!("corpus load: {cases} case files, {} errors", errors.len());
    assert!(errors.is_empty(), "{errors:#?}");
    assert!(cases > 3000);
}

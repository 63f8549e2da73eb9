//! Acceptance over the real reports in `../shared/corpus` (run by `.ci/run`): for every
//! non-passing case, the JSON explanation's missing/unexpected events are exactly a plain LCS
//! diff of `received` against the chosen expected list (checked against the raw case JSON, by
//! an implementation written independently of `explain::diff`), and the closing sentence agrees
//! with the report's closing fields.

use std::path::{Path, PathBuf};

use serde_json::Value;
use wsreport::explain::{self, hint};
use wsreport::load;

fn corpus_root() -> PathBuf {
    std::env::var_os("WSREPORT_CORPUS")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/corpus"))
}

/// Report directories (holding an index.json) up to two levels below the root.
fn report_dirs(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![(root.to_path_buf(), 0)];
    while let Some((d, depth)) = stack.pop() {
        if d.join("index.json").is_file() {
            out.push(d);
            continue;
        }
        if depth < 3
            && let Ok(rd) = std::fs::read_dir(&d)
        {
            stack.extend(
                rd.flatten()
                    .map(|e| e.path())
                    .filter(|p| p.is_dir())
                    .map(|p| (p, depth + 1)),
            );
        }
    }
    out.sort();
    out
}

/// LCS length table over prefixes, walked back from the end; ties are broken so that the
/// result equals the documented convention (match first, else drop from `received` while that
/// keeps the LCS of what follows). Written apart from `explain::diff` on purpose.
fn plain_diff(r: &[Value], e: &[Value]) -> (Vec<usize>, Vec<usize>) {
    // suffix[i][j] = LCS(r[i..], e[j..])
    let mut suffix = vec![vec![0usize; e.len() + 1]; r.len() + 1];
    for i in (0..r.len()).rev() {
        for j in (0..e.len()).rev() {
            suffix[i][j] = if r[i] == e[j] {
                1 + suffix[i + 1][j + 1]
            } else {
                suffix[i + 1][j].max(suffix[i][j + 1])
            };
        }
    }
    let (mut unexpected, mut missing) = (vec![], vec![]);
    let (mut i, mut j) = (0, 0);
    loop {
        match (i < r.len(), j < e.len()) {
            (false, false) => break,
            (true, false) => {
                unexpected.push(i);
                i += 1
            }
            (false, true) => {
                missing.push(j);
                j += 1
            }
            (true, true) if r[i] == e[j] => {
                i += 1;
                j += 1
            }
            (true, true) if suffix[i + 1][j] >= suffix[i][j + 1] => {
                unexpected.push(i);
                i += 1
            }
            (true, true) => {
                missing.push(j);
                j += 1
            }
        }
    }
    (unexpected, missing)
}

fn indices(list: &Value) -> Vec<usize> {
    list.as_array()
        .unwrap()
        .iter()
        .map(|p| p["index"].as_u64().unwrap() as usize)
        .collect()
}

/// The explanation's event view must be the raw event it points at.
fn same_event(view: &Value, raw: &Value) -> bool {
    let a = raw.as_array().unwrap();
    view["kind"] == a[0] && view["payload"] == a[1] && (a.len() < 3 || view["binary"] == a[2])
}

fn without(list: &[Value], drop: &[usize]) -> Vec<Value> {
    list.iter()
        .enumerate()
        .filter(|(k, _)| !drop.contains(k))
        .map(|(_, v)| v.clone())
        .collect()
}

#[test]
#[ignore = "reads ../shared/corpus; run by .ci/run"]
fn corpus_explanations_match_a_plain_diff_and_the_closing_fields() {
    let root = corpus_root();
    let dirs = report_dirs(&root);
    assert!(!dirs.is_empty(), "no reports under {}", root.display());
    let (mut checked, mut with_edits, mut disagree) = (0usize, 0usize, Vec::new());
    for dir in &dirs {
        let loaded = load::load_paths(std::slice::from_ref(dir));
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        for report in &loaded.reports {
            for run in &report.agents {
                for entry in run.cases.iter().filter(|e| !hint::passes(e)) {
                    let at = format!("{} {} {}", dir.display(), run.agent, entry.id);
                    let path = load::case_path(report, &run.agent, entry).unwrap();
                    let raw = load::json::parse_bytes(&std::fs::read(&path).unwrap()).unwrap();
                    let case = load::load_case(report, &run.agent, entry).unwrap();
                    let x = explain::explain_case(&case, Some(&run.cases));
                    let v = serde_json::to_value(&x).unwrap();

                    // Events: exactly the plain diff against the chosen list.
                    let received = raw["received"].as_array().unwrap().clone();
                    let expected = match v["events"]["against"].as_str() {
                        Some(word) => raw["expected"][word].as_array().unwrap().clone(),
                        None => {
                            assert!(raw["expected"].as_object().unwrap().is_empty(), "{at}");
                            Vec::new()
                        }
                    };
                    let (unexp, miss) = plain_diff(&received, &expected);
                    let got_unexp = indices(&v["events"]["unexpected"]);
                    let got_miss = indices(&v["events"]["missing"]);
                    assert_eq!((&got_unexp, &got_miss), (&unexp, &miss), "{at}");
                    for (p, &k) in v["events"]["missing"].as_array().unwrap().iter().zip(&miss) {
                        assert!(same_event(&p["event"], &expected[k]), "{at}: {p}");
                    }
                    for (p, &k) in v["events"]["unexpected"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .zip(&unexp)
                    {
                        assert!(same_event(&p["event"], &received[k]), "{at}: {p}");
                    }
                    // And it is a longest common subsequence: what is left is equal.
                    assert_eq!(
                        without(&received, &unexp),
                        without(&expected, &miss),
                        "{at}"
                    );
                    // No other accepted list is closer.
                    let best = raw["expected"]
                        .as_object()
                        .unwrap()
                        .values()
                        .map(|l| {
                            let (u, m) = plain_diff(&received, l.as_array().unwrap());
                            u.len() + m.len()
                        })
                        .min();
                    if let Some(best) = best {
                        assert_eq!(unexp.len() + miss.len(), best, "{at}");
                    }
                    if !unexp.is_empty() || !miss.is_empty() {
                        with_edits += 1;
                    }

                    // Closing: the sentence follows the fields.
                    let s = v["closing"]["summary"].as_str().unwrap();
                    if let Some(code) = raw["remoteCloseCode"].as_u64() {
                        assert!(s.contains(&format!("close {code}")), "{at}: {s}");
                    }
                    match raw["wasClean"].as_bool() {
                        Some(false) => assert!(s.contains("not clean"), "{at}: {s}"),
                        Some(true) => assert!(s.contains("the close was clean"), "{at}: {s}"),
                        None => {}
                    }
                    match raw["droppedByMe"].as_bool() {
                        Some(true) => assert!(s.contains("we dropped TCP"), "{at}: {s}"),
                        Some(false) => assert!(s.contains("the peer dropped TCP"), "{at}: {s}"),
                        None => {}
                    }
                    if let Some(reason) = raw["wasNotCleanReason"].as_str() {
                        assert!(s.contains(reason), "{at}: {s}");
                    }
                    if raw["closedByMe"] == Value::Bool(true) {
                        assert!(s.starts_with("we sent close"), "{at}: {s}");
                    }
                    if v["closing"]["agrees"] == Value::Bool(false) {
                        disagree.push(at.clone());
                    }
                    assert!(!x.headline.is_empty() && x.cause.is_some(), "{at}");
                    checked += 1;
                }
            }
        }
    }
    println!(
        "corpus_explain: {checked} non-passing cases checked in {} report directories \
         ({with_edits} with event edits); closing verdict differs from the rules in {}",
        dirs.len(),
        disagree.len()
    );
    assert!(checked > 0);
    assert!(disagree.is_empty(), "closing rules disagree: {disagree:?}");
}

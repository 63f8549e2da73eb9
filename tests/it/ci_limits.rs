//! Output within GitHub's limits: a report of 300 failing cases through the real binary gives
//! at most 10 error annotations (regressions first), a Markdown file under a PR comment's
//! 64 KiB, one JUnit `<testcase>` per case, and a shields.io badge.

use std::path::Path;
use std::process::Output;

use crate::common::wsreport;

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

/// A report of `n` cases of agent `srv` (ids 1.1.1 … from the catalog), case `i` failing when
/// `fails(i)`: index.json and a small case file per case.
fn write_report(dir: &Path, n: usize, fails: impl Fn(usize) -> bool) -> Vec<String> {
    let ids: Vec<String> = wsreport::catalog::all_ids()
        .iter()
        .take(n)
        .map(ToString::to_string)
        .collect();
    assert_eq!(ids.len(), n);
    std::fs::create_dir_all(dir).unwrap();
    let mut cases = serde_json::Map::new();
    for (i, id) in ids.iter().enumerate() {
        let b = if fails(i) { "FAILED" } else { "OK" };
        let file = format!("srv_case_{}.json", id.replace('.', "_"));
        let case = serde_json::json!({"agent": "srv", "id": id, "case": i + 1,
            "behavior": b, "behaviorClose": "OK", "duration": 1, "remoteCloseCode": 1000,
            "expected": {"OK": [["message", "Hello", false]]}, "received": [],
            "result": "Expected message not received"});
        std::fs::write(dir.join(&file), case.to_string()).unwrap();
        cases.insert(
            id.clone(),
            serde_json::json!({"behavior": b, "behaviorClose": "OK", "duration": 1,
                               "remoteCloseCode": 1000, "reportfile": file}),
        );
    }
    std::fs::write(
        dir.join("index.json"),
        serde_json::json!({ "srv": cases }).to_string(),
    )
    .unwrap();
    ids
}

#[test]
fn three_hundred_failures_fit_github_annotations_and_a_pr_comment() {
    let tmp = tempfile::tempdir().unwrap();
    let run = tmp.path().join("run");
    write_report(&run, 320, |i| i < 300);
    let run = run.to_str().unwrap();

    let md = wsreport(&["check", run, "--format", "markdown"]);
    assert_eq!(md.status.code(), Some(1));
    let text = stdout(&md);
    assert!(text.len() < 64 * 1024, "{} bytes", text.len());
    assert!(text.starts_with("### check FAILED: 300 gating case(s) of 320"));
    assert!(text.trim_end().ends_with("fail 300, pass 20"), "{text}");
    // a tighter budget: whole rows, then how many were left out, then the counts
    let small = stdout(&wsreport(&[
        "check",
        run,
        "--format",
        "markdown",
        "--max-bytes",
        "8000",
    ]));
    assert!(small.len() <= 8000, "{}", small.len());
    let rows = small.lines().filter(|l| l.starts_with("| srv |")).count();
    assert!(rows > 20 && rows < 300, "{rows} rows");
    assert!(
        small.contains(&format!("_… {} more row(s) not shown", 300 - rows)),
        "{small}"
    );
    assert!(small.trim_end().ends_with("fail 300, pass 20"), "{small}");
    let all = stdout(&wsreport(&[
        "check",
        run,
        "--format",
        "markdown",
        "--max-bytes",
        "1048576",
    ]));
    assert_eq!(
        all.lines().filter(|l| l.starts_with("| srv |")).count(),
        300
    );

    let gh = stdout(&wsreport(&["check", run, "--format", "github"]));
    assert_eq!(gh.lines().filter(|l| l.starts_with("::error")).count(), 10);
    let notices: Vec<&str> = gh.lines().filter(|l| l.starts_with("::notice")).collect();
    assert_eq!(notices.len(), 2, "{gh}");
    assert!(
        notices[0].contains("290 more gating case(s) not annotated: "),
        "{}",
        notices[0]
    );

    let junit = stdout(&wsreport(&["check", run, "--format", "junit"]));
    assert_eq!(junit.matches("<testcase ").count(), 320);
    assert_eq!(junit.matches("<failure ").count(), 300);

    let badge: serde_json::Value =
        serde_json::from_str(&stdout(&wsreport(&["check", run, "--format", "badge"]))).unwrap();
    assert_eq!(
        badge,
        serde_json::json!({"schemaVersion": 1, "label": "autobahn", "message": "20/320 OK",
                           "color": "red"})
    );
}

#[test]
fn regressions_are_annotated_before_plain_failures() {
    let tmp = tempfile::tempdir().unwrap();
    // the baseline knows cases 30..100, all passing; the run fails 0..30 (new to the baseline)
    // and 95..100 (regressions, last in case order)
    let run = tmp.path().join("run");
    let ids = write_report(&run, 100, |i| !(30..95).contains(&i));
    let old = tmp.path().join("old");
    write_report(&old, 100, |_| false);
    let index = old.join("index.json");
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&index).unwrap()).unwrap();
    for id in &ids[..30] {
        v["srv"].as_object_mut().unwrap().remove(id);
        std::fs::remove_file(old.join(format!("srv_case_{}.json", id.replace('.', "_")))).unwrap();
    }
    std::fs::write(&index, v.to_string()).unwrap();
    let b = wsreport(&["baseline", old.to_str().unwrap()]);
    assert_eq!(b.status.code(), Some(0));
    let base = tmp.path().join("baseline.json");
    std::fs::write(&base, &b.stdout).unwrap();

    let gh = stdout(&wsreport(&[
        "check",
        run.to_str().unwrap(),
        "--baseline",
        base.to_str().unwrap(),
        "--format",
        "github",
    ]));
    let errors: Vec<&str> = gh.lines().filter(|l| l.starts_with("::error")).collect();
    assert_eq!(errors.len(), 10, "{gh}");
    for (e, id) in errors.iter().zip(&ids[95..]) {
        assert!(e.contains(&format!("case {id} (srv)")), "{e}");
        assert!(e.contains("was OK/OK in the baseline"), "{e}");
    }
    assert!(
        errors[5].contains(&format!("case {} (srv)", ids[0])),
        "{}",
        errors[5]
    );
    assert!(gh.contains("::notice title=wsreport check%3A more gating cases::25 more gating"));
}

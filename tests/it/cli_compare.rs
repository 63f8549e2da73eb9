//! `check`, `compare` and `baseline` through the real binary, with a clean environment.

use crate::common::wsreport;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

fn f(rel: &str) -> String {
    fixtures().join("compare").join(rel).display().to_string()
}

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn stderr(o: &Output) -> String {
    String::from_utf8(o.stderr.clone()).unwrap()
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| panic!("{e}: {}", stdout(o)))
}

/// Writes the baseline of `rel` into a temporary file (removed when the path is dropped).
fn baseline_of(rel: &str, name: &str) -> tempfile::TempPath {
    let out = wsreport(&["baseline", &f(rel)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let mut file = tempfile::Builder::new().prefix(name).tempfile().unwrap();
    std::io::Write::write_all(&mut file, &out.stdout).unwrap();
    file.into_temp_path()
}

#[test]
fn check_exit_0_when_every_case_passes() {
    let out = wsreport(&["check", &f("same")]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(stdout(&out).starts_with("check PASSED"), "{}", stdout(&out));
}

#[test]
fn check_exit_1_names_each_failing_case_with_its_reason() {
    let out = wsreport(&["check", &f("new")]);
    assert_eq!(out.status.code(), Some(1));
    let text = stdout(&out);
    assert!(
        text.contains(
            "2.11 FAILED: 1 of 1 expected message never arrived; close UNCLEAN (expected OK/OK under rfc)"
        ),
        "the explain headline, from the case file: {text}"
    );
    assert!(
        text.contains(
            "12.1.1 UNIMPLEMENTED: not run: the permessage-deflate offer was not accepted; close OK (UNIMPLEMENTED fails with --unimplemented fail)"
        ),
        "{text}"
    );
    let v = json(&wsreport(&["check", &f("new"), "--format", "json"]));
    let gating: Vec<&str> = v["cases"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["gating"] == true)
        .map(|c| c["case"].as_str().unwrap())
        .collect();
    assert_eq!(gating, ["2.11", "12.1.1"]);
    assert_eq!(v["passed"], false);
}

#[test]
fn each_policy_and_the_unimplemented_switch() {
    let failing = |args: &[&str]| -> Vec<String> {
        let mut a = vec!["check", "--format", "json"];
        a.extend_from_slice(args);
        let v = json(&wsreport(&a));
        v["cases"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|c| c["gating"] == true)
            .map(|c| c["case"].as_str().unwrap().to_string())
            .collect()
    };
    let old = f("old");
    // old: 1.1.1 OK/OK, 2.11 OK/OK, 3.1 OK/OK, 6.4.3 NON-STRICT/OK, 7.1.1 FAILED/OK,
    // 12.1.1 UNIMPLEMENTED/OK.
    assert_eq!(
        failing(&[&old, "--policy", "strict"]),
        ["6.4.3", "7.1.1", "12.1.1"]
    );
    assert_eq!(failing(&[&old, "--policy", "rfc"]), ["7.1.1", "12.1.1"]);
    assert_eq!(failing(&[&old, "--policy", "lenient"]), ["7.1.1", "12.1.1"]);
    assert_eq!(
        failing(&[&old, "--policy", "lenient", "--unimplemented", "skip"]),
        ["7.1.1"]
    );
    assert_eq!(
        failing(&[&old, "--unimplemented", "skip-compression"]),
        ["7.1.1"]
    );
}

#[test]
fn check_against_a_baseline_fails_only_on_what_got_worse() {
    let base = baseline_of("old", "old-baseline.json");
    let out = wsreport(&[
        "check",
        &f("new"),
        "--baseline",
        base.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(out.status.code(), Some(1));
    let v = json(&out);
    let status = |id: &str| {
        let c = v["cases"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["case"] == id)
            .unwrap();
        (
            c["status"].as_str().unwrap().to_string(),
            c["gating"].as_bool().unwrap(),
        )
    };
    assert_eq!(status("1.1.1"), ("pass".into(), false));
    assert_eq!(status("2.11"), ("regression".into(), true));
    assert_eq!(status("3.1"), ("missing".into(), true));
    assert_eq!(status("6.4.3"), ("changed".into(), false));
    assert_eq!(status("7.1.1"), ("improvement".into(), false));
    assert_eq!(status("9.1.1"), ("new".into(), false));
    assert_eq!(status("12.1.1"), ("known-failure".into(), false));
    assert_eq!(v["warnings"][0]["kind"], "testsuite-changed");
    assert!(stderr(&out).contains("wsreport: warning: the testsuite changed"));

    // Only improvements against its own baseline: passes, though 7.1.1 fails the policy.
    let own = baseline_of("old", "own-baseline.json");
    let out = wsreport(&["check", &f("old"), "--baseline", own.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stdout(&out));
}

#[test]
fn the_allow_list_excuses_cases_with_their_reason() {
    let base = baseline_of("old", "allow-baseline.json");
    let args = [
        "check",
        &f("new"),
        "--baseline",
        base.to_str().unwrap(),
        "--allow",
        &f("allow.json"),
        "--format",
        "json",
    ];
    let out = wsreport(&args);
    let v = json(&out);
    let c211 = v["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["case"] == "2.11")
        .unwrap();
    assert_eq!(c211["gating"], false);
    assert_eq!(
        c211["allowed"],
        "ping timing differs on our event loop; tracked in #7"
    );
    assert_eq!(v["gating"], 1, "3.1 is still missing");
    assert_eq!(out.status.code(), Some(1));
    let out = wsreport(&[
        "check",
        &f("old"),
        "--allow",
        &f("allow.json"),
        "--unimplemented",
        "skip",
    ]);
    assert_eq!(out.status.code(), Some(0), "7.* allowed: {}", stdout(&out));
}

#[test]
fn exit_2_on_unreadable_input() {
    let out = wsreport(&["check", &f("new"), "--allow", &f("allow-no-reason.json")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("allow-no-reason.json: allow entry 0 (case \"6.4.*\") has no reason")
    );
    assert!(stdout(&out).is_empty());
    let out = wsreport(&["check", &f("does-not-exist")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("does-not-exist"));
    let out = wsreport(&["check", &f("new"), "--baseline", &f("allow.json")]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("baseline format: missing"),
        "{}",
        stderr(&out)
    );
    let out = wsreport(&["compare", &f("old"), &f("nothing-here")]);
    assert_eq!(out.status.code(), Some(2));
    let out = wsreport(&["check", &f("new"), "--policy", "paranoid"]);
    assert_eq!(out.status.code(), Some(2), "usage errors are 2 too");
}

#[test]
fn compare_classifies_each_change_and_warns_on_the_testsuite() {
    let out = wsreport(&["compare", &f("old"), &f("new"), "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let v = json(&out);
    let classes: Vec<(String, String)> = v["changes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["case"].as_str().unwrap().to_string(),
                c["change"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let want = [
        ("2.11", "regression"),
        ("3.1", "missing"),
        ("6.4.3", "changed"),
        ("7.1.1", "improvement"),
        ("9.1.1", "new"),
    ];
    assert_eq!(
        classes,
        want.map(|(a, b)| (a.to_string(), b.to_string())).to_vec()
    );
    assert_eq!(v["counts"]["unchanged"], 2);
    assert_eq!(v["changes"][0]["old"]["behavior"], "OK");
    assert_eq!(v["changes"][0]["new"]["behaviorClose"], "UNCLEAN");
    assert_eq!(v["changes"][0]["new"]["judgement"], "fail");
    assert_eq!(v["warnings"][0]["kind"], "testsuite-changed");
    assert_eq!(v["old"]["testsuite"][0], "0.8.2-0.10.9");
    assert_eq!(v["new"]["testsuite"][0], "25.10.1-0.10.9");
    assert!(
        stderr(&out)
            .contains("the testsuite changed: OLD ran 0.8.2-0.10.9, NEW ran 25.10.1-0.10.9")
    );

    let table = stdout(&wsreport(&["compare", &f("old"), &f("new")]));
    assert!(
        table.contains("regression") && table.contains("FAILED/UNCLEAN"),
        "{table}"
    );
    let same = wsreport(&["compare", &f("old"), &f("same")]);
    assert!(
        !stderr(&same).contains("testsuite changed"),
        "{}",
        stderr(&same)
    );
}

#[test]
fn batches_merge_and_a_conflict_is_reported_with_the_later_path_winning() {
    let out = wsreport(&["check", &f("batches"), "--format", "json"]);
    let v = json(&out);
    assert_eq!(v["cases"].as_array().unwrap().len(), 3);
    let c = v["cases"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["case"] == "2.11")
        .unwrap();
    assert_eq!(
        c["outcome"]["behavior"], "FAILED",
        "batches/b is read after batches/a"
    );
    assert_eq!(v["warnings"][0]["kind"], "batch-conflict");
    assert!(stderr(&out).contains("the later"), "{}", stderr(&out));
    // The same through explicit paths, and through compare's --new.
    let out = wsreport(&[
        "check",
        &f("batches/a"),
        &f("batches/b"),
        "--format",
        "json",
    ]);
    assert_eq!(json(&out)["cases"].as_array().unwrap().len(), 3);
    let out = wsreport(&[
        "compare",
        &f("batches/a"),
        &f("batches/a"),
        "--new",
        &f("batches/b"),
        "--format",
        "json",
    ]);
    let v = json(&out);
    assert_eq!(v["counts"]["regression"], 1);
    assert_eq!(v["counts"]["new"], 1);
}

#[test]
fn markdown_and_github_formats() {
    let md = stdout(&wsreport(&["check", &f("new"), "--format", "markdown"]));
    assert!(md.starts_with("### check FAILED"), "{md}");
    assert!(md.contains("| demo server | 2.11 | fail |"), "{md}");
    let gh = stdout(&wsreport(&["check", &f("new"), "--format", "github"]));
    assert!(
        gh.contains("::error title=wsreport rfc%3A case 2.11 (demo server)::2.11 FAILED: 1 of 1 expected message never arrived; close UNCLEAN (expected OK/OK under rfc)"),
        "{gh}"
    );
    let gh = stdout(&wsreport(&[
        "compare",
        &f("old"),
        &f("new"),
        "--format",
        "github",
    ]));
    assert!(gh.contains("::error title=wsreport compare%3A case 2.11 (demo server)::regression: OK/OK → FAILED/UNCLEAN"), "{gh}");
}

/// Validates with `xmllint --schema` (libxml2-utils). Without xmllint the test says so and
/// passes, unless `CI` is set: CI installs it and must validate.
fn validate_junit(xml: &str, name: &str) {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join(name);
    std::fs::write(&file, xml).unwrap();
    let xsd = fixtures().join("junit").join("junit.xsd");
    match Command::new("xmllint")
        .args(["--noout", "--schema"])
        .arg(&xsd)
        .arg(&file)
        .output()
    {
        Ok(out) => assert!(
            out.status.success(),
            "{name} does not validate: {}\n{xml}",
            String::from_utf8_lossy(&out.stderr)
        ),
        Err(e) if std::env::var_os("CI").is_none() => {
            eprintln!("xmllint not available ({e}); JUnit schema validation skipped");
        }
        Err(e) => panic!("xmllint is required in CI: {e}"),
    }
}

#[test]
fn junit_output_validates_against_the_junit_schema() {
    let base = baseline_of("old", "junit-baseline.json");
    let out = wsreport(&[
        "check",
        &f("new"),
        "--baseline",
        base.to_str().unwrap(),
        "--format",
        "junit",
    ]);
    let xml = stdout(&out);
    assert!(
        xml.contains(r#"<testcase name="2.11" classname="2 Pings/Pongs">"#),
        "{xml}"
    );
    assert!(xml.contains(r#"type="regression""#), "{xml}");
    validate_junit(&xml, "check.xml");
    let out = wsreport(&[
        "check",
        &f("old"),
        "--unimplemented",
        "skip",
        "--format",
        "junit",
    ]);
    let xml = stdout(&out);
    assert!(xml.contains("<skipped"), "{xml}");
    validate_junit(&xml, "check-skip.xml");
    let out = wsreport(&["compare", &f("old"), &f("new"), "--format", "junit"]);
    validate_junit(&stdout(&out), "compare.xml");
}

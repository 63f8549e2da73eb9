//! `wsreport explain` as a user runs it: exit statuses and formats.

use std::process::Command;

fn wsreport(args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_wsreport"))
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_clear()
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

#[test]
fn exit_statuses() {
    // file or args, expected status
    let rows: &[(&[&str], i32)] = &[
        (&["explain", "2.11", "fixtures/reports/clients"], 0),
        (
            &[
                "explain",
                "fixtures/reports/clients/stratus_2_case_2_11.json",
            ],
            0,
        ),
        (&["explain", "--all", "fixtures/reports/servers"], 0),
        (&["explain", "9.9.9", "fixtures/reports/clients"], 2),
        (
            &[
                "explain",
                "2.11",
                "fixtures/reports/clients",
                "--agent",
                "x",
            ],
            2,
        ),
        (&["explain", "2.11", "fixtures/no-such-dir"], 2),
        (&["explain", "not-a-case"], 2),
        (&["explain", "Cargo.toml"], 2),
    ];
    for (args, want) in rows {
        let (code, _, err) = wsreport(args);
        assert_eq!(code, *want, "{args:?}: {err}");
    }
}

#[test]
fn json_is_the_explanation_document() {
    let (code, out, _) = wsreport(&[
        "explain",
        "2.11",
        "fixtures/reports/clients",
        "--format",
        "json",
    ]);
    assert_eq!(code, 0);
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["fault"], "split-reads");
    assert!(
        v["headline"]
            .as_str()
            .unwrap()
            .contains("10 of 10 expected pongs never arrived"),
        "{}",
        v["headline"]
    );
}

#[test]
fn markdown_has_the_headline_as_heading() {
    let (code, out, _) = wsreport(&[
        "explain",
        "2.11",
        "fixtures/reports/clients",
        "--format",
        "markdown",
    ]);
    assert_eq!(code, 0);
    assert!(out.starts_with("### 2.11 FAILED"), "{out}");
}

#[test]
fn case_describes_a_case_from_the_catalog_alone() {
    let (code, out, err) = wsreport(&["case", "2.11", "--format", "json"]);
    assert_eq!(code, 0, "{err}");
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["id"], "2.11");
    let keys: Vec<&str> = v["faults"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["key"].as_str().unwrap())
        .collect();
    assert!(
        keys.contains(&"split-reads") && keys.contains(&"no-pong"),
        "{keys:?}"
    );
    assert!(
        v["sends"]
            .as_array()
            .unwrap()
            .iter()
            .any(|s| s.as_str().unwrap().contains("close-after timer: 3 s"))
    );
    let (code, out, _) = wsreport(&["case", "2.11"]);
    assert_eq!(code, 0);
    assert!(out.lines().all(|l| l.chars().count() <= 80), "{out}");
    assert_eq!(wsreport(&["case", "99.1"]).0, 2);
}

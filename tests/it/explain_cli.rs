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

//! `wsreport summarize` run as a user runs it: the real binary, a clean environment.

use std::path::{Path, PathBuf};
use std::process::Output;

use serde_json::Value;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/reports")
}

use crate::common::wsreport_in as wsreport;

fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}",
            String::from_utf8_lossy(&out.stdout)
        )
    })
}

fn stderr_lines(out: &Output) -> Vec<String> {
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn parent_directory_yields_both_modes_with_counts() {
    let out = wsreport(
        &["summarize", "fixtures/reports", "--format", "json"],
        Path::new(env!("CARGO_MANIFEST_DIR")),
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json_of(&out);
    let reports = v["reports"].as_array().unwrap();
    assert_eq!(reports.len(), 2);
    assert_eq!(reports[0]["path"], "fixtures/reports/clients");
    assert_eq!(reports[0]["mode"], "clients");
    assert_eq!(reports[0]["testsuite"], "25.10.1-0.10.9");
    assert_eq!(reports[1]["mode"], "servers");
    assert_eq!(reports[1]["testsuite"], "0.8.2-0.10.9");
    let stratus = &reports[0]["agents"][1];
    assert_eq!(stratus["agent"], "stratus@2");
    assert_eq!(stratus["cases"], 6);
    assert_eq!(stratus["behavior"]["FAILED"], 1);
    assert_eq!(stratus["behaviorClose"]["UNCLEAN"], 1);
    assert_eq!(stratus["duration_ms"], 3 + 3008 + 4002 + 2005 + 41 + 2);
    let cats: Vec<&str> = stratus["categories"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["category"].as_str().unwrap())
        .collect();
    assert_eq!(cats, ["1", "2", "6", "7", "12"]);
    assert_eq!(stratus["categories"][1]["title"], "Pings/Pongs");
    assert_eq!(stratus["categories"][1]["behavior"]["FAILED"], 1);
    let server = &reports[1]["agents"][0];
    for (word, n) in [
        ("OK", 5),
        ("WRONG CODE", 1),
        ("FAILED BY CLIENT", 1),
        ("UNCLEAN", 1),
    ] {
        assert_eq!(server["behaviorClose"][word], n, "{word}");
    }
    assert_eq!(v["errors"], Value::Array(vec![]));
}

#[test]
fn index_file_and_single_case_file_are_accepted() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = wsreport(
        &[
            "summarize",
            "fixtures/reports/servers/index.json",
            "--format",
            "json",
        ],
        root,
    );
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(json_of(&out)["reports"][0]["agents"][0]["cases"], 8);

    let out = wsreport(
        &[
            "summarize",
            "fixtures/reports/clients/stratus_2_case_2_11.json",
            "--format",
            "json",
        ],
        root,
    );
    assert_eq!(out.status.code(), Some(0));
    let v = json_of(&out);
    assert_eq!(v["reports"][0]["mode"], "clients");
    assert_eq!(v["reports"][0]["agents"][0]["agent"], "stratus@2");
    assert_eq!(v["reports"][0]["agents"][0]["behavior"]["FAILED"], 1);
}

#[test]
fn table_and_markdown_show_every_agent_side_by_side() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let table = wsreport(&["summarize", "fixtures/reports/clients"], root);
    assert_eq!(table.status.code(), Some(0));
    let text = String::from_utf8(table.stdout).unwrap();
    assert!(!text.contains('\u{1b}'), "no colour when piped:\n{text}");
    let header = text.lines().nth(2).unwrap();
    assert!(
        header.contains("nimbus/1.0") && header.contains("stratus@2"),
        "{header}"
    );
    assert!(text.contains("testsuite 25.10.1-0.10.9"));

    let md = wsreport(
        &[
            "summarize",
            "fixtures/reports/clients",
            "--format",
            "markdown",
        ],
        root,
    );
    let text = String::from_utf8(md.stdout).unwrap();
    assert!(text.contains("| | nimbus/1.0 | stratus@2 |"), "{text}");
    assert!(text.contains("| behavior FAILED | 0 | 1 |"), "{text}");

    let colour = wsreport(
        &["summarize", "fixtures/reports/clients", "--color", "always"],
        root,
    );
    assert!(String::from_utf8(colour.stdout).unwrap().contains('\u{1b}'));
}

/// A scratch copy of the servers fixture, with one file replaced.
fn broken_copy(tmp: &Path, name: &str, file: &str, content: &[u8]) -> PathBuf {
    let dir = tmp.join(name);
    std::fs::create_dir_all(&dir).unwrap();
    for e in std::fs::read_dir(fixtures().join("servers")).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), dir.join(e.file_name())).unwrap();
    }
    std::fs::write(dir.join(file), content).unwrap();
    dir
}

#[test]
fn every_bad_input_gives_one_line_and_the_rest_is_read() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let index = std::fs::read_to_string(fixtures().join("servers/index.json")).unwrap();
    let cases: Vec<(PathBuf, &str)> = vec![
        (
            broken_copy(t, "truncated", "index.json", &index.as_bytes()[..200]),
            "invalid JSON at line",
        ),
        (
            broken_copy(
                t,
                "wrongtype",
                "index.json",
                index
                    .replacen("\"duration\": 2,", "\"duration\": \"2\",", 1)
                    .as_bytes(),
            ),
            "case \"1.1.1\" duration: expected a non-negative integer, found a string",
        ),
        (
            broken_copy(t, "notutf8", "index.json", b"{\"Echo Server\": {\xff}}"),
            "not valid UTF-8",
        ),
        (broken_copy(t, "empty", "index.json", b""), "empty file"),
        (
            {
                let d = broken_copy(t, "missing", "index.json", index.as_bytes());
                std::fs::remove_file(d.join("echo_server_case_3_1.json")).unwrap();
                d
            },
            "case file missing (agent \"Echo Server\" case 3.1)",
        ),
        (
            broken_copy(
                t,
                "escape",
                "index.json",
                index
                    .replacen("echo_server_case_5_1.json", "../../etc/passwd", 1)
                    .as_bytes(),
            ),
            "agent \"Echo Server\" case 5.1: reportfile \"../../etc/passwd\" points outside the report directory; refused",
        ),
        (
            {
                let d = t.join("nothing");
                std::fs::create_dir_all(&d).unwrap();
                std::fs::write(d.join("notes.txt"), "hello").unwrap();
                d
            },
            "no Autobahn report here",
        ),
    ];
    for (dir, want) in &cases {
        let good = fixtures().join("clients");
        let out = wsreport(
            &[
                "summarize",
                dir.to_str().unwrap(),
                good.to_str().unwrap(),
                "--format",
                "json",
            ],
            t,
        );
        assert_eq!(out.status.code(), Some(2), "{}", dir.display());
        let lines = stderr_lines(&out);
        assert_eq!(lines.len(), 1, "{}: {lines:?}", dir.display());
        assert!(
            lines[0].contains(dir.to_str().unwrap()),
            "names the file: {}",
            lines[0]
        );
        assert!(lines[0].contains(want), "{}: {}", dir.display(), lines[0]);
        let v = json_of(&out);
        let paths: Vec<&str> = v["reports"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["path"].as_str().unwrap())
            .collect();
        assert!(
            paths.contains(&good.to_str().unwrap()),
            "the good report is still read"
        );
        assert_eq!(v["errors"].as_array().unwrap().len(), 1);
        assert!(v["errors"][0]["error"].as_str().unwrap().contains(want));
    }
}

#[test]
fn a_missing_path_is_an_input_error() {
    let out = wsreport(
        &["summarize", "no/such/dir"],
        Path::new(env!("CARGO_MANIFEST_DIR")),
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr_lines(&out)[0].contains("no/such/dir: cannot read"));
}

#[test]
fn usage_errors_exit_2_and_help_teaches() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = wsreport(&["summarize", "--format", "yaml"], root);
    assert_eq!(out.status.code(), Some(2));
    let help = wsreport(&["summarize", "--help"], root);
    let text = String::from_utf8(help.stdout).unwrap();
    assert!(
        text.contains("Examples:") && text.contains("--format"),
        "{text}"
    );
}

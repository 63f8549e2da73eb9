//! Hostile report files through the real binary (issue 15): each one is refused in one line
//! naming the file, every other input is still read, nothing outside the named paths is
//! opened or written, and nothing hangs, crashes or reads without bound.

use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

fn wsreport(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_wsreport"))
        .args(args)
        .env_clear()
        .output()
        .expect("the binary runs")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// A copy of `fixtures/reports/clients` (2 agents, 13 cases) in `dir/name`.
fn clients_copy(dir: &Path, name: &str) -> PathBuf {
    let to = dir.join(name);
    fs::create_dir_all(&to).unwrap();
    for e in fs::read_dir(fixtures().join("reports/clients")).unwrap() {
        let e = e.unwrap();
        fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
    to
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn deeply_nested_repr_is_one_error_and_the_other_inputs_are_still_read() {
    let tmp = tempfile::tempdir().unwrap();
    let deep = format!("{}{}", "[".repeat(50_000), "]".repeat(50_000));
    let seed = fs::read_to_string(fixtures().join("seed/case-2.11-stratus-page-text.txt")).unwrap();
    let text = seed.replacen("Observed:\n[]", &format!("Observed:\n{deep}"), 1);
    assert_ne!(text, seed);
    let page_text = tmp.path().join("deep_case_2_11.txt");
    fs::write(&page_text, text).unwrap();
    let page = fs::read_to_string(fixtures().join("html/tiny_1_case_2_11.html")).unwrap();
    let html = page.replacen(
        "[('pong', u'payload-0'), ('message', '0xfefe', True)]",
        &deep,
        1,
    );
    assert_ne!(html, page);
    let page_html = tmp.path().join("deep_case_2_11.html");
    fs::write(&page_html, html).unwrap();
    let clients = fixtures().join("reports/clients");
    // Before: SIGABRT (stack overflow), and the clients report was never summarized.
    let out = wsreport(&["summarize", s(&page_text), s(&page_html), s(&clients)]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    for p in [&page_text, &page_html] {
        let line = err
            .lines()
            .find(|l| l.contains(s(p)))
            .unwrap_or_else(|| panic!("no line names {}: {err}", p.display()));
        assert!(line.contains("nested deeper than 64"), "{line}");
    }
    assert!(stdout(&out).contains("nimbus/1.0"), "{}", stdout(&out));
}

#[cfg(unix)]
fn mkfifo(path: &Path) {
    let status = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(status.success());
}

#[cfg(unix)]
#[test]
fn fifo_case_files_and_indexes_are_refused_not_waited_on() {
    let tmp = tempfile::tempdir().unwrap();
    let report = clients_copy(tmp.path(), "r");
    let case = report.join("stratus_2_case_2_11.json");
    fs::remove_file(&case).unwrap();
    mkfifo(&case);
    // Before: `check`, `export` and `explain` blocked for ever on the FIFO.
    for args in [
        vec!["check", s(&report)],
        vec!["explain", "2.11", s(&report), "--agent", "stratus@2"],
        vec!["export", s(&report), "--out", s(&tmp.path().join("out"))],
    ] {
        let out = wsreport(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        let err = stderr(&out);
        assert!(
            err.lines()
                .any(|l| l.contains(s(&case)) && l.contains("not a regular file (a FIFO)")),
            "{args:?}: {err}"
        );
    }
    // The index itself as a FIFO, named or found in its directory.
    let index = report.join("index.json");
    fs::remove_file(&index).unwrap();
    mkfifo(&index);
    for path in [&index, &report] {
        let out = wsreport(&["summarize", s(path)]);
        assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
        assert!(stderr(&out).contains("a FIFO"), "{}", stderr(&out));
    }
}

#[cfg(target_os = "linux")]
#[test]
fn a_character_device_is_refused_not_read_until_memory_runs_out() {
    let out = wsreport(&["explain", "/dev/zero"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("/dev/zero: not a regular file (a character device)"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn files_over_the_size_limit_are_refused_and_the_limit_can_be_raised() {
    let tmp = tempfile::tempdir().unwrap();
    let report = clients_copy(tmp.path(), "r");
    let index = report.join("index.json");
    let size = fs::metadata(&index).unwrap().len();
    let small = (size - 1).to_string();
    let out = wsreport(&["summarize", s(&report), "--max-file-size", &small]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let want = format!(
        "{}: {size} octets, more than the {small}-octet limit",
        s(&index)
    );
    assert!(stderr(&out).contains(&want), "{}", stderr(&out));
    let out = wsreport(&[
        "summarize",
        s(&report),
        "--max-file-size",
        &size.to_string(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // The environment variable sets it too.
    let out = Command::new(env!("CARGO_BIN_EXE_wsreport"))
        .args(["summarize", s(&report)])
        .env_clear()
        .env("WSREPORT_MAX_FILE_SIZE", &small)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
}

#[cfg(unix)]
#[test]
fn a_reportfile_through_a_symlinked_directory_is_refused_never_opened() {
    let tmp = tempfile::tempdir().unwrap();
    let report = clients_copy(tmp.path(), "r");
    // A directory outside the report holds a case file; the report links to it.
    let outside = tmp.path().join("elsewhere");
    fs::create_dir(&outside).unwrap();
    fs::rename(
        report.join("stratus_2_case_2_11.json"),
        outside.join("stratus_2_case_2_11.json"),
    )
    .unwrap();
    std::os::unix::fs::symlink(&outside, report.join("sub")).unwrap();
    let index = report.join("index.json");
    let text = fs::read_to_string(&index).unwrap();
    let text = text.replace(
        "\"stratus_2_case_2_11.json\"",
        "\"sub/stratus_2_case_2_11.json\"",
    );
    fs::write(&index, text).unwrap();
    // Before: the file outside the report was read and explained.
    let out = wsreport(&["explain", "2.11", s(&report), "--agent", "stratus@2"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains("points outside the report directory; refused"),
        "{}",
        stderr(&out)
    );
    let out = wsreport(&["check", s(&report)]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("refused"), "{}", stderr(&out));
    // A real subdirectory inside the report is fine.
    fs::remove_file(report.join("sub")).unwrap();
    fs::create_dir(report.join("sub")).unwrap();
    fs::rename(
        outside.join("stratus_2_case_2_11.json"),
        report.join("sub/stratus_2_case_2_11.json"),
    )
    .unwrap();
    let out = wsreport(&["explain", "2.11", s(&report), "--agent", "stratus@2"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

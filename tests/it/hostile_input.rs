//! Hostile report files through the real binary (issue 15): each one is refused in one line
//! naming the file, every other input is still read, nothing outside the named paths is
//! opened or written, and nothing hangs, crashes or reads without bound.

use crate::common::wsreport;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
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

/// A report in `dir/in` with one case (1.1.1) per agent, each case file telling its agent
/// and a duration of its own (the agent's position).
fn report_of_agents(dir: &Path, agents: &[&str]) -> PathBuf {
    let input = dir.join("in");
    fs::create_dir_all(&input).unwrap();
    let case: serde_json::Value = serde_json::from_slice(
        &fs::read(fixtures().join("reports/clients/nimbus_1_0_case_1_1_1.json")).unwrap(),
    )
    .unwrap();
    let mut index = serde_json::Map::new();
    for (i, agent) in agents.iter().enumerate() {
        let file = format!("in{i}_case_1_1_1.json");
        let mut c = case.clone();
        c["agent"] = (*agent).into();
        c["duration"] = i.into();
        fs::write(input.join(&file), serde_json::to_vec(&c).unwrap()).unwrap();
        index.insert(
            agent.to_string(),
            serde_json::json!({"1.1.1": {"behavior": "OK", "behaviorClose": "OK",
                "duration": i, "remoteCloseCode": 1000, "reportfile": file}}),
        );
    }
    fs::write(
        input.join("index.json"),
        serde_json::to_vec(&index).unwrap(),
    )
    .unwrap();
    input
}

#[test]
fn export_gives_agents_that_fold_to_one_file_name_their_own_files() {
    let tmp = tempfile::tempdir().unwrap();
    let long = "x".repeat(300);
    let agents = ["a/b", "A B", "a_b", "", ".", "..", long.as_str()];
    let input = report_of_agents(tmp.path(), &agents);
    let out_dir = tmp.path().join("out");
    // Before: the agents overwrote each other's files, and the long name aborted everything.
    let out = wsreport(&["export", s(&input), "--out", s(&out_dir), "--html"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let index: serde_json::Value =
        serde_json::from_slice(&fs::read(out_dir.join("index.json")).unwrap()).unwrap();
    let html = fs::read_to_string(out_dir.join("index.html")).unwrap();
    let mut seen = std::collections::HashSet::new();
    for (i, agent) in agents.iter().enumerate() {
        let file = index[*agent]["1.1.1"]["reportfile"].as_str().unwrap();
        assert!(seen.insert(file.to_string()), "{agent:?} shares {file}");
        assert!(file.len() < 255, "{file}");
        let case: serde_json::Value =
            serde_json::from_slice(&fs::read(out_dir.join(file)).unwrap()).unwrap();
        assert_eq!(case["agent"], *agent, "{file}");
        assert_eq!(case["duration"], i, "{file}");
        let page = file.replace(".json", ".html");
        assert!(out_dir.join(&page).is_file(), "{page}");
        assert!(
            html.contains(&format!("href=\"{page}\"")),
            "{page} not linked"
        );
    }
    // Read back, every agent has its own case.
    let out = wsreport(&["summarize", s(&out_dir), "--format", "json"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
}

#[cfg(unix)]
#[test]
fn export_never_writes_through_a_link_in_the_output_directory() {
    let tmp = tempfile::tempdir().unwrap();
    let input = report_of_agents(tmp.path(), &["a", "b"]);
    let victim = tmp.path().join("victim");
    fs::write(&victim, "keep").unwrap();
    let out_dir = tmp.path().join("out");
    fs::create_dir(&out_dir).unwrap();
    std::os::unix::fs::symlink(&victim, out_dir.join("a_case_1_1_1.json")).unwrap();
    // Before: the victim outside DIR was overwritten with agent a's case.
    let out = wsreport(&["export", s(&input), "--out", s(&out_dir)]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(fs::read_to_string(&victim).unwrap(), "keep");
    assert!(
        stderr(&out)
            .contains("a_case_1_1_1.json: cannot write: a symbolic link is there; not followed"),
        "{}",
        stderr(&out)
    );
    // The other agent was still exported, and the index says what was written.
    let index: serde_json::Value =
        serde_json::from_slice(&fs::read(out_dir.join("index.json")).unwrap()).unwrap();
    assert_eq!(index["b"]["1.1.1"]["reportfile"], "b_case_1_1_1.json");
    assert!(
        index["a"]["1.1.1"]
            .get("reportfile")
            .is_none_or(|v| v.is_null()),
        "{index}"
    );
    // A link as the index itself is refused too.
    fs::remove_file(out_dir.join("index.json")).unwrap();
    std::os::unix::fs::symlink(&victim, out_dir.join("index.json")).unwrap();
    let out = wsreport(&["export", s(&input), "--out", s(&out_dir)]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(fs::read_to_string(&victim).unwrap(), "keep");
}

/// Characters that XML 1.0 does not allow, raw or as character references.
fn xml_invalid(xml: &str) -> Option<String> {
    if let Some(c) = xml
        .chars()
        .find(|c| matches!(c, '\u{0}'..='\u{8}' | '\u{b}' | '\u{c}' | '\u{e}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}'))
    {
        return Some(format!("{c:?}"));
    }
    let refs = regex::Regex::new(r"&#(x[0-9a-fA-F]+|[0-9]+);").unwrap();
    refs.captures_iter(xml).find_map(|c| {
        let n = match c[1].strip_prefix('x') {
            Some(h) => u32::from_str_radix(h, 16).ok()?,
            None => c[1].parse().ok()?,
        };
        (n < 0x20 && ![9, 10, 13].contains(&n) || n == 0xfffe || n == 0xffff)
            .then(|| c[0].to_string())
    })
}

#[test]
fn junit_output_stays_xml_whatever_the_agent_name_holds() {
    let tmp = tempfile::tempdir().unwrap();
    let input = report_of_agents(tmp.path(), &["a\u{fffe}b\u{ffff}\u{1}\u{1b}[2J"]);
    // Before: U+FFFE and U+FFFF went into the document, which no XML reader takes.
    let out = wsreport(&["check", s(&input), "--format", "junit"]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let xml = stdout(&out);
    assert_eq!(xml_invalid(&xml), None, "{xml}");
    assert!(xml.contains(r"a\u{fffe}b\u{ffff}"), "{xml}");
}

#[test]
fn explain_shows_a_reports_escape_sequences_instead_of_sending_them_to_the_terminal() {
    let tmp = tempfile::tempdir().unwrap();
    let agent = "evil\u{1b}]0;owned\u{7}\u{1b}[2J\r\n# heading <img src=x>";
    let input = report_of_agents(tmp.path(), &[agent]);
    let case = input.join("in0_case_1_1_1.json");
    let mut c: serde_json::Value = serde_json::from_slice(&fs::read(&case).unwrap()).unwrap();
    c["behavior"] = "FAILED".into();
    c["result"] = "peer said \u{1b}[31mred\u{9b}0m".into();
    fs::write(&case, serde_json::to_vec(&c).unwrap()).unwrap();
    let index = input.join("index.json");
    let text = fs::read_to_string(&index)
        .unwrap()
        .replace("\"OK\",\"behaviorClose\"", "\"FAILED\",\"behaviorClose\"");
    fs::write(&index, text).unwrap();
    // Before: the title-setting and screen-clearing sequences reached the terminal raw.
    let out = wsreport(&["explain", "1.1.1", s(&input)]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        !text.contains('\u{1b}') && !text.contains('\u{9b}') && !text.contains('\r'),
        "{text:?}"
    );
    assert!(
        text.contains(r"evil\u{1b}]0;owned\u{7}\u{1b}[2J\r\n# heading"),
        "{text}"
    );
    // Markdown: the newline in the name starts no heading, the tag is no HTML.
    let out = wsreport(&["explain", "1.1.1", s(&input), "--format", "markdown"]);
    let md = stdout(&out);
    assert!(!md.lines().any(|l| l.starts_with("# heading")), "{md}");
    // `<img>` is shown only inside the agent's code span, where it is text.
    assert!(
        md.lines()
            .filter(|l| l.contains("<img"))
            .all(|l| l.starts_with("Agent `evil")),
        "{md}"
    );
    assert!(!md.contains('\u{1b}') && !md.contains('\r'), "{md:?}");
}

#[tokio::test]
async fn the_fuzzing_servers_control_endpoints_answer_a_malformed_request_with_a_status() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let tmp = tempfile::tempdir().unwrap();
    let plan = wsreport::fuzzingserver::plan::FuzzingServerCommand {
        cases: vec!["1.1.1".into()],
        out: Some(tmp.path().join("clients")),
        listen: Some("127.0.0.1:0".into()),
        ..Default::default()
    }
    .plan()
    .unwrap();
    let listener = tokio::net::TcpListener::bind(&plan.listen).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(wsreport::fuzzingserver::serve(
        listener,
        std::sync::Arc::new(wsreport::fuzzingserver::plan::state_for(&plan)),
        std::sync::Arc::new(wsreport::fuzzingserver::runner::EngineRunner::default()),
        std::sync::Arc::new(wsreport::fuzzingserver::runner::ClientsReportWriter),
    ));
    let huge = format!(
        "GET /getCaseCount HTTP/1.1\r\nX: {}\r\n\r\n",
        "a".repeat(20_000)
    );
    for (request, want) in [
        // Before: closed without a word (no HTTP status).
        (
            "GET /getCaseCount HTTP/1.1\r\nHost: x\r\n\r\n".to_string(),
            "HTTP/1.1 4",
        ),
        (
            "GET /updateReports?agent=a HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\r\n".into(),
            "HTTP/1.1 4",
        ),
        (
            "POST /stopServer HTTP/1.1\r\nHost: x\r\n\r\n".into(),
            "HTTP/1.1 4",
        ),
        (huge, "HTTP/1.1 431"),
    ] {
        let mut s = tokio::net::TcpStream::connect(addr).await.unwrap();
        let _ = s.write_all(request.as_bytes()).await;
        let mut answer = Vec::new();
        let _ = tokio::time::timeout(
            std::time::Duration::from_secs(10),
            s.read_to_end(&mut answer),
        )
        .await
        .expect("answered and closed");
        let answer = String::from_utf8_lossy(&answer);
        assert!(
            answer.starts_with(want),
            "{:?} → {answer:?}",
            &request[..40]
        );
    }
    server.abort();
}

#[test]
fn duplicate_index_keys_and_case_files_are_said_and_counted_once() {
    let tmp = tempfile::tempdir().unwrap();
    let report = clients_copy(tmp.path(), "r");
    let index = report.join("index.json");
    // The first agent's 1.1.1 entry written twice.
    let text = fs::read_to_string(&index).unwrap();
    let entry_start = text.find("\"1.1.1\"").unwrap();
    let entry_end = entry_start + text[entry_start..].find('}').unwrap() + 1;
    let entry = &text[entry_start..entry_end];
    let text = format!("{}{entry},\n{}", &text[..entry_start], &text[entry_start..]);
    fs::write(&index, text).unwrap();
    // Before: 14 cases counted for nimbus/1.0 (7 in the report), exit 0, no word.
    let out = wsreport(&["summarize", s(&report), "--format", "json"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["reports"][0]["agents"][0]["cases"], 7, "{json}");
    assert!(
        stderr(&out)
            .contains("agent \"nimbus/1.0\" case \"1.1.1\": appears more than once in the index"),
        "{}",
        stderr(&out)
    );
    // Case files without an index: a second file for one agent and case.
    fs::remove_file(&index).unwrap();
    let copy = report.join("zz_copy_case_1_1_1.json");
    fs::copy(report.join("nimbus_1_0_case_1_1_1.json"), &copy).unwrap();
    let out = wsreport(&["summarize", s(&report), "--format", "json"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["reports"][0]["agents"][0]["cases"], 7, "{json}");
    assert!(
        stderr(&out).contains(&format!(
            "{}: agent \"nimbus/1.0\" case 1.1.1 is already in",
            s(&copy)
        )),
        "{}",
        stderr(&out)
    );
}

#[test]
fn a_page_that_is_not_utf8_is_one_error_not_replacement_characters() {
    let tmp = tempfile::tempdir().unwrap();
    let mut page = fs::read(fixtures().join("html/tiny_1_case_2_11.html")).unwrap();
    let at = page.windows(7).position(|w| w == b"payload").unwrap();
    page[at] = 0xff;
    let path = tmp.path().join("tiny_1_case_2_11.html");
    fs::write(&path, &page).unwrap();
    // Before: read with U+FFFD in place of the byte, exit 0.
    let out = wsreport(&[
        "summarize",
        s(&path),
        s(&fixtures().join("reports/clients")),
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!(
            "{}: not valid UTF-8 (first bad byte at offset {at})",
            s(&path)
        )),
        "{}",
        stderr(&out)
    );
    assert!(stdout(&out).contains("nimbus/1.0"), "{}", stdout(&out));
}

#[test]
fn baseline_and_compare_report_a_missing_case_file_as_check_does() {
    let tmp = tempfile::tempdir().unwrap();
    let report = clients_copy(tmp.path(), "r");
    let case = report.join("stratus_2_case_2_11.json");
    fs::remove_file(&case).unwrap();
    let clients = fixtures().join("reports/clients");
    // Before: `baseline` and `compare` exited 0 and said nothing; `check` gave 1 only.
    for args in [
        vec!["baseline", s(&report)],
        vec!["compare", s(&report), s(&clients)],
        vec!["check", s(&report)],
    ] {
        let out = wsreport(&args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        let want = format!(
            "{}: case file missing (agent \"stratus@2\" case 2.11)",
            s(&case)
        );
        assert!(stderr(&out).contains(&want), "{args:?}: {}", stderr(&out));
    }
    // Without its case file, check's reason is the verdicts alone.
    let out = wsreport(&["check", s(&report)]);
    assert!(
        stdout(&out).contains("behavior FAILED, close UNCLEAN (expected OK/OK under rfc)"),
        "{}",
        stdout(&out)
    );
}

#[cfg(unix)]
#[test]
fn a_case_file_linked_from_outside_a_directory_of_case_files_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    let report = clients_copy(tmp.path(), "r");
    fs::remove_file(report.join("index.json")).unwrap();
    let outside = tmp.path().join("secret_case_9_9.json");
    fs::rename(report.join("stratus_2_case_2_11.json"), &outside).unwrap();
    let link = report.join("stratus_2_case_2_11.json");
    std::os::unix::fs::symlink(&outside, &link).unwrap();
    // Before: the file outside the directory was read as one of its cases.
    let out = wsreport(&["summarize", s(&report), "--format", "json"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(
        stderr(&out).contains(&format!("{}: a symbolic link that leads outside", s(&link))),
        "{}",
        stderr(&out)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let stratus = &json["reports"][0]["agents"][1];
    assert_eq!(stratus["agent"], "stratus@2");
    assert_eq!(stratus["cases"], 5, "{json}");
}

#[test]
fn a_reportfile_longer_than_any_path_is_refused_in_one_short_line() {
    let tmp = tempfile::tempdir().unwrap();
    let report = clients_copy(tmp.path(), "r");
    let index = report.join("index.json");
    let long = "a".repeat(100_000);
    let text = fs::read_to_string(&index)
        .unwrap()
        .replace("\"stratus_2_case_2_11.json\"", &format!("\"{long}\""));
    fs::write(&index, text).unwrap();
    let out = wsreport(&["check", s(&report)]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let err = stderr(&out);
    // Before: "case file missing" with the 100,000-character name in the line.
    assert!(
        err.contains("points outside the report directory; refused"),
        "{}",
        &err[..300.min(err.len())]
    );
    assert!(
        err.lines().all(|l| l.len() < 1000),
        "a line of {} characters",
        err.len()
    );
}

#[test]
fn summarize_and_check_tables_show_a_reports_escape_sequences() {
    let tmp = tempfile::tempdir().unwrap();
    let input = report_of_agents(tmp.path(), &["evil\u{1b}[2J\u{1b}]0;owned\u{7}"]);
    for args in [
        vec!["summarize", s(&input)],
        vec!["check", s(&input), "--policy", "strict"],
    ] {
        let out = wsreport(&args);
        let text = stdout(&out);
        // Before: the screen-clearing and title-setting sequences went to the terminal.
        assert!(
            !text.contains('\u{1b}') && !text.contains('\u{7}'),
            "{args:?}: {text:?}"
        );
    }
    let out = wsreport(&["summarize", s(&input)]);
    assert!(stdout(&out).contains(r"evil\u{1b}[2J"), "{}", stdout(&out));
}

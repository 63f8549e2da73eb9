//! `wsreport run` as a user runs it: the real binary, a clean environment, servers on
//! loopback in this process.

use std::process::Output;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use wsreport::protocol::handshake::accept_for;
use wsreport::wire::{self, Decoded, Frame, opcode};

use crate::common::wsreport_in as wsreport;

fn stderr_lines(out: &Output) -> Vec<String> {
    String::from_utf8_lossy(&out.stderr)
        .lines()
        .map(str::to_string)
        .collect()
}

fn json_of(out: &Output) -> Value {
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}):\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    })
}

#[test]
fn a_bad_spec_file_is_one_line_naming_the_file_and_the_problem() {
    let tmp = tempfile::tempdir().unwrap();
    let cases = [
        (
            "shape.json",
            r#"{"servers": "ws://x"}"#,
            "servers: expected a list",
        ),
        (
            "nourl.json",
            r#"{"servers": [{"agent": "a"}]}"#,
            "servers[0]: needs a url",
        ),
        (
            "empty.json",
            r#"{"servers": []}"#,
            "servers: no server to test",
        ),
        (
            "badurl.json",
            r#"{"servers": [{"url": "http://127.0.0.1:1"}]}"#,
            "servers[0]: `http://127.0.0.1:1` is not a ws:// or wss:// URL",
        ),
        (
            "twice.json",
            r#"{"servers": [{"url": "ws://127.0.0.1:1"}, {"url": "ws://127.0.0.1:2"}]}"#,
            "servers: agent `UnknownServer` appears twice",
        ),
        ("notjson.json", "{\"servers\": [", ""),
    ];
    for (name, text, problem) in cases {
        std::fs::write(tmp.path().join(name), text).unwrap();
        let out = wsreport(&["run", "-s", name], tmp.path());
        assert_eq!(out.status.code(), Some(2), "{name}");
        assert!(out.stdout.is_empty(), "{name}");
        let lines = stderr_lines(&out);
        assert_eq!(lines.len(), 1, "{name}: {lines:?}");
        let want = format!("wsreport: error: {name}: {problem}");
        assert!(lines[0].starts_with(&want), "{name}: {}", lines[0]);
    }
    let out = wsreport(&["run", "-s", "missing.json"], tmp.path());
    assert_eq!(out.status.code(), Some(2));
    let lines = stderr_lines(&out);
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].starts_with("wsreport: error: missing.json: cannot read"),
        "{}",
        lines[0]
    );
    // Nothing was written.
    assert!(!tmp.path().join("reports").exists());
}

#[test]
fn a_case_glob_matching_nothing_is_a_usage_error() {
    let tmp = tempfile::tempdir().unwrap();
    let out = wsreport(
        &["run", "--target", "ws://127.0.0.1:1", "--cases", "42.*"],
        tmp.path(),
    );
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(
        stderr_lines(&out),
        ["wsreport: error: --cases: case pattern `42.*` matches no case of the testsuite"]
    );
}

/// A server that completes the opening handshake, never echoes a message, never answers a
/// ping, and answers the closing handshake properly.
async fn deaf_connection(mut s: tokio::net::TcpStream) {
    let mut buf = Vec::new();
    let mut chunk = vec![0u8; 4096];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        match s.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
    let head_end = buf.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    let text = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let Some(key) = text.lines().find_map(|l| {
        l.split_once(':')
            .filter(|(k, _)| k.eq_ignore_ascii_case("sec-websocket-key"))
            .map(|(_, v)| v.trim().to_string())
    }) else {
        return;
    };
    let resp = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {}\r\n\r\n",
        accept_for(&key)
    );
    if s.write_all(resp.as_bytes()).await.is_err() {
        return;
    }
    buf.drain(..head_end);
    loop {
        while let Ok(Decoded::Complete(f)) = wire::decode(&buf) {
            buf.drain(..f.consumed);
            if f.frame.opcode == opcode::CLOSE {
                let code = f.frame.payload.get(..2).unwrap_or_default().to_vec();
                let _ = s
                    .write_all(&wire::encode(&Frame::new(opcode::CLOSE, code)))
                    .await;
                let _ = s.shutdown().await;
                return;
            }
        }
        match s.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buf.extend_from_slice(&chunk[..n]),
        }
    }
}

fn start(deaf: bool) -> (tokio::runtime::Runtime, String) {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let url = format!("ws://{}", listener.local_addr().unwrap());
    if deaf {
        rt.spawn(async move {
            while let Ok((s, _)) = listener.accept().await {
                tokio::spawn(deaf_connection(s));
            }
        });
    } else {
        rt.spawn(wsreport::serve::serve(
            listener,
            wsreport::serve::ServeOptions::default(),
        ));
    }
    (rt, url)
}

#[test]
fn exit_status_is_the_gate_s_and_json_carries_summary_check_and_skips() {
    let tmp = tempfile::tempdir().unwrap();
    let (good, good_url) = start(false);
    let (deaf, deaf_url) = start(true);

    let args = |url: &str, out: &str| {
        vec![
            "run".to_string(),
            "--target".into(),
            url.into(),
            "--cases".into(),
            "1.1.1".into(),
            "2.2".into(),
            "--jobs".into(),
            "2".into(),
            "--out".into(),
            out.into(),
            "--format".into(),
            "json".into(),
        ]
    };
    let run = |a: &[String]| {
        wsreport(
            &a.iter().map(String::as_str).collect::<Vec<_>>(),
            tmp.path(),
        )
    };

    let a = args(&good_url, "good");
    let out = run(&a);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json_of(&out);
    assert_eq!(v["check"]["passed"], true);
    assert_eq!(v["summary"]["reports"][0]["agents"][0]["cases"], 2);
    assert_eq!(v["agents"][0]["agent"], "UnknownServer");
    assert_eq!(v["agents"][0]["ran"], 2);
    assert!(tmp.path().join("good/index.html").is_file());

    let mut a = args(&deaf_url, "deaf");
    a.extend(["--policy".into(), "lenient".into()]);
    let out = run(&a);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v = json_of(&out);
    assert_eq!(v["check"]["passed"], false);
    assert_eq!(v["check"]["gating"], 2);
    let behaviors = &v["summary"]["reports"][0]["agents"][0]["behavior"];
    assert_eq!(behaviors["FAILED"], 2, "{behaviors}");

    // With a baseline of that run, the same failures are known and do not gate.
    let base = wsreport(&["baseline", "deaf"], tmp.path());
    assert_eq!(base.status.code(), Some(0));
    std::fs::write(tmp.path().join("base.json"), &base.stdout).unwrap();
    let mut a = args(&deaf_url, "deaf-again");
    a.extend(["--baseline".into(), "base.json".into()]);
    a.extend(["--dashboard".into(), "deaf.html".into()]);
    let out = run(&a);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(json_of(&out)["check"]["counts"]["known-failure"], 2);
    // --dashboard: the written report's page, diffed against the same baseline
    let page = crate::dashboard_cli::embedded(&tmp.path().join("deaf.html"));
    assert_eq!(page["columns"][0]["summary"]["cases"], 2);
    assert_eq!(page["diff"]["kind"], "baseline");
    assert_eq!(page["diff"]["counts"]["unchanged"], 2);

    // The table names the failing cases and the report directory.
    let mut a = args(&deaf_url, "deaf-table");
    a.truncate(a.len() - 2);
    let out = run(&a);
    assert_eq!(out.status.code(), Some(1));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("check FAILED"), "{text}");
    assert!(text.contains("2.2"), "{text}");
    assert!(text.contains("reports in deaf-table"), "{text}");
    drop((good, deaf));
}

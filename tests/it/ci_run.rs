//! `run`'s CI flags over loopback: shards merged (by `check` and `dashboard`) equal the
//! unsharded run, `--server-cmd` starts and stops the server, `--wait` reaches a server that
//! listens late, `--rerun-failed` names a case flaky that failed once.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;
use std::time::{Duration, Instant};

use futures_util::{SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use wsreport::compare::run::Run;
use wsreport::run::RunCommand;
use wsreport::serve::{ServeOptions, serve};
use wsreport::shard::Shard;

use crate::common::ci::{run_report as run_into, start_serve};
use crate::common::wsreport;
use crate::dashboard_cli::embedded;

/// agent → case → (behavior/behaviorClose, case number) of the reports under `paths`, merged.
fn verdicts(paths: &[PathBuf]) -> BTreeMap<String, BTreeMap<String, String>> {
    let (run, errors) = Run::load(paths);
    assert!(errors.is_empty(), "{errors:?}");
    assert!(run.conflicts.is_empty(), "{:?}", run.conflicts);
    run.agents
        .iter()
        .map(|(a, cases)| {
            let cases = cases
                .iter()
                .map(|(id, c)| {
                    let o = wsreport::compare::run::Outcome::from(&c.entry);
                    (id.to_string(), o.pair())
                })
                .collect();
            (a.clone(), cases)
        })
        .collect()
}

/// The `case` numbers written into each case file under `dir`: case id → number.
fn case_numbers(dirs: &[PathBuf]) -> BTreeMap<String, u64> {
    let mut out = BTreeMap::new();
    for dir in dirs {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            let name = p.file_name().unwrap().to_str().unwrap().to_string();
            if name.contains("_case_") && name.ends_with(".json") {
                let v: serde_json::Value =
                    serde_json::from_str(&std::fs::read_to_string(&p).unwrap()).unwrap();
                out.insert(
                    v["id"].as_str().unwrap().to_string(),
                    v["case"].as_u64().unwrap(),
                );
            }
        }
    }
    out
}

#[test]
fn three_shards_merged_equal_the_unsharded_run() {
    let (server, addr) = start_serve(ServeOptions::default());
    let tmp = tempfile::tempdir().unwrap();
    let cases: Vec<String> = [
        "1.1.*", "2.*", "3.*", "5.1", "5.2", "5.3", "6.1.*", "7.1.*", "7.7.*",
    ]
    .map(String::from)
    .to_vec();
    let base = RunCommand {
        target: Some(format!("ws://{addr}")),
        agent: Some("serve".into()),
        cases: cases.clone(),
        jobs: 4,
        ..RunCommand::default()
    };
    let whole = tmp.path().join("whole");
    let report = run_into(&RunCommand {
        out: Some(whole.clone()),
        ..base.clone()
    });
    let total = report.agents[0].ran;
    assert!(total > 40, "{total}");
    let mut shards = Vec::new();
    let mut sizes = Vec::new();
    for index in 1..=3 {
        let out = tmp.path().join(format!("shard-{index}"));
        let r = run_into(&RunCommand {
            out: Some(out.clone()),
            shard: Some(Shard { index, count: 3 }),
            ..base.clone()
        });
        sizes.push(r.agents[0].ran);
        shards.push(out);
    }
    drop(server);
    assert_eq!(sizes.iter().sum::<usize>(), total, "{sizes:?}");
    assert!(sizes.iter().max().unwrap() - sizes.iter().min().unwrap() <= 1);
    assert_eq!(verdicts(&shards), verdicts(std::slice::from_ref(&whole)));
    assert_eq!(
        case_numbers(&shards),
        case_numbers(std::slice::from_ref(&whole))
    );

    // the binary's check and summarize merge the shards as one run
    let mut args = vec!["check", "--format", "json"];
    args.extend(shards.iter().map(|p| p.to_str().unwrap()));
    let out = wsreport(&args);
    assert_eq!(out.status.code(), Some(0));
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["cases"].as_array().unwrap().len(), total);
    let summary = |paths: &[PathBuf]| {
        let mut args = vec!["summarize", "--format", "json"];
        args.extend(paths.iter().map(|p| p.to_str().unwrap()));
        let out = wsreport(&args);
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let (merged, one) = (summary(&shards), summary(std::slice::from_ref(&whole)));
    assert_eq!(merged["reports"].as_array().unwrap().len(), 1, "{merged}");
    assert_eq!(
        merged["reports"][0]["shards"].as_array().unwrap().len(),
        3,
        "{merged}"
    );
    // every count equal (the durations are two runs' own)
    let counts = |v: &serde_json::Value| {
        let mut a = v["reports"][0]["agents"].clone();
        a[0].as_object_mut().unwrap().remove("duration_ms");
        a
    };
    assert_eq!(counts(&merged), counts(&one));
    // two runs of the same agent overlap: they stay two reports
    let twice = summary(&[whole.clone(), shards[0].clone()]);
    assert_eq!(twice["reports"].as_array().unwrap().len(), 2, "{twice}");

    // and the dashboard: one column, every case, each with the unsharded run's verdicts
    let page = |paths: &[PathBuf], name: &str| {
        let file = tmp.path().join(name);
        let mut args = vec!["dashboard"];
        args.extend(paths.iter().map(|p| p.to_str().unwrap()));
        args.extend(["-o", file.to_str().unwrap()]);
        let out = wsreport(&args);
        assert_eq!(out.status.code(), Some(0), "{out:?}");
        embedded(&file)
    };
    let (sharded, unsharded) = (
        page(&shards, "shards.html"),
        page(std::slice::from_ref(&whole), "whole.html"),
    );
    let cells = |d: &serde_json::Value| -> Vec<(String, Vec<String>)> {
        d["cases"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                let cells = r["cells"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|c| format!("{}/{} {}", c["behavior"], c["close"], c["judgement"]))
                    .collect();
                (r["id"].as_str().unwrap().to_string(), cells)
            })
            .collect()
    };
    assert_eq!(sharded["columns"].as_array().unwrap().len(), 1);
    assert_eq!(
        sharded["columns"][0]["reports"],
        serde_json::json!([0, 1, 2])
    );
    assert_eq!(sharded["columns"][0]["summary"]["cases"], total);
    assert_eq!(cells(&sharded).len(), total);
    assert_eq!(cells(&sharded), cells(&unsharded));
}

/// `run --target` against a port on which the reference server starts listening only after
/// `delay`: the run is started before it listens.
fn run_against_late_server(
    delay: Duration,
    wait: Option<&str>,
) -> (std::process::Output, Duration) {
    let port = wsreport::server_cmd::free_port().unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.spawn(async move {
        tokio::time::sleep(delay).await;
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port))
            .await
            .unwrap();
        let _ = serve(listener, ServeOptions::default()).await;
    });
    let tmp = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wsreport"));
    cmd.args(["run", "--target", &format!("ws://127.0.0.1:{port}")])
        .args(["--cases", "1.1.1", "2.2", "--format", "badge", "--out"])
        .arg(tmp.path().join("reports"))
        .env_clear();
    if let Some(w) = wait {
        cmd.args(["--wait", w]);
    }
    let started = Instant::now();
    let out = cmd.output().unwrap();
    let took = started.elapsed();
    drop(rt);
    (out, took)
}

#[test]
fn wait_reaches_a_server_that_listens_late_and_without_it_the_run_fails_in_one_line() {
    let (out, took) = run_against_late_server(Duration::from_secs(1), Some("20"));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{err}");
    assert_eq!(
        String::from_utf8_lossy(&out.stdout),
        "{\"schemaVersion\":1,\"label\":\"autobahn\",\"message\":\"2/2 OK\",\"color\":\"brightgreen\"}\n"
    );
    assert!(
        took >= Duration::from_millis(900),
        "connected after {took:?}"
    );
    assert!(!err.contains("error"), "{err}");

    // without --wait: one try, refused, said in one line that names the target, at once
    let (out, took) = run_against_late_server(Duration::from_secs(10), None);
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(took < Duration::from_secs(10), "{took:?}");
    let cause: Vec<&str> = err
        .lines()
        .filter(|l| l.contains("cannot connect"))
        .collect();
    assert_eq!(cause.len(), 1, "{err}");
    assert!(
        cause[0].starts_with("wsreport: error: cannot connect to ws://127.0.0.1:")
            && cause[0].ends_with("(UnknownServer): Connection refused (os error 111)"),
        "{err}"
    );
    // the one error line, and a note on what would have waited
    assert_eq!(err.matches("error:").count(), 1, "{err}");
    assert!(err.contains("wsreport: --wait SECONDS retries"), "{err}");
}

#[test]
fn server_cmd_waits_for_a_server_that_binds_late_unless_told_not_to() {
    let bin = env!("CARGO_BIN_EXE_wsreport");
    let late = format!("sleep 1; exec {bin} serve --listen 127.0.0.1:{{port}}");
    let tmp = tempfile::tempdir().unwrap();
    let run = |wait: Option<&str>, out: &str| {
        let mut cmd = Command::new(bin);
        cmd.args(["run", "--server-cmd", &late, "--cases", "1.1.1", "--out"])
            .arg(tmp.path().join(out))
            .env_clear();
        if let Some(w) = wait {
            cmd.args(["--wait", w]);
        }
        cmd.output().unwrap()
    };
    // --server-cmd waits 30 s by default: the server is up after a second
    let o = run(None, "default");
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(tmp.path().join("default/index.json").is_file());
    // --wait 0: one try, before the server listens
    let o = run(Some("0"), "none");
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert_eq!(
        err.lines()
            .filter(|l| l.contains("cannot connect to ws://127.0.0.1:"))
            .count(),
        1,
        "{err}"
    );
    assert!(!tmp.path().join("none/index.json").exists());
}

#[test]
fn server_cmd_starts_the_server_on_a_free_port_and_stops_it() {
    let bin = env!("CARGO_BIN_EXE_wsreport");
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("reports");
    let pidfile = tmp.path().join("server.pid");
    // the server writes its pid, so the test can see it gone afterwards
    let cmd = format!(
        "echo $$ > {}; exec {bin} serve --listen 127.0.0.1:{{port}}",
        pidfile.display()
    );
    let o = Command::new(bin)
        .args([
            "run",
            "--server-cmd",
            &cmd,
            "--cases",
            "1.1.1",
            "2.2",
            "--out",
        ])
        .arg(&out)
        .args(["--wait", "20", "--format", "badge"])
        .env_clear()
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(0), "{err}");
    assert!(err.contains("wsreport: started `echo"), "{err}");
    assert_eq!(
        String::from_utf8_lossy(&o.stdout),
        "{\"schemaVersion\":1,\"label\":\"autobahn\",\"message\":\"2/2 OK\",\"color\":\"brightgreen\"}\n"
    );
    let pid = std::fs::read_to_string(&pidfile).unwrap();
    let stat = std::fs::read_to_string(format!("/proc/{}/stat", pid.trim()));
    assert!(
        stat.is_err() || stat.unwrap().contains(") Z"),
        "the server {pid} still runs"
    );
}

/// A server that fails the first WebSocket connection it gets (closes with 1000 instead of
/// echoing) and echoes on every later one: case 1.1.1 fails once, then passes.
async fn once_wrong(listener: tokio::net::TcpListener) {
    let mut n = 0;
    loop {
        let Ok((tcp, _)) = listener.accept().await else {
            return;
        };
        let Ok(mut ws) = tokio_tungstenite::accept_async(tcp).await else {
            continue; // run's reachability probe: no handshake
        };
        n += 1;
        let first = n == 1;
        tokio::spawn(async move {
            while let Some(Ok(m)) = ws.next().await {
                match m {
                    Message::Text(_) | Message::Binary(_) if first => {
                        let close = CloseFrame {
                            code: 1000.into(),
                            reason: "".into(),
                        };
                        let _ = ws.close(Some(close)).await;
                    }
                    Message::Text(_) | Message::Binary(_) => {
                        let _ = ws.send(m).await;
                    }
                    _ => {}
                }
            }
        });
    }
}

#[test]
fn a_case_that_fails_once_then_passes_is_reported_flaky() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let listener = rt
        .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
        .unwrap();
    let addr = listener.local_addr().unwrap();
    rt.spawn(once_wrong(listener));
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("reports");
    let report = run_into(&RunCommand {
        target: Some(format!("ws://{addr}")),
        agent: Some("once".into()),
        cases: vec!["1.1.1".into(), "1.1.2".into()],
        out: Some(out.clone()),
        jobs: 1,
        rerun_failed: 2,
        ..RunCommand::default()
    });
    drop(rt);
    // the testsuite's files keep the first verdict: the gate fails, and says flaky
    let check = report.check.unwrap();
    assert!(!check.passed);
    let c = &check.cases[0];
    assert_eq!((c.case.to_string().as_str(), c.flaky), ("1.1.1", true));
    assert!(!check.cases[1].flaky);
    assert_eq!(check.counts.get("flaky"), Some(&1));
    let attempts = wsreport::compare::attempts::Attempts::read(&out).unwrap();
    let pairs: Vec<String> = attempts.agents["once"]["1.1.1"]
        .iter()
        .map(|o| o.pair())
        .collect();
    assert_eq!(pairs, ["FAILED/FAILED", "OK/OK"]);

    // every output says so
    let fmt = |f: &str| {
        let o = wsreport(&["check", out.to_str().unwrap(), "--format", f]);
        String::from_utf8(o.stdout).unwrap()
    };
    assert!(fmt("table").contains("fail (flaky)"));
    assert!(fmt("markdown").contains("| fail (flaky) |"));
    assert!(fmt("json").contains("\"flaky\": true"));
    assert!(fmt("junit").contains("flaky: "));
    assert!(fmt("github").contains("::error title=wsreport rfc%3A case 1.1.1 (once)::flaky: "));
    assert!(fmt("badge").contains("1 flaky"));
    let summary = wsreport(&["summarize", out.to_str().unwrap(), "--format", "markdown"]);
    let summary = String::from_utf8(summary.stdout).unwrap();
    assert!(summary.contains("| flaky | 1 (1.1.1) |"), "{summary}");
    // and the dashboard
    let page = tmp.path().join("d.html");
    let o = wsreport(&[
        "dashboard",
        out.to_str().unwrap(),
        "-o",
        page.to_str().unwrap(),
    ]);
    assert_eq!(o.status.code(), Some(0));
    let d = embedded(&page);
    let flaky: Vec<(&str, &serde_json::Value)> = d["cases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| (r["id"].as_str().unwrap(), &r["cells"][0]["flaky"]))
        .collect();
    assert_eq!(
        flaky,
        [("1.1.1", &true.into()), ("1.1.2", &serde_json::Value::Null)]
    );
    assert_eq!(
        d["columns"][0]["summary"]["flaky"],
        serde_json::json!(["1.1.1"])
    );
}

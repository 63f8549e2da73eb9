//! The fuzzing server over loopback with the native engine: a correct masked client
//! (tokio-tungstenite, echoing) and one that does not reassemble frames split across reads run
//! cases of categories 1 and 2 through the URL protocol; the reports written on
//! `/updateReports` load with wsreport's loader and carry the verdicts the testsuite gives.
//! Bad requests never stop the server.
//!
//! `WSREPORT_ORACLE_URL=ws://127.0.0.1:PORT cargo test --test fuzzingserver_loopback -- --ignored`
//! runs the same clients against another fuzzing server (kosoku's), for the comparison.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;

use wsreport::fuzzingserver::plan::{FuzzingServerCommand, state_for};
use wsreport::fuzzingserver::runner::{ClientsReportWriter, EngineRunner};
use wsreport::fuzzingserver::serve;
use wsreport::model::Verdict;
use wsreport::wire::{self, Decoded, Frame, opcode};

const BOUND: Duration = Duration::from_secs(90);

/// A correct client: echoes every message; tungstenite answers pings and closes.
async fn good_client(url: String) {
    let Ok((mut ws, _)) = tokio_tungstenite::connect_async(&url).await else {
        return;
    };
    while let Some(msg) = ws.next().await {
        let echo = match msg {
            Ok(Message::Text(t)) => Message::Text(t),
            Ok(Message::Binary(b)) => Message::Binary(b),
            Ok(_) => continue,
            Err(_) => break,
        };
        if ws.send(echo).await.is_err() {
            break;
        }
    }
}

/// The seed's fault, in a client: every read is parsed on its own, so a frame that arrives
/// in pieces is never seen (a ping written octet by octet is never answered), and once a read
/// held a piece of a frame the parser is out of step and answers nothing more (not even the
/// close), as the seed's client.
async fn non_reassembling_client(url: String) {
    let rest = url.strip_prefix("ws://").unwrap();
    let (authority, path) = rest.split_at(rest.find('/').unwrap());
    let Ok(mut s) = TcpStream::connect(authority).await else {
        return;
    };
    let head = format!(
        "GET {path} HTTP/1.1\r\nHost: {authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    );
    if s.write_all(head.as_bytes()).await.is_err() {
        return;
    }
    let mut buf = vec![0u8; 65536];
    let mut got = Vec::new();
    while !got.windows(4).any(|w| w == b"\r\n\r\n") {
        match s.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
    }
    let after = got.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    let mut chunk = got[after..].to_vec();
    let mut lost = false;
    loop {
        let mut at = 0;
        while !lost && at < chunk.len() {
            let Ok(Decoded::Complete(f)) = wire::decode(&chunk[at..]) else {
                lost = true;
                break;
            };
            at += f.consumed;
            let reply = match f.frame.opcode {
                opcode::PING => Some(Frame::new(opcode::PONG, f.frame.payload.clone())),
                opcode::CLOSE => Some(Frame::new(opcode::CLOSE, vec![0x03, 0xe8])),
                opcode::TEXT | opcode::BINARY => {
                    Some(Frame::new(f.frame.opcode, f.frame.payload.clone()))
                }
                _ => None,
            };
            if let Some(r) = reply {
                let masked = r.with_mask(Some([1, 2, 3, 4]));
                let _ = s.write_all(&wire::encode(&masked)).await;
            }
        }
        match s.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => chunk = buf[..n].to_vec(),
        }
    }
}

/// Asks a question of the URL protocol: the text messages of the answer.
async fn ask(base: &str, path: &str) -> Vec<String> {
    let Ok((mut ws, _)) = tokio_tungstenite::connect_async(format!("{base}{path}")).await else {
        return Vec::new();
    };
    let mut got = Vec::new();
    while let Some(Ok(m)) = ws.next().await {
        if let Message::Text(t) = m {
            got.push(t.to_string());
        }
    }
    got
}

struct Server {
    base: String,
    out: PathBuf,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    _tmp: tempfile::TempDir,
}

async fn start(cases: &[&str]) -> Server {
    start_with(cases, EngineRunner::default()).await
}

async fn start_with(cases: &[&str], runner: EngineRunner) -> Server {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("clients");
    let plan = FuzzingServerCommand {
        cases: cases.iter().map(|c| c.to_string()).collect(),
        out: Some(out.clone()),
        listen: Some("127.0.0.1:0".into()),
        ..Default::default()
    }
    .plan()
    .unwrap();
    let listener = tokio::net::TcpListener::bind(&plan.listen).await.unwrap();
    let base = format!("ws://{}", listener.local_addr().unwrap());
    let task = tokio::spawn(serve(
        listener,
        Arc::new(state_for(&plan)),
        Arc::new(runner),
        Arc::new(ClientsReportWriter),
    ));
    Server {
        base,
        out,
        task,
        _tmp: tmp,
    }
}

/// Verdicts per (agent, case id) from the written reports, read back by wsreport's loader.
fn verdicts(dir: &std::path::Path) -> Vec<(String, String, Verdict, Verdict)> {
    let loaded = wsreport::load::load_paths(&[dir.to_path_buf()]);
    assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
    let mut out = Vec::new();
    for r in &loaded.reports {
        for run in &r.agents {
            for e in &run.cases {
                out.push((
                    run.agent.clone(),
                    e.id.to_string(),
                    e.behavior.clone(),
                    e.behavior_close.clone(),
                ));
            }
        }
    }
    out.sort_by(|a, b| (&a.0, &a.1).cmp(&(&b.0, &b.1)));
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn harnesses_run_cases_and_the_reports_carry_the_verdicts() {
    let server = start(&["1.*", "2.*"]).await;
    let base = server.base.clone();
    let run = async {
        assert_eq!(ask(&base, "/getCaseCount").await, ["27"]);
        // 1.1.1, 1.2.8, 2.1, 2.5 (oversized ping: the client must fail it), 2.11 (chopped pings)
        for n in [1, 16, 17, 21, 27] {
            good_client(format!("{base}/runCase?case={n}&agent=good%402")).await;
        }
        non_reassembling_client(format!("{base}/runCase?casetuple=2.11&agent=faulty")).await;
        non_reassembling_client(format!("{base}/runCase?casetuple=1.1.1&agent=faulty")).await;
        assert_eq!(
            ask(&base, "/getCaseStatus?case=27&agent=good@2").await,
            [r#"{"behavior":"OK"}"#]
        );
        assert!(ask(&base, "/updateReports?agent=good@2").await.is_empty());
    };
    tokio::time::timeout(BOUND, run).await.expect("in time");
    let got = verdicts(&server.out);
    let shown: Vec<String> = got
        .iter()
        .map(|(a, id, b, bc)| format!("{a} {id} {b} {bc}"))
        .collect();
    assert_eq!(
        shown,
        [
            "faulty 1.1.1 OK OK",
            "faulty 2.11 FAILED UNCLEAN",
            "good@2 1.1.1 OK OK",
            "good@2 1.2.8 OK OK",
            "good@2 2.1 OK OK",
            "good@2 2.11 OK OK",
            "good@2 2.5 OK OK",
        ]
    );
    // the case files are the testsuite's clients layout: isServer, the 101 in the wire log
    let case = wsreport::load::read_case_file(&server.out.join("faulty_case_2_11.json")).unwrap();
    assert_eq!(case.closing.is_server, Some(true));
    assert_eq!(case.closing.closed_by_me, Some(true));
    assert_eq!(case.closing.was_close_handshake_timeout, Some(true));
    assert_eq!(
        case.closing.was_not_clean_reason.as_deref(),
        Some("peer did not respond (in time) in closing handshake")
    );
    assert!(
        case.http_request
            .as_deref()
            .unwrap()
            .starts_with("GET /runCase?casetuple=2.11&agent=faulty HTTP/1.1\r\n")
    );
    assert!(
        case.http_response
            .as_deref()
            .unwrap()
            .starts_with("HTTP/1.1 101 Switching Protocols\r\n")
    );
    // every frame we sent is unmasked, as a server's must be (§5.1)
    assert!(
        case.wirelog
            .iter()
            .all(|row| !matches!(row, wsreport::model::WireRow::TxFrame { mask: Some(_), .. }))
    );
    assert!(server.out.join("good_2_case_2_11.html").is_file());
    assert!(server.out.join("index.html").is_file());
    server.task.abort();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_requests_never_stop_the_server() {
    let server = start(&["1.1.*"]).await;
    let base = server.base.clone();
    let addr = base.strip_prefix("ws://").unwrap().to_string();
    let run = async {
        // a client that connects and says nothing stays connected meanwhile
        let _silent = TcpStream::connect(&addr).await.unwrap();
        // garbage, an unknown path, a case out of range, a missing agent: an HTTP error each
        for request in [
            "garbage\r\n\r\n".to_string(),
            "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n".into(),
            "GET /runCase?case=99&agent=a HTTP/1.1\r\nHost: x\r\n\r\n".into(),
            "GET /runCase?case=1 HTTP/1.1\r\nHost: x\r\n\r\n".into(),
            // a runCase whose upgrade request is not one: refused by the engine (400)
            "GET /runCase?case=1&agent=a HTTP/1.1\r\nHost: x\r\n\r\n".into(),
        ] {
            let mut s = TcpStream::connect(&addr).await.unwrap();
            s.write_all(request.as_bytes()).await.unwrap();
            let mut answer = String::new();
            let _ = tokio::time::timeout(Duration::from_secs(5), s.read_to_string(&mut answer))
                .await
                .expect("answered and closed");
            let status = answer.lines().next().unwrap_or("").to_string();
            assert!(status.starts_with("HTTP/1.1 4"), "{request:?} → {answer:?}");
        }
        // a client that completes the handshake and then never reads nor closes: the case
        // still ends (the close handshake times out) and is recorded
        let mut s = TcpStream::connect(&addr).await.unwrap();
        s.write_all(
            b"GET /runCase?case=1&agent=mute HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\
              Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
              Sec-WebSocket-Version: 13\r\n\r\n",
        )
        .await
        .unwrap();
        let mut sink = Vec::new();
        let _ = tokio::time::timeout(Duration::from_secs(10), s.read_to_end(&mut sink))
            .await
            .expect("the server drops a mute client");
        // and the server still answers
        good_client(format!("{base}/runCase?case=2&agent=good")).await;
        assert_eq!(ask(&base, "/getCaseCount").await, ["8"]);
        assert!(ask(&base, "/updateReports").await.is_empty());
        let _ = ask(&base, "/stopServer").await;
    };
    tokio::time::timeout(BOUND, run).await.expect("in time");
    tokio::time::timeout(Duration::from_secs(5), server.task)
        .await
        .expect("/stopServer stops it")
        .unwrap()
        .unwrap();
    let shown: Vec<String> = verdicts(&server.out)
        .iter()
        .map(|(a, id, b, bc)| format!("{a} {id} {b} {bc}"))
        .collect();
    // 1.1.1 for the mute client: no echo (FAILED); killAfter failed the connection, so we
    // did not close first as expected (FAILED), as kosoku judges it
    assert_eq!(shown, ["good 1.1.2 OK OK", "mute 1.1.1 FAILED FAILED"]);
}

/// The same clients against another fuzzing server (kosoku's) or ours, for comparing the
/// reports each writes: every case the server counts, agents `good` and `faulty`
/// (`WSREPORT_ORACLE_FAULTY=0` leaves the faulty one out; `WSREPORT_ORACLE_BOUND` seconds
/// bound each connection, 30 by default).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
#[ignore = "needs WSREPORT_ORACLE_URL (a running fuzzing server)"]
async fn oracle_run() {
    let Some(base) = std::env::var_os("WSREPORT_ORACLE_URL") else {
        return;
    };
    let base = base.to_string_lossy().to_string();
    let secs = |name: &str, default: u64| {
        std::env::var(name)
            .ok()
            .and_then(|v| v.parse().ok())
            .unwrap_or(default)
    };
    let bound = Duration::from_secs(secs("WSREPORT_ORACLE_BOUND", 30));
    let with_faulty = secs("WSREPORT_ORACLE_FAULTY", 1) == 1;
    let count = tokio::time::timeout(bound, ask(&base, "/getCaseCount"))
        .await
        .expect("getCaseCount answered");
    eprintln!("getCaseCount: {count:?}");
    let count: usize = count[0].parse().unwrap();
    for n in 1..=count {
        let good = tokio::time::timeout(
            bound,
            good_client(format!("{base}/runCase?case={n}&agent=good")),
        );
        let good = good.await.is_ok();
        let faulty = if with_faulty {
            tokio::time::timeout(
                bound,
                non_reassembling_client(format!("{base}/runCase?case={n}&agent=faulty")),
            )
            .await
            .is_ok()
        } else {
            true
        };
        eprintln!("case {n}: good in time {good}, faulty in time {faulty}");
    }
    let _ = tokio::time::timeout(bound, ask(&base, "/updateReports?agent=good")).await;
}

/// `wsreport replay 2.11 --listen 127.0.0.1:0 --repeat 2`: the URL on the first line, one
/// verdict per connection, the explanation under a failure, exit 1 when a run fails.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn replay_listen_serves_one_case_per_connection() {
    use std::process::Stdio;
    use tokio::io::AsyncBufReadExt;

    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_wsreport"))
        .args(["replay", "2.11", "--listen", "127.0.0.1:0", "--repeat", "2"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let run = async {
        let url = lines.next_line().await.unwrap().expect("the URL first");
        assert!(url.starts_with("ws://127.0.0.1:"), "{url}");
        assert!(!url.ends_with(":0"), "the real port: {url}");
        // any path: one correct client, then one that does not reassemble reads
        good_client(format!("{url}/runCase?case=1&agent=good")).await;
        non_reassembling_client(format!("{url}/anything")).await;
        let mut rest = Vec::new();
        while let Some(l) = lines.next_line().await.unwrap() {
            rest.push(l);
        }
        (rest, child.wait().await.unwrap())
    };
    let (rest, status) = tokio::time::timeout(BOUND, run).await.expect("in time");
    let text = rest.join("\n");
    assert!(
        rest[0].starts_with("2.11     pass  behavior OK, close OK")
            && rest[0].contains("agent good (run 1/2)"),
        "{text}"
    );
    assert!(
        rest[1].starts_with("2.11     FAIL  behavior FAILED, close UNCLEAN")
            && rest[1].contains("agent UnknownClient (run 2/2)"),
        "{text}"
    );
    // the explanation follows: what was missing, and how the close went
    assert!(text.contains("pong"), "{text}");
    assert!(text.contains("replay: 1 passed, 1 failed"), "{text}");
    assert_eq!(status.code(), Some(1), "{text}");
}

/// The binary: `--listen 127.0.0.1:0` prints the real URL first; `/stopServer` ends it with
/// status 0 and the reports written.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_binary_prints_its_url_and_stops_on_request() {
    use std::process::Stdio;
    use tokio::io::AsyncBufReadExt;

    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("clients");
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_wsreport"))
        .args([
            "fuzzingserver",
            "--listen",
            "127.0.0.1:0",
            "--cases",
            "1.1.*",
        ])
        .arg("--out")
        .arg(&out)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let run = async {
        let url = lines.next_line().await.unwrap().expect("the URL first");
        assert!(
            url.starts_with("ws://127.0.0.1:") && !url.ends_with(":0"),
            "{url}"
        );
        assert_eq!(ask(&url, "/getCaseCount").await, ["8"]);
        good_client(format!("{url}/runCase?case=8&agent=bin")).await;
        let _ = ask(&url, "/stopServer").await;
        child.wait().await.unwrap()
    };
    let status = tokio::time::timeout(BOUND, run).await.expect("in time");
    assert_eq!(status.code(), Some(0));
    let shown: Vec<String> = verdicts(&out)
        .iter()
        .map(|(a, id, b, bc)| format!("{a} {id} {b} {bc}"))
        .collect();
    assert_eq!(shown, ["bin 1.1.8 OK OK"]);
}

/// A hostile client (issue 15): upgrades on `/runCase`, then sends one masked text message
/// that never ends, in 64 KiB fragments, until the server stops reading.
async fn endless_message_client(url: String) -> usize {
    let rest = url.strip_prefix("ws://").unwrap();
    let (authority, path) = rest.split_at(rest.find('/').unwrap());
    let Ok(mut s) = TcpStream::connect(authority).await else {
        return 0;
    };
    let head = format!(
        "GET {path} HTTP/1.1\r\nHost: {authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n"
    );
    if s.write_all(head.as_bytes()).await.is_err() {
        return 0;
    }
    let fragment = |op| {
        wire::encode(
            &Frame::new(op, vec![b'a'; 64 << 10])
                .with_fin(false)
                .with_mask(Some([1, 2, 3, 4])),
        )
    };
    let (first, more) = (fragment(opcode::TEXT), fragment(opcode::CONTINUATION));
    let mut sent = 0;
    if s.write_all(&first).await.is_err() {
        return sent;
    }
    sent += 64 << 10;
    // at most 1 GiB: the server must stop it long before
    while sent < 1 << 30 && s.write_all(&more).await.is_ok() {
        sent += 64 << 10;
    }
    sent
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_sending_an_endless_message_gets_its_case_failed_and_the_server_goes_on() {
    // 4 MiB (`--max-message-size`): reached well before 1.1.1's one-second kill timer
    let runner = EngineRunner {
        max_message_size: Some(4 << 20),
        ..EngineRunner::default()
    };
    let server = start_with(&["1.1.1", "1.1.2"], runner).await;
    let base = server.base.clone();
    let run = async {
        let sent = endless_message_client(format!("{base}/runCase?case=1&agent=hostile")).await;
        // refused once the total passes the cap (plus what the socket buffers held), not
        // after the client's 1 GiB
        assert!(sent < 16 << 20, "the client wrote {} MiB", sent >> 20);
        // the server still serves: the next case for a correct client, and the reports
        good_client(format!("{base}/runCase?case=2&agent=good")).await;
        assert_eq!(ask(&base, "/getCaseCount").await, ["2"]);
        assert!(ask(&base, "/updateReports").await.is_empty());
        let got = verdicts(&server.out);
        let hostile = got.iter().find(|v| v.0 == "hostile").expect("recorded");
        assert_eq!(hostile.2, Verdict::Failed);
        let good = got.iter().find(|v| v.0 == "good").expect("recorded");
        assert_eq!(good.2, Verdict::Ok);
        let case =
            wsreport::load::read_case_file(&server.out.join("hostile_case_1_1_1.json")).unwrap();
        let result = case.result.unwrap_or_default();
        assert!(
            result.contains("message exceeds payload limit of 4194304 octets"),
            "{result}"
        );
        let _ = ask(&base, "/stopServer").await;
    };
    tokio::time::timeout(BOUND, run).await.unwrap();
    let _ = tokio::time::timeout(BOUND, server.task).await;
}

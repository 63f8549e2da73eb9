//! The Autobahn cases inside `cargo test`: every case of categories 1–7 and 10 against
//! tokio-tungstenite, as a server and as a client, each case over its own
//! `tokio::io::duplex` pipe (no port, no Python, no Docker), judged under the rfc policy.
//! A deliberately broken echo shows the suite fails, names the cases and the fault.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::io::DuplexStream;
use tokio_tungstenite::tungstenite::Message;
use wsreport_engine::suite::{Results, Suite};

/// The categories the testsuite's own CI gates on for a non-compressing peer.
const CATEGORIES: [&str; 8] = ["1.*", "2.*", "3.*", "4.*", "5.*", "6.*", "7.*", "10.*"];

/// Echoes text and binary messages; pings, pongs and the close handshake are tungstenite's.
/// With `as_binary`, text comes back as binary: the fault the last test catches.
async fn echo<S>(mut ws: tokio_tungstenite::WebSocketStream<S>, as_binary: bool)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    while let Some(Ok(message)) = ws.next().await {
        let message = match message {
            Message::Text(t) if as_binary => Message::Binary(t.as_bytes().to_vec().into()),
            m if m.is_text() || m.is_binary() => m,
            _ => continue,
        };
        if ws.send(message).await.is_err() {
            break;
        }
    }
}

async fn server(stream: DuplexStream, as_binary: bool) {
    if let Ok(ws) = tokio_tungstenite::accept_async(stream).await {
        echo(ws, as_binary).await;
    }
}

async fn client(stream: DuplexStream) {
    if let Ok((ws, _)) = tokio_tungstenite::client_async("ws://localhost/", stream).await {
        echo(ws, false).await;
    }
}

/// Runs `suite`, each case over a fresh in-memory pipe whose other end `peer` is given
/// (spawned); bounded, so a suite that hangs fails the test instead of stalling CI.
async fn run_in_process<P, F>(suite: &Suite, peer: P) -> Results
where
    P: Fn(DuplexStream) -> F + Send + Sync + 'static,
    F: std::future::Future<Output = ()> + Send + 'static,
{
    let connect = move || {
        let (ours, theirs) = tokio::io::duplex(64 * 1024);
        tokio::spawn(peer(theirs));
        async move { Ok(ours) }
    };
    tokio::time::timeout(Duration::from_secs(300), suite.run(connect))
        .await
        .expect("the suite finished within 300 s")
        .expect("the selection matches cases")
}

fn ids(results: &Results) -> Vec<String> {
    results
        .cases
        .iter()
        .filter_map(|c| c.id().map(ToString::to_string))
        .collect()
}

/// The failing cases' ids, in case order.
fn failing(results: &Results) -> Vec<String> {
    results
        .failures()
        .filter_map(|c| c.id().map(ToString::to_string))
        .collect()
}

/// The diagnosis groups: each fault's key and how many cases it holds.
fn group_sizes(results: &Results) -> Vec<(&str, usize)> {
    results
        .diagnosis
        .iter()
        .map(|g| (g.key.as_str(), g.cases.len()))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokio_tungstenite_as_a_server_passes_categories_1_to_7_and_10() {
    let suite = Suite::server()
        .agent("tokio-tungstenite")
        .cases(CATEGORIES)
        .jobs(8);
    let results = run_in_process(&suite, |s| server(s, false)).await;
    assert_eq!(ids(&results).len(), suite.selected().unwrap().len());
    assert!(results.cases.len() > 240, "{}", results.cases.len());
    results.assert_pass();
    // the records are the testsuite's: the JSON carries both verdicts and the wire log
    let json = results.cases[0].to_json();
    assert_eq!(json["behavior"], "OK");
    assert_eq!(json["behaviorClose"], "OK");
    assert!(json["wirelog"].as_array().is_some_and(|w| !w.is_empty()));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn tokio_tungstenite_as_a_client_passes_categories_1_to_7_and_10() {
    let suite = Suite::client()
        .agent("tokio-tungstenite")
        .cases(CATEGORIES)
        .jobs(8);
    let results = run_in_process(&suite, client).await;
    assert!(results.cases.len() > 240, "{}", results.cases.len());
    results.assert_pass();
    // the suite played the server: the client's request is in the record
    let request = results.cases[0].case.http_request.as_deref().unwrap_or("");
    assert!(request.starts_with("GET / HTTP/1.1"), "{request}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_that_echoes_text_as_binary_fails_the_text_cases_and_says_why() {
    let suite = Suite::server()
        .agent("binary-echo")
        .cases(["1.1.*", "1.2.*"]);
    let results = run_in_process(&suite, |s| server(s, true)).await;
    let failing = failing(&results);
    let text_cases: Vec<String> = (1..=8).map(|i| format!("1.1.{i}")).collect();
    assert_eq!(failing, text_cases, "{}", results.summary());
    assert!(results.cases.iter().filter(|c| c.passed).count() == 8);
    let summary = results.summary();
    assert!(
        summary.starts_with("binary-echo: 8 of 16 cases pass under the rfc policy"),
        "{summary}"
    );
    assert!(summary.contains("\n  1.1.1 FAILED"), "{summary}");
    // the diagnosis names the fault, not the symptom, for every failing case
    let groups: Vec<(&str, Vec<String>)> = results
        .diagnosis
        .iter()
        .map(|g| {
            (
                g.key.as_str(),
                g.cases.iter().map(ToString::to_string).collect(),
            )
        })
        .collect();
    assert_eq!(groups, [("message-type", text_cases.clone())], "{summary}");
    assert!(
        summary.contains("1 message came back binary where text was expected"),
        "{summary}"
    );
    let panicked = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| results.assert_pass()));
    assert!(panicked.is_err(), "assert_pass must fail on a failing case");
}

/// Echoes like `server`, but holds every message over 64 KiB for 150 s first: longer than
/// 9.x's own timer. On tokio's paused clock the wait costs no real time.
async fn slow_server(stream: DuplexStream) {
    let Ok(mut ws) = tokio_tungstenite::accept_async(stream).await else {
        return;
    };
    while let Some(Ok(message)) = ws.next().await {
        if !(message.is_text() || message.is_binary()) {
            continue;
        }
        if message.len() > 64 * 1024 {
            tokio::time::sleep(Duration::from_secs(150)).await;
        }
        if ws.send(message).await.is_err() {
            break;
        }
    }
}

#[tokio::test(start_paused = true)]
async fn a_server_slower_than_the_cases_timer_is_diagnosed_too_slow() {
    // the chopped cases pass: frames that reach the peer in pieces are not what fails 9.x
    let slow = ["9.1.2", "9.1.3", "9.2.2"];
    let suite = Suite::server()
        .agent("slow-echo")
        .cases(
            ["1.1.6", "2.6", "2.11", "5.4", "5.5"]
                .into_iter()
                .chain(slow),
        )
        .jobs(1);
    let results = run_in_process(&suite, slow_server).await;
    let summary = results.summary();
    let failing = failing(&results);
    assert_eq!(failing, slow, "{summary}");
    // each 9.x case gave up on its own timer, before the echo's 150 s
    for c in results.failures() {
        let ms = c.case.duration_ms.unwrap_or(0);
        assert!((1..150_000).contains(&ms), "{ms} ms {summary}");
    }
    let groups = group_sizes(&results);
    assert_eq!(groups, [("too-slow", 3)], "{summary}");
    assert!(
        summary.contains("Did not receive message within"),
        "{summary}"
    );
}

/// wsreport's own `serve` behind a peer that refuses every permessage-deflate offer naming
/// `server_max_window_bits` (it drops the request's extension header, so the offer is
/// declined), as a library that implements permessage-deflate without that parameter does.
async fn serve_without_server_max_window_bits(mut stream: DuplexStream) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        match stream.read(&mut byte).await {
            Ok(1) => head.push(byte[0]),
            _ => return,
        }
    }
    let head = String::from_utf8_lossy(&head);
    let head: String = head
        .split_inclusive("\r\n")
        .filter(|line| {
            !(line
                .to_ascii_lowercase()
                .starts_with("sec-websocket-extensions:")
                && line.contains("server_max_window_bits"))
        })
        .collect();
    let (mut ours, theirs) = tokio::io::duplex(64 * 1024);
    let server = tokio::spawn(wsreport_engine::serve::handle_connection(
        theirs,
        wsreport_engine::serve::ServeOptions::default(),
    ));
    if ours.write_all(head.as_bytes()).await.is_ok() {
        let _ = tokio::io::copy_bidirectional(&mut stream, &mut ours).await;
    }
    drop(ours);
    let _ = server.await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_refusing_one_deflate_parameter_is_diagnosed_by_that_parameter() {
    let suite = Suite::server()
        .agent("no-server-max-window-bits")
        .cases(["12.1.1", "13.1.1", "13.2.1", "13.3.1", "13.4.1"]);
    let results = run_in_process(&suite, serve_without_server_max_window_bits).await;
    let summary = results.summary();
    let failing = failing(&results);
    // 13.3 and 13.4 offer server_max_window_bits (9 and 15); the others do not, and pass
    assert_eq!(failing, ["13.3.1", "13.4.1"], "{summary}");
    let groups = group_sizes(&results);
    assert_eq!(groups, [("deflate-parameter-refused", 2)], "{summary}");
    assert!(
        summary.contains("these were refused: max window bits 15; max window bits 9"),
        "{summary}"
    );
}

//! The engine over `tokio::io::duplex` against the reference server, and small parts.

use std::time::Duration;

use super::*;
use crate::model::{Verdict, WireRow};
use crate::protocol::handshake;
use crate::serve::{ServeOptions, handle_connection};

const BOUND: Duration = Duration::from_secs(10);

fn opts() -> ReplayOptions {
    ReplayOptions::client(&Target::parse("ws://127.0.0.1:9001").unwrap(), "test")
}

async fn against_reference(id: &str) -> Replayed {
    let def = catalog::build(&id.parse().unwrap()).expect("in the catalog");
    let (client, server) = tokio::io::duplex(1 << 20);
    let server = tokio::spawn(handle_connection(server, ServeOptions::default()));
    let opts = opts();
    let r = tokio::time::timeout(BOUND, replay_stream(client, &def, &opts, 1))
        .await
        .expect("replay ends in time")
        .expect("replay runs");
    let _ = tokio::time::timeout(BOUND, server).await;
    r
}

#[tokio::test(start_paused = true)]
async fn a_text_echo_passes_and_ends_at_once() {
    // tokio's paused clock moves only when every task waits on a timer
    let started = tokio::time::Instant::now();
    let r = against_reference("1.1.2").await;
    let c = &r.case;
    assert_eq!(c.behavior, Some(Verdict::Ok), "{c:#?}");
    assert_eq!(c.behavior_close, Some(Verdict::Ok));
    assert_eq!(c.closing.closed_by_me, Some(true));
    assert_eq!(c.closing.was_clean, Some(true));
    assert_eq!(c.closing.remote_close_code, Some(1000));
    assert_eq!(c.closing.local_close_code, Some(1000));
    // killAfter(1) never had to fire: the case ended before any timer
    assert!(started.elapsed() < Duration::from_secs(1));
    assert!(!c.wirelog.contains(&WireRow::KillFired));
    // the handshake octets are the first rows, as the testsuite logs them
    assert!(matches!(c.wirelog[0], WireRow::TxOctets { .. }));
    assert!(matches!(c.wirelog[1], WireRow::RxOctets(_)));
    assert!(
        c.http_request
            .as_deref()
            .unwrap()
            .starts_with("GET / HTTP/1.1\r\n")
    );
    assert!(
        c.http_response
            .as_deref()
            .unwrap()
            .starts_with("HTTP/1.1 101")
    );
    assert_eq!(c.stats.tx_frames.get(&1), Some(&1));
    assert_eq!(c.stats.rx_frames.get(&8), Some(&1));
}

#[tokio::test]
async fn a_chopped_ping_is_answered() {
    let r = against_reference("2.6").await;
    assert_eq!(r.case.behavior, Some(Verdict::Ok));
    assert_eq!(r.case.behavior_close, Some(Verdict::Ok));
    // 125 octets + 6 header + 4 mask, one octet per write
    assert_eq!(r.case.stats.tx_octets.get(&1), Some(&131));
}

#[tokio::test]
async fn an_oversized_ping_is_failed_by_the_peer() {
    let r = against_reference("2.5").await;
    let c = &r.case;
    assert_eq!(c.behavior, Some(Verdict::Ok));
    assert_eq!(c.behavior_close, Some(Verdict::Ok), "{:#?}", c.closing);
    assert_eq!(c.closing.closed_by_me, Some(false));
    assert_eq!(c.closing.remote_close_code, Some(1002));
    // the reply to the peer's close is 1000 (autobahn's echoCloseCodeReason is off)
    assert_eq!(c.closing.local_close_code, Some(1000));
}

#[tokio::test]
async fn frames_are_masked_with_a_fresh_key_each() {
    let r = against_reference("2.10").await;
    let masks: Vec<&String> = r
        .case
        .wirelog
        .iter()
        .filter_map(|row| match row {
            WireRow::TxFrame { mask, .. } => mask.as_ref(),
            _ => None,
        })
        .collect();
    assert_eq!(masks.len(), 11); // 10 pings and our close
    let distinct: std::collections::HashSet<_> = masks.iter().collect();
    assert!(distinct.len() > 1);
}

/// A peer that completes the handshake and then never says anything again.
#[tokio::test(start_paused = true)]
async fn a_silent_peer_times_out_the_close_handshake() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let def = catalog::build(&"2.1".parse().unwrap()).unwrap();
    let (client, mut server) = tokio::io::duplex(1 << 16);
    let peer = tokio::spawn(async move {
        let mut buf = vec![0u8; 4096];
        let mut head = Vec::new();
        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = server.read(&mut buf).await.unwrap();
            head.extend_from_slice(&buf[..n]);
        }
        let text = String::from_utf8_lossy(&head).to_string();
        let key = text
            .lines()
            .find_map(|l| l.strip_prefix("Sec-WebSocket-Key: "))
            .unwrap()
            .to_string();
        let resp = format!(
            "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {}\r\n\r\n",
            handshake::accept_for(&key)
        );
        server.write_all(resp.as_bytes()).await.unwrap();
        // read and ignore everything until the fuzzer drops
        while let Ok(n) = server.read(&mut buf).await {
            if n == 0 {
                break;
            }
        }
    });
    let opts = opts();
    let started = tokio::time::Instant::now();
    let r = tokio::time::timeout(BOUND, replay_stream(client, &def, &opts, 1))
        .await
        .unwrap()
        .unwrap();
    peer.await.unwrap();
    let c = &r.case;
    // closeAfter(1) closed without a code, then closeHandshakeTimeout(1) dropped TCP
    assert!(started.elapsed() >= Duration::from_secs(2));
    assert_eq!(c.behavior, Some(Verdict::Failed));
    assert_eq!(c.behavior_close, Some(Verdict::Unclean));
    assert_eq!(c.closing.closed_by_me, Some(true));
    assert_eq!(c.closing.local_close_code, None);
    assert_eq!(c.closing.dropped_by_me, Some(true));
    assert_eq!(c.closing.was_close_handshake_timeout, Some(true));
    assert_eq!(
        c.closing.was_not_clean_reason.as_deref(),
        Some("peer did not respond (in time) in closing handshake")
    );
    assert!(c.wirelog.contains(&WireRow::CloseFired));
}

#[test]
fn targets_parse() {
    let t = Target::parse("ws://127.0.0.1:9001/path?x=1").unwrap();
    assert_eq!(
        (t.host.as_str(), t.port, t.resource.as_str()),
        ("127.0.0.1", 9001, "/path?x=1")
    );
    let t = Target::parse("ws://localhost").unwrap();
    assert_eq!((t.port, t.resource.as_str()), (80, "/"));
    for bad in ["http://x", "ws://:80", "ws://h:port"] {
        assert!(Target::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn globs_select_in_the_testsuite_order() {
    let ids = |p: &[&str]| {
        select(&p.iter().map(|s| s.to_string()).collect::<Vec<_>>())
            .map(|v| v.iter().map(|i| i.to_string()).collect::<Vec<_>>())
    };
    assert_eq!(ids(&["2.1*"]).unwrap(), ["2.1", "2.10", "2.11"]);
    assert_eq!(ids(&["2.2", "1.2.8", "2.2"]).unwrap(), ["1.2.8", "2.2"]);
    assert!(ids(&["*"]).unwrap().len() >= 27);
    assert!(matches!(ids(&["99.1"]), Err(ReplayError::NoSuchCase(_))));
}

#[test]
fn timestamps_look_like_the_testsuite() {
    let t = std::time::UNIX_EPOCH + Duration::from_millis(1_676_298_150_192);
    assert_eq!(utc_timestamp(t), "2023-02-13T14:22:30.192Z");
}

/// The server role over `duplex`: the engine reads the client's request itself, answers `101`,
/// and fails the connection on the client's unmasked frame (§5.1) by dropping TCP.
#[tokio::test]
async fn the_server_role_refuses_unmasked_client_frames() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let def = catalog::build(&"1.1.1".parse().unwrap()).unwrap();
    let (ours, mut client) = tokio::io::duplex(1 << 16);
    let opts = ReplayOptions::server("raw");
    let engine = tokio::spawn(async move { replay_stream(ours, &def, &opts, 1).await });
    client
        .write_all(
            b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
              Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n",
        )
        .await
        .unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    // the 101 and our empty text frame, unmasked: 0x81 0x00
    while !got.ends_with(&[0x81, 0x00]) {
        let n = client.read(&mut buf).await.unwrap();
        assert!(n > 0, "{:?}", String::from_utf8_lossy(&got));
        got.extend_from_slice(&buf[..n]);
    }
    assert!(got.starts_with(b"HTTP/1.1 101 Switching Protocols\r\n"));
    // the echo, unmasked: a protocol violation for a server
    client.write_all(&[0x81, 0x00]).await.unwrap();
    let r = tokio::time::timeout(BOUND, engine)
        .await
        .expect("ends in time")
        .unwrap()
        .unwrap();
    let c = &r.case;
    assert_eq!(c.closing.is_server, Some(true));
    assert_eq!(c.closing.failed_by_me, Some(true));
    assert_eq!(c.closing.dropped_by_me, Some(true));
    assert!(c.received.is_empty(), "{:?}", c.received);
    assert_eq!(c.behavior, Some(Verdict::Failed));
    assert!(matches!(c.wirelog[0], WireRow::RxOctets(_)));
    assert!(matches!(c.wirelog[1], WireRow::TxOctets { .. }));
}

/// A request that is not a WebSocket upgrade is answered with autobahn's status and reason,
/// and the case never opens.
#[tokio::test]
async fn the_server_role_answers_a_bad_request_with_its_reason() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let def = catalog::build(&"1.1.1".parse().unwrap()).unwrap();
    let (ours, mut client) = tokio::io::duplex(1 << 16);
    let opts = ReplayOptions::server("raw");
    let engine = tokio::spawn(async move { replay_stream(ours, &def, &opts, 1).await });
    client
        .write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(BOUND, client.read_to_end(&mut answer)).await;
    assert_eq!(
        String::from_utf8_lossy(&answer),
        "HTTP/1.1 400 HTTP Upgrade header missing\r\n\r\n"
    );
    let r = tokio::time::timeout(BOUND, engine)
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert!(!r.record.was_open);
    assert_eq!(
        r.record.handshake_error.as_deref(),
        Some("HTTP Upgrade header missing")
    );
}

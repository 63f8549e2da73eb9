//! The reactive steps (9.x, 12.x, 13.x) over `tokio::io::duplex`: against the reference
//! server, and against a small permessage-deflate echo peer written here with the codec's
//! server side.

use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use super::*;
use crate::catalog::TestData;
use crate::model::{Verdict, WireRow};
use crate::protocol::deflate::{Codec, client_negotiate};
use crate::protocol::handshake;
use crate::serve::{ServeOptions, handle_connection};
use crate::wire::{self, Frame, opcode};

const BOUND: Duration = Duration::from_secs(20);

fn opts() -> ReplayOptions {
    ReplayOptions::client(&Target::parse("ws://127.0.0.1:9001").unwrap(), "test")
}

async fn run<F>(
    id: &str,
    opts: &ReplayOptions,
    peer: impl FnOnce(tokio::io::DuplexStream) -> F,
) -> Case
where
    F: std::future::Future<Output = ()> + Send + 'static,
{
    let def = catalog::build(&id.parse().unwrap()).expect("in the catalog");
    let (client, server) = tokio::io::duplex(1 << 20);
    let peer = tokio::spawn(peer(server));
    let r = tokio::time::timeout(BOUND, replay_stream(client, &def, opts, 1))
        .await
        .expect("replay ends in time")
        .expect("replay runs");
    let _ = tokio::time::timeout(BOUND, peer).await;
    r.case
}

async fn reference(s: tokio::io::DuplexStream) {
    let _ = handle_connection(s, ServeOptions::default()).await;
}

/// The reference server declining every permessage-deflate offer.
async fn reference_without_deflate(s: tokio::io::DuplexStream) {
    let opts = ServeOptions {
        deflate: false,
        ..ServeOptions::default()
    };
    let _ = handle_connection(s, opts).await;
}

/// How the test peer treats the messages it echoes.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Echo {
    /// As received.
    Same,
    /// One octet short.
    Shorter,
    /// The last octet changed.
    Altered,
}

/// Reads an HTTP head (through `\r\n\r\n`); the head and the octets read after it, `None`
/// when the stream ends first.
async fn read_head<S: AsyncRead + Unpin>(s: &mut S) -> Option<(Vec<u8>, Vec<u8>)> {
    let mut buf = vec![0u8; 1 << 16];
    let mut rx = Vec::new();
    loop {
        if let Some(i) = rx.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = rx.drain(..i + 4).collect();
            return Some((head, rx));
        }
        match s.read(&mut buf).await {
            Ok(0) | Err(_) => return None,
            Ok(n) => rx.extend_from_slice(&buf[..n]),
        }
    }
}

/// A test server's side of the opening handshake: reads the request, answers `101` with
/// `extensions` (none: no extension header); the octets read after the request.
pub(super) async fn accept_upgrade<S: AsyncRead + AsyncWrite + Unpin>(
    s: &mut S,
    extensions: Option<&str>,
) -> Option<Vec<u8>> {
    let (head, rx) = read_head(s).await?;
    let head = String::from_utf8_lossy(&head);
    let key = head
        .lines()
        .find_map(|l| l.strip_prefix("Sec-WebSocket-Key: "))
        .unwrap_or_default();
    let ext = extensions
        .map(|e| format!("Sec-WebSocket-Extensions: {e}\r\n"))
        .unwrap_or_default();
    let resp = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {}\r\n{ext}\r\n",
        handshake::accept_for(key)
    );
    s.write_all(resp.as_bytes()).await.ok()?;
    Some(rx)
}

/// A permessage-deflate echo peer: answers the handshake with `extensions` (none: declines),
/// then echoes every data message, compressed when negotiated, and answers a close.
async fn deflate_peer<S: AsyncRead + AsyncWrite + Unpin>(
    mut s: S,
    extensions: Option<&'static str>,
    echo: Echo,
) {
    let Some(rx) = accept_upgrade(&mut s, extensions).await else {
        return;
    };
    let codec = client_negotiate(extensions, true)
        .ok()
        .flatten()
        .map(|p| Codec::new(p, true));
    echo_loop(s, rx, codec, echo, None).await;
}

/// Echoes every data message of `s` (`rx`: what was read past the handshake), compressed with
/// `codec` when there is one, frames masked with `mask`, and answers a close.
async fn echo_loop<S: AsyncRead + AsyncWrite + Unpin>(
    mut s: S,
    mut rx: Vec<u8>,
    mut codec: Option<Codec>,
    echo: Echo,
    mask: Option<[u8; 4]>,
) {
    let mut buf = vec![0u8; 1 << 16];
    let (mut message, mut compressed, mut op) = (Vec::new(), false, 0);
    loop {
        while let Ok(wire::Decoded::Complete(f)) = wire::decode(&rx) {
            rx.drain(..f.consumed);
            let frame = f.frame;
            if frame.opcode == opcode::CLOSE {
                let close = wire::encode(&Frame {
                    fin: true,
                    rsv: 0,
                    opcode: opcode::CLOSE,
                    mask,
                    payload: vec![0x03, 0xe8],
                });
                let _ = s.write_all(&close).await;
                let _ = s.shutdown().await;
                return;
            }
            if opcode::is_control(frame.opcode) {
                continue;
            }
            if frame.opcode != opcode::CONTINUATION {
                op = frame.opcode;
                compressed = frame.rsv == 4;
                message.clear();
                if let (true, Some(c)) = (compressed, codec.as_mut()) {
                    c.start_decompress();
                }
            }
            match (compressed, codec.as_mut()) {
                (true, Some(c)) => {
                    c.decompress(&frame.payload, &mut message).unwrap();
                    if frame.fin {
                        c.end_decompress(&mut message).unwrap();
                    }
                }
                _ => message.extend_from_slice(&frame.payload),
            }
            if !frame.fin {
                continue;
            }
            match echo {
                Echo::Same => {}
                Echo::Shorter => {
                    message.pop();
                }
                Echo::Altered => {
                    if let Some(b) = message.last_mut() {
                        *b = if *b == b'a' { b'b' } else { b'a' };
                    }
                }
            }
            let (payload, rsv) = match codec.as_mut() {
                Some(c) => (c.compress(&message), 4),
                None => (message.clone(), 0),
            };
            let out = wire::encode(&Frame {
                fin: true,
                rsv,
                opcode: op,
                mask,
                payload,
            });
            if s.write_all(&out).await.is_err() {
                return;
            }
        }
        match s.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => rx.extend_from_slice(&buf[..n]),
        }
    }
}

/// A stand-in for the testsuite's `data1.json`: JSON-like ASCII text of the file's size.
fn testdata_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let mut text = String::new();
    let mut i = 0u32;
    while text.len() < TestData::JsonData1.size() {
        text.push_str(&format!(
            "{{\"id\": {i}, \"name\": \"item{}\"}},\n",
            i * 7 % 13
        ));
        i += 1;
    }
    text.truncate(TestData::JsonData1.size());
    std::fs::write(dir.path().join(TestData::JsonData1.file()), text).unwrap();
    dir
}

fn wlm_rows(c: &Case) -> Vec<bool> {
    c.wirelog
        .iter()
        .filter_map(|r| match r {
            WireRow::WireLog(on) => Some(*on),
            _ => None,
        })
        .collect()
}

#[tokio::test]
async fn a_large_echo_is_judged_on_its_length_with_the_wire_log_off() {
    let c = run("9.1.1", &opts(), reference).await;
    assert_eq!(c.behavior, Some(Verdict::Ok), "{:?}", c.result);
    assert_eq!(
        c.result.as_deref(),
        Some("Received text message of length 65536.")
    );
    assert_eq!(c.behavior_close, Some(Verdict::Ok), "{:#?}", c.closing);
    assert!(c.received.is_empty());
    assert_eq!(c.report_time, Some(true));
    // createWirelog set directly: no WLM row; the 64 KiB frame is not in the log
    assert!(wlm_rows(&c).is_empty());
    assert!(c.wirelog.contains(&WireRow::CloseAfter(10.0)));
    let frames_logged = c
        .wirelog
        .iter()
        .filter(|r| matches!(r, WireRow::TxFrame { .. }))
        .count();
    assert_eq!(frames_logged, 1); // our close only
    assert_eq!(c.stats.tx_frames.get(&1), Some(&1));
}

#[tokio::test]
async fn a_short_echo_fails_with_the_testsuites_text() {
    let c = run("9.1.1", &opts(), |s| deflate_peer(s, None, Echo::Shorter)).await;
    assert_eq!(c.behavior, Some(Verdict::Failed));
    assert_eq!(
        c.result.as_deref(),
        Some("Expected text message with payload of length 65536, but got 65535.")
    );
    assert_eq!(c.behavior_close, Some(Verdict::Ok));
}

#[tokio::test]
async fn an_echo_series_sends_each_message_on_the_previous_echo() {
    let c = run("9.7.2", &opts(), reference).await; // 1000 text messages of 16 octets
    assert_eq!(c.behavior, Some(Verdict::Ok), "{:?}", c.result);
    assert_eq!(c.result.as_deref(), Some(catalog::EchoSeries::OK_RESULT));
    assert_eq!(c.stats.tx_frames.get(&1), Some(&1000));
    assert_eq!(c.stats.rx_frames.get(&1), Some(&1000));
    assert_eq!(wlm_rows(&c), [false, true]);
    assert_eq!(c.behavior_close, Some(Verdict::Ok));
}

#[tokio::test]
async fn a_declined_deflate_offer_is_unimplemented() {
    let dir = testdata_dir();
    let mut o = opts();
    o.testdata = Some(dir.path().to_path_buf());
    let c = run("12.1.1", &o, reference_without_deflate).await;
    assert_eq!(c.behavior, Some(Verdict::Unimplemented));
    assert_eq!(c.result.as_deref(), Some(crate::judge::DIFFER));
    assert_eq!(c.behavior_close, Some(Verdict::Ok), "{:#?}", c.closing);
    assert_eq!(c.traffic_stats, None);
    assert_eq!(c.report_compression_ratio, Some(true));
    // the wire log stays off to the end, as in the testsuite's reports
    assert_eq!(wlm_rows(&c), [false]);
    assert!(
        c.http_request.as_deref().unwrap().contains(
            "Sec-WebSocket-Extensions: permessage-deflate; client_no_context_takeover; client_max_window_bits\r\n"
        )
    );
}

#[tokio::test]
async fn a_deflate_series_compresses_and_checks_every_echo() {
    let dir = testdata_dir();
    let mut o = opts();
    o.testdata = Some(dir.path().to_path_buf());
    let ext = "permessage-deflate; client_no_context_takeover; client_max_window_bits=10";
    let c = run("12.1.1", &o, |s| deflate_peer(s, Some(ext), Echo::Same)).await;
    assert_eq!(c.behavior, Some(Verdict::Ok), "{:?}", c.result);
    assert_eq!(c.behavior_close, Some(Verdict::Ok));
    let t = c.traffic_stats.as_ref().expect("trafficStats when OK");
    assert_eq!(t["outgoingWebSocketMessages"], 1000);
    assert_eq!(t["incomingWebSocketMessages"], 1000);
    assert_eq!(t["outgoingOctetsAppLevel"], 16_000);
    assert_eq!(t["incomingOctetsAppLevel"], 16_000);
    // compressed (without context takeover 16 octets grow a little), each in one frame
    let ws = t["outgoingOctetsWebSocketLevel"].as_u64().unwrap();
    assert_ne!(ws, 16_000);
    assert_eq!(
        t["outgoingCompressionRatio"].as_f64(),
        Some(ws as f64 / 16_000.0)
    );
    assert_eq!(c.stats.tx_frames.get(&1), Some(&1000));
    assert_eq!(wlm_rows(&c), [false, true]);
}

#[tokio::test]
async fn fragmented_compressed_messages_go_out_in_auto_fragment_frames() {
    let dir = testdata_dir();
    let mut o = opts();
    o.testdata = Some(dir.path().to_path_buf());
    // 12.1.11: 1000 messages of 8192 characters, compressed payload cut into 256-octet frames
    let c = run("12.1.11", &o, |s| {
        deflate_peer(s, Some("permessage-deflate"), Echo::Same)
    })
    .await;
    assert_eq!(c.behavior, Some(Verdict::Ok), "{:?}", c.result);
    assert!(c.stats.tx_frames.get(&0).copied().unwrap_or(0) > 0);
}

#[tokio::test]
async fn an_altered_echo_fails_on_its_sha1() {
    let dir = testdata_dir();
    let mut o = opts();
    o.testdata = Some(dir.path().to_path_buf());
    let c = run("13.2.1", &o, |s| {
        deflate_peer(
            s,
            Some("permessage-deflate; server_no_context_takeover"),
            Echo::Altered,
        )
    })
    .await;
    assert_eq!(c.behavior, Some(Verdict::Failed));
    let result = c.result.unwrap();
    assert!(
        result.starts_with("Echo'ed message contents differs from what I sent (got SHA1 "),
        "{result}"
    );
    assert_eq!(c.traffic_stats, None);
}

#[tokio::test]
async fn a_response_with_a_bad_parameter_fails_the_handshake() {
    let dir = testdata_dir();
    let mut o = opts();
    o.testdata = Some(dir.path().to_path_buf());
    let c = run("12.1.1", &o, |s| {
        deflate_peer(
            s,
            Some("permessage-deflate; server_max_window_bits=16"),
            Echo::Same,
        )
    })
    .await;
    assert_eq!(c.behavior_close, Some(Verdict::Failed));
    assert_eq!(
        c.closing.was_not_clean_reason.as_deref(),
        Some(
            "illegal extension parameter value '16' for parameter 'server_max_window_bits' of extension 'permessage-deflate'"
        )
    );
}

#[tokio::test]
async fn a_deflate_response_to_no_offer_is_denied() {
    // 9.1.1 offers nothing; a peer that says permessage-deflate anyway is refused
    let c = run("9.1.1", &opts(), |s| {
        deflate_peer(s, Some("permessage-deflate"), Echo::Same)
    })
    .await;
    assert_eq!(
        c.closing.was_not_clean_reason.as_deref(),
        Some("WebSocket permessage-compress extension response from server denied by client")
    );
}

/// A peer that echoes each frame as it arrives (`delay` after it arrived) and reads nothing
/// while its write waits: a fuzzer that wrote a large message without reading would wait on it
/// forever.
async fn frame_echo_peer(mut s: tokio::io::DuplexStream, delay: Duration) {
    let Some(mut rx) = accept_upgrade(&mut s, None).await else {
        return;
    };
    let mut buf = vec![0u8; 1 << 16];
    loop {
        while let Ok(wire::Decoded::Complete(f)) = wire::decode(&rx) {
            rx.drain(..f.consumed);
            let close = f.frame.opcode == opcode::CLOSE;
            if !close {
                tokio::time::sleep(delay).await;
            }
            let echo = Frame {
                mask: None,
                payload: if close {
                    vec![0x03, 0xe8]
                } else {
                    f.frame.payload
                },
                ..f.frame
            };
            if s.write_all(&wire::encode(&echo)).await.is_err() {
                return;
            }
            if close {
                let _ = s.shutdown().await;
                return;
            }
        }
        match s.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => rx.extend_from_slice(&buf[..n]),
        }
    }
}

#[tokio::test]
async fn a_peer_echoing_frame_by_frame_does_not_stall_a_large_send() {
    // 9.3.4: 4 MiB in 1024 frames of 4 KiB, over a 64 KiB pipe
    let def = catalog::build(&"9.3.4".parse().unwrap()).unwrap();
    let (client, server) = tokio::io::duplex(1 << 16);
    let peer = tokio::spawn(frame_echo_peer(server, Duration::ZERO));
    let r = tokio::time::timeout(BOUND, replay_stream(client, &def, &opts(), 1))
        .await
        .expect("no deadlock")
        .unwrap();
    let _ = tokio::time::timeout(BOUND, peer).await;
    assert_eq!(r.case.behavior, Some(Verdict::Ok), "{:?}", r.case.result);
    assert_eq!(r.case.behavior_close, Some(Verdict::Ok));
}

#[tokio::test]
async fn messages_of_whole_fragments_end_as_the_options_say() {
    // 9.4.8: 4 MiB in 4 fragments of 1 MiB (a reactive send); 6.2.3: 29 octets sent one a frame
    // (a plain message step, 29 frames however it ends). The verdict is the same either way.
    for (id, full, empty_final) in [("9.4.8", 3, 4), ("6.2.3", 28, 29)] {
        for (end, continuations) in [
            (FragmentEnd::Full, full),
            (FragmentEnd::EmptyFinal, empty_final),
        ] {
            let mut o = opts();
            o.fragment_end = end;
            let c = run(id, &o, |s| frame_echo_peer(s, Duration::ZERO)).await;
            assert_eq!(
                c.stats.tx_frames.get(&0),
                Some(&continuations),
                "{id} {end:?}"
            );
            assert_eq!(
                c.behavior,
                Some(Verdict::Ok),
                "{id} {end:?}: {:?}",
                c.result
            );
        }
    }
}

#[tokio::test]
async fn our_bound_on_a_case_waits_for_the_cases_own_timeout() {
    // 9.1.1 waits 10 s for its echo; a bound of 1 s must not cut an echo that takes 1.5 s
    let mut o = opts();
    o.timeouts.case_limit = Duration::from_secs(1);
    let c = run("9.1.1", &o, |s| {
        frame_echo_peer(s, Duration::from_millis(1500))
    })
    .await;
    assert_eq!(c.behavior, Some(Verdict::Ok), "{:?}", c.result);
    assert_eq!(c.behavior_close, Some(Verdict::Ok), "{:#?}", c.closing);
}

/// A permessage-deflate echo client for the server role: sends the upgrade request with
/// `offer` (none: no extension), reads the `101` as the engine's client side reads it, then
/// echoes (masked, compressed when negotiated). Returns the `101` head.
async fn deflate_client(mut s: tokio::io::DuplexStream, offer: Option<String>) -> Option<String> {
    let request = handshake::request(
        "127.0.0.1:9001",
        "/runCase?case=1&agent=t",
        "dGhlIHNhbXBsZSBub25jZQ==",
        offer.as_deref(),
    );
    s.write_all(&request).await.ok()?;
    let (head, rx) = read_head(&mut s).await?;
    let answer = handshake::single_header(&head, "sec-websocket-extensions").ok()?;
    let codec = client_negotiate(answer.as_deref(), offer.is_some())
        .ok()?
        .map(|p| Codec::new(p, false));
    echo_loop(s, rx, codec, Echo::Same, Some([0x37, 0xfa, 0x21, 0x3d])).await;
    Some(String::from_utf8_lossy(&head).into_owned())
}

/// Runs case `id` in the server role against [`deflate_client`] offering `offer`; the report
/// and the `101` the client read.
async fn serve_case(id: &str, offer: Option<String>) -> (Case, String) {
    let def = catalog::build(&id.parse().unwrap()).expect("in the catalog");
    let dir = testdata_dir();
    let mut o = ReplayOptions::server("t");
    o.testdata = Some(dir.path().to_path_buf());
    let (client, server) = tokio::io::duplex(1 << 20);
    let peer = tokio::spawn(deflate_client(client, offer));
    let r = tokio::time::timeout(BOUND, replay_stream(server, &def, &o, 1))
        .await
        .expect("replay ends in time")
        .expect("replay runs");
    let head = tokio::time::timeout(BOUND, peer)
        .await
        .expect("the client ends in time")
        .expect("the client does not panic")
        .expect("the client read a 101");
    (r.case, head)
}

#[tokio::test]
async fn the_server_role_negotiates_each_13x_parameter_set_and_compresses() {
    // 13.N.1 (N = 1 … 7): the case's own offers, answered with its acceptances
    for (n, answer) in [
        (1, "permessage-deflate"),
        (
            2,
            "permessage-deflate; server_no_context_takeover; client_no_context_takeover",
        ),
        (
            3,
            "permessage-deflate; server_max_window_bits=9; client_max_window_bits=9",
        ),
        (
            4,
            "permessage-deflate; server_max_window_bits=15; client_max_window_bits=15",
        ),
        (
            5,
            "permessage-deflate; server_no_context_takeover; server_max_window_bits=9; client_no_context_takeover; client_max_window_bits=9",
        ),
        (
            6,
            "permessage-deflate; server_no_context_takeover; server_max_window_bits=15; client_no_context_takeover; client_max_window_bits=15",
        ),
        (
            7,
            "permessage-deflate; server_no_context_takeover; server_max_window_bits=9; client_no_context_takeover; client_max_window_bits=9",
        ),
    ] {
        let id = format!("13.{n}.1");
        let def = catalog::build(&id.parse().unwrap()).unwrap();
        let offer = def.deflate.as_ref().map(|d| d.offer_header());
        let (c, head) = serve_case(&id, offer).await;
        let line = format!("\r\nSec-WebSocket-Extensions: {answer}\r\n");
        assert!(head.contains(&line), "{id}: {head}");
        assert_eq!(c.http_response.as_deref(), Some(head.as_str()), "{id}");
        assert_eq!(c.behavior, Some(Verdict::Ok), "{id}: {:?}", c.result);
        assert_eq!(
            c.behavior_close,
            Some(Verdict::Ok),
            "{id}: {:#?}",
            c.closing
        );
        let t = c.traffic_stats.as_ref().expect("trafficStats when OK");
        assert_eq!(t["outgoingWebSocketMessages"], 1000, "{id}");
        assert_eq!(t["incomingWebSocketMessages"], 1000, "{id}");
        // what went out was compressed: its WebSocket-level size differs from the app level
        assert_ne!(
            t["outgoingOctetsWebSocketLevel"], t["outgoingOctetsAppLevel"],
            "{id}"
        );
    }
}

#[tokio::test]
async fn the_server_role_declines_what_it_cannot_accept_and_the_case_is_unimplemented() {
    // 13.3 asks for client_max_window_bits=9, which a bare offer does not allow
    let (c, head) = serve_case("13.3.1", Some("permessage-deflate".into())).await;
    assert!(!head.contains("Sec-WebSocket-Extensions"), "{head}");
    assert_eq!(c.behavior, Some(Verdict::Unimplemented));
    assert_eq!(c.behavior_close, Some(Verdict::Ok), "{:#?}", c.closing);
    assert_eq!(c.traffic_stats, None);
    // no offer at all
    let (c, _) = serve_case("12.1.1", None).await;
    assert_eq!(c.behavior, Some(Verdict::Unimplemented));
    // a case without deflate ignores the offer
    let (c, head) = serve_case("1.1.1", Some("permessage-deflate".into())).await;
    assert!(!head.contains("Sec-WebSocket-Extensions"), "{head}");
    assert_eq!(c.behavior, Some(Verdict::Ok), "{:?}", c.result);
}

#[tokio::test]
async fn the_server_role_refuses_a_malformed_offer() {
    let def = catalog::build(&"12.1.1".parse().unwrap()).unwrap();
    let o = ReplayOptions::server("t");
    let (mut client, server) = tokio::io::duplex(1 << 16);
    let request = handshake::request(
        "127.0.0.1:9001",
        "/",
        "dGhlIHNhbXBsZSBub25jZQ==",
        Some("permessage-deflate; mem_level=4"),
    );
    client.write_all(&request).await.unwrap();
    let r = tokio::time::timeout(BOUND, replay_stream(server, &def, &o, 1))
        .await
        .expect("replay ends in time")
        .expect("replay runs");
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(BOUND, client.read_to_end(&mut answer)).await;
    assert!(
        answer.starts_with(b"HTTP/1.1 400 illegal extension parameter 'mem_level'"),
        "{}",
        String::from_utf8_lossy(&answer)
    );
    assert_eq!(
        r.record.handshake_error.as_deref(),
        Some("illegal extension parameter 'mem_level' for extension 'permessage-deflate'")
    );
}

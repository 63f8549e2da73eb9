//! Hostile peers over `tokio::io::duplex` (issue 15): what a peer may make the engine hold is
//! bounded by `max_message_size` (and the opening handshake by [`crate::protocol::handshake::MAX_HEAD`]). Each
//! peer sends what no buffer could hold (or would hold the process's memory) and the case
//! must end, FAILED and saying why, without waiting for the rest.

use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

use super::*;
use crate::model::Verdict;
use crate::wire::{self, Frame, opcode};

/// Far below the 60 s case limit: a case that waited for the rest would not end in time.
const BOUND: Duration = Duration::from_secs(20);

fn opts(limit: usize) -> ReplayOptions {
    let mut o = ReplayOptions::client(&Target::parse("ws://127.0.0.1:9001").unwrap(), "test");
    o.max_message_size = Some(limit);
    o
}

/// Reads the upgrade request and answers `101` (with `extensions`, if any).
async fn accept<S: AsyncRead + AsyncWrite + Unpin>(s: &mut S, extensions: Option<&str>) {
    let _ = super::tests_reactive::accept_upgrade(s, extensions).await;
}

/// Reads until the engine ends the connection; how many octets it sent.
async fn drain<S: AsyncRead + Unpin>(s: &mut S) -> usize {
    let mut buf = vec![0u8; 1 << 16];
    let mut total = 0;
    while let Ok(n @ 1..) = s.read(&mut buf).await {
        total += n;
    }
    total
}

/// Runs case `id` against `peer`, which gets the server's end of a duplex stream; the case
/// and what the peer returned.
async fn run<F, T>(
    id: &str,
    opts: &ReplayOptions,
    peer: impl FnOnce(tokio::io::DuplexStream) -> F,
) -> (Case, T)
where
    F: std::future::Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let def = catalog::build(&id.parse().unwrap()).expect("in the catalog");
    let (client, server) = tokio::io::duplex(1 << 16);
    let peer = tokio::spawn(peer(server));
    let r = tokio::time::timeout(BOUND, replay_stream(client, &def, opts, 1))
        .await
        .expect("the case ends without waiting for what the peer announced")
        .expect("replay runs");
    let got = tokio::time::timeout(BOUND, peer)
        .await
        .expect("the peer ends")
        .expect("the peer does not panic");
    (r.case, got)
}

fn result(case: &Case) -> &str {
    case.result.as_deref().unwrap_or_default()
}

#[tokio::test]
async fn a_frame_header_declaring_2_pow_40_octets_is_refused_before_its_payload() {
    // 1.1.1 waits for an echo; the peer announces a terabyte and sends none of it
    let (case, ()) = run(
        "1.1.1",
        &opts(wire::DEFAULT_MAX_MESSAGE_SIZE),
        |mut s| async move {
            accept(&mut s, None).await;
            let mut header = vec![0x82, 0x7F];
            header.extend_from_slice(&(1u64 << 40).to_be_bytes());
            let _ = s.write_all(&header).await;
            drain(&mut s).await;
        },
    )
    .await;
    assert_eq!(case.behavior, Some(Verdict::Failed));
    assert!(
        result(&case).contains(
            "frame exceeds payload limit of 67108864 octets (its header says 1099511627776)"
        ),
        "{}",
        result(&case)
    );
    assert!(result(&case).contains("--max-message-size"));
    assert_eq!(case.closing.failed_by_me, Some(true));
    assert_eq!(case.closing.dropped_by_me, Some(true));
}

#[tokio::test]
async fn a_frame_one_octet_over_the_limit_is_refused_and_one_at_it_is_read() {
    for (len, refused) in [(1001usize, true), (1000, false)] {
        let (case, ()) = run("1.1.1", &opts(1000), move |mut s| async move {
            accept(&mut s, None).await;
            // the header only: an accepted frame then waits for its payload, so send it
            let frame = wire::encode(&Frame::new(opcode::BINARY, vec![b'x'; len]));
            let _ = s.write_all(&frame[..4]).await;
            tokio::time::sleep(Duration::from_millis(50)).await;
            let _ = s.write_all(&frame[4..]).await;
            let _ = s
                .write_all(&wire::encode(&Frame::new(opcode::CLOSE, [0x03, 0xe8])))
                .await;
            drain(&mut s).await;
        })
        .await;
        let refusal = result(&case).contains("exceeds payload limit");
        assert_eq!(refusal, refused, "{len}: {}", result(&case));
        if !refused {
            assert_eq!(
                case.received.len(),
                1,
                "the {len}-octet message was received"
            );
        }
    }
}

#[tokio::test]
async fn an_endless_fragmented_message_is_refused_when_its_total_passes_the_limit() {
    let limit = 100_000;
    let (case, sent) = run("1.1.1", &opts(limit), |mut s| async move {
        accept(&mut s, None).await;
        let mut sent = 0usize;
        let first = wire::encode(&Frame::new(opcode::TEXT, vec![b'a'; 10_000]).with_fin(false));
        let more =
            wire::encode(&Frame::new(opcode::CONTINUATION, vec![b'a'; 10_000]).with_fin(false));
        if s.write_all(&first).await.is_err() {
            return sent;
        }
        sent += 10_000;
        // never FIN: only the engine's refusal ends this
        while s.write_all(&more).await.is_ok() {
            sent += 10_000;
            if sent > 100 << 20 {
                break;
            }
        }
        sent
    })
    .await;
    assert_eq!(case.behavior, Some(Verdict::Failed));
    assert!(
        result(&case).contains("message exceeds payload limit of 100000 octets"),
        "{}",
        result(&case)
    );
    // refused at the 11th fragment; what the peer got written before it saw the end is what
    // the duplex buffer and one read took, not the 100 MiB it would have sent
    assert!(sent < limit + (1 << 18), "the peer wrote {sent} octets");
}

#[tokio::test]
async fn a_deflate_bomb_is_refused_once_it_inflates_past_the_limit() {
    // 12.1.1 offers permessage-deflate; the peer accepts and answers the first message with
    // 64 MiB of zeros in ~64 KiB
    let mut c = flate2::Compress::new_with_window_bits(flate2::Compression::best(), false, 15);
    let mut bomb = Vec::new();
    wire::deflate::compress_sync(&mut c, &vec![0; 64 << 20], &mut bomb);
    bomb.truncate(bomb.len() - 4);
    let (case, ()) = run("12.1.1", &opts(1 << 20), move |mut s| async move {
        accept(&mut s, Some("permessage-deflate")).await;
        let mut f = Frame::new(opcode::TEXT, bomb).with_rsv(4);
        f.fin = true;
        let _ = s.write_all(&wire::encode(&f)).await;
        drain(&mut s).await;
    })
    .await;
    assert_eq!(case.behavior, Some(Verdict::Failed));
    assert!(
        result(&case)
            .contains("message exceeds payload limit of 1048576 octets (after decompression)"),
        "{}",
        result(&case)
    );
    assert_eq!(case.closing.failed_by_me, Some(true));
}

#[tokio::test]
async fn without_fail_by_drop_an_oversized_message_gets_close_1009() {
    let mut o = opts(1000);
    o.fail_by_drop = false;
    let (case, ()) = run("1.1.1", &o, |mut s| async move {
        accept(&mut s, None).await;
        let _ = s
            .write_all(&wire::encode(&Frame::new(opcode::BINARY, vec![0; 2000])))
            .await;
        drain(&mut s).await;
    })
    .await;
    assert_eq!(case.closing.local_close_code, Some(1009));
    assert_eq!(case.behavior, Some(Verdict::Failed));
}

#[tokio::test]
async fn an_endless_handshake_head_is_refused_at_max_head() {
    let def = catalog::build(&"1.1.1".parse().unwrap()).unwrap();
    let (client, mut server) = tokio::io::duplex(1 << 16);
    let peer = tokio::spawn(async move {
        let _ = server
            .write_all(b"HTTP/1.1 101 Switching Protocols\r\n")
            .await;
        let line =
            b"X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n";
        let mut sent = 0usize;
        while server.write_all(line).await.is_ok() && sent < 100 << 20 {
            sent += line.len();
        }
        sent
    });
    let r = tokio::time::timeout(BOUND, replay_stream(client, &def, &opts(1000), 1))
        .await
        .expect("ends")
        .expect("runs");
    let sent = tokio::time::timeout(BOUND, peer).await.unwrap().unwrap();
    let why = r.record.handshake_error.unwrap_or_default();
    assert!(why.contains("exceeds 16384 octets"), "{why}");
    assert!(sent < 1 << 20, "{sent}");
}

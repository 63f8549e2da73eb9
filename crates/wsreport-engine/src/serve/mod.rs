//! The reference echo server: what a WebSocket server that passes the testsuite's
//! `fuzzingclient` mode does, built on tokio-tungstenite.
//!
//! This module is responsible for one behaviour: echo every text and binary message, answer
//! pings, complete close handshakes, and *fail the connection* (RFC 6455 §7.1.7) with the
//! close code the testsuite expects when the peer breaks the protocol. Tungstenite does the
//! protocol checks but, on an error, returns it without sending anything; a server that then
//! just drops TCP gets `remoteCloseCode: null` and fails cases such as 4.1.1 or 6.3.1. Here
//! errors map to close 1002 (protocol error), 1007 (invalid UTF-8) or 1009 (too big) by
//! [`close_code_for`], the close frame is sent, and the server closes TCP first (§7.1.1).
//!
//! permessage-deflate (RFC 7692) is negotiated when the client offers it: [`deflate`] answers
//! the offer and carries the extension in a stream adapter below tungstenite, so every
//! protocol check above stays tungstenite's.
//!
//! Binding is the caller's job: [`serve`] takes a listener, [`handle_connection`] any stream,
//! so tests drive it over `tokio::io::duplex`.

pub mod deflate;

use std::io;
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::error::ProtocolError;
use tokio_tungstenite::tungstenite::handshake::server::{ErrorResponse, Request, Response};
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, WebSocketConfig};
use tokio_tungstenite::tungstenite::{Error as WsError, Message};

/// How long the opening handshake (RFC 6455 §4.2) may take before the connection is dropped.
pub const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(30);

/// After the server has closed its sending half, how long it keeps reading (and discarding)
/// so the peer's last frames are not answered with a TCP reset. The testsuite closes its
/// side as soon as it sees ours, so this is only reached with misbehaving peers.
pub const LINGER: Duration = Duration::from_secs(2);

/// Tungstenite's read buffer size (see [`ServeOptions::websocket_config`]).
const READ_BUFFER: usize = 16 * 1024;

/// What the echo server may be configured with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServeOptions {
    /// Largest message (and so largest frame) accepted, in octets; `None` is no limit. A
    /// larger one fails the connection with close 1009 (RFC 6455 §7.4.1). The default,
    /// tungstenite's 64 MiB, passes the testsuite's 9.x cases (up to 16 MiB).
    pub max_message_size: Option<usize>,
    /// Accept permessage-deflate offers (RFC 7692). Off, every offer is declined and the
    /// testsuite's 12.x and 13.x cases are UNIMPLEMENTED.
    pub deflate: bool,
    /// The zlib level (0–9) of the messages the server echoes compressed. The default,
    /// [`deflate::STORED`] (0), sends stored blocks: valid permessage-deflate that any
    /// inflater reads, RSV1 set as for any compressed message, at the cost of a copy. The
    /// echo server's own compression ratio matters to no case, and searching for matches was
    /// most of its CPU in a full run (12.x/13.x echo ~11 GB); 1–9 compress for real.
    pub deflate_level: u32,
    /// Serve `wss://`: each accepted connection does the TLS handshake first.
    pub tls: Option<crate::tls::ServerTls>,
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            max_message_size: Some(crate::wire::DEFAULT_MAX_MESSAGE_SIZE),
            deflate: true,
            deflate_level: deflate::STORED,
            tls: None,
        }
    }
}

impl ServeOptions {
    /// The tungstenite configuration these options stand for. The frame limit follows the
    /// message limit, since a frame never carries more than its message. Tungstenite zeroes
    /// up to its read buffer size before every read, however few octets arrive: at its
    /// default, 128 KiB for each 16-octet message of 12.x.1 (three quarters of the server's
    /// instructions in a share of 12.x/13.x, measured with callgrind); 16 KiB costs a read
    /// call per 16 KiB of a large frame instead.
    pub fn websocket_config(&self) -> WebSocketConfig {
        WebSocketConfig::default()
            .max_message_size(self.max_message_size)
            .max_frame_size(self.max_message_size)
            .read_buffer_size(READ_BUFFER)
    }
}

/// Why a connection ended before it was a WebSocket connection.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The opening handshake (RFC 6455 §4.2) failed.
    #[error("opening handshake failed")]
    Handshake(#[source] WsError),
    /// The opening handshake did not finish within [`HANDSHAKE_TIMEOUT`].
    #[error("opening handshake did not finish within {0:?}")]
    HandshakeTimeout(Duration),
}

/// How a WebSocket connection ended.
#[derive(Debug)]
pub enum Outcome {
    /// The peer started the close handshake with this code (`None`: empty close body); the
    /// server echoed it (§5.5.1), or answered 1002 when the code may not be sent on the
    /// wire (§7.4: 0–999, 1004–1006, 1014, 1016–2999, 5000 and above), and closed TCP.
    ClosedByPeer {
        /// The peer's close code.
        code: Option<u16>,
    },
    /// The peer broke the protocol; the server sent a close frame with `code` (§7.1.7) and
    /// closed TCP.
    Failed {
        /// The close code sent: 1002, 1007 or 1009.
        code: u16,
        /// What tungstenite reported.
        error: WsError,
    },
    /// TCP ended without a close handshake, or failed (`error`).
    Dropped {
        /// The I/O or protocol error, if any.
        error: Option<WsError>,
    },
}

/// Accepts connections on `listener` forever, one task per connection. A failing connection
/// never stops the server; transient accept errors (a peer that reset, too many open files)
/// are retried. Returns only when the listener itself is unusable.
pub async fn serve(listener: TcpListener, opts: ServeOptions) -> io::Result<()> {
    loop {
        let stream = match listener.accept().await {
            Ok((stream, _peer)) => stream,
            Err(err) => match err.kind() {
                io::ErrorKind::InvalidInput | io::ErrorKind::NotConnected => return Err(err),
                io::ErrorKind::ConnectionAborted
                | io::ErrorKind::ConnectionReset
                | io::ErrorKind::Interrupted
                | io::ErrorKind::WouldBlock => continue,
                // Out of descriptors or memory: give running connections time to finish.
                _ => {
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
        };
        // Chopped and sync cases measure small writes; do not let Nagle merge our replies.
        let _ = stream.set_nodelay(true);
        let opts = opts.clone();
        tokio::spawn(async move {
            match opts.tls.clone() {
                None => {
                    let _ = handle_connection(stream, opts).await;
                }
                Some(tls) => {
                    if let Ok(stream) = tls.accept(stream).await {
                        let _ = handle_connection(stream, opts).await;
                    }
                }
            }
        });
    }
}

/// Runs the echo server on one connection, from the opening handshake to closing TCP.
pub async fn handle_connection<S>(stream: S, opts: ServeOptions) -> Result<Outcome, ServeError>
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut negotiated = None;
    // The signature is tungstenite's `Callback`; its error type is not ours to shrink.
    #[allow(clippy::result_large_err)]
    let answer_offers = |req: &Request, mut resp: Response| -> Result<Response, ErrorResponse> {
        if !opts.deflate {
            return Ok(resp);
        }
        let offers = req
            .headers()
            .get_all("sec-websocket-extensions")
            .into_iter()
            .filter_map(|v| v.to_str().ok());
        if let Some((params, answer)) = deflate::echo_negotiate(offers) {
            negotiated = Some(params);
            let answer = HeaderValue::from_str(&answer).expect("the answer is ASCII");
            resp.headers_mut()
                .insert("sec-websocket-extensions", answer);
        }
        Ok(resp)
    };
    let accept = tokio_tungstenite::accept_hdr_async_with_config(
        deflate::DeflateStream::new(stream),
        answer_offers,
        Some(opts.websocket_config()),
    );
    let mut ws = tokio::time::timeout(HANDSHAKE_TIMEOUT, accept)
        .await
        .map_err(|_| ServeError::HandshakeTimeout(HANDSHAKE_TIMEOUT))?
        .map_err(ServeError::Handshake)?;
    if let Some(params) = negotiated {
        ws.get_mut()
            .enable(params, opts.max_message_size, opts.deflate_level);
    }

    let mut peer_close = None;
    let outcome = loop {
        match ws.next().await {
            Some(Ok(msg @ (Message::Text(_) | Message::Binary(_)))) => {
                if let Err(error) = ws.send(msg).await {
                    break Outcome::Dropped { error: Some(error) };
                }
            }
            // Tungstenite has queued the echo of this close (§5.5.1); the next read sends it
            // and ends the stream.
            Some(Ok(Message::Close(frame))) => {
                peer_close = Some(frame.map(|f| u16::from(f.code)));
            }
            // Tungstenite queues the pong itself (§5.5.2) and sends it on the next read.
            Some(Ok(Message::Ping(_) | Message::Pong(_) | Message::Frame(_))) => {}
            Some(Err(error)) => match ws
                .get_ref()
                .failure()
                .map(|f| CloseCode::from(f.close_code()))
                .or_else(|| close_code_for(&error))
            {
                Some(code) => {
                    let frame = CloseFrame {
                        code,
                        reason: close_reason(code).into(),
                    };
                    // Best effort: the peer may already be gone.
                    let _ = ws.send(Message::Close(Some(frame))).await;
                    break Outcome::Failed {
                        code: code.into(),
                        error,
                    };
                }
                None => break Outcome::Dropped { error: Some(error) },
            },
            None => {
                break match peer_close {
                    Some(code) => Outcome::ClosedByPeer { code },
                    None => Outcome::Dropped { error: None },
                };
            }
        }
    };
    close_tcp(ws.get_mut()).await;
    Ok(outcome)
}

/// The close code with which a server fails the connection after `error` (RFC 6455 §7.1.7,
/// §7.4.1), or `None` when nothing should be sent (the peer is gone, or closing is already
/// under way).
///
/// Tungstenite reports protocol violations as errors and sends nothing itself; this is the
/// mapping the testsuite's expectations need: protocol errors 1002 (cases 3.x, 4.x, 5.x,
/// 7.3.2, 7.3.6), invalid UTF-8 in a text message or close reason 1007 (6.x, 7.5.1), a
/// message over the configured limit 1009.
pub fn close_code_for(error: &WsError) -> Option<CloseCode> {
    match error {
        WsError::Protocol(
            ProtocolError::ResetWithoutClosingHandshake
            | ProtocolError::SendAfterClosing
            | ProtocolError::ReceivedAfterClosing,
        ) => None,
        WsError::Protocol(_) => Some(CloseCode::Protocol),
        WsError::Utf8(_) => Some(CloseCode::Invalid),
        WsError::Capacity(_) => Some(CloseCode::Size),
        _ => None,
    }
}

fn close_reason(code: CloseCode) -> &'static str {
    match code {
        CloseCode::Invalid => "invalid UTF-8",
        CloseCode::Size => "message too big",
        _ => "protocol error",
    }
}

/// Closes TCP from the server side, as §7.1.1 asks of servers: send FIN, then read and
/// discard until the peer closes too (or [`LINGER`] passes), so that octets the peer sent
/// after our close frame do not turn our close into a reset that could destroy it.
async fn close_tcp<S: AsyncRead + AsyncWrite + Unpin>(stream: &mut S) {
    if stream.shutdown().await.is_err() {
        return;
    }
    let drain = async {
        let mut sink = [0u8; 4096];
        while let Ok(n) = stream.read(&mut sink).await {
            if n == 0 {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(LINGER, drain).await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::wire::{
        DecodedFrame, Frame, FrameRecorder, close_payload, close_payload_raw, opcode, parse_close,
    };
    use tokio_tungstenite::connect_async;

    const BOUND: Duration = Duration::from_secs(10);
    const MASK: Option<[u8; 4]> = Some([0x37, 0xfa, 0x21, 0x3d]);
    const UPGRADE: &[u8] = b"GET / HTTP/1.1\r\nHost: localhost\r\nUpgrade: websocket\r\n\
        Connection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\
        Sec-WebSocket-Version: 13\r\n\r\n";

    /// Speaks raw octets to the server over a duplex pipe, as the fuzzer does: the opening
    /// handshake, then `frames`, then reads until the server closes TCP. Returns the frames
    /// the server sent and how the connection ended on its side.
    async fn raw_session(frames: &[Frame], opts: ServeOptions) -> (Vec<DecodedFrame>, Outcome) {
        let (_, frames, outcome) = raw_session_with(UPGRADE, frames, opts).await;
        (frames, outcome)
    }

    /// [`raw_session`] with the opening handshake request given; also returns the server's
    /// HTTP response head.
    async fn raw_session_with(
        request: &[u8],
        frames: &[Frame],
        opts: ServeOptions,
    ) -> (String, Vec<DecodedFrame>, Outcome) {
        let (mut client, server) = tokio::io::duplex(1 << 16);
        let server = tokio::spawn(handle_connection(server, opts));
        let mut rec = FrameRecorder::after_http_head();
        let exchange = async {
            // Frames go only after the 101 response: tungstenite's server handshake fails
            // with `JunkAfterRequest` when frames arrive in the same read as the request.
            client.write_all(request).await.unwrap();
            let mut buf = [0u8; 4096];
            let mut sent = false;
            loop {
                if !sent && rec.http_head().ends_with(b"\r\n\r\n") {
                    for frame in frames {
                        client.write_all(&frame.encode()).await.unwrap();
                    }
                    sent = true;
                }
                let n = client.read(&mut buf).await.unwrap();
                if n == 0 {
                    break;
                }
                rec.feed(&buf[..n]);
            }
        };
        tokio::time::timeout(BOUND, exchange)
            .await
            .expect("server closed TCP in time");
        drop(client);
        let outcome = tokio::time::timeout(BOUND, server)
            .await
            .expect("server task ended in time")
            .unwrap()
            .expect("handshake succeeded");
        assert!(rec.http_head().starts_with(b"HTTP/1.1 101"));
        let head = String::from_utf8_lossy(rec.http_head()).into_owned();
        (head, rec.frames().cloned().collect(), outcome)
    }

    fn masked(frame: Frame) -> Frame {
        frame.with_mask(MASK)
    }

    fn close(code: u16) -> Frame {
        masked(Frame::new(opcode::CLOSE, close_payload(Some(code), "")))
    }

    /// The close code in the last frame the server sent, which must be a close frame.
    fn last_close_code(frames: &[DecodedFrame]) -> Option<u16> {
        let last = frames.last().expect("the server sent a frame");
        assert_eq!(
            last.frame.opcode,
            opcode::CLOSE,
            "last frame is a close: {frames:?}"
        );
        assert!(!last.masked(), "servers must not mask (RFC 6455 §5.1)");
        parse_close(&last.frame.payload).unwrap().code
    }

    #[tokio::test]
    async fn echoes_pongs_and_closes_over_loopback() {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(serve(listener, ServeOptions::default()));
        let session = async {
            // A connection that is not WebSocket at all must not stop the server.
            let mut junk = tokio::net::TcpStream::connect(addr).await.unwrap();
            junk.write_all(b"NOT HTTP\r\n\r\n").await.unwrap();
            let mut sink = Vec::new();
            let _ = junk.read_to_end(&mut sink).await;

            let (mut ws, _) = connect_async(format!("ws://{addr}/")).await.unwrap();
            let messages = [
                Message::text("Hello, wsreport"),
                Message::binary(vec![0u8, 1, 2, 255]),
                Message::text(""),
                Message::binary(vec![7u8; 70_000]),
            ];
            for msg in messages {
                ws.send(msg.clone()).await.unwrap();
                assert_eq!(ws.next().await.unwrap().unwrap(), msg);
            }
            ws.send(Message::Ping(b"ping-0".to_vec().into()))
                .await
                .unwrap();
            assert_eq!(
                ws.next().await.unwrap().unwrap(),
                Message::Pong(b"ping-0".to_vec().into())
            );
            ws.send(Message::Close(Some(CloseFrame {
                code: CloseCode::Normal,
                reason: "bye".into(),
            })))
            .await
            .unwrap();
            match ws.next().await {
                Some(Ok(Message::Close(Some(frame)))) => assert_eq!(frame.code, CloseCode::Normal),
                other => panic!("expected the close echoed, got {other:?}"),
            }
            // Then the server closes TCP: the stream ends.
            assert!(ws.next().await.is_none());
        };
        tokio::time::timeout(BOUND, session).await.expect("bounded");
        assert!(!server.is_finished(), "the server keeps accepting");
        server.abort();
    }

    #[tokio::test]
    async fn fragmented_text_is_echoed_as_one_message() {
        let frames = [
            masked(Frame::new(opcode::TEXT, b"Hel".to_vec()).with_fin(false)),
            masked(Frame::new(opcode::PING, b"in between".to_vec())),
            masked(Frame::new(opcode::CONTINUATION, b"lo".to_vec())),
            close(1000),
        ];
        let (got, outcome) = raw_session(&frames, ServeOptions::default()).await;
        let summary: Vec<_> = got
            .iter()
            .map(|d| (d.frame.opcode, d.frame.fin, d.frame.payload.clone()))
            .collect();
        assert_eq!(
            summary,
            vec![
                (opcode::PONG, true, b"in between".to_vec()),
                (opcode::TEXT, true, b"Hello".to_vec()),
                (opcode::CLOSE, true, close_payload(Some(1000), "")),
            ]
        );
        assert!(matches!(
            outcome,
            Outcome::ClosedByPeer { code: Some(1000) }
        ));
    }

    /// One row per way of breaking the protocol, with the close code the testsuite expects.
    #[tokio::test]
    async fn protocol_violations_fail_the_connection_with_the_expected_code() {
        let invalid_utf8 = vec![
            0xCE, 0xBA, 0xE1, 0xBD, 0xB9, 0xCF, 0x83, 0xCE, 0xBC, 0xCE, 0xB5, 0xED, 0xA0, 0x80,
        ];
        let rows: Vec<(&str, Vec<Frame>, u16)> = vec![
            (
                "6.3.1 invalid UTF-8 text",
                vec![masked(Frame::new(opcode::TEXT, invalid_utf8.clone()))],
                1007,
            ),
            (
                "6.4.1 invalid UTF-8 fails fast, before the last fragment",
                vec![masked(
                    Frame::new(opcode::TEXT, invalid_utf8.clone()).with_fin(false),
                )],
                1007,
            ),
            (
                "4.1.1 reserved non-control opcode 3",
                vec![masked(Frame::new(3, Vec::new()))],
                1002,
            ),
            (
                "4.2.1 reserved control opcode 11",
                vec![masked(Frame::new(0xB, Vec::new()))],
                1002,
            ),
            (
                "3.1 RSV1 without an extension",
                vec![masked(Frame::new(opcode::TEXT, b"x".to_vec()).with_rsv(4))],
                1002,
            ),
            (
                "5.1 fragmented ping",
                vec![masked(
                    Frame::new(opcode::PING, b"a".to_vec()).with_fin(false),
                )],
                1002,
            ),
            (
                "2.5 ping payload of 126",
                vec![masked(Frame::new(opcode::PING, vec![0xFE; 126]))],
                1002,
            ),
            (
                "5.3 continuation with nothing to continue",
                vec![masked(Frame::new(opcode::CONTINUATION, b"x".to_vec()))],
                1002,
            ),
            (
                "5.x text while a message is unfinished",
                vec![
                    masked(Frame::new(opcode::TEXT, b"a".to_vec()).with_fin(false)),
                    masked(Frame::new(opcode::TEXT, b"b".to_vec())),
                ],
                1002,
            ),
            (
                "unmasked frame from a client (RFC 6455 §5.1)",
                vec![Frame::new(opcode::TEXT, b"x".to_vec())],
                1002,
            ),
            (
                "7.3.2 close body of 1 octet",
                vec![masked(Frame::new(opcode::CLOSE, vec![0x03]))],
                1002,
            ),
            (
                "7.3.6 close reason of 124 octets",
                vec![masked(Frame::new(
                    opcode::CLOSE,
                    close_payload(Some(1000), &"*".repeat(124)),
                ))],
                1002,
            ),
            (
                "7.5.1 close reason not UTF-8",
                vec![masked(Frame::new(
                    opcode::CLOSE,
                    close_payload_raw(1000, &invalid_utf8),
                ))],
                1007,
            ),
        ];
        for (name, frames, code) in rows {
            let (got, outcome) = raw_session(&frames, ServeOptions::default()).await;
            assert_eq!(last_close_code(&got), Some(code), "{name}");
            assert!(
                matches!(outcome, Outcome::Failed { code: c, .. } if c == code),
                "{name}: {outcome:?}"
            );
        }
    }

    /// Close codes the peer may not send get 1002 back instead of an echo (tungstenite's
    /// doing); allowed ones are echoed.
    #[tokio::test]
    async fn close_codes_are_echoed_or_answered_with_1002() {
        let rows: [(u16, u16); 13] = [
            (1000, 1000),
            (1001, 1001),
            (1003, 1003),
            (1011, 1011),
            (3000, 3000),
            (4999, 4999),
            (0, 1002),    // 7.9.1
            (999, 1002),  // 7.9.2
            (1004, 1002), // 7.9.3
            (1005, 1002), // 7.9.4
            (1006, 1002), // 7.9.5
            (2999, 1002), // 7.9.9
            (5000, 1002), // 7.13.1
        ];
        for (sent, expected) in rows {
            let (got, _) = raw_session(&[close(sent)], ServeOptions::default()).await;
            assert_eq!(last_close_code(&got), Some(expected), "close {sent}");
        }
        // 7.3.1: an empty close body is answered with an empty close body.
        let empty = masked(Frame::new(opcode::CLOSE, Vec::new()));
        let (got, outcome) = raw_session(&[empty], ServeOptions::default()).await;
        assert_eq!(last_close_code(&got), None);
        assert!(matches!(outcome, Outcome::ClosedByPeer { code: None }));
    }

    #[tokio::test]
    async fn messages_over_the_limit_get_1009() {
        let opts = ServeOptions {
            max_message_size: Some(100),
            ..ServeOptions::default()
        };
        let ok = masked(Frame::new(opcode::BINARY, vec![1; 100]));
        let (got, _) = raw_session(&[ok, close(1000)], opts.clone()).await;
        assert_eq!(got[0].frame.payload, vec![1; 100]);
        assert_eq!(last_close_code(&got), Some(1000));

        let one_frame = masked(Frame::new(opcode::BINARY, vec![1; 101]));
        let (got, _) = raw_session(&[one_frame], opts.clone()).await;
        assert_eq!(last_close_code(&got), Some(1009));

        let fragments = [
            masked(Frame::new(opcode::BINARY, vec![1; 60]).with_fin(false)),
            masked(Frame::new(opcode::CONTINUATION, vec![1; 60])),
        ];
        let (got, _) = raw_session(&fragments, opts).await;
        assert_eq!(last_close_code(&got), Some(1009));
    }

    #[test]
    fn error_to_close_code_mapping() {
        let rows = [
            (
                WsError::Protocol(ProtocolError::NonZeroReservedBits),
                Some(CloseCode::Protocol),
            ),
            (WsError::Utf8("bad".into()), Some(CloseCode::Invalid)),
            (
                WsError::Protocol(ProtocolError::ResetWithoutClosingHandshake),
                None,
            ),
            (WsError::ConnectionClosed, None),
            (WsError::Io(io::ErrorKind::BrokenPipe.into()), None),
        ];
        for (error, code) in rows {
            assert_eq!(close_code_for(&error), code, "{error}");
        }
    }

    /// The upgrade request with `offer` as its `Sec-WebSocket-Extensions` header.
    fn upgrade_offering(offer: &str) -> Vec<u8> {
        let head = String::from_utf8(UPGRADE.to_vec()).unwrap();
        let head = head.strip_suffix("\r\n").unwrap();
        format!("{head}Sec-WebSocket-Extensions: {offer}\r\n\r\n").into_bytes()
    }

    /// The value of the response's `Sec-WebSocket-Extensions` header, if any.
    fn extensions_answer(head: &str) -> Option<String> {
        head.lines().find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("sec-websocket-extensions")
                .then(|| value.trim().to_string())
        })
    }

    /// Frames of one message compressed as a client would (§7.2.1), `fragments` long.
    fn compressed(
        deflater: &mut deflate::Codec,
        op: u8,
        msg: &[u8],
        fragments: usize,
    ) -> Vec<Frame> {
        let mut packed = Vec::new();
        deflater.compress_fragment(msg, true, &mut packed);
        let size = packed.len().div_ceil(fragments).max(1);
        let chunks: Vec<&[u8]> = packed.chunks(size).collect();
        chunks
            .iter()
            .enumerate()
            .map(|(i, chunk)| {
                let (op, rsv) = if i == 0 {
                    (op, 4)
                } else {
                    (opcode::CONTINUATION, 0)
                };
                masked(
                    Frame::new(op, chunk.to_vec())
                        .with_rsv(rsv)
                        .with_fin(i + 1 == chunks.len()),
                )
            })
            .collect()
    }

    /// A client's compressor, with no parameters negotiated.
    fn client_deflater() -> deflate::Codec {
        deflate::Codec::new(deflate::Params::default(), false)
    }

    /// The data frames the server sent, inflated in order with one context: (opcode, RSV,
    /// compressed payload, message).
    fn inflate_echoes(frames: &[DecodedFrame]) -> Vec<(u8, u8, Vec<u8>, Vec<u8>)> {
        let mut inflater = deflate::Codec::new(deflate::Params::default(), false);
        frames
            .iter()
            .filter(|d| !d.is_control())
            .map(|d| {
                assert!(d.frame.fin, "the echo is one frame");
                let mut msg = Vec::new();
                inflater.start_decompress();
                inflater.decompress(&d.frame.payload, &mut msg).unwrap();
                inflater.end_decompress(&mut msg).unwrap();
                (d.frame.opcode, d.frame.rsv, d.frame.payload.clone(), msg)
            })
            .collect()
    }

    #[tokio::test]
    async fn deflate_offers_are_answered_in_the_response_head() {
        let rows: [(&str, bool, Option<&str>); 6] = [
            (
                "permessage-deflate; client_no_context_takeover; client_max_window_bits",
                true,
                Some("permessage-deflate"),
            ),
            (
                "permessage-deflate; client_no_context_takeover; client_max_window_bits; \
                 server_no_context_takeover; server_max_window_bits=9",
                true,
                Some("permessage-deflate; server_no_context_takeover; server_max_window_bits=9"),
            ),
            (
                "permessage-deflate; server_max_window_bits=15, permessage-deflate",
                true,
                Some("permessage-deflate; server_max_window_bits=15"),
            ),
            (
                "permessage-deflate; unknown_parameter, permessage-deflate; server_no_context_takeover",
                true,
                Some("permessage-deflate; server_no_context_takeover"),
            ),
            ("permessage-deflate; server_max_window_bits=16", true, None),
            ("permessage-deflate", false, None),
        ];
        for (offer, on, expected) in rows {
            let opts = ServeOptions {
                deflate: on,
                ..ServeOptions::default()
            };
            let (head, got, _) =
                raw_session_with(&upgrade_offering(offer), &[close(1000)], opts).await;
            assert_eq!(extensions_answer(&head).as_deref(), expected, "{offer}");
            assert_eq!(last_close_code(&got), Some(1000), "{offer}");
        }
        let (head, _, _) = raw_session_with(UPGRADE, &[close(1000)], ServeOptions::default()).await;
        assert_eq!(extensions_answer(&head), None);
    }

    #[tokio::test]
    async fn compressed_messages_are_echoed_compressed_with_context_takeover() {
        let msg =
            b"{\"id\": 1, \"name\": \"permessage-deflate\", \"tags\": [\"a\", \"b\"]}".repeat(4);
        let mut deflater = client_deflater();
        let mut frames = compressed(&mut deflater, opcode::TEXT, &msg, 1);
        frames.extend(compressed(&mut deflater, opcode::TEXT, &msg, 1));
        // Messages without RSV1 are still accepted, and echoed compressed.
        frames.push(masked(Frame::new(opcode::BINARY, vec![0, 1, 2, 3])));
        frames.extend(compressed(&mut deflater, opcode::BINARY, b"", 1));
        frames.push(close(1000));
        let offer = upgrade_offering("permessage-deflate; client_max_window_bits");
        // compressing for real (the default sends stored blocks, which refer back to nothing)
        let opts = ServeOptions {
            deflate_level: 1,
            ..ServeOptions::default()
        };
        let (_, got, outcome) = raw_session_with(&offer, &frames, opts).await;
        let echoes = inflate_echoes(&got);
        let summary: Vec<_> = echoes
            .iter()
            .map(|(op, rsv, _, m)| (*op, *rsv, m.clone()))
            .collect();
        assert_eq!(
            summary,
            vec![
                (opcode::TEXT, 4, msg.clone()),
                (opcode::TEXT, 4, msg.clone()),
                (opcode::BINARY, 4, vec![0, 1, 2, 3]),
                (opcode::BINARY, 4, vec![]),
            ]
        );
        assert!(
            echoes[1].2.len() < echoes[0].2.len() / 2,
            "the second echo refers back to the first"
        );
        assert_eq!(last_close_code(&got), Some(1000));
        assert!(matches!(
            outcome,
            Outcome::ClosedByPeer { code: Some(1000) }
        ));
    }

    #[tokio::test]
    async fn server_no_context_takeover_resets_the_compressor_per_message() {
        let msg = b"no context takeover, no context takeover, no context takeover".to_vec();
        let mut deflater = client_deflater();
        let mut frames = compressed(&mut deflater, opcode::TEXT, &msg, 1);
        frames.extend(compressed(&mut deflater, opcode::TEXT, &msg, 1));
        frames.push(close(1000));
        let offer = upgrade_offering(
            "permessage-deflate; server_no_context_takeover; server_max_window_bits=8",
        );
        let (head, got, _) = raw_session_with(&offer, &frames, ServeOptions::default()).await;
        assert_eq!(
            extensions_answer(&head).as_deref(),
            Some("permessage-deflate; server_no_context_takeover; server_max_window_bits=8")
        );
        let echoes = inflate_echoes(&got);
        assert_eq!(echoes.len(), 2);
        assert_eq!(echoes[0].3, msg);
        assert_eq!(echoes[1].3, msg);
        assert_eq!(
            echoes[0].2, echoes[1].2,
            "each echo compressed from scratch"
        );
    }

    #[tokio::test]
    async fn fragmented_compressed_message_is_echoed_whole() {
        let msg: Vec<u8> = (0..3000u32)
            .map(|i| b"abcdefghij"[(i * 7 % 10) as usize])
            .collect();
        let mut frames = compressed(&mut client_deflater(), opcode::TEXT, &msg, 3);
        assert_eq!(frames.len(), 3);
        frames.insert(1, masked(Frame::new(opcode::PING, b"mid".to_vec())));
        frames.push(close(1000));
        let offer = upgrade_offering("permessage-deflate");
        let (_, got, _) = raw_session_with(&offer, &frames, ServeOptions::default()).await;
        assert_eq!(got[0].frame, Frame::new(opcode::PONG, b"mid".to_vec()));
        let echoes = inflate_echoes(&got);
        assert_eq!(echoes.len(), 1);
        assert_eq!((echoes[0].0, echoes[0].1), (opcode::TEXT, 4));
        assert_eq!(echoes[0].3, msg);
        assert_eq!(last_close_code(&got), Some(1000));
    }

    #[tokio::test]
    async fn broken_compressed_input_fails_the_connection() {
        let invalid_utf8 = compressed(
            &mut client_deflater(),
            opcode::TEXT,
            &[0xce, 0xba, 0xed, 0xa0, 0x80],
            1,
        );
        let bomb = compressed(&mut client_deflater(), opcode::BINARY, &vec![0; 100_000], 1);
        let rows: Vec<(&str, Vec<Frame>, u16)> = vec![
            (
                "not DEFLATE data (reserved block type)",
                vec![masked(
                    Frame::new(opcode::BINARY, vec![0xff, 0xff, 0xff]).with_rsv(4),
                )],
                1002,
            ),
            (
                "RSV1 on a continuation frame (§6.1)",
                vec![
                    masked(Frame::new(opcode::TEXT, b"a".to_vec()).with_fin(false)),
                    masked(Frame::new(opcode::CONTINUATION, b"b".to_vec()).with_rsv(4)),
                ],
                1002,
            ),
            (
                "RSV1 on a control frame",
                vec![masked(Frame::new(opcode::PING, b"p".to_vec()).with_rsv(4))],
                1002,
            ),
            ("invalid UTF-8 once inflated", invalid_utf8, 1007),
            ("inflates past the limit", bomb, 1009),
        ];
        for (name, frames, code) in rows {
            let opts = ServeOptions {
                max_message_size: Some(50_000),
                ..ServeOptions::default()
            };
            let offer = upgrade_offering("permessage-deflate");
            let (_, got, outcome) = raw_session_with(&offer, &frames, opts).await;
            assert_eq!(last_close_code(&got), Some(code), "{name}");
            assert!(
                matches!(outcome, Outcome::Failed { code: c, .. } if c == code),
                "{name}: {outcome:?}"
            );
        }
    }
}

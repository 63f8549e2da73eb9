//! What the raw example peers share: the faults they can be given, how an echo endpoint
//! reacts to each frame (RFC 6455 §5–§7), and the loop that reads, echoes and ends a
//! connection after its opening handshake. `faulty_server.rs` plays the server role,
//! `harness_client.rs` the client role; both are built on wsreport's own codec so a fault can
//! be put exactly where it belongs.

#![allow(dead_code)] // each example uses its own part

use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use wsreport::wire::{self, Decoded, Frame, is_valid_close_code, opcode};

/// One known fault an example peer can be given.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// A correct peer (echo, pongs, checks, close handshake).
    None,
    /// Parses each read on its own; octets of a frame split across reads are lost.
    NoReassembly,
    /// Never answers pings.
    NoPong,
    /// Never validates UTF-8.
    NoUtf8,
    /// Ignores the other side's close frame.
    NoCloseReply,
}

impl Fault {
    /// The names `--fault` takes, for usage lines.
    pub const NAMES: &'static str = "none|no-reassembly|no-pong|no-utf8|no-close-reply";

    /// The fault named `name` (one of [`Fault::NAMES`]).
    pub fn parse(name: &str) -> Result<Fault, String> {
        Ok(match name {
            "none" => Fault::None,
            "no-reassembly" => Fault::NoReassembly,
            "no-pong" => Fault::NoPong,
            "no-utf8" => Fault::NoUtf8,
            "no-close-reply" => Fault::NoCloseReply,
            other => return Err(format!("unknown fault `{other}`")),
        })
    }
}

/// Which end of the connection an example plays (RFC 6455 §5.1: a client masks every frame
/// it sends and fails on a masked frame; a server the other way round).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    /// Accepts connections; sends unmasked frames.
    Server,
    /// Opens connections; sends masked frames.
    Client,
}

impl Role {
    /// A final frame as this role sends it: masked with a fresh key by a client (§5.3).
    pub fn frame(self, op: u8, payload: Vec<u8>) -> Frame {
        let frame = Frame::new(op, payload);
        match self {
            Role::Server => frame,
            Role::Client => frame.with_mask(Some(fastrand::u32(..).to_be_bytes())),
        }
    }

    /// Whether a frame from the peer has the masking §5.1 requires of the peer's role.
    fn peer_masking_ok(self, masked: bool) -> bool {
        match self {
            Role::Server => masked,
            Role::Client => !masked,
        }
    }
}

/// What a frame makes the endpoint do.
pub enum Act {
    /// Keep reading.
    Continue,
    /// Fail the connection with this code (RFC 6455 §7.1.7).
    Fail(u16),
    /// Echo this close body and end.
    CloseReply(Vec<u8>),
}

/// One endpoint's protocol state: the message being reassembled and what it has received.
#[derive(Debug, Clone)]
pub struct Endpoint {
    fault: Fault,
    role: Role,
    /// Echo each message back (the test peers); otherwise only keep it in `received`.
    echo: bool,
    message: Option<(u8, Vec<u8>)>,
    /// Whole messages received, `(opcode, payload)`, when not echoing.
    pub received: Vec<(u8, Vec<u8>)>,
}

impl Endpoint {
    /// An endpoint that echoes every message, with `fault`.
    pub fn echo(role: Role, fault: Fault) -> Self {
        Endpoint {
            fault,
            role,
            echo: true,
            message: None,
            received: Vec::new(),
        }
    }

    /// A correct endpoint that keeps messages instead of echoing them (for the fuzzing
    /// server's control URLs, such as `/getCaseCount`).
    pub fn collect(role: Role) -> Self {
        Endpoint {
            echo: false,
            ..Endpoint::echo(role, Fault::None)
        }
    }

    /// Reacts to one frame from the peer; frames to send go to `out`.
    pub fn frame(&mut self, f: Frame, out: &mut Vec<u8>) -> Act {
        if f.rsv != 0 || !self.role.peer_masking_ok(f.mask.is_some()) {
            return Act::Fail(1002);
        }
        let op = f.opcode;
        if opcode::is_control(op) {
            if !f.fin || f.payload.len() > 125 {
                return Act::Fail(1002);
            }
            return match op {
                opcode::PING => {
                    if self.fault != Fault::NoPong {
                        out.extend(wire::encode(&self.role.frame(opcode::PONG, f.payload)));
                    }
                    Act::Continue
                }
                opcode::PONG => Act::Continue,
                opcode::CLOSE => match wire::parse_close(&f.payload) {
                    Err(_) => Act::Fail(1002),
                    Ok(c) if c.code.is_some_and(|c| !is_valid_close_code(c)) => Act::Fail(1002),
                    Ok(c) if c.reason_str().is_err() => Act::Fail(1007),
                    Ok(_) if self.fault == Fault::NoCloseReply => Act::Continue,
                    Ok(c) => Act::CloseReply(
                        c.code.map(|c| c.to_be_bytes().to_vec()).unwrap_or_default(),
                    ),
                },
                _ => Act::Fail(1002),
            };
        }
        let (kind, mut data) = match (op, self.message.take()) {
            (opcode::TEXT | opcode::BINARY, None) => (op, Vec::new()),
            (opcode::CONTINUATION, Some(m)) => m,
            _ => return Act::Fail(1002),
        };
        data.extend_from_slice(&f.payload);
        if kind == opcode::TEXT && self.fault != Fault::NoUtf8 {
            // fail fast (§8.1): an invalid sequence fails at once, an incomplete one at the end
            match std::str::from_utf8(&data) {
                Ok(_) => {}
                Err(e) if e.error_len().is_none() && !f.fin => {}
                Err(_) => return Act::Fail(1007),
            }
        }
        if !f.fin {
            self.message = Some((kind, data));
        } else if self.echo {
            out.extend(wire::encode(&self.role.frame(kind, data)));
        } else {
            self.received.push((kind, data));
        }
        Act::Continue
    }

    /// Whether the no-reassembly fault keeps this read: it parses each read on its own, so a
    /// read that is not whole valid frames (a frame split across reads, or pieces that happen
    /// to decode) is dropped as noise. Dropping the whole read keeps the outcome from
    /// depending on how the peer's chops were coalesced.
    fn would_take(&self, read: &[u8]) -> bool {
        let Some(frames) = whole_frames(read) else {
            return false;
        };
        let mut trial = self.clone();
        let mut out = Vec::new();
        frames
            .into_iter()
            .all(|f| !matches!(trial.frame(f, &mut out), Act::Fail(_)))
    }
}

/// The frames `data` holds when it is exactly whole frames.
pub fn whole_frames(data: &[u8]) -> Option<Vec<Frame>> {
    let mut frames = Vec::new();
    let mut at = 0;
    while at < data.len() {
        match wire::decode(&data[at..]) {
            Ok(Decoded::Complete(f)) => {
                at += f.consumed;
                frames.push(f.frame);
            }
            _ => return None,
        }
    }
    Some(frames)
}

/// How a connection's frame loop ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ending {
    /// A close frame was sent (a reply to the peer's, or failing the connection); the role's
    /// closing of TCP follows in [`finish`].
    SentClose,
    /// The peer closed TCP, or reading or writing failed.
    Gone,
    /// Nothing arrived for the idle bound.
    Idle,
}

/// Runs `endpoint` on `stream` after the opening handshake: `rest` holds the octets read
/// past the handshake (they count as the first read). Reads (each bounded by `idle`), reacts, writes, and on a close or a
/// protocol error sends the close frame and returns; the caller then calls [`finish`].
pub async fn run<S>(
    stream: &mut S,
    rest: Vec<u8>,
    endpoint: &mut Endpoint,
    idle: Duration,
) -> Ending
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    let mut buf = vec![0u8; 1 << 16];
    let mut first_read = Some(rest).filter(|r| !r.is_empty());
    let mut pending = Vec::new();
    loop {
        let read = match first_read.take() {
            Some(rest) => rest,
            None => match tokio::time::timeout(idle, stream.read(&mut buf)).await {
                Err(_) => return Ending::Idle,
                Ok(Ok(0) | Err(_)) => return Ending::Gone,
                Ok(Ok(n)) => buf[..n].to_vec(),
            },
        };
        if endpoint.fault == Fault::NoReassembly && !endpoint.would_take(&read) {
            continue;
        }
        pending.extend_from_slice(&read);
        let mut out = Vec::new();
        let mut end = None;
        loop {
            match wire::decode(&pending) {
                Ok(Decoded::Complete(f)) => {
                    pending.drain(..f.consumed);
                    match endpoint.frame(f.frame, &mut out) {
                        Act::Continue => {}
                        Act::Fail(code) => {
                            end = Some(wire::close_payload(Some(code), ""));
                            break;
                        }
                        Act::CloseReply(body) => {
                            end = Some(body);
                            break;
                        }
                    }
                }
                Ok(Decoded::Incomplete { .. }) => break,
                Err(_) => {
                    end = Some(wire::close_payload(Some(1002), ""));
                    break;
                }
            }
        }
        if !out.is_empty() && stream.write_all(&out).await.is_err() {
            return Ending::Gone;
        }
        if let Some(body) = end {
            let close = endpoint.role.frame(opcode::CLOSE, body);
            return match stream.write_all(&wire::encode(&close)).await {
                Ok(()) => Ending::SentClose,
                Err(_) => Ending::Gone,
            };
        }
    }
}

/// Ends the TCP connection after a close frame was sent, as §7.1.1 asks of `role`: the
/// server closes TCP first and then drains what the client still sends; the client waits
/// (up to `wait`) for the server to close, and only then drops its side.
pub async fn finish<S>(stream: &mut S, role: Role, wait: Duration)
where
    S: AsyncRead + AsyncWrite + Unpin,
{
    if role == Role::Server {
        let _ = stream.shutdown().await;
    }
    let mut buf = vec![0u8; 1 << 16];
    let drain = async {
        while let Ok(n) = stream.read(&mut buf).await {
            if n == 0 {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(wait, drain).await;
}

#[cfg(test)]
mod tests {
    use super::*;
    use wsreport::wire::DecodedFrame;

    fn decode_all(mut data: &[u8]) -> Vec<DecodedFrame> {
        let mut frames = Vec::new();
        while let Ok(Decoded::Complete(f)) = wire::decode(data) {
            data = &data[f.consumed..];
            frames.push(f);
        }
        assert!(data.is_empty(), "trailing octets {data:?}");
        frames
    }

    /// Frames as the fuzzing server sends them to a client: unmasked.
    fn from_server(op: u8, payload: &[u8]) -> Frame {
        Frame::new(op, payload.to_vec())
    }

    /// What a frame made the endpoint do: `Ok(None)` go on, `Ok(Some(body))` reply to a
    /// close with `body`, `Err(code)` fail the connection.
    type Outcome = Result<Option<Vec<u8>>, u16>;

    fn outcome(act: Act) -> Outcome {
        match act {
            Act::Continue => Ok(None),
            Act::CloseReply(body) => Ok(Some(body)),
            Act::Fail(code) => Err(code),
        }
    }

    #[test]
    fn a_client_fails_on_what_rfc_6455_forbids_a_server_to_send() {
        let table: &[(Frame, Outcome)] = &[
            (from_server(opcode::TEXT, b"hi"), Ok(None)),
            (
                from_server(opcode::TEXT, b"hi").with_mask(Some([1, 2, 3, 4])),
                Err(1002),
            ),
            (from_server(opcode::TEXT, b"hi").with_rsv(2), Err(1002)),
            (from_server(3, b""), Err(1002)),
            (from_server(opcode::CONTINUATION, b"x"), Err(1002)),
            (from_server(opcode::PING, &[b'x'; 126]), Err(1002)),
            (from_server(opcode::PING, b"").with_fin(false), Err(1002)),
            (
                from_server(opcode::TEXT, b"\xce\xba\xed\xa0\x80"),
                Err(1007),
            ),
            (
                from_server(opcode::CLOSE, &[3, 232]),
                Ok(Some(vec![3, 232])),
            ),
            (from_server(opcode::CLOSE, b""), Ok(Some(vec![]))),
            (from_server(opcode::CLOSE, &[3]), Err(1002)),
            (from_server(opcode::CLOSE, &[3, 231]), Err(1002)),
            (from_server(opcode::CLOSE, b"\x03\xe8\xff"), Err(1007)),
        ];
        for (frame, want) in table {
            let mut client = Endpoint::echo(Role::Client, Fault::None);
            let got = outcome(client.frame(frame.clone(), &mut Vec::new()));
            assert_eq!(&got, want, "{frame:?}");
        }
    }

    #[test]
    fn a_server_fails_on_unmasked_frames_from_its_client() {
        let mut server = Endpoint::echo(Role::Server, Fault::None);
        let got = outcome(server.frame(from_server(opcode::TEXT, b"hi"), &mut Vec::new()));
        assert_eq!(got, Err(1002));
    }

    #[test]
    fn a_client_echoes_and_pongs_with_masked_frames() {
        let mut client = Endpoint::echo(Role::Client, Fault::None);
        let mut out = Vec::new();
        for f in [
            from_server(opcode::TEXT, b"Hello, ").with_fin(false),
            from_server(opcode::PING, b"p"),
            from_server(opcode::CONTINUATION, b"world"),
        ] {
            assert!(matches!(client.frame(f, &mut out), Act::Continue));
        }
        let sent = decode_all(&out);
        let got: Vec<(u8, &[u8], bool)> = sent
            .iter()
            .map(|f| (f.frame.opcode, &f.frame.payload[..], f.masked()))
            .collect();
        assert_eq!(
            got,
            [
                (opcode::PONG, &b"p"[..], true),
                (opcode::TEXT, &b"Hello, world"[..], true)
            ]
        );
    }

    #[test]
    fn utf8_fails_fast_within_a_fragment_and_waits_for_a_split_character() {
        let mut client = Endpoint::echo(Role::Client, Fault::None);
        let mut out = Vec::new();
        // κ split across fragments: incomplete, not invalid
        let first = from_server(opcode::TEXT, b"\xce").with_fin(false);
        assert!(matches!(client.frame(first, &mut out), Act::Continue));
        let second = from_server(opcode::CONTINUATION, b"\xba").with_fin(false);
        assert!(matches!(client.frame(second, &mut out), Act::Continue));
        let bad = from_server(opcode::CONTINUATION, b"\xff").with_fin(false);
        assert!(matches!(client.frame(bad, &mut out), Act::Fail(1007)));
    }

    #[test]
    fn faults_change_only_what_they_name() {
        let mut out = Vec::new();
        let mut no_pong = Endpoint::echo(Role::Client, Fault::NoPong);
        assert!(matches!(
            no_pong.frame(from_server(opcode::PING, b"p"), &mut out),
            Act::Continue
        ));
        assert!(out.is_empty());
        let mut no_utf8 = Endpoint::echo(Role::Client, Fault::NoUtf8);
        let bad = from_server(opcode::TEXT, b"\xff");
        assert!(matches!(no_utf8.frame(bad, &mut out), Act::Continue));
        let mut no_close = Endpoint::echo(Role::Client, Fault::NoCloseReply);
        let close = from_server(opcode::CLOSE, &[3, 232]);
        assert!(matches!(no_close.frame(close, &mut out), Act::Continue));
    }

    #[test]
    fn no_reassembly_keeps_only_reads_of_whole_acceptable_frames() {
        let client = Endpoint::echo(Role::Client, Fault::NoReassembly);
        let ping = wire::encode(&from_server(opcode::PING, b"payload-0"));
        let two = [ping.clone(), ping.clone()].concat();
        assert!(client.would_take(&ping));
        assert!(client.would_take(&two));
        assert!(!client.would_take(&ping[..5]));
        assert!(!client.would_take(&two[..15]));
        let bad = wire::encode(&from_server(opcode::TEXT, b"x").with_rsv(4));
        assert!(!client.would_take(&[ping, bad].concat()));
    }

    #[tokio::test]
    async fn a_client_session_echoes_then_answers_the_close_over_a_stream() {
        let (mut ours, mut theirs) = tokio::io::duplex(1 << 16);
        let mut input = Vec::new();
        for f in [
            from_server(opcode::BINARY, b"\x00\x01"),
            from_server(opcode::PING, b"p"),
            from_server(opcode::CLOSE, &[3, 232]),
        ] {
            input.extend(wire::encode(&f));
        }
        // the first frame arrives with the handshake's read, the rest in a read of its own
        let first_len = wire::encode(&from_server(opcode::BINARY, b"\x00\x01")).len();
        theirs.write_all(&input[first_len..]).await.unwrap();
        let mut client = Endpoint::echo(Role::Client, Fault::None);
        let rest = input[..first_len].to_vec();
        let ending = run(&mut ours, rest, &mut client, Duration::from_secs(5)).await;
        assert_eq!(ending, Ending::SentClose);
        drop(ours);
        let mut sent = Vec::new();
        theirs.read_to_end(&mut sent).await.unwrap();
        let got: Vec<(u8, Vec<u8>)> = decode_all(&sent)
            .into_iter()
            .map(|f| (f.frame.opcode, f.frame.payload))
            .collect();
        assert_eq!(
            got,
            [
                (opcode::BINARY, vec![0, 1]),
                (opcode::PONG, b"p".to_vec()),
                (opcode::CLOSE, vec![3, 232]),
            ]
        );
    }

    #[tokio::test]
    async fn a_silent_peer_ends_the_session_at_the_idle_bound() {
        let (mut ours, _theirs) = tokio::io::duplex(64);
        let mut client = Endpoint::echo(Role::Client, Fault::None);
        let ending = run(
            &mut ours,
            Vec::new(),
            &mut client,
            Duration::from_millis(50),
        )
        .await;
        assert_eq!(ending, Ending::Idle);
    }
}

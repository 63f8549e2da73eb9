//! What the raw example peers share: the faults they can be given, how an echo endpoint
//! reacts to each frame (RFC 6455 §5–§7), and the loop that reads, echoes and ends a
//! connection after its opening handshake. `faulty_server.rs` plays the server role,
//! `harness_client.rs` the client role; both are built on wsreport's own codec so a fault can
//! be put exactly where it belongs.

#![allow(dead_code)] // each example uses its own part

use std::time::Duration;

use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use wsreport::protocol::handshake::{accept_for, check_response, new_key, request};
use wsreport::wire::{self, Decoded, Frame, is_valid_close_code, opcode};

/// One known fault an example peer can be given; each is one family `wsreport explain`
/// must name (its fault key in `wsreport::explain::faults`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// A correct peer (echo, pongs, checks, close handshake).
    None,
    /// Parses each read on its own; octets of a frame split across reads are lost.
    NoReassembly,
    /// Never answers pings.
    NoPong,
    /// Answers pings with an empty payload.
    PongEmpty,
    /// Answers only the last ping of a burst (RFC 6455 §5.5.3 allows it).
    PongLastOnly,
    /// Never validates UTF-8 (text messages, close reasons).
    NoUtf8,
    /// Validates UTF-8 only when the message is complete (no fail-fast).
    Utf8Late,
    /// Ignores the other side's close frame.
    NoCloseReply,
    /// Drops TCP where it should send a close frame (reply or failure).
    TcpDrop,
    /// Echoes close codes RFC 6455 §7.4 calls invalid instead of failing with 1002.
    AcceptBadCloseCodes,
    /// Fails with 1002 on valid close codes other than 1000-1003.
    RefuseValidCloseCodes,
    /// Answers every close with 1001, whatever code came.
    WrongCloseCode,
    /// Does not check the RSV bits.
    NoRsvCheck,
    /// Ignores frames with reserved opcodes.
    NoOpcodeCheck,
    /// Fails every fragmented message with 1002.
    NoFragments,
    /// Fails messages over 100 KiB with 1009.
    SizeLimit,
    /// Fails messages of more than 100 frames with 1009.
    FrameCap,
    /// Refuses the opening handshake.
    HandshakeRefused,
    /// Echoes text messages as binary ones (same payload, wrong opcode).
    TextAsBinary,
}

/// The message size over which [`Fault::SizeLimit`] refuses.
pub const SIZE_LIMIT: usize = 100 << 10;
/// The frames per message over which [`Fault::FrameCap`] refuses.
pub const FRAME_CAP: usize = 100;

impl Fault {
    /// Every fault with its `--fault` name.
    pub const ALL: &'static [(&'static str, Fault)] = &[
        ("none", Fault::None),
        ("no-reassembly", Fault::NoReassembly),
        ("no-pong", Fault::NoPong),
        ("pong-empty", Fault::PongEmpty),
        ("pong-last-only", Fault::PongLastOnly),
        ("no-utf8", Fault::NoUtf8),
        ("utf8-late", Fault::Utf8Late),
        ("no-close-reply", Fault::NoCloseReply),
        ("tcp-drop", Fault::TcpDrop),
        ("accept-bad-close-codes", Fault::AcceptBadCloseCodes),
        ("refuse-valid-close-codes", Fault::RefuseValidCloseCodes),
        ("wrong-close-code", Fault::WrongCloseCode),
        ("no-rsv-check", Fault::NoRsvCheck),
        ("no-opcode-check", Fault::NoOpcodeCheck),
        ("no-fragments", Fault::NoFragments),
        ("size-limit", Fault::SizeLimit),
        ("frame-cap", Fault::FrameCap),
        ("handshake-refused", Fault::HandshakeRefused),
        ("text-as-binary", Fault::TextAsBinary),
    ];

    /// The names `--fault` takes, for usage lines.
    pub const NAMES: &'static str = "none|no-reassembly|no-pong|pong-empty|pong-last-only|\
        no-utf8|utf8-late|no-close-reply|tcp-drop|accept-bad-close-codes|\
        refuse-valid-close-codes|wrong-close-code|no-rsv-check|no-opcode-check|no-fragments|\
        size-limit|frame-cap|handshake-refused|text-as-binary";

    /// The fault named `name` (one of [`Fault::NAMES`]).
    pub fn parse(name: &str) -> Result<Fault, String> {
        Fault::ALL
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, f)| *f)
            .ok_or_else(|| format!("unknown fault `{name}`"))
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
    /// Frames of the message being reassembled.
    frames: usize,
    /// [`Fault::PongLastOnly`]: the pong held back until the burst of pings ends.
    pub held_pong: Option<Vec<u8>>,
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
            frames: 0,
            held_pong: None,
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
        let rsv_bad = f.rsv != 0 && self.fault != Fault::NoRsvCheck;
        if rsv_bad || !self.role.peer_masking_ok(f.mask.is_some()) {
            return Act::Fail(1002);
        }
        let op = f.opcode;
        let reserved = (3..=7).contains(&op) || op >= 11;
        if reserved && self.fault == Fault::NoOpcodeCheck {
            return Act::Continue;
        }
        if opcode::is_control(op) {
            if !f.fin || f.payload.len() > 125 {
                return Act::Fail(1002);
            }
            return match op {
                opcode::PING => {
                    match self.fault {
                        Fault::NoPong => {}
                        Fault::PongEmpty => {
                            out.extend(wire::encode(&self.role.frame(opcode::PONG, Vec::new())))
                        }
                        Fault::PongLastOnly => self.held_pong = Some(f.payload),
                        _ => out.extend(wire::encode(&self.role.frame(opcode::PONG, f.payload))),
                    }
                    Act::Continue
                }
                opcode::PONG => Act::Continue,
                opcode::CLOSE => match wire::parse_close(&f.payload) {
                    Err(_) => Act::Fail(1002),
                    Ok(c)
                        if c.code.is_some_and(|c| !is_valid_close_code(c))
                            && self.fault != Fault::AcceptBadCloseCodes =>
                    {
                        Act::Fail(1002)
                    }
                    Ok(c)
                        if c.code.is_some_and(|c| c > 1003)
                            && self.fault == Fault::RefuseValidCloseCodes =>
                    {
                        Act::Fail(1002)
                    }
                    Ok(c) if c.reason_str().is_err() && self.fault != Fault::NoUtf8 => {
                        Act::Fail(1007)
                    }
                    Ok(_) if self.fault == Fault::NoCloseReply => Act::Continue,
                    Ok(c) if self.fault == Fault::WrongCloseCode && c.code.is_some() => {
                        Act::CloseReply(1001u16.to_be_bytes().to_vec())
                    }
                    Ok(c) => Act::CloseReply(
                        c.code.map(|c| c.to_be_bytes().to_vec()).unwrap_or_default(),
                    ),
                },
                _ => Act::Fail(1002),
            };
        }
        let (kind, mut data) = match (op, self.message.take()) {
            (opcode::TEXT | opcode::BINARY, None) => {
                self.frames = 0;
                (op, Vec::new())
            }
            (opcode::CONTINUATION, Some(m)) => m,
            _ => return Act::Fail(1002),
        };
        self.frames += 1;
        if self.fault == Fault::NoFragments && (!f.fin || op == opcode::CONTINUATION) {
            return Act::Fail(1002);
        }
        if self.fault == Fault::FrameCap && self.frames > FRAME_CAP {
            return Act::Fail(1009);
        }
        data.extend_from_slice(&f.payload);
        if self.fault == Fault::SizeLimit && data.len() > SIZE_LIMIT {
            return Act::Fail(1009);
        }
        let validate_now = self.fault != Fault::NoUtf8 && (self.fault != Fault::Utf8Late || f.fin);
        if kind == opcode::TEXT && validate_now {
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
            let kind = match kind {
                opcode::TEXT if self.fault == Fault::TextAsBinary => opcode::BINARY,
                k => k,
            };
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
        // a held pong goes out once the burst of pings is over: nothing more for 100 ms
        let wait = if endpoint.held_pong.is_some() {
            Duration::from_millis(100)
        } else {
            idle
        };
        let read = match first_read.take() {
            Some(rest) => rest,
            None => match tokio::time::timeout(wait, stream.read(&mut buf)).await {
                Err(_) if endpoint.held_pong.is_some() => {
                    let pong = endpoint.held_pong.take().unwrap_or_default();
                    let frame = endpoint.role.frame(opcode::PONG, pong);
                    if stream.write_all(&wire::encode(&frame)).await.is_err() {
                        return Ending::Gone;
                    }
                    continue;
                }
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
            if endpoint.fault == Fault::TcpDrop {
                return Ending::Gone;
            }
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

/// The largest response head a client reads.
const MAX_HEAD: usize = 16 * 1024;
/// How long a client waits for the server to close TCP after a closing handshake.
pub const CLOSE_WAIT: Duration = Duration::from_secs(3);

/// Serves every connection of `listener` as an echo server with `fault`, forever.
pub async fn serve(listener: TcpListener, fault: Fault, idle: Duration) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        tokio::spawn(serve_connection(stream, fault, idle));
    }
}

/// One server connection: the opening handshake (RFC 6455 §4.2), then the echo endpoint.
pub async fn serve_connection(mut stream: TcpStream, fault: Fault, idle: Duration) {
    let mut buf = vec![0u8; 1 << 16];
    let mut head = Vec::new();
    let rest = loop {
        let Ok(n) = stream.read(&mut buf).await else {
            return;
        };
        if n == 0 {
            return;
        }
        head.extend_from_slice(&buf[..n]);
        if let Some(end) = head.windows(4).position(|w| w == b"\r\n\r\n") {
            break head.split_off(end + 4);
        }
    };
    let text = String::from_utf8_lossy(&head).to_string();
    let key = text.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim()
            .eq_ignore_ascii_case("sec-websocket-key")
            .then(|| v.trim().to_string())
    });
    let Some(key) = key.filter(|_| fault != Fault::HandshakeRefused) else {
        let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n").await;
        return;
    };
    let response = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: {}\r\n\r\n",
        accept_for(&key)
    );
    if stream.write_all(response.as_bytes()).await.is_err() {
        return;
    }
    let mut endpoint = Endpoint::echo(Role::Server, fault);
    if run(&mut stream, rest, &mut endpoint, idle).await == Ending::SentClose {
        finish(&mut stream, Role::Server, Duration::from_secs(2)).await;
    }
}

/// Opens a WebSocket connection to `resource` on `host` (RFC 6455 §4.1), each step bounded
/// by `idle`; returns the stream and the octets read past the response head.
pub async fn connect(
    host: &str,
    resource: &str,
    idle: Duration,
) -> Result<(TcpStream, Vec<u8>), String> {
    let mut stream = tokio::time::timeout(idle, TcpStream::connect(host))
        .await
        .map_err(|_| format!("connecting to {host} timed out"))?
        .map_err(|e| format!("connecting to {host}: {e}"))?;
    let _ = stream.set_nodelay(true);
    let key = new_key();
    stream
        .write_all(&request(host, resource, &key, None))
        .await
        .map_err(|e| format!("sending the request: {e}"))?;
    let mut head = Vec::new();
    let mut buf = vec![0u8; 4096];
    let rest = loop {
        let n = tokio::time::timeout(idle, stream.read(&mut buf))
            .await
            .map_err(|_| format!("no handshake response within {idle:?}"))?
            .map_err(|e| format!("reading the response: {e}"))?;
        if n == 0 {
            return Err("the server closed before its handshake response".into());
        }
        head.extend_from_slice(&buf[..n]);
        if let Some(end) = head.windows(4).position(|w| w == b"\r\n\r\n") {
            break head.split_off(end + 4);
        }
        if head.len() > MAX_HEAD {
            return Err(format!("response head over {MAX_HEAD} octets"));
        }
    };
    check_response(&head, &key)?;
    Ok((stream, rest))
}

/// Runs `endpoint` on a connection to `resource` until the connection ends; a connection
/// the server leaves idle is closed by us (normal closure) so control URLs never hang. A
/// client with [`Fault::HandshakeRefused`] drops the connection after the server's answer.
pub async fn session(
    host: &str,
    resource: &str,
    endpoint: &mut Endpoint,
    idle: Duration,
) -> Result<Ending, String> {
    let (mut stream, rest) = connect(host, resource, idle).await?;
    if endpoint.fault == Fault::HandshakeRefused {
        return Ok(Ending::Gone);
    }
    let ending = run(&mut stream, rest, endpoint, idle).await;
    match ending {
        Ending::SentClose => finish(&mut stream, Role::Client, CLOSE_WAIT).await,
        Ending::Idle => {
            let close = Role::Client.frame(opcode::CLOSE, 1000u16.to_be_bytes().to_vec());
            let _ = stream.write_all(&close.encode()).await;
            finish(&mut stream, Role::Client, CLOSE_WAIT).await;
        }
        Ending::Gone => {}
    }
    Ok(ending)
}

/// The text messages a control URL of a fuzzing server sends.
pub async fn ask(host: &str, resource: &str, idle: Duration) -> Result<Vec<String>, String> {
    let mut endpoint = Endpoint::collect(Role::Client);
    session(host, resource, &mut endpoint, idle).await?;
    Ok(endpoint
        .received
        .into_iter()
        .filter(|(op, _)| *op == opcode::TEXT)
        .map(|(_, text)| String::from_utf8_lossy(&text).into_owned())
        .collect())
}

/// `s` percent-encoded for a query value (RFC 3986 unreserved characters kept).
pub fn query_escape(s: &str) -> String {
    s.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Runs case `n` of a fuzzing server as an echo client with `fault`; `Err` says why it did
/// not end with a closed connection.
pub async fn client_case(
    host: &str,
    n: usize,
    agent: &str,
    fault: Fault,
    idle: Duration,
) -> Result<(), String> {
    let resource = format!("/runCase?case={n}&agent={}", query_escape(agent));
    let mut endpoint = Endpoint::echo(Role::Client, fault);
    // the idle bound ends a quiet case; this one ends a server that trickles forever
    let bound = idle * 8;
    match tokio::time::timeout(bound, session(host, &resource, &mut endpoint, idle)).await {
        Err(_) => Err(format!("still running after {bound:?}")),
        Ok(Err(e)) => Err(e),
        Ok(Ok(Ending::Idle)) => Err(format!("nothing received for {idle:?}")),
        Ok(Ok(_)) => Ok(()),
    }
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

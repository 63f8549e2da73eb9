//! A small raw WebSocket echo server with one known fault, to check that replay (and the
//! real testsuite) see the failures that fault must cause.
//!
//! ```text
//! cargo run --example faulty_server -- --fault no-pong --listen 127.0.0.1:0
//! ```
//! prints `ws://ADDR` on stdout once listening. Faults:
//! - `none`: a correct server (echo, pongs, checks, close handshake).
//! - `no-reassembly`: parses each read on its own; octets of a frame split across reads are
//!   lost (fails 2.11, 2.6 and every chopped case).
//! - `no-pong`: never answers pings (fails 2.1–2.4, 2.6, 2.9–2.11).
//! - `no-utf8`: never validates UTF-8 (fails 6.x with invalid text).
//! - `no-close-reply`: ignores the peer's close frame (every case the fuzzer closes is unclean).

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use wsreport::replay::handshake::accept_for;
use wsreport::wire::{self, Decoded, Frame, is_valid_close_code, opcode};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Fault {
    None,
    NoReassembly,
    NoPong,
    NoUtf8,
    NoCloseReply,
}

fn parse_args() -> Result<(Fault, String), String> {
    let mut fault = Fault::None;
    let mut listen = "127.0.0.1:0".to_string();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let value = args.next().ok_or(format!("{a} needs a value"))?;
        match a.as_str() {
            "--fault" => {
                fault = match value.as_str() {
                    "none" => Fault::None,
                    "no-reassembly" => Fault::NoReassembly,
                    "no-pong" => Fault::NoPong,
                    "no-utf8" => Fault::NoUtf8,
                    "no-close-reply" => Fault::NoCloseReply,
                    other => return Err(format!("unknown fault `{other}`")),
                }
            }
            "--listen" => listen = value,
            other => return Err(format!("unknown argument `{other}`")),
        }
    }
    Ok((fault, listen))
}

#[tokio::main]
async fn main() {
    let (fault, listen) = match parse_args() {
        Ok(a) => a,
        Err(e) => {
            eprintln!(
                "faulty_server: {e}\nusage: faulty_server --fault none|no-reassembly|no-pong|no-utf8|no-close-reply --listen ADDR"
            );
            std::process::exit(2);
        }
    };
    let listener = TcpListener::bind(&listen).await.expect("bind");
    println!("ws://{}", listener.local_addr().expect("address"));
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let _ = stream.set_nodelay(true);
        tokio::spawn(connection(stream, fault));
    }
}

/// What a frame makes the server do.
enum Act {
    Continue,
    /// Fail the connection with this code (RFC 6455 §7.1.7).
    Fail(u16),
    /// Echo this close body and end.
    CloseReply(Vec<u8>),
}

struct Session {
    fault: Fault,
    message: Option<(u8, Vec<u8>)>,
}

impl Session {
    fn frame(&mut self, f: Frame, out: &mut Vec<u8>) -> Act {
        if f.rsv != 0 || f.mask.is_none() {
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
                        out.extend(wire::encode(&Frame::new(opcode::PONG, f.payload)));
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
            match std::str::from_utf8(&data) {
                Ok(_) => {}
                Err(e) if e.error_len().is_none() && !f.fin => {}
                Err(_) => return Act::Fail(1007),
            }
        }
        if f.fin {
            out.extend(wire::encode(&Frame::new(kind, data)));
        } else {
            self.message = Some((kind, data));
        }
        Act::Continue
    }
}

/// The frames `data` holds when it is exactly whole frames.
fn whole_frames(data: &[u8]) -> Option<Vec<Frame>> {
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

async fn connection(mut stream: TcpStream, fault: Fault) {
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
    let Some(key) = text.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim()
            .eq_ignore_ascii_case("sec-websocket-key")
            .then(|| v.trim().to_string())
    }) else {
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
    let mut session = Session {
        fault,
        message: None,
    };
    let mut pending = rest;
    let mut first = true;
    loop {
        if !first || pending.is_empty() {
            let n = match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            if fault == Fault::NoReassembly {
                // The fault: each read is parsed on its own. A read that is not whole valid
                // frames (a frame split across reads, or pieces that happen to decode) is
                // dropped as noise, so the outcome does not depend on how the peer's chops
                // were coalesced.
                match whole_frames(&buf[..n]) {
                    Some(frames) => {
                        let mut out = Vec::new();
                        let mut noisy = Session {
                            fault,
                            message: session.message.clone(),
                        };
                        let all_fine = frames
                            .into_iter()
                            .all(|f| !matches!(noisy.frame(f, &mut out), Act::Fail(_)));
                        if !all_fine {
                            continue;
                        }
                    }
                    None => continue,
                }
            }
            pending.extend_from_slice(&buf[..n]);
        }
        first = false;
        let mut out = Vec::new();
        let mut end = None;
        loop {
            match wire::decode(&pending) {
                Ok(Decoded::Complete(f)) => {
                    pending.drain(..f.consumed);
                    match session.frame(f.frame, &mut out) {
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
            return;
        }
        if let Some(body) = end {
            let _ = stream
                .write_all(&wire::encode(&Frame::new(opcode::CLOSE, body)))
                .await;
            // the server closes TCP first (§7.1.1), then drains what the peer still sends
            let _ = stream.shutdown().await;
            let drain = async {
                while let Ok(n) = stream.read(&mut buf).await {
                    if n == 0 {
                        break;
                    }
                }
            };
            let _ = tokio::time::timeout(Duration::from_secs(2), drain).await;
            return;
        }
    }
}

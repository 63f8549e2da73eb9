//! A hostile WebSocket peer, for measuring what wsreport's engine holds when a peer sends
//! more than any case needs (issue 15, `docs/security.md`). Not part of the release binary.
//!
//! ```sh
//! # a server for `wsreport replay`/`run` to connect to; prints its URL, serves one attack
//! # per connection until killed
//! cargo run --release --example hostile_peer -- server --listen 127.0.0.1:0 --attack bomb --size 1G
//! /usr/bin/time -v wsreport replay 12.1.1 --target ws://127.0.0.1:PORT
//! # a client for `wsreport fuzzingserver`: one /runCase connection carrying the attack
//! cargo run --release --example hostile_peer -- client --url 'ws://127.0.0.1:9001/runCase?case=1&agent=x' --attack message --size 100M
//! ```
//!
//! Attacks (`--size N[K|M|G]`, the octets a receiver would have to hold):
//! - `bomb`: one permessage-deflate text frame (RSV1) of about N/1000 octets that inflates to
//!   N zero octets (a 1 GiB bomb is ~1 MiB). Needs a case that negotiates deflate (12.x, 13.x).
//! - `frame`: one binary frame of N octets, header first, payload written as fast as the
//!   receiver reads it.
//! - `message`: one binary message of N octets in 1 MiB fragments.
//! - `header`: a frame header declaring N octets, and nothing after it.

use std::time::Duration;

use flate2::{Compress, Compression, FlushCompress};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use wsreport::protocol::handshake;
use wsreport::wire::{Frame, LengthForm, apply_mask, encode, opcode};

#[derive(Debug, Clone, Copy)]
enum Attack {
    Bomb,
    Frame,
    Message,
    Header,
}

fn usage() -> ! {
    eprintln!(
        "usage: hostile_peer server --listen ADDR --attack bomb|frame|message|header --size N[K|M|G]\n       \
         hostile_peer client --url ws://HOST:PORT/PATH --attack … --size …"
    );
    std::process::exit(2)
}

fn parse_size(s: &str) -> u64 {
    let (n, unit) = match s.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&s[..i], c.to_ascii_uppercase()),
        _ => (s, ' '),
    };
    let n: u64 = n.parse().unwrap_or_else(|_| usage());
    n << match unit {
        'K' => 10,
        'M' => 20,
        'G' => 30,
        ' ' => 0,
        _ => usage(),
    }
}

/// `size` zero octets deflated (raw, sync flush, the `00 00 ff ff` tail removed: RFC 7692
/// §7.2.1), fed 1 MiB at a time so the attacker never holds them.
fn bomb(size: u64) -> Vec<u8> {
    let zeros = vec![0u8; 1 << 20];
    let mut c = Compress::new_with_window_bits(Compression::best(), false, 15);
    let mut out = Vec::with_capacity((size / 1000) as usize + 1024);
    let mut left = size;
    while left > 0 {
        let n = left.min(zeros.len() as u64) as usize;
        let before = c.total_in();
        while c.total_in() - before < n as u64 {
            let done = (c.total_in() - before) as usize;
            out.reserve(64 << 10);
            c.compress_vec(&zeros[done..n], &mut out, FlushCompress::None)
                .expect("deflate");
        }
        left -= n as u64;
    }
    loop {
        out.reserve(64 << 10);
        c.compress_vec(&[], &mut out, FlushCompress::Sync)
            .expect("deflate");
        if out.len() < out.capacity() {
            break;
        }
    }
    if out.ends_with(&[0, 0, 0xff, 0xff]) {
        out.truncate(out.len() - 4);
    }
    out
}

/// A frame header (RFC 6455 §5.2) declaring `len` octets.
fn header(fin: bool, rsv: u8, op: u8, len: u64, mask: Option<[u8; 4]>) -> Vec<u8> {
    let mut h = vec![(u8::from(fin) << 7) | (rsv << 4) | op];
    let m = if mask.is_some() { 0x80 } else { 0 };
    match LengthForm::minimal(len) {
        LengthForm::Short7 => h.push(m | len as u8),
        LengthForm::Extended16 => {
            h.push(m | 126);
            h.extend_from_slice(&(len as u16).to_be_bytes());
        }
        LengthForm::Extended64 => {
            h.push(m | 127);
            h.extend_from_slice(&len.to_be_bytes());
        }
    }
    if let Some(k) = mask {
        h.extend_from_slice(&k);
    }
    h
}

/// Sends the attack; `mask` as a client must. Returns the octets written before the
/// receiver stopped reading.
async fn attack<S: AsyncWrite + Unpin>(
    s: &mut S,
    attack: Attack,
    size: u64,
    mask: Option<[u8; 4]>,
) -> u64 {
    let mut sent = 0u64;
    match attack {
        Attack::Bomb => {
            let payload = bomb(size);
            eprintln!(
                "hostile_peer: bomb of {} octets inflating to {size}",
                payload.len()
            );
            let frame = encode(&Frame {
                fin: true,
                rsv: 4,
                opcode: opcode::TEXT,
                mask,
                payload,
            });
            if s.write_all(&frame).await.is_ok() {
                sent += frame.len() as u64;
            }
        }
        Attack::Header => {
            let h = header(true, 0, opcode::BINARY, size, mask);
            if s.write_all(&h).await.is_ok() {
                sent += h.len() as u64;
            }
        }
        Attack::Frame => {
            let h = header(true, 0, opcode::BINARY, size, mask);
            if s.write_all(&h).await.is_err() {
                return sent;
            }
            // zeros masked with the key are the key repeated
            let mut chunk = vec![0u8; 1 << 20];
            if let Some(k) = mask {
                apply_mask(&mut chunk, k);
            }
            let mut left = size;
            while left > 0 {
                let n = left.min(chunk.len() as u64) as usize;
                if s.write_all(&chunk[..n]).await.is_err() {
                    break;
                }
                sent += n as u64;
                left -= n as u64;
            }
        }
        Attack::Message => {
            let mut left = size;
            let mut first = true;
            while left > 0 {
                let n = left.min(1 << 20);
                left -= n;
                let op = if first {
                    opcode::BINARY
                } else {
                    opcode::CONTINUATION
                };
                first = false;
                let frame = encode(&Frame {
                    fin: left == 0,
                    rsv: 0,
                    opcode: op,
                    mask,
                    payload: vec![b'x'; n as usize],
                });
                if s.write_all(&frame).await.is_err() {
                    break;
                }
                sent += n;
            }
        }
    }
    let _ = s.flush().await;
    sent
}

/// Reads an HTTP head; `None` when the stream ends first.
async fn read_head<S: AsyncRead + Unpin>(s: &mut S) -> Option<String> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() > handshake::MAX_HEAD || s.read(&mut byte).await.ok()? == 0 {
            return None;
        }
        head.push(byte[0]);
    }
    Some(String::from_utf8_lossy(&head).into_owned())
}

/// Reads and discards until the other side ends the connection (bounded).
async fn drain<S: AsyncRead + Unpin>(s: &mut S) {
    let mut buf = vec![0u8; 1 << 16];
    let _ = tokio::time::timeout(Duration::from_secs(120), async {
        while let Ok(1..) = s.read(&mut buf).await {}
    })
    .await;
}

async fn serve_one(mut s: TcpStream, which: Attack, size: u64) {
    let Some(head) = read_head(&mut s).await else {
        return;
    };
    let field = |name: &str| {
        head.lines().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.trim()
                .eq_ignore_ascii_case(name)
                .then(|| v.trim().to_string())
        })
    };
    let key = field("sec-websocket-key").unwrap_or_default();
    let deflate =
        field("sec-websocket-extensions").is_some_and(|e| e.contains("permessage-deflate"));
    let ext = if deflate {
        "Sec-WebSocket-Extensions: permessage-deflate\r\n"
    } else {
        ""
    };
    let resp = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {}\r\n{ext}\r\n",
        handshake::accept_for(&key)
    );
    if s.write_all(resp.as_bytes()).await.is_err() {
        return;
    }
    let (mut r, mut w) = s.into_split();
    let reader = tokio::spawn(async move { drain(&mut r).await });
    let sent = attack(&mut w, which, size, None).await;
    eprintln!("hostile_peer: wrote {sent} octets");
    let _ = reader.await;
}

async fn client(url: &str, which: Attack, size: u64) {
    let rest = url.strip_prefix("ws://").unwrap_or_else(|| usage());
    let (authority, path) = rest.split_at(rest.find('/').unwrap_or(rest.len()));
    let path = if path.is_empty() { "/" } else { path };
    let mut s = TcpStream::connect(authority).await.expect("connect");
    let ext = if matches!(which, Attack::Bomb) {
        "Sec-WebSocket-Extensions: permessage-deflate\r\n"
    } else {
        ""
    };
    let req = format!(
        "GET {path} HTTP/1.1\r\nHost: {authority}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n{ext}\r\n"
    );
    s.write_all(req.as_bytes()).await.expect("request");
    let Some(head) = read_head(&mut s).await else {
        eprintln!("hostile_peer: no answer to the upgrade");
        return;
    };
    eprintln!("hostile_peer: {}", head.lines().next().unwrap_or_default());
    let (mut r, mut w) = s.into_split();
    let reader = tokio::spawn(async move { drain(&mut r).await });
    let sent = attack(&mut w, which, size, Some([0x37, 0xfa, 0x21, 0x3d])).await;
    eprintln!("hostile_peer: wrote {sent} octets");
    let _ = reader.await;
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let get = |flag: &str| {
        args.iter()
            .position(|a| a == flag)
            .and_then(|i| args.get(i + 1))
            .cloned()
    };
    let which = match get("--attack").as_deref() {
        Some("bomb") => Attack::Bomb,
        Some("frame") => Attack::Frame,
        Some("message") => Attack::Message,
        Some("header") => Attack::Header,
        _ => usage(),
    };
    let size = parse_size(&get("--size").unwrap_or_else(|| usage()));
    match args.first().map(String::as_str) {
        Some("server") => {
            let listen = get("--listen").unwrap_or_else(|| "127.0.0.1:0".into());
            let listener = TcpListener::bind(&listen).await.expect("bind");
            println!("ws://{}", listener.local_addr().expect("address"));
            loop {
                let Ok((s, _)) = listener.accept().await else {
                    continue;
                };
                let _ = s.set_nodelay(true);
                tokio::spawn(serve_one(s, which, size));
            }
        }
        Some("client") => client(&get("--url").unwrap_or_else(|| usage()), which, size).await,
        _ => usage(),
    }
}

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

mod common;

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use wsreport::protocol::handshake::accept_for;

use common::{Ending, Endpoint, Fault, Role};

/// How long the server waits for the next read before giving a connection up.
const IDLE: Duration = Duration::from_secs(60);

fn parse_args() -> Result<(Fault, String), String> {
    let mut fault = Fault::None;
    let mut listen = "127.0.0.1:0".to_string();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let value = args.next().ok_or(format!("{a} needs a value"))?;
        match a.as_str() {
            "--fault" => fault = Fault::parse(&value)?,
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
                "faulty_server: {e}\nusage: faulty_server --fault {} --listen ADDR",
                Fault::NAMES
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
    let mut endpoint = Endpoint::echo(Role::Server, fault);
    if common::run(&mut stream, rest, &mut endpoint, IDLE).await == Ending::SentClose {
        common::finish(&mut stream, Role::Server, Duration::from_secs(2)).await;
    }
}

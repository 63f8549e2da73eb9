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
//! - and one switch per family `wsreport explain` names (see `common::Fault::ALL`):
//!   `pong-empty`, `pong-last-only`, `utf8-late`, `tcp-drop`, `accept-bad-close-codes`,
//!   `refuse-valid-close-codes`, `wrong-close-code`, `no-rsv-check`, `no-opcode-check`,
//!   `no-fragments`, `size-limit` (100 KiB, 1009), `frame-cap` (100 frames, 1009),
//!   `handshake-refused`.

mod common;

use std::time::Duration;

use tokio::net::TcpListener;

use common::Fault;

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
    common::serve(listener, fault, IDLE).await;
}

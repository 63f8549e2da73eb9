//! Replaying categories 1 and 2 over loopback: against the reference server every case
//! passes; against a server that does not reassemble frames split across reads, 2.11 fails.

use std::time::Duration;

use wsreport::catalog;
use wsreport::model::Verdict;
use wsreport::policy::Policy;
use wsreport::replay::{ReplayOptions, Target, replay_tcp, select};
use wsreport::serve::{ServeOptions, serve};

const BOUND: Duration = Duration::from_secs(60);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn categories_1_and_2_pass_against_the_reference_server() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(serve(listener, ServeOptions::default()));
    let target = Target::parse(&format!("ws://{addr}")).unwrap();
    let opts = ReplayOptions::client(&target, "serve");
    let ids = select(&["1.*".into(), "2.*".into()]).unwrap();
    assert_eq!(ids.len(), 27);
    let run = async {
        let mut failures = Vec::new();
        for (i, id) in ids.iter().enumerate() {
            let def = catalog::build(id).unwrap();
            let r = replay_tcp(&target, &def, &opts, i as u64 + 1)
                .await
                .unwrap();
            let (b, bc) = (r.case.behavior.unwrap(), r.case.behavior_close.unwrap());
            if !Policy::default().passes(id, &b, &bc) {
                failures.push(format!("{id}: {b} / {bc}"));
            }
        }
        failures
    };
    let failures = tokio::time::timeout(BOUND, run).await.expect("in time");
    server.abort();
    assert!(failures.is_empty(), "{failures:?}");
}

/// The seed's fault: each read parsed on its own, so a ping written octet by octet is never
/// seen and never answered.
#[tokio::test]
async fn a_server_that_does_not_reassemble_fails_2_11() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use wsreport::protocol::handshake::accept_for;
    use wsreport::wire::{self, Decoded, Frame, opcode};

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let (mut s, _) = listener.accept().await.unwrap();
        let mut buf = vec![0u8; 4096];
        let mut head = Vec::new();
        while !head.windows(4).any(|w| w == b"\r\n\r\n") {
            let n = s.read(&mut buf).await.unwrap();
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
            accept_for(&key)
        );
        s.write_all(resp.as_bytes()).await.unwrap();
        loop {
            // Reads of at most 8 octets: a masked ping of 2.11 (15 octets) never fits one, so
            // the fault shows even when a loaded machine lets the 1-octet writes pile up in
            // the socket; the fuzzer's close frame (6 octets, one write, 3 s later) does.
            let n = match s.read(&mut buf[..8]).await {
                Ok(0) | Err(_) => return,
                Ok(n) => n,
            };
            // the fault: only what this one read holds
            if let Ok(Decoded::Complete(f)) = wire::decode(&buf[..n]) {
                match f.frame.opcode {
                    opcode::PING => {
                        let pong = Frame::new(opcode::PONG, f.frame.payload);
                        let _ = s.write_all(&wire::encode(&pong)).await;
                    }
                    opcode::CLOSE => {
                        let reply = Frame::new(opcode::CLOSE, f.frame.payload);
                        let _ = s.write_all(&wire::encode(&reply)).await;
                        let _ = s.shutdown().await;
                        while let Ok(n) = s.read(&mut buf).await {
                            if n == 0 {
                                break;
                            }
                        }
                        return;
                    }
                    _ => {}
                }
            }
        }
    });
    let target = Target::parse(&format!("ws://{addr}")).unwrap();
    let opts = ReplayOptions::client(&target, "no-reassembly");
    let def = catalog::build(&"2.11".parse().unwrap()).unwrap();
    let r = tokio::time::timeout(BOUND, replay_tcp(&target, &def, &opts, 1))
        .await
        .expect("in time")
        .unwrap();
    let _ = tokio::time::timeout(BOUND, server).await;
    assert_eq!(r.case.behavior, Some(Verdict::Failed));
    assert!(r.case.received.is_empty());
    // closeAfter(3) closed without a code; the whole close frame was parsed and echoed
    assert_eq!(r.case.behavior_close, Some(Verdict::Ok));
    assert!(r.case.duration_ms.unwrap() >= 3000);
}

//! wss:// and handshake options over loopback: `run` against the reference server behind TLS
//! (a self-signed certificate made here, trusted with `--ca`) gets the verdicts of the plain
//! run; `--header`, `--origin` and `--protocol` reach the upgrade request; the fuzzing server
//! serves a client over TLS.

use std::collections::BTreeMap;
use std::path::Path;

use crate::common::wsreport;

use wsreport::run::{self, RunCommand};
use wsreport::serve::ServeOptions;
use wsreport::tls::{ClientTlsOptions, ServerTls};

/// A self-signed certificate for 127.0.0.1 and localhost: (cert.pem, key.pem).
fn self_signed(dir: &Path) -> (std::path::PathBuf, std::path::PathBuf) {
    let ck =
        rcgen::generate_simple_self_signed(vec!["127.0.0.1".into(), "localhost".into()]).unwrap();
    let (cert, key) = (dir.join("cert.pem"), dir.join("key.pem"));
    std::fs::write(&cert, ck.cert.pem()).unwrap();
    std::fs::write(&key, ck.signing_key.serialize_pem()).unwrap();
    (cert, key)
}

/// The reference server (TLS when given) on a free port, running until the runtime drops.
fn start_serve(tls: Option<ServerTls>) -> (tokio::runtime::Runtime, std::net::SocketAddr) {
    crate::common::ci::start_serve(ServeOptions {
        tls,
        ..ServeOptions::default()
    })
}

/// case id → verdicts of a run.
fn run_verdicts(cmd: &RunCommand) -> (BTreeMap<String, String>, run::RunReport) {
    let report = crate::common::ci::run_report(cmd);
    let check = report.check.clone().unwrap();
    let v = check
        .cases
        .iter()
        .map(|c| {
            let o = c.outcome.as_ref().unwrap();
            (c.case.to_string(), o.pair())
        })
        .collect();
    (v, report)
}

const SHARE: [&str; 8] = [
    "1.1.*", "1.2.1", "2.*", "3.*", "5.1", "5.15", "6.1.*", "7.1.*",
];

#[test]
fn a_wss_run_against_serve_with_a_self_signed_certificate_equals_the_plain_run() {
    let tmp = tempfile::tempdir().unwrap();
    let (cert, key) = self_signed(tmp.path());
    let (tls_rt, tls_addr) = start_serve(Some(ServerTls::new(&cert, &key).unwrap()));
    let (plain_rt, plain_addr) = start_serve(None);
    let base = RunCommand {
        cases: SHARE.map(String::from).to_vec(),
        jobs: 4,
        ..RunCommand::default()
    };
    let (secure, report) = run_verdicts(&RunCommand {
        target: Some(format!("wss://{tls_addr}")),
        out: Some(tmp.path().join("wss")),
        tls: ClientTlsOptions {
            ca: Some(cert.clone()),
            insecure: false,
        },
        ..base.clone()
    });
    let (plain, _) = run_verdicts(&RunCommand {
        target: Some(format!("ws://{plain_addr}")),
        out: Some(tmp.path().join("ws")),
        ..base.clone()
    });
    assert!(report.passed());
    assert!(secure.len() > 30, "{}", secure.len());
    assert_eq!(secure, plain);

    // without --ca the certificate is refused: nothing runs; with --insecure it is accepted
    let target = format!("wss://{tls_addr}");
    let o = wsreport(&["replay", "1.1.1", "--target", &target]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("UnknownIssuer"), "{err}");
    let o = wsreport(&["replay", "1.1.1", "2.2", "--target", &target, "--insecure"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    drop((tls_rt, plain_rt));
}

#[test]
fn header_origin_and_protocol_reach_the_upgrade_request() {
    let (rt, addr) = start_serve(None);
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("r");
    let target = format!("ws://{addr}/chat");
    let o = wsreport(&[
        "run",
        "--target",
        &target,
        "--cases",
        "1.1.1",
        "--header",
        "Authorization: Bearer t0ken",
        "--origin",
        "https://example.test",
        "--protocol",
        "chat.v1",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    drop(rt);
    let case: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(out.join("unknownserver_case_1_1_1.json")).unwrap(),
    )
    .unwrap();
    let req = case["httpRequest"].as_str().unwrap();
    assert!(req.starts_with("GET /chat HTTP/1.1\r\n"), "{req}");
    assert!(
        req.ends_with(
            "Sec-WebSocket-Version: 13\r\nAuthorization: Bearer t0ken\r\n\
             Origin: https://example.test\r\nSec-WebSocket-Protocol: chat.v1\r\n\r\n"
        ),
        "{req}"
    );
    let bad = wsreport(&["run", "--header", "no colon", "--list"]);
    assert_eq!(bad.status.code(), Some(2));
}

/// A wss:// client of the fuzzing server: TLS with the test's CA, then tungstenite on top.
async fn wss_client(
    addr: std::net::SocketAddr,
    path: &str,
    tls: &wsreport::tls::ClientTls,
) -> tokio_tungstenite::WebSocketStream<impl tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin> {
    let tcp = tokio::net::TcpStream::connect(addr).await.unwrap();
    let stream = tls.connect("127.0.0.1", tcp).await.unwrap();
    let (ws, _) = tokio_tungstenite::client_async(format!("wss://{addr}{path}"), stream)
        .await
        .unwrap();
    ws
}

#[test]
fn the_fuzzing_server_serves_a_client_over_wss() {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message;
    use wsreport::fuzzingserver::plan::{FuzzingServerCommand, state_for};
    use wsreport::fuzzingserver::runner::{ClientsReportWriter, EngineRunner};

    let tmp = tempfile::tempdir().unwrap();
    let (cert, key) = self_signed(tmp.path());
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let plan = FuzzingServerCommand {
            cases: vec!["1.1.1".into(), "2.2".into()],
            out: Some(tmp.path().join("clients")),
            listen: Some("127.0.0.1:0".into()),
            ..Default::default()
        }
        .plan()
        .unwrap();
        let listener = tokio::net::TcpListener::bind(&plan.listen).await.unwrap();
        let addr = listener.local_addr().unwrap();
        let state = std::sync::Arc::new(state_for(&plan));
        let server = tokio::spawn(wsreport::fuzzingserver::serve_tls(
            listener,
            state.clone(),
            std::sync::Arc::new(EngineRunner::default()),
            std::sync::Arc::new(ClientsReportWriter),
            Some(ServerTls::new(&cert, &key).unwrap()),
        ));
        let tls = wsreport::tls::ClientTls::new(&ClientTlsOptions {
            ca: Some(cert.clone()),
            insecure: false,
        })
        .unwrap();
        let count = texts(wss_client(addr, "/getCaseCount", &tls).await).await;
        assert_eq!(count, ["2"]);
        for n in 1..=2 {
            let path = format!("/runCase?case={n}&agent=tls");
            let mut ws = wss_client(addr, &path, &tls).await;
            while let Some(Ok(m)) = ws.next().await {
                if matches!(m, Message::Text(_) | Message::Binary(_)) && ws.send(m).await.is_err() {
                    break;
                }
            }
        }
        let results = state.results.lock().unwrap().clone();
        let got: Vec<(String, String)> = results["tls"]
            .iter()
            .map(|(id, c)| {
                let e = c.entry(None).unwrap();
                (
                    id.to_string(),
                    format!("{}/{}", e.behavior, e.behavior_close),
                )
            })
            .collect();
        assert_eq!(
            got,
            [
                ("1.1.1".to_string(), "OK/OK".to_string()),
                ("2.2".to_string(), "OK/OK".to_string())
            ]
        );
        server.abort();
    });
}

/// The text messages of an answer.
async fn texts<S>(mut ws: tokio_tungstenite::WebSocketStream<S>) -> Vec<String>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    use futures_util::StreamExt;
    let mut got = Vec::new();
    while let Some(Ok(m)) = ws.next().await {
        if let tokio_tungstenite::tungstenite::Message::Text(t) = m {
            got.push(t.to_string());
        }
    }
    got
}

//! The fuzzing server (clients mode): a drop-in for `wstest -m fuzzingserver`, so a client
//! library's existing harness runs unchanged against wsreport.
//!
//! Every request is a WebSocket connection. The request head is read first (bounded in size
//! and time); `/runCase` hands the connection, head included, to a [`CaseRunner`] (the case
//! engine in the server role, which writes the `101` itself so the handshake is in the wire
//! log); the other routes are answered over tokio-tungstenite. A bad request is answered with
//! an HTTP error or a close frame carrying the reason, and never stops the server.
//!
//! - [`route`]: the URL protocol's requests.
//! - [`runner`]: the case engine as the [`CaseRunner`], the `reports/clients` writer.
//! - [`plan`]: what to serve, from the options and the spec file.

pub mod plan;
pub mod route;
pub mod runner;

use std::collections::BTreeMap;
use std::future::Future;
use std::io;
use std::path::PathBuf;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};
use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use crate::model::{Case, CaseId};
pub use route::{CaseRef, Route, RouteError};

/// The largest request head accepted.
pub const MAX_HEAD: usize = crate::protocol::handshake::MAX_HEAD;
/// How long a client may take to send its request head.
pub const HEAD_TIMEOUT: Duration = Duration::from_secs(10);

/// A client's connection: TCP, or TLS over TCP (`--tls-cert`).
pub trait Conn: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static {}

impl<T: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static> Conn for T {}

/// A boxed [`Conn`].
pub type Stream = Box<dyn Conn>;

/// Runs one case on a connection whose request head has been read (and is passed along).
pub trait CaseRunner: Send + Sync + 'static {
    /// Runs `id` for `agent`; `seq` is the case's 1-based position in the selection.
    fn run(
        &self,
        id: CaseId,
        seq: usize,
        agent: String,
        head: Vec<u8>,
        stream: Stream,
    ) -> Pin<Box<dyn Future<Output = Option<Case>> + Send>>;
}

/// What the server knows: the selected cases and the results per agent.
pub struct State {
    /// The selected cases, in the testsuite's order (`case=N` is `cases[N-1]`).
    pub cases: Vec<CaseId>,
    /// One-line descriptions for `/getCaseInfo`.
    pub descriptions: BTreeMap<CaseId, String>,
    /// Results: agent → case → record.
    pub results: Mutex<BTreeMap<String, BTreeMap<CaseId, Case>>>,
    /// Where `/updateReports` writes.
    pub outdir: PathBuf,
    /// Set by `/stopServer`.
    pub stop: tokio::sync::Notify,
    /// Cases running or not yet stored, which `/updateReports` waits for.
    pub running: InFlight,
}

/// How long `/updateReports` waits for cases still running before it writes what it has.
pub const SETTLE_LIMIT: Duration = Duration::from_secs(10);

/// The cases whose connection is open or whose record is not stored yet. A harness asks for
/// the reports as soon as its last case's connection closes, which can be before that case's
/// record is stored: `/updateReports` waits until none is left (at most [`SETTLE_LIMIT`]),
/// so the last case is in the report.
#[derive(Debug, Default)]
pub struct InFlight {
    count: Mutex<usize>,
    done: tokio::sync::Notify,
}

/// One case in flight, until dropped.
#[derive(Debug)]
pub struct Running<'a>(&'a InFlight);

impl Drop for Running<'_> {
    fn drop(&mut self) {
        *self.0.count.lock().unwrap_or_else(|e| e.into_inner()) -= 1;
        self.0.done.notify_waiters();
    }
}

impl InFlight {
    /// Counts a case in flight until the guard drops.
    pub fn start(&self) -> Running<'_> {
        *self.count.lock().unwrap_or_else(|e| e.into_inner()) += 1;
        Running(self)
    }

    /// Cases in flight now.
    pub fn count(&self) -> usize {
        *self.count.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Waits until no case is in flight, or `limit` passes; whether none is.
    pub async fn settled(&self, limit: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + limit;
        loop {
            let notified = self.done.notified();
            tokio::pin!(notified);
            // registered before the count is read, so a drop in between is not missed
            notified.as_mut().enable();
            if self.count() == 0 {
                return true;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return self.count() == 0;
            }
        }
    }
}

impl State {
    /// Resolves `case=N` or `casetuple=X` to a case and its 1-based position.
    pub fn resolve(&self, r: &CaseRef) -> Result<(CaseId, usize), String> {
        match r {
            CaseRef::Index(n) => self
                .cases
                .get(n - 1)
                .map(|id| (id.clone(), *n))
                .ok_or_else(|| format!("case {n} out of range (1..={})", self.cases.len())),
            CaseRef::Id(id) => self
                .cases
                .iter()
                .position(|c| c == id)
                .map(|i| (id.clone(), i + 1))
                .ok_or_else(|| format!("case {id} is not among the selected cases")),
        }
    }
}

/// A stream that first yields bytes already read, then the inner stream.
struct Rewind<S> {
    head: Vec<u8>,
    pos: usize,
    inner: S,
}

impl<S: AsyncRead + Unpin> AsyncRead for Rewind<S> {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        if self.pos < self.head.len() {
            let n = buf.remaining().min(self.head.len() - self.pos);
            let start = self.pos;
            buf.put_slice(&self.head[start..start + n]);
            self.pos += n;
            return Poll::Ready(Ok(()));
        }
        Pin::new(&mut self.inner).poll_read(cx, buf)
    }
}

impl<S: AsyncWrite + Unpin> AsyncWrite for Rewind<S> {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.inner).poll_write(cx, buf)
    }
    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_flush(cx)
    }
    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.inner).poll_shutdown(cx)
    }
}

/// Reads an HTTP request head (through the blank line), bounded by [`MAX_HEAD`].
pub async fn read_head<S: AsyncRead + Unpin>(stream: &mut S) -> io::Result<Vec<u8>> {
    let mut head = Vec::with_capacity(512);
    let mut byte = [0u8; 1];
    // One octet at a time: nothing after the head may be consumed (it belongs to the case).
    while !head.ends_with(b"\r\n\r\n") {
        if head.len() >= MAX_HEAD {
            return Err(io::Error::new(
                io::ErrorKind::InvalidData,
                "request head too large",
            ));
        }
        if stream.read(&mut byte).await? == 0 {
            return Err(io::Error::new(
                io::ErrorKind::UnexpectedEof,
                "connection closed in the request head",
            ));
        }
        head.push(byte[0]);
    }
    Ok(head)
}

/// The request target of a head: `/runCase?case=1&agent=x` from `GET /runCase?… HTTP/1.1`.
pub fn request_target(head: &[u8]) -> Option<&str> {
    let line = head.split(|b| *b == b'\n').next()?;
    let line = std::str::from_utf8(line).ok()?.trim_end();
    let mut parts = line.split(' ');
    (parts.next()? == "GET").then_some(())?;
    parts.next()
}

async fn http_error<S: AsyncWrite + Unpin>(stream: &mut S, status: &str, text: &str) {
    let body = format!("{text}\n");
    let resp = format!(
        "HTTP/1.1 {status}\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(resp.as_bytes()).await;
    let _ = stream.shutdown().await;
}

/// Answers a non-case route over WebSocket: one text message (when there is an answer), then a
/// normal close. (`replay --from --listen` answers a harness's `/getCaseCount` with it.)
pub async fn answer(
    state: &State,
    route: Route,
    head: Vec<u8>,
    stream: Stream,
    writer: &dyn ReportWriter,
) {
    let mut stream = stream;
    // A request that is no WebSocket upgrade (a plain `curl`, a missing key) gets its HTTP
    // status, as `/runCase` gives it, instead of a connection closed without a word.
    if let Err(refusal) = crate::protocol::handshake::check_request(&head) {
        let _ = stream
            .write_all(&crate::protocol::handshake::error_response(&refusal))
            .await;
        let _ = stream.shutdown().await;
        return;
    }
    let rewind = Rewind {
        head,
        pos: 0,
        inner: stream,
    };
    let Ok(mut ws) = tokio_tungstenite::accept_async(rewind).await else {
        return;
    };
    let reply: Result<Option<String>, String> = match &route {
        Route::CaseCount => Ok(Some(state.cases.len().to_string())),
        Route::CaseInfo(r) => state.resolve(r).map(|(id, _)| {
            let description = state.descriptions.get(&id).cloned().unwrap_or_default();
            Some(serde_json::json!({"id": id.to_string(), "description": description}).to_string())
        }),
        Route::CaseStatus { case, agent } => state.resolve(case).map(|(id, _)| {
            let results = state.results.lock().unwrap_or_else(|e| e.into_inner());
            let behavior = results
                .get(agent)
                .and_then(|m| m.get(&id))
                .and_then(|c| c.behavior.as_ref())
                .map(|v| v.as_str().to_string());
            Some(
                serde_json::json!({"behavior": behavior.unwrap_or_else(|| "UNKNOWN".into())})
                    .to_string(),
            )
        }),
        Route::UpdateReports { .. } => {
            state.running.settled(SETTLE_LIMIT).await;
            let snapshot = state
                .results
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .clone();
            writer.write(&state.outdir, &snapshot).map(|()| None)
        }
        Route::Stop => {
            state.stop.notify_one();
            Ok(None)
        }
        Route::RunCase { .. } => Ok(None),
    };
    let close = match reply {
        Ok(Some(text)) => {
            let _ = ws.send(Message::text(text)).await;
            CloseFrame {
                code: CloseCode::Normal,
                reason: "".into(),
            }
        }
        Ok(None) => CloseFrame {
            code: CloseCode::Normal,
            reason: "".into(),
        },
        Err(why) => CloseFrame {
            code: CloseCode::Policy,
            reason: why.chars().take(120).collect::<String>().into(),
        },
    };
    let _ = ws.close(Some(close)).await;
    // Drain until the client's close arrives (bounded), so the handshake completes.
    let _ = tokio::time::timeout(Duration::from_secs(2), async {
        while ws.next().await.is_some() {}
    })
    .await;
}

/// Writes the reports of every agent that connected (`/updateReports`).
pub trait ReportWriter: Send + Sync + 'static {
    /// Writes all results under `outdir`.
    fn write(
        &self,
        outdir: &std::path::Path,
        results: &BTreeMap<String, BTreeMap<CaseId, Case>>,
    ) -> Result<(), String>;
}

/// Handles one connection.
pub async fn handle(
    state: Arc<State>,
    runner: Arc<dyn CaseRunner>,
    writer: Arc<dyn ReportWriter>,
    mut stream: Stream,
) {
    let head = match tokio::time::timeout(HEAD_TIMEOUT, read_head(&mut stream)).await {
        Ok(Ok(h)) => h,
        Ok(Err(e)) if e.kind() == io::ErrorKind::InvalidData => {
            http_error(
                &mut stream,
                "431 Request Header Fields Too Large",
                &e.to_string(),
            )
            .await;
            return;
        }
        Ok(Err(_)) => return,
        Err(_) => {
            http_error(
                &mut stream,
                "408 Request Timeout",
                "no request head in time",
            )
            .await;
            return;
        }
    };
    let Some(target) = request_target(&head) else {
        http_error(&mut stream, "400 Bad Request", "expected a GET request").await;
        return;
    };
    let route = match route::parse(target) {
        Ok(r) => r,
        Err(e) => {
            http_error(&mut stream, "404 Not Found", &e.to_string()).await;
            return;
        }
    };
    match route {
        Route::RunCase { case, agent } => match state.resolve(&case) {
            Ok((id, seq)) => {
                let _running = state.running.start();
                if let Some(record) = runner
                    .run(id.clone(), seq, agent.clone(), head, stream)
                    .await
                {
                    state
                        .results
                        .lock()
                        .unwrap_or_else(|e| e.into_inner())
                        .entry(agent)
                        .or_default()
                        .insert(id, record);
                }
            }
            Err(why) => http_error(&mut stream, "404 Not Found", &why).await,
        },
        other => answer(&state, other, head, stream, writer.as_ref()).await,
    }
}

/// Accepts connections until `/stopServer`; each connection runs in its own task.
pub async fn serve(
    listener: TcpListener,
    state: Arc<State>,
    runner: Arc<dyn CaseRunner>,
    writer: Arc<dyn ReportWriter>,
) -> io::Result<()> {
    serve_tls(listener, state, runner, writer, None).await
}

/// [`serve`], over TLS when `tls` is given (`wss://`): each connection's TLS handshake runs
/// in its task, before the request head is read.
pub async fn serve_tls(
    listener: TcpListener,
    state: Arc<State>,
    runner: Arc<dyn CaseRunner>,
    writer: Arc<dyn ReportWriter>,
    tls: Option<crate::tls::ServerTls>,
) -> io::Result<()> {
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, _) = match accepted {
                    Ok(a) => a,
                    Err(_) => {
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                let (state, runner, writer, tls) =
                    (state.clone(), runner.clone(), writer.clone(), tls.clone());
                tokio::spawn(async move {
                    let stream: Stream = match tls {
                        None => Box::new(stream),
                        Some(tls) => match tls.accept(stream).await {
                            Ok(s) => Box::new(s),
                            Err(_) => return,
                        },
                    };
                    handle(state, runner, writer, stream).await;
                });
            }
            () = state.stop.notified() => return Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_targets() {
        assert_eq!(
            request_target(b"GET /runCase?case=1&agent=a HTTP/1.1\r\nHost: x\r\n\r\n"),
            Some("/runCase?case=1&agent=a")
        );
        assert_eq!(request_target(b"POST / HTTP/1.1\r\n\r\n"), None);
        assert_eq!(request_target(b"\xff\xfe"), None);
    }

    struct NoRun;
    impl CaseRunner for NoRun {
        fn run(
            &self,
            id: CaseId,
            seq: usize,
            agent: String,
            _head: Vec<u8>,
            _stream: Stream,
        ) -> Pin<Box<dyn Future<Output = Option<Case>> + Send>> {
            Box::pin(async move {
                Some(Case {
                    id: Some(id),
                    seq: Some(seq as u64),
                    agent,
                    behavior: Some(crate::model::Verdict::Ok),
                    ..Case::default()
                })
            })
        }
    }
    /// A runner that closes the connection at once and stores its record 300 ms later, as
    /// the engine drops TCP before it returns the case's record.
    struct LateRecord;
    impl CaseRunner for LateRecord {
        fn run(
            &self,
            id: CaseId,
            seq: usize,
            agent: String,
            head: Vec<u8>,
            stream: Stream,
        ) -> Pin<Box<dyn Future<Output = Option<Case>> + Send>> {
            drop(stream);
            let record = NoRun.run(id, seq, agent, head, Box::new(tokio::io::empty()));
            Box::pin(async move {
                tokio::time::sleep(Duration::from_millis(300)).await;
                record.await
            })
        }
    }
    struct CountWrites(std::sync::atomic::AtomicUsize);
    impl ReportWriter for CountWrites {
        fn write(
            &self,
            _outdir: &std::path::Path,
            results: &BTreeMap<String, BTreeMap<CaseId, Case>>,
        ) -> Result<(), String> {
            self.0.fetch_add(
                results.values().map(|m| m.len()).sum(),
                std::sync::atomic::Ordering::SeqCst,
            );
            Ok(())
        }
    }

    async fn ask(addr: std::net::SocketAddr, path: &str) -> Vec<String> {
        let (mut ws, _) = tokio_tungstenite::connect_async(format!("ws://{addr}{path}"))
            .await
            .unwrap();
        let mut got = Vec::new();
        while let Some(Ok(m)) = ws.next().await {
            if let Message::Text(t) = m {
                got.push(t.to_string());
            }
        }
        got
    }

    /// A fuzzing server on a loopback port with these cases and this runner, its reports
    /// counted instead of written.
    async fn start(
        cases: &[&str],
        descriptions: BTreeMap<CaseId, String>,
        runner: Arc<dyn CaseRunner>,
    ) -> (
        std::net::SocketAddr,
        Arc<CountWrites>,
        tokio::task::JoinHandle<std::io::Result<()>>,
    ) {
        let state = Arc::new(State {
            cases: cases.iter().map(|s| s.parse().unwrap()).collect(),
            descriptions,
            results: Mutex::new(BTreeMap::new()),
            outdir: PathBuf::from("unused"),
            stop: tokio::sync::Notify::new(),
            running: InFlight::default(),
        });
        let writes = Arc::new(CountWrites(Default::default()));
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(serve(listener, state, runner, writes.clone()));
        (addr, writes, server)
    }

    /// `/updateReports` waits for a case whose connection closed but whose record is still
    /// being stored (a harness asks for the reports right after its last case), and gives
    /// up at the limit on one that never ends.
    #[tokio::test(start_paused = true)]
    async fn reports_wait_for_cases_in_flight_within_a_limit() {
        let f = InFlight::default();
        assert!(f.settled(SETTLE_LIMIT).await, "nothing in flight: at once");
        let running = f.start();
        let started = tokio::time::Instant::now();
        let (settled, ()) = tokio::join!(f.settled(SETTLE_LIMIT), async {
            tokio::time::sleep(Duration::from_millis(300)).await;
            drop(running);
        });
        assert!(settled);
        assert_eq!(started.elapsed(), Duration::from_millis(300));
        let _stuck = f.start();
        let started = tokio::time::Instant::now();
        assert!(!f.settled(Duration::from_secs(1)).await);
        assert_eq!(started.elapsed(), Duration::from_secs(1));
        assert_eq!(f.count(), 1);
    }

    /// A harness asks for the reports as soon as its last case's connection closes: the
    /// case whose record is stored after that is still in the report.
    #[tokio::test]
    async fn reports_asked_right_after_a_case_closes_hold_that_case() {
        let (addr, writes, server) = start(&["1.1.1"], BTreeMap::new(), Arc::new(LateRecord)).await;
        let run = async {
            // the case's connection is closed by the server before its record exists
            let mut case = tokio::net::TcpStream::connect(addr).await.unwrap();
            case.write_all(b"GET /runCase?case=1&agent=a HTTP/1.1\r\n\r\n")
                .await
                .unwrap();
            let mut rest = Vec::new();
            let _ = tokio::io::AsyncReadExt::read_to_end(&mut case, &mut rest).await;
            assert!(ask(addr, "/updateReports?agent=a").await.is_empty());
            assert_eq!(writes.0.load(std::sync::atomic::Ordering::SeqCst), 1);
        };
        tokio::time::timeout(Duration::from_secs(10), run)
            .await
            .expect("bounded");
        server.abort();
    }

    #[tokio::test]
    async fn the_url_protocol_over_loopback() {
        let descriptions = BTreeMap::from([("2.11".parse().unwrap(), "chopped pings".to_string())]);
        let (addr, writes, server) =
            start(&["1.1.1", "2.10", "2.11"], descriptions, Arc::new(NoRun)).await;
        let run = async {
            assert_eq!(ask(addr, "/getCaseCount").await, ["3"]);
            assert_eq!(
                ask(addr, "/getCaseInfo?case=3").await,
                [r#"{"description":"chopped pings","id":"2.11"}"#]
            );
            // runCase by number and by id; the fake runner records at once
            let _ = tokio::net::TcpStream::connect(addr)
                .await
                .unwrap()
                .write_all(b"GET /runCase?case=2&agent=a%402 HTTP/1.1\r\n\r\n")
                .await;
            let _ = tokio_tungstenite::connect_async(format!(
                "ws://{addr}/runCase?casetuple=2.11&agent=a%402"
            ))
            .await;
            tokio::time::sleep(Duration::from_millis(100)).await;
            assert_eq!(
                ask(addr, "/getCaseStatus?case=3&agent=a@2").await,
                [r#"{"behavior":"OK"}"#]
            );
            // a bad request is refused, the server goes on
            assert!(
                tokio_tungstenite::connect_async(format!("ws://{addr}/runCase?case=9&agent=a"))
                    .await
                    .is_err()
            );
            assert!(
                tokio_tungstenite::connect_async(format!("ws://{addr}/nope"))
                    .await
                    .is_err()
            );
            assert!(ask(addr, "/updateReports?agent=a@2").await.is_empty());
            assert_eq!(writes.0.load(std::sync::atomic::Ordering::SeqCst), 2);
            let _ = ask(addr, "/stopServer").await;
        };
        tokio::time::timeout(Duration::from_secs(10), run)
            .await
            .unwrap();
        tokio::time::timeout(Duration::from_secs(5), server)
            .await
            .unwrap()
            .unwrap()
            .unwrap();
    }

    #[tokio::test]
    async fn the_head_is_read_exactly() {
        let (mut a, mut b) = tokio::io::duplex(64);
        a.write_all(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n\x81\x00")
            .await
            .unwrap();
        let head = read_head(&mut b).await.unwrap();
        assert!(head.ends_with(b"\r\n\r\n"));
        let mut rest = [0u8; 2];
        b.read_exact(&mut rest).await.unwrap();
        assert_eq!(
            rest,
            [0x81, 0x00],
            "the frame after the head is left for the case"
        );
    }
}

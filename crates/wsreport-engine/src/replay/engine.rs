//! The async driver of one connection's case machine ([`super::machine::Machine`]).
//!
//! The driver owns the stream and the clock and nothing of the protocol: it starts the
//! machine, feeds it every read and every timer expiry with the current time, and executes
//! what it asks for (write these octets, drop the connection, set or cancel its timer), taking
//! one queued write per reactor turn. Everything the testsuite would record is decided in the machine.

use std::time::Duration;

// tokio's clock (the std clock in a normal runtime): tests run the timers on paused time.
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt, ReadHalf, WriteHalf};
use tokio::time::Instant;

use super::ReplayOptions;
use super::machine::{Action, Machine};
use crate::catalog::CaseDef;

pub use super::machine::Record;

pub(super) struct Conn<'a, S> {
    reader: ReadHalf<S>,
    writer: WriteHalf<S>,
    machine: Machine<'a>,
    opts: &'a ReplayOptions,
    /// Octets read while a write was blocked, not yet handed to the machine.
    rx_aside: Vec<u8>,
    read_aside: Vec<u8>,
    /// The peer ended TCP while a write was blocked.
    peer_gone: bool,
    /// When to call the machine's `handle_timeout` ([`Action::SetTimer`]).
    deadline: Option<Instant>,
    /// The pause after a queued write: [`QUEUED_WRITE_GAP`], or a bare reactor turn for a
    /// case that writes a frame in thousands of chops ([`many_chops`]).
    gap: Duration,
}

impl<'a, S: AsyncRead + AsyncWrite> Conn<'a, S> {
    pub(super) fn new(stream: S, def: &'a CaseDef, opts: &'a ReplayOptions) -> Self {
        let (reader, writer) = tokio::io::split(stream);
        let mut machine = Machine::new(def, opts, Instant::now());
        // the machine does no I/O: a compression case's test data file is read here
        if let Some(data) = def.test_data() {
            let octets = super::series::read_test_data(opts.testdata.as_deref(), data);
            machine = machine.with_test_data(octets.map_err(|e| e.to_string()));
        }
        Conn {
            reader,
            writer,
            machine,
            opts,
            rx_aside: Vec::new(),
            read_aside: vec![0; 16 * 1024],
            peer_gone: false,
            deadline: None,
            gap: if many_chops(def) {
                Duration::ZERO
            } else {
                QUEUED_WRITE_GAP
            },
        }
    }

    /// Server role: the client's request head was already read from the stream (by the
    /// fuzzing server, to route the request); it is processed as the connection's first read.
    pub(super) fn with_head(mut self, head: Vec<u8>) -> Self {
        self.machine = self.machine.with_head(head);
        self
    }

    /// Runs the connection to its end.
    pub(super) async fn run(mut self) -> Record {
        self.machine.start(Instant::now());
        self.take_actions().await;
        let mut buf = vec![0u8; 64 * 1024];
        while !self.machine.is_closed() {
            self.machine.handle_timeout(Instant::now());
            self.take_actions().await;
            if self.machine.is_closed() {
                break;
            }
            // what arrived while a write was blocked comes first
            if !self.rx_aside.is_empty() {
                let data = std::mem::take(&mut self.rx_aside);
                self.machine.handle_read(&data, Instant::now());
                self.take_actions().await;
                continue;
            }
            if self.peer_gone {
                self.machine.handle_eof(Instant::now());
                continue;
            }
            if let Some(queued) = self.machine.poll_queued(Instant::now()) {
                self.write(&queued.data).await;
                // Autobahn's `_send`: after every queued write (each chop, each sync frame,
                // whatever queued behind them) it re-enters its reactor for at least
                // `_QUEUED_WRITE_DELAY`, so each write leaves as its own TCP segment (the
                // socket has TCP_NODELAY) and the peer reads the octets it has so far before
                // the next ones come: the same in both roles (see `QUEUED_WRITE_GAP`).
                // `replay --from` may ask for a longer pause after each chop
                // (`ReplayOptions::chop_pause`), so a report's chops reach the peer one by one.
                let pause = if queued.sync {
                    self.opts.chop_pause
                } else {
                    None
                };
                tokio::select! {
                    biased;
                    r = self.reader.read(&mut buf) => self.on_read(r, &buf).await,
                    _ = async {
                        match pause {
                            Some(p) => tokio::time::sleep(p).await,
                            None => reactor_turn(self.gap).await,
                        }
                    } => {}
                }
                continue;
            }
            // nothing to write: what the machine can make ahead (the next message of a
            // compression series) it makes now, while the peer works on the last one
            self.machine.prepare();
            let next = self.deadline;
            let sleep = async {
                match next {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                r = self.reader.read(&mut buf) => self.on_read(r, &buf).await,
                _ = sleep => {}
            }
        }
        self.machine.finish(Instant::now())
    }

    async fn on_read(&mut self, r: std::io::Result<usize>, buf: &[u8]) {
        match r {
            // TCP is gone (FIN or reset): `connectionLost`.
            Ok(0) | Err(_) => self.machine.handle_eof(Instant::now()),
            Ok(n) => self.machine.handle_read(&buf[..n], Instant::now()),
        }
        self.take_actions().await;
    }

    /// Executes the machine's actions in order. Consecutive writes go out as one write of up
    /// to [`WRITE_BATCH`] octets: they are the unsynced writes of one reactor turn, which the
    /// testsuite's transport (Twisted's `write`) buffers and sends together too, and a message
    /// cut into frames of 256 octets (12.x.11–15) would otherwise cost a syscall per frame.
    /// Synced writes and chops come one per turn through [`Machine::poll_queued`], apart.
    async fn take_actions(&mut self) {
        let mut batch = Vec::new();
        while let Some(action) = self.machine.poll_action() {
            match action {
                Action::Write(data) if batch.is_empty() && data.len() >= WRITE_BATCH => {
                    self.write(&data).await;
                }
                Action::Write(data) => {
                    batch.extend_from_slice(&data);
                    if batch.len() >= WRITE_BATCH {
                        self.write(&batch).await;
                        batch.clear();
                    }
                }
                Action::Drop => {
                    if !batch.is_empty() {
                        self.write(&batch).await;
                        batch.clear();
                    }
                    let _ = self.writer.shutdown().await;
                }
                Action::SetTimer(at) => self.deadline = Some(at),
                Action::CancelTimer => self.deadline = None,
            }
        }
        if !batch.is_empty() {
            self.write(&batch).await;
        }
    }

    /// Writes `data` whole. Autobahn's writes never block (Twisted buffers them); ours do
    /// when the peer stops reading. A peer that echoes frame by frame while we write a large
    /// message stops reading once its own writes block, so while our write waits we read,
    /// keeping what arrives for the run loop, and we give up at the case's hard deadlines.
    async fn write(&mut self, data: &[u8]) {
        let mut rest = data;
        while !rest.is_empty() {
            let deadline = self.machine.hard_deadline();
            let hard_stop = async {
                match deadline {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                biased;
                r = self.writer.write(rest) => match r {
                    // The peer is gone; the next read reports it.
                    Ok(0) | Err(_) => return,
                    Ok(n) => rest = &rest[n..],
                },
                r = self.reader.read(&mut self.read_aside), if !self.peer_gone => match r {
                    Ok(0) | Err(_) => self.peer_gone = true,
                    Ok(n) => self.rx_aside.extend_from_slice(&self.read_aside[..n]),
                },
                _ = hard_stop => return,
            }
        }
        let _ = self.writer.flush().await;
    }
}

/// The most octets [`Conn::take_actions`] gathers from consecutive writes into one.
const WRITE_BATCH: usize = 64 * 1024;

/// The pause after each queued write (a chop, a sync frame), in both roles. Autobahn waits
/// `_QUEUED_WRITE_DELAY` (10 µs, autobahn/websocket/protocol.py `_send`) plus a reactor turn
/// between them: the corpus' wstest reports take 290-420 ms for 9.5.1's 16384 chops of 64
/// octets, 18-25 µs a chop. A peer on the same machine then reads the chops one by one, which
/// is how 2.11 catches a peer that does not reassemble frames split across reads (the seed).
/// A bare task yield lets it read several at once and pass by luck; tokio's timer (1 ms steps)
/// would make 9.5.1 take 16 s; a busy pause of 25 µs keeps the CPU from the peer on a loaded
/// machine (it then read chops together: measured, docs/deviations.md).
const QUEUED_WRITE_GAP: Duration = Duration::from_micros(50);

/// The case writes one frame in at least this many chops (9.5.1–9.5.5, 9.6.1–9.6.5: a
/// megabyte in chops of 64 to 1024 octets).
const MANY_CHOPS: usize = 1000;

/// Whether `def` writes a frame in [`MANY_CHOPS`] chops or more. Each chop still goes out as
/// its own write, but the pause after it is a bare reactor turn: the 50 µs that let the peer
/// read a few chops one by one (2.11, 5.5: section 3 of docs/deviations.md) made 9.5.1's 16384
/// chops take 2.4 s on a quiet machine and up to 6 s beside other cases, where wstest takes
/// 0.3-0.4 s, and the verdict of these cases is the echo's alone.
pub(super) fn many_chops(def: &CaseDef) -> bool {
    use crate::catalog::{BigSend, Step};
    def.steps.iter().any(|step| match step {
        Step::SendAndAwaitEcho(echo) => match &echo.send {
            BigSend::Frame(f) => f
                .chopsize
                .is_some_and(|chop| chop > 0 && f.wire_len() / chop >= MANY_CHOPS),
            BigSend::Message { .. } => false,
        },
        _ => false,
    })
}

/// One reactor turn of at least `gap`: a yield to the runtime (its I/O driver runs, other
/// tasks too), then the thread sleeps out the rest, giving the CPU to the peer as the
/// testsuite's reactor does while it waits in `epoll` (a blocking sleep: tokio's timer counts
/// in milliseconds, and its clock stands still in paused-time tests).
async fn reactor_turn(gap: Duration) {
    let start = std::time::Instant::now();
    tokio::task::yield_now().await;
    if let Some(rest) = gap.checked_sub(start.elapsed()) {
        std::thread::sleep(rest);
    }
}

//! The fuzzer's side of one connection: Autobahn's protocol (autobahn-python 0.10.9
//! `WebSocketProtocol` with the testsuite's `FuzzingProtocol` and `Case` on top), executing
//! a [`CaseDef`]'s steps and recording what the testsuite records.
//!
//! The machine is sans-IO: it takes octets read ([`Machine::handle_read`], [`Machine::handle_eof`])
//! and time ([`Machine::handle_timeout`], every input carries the current instant) and hands
//! back what to do ([`Machine::poll_action`]: write these octets, drop the connection, set or
//! cancel the timer) and, one at a time, the queued writes ([`Machine::poll_queued`]: chopped
//! and sync writes, one per reactor turn, as Autobahn's `send_queue` does, so the peer's
//! replies are read between chops); what it records is told as events
//! ([`Machine::poll_event`]: wire-log rows, a reactive case's verdict, the end). The frames a
//! case sends are the catalog's plan ([`step_frames`], the one derivation of a case's octets),
//! built as the driver takes them. It checks every frame the peer sends the way Autobahn does
//! (`processData`), answers pings, assembles messages, runs the closing handshake with its
//! timeouts, and ends when TCP is gone. The async driver around it (`replay/engine.rs`) only
//! moves octets and sleeps until the deadline it was told; tests drive the machine with
//! octets and an injected clock.
//!
//! The reactive cases (9.x, 12.x, 13.x) end in a step that judges the echoes as they come
//! (`Reaction`): their messages go to the reaction instead of `received`, and the verdict
//! they reach replaces the comparison's ([`Record::verdict`]). permessage-deflate, when the
//! case offers it and the server accepts, compresses what `sendMessage` sends and inflates
//! every RSV1 message received ([`crate::protocol::deflate`]). The machine reads no file: the
//! driver reads a compression case's test data and hands over the octets
//! ([`Machine::with_test_data`]).

use std::collections::VecDeque;
use std::time::Duration;

// tokio's clock type (the std clock in a normal runtime), so that the driver can run on
// paused time; the machine itself never reads a clock: every input says what time it is.
use tokio::time::Instant;

use sha1::{Digest, Sha1};

use crate::catalog::{
    AwaitEcho, CaseDef, DeflateSeries, EchoSeries, Expect, FrameSpec, Step, StepFrames,
    close_frame, message_frames, step_frames,
};
use crate::model::{Closing, Shown, Verdict, WireRow, WireStats, shown_payload};
use crate::wire::{self, is_valid_close_code, opcode};

use super::series::{SeriesData, Traffic};
use super::{ReplayOptions, Role};
use crate::protocol::deflate::{self, Codec};
use crate::protocol::handshake;

/// Autobahn's protocol states (`STATE_CONNECTING` … `STATE_CLOSED`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    Connecting,
    Open,
    Closing,
    Closed,
}

/// What a timer does when it fires.
#[derive(Debug)]
enum TimerKind {
    /// `continueLater`: index into `Conn::later`.
    Later(usize),
    /// `killAfter`
    Kill,
    /// `closeAfter`
    CloseAfter,
    /// `closeHandshakeTimeout` (we sent close first)
    CloseHandshake,
    /// `serverConnectionDropTimeout` (the close handshake is done; the server must drop TCP)
    ServerDrop,
    /// `openHandshakeTimeout`
    OpenHandshake,
    /// Our own bound on a case whose peer never ends it (Autobahn would wait forever).
    CaseLimit,
}

#[derive(Debug)]
struct Timer {
    at: Instant,
    kind: TimerKind,
}

/// A `continueLater` waiting to run.
#[derive(Debug)]
struct Later<'a> {
    tag: Option<String>,
    only_if_open: bool,
    record_timeout: bool,
    steps: &'a [Step],
}

/// The streaming send API's state (`beginMessage` … `endMessage`).
#[derive(Debug, Default)]
struct Streaming {
    opcode: Option<u8>,
    mask: Option<[u8; 4]>,
    frame_len: usize,
    written: usize,
}

/// What one connection produced, before judging.
#[derive(Debug, Clone, Default)]
pub struct Record {
    /// Events with full payloads (the judge compares these).
    pub received: Vec<Expect>,
    /// The closing fields.
    pub closing: Closing,
    /// The four statistics tables.
    pub stats: WireStats,
    /// The wire log.
    pub wirelog: Vec<WireRow>,
    /// `httpRequest`
    pub http_request: Option<String>,
    /// `httpResponse`
    pub http_response: Option<String>,
    /// Whether the opening handshake completed (`connectionWasOpen`).
    pub was_open: bool,
    /// From the opening handshake's completion (`onOpen`) to TCP gone, as the testsuite times
    /// a case; zero when it never opened.
    pub duration: Duration,
    /// Why the opening handshake failed, if it did.
    pub handshake_error: Option<String>,
    /// The verdict and `result` a reactive case (9, 12, 13) set itself; they replace what
    /// the comparison of expected events gives.
    pub verdict: Option<(Verdict, String)>,
    /// `trafficStats`, set when a compression case ends OK.
    pub traffic_stats: Option<serde_json::Value>,
    /// The permessage-deflate parameters negotiated, if any.
    pub deflate: Option<deflate::Params>,
}

/// A reactive case's state while it waits for echoes.
#[derive(Debug)]
enum Reaction<'a> {
    /// 9.1–9.6.
    AwaitEcho(&'a AwaitEcho),
    /// 9.7, 9.8: the step (whose frames are each message), the series, messages sent so far.
    EchoSeries(&'a Step, &'a EchoSeries, usize),
    /// 12.x, 13.x.
    Deflate {
        series: DeflateSeries,
        data: SeriesData,
        sent: usize,
        expected: Vec<u8>,
        /// The next message and its compressed payload, made by [`Machine::prepare`] while
        /// the echo of the last one was on its way.
        prepared: Option<(Vec<u8>, Vec<u8>)>,
        /// The payloads, when other cases of the run send the same series ([`super::memo`]).
        shared: Option<super::memo::SharedSeries>,
    },
}

/// What the machine asks its driver to do, in order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Write these octets now, all of them, before reading on (they are already counted and
    /// logged). A large write (a 9.x frame) comes as several of these, at most
    /// [`WRITE_CHUNK`] octets each, built as they are taken.
    Write(Vec<u8>),
    /// Drop the connection: shut down the writing side; the machine is closed.
    Drop,
    /// Call [`Machine::handle_timeout`] at this instant (the earliest timer): replaces the
    /// deadline set before. Told whenever the earliest timer changes.
    SetTimer(Instant),
    /// No timer is armed any more (or the connection ended): forget the deadline.
    CancelTimer,
}

/// What the machine tells its driver beside actions ([`Machine::poll_event`]): things to
/// observe (progress, a verdict), nothing to execute.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Event {
    /// Wire-log rows were added: [`Machine::wirelog`]`[range]`, borrowed, not copied
    /// (consecutive rows come as one range).
    Rows(std::ops::Range<usize>),
    /// The machine set the verdict the record will carry (before the closing handshake): a
    /// reactive case's (9, 12, 13), or FAILED for a message over `--max-message-size`. Any
    /// other case's verdict is the judge's, over the finished record.
    Verdict(Verdict, String),
    /// The connection ended: take the last actions, then [`Machine::finish`].
    Closed,
}

/// A queued write ([`Machine::poll_queued`]): a chop of a chopped frame or a sync write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Queued {
    /// The octets (already counted and logged).
    pub data: Vec<u8>,
    /// A sync point: after writing, give the peer a reactor turn (or `chop_pause`) before the
    /// next queued write, reading meanwhile.
    pub sync: bool,
}

/// The most octets one [`Action::Write`] carries: a larger write (a 16 MiB frame) is handed
/// out in pieces of this size, built as they are taken, so that a connection holds at most one
/// piece of it (and the pattern it repeats, or the fragment it cuts) rather than the whole.
pub const WRITE_CHUNK: usize = 64 * 1024;

/// One frame's octets, built as they are taken: the header, then the payload (`pattern`
/// repeated to `len` octets: a payload given whole is its own pattern) masked as it goes.
#[derive(Debug)]
struct FrameOctets {
    header: Vec<u8>,
    pattern: Vec<u8>,
    len: usize,
    mask: Option<[u8; 4]>,
    /// Octets handed out so far (header included).
    pos: usize,
}

impl FrameOctets {
    fn new(spec: &FrameSpec, mask: Option<[u8; 4]>) -> Self {
        // an empty pattern repeats to nothing (`repeat_to_len`)
        let len = match spec.payload_len {
            Some(_) if spec.payload.is_empty() => 0,
            Some(n) => n,
            None => spec.payload.len(),
        };
        FrameOctets {
            header: wire::FrameHeader::new(spec.fin, spec.rsv, spec.opcode, mask, len as u64)
                .encode(),
            pattern: spec.payload.clone(),
            len,
            mask,
            pos: 0,
        }
    }

    fn total(&self) -> usize {
        self.header.len() + self.len
    }

    fn is_done(&self) -> bool {
        self.pos >= self.total()
    }

    /// Octets built and held: the header, the pattern (a fragment's whole payload).
    fn held(&self) -> usize {
        self.header.len() + self.pattern.len()
    }

    /// The frame's octets `at..at + n` (fewer at the end), masked.
    fn octets(&self, mut at: usize, n: usize) -> Vec<u8> {
        let n = n.min(self.total().saturating_sub(at));
        let mut out = Vec::with_capacity(n);
        let h = self.header.len();
        if at < h {
            let k = n.min(h - at);
            out.extend_from_slice(&self.header[at..at + k]);
            at += k;
        }
        let start = out.len();
        let first = at.saturating_sub(h); // the payload index of the first payload octet
        while out.len() < n {
            let i = (at - h) % self.pattern.len();
            let k = (self.pattern.len() - i).min(n - out.len());
            out.extend_from_slice(&self.pattern[i..i + k]);
            at += k;
        }
        if let Some(m) = self.mask {
            let key = [
                m[first & 3],
                m[(first + 1) & 3],
                m[(first + 2) & 3],
                m[(first + 3) & 3],
            ];
            wire::apply_mask(&mut out[start..], key);
        }
        out
    }

    /// The next `max` octets (fewer at the end).
    fn take(&mut self, max: usize) -> Vec<u8> {
        let out = self.octets(self.pos, max);
        self.pos += out.len();
        out
    }

    /// The whole frame.
    fn into_vec(mut self) -> Vec<u8> {
        let n = self.total() - self.pos;
        self.take(n)
    }
}

/// What the driver is handed next, in order ([`Machine::poll_action`]).
#[derive(Debug)]
enum Out<'a> {
    Action(Action),
    /// A frame written at once, handed out [`WRITE_CHUNK`] octets at a time.
    Octets(FrameOctets),
    /// A step's frames not built yet (a 9.x message's fragments): each is built, counted and
    /// logged when the driver reaches it.
    Frames(StepFrames<'a>),
}

/// A queued write ([`Machine::poll_queued`]), not counted yet.
#[derive(Debug)]
enum QueuedOut {
    Data(Vec<u8>, bool),
    /// A chopped frame: one chop of `usize` octets per turn, each a sync point.
    Chops(FrameOctets, usize),
}

/// One connection's case machine, without I/O (see the module docs).
pub struct Machine<'a> {
    def: &'a CaseDef,
    opts: &'a ReplayOptions,
    state: State,
    rx: Vec<u8>,
    queue: VecDeque<QueuedOut>,
    timers: Vec<Timer>,
    later: Vec<Option<Later<'a>>>,
    auto_fragment: Option<usize>,
    streaming: Streaming,
    key: String,
    /// Server role: the client's request head, when the caller has already read it.
    head: Option<Vec<u8>>,
    opened_at: Option<Instant>,
    // receiving a message
    inside_message: bool,
    message_binary: bool,
    message: Vec<u8>,
    utf8_checked: usize,
    /// `createWirelog`: `TO`/`RO`/`TF`/`RF` rows are kept only while on.
    wirelog: bool,
    /// permessage-deflate, once negotiated.
    deflate: Option<Codec>,
    /// The message being received has RSV1 (is compressed).
    message_compressed: bool,
    /// The reactive case waiting for echoes; `None` once it has its verdict.
    reaction: Option<Reaction<'a>>,
    /// Whether a reactive step ran: echoed messages then go to it, never to `received`.
    reactive: bool,
    traffic: Traffic,
    /// The time of the input being handled.
    now: Instant,
    /// Actions not yet taken by the driver.
    actions: VecDeque<Out<'a>>,
    /// Events not yet seen by the driver.
    events: VecDeque<Event>,
    /// The deadline last told ([`Action::SetTimer`]).
    timer_told: Option<Instant>,
    /// Wire-log rows told so far ([`Event::Rows`]).
    rows_told: usize,
    /// Whether [`Event::Closed`] was told.
    closed_told: bool,
    /// Which of `opts.masks` were used.
    masks_used: Vec<bool>,
    /// The octets of the case's test data file (12.x, 13.x), or why the driver has none: the
    /// driver reads the file ([`Machine::with_test_data`]).
    test_data: Option<Result<Vec<u8>, String>>,
    rec: Record,
}

/// The octets a wire-log row shows.
const SHOWN_OCTETS: usize = 64;

/// Octets as a wire-log row shows them: hex of the first 64 and ` ...` when longer.
fn shown_octets(data: &[u8]) -> Shown {
    shown_write(data.len(), data)
}

/// A write of `len` octets beginning with `head` as a wire-log row shows it.
fn shown_write(len: usize, head: &[u8]) -> Shown {
    let shown = &head[..head.len().min(SHOWN_OCTETS)];
    let mut text = String::with_capacity(2 * shown.len() + 4);
    for b in shown {
        text.push_str(&format!("{b:02x}"));
    }
    if len > SHOWN_OCTETS {
        text.push_str(crate::model::CUT_MARK);
    }
    Shown {
        len: Some(len as u64),
        text,
    }
}

fn count(map: &mut std::collections::BTreeMap<u64, u64>, key: u64) {
    *map.entry(key).or_insert(0) += 1;
}

impl<'a> Machine<'a> {
    /// The machine for one connection running `def`, at `now`.
    pub fn new(def: &'a CaseDef, opts: &'a ReplayOptions, now: Instant) -> Self {
        Machine {
            def,
            opts,
            state: State::Connecting,
            rx: Vec::new(),
            queue: VecDeque::new(),
            timers: Vec::new(),
            later: Vec::new(),
            auto_fragment: None,
            streaming: Streaming::default(),
            key: handshake::new_key(),
            head: None,
            opened_at: None,
            inside_message: false,
            message_binary: false,
            message: Vec::new(),
            utf8_checked: 0,
            wirelog: true,
            deflate: None,
            message_compressed: false,
            reaction: None,
            reactive: false,
            traffic: Traffic::default(),
            now,
            actions: VecDeque::new(),
            events: VecDeque::new(),
            timer_told: None,
            rows_told: 0,
            closed_told: false,
            masks_used: vec![false; opts.masks.len()],
            test_data: None,
            rec: Record {
                closing: Closing {
                    is_server: Some(opts.role == Role::Server),
                    closed_by_me: Some(false),
                    failed_by_me: Some(false),
                    dropped_by_me: Some(false),
                    was_clean: Some(false),
                    was_server_connection_drop_timeout: Some(false),
                    was_open_handshake_timeout: Some(false),
                    was_close_handshake_timeout: Some(false),
                    ..Closing::default()
                },
                ..Record::default()
            },
        }
    }

    /// Server role: the client's request head was already read from the stream (by the
    /// fuzzing server, to route the request); it is processed as the connection's first read.
    pub fn with_head(mut self, head: Vec<u8>) -> Self {
        self.head = Some(head);
        self
    }

    /// 12.x, 13.x: the octets of the case's test data file ([`CaseDef::test_data`]), read by
    /// the driver, or why it could not read them (the case is then FAILED saying so). The
    /// machine does no I/O: without this, a compression case fails the same way.
    pub fn with_test_data(mut self, data: Result<Vec<u8>, String>) -> Self {
        self.test_data = Some(data);
        self
    }

    fn set_timer(&mut self, after: Duration, kind: TimerKind) {
        self.timers.push(Timer {
            at: self.now + after,
            kind,
        });
    }

    fn cancel_timer(&mut self, pred: fn(&TimerKind) -> bool) {
        self.timers.retain(|t| !pred(&t.kind));
    }

    /// Starts the connection at `now`: arms the opening handshake's timer and our bound on
    /// the case, then sends the request (client) or handles the request head the caller
    /// already read (server).
    pub fn start(&mut self, now: Instant) {
        self.now = now;
        self.set_timer(self.opts.timeouts.open_handshake, TimerKind::OpenHandshake);
        self.set_timer(self.opts.timeouts.case_limit, TimerKind::CaseLimit);
        match self.opts.role {
            Role::Client => {
                let offer = self.def.deflate.as_ref().map(|d| d.offer_header());
                let request = handshake::request(
                    &self.opts.host,
                    &self.opts.resource,
                    &self.key,
                    offer.as_deref(),
                );
                let request = handshake::with_headers(request, &self.opts.extra_headers);
                self.rec.http_request = Some(String::from_utf8_lossy(&request).into_owned());
                self.send_data(request, false, None);
            }
            // The server waits for the request; one the caller already read is its first read.
            Role::Server => {
                if let Some(head) = self.head.take() {
                    self.on_read(&head);
                }
            }
        }
        self.tell();
    }

    /// After each input: the timer actions and the events it caused.
    fn tell(&mut self) {
        let closed = self.state == State::Closed;
        let next = if closed { None } else { self.poll_timeout() };
        if next != self.timer_told {
            self.timer_told = next;
            let action = next.map_or(Action::CancelTimer, Action::SetTimer);
            self.actions.push_back(Out::Action(action));
        }
        let rows = self.rec.wirelog.len();
        if rows > self.rows_told {
            match self.events.back_mut() {
                Some(Event::Rows(r)) if r.end == self.rows_told => r.end = rows,
                _ => self.events.push_back(Event::Rows(self.rows_told..rows)),
            }
            self.rows_told = rows;
        }
        if closed && !self.closed_told {
            self.closed_told = true;
            self.events.push_back(Event::Closed);
        }
    }

    /// The next event, in order (see [`Event`]); the driver may ignore them.
    pub fn poll_event(&mut self) -> Option<Event> {
        self.events.pop_front()
    }

    /// The wire log so far ([`Event::Rows`] says which rows are new).
    pub fn wirelog(&self) -> &[WireRow] {
        &self.rec.wirelog
    }

    /// Octets read from the peer at `now` (one read: its size is what `rxOctetStats` counts).
    pub fn handle_read(&mut self, data: &[u8], now: Instant) {
        self.now = now;
        if data.is_empty() {
            return self.handle_eof(now);
        }
        self.on_read(data);
        self.tell();
    }

    /// The peer ended TCP (FIN or reset) at `now`: `connectionLost`.
    pub fn handle_eof(&mut self, now: Instant) {
        self.now = now;
        self.state = State::Closed;
        self.tell();
    }

    /// Fires every timer due at `now`, earliest first.
    pub fn handle_timeout(&mut self, now: Instant) {
        self.now = now;
        self.fire_due_timers();
        self.tell();
    }

    /// The next action to take, in order. A large write comes in pieces of at most
    /// [`WRITE_CHUNK`] octets and a many-fragment message a frame at a time, each built here
    /// (so a connection never holds a 9.x message whole).
    pub fn poll_action(&mut self) -> Option<Action> {
        loop {
            match self.actions.front_mut()? {
                Out::Action(_) => {
                    let Some(Out::Action(a)) = self.actions.pop_front() else {
                        unreachable!()
                    };
                    return Some(a);
                }
                Out::Octets(o) if !o.is_done() => {
                    return Some(Action::Write(o.take(WRITE_CHUNK)));
                }
                Out::Octets(_) => {
                    self.actions.pop_front();
                }
                Out::Frames(frames) => {
                    let Some(frame) = frames.next() else {
                        self.actions.pop_front();
                        continue;
                    };
                    // the frame's writes go before whatever is behind the step
                    let rest = std::mem::take(&mut self.actions);
                    self.send_frame(&frame);
                    self.actions.extend(rest);
                    self.tell();
                }
            }
        }
    }

    /// Octets built and waiting to be handed out (actions and queued writes): what a
    /// connection holds beside its buffers. At most one [`WRITE_CHUNK`] or one fragment of a
    /// large message, not the message.
    pub fn pending_octets(&self) -> usize {
        let out: usize = self
            .actions
            .iter()
            .map(|o| match o {
                Out::Action(Action::Write(d)) => d.len(),
                Out::Action(_) | Out::Frames(_) => 0,
                Out::Octets(o) => o.held(),
            })
            .sum();
        let queued: usize = self
            .queue
            .iter()
            .map(|q| match q {
                QueuedOut::Data(d, _) => d.len(),
                QueuedOut::Chops(o, _) => o.held(),
            })
            .sum();
        out + queued
    }

    /// The next queued write, counted and logged as it is handed out (Autobahn's `_send`
    /// takes one item per reactor turn); `None` when the queue is empty, there are actions
    /// to take first, or the connection is closed.
    pub fn poll_queued(&mut self, now: Instant) -> Option<Queued> {
        if !self.actions.is_empty() || self.state == State::Closed {
            return None;
        }
        self.now = now;
        let (data, sync) = match self.queue.front_mut()? {
            QueuedOut::Chops(o, n) => {
                let chop = o.take(*n);
                if o.is_done() {
                    self.queue.pop_front();
                }
                (chop, true)
            }
            QueuedOut::Data(..) => {
                let Some(QueuedOut::Data(data, sync)) = self.queue.pop_front() else {
                    unreachable!()
                };
                (data, sync)
            }
        };
        self.record_write(data.len(), &data, sync);
        self.tell();
        Some(Queued { data, sync })
    }

    /// When the next timer is due: the deadline the last [`Action::SetTimer`] told (a query;
    /// the driver need not ask).
    pub fn poll_timeout(&self) -> Option<Instant> {
        self.timers.iter().map(|t| t.at).min()
    }

    /// The case's hard deadline (our bound on the case, `killAfter`): a write still blocked
    /// then is given up.
    pub fn hard_deadline(&self) -> Option<Instant> {
        self.timers
            .iter()
            .filter(|t| matches!(t.kind, TimerKind::CaseLimit | TimerKind::Kill))
            .map(|t| t.at)
            .min()
    }

    /// Whether the connection has ended (TCP gone or dropped): nothing more to do but
    /// [`Machine::finish`] (after taking the last actions).
    pub fn is_closed(&self) -> bool {
        self.state == State::Closed
    }

    /// The record of the connection, ended at `now`.
    pub fn finish(mut self, now: Instant) -> Record {
        self.rec.duration = self
            .opened_at
            .map(|t| now.saturating_duration_since(t))
            .unwrap_or(Duration::ZERO);
        self.connection_lost();
        self.rec
    }

    fn fire_due_timers(&mut self) {
        loop {
            let now = self.now;
            let Some(i) = self
                .timers
                .iter()
                .enumerate()
                .filter(|(_, t)| t.at <= now)
                .min_by_key(|(_, t)| t.at)
                .map(|(i, _)| i)
            else {
                return;
            };
            let timer = self.timers.remove(i);
            self.fire(timer.kind);
        }
    }

    fn fire(&mut self, kind: TimerKind) {
        if self.state == State::Closed {
            return;
        }
        match kind {
            TimerKind::Later(i) => {
                let Some(later) = self.later.get_mut(i).and_then(Option::take) else {
                    return;
                };
                self.rec
                    .wirelog
                    .push(WireRow::DelayFired(later.tag.clone()));
                if later.only_if_open && self.state != State::Open {
                    return;
                }
                if later.record_timeout {
                    self.rec
                        .received
                        .push(Expect::Timeout(later.tag.clone().unwrap_or_default()));
                }
                self.run_steps(later.steps);
            }
            TimerKind::Kill => {
                self.rec.wirelog.push(WireRow::KillFired);
                self.fail_connection(1001, "Going Away");
            }
            TimerKind::CloseAfter => {
                self.rec.wirelog.push(WireRow::CloseFired);
                self.send_close_frame(None, None, false);
            }
            TimerKind::CloseHandshake => {
                self.rec.closing.was_clean = Some(false);
                self.rec.closing.was_not_clean_reason =
                    Some("peer did not respond (in time) in closing handshake".into());
                self.rec.closing.was_close_handshake_timeout = Some(true);
                self.drop_connection();
            }
            TimerKind::ServerDrop => {
                self.rec.closing.was_clean = Some(false);
                self.rec.closing.was_not_clean_reason =
                    Some("server did not drop TCP connection (in time)".into());
                self.rec.closing.was_server_connection_drop_timeout = Some(true);
                self.drop_connection();
            }
            TimerKind::OpenHandshake => {
                if self.state == State::Connecting {
                    self.rec.closing.was_clean = Some(false);
                    self.rec.closing.was_not_clean_reason =
                        Some("peer did not finish (in time) the opening handshake".into());
                    self.rec.closing.was_open_handshake_timeout = Some(true);
                    self.drop_connection();
                }
            }
            TimerKind::CaseLimit => {
                if self.rec.closing.was_not_clean_reason.is_none() {
                    self.rec.closing.was_not_clean_reason = Some(format!(
                        "case did not end within {:?}; wsreport dropped the TCP connection",
                        self.opts.timeouts.case_limit
                    ));
                }
                self.rec.closing.was_clean = Some(false);
                self.drop_connection();
            }
        }
    }

    // ---- sending ----------------------------------------------------------------------

    /// Autobahn's `sendData`: chopped writes go through the queue, one chop per turn, each
    /// marked sync; a sync write (or any write while the queue is busy) is queued too;
    /// everything else is written at once.
    fn send_data(&mut self, data: Vec<u8>, sync: bool, chop: Option<usize>) {
        match chop.filter(|&n| n > 0) {
            Some(n) => {
                if data.is_empty() {
                    self.queue.push_back(QueuedOut::Data(Vec::new(), true));
                }
                for piece in data.chunks(n) {
                    self.queue.push_back(QueuedOut::Data(piece.to_vec(), true));
                }
            }
            None if sync || !self.queue.is_empty() => {
                self.queue.push_back(QueuedOut::Data(data, sync))
            }
            None => self.write_now(data),
        }
    }

    /// `sendData` for a frame's octets, built as the driver takes them: chops are queued as
    /// one chopped frame, a write at once is counted and logged now (one write, as Autobahn's
    /// `transport.write`) and handed out in pieces.
    fn send_frame_octets(&mut self, o: FrameOctets, sync: bool, chop: Option<usize>) {
        match chop.filter(|&n| n > 0) {
            Some(n) => self.queue.push_back(QueuedOut::Chops(o, n)),
            None if sync || !self.queue.is_empty() => {
                self.queue.push_back(QueuedOut::Data(o.into_vec(), sync))
            }
            None if self.state == State::Closed => {}
            None => {
                // the `TO` row shows the first octets and the length
                let head = o.octets(0, SHOWN_OCTETS);
                self.record_write(o.total(), &head, false);
                self.actions.push_back(Out::Octets(o));
            }
        }
    }

    /// Writes `data` at once: counted and logged now, handed to the driver as an action.
    fn write_now(&mut self, data: Vec<u8>) {
        if self.state == State::Closed {
            return;
        }
        self.record_write(data.len(), &data, false);
        self.actions.push_back(Out::Action(Action::Write(data)));
    }

    /// `txOctetStats`, the traffic counts and the `TO` row of one write of `len` octets, of
    /// which `head` are the first (at least the 64 a row shows, when there are as many).
    fn record_write(&mut self, len: usize, head: &[u8], sync: bool) {
        count(&mut self.rec.stats.tx_octets, len as u64);
        match self.state {
            State::Open => self.traffic.outgoing_wire += len as u64,
            State::Connecting => self.traffic.preopen_outgoing_wire += len as u64,
            _ => {}
        }
        if self.wirelog {
            self.rec.wirelog.push(WireRow::TxOctets {
                data: shown_write(len, head),
                sync,
            });
        }
    }

    fn mask(&self) -> Option<[u8; 4]> {
        match self.opts.role {
            Role::Client => Some(fastrand::u32(..).to_be_bytes()),
            Role::Server => None,
        }
    }

    /// The mask for a frame: the first unused fixed mask that matches it (`replay --from`),
    /// else a fresh one.
    fn mask_for(&mut self, spec: &FrameSpec) -> Option<[u8; 4]> {
        if self.opts.role == Role::Client && !self.opts.masks.is_empty() {
            let shown = shown_payload(&spec.payload);
            let found = self.opts.masks.iter().enumerate().position(|(i, m)| {
                !self.masks_used[i]
                    && m.opcode == spec.opcode
                    && m.len == spec.wire_len() as u64
                    && m.shown == shown
            });
            if let Some(i) = found {
                self.masks_used[i] = true;
                return Some(self.opts.masks[i].mask);
            }
        }
        self.mask()
    }

    /// Autobahn's `sendFrame`: any frame, valid or not, logged as a `TF` row.
    fn send_frame(&mut self, spec: &FrameSpec) {
        let mask = self.mask_for(spec);
        count(&mut self.rec.stats.tx_frames, u64::from(spec.opcode & 0x0f));
        self.traffic.outgoing_frames += 1;
        // built as the driver takes it: a 16 MiB frame is never held whole
        let octets = FrameOctets::new(spec, mask);
        if !self.wirelog {
            self.send_frame_octets(octets, spec.sync, spec.chopsize);
            return;
        }
        self.rec.wirelog.push(WireRow::TxFrame {
            payload: Shown {
                len: Some(spec.payload.len() as u64),
                text: shown_payload(&spec.payload),
            },
            opcode: u64::from(spec.opcode & 0x0f),
            fin: spec.fin,
            rsv: u64::from(spec.rsv & 0x07),
            mask: mask.map(|m| m.iter().map(|b| format!("{b:02x}")).collect()),
            repeat_len: spec.payload_len.map(|n| n as u64),
            chopsize: spec.chopsize.map(|n| n as u64),
            sync: spec.sync,
        });
        self.send_frame_octets(octets, spec.sync, spec.chopsize);
    }

    /// Autobahn's `sendCloseFrame`: only from OPEN; moves to CLOSING.
    fn send_close_frame(&mut self, code: Option<u16>, reason: Option<&[u8]>, reply: bool) {
        self.send_close(&close_frame(code, reason), code, reason, reply);
    }

    /// Sends `frame`, the close frame of `code` and `reason` (a step's planned frame or one of
    /// ours): only from OPEN; moves to CLOSING.
    fn send_close(
        &mut self,
        frame: &FrameSpec,
        code: Option<u16>,
        reason: Option<&[u8]>,
        reply: bool,
    ) {
        if self.state != State::Open {
            return;
        }
        self.send_frame(frame);
        self.state = State::Closing;
        self.rec.closing.closed_by_me = Some(!reply);
        self.rec.closing.local_close_code = code.map(u64::from);
        self.rec.closing.local_close_reason =
            reason.map(|r| String::from_utf8_lossy(r).into_owned());
        if !reply {
            self.set_timer(
                self.opts.timeouts.close_handshake,
                TimerKind::CloseHandshake,
            );
        }
    }

    /// Autobahn's `_fail_connection`.
    fn fail_connection(&mut self, code: u16, reason: &str) {
        if self.state == State::Closed {
            return;
        }
        self.rec.closing.failed_by_me = Some(true);
        if self.opts.fail_by_drop {
            self.rec.closing.was_clean = Some(false);
            self.rec.closing.was_not_clean_reason =
                Some("I failed the WebSocket connection by dropping the TCP connection".into());
            self.drop_connection();
        } else if self.state != State::Closing {
            let reason = truncate_utf8(reason, 123);
            self.send_close_frame(Some(code), Some(reason.as_bytes()), false);
        } else {
            self.drop_connection();
        }
    }

    /// Autobahn's `dropConnection`.
    fn drop_connection(&mut self) {
        if self.state == State::Closed {
            return;
        }
        self.rec.closing.dropped_by_me = Some(true);
        self.state = State::Closed;
        self.actions.push_back(Out::Action(Action::Drop));
    }

    /// `_connectionLost`: the last word on `wasNotCleanReason`.
    fn connection_lost(&mut self) {
        self.state = State::Closed;
        let c = &mut self.rec.closing;
        if c.was_clean != Some(true)
            && c.dropped_by_me != Some(true)
            && c.was_not_clean_reason.is_none()
        {
            c.was_not_clean_reason = Some(
                "peer dropped the TCP connection without previous WebSocket closing handshake"
                    .into(),
            );
        }
    }

    fn run_steps(&mut self, steps: &'a [Step]) {
        for step in steps {
            if self.state == State::Closed {
                return;
            }
            self.run_step(step);
        }
    }

    /// The frames `step` writes, as the catalog plans them: the one derivation of a case's
    /// frames ([`step_frames`]).
    fn planned(&self, step: &'a Step) -> StepFrames<'a> {
        step_frames(step, self.opts.fragment_end, self.auto_fragment)
    }

    /// Sends every frame of `frames`, one built at a time.
    fn send_frames(&mut self, frames: StepFrames<'_>) {
        for frame in frames {
            self.send_frame(&frame);
        }
    }

    fn run_step(&mut self, step: &'a Step) {
        match step {
            Step::SendAndAwaitEcho(echo) => self.start_await_echo(step, echo),
            Step::EchoSeries(series) => self.start_echo_series(step, series),
            Step::DeflateSeries(series) => self.start_deflate_series(series),
            // `sendFrame` writes in any state (the driver's write fails once TCP is gone)
            Step::Frame(_) => self.send_frames(self.planned(step)),
            // `sendMessage` and `endMessage` only while OPEN
            Step::Message { .. } | Step::EndMessage => {
                if self.state == State::Open {
                    self.send_frames(self.planned(step));
                }
            }
            Step::AutoFragmentSize(n) => self.auto_fragment = Some(*n),
            Step::BeginMessage { binary } => {
                if self.state == State::Open {
                    self.streaming = Streaming {
                        opcode: Some(if *binary {
                            opcode::BINARY
                        } else {
                            opcode::TEXT
                        }),
                        ..Streaming::default()
                    };
                }
            }
            Step::BeginMessageFrame(len) => {
                if self.state != State::Open {
                    return;
                }
                let op = self.streaming.opcode.take().unwrap_or(opcode::CONTINUATION);
                let mask = self.mask();
                // The header alone (FIN clear): the payload follows in `MessageFrameData`.
                let header = wire::FrameHeader::new(false, 0, op, mask, *len as u64).encode();
                self.streaming.mask = mask;
                self.streaming.frame_len = *len;
                self.streaming.written = 0;
                self.send_data(header, false, None);
            }
            Step::MessageFrameData(data) => {
                if self.state != State::Open {
                    return;
                }
                let room = self
                    .streaming
                    .frame_len
                    .saturating_sub(self.streaming.written);
                let mut part = data[..data.len().min(room)].to_vec();
                if let Some(m) = self.streaming.mask {
                    let at = self.streaming.written;
                    for (i, b) in part.iter_mut().enumerate() {
                        *b ^= m[(at + i) & 3];
                    }
                }
                self.streaming.written += part.len();
                self.send_data(part, false, None);
            }
            Step::Close { code, reason } | Step::CloseFrame { code, reason } => {
                let Some(frame) = self.planned(step).next() else {
                    return;
                };
                // the reason as planned (`sendClose` cuts it to 123 octets)
                let at = if code.is_some() { 2 } else { 0 };
                let reason = reason.as_ref().map(|_| &frame.payload[at..]);
                self.send_close(&frame, *code, reason, false);
            }
            Step::KillAfter(s) => {
                self.rec.wirelog.push(WireRow::KillAfter(*s));
                self.set_timer(Duration::from_secs_f64(*s), TimerKind::Kill);
            }
            Step::CloseAfter(s) => {
                self.rec.wirelog.push(WireRow::CloseAfter(*s));
                self.set_timer(Duration::from_secs_f64(*s), TimerKind::CloseAfter);
            }
            Step::Later {
                delay,
                tag,
                only_if_open,
                record_timeout,
                steps,
            } => {
                self.rec.wirelog.push(WireRow::DelaySet {
                    delay: *delay,
                    tag: tag.clone(),
                });
                self.later.push(Some(Later {
                    tag: tag.clone(),
                    only_if_open: *only_if_open,
                    record_timeout: *record_timeout,
                    steps,
                }));
                let i = self.later.len() - 1;
                self.set_timer(Duration::from_secs_f64(*delay), TimerKind::Later(i));
            }
        }
    }

    // ---- reactive cases (9, 12, 13) --------------------------------------------------

    /// `closeAfter(secs)` as the reactive cases arm it (a `TI` row even with the wire log off).
    fn close_after(&mut self, secs: u32) {
        self.rec.wirelog.push(WireRow::CloseAfter(f64::from(secs)));
        let wait = Duration::from_secs(u64::from(secs));
        self.set_timer(wait, TimerKind::CloseAfter);
        // The case may take its own time (up to 480 s in 12.x/13.x): our bound on a case
        // starts only after the case's timeout and the closing handshake's.
        let t = &self.opts.timeouts;
        let floor =
            self.now + wait + t.close_handshake + t.server_connection_drop + Duration::from_secs(5);
        for timer in &mut self.timers {
            if matches!(timer.kind, TimerKind::CaseLimit) && timer.at < floor {
                timer.at = floor;
            }
        }
    }

    /// `enableWirelog(on)`: the switch and its `WLM` row.
    fn enable_wirelog(&mut self, on: bool) {
        self.wirelog = on;
        self.rec.wirelog.push(WireRow::WireLog(on));
    }

    /// The reaction has its verdict: stop reacting and start the closing handshake.
    fn finish_reaction(&mut self, verdict: Verdict, result: String, wlm_row: bool) {
        self.reaction = None;
        self.final_verdict(verdict, result);
        if wlm_row {
            self.enable_wirelog(true);
        } else {
            self.wirelog = true;
        }
        self.send_close_frame(Some(crate::catalog::close_code::NORMAL), None, false);
    }

    /// 9.1–9.6 (`case9_1_1.py` …): see [`AwaitEcho`].
    fn start_await_echo(&mut self, step: &'a Step, echo: &'a AwaitEcho) {
        if self.state != State::Open {
            return;
        }
        self.wirelog = false; // `createWirelog = False`: no `WLM` row
        self.reactive = true;
        self.rec.verdict = Some((Verdict::Failed, echo.timeout_result()));
        self.reaction = Some(Reaction::AwaitEcho(echo));
        // One frame, handed out in pieces; or the message's fragments, each built, counted
        // and written when the driver reaches it (the wire log is off: no row changes place).
        let frames = self.planned(step);
        self.actions.push_back(Out::Frames(frames));
        self.close_after(echo.wait_secs);
    }

    /// 9.7, 9.8 (`case9_7_X.py`): see [`EchoSeries`].
    fn start_echo_series(&mut self, step: &'a Step, series: &'a EchoSeries) {
        if self.state != State::Open {
            return;
        }
        self.enable_wirelog(false);
        self.reactive = true;
        self.rec.verdict = Some((Verdict::Failed, series.timeout_result()));
        self.close_after(series.wait_secs);
        self.reaction = Some(Reaction::EchoSeries(step, series, 1));
        self.send_frames(self.planned(step));
    }

    /// 12.x, 13.x (`case12_x_x.py`): see [`DeflateSeries`].
    fn start_deflate_series(&mut self, series: &DeflateSeries) {
        if self.state != State::Open {
            return;
        }
        self.enable_wirelog(false);
        self.reactive = true;
        if self.deflate.is_none() {
            // The result stays the default one, as in the testsuite.
            self.final_verdict(Verdict::Unimplemented, crate::judge::DIFFER.into());
            self.send_close_frame(Some(crate::catalog::close_code::NORMAL), None, false);
            return;
        }
        let data = self
            .test_data
            .take()
            .unwrap_or_else(|| {
                Err(format!(
                    "the engine was given no test data ({})",
                    series.data.file()
                ))
            })
            .and_then(|octets| {
                SeriesData::new(octets, series.data.binary()).map_err(|e| e.to_string())
            });
        let data = match data {
            Ok(d) => d,
            Err(why) => {
                self.finish_reaction(Verdict::Failed, format!("wsreport: {why}"), true);
                return;
            }
        };
        self.rec.verdict = Some((Verdict::Failed, series.timeout_result()));
        self.close_after(series.wait_secs);
        let shared = match (&self.opts.series_memo, self.rec.deflate) {
            (Some(memo), Some(params)) => {
                let is_server = self.opts.role == Role::Server;
                memo.0
                    .join(self.def, series, params, is_server, || data.restart())
            }
            _ => None,
        };
        self.reaction = Some(Reaction::Deflate {
            series: series.clone(),
            data,
            sent: 0,
            expected: Vec::new(),
            prepared: None,
            shared,
        });
        self.send_next_deflate_message();
    }

    /// `sendOne`: the next message of the series, compressed (by [`Machine::prepare`] when
    /// the driver gave it the time while the last echo was on its way).
    fn send_next_deflate_message(&mut self) {
        let Some(Reaction::Deflate {
            series,
            data,
            sent,
            prepared,
            shared,
            ..
        }) = self.reaction.as_mut()
        else {
            return;
        };
        let binary = series.data.binary();
        // kept whole: the echo is compared octet for octet (the testsuite compares SHA-1s;
        // the same verdict without hashing 2 × 100 MB per case), hashed only to say a mismatch
        let (message, payload) = match prepared.take() {
            Some(ready) => ready,
            None => match self.deflate.as_mut() {
                Some(codec) => next_compressed(series, data, codec, shared, *sent),
                None => {
                    let message = data.next_message(series.len);
                    (message.clone(), message)
                }
            },
        };
        *sent += 1;
        self.send_payload(message.len(), payload, binary);
        if let Some(Reaction::Deflate { expected, .. }) = self.reaction.as_mut() {
            *expected = message;
        }
    }

    /// Work the machine can do while it waits for the peer, which the driver calls before
    /// it waits: a compression series makes (cuts and compresses) its next message while the
    /// echo of the last one is on its way, so the peer's work and ours overlap instead of
    /// taking turns. What is sent, and when, is the same as without it: the message leaves
    /// when the echo arrives, as `sendOne` sends it from `onMessage`.
    pub fn prepare(&mut self) {
        if self.state != State::Open {
            return;
        }
        let Some(Reaction::Deflate {
            series,
            data,
            sent,
            prepared: prepared @ None,
            shared,
            ..
        }) = self.reaction.as_mut()
        else {
            return;
        };
        let Some(codec) = self.deflate.as_mut() else {
            return;
        };
        if *sent >= series.count {
            return;
        }
        *prepared = Some(next_compressed(series, data, codec, shared, *sent));
    }

    /// `sendMessage(payload, isBinary)` once the payload is compressed (when permessage-deflate
    /// is in use, RFC 7692 §7.2.1: RSV1 on the first frame): `len` octets before compression,
    /// cut into frames of the auto-fragment size.
    fn send_payload(&mut self, len: usize, payload: Vec<u8>, binary: bool) {
        if self.state != State::Open {
            return;
        }
        let rsv = if self.deflate.is_some() { 4 } else { 0 };
        self.traffic.outgoing_messages += 1;
        self.traffic.outgoing_app += len as u64;
        self.traffic.outgoing_ws += payload.len() as u64;
        let size = self.auto_fragment.unwrap_or(0);
        self.send_frames(message_frames(
            &payload,
            binary,
            rsv,
            size,
            self.opts.fragment_end,
        ));
    }

    /// A reactive case's `onMessage`: judge the echo, send the next message or finish.
    fn on_echo(&mut self, message: Vec<u8>, binary: bool) {
        let Some(reaction) = self.reaction.as_mut() else {
            // the verdict is in: later echoes change nothing
            return;
        };
        match reaction {
            Reaction::AwaitEcho(echo) => {
                let (verdict, result) = if binary != echo.binary() {
                    (Verdict::Failed, echo.wrong_type_result.clone())
                } else if message.len() != echo.len() {
                    (Verdict::Failed, echo.wrong_length_result(message.len()))
                } else {
                    (Verdict::Ok, echo.ok_result(message.len()))
                };
                self.finish_reaction(verdict, result, false);
            }
            Reaction::EchoSeries(step, series, sent) => {
                let want_binary = series.frame.opcode == opcode::BINARY;
                if binary != want_binary || message.len() != series.frame.wire_len() {
                    let result = EchoSeries::mismatch_result(binary, message.len());
                    self.finish_reaction(Verdict::Failed, result, true);
                } else if *sent < series.count {
                    *sent += 1;
                    let step = *step;
                    self.send_frames(self.planned(step));
                } else {
                    self.finish_reaction(Verdict::Ok, EchoSeries::OK_RESULT.into(), true);
                }
            }
            Reaction::Deflate {
                series,
                sent,
                expected,
                ..
            } => {
                let want_binary = series.data.binary();
                let units = super::series::units_of(&message, want_binary);
                let failed = if binary != want_binary {
                    Some(series.wrong_type_result(binary))
                } else if units != series.len {
                    Some(series.wrong_length_result(units))
                } else if message != *expected {
                    let got: [u8; 20] = Sha1::digest(&message).into();
                    let want: [u8; 20] = Sha1::digest(&expected[..]).into();
                    Some(DeflateSeries::wrong_content_result(&got, &want))
                } else {
                    None
                };
                if let Some(result) = failed {
                    self.finish_reaction(Verdict::Failed, result, true);
                } else if *sent < series.count {
                    self.send_next_deflate_message();
                } else {
                    self.rec.traffic_stats = Some(self.traffic.to_json());
                    self.finish_reaction(Verdict::Ok, EchoSeries::OK_RESULT.into(), true);
                }
            }
        }
    }

    // ---- receiving --------------------------------------------------------------------

    fn on_read(&mut self, data: &[u8]) {
        let n = data.len();
        count(&mut self.rec.stats.rx_octets, n as u64);
        match self.state {
            State::Open => self.traffic.incoming_wire += n as u64,
            State::Connecting => self.traffic.preopen_incoming_wire += n as u64,
            _ => {}
        }
        if self.wirelog {
            self.rec.wirelog.push(WireRow::RxOctets(shown_octets(data)));
        }
        if self.state == State::Closed {
            return;
        }
        self.rx.extend_from_slice(data);
        if self.state == State::Connecting {
            self.process_handshake();
        }
        // Frames are taken from `pos` on and the buffer is shifted once per read, not once
        // per frame (an echo of 65536 small frames would otherwise move the buffer each time).
        let mut pos = 0;
        let limit = self.opts.max_message_size.map_or(u64::MAX, |n| n as u64);
        while matches!(self.state, State::Open | State::Closing) {
            match wire::decode_with_limit(&self.rx[pos..], limit) {
                Ok(wire::Decoded::Complete(f)) => {
                    pos += f.consumed;
                    self.process_frame(f);
                }
                Ok(wire::Decoded::Incomplete { needed }) => {
                    // room for the rest of the frame (known and within the limit once its
                    // header is in), not twice the buffer
                    self.rx.reserve_exact(needed);
                    break;
                }
                Err(wire::FrameError::PayloadTooLarge { length, .. }) if length > limit => {
                    // Refused on its header: the payload is never read, and what follows on
                    // the stream cannot be read as frames any more.
                    if opcode::is_control(self.rx[pos]) {
                        self.protocol_violation("control frame with payload length > 125 octets");
                    } else {
                        self.message_too_big(format!(
                            "frame exceeds payload limit of {limit} octets (its header says {length})"
                        ));
                    }
                    self.drop_connection();
                    self.rx = Vec::new();
                    pos = 0;
                    break;
                }
                Err(e) => {
                    self.protocol_violation(&e.to_string());
                    self.rx.clear();
                    pos = 0;
                    break;
                }
            }
        }
        let pos = pos.min(self.rx.len());
        self.rx.drain(..pos);
    }

    fn process_handshake(&mut self) {
        let Some(end) = self.rx.windows(4).position(|w| w == b"\r\n\r\n") else {
            if self.rx.len() > handshake::MAX_HEAD {
                let reason = format!(
                    "opening handshake head exceeds {} octets without its end",
                    handshake::MAX_HEAD
                );
                self.rec.closing.was_not_clean_reason = Some(reason.clone());
                self.rec.handshake_error = Some(reason);
                self.rx = Vec::new();
                self.drop_connection();
            }
            return;
        };
        let head: Vec<u8> = self.rx.drain(..end + 4).collect();
        let checked = match self.opts.role {
            Role::Client => {
                self.rec.http_response = Some(String::from_utf8_lossy(&head).into_owned());
                handshake::check_response(&head, &self.key).and_then(|()| {
                    let extensions = handshake::single_header(&head, "sec-websocket-extensions")?;
                    deflate::client_negotiate(extensions.as_deref(), self.def.deflate.is_some())
                })
            }
            Role::Server => self.answer_request(&head),
        };
        match checked {
            Ok(params) => {
                self.rec.deflate = params;
                let limit = self.opts.max_message_size.unwrap_or(usize::MAX);
                self.deflate =
                    params.map(|p| Codec::new(p, self.opts.role == Role::Server).with_limit(limit));
            }
            Err(reason) => {
                self.rec.closing.was_not_clean_reason = Some(reason.clone());
                self.rec.handshake_error = Some(reason);
                self.drop_connection();
                return;
            }
        }
        self.state = State::Open;
        self.rec.was_open = true;
        self.cancel_timer(|k| matches!(k, TimerKind::OpenHandshake));
        self.opened_at = Some(self.now);
        let def = self.def;
        self.run_steps(&def.steps);
    }

    /// Server role: checks the client's request as autobahn's server does and answers it, the
    /// `101` written (and logged) before the case's first frame, or the refusal.
    fn answer_request(&mut self, head: &[u8]) -> Result<Option<deflate::Params>, String> {
        self.rec.http_request = Some(String::from_utf8_lossy(head).into_owned());
        let checked = handshake::check_request(head).and_then(|key| {
            let refused = |reason| handshake::Refusal {
                status: 400,
                reason,
            };
            // a repeated header reads as one comma-joined value (RFC 9110 §5.3)
            let offers = handshake::joined_header(head, "sec-websocket-extensions");
            deflate::server_negotiate(offers.as_deref(), self.def.deflate.as_ref())
                .map(|negotiated| (key, negotiated))
                .map_err(refused)
        });
        match checked {
            Ok((key, negotiated)) => {
                let (params, answer) = negotiated.unzip();
                let response = handshake::response(&key, answer.as_deref());
                self.rec.http_response = Some(String::from_utf8_lossy(&response).into_owned());
                self.send_data(response, false, None);
                Ok(params)
            }
            Err(refusal) => {
                let response = handshake::error_response(&refusal);
                self.rec.http_response = Some(String::from_utf8_lossy(&response).into_owned());
                self.write_now(response);
                Err(refusal.reason)
            }
        }
    }

    /// `_protocol_violation`: fail with 1002; `true` when processing must stop.
    fn protocol_violation(&mut self, reason: &str) -> bool {
        self.fail_connection(1002, reason);
        self.opts.fail_by_drop || self.state == State::Closed
    }

    /// A message over `--max-message-size` (autobahn's `maxMessagePayloadSize`, which fails
    /// with 1009 `CLOSE_STATUS_CODE_MESSAGE_TOO_BIG`): what was received of it is freed, the
    /// connection is failed, and the case is FAILED saying why, whatever it was waiting for.
    fn message_too_big(&mut self, why: String) {
        self.inside_message = false;
        self.message = Vec::new();
        self.reaction = None;
        self.final_verdict(
            Verdict::Failed,
            format!(
                "wsreport: the peer's {why} (--max-message-size); the connection was failed \
                 with 1009"
            ),
        );
        self.fail_connection(crate::catalog::close_code::MESSAGE_TOO_BIG, &why);
    }

    /// The verdict the record will carry, told as an [`Event::Verdict`].
    fn final_verdict(&mut self, verdict: Verdict, result: String) {
        self.events
            .push_back(Event::Verdict(verdict.clone(), result.clone()));
        self.rec.verdict = Some((verdict, result));
    }

    /// `_invalid_payload`: fail with 1007; `true` when processing must stop.
    fn invalid_payload(&mut self, reason: &str) -> bool {
        self.fail_connection(1007, reason);
        self.opts.fail_by_drop || self.state == State::Closed
    }

    /// `processData` for one whole frame: the header checks in Autobahn's order, then the
    /// frame's payload and end.
    fn process_frame(&mut self, f: wire::DecodedFrame) {
        let frame = &f.frame;
        let op = frame.opcode;
        // RSV1 marks a compressed message once permessage-deflate is negotiated (RFC 7692 §6)
        let compressed_bit = self.deflate.is_some() && frame.rsv == 4;
        if frame.rsv != 0
            && !compressed_bit
            && self.protocol_violation(&format!("RSV = {} and no extension negotiated", frame.rsv))
        {
            return;
        }
        if compressed_bit
            && (opcode::is_control(op) || self.inside_message)
            && self.protocol_violation(if opcode::is_control(op) {
                "received compressed control frame [permessage-deflate]"
            } else {
                "received continuation data frame with compression bit set [permessage-deflate]"
            })
        {
            return;
        }
        let masked_wrong = match self.opts.role {
            Role::Client => frame.mask.is_some(),
            Role::Server => frame.mask.is_none(),
        };
        if masked_wrong {
            let reason = match self.opts.role {
                Role::Client => "masked server-to-client frame",
                Role::Server => "unmasked client-to-server frame",
            };
            if self.protocol_violation(reason) {
                return;
            }
        }
        if opcode::is_control(op) {
            if !frame.fin && self.protocol_violation("fragmented control frame") {
                return;
            }
            if frame.payload.len() > 125
                && self.protocol_violation("control frame with payload length > 125 octets")
            {
                return;
            }
            if !matches!(op, opcode::CLOSE | opcode::PING | opcode::PONG)
                && self.protocol_violation(&format!("control frame using reserved opcode {op}"))
            {
                return;
            }
            if op == opcode::CLOSE
                && frame.payload.len() == 1
                && self.protocol_violation("received close control frame with payload len 1")
            {
                return;
            }
        } else {
            if op > 2 && self.protocol_violation(&format!("data frame using reserved opcode {op}"))
            {
                return;
            }
            if !self.inside_message
                && op == 0
                && self.protocol_violation(
                    "received continuation data frame outside fragmented message",
                )
            {
                return;
            }
            if self.inside_message
                && op != 0
                && self.protocol_violation(
                    "received non-continuation data frame while inside fragmented message",
                )
            {
                return;
            }
        }
        if !f.length_is_minimal()
            && self
                .protocol_violation("invalid data frame length (not using minimal length encoding)")
        {
            return;
        }

        if self.state == State::Open {
            self.traffic.incoming_frames += 1;
        }
        if opcode::is_control(op) {
            self.log_rx_frame(&f);
            self.process_control_frame(op, &f.frame.payload);
            return;
        }

        // data frame: onFrameBegin, onFrameData, onFrameEnd
        if !self.inside_message {
            self.inside_message = true;
            self.message_binary = op == opcode::BINARY;
            self.message.clear();
            self.utf8_checked = 0;
            self.message_compressed = compressed_bit;
            if let (true, Some(codec)) = (compressed_bit, self.deflate.as_mut()) {
                codec.start_decompress();
            }
        }
        let failed_before = self.rec.closing.failed_by_me == Some(true);
        let text = !self.message_binary;
        let before = self.message.len();
        if let (true, Some(codec)) = (self.message_compressed, self.deflate.as_mut()) {
            let mut inflated = codec.decompress(&f.frame.payload, &mut self.message);
            if inflated.is_ok() && f.frame.fin {
                inflated = codec.end_decompress(&mut self.message);
            }
            match inflated {
                Ok(()) => {}
                Err(deflate::InflateError::TooBig { limit }) => {
                    self.log_rx_frame(&f);
                    self.message_too_big(format!(
                        "message exceeds payload limit of {limit} octets (after decompression)"
                    ));
                    return;
                }
                Err(e) => {
                    self.log_rx_frame(&f);
                    self.inside_message = false;
                    self.invalid_payload(&e.to_string());
                    return;
                }
            }
        } else {
            let limit = self.opts.max_message_size.unwrap_or(usize::MAX);
            if self.message.len().saturating_add(f.frame.payload.len()) > limit {
                self.log_rx_frame(&f);
                self.message_too_big(format!("message exceeds payload limit of {limit} octets"));
                return;
            }
            append_capped(&mut self.message, &f.frame.payload, limit);
        }
        if self.state == State::Open {
            self.traffic.incoming_ws += f.frame.payload.len() as u64;
            self.traffic.incoming_app += (self.message.len() - before) as u64;
        }
        if text && VALIDATE_INCOMING_UTF8 {
            let rest = &self.message[self.utf8_checked..];
            match std::str::from_utf8(rest) {
                Ok(_) => self.utf8_checked = self.message.len(),
                Err(e) if e.error_len().is_none() => self.utf8_checked += e.valid_up_to(),
                Err(e) => {
                    let at = self.utf8_checked + e.valid_up_to();
                    self.utf8_checked = self.message.len();
                    if self
                        .invalid_payload(&format!(
                            "encountered invalid UTF-8 while processing text message at payload octet index {at}"
                        ))
                    {
                        return;
                    }
                }
            }
        }
        self.log_rx_frame(&f);
        if f.frame.fin {
            if text
                && VALIDATE_INCOMING_UTF8
                && self.utf8_checked < self.message.len()
                && self
                    .invalid_payload("UTF-8 text message payload ended within Unicode code point")
            {
                return;
            }
            self.inside_message = false;
            if self.state == State::Open {
                self.traffic.incoming_messages += 1;
            }
            let failed = failed_before || self.rec.closing.failed_by_me == Some(true);
            if !failed {
                let payload = std::mem::take(&mut self.message);
                if self.reactive {
                    self.on_echo(payload, self.message_binary);
                } else {
                    self.on_event(Expect::Message(payload, self.message_binary));
                }
            }
        }
    }

    fn log_rx_frame(&mut self, f: &wire::DecodedFrame) {
        let frame = &f.frame;
        count(&mut self.rec.stats.rx_frames, u64::from(frame.opcode));
        if !self.wirelog {
            return;
        }
        self.rec.wirelog.push(WireRow::RxFrame {
            payload: Shown {
                len: Some(frame.payload.len() as u64),
                text: shown_payload(&frame.payload),
            },
            opcode: u64::from(frame.opcode),
            fin: frame.fin,
            rsv: u64::from(frame.rsv),
            masked: frame.mask.is_some(),
            mask: frame
                .mask
                .map(|m| m.iter().map(|b| format!("{b:02x}")).collect()),
        });
    }

    fn process_control_frame(&mut self, op: u8, payload: &[u8]) {
        match op {
            opcode::CLOSE => {
                let (code, reason) = match payload {
                    [hi, lo, rest @ ..] => (
                        Some(u16::from_be_bytes([*hi, *lo])),
                        (!rest.is_empty()).then_some(rest),
                    ),
                    _ => (None, None),
                };
                self.on_close_frame(code, reason);
            }
            opcode::PING => {
                // The case records the ping; Autobahn answers it while OPEN.
                if self.state == State::Open {
                    self.send_frame(&FrameSpec::new(opcode::PONG, payload));
                }
                self.on_event(Expect::Ping(payload.to_vec()));
            }
            opcode::PONG => self.on_event(Expect::Pong(payload.to_vec())),
            _ => {}
        }
    }

    /// Autobahn's `onCloseFrame`.
    fn on_close_frame(&mut self, code: Option<u16>, reason: Option<&[u8]>) {
        self.rec.closing.remote_close_code = None;
        self.rec.closing.remote_close_reason = None;
        match code {
            Some(c) if !is_valid_close_code(c) => {
                if self.protocol_violation(&format!("invalid close code {c}")) {
                    return;
                }
                self.rec.closing.remote_close_code = Some(1000);
            }
            other => self.rec.closing.remote_close_code = other.map(u64::from),
        }
        if let Some(r) = reason {
            match std::str::from_utf8(r) {
                Ok(s) => self.rec.closing.remote_close_reason = Some(s.to_string()),
                Err(_) => {
                    if self.invalid_payload("invalid close reason (non-UTF8 payload)") {
                        return;
                    }
                }
            }
        }
        match self.state {
            State::Closing => {
                self.cancel_timer(|k| matches!(k, TimerKind::CloseHandshake));
                self.rec.closing.was_clean = Some(true);
                match self.opts.role {
                    Role::Server => self.drop_connection(),
                    Role::Client => self.set_timer(
                        self.opts.timeouts.server_connection_drop,
                        TimerKind::ServerDrop,
                    ),
                }
            }
            State::Open => {
                self.rec.closing.was_clean = Some(true);
                // echoCloseCodeReason is off in the testsuite: the reply is always 1000.
                self.send_close_frame(Some(1000), None, true);
                if self.opts.role == Role::Server {
                    self.drop_connection();
                }
            }
            State::Closed => self.rec.closing.was_clean = Some(false),
            State::Connecting => {}
        }
    }

    /// The case's `onMessage`/`onPing`/`onPong`: record, then `finishWhenDone` — once the
    /// received events equal every expected list, close with the first expected code when
    /// the case expects us to close.
    fn on_event(&mut self, event: Expect) {
        self.rec.received.push(event);
        let done = self
            .def
            .expected
            .iter()
            .all(|(_, events)| *events == self.rec.received);
        if done && self.def.expected_close.closed_by_me == Some(true) {
            let code = self
                .def
                .expected_close
                .close_code
                .first()
                .and_then(|&c| u16::try_from(c).ok());
            self.send_close_frame(code, None, false);
        }
    }
}

/// Whether the fuzzer fails the connection on invalid UTF-8 in the peer's text messages. The
/// testsuite's fuzzer does not: it records what the peer sent (shown as `0x…`), so a peer that
/// echoes invalid UTF-8 fails the 6.x cases on its events, as kosoku shows.
const VALIDATE_INCOMING_UTF8: bool = false;

/// Message `index` of a compression series (cut from `data`, which is at that message) and
/// its payload: from the run's memo while this case reads there, else compressed by `codec`.
/// A case the memo let go first takes its compressor over the messages it sent, so that what
/// it sends is what it would have sent alone.
pub(super) fn next_compressed(
    series: &DeflateSeries,
    data: &mut SeriesData,
    codec: &mut Codec,
    shared: &mut Option<super::memo::SharedSeries>,
    index: usize,
) -> (Vec<u8>, Vec<u8>) {
    let message = data.next_message(series.len);
    if let Some(reader) = shared.as_ref() {
        if let Some(payload) = reader.payload(index) {
            return (message, payload.to_vec());
        }
        *shared = None;
        let mut again = data.restart();
        for _ in 0..index {
            codec.compress(&again.next_message(series.len));
        }
    }
    let payload = codec.compress(&message);
    (message, payload)
}

/// Appends `data` to `message` (whose total is within `limit`), growing it as a Vec grows but
/// never reserving past `limit`: a message at the limit costs the limit, not twice it.
fn append_capped(message: &mut Vec<u8>, data: &[u8], limit: usize) {
    let need = message.len() + data.len();
    if message.capacity() < need {
        let want = message
            .capacity()
            .saturating_mul(2)
            .clamp(need, limit.max(need));
        message.reserve_exact(want - message.len());
    }
    message.extend_from_slice(data);
}

/// `encode_truncate(reason, 123)`: at most `max` octets of UTF-8, cut at a character boundary.
fn truncate_utf8(s: &str, max: usize) -> &str {
    if s.len() <= max {
        return s;
    }
    let mut end = max;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    &s[..end]
}

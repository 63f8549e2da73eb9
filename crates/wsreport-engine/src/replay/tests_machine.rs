//! The case machine alone: octets and an injected clock in, actions out. No socket, no
//! runtime, no sleeping: time is whatever instant a test hands the machine.

use std::time::Duration;

use tokio::time::Instant;

use super::machine::{Action, Event, Machine, Queued};
use super::*;
use crate::catalog::Step;
use crate::model::WireRow;
use crate::protocol::handshake;
use crate::wire::{self, Frame, opcode};

fn opts() -> ReplayOptions {
    ReplayOptions::client(&Target::parse("ws://127.0.0.1:9001").unwrap(), "test")
}

fn def(id: &str) -> CaseDef {
    catalog::build(&id.parse().unwrap()).expect("in the catalog")
}

/// Every action the machine has for its driver now, but the timer's (see
/// [`timers_are_actions_with_the_injected_clock`]).
fn actions(m: &mut Machine) -> Vec<Action> {
    std::iter::from_fn(|| m.poll_action())
        .filter(|a| !matches!(a, Action::SetTimer(_) | Action::CancelTimer))
        .collect()
}

/// The octets of the write actions, concatenated; panics on a drop.
fn written(m: &mut Machine) -> Vec<u8> {
    actions(m)
        .into_iter()
        .flat_map(|a| match a {
            Action::Write(data) => data,
            other => panic!("unexpected {other:?}"),
        })
        .collect()
}

/// The frames in `octets`, which hold whole frames only.
fn frames(mut octets: &[u8]) -> Vec<Frame> {
    let mut out = Vec::new();
    while !octets.is_empty() {
        match wire::decode(octets) {
            Ok(wire::Decoded::Complete(f)) => {
                octets = &octets[f.consumed..];
                out.push(f.frame);
            }
            other => panic!("not whole frames: {other:?}"),
        }
    }
    out
}

/// A client machine for case `id`, started at `t0`, whose request the test answered with a
/// 101: returns the machine with the case's first actions still to take.
fn opened<'a>(def: &'a CaseDef, opts: &'a ReplayOptions, t0: Instant) -> Machine<'a> {
    let mut m = Machine::new(def, opts, t0);
    answer_request(&mut m, None, t0);
    m
}

/// Starts `m` at `t0` and answers its request with a 101, accepting `extensions` if given.
fn answer_request(m: &mut Machine, extensions: Option<&str>, t0: Instant) {
    m.start(t0);
    let request = written(m);
    let text = String::from_utf8(request).unwrap();
    assert!(text.starts_with("GET / HTTP/1.1\r\n"), "{text}");
    let key = text
        .lines()
        .find_map(|l| l.strip_prefix("Sec-WebSocket-Key: "))
        .unwrap();
    let extensions = extensions
        .map(|e| format!("Sec-WebSocket-Extensions: {e}\r\n"))
        .unwrap_or_default();
    let response = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {}\r\n{extensions}\r\n",
        handshake::accept_for(key)
    );
    m.handle_read(response.as_bytes(), t0);
}

#[test]
fn a_ping_case_runs_from_handshake_to_tcp_close_on_octets_alone() {
    let (def, opts) = (def("2.1"), opts());
    let t0 = Instant::now();
    let mut m = opened(&def, &opts, t0);
    let sent = frames(&written(&mut m));
    assert_eq!(sent.len(), 1, "{sent:?}");
    assert_eq!(sent[0].opcode, opcode::PING);
    assert!(sent[0].mask.is_some(), "a client masks every frame");
    // closeAfter(1) is armed: the next deadline is at most 1 s away
    assert!(m.poll_timeout().unwrap() <= t0 + Duration::from_secs(1));

    // the pong: every expected event is in, so the machine closes with 1000
    let t1 = t0 + Duration::from_millis(3);
    m.handle_read(&Frame::new(opcode::PONG, Vec::new()).encode(), t1);
    let close = frames(&written(&mut m));
    assert_eq!(close.len(), 1);
    assert_eq!(close[0].opcode, opcode::CLOSE);
    assert_eq!(close[0].payload, 1000u16.to_be_bytes());

    // the server's close: the client now waits for the server to drop TCP
    let t2 = t1 + Duration::from_millis(2);
    m.handle_read(
        &Frame::new(opcode::CLOSE, 1000u16.to_be_bytes().to_vec()).encode(),
        t2,
    );
    assert_eq!(actions(&mut m), []);
    // closeAfter(1) fires and does nothing while closing; then the server's drop is awaited
    m.handle_timeout(t0 + Duration::from_secs(1));
    assert_eq!(actions(&mut m), []);
    assert_eq!(
        m.poll_timeout(),
        Some(t2 + opts.timeouts.server_connection_drop),
        "serverConnectionDropTimeout armed at the close"
    );
    let t3 = t0 + Duration::from_millis(1001);
    m.handle_eof(t3);
    assert!(m.is_closed());
    let rec = m.finish(t3);
    assert_eq!(rec.received, [catalog::Expect::Pong(Vec::new())]);
    assert_eq!(rec.closing.was_clean, Some(true));
    assert_eq!(rec.closing.closed_by_me, Some(true));
    assert_eq!(rec.closing.remote_close_code, Some(1000));
    assert_eq!(rec.duration, t3 - t0);
    let case = to_case(&def, &opts, 1, String::new(), &rec);
    assert_eq!(case.behavior, Some(crate::model::Verdict::Ok), "{case:#?}");
}

#[test]
fn a_protocol_violation_fails_with_1002_and_the_close_handshake_times_out() {
    let def = def("2.1");
    // a text frame with RSV2 set, no extension negotiated
    let bad = Frame::new(opcode::TEXT, b"x".to_vec()).with_rsv(2).encode();
    let t0 = Instant::now();

    // failByDrop (the testsuite's default): TCP is dropped at once
    let opts = opts();
    assert!(opts.fail_by_drop);
    let mut m = opened(&def, &opts, t0);
    let _ping = written(&mut m);
    m.handle_read(&bad, t0);
    assert_eq!(actions(&mut m), [Action::Drop]);
    assert!(m.is_closed());
    assert_eq!(m.finish(t0).closing.failed_by_me, Some(true));

    // without it: a close frame with 1002 and the reason, then the close handshake's timer
    let mut opts = opts;
    opts.fail_by_drop = false;
    opts.timeouts.close_handshake = Duration::from_secs(2);
    let mut m = opened(&def, &opts, t0);
    let _ping = written(&mut m);
    m.handle_read(&bad, t0);
    let close = frames(&written(&mut m));
    assert_eq!(close.len(), 1);
    assert_eq!(close[0].opcode, opcode::CLOSE);
    assert_eq!(close[0].payload[..2], 1002u16.to_be_bytes());
    assert_eq!(
        &close[0].payload[2..],
        b"RSV = 2 and no extension negotiated"
    );
    let deadline = t0 + opts.timeouts.close_handshake;
    // closeAfter(1) still fires first, and does nothing while closing
    let close_after = t0 + Duration::from_secs(1);
    assert_eq!(m.poll_timeout(), Some(close_after));
    m.handle_timeout(close_after);
    assert_eq!(actions(&mut m), []);
    assert_eq!(m.poll_timeout(), Some(deadline));
    // a moment before the deadline nothing happens; at it, the machine drops TCP
    m.handle_timeout(deadline - Duration::from_millis(1));
    assert_eq!(actions(&mut m), []);
    assert!(!m.is_closed());
    m.handle_timeout(deadline);
    assert_eq!(actions(&mut m), [Action::Drop]);
    assert!(m.is_closed());
    let rec = m.finish(deadline);
    assert_eq!(rec.closing.failed_by_me, Some(true));
    assert_eq!(rec.closing.was_close_handshake_timeout, Some(true));
    assert_eq!(rec.closing.dropped_by_me, Some(true));
    assert_eq!(rec.duration, opts.timeouts.close_handshake);
}

#[test]
fn a_peer_that_never_answers_the_request_is_dropped_at_the_open_handshake_timeout() {
    let (def, opts) = (def("1.1.1"), opts());
    let t0 = Instant::now();
    let mut m = Machine::new(&def, &opts, t0);
    m.start(t0);
    assert!(matches!(actions(&mut m)[..], [Action::Write(_)]));
    let deadline = t0 + opts.timeouts.open_handshake;
    assert_eq!(m.poll_timeout(), Some(deadline));
    m.handle_timeout(deadline);
    assert_eq!(actions(&mut m), [Action::Drop]);
    let rec = m.finish(deadline);
    assert!(!rec.was_open);
    assert_eq!(rec.closing.was_open_handshake_timeout, Some(true));
    assert_eq!(rec.duration, Duration::ZERO);
}

#[test]
fn pings_are_answered_at_once_and_chops_wait_for_the_driver_one_by_one() {
    // 2.6: a ping of 125 octets written in chops of one octet
    let (def, opts) = (def("2.6"), opts());
    let t0 = Instant::now();
    let mut m = opened(&def, &opts, t0);
    // the chops are queued, not actions: the driver takes one per reactor turn
    assert_eq!(actions(&mut m), []);
    let first = m.poll_queued(t0).expect("a chop");
    assert_eq!(first.data.len(), 1);
    assert!(first.sync);
    // a ping from the peer between two chops: its pong queues behind the chops, as
    // Autobahn's `sendData` queues behind a busy queue
    m.handle_read(&Frame::new(opcode::PING, b"hi".to_vec()).encode(), t0);
    assert_eq!(actions(&mut m), []);
    let mut rest: Vec<Queued> = std::iter::from_fn(|| m.poll_queued(t0)).collect();
    let pong = rest.pop().expect("the pong, last");
    assert!(rest.iter().all(|q| q.data.len() == 1 && q.sync));
    let mut ping = first.data;
    ping.extend(rest.iter().flat_map(|q| q.data.clone()));
    assert_eq!(ping.len(), 2 + 4 + 125, "header, mask, payload");
    let ping = frames(&ping);
    assert_eq!((ping[0].opcode, ping[0].payload.len()), (opcode::PING, 125));
    let pong = frames(&pong.data);
    assert_eq!(pong[0].opcode, opcode::PONG);
    assert_eq!(pong[0].payload, b"hi");
}

#[test]
fn the_server_role_answers_the_request_head_before_the_first_frame() {
    let def = def("1.1.1");
    let mut opts = opts();
    opts.role = Role::Server;
    opts.fail_by_drop = false;
    let t0 = Instant::now();
    let key = handshake::new_key();
    let head = handshake::request("127.0.0.1:9001", "/", &key, None);
    let mut m = Machine::new(&def, &opts, t0).with_head(head);
    m.start(t0);
    let out = written(&mut m);
    let end = out.windows(4).position(|w| w == b"\r\n\r\n").unwrap() + 4;
    let response = String::from_utf8_lossy(&out[..end]);
    assert!(response.starts_with("HTTP/1.1 101"), "{response}");
    assert!(response.contains(&handshake::accept_for(&key)));
    // then the case's message, unmasked from a server
    let sent = frames(&out[end..]);
    assert_eq!(sent[0].opcode, opcode::TEXT);
    assert_eq!(sent[0].mask, None);
    // an unmasked frame from a client is a protocol violation
    m.handle_read(&Frame::new(opcode::TEXT, Vec::new()).encode(), t0);
    let close = frames(&written(&mut m));
    assert_eq!(close[0].payload[..2], 1002u16.to_be_bytes());
    assert_eq!(&close[0].payload[2..], b"unmasked client-to-server frame");
}

#[test]
fn a_reactive_case_judges_the_echo_as_it_comes() {
    // 9.1.1: a 64 KiB text message, judged when its echo arrives
    let (def, opts) = (def("9.1.1"), opts());
    let t0 = Instant::now();
    for (echo_len, ok) in [(65536, true), (65535, false)] {
        let mut m = opened(&def, &opts, t0);
        let sent = frames(&written(&mut m));
        assert_eq!(sent.len(), 1);
        assert_eq!(
            (sent[0].opcode, sent[0].payload.len()),
            (opcode::TEXT, 65536)
        );
        // the echo, in two reads
        let echo = Frame::new(opcode::TEXT, sent[0].payload[..echo_len].to_vec()).encode();
        let (a, b) = echo.split_at(1000);
        m.handle_read(a, t0);
        assert_eq!(actions(&mut m), [], "half a frame is no echo yet");
        m.handle_read(b, t0 + Duration::from_millis(5));
        let close = frames(&written(&mut m));
        assert_eq!(close[0].opcode, opcode::CLOSE);
        assert_eq!(close[0].payload, 1000u16.to_be_bytes());
        m.handle_eof(t0 + Duration::from_millis(6));
        let rec = m.finish(t0 + Duration::from_millis(6));
        let (verdict, result) = rec.verdict.expect("a reactive case sets its verdict");
        let want = if ok {
            crate::model::Verdict::Ok
        } else {
            crate::model::Verdict::Failed
        };
        assert_eq!(verdict, want, "echo of {echo_len}: {result}");
        assert!(
            rec.received.is_empty(),
            "echoes go to the reaction, not to the events"
        );
    }
}

/// A peer for [`sends_the_plan`]: answers pings, echoes the data frames a sound message
/// sequence makes (so reactive cases go on), ignores the rest, and answers a close with a
/// close and then ends TCP.
#[derive(Default)]
struct PlanPeer {
    rx: Vec<u8>,
    inside: bool,
    /// Every frame the machine wrote, decoded (payload unmasked).
    frames: Vec<Frame>,
    closed: bool,
}

impl PlanPeer {
    /// Takes the machine's octets; returns the peer's answer.
    fn read(&mut self, data: &[u8]) -> Vec<u8> {
        self.rx.extend_from_slice(data);
        let mut out = Vec::new();
        let mut pos = 0;
        while let Ok(wire::Decoded::Complete(f)) = wire::decode(&self.rx[pos..]) {
            pos += f.consumed;
            let frame = f.frame;
            if self.closed {
                self.frames.push(frame);
                continue;
            }
            match frame.opcode {
                opcode::PING => {
                    out.extend(Frame::new(opcode::PONG, frame.payload.clone()).encode())
                }
                opcode::CLOSE => {
                    out.extend(Frame::new(opcode::CLOSE, 1000u16.to_be_bytes().to_vec()).encode());
                    self.closed = true;
                }
                op @ 0..=2 if frame.rsv == 0 && (op == 0) == self.inside => {
                    self.inside = !frame.fin;
                    let mut echo = Frame::new(op, frame.payload.clone());
                    echo.fin = frame.fin;
                    out.extend(echo.encode());
                }
                _ => {}
            }
            self.frames.push(frame);
        }
        self.rx.drain(..pos);
        out
    }
}

/// Runs `def` against [`PlanPeer`] on the injected clock (each timer fired when nothing else
/// is left to do): the frames written and the record.
fn run_against_plan_peer(def: &CaseDef, opts: &ReplayOptions) -> (Vec<Frame>, Record) {
    let mut now = Instant::now();
    let mut m = opened(def, opts, now);
    let mut peer = PlanPeer::default();
    let mut ended = false;
    for _ in 0..1_000_000 {
        let mut answer = Vec::new();
        while let Some(action) = m.poll_action() {
            match action {
                Action::Write(data) => answer.extend(peer.read(&data)),
                Action::Drop => ended = true,
                Action::SetTimer(_) | Action::CancelTimer => {}
            }
        }
        if m.is_closed() {
            break;
        }
        let queued = m.poll_queued(now);
        if let Some(q) = &queued {
            answer.extend(peer.read(&q.data));
        }
        if !answer.is_empty() {
            m.handle_read(&answer, now);
            continue;
        }
        if peer.closed && !ended {
            ended = true;
            m.handle_eof(now);
            continue;
        }
        if queued.is_some() {
            continue;
        }
        let Some(at) = m.poll_timeout() else { break };
        now = now.max(at);
        m.handle_timeout(now);
    }
    assert!(m.is_closed(), "{}: did not end", def.id);
    (peer.frames, m.finish(now))
}

/// Issue 21: the engine executes the catalog's plan. For every case, the frames the machine
/// writes (decoded from its octets) are the catalog's [`catalog::planned_frames`] in order,
/// octet for octet, and its `TF` rows carry the plan's chop size, sync and repeat length; the
/// only other frames are the protocol's own (pongs, closes the case did not plan, the raw
/// frame of 6.4.x's streaming API). Against this peer every case sends its whole plan.
#[test]
fn sends_the_plan() {
    let opts = opts();
    let (mut whole, mut cut, mut checked_rows) = (0, Vec::new(), 0);
    for id in catalog::all_ids() {
        let def = catalog::build(&id).unwrap();
        // 16 MiB frames are slow in a debug build: the large ones are checked by their
        // smaller siblings (same steps, same code path), 9.x.1 and 9.7/9.8
        let big = def.steps.iter().any(|s| match s {
            Step::SendAndAwaitEcho(e) => e.len() > 1 << 20,
            _ => false,
        });
        if big {
            continue;
        }
        let plan = catalog::planned_frames(&def.steps, opts.fragment_end);
        let (frames, rec) = run_against_plan_peer(&def, &opts);
        let streams = def
            .steps
            .iter()
            .any(|s| matches!(s, Step::BeginMessageFrame(_)));
        // the octets
        let mut next = 0;
        for f in &frames {
            let same = plan.get(next).is_some_and(|p| {
                let n = p.wire_len();
                (p.opcode, p.fin, p.rsv, f.payload.len()) == (f.opcode, f.fin, f.rsv, n)
                    && f.payload
                        .iter()
                        .enumerate()
                        .all(|(i, b)| *b == p.payload[i % p.payload.len().max(1)])
            });
            if same {
                next += 1;
                continue;
            }
            let ours = matches!(f.opcode, opcode::PONG | opcode::CLOSE)
                || (streams && !f.fin && f.opcode == opcode::TEXT);
            assert!(
                ours,
                "{id}: frame {next} of the plan: wrote {f:?}, planned {:?}",
                plan.get(next)
            );
        }
        if next == plan.len() {
            whole += 1;
        } else {
            cut.push(id.to_string());
        }
        // the rows: chop size, sync, repeat length as planned
        let rows: Vec<_> = rec
            .wirelog
            .iter()
            .filter_map(|r| match r {
                WireRow::TxFrame {
                    opcode,
                    fin,
                    rsv,
                    repeat_len,
                    chopsize,
                    sync,
                    ..
                } => Some((
                    *opcode as u8,
                    *fin,
                    *rsv as u8,
                    *repeat_len,
                    *chopsize,
                    *sync,
                )),
                _ => None,
            })
            .collect();
        let mut next = 0;
        for row in &rows {
            let want = plan.get(next).map(|p| {
                let n = |v: Option<usize>| v.map(|n| n as u64);
                (
                    p.opcode,
                    p.fin,
                    p.rsv,
                    n(p.payload_len),
                    n(p.chopsize),
                    p.sync,
                )
            });
            if want == Some(*row) {
                next += 1;
                checked_rows += 1;
            } else {
                assert!(
                    matches!(row.0, opcode::PONG | opcode::CLOSE),
                    "{id}: row {row:?}, planned {want:?}"
                );
            }
        }
    }
    assert_eq!(
        cut,
        Vec::<String>::new(),
        "{whole} cases sent their whole plan"
    );
    // 517 less the 24 of 9.x with a message over 1 MiB; the rows of every case with its wire
    // log on (9, 12 and 13 switch it off)
    assert_eq!((whole, checked_rows), (493, 456));
}

/// Issue 21: the machine does no I/O; a compression case's messages come from the octets the
/// driver read and handed it.
#[test]
fn a_compression_case_takes_its_test_data_from_the_driver() {
    use crate::protocol::deflate::{Codec, client_negotiate};
    // 12.1.1: messages of 16 characters from a text file, each sent on the previous echo
    let (def, opts) = (def("12.1.1"), opts());
    let ext = "permessage-deflate; client_no_context_takeover; client_max_window_bits=10";
    let data = b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".to_vec();
    let t0 = Instant::now();
    let mut m = Machine::new(&def, &opts, t0).with_test_data(Ok(data.clone()));
    answer_request(&mut m, Some(ext), t0);
    let params = client_negotiate(Some(ext), true).unwrap().unwrap();
    let mut server = Codec::new(params, true);
    let mut inflate = |frame: &Frame| {
        assert_eq!(
            (frame.opcode, frame.rsv, frame.fin),
            (opcode::TEXT, 4, true)
        );
        let mut out = Vec::new();
        server.start_decompress();
        server.decompress(&frame.payload, &mut out).unwrap();
        server.end_decompress(&mut out).unwrap();
        out
    };
    let first = frames(&written(&mut m));
    assert_eq!(inflate(&first[0]), data[..16]);
    // the echo (uncompressed is fine): the next 16 characters follow
    m.handle_read(&Frame::new(opcode::TEXT, data[..16].to_vec()).encode(), t0);
    let second = frames(&written(&mut m));
    assert_eq!(inflate(&second[0]), data[16..32]);

    // the driver could not read the file: the case fails saying why, and closes
    for (given, why) in [
        (
            Some(Err("cannot read test data file x".to_string())),
            "cannot read test data file x",
        ),
        (None, "the engine was given no test data (data1.json)"),
    ] {
        let mut m = Machine::new(&def, &opts, t0);
        if let Some(given) = given {
            m = m.with_test_data(given);
        }
        answer_request(&mut m, Some(ext), t0);
        let close = frames(&written(&mut m));
        assert_eq!(close[0].opcode, opcode::CLOSE);
        m.handle_eof(t0);
        let (verdict, result) = m.finish(t0).verdict.unwrap();
        assert_eq!(verdict, crate::model::Verdict::Failed);
        assert_eq!(result, format!("wsreport: {why}"));
    }
}

/// The next message of a compression series made while the echo is on its way
/// (`Machine::prepare`, which the driver calls before it waits) changes nothing on the wire:
/// the same frames, the same traffic statistics, the same verdict as made on the echo; with
/// context takeover, so each compressed message depends on the ones before it.
#[test]
fn a_series_message_made_ahead_is_the_one_made_on_the_echo() {
    use crate::protocol::deflate::{Codec, client_negotiate};
    let (def, opts) = (def("12.1.1"), opts());
    let ext = "permessage-deflate";
    let data: Vec<u8> = (0..4000).map(|i| b"abcdefgh ijklmnop"[i % 17]).collect();
    let run = |ahead: bool| {
        let t0 = Instant::now();
        let mut m = Machine::new(&def, &opts, t0).with_test_data(Ok(data.clone()));
        answer_request(&mut m, Some(ext), t0);
        let params = client_negotiate(Some(ext), true).unwrap().unwrap();
        let mut server = Codec::new(params, true);
        let (mut wire, mut echoes) = (Vec::new(), 0);
        loop {
            // the frames unmasked: each run draws its own masks
            let fs = frames(&written(&mut m));
            wire.extend(
                fs.iter()
                    .map(|f| (f.opcode, f.rsv, f.fin, f.payload.clone())),
            );
            let Some(f) = fs.first().filter(|f| f.opcode == opcode::TEXT) else {
                break;
            };
            let mut message = Vec::new();
            server.start_decompress();
            server.decompress(&f.payload, &mut message).unwrap();
            server.end_decompress(&mut message).unwrap();
            if ahead {
                m.prepare();
            }
            m.handle_read(&Frame::new(opcode::TEXT, message).encode(), t0);
            echoes += 1;
        }
        m.handle_eof(t0);
        (wire, echoes, m.finish(t0))
    };
    let (wire, echoes, record) = run(false);
    let (wire_ahead, echoes_ahead, record_ahead) = run(true);
    assert_eq!(echoes, 1000);
    assert_eq!(echoes_ahead, echoes);
    assert!(wire == wire_ahead, "the frames written differ");
    assert_eq!(record.verdict, record_ahead.verdict);
    assert_eq!(
        record.verdict.as_ref().unwrap().0,
        crate::model::Verdict::Ok
    );
    assert!(record.traffic_stats.is_some());
    assert_eq!(record.traffic_stats, record_ahead.traffic_stats);
}

/// Issue 21: a 9.x message is never held whole. The machine hands out a large frame in pieces
/// of at most [`WRITE_CHUNK`] octets and a many-fragment message a frame at a time, each built
/// when the driver takes it; what it holds built (`pending_octets`) stays within one piece or
/// one fragment, and the octets are the frame the plan says, counted as the one write it is.
#[test]
fn a_large_message_is_built_a_piece_at_a_time() {
    use super::machine::WRITE_CHUNK;
    let opts = opts();
    let t0 = Instant::now();
    // (case, frames, the largest piece held built, every payload octet)
    for (id, want_frames, bound) in [
        // 16 MiB in one frame: pieces of WRITE_CHUNK
        ("9.1.6", 1, WRITE_CHUNK),
        // 4 MiB in 65536 fragments of 64 octets (and wstest's empty final one)
        ("9.3.1", 65537, 64 + 14),
        // 4 MiB in 4 fragments of 1 MiB: one fragment built at a time
        ("9.3.8", 5, (1 << 20) + 14),
        // 1 MiB written in chops of 64 octets: one chop built at a time
        ("9.5.1", 1, 64),
    ] {
        let def = def(id);
        let catalog::Step::SendAndAwaitEcho(echo) = def.steps.last().unwrap() else {
            panic!("{id}")
        };
        let mut m = opened(&def, &opts, t0);
        let mut peer = PlanPeer::default();
        let (mut writes, mut largest, mut held) = (0usize, 0, m.pending_octets());
        loop {
            let data = match m.poll_action() {
                Some(Action::Write(data)) => data,
                Some(Action::SetTimer(_)) => continue,
                Some(other) => panic!("{id}: {other:?}"),
                None => match m.poll_queued(t0) {
                    Some(q) => q.data,
                    None => break,
                },
            };
            writes += 1;
            largest = largest.max(data.len());
            held = held.max(m.pending_octets());
            let _ = peer.read(&data);
        }
        assert!(largest <= WRITE_CHUNK, "{id}: a write of {largest}");
        assert!(held <= bound, "{id}: {held} octets held, bound {bound}");
        // the octets: the frames of the plan, the payload the case's pattern
        assert_eq!(peer.frames.len(), want_frames, "{id}");
        let sent: usize = peer.frames.iter().map(|f| f.payload.len()).sum();
        assert_eq!(sent, echo.len(), "{id}");
        let plan = catalog::planned_frames(&def.steps, opts.fragment_end);
        for (f, p) in peer.frames.iter().zip(&plan) {
            assert_eq!(
                (f.opcode, f.fin, f.payload.len()),
                (p.opcode, p.fin, p.wire_len())
            );
            let n = p.payload.len();
            assert!(
                f.payload
                    .iter()
                    .enumerate()
                    .all(|(i, b)| *b == p.payload[i % n]),
                "{id}"
            );
        }
        // txOctetStats counts writes as Autobahn makes them: a frame written at once is one
        // write, whatever pieces the driver gets; chops are one write each
        m.handle_eof(t0);
        let rec = m.finish(t0);
        let counted: u64 = rec.stats.tx_octets.values().sum();
        match id {
            "9.1.6" => {
                assert!(writes > 256, "{writes} pieces");
                assert_eq!(rec.stats.tx_octets.get(&(16 * 1024 * 1024 + 14)), Some(&1));
            }
            "9.5.1" => assert_eq!(counted, 1 + (1 << 20) / 64 + 1, "request, chops"),
            _ => assert_eq!(counted, 1 + want_frames as u64, "request, frames"),
        }
    }
}

/// Issue 21: the timers are actions. The driver is told the earliest deadline whenever it
/// changes ([`Action::SetTimer`]) and that none is left when the connection ends
/// ([`Action::CancelTimer`]); it never has to ask. Time is the injected clock's.
#[test]
fn timers_are_actions_with_the_injected_clock() {
    // the octets written and the timer actions, apart
    let take = |m: &mut Machine| -> (Vec<u8>, Vec<Action>) {
        let mut octets = Vec::new();
        let mut timers = Vec::new();
        while let Some(a) = m.poll_action() {
            match a {
                Action::Write(d) => octets.extend(d),
                other => timers.push(other),
            }
        }
        (octets, timers)
    };
    let (def, opts) = (def("2.1"), opts());
    let t0 = Instant::now();
    let mut m = Machine::new(&def, &opts, t0);
    m.start(t0);
    // the opening handshake's timeout comes first
    let (request, timers) = take(&mut m);
    assert_eq!(
        timers,
        [Action::SetTimer(t0 + opts.timeouts.open_handshake)]
    );
    // the 101: the handshake's timer is cancelled and 2.1 arms closeAfter(1)
    let request = String::from_utf8(request).unwrap();
    let key = request
        .lines()
        .find_map(|l| l.strip_prefix("Sec-WebSocket-Key: "))
        .unwrap();
    let response = format!(
        "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\
         Sec-WebSocket-Accept: {}\r\n\r\n",
        handshake::accept_for(key)
    );
    m.handle_read(response.as_bytes(), t0);
    let close_after = t0 + Duration::from_secs(1);
    let (ping, timers) = take(&mut m);
    assert_eq!(frames(&ping)[0].opcode, opcode::PING);
    assert_eq!(timers, [Action::SetTimer(close_after)]);
    // a read that changes no timer says nothing about them
    m.handle_read(&Frame::new(opcode::PING, b"x".to_vec()).encode(), t0);
    let (pong, timers) = take(&mut m);
    assert_eq!(frames(&pong)[0].opcode, opcode::PONG);
    assert_eq!(timers, []);
    // a moment early, nothing; at the deadline closeAfter fires: our close arms the close
    // handshake's timeout, the next deadline
    m.handle_timeout(close_after - Duration::from_millis(1));
    assert_eq!(take(&mut m), (Vec::new(), Vec::new()));
    m.handle_timeout(close_after);
    let (close, timers) = take(&mut m);
    assert_eq!(frames(&close)[0].opcode, opcode::CLOSE);
    let close_timeout = close_after + opts.timeouts.close_handshake;
    assert_eq!(timers, [Action::SetTimer(close_timeout)]);
    // the peer's close: the server's drop is awaited; TCP gone: no timer is left
    let t1 = close_after + Duration::from_millis(5);
    m.handle_read(
        &Frame::new(opcode::CLOSE, 1000u16.to_be_bytes().to_vec()).encode(),
        t1,
    );
    let (_, timers) = take(&mut m);
    assert_eq!(
        timers,
        [Action::SetTimer(t1 + opts.timeouts.server_connection_drop)]
    );
    m.handle_eof(t1);
    assert_eq!(take(&mut m), (Vec::new(), vec![Action::CancelTimer]));
}

/// Issue 21: wire-log rows, a reactive case's verdict and the end are events the driver may
/// observe; rows are told as ranges of the machine's own log (no copy).
#[test]
fn rows_verdict_and_end_are_events() {
    let events =
        |m: &mut Machine| -> Vec<Event> { std::iter::from_fn(|| m.poll_event()).collect() };
    let (def, opts) = (def("9.1.1"), opts());
    let t0 = Instant::now();
    let mut m = opened(&def, &opts, t0);
    // start: the request's TO row; the 101: its RO row; 9.1.1 arms closeAfter (a TI row)
    let told = events(&mut m);
    let rows: Vec<_> = told
        .iter()
        .map(|e| match e {
            Event::Rows(r) => r.clone(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(rows.first().unwrap().start, 0);
    assert_eq!(rows.last().unwrap().end, m.wirelog().len());
    assert!(matches!(m.wirelog().last(), Some(WireRow::CloseAfter(_))));
    let sent = frames(&written(&mut m));
    // the echo: the verdict, at once
    m.handle_read(
        &Frame::new(opcode::TEXT, sent[0].payload.clone()).encode(),
        t0,
    );
    let told = events(&mut m);
    assert!(
        told.contains(&Event::Verdict(
            crate::model::Verdict::Ok,
            "Received text message of length 65536.".into()
        )),
        "{told:?}"
    );
    m.handle_eof(t0);
    assert_eq!(events(&mut m).last(), Some(&Event::Closed));
    let rec = m.finish(t0);
    assert_eq!(rec.verdict.unwrap().0, crate::model::Verdict::Ok);
}

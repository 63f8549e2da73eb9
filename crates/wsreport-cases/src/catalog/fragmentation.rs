//! Category 5, Fragmentation: messages split into frames, legally and not.
//!
//! RFC 6455 §5.4: control frames must not be fragmented (5.1, 5.2); a fragmented message is
//! one data frame with FIN = 0 and continuation frames up to FIN = 1, and control frames may
//! come in between (5.3–5.8, 5.19, 5.20); a continuation frame with nothing to continue, or a
//! second data opcode inside a message, must fail the connection with 1002 (5.9–5.18).
//!
//! Cases the peer must fail end with `killAfter(1)`; cases it must echo end with
//! `closeAfter(1)` and expect a clean 1000 close started by the fuzzer. Several cases come in
//! threes that differ only in how the octets are written (batched, frame by frame, octet by
//! octet).

use crate::catalog::{Adjust, CaseDef, Expect, FrameSpec, Step, close_code, expect_close};
use crate::model::CaseId;

const FAIL_CONTROL: &str =
    "Connection is failed immediately, since control message MUST NOT be fragmented.";
const ECHOED: &str = "Message is processed and echo'ed back to us.";
const PONG_THEN_ECHO: &str = "A pong is received, then the message is echo'ed back to us.";
const NOTHING_TO_CONTINUE: &str =
    "The connection is failed immediately, since there is no message to continue.";

/// Id, description and expectation, in the testsuite's order.
const CASES: &[(&str, &str, &str)] = &[
    (
        "5.1",
        "Send Ping fragmented into 2 fragments.",
        FAIL_CONTROL,
    ),
    (
        "5.2",
        "Send Pong fragmented into 2 fragments.",
        FAIL_CONTROL,
    ),
    (
        "5.3",
        "Send text Message fragmented into 2 fragments.",
        ECHOED,
    ),
    (
        "5.4",
        "Send text Message fragmented into 2 fragments, octets are sent in frame-wise chops.",
        ECHOED,
    ),
    (
        "5.5",
        "Send text Message fragmented into 2 fragments, octets are sent in octet-wise chops.",
        ECHOED,
    ),
    (
        "5.6",
        "Send text Message fragmented into 2 fragments, one ping with payload in-between.",
        PONG_THEN_ECHO,
    ),
    (
        "5.7",
        "Send text Message fragmented into 2 fragments, one ping with payload in-between. Octets are sent in frame-wise chops.",
        PONG_THEN_ECHO,
    ),
    (
        "5.8",
        "Send text Message fragmented into 2 fragments, one ping with payload in-between. Octets are sent in octet-wise chops.",
        PONG_THEN_ECHO,
    ),
    (
        "5.9",
        "Send unfragmented Text Message after Continuation Frame with FIN = true, where there is nothing to continue, sent in one chop.",
        NOTHING_TO_CONTINUE,
    ),
    (
        "5.10",
        "Send unfragmented Text Message after Continuation Frame with FIN = true, where there is nothing to continue, sent in per-frame chops.",
        NOTHING_TO_CONTINUE,
    ),
    (
        "5.11",
        "Send unfragmented Text Message after Continuation Frame with FIN = true, where there is nothing to continue, sent in octet-wise chops.",
        NOTHING_TO_CONTINUE,
    ),
    (
        "5.12",
        "Send unfragmented Text Message after Continuation Frame with FIN = false, where there is nothing to continue, sent in one chop.",
        NOTHING_TO_CONTINUE,
    ),
    (
        "5.13",
        "Send unfragmented Text Message after Continuation Frame with FIN = false, where there is nothing to continue, sent in per-frame chops.",
        NOTHING_TO_CONTINUE,
    ),
    (
        "5.14",
        "Send unfragmented Text Message after Continuation Frame with FIN = false, where there is nothing to continue, sent in octet-wise chops.",
        NOTHING_TO_CONTINUE,
    ),
    (
        "5.15",
        "Send text Message fragmented into 2 fragments, then Continuation Frame with FIN = false where there is nothing to continue, then unfragmented Text Message, all sent in one chop.",
        NOTHING_TO_CONTINUE,
    ),
    (
        "5.16",
        "Repeated 2x: Continuation Frame with FIN = false (where there is nothing to continue), then text Message fragmented into 2 fragments.",
        NOTHING_TO_CONTINUE,
    ),
    (
        "5.17",
        "Repeated 2x: Continuation Frame with FIN = true (where there is nothing to continue), then text Message fragmented into 2 fragments.",
        NOTHING_TO_CONTINUE,
    ),
    (
        "5.18",
        "Send text Message fragmented into 2 fragments, with both frame opcodes set to text, sent in one chop.",
        "The connection is failed immediately, since all data frames after the initial data frame must have opcode 0.",
    ),
    (
        "5.19",
        concat!(
            "A fragmented text message is sent in multiple frames. After\n",
            "   sending the first 2 frames of the text message, a Ping is sent. Then we wait 1s,\n",
            "   then we send 2 more text fragments, another Ping and then the final text fragment.\n",
            "   Everything is legal."
        ),
        concat!(
            "The peer immediately answers the first Ping before\n",
            "   it has received the last text message fragment. The peer pong's back the Ping's\n",
            "   payload exactly, and echo's the payload of the fragmented message back to us."
        ),
    ),
    (
        "5.20",
        concat!(
            "Same as Case 5.19, but send all frames with SYNC = True.\n",
            "   Note, this does not change the octets sent in any way, only how the stream\n",
            "   is chopped up on the wire."
        ),
        concat!(
            "Same as Case 5.19. Implementations must be agnostic to how\n",
            "   octet stream is chopped up on wire (must be TCP clean)."
        ),
    ),
];

/// How the frames of a case go on the wire.
#[derive(Clone, Copy)]
enum Write {
    /// As the fuzzer batches them ("in one chop").
    Batched,
    /// Each frame alone, flushed (`sync = True`: "frame-wise" / "per-frame chops").
    Sync,
    /// One octet per write (`chopsize = 1`: "octet-wise chops").
    Octets,
}

/// A frame with FIN as given.
fn frame(opcode: u8, fin: bool, payload: &[u8]) -> FrameSpec {
    FrameSpec::new(opcode, payload).fin(fin)
}

fn written(frames: Vec<FrameSpec>, write: Write) -> Vec<Step> {
    frames
        .into_iter()
        .map(|f| {
            Step::Frame(match write {
                Write::Batched => f,
                Write::Sync => f.sync(true),
                Write::Octets => f.chop(1),
            })
        })
        .collect()
}

/// What a case does and accepts, before the texts are attached.
struct Plan {
    steps: Vec<Step>,
    expected: Vec<(String, Vec<Expect>)>,
    peer_fails: bool,
}

/// The peer must fail the connection (1002) and echo nothing.
fn peer_fails(frames: Vec<FrameSpec>, write: Write) -> Plan {
    let mut steps = written(frames, write);
    steps.push(Step::KillAfter(1.0));
    Plan {
        steps,
        expected: vec![("OK".to_string(), Vec::new())],
        peer_fails: true,
    }
}

/// The peer must answer with `events`; the fuzzer then closes normally.
fn answered(frames: Vec<FrameSpec>, write: Write, events: Vec<Expect>) -> Plan {
    let mut steps = written(frames, write);
    steps.push(Step::CloseAfter(1.0));
    Plan {
        steps,
        expected: vec![("OK".to_string(), events)],
        peer_fails: false,
    }
}

fn text(payload: &[u8]) -> Expect {
    Expect::Message(payload.to_vec(), false)
}

const F1: &[u8] = b"fragment1";
const F2: &[u8] = b"fragment2";
const F3: &[u8] = b"fragment3";
const F4: &[u8] = b"fragment4";
const F5: &[u8] = b"fragment5";
const PING_PAYLOAD: &[u8] = b"ping payload";
const NOT_CONTINUING: &[u8] = b"non-continuation payload";
const HELLO: &[u8] = b"Hello, world!";

/// 5.3–5.5: fragment 1 as text, fragment 2 as the final continuation.
fn two_fragments(write: Write) -> Plan {
    answered(
        vec![frame(1, false, F1), frame(0, true, F2)],
        write,
        vec![text(b"fragment1fragment2")],
    )
}

/// 5.6–5.8: as 5.3–5.5 with a ping between the fragments.
fn two_fragments_around_a_ping(write: Write) -> Plan {
    answered(
        vec![
            frame(1, false, F1),
            frame(9, true, PING_PAYLOAD),
            frame(0, true, F2),
        ],
        write,
        vec![
            Expect::Pong(PING_PAYLOAD.to_vec()),
            text(b"fragment1fragment2"),
        ],
    )
}

/// 5.9–5.14: a continuation frame with nothing to continue, then a whole text message.
fn stray_continuation(fin: bool, write: Write) -> Plan {
    peer_fails(
        vec![frame(0, fin, NOT_CONTINUING), frame(1, true, HELLO)],
        write,
    )
}

/// 5.16, 5.17: twice, a stray continuation then a two-fragment text message.
fn repeated_stray_continuation(fin: bool) -> Plan {
    let round = [frame(0, fin, F1), frame(1, false, F2), frame(0, true, F3)];
    peer_fails(
        round.iter().chain(&round).cloned().collect(),
        Write::Batched,
    )
}

/// 5.19, 5.20: fragments and pings, a one-second pause in the middle, every frame legal.
fn with_a_pause(sync: bool) -> Plan {
    let s = |f: FrameSpec| Step::Frame(f.sync(sync));
    let steps = vec![
        s(frame(1, false, F1)),
        s(frame(0, false, F2)),
        s(frame(9, true, b"pongme 1!")),
        Step::Later {
            delay: 1.0,
            tag: None,
            only_if_open: false,
            record_timeout: false,
            steps: vec![
                s(frame(0, false, F3)),
                s(frame(0, false, F4)),
                s(frame(9, true, b"pongme 2!")),
                s(frame(0, true, F5)),
                Step::CloseAfter(1.0),
            ],
        },
    ];
    Plan {
        steps,
        expected: vec![(
            "OK".to_string(),
            vec![
                Expect::Pong(b"pongme 1!".to_vec()),
                Expect::Pong(b"pongme 2!".to_vec()),
                text(b"fragment1fragment2fragment3fragment4fragment5"),
            ],
        )],
        peer_fails: false,
    }
}

/// The ids of this category, in the testsuite's order.
pub fn ids() -> Vec<CaseId> {
    CASES
        .iter()
        .map(|(id, ..)| id.parse().expect("catalog ids are valid"))
        .collect()
}

/// The definition of one case of this category.
pub fn build(id: &CaseId) -> Option<CaseDef> {
    let name = id.to_string();
    let &(_, description, expectation) = CASES.iter().find(|(i, ..)| *i == name)?;
    let plan = match name.as_str() {
        "5.1" => peer_fails(
            vec![frame(9, false, F1), frame(0, true, F2)],
            Write::Batched,
        ),
        "5.2" => peer_fails(
            vec![frame(10, false, F1), frame(0, true, F2)],
            Write::Batched,
        ),
        "5.3" => two_fragments(Write::Batched),
        "5.4" => two_fragments(Write::Sync),
        "5.5" => two_fragments(Write::Octets),
        "5.6" => two_fragments_around_a_ping(Write::Batched),
        "5.7" => two_fragments_around_a_ping(Write::Sync),
        "5.8" => two_fragments_around_a_ping(Write::Octets),
        "5.9" => stray_continuation(true, Write::Batched),
        "5.10" => stray_continuation(true, Write::Sync),
        "5.11" => stray_continuation(true, Write::Octets),
        "5.12" => stray_continuation(false, Write::Batched),
        "5.13" => stray_continuation(false, Write::Sync),
        "5.14" => stray_continuation(false, Write::Octets),
        "5.15" => {
            // the first message is legal and may be echoed before the peer fails
            let mut plan = peer_fails(
                vec![
                    frame(1, false, F1),
                    frame(0, true, F2),
                    frame(0, false, F3),
                    frame(1, true, F4),
                ],
                Write::Batched,
            );
            plan.expected = vec![
                ("OK".to_string(), vec![text(b"fragment1fragment2")]),
                ("NON-STRICT".to_string(), Vec::new()),
            ];
            plan
        }
        "5.16" => repeated_stray_continuation(false),
        "5.17" => repeated_stray_continuation(true),
        "5.18" => peer_fails(
            vec![frame(1, false, F1), frame(1, true, F2)],
            Write::Batched,
        ),
        "5.19" => with_a_pause(false),
        "5.20" => with_a_pause(true),
        _ => return None,
    };
    let expected_close = if plan.peer_fails {
        expect_close(false, &[close_code::PROTOCOL_ERROR], false)
    } else {
        expect_close(true, &[close_code::NORMAL], true)
    };
    Some(CaseDef {
        id: id.clone(),
        description: description.to_string(),
        expectation: expectation.to_string(),
        steps: plan.steps,
        expected: plan.expected,
        expected_close,
        adjust: Adjust::None,
        report_time: false,
        deflate: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{FragmentEnd, planned_frames};

    fn case(id: &str) -> CaseDef {
        build(&id.parse().unwrap()).unwrap()
    }

    /// (opcode, fin, payload, chopsize) of each planned frame.
    fn shape(def: &CaseDef) -> Vec<(u8, bool, String, Option<usize>)> {
        planned_frames(&def.steps, FragmentEnd::Full)
            .into_iter()
            .map(|p| {
                assert_eq!(p.rsv, 0);
                let text = String::from_utf8(p.payload).unwrap();
                (p.opcode, p.fin, text, p.chopsize)
            })
            .collect()
    }

    #[test]
    fn ids_are_the_testsuites_in_order() {
        let ids: Vec<String> = ids().iter().map(ToString::to_string).collect();
        let want: Vec<String> = (1..=20).map(|n| format!("5.{n}")).collect();
        assert_eq!(ids, want);
    }

    #[test]
    fn every_id_builds_and_ends_with_the_right_timer() {
        for id in ids() {
            let def = build(&id).unwrap();
            assert_eq!(def.id, id);
            let closed_by_me = def.expected_close.closed_by_me == Some(true);
            let has = |want: &Step| {
                def.steps.contains(want)
                    || def
                        .steps
                        .iter()
                        .any(|s| matches!(s, Step::Later { steps, .. } if steps.contains(want)))
            };
            if closed_by_me {
                assert!(has(&Step::CloseAfter(1.0)), "{id}");
            } else {
                assert!(has(&Step::KillAfter(1.0)), "{id}");
            }
        }
        assert!(build(&"5.21".parse().unwrap()).is_none());
    }

    #[test]
    fn fragmented_ping_is_sent_as_two_frames() {
        assert_eq!(
            shape(&case("5.1")),
            [
                (9, false, "fragment1".into(), None),
                (0, true, "fragment2".into(), None)
            ]
        );
    }

    #[test]
    fn octet_wise_ping_between_fragments() {
        assert_eq!(
            shape(&case("5.8")),
            [
                (1, false, "fragment1".into(), Some(1)),
                (9, true, "ping payload".into(), Some(1)),
                (0, true, "fragment2".into(), Some(1)),
            ]
        );
    }

    #[test]
    fn stray_continuations_are_repeated_twice() {
        let round = [
            (0, true, "fragment1".to_string(), None),
            (1, false, "fragment2".to_string(), None),
            (0, true, "fragment3".to_string(), None),
        ];
        assert_eq!(shape(&case("5.17")), [round.clone(), round].concat());
    }

    #[test]
    fn pause_case_sends_fragments_and_pings_with_sync() {
        let want = [
            (1, false, "fragment1"),
            (0, false, "fragment2"),
            (9, true, "pongme 1!"),
            (0, false, "fragment3"),
            (0, false, "fragment4"),
            (9, true, "pongme 2!"),
            (0, true, "fragment5"),
        ];
        for (id, sync) in [("5.19", false), ("5.20", true)] {
            let def = case(id);
            let got: Vec<(u8, bool, String, Option<usize>)> = shape(&def);
            let want: Vec<_> = want
                .iter()
                .map(|&(o, f, p)| (o, f, p.to_string(), None))
                .collect();
            assert_eq!(got, want, "{id}");
            // three frames now, the rest (and the close timer) one second later
            let Step::Later {
                delay,
                tag,
                steps: later,
                ..
            } = &def.steps[3]
            else {
                panic!("{id}: no pause");
            };
            assert_eq!((*delay, tag), (1.0, &None));
            assert_eq!(later.last(), Some(&Step::CloseAfter(1.0)));
            let syncs: Vec<bool> = def.steps[..3]
                .iter()
                .chain(later)
                .filter_map(|s| match s {
                    Step::Frame(f) => Some(f.sync),
                    _ => None,
                })
                .collect();
            assert_eq!(syncs, [sync; 7], "{id}");
        }
    }

    #[test]
    fn only_5_15_tolerates_no_echo() {
        let words =
            |id: &str| -> Vec<String> { case(id).expected.into_iter().map(|(w, _)| w).collect() };
        assert_eq!(words("5.15"), ["OK", "NON-STRICT"]);
        assert_eq!(words("5.16"), ["OK"]);
    }
}

//! Category 3, Reserved Bits: frames with RSV bits set while no extension was negotiated.
//!
//! RFC 6455 §5.2: a non-zero RSV bit without an extension defining it must fail the
//! connection (1002). Every case ends with `killAfter(1)`: the peer is expected to close
//! first, and the fuzzer drops TCP after a second if it does not. 3.2–3.4 first send a
//! valid message, so its echo is OK and no echo at all is NON-STRICT (the peer failed the
//! connection on receipt of the whole burst rather than frame by frame).

use crate::catalog::{Adjust, CaseDef, Expect, FrameSpec, Step, close_code, expect_close};
use crate::model::CaseId;

/// The small text message most cases send.
const HELLO: &[u8] = b"Hello, world!";

/// How the frames of a case go on the wire.
#[derive(Clone, Copy)]
enum Write {
    /// As the fuzzer batches them.
    Batched,
    /// Each frame alone, flushed (`sync = True`: "frame-wise chops").
    Sync,
    /// One octet per write (`chopsize = 1`: "octet-wise chops").
    Octets,
}

impl Write {
    fn apply(self, f: FrameSpec) -> FrameSpec {
        match self {
            Write::Batched => f,
            Write::Sync => f.sync(true),
            Write::Octets => f.chop(1),
        }
    }
}

/// Id, description and expectation, in the testsuite's order.
const CASES: &[(&str, &str, &str)] = &[
    (
        "3.1",
        "Send small text message with <b>RSV = 1</b>.",
        "The connection is failed immediately (1002/protocol error), since RSV must be 0, when no extension defining RSV meaning has been negotiated.",
    ),
    (
        "3.2",
        "Send small text message, then send again with <b>RSV = 2</b>, then send Ping.",
        ECHO_THEN_FAIL,
    ),
    (
        "3.3",
        "Send small text message, then send again with <b>RSV = 3</b>, then send Ping. Octets are sent in frame-wise chops. Octets are sent in octet-wise chops.",
        ECHO_THEN_FAIL,
    ),
    (
        "3.4",
        "Send small text message, then send again with <b>RSV = 4</b>, then send Ping. Octets are sent in octet-wise chops.",
        ECHO_THEN_FAIL,
    ),
    (
        "3.5",
        "Send small binary message with <b>RSV = 5</b>.",
        FAIL_RSV,
    ),
    ("3.6", "Send Ping with <b>RSV = 6</b>.", FAIL_RSV),
    ("3.7", "Send Close with <b>RSV = 7</b>.", FAIL_RSV),
];

const ECHO_THEN_FAIL: &str = "Echo for first message is received, but then connection is failed immediately, since RSV must be 0, when no extension defining RSV meaning has been negotiated. The Pong is not received.";
const FAIL_RSV: &str = "The connection is failed immediately, since RSV must be 0.";

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
    let (steps, expected) = match name.as_str() {
        "3.1" => lone(FrameSpec::new(1, HELLO).rsv(1)),
        "3.2" => echo_then_rsv(2, Write::Batched),
        "3.3" => echo_then_rsv(3, Write::Sync),
        "3.4" => echo_then_rsv(4, Write::Octets),
        // the case file's payload: raw octets, not valid UTF-8
        "3.5" => lone(FrameSpec::new(2, *b"\x00\xff\xfe\xfd\xfc\xfb\x00\xff").rsv(5)),
        // described as a Ping, but the case file sends a binary frame; we send what it sends
        "3.6" => lone(FrameSpec::new(2, HELLO).rsv(6)),
        "3.7" => lone(FrameSpec::new(8, Vec::new()).rsv(7)),
        _ => return None,
    };
    Some(CaseDef {
        id: id.clone(),
        description: description.to_string(),
        expectation: expectation.to_string(),
        steps,
        expected,
        expected_close: expect_close(false, &[close_code::PROTOCOL_ERROR], false),
        adjust: Adjust::None,
        report_time: false,
        deflate: None,
    })
}

type Plan = (Vec<Step>, Vec<(String, Vec<Expect>)>);

/// One bad frame; nothing may come back.
fn lone(frame: FrameSpec) -> Plan {
    (
        vec![Step::Frame(frame), Step::KillAfter(1.0)],
        vec![("OK".to_string(), Vec::new())],
    )
}

/// A valid message, the same with RSV bits set, then an empty Ping.
fn echo_then_rsv(rsv: u8, write: Write) -> Plan {
    let steps = vec![
        Step::Frame(write.apply(FrameSpec::new(1, HELLO))),
        Step::Frame(write.apply(FrameSpec::new(1, HELLO).rsv(rsv))),
        Step::Frame(write.apply(FrameSpec::new(9, Vec::new()))),
        Step::KillAfter(1.0),
    ];
    let expected = vec![
        (
            "OK".to_string(),
            vec![Expect::Message(HELLO.to_vec(), false)],
        ),
        ("NON-STRICT".to_string(), Vec::new()),
    ];
    (steps, expected)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{FragmentEnd, PlannedFrame, planned_frames};

    fn case(id: &str) -> CaseDef {
        build(&id.parse().unwrap()).unwrap()
    }

    /// (opcode, fin, rsv, payload, chopsize) of a planned frame.
    type Shape = (u8, bool, u8, Vec<u8>, Option<usize>);

    fn shape(def: &CaseDef) -> Vec<Shape> {
        planned_frames(&def.steps, FragmentEnd::Full)
            .into_iter()
            .map(|p: PlannedFrame| (p.opcode, p.fin, p.rsv, p.payload, p.chopsize))
            .collect()
    }

    #[test]
    fn ids_are_the_testsuites_in_order() {
        let ids: Vec<String> = ids().iter().map(ToString::to_string).collect();
        assert_eq!(ids, ["3.1", "3.2", "3.3", "3.4", "3.5", "3.6", "3.7"]);
    }

    #[test]
    fn every_id_builds_and_expects_a_protocol_error_from_the_peer() {
        for id in ids() {
            let def = build(&id).unwrap();
            assert_eq!(def.id, id);
            assert_eq!(
                def.expected_close,
                expect_close(false, &[close_code::PROTOCOL_ERROR], false)
            );
            assert_eq!(def.steps.last(), Some(&Step::KillAfter(1.0)), "{id}");
        }
        assert!(build(&"3.8".parse().unwrap()).is_none());
        assert!(build(&"4.1.1".parse().unwrap()).is_none());
    }

    #[test]
    fn close_with_all_rsv_bits() {
        assert_eq!(shape(&case("3.7")), [(8, true, 7, Vec::new(), None)]);
    }

    #[test]
    fn binary_payload_is_raw_octets() {
        assert_eq!(
            shape(&case("3.5")),
            [(
                2,
                true,
                5,
                b"\x00\xff\xfe\xfd\xfc\xfb\x00\xff".to_vec(),
                None
            )]
        );
    }

    #[test]
    fn echo_then_rsv_cases_write_as_described() {
        let hello = HELLO.to_vec();
        assert_eq!(
            shape(&case("3.4")),
            [
                (1, true, 0, hello.clone(), Some(1)),
                (1, true, 4, hello.clone(), Some(1)),
                (9, true, 0, Vec::new(), Some(1)),
            ]
        );
        let sync: Vec<bool> = case("3.3")
            .steps
            .iter()
            .filter_map(|s| match s {
                Step::Frame(f) => Some(f.sync),
                _ => None,
            })
            .collect();
        assert_eq!(sync, [true, true, true]);
        assert_eq!(
            case("3.2").expected,
            [
                ("OK".to_string(), vec![Expect::Message(hello, false)]),
                ("NON-STRICT".to_string(), Vec::new()),
            ]
        );
    }
}

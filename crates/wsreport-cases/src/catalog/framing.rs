//! Category 1, Framing: text (1.1.x) and binary (1.2.x) messages of growing length, sent as
//! one frame, echoed back by the peer. 1.x.8 writes the frame in chops of 997 octets.
//!
//! Every case sends one frame and arms `killAfter` (1 s for small payloads, 10 s for 64 KiB);
//! the fuzzer closes with 1000 as soon as the echo arrives.

use crate::catalog::{Adjust, Expect};
use crate::catalog::{CaseDef, FrameSpec, Step, close_code, expect_close};
use crate::model::CaseId;

/// Payload length, chop size and kill delay of 1.x.1 … 1.x.8, in order.
const SHAPES: [(usize, Option<usize>, f64); 8] = [
    (0, None, 1.0),
    (125, None, 1.0),
    (126, None, 1.0),
    (127, None, 1.0),
    (128, None, 1.0),
    (65535, None, 10.0),
    (65536, None, 10.0),
    (65536, Some(997), 10.0),
];

/// The ids of this category, in the testsuite's order.
pub fn ids() -> Vec<CaseId> {
    (1..=2)
        .flat_map(|sub| (1..=SHAPES.len()).map(move |n| format!("1.{sub}.{n}")))
        .map(|s| s.parse().expect("a case id"))
        .collect()
}

/// The definition of one case of this category.
pub fn build(id: &CaseId) -> Option<CaseDef> {
    let &[1, sub @ (1 | 2), n] = id.parts() else {
        return None;
    };
    let &(len, chop, kill) = SHAPES.get((n as usize).checked_sub(1)?)?;
    let binary = sub == 2;
    let (opcode, octet, kind) = if binary {
        (2, 0xfe, "binary")
    } else {
        (1, b'*', "text")
    };
    let payload = vec![octet; len];
    let description = match (len, chop) {
        (0, _) if binary => "Send binary message with payload 0.".to_string(),
        (0, _) => "Send text message with payload 0.".to_string(),
        (_, None) => format!("Send {kind} message message with payload of length {len}."),
        (_, Some(c)) => format!(
            "Send {kind} message message with payload of length {len}. Sent out data in chops of {c} octets."
        ),
    };
    let expectation = if len == 0 {
        format!(
            "Receive echo'ed {kind} message (with empty payload). Clean close with normal code."
        )
    } else {
        format!(
            "Receive echo'ed {kind} message (with payload as sent). Clean close with normal code."
        )
    };
    let mut frame = FrameSpec::new(opcode, payload.clone());
    frame.chopsize = chop;
    Some(CaseDef {
        id: id.clone(),
        description,
        expectation,
        steps: vec![Step::Frame(frame), Step::KillAfter(kill)],
        expected: vec![("OK".into(), vec![Expect::Message(payload, binary)])],
        expected_close: expect_close(true, &[close_code::NORMAL], true),
        adjust: Adjust::None,
        report_time: false,
        deflate: None,
    })
}

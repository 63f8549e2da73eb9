//! Category 4, Opcodes: frames with reserved opcodes.
//!
//! RFC 6455 §5.2: opcodes 3–7 (non-control, 4.1.x) and 11–15 (control, 4.2.x) are reserved;
//! receiving one must fail the connection (1002). The two sub-categories are the same five
//! cases with a different opcode range: case 4.s.n uses the range's n-th opcode. Every case
//! ends with `killAfter(1)`. Cases 3–5 first send a valid message, so its echo is OK and no
//! echo at all is NON-STRICT.

use crate::catalog::{Adjust, CaseDef, Expect, FrameSpec, Step, close_code, expect_close};
use crate::model::CaseId;

/// The small text message cases 3–5 send first.
const HELLO: &[u8] = b"Hello, world!";

/// The payload of cases 1–2.
const RESERVED_PAYLOAD: &[u8] = b"reserved opcode payload";

const FAILED: &str = "The connection is failed immediately.";
const ECHO_THEN_FAIL: &str = "Echo for first message is received, but then connection is failed immediately, since reserved opcode frame is used. A Pong is not received.";

/// Sub-category number → (word in the descriptions, first reserved opcode).
const RANGES: [(u32, &str, u8); 2] = [(1, "non-control", 3), (2, "control", 11)];

/// The cases per sub-category.
const CASES_PER_RANGE: u32 = 5;

/// The ids of this category, in the testsuite's order.
pub fn ids() -> Vec<CaseId> {
    RANGES
        .iter()
        .flat_map(|&(sub, ..)| {
            (1..=CASES_PER_RANGE).map(move |n| format!("4.{sub}.{n}").parse().expect("valid id"))
        })
        .collect()
}

/// The definition of one case of this category.
pub fn build(id: &CaseId) -> Option<CaseDef> {
    let &[4, sub, n] = id.parts() else {
        return None;
    };
    let &(_, kind, first) = RANGES.iter().find(|r| r.0 == sub)?;
    if !(1..=CASES_PER_RANGE).contains(&n) {
        return None;
    }
    let opcode = first + (n - 1) as u8;
    let hello = || FrameSpec::new(1, HELLO);
    let ping = || FrameSpec::new(9, Vec::new());
    let (what, frames, expectation) = match n {
        1 => ("", vec![FrameSpec::new(opcode, Vec::new())], FAILED),
        2 => (
            " and non-empty payload",
            vec![FrameSpec::new(opcode, RESERVED_PAYLOAD)],
            FAILED,
        ),
        3 => (
            "",
            vec![hello(), FrameSpec::new(opcode, Vec::new()), ping()],
            ECHO_THEN_FAIL,
        ),
        4 => (
            " and non-empty payload",
            vec![hello(), FrameSpec::new(opcode, HELLO), ping()],
            ECHO_THEN_FAIL,
        ),
        // as 4, one octet per write
        _ => (
            " and non-empty payload",
            [hello(), FrameSpec::new(opcode, HELLO), ping()]
                .into_iter()
                .map(|f| f.chop(1))
                .collect(),
            ECHO_THEN_FAIL,
        ),
    };
    let description = if n < 3 {
        format!("Send frame with reserved {kind} <b>Opcode = {opcode}</b>{what}.")
    } else {
        format!(
            "Send small text message, then send frame with reserved {kind} <b>Opcode = {opcode}</b>{what}, then send Ping."
        )
    };
    let mut expected = vec![];
    if n < 3 {
        expected.push(("OK".to_string(), Vec::new()));
    } else {
        expected.push((
            "OK".to_string(),
            vec![Expect::Message(HELLO.to_vec(), false)],
        ));
        expected.push(("NON-STRICT".to_string(), Vec::new()));
    }
    let mut steps: Vec<Step> = frames.into_iter().map(Step::Frame).collect();
    steps.push(Step::KillAfter(1.0));
    Some(CaseDef {
        id: id.clone(),
        description,
        expectation: expectation.to_string(),
        steps,
        expected,
        expected_close: expect_close(false, &[close_code::PROTOCOL_ERROR], false),
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

    /// (opcode, payload, chopsize) of each planned frame.
    fn shape(def: &CaseDef) -> Vec<(u8, Vec<u8>, Option<usize>)> {
        planned_frames(&def.steps, FragmentEnd::Full)
            .into_iter()
            .map(|p| {
                assert!(p.fin && p.rsv == 0);
                (p.opcode, p.payload, p.chopsize)
            })
            .collect()
    }

    #[test]
    fn ids_are_the_testsuites_in_order() {
        let ids: Vec<String> = ids().iter().map(ToString::to_string).collect();
        assert_eq!(
            ids,
            [
                "4.1.1", "4.1.2", "4.1.3", "4.1.4", "4.1.5", "4.2.1", "4.2.2", "4.2.3", "4.2.4",
                "4.2.5"
            ]
        );
    }

    #[test]
    fn every_id_builds_and_nothing_else_does() {
        for id in ids() {
            let def = build(&id).unwrap();
            assert_eq!(def.id, id);
            assert_eq!(def.steps.last(), Some(&Step::KillAfter(1.0)));
        }
        for other in ["4.1.6", "4.3.1", "4.1", "3.1", "4.0.1"] {
            assert!(build(&other.parse().unwrap()).is_none(), "{other}");
        }
    }

    #[test]
    fn reserved_control_opcodes_11_to_15() {
        assert_eq!(shape(&case("4.2.1")), [(11, Vec::new(), None)]);
        assert_eq!(
            shape(&case("4.2.2")),
            [(12, RESERVED_PAYLOAD.to_vec(), None)]
        );
        let hello = HELLO.to_vec();
        assert_eq!(
            shape(&case("4.2.3")),
            [
                (1, hello.clone(), None),
                (13, Vec::new(), None),
                (9, Vec::new(), None)
            ]
        );
        assert_eq!(
            shape(&case("4.2.4")),
            [
                (1, hello.clone(), None),
                (14, hello.clone(), None),
                (9, Vec::new(), None)
            ]
        );
        assert_eq!(
            shape(&case("4.2.5")),
            [
                (1, hello.clone(), Some(1)),
                (15, hello, Some(1)),
                (9, Vec::new(), Some(1))
            ]
        );
    }

    #[test]
    fn descriptions_name_the_opcode() {
        assert_eq!(
            case("4.1.1").description,
            "Send frame with reserved non-control <b>Opcode = 3</b>."
        );
        assert_eq!(
            case("4.2.5").description,
            "Send small text message, then send frame with reserved control <b>Opcode = 15</b> and non-empty payload, then send Ping."
        );
    }
}

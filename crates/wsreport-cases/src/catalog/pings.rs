//! Category 2, Pings/Pongs: pings the peer must answer with an equal pong (2.1–2.4, 2.6,
//! 2.9–2.11), a ping too long for a control frame that must fail the connection (2.5), and
//! unsolicited pongs the peer must ignore (2.7, 2.8).
//!
//! The fuzzer closes with 1000 as soon as the expected pongs have arrived; `closeAfter` (1–3 s)
//! closes without a code when they never do, which is how a peer that drops pongs fails.

use crate::catalog::{Adjust, CaseDef, Expect, FrameSpec, Step, close_code, expect_close};
use crate::model::CaseId;
use crate::wire::opcode::{PING, PONG};

const PONG_EXPECTATION: &str =
    "Pong with payload echo'ed is sent in reply to Ping. Clean close with normal code.";
const TEN_PINGS_EXPECTATION: &str = "Pongs for our Pings with all the payloads. Note: This is not required by the Spec .. but we check for this behaviour anyway. Clean close with normal code.";

/// The ids of this category, in the testsuite's order.
pub fn ids() -> Vec<CaseId> {
    (1..=11)
        .map(|n| format!("2.{n}").parse().expect("a case id"))
        .collect()
}

fn ping(payload: &[u8]) -> Step {
    Step::Frame(FrameSpec::new(PING, payload))
}

/// A case that expects the pongs `pongs` and closes normally.
fn pong_case(
    id: &CaseId,
    description: &str,
    expectation: &str,
    steps: Vec<Step>,
    pongs: Vec<Vec<u8>>,
) -> CaseDef {
    CaseDef {
        id: id.clone(),
        description: description.into(),
        expectation: expectation.into(),
        steps,
        expected: vec![("OK".into(), pongs.into_iter().map(Expect::Pong).collect())],
        expected_close: expect_close(true, &[close_code::NORMAL], true),
        adjust: Adjust::None,
        report_time: false,
        deflate: None,
    }
}

/// 2.10 and 2.11: ten pings `payload-0` … `payload-9`, optionally written octet by octet.
fn ten_pings(id: &CaseId, chop: Option<usize>) -> CaseDef {
    let payloads: Vec<Vec<u8>> = (0..10)
        .map(|i| format!("payload-{i}").into_bytes())
        .collect();
    let mut steps: Vec<Step> = payloads
        .iter()
        .map(|p| {
            let mut f = FrameSpec::new(PING, p.clone());
            f.chopsize = chop;
            Step::Frame(f)
        })
        .collect();
    steps.push(Step::CloseAfter(3.0));
    let description = match chop {
        None => "Send 10 Pings with payload.",
        Some(_) => "Send 10 Pings with payload. Send out octets in octet-wise chops.",
    };
    pong_case(id, description, TEN_PINGS_EXPECTATION, steps, payloads)
}

/// The definition of one case of this category.
pub fn build(id: &CaseId) -> Option<CaseDef> {
    let &[2, n] = id.parts() else {
        return None;
    };
    let fe125 = vec![0xfe; 125];
    Some(match n {
        1 => pong_case(
            id,
            "Send ping without payload.",
            "Pong (with empty payload) is sent in reply to Ping. Clean close with normal code.",
            vec![ping(b""), Step::CloseAfter(1.0)],
            vec![Vec::new()],
        ),
        2 => pong_case(
            id,
            "Send ping with small text payload.",
            PONG_EXPECTATION,
            vec![ping(b"Hello, world!"), Step::CloseAfter(1.0)],
            vec![b"Hello, world!".to_vec()],
        ),
        3 => {
            let p = b"\x00\xff\xfe\xfd\xfc\xfb\x00\xff";
            pong_case(
                id,
                "Send ping with small binary (non UTF-8) payload.",
                PONG_EXPECTATION,
                vec![ping(p), Step::CloseAfter(1.0)],
                vec![p.to_vec()],
            )
        }
        4 => pong_case(
            id,
            "Send ping with binary payload of 125 octets.",
            PONG_EXPECTATION,
            vec![ping(&fe125), Step::CloseAfter(1.0)],
            vec![fe125],
        ),
        5 => CaseDef {
            id: id.clone(),
            description: "Send ping with binary payload of 126 octets.".into(),
            expectation: "Connection is failed immediately (1002/Protocol Error), since control frames are only allowed to have payload up to and including 125 octets..".into(),
            steps: vec![ping(&[0xfe; 126]), Step::KillAfter(1.0)],
            expected: vec![("OK".into(), Vec::new())],
            expected_close: expect_close(false, &[close_code::PROTOCOL_ERROR], false),
            adjust: Adjust::None,
            report_time: false,
            deflate: None,
        },
        6 => pong_case(
            id,
            "Send ping with binary payload of 125 octets, send in octet-wise chops.",
            "Pong with payload echo'ed is sent in reply to Ping. Implementations must be TCP clean. Clean close with normal code.",
            vec![
                Step::Frame(FrameSpec::new(PING, fe125.clone()).chop(1)),
                Step::CloseAfter(2.0),
            ],
            vec![fe125],
        ),
        7 | 8 => {
            let (description, payload): (&str, &[u8]) = if n == 7 {
                ("Send unsolicited pong without payload. Verify nothing is received. Clean close with normal code.", b"")
            } else {
                ("Send unsolicited pong with payload. Verify nothing is received. Clean close with normal code.", b"unsolicited pong payload")
            };
            pong_case(
                id,
                description,
                "Nothing.",
                // `sendClose(1000)` at once: nothing is expected, so no event would close.
                vec![
                    Step::Frame(FrameSpec::new(PONG, payload)),
                    Step::Close {
                        code: Some(close_code::NORMAL),
                        reason: None,
                    },
                    Step::CloseAfter(1.0),
                ],
                Vec::new(),
            )
        }
        9 => pong_case(
            id,
            "Send unsolicited pong with payload. Send ping with payload. Verify pong for ping is received.",
            "Nothing in reply to own Pong, but Pong with payload echo'ed in reply to Ping. Clean close with normal code.",
            vec![
                Step::Frame(FrameSpec::new(PONG, &b"unsolicited pong payload"[..])),
                ping(b"ping payload"),
                Step::CloseAfter(1.0),
            ],
            vec![b"ping payload".to_vec()],
        ),
        10 => ten_pings(id, None),
        11 => ten_pings(id, Some(1)),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ten_pings_chop_only_in_2_11() {
        let chops = |id: &str| {
            let def = build(&id.parse().unwrap()).unwrap();
            crate::catalog::planned_frames(&def.steps, crate::catalog::FragmentEnd::Full)
                .iter()
                .map(|f| f.chopsize)
                .collect::<Vec<_>>()
        };
        assert_eq!(chops("2.10"), vec![None; 10]);
        assert_eq!(chops("2.11"), vec![Some(1); 10]);
    }
}

//! Category 10, Misc: auto-fragmentation (10.1.1).
//!
//! The fuzzer sends one 65536-octet text message cut into 1300-octet frames (its
//! `autoFragmentSize`), and the peer must echo it whole. After the standard judgement the
//! case also checks its own side: it must have sent exactly ⌊65536 / 1300⌋ = 50
//! continuation frames and one text frame ([`Adjust::AutoFragmentCount`]). `killAfter(10)`
//! bounds the wait; the fuzzer closes (1000) as soon as the echo arrives.

use crate::catalog::{Adjust, CaseDef, Expect, Step, close_code, expect_close};
use crate::model::CaseId;

/// The message length of 10.1.1.
const MESSAGE_LEN: usize = 65536;

/// The auto-fragment size of 10.1.1.
const FRAGMENT_SIZE: usize = 1300;

const DESCRIPTION: &str = "Send text message with payload of length 65536 auto-fragmented with <b>autoFragmentSize = 1300</b>.";
const EXPECTATION: &str = "Receive echo'ed text message (with payload as sent and transmitted frame counts as expected). Clean close with normal code.";

/// The ids of this category, in the testsuite's order.
pub fn ids() -> Vec<CaseId> {
    vec!["10.1.1".parse().expect("valid id")]
}

/// The definition of one case of this category.
pub fn build(id: &CaseId) -> Option<CaseDef> {
    if id.parts() != [10, 1, 1] {
        return None;
    }
    let payload = vec![b'*'; MESSAGE_LEN];
    Some(CaseDef {
        id: id.clone(),
        description: DESCRIPTION.to_string(),
        expectation: EXPECTATION.to_string(),
        steps: vec![
            Step::AutoFragmentSize(FRAGMENT_SIZE),
            Step::Message {
                payload: payload.clone(),
                binary: false,
                fragment_size: None,
            },
            Step::KillAfter(10.0),
        ],
        expected: vec![("OK".to_string(), vec![Expect::Message(payload, false)])],
        expected_close: expect_close(true, &[close_code::NORMAL], true),
        adjust: Adjust::AutoFragmentCount {
            len: MESSAGE_LEN,
            size: FRAGMENT_SIZE,
        },
        report_time: false,
        deflate: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{FragmentEnd, planned_frames};

    #[test]
    fn ids_are_the_testsuites() {
        let ids: Vec<String> = ids().iter().map(ToString::to_string).collect();
        assert_eq!(ids, ["10.1.1"]);
        assert!(build(&"10.1.2".parse().unwrap()).is_none());
        assert!(build(&"10.1".parse().unwrap()).is_none());
    }

    #[test]
    fn message_goes_out_as_one_text_frame_and_fifty_continuations() {
        let def = build(&"10.1.1".parse().unwrap()).unwrap();
        let frames = planned_frames(&def.steps, FragmentEnd::Full);
        assert_eq!(frames.len(), 51);
        assert_eq!((frames[0].opcode, frames[0].fin), (1, false));
        assert!(frames[1..50].iter().all(|f| f.opcode == 0 && !f.fin));
        assert!(frames[..50].iter().all(|f| f.payload.len() == 1300));
        let last = &frames[50];
        assert_eq!((last.opcode, last.fin, last.payload.len()), (0, true, 536));
        let sent: Vec<u8> = frames.iter().flat_map(|f| f.payload.clone()).collect();
        assert_eq!(sent, vec![b'*'; 65536]);
        assert_eq!(
            def.adjust,
            Adjust::AutoFragmentCount {
                len: 65536,
                size: 1300
            }
        );
    }
}

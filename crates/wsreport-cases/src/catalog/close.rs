//! Category 7: the closing handshake, started by the fuzzer.
//!
//! 7.1 sends frames around a close; 7.3 varies the close payload's length; 7.5.1 sends a reason
//! that is not UTF-8; 7.7, 7.9 and 7.13 are generated from lists of close codes (valid, invalid,
//! and outside the registered ranges). Every case drops TCP 1 s after its last step. A WRONG
//! CODE close fails the behaviour too, except in 7.1.6 and 7.13.x, which are INFORMATIONAL.

use crate::catalog::{Adjust, CaseDef, Expect, FrameSpec, Step, close_code, expect_close};
use crate::model::{CaseId, Verdict};

/// 7.7: codes a peer must accept, echoing them or answering 1000.
const VALID_CODES: [u16; 13] = [
    1000, 1001, 1002, 1003, 1007, 1008, 1009, 1010, 1011, 3000, 3999, 4000, 4999,
];

/// 7.9: codes a peer must refuse with 1002 (or by dropping TCP).
const INVALID_CODES: [u16; 9] = [0, 999, 1004, 1005, 1006, 1016, 1100, 2000, 2999];

/// 7.13: codes outside every range the RFC defines; what a peer does is not specified.
const UNDEFINED_CODES: [u16; 2] = [5000, 65535];

/// The hand-written subcategories and their case counts.
const BASIC: u32 = 1;
const BASIC_CASES: usize = 6;
const LENGTH: u32 = 3;
const LENGTH_CASES: usize = 6;
const REASON: u32 = 5;

const HELLO: &[u8] = b"Hello World!";
/// 7.5.1's reason: `κόσμε`, a lone surrogate, `edited`.
const INVALID_REASON: &[u8] = b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80edited";
/// The longest reason that fits a control frame with a code (125 - 2).
const MAX_REASON: usize = 123;

const CLEAN_NORMAL: &str = "Clean close with normal code.";

fn id(sub: u32, n: usize) -> CaseId {
    format!("7.{sub}.{n}").parse().expect("a case id")
}

/// The ids of this category, in the testsuite's order.
pub fn ids() -> Vec<CaseId> {
    [
        (BASIC, BASIC_CASES),
        (LENGTH, LENGTH_CASES),
        (REASON, 1),
        (7, VALID_CODES.len()),
        (9, INVALID_CODES.len()),
        (13, UNDEFINED_CODES.len()),
    ]
    .iter()
    .flat_map(|&(sub, n)| (1..=n).map(move |j| id(sub, j)))
    .collect()
}

/// The definition of one case of this category.
pub fn build(case: &CaseId) -> Option<CaseDef> {
    let &[7, sub, n] = case.parts() else {
        return None;
    };
    let i = (n as usize).checked_sub(1)?;
    let def = match sub {
        BASIC => basic(n)?,
        LENGTH => length(n)?,
        REASON if n == 1 => invalid_reason(),
        7 => valid_code(*VALID_CODES.get(i)?),
        9 => invalid_code(*INVALID_CODES.get(i)?),
        13 => undefined_code(*UNDEFINED_CODES.get(i)?),
        _ => return None,
    };
    Some(CaseDef {
        id: case.clone(),
        ..def
    })
}

/// A case that expects no events and a close it started: `steps`, then drop TCP after 1 s.
fn closing(
    description: &str,
    expectation: &str,
    mut steps: Vec<Step>,
    codes: &[u16],
    require_clean: bool,
) -> CaseDef {
    steps.push(Step::KillAfter(1.0));
    CaseDef {
        id: id(0, 0),
        description: description.into(),
        expectation: expectation.into(),
        steps,
        expected: vec![(Verdict::Ok.as_str().into(), Vec::new())],
        expected_close: expect_close(true, codes, require_clean),
        adjust: Adjust::WrongCodeFailsBehavior,
        report_time: false,
        deflate: None,
    }
}

fn frame(opcode: u8, payload: &[u8]) -> Step {
    Step::Frame(FrameSpec::new(opcode, payload))
}

fn close(code: u16, reason: Option<&[u8]>) -> Step {
    Step::Close {
        code: Some(code),
        reason: reason.map(<[u8]>::to_vec),
    }
}

/// A raw close frame: no check of code or reason.
fn close_frame(code: Option<u16>, reason: Option<&[u8]>) -> Step {
    Step::CloseFrame {
        code,
        reason: reason.map(<[u8]>::to_vec),
    }
}

/// 7.1.x: frames before and after our close; whatever follows the close must be ignored.
fn basic(n: u32) -> Option<CaseDef> {
    let normal = close(close_code::NORMAL, None);
    let (description, expectation, steps) = match n {
        1 => (
            "Send a message followed by a close frame",
            "Echoed message followed by clean close with normal code.",
            vec![frame(1, HELLO)],
        ),
        2 => (
            "Send two close frames",
            "Clean close with normal code. Second close frame ignored.",
            vec![normal, frame(8, b"")],
        ),
        3 => (
            "Send a ping after close message",
            "Clean close with normal code, no pong.",
            vec![normal, frame(9, b"")],
        ),
        4 => (
            "Send text message after sending a close frame.",
            "Clean close with normal code. Text message ignored.",
            vec![normal, frame(1, HELLO)],
        ),
        5 => (
            "Send message fragment1 followed by close then fragment",
            CLEAN_NORMAL,
            vec![
                Step::Frame(FrameSpec::new(1, &b"fragment1"[..]).fin(false)),
                normal,
                Step::Frame(FrameSpec::new(0, &b"fragment2"[..])),
            ],
        ),
        6 => return Some(big_message_then_close()),
        _ => return None,
    };
    let mut def = closing(description, expectation, steps, &[close_code::NORMAL], true);
    if n == 1 {
        // the echo is expected; the fuzzer closes once it has it
        def.expected[0].1 = vec![Expect::Message(HELLO.to_vec(), false)];
    }
    Some(def)
}

/// 7.1.6: a 256 KiB text message, a short one, close and ping back to back. Whether the short
/// message comes back depends on how the peer orders its writes: INFORMATIONAL either way.
fn big_message_then_close() -> CaseDef {
    let steps = vec![
        Step::Frame(FrameSpec::new(1, &b"BAsd7&jh23"[..]).payload_len(256 * 1024)),
        frame(1, HELLO),
        close(close_code::NORMAL, None),
        frame(9, b""),
    ];
    let mut def = closing(
        "Send 256K message followed by close then a ping",
        "Case outcome depends on implementation defined close behavior. Message and close frame \
         are sent back to back. If the close frame is processed before the text message write \
         is complete (as can happen in asynchronous processing models) the close frame is \
         processed first and the text message may not be received or may only be partially \
         received.",
        steps,
        &[close_code::NORMAL],
        true,
    );
    def.expected = vec![
        (
            Verdict::Ok.as_str().into(),
            vec![Expect::Message(HELLO.to_vec(), false)],
        ),
        (Verdict::NonStrict.as_str().into(), Vec::new()),
    ];
    def.adjust = Adjust::Informational;
    def
}

/// 7.3.x: close payloads of length 0, 1, 2, with a reason, with the longest reason, and one
/// octet too long.
fn length(n: u32) -> Option<CaseDef> {
    let stars = [b'*'; MAX_REASON + 1];
    let (description, expectation, step, code, clean) = match n {
        1 => (
            "Send a close frame with payload length 0 (no close code, no close reason)",
            CLEAN_NORMAL,
            close_frame(None, None),
            close_code::NORMAL,
            true,
        ),
        2 => (
            "Send a close frame with payload length 1",
            "Clean close with protocol error or drop TCP.",
            close_frame(None, Some(b"a")),
            close_code::PROTOCOL_ERROR,
            false,
        ),
        3 => (
            "Send a close frame with payload length 2 (regular close with a code)",
            CLEAN_NORMAL,
            close(close_code::NORMAL, None),
            close_code::NORMAL,
            true,
        ),
        4 => (
            "Send a close frame with close code and close reason",
            CLEAN_NORMAL,
            close(close_code::NORMAL, Some(HELLO)),
            close_code::NORMAL,
            true,
        ),
        5 => (
            "Send a close frame with close code and close reason of maximum length (123)",
            CLEAN_NORMAL,
            close(close_code::NORMAL, Some(&stars[..MAX_REASON])),
            close_code::NORMAL,
            true,
        ),
        6 => (
            "Send a close frame with close code and close reason which is too long (124) - total \
             frame payload 126 octets",
            "Clean close with protocol error code or dropped TCP connection.",
            close_frame(Some(close_code::NORMAL), Some(&stars)),
            close_code::PROTOCOL_ERROR,
            false,
        ),
        _ => return None,
    };
    Some(closing(
        description,
        expectation,
        vec![step],
        &[code],
        clean,
    ))
}

/// 7.5.1: a close with code 1000 and a reason that is not UTF-8.
fn invalid_reason() -> CaseDef {
    CaseDef {
        adjust: Adjust::WrongCodeFailsBehaviorHexCloseReason,
        ..closing(
            "Send a close frame with invalid UTF8 payload",
            "Clean close with protocol error or invalid utf8 code or dropped TCP.",
            vec![close_frame(Some(close_code::NORMAL), Some(INVALID_REASON))],
            &[close_code::PROTOCOL_ERROR, close_code::INVALID_PAYLOAD],
            false,
        )
    }
}

/// 7.7.x: the peer answers with 1000 or echoes the code.
fn valid_code(code: u16) -> CaseDef {
    closing(
        &format!("Send close with valid close code {code}"),
        "Clean close with normal or echoed code",
        vec![close_frame(Some(code), None)],
        &[close_code::NORMAL, code],
        true,
    )
}

/// 7.9.x: the peer answers with 1002 or drops TCP.
fn invalid_code(code: u16) -> CaseDef {
    closing(
        &format!("Send close with invalid close code {code}"),
        "Clean close with protocol error code or drop TCP",
        vec![close_frame(Some(code), None)],
        &[close_code::PROTOCOL_ERROR],
        false,
    )
}

/// 7.13.x: a code no range defines; reported as INFORMATIONAL.
fn undefined_code(code: u16) -> CaseDef {
    CaseDef {
        adjust: Adjust::UndefinedBySpec,
        ..closing(
            &format!("Send close with close code {code}"),
            "Actual events are undefined by the spec.",
            vec![close_frame(Some(code), None)],
            &[close_code::NORMAL, code, close_code::PROTOCOL_ERROR],
            false,
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{FragmentEnd, planned_frames};

    fn case(s: &str) -> CaseDef {
        build(&s.parse().unwrap()).unwrap_or_else(|| panic!("{s} not built"))
    }

    fn frames(s: &str) -> Vec<(u8, bool, Vec<u8>, Option<usize>)> {
        planned_frames(&case(s).steps, FragmentEnd::Full)
            .into_iter()
            .map(|f| (f.opcode, f.fin, f.payload, f.payload_len))
            .collect()
    }

    #[test]
    #[ignore = "reads ../shared (cases.tsv and the corpus)"]
    fn matches_the_real_reports_and_cases_tsv() {
        crate::catalog::utf8::reference::check("7", &ids(), build);
    }

    #[test]
    fn ids_are_the_testsuites_in_order() {
        let mut want: Vec<String> = (1..=6).map(|j| format!("7.1.{j}")).collect();
        want.extend((1..=6).map(|j| format!("7.3.{j}")));
        want.push("7.5.1".into());
        want.extend((1..=13).map(|j| format!("7.7.{j}")));
        want.extend((1..=9).map(|j| format!("7.9.{j}")));
        want.extend(["7.13.1".into(), "7.13.2".into()]);
        let got: Vec<String> = ids().iter().map(ToString::to_string).collect();
        assert_eq!(got.len(), 37);
        assert_eq!(got, want);
    }

    #[test]
    fn every_id_builds_and_nothing_else_does() {
        for id in ids() {
            let def = build(&id).unwrap_or_else(|| panic!("{id}"));
            assert_eq!(def.id, id);
            assert_eq!(def.steps.last(), Some(&Step::KillAfter(1.0)), "{id}");
            assert!(!def.report_time);
        }
        for s in [
            "7.1.7", "7.2.1", "7.3.7", "7.5.2", "7.7.14", "7.9.10", "7.13.3", "6.1.1",
        ] {
            assert!(build(&s.parse().unwrap()).is_none(), "{s}");
        }
    }

    #[test]
    fn big_message_7_1_6_repeats_its_pattern_to_256_kib() {
        let def = case("7.1.6");
        assert_eq!(
            frames("7.1.6"),
            [
                (1, true, b"BAsd7&jh23".to_vec(), Some(262_144)),
                (1, true, HELLO.to_vec(), None),
                (8, true, vec![0x03, 0xe8], None),
                (9, true, Vec::new(), None),
            ]
        );
        assert_eq!(def.adjust, Adjust::Informational);
        assert_eq!(
            def.expected,
            [
                ("OK".into(), vec![Expect::Message(HELLO.to_vec(), false)]),
                ("NON-STRICT".into(), vec![]),
            ]
        );
        assert_eq!(def.expected_close, expect_close(true, &[1000], true));
    }

    #[test]
    fn invalid_reason_7_5_1_goes_out_raw_and_is_reported_in_hex() {
        let def = case("7.5.1");
        let mut payload = vec![0x03, 0xe8];
        payload.extend_from_slice(INVALID_REASON);
        assert_eq!(frames("7.5.1"), [(8, true, payload, None)]);
        assert_eq!(def.adjust, Adjust::WrongCodeFailsBehaviorHexCloseReason);
        assert_eq!(def.expected_close, expect_close(true, &[1002, 1007], false));
    }

    #[test]
    fn close_codes_go_out_as_the_whole_payload() {
        for (s, code) in [
            ("7.9.1", 0u16),
            ("7.9.2", 999),
            ("7.9.6", 1016),
            ("7.9.9", 2999),
        ] {
            let def = case(s);
            assert_eq!(frames(s), [(8, true, code.to_be_bytes().to_vec(), None)]);
            assert_eq!(
                def.description,
                format!("Send close with invalid close code {code}")
            );
            assert_eq!(def.expected_close, expect_close(true, &[1002], false));
            assert_eq!(def.adjust, Adjust::WrongCodeFailsBehavior);
        }
        assert_eq!(
            case("7.7.1").expected_close,
            expect_close(true, &[1000, 1000], true)
        );
        assert_eq!(frames("7.7.13"), [(8, true, vec![0x13, 0x87], None)]);
        let undefined = case("7.13.2");
        assert_eq!(frames("7.13.2"), [(8, true, vec![0xff, 0xff], None)]);
        assert_eq!(undefined.adjust, Adjust::UndefinedBySpec);
        assert_eq!(
            undefined.expected_close,
            expect_close(true, &[1000, 65535, 1002], false)
        );
    }

    #[test]
    fn close_payload_lengths() {
        let lens: Vec<Vec<usize>> = (1..=6)
            .map(|n| {
                frames(&format!("7.3.{n}"))
                    .iter()
                    .map(|f| f.2.len())
                    .collect()
            })
            .collect();
        assert_eq!(lens, [[0], [1], [2], [14], [125], [126]]);
        assert_eq!(frames("7.3.2")[0].2, b"a");
        assert_eq!(
            frames("7.1.5"),
            [
                (1, false, b"fragment1".to_vec(), None),
                (8, true, vec![0x03, 0xe8], None),
                (0, true, b"fragment2".to_vec(), None),
            ]
        );
    }
}

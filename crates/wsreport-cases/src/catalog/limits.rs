//! Category 9, Limits/Performance: large messages and many round trips.
//!
//! 9.1–9.6 send one large message, text or binary, and judge the case on its echo's type and
//! length within a per-case time ([`AwaitEcho`]): 9.1/9.2 as one frame of 64 KiB to 16 MiB,
//! 9.3/9.4 as a 4 MiB message in fragments of 64 octets to 4 MiB, 9.5/9.6 as a 1 MiB frame
//! written in chops of 64 to 2048 octets. 9.7/9.8 send 1000 text/binary messages of 0 to 4096
//! octets, each on the previous echo, to time the round trips ([`EchoSeries`]). Every case
//! reports its duration and expects the fuzzer to close cleanly with 1000 once it has its
//! verdict; none has `expected` lists.
//!
//! Some texts of the testsuite are irregular and kept because reports carry them: 9.2.5 says
//! "(16M)" of its 8 MiB, 9.3.9 "(8M)" of its 4 MiB, 9.6.2–9.6.6 expect a "text" echo of their
//! binary message, and 9.4.x words a wrong-type echo as "but got binary".

use crate::catalog::{
    Adjust, AwaitEcho, BigSend, CaseDef, EchoSeries, FrameSpec, Repeated, Step, close_code,
    expect_close,
};
use crate::model::CaseId;

/// The pattern of 9.1's and 9.5's text frames.
const TEXT_PATTERN: &[u8] = b"BAsd7&jh23";
/// The pattern of 9.2's and 9.6's binary frames.
const BINARY_PATTERN: &[u8] = b"\x00\xfe\x23\xfa\xf0";

/// 9.1.n, 9.2.n: frame length, how the description writes it, seconds to wait in 9.1 and 9.2.
const FRAME_SIZES: [(usize, &str, u32, u32); 6] = [
    (64 << 10, "64 * 2**10 (64k)", 10, 10),
    (256 << 10, "256 * 2**10 (256k)", 10, 10),
    (1 << 20, "1 * 2**20 (1M)", 100, 10),
    (4 << 20, "4 * 2**20 (4M)", 100, 10),
    (8 << 20, "8 * 2**20 (8M)", 100, 100),
    (16 << 20, "16 * 2**20 (16M)", 100, 100),
];

/// 9.3, 9.4: the message length, and the seconds to wait.
const FRAGMENTED_LEN: usize = 4 << 20;
const FRAGMENTED_WAIT: u32 = 100;
/// 9.3.n, 9.4.n: fragment size, how the description writes it.
const FRAGMENT_SIZES: [(usize, &str); 9] = [
    (64, "64"),
    (256, "256"),
    (1 << 10, "1k"),
    (4 << 10, "4k"),
    (16 << 10, "16k"),
    (64 << 10, "64k"),
    (256 << 10, "256k"),
    (1 << 20, "1M"),
    (4 << 20, "4M"),
];

/// 9.5, 9.6: the frame length, and the seconds to wait.
const CHOPPED_LEN: usize = 1 << 20;
const CHOPPED_WAIT: u32 = 1000;
/// 9.5.n, 9.6.n: octets per write.
const CHOP_SIZES: [usize; 6] = [64, 128, 256, 512, 1024, 2048];

/// 9.7.n, 9.8.n: payload length, message count, seconds the series may take.
const SERIES: [(usize, usize, u32); 6] = [
    (0, 1000, 60),
    (16, 1000, 60),
    (64, 1000, 60),
    (256, 1000, 120),
    (1024, 1000, 240),
    (4096, 1000, 480),
];

/// Subcategory → number of cases, in the testsuite's order.
const SUBCATEGORIES: [(u32, usize); 8] = [
    (1, FRAME_SIZES.len()),
    (2, FRAME_SIZES.len()),
    (3, FRAGMENT_SIZES.len()),
    (4, FRAGMENT_SIZES.len()),
    (5, CHOP_SIZES.len()),
    (6, CHOP_SIZES.len()),
    (7, SERIES.len()),
    (8, SERIES.len()),
];

/// The ids of this category, in the testsuite's order.
pub fn ids() -> Vec<CaseId> {
    SUBCATEGORIES
        .iter()
        .flat_map(|&(sub, n)| {
            (1..=n).map(move |i| format!("9.{sub}.{i}").parse().expect("valid id"))
        })
        .collect()
}

/// The definition of one case of this category.
pub fn build(id: &CaseId) -> Option<CaseDef> {
    let &[9, sub, n] = id.parts() else {
        return None;
    };
    let i = (n as usize).checked_sub(1)?;
    let (description, expectation, step) = match sub {
        1 | 2 => one_frame(sub == 2, n, *FRAME_SIZES.get(i)?),
        3 | 4 => fragmented(sub == 4, n, *FRAGMENT_SIZES.get(i)?),
        5 | 6 => chopped(sub == 6, n, *CHOP_SIZES.get(i)?),
        7 | 8 => series(sub == 8, *SERIES.get(i)?),
        _ => return None,
    };
    Some(CaseDef {
        id: id.clone(),
        description,
        expectation,
        steps: vec![step],
        expected: Vec::new(),
        expected_close: expect_close(true, &[close_code::NORMAL], true),
        adjust: Adjust::None,
        report_time: true,
        deflate: None,
    })
}

fn kind(binary: bool) -> &'static str {
    if binary { "binary" } else { "text" }
}

fn echoed(binary: bool) -> String {
    format!(
        "Receive echo'ed {} message (with payload as sent).",
        kind(binary)
    )
}

fn wrong_type(binary: bool) -> String {
    let (want, got) = if binary {
        ("binary", "text")
    } else {
        ("text", "binary")
    };
    format!("Expected {want} message with payload, but got {got}.")
}

/// The step of 9.1–9.6: `send`, then wait for its echo.
fn await_echo(send: BigSend, binary: bool, wait_secs: u32) -> Step {
    Step::SendAndAwaitEcho(AwaitEcho {
        send,
        wait_secs,
        wrong_type_result: wrong_type(binary),
    })
}

/// 9.1.n (text) and 9.2.n (binary): one frame, the pattern repeated.
fn one_frame(
    binary: bool,
    n: u32,
    (len, shown, text_wait, binary_wait): (usize, &str, u32, u32),
) -> (String, String, Step) {
    let (opcode, pattern, wait) = if binary {
        (2, BINARY_PATTERN, binary_wait)
    } else {
        (1, TEXT_PATTERN, text_wait)
    };
    // the testsuite's slip, carried by reports
    let shown = if binary && n == 5 {
        "8 * 2**20 (16M)"
    } else {
        shown
    };
    let frame = FrameSpec::new(opcode, pattern).payload_len(len);
    (
        format!(
            "Send {} message message with payload of length {shown}.",
            kind(binary)
        ),
        echoed(binary),
        await_echo(BigSend::Frame(frame), binary, wait),
    )
}

/// 9.3.n (text) and 9.4.n (binary): a 4 MiB message in fragments.
fn fragmented(binary: bool, n: u32, (size, shown): (usize, &str)) -> (String, String, Step) {
    // only 9.4.1 sends 0xfe octets; the other binary cases send `*` as the text ones do
    let pattern: &[u8] = if binary && n == 1 { b"\xfe" } else { b"*" };
    let send = BigSend::Message {
        payload: Repeated::new(pattern, FRAGMENTED_LEN),
        binary,
        fragment_size: size,
    };
    // the testsuite's slip, carried by reports
    let total = if !binary && n == 9 { "(8M)" } else { "(4M)" };
    let mut step = await_echo(send, binary, FRAGMENTED_WAIT);
    if let Step::SendAndAwaitEcho(echo) = &mut step
        && binary
    {
        // 9.4.x words a text echo as if it were binary
        echo.wrong_type_result = "Expected binary message with payload, but got binary.".into();
    }
    (
        format!(
            "Send fragmented {} message message with message payload of length 4 * 2**20 {total}. Sent out in fragments of {shown}.",
            kind(binary)
        ),
        echoed(binary),
        step,
    )
}

/// 9.5.n (text) and 9.6.n (binary): a 1 MiB frame written `chop` octets per write.
fn chopped(binary: bool, n: u32, chop: usize) -> (String, String, Step) {
    let (opcode, pattern) = if binary {
        (2, BINARY_PATTERN)
    } else {
        (1, TEXT_PATTERN)
    };
    let frame = FrameSpec::new(opcode, pattern)
        .payload_len(CHOPPED_LEN)
        .chop(chop);
    // the testsuite's slip, carried by reports: 9.6.2–9.6.6 expect a text echo in words
    let expectation = echoed(binary && n == 1);
    (
        format!(
            "Send {} message message with payload of length 1 * 2**20 (1M). Sent out data in chops of {chop} octets.",
            kind(binary)
        ),
        expectation,
        await_echo(BigSend::Frame(frame), binary, CHOPPED_WAIT),
    )
}

/// 9.7.n (text `*`) and 9.8.n (binary `0xfe`): `count` messages of `len` octets, one by one.
fn series(binary: bool, (len, count, wait_secs): (usize, usize, u32)) -> (String, String, Step) {
    let frame = if binary {
        FrameSpec::new(2, &b"\xfe"[..])
    } else {
        FrameSpec::new(1, &b"*"[..])
    };
    let kind = kind(binary);
    (
        format!(
            "Send {count} {kind} messages of payload size {len} to measure implementation/network RTT (round trip time) / latency."
        ),
        format!(
            "Receive echo'ed {kind} messages (with payload as sent). Timeout case after {wait_secs} secs."
        ),
        Step::EchoSeries(EchoSeries {
            frame: frame.payload_len(len),
            count,
            wait_secs,
        }),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{FragmentEnd, planned_frames};

    fn case(id: &str) -> CaseDef {
        build(&id.parse().unwrap()).unwrap()
    }

    fn echo(def: &CaseDef) -> &AwaitEcho {
        match def.steps.as_slice() {
            [Step::SendAndAwaitEcho(e)] => e,
            other => panic!("{}: {other:?}", def.id),
        }
    }

    #[test]
    fn ids_are_the_testsuites_in_order() {
        let ids: Vec<String> = ids().iter().map(ToString::to_string).collect();
        assert_eq!(ids.len(), 54);
        assert_eq!(
            &ids[..7],
            [
                "9.1.1", "9.1.2", "9.1.3", "9.1.4", "9.1.5", "9.1.6", "9.2.1"
            ]
        );
        assert_eq!(&ids[12..14], ["9.3.1", "9.3.2"]);
        assert_eq!(&ids[20..22], ["9.3.9", "9.4.1"]);
        assert_eq!(ids.last().map(String::as_str), Some("9.8.6"));
    }

    #[test]
    fn every_id_builds_cheaply_and_nothing_else_does() {
        for id in ids() {
            let def = build(&id).unwrap();
            assert_eq!(def.id, id);
            assert!(def.report_time && def.expected.is_empty() && def.deflate.is_none());
            assert_eq!(def.expected_close, expect_close(true, &[1000], true));
            // payloads are described, not built
            let described: usize = match &def.steps[0] {
                Step::SendAndAwaitEcho(AwaitEcho {
                    send: BigSend::Frame(f),
                    ..
                })
                | Step::EchoSeries(EchoSeries { frame: f, .. }) => f.payload.len(),
                Step::SendAndAwaitEcho(AwaitEcho {
                    send: BigSend::Message { payload, .. },
                    ..
                }) => payload.pattern.len(),
                other => panic!("{id}: {other:?}"),
            };
            assert!(described <= TEXT_PATTERN.len(), "{id}");
        }
        for other in ["9.1.7", "9.3.10", "9.9.1", "9.1", "9.0.1", "8.1.1"] {
            assert!(build(&other.parse().unwrap()).is_none(), "{other}");
        }
    }

    #[test]
    fn a_16_mib_text_frame_waits_100_seconds() {
        let def = case("9.1.6");
        let e = echo(&def);
        assert_eq!(
            e.send,
            BigSend::Frame(FrameSpec::new(1, TEXT_PATTERN).payload_len(16 * 1024 * 1024))
        );
        assert!(!e.binary());
        assert_eq!(e.len(), 16_777_216);
        assert_eq!(e.wait_secs, 100);
        assert_eq!(
            e.timeout_result(),
            "Did not receive message within 100 seconds."
        );
        assert_eq!(
            e.ok_result(16_777_216),
            "Received text message of length 16777216."
        );
        assert_eq!(
            e.wrong_length_result(5),
            "Expected text message with payload of length 16777216, but got 5."
        );
        assert_eq!(
            e.wrong_type_result,
            "Expected text message with payload, but got binary."
        );
        let frames = planned_frames(&def.steps, FragmentEnd::Full);
        assert_eq!(frames.len(), 1);
        assert_eq!(
            (
                frames[0].opcode,
                frames[0].payload.len(),
                frames[0].payload_len
            ),
            (1, 10, Some(16_777_216))
        );
    }

    #[test]
    fn binary_frames_and_their_waits() {
        let waits: Vec<u32> = (1..=6)
            .map(|n| echo(&case(&format!("9.2.{n}"))).wait_secs)
            .collect();
        assert_eq!(waits, [10, 10, 10, 10, 100, 100]);
        let def = case("9.2.3");
        let e = echo(&def);
        assert_eq!(
            e.send,
            BigSend::Frame(FrameSpec::new(2, BINARY_PATTERN).payload_len(1 << 20))
        );
        assert!(e.binary());
        assert_eq!(
            e.wrong_type_result,
            "Expected binary message with payload, but got text."
        );
        assert_eq!(
            e.ok_result(1 << 20),
            "Received binary message of length 1048576."
        );
        assert_eq!(
            case("9.2.5").description,
            "Send binary message message with payload of length 8 * 2**20 (16M)."
        );
    }

    #[test]
    fn fragmented_messages_cut_as_autobahn_cuts_them() {
        let def = case("9.4.1");
        let e = echo(&def);
        assert_eq!(
            e.send,
            BigSend::Message {
                payload: Repeated::new(&b"\xfe"[..], 4 << 20),
                binary: true,
                fragment_size: 64
            }
        );
        // kosoku: 65536 full fragments, the last final
        let frames = planned_frames(&def.steps, FragmentEnd::Full);
        assert_eq!(frames.len(), 65536);
        assert_eq!((frames[65535].fin, frames[65535].payload.len()), (true, 64));
        // wstest: and an empty final continuation frame
        let frames = planned_frames(&def.steps, FragmentEnd::EmptyFinal);
        assert_eq!(frames.len(), 65537);
        assert_eq!((frames[0].opcode, frames[0].fin), (2, false));
        assert_eq!(frames[0].payload, vec![0xfe; 64]);
        assert!(frames[1..65536].iter().all(|f| f.opcode == 0 && !f.fin));
        let last = frames.last().unwrap();
        assert_eq!((last.opcode, last.fin, last.payload.len()), (0, true, 0));

        // a fragment as large as the message: one frame
        let frames = planned_frames(&case("9.4.9").steps, FragmentEnd::Full);
        assert_eq!(frames.len(), 1);
        assert_eq!((frames[0].opcode, frames[0].fin), (2, true));
        assert_eq!(frames[0].payload, vec![b'*'; 4 << 20]);
        assert_eq!(
            echo(&case("9.4.2")).wrong_type_result,
            "Expected binary message with payload, but got binary."
        );
    }

    #[test]
    fn chopped_frames_are_written_in_pieces() {
        let def = case("9.6.4");
        let e = echo(&def);
        assert_eq!(
            e.send,
            BigSend::Frame(
                FrameSpec::new(2, BINARY_PATTERN)
                    .payload_len(1 << 20)
                    .chop(512)
            )
        );
        assert_eq!(e.wait_secs, 1000);
        assert_eq!(
            def.expectation,
            "Receive echo'ed text message (with payload as sent)."
        );
        assert_eq!(
            planned_frames(&def.steps, FragmentEnd::Full)[0].chopsize,
            Some(512)
        );
    }

    #[test]
    fn round_trip_series() {
        let def = case("9.7.1");
        assert_eq!(
            def.steps,
            [Step::EchoSeries(EchoSeries {
                frame: FrameSpec::new(1, &b"*"[..]).payload_len(0),
                count: 1000,
                wait_secs: 60
            })]
        );
        let frames = planned_frames(&def.steps, FragmentEnd::Full);
        assert_eq!(frames.len(), 1000);
        assert!(frames.iter().all(|f| f.payload_len == Some(0)));
        let def = case("9.8.6");
        let Step::EchoSeries(s) = &def.steps[0] else {
            panic!()
        };
        assert_eq!(
            (s.frame.opcode, s.frame.wire_len(), s.count, s.wait_secs),
            (2, 4096, 1000, 480)
        );
        assert_eq!(
            def.description,
            "Send 1000 binary messages of payload size 4096 to measure implementation/network RTT (round trip time) / latency."
        );
        assert_eq!(
            s.timeout_result(),
            "Case did not finish within 480 seconds."
        );
    }
}

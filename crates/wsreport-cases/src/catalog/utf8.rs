//! Category 6: UTF-8 handling of text messages.
//!
//! 6.1–6.4 are written out one by one; 6.5–6.23 are generated from `FAMILIES`, the table of
//! UTF-8 test vectors (after Markus Kuhn's UTF-8 decoder stress test) that the testsuite walks:
//! family `k` of the table is subcategory `6.(k + 5)`, vector `j` is case `6.(k + 5).j`. Each
//! vector goes out as one text message; a valid one must come back, an invalid one must make
//! the peer fail the connection with 1007.
//!
//! Texts follow the reports of the real testsuite (wstest, Python 2): payload hex is plain
//! (`0x68656c…`), and payloads are sent as the raw octets of the table.

use crate::catalog::{CaseDef, Expect, FrameSpec, Step, close_code, expect_close};
use crate::model::{CaseId, ExpectedClose, Verdict};

/// One family of test vectors: `(valid UTF-8, octets)` in the testsuite's order.
type Vectors = Vec<(bool, Vec<u8>)>;

/// How a family's vectors are given: listed, or made by a rule the testsuite states.
enum Family {
    /// Listed as `(valid, octets)`.
    Listed(&'static [(bool, &'static [u8])]),
    /// Made by a rule.
    Rule(fn() -> Vectors),
}

/// `κόσμε`, the testsuite's multi-octet sample text.
const KOSME: &[u8] = b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5";

/// 3.3 of the stress test: sequences with their last continuation octet missing.
const TRUNCATED: [&[u8]; 10] = [
    b"\xc0",
    b"\xe0\x80",
    b"\xf0\x80\x80",
    b"\xf8\x80\x80\x80",
    b"\xfc\x80\x80\x80\x80",
    b"\xdf",
    b"\xef\xbf",
    b"\xf7\xbf\xbf",
    b"\xfb\xbf\xbf\xbf",
    b"\xfd\xbf\xbf\xbf\xbf",
];

/// The test-vector table, subcategories 6.5 to 6.23 in order.
const FAMILIES: &[Family] = &[
    // 6.5 Some valid UTF-8 sequences
    Family::Listed(&[
        (true, b"hello\x24world"),
        (true, b"hello\xc2\xa2world"),
        (true, b"hello\xe2\x82\xacworld"),
        (true, b"hello\xf0\xa4\xad\xa2world"),
        (true, KOSME),
    ]),
    // 6.6 All prefixes of a valid UTF-8 string that contains multi-byte code points
    Family::Rule(kosme_prefixes),
    // 6.7 First possible sequence of a certain length
    Family::Listed(&[
        (true, b"\x00"),
        (true, b"\xc2\x80"),
        (true, b"\xe0\xa0\x80"),
        (true, b"\xf0\x90\x80\x80"),
    ]),
    // 6.8 First possible sequence length 5/6 (invalid codepoints)
    Family::Listed(&[
        (false, b"\xf8\x88\x80\x80\x80"),
        (false, b"\xfc\x84\x80\x80\x80\x80"),
    ]),
    // 6.9 Last possible sequence of a certain length
    Family::Listed(&[
        (true, b"\x7f"),
        (true, b"\xdf\xbf"),
        (true, b"\xef\xbf\xbf"),
        (true, b"\xf4\x8f\xbf\xbf"),
    ]),
    // 6.10 Last possible sequence length 4/5/6 (invalid codepoints)
    Family::Listed(&[
        (false, b"\xf7\xbf\xbf\xbf"),
        (false, b"\xfb\xbf\xbf\xbf\xbf"),
        (false, b"\xfd\xbf\xbf\xbf\xbf\xbf"),
    ]),
    // 6.11 Other boundary conditions
    Family::Listed(&[
        (true, b"\xed\x9f\xbf"),
        (true, b"\xee\x80\x80"),
        (true, b"\xef\xbf\xbd"),
        (true, b"\xf4\x8f\xbf\xbf"),
        (false, b"\xf4\x90\x80\x80"),
    ]),
    // 6.12 Unexpected continuation bytes
    Family::Rule(unexpected_continuations),
    // 6.13 Lonely start characters
    Family::Rule(lonely_starts),
    // 6.14 Sequences with last continuation byte missing
    Family::Rule(|| TRUNCATED.iter().map(|s| (false, s.to_vec())).collect()),
    // 6.15 Concatenation of incomplete sequences
    Family::Rule(|| vec![(false, TRUNCATED.concat())]),
    // 6.16 Impossible bytes
    Family::Listed(&[
        (false, b"\xfe"),
        (false, b"\xff"),
        (false, b"\xfe\xfe\xff\xff"),
    ]),
    // 6.17 Examples of an overlong ASCII character
    Family::Listed(&[
        (false, b"\xc0\xaf"),
        (false, b"\xe0\x80\xaf"),
        (false, b"\xf0\x80\x80\xaf"),
        (false, b"\xf8\x80\x80\x80\xaf"),
        (false, b"\xfc\x80\x80\x80\x80\xaf"),
    ]),
    // 6.18 Maximum overlong sequences
    Family::Listed(&[
        (false, b"\xc1\xbf"),
        (false, b"\xe0\x9f\xbf"),
        (false, b"\xf0\x8f\xbf\xbf"),
        (false, b"\xf8\x87\xbf\xbf\xbf"),
        (false, b"\xfc\x83\xbf\xbf\xbf\xbf"),
    ]),
    // 6.19 Overlong representation of the NUL character
    Family::Listed(&[
        (false, b"\xc0\x80"),
        (false, b"\xe0\x80\x80"),
        (false, b"\xf0\x80\x80\x80"),
        (false, b"\xf8\x80\x80\x80\x80"),
        (false, b"\xfc\x80\x80\x80\x80\x80"),
    ]),
    // 6.20 Single UTF-16 surrogates
    Family::Listed(&[
        (false, b"\xed\xa0\x80"),
        (false, b"\xed\xad\xbf"),
        (false, b"\xed\xae\x80"),
        (false, b"\xed\xaf\xbf"),
        (false, b"\xed\xb0\x80"),
        (false, b"\xed\xbe\x80"),
        (false, b"\xed\xbf\xbf"),
    ]),
    // 6.21 Paired UTF-16 surrogates
    Family::Listed(&[
        (false, b"\xed\xa0\x80\xed\xb0\x80"),
        (false, b"\xed\xa0\x80\xed\xbf\xbf"),
        (false, b"\xed\xad\xbf\xed\xb0\x80"),
        (false, b"\xed\xad\xbf\xed\xbf\xbf"),
        (false, b"\xed\xae\x80\xed\xb0\x80"),
        (false, b"\xed\xae\x80\xed\xbf\xbf"),
        (false, b"\xed\xaf\xbf\xed\xb0\x80"),
        (false, b"\xed\xaf\xbf\xed\xbf\xbf"),
    ]),
    // 6.22 Non-character code points (valid UTF-8)
    Family::Rule(non_characters),
    // 6.23 Unicode specials (i.e. replacement char)
    Family::Listed(&[
        (true, b"\xef\xbf\xb9"),
        (true, b"\xef\xbf\xba"),
        (true, b"\xef\xbf\xbb"),
        (true, b"\xef\xbf\xbc"),
        (true, b"\xef\xbf\xbd"),
        (true, b"\xef\xbf\xbe"),
        (true, b"\xef\xbf\xbf"),
    ]),
];

/// The first subcategory the table fills.
const FIRST_FAMILY: u32 = 5;

/// 6.6: every prefix of `κόσμε`, valid exactly when it ends on a code point boundary.
fn kosme_prefixes() -> Vectors {
    (1..=KOSME.len())
        .map(|n| {
            (
                std::str::from_utf8(&KOSME[..n]).is_ok(),
                KOSME[..n].to_vec(),
            )
        })
        .collect()
}

/// 6.12: continuation octets on their own, then 0x80..=0xbe in one message.
fn unexpected_continuations() -> Vectors {
    let mut v: Vectors = [
        &b"\x80"[..],
        b"\xbf",
        b"\x80\xbf",
        b"\x80\xbf\x80",
        b"\x80\xbf\x80\xbf",
        b"\x80\xbf\x80\xbf\x80",
        b"\x80\xbf\x80\xbf\x80\xbf",
    ]
    .iter()
    .map(|s| (false, s.to_vec()))
    .collect();
    v.push((false, (0x80..0xbf).collect()));
    v
}

/// 6.13: each group of start octets, each followed by a space (the group's last one left out,
/// as the testsuite's half-open ranges do).
fn lonely_starts() -> Vectors {
    [
        (0xc0, 0xdf),
        (0xe0, 0xef),
        (0xf0, 0xf7),
        (0xf8, 0xfb),
        (0xfc, 0xfd),
    ]
    .iter()
    .map(|&(lo, hi)| (false, (lo..hi).flat_map(|b: u8| [b, b' ']).collect()))
    .collect()
}

/// 6.22: U+FFFE, U+FFFF, then U+xFFFE and U+xFFFF of planes 1..=16 (valid UTF-8 by RFC 3629).
fn non_characters() -> Vectors {
    let mut v: Vectors = vec![
        (true, b"\xef\xbf\xbe".to_vec()),
        (true, b"\xef\xbf\xbf".to_vec()),
    ];
    for z1 in 0xf0..=0xf4u8 {
        for z2 in [0x8f, 0x9f, 0xaf, 0xbf] {
            // past U+10FFFF, or overlong
            if (z1 == 0xf4 && z2 != 0x8f) || (z1 == 0xf0 && z2 == 0x8f) {
                continue;
            }
            for z3 in [0xbe, 0xbf] {
                v.push((true, vec![z1, z2, 0xbf, z3]));
            }
        }
    }
    v
}

fn family(sub: u32) -> Option<Vectors> {
    let f = FAMILIES.get(sub.checked_sub(FIRST_FAMILY)? as usize)?;
    Some(match f {
        Family::Listed(l) => l.iter().map(|&(ok, s)| (ok, s.to_vec())).collect(),
        Family::Rule(make) => make(),
    })
}

/// Octets as lower-case hex, as `binascii.b2a_hex` writes them.
fn hex(octets: &[u8]) -> String {
    octets.iter().map(|b| format!("{b:02x}")).collect()
}

/// Sample text the hand-written cases use, and its hex (shown as UTF-8 text in reports).
const HELLO: &str = "Hello-µ@ßöäüàá-UTF-8!!";
/// 6.2.2's split of [`HELLO`] on a code point boundary.
const HELLO_SPLIT: usize = "Hello-µ@ßöä".len();
/// 6.3.x: `κόσμε`, a lone surrogate (invalid exactly at its second octet), `edited`.
const KOSME_SURROGATE_EDITED: &[u8] =
    b"\xce\xba\xe1\xbd\xb9\xcf\x83\xce\xbc\xce\xb5\xed\xa0\x80edited";
/// 6.4.x: `κόσμε`, 0x110000 in the UTF-8 integer scheme (past U+10FFFF), `edited`.
const PARTS_6_4: [&[u8]; 3] = [KOSME, b"\xf4\x90\x80\x80", b"edited"];

const ECHOED: &str = "The message is echo'ed back to us.";
const FAILED_AT_ONCE: &str =
    "The connection is failed immediately, since the payload is not valid UTF-8.";

fn id(sub: u32, n: usize) -> CaseId {
    format!("6.{sub}.{n}").parse().expect("a case id")
}

/// The ids of this category, in the testsuite's order.
pub fn ids() -> Vec<CaseId> {
    let mut out: Vec<CaseId> = [(1, 3), (2, 4), (3, 2), (4, 4)]
        .iter()
        .flat_map(|&(sub, n)| (1..=n).map(move |j| id(sub, j)))
        .collect();
    for sub in FIRST_FAMILY..FIRST_FAMILY + FAMILIES.len() as u32 {
        let n = family(sub).map_or(0, |v| v.len());
        out.extend((1..=n).map(|j| id(sub, j)));
    }
    out
}

/// The definition of one case of this category.
pub fn build(case: &CaseId) -> Option<CaseDef> {
    let &[6, sub, n] = case.parts() else {
        return None;
    };
    let n = n as usize;
    let def = match sub {
        1 => zero_length(n)?,
        2 => valid_text(n)?,
        3 => invalid_text(n)?,
        4 => fail_fast(n)?,
        _ => {
            let (valid, payload) = family(sub)?.into_iter().nth(n.checked_sub(1)?)?;
            vector(valid, payload)
        }
    };
    Some(CaseDef {
        id: case.clone(),
        ..def
    })
}

/// A case that expects one text message back and closes itself (after the echo, or 1 s).
fn echoed(description: String, payload: &[u8], steps: Vec<Step>) -> CaseDef {
    CaseDef {
        id: id(0, 0),
        description,
        expectation: ECHOED.into(),
        steps,
        expected: vec![(
            Verdict::Ok.as_str().into(),
            vec![Expect::Message(payload.to_vec(), false)],
        )],
        expected_close: expect_close(true, &[close_code::NORMAL], true),
        adjust: crate::catalog::Adjust::None,
        report_time: false,
        deflate: None,
    }
}

/// The peer must fail the connection with 1007; if we close first, the behaviour fails too.
fn fails_on_utf8() -> ExpectedClose {
    ExpectedClose {
        closed_by_wrong_endpoint_is_fatal: Some(true),
        ..expect_close(false, &[close_code::INVALID_PAYLOAD], false)
    }
}

fn failed(description: String, expectation: &str, expected: Vec<(String, Vec<Expect>)>) -> CaseDef {
    CaseDef {
        id: id(0, 0),
        description,
        expectation: expectation.into(),
        steps: Vec::new(),
        expected,
        expected_close: fails_on_utf8(),
        adjust: crate::catalog::Adjust::None,
        report_time: false,
        deflate: None,
    }
}

fn text(payload: &[u8], fin: bool) -> Step {
    Step::Frame(FrameSpec::new(1, payload).fin(fin))
}

fn continuation(payload: &[u8], fin: bool) -> Step {
    Step::Frame(FrameSpec::new(0, payload).fin(fin))
}

/// 6.1.x: text messages whose frames are empty.
fn zero_length(n: usize) -> Option<CaseDef> {
    let middle = b"middle frame payload";
    let (description, expectation, steps, payload): (_, _, _, &[u8]) = match n {
        1 => (
            "Send text message of length 0.",
            "A message is echo'ed back to us (with empty payload).",
            vec![text(b"", true)],
            b"",
        ),
        2 => (
            "Send fragmented text message, 3 fragments each of length 0.",
            "A message is echo'ed back to us (with empty payload).",
            vec![
                text(b"", false),
                continuation(b"", false),
                continuation(b"", true),
            ],
            b"",
        ),
        3 => (
            "Send fragmented text message, 3 fragments, first and last of length 0, middle non-empty.",
            "A message is echo'ed back to us (with payload = payload of middle fragment).",
            vec![
                text(b"", false),
                continuation(middle, false),
                continuation(b"", true),
            ],
            middle,
        ),
        _ => return None,
    };
    let mut steps = steps;
    steps.push(Step::CloseAfter(1.0));
    Some(CaseDef {
        expectation: expectation.into(),
        ..echoed(description.into(), payload, steps)
    })
}

/// 6.2.x: valid UTF-8, whole, split on a code point boundary, and split into single octets.
fn valid_text(n: usize) -> Option<CaseDef> {
    let hello = HELLO.as_bytes();
    let one_octet = "Send a valid UTF-8 text message in fragments of 1 octet, resulting in frames \
                     ending on positions which are not code point ends.";
    let shown = |p: &[u8]| format!("{}<br>{}", String::from_utf8_lossy(p), hex(p));
    let message = |p: &[u8]| Step::Message {
        payload: p.to_vec(),
        binary: false,
        fragment_size: (n >= 3).then_some(1),
    };
    let (description, payload, mut steps) = match n {
        1 => (
            format!(
                "Send a valid UTF-8 text message in one fragment.<br><br>MESSAGE:<br>{}",
                shown(hello)
            ),
            hello,
            vec![message(hello)],
        ),
        2 => {
            let (a, b) = hello.split_at(HELLO_SPLIT);
            (
                format!(
                    "Send a valid UTF-8 text message in two fragments, fragmented on UTF-8 code \
                     point boundary.<br><br>MESSAGE FRAGMENT 1:<br>{}<br><br>MESSAGE FRAGMENT \
                     2:<br>{}",
                    shown(a),
                    shown(b)
                ),
                hello,
                vec![text(a, false), continuation(b, true)],
            )
        }
        3 => (
            format!("{one_octet}<br><br>MESSAGE:<br>{}", shown(hello)),
            hello,
            vec![message(hello)],
        ),
        4 => (
            format!("{one_octet}<br><br>MESSAGE:<br>{}", shown(KOSME)),
            KOSME,
            vec![message(KOSME)],
        ),
        _ => return None,
    };
    steps.push(Step::CloseAfter(1.0));
    Some(echoed(description, payload, steps))
}

/// 6.3.x: invalid UTF-8, whole and in single octets.
fn invalid_text(n: usize) -> Option<CaseDef> {
    let how = match n {
        1 => "unfragmented",
        2 => {
            "in fragments of 1 octet, resulting in frames ending on positions which are not \
             code point ends"
        }
        _ => return None,
    };
    let description = format!(
        "Send invalid UTF-8 text message {how}.<br><br>MESSAGE:<br>{}",
        hex(KOSME_SURROGATE_EDITED)
    );
    Some(CaseDef {
        steps: vec![
            Step::Message {
                payload: KOSME_SURROGATE_EDITED.to_vec(),
                binary: false,
                fragment_size: (n == 2).then_some(1),
            },
            Step::KillAfter(1.0),
        ],
        ..failed(
            description,
            FAILED_AT_ONCE,
            vec![(Verdict::Ok.as_str().into(), Vec::new())],
        )
    })
}

/// 6.4.x: an invalid message in three parts with 1 s between them. The peer should fail the
/// connection on the part that makes the payload invalid (OK); failing it only at the end of
/// the message is NON-STRICT. Parts are frames (6.4.1/6.4.2) or chops of one frame
/// (6.4.3/6.4.4), cut after the invalid code point (6.4.1/6.4.3) or at its first bad octet
/// (6.4.2/6.4.4).
fn fail_fast(n: usize) -> Option<CaseDef> {
    let whole = PARTS_6_4.concat();
    let at_octet = n == 2 || n == 4;
    let chops = n >= 3;
    let parts: [&[u8]; 3] = if at_octet {
        [&whole[..12], &whole[12..13], &whole[13..]]
    } else {
        PARTS_6_4
    };
    // 6.4.4's text shows PART3 as the testsuite computes it: `PAYLOAD3[13:]`, which is empty.
    let shown3: &[u8] = if n == 4 { b"" } else { parts[2] };
    let lead = match n {
        1 => {
            "Send invalid UTF-8 text message in 3 fragments (frames).\nFirst frame payload is \
             valid, then wait, then 2nd frame which contains the payload making the sequence \
             invalid, then wait, then 3rd frame with rest.\nNote that PART1 and PART3 are valid \
             UTF-8 in themselves, PART2 is a 0x110000 encoded as in the UTF-8 integer encoding \
             scheme, but the codepoint is invalid (out of range)."
        }
        2 => {
            "Same as Case 6.4.1, but in 2nd frame, we send only up to and including the octet \
             making the complete payload invalid."
        }
        3 => {
            "Same as Case 6.4.1, but we send message not in 3 frames, but in 3 chops of the \
             same message frame."
        }
        4 => {
            "Same as Case 6.4.2, but we send message not in 3 frames, but in 3 chops of the \
             same message frame."
        }
        _ => return None,
    };
    let description = format!(
        "{lead}\n<br><br>MESSAGE PARTS:<br>\nPART1 = {}<br>\nPART2 = {}<br>\nPART3 = {}<br>\n",
        hex(parts[0]),
        hex(parts[1]),
        hex(shown3)
    );
    let unit = if chops { "chop" } else { "frame" };
    let expectation = format!(
        "The first {unit} is accepted, we expect to timeout on the first wait. The 2nd {unit} \
         should be rejected immediately (fail fast on UTF-8). If we timeout, we expect the \
         connection is failed at least then, since the complete message payload is not valid \
         UTF-8."
    );
    let (first, second, third) = if chops {
        (
            vec![
                Step::BeginMessage { binary: false },
                Step::BeginMessageFrame(whole.len()),
                Step::MessageFrameData(parts[0].to_vec()),
            ],
            vec![Step::MessageFrameData(parts[1].to_vec())],
            vec![Step::MessageFrameData(parts[2].to_vec()), Step::EndMessage],
        )
    } else {
        (
            vec![text(parts[0], false)],
            vec![continuation(parts[1], false)],
            vec![continuation(parts[2], true)],
        )
    };
    let later = |tag: &str, steps| Step::Later {
        delay: 1.0,
        tag: Some(tag.into()),
        only_if_open: true,
        record_timeout: true,
        steps,
    };
    let mut steps = first;
    let mut last = third;
    last.push(Step::KillAfter(1.0));
    let mut middle = second;
    middle.push(later("B", last));
    steps.push(later("A", middle));
    let timeout = |t: &str| Expect::Timeout(t.into());
    Some(CaseDef {
        steps,
        ..failed(
            description,
            &expectation,
            vec![
                (Verdict::Ok.as_str().into(), vec![timeout("A")]),
                (
                    Verdict::NonStrict.as_str().into(),
                    vec![timeout("A"), timeout("B")],
                ),
            ],
        )
    })
}

/// 6.5–6.23: one vector of the table as one text message; the connection is dropped after
/// 0.5 s whatever happens.
fn vector(valid: bool, payload: Vec<u8>) -> CaseDef {
    let steps = vec![
        Step::Message {
            payload: payload.clone(),
            binary: false,
            fragment_size: None,
        },
        Step::KillAfter(0.5),
    ];
    let is = if valid { "is" } else { "is not" };
    let description = format!(
        "Send a text message with payload which {is} valid UTF-8 in one fragment.<br><br>\
         Payload: 0x{}",
        hex(&payload)
    );
    if valid {
        CaseDef {
            steps,
            ..echoed(description, &payload, Vec::new())
        }
    } else {
        CaseDef {
            steps,
            ..failed(
                description,
                FAILED_AT_ONCE,
                vec![(Verdict::Ok.as_str().into(), Vec::new())],
            )
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{FragmentEnd, planned_frames};

    fn case(s: &str) -> CaseDef {
        build(&s.parse().unwrap()).unwrap_or_else(|| panic!("{s} not built"))
    }

    /// Case counts per subcategory, 6.1 to 6.23, as the testsuite lists them.
    const COUNTS: [usize; 23] = [
        3, 4, 2, 4, 5, 11, 4, 2, 4, 3, 5, 8, 5, 10, 1, 3, 5, 5, 5, 7, 8, 34, 7,
    ];

    #[test]
    #[ignore = "reads ../shared (cases.tsv and the corpus)"]
    fn matches_the_real_reports_and_cases_tsv() {
        reference::check("6", &ids(), build);
    }

    #[test]
    fn ids_are_the_testsuites_in_order() {
        let want: Vec<String> = COUNTS
            .iter()
            .enumerate()
            .flat_map(|(i, &n)| (1..=n).map(move |j| format!("6.{}.{j}", i + 1)))
            .collect();
        let got: Vec<String> = ids().iter().map(ToString::to_string).collect();
        assert_eq!(got.len(), 145);
        assert_eq!(got, want);
    }

    #[test]
    fn every_id_builds_and_nothing_else_does() {
        for id in ids() {
            let def = build(&id).unwrap_or_else(|| panic!("{id}"));
            assert_eq!(def.id, id);
            assert!(!def.steps.is_empty(), "{id}");
            assert!(
                !planned_frames(&def.steps, FragmentEnd::Full).is_empty(),
                "{id}"
            );
        }
        for s in [
            "6.1.4", "6.5.6", "6.22.35", "6.24.1", "6.0.1", "6.1", "7.1.1",
        ] {
            assert!(build(&s.parse().unwrap()).is_none(), "{s}");
        }
    }

    #[test]
    fn table_validity_agrees_with_a_utf8_decoder() {
        for sub in FIRST_FAMILY..FIRST_FAMILY + FAMILIES.len() as u32 {
            for (j, (valid, p)) in family(sub).unwrap().iter().enumerate() {
                assert_eq!(*valid, std::str::from_utf8(p).is_ok(), "6.{sub}.{}", j + 1);
            }
        }
    }

    #[test]
    fn vectors_send_raw_octets_and_say_so_in_hex() {
        let ok = case("6.5.2");
        assert_eq!(
            ok.description,
            "Send a text message with payload which is valid UTF-8 in one fragment.\
             <br><br>Payload: 0x68656c6c6fc2a2776f726c64"
        );
        assert_eq!(ok.expectation, "The message is echo'ed back to us.");
        assert_eq!(
            ok.expected,
            [(
                "OK".to_string(),
                vec![Expect::Message("hello¢world".into(), false)]
            )]
        );
        assert_eq!(ok.expected_close, expect_close(true, &[1000], true));
        assert_eq!(
            ok.steps,
            [
                Step::Message {
                    payload: "hello¢world".into(),
                    binary: false,
                    fragment_size: None
                },
                Step::KillAfter(0.5)
            ]
        );

        let bad = case("6.12.8");
        let all: Vec<u8> = (0x80..=0xbe).collect();
        assert_eq!(
            planned_frames(&bad.steps, FragmentEnd::Full)[0].payload,
            all
        );
        assert!(
            bad.description
                .contains("not valid UTF-8 in one fragment.<br><br>Payload: 0x808182")
        );
        assert!(bad.description.ends_with("bcbdbe"));
        assert_eq!(bad.expected, [("OK".to_string(), vec![])]);
        assert_eq!(bad.expected_close.close_code, [1007]);
        assert_eq!(bad.expected_close.closed_by_me, Some(false));
        assert_eq!(bad.expected_close.require_clean, Some(false));
        assert_eq!(
            bad.expected_close.closed_by_wrong_endpoint_is_fatal,
            Some(true)
        );

        assert_eq!(
            planned_frames(&case("6.13.1").steps, FragmentEnd::Full)[0]
                .payload
                .len(),
            2 * 31
        );
        assert_eq!(case("6.15.1").steps.len(), 2);
        assert_eq!(
            planned_frames(&case("6.22.34").steps, FragmentEnd::Full)[0].payload,
            b"\xf4\x8f\xbf\xbf"
        );
        assert_eq!(
            planned_frames(&case("6.22.3").steps, FragmentEnd::Full)[0].payload,
            b"\xf0\x9f\xbf\xbe"
        );
    }

    #[test]
    fn fail_fast_6_4_1_waits_between_frames_and_records_timeouts() {
        let def = case("6.4.1");
        assert!(def.description.ends_with(
            "<br><br>MESSAGE PARTS:<br>\nPART1 = cebae1bdb9cf83cebcceb5<br>\n\
             PART2 = f4908080<br>\nPART3 = 656469746564<br>\n"
        ));
        let frames: Vec<(u8, bool, Vec<u8>)> = planned_frames(&def.steps, FragmentEnd::Full)
            .into_iter()
            .map(|f| (f.opcode, f.fin, f.payload))
            .collect();
        assert_eq!(
            frames,
            [
                (1, false, KOSME.to_vec()),
                (0, false, b"\xf4\x90\x80\x80".to_vec()),
                (0, true, b"edited".to_vec()),
            ]
        );
        // the frames after the first wait for timers A and B, each only if still open
        let Step::Later {
            delay,
            tag,
            only_if_open,
            record_timeout,
            steps,
        } = &def.steps[1]
        else {
            panic!("{:?}", def.steps)
        };
        assert_eq!(
            (*delay, tag.as_deref(), *only_if_open, *record_timeout),
            (1.0, Some("A"), true, true)
        );
        let Step::Later {
            tag, steps: last, ..
        } = &steps[1]
        else {
            panic!("{steps:?}")
        };
        assert_eq!(tag.as_deref(), Some("B"));
        assert_eq!(last[1], Step::KillAfter(1.0));
        assert_eq!(
            def.expected,
            [
                ("OK".to_string(), vec![Expect::Timeout("A".into())]),
                (
                    "NON-STRICT".to_string(),
                    vec![Expect::Timeout("A".into()), Expect::Timeout("B".into())]
                ),
            ]
        );
        assert_eq!(def.expected_close, fails_on_utf8());
    }

    #[test]
    fn fail_fast_chops_write_one_frame_and_end_it_empty() {
        let def = case("6.4.4");
        assert!(def.description.ends_with("PART2 = 90<br>\nPART3 = <br>\n"));
        assert!(def.expectation.starts_with("The first chop is accepted"));
        let f = planned_frames(&def.steps, FragmentEnd::Full);
        assert_eq!(f.len(), 1);
        assert_eq!((f[0].opcode, f[0].fin, f[0].payload.len()), (0, true, 0));
        assert_eq!(def.steps[1], Step::BeginMessageFrame(21));
    }

    #[test]
    fn one_octet_fragments_end_with_wstests_empty_frame_or_without() {
        let full = planned_frames(&case("6.2.4").steps, FragmentEnd::Full);
        assert_eq!(full.len(), KOSME.len());
        assert!(full[KOSME.len() - 1].fin && full[KOSME.len() - 1].payload.len() == 1);
        let f = planned_frames(&case("6.2.4").steps, FragmentEnd::EmptyFinal);
        assert_eq!(f.len(), KOSME.len() + 1);
        assert!(
            f[..KOSME.len()]
                .iter()
                .all(|p| !p.fin && p.payload.len() == 1)
        );
        assert_eq!((f[0].opcode, f[1].opcode), (1, 0));
        assert!(f[KOSME.len()].fin && f[KOSME.len()].payload.is_empty());
        assert_eq!(
            case("6.2.4").description,
            "Send a valid UTF-8 text message in fragments of 1 octet, resulting in frames \
             ending on positions which are not code point ends.<br><br>MESSAGE:<br>κ\u{1f79}σμε<br>\
             cebae1bdb9cf83cebcceb5"
        );
        assert_eq!(
            case("6.2.2").description,
            "Send a valid UTF-8 text message in two fragments, fragmented on UTF-8 code point \
             boundary.<br><br>MESSAGE FRAGMENT 1:<br>Hello-µ@ßöä<br>48656c6c6f2dc2b540c39fc3b6c3a4\
             <br><br>MESSAGE FRAGMENT 2:<br>üàá-UTF-8!!<br>c3bcc3a0c3a12d5554462d382121"
        );
    }
}

/// Checks a category against the references beside the checkout (`#[ignore]`d tests call it):
/// the real testsuite's reports (wstest 25.10.1, `../shared/corpus`), and `cases.tsv`, which
/// was written by kosoku, whose Python 3 case files show payload hex as `b'…'` and re-encode
/// the table's valid vectors as Latin-1 text (so its expected payloads are mojibake).
#[cfg(test)]
pub(crate) mod reference {
    use std::collections::BTreeMap;
    use std::path::{Path, PathBuf};

    use crate::catalog::{CaseDef, Expect};
    use crate::model::{CaseId, Event, shown_payload};

    /// The corpus directory written by testsuite 25.10.1.
    const REPORTS: &str = "../shared/corpus/status-im__nim-websock/server-devel";

    fn shared(rel: &str) -> PathBuf {
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).join(rel)
    }

    /// Rows of a tab-separated file with `"`-quoted fields (`""` inside).
    fn tsv(text: &str) -> Vec<Vec<String>> {
        let (mut rows, mut row, mut field) = (Vec::new(), Vec::new(), String::new());
        let mut chars = text.chars().peekable();
        let mut quoted = false;
        while let Some(c) = chars.next() {
            match (quoted, c) {
                (true, '"') if chars.peek() == Some(&'"') => {
                    chars.next();
                    field.push('"');
                }
                (true, '"') => quoted = false,
                (false, '"') if field.is_empty() => quoted = true,
                (false, '\t') => row.push(std::mem::take(&mut field)),
                (false, '\n') => {
                    row.push(std::mem::take(&mut field));
                    rows.push(std::mem::take(&mut row));
                }
                (_, c) => field.push(c),
            }
        }
        rows
    }

    fn shown(e: &Expect, mojibake: bool) -> Event {
        let text = |p: &[u8]| {
            if mojibake && std::str::from_utf8(p).is_ok() {
                let latin1: String = p.iter().map(|&b| char::from(b)).collect();
                shown_payload(latin1.as_bytes())
            } else {
                shown_payload(p)
            }
        };
        match e {
            Expect::Message(p, binary) => Event::Message {
                payload: text(p),
                binary: *binary,
            },
            Expect::Ping(p) => Event::Ping(text(p)),
            Expect::Pong(p) => Event::Pong(text(p)),
            Expect::Timeout(t) => Event::Timeout(t.clone()),
        }
    }

    fn expected(def: &CaseDef, mojibake: bool) -> BTreeMap<String, Vec<Event>> {
        def.expected
            .iter()
            .map(|(k, v)| (k.clone(), v.iter().map(|e| shown(e, mojibake)).collect()))
            .collect()
    }

    fn json_events(v: &serde_json::Value) -> BTreeMap<String, Vec<Event>> {
        let event = |e: &serde_json::Value| {
            let a = e.as_array().unwrap();
            let s = |i: usize| a[i].as_str().unwrap().to_string();
            match a[0].as_str().unwrap() {
                "message" => Event::Message {
                    payload: s(1),
                    binary: a[2].as_bool().unwrap(),
                },
                "ping" => Event::Ping(s(1)),
                "pong" => Event::Pong(s(1)),
                "timeout" => Event::Timeout(s(1)),
                other => panic!("{other}"),
            }
        };
        v.as_object()
            .unwrap()
            .iter()
            .map(|(k, l)| (k.clone(), l.as_array().unwrap().iter().map(event).collect()))
            .collect()
    }

    /// Compares every case of a category; panics on any difference from the real reports and
    /// on any difference from `cases.tsv` that its kosoku artefacts do not explain. Prints the
    /// figures.
    pub(crate) fn check(category: &str, ids: &[CaseId], build: fn(&CaseId) -> Option<CaseDef>) {
        let mut problems = Vec::new();
        // the real testsuite's reports
        let mut real_equal = 0;
        for id in ids {
            let def = build(id).unwrap();
            let file = shared(REPORTS).join(format!("websock_server_case_{}.json", id.file_stem()));
            let case = crate::load::read_case_file(&file).unwrap();
            let theirs: BTreeMap<String, Vec<Event>> = case.expected.iter().cloned().collect();
            let mut same = true;
            for (what, ok) in [
                ("description", def.description == case.description),
                ("expectation", def.expectation == case.expectation),
                ("expected", expected(&def, false) == theirs),
                ("expectedClose", def.expected_close == case.expected_close),
                ("reportTime", Some(def.report_time) == case.report_time),
            ] {
                if !ok {
                    same = false;
                    problems.push(format!("{id}: {what} differs from the 25.10.1 report"));
                }
            }
            real_equal += usize::from(same);
        }
        // cases.tsv
        let text = std::fs::read_to_string(shared("../shared/spec/cases.tsv")).unwrap();
        let rows = tsv(&text);
        let col = |name: &str| rows[0].iter().position(|h| h == name).unwrap();
        let (c_id, c_desc, c_exp) = (col("id"), col("description"), col("expectation"));
        let (c_events, c_close, c_time) =
            (col("expected"), col("expectedClose"), col("reportTime"));
        let tsv_ids: Vec<&str> = rows[1..]
            .iter()
            .filter(|r| r[c_id].split('.').next() == Some(category))
            .map(|r| r[c_id].as_str())
            .collect();
        let our_ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
        if tsv_ids != our_ids {
            problems.push("ids or their order differ from cases.tsv".into());
        }
        let b_hex = regex::Regex::new("b'([0-9a-f]*)'").unwrap();
        let mut n = [0usize; 7];
        for r in rows[1..]
            .iter()
            .filter(|r| tsv_ids.contains(&r[c_id].as_str()))
        {
            let id: CaseId = r[c_id].parse().unwrap();
            let def = build(&id).unwrap();
            let close: crate::model::ExpectedClose = {
                let v: serde_json::Value = serde_json::from_str(&r[c_close]).unwrap();
                let b = |k: &str| v.get(k).and_then(|x| x.as_bool());
                crate::model::ExpectedClose {
                    closed_by_me: b("closedByMe"),
                    close_code: v["closeCode"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .map(|c| c.as_u64().unwrap())
                        .collect(),
                    require_clean: b("requireClean"),
                    closed_by_wrong_endpoint_is_fatal: b("closedByWrongEndpointIsFatal"),
                }
            };
            let events = json_events(&serde_json::from_str(&r[c_events]).unwrap());
            let desc_plain = b_hex.replace_all(&r[c_desc], "$1");
            n[0] += usize::from(def.description == r[c_desc]);
            n[1] += usize::from(def.description == desc_plain);
            n[2] += usize::from(def.expectation == r[c_exp]);
            n[3] += usize::from(expected(&def, false) == events);
            n[4] += usize::from(expected(&def, true) == events);
            n[5] += usize::from(def.expected_close == close);
            n[6] += usize::from(def.report_time.to_string() == r[c_time].to_lowercase());
            if def.expectation != r[c_exp] {
                problems.push(format!("{id}: expectation differs from cases.tsv"));
            }
            if def.expected_close != close
                || def.report_time.to_string() != r[c_time].to_lowercase()
            {
                problems.push(format!(
                    "{id}: expectedClose/reportTime differ from cases.tsv"
                ));
            }
            if expected(&def, false) != events && expected(&def, true) != events {
                problems.push(format!(
                    "{id}: expected differs from cases.tsv beyond mojibake"
                ));
            }
            if def.description != desc_plain {
                println!("{id}: description differs from cases.tsv beyond b'…' hex");
            }
        }
        let total = tsv_ids.len();
        println!(
            "category {category}: {real_equal}/{} cases equal the 25.10.1 reports in every field",
            ids.len()
        );
        println!(
            "cases.tsv: {total} rows; description {}/{total} as written, {}/{total} once b'…' is \
             plain hex; expectation {}/{total}; expected {}/{total} as written, {}/{total} once \
             valid vectors are re-encoded as Latin-1; expectedClose {}/{total}; reportTime {}/{total}",
            n[0], n[1], n[2], n[3], n[4], n[5], n[6]
        );
        // The frames themselves are checked against the corpus by tests/corpus_frames.rs.
        assert!(problems.is_empty(), "{}", problems.join("\n"));
    }
}

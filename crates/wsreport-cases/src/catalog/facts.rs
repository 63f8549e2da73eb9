//! What a case is about, drawn from what it sends and expects ([`CaseDef`]): the facts the
//! diagnosis needs to say which faults make a case fail (chopped writes, fragments, reserved
//! bits and opcodes, pings, invalid UTF-8, close codes, message sizes, permessage-deflate).
//! Computed from the case's own steps, so they cannot drift from what the replay engine sends.

use std::collections::HashMap;
use std::sync::OnceLock;

use serde::Serialize;

use super::{BigSend, CaseDef, Expect, FragmentEnd, Step, fragments};
use crate::model::CaseId;

/// The facts about one case.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct CaseFacts {
    /// Some frame is written in chops (`chopsize`) or as raw pieces: it reaches the peer in
    /// several reads.
    pub chopped: bool,
    /// The largest frame payload sent, in octets (a frame over 64 KiB is split across reads
    /// whatever the chops).
    pub largest_frame: usize,
    /// A data message is sent in more than one frame.
    pub fragmented: bool,
    /// A control frame is sent between the fragments of a message.
    pub control_inside_fragments: bool,
    /// Some frame has RSV bits set (and no extension was negotiated).
    pub rsv: bool,
    /// Some frame has a reserved opcode (3-7, 11-15).
    pub reserved_opcode: bool,
    /// Pings sent.
    pub pings: usize,
    /// Pongs the OK expectation lists, with their payloads in order.
    pub pongs_expected: Vec<Vec<u8>>,
    /// Messages the OK expectation lists.
    pub messages_expected: usize,
    /// Of those, text messages.
    pub text_messages_expected: usize,
    /// The peer must fail the connection on invalid UTF-8 (an accepted close code is 1007).
    pub invalid_utf8: bool,
    /// The fuzzer starts the closing handshake (`expectedClose.closedByMe`).
    pub fuzzer_closes: bool,
    /// A clean close is required (`requireClean`).
    pub clean_required: bool,
    /// The peer must fail the connection (`closedByMe` false).
    pub peer_must_fail: bool,
    /// The close code the case's own close frame carries (7.x).
    pub close_code_sent: Option<u16>,
    /// The close codes the case accepts from the peer.
    pub close_codes_accepted: Vec<u64>,
    /// 9.x: the message size in octets.
    pub message_size: Option<usize>,
    /// 9.x: frames per message.
    pub frames_per_message: Option<usize>,
    /// permessage-deflate is offered (12.x, 13.x).
    pub deflate: bool,
}

fn reserved_opcode(op: u8) -> bool {
    (3..=7).contains(&op) || op >= 11
}

fn walk(steps: &[Step], f: &mut CaseFacts, auto_fragment: &mut usize, in_message: &mut bool) {
    for s in steps {
        match s {
            Step::Frame(fr) => {
                f.chopped |= fr.chopsize.is_some();
                f.largest_frame = f.largest_frame.max(fr.wire_len());
                f.rsv |= fr.rsv != 0;
                f.reserved_opcode |= reserved_opcode(fr.opcode);
                if fr.opcode == 9 {
                    f.pings += 1;
                    f.control_inside_fragments |= *in_message;
                }
                if matches!(fr.opcode, 0..=2) {
                    f.fragmented |= !fr.fin || fr.opcode == 0;
                    *in_message = !fr.fin;
                }
            }
            Step::Message {
                payload,
                fragment_size,
                ..
            } => {
                let size = fragment_size.unwrap_or(*auto_fragment);
                let n = fragments(payload.len(), size, FragmentEnd::Full).len();
                f.fragmented |= n > 1;
                f.largest_frame = f.largest_frame.max(if size == 0 {
                    payload.len()
                } else {
                    size.min(payload.len())
                });
            }
            Step::AutoFragmentSize(n) => *auto_fragment = *n,
            Step::BeginMessage { .. } => *in_message = true,
            Step::BeginMessageFrame(n) => f.largest_frame = f.largest_frame.max(*n),
            Step::MessageFrameData(_) => f.chopped = true,
            Step::EndMessage => {
                f.fragmented = true;
                *in_message = false;
            }
            Step::Close { code, .. } | Step::CloseFrame { code, .. } => {
                f.close_code_sent = f.close_code_sent.or(*code)
            }
            Step::Later { steps, .. } => walk(steps, f, auto_fragment, in_message),
            Step::SendAndAwaitEcho(echo) => {
                f.message_size = Some(echo.len());
                match &echo.send {
                    BigSend::Frame(fr) => {
                        f.chopped |= fr.chopsize.is_some();
                        f.largest_frame = f.largest_frame.max(fr.wire_len());
                        f.frames_per_message = Some(1);
                    }
                    BigSend::Message {
                        payload,
                        fragment_size,
                        ..
                    } => {
                        let n = fragments(payload.len, *fragment_size, FragmentEnd::Full).len();
                        f.fragmented |= n > 1;
                        f.frames_per_message = Some(n);
                        f.largest_frame = f.largest_frame.max(*fragment_size);
                    }
                }
            }
            Step::EchoSeries(series) => {
                f.message_size = Some(series.frame.wire_len());
                f.frames_per_message = Some(1);
                f.largest_frame = f.largest_frame.max(series.frame.wire_len());
            }
            Step::DeflateSeries(series) => f.message_size = Some(series.len),
            Step::KillAfter(_) | Step::CloseAfter(_) => {}
        }
    }
}

impl CaseFacts {
    /// The facts of a case definition.
    pub fn of(def: &CaseDef) -> CaseFacts {
        let mut f = CaseFacts::default();
        walk(&def.steps, &mut f, &mut 0, &mut false);
        if let Some((_, ok)) = def.expected.iter().find(|(w, _)| w == "OK") {
            for e in ok {
                match e {
                    Expect::Pong(p) => f.pongs_expected.push(p.clone()),
                    Expect::Message(_, binary) => {
                        f.messages_expected += 1;
                        f.text_messages_expected += usize::from(!binary);
                    }
                    _ => {}
                }
            }
        }
        let ec = &def.expected_close;
        f.close_codes_accepted = ec.close_code.clone();
        f.invalid_utf8 = ec.close_code.contains(&1007);
        f.fuzzer_closes = ec.closed_by_me == Some(true);
        f.peer_must_fail = ec.closed_by_me == Some(false);
        f.clean_required = ec.require_clean == Some(true);
        f.deflate = def.deflate.is_some();
        f
    }
}

/// The facts of case `id`, computed once per process; `None` when the catalog lacks the case.
pub fn facts(id: &CaseId) -> Option<&'static CaseFacts> {
    static ALL: OnceLock<HashMap<CaseId, CaseFacts>> = OnceLock::new();
    ALL.get_or_init(|| {
        super::all_ids()
            .into_iter()
            .filter_map(|id| {
                let def = super::build(&id)?;
                Some((id, CaseFacts::of(&def)))
            })
            .collect()
    })
    .get(id)
}

// ---- Facts from the case descriptions that the steps do not carry ----

/// How a case differs from its sibling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Difference {
    /// The same frames, written in smaller chops (octet-wise, frame-wise, 997 octets).
    Chopped,
    /// The same message, sent in fragments.
    Fragmented,
}

/// A case and the sibling it differs from in one respect.
#[derive(Debug, Clone, Copy)]
pub struct Pair {
    /// The case with the extra twist.
    pub variant: &'static str,
    /// The plain sibling.
    pub base: &'static str,
    /// What the twist is.
    pub difference: Difference,
    /// The twist in words.
    pub how: &'static str,
}

const fn chopped(variant: &'static str, base: &'static str, how: &'static str) -> Pair {
    Pair {
        variant,
        base,
        difference: Difference::Chopped,
        how,
    }
}

const fn fragmented(variant: &'static str, base: &'static str, how: &'static str) -> Pair {
    Pair {
        variant,
        base,
        difference: Difference::Fragmented,
        how,
    }
}

/// Pairs of cases that differ in one respect (from the descriptions in `cases.tsv`).
pub const PAIRS: &[Pair] = &[
    chopped("1.1.8", "1.1.7", "in chops of 997 octets"),
    chopped("1.2.8", "1.2.7", "in chops of 997 octets"),
    chopped("2.6", "2.4", "octet-wise"),
    chopped("2.11", "2.10", "octet-wise"),
    chopped("5.4", "5.3", "frame-wise"),
    chopped("5.5", "5.3", "octet-wise"),
    chopped("5.7", "5.6", "frame-wise"),
    chopped("5.8", "5.6", "octet-wise"),
    chopped("5.10", "5.9", "frame-wise"),
    chopped("5.11", "5.9", "octet-wise"),
    chopped("5.13", "5.12", "frame-wise"),
    chopped("5.14", "5.12", "octet-wise"),
    chopped(
        "6.4.3",
        "6.4.1",
        "as 3 chops of one frame instead of 3 frames",
    ),
    chopped(
        "6.4.4",
        "6.4.2",
        "as 3 chops of one frame instead of 3 frames",
    ),
    fragmented("6.2.2", "6.2.1", "in 2 fragments"),
    fragmented("6.2.3", "6.2.1", "in fragments of 1 octet"),
    fragmented("6.3.2", "6.3.1", "in fragments of 1 octet"),
    fragmented("5.6", "5.3", "with a ping between the fragments"),
];

/// The `permessage-deflate` offer of each 13.x group, in our words.
pub const DEFLATE_OFFERS: &[(&str, &str)] = &[
    ("13.1", "default offer"),
    ("13.2", "no context takeover"),
    ("13.3", "max window bits 9"),
    ("13.4", "max window bits 15"),
    ("13.5", "no context takeover, max window bits 9"),
    ("13.6", "no context takeover, max window bits 15"),
    (
        "13.7",
        "three offers: (no context takeover, 9), (no context takeover), (default)",
    ),
];

/// Known disputes about a case: where the testsuite's expectation is arguable.
pub fn disputes(id: &CaseId) -> Vec<&'static str> {
    match id.parts() {
        [2, 10] | [2, 11] => vec![
            "disputed: RFC 6455 §5.5.3 lets an endpoint that receives several pings before it \
             can answer reply only to the most recent one, so missing pongs here need not be a \
             bug; the case's own expectation says the behaviour is not required by the spec",
        ],
        [6, 4, _] => vec![
            "disputed: whether the peer can fail fast on invalid UTF-8 depends on how the octets \
             were chopped and on its read sizes; failing only at the end of the message is \
             NON-STRICT, which many conformant implementations show",
        ],
        [7, 7, _] => vec![
            "disputed: the set of valid close codes has grown since the testsuite was written \
             (1012-1014 were registered later), so a peer's idea of \"valid\" may differ from the \
             case's",
        ],
        [7, 9, _] => vec![
            "disputed: some codes older testsuites list as invalid (1012-1014) were later \
             registered with IANA as valid; accepting them is arguably correct",
        ],
        [12, 4, _] | [12, 5, _] => vec![
            "disputed: 12.4.x and 12.5.x are known to have testsuite data issues (their payloads), \
             so failures there may not be the implementation's fault",
        ],
        _ => Vec::new(),
    }
}

/// The pair a case belongs to as the variant (2.11 → 2.10, octet-wise).
pub fn sibling_of(id: &CaseId) -> Option<&'static Pair> {
    let me = id.to_string();
    PAIRS.iter().find(|p| p.variant == me)
}

/// The permessage-deflate offer of a 13.x case, in words.
pub fn offer(id: &CaseId) -> Option<&'static str> {
    let [13, g, ..] = id.parts() else {
        return None;
    };
    let key = format!("13.{g}");
    DEFLATE_OFFERS
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, o)| *o)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn f(id: &str) -> &'static CaseFacts {
        facts(&id.parse().unwrap()).unwrap()
    }

    #[test]
    fn facts_follow_what_the_cases_send() {
        assert!(f("2.11").chopped && !f("2.10").chopped);
        assert_eq!(f("2.10").pings, 10);
        assert_eq!(f("2.10").pongs_expected.len(), 10);
        assert!(f("1.1.8").chopped && f("1.1.7").largest_frame == 65536);
        assert!(f("3.1").rsv && !f("1.1.1").rsv);
        assert!(f("4.1.1").reserved_opcode);
        assert!(f("5.3").fragmented && !f("5.3").control_inside_fragments);
        assert!(f("5.6").control_inside_fragments);
        assert!(f("6.3.1").invalid_utf8 && f("6.3.1").peer_must_fail);
        assert!(f("7.5.1").invalid_utf8 && f("7.5.1").fuzzer_closes);
        assert_eq!(f("7.9.1").close_code_sent, Some(0));
        assert_eq!(f("9.1.1").message_size, Some(64 << 10));
        assert_eq!(f("9.3.1").frames_per_message, Some(65536));
        assert!(f("13.1.1").deflate);
        assert_eq!(sibling_of(&"2.11".parse().unwrap()).unwrap().base, "2.10");
        assert_eq!(offer(&"13.3.5".parse().unwrap()), Some("max window bits 9"));
    }
}

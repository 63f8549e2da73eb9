//! What each Autobahn case sends and expects, one file per category.
//!
//! A case is data ([`CaseDef`]): the steps the fuzzer performs on its connection (Autobahn's
//! `self.p.sendFrame`, `sendMessage`, `sendClose`, `killAfter`, `closeAfter`, `continueLater`,
//! …), the accepted event lists per verdict word, the expected closing, and the adjustments a
//! case makes to its verdict after the standard rules ([`Adjust`]). The replay engine executes
//! the steps in either role (client: our frames masked; server: unmasked); the judge applies
//! the rules. Facts come from `../shared/spec/cases.tsv` and the testsuite's case definitions;
//! the code is our own.
//!
//! Categories 9, 12 and 13 are reactive: what they send depends on the echoes, and they set
//! their verdict themselves. Their last step says how ([`Step::SendAndAwaitEcho`],
//! [`Step::EchoSeries`], [`Step::DeflateSeries`]; the rules are in [`AwaitEcho`] and its
//! siblings), and 12/13 negotiate permessage-deflate in the opening handshake
//! ([`CaseDef::deflate`]).
//!
//! Each category module exposes `IDS` (its case ids in the testsuite's order) and
//! `build(id) -> Option<CaseDef>`; payloads are built on demand, so listing cases is cheap.

use crate::model::{CaseId, ExpectedClose};

pub use deflate::{Deflate, DeflateAccept, DeflateOffer};
pub use facts::{CaseFacts, facts};
pub use plan::{
    Fragments, MAX_CLOSE_REASON, PlannedFrame, StepFrames, close_frame, close_payload,
    message_frames, planned_frames, step_frames,
};
pub use reaction::{
    AwaitEcho, BigSend, DeflateSeries, EchoSeries, FragmentEnd, Repeated, TestData, fragments,
};

/// Close status codes the cases use (RFC 6455 §7.4.1).
pub mod close_code {
    /// 1000
    pub const NORMAL: u16 = 1000;
    /// 1001
    pub const GOING_AWAY: u16 = 1001;
    /// 1002
    pub const PROTOCOL_ERROR: u16 = 1002;
    /// 1003
    pub const UNSUPPORTED_DATA: u16 = 1003;
    /// 1007
    pub const INVALID_PAYLOAD: u16 = 1007;
    /// 1008
    pub const POLICY_VIOLATION: u16 = 1008;
    /// 1009
    pub const MESSAGE_TOO_BIG: u16 = 1009;
    /// 1010
    pub const MANDATORY_EXTENSION: u16 = 1010;
    /// 1011
    pub const INTERNAL_ERROR: u16 = 1011;
}

/// One frame the fuzzer writes, valid or not (Autobahn's `sendFrame`).
#[derive(Debug, Clone, PartialEq)]
pub struct FrameSpec {
    /// Opcode, any 0..=15.
    pub opcode: u8,
    /// The payload, or the pattern repeated to `payload_len` octets.
    pub payload: Vec<u8>,
    /// FIN bit.
    pub fin: bool,
    /// RSV bits (0..=7).
    pub rsv: u8,
    /// `payload_len`: repeat `payload` to this many octets.
    pub payload_len: Option<usize>,
    /// `chopsize`: write the frame this many octets per write.
    pub chopsize: Option<usize>,
    /// `sync`: write the frame alone and flush.
    pub sync: bool,
}

impl FrameSpec {
    /// A final frame with no RSV bits, written whole.
    pub fn new(opcode: u8, payload: impl Into<Vec<u8>>) -> Self {
        FrameSpec {
            opcode,
            payload: payload.into(),
            fin: true,
            rsv: 0,
            payload_len: None,
            chopsize: None,
            sync: false,
        }
    }

    /// Sets FIN.
    pub fn fin(mut self, fin: bool) -> Self {
        self.fin = fin;
        self
    }

    /// Sets the RSV bits.
    pub fn rsv(mut self, rsv: u8) -> Self {
        self.rsv = rsv;
        self
    }

    /// Repeats the payload to `len` octets.
    pub fn payload_len(mut self, len: usize) -> Self {
        self.payload_len = Some(len);
        self
    }

    /// Writes the frame `n` octets per write.
    pub fn chop(mut self, n: usize) -> Self {
        self.chopsize = Some(n);
        self
    }

    /// Writes the frame alone and flushes.
    pub fn sync(mut self, sync: bool) -> Self {
        self.sync = sync;
        self
    }

    /// The payload length on the wire.
    pub fn wire_len(&self) -> usize {
        self.payload_len.unwrap_or(self.payload.len())
    }
}

/// One thing the fuzzer does on its connection, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// `sendFrame(…)`
    Frame(FrameSpec),
    /// `sendMessage(payload, isBinary, fragmentSize)`: one message, cut into frames of
    /// `fragment_size` (or of the auto-fragment size when set, else one frame).
    Message {
        /// The message.
        payload: Vec<u8>,
        /// Binary or text.
        binary: bool,
        /// `fragmentSize`
        fragment_size: Option<usize>,
    },
    /// `autoFragmentSize = n`: later messages go out in frames of n octets (0: whole). With
    /// permessage-deflate it is the compressed payload that is cut (12.x, 13.x).
    AutoFragmentSize(usize),
    /// `beginMessage(isBinary)`: start a message sent frame by frame.
    BeginMessage {
        /// Binary or text.
        binary: bool,
    },
    /// `beginMessageFrame(len)`: start a frame of `len` octets inside the message.
    BeginMessageFrame(usize),
    /// `sendMessageFrameData(data)`: octets of the current frame (written as given).
    MessageFrameData(Vec<u8>),
    /// `endMessage()`: a final empty continuation frame.
    EndMessage,
    /// `sendClose(code, reason)`: start the closing handshake.
    Close {
        /// Close code, if any.
        code: Option<u16>,
        /// Reason octets (may be invalid UTF-8 or too long on purpose).
        reason: Option<Vec<u8>>,
    },
    /// `sendCloseFrame(code, reasonUtf8)`: a raw close frame, no checks.
    CloseFrame {
        /// Close code, if any.
        code: Option<u16>,
        /// Reason octets.
        reason: Option<Vec<u8>>,
    },
    /// `killAfter(s)`: drop TCP after s seconds (wire log `KL`).
    KillAfter(f64),
    /// `closeAfter(s)`: start the closing handshake (code 1000) after s seconds (`TI`).
    CloseAfter(f64),
    /// `continueLater(s, fn, tag)`: after s seconds run `steps` (`CT`/`CTE`).
    Later {
        /// Seconds.
        delay: f64,
        /// The tag shown in the wire log and used in `timeout` events.
        tag: Option<String>,
        /// Run `steps` only if the connection is still open (cases check `state == OPEN`).
        only_if_open: bool,
        /// Record `["timeout", tag]` when the timer fires (and the connection is open when
        /// `only_if_open`).
        record_timeout: bool,
        /// What to do then.
        steps: Vec<Step>,
    },
    /// 9.1–9.6: send one large message and judge the case on its echo; see [`AwaitEcho`] for
    /// what the engine does and the verdicts. Reactive: the case's last step.
    SendAndAwaitEcho(AwaitEcho),
    /// 9.7, 9.8: one-frame messages, each sent on the previous one's echo; see
    /// [`EchoSeries`]. Reactive: the case's last step.
    EchoSeries(EchoSeries),
    /// 12.x, 13.x: compressed messages from a test data file, each sent on the previous one's
    /// echo, or UNIMPLEMENTED when permessage-deflate was not negotiated; see
    /// [`DeflateSeries`]. Reactive: the case's last step.
    DeflateSeries(DeflateSeries),
}

/// An event a case expects or observed, with full payloads (reports cut them; the judge
/// compares them whole).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expect {
    /// `("message", payload, binary)`
    Message(Vec<u8>, bool),
    /// `("ping", payload)`
    Ping(Vec<u8>),
    /// `("pong", payload)`
    Pong(Vec<u8>),
    /// `("timeout", tag)`
    Timeout(String),
}

/// What a case changes after the standard rules judged it.
#[derive(Debug, Clone, PartialEq)]
pub enum Adjust {
    /// Nothing.
    None,
    /// 7.1.6: both verdicts become INFORMATIONAL whatever happened.
    Informational,
    /// 7.x: a WRONG CODE close also fails the behaviour.
    WrongCodeFailsBehavior,
    /// 7.5.1: as [`Adjust::WrongCodeFailsBehavior`]; and the close reason we sent (invalid
    /// UTF-8 on purpose) is reported as `localCloseReason` in plain hex (`cebae1…`), or `?`
    /// when we sent none.
    WrongCodeFailsBehaviorHexCloseReason,
    /// 7.13.x: both verdicts become INFORMATIONAL whatever happened, with the result "Actual
    /// events are undefined by the spec." (7.1.6's [`Adjust::Informational`] words its result
    /// by the behaviour instead).
    UndefinedBySpec,
    /// 10.1.1: the frames we sent must be `len / size` continuation-or-text frames; a
    /// mismatch fails the behaviour.
    AutoFragmentCount {
        /// Message length.
        len: usize,
        /// Fragment size.
        size: usize,
    },
}

/// A case: what it sends, what it accepts.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseDef {
    /// The id.
    pub id: CaseId,
    /// `description`, as reports carry it.
    pub description: String,
    /// `expectation`, as reports carry it.
    pub expectation: String,
    /// What the fuzzer does once the connection is open.
    pub steps: Vec<Step>,
    /// Verdict word → accepted event list, in the testsuite's order.
    pub expected: Vec<(String, Vec<Expect>)>,
    /// `expectedClose`
    pub expected_close: ExpectedClose,
    /// After-judgement adjustment.
    pub adjust: Adjust,
    /// `reportTime`
    pub report_time: bool,
    /// The permessage-deflate negotiation of the opening handshake (12.x, 13.x); `None`: no
    /// extension offered or accepted.
    pub deflate: Option<Deflate>,
}

impl CaseDef {
    /// The test data file the case's messages come from (a [`DeflateSeries`], 12.x and 13.x):
    /// the engine's driver reads it and hands the octets to the case machine.
    pub fn test_data(&self) -> Option<TestData> {
        self.deflate_series().map(|series| series.data)
    }

    /// The compression series the case sends (12.x, 13.x).
    pub fn deflate_series(&self) -> Option<&DeflateSeries> {
        self.steps.iter().find_map(|s| match s {
            Step::DeflateSeries(series) => Some(series),
            _ => None,
        })
    }

    /// `reportCompressionRatio`: set by the cases that negotiate permessage-deflate.
    pub fn report_compression_ratio(&self) -> bool {
        self.deflate.is_some()
    }

    /// Why the verdict depends on timing, when it does. A case that sends a valid message and
    /// right behind it an invalid frame (3.2-3.4, 4.1.3-4.1.5, 4.2.3-4.2.5, 5.15) is OK when the peer's echo of the message leaves before the peer acts on that
    /// frame, NON-STRICT when it acts first: which comes first depends on how the peer's echo and our next frame
    /// cross, so the same peer gets either from run to run (wstest and kosoku alike). The fact
    /// is read off the case's own expected outcomes: OK with the echo, NON-STRICT without
    /// (7.1.6 has that shape too, with a close behind the message, but its verdicts are
    /// INFORMATIONAL whatever happens).
    pub fn timing_sensitive(&self) -> Option<&'static str> {
        let outcome = |word: &str| {
            self.expected
                .iter()
                .find(|(w, _)| w == word)
                .map(|(_, events)| events.as_slice())
        };
        let informational = matches!(self.adjust, Adjust::Informational | Adjust::UndefinedBySpec);
        match (outcome("OK"), outcome("NON-STRICT")) {
            (Some([Expect::Message(..)]), Some([])) if !informational => Some(
                "OK or NON-STRICT depending on whether the peer echoes the message before it acts \
                 on the frame sent right behind it (how its echo and our next frame cross)",
            ),
            _ => None,
        }
    }
}

/// The expected-close shorthand most cases use.
pub fn expect_close(closed_by_me: bool, codes: &[u16], require_clean: bool) -> ExpectedClose {
    ExpectedClose {
        closed_by_me: Some(closed_by_me),
        close_code: codes.iter().map(|&c| u64::from(c)).collect(),
        require_clean: Some(require_clean),
        closed_by_wrong_endpoint_is_fatal: None,
    }
}

pub mod close;
pub mod compression;
mod deflate;
pub mod facts;
pub mod fragmentation;
pub mod framing;
pub mod limits;
pub mod misc;
pub mod opcodes;
pub mod pings;
mod plan;
mod reaction;
pub mod reserved;
pub mod utf8;

/// One category's cases: ids in the testsuite's order, and how to build each.
struct Category {
    ids: fn() -> Vec<CaseId>,
    build: fn(&CaseId) -> Option<CaseDef>,
}

const CATEGORIES: &[Category] = &[
    Category {
        ids: framing::ids,
        build: framing::build,
    },
    Category {
        ids: pings::ids,
        build: pings::build,
    },
    Category {
        ids: reserved::ids,
        build: reserved::build,
    },
    Category {
        ids: opcodes::ids,
        build: opcodes::build,
    },
    Category {
        ids: fragmentation::ids,
        build: fragmentation::build,
    },
    Category {
        ids: utf8::ids,
        build: utf8::build,
    },
    Category {
        ids: close::ids,
        build: close::build,
    },
    Category {
        ids: limits::ids,
        build: limits::build,
    },
    Category {
        ids: misc::ids,
        build: misc::build,
    },
    Category {
        ids: compression::ids,
        build: compression::build,
    },
];

/// Every case the catalog knows, in the testsuite's order (the order that gives `case`
/// numbers and `/runCase?case=N`).
pub fn all_ids() -> Vec<CaseId> {
    CATEGORIES.iter().flat_map(|c| (c.ids)()).collect()
}

/// The definition of one case, if the catalog has it.
pub fn build(id: &CaseId) -> Option<CaseDef> {
    CATEGORIES.iter().find_map(|c| (c.build)(id))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_timing_sensitive_cases_are_those_seen_varying() {
        let sensitive: Vec<String> = all_ids()
            .iter()
            .filter(|id| build(id).unwrap().timing_sensitive().is_some())
            .map(ToString::to_string)
            .collect();
        // 3.3, 3.4, 4.1.5, 4.2.5 and 5.15 were seen giving both verdicts (benches/full_run.sh
        // against Python websockets, docs/deviations.md); the others have the same shape (so has
        // 7.1.6, INFORMATIONAL whatever happens).
        assert_eq!(
            sensitive,
            [
                "3.2", "3.3", "3.4", "4.1.3", "4.1.4", "4.1.5", "4.2.3", "4.2.4", "4.2.5", "5.15"
            ]
        );
    }

    #[test]
    fn ids_are_unique_and_in_numeric_order_within_a_category() {
        let ids = all_ids();
        let mut seen = std::collections::HashSet::new();
        for id in &ids {
            assert!(seen.insert(id.clone()), "{id} twice");
            let def = build(id).unwrap_or_else(|| panic!("{id} listed but not built"));
            assert_eq!(&def.id, id);
        }
    }

    #[test]
    fn a_reactive_step_is_the_last_and_only_one_and_judges_alone() {
        let reactive = |s: &Step| {
            matches!(
                s,
                Step::SendAndAwaitEcho(_) | Step::EchoSeries(_) | Step::DeflateSeries(_)
            )
        };
        let mut seen = 0;
        for id in all_ids() {
            let def = build(&id).unwrap();
            let n = def.steps.iter().filter(|s| reactive(s)).count();
            if n == 0 {
                assert!(def.deflate.is_none(), "{id}");
                continue;
            }
            seen += 1;
            assert_eq!(n, 1, "{id}");
            assert!(def.steps.last().is_some_and(reactive), "{id}");
            // the reaction sets the verdict: no expected list may override it
            assert!(def.expected.is_empty(), "{id}");
            let deflating = matches!(def.steps.last(), Some(Step::DeflateSeries(_)));
            assert_eq!(def.deflate.is_some(), deflating, "{id}");
        }
        assert_eq!(seen, 54 + 90 + 126);
    }

    #[test]
    fn messages_are_cut_into_fragments() {
        let steps = vec![
            Step::AutoFragmentSize(4),
            Step::Message {
                payload: b"abcdefghij".to_vec(),
                binary: false,
                fragment_size: None,
            },
            Step::Close {
                code: Some(1000),
                reason: Some(b"x".to_vec()),
            },
        ];
        let f = planned_frames(&steps, FragmentEnd::Full);
        let shape: Vec<(u8, bool, usize)> = f
            .iter()
            .map(|p| (p.opcode, p.fin, p.payload.len()))
            .collect();
        assert_eq!(
            shape,
            [(1, false, 4), (0, false, 4), (0, true, 2), (8, true, 3)]
        );
    }

    #[test]
    fn a_message_of_whole_fragments_ends_as_the_framing_says() {
        let steps = vec![Step::Message {
            payload: b"abcd".to_vec(),
            binary: true,
            fragment_size: Some(2),
        }];
        let shape = |end| -> Vec<(u8, bool, usize)> {
            planned_frames(&steps, end)
                .iter()
                .map(|p| (p.opcode, p.fin, p.payload.len()))
                .collect()
        };
        assert_eq!(shape(FragmentEnd::Full), [(2, false, 2), (0, true, 2)]);
        assert_eq!(
            shape(FragmentEnd::EmptyFinal),
            [(2, false, 2), (0, false, 2), (0, true, 0)]
        );
    }

    #[test]
    fn close_frames_carry_a_reason_without_a_code_and_end_message_is_a_frame() {
        let steps = vec![
            Step::BeginMessage { binary: false },
            Step::BeginMessageFrame(1),
            Step::MessageFrameData(b"a".to_vec()),
            Step::EndMessage,
            Step::CloseFrame {
                code: None,
                reason: Some(b"a".to_vec()),
            },
        ];
        let f = planned_frames(&steps, FragmentEnd::Full);
        assert_eq!(f.len(), 2);
        assert_eq!((f[0].opcode, f[0].fin, f[0].payload.len()), (0, true, 0));
        assert_eq!((f[1].opcode, f[1].payload.as_slice()), (8, &b"a"[..]));
    }
}

//! The testsuite's verdict rules (its `Case.onConnectionLost`), applied to what a replay
//! observed, with the `result`/`resultClose` sentences the testsuite writes.
//!
//! 1. `behavior`: the first expected list equal to the received events (full payloads, same
//!    order, same binary flag) gives its word; none gives FAILED.
//! 2. `behaviorClose`, only when the opening handshake completed (else FAILED): the wrong side
//!    closed → FAILED; `requireClean` and not clean → UNCLEAN; a peer close code not accepted →
//!    WRONG CODE; the fuzzer (as client) dropped TCP itself → FAILED BY CLIENT; else OK.
//!    `closedByWrongEndpointIsFatal` turns a wrong closer into a FAILED behaviour too.
//! 3. The case's [`Adjust`].
//!
//! The cases that judge themselves are not judged here: 9.1–9.6 (send and await the echo),
//! 9.7/9.8 (echo series) and 12.x/13.x (compressed series) set their `behavior` and `result`
//! as they go, in the engine's reaction steps (`replay::engine`, with the texts from
//! `replay::series`); they reach this judge with that verdict already set, and only the
//! closing rules (2.) apply to them.

use std::collections::BTreeMap;

use crate::catalog::{Adjust, CaseDef, Expect};
use crate::model::{Closing, Verdict};

/// What the judge needs to know about a connection.
#[derive(Debug, Clone, Copy)]
pub struct Observed<'a> {
    /// The received events, with full payloads.
    pub received: &'a [Expect],
    /// The closing fields.
    pub closing: &'a Closing,
    /// `connectionWasOpen`: the opening handshake completed.
    pub was_open: bool,
    /// `txFrameStats` (10.1.1 counts the frames it sent).
    pub tx_frames: &'a BTreeMap<u64, u64>,
}

/// The four verdict fields of a case.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judgement {
    /// `behavior`
    pub behavior: Verdict,
    /// `behaviorClose`
    pub behavior_close: Verdict,
    /// `result`
    pub result: String,
    /// `resultClose`
    pub result_close: String,
}

/// `result` when an expected list matched.
pub const MATCHED: &str = "Actual events match at least one expected.";
/// `result` when none did.
pub const DIFFER: &str = "Actual events differ from any expected.";

/// Judges a case as the testsuite does.
pub fn judge(def: &CaseDef, obs: &Observed<'_>) -> Judgement {
    let mut j = Judgement {
        behavior: Verdict::Failed,
        behavior_close: Verdict::Failed,
        result: DIFFER.into(),
        result_close: "TCP connection was dropped without close handshake".into(),
    };
    if let Some((word, _)) = def.expected.iter().find(|(_, e)| e == obs.received) {
        j.behavior = Verdict::parse(word);
        j.result = MATCHED.into();
    }
    let ec = &def.expected_close;
    let c = obs.closing;
    let closed_by_me = c.closed_by_me.unwrap_or(false);
    if obs.was_open {
        let wrong_closer = ec.closed_by_me != Some(closed_by_me);
        let (verdict, sentence) = if wrong_closer {
            (
                Verdict::Failed,
                "The connection was failed by the wrong endpoint".to_string(),
            )
        } else if ec.require_clean == Some(true) && c.was_clean != Some(true) {
            (
                Verdict::Unclean,
                "The spec requires the connection to be failed cleanly here".to_string(),
            )
        } else if c
            .remote_close_code
            .is_some_and(|code| !ec.close_code.contains(&code))
        {
            let codes: Vec<String> = ec.close_code.iter().map(u64::to_string).collect();
            (
                Verdict::WrongCode,
                format!(
                    "The close code should have been {} or empty",
                    codes.join(",")
                ),
            )
        } else if c.is_server != Some(true) && c.dropped_by_me == Some(true) {
            (
                Verdict::FailedByClient,
                "It is preferred that the server close the TCP connection".to_string(),
            )
        } else {
            (Verdict::Ok, "Connection was properly closed".to_string())
        };
        j.behavior_close = verdict;
        j.result_close = sentence;
        if ec.closed_by_wrong_endpoint_is_fatal == Some(true) && wrong_closer {
            j.behavior = Verdict::Failed;
        }
    } else {
        j.result_close = "The WebSocket opening handshake was never completed!".into();
    }
    adjust(def, obs, &mut j);
    j
}

fn adjust(def: &CaseDef, obs: &Observed<'_>, j: &mut Judgement) {
    match def.adjust {
        Adjust::None => {}
        Adjust::Informational => {
            if j.behavior == Verdict::Ok {
                j.result = "Text message was processed before close.".into();
            } else if j.behavior == Verdict::NonStrict {
                j.result = "Close was processed before text message could be returned.".into();
            }
            j.behavior = Verdict::Informational;
            j.behavior_close = Verdict::Informational;
        }
        Adjust::UndefinedBySpec => {
            j.result = "Actual events are undefined by the spec.".into();
            j.behavior = Verdict::Informational;
            j.behavior_close = Verdict::Informational;
        }
        // 7.5.1 also shows our close reason in hex; that is the report's business, not the
        // verdict's.
        Adjust::WrongCodeFailsBehavior | Adjust::WrongCodeFailsBehaviorHexCloseReason => {
            if j.behavior_close == Verdict::WrongCode {
                j.behavior = Verdict::Failed;
                j.result = j.result_close.clone();
            }
        }
        Adjust::AutoFragmentCount { len, size } => {
            if !obs.was_open {
                j.behavior = Verdict::Failed;
                j.result = "WebSocket connection was never open".into();
                return;
            }
            let size = size.max(1);
            let want = (len / size, usize::from(len % size > 0));
            let got = |op| obs.tx_frames.get(&op).copied().unwrap_or(0) as usize;
            let got = (got(0), got(1));
            if want != got {
                j.behavior = Verdict::Failed;
                j.result = format!(
                    "Frames transmitted {{0: {}, 1: {}}} does not match what we expected {{0: {}, 1: {}}}.",
                    got.0, got.1, want.0, want.1
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::expect_close;
    use crate::model::CaseId;

    fn def(expected: Vec<(&str, Vec<Expect>)>, close: crate::model::ExpectedClose) -> CaseDef {
        CaseDef {
            id: "9.9".parse::<CaseId>().unwrap(),
            description: String::new(),
            expectation: String::new(),
            steps: Vec::new(),
            expected: expected
                .into_iter()
                .map(|(w, e)| (w.to_string(), e))
                .collect(),
            expected_close: close,
            adjust: Adjust::None,
            report_time: false,
            deflate: None,
        }
    }

    fn clean_close_by_me() -> Closing {
        Closing {
            is_server: Some(false),
            closed_by_me: Some(true),
            dropped_by_me: Some(false),
            was_clean: Some(true),
            remote_close_code: Some(1000),
            ..Closing::default()
        }
    }

    fn pong(p: &str) -> Expect {
        Expect::Pong(p.as_bytes().to_vec())
    }

    #[test]
    fn behavior_is_the_first_equal_list() {
        let lists = vec![
            ("NON-STRICT", vec![]),
            ("OK", vec![Expect::Message(b"hi".to_vec(), false)]),
        ];
        let closing = clean_close_by_me();
        let stats = BTreeMap::new();
        let table: Vec<(Vec<Expect>, Verdict, &str)> = vec![
            (vec![], Verdict::NonStrict, MATCHED),
            (
                vec![Expect::Message(b"hi".to_vec(), false)],
                Verdict::Ok,
                MATCHED,
            ),
            // binary flag and payload are compared too
            (
                vec![Expect::Message(b"hi".to_vec(), true)],
                Verdict::Failed,
                DIFFER,
            ),
            (
                vec![Expect::Message(b"ho".to_vec(), false)],
                Verdict::Failed,
                DIFFER,
            ),
            (vec![pong("x")], Verdict::Failed, DIFFER),
        ];
        let d = def(lists, expect_close(true, &[1000], true));
        for (received, want, sentence) in table {
            let j = judge(
                &d,
                &Observed {
                    received: &received,
                    closing: &closing,
                    was_open: true,
                    tx_frames: &stats,
                },
            );
            assert_eq!(
                (j.behavior, j.result.as_str()),
                (want, sentence),
                "{received:?}"
            );
        }
    }

    #[test]
    fn payloads_are_compared_whole_not_as_shown() {
        // Two 125-octet payloads that reports would show alike (cut after 64 octets).
        let mut other = vec![0xfe; 125];
        other[100] = 0;
        let d = def(
            vec![("OK", vec![Expect::Pong(vec![0xfe; 125])])],
            expect_close(true, &[1000], true),
        );
        let closing = clean_close_by_me();
        let stats = BTreeMap::new();
        let received = [Expect::Pong(other)];
        let j = judge(
            &d,
            &Observed {
                received: &received,
                closing: &closing,
                was_open: true,
                tx_frames: &stats,
            },
        );
        assert_eq!(j.behavior, Verdict::Failed);
    }

    #[test]
    fn close_rules_apply_in_order() {
        let base = clean_close_by_me();
        type Edit = fn(&mut Closing);
        let table: Vec<(&str, Edit, Verdict, &str)> = vec![
            (
                "clean",
                |_| {},
                Verdict::Ok,
                "Connection was properly closed",
            ),
            (
                "peer closed first",
                |c| c.closed_by_me = Some(false),
                Verdict::Failed,
                "The connection was failed by the wrong endpoint",
            ),
            (
                "unclean beats wrong code",
                |c| {
                    c.was_clean = Some(false);
                    c.remote_close_code = Some(1002);
                },
                Verdict::Unclean,
                "The spec requires the connection to be failed cleanly here",
            ),
            (
                "wrong code",
                |c| c.remote_close_code = Some(1001),
                Verdict::WrongCode,
                "The close code should have been 1000 or empty",
            ),
            (
                "no code is not a wrong code",
                |c| c.remote_close_code = None,
                Verdict::Ok,
                "Connection was properly closed",
            ),
            (
                "client had to drop TCP",
                |c| c.dropped_by_me = Some(true),
                Verdict::FailedByClient,
                "It is preferred that the server close the TCP connection",
            ),
            (
                "a server dropping TCP is fine",
                |c| {
                    c.is_server = Some(true);
                    c.dropped_by_me = Some(true);
                },
                Verdict::Ok,
                "Connection was properly closed",
            ),
        ];
        let d = def(vec![("OK", vec![])], expect_close(true, &[1000], true));
        let stats = BTreeMap::new();
        for (name, edit, want, sentence) in table {
            let mut c = base.clone();
            edit(&mut c);
            let j = judge(
                &d,
                &Observed {
                    received: &[],
                    closing: &c,
                    was_open: true,
                    tx_frames: &stats,
                },
            );
            assert_eq!(
                (j.behavior_close, j.result_close.as_str()),
                (want, sentence),
                "{name}"
            );
        }
    }

    #[test]
    fn never_opened_fails_the_close() {
        let d = def(vec![("OK", vec![])], expect_close(true, &[1000], true));
        let stats = BTreeMap::new();
        let j = judge(
            &d,
            &Observed {
                received: &[],
                closing: &Closing::default(),
                was_open: false,
                tx_frames: &stats,
            },
        );
        assert_eq!(j.behavior, Verdict::Ok);
        assert_eq!(j.behavior_close, Verdict::Failed);
        assert_eq!(
            j.result_close,
            "The WebSocket opening handshake was never completed!"
        );
    }

    #[test]
    fn wrong_closer_is_fatal_when_the_case_says_so() {
        let mut close = expect_close(false, &[1007], false);
        close.closed_by_wrong_endpoint_is_fatal = Some(true);
        let d = def(vec![("OK", vec![])], close);
        let stats = BTreeMap::new();
        let j = judge(
            &d,
            &Observed {
                received: &[],
                closing: &clean_close_by_me(),
                was_open: true,
                tx_frames: &stats,
            },
        );
        assert_eq!(
            (j.behavior, j.behavior_close),
            (Verdict::Failed, Verdict::Failed)
        );
        // the sentence stays the matching one, as the testsuite leaves it
        assert_eq!(j.result, MATCHED);
    }

    #[test]
    fn adjustments() {
        let stats: BTreeMap<u64, u64> = [(0, 49), (1, 1)].into_iter().collect();
        let mut wrong_code = clean_close_by_me();
        wrong_code.remote_close_code = Some(1001);
        let table: Vec<(Adjust, &Closing, Verdict, Verdict, &str)> = vec![
            (
                Adjust::Informational,
                &wrong_code,
                Verdict::Informational,
                Verdict::Informational,
                "Text message was processed before close.",
            ),
            (
                Adjust::WrongCodeFailsBehavior,
                &wrong_code,
                Verdict::Failed,
                Verdict::WrongCode,
                "The close code should have been 1000 or empty",
            ),
            (
                Adjust::AutoFragmentCount { len: 100, size: 2 },
                &wrong_code,
                Verdict::Failed,
                Verdict::WrongCode,
                "Frames transmitted {0: 49, 1: 1} does not match what we expected {0: 50, 1: 0}.",
            ),
        ];
        for (adj, closing, b, bc, sentence) in table {
            let mut d = def(vec![("OK", vec![])], expect_close(true, &[1000], true));
            d.adjust = adj.clone();
            let j = judge(
                &d,
                &Observed {
                    received: &[],
                    closing,
                    was_open: true,
                    tx_frames: &stats,
                },
            );
            assert_eq!(
                (j.behavior, j.behavior_close, j.result.as_str()),
                (b, bc, sentence),
                "{adj:?}"
            );
        }
    }
}

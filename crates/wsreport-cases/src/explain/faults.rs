//! The faults `explain` knows, as data: one [`Fault`] record each, with a stable key, the
//! title a maintainer would use, which cases it predicts to fail (from the catalog's
//! [`CaseFacts`]), how a failing case must look for the fault to explain it, and the
//! evidence sentence it prints. [`super::diagnosis`] scores them against a whole report.

use crate::catalog::CaseFacts;
use crate::model::{Case, CaseEntry, CaseId, Event, Verdict};
use crate::policy;

use super::Explanation;
use super::closing::CloseRule;
use super::limits::octets;

/// What one non-passing case shows, in the terms the faults test.
#[derive(Debug, Clone)]
pub struct Observed<'a> {
    /// The case id.
    pub id: CaseId,
    /// The case as read from the report.
    pub case: &'a Case,
    /// Its explanation.
    pub x: &'a Explanation,
    /// What the catalog says the case sends and expects.
    pub facts: Option<&'static CaseFacts>,
    /// Payloads of the pongs received, as shown.
    pub pongs_received: Vec<String>,
    /// Payloads of the pongs the OK expectation lists, as shown.
    pub pongs_expected: Vec<String>,
    /// Whether the events part passed (OK or INFORMATIONAL).
    pub events_ok: bool,
    /// Whether the close part passed.
    pub close_ok: bool,
}

impl<'a> Observed<'a> {
    /// `Some(true)` when a message came back binary where text was expected (with the payload
    /// as far as the report shows it), `Some(false)` for the reverse, `None` when no message
    /// changed type.
    pub fn retyped(&self) -> Option<bool> {
        self.x
            .events
            .diff
            .different_payload
            .iter()
            .find(|c| super::is_retyped(c))
            .map(|c| c.received.binary == Some(true))
    }

    /// How many messages came back with the other type.
    pub fn retyped_count(&self) -> usize {
        let changed = &self.x.events.diff.different_payload;
        changed.iter().filter(|c| super::is_retyped(c)).count()
    }

    /// What `case` (explained as `x`) shows.
    pub fn new(case: &'a Case, x: &'a Explanation) -> Option<Observed<'a>> {
        let id = case.id.clone()?;
        let pongs = |list: &[Event]| {
            list.iter()
                .filter_map(|e| match e {
                    Event::Pong(p) => Some(p.clone()),
                    _ => None,
                })
                .collect::<Vec<_>>()
        };
        let ok_list = case
            .expected
            .iter()
            .find(|(w, _)| w == "OK")
            .map(|(_, l)| l.as_slice())
            .unwrap_or(&[]);
        Some(Observed {
            facts: crate::catalog::facts(&id),
            id,
            case,
            x,
            pongs_received: pongs(&case.received),
            pongs_expected: pongs(ok_list),
            events_ok: case.behavior.as_ref().is_some_and(policy::clean),
            close_ok: case.behavior_close.as_ref().is_some_and(policy::clean),
        })
    }

    fn remote_code(&self) -> Option<u64> {
        self.case.closing.remote_close_code
    }

    fn messages_missing(&self) -> usize {
        self.x
            .events
            .diff
            .missing
            .iter()
            .filter(|m| m.event.kind == "message")
            .count()
    }

    fn messages_received(&self) -> usize {
        self.case
            .received
            .iter()
            .filter(|e| matches!(e, Event::Message { .. }))
            .count()
    }

    fn messages_unexpected(&self) -> usize {
        self.x
            .events
            .diff
            .unexpected
            .iter()
            .filter(|m| m.event.kind == "message")
            .count()
    }

    fn behavior(&self) -> Option<&Verdict> {
        self.case.behavior.as_ref()
    }

    /// The peer answered our close, or failed the connection, with a close frame.
    fn peer_sent_close(&self) -> bool {
        self.remote_code().is_some()
            || self
                .case
                .wirelog
                .iter()
                .any(|r| matches!(r, crate::model::WireRow::RxFrame { opcode: 8, .. }))
    }

    /// Our closing-handshake timer fired: we closed and the peer never answered.
    fn close_unanswered(&self) -> bool {
        let c = &self.case.closing;
        c.closed_by_me == Some(true)
            && !self.peer_sent_close()
            && (c.was_close_handshake_timeout == Some(true)
                || self.kill_timer_fired()
                || c.was_not_clean_reason
                    .as_deref()
                    .is_some_and(|r| r.contains("did not respond")))
    }

    /// The opening handshake failed: timed out, or answered with something else than 101.
    fn handshake_failed(&self) -> bool {
        let c = &self.case.closing;
        self.x.closing.rule == CloseRule::HandshakeIncomplete
            || c.was_open_handshake_timeout == Some(true)
            || self
                .case
                .http_response
                .as_deref()
                .is_some_and(|r| !r.is_empty() && !r.starts_with("HTTP/1.1 101"))
            || c.was_not_clean_reason
                .as_deref()
                .is_some_and(|r| r.contains("upgrade failed"))
    }

    /// Clients mode: the client sent no frame at all after the handshake and dropped TCP.
    fn left_after_handshake(&self) -> bool {
        self.case.closing.is_server == Some(true)
            && !self
                .case
                .wirelog
                .iter()
                .any(|r| matches!(r, crate::model::WireRow::RxFrame { .. }))
            && self.peer_dropped()
    }

    /// Our fail-connection timer (`killAfter`) fired.
    fn kill_timer_fired(&self) -> bool {
        self.case
            .wirelog
            .iter()
            .any(|r| matches!(r, crate::model::WireRow::KillFired))
    }

    /// TCP ended without any close frame from the peer and not by our timer.
    fn peer_dropped(&self) -> bool {
        let c = &self.case.closing;
        !self.peer_sent_close()
            && !self.kill_timer_fired()
            && c.was_close_handshake_timeout != Some(true)
            && c.dropped_by_me != Some(true)
            && c.was_clean != Some(true)
    }
}

/// The agent's whole run, for faults whose evidence spans cases.
#[derive(Debug, Clone, Copy)]
pub struct Agent<'a> {
    /// Every case of the agent, passing or not.
    pub entries: &'a [CaseEntry],
}

impl Agent<'_> {
    /// Whether some 12.x/13.x case of the agent was run with permessage-deflate accepted.
    fn deflate_somewhere(&self) -> bool {
        self.entries
            .iter()
            .any(|e| matches!(e.id.category(), 12 | 13) && e.behavior != Verdict::Unimplemented)
    }
}

/// Which gate a fault's cases fall under, in the order `explain --all` shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Class {
    /// FAILED, UNCLEAN, WRONG CODE, …: fails every policy.
    Failed,
    /// NON-STRICT: passes the RFC policy.
    NonStrict,
    /// INFORMATIONAL.
    Informational,
    /// UNIMPLEMENTED: the case did not run.
    Unimplemented,
}

/// One fault hypothesis.
pub struct Fault {
    /// Stable key (`no-pong`): JSON consumers and the fault matrix test group by it.
    pub key: &'static str,
    /// What a maintainer would call it: "the peer never answers pings".
    pub title: &'static str,
    /// What the testsuite's expectation rests on (RFC 6455 / 7692 section).
    pub rfc: &'static str,
    /// The classes of the cases it explains: a lost frame makes a case FAILED, never
    /// NON-STRICT; a refused offer makes it UNIMPLEMENTED.
    pub classes: &'static [Class],
    /// Whether a passing case with these facts contradicts the fault (the cases it predicts
    /// to fail). `explained` are the failing cases it explains, for faults with a threshold.
    pub predicts: fn(&CaseFacts, &[&Observed]) -> bool,
    /// This case's evidence when the fault explains how it failed, else `None`.
    pub explains: fn(&Observed, Agent) -> Option<String>,
    /// The group's evidence over the cases attributed to it.
    pub evidence: fn(&[&Observed], Agent) -> String,
}

/// "1 case", "3 cases".
pub fn n_cases(n: usize) -> String {
    if n == 1 {
        "1 case".into()
    } else {
        format!("{n} cases")
    }
}

fn never(_: &CaseFacts, _: &[&Observed]) -> bool {
    false
}

fn ids_text(list: &[&Observed]) -> String {
    super::ranges::collapse(list.iter().map(|o| &o.id))
}

fn pongs_total(list: &[&Observed]) -> (usize, usize) {
    list.iter().fold((0, 0), |(r, e), o| {
        (r + o.pongs_received.len(), e + o.pongs_expected.len())
    })
}

fn codes(list: &[&Observed]) -> String {
    let mut c: Vec<String> = list
        .iter()
        .map(|o| match o.remote_code() {
            Some(c) => c.to_string(),
            None => "none".into(),
        })
        .collect();
    c.sort();
    c.dedup();
    c.join(", ")
}

fn sent_codes(list: &[&Observed]) -> String {
    let mut c: Vec<u16> = list
        .iter()
        .filter_map(|o| o.facts.and_then(|f| f.close_code_sent))
        .collect();
    c.sort();
    c.dedup();
    c.iter().map(u16::to_string).collect::<Vec<_>>().join(", ")
}

/// The smallest message size among `list` (9.x), with the largest passing one below it.
fn size_threshold(list: &[&Observed]) -> Option<usize> {
    list.iter()
        .filter_map(|o| o.facts.and_then(|f| f.message_size))
        .min()
}

fn frames_threshold(list: &[&Observed]) -> Option<usize> {
    list.iter()
        .filter_map(|o| o.facts.and_then(|f| f.frames_per_message))
        .min()
}

/// Every fault `explain` knows, most specific first (ties in score go to the earlier one).
pub const FAULTS: &[Fault] = &[
    Fault {
        key: "handshake-refused",
        title: "the opening handshake is refused",
        rfc: "RFC 6455 §4.2",
        classes: &[Class::Failed],
        predicts: |_, _| true,
        explains: |o, _| {
            if o.handshake_failed() {
                Some("the opening handshake did not complete".into())
            } else if o.left_after_handshake() {
                Some("the client dropped TCP right after our handshake answer".into())
            } else {
                None
            }
        },
        evidence: |l, _| format!("no opening handshake completed in {}", n_cases(l.len())),
    },
    Fault {
        key: "deflate-missing",
        title: "permessage-deflate is not implemented (the offer is never accepted)",
        rfc: "RFC 7692 §5",
        classes: &[Class::Unimplemented],
        predicts: |f, _| f.deflate,
        explains: |o, a| {
            (o.behavior() == Some(&Verdict::Unimplemented) && !a.deflate_somewhere())
                .then(|| "the permessage-deflate offer was not accepted".into())
        },
        evidence: |l, _| {
            format!(
                "no permessage-deflate offer was accepted in {}: the answers carry no \
                 extension",
                n_cases(l.len())
            )
        },
    },
    Fault {
        key: "deflate-parameter-refused",
        title: "permessage-deflate works, but one offer's parameters are refused",
        rfc: "RFC 7692 §7.1",
        classes: &[Class::Unimplemented],
        predicts: never,
        explains: |o, a| {
            if o.behavior() != Some(&Verdict::Unimplemented) || !a.deflate_somewhere() {
                return None;
            }
            let offer = offer_of(&o.id).unwrap_or("this offer");
            Some(format!("the offer with {offer} was not accepted"))
        },
        evidence: |l, _| {
            let mut offers: Vec<&str> = l.iter().filter_map(|o| offer_of(&o.id)).collect();
            offers.sort();
            offers.dedup();
            format!(
                "other offers were accepted; these were refused: {}",
                offers.join("; ")
            )
        },
    },
    Fault {
        key: "utf8-late",
        title: "invalid UTF-8 is failed only when the message ends, not as soon as it arrives",
        rfc: "RFC 6455 §8.1 (fail fast: SHOULD)",
        classes: &[Class::NonStrict],
        predicts: never,
        explains: |o, _| {
            (o.behavior() == Some(&Verdict::NonStrict) && o.id.category() == 6).then(|| {
                "NON-STRICT: the peer failed the connection, but only after the whole message \
                 arrived (the invalid octets came in an earlier frame or chop)"
                    .into()
            })
        },
        evidence: |l, _| {
            let chops_only = l.iter().all(|o| o.facts.is_some_and(|f| f.chopped));
            format!(
                "UTF-8 failed at the message's end instead of at the invalid octet in \
                 {}{}; allowed, hence NON-STRICT",
                n_cases(l.len()),
                if chops_only {
                    " (only where the octets came as chops of one frame: UTF-8 is checked \
                     per complete frame, not as a frame's octets arrive)"
                } else {
                    ""
                }
            )
        },
    },
    Fault {
        key: "fail-before-echo",
        title: "a protocol error discards the replies owed to the valid frames before it",
        rfc: "RFC 6455 §7.1.7 (fail at once; what was answered before is not required)",
        classes: &[Class::NonStrict],
        predicts: never,
        explains: |o, _| {
            let f = o.facts?;
            (matches!(o.id.category(), 3..=5) && o.messages_received() < f.messages_expected).then(
                || {
                    format!(
                        "the peer failed the connection before echoing {} of {} messages sent \
                         ahead of the bad frame",
                        f.messages_expected - o.messages_received(),
                        f.messages_expected
                    )
                },
            )
        },
        evidence: |l, _| {
            format!(
                "{}: the bad frame arrived in the same read as a valid message, and the peer \
                 failed before echoing it; the testsuite accepts this as NON-STRICT",
                n_cases(l.len())
            )
        },
    },
    Fault {
        key: "disputed-close-codes",
        title: "close codes 1012-1014 treated as valid (the testsuite's list is older)",
        rfc: "RFC 6455 §7.4.2, IANA registry",
        classes: &[Class::Failed],
        predicts: never,
        explains: |o, _| {
            let sent = o.facts.and_then(|f| f.close_code_sent)?;
            (matches!(o.id.parts(), [7, 9, _]) && (1012..=1014).contains(&sent)).then(|| {
                format!(
                    "close code {sent} is registered now; this testsuite still calls it invalid"
                )
            })
        },
        evidence: |l, _| {
            format!(
                "codes {} were accepted; they are registered with IANA since the testsuite \
                 was written",
                sent_codes(l)
            )
        },
    },
    Fault {
        key: "pong-last-only",
        title: "only the last of several pings is answered (RFC 6455 §5.5.3 allows this)",
        rfc: "RFC 6455 §5.5.3",
        classes: &[Class::Failed],
        predicts: never,
        explains: |o, _| {
            let (r, e) = (o.pongs_received.len(), o.pongs_expected.len());
            (e >= 2 && r >= 1 && r < e && o.pongs_received.last() == o.pongs_expected.last())
                .then(|| format!("{r} of {e} pongs, the last ping's answered"))
        },
        evidence: |l, _| {
            let (r, e) = pongs_total(l);
            format!(
                "{r} of {e} pongs arrived, each for the last ping of a burst; RFC 6455 §5.5.3 \
                 lets an endpoint answer only the most recent ping, so this is not a bug"
            )
        },
    },
    Fault {
        key: "split-reads",
        title: "frames split across TCP reads are lost (no buffering across reads)",
        rfc: "RFC 6455 §5.2 (TCP is a stream: frames arrive in any pieces)",
        classes: &[Class::Failed],
        predicts: |f, _| f.chopped,
        explains: |o, _| {
            let f = o.facts?;
            if f.chopped {
                Some("our frames reached the peer in chops".into())
            } else if f.largest_frame > 16 << 10 && !o.peer_sent_close() {
                Some(format!(
                    "a frame of {} arrives in several reads",
                    octets(f.largest_frame)
                ))
            } else {
                None
            }
        },
        evidence: |l, _| {
            format!(
                "failing where our frames reach the peer in pieces: {} ({})",
                n_cases(l.len()),
                ids_text(l)
            )
        },
    },
    Fault {
        key: "no-pong",
        title: "the peer never answers pings",
        rfc: "RFC 6455 §5.5.2",
        classes: &[Class::Failed],
        predicts: |f, _| !f.pongs_expected.is_empty(),
        explains: |o, _| {
            (!o.pongs_expected.is_empty() && o.pongs_received.is_empty() && !o.events_ok)
                .then(|| format!("0 of {} pongs arrived", o.pongs_expected.len()))
        },
        evidence: |l, _| {
            let (r, e) = pongs_total(l);
            format!("{r} of {e} pings answered in {}", n_cases(l.len()))
        },
    },
    Fault {
        key: "pong-payload",
        title: "pongs carry the wrong (or an empty) payload",
        rfc: "RFC 6455 §5.5.3 (the pong echoes the ping's application data)",
        classes: &[Class::Failed],
        predicts: |f, _| f.pongs_expected.iter().any(|p| !p.is_empty()),
        explains: |o, _| {
            let wrong: Vec<&String> = o
                .pongs_received
                .iter()
                .filter(|p| !o.pongs_expected.contains(p))
                .collect();
            let asked = !o.pongs_expected.is_empty();
            (asked && !wrong.is_empty() && !o.events_ok).then(|| {
                format!(
                    "{} of {} pongs carry a payload no ping sent ({})",
                    wrong.len(),
                    o.pongs_received.len(),
                    if wrong[0].is_empty() {
                        "empty".to_string()
                    } else {
                        format!("{:?}", super::ranges::cut(wrong[0], 24))
                    }
                )
            })
        },
        evidence: |l, _| {
            let (r, _) = pongs_total(l);
            format!(
                "{r} pongs arrived in {}, with payloads other than the pings'",
                n_cases(l.len())
            )
        },
    },
    Fault {
        key: "utf8-unchecked",
        title: "invalid UTF-8 is not validated (text messages, close reasons)",
        rfc: "RFC 6455 §8.1, §7.1.6",
        classes: &[Class::Failed],
        predicts: |f, _| f.invalid_utf8,
        explains: |o, _| {
            let f = o.facts?;
            if !f.invalid_utf8 || (o.events_ok && o.close_ok) {
                return None;
            }
            if o.messages_unexpected() > 0 {
                Some("the invalid text was echoed".into())
            } else if o.remote_code() != Some(1007) && o.remote_code() != Some(1002) {
                Some(format!(
                    "the peer answered with {} instead of failing with 1007",
                    o.remote_code()
                        .map(|c| c.to_string())
                        .unwrap_or("no close code".into())
                ))
            } else {
                None
            }
        },
        evidence: |l, _| {
            let echoed = l.iter().filter(|o| o.messages_unexpected() > 0).count();
            format!(
                "{} with invalid UTF-8 accepted ({echoed} echoed the text); close \
                 codes from the peer: {}",
                n_cases(l.len()),
                codes(l)
            )
        },
    },
    Fault {
        key: "rsv-unchecked",
        title: "reserved bits (RSV1-3) are not checked",
        rfc: "RFC 6455 §5.2",
        classes: &[Class::Failed],
        predicts: |f, _| f.rsv && !f.deflate,
        explains: |o, _| {
            let f = o.facts?;
            (f.rsv && !f.deflate && (o.messages_unexpected() > 0 || o.remote_code() != Some(1002)))
                .then(|| "a frame with RSV bits set was not failed with 1002".into())
        },
        evidence: |l, _| {
            format!(
                "{} with RSV bits set (no extension) not failed by the peer",
                n_cases(l.len())
            )
        },
    },
    Fault {
        key: "opcode-unchecked",
        title: "reserved opcodes are not checked",
        rfc: "RFC 6455 §5.2",
        classes: &[Class::Failed],
        // a reserved frame alone passes when ignored (the testsuite accepts silence): only a
        // ping after it shows whether it was ignored
        predicts: |f, _| f.reserved_opcode && f.pings > 0,
        explains: |o, _| {
            (o.facts?.reserved_opcode
                && (o.messages_unexpected() > 0 || o.remote_code() != Some(1002)))
            .then(|| "a frame with a reserved opcode was not failed with 1002".into())
        },
        evidence: |l, _| {
            format!(
                "{} with reserved opcodes not failed by the peer",
                n_cases(l.len())
            )
        },
    },
    Fault {
        key: "fragments-refused",
        title: "fragmented messages are refused (or control frames inside them mishandled)",
        rfc: "RFC 6455 §5.4",
        // refused at the first fragment, a case that accepts an early failure is NON-STRICT
        classes: &[Class::Failed, Class::NonStrict],
        predicts: |f, _| f.fragmented && f.messages_expected > 0 && f.message_size.is_none(),
        explains: |o, _| {
            let f = o.facts?;
            let short = o.messages_missing() > 0 || o.messages_received() < f.messages_expected;
            (f.fragmented && f.messages_expected > 0 && short).then(|| {
                if f.control_inside_fragments {
                    "a message fragmented around a control frame was never echoed".into()
                } else {
                    "a fragmented message was never echoed".into()
                }
            })
        },
        evidence: |l, _| {
            format!(
                "{} with valid fragmented messages that never came back; close codes from \
                 the peer: {}",
                n_cases(l.len()),
                codes(l)
            )
        },
    },
    Fault {
        key: "close-codes-refused",
        title: "valid close codes are refused",
        rfc: "RFC 6455 §7.4.1-§7.4.2",
        classes: &[Class::Failed],
        predicts: |f, _| {
            f.close_codes_accepted.first() == Some(&1000)
                && f.close_code_sent.is_some_and(|c| c != 1000)
                && f.close_codes_accepted.len() == 2
        },
        explains: |o, _| {
            (matches!(o.id.parts(), [7, 7, _])
                && !o.close_ok
                && o.remote_code().is_some_and(|c| {
                    c != 1000 && Some(c) != o.facts.and_then(|f| f.close_code_sent).map(u64::from)
                }))
            .then(|| {
                format!(
                    "we closed with {}; the peer answered {}",
                    o.facts.and_then(|f| f.close_code_sent).unwrap_or(0),
                    o.remote_code().unwrap_or(0)
                )
            })
        },
        evidence: |l, _| {
            format!(
                "valid codes {} were refused (the peer answered {})",
                sent_codes(l),
                codes(l)
            )
        },
    },
    Fault {
        key: "close-codes-accepted",
        title: "invalid close codes are accepted",
        rfc: "RFC 6455 §7.4.1-§7.4.2",
        classes: &[Class::Failed],
        predicts: |f, _| f.close_codes_accepted == [1002] && f.close_code_sent.is_some(),
        explains: |o, _| {
            let sent = o.facts.and_then(|f| f.close_code_sent)?;
            (matches!(o.id.parts(), [7, 9, _] | [7, 3, _]) && o.remote_code() != Some(1002)).then(
                || {
                    format!(
                        "we closed with invalid code {sent}; the peer answered {} instead of 1002",
                        o.remote_code()
                            .map(|c| c.to_string())
                            .unwrap_or("nothing".into())
                    )
                },
            )
        },
        evidence: |l, _| {
            format!(
                "invalid codes {} were accepted (the peer answered {})",
                sent_codes(l),
                codes(l)
            )
        },
    },
    Fault {
        key: "size-limit",
        title: "messages over a size limit are refused",
        rfc: "RFC 6455 §7.4.1 (1009: message too big)",
        classes: &[Class::Failed],
        predicts: |f, explained| match (f.message_size, size_threshold(explained), f.deflate) {
            (Some(s), Some(t), false) => s >= t,
            _ => false,
        },
        explains: |o, _| {
            let size = o.facts?.message_size?;
            (!o.events_ok && matches!(o.remote_code(), Some(1009 | 1008))).then(|| {
                format!(
                    "a {} message was refused with {}",
                    octets(size),
                    o.remote_code().unwrap_or(0)
                )
            })
        },
        evidence: |l, a| match size_threshold(l) {
            Some(t) => {
                let passed = a
                    .entries
                    .iter()
                    .filter(|e| super::hint::passes(e))
                    .filter_map(|e| crate::catalog::facts(&e.id)?.message_size)
                    .filter(|&s| s < t)
                    .max();
                format!(
                    "messages of {} and more are refused with {} ({}){}",
                    octets(t),
                    codes(l),
                    n_cases(l.len()),
                    passed
                        .map(|p| format!("; up to {} they are echoed", octets(p)))
                        .unwrap_or_default()
                )
            }
            None => format!("messages refused in {}", n_cases(l.len())),
        },
    },
    Fault {
        key: "frame-cap",
        title: "messages of many frames are refused (a frame-count cap)",
        rfc: "RFC 6455 §5.4 (no limit on fragments)",
        classes: &[Class::Failed],
        predicts: |f, explained| match (f.frames_per_message, frames_threshold(explained)) {
            (Some(n), Some(t)) => n >= t,
            _ => false,
        },
        explains: |o, _| {
            let n = o.facts?.frames_per_message?;
            (n > 1 && !o.events_ok && matches!(o.remote_code(), Some(1009 | 1008)))
                .then(|| format!("a message of {n} frames was refused"))
        },
        evidence: |l, _| match frames_threshold(l) {
            Some(t) => format!(
                "messages of {t} frames and more are refused ({})",
                n_cases(l.len())
            ),
            None => String::new(),
        },
    },
    Fault {
        key: "message-type",
        title: "messages come back with the other type (text as binary, or binary as text)",
        rfc: "RFC 6455 §5.6 (the opcode gives a message's type; an echo keeps it)",
        classes: &[Class::Failed],
        // a peer that retypes text fails every case that expects a text message back (and one
        // that retypes binary, every case expecting a binary one)
        predicts: |f, explained| {
            let to_binary = explained.iter().any(|o| o.retyped() == Some(true));
            let to_text = explained.iter().any(|o| o.retyped() == Some(false));
            (to_binary && f.text_messages_expected > 0)
                || (to_text && f.messages_expected > f.text_messages_expected)
        },
        explains: |o, _| {
            let to_binary = o.retyped()?;
            let n = o.retyped_count();
            let (got, want) = if to_binary {
                ("binary", "text")
            } else {
                ("text", "binary")
            };
            Some(format!(
                "{n} {} came back {got} where {want} was expected",
                if n == 1 { "message" } else { "messages" }
            ))
        },
        evidence: |l, _| {
            let n: usize = l.iter().map(|o| o.retyped_count()).sum();
            format!(
                "{n} echoed {} of the other type in {}",
                if n == 1 { "message" } else { "messages" },
                n_cases(l.len())
            )
        },
    },
    Fault {
        key: "too-slow",
        title: "the peer is too slow (the case's own timer fired)",
        rfc: "testsuite timers",
        classes: &[Class::Failed],
        predicts: never,
        explains: |o, _| {
            let result = o.case.result.as_deref()?;
            (result.contains("within") && !o.peer_sent_close())
                .then(|| format!("{result} (after {} ms)", o.case.duration_ms.unwrap_or(0)))
        },
        evidence: |l, _| format!("time ran out waiting for the peer in {}", n_cases(l.len())),
    },
    Fault {
        key: "wrong-close-code",
        title: "the wrong close code is echoed",
        rfc: "RFC 6455 §5.5.1 (echo the code received)",
        classes: &[Class::Failed],
        predicts: |f, _| f.fuzzer_closes && f.close_codes_accepted.contains(&1000),
        explains: |o, _| {
            (o.case.behavior_close == Some(Verdict::WrongCode)).then(|| {
                format!(
                    "the peer closed with {} where {} was expected",
                    o.remote_code()
                        .map(|c| c.to_string())
                        .unwrap_or("no code".into()),
                    o.case
                        .expected_close
                        .close_code
                        .iter()
                        .map(u64::to_string)
                        .collect::<Vec<_>>()
                        .join(" or ")
                )
            })
        },
        evidence: |l, _| {
            format!(
                "the peer's close code was {} in {}",
                codes(l),
                n_cases(l.len())
            )
        },
    },
    Fault {
        key: "no-close-reply",
        title: "close frames are never answered",
        rfc: "RFC 6455 §5.5.1",
        classes: &[Class::Failed],
        predicts: |f, _| f.fuzzer_closes && f.clean_required,
        explains: |o, _| {
            (o.events_ok && !o.close_ok && o.close_unanswered())
                .then(|| "we sent close; the peer never answered, our timer fired".into())
        },
        evidence: |l, _| {
            format!(
                "{}: every message was echoed, but our close got no reply",
                n_cases(l.len())
            )
        },
    },
    Fault {
        key: "tcp-drop",
        title: "TCP is dropped without the closing handshake",
        rfc: "RFC 6455 §7.1.1",
        classes: &[Class::Failed],
        predicts: |f, _| f.fuzzer_closes && f.clean_required,
        explains: |o, _| {
            (!o.close_ok && o.peer_dropped())
                .then(|| "the peer closed TCP without sending a close frame".into())
        },
        evidence: |l, _| {
            format!(
                "the peer dropped TCP without a close frame in {}",
                n_cases(l.len())
            )
        },
    },
];

/// The fault with `key`.
pub fn by_key(key: &str) -> Option<&'static Fault> {
    FAULTS.iter().find(|f| f.key == key)
}

/// The permessage-deflate offer of a 13.x case, in words (from the catalog).
pub fn offer_of(id: &CaseId) -> Option<&'static str> {
    crate::catalog::facts::offer(id)
}

/// Whether `fault` predicts case `id` to fail (for `wsreport case`).
pub fn predicts_case(fault: &Fault, facts: &CaseFacts) -> bool {
    (fault.predicts)(facts, &[])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_fault_is_in_the_docs_table_and_keys_are_unique() {
        let table = include_str!("../../../../docs/explain.md");
        for (i, f) in FAULTS.iter().enumerate() {
            assert!(
                table.contains(&format!("| `{}` |", f.key)),
                "docs/explain.md's fault table lacks {}",
                f.key
            );
            assert!(FAULTS[i + 1..].iter().all(|g| g.key != f.key), "{}", f.key);
        }
    }
}

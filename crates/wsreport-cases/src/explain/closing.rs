//! The closing behaviour in words, and the judge's closing rule that applies.
//!
//! The rules are the testsuite's, in its order (spec README, "How a case is judged", step 2):
//! wrong closer → FAILED; `requireClean` and not `wasClean` → UNCLEAN; the peer's code not in
//! `closeCode` → WRONG CODE; servers mode and the fuzzer dropped TCP → FAILED BY CLIENT;
//! otherwise OK. Some cases set their closing verdict themselves (INFORMATIONAL); a report
//! whose verdict differs otherwise is flagged.

use serde::Serialize;

use crate::model::{Case, ExpectedClose, Verdict, WireRow};

/// The judge's closing rule that decided, first applicable wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CloseRule {
    /// The opening handshake never completed → FAILED.
    HandshakeIncomplete,
    /// `closedByMe` differs from `expectedClose.closedByMe` → FAILED.
    WrongCloser,
    /// `requireClean` and not `wasClean` → UNCLEAN.
    NotClean,
    /// `remoteCloseCode` not in `expectedClose.closeCode` → WRONG CODE.
    WrongCode,
    /// Servers mode (the fuzzer is the client) and `droppedByMe` → FAILED BY CLIENT.
    ClientDroppedTcp,
    /// None of the above → OK.
    Ok,
}

impl CloseRule {
    /// The verdict the rule gives.
    pub fn verdict(self) -> Verdict {
        match self {
            CloseRule::HandshakeIncomplete | CloseRule::WrongCloser => Verdict::Failed,
            CloseRule::NotClean => Verdict::Unclean,
            CloseRule::WrongCode => Verdict::WrongCode,
            CloseRule::ClientDroppedTcp => Verdict::FailedByClient,
            CloseRule::Ok => Verdict::Ok,
        }
    }
}

/// The closing behaviour explained.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ClosingExplanation {
    /// `behaviorClose` as the report gives it.
    pub verdict: Option<Verdict>,
    /// The rule of the judge that applies to the report's closing fields.
    pub rule: CloseRule,
    /// The verdict that rule gives.
    pub rule_verdict: Verdict,
    /// The rule in words, with the fields that triggered it.
    pub rule_text: String,
    /// Whether the report's verdict is what the rules give (`true` also when the case set
    /// INFORMATIONAL itself); `None` when the report has no closing verdict.
    pub agrees: Option<bool>,
    /// What happened, one clause per fact, in order.
    pub sentences: Vec<String>,
    /// The clauses joined: "we sent close after 3 s (close-after timer); the peer never
    /// answered; we dropped TCP; not clean: …".
    pub summary: String,
    /// What the case required, in words.
    pub expected: String,
}

fn who(closed_by_me: bool) -> &'static str {
    if closed_by_me {
        "we (the fuzzer)"
    } else {
        "the peer"
    }
}

fn secs(s: f64) -> String {
    if s.fract() == 0.0 {
        format!("{s:.0} s")
    } else {
        format!("{s} s")
    }
}

fn codes(list: &[u64]) -> String {
    let mut l: Vec<u64> = list.to_vec();
    l.dedup();
    l.iter()
        .map(u64::to_string)
        .collect::<Vec<_>>()
        .join(" or ")
}

fn with_reason(code: u64, reason: &Option<String>) -> String {
    match reason.as_deref().filter(|r| !r.is_empty()) {
        Some(r) => format!("{code} ({r:?})"),
        None => code.to_string(),
    }
}

/// Which closing rule of the judge applies to a case's fields.
pub fn rule(case: &Case) -> CloseRule {
    let c = &case.closing;
    let e = &case.expected_close;
    if c.was_open_handshake_timeout == Some(true) {
        return CloseRule::HandshakeIncomplete;
    }
    if e.closed_by_me.is_some() && e.closed_by_me != c.closed_by_me {
        return CloseRule::WrongCloser;
    }
    if e.require_clean == Some(true) && c.was_clean != Some(true) {
        return CloseRule::NotClean;
    }
    if let Some(code) = c.remote_close_code
        && !e.close_code.contains(&code)
    {
        return CloseRule::WrongCode;
    }
    if c.is_server == Some(false) && c.dropped_by_me == Some(true) {
        return CloseRule::ClientDroppedTcp;
    }
    CloseRule::Ok
}

fn rule_text(case: &Case, r: CloseRule) -> String {
    let c = &case.closing;
    let e = &case.expected_close;
    let v = r.verdict();
    match r {
        CloseRule::HandshakeIncomplete => {
            format!("the opening handshake did not complete → {v}")
        }
        CloseRule::WrongCloser => format!(
            "the wrong side started the close: expected {} to close first, but {} did → {v}",
            who(e.closed_by_me.unwrap_or(false)),
            who(c.closed_by_me.unwrap_or(false)),
        ),
        CloseRule::NotClean => format!("requireClean is set and the close was not clean → {v}"),
        CloseRule::WrongCode => format!(
            "the peer's close code {} is not one the case accepts ({}) → {v}",
            c.remote_close_code.unwrap_or(0),
            codes(&e.close_code)
        ),
        CloseRule::ClientDroppedTcp => format!(
            "servers mode: the fuzzer, as the client, had to drop TCP itself (the server should) → {v}"
        ),
        CloseRule::Ok => format!(
            "the right side closed{}, and the peer's code (if any) is accepted → {v}",
            if e.require_clean == Some(true) {
                ", cleanly as required"
            } else {
                ""
            }
        ),
    }
}

/// The close-after (`TI`) and fail-connection-after (`KL`) timers, when they fired.
fn timers(case: &Case) -> (Option<f64>, Option<f64>) {
    let (mut ti, mut ti_fired, mut kl, mut kl_fired) = (None, false, None, false);
    for row in &case.wirelog {
        match row {
            WireRow::CloseAfter(d) => ti = Some(*d),
            WireRow::CloseFired => ti_fired = true,
            WireRow::KillAfter(d) => kl = Some(*d),
            WireRow::KillFired => kl_fired = true,
            _ => {}
        }
    }
    (ti.filter(|_| ti_fired), kl.filter(|_| kl_fired))
}

fn sentences(case: &Case) -> Vec<String> {
    let c = &case.closing;
    let mut out = Vec::new();
    let (close_after, kill_after) = timers(case);
    if c.was_open_handshake_timeout == Some(true) {
        out.push("the opening handshake timed out".to_string());
    }
    // When our own fail-connection timer fired, `failedByMe`/`droppedByMe` are the timer's
    // doing, not a protocol violation the peer made: say so after what happened before it.
    let timer = kill_after.map(|d| {
        format!(
            "our fail-connection timer fired after {}, so we failed the connection",
            secs(d)
        )
    });
    match c.closed_by_me {
        Some(true) => {
            let mut s = match c.local_close_code {
                Some(code) => format!("we sent close {}", with_reason(code, &c.local_close_reason)),
                None => "we sent close".to_string(),
            };
            if let Some(d) = close_after {
                s.push_str(&format!(" after {} (close-after timer)", secs(d)));
            }
            if c.failed_by_me == Some(true) && timer.is_none() {
                s.push_str(", failing the connection (we saw a protocol violation)");
            }
            out.push(s);
            match c.remote_close_code {
                Some(code) => out.push(format!(
                    "the peer answered with close {}",
                    with_reason(code, &c.remote_close_reason)
                )),
                None if c.was_close_handshake_timeout == Some(true) || timer.is_some() => {
                    out.push("the peer never answered".to_string())
                }
                None => out.push("the peer sent no close code".to_string()),
            }
        }
        Some(false) => {
            match c.remote_close_code {
                Some(code) => out.push(format!(
                    "the peer sent close {}",
                    with_reason(code, &c.remote_close_reason)
                )),
                None if timer.is_some() && c.local_close_code.is_none() => {
                    out.push("nobody sent a close frame".to_string())
                }
                None => out.push("the peer ended the connection without a close code".to_string()),
            }
            if let Some(code) = c.local_close_code {
                out.push(format!(
                    "we answered with close {}",
                    with_reason(code, &c.local_close_reason)
                ));
            }
            if c.failed_by_me == Some(true) && timer.is_none() {
                out.push("we failed the connection".to_string());
            }
        }
        None => {
            if let Some(code) = c.remote_close_code {
                out.push(format!("the peer sent close {code}"));
            }
        }
    }
    out.extend(timer);
    match c.dropped_by_me {
        Some(true) => out.push("we dropped TCP".to_string()),
        Some(false) => out.push("the peer dropped TCP".to_string()),
        None => {}
    }
    if c.was_server_connection_drop_timeout == Some(true) {
        out.push("the server did not drop TCP in time".to_string());
    }
    match c.was_clean {
        Some(true) => out.push("the close was clean".to_string()),
        Some(false) => out.push(match c.was_not_clean_reason.as_deref() {
            Some(r) if !r.is_empty() => format!("not clean: {r}"),
            _ => "not clean".to_string(),
        }),
        None => {}
    }
    out
}

fn expected_text(case: &Case) -> String {
    let e = &case.expected_close;
    let mut parts = Vec::new();
    if let Some(me) = e.closed_by_me {
        parts.push(format!("{} to start the close", who(me)));
    }
    if !e.close_code.is_empty() {
        parts.push(format!("the peer's close code {}", codes(&e.close_code)));
    }
    match e.require_clean {
        Some(true) => parts.push("a clean close".to_string()),
        Some(false) => parts.push("clean or not".to_string()),
        None => {}
    }
    if e.closed_by_wrong_endpoint_is_fatal == Some(true) {
        parts.push("a wrong closer also fails the events".to_string());
    }
    format!("expected: {}", parts.join(", "))
}

/// Explains the closing behaviour of a case.
pub fn explain(case: &Case) -> ClosingExplanation {
    let r = rule(case);
    let rule_verdict = r.verdict();
    // Without `expectedClose` (a page alone) the rules cannot be checked.
    let known = case.expected_close != ExpectedClose::default();
    let agrees = case
        .behavior_close
        .as_ref()
        .filter(|_| known)
        .map(|v| *v == rule_verdict || *v == Verdict::Informational);
    let sentences = sentences(case);
    ClosingExplanation {
        verdict: case.behavior_close.clone(),
        rule: r,
        rule_text: if known {
            rule_text(case, r)
        } else {
            "not checked: the closing rules need expectedClose".to_string()
        },
        rule_verdict,
        agrees,
        summary: sentences.join("; "),
        sentences,
        expected: if known {
            expected_text(case)
        } else {
            "expected: not in this report (a case page does not show expectedClose)".to_string()
        },
    }
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    use super::*;
    use crate::load::read_case_file;

    fn fixture(rel: &str) -> Case {
        let p = Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../.."))
            .join("fixtures/reports")
            .join(rel);
        read_case_file(&p).unwrap()
    }

    #[test]
    fn each_verdict_word_comes_from_its_rule() {
        // file, rule the fields give, whether the report agrees
        let rows: &[(&str, CloseRule, bool)] = &[
            (
                "clients/stratus_2_case_2_11.json",
                CloseRule::NotClean,
                true,
            ),
            (
                "clients/nimbus_1_0_case_3_1.json",
                CloseRule::WrongCloser,
                true,
            ),
            (
                "servers/echo_server_case_7_9_1.json",
                CloseRule::WrongCode,
                true,
            ),
            (
                "servers/echo_server_case_5_1.json",
                CloseRule::ClientDroppedTcp,
                true,
            ),
            ("clients/stratus_2_case_1_1_1.json", CloseRule::Ok, true),
            ("servers/echo_server_case_6_4_1.json", CloseRule::Ok, true),
            (
                "servers/echo_server_case_2_10.json",
                CloseRule::NotClean,
                true,
            ),
            // INFORMATIONAL is set by the case itself: not a disagreement.
            ("clients/nimbus_1_0_case_7_1_6.json", CloseRule::Ok, true),
        ];
        for (file, want, agrees) in rows {
            let case = fixture(file);
            let x = explain(&case);
            assert_eq!(x.rule, *want, "{file}: {}", x.rule_text);
            assert_eq!(x.rule_verdict, want.verdict(), "{file}");
            assert_eq!(x.agrees, Some(*agrees), "{file}: report {:?}", x.verdict);
        }
    }

    #[test]
    fn a_report_that_disagrees_with_the_rules_is_flagged() {
        let mut case = fixture("servers/echo_server_case_6_4_1.json");
        case.behavior_close = Some(crate::model::Verdict::Unclean);
        let x = explain(&case);
        assert_eq!(x.rule, CloseRule::Ok);
        assert_eq!(x.agrees, Some(false));
    }

    #[test]
    fn the_seed_close_in_words() {
        let x = explain(&fixture("clients/stratus_2_case_2_11.json"));
        assert_eq!(
            x.summary,
            "we sent close after 3 s (close-after timer); the peer never answered; \
             we dropped TCP; not clean: peer did not respond (in time) in closing handshake"
        );
        assert_eq!(x.rule, CloseRule::NotClean);
    }

    #[test]
    fn a_wrong_code_names_both_codes() {
        let x = explain(&fixture("servers/echo_server_case_7_9_1.json"));
        assert!(
            x.summary.contains("the peer answered with close 1000"),
            "{}",
            x.summary
        );
        assert!(x.rule_text.contains("1000") && x.rule_text.contains("1002"));
    }
}

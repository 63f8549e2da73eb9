//! `explain`: why a case got its verdict, as data ([`Explanation`]); `render` lays it out.
//!
//! - [`diff`]: `received` against every accepted `expected` list (LCS), the closest kept.
//! - [`closing`]: the closing fields in words, and the judge's rule that applies.
//! - [`wire`]: the wire log summarised, and what the statistics show.
//! - [`families`]: sibling-case hints and known disputes.
//!
//! The JSON rendering of [`Explanation`] is a documented contract (docs/explain.md,
//! "`explain --format json`").

pub mod case;
pub mod closing;
pub mod diagnosis;
pub mod diff;
pub mod families;
pub mod faults;
pub mod hint;
pub mod limits;
pub mod negotiation;
pub mod ranges;
pub mod wire;

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::load::{self, LoadError};
use crate::model::{Case, CaseEntry, CaseId, Event, ExpectedClose, Mode, Verdict};

pub use closing::ClosingExplanation;
pub use diagnosis::{Diagnosis, FaultGroup};
pub use diff::Alignment;
pub use hint::Hint;
pub use wire::WireSummary;

/// The events part: `received` against the closest accepted list.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Events {
    /// The verdict word of the expected list compared against (`OK`, `NON-STRICT`, …); `None`
    /// when the case lists no expected events (then `received` is compared with nothing).
    pub against: Option<String>,
    /// Every accepted list and its number of edits, in the report's order.
    pub candidates: Vec<Candidate>,
    /// Number of events in the chosen expected list.
    pub expected_count: usize,
    /// Number of events received.
    pub received_count: usize,
    /// The diff against the chosen list (missing, unexpected, and the annotations).
    #[serde(flatten)]
    pub diff: Alignment,
    /// The events in one phrase: "10 of 10 expected pongs never arrived".
    pub summary: String,
}

impl Events {
    /// The section's heading: `Events (against OK: 10 expected, 0 received)`.
    pub fn heading(&self) -> String {
        match &self.against {
            Some(w) => format!(
                "Events (against {w}: {} expected, {} received)",
                self.expected_count, self.received_count
            ),
            None => format!("Events (none expected, {} received)", self.received_count),
        }
    }

    /// `closest of: OK 10 edits, NON-STRICT 12 edits` when the case accepts several lists.
    pub fn closest(&self) -> Option<String> {
        (self.candidates.len() > 1).then(|| {
            let c: Vec<String> = self
                .candidates
                .iter()
                .map(|c| format!("{} {} edits", c.verdict, c.edits))
                .collect();
            format!("closest of: {}", c.join(", "))
        })
    }
}

/// One accepted expected list and how far `received` is from it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Candidate {
    /// Its verdict word.
    pub verdict: String,
    /// Its length.
    pub events: usize,
    /// Missing + unexpected against it.
    pub edits: usize,
}

/// Why a case failed, as a key that groups cases (`--all`) and a phrase that reads after
/// "N cases".
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct Cause {
    /// A stable key: `split-across-reads`, `unimplemented`, `close-unclean`, …
    pub key: String,
    /// Reads after "N cases": "fail on frames split across reads".
    pub title: String,
    /// Reads after "1 case": "fails on frames split across reads".
    pub title_one: String,
}

/// Everything `explain` says about one case of one agent.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Explanation {
    /// The case id.
    pub id: Option<CaseId>,
    /// The agent.
    pub agent: String,
    /// Servers or clients tested.
    pub mode: Option<Mode>,
    /// `description`
    pub description: String,
    /// `expectation`
    pub expectation: String,
    /// The description's first line, without HTML tags.
    pub title: String,
    /// `behavior`
    pub behavior: Option<Verdict>,
    /// `behaviorClose`
    pub behavior_close: Option<Verdict>,
    /// Whether both verdicts are OK or INFORMATIONAL.
    pub passing: bool,
    /// One line: `2.11 FAILED: 10 of 10 expected pongs never arrived; close UNCLEAN`.
    pub headline: String,
    /// The cause, for non-passing cases.
    pub cause: Option<Cause>,
    /// The key of the fault the report-wide diagnosis attributes the case to
    /// ([`faults::FAULTS`]), or `unexplained`; `None` for passing cases.
    pub fault: Option<String>,
    /// This case's evidence for that fault.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fault_evidence: Option<String>,
    /// For passing cases: what was checked.
    pub checked: Vec<String>,
    /// The events diff.
    pub events: Events,
    /// The closing behaviour.
    pub closing: ClosingExplanation,
    /// The wire log and statistics.
    pub wire: WireSummary,
    /// The permessage-deflate negotiation, when the request offered it (12.x, 13.x).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub negotiation: Option<negotiation::Negotiation>,
    /// Hints from sibling cases of the same agent.
    pub hints: Vec<Hint>,
    /// Known disputes about the case.
    pub disputes: Vec<String>,
}

fn ok_word(v: &Option<Verdict>) -> bool {
    v.as_ref().is_some_and(crate::policy::clean)
}

fn plural_kind(kind: &str, n: usize) -> String {
    if n == 1 {
        kind.to_string()
    } else {
        format!("{kind}s")
    }
}

/// Counts per event kind, in first-seen order.
fn by_kind<'a>(events: impl Iterator<Item = &'a str>) -> Vec<(String, usize)> {
    let mut out: Vec<(String, usize)> = Vec::new();
    for k in events {
        match out.iter_mut().find(|(x, _)| x == k) {
            Some((_, n)) => *n += 1,
            None => out.push((k.to_string(), 1)),
        }
    }
    out
}

fn events_summary(case: &Case, ev: &Events, expected: &[Event]) -> String {
    if case.behavior == Some(Verdict::Unimplemented) {
        return "not run: the permessage-deflate offer was not accepted".to_string();
    }
    if ev.against.is_none() {
        // 9.x, 12.x, 13.x judge by their own rule and say why in `result`.
        if !ok_word(&case.behavior)
            && let Some(result) = case.result.as_deref().filter(|r| !r.is_empty())
        {
            let sent = case
                .id
                .as_ref()
                .and_then(limits::label)
                .map(|s| format!(" (sent {s})"))
                .unwrap_or_default();
            // "Did not receive message within 100 seconds." is what the case writes whenever
            // the echo never came, even when the peer closed at once: say what happened.
            if result.contains("within")
                && let Some(code) = case.closing.remote_close_code
            {
                let after = case
                    .duration_ms
                    .map(|ms| format!(" after {}", secs_text(ms)))
                    .unwrap_or_default();
                return format!(
                    "no echo: the peer closed with {code}{after}{sent}; the case's result \
                     reads \"{result}\""
                );
            }
            return format!("{result}{sent}");
        }
        return if ev.received_count == 0 {
            "no events expected, none received".to_string()
        } else {
            format!("no events expected, {} received", ev.received_count)
        };
    }
    let d = &ev.diff;
    if d.edits == 0 {
        let word = ev.against.as_deref().unwrap_or("OK");
        if word == "OK" && !ok_word(&case.behavior) {
            // 7.x: a WRONG CODE close fails the behaviour too; the events were fine
            return match &case.behavior_close {
                Some(Verdict::WrongCode) => format!(
                    "events as expected, but the peer's close code {} fails the case",
                    case.closing
                        .remote_close_code
                        .map(|c| c.to_string())
                        .unwrap_or("(none)".into())
                ),
                _ => match case.result.as_deref().filter(|r| !r.is_empty()) {
                    Some(r) => format!("events as expected; the case's own rule failed it: {r}"),
                    None => "events as expected; the verdict comes from the closing".to_string(),
                },
            };
        }
        if word == "OK" {
            return "events as expected".to_string();
        }
        // what made it non-strict: how the events differ from the OK list
        let ok = case
            .expected
            .iter()
            .find(|(w, _)| w == "OK")
            .map(|(_, l)| diff::align(&case.received, l));
        return match ok {
            Some(a) if a.edits > 0 => {
                let kinds = |list: Vec<&str>| {
                    by_kind(list.into_iter())
                        .into_iter()
                        .map(|(k, n)| format!("{n} {}", plural_kind(&k, n)))
                        .collect::<Vec<_>>()
                        .join(", ")
                };
                let missing = kinds(a.missing.iter().map(|m| m.event.kind.as_str()).collect());
                let extra = kinds(a.unexpected.iter().map(|m| m.event.kind.as_str()).collect());
                let mut why = Vec::new();
                if !missing.is_empty() {
                    why.push(format!("{missing} of the OK list never arrived"));
                }
                if !extra.is_empty() {
                    why.push(format!("{extra} beyond the OK list arrived"));
                }
                format!(
                    "events match the {word} expectation, not the OK one: {}",
                    why.join(", ")
                )
            }
            _ => format!("events match the {word} expectation"),
        };
    }
    let mut parts = Vec::new();
    let moved: Vec<usize> = d.out_of_order.iter().map(|m| m.expected_index).collect();
    let changed: Vec<usize> = d
        .different_payload
        .iter()
        .map(|c| c.expected_index)
        .collect();
    let plain_missing = d
        .missing
        .iter()
        .filter(|m| !moved.contains(&m.index) && !changed.contains(&m.index));
    for (kind, n) in by_kind(plain_missing.map(|m| m.event.kind.as_str())) {
        let total = expected.iter().filter(|e| e.kind() == kind).count();
        parts.push(format!(
            "{n} of {total} expected {} never arrived",
            plural_kind(&kind, total)
        ));
    }
    // A message whose payload is right but whose type (text/binary) is not is a different
    // fault from a changed payload: say which.
    let (retyped, repaid): (Vec<_>, Vec<_>) =
        d.different_payload.iter().partition(|c| is_retyped(c));
    if let Some(c) = retyped.first() {
        let n = retyped.len();
        let (got, want) = match c.received.binary {
            Some(true) => ("binary", "text"),
            _ => ("text", "binary"),
        };
        parts.push(format!(
            "{n} {} came back {got} where {want} was expected",
            plural_kind("message", n)
        ));
    }
    if !repaid.is_empty() {
        let n = repaid.len();
        parts.push(format!(
            "{n} {} with a different payload",
            plural_kind("event", n)
        ));
    }
    if !d.out_of_order.is_empty() {
        let n = d.out_of_order.len();
        parts.push(format!("{n} {} out of order", plural_kind("event", n)));
    }
    let moved_r: Vec<usize> = d.out_of_order.iter().map(|m| m.received_index).collect();
    let changed_r: Vec<usize> = d
        .different_payload
        .iter()
        .map(|c| c.received_index)
        .collect();
    let plain_unexpected = d
        .unexpected
        .iter()
        .filter(|u| !moved_r.contains(&u.index) && !changed_r.contains(&u.index));
    for (kind, n) in by_kind(plain_unexpected.map(|u| u.event.kind.as_str())) {
        parts.push(format!("{n} unexpected {}", plural_kind(&kind, n)));
    }
    parts.join(", ")
}

/// Milliseconds in words: `120 ms`, `3.2 s`.
fn secs_text(ms: u64) -> String {
    if ms < 1000 {
        format!("{ms} ms")
    } else {
        format!("{:.1} s", ms as f64 / 1000.0)
    }
}

fn cause(case: &Case, ev: &Events, closing: &ClosingExplanation, hints: &[Hint]) -> Cause {
    // (key, verb for many, verb for one, rest)
    let c = |key: String, many: &str, one: &str, rest: String| Cause {
        key,
        title: format!("{many} {rest}"),
        title_one: format!("{one} {rest}"),
    };
    let fail_fast = case.behavior == Some(Verdict::NonStrict)
        && case
            .id
            .as_ref()
            .is_some_and(|i| i.parts().starts_with(&[6, 4]));
    if fail_fast {
        // 6.4.x differ by chopping too, but NON-STRICT there is the fail-fast question.
        return c(
            "fail-fast-late".into(),
            "are",
            "is",
            "NON-STRICT: invalid UTF-8 was failed only when the message ended, not as soon as \
             it arrived"
                .into(),
        );
    }
    if hints.iter().any(|h| h.cause == Some("split-across-reads")) {
        return c(
            "split-across-reads".into(),
            "fail",
            "fails",
            "on frames split across reads".into(),
        );
    }
    if hints.iter().any(|h| h.cause == Some("fragmented")) {
        return c(
            "fragmented".into(),
            "fail",
            "fails",
            "on fragmented messages".into(),
        );
    }
    match &case.behavior {
        Some(Verdict::Unimplemented) => {
            return c(
                "unimplemented".into(),
                "are",
                "is",
                "UNIMPLEMENTED: the permessage-deflate offer was not accepted".into(),
            );
        }
        Some(Verdict::NonStrict) => {
            let id = case
                .id
                .as_ref()
                .map(|i| i.parts().to_vec())
                .unwrap_or_default();
            return if id.starts_with(&[6, 4]) {
                c(
                    "fail-fast-late".into(),
                    "are",
                    "is",
                    "NON-STRICT: invalid UTF-8 was failed only when the message ended, not as \
                     soon as it arrived"
                        .into(),
                )
            } else {
                c(
                    format!("non-strict:{}", ev.summary),
                    "are",
                    "is",
                    format!("NON-STRICT: {}", ev.summary),
                )
            };
        }
        Some(v) if !ok_word(&Some(v.clone())) => {
            return c(
                format!("events:{v}:{}", ev.summary),
                "are",
                "is",
                format!("{v}: {}", ev.summary),
            );
        }
        _ => {}
    }
    // The report's word decides what to name; the fields say why.
    let word = closing
        .verdict
        .clone()
        .unwrap_or_else(|| closing.rule_verdict.clone());
    let detail = match word {
        Verdict::Unclean => case
            .closing
            .was_not_clean_reason
            .clone()
            .unwrap_or_else(|| "the close was not clean".into()),
        Verdict::Failed if closing.rule == closing::CloseRule::HandshakeIncomplete => {
            "the opening handshake did not complete".into()
        }
        Verdict::Failed => "the wrong side started the close".into(),
        Verdict::WrongCode => "the peer's close code is not one the case accepts".into(),
        Verdict::FailedByClient => "the server did not close TCP itself".into(),
        _ => closing.rule_text.clone(),
    };
    c(
        format!("close:{word}:{detail}"),
        "close",
        "closes",
        format!("{word}: {detail}"),
    )
}

/// The whole description on one line, without the `<b>`/`<br>` tags the testsuite writes
/// (cutting it at its first line lost what many cases say after it).
fn short_title(description: &str) -> String {
    let joined = description.replace("<br>", " ");
    let joined = joined.split_whitespace().collect::<Vec<_>>().join(" ");
    let first = joined.as_str();
    let mut out = String::new();
    let mut in_tag = false;
    for ch in first.chars() {
        match ch {
            '<' => in_tag = true,
            '>' if in_tag => in_tag = false,
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    out
}

/// Explains one case. `siblings` are the index entries of the same agent in the same report
/// (for hints); pass `None` when there is no index.
pub fn explain_case(case: &Case, siblings: Option<&[CaseEntry]>) -> Explanation {
    // A case page does not show `expectedClose`; the catalog knows it for the cases it has.
    let filled;
    let case = match (&case.id, case.expected_close == ExpectedClose::default()) {
        (Some(id), true) => match crate::catalog::build(id) {
            Some(def) => {
                let mut c = case.clone();
                c.expected_close = def.expected_close;
                filled = c;
                &filled
            }
            None => case,
        },
        _ => case,
    };
    let reported = case.behavior.as_ref().map(Verdict::as_str);
    let chosen = diff::closest(&case.received, &case.expected, reported);
    let (against, expected, alignment): (Option<String>, &[Event], Alignment) = match chosen {
        Some((k, a)) => (Some(case.expected[k].0.clone()), &case.expected[k].1, a),
        None => (None, &[], diff::align(&case.received, &[])),
    };
    let candidates = case
        .expected
        .iter()
        .map(|(w, list)| Candidate {
            verdict: w.clone(),
            events: list.len(),
            edits: diff::align(&case.received, list).edits,
        })
        .collect();
    let mut events = Events {
        against,
        candidates,
        expected_count: expected.len(),
        received_count: case.received.len(),
        diff: alignment,
        summary: String::new(),
    };
    events.summary = events_summary(case, &events, expected);
    let closing = closing::explain(case);
    let passing = ok_word(&case.behavior) && ok_word(&case.behavior_close);
    let negotiation = negotiation::negotiation(case);
    let mut hints = match (&case.id, siblings) {
        (Some(id), Some(s)) => families::hints(id, passing, s),
        _ => Vec::new(),
    };
    // A parameter hint must not contradict the offer and answer shown: when this case's
    // answer declined the extension, the case did not run (nothing was mishandled); when the
    // answer does not carry the parameter named, say so.
    if let Some(n) = &negotiation {
        hints.retain_mut(|h| {
            if h.family != "deflate-parameters" {
                return true;
            }
            let Some(accepted) = &n.accepted else {
                return false;
            };
            for param in ["no_context_takeover", "max_window_bits"] {
                if h.text.contains(param) && !accepted.contains(param) {
                    h.text.push_str(&format!(
                        " (this case's answer, {accepted:?}, carries no {param}: the peer \
                         declined it here)"
                    ));
                    break;
                }
            }
            true
        });
    }
    // 2.10/2.11's dispute (only the last ping need be answered) bears on the case only when
    // some pongs, not all, arrived
    let pongs = |list: &[Event]| list.iter().filter(|e| e.kind() == "pong").count();
    let (got, want) = (pongs(&case.received), pongs(expected));
    let pong_dispute_applies = got > 0 && got < want;
    let disputes = case
        .id
        .as_ref()
        .map(families::disputes)
        .unwrap_or_default()
        .into_iter()
        .filter(|d| pong_dispute_applies || !d.contains("§5.5.3"))
        .map(str::to_string)
        .collect();
    let id_text = case
        .id
        .as_ref()
        .map(CaseId::to_string)
        .unwrap_or_else(|| "?".into());
    let word = |v: &Option<Verdict>| v.as_ref().map(Verdict::to_string).unwrap_or("?".into());
    let headline = format!(
        "{id_text} {}: {}; close {}",
        word(&case.behavior),
        events.summary,
        word(&case.behavior_close)
    );
    let checked = if passing {
        let mut c = vec![match &events.against {
            Some(w) => format!(
                "the {} received {} equal the {w} expectation exactly",
                events.received_count,
                plural_kind("event", events.received_count)
            ),
            None => "no events were expected".to_string(),
        }];
        c.push(format!(
            "closing: {} ({})",
            closing.expected, closing.rule_text
        ));
        c
    } else {
        Vec::new()
    };
    let cause = (!passing).then(|| cause(case, &events, &closing, &hints));
    Explanation {
        id: case.id.clone(),
        agent: case.agent.clone(),
        mode: case.mode(),
        description: case.description.clone(),
        expectation: case.expectation.clone(),
        title: short_title(&case.description),
        behavior: case.behavior.clone(),
        behavior_close: case.behavior_close.clone(),
        passing,
        headline,
        cause,
        fault: None,
        fault_evidence: None,
        checked,
        events,
        wire: wire::summarize(case),
        closing,
        negotiation,
        hints,
        disputes,
    }
}

/// A message received with the expected payload (as far as the report shows it) but the other
/// type (text for binary or the reverse): the pair is in `different_payload` because the
/// events differ, not the payloads.
pub fn is_retyped(c: &diff::PayloadChange) -> bool {
    c.expected.kind == "message"
        && (c.cut || c.expected.payload == c.received.payload)
        && c.expected.binary.is_some()
        && c.received.binary.is_some()
        && c.expected.binary != c.received.binary
}

/// The one-line explanation of a case (for `check` and other one-line outputs).
pub fn headline(case: &Case, siblings: Option<&[CaseEntry]>) -> String {
    explain_case(case, siblings).headline
}

/// The groups of `explain --all` (kept under its old name for callers).
pub type CauseGroup = FaultGroup;

/// What `wsreport explain` answers.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct ExplainReport {
    /// One per case and agent explained.
    pub explanations: Vec<Explanation>,
    /// With `--all`: the report-wide diagnosis, the non-passing cases grouped by the fault
    /// they are attributed to, gating failures first (`groups` in JSON).
    #[serde(flatten)]
    pub diagnosis: Diagnosis,
}

/// What to explain.
#[derive(Debug, Clone)]
pub enum Target {
    /// A case id, looked up in the reports under `path`.
    Id(CaseId),
    /// A case file.
    File(PathBuf),
    /// Every non-passing case under `path`.
    All,
}

/// Why `explain` could not answer.
#[derive(Debug, thiserror::Error)]
pub enum ExplainError {
    /// No report under the path holds the case (for the agent asked).
    #[error("case {case} not found under {}{}", path.display(), agent.as_ref().map(|a| format!(" for agent {a:?}")).unwrap_or_default())]
    UnknownCase {
        /// The case.
        case: CaseId,
        /// Where we looked.
        path: PathBuf,
        /// The agent asked for.
        agent: Option<String>,
    },
    /// The agent asked for is not in the reports.
    #[error("agent {agent:?} not found under {}", path.display())]
    UnknownAgent {
        /// The agent.
        agent: String,
        /// Where we looked.
        path: PathBuf,
    },
}

/// The answer and the input problems met on the way (each printed as one line).
#[derive(Debug, Default)]
pub struct Outcome {
    /// The explanations.
    pub report: ExplainReport,
    /// Files that could not be read.
    pub errors: Vec<LoadError>,
}

/// Runs `wsreport explain`: finds the case(s) under `path`, explains each non-passing agent (or
/// the one named; or, when every agent passes, each passing one).
pub fn run(target: &Target, path: &Path, agent: Option<&str>) -> Result<Outcome, ExplainError> {
    let mut out = Outcome::default();
    if let Target::File(file) = target {
        match load::read_case_file(file) {
            Ok(case) => {
                // Siblings from the index beside the file, when there is one.
                let dir = file.parent().filter(|p| !p.as_os_str().is_empty());
                let loaded = dir
                    .filter(|d| d.join("index.json").is_file())
                    .map(|d| load::load_paths(&[d.to_path_buf()]));
                let siblings = loaded.as_ref().and_then(|l| {
                    l.reports
                        .iter()
                        .flat_map(|r| &r.agents)
                        .find(|a| a.agent == case.agent)
                        .map(|a| a.cases.as_slice())
                });
                let mut x = explain_case(&case, siblings);
                if !x.passing {
                    let (_, a) = diagnosis::diagnose_agent(
                        file,
                        &case.agent,
                        siblings.unwrap_or_default(),
                        &[&case],
                        &[&x],
                    );
                    diagnosis::apply(&mut x, &a[0]);
                }
                out.report.explanations.push(x);
            }
            Err(e) => out.errors.push(e),
        }
        return Ok(out);
    }
    let loaded = load::load_paths(&[path.to_path_buf()]);
    out.errors = loaded.errors;
    let mut agent_seen = agent.is_none();
    let mut candidates: Vec<(&crate::model::Report, &crate::model::AgentRun, &CaseEntry)> =
        Vec::new();
    for r in &loaded.reports {
        for run in &r.agents {
            if agent.is_some_and(|a| a != run.agent) {
                continue;
            }
            agent_seen = true;
            for e in &run.cases {
                let wanted = match target {
                    Target::Id(id) => &e.id == id,
                    Target::All => !hint::passes(e),
                    Target::File(_) => false,
                };
                if wanted {
                    candidates.push((r, run, e));
                }
            }
        }
    }
    if !agent_seen {
        return Err(ExplainError::UnknownAgent {
            agent: agent.unwrap_or_default().to_string(),
            path: path.to_path_buf(),
        });
    }
    if let Target::Id(id) = target {
        if candidates.is_empty() && out.errors.is_empty() {
            return Err(ExplainError::UnknownCase {
                case: id.clone(),
                path: path.to_path_buf(),
                agent: agent.map(str::to_string),
            });
        }
        // Several agents and no name: the non-passing ones, unless all pass.
        if agent.is_none() && candidates.iter().any(|(_, _, e)| !hint::passes(e)) {
            candidates.retain(|(_, _, e)| !hint::passes(e));
        }
    }
    // Explained agent by agent, then diagnosed over the agent's whole run.
    let mut k = 0;
    while k < candidates.len() {
        let (r, run, _) = candidates[k];
        let mut end = k;
        while end < candidates.len()
            && std::ptr::eq(candidates[end].0, r)
            && std::ptr::eq(candidates[end].1, run)
        {
            end += 1;
        }
        let mut cases = Vec::new();
        let mut xs = Vec::new();
        for (_, _, e) in &candidates[k..end] {
            match load::load_case(r, &run.agent, e) {
                Ok(case) => {
                    xs.push(explain_case(&case, Some(&run.cases)));
                    cases.push(case);
                }
                Err(err) => out.errors.push(err),
            }
        }
        let failing: Vec<usize> = (0..xs.len()).filter(|&i| !xs[i].passing).collect();
        let (groups, attributions) = diagnosis::diagnose_agent(
            &r.path,
            &run.agent,
            &run.cases,
            &failing.iter().map(|&i| &cases[i]).collect::<Vec<_>>(),
            &failing.iter().map(|&i| &xs[i]).collect::<Vec<_>>(),
        );
        for (&i, a) in failing.iter().zip(&attributions) {
            diagnosis::apply(&mut xs[i], a);
        }
        out.report.explanations.extend(xs);
        if matches!(target, Target::All) {
            out.report.diagnosis.groups.extend(groups);
        }
        k = end;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixtures() -> PathBuf {
        Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../..")).join("fixtures/reports")
    }

    /// The seed case (case 2.11 of `stratus@2`, held as JSON until the page-text loader lands).
    fn seed() -> Explanation {
        let out = run(
            &Target::Id("2.11".parse().unwrap()),
            &fixtures().join("clients"),
            Some("stratus@2"),
        )
        .unwrap();
        assert!(out.errors.is_empty(), "{:?}", out.errors);
        assert_eq!(out.report.explanations.len(), 1);
        out.report.explanations.into_iter().next().unwrap()
    }

    #[test]
    fn the_seed_names_the_ten_missing_pongs() {
        let x = seed();
        // the headline names the fault the report-wide diagnosis found, with the symptom
        assert_eq!(
            x.headline,
            "2.11 FAILED: frames split across TCP reads are lost (no buffering across reads) \
             (our frames reached the peer in chops; 10 of 10 expected pongs never arrived); \
             close UNCLEAN"
        );
        assert_eq!(x.events.summary, "10 of 10 expected pongs never arrived");
        assert_eq!(x.events.against.as_deref(), Some("OK"));
        let missing: Vec<(String, Option<String>)> = x
            .events
            .diff
            .missing
            .iter()
            .map(|m| (m.event.kind.clone(), m.event.payload.clone()))
            .collect();
        let want: Vec<(String, Option<String>)> = (0..10)
            .map(|i| ("pong".to_string(), Some(format!("payload-{i}"))))
            .collect();
        assert_eq!(missing, want);
        assert!(x.events.diff.unexpected.is_empty());
    }

    #[test]
    fn the_seed_names_the_chops_the_timer_and_the_unanswered_close() {
        let x = seed();
        assert!(
            x.wire.notes.contains(
                &"our 110 writes of 1 octet: the frames arrived one byte at a time".to_string()
            ),
            "{:?}",
            x.wire.notes
        );
        assert!(
            x.wire
                .notes
                .contains(&"10 pings sent (opcode 9), 0 pongs received (opcode 10)".to_string())
        );
        assert!(x.wire.notes.contains(&"no frames received".to_string()));
        assert!(
            x.wire
                .lines
                .iter()
                .any(|l| l.text == "110 writes of 1 octet")
        );
        assert!(
            x.wire
                .lines
                .iter()
                .any(|l| l.text == "close-after timer set: 3 s")
        );
        assert!(x.closing.summary.starts_with(
            "we sent close after 3 s (close-after timer); the peer never answered; we dropped TCP"
        ));
        assert_eq!(x.closing.rule, closing::CloseRule::NotClean);
        assert_eq!(x.closing.agrees, Some(true));
        assert_eq!(x.hints[0].cause, Some("split-across-reads"));
        // no pong at all: "only the last ping need be answered" does not apply
        assert!(x.disputes.is_empty(), "{:?}", x.disputes);
        assert_eq!(x.cause.unwrap().key, "split-reads");
        assert_eq!(x.fault.as_deref(), Some("split-reads"));
    }

    #[test]
    fn a_passing_case_says_what_was_checked() {
        let out = run(
            &Target::Id("1.1.1".parse().unwrap()),
            &fixtures().join("clients"),
            None,
        )
        .unwrap();
        assert_eq!(
            out.report.explanations.len(),
            2,
            "both agents pass: both shown"
        );
        let x = &out.report.explanations[0];
        assert!(x.passing);
        assert_eq!(x.headline, "1.1.1 OK: events as expected; close OK");
        assert!(
            x.checked[0].contains("equal the OK expectation"),
            "{:?}",
            x.checked
        );
        assert!(x.cause.is_none() && x.hints.is_empty());
    }

    #[test]
    fn several_agents_explain_only_the_failing_one() {
        let out = run(
            &Target::Id("2.11".parse().unwrap()),
            &fixtures().join("clients"),
            None,
        )
        .unwrap();
        let agents: Vec<&str> = out
            .report
            .explanations
            .iter()
            .map(|x| x.agent.as_str())
            .collect();
        assert_eq!(agents, ["stratus@2"]);
    }

    #[test]
    fn unknown_case_and_agent_are_errors() {
        let dir = fixtures().join("clients");
        assert!(matches!(
            run(&Target::Id("9.9.9".parse().unwrap()), &dir, None),
            Err(ExplainError::UnknownCase { .. })
        ));
        assert!(matches!(
            run(&Target::Id("2.11".parse().unwrap()), &dir, Some("nobody")),
            Err(ExplainError::UnknownAgent { .. })
        ));
    }

    #[test]
    fn all_groups_by_cause() {
        let out = run(&Target::All, &fixtures().join("servers"), None).unwrap();
        assert!(out.errors.is_empty());
        let n: usize = out
            .report
            .diagnosis
            .groups
            .iter()
            .map(|g| g.cases.len())
            .sum();
        assert_eq!(n, out.report.explanations.len());
        assert!(
            out.report
                .diagnosis
                .groups
                .iter()
                .any(|g| g.key == "deflate-missing")
        );
    }

    #[test]
    fn a_case_file_is_explained_with_its_siblings() {
        let out = run(
            &Target::File(fixtures().join("clients/stratus_2_case_2_11.json")),
            Path::new("unused"),
            None,
        )
        .unwrap();
        assert_eq!(out.report.explanations[0].hints.len(), 1);
    }
}

#[cfg(test)]
mod size_tests {
    use super::*;

    #[test]
    fn the_last_pong_dispute_shows_only_when_some_pongs_arrived() {
        let pongs: Vec<Event> = (0..10)
            .map(|i| Event::Pong(format!("payload-{i}")))
            .collect();
        let case = |received: Vec<Event>| Case {
            id: Some("2.10".parse().unwrap()),
            agent: "A".into(),
            behavior: Some(Verdict::Failed),
            behavior_close: Some(Verdict::Ok),
            expected: vec![("OK".into(), pongs.clone())],
            received,
            ..Case::default()
        };
        let last = explain_case(&case(vec![pongs[9].clone()]), None);
        assert!(last.disputes.iter().any(|d| d.contains("§5.5.3")));
        assert!(explain_case(&case(Vec::new()), None).disputes.is_empty());
    }

    #[test]
    fn a_deflate_parameter_hint_never_contradicts_a_declined_offer() {
        let entry = |id: &str, ok: bool| CaseEntry {
            id: id.parse().unwrap(),
            behavior: if ok {
                Verdict::Ok
            } else {
                Verdict::Unimplemented
            },
            behavior_close: Verdict::Ok,
            duration_ms: 0,
            remote_close_code: None,
            reportfile: None,
        };
        let siblings = [
            entry("13.1.1", true),
            entry("13.2.1", true),
            entry("13.3.1", false),
            entry("13.4.1", true),
            entry("13.5.1", false),
            entry("13.6.1", true),
        ];
        let case = Case {
            id: Some("13.3.1".parse().unwrap()),
            agent: "A".into(),
            behavior: Some(Verdict::Unimplemented),
            behavior_close: Some(Verdict::Ok),
            http_request: Some(
                "GET / HTTP/1.1\r\nSec-WebSocket-Extensions: permessage-deflate; \
                 client_max_window_bits=9; server_max_window_bits=9\r\n\r\n"
                    .into(),
            ),
            http_response: Some("HTTP/1.1 101 Switching Protocols\r\n\r\n".into()),
            ..Case::default()
        };
        let with_index = families::hints(&"13.3.1".parse().unwrap(), false, &siblings);
        assert!(with_index.iter().any(|h| h.family == "deflate-parameters"));
        let x = explain_case(&case, Some(&siblings));
        assert!(x.negotiation.as_ref().unwrap().accepted.is_none());
        assert!(
            x.hints.iter().all(|h| h.family != "deflate-parameters"),
            "{:?}",
            x.hints
        );
    }

    #[test]
    fn a_wrong_code_failing_the_behaviour_says_so() {
        let case = Case {
            id: Some("7.7.5".parse().unwrap()),
            agent: "A".into(),
            behavior: Some(Verdict::Failed),
            behavior_close: Some(Verdict::WrongCode),
            expected: vec![("OK".into(), Vec::new())],
            closing: crate::model::Closing {
                remote_close_code: Some(1002),
                ..Default::default()
            },
            ..Case::default()
        };
        let x = explain_case(&case, None);
        assert_eq!(
            x.events.summary,
            "events as expected, but the peer's close code 1002 fails the case"
        );
    }

    #[test]
    fn a_size_case_refused_at_once_says_so_not_the_timeout() {
        let case = Case {
            id: Some("9.1.2".parse().unwrap()),
            agent: "A".into(),
            behavior: Some(Verdict::Failed),
            behavior_close: Some(Verdict::Ok),
            duration_ms: Some(100),
            result: Some("Did not receive message within 100 seconds.".into()),
            closing: crate::model::Closing {
                remote_close_code: Some(1009),
                ..Default::default()
            },
            ..Case::default()
        };
        let x = explain_case(&case, None);
        assert!(
            x.events
                .summary
                .starts_with("no echo: the peer closed with 1009 after 100 ms (sent 256 KiB"),
            "{}",
            x.events.summary
        );
    }

    #[test]
    fn a_size_case_is_explained_by_its_result_and_what_it_sent() {
        let case = Case {
            id: Some("9.1.4".parse().unwrap()),
            agent: "A".into(),
            behavior: Some(Verdict::Failed),
            behavior_close: Some(Verdict::Ok),
            result: Some("Did not receive message within 100 seconds.".into()),
            ..Case::default()
        };
        let x = explain_case(&case, None);
        assert_eq!(
            x.headline,
            "9.1.4 FAILED: Did not receive message within 100 seconds. (sent 4 MiB in one \
             frame); close OK"
        );
        // a passing one keeps the plain summary
        let ok = Case {
            behavior: Some(Verdict::Ok),
            result: Some("Received text message of length 4194304.".into()),
            ..case
        };
        assert!(explain_case(&ok, None).passing);
        assert_eq!(
            explain_case(&ok, None).events.summary,
            "no events expected, none received"
        );
    }
}

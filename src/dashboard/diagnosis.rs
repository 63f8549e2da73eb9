//! The one place where `explain`'s answer becomes the dashboard's: [`diagnosis`] maps an
//! [`Explanation`] (per case) and [`group`] a [`FaultGroup`] (report-wide) into the small,
//! display-ready values the page shows. When `explain`'s types change, only this file changes.

use serde::Serialize;

use crate::explain::{Explanation, FaultGroup};
use crate::render::explain::{event, moved, payload_change};

/// At most this many missing or unexpected events are listed per case (the rest counted): the
/// 9.7/9.8 round-trip cases can expect a thousand events, and the page stays small.
pub const MAX_EVENTS: usize = 40;

/// Why a case failed: the fault that groups it with others, and its evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Fault {
    /// A stable key (`split-across-reads`, `unimplemented`, …).
    pub key: String,
    /// Reads after "1 case": "fails on frames split across reads".
    pub title: String,
    /// What points at it: the sibling-case hints.
    pub evidence: Vec<String>,
}

/// One line of an explanation section; `kind` says how to mark it (`missing`, `unexpected`,
/// `note`, `problem`, or empty for plain text).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Line {
    /// How the line is marked.
    #[serde(skip_serializing_if = "str::is_empty")]
    pub kind: &'static str,
    /// The line.
    pub text: String,
}

/// A titled part of an explanation: events, closing, wire, negotiation, disputes.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Section {
    /// `events`, `closing`, `wire`, `negotiation`, `disputes`.
    pub key: &'static str,
    /// The heading: "Events (against OK: 10 expected, 0 received)".
    pub title: String,
    /// The lines, in order.
    pub lines: Vec<Line>,
}

/// What the page shows for one case of one agent.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diagnosis {
    /// One line: `2.11 FAILED: 10 of 10 expected pongs never arrived; close UNCLEAN`.
    pub headline: String,
    /// The fault, for a case that does not pass.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub fault: Option<Fault>,
    /// For a passing case: what was checked.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub checked: Vec<String>,
    /// The explanation, for a case that does not pass (a passing one needs only `checked`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sections: Vec<Section>,
}

/// A report-wide group of cases of one agent that fail for one reason.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Group {
    /// The column (report and agent) of the dashboard.
    pub column: usize,
    /// The fault's key.
    pub key: String,
    /// "16 cases fail on frames split across reads".
    pub title: String,
    /// The cases, in id order.
    pub cases: Vec<String>,
}

fn line(kind: &'static str, text: String) -> Line {
    Line { kind, text }
}

fn capped<T>(
    items: &[T],
    kind: &'static str,
    what: &str,
    show: impl Fn(&T) -> String,
) -> Vec<Line> {
    let mut out: Vec<Line> = items
        .iter()
        .take(MAX_EVENTS)
        .map(|i| line(kind, show(i)))
        .collect();
    if items.len() > MAX_EVENTS {
        out.push(line(
            kind,
            format!("… and {} more {what}", items.len() - MAX_EVENTS),
        ));
    }
    out
}

fn events(x: &Explanation) -> Section {
    let ev = &x.events;
    let title = ev.heading();
    let mut lines = vec![line("", ev.summary.clone())];
    if let Some(c) = ev.closest() {
        lines.push(line("note", c));
    }
    let d = &ev.diff;
    lines.extend(capped(&d.missing, "missing", "missing", |m| {
        format!("missing #{} {}", m.index + 1, event(&m.event))
    }));
    lines.extend(capped(&d.unexpected, "unexpected", "unexpected", |u| {
        format!("unexpected #{} {}", u.index + 1, event(&u.event))
    }));
    lines.extend(capped(&d.different_payload, "note", "", payload_change));
    lines.extend(capped(&d.out_of_order, "note", "", moved));
    Section {
        key: "events",
        title,
        lines,
    }
}

fn closing(x: &Explanation) -> Section {
    let cl = &x.closing;
    let verdict = cl
        .verdict
        .as_ref()
        .map(|v| v.to_string())
        .unwrap_or("?".into());
    let mut lines: Vec<Line> = cl.sentences.iter().map(|s| line("", s.clone())).collect();
    lines.push(line("note", format!("required: {}", cl.expected)));
    lines.push(line("note", format!("rule: {}", cl.rule_text)));
    if cl.agrees == Some(false) {
        lines.push(line(
            "problem",
            format!(
                "the report says {verdict}, but the rules give {}",
                cl.rule_verdict
            ),
        ));
    }
    Section {
        key: "closing",
        title: format!("Closing ({verdict})"),
        lines,
    }
}

fn wire(x: &Explanation) -> Section {
    let mut lines = Vec::new();
    if !x.wire.logged {
        lines.push(line("note", "no wire log in the report".into()));
    }
    lines.extend(x.wire.lines.iter().map(|l| line("", l.text.clone())));
    lines.extend(x.wire.notes.iter().map(|n| line("note", n.clone())));
    Section {
        key: "wire",
        title: "Wire".into(),
        lines,
    }
}

/// The dashboard's view of one explanation.
pub fn diagnosis(x: &Explanation) -> Diagnosis {
    if x.passing {
        return Diagnosis {
            headline: x.headline.clone(),
            fault: None,
            checked: x.checked.clone(),
            sections: Vec::new(),
        };
    }
    let mut sections = vec![events(x), closing(x), wire(x)];
    if let Some(n) = &x.negotiation {
        let mut lines = vec![line("", format!("offered: {}", n.offered))];
        lines.push(line(
            "",
            match &n.accepted {
                Some(a) => format!("accepted: {a}"),
                None => "accepted: nothing (no extension in the answer)".into(),
            },
        ));
        lines.extend(n.problems.iter().map(|p| line("problem", p.clone())));
        sections.push(Section {
            key: "negotiation",
            title: "permessage-deflate negotiation".into(),
            lines,
        });
    }
    // The sibling hints are the fault's evidence, shown with it.
    let hints: Vec<String> = x.hints.iter().map(|h| h.text.clone()).collect();
    if !x.disputes.is_empty() {
        sections.push(Section {
            key: "disputes",
            title: "Known disputes".into(),
            lines: x.disputes.iter().map(|d| line("", d.clone())).collect(),
        });
    }
    Diagnosis {
        headline: x.headline.clone(),
        fault: x.fault.as_ref().map(|key| Fault {
            key: key.clone(),
            title: x
                .cause
                .as_ref()
                .filter(|c| c.key == *key)
                .map_or_else(|| "no known fault explains it".into(), |c| c.title.clone()),
            evidence: x.fault_evidence.iter().cloned().chain(hints).collect(),
        }),
        checked: Vec::new(),
        sections,
    }
}

/// The dashboard's view of one report-wide group; `column` is where its agent is shown.
pub fn group(g: &FaultGroup, column: usize) -> Group {
    let n = match g.cases.len() {
        1 => "1 case".to_string(),
        n => format!("{n} cases"),
    };
    Group {
        column,
        key: g.key.clone(),
        title: format!("{n}: {} ({})", g.title, g.evidence),
        cases: g.cases.iter().map(ToString::to_string).collect(),
    }
}

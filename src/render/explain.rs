//! `explain` as text (terminal) and Markdown (issues). Lays out an [`ExplainReport`]; every
//! sentence was written by [`crate::explain`].

use std::fmt::Write;

use super::Style;
use crate::explain::diff::{EventView, Moved, PayloadChange};
use crate::explain::{ExplainReport, Explanation};
use crate::text::{markdown_code, markdown_inline, visible};

/// An event in words: `pong "payload-0"`, `message "…" (binary)`.
pub(crate) fn event(e: &EventView) -> String {
    let mut s = e.kind.clone();
    if let Some(p) = &e.payload {
        let _ = write!(s, " {p:?}");
    }
    if e.binary == Some(true) {
        s.push_str(" (binary)");
    }
    if let Some(raw) = &e.raw {
        let _ = write!(s, " {raw}");
    }
    s
}

/// A "different payload" annotation in words.
pub(crate) fn payload_change(c: &PayloadChange) -> String {
    format!(
        "different payload: expected #{} {}, received #{} {}{}",
        c.expected_index + 1,
        event(&c.expected),
        c.received_index + 1,
        event(&c.received),
        if c.cut {
            " (cut by the report at 64 characters: they may differ beyond what is shown)"
        } else {
            ""
        }
    )
}

/// An "out of order" annotation in words.
pub(crate) fn moved(m: &Moved) -> String {
    format!(
        "out of order: {} expected at #{}, received at #{}",
        event(&m.event),
        m.expected_index + 1,
        m.received_index + 1
    )
}

fn paint(text: &str, code: &str, style: Style) -> String {
    if style.color {
        format!("\x1b[{code}m{text}\x1b[0m")
    } else {
        text.to_string()
    }
}

/// Lines of one explanation, with a bullet prefix per list item (`"  "` for text, `"- "` for
/// Markdown), grouped under section titles.
fn sections(x: &Explanation, bullet: &str) -> Vec<(String, Vec<String>)> {
    let mut out = Vec::new();
    let ev = &x.events;
    let mut lines = Vec::new();
    if x.passing {
        for c in &x.checked {
            lines.push(format!("{bullet}checked: {c}"));
        }
    }
    let title = match &ev.against {
        Some(w) => format!(
            "Events (against {w}: {} expected, {} received)",
            ev.expected_count, ev.received_count
        ),
        None => format!("Events (none expected, {} received)", ev.received_count),
    };
    if ev.candidates.len() > 1 {
        let c: Vec<String> = ev
            .candidates
            .iter()
            .map(|c| format!("{} {} edits", c.verdict, c.edits))
            .collect();
        lines.push(format!("{bullet}closest of: {}", c.join(", ")));
    }
    lines.push(format!("{bullet}{}", ev.summary));
    for m in &ev.diff.missing {
        lines.push(format!(
            "{bullet}missing    #{} {}",
            m.index + 1,
            event(&m.event)
        ));
    }
    for u in &ev.diff.unexpected {
        lines.push(format!(
            "{bullet}unexpected #{} {}",
            u.index + 1,
            event(&u.event)
        ));
    }
    for c in &ev.diff.different_payload {
        lines.push(format!("{bullet}{}", payload_change(c)));
    }
    for m in &ev.diff.out_of_order {
        lines.push(format!("{bullet}{}", moved(m)));
    }
    out.push((title, lines));

    let cl = &x.closing;
    let verdict = cl
        .verdict
        .as_ref()
        .map(|v| v.to_string())
        .unwrap_or("?".into());
    let mut lines = vec![
        format!("{bullet}{}", cl.summary),
        format!("{bullet}{}", cl.expected),
        format!("{bullet}rule: {}", cl.rule_text),
    ];
    if cl.agrees == Some(false) {
        lines.push(format!(
            "{bullet}the report says {verdict}, but the rules give {}",
            cl.rule_verdict
        ));
    }
    out.push((format!("Closing ({verdict})"), lines));

    let mut lines = Vec::new();
    if !x.wire.logged {
        lines.push(format!("{bullet}no wire log in the report"));
    }
    for l in &x.wire.lines {
        lines.push(format!("{bullet}{}", l.text));
    }
    for n in &x.wire.notes {
        lines.push(format!("{bullet}note: {n}"));
    }
    out.push(("Wire".into(), lines));

    if let Some(n) = &x.negotiation {
        let mut lines = vec![format!("{bullet}offered: {}", n.offered)];
        lines.push(match &n.accepted {
            Some(a) => format!("{bullet}accepted: {a}"),
            None => format!("{bullet}accepted: nothing (no extension in the answer)"),
        });
        for p in &n.problems {
            lines.push(format!("{bullet}problem: {p}"));
        }
        out.push(("permessage-deflate negotiation".into(), lines));
    }

    if !x.hints.is_empty() {
        out.push((
            "Hints from sibling cases".into(),
            x.hints
                .iter()
                .map(|h| format!("{bullet}{}", h.text))
                .collect(),
        ));
    }
    if !x.disputes.is_empty() {
        out.push((
            "Known disputes".into(),
            x.disputes.iter().map(|d| format!("{bullet}{d}")).collect(),
        ));
    }
    out
}

fn groups_text(r: &ExplainReport, bullet: &str) -> Vec<String> {
    r.groups
        .iter()
        .map(|g| {
            let ids: Vec<String> = g.cases.iter().map(|c| c.to_string()).collect();
            let (n, title) = match g.cases.len() {
                1 => ("1 case".to_string(), &g.cause.title_one),
                n => (format!("{n} cases"), &g.cause.title),
            };
            format!(
                "{bullet}{} ({}): {n} {title}: {}",
                g.agent,
                g.report.display(),
                ids.join(", ")
            )
        })
        .collect()
}

/// The terminal rendering. Every line is made [`visible`]: a report's texts (agent names,
/// payloads, close reasons) never reach the terminal as escape sequences or line breaks.
pub fn text(r: &ExplainReport, style: Style) -> String {
    let mut out = String::new();
    if !r.groups.is_empty() {
        out.push_str(&paint("Non-passing cases by cause", "1", style));
        out.push('\n');
        for l in groups_text(r, "  ") {
            out.push_str(&visible(&l));
            out.push('\n');
        }
        out.push('\n');
    }
    for (i, x) in r.explanations.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let code = if x.passing { "1;32" } else { "1;31" };
        out.push_str(&paint(&visible(&x.headline), code, style));
        out.push('\n');
        let _ = writeln!(out, "agent {}: {}", visible(&x.agent), visible(&x.title));
        for (title, lines) in sections(x, "  ") {
            out.push('\n');
            out.push_str(&paint(&visible(&title), "1", style));
            out.push('\n');
            for l in lines {
                out.push_str(&visible(&l));
                out.push('\n');
            }
        }
    }
    out
}

/// The Markdown rendering (for an issue or `$GITHUB_STEP_SUMMARY`). A report's texts stay
/// inline ([`markdown_inline`]): a newline in an agent name cannot start a heading, nor `<…>`
/// become HTML.
pub fn markdown(r: &ExplainReport) -> String {
    let mut out = String::new();
    if !r.groups.is_empty() {
        out.push_str("### Non-passing cases by cause\n\n");
        for l in groups_text(r, "- ") {
            out.push_str(&markdown_inline(&l));
            out.push('\n');
        }
        out.push('\n');
    }
    for x in &r.explanations {
        let _ = writeln!(out, "### {}\n", markdown_inline(&x.headline));
        let _ = writeln!(
            out,
            "Agent {}: {}\n",
            markdown_code(&x.agent),
            markdown_inline(&x.title)
        );
        for (title, lines) in sections(x, "- ") {
            let _ = writeln!(out, "**{}**\n", markdown_inline(&title));
            for l in lines {
                out.push_str(&markdown_inline(&l));
                out.push('\n');
            }
            out.push('\n');
        }
    }
    out
}

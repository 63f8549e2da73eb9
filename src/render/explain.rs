//! `explain` as text (terminal) and Markdown (issues). Lays out an [`ExplainReport`]; every
//! sentence was written by [`crate::explain`].

use std::fmt::Write;

use super::Style;
use crate::explain::case::CaseDescription;
use crate::explain::diff::{EventView, Moved, PayloadChange};
use crate::explain::{ExplainReport, Explanation};
use crate::text::{markdown_code, markdown_inline, visible};

/// An event in words: `pong "payload-0"`, `message "…" (binary)`.
pub(crate) fn event(e: &EventView) -> String {
    let mut s = e.kind.clone();
    if let Some(p) = &e.payload {
        // long payloads (hex dumps of invalid UTF-8) cut, with their length, for 80 columns
        let _ = write!(s, " {:?}", crate::explain::ranges::cut(p, 40));
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
    let title = ev.heading();
    if let Some(c) = ev.closest() {
        lines.push(format!("{bullet}{c}"));
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

/// The width text output is wrapped to.
pub const WIDTH: usize = 80;

/// `line` wrapped at spaces to `width` columns; continuation lines indented like the first
/// line's text (after its leading spaces and bullet), plus `extra`.
fn wrap(line: &str, width: usize, extra: usize) -> Vec<String> {
    if line.chars().count() <= width {
        return vec![line.to_string()];
    }
    let lead = line.len() - line.trim_start().len();
    let bullet = if line[lead..].starts_with("- ") { 2 } else { 0 };
    let indent = " ".repeat(lead + bullet + extra);
    let mut out: Vec<String> = Vec::new();
    let mut cur = String::new();
    for word in line[lead..].split(' ') {
        let prefix = if out.is_empty() && cur.is_empty() {
            " ".repeat(lead)
        } else {
            String::new()
        };
        let candidate = if cur.is_empty() {
            format!("{prefix}{word}")
        } else {
            format!("{cur} {word}")
        };
        if candidate.chars().count() > width && !cur.trim().is_empty() {
            out.push(cur);
            cur = format!("{indent}{word}");
        } else {
            cur = candidate;
        }
    }
    out.push(cur);
    out
}

fn class_word(c: crate::explain::faults::Class) -> &'static str {
    use crate::explain::faults::Class;
    match c {
        Class::Failed => "failing",
        Class::NonStrict => "NON-STRICT",
        Class::Informational => "INFORMATIONAL",
        Class::Unimplemented => "UNIMPLEMENTED",
    }
}

/// The diagnosis: per agent, one block per group (title, cases as ranges, evidence).
fn groups_text(r: &ExplainReport, bullet: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut agent: Option<(&str, &std::path::Path)> = None;
    for g in &r.diagnosis.groups {
        if agent != Some((g.agent.as_str(), g.report.as_path())) {
            agent = Some((g.agent.as_str(), g.report.as_path()));
            out.push(format!("agent {} ({}):", g.agent, g.report.display()));
        }
        let n = match g.cases.len() {
            1 => "1 case".to_string(),
            n => format!("{n} cases"),
        };
        out.push(format!(
            "{bullet}{n} {} [{}]: {}",
            class_word(g.class),
            g.key,
            g.title
        ));
        out.push(format!(
            "{bullet}  cases: {}",
            crate::explain::ranges::collapse(&g.cases)
        ));
        out.push(format!("{bullet}  evidence: {}", g.evidence));
    }
    out
}

/// The terminal rendering. Every line is made [`visible`]: a report's texts (agent names,
/// payloads, close reasons) never reach the terminal as escape sequences or line breaks.
pub fn text(r: &ExplainReport, style: Style) -> String {
    let mut out = String::new();
    if !r.diagnosis.groups.is_empty() {
        out.push_str(&paint("Diagnosis: non-passing cases by fault", "1", style));
        out.push('\n');
        for l in groups_text(r, "  ") {
            for w in wrap(&visible(&l), WIDTH, 2) {
                out.push_str(&w);
                out.push('\n');
            }
        }
        out.push('\n');
    }
    for (i, x) in r.explanations.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        let code = if x.passing { "1;32" } else { "1;31" };
        for w in wrap(&visible(&x.headline), WIDTH, 2) {
            out.push_str(&paint(&w, code, style));
            out.push('\n');
        }
        for w in wrap(
            &format!("agent {}: {}", visible(&x.agent), visible(&x.title)),
            WIDTH,
            2,
        ) {
            out.push_str(&w);
            out.push('\n');
        }
        push_sections(&mut out, sections(x, "  "), style);
    }
    out
}

/// Titled sections, each line wrapped at [`WIDTH`].
fn push_sections(out: &mut String, sections: Vec<(String, Vec<String>)>, style: Style) {
    for (title, lines) in sections {
        out.push('\n');
        out.push_str(&paint(&visible(&title), "1", style));
        out.push('\n');
        for l in lines {
            for w in wrap(&visible(&l), WIDTH, 2) {
                out.push_str(&w);
                out.push('\n');
            }
        }
    }
}

/// The Markdown rendering (for an issue or `$GITHUB_STEP_SUMMARY`). A report's texts stay
/// inline ([`markdown_inline`]): a newline in an agent name cannot start a heading, nor `<…>`
/// become HTML.
pub fn markdown(r: &ExplainReport) -> String {
    let mut out = String::new();
    if !r.diagnosis.groups.is_empty() {
        out.push_str("### Diagnosis: non-passing cases by fault\n\n");
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

fn case_sections(d: &CaseDescription, bullet: &str) -> Vec<(String, Vec<String>)> {
    let list = |l: &[String]| l.iter().map(|x| format!("{bullet}{x}")).collect::<Vec<_>>();
    let mut out = vec![
        ("What it sends".to_string(), list(&d.sends)),
        (
            format!("What it expects ({})", d.rfc),
            list(&d.expects)
                .into_iter()
                .chain([format!("{bullet}closing: {}", d.closing)])
                .chain([format!(
                    "{bullet}in the testsuite's words: {}",
                    d.expectation
                )])
                .collect(),
        ),
    ];
    if !d.faults.is_empty() {
        out.push((
            "Faults that make it fail".into(),
            d.faults
                .iter()
                .map(|f| format!("{bullet}[{}] {}", f.key, f.title))
                .collect(),
        ));
    }
    if !d.disputes.is_empty() {
        out.push((
            "Known disputes".into(),
            d.disputes.iter().map(|x| format!("{bullet}{x}")).collect(),
        ));
    }
    out
}

/// `wsreport case` as text.
pub fn case_text(d: &CaseDescription, style: Style) -> String {
    let mut out = String::new();
    for w in wrap(&format!("{} {}", d.id, d.description), WIDTH, 2) {
        out.push_str(&paint(&w, "1", style));
        out.push('\n');
    }
    push_sections(&mut out, case_sections(d, "  "), style);
    out
}

/// `wsreport case` as Markdown.
pub fn case_markdown(d: &CaseDescription) -> String {
    let mut out = format!("### {} {}\n\n", d.id, d.description);
    for (title, lines) in case_sections(d, "- ") {
        let _ = writeln!(out, "**{title}**\n");
        for l in lines {
            out.push_str(&l);
            out.push('\n');
        }
        out.push('\n');
    }
    out
}

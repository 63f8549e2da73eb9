//! `--format markdown`: GitHub-flavoured tables, for `$GITHUB_STEP_SUMMARY` and issues.

use std::fmt::Write;

use super::{report_heading, summary_rows};
use crate::summary::Summary;

/// Escapes a table cell (or any inline text): `|`, line breaks (`\r` too), controls and HTML
/// ([`crate::text::markdown_inline`]).
pub fn cell(s: &str) -> String {
    crate::text::markdown_inline(s)
}

/// The summary as Markdown: one heading and table per report, then the errors.
pub fn summary(s: &Summary) -> String {
    let mut out = String::new();
    for r in &s.reports {
        let _ = writeln!(out, "### {}\n", cell(&report_heading(r)));
        let _ = write!(out, "| |");
        for a in &r.agents {
            let _ = write!(out, " {} |", cell(&a.agent));
        }
        let _ = write!(out, "\n|---|");
        for _ in &r.agents {
            out.push_str("---|");
        }
        out.push('\n');
        for row in summary_rows(r) {
            let _ = write!(out, "| {} |", cell(&row.label));
            for c in &row.cells {
                let _ = write!(out, " {} |", cell(c));
            }
            out.push('\n');
        }
        out.push('\n');
    }
    if !s.errors.is_empty() {
        out.push_str("### Errors\n\n");
        for e in &s.errors {
            let _ = writeln!(
                out,
                "- {}: {}",
                crate::text::markdown_code(&e.path.display().to_string()),
                cell(&e.error)
            );
        }
    }
    out
}

fn md_table<const N: usize>(out: &mut String, header: [&str; N], rows: Vec<[String; N]>) {
    let _ = writeln!(out, "| {} |", header.join(" | "));
    let _ = writeln!(out, "|{}", "---|".repeat(N));
    for r in rows {
        let cells: Vec<String> = r.iter().map(|c| cell(c)).collect();
        let _ = writeln!(out, "| {} |", cells.join(" | "));
    }
}

/// `check` as Markdown: heading, warnings, a table of every case that is not a plain pass.
pub fn check(r: &crate::compare::check::CheckReport) -> String {
    use super::gate;
    let mut out = format!("### {}\n\n", cell(&gate::check_heading(r)));
    for w in &r.warnings {
        let _ = writeln!(out, "> **Warning:** {}\n", cell(&w.message));
    }
    let rows: Vec<[String; 6]> = gate::check_rows(r).into_iter().map(|r| r.cells).collect();
    if !rows.is_empty() {
        md_table(&mut out, gate::CHECK_HEADER, rows);
        out.push('\n');
    }
    let _ = writeln!(out, "{}", gate::check_counts(r));
    out
}

/// `compare` as Markdown: heading, warnings, one row per changed case.
pub fn compare(c: &crate::compare::diff::Comparison) -> String {
    use super::gate;
    let mut out = format!("### {}\n\n", cell(&gate::compare_heading(c)));
    for w in &c.warnings {
        let _ = writeln!(out, "> **Warning:** {}\n", cell(&w.message));
    }
    let rows: Vec<[String; 5]> = gate::compare_rows(c).into_iter().map(|(r, _)| r).collect();
    if !rows.is_empty() {
        md_table(&mut out, gate::COMPARE_HEADER, rows);
        out.push('\n');
    }
    let _ = writeln!(out, "{}", gate::compare_counts(c));
    out
}

/// `run`: the summary, the policy's verdict.
pub fn run(r: &crate::run::RunReport) -> String {
    let mut out = summary(&r.summary);
    out.push('\n');
    if let Some(c) = &r.check {
        out.push_str(&check(c));
    }
    out.push_str(&super::run_footer(r));
    out
}

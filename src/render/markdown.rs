//! `--format markdown`: GitHub-flavoured tables, for `$GITHUB_STEP_SUMMARY` and issues.

use std::fmt::Write;

use super::{report_heading, summary_rows};
use crate::summary::Summary;

/// Escapes a table cell.
pub fn cell(s: &str) -> String {
    s.replace('|', "\\|").replace('\n', " ")
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
            let _ = writeln!(out, "- `{}`: {}", e.path.display(), e.error);
        }
    }
    out
}

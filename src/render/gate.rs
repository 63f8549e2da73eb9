//! Rows shared by the table and Markdown renderings of `check` and `compare`.

use super::Tone;
use crate::compare::Change;
use crate::compare::check::{CheckReport, Status};
use crate::compare::diff::{Comparison, Side};
use crate::compare::run::Outcome;

/// `OK/UNCLEAN (1000)`, or `-` when absent.
pub(crate) fn outcome_cell(o: Option<&Outcome>) -> String {
    match o {
        Some(o) => match o.remote_close_code {
            Some(code) => format!("{} ({code})", o.pair()),
            None => o.pair(),
        },
        None => "-".into(),
    }
}

/// The line above a check table.
pub(crate) fn check_heading(r: &CheckReport) -> String {
    let verdict = if r.passed { "PASSED" } else { "FAILED" };
    let mut s = format!(
        "check {verdict}: {} gating case(s) of {} under policy {} (unimplemented: {}); testsuite {}",
        r.gating,
        r.cases.len(),
        r.policy.name,
        r.policy.unimplemented.as_str(),
        if r.testsuite.is_empty() {
            "unknown".to_string()
        } else {
            r.testsuite.join(", ")
        }
    );
    if let Some(b) = &r.baseline {
        s.push_str(&format!("; baseline {}", b.display()));
    }
    s
}

/// Per-status counts as one line: `pass 510, fail 7`.
pub(crate) fn check_counts(r: &CheckReport) -> String {
    r.counts
        .iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// A row of the check table.
pub(crate) struct CheckRow {
    pub cells: [String; 6],
    pub tone: Tone,
}

/// Header of the check table.
pub(crate) const CHECK_HEADER: [&str; 6] = ["agent", "case", "status", "now", "baseline", "reason"];

/// Every case worth a line: not a plain pass, not a skip (unless flaky).
pub(crate) fn check_rows(r: &CheckReport) -> Vec<CheckRow> {
    r.cases
        .iter()
        .filter(|c| c.flaky || !matches!(c.status, Status::Pass | Status::Skip))
        .map(|c| {
            let mut status = if c.allowed.is_some() {
                format!("{} (allowed)", c.status.as_str())
            } else {
                c.status.as_str().to_string()
            };
            if c.flaky {
                status.push_str(" (flaky)");
            }
            let reason = match &c.allowed {
                Some(a) => format!("{} [allowed: {a}]", c.reason),
                None => c.reason.clone(),
            };
            let tone = if c.gating {
                Tone::Bad
            } else if c.status == Status::Improvement {
                Tone::Good
            } else {
                Tone::Warn
            };
            CheckRow {
                cells: [
                    c.agent.clone(),
                    c.case.to_string(),
                    status,
                    outcome_cell(c.outcome.as_ref()),
                    if r.baseline.is_some() {
                        outcome_cell(c.baseline.as_ref())
                    } else {
                        String::new()
                    },
                    reason,
                ],
                tone,
            }
        })
        .collect()
}

/// The line above a compare table.
pub(crate) fn compare_heading(c: &Comparison) -> String {
    let side = |r: &crate::compare::diff::RunInfo| {
        let paths: Vec<String> = r.reports.iter().map(|p| p.display().to_string()).collect();
        let suite = if r.testsuite.is_empty() {
            "unknown".to_string()
        } else {
            r.testsuite.join(", ")
        };
        format!(
            "{} (testsuite {suite}, {} cases)",
            paths.join(" + "),
            r.cases
        )
    };
    format!(
        "compare under policy {}: OLD {} → NEW {}",
        c.policy.name,
        side(&c.old),
        side(&c.new)
    )
}

/// Per-class counts as one line.
pub(crate) fn compare_counts(c: &Comparison) -> String {
    let n = &c.counts;
    format!(
        "regression {}, improvement {}, changed {}, missing {}, new {}, unchanged {}; behavior changed on {}, close on {}",
        n.regression,
        n.improvement,
        n.changed,
        n.missing,
        n.new,
        n.unchanged,
        c.behavior_changes,
        c.close_changes
    )
}

/// Header of the compare table.
pub(crate) const COMPARE_HEADER: [&str; 5] = ["agent", "case", "change", "old", "new"];

/// One row per changed case.
pub(crate) fn compare_rows(c: &Comparison) -> Vec<([String; 5], Tone)> {
    let cell = |s: &Option<Side>| outcome_cell(s.as_ref().map(|s| &s.outcome));
    c.changes
        .iter()
        .map(|ch| {
            let tone = match ch.change {
                Change::Regression => Tone::Bad,
                Change::Improvement => Tone::Good,
                Change::Missing => Tone::Warn,
                _ => Tone::Plain,
            };
            (
                [
                    ch.agent.clone(),
                    ch.case.to_string(),
                    ch.change.as_str().to_string(),
                    cell(&ch.old),
                    cell(&ch.new),
                ],
                tone,
            )
        })
        .collect()
}

//! `--format github`: GitHub Actions workflow commands (`::error title=…::…`), one per line,
//! so failing cases appear as annotations on the run.
//!
//! Escaping follows GitHub's toolkit (`@actions/core` `command.ts`): in the message `%`, `\r`,
//! `\n` become `%25`, `%0D`, `%0A`; in properties `:` and `,` also become `%3A`, `%2C`.

use std::fmt::Write;

use super::fit::ANNOTATIONS;
use crate::compare::Change;
use crate::compare::check::{CheckReport, Status};
use crate::compare::diff::Comparison;

/// Escapes a command's message.
pub fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value (`title=…`).
pub fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

fn command(out: &mut String, kind: &str, title: &str, message: &str) {
    let _ = writeln!(
        out,
        "::{kind} title={}::{}",
        escape_property(title),
        escape_data(message)
    );
}

/// How bad a gating case is, for picking the annotations GitHub shows: a regression first,
/// then a case gone missing, changed, new, and a plain policy failure last.
fn severity(s: Status) -> u8 {
    match s {
        Status::Regression => 0,
        Status::Missing => 1,
        Status::Changed => 2,
        Status::New => 3,
        Status::Fail => 4,
        _ => 5,
    }
}

/// `case 2.11 (agent)`, comma-separated, for the notice that lists what the annotations left out.
fn case_list<'a>(cases: impl Iterator<Item = (&'a crate::model::CaseId, &'a str)>) -> String {
    cases
        .map(|(c, a)| format!("{c} ({a})"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Warnings, at most [`ANNOTATIONS`], the rest counted in the last one.
fn warnings(out: &mut String, warnings: &[crate::compare::Warning]) {
    for (i, w) in warnings.iter().enumerate() {
        if i + 1 == ANNOTATIONS && warnings.len() > ANNOTATIONS {
            command(
                out,
                "warning",
                "wsreport",
                &format!(
                    "{} more warning(s); see the table or JSON output",
                    warnings.len() - i
                ),
            );
            break;
        }
        command(out, "warning", "wsreport", &w.message);
    }
}

/// `check`: an error per gating case, the worst first (regressions, missing, changed, new,
/// failures) and at most [`ANNOTATIONS`] of them (GitHub shows no more per step); one notice
/// names the gating cases left out, one the cases the allow-list excused, one the verdict.
pub fn check(r: &CheckReport) -> String {
    let mut out = String::new();
    warnings(&mut out, &r.warnings);
    let mut gating: Vec<&crate::compare::check::CheckCase> =
        r.cases.iter().filter(|c| c.gating).collect();
    gating.sort_by_key(|c| severity(c.status));
    for c in gating.iter().take(ANNOTATIONS) {
        let title = format!("wsreport {}: case {} ({})", r.policy.name, c.case, c.agent);
        let text = if c.flaky {
            format!("flaky: {}", c.reason)
        } else {
            c.reason.clone()
        };
        command(&mut out, "error", &title, &text);
    }
    if gating.len() > ANNOTATIONS {
        let rest = &gating[ANNOTATIONS..];
        command(
            &mut out,
            "notice",
            "wsreport check: more gating cases",
            &format!(
                "{} more gating case(s) not annotated: {}",
                rest.len(),
                case_list(rest.iter().map(|c| (&c.case, c.agent.as_str())))
            ),
        );
    }
    let allowed: Vec<String> = r
        .cases
        .iter()
        .filter_map(|c| {
            c.allowed
                .as_ref()
                .map(|why| format!("{} ({}): {why}: {}", c.case, c.agent, c.reason))
        })
        .collect();
    if !allowed.is_empty() {
        command(
            &mut out,
            "notice",
            "wsreport check: allowed failures",
            &format!("{} allowed: {}", allowed.len(), allowed.join("; ")),
        );
    }
    let verdict = if r.passed { "passed" } else { "failed" };
    let flaky = r.cases.iter().filter(|c| c.flaky).count();
    let flaky = if flaky > 0 {
        format!(", {flaky} flaky")
    } else {
        String::new()
    };
    let _ = writeln!(
        out,
        "::notice title=wsreport check::{}",
        escape_data(&format!(
            "{verdict}: {} gating case(s) of {} under {}{flaky}",
            r.gating,
            r.cases.len(),
            r.policy.name
        ))
    );
    out
}

/// `compare`: an error per regression and a warning per missing case, at most
/// [`ANNOTATIONS`] of each; one notice names the rest.
pub fn compare(c: &Comparison) -> String {
    let mut out = String::new();
    warnings(&mut out, &c.warnings);
    let pair = |s: &Option<crate::compare::diff::Side>| {
        s.as_ref()
            .map(|s| s.outcome.pair())
            .unwrap_or_else(|| "absent".into())
    };
    let mut left = Vec::new();
    for (kind, change) in [("error", Change::Regression), ("warning", Change::Missing)] {
        let all: Vec<_> = c.changes.iter().filter(|ch| ch.change == change).collect();
        for ch in all.iter().take(ANNOTATIONS) {
            let title = format!("wsreport compare: case {} ({})", ch.case, ch.agent);
            let msg = format!(
                "{}: {} → {}",
                ch.change.as_str(),
                pair(&ch.old),
                pair(&ch.new)
            );
            command(&mut out, kind, &title, &msg);
        }
        left.extend(all.into_iter().skip(ANNOTATIONS));
    }
    if !left.is_empty() {
        command(
            &mut out,
            "notice",
            "wsreport compare: more changes",
            &format!(
                "{} more regression(s) or missing case(s) not annotated: {}",
                left.len(),
                case_list(left.iter().map(|ch| (&ch.case, ch.agent.as_str())))
            ),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_follows_the_toolkit() {
        assert_eq!(escape_data("50% a\r\nb: c, d"), "50%25 a%0D%0Ab: c, d");
        assert_eq!(
            escape_property("case 2.11 (a:b, c)\n"),
            "case 2.11 (a%3Ab%2C c)%0A"
        );
    }
}

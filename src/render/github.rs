//! `--format github`: GitHub Actions workflow commands (`::error title=…::…`), one per line,
//! so failing cases appear as annotations on the run.
//!
//! Escaping follows GitHub's toolkit (`@actions/core` `command.ts`): in the message `%`, `\r`,
//! `\n` become `%25`, `%0D`, `%0A`; in properties `:` and `,` also become `%3A`, `%2C`.

use std::fmt::Write;

use crate::compare::Change;
use crate::compare::check::CheckReport;
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

/// `check`: an error per gating case, a notice per allowed case, a warning per warning.
pub fn check(r: &CheckReport) -> String {
    let mut out = String::new();
    for w in &r.warnings {
        command(&mut out, "warning", "wsreport", &w.message);
    }
    for c in &r.cases {
        let title = format!("wsreport {}: case {} ({})", r.policy.name, c.case, c.agent);
        if c.gating {
            command(&mut out, "error", &title, &c.reason);
        } else if let Some(why) = &c.allowed {
            command(
                &mut out,
                "notice",
                &title,
                &format!("allowed ({why}): {}", c.reason),
            );
        }
    }
    let verdict = if r.passed { "passed" } else { "failed" };
    let _ = writeln!(
        out,
        "::notice title=wsreport check::{}",
        escape_data(&format!(
            "{verdict}: {} gating case(s) of {} under {}",
            r.gating,
            r.cases.len(),
            r.policy.name
        ))
    );
    out
}

/// `compare`: an error per regression, a warning per missing case and per warning.
pub fn compare(c: &Comparison) -> String {
    let mut out = String::new();
    for w in &c.warnings {
        command(&mut out, "warning", "wsreport", &w.message);
    }
    for ch in &c.changes {
        let title = format!("wsreport compare: case {} ({})", ch.case, ch.agent);
        let pair = |s: &Option<crate::compare::diff::Side>| {
            s.as_ref()
                .map(|s| s.outcome.pair())
                .unwrap_or_else(|| "absent".into())
        };
        let msg = format!(
            "{}: {} → {}",
            ch.change.as_str(),
            pair(&ch.old),
            pair(&ch.new)
        );
        match ch.change {
            Change::Regression => command(&mut out, "error", &title, &msg),
            Change::Missing => command(&mut out, "warning", &title, &msg),
            _ => {}
        }
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

//! `--format junit`: JUnit XML (quick-junit) for GitHub, GitLab and Jenkins test reports.
//!
//! One `<testsuite>` per agent, one `<testcase>` per case: `name` is the case id, `classname`
//! the category (`2 Pings/Pongs`), a gating case is a `<failure>` whose `message` is the one-line
//! reason and whose body gives the details; skipped cases are `<skipped>`.

use quick_junit::{NonSuccessKind, Report, TestCase, TestCaseStatus, TestSuite};

use crate::compare::Change;
use crate::compare::check::CheckReport;
use crate::compare::diff::{Comparison, Side};
use crate::compare::run::Outcome;
use crate::model::{CaseId, category_title};

fn classname(id: &CaseId) -> String {
    format!("{} {}", id.category(), category_title(id.category()))
}

fn outcome_text(o: &Option<Outcome>) -> String {
    match o {
        Some(o) => format!(
            "behavior {}, behaviorClose {}, remoteCloseCode {}",
            o.behavior,
            o.behavior_close,
            o.remote_close_code
                .map_or_else(|| "none".to_string(), |c| c.to_string())
        ),
        None => "absent".into(),
    }
}

fn suites<T>(
    items: &[T],
    agent: impl Fn(&T) -> &str,
    case: impl Fn(&T) -> TestCase,
) -> Vec<TestSuite> {
    let mut suites: Vec<TestSuite> = Vec::new();
    for item in items {
        let name = agent(item);
        if suites.last().is_none_or(|s| s.name.as_str() != name) {
            suites.push(TestSuite::new(name));
        }
        if let Some(s) = suites.last_mut() {
            s.add_test_case(case(item));
        }
    }
    suites
}

/// Serializes, then drops the `skipped` count quick-junit writes on `<testsuites>`: Jenkins'
/// schema (junit-10.xsd) does not allow it there, and each `<testsuite>` keeps its own count.
fn finish(report: &mut Report) -> String {
    let xml = report
        .to_string()
        .expect("JUnit serialization into a String does not fail");
    let root = xml.find("<testsuites").unwrap_or(0);
    let end = xml[root..].find('>').map_or(xml.len(), |i| root + i);
    let head = &xml[root..end];
    let cleaned = match head.find(" skipped=\"") {
        Some(i) => {
            let rest = &head[i + " skipped=\"".len()..];
            let close = rest.find('"').map_or(rest.len(), |j| j + 1);
            format!("{}{}", &head[..i], &rest[close..])
        }
        None => head.to_string(),
    };
    let xml = format!("{}{cleaned}{}\n", &xml[..root], &xml[end..]);
    // quick-junit escapes markup but passes on what XML cannot hold at all (U+FFFE, C0
    // controls from an agent name or a reason); structure is ASCII, so the whole document
    // can be cleaned at once.
    crate::text::xml_safe(&xml).into_owned()
}

/// `check` as JUnit: failures are the gating cases.
pub fn check(r: &CheckReport) -> String {
    let mut report = Report::new(format!("wsreport check ({})", r.policy.name));
    report.add_test_suites(suites(
        &r.cases,
        |c| &c.agent,
        |c| {
            let details = format!(
                "status: {}\nnow: {}\nbaseline: {}\npolicy: {} (unimplemented: {})\n{}",
                c.status.as_str(),
                outcome_text(&c.outcome),
                outcome_text(&c.baseline),
                r.policy.name,
                r.policy.unimplemented.as_str(),
                c.allowed
                    .as_ref()
                    .map(|a| format!("allowed: {a}\n"))
                    .unwrap_or_default()
            ) + if c.flaky {
                "flaky: the verdicts changed between attempts (see wsreport-attempts.json)\n"
            } else {
                ""
            };
            let status = if c.gating {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                let message = if c.flaky {
                    format!("flaky: {}", c.reason)
                } else {
                    c.reason.clone()
                };
                s.set_message(message)
                    .set_type(c.status.as_str())
                    .set_description(details.as_str());
                s
            } else if c.status == crate::compare::check::Status::Skip {
                let mut s = TestCaseStatus::skipped();
                s.set_message(c.reason.as_str());
                s
            } else {
                TestCaseStatus::success()
            };
            let mut t = TestCase::new(c.case.to_string(), status);
            t.set_classname(classname(&c.case));
            if !c.gating && (!c.reason.is_empty() || c.flaky) {
                t.set_system_out(details);
            }
            t
        },
    ));
    finish(&mut report)
}

/// `compare` as JUnit: one testcase per changed case; regressions and missing cases fail.
pub fn compare(c: &Comparison) -> String {
    let mut report = Report::new(format!("wsreport compare ({})", c.policy.name));
    let side = |s: &Option<Side>| outcome_text(&s.as_ref().map(|s| s.outcome.clone()));
    report.add_test_suites(suites(
        &c.changes,
        |ch| &ch.agent,
        |ch| {
            let details = format!("old: {}\nnew: {}", side(&ch.old), side(&ch.new));
            let status = if matches!(ch.change, Change::Regression | Change::Missing) {
                let mut s = TestCaseStatus::non_success(NonSuccessKind::Failure);
                s.set_message(format!(
                    "{}: {}",
                    ch.change.as_str(),
                    details.replace('\n', "; ")
                ))
                .set_type(ch.change.as_str())
                .set_description(details.as_str());
                s
            } else {
                TestCaseStatus::success()
            };
            let mut t = TestCase::new(ch.case.to_string(), status);
            t.set_classname(classname(&ch.case));
            t
        },
    ));
    finish(&mut report)
}

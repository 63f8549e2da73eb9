//! Regression gating: `compare OLD NEW`, `check PATH`, `baseline PATH`.
//!
//! - [`run`]: batches (several report directories or index files of the same agents) merged
//!   into one [`run::Run`].
//! - [`baseline`]: the small JSON file of known outcomes `check --baseline` compares against.
//! - [`allow`]: cases allowed to fail, each with a reason.
//! - [`diff`]: `compare`: every case of two runs classified ([`Change`]).
//! - [`check`]: `check`: the CI gate.
//!
//! Everything here returns data; `crate::render` lays it out.

pub mod allow;
pub mod attempts;
pub mod baseline;
pub mod check;
pub mod diff;
pub mod run;
pub mod upgrade;

use serde::Serialize;

use crate::model::CaseId;
use crate::policy::{Judgement, Policy};
use run::Outcome;

/// How a case differs between an old and a new run, judged by a policy.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Change {
    /// Passed (or was skipped) before, fails now.
    Regression,
    /// Failed before, passes (or is skipped) now.
    Improvement,
    /// The verdicts changed but the pass class did not (`OK` → `NON-STRICT` under rfc, or
    /// `FAILED` → `UNCLEAN`).
    Changed,
    /// In the old run, not in the new.
    Missing,
    /// In the new run, not in the old.
    New,
}

impl Change {
    /// The class as JSON and tables spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Change::Regression => "regression",
            Change::Improvement => "improvement",
            Change::Changed => "changed",
            Change::Missing => "missing",
            Change::New => "new",
        }
    }
}

/// Classifies one case; `None` when both runs have it with the same verdicts (a different
/// close code alone is not a change).
pub fn classify(
    policy: &Policy,
    id: &CaseId,
    old: Option<&Outcome>,
    new: Option<&Outcome>,
) -> Option<Change> {
    match (old, new) {
        (None, None) => None,
        (Some(_), None) => Some(Change::Missing),
        (None, Some(_)) => Some(Change::New),
        (Some(o), Some(n)) if o.same_verdicts(n) => None,
        (Some(o), Some(n)) => {
            let was = judge(policy, id, o).is_ok();
            let is = judge(policy, id, n).is_ok();
            Some(match (was, is) {
                (true, false) => Change::Regression,
                (false, true) => Change::Improvement,
                _ => Change::Changed,
            })
        }
    }
}

/// The policy's judgement of an outcome.
pub fn judge(policy: &Policy, id: &CaseId, o: &Outcome) -> Judgement {
    policy.judge(id, &o.behavior, &o.behavior_close)
}

/// The one-line reason a case fails: the `explain` headline when its case file can be read
/// (`2.11 FAILED: 10 of 10 expected pongs never arrived; close UNCLEAN (expected OK/OK under
/// rfc)`), else the verdicts alone (`behavior FAILED, close UNCLEAN (expected …)`).
pub fn headline(agent: &str, case: &run::RunCase, policy: &Policy) -> String {
    let o = Outcome::from(&case.entry);
    match crate::load::load_case_in(&case.dir, agent, &case.entry) {
        Ok(full) => format!(
            "{} ({})",
            crate::explain::headline(&full, None),
            expectation_note(&o, policy)
        ),
        Err(_) => outcome_headline(&o, policy),
    }
}

fn outcome_headline(o: &Outcome, policy: &Policy) -> String {
    format!(
        "behavior {}, close {} ({})",
        o.behavior,
        o.behavior_close,
        expectation_note(o, policy)
    )
}

/// What the policy wanted: `expected OK/OK under rfc`.
fn expectation_note(o: &Outcome, policy: &Policy) -> String {
    if o.behavior == crate::model::Verdict::Unimplemented {
        format!(
            "UNIMPLEMENTED fails with --unimplemented {}",
            policy.unimplemented.as_str()
        )
    } else {
        format!(
            "expected {} under {}",
            policy.name.expectation(),
            policy.name
        )
    }
}

/// What a warning is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum WarningKind {
    /// The two runs were made by different testsuite versions.
    TestsuiteChanged,
    /// The agent names differ between the runs.
    AgentsDiffer,
    /// One run tested servers, the other clients: the cases are not the same tests.
    ModesDiffer,
    /// A case was met twice with different outcomes while merging batches.
    BatchConflict,
}

/// Something the user should know that does not fail the command.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    /// What it is about.
    pub kind: WarningKind,
    /// One line.
    pub message: String,
}

/// An agent of the old run and its counterpart in the new run; `None` on the side it is missing.
pub type AgentPair = (Option<String>, Option<String>);

/// Pairs the agents of two runs by name. When each run has exactly one agent and the names
/// differ, the two are paired (agent strings often carry a version) with a warning; otherwise
/// agents found on one side only are reported with a warning and stay unpaired.
pub fn pair_agents(
    old: &[String],
    new: &[String],
    old_label: &str,
    new_label: &str,
) -> (Vec<AgentPair>, Option<Warning>) {
    if old.len() == 1 && new.len() == 1 && old[0] != new[0] {
        let w = Warning {
            kind: WarningKind::AgentsDiffer,
            message: format!(
                "the agent differs: {old_label} has {:?}, {new_label} has {:?}; compared as one agent",
                old[0], new[0]
            ),
        };
        return (vec![(Some(old[0].clone()), Some(new[0].clone()))], Some(w));
    }
    let mut pairs = Vec::new();
    let mut names: Vec<&String> = old.iter().chain(new.iter()).collect();
    names.sort();
    names.dedup();
    let (mut only_old, mut only_new) = (Vec::new(), Vec::new());
    for n in names {
        let (o, w) = (old.contains(n), new.contains(n));
        if o && !w {
            only_old.push(format!("{n:?}"));
        }
        if w && !o {
            only_new.push(format!("{n:?}"));
        }
        pairs.push((o.then(|| n.clone()), w.then(|| n.clone())));
    }
    let warning = (!only_old.is_empty() || !only_new.is_empty()).then(|| {
        let mut parts = Vec::new();
        if !only_old.is_empty() {
            parts.push(format!("only in {old_label}: {}", only_old.join(", ")));
        }
        if !only_new.is_empty() {
            parts.push(format!("only in {new_label}: {}", only_new.join(", ")));
        }
        Warning {
            kind: WarningKind::AgentsDiffer,
            message: format!("the agents differ ({})", parts.join("; ")),
        }
    });
    (pairs, warning)
}

/// A warning when both sides name testsuite versions and they differ.
pub fn testsuite_warning(
    old: &[String],
    new: &[String],
    old_label: &str,
    new_label: &str,
    close_changes: usize,
) -> Option<Warning> {
    let differ = !old.is_empty() && !new.is_empty() && {
        let (mut a, mut b) = (old.to_vec(), new.to_vec());
        a.sort();
        b.sort();
        a != b
    };
    differ.then(|| Warning {
        kind: WarningKind::TestsuiteChanged,
        message: format!(
            "the testsuite changed: {old_label} ran {}, {new_label} ran {}; {close_changes} closing verdict(s) changed",
            old.join(", "),
            new.join(", ")
        ),
    })
}

/// A warning when the two runs tested different roles (servers vs clients).
pub fn mode_warning(old: &run::Run, new: &run::Run) -> Option<Warning> {
    let words = |r: &run::Run| {
        r.modes
            .iter()
            .map(|m| match m {
                crate::model::Mode::Servers => "tests servers",
                crate::model::Mode::Clients => "tests clients",
            })
            .collect::<Vec<_>>()
            .join(", ")
    };
    (!old.modes.is_empty() && !new.modes.is_empty() && old.modes != new.modes).then(|| Warning {
        kind: WarningKind::ModesDiffer,
        message: format!(
            "the runs test different roles: OLD {}, NEW {}; the same case id is a different \
             test in each role, so the comparison says little",
            words(old),
            words(new)
        ),
    })
}

/// Warnings for batch conflicts of a run: one per case, or, when more than
/// [`CONFLICTS_NAMED`] cases of one agent conflict between the same two reports (two whole runs
/// of the agent given to one gate, more likely than batches), one for the pair that counts them
/// and says how to compare the two runs instead.
pub fn conflict_warnings(run: &run::Run) -> Vec<Warning> {
    // the conflicts per (agent, first report, kept report), in the order first met
    let mut pairs: Vec<Vec<&run::Conflict>> = Vec::new();
    for c in &run.conflicts {
        let same = |p: &&run::Conflict| {
            p.agent == c.agent && p.first_path == c.first_path && p.kept_path == c.kept_path
        };
        match pairs.iter_mut().find(|g| g.first().is_some_and(same)) {
            Some(g) => g.push(c),
            None => pairs.push(vec![c]),
        }
    }
    let warn = |message| Warning {
        kind: WarningKind::BatchConflict,
        message,
    };
    let mut out = Vec::new();
    for g in pairs {
        let (first, n) = (g[0], g.len());
        if n <= CONFLICTS_NAMED {
            out.extend(g.iter().map(|c| warn(c.message())));
        } else {
            out.push(warn(format!(
                "agent {:?}: {n} cases are in two reports with different outcomes ({} {} in {}, \
                 {} in {}, and {} more); the later ({}) is used for each. Two runs of one agent? \
                 Compare them: wsreport compare {} {}",
                first.agent,
                first.case,
                first.first.pair(),
                first.first_path.display(),
                first.kept.pair(),
                first.kept_path.display(),
                n - 1,
                first.kept_path.display(),
                first.first_path.display(),
                first.kept_path.display(),
            )));
        }
    }
    out
}

/// How many conflicting cases between two reports are named one by one.
pub const CONFLICTS_NAMED: usize = 3;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Verdict;
    use crate::policy::{PolicyName, Unimplemented};

    fn o(b: &str, c: &str) -> Outcome {
        Outcome {
            behavior: Verdict::parse(b),
            behavior_close: Verdict::parse(c),
            remote_close_code: Some(1000),
        }
    }

    #[test]
    fn conflicts_are_named_one_by_one_until_two_reports_disagree_on_many_cases() {
        let conflict = |agent: &str, case: &str, first: &str, kept: &str| run::Conflict {
            agent: agent.into(),
            case: case.parse().unwrap(),
            first: o("OK", "OK"),
            first_path: first.into(),
            kept: o("OK", "UNCLEAN"),
            kept_path: kept.into(),
        };
        let mut run = run::Run::default();
        // two cases between a and b, then four between c and d (two whole runs)
        run.conflicts.push(conflict("x", "2.1", "a", "b"));
        run.conflicts.push(conflict("x", "2.2", "a", "b"));
        for case in ["1.1.1", "1.1.2", "1.1.3", "1.1.4"] {
            run.conflicts.push(conflict("x", case, "c", "d"));
        }
        let w: Vec<String> = conflict_warnings(&run)
            .into_iter()
            .map(|w| w.message)
            .collect();
        assert_eq!(w.len(), 3, "{w:#?}");
        assert!(
            w[0].contains("case 2.1 ") && w[1].contains("case 2.2 "),
            "{w:#?}"
        );
        assert!(
            w[2].starts_with("agent \"x\": 4 cases are in two reports")
                && w[2].contains("1.1.1 OK/OK in c, OK/UNCLEAN in d, and 3 more")
                && w[2].ends_with("wsreport compare c d"),
            "{}",
            w[2]
        );
    }

    #[test]
    fn each_change_class() {
        let rfc = Policy::default();
        let id: CaseId = "2.11".parse().unwrap();
        let rows = [
            (Some(o("OK", "OK")), Some(o("OK", "OK")), None),
            (
                Some(o("OK", "OK")),
                Some(o("FAILED", "OK")),
                Some(Change::Regression),
            ),
            (
                Some(o("OK", "OK")),
                Some(o("OK", "UNCLEAN")),
                Some(Change::Regression),
            ),
            (
                Some(o("FAILED", "OK")),
                Some(o("OK", "OK")),
                Some(Change::Improvement),
            ),
            (
                Some(o("OK", "OK")),
                Some(o("NON-STRICT", "OK")),
                Some(Change::Changed),
            ),
            (
                Some(o("FAILED", "OK")),
                Some(o("OK", "UNCLEAN")),
                Some(Change::Changed),
            ),
            (Some(o("OK", "OK")), None, Some(Change::Missing)),
            (None, Some(o("OK", "OK")), Some(Change::New)),
        ];
        for (old, new, want) in rows {
            assert_eq!(
                classify(&rfc, &id, old.as_ref(), new.as_ref()),
                want,
                "{old:?} → {new:?}"
            );
        }
        let mut code = o("OK", "OK");
        code.remote_close_code = Some(1001);
        assert_eq!(classify(&rfc, &id, Some(&o("OK", "OK")), Some(&code)), None);
    }

    #[test]
    fn headline_names_both_verdicts_and_the_policy() {
        let rfc = Policy::default();
        assert_eq!(
            outcome_headline(&o("FAILED", "UNCLEAN"), &rfc),
            "behavior FAILED, close UNCLEAN (expected OK/OK under rfc)"
        );
        let p = Policy {
            name: PolicyName::Strict,
            unimplemented: Unimplemented::SkipCompression,
        };
        assert!(outcome_headline(&o("UNIMPLEMENTED", "OK"), &p).contains("skip-compression"));
    }

    #[test]
    fn one_agent_each_pairs_across_names() {
        let (pairs, w) = pair_agents(&["a/1".into()], &["a/2".into()], "OLD", "NEW");
        assert_eq!(pairs, [(Some("a/1".into()), Some("a/2".into()))]);
        assert_eq!(w.unwrap().kind, WarningKind::AgentsDiffer);
        let (pairs, w) = pair_agents(&["a".into(), "b".into()], &["b".into()], "OLD", "NEW");
        assert_eq!(pairs.len(), 2);
        assert!(w.unwrap().message.contains("only in OLD: \"a\""));
        assert!(
            pair_agents(&["a".into()], &["a".into()], "O", "N")
                .1
                .is_none()
        );
    }
}

/// Any input `check`, `compare` or `baseline` could not use; one line naming the file.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// A report file or directory.
    #[error(transparent)]
    Load(#[from] crate::load::LoadError),
    /// The baseline.
    #[error(transparent)]
    Baseline(#[from] baseline::BaselineError),
    /// The allow-list.
    #[error(transparent)]
    Allow(#[from] allow::AllowError),
}

/// `check PATH…`: reads the reports (merging batches), the baseline and the allow-list, and
/// runs the gate. The report is `None` when the baseline or allow-list is unusable; it is
/// computed from what could be read when only some report files failed (the errors say so).
pub fn check_paths(
    paths: &[std::path::PathBuf],
    policy: Policy,
    baseline_path: Option<&std::path::Path>,
    allow_path: Option<&std::path::Path>,
) -> (Option<check::CheckReport>, Vec<InputError>) {
    let (run, load_errors) = run::Run::load(paths);
    let mut errors: Vec<InputError> = load_errors.into_iter().map(InputError::from).collect();
    let baseline = baseline_path.map(|p| baseline::Baseline::read(p).map(|b| (b, p.to_path_buf())));
    let allow = allow_path.map(|p| allow::AllowList::read(p).map(|a| (a, p.to_path_buf())));
    let baseline = match baseline.transpose() {
        Ok(b) => b,
        Err(e) => {
            errors.push(e.into());
            None
        }
    };
    let allow = match allow.transpose() {
        Ok(a) => a,
        Err(e) => {
            errors.push(e.into());
            None
        }
    };
    let unusable = (baseline_path.is_some() && baseline.is_none())
        || (allow_path.is_some() && allow.is_none());
    if unusable {
        return (None, errors);
    }
    let opts = check::CheckOptions {
        policy,
        baseline: baseline.as_ref().map(|(b, p)| (b, p.clone())),
        allow: allow.as_ref().map(|(a, p)| (a, p.clone())),
    };
    (Some(check::check(&run, &opts)), errors)
}

/// `compare OLD NEW`: each side is every report under its paths, merged.
pub fn compare_paths(
    old: &[std::path::PathBuf],
    new: &[std::path::PathBuf],
    policy: Policy,
) -> (diff::Comparison, Vec<InputError>) {
    let (o, mut errors) = run::Run::load(old);
    let (n, more) = run::Run::load(new);
    errors.extend(more);
    (
        diff::compare(&o, &n, policy),
        errors.into_iter().map(InputError::from).collect(),
    )
}

/// `baseline PATH…`: the baseline of every report under the paths, merged, with the batch
/// warnings.
pub fn baseline_paths(
    paths: &[std::path::PathBuf],
) -> (baseline::Baseline, Vec<Warning>, Vec<InputError>) {
    let (run, errors) = run::Run::load(paths);
    (
        baseline::Baseline::from_run(&run),
        conflict_warnings(&run),
        errors.into_iter().map(InputError::from).collect(),
    )
}

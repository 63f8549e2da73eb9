//! `check PATH`: the CI gate. Every case is judged by a policy; with a baseline, only what got
//! worse than the baseline fails; an allow-list excuses named cases, each with a reason.
//!
//! A case fails the gate ("gating") when:
//! - without a baseline: it fails the policy;
//! - with a baseline: it regressed, or it fails now with verdicts other than the baseline's
//!   (`changed`), or the baseline has it and the run does not (`missing`), or it is not in the
//!   baseline and fails the policy (`new`). A failure identical to the baseline's is a
//!   `known-failure` and does not gate; improvements never do.
//!
//! A gating case that the allow-list covers does not gate; its reason is reported.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;

use super::allow::AllowList;
use super::baseline::Baseline;
use super::run::{Outcome, Run};
use super::{
    Change, Warning, classify, conflict_warnings, headline, judge, pair_agents, testsuite_warning,
};
use crate::model::CaseId;
use crate::policy::{Judgement, Policy};

/// What `check` concluded about one case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Passes the policy (and, with a baseline, is not worse).
    Pass,
    /// `UNIMPLEMENTED`, skipped.
    Skip,
    /// Fails the policy (no baseline).
    Fail,
    /// Fails exactly as in the baseline.
    KnownFailure,
    /// Passed in the baseline, fails now.
    Regression,
    /// Failed in the baseline, passes now.
    Improvement,
    /// Verdicts differ from the baseline within the same pass class.
    Changed,
    /// In the baseline, not in the run.
    Missing,
    /// In the run, not in the baseline.
    New,
}

impl Status {
    /// The status as JSON and tables spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Pass => "pass",
            Status::Skip => "skip",
            Status::Fail => "fail",
            Status::KnownFailure => "known-failure",
            Status::Regression => "regression",
            Status::Improvement => "improvement",
            Status::Changed => "changed",
            Status::Missing => "missing",
            Status::New => "new",
        }
    }
}

/// One case of one agent, as `check` sees it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckCase {
    /// The agent.
    pub agent: String,
    /// The case.
    pub case: CaseId,
    /// What `check` concluded.
    pub status: Status,
    /// Whether this case fails the gate.
    pub gating: bool,
    /// The run's outcome (absent for `missing`).
    pub outcome: Option<Outcome>,
    /// The policy's judgement of the run's outcome.
    pub judgement: Option<Judgement>,
    /// The baseline's outcome, when a baseline was given and has the case.
    pub baseline: Option<Outcome>,
    /// One line: why the case fails or what changed; empty for a plain pass.
    pub reason: String,
    /// The allow-list's reason, when an entry covers a case that would gate.
    pub allowed: Option<String>,
    /// Whether re-runs of the case (`run --rerun-failed`) got different verdicts.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub flaky: bool,
}

/// The answer of `check`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckReport {
    /// The policy.
    pub policy: Policy,
    /// Report paths merged.
    pub reports: Vec<PathBuf>,
    /// Testsuite versions of the run.
    pub testsuite: Vec<String>,
    /// The baseline file, if any.
    pub baseline: Option<PathBuf>,
    /// The allow-list file, if any.
    pub allow: Option<PathBuf>,
    /// Testsuite, agent and batch warnings.
    pub warnings: Vec<Warning>,
    /// Whether the gate passed: no case gates.
    pub passed: bool,
    /// Number of gating cases.
    pub gating: usize,
    /// Cases per status.
    pub counts: BTreeMap<&'static str, usize>,
    /// Every case, by agent then case id.
    pub cases: Vec<CheckCase>,
}

/// Inputs of `check` besides the run.
#[derive(Debug, Clone, Default)]
pub struct CheckOptions<'a> {
    /// The policy.
    pub policy: Policy,
    /// A baseline and its path.
    pub baseline: Option<(&'a Baseline, PathBuf)>,
    /// An allow-list and its path.
    pub allow: Option<(&'a AllowList, PathBuf)>,
}

/// Runs the gate over a merged run.
pub fn check(run: &Run, opts: &CheckOptions<'_>) -> CheckReport {
    let policy = opts.policy;
    let mut warnings = conflict_warnings(run);
    let mut cases = Vec::new();
    let run_agents = run.agent_names();
    let empty_run = BTreeMap::new();
    let empty_base = BTreeMap::new();
    let pairs = match &opts.baseline {
        None => run_agents.iter().map(|a| (None, Some(a.clone()))).collect(),
        Some((b, _)) => {
            let base_agents: Vec<String> = b.agents.keys().cloned().collect();
            let (pairs, w) = pair_agents(&base_agents, &run_agents, "the baseline", "the run");
            warnings.extend(w);
            pairs
        }
    };
    let mut close_changes = 0;
    for (b_agent, r_agent) in pairs {
        let rc = r_agent
            .as_ref()
            .and_then(|a| run.agents.get(a))
            .unwrap_or(&empty_run);
        let bc = match (&opts.baseline, &b_agent) {
            (Some((b, _)), Some(a)) => b.agents.get(a).unwrap_or(&empty_base),
            _ => &empty_base,
        };
        let agent = r_agent.or(b_agent).unwrap_or_default();
        let mut ids: Vec<&CaseId> = rc.keys().chain(bc.keys()).collect();
        ids.sort();
        ids.dedup();
        for id in ids {
            let now = rc.get(id).map(|c| Outcome::from(&c.entry));
            let base = bc.get(id).cloned();
            if let (Some(n), Some(b)) = (&now, &base) {
                close_changes += usize::from(n.behavior_close != b.behavior_close);
            }
            let judgement = now.as_ref().map(|o| judge(&policy, id, o));
            let head = || {
                rc.get(id)
                    .map(|c| headline(&agent, c, &policy))
                    .unwrap_or_default()
            };
            let (status, gating, reason) = if opts.baseline.is_none() {
                match judgement {
                    Some(Judgement::Fail) => (Status::Fail, true, head()),
                    Some(Judgement::Skip) => (Status::Skip, false, skip_reason(&policy)),
                    _ => (Status::Pass, false, String::new()),
                }
            } else {
                let was = |b: &Outcome| b.pair();
                match classify(&policy, id, base.as_ref(), now.as_ref()) {
                    None => match judgement {
                        Some(Judgement::Fail) => (
                            Status::KnownFailure,
                            false,
                            format!("{}; fails as in the baseline", head()),
                        ),
                        Some(Judgement::Skip) => (Status::Skip, false, skip_reason(&policy)),
                        _ => (Status::Pass, false, String::new()),
                    },
                    Some(Change::Regression) => (
                        Status::Regression,
                        true,
                        format!(
                            "{}; was {} in the baseline",
                            head(),
                            was(base.as_ref().unwrap())
                        ),
                    ),
                    Some(Change::Improvement) => (
                        Status::Improvement,
                        false,
                        format!(
                            "improved: was {}, now {}",
                            was(base.as_ref().unwrap()),
                            now.as_ref().map(Outcome::pair).unwrap_or_default()
                        ),
                    ),
                    Some(Change::Changed) => {
                        let fails = judgement == Some(Judgement::Fail);
                        let b = was(base.as_ref().unwrap());
                        let reason = if fails {
                            format!("{}; fails differently: was {b} in the baseline", head())
                        } else {
                            format!(
                                "changed within the pass class: was {b}, now {}",
                                now.as_ref().map(Outcome::pair).unwrap_or_default()
                            )
                        };
                        (Status::Changed, fails, reason)
                    }
                    Some(Change::Missing) => {
                        let b = base.as_ref().unwrap();
                        (
                            Status::Missing,
                            true,
                            format!("missing: {} in the baseline, not in this run", b.pair()),
                        )
                    }
                    Some(Change::New) => {
                        let fails = judgement == Some(Judgement::Fail);
                        let reason = if fails {
                            format!("{}; not in the baseline", head())
                        } else {
                            "not in the baseline".to_string()
                        };
                        (Status::New, fails, reason)
                    }
                }
            };
            let allowed = match (&opts.allow, gating) {
                (Some((list, _)), true) => list.reason(&agent, id).map(str::to_string),
                _ => None,
            };
            cases.push(CheckCase {
                agent: agent.clone(),
                case: id.clone(),
                status,
                gating: gating && allowed.is_none(),
                outcome: now,
                judgement,
                baseline: base,
                flaky: run.is_flaky(&agent, id),
                reason,
                allowed,
            });
        }
    }
    if let Some((b, _)) = &opts.baseline
        && let Some(w) = testsuite_warning(
            &b.testsuite,
            &run.testsuites,
            "the baseline",
            "the run",
            close_changes,
        )
    {
        warnings.insert(0, w);
    }
    let gating = cases.iter().filter(|c| c.gating).count();
    let mut counts = BTreeMap::new();
    for c in &cases {
        *counts.entry(c.status.as_str()).or_insert(0) += 1;
    }
    let flaky = cases.iter().filter(|c| c.flaky).count();
    if flaky > 0 {
        counts.insert("flaky", flaky);
    }
    CheckReport {
        policy,
        reports: run.reports.clone(),
        testsuite: run.testsuites.clone(),
        baseline: opts.baseline.as_ref().map(|(_, p)| p.clone()),
        allow: opts.allow.as_ref().map(|(_, p)| p.clone()),
        warnings,
        passed: gating == 0,
        gating,
        counts,
        cases,
    }
}

fn skip_reason(policy: &Policy) -> String {
    format!(
        "UNIMPLEMENTED, skipped (--unimplemented {})",
        policy.unimplemented.as_str()
    )
}

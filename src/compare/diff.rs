//! `compare OLD NEW`: every case of every agent of two runs, classified by a policy.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;

use super::run::{Outcome, Run};
use super::{Change, Warning, classify, conflict_warnings, judge, pair_agents, testsuite_warning};
use crate::model::CaseId;
use crate::policy::{Judgement, Policy};

/// One side of a case in a comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Side {
    /// The verdicts and close code.
    #[serde(flatten)]
    pub outcome: Outcome,
    /// `pass`, `fail` or `skip` under the policy.
    pub judgement: Judgement,
}

/// One case that differs between the runs.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseChange {
    /// The agent (the new run's name when the two differ).
    pub agent: String,
    /// The case.
    pub case: CaseId,
    /// How it changed.
    pub change: Change,
    /// In the old run, if there.
    pub old: Option<Side>,
    /// In the new run, if there.
    pub new: Option<Side>,
}

/// What one side of the comparison read.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RunInfo {
    /// Report paths merged.
    pub reports: Vec<PathBuf>,
    /// Testsuite versions.
    pub testsuite: Vec<String>,
    /// Agent names.
    pub agents: Vec<String>,
    /// Cases over all agents.
    pub cases: usize,
}

impl RunInfo {
    fn of(run: &Run) -> RunInfo {
        RunInfo {
            reports: run.reports.clone(),
            testsuite: run.testsuites.clone(),
            agents: run.agent_names(),
            cases: run.agents.values().map(BTreeMap::len).sum(),
        }
    }
}

/// Counts per change class.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct ChangeCounts {
    /// Regressions.
    pub regression: usize,
    /// Improvements.
    pub improvement: usize,
    /// Changes within the pass class.
    pub changed: usize,
    /// Missing in NEW.
    pub missing: usize,
    /// New in NEW.
    pub new: usize,
    /// Same verdicts on both sides.
    pub unchanged: usize,
}

impl ChangeCounts {
    fn add(&mut self, c: Option<Change>) {
        match c {
            Some(Change::Regression) => self.regression += 1,
            Some(Change::Improvement) => self.improvement += 1,
            Some(Change::Changed) => self.changed += 1,
            Some(Change::Missing) => self.missing += 1,
            Some(Change::New) => self.new += 1,
            None => self.unchanged += 1,
        }
    }
}

/// The answer of `compare`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    /// The policy that judged pass and fail.
    pub policy: Policy,
    /// The old run.
    pub old: RunInfo,
    /// The new run.
    pub new: RunInfo,
    /// Testsuite, agent and batch warnings (also printed on stderr).
    pub warnings: Vec<Warning>,
    /// Cases per class.
    pub counts: ChangeCounts,
    /// Cases whose `behavior` changed.
    pub behavior_changes: usize,
    /// Cases whose `behaviorClose` changed.
    pub close_changes: usize,
    /// Every case that is not unchanged, by agent then case id.
    pub changes: Vec<CaseChange>,
}

/// Compares two merged runs.
pub fn compare(old: &Run, new: &Run, policy: Policy) -> Comparison {
    let mut warnings = conflict_warnings(old);
    warnings.extend(conflict_warnings(new));
    let (pairs, agent_warning) = pair_agents(&old.agent_names(), &new.agent_names(), "OLD", "NEW");
    warnings.extend(agent_warning);
    warnings.extend(super::mode_warning(old, new));
    let empty = BTreeMap::new();
    let mut changes = Vec::new();
    let mut counts = ChangeCounts::default();
    let (mut behavior_changes, mut close_changes) = (0, 0);
    for (o, n) in pairs {
        let oc = o.as_ref().and_then(|a| old.agents.get(a)).unwrap_or(&empty);
        let nc = n.as_ref().and_then(|a| new.agents.get(a)).unwrap_or(&empty);
        let agent = n.or(o).unwrap_or_default();
        let mut ids: Vec<&CaseId> = oc.keys().chain(nc.keys()).collect();
        ids.sort();
        ids.dedup();
        for id in ids {
            let before = oc.get(id).map(|c| Outcome::from(&c.entry));
            let after = nc.get(id).map(|c| Outcome::from(&c.entry));
            if let (Some(b), Some(a)) = (&before, &after) {
                behavior_changes += usize::from(b.behavior != a.behavior);
                close_changes += usize::from(b.behavior_close != a.behavior_close);
            }
            let change = classify(&policy, id, before.as_ref(), after.as_ref());
            counts.add(change);
            if let Some(change) = change {
                let side = |x: Option<Outcome>| {
                    x.map(|outcome| Side {
                        judgement: judge(&policy, id, &outcome),
                        outcome,
                    })
                };
                changes.push(CaseChange {
                    agent: agent.clone(),
                    case: id.clone(),
                    change,
                    old: side(before),
                    new: side(after),
                });
            }
        }
    }
    if let Some(w) = testsuite_warning(
        &old.testsuites,
        &new.testsuites,
        "OLD",
        "NEW",
        close_changes,
    ) {
        let mut w = w;
        if close_changes > 0 {
            let ev = super::upgrade::evidence(old, new);
            w.message = format!("{}: {}", w.message, super::upgrade::words(&ev));
        }
        warnings.insert(0, w);
    }
    Comparison {
        policy,
        old: RunInfo::of(old),
        new: RunInfo::of(new),
        warnings,
        counts,
        behavior_changes,
        close_changes,
        changes,
    }
}

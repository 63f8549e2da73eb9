//! Report-wide diagnosis: every fault of [`super::faults::FAULTS`] is scored against the
//! whole run of one agent — the failing cases it explains, and the passing cases it predicted
//! to fail (counter-evidence) — and each non-passing case is attributed to the best-supported
//! fault. A case no fault explains, or whose only faults are contradicted by more passing
//! cases than they explain, goes to an explicit "unexplained" group that shows its symptom.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::model::{Case, CaseEntry, CaseId, Verdict};

use super::Explanation;
use super::faults::{Agent, Class, FAULTS, Fault, Observed};
use super::hint::passes;

/// The key of the group of cases no fault explains.
pub const UNEXPLAINED: &str = "unexplained";

/// Cases of one agent attributed to one fault (or unexplained), with the evidence.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FaultGroup {
    /// The report directory (two reports may name the same agent).
    pub report: PathBuf,
    /// The agent.
    pub agent: String,
    /// The fault's stable key ([`super::faults::Fault::key`]), or `unexplained`.
    pub key: String,
    /// The fault in a maintainer's words; for `unexplained`, the symptom.
    pub title: String,
    /// Which gate the cases fall under (`failed`, `non-strict`, `informational`,
    /// `unimplemented`); gating failures come first.
    pub class: Class,
    /// What the report shows, over the whole group: "0 of 37 pings answered in 8 cases".
    pub evidence: String,
    /// The cases, in id order.
    pub cases: Vec<CaseId>,
    /// Passing cases the fault predicted to fail (weigh against it).
    pub counter_evidence: Vec<CaseId>,
    /// The RFC section the expectation rests on.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rfc: Option<&'static str>,
}

/// The diagnosis of one report: its groups, gating failures first.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct Diagnosis {
    /// The groups, agent by agent.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub groups: Vec<FaultGroup>,
}

/// What the diagnosis says about one case.
#[derive(Debug, Clone, PartialEq)]
pub struct Attribution {
    /// The fault (or `unexplained`).
    pub key: &'static str,
    /// The fault's title.
    pub title: String,
    /// This case's evidence.
    pub evidence: String,
}

fn class_of(case: &Case) -> Class {
    let clean = |v: &Option<Verdict>| v.as_ref().is_some_and(crate::policy::clean);
    match (&case.behavior, clean(&case.behavior_close)) {
        (Some(Verdict::Unimplemented), _) => Class::Unimplemented,
        (Some(Verdict::NonStrict), true) => Class::NonStrict,
        (Some(Verdict::Informational), true) => Class::Informational,
        _ if clean(&case.behavior) && clean(&case.behavior_close) => Class::Informational,
        _ => Class::Failed,
    }
}

struct Score {
    fault: &'static Fault,
    explained: Vec<usize>,
    counter: Vec<CaseId>,
}

/// Diagnoses one agent's non-passing cases (`cases` with their explanations `xs`, in the
/// same order), scored against all its index entries. Returns the groups and, per case, the
/// attribution (in the order of `cases`).
pub fn diagnose_agent(
    report: &Path,
    agent: &str,
    entries: &[CaseEntry],
    cases: &[&Case],
    xs: &[&Explanation],
) -> (Vec<FaultGroup>, Vec<Attribution>) {
    let observed: Vec<Option<Observed>> = cases
        .iter()
        .zip(xs)
        .map(|(c, x)| Observed::new(c, x))
        .collect();
    let ctx = Agent { entries };
    let mut evidence: Vec<Vec<Option<String>>> = vec![Vec::new(); observed.len()];
    let scores: Vec<Score> = FAULTS
        .iter()
        .map(|fault| {
            let mut explained = Vec::new();
            for (i, o) in observed.iter().enumerate() {
                let e = o
                    .as_ref()
                    .filter(|_| fault.classes.contains(&class_of(cases[i])))
                    .and_then(|o| (fault.explains)(o, ctx));
                if e.is_some() {
                    explained.push(i);
                }
                evidence[i].push(e);
            }
            let refs: Vec<&Observed> = explained
                .iter()
                .filter_map(|&i| observed[i].as_ref())
                .collect();
            let counter = if explained.is_empty() {
                Vec::new()
            } else {
                entries
                    .iter()
                    .filter(|e| passes(e))
                    .filter(|e| {
                        crate::catalog::facts(&e.id).is_some_and(|f| (fault.predicts)(f, &refs))
                    })
                    .map(|e| e.id.clone())
                    .collect()
            };
            Score {
                fault,
                explained,
                counter,
            }
        })
        .collect();
    let support = |s: &Score| s.explained.len() as i64 - s.counter.len() as i64;
    let mut attributions = Vec::new();
    for (i, x) in xs.iter().enumerate() {
        let best = scores
            .iter()
            .enumerate()
            .filter(|(k, s)| evidence[i][*k].is_some() && support(s) > 0)
            .max_by(|(ka, a), (kb, b)| support(a).cmp(&support(b)).then(kb.cmp(ka)));
        attributions.push(match best {
            Some((k, s)) => Attribution {
                key: s.fault.key,
                title: s.fault.title.to_string(),
                evidence: evidence[i][k].clone().unwrap_or_default(),
            },
            None => {
                // The faults that fit the case but are contradicted by passing cases.
                let contradicted: Vec<String> = scores
                    .iter()
                    .enumerate()
                    .filter(|(k, _)| evidence[i][*k].is_some())
                    .map(|(_, s)| {
                        format!(
                            "{} would fit, but {} pass though it predicts they fail",
                            s.fault.key,
                            super::ranges::collapse(&s.counter)
                        )
                    })
                    .collect();
                Attribution {
                    key: UNEXPLAINED,
                    title: symptom(x),
                    evidence: contradicted.join("; "),
                }
            }
        });
    }
    // groups: (class, key, title for unexplained) → case indices
    let mut map: BTreeMap<(Class, &'static str, String), Vec<usize>> = BTreeMap::new();
    for (i, a) in attributions.iter().enumerate() {
        let title = if a.key == UNEXPLAINED {
            a.title.clone()
        } else {
            String::new()
        };
        map.entry((class_of(cases[i]), a.key, title))
            .or_default()
            .push(i);
    }
    let mut groups: Vec<FaultGroup> = map
        .into_iter()
        .map(|((class, key, title), members)| {
            let mut ids: Vec<CaseId> = members
                .iter()
                .filter_map(|&i| cases[i].id.clone())
                .collect();
            ids.sort();
            let fault = scores.iter().find(|s| s.fault.key == key);
            let (title, evidence, counter, rfc) = match fault {
                Some(s) => {
                    let refs: Vec<&Observed> = members
                        .iter()
                        .filter_map(|&i| observed[i].as_ref())
                        .collect();
                    let mut ev = (s.fault.evidence)(&refs, ctx);
                    if !s.counter.is_empty() {
                        ev.push_str(&format!(
                            "; yet {} pass, though this fault predicts they fail",
                            super::ranges::collapse(&s.counter)
                        ));
                    }
                    (
                        s.fault.title.to_string(),
                        ev,
                        s.counter.clone(),
                        Some(s.fault.rfc),
                    )
                }
                None => {
                    let mut why: Vec<String> = members
                        .iter()
                        .map(|&i| attributions[i].evidence.clone())
                        .filter(|e| !e.is_empty())
                        .collect();
                    why.sort();
                    why.dedup();
                    let evidence = if why.is_empty() {
                        "no fault of the catalog fits what these cases show".to_string()
                    } else {
                        why.join("; ")
                    };
                    (title, evidence, Vec::new(), None)
                }
            };
            FaultGroup {
                report: report.to_path_buf(),
                agent: agent.to_string(),
                key: key.to_string(),
                title,
                class,
                evidence,
                cases: ids,
                counter_evidence: counter,
                rfc,
            }
        })
        .collect();
    sort_groups(&mut groups);
    (groups, attributions)
}

/// The symptom of a case no fault explains: the verdicts and what the events and closing
/// show.
fn symptom(x: &Explanation) -> String {
    let word = |v: &Option<Verdict>| v.as_ref().map(Verdict::to_string).unwrap_or("?".into());
    let clean = |v: &Option<Verdict>| v.as_ref().is_some_and(crate::policy::clean);
    let mut parts = Vec::new();
    if !clean(&x.behavior) {
        parts.push(format!("{}: {}", word(&x.behavior), x.events.summary));
    }
    if !clean(&x.behavior_close) {
        let detail = x
            .cause
            .as_ref()
            .and_then(|c| c.title.split_once(": ").map(|(_, d)| d.to_string()))
            .filter(|_| clean(&x.behavior))
            .unwrap_or_else(|| x.closing.rule_text.clone());
        parts.push(format!("close {}: {detail}", word(&x.behavior_close)));
    }
    parts.join("; ")
}

/// Agent by agent; within an agent gating failures first, then NON-STRICT, INFORMATIONAL,
/// UNIMPLEMENTED; the unexplained last in their class; larger groups first.
pub fn sort_groups(groups: &mut [FaultGroup]) {
    groups.sort_by(|a, b| {
        a.agent
            .cmp(&b.agent)
            .then(a.class.cmp(&b.class))
            .then((a.key == UNEXPLAINED).cmp(&(b.key == UNEXPLAINED)))
            .then(b.cases.len().cmp(&a.cases.len()))
            .then(a.cases.first().cmp(&b.cases.first()))
    });
}

/// Applies the attribution to an explanation: its fault key, and a headline that names the
/// fault with this case's evidence.
pub fn apply(x: &mut Explanation, a: &Attribution) {
    if a.key == UNEXPLAINED {
        x.fault = Some(UNEXPLAINED.to_string());
        return;
    }
    x.fault = Some(a.key.to_string());
    x.fault_evidence = Some(a.evidence.clone());
    let id =
        x.id.as_ref()
            .map(CaseId::to_string)
            .unwrap_or_else(|| "?".into());
    let word = |v: &Option<Verdict>| v.as_ref().map(Verdict::to_string).unwrap_or("?".into());
    x.headline = format!(
        "{id} {}: {} ({}; {}); close {}",
        word(&x.behavior),
        a.title,
        a.evidence,
        x.events.summary,
        word(&x.behavior_close)
    );
    x.cause = Some(super::Cause {
        key: a.key.to_string(),
        title: a.title.clone(),
        title_one: a.title.clone(),
    });
}

//! Merging batches: several reports (directories or `index.json` files) of the same agents
//! become one [`Run`].
//!
//! People split long runs (`-i '1.*'`, then `-i '9.*'`, …) into several report directories.
//! Everything the user named is read in order (a parent folder's report directories by name)
//! and merged per agent name. A case met twice with the same verdicts is silently the same; a
//! case met twice with different verdicts (or close codes) is recorded as a [`Conflict`] and the
//! entry read later (the later path on the command line, or the later directory by name) wins.

use std::collections::BTreeMap;
use std::path::PathBuf;

use serde::Serialize;

use crate::load::{LoadError, load_paths};
use crate::model::{CaseEntry, CaseId, Report};

/// The two verdicts and the close code of one case: what `compare`, `check` and a baseline
/// look at.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Outcome {
    /// `behavior`
    #[serde(serialize_with = "ser_verdict", deserialize_with = "de_verdict")]
    pub behavior: crate::model::Verdict,
    /// `behaviorClose`
    #[serde(
        rename = "behaviorClose",
        serialize_with = "ser_verdict",
        deserialize_with = "de_verdict"
    )]
    pub behavior_close: crate::model::Verdict,
    /// `remoteCloseCode`
    #[serde(rename = "remoteCloseCode", default)]
    pub remote_close_code: Option<u64>,
}

fn ser_verdict<S: serde::Serializer>(v: &crate::model::Verdict, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(v.as_str())
}

fn de_verdict<'de, D: serde::Deserializer<'de>>(d: D) -> Result<crate::model::Verdict, D::Error> {
    let s = <String as serde::Deserialize>::deserialize(d)?;
    Ok(crate::model::Verdict::parse(&s))
}

impl Outcome {
    /// `OK/UNCLEAN`: both verdicts, behaviour first.
    pub fn pair(&self) -> String {
        format!("{}/{}", self.behavior, self.behavior_close)
    }

    /// Whether the verdicts (not the close code) are the same.
    pub fn same_verdicts(&self, other: &Outcome) -> bool {
        self.behavior == other.behavior && self.behavior_close == other.behavior_close
    }
}

impl From<&CaseEntry> for Outcome {
    fn from(e: &CaseEntry) -> Self {
        Outcome {
            behavior: e.behavior.clone(),
            behavior_close: e.behavior_close.clone(),
            remote_close_code: e.remote_close_code,
        }
    }
}

/// A case found twice with different outcomes while merging batches.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Conflict {
    /// The agent.
    pub agent: String,
    /// The case.
    pub case: CaseId,
    /// The outcome read first (dropped).
    pub first: Outcome,
    /// Where it was read.
    pub first_path: PathBuf,
    /// The outcome read later (kept).
    pub kept: Outcome,
    /// Where it was read.
    pub kept_path: PathBuf,
}

impl Conflict {
    /// One line for stderr.
    pub fn message(&self) -> String {
        format!(
            "agent {:?} case {} is in two batches with different outcomes: {} in {} and {} in {}; the later ({}) is used",
            self.agent,
            self.case,
            self.first.pair(),
            self.first_path.display(),
            self.kept.pair(),
            self.kept_path.display(),
            self.kept_path.display(),
        )
    }
}

/// One case of a merged run, with the report it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct RunCase {
    /// The index entry.
    pub entry: CaseEntry,
    /// The report path it was read from.
    pub from: PathBuf,
    /// The directory its case file is in.
    pub dir: PathBuf,
}

/// Every report under some paths, merged per agent.
#[derive(Debug, Clone, Default)]
pub struct Run {
    /// The report paths merged, in reading order.
    pub reports: Vec<PathBuf>,
    /// The distinct testsuite versions the reports reveal, in reading order.
    pub testsuites: Vec<String>,
    /// Agent name → case id → case.
    pub agents: BTreeMap<String, BTreeMap<CaseId, RunCase>>,
    /// Cases met twice with different outcomes.
    pub conflicts: Vec<Conflict>,
    /// The roles tested (servers, clients), in reading order.
    pub modes: Vec<crate::model::Mode>,
    /// Cases whose re-runs (`run --rerun-failed`) got different verdicts: agent, case.
    pub flaky: std::collections::BTreeSet<(String, CaseId)>,
}

impl Run {
    /// Merges reports in order; later entries win.
    pub fn merge(reports: &[Report]) -> Run {
        let mut run = Run::default();
        for r in reports {
            run.reports.push(r.path.clone());
            if let Some(m) = r.mode
                && !run.modes.contains(&m)
            {
                run.modes.push(m);
            }
            if let Some(t) = &r.testsuite
                && !run.testsuites.contains(t)
            {
                run.testsuites.push(t.clone());
            }
            for a in &r.agents {
                let cases = run.agents.entry(a.agent.clone()).or_default();
                for e in &a.cases {
                    let new = RunCase {
                        entry: e.clone(),
                        from: r.path.clone(),
                        dir: r.dir.clone(),
                    };
                    if let Some(old) = cases.insert(e.id.clone(), new) {
                        let (first, kept) = (Outcome::from(&old.entry), Outcome::from(e));
                        if first != kept {
                            run.conflicts.push(Conflict {
                                agent: a.agent.clone(),
                                case: e.id.clone(),
                                first,
                                first_path: old.from,
                                kept,
                                kept_path: r.path.clone(),
                            });
                        }
                    }
                }
            }
        }
        run
    }

    /// Reads and merges every report under `paths`; the errors are those of the loader.
    pub fn load(paths: &[PathBuf]) -> (Run, Vec<LoadError>) {
        let mut loaded = load_paths(paths);
        // A run is judged from its index, but a case file the index names that is missing,
        // refused (outside the report) or not a regular file is said, as `summarize` says it
        // (exit 2): an incomplete report is not a clean input to gate on.
        for r in &loaded.reports {
            loaded.errors.extend(crate::load::check_case_files(r));
        }
        let mut run = Run::merge(&loaded.reports);
        run.read_attempts();
        (run, loaded.errors)
    }

    /// Marks the flaky cases the report directories' attempts files ([`crate::compare::attempts`]) name,
    /// for cases this run holds from that directory.
    pub fn read_attempts(&mut self) {
        let mut dirs: Vec<&PathBuf> = self
            .agents
            .values()
            .flat_map(|c| c.values().map(|c| &c.dir))
            .collect();
        dirs.sort();
        dirs.dedup();
        let mut flaky = std::collections::BTreeSet::new();
        for dir in dirs {
            let Some(a) = crate::compare::attempts::Attempts::read(dir) else {
                continue;
            };
            for (agent, id) in a.flaky() {
                let here = self
                    .agents
                    .get(&agent)
                    .and_then(|c| c.get(&id))
                    .is_some_and(|c| &c.dir == dir);
                if here {
                    flaky.insert((agent, id));
                }
            }
        }
        self.flaky = flaky;
    }

    /// Whether a case's re-runs got different verdicts.
    pub fn is_flaky(&self, agent: &str, id: &CaseId) -> bool {
        self.flaky.contains(&(agent.to_string(), id.clone()))
    }

    /// The agent names.
    pub fn agent_names(&self) -> Vec<String> {
        self.agents.keys().cloned().collect()
    }

    /// The testsuite versions as one text: `0.8.2-0.10.9`, `unknown`, or several joined by `, `.
    pub fn testsuite_text(&self) -> String {
        if self.testsuites.is_empty() {
            "unknown".into()
        } else {
            self.testsuites.join(", ")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{AgentRun, Verdict};

    fn entry(id: &str, b: &str, c: &str) -> CaseEntry {
        CaseEntry {
            id: id.parse().unwrap(),
            behavior: Verdict::parse(b),
            behavior_close: Verdict::parse(c),
            duration_ms: 1,
            remote_close_code: Some(1000),
            reportfile: None,
        }
    }

    fn report(path: &str, agent: &str, cases: Vec<CaseEntry>) -> Report {
        Report {
            path: path.into(),
            dir: path.into(),
            mode: None,
            testsuite: Some("0.8.2-0.10.9".into()),
            agents: vec![AgentRun {
                agent: agent.into(),
                cases,
            }],
        }
    }

    #[test]
    fn batches_of_one_agent_merge_and_the_later_path_wins() {
        let a = report(
            "a",
            "srv",
            vec![entry("1.1.1", "OK", "OK"), entry("2.1", "OK", "OK")],
        );
        let b = report(
            "b",
            "srv",
            vec![entry("2.1", "FAILED", "OK"), entry("9.1.1", "OK", "OK")],
        );
        let c = report("c", "srv", vec![entry("1.1.1", "OK", "OK")]);
        let run = Run::merge(&[a, b, c]);
        let cases = &run.agents["srv"];
        assert_eq!(cases.len(), 3);
        assert_eq!(
            cases[&"2.1".parse().unwrap()].entry.behavior,
            Verdict::Failed
        );
        assert_eq!(
            run.conflicts.len(),
            1,
            "same verdicts twice are no conflict"
        );
        let c = &run.conflicts[0];
        assert_eq!(
            (c.first_path.to_str(), c.kept_path.to_str()),
            (Some("a"), Some("b"))
        );
        assert!(
            c.message().contains("OK/OK in a and FAILED/OK in b"),
            "{}",
            c.message()
        );
        assert_eq!(run.testsuites, ["0.8.2-0.10.9"]);
    }
}

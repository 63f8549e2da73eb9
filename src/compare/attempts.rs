//! Re-runs of failing cases (`run --rerun-failed N`) and the side file that records them.
//!
//! The testsuite's `index.json` and case files keep each case's first verdict, as the testsuite
//! would have written it. Every attempt of a re-run case goes into [`FILE`] beside them, so that
//! `check`, `summarize` and the other readers can say which cases are **flaky**: cases whose
//! verdicts changed from one attempt to the next.

use std::collections::BTreeMap;
use std::path::Path;

use serde::{Deserialize, Serialize};

use super::run::Outcome;
use crate::model::CaseId;

/// The side file's name, in the report directory.
pub const FILE: &str = "wsreport-attempts.json";

/// Every attempt of every re-run case: agent → case → outcomes, the first being the one in the
/// testsuite's files.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct Attempts {
    /// What wrote the file.
    pub generator: String,
    /// Agent → case id (`2.11`) → attempts in order.
    pub agents: BTreeMap<String, BTreeMap<String, Vec<Outcome>>>,
}

impl Attempts {
    /// Records the attempts of one case.
    pub fn add(&mut self, agent: &str, case: &CaseId, outcomes: Vec<Outcome>) {
        self.agents
            .entry(agent.to_string())
            .or_default()
            .insert(case.to_string(), outcomes);
    }

    /// Whether nothing was re-run.
    pub fn is_empty(&self) -> bool {
        self.agents.values().all(BTreeMap::is_empty)
    }

    /// The cases whose attempts did not all get the same verdicts: `(agent, case)`.
    pub fn flaky(&self) -> Vec<(String, CaseId)> {
        let mut out = Vec::new();
        for (agent, cases) in &self.agents {
            for (id, outcomes) in cases {
                let changed = outcomes.windows(2).any(|w| !w[0].same_verdicts(&w[1]));
                if let (true, Ok(id)) = (changed, id.parse()) {
                    out.push((agent.clone(), id));
                }
            }
        }
        out
    }

    /// Writes [`FILE`] into `dir` (nothing when no case was re-run).
    pub fn write(&self, dir: &Path) -> std::io::Result<()> {
        if self.is_empty() {
            return Ok(());
        }
        let text = serde_json::to_string_pretty(self).expect("attempts serialize");
        std::fs::write(dir.join(FILE), text + "\n")
    }

    /// Reads [`FILE`] from a report directory; `None` when there is none or it is unreadable
    /// (the side file only adds the word "flaky"; a report without it is still whole).
    pub fn read(dir: &Path) -> Option<Attempts> {
        let text = std::fs::read_to_string(dir.join(FILE)).ok()?;
        serde_json::from_str(&text).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Verdict;

    fn o(b: &str) -> Outcome {
        Outcome {
            behavior: Verdict::parse(b),
            behavior_close: Verdict::parse("OK"),
            remote_close_code: Some(1000),
        }
    }

    #[test]
    fn a_case_whose_verdict_changed_is_flaky_and_the_file_round_trips() {
        let mut a = Attempts {
            generator: "test".into(),
            ..Attempts::default()
        };
        a.add("srv", &"2.3".parse().unwrap(), vec![o("FAILED"), o("OK")]);
        a.add(
            "srv",
            &"2.4".parse().unwrap(),
            vec![o("FAILED"), o("FAILED")],
        );
        assert_eq!(a.flaky(), [("srv".to_string(), "2.3".parse().unwrap())]);
        let dir = tempfile::tempdir().unwrap();
        a.write(dir.path()).unwrap();
        assert_eq!(Attempts::read(dir.path()), Some(a));
        assert_eq!(Attempts::read(&dir.path().join("none")), None);
    }
}

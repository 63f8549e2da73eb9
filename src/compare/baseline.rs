//! Baselines: the outcomes of a known run, kept in the repository so `check --baseline` fails
//! only on what got worse.
//!
//! The file `wsreport baseline` writes (documented in `docs/compare.md`):
//!
//! ```json
//! {
//!   "format": "wsreport-baseline/1",
//!   "testsuite": ["0.8.2-0.10.9"],
//!   "agents": {
//!     "websock server": {
//!       "1.1.1": { "behavior": "OK", "behaviorClose": "OK", "remoteCloseCode": 1000 }
//!     }
//!   }
//! }
//! ```
//!
//! Cases are written in numeric order. Reading accepts any verdict word and ignores fields it
//! does not know, so a baseline written by a later wsreport still loads.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde_json::Value;

use super::run::{Outcome, Run};
use crate::model::CaseId;

/// The `format` value this version writes and reads.
pub const FORMAT: &str = "wsreport-baseline/1";

/// A baseline: per agent, the outcome of each case.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Baseline {
    /// Testsuite versions of the run it was taken from.
    pub testsuite: Vec<String>,
    /// Agent → case → outcome.
    pub agents: BTreeMap<String, BTreeMap<CaseId, Outcome>>,
}

/// Why a baseline file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum BaselineError {
    /// The file could not be read.
    #[error("{}: cannot read baseline", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// The JSON is broken.
    #[error("{}: baseline is not JSON", path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: crate::load::json::JsonError,
    },
    /// A field is missing or wrong.
    #[error("{}: baseline {at}: {problem}", path.display())]
    Field {
        /// The file.
        path: PathBuf,
        /// Where in the file.
        at: String,
        /// What is wrong.
        problem: String,
    },
}

impl Baseline {
    /// The baseline of a merged run.
    pub fn from_run(run: &Run) -> Baseline {
        Baseline {
            testsuite: run.testsuites.clone(),
            agents: run
                .agents
                .iter()
                .map(|(agent, cases)| {
                    let cases = cases
                        .iter()
                        .map(|(id, c)| (id.clone(), Outcome::from(&c.entry)))
                        .collect();
                    (agent.clone(), cases)
                })
                .collect(),
        }
    }

    /// The baseline as a run read from `path`, so that `compare` can diff a run against it.
    pub fn to_run(&self, path: &Path) -> Run {
        let agents = self
            .agents
            .iter()
            .map(|(agent, cases)| {
                let cases = cases
                    .iter()
                    .map(|(id, o)| {
                        let entry = crate::model::CaseEntry {
                            id: id.clone(),
                            behavior: o.behavior.clone(),
                            behavior_close: o.behavior_close.clone(),
                            duration_ms: 0,
                            remote_close_code: o.remote_close_code,
                            reportfile: None,
                        };
                        let from = path.to_path_buf();
                        let dir = from.clone();
                        (id.clone(), super::run::RunCase { entry, from, dir })
                    })
                    .collect();
                (agent.clone(), cases)
            })
            .collect();
        Run {
            reports: vec![path.to_path_buf()],
            testsuites: self.testsuite.clone(),
            agents,
            conflicts: Vec::new(),
            // a baseline does not say which role was tested
            modes: Vec::new(),
            flaky: Default::default(),
        }
    }

    /// The file text (pretty JSON, cases in numeric order, ending in a newline).
    pub fn to_json(&self) -> String {
        #[derive(Serialize)]
        struct File<'a> {
            format: &'static str,
            testsuite: &'a [String],
            agents: Agents<'a>,
        }
        struct Agents<'a>(&'a BTreeMap<String, BTreeMap<CaseId, Outcome>>);
        struct Cases<'a>(&'a BTreeMap<CaseId, Outcome>);
        impl Serialize for Agents<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_map(self.0.iter().map(|(a, c)| (a, Cases(c))))
            }
        }
        impl Serialize for Cases<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.collect_map(self.0.iter().map(|(id, o)| (id.to_string(), o)))
            }
        }
        let file = File {
            format: FORMAT,
            testsuite: &self.testsuite,
            agents: Agents(&self.agents),
        };
        let mut s = serde_json::to_string_pretty(&file).expect("a baseline always serializes");
        s.push('\n');
        s
    }

    /// Reads a baseline file.
    pub fn read(path: &Path) -> Result<Baseline, BaselineError> {
        let bytes = std::fs::read(path).map_err(|source| BaselineError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let value =
            crate::load::json::parse_bytes(&bytes).map_err(|source| BaselineError::Json {
                path: path.to_path_buf(),
                source,
            })?;
        Baseline::from_value(&value).map_err(|(at, problem)| BaselineError::Field {
            path: path.to_path_buf(),
            at,
            problem,
        })
    }

    fn from_value(value: &Value) -> Result<Baseline, (String, String)> {
        let top = value
            .as_object()
            .ok_or_else(|| ("top level".to_string(), "expected an object".to_string()))?;
        match top.get("format").and_then(Value::as_str) {
            Some(FORMAT) => {}
            Some(other) => {
                return Err((
                    "format".into(),
                    format!("`{other}` is not supported (expected `{FORMAT}`)"),
                ));
            }
            None => return Err(("format".into(), format!("missing (expected `{FORMAT}`)"))),
        }
        let testsuite = match top.get("testsuite") {
            None | Some(Value::Null) => Vec::new(),
            Some(Value::Array(items)) => items
                .iter()
                .map(|v| {
                    v.as_str()
                        .map(str::to_string)
                        .ok_or_else(|| ("testsuite".to_string(), "expected strings".to_string()))
                })
                .collect::<Result<_, _>>()?,
            Some(_) => return Err(("testsuite".into(), "expected a list of strings".into())),
        };
        let agents = top
            .get("agents")
            .and_then(Value::as_object)
            .ok_or_else(|| ("agents".to_string(), "missing or not an object".to_string()))?;
        let mut out = BTreeMap::new();
        for (agent, cases) in agents {
            let cases = cases.as_object().ok_or_else(|| {
                (
                    format!("agent {agent:?}"),
                    "expected an object of cases".to_string(),
                )
            })?;
            let mut map = BTreeMap::new();
            for (id, outcome) in cases {
                let at = format!("agent {agent:?} case {id:?}");
                let id: CaseId = id.parse().map_err(|e| (at.clone(), format!("{e}")))?;
                let outcome: Outcome = serde_json::from_value(outcome.clone())
                    .map_err(|e| (at.clone(), e.to_string()))?;
                map.insert(id, outcome);
            }
            out.insert(agent.clone(), map);
        }
        Ok(Baseline {
            testsuite,
            agents: out,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Verdict;

    #[test]
    fn a_baseline_round_trips_in_numeric_order() {
        let mut cases = BTreeMap::new();
        for (id, b) in [("1.1.10", "OK"), ("1.1.2", "FAILED"), ("9.1.1", "WHAT")] {
            cases.insert(
                id.parse().unwrap(),
                Outcome {
                    behavior: Verdict::parse(b),
                    behavior_close: Verdict::Ok,
                    remote_close_code: None,
                },
            );
        }
        let b = Baseline {
            testsuite: vec!["25.10.1-0.10.9".into()],
            agents: [("srv".to_string(), cases)].into(),
        };
        let text = b.to_json();
        let (i2, i10) = (
            text.find("\"1.1.2\"").unwrap(),
            text.find("\"1.1.10\"").unwrap(),
        );
        assert!(i2 < i10, "{text}");
        let v = crate::load::json::parse_bytes(text.as_bytes()).unwrap();
        assert_eq!(Baseline::from_value(&v).unwrap(), b);
    }

    #[test]
    fn a_baseline_without_format_or_with_a_bad_case_is_refused() {
        let v = serde_json::json!({"agents": {}});
        assert_eq!(Baseline::from_value(&v).unwrap_err().0, "format");
        let v = serde_json::json!({"format": FORMAT, "agents": {"a": {"x.1": {}}}});
        assert!(Baseline::from_value(&v).unwrap_err().0.contains("x.1"));
        let v = serde_json::json!({"format": FORMAT, "agents": {"a": {"1.1": {"behavior": "OK"}}}});
        let (at, problem) = Baseline::from_value(&v).unwrap_err();
        assert!(
            at.contains("1.1") && problem.contains("behaviorClose"),
            "{at}: {problem}"
        );
    }
}

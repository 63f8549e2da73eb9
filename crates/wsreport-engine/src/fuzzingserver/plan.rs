//! What a fuzzing server serves: the selection, listening address, report directory and
//! `exclude-agent-cases`, resolved from the options (`wsreport fuzzingserver`'s flags) and the
//! testsuite's `fuzzingserver.json`; the options win.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Mutex;

use crate::catalog;
use crate::model::CaseId;
use crate::spec::{Selection, Spec};

use super::State;

/// What a fuzzing server is asked to serve (the binary builds it from its flags).
#[derive(Debug, Clone, Default)]
pub struct FuzzingServerCommand {
    /// Where to listen (`127.0.0.1:9001`; port 0 picks a free port). Overrides the spec's `url`.
    pub listen: Option<String>,
    /// Case patterns (override the spec's `cases`).
    pub cases: Vec<String>,
    /// Case patterns excluded (added to the spec's `exclude-cases`).
    pub exclude: Vec<String>,
    /// The report directory (overrides the spec's `outdir`; default `reports/clients`).
    pub out: Option<PathBuf>,
    /// The testsuite's spec file (`fuzzingserver.json`).
    pub spec: Option<PathBuf>,
    /// The testsuite's test data directory for 12.x/13.x (stand-ins without).
    pub testdata: Option<PathBuf>,
    /// How a message of whole fragments ends.
    pub fragment_end: crate::catalog::FragmentEnd,
    /// The largest message accepted from a client (`None`: no limit).
    pub max_message_size: Option<usize>,
}

/// The default listening address (loopback, the testsuite's port).
pub const DEFAULT_LISTEN: &str = "127.0.0.1:9001";

/// What the command resolved from its flags and spec file.
#[derive(Debug, Clone, PartialEq)]
pub struct Plan {
    /// Where to listen (`host:port`).
    pub listen: String,
    /// The selected cases, in the testsuite's order.
    pub cases: Vec<CaseId>,
    /// Include globs that selected no case.
    pub unmatched: Vec<String>,
    /// Where reports go.
    pub outdir: PathBuf,
    /// `exclude-agent-cases`
    pub exclude_agent_cases: Vec<(String, Vec<String>)>,
}

/// The spec's `url` (`ws://127.0.0.1:9001`) as a `host:port` to bind.
fn listen_of_url(url: &str) -> Result<String, String> {
    let t = crate::replay::Target::parse(url).map_err(|e| e.to_string())?;
    Ok(t.addr())
}

impl FuzzingServerCommand {
    /// Resolves flags and spec file; the flags win.
    pub fn plan(&self) -> Result<Plan, String> {
        let spec = match &self.spec {
            Some(path) => Spec::read(path).map_err(|e| crate::text::error_chain(&e))?,
            None => Spec::default(),
        };
        let listen = match (&self.listen, &spec.url) {
            (Some(l), _) => l.clone(),
            (None, Some(url)) => listen_of_url(url)?,
            (None, None) => DEFAULT_LISTEN.to_string(),
        };
        let mut selection: Selection = if self.spec.is_some() {
            spec.selection()
        } else {
            Selection::default()
        };
        if !self.cases.is_empty() {
            selection.include = self.cases.clone();
        }
        selection.exclude.extend(self.exclude.iter().cloned());
        let all: Vec<CaseId> = catalog::all_ids();
        let cases = selection.select(&all);
        if cases.is_empty() {
            return Err(format!(
                "the selection ({}) matches no case",
                if selection.include.is_empty() {
                    "*".to_string()
                } else {
                    selection.include.join(" ")
                }
            ));
        }
        Ok(Plan {
            listen,
            unmatched: selection.unmatched(&all),
            cases,
            outdir: self
                .out
                .clone()
                .or(spec.outdir.clone())
                .unwrap_or_else(|| PathBuf::from("reports/clients")),
            exclude_agent_cases: spec.exclude_agent_cases.clone(),
        })
    }
}

/// The server's state for a plan.
pub fn state_for(plan: &Plan) -> State {
    let descriptions: BTreeMap<CaseId, String> = plan
        .cases
        .iter()
        .filter_map(|id| catalog::build(id).map(|d| (id.clone(), d.description)))
        .collect();
    State {
        cases: plan.cases.clone(),
        descriptions,
        results: Mutex::new(BTreeMap::new()),
        outdir: plan.outdir.clone(),
        stop: tokio::sync::Notify::new(),
        running: Default::default(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn flags_win_over_the_spec_file() {
        let tmp = tempfile::tempdir().unwrap();
        let spec = tmp.path().join("fuzzingserver.json");
        std::fs::write(
            &spec,
            r#"{"url": "ws://127.0.0.1:9555", "outdir": "./out/clients",
                "cases": ["1.1.*", "2.*", "12.1.*", "14.*"], "exclude-cases": ["2.1*"],
                "exclude-agent-cases": {"slow*": ["2.3"]}}"#,
        )
        .unwrap();
        let from_spec = FuzzingServerCommand {
            spec: Some(spec.clone()),
            ..Default::default()
        }
        .plan()
        .unwrap();
        assert_eq!(from_spec.listen, "127.0.0.1:9555");
        assert_eq!(from_spec.outdir, PathBuf::from("./out/clients"));
        // 8 of 1.1.*, 2.2 … 2.9 (2.1* excludes 2.1, 2.10, 2.11: a prefix, as in the
        // testsuite), 18 of 12.1.*; there is no 14.*
        assert_eq!(from_spec.cases.len(), 34);
        assert_eq!(from_spec.cases.last().unwrap().to_string(), "12.1.18");
        assert_eq!(from_spec.unmatched, ["14.*"]);
        assert_eq!(from_spec.exclude_agent_cases[0].0, "slow*");

        let flags = FuzzingServerCommand {
            spec: Some(spec),
            listen: Some("127.0.0.1:0".into()),
            cases: vec!["2.*".into()],
            out: Some("elsewhere".into()),
            ..Default::default()
        }
        .plan()
        .unwrap();
        assert_eq!(flags.listen, "127.0.0.1:0");
        assert_eq!(flags.outdir, PathBuf::from("elsewhere"));
        // the spec's exclusions still apply: 2.1, 2.10 and 2.11 are excluded by 2.1*
        assert_eq!(flags.cases.len(), 8);
        let only_excluded = FuzzingServerCommand {
            cases: vec!["2.1*".into()],
            exclude: vec!["2.*".into()],
            ..Default::default()
        };
        assert!(only_excluded.plan().is_err());
    }
}

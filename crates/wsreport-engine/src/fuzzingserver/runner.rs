//! The fuzzing server's case engine and report writer: [`EngineRunner`] runs a case in the
//! server role of [`crate::replay`] (the `101` and every frame in the wire log, judged by the
//! same judge as `replay`), and [`ClientsReportWriter`] writes the testsuite's
//! `reports/clients` layout for every agent (through [`crate::report::write_dir`]).

use std::collections::BTreeMap;
use std::future::Future;
use std::path::Path;
use std::pin::Pin;

use tokio::io::AsyncWriteExt;

use super::{CaseRunner, ReportWriter};
use crate::catalog;
use crate::event::{Events, RunEvent};
use crate::model::{Case, CaseId};
use crate::replay::{ReplayOptions, Replayed, Timeouts, replay_accepted};

/// Runs cases with the native engine in the server role.
#[derive(Clone)]
pub struct EngineRunner {
    /// The engine's timeouts (the case limit bounds a client that never ends a case).
    pub timeouts: Timeouts,
    /// `exclude-agent-cases`: agent glob → case globs refused for matching agents.
    pub exclude_agent_cases: Vec<(String, Vec<String>)>,
    /// Where each case's start and outcome (or refusal) is told.
    pub events: Option<Events>,
    /// The testsuite's test data directory for 12.x/13.x (stand-ins without).
    pub testdata: Option<std::path::PathBuf>,
    /// How a message of whole fragments ends.
    pub fragment_end: crate::catalog::FragmentEnd,
    /// The largest message accepted from a client (`None`: no limit).
    pub max_message_size: Option<usize>,
}

impl Default for EngineRunner {
    fn default() -> Self {
        EngineRunner {
            timeouts: Timeouts::default(),
            exclude_agent_cases: Vec::new(),
            events: None,
            testdata: None,
            fragment_end: crate::catalog::FragmentEnd::default(),
            max_message_size: Some(crate::wire::DEFAULT_MAX_MESSAGE_SIZE),
        }
    }
}

impl EngineRunner {
    fn tell(&self, event: RunEvent) {
        if let Some(events) = &self.events {
            events(event);
        }
    }

    /// Whether `exclude-agent-cases` refuses `id` to `agent`.
    pub fn excluded(&self, agent: &str, id: &CaseId) -> bool {
        crate::spec::agent_excludes(&self.exclude_agent_cases, agent, &id.to_string())
    }

    /// Runs one case; `None` when nothing is to be recorded (the case is unknown or excluded,
    /// or the client's upgrade request was refused: the testsuite records no case then either).
    pub async fn run_case(
        &self,
        id: CaseId,
        seq: usize,
        agent: String,
        head: Vec<u8>,
        mut stream: super::Stream,
    ) -> Option<Replayed> {
        let refuse = |why: String| {
            format!(
                "HTTP/1.1 404 Not Found\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{why}\n",
                why.len() + 1
            )
        };
        let def = match catalog::build(&id) {
            Some(def) => def,
            None => {
                let why = format!("case {id} is not in the catalog");
                let _ = stream.write_all(refuse(why.clone()).as_bytes()).await;
                self.tell(RunEvent::Refused {
                    agent,
                    case: None,
                    why,
                });
                return None;
            }
        };
        if self.excluded(&agent, &id) {
            let why = format!("case {id} is excluded for agent {agent} (exclude-agent-cases)");
            let _ = stream.write_all(refuse(why.clone()).as_bytes()).await;
            self.tell(RunEvent::Refused {
                agent,
                case: Some(id),
                why,
            });
            return None;
        }
        // TCP_NODELAY was set on accepting (`serve_tls`), below any TLS layer
        let mut opts = ReplayOptions::server(agent.clone());
        opts.timeouts = self.timeouts.clone();
        opts.testdata = self.testdata.clone();
        opts.fragment_end = self.fragment_end;
        opts.max_message_size = self.max_message_size;
        self.tell(RunEvent::CaseStarted {
            agent: agent.clone(),
            case: id.clone(),
        });
        let r = replay_accepted(stream, head, &def, &opts, seq as u64).await;
        match &r.record.handshake_error {
            Some(why) => {
                self.tell(RunEvent::Refused {
                    agent,
                    case: Some(id),
                    why: format!("upgrade request refused: {why}"),
                });
                None
            }
            None => {
                self.tell(RunEvent::CaseFinished {
                    agent,
                    case: id,
                    behavior: r.case.behavior.clone(),
                    behavior_close: r.case.behavior_close.clone(),
                    duration_ms: r.case.duration_ms.unwrap_or(0),
                });
                Some(r)
            }
        }
    }
}

impl CaseRunner for EngineRunner {
    fn run(
        &self,
        id: CaseId,
        seq: usize,
        agent: String,
        head: Vec<u8>,
        stream: super::Stream,
    ) -> Pin<Box<dyn Future<Output = Option<Case>> + Send>> {
        let me = self.clone();
        Box::pin(async move {
            me.run_case(id, seq, agent, head, stream)
                .await
                .map(|r| r.case)
        })
    }
}

/// Writes every agent's results in the testsuite's `reports/clients` layout.
#[derive(Debug, Default, Clone, Copy)]
pub struct ClientsReportWriter;

impl ReportWriter for ClientsReportWriter {
    fn write(
        &self,
        outdir: &Path,
        results: &BTreeMap<String, BTreeMap<CaseId, Case>>,
    ) -> Result<(), String> {
        let agents: Vec<(String, Vec<Case>)> = results
            .iter()
            .map(|(agent, cases)| (agent.clone(), cases.values().cloned().collect()))
            .collect();
        crate::report::write_dir(outdir, &agents)
            .map_err(|e| format!("cannot write {}: {e}", outdir.display()))
    }
}

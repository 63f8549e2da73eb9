//! The Autobahn|Testsuite cases from `cargo test`: in process, over any stream, with no port,
//! no Python and no Docker.
//!
//! A [`Suite`] plays the testsuite's side of each case against the implementation under test:
//! the client side ([`Suite::server`], what `wstest -m fuzzingclient` does to a server) or the
//! server side ([`Suite::client`], what `wstest -m fuzzingserver` does to a client). For each
//! case it asks a connector for a fresh stream whose other end the implementation under test
//! holds (a `tokio::io::duplex` pair, a TCP connection, anything `AsyncRead + AsyncWrite`),
//! runs the case over it, judges it by the testsuite's rules, and explains what failed.
//!
//! Testing a server built on tokio-tungstenite, in process (the server is given the other end
//! of an in-memory pipe per case):
//!
//! ```
//! use futures_util::{SinkExt, StreamExt};
//! use wsreport_engine::suite::Suite;
//!
//! async fn echo(stream: tokio::io::DuplexStream) {
//!     let Ok(mut ws) = tokio_tungstenite::accept_async(stream).await else { return };
//!     while let Some(Ok(message)) = ws.next().await {
//!         if (message.is_text() || message.is_binary()) && ws.send(message).await.is_err() {
//!             break;
//!         }
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() {
//! let results = Suite::server()
//!     .agent("tokio-tungstenite")
//!     .cases(["1.1.*", "2.1", "5.1"])
//!     .run(|| async {
//!         let (ours, theirs) = tokio::io::duplex(64 * 1024);
//!         tokio::spawn(echo(theirs));
//!         Ok(ours)
//!     })
//!     .await
//!     .unwrap();
//! assert_eq!(results.cases.len(), 10);
//! results.assert_pass(); // panics naming each failing case, its verdicts and the fault
//! # }
//! ```
//!
//! The compression cases (12.x, 13.x) compress messages cut from the testsuite's test data:
//! give its directory with [`Suite::testdata`] (`wsreport testdata fetch` downloads it) or
//! they run on stand-in data of the same sizes.

use std::future::Future;
use std::io;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use tokio::io::{AsyncRead, AsyncWrite};
use wsreport_cases::explain::{self, Explanation, diagnosis};
use wsreport_cases::policy::{Policy, PolicyName};

use crate::catalog::{self, CaseDef};
use crate::event::{self, Events};
use crate::model::{Case, CaseEntry, CaseId, Verdict};
use crate::replay::runner::{Job, run_jobs};
use crate::replay::{ReplayError, ReplayOptions, Replayed, Role, Target, replay_stream, select};

/// The cases to run and how: built with [`Suite::server`] or [`Suite::client`], then run with
/// [`Suite::run`] (any stream) or [`Suite::run_url`] (a server at a `ws://` or `wss://` URL).
#[derive(Debug, Clone)]
pub struct Suite {
    patterns: Vec<String>,
    options: ReplayOptions,
    policy: Policy,
    jobs: usize,
}

impl Suite {
    /// Tests a server: each case connects (through the connector), sends the upgrade request
    /// and plays the testsuite's client, masking every frame.
    pub fn server() -> Suite {
        let target = Target {
            host: "localhost".into(),
            port: 80,
            resource: "/".into(),
            tls: false,
        };
        Suite::with(ReplayOptions::client(&target, "server-under-test"))
    }

    /// Tests a client: each case reads the client's upgrade request from the stream, answers
    /// it as the testsuite's fuzzing server does and plays the server's side of the case. The
    /// client under test connects to any path: the case is chosen by the suite, not the URL.
    pub fn client() -> Suite {
        Suite::with(ReplayOptions::server("client-under-test"))
    }

    fn with(options: ReplayOptions) -> Suite {
        Suite {
            patterns: vec!["*".into()],
            options,
            policy: Policy::default(),
            jobs: crate::replay::runner::default_jobs(),
        }
    }

    /// The cases, as ids or the testsuite's patterns (`"1.*"`, `"6.4.1"`, `"12.1.*"`); all
    /// 517 when not called.
    pub fn cases<I, S>(mut self, patterns: I) -> Suite
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.patterns = patterns.into_iter().map(Into::into).collect();
        self
    }

    /// The agent name the records carry (the testsuite's `agent`).
    pub fn agent(mut self, name: impl Into<String>) -> Suite {
        self.options.agent = name.into();
        self
    }

    /// The pass policy of [`Results::assert_pass`] (default `rfc`: behaviour OK, NON-STRICT or
    /// INFORMATIONAL, close OK or INFORMATIONAL).
    pub fn policy(mut self, name: PolicyName) -> Suite {
        self.policy.name = name;
        self
    }

    /// How many cases run at once (default: the machine's cores). Cases whose verdict depends
    /// on timing (`CaseDef::timing_sensitive`) are judged as the testsuite judges them either
    /// way; `jobs(1)` gives them a quiet machine.
    pub fn jobs(mut self, n: usize) -> Suite {
        self.jobs = n.max(1);
        self
    }

    /// The testsuite's test data directory for 12.x and 13.x.
    pub fn testdata(mut self, dir: impl Into<PathBuf>) -> Suite {
        self.options.testdata = Some(dir.into());
        self
    }

    /// Every other option of the engine (timeouts, message size cap, framing, headers).
    pub fn options_mut(&mut self) -> &mut ReplayOptions {
        &mut self.options
    }

    /// The selected cases, in the testsuite's order.
    pub fn selected(&self) -> Result<Vec<CaseId>, ReplayError> {
        select(&self.patterns)
    }

    /// Runs the cases, each over a fresh stream from `connect`, several at once ([`jobs`]).
    /// Fails only when the selection matches nothing; a connector error or a case that could
    /// not finish is in [`Results::errors`].
    ///
    /// [`jobs`]: Suite::jobs
    pub async fn run<C, F, S>(&self, connect: C) -> Result<Results, ReplayError>
    where
        C: Fn() -> F + Send + Sync + 'static,
        F: Future<Output = io::Result<S>> + Send + 'static,
        S: AsyncRead + AsyncWrite + Send + 'static,
    {
        let connect = Arc::new(connect);
        let one = move |def: CaseDef, opts: Arc<ReplayOptions>, seq: u64| {
            let stream = connect();
            async move {
                let stream = stream.await.map_err(|source| ReplayError::Connect {
                    addr: "the connector".into(),
                    case: def.id.clone(),
                    source,
                })?;
                replay_stream(stream, &def, &opts, seq).await
            }
        };
        self.run_with(one).await
    }

    /// Runs the cases against a server at `url` (`ws://` or `wss://`), over TCP (a suite built
    /// with [`Suite::server`]; a client under test connects to the suite instead).
    pub async fn run_url(&self, url: &str) -> Result<Results, ReplayError> {
        let target = Arc::new(Target::parse(url)?);
        if self.options.role != Role::Client {
            return Err(ReplayError::BadTarget {
                url: url.to_string(),
                why: "only a suite testing a server connects to a URL",
            });
        }
        let mut suite = self.clone();
        suite.options.aim(&target);
        let one = move |def: CaseDef, opts: Arc<ReplayOptions>, seq: u64| {
            let target = Arc::clone(&target);
            async move { crate::replay::replay_tcp(&target, &def, &opts, seq).await }
        };
        suite.run_with(one).await
    }

    async fn run_with<R, F>(&self, one: R) -> Result<Results, ReplayError>
    where
        R: Fn(CaseDef, Arc<ReplayOptions>, u64) -> F,
        F: Future<Output = Result<Replayed, ReplayError>> + Send + 'static,
    {
        let jobs: Vec<Job> = self
            .selected()?
            .iter()
            .zip(1..)
            .filter_map(|(id, seq)| catalog::build(id).map(|def| Job { def, seq }))
            .collect();
        let quiet: Events = event::ignore();
        let outcomes = run_jobs(&self.options, jobs, self.jobs, &quiet, one).await;
        let mut cases = Vec::new();
        let mut errors = Vec::new();
        for outcome in outcomes {
            match outcome {
                Ok(r) => cases.push(r.case),
                Err(e) => errors.push(e),
            }
        }
        Ok(Results::judge(
            &self.options.agent,
            self.options.role,
            self.policy,
            cases,
            errors,
        ))
    }
}

/// One case's outcome.
#[derive(Debug, Clone)]
pub struct CaseResult {
    /// The record, as the testsuite writes it (see [`CaseResult::to_json`]).
    pub case: Case,
    /// Whether it passes under the suite's policy.
    pub passed: bool,
    /// Why it got its verdicts, with the fault the report-wide diagnosis names.
    pub explanation: Explanation,
}

impl CaseResult {
    /// The case id.
    pub fn id(&self) -> Option<&CaseId> {
        self.case.id.as_ref()
    }

    /// The behaviour and close verdicts (`OK`, `NON-STRICT`, `FAILED`, …).
    pub fn verdicts(&self) -> (Verdict, Verdict) {
        let v = |v: &Option<Verdict>| v.clone().unwrap_or(Verdict::Other(String::new()));
        (v(&self.case.behavior), v(&self.case.behavior_close))
    }

    /// The testsuite's JSON for the case (the file `wstest` writes per case).
    pub fn to_json(&self) -> serde_json::Value {
        wsreport_report::load::json::case_to_value(&self.case)
    }
}

/// What a run gave: every case's result, the diagnosis, and the cases that could not run.
#[derive(Debug)]
pub struct Results {
    /// The agent name.
    pub agent: String,
    /// The policy the results were judged by.
    pub policy: Policy,
    /// One per case that ran, in the testsuite's order.
    pub cases: Vec<CaseResult>,
    /// The failing cases grouped by the fault behind them ("the peer never answers pings"),
    /// gating failures first.
    pub diagnosis: Vec<diagnosis::FaultGroup>,
    /// Cases that could not run (the connector failed, the engine task died).
    pub errors: Vec<ReplayError>,
}

impl Results {
    fn judge(
        agent: &str,
        role: Role,
        policy: Policy,
        cases: Vec<Case>,
        errors: Vec<ReplayError>,
    ) -> Results {
        let entries: Vec<CaseEntry> = cases.iter().filter_map(|c| c.entry(None)).collect();
        let mut xs: Vec<Explanation> = cases
            .iter()
            .map(|c| explain::explain_case(c, Some(&entries)))
            .collect();
        let failing: Vec<usize> = (0..xs.len()).filter(|&i| !xs[i].passing).collect();
        let report = Path::new(match role {
            Role::Client => "servers",
            Role::Server => "clients",
        });
        let (groups, attributions) = diagnosis::diagnose_agent(
            report,
            agent,
            &entries,
            &failing.iter().map(|&i| &cases[i]).collect::<Vec<_>>(),
            &failing.iter().map(|&i| &xs[i]).collect::<Vec<_>>(),
        );
        for (&i, a) in failing.iter().zip(&attributions) {
            diagnosis::apply(&mut xs[i], a);
        }
        let cases = cases
            .into_iter()
            .zip(xs)
            .map(|(case, explanation)| {
                let passed = match (&case.id, &case.behavior, &case.behavior_close) {
                    (Some(id), Some(b), Some(c)) => policy.passes(id, b, c),
                    _ => false,
                };
                CaseResult {
                    case,
                    passed,
                    explanation,
                }
            })
            .collect();
        Results {
            agent: agent.to_string(),
            policy,
            cases,
            diagnosis: groups,
            errors,
        }
    }

    /// The cases that do not pass under the policy.
    pub fn failures(&self) -> impl Iterator<Item = &CaseResult> {
        self.cases.iter().filter(|c| !c.passed)
    }

    /// Whether every case ran and passes.
    pub fn all_pass(&self) -> bool {
        self.errors.is_empty() && self.cases.iter().all(|c| c.passed)
    }

    /// A summary a test failure can print: the counts, each failing case with its verdicts
    /// and explanation, the faults behind them, and the cases that could not run.
    pub fn summary(&self) -> String {
        let passed = self.cases.iter().filter(|c| c.passed).count();
        let mut out = format!(
            "{}: {passed} of {} cases pass under the {} policy",
            self.agent,
            self.cases.len() + self.errors.len(),
            self.policy.name
        );
        for c in self.failures() {
            // the headline starts with the id and the verdict ("2.11 FAILED: …")
            out += &format!("\n  {}", c.explanation.headline);
        }
        for g in &self.diagnosis {
            let ids: Vec<String> = g.cases.iter().map(ToString::to_string).collect();
            out += &format!("\n  fault: {} ({}): {}", g.title, g.evidence, ids.join(" "));
        }
        for e in &self.errors {
            out += &format!("\n  did not run: {}", wsreport_report::text::error_chain(e));
        }
        out
    }

    /// Panics with [`Results::summary`] unless every case ran and passes.
    #[track_caller]
    pub fn assert_pass(&self) {
        assert!(self.all_pass(), "{}", self.summary());
    }

    /// Writes the run as the testsuite's report (`index.json`, `index.html`, a JSON file and
    /// an HTML page per case) into `dir`, for `wsreport summarize`, `explain` or `dashboard`.
    pub fn write_report(&self, dir: &Path) -> io::Result<()> {
        let cases = self.cases.iter().map(|c| c.case.clone()).collect();
        crate::report::write_dir(dir, &[(self.agent.clone(), cases)])
    }
}

//! `wsreport run`: the testsuite's whole fuzzing client in one command.
//!
//! Reads the testsuite's `fuzzingclient.json` (or takes `--target`), runs each server's
//! selection against its URL with the shared runner ([`crate::replay::runner`]), writes
//! `index.json`, `index.html` and a JSON and HTML file per agent and case into one directory
//! (the testsuite's layout, several agents side by side), then reads that directory back to
//! summarize it and judge it with a pass policy as `check` does.
//!
//! Command-line flags and the spec combine so: `--target` replaces the spec's `servers` with
//! one server (named by `--agent`, default `UnknownServer`); without `--target`, `--agent`
//! picks one server of the spec by its agent name. `--cases` replaces the spec's `cases`;
//! `--exclude` adds to its `exclude-cases`; the spec's `exclude-agent-cases` always apply.
//! `--out` replaces `outdir`. A server's `options.failByDrop` is honoured.
//!
//! Cases the engine cannot run yet are not dropped silently: each agent's plan lists them and
//! the final report names them as skipped.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Serialize;

use crate::catalog;
use crate::compare::attempts::Attempts;
use crate::compare::check::CheckReport;
use crate::compare::run::Outcome;
use crate::compare::{self, InputError};
use crate::event::{Events, RunEvent};
use crate::model::Case;
use crate::model::CaseId;
use crate::policy::Judgement;
use crate::policy::Policy;
use crate::replay::runner::{Job, run_cases};
use crate::replay::{self, ReplayError, ReplayOptions, Target};
use crate::spec::{Selection, Spec, SpecError};
use crate::summary::{self, Summary};

/// The testsuite's default agent name.
pub const DEFAULT_AGENT: &str = "UnknownServer";
/// The target when neither `--target` nor a spec names one (the testsuite's sample spec).
pub const DEFAULT_TARGET: &str = "ws://127.0.0.1:9001";
/// Where reports go when neither `--out` nor the spec's `outdir` says.
pub const DEFAULT_OUT: &str = "reports/servers";

/// What `wsreport run` was asked to do (built from the command line by the binary).
#[derive(Debug, Clone, Default)]
pub struct RunCommand {
    /// A `fuzzingclient.json`.
    pub spec: Option<PathBuf>,
    /// `ws://host:port/path`: replaces the spec's servers.
    pub target: Option<String>,
    /// The agent name (with `--target`), or the spec server to run (without).
    pub agent: Option<String>,
    /// Case ids or globs: replace the spec's `cases`.
    pub cases: Vec<String>,
    /// Case ids or globs excluded, on top of the spec's `exclude-cases`.
    pub exclude: Vec<String>,
    /// The output directory: replaces the spec's `outdir`.
    pub out: Option<PathBuf>,
    /// Cases run at once.
    pub jobs: usize,
    /// The testsuite's test data directory, for the compression cases (12.x, 13.x).
    pub testdata: Option<PathBuf>,
    /// How a message of whole fragments ends (`--framing`).
    pub fragment_end: crate::catalog::FragmentEnd,
    /// Run only this share of the selection (`--shard K/N`).
    pub shard: Option<crate::shard::Shard>,
    /// How long to retry the first connection to each server (`--wait`).
    pub wait: Duration,
    /// Re-run each case that fails `rerun_policy` up to this many times (`--rerun-failed`).
    pub rerun_failed: usize,
    /// The policy that picks the cases to re-run.
    pub rerun_policy: Policy,
    /// How `wss://` servers' certificates are checked (`--ca`, `--insecure`).
    pub tls: crate::tls::ClientTlsOptions,
    /// Headers added to each upgrade request (`--header`, `--origin`, `--protocol`).
    pub headers: Vec<(String, String)>,
    /// `--max-message-size` (`None`: no limit).
    pub max_message_size: Option<usize>,
}

/// Why `run` could not start or finish.
#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// The spec file is unusable.
    #[error(transparent)]
    Spec(#[from] SpecError),
    /// The spec has no servers and no `--target` was given.
    #[error("{}: servers: no server to test (the spec lists none and no target URL was given)", path.display())]
    NoServers {
        /// The spec.
        path: PathBuf,
    },
    /// `--agent` names no server of the spec.
    #[error("{}: servers: no server has agent `{agent}` (the spec has {known})", path.display())]
    NoSuchAgent {
        /// The spec.
        path: PathBuf,
        /// The agent asked for.
        agent: String,
        /// The agents the spec has.
        known: String,
    },
    /// Two servers share an agent name: their case files would overwrite each other.
    #[error("{}: servers: agent `{agent}` appears twice", path.display())]
    DuplicateAgent {
        /// The spec.
        path: PathBuf,
        /// The agent.
        agent: String,
    },
    /// A server URL is not usable.
    #[error("{origin}")]
    Target {
        /// Where the URL came from (`the target URL`, `spec.json: servers[1]`).
        origin: String,
        /// The problem.
        source: ReplayError,
    },
    /// A case pattern matched no case.
    #[error("case pattern `{0}` matches no case of the testsuite")]
    NoSuchCase(String),
    /// Nothing selected at all.
    #[error("the selection is empty: no case to run")]
    NothingSelected,
    /// The compression cases' test data is missing or wrong.
    #[error(transparent)]
    TestData(#[from] crate::replay::TestDataError),
    /// The TLS configuration for `wss://` servers is unusable.
    #[error(transparent)]
    Tls(#[from] crate::tls::TlsError),
    /// The reports could not be written.
    #[error("cannot write {}", dir.display())]
    Write {
        /// The output directory.
        dir: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

/// One server to test and the cases it gets.
#[derive(Debug, Clone)]
pub struct AgentPlan {
    /// The agent name written into the reports.
    pub agent: String,
    /// The server's URL.
    pub url: String,
    /// The parsed URL.
    pub target: Target,
    /// How to replay (agent, host, `failByDrop`).
    pub options: ReplayOptions,
    /// The cases to run, with their `case` numbers.
    pub jobs: Vec<Job>,
}

/// Everything `run` will do.
#[derive(Debug, Clone)]
pub struct Plan {
    /// One entry per server, in the spec's order.
    pub agents: Vec<AgentPlan>,
    /// The output directory.
    pub out: PathBuf,
    /// Warnings met while planning (spec globs that match nothing).
    pub warnings: Vec<String>,
    /// How long to retry the first connection to each server.
    pub wait: Duration,
    /// Re-runs of a failing case, at most.
    pub rerun_failed: usize,
    /// The policy that picks the cases to re-run.
    pub rerun_policy: Policy,
}

impl Plan {
    /// Cases that will run, over every agent.
    pub fn total(&self) -> usize {
        self.agents.iter().map(|a| a.jobs.len()).sum()
    }
}

/// Combines the spec (if any) and the flags into a plan.
pub fn plan(cmd: &RunCommand) -> Result<Plan, RunError> {
    let spec = match &cmd.spec {
        Some(p) => Some(Spec::read(p)?),
        None => None,
    };
    plan_with(cmd, spec.as_ref())
}

/// [`plan`] with the spec already read.
pub fn plan_with(cmd: &RunCommand, spec: Option<&Spec>) -> Result<Plan, RunError> {
    let spec_path = cmd.spec.clone().unwrap_or_else(|| "spec".into());
    let empty = Spec::default();
    let s = spec.unwrap_or(&empty);
    let mut warnings = Vec::new();

    // (agent, url, origin, options)
    let mut servers: Vec<(String, String, String, serde_json::Value)> = Vec::new();
    if let Some(url) = &cmd.target {
        let agent = cmd.agent.clone().unwrap_or_else(|| DEFAULT_AGENT.into());
        servers.push((
            agent,
            url.clone(),
            "the target URL".into(),
            serde_json::Value::Null,
        ));
    } else if spec.is_some() {
        if s.servers.is_empty() {
            return Err(RunError::NoServers { path: spec_path });
        }
        for (i, srv) in s.servers.iter().enumerate() {
            if cmd.agent.as_ref().is_some_and(|a| *a != srv.agent) {
                continue;
            }
            if servers.iter().any(|(a, ..)| *a == srv.agent) {
                return Err(RunError::DuplicateAgent {
                    path: spec_path,
                    agent: srv.agent.clone(),
                });
            }
            servers.push((
                srv.agent.clone(),
                srv.url.clone(),
                format!("{}: servers[{i}]", spec_path.display()),
                srv.options.clone(),
            ));
        }
        if let (Some(agent), true) = (&cmd.agent, servers.is_empty()) {
            let known: Vec<String> = s.servers.iter().map(|x| format!("`{}`", x.agent)).collect();
            return Err(RunError::NoSuchAgent {
                path: spec_path,
                agent: agent.clone(),
                known: known.join(", "),
            });
        }
    } else {
        let agent = cmd.agent.clone().unwrap_or_else(|| DEFAULT_AGENT.into());
        servers.push((
            agent,
            DEFAULT_TARGET.into(),
            "the default target".into(),
            serde_json::Value::Null,
        ));
    }

    let all = catalog::all_ids();
    let selection = if cmd.cases.is_empty() {
        let sel = s.selection();
        for g in sel.unmatched(&all) {
            warnings.push(format!(
                "{}: cases: `{g}` matches no case",
                spec_path.display()
            ));
        }
        Selection {
            include: sel.include,
            exclude: sel.exclude.into_iter().chain(cmd.exclude.clone()).collect(),
        }
    } else {
        let sel = Selection {
            include: cmd.cases.clone(),
            exclude: s
                .exclude_cases
                .iter()
                .chain(&cmd.exclude)
                .cloned()
                .collect(),
        };
        if let Some(g) = sel.unmatched(&all).into_iter().next() {
            return Err(RunError::NoSuchCase(g));
        }
        sel
    };
    let selected = selection.select(&all);
    if selected.is_empty() {
        return Err(RunError::NothingSelected);
    }

    let mut agents = Vec::new();
    let mut tls = None;
    for (agent, url, origin, options) in servers {
        let target = Target::parse(&url).map_err(|source| RunError::Target { origin, source })?;
        let mut opts = ReplayOptions::client(&target, agent.clone());
        opts.testdata = cmd.testdata.clone();
        opts.fragment_end = cmd.fragment_end;
        opts.extra_headers = cmd.headers.clone();
        if target.tls {
            if tls.is_none() {
                tls = Some(crate::tls::ClientTls::new(&cmd.tls)?);
            }
            opts.tls = tls.clone();
        }
        opts.max_message_size = cmd.max_message_size;
        if let Some(b) = options
            .get("failByDrop")
            .and_then(serde_json::Value::as_bool)
        {
            opts.fail_by_drop = b;
        }
        // the selection holds catalog ids only, and the engine runs every case of the catalog
        // a shard keeps the whole selection's case numbers: merged shards equal one run
        let jobs: Vec<Job> = selected
            .iter()
            .zip(1u64..)
            .enumerate()
            .filter(|(i, _)| cmd.shard.is_none_or(|s| s.takes(*i)))
            .map(|(_, x)| x)
            .filter(|(id, _)| {
                !crate::spec::agent_excludes(&s.exclude_agent_cases, &agent, &id.to_string())
            })
            .filter_map(|(id, seq)| catalog::build(id).map(|def| Job { def, seq }))
            .collect();
        // the compression cases' test data, checked before anything runs
        replay::check_test_data(opts.testdata.as_deref(), jobs.iter().map(|j| &j.def))?;
        agents.push(AgentPlan {
            agent,
            url,
            target,
            options: opts,
            jobs,
        });
    }
    let out = cmd
        .out
        .clone()
        .or_else(|| s.outdir.clone())
        .unwrap_or_else(|| DEFAULT_OUT.into());
    Ok(Plan {
        agents,
        out,
        warnings,
        wait: cmd.wait,
        rerun_failed: cmd.rerun_failed,
        rerun_policy: cmd.rerun_policy,
    })
}

/// What happened to one server.
#[derive(Debug, Clone, Serialize)]
pub struct AgentOutcome {
    /// The agent.
    pub agent: String,
    /// Its URL.
    pub url: String,
    /// Cases run and written.
    pub ran: usize,
}

/// What `run` did, before reading the reports back.
#[derive(Debug)]
pub struct Executed {
    /// The output directory.
    pub out: PathBuf,
    /// Per server.
    pub agents: Vec<AgentOutcome>,
    /// Cases that produced no record (connection refused, …), and unreachable servers.
    pub errors: Vec<String>,
    /// Wall-clock time of the whole run.
    pub elapsed: Duration,
}

/// Runs the plan, server after server (each with `jobs` cases at once), telling `events`
/// about each case, and writes the reports. Errors of single cases are collected; only an
/// unwritable directory stops the run.
pub async fn execute(plan: &Plan, jobs: usize, events: &Events) -> Result<Executed, RunError> {
    let started = std::time::Instant::now();
    let mut written: Vec<(String, Vec<Case>)> = Vec::new();
    let mut outcomes = Vec::new();
    let mut errors = Vec::new();
    let mut attempts = Attempts {
        generator: format!("wsreport {}", env!("CARGO_PKG_VERSION")),
        ..Attempts::default()
    };
    for a in &plan.agents {
        let mut cases = Vec::new();
        if !a.jobs.is_empty() {
            if let Err(e) = reachable(&a.target, plan.wait).await {
                errors.push(format!("cannot connect to {} ({}): {e}", a.url, a.agent));
                events(RunEvent::Skipped {
                    agent: a.agent.clone(),
                    cases: a.jobs.len(),
                });
            } else {
                let results = run_cases(&a.target, &a.options, a.jobs.clone(), jobs, events).await;
                let results = rerun_failed(plan, a, results, &mut attempts).await;
                for r in results {
                    match r {
                        Ok(r) => cases.push(r.case),
                        Err(e) => errors.push(format!(
                            "{} ({}): {}",
                            a.url,
                            a.agent,
                            crate::text::error_chain(&e)
                        )),
                    }
                }
            }
        }
        outcomes.push(AgentOutcome {
            agent: a.agent.clone(),
            url: a.url.clone(),
            ran: cases.len(),
        });
        if !cases.is_empty() {
            written.push((a.agent.clone(), cases));
        }
    }
    // Nothing ran (every server unreachable): leave whatever report is there untouched.
    if !written.is_empty() {
        crate::report::write_dir(&plan.out, &written)
            .and_then(|()| {
                // a stale side file of an earlier run would name cases flaky that are not
                match std::fs::remove_file(plan.out.join(crate::compare::attempts::FILE)) {
                    Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
                    _ => attempts.write(&plan.out),
                }
            })
            .map_err(|source| RunError::Write {
                dir: plan.out.clone(),
                source,
            })?;
    }
    Ok(Executed {
        out: plan.out.clone(),
        agents: outcomes,
        errors,
        elapsed: started.elapsed(),
    })
}

/// Connects once, or (with `wait`) retries every 100 ms until the server answers or `wait`
/// has passed: a server started just before `run` may not listen yet.
async fn reachable(target: &Target, wait: Duration) -> std::io::Result<()> {
    let deadline = tokio::time::Instant::now() + wait;
    loop {
        let connect = tokio::net::TcpStream::connect(target.addr());
        let e = match tokio::time::timeout(Duration::from_secs(5), connect).await {
            Ok(Ok(_)) => return Ok(()),
            Ok(Err(e)) => e,
            Err(_) => std::io::Error::new(std::io::ErrorKind::TimedOut, "no answer in 5 s"),
        };
        if tokio::time::Instant::now() >= deadline {
            return Err(if wait.is_zero() {
                e
            } else {
                std::io::Error::new(e.kind(), format!("{e} (still, after waiting {wait:?})"))
            });
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// `--rerun-failed N`: each case whose first result fails the plan's policy runs again, up to
/// N times, until it passes. The first result is kept (it is what the testsuite would have
/// written); every attempt's verdicts go into `attempts`, which names the flaky cases.
async fn rerun_failed(
    plan: &Plan,
    a: &AgentPlan,
    results: Vec<Result<replay::Replayed, ReplayError>>,
    attempts: &mut Attempts,
) -> Vec<Result<replay::Replayed, ReplayError>> {
    if plan.rerun_failed == 0 {
        return results;
    }
    let outcome = |r: &replay::Replayed| r.case.entry(None).map(|e| Outcome::from(&e));
    let fails = |id: &CaseId, o: &Option<Outcome>| {
        o.as_ref()
            .is_some_and(|o| compare::judge(&plan.rerun_policy, id, o) == Judgement::Fail)
    };
    for (job, first) in a.jobs.iter().zip(&results) {
        let Ok(first) = first else { continue };
        let mut seen = vec![outcome(first)];
        while fails(&job.def.id, seen.last().unwrap()) && seen.len() <= plan.rerun_failed {
            let again = run_cases(
                &a.target,
                &a.options,
                vec![job.clone()],
                1,
                &crate::event::ignore(),
            )
            .await;
            match again.into_iter().next() {
                Some(Ok(r)) => seen.push(outcome(&r)),
                _ => break,
            }
        }
        if seen.len() > 1 {
            attempts.add(&a.agent, &job.def.id, seen.into_iter().flatten().collect());
        }
    }
    results
}

/// The answer of `run`: the written report summarized and judged. Its JSON rendering is
/// `run --format json` (fields in docs/commands.md).
#[derive(Debug, Clone, Serialize)]
pub struct RunReport {
    /// The output directory.
    pub out: PathBuf,
    /// Wall-clock seconds of the run.
    pub elapsed_s: f64,
    /// Per server: cases run, cases skipped because the engine cannot run them yet.
    pub agents: Vec<AgentOutcome>,
    /// `summarize` of the written report.
    pub summary: Summary,
    /// `check` of the written report under the policy.
    pub check: Option<CheckReport>,
    /// Cases that did not run (connection errors) and unreadable output.
    pub errors: Vec<String>,
}

impl RunReport {
    /// Whether something went wrong besides verdicts (exit status 2).
    pub fn has_errors(&self) -> bool {
        !self.errors.is_empty() || self.check.is_none()
    }

    /// Whether the policy gate passed.
    pub fn passed(&self) -> bool {
        self.check.as_ref().is_some_and(|c| c.passed)
    }
}

/// How the written report is judged: as `check` judges (policy, baseline, allow-list).
#[derive(Debug, Clone, Default)]
pub struct Gate {
    /// The pass policy.
    pub policy: Policy,
    /// A baseline written by `wsreport baseline`: only what got worse gates.
    pub baseline: Option<PathBuf>,
    /// An allow-list of cases allowed to fail.
    pub allow: Option<PathBuf>,
}

/// Reads the written directory back: `summarize`, and `check` as `gate` says.
pub fn report(done: Executed, gate: &Gate) -> RunReport {
    let mut errors = done.errors;
    if done.agents.iter().all(|a| a.ran == 0) {
        // said once: when a server could not be reached, that error already says why
        if errors.is_empty() {
            errors.push("no case ran; nothing written".into());
        }
        return RunReport {
            out: done.out,
            elapsed_s: done.elapsed.as_secs_f64(),
            agents: done.agents,
            summary: Summary {
                reports: Vec::new(),
                errors: Vec::new(),
            },
            check: None,
            errors,
        };
    }
    let (summary, load_errors) = summary::summarize_paths(std::slice::from_ref(&done.out));
    errors.extend(load_errors.iter().map(|e| crate::text::error_chain(e)));
    let (check, check_errors) = compare::check_paths(
        std::slice::from_ref(&done.out),
        gate.policy,
        gate.baseline.as_deref(),
        gate.allow.as_deref(),
    );
    // Unreadable files were reported once, by summarize.
    errors.extend(
        check_errors
            .iter()
            .filter(|e| !matches!(e, InputError::Load(_)))
            .map(|e| crate::text::error_chain(e)),
    );
    RunReport {
        out: done.out,
        elapsed_s: done.elapsed.as_secs_f64(),
        agents: done.agents,
        summary,
        check,
        errors,
    }
}

/// `run --list`: one line per selected case, `AGENT CASE-ID`, in the order they run.
pub fn list(plan: &Plan) -> Vec<String> {
    plan.agents
        .iter()
        .flat_map(|a| a.jobs.iter().map(|j| format!("{} {}", a.agent, j.def.id)))
        .collect()
}

/// One line per server for the user: agent, number of cases, URL, output directory.
pub fn describe(plan: &Plan) -> Vec<String> {
    plan.agents
        .iter()
        .map(|a| {
            format!(
                "{}: {} cases against {} into {}",
                a.agent,
                a.jobs.len(),
                a.url,
                Path::new(&plan.out).display()
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec() -> Spec {
        let v = serde_json::json!({
            "outdir": "./reports/from-spec",
            "servers": [
                {"agent": "a", "url": "ws://127.0.0.1:9001"},
                {"agent": "b", "url": "ws://127.0.0.1:9002/x", "options": {"failByDrop": false}}
            ],
            "cases": ["1.1.*", "9.1.1"],
            "exclude-cases": ["1.1.8"],
            "exclude-agent-cases": {"b": ["1.1.1"]}
        });
        Spec::from_value(&v, Path::new("fuzzingclient.json")).unwrap()
    }

    fn cmd() -> RunCommand {
        RunCommand {
            spec: Some("fuzzingclient.json".into()),
            jobs: 1,
            ..RunCommand::default()
        }
    }

    fn ran(p: &AgentPlan) -> Vec<String> {
        p.jobs
            .iter()
            .map(|j| format!("{}#{}", j.def.id, j.seq))
            .collect()
    }

    #[test]
    fn the_spec_alone_gives_each_server_its_selection() {
        let p = plan_with(&cmd(), Some(&spec())).unwrap();
        assert_eq!(p.out, Path::new("./reports/from-spec"));
        let names: Vec<&str> = p.agents.iter().map(|a| a.agent.as_str()).collect();
        assert_eq!(names, ["a", "b"]);
        let a_cases = [
            "1.1.1#1", "1.1.2#2", "1.1.3#3", "1.1.4#4", "1.1.5#5", "1.1.6#6", "1.1.7#7", "9.1.1#8",
        ];
        assert_eq!(ran(&p.agents[0]), a_cases);
        // b: 1.1.1 excluded for it; the others keep their numbers
        assert_eq!(ran(&p.agents[1]), a_cases[1..]);
        assert!(p.agents[0].options.fail_by_drop);
        assert!(!p.agents[1].options.fail_by_drop);
        assert_eq!(p.agents[1].options.resource, "/x");
        let l = list(&p);
        assert_eq!(l.len(), 15);
        assert_eq!(l[7], "a 9.1.1");
        assert_eq!(l[8], "b 1.1.2");
    }

    #[test]
    fn flags_override_the_spec() {
        let c = RunCommand {
            target: Some("ws://127.0.0.1:7000".into()),
            agent: Some("mine".into()),
            cases: vec!["2.1".into(), "2.2".into(), "1.1.8".into()],
            exclude: vec!["2.2".into()],
            out: Some("elsewhere".into()),
            ..cmd()
        };
        let p = plan_with(&c, Some(&spec())).unwrap();
        assert_eq!(p.out, Path::new("elsewhere"));
        assert_eq!(p.agents.len(), 1);
        assert_eq!(p.agents[0].agent, "mine");
        assert_eq!(p.agents[0].options.host, "127.0.0.1:7000");
        // --cases replaces `cases`; the spec's exclude-cases (1.1.8) and --exclude both apply
        assert_eq!(ran(&p.agents[0]), ["2.1#1"]);

        // --agent alone picks a spec server
        let c = RunCommand {
            agent: Some("b".into()),
            ..cmd()
        };
        let p = plan_with(&c, Some(&spec())).unwrap();
        let names: Vec<&str> = p.agents.iter().map(|a| a.agent.as_str()).collect();
        assert_eq!(names, ["b"]);
    }

    #[test]
    fn planning_errors_name_what_is_wrong() {
        let c = RunCommand {
            agent: Some("zz".into()),
            ..cmd()
        };
        let e = plan_with(&c, Some(&spec())).unwrap_err().to_string();
        assert_eq!(
            e,
            "fuzzingclient.json: servers: no server has agent `zz` (the spec has `a`, `b`)"
        );
        let c = RunCommand {
            cases: vec!["1.1.1".into(), "99.*".into()],
            ..cmd()
        };
        let e = plan_with(&c, Some(&spec())).unwrap_err().to_string();
        assert_eq!(e, "case pattern `99.*` matches no case of the testsuite");
        let c = RunCommand {
            cases: vec!["1.1.8".into()],
            ..cmd()
        };
        assert!(matches!(
            plan_with(&c, Some(&spec())),
            Err(RunError::NothingSelected)
        ));
        let c = RunCommand {
            target: Some("wss//example.org".into()),
            ..RunCommand::default()
        };
        let e = crate::text::error_chain(&plan_with(&c, None).unwrap_err());
        assert!(
            e.starts_with("the target URL: `wss//example.org` is not a ws:// or wss:// URL"),
            "{e}"
        );
    }

    #[test]
    fn without_spec_or_target_the_testsuite_default_is_used() {
        let c = RunCommand {
            cases: vec!["1.1.1".into()],
            ..RunCommand::default()
        };
        let p = plan_with(&c, None).unwrap();
        assert_eq!(p.agents[0].agent, DEFAULT_AGENT);
        assert_eq!(p.agents[0].url, DEFAULT_TARGET);
        assert_eq!(list(&p), ["UnknownServer 1.1.1"]);
        assert_eq!(p.out, Path::new(DEFAULT_OUT));
    }
}

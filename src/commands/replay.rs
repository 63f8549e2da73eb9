//! `wsreport replay`: run cases against a server, print each verdict (and a reason for each
//! that does not pass), compare with an existing report, write Autobahn-format results; or,
//! with `--listen`, serve cases to a client under test.

use std::io::{IsTerminal, Write};
use std::path::{Path, PathBuf};

use wsreport::catalog;
use wsreport::load;
use wsreport::model::{Case, CaseId, Verdict};
use wsreport::policy::Policy;
use wsreport::replay::runner::{Job, run_cases};
use wsreport::replay::{ReplayOptions, Target, select};

use super::exit::ExitStatus;
use super::reporter::Reporter;

/// What `wsreport replay` was asked to do (built from the command line).
#[derive(Debug, Clone)]
pub struct ReplayCommand {
    /// Case ids or globs.
    pub cases: Vec<String>,
    /// `ws://host:port/path`
    pub target: String,
    /// Agent name for reports (`UnknownServer`, the testsuite's default, when absent).
    pub agent: Option<String>,
    /// A report to compare verdicts with.
    pub report: Option<PathBuf>,
    /// Where to write `index.json` and the case files.
    pub out: Option<PathBuf>,
    /// Cases run at once.
    pub jobs: usize,
    /// Only list the selected ids.
    pub list: bool,
    /// Test a client instead: listen on this address and serve the cases (server role).
    pub listen: Option<String>,
    /// With `listen`: how many times to serve the cases.
    pub repeat: usize,
    /// The testsuite's test data directory, for the compression cases (12.x, 13.x).
    pub testdata: Option<PathBuf>,
    /// How a message of whole fragments ends (`--framing`).
    pub fragment_end: catalog::FragmentEnd,
    /// How a wss:// target's certificate is checked.
    pub tls: wsreport::tls::ClientTlsOptions,
    /// Headers added to the upgrade request.
    pub headers: Vec<(String, String)>,
    /// `--max-message-size` (`None`: no limit).
    pub max_message_size: Option<usize>,
}

impl crate::cli::ReplayArgs {
    /// What the command layer runs.
    fn command(self) -> ReplayCommand {
        ReplayCommand {
            cases: self.cases,
            target: self.target,
            agent: self.agent,
            report: self.report,
            out: self.out,
            jobs: crate::cli::jobs_or_cores(self.jobs),
            list: self.list,
            fragment_end: self.sending.fragment_end(),
            testdata: self.sending.testdata_dir(),
            max_message_size: self.sending.max_message_size(),
            listen: self.listen,
            repeat: self.repeat,
            tls: self.handshake.tls(),
            headers: self.handshake.headers(),
        }
    }
}

/// The short reason printed under a case that does not pass (a `--target` run; `--listen`
/// prints `explain`'s whole explanation, and `wsreport explain` reads `--out`'s report).
pub fn reason(case: &Case) -> String {
    let mut lines = Vec::new();
    let b = case.behavior.as_ref().map(Verdict::as_str).unwrap_or("?");
    let bc = case
        .behavior_close
        .as_ref()
        .map(Verdict::as_str)
        .unwrap_or("?");
    if !matches!(b, "OK" | "NON-STRICT" | "INFORMATIONAL") {
        let shown = |evs: &[wsreport::model::Event]| {
            let items: Vec<String> = evs
                .iter()
                .map(|e| format!("{} {:?}", e.kind(), e.payload().unwrap_or("")))
                .collect();
            format!("[{}]", items.join(", "))
        };
        let result = case.result.as_deref().unwrap_or("");
        // the cases that judge themselves (9.x, 12.x, 13.x) expect no events: their result
        // says it all
        lines.push(match case.expected.first() {
            Some((w, evs)) => format!(
                "behavior {b}: {result} expected {w} {}, received {}",
                shown(evs),
                shown(&case.received)
            ),
            None => format!("behavior {b}: {result}"),
        });
    }
    if !matches!(bc, "OK" | "INFORMATIONAL") {
        let c = &case.closing;
        let mut facts = vec![
            format!("closedByMe={}", py(c.closed_by_me)),
            format!("wasClean={}", py(c.was_clean)),
            format!("droppedByMe={}", py(c.dropped_by_me)),
            format!(
                "remoteCloseCode={}",
                c.remote_close_code
                    .map_or("None".to_string(), |v| v.to_string())
            ),
        ];
        if let Some(r) = &c.was_not_clean_reason {
            facts.push(format!("wasNotCleanReason={r:?}"));
        }
        lines.push(format!(
            "close {bc}: {} ({})",
            case.result_close.as_deref().unwrap_or(""),
            facts.join(", ")
        ));
    }
    lines.join("\n")
}

fn py(b: Option<bool>) -> &'static str {
    match b {
        Some(true) => "True",
        Some(false) => "False",
        None => "None",
    }
}

/// The verdicts a report holds for each case id (first agent that has it, or `agent`).
fn report_verdicts(
    dir: &Path,
    agent: Option<&str>,
) -> Result<Vec<(CaseId, Verdict, Verdict)>, String> {
    let loaded = load::load_paths(&[dir.to_path_buf()]);
    if let Some(e) = loaded.errors.first() {
        return Err(wsreport::text::error_chain(e));
    }
    let mut out = Vec::new();
    for report in &loaded.reports {
        for run in &report.agents {
            if agent.is_some_and(|a| a != run.agent) {
                continue;
            }
            for e in &run.cases {
                if !out.iter().any(|(id, _, _)| *id == e.id) {
                    out.push((e.id.clone(), e.behavior.clone(), e.behavior_close.clone()));
                }
            }
        }
    }
    Ok(out)
}

/// `pass  behavior OK, close OK (12 ms)`: whether the case passes, and its line after the id.
pub(crate) fn verdict_line(case: &Case) -> (bool, String) {
    let b = case.behavior.clone().unwrap_or(Verdict::Failed);
    let bc = case.behavior_close.clone().unwrap_or(Verdict::Failed);
    // A replayed case always has its id; without one the default policy's rule is the same.
    let id = case
        .id
        .clone()
        .unwrap_or_else(|| "0.0".parse().expect("a valid id"));
    let ok = Policy::default().passes(&id, &b, &bc);
    let word = if ok { "pass" } else { "FAIL" };
    let ms = case.duration_ms.unwrap_or(0);
    (ok, format!("{word:<5} behavior {b}, close {bc} ({ms} ms)"))
}

/// Runs the command, writing to `out` and `err`; returns the exit status (0 every case
/// passes, 1 some case does not, 2 usage or connection errors).
pub(crate) fn run_with(
    rt: &tokio::runtime::Runtime,
    cmd: &ReplayCommand,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> ExitStatus {
    let fail = |err: &mut dyn Write, e: &dyn std::fmt::Display| {
        let _ = writeln!(err, "wsreport: error: {e}");
        ExitStatus::Error
    };
    let chain = wsreport::text::error_chain;
    let ids = match select(&cmd.cases) {
        Ok(ids) => ids,
        Err(e) => return fail(err, &chain(&e)),
    };
    if cmd.list {
        for id in &ids {
            let _ = writeln!(out, "{id}");
        }
        return ExitStatus::Success;
    }
    if let Some(listen) = &cmd.listen {
        return run_listen(rt, cmd, &ids, listen, out, err);
    }
    let target = match Target::parse(&cmd.target) {
        Ok(t) => t,
        Err(e) => return fail(err, &chain(&e)),
    };
    let agent = cmd.agent.clone().unwrap_or_else(|| "UnknownServer".into());
    let compare = match &cmd.report {
        Some(dir) => match report_verdicts(dir, cmd.agent.as_deref()) {
            Ok(v) => Some(v),
            Err(e) => return fail(err, &format!("cannot read report {}: {e}", dir.display())),
        },
        None => None,
    };
    let mut opts = ReplayOptions::client(&target, agent.clone());
    opts.testdata = cmd.testdata.clone();
    opts.fragment_end = cmd.fragment_end;
    opts.extra_headers = cmd.headers.clone();
    if target.tls {
        match wsreport::tls::ClientTls::new(&cmd.tls) {
            Ok(tls) => opts.tls = Some(tls),
            Err(e) => return fail(err, &chain(&e)),
        }
    }
    opts.max_message_size = cmd.max_message_size;
    let defs: Vec<_> = ids.iter().filter_map(catalog::build).collect();
    let timing: Vec<(CaseId, &str)> = defs
        .iter()
        .filter_map(|d| Some((d.id.clone(), d.timing_sensitive()?)))
        .collect();
    // the compression cases' test data, checked once before anything runs
    if let Err(e) = wsreport::replay::check_test_data(opts.testdata.as_deref(), &defs) {
        return fail(err, &chain(&e));
    }
    let reporter = Reporter::progress(
        ids.len(),
        std::io::stderr().is_terminal() && ids.len() > 1,
        false,
    );
    let jobs: Vec<Job> = defs
        .into_iter()
        .zip(1..)
        .map(|(def, seq)| Job { def, seq })
        .collect();
    let results = rt.block_on(run_cases(
        &target,
        &opts,
        jobs,
        cmd.jobs,
        &reporter.events(),
    ));
    reporter.finish();

    let mut status = ExitStatus::Success;
    let mut cases = Vec::new();
    let (mut passed, mut failed, mut reproduced) = (0, 0, 0);
    for r in results {
        let replayed = match r {
            Ok(r) => r,
            Err(e) => {
                let _ = writeln!(err, "wsreport: error: {}", chain(&e));
                status = ExitStatus::Error;
                continue;
            }
        };
        let case = replayed.case;
        let id = case.id.clone().expect("replayed cases have ids");
        let (ok, line) = verdict_line(&case);
        let _ = writeln!(out, "{:<8} {line}", id.to_string());
        if let Some((_, why)) = timing.iter().find(|(t, _)| *t == id) {
            let _ = writeln!(out, "         timing-sensitive: {why}");
        }
        if ok {
            passed += 1;
        } else {
            failed += 1;
            for line in reason(&case).lines() {
                let _ = writeln!(out, "         {line}");
            }
            if status == ExitStatus::Success {
                status = ExitStatus::GateFailed;
            }
        }
        if let Some(report) = &compare {
            match report.iter().find(|(rid, _, _)| *rid == id) {
                Some((_, rb, rbc)) => {
                    let same = case.behavior.as_ref() == Some(rb)
                        && case.behavior_close.as_ref() == Some(rbc);
                    let report_ok = Policy::default().passes(&id, rb, rbc);
                    let word = match (report_ok, ok, same) {
                        (false, false, true) => {
                            reproduced += 1;
                            "failure reproduced"
                        }
                        (false, false, false) => {
                            reproduced += 1;
                            "failure reproduced, other verdicts"
                        }
                        (false, true, _) => "failure NOT reproduced",
                        (true, false, _) => "new failure (the report passes)",
                        (true, true, _) => "passes in both",
                    };
                    let _ = writeln!(out, "         report: behavior {rb}, close {rbc}: {word}");
                }
                None => {
                    let _ = writeln!(out, "         report: no verdict for {id}");
                }
            }
        }
        cases.push(case);
    }
    let _ = write!(out, "replay: {passed} passed, {failed} failed");
    if compare.is_some() {
        let _ = write!(out, ", {reproduced} failures reproduced from the report");
    }
    let _ = writeln!(out);
    if let Some(dir) = &cmd.out
        && let Err(e) = wsreport::report::write_dir(dir, &[(agent, cases)])
    {
        let _ = writeln!(err, "wsreport: error: cannot write {}: {e}", dir.display());
        return ExitStatus::Error;
    }
    status
}

/// The agent a client names in its request (`agent=` in the query), else `fallback`.
fn agent_of(head: &[u8], fallback: &str) -> String {
    wsreport::fuzzingserver::request_target(head)
        .and_then(|t| t.split_once('?'))
        .and_then(|(_, q)| {
            q.split('&')
                .filter_map(|p| p.split_once('='))
                .find(|(k, _)| *k == "agent")
                .map(|(_, v)| wsreport::fuzzingserver::route::percent_decode(v))
        })
        .filter(|a| !a.is_empty())
        .unwrap_or_else(|| fallback.to_string())
}

/// `replay --listen`: serves each selected case `repeat` times, one connection each, to
/// whatever client connects (any path), printing each verdict and its explanation.
fn run_listen(
    rt: &tokio::runtime::Runtime,
    cmd: &ReplayCommand,
    ids: &[CaseId],
    listen: &str,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> ExitStatus {
    use wsreport::explain::{ExplainReport, explain_case};
    use wsreport::fuzzingserver::{HEAD_TIMEOUT, read_head};
    use wsreport::render::{Style, explain::text};

    let fallback = cmd.agent.clone().unwrap_or_else(|| "UnknownClient".into());
    let defs: Vec<_> = ids.iter().filter_map(catalog::build).collect();
    let mut status = ExitStatus::Success;
    let (mut passed, mut failed) = (0, 0);
    let mut last: Vec<(String, Case)> = Vec::new();
    let served: std::io::Result<()> = rt.block_on(async {
        let listener = tokio::net::TcpListener::bind(listen).await?;
        writeln!(out, "ws://{}", listener.local_addr()?)?;
        out.flush()?;
        let repeat = cmd.repeat.max(1);
        for round in 1..=repeat {
            for (i, def) in defs.iter().enumerate() {
                let (mut stream, peer) = listener.accept().await?;
                let _ = stream.set_nodelay(true);
                let run = if repeat > 1 {
                    format!(" (run {round}/{repeat})")
                } else {
                    String::new()
                };
                let head = match tokio::time::timeout(HEAD_TIMEOUT, read_head(&mut stream)).await {
                    Ok(Ok(head)) => head,
                    Ok(Err(e)) => {
                        let _ = writeln!(out, "{:<8} FAIL  {peer}: {e}{run}", def.id.to_string());
                        failed += 1;
                        continue;
                    }
                    Err(_) => {
                        let _ = writeln!(
                            out,
                            "{:<8} FAIL  {peer}: no request head within {HEAD_TIMEOUT:?}{run}",
                            def.id.to_string()
                        );
                        failed += 1;
                        continue;
                    }
                };
                let agent = agent_of(&head, &fallback);
                let mut opts = ReplayOptions::server(agent.clone());
                opts.fragment_end = cmd.fragment_end;
                opts.testdata = cmd.testdata.clone();
                opts.max_message_size = cmd.max_message_size;
                let r =
                    wsreport::replay::replay_accepted(stream, head, def, &opts, i as u64 + 1).await;
                if let Some(why) = &r.record.handshake_error {
                    let _ = writeln!(
                        out,
                        "{:<8} FAIL  {agent}: upgrade request refused: {why}{run}",
                        def.id.to_string()
                    );
                    failed += 1;
                    continue;
                }
                let case = r.case;
                let (ok, line) = verdict_line(&case);
                let _ = writeln!(out, "{:<8} {line}, agent {agent}{run}", def.id.to_string());
                if let Some(why) = def.timing_sensitive() {
                    let _ = writeln!(out, "         timing-sensitive: {why}");
                }
                if ok {
                    passed += 1;
                } else {
                    failed += 1;
                    let report = ExplainReport {
                        explanations: vec![explain_case(&case, None)],
                        diagnosis: Default::default(),
                    };
                    for line in text(&report, Style { color: false }).lines() {
                        let _ = writeln!(out, "         {line}");
                    }
                }
                let _ = out.flush();
                last.retain(|(a, c)| !(*a == agent && c.id == case.id));
                last.push((agent, case));
            }
        }
        Ok(())
    });
    if let Err(e) = served {
        let _ = writeln!(err, "wsreport: error: cannot serve on {listen}: {e}");
        return ExitStatus::Error;
    }
    let _ = writeln!(out, "replay: {passed} passed, {failed} failed");
    if failed > 0 {
        status = ExitStatus::GateFailed;
    }
    if let Some(dir) = &cmd.out {
        let mut agents: Vec<(String, Vec<Case>)> = Vec::new();
        for (agent, case) in last {
            match agents.iter_mut().find(|(a, _)| *a == agent) {
                Some((_, cases)) => cases.push(case),
                None => agents.push((agent, vec![case])),
            }
        }
        if let Err(e) = wsreport::report::write_dir(dir, &agents) {
            let _ = writeln!(err, "wsreport: error: cannot write {}: {e}", dir.display());
            return ExitStatus::Error;
        }
    }
    status
}

/// `replay` on stdout and stderr.
pub(crate) fn run(
    rt: &tokio::runtime::Runtime,
    args: crate::cli::ReplayArgs,
) -> anyhow::Result<ExitStatus> {
    if let Some(from) = args.from.clone() {
        return super::replay_from::run(rt, &from, args);
    }
    super::note_cached_testdata(&args.sending);
    let cmd = args.command();
    Ok(run_with(
        rt,
        &cmd,
        &mut std::io::stdout(),
        &mut std::io::stderr(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use wsreport::model::Event;

    #[test]
    fn reasons_show_expected_events_only_for_cases_that_have_them() {
        let mut case = Case {
            behavior: Some(Verdict::Failed),
            behavior_close: Some(Verdict::Ok),
            result: Some("Did not receive message within 100 seconds.".into()),
            ..Case::default()
        };
        assert_eq!(
            reason(&case),
            "behavior FAILED: Did not receive message within 100 seconds."
        );
        case.result = Some("Actual events differ from any expected.".into());
        case.expected = vec![("OK".into(), vec![Event::Pong("ab".into())])];
        assert_eq!(
            reason(&case),
            "behavior FAILED: Actual events differ from any expected. expected OK \
             [pong \"ab\"], received []"
        );
    }
}

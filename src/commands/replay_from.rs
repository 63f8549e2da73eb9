//! `wsreport replay --from CASE_FILE`: a report's case replayed as its run sent it (the plan
//! is [`wsreport::reproduce::Reproduction`]), judged by the engine, explained, and compared
//! with the report.

use std::io::Write;
use std::path::Path;

use anyhow::Context;
use wsreport::explain::{ExplainReport, explain_case};
use wsreport::model::Case;
use wsreport::render::{Style, explain::text};
use wsreport::replay::{ReplayOptions, Replayed, Role, Target};
use wsreport::reproduce::{Reproduction, differences};

use super::exit::ExitStatus;
use super::replay::verdict_line;

/// 0 the case passes, 1 it fails (the failure reproduced, or a new one), 2 the case file
/// cannot be read or replayed.
pub(crate) fn run(
    rt: &tokio::runtime::Runtime,
    from: &Path,
    args: crate::cli::ReplayArgs,
) -> anyhow::Result<ExitStatus> {
    let report = wsreport::load::read_case_file(from)?;
    let plan = Reproduction::new(report).with_context(|| format!("{}", from.display()))?;
    let fragment_end = args.sending.fragment_end();
    let mut out = std::io::stdout().lock();
    let id = plan.def.id.clone();
    let r = plan.report.as_ref().expect("a plan from a report");
    writeln!(
        out,
        "case {id} from {}: agent {:?}, behavior {}, close {}",
        from.display(),
        r.agent,
        r.behavior.as_ref().map_or("?".into(), |v| v.to_string()),
        r.behavior_close
            .as_ref()
            .map_or("?".into(), |v| v.to_string()),
    )?;
    for n in &plan.notes {
        writeln!(out, "  note: {n}")?;
    }
    let with_testdata = |mut opts: ReplayOptions| {
        opts.testdata = args.sending.testdata.clone();
        if fragment_end != Default::default() {
            opts.fragment_end = fragment_end;
        }
        opts
    };
    let replayed: Replayed = match &args.listen {
        Some(listen) => {
            if plan.role == Role::Client {
                writeln!(
                    out,
                    "  note: the report tested a server; serving its case to a client"
                )?;
            }
            let agent = args.agent.clone().unwrap_or_else(|| r.agent.clone());
            let opts = with_testdata(plan.server_options(agent));
            rt.block_on(serve_once(listen, &plan, &opts, &mut out))?
        }
        None => {
            if plan.role == Role::Server {
                writeln!(
                    out,
                    "  note: the report tested a client; sending its case to a server"
                )?;
            }
            let target = Target::parse(&args.target)?;
            let agent = args.agent.clone().unwrap_or_else(|| r.agent.clone());
            let opts = with_testdata(plan.client_options(&target, agent));
            rt.block_on(wsreport::replay::replay_tcp(&target, &plan.def, &opts, 1))?
        }
    };
    let case = replayed.case;
    let (ok, line) = verdict_line(&case);
    writeln!(out, "{:<8} {line}", id.to_string())?;
    if !ok {
        let explained = ExplainReport {
            explanations: vec![explain_case(&case, None)],
            diagnosis: Default::default(),
        };
        for l in text(&explained, Style { color: false }).lines() {
            writeln!(out, "         {l}")?;
        }
    }
    print_differences(&mut out, r, &case, ok)?;
    if let Some(dir) = &args.out {
        wsreport::report::write_dir(dir, &[(case.agent.clone(), vec![case.clone()])])
            .with_context(|| format!("cannot write {}", dir.display()))?;
    }
    Ok(if ok {
        ExitStatus::Success
    } else {
        ExitStatus::GateFailed
    })
}

fn print_differences(
    out: &mut dyn Write,
    report: &Case,
    run: &Case,
    ok: bool,
) -> std::io::Result<()> {
    let report_ok = match (&report.id, &report.behavior, &report.behavior_close) {
        (Some(id), Some(b), Some(bc)) => {
            Some(wsreport::policy::Policy::default().passes(id, b, bc))
        }
        _ => None,
    };
    let word = match (report_ok, ok) {
        (Some(false), false) => "the failure reproduced",
        (Some(false), true) => "the failure did NOT reproduce",
        (Some(true), false) => "a new failure (the report passes)",
        (Some(true), true) => "passes, as in the report",
        (None, _) => "the report has no verdict",
    };
    let diffs = differences(report, run);
    if diffs.is_empty() {
        writeln!(
            out,
            "report: {word}; this run matches it (verdicts, events, close, duration)"
        )?;
        return Ok(());
    }
    writeln!(out, "report: {word}; this run differs:")?;
    for d in diffs {
        writeln!(out, "  {d}")?;
    }
    Ok(())
}

/// A report writer for `/updateReports` that writes nothing: `--out` writes the one case.
struct NoReports;

impl wsreport::fuzzingserver::ReportWriter for NoReports {
    fn write(
        &self,
        _: &Path,
        _: &std::collections::BTreeMap<
            String,
            std::collections::BTreeMap<wsreport::model::CaseId, Case>,
        >,
    ) -> Result<(), String> {
        Ok(())
    }
}

/// Serves the plan to the first client that asks for a case (any path); the fuzzing server's
/// other requests (`/getCaseCount`: 1, `/updateReports`, …) are answered as it answers them,
/// so a harness written for it runs unchanged.
async fn serve_once(
    listen: &str,
    plan: &Reproduction,
    opts: &ReplayOptions,
    out: &mut dyn Write,
) -> anyhow::Result<Replayed> {
    use wsreport::fuzzingserver::{
        HEAD_TIMEOUT, Route, State, answer, read_head, request_target, route,
    };
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .with_context(|| format!("cannot listen on {listen}"))?;
    writeln!(out, "ws://{}", listener.local_addr()?)?;
    out.flush()?;
    let state = State {
        cases: vec![plan.def.id.clone()],
        descriptions: [(plan.def.id.clone(), plan.def.description.clone())].into(),
        results: Default::default(),
        outdir: Default::default(),
        stop: Default::default(),
        running: Default::default(),
    };
    loop {
        let (mut stream, _) = listener.accept().await?;
        let _ = stream.set_nodelay(true);
        let head = match tokio::time::timeout(HEAD_TIMEOUT, read_head(&mut stream)).await {
            Ok(Ok(head)) => head,
            _ => continue,
        };
        let routed = request_target(&head).and_then(|t| route::parse(t).ok());
        match routed {
            Some(r) if !matches!(r, Route::RunCase { .. }) => {
                answer(&state, r, head, Box::new(stream), &NoReports).await
            }
            _ => {
                return Ok(
                    wsreport::replay::replay_accepted(stream, head, &plan.def, opts, 1).await,
                );
            }
        }
    }
}

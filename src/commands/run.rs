//! `wsreport run`: the whole fuzzing client (spec file or `--target`), then the reports read
//! back, summarized and judged as `check` judges them.

use std::io::IsTerminal;

use wsreport::render::{self, Format};
use wsreport::run;

use super::exit::ExitStatus;
use super::reporter::Reporter;
use super::{note, print, warning};
use crate::cli::RunArgs;

/// 0 every case passes the gate, 1 it failed, 2 a planning error or unreadable output.
pub(crate) fn run(rt: &tokio::runtime::Runtime, args: &RunArgs) -> anyhow::Result<ExitStatus> {
    super::note_cached_testdata(&args.sending);
    let mut cmd = args.command();
    // --server-cmd: started before planning (the target names its port), stopped on drop
    let _server = match &args.ci.server_cmd {
        Some(template) if !args.list => {
            let server = wsreport::server_cmd::ServerProcess::start(template)?;
            note(&format!(
                "started `{}` (port {})",
                server.command, server.port
            ));
            let target = cmd.target.as_deref().unwrap_or("ws://127.0.0.1:{port}");
            cmd.target = Some(wsreport::server_cmd::fill(target, server.port));
            Some(server)
        }
        _ => None,
    };
    let plan = run::plan(&cmd).map_err(with_hint)?;
    for w in &plan.warnings {
        warning(w);
    }
    if args.list {
        print(
            &run::list(&plan)
                .iter()
                .map(|l| format!("{l}\n"))
                .collect::<String>(),
        );
        return Ok(ExitStatus::Success);
    }
    for line in run::describe(&plan) {
        note(&line);
    }
    let reporter = Reporter::progress(
        plan.total(),
        std::io::stderr().is_terminal() && plan.total() > 1,
        plan.agents.len() > 1,
    );
    let done = rt.block_on(run::execute(&plan, cmd.jobs, &reporter.events()));
    reporter.finish();
    timing_notes(&plan);
    let report = run::report(done?, &args.gate());
    if let Some(c) = &report.check {
        let flaky: Vec<String> = c
            .cases
            .iter()
            .filter(|c| c.flaky)
            .map(|c| format!("{} ({})", c.case, c.agent))
            .collect();
        if !flaky.is_empty() {
            warning(&format!(
                "flaky (verdicts changed on re-run): {}",
                flaky.join(", ")
            ));
        }
    }
    for e in &report.errors {
        super::error(&anyhow::anyhow!("{e}"));
    }
    if plan.wait.is_zero()
        && report
            .errors
            .iter()
            .any(|e| e.starts_with("cannot connect"))
    {
        note("--wait SECONDS retries the first connection while the server starts");
    }
    let drawn = super::dashboard::also(
        ExitStatus::Success,
        args.dashboard.as_deref(),
        std::slice::from_ref(&report.out),
        args.baseline.as_deref(),
        args.judging.policy(),
    );
    let output = &args.output;
    print(&match output.format() {
        Format::Json => render::json::render(&report),
        Format::Table => render::table::run(&report, output.style()),
        Format::Markdown => {
            render::fit::markdown(&render::markdown::run(&report), output.max_bytes)
        }
        Format::Junit => report
            .check
            .as_ref()
            .map(render::junit::check)
            .unwrap_or_default(),
        Format::Github => report
            .check
            .as_ref()
            .map(render::github::check)
            .unwrap_or_default(),
        Format::Badge => report
            .check
            .as_ref()
            .map(render::badge::check)
            .unwrap_or_default(),
    });
    Ok(if report.has_errors() || drawn == ExitStatus::Error {
        ExitStatus::Error
    } else if report.passed() {
        ExitStatus::Success
    } else {
        ExitStatus::GateFailed
    })
}

/// One line per timing-sensitive case run (once, however many servers ran it): its verdict
/// may differ on the next run without anything having changed.
fn timing_notes(plan: &run::Plan) {
    let mut seen = Vec::new();
    for def in plan
        .agents
        .iter()
        .flat_map(|a| a.jobs.iter().map(|j| &j.def))
    {
        if let Some(why) = def.timing_sensitive()
            && !seen.contains(&&def.id)
        {
            seen.push(&def.id);
            note(&format!("{} is timing-sensitive: {why}", def.id));
        }
    }
}

/// The library's planning error, with the flag that would have avoided it where there is one.
fn with_hint(e: run::RunError) -> anyhow::Error {
    let said = wsreport::text::error_chain(&e);
    match &e {
        run::RunError::NoServers { .. } => {
            anyhow::anyhow!("{said}; give --target, or list servers in the spec")
        }
        run::RunError::NoSuchAgent { .. } => {
            anyhow::anyhow!("{said}; without --target, --agent picks a spec server")
        }
        run::RunError::NoSuchCase(_) => anyhow::anyhow!("--cases: {said}"),
        _ => e.into(),
    }
}

//! `wsreport fuzzingserver`: listen, serve the selected cases over the testsuite's URL
//! protocol until `/stopServer` (or Ctrl-C), write the reports on `/updateReports` and once
//! more when stopping.

use std::io::Write;
use std::sync::Arc;

use anyhow::Context;
use wsreport::catalog;
use wsreport::fuzzingserver::runner::{ClientsReportWriter, EngineRunner};
use wsreport::fuzzingserver::{ReportWriter, plan::state_for, serve_tls};

use super::exit::ExitStatus;
use super::reporter::Reporter;
use super::{note, warning};
use crate::cli::FuzzingServerArgs;

/// Prints `ws://HOST:PORT` (the real port) as the first line of stdout and one line per case
/// run on stderr; 0 when stopped, an error when the flags, spec or address are unusable.
pub(crate) fn run(
    rt: &tokio::runtime::Runtime,
    args: FuzzingServerArgs,
) -> anyhow::Result<ExitStatus> {
    let tls = args.tls.load()?;
    let scheme = if tls.is_some() { "wss" } else { "ws" };
    super::note_cached_testdata(&args.sending);
    let cmd = args.command();
    let plan = cmd.plan().map_err(anyhow::Error::msg)?;
    for g in &plan.unmatched {
        warning(&format!("`{g}` selects no case"));
    }
    let defs: Vec<catalog::CaseDef> = plan.cases.iter().filter_map(catalog::build).collect();
    wsreport::replay::check_test_data(cmd.testdata.as_deref(), &defs)?;
    let state = Arc::new(state_for(&plan));
    let runner = EngineRunner {
        exclude_agent_cases: plan.exclude_agent_cases.clone(),
        events: Some(Reporter::lines().events()),
        testdata: cmd.testdata.clone(),
        fragment_end: cmd.fragment_end,
        max_message_size: cmd.max_message_size,
        ..EngineRunner::default()
    };
    let writer = ClientsReportWriter;
    rt.block_on(async {
        let listener = tokio::net::TcpListener::bind(&plan.listen).await?;
        let mut out = std::io::stdout().lock();
        writeln!(out, "{scheme}://{}", listener.local_addr()?)?;
        out.flush()?;
        drop(out);
        note(&format!(
            "fuzzing server: {} cases; reports go to {} on /updateReports; stop with /stopServer or Ctrl-C",
            plan.cases.len(),
            plan.outdir.display()
        ));
        tokio::select! {
            r = serve_tls(listener, state.clone(), Arc::new(runner), Arc::new(writer), tls) => r,
            _ = tokio::signal::ctrl_c() => Ok(()),
        }
    })
    .with_context(|| format!("cannot serve on {}", plan.listen))?;
    let results = state
        .results
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .clone();
    if !results.is_empty() {
        writer
            .write(&plan.outdir, &results)
            .map_err(anyhow::Error::msg)?;
        note(&format!(
            "wrote reports for {} agents to {}",
            results.len(),
            plan.outdir.display()
        ));
    }
    Ok(ExitStatus::Success)
}

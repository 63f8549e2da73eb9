//! `wsreport replay`: run cases against a server, print each verdict (and a reason for each
//! that does not pass), compare with an existing report, write Autobahn-format results.

use std::io::Write;
use std::path::{Path, PathBuf};

use futures_util::StreamExt;

use crate::catalog;
use crate::exit::ExitStatus;
use crate::judge;
use crate::load;
use crate::load::json::{case_to_value, index_to_value, to_json};
use crate::model::{AgentRun, Case, CaseId, Verdict, case_file_stem};

use super::{ReplayError, ReplayOptions, Replayed, Target, replay_tcp, select};

/// What `wsreport replay` was asked to do (built from the command line by the binary).
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
    /// Show a progress bar (the binary decides: more than one case, stderr a terminal).
    pub progress: bool,
    /// The testsuite's test data directory, for the compression cases (12.x, 13.x).
    pub testdata: Option<PathBuf>,
}

/// The short reason printed under a case that does not pass. The `explain` module will
/// replace this one function with its full explanation.
pub fn reason(case: &Case) -> String {
    let mut lines = Vec::new();
    let b = case.behavior.as_ref().map(Verdict::as_str).unwrap_or("?");
    let bc = case
        .behavior_close
        .as_ref()
        .map(Verdict::as_str)
        .unwrap_or("?");
    if !matches!(b, "OK" | "NON-STRICT" | "INFORMATIONAL") {
        let shown = |evs: &[crate::model::Event]| {
            let items: Vec<String> = evs
                .iter()
                .map(|e| format!("{} {:?}", e.kind(), e.payload().unwrap_or("")))
                .collect();
            format!("[{}]", items.join(", "))
        };
        let expected = case
            .expected
            .first()
            .map(|(w, evs)| format!("{w} {}", shown(evs)))
            .unwrap_or_default();
        lines.push(format!(
            "behavior {b}: {} expected {expected}, received {}",
            case.result.as_deref().unwrap_or(""),
            shown(&case.received)
        ));
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
        return Err(e.to_string());
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

/// Writes the testsuite's layout: `index.json`, `index.html`, and a `.json` and `.html` per
/// case.
fn write_out(dir: &Path, agent: &str, cases: &[Case]) -> std::io::Result<()> {
    use crate::report::html::{IndexDetails, case_page, index_page};
    std::fs::create_dir_all(dir)?;
    let mut entries = Vec::new();
    let mut details = IndexDetails::new();
    for case in cases {
        let Some(id) = &case.id else { continue };
        let stem = case_file_stem(agent, id);
        let file = format!("{stem}.json");
        std::fs::write(dir.join(&file), to_json(&case_to_value(case)))?;
        std::fs::write(dir.join(format!("{stem}.html")), case_page(case))?;
        details.add(agent, case);
        if let Some(e) = case.entry(Some(file)) {
            entries.push(e);
        }
    }
    let runs = [AgentRun {
        agent: agent.to_string(),
        cases: entries,
    }];
    std::fs::write(dir.join("index.html"), index_page(&runs, &details))?;
    std::fs::write(dir.join("index.json"), to_json(&index_to_value(&runs)))
}

/// Runs the command, writing to `out` and `err`; returns the exit status (0 every case
/// passes, 1 some case does not, 2 usage or connection errors).
pub fn run(cmd: &ReplayCommand, out: &mut dyn Write, err: &mut dyn Write) -> ExitStatus {
    let fail = |err: &mut dyn Write, e: &dyn std::fmt::Display| {
        let _ = writeln!(err, "wsreport: error: {e}");
        ExitStatus::Error
    };
    let ids = match select(&cmd.cases) {
        Ok(ids) => ids,
        Err(e) => return fail(err, &e),
    };
    if cmd.list {
        for id in &ids {
            let _ = writeln!(out, "{id}");
        }
        return ExitStatus::Success;
    }
    let target = match Target::parse(&cmd.target) {
        Ok(t) => t,
        Err(e) => return fail(err, &e),
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
    let rt = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => return fail(err, &e),
    };
    let bar = (cmd.progress && ids.len() > 1).then(|| {
        let bar = indicatif::ProgressBar::new(ids.len() as u64);
        bar.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        bar
    });
    let defs: Vec<_> = ids.iter().filter_map(catalog::build).collect();
    // the compression cases' test data, checked once before anything runs
    let mut needed: Vec<catalog::TestData> = Vec::new();
    for def in &defs {
        for step in &def.steps {
            if let catalog::Step::DeflateSeries(s) = step
                && !needed.contains(&s.data)
            {
                needed.push(s.data);
            }
        }
    }
    for data in needed {
        if let Err(e) = super::read_test_data(opts.testdata.as_deref(), data) {
            return fail(err, &e);
        }
    }
    let results: Vec<Result<Replayed, ReplayError>> = rt.block_on(async {
        futures_util::stream::iter(defs.iter().enumerate())
            .map(|(i, def)| {
                let (target, opts, bar) = (&target, &opts, bar.clone());
                async move {
                    let r = replay_tcp(target, def, opts, i as u64 + 1).await;
                    if let Some(bar) = bar {
                        bar.set_message(def.id.to_string());
                        bar.inc(1);
                    }
                    r
                }
            })
            .buffered(cmd.jobs.max(1))
            .collect()
            .await
    });
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }

    let mut status = ExitStatus::Success;
    let mut cases = Vec::new();
    let (mut passed, mut failed, mut reproduced) = (0, 0, 0);
    for r in results {
        let replayed = match r {
            Ok(r) => r,
            Err(e) => {
                let _ = writeln!(err, "wsreport: error: {e}");
                status = ExitStatus::Error;
                continue;
            }
        };
        let case = replayed.case;
        let id = case.id.clone().expect("replayed cases have ids");
        let (b, bc) = (
            case.behavior.clone().unwrap_or(Verdict::Failed),
            case.behavior_close.clone().unwrap_or(Verdict::Failed),
        );
        let ok = judge::passes(&b, &bc);
        let _ = writeln!(
            out,
            "{:<8} {:<5} behavior {b}, close {bc} ({} ms)",
            id.to_string(),
            if ok { "pass" } else { "FAIL" },
            case.duration_ms.unwrap_or(0)
        );
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
                    let same = *rb == b && *rbc == bc;
                    let report_ok = judge::passes(rb, rbc);
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
        && let Err(e) = write_out(dir, &agent, &cases)
    {
        let _ = writeln!(err, "wsreport: error: cannot write {}: {e}", dir.display());
        return ExitStatus::Error;
    }
    status
}

#[cfg(test)]
mod write_tests {
    use super::*;

    #[test]
    fn written_reports_read_back_from_the_html_alone() {
        let seed = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/reports/clients/stratus_2_case_2_11.json");
        let case = crate::load::read_case_file(&seed).unwrap();
        let tmp = tempfile::tempdir().unwrap();
        write_out(tmp.path(), "stratus@2", std::slice::from_ref(&case)).unwrap();
        for f in [
            "index.json",
            "index.html",
            "stratus_2_case_2_11.json",
            "stratus_2_case_2_11.html",
        ] {
            assert!(tmp.path().join(f).is_file(), "{f}");
        }
        // Only the pages: every command must still read them.
        std::fs::remove_file(tmp.path().join("index.json")).unwrap();
        std::fs::remove_file(tmp.path().join("stratus_2_case_2_11.json")).unwrap();
        let loaded = crate::load::load_paths(&[tmp.path().to_path_buf()]);
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        let run = &loaded.reports[0].agents[0];
        assert_eq!(run.agent, "stratus@2");
        assert_eq!(run.cases[0].behavior, crate::model::Verdict::Failed);
        assert_eq!(run.cases[0].behavior_close, crate::model::Verdict::Unclean);
        let back = crate::load::load_case(&loaded.reports[0], &run.agent, &run.cases[0]).unwrap();
        assert_eq!(back.received, case.received);
        assert_eq!(back.closing, case.closing);
    }
}

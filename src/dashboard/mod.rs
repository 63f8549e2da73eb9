//! `wsreport dashboard`: one self-contained HTML file that shows a run, explains it and diffs
//! it.
//!
//! [`build`] computes everything the page shows as one [`Dashboard`] value: the reports, one
//! column per agent with `summarize`'s counts (the reports holding one agent, the shards of a
//! run, merged as `check` merges them), every case with both verdicts and whether it is flaky
//! (its re-runs got different verdicts), the policy's judgement, the explanation of each
//! agent's result ([`diagnosis`], from `explain`), the report-wide fault groups (`explain
//! --all`'s), and with a baseline or an old run the changes (`compare`'s). [`html`] embeds it
//! as JSON in a page whose script only displays and filters it: no network, no framework, the
//! data escaped so that no report text can end the script.

pub mod diagnosis;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::compare::attempts::Attempts;
use crate::compare::baseline::{Baseline, BaselineError};
use crate::compare::diff::{ChangeCounts, compare};
use crate::compare::run::{Outcome, Run};
use crate::compare::{Change, judge};
use crate::explain::{diagnosis as faults, explain_case};
use crate::load::{self, LoadError};
use crate::model::{AgentRun, CaseId, Mode, Verdict, category_title};
use crate::policy::{Judgement, Policy};
use crate::summary::{AgentSummary, ErrorSummary, summarize_agent};

pub use diagnosis::{Diagnosis, Group};

/// The `format` of the embedded data.
pub const FORMAT: &str = "wsreport-dashboard/1";

/// What to diff the run against.
#[derive(Debug, Clone, PartialEq)]
pub enum DiffAgainst {
    /// A baseline file written by `wsreport baseline`.
    Baseline(PathBuf),
    /// An earlier run: report directories, index files or folders holding several (merged).
    Run(Vec<PathBuf>),
}

/// How to build a dashboard.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Shown as the page's title (a project, a commit).
    pub title: Option<String>,
    /// The policy that says which cases fail and which changes are regressions.
    pub policy: Policy,
    /// A baseline or an old run to diff against.
    pub diff: Option<DiffAgainst>,
}

/// One report directory.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportInfo {
    /// The path the user named.
    pub path: PathBuf,
    /// Servers or clients tested.
    pub mode: Option<Mode>,
    /// The testsuite version.
    pub testsuite: Option<String>,
    /// The earliest `started` of its case files (the run's time).
    pub started: Option<String>,
}

/// One agent of one report: a column of the matrix.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Column {
    /// The first report holding the agent, an index into [`Dashboard::reports`].
    pub report: usize,
    /// Every report holding the agent's cases (the shards or batches of one run), merged into
    /// this column as `check` merges them.
    pub reports: Vec<usize>,
    /// The agent.
    pub agent: String,
    /// How the page names the column: the agent.
    pub label: String,
    /// Its `summarize` counts (the same as `summarize --format json`).
    pub summary: AgentSummary,
    /// Cases that fail the policy.
    pub failing: usize,
}

/// A case category.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Category {
    /// `"2"`
    pub category: String,
    /// `Pings/Pongs`
    pub title: &'static str,
}

/// One agent's result for one case.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Cell {
    /// `behavior`; absent for a case only the baseline or old run has.
    pub behavior: Option<Verdict>,
    /// `behaviorClose`
    pub close: Option<Verdict>,
    /// The testsuite's colour word (CSS class) of the behaviour: `case_ok`, `case_failed`, …
    pub behavior_class: Option<&'static str>,
    /// The testsuite's colour word of the closing verdict.
    pub close_class: Option<&'static str>,
    /// `duration` in ms.
    pub duration_ms: u64,
    /// `remoteCloseCode`
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<u64>,
    /// The policy's judgement.
    pub judgement: Option<Judgement>,
    /// Re-runs of the case (`run --rerun-failed`) got different verdicts: the report's
    /// attempts file ([`crate::compare::attempts`]) says so.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub flaky: bool,
    /// Every attempt's verdicts (`FAILED/FAILED`, `OK/OK`), the first being the one shown, for
    /// a case that was re-run.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub attempts: Vec<String>,
    /// How the case changed against the baseline or old run.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub change: Option<Change>,
    /// The verdicts before (`OK/OK`), when it changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub was: Option<String>,
    /// The explanation.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diagnosis: Option<Diagnosis>,
}

/// One case: a row of the matrix.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CaseRow {
    /// The id; its anchor is `#case-<id>`.
    pub id: CaseId,
    /// The category number as text.
    pub category: String,
    /// The description's first line.
    pub title: String,
    /// `description`, as text (line breaks for the testsuite's `<br>`).
    pub description: String,
    /// `expectation`, as text.
    pub expectation: String,
    /// One per column; `None` when the agent did not run the case.
    pub cells: Vec<Option<Cell>>,
}

/// One changed case against the baseline or old run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ChangeRow {
    /// The agent.
    pub agent: String,
    /// The case.
    pub case: CaseId,
    /// How it changed.
    pub change: Change,
    /// Before (`OK/OK`).
    pub was: Option<String>,
    /// Now.
    pub now: Option<String>,
}

/// The diff against a baseline or an old run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Diff {
    /// `baseline` or `run`.
    pub kind: &'static str,
    /// The baseline file or the old run's paths.
    pub against: Vec<PathBuf>,
    /// Cases per class.
    pub counts: ChangeCounts,
    /// Testsuite, agent and batch warnings.
    pub warnings: Vec<String>,
    /// Every case that is not unchanged.
    pub changes: Vec<ChangeRow>,
}

/// Everything the page shows.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Dashboard {
    /// [`FORMAT`]
    pub format: &'static str,
    /// `--title`
    pub title: Option<String>,
    /// `wsreport <version>`
    pub generator: String,
    /// The policy.
    pub policy: Policy,
    /// The reports read.
    pub reports: Vec<ReportInfo>,
    /// One per agent of each report.
    pub columns: Vec<Column>,
    /// The categories present, in order.
    pub categories: Vec<Category>,
    /// Every case, in id order.
    pub cases: Vec<CaseRow>,
    /// Non-passing cases grouped by fault, per column, largest group first.
    pub groups: Vec<Group>,
    /// The diff, with `--baseline` or `--compare`.
    pub diff: Option<Diff>,
    /// Cases two reports of one agent hold with different verdicts (the later one is shown),
    /// as `check` warns of them.
    pub warnings: Vec<String>,
    /// Files that could not be read.
    pub errors: Vec<ErrorSummary>,
}

/// Input a dashboard could not use.
#[derive(Debug, thiserror::Error)]
pub enum DashboardError {
    /// A report file or directory.
    #[error(transparent)]
    Load(#[from] LoadError),
    /// The baseline.
    #[error(transparent)]
    Baseline(#[from] BaselineError),
    /// Writing the page.
    #[error("{}: cannot write", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
    /// Nothing to show.
    #[error("no report found under {}", paths.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "))]
    Empty {
        /// What was named.
        paths: Vec<PathBuf>,
    },
}

/// The testsuite writes descriptions as HTML fragments (`<b>`, `<br>`, often beside a newline
/// of its own); the page shows text, one line break per `<br>`.
fn plain(s: &str) -> String {
    let s = s.replace("<br/>", "<br>");
    s.replace("\n<br>", "<br>")
        .replace("<br>\n", "<br>")
        .replace("<br>", "\n")
        .replace("<b>", "")
        .replace("</b>", "")
        .trim_end()
        .to_string()
}

/// The attempts files of the report directories read, each read once.
#[derive(Default)]
struct AttemptFiles(BTreeMap<PathBuf, Option<Attempts>>);

impl AttemptFiles {
    /// The verdict pairs of every attempt of a re-run case; empty for a case run once.
    fn of(&mut self, dir: &Path, agent: &str, id: &CaseId) -> Vec<String> {
        self.0
            .entry(dir.to_path_buf())
            .or_insert_with(|| Attempts::read(dir))
            .as_ref()
            .and_then(|a| a.agents.get(agent))
            .and_then(|cases| cases.get(&id.to_string()))
            .map(|outcomes| outcomes.iter().map(Outcome::pair).collect())
            .unwrap_or_default()
    }
}

/// A dashboard and the problems met building it (each also listed in the page).
#[derive(Debug)]
pub struct Built {
    /// The dashboard.
    pub dashboard: Dashboard,
    /// Unreadable files, an unusable baseline.
    pub errors: Vec<DashboardError>,
    /// Cases two reports of one agent hold with different verdicts (the page's warnings
    /// name them, or count them per pair of reports).
    pub conflicts: usize,
}

/// Reads the reports under `paths` (as `summarize` does), merges the reports of one agent into
/// one column (the shards of a run, as `check` and `compare` merge them: [`Run::merge`]),
/// explains every case and diffs the run when asked.
pub fn build(paths: &[PathBuf], opts: &Options) -> Built {
    let loaded = load::load_paths(paths);
    let mut errors: Vec<DashboardError> = Vec::new();
    let mut load_errors = loaded.errors;
    let policy = opts.policy;
    let mut merged = Run::merge(&loaded.reports);
    merged.read_attempts();
    // one column per agent, in the order the agents are first met; each with the reports
    // (shards, batches) that hold its cases
    let mut order: Vec<(String, Vec<usize>)> = Vec::new();
    for (ri, r) in loaded.reports.iter().enumerate() {
        for a in &r.agents {
            match order.iter_mut().find(|(name, _)| *name == a.agent) {
                Some((_, held)) if !held.contains(&ri) => held.push(ri),
                Some(_) => {}
                None => order.push((a.agent.clone(), vec![ri])),
            }
        }
    }
    let report_of = |path: &Path| loaded.reports.iter().position(|r| r.path == path);
    let mut started: Vec<Option<String>> = vec![None; loaded.reports.len()];
    let mut attempts = AttemptFiles::default();
    let mut columns = Vec::new();
    let mut rows: BTreeMap<CaseId, CaseRow> = BTreeMap::new();
    let mut groups = Vec::new();
    let width = order.len();
    for (col, (agent, held)) in order.into_iter().enumerate() {
        let Some(cases) = merged.agents.get(&agent) else {
            continue;
        };
        let run = AgentRun {
            agent: agent.clone(),
            cases: cases.values().map(|c| c.entry.clone()).collect(),
        };
        let mut failing = 0;
        // the failing cases of this agent, diagnosed together once all are read
        let mut to_diagnose: Vec<(CaseId, crate::model::Case, crate::explain::Explanation)> =
            Vec::new();
        for c in cases.values() {
            let e = &c.entry;
            let judgement = judge(&policy, &e.id, &Outcome::from(e));
            failing += usize::from(judgement == Judgement::Fail);
            let case = load::load_case_in(&c.dir, &agent, e);
            let row = rows.entry(e.id.clone()).or_insert_with(|| CaseRow {
                id: e.id.clone(),
                category: e.id.category().to_string(),
                title: String::new(),
                description: String::new(),
                expectation: String::new(),
                cells: vec![None; width],
            });
            let diagnosis = match case {
                Ok(case) => {
                    if let (Some(s), Some(ri)) = (&case.started, report_of(&c.from))
                        && started[ri].as_ref().is_none_or(|t| s < t)
                    {
                        started[ri] = Some(s.clone());
                    }
                    if row.description.is_empty() && !case.description.is_empty() {
                        row.description = plain(&case.description);
                        row.expectation = plain(&case.expectation);
                    }
                    let x = explain_case(&case, Some(&run.cases));
                    if row.title.is_empty() {
                        row.title = x.title.clone();
                    }
                    let d = diagnosis::diagnosis(&x);
                    if !x.passing {
                        to_diagnose.push((e.id.clone(), case, x));
                    }
                    Some(d)
                }
                Err(err) => {
                    load_errors.push(err);
                    None
                }
            };
            row.cells[col] = Some(Cell {
                behavior_class: Some(crate::report::html::behavior_class(&e.behavior)),
                close_class: Some(crate::report::html::close_class(&e.behavior_close)),
                behavior: Some(e.behavior.clone()),
                close: Some(e.behavior_close.clone()),
                duration_ms: e.duration_ms,
                code: e.remote_close_code,
                judgement: Some(judgement),
                flaky: merged.is_flaky(&agent, &e.id),
                attempts: attempts.of(&c.dir, &agent, &e.id),
                change: None,
                was: None,
                diagnosis,
            });
        }
        let (found, attributions) = faults::diagnose_agent(
            &loaded.reports[held[0]].path,
            &agent,
            &run.cases,
            &to_diagnose.iter().map(|(_, c, _)| c).collect::<Vec<_>>(),
            &to_diagnose.iter().map(|(_, _, x)| x).collect::<Vec<_>>(),
        );
        for ((id, _, mut x), a) in to_diagnose.into_iter().zip(&attributions) {
            faults::apply(&mut x, a);
            if let Some(cell) = rows.get_mut(&id).and_then(|row| row.cells[col].as_mut()) {
                cell.diagnosis = Some(diagnosis::diagnosis(&x));
            }
        }
        groups.extend(found.iter().map(|g| diagnosis::group(g, col)));
        let mut summary = summarize_agent(&run);
        summary.flaky = cases
            .keys()
            .filter(|id| merged.is_flaky(&agent, id))
            .cloned()
            .collect();
        columns.push(Column {
            report: held[0],
            reports: held,
            label: agent.clone(),
            agent,
            summary,
            failing,
        });
    }
    let reports: Vec<ReportInfo> = loaded
        .reports
        .iter()
        .zip(started)
        .map(|(r, started)| ReportInfo {
            path: r.path.clone(),
            mode: r.mode,
            testsuite: r.testsuite.clone(),
            started,
        })
        .collect();
    let diff = opts.diff.as_ref().and_then(|against| {
        let (old, what, paths) = match against {
            DiffAgainst::Baseline(p) => match Baseline::read(p) {
                Ok(b) => (b.to_run(p), "baseline", vec![p.clone()]),
                Err(e) => {
                    errors.push(e.into());
                    return None;
                }
            },
            DiffAgainst::Run(paths) => {
                let (run, errs) = Run::load(paths);
                load_errors.extend(errs);
                (run, "run", paths.clone())
            }
        };
        let c = compare(&old, &merged, policy);
        let pair = |s: &Option<crate::compare::diff::Side>| s.as_ref().map(|s| s.outcome.pair());
        let changes: Vec<ChangeRow> = c
            .changes
            .iter()
            .map(|ch| ChangeRow {
                agent: ch.agent.clone(),
                case: ch.case.clone(),
                change: ch.change,
                was: pair(&ch.old),
                now: pair(&ch.new),
            })
            .collect();
        Some(Diff {
            kind: what,
            against: paths,
            counts: c.counts,
            warnings: c.warnings.iter().map(|w| w.message.clone()).collect(),
            changes,
        })
    });
    if let Some(d) = &diff {
        mark_changes(d, &columns, &mut rows, width);
    }
    let mut categories: Vec<u32> = rows.keys().map(CaseId::category).collect();
    categories.dedup();
    let errors_shown = load_errors
        .iter()
        .map(|e| ErrorSummary {
            path: e.path().to_path_buf(),
            error: e.problem(),
        })
        .chain(errors.iter().map(|e| ErrorSummary {
            path: PathBuf::new(),
            error: crate::text::error_chain(e),
        }))
        .collect();
    errors.splice(0..0, load_errors.into_iter().map(DashboardError::from));
    Built {
        dashboard: Dashboard {
            format: FORMAT,
            title: opts.title.clone(),
            generator: format!("wsreport {}", env!("CARGO_PKG_VERSION")),
            policy,
            reports,
            columns,
            categories: categories
                .into_iter()
                .map(|c| Category {
                    category: c.to_string(),
                    title: category_title(c),
                })
                .collect(),
            cases: rows.into_values().collect(),
            groups,
            diff,
            warnings: crate::compare::conflict_warnings(&merged)
                .into_iter()
                .map(|w| w.message)
                .collect(),
            errors: errors_shown,
        },
        errors,
        conflicts: merged.conflicts.len(),
    }
}

/// Marks each changed case in the columns of its agent; a case only the old side has gets a
/// row and an empty cell that says what it was.
fn mark_changes(
    diff: &Diff,
    columns: &[Column],
    rows: &mut BTreeMap<CaseId, CaseRow>,
    width: usize,
) {
    for ch in &diff.changes {
        for (col, _) in columns
            .iter()
            .enumerate()
            .filter(|(_, c)| c.agent == ch.agent)
        {
            let row = rows.entry(ch.case.clone()).or_insert_with(|| {
                let def = crate::catalog::build(&ch.case);
                let (d, x) = def
                    .map(|d| (plain(&d.description), plain(&d.expectation)))
                    .unwrap_or_default();
                CaseRow {
                    id: ch.case.clone(),
                    category: ch.case.category().to_string(),
                    title: d.lines().next().unwrap_or("").to_string(),
                    description: d,
                    expectation: x,
                    cells: vec![None; width],
                }
            });
            let cell = row.cells[col].get_or_insert(Cell {
                behavior: None,
                close: None,
                behavior_class: None,
                close_class: None,
                duration_ms: 0,
                code: None,
                judgement: None,
                flaky: false,
                attempts: Vec::new(),
                change: None,
                was: None,
                diagnosis: None,
            });
            cell.change = Some(ch.change);
            cell.was = ch.was.clone();
        }
    }
}

/// The data as JSON that is safe inside `<script type="application/json">`: `<`, `>` and `&`
/// (and the line separators U+2028/U+2029) become `\u` escapes, which only occur inside JSON
/// strings, so no report text can close the element or open a comment.
pub fn embedded_json(d: &Dashboard) -> String {
    let json = serde_json::to_string(d).expect("the dashboard serializes");
    let mut out = String::with_capacity(json.len() + json.len() / 16);
    for ch in json.chars() {
        match ch {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out
}

/// Text for HTML element content and attribute values.
fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

const PAGE: &str = include_str!("page.html");
const CSS: &str = include_str!("page.css");
const JS: &str = include_str!("page.js");

/// The page: the template with its stylesheet, script and data inlined.
pub fn html(d: &Dashboard) -> String {
    let title = d
        .title
        .clone()
        .unwrap_or_else(|| "Autobahn|Testsuite dashboard".into());
    // Each placeholder is replaced once, data last, so nothing in the data is ever read as one.
    let (head, rest) = PAGE
        .split_once("{{data}}")
        .expect("the template has {{data}}");
    let head = head
        .replace("{{css}}", CSS)
        .replace("{{title}}", &escape_html(&title));
    let rest = rest.replace("{{js}}", JS);
    let data = embedded_json(d);
    let mut out = String::with_capacity(head.len() + data.len() + rest.len());
    out.push_str(&head);
    out.push_str(&data);
    out.push_str(&rest);
    out
}

/// What [`write`] did.
#[derive(Debug)]
pub struct Written {
    /// Octets written.
    pub bytes: usize,
    /// Columns (agents of reports) shown.
    pub columns: usize,
    /// Cases shown.
    pub cases: usize,
    /// Cases two reports of one agent hold with different verdicts (listed in the page).
    pub conflicts: usize,
    /// Input problems (listed in the page too).
    pub errors: Vec<DashboardError>,
}

/// Builds the dashboard of `paths` and writes it to `out`. Fails when no report was found or
/// the file cannot be written; unreadable files are returned and listed in the page.
pub fn write(paths: &[PathBuf], opts: &Options, out: &Path) -> Result<Written, DashboardError> {
    let built = build(paths, opts);
    if built.dashboard.columns.is_empty() {
        return Err(built
            .errors
            .into_iter()
            .next()
            .unwrap_or(DashboardError::Empty {
                paths: paths.to_vec(),
            }));
    }
    let page = html(&built.dashboard);
    std::fs::write(out, &page).map_err(|source| DashboardError::Write {
        path: out.to_path_buf(),
        source,
    })?;
    Ok(Written {
        bytes: page.len(),
        columns: built.dashboard.columns.len(),
        cases: built.dashboard.cases.len(),
        conflicts: built.conflicts,
        errors: built.errors,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixtures() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
    }

    fn cell<'a>(d: &'a Dashboard, agent: &str, id: &str) -> &'a Cell {
        let col = d.columns.iter().position(|c| c.agent == agent).unwrap();
        let row = d.cases.iter().find(|r| r.id.to_string() == id).unwrap();
        row.cells[col].as_ref().unwrap()
    }

    /// A copy of the clients fixture's 2.11 and 1.1.1 whose agent and description try to end
    /// the script element the data lives in.
    fn hostile_report(dir: &Path) -> String {
        let agent = "<script>alert(1)</script>";
        let mut index = serde_json::Map::new();
        let mut cases = serde_json::Map::new();
        for id in ["1.1.1", "2.11"] {
            let src = fixtures().join(format!(
                "reports/clients/{}.json",
                crate::model::case_file_stem("stratus@2", &id.parse().unwrap())
            ));
            let mut case: serde_json::Value =
                serde_json::from_str(&std::fs::read_to_string(src).unwrap()).unwrap();
            case["agent"] = agent.into();
            case["description"] = "</script><script>alert(2)</script>\u{2028}<!--".into();
            let file = format!(
                "{}.json",
                crate::model::case_file_stem(agent, &id.parse().unwrap())
            );
            std::fs::write(dir.join(&file), case.to_string()).unwrap();
            cases.insert(
                id.into(),
                serde_json::json!({"behavior": case["behavior"], "behaviorClose": case["behaviorClose"],
                    "duration": 1, "remoteCloseCode": null, "reportfile": file}),
            );
        }
        index.insert(agent.into(), cases.into());
        std::fs::write(
            dir.join("index.json"),
            serde_json::Value::from(index).to_string(),
        )
        .unwrap();
        agent.into()
    }

    #[test]
    fn counts_are_summarize_counts() {
        let paths = [fixtures().join("reports")];
        let d = build(&paths, &Options::default()).dashboard;
        let (summary, _) = crate::summary::summarize_paths(&paths);
        let want: Vec<&AgentSummary> = summary.reports.iter().flat_map(|r| &r.agents).collect();
        let got: Vec<&AgentSummary> = d.columns.iter().map(|c| &c.summary).collect();
        assert_eq!(got, want);
        assert_eq!(d.reports.len(), 2);
        // every index entry is a cell, and the rows are the union of the ids, in id order
        let cells: usize = d
            .cases
            .iter()
            .map(|r| r.cells.iter().flatten().count())
            .sum();
        assert_eq!(cells, want.iter().map(|a| a.cases).sum::<usize>());
        assert!(d.cases.windows(2).all(|w| w[0].id < w[1].id));
    }

    #[test]
    fn the_seed_case_shows_the_ten_missing_pongs_and_its_fault() {
        let d = build(&[fixtures().join("reports/clients")], &Options::default()).dashboard;
        let c = cell(&d, "stratus@2", "2.11");
        assert_eq!(c.judgement, Some(Judgement::Fail));
        assert_eq!(c.behavior_class, Some("case_failed"));
        let x = c.diagnosis.as_ref().unwrap();
        // the report-wide diagnosis names the fault, as `explain` does
        assert!(
            x.headline
                .starts_with("2.11 FAILED: frames split across TCP reads are lost")
                && x.headline.contains("10 of 10 expected pongs never arrived"),
            "{}",
            x.headline
        );
        assert_eq!(x.fault.as_ref().unwrap().key, "split-reads");
        let events = &x.sections[0];
        assert_eq!(events.key, "events");
        let missing: Vec<&str> = events
            .lines
            .iter()
            .filter(|l| l.kind == "missing")
            .map(|l| l.text.as_str())
            .collect();
        assert_eq!(missing.len(), 10);
        assert_eq!(missing[0], "missing #1 pong \"payload-0\"");
        // the passing agent says what was checked, nothing more
        let ok = cell(&d, "nimbus/1.0", "2.11").diagnosis.as_ref().unwrap();
        assert!(ok.sections.is_empty() && !ok.checked.is_empty());
        // the description once per case, as text
        let row = d.cases.iter().find(|r| r.id.to_string() == "2.11").unwrap();
        assert!(row.description.starts_with("Send 10 Pings with payload."));
        assert!(
            d.groups
                .iter()
                .any(|g| g.key == "split-reads" && g.cases == ["2.11"])
        );
    }

    #[test]
    fn a_baseline_marks_newly_failing_fixed_changed_new_and_missing() {
        let tmp = tempfile::tempdir().unwrap();
        let base = tmp.path().join("baseline.json");
        let (b, _, errors) = crate::compare::baseline_paths(&[fixtures().join("compare/old")]);
        assert!(errors.is_empty());
        std::fs::write(&base, b.to_json()).unwrap();
        let opts = Options {
            diff: Some(DiffAgainst::Baseline(base.clone())),
            ..Options::default()
        };
        let d = build(&[fixtures().join("compare/new")], &opts).dashboard;
        let marks: Vec<(String, Option<Change>)> = d
            .cases
            .iter()
            .map(|r| (r.id.to_string(), r.cells[0].as_ref().and_then(|c| c.change)))
            .collect();
        let want = [
            ("1.1.1", None),
            ("2.11", Some(Change::Regression)),
            ("3.1", Some(Change::Missing)),
            ("6.4.3", Some(Change::Changed)),
            ("7.1.1", Some(Change::Improvement)),
            ("9.1.1", Some(Change::New)),
            ("12.1.1", None),
        ];
        let want: Vec<(String, Option<Change>)> =
            want.iter().map(|(i, c)| (i.to_string(), *c)).collect();
        assert_eq!(marks, want);
        let diff = d.diff.unwrap();
        assert_eq!((diff.kind, diff.counts.regression), ("baseline", 1));
        let c2 = cell_of(&d.cases, "2.11");
        assert_eq!(c2.was.as_deref(), Some("OK/OK"));
        // the missing case has a row, its description from the catalog, and no verdicts
        let gone = cell_of(&d.cases, "3.1");
        assert!(gone.behavior.is_none());
        let row = d.cases.iter().find(|r| r.id.to_string() == "3.1").unwrap();
        assert!(row.description.contains("RSV"), "{}", row.description);
    }

    fn cell_of<'a>(rows: &'a [CaseRow], id: &str) -> &'a Cell {
        rows.iter().find(|r| r.id.to_string() == id).unwrap().cells[0]
            .as_ref()
            .unwrap()
    }

    #[test]
    fn a_report_cannot_end_the_script_element() {
        let tmp = tempfile::tempdir().unwrap();
        let agent = hostile_report(tmp.path());
        let opts = Options {
            title: Some("<b>main</b> & \"x\"".into()),
            ..Options::default()
        };
        let d = build(&[tmp.path().to_path_buf()], &opts).dashboard;
        assert_eq!(d.columns[0].agent, agent);
        let page = html(&d);
        // the data and the code: the only script elements, and nothing of the report's
        assert_eq!(page.matches("<script").count(), 2, "{page}");
        assert_eq!(page.matches("</script>").count(), 2);
        assert!(!page.contains("alert(1)</"));
        assert!(!page.contains('\u{2028}') && !page.contains("<!--"));
        assert!(page.contains("<title>&lt;b&gt;main&lt;/b&gt; &amp; &quot;x&quot;</title>"));
        // the JSON still reads back to the same text
        let start = page.find("id=\"wsreport-data\">").unwrap() + "id=\"wsreport-data\">".len();
        let end = start + page[start..].find("</script>").unwrap();
        let back: serde_json::Value = serde_json::from_str(&page[start..end]).unwrap();
        assert_eq!(back["columns"][0]["agent"], agent.as_str());
        assert!(
            back["cases"][0]["description"]
                .as_str()
                .unwrap()
                .starts_with("</script><script>")
        );
    }

    /// The data the page gets for the seed (page text copied from a browser): the contract
    /// between the Rust side and the script.
    #[test]
    fn the_seed_s_data() {
        let d = build(
            &[PathBuf::from(
                "fixtures/seed/case-2.11-stratus-page-text.txt",
            )],
            &Options {
                title: Some("seed".into()),
                ..Options::default()
            },
        )
        .dashboard;
        let mut d = serde_json::to_value(&d).unwrap();
        d["generator"] = "wsreport [version]".into();
        insta::assert_snapshot!(serde_json::to_string_pretty(&d).unwrap());
    }

    #[test]
    fn descriptions_lose_the_testsuites_tags() {
        assert_eq!(
            plain("Send <b>one</b> message.<br><br>MESSAGE:<br/>a<b"),
            "Send one message.\n\nMESSAGE:\na<b"
        );
        // 6.4.3 as the testsuite writes it
        assert_eq!(
            plain("frame.\n<br><br>MESSAGE PARTS:<br>\nPART1 = ce<br>\nPART2 = f4<br>\n"),
            "frame.\n\nMESSAGE PARTS:\nPART1 = ce\nPART2 = f4"
        );
    }

    #[test]
    fn two_batches_of_one_agent_are_one_column_and_the_later_verdict_is_shown() {
        let batches = fixtures().join("compare/batches");
        let d = build(&[batches.join("a"), batches.join("b")], &Options::default()).dashboard;
        assert_eq!(d.reports.len(), 2);
        let cols: Vec<(&str, &[usize])> = d
            .columns
            .iter()
            .map(|c| (c.label.as_str(), c.reports.as_slice()))
            .collect();
        assert_eq!(cols, [("demo client/1", &[0, 1][..])]);
        let ids: Vec<String> = d.cases.iter().map(|r| r.id.to_string()).collect();
        assert_eq!(ids, ["1.1.1", "2.11", "9.1.1"]);
        // 2.11 is in both with different verdicts: b's, read later, as `check` keeps it, and
        // explained from b's case file; the conflict is said, as `check` says it
        let c = cell(&d, "demo client/1", "2.11");
        assert_eq!(c.behavior, Some(Verdict::Failed));
        let headline = &c.diagnosis.as_ref().unwrap().headline;
        assert!(headline.starts_with("2.11 FAILED"), "{headline}");
        let (run, _) = Run::load(&[batches.join("a"), batches.join("b")]);
        let want: Vec<String> = run.conflicts.iter().map(|c| c.message()).collect();
        assert_eq!(d.warnings, want);
        assert_eq!(d.warnings.len(), 1);
        assert_eq!(d.columns[0].summary.cases, 3);
    }
}

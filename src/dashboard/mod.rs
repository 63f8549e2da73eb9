//! `wsreport dashboard`: one self-contained HTML file that shows a run, explains it and diffs
//! it.
//!
//! [`build`] computes everything the page shows as one [`Dashboard`] value: the reports and
//! their agents with `summarize`'s counts, every case with both verdicts, the policy's
//! judgement, the explanation of each agent's result ([`diagnosis`], from `explain`), the
//! report-wide fault groups (`explain --all`'s), and with a baseline or an old run the changes
//! (`compare`'s). [`html`] embeds it as JSON in a page whose script only displays and filters
//! it: no network, no framework, the data escaped so that no report text can end the script.

pub mod diagnosis;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::compare::baseline::{Baseline, BaselineError};
use crate::compare::diff::{ChangeCounts, compare};
use crate::compare::policy::{Judgement, Policy};
use crate::compare::run::{Outcome, Run};
use crate::compare::{Change, judge};
use crate::explain::{explain_case, group_by_cause};
use crate::load::{self, LoadError};
use crate::model::{CaseId, Mode, Verdict, category_title};
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
    /// The report, an index into [`Dashboard::reports`].
    pub report: usize,
    /// The agent.
    pub agent: String,
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
    pub code: Option<u64>,
    /// The policy's judgement.
    pub judgement: Option<Judgement>,
    /// How the case changed against the baseline or old run.
    pub change: Option<Change>,
    /// The verdicts before (`OK/OK`), when it changed.
    pub was: Option<String>,
    /// The explanation.
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
    #[error("{}: cannot write: {source}", path.display())]
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

/// The testsuite writes descriptions as HTML fragments (`<br>`, `<b>`); the page shows text.
fn plain(s: &str) -> String {
    s.replace("<br/>", "\n")
        .replace("<br>", "\n")
        .replace("<b>", "")
        .replace("</b>", "")
}

/// A dashboard and the problems met building it (each also listed in the page).
#[derive(Debug)]
pub struct Built {
    /// The dashboard.
    pub dashboard: Dashboard,
    /// Unreadable files, an unusable baseline.
    pub errors: Vec<DashboardError>,
}

/// Reads the reports under `paths` (as `summarize` does), explains every case and diffs the
/// run when asked.
pub fn build(paths: &[PathBuf], opts: &Options) -> Built {
    let loaded = load::load_paths(paths);
    let mut errors: Vec<DashboardError> = Vec::new();
    let mut load_errors = loaded.errors;
    let policy = opts.policy;
    let mut reports = Vec::new();
    let mut columns = Vec::new();
    let mut rows: BTreeMap<CaseId, CaseRow> = BTreeMap::new();
    let mut groups = Vec::new();
    let width: usize = loaded.reports.iter().map(|r| r.agents.len()).sum();
    for (ri, r) in loaded.reports.iter().enumerate() {
        let mut started: Option<String> = None;
        let mut explanations = Vec::new();
        let first_column = columns.len();
        for run in &r.agents {
            let col = columns.len();
            let mut failing = 0;
            for e in &run.cases {
                let judgement = judge(&policy, &e.id, &Outcome::from(e));
                failing += usize::from(judgement == Judgement::Fail);
                let case = load::load_case(r, &run.agent, e);
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
                        if let Some(s) = &case.started
                            && started.as_ref().is_none_or(|t| s < t)
                        {
                            started = Some(s.clone());
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
                            explanations.push(x);
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
                    change: None,
                    was: None,
                    diagnosis,
                });
            }
            columns.push(Column {
                report: ri,
                agent: run.agent.clone(),
                summary: summarize_agent(run),
                failing,
            });
        }
        for g in group_by_cause(&r.path, &explanations) {
            let col = r
                .agents
                .iter()
                .position(|a| a.agent == g.agent)
                .map_or(first_column, |k| first_column + k);
            groups.push(diagnosis::group(&g, col));
        }
        reports.push(ReportInfo {
            path: r.path.clone(),
            mode: r.mode,
            testsuite: r.testsuite.clone(),
            started,
        });
    }
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
        let c = compare(&old, &Run::merge(&loaded.reports), policy);
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
            error: e.to_string(),
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
            errors: errors_shown,
        },
        errors,
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
            let cell = row.cells[col].get_or_insert_with(|| Cell {
                behavior: None,
                close: None,
                behavior_class: None,
                close_class: None,
                duration_ms: 0,
                code: None,
                judgement: None,
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
    let (head, rest) = PAGE.split_once("{{data}}").expect("the template has {{data}}");
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
    /// Input problems (listed in the page too).
    pub errors: Vec<DashboardError>,
}

/// Builds the dashboard of `paths` and writes it to `out`. Fails when no report was found or
/// the file cannot be written; unreadable files are returned and listed in the page.
pub fn write(paths: &[PathBuf], opts: &Options, out: &Path) -> Result<Written, DashboardError> {
    let built = build(paths, opts);
    if built.dashboard.columns.is_empty() {
        return Err(built.errors.into_iter().next().unwrap_or(DashboardError::Empty {
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
        errors: built.errors,
    })
}

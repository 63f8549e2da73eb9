//! Output formats. Each format is one file; [`Format`] picks it. Renderers lay out values the
//! library computed and compute nothing themselves.

pub mod badge;
pub mod explain;
pub mod fit;
pub(crate) mod gate;
pub mod github;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod table;

use crate::summary::{Counts, ReportSummary};

/// The output format a command was asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// Human tables (comfy-table), plain when piped.
    Table,
    /// One JSON document.
    Json,
    /// GitHub-flavoured Markdown.
    Markdown,
    /// JUnit XML (`check`, `compare`).
    Junit,
    /// GitHub Actions workflow commands (`check`, `compare`).
    Github,
    /// A shields.io endpoint badge (`check`, `compare`, `run`).
    Badge,
}

/// Styling decided once, from `--color`, `NO_COLOR` and whether stdout is a terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Style {
    /// Use ANSI colours.
    pub color: bool,
}

/// How a verdict count should look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    /// Nothing to say.
    Plain,
    /// Passing words.
    Good,
    /// Words worth a look (NON-STRICT, WRONG CODE, UNIMPLEMENTED, …).
    Warn,
    /// FAILED and UNCLEAN.
    Bad,
}

/// The tone of a verdict word, as the testsuite's own index page paints it.
pub fn tone(word: &str) -> Tone {
    match word {
        "OK" => Tone::Good,
        "FAILED" | "UNCLEAN" => Tone::Bad,
        "INFORMATIONAL" => Tone::Plain,
        _ => Tone::Warn,
    }
}

/// One row of a summary table: a label, one cell per agent, and the tone of the row.
pub(crate) struct Row {
    pub label: String,
    pub cells: Vec<String>,
    pub tone: Tone,
}

fn counts_cell(c: &Counts) -> String {
    c.0.iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The rows the table and Markdown renderers share: counts, duration, categories.
pub(crate) fn summary_rows(r: &ReportSummary) -> Vec<Row> {
    let mut rows = vec![Row {
        label: "cases".into(),
        cells: r.agents.iter().map(|a| a.cases.to_string()).collect(),
        tone: Tone::Plain,
    }];
    let words = |close: bool| {
        let mut seen: Vec<&crate::model::Verdict> = r
            .agents
            .iter()
            .flat_map(|a| {
                if close {
                    &a.behavior_close
                } else {
                    &a.behavior
                }
                .0
                .keys()
            })
            .collect();
        seen.sort();
        seen.dedup();
        seen.into_iter()
            .map(|w| Row {
                label: format!("{} {w}", if close { "close" } else { "behavior" }),
                cells: r
                    .agents
                    .iter()
                    .map(|a| {
                        if close {
                            &a.behavior_close
                        } else {
                            &a.behavior
                        }
                        .get(w)
                        .to_string()
                    })
                    .collect(),
                tone: tone(w.as_str()),
            })
            .collect::<Vec<_>>()
    };
    let (b, c) = (words(false), words(true));
    rows.extend(b);
    rows.extend(c);
    if r.agents.iter().any(|a| !a.flaky.is_empty()) {
        rows.push(Row {
            label: "flaky".into(),
            cells: r
                .agents
                .iter()
                .map(|a| {
                    let ids: Vec<String> = a.flaky.iter().map(ToString::to_string).collect();
                    format!("{} ({})", ids.len(), ids.join(", "))
                })
                .collect(),
            tone: Tone::Warn,
        });
    }
    rows.push(Row {
        label: "duration".into(),
        cells: r
            .agents
            .iter()
            .map(|a| format_duration(a.duration_ms))
            .collect(),
        tone: Tone::Plain,
    });
    let mut cats: Vec<(u32, String)> = r
        .agents
        .iter()
        .flat_map(|a| a.categories.iter())
        .map(|c| {
            (
                c.category.parse().unwrap_or(u32::MAX),
                format!("{} {}", c.category, c.title),
            )
        })
        .collect();
    cats.sort();
    cats.dedup();
    for (num, label) in cats {
        let cells = r
            .agents
            .iter()
            .map(
                |a| match a.categories.iter().find(|c| c.category == num.to_string()) {
                    Some(c) => format!(
                        "{}: {} | close {}",
                        c.cases,
                        counts_cell(&c.behavior),
                        counts_cell(&c.behavior_close)
                    ),
                    None => "-".into(),
                },
            )
            .collect();
        rows.push(Row {
            label,
            cells,
            tone: Tone::Plain,
        });
    }
    rows
}

/// `1234567` → `20m 34.6s`; `950` → `950 ms`.
pub fn format_duration(ms: u64) -> String {
    if ms < 1000 {
        format!("{ms} ms")
    } else if ms < 60_000 {
        format!("{:.1}s", ms as f64 / 1000.0)
    } else {
        format!("{}m {:.1}s", ms / 60_000, (ms % 60_000) as f64 / 1000.0)
    }
}

/// The line above a report's table: path, mode, testsuite version.
pub(crate) fn report_heading(r: &ReportSummary) -> String {
    let mode = match r.mode {
        Some(crate::model::Mode::Servers) => "servers tested (fuzzingclient)",
        Some(crate::model::Mode::Clients) => "clients tested (fuzzingserver)",
        None => "mode unknown",
    };
    let suite = r.testsuite.as_deref().unwrap_or("unknown");
    match r.shards.len() {
        0 => format!("{}: {mode}, testsuite {suite}", r.path.display()),
        n => format!(
            "{} and {} more ({n} shards merged): {mode}, testsuite {suite}",
            r.path.display(),
            n - 1
        ),
    }
}

/// The last line of `run`'s text renderings: where the report is, how long it took.
fn run_footer(r: &crate::run::RunReport) -> String {
    let ran: usize = r.agents.iter().map(|a| a.ran).sum();
    if ran == 0 {
        return format!("run: no case ran, nothing written to {}\n", r.out.display());
    }
    format!(
        "run: {ran} cases in {:.1} s, reports in {}\n",
        r.elapsed_s,
        r.out.display()
    )
}

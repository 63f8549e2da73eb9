//! Terminal tables (comfy-table). Colour only when [`Style::color`] says so.

use comfy_table::{Cell, Color, ContentArrangement, Table, presets};

use super::{Style, Tone, report_heading, summary_rows};
use crate::summary::Summary;
use crate::text::visible;

/// A new table in the house style.
pub fn new_table(style: Style) -> Table {
    let mut t = Table::new();
    t.load_style(if style.color {
        presets::UTF8_FULL_CONDENSED
    } else {
        presets::ASCII_FULL_CONDENSED
    })
    .set_content_arrangement(ContentArrangement::Dynamic);
    if !style.color {
        t.force_no_tty();
    } else {
        t.enforce_styling();
    }
    t
}

/// A cell of report text, made [`visible`]: a report's escape sequences never reach the
/// terminal (the table's own colours are added by comfy-table after).
fn shown(text: &str) -> Cell {
    Cell::new(visible(text))
}

/// A cell painted by tone when colour is on.
pub fn toned(text: impl Into<String>, tone: Tone, style: Style) -> Cell {
    let cell = shown(&text.into());
    if !style.color {
        return cell;
    }
    match tone {
        Tone::Good => cell.fg(Color::Green),
        Tone::Warn => cell.fg(Color::Yellow),
        Tone::Bad => cell.fg(Color::Red),
        Tone::Plain => cell,
    }
}

/// The summary: per report, a heading line and a table with one column per agent.
pub fn summary(s: &Summary, style: Style) -> String {
    let mut out = String::new();
    for r in &s.reports {
        out.push_str(&visible(&report_heading(r)));
        out.push('\n');
        let mut t = new_table(style);
        let mut header = vec![Cell::new("")];
        header.extend(r.agents.iter().map(|a| shown(&a.agent)));
        t.set_header(header);
        for row in summary_rows(r) {
            let mut cells = vec![shown(&row.label)];
            cells.extend(row.cells.iter().map(|c| {
                let tone = if c == "0" { Tone::Plain } else { row.tone };
                toned(c.as_str(), tone, style)
            }));
            t.add_row(cells);
        }
        out.push_str(&t.to_string());
        out.push_str("\n\n");
    }
    out
}

/// `check`: a heading, a table of every case that is not a plain pass, the counts.
pub fn check(r: &crate::compare::check::CheckReport, style: Style) -> String {
    use super::gate;
    let mut out = visible(&gate::check_heading(r)).into_owned();
    out.push('\n');
    let rows = gate::check_rows(r);
    if !rows.is_empty() {
        let mut t = new_table(style);
        t.set_header(gate::CHECK_HEADER);
        for row in rows {
            let tone = row.tone;
            t.add_row(row.cells.map(|c| toned(c, tone, style)));
        }
        out.push_str(&t.to_string());
        out.push('\n');
    }
    out.push_str(&gate::check_counts(r));
    out.push('\n');
    out
}

/// `compare`: a heading, one row per changed case, the counts.
pub fn compare(c: &crate::compare::diff::Comparison, style: Style) -> String {
    use super::gate;
    let mut out = visible(&gate::compare_heading(c)).into_owned();
    out.push('\n');
    let rows = gate::compare_rows(c);
    if !rows.is_empty() {
        let mut t = new_table(style);
        t.set_header(gate::COMPARE_HEADER);
        for (cells, tone) in rows {
            t.add_row(cells.map(|s| toned(s, tone, style)));
        }
        out.push_str(&t.to_string());
        out.push('\n');
    }
    out.push_str(&gate::compare_counts(c));
    out.push('\n');
    out
}

/// `run`: the `summarize` table of the written report, the policy's
/// verdict (as `check` shows it), the time taken.
pub fn run(r: &crate::run::RunReport, style: Style) -> String {
    let mut out = summary(&r.summary, style);
    if let Some(c) = &r.check {
        out.push_str(&check(c, style));
    }
    out.push_str(&super::run_footer(r));
    out
}

//! `wsreport summarize`: verdict counts per agent and category, from the index alone.

use std::path::PathBuf;

use wsreport::render::{self, Format};

use super::exit::ExitStatus;
use super::{print, report_errors};
use crate::cli::Output;

/// 0, or 2 when some input was unreadable (the rest is still summarized).
pub(crate) fn run(paths: &[PathBuf], output: &Output) -> ExitStatus {
    let (summary, errors) = wsreport::summary::summarize_paths(paths);
    report_errors(&errors);
    let text = match output.format() {
        Format::Json => render::json::render(&summary),
        Format::Markdown => render::markdown::summary(&summary),
        // summarize's --format offers only table, json and markdown.
        Format::Table | Format::Junit | Format::Github | Format::Badge => {
            render::table::summary(&summary, output.style())
        }
    };
    print(&text);
    ExitStatus::from_errors(errors.is_empty())
}

//! `wsreport case CASE` (and `explain CASE` with no report to look in): the case described from
//! the catalog alone.

use anyhow::Context;
use wsreport::model::CaseId;
use wsreport::render::{self, Format};

use super::exit::ExitStatus;
use super::print;
use crate::cli::Output;

/// What the case sends, expects and why, the faults that fail it, its disputes.
pub(crate) fn run(case: &str, output: &Output) -> anyhow::Result<ExitStatus> {
    let id: CaseId = case.parse()?;
    let d = wsreport::explain::case::describe(&id)
        .with_context(|| format!("case {id} is not in the catalog"))?;
    print(&match output.format() {
        Format::Json => render::json::render(&d),
        Format::Markdown => render::explain::case_markdown(&d),
        Format::Table | Format::Junit | Format::Github | Format::Badge => {
            render::explain::case_text(&d, output.style())
        }
    });
    Ok(ExitStatus::Success)
}

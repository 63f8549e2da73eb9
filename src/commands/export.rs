//! `wsreport export`: any report written back as the testsuite's JSON (and HTML).

use std::path::Path;

use super::exit::ExitStatus;
use super::{note, report_errors};

/// 0 when every input was read and something was written, else 2.
pub(crate) fn run(path: &Path, out: &Path, html: bool) -> anyhow::Result<ExitStatus> {
    let done = wsreport::export::export(path, out, wsreport::export::ExportOptions { html })?;
    report_errors(&done.errors);
    for e in &done.unwritten {
        super::error(&anyhow::anyhow!("{}", wsreport::text::error_chain(e)));
    }
    for dir in &done.dirs {
        note(&format!("wrote {}", dir.display()));
    }
    note(&format!("exported {} case files", done.cases));
    Ok(ExitStatus::from_errors(
        done.errors.is_empty() && done.unwritten.is_empty() && !done.dirs.is_empty(),
    ))
}

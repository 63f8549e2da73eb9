//! `wsreport compare`: how two runs differ, case by case, under a policy.

use std::path::{Path, PathBuf};

use wsreport::compare;
use wsreport::render::{self, Format};

use super::check::errors_and_warnings;
use super::exit::ExitStatus;
use super::print;
use crate::cli::{GateOutput, Judging};

/// `compare`: 0, or 2 when some input was unreadable.
pub(crate) fn run(
    old: &Path,
    new: &Path,
    old_more: &[PathBuf],
    new_more: &[PathBuf],
    judging: &Judging,
    output: &GateOutput,
) -> ExitStatus {
    let old: Vec<PathBuf> = std::iter::once(old.to_path_buf())
        .chain(old_more.iter().cloned())
        .collect();
    let new: Vec<PathBuf> = std::iter::once(new.to_path_buf())
        .chain(new_more.iter().cloned())
        .collect();
    let (c, errors) = compare::compare_paths(&old, &new, judging.policy());
    errors_and_warnings(&errors, &c.warnings);
    print(&match output.format() {
        Format::Table => render::table::compare(&c, output.style()),
        Format::Json => render::json::render(&c),
        Format::Markdown => render::fit::markdown(&render::markdown::compare(&c), output.max_bytes),
        Format::Junit => render::junit::compare(&c),
        Format::Github => render::github::compare(&c),
        Format::Badge => render::badge::compare(&c),
    });
    if errors.is_empty() {
        ExitStatus::Success
    } else {
        ExitStatus::Error
    }
}

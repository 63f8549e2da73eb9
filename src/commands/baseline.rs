//! `wsreport baseline`: the verdicts of a run, as a file `check --baseline` reads.

use std::path::PathBuf;

use wsreport::compare;

use super::check::errors_and_warnings;
use super::exit::ExitStatus;
use super::print;

/// `baseline`: the JSON on stdout; 2 (and nothing printed) when some input was unreadable,
/// so a half-read run never becomes a baseline.
pub(crate) fn run(paths: &[PathBuf]) -> ExitStatus {
    let (b, warnings, errors) = compare::baseline_paths(paths);
    errors_and_warnings(&errors, &warnings);
    if !errors.is_empty() {
        return ExitStatus::Error;
    }
    print(&b.to_json());
    ExitStatus::Success
}

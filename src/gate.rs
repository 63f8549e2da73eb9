//! The binary's side of `check`, `compare` and `baseline`: call the library, print, map the
//! outcome to an exit status.

use std::io::Write;
use std::path::{Path, PathBuf};

use wsreport::compare::{self, InputError, Warning};
use wsreport::exit::ExitStatus;
use wsreport::render::{self, Format};

use crate::cli::{GateOutput, Judging};
use crate::print;

fn errors_and_warnings(errors: &[InputError], warnings: &[Warning]) {
    let mut err = std::io::stderr().lock();
    for w in warnings {
        let _ = writeln!(err, "wsreport: warning: {}", w.message);
    }
    for e in errors {
        let _ = writeln!(err, "wsreport: error: {e}");
    }
}

/// `check`: 0 the gate passed, 1 it failed, 2 some input was unreadable.
pub(crate) fn check(
    paths: &[PathBuf],
    judging: &Judging,
    baseline: Option<&Path>,
    allow: Option<&Path>,
    output: &GateOutput,
) -> ExitStatus {
    let (report, errors) = compare::check_paths(paths, judging.policy(), baseline, allow);
    let Some(report) = report else {
        errors_and_warnings(&errors, &[]);
        return ExitStatus::Error;
    };
    errors_and_warnings(&errors, &report.warnings);
    print(&match output.format() {
        Format::Table => render::table::check(&report, output.style()),
        Format::Json => render::json::render(&report),
        Format::Markdown => render::markdown::check(&report),
        Format::Junit => render::junit::check(&report),
        Format::Github => render::github::check(&report),
    });
    if !errors.is_empty() {
        ExitStatus::Error
    } else if report.passed {
        ExitStatus::Success
    } else {
        ExitStatus::GateFailed
    }
}

/// `compare`: 0, or 2 when some input was unreadable.
pub(crate) fn compare(
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
        Format::Markdown => render::markdown::compare(&c),
        Format::Junit => render::junit::compare(&c),
        Format::Github => render::github::compare(&c),
    });
    if errors.is_empty() {
        ExitStatus::Success
    } else {
        ExitStatus::Error
    }
}

/// `baseline`: the JSON on stdout; 2 (and nothing printed) when some input was unreadable,
/// so a half-read run never becomes a baseline.
pub(crate) fn baseline(paths: &[PathBuf]) -> ExitStatus {
    let (b, warnings, errors) = compare::baseline_paths(paths);
    errors_and_warnings(&errors, &warnings);
    if !errors.is_empty() {
        return ExitStatus::Error;
    }
    print(&b.to_json());
    ExitStatus::Success
}

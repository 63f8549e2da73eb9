//! `wsreport check`: the CI gate (policy, baseline, allow-list).

use std::io::Write;
use std::path::{Path, PathBuf};

use wsreport::compare::{self, InputError, Warning};
use wsreport::render::{self, Format};

use super::exit::ExitStatus;
use super::print;
use crate::cli::{GateOutput, Judging};

/// The warnings, then one line per unreadable input (`check`, `compare`, `baseline`).
pub(crate) fn errors_and_warnings(errors: &[InputError], warnings: &[Warning]) {
    let mut err = std::io::stderr().lock();
    for w in warnings {
        let _ = writeln!(err, "wsreport: warning: {}", w.message);
    }
    for e in errors {
        let _ = writeln!(err, "wsreport: error: {}", wsreport::text::error_chain(e));
    }
}

/// `check`: 0 the gate passed, 1 it failed, 2 some input was unreadable.
pub(crate) fn run(
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
        Format::Markdown => {
            render::fit::markdown(&render::markdown::check(&report), output.max_bytes)
        }
        Format::Junit => render::junit::check(&report),
        Format::Github => render::github::check(&report),
        Format::Badge => render::badge::check(&report),
    });
    if !errors.is_empty() {
        ExitStatus::Error
    } else if report.passed {
        ExitStatus::Success
    } else {
        ExitStatus::GateFailed
    }
}

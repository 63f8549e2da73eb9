//! `wsreport dashboard`, and `--dashboard FILE` of `check` and `run`: one HTML file that shows
//! the run, explains it and diffs it.

use std::path::{Path, PathBuf};

use wsreport::dashboard::{self, DiffAgainst, Options};
use wsreport::policy::Policy;

use super::exit::ExitStatus;
use super::note;

/// 0 written; 2 when some input was unreadable (the page lists it) or nothing was written.
pub(crate) fn run(
    paths: &[PathBuf],
    diff: Option<DiffAgainst>,
    title: Option<String>,
    policy: Policy,
    out: &Path,
) -> ExitStatus {
    let opts = Options {
        title,
        policy,
        diff,
    };
    match dashboard::write(paths, &opts, out) {
        Ok(w) => {
            for e in &w.errors {
                super::error(&anyhow::anyhow!("{}", wsreport::text::error_chain(e)));
            }
            if w.conflicts > 0 {
                super::warning(&format!(
                    "{} case(s) are in two reports of one agent with different verdicts; the \
                     later report's are shown (the page lists them)",
                    w.conflicts
                ));
            }
            note(&format!(
                "wrote {} ({} octets; agents × cases: {} × {})",
                out.display(),
                w.bytes,
                w.columns,
                w.cases
            ));
            if w.errors.is_empty() {
                ExitStatus::Success
            } else {
                ExitStatus::Error
            }
        }
        Err(e) => {
            super::error(&anyhow::anyhow!("{}", wsreport::text::error_chain(&e)));
            ExitStatus::Error
        }
    }
}

/// A gate command's status with its `--dashboard` written: a page that could not be written
/// (or read only in part) makes it 2.
pub(crate) fn also(
    status: ExitStatus,
    out: Option<&Path>,
    paths: &[PathBuf],
    baseline: Option<&Path>,
    policy: Policy,
) -> ExitStatus {
    let Some(out) = out else { return status };
    let diff = baseline.map(|b| DiffAgainst::Baseline(b.to_path_buf()));
    match run(paths, diff, None, policy, out) {
        ExitStatus::Error => ExitStatus::Error,
        _ => status,
    }
}

//! `wsreport testdata fetch`: the testsuite's test data files from its package on PyPI.

use wsreport::testdata::{self, Pins};

use super::exit::ExitStatus;
use super::{note, print};
use crate::cli::TestdataAction;

/// 0 when the files were fetched, checked and written; 2 otherwise (nothing half-written
/// under a file's name).
pub(crate) fn run(action: TestdataAction) -> anyhow::Result<ExitStatus> {
    match action {
        TestdataAction::Fetch { dir, index } => {
            let dest = match dir.or_else(testdata::cache_dir) {
                Some(d) => d,
                None => anyhow::bail!(
                    "no cache directory (neither XDG_CACHE_HOME nor HOME): give --dir"
                ),
            };
            let pins = Pins::testsuite();
            let url = testdata::fetch(&index, &pins, &dest)?;
            note(&format!(
                "{} files of {} {} checked (size, SHA-256) from {url}",
                pins.files.len(),
                testdata::PACKAGE,
                pins.version
            ));
            print(&format!("{}\n", dest.display()));
            Ok(ExitStatus::Success)
        }
    }
}

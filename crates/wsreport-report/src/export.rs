//! `wsreport export`: whatever a path holds (JSON, HTML pages, page text) written as the
//! testsuite's own JSON: `index.json` and one case file per agent and case, named as the
//! testsuite names them ([`crate::model::case_file_stem`]); with [`ExportOptions::html`], also
//! the testsuite's HTML (`index.html` and a page per case, [`crate::report::html`]).
//!
//! Files are written only inside the output directory, under names wsreport builds itself
//! (never a name taken from the input; agents whose names fold to one file name get their own,
//! [`crate::report::files::Stems`]), never through a symbolic link already there, and the
//! input's own directory is never written to. A case that cannot be written is one error and
//! the export goes on.

use std::path::{Component, Path, PathBuf};

use crate::load::{self, LoadError, json};
use crate::model::{AgentRun, CaseEntry};
use crate::report::files::{self, Stems};
use crate::report::html::{self as html_report, IndexDetails};

/// What an export writes besides the JSON.
#[derive(Debug, Clone, Copy, Default)]
pub struct ExportOptions {
    /// Also write `index.html` and a case page per case, as the testsuite does.
    pub html: bool,
}

/// Why an export could not be done at all (a bad input file is a [`LoadError`] instead).
#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    /// The output directory is (or holds) a report being read.
    #[error("{}: refusing to write into the input report directory {}", out.display(), input.display())]
    IntoInput {
        /// The output directory.
        out: PathBuf,
        /// The report directory it would overwrite.
        input: PathBuf,
    },
    /// Writing failed.
    #[error("{}: cannot write", path.display())]
    Write {
        /// The file or directory.
        path: PathBuf,
        /// The cause.
        source: std::io::Error,
    },
}

/// What an export did.
#[derive(Debug, Default)]
pub struct Exported {
    /// Directories written (one per report found).
    pub dirs: Vec<PathBuf>,
    /// Case files written.
    pub cases: usize,
    /// Inputs that could not be read (each one line); the rest was exported.
    pub errors: Vec<LoadError>,
    /// Case files that could not be written (each one line); they are left out of the index.
    pub unwritten: Vec<ExportError>,
}

fn write(path: &Path, bytes: impl AsRef<[u8]>) -> Result<(), ExportError> {
    files::write_file(path, bytes).map_err(|source| ExportError::Write {
        path: path.to_path_buf(),
        source,
    })
}

fn same_dir(a: &Path, b: &Path) -> bool {
    match (a.canonicalize(), b.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

/// Exports every report under `input` into `out`. With several reports under `input`, each
/// goes to a subdirectory of `out` named after its place under `input` (only plain names).
pub fn export(input: &Path, out: &Path, options: ExportOptions) -> Result<Exported, ExportError> {
    let loaded = load::load_paths(&[input.to_path_buf()]);
    let mut done = Exported {
        errors: loaded.errors,
        ..Exported::default()
    };
    let several = loaded.reports.len() > 1;
    for report in &loaded.reports {
        if same_dir(out, &report.dir) || same_dir(out, input) {
            return Err(ExportError::IntoInput {
                out: out.to_path_buf(),
                input: report.dir.clone(),
            });
        }
    }
    for report in &loaded.reports {
        let rel = match report.dir.strip_prefix(input) {
            Ok(rel) if several => rel,
            _ => Path::new(""),
        };
        let mut planned = out.to_path_buf();
        planned.extend(
            rel.components()
                .filter(|c| matches!(c, Component::Normal(_))),
        );
        if same_dir(&planned, &report.dir) {
            return Err(ExportError::IntoInput {
                out: planned,
                input: report.dir.clone(),
            });
        }
        let dir = files::subdir(out, rel).map_err(|source| ExportError::Write {
            path: planned.clone(),
            source,
        })?;
        let mut agents = Vec::new();
        let mut details = IndexDetails::new();
        let mut stems = Stems::new();
        for run in &report.agents {
            let mut cases = Vec::new();
            for entry in &run.cases {
                let stem = stems.case(&run.agent, &entry.id);
                let name = format!("{stem}.json");
                let written = match load::load_case(report, &run.agent, entry) {
                    Ok(case) => {
                        let wrote =
                            write(&dir.join(&name), json::to_json(&json::case_to_value(&case)))
                                .and_then(|()| {
                                    if !options.html {
                                        return Ok(());
                                    }
                                    write(
                                        &dir.join(format!("{stem}.html")),
                                        html_report::case_page(&case),
                                    )
                                });
                        match wrote {
                            Ok(()) => {
                                if options.html {
                                    details.add(&run.agent, &case);
                                }
                                done.cases += 1;
                                Some(name)
                            }
                            Err(e) => {
                                done.unwritten.push(e);
                                None
                            }
                        }
                    }
                    Err(e) => {
                        done.errors.push(e);
                        None
                    }
                };
                cases.push(CaseEntry {
                    reportfile: written,
                    ..entry.clone()
                });
            }
            agents.push(AgentRun {
                agent: run.agent.clone(),
                cases,
            });
        }
        write(
            &dir.join("index.json"),
            json::to_json(&json::index_to_value(&agents)),
        )?;
        if options.html {
            // Cases that could not be read are left out of the HTML index too: a link to a
            // page that was not written would be broken.
            let shown: Vec<AgentRun> = agents
                .iter()
                .map(|a| AgentRun {
                    agent: a.agent.clone(),
                    cases: a
                        .cases
                        .iter()
                        .filter(|e| e.reportfile.is_some())
                        .cloned()
                        .collect(),
                })
                .collect();
            write(
                &dir.join("index.html"),
                html_report::index_page(&shown, &details),
            )?;
        }
        done.dirs.push(dir);
    }
    // A case file the loader already refused (reading the first for the mode) is refused
    // again when exported: one line is enough.
    let mut seen = std::collections::HashSet::new();
    done.errors
        .retain(|e| seen.insert(crate::text::error_chain(e)));
    Ok(done)
}

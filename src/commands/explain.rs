//! `wsreport explain`: why a case got its verdict, or every non-passing case of a report.

use std::path::{Path, PathBuf};

use wsreport::explain::{self, Target};
use wsreport::render::{self, Format};

use super::exit::ExitStatus;
use super::{print, report_errors};
use crate::cli::Output;

/// 0, or 2 when some input was unreadable. Unknown cases and agents are answered on stdout.
pub(crate) fn run(
    case: Option<String>,
    path: Option<PathBuf>,
    agent: Option<&str>,
    all: bool,
    output: &Output,
) -> anyhow::Result<ExitStatus> {
    let default = || PathBuf::from("reports/");
    let (target, path) = if all {
        (
            Target::All,
            case.map(Into::into).or(path).unwrap_or_else(default),
        )
    } else {
        let case = case.unwrap_or_default();
        let target = match case.parse() {
            Ok(id) => Target::Id(id),
            // Anything that is there is read as a case file, which refuses what is not a
            // regular file in one line (a FIFO, a device).
            Err(_) if Path::new(&case).exists() && !Path::new(&case).is_dir() => {
                Target::File(case.into())
            }
            Err(e) => anyhow::bail!("{e}, nor a case file"),
        };
        // a case id and no report to look in: describe the case from the catalog
        if let (Target::Id(id), None) = (&target, &path)
            && !default().exists()
        {
            return super::case::run(&id.to_string(), output);
        }
        (target, path.unwrap_or_else(default))
    };
    let outcome = explain::run(&target, &path, agent)?;
    report_errors(&outcome.errors);
    let r = &outcome.report;
    let text = match output.format() {
        Format::Markdown => render::explain::markdown(r),
        Format::Json if r.explanations.len() == 1 && r.diagnosis.groups.is_empty() => {
            render::json::render(&r.explanations[0])
        }
        Format::Json => render::json::render(r),
        // explain's --format offers only table, json and markdown.
        Format::Table | Format::Junit | Format::Github | Format::Badge => {
            render::explain::text(r, output.style())
        }
    };
    print(&text);
    Ok(ExitStatus::from_errors(outcome.errors.is_empty()))
}

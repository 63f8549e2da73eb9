//! The `wsreport` binary: arguments in, one library call per subcommand, exit status out.

mod cli;
mod gate;

use std::io::Write;
use std::process::ExitCode;

use clap::Parser;

use wsreport::exit::ExitStatus;
use wsreport::load::LoadError;
use wsreport::render::{self, Format};

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let status = match cli.command {
        cli::Command::Summarize { paths, output } => summarize(&paths, &output),
        cli::Command::Check {
            paths,
            judging,
            baseline,
            allow,
            output,
        } => gate::check(
            &paths,
            &judging,
            baseline.as_deref(),
            allow.as_deref(),
            &output,
        ),
        cli::Command::Compare {
            old,
            new,
            old_more,
            new_more,
            judging,
            output,
        } => gate::compare(&old, &new, &old_more, &new_more, &judging, &output),
        cli::Command::Baseline { paths } => gate::baseline(&paths),
    };
    ExitCode::from(status.code())
}

pub(crate) fn report_errors(errors: &[LoadError]) {
    let stderr = std::io::stderr();
    let mut err = stderr.lock();
    for e in errors {
        let _ = writeln!(err, "wsreport: error: {e}");
    }
}

pub(crate) fn print(text: &str) {
    let mut out = std::io::stdout().lock();
    // A closed pipe (`| head`) is not an error worth a panic.
    let _ = out.write_all(text.as_bytes());
}

fn summarize(paths: &[std::path::PathBuf], output: &cli::Output) -> ExitStatus {
    let (summary, errors) = wsreport::summary::summarize_paths(paths);
    report_errors(&errors);
    let text = match output.format() {
        Format::Table => render::table::summary(&summary, output.style()),
        Format::Json => render::json::render(&summary),
        Format::Markdown => render::markdown::summary(&summary),
        // summarize's --format offers only table, json and markdown.
        Format::Junit | Format::Github => render::table::summary(&summary, output.style()),
    };
    print(&text);
    if errors.is_empty() {
        ExitStatus::Success
    } else {
        ExitStatus::Error
    }
}

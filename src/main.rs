//! The `wsreport` binary: arguments in, one library call per subcommand, exit status out.

mod cli;

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
        cli::Command::Export { path, out } => export(&path, &out),
    };
    ExitCode::from(status.code())
}

fn report_errors(errors: &[LoadError]) {
    let stderr = std::io::stderr();
    let mut err = stderr.lock();
    for e in errors {
        let _ = writeln!(err, "wsreport: error: {e}");
    }
}

fn print(text: &str) {
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
    };
    print(&text);
    if errors.is_empty() {
        ExitStatus::Success
    } else {
        ExitStatus::Error
    }
}

fn export(path: &std::path::Path, out: &std::path::Path) -> ExitStatus {
    match wsreport::export::export(path, out) {
        Ok(done) => {
            report_errors(&done.errors);
            for dir in &done.dirs {
                eprintln!("wsreport: wrote {}", dir.display());
            }
            eprintln!("wsreport: exported {} case files", done.cases);
            if done.errors.is_empty() && !done.dirs.is_empty() {
                ExitStatus::Success
            } else {
                ExitStatus::Error
            }
        }
        Err(e) => {
            eprintln!("wsreport: error: {e}");
            ExitStatus::Error
        }
    }
}

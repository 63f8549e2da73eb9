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
        cli::Command::Serve {
            listen,
            max_message_size,
        } => serve(listen, max_message_size),
        cli::Command::Replay(args) => replay(args),
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

fn serve(listen: std::net::SocketAddr, max_message_size: usize) -> ExitStatus {
    let opts = wsreport::serve::ServeOptions {
        max_message_size: (max_message_size > 0).then_some(max_message_size),
    };
    let result = tokio::runtime::Runtime::new().and_then(|rt| {
        rt.block_on(async {
            let listener = tokio::net::TcpListener::bind(listen).await?;
            eprintln!("wsreport: serving on ws://{}", listener.local_addr()?);
            wsreport::serve::serve(listener, opts).await
        })
    });
    match result {
        Ok(()) => ExitStatus::Success,
        Err(e) => {
            eprintln!("wsreport: error: cannot serve on {listen}: {e}");
            ExitStatus::Error
        }
    }
}

fn replay(args: cli::ReplayArgs) -> ExitStatus {
    let cmd = args.command();
    wsreport::replay::command::run(&cmd, &mut std::io::stdout(), &mut std::io::stderr())
}

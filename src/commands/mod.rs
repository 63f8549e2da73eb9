//! The command layer: one file per subcommand. Each takes what clap parsed, calls the library,
//! picks the renderer and maps the outcome to an [`ExitStatus`]. Only this layer prints,
//! builds the tokio runtime (once, for the commands that need one) and knows flag names.

mod baseline;
mod case;
mod check;
mod compare;
mod dashboard;
pub(crate) mod exit;
mod explain;
mod export;
mod fuzzingserver;
pub(crate) mod replay;
mod replay_from;
mod reporter;
mod repro;
mod run;
mod serve;
mod summarize;
mod testdata;

use std::io::Write;

use wsreport::load::LoadError;

use crate::cli::Command;
use exit::ExitStatus;

/// Runs one subcommand. An `Err` is a problem that stopped the command: printed as one line,
/// its causes after a colon each, and exit status 2.
pub(crate) fn dispatch(command: Command) -> ExitStatus {
    let outcome = match command {
        Command::Summarize { paths, output } => Ok(summarize::run(&paths, &output)),
        Command::Serve {
            listen,
            max_message_size,
            no_deflate,
            deflate_level,
            tls,
        } => runtime().and_then(|rt| {
            serve::run(
                &rt,
                listen,
                max_message_size,
                !no_deflate,
                deflate_level,
                &tls,
            )
        }),
        Command::Check {
            paths,
            judging,
            baseline,
            allow,
            dashboard,
            output,
        } => Ok(dashboard::also(
            check::run(
                &paths,
                &judging,
                baseline.as_deref(),
                allow.as_deref(),
                &output,
            ),
            dashboard.as_deref(),
            &paths,
            baseline.as_deref(),
            judging.policy(),
        )),
        Command::Compare {
            old,
            new,
            old_more,
            new_more,
            judging,
            output,
        } => Ok(compare::run(
            &old, &new, &old_more, &new_more, &judging, &output,
        )),
        Command::Baseline { paths } => Ok(baseline::run(&paths)),
        Command::Dashboard {
            paths,
            baseline,
            compare,
            title,
            judging,
            out,
        } => {
            use wsreport::dashboard::DiffAgainst;
            let diff = baseline
                .map(DiffAgainst::Baseline)
                .or(compare.map(|old| DiffAgainst::Run(vec![old])));
            Ok(dashboard::run(&paths, diff, title, judging.policy(), &out))
        }
        Command::Explain {
            case,
            path,
            agent,
            all,
            output,
        } => explain::run(case, path, agent.as_deref(), all, &output),
        Command::Export { path, out, html } => export::run(&path, &out, html),
        Command::Case { case, output } => case::run(&case, &output),
        Command::Repro { case, out } => repro::run(&case, &out),
        Command::Replay(args) => runtime().and_then(|rt| replay::run(&rt, args)),
        Command::Fuzzingserver(args) => runtime().and_then(|rt| fuzzingserver::run(&rt, args)),
        Command::Run(args) => runtime().and_then(|rt| run::run(&rt, &args)),
        Command::Testdata { action } => testdata::run(action),
    };
    outcome.unwrap_or_else(|e| {
        error(&e);
        ExitStatus::Error
    })
}

/// The one runtime of the process, for the commands that talk to the network.
fn runtime() -> anyhow::Result<tokio::runtime::Runtime> {
    use anyhow::Context;
    tokio::runtime::Runtime::new().context("cannot start the async runtime")
}

/// `wsreport: error: ` and the error with its causes, on one line.
pub(crate) fn error(e: &anyhow::Error) {
    let _ = writeln!(std::io::stderr().lock(), "wsreport: error: {e:#}");
}

/// `wsreport: warning: ` and the text.
pub(crate) fn warning(text: &str) {
    let _ = writeln!(std::io::stderr().lock(), "wsreport: warning: {text}");
}

/// A line about what the command is doing, on stderr.
pub(crate) fn note(text: &str) {
    let _ = writeln!(std::io::stderr().lock(), "wsreport: {text}");
}

/// Says where the compression cases' test data comes from when `--testdata` did not name it
/// and the cache of `wsreport testdata fetch` is used.
pub(crate) fn note_cached_testdata(sending: &crate::cli::Sending) {
    if sending.testdata.is_none()
        && let Some(dir) = wsreport::testdata::cached()
    {
        note(&format!("test data: {}", dir.display()));
    }
}

/// One line per unreadable input, each naming its file.
pub(crate) fn report_errors(errors: &[LoadError]) {
    let mut err = std::io::stderr().lock();
    for e in errors {
        let _ = writeln!(err, "wsreport: error: {}", wsreport::text::error_chain(e));
    }
}

/// Writes to stdout; a closed pipe (`| head`) is not an error worth a panic.
pub(crate) fn print(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = out.write_all(text.as_bytes());
}

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
        cli::Command::Serve {
            listen,
            max_message_size,
            no_deflate,
        } => serve(listen, max_message_size, !no_deflate),
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
        cli::Command::Explain {
            case,
            path,
            agent,
            all,
            output,
        } => explain(case, path, agent.as_deref(), all, &output),
        cli::Command::Export { path, out, html } => export(&path, &out, html),
        cli::Command::Case { case, output } => describe_case(&case, &output),
        cli::Command::Replay(args) => replay(args),
        cli::Command::Fuzzingserver(args) => fuzzingserver(args),
        cli::Command::Run(args) => run(&args),
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

fn serve(listen: std::net::SocketAddr, max_message_size: usize, deflate: bool) -> ExitStatus {
    let opts = wsreport::serve::ServeOptions {
        max_message_size: (max_message_size > 0).then_some(max_message_size),
        deflate,
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

fn export(path: &std::path::Path, out: &std::path::Path, html: bool) -> ExitStatus {
    match wsreport::export::export(path, out, wsreport::export::ExportOptions { html }) {
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

fn explain(
    case: Option<String>,
    path: Option<std::path::PathBuf>,
    agent: Option<&str>,
    all: bool,
    output: &cli::Output,
) -> ExitStatus {
    use wsreport::explain::{self, Target};
    let default = || std::path::PathBuf::from("reports/");
    let (target, path) = if all {
        (
            Target::All,
            case.map(Into::into).or(path).unwrap_or_else(default),
        )
    } else {
        let case = case.unwrap_or_default();
        let target = match case.parse() {
            Ok(id) => Target::Id(id),
            Err(_) if std::path::Path::new(&case).is_file() => Target::File(case.into()),
            Err(e) => {
                eprintln!("wsreport: error: {e}, nor a case file");
                return ExitStatus::Error;
            }
        };
        // a case id and no report to look in: describe the case from the catalog
        if let (Target::Id(id), None) = (&target, &path)
            && !default().exists()
        {
            return describe_case(&id.to_string(), output);
        }
        (target, path.unwrap_or_else(default))
    };
    let outcome = match explain::run(&target, &path, agent) {
        Ok(o) => o,
        Err(e) => {
            eprintln!("wsreport: error: {e}");
            return ExitStatus::Error;
        }
    };
    report_errors(&outcome.errors);
    let r = &outcome.report;
    let text = match output.format() {
        Format::Table => render::explain::text(r, output.style()),
        Format::Markdown => render::explain::markdown(r),
        Format::Json if r.explanations.len() == 1 && r.diagnosis.groups.is_empty() => {
            render::json::render(&r.explanations[0])
        }
        Format::Json => render::json::render(r),
        // explain's --format offers only table, json and markdown.
        Format::Junit | Format::Github => render::explain::text(r, output.style()),
    };
    print(&text);
    // Unknown cases and agents were answered above; here only unreadable input fails.
    if outcome.errors.is_empty() {
        ExitStatus::Success
    } else {
        ExitStatus::Error
    }
}

/// `wsreport case CASE`: the case from the catalog.
fn describe_case(case: &str, output: &cli::Output) -> ExitStatus {
    let id: wsreport::model::CaseId = match case.parse() {
        Ok(id) => id,
        Err(e) => {
            eprintln!("wsreport: error: {e}");
            return ExitStatus::Error;
        }
    };
    let Some(d) = wsreport::explain::case::describe(&id) else {
        eprintln!("wsreport: error: case {id} is not in the catalog");
        return ExitStatus::Error;
    };
    print(&match output.format() {
        Format::Json => render::json::render(&d),
        Format::Markdown => render::explain::case_markdown(&d),
        _ => render::explain::case_text(&d, output.style()),
    });
    ExitStatus::Success
}

fn replay(args: cli::ReplayArgs) -> ExitStatus {
    let cmd = args.command();
    wsreport::replay::command::run(&cmd, &mut std::io::stdout(), &mut std::io::stderr())
}

fn fuzzingserver(args: cli::FuzzingServerArgs) -> ExitStatus {
    let log: wsreport::fuzzingserver::runner::Log = std::sync::Arc::new(|line| eprintln!("{line}"));
    wsreport::fuzzingserver::command::run(&args.command(), &mut std::io::stdout(), log)
}

fn run(args: &cli::RunArgs) -> ExitStatus {
    use wsreport::run;
    let cmd = args.command();
    let plan = match run::plan(&cmd) {
        Ok(p) => p,
        Err(e) => {
            eprintln!("wsreport: error: {e}");
            return ExitStatus::Error;
        }
    };
    for w in &plan.warnings {
        eprintln!("wsreport: warning: {w}");
    }
    if args.list {
        print(
            &run::list(&plan)
                .iter()
                .map(|l| format!("{l}\n"))
                .collect::<String>(),
        );
        return ExitStatus::Success;
    }
    for line in run::describe(&plan) {
        eprintln!("wsreport: {line}");
    }
    let done = match run::execute(&plan, cmd.jobs, cmd.progress) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("wsreport: error: {e}");
            return ExitStatus::Error;
        }
    };
    let report = run::report(done, &args.gate());
    for e in &report.errors {
        eprintln!("wsreport: error: {e}");
    }
    let output = &args.output;
    print(&match output.format() {
        Format::Json => render::json::render(&report),
        Format::Table => render::table::run(&report, output.style()),
        Format::Markdown => render::markdown::run(&report),
        Format::Junit => report
            .check
            .as_ref()
            .map(render::junit::check)
            .unwrap_or_default(),
        Format::Github => report
            .check
            .as_ref()
            .map(render::github::check)
            .unwrap_or_default(),
    });
    if report.has_errors() {
        ExitStatus::Error
    } else if report.passed() {
        ExitStatus::Success
    } else {
        ExitStatus::GateFailed
    }
}

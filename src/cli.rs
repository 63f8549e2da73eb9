//! Command-line arguments (clap). Everything here converts into library types; the library
//! never sees clap.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use wsreport::render::{Format, Style};

/// Read, explain, compare and reproduce Autobahn|Testsuite reports.
///
/// Point wsreport at the `reports/` folder the testsuite wrote (or any report directory,
/// `index.json` or case file inside it).
///
/// Exit status: 0 success; 1 the gate failed; 2 usage error or unreadable input (each problem
/// is printed on stderr as one line naming the file, and every other file is still read).
#[derive(Debug, Parser)]
#[command(name = "wsreport", version, about, long_about, max_term_width = 100)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Count verdicts per agent and per category, from the index alone.
    ///
    /// PATH may be a report directory (reports/servers, reports/clients), a folder holding
    /// several, an index.json, or one case file. Several agents are shown side by side.
    ///
    /// Examples:
    ///   wsreport summarize reports/
    ///   wsreport summarize reports/servers --format json | jq '.reports[0].agents[0].behavior'
    ///   wsreport summarize reports/ --format markdown >> "$GITHUB_STEP_SUMMARY"
    #[command(verbatim_doc_comment)]
    Summarize {
        /// Report directories, index.json files or case files.
        #[arg(default_value = "reports/")]
        paths: Vec<PathBuf>,
        #[command(flatten)]
        output: Output,
    },
    /// Run the reference echo server: the known-good peer to replay cases against.
    ///
    /// Echoes text and binary messages, answers pings, closes properly, fails the connection
    /// with 1002/1007/1009 on protocol, UTF-8 and size errors. Binds to loopback unless told
    /// otherwise. Runs until interrupted.
    ///
    /// Examples:
    ///   wsreport serve
    ///   wsreport serve --listen 127.0.0.1:0 --max-message-size 16777216
    #[command(verbatim_doc_comment)]
    Serve {
        /// Address to listen on (port 0 picks a free port; the address is printed on stderr).
        #[arg(long, default_value = "127.0.0.1:9001")]
        listen: std::net::SocketAddr,
        /// Largest message accepted, in octets (0: no limit).
        #[arg(long, default_value_t = 64 << 20)]
        max_message_size: usize,
    },
    /// Replay cases against a WebSocket server, natively, as the testsuite's fuzzing client.
    ///
    /// CASE is an id (2.11) or a glob (2.*, *). Prints each verdict and, for each case that
    /// does not pass, why. Exit status: 0 every case passes (behaviour OK, NON-STRICT or
    /// INFORMATIONAL; close OK or INFORMATIONAL), 1 some case does not, 2 usage or connection
    /// errors.
    ///
    /// Examples:
    ///   wsreport replay 2.11 --target ws://127.0.0.1:9001
    ///   wsreport replay '*' --jobs 4 --out reports/replayed
    ///   wsreport replay 2.11 --report reports/servers --agent MyServer
    #[command(verbatim_doc_comment)]
    Replay(ReplayArgs),
}

/// `wsreport replay`'s arguments.
#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// Case ids or globs.
    #[arg(required = true, value_name = "CASE")]
    pub cases: Vec<String>,
    /// The server to test.
    #[arg(long, default_value = "ws://127.0.0.1:9001")]
    pub target: String,
    /// Agent name written into results (and picked from --report).
    #[arg(long)]
    pub agent: Option<String>,
    /// A report directory to compare verdicts with: says whether each failure reproduced.
    #[arg(long, value_name = "DIR")]
    pub report: Option<PathBuf>,
    /// Write index.json and per-case JSON (testsuite file names) here.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Cases to run at once.
    #[arg(long, default_value_t = 1)]
    pub jobs: usize,
    /// Only print the ids the patterns select, one a line, and run nothing.
    #[arg(long)]
    pub list: bool,
}

impl ReplayArgs {
    /// The library's command; the progress bar only on a terminal.
    pub fn command(self) -> wsreport::replay::command::ReplayCommand {
        wsreport::replay::command::ReplayCommand {
            progress: std::io::stderr().is_terminal(),
            cases: self.cases,
            target: self.target,
            agent: self.agent,
            report: self.report,
            out: self.out,
            jobs: self.jobs,
            list: self.list,
        }
    }
}

/// Output options shared by every command.
#[derive(Debug, Args)]
pub struct Output {
    /// Output format: table for people, json for programs, markdown for GitHub.
    #[arg(long, value_enum, default_value_t = FormatArg::Table)]
    pub format: FormatArg,
    /// When to colour the table: auto colours only on a terminal and honours NO_COLOR.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
}

/// `--format`
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum FormatArg {
    /// Tables on a terminal, plain tables when piped.
    Table,
    /// One JSON document (fields documented in the README).
    Json,
    /// GitHub-flavoured Markdown.
    Markdown,
}

/// `--color`
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ColorArg {
    /// Colour on a terminal unless NO_COLOR is set.
    Auto,
    /// Always colour.
    Always,
    /// Never colour.
    Never,
}

impl Output {
    /// The library's format.
    pub fn format(&self) -> Format {
        match self.format {
            FormatArg::Table => Format::Table,
            FormatArg::Json => Format::Json,
            FormatArg::Markdown => Format::Markdown,
        }
    }

    /// The style, decided once.
    pub fn style(&self) -> Style {
        let color = match self.color {
            ColorArg::Always => true,
            ColorArg::Never => false,
            ColorArg::Auto => {
                std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                    && std::io::stdout().is_terminal()
            }
        };
        Style { color }
    }
}

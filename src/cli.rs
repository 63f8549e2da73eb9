//! Command-line arguments (clap). Everything here converts into library types; the library
//! never sees clap.

use std::io::IsTerminal;
use std::path::PathBuf;

use clap::{Args, Parser, Subcommand, ValueEnum};

use wsreport::compare::policy::{Policy, PolicyName, Unimplemented};
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
    /// Write a report (JSON, HTML pages or copied page text) as the testsuite's JSON.
    ///
    /// Writes index.json and one case file per agent and case into DIR, named as the
    /// testsuite names them; with --html also index.html and a page per case. Never writes
    /// outside DIR; refuses DIR if it is the input.
    ///
    /// Examples:
    ///   wsreport export published-html/ --out reports-json/
    ///   wsreport export reports/clients --out site/ --html
    #[command(verbatim_doc_comment)]
    Export {
        /// A report directory, index file or case file (JSON, HTML or page text).
        path: PathBuf,
        /// The directory to write into (created when missing).
        #[arg(long)]
        out: PathBuf,
        /// Also write the testsuite's HTML: index.html and a page per case.
        #[arg(long)]
        html: bool,
    },
    /// Say why a case got its verdict: events diff, closing, wire log, sibling hints.
    ///
    /// CASE is a case id (looked up under PATH) or a case file. With several agents, each
    /// non-passing one is explained (or the one named). --all explains every non-passing case
    /// under PATH (then the first positional argument is PATH), grouped by cause.
    ///
    /// Examples:
    ///   wsreport explain 2.11 reports/clients
    ///   wsreport explain reports/clients/stratus_2_case_2_11.json --format json
    ///   wsreport explain --all reports/servers --format markdown
    #[command(verbatim_doc_comment)]
    Explain {
        /// A case id such as 2.11, or a case file.
        #[arg(required_unless_present = "all")]
        case: Option<String>,
        /// Report directory, index.json, or a folder holding reports.
        path: Option<PathBuf>,
        /// Explain only this agent.
        #[arg(long)]
        agent: Option<String>,
        /// Explain every non-passing case, grouped by cause.
        #[arg(long)]
        all: bool,
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
    /// Gate CI on a report: exit 1 naming each case that fails the policy or got worse.
    ///
    /// Every case of every agent is judged on both `behavior` and `behaviorClose`. With
    /// --baseline, only regressions, changed failures, new failing cases and cases missing from
    /// the run fail the gate; improvements are reported. Several PATHs (batches of one long
    /// run) are merged per agent; a case found twice with different verdicts is reported and
    /// the later path wins.
    ///
    /// Exit status: 0 the gate passed; 1 it failed; 2 unreadable report, baseline or allow-list.
    ///
    /// Examples:
    ///   wsreport check reports/servers --policy rfc --unimplemented skip-compression
    ///   wsreport check reports/ --baseline autobahn-baseline.json --allow autobahn-allow.json
    ///   wsreport check reports/ --format github
    ///   wsreport check reports/ --format junit > autobahn.xml
    #[command(verbatim_doc_comment)]
    Check {
        /// Report directories, index.json files or case files (merged).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
        #[command(flatten)]
        judging: Judging,
        /// A baseline written by `wsreport baseline`.
        #[arg(long, value_name = "FILE")]
        baseline: Option<PathBuf>,
        /// An allow-list of cases allowed to fail, each with a reason (JSON; see the README).
        #[arg(long, value_name = "FILE")]
        allow: Option<PathBuf>,
        #[command(flatten)]
        output: GateOutput,
    },
    /// Compare two runs: regressions, improvements, changes, missing and new cases.
    ///
    /// OLD and NEW may each be a report directory, an index.json, or a folder holding several
    /// batches (merged per agent); --old/--new add more batches to a side. Warns when the
    /// testsuite version or the agents differ. Exit status: 0 (even with regressions: use
    /// `check --baseline` to gate), 2 on unreadable input.
    ///
    /// Examples:
    ///   wsreport compare old/reports/servers reports/servers
    ///   wsreport compare old/ new/ --format markdown >> "$GITHUB_STEP_SUMMARY"
    #[command(verbatim_doc_comment)]
    Compare {
        /// The earlier run.
        old: PathBuf,
        /// The later run.
        new: PathBuf,
        /// More batches of the earlier run.
        #[arg(long = "old", value_name = "PATH")]
        old_more: Vec<PathBuf>,
        /// More batches of the later run.
        #[arg(long = "new", value_name = "PATH")]
        new_more: Vec<PathBuf>,
        #[command(flatten)]
        judging: Judging,
        #[command(flatten)]
        output: GateOutput,
    },
    /// Write a baseline (JSON on stdout) for `check --baseline`.
    ///
    /// Examples:
    ///   wsreport baseline reports/servers > autobahn-baseline.json
    #[command(verbatim_doc_comment)]
    Baseline {
        /// Report directories, index.json files or case files (merged).
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
}

/// How cases are judged (`check`, `compare`).
#[derive(Debug, Args)]
pub struct Judging {
    /// Pass policy: strict (OK/OK or INFORMATIONAL/INFORMATIONAL), rfc (behaviour OK,
    /// NON-STRICT or INFORMATIONAL; close OK or INFORMATIONAL), lenient (fails only on FAILED,
    /// WRONG CODE, UNCLEAN, FAILED BY CLIENT).
    #[arg(long, value_enum, default_value_t = PolicyArg::Rfc)]
    pub policy: PolicyArg,
    /// UNIMPLEMENTED behaviour: fail, skip, or skip only in 12.* and 13.* (compression).
    #[arg(long, value_enum, default_value_t = UnimplementedArg::Fail)]
    pub unimplemented: UnimplementedArg,
}

/// `--policy`
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum PolicyArg {
    /// OK/OK or INFORMATIONAL/INFORMATIONAL.
    Strict,
    /// What RFC 6455 allows.
    Rfc,
    /// Fails only on FAILED, WRONG CODE, UNCLEAN, FAILED BY CLIENT.
    Lenient,
}

/// `--unimplemented`
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum UnimplementedArg {
    /// The case fails.
    Fail,
    /// The case is skipped.
    Skip,
    /// Skipped in 12.* and 13.*, failed elsewhere.
    SkipCompression,
}

impl Judging {
    /// The library's policy.
    pub fn policy(&self) -> Policy {
        Policy {
            name: match self.policy {
                PolicyArg::Strict => PolicyName::Strict,
                PolicyArg::Rfc => PolicyName::Rfc,
                PolicyArg::Lenient => PolicyName::Lenient,
            },
            unimplemented: match self.unimplemented {
                UnimplementedArg::Fail => Unimplemented::Fail,
                UnimplementedArg::Skip => Unimplemented::Skip,
                UnimplementedArg::SkipCompression => Unimplemented::SkipCompression,
            },
        }
    }
}

/// Output options of the gate commands, which also speak JUnit and GitHub.
#[derive(Debug, Args)]
pub struct GateOutput {
    /// Output format: table, json, markdown, junit (XML test report), github (annotations).
    #[arg(long, value_enum, default_value_t = GateFormatArg::Table)]
    pub format: GateFormatArg,
    /// When to colour the table: auto colours only on a terminal and honours NO_COLOR.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
}

/// `--format` of `check` and `compare`.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum GateFormatArg {
    /// Tables on a terminal, plain tables when piped.
    Table,
    /// One JSON document (fields documented in the README).
    Json,
    /// GitHub-flavoured Markdown.
    Markdown,
    /// JUnit XML: one testcase per case.
    Junit,
    /// GitHub Actions workflow commands (::error …).
    Github,
}

impl GateOutput {
    /// The library's format.
    pub fn format(&self) -> Format {
        match self.format {
            GateFormatArg::Table => Format::Table,
            GateFormatArg::Json => Format::Json,
            GateFormatArg::Markdown => Format::Markdown,
            GateFormatArg::Junit => Format::Junit,
            GateFormatArg::Github => Format::Github,
        }
    }

    /// The style, decided once.
    pub fn style(&self) -> Style {
        color_style(self.color)
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
        color_style(self.color)
    }
}

fn color_style(color: ColorArg) -> Style {
    let color = match color {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => {
            std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
                && std::io::stdout().is_terminal()
        }
    };
    Style { color }
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
    /// The testsuite's test data directory (autobahntestsuite/testdata), which the
    /// compression cases 12.x and 13.x take their messages from.
    #[arg(long, value_name = "DIR", env = "WSREPORT_TESTDATA")]
    pub testdata: Option<PathBuf>,
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
            testdata: self.testdata,
        }
    }
}

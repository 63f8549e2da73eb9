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
    /// Write a report (JSON, HTML pages or copied page text) as the testsuite's JSON.
    ///
    /// Writes index.json and one case file per agent and case into DIR, named as the
    /// testsuite names them. Never writes outside DIR; refuses DIR if it is the input.
    ///
    /// Examples:
    ///   wsreport export published-html/ --out reports-json/
    #[command(verbatim_doc_comment)]
    Export {
        /// A report directory, index file or case file (JSON, HTML or page text).
        path: PathBuf,
        /// The directory to write into (created when missing).
        #[arg(long)]
        out: PathBuf,
    },
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

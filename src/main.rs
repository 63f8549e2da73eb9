//! The `wsreport` binary: arguments in (clap, [`cli`]), one command of [`commands`] per
//! subcommand, exit status out.

mod cli;
mod commands;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    if let Some(octets) = cli.max_file_size {
        wsreport::load::file::set_max_file_size(octets);
    }
    ExitCode::from(commands::dispatch(cli.command).code())
}

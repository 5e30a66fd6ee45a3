//! `closeout completions SHELL` and `closeout man`: generated from the clap
//! definitions, so they never drift from the flags.

use std::process::ExitCode;

use clap::CommandFactory;

use crate::cli::args::Cli;
use crate::cli::{stdio, Error};

pub fn completions(shell: clap_complete::Shell) -> Result<ExitCode, Error> {
    let mut command = Cli::command();
    let mut script = Vec::new();
    clap_complete::generate(shell, &mut command, "closeout", &mut script);
    stdio::print(&String::from_utf8_lossy(&script))?;
    Ok(ExitCode::SUCCESS)
}

pub fn man() -> Result<ExitCode, Error> {
    let mut page = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut page)
        .map_err(|err| Error::usage(format!("the manual page: {err}")))?;
    stdio::print(&String::from_utf8_lossy(&page))?;
    Ok(ExitCode::SUCCESS)
}

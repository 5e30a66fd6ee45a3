//! The binary's side: the command line ([`args`]), the settings stage
//! ([`settings`]: flags + `closeout.toml` + defaults, validated before any
//! file is opened or created), one module per subcommand ([`cmd`]), and the
//! one place that prints an error ([`Error::print`]). Glue only: every
//! decision is the library's.

pub mod args;
pub mod cmd;
pub mod settings;
pub mod stdio;

use std::process::ExitCode;

use clap::Parser;

use closeout::config::ConfigError;
use closeout::render;
use closeout::PolicyError;

use args::{Cli, Command};

/// Why a command could not do its job: printed once, by [`Error::print`],
/// and always exit code 2.
#[derive(Debug)]
pub enum Error {
    /// Bad usage or an unusable file: one line, `error: …`.
    Usage(String),
    /// `closeout.toml` is not valid: a diagnostic quoting the file.
    Config(Box<ConfigError>),
    /// A policy pack does not load or compile: a diagnostic quoting the pack.
    Policy(Box<PolicyError>),
    /// Already said, or nothing to say (a closed pipe): exit 2 quietly.
    Quiet,
}

impl Error {
    pub fn usage(message: impl Into<String>) -> Error {
        Error::Usage(message.into())
    }

    pub fn config(error: ConfigError) -> Error {
        Error::Config(Box::new(error))
    }

    pub fn policy(error: PolicyError) -> Error {
        Error::Policy(Box::new(error))
    }

    /// The one place an error reaches standard error.
    pub fn print(&self) {
        let style = settings::plain_style();
        match self {
            Error::Usage(message) => stdio::note(&format!("error: {message}")),
            Error::Config(error) => stdio::note_raw(&render::human::diagnostic(&**error, style)),
            Error::Policy(error) => stdio::note_raw(&render::human::policy_error(error, style)),
            Error::Quiet => {}
        }
    }
}

/// Parses the command line, resolves the settings of the command, runs it.
pub fn run() -> Result<ExitCode, Error> {
    let cli = Cli::parse();
    // `check` may write only to files and `serve` writes to none; every
    // other command needs stdout.
    if stdio::stdout_closed() && !matches!(cli.command, Command::Check(_) | Command::Serve(_)) {
        return Err(Error::usage(stdio::STDOUT_CLOSED_MESSAGE));
    }
    match cli.command {
        Command::Check(args) => cmd::check::run(settings::Check::resolve(args)?),
        Command::Plan(args) => cmd::plan::run(settings::Plan::resolve(args)?),
        Command::Test(args) => {
            let settings = settings::Test::resolve(&args)?;
            cmd::test::run(&args, settings)
        }
        Command::Conditions(args) => {
            let policies = settings::Policies::resolve(&args.packs, &[], None, None, None)?;
            cmd::conditions::run(&args, policies)
        }
        Command::Explain(args) => {
            let policies = settings::Policies::resolve(&args.packs, &[], None, None, None)?;
            cmd::explain::run(&args, policies)
        }
        Command::InitPack(args) => cmd::init_pack::run(&args),
        Command::Import(args) => cmd::import::run(args),
        Command::Merge(args) => cmd::merge::run(settings::Merge::resolve(args)?),
        Command::Diff(args) => cmd::diff::run(settings::Diff::resolve(args)?),
        Command::Serve(args) => cmd::serve::run(settings::Serve::resolve(args)?),
        Command::Completions(args) => cmd::completions::completions(args.shell),
        Command::Man => cmd::completions::man(),
    }
}

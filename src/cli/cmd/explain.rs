//! `closeout explain ID`: everything about one condition.

use std::process::ExitCode;

use closeout::render::conditions::explain;
use closeout::PolicySet;

use crate::cli::args::ExplainArgs;
use crate::cli::settings::Policies;
use crate::cli::{stdio, Error};

pub fn run(args: &ExplainArgs, settings: Policies) -> Result<ExitCode, Error> {
    let policies = PolicySet::load(&settings.sources).map_err(Error::policy)?;
    let text = explain(&policies.catalogue, &args.id).ok_or_else(|| {
        Error::usage(format!(
            "no loaded pack declares condition {}: see `closeout conditions`",
            args.id
        ))
    })?;
    stdio::print(&text)?;
    Ok(ExitCode::SUCCESS)
}

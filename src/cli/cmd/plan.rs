//! `closeout plan`: the ordered fix plan of one snapshot, decided as `check`
//! decides it: the same `closeout.toml`, waivers included.

use std::process::ExitCode;

use closeout::render::conditions;
use closeout::render::escape::visible;
use closeout::{Checker, Evaluator, PolicySet, Verdict};

use crate::cli::settings::Plan;
use crate::cli::Error;

pub fn run(settings: Plan) -> Result<ExitCode, Error> {
    let Plan {
        snapshot,
        policies,
        limits,
        waivers,
        redact,
    } = settings;
    let evaluator = PolicySet::load(&policies.sources)
        .and_then(|set| Evaluator::new(set, &policies.context))
        .map_err(Error::policy)?;
    if let Some(config) = &policies.config {
        let catalogue = &evaluator.policies().catalogue;
        if let Some(issue) = config.check_ids(|id| catalogue.get(id).is_some()).first() {
            return Err(Error::config(config.issue_error(issue)));
        }
    }
    let mut checker = Checker::new(evaluator)
        .with_redaction(redact)
        .with_limits(limits);
    if let Some(w) = waivers {
        checker = checker.with_waivers(w.waivers, w.today);
    }
    let (result, _) = checker.check_file(&snapshot);
    if let Some(error) = &result.error {
        return Err(Error::usage(format!(
            "{}: {}",
            visible(&result.error_location()),
            visible(&error.message)
        )));
    }
    crate::cli::stdio::print(&conditions::plan(&result))?;
    Ok(match result.verdict {
        Verdict::Blocked => ExitCode::from(1),
        _ => ExitCode::SUCCESS,
    })
}

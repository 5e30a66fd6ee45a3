//! `closeout serve`: load the policies as `check` does (the same packs,
//! `closeout.toml`, waivers refused for unknown conditions), then hand the
//! service a loader that does the same again on every reload.

use std::process::ExitCode;
use std::sync::Arc;

use closeout::decide::waiver::Waivers;
use closeout::render;
use closeout::run::audit::sha256_hex;
use closeout::serve::{self, Generation, Options};
use closeout::{EngineKind, Evaluator, PolicySet};

use crate::cli::settings::{self, Policies, Serve};
use crate::cli::{stdio, Error};

pub fn run((settings, policies): (Serve, Policies)) -> Result<ExitCode, Error> {
    let first = load(policies, settings.engine)?;
    let options = Options {
        listen: settings.listen,
        jobs: settings.jobs,
        audit_log: settings.audit_log.clone(),
        token: settings.token.clone(),
        max_body_bytes: settings.max_body_bytes,
        max_stream_bytes: settings.max_stream_bytes,
        request_timeout: settings.request_timeout,
    };
    let engine = settings.engine;
    let loader: serve::Loader = Arc::new(move || {
        settings
            .policies()
            .and_then(|policies| load(policies, engine))
            .map_err(|error| message(&error))
    });
    let notes: serve::Notes = Arc::new(|note: &str| stdio::note(note));
    serve::serve(options, first, loader, notes).map_err(|err| Error::usage(err.to_string()))?;
    Ok(ExitCode::SUCCESS)
}

/// Loads and compiles the policies and checks the waivers, as `check` does.
fn load(policies: Policies, engine: EngineKind) -> Result<Generation, Error> {
    let evaluator = PolicySet::load(&policies.sources)
        .and_then(|set| Evaluator::with_engine(set, &policies.context, engine))
        .map_err(Error::policy)?;
    let catalogue = &evaluator.policies().catalogue;
    let waivers = match &policies.config {
        Some(config) => {
            // A waiver for a condition no pack declares is a mistake in the file.
            if let Some(issue) = config.check_ids(|id| catalogue.get(id).is_some()).first() {
                return Err(Error::config(config.issue_error(issue)));
            }
            Some(Waivers::new(&config.waivers))
        }
        None => None,
    };
    let config_sha256 = policies
        .config
        .as_ref()
        .map(|c| sha256_hex(c.text.as_bytes()));
    // Masked as `check` masks them, so a decision is the one `check` makes.
    let redact =
        closeout::render::redact::for_run(false, policies.config.as_ref()).map_err(Error::Usage)?;
    Ok(Generation::new(evaluator, policies.context, waivers, config_sha256).with_redaction(redact))
}

/// The error as [`Error::print`] would show it, for a reload's answer.
fn message(error: &Error) -> String {
    let style = settings::plain_style();
    match error {
        Error::Usage(message) => message.clone(),
        Error::Config(error) => render::human::diagnostic(&**error, style),
        Error::Policy(error) => render::human::policy_error(error, style),
        Error::Quiet => "the policies could not be loaded".into(),
    }
}

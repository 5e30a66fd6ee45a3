//! The settings stage: flags, `closeout.toml` and defaults become the
//! validated settings a command runs with, for every command, before any file
//! is opened or created.
//!
//! The layers, highest first: a flag, then `[defaults]` of `closeout.toml`
//! (given with `--config`, or `./closeout.toml` when it exists), then the
//! default written here once ([`DEFAULT_MAX_EXPORT_AGE_DAYS`] and the crate's
//! own defaults). Every command that loads policies reads the same file the
//! same way, so `check` and `plan` decide alike.

use std::io::{self, IsTerminal};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use chrono::NaiveDate;

use closeout::config::Config;
use closeout::decide::waiver::{waiver_day, Waivers};
use closeout::input::{Limits, DEFAULT_MAX_BYTES};
use closeout::render::redact::for_run;
use closeout::render::{Format, Style};
use closeout::run::Redact;
use closeout::{Context, EngineKind, FailOn, PolicySource};

use closeout::model::Shard;

use super::args::{
    CheckArgs, ColorArg, DiffArgs, FailOnArg, ImportArgs, LimitArgs, MergeArgs, PackArgs, PlanArgs,
    ServeArgs, TestArgs,
};
use super::Error;

/// GEN-001's default: the oldest a snapshot's export may be, in days.
pub const DEFAULT_MAX_EXPORT_AGE_DAYS: u32 = 7;

/// What every command that loads policies shares: the configuration file,
/// the packs, and the evaluation context.
#[derive(Debug)]
pub struct Policies {
    /// `closeout.toml`, when one was given or found.
    pub config: Option<Config>,
    /// Bundled (unless `--no-bundled`), then `--policy` packs, then the packs
    /// the command names, then `[defaults] policies`.
    pub sources: Vec<PolicySource>,
    /// The evaluation time, GEN-001's age, `[defaults.data]` and the limits.
    pub context: Context,
}

/// The waivers of `closeout.toml` and the day they are judged on.
#[derive(Debug)]
pub struct WaiverSettings {
    pub waivers: Waivers,
    pub today: NaiveDate,
}

/// Where a run's report goes, and how it looks: `check` and `merge`.
#[derive(Debug)]
pub struct Outputs {
    /// Each format and where it goes (`None`: standard output).
    pub targets: Vec<(Format, Option<PathBuf>)>,
    pub style: Style,
    pub quiet: bool,
}

impl Outputs {
    fn resolve(
        formats: &[Format],
        outputs: &[PathBuf],
        color: ColorArg,
        quiet: bool,
    ) -> Result<Outputs, Error> {
        let color = match color {
            ColorArg::Always => true,
            ColorArg::Never => false,
            ColorArg::Auto => io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
        };
        let width = std::env::var("COLUMNS")
            .ok()
            .and_then(|c| c.parse().ok())
            .unwrap_or(100);
        Ok(Outputs {
            targets: targets(formats, outputs)?,
            style: Style { color, width },
            quiet,
        })
    }

    /// Whether any output goes to standard output.
    pub fn on_stdout(&self) -> bool {
        self.targets.iter().any(|(_, path)| path.is_none())
    }
}

/// `--fail-on`, else `[defaults] fail_on`, else block.
fn fail_on(flag: Option<FailOnArg>, policies: &Policies) -> FailOn {
    match flag {
        Some(FailOnArg::Warn) => FailOn::Warn,
        Some(FailOnArg::Block) => FailOn::Block,
        None => policies
            .config
            .as_ref()
            .and_then(|c| c.defaults.fail_on)
            .unwrap_or_default(),
    }
}

/// `closeout check`.
#[derive(Debug)]
pub struct Check {
    pub paths: Vec<PathBuf>,
    pub policies: Policies,
    pub outputs: Outputs,
    pub audit_log: Option<PathBuf>,
    pub fail_on: FailOn,
    pub engine: EngineKind,
    pub jobs: usize,
    pub limits: Limits,
    pub waivers: Option<WaiverSettings>,
    pub progress: bool,
    /// Masks personal data and secrets; `None` with `--no-redact`.
    pub redact: Option<Arc<dyn Redact>>,
    /// `--shard K/N`: only that shard's snapshots.
    pub shard: Option<Shard>,
    /// `--baseline OLD`: the HTML report shows what moved since it.
    pub baseline: Option<PathBuf>,
}

/// `closeout diff`.
#[derive(Debug)]
pub struct Diff {
    pub old: PathBuf,
    pub new: PathBuf,
    pub outputs: Outputs,
}

impl Diff {
    pub fn resolve(args: DiffArgs) -> Result<Diff, Error> {
        let outputs = Outputs::resolve(&args.format, &args.output, ColorArg::Never, false)?;
        if let Some((format, _)) = outputs
            .targets
            .iter()
            .find(|(f, _)| !closeout::render::diff::FORMATS.contains(f))
        {
            return Err(Error::usage(format!(
                "diff writes human, json, markdown or html, not {format}"
            )));
        }
        Ok(Diff {
            old: args.old,
            new: args.new,
            outputs,
        })
    }
}

/// `closeout import`: the provider, the account directories, and where the
/// snapshots go (one pretty snapshot for one directory written to `-o FILE`;
/// compact JSON Lines otherwise).
#[derive(Debug)]
pub struct Import {
    pub provider: closeout::import::Provider,
    pub dirs: Vec<PathBuf>,
    pub options: closeout::import::ImportOptions,
    pub output: Option<PathBuf>,
    pub pretty: bool,
}

impl Import {
    pub fn resolve(args: ImportArgs) -> Result<Import, Error> {
        let provider = closeout::import::Provider::parse(&args.provider)
            .map_err(|m| Error::usage(closeout::render::escape::visible(&m)))?;
        // An output inside an account directory would be read as a saved
        // response by the next import.
        if let Some(output) = &args.output {
            let parent = output.parent().filter(|p| !p.as_os_str().is_empty());
            let parent = std::fs::canonicalize(parent.unwrap_or(Path::new("."))).ok();
            if let Some(dir) = args
                .dirs
                .iter()
                .find(|dir| parent.is_some() && std::fs::canonicalize(dir).ok() == parent)
            {
                return Err(Error::usage(closeout::render::escape::visible(&format!(
                    "--output {} is inside the account directory {}: write it elsewhere",
                    output.display(),
                    dir.display()
                ))));
            }
        }
        Ok(Import {
            provider,
            pretty: args.output.is_some() && args.dirs.len() == 1,
            options: closeout::import::ImportOptions {
                manifest: args.manifest,
                skip_unrecognised: args.skip_unrecognised,
            },
            dirs: args.dirs,
            output: args.output,
        })
    }
}

/// `closeout merge`.
#[derive(Debug)]
pub struct Merge {
    pub files: Vec<PathBuf>,
    pub policies: Policies,
    pub outputs: Outputs,
    pub fail_on: FailOn,
}

/// `closeout plan`.
#[derive(Debug)]
pub struct Plan {
    pub snapshot: PathBuf,
    pub policies: Policies,
    pub limits: Limits,
    pub waivers: Option<WaiverSettings>,
    pub redact: Option<Arc<dyn Redact>>,
}

/// `closeout serve`: where it listens and what a request may be; the
/// policies are resolved as for `check`, and again, the same way, on each
/// reload ([`Serve::policies`]).
#[derive(Debug)]
pub struct Serve {
    pub listen: std::net::SocketAddr,
    pub engine: EngineKind,
    pub jobs: usize,
    pub audit_log: Option<PathBuf>,
    pub token: Option<String>,
    pub max_body_bytes: u64,
    pub max_stream_bytes: u64,
    pub request_timeout: Duration,
    /// What the policies are resolved from, at start and on each reload.
    packs: PackArgs,
    max_export_age: Option<u32>,
    limits: LimitArgs,
}

/// `--max-body-bytes`' default: one snapshot body, and one NDJSON line.
pub const DEFAULT_MAX_BODY_BYTES: u64 = 4 << 20;
/// `--max-stream-bytes`' default: one NDJSON body.
pub const DEFAULT_MAX_STREAM_BYTES: u64 = 1 << 30;
/// `--request-timeout`'s default, in seconds.
pub const DEFAULT_REQUEST_TIMEOUT_SECS: u64 = 60;

/// `closeout test`: the packs and limits; each fixture brings its own time.
#[derive(Debug)]
pub struct Test {
    pub policies: Policies,
}

/// Plain text for diagnostics on standard error.
pub fn plain_style() -> Style {
    Style {
        color: false,
        width: 100,
    }
}

impl Policies {
    /// Reads `closeout.toml` and merges it with the flags. `extra` are packs
    /// the command names besides `--policy` (`closeout test DIR`); `now` and
    /// `max_export_age` are the command's flags, when it has them.
    pub fn resolve(
        packs: &PackArgs,
        extra: &[PathBuf],
        now: Option<&str>,
        max_export_age: Option<u32>,
        limits: Option<&LimitArgs>,
    ) -> Result<Policies, Error> {
        let config = match &packs.config {
            Some(path) => Some(Config::load(path).map_err(Error::config)?),
            None => Config::discover(Path::new(".")).map_err(Error::config)?,
        };
        let defaults = config.as_ref().map(|c| &c.defaults);
        let mut sources = Vec::new();
        if !packs.no_bundled {
            sources.push(PolicySource::Bundled);
        }
        sources.extend(
            packs
                .policies
                .iter()
                .chain(extra)
                .cloned()
                .map(PolicySource::Dir),
        );
        sources.extend(defaults.map(|d| d.policy_sources()).unwrap_or_default());
        // After every layer has added its packs: only then is "none" known.
        if sources.is_empty() {
            return Err(Error::usage(
                "--no-bundled leaves no policies: name a pack with --policy DIR, or in closeout.toml's [defaults] policies",
            ));
        }
        let max_age = max_export_age
            .or(defaults.and_then(|d| d.max_export_age_days))
            .unwrap_or(DEFAULT_MAX_EXPORT_AGE_DAYS);
        let mut context = match now {
            Some(now) => {
                Context::at(now, max_age).map_err(|m| Error::usage(format!("--now: {m}")))?
            }
            None => Context::now(max_age),
        };
        if let Some(limits) = limits {
            apply_limits(limits, &mut context)?;
        }
        if let Some(defaults) = defaults {
            context.config = defaults.data.clone();
        }
        Ok(Policies {
            config,
            sources,
            context,
        })
    }

    /// The waivers, judged on the evaluation day; `None` without a config.
    fn waivers(&self) -> Result<Option<WaiverSettings>, Error> {
        let Some(config) = &self.config else {
            return Ok(None);
        };
        let today = waiver_day(&self.context.now).map_err(Error::usage)?;
        Ok(Some(WaiverSettings {
            waivers: Waivers::new(&config.waivers),
            today,
        }))
    }
}

fn apply_limits(limits: &LimitArgs, context: &mut Context) -> Result<(), Error> {
    if let Some(n) = limits.max_instructions_per_value {
        context.limits.instructions_per_value = n;
    }
    if let Some(seconds) = limits.eval_timeout {
        context.limits.timeout = Duration::try_from_secs_f64(seconds)
            .ok()
            .filter(|d| !d.is_zero())
            .ok_or_else(|| Error::usage("--eval-timeout must be a positive number of seconds"))?;
    }
    if let Some(mib) = limits.eval_memory {
        if mib == 0 {
            return Err(Error::usage("--eval-memory must be at least 1 MiB"));
        }
        context.limits.memory_bytes = mib.saturating_mul(1 << 20);
    }
    Ok(())
}

impl Check {
    pub fn resolve(args: CheckArgs) -> Result<Check, Error> {
        // Flags alone first: a usage error costs no file read.
        let outputs = Outputs::resolve(&args.format, &args.output, args.color, args.quiet)?;
        if args.baseline.is_some() && !args.format.contains(&Format::Html) {
            return Err(Error::usage(
                "--baseline shows the movement in the HTML report: give --format html",
            ));
        }
        let jobs = match args.jobs {
            Some(0) => return Err(Error::usage("--jobs must be at least 1")),
            Some(n) => n,
            None => std::thread::available_parallelism().map_or(1, usize::from),
        };
        let policies = Policies::resolve(
            &args.packs,
            &[],
            args.now.as_deref(),
            args.max_export_age,
            Some(&args.limits),
        )?;
        let fail_on = fail_on(args.fail_on, &policies);
        let waivers = policies.waivers()?;
        let redact = for_run(args.no_redact, policies.config.as_ref()).map_err(Error::Usage)?;
        Ok(Check {
            paths: args.paths,
            policies,
            outputs,
            audit_log: args.audit_log,
            fail_on,
            engine: args.engine.into(),
            jobs,
            limits: Limits {
                max_snapshot_bytes: args.max_snapshot_bytes.unwrap_or(DEFAULT_MAX_BYTES),
                max_line_bytes: args.max_line_bytes.unwrap_or(DEFAULT_MAX_BYTES),
            },
            waivers,
            progress: !args.no_progress && io::stderr().is_terminal(),
            redact,
            shard: args.shard,
            baseline: args.baseline,
        })
    }
}

impl Merge {
    pub fn resolve(args: MergeArgs) -> Result<Merge, Error> {
        let outputs = Outputs::resolve(&args.format, &args.output, args.color, args.quiet)?;
        let policies = Policies::resolve(&args.packs, &[], None, None, None)?;
        Ok(Merge {
            files: args.files,
            fail_on: fail_on(args.fail_on, &policies),
            policies,
            outputs,
        })
    }
}

/// `--format X --output F` pairs; a single format may go to standard output.
fn targets(
    formats: &[Format],
    outputs: &[PathBuf],
) -> Result<Vec<(Format, Option<PathBuf>)>, Error> {
    if outputs.is_empty() && formats.len() == 1 {
        Ok(vec![(formats[0], None)])
    } else if formats.len() == outputs.len() {
        Ok(formats
            .iter()
            .copied()
            .zip(outputs.iter().cloned().map(Some))
            .collect())
    } else {
        Err(Error::usage(format!(
            "{} --format and {} --output: give one --output per --format (or one --format and no --output)",
            formats.len(),
            outputs.len()
        )))
    }
}

impl Plan {
    pub fn resolve(args: PlanArgs) -> Result<Plan, Error> {
        let policies = Policies::resolve(
            &args.packs,
            &[],
            args.now.as_deref(),
            args.max_export_age,
            Some(&args.limits),
        )?;
        let waivers = policies.waivers()?;
        let redact = for_run(args.no_redact, policies.config.as_ref()).map_err(Error::Usage)?;
        Ok(Plan {
            snapshot: args.snapshot,
            policies,
            limits: Limits {
                max_snapshot_bytes: args.max_snapshot_bytes.unwrap_or(DEFAULT_MAX_BYTES),
                ..Limits::default()
            },
            waivers,
            redact,
        })
    }
}

impl Serve {
    /// Flags alone, then the policies once (a usage or config error stops
    /// the start before anything listens).
    pub fn resolve(args: ServeArgs) -> Result<(Serve, Policies), Error> {
        let jobs = match args.jobs {
            Some(0) => return Err(Error::usage("--jobs must be at least 1")),
            Some(n) => n.min(closeout::run::MAX_JOBS),
            None => std::thread::available_parallelism().map_or(1, usize::from),
        };
        let request_timeout = match args.request_timeout {
            None => Duration::from_secs(DEFAULT_REQUEST_TIMEOUT_SECS),
            Some(seconds) => Duration::try_from_secs_f64(seconds)
                .ok()
                .filter(|d| !d.is_zero())
                .ok_or_else(|| {
                    Error::usage("--request-timeout must be a positive number of seconds")
                })?,
        };
        let token = match &args.token_file {
            None => None,
            Some(path) => Some(read_token(path)?),
        };
        let serve = Serve {
            listen: args.listen,
            engine: args.engine.into(),
            jobs,
            audit_log: args.audit_log,
            token,
            max_body_bytes: args.max_body_bytes.unwrap_or(DEFAULT_MAX_BODY_BYTES),
            max_stream_bytes: args.max_stream_bytes.unwrap_or(DEFAULT_MAX_STREAM_BYTES),
            request_timeout,
            packs: args.packs,
            max_export_age: args.max_export_age,
            limits: args.limits,
        };
        let policies = serve.policies()?;
        Ok((serve, policies))
    }

    /// The policies, `closeout.toml` and the evaluation context, resolved as
    /// `check` resolves them; the time is each request's.
    pub fn policies(&self) -> Result<Policies, Error> {
        Policies::resolve(
            &self.packs,
            &[],
            None,
            self.max_export_age,
            Some(&self.limits),
        )
    }
}

/// The bearer token: the file's text without its line ending; never empty.
fn read_token(path: &Path) -> Result<String, Error> {
    let text = std::fs::read_to_string(path)
        .map_err(|err| Error::usage(format!("--token-file {}: {err}", path.display())))?;
    let token = text.trim_end_matches(['\n', '\r']);
    if token.trim().is_empty() {
        return Err(Error::usage(format!(
            "--token-file {}: the file holds no token",
            path.display()
        )));
    }
    if token.chars().any(|c| c.is_control() || c == ' ') {
        return Err(Error::usage(format!(
            "--token-file {}: a token is one line of visible characters, without spaces",
            path.display()
        )));
    }
    Ok(token.to_owned())
}

impl Test {
    pub fn resolve(args: &TestArgs) -> Result<Test, Error> {
        Ok(Test {
            policies: Policies::resolve(&args.packs, &args.dirs, None, None, Some(&args.limits))?,
        })
    }
}

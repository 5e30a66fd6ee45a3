//! The `closeout` binary: parses flags, builds the ready-to-use objects, and maps
//! the outcome of a run to the exit code contract (0 eligible, 1 blocked, 2 error).

// The global allocator is regorus's mimalloc build (its `allocator-memory-limits`
// feature installs it): it counts allocations, which the evaluation memory
// limit reads.

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

// issue 14: `closeout merge`.
#[path = "cli/cmd/merge.rs"]
mod merge_cmd;

use closeout::audit::{AuditLog, AuditRecord, AuditRun};
use closeout::check::RunOptions;
use closeout::config::Config;
use closeout::render::escape::visible;
use closeout::render::human::HumanReporter;
use closeout::render::output::{check_written, FileId, OutputFile, ReadFile, Written};
use closeout::render::{self, Format, Style, Tee};
use closeout::snapshot::{find_inputs, Limits};
use closeout::waiver::Waivers;
use closeout::{
    exit_code, Checker, Context, EngineKind, Evaluator, FailOn, PolicySet, PolicySource, Reporter,
    SnapshotResult, Summary,
};

/// Whether standard output was closed when the process started (`>&-`).
/// Rust's runtime reopens a closed descriptor 1 on `/dev/null` before `main`,
/// where every write then succeeds and the report is lost: so it is looked at
/// before, from the ELF initialisers, which run ahead of the runtime.
static STDOUT_CLOSED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

#[cfg(target_os = "linux")]
#[used]
#[unsafe(link_section = ".init_array")]
static PROBE_STDOUT: extern "C" fn() = {
    extern "C" fn probe() {
        use std::os::fd::AsFd;
        // Duplicating a closed descriptor fails (EBADF); nothing is written.
        let closed = io::stdout().as_fd().try_clone_to_owned().is_err();
        STDOUT_CLOSED.store(closed, std::sync::atomic::Ordering::Relaxed);
    }
    probe
};

fn stdout_closed() -> bool {
    STDOUT_CLOSED.load(std::sync::atomic::Ordering::Relaxed)
}

/// Decides whether customer accounts may be closed, from JSON snapshots and Rego policies.
#[derive(Debug, Parser)]
#[command(name = "closeout", version, about, max_term_width = 100)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Check account snapshots (files or directories of *.json) against the policies.
    ///
    /// Exit codes: 0 every snapshot eligible; 1 at least one blocked (or warned,
    /// with --fail-on warn); 2 any error (bad input, bad policy, bad usage).
    Check(CheckArgs),

    /// Run the Rego unit tests of the packs and report condition coverage.
    ///
    /// Runs every `test_*` rule of every `*_test.rego` file, checks every fixture
    /// (DIR/fixtures/, and fixtures/ for the bundled packs) against its
    /// manifest.toml, and reports for each condition a fixture that trips it and
    /// one that clears it. Exit 0 all pass, 1 a failure or coverage below the
    /// threshold, 2 an error.
    Test(TestArgs),

    /// List the conditions of the loaded packs, from their annotations.
    Conditions(ConditionsArgs),

    /// Everything about one condition: what trips it, its remediation, its
    /// order, its source and its rule.
    Explain(ExplainArgs),

    /// Only the ordered fix plan of one snapshot, as numbered steps.
    Plan(PlanArgs),

    /// Create a new policy pack: an annotated example condition, its tests and
    /// a fixture pair, which pass `closeout test DIR/NAME` as written.
    InitPack(InitPackArgs),

    /// Merge the JSON Lines outputs of several runs (the shards of one
    /// `--shard K/N` run, or whole runs) into any format, as one run.
    ///
    /// Exit codes as for check: 0, 1 or 2 from the merged results; 2 when the
    /// inputs cannot be merged (a bad line, a missing shard, a conflict).
    Merge(merge_cmd::MergeArgs),
}

/// Which policy packs to load.
#[derive(Debug, clap::Args)]
struct PackArgs {
    /// Also load the policy pack(s) in DIR (repeatable).
    #[arg(long = "policy", value_name = "DIR")]
    policies: Vec<PathBuf>,

    /// Do not load the bundled policies (use only --policy packs).
    #[arg(long)]
    no_bundled: bool,
}

impl PackArgs {
    fn sources(&self, extra: &[PathBuf]) -> Result<Vec<PolicySource>, String> {
        let mut sources = Vec::new();
        if !self.no_bundled {
            sources.push(PolicySource::Bundled);
        }
        sources.extend(
            self.policies
                .iter()
                .chain(extra)
                .cloned()
                .map(PolicySource::Dir),
        );
        if sources.is_empty() {
            return Err("--no-bundled leaves no policies: name a pack with --policy DIR".into());
        }
        Ok(sources)
    }

    fn load(&self, extra: &[PathBuf]) -> Result<PolicySet, ExitCode> {
        let sources = self.sources(extra).map_err(|m| fail(&m))?;
        PolicySet::load(&sources).map_err(|error| {
            eprint!("{}", render::human::policy_error(&error, plain_style()));
            ExitCode::from(2)
        })
    }
}

/// Bounds on evaluating one rule for one snapshot; only a runaway policy reaches them.
#[derive(Debug, clap::Args)]
struct LimitArgs {
    /// VM instructions a rule may run per value of the snapshot, on top of a
    /// base of 1,000,000 [default: 2000].
    #[arg(long, value_name = "N")]
    max_instructions_per_value: Option<u64>,

    /// Seconds a rule may run on one snapshot, with either engine [default: 30].
    #[arg(long, value_name = "SECONDS")]
    eval_timeout: Option<f64>,

    /// MiB of memory closeout may hold while a rule runs [default: 4096].
    #[arg(long, value_name = "MIB")]
    eval_memory: Option<u64>,
}

impl LimitArgs {
    fn apply(&self, context: &mut Context) -> Result<(), ExitCode> {
        if let Some(n) = self.max_instructions_per_value {
            context.limits.instructions_per_value = n;
        }
        if let Some(seconds) = self.eval_timeout {
            context.limits.timeout = std::time::Duration::try_from_secs_f64(seconds)
                .ok()
                .filter(|d| !d.is_zero())
                .ok_or_else(|| fail("--eval-timeout must be a positive number of seconds"))?;
        }
        if let Some(mib) = self.eval_memory {
            if mib == 0 {
                return Err(fail("--eval-memory must be at least 1 MiB"));
            }
            context.limits.memory_bytes = mib.saturating_mul(1 << 20);
        }
        Ok(())
    }
}

#[derive(Debug, clap::Args)]
struct TestArgs {
    /// Policy pack directories to test besides the bundled ones.
    #[arg(value_name = "POLICY_DIR")]
    dirs: Vec<PathBuf>,

    #[command(flatten)]
    packs: PackArgs,

    /// Only the tests whose name matches REGEX.
    #[arg(long, value_name = "REGEX")]
    run: Option<String>,

    /// Also list, for every condition, the fixtures that trip and clear it.
    #[arg(short, long)]
    verbose: bool,

    /// Fail when fewer than PERCENT of the conditions are both tripped and cleared by a fixture.
    #[arg(long, value_name = "PERCENT")]
    coverage_threshold: Option<f64>,

    /// Extra fixture directories (each with a manifest.toml).
    #[arg(long, value_name = "DIR")]
    fixtures: Vec<PathBuf>,

    #[command(flatten)]
    limits: LimitArgs,
}

#[derive(Debug, clap::Args)]
struct ConditionsArgs {
    #[command(flatten)]
    packs: PackArgs,

    /// Only this provider's conditions (`common` for the common ones).
    #[arg(long, value_name = "PROVIDER")]
    provider: Option<String>,

    /// Output format.
    #[arg(short, long, value_enum, default_value_t = CatalogueFormat::Table)]
    format: CatalogueFormat,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum CatalogueFormat {
    Table,
    Json,
    Markdown,
}

#[derive(Debug, clap::Args)]
struct ExplainArgs {
    /// A condition id, e.g. TCC-003.
    id: String,

    #[command(flatten)]
    packs: PackArgs,
}

#[derive(Debug, clap::Args)]
struct PlanArgs {
    /// One snapshot file.
    snapshot: PathBuf,

    #[command(flatten)]
    packs: PackArgs,

    /// Evaluation time (RFC 3339) [default: the clock].
    #[arg(long, value_name = "TIME")]
    now: Option<String>,

    /// GEN-001: the oldest a snapshot's export may be, in days.
    #[arg(long, value_name = "DAYS", default_value_t = 7)]
    max_export_age: u32,

    #[command(flatten)]
    limits: LimitArgs,

    /// The largest snapshot file read, in bytes (or with KiB, MiB, GiB).
    #[arg(long, value_name = "N", default_value = "128MiB", value_parser = closeout::snapshot::parse_size)]
    max_snapshot_bytes: u64,
}

#[derive(Debug, clap::Args)]
struct InitPackArgs {
    /// The provider name: lowercase letters, digits and `_` (package closeout.NAME).
    name: String,

    /// Where to create the pack (it goes in DIR/NAME).
    #[arg(long, value_name = "DIR", default_value = "policies")]
    dir: PathBuf,
}

#[derive(Debug, clap::Args)]
struct CheckArgs {
    /// Snapshot files, or directories walked for *.json in sorted order.
    #[arg(required = true, value_name = "PATH")]
    paths: Vec<PathBuf>,

    /// Output format: human, json, jsonl, sarif, junit, github, csv, markdown.
    /// Repeat it with --output to write several formats in one run.
    #[arg(short, long, value_name = "FORMAT", default_value = "human", value_parser = parse_format)]
    format: Vec<Format>,

    /// Write the output to FILE instead of standard output. With several
    /// --format, give one --output per format, in the same order.
    #[arg(short, long, value_name = "FILE")]
    output: Vec<PathBuf>,

    /// Evaluation time (RFC 3339), for reproducible verdicts [default: the clock].
    #[arg(long, value_name = "TIME")]
    now: Option<String>,

    /// Which findings fail the run (exit code 1) [default: block, or closeout.toml's].
    #[arg(long, value_enum)]
    fail_on: Option<FailOnArg>,

    /// GEN-001: the oldest a snapshot's export may be, in days [default: 7, or closeout.toml's].
    #[arg(long, value_name = "DAYS")]
    max_export_age: Option<u32>,

    /// The configuration file (waivers, defaults) [default: ./closeout.toml when it exists].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,

    /// Append one JSON line per snapshot to FILE: digest, verdict, finding ids,
    /// waivers applied, policy digest, version and evaluation time.
    #[arg(long, value_name = "FILE")]
    audit_log: Option<PathBuf>,

    #[command(flatten)]
    packs: PackArgs,

    /// Colour in human output.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    color: ColorArg,

    /// Worker threads [default: the available cores]. Output is identical at any count.
    #[arg(short, long, value_name = "N")]
    jobs: Option<usize>,

    /// Human output: one line per snapshot (verdict and condition ids), no diagnostics.
    #[arg(short, long)]
    quiet: bool,

    /// No progress bar on standard error (it shows only on a terminal anyway).
    #[arg(long)]
    no_progress: bool,

    /// The policy evaluator: regorus's bytecode VM, or its tree-walking
    /// interpreter (slower; the reference `closeout test` checks the VM against).
    #[arg(long, value_enum, default_value_t = EngineArg::Vm)]
    engine: EngineArg,

    #[command(flatten)]
    limits: LimitArgs,

    /// The largest snapshot file read, in bytes (or with KiB, MiB, GiB); a
    /// bigger one is an error result.
    #[arg(long, value_name = "N", default_value = "128MiB", value_parser = closeout::snapshot::parse_size)]
    max_snapshot_bytes: u64,

    /// The longest JSON Lines line read, in bytes (or with KiB, MiB, GiB); a
    /// longer one is an error result.
    #[arg(long, value_name = "N", default_value = "128MiB", value_parser = closeout::snapshot::parse_size)]
    max_line_bytes: u64,

    /// Check only shard K of N (1 <= K <= N): the snapshots whose
    /// snapshot_id hashes there (docs/scale-out.md); merge with `closeout merge`.
    #[arg(long, value_name = "K/N", value_parser = closeout::run::shard::parse)]
    shard: Option<closeout::report::Shard>,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum EngineArg {
    Vm,
    Interpreter,
}

impl From<EngineArg> for EngineKind {
    fn from(arg: EngineArg) -> Self {
        match arg {
            EngineArg::Vm => EngineKind::Vm,
            EngineArg::Interpreter => EngineKind::Interpreter,
        }
    }
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum FailOnArg {
    Block,
    Warn,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
enum ColorArg {
    Auto,
    Always,
    Never,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // `check` may write only to files; every other command needs stdout.
    if stdout_closed() && !matches!(cli.command, Command::Check(_)) {
        return fail(STDOUT_CLOSED_MESSAGE);
    }
    match cli.command {
        Command::Check(args) => check(args),
        Command::Test(args) => test(args),
        Command::Conditions(args) => conditions(args),
        Command::Explain(args) => explain(args),
        Command::Plan(args) => plan(args),
        Command::InitPack(args) => init_pack(args),
        Command::Merge(args) => merge_cmd::merge(args),
    }
}

fn check(args: CheckArgs) -> ExitCode {
    let config = match &args.config {
        Some(path) => Config::load(path).map(Some),
        None => Config::discover(Path::new(".")),
    };
    let config = match config {
        Ok(config) => config,
        Err(error) => {
            eprint!("{}", render::human::diagnostic(&error, plain_style()));
            return ExitCode::from(2);
        }
    };
    let defaults = config
        .as_ref()
        .map(|c| c.defaults.clone())
        .unwrap_or_default();
    let max_age = args
        .max_export_age
        .or(defaults.max_export_age_days)
        .unwrap_or(7);
    let Ok(mut context) = context(args.now.as_deref(), max_age) else {
        return ExitCode::from(2);
    };
    if let Err(code) = args.limits.apply(&mut context) {
        return code;
    }
    context.config = defaults.data.clone();
    let fail_on = match (args.fail_on, defaults.fail_on) {
        (Some(FailOnArg::Warn), _) => FailOn::Warn,
        (Some(FailOnArg::Block), _) => FailOn::Block,
        (None, from_config) => from_config.unwrap_or_default(),
    };
    let mut sources = match args.packs.sources(&[]) {
        Ok(sources) => sources,
        Err(message) => return fail(&message),
    };
    sources.extend(defaults.policy_sources());
    let color = match args.color {
        ColorArg::Always => true,
        ColorArg::Never => false,
        ColorArg::Auto => io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none(),
    };
    let width = std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.parse().ok())
        .unwrap_or(100);
    let style = Style { color, width };
    // --format X --output F pairs; a single format may go to standard output.
    let targets: Vec<(Format, Option<PathBuf>)> = if args.output.is_empty()
        && args.format.len() == 1
    {
        vec![(args.format[0], None)]
    } else if args.format.len() == args.output.len() {
        args.format
            .iter()
            .copied()
            .zip(args.output.iter().cloned().map(Some))
            .collect()
    } else {
        return fail(&format!(
            "{} --format and {} --output: give one --output per --format (or one --format and no --output)",
            args.format.len(),
            args.output.len()
        ));
    };
    let engine = EngineKind::from(args.engine);
    let evaluator = match PolicySet::load(&sources)
        .and_then(|policies| Evaluator::with_engine(policies, &context, engine))
    {
        Ok(evaluator) => evaluator,
        Err(error) => {
            let text = render::human::policy_error(&error, style);
            eprint!("{text}");
            return ExitCode::from(2);
        }
    };
    let on_stdout = targets.iter().any(|(_, path)| path.is_none());
    if on_stdout && stdout_closed() {
        return fail(STDOUT_CLOSED_MESSAGE);
    }
    let found = find_inputs(&args.paths);
    for skipped in &found.skipped {
        // Debug quoting: a control character in a file name is shown escaped.
        eprintln!("note: skipped {:?}: {}", skipped.path, skipped.reason);
    }
    let inputs = found.inputs;
    // Before any input is read or any output opened: no output may be an
    // input, and no two outputs one file.
    let read = read_files(&inputs, config.as_ref(), evaluator.policies());
    if let Err(message) = check_written(&written_files(&args, on_stdout), &read) {
        return fail(&message);
    }
    let catalogue = evaluator.policies().catalogue.clone();
    let run = AuditRun {
        policy_digest: closeout::audit::policy_set_digest(evaluator.policies()),
        config_sha256: config
            .as_ref()
            .map(|c| closeout::audit::sha256_hex(c.text.as_bytes())),
        engine: evaluator.engine().as_str().to_owned(),
        evaluated_at: context.now.clone(),
    };
    let mut reporters: Vec<Box<dyn Reporter>> = Vec::new();
    // Each --output is staged beside its file and put in place when the report is whole.
    let mut staged: Vec<(PathBuf, OutputFile)> = Vec::new();
    for (format, path) in targets.iter().cloned() {
        let out: Box<dyn Write> = match &path {
            None => Box::new(io::BufWriter::new(io::stdout().lock())),
            Some(path) => match OutputFile::create(path).and_then(|o| Ok((o.writer()?, o))) {
                Ok((file, output)) => {
                    staged.push((path.clone(), output));
                    Box::new(io::BufWriter::new(file))
                }
                Err(err) => return fail(&format!("--output {}: {err}", path.display())),
            },
        };
        reporters.push(match format {
            Format::Human => Box::new(HumanReporter::new(out, style).quiet(args.quiet)),
            Format::Jsonl => Box::new(
                render::jsonl::JsonlReporter::new(out)
                    .with_run(closeout::run::merge::RunInfo::new(&run)),
            ),
            _ => render::reporter_with(format, style, &catalogue, out),
        });
    }
    if let Some(path) = &args.audit_log {
        let log = match AuditLog::open_append(path) {
            Ok(log) => log,
            Err(err) => return fail(&format!("--audit-log {}: {err}", path.display())),
        };
        reporters.push(Box::new(Audit { log, run }));
    }
    let human_on_stdout = targets
        .iter()
        .any(|(f, p)| *f == Format::Human && p.is_none());
    // Machine formats keep stdout parseable; a one-line note per error goes to stderr.
    let mut reporter = ErrorNotes {
        inner: Box::new(Tee::new(reporters)),
        enabled: !human_on_stdout,
    };
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from));
    if jobs == 0 {
        return fail("--jobs must be at least 1");
    }
    let options = RunOptions {
        jobs,
        keep_text: targets.iter().any(|(f, _)| *f == Format::Human) && !args.quiet,
    };
    let bar = (!args.no_progress && io::stderr().is_terminal()).then(progress_bar);
    let mut progress = |_: &SnapshotResult| {
        if let Some(bar) = &bar {
            bar.inc(1);
        }
    };
    let mut checker = Checker::new(evaluator)
        .with_shard(args.shard)
        .with_digests(args.audit_log.is_some())
        .with_limits(Limits {
            max_snapshot_bytes: args.max_snapshot_bytes,
            max_line_bytes: args.max_line_bytes,
        });
    if let Some(config) = &config {
        let issues = config.check_ids(|id| catalogue.get(id).is_some());
        if let Some(issue) = issues.first() {
            let error = config.issue_error(issue);
            eprint!("{}", render::human::diagnostic(&error, plain_style()));
            return ExitCode::from(2);
        }
        let today = match closeout::waiver::waiver_day(&context.now) {
            Ok(today) => today,
            Err(message) => return fail(&message),
        };
        checker = checker.with_waivers(Waivers::new(&config.waivers), today);
    }
    let outcome = checker.run(&inputs, options, &mut reporter, &mut progress);
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    // Every writer is flushed and closed before a file is put in place.
    drop(reporter);
    match outcome {
        Ok(summary) => {
            for (path, output) in staged {
                if let Err(err) = output.commit() {
                    return fail(&format!("--output {}: {err}", path.display()));
                }
            }
            for stale in &summary.waivers.stale {
                note(&format!("warning: {}", visible(&stale.message())));
            }
            ExitCode::from(exit_code(&summary, fail_on))
        }
        // The reader stopped (`| head`): not every result was delivered, so
        // never 0; quietly, as ripgrep does. Staged outputs are dropped.
        Err(error) if render::io_kind(&error) == Some(io::ErrorKind::BrokenPipe) => {
            ExitCode::from(2)
        }
        Err(error) => fail(&format!("the run stopped: {error}")),
    }
}

const STDOUT_CLOSED_MESSAGE: &str =
    "standard output is closed: nothing could be written; redirect it, or give --output FILE";

/// Every file the run reads: snapshot files (given or found in a directory),
/// standard input, the configuration and the policy files.
fn read_files(
    inputs: &[closeout::Input],
    config: Option<&Config>,
    policies: &PolicySet,
) -> Vec<ReadFile> {
    let file = |path: &Path| {
        FileId::of(path).map(|id| ReadFile {
            name: path.display().to_string(),
            id,
        })
    };
    let mut read: Vec<ReadFile> = inputs
        .iter()
        .filter_map(|input| match input {
            closeout::Input::File(path) | closeout::Input::Lines(path) => file(path),
            closeout::Input::Stdin => stdin_file(),
            _ => None,
        })
        .collect();
    read.extend(config.and_then(|c| file(&c.path)));
    read.extend(
        policies
            .modules
            .iter()
            .chain(&policies.tests)
            .filter_map(|p| file(Path::new(&p.path))),
    );
    read
}

#[cfg(unix)]
fn stdin_file() -> Option<ReadFile> {
    use std::os::fd::AsFd;
    FileId::of_stream(io::stdin().as_fd()).map(|id| ReadFile {
        name: "standard input".into(),
        id,
    })
}

#[cfg(not(unix))]
fn stdin_file() -> Option<ReadFile> {
    None
}

/// Every file the run writes: the --output files, the audit log, and standard
/// output when it is redirected to a file.
fn written_files(args: &CheckArgs, on_stdout: bool) -> Vec<Written> {
    let mut written: Vec<Written> = args
        .output
        .iter()
        .map(|path| Written::path("--output", path))
        .collect();
    written.extend(
        args.audit_log
            .iter()
            .map(|p| Written::path("--audit-log", p)),
    );
    if on_stdout {
        written.extend(stdout_file().map(|id| Written::stream("standard output", id)));
    }
    written
}

#[cfg(unix)]
fn stdout_file() -> Option<FileId> {
    use std::os::fd::AsFd;
    FileId::of_stream(io::stdout().as_fd())
}

#[cfg(not(unix))]
fn stdout_file() -> Option<FileId> {
    None
}

/// A spinner with a count and a rate: JSON Lines streams have no known length.
fn progress_bar() -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_draw_target(indicatif::ProgressDrawTarget::stderr_with_hz(4));
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{spinner} {human_pos} snapshots checked ({per_sec}, {elapsed})",
    ) {
        bar.set_style(style);
    }
    bar
}

fn plain_style() -> Style {
    Style {
        color: false,
        width: 100,
    }
}

fn context(now: Option<&str>, max_export_age: u32) -> Result<Context, ExitCode> {
    match now {
        Some(now) => Context::at(now, max_export_age).map_err(|m| fail(&format!("--now: {m}"))),
        None => Ok(Context::now(max_export_age)),
    }
}

fn test(args: TestArgs) -> ExitCode {
    let policies = match args.packs.load(&args.dirs) {
        Ok(policies) => policies,
        Err(code) => return code,
    };
    let filter = match args.run.as_deref().map(regex::Regex::new).transpose() {
        Ok(filter) => filter,
        Err(err) => return fail(&format!("--run: {err}")),
    };
    let Ok(clock) = context(None, 7) else {
        return ExitCode::from(2);
    };
    let outcomes = match closeout::regotest::run_tests(&policies, &clock) {
        Ok(outcomes) => outcomes,
        Err(error) => {
            eprint!("{}", render::human::policy_error(&error, plain_style()));
            return ExitCode::from(2);
        }
    };
    let mut out = String::new();
    let (mut passed, mut failed) = (0, 0);
    for outcome in outcomes
        .iter()
        .filter(|o| filter.as_ref().is_none_or(|f| f.is_match(&o.name)))
    {
        if outcome.passed {
            passed += 1;
        } else {
            failed += 1;
        }
        let mark = if outcome.passed { "PASS" } else { "FAIL" };
        out.push_str(&format!(
            "{mark} {} ({:.2} ms)\n",
            outcome.name,
            outcome.duration.as_secs_f64() * 1000.0
        ));
        if let (false, Some(detail)) = (outcome.passed, &outcome.detail) {
            out.push_str(&format!("     {} in {}\n", detail, outcome.file));
        }
    }
    out.push_str(&format!("Rego tests: {passed} passed, {failed} failed\n"));
    if passed + failed == 0 {
        print!("{out}");
        return fail("no Rego test ran: a pack needs *_test.rego files with test_* rules");
    }

    // Fixtures: each pack directory's fixtures/, the repository's for bundled packs.
    let mut dirs: Vec<PathBuf> = args.fixtures.clone();
    for dir in args.packs.policies.iter().chain(&args.dirs) {
        if dir.join("fixtures").is_dir() {
            dirs.push(dir.join("fixtures"));
        }
    }
    if !args.packs.no_bundled && Path::new("fixtures").is_dir() {
        dirs.push(PathBuf::from("fixtures"));
    }
    let fixtures = match closeout::coverage::find_fixtures(&dirs) {
        Ok(fixtures) => fixtures,
        Err(message) => return fail(&message),
    };
    let mut outcomes_by_fixture = Vec::new();
    let mut times: Vec<Option<String>> = fixtures.iter().map(|f| f.now.clone()).collect();
    times.sort();
    times.dedup();
    for now in times {
        let Ok(mut context) = context(now.as_deref(), 7) else {
            return ExitCode::from(2);
        };
        if let Err(code) = args.limits.apply(&mut context) {
            return code;
        }
        // Every fixture runs through both engines: they must agree.
        let mut engines = Vec::new();
        for kind in [EngineKind::Vm, EngineKind::Interpreter] {
            match Evaluator::with_engine(policies.clone(), &context, kind) {
                Ok(evaluator) => engines.push(Checker::new(evaluator)),
                Err(error) => {
                    eprint!("{}", render::human::policy_error(&error, plain_style()));
                    return ExitCode::from(2);
                }
            }
        }
        let (vm, interpreter) = engines.split_at_mut(1);
        let group: Vec<&closeout::coverage::Fixture> =
            fixtures.iter().filter(|f| f.now == now).collect();
        outcomes_by_fixture.extend(closeout::coverage::check_fixtures(
            &mut vm[0],
            Some(&mut interpreter[0]),
            &group,
        ));
    }
    let mut fixture_failures = 0;
    for outcome in &outcomes_by_fixture {
        if let Some(problem) = &outcome.problem {
            fixture_failures += 1;
            out.push_str(&format!(
                "FAIL fixture {}: {problem}\n",
                outcome.path.display()
            ));
        }
    }
    out.push_str(&format!(
        "Fixtures: {} passed, {fixture_failures} failed\n",
        outcomes_by_fixture.len() - fixture_failures
    ));
    let texts: Vec<&str> = policies.tests.iter().map(|t| &*t.text).collect();
    let mut coverage =
        closeout::coverage::coverage(&policies.catalogue, &outcomes_by_fixture, &texts);
    // Named packs are what is being tested: their conditions make the coverage.
    if !args.dirs.is_empty() {
        let in_named = |file: &str| args.dirs.iter().any(|d| Path::new(file).starts_with(d));
        coverage.retain(|c| {
            policies
                .catalogue
                .get(&c.id)
                .is_some_and(|cond| in_named(&cond.file))
        });
    }
    let covered = coverage.iter().filter(|c| c.covered()).count();
    out.push_str(
        "Condition coverage (a fixture trips it / a fixture clears it / Rego tests naming it):\n",
    );
    for c in &coverage {
        if args.verbose || !c.covered() {
            let first = |paths: &[PathBuf]| {
                paths
                    .first()
                    .map_or("none".to_string(), |p| p.display().to_string())
            };
            out.push_str(&format!(
                "  {:<8} trips: {}  clears: {}  tests: {}\n",
                c.id,
                first(&c.tripped_by),
                first(&c.cleared_by),
                c.tests
            ));
        }
    }
    let percent = if coverage.is_empty() {
        0.0
    } else {
        100.0 * covered as f64 / coverage.len() as f64
    };
    out.push_str(&format!(
        "Coverage: {covered} of {} conditions tripped and cleared by a fixture ({percent:.1}%)\n",
        coverage.len()
    ));
    let below = args.coverage_threshold.is_some_and(|t| percent < t);
    if below {
        out.push_str(&format!(
            "coverage {percent:.1}% is below the threshold {:.1}%\n",
            args.coverage_threshold.unwrap_or_default()
        ));
    }
    print!("{out}");
    if failed > 0 || fixture_failures > 0 || below {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    }
}

fn conditions(args: ConditionsArgs) -> ExitCode {
    let policies = match args.packs.load(&[]) {
        Ok(policies) => policies,
        Err(code) => return code,
    };
    let selected = render::conditions::select(&policies.catalogue, args.provider.as_deref());
    if selected.is_empty() {
        let providers = policies.providers().join(", ");
        return fail(&format!(
            "no condition for provider {:?} (packs loaded for: {providers}, and common)",
            args.provider.unwrap_or_default()
        ));
    }
    let text = match args.format {
        CatalogueFormat::Table => render::conditions::table(&selected),
        CatalogueFormat::Json => render::conditions::json(&policies.catalogue, &selected),
        CatalogueFormat::Markdown => render::conditions::markdown(&selected),
    };
    print!("{text}");
    ExitCode::SUCCESS
}

fn explain(args: ExplainArgs) -> ExitCode {
    let policies = match args.packs.load(&[]) {
        Ok(policies) => policies,
        Err(code) => return code,
    };
    match render::conditions::explain(&policies.catalogue, &args.id) {
        Some(text) => {
            print!("{text}");
            ExitCode::SUCCESS
        }
        None => fail(&format!(
            "no loaded pack declares condition {}: see `closeout conditions`",
            args.id
        )),
    }
}

fn plan(args: PlanArgs) -> ExitCode {
    let policies = match args.packs.load(&[]) {
        Ok(policies) => policies,
        Err(code) => return code,
    };
    let Ok(mut context) = context(args.now.as_deref(), args.max_export_age) else {
        return ExitCode::from(2);
    };
    if let Err(code) = args.limits.apply(&mut context) {
        return code;
    }
    let evaluator = match Evaluator::new(policies, &context) {
        Ok(evaluator) => evaluator,
        Err(error) => {
            eprint!("{}", render::human::policy_error(&error, plain_style()));
            return ExitCode::from(2);
        }
    };
    let limits = Limits {
        max_snapshot_bytes: args.max_snapshot_bytes,
        ..Limits::default()
    };
    let (result, _) = Checker::new(evaluator)
        .with_limits(limits)
        .check_file(&args.snapshot);
    if let Some(error) = &result.error {
        return fail(&format!(
            "{}: {}",
            visible(&result.error_location()),
            visible(&error.message)
        ));
    }
    print!("{}", render::conditions::plan(&result));
    match result.verdict {
        closeout::Verdict::Blocked => ExitCode::from(1),
        _ => ExitCode::SUCCESS,
    }
}

fn init_pack(args: InitPackArgs) -> ExitCode {
    let dir = args.dir.join(&args.name);
    let today = chrono::Utc::now().format("%Y-%m-%d").to_string();
    match closeout::scaffold::write_pack(&dir, &args.name, &today) {
        Ok(files) => {
            for file in files {
                println!("created {}", file.display());
            }
            println!(
                "\nNext: edit {0}/{1}.rego, then run `closeout test {0}` (or `closeout check --policy {0} SNAPSHOT`).",
                dir.display(),
                args.name
            );
            ExitCode::SUCCESS
        }
        Err(message) => fail(&message),
    }
}

fn parse_format(name: &str) -> Result<Format, String> {
    name.parse()
}

fn fail(message: &str) -> ExitCode {
    note(&format!("error: {message}"));
    ExitCode::from(2)
}

/// One line on standard error. Unlike `eprintln!`, never panics: a closed
/// standard error loses the note, not the exit code.
fn note(line: &str) {
    let _ = writeln!(io::stderr(), "{line}");
}

/// Appends one audit record per snapshot.
struct Audit {
    log: AuditLog,
    run: AuditRun,
}

impl Reporter for Audit {
    fn report(&mut self, result: &SnapshotResult, _text: Option<&str>) -> io::Result<()> {
        let notes = result
            .findings
            .iter()
            .filter_map(|f| f.waiver.as_ref().map(|w| (f.id.as_str(), w)));
        let record = AuditRecord::new(result, result.snapshot_sha256.clone(), notes, &self.run);
        self.log.write(&record)
    }

    fn finish(&mut self, _summary: &Summary) -> io::Result<()> {
        Ok(())
    }
}

/// Passes results through and notes each input error on standard error.
struct ErrorNotes<'w> {
    inner: Box<dyn Reporter + 'w>,
    enabled: bool,
}

impl Reporter for ErrorNotes<'_> {
    fn report(&mut self, result: &SnapshotResult, text: Option<&str>) -> io::Result<()> {
        if let (true, Some(error)) = (self.enabled, &result.error) {
            let _ = writeln!(
                io::stderr(),
                "error: {}: {}",
                visible(&result.error_location()),
                visible(&error.message)
            );
        }
        self.inner.report(result, text)
    }

    fn finish(&mut self, summary: &Summary) -> io::Result<()> {
        self.inner.finish(summary)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

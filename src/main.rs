//! The `closeout` binary: parses flags, builds the ready-to-use objects, and maps
//! the outcome of a run to the exit code contract (0 eligible, 1 blocked, 2 error).

use std::io::{self, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use closeout::check::RunOptions;
use closeout::render::human::HumanReporter;
use closeout::render::{self, Format, Style, Tee};
use closeout::{
    collect_inputs, exit_code, Checker, Context, Evaluator, FailOn, PolicySet, PolicySource,
    Reporter, SnapshotResult, Summary,
};

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

    /// Which findings fail the run (exit code 1).
    #[arg(long, value_enum, default_value_t = FailOnArg::Block)]
    fail_on: FailOnArg,

    /// GEN-001: the oldest a snapshot's export may be, in days.
    #[arg(long, value_name = "DAYS", default_value_t = 7)]
    max_export_age: u32,

    /// Also load the policy pack(s) in DIR (repeatable).
    #[arg(long = "policy", value_name = "DIR")]
    policies: Vec<PathBuf>,

    /// Do not load the bundled policies (use only --policy packs).
    #[arg(long)]
    no_bundled: bool,

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
    match cli.command {
        Command::Check(args) => check(args),
    }
}

fn check(args: CheckArgs) -> ExitCode {
    let context = match &args.now {
        Some(now) => Context::at(now, args.max_export_age),
        None => Ok(Context::now(args.max_export_age)),
    };
    let context = match context {
        Ok(context) => context,
        Err(message) => return fail(&format!("--now: {message}")),
    };
    let mut sources = Vec::new();
    if !args.no_bundled {
        sources.push(PolicySource::Bundled);
    }
    sources.extend(args.policies.iter().cloned().map(PolicySource::Dir));
    if sources.is_empty() {
        return fail("--no-bundled leaves no policies: name a pack with --policy DIR");
    }
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
    let evaluator =
        match PolicySet::load(&sources).and_then(|policies| Evaluator::new(policies, &context)) {
            Ok(evaluator) => evaluator,
            Err(error) => {
                let text = render::human::policy_error(&error, style);
                eprint!("{text}");
                return ExitCode::from(2);
            }
        };
    let inputs = collect_inputs(&args.paths);
    let catalogue = evaluator.policies().catalogue.clone();
    let mut reporters: Vec<Box<dyn Reporter>> = Vec::new();
    for (format, path) in targets.iter().cloned() {
        let out: Box<dyn Write> = match &path {
            None => Box::new(io::BufWriter::new(io::stdout().lock())),
            Some(path) => match std::fs::File::create(path) {
                Ok(file) => Box::new(io::BufWriter::new(file)),
                Err(err) => return fail(&format!("--output {}: {err}", path.display())),
            },
        };
        reporters.push(match format {
            Format::Human => Box::new(HumanReporter::new(out, style).quiet(args.quiet)),
            _ => render::reporter_with(format, style, &catalogue, out),
        });
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
    let mut checker = Checker::new(evaluator);
    let outcome = checker.run(&inputs, options, &mut reporter, &mut progress);
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    match outcome {
        Ok(summary) => {
            let fail_on = match args.fail_on {
                FailOnArg::Block => FailOn::Block,
                FailOnArg::Warn => FailOn::Warn,
            };
            ExitCode::from(exit_code(&summary, fail_on))
        }
        Err(error) if error.kind() == io::ErrorKind::BrokenPipe => ExitCode::from(2),
        Err(error) => fail(&format!("cannot write the report: {error}")),
    }
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

fn parse_format(name: &str) -> Result<Format, String> {
    name.parse()
}

fn fail(message: &str) -> ExitCode {
    eprintln!("error: {message}");
    ExitCode::from(2)
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
                result.error_location(),
                error.message
            );
        }
        self.inner.report(result, text)
    }

    fn finish(&mut self, summary: &Summary) -> io::Result<()> {
        self.inner.finish(summary)
    }
}

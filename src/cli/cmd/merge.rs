//! `closeout merge FILE...`: glue only. Flags in; `run::merge` reads and
//! combines the outputs; each renderer writes them as one run would.

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use closeout::config::Config;
use closeout::render::escape::visible;
use closeout::render::human::HumanReporter;
use closeout::render::output::{check_written, FileId, OutputFile, ReadFile, Written};
use closeout::render::{self, Format, Style, Tee};
use closeout::run::merge::merge_files;
use closeout::{exit_code, FailOn, PolicySet, Reporter};

use crate::{fail, note, parse_format, plain_style, ColorArg, FailOnArg, PackArgs};

#[derive(Debug, clap::Args)]
pub struct MergeArgs {
    /// Outputs of `closeout check --format jsonl` (each may hold several runs, concatenated).
    #[arg(required = true, value_name = "FILE")]
    files: Vec<PathBuf>,

    /// Output format, as for check; repeat it with --output for several.
    #[arg(short, long, value_name = "FORMAT", default_value = "human", value_parser = parse_format)]
    format: Vec<Format>,

    /// Write the output to FILE instead of standard output (one per --format).
    #[arg(short, long, value_name = "FILE")]
    output: Vec<PathBuf>,

    /// Which findings fail the merged run (exit code 1) [default: block, or closeout.toml's].
    #[arg(long, value_enum)]
    fail_on: Option<FailOnArg>,

    /// The configuration file, for its extra policy packs and fail_on [default: ./closeout.toml].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,

    /// The policies the runs used: SARIF and JUnit describe their conditions,
    /// and their digest must be the runs' one.
    #[command(flatten)]
    packs: PackArgs,

    /// Colour in human output.
    #[arg(long, value_enum, default_value_t = ColorArg::Auto)]
    color: ColorArg,

    /// Human output: one line per snapshot and the summary.
    #[arg(short, long)]
    quiet: bool,
}

pub fn merge(args: MergeArgs) -> ExitCode {
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
    let policies = match PolicySet::load(&sources) {
        Ok(policies) => policies,
        Err(error) => {
            eprint!("{}", render::human::policy_error(&error, plain_style()));
            return ExitCode::from(2);
        }
    };
    let targets: Vec<(Format, Option<PathBuf>)> = if args.output.is_empty()
        && args.format.len() == 1
    {
        vec![(args.format[0], None)]
    } else if args.format.len() == args.output.len() {
        let paths = args.output.iter().cloned().map(Some);
        args.format.iter().copied().zip(paths).collect()
    } else {
        return fail(&format!(
                "{} --format and {} --output: give one --output per --format (or one --format and no --output)",
                args.format.len(),
                args.output.len()
            ));
    };
    // No output may be one of the inputs, nor two outputs one file.
    let read: Vec<ReadFile> = args
        .files
        .iter()
        .filter_map(|path| {
            FileId::of(path).map(|id| ReadFile {
                name: path.display().to_string(),
                id,
            })
        })
        .collect();
    let written: Vec<Written> = args
        .output
        .iter()
        .map(|path| Written::path("--output", path))
        .collect();
    if let Err(message) = check_written(&written, &read) {
        return fail(&message);
    }
    let paths: Vec<&Path> = args.files.iter().map(PathBuf::as_path).collect();
    let merged = match merge_files(&paths) {
        Ok(merged) => merged,
        Err(error) => return fail(&visible(&error.to_string())),
    };
    let digest = closeout::audit::policy_set_digest(&policies);
    if digest != merged.run.policy_digest {
        return fail(&format!(
            "the runs used policies with digest {}, but the policies loaded here have digest {digest}: give merge the runs' --policy and --no-bundled",
            merged.run.policy_digest
        ));
    }
    for line in &merged.notes {
        note(&format!("note: {}", visible(line)));
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
    let mut reporters: Vec<Box<dyn Reporter>> = Vec::new();
    let mut staged: Vec<(PathBuf, OutputFile)> = Vec::new();
    for (format, path) in targets {
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
            Format::Jsonl => {
                Box::new(render::jsonl::JsonlReporter::new(out).with_run(merged.run.clone()))
            }
            _ => render::reporter_with(format, style, &policies.catalogue, out),
        });
    }
    let mut tee = Tee::new(reporters);
    let written = merged
        .results
        .iter()
        .try_for_each(|result| tee.report(result, None))
        .and_then(|()| tee.finish(&merged.summary));
    drop(tee);
    match written {
        Ok(()) => {
            for (path, output) in staged {
                if let Err(err) = output.commit() {
                    return fail(&format!("--output {}: {err}", path.display()));
                }
            }
            ExitCode::from(exit_code(&merged.summary, fail_on))
        }
        Err(error) if render::io_kind(&error) == Some(io::ErrorKind::BrokenPipe) => {
            ExitCode::from(2)
        }
        Err(error) => fail(&format!("writing the merged report: {error}")),
    }
}

//! The outputs of a run, for `check` and `merge`: each `--format` with its
//! `--output` (or standard output), staged beside its file and put in place
//! only when the report is whole.

use std::io::{self, Write};
use std::path::{Path, PathBuf};

use closeout::render::html::{HtmlReporter, RunFacts};
use closeout::render::human::HumanReporter;
use closeout::render::jsonl::JsonlReporter;
use closeout::render::output::{check_written, FileId, OutputFile, ReadFile, Written};
use closeout::render::{self, Format};
use closeout::run::diff::Side;
use closeout::run::merge::RunInfo;
use closeout::{Catalogue, Reporter};

use crate::cli::settings::Outputs;
use crate::cli::Error;

/// The reporters of a run, and the files they write until they are whole.
pub struct Opened {
    pub reporters: Vec<Box<dyn Reporter>>,
    staged: Vec<(PathBuf, OutputFile)>,
}

/// Creates each output (a temporary file beside it) and its reporter.
pub fn open(
    outputs: &Outputs,
    catalogue: &Catalogue,
    facts: &RunFacts,
    run: &RunInfo,
    baseline: Option<&Side>,
) -> Result<Opened, Error> {
    let mut opened = Opened {
        reporters: Vec::new(),
        staged: Vec::new(),
    };
    for (format, path) in &outputs.targets {
        let out: Box<dyn Write> = match path {
            None => Box::new(io::BufWriter::new(io::stdout().lock())),
            Some(path) => {
                let (file, output) = OutputFile::create(path)
                    .and_then(|o| Ok((o.writer()?, o)))
                    .map_err(|err| Error::usage(format!("--output {}: {err}", path.display())))?;
                opened.staged.push((path.clone(), output));
                Box::new(io::BufWriter::new(file))
            }
        };
        let style = outputs.style;
        opened.reporters.push(match format {
            Format::Human => Box::new(HumanReporter::new(out, style).quiet(outputs.quiet)),
            Format::Html => {
                Box::new(HtmlReporter::new(out, facts.clone()).with_baseline(baseline.cloned()))
            }
            Format::Jsonl => Box::new(JsonlReporter::new(out).with_run(run.clone())),
            _ => render::reporter_with(*format, style, catalogue, out),
        });
    }
    Ok(opened)
}

impl Opened {
    /// Takes the reporters out; the staged files wait for [`Staged::commit`].
    pub fn split(self) -> (Vec<Box<dyn Reporter>>, Staged) {
        (self.reporters, Staged(self.staged))
    }
}

/// Output files written in full, not yet in place.
pub struct Staged(Vec<(PathBuf, OutputFile)>);

impl Staged {
    /// Puts every output in place. Call it after every writer is dropped.
    pub fn commit(self) -> Result<(), Error> {
        for (path, output) in self.0 {
            output
                .commit()
                .map_err(|err| Error::usage(format!("--output {}: {err}", path.display())))?;
        }
        Ok(())
    }
}

/// What an auditor needs to run it again, at the foot of the HTML report.
pub fn facts(run: &RunInfo) -> RunFacts {
    RunFacts {
        version: run.closeout_version.clone(),
        policy_digest: run.policy_digest.clone(),
        evaluated_at: run.evaluated_at.clone(),
        engine: run.engine.clone(),
        options: std::env::args_os()
            .skip(1)
            .map(|a| a.to_string_lossy().into_owned())
            .collect(),
        redacted: run.redacted,
    }
}

/// Refuses an `--output` that is one of `inputs`, or two outputs that are
/// one file, before anything is read or created.
pub fn refuse_overlap(outputs: &Outputs, inputs: &[&Path]) -> Result<(), Error> {
    let written: Vec<Written> = outputs
        .targets
        .iter()
        .filter_map(|(_, path)| path.as_ref())
        .map(|path| Written::path("--output", path))
        .collect();
    let read: Vec<ReadFile> = inputs
        .iter()
        .filter_map(|path| {
            FileId::of(path).map(|id| ReadFile {
                name: path.display().to_string(),
                id,
            })
        })
        .collect();
    check_written(&written, &read).map_err(Error::Usage)
}

//! `closeout diff OLD NEW`: glue only. `run::merge::read_run_file` reads each
//! run (JSON Lines output or an audit log, told by content), `run::diff`
//! finds what moved, `render::diff` writes it; each `--output` is staged and
//! put in place only when whole.

use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use closeout::render::escape::visible;
use closeout::render::output::{FileId, OutputFile, ReadFile};
use closeout::render::{self, diff::write};
use closeout::run::diff::{diff, Side};
use closeout::run::merge::{read_run_file, RunFile};

use crate::cli::settings::Diff;
use crate::cli::{stdio, Error};

/// The file at `path`, for the output-is-input refusal.
pub fn read_file(path: &Path) -> Option<ReadFile> {
    FileId::of(path).map(|id| ReadFile {
        name: path.display().to_string(),
        id,
    })
}

/// One run's accounts, from its JSON Lines output or its audit log.
pub fn read_side(path: &Path) -> Result<Side, Error> {
    let side = match read_run_file(path).map_err(|e| Error::usage(visible(&e.to_string())))? {
        RunFile::Results(merged) => {
            for line in &merged.notes {
                stdio::note(&format!("note: {}", visible(line)));
            }
            Side::from_results(&merged.results)
        }
        RunFile::Records(records) => Side::from_records(records.iter().map(|(_, r)| r)),
    };
    Ok(side)
}

pub fn run(settings: Diff) -> Result<ExitCode, Error> {
    let Diff { old, new, outputs } = settings;
    super::output::refuse_overlap(&outputs, &[old.as_path(), new.as_path()])?;
    let movement = diff(&read_side(&old)?, &read_side(&new)?);
    let mut staged: Vec<(PathBuf, OutputFile)> = Vec::new();
    for (format, path) in &outputs.targets {
        let result = match path {
            None => write(*format, &movement, &mut io::stdout().lock()),
            Some(path) => {
                let output = OutputFile::create(path)
                    .map_err(|err| Error::usage(format!("--output {}: {err}", path.display())))?;
                let mut file =
                    io::BufWriter::new(output.writer().map_err(|err| {
                        Error::usage(format!("--output {}: {err}", path.display()))
                    })?);
                let result = write(*format, &movement, &mut file).and_then(|()| file.flush());
                drop(file);
                staged.push((path.clone(), output));
                result
            }
        };
        match result {
            Ok(()) => {}
            Err(error) if render::io_kind(&error) == Some(io::ErrorKind::BrokenPipe) => {
                return Err(Error::Quiet)
            }
            Err(error) => return Err(Error::usage(format!("writing the diff: {error}"))),
        }
    }
    for (path, output) in staged {
        output
            .commit()
            .map_err(|err| Error::usage(format!("--output {}: {err}", path.display())))?;
    }
    Ok(ExitCode::from(u8::from(movement.toward_blocked())))
}

//! `closeout merge FILE...`: glue only. `run::merge` reads and combines the
//! JSON Lines outputs of several runs; each renderer writes them as one run
//! would.

use std::io;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use closeout::render::escape::visible;
use closeout::render::{self, Tee};
use closeout::run::audit::policy_set_digest;
use closeout::run::merge::merge_files;
use closeout::{exit_code, PolicySet, Reporter};

use crate::cli::settings::Merge;
use crate::cli::{stdio, Error};

use super::output;

pub fn run(settings: Merge) -> Result<ExitCode, Error> {
    let Merge {
        files,
        policies,
        outputs,
        fail_on,
    } = settings;
    let set = PolicySet::load(&policies.sources).map_err(Error::policy)?;
    // No output may be one of the inputs, nor two outputs one file.
    let inputs: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    output::refuse_overlap(&outputs, &inputs)?;
    let paths: Vec<&Path> = files.iter().map(PathBuf::as_path).collect();
    let merged = merge_files(&paths).map_err(|e| Error::usage(visible(&e.to_string())))?;
    let digest = policy_set_digest(&set);
    if digest != merged.run.policy_digest {
        return Err(Error::usage(format!(
            "the runs used policies with digest {}, but the policies loaded here have digest {digest}: give merge the runs' --policy and --no-bundled",
            merged.run.policy_digest
        )));
    }
    for line in &merged.notes {
        stdio::note(&format!("note: {}", visible(line)));
    }
    let facts = output::facts(&merged.run);
    let (reporters, staged) =
        output::open(&outputs, &set.catalogue, &facts, &merged.run, None)?.split();
    let mut tee = Tee::new(reporters);
    let written = merged
        .results
        .iter()
        .try_for_each(|result| tee.report(result, None))
        .and_then(|()| tee.finish(&merged.summary));
    drop(tee);
    match written {
        Ok(()) => {
            staged.commit()?;
            Ok(ExitCode::from(exit_code(&merged.summary, fail_on)))
        }
        Err(error) if render::io_kind(&error) == Some(io::ErrorKind::BrokenPipe) => {
            Err(Error::Quiet)
        }
        Err(error) => Err(Error::usage(format!("writing the merged report: {error}"))),
    }
}

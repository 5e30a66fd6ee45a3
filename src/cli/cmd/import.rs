//! `closeout import PROVIDER DIR...`: glue from the flags to
//! [`closeout::import`] and the output (one pretty snapshot for one
//! directory written to `-o FILE`; compact JSON Lines otherwise).

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use closeout::import::{import_dir, ImportOptions, Provider};
use closeout::render::escape::visible;
use closeout::render::output::OutputFile;

use crate::cli::{stdio, Error};

/// Turn saved provider responses (API or CLI output) into v1 snapshots.
///
/// Reads every *.json response in each DIR (docs/import.md says which to
/// save) and its closeout-import.toml. Whatever the responses do not cover is
/// listed in the snapshot's `unknown`, which `closeout check` blocks (GEN-003).
/// Exit 0 all imported; 2 any error (each named with its file).
#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// ukfast, aptible or tencentcloud
    provider: String,
    /// account directories of saved responses, one account each
    #[arg(required = true)]
    dirs: Vec<PathBuf>,
    /// the manifest to use instead of DIR/closeout-import.toml
    #[arg(long, value_name = "FILE")]
    manifest: Option<PathBuf>,
    /// write to FILE (through a temporary file, renamed when complete)
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    output: Option<PathBuf>,
    /// skip (and note) files no importer recognises instead of failing
    #[arg(long)]
    skip_unrecognised: bool,
}

pub fn run(args: ImportArgs) -> Result<ExitCode, Error> {
    let fail = |message: String| Err(Error::usage(visible(&message)));
    let provider = match Provider::parse(&args.provider) {
        Ok(provider) => provider,
        Err(message) => return fail(message.to_string()),
    };
    // An output inside an account directory would be read as a saved
    // response by the next import.
    if let Some(output) = &args.output {
        let parent = output.parent().filter(|p| !p.as_os_str().is_empty());
        let parent = std::fs::canonicalize(parent.unwrap_or(std::path::Path::new(".")));
        for dir in &args.dirs {
            if parent.is_ok() && std::fs::canonicalize(dir).ok() == parent.as_ref().ok().cloned() {
                return fail(format!(
                    "--output {} is inside the account directory {}: write it elsewhere",
                    output.display(),
                    dir.display()
                ));
            }
        }
    }
    let options = ImportOptions {
        manifest: args.manifest.clone(),
        skip_unrecognised: args.skip_unrecognised,
    };
    let pretty = args.output.is_some() && args.dirs.len() == 1;
    let mut text = String::new();
    let mut failed = false;
    for dir in &args.dirs {
        match import_dir(provider, dir, &options) {
            Ok(imported) => {
                for note in &imported.notes {
                    stdio::note(&format!(
                        "note: {}: {}",
                        visible(&dir.display().to_string()),
                        visible(note)
                    ));
                }
                let json = if pretty {
                    serde_json::to_string_pretty(&imported.snapshot)
                } else {
                    serde_json::to_string(&imported.snapshot)
                };
                text.push_str(&json.unwrap_or_default());
                text.push('\n');
            }
            Err(error) => {
                stdio::note(&format!("error: {}", visible(&error.to_string())));
                failed = true;
            }
        }
    }
    let code = if failed {
        ExitCode::from(2)
    } else {
        ExitCode::SUCCESS
    };
    match &args.output {
        None => stdio::print(&text)?,
        // Nothing imported: the previous file stays as it was.
        Some(_) if text.is_empty() => {}
        Some(path) => {
            let written = OutputFile::create(path).and_then(|file| {
                let mut writer = file.writer()?;
                writer.write_all(text.as_bytes())?;
                writer.flush()?;
                file.commit()
            });
            if let Err(e) = written {
                return fail(format!("cannot write {}: {e}", path.display()));
            }
        }
    }
    Ok(code)
}

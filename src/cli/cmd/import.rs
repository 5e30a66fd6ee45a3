//! `closeout import PROVIDER DIR...`: glue from the flags to
//! [`closeout::import`] and the output (one pretty snapshot for one
//! directory written to `-o FILE`; compact JSON Lines otherwise).

use std::io::Write;
use std::process::ExitCode;

use closeout::import::import_dir;
use closeout::render::escape::visible;
use closeout::render::output::OutputFile;

use crate::cli::args::ImportArgs;
use crate::cli::settings::Import;
use crate::cli::{stdio, Error};

pub fn run(args: ImportArgs) -> Result<ExitCode, Error> {
    let fail = |message: String| Err(Error::usage(visible(&message)));
    let Import {
        provider,
        dirs,
        options,
        output,
        pretty,
    } = Import::resolve(args)?;
    let mut text = String::new();
    let mut failed = false;
    for dir in &dirs {
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
    match &output {
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

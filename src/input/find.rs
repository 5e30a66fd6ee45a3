//! Finding inputs on disk and reading them: regular files only (a FIFO or a
//! device is skipped, or an error when named), within a size limit.

use std::fs::{File, FileType};
use std::io::Read;
use std::path::{Path, PathBuf};

use crate::model::plural;

/// One thing to check, as found from the paths the user gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A file holding one snapshot.
    File(PathBuf),
    /// A JSON Lines file (`.jsonl`, `.ndjson`): one snapshot per line.
    Lines(PathBuf),
    /// Standard input (`-`), read as JSON Lines.
    Stdin,
    /// A path that cannot be checked (not a regular file, or it could not be
    /// walked), or a directory with no snapshot in it.
    Broken { path: PathBuf, reason: String },
}

impl Input {
    fn for_file(path: PathBuf) -> Input {
        let lines = path
            .extension()
            .is_some_and(|ext| ext == "jsonl" || ext == "ndjson");
        if lines {
            Input::Lines(path)
        } else {
            Input::File(path)
        }
    }
}

/// A file a directory walk passed over, and why: it is never checked, and
/// never counted as a pass.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Skipped {
    pub path: PathBuf,
    pub reason: String,
}

/// What the user's paths expand to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Found {
    /// What to check, in order.
    pub inputs: Vec<Input>,
    /// Snapshot-named files of directory walks that are not regular files
    /// (FIFOs, devices, sockets): reading them could block or never end.
    pub skipped: Vec<Skipped>,
}

/// Expands the user's paths: `-` is standard input (JSON Lines); files are taken
/// as given (`.jsonl`/`.ndjson` as JSON Lines); directories are walked in sorted
/// order for `*.json`, `*.jsonl` and `*.ndjson` files (symbolic links followed,
/// loops reported). Only regular files are read: a named path that is a FIFO,
/// a device or a socket is a broken input, and one found in a walk is skipped.
pub fn find_inputs(paths: &[PathBuf]) -> Found {
    let mut found = Found::default();
    for path in paths {
        if path.as_os_str() == "-" {
            found.inputs.push(Input::Stdin);
            continue;
        }
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => walk(path, &mut found),
            Ok(meta) if !meta.is_file() => found.inputs.push(Input::Broken {
                path: path.clone(),
                reason: not_regular(meta.file_type(), true),
            }),
            // A regular file, or a path that cannot be read: reading says why.
            _ => found.inputs.push(Input::for_file(path.clone())),
        }
    }
    found
}

/// [`find_inputs`] without the skipped files.
pub fn collect_inputs(paths: &[PathBuf]) -> Vec<Input> {
    find_inputs(paths).inputs
}

/// The file that marks a directory of saved provider responses, which
/// `closeout import` reads: its `*.json` files are not snapshots.
pub const IMPORT_MANIFEST: &str = "closeout-import.toml";

/// Whether `dir` is an import directory (it holds `closeout-import.toml`).
pub fn is_import_dir(dir: &Path) -> bool {
    dir.join(IMPORT_MANIFEST).is_file()
}

/// Why an import directory is not checked.
fn import_dir_reason() -> String {
    format!(
        "an import directory (it holds {IMPORT_MANIFEST}): its files are saved provider \
         responses, not snapshots; `closeout import PROVIDER DIR | closeout check -` checks it"
    )
}

fn walk(dir: &Path, found: &mut Found) {
    let before = found.inputs.len();
    let skipped_before = found.skipped.len();
    if is_import_dir(dir) {
        found.inputs.push(Input::Broken {
            path: dir.to_path_buf(),
            reason: import_dir_reason(),
        });
        return;
    }
    let mut imports = Vec::new();
    let walker = walkdir::WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|entry| {
            let import =
                entry.depth() > 0 && entry.file_type().is_dir() && is_import_dir(entry.path());
            if import {
                imports.push(entry.path().to_path_buf());
            }
            !import
        });
    for entry in walker {
        match entry {
            Ok(entry) if entry.file_type().is_dir() || !is_snapshot_file(entry.path()) => {}
            Ok(entry) if entry.file_type().is_file() => {
                found.inputs.push(Input::for_file(entry.into_path()));
            }
            Ok(entry) => found.skipped.push(Skipped {
                reason: not_regular(entry.file_type(), false),
                path: entry.into_path(),
            }),
            Err(err) => found.inputs.push(Input::Broken {
                path: err.path().unwrap_or(dir).to_path_buf(),
                reason: err.to_string(),
            }),
        }
    }
    if found.inputs.len() == before {
        let skipped = found.skipped.len() - skipped_before;
        let mut reason = "the directory holds no *.json, *.jsonl or *.ndjson snapshot".to_string();
        if !imports.is_empty() {
            reason.push_str(" outside its import directories");
        }
        if skipped > 0 {
            reason.push_str(&format!(
                " ({skipped} file{} that {} not a regular file skipped)",
                plural(skipped),
                if skipped == 1 { "is" } else { "are" }
            ));
        }
        found.inputs.push(Input::Broken {
            path: dir.to_path_buf(),
            reason,
        });
    }
    if !imports.is_empty() {
        // One note for the walk: the import directories are passed over, and
        // said to be, never counted as checked.
        let shown: Vec<String> = imports.iter().take(3).map(|p| format!("{p:?}")).collect();
        let more = imports.len().saturating_sub(shown.len());
        found.skipped.push(Skipped {
            path: dir.to_path_buf(),
            reason: format!(
                "{} import director{} not read as snapshots ({}{}): each holds \
                 {IMPORT_MANIFEST}, so its files are saved provider responses; \
                 `closeout import PROVIDER DIR | closeout check -` checks one",
                imports.len(),
                if imports.len() == 1 { "y" } else { "ies" },
                shown.join(", "),
                if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                },
            ),
        });
    }
}

fn is_snapshot_file(path: &Path) -> bool {
    path.extension()
        .is_some_and(|ext| ext == "json" || ext == "jsonl" || ext == "ndjson")
}

/// What a file that is not a regular file is, for messages.
fn file_type_name(file_type: FileType) -> &'static str {
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return "a FIFO (named pipe)";
        }
        if file_type.is_char_device() {
            return "a character device";
        }
        if file_type.is_block_device() {
            return "a block device";
        }
        if file_type.is_socket() {
            return "a socket";
        }
    }
    if file_type.is_dir() {
        "a directory"
    } else if file_type.is_symlink() {
        "a symbolic link"
    } else {
        "a special file"
    }
}

fn not_regular(file_type: FileType, named: bool) -> String {
    let mut reason = format!("{}, not a regular file", file_type_name(file_type));
    if named && !file_type.is_dir() {
        reason.push_str(" (to check a stream, send it to standard input and give `-`)");
    }
    reason
}

/// Opens `path` for reading only if it is a regular file, and returns it with
/// its length. The type is checked before opening, because opening a FIFO
/// blocks until a writer comes; and again on what was opened, opened so that
/// it cannot block, in case the path was replaced in between.
pub fn open_regular(path: &Path) -> Result<(File, u64), String> {
    let cannot = |err: std::io::Error| format!("cannot read the file: {err}");
    let meta = std::fs::metadata(path).map_err(cannot)?;
    if !meta.is_file() {
        return Err(not_regular(meta.file_type(), true));
    }
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        // Reading a regular file ignores O_NONBLOCK; opening a FIFO does not wait.
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path).map_err(cannot)?;
    let meta = file.metadata().map_err(cannot)?;
    if !meta.is_file() {
        return Err(not_regular(meta.file_type(), true));
    }
    Ok((file, meta.len()))
}

/// Reads a whole regular file of at most `max` bytes (`what` names the flag).
pub(crate) fn read_bounded(path: &Path, max: u64) -> Result<Vec<u8>, String> {
    let (file, len) = open_regular(path)?;
    let over = |size: String| {
        format!(
            "the file is {size} bytes, over the limit of {max} bytes for one snapshot \
             (raise it with --max-snapshot-bytes N)"
        )
    };
    if len > max {
        return Err(over(len.to_string()));
    }
    // Files can grow after the length was read: never read past the limit.
    let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0).saturating_add(1));
    file.take(max.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|err| format!("cannot read the file: {err}"))?;
    if bytes.len() as u64 > max {
        return Err(over(format!("more than {max}")));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn import_directories_are_passed_over_and_said_to_be() {
        let root = tempfile::tempdir().unwrap();
        let import = root.path().join("acme");
        std::fs::create_dir(&import).unwrap();
        std::fs::write(import.join(IMPORT_MANIFEST), "").unwrap();
        std::fs::write(import.join("instances.json"), "[]").unwrap();
        std::fs::write(root.path().join("a.json"), "{}").unwrap();

        let found = find_inputs(&[root.path().to_path_buf()]);
        assert_eq!(found.inputs, vec![Input::File(root.path().join("a.json"))]);
        assert_eq!(found.skipped.len(), 1);
        assert!(
            found.skipped[0].reason.starts_with("1 import directory"),
            "{:?}",
            found.skipped
        );

        // Named itself, an import directory is an input that cannot be checked.
        let found = find_inputs(std::slice::from_ref(&import));
        assert!(
            matches!(&found.inputs[..], [Input::Broken { reason, .. }] if reason.contains("closeout import")),
            "{:?}",
            found.inputs
        );

        // Nothing but import directories: no snapshot, an error, not a pass.
        std::fs::remove_file(root.path().join("a.json")).unwrap();
        let found = find_inputs(&[root.path().to_path_buf()]);
        assert!(
            matches!(&found.inputs[..], [Input::Broken { reason, .. }] if reason.contains("outside its import directories")),
            "{:?}",
            found.inputs
        );
    }
}

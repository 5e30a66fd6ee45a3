//! Where reports go, and the rules that keep every file whole.
//!
//! - A file the run writes (an `--output`, the `--audit-log`, standard output
//!   redirected to a file) may not be one the run reads (a snapshot, a JSON
//!   Lines file, a file found in a walked directory, standard input, the
//!   configuration, a policy file), nor one another output writes. "The same"
//!   is the same file, not the same spelling: device and inode on Unix (so a
//!   symbolic or hard link is seen through), the canonical path elsewhere.
//!   [`check_written`] says which, before anything is read or written.
//! - An `--output` file is written to a temporary file beside it (in the same
//!   directory, so that renaming it is atomic) and renamed into place by
//!   [`OutputFile::commit`] once the report is whole. One dropped without a
//!   commit (the run stopped) is removed, and the file it would have replaced
//!   is left as it was: no run leaves half a report, nor destroys the last good
//!   one. A process killed by a signal cannot remove its staging file: a
//!   hidden `.NAME.XXXXXX.tmp` may stay beside the target, which is untouched. A new file gets the permissions `File::create` would give it; a
//!   replaced one keeps its own. A symbolic link is followed: the file it
//!   points to is replaced, the link stays.
//! - A target that exists but is not a regular file (`/dev/null`,
//!   `/dev/stdout`, a FIFO) cannot be replaced: it is written directly.

use std::fs::{self, File};
use std::io;
use std::path::{Path, PathBuf};

/// What identifies a regular file, whatever the spelling of its path.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileId(Id);

#[cfg(unix)]
type Id = (u64, u64);
#[cfg(not(unix))]
type Id = PathBuf;

impl FileId {
    /// The regular file at `path`, symbolic links followed; `None` when there
    /// is none (nothing, a directory, a device, a FIFO).
    pub fn of(path: &Path) -> Option<FileId> {
        let meta = fs::metadata(path).ok()?;
        Self::from_metadata(path, &meta)
    }

    fn from_metadata(path: &Path, meta: &fs::Metadata) -> Option<FileId> {
        if !meta.is_file() {
            return None;
        }
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let _ = path;
            Some(FileId((meta.dev(), meta.ino())))
        }
        #[cfg(not(unix))]
        {
            fs::canonicalize(path).ok().map(FileId)
        }
    }

    /// The regular file behind an open standard stream, if it is one.
    #[cfg(unix)]
    pub fn of_stream(stream: std::os::fd::BorrowedFd<'_>) -> Option<FileId> {
        let file = File::from(stream.try_clone_to_owned().ok()?);
        let meta = file.metadata().ok()?;
        meta.is_file().then(|| {
            use std::os::unix::fs::MetadataExt;
            FileId((meta.dev(), meta.ino()))
        })
    }
}

/// A file the run reads.
#[derive(Debug, Clone)]
pub struct ReadFile {
    /// How messages name it: its path, or "standard input".
    pub name: String,
    pub id: FileId,
}

/// A file the run writes, as the command line names it.
#[derive(Debug, Clone)]
pub struct Written {
    /// `--output`, `--audit-log` or `standard output`.
    pub flag: String,
    /// Empty for an open stream.
    pub path: PathBuf,
    /// The file an open stream writes to, when it is a regular file.
    pub open: Option<FileId>,
}

impl Written {
    /// A file named on the command line.
    pub fn path(flag: &str, path: &Path) -> Written {
        Written {
            flag: flag.into(),
            path: path.to_path_buf(),
            open: None,
        }
    }

    /// An open stream (standard output) writing to the regular file `id`.
    pub fn stream(flag: &str, id: FileId) -> Written {
        Written {
            flag: flag.into(),
            path: PathBuf::new(),
            open: Some(id),
        }
    }

    fn label(&self) -> String {
        if self.path.as_os_str().is_empty() {
            self.flag.clone()
        } else {
            format!("{} {}", self.flag, self.path.display())
        }
    }
}

/// Where a written path lands.
#[derive(Debug, PartialEq, Eq)]
enum Place {
    /// An existing regular file.
    Existing(FileId),
    /// A file to create: its directory's canonical path and its name.
    New(PathBuf),
    /// A device, FIFO or socket: written directly, never replaced.
    Special,
}

fn place(path: &Path) -> Result<Place, String> {
    match fs::metadata(path) {
        Ok(meta) if meta.is_dir() => Err("is a directory".into()),
        Ok(meta) => Ok(FileId::from_metadata(path, &meta).map_or(Place::Special, Place::Existing)),
        Err(err) if err.kind() == io::ErrorKind::NotFound => {
            let name = path
                .file_name()
                .ok_or_else(|| "names no file".to_string())?;
            let dir = fs::canonicalize(parent_of(path))
                .map_err(|err| format!("cannot be created: its directory: {err}"))?;
            Ok(Place::New(dir.join(name)))
        }
        Err(err) => Err(err.to_string()),
    }
}

/// The directory a file of `path` goes in (`.` for a bare name).
fn parent_of(path: &Path) -> &Path {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    }
}

/// Refuses, in one message, a written file that is also read, or that two
/// written names share. Standard output counts only when it is a regular file
/// (`>> FILE`); a device or a FIFO written twice loses nothing.
pub fn check_written(written: &[Written], read: &[ReadFile]) -> Result<(), String> {
    let mut places: Vec<(&Written, Place)> = Vec::new();
    for target in written {
        let place = match &target.open {
            Some(id) => Place::Existing(id.clone()),
            None => place(&target.path).map_err(|why| format!("{}: {why}", target.label()))?,
        };
        if let Place::Existing(id) = &place {
            if let Some(input) = read.iter().find(|input| input.id == *id) {
                return Err(format!(
                    "{} is also an input ({}): writing it would destroy what the run reads; write to another file",
                    target.label(),
                    input.name
                ));
            }
        }
        if place != Place::Special {
            if let Some((first, _)) = places.iter().find(|(_, seen)| *seen == place) {
                return Err(format!(
                    "{} and {} are the same file: one report would be lost; give each its own file",
                    first.label(),
                    target.label()
                ));
            }
        }
        places.push((target, place));
    }
    Ok(())
}

/// An `--output` file being written (see the module's documentation).
#[derive(Debug)]
pub struct OutputFile {
    state: State,
}

#[derive(Debug)]
enum State {
    /// A temporary file beside the target, renamed onto it by `commit`.
    Staged {
        temp: tempfile::NamedTempFile,
        target: PathBuf,
    },
    /// A device or FIFO, written directly.
    Direct(File),
}

impl OutputFile {
    /// Prepares the output for `path`: creates its temporary file, or opens
    /// the device. Nothing is written to `path` yet.
    pub fn create(path: &Path) -> io::Result<OutputFile> {
        let existing = match fs::metadata(path) {
            Ok(meta) if meta.is_dir() => {
                return Err(io::Error::other("is a directory"));
            }
            Ok(meta) if !meta.is_file() => {
                let file = fs::OpenOptions::new().write(true).open(path)?;
                return Ok(OutputFile {
                    state: State::Direct(file),
                });
            }
            Ok(meta) => Some(meta),
            Err(err) if err.kind() == io::ErrorKind::NotFound => None,
            Err(err) => return Err(err),
        };
        // The file a symbolic link points to is the one to replace.
        let target = match existing {
            Some(_) => fs::canonicalize(path)?,
            None => path.to_path_buf(),
        };
        let name = target
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let prefix = format!(".{name}.");
        let mut builder = tempfile::Builder::new();
        builder.prefix(&prefix).suffix(".tmp");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            // As File::create: 0666 less the umask.
            builder.permissions(fs::Permissions::from_mode(0o666));
        }
        let temp = builder.tempfile_in(parent_of(&target))?;
        if let Some(meta) = existing {
            temp.as_file().set_permissions(meta.permissions())?;
        }
        Ok(OutputFile {
            state: State::Staged { temp, target },
        })
    }

    /// A handle to write the report with.
    pub fn writer(&self) -> io::Result<File> {
        match &self.state {
            State::Staged { temp, .. } => temp.as_file().try_clone(),
            State::Direct(file) => file.try_clone(),
        }
    }

    /// The report is whole: puts it in place of the target. Every writer must
    /// have been flushed.
    pub fn commit(self) -> io::Result<()> {
        match self.state {
            State::Staged { temp, target } => {
                temp.as_file().sync_all()?;
                temp.persist(&target).map(drop).map_err(|err| err.error)
            }
            State::Direct(_) => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn scratch(name: &str) -> PathBuf {
        tempfile::Builder::new()
            .prefix(&format!("closeout-output-{name}-"))
            .tempdir()
            .unwrap()
            .keep()
    }

    fn written(flag: &str, path: &Path) -> Written {
        Written::path(flag, path)
    }

    #[test]
    fn an_input_by_another_spelling_is_refused() {
        let dir = scratch("spelling");
        let input = dir.join("a.json");
        fs::write(&input, "{}").unwrap();
        let read = [ReadFile {
            name: input.display().to_string(),
            id: FileId::of(&input).unwrap(),
        }];
        let other = dir.join(".").join("sub").join("..").join("a.json");
        fs::create_dir_all(dir.join("sub")).unwrap();
        let error = check_written(&[written("--output", &other)], &read).unwrap_err();
        assert!(error.contains("is also an input"), "{error}");
        assert!(check_written(&[written("--output", &dir.join("b.json"))], &read).is_ok());
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn two_names_of_one_new_file_are_refused() {
        let dir = scratch("twice");
        let a = dir.join("r.json");
        let b = dir.join("sub").join("..").join("r.json");
        fs::create_dir_all(dir.join("sub")).unwrap();
        let error =
            check_written(&[written("--output", &a), written("--output", &b)], &[]).unwrap_err();
        assert!(error.contains("are the same file"), "{error}");
        let special = Path::new("/dev/null");
        if special.exists() {
            let both = [written("--output", special), written("--output", special)];
            assert!(check_written(&both, &[]).is_ok());
        }
        let missing = dir.join("no/such/dir/r.json");
        let error = check_written(&[written("--output", &missing)], &[]).unwrap_err();
        assert!(error.contains("cannot be created"), "{error}");
        fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn an_uncommitted_output_leaves_the_old_file() {
        let dir = scratch("commit");
        let target = dir.join("r.csv");
        fs::write(&target, "old").unwrap();
        let output = OutputFile::create(&target).unwrap();
        output.writer().unwrap().write_all(b"half").unwrap();
        drop(output);
        assert_eq!(fs::read_to_string(&target).unwrap(), "old");
        assert_eq!(
            fs::read_dir(&dir).unwrap().count(),
            1,
            "no temporary file left"
        );

        let output = OutputFile::create(&target).unwrap();
        output.writer().unwrap().write_all(b"new").unwrap();
        output.commit().unwrap();
        assert_eq!(fs::read_to_string(&target).unwrap(), "new");
        assert_eq!(fs::read_dir(&dir).unwrap().count(), 1);
        fs::remove_dir_all(&dir).unwrap();
    }
}

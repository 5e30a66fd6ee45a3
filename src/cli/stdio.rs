//! Standard streams: whether standard output was closed at start, one-line
//! notes on standard error that never panic, the files behind the streams
//! (so an output is never an input), and the progress spinner.

use std::io::{self, Write};

use closeout::render::output::{FileId, ReadFile};

pub const STDOUT_CLOSED_MESSAGE: &str =
    "standard output is closed: nothing could be written; redirect it, or give --output FILE";

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

pub fn stdout_closed() -> bool {
    STDOUT_CLOSED.load(std::sync::atomic::Ordering::Relaxed)
}

/// One line on standard error. Unlike `eprintln!`, never panics: a closed
/// standard error loses the note, not the exit code.
pub fn note(line: &str) {
    let _ = writeln!(io::stderr(), "{line}");
}

/// Text that ends its own lines (a rendered diagnostic), on standard error.
pub fn note_raw(text: &str) {
    let _ = write!(io::stderr(), "{text}");
}

#[cfg(unix)]
pub fn stdin_file() -> Option<ReadFile> {
    use std::os::fd::AsFd;
    FileId::of_stream(io::stdin().as_fd()).map(|id| ReadFile {
        name: "standard input".into(),
        id,
    })
}

#[cfg(not(unix))]
pub fn stdin_file() -> Option<ReadFile> {
    None
}

#[cfg(unix)]
pub fn stdout_file() -> Option<FileId> {
    use std::os::fd::AsFd;
    FileId::of_stream(io::stdout().as_fd())
}

#[cfg(not(unix))]
pub fn stdout_file() -> Option<FileId> {
    None
}

/// A spinner with a count and a rate: JSON Lines streams have no known length.
pub fn progress_bar() -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_draw_target(indicatif::ProgressDrawTarget::stderr_with_hz(4));
    if let Ok(style) = indicatif::ProgressStyle::with_template(
        "{spinner} {human_pos} snapshots checked ({per_sec}, {elapsed})",
    ) {
        bar.set_style(style);
    }
    bar
}

/// Writes a command's text to standard output. A closed pipe (`| head`)
/// ends the command quietly with exit 2, as in `check`; any other failure
/// is an error.
pub fn print(text: &str) -> Result<(), crate::cli::Error> {
    let mut out = io::stdout().lock();
    match out.write_all(text.as_bytes()).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(err) if err.kind() == io::ErrorKind::BrokenPipe => Err(crate::cli::Error::Quiet),
        Err(err) => Err(crate::cli::Error::usage(format!("standard output: {err}"))),
    }
}

//! The `closeout` binary: [`cli::run`] parses the flags, resolves the settings
//! and runs a command; `main` prints its error, if any, and maps the outcome
//! to the exit code contract (0 eligible, 1 blocked, 2 error).

// The global allocator is regorus's mimalloc build (its `allocator-memory-limits`
// feature installs it): it counts allocations, which the evaluation memory
// limit reads.

mod cli;

use std::process::ExitCode;

fn main() -> ExitCode {
    match cli::run() {
        Ok(code) => code,
        Err(error) => {
            error.print();
            ExitCode::from(2)
        }
    }
}

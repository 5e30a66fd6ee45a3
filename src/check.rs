//! The check itself: inputs in, one result per snapshot out, handed to a reporter
//! as soon as it is ready. A bad input becomes an error result; the run goes on.

use std::io;
use std::sync::Arc;

use crate::eval::Evaluator;
use crate::report::{SnapshotResult, Summary};
use crate::snapshot::{ErrorKind, Input, InputError, SnapshotSchema};

/// Receives results in input order. Streaming formats write at once; document
/// formats keep the (small) results and write at `finish`.
pub trait Reporter {
    /// `text` is the snapshot's text, for formats that quote it.
    fn report(&mut self, result: &SnapshotResult, text: Option<&str>) -> io::Result<()>;
    fn finish(&mut self, summary: &Summary) -> io::Result<()>;
}

/// When a run fails (exit code 1) besides errors (always exit code 2).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum FailOn {
    /// Only block findings fail the run.
    #[default]
    Block,
    /// Warn findings fail it too.
    Warn,
}

/// The exit code contract: 2 if any input could not be checked, 1 if any snapshot
/// is blocked (or warned, with `FailOn::Warn`), 0 when every one may be closed.
pub fn exit_code(summary: &Summary, fail_on: FailOn) -> u8 {
    if summary.errors > 0 || summary.snapshots == 0 {
        2
    } else if summary.blocked > 0 || (fail_on == FailOn::Warn && summary.warned > 0) {
        1
    } else {
        0
    }
}

/// Checks snapshots with a prepared evaluator.
pub struct Checker {
    evaluator: Evaluator,
    schema: &'static SnapshotSchema,
}

impl Checker {
    pub fn new(evaluator: Evaluator) -> Checker {
        Checker {
            evaluator,
            schema: SnapshotSchema::v1(),
        }
    }

    /// Checks one input; returns its result and, when it was read, its text.
    pub fn check(&mut self, input: &Input) -> (SnapshotResult, Option<Arc<str>>) {
        let path = match input {
            Input::File(path) => path,
            Input::Broken { path, reason } => {
                let error = InputError::new(
                    path.display().to_string(),
                    ErrorKind::Unreadable,
                    reason.clone(),
                );
                return (SnapshotResult::failed(&error), None);
            }
        };
        let snapshot = match self.schema.load_file(path) {
            Ok(snapshot) => snapshot,
            Err(error) => return (SnapshotResult::failed(&error), error.text.clone()),
        };
        match self.evaluator.evaluate(&snapshot) {
            Ok(raw) => {
                let result =
                    SnapshotResult::checked(&snapshot, raw, &self.evaluator.policies().catalogue);
                (result, Some(snapshot.text))
            }
            Err(error) => (SnapshotResult::failed(&error), Some(snapshot.text)),
        }
    }

    /// Checks every input in order, reporting each result as it completes.
    pub fn run(&mut self, inputs: &[Input], reporter: &mut dyn Reporter) -> io::Result<Summary> {
        let mut summary = Summary::default();
        for input in inputs {
            let (result, text) = self.check(input);
            summary.add(&result);
            reporter.report(&result, text.as_deref())?;
        }
        reporter.finish(&summary)?;
        Ok(summary)
    }
}

impl std::fmt::Debug for Checker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Checker").finish_non_exhaustive()
    }
}

//! `--format json`: one JSON document for the whole run (see README, "JSON output").

use std::io::{self, Write};

use crate::model::{Report, SnapshotResult, Summary, REPORT_VERSION};
use crate::run::Reporter;

/// Keeps the per-snapshot results (never the snapshots) and writes one document.
pub struct JsonReporter<'w> {
    out: Box<dyn Write + 'w>,
    results: Vec<SnapshotResult>,
}

impl<'w> JsonReporter<'w> {
    pub fn new(out: Box<dyn Write + 'w>) -> Self {
        Self {
            out,
            results: Vec::new(),
        }
    }
}

impl Reporter for JsonReporter<'_> {
    fn report(&mut self, result: &SnapshotResult, _text: Option<&str>) -> io::Result<()> {
        self.results.push(result.clone());
        Ok(())
    }

    fn finish(&mut self, summary: &Summary) -> io::Result<()> {
        let report = Report {
            version: REPORT_VERSION,
            results: std::mem::take(&mut self.results),
            summary: summary.clone(),
        };
        serde_json::to_writer_pretty(&mut self.out, &report)?;
        writeln!(self.out)?;
        self.out.flush()
    }
}

impl std::fmt::Debug for JsonReporter<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("JsonReporter").finish_non_exhaustive()
    }
}

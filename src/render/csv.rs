//! `--format csv`: one row per finding and one per snapshot that could not be
//! checked, under a fixed header, for spreadsheets and ad-hoc queries. Rows are
//! written as results arrive. Quoting is the `csv` crate's (RFC 4180), so
//! commas, quotes and newlines in messages survive a round trip.
//!
//! An error row has an empty `condition_id`, the kind `error`, the error kind
//! (`syntax`, `schema`, …) as its title and the error's message. An eligible
//! snapshot with no finding has no row.

use std::io::{self, Write};

use crate::check::Reporter;
use crate::report::{SnapshotResult, Summary};

use super::error_kind_name;

/// The columns, in order.
pub const HEADER: [&str; 15] = [
    "snapshot",
    "snapshot_id",
    "account_id",
    "provider",
    "condition_id",
    "kind",
    "title",
    "message",
    "remediation",
    "pointer",
    "line",
    "column",
    "waiver",
    "waiver_reason",
    "waiver_approved_by",
];

/// Writes rows as results arrive; the header goes first, even for an empty run.
pub struct CsvReporter<'w> {
    out: ::csv::Writer<Box<dyn Write + 'w>>,
    header_written: bool,
}

impl<'w> CsvReporter<'w> {
    pub fn new(out: Box<dyn Write + 'w>) -> Self {
        Self {
            out: ::csv::Writer::from_writer(out),
            header_written: false,
        }
    }

    fn header(&mut self) -> io::Result<()> {
        if !self.header_written {
            self.out.write_record(HEADER)?;
            self.header_written = true;
        }
        Ok(())
    }
}

fn number(value: Option<usize>) -> String {
    value.map(|n| n.to_string()).unwrap_or_default()
}

impl Reporter for CsvReporter<'_> {
    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    fn report(&mut self, result: &SnapshotResult, _text: Option<&str>) -> io::Result<()> {
        self.header()?;
        let snapshot_id = result.snapshot_id.as_deref().unwrap_or_default();
        let account_id = account_id(result);
        let provider = result.provider.as_deref().unwrap_or_default();
        if let Some(error) = &result.error {
            self.out.write_record([
                result.source.as_str(),
                snapshot_id,
                account_id,
                provider,
                "",
                "error",
                &error_kind_name(&error.kind),
                &error.message,
                "",
                "",
                &number(error.line),
                &number(error.column),
                "",
                "",
                "",
            ])?;
        }
        for finding in &result.findings {
            self.out.write_record([
                result.source.as_str(),
                snapshot_id,
                account_id,
                provider,
                &finding.id,
                finding.kind.as_str(),
                &finding.title,
                &finding.message,
                &finding.remediation,
                &finding.pointer,
                &number(finding.line),
                &number(finding.column),
                finding.waiver.as_ref().map_or("", |w| match w.status {
                    crate::waiver::WaiverStatus::Applied => "applied",
                    crate::waiver::WaiverStatus::Expired => "expired",
                }),
                finding.waiver.as_ref().map_or("", |w| w.reason.as_str()),
                finding
                    .waiver
                    .as_ref()
                    .map_or("", |w| w.approved_by.as_str()),
            ])?;
        }
        Ok(())
    }

    fn finish(&mut self, _summary: &Summary) -> io::Result<()> {
        self.header()?;
        self.out.flush()
    }
}

/// The account the snapshot describes. The report model does not carry it yet,
/// so the column is empty.
fn account_id(result: &SnapshotResult) -> &str {
    result.account_id.as_deref().unwrap_or_default()
}

impl std::fmt::Debug for CsvReporter<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CsvReporter").finish_non_exhaustive()
    }
}

//! `--format csv`: one row per finding and one per snapshot that could not be
//! checked, under a fixed header, for spreadsheets and ad-hoc queries. Rows are
//! written as results arrive. Quoting is the `csv` crate's (RFC 4180), so
//! commas, quotes and newlines in messages survive a round trip.
//!
//! No cell can be run as a formula: one that starts with `=`, `+`, `-`, `@`,
//! a tab or a carriage return (after any spaces) gets a leading `'`, as OWASP
//! advises against CSV injection; the rest of the cell is kept as it is. Then
//! controls and bidi overrides other than tabs and line breaks (which a quoted
//! cell holds as data) are made visible (`\x1b`, `\u{202e}`, as in the other
//! formats people read: see [`super::escape`]), so a CSV printed on a terminal
//! sends it no escape; JSON keeps the exact values. This holds for every cell
//! of every row, whatever its origin.
//!
//! An error row has an empty `condition_id`, the kind `error`, the error kind
//! (`syntax`, `schema`, …) as its title and the error's message. An eligible
//! snapshot with no finding has no row.

use std::borrow::Cow;
use std::io::{self, Write};

use crate::model::{SnapshotResult, Summary};
use crate::run::Reporter;

use super::error_kind_name;
use super::escape::visible_keeping_lines;

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
            self.out.write_record(HEADER).map_err(io_error)?;
            self.header_written = true;
        }
        Ok(())
    }

    /// One row, each cell neutralised and its controls made visible.
    fn row(&mut self, cells: [&str; HEADER.len()]) -> io::Result<()> {
        let cells = cells.map(|cell| visible_keeping_lines(&neutralise(cell)).into_owned());
        self.out.write_record(&cells).map_err(io_error)
    }
}

/// The I/O error under a CSV one, of the same kind: a closed pipe stays one
/// (`csv::Error` names no source, so [`super::io_kind`] cannot find it).
fn io_error(error: ::csv::Error) -> io::Error {
    match error.kind() {
        ::csv::ErrorKind::Io(inner) => io::Error::new(inner.kind(), error),
        _ => io::Error::other(error),
    }
}

/// `cell` as a spreadsheet may open it safely: a cell that would start a
/// formula (`=`, `+`, `-`, `@`, tab or carriage return, after any spaces) gets
/// a leading `'`.
pub(crate) fn neutralise(cell: &str) -> Cow<'_, str> {
    let starts_formula = cell
        .trim_start_matches(' ')
        .starts_with(['=', '+', '-', '@', '\t', '\r']);
    if starts_formula {
        Cow::Owned(format!("'{cell}"))
    } else {
        Cow::Borrowed(cell)
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
            self.row([
                &result.source.to_string(),
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
            self.row([
                &result.source.to_string(),
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
                finding.waiver.as_ref().map_or("", |w| w.status.into()),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formula_cells_are_neutralised_and_kept() {
        for (cell, want) in [
            ("=cmd|' /C calc'!A0", "'=cmd|' /C calc'!A0"),
            ("+1", "'+1"),
            ("-2+3", "'-2+3"),
            ("@SUM(A1)", "'@SUM(A1)"),
            ("\tx", "'\tx"),
            ("\rx", "'\rx"),
            ("  =1", "'  =1"),
        ] {
            assert_eq!(neutralise(cell), want);
        }
        for cell in ["", "V-1", "/rights/vouchers/0", "a=b", "12", "'=x"] {
            assert!(matches!(neutralise(cell), Cow::Borrowed(c) if c == cell));
        }
    }
}

//! Renderers: one module per output format, each a [`Reporter`], chosen by
//! [`Format`].
//!
//! Streaming formats (`human`, `jsonl`, `github`, `csv`) write each result as it
//! arrives. Document formats (`json`, `sarif`, `junit`, `markdown`, `html`) keep what
//! they need of each result, which is small next to the snapshot, and write the
//! whole document at `finish`.
//!
//! Text from a snapshot is data, never markup nor control: each format
//! escapes it for its readers ([`escape`] for terminals and logs, and
//! Markdown, XML, CSV and workflow-command rules in their modules).

pub mod conditions;
pub mod csv;
pub mod diff;
pub mod escape;
pub mod github;
pub mod html;
pub mod human;
pub mod json;
pub mod jsonl;
pub mod junit;
pub mod markdown;
pub mod output;
pub mod redact;
pub mod sarif;

use std::fmt;
use std::io::Write;

use crate::model::Catalogue;
use crate::model::ErrorKind;
use crate::run::Reporter;

/// The output formats of `closeout check`.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    strum::EnumIter,
    strum::IntoStaticStr,
    strum::EnumString,
    strum::Display,
)]
#[strum(serialize_all = "lowercase")]
pub enum Format {
    /// Diagnostics with the snapshot's text underlined, for a terminal.
    Human,
    /// One JSON document for the run (README, "JSON output").
    Json,
    /// JSON Lines: one `{"type", "data"}` object per result as it is ready, then the summary.
    Jsonl,
    /// SARIF 2.1.0, for code-scanning dashboards.
    Sarif,
    /// JUnit XML: a test suite per snapshot, a test case per applicable condition.
    Junit,
    /// GitHub Actions workflow commands (`::error file=…::…`), shown as annotations.
    Github,
    /// One CSV row per finding and per error, for spreadsheets.
    Csv,
    /// A Markdown summary for a pull request or a ticket.
    Markdown,
    /// One self-contained HTML page for reviewers: totals, chart, table, accounts.
    Html,
}

impl Format {
    /// Every format, in the order `--help` lists them.
    pub fn all() -> impl Iterator<Item = Format> {
        <Format as strum::IntoEnumIterator>::iter()
    }

    /// The name `--format` takes.
    pub fn name(self) -> &'static str {
        self.into()
    }

    /// `--format NAME`, with the list of names when it is none of them.
    pub fn parse(name: &str) -> Result<Format, String> {
        name.parse().map_err(|_| {
            let names: Vec<&str> = Format::all().map(Format::name).collect();
            format!("unknown format {name:?} (expected {})", names.join(", "))
        })
    }
}

/// How human output looks.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
    /// Columns to wrap at.
    pub width: usize,
}

/// The reporter for a format, writing to `out`, without the catalogue: SARIF
/// and JUnit then describe only the conditions that tripped. Prefer
/// [`reporter_with`].
pub fn reporter<'w>(
    format: Format,
    style: Style,
    out: Box<dyn Write + 'w>,
) -> Box<dyn Reporter + 'w> {
    reporter_with(format, style, &Catalogue::default(), out)
}

/// The reporter for a format, writing to `out`. SARIF lists every condition of
/// `catalogue` as a rule, and JUnit makes a test case of every condition that
/// applies to a snapshot, tripped or not.
pub fn reporter_with<'w>(
    format: Format,
    style: Style,
    catalogue: &Catalogue,
    out: Box<dyn Write + 'w>,
) -> Box<dyn Reporter + 'w> {
    match format {
        Format::Human => Box::new(human::HumanReporter::new(out, style)),
        Format::Json => Box::new(json::JsonReporter::new(out)),
        Format::Jsonl => Box::new(jsonl::JsonlReporter::new(out)),
        Format::Sarif => Box::new(sarif::SarifReporter::new(out, catalogue)),
        Format::Junit => Box::new(junit::JunitReporter::new(out, catalogue)),
        Format::Github => Box::new(github::GithubReporter::new(out)),
        Format::Csv => Box::new(self::csv::CsvReporter::new(out)),
        Format::Markdown => Box::new(markdown::MarkdownReporter::new(out)),
        Format::Html => Box::new(html::HtmlReporter::new(out, html::RunFacts::default())),
    }
}

/// Hands every result to several reporters: one run, several `--format X
/// --output FILE` pairs.
pub struct Tee<'w> {
    reporters: Vec<Box<dyn Reporter + 'w>>,
}

impl<'w> Tee<'w> {
    pub fn new(reporters: Vec<Box<dyn Reporter + 'w>>) -> Self {
        Tee { reporters }
    }
}

impl Reporter for Tee<'_> {
    fn flush(&mut self) -> std::io::Result<()> {
        self.reporters.iter_mut().try_for_each(|r| r.flush())
    }

    fn report(
        &mut self,
        result: &crate::model::SnapshotResult,
        text: Option<&str>,
    ) -> std::io::Result<()> {
        self.reporters
            .iter_mut()
            .try_for_each(|r| r.report(result, text))
    }

    fn finish(&mut self, summary: &crate::model::Summary) -> std::io::Result<()> {
        self.reporters
            .iter_mut()
            .try_for_each(|r| r.finish(summary))
    }
}

impl fmt::Debug for Tee<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Tee")
            .field("reporters", &self.reporters.len())
            .finish()
    }
}

/// The name an error kind has in the JSON report (`syntax`, `unknown_provider`, …).
pub(crate) fn error_kind_name(kind: &ErrorKind) -> String {
    let name: &'static str = kind.into();
    name.to_owned()
}

/// The kind of the first I/O error along `error`'s chain of sources (an
/// `io::Error` may wrap another, and XML and CSV writers wrap the one they
/// met), so that a closed pipe under a writer is still seen as a closed pipe.
pub fn io_kind(error: &(dyn std::error::Error + 'static)) -> Option<std::io::ErrorKind> {
    let mut next = Some(error);
    while let Some(error) = next {
        let io = error.downcast_ref::<std::io::Error>().or_else(|| {
            error
                .downcast_ref::<std::sync::Arc<std::io::Error>>()
                .map(|e| &**e)
        });
        if let Some(io) = io {
            if io.kind() != std::io::ErrorKind::Other {
                return Some(io.kind());
            }
            if let Some(inner) = io.get_ref() {
                let inner: &(dyn std::error::Error + 'static) = inner;
                if let Some(kind) = io_kind(inner) {
                    return Some(kind);
                }
            }
        }
        next = error.source();
    }
    None
}

/// `error` as an I/O error of the kind found along its chain ([`io_kind`]).
pub(crate) fn io_error<E>(error: E) -> std::io::Error
where
    E: std::error::Error + Send + Sync + 'static,
{
    let kind = io_kind(&error).unwrap_or(std::io::ErrorKind::Other);
    std::io::Error::new(kind, error)
}

/// A source path with forward slashes, as annotations and URIs want it on any OS.
pub(crate) fn forward_slashes(path: &str) -> String {
    path.replace('\\', "/")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn format_names_round_trip() {
        for format in Format::all() {
            assert_eq!(format.name().parse::<Format>(), Ok(format));
        }
        assert!("xml".parse::<Format>().is_err());
    }
}

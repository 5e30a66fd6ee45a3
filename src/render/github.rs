//! `--format github`: GitHub Actions workflow commands, which the runner turns
//! into annotations on the snapshot files: `::error` for a block finding,
//! `::warning` for a warn, `::notice` for an info, and `::error` for a snapshot
//! that could not be checked. Each line is written as its result arrives; a
//! plain summary line closes the run.
//!
//! Values are escaped as `@actions/core` does: `%`, CR and LF in the message,
//! and also `:` and `,` in properties, where they would end a value. Before
//! that, controls and bidi overrides from input are made visible
//! ([`visible`]): the runner's log shows ANSI colours, and a line break in a
//! name would be `%0A`, a break in the annotation. So a command is always one
//! line and starts only where closeout starts it.

use std::io::{self, Write};

use crate::model::Kind;
use crate::model::{SnapshotResult, Summary};
use crate::run::Reporter;

use super::escape::visible;
use super::{error_kind_name, forward_slashes};

/// Writes one command per finding or error as each result arrives.
pub struct GithubReporter<'w> {
    out: Box<dyn Write + 'w>,
}

impl<'w> GithubReporter<'w> {
    pub fn new(out: Box<dyn Write + 'w>) -> Self {
        Self { out }
    }
}

impl Reporter for GithubReporter<'_> {
    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    fn report(&mut self, result: &SnapshotResult, _text: Option<&str>) -> io::Result<()> {
        let stream_line = result.source.line;
        let file = forward_slashes(&result.source.path);
        let mut page = String::new();
        if let Some(error) = &result.error {
            let title = format!(
                "closeout: snapshot could not be checked ({})",
                error_kind_name(&error.kind)
            );
            page.push_str(&command(
                "error",
                &file,
                error.line.or(stream_line),
                error.column,
                &title,
                &error.message,
            ));
        }
        for finding in &result.findings {
            let name = match finding.kind {
                _ if finding.is_waived() => "notice",
                Kind::Block => "error",
                Kind::Warn => "warning",
                Kind::Info => "notice",
            };
            let title = format!("{} {}", finding.id, finding.title);
            page.push_str(&command(
                name,
                &file,
                finding.line.or(stream_line),
                finding.column,
                title.trim_end(),
                &finding.message_with_waiver(),
            ));
        }
        // One write per snapshot: its commands stay together in the log.
        self.out.write_all(page.as_bytes())
    }

    fn finish(&mut self, summary: &Summary) -> io::Result<()> {
        writeln!(self.out, "closeout: {}", summary.tally())?;
        self.out.flush()
    }
}

/// One workflow command line: `::NAME file=F,line=L,col=C,title=T::MESSAGE`,
/// every value made visible and escaped.
fn command(
    name: &str,
    file: &str,
    line: Option<usize>,
    column: Option<usize>,
    title: &str,
    message: &str,
) -> String {
    let mut properties = vec![format!("file={}", escape_property(&visible(file)))];
    if let Some(line) = line {
        properties.push(format!("line={line}"));
        // A column means nothing to the runner without a line.
        if let Some(column) = column {
            properties.push(format!("col={column}"));
        }
    }
    properties.push(format!("title={}", escape_property(&visible(title))));
    format!(
        "::{name} {}::{}\n",
        properties.join(","),
        escape_data(&visible(message))
    )
}

/// Escapes a command's message.
pub(crate) fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// Escapes a property value, where `:` and `,` are separators.
pub(crate) fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

impl std::fmt::Debug for GithubReporter<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GithubReporter").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_as_actions_core_does() {
        assert_eq!(
            escape_data("50% off\r\nnext: a, b"),
            "50%25 off%0D%0Anext: a, b"
        );
        assert_eq!(
            escape_property("TCC-004 A third-party app, linked: 100%\n"),
            "TCC-004 A third-party app%2C linked%3A 100%25%0A"
        );
    }

    #[test]
    fn a_command_is_one_line() {
        let line = command(
            "warning",
            "a,b.json",
            Some(3),
            Some(7),
            "X-001 T",
            "two\nlines",
        );
        assert_eq!(
            line,
            "::warning file=a%2Cb.json,line=3,col=7,title=X-001 T::two\\nlines\n"
        );
        let hostile = command(
            "error",
            "a\n::b.json",
            Some(1),
            None,
            "T\u{1b}]0;x\u{7}",
            "50% \u{1b}[31mred\r\n::warning::x \u{202e}",
        );
        assert_eq!(
            hostile,
            "::error file=a\\n%3A%3Ab.json,line=1,title=T\\x1b]0;x\\x07::50%25 \\x1b[31mred\\r\\n::warning::x \\u{202e}\n"
        );
        let no_line = command("error", "a.json", None, Some(7), "t", "m");
        assert_eq!(no_line, "::error file=a.json,title=t::m\n");
    }
}

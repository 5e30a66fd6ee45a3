//! Human output: a verdict line per snapshot, each finding as a miette diagnostic
//! with the snapshot's own text underlined, the fix plan, then a summary.
//!
//! Every text that came from input (names, ids, messages, file names) goes
//! through [`visible`], so a terminal never receives its escapes; the snippet
//! is the snapshot's text with U+FFFD in place of such characters (see
//! [`Snippet`]), its labels moved to match.

use std::collections::BTreeMap;
use std::fmt;
use std::io::{self, Write};
use std::sync::Arc;

use miette::{
    Diagnostic, GraphicalReportHandler, GraphicalTheme, LabeledSpan, Severity, SourceCode,
};

use crate::model::plural;
use crate::model::Kind;
use crate::model::Span;
use crate::model::{Finding, SnapshotResult, Summary, Verdict};
use crate::policy::PolicyError;
use crate::run::Reporter;

use super::escape::{visible, Snippet};
use super::Style;

pub struct HumanReporter<'w> {
    out: Box<dyn Write + 'w>,
    handler: GraphicalReportHandler,
    style: Style,
    quiet: bool,
    /// Block findings seen so far: condition id -> (title, snapshots).
    blocking: BTreeMap<String, (String, usize)>,
}

impl<'w> HumanReporter<'w> {
    pub fn new(out: Box<dyn Write + 'w>, style: Style) -> Self {
        let theme = if style.color {
            GraphicalTheme::unicode()
        } else {
            GraphicalTheme::unicode_nocolor()
        };
        let handler = GraphicalReportHandler::new_themed(theme)
            .with_width(style.width)
            .with_links(false)
            .with_context_lines(1);
        Self {
            out,
            handler,
            style,
            quiet: false,
            blocking: BTreeMap::new(),
        }
    }

    /// One line per snapshot: the verdict and its condition ids.
    pub fn quiet(mut self, quiet: bool) -> Self {
        self.quiet = quiet;
        self
    }

    fn render(&self, diagnostic: &dyn Diagnostic) -> io::Result<String> {
        let mut text = String::new();
        self.handler
            .render_report(&mut text, diagnostic)
            .map_err(|_| io::Error::other("cannot render a diagnostic"))?;
        Ok(text)
    }
}

impl Reporter for HumanReporter<'_> {
    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }

    fn report(&mut self, result: &SnapshotResult, text: Option<&str>) -> io::Result<()> {
        for group in result.findings.chunk_by(|a, b| a.id == b.id) {
            if group[0].kind == Kind::Block && group.iter().any(|f| !f.is_waived()) {
                let entry = self
                    .blocking
                    .entry(group[0].id.clone())
                    .or_insert_with(|| (group[0].title.clone(), 0));
                entry.1 += 1;
            }
        }
        if self.quiet {
            return writeln!(self.out, "{}", quiet_line(result));
        }
        let mut page = String::new();
        page.push_str(&verdict_line(result));
        page.push('\n');
        let snippet = text.map(Snippet::new);
        let source = snippet.as_ref().map(|s| {
            crate::input::locate::NamedText::new(
                visible(&result.source.to_string()),
                Arc::clone(&s.text),
            )
        });
        // A label's span in the snippet's text.
        let place = |span: Span| match &snippet {
            Some(snippet) => {
                let (offset, len) = snippet.span(span.offset, span.len);
                Span { offset, len }
            }
            None => span,
        };
        if let Some(error) = &result.error {
            let diagnostic = Report {
                code: error.code.to_string(),
                severity: Severity::Error,
                heading: visible(&error.message).into_owned(),
                labels: error
                    .span
                    .map(|span| (place(span), position_note(error.line, error.column)))
                    .into_iter()
                    .collect(),
                help: None,
                source: source.clone(),
            };
            page.push_str(&self.render(&diagnostic)?);
        }
        // One diagnostic per condition: its findings are labels in the same file.
        for group in result.findings.chunk_by(|a, b| a.id == b.id) {
            let first = &group[0];
            let located = |f: &&Finding| f.label.is_some() && text.is_some();
            let unlocated: Vec<String> = group
                .iter()
                .filter(|f| !located(f))
                .map(|f| visible(&f.message_with_waiver()).into_owned())
                .collect();
            let waived = group.iter().all(|f| f.is_waived());
            let title = visible(&first.title);
            let mut heading = if waived {
                format!("{title} [{}, waived]", first.kind.as_str())
            } else {
                format!("{title} [{}]", first.kind.as_str())
            };
            if !unlocated.is_empty() {
                heading = format!("{heading}: {}", unlocated.join("; "));
            }
            let diagnostic = Report {
                code: visible(&first.id).into_owned(),
                severity: match first.kind {
                    _ if waived => Severity::Advice,
                    Kind::Block => Severity::Error,
                    Kind::Warn => Severity::Warning,
                    Kind::Info => Severity::Advice,
                },
                heading,
                labels: group
                    .iter()
                    .filter(located)
                    .filter_map(|f| {
                        Some((
                            place(f.label?),
                            visible(&f.message_with_waiver()).into_owned(),
                        ))
                    })
                    .collect(),
                help: (!first.remediation.is_empty())
                    .then(|| visible(&first.remediation).into_owned()),
                source: source.clone(),
            };
            page.push_str(&self.render(&diagnostic)?);
            page.push('\n');
        }
        if !result.plan.is_empty() {
            page.push_str("Fix plan, in this order:\n");
            for step in &result.plan {
                let head = format!("  {:>2}. [{}] ", step.step, visible(&step.ids.join(", ")));
                page.push_str(&wrap(&head, &visible(&step.remediation), self.style.width));
                for target in &step.targets {
                    page.push_str(&wrap("        - ", &visible(target), self.style.width));
                }
            }
            page.push('\n');
        }
        self.out.write_all(page.as_bytes())
    }

    fn finish(&mut self, summary: &Summary) -> io::Result<()> {
        if summary.snapshots > 1 && !self.blocking.is_empty() {
            let mut top: Vec<_> = self.blocking.iter().collect();
            top.sort_by(|a, b| b.1 .1.cmp(&a.1 .1).then(a.0.cmp(b.0)));
            writeln!(
                self.out,
                "Top blocking conditions (snapshots blocked by each):"
            )?;
            for (id, (title, count)) in top.iter().take(10) {
                let (id, title) = (visible(id), visible(title));
                writeln!(self.out, "  {id}  {count:>7}  {title}")?;
            }
        }
        if summary.waivers.applied + summary.waivers.expired > 0 {
            writeln!(
                self.out,
                "{} finding{} waived by closeout.toml, {} under an expired waiver",
                summary.waivers.applied,
                plural(summary.waivers.applied),
                summary.waivers.expired
            )?;
        }
        if summary.warned > 0 {
            writeln!(
                self.out,
                "{} snapshot{} with warnings",
                summary.warned,
                plural(summary.warned)
            )?;
        }
        writeln!(self.out, "{}", summary.tally())?;
        self.out.flush()
    }
}

fn verdict_line(result: &SnapshotResult) -> String {
    let count = |kind: Kind| {
        result
            .findings
            .iter()
            .filter(|f| f.kind == kind && !f.is_waived())
            .count()
    };
    let waived = result.findings.iter().filter(|f| f.is_waived()).count();
    let mut identity = Vec::new();
    if let Some(provider) = &result.provider {
        identity.push(visible(provider).into_owned());
    }
    if let Some(id) = &result.snapshot_id {
        identity.push(format!("snapshot {}", visible(id)));
    }
    let identity = if identity.is_empty() {
        String::new()
    } else {
        format!(" ({})", identity.join(", "))
    };
    let tally = match result.verdict {
        Verdict::Error => String::from("could not be checked"),
        _ => {
            let (b, w, i) = (count(Kind::Block), count(Kind::Warn), count(Kind::Info));
            let mut tally = format!(
                "{b} blocking, {w} warning{}, {i} note{}",
                plural(w),
                plural(i)
            );
            if waived > 0 {
                tally.push_str(&format!(", {waived} waived"));
            }
            tally
        }
    };
    format!(
        "{} {}{identity}: {tally}",
        result.verdict.label(),
        visible(&result.error_location())
    )
}

/// Any miette diagnostic (a closeout.toml error, say) rendered as human output is.
pub fn diagnostic(diagnostic: &dyn Diagnostic, style: Style) -> String {
    let reporter = HumanReporter::new(Box::new(io::sink()), style);
    reporter
        .render(diagnostic)
        .unwrap_or_else(|_| diagnostic.to_string())
}

/// A policy load failure, with a snippet of each offending policy line.
pub fn policy_error(error: &PolicyError, style: Style) -> String {
    let reporter = HumanReporter::new(Box::new(io::sink()), style);
    let PolicyError::Invalid(issues) = error else {
        return format!("error[{}]: {error}\n", error.code());
    };
    let mut out = format!(
        "error: {} problem{} in policy annotations; no snapshot was checked\n",
        issues.len(),
        plural(issues.len())
    );
    for issue in issues {
        let snippet = issue.text.as_deref().map(Snippet::new);
        let span = issue
            .text
            .as_ref()
            .zip(snippet.as_ref())
            .map(|(text, snippet)| {
                let offset = crate::input::locate::offset_of(text, issue.line, 1);
                let len = text[offset..].find('\n').unwrap_or(text.len() - offset);
                let (offset, len) = snippet.span(offset, len);
                Span { offset, len }
            });
        let diagnostic = Report {
            code: issue.code.to_string(),
            severity: Severity::Error,
            heading: visible(&format!("{}:{}: {}", issue.file, issue.line, issue.message))
                .into_owned(),
            labels: span
                .map(|span| (span, "here".to_string()))
                .into_iter()
                .collect(),
            help: Some(
                "see docs/policy-authoring.md for the annotation every condition needs".into(),
            ),
            source: snippet
                .map(|s| crate::input::locate::NamedText::new(visible(&issue.file), s.text)),
        };
        out.push_str(&reporter.render(&diagnostic).unwrap_or_default());
    }
    out
}

fn quiet_line(result: &SnapshotResult) -> String {
    let mut line = verdict_line(result);
    match &result.error {
        Some(error) => line = format!("{line}: {}", visible(&error.message)),
        None if !result.findings.is_empty() => {
            line = format!("{line} [{}]", visible(&result.condition_ids().join(", ")))
        }
        None => {}
    }
    line
}

fn position_note(line: Option<usize>, column: Option<usize>) -> String {
    match (line, column) {
        (Some(l), Some(c)) => format!("here (line {l}, column {c})"),
        _ => "here".into(),
    }
}

/// Wraps `text` after `head`, indenting continuation lines under the text;
/// words are never broken.
fn wrap(head: &str, text: &str, width: usize) -> String {
    let indent = " ".repeat(head.chars().count());
    let words = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if words.is_empty() {
        return format!("{head}\n");
    }
    let options = textwrap::Options::new(width.max(40))
        .initial_indent(head)
        .subsequent_indent(&indent)
        .break_words(false)
        .word_separator(textwrap::WordSeparator::AsciiSpace)
        .word_splitter(textwrap::WordSplitter::NoHyphenation);
    let mut out = textwrap::fill(&words, options);
    out.push('\n');
    out
}

/// A finding or an input error as a miette diagnostic, built at run time.
#[derive(Debug)]
struct Report {
    code: String,
    severity: Severity,
    heading: String,
    /// Spans of the source and what to say under each.
    labels: Vec<(Span, String)>,
    help: Option<String>,
    source: Option<crate::input::locate::NamedText>,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.heading)
    }
}

impl std::error::Error for Report {}

impl Diagnostic for Report {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(&self.code))
    }

    fn severity(&self) -> Option<Severity> {
        Some(self.severity)
    }

    fn help<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        self.help
            .as_ref()
            .map(|h| Box::new(h) as Box<dyn fmt::Display>)
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        if self.labels.is_empty() {
            return None;
        }
        self.source.as_ref().map(|s| s as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        if self.labels.is_empty() || self.source.is_none() {
            return None;
        }
        let labels = self
            .labels
            .iter()
            .map(|(span, text)| LabeledSpan::new(Some(text.clone()), span.offset, span.len));
        Some(Box::new(labels))
    }
}

impl std::fmt::Debug for HumanReporter<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HumanReporter").finish_non_exhaustive()
    }
}

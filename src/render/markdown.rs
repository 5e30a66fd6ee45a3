//! `--format markdown`: a summary of the run to paste into a pull request or a
//! ticket (GitHub-flavoured Markdown): the totals, the blocked accounts, the
//! conditions that tripped most, the fix plan of each blocked snapshot, and the
//! inputs that could not be checked with their file:line:column.
//!
//! Text from snapshots is escaped so it cannot break a table or a list item,
//! nor inject HTML: `|` is escaped, and outside code spans newlines become
//! `<br>` and `<` becomes `&lt;` (see [`text`]).

use std::collections::BTreeMap;
use std::io::{self, Write};

use crate::check::Reporter;
use crate::condition::Kind;
use crate::report::{PlanStep, SnapshotResult, Summary};
use crate::snapshot::plural;

use super::{error_kind_name, file_position};

/// How many blocked snapshots and errors are listed in full. A comment on a
/// GitHub pull request holds at most 65,536 characters, and a run over a large
/// stream can block thousands of accounts: the rest are counted, and the JSON or
/// CSV report has them all.
pub const MAX_LISTED: usize = 50;

/// How many conditions the "top conditions" table shows.
const TOP_CONDITIONS: usize = 10;

/// Keeps what the summary shows of each result (a bounded amount) and writes the
/// document at `finish`.
pub struct MarkdownReporter<'w> {
    out: Box<dyn Write + 'w>,
    blocked: Vec<Blocked>,
    errors: Vec<Failed>,
    /// The kind and title of each condition seen, for the top conditions table.
    conditions: BTreeMap<String, (Kind, String)>,
}

struct Blocked {
    source: String,
    snapshot_id: Option<String>,
    provider: Option<String>,
    blocking: Vec<String>,
    plan: Vec<PlanStep>,
}

struct Failed {
    source: String,
    line: Option<usize>,
    column: Option<usize>,
    kind: String,
    message: String,
}

impl<'w> MarkdownReporter<'w> {
    pub fn new(out: Box<dyn Write + 'w>) -> Self {
        Self {
            out,
            blocked: Vec::new(),
            errors: Vec::new(),
            conditions: BTreeMap::new(),
        }
    }

    fn render(&self, summary: &Summary) -> String {
        let mut page = String::from("# closeout report\n\n");
        page.push_str(&headline(summary));
        page.push_str("\n\n| snapshots | eligible | blocked | errors | warned |\n");
        page.push_str("|---:|---:|---:|---:|---:|\n");
        page.push_str(&format!(
            "| {} | {} | {} | {} | {} |\n",
            summary.snapshots, summary.eligible, summary.blocked, summary.errors, summary.warned
        ));

        if !self.blocked.is_empty() {
            page.push_str("\n## Blocked accounts\n\n");
            page.push_str("| source | snapshot id | provider | blocking conditions |\n");
            page.push_str("|---|---|---|---|\n");
            for blocked in &self.blocked {
                page.push_str(&format!(
                    "| {} | {} | {} | {} |\n",
                    code(&blocked.source),
                    blocked.snapshot_id.as_deref().map(code).unwrap_or_default(),
                    text(blocked.provider.as_deref().unwrap_or_default()),
                    text(&blocked.blocking.join(", ")),
                ));
            }
            page.push_str(&more(
                summary.blocked,
                self.blocked.len(),
                "blocked snapshot",
            ));
        }

        if !summary.by_condition.is_empty() {
            let mut top: Vec<(&String, &usize)> = summary.by_condition.iter().collect();
            top.sort_by(|a, b| b.1.cmp(a.1).then(a.0.cmp(b.0)));
            page.push_str("\n## Top conditions\n\n");
            page.push_str("| condition | kind | title | snapshots |\n");
            page.push_str("|---|---|---|---:|\n");
            for (id, count) in top.into_iter().take(TOP_CONDITIONS) {
                let (kind, title) = self
                    .conditions
                    .get(id)
                    .map(|(kind, title)| (kind.as_str(), title.as_str()))
                    .unwrap_or_default();
                page.push_str(&format!(
                    "| {} | {kind} | {} | {count} |\n",
                    text(id),
                    text(title)
                ));
            }
        }

        if !self.blocked.is_empty() {
            page.push_str("\n## Fix plans\n");
            for blocked in &self.blocked {
                page.push_str(&format!("\n### {}\n\n", code(&blocked.source)));
                let mut identity = String::from("Snapshot");
                if let Some(id) = &blocked.snapshot_id {
                    identity.push_str(&format!(" {}", code(id)));
                }
                if let Some(provider) = &blocked.provider {
                    identity.push_str(&format!(" ({})", text(provider)));
                }
                page.push_str(&format!("{identity}: fix in this order.\n\n"));
                for step in &blocked.plan {
                    page.push_str(&format!(
                        "{}. **{}**: {}\n",
                        step.step,
                        step.ids.join(", "),
                        text(&step.remediation)
                    ));
                    for target in &step.targets {
                        page.push_str(&format!("   - {}\n", text(target)));
                    }
                }
            }
            page.push_str(&more(summary.blocked, self.blocked.len(), "fix plan"));
        }

        if !self.errors.is_empty() {
            page.push_str("\n## Errors\n\n");
            for error in &self.errors {
                page.push_str(&format!(
                    "- {} ({}): {}\n",
                    code(&file_position(&error.source, error.line, error.column)),
                    error.kind,
                    text(&error.message)
                ));
            }
            page.push_str(&more(summary.errors, self.errors.len(), "error"));
        }
        page
    }
}

impl Reporter for MarkdownReporter<'_> {
    fn report(&mut self, result: &SnapshotResult, _text: Option<&str>) -> io::Result<()> {
        for finding in &result.findings {
            self.conditions
                .entry(finding.id.clone())
                .or_insert_with(|| (finding.kind, finding.title.clone()));
        }
        if let Some(error) = &result.error {
            if self.errors.len() < MAX_LISTED {
                self.errors.push(Failed {
                    source: result.source.clone(),
                    line: error.line,
                    column: error.column,
                    kind: error_kind_name(&error.kind),
                    message: error.message.clone(),
                });
            }
        } else if result
            .findings
            .iter()
            .any(|f| f.kind == Kind::Block && !f.is_waived())
            && self.blocked.len() < MAX_LISTED
        {
            let mut blocking: Vec<String> = result
                .findings
                .iter()
                .filter(|f| f.kind == Kind::Block && !f.is_waived())
                .map(|f| f.id.clone())
                .collect();
            blocking.dedup();
            self.blocked.push(Blocked {
                source: result.source.clone(),
                snapshot_id: result.snapshot_id.clone(),
                provider: result.provider.clone(),
                blocking,
                plan: result.plan.clone(),
            });
        }
        Ok(())
    }

    fn finish(&mut self, summary: &Summary) -> io::Result<()> {
        let page = self.render(summary);
        self.out.write_all(page.as_bytes())?;
        self.out.flush()
    }
}

/// One sentence a reader takes in first.
fn headline(summary: &Summary) -> String {
    let mut line = if summary.blocked == 0 {
        format!(
            "**No account is blocked** among {} snapshot{}.",
            summary.snapshots,
            plural(summary.snapshots)
        )
    } else {
        format!(
            "**{} of {} snapshot{} blocked**: {} must not be closed yet.",
            summary.blocked,
            summary.snapshots,
            plural(summary.snapshots),
            if summary.blocked == 1 {
                "that account"
            } else {
                "those accounts"
            }
        )
    };
    if summary.errors > 0 {
        line.push_str(&format!(
            " {} could not be checked.",
            if summary.errors == 1 {
                String::from("1 snapshot")
            } else {
                format!("{} snapshots", summary.errors)
            }
        ));
    }
    line
}

/// "… and N more" under a list cut at [`MAX_LISTED`].
fn more(total: usize, listed: usize, what: &str) -> String {
    if total > listed {
        let rest = total - listed;
        format!(
            "\n… and {rest} more {what}{} (the JSON or CSV report lists them all).\n",
            plural(rest)
        )
    } else {
        String::new()
    }
}

/// Text on one line, safe in a table cell or a list item. Outside code spans,
/// `&` and `<` become entities and line breaks `<br>`; inside them (remediations
/// quote commands such as `aptible db:tunnel <database>`) the text stays as it
/// is, since Markdown shows entities there literally, and line breaks become
/// spaces. `|` is escaped everywhere: GitHub's tables split on it even in code.
pub(crate) fn text(raw: &str) -> String {
    let raw = raw.replace("\r\n", "\n");
    let mut out = String::with_capacity(raw.len());
    let mut rest = raw.as_str();
    while !rest.is_empty() {
        let Some(start) = rest.find('`') else {
            out.push_str(&plain(rest));
            break;
        };
        out.push_str(&plain(&rest[..start]));
        let ticks = rest[start..].len() - rest[start..].trim_start_matches('`').len();
        let fence = &rest[start..start + ticks];
        let after = &rest[start + ticks..];
        match closing_fence(after, ticks) {
            Some(end) => {
                let inside = after[..end].replace(['\n', '\r'], " ").replace('|', "\\|");
                out.push_str(&format!("{fence}{inside}{fence}"));
                rest = &after[end + ticks..];
            }
            // An unmatched run of backticks is literal text.
            None => {
                out.push_str(fence);
                rest = after;
            }
        }
    }
    out
}

/// Where a run of exactly `ticks` backticks starts in `text`, closing a code span.
fn closing_fence(text: &str, ticks: usize) -> Option<usize> {
    let mut offset = 0;
    while let Some(found) = text[offset..].find('`') {
        let start = offset + found;
        let run = text[start..].len() - text[start..].trim_start_matches('`').len();
        if run == ticks {
            return Some(start);
        }
        offset = start + run;
    }
    None
}

/// Text outside code spans.
fn plain(raw: &str) -> String {
    raw.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('|', "\\|")
        .replace(['\n', '\r'], "<br>")
}

/// An inline code span: paths and ids read literally. The fence is longer than
/// any run of backticks inside, and a `|` is still escaped, as tables require.
pub(crate) fn code(raw: &str) -> String {
    let raw = raw.replace(['\n', '\r'], " ");
    let longest = raw
        .split(|c| c != '`')
        .map(str::len)
        .max()
        .unwrap_or_default();
    let fence = "`".repeat(longest + 1);
    // A span that starts or ends with a backtick needs a space to stay apart.
    let pad = if raw.starts_with('`') || raw.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{}{pad}{fence}", raw.replace('|', "\\|"))
}

impl std::fmt::Debug for MarkdownReporter<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MarkdownReporter").finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_cannot_break_a_table_or_inject_html() {
        assert_eq!(
            text("a | b\nc\r\nd <script> & e"),
            "a \\| b<br>c<br>d &lt;script> &amp; e"
        );
    }

    #[test]
    fn code_spans_inside_text_stay_literal() {
        assert_eq!(
            text("open `aptible db:tunnel <db>` then\ndump <it> | `a|b`"),
            "open `aptible db:tunnel <db>` then<br>dump &lt;it> \\| `a\\|b`"
        );
        assert_eq!(text("one ` tick <x>"), "one ` tick &lt;x>");
        assert_eq!(text("``a ` b`` <"), "``a ` b`` &lt;");
    }

    #[test]
    fn code_spans_outlast_backticks_inside() {
        assert_eq!(code("a/b.json"), "`a/b.json`");
        assert_eq!(code("odd`name|x"), "``odd`name\\|x``");
        assert_eq!(code("`x"), "`` `x ``");
    }

    #[test]
    fn lists_cut_at_the_limit_say_how_many_are_left() {
        assert_eq!(more(3, 3, "error"), "");
        assert_eq!(
            more(53, 50, "error"),
            "\n… and 3 more errors (the JSON or CSV report lists them all).\n"
        );
    }
}

//! `--format markdown`: a summary of the run to paste into a pull request or a
//! ticket (GitHub-flavoured Markdown): the totals, the blocked accounts, the
//! conditions that tripped most, the fix plan of each blocked snapshot, and the
//! inputs that could not be checked with their file:line:column.
//!
//! Values are text, never markup: every value (names, ids, messages, titles,
//! paths) is written with [`text`] or, for paths and snapshot ids, as a code
//! span with [`code`]. A value cannot open a link, an image, emphasis, HTML or
//! an autolink, start a heading or a list, break a table's row or cell, nor
//! carry a control character (those are made visible first, as `\x1b` or
//! `\n`). Only the remediations, which the policy annotations write, keep
//! their code spans (see [`prose`]).

use std::collections::BTreeMap;
use std::io::{self, Write};

use crate::model::plural;
use crate::model::Kind;
use crate::model::{PlanStep, SnapshotResult, Source, Summary};
use crate::run::Reporter;

use super::error_kind_name;
use super::escape::visible;

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
    source: Source,
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
        if let Some(shard) = summary.shard {
            page.push_str(&format!("Shard {shard} of a sharded run.\n\n"));
        }
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
                    cell_code(&blocked.source),
                    blocked
                        .snapshot_id
                        .as_deref()
                        .map(cell_code)
                        .unwrap_or_default(),
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
                        text(&step.ids.join(", ")),
                        prose(&step.remediation)
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
                    code(&error.source.position(error.line, error.column)),
                    text(&error.kind),
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
                source: result.source.to_string(),
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

/// A value as text, on one line, safe anywhere: in a table cell, a list item,
/// a heading or a paragraph, at the start of a line or not.
///
/// Control characters are made visible ([`visible`]). Then every character
/// that Markdown (GitHub-flavoured) could read as markup is escaped with a
/// backslash: `\` `` ` `` `*` `~` `[` `]` `{` `}` `|` `!` `>` `@`, `_` but
/// inside a word (where it cannot emphasise), and the `:` of `://` and the
/// `.` of `www.`: those make links, images, emphasis, strikethrough, table
/// cells and autolinks. `<` and `&` become `&lt;` and `&amp;`: no HTML, no
/// entity. What opens a block only at the start of a line (`#`, `+`, `-`, `=`,
/// `>`, `1.`, `1)`, indentation) is escaped at the start of the value.
pub(crate) fn text(raw: &str) -> String {
    escape(raw, true, true)
}

/// [`text`]. `starts_block`: the value may stand at the start of a line;
/// `autolinks`: URLs and addresses must not become links.
fn escape(raw: &str, starts_block: bool, autolinks: bool) -> String {
    let raw = visible(raw);
    let mut out = String::with_capacity(raw.len() + 8);
    let mut previous: Option<char> = None;
    let mut chars = raw.char_indices().peekable();
    while let Some((at, c)) = chars.next() {
        let first = starts_block && at == 0;
        match c {
            '\\' | '`' | '*' | '~' | '[' | ']' | '{' | '}' | '|' | '!' | '>' => {
                out.push('\\');
                out.push(c);
            }
            '_' if !(previous.is_some_and(char::is_alphanumeric)
                && chars
                    .peek()
                    .is_some_and(|&(_, next)| next.is_alphanumeric())) =>
            {
                out.push_str("\\_");
            }
            '<' => out.push_str("&lt;"),
            '&' => out.push_str("&amp;"),
            '@' if autolinks => out.push_str("\\@"),
            ':' if autolinks && raw[at + 1..].starts_with("//") => out.push_str("\\:"),
            '.' if autolinks && raw[..at].to_ascii_lowercase().ends_with("www") => {
                out.push_str("\\.")
            }
            '#' | '+' | '-' | '=' if first => {
                out.push('\\');
                out.push(c);
            }
            ' ' if first => out.push_str("&#32;"),
            '0'..='9' if first => {
                // `1.` or `1)` would open an ordered list.
                out.push(c);
                while let Some(&(_, digit)) = chars.peek().filter(|(_, d)| d.is_ascii_digit()) {
                    out.push(digit);
                    chars.next();
                }
                if let Some(&(_, mark @ ('.' | ')'))) = chars.peek() {
                    out.push('\\');
                    out.push(mark);
                    chars.next();
                    previous = Some(mark);
                    continue;
                }
            }
            c => out.push(c),
        }
        previous = Some(c);
    }
    out
}

/// A remediation, from a policy annotation: as [`text`], but its code spans
/// (`` `aptible db:tunnel <database>` ``) stay code spans and its URLs links.
/// Only policy authors write it; a snapshot's values never reach it.
pub(crate) fn prose(raw: &str) -> String {
    let raw = visible(raw);
    let mut out = String::with_capacity(raw.len() + 8);
    let mut rest: &str = &raw;
    while !rest.is_empty() {
        let starts_block = out.is_empty();
        let Some(start) = rest.find('`') else {
            out.push_str(&escape(rest, starts_block, false));
            break;
        };
        let ticks = rest[start..].len() - rest[start..].trim_start_matches('`').len();
        let after = &rest[start + ticks..];
        match closing_fence(after, ticks) {
            Some(end) => {
                out.push_str(&escape(&rest[..start], starts_block, false));
                out.push_str(&code(&after[..end]));
                rest = &after[end + ticks..];
            }
            // An unmatched run of backticks is literal text.
            None => {
                out.push_str(&escape(&rest[..start + ticks], starts_block, false));
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

/// An inline code span: paths and ids read literally, and nothing in a code
/// span is markup. Controls are made visible first; the fence is longer than
/// any run of backticks inside.
pub(crate) fn code(raw: &str) -> String {
    let raw = visible(raw);
    let longest = raw
        .split(|c| c != '`')
        .map(str::len)
        .max()
        .unwrap_or_default();
    let fence = "`".repeat(longest + 1);
    // A span that starts or ends with a backtick or a space needs a space to
    // keep it.
    let pad = if raw.starts_with(['`', ' ']) || raw.ends_with(['`', ' ']) {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{raw}{pad}{fence}")
}

/// A code span in a table cell, where GitHub splits cells on `|` even inside
/// code: there it is escaped (a code span elsewhere would show the backslash).
fn cell_code(raw: &str) -> String {
    code(raw).replace('|', "\\|")
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
            "a \\| b\\\\nc\\\\r\\\\nd &lt;script\\> &amp; e"
        );
    }

    #[test]
    fn text_opens_no_link_nor_emphasis() {
        assert_eq!(
            text("[x](javascript:alert(4)) ![i](u) *b* _i_ ~s~ `c`"),
            "\\[x\\](javascript:alert(4)) \\!\\[i\\](u) \\*b\\* \\_i\\_ \\~s\\~ \\`c\\`"
        );
        assert_eq!(
            text("see https://evil.example, www.evil.example or a@b.example"),
            "see https\\://evil.example, www\\.evil.example or a\\@b.example"
        );
        assert_eq!(text("mailto:a@b.example"), "mailto:a\\@b.example");
        // Colons and underscores that make nothing stay as they are.
        assert_eq!(text("at 10:00, note: x_y"), "at 10:00, note: x_y");
        assert_eq!(text("_x_ y_ _"), "\\_x\\_ y\\_ \\_");
    }

    #[test]
    fn text_opens_no_block() {
        assert_eq!(text("# h"), "\\# h");
        assert_eq!(text("- x"), "\\- x");
        assert_eq!(text("+ x"), "\\+ x");
        assert_eq!(text("12. x"), "12\\. x");
        assert_eq!(text("3) x"), "3\\) x");
        assert_eq!(text("> q"), "\\> q");
        assert_eq!(text("    code"), "&#32;   code");
        // Inside a value they are plain.
        assert_eq!(text("V-1 #2 1.5"), "V-1 #2 1.5");
    }

    #[test]
    fn prose_keeps_its_code_spans_only() {
        assert_eq!(
            prose("open `aptible db:tunnel <db>` then\ndump <it> | `a|b`"),
            "open `aptible db:tunnel <db>` then\\\\ndump &lt;it\\> \\| `a|b`"
        );
        assert_eq!(prose("one ` tick <x>"), "one \\` tick &lt;x\\>");
        assert_eq!(prose("``a ` b`` <"), "``a ` b`` &lt;");
    }

    #[test]
    fn code_spans_outlast_backticks_inside() {
        assert_eq!(code("a/b.json"), "`a/b.json`");
        assert_eq!(code("odd`name|x"), "``odd`name|x``");
        assert_eq!(cell_code("odd`name|x"), "``odd`name\\|x``");
        assert_eq!(code("`x"), "`` `x ``");
        assert_eq!(code("a\nb\u{1b}"), "`a\\nb\\x1b`");
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

//! `--format html`: one self-contained page a reviewer can open, print and
//! forward. No request leaves the page: the styles, the script and the chart
//! (inline SVG) are in the file.
//!
//! From the top: the totals; a bar chart of the blocking conditions by the
//! number of snapshots each blocks, every bar labelled with the id and title
//! and linking to the list of that condition's accounts; a breakdown per
//! provider; a table of every snapshot (source, account, provider, verdict,
//! blocking ids) that a small inline script sorts, filters by verdict,
//! provider and condition id, and searches, and which without the script is
//! still the whole table; then a section per snapshot with each finding (kind,
//! message, remediation, the JSON pointer and, when the snapshot's text was at
//! hand, its lines around the value), waivers with reason, approver and expiry,
//! and the fix plan as numbered steps; last, the run's facts (closeout version,
//! policy digest, evaluation time, options) so an auditor can re-run it.
//!
//! The script reads filters from the page's query (`?verdict=blocked&
//! provider=aptible&condition=APT-001&q=text&sort=provider`), so a filtered
//! view can be linked to, and marks `<body data-ready>` when it has run (the
//! browser test reads both).
//!
//! Every value from a snapshot or a pack is text: [`text`] makes control
//! characters visible (as every text format does, see [`super::escape`]) and
//! escapes `&`, `<`, `>`, `"` and `'`, so it is safe in element content and in
//! quoted attributes alike. Element ids made from values use [`anchor`]. The
//! standard library is enough for that; no crate is needed.
//!
//! Printed, the controls disappear and each snapshot's section starts a page.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::io::{self, Write};

use crate::model::Kind;
use crate::model::{Finding, PlanStep, SnapshotResult, Summary, Verdict};
use crate::model::{WaiverNote, WaiverStatus};
use crate::run::diff::{diff, Side};
use crate::run::Reporter;

use super::error_kind_name;
use super::escape::{visible, Snippet};
use crate::model::Source;

/// Lines shown before and after an evidence line, as the human output does.
const CONTEXT_LINES: usize = 1;

/// What the page says about the run itself.
#[derive(Debug, Clone, Default)]
pub struct RunFacts {
    pub version: String,
    pub policy_digest: String,
    pub evaluated_at: String,
    pub engine: String,
    /// The command's arguments after the program name.
    pub options: Vec<String>,
    /// Whether values were redacted (`--no-redact` not given).
    pub redacted: bool,
}

/// Keeps what the page shows of each result (findings, plan, a few lines of
/// evidence; never the snapshot) and writes the page at `finish`.
pub struct HtmlReporter<'w> {
    out: Box<dyn Write + 'w>,
    facts: RunFacts,
    accounts: Vec<Account>,
    /// Kind and title of every condition seen.
    conditions: BTreeMap<String, (Kind, String)>,
    /// `check --baseline`: the baseline's accounts, and this run's as they come.
    baseline: Option<(Side, Side)>,
}

struct Account {
    source: Source,
    snapshot_id: Option<String>,
    account_id: Option<String>,
    provider: Option<String>,
    verdict: Verdict,
    findings: Vec<Shown>,
    plan: Vec<PlanStep>,
    error: Option<ShownError>,
}

struct Shown {
    finding: Finding,
    evidence: Option<Evidence>,
}

struct ShownError {
    location: String,
    kind: String,
    message: String,
    evidence: Option<Evidence>,
}

/// Lines of the snapshot around a value: (line number, text), and the line marked.
struct Evidence {
    lines: Vec<(usize, String)>,
    marked: usize,
}

impl Evidence {
    fn around(text: &str, line: usize) -> Option<Evidence> {
        let first = line.saturating_sub(CONTEXT_LINES).max(1);
        let lines: Vec<(usize, String)> = text
            .lines()
            .enumerate()
            .skip(first - 1)
            .take(line + CONTEXT_LINES + 1 - first)
            .map(|(i, l)| (i + 1, l.to_string()))
            .collect();
        lines.iter().any(|(n, _)| *n == line).then_some(Evidence {
            lines,
            marked: line,
        })
    }
}

impl<'w> HtmlReporter<'w> {
    pub fn new(out: Box<dyn Write + 'w>, facts: RunFacts) -> Self {
        Self {
            out,
            facts,
            accounts: Vec::new(),
            conditions: BTreeMap::new(),
            baseline: None,
        }
    }

    /// Adds the movement since `old` (a baseline run) to the page.
    pub fn with_baseline(mut self, old: Option<Side>) -> Self {
        self.baseline = old.map(|old| (old, Side::default()));
        self
    }
}

impl Reporter for HtmlReporter<'_> {
    fn report(&mut self, result: &SnapshotResult, text: Option<&str>) -> io::Result<()> {
        // Evidence lines come from the snippet text: controls are U+FFFD there.
        let snippet = text.map(Snippet::new);
        let evidence = |line: Option<usize>| {
            snippet
                .as_ref()
                .zip(line)
                .and_then(|(s, line)| Evidence::around(&s.text, line))
        };
        if let Some((_, new)) = &mut self.baseline {
            new.add_result(result);
        }
        for finding in &result.findings {
            self.conditions
                .entry(finding.id.clone())
                .or_insert_with(|| (finding.kind, finding.title.clone()));
        }
        self.accounts.push(Account {
            source: result.source.clone(),
            snapshot_id: result.snapshot_id.clone(),
            account_id: result.account_id.clone(),
            provider: result.provider.clone(),
            verdict: result.verdict,
            findings: result
                .findings
                .iter()
                .map(|f| Shown {
                    finding: f.clone(),
                    evidence: evidence(f.line),
                })
                .collect(),
            plan: result.plan.clone(),
            error: result.error.as_ref().map(|e| ShownError {
                location: result.source.position(e.line, e.column),
                kind: error_kind_name(&e.kind),
                message: e.message.clone(),
                evidence: evidence(e.line),
            }),
        });
        Ok(())
    }

    fn finish(&mut self, summary: &Summary) -> io::Result<()> {
        let page = self.page(summary);
        self.out.write_all(page.as_bytes())?;
        self.out.flush()
    }
}

impl std::fmt::Debug for HtmlReporter<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HtmlReporter").finish_non_exhaustive()
    }
}

/// `value` as HTML text, safe in content and in quoted attributes; control
/// characters and bidi overrides written as visible escapes first.
pub fn text(value: &str) -> String {
    let value = visible(value);
    let mut out = String::with_capacity(value.len() + 8);
    for c in value.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// An element id for `value` under `prefix`: ASCII letters, digits, `-` and
/// `_` kept, anything else written as `.XX` hex bytes, so two values never
/// share an id and none can break out of an attribute.
pub fn anchor(prefix: &str, value: &str) -> String {
    let mut out = String::from(prefix);
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b == b'-' || b == b'_' {
            out.push(b as char);
        } else {
            let _ = write!(out, ".{b:02X}");
        }
    }
    out
}

fn verdict_name(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Eligible => "eligible",
        Verdict::Blocked => "blocked",
        Verdict::Error => "error",
    }
}

/// The ids of the block findings no waiver accepted, in order, once each.
fn blocking_ids(account: &Account) -> Vec<&str> {
    let mut ids: Vec<&str> = Vec::new();
    for shown in &account.findings {
        let f = &shown.finding;
        if f.kind == Kind::Block && !f.is_waived() && !ids.contains(&f.id.as_str()) {
            ids.push(&f.id);
        }
    }
    ids
}

impl HtmlReporter<'_> {
    fn page(&self, summary: &Summary) -> String {
        let mut page = String::with_capacity(64 * 1024);
        page.push_str(concat!(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n",
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n",
            // Nothing may be fetched: no network, no inline script but ours.
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; ",
            "style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:\">\n",
            "<title>closeout report</title>\n<style>\n"
        ));
        page.push_str(STYLE);
        page.push_str("</style>\n</head>\n<body>\n<header>\n<h1>closeout report</h1>\n");
        let _ = writeln!(page, "<p class=\"headline\">{}</p>", headline(summary));
        page.push_str("</header>\n<main>\n");
        self.totals(&mut page, summary);
        if let Some((old, new)) = &self.baseline {
            page.push_str(&super::diff::html_section(&diff(old, new)));
        }
        self.chart(&mut page, summary);
        self.providers(&mut page);
        self.table(&mut page);
        self.condition_lists(&mut page, summary);
        for (index, account) in self.accounts.iter().enumerate() {
            account_section(&mut page, index, account);
        }
        page.push_str("</main>\n");
        self.facts(&mut page);
        page.push_str("<script>\n");
        page.push_str(SCRIPT);
        page.push_str("</script>\n</body>\n</html>\n");
        page
    }

    fn totals(&self, page: &mut String, summary: &Summary) {
        page.push_str("<section id=\"totals\" aria-label=\"Totals\">\n<dl class=\"totals\">\n");
        for (name, count) in [
            ("snapshots", summary.snapshots),
            ("eligible", summary.eligible),
            ("blocked", summary.blocked),
            ("warned", summary.warned),
            ("errors", summary.errors),
            ("waived", summary.waivers.applied),
        ] {
            let _ = writeln!(
                page,
                "<div class=\"total total-{name}\"><dt>{name}</dt><dd data-total=\"{name}\">{count}</dd></div>"
            );
        }
        page.push_str("</dl>\n</section>\n");
    }

    /// The blocking conditions, by the number of snapshots each blocks.
    fn blocking_counts(&self) -> Vec<(&str, &str, usize)> {
        let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
        for account in &self.accounts {
            for id in blocking_ids(account) {
                *counts.entry(id).or_default() += 1;
            }
        }
        let mut bars: Vec<(&str, &str, usize)> = counts
            .into_iter()
            .map(|(id, n)| {
                let title = self.conditions.get(id).map_or("", |(_, t)| t.as_str());
                (id, title, n)
            })
            .collect();
        bars.sort_by(|a, b| b.2.cmp(&a.2).then(a.0.cmp(b.0)));
        bars
    }

    fn chart(&self, page: &mut String, _summary: &Summary) {
        let bars = self.blocking_counts();
        page.push_str("<section id=\"chart\">\n<h2>Blocking conditions</h2>\n");
        if bars.is_empty() {
            page.push_str("<p>No condition blocks any snapshot.</p>\n</section>\n");
            return;
        }
        let max = bars.iter().map(|b| b.2).max().unwrap_or(1).max(1);
        let (row, label_width, bar_width) = (26usize, 0usize, 300usize);
        let height = row * bars.len() + 8;
        let _ = writeln!(
            page,
            "<svg class=\"chart\" role=\"img\" aria-label=\"Blocking conditions by number of snapshots\" \
             viewBox=\"0 0 900 {height}\" width=\"900\" height=\"{height}\" xmlns=\"http://www.w3.org/2000/svg\">"
        );
        for (i, (id, title, count)) in bars.iter().enumerate() {
            let y = 4 + i * row;
            let width = (bar_width * count / max).max(2);
            let _ = writeln!(
                page,
                "<a class=\"bar\" href=\"#{href}\" data-id=\"{id_attr}\" data-count=\"{count}\">\
                 <title>{id_attr} {title_text}: {count} snapshot{s}</title>\
                 <rect x=\"{label_width}\" y=\"{y}\" width=\"{width}\" height=\"{h}\" rx=\"3\"></rect>\
                 <text x=\"{tx}\" y=\"{ty}\">{id_attr} {title_text} ({count})</text></a>",
                href = anchor("cond-", id),
                id_attr = text(id),
                title_text = text(title),
                s = if *count == 1 { "" } else { "s" },
                h = row - 6,
                tx = label_width + width + 8,
                ty = y + row / 2 + 1,
            );
        }
        page.push_str("</svg>\n</section>\n");
    }

    fn providers(&self, page: &mut String) {
        let mut by: BTreeMap<&str, [usize; 5]> = BTreeMap::new();
        for account in &self.accounts {
            let counts = by
                .entry(account.provider.as_deref().unwrap_or("(unknown)"))
                .or_default();
            counts[0] += 1;
            counts[match account.verdict {
                Verdict::Eligible => 1,
                Verdict::Blocked => 2,
                Verdict::Error => 4,
            }] += 1;
            if account
                .findings
                .iter()
                .any(|s| s.finding.kind == Kind::Warn && !s.finding.is_waived())
            {
                counts[3] += 1;
            }
        }
        page.push_str(
            "<section id=\"providers\">\n<h2>By provider</h2>\n<table class=\"providers\">\n",
        );
        page.push_str("<thead><tr><th>provider</th><th>snapshots</th><th>eligible</th><th>blocked</th><th>warned</th><th>errors</th></tr></thead>\n<tbody>\n");
        for (provider, c) in by {
            let _ = writeln!(
                page,
                "<tr data-provider=\"{p}\"><td>{p}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                c[0],
                c[1],
                c[2],
                c[3],
                c[4],
                p = text(provider)
            );
        }
        page.push_str("</tbody>\n</table>\n</section>\n");
    }

    fn table(&self, page: &mut String) {
        let mut providers: Vec<&str> = self
            .accounts
            .iter()
            .filter_map(|a| a.provider.as_deref())
            .collect();
        providers.sort_unstable();
        providers.dedup();
        let mut ids: Vec<&str> = self.accounts.iter().flat_map(blocking_ids).collect();
        ids.sort_unstable();
        ids.dedup();
        page.push_str("<section id=\"snapshots\">\n<h2>Snapshots</h2>\n");
        // Shown by the script: without it there is nothing to filter with.
        page.push_str("<form id=\"controls\" class=\"controls\" hidden>\n");
        page.push_str("<label>verdict <select id=\"f-verdict\" data-filter=\"verdict\"><option value=\"\">all</option>");
        for v in ["eligible", "blocked", "error"] {
            let _ = write!(page, "<option value=\"{v}\">{v}</option>");
        }
        page.push_str("</select></label>\n<label>provider <select id=\"f-provider\" data-filter=\"provider\"><option value=\"\">all</option>");
        for p in providers {
            let _ = write!(page, "<option value=\"{0}\">{0}</option>", text(p));
        }
        page.push_str("</select></label>\n<label>blocking condition <select id=\"f-condition\" data-filter=\"condition\"><option value=\"\">all</option>");
        for id in ids {
            let _ = write!(page, "<option value=\"{0}\">{0}</option>", text(id));
        }
        page.push_str("</select></label>\n<label>search <input id=\"f-search\" type=\"search\" placeholder=\"source, account, id…\"></label>\n");
        let _ = writeln!(
            page,
            "<output id=\"shown\">{0} of {0} shown</output>\n</form>",
            self.accounts.len()
        );
        page.push_str("<table id=\"snapshot-table\" class=\"snapshots\">\n<thead><tr>");
        for (key, name) in [
            ("source", "source"),
            ("account", "account"),
            ("provider", "provider"),
            ("verdict", "verdict"),
            ("blocking", "blocking conditions"),
        ] {
            let _ = write!(
                page,
                "<th data-sort=\"{key}\" aria-sort=\"none\"><span>{name}</span></th>"
            );
        }
        page.push_str("</tr></thead>\n<tbody>\n");
        for (index, account) in self.accounts.iter().enumerate() {
            let verdict = verdict_name(account.verdict);
            let blocking = blocking_ids(account);
            let _ = writeln!(
                page,
                "<tr class=\"row verdict-{verdict}\" data-verdict=\"{verdict}\" data-provider=\"{provider}\" \
                 data-conditions=\"{ids}\"><td data-key=\"source\"><a href=\"#{href}\">{source}</a></td>\
                 <td data-key=\"account\">{account_id}</td><td data-key=\"provider\">{provider}</td>\
                 <td data-key=\"verdict\"><span class=\"verdict\">{label}</span></td><td data-key=\"blocking\">{blocking}</td></tr>",
                provider = text(account.provider.as_deref().unwrap_or("")),
                ids = text(&blocking.join(" ")),
                href = format_args!("acct-{index}"),
                source = text(&account.source.to_string()),
                account_id = text(account.account_id.as_deref().unwrap_or("")),
                label = account.verdict.label(),
                blocking = text(&blocking.join(", ")),
            );
        }
        page.push_str("</tbody>\n</table>\n</section>\n");
    }

    /// For each blocking condition, the accounts it blocks: where the chart links.
    fn condition_lists(&self, page: &mut String, _summary: &Summary) {
        let bars = self.blocking_counts();
        if bars.is_empty() {
            return;
        }
        page.push_str("<section id=\"conditions\">\n<h2>Accounts by blocking condition</h2>\n");
        for (id, title, count) in bars {
            let _ = writeln!(
                page,
                "<div class=\"condition\" id=\"{}\"><h3>{} {} <small>({count})</small></h3><ul>",
                anchor("cond-", id),
                text(id),
                text(title)
            );
            for (index, account) in self.accounts.iter().enumerate() {
                if blocking_ids(account).contains(&id) {
                    let _ = writeln!(
                        page,
                        "<li><a href=\"#acct-{index}\">{}</a> {}</li>",
                        text(&account.source.to_string()),
                        account
                            .account_id
                            .as_deref()
                            .map(|a| format!("(account {})", text(a)))
                            .unwrap_or_default()
                    );
                }
            }
            page.push_str("</ul></div>\n");
        }
        page.push_str("</section>\n");
    }

    fn facts(&self, page: &mut String) {
        let f = &self.facts;
        page.push_str("<footer id=\"facts\">\n<h2>Run</h2>\n<dl class=\"facts\">\n");
        for (name, value) in [
            ("closeout version", f.version.clone()),
            ("policy digest", f.policy_digest.clone()),
            ("evaluation time", f.evaluated_at.clone()),
            ("engine", f.engine.clone()),
            (
                "options",
                if f.options.is_empty() {
                    String::new()
                } else {
                    format!("closeout {}", shell_words(&f.options))
                },
            ),
            (
                "redaction",
                if f.redacted {
                    "on: emails, phone numbers, key ids and secrets are masked".into()
                } else {
                    "off (--no-redact)".to_string()
                },
            ),
        ] {
            let _ = writeln!(
                page,
                "<dt>{name}</dt><dd data-fact=\"{}\"><code>{}</code></dd>",
                name.replace(' ', "-"),
                text(&value)
            );
        }
        page.push_str("</dl>\n</footer>\n");
    }
}

/// The arguments quoted as a POSIX shell would need them, to copy and re-run.
fn shell_words(args: &[String]) -> String {
    args.iter()
        .map(|a| {
            if !a.is_empty()
                && a.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_./:=,+@%".contains(&b))
            {
                a.clone()
            } else {
                format!("'{}'", a.replace('\'', "'\\''"))
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn headline(summary: &Summary) -> String {
    let mut line = format!(
        "{} of {} snapshot{} blocked, {} eligible",
        summary.blocked,
        summary.snapshots,
        if summary.snapshots == 1 { "" } else { "s" },
        summary.eligible
    );
    if summary.errors > 0 {
        let _ = write!(line, ", {} could not be checked", summary.errors);
    }
    line.push('.');
    line
}

fn account_section(page: &mut String, index: usize, account: &Account) {
    let verdict = verdict_name(account.verdict);
    let _ = writeln!(
        page,
        "<section class=\"account verdict-{verdict}\" id=\"acct-{index}\" data-verdict=\"{verdict}\">\n\
         <h2><span class=\"verdict\">{}</span> <code>{}</code></h2>",
        account.verdict.label(),
        text(&account.source.to_string())
    );
    page.push_str("<dl class=\"identity\">");
    for (name, value) in [
        ("snapshot", account.snapshot_id.as_deref()),
        ("account", account.account_id.as_deref()),
        ("provider", account.provider.as_deref()),
    ] {
        if let Some(value) = value {
            let _ = write!(page, "<dt>{name}</dt><dd>{}</dd>", text(value));
        }
    }
    page.push_str("</dl>\n");
    if let Some(error) = &account.error {
        let _ = writeln!(
            page,
            "<div class=\"error\"><p><strong>error ({})</strong> at <code>{}</code>: {}</p>",
            text(&error.kind),
            text(&error.location),
            text(&error.message)
        );
        if let Some(evidence) = &error.evidence {
            evidence_block(page, evidence);
        }
        page.push_str("</div>\n");
    }
    if account.findings.is_empty() && account.error.is_none() {
        page.push_str("<p>No condition tripped.</p>\n");
    }
    for shown in &account.findings {
        finding(page, shown, &account.source);
    }
    if !account.plan.is_empty() {
        page.push_str("<h3>Fix plan, in this order</h3>\n<ol class=\"plan\">\n");
        for step in &account.plan {
            let _ = write!(
                page,
                "<li value=\"{}\"><strong>{}</strong>: {}",
                step.step,
                text(&step.ids.join(", ")),
                text(&step.remediation)
            );
            if !step.targets.is_empty() {
                page.push_str("<ul>");
                for target in &step.targets {
                    let _ = write!(page, "<li>{}</li>", text(target));
                }
                page.push_str("</ul>");
            }
            page.push_str("</li>\n");
        }
        page.push_str("</ol>\n");
    }
    page.push_str("</section>\n");
}

fn finding(page: &mut String, shown: &Shown, source: &Source) {
    let f = &shown.finding;
    let kind = f.kind.as_str();
    let waived = if f.is_waived() { " waived" } else { "" };
    let _ = writeln!(
        page,
        "<article class=\"finding kind-{kind}{waived}\" data-id=\"{id}\" data-kind=\"{kind}\">\n\
         <h3><span class=\"kind\">{kind}</span> <span class=\"id\">{id}</span> {title}</h3>\n\
         <p class=\"message\">{message}</p>",
        id = text(&f.id),
        title = text(&f.title),
        message = text(&f.message),
    );
    if !f.remediation.is_empty() {
        let _ = writeln!(
            page,
            "<p class=\"remediation\"><strong>Fix:</strong> {}</p>",
            text(&f.remediation)
        );
    }
    let _ = writeln!(
        page,
        "<p class=\"evidence\">evidence: <code class=\"pointer\">{}</code> at <code>{}</code></p>",
        text(&f.pointer),
        text(&source.position(f.line, f.column))
    );
    if let Some(evidence) = &shown.evidence {
        evidence_block(page, evidence);
    }
    if let Some(note) = &f.waiver {
        waiver(page, note);
    }
    page.push_str("</article>\n");
}

fn waiver(page: &mut String, note: &WaiverNote) {
    let status = match note.status {
        WaiverStatus::Applied => "waived",
        _ => "waiver expired",
    };
    let _ = write!(
        page,
        "<div class=\"waiver\"><strong>{status}</strong>: {reason} <span>(approved by {by}, expires {expires}",
        reason = text(&note.reason),
        by = text(&note.approved_by),
        expires = text(&note.expires),
    );
    if let Some(ticket) = &note.ticket {
        let _ = write!(page, ", ticket {}", text(ticket));
    }
    let _ = writeln!(page, "; closeout.toml line {})</span></div>", note.line);
}

fn evidence_block(page: &mut String, evidence: &Evidence) {
    page.push_str("<pre class=\"snippet\">");
    for (number, line) in &evidence.lines {
        let mark = *number == evidence.marked;
        let _ = writeln!(
            page,
            "<span class=\"line{}\"><span class=\"ln\">{number:>5}</span> {}</span>",
            if mark { " marked" } else { "" },
            text(line)
        );
    }
    page.push_str("</pre>\n");
}

const STYLE: &str = r#":root { --block: #b3261e; --warn: #8a5a00; --info: #305f9e; --ok: #1e6b35; --line: #d8dce3; --muted: #5b6270; }
* { box-sizing: border-box; }
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1b1e24; margin: 0 auto; max-width: 1100px; padding: 1rem 1.5rem 3rem; }
h1 { margin: .2rem 0; } h2 { margin-top: 2rem; border-bottom: 1px solid var(--line); padding-bottom: .2rem; }
code, pre { font: 13px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
.headline { font-size: 1.15rem; color: var(--muted); }
.totals { display: flex; flex-wrap: wrap; gap: .75rem; margin: 0; }
.total { border: 1px solid var(--line); border-radius: 6px; padding: .5rem 1rem; min-width: 7rem; }
.total dt { color: var(--muted); text-transform: uppercase; font-size: .75rem; letter-spacing: .05em; }
.total dd { margin: 0; font-size: 1.8rem; font-weight: 600; }
.total-blocked dd { color: var(--block); } .total-eligible dd { color: var(--ok); } .total-warned dd { color: var(--warn); }
svg.chart { max-width: 100%; height: auto; }
svg.chart rect { fill: var(--block); } svg.chart a:hover rect, svg.chart a:focus rect { fill: #7d1a14; }
svg.chart text { font: 13px system-ui, sans-serif; fill: #1b1e24; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: .3rem .5rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th[data-sort] { cursor: pointer; user-select: none; } th[aria-sort="ascending"] span::after { content: " ▲"; } th[aria-sort="descending"] span::after { content: " ▼"; }
.controls { display: flex; flex-wrap: wrap; gap: .75rem; align-items: center; margin: .5rem 0 1rem; }
.controls[hidden], tr[hidden] { display: none; }
.verdict { font-weight: 700; }
.verdict-blocked .verdict { color: var(--block); } .verdict-eligible .verdict { color: var(--ok); } .verdict-error .verdict { color: var(--warn); }
.account { border-top: 3px solid var(--line); margin-top: 2.5rem; }
.account.verdict-blocked { border-top-color: var(--block); }
.identity { display: grid; grid-template-columns: max-content 1fr; gap: .1rem 1rem; }
.identity dt { color: var(--muted); } .identity dd { margin: 0; }
.finding { border-left: 4px solid var(--line); padding: .2rem 0 .2rem 1rem; margin: 1rem 0; }
.finding h3 { margin: .2rem 0; font-size: 1rem; }
.kind-block { border-left-color: var(--block); } .kind-warn { border-left-color: var(--warn); } .kind-info { border-left-color: var(--info); }
.finding.waived { opacity: .8; border-left-style: dashed; }
.kind { text-transform: uppercase; font-size: .75rem; font-weight: 700; }
.id { font-family: ui-monospace, monospace; }
.snippet { background: #f5f6f8; border: 1px solid var(--line); border-radius: 4px; padding: .4rem .6rem; overflow-x: auto; }
.snippet .line { display: block; } .snippet .marked { background: #fde7e4; }
.ln { color: var(--muted); user-select: none; }
.waiver { background: #fff6dc; border-radius: 4px; padding: .3rem .6rem; }
.error { background: #fff1e0; border-radius: 4px; padding: .3rem .6rem; }
.plan > li { margin: .3rem 0; }
footer { margin-top: 3rem; border-top: 1px solid var(--line); color: var(--muted); }
.facts { display: grid; grid-template-columns: max-content 1fr; gap: .2rem 1rem; } .facts dd { margin: 0; word-break: break-all; }
@media print {
  body { max-width: none; padding: 0; font-size: 11pt; }
  .controls, #conditions { display: none; }
  tr[hidden] { display: table-row; }
  .account { break-before: page; page-break-before: always; border-top: none; }
  a { color: inherit; text-decoration: none; }
  .finding, .snippet { break-inside: avoid; }
}
"#;

const SCRIPT: &str = r#"(function () {
  "use strict";
  var errors = [];
  window.addEventListener("error", function (e) { errors.push(String(e.message)); document.body.setAttribute("data-script-errors", errors.join(" | ")); });
  var table = document.getElementById("snapshot-table");
  var form = document.getElementById("controls");
  if (!table || !form) { document.body.setAttribute("data-ready", "1"); return; }
  var body = table.tBodies[0];
  var rows = Array.prototype.slice.call(body.rows);
  var select = { verdict: document.getElementById("f-verdict"), provider: document.getElementById("f-provider"), condition: document.getElementById("f-condition") };
  var search = document.getElementById("f-search");
  var shown = document.getElementById("shown");
  function apply() {
    var verdict = select.verdict.value, provider = select.provider.value, condition = select.condition.value;
    var q = search.value.trim().toLowerCase();
    var n = 0;
    rows.forEach(function (row) {
      var ok = (!verdict || row.getAttribute("data-verdict") === verdict)
        && (!provider || row.getAttribute("data-provider") === provider)
        && (!condition || (" " + row.getAttribute("data-conditions") + " ").indexOf(" " + condition + " ") >= 0)
        && (!q || row.textContent.toLowerCase().indexOf(q) >= 0);
      row.hidden = !ok;
      if (ok) { n += 1; }
    });
    shown.textContent = n + " of " + rows.length + " shown";
    body.setAttribute("data-shown", String(n));
  }
  function sortBy(key, descending) {
    var th = table.querySelector('th[data-sort="' + key + '"]');
    if (!th) { return; }
    Array.prototype.forEach.call(table.querySelectorAll("th[data-sort]"), function (h) { h.setAttribute("aria-sort", "none"); });
    th.setAttribute("aria-sort", descending ? "descending" : "ascending");
    rows.sort(function (a, b) {
      var x = a.querySelector('[data-key="' + key + '"]').textContent, y = b.querySelector('[data-key="' + key + '"]').textContent;
      var c = x.localeCompare(y, undefined, { numeric: true });
      return descending ? -c : c;
    });
    rows.forEach(function (row) { body.appendChild(row); });
    table.setAttribute("data-sorted", key + (descending ? ":desc" : ":asc"));
  }
  Array.prototype.forEach.call(table.querySelectorAll("th[data-sort]"), function (th) {
    th.tabIndex = 0;
    function go() { sortBy(th.getAttribute("data-sort"), th.getAttribute("aria-sort") === "ascending"); }
    th.addEventListener("click", go);
    th.addEventListener("keydown", function (e) { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); go(); } });
  });
  Object.keys(select).forEach(function (k) { select[k].addEventListener("change", apply); });
  search.addEventListener("input", apply);
  form.addEventListener("submit", function (e) { e.preventDefault(); });
  Array.prototype.forEach.call(document.querySelectorAll("svg.chart a.bar"), function (bar) {
    bar.addEventListener("click", function () { select.condition.value = bar.getAttribute("data-id"); apply(); });
  });
  var params = new URLSearchParams(window.location.search);
  Object.keys(select).forEach(function (k) {
    var v = params.get(k);
    if (v !== null && Array.prototype.some.call(select[k].options, function (o) { return o.value === v; })) { select[k].value = v; }
  });
  if (params.get("q")) { search.value = params.get("q"); }
  if (params.get("sort")) { var s = params.get("sort").split(":"); sortBy(s[0], s[1] === "desc"); }
  form.hidden = false;
  apply();
  document.body.setAttribute("data-ready", "1");
})();
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_for_content_and_attributes() {
        assert_eq!(
            text("<script>alert(1)</script>"),
            "&lt;script&gt;alert(1)&lt;/script&gt;"
        );
        assert_eq!(text("a\"b'c&d"), "a&quot;b&#39;c&amp;d");
        assert_eq!(text("x\u{1b}[31m\u{202e}y"), "x\\x1b[31m\\u{202e}y");
        assert_eq!(text("Zhao Lei 赵磊"), "Zhao Lei 赵磊");
    }

    #[test]
    fn anchors_keep_only_safe_characters_and_stay_distinct() {
        assert_eq!(anchor("cond-", "TCC-003"), "cond-TCC-003");
        assert_eq!(anchor("cond-", "a\"><x"), "cond-a.22.3E.3Cx");
        assert_ne!(anchor("c-", "a.2E"), anchor("c-", "a."));
    }

    #[test]
    fn evidence_is_the_line_and_its_neighbours() {
        let text = "{\n  \"a\": 1,\n  \"b\": 2\n}";
        let e = Evidence::around(text, 2).unwrap();
        assert_eq!(
            e.lines,
            [
                (1, "{".to_string()),
                (2, "  \"a\": 1,".into()),
                (3, "  \"b\": 2".into())
            ]
        );
        assert_eq!(Evidence::around(text, 1).unwrap().lines.len(), 2);
        assert!(Evidence::around(text, 9).is_none());
    }

    #[test]
    fn shell_words_quote_what_a_shell_would_split() {
        let args: Vec<String> = [
            "check",
            "fixtures/",
            "--now",
            "2026-11-21T00:00:00Z",
            "a b",
            "it's",
        ]
        .map(String::from)
        .to_vec();
        assert_eq!(
            shell_words(&args),
            "check fixtures/ --now 2026-11-21T00:00:00Z 'a b' 'it'\\''s'"
        );
    }
}

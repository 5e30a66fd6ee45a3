//! The catalogue as people read it: `closeout conditions` (a table, Markdown or
//! JSON), `closeout explain ID`, and `docs/conditions.md`, all from the policy
//! annotations.

use std::fmt::Write as _;

use serde::Serialize;

use crate::model::SnapshotResult;
use crate::model::{Catalogue, Condition, Package};

/// The conditions of one provider (`ukfast`, or `common`), or all of them.
pub fn select<'c>(catalogue: &'c Catalogue, provider: Option<&str>) -> Vec<&'c Condition> {
    let package = provider.map(Package::of);
    catalogue
        .iter()
        .filter(|c| package.as_ref().is_none_or(|p| c.package == *p))
        .collect()
}

fn provider(condition: &Condition) -> &str {
    condition.package.provider()
}

/// Conditions that list `id` in their `after`: they come after it.
fn followers<'c>(catalogue: &'c Catalogue, id: &str) -> Vec<&'c str> {
    catalogue
        .iter()
        .filter(|c| c.after.iter().any(|a| a == id))
        .map(|c| c.id.as_str())
        .collect()
}

#[derive(Serialize)]
struct Entry<'c> {
    #[serde(flatten)]
    condition: &'c Condition,
    provider: &'c str,
    before: Vec<&'c str>,
}

/// `--format json`: every selected condition with its provider and order.
pub fn json(catalogue: &Catalogue, selected: &[&Condition]) -> String {
    let entries: Vec<Entry<'_>> = selected
        .iter()
        .map(|c| Entry {
            condition: c,
            provider: provider(c),
            before: followers(catalogue, &c.id),
        })
        .collect();
    serde_json::to_string_pretty(&entries).unwrap_or_default() + "\n"
}

/// A plain table for a terminal.
pub fn table(selected: &[&Condition]) -> String {
    let mut out = String::new();
    for c in selected {
        let after = if c.after.is_empty() {
            String::new()
        } else {
            format!("  (after {})", c.after.join(", "))
        };
        let _ = writeln!(
            out,
            "{:<8} {:<5} {:<13} {}{after}",
            c.id,
            c.kind.as_str(),
            provider(c),
            c.title
        );
    }
    let _ = writeln!(
        out,
        "{} condition{}",
        selected.len(),
        crate::model::plural(selected.len())
    );
    out
}

/// The catalogue as Markdown: one section per provider, one table row per
/// condition, then each condition's remediation and source quote.
pub fn markdown(selected: &[&Condition]) -> String {
    let mut out = String::from(
        "# Conditions\n\nGenerated from the policies' `# METADATA` annotations by \
         `closeout conditions --format markdown`; do not edit by hand.\n",
    );
    let mut current = "";
    for c in selected {
        let p = provider(c);
        if p != current {
            current = p;
            let _ = write!(
                out,
                "\n## {p} (`{}`)\n\n| id | kind | title | after |\n|---|---|---|---|\n",
                c.package
            );
            for row in selected.iter().filter(|r| provider(r) == p) {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} |",
                    row.id,
                    row.kind.as_str(),
                    cell(&row.title),
                    row.after.join(", ")
                );
            }
            out.push('\n');
            for detail in selected.iter().filter(|r| provider(r) == p) {
                let _ = write!(
                    out,
                    "### {} {}\n\n{}\n\n",
                    detail.id, detail.title, detail.description
                );
                if !detail.remediation.is_empty() {
                    let _ = write!(out, "**Remediation.** {}\n\n", detail.remediation);
                }
                if !detail.reads.is_empty() {
                    let reads: Vec<String> =
                        detail.reads.iter().map(|r| format!("`{r}`")).collect();
                    let _ = write!(out, "**Reads.** {}\n\n", reads.join(", "));
                }
                let _ = write!(out, "**Source.** {}", detail.source_doc);
                if !detail.source_quote.is_empty() {
                    let _ = write!(out, ": {}", detail.source_quote);
                }
                let _ = write!(out, "\n\n**Rule.** `{}:{}`\n\n", detail.file, detail.line);
            }
        }
    }
    out
}

fn cell(text: &str) -> String {
    text.replace('|', "\\|").replace('\n', " ")
}

/// Everything about one condition, for `closeout explain ID`.
pub fn explain(catalogue: &Catalogue, id: &str) -> Option<String> {
    let c = catalogue.get(id)?;
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} {} ({}, {})",
        c.id,
        c.title,
        c.kind.as_str(),
        c.package
    );
    let _ = writeln!(out, "\nWhat trips it:\n  {}", c.description);
    if !c.remediation.is_empty() {
        let _ = writeln!(out, "\nRemediation:\n  {}", c.remediation);
    }
    let list = |ids: &[&str]| {
        if ids.is_empty() {
            "nothing".to_string()
        } else {
            ids.join(", ")
        }
    };
    let reads: Vec<&str> = c.reads.iter().map(String::as_str).collect();
    let _ = writeln!(
        out,
        "\nReads (GEN-003 blocks when unknown): {}",
        list(&reads)
    );
    let before: Vec<&str> = c.after.iter().map(String::as_str).collect();
    let _ = writeln!(out, "\nFix first: {}", list(&before));
    let _ = writeln!(out, "Fix after it: {}", list(&followers(catalogue, &c.id)));
    let _ = writeln!(out, "\nSource: {}", c.source_doc);
    if !c.source_quote.is_empty() {
        let _ = writeln!(out, "  {}", c.source_quote);
    }
    let _ = writeln!(out, "\nRule: {}:{}", c.file, c.line);
    Some(out)
}

/// The fix plan alone, numbered, for handing to the account owner.
pub fn plan(result: &SnapshotResult) -> String {
    use super::escape::visible;
    let mut out = String::new();
    // Names and messages come from the snapshot: no control reaches the terminal.
    let source = result.source.to_string();
    let name = visible(result.snapshot_id.as_deref().unwrap_or(&source));
    if result.plan.is_empty() {
        let _ = writeln!(out, "Nothing to fix for {name}.");
    } else {
        let _ = writeln!(out, "Fix plan for {name}, in this order:\n");
        for step in &result.plan {
            let _ = writeln!(
                out,
                "{}. [{}] {}",
                step.step,
                step.ids.join(", "),
                step.remediation
            );
            for target in &step.targets {
                let _ = writeln!(out, "   - {}", visible(target));
            }
        }
    }
    // A waived finding is no step, but the reader sees that it was waived.
    let waived: Vec<_> = result.findings.iter().filter(|f| f.is_waived()).collect();
    if !waived.is_empty() {
        let _ = writeln!(out, "\nWaived in closeout.toml (not steps):");
        for finding in waived {
            let _ = writeln!(
                out,
                "   - [{}] {}",
                finding.id,
                visible(&finding.message_with_waiver())
            );
        }
    }
    out
}

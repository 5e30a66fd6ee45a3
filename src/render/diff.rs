//! The movement between two runs (`closeout diff`, and the movement section
//! of `check --baseline OLD --format html`), as human text, JSON, Markdown
//! or HTML. Every value from a result is escaped for its format: terminal
//! controls made visible, Markdown and HTML escaped with their modules' rules.

use std::fmt::Write as _;
use std::io::{self, Write};

use crate::model::{plural, Verdict};
use crate::run::diff::{AccountMovement, AccountRef, Movement, WaiverRef};

use super::escape::visible;
use super::{html, markdown, Format};

/// The formats `closeout diff` writes.
pub const FORMATS: [Format; 4] = [Format::Human, Format::Json, Format::Markdown, Format::Html];

/// Writes `movement` in `format` (one of [`FORMATS`]) to `out`.
pub fn write(format: Format, movement: &Movement, out: &mut dyn Write) -> io::Result<()> {
    let text = match format {
        Format::Json => {
            let mut json = serde_json::to_string_pretty(movement).map_err(io::Error::other)?;
            json.push('\n');
            json
        }
        Format::Markdown => markdown_doc(movement),
        Format::Html => html_page(movement),
        _ => human(movement),
    };
    out.write_all(text.as_bytes())?;
    out.flush()
}

/// `2 became eligible, 1 became blocked, …` over the totals.
pub fn headline(m: &Movement) -> String {
    let t = &m.totals;
    let mut parts = vec![
        format!("{} became eligible", t.became_eligible),
        format!("{} became blocked", t.became_blocked),
    ];
    if t.became_error > 0 {
        parts.push(format!("{} became an error", t.became_error));
    }
    parts.extend([
        format!(
            "{} condition{} appeared",
            t.conditions_appeared,
            plural(t.conditions_appeared)
        ),
        format!("{} cleared", t.conditions_cleared),
        format!(
            "{} waiver{} expired",
            t.waivers_expired,
            plural(t.waivers_expired)
        ),
        format!("{} only in OLD", t.only_in_old),
        format!("{} only in NEW", t.only_in_new),
        format!("{} unchanged", t.unchanged),
    ]);
    parts.join(", ")
}

fn verdict_change(a: &AccountMovement) -> String {
    match a.became {
        Some(new) => format!(
            "{} -> {} (became {})",
            a.old_verdict.label(),
            new.label(),
            name(new)
        ),
        None => a.new_verdict.label().to_owned(),
    }
}

fn name(verdict: Verdict) -> &'static str {
    match verdict {
        Verdict::Eligible => "eligible",
        Verdict::Blocked => "blocked",
        Verdict::Error => "an error",
    }
}

/// `TCC-007 (closeout.toml line 3, approved by jane, expires 2026-11-25)`, unescaped.
fn waiver(w: &WaiverRef) -> String {
    let expires = w
        .expires
        .as_deref()
        .map(|e| format!(", last day {e}"))
        .unwrap_or_default();
    format!(
        "{} (closeout.toml line {}, approved by {}{expires})",
        w.id, w.line, w.approved_by
    )
}

fn human(m: &Movement) -> String {
    let mut out = format!("closeout diff: {}\n", headline(m));
    for a in &m.accounts {
        let mut line = format!(
            "{} {}: {}",
            visible(&a.provider),
            visible(&a.account_id),
            verdict_change(a)
        );
        for (what, ids) in [
            ("appeared", &a.conditions_appeared),
            ("cleared", &a.conditions_cleared),
        ] {
            if !ids.is_empty() {
                let ids: Vec<String> = ids.iter().map(|i| visible(i).into_owned()).collect();
                let _ = write!(line, "; {what} {}", ids.join(", "));
            }
        }
        for w in &a.waivers_expired {
            let _ = write!(line, "; waiver expired {}", visible(&waiver(w)));
        }
        out.push_str(&line);
        out.push('\n');
    }
    for (side, list) in [("OLD", &m.only_in_old), ("NEW", &m.only_in_new)] {
        for a in list {
            let _ = writeln!(
                out,
                "only in {side}: {} {}: {}",
                visible(&a.provider),
                visible(&a.account_id),
                a.verdict.label()
            );
        }
    }
    for (side, list) in [("OLD", &m.unidentified_old), ("NEW", &m.unidentified_new)] {
        for source in list {
            let _ = writeln!(out, "names no account, in {side}: {}", visible(source));
        }
    }
    if m.is_empty() {
        out.push_str("nothing moved\n");
    }
    out
}

fn md_ids(ids: &[String]) -> String {
    ids.iter()
        .map(|i| markdown::text(i))
        .collect::<Vec<_>>()
        .join(", ")
}

fn markdown_doc(m: &Movement) -> String {
    let mut out = format!(
        "# What changed since the last run\n\n{}\n\n",
        markdown::text(&headline(m))
    );
    if !m.accounts.is_empty() {
        out.push_str("| Account | Verdict | Conditions appeared | Conditions cleared | Waivers expired |\n|---|---|---|---|---|\n");
        for a in &m.accounts {
            let waivers: Vec<String> = a
                .waivers_expired
                .iter()
                .map(|w| markdown::text(&waiver(w)))
                .collect();
            let _ = writeln!(
                out,
                "| {} {} | {} | {} | {} | {} |",
                markdown::text(&a.provider),
                markdown::text(&a.account_id),
                markdown::text(&verdict_change(a)),
                md_ids(&a.conditions_appeared),
                md_ids(&a.conditions_cleared),
                waivers.join("; ")
            );
        }
        out.push('\n');
    }
    for (title, list) in [
        ("Only in OLD", &m.only_in_old),
        ("Only in NEW", &m.only_in_new),
    ] {
        if !list.is_empty() {
            let _ = writeln!(out, "## {title}\n");
            for a in list {
                let _ = writeln!(
                    out,
                    "- {} {}: {}",
                    markdown::text(&a.provider),
                    markdown::text(&a.account_id),
                    a.verdict.label()
                );
            }
            out.push('\n');
        }
    }
    for (title, list) in [
        ("Naming no account, in OLD", &m.unidentified_old),
        ("Naming no account, in NEW", &m.unidentified_new),
    ] {
        if !list.is_empty() {
            let _ = writeln!(out, "## {title}\n");
            for source in list {
                let _ = writeln!(out, "- {}", markdown::text(source));
            }
            out.push('\n');
        }
    }
    out
}

fn html_ids(ids: &[String]) -> String {
    ids.iter()
        .map(|i| format!("<code>{}</code>", html::text(i)))
        .collect::<Vec<_>>()
        .join(" ")
}

fn html_only(out: &mut String, title: &str, list: &[AccountRef]) {
    if list.is_empty() {
        return;
    }
    let _ = writeln!(out, "<h3>{title}</h3>\n<ul>");
    for a in list {
        let _ = writeln!(
            out,
            "<li>{} <code>{}</code>: {}</li>",
            html::text(&a.provider),
            html::text(&a.account_id),
            a.verdict.label()
        );
    }
    out.push_str("</ul>\n");
}

/// The `<section id="movement">` of a report: the headline, a table of the
/// accounts that moved, the accounts in one run only.
pub fn html_section(m: &Movement) -> String {
    let mut out =
        String::from("<section id=\"movement\">\n<h2>What changed since the baseline</h2>\n");
    let _ = writeln!(
        out,
        "<p class=\"headline\">{}</p>",
        html::text(&headline(m))
    );
    if !m.accounts.is_empty() {
        out.push_str("<table class=\"movement\">\n<thead><tr><th>Provider</th><th>Account</th><th>Verdict</th><th>Conditions appeared</th><th>Conditions cleared</th><th>Waivers expired</th></tr></thead>\n<tbody>\n");
        for a in &m.accounts {
            let waivers: Vec<String> = a
                .waivers_expired
                .iter()
                .map(|w| html::text(&waiver(w)))
                .collect();
            let became = a.became.map_or("none", |v| match v {
                Verdict::Eligible => "eligible",
                Verdict::Blocked => "blocked",
                Verdict::Error => "error",
            });
            let _ = writeln!(
                out,
                "<tr data-became=\"{became}\"><td>{}</td><td><code>{}</code></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                html::text(&a.provider),
                html::text(&a.account_id),
                html::text(&verdict_change(a)),
                html_ids(&a.conditions_appeared),
                html_ids(&a.conditions_cleared),
                waivers.join("<br>")
            );
        }
        out.push_str("</tbody>\n</table>\n");
    }
    html_only(&mut out, "Only in the baseline (OLD)", &m.only_in_old);
    html_only(&mut out, "Only in this run (NEW)", &m.only_in_new);
    for (title, list) in [
        ("Naming no account, in OLD", &m.unidentified_old),
        ("Naming no account, in NEW", &m.unidentified_new),
    ] {
        if !list.is_empty() {
            let _ = writeln!(out, "<h3>{title}</h3>\n<ul>");
            for source in list {
                let _ = writeln!(out, "<li><code>{}</code></li>", html::text(source));
            }
            out.push_str("</ul>\n");
        }
    }
    out.push_str("</section>\n");
    out
}

fn html_page(m: &Movement) -> String {
    format!(
        concat!(
            "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n",
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n",
            "<title>closeout diff</title>\n<style>\n",
            "body{{font-family:system-ui,sans-serif;margin:2em}}table{{border-collapse:collapse}}",
            "td,th{{border:1px solid #ccc;padding:.3em .6em;text-align:left;vertical-align:top}}\n",
            "</style>\n</head>\n<body>\n<h1>closeout diff</h1>\n{}</body>\n</html>\n"
        ),
        html_section(m)
    )
}

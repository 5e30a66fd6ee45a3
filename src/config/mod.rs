//! `closeout.toml`: run defaults and waivers, read with positions kept.
//!
//! The file is found in the working directory ([`Config::discover`]) or named
//! with `--config` ([`Config::load`]). It is parsed into span-keeping raw types
//! (unknown keys are errors), then validated into [`Config`]: every later stage
//! sees only checked data, and every problem names `file:line:column`.
//!
//! ```toml
//! [defaults]                 # all optional
//! policies = ["packs/acme"]  # extra policy directories, relative to this file's directory
//! fail_on = "warn"           # block | warn
//! max_export_age_days = 14
//! [defaults.data]            # any table: policies see it as data.closeout.config
//! region = "eu"
//!
//! [[waiver]]
//! id = "TCC-003"             # condition id (required)
//! account = "100012345678"   # account.id of the snapshot (required)
//! target = "V-1"             # optional: a finding's JSON pointer ("/rights/vouchers/0")
//!                            # or an object id ("V-1"); absent = every finding of the
//!                            # condition on that account
//! reason = "Voucher is forfeited by contract"  # required, non-empty
//! approved_by = "jane@acme"  # required, non-empty
//! ticket = "COMP-123"        # optional
//! expires = 2026-12-31       # required: a TOML date or a "YYYY-MM-DD" string
//!
//! [redact]                   # all optional: more than the default masks (render::redact)
//! fields = ["iban"]          # more field names whose values are secret
//! pointers = ["/account/name"]  # values at these JSON pointers (and under them)
//! patterns = ["ACCT-[0-9]{6}"]  # regular expressions whose matches are masked
//! [redact.keep]              # characters left visible: [start, end], per kind
//! phone = [3, 2]             # email, phone, key_id, secret, pattern
//! ```
//!
//! Wiring, for the CLI:
//!
//! 1. `--config FILE` → [`Config::load`]; otherwise [`Config::discover`] in the
//!    working directory (`Ok(None)` when there is no `closeout.toml`). A
//!    [`ConfigError`] is a usage error (exit 2); it implements
//!    [`miette::Diagnostic`] with the file quoted, so
//!    `miette::Report::new(err)` renders it.
//! 2. Command-line flags win over [`Defaults`]: `--fail-on` over `fail_on`,
//!    `--max-export-age` over `max_export_age_days`; [`Defaults::policy_sources`]
//!    come before the `--policy` directories.
//! 3. [`Defaults::data_document`] is merged into the policy data beside
//!    `data.closeout.context`.
//! 4. Once the policies are loaded, [`Config::check_ids`] with
//!    `|id| catalogue.get(id).is_some()` finds waivers for conditions no policy
//!    declares (most likely a typo: such a waiver can never apply). Turn each
//!    into an error with [`Config::issue_error`].
//! 5. [`crate::decide::waiver::Waivers::new`] over [`Config::waivers`] applies them.

use std::collections::HashMap;
use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::NaiveDate;
use miette::{Diagnostic, LabeledSpan, SourceCode};

use crate::input::locate::NamedText;
use serde::Deserialize;
use toml::Spanned;

use crate::input::locate::line_column;
use crate::model::Span;
use crate::model::{Code, FailOn, Waiver};
use crate::policy::PolicySource;

/// The name looked for in the working directory.
pub const FILE_NAME: &str = "closeout.toml";

/// A validated `closeout.toml`.
#[derive(Debug, Clone)]
pub struct Config {
    /// The file, as found or given.
    pub path: PathBuf,
    pub defaults: Defaults,
    /// In file order; `waivers[i].index == i`.
    pub waivers: Vec<Waiver>,
    /// `[redact]`: what every report masks besides the defaults.
    pub redact: RedactSettings,
    /// The file's text, for snippets in later messages.
    pub text: Arc<str>,
    /// Where each waiver's `id` value is, for [`Config::check_ids`].
    id_spans: Vec<Range<usize>>,
}

/// `[defaults]`: what a run uses when the command line does not say.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Defaults {
    /// Extra policy directories, resolved against the config file's directory.
    pub policies: Vec<PathBuf>,
    pub fail_on: Option<FailOn>,
    pub max_export_age_days: Option<u32>,
    /// `[defaults.data]` as JSON (TOML dates become their text); empty when absent.
    pub data: serde_json::Map<String, serde_json::Value>,
}

impl Defaults {
    /// The `policies` directories as policy sources, in file order.
    pub fn policy_sources(&self) -> Vec<PolicySource> {
        self.policies
            .iter()
            .cloned()
            .map(PolicySource::Dir)
            .collect()
    }

    /// `{"closeout": {"config": <data>}}`: the policy data document, to merge
    /// beside the run's `data.closeout.context`.
    pub fn data_document(&self) -> serde_json::Value {
        serde_json::json!({ "closeout": { "config": self.data } })
    }
}

/// `[redact]`: rules added to the default redaction (see `render::redact`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RedactSettings {
    /// Field names whose values are secret, besides password, secret, token, key.
    pub fields: Vec<String>,
    /// JSON pointers whose values, and every value under them, are secret.
    pub pointers: Vec<String>,
    /// Regular expressions (checked to compile) whose matches are masked.
    pub patterns: Vec<String>,
    /// `(kind, start, end)`: how many characters a kind's mask leaves visible.
    pub keep: Vec<(String, usize, usize)>,
}

/// The kinds `[redact.keep]` may name.
pub const REDACT_KINDS: [&str; 5] = ["email", "phone", "key_id", "secret", "pattern"];

/// A `closeout.toml` that cannot be used: where, and why.
#[derive(Debug, Clone)]
pub struct ConfigError {
    /// What kind of problem it is (`docs/codes.md`).
    pub code: Code,
    pub file: PathBuf,
    /// 1-based; `None` when the trouble has no position (say, an unreadable file).
    pub line: Option<usize>,
    /// 1-based, in characters.
    pub column: Option<usize>,
    pub message: String,
    /// The file's text, named after the file (for a miette snippet), when it
    /// was read. Boxed to keep the error small.
    pub text: Option<Box<NamedText>>,
    /// The part of the text to underline.
    pub span: Option<Span>,
}

/// A problem found after parsing, by a check that needs more than the file
/// (such as [`Config::check_ids`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigIssue {
    /// The waiver concerned ([`Waiver::index`]).
    pub waiver: usize,
    pub line: usize,
    pub column: usize,
    pub message: String,
    pub span: Span,
}

impl Config {
    /// Reads and validates the file at `path`.
    pub fn load(path: &Path) -> Result<Config, ConfigError> {
        let bare = |code: Code, message: String| ConfigError {
            code,
            file: path.to_path_buf(),
            line: None,
            column: None,
            message,
            text: None,
            span: None,
        };
        let bytes = std::fs::read(path)
            .map_err(|e| bare(Code::ConfigUnreadable, format!("cannot read the file: {e}")))?;
        let text = String::from_utf8(bytes).map_err(|e| {
            let offset = e.utf8_error().valid_up_to();
            let (line, column) =
                line_column(&String::from_utf8_lossy(&e.as_bytes()[..offset]), offset);
            ConfigError {
                line: Some(line),
                column: Some(column),
                ..bare(Code::ConfigEncoding, "the file is not UTF-8 text".into())
            }
        })?;
        Config::parse(path, &text)
    }

    /// Loads `closeout.toml` from `cwd` if there is one.
    pub fn discover(cwd: &Path) -> Result<Option<Config>, ConfigError> {
        let path = if cwd.as_os_str().is_empty() || cwd == Path::new(".") {
            PathBuf::from(FILE_NAME)
        } else {
            cwd.join(FILE_NAME)
        };
        match std::fs::metadata(&path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            _ => Config::load(&path).map(Some),
        }
    }

    /// Validates `text` as the contents of `path` (which resolves `policies`).
    pub fn parse(path: &Path, text: &str) -> Result<Config, ConfigError> {
        let text: Arc<str> = Arc::from(text);
        let error = |code: Code, span: Option<Range<usize>>, message: String| {
            ConfigError::at(code, path, &text, span, message)
        };
        let raw: RawConfig = toml::from_str(&text).map_err(|e| {
            // serde's message for a key `deny_unknown_fields` refuses.
            let code = if e.message().starts_with("unknown field") {
                Code::ConfigUnknownKey
            } else {
                Code::ConfigSyntax
            };
            match e.span() {
                Some(span) => error(code, Some(span), e.message().to_owned()),
                None => {
                    let (span, message) = unplaced(&text, e.message());
                    error(code, Some(span), message)
                }
            }
        })?;
        // Each check pushes (span, message); the code is the check's.
        let mut problems: Vec<(Range<usize>, Code, String)> = Vec::new();
        let mut found = Vec::new();
        let mut coded = |code: Code, found: &mut Vec<(Range<usize>, String)>| {
            problems.extend(found.drain(..).map(|(span, message)| (span, code, message)));
        };
        let base = path.parent().unwrap_or(Path::new(""));
        let defaults = raw
            .defaults
            .map(|d| validate_defaults(d.into_inner(), base, &mut found))
            .unwrap_or_default();
        coded(Code::ConfigInvalidValue, &mut found);
        let mut waivers = Vec::new();
        let mut id_spans = Vec::new();
        for (index, raw) in raw.waivers.into_iter().enumerate() {
            let header = raw.span();
            let line = line_column(&text, header.start).0;
            if let Some((waiver, id_span)) =
                validate_waiver(index, line, raw.into_inner(), &mut found)
            {
                waivers.push(waiver);
                id_spans.push(id_span);
            }
        }
        coded(Code::WaiverInvalid, &mut found);
        check_duplicates(&waivers, &id_spans, &mut found);
        coded(Code::WaiverDuplicate, &mut found);
        let redact = raw
            .redact
            .map(|r| validate_redact(r.into_inner(), &mut found))
            .unwrap_or_default();
        coded(Code::ConfigInvalidValue, &mut found);
        // The first problem in the file is the one to fix first.
        if let Some((span, code, message)) = problems.into_iter().min_by_key(|(s, ..)| s.start) {
            return Err(error(code, Some(span), message));
        }
        Ok(Config {
            path: path.to_path_buf(),
            defaults,
            waivers,
            redact,
            text,
            id_spans,
        })
    }

    /// Waivers whose condition id `known` rejects, each at its `id` value.
    pub fn check_ids(&self, known: impl Fn(&str) -> bool) -> Vec<ConfigIssue> {
        self.waivers
            .iter()
            .zip(&self.id_spans)
            .filter(|(w, _)| !known(&w.id))
            .map(|(w, span)| {
                let (line, column) = line_column(&self.text, span.start);
                ConfigIssue {
                    waiver: w.index,
                    line,
                    column,
                    message: format!(
                        "waiver for unknown condition {}: no loaded policy declares it",
                        w.id
                    ),
                    span: Span {
                        offset: span.start,
                        len: span.len(),
                    },
                }
            })
            .collect()
    }

    /// An issue of this file as an error, with the file quoted.
    pub fn issue_error(&self, issue: &ConfigIssue) -> ConfigError {
        ConfigError {
            code: issue.code(),
            file: self.path.clone(),
            line: Some(issue.line),
            column: Some(issue.column),
            message: issue.message.clone(),
            text: Some(named(&self.path, &self.text)),
            span: Some(issue.span),
        }
    }
}

/// A TOML error the parser gives no place for (its nesting limit, for one):
/// an error still names a line, so this picks the most nested line, where
/// such a limit is reached, and says that it is a guess.
fn unplaced(text: &str, message: &str) -> (Range<usize>, String) {
    let nesting = |line: &str| line.bytes().filter(|b| b".[{".contains(b)).count();
    let mut best = (0..0, 0);
    let mut start = 0;
    for line in text.split_inclusive('\n') {
        let depth = nesting(line);
        if depth > best.1 {
            best = (start..start + line.trim_end().len(), depth);
        }
        start += line.len();
    }
    let message = if best.1 > 0 {
        format!("{message}: nesting too deep (the TOML parser names no place; this is the most nested line)")
    } else {
        format!("{message} (the TOML parser names no place)")
    };
    (best.0, message)
}

impl ConfigError {
    fn at(
        code: Code,
        path: &Path,
        text: &Arc<str>,
        span: Option<Range<usize>>,
        message: String,
    ) -> Self {
        let span = span.map(|s| {
            let start = s.start.min(text.len());
            Span {
                offset: start,
                len: s.end.clamp(start, text.len()) - start,
            }
        });
        let position = span.map(|s| line_column(text, s.offset));
        ConfigError {
            code,
            file: path.to_path_buf(),
            line: position.map(|p| p.0),
            column: position.map(|p| p.1),
            message,
            text: Some(named(path, text)),
            span,
        }
    }
}

fn named(path: &Path, text: &Arc<str>) -> Box<NamedText> {
    Box::new(NamedText::new(path.display().to_string(), Arc::clone(text)))
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file.display())?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(column) = self.column {
                write!(f, ":{column}")?;
            }
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for ConfigError {}

impl ConfigError {
    /// What kind of problem it is (`docs/codes.md`).
    pub fn code(&self) -> Code {
        self.code
    }
}

impl ConfigIssue {
    /// The only issue found after parsing: a waiver for an unknown condition.
    pub fn code(&self) -> Code {
        Code::WaiverUnknownCondition
    }
}

impl Diagnostic for ConfigError {
    fn code<'a>(&'a self) -> Option<Box<dyn fmt::Display + 'a>> {
        Some(Box::new(self.code.as_str()))
    }

    fn source_code(&self) -> Option<&dyn SourceCode> {
        self.span?;
        self.text.as_deref().map(|t| t as &dyn SourceCode)
    }

    fn labels(&self) -> Option<Box<dyn Iterator<Item = LabeledSpan> + '_>> {
        let span = self.span?;
        self.text.as_ref()?;
        Some(Box::new(std::iter::once(LabeledSpan::new(
            Some("here".into()),
            span.offset,
            span.len,
        ))))
    }
}

impl fmt::Display for ConfigIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.line, self.column, self.message)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    #[serde(default)]
    defaults: Option<Spanned<RawDefaults>>,
    #[serde(default, rename = "waiver")]
    waivers: Vec<Spanned<RawWaiver>>,
    redact: Option<Spanned<RawRedact>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRedact {
    #[serde(default)]
    fields: Vec<Spanned<String>>,
    #[serde(default)]
    pointers: Vec<Spanned<String>>,
    #[serde(default)]
    patterns: Vec<Spanned<String>>,
    #[serde(default)]
    keep: std::collections::BTreeMap<Spanned<String>, Spanned<(usize, usize)>>,
}

fn validate_redact(raw: RawRedact, problems: &mut Vec<(Range<usize>, String)>) -> RedactSettings {
    let mut settings = RedactSettings::default();
    for field in raw.fields {
        if field.get_ref().trim().is_empty() {
            problems.push((
                field.span(),
                "redact.fields: a field name must not be empty".into(),
            ));
        } else {
            settings.fields.push(field.into_inner());
        }
    }
    for pointer in raw.pointers {
        if !pointer.get_ref().starts_with('/') {
            problems.push((
                pointer.span(),
                format!(
                    "redact.pointers: {:?} is not a JSON pointer (it starts with /)",
                    pointer.get_ref()
                ),
            ));
        } else {
            settings.pointers.push(pointer.into_inner());
        }
    }
    for pattern in raw.patterns {
        match regex::Regex::new(pattern.get_ref()) {
            Err(e) => problems.push((
                pattern.span(),
                format!("redact.patterns: not a valid regular expression: {e}"),
            )),
            Ok(_) => settings.patterns.push(pattern.into_inner()),
        }
    }
    for (kind, keep) in raw.keep {
        if !REDACT_KINDS.contains(&kind.get_ref().as_str()) {
            problems.push((
                kind.span(),
                format!(
                    "redact.keep: unknown kind {:?} (expected {})",
                    kind.get_ref(),
                    REDACT_KINDS.join(", ")
                ),
            ));
            continue;
        }
        let (start, end) = keep.into_inner();
        settings.keep.push((kind.into_inner(), start, end));
    }
    settings
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDefaults {
    #[serde(default)]
    policies: Vec<Spanned<String>>,
    fail_on: Option<Spanned<String>>,
    max_export_age_days: Option<u32>,
    data: Option<Spanned<toml::Table>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawWaiver {
    id: Spanned<String>,
    account: Spanned<String>,
    target: Option<Spanned<String>>,
    reason: Spanned<String>,
    approved_by: Spanned<String>,
    ticket: Option<Spanned<String>>,
    expires: Spanned<toml::Value>,
}

fn validate_defaults(
    raw: RawDefaults,
    base: &Path,
    problems: &mut Vec<(Range<usize>, String)>,
) -> Defaults {
    let mut policies = Vec::new();
    for dir in raw.policies {
        if dir.get_ref().trim().is_empty() {
            problems.push((dir.span(), "a policy directory must not be empty".into()));
        } else {
            policies.push(base.join(dir.get_ref()));
        }
    }
    let fail_on = raw.fail_on.and_then(|v| match v.get_ref().as_str() {
        "block" => Some(FailOn::Block),
        "warn" => Some(FailOn::Warn),
        other => {
            problems.push((
                v.span(),
                format!("fail_on must be \"block\" or \"warn\", not {other:?}"),
            ));
            None
        }
    });
    let data = match raw.data {
        None => serde_json::Map::new(),
        Some(table) => {
            let span = table.span();
            let mut path = vec!["data".to_string()];
            match table_to_json(table.into_inner(), &mut path) {
                Ok(map) => map,
                Err(message) => {
                    problems.push((span, message));
                    serde_json::Map::new()
                }
            }
        }
    };
    Defaults {
        policies,
        fail_on,
        max_export_age_days: raw.max_export_age_days,
        data,
    }
}

fn table_to_json(
    table: toml::Table,
    path: &mut Vec<String>,
) -> Result<serde_json::Map<String, serde_json::Value>, String> {
    table
        .into_iter()
        .map(|(key, value)| {
            path.push(key.clone());
            let value = value_to_json(value, path);
            path.pop();
            value.map(|v| (key, v))
        })
        .collect()
}

fn value_to_json(value: toml::Value, path: &mut Vec<String>) -> Result<serde_json::Value, String> {
    use serde_json::Value as J;
    Ok(match value {
        toml::Value::String(s) => J::String(s),
        toml::Value::Integer(i) => J::from(i),
        toml::Value::Float(f) => {
            serde_json::Number::from_f64(f)
                .map(J::Number)
                .ok_or_else(|| {
                    format!(
                        "defaults.{} is {f}: policy data must be finite numbers",
                        path.join(".")
                    )
                })?
        }
        toml::Value::Boolean(b) => J::Bool(b),
        toml::Value::Datetime(d) => J::String(d.to_string()),
        toml::Value::Array(items) => J::Array(
            items
                .into_iter()
                .enumerate()
                .map(|(i, v)| {
                    path.push(i.to_string());
                    let v = value_to_json(v, path);
                    path.pop();
                    v
                })
                .collect::<Result<_, _>>()?,
        ),
        toml::Value::Table(t) => J::Object(table_to_json(t, path)?),
    })
}

/// A required text field: trimmed, and not empty.
fn required(
    field: &str,
    value: Spanned<String>,
    problems: &mut Vec<(Range<usize>, String)>,
) -> Option<String> {
    let text = value.get_ref().trim();
    if text.is_empty() {
        problems.push((value.span(), format!("waiver {field} must not be empty")));
        None
    } else {
        Some(text.to_owned())
    }
}

/// An optional text field: absent is fine, present-but-empty is a mistake.
fn optional(
    field: &str,
    hint: &str,
    value: Option<Spanned<String>>,
    problems: &mut Vec<(Range<usize>, String)>,
) -> Option<Option<String>> {
    match value {
        None => Some(None),
        Some(value) if value.get_ref().trim().is_empty() => {
            problems.push((
                value.span(),
                format!("waiver {field} is empty: leave it out {hint}"),
            ));
            None
        }
        Some(value) => Some(Some(value.get_ref().trim().to_owned())),
    }
}

fn validate_waiver(
    index: usize,
    line: usize,
    raw: RawWaiver,
    problems: &mut Vec<(Range<usize>, String)>,
) -> Option<(Waiver, Range<usize>)> {
    let id_span = raw.id.span();
    let id = required("id", raw.id, problems);
    let account = required("account", raw.account, problems);
    let reason = required("reason", raw.reason, problems);
    let approved_by = required("approved_by", raw.approved_by, problems);
    let target = optional(
        "target",
        "to waive the condition for the whole account",
        raw.target,
        problems,
    );
    let ticket = optional("ticket", "when there is none", raw.ticket, problems);
    let expires = parse_expires(raw.expires, problems);
    Some((
        Waiver {
            index,
            id: id?,
            account: account?,
            target: target?,
            reason: reason?,
            approved_by: approved_by?,
            ticket: ticket?,
            expires: expires?,
            line,
        },
        id_span,
    ))
}

fn parse_expires(
    value: Spanned<toml::Value>,
    problems: &mut Vec<(Range<usize>, String)>,
) -> Option<NaiveDate> {
    let span = value.span();
    let date = match value.into_inner() {
        toml::Value::Datetime(dt) => match (dt.date, dt.time, dt.offset) {
            (Some(d), None, None) => {
                NaiveDate::from_ymd_opt(i32::from(d.year), u32::from(d.month), u32::from(d.day))
            }
            _ => {
                problems.push((
                    span,
                    format!("expires must be a date such as 2026-12-31, not the date-time {dt}"),
                ));
                return None;
            }
        },
        toml::Value::String(text) => parse_iso_date(&text),
        _ => None,
    };
    if date.is_none() {
        problems.push((
            span,
            "expires must be a date: 2026-12-31 or \"2026-12-31\"".into(),
        ));
    }
    date
}

/// Exactly `YYYY-MM-DD`, a real day.
fn parse_iso_date(text: &str) -> Option<NaiveDate> {
    let bytes = text.as_bytes();
    let shape = bytes.len() == 10
        && bytes.iter().enumerate().all(|(i, b)| match i {
            4 | 7 => *b == b'-',
            _ => b.is_ascii_digit(),
        });
    shape
        .then(|| NaiveDate::parse_from_str(text, "%Y-%m-%d").ok())
        .flatten()
}

/// The same condition, account and target twice: the second can never apply.
fn check_duplicates(
    waivers: &[Waiver],
    id_spans: &[Range<usize>],
    problems: &mut Vec<(Range<usize>, String)>,
) {
    let mut seen: HashMap<(&str, &str, Option<&str>), usize> = HashMap::new();
    for (waiver, span) in waivers.iter().zip(id_spans) {
        let key = (
            waiver.id.as_str(),
            waiver.account.as_str(),
            waiver.target.as_deref(),
        );
        if let Some(first) = seen.insert(key, waiver.line) {
            problems.push((
                span.clone(),
                format!(
                    "duplicate waiver: line {first} already waives {} for account {}{}",
                    waiver.id,
                    waiver.account,
                    waiver
                        .target
                        .as_deref()
                        .map(|t| format!(" at {t}"))
                        .unwrap_or_default()
                ),
            ));
            // Keep the first one as the reference for later duplicates.
            seen.insert(key, first);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Config, ConfigError> {
        Config::parse(Path::new("conf/closeout.toml"), text)
    }

    fn error(text: &str) -> String {
        let err = parse(text).unwrap_err();
        err.to_string()
    }

    const GOOD: &str = r#"# Acme's closeout settings.
[defaults]
policies = ["packs/acme", "/opt/closeout/extra"]
fail_on = "warn"
max_export_age_days = 14

[defaults.data]
region = "eu"
cutoff = 2026-06-30
limits = { voucher = 10.5, items = [1, 2] }

[[waiver]]
id = "TCC-003"
account = "100012345678"
target = "V-1"
reason = "Voucher forfeited by contract"
approved_by = "jane@acme"
ticket = "COMP-123"
expires = 2026-12-31

[[waiver]]
id = "TCC-004"
account = "100012345678"
reason = "  Accepted loss  "
approved_by = "bob@acme"
expires = "2027-01-15"
"#;

    #[test]
    fn a_good_file_is_read_whole() {
        let config = parse(GOOD).unwrap();
        let d = &config.defaults;
        assert_eq!(
            d.policies,
            vec![
                PathBuf::from("conf/packs/acme"),
                PathBuf::from("/opt/closeout/extra")
            ]
        );
        assert_eq!(d.fail_on, Some(FailOn::Warn));
        assert_eq!(d.max_export_age_days, Some(14));
        assert_eq!(
            d.data_document(),
            serde_json::json!({"closeout": {"config": {
                "region": "eu",
                "cutoff": "2026-06-30",
                "limits": {"voucher": 10.5, "items": [1, 2]},
            }}})
        );
        assert_eq!(
            d.policy_sources(),
            vec![
                PolicySource::Dir("conf/packs/acme".into()),
                PolicySource::Dir("/opt/closeout/extra".into())
            ]
        );
        assert_eq!(
            config.waivers,
            vec![
                Waiver {
                    index: 0,
                    id: "TCC-003".into(),
                    account: "100012345678".into(),
                    target: Some("V-1".into()),
                    reason: "Voucher forfeited by contract".into(),
                    approved_by: "jane@acme".into(),
                    ticket: Some("COMP-123".into()),
                    expires: NaiveDate::from_ymd_opt(2026, 12, 31).unwrap(),
                    line: 12,
                },
                Waiver {
                    index: 1,
                    id: "TCC-004".into(),
                    account: "100012345678".into(),
                    target: None,
                    reason: "Accepted loss".into(),
                    approved_by: "bob@acme".into(),
                    ticket: None,
                    expires: NaiveDate::from_ymd_opt(2027, 1, 15).unwrap(),
                    line: 21,
                },
            ]
        );
    }

    #[test]
    fn everything_is_optional_but_the_waiver_fields() {
        let config = parse("").unwrap();
        assert_eq!(config.defaults, Defaults::default());
        assert!(config.waivers.is_empty());
        assert_eq!(
            config.defaults.data_document(),
            serde_json::json!({"closeout": {"config": {}}})
        );
        let config = parse("[defaults]\nfail_on = \"block\"\n").unwrap();
        assert_eq!(config.defaults.fail_on, Some(FailOn::Block));
        assert_eq!(config.defaults.max_export_age_days, None);
    }

    #[test]
    fn a_missing_reason_is_an_error_at_its_waiver() {
        let text = GOOD.replace("reason = \"Voucher forfeited by contract\"\n", "");
        let err = parse(&text).unwrap_err();
        assert_eq!((err.line, err.column), (Some(12), Some(1)));
        assert_eq!(
            err.to_string(),
            "conf/closeout.toml:12:1: missing field `reason`"
        );
        assert!(err.text.is_some() && err.span.is_some());
    }

    #[test]
    fn an_unknown_key_is_an_error_at_its_line_and_column() {
        let text = GOOD.replace("ticket = \"COMP-123\"", "  tiket = \"COMP-123\"");
        let message = error(&text);
        assert!(
            message.starts_with("conf/closeout.toml:18:3: unknown field `tiket`"),
            "{message}"
        );
        let message = error("[defaults]\nfail_om = \"warn\"\n");
        assert!(
            message.starts_with("conf/closeout.toml:2:1: unknown field `fail_om`"),
            "{message}"
        );
        assert!(error("[default]\n").starts_with("conf/closeout.toml:1:2: unknown field `default`"));
    }

    #[test]
    fn dates_and_date_strings_are_both_accepted_and_nothing_else() {
        let waiver = |expires: &str| {
            format!(
                "[[waiver]]\nid = \"A-001\"\naccount = \"1\"\nreason = \"r\"\napproved_by = \"a\"\nexpires = {expires}\n"
            )
        };
        let day = NaiveDate::from_ymd_opt(2026, 12, 31).unwrap();
        assert_eq!(
            parse(&waiver("2026-12-31")).unwrap().waivers[0].expires,
            day
        );
        assert_eq!(
            parse(&waiver("\"2026-12-31\"")).unwrap().waivers[0].expires,
            day
        );
        for bad in [
            "\"2026-02-30\"",
            "\"31/12/2026\"",
            "\"2026-1-5\"",
            "20261231",
        ] {
            assert_eq!(
                error(&waiver(bad)),
                "conf/closeout.toml:6:11: expires must be a date: 2026-12-31 or \"2026-12-31\"",
                "{bad}"
            );
        }
        assert!(error(&waiver("2026-12-31T10:00:00Z")).contains("not the date-time"));
    }

    #[test]
    fn empty_required_values_and_bad_defaults_are_errors_at_the_value() {
        let text = GOOD.replace("approved_by = \"bob@acme\"", "approved_by = \" \"");
        assert_eq!(
            error(&text),
            "conf/closeout.toml:25:15: waiver approved_by must not be empty"
        );
        let text = GOOD.replace("target = \"V-1\"", "target = \"\"");
        assert!(error(&text).starts_with("conf/closeout.toml:15:10: waiver target is empty"));
        let text = GOOD.replace("fail_on = \"warn\"", "fail_on = \"never\"");
        assert_eq!(
            error(&text),
            "conf/closeout.toml:4:11: fail_on must be \"block\" or \"warn\", not \"never\""
        );
        let text = GOOD.replace("max_export_age_days = 14", "max_export_age_days = -1");
        assert!(error(&text).starts_with("conf/closeout.toml:5:23: "));
        let text = GOOD.replace(
            "account = \"100012345678\"\ntarget",
            "account = 100012345678\ntarget",
        );
        assert!(error(&text).starts_with("conf/closeout.toml:14:11: invalid type: integer"));
        let text = GOOD.replace("region = \"eu\"", "region = nan");
        assert!(error(&text).contains("defaults.data.region is NaN"));
    }

    #[test]
    fn a_toml_syntax_error_has_a_position() {
        let err = parse("[defaults]\nfail_on = \n").unwrap_err();
        assert_eq!(err.line, Some(2));
        assert!(err.column.is_some());
    }

    #[test]
    fn a_duplicate_waiver_is_an_error() {
        let text = format!("{GOOD}\n[[waiver]]\nid = \"TCC-004\"\naccount = \"100012345678\"\nreason = \"again\"\napproved_by = \"x\"\nexpires = 2027-01-01\n");
        assert_eq!(
            error(&text),
            "conf/closeout.toml:29:6: duplicate waiver: line 21 already waives TCC-004 for account 100012345678"
        );
    }

    #[test]
    fn unknown_condition_ids_are_issues_with_positions() {
        let config = parse(GOOD).unwrap();
        let issues = config.check_ids(|id| id == "TCC-003");
        assert_eq!(issues.len(), 1);
        let issue = &issues[0];
        assert_eq!((issue.waiver, issue.line, issue.column), (1, 22, 6));
        let err = config.issue_error(issue);
        assert_eq!(
            err.to_string(),
            "conf/closeout.toml:22:6: waiver for unknown condition TCC-004: no loaded policy declares it"
        );
        assert_eq!(&config.text[err.span.unwrap().offset..][..9], "\"TCC-004\"");
        assert!(config.check_ids(|_| true).is_empty());
    }

    #[test]
    fn discover_finds_the_file_or_nothing() {
        let scratch = tempfile::tempdir().unwrap();
        let dir = scratch.path().to_path_buf();
        assert!(Config::discover(&dir).unwrap().is_none());
        std::fs::write(dir.join(FILE_NAME), GOOD).unwrap();
        let config = Config::discover(&dir).unwrap().unwrap();
        assert_eq!(config.path, dir.join(FILE_NAME));
        assert_eq!(config.defaults.policies[0], dir.join("packs/acme"));
        std::fs::write(dir.join(FILE_NAME), b"x = \"\xff\"\n").unwrap();
        let err = Config::discover(&dir).unwrap_err();
        assert_eq!((err.line, err.column), (Some(1), Some(6)));
        std::fs::remove_dir_all(&dir).unwrap();
        let err = Config::load(&dir.join(FILE_NAME)).unwrap_err();
        assert!(err.to_string().contains("cannot read the file"), "{err}");
        assert_eq!(err.line, None);
    }

    #[test]
    fn the_error_renders_as_a_miette_diagnostic() {
        let err = parse("[defaults]\nfail_on = \"never\"\n").unwrap_err();
        let labels: Vec<LabeledSpan> = err.labels().unwrap().collect();
        assert_eq!((labels[0].offset(), labels[0].len()), (21, 7));
        assert!(err.source_code().is_some());
        assert_eq!(err.text.as_ref().unwrap().name(), "conf/closeout.toml");
    }
}

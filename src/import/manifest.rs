//! The import manifest, `closeout-import.toml`: what no provider API returns
//! (the export time, the cancellation request, facts stated by hand) and what
//! the saved files are when their content cannot say. Parsed with spans kept,
//! so every error names its line and column, as `closeout.toml`'s do.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use chrono::FixedOffset;
use serde::Deserialize;
use serde_json::{Map, Value as Json};
use toml::Spanned;

use crate::import::{files, Draft, ImportError, Provider};
use crate::input::locate::line_column;

/// The manifest's name in an account directory.
pub const FILE_NAME: &str = crate::input::IMPORT_MANIFEST;

/// Sections of the snapshot that are one object: the manifest's keys are
/// merged into what the responses give.
const TABLES: [&str; 5] = ["account", "request", "billing", "rights", "telephony"];
/// Sections that are lists: the manifest's entries are added.
const LISTS: [&str; 7] = [
    "contracts",
    "resources",
    "data_exports",
    "integrations",
    "principals",
    "api_keys",
    "cases",
];

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawManifest {
    exported_at: Option<Spanned<toml::Value>>,
    snapshot_id: Option<Spanned<String>>,
    timezone: Option<Spanned<String>>,
    none: Option<Vec<Spanned<String>>>,
    files: Option<BTreeMap<String, Spanned<String>>>,
    backups_listed_in_full: Option<Spanned<bool>>,
    regions: Option<Spanned<Vec<String>>>,
    account: Option<Spanned<toml::Table>>,
    request: Option<Spanned<toml::Table>>,
    billing: Option<Spanned<toml::Table>>,
    rights: Option<Spanned<toml::Table>>,
    telephony: Option<Spanned<toml::Table>>,
    contracts: Option<Spanned<Vec<toml::Value>>>,
    resources: Option<Spanned<Vec<toml::Value>>>,
    data_exports: Option<Spanned<Vec<toml::Value>>>,
    integrations: Option<Spanned<Vec<toml::Value>>>,
    principals: Option<Spanned<Vec<toml::Value>>>,
    api_keys: Option<Spanned<Vec<toml::Value>>>,
    cases: Option<Spanned<Vec<toml::Value>>>,
}

/// A parsed, validated manifest (empty when the directory has none).
#[derive(Debug, Default)]
pub struct Manifest {
    path: PathBuf,
    text: String,
    /// RFC 3339, as stated.
    pub exported_at: Option<String>,
    pub snapshot_id: Option<String>,
    /// The zone of the provider's local times (Tencent: `2019-01-31 23:35:10`).
    pub timezone: Option<FixedOffset>,
    /// Kinds of saved response the account has none of, so none was saved.
    none: Vec<(String, Range<usize>)>,
    /// File name -> (kind, qualifier, span of the entry).
    files: BTreeMap<String, (String, Option<String>, Range<usize>)>,
    /// Stated sections, as JSON, with the span of each.
    stated: BTreeMap<String, (Json, Range<usize>)>,
    /// Aptible: the CLI's backup listings were saved with a `--max-age`
    /// reaching back past the account's first backup (the CLI's default
    /// shows one month, or one year for `backup:orphaned`), and the span.
    backups_listed_in_full: Option<(bool, Range<usize>)>,
    /// Tencent: every region the account uses, whose listings were saved.
    regions: Option<(Vec<String>, Range<usize>)>,
}

impl Manifest {
    /// Reads the manifest at `path`. A missing file is an empty manifest
    /// unless it was named (`required`).
    pub fn load(path: &Path, required: bool) -> Result<Manifest, ImportError> {
        let shown = path.display().to_string();
        let text = match std::fs::read(path) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound && !required => {
                return Ok(Manifest {
                    path: path.to_path_buf(),
                    ..Manifest::default()
                })
            }
            Err(e) => {
                return Err(ImportError::new(
                    &shown,
                    format!("cannot read the manifest: {e}"),
                ))
            }
            Ok(bytes) => String::from_utf8(bytes).map_err(|e| {
                let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
                let (line, column) = line_column(&String::from_utf8_lossy(valid), valid.len());
                ImportError::new(&shown, "the manifest is not UTF-8 text").at(line, column)
            })?,
        };
        Manifest::parse(path, text)
    }

    /// Validates `text` as the manifest at `path`.
    pub fn parse(path: &Path, text: String) -> Result<Manifest, ImportError> {
        let mut manifest = Manifest {
            path: path.to_path_buf(),
            ..Manifest::default()
        };
        let raw: RawManifest = toml::from_str(&text).map_err(|e| {
            let start = e.span().map(|s| s.start).unwrap_or(0);
            manifest.error_at(&text, start, e.message().to_owned())
        })?;
        if let Some(value) = raw.exported_at {
            let span = value.span();
            let stated = match value.into_inner() {
                toml::Value::Datetime(d) => d.to_string(),
                toml::Value::String(s) => s,
                other => {
                    return Err(manifest.error_at(
                        &text,
                        span.start,
                        format!("exported_at must be an RFC 3339 time such as 2026-11-20T10:00:00Z, not a {}", other.type_str()),
                    ))
                }
            };
            if chrono::DateTime::parse_from_rfc3339(&stated).is_err() {
                return Err(manifest.error_at(
                    &text,
                    span.start,
                    format!("exported_at {stated:?} is not an RFC 3339 time with its offset, such as 2026-11-20T10:00:00Z"),
                ));
            }
            manifest.exported_at = Some(stated);
        }
        if let Some(id) = raw.snapshot_id {
            if id.get_ref().trim().is_empty() {
                return Err(manifest.error_at(
                    &text,
                    id.span().start,
                    "snapshot_id is empty".into(),
                ));
            }
            manifest.snapshot_id = Some(id.into_inner());
        }
        if let Some(zone) = raw.timezone {
            manifest.timezone = Some(parse_offset(zone.get_ref()).ok_or_else(|| {
                manifest.error_at(
                    &text,
                    zone.span().start,
                    format!(
                        "timezone {:?} is not an offset such as +08:00 or UTC",
                        zone.get_ref()
                    ),
                )
            })?);
        }
        if let Some(stated) = raw.backups_listed_in_full {
            let span = stated.span();
            manifest.backups_listed_in_full = Some((stated.into_inner(), span));
        }
        if let Some(stated) = raw.regions {
            let span = stated.span();
            manifest.regions = Some((stated.into_inner(), span));
        }
        for entry in raw.none.unwrap_or_default() {
            let span = entry.span();
            manifest.none.push((entry.into_inner(), span));
        }
        for (name, entry) in raw.files.unwrap_or_default() {
            let span = entry.span();
            let value = entry.into_inner();
            let (kind, qualifier) = match value.split_once(':') {
                Some((k, q)) if !q.is_empty() => (k.to_owned(), Some(q.to_owned())),
                _ => (value.clone(), None),
            };
            manifest.files.insert(name, (kind, qualifier, span));
        }
        let tables = [
            ("account", raw.account),
            ("request", raw.request),
            ("billing", raw.billing),
            ("rights", raw.rights),
            ("telephony", raw.telephony),
        ];
        for (name, table) in tables {
            if let Some(table) = table {
                let span = table.span();
                let json = to_json(toml::Value::Table(table.into_inner()))
                    .map_err(|m| manifest.error_at(&text, span.start, format!("{name}: {m}")))?;
                manifest.stated.insert(name.to_owned(), (json, span));
            }
        }
        let lists = [
            ("contracts", raw.contracts),
            ("resources", raw.resources),
            ("data_exports", raw.data_exports),
            ("integrations", raw.integrations),
            ("principals", raw.principals),
            ("api_keys", raw.api_keys),
            ("cases", raw.cases),
        ];
        for (name, list) in lists {
            if let Some(list) = list {
                let span = list.span();
                let json = to_json(toml::Value::Array(list.into_inner()))
                    .map_err(|m| manifest.error_at(&text, span.start, format!("{name}: {m}")))?;
                manifest.stated.insert(name.to_owned(), (json, span));
            }
        }
        if let Some((Json::Object(account), span)) = manifest.stated.get("account") {
            if let Some(id) = account.get("id") {
                if !matches!(id, Json::String(s) if !s.trim().is_empty()) {
                    return Err(manifest.error_at(
                        &text,
                        span.start,
                        "account.id must be a non-empty string (quote a numeric id)".into(),
                    ));
                }
            }
        }
        manifest.text = text;
        Ok(manifest)
    }

    fn error_at(&self, text: &str, offset: usize, message: String) -> ImportError {
        let (line, column) = line_column(text, offset.min(text.len()));
        ImportError::new(self.display_path(), message).at(line, column)
    }

    fn error(&self, span: &Range<usize>, message: String) -> ImportError {
        self.error_at(&self.text, span.start, message)
    }

    pub fn display_path(&self) -> String {
        self.path.display().to_string()
    }

    /// Checks the `[files]` and `none` entries against the provider's kinds
    /// and the directory's files.
    pub fn check_files(&self, provider: Provider, names: &[String]) -> Result<(), ImportError> {
        let kinds = provider.kinds();
        let valid = || kinds.iter().map(|k| k.name).collect::<Vec<_>>().join(", ");
        for (name, (kind, _, span)) in &self.files {
            if !names.contains(name) {
                return Err(self.error(
                    span,
                    format!("[files] names {name:?}, which is not a saved file of the directory"),
                ));
            }
            if files::lookup(kinds, kind).is_none() {
                return Err(self.error(
                    span,
                    format!(
                        "[files] gives {name:?} the kind {kind:?}, not one of {}",
                        valid()
                    ),
                ));
            }
        }
        if let Some((_, span)) = &self.backups_listed_in_full {
            if provider != Provider::Aptible {
                return Err(self.error(
                    span,
                    format!(
                        "backups_listed_in_full is about the aptible CLI's backup listings, not {}",
                        provider.name()
                    ),
                ));
            }
        }
        if let Some((_, span)) = &self.regions {
            if provider != Provider::Tencentcloud {
                return Err(self.error(
                    span,
                    format!(
                        "regions names the Tencent Cloud regions whose listings were saved, not {}'s",
                        provider.name()
                    ),
                ));
            }
        }
        for (kind, span) in &self.none {
            let Some(named) = files::lookup(kinds, kind) else {
                return Err(self.error(
                    span,
                    format!(
                        "none names {kind:?}, not a kind of {} response: one of {}",
                        provider.name(),
                        valid()
                    ),
                ));
            };
            if provider.never_none().contains(&named) {
                let source = kinds.iter().find(|k| k.name == named).map(|k| k.source);
                return Err(self.error(
                    span,
                    format!(
                        "none names {kind:?}, but every {} account has its {named} response: save it (`{}`)",
                        provider.name(),
                        source.unwrap_or_default()
                    ),
                ));
            }
        }
        Ok(())
    }

    /// Whether the manifest states the CLI's backup listings reach back to
    /// the first backup (`backups_listed_in_full = true`).
    pub fn backups_listed_in_full(&self) -> bool {
        matches!(self.backups_listed_in_full, Some((true, _)))
    }

    /// Tencent: the regions the manifest states the account uses.
    pub fn regions(&self) -> Option<&[String]> {
        self.regions.as_ref().map(|(r, _)| r.as_slice())
    }

    /// An error at the manifest's `regions` entry.
    pub fn regions_error(&self, message: String) -> ImportError {
        match &self.regions {
            Some((_, span)) => self.error(span, message),
            None => ImportError::new(self.display_path(), message),
        }
    }

    /// What `[files]` says the file `name` is.
    pub fn file_kind(&self, name: &str) -> Option<(&'static str, Option<String>)> {
        let (kind, qualifier, _) = self.files.get(name)?;
        // `check_files` has made sure the kind exists for the provider.
        let kind = Provider::ALL
            .iter()
            .find_map(|p| files::lookup(p.kinds(), kind))?;
        Some((kind, qualifier.clone()))
    }

    /// Whether the manifest states the account has no `kind` at all.
    pub fn states_none(&self, kind: &str) -> bool {
        self.none
            .iter()
            .any(|(k, _)| k.to_ascii_lowercase().replace('-', "_") == kind)
    }

    /// The account id the manifest states.
    pub fn account_id(&self) -> Option<String> {
        let (account, _) = self.stated.get("account")?;
        account.get("id")?.as_str().map(str::to_owned)
    }

    /// A stated value at a dotted path (`account.support_plan`).
    pub fn stated(&self, path: &str) -> Option<&Json> {
        let mut parts = path.split('.');
        let (value, _) = self.stated.get(parts.next()?)?;
        let mut value = value;
        for part in parts {
            value = value.get(part)?;
        }
        Some(value)
    }

    /// Whether the manifest states `path` (or a list or value holding it; a
    /// table covers only the keys it states). A missing listing is covered
    /// only by `none`, never by entries added by hand, which cannot prove
    /// the listing complete.
    ///
    /// `by_hand`: no response fills `path`, so a stated list is the whole
    /// of it. Otherwise a stated list, top-level (`api_keys`, `resources`)
    /// or in a table (`[billing] invoices`, `[rights] vouchers`), is only
    /// added to and never covers the gap: entries written by hand cannot
    /// prove that the listing nobody saved holds nothing else.
    pub fn covers(&self, path: &str, by_hand: bool) -> bool {
        let mut prefix = String::new();
        for part in path.split('.') {
            if !prefix.is_empty() {
                prefix.push('.');
            }
            prefix.push_str(part);
            match self.stated(&prefix) {
                // A stated table covers only the keys it states.
                Some(Json::Object(_)) if prefix != path => {}
                Some(Json::Null) | None => {}
                Some(Json::Array(_)) if !by_hand => return false,
                Some(_) => return true,
            }
        }
        false
    }

    /// Adds the stated sections to the draft. A stated key the responses
    /// also give, with another value, is a contradiction.
    pub fn apply(&self, draft: &mut Draft) -> Result<(), ImportError> {
        for (name, (value, span)) in &self.stated {
            if TABLES.contains(&name.as_str()) {
                let Json::Object(table) = value else { continue };
                for (key, stated) in table {
                    let path = format!("{name}.{key}");
                    match draft.get(&path) {
                        Some(given) if given != stated => {
                            return Err(self.error(
                                span,
                                format!("the manifest states {path} = {stated} but the saved responses give {given}"),
                            ))
                        }
                        _ => draft.set(&path, stated.clone()),
                    }
                }
                if draft.get(name).is_none() {
                    draft.set(name, Json::Object(Map::new()));
                }
            } else if LISTS.contains(&name.as_str()) {
                if let Json::Array(items) = value {
                    draft.extend(name, items.clone());
                }
            }
        }
        Ok(())
    }
}

/// `+08:00`, `-05:30`, `UTC`, `Z`.
pub fn parse_offset(text: &str) -> Option<FixedOffset> {
    if text.eq_ignore_ascii_case("utc") || text == "Z" {
        return FixedOffset::east_opt(0);
    }
    let (sign, rest) = match text.as_bytes().first()? {
        b'+' => (1, &text[1..]),
        b'-' => (-1, &text[1..]),
        _ => return None,
    };
    let (hours, minutes) = rest.split_once(':')?;
    if hours.len() != 2 || minutes.len() != 2 {
        return None;
    }
    let seconds = hours.parse::<i32>().ok()? * 3600 + minutes.parse::<i32>().ok()? * 60;
    FixedOffset::east_opt(sign * seconds)
}

/// A TOML value as JSON: dates and times become their RFC 3339 text.
fn to_json(value: toml::Value) -> Result<Json, String> {
    Ok(match value {
        toml::Value::String(s) => Json::String(s),
        toml::Value::Integer(i) => Json::from(i),
        toml::Value::Float(f) => serde_json::Number::from_f64(f)
            .map(Json::Number)
            .ok_or_else(|| format!("{f} is not a number JSON can hold"))?,
        toml::Value::Boolean(b) => Json::Bool(b),
        toml::Value::Datetime(d) => Json::String(d.to_string()),
        toml::Value::Array(items) => {
            Json::Array(items.into_iter().map(to_json).collect::<Result<_, _>>()?)
        }
        toml::Value::Table(table) => Json::Object(
            table
                .into_iter()
                .map(|(k, v)| Ok((k, to_json(v)?)))
                .collect::<Result<_, String>>()?,
        ),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Manifest, ImportError> {
        Manifest::parse(Path::new("m.toml"), text.to_owned())
    }

    #[test]
    fn errors_name_line_and_column() {
        let error = parse("snapshot_id = \"a\"\nexported_at = \"yesterday\"\n").unwrap_err();
        assert_eq!(error.position, Some((2, 15)), "{error}");
        let error = parse("exported_at = 2026-11-20T10:00:00Z\nunknown_key = 1\n").unwrap_err();
        assert_eq!(error.position.map(|p| p.0), Some(2), "{error}");
        let error = parse("timezone = \"CET\"").unwrap_err();
        assert_eq!(error.position, Some((1, 12)), "{error}");
    }

    #[test]
    fn stated_sections_cover_their_paths() {
        let m = parse("exported_at = 2026-11-20T10:00:00Z\ncases = []\n[billing]\npayments = []\n[request]\nrequested_date = 2026-12-07\n").unwrap();
        assert_eq!(m.exported_at.as_deref(), Some("2026-11-20T10:00:00Z"));
        assert!(m.covers("cases", true));
        assert!(m.covers("billing.payments", true));
        assert!(!m.covers("billing.payments", false));
        assert!(!m.covers("billing.invoices", false));
        assert!(!m.covers("resources", false));
        // A list the responses fill is only added to by the manifest.
        let keys =
            parse("api_keys = [{ id = \"AKID1\", owner = \"root\", status = \"active\" }]\n")
                .unwrap();
        assert!(!keys.covers("api_keys", false));
        assert!(keys.covers("api_keys", true));
        assert_eq!(
            m.stated("request.requested_date"),
            Some(&Json::String("2026-12-07".into()))
        );
    }

    #[test]
    fn offsets() {
        assert_eq!(parse_offset("+08:00"), FixedOffset::east_opt(8 * 3600));
        assert_eq!(
            parse_offset("-05:30"),
            FixedOffset::east_opt(-(5 * 3600 + 1800))
        );
        assert_eq!(parse_offset("UTC"), FixedOffset::east_opt(0));
        assert_eq!(parse_offset("8"), None);
    }
}

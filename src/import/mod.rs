//! `closeout import`: turns a directory of saved provider responses (what the
//! providers' APIs and CLIs really return) into one v1 snapshot.
//!
//! The flow: [`files`] reads every saved response of the directory and decides
//! what each one is (by its content, else by the file-name convention or the
//! manifest); [`pages`] merges the pages of one listing; the provider module
//! ([`ukfast`], [`aptible`], [`tencentcloud`]) copies the fields the conditions
//! need (an allow list, so secrets never reach the snapshot) into a
//! [`Draft`]; [`manifest`] adds what no API returns. Every section the
//! conditions read that neither covers goes into the snapshot's `unknown`
//! list, so `closeout check` blocks it with GEN-003: a gap is never "none".
//!
//! The library never prints: notes come back in [`Imported::notes`].

pub mod aptible;
pub mod files;
pub mod manifest;
pub mod pages;
pub mod sipstation;
pub mod tencentcloud;
pub mod ukfast;

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use serde_json::{json, Map, Value as Json};

use crate::input::SnapshotSchema;

pub use files::SavedFile;
pub use manifest::Manifest;

/// The providers `import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    Ukfast,
    Aptible,
    Tencentcloud,
    /// No public API: a template written by hand (see [`sipstation`]).
    Sipstation,
}

impl Provider {
    pub const ALL: [Provider; 4] = [
        Provider::Ukfast,
        Provider::Aptible,
        Provider::Tencentcloud,
        Provider::Sipstation,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Provider::Ukfast => "ukfast",
            Provider::Aptible => "aptible",
            Provider::Tencentcloud => "tencentcloud",
            Provider::Sipstation => "sipstation",
        }
    }

    pub fn parse(name: &str) -> Result<Provider, String> {
        Provider::ALL
            .into_iter()
            .find(|p| p.name() == name)
            .ok_or_else(|| {
                format!("unknown provider {name:?}: import reads ukfast, aptible, tencentcloud or sipstation")
            })
    }

    /// The kinds of saved response this provider reads.
    pub fn kinds(self) -> &'static [files::KindSpec] {
        match self {
            Provider::Ukfast => ukfast::KINDS,
            Provider::Aptible => aptible::KINDS,
            Provider::Tencentcloud => tencentcloud::KINDS,
            Provider::Sipstation => sipstation::KINDS,
        }
    }

    /// The kinds every account of this provider has one of, so `none` may
    /// not name them: an ANS account always has its details and a primary
    /// contact; a Tencent account always has a balance (which also gives
    /// its arrears) and `ListReceiver` always lists the owner.
    pub fn never_none(self) -> &'static [&'static str] {
        match self {
            Provider::Ukfast => &["details", "contacts"],
            Provider::Tencentcloud => &["balance", "receivers"],
            Provider::Aptible | Provider::Sipstation => &[],
        }
    }
}

/// An import that cannot be completed: which file, where in it, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportError {
    pub file: String,
    /// 1-based line and column (in characters), when the trouble has a place.
    pub position: Option<(usize, usize)>,
    pub message: String,
}

impl ImportError {
    pub fn new(file: impl Into<String>, message: impl Into<String>) -> Self {
        ImportError {
            file: file.into(),
            position: None,
            message: message.into(),
        }
    }

    pub fn at(mut self, line: usize, column: usize) -> Self {
        self.position = Some((line, column));
        self
    }
}

impl fmt::Display for ImportError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        if let Some((line, column)) = self.position {
            write!(f, ":{line}:{column}")?;
        }
        write!(f, ": {}", self.message)
    }
}

impl std::error::Error for ImportError {}

/// A finished import.
#[derive(Debug)]
pub struct Imported {
    /// The snapshot, validated against the v1 contract.
    pub snapshot: Json,
    /// What the user should know: the parts left unknown and why.
    pub notes: Vec<String>,
}

/// What a provider module built from the saved responses, before the
/// manifest is applied.
#[derive(Debug, Default)]
pub struct Draft {
    /// Snapshot sections by their top-level name (`account`, `billing`...).
    pub sections: Map<String, Json>,
    /// Dotted paths the conditions read that the responses do not cover, each
    /// with the reason (which file is missing).
    pub gaps: Vec<(String, String)>,
    /// The gaps that only the manifest can fill (no response gives them), so
    /// a list stated there is the whole list. A list the responses fill is
    /// only added to by the manifest: its entries cannot prove a missing
    /// listing empty, and only `none` covers that gap.
    pub by_hand: Vec<String>,
    /// The account id the responses give, and the file that gives it.
    pub account_id: Option<(String, String)>,
}

impl Draft {
    /// Sets `path` (dotted, two levels at most) to `value`.
    pub fn set(&mut self, path: &str, value: Json) {
        match path.split_once('.') {
            None => {
                self.sections.insert(path.to_owned(), value);
            }
            Some((top, field)) => {
                let section = self
                    .sections
                    .entry(top.to_owned())
                    .or_insert_with(|| Json::Object(Map::new()));
                if let Json::Object(map) = section {
                    map.insert(field.to_owned(), value);
                }
            }
        }
    }

    /// Appends `items` to the list at `path` (creating it).
    pub fn extend(&mut self, path: &str, items: Vec<Json>) {
        let mut list = match self.get(path) {
            Some(Json::Array(existing)) => existing.clone(),
            _ => Vec::new(),
        };
        list.extend(items);
        self.set(path, Json::Array(list));
    }

    pub fn get(&self, path: &str) -> Option<&Json> {
        match path.split_once('.') {
            None => self.sections.get(path),
            Some((top, field)) => self.sections.get(top)?.get(field),
        }
    }

    /// Records that `path` is not covered, and why.
    pub fn gap(&mut self, path: &str, why: impl Into<String>) {
        self.gaps.push((path.to_owned(), why.into()));
    }

    /// Records the account id a file gives; two files naming different
    /// accounts are an error.
    pub fn account(&mut self, id: &str, file: &str) -> Result<(), ImportError> {
        match &self.account_id {
            Some((known, from)) if known != id => Err(ImportError::new(
                file,
                format!("the responses are of two accounts: this file is of account {id:?}, {from} of {known:?}; one directory holds one account"),
            )),
            Some(_) => Ok(()),
            None => {
                self.account_id = Some((id.to_owned(), file.to_owned()));
                Ok(())
            }
        }
    }
}

/// Records a gap at `path` when no file of `kind` was saved and the manifest
/// does not state that the account has none.
pub(crate) fn require(
    draft: &mut Draft,
    manifest: &Manifest,
    listings: &pages::Listings,
    kinds: &[files::KindSpec],
    kind: &str,
    path: &str,
) {
    if listings.has(kind) || manifest.states_none(kind) {
        return;
    }
    let source = kinds
        .iter()
        .find(|k| k.name == kind)
        .map(|k| k.source)
        .unwrap_or_default();
    draft.gap(
        path,
        format!("no {kind} response was saved (`{source}`), and the manifest does not state none = [\"{kind}\"]"),
    );
}

/// Records gaps for manifest-only facts (`request.reason`...): no API gives them.
pub(crate) fn manifest_only(draft: &mut Draft, paths: &[&str]) {
    for path in paths {
        if draft.get(path).is_none() {
            draft.gap(
                path,
                format!("no API returns it; state {path} in the manifest"),
            );
            draft.by_hand.push((*path).to_owned());
        }
    }
}

/// Options of one import.
#[derive(Debug, Clone, Default)]
pub struct ImportOptions {
    /// The manifest to use instead of `DIR/closeout-import.toml`.
    pub manifest: Option<std::path::PathBuf>,
    /// Skip (and note) files no importer recognises instead of failing.
    pub skip_unrecognised: bool,
}

/// Imports the saved responses in `dir` as one snapshot of `provider`.
pub fn import_dir(
    provider: Provider,
    dir: &Path,
    options: &ImportOptions,
) -> Result<Imported, ImportError> {
    let manifest_path = options
        .manifest
        .clone()
        .unwrap_or_else(|| dir.join(manifest::FILE_NAME));
    let manifest = Manifest::load(&manifest_path, options.manifest.is_some())?;
    let mut notes = Vec::new();
    let skip = options.skip_unrecognised;
    let read = |notes: &mut Vec<String>| files::read_dir(provider, dir, &manifest, skip, notes);
    let mut draft = match provider {
        Provider::Ukfast => ukfast::build(&read(&mut notes)?, &manifest)?,
        Provider::Aptible => aptible::build(&read(&mut notes)?, &manifest)?,
        Provider::Tencentcloud => tencentcloud::build(&read(&mut notes)?, &manifest)?,
        // No saved responses: the template beside the manifest.
        Provider::Sipstation => sipstation::build(dir, &manifest, skip, &mut notes)?,
    };
    // Common to every provider: no API of these three lists disputes,
    // chargebacks, litigation or legal holds.
    if draft.get("cases").is_none() {
        draft.gap("cases", "no provider API lists complaints, disputes or legal holds; state them (or `cases = []`) in the manifest");
        draft.by_hand.push("cases".to_owned());
    }
    let snapshot = assemble(provider, dir, &manifest, draft, &mut notes)?;
    Ok(Imported { snapshot, notes })
}

/// Applies the manifest to the draft, fills the top-level fields and the
/// `unknown` list, and validates the result.
fn assemble(
    provider: Provider,
    dir: &Path,
    manifest: &Manifest,
    mut draft: Draft,
    notes: &mut Vec<String>,
) -> Result<Json, ImportError> {
    manifest.apply(&mut draft)?;
    let manifest_file = manifest.display_path();
    let exported_at = manifest.exported_at.clone().ok_or_else(|| {
        ImportError::new(
            &manifest_file,
            "exported_at is missing: no saved response says when it was served, so the manifest must state it (exported_at = 2026-11-20T10:00:00Z); it is never taken from the clock or a file's time",
        )
    })?;
    let account_id = match (&draft.account_id, manifest.account_id()) {
        (Some((id, _)), None) => id.clone(),
        (None, Some(id)) => id,
        (Some((id, file)), Some(stated)) if *id != stated => {
            return Err(ImportError::new(
                &manifest_file,
                format!("the manifest states account id {stated:?} but {file} is of account {id:?}"),
            ))
        }
        (Some((id, _)), Some(_)) => id.clone(),
        (None, None) => {
            return Err(ImportError::new(
                dir.display().to_string(),
                format!(
                    "no account id: {}; state it in the manifest as [account] id = \"...\"",
                    match provider {
                        Provider::Ukfast => "ANS account details and contacts carry none",
                        Provider::Aptible => "the CLI's listings carry none (the API's accounts page links its organization)",
                        Provider::Tencentcloud => "no saved DescribeAccountBalance (its Uin) or voucher (its OwnerUin)",
                        Provider::Sipstation => "SIPStation has no API, so only the manifest can give it",
                    }
                ),
            ))
        }
    };
    let mut account = match draft.sections.remove("account") {
        Some(Json::Object(map)) => map,
        _ => Map::new(),
    };
    account.insert("id".into(), Json::String(account_id.clone()));
    let request = draft
        .sections
        .remove("request")
        .unwrap_or_else(|| Json::Object(Map::new()));
    let snapshot_id = manifest.snapshot_id.clone().unwrap_or_else(|| {
        format!(
            "{}-{}-{}",
            provider.name(),
            account_id,
            exported_at.get(..10).unwrap_or(&exported_at)
        )
    });
    let mut unknown: Vec<String> = Vec::new();
    for (path, why) in &draft.gaps {
        if manifest.covers(path, draft.by_hand.contains(path)) {
            continue;
        }
        if !unknown.contains(path) {
            unknown.push(path.clone());
        }
        notes.push(format!("unknown {path}: {why}"));
    }
    unknown.sort();
    let mut document = Map::new();
    document.insert("schema_version".into(), json!(1));
    document.insert("snapshot_id".into(), Json::String(snapshot_id));
    document.insert("exported_at".into(), Json::String(exported_at));
    document.insert("provider".into(), Json::String(provider.name().into()));
    document.insert("account".into(), Json::Object(account));
    document.insert("request".into(), request);
    for (name, value) in std::mem::take(&mut draft.sections) {
        document.insert(name, value);
    }
    if !unknown.is_empty() {
        document.insert("unknown".into(), json!(unknown));
    }
    let snapshot = Json::Object(document);
    let text: Arc<str> = Arc::from(serde_json::to_string_pretty(&snapshot).unwrap_or_default());
    SnapshotSchema::v1()
        .load_text(dir.display().to_string().into(), 1, text)
        .map_err(|error| {
            ImportError::new(
                &manifest_file,
                format!(
                    "the imported snapshot breaks the v1 contract (check the values the manifest states): {}",
                    error.message
                ),
            )
        })?;
    Ok(snapshot)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draft_paths_nest_one_level() {
        let mut draft = Draft::default();
        draft.set("account.name", json!("Acme"));
        draft.extend("billing.invoices", vec![json!({"id": "1"})]);
        draft.extend("billing.invoices", vec![json!({"id": "2"})]);
        assert_eq!(draft.get("account.name"), Some(&json!("Acme")));
        assert_eq!(
            draft
                .get("billing.invoices")
                .unwrap()
                .as_array()
                .unwrap()
                .len(),
            2
        );
    }

    #[test]
    fn two_accounts_are_an_error() {
        let mut draft = Draft::default();
        draft.account("1", "a.json").unwrap();
        draft.account("1", "b.json").unwrap();
        let error = draft.account("2", "c.json").unwrap_err();
        assert!(error.message.contains("two accounts"), "{error}");
        assert_eq!(error.file, "c.json");
    }
}

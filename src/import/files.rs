//! Reading the saved responses of one directory and deciding what each file
//! is: by its content where the content says; else by the file-name
//! convention (`KIND[.QUALIFIER][.pN].json`) or a `[files]` entry of the
//! manifest. A file that is still ambiguous is an error naming it.

use std::path::Path;

use serde_json::Value as Json;

use crate::import::manifest::Manifest;
use crate::import::{ImportError, Provider};
use crate::input::open_regular;

/// The largest saved response read (the listings are small; this only stops a
/// wrong file from filling memory).
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// One kind of saved response a provider reads.
#[derive(Debug)]
pub struct KindSpec {
    /// The name used in file names and `[files]` entries (`instances`).
    pub name: &'static str,
    /// The command or endpoint that saves it, for messages and the docs.
    pub source: &'static str,
    /// Whether the file must name what it belongs to (`backups.DB_HANDLE.json`):
    /// its content does not.
    pub qualifier: Option<&'static str>,
}

/// What a provider can tell from a file's content alone.
#[derive(Debug, PartialEq, Eq)]
pub enum Sniff {
    /// The content says which kind it is.
    Kind(&'static str),
    /// A listing that could be of several kinds (an empty list, `null`).
    Listing,
    /// Nothing this provider reads.
    Unrecognised,
    /// The provider's error envelope: the message it carries.
    ApiError(String),
}

/// A saved response whose kind is known.
#[derive(Debug)]
pub struct SavedFile {
    /// The file's path, as given (for messages).
    pub path: String,
    pub kind: &'static str,
    /// What the file belongs to, from its name or the manifest (a database
    /// handle, a user).
    pub qualifier: Option<String>,
    /// The page number the file name gives (`.p2`).
    pub page: Option<u64>,
    pub json: Json,
}

/// What the file name says: (kind, qualifier, page).
pub fn parse_name(
    kinds: &'static [KindSpec],
    file_name: &str,
) -> (Option<&'static str>, Option<String>, Option<u64>) {
    let stem = file_name.strip_suffix(".json").unwrap_or(file_name);
    let mut parts = stem.split('.');
    let first = parts.next().unwrap_or_default();
    let mut rest = Vec::new();
    // `cvm-ap-guangzhou`: a kind, then what it belongs to after a dash.
    let mut kind = lookup(kinds, first);
    if kind.is_none() {
        for (at, _) in first.match_indices('-') {
            if let Some(found) = lookup(kinds, &first[..at]) {
                kind = Some(found);
                rest.push(&first[at + 1..]);
                break;
            }
        }
    }
    if kind.is_none() {
        return (None, None, None);
    }
    let mut page = None;
    for part in parts {
        let number = part
            .strip_prefix("page")
            .or_else(|| part.strip_prefix('p'))
            .filter(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
        match number.and_then(|n| n.parse().ok()) {
            Some(n) if page.is_none() => page = Some(n),
            _ => rest.push(part),
        }
    }
    let qualifier = (!rest.is_empty()).then(|| rest.join("."));
    (kind, qualifier, page)
}

/// The kind named `name` (`-` and `_` alike, any case).
pub fn lookup(kinds: &'static [KindSpec], name: &str) -> Option<&'static str> {
    let wanted = name.to_ascii_lowercase().replace('-', "_");
    kinds.iter().find(|k| k.name == wanted).map(|k| k.name)
}

fn kind_list(kinds: &[KindSpec]) -> String {
    kinds.iter().map(|k| k.name).collect::<Vec<_>>().join(", ")
}

/// Reads every `*.json` file of `dir` (not recursively, in name order).
pub fn read_dir(
    provider: Provider,
    dir: &Path,
    manifest: &Manifest,
    skip_unrecognised: bool,
    notes: &mut Vec<String>,
) -> Result<Vec<SavedFile>, ImportError> {
    let shown = dir.display().to_string();
    let entries = std::fs::read_dir(dir)
        .map_err(|e| ImportError::new(&shown, format!("cannot read the directory: {e}")))?;
    let mut names: Vec<String> = Vec::new();
    for entry in entries {
        let entry = entry
            .map_err(|e| ImportError::new(&shown, format!("cannot read the directory: {e}")))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.ends_with(".json") {
            names.push(name);
        }
    }
    names.sort();
    if names.is_empty() {
        return Err(ImportError::new(
            &shown,
            format!(
                "no saved response (*.json) in this directory; docs/import/{}.md lists what to save",
                provider.name()
            ),
        ));
    }
    manifest.check_files(provider, &names)?;
    let kinds = provider.kinds();
    let mut saved = Vec::new();
    for name in names {
        let path = dir.join(&name);
        let shown = path.display().to_string();
        let json = read_json(&path, &shown)?;
        let (named, named_qualifier, page) = parse_name(kinds, &name);
        let stated = manifest.file_kind(&name);
        let claimed = stated.as_ref().map(|(k, _)| *k).or(named);
        let sniffed = match provider {
            Provider::Ukfast => crate::import::ukfast::sniff(&json),
            Provider::Aptible => crate::import::aptible::sniff(&json),
            Provider::Tencentcloud => crate::import::tencentcloud::sniff(&json),
            // The SIPStation template is read by its own module.
            Provider::Sipstation => Sniff::Unrecognised,
        };
        let kind = match sniffed {
            Sniff::ApiError(message) => {
                return Err(ImportError::new(
                    &shown,
                    format!("the saved response is the API's error, not data: {message}; save it again"),
                ))
            }
            Sniff::Kind(kind) => match claimed {
                Some(other) if other != kind && !compatible(kind, other) => {
                    return Err(ImportError::new(
                        &shown,
                        format!("the content is a {kind} listing but its name or manifest entry says {other}"),
                    ))
                }
                // A name may narrow a shape two kinds share (orphaned backups).
                Some(other) => other,
                None => kind,
            },
            Sniff::Listing => claimed.ok_or_else(|| {
                ImportError::new(
                    &shown,
                    format!(
                        "ambiguous: the content (an empty or null listing) does not say what it lists; name the file KIND.json or map it in the manifest's [files], KIND one of {}",
                        kind_list(kinds)
                    ),
                )
            })?,
            Sniff::Unrecognised if skip_unrecognised => {
                notes.push(format!("skipped {shown}: not a response the {} import reads", provider.name()));
                continue;
            }
            Sniff::Unrecognised => {
                return Err(ImportError::new(
                    &shown,
                    format!(
                        "not a response the {} import reads (kinds: {}); remove it or pass --skip-unrecognised",
                        provider.name(),
                        kind_list(kinds)
                    ),
                ))
            }
        };
        let qualifier = stated.and_then(|(_, q)| q).or(named_qualifier);
        let spec = kinds.iter().find(|k| k.name == kind);
        if let Some(what) = spec.and_then(|s| s.qualifier) {
            if qualifier.is_none() {
                return Err(ImportError::new(
                    &shown,
                    format!(
                        "ambiguous: a {kind} response does not name its {what}; name the file {kind}.{}.json or map it in the manifest's [files] as \"{name}\" = \"{kind}:...\"",
                        what.replace(' ', "_").to_ascii_uppercase()
                    ),
                ));
            }
        }
        saved.push(SavedFile {
            path: shown,
            kind,
            qualifier,
            page,
            json,
        });
    }
    Ok(saved)
}

/// Kinds one content shape serves (a backup listing with its database is
/// also what `backup:orphaned` prints).
fn compatible(sniffed: &str, claimed: &str) -> bool {
    matches!(
        (sniffed, claimed),
        ("orphaned_backups", "backups") | ("backups", "orphaned_backups")
    )
}

fn read_json(path: &Path, shown: &str) -> Result<Json, ImportError> {
    let text = read_text(path, shown)?;
    parse_json(&text, shown)
}

/// Reads a saved file as UTF-8 text (a leading byte-order mark dropped); an
/// empty file is an error: the command that saved it failed.
pub(crate) fn read_text(path: &Path, shown: &str) -> Result<String, ImportError> {
    let (file, size) = open_regular(path).map_err(|e| ImportError::new(shown, e))?;
    if size > MAX_FILE_BYTES {
        return Err(ImportError::new(
            shown,
            format!("the file has {size} bytes, more than the {MAX_FILE_BYTES} a saved response may have"),
        ));
    }
    let mut bytes = Vec::new();
    use std::io::Read;
    file.take(MAX_FILE_BYTES + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| ImportError::new(shown, format!("cannot read the file: {e}")))?;
    let text = String::from_utf8(bytes).map_err(|e| {
        let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
        let (line, column) =
            crate::input::locate::line_column(&String::from_utf8_lossy(valid), valid.len());
        ImportError::new(shown, "the file is not UTF-8 text").at(line, column)
    })?;
    let text = match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.to_owned(),
        None => text,
    };
    if text.trim().is_empty() {
        return Err(ImportError::new(
            shown,
            "the file is empty: the command that saved it failed (tccli and aptible write their errors to standard error); save it again",
        ));
    }
    Ok(text)
}

/// Parses a saved file's text as JSON; a syntax error names its line and column.
pub(crate) fn parse_json(text: &str, shown: &str) -> Result<Json, ImportError> {
    serde_json::from_str(text).map_err(|e| {
        let offset = crate::input::locate::offset_of_byte_column(text, e.line(), e.column().max(1));
        let (line, column) = crate::input::locate::line_column(text, offset);
        let message = e.to_string();
        let message = message.split(" at line ").next().unwrap_or(&message);
        ImportError::new(shown, format!("invalid JSON: {message}")).at(line, column)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    static KINDS: &[KindSpec] = &[
        KindSpec {
            name: "backups",
            source: "",
            qualifier: Some("database"),
        },
        KindSpec {
            name: "access_keys",
            source: "",
            qualifier: Some("user"),
        },
    ];

    #[test]
    fn names_give_kind_qualifier_and_page() {
        assert_eq!(
            parse_name(KINDS, "backups.db-7.json"),
            (Some("backups"), Some("db-7".into()), None)
        );
        assert_eq!(
            parse_name(KINDS, "access-keys.u-5.p2.json"),
            (Some("access_keys"), Some("u-5".into()), Some(2))
        );
        assert_eq!(
            parse_name(KINDS, "Backups.page3.json"),
            (Some("backups"), None, Some(3))
        );
        assert_eq!(
            parse_name(KINDS, "cvm-ap-guangzhou.json"),
            (None, None, None)
        );
        assert_eq!(
            parse_name(KINDS, "backups-db-7.json"),
            (Some("backups"), Some("db-7".into()), None)
        );
        assert_eq!(
            parse_name(KINDS, "access-keys-u-5.json"),
            (Some("access_keys"), Some("u-5".into()), None)
        );
        // `p` followed by no digit is a qualifier, not a page.
        assert_eq!(
            parse_name(KINDS, "backups.pg.json"),
            (Some("backups"), Some("pg".into()), None)
        );
    }
}

//! SIPStation: no public API exposes DIDs' dispositions, port-outs or FOC
//! dates, so there are no responses to save. The account's telephony is
//! written by hand into a documented template beside the manifest, one file
//! per list, as CSV (`dids.csv`, `port_outs.csv`, `services.csv`) or as JSON
//! (`dids.json`...: a list of objects with the same keys), or stated in the
//! manifest's `[telephony]`. Every cell is checked against the v1 contract
//! here, so an error names its file, line and column. A list no file or
//! manifest entry states is `unknown`, never empty: `none = ["port_outs"]`
//! (or a CSV with only its header row) is how to say there are none.

use std::collections::BTreeMap;
use std::path::Path;

use serde_json::{Map, Value as Json};

use crate::import::files::{self, KindSpec};
use crate::import::{Draft, ImportError, Manifest, Provider};
use crate::input::locate::{line_column, Locator};

pub static KINDS: &[KindSpec] = &[
    KindSpec {
        name: "dids",
        source: "dids.csv: number, location_id, disposition",
        qualifier: None,
    },
    KindSpec {
        name: "port_outs",
        source: "port_outs.csv: id, numbers, status, foc_date, location_id",
        qualifier: None,
    },
    KindSpec {
        name: "services",
        source: "services.csv: id, kind, location_id, status",
        qualifier: None,
    },
];

/// What a cell may hold.
#[derive(Debug, Clone, Copy)]
enum Value {
    Text,
    /// One of these words (any case; spaces and dashes read as `_`).
    OneOf(&'static [&'static str]),
    /// A `YYYY-MM-DD` date.
    Date,
    /// Phone numbers, separated by `;` or spaces in CSV; a list in JSON.
    Numbers,
}

#[derive(Debug)]
struct Column {
    name: &'static str,
    required: bool,
    value: Value,
}

const fn column(name: &'static str, required: bool, value: Value) -> Column {
    Column {
        name,
        required,
        value,
    }
}

/// One list of the template.
#[derive(Debug)]
struct Template {
    kind: &'static str,
    /// The column that names a row (unique in the list).
    key: &'static str,
    columns: &'static [Column],
}

const DISPOSITIONS: &[&str] = &["undecided", "porting", "ported", "moved", "not_needed"];
const PORT_STATUSES: &[&str] = &[
    "pending",
    "authorized",
    "foc_received",
    "rejected",
    "completed",
    "cancelled",
];
const SERVICE_STATUSES: &[&str] = &["active", "cancelled"];

static TEMPLATES: [Template; 3] = [
    Template {
        kind: "dids",
        key: "number",
        columns: &[
            column("number", true, Value::Text),
            column("location_id", false, Value::Text),
            column("disposition", true, Value::OneOf(DISPOSITIONS)),
        ],
    },
    Template {
        kind: "port_outs",
        key: "id",
        columns: &[
            column("id", true, Value::Text),
            column("numbers", false, Value::Numbers),
            column("status", true, Value::OneOf(PORT_STATUSES)),
            column("foc_date", false, Value::Date),
            column("location_id", false, Value::Text),
        ],
    },
    Template {
        kind: "services",
        key: "id",
        columns: &[
            column("id", true, Value::Text),
            column("kind", true, Value::Text),
            column("location_id", false, Value::Text),
            column("status", true, Value::OneOf(SERVICE_STATUSES)),
        ],
    },
];

fn template(kind: &str) -> &'static Template {
    TEMPLATES
        .iter()
        .find(|t| t.kind == kind)
        .unwrap_or(&TEMPLATES[0])
}

fn column_names(template: &Template) -> String {
    template
        .columns
        .iter()
        .map(|c| c.name)
        .collect::<Vec<_>>()
        .join(", ")
}

/// A header or key as the template names it: `Location ID` is `location_id`.
fn normal(name: &str) -> String {
    name.trim().to_ascii_lowercase().replace([' ', '-'], "_")
}

/// The template file's format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Format {
    Csv,
    Json,
}

/// One template file, read.
struct TemplateFile {
    shown: String,
    name: String,
    format: Format,
    text: String,
}

/// Reads the template in `dir` and builds the draft.
pub fn build(
    dir: &Path,
    manifest: &Manifest,
    skip_unrecognised: bool,
    notes: &mut Vec<String>,
) -> Result<Draft, ImportError> {
    let shown_dir = dir.display().to_string();
    let cannot =
        |e: std::io::Error| ImportError::new(&shown_dir, format!("cannot read the directory: {e}"));
    let mut found: Vec<(String, Format)> = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(cannot)? {
        let name = entry
            .map_err(cannot)?
            .file_name()
            .to_string_lossy()
            .into_owned();
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".csv") {
            found.push((name, Format::Csv));
        } else if lower.ends_with(".json") {
            found.push((name, Format::Json));
        }
    }
    found.sort();
    let names: Vec<String> = found.iter().map(|(n, _)| n.clone()).collect();
    manifest.check_files(Provider::Sipstation, &names)?;

    let mut draft = Draft::default();
    let mut given: BTreeMap<&'static str, String> = BTreeMap::new();
    for (name, format) in found {
        let path = dir.join(&name);
        let shown = path.display().to_string();
        let text = files::read_text(&path, &shown)?;
        let file = TemplateFile {
            shown,
            name,
            format,
            text,
        };
        let Some(kind) = kind_of(&file, manifest)? else {
            if skip_unrecognised {
                notes.push(format!(
                    "skipped {}: not a SIPStation template file",
                    file.shown
                ));
                continue;
            }
            return Err(ImportError::new(
                &file.shown,
                "not a SIPStation template file: name it dids, port_outs or services (.csv or .json), or map it in the manifest's [files]; or remove it, or pass --skip-unrecognised",
            ));
        };
        if let Some(other) = given.get(kind) {
            return Err(ImportError::new(
                &file.shown,
                format!("{other} already gives the {kind}: one file per list"),
            ));
        }
        let rows = match file.format {
            Format::Csv => read_csv(&file, template(kind))?,
            Format::Json => read_json(&file, template(kind))?,
        };
        given.insert(kind, file.shown.clone());
        draft.set(&format!("telephony.{kind}"), Json::Array(rows));
    }
    for template in &TEMPLATES {
        let path = format!("telephony.{}", template.kind);
        if draft.get(&path).is_none() && !manifest.states_none(template.kind) {
            draft.gap(
                &path,
                format!(
                    "no {}.csv or {}.json beside the manifest, no [telephony] {} in it, and no none = [\"{}\"]: SIPStation has no API to read them from",
                    template.kind, template.kind, template.kind, template.kind
                ),
            );
            // No API lists them: a list stated in the manifest is the whole.
            draft.by_hand.push(path);
        }
    }
    if draft.get("billing.cycle_end").is_none() {
        draft.gap(
            "billing.cycle_end",
            "no API gives the billing cycle; state [billing] cycle_end = 2026-12-14 in the manifest",
        );
        draft.by_hand.push("billing.cycle_end".to_owned());
    }
    Ok(draft)
}

/// Which list a file is: by the manifest's `[files]`, else its name, else
/// its header row (CSV) or its objects' keys (JSON). A name and a content
/// that disagree are an error.
fn kind_of(file: &TemplateFile, manifest: &Manifest) -> Result<Option<&'static str>, ImportError> {
    let stem = match file.name.rfind('.') {
        Some(dot) => &file.name[..dot],
        None => file.name.as_str(),
    };
    let named = manifest
        .file_kind(&file.name)
        .map(|(kind, _)| kind)
        .or_else(|| files::lookup(KINDS, stem));
    let by_content = content_kind(file);
    match (named, by_content) {
        (Some(named), Some(content)) if named != content => Err(ImportError::new(
            &file.shown,
            format!("the file is named as {named} but its columns are those of {content}"),
        )),
        (Some(kind), _) | (None, Some(kind)) => Ok(Some(kind)),
        (None, None) => Ok(None),
    }
}

/// The list whose key column the content names (`number` for DIDs, `foc_date`
/// or `numbers` for port-outs, `kind` for services).
fn content_kind(file: &TemplateFile) -> Option<&'static str> {
    let keys: Vec<String> = match file.format {
        Format::Csv => {
            let first = file.text.lines().next()?;
            let mut reader = csv::ReaderBuilder::new()
                .has_headers(false)
                .from_reader(first.as_bytes());
            let record = reader.records().next()?.ok()?;
            record.iter().map(normal).collect()
        }
        Format::Json => {
            let json: Json = serde_json::from_str(&file.text).ok()?;
            json.as_array()?
                .first()?
                .as_object()?
                .keys()
                .map(|k| normal(k))
                .collect()
        }
    };
    let has = |name: &str| keys.iter().any(|k| k == name);
    if has("disposition") || (has("number") && !has("numbers")) {
        Some("dids")
    } else if has("foc_date") || has("numbers") {
        Some("port_outs")
    } else if has("kind") {
        Some("services")
    } else {
        None
    }
}

/// The error at a byte offset of a template file.
fn error_at(file: &TemplateFile, offset: usize, message: String) -> ImportError {
    let (line, column) = line_column(&file.text, offset.min(file.text.len()));
    ImportError::new(&file.shown, message).at(line, column)
}

/// The byte offset where field `index` of the CSV record starting at `start`
/// begins (separators inside quotes do not count).
fn field_offset(text: &str, start: usize, index: usize) -> usize {
    let mut quoted = false;
    let mut field = 0;
    for (at, byte) in text.as_bytes().iter().enumerate().skip(start) {
        if field == index {
            return at;
        }
        match byte {
            b'"' => quoted = !quoted,
            b',' if !quoted => field += 1,
            b'\n' if !quoted => break,
            _ => {}
        }
    }
    start
}

fn read_csv(file: &TemplateFile, template: &Template) -> Result<Vec<Json>, ImportError> {
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(false)
        .from_reader(file.text.as_bytes());
    let csv_error = |e: csv::Error| {
        let offset = e.position().map(|p| p.byte() as usize).unwrap_or(0);
        let message = match e.kind() {
            csv::ErrorKind::UnequalLengths {
                expected_len, len, ..
            } => format!("this row has {len} cells, the header row {expected_len}"),
            _ => format!("not CSV: {e}"),
        };
        error_at(file, offset, message)
    };
    let mut records = reader.records();
    let header = match records.next() {
        Some(record) => record.map_err(csv_error)?,
        None => return Err(error_at(file, 0, "no header row".into())),
    };
    let mut columns: Vec<&Column> = Vec::new();
    for (index, name) in header.iter().enumerate() {
        let offset = field_offset(&file.text, 0, index);
        let wanted = normal(name);
        let Some(column) = template.columns.iter().find(|c| c.name == wanted) else {
            return Err(error_at(
                file,
                offset,
                format!(
                    "unknown column {name:?}: the {} template's columns are {}",
                    template.kind,
                    column_names(template)
                ),
            ));
        };
        if columns.iter().any(|c| c.name == column.name) {
            return Err(error_at(
                file,
                offset,
                format!("the column {} is named twice", column.name),
            ));
        }
        columns.push(column);
    }
    if let Some(missing) = template
        .columns
        .iter()
        .find(|c| c.required && !columns.iter().any(|have| have.name == c.name))
    {
        return Err(error_at(
            file,
            0,
            format!(
                "no {} column: the {} template's columns are {} ({} required)",
                missing.name,
                template.kind,
                column_names(template),
                required_names(template)
            ),
        ));
    }
    let mut rows = Vec::new();
    let mut keys: BTreeMap<String, usize> = BTreeMap::new();
    for record in records {
        let record = record.map_err(csv_error)?;
        let start = record.position().map(|p| p.byte() as usize).unwrap_or(0);
        let line = record.position().map(|p| p.line() as usize).unwrap_or(0);
        if record.iter().all(|cell| cell.trim().is_empty()) {
            continue;
        }
        let mut row = Map::new();
        for (index, (column, cell)) in columns.iter().zip(record.iter()).enumerate() {
            let at =
                |message: String| error_at(file, field_offset(&file.text, start, index), message);
            let cell = cell.trim();
            if cell.is_empty() {
                if column.required {
                    return Err(at(format!(
                        "{} is empty: every {} row needs it",
                        column.name,
                        singular(template)
                    )));
                }
                continue;
            }
            let value = match column.value {
                Value::Numbers => {
                    let numbers: Vec<Json> = cell
                        .split(|c: char| c == ';' || c == ',' || c.is_whitespace())
                        .filter(|n| !n.is_empty())
                        .map(|n| Json::String(n.to_owned()))
                        .collect();
                    Json::Array(numbers)
                }
                other => checked(other, column.name, cell).map_err(at)?,
            };
            row.insert(column.name.to_owned(), value);
        }
        unique(&mut keys, template, &row, line).map_err(|m| error_at(file, start, m))?;
        rows.push(Json::Object(row));
    }
    Ok(rows)
}

fn read_json(file: &TemplateFile, template: &Template) -> Result<Vec<Json>, ImportError> {
    let json = files::parse_json(&file.text, &file.shown)?;
    let locator = Locator::new(&file.text);
    let at = |pointer: &str, message: String| {
        let mut error = ImportError::new(&file.shown, message);
        if let Some(place) = locator.locate(pointer) {
            error = error.at(place.line, place.column);
        }
        error
    };
    let Json::Array(items) = json else {
        return Err(at(
            "",
            format!(
                "a {} template in JSON is a list of objects with the keys {}",
                template.kind,
                column_names(template)
            ),
        ));
    };
    let mut rows = Vec::new();
    let mut keys: BTreeMap<String, usize> = BTreeMap::new();
    for (index, item) in items.iter().enumerate() {
        let pointer = format!("/{index}");
        let Json::Object(object) = item else {
            return Err(at(
                &pointer,
                format!("each {} is an object", singular(template)),
            ));
        };
        let mut row = Map::new();
        for (key, value) in object {
            let member = format!("{pointer}/{}", key.replace('~', "~0").replace('/', "~1"));
            let Some(column) = template.columns.iter().find(|c| c.name == key) else {
                return Err(at(
                    &member,
                    format!(
                        "unknown key {key:?}: the {} template's keys are {}",
                        template.kind,
                        column_names(template)
                    ),
                ));
            };
            let value = match (column.value, value) {
                (_, Json::Null) => continue,
                (Value::Numbers, Json::Array(numbers)) => {
                    for (n, number) in numbers.iter().enumerate() {
                        if !matches!(number, Json::String(s) if !s.trim().is_empty()) {
                            return Err(at(
                                &format!("{member}/{n}"),
                                "each of numbers is a phone number in a string".into(),
                            ));
                        }
                    }
                    Json::Array(numbers.clone())
                }
                (Value::Numbers, _) => {
                    return Err(at(&member, "numbers is a list of phone numbers".into()))
                }
                (other, Json::String(text)) if !text.trim().is_empty() => {
                    checked(other, key, text.trim()).map_err(|m| at(&member, m))?
                }
                (_, Json::String(_)) if !column.required => continue,
                (_, _) => return Err(at(&member, format!("{key} is a non-empty string"))),
            };
            row.insert(key.clone(), value);
        }
        if let Some(missing) = template
            .columns
            .iter()
            .find(|c| c.required && !row.contains_key(c.name))
        {
            return Err(at(
                &pointer,
                format!(
                    "no {}: every {} needs {}",
                    missing.name,
                    singular(template),
                    required_names(template)
                ),
            ));
        }
        let line = locator.locate(&pointer).map(|p| p.line).unwrap_or(0);
        unique(&mut keys, template, &row, line).map_err(|m| at(&pointer, m))?;
        rows.push(Json::Object(row));
    }
    Ok(rows)
}

fn singular(template: &Template) -> &'static str {
    match template.kind {
        "dids" => "DID",
        "port_outs" => "port-out",
        _ => "service",
    }
}

fn required_names(template: &Template) -> String {
    template
        .columns
        .iter()
        .filter(|c| c.required)
        .map(|c| c.name)
        .collect::<Vec<_>>()
        .join(" and ")
}

/// A cell's value as the contract holds it.
fn checked(value: Value, name: &str, cell: &str) -> Result<Json, String> {
    match value {
        Value::Text | Value::Numbers => Ok(Json::String(cell.to_owned())),
        Value::OneOf(words) => {
            let word = normal(cell);
            if words.contains(&word.as_str()) {
                Ok(Json::String(word))
            } else {
                Err(format!(
                    "{name} {cell:?} is not one of {}",
                    words.join(", ")
                ))
            }
        }
        Value::Date => {
            let valid =
                cell.len() == 10 && chrono::NaiveDate::parse_from_str(cell, "%Y-%m-%d").is_ok();
            if valid {
                Ok(Json::String(cell.to_owned()))
            } else {
                Err(format!("{name} {cell:?} is not a date such as 2026-12-01"))
            }
        }
    }
}

/// Records a row's key; the same DID or id twice is an error (which of the
/// two rows would be true cannot be told).
fn unique(
    keys: &mut BTreeMap<String, usize>,
    template: &Template,
    row: &Map<String, Json>,
    line: usize,
) -> Result<(), String> {
    let Some(key) = row.get(template.key).and_then(Json::as_str) else {
        return Ok(());
    };
    if let Some(first) = keys.get(key) {
        return Err(format!(
            "{} {key:?} is listed twice (first on line {first})",
            singular(template)
        ));
    }
    keys.insert(key.to_owned(), line);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn csv_file(text: &str) -> TemplateFile {
        TemplateFile {
            shown: "port_outs.csv".into(),
            name: "port_outs.csv".into(),
            format: Format::Csv,
            text: text.into(),
        }
    }

    #[test]
    fn csv_rows_become_contract_values() {
        let file = csv_file(
            "ID, Numbers ,Status,FOC Date,location_id\nPO-3,\"+12565550100; +12565550101\",FOC received,2026-12-01,loc-1\nPO-4,,completed,,\n",
        );
        let rows = read_csv(&file, template("port_outs")).unwrap();
        assert_eq!(
            rows,
            vec![
                serde_json::json!({"id": "PO-3", "numbers": ["+12565550100", "+12565550101"], "status": "foc_received", "foc_date": "2026-12-01", "location_id": "loc-1"}),
                serde_json::json!({"id": "PO-4", "status": "completed"}),
            ]
        );
    }

    #[test]
    fn csv_errors_name_line_and_column() {
        let bad = |text: &str| read_csv(&csv_file(text), template("port_outs")).unwrap_err();
        let error = bad("id,status,foc_date\nPO-3,pending,2026-13-01\n");
        assert_eq!(error.position, Some((2, 14)), "{error}");
        assert!(error.message.contains("foc_date \"2026-13-01\""), "{error}");
        let error = bad("id,status\nPO-3,\"porting, soon\"\n");
        assert_eq!(error.position, Some((2, 6)), "{error}");
        let error = bad("id,state\n");
        assert_eq!(error.position, Some((1, 4)), "{error}");
        let error = bad("id,numbers\nPO-3,+1\n");
        assert!(error.message.contains("no status column"), "{error}");
        let error = bad("id,status\nPO-3,pending\nPO-3,completed\n");
        assert_eq!(error.position, Some((3, 1)), "{error}");
        assert!(
            error.message.contains("listed twice (first on line 2)"),
            "{error}"
        );
        let error = bad("id,status\nPO-3,pending,extra\n");
        assert_eq!(error.position.map(|p| p.0), Some(2), "{error}");
        let error = bad("id,status\n,pending\n");
        assert_eq!(error.position, Some((2, 1)), "{error}");
    }

    #[test]
    fn json_errors_name_line_and_column() {
        let file = TemplateFile {
            shown: "dids.json".into(),
            name: "dids.json".into(),
            format: Format::Json,
            text: "[\n  {\"number\": \"+1\", \"disposition\": \"ported\"},\n  {\"number\": \"+2\", \"dispositon\": \"ported\"}\n]".into(),
        };
        let error = read_json(&file, template("dids")).unwrap_err();
        assert_eq!(error.position.map(|p| p.0), Some(3), "{error}");
        assert!(
            error.message.contains("unknown key \"dispositon\""),
            "{error}"
        );
    }

    #[test]
    fn content_names_the_list() {
        let kind = |text: &str, format| {
            content_kind(&TemplateFile {
                shown: String::new(),
                name: String::new(),
                format,
                text: text.into(),
            })
        };
        assert_eq!(kind("number,disposition\n", Format::Csv), Some("dids"));
        assert_eq!(kind("id,numbers,status\n", Format::Csv), Some("port_outs"));
        assert_eq!(kind("id,kind,status\n", Format::Csv), Some("services"));
        assert_eq!(kind("[]", Format::Json), None);
        assert_eq!(kind("a,b\n", Format::Csv), None);
    }
}

//! Snapshots: finding them on disk, reading, parsing and validating them against
//! the snapshot contract (`schema/snapshot-v1.json`) before any policy sees them.

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use serde::Serialize;
use serde_json::Value as Json;

use crate::locate::{line_column, Locator, Span};

/// The snapshot contract, version 1, as shipped in `schema/`.
pub const SCHEMA_V1: &str = include_str!("../schema/snapshot-v1.json");

/// One account snapshot that passed the contract.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// Where it came from, as given by the user (a path).
    pub source: String,
    /// The line of its file the text starts on: 1, or N for line N of JSON Lines.
    pub first_line: usize,
    pub text: Arc<str>,
    pub document: Json,
    pub provider: String,
    pub snapshot_id: String,
    /// `account.id`, for reports that list accounts.
    pub account_id: Option<String>,
}

/// What went wrong with one input. A batch reports it and goes on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    /// The path could not be read, or held no snapshots.
    Unreadable,
    /// The bytes are not UTF-8.
    Encoding,
    /// The text is not JSON.
    Syntax,
    /// The JSON breaks the snapshot contract.
    Schema,
    /// No loaded policy pack serves the snapshot's provider.
    UnknownProvider,
    /// A policy failed while evaluating this snapshot.
    Policy,
}

/// An input that could not be checked, with where in the file the trouble is.
#[derive(Debug, Clone)]
pub struct InputError {
    pub source: String,
    pub kind: ErrorKind,
    pub message: String,
    /// 1-based line and column, when the trouble has a position.
    pub position: Option<(usize, usize)>,
    /// The text and the span to show, when there is a snippet to show.
    pub text: Option<Arc<str>>,
    pub span: Option<Span>,
    /// The snapshot's identity, when it got far enough to have one.
    pub snapshot_id: Option<String>,
    pub provider: Option<String>,
}

impl InputError {
    pub fn new(source: impl Into<String>, kind: ErrorKind, message: impl Into<String>) -> Self {
        Self {
            source: source.into(),
            kind,
            message: message.into(),
            position: None,
            text: None,
            span: None,
            snapshot_id: None,
            provider: None,
        }
    }

    fn at(mut self, text: &Arc<str>, offset: usize, len: usize) -> Self {
        self.position = Some(line_column(text, offset));
        self.span = Some(Span { offset, len });
        self.text = Some(Arc::clone(text));
        self
    }

    /// Points the error at the value a JSON pointer names in the snapshot.
    pub fn at_pointer(self, text: &Arc<str>, pointer: &str) -> Self {
        match Locator::new(text).locate(pointer) {
            Some(found) => self.at(text, found.label.offset, found.label.len),
            None => self,
        }
    }
}

/// One thing to check, as found from the paths the user gave.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A file holding one snapshot.
    File(PathBuf),
    /// A JSON Lines file (`.jsonl`, `.ndjson`): one snapshot per line.
    Lines(PathBuf),
    /// Standard input (`-`), read as JSON Lines.
    Stdin,
    /// A path that could not be walked, or a directory with no snapshot in it.
    Broken { path: PathBuf, reason: String },
}

impl Input {
    fn for_file(path: PathBuf) -> Input {
        let lines = path
            .extension()
            .is_some_and(|ext| ext == "jsonl" || ext == "ndjson");
        if lines {
            Input::Lines(path)
        } else {
            Input::File(path)
        }
    }
}

/// Expands the user's paths: `-` is standard input (JSON Lines); files are taken
/// as given (`.jsonl`/`.ndjson` as JSON Lines); directories are walked in sorted
/// order for `*.json`, `*.jsonl` and `*.ndjson` files (symbolic links followed,
/// loops reported).
pub fn collect_inputs(paths: &[PathBuf]) -> Vec<Input> {
    let mut inputs = Vec::new();
    for path in paths {
        if path.as_os_str() == "-" {
            inputs.push(Input::Stdin);
            continue;
        }
        if !path.is_dir() {
            inputs.push(Input::for_file(path.clone()));
            continue;
        }
        let before = inputs.len();
        let walker = walkdir::WalkDir::new(path)
            .follow_links(true)
            .sort_by_file_name();
        for entry in walker {
            match entry {
                Ok(entry) if entry.file_type().is_file() && is_snapshot_file(entry.path()) => {
                    inputs.push(Input::for_file(entry.into_path()));
                }
                Ok(_) => {}
                Err(err) => inputs.push(Input::Broken {
                    path: err.path().unwrap_or(path).to_path_buf(),
                    reason: err.to_string(),
                }),
            }
        }
        if inputs.len() == before {
            inputs.push(Input::Broken {
                path: path.clone(),
                reason: "the directory holds no *.json, *.jsonl or *.ndjson snapshot".to_string(),
            });
        }
    }
    inputs
}

fn is_snapshot_file(path: &Path) -> bool {
    path.extension()
        .is_some_and(|ext| ext == "json" || ext == "jsonl" || ext == "ndjson")
}

/// Validates snapshots against the contract. Build it once, use it for every snapshot.
pub struct SnapshotSchema {
    validator: jsonschema::Validator,
}

impl SnapshotSchema {
    /// The bundled v1 contract.
    pub fn v1() -> &'static SnapshotSchema {
        static SCHEMA: OnceLock<SnapshotSchema> = OnceLock::new();
        SCHEMA.get_or_init(|| {
            let schema: Json = serde_json::from_str(SCHEMA_V1).expect("bundled schema is JSON");
            let validator = jsonschema::options()
                .with_draft(jsonschema::Draft::Draft202012)
                .should_validate_formats(true)
                .build(&schema)
                .expect("bundled schema compiles");
            SnapshotSchema { validator }
        })
    }

    /// Reads, parses and validates one snapshot file.
    pub fn load_file(&self, path: &Path) -> Result<Snapshot, Box<InputError>> {
        let source = path.display().to_string();
        let bytes = std::fs::read(path).map_err(|err| {
            Box::new(InputError::new(
                &source,
                ErrorKind::Unreadable,
                format!("cannot read the file: {err}"),
            ))
        })?;
        let text = match String::from_utf8(bytes) {
            Ok(text) => text,
            Err(err) => {
                let valid = err.utf8_error().valid_up_to();
                let prefix = String::from_utf8_lossy(&err.as_bytes()[..valid]).into_owned();
                let (line, column) = line_column(&prefix, valid);
                let mut error = InputError::new(
                    &source,
                    ErrorKind::Encoding,
                    format!(
                        "the file is not UTF-8 text (invalid byte at line {line}, column {column})"
                    ),
                );
                error.position = Some((line, column));
                return Err(Box::new(error));
            }
        };
        self.load_text(source, 1, Arc::from(text))
    }

    /// Parses and validates one snapshot's text, which starts on `first_line` of
    /// its file (positions in errors are file positions).
    pub fn load_text(
        &self,
        source: String,
        first_line: usize,
        text: Arc<str>,
    ) -> Result<Snapshot, Box<InputError>> {
        self.parse(source, first_line, text).map_err(|mut error| {
            if let Some((line, _)) = error.position.as_mut() {
                *line += first_line - 1;
            }
            error
        })
    }

    fn parse(
        &self,
        source: String,
        first_line: usize,
        text: Arc<str>,
    ) -> Result<Snapshot, Box<InputError>> {
        if text.trim().is_empty() {
            return Err(Box::new(InputError::new(
                source,
                ErrorKind::Syntax,
                "the file is empty: a snapshot is one JSON object",
            )));
        }
        let document: Json = serde_json::from_str(&text).map_err(|err| {
            let offset = crate::locate::offset_of(&text, err.line(), err.column().max(1));
            let message = format!("invalid JSON: {}", strip_position(&err.to_string()));
            let len = usize::from(offset < text.len());
            Box::new(InputError::new(&source, ErrorKind::Syntax, message).at(&text, offset, len))
        })?;
        self.validate(&source, &text, &document)?;
        let field = |name: &str| document.get(name).and_then(Json::as_str).map(str::to_owned);
        Ok(Snapshot {
            provider: field("provider").unwrap_or_default(),
            snapshot_id: field("snapshot_id").unwrap_or_default(),
            account_id: document
                .get("account")
                .and_then(|a| a.get("id"))
                .and_then(Json::as_str)
                .map(str::to_owned),
            source,
            first_line,
            text,
            document,
        })
    }

    fn validate(
        &self,
        source: &str,
        text: &Arc<str>,
        document: &Json,
    ) -> Result<(), Box<InputError>> {
        if self.validator.is_valid(document) {
            return Ok(());
        }
        let mut errors = self.validator.iter_errors(document);
        let Some(first) = errors.next() else {
            return Ok(());
        };
        let pointer = first.instance_path().to_string();
        let more = errors.count();
        // jsonschema quotes the whole offending value; a large one is named instead.
        let mut violation = first.to_string();
        let quoted = first.instance().to_string();
        if quoted.len() > 40 {
            violation = violation.replacen(&quoted, describe(first.instance()), 1);
        }
        let mut message = format!(
            "the snapshot breaks the v1 contract at {}: {violation}",
            if pointer.is_empty() {
                "the top level"
            } else {
                &pointer
            }
        );
        if more > 0 {
            message.push_str(&format!(" (and {more} more violation{})", plural(more)));
        }
        let mut error =
            InputError::new(source, ErrorKind::Schema, message).at_pointer(text, &pointer);
        error.snapshot_id = document
            .get("snapshot_id")
            .and_then(Json::as_str)
            .map(str::to_owned);
        error.provider = document
            .get("provider")
            .and_then(Json::as_str)
            .map(str::to_owned);
        Err(Box::new(error))
    }
}

impl std::fmt::Debug for SnapshotSchema {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SnapshotSchema").finish_non_exhaustive()
    }
}

fn describe(value: &Json) -> &'static str {
    match value {
        Json::Null => "null",
        Json::Bool(_) => "a boolean",
        Json::Number(_) => "a number",
        Json::String(_) => "a string",
        Json::Array(_) => "an array",
        Json::Object(_) => "an object",
    }
}

/// serde_json appends " at line L column C"; we report the position separately.
fn strip_position(message: &str) -> &str {
    message
        .rsplit_once(" at line ")
        .map_or(message, |(head, _)| head)
}

pub(crate) fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> Result<Snapshot, Box<InputError>> {
        SnapshotSchema::v1().load_text("t.json".into(), 1, Arc::from(text))
    }

    const MINIMAL: &str = r#"{"schema_version": 1, "snapshot_id": "s", "exported_at": "2026-11-20T10:00:00Z",
 "provider": "ukfast", "account": {"id": "1"}, "request": {}}"#;

    #[test]
    fn a_minimal_snapshot_passes_the_contract() {
        let snapshot = load(MINIMAL).unwrap();
        assert_eq!(snapshot.provider, "ukfast");
        assert_eq!(snapshot.snapshot_id, "s");
    }

    #[test]
    fn syntax_errors_carry_line_and_column() {
        let err = load("{\n  \"a\": 1,\n}").unwrap_err();
        assert_eq!(err.kind, ErrorKind::Syntax);
        assert_eq!(err.position, Some((3, 1)));
        assert!(!err.message.contains(" at line "), "{}", err.message);
    }

    #[test]
    fn schema_errors_point_at_the_offending_value() {
        let text = MINIMAL.replace("\"request\": {}", "\"request\": {},\n \"resources\": {}");
        let err = load(&text).unwrap_err();
        assert_eq!(err.kind, ErrorKind::Schema);
        assert!(err.message.contains("/resources"), "{}", err.message);
        assert_eq!(err.position, Some((3, 15)));
    }

    #[test]
    fn an_empty_file_is_an_error() {
        assert_eq!(load("  \n").unwrap_err().kind, ErrorKind::Syntax);
    }
}

//! Parsing a snapshot's text (a repeated member name is an error) and
//! validating it against the snapshot contract.

use std::cell::Cell;
use std::collections::HashMap;
use std::fmt;
use std::path::Path;
use std::sync::{Arc, OnceLock};

use serde::de::{DeserializeSeed, Deserializer, Error as _, MapAccess, SeqAccess, Visitor};
use serde_json::Value as Json;

use crate::model::{plural, ErrorKind, InputError, Source};

use super::decode::decode;
use super::find::read_bounded;
use super::locate::line_column;
use super::{SCHEMA_V1, UTF8_BOM};

/// One account snapshot that passed the contract.
#[derive(Debug, Clone)]
pub struct Snapshot {
    /// Where it came from, as given by the user (a path, and the line of a stream).
    pub source: Source,
    /// The line of its file the text starts on: 1, or N for line N of JSON Lines.
    pub first_line: usize,
    /// The text, without the UTF-8 byte order mark it may have had (positions
    /// count from the first character after it).
    pub text: Arc<str>,
    /// The bytes began with a UTF-8 byte order mark, which `text` leaves out.
    pub bom: bool,
    pub document: Json,
    pub provider: String,
    pub snapshot_id: String,
    /// `account.id`, for reports that list accounts.
    pub account_id: Option<String>,
}

impl Snapshot {
    /// The bytes the snapshot was read from: its text, after the byte order
    /// mark when it had one (what an audit digest covers).
    pub fn bytes(&self) -> std::borrow::Cow<'_, [u8]> {
        if self.bom {
            std::borrow::Cow::Owned([UTF8_BOM, self.text.as_bytes()].concat())
        } else {
            std::borrow::Cow::Borrowed(self.text.as_bytes())
        }
    }
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

    /// Reads, parses and validates one snapshot file of at most `max_bytes`.
    pub fn load_file(&self, path: &Path, max_bytes: u64) -> Result<Snapshot, Box<InputError>> {
        let source = Source::file(path.display().to_string());
        let bytes = read_bounded(path, max_bytes).map_err(|message| {
            Box::new(InputError::new(&source, ErrorKind::Unreadable, message))
        })?;
        let (text, bom) = decode(&source, bytes)?;
        self.load(source, 1, Arc::from(text), bom)
    }

    /// Parses and validates one snapshot's text, which starts on `first_line` of
    /// its file (positions in errors are file positions).
    pub fn load_text(
        &self,
        source: Source,
        first_line: usize,
        text: Arc<str>,
    ) -> Result<Snapshot, Box<InputError>> {
        self.load(source, first_line, text, false)
    }

    /// [`Self::load_text`] for text that followed a UTF-8 byte order mark.
    pub fn load(
        &self,
        source: Source,
        first_line: usize,
        text: Arc<str>,
        bom: bool,
    ) -> Result<Snapshot, Box<InputError>> {
        self.parse(source, first_line, text, bom)
            .map_err(|mut error| {
                if let Some((line, _)) = error.position.as_mut() {
                    *line += first_line - 1;
                }
                error
            })
    }

    fn parse(
        &self,
        source: Source,
        first_line: usize,
        text: Arc<str>,
        bom: bool,
    ) -> Result<Snapshot, Box<InputError>> {
        if text.trim().is_empty() {
            return Err(Box::new(InputError::new(
                source,
                ErrorKind::Syntax,
                "the file is empty: a snapshot is one JSON object",
            )));
        }
        let document = parse_json(&text).map_err(|failure| {
            Box::new(match failure {
                ParseFailure::Syntax(err) => {
                    // serde_json counts columns in bytes; the span covers the
                    // whole character the error is in.
                    let offset = crate::input::locate::offset_of_byte_column(
                        &text,
                        err.line(),
                        err.column().max(1),
                    );
                    let message = format!("invalid JSON: {}", strip_position(&err.to_string()));
                    let len = crate::input::locate::char_len_at(&text, offset);
                    InputError::new(&source, ErrorKind::Syntax, message).at(&text, offset, len)
                }
                ParseFailure::Duplicate(duplicate) => {
                    let shown = |offset: usize| {
                        let (line, column) = line_column(&text, offset);
                        format!("{}:{column}", line + first_line - 1)
                    };
                    let message = format!(
                        "duplicate member {} at {}; first at {}",
                        quote_name(&duplicate.name),
                        shown(duplicate.second),
                        shown(duplicate.first)
                    );
                    InputError::new(&source, ErrorKind::Syntax, message).at(
                        &text,
                        duplicate.second,
                        duplicate.len,
                    )
                }
            })
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
            bom,
            document,
        })
    }

    fn validate(
        &self,
        source: &Source,
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
        let violation = null_last(&violation);
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

impl fmt::Debug for SnapshotSchema {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SnapshotSchema").finish_non_exhaustive()
    }
}

/// Why a text did not parse.
enum ParseFailure {
    Syntax(serde_json::Error),
    Duplicate(Duplicate),
}

/// A member name an object repeats: byte offsets of both names' opening quotes.
#[derive(Debug, PartialEq, Eq)]
struct Duplicate {
    name: String,
    first: usize,
    second: usize,
    /// The length of the second name, quotes included.
    len: usize,
}

/// Parses JSON text into a value, refusing an object that repeats a member
/// name: serde_json would keep the last one silently, so `"state": "live",
/// "state": "gone"` would read as gone. Noticing costs one lookup per member,
/// the one building the map does anyway; only then is the text scanned again
/// for the positions of both names.
fn parse_json(text: &str) -> Result<Json, ParseFailure> {
    let repeated = Cell::new(false);
    let mut deserializer = serde_json::Deserializer::from_str(text);
    let parsed = StrictValue {
        repeated: &repeated,
    }
    .deserialize(&mut deserializer)
    .and_then(|value| deserializer.end().map(|()| value));
    match parsed {
        Ok(value) => Ok(value),
        Err(err) if repeated.get() => match find_duplicate(text) {
            Some(duplicate) => Err(ParseFailure::Duplicate(duplicate)),
            None => Err(ParseFailure::Syntax(err)),
        },
        Err(err) => Err(ParseFailure::Syntax(err)),
    }
}

/// Builds a `serde_json::Value` as serde_json does, but fails on a repeated
/// member name (and notes that this was why).
#[derive(Clone, Copy)]
struct StrictValue<'a> {
    repeated: &'a Cell<bool>,
}

impl<'de> DeserializeSeed<'de> for StrictValue<'_> {
    type Value = Json;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Json, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for StrictValue<'_> {
    type Value = Json;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, value: bool) -> Result<Json, E> {
        Ok(Json::Bool(value))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Json, E> {
        Ok(Json::Number(value.into()))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Json, E> {
        Ok(Json::Number(value.into()))
    }

    fn visit_f64<E>(self, value: f64) -> Result<Json, E> {
        Ok(serde_json::Number::from_f64(value).map_or(Json::Null, Json::Number))
    }

    fn visit_str<E>(self, value: &str) -> Result<Json, E> {
        Ok(Json::String(value.to_owned()))
    }

    fn visit_string<E>(self, value: String) -> Result<Json, E> {
        Ok(Json::String(value))
    }

    fn visit_unit<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }

    fn visit_none<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, deserializer: D) -> Result<Json, D::Error> {
        self.deserialize(deserializer)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut values = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(value) = seq.next_element_seed(self)? {
            values.push(value);
        }
        Ok(Json::Array(values))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut members = serde_json::Map::new();
        while let Some(name) = map.next_key::<String>()? {
            let value = map.next_value_seed(self)?;
            if members.insert(name, value).is_some() {
                self.repeated.set(true);
                return Err(A::Error::custom("duplicate member name"));
            }
        }
        Ok(Json::Object(members))
    }
}

/// The first member name, in text order, that repeats one of its object's
/// earlier names (compared decoded, so `"st\u0061te"` repeats `"state"`).
/// Scans JSON text that parsed up to the duplicate; no recursion, so nesting
/// depth costs heap, not stack.
fn find_duplicate(text: &str) -> Option<Duplicate> {
    /// An open object: its names so far, and whether a name comes next.
    struct Object {
        names: HashMap<String, usize>,
        expect_name: bool,
    }
    let bytes = text.as_bytes();
    // None for an open array.
    let mut open: Vec<Option<Object>> = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'"' => {
                let end = string_end(bytes, i)?;
                if let Some(Some(object)) = open.last_mut() {
                    if object.expect_name {
                        object.expect_name = false;
                        let raw = &text[i..end];
                        let name =
                            serde_json::from_str::<String>(raw).unwrap_or_else(|_| raw.to_owned());
                        if let Some(&first) = object.names.get(&name) {
                            return Some(Duplicate {
                                name,
                                first,
                                second: i,
                                len: end - i,
                            });
                        }
                        object.names.insert(name, i);
                    }
                }
                i = end;
                continue;
            }
            b'{' => open.push(Some(Object {
                names: HashMap::new(),
                expect_name: true,
            })),
            b'[' => open.push(None),
            b'}' | b']' => {
                open.pop();
            }
            b',' => {
                if let Some(Some(object)) = open.last_mut() {
                    object.expect_name = true;
                }
            }
            _ => {}
        }
        i += 1;
    }
    None
}

/// The offset just past the string token starting at `start` (a `"`).
fn string_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut i = start + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return Some(i + 1),
            _ => i += 1,
        }
    }
    None
}

/// A member name for a message: JSON-quoted (control characters escaped) and,
/// when long, shortened.
fn quote_name(name: &str) -> String {
    const MAX: usize = 60;
    match name.char_indices().nth(MAX) {
        Some((at, _)) => format!(
            "{}…",
            serde_json::to_string(&name[..at]).unwrap_or_default()
        ),
        None => serde_json::to_string(name).unwrap_or_default(),
    }
}

/// jsonschema lists an optional field's types as `is not of types "null",
/// "array"`; null is the field's "absent", so it goes last, as an aside.
fn null_last(violation: &str) -> String {
    const TYPES: &str = " is not of types ";
    let Some(at) = violation.find(TYPES) else {
        return violation.to_owned();
    };
    let (head, list) = violation.split_at(at + TYPES.len());
    let types: Vec<&str> = list.split(", ").collect();
    let others: Vec<&str> = types.iter().copied().filter(|t| *t != "\"null\"").collect();
    if others.len() == types.len() || others.is_empty() {
        return violation.to_owned();
    }
    let head = &head[..at];
    match others.as_slice() {
        [one] => format!("{head} is not of type {one} (or null)"),
        _ => format!("{head} is not of types {} (or null)", others.join(", ")),
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::input::{parse_size, wide_encoding, DEFAULT_MAX_BYTES};

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
    fn a_wrong_type_of_an_optional_field_names_null_last() {
        let text = MINIMAL.replace("\"request\": {}", "\"request\": {\"confirmed\": \"yes\"}");
        let err = load(&text).unwrap_err();
        assert!(
            err.message
                .ends_with("at /request/confirmed: \"yes\" is not of type \"boolean\" (or null)"),
            "{}",
            err.message
        );
        assert_eq!(
            null_last("1 is not of types \"null\", \"string\""),
            "1 is not of type \"string\" (or null)"
        );
        assert_eq!(
            null_last("1 is not of types \"a\", \"b\""),
            "1 is not of types \"a\", \"b\""
        );
        assert_eq!(
            null_last("1 is not one of [1, null]"),
            "1 is not one of [1, null]"
        );
    }

    #[test]
    fn an_empty_file_is_an_error() {
        assert_eq!(load("  \n").unwrap_err().kind, ErrorKind::Syntax);
    }

    /// Every `properties` of the contract, with the object's `required` list:
    /// (pointer of the property's schema, its name, whether it is required).
    fn properties(schema: &Json) -> Vec<(String, String, bool)> {
        fn walk(node: &Json, pointer: &str, out: &mut Vec<(String, String, bool)>) {
            match node {
                Json::Object(map) => {
                    if let Some(Json::Object(properties)) = map.get("properties") {
                        let required: Vec<&str> = map
                            .get("required")
                            .and_then(Json::as_array)
                            .map(|r| r.iter().filter_map(Json::as_str).collect())
                            .unwrap_or_default();
                        for name in properties.keys() {
                            out.push((
                                format!("{pointer}/properties/{name}"),
                                name.clone(),
                                required.contains(&name.as_str()),
                            ));
                        }
                    }
                    for (key, child) in map {
                        walk(child, &format!("{pointer}/{key}"), out);
                    }
                }
                Json::Array(items) => {
                    for (i, child) in items.iter().enumerate() {
                        walk(child, &format!("{pointer}/{i}"), out);
                    }
                }
                _ => {}
            }
        }
        let mut out = Vec::new();
        walk(schema, "", &mut out);
        out
    }

    #[test]
    fn every_optional_field_accepts_null_and_no_required_one_does() {
        let schema: Json = serde_json::from_str(SCHEMA_V1).unwrap();
        let fields = properties(&schema);
        assert!(fields.len() > 100, "{}", fields.len());
        let mut wrong = Vec::new();
        for (pointer, name, required) in &fields {
            // The property's own schema, with the contract's definitions.
            let mut alone = serde_json::json!({
                "$schema": "https://json-schema.org/draft/2020-12/schema",
                "$defs": schema["$defs"].clone(),
                "$ref": "#/$defs/__field",
            });
            alone["$defs"]["__field"] = schema.pointer(pointer).unwrap().clone();
            let validator = jsonschema::options()
                .with_draft(jsonschema::Draft::Draft202012)
                .should_validate_formats(true)
                .build(&alone)
                .unwrap();
            if validator.is_valid(&Json::Null) == *required {
                wrong.push(format!("{pointer} ({name}, required: {required})"));
            }
        }
        assert!(
            wrong.is_empty(),
            "null accepted iff optional, but: {wrong:#?}"
        );
    }

    #[test]
    fn unknown_is_a_list_of_dotted_paths() {
        let with = |unknown: &str| {
            let text = MINIMAL.replace(
                "\"request\": {}",
                &format!("\"request\": {{}}, \"unknown\": {unknown}"),
            );
            load(&text)
        };
        for good in [
            r#"["telephony.port_outs", "account.identity_verified", "billing", "a_1.b2.c_"]"#,
            "[]",
            "null",
        ] {
            assert!(with(good).is_ok(), "{good}: {:?}", with(good).err());
        }
        for bad in [
            r#""billing""#,
            r#"["Billing"]"#,
            r#"["billing..invoices"]"#,
            r#"[".billing"]"#,
            r#"["billing."]"#,
            r#"["billing-invoices"]"#,
            r#"["billing/invoices"]"#,
            r#"["billing\n"]"#,
            r#"[""]"#,
            "[null]",
            "[1]",
        ] {
            let err = with(bad).expect_err(bad);
            assert_eq!(err.kind, ErrorKind::Schema, "{bad}");
            assert!(err.message.contains("/unknown"), "{bad}: {}", err.message);
        }
    }

    #[test]
    fn the_strict_parser_builds_what_serde_json_builds() {
        let text = r#"{"a": [1, -2, 3.5, 1e300, 18446744073709551615, true, null, "\u00e9\n"],
                       "b": {"c": {}, "d": []}, "e": -0.0, "f": 12345678901234567890}"#;
        let strict = parse_json(text).unwrap_or_else(|_| panic!("parses"));
        assert_eq!(strict, serde_json::from_str::<Json>(text).unwrap());
    }

    fn duplicate(text: &str) -> Duplicate {
        match parse_json(text) {
            Err(ParseFailure::Duplicate(duplicate)) => duplicate,
            Err(ParseFailure::Syntax(err)) => panic!("a syntax error: {err}"),
            Ok(_) => panic!("parsed: {text}"),
        }
    }

    #[test]
    fn a_repeated_member_name_is_found_at_both_places() {
        let found = duplicate(r#"{"a": 1, "b": {"x": [{"s": 1, "s": 2}]}}"#);
        assert_eq!(
            found,
            Duplicate {
                name: "s".into(),
                first: 22,
                second: 30,
                len: 3
            }
        );
        // Names are compared decoded.
        let found = duplicate(r#"{"state": "live", "st\u0061te": "gone"}"#);
        assert_eq!(
            (found.name.as_str(), found.first, found.second),
            ("state", 1, 18)
        );
        // The same name in two objects, or as a value, is no duplicate.
        assert!(parse_json(r#"{"a": {"id": 1}, "b": {"id": "id"}, "id": ["id"]}"#).is_ok());
        // Strings holding quotes, braces and escapes do not confuse the scan.
        let found = duplicate(r#"{"k": "\"}{,", "v": [{"k": 1}], "k": 2}"#);
        assert_eq!(
            (found.name.as_str(), found.first, found.second),
            ("k", 1, 32)
        );
    }

    #[test]
    fn a_duplicate_error_names_both_positions_in_file_lines() {
        let text = MINIMAL.replace(
            "\"account\": {\"id\": \"1\"}",
            "\"account\": {\"id\": \"1\",\n   \"id\": \"2\"}",
        );
        let err = SnapshotSchema::v1()
            .load_text(Source::line("s.jsonl", 7), 7, Arc::from(text.as_str()))
            .unwrap_err();
        assert_eq!(err.kind, ErrorKind::Syntax);
        assert_eq!(err.position, Some((9, 4)));
        assert!(
            err.message
                .contains("duplicate member \"id\" at 9:4; first at 8:36"),
            "{}",
            err.message
        );
    }

    #[test]
    fn wide_encodings_are_named_by_mark_or_by_their_nul_bytes() {
        let utf16le: Vec<u8> = "{\"a\"".encode_utf16().flat_map(u16::to_le_bytes).collect();
        let utf16be: Vec<u8> = "{\"a\"".encode_utf16().flat_map(u16::to_be_bytes).collect();
        let utf32le: Vec<u8> = "{\"a\""
            .chars()
            .flat_map(|c| (c as u32).to_le_bytes())
            .collect();
        let utf32be: Vec<u8> = "{\"a\""
            .chars()
            .flat_map(|c| (c as u32).to_be_bytes())
            .collect();
        for (bytes, name) in [
            (&utf16le[..], "UTF-16LE"),
            (&utf16be[..], "UTF-16BE"),
            (&utf32le[..], "UTF-32LE"),
            (&utf32be[..], "UTF-32BE"),
            (&[0xFF, 0xFE, b'{', 0][..], "UTF-16LE"),
            (&[0xFE, 0xFF, 0, b'{'][..], "UTF-16BE"),
            (&[0xFF, 0xFE, 0, 0, b'{', 0, 0, 0][..], "UTF-32LE"),
            (&[0, 0, 0xFE, 0xFF][..], "UTF-32BE"),
            (&[b'{', 0][..], "UTF-16LE"),
        ] {
            assert_eq!(wide_encoding(bytes), Some(name), "{bytes:?}");
        }
        for utf8 in [&b"{\"a\": 1}"[..], b"", b"{", b"\0\0\0\0", b"\xEF\xBB\xBF{"] {
            assert_eq!(wide_encoding(utf8), None, "{utf8:?}");
        }
    }

    #[test]
    fn a_byte_order_mark_is_left_out_of_the_text_and_the_positions() {
        let mut bytes = UTF8_BOM.to_vec();
        bytes.extend_from_slice(b"{\"a\":\n \xC3\xA9\xFF}");
        let err = decode(&Source::file("t.json"), bytes).unwrap_err();
        assert_eq!(err.position, Some((2, 3)));
        let (text, bom) = decode(&Source::file("t.json"), [UTF8_BOM, b"{}"].concat()).unwrap();
        assert_eq!((text.as_str(), bom), ("{}", true));
    }

    #[test]
    fn sizes_read_with_units() {
        assert_eq!(parse_size("1024"), Ok(1024));
        assert_eq!(parse_size("128MiB"), Ok(DEFAULT_MAX_BYTES));
        assert_eq!(parse_size("2 KiB"), Ok(2048));
        assert_eq!(parse_size("1GiB"), Ok(1 << 30));
        assert!(parse_size("0").is_err());
        assert!(parse_size("12MB").is_err());
        assert!(parse_size("-1").is_err());
        assert!(parse_size("lots").unwrap_err().contains("not a number"));
        assert!(parse_size("99999999999999999999").is_err());
        assert!(parse_size("17179869184GiB").is_err());
    }
}

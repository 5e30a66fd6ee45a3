//! Bytes to text: UTF-8 with or without a byte order mark; UTF-16 and UTF-32
//! are named for what they are.

use crate::model::{ErrorKind, InputError, Source};

use super::locate::line_column;
use super::UTF8_BOM;

/// Names UTF-16 and UTF-32 text, by its byte order mark or, without one, by
/// the NUL bytes its first (ASCII) characters carry (the method of RFC 4627,
/// section 3). JSON text never holds a NUL byte, so a match is never UTF-8
/// JSON.
pub fn wide_encoding(bytes: &[u8]) -> Option<&'static str> {
    match bytes {
        [0, 0, 0xFE, 0xFF, ..] => Some("UTF-32BE"),
        [0xFF, 0xFE, 0, 0, ..] => Some("UTF-32LE"),
        [0xFE, 0xFF, ..] => Some("UTF-16BE"),
        [0xFF, 0xFE, ..] => Some("UTF-16LE"),
        [0, 0, 0, a, ..] if *a != 0 => Some("UTF-32BE"),
        [a, 0, 0, 0, ..] if *a != 0 => Some("UTF-32LE"),
        [0, a, 0, _, ..] | [0, a] | [0, a, _] if *a != 0 => Some("UTF-16BE"),
        [a, 0, _, 0, ..] | [a, 0] | [a, 0, _] if *a != 0 => Some("UTF-16LE"),
        _ => None,
    }
}

/// The message for UTF-16 or UTF-32 text; `what` is "the file" or "the stream".
pub fn wide_encoding_message(what: &str, encoding: &str) -> String {
    format!(
        "{what} is {encoding} text; closeout reads UTF-8 (convert it, e.g. iconv -f {encoding} -t UTF-8)"
    )
}

/// Decodes a snapshot file's bytes: UTF-8, after a byte order mark if there is one.
pub(crate) fn decode(
    source: &Source,
    mut bytes: Vec<u8>,
) -> Result<(String, bool), Box<InputError>> {
    let bom = bytes.starts_with(UTF8_BOM);
    if bom {
        bytes.drain(..UTF8_BOM.len());
    } else if let Some(encoding) = wide_encoding(&bytes) {
        let message = wide_encoding_message("the file", encoding);
        return Err(Box::new(
            InputError::new(source, ErrorKind::Encoding, message).at_position(1, 1),
        ));
    }
    match String::from_utf8(bytes) {
        Ok(text) => Ok((text, bom)),
        Err(err) => {
            let valid = err.utf8_error().valid_up_to();
            let prefix = String::from_utf8_lossy(&err.as_bytes()[..valid]).into_owned();
            let (line, column) = line_column(&prefix, valid);
            let error = InputError::new(
                source,
                ErrorKind::Encoding,
                format!(
                    "the file is not UTF-8 text (invalid byte at line {line}, column {column})"
                ),
            );
            Err(Box::new(error.at_position(line, column)))
        }
    }
}

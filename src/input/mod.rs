//! Input: snapshots from the paths a user gives to validated documents, before
//! any policy sees them.
//!
//! - [`find`]: finding them on disk (regular files only; directories walked
//!   for `*.json` in sorted order), and reading within size limits;
//! - [`decode`]: bytes to text (UTF-8, with or without a byte order mark;
//!   UTF-16 and UTF-32 named);
//! - [`schema`]: parsing (a repeated member name is an error) and validating
//!   against the snapshot contract (`schema/snapshot-v1.json`);
//! - [`locate`]: where a value a JSON pointer names sits in the text.
//!
//! Uses only [`crate::model`].

pub mod decode;
pub mod find;
pub mod locate;
pub mod schema;

pub use decode::{wide_encoding, wide_encoding_message};
pub use find::{
    collect_inputs, find_inputs, is_import_dir, open_regular, Found, Input, Skipped,
    IMPORT_MANIFEST,
};
pub use schema::{Snapshot, SnapshotSchema};

/// The snapshot contract, version 1, as shipped in `schema/`.
pub const SCHEMA_V1: &str = include_str!("../../schema/snapshot-v1.json");

/// The default of both size limits: 128 MiB.
pub const DEFAULT_MAX_BYTES: u64 = 128 * 1024 * 1024;

/// The UTF-8 byte order mark, which Windows exporters write at the start of a file.
pub const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";

/// How much one input may make closeout read and hold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The largest snapshot file, in bytes (`--max-snapshot-bytes`).
    pub max_snapshot_bytes: u64,
    /// The longest line of a JSON Lines stream, in bytes, without its line
    /// ending (`--max-line-bytes`).
    pub max_line_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_snapshot_bytes: DEFAULT_MAX_BYTES,
            max_line_bytes: DEFAULT_MAX_BYTES,
        }
    }
}

/// Reads a byte count: a whole number, optionally followed by `KiB`, `MiB` or
/// `GiB` (`134217728`, `128MiB`). Zero is refused: it would reject everything.
pub fn parse_size(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(text.len());
    let (digits, unit) = text.split_at(split);
    let not_a_number = || format!("{text:?} is not a number of bytes (e.g. 134217728 or 128MiB)");
    if digits.is_empty() {
        return Err(not_a_number());
    }
    let scale: u64 = match unit.trim() {
        "" | "B" => 1,
        "KiB" => 1 << 10,
        "MiB" => 1 << 20,
        "GiB" => 1 << 30,
        other => {
            return Err(format!(
                "unknown unit {other:?}: give a number of bytes, optionally with KiB, MiB or GiB"
            ))
        }
    };
    let number: u64 = digits.parse().map_err(|_| not_a_number())?;
    match number.checked_mul(scale) {
        Some(0) => Err("the limit must be at least 1 byte".into()),
        Some(bytes) => Ok(bytes),
        None => Err(format!("{text} is too large")),
    }
}

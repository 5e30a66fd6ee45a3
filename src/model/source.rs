//! Where a result came from: a file, or one line of a JSON Lines stream.

/// Splits a result's source into the file and, for one line of a JSON Lines
/// stream (`big.jsonl:12`), that line. Formats that point into files (SARIF,
/// GitHub) need the file alone.
pub fn split_source(source: &str) -> (&str, Option<usize>) {
    if let Some((file, line)) = source.rsplit_once(':') {
        if !file.is_empty() && !line.is_empty() && line.bytes().all(|b| b.is_ascii_digit()) {
            if let Ok(line) = line.parse() {
                return (file, Some(line));
            }
        }
    }
    (source, None)
}

/// `FILE:LINE:COLUMN` for a position in a result's snapshot, as much of it as
/// is known. For a line of a stream the file is named once: `big.jsonl:12:5`,
/// not `big.jsonl:12:12:5`.
pub fn file_position(source: &str, line: Option<usize>, column: Option<usize>) -> String {
    let (file, stream_line) = split_source(source);
    match (line.or(stream_line), column) {
        (Some(line), Some(column)) => format!("{file}:{line}:{column}"),
        (Some(line), None) => format!("{file}:{line}"),
        (None, _) => file.to_string(),
    }
}

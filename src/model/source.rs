//! Where a result came from: a file, or one line of a JSON Lines stream.

use std::fmt;

use serde::{Deserialize, Serialize};

/// The input a result or an error belongs to: a path as the user gave it (or
/// `<stdin>`), and for one line of a JSON Lines stream, that line. Kept apart
/// so that no one has to split `"file:line"` again: a file named `acct:7` is
/// a file, not line 7 of `acct`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Source {
    pub path: String,
    /// 1-based line of a JSON Lines stream; `None` for a whole file.
    pub line: Option<usize>,
}

impl Source {
    /// A whole file.
    pub fn file(path: impl Into<String>) -> Source {
        Source {
            path: path.into(),
            line: None,
        }
    }

    /// Line `line` of the stream `path`.
    pub fn line(path: impl Into<String>, line: usize) -> Source {
        Source {
            path: path.into(),
            line: Some(line),
        }
    }

    /// `FILE:LINE:COLUMN` for a position in this source's snapshot, as much
    /// of it as is known. For a line of a stream the file is named once:
    /// `big.jsonl:12:5`, not `big.jsonl:12:12:5`.
    pub fn position(&self, line: Option<usize>, column: Option<usize>) -> String {
        let file = &self.path;
        match (line.or(self.line), column) {
            (Some(line), Some(column)) => format!("{file}:{line}:{column}"),
            (Some(line), None) => format!("{file}:{line}"),
            (None, _) => file.clone(),
        }
    }
}

/// `path`, or `path:line` for a line of a stream: the name every report shows.
impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}", self.path),
            None => f.write_str(&self.path),
        }
    }
}

/// Reports show a source as one string, exactly as before it was typed.
impl Serialize for Source {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

/// Reading a report back (`closeout merge`): the one place the string is
/// split again, since a report keeps only the string. A trailing `:DIGITS`
/// is taken for a stream line, as the report wrote it.
impl<'de> Deserialize<'de> for Source {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Source, D::Error> {
        let text = String::deserialize(deserializer)?;
        if let Some((path, line)) = text.rsplit_once(':') {
            let digits = !line.is_empty() && line.bytes().all(|b| b.is_ascii_digit());
            if let (false, true, Ok(line)) = (path.is_empty(), digits, line.parse()) {
                return Ok(Source::line(path, line));
            }
        }
        Ok(Source::file(text))
    }
}

impl From<&str> for Source {
    fn from(path: &str) -> Source {
        Source::file(path)
    }
}

impl From<String> for Source {
    fn from(path: String) -> Source {
        Source::file(path)
    }
}

impl From<&String> for Source {
    fn from(path: &String) -> Source {
        Source::file(path.as_str())
    }
}

impl From<&Source> for Source {
    fn from(source: &Source) -> Source {
        source.clone()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_colon_in_a_file_name_is_part_of_the_name() {
        let source = Source::file("acct:7");
        assert_eq!(source.to_string(), "acct:7");
        assert_eq!(source.position(Some(3), Some(4)), "acct:7:3:4");
        assert_eq!(source.position(None, None), "acct:7");
    }

    #[test]
    fn positions_name_a_stream_line_once() {
        assert_eq!(
            Source::file("a.json").position(Some(3), Some(4)),
            "a.json:3:4"
        );
        let line = Source::line("big.jsonl", 12);
        assert_eq!(line.to_string(), "big.jsonl:12");
        assert_eq!(line.position(Some(12), Some(5)), "big.jsonl:12:5");
        assert_eq!(line.position(None, None), "big.jsonl:12");
        assert_eq!(Source::file("a.json").position(None, Some(4)), "a.json");
    }

    #[test]
    fn serializes_as_the_shown_name() {
        let json = serde_json::to_string(&Source::line("a:b.jsonl", 3)).unwrap();
        assert_eq!(json, "\"a:b.jsonl:3\"");
    }
}

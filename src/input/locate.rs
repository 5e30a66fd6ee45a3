//! Where a value sits in a snapshot's text.
//!
//! serde_json's values keep no positions, so findings and schema errors, which
//! name a value by JSON pointer, are placed in the file by walking the pointer
//! through the text with serde_json's `RawValue`: each step reads one object or
//! array with its members left unparsed, as slices of the text, so only the
//! containers on the pointer's path are ever scanned and nothing is built.

use std::borrow::Cow;
use std::cell::{OnceCell, RefCell};
use std::collections::HashMap;
use std::fmt;
use std::rc::Rc;
use std::sync::Arc;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

use crate::model::{InputError, Span};

/// The position of a pointer's value, as found in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Location {
    /// The whole value the pointer names, or its nearest existing ancestor.
    pub value: Span,
    /// A short part of it that reads well under a label: the `"id": …` member of
    /// an object, or the first line of a larger value.
    pub label: Span,
    /// 1-based line and column (in characters) of the value's first character.
    pub line: usize,
    pub column: usize,
    /// False when the pointer named a missing member and an ancestor was used.
    pub exact: bool,
}

/// Finds pointers in one snapshot's text. Build it once per snapshot: it keeps
/// each container it has read, so pointers into one list read that list once.
pub struct Locator<'t> {
    text: &'t str,
    /// Containers already read, by the offset of their first character.
    read: RefCell<HashMap<usize, Rc<Container<'t>>>>,
    /// The offset where each line starts, found once: counting the newlines
    /// before each finding would be quadratic in a large account.
    line_starts: OnceCell<Vec<usize>>,
    /// `(byte offset, characters before it)` every [`CHAR_MARK`] bytes.
    char_marks: OnceCell<Vec<(usize, usize)>>,
}

const CHAR_MARK: usize = 1024;

/// An object's members or an array's elements, their values unparsed.
enum Container<'t> {
    Object(Members<'t>),
    Array(Vec<&'t RawValue>),
}

/// An object's members in text order, their values unparsed.
struct Members<'t>(Vec<(Cow<'t, str>, &'t RawValue)>);

impl<'de> Deserialize<'de> for Members<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MembersVisitor;
        impl<'de> Visitor<'de> for MembersVisitor {
            type Value = Members<'de>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut members = Vec::with_capacity(map.size_hint().unwrap_or(8));
                while let Some(member) = map.next_entry::<Cow<'de, str>, &'de RawValue>()? {
                    members.push(member);
                }
                Ok(Members(members))
            }
        }
        deserializer.deserialize_map(MembersVisitor)
    }
}

impl fmt::Debug for Locator<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Locator")
            .field("containers_read", &self.read.borrow().len())
            .finish()
    }
}

impl<'t> Locator<'t> {
    pub fn new(text: &'t str) -> Self {
        Self {
            text,
            read: RefCell::new(HashMap::new()),
            line_starts: OnceCell::new(),
            char_marks: OnceCell::new(),
        }
    }

    /// 1-based line and character column of a byte offset, as [`line_column`].
    fn line_column(&self, offset: usize) -> (usize, usize) {
        let starts = self
            .line_starts
            .get_or_init(|| std::iter::once(0).chain(newline_ends(self.text)).collect());
        let offset = offset.min(self.text.len());
        // The last line start at or before the offset.
        let line = starts.partition_point(|&start| start <= offset);
        let start = starts[line - 1];
        (
            line,
            self.chars_before(offset) - self.chars_before(start) + 1,
        )
    }

    /// How many characters precede a byte offset (a char boundary). A JSON
    /// Lines snapshot is one long line: counting from its start for each
    /// finding would be quadratic, so the count is kept every 1 KiB.
    fn chars_before(&self, offset: usize) -> usize {
        let marks = self.char_marks.get_or_init(|| {
            let mut marks = Vec::with_capacity(self.text.len() / CHAR_MARK + 1);
            let (mut at, mut chars) = (0, 0);
            while at <= self.text.len() {
                marks.push((at, chars));
                let mut next = (at + CHAR_MARK).min(self.text.len());
                while !self.text.is_char_boundary(next) {
                    next += 1;
                }
                if next == at {
                    break;
                }
                chars += self.text[at..next].chars().count();
                at = next;
            }
            marks
        });
        let k = marks.partition_point(|&(at, _)| at <= offset) - 1;
        let (at, chars) = marks[k];
        chars + self.text[at..offset].chars().count()
    }

    /// The object or array that starts `node`, read once.
    fn container(&self, node: &'t str) -> Option<Rc<Container<'t>>> {
        let offset = self.span_of(node).offset;
        if let Some(found) = self.read.borrow().get(&offset) {
            return Some(Rc::clone(found));
        }
        let container = Rc::new(match node.as_bytes().first()? {
            b'{' => Container::Object(serde_json::from_str(node).ok()?),
            b'[' => Container::Array(serde_json::from_str(node).ok()?),
            _ => return None,
        });
        self.read.borrow_mut().insert(offset, Rc::clone(&container));
        Some(container)
    }

    /// The span of `value`, a slice of the text.
    fn span_of(&self, value: &str) -> Span {
        Span {
            offset: value.as_ptr() as usize - self.text.as_ptr() as usize,
            len: value.len(),
        }
    }

    /// Locates an RFC 6901 pointer. A pointer into a missing member resolves to
    /// the nearest ancestor that exists; `None` only when the text is not JSON.
    pub fn locate(&self, pointer: &str) -> Option<Location> {
        // Only JSON's own blanks: `str::trim` would also take a form feed.
        let mut node = self.text.trim_matches([' ', '\t', '\n', '\r']);
        // The whole text must be one JSON value: reading the top container
        // checks it all (even for the empty pointer); the inner ones are read lazily.
        if node.starts_with(['{', '[']) {
            self.container(node)?;
        } else {
            serde_json::from_str::<&RawValue>(node).ok()?;
        }
        // RFC 6901: a pointer is empty (the whole text) or starts with `/`;
        // any other string names no value, so it is placed at the top, inexactly.
        let mut exact = pointer.is_empty() || pointer.starts_with('/');
        let tokens = exact.then(|| pointer_tokens(pointer));
        for token in tokens.into_iter().flatten() {
            let next = match self.container(node).as_deref() {
                Some(Container::Object(members)) => members
                    .0
                    .iter()
                    .rev() // the last of repeated members is the one that counts
                    .find(|(key, _)| *key == token)
                    .map(|(_, value)| value.get()),
                Some(Container::Array(elements)) => array_index(&token)
                    .and_then(|index| elements.get(index))
                    .map(|value| value.get()),
                None if node.starts_with(['{', '[']) => return None, // not JSON
                None => None,
            };
            match next {
                Some(child) => node = child,
                None => {
                    exact = false;
                    break;
                }
            }
        }
        let value = self.span_of(node);
        let (line, column) = self.line_column(value.offset);
        Some(Location {
            value,
            label: self.label_span(node),
            line,
            column,
            exact,
        })
    }

    fn label_span(&self, node: &'t str) -> Span {
        if let Some(Container::Object(members)) = self.container(node).as_deref() {
            let identity = ["id", "number", "name"].iter().find_map(|key| {
                members
                    .0
                    .iter()
                    .find(|(name, _)| name == key)
                    .map(|(_, value)| value.get())
            });
            if let Some(value) = identity {
                let value = self.span_of(value);
                let start = key_start(self.text, value.offset);
                return Span {
                    offset: start,
                    len: value.offset + value.len - start,
                };
            }
        }
        let value = self.span_of(node);
        let line_end = node.find('\n').unwrap_or(node.len());
        Span {
            offset: value.offset,
            len: line_end.max(1).min(node.len()),
        }
    }
}

/// The offset of the opening quote of the member name before the value at
/// `value_offset` (`"name" : value`), in text that is valid JSON.
fn key_start(text: &str, value_offset: usize) -> usize {
    let bytes = text.as_bytes();
    let mut at = value_offset;
    // Back over the blanks and the colon to the closing quote of the name.
    while at > 0 && bytes[at - 1] != b'"' {
        at -= 1;
    }
    at = at.saturating_sub(1);
    // Back to the opening quote: the first `"` not escaped by a backslash.
    while at > 0 {
        at -= 1;
        if bytes[at] == b'"' {
            let backslashes = bytes[..at]
                .iter()
                .rev()
                .take_while(|b| **b == b'\\')
                .count();
            if backslashes % 2 == 0 {
                return at;
            }
        }
    }
    at
}

/// An RFC 6901 array index: `0`, or digits with no leading zero and no sign
/// (`01` and `+1` name no element), as serde_json's `Value::pointer` reads it.
fn array_index(token: &str) -> Option<usize> {
    let digits = !token.is_empty() && token.bytes().all(|b| b.is_ascii_digit());
    let leading_zero = token.len() > 1 && token.starts_with('0');
    (digits && !leading_zero)
        .then(|| token.parse().ok())
        .flatten()
}

/// Splits an RFC 6901 pointer into unescaped reference tokens.
pub fn pointer_tokens(pointer: &str) -> impl Iterator<Item = String> + '_ {
    pointer
        .split('/')
        .skip(1)
        .map(|token| token.replace("~1", "/").replace("~0", "~"))
}

/// The offsets just after each newline of `text`.
fn newline_ends(text: &str) -> impl Iterator<Item = usize> + '_ {
    text.bytes()
        .enumerate()
        .filter(|&(_, b)| b == b'\n')
        .map(|(i, _)| i + 1)
}

/// 1-based line and character column of a byte offset.
pub fn line_column(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = text[line_start..offset].chars().count() + 1;
    (line, column)
}

/// The byte offset of a 1-based line and character column.
pub fn offset_of(text: &str, line: usize, column: usize) -> usize {
    let line_start = line_start(text, line);
    let rest = &text[line_start.min(text.len())..];
    line_start
        + rest
            .char_indices()
            .nth(column.saturating_sub(1))
            .map_or(rest.len(), |(i, _)| i)
}

/// A named text for miette, whose snippet headings (`file:line:column`) count
/// the column in characters, as every position closeout reports does; miette's
/// own `NamedSource` counts bytes, so a line with "é" on it was one off.
#[derive(Debug, Clone)]
pub struct NamedText {
    name: String,
    text: Arc<str>,
}

impl NamedText {
    pub fn new(name: impl Into<String>, text: Arc<str>) -> Self {
        Self {
            name: name.into(),
            text,
        }
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn inner(&self) -> &Arc<str> {
        &self.text
    }
}

impl miette::SourceCode for NamedText {
    fn read_span<'a>(
        &'a self,
        span: &miette::SourceSpan,
        before: usize,
        after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let inner = self.text.read_span(span, before, after)?;
        // miette gives a column only without lines of context before: bytes
        // from the line's start to the span.
        let column = span
            .offset()
            .checked_sub(inner.column())
            .and_then(|start| self.text.get(start..span.offset()))
            .map_or(inner.column(), |head| head.chars().count());
        Ok(Box::new(miette::MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            *inner.span(),
            inner.line(),
            column,
            inner.line_count(),
        )))
    }
}

/// The byte offset of a 1-based line and a 1-based column counted in bytes,
/// as serde_json counts them, moved back to the start of the character it
/// falls in: a column past a multi-byte character never splits it.
pub fn offset_of_byte_column(text: &str, line: usize, column: usize) -> usize {
    let mut offset = line_start(text, line)
        .saturating_add(column.saturating_sub(1))
        .min(text.len());
    while !text.is_char_boundary(offset) {
        offset -= 1;
    }
    offset
}

/// The byte offset where 1-based `line` starts (the text's end past its last line).
fn line_start(text: &str, line: usize) -> usize {
    text.split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum()
}

/// The length in bytes of the character at `offset` (0 at the end).
pub fn char_len_at(text: &str, offset: usize) -> usize {
    text.get(offset..)
        .and_then(|rest| rest.chars().next())
        .map_or(0, char::len_utf8)
}

/// Placing an input's error in its text.
impl InputError {
    /// Points the error at `len` bytes from `offset` of `text`, with a snippet.
    pub(crate) fn at(mut self, text: &Arc<str>, offset: usize, len: usize) -> Self {
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

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str =
        "{\n  \"a\": {\n    \"b/c\": [10, {\"id\": \"x\", \"v\": 2}]\n  },\n  \"é\": \"z\"\n}\n";

    #[test]
    fn a_byte_column_inside_a_character_starts_at_that_character() {
        // serde_json counts "é" as two columns; its error on `x` is column 4.
        let text = "\"é\"x";
        assert_eq!(offset_of_byte_column(text, 1, 5), 4);
        assert_eq!(offset_of_byte_column(text, 1, 3), 1);
        assert_eq!(char_len_at(text, 1), 2);
        assert_eq!(char_len_at(text, text.len()), 0);
        assert_eq!(offset_of_byte_column("a\n\u{feef}", 2, 1), 2);
        assert_eq!(offset_of_byte_column("a", 9, 9), 1);
    }

    #[test]
    fn locates_nested_values_with_escapes() {
        let locator = Locator::new(TEXT);
        let at = locator.locate("/a/b~1c/0").unwrap();
        assert_eq!((at.line, at.column, at.exact), (3, 13, true));
        assert_eq!(&TEXT[at.value.offset..at.value.offset + at.value.len], "10");
    }

    #[test]
    fn labels_an_object_by_its_id_member() {
        let locator = Locator::new(TEXT);
        let at = locator.locate("/a/b~1c/1").unwrap();
        assert_eq!(
            &TEXT[at.label.offset..at.label.offset + at.label.len],
            "\"id\": \"x\""
        );
    }

    #[test]
    fn missing_member_falls_back_to_the_nearest_ancestor() {
        let locator = Locator::new(TEXT);
        let at = locator.locate("/a/missing/deeper").unwrap();
        assert!(!at.exact);
        assert_eq!((at.line, at.column), (2, 8));
    }

    #[test]
    fn the_line_index_agrees_with_counting_newlines() {
        let text = "{\n  \"a\": [1,\n 2],\n\n  \"é\": \"x\"\n}";
        let locator = Locator::new(text);
        for offset in 0..=text.len() {
            if text.is_char_boundary(offset) {
                assert_eq!(
                    locator.line_column(offset),
                    line_column(text, offset),
                    "at {offset}"
                );
            }
        }
    }

    #[test]
    fn columns_count_characters_not_bytes() {
        let locator = Locator::new(TEXT);
        let at = locator.locate("/é").unwrap();
        assert_eq!((at.line, at.column), (5, 8));
        assert_eq!(offset_of(TEXT, 5, 8), at.value.offset);
    }

    #[test]
    fn labels_find_member_names_with_escaped_quotes() {
        let text = "{\"x\": {\"na\\\"me\": 1, \"name\" :  \"n\"}}";
        let at = Locator::new(text).locate("/x").unwrap();
        assert_eq!(
            &text[at.label.offset..at.label.offset + at.label.len],
            "\"name\" :  \"n\""
        );
        let text = "{\"x\": {\"a\\\"\": 1, \"id\\\\\": 2}}";
        let found = Locator::new(text).locate("/x/a\"").unwrap();
        assert!(found.exact);
        assert_eq!(
            &text[found.value.offset..found.value.offset + found.value.len],
            "1"
        );
    }

    #[test]
    fn a_large_value_is_labelled_by_its_first_line() {
        let locator = Locator::new(TEXT);
        let at = locator.locate("/a").unwrap();
        assert_eq!(&TEXT[at.label.offset..at.label.offset + at.label.len], "{");
        let at = locator.locate("/a/b~1c/0").unwrap();
        assert_eq!(&TEXT[at.label.offset..at.label.offset + at.label.len], "10");
    }

    #[test]
    fn only_rfc_6901_pointers_and_indexes_are_exact() {
        // Found by fuzz/ (target locator): `/01` and `+1` were element 1, and a
        // pointer without its leading `/` was the whole text, all exactly,
        // where serde_json (and so waivers by object id) found nothing.
        let text = "[10, [20, 21]]";
        let locator = Locator::new(text);
        for (pointer, value) in [("/1/01", "[20, 21]"), ("/1/+1", "[20, 21]"), ("1", text)] {
            let at = locator.locate(pointer).unwrap();
            assert!(!at.exact, "{pointer}");
            assert_eq!(
                &text[at.value.offset..at.value.offset + at.value.len],
                value
            );
        }
        let at = locator.locate("/1/1").unwrap();
        assert!(at.exact);
        assert_eq!(&text[at.value.offset..at.value.offset + at.value.len], "21");
        assert!(locator.locate("/0").unwrap().exact);
    }

    #[test]
    fn unparsable_text_locates_nothing() {
        assert!(Locator::new("{\"a\": ").locate("/a").is_none());
        // Found by fuzz/ (target locator): the empty pointer located a broken
        // text as a whole, exactly, without reading it.
        assert!(Locator::new("{\"a\": [1, {\"id)\"").locate("").is_none());
        assert!(Locator::new("[1, 2] x").locate("").is_none());
        assert!(Locator::new("4\u{c}").locate("").is_none());
        assert!(Locator::new(" \r\n4\t\n").locate("").unwrap().exact);
    }
}

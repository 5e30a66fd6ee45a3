//! Where a value sits in a snapshot's text.
//!
//! serde_json keeps no positions, so findings and schema errors, which name a
//! value by JSON pointer, are placed in the file by a second, span-keeping parse
//! (jsonc-parser). It runs only for snapshots that have something to point at.

use jsonc_parser::ast::{ObjectPropName, Value as Node};
use jsonc_parser::common::Ranged;
use jsonc_parser::{CollectOptions, ParseOptions};

/// A byte range in a snapshot's text.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Span {
    pub offset: usize,
    pub len: usize,
}

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

/// Finds pointers in one snapshot's text. Build it once per snapshot.
pub struct Locator<'t> {
    text: &'t str,
    root: Option<Node<'t>>,
}

impl<'t> Locator<'t> {
    pub fn new(text: &'t str) -> Self {
        let strict = ParseOptions {
            allow_comments: false,
            allow_loose_object_property_names: false,
            allow_trailing_commas: false,
            allow_missing_commas: false,
            allow_single_quoted_strings: false,
            allow_hexadecimal_numbers: false,
            allow_unary_plus_numbers: false,
            allow_bare_decimal_point_numbers: false,
            allow_non_finite_numbers: false,
            allow_extended_string_escapes: false,
        };
        let root = jsonc_parser::parse_to_ast(text, &CollectOptions::default(), &strict)
            .ok()
            .and_then(|parsed| parsed.value);
        Self { text, root }
    }

    /// Locates an RFC 6901 pointer. A pointer into a missing member resolves to
    /// the nearest ancestor that exists; `None` only when the text did not parse.
    pub fn locate(&self, pointer: &str) -> Option<Location> {
        let mut node = self.root.as_ref()?;
        let mut exact = true;
        for token in pointer_tokens(pointer) {
            let next = match node {
                Node::Object(object) => object.get(&token).map(|prop| &prop.value),
                Node::Array(array) => token
                    .parse::<usize>()
                    .ok()
                    .and_then(|index| array.elements.get(index)),
                _ => None,
            };
            match next {
                Some(child) => node = child,
                None => {
                    exact = false;
                    break;
                }
            }
        }
        let range = node.range();
        let value = Span {
            offset: range.start,
            len: range.end - range.start,
        };
        let (line, column) = line_column(self.text, range.start);
        Some(Location {
            value,
            label: self.label_span(node),
            line,
            column,
            exact,
        })
    }

    fn label_span(&self, node: &Node<'t>) -> Span {
        if let Node::Object(object) = node {
            let identity = ["id", "number", "name"].iter().find_map(|key| {
                object
                    .properties
                    .iter()
                    .find(|p| prop_name(&p.name) == *key)
            });
            if let Some(prop) = identity {
                let start = prop.name.range().start;
                return Span {
                    offset: start,
                    len: prop.value.range().end - start,
                };
            }
        }
        let range = node.range();
        let line_end = self.text[range.start..]
            .find('\n')
            .map_or(self.text.len(), |i| range.start + i);
        let end = range
            .end
            .min(line_end)
            .max(range.start + 1)
            .min(self.text.len());
        Span {
            offset: range.start,
            len: end - range.start,
        }
    }
}

impl std::fmt::Debug for Locator<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Locator")
            .field("parsed", &self.root.is_some())
            .finish()
    }
}

fn prop_name<'a>(name: &'a ObjectPropName<'_>) -> &'a str {
    name.as_str()
}

/// Splits an RFC 6901 pointer into unescaped reference tokens.
pub fn pointer_tokens(pointer: &str) -> impl Iterator<Item = String> + '_ {
    pointer
        .split('/')
        .skip(1)
        .map(|token| token.replace("~1", "/").replace("~0", "~"))
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
    let line_start = text
        .split_inclusive('\n')
        .take(line.saturating_sub(1))
        .map(str::len)
        .sum::<usize>();
    let rest = &text[line_start.min(text.len())..];
    line_start
        + rest
            .char_indices()
            .nth(column.saturating_sub(1))
            .map_or(rest.len(), |(i, _)| i)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str =
        "{\n  \"a\": {\n    \"b/c\": [10, {\"id\": \"x\", \"v\": 2}]\n  },\n  \"é\": \"z\"\n}\n";

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
    fn columns_count_characters_not_bytes() {
        let locator = Locator::new(TEXT);
        let at = locator.locate("/é").unwrap();
        assert_eq!((at.line, at.column), (5, 8));
        assert_eq!(offset_of(TEXT, 5, 8), at.value.offset);
    }

    #[test]
    fn unparsable_text_locates_nothing() {
        assert!(Locator::new("{\"a\": ").locate("/a").is_none());
    }
}

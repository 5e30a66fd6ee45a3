//! What text from a snapshot may not do to a reader: send a terminal escape,
//! break a line where none belongs, or reorder what is shown.
//!
//! A snapshot is written by someone else, and its names and ids reach every
//! report through the policies' messages. They may hold ESC sequences (colours,
//! OSC window titles, cursor moves), BEL, raw line breaks, C1 controls (U+009B
//! is CSI on some terminals), or bidi overrides and isolates (U+202A–U+202E,
//! U+2066–U+2069) that show `exe.png` for `gnp.exe`. [`visible`] writes each
//! such character as an escape, as ripgrep and git print file names: `\t`,
//! `\n`, `\r`, `\x1b` for the other C0 controls and DEL, `\u{9b}` for C1
//! controls, `\u{202e}` for the rest. U+2028/U+2029 (line and paragraph
//! separators) and the non-characters U+FFFE/U+FFFF, which XML cannot hold,
//! are escaped too. A backslash is left as it is: `\x1b` typed into a name
//! reads the same as an ESC in it, which is harmless, and JSON output keeps
//! the exact value.
//!
//! Snippets of the snapshot's own text cannot take escapes, which are longer
//! than the character they replace: [`Snippet`] puts U+FFFD (`�`) in place of
//! each such character instead and moves the labels' byte offsets to match,
//! so every label still underlines its value and columns stay those of the
//! file (one character for one).

use std::borrow::Cow;
use std::fmt::Write as _;
use std::sync::Arc;

/// Whether `c` is a control, a bidi override or isolate, a line or paragraph
/// separator, or a non-character XML forbids: what a report must not copy.
pub fn needs_escape(c: char) -> bool {
    matches!(
        c,
        '\0'..='\x1f'
            | '\x7f'..='\u{9f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2066}'..='\u{2069}'
            | '\u{2028}'
            | '\u{2029}'
            | '\u{fffe}'
            | '\u{ffff}'
    )
}

/// `text` with every character [`needs_escape`] written as an escape.
pub fn visible(text: &str) -> Cow<'_, str> {
    escape_where(text, needs_escape)
}

/// As [`visible`], but tabs and line breaks stay as they are: for formats
/// that hold them as data (a quoted CSV cell).
pub fn visible_keeping_lines(text: &str) -> Cow<'_, str> {
    escape_where(text, |c| {
        needs_escape(c) && !matches!(c, '\t' | '\n' | '\r')
    })
}

fn escape_where(text: &str, needs_escape: impl Fn(char) -> bool) -> Cow<'_, str> {
    if !text.chars().any(&needs_escape) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if !needs_escape(c) {
            out.push(c);
            continue;
        }
        match c {
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if u32::from(c) < 0x80 => {
                let _ = write!(out, "\\x{:02x}", u32::from(c));
            }
            c => {
                let _ = write!(out, "\\u{{{:x}}}", u32::from(c));
            }
        }
    }
    Cow::Owned(out)
}

/// The text of a snippet: the snapshot's own text with each character that
/// [`needs_escape`] replaced by U+FFFD, except those that make its lines (`\n`,
/// `\t`, and `\r` before `\n`). Offsets into the original map to offsets into
/// this text with [`Snippet::offset`].
#[derive(Debug, Clone)]
pub struct Snippet {
    pub text: Arc<str>,
    /// For each replaced character: its offset in the original, and how many
    /// bytes longer the text is after it than the original.
    shifts: Vec<(usize, usize)>,
}

const PLACEHOLDER: char = '\u{fffd}';

impl Snippet {
    pub fn new(original: &str) -> Snippet {
        let hostile = |at: usize, c: char| {
            needs_escape(c)
                && c != '\n'
                && c != '\t'
                && !(c == '\r' && original.as_bytes().get(at + 1) == Some(&b'\n'))
        };
        if !original.char_indices().any(|(at, c)| hostile(at, c)) {
            return Snippet {
                text: Arc::from(original),
                shifts: Vec::new(),
            };
        }
        let mut text = String::with_capacity(original.len() + 64);
        let mut shifts = Vec::new();
        let mut extra = 0;
        for (at, c) in original.char_indices() {
            if hostile(at, c) {
                text.push(PLACEHOLDER);
                extra += PLACEHOLDER.len_utf8() - c.len_utf8();
                shifts.push((at, extra));
            } else {
                text.push(c);
            }
        }
        Snippet {
            text: Arc::from(text),
            shifts,
        }
    }

    /// Where `offset` of the original text is in [`Snippet::text`]: after
    /// every character replaced before it. Always a character boundary of the
    /// text, and never past its end.
    pub fn offset(&self, offset: usize) -> usize {
        let before = self.shifts.partition_point(|&(at, _)| at < offset);
        let shift = before.checked_sub(1).map_or(0, |i| self.shifts[i].1);
        let mut mapped = offset.saturating_add(shift).min(self.text.len());
        while !self.text.is_char_boundary(mapped) {
            mapped -= 1;
        }
        mapped
    }

    /// `(offset, len)` of the original, mapped.
    pub fn span(&self, offset: usize, len: usize) -> (usize, usize) {
        let start = self.offset(offset);
        let end = self.offset(offset.saturating_add(len)).max(start);
        (start, end - start)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_and_bidi_are_written_as_escapes() {
        assert_eq!(
            visible("\u{1b}]0;pwned\u{7}\u{1b}[31mRED\u{1b}[0m"),
            "\\x1b]0;pwned\\x07\\x1b[31mRED\\x1b[0m"
        );
        assert_eq!(visible("a\nb\tc\rd\u{7f}"), "a\\nb\\tc\\rd\\x7f");
        assert_eq!(visible("\u{9b}31m"), "\\u{9b}31m");
        assert_eq!(visible("rtl\u{202e}gnp.exe"), "rtl\\u{202e}gnp.exe");
        assert_eq!(visible("\u{2066}x\u{2069}"), "\\u{2066}x\\u{2069}");
        assert_eq!(visible("bad\u{fffe}\u{2028}"), "bad\\u{fffe}\\u{2028}");
        assert_eq!(
            visible_keeping_lines("a\tb\r\nc\u{1b}[0m\u{202e}"),
            "a\tb\r\nc\\x1b[0m\\u{202e}"
        );
    }

    #[test]
    fn plain_text_is_borrowed_untouched() {
        for text in [
            "voucher V-1 (50 USD)",
            "Zhao Lei 赵磊 ✓",
            "C:\\x\\b.json",
            "",
        ] {
            assert!(matches!(visible(text), Cow::Borrowed(t) if t == text));
        }
    }

    #[test]
    fn snippets_keep_lines_and_labels() {
        let original = "{\r\n  \"id\": \"a\u{1b}[2J\u{202e}b\u{9b}\",\n\t\"x\": 1\r}";
        let snippet = Snippet::new(original);
        assert_eq!(
            &*snippet.text,
            "{\r\n  \"id\": \"a\u{fffd}[2J\u{fffd}b\u{fffd}\",\n\t\"x\": 1\u{fffd}}"
        );
        // The label on "x" moves by what the placeholders added before it.
        let x = original.find("\"x\"").unwrap();
        let (start, len) = snippet.span(x, 3);
        assert_eq!(&snippet.text[start..start + len], "\"x\"");
        // The label on the whole id value covers its placeholders.
        let value = original.find("\"a").unwrap();
        let (start, len) = snippet.span(value, "\"a\u{1b}[2J\u{202e}b\u{9b}\"".len());
        assert_eq!(
            &snippet.text[start..start + len],
            "\"a\u{fffd}[2J\u{fffd}b\u{fffd}\""
        );
        // Offsets past the end or inside a character stay on boundaries.
        assert_eq!(snippet.offset(usize::MAX / 2), snippet.text.len());
        // Every offset, on a boundary or not, maps to a boundary.
        for offset in 0..=original.len() + 2 {
            let mapped = snippet.offset(offset);
            assert!(snippet.text.is_char_boundary(mapped), "{offset}");
            let (start, len) = snippet.span(offset, 3);
            assert!(snippet.text.get(start..start + len).is_some(), "{offset}");
        }
        let clean = Snippet::new("{\"a\": 1}\r\n");
        assert_eq!(&*clean.text, "{\"a\": 1}\r\n");
        assert_eq!(clean.span(1, 3), (1, 3));
    }
}

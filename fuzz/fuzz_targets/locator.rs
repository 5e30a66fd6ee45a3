//! The locator: a JSON text and JSON pointers → where the value sits.
//!
//! The input is the text, then optionally a NUL byte and one more pointer to
//! try (JSON text never holds a raw NUL). Besides that pointer, every pointer
//! serde_json can resolve in the document is located (up to a cap), plus one
//! missing member under each of them.
//!
//! Invariants: no panic or hang; spans lie in the text, on character
//! boundaries, and the label inside the value; line and column are those of the
//! value's first character; a pointer serde_json resolves is found exactly, at
//! a value equal to serde_json's; a pointer it does not resolve is never exact;
//! a text that is JSON always gets a location.

#![no_main]

use closeout::input::locate::{line_column, Location, Locator};
use closeout_fuzz::assert_span;
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

/// Pointers checked per input: enough for any seed, bounded for speed.
const MAX_POINTERS: usize = 256;

fuzz_target!(|bytes: &[u8]| {
    let (text, extra) = match bytes.iter().rposition(|b| *b == 0) {
        Some(at) => (
            &bytes[..at],
            Some(String::from_utf8_lossy(&bytes[at + 1..])),
        ),
        None => (bytes, None),
    };
    let text = String::from_utf8_lossy(text);
    let locator = Locator::new(&text);
    let document: Option<Value> = serde_json::from_str(&text).ok();

    if let Some(pointer) = extra.as_deref() {
        let found = locator.locate(pointer);
        if document.is_some() {
            assert!(
                found.is_some(),
                "JSON text, yet {pointer:?} located nothing"
            );
        }
        if let Some(found) = found {
            check_location(&text, &found, pointer);
            // Without a document the text is not JSON to serde_json, or holds
            // a number out of its range (`1e7021`: valid JSON, which the
            // locator reads as text): only the spans can be checked.
            if let (true, Some(document)) = (found.exact, &document) {
                let expected = document
                    .pointer(pointer)
                    .unwrap_or_else(|| panic!("{pointer:?} is exact but serde_json finds nothing"));
                assert_eq!(&value_at(&text, &found), expected, "{pointer:?}");
            }
        }
    }

    let Some(document) = document else { return };
    let mut pointers = Vec::new();
    collect_pointers(&document, String::new(), &mut pointers);
    for pointer in &pointers {
        let expected = document
            .pointer(pointer)
            .expect("collected from the document");
        let found = locator
            .locate(pointer)
            .unwrap_or_else(|| panic!("{pointer:?} exists but was not located"));
        check_location(&text, &found, pointer);
        assert!(found.exact, "{pointer:?} exists but was located inexactly");
        assert_eq!(&value_at(&text, &found), expected, "{pointer:?}");

        // A member that is not there resolves to this value, inexactly.
        let missing = format!("{pointer}/\u{1}missing");
        if document.pointer(&missing).is_some() {
            continue;
        }
        let near = locator
            .locate(&missing)
            .unwrap_or_else(|| panic!("{missing:?} located nothing"));
        check_location(&text, &near, &missing);
        assert!(!near.exact, "{missing:?} cannot exist");
        assert_eq!(
            near.value, found.value,
            "{missing:?} falls back to its parent"
        );
    }
});

/// Every pointer to a value of `value` (depth first), at most [`MAX_POINTERS`].
fn collect_pointers(value: &Value, at: String, out: &mut Vec<String>) {
    if out.len() >= MAX_POINTERS {
        return;
    }
    out.push(at.clone());
    match value {
        Value::Object(members) => {
            for (key, member) in members {
                let token = key.replace('~', "~0").replace('/', "~1");
                collect_pointers(member, format!("{at}/{token}"), out);
            }
        }
        Value::Array(items) => {
            for (index, item) in items.iter().enumerate() {
                collect_pointers(item, format!("{at}/{index}"), out);
            }
        }
        _ => {}
    }
}

fn check_location(text: &str, found: &Location, pointer: &str) {
    assert_span(text, found.value, pointer);
    assert_span(text, found.label, pointer);
    assert!(found.value.len > 0, "{pointer:?}: an empty value span");
    let value_end = found.value.offset + found.value.len;
    assert!(
        found.label.offset >= found.value.offset
            && found.label.offset + found.label.len <= value_end,
        "{pointer:?}: label {:?} outside value {:?}",
        found.label,
        found.value
    );
    assert_eq!(
        (found.line, found.column),
        line_column(text, found.value.offset),
        "{pointer:?}: line and column of the value"
    );
}

fn value_at(text: &str, found: &Location) -> Value {
    let slice = &text[found.value.offset..found.value.offset + found.value.len];
    serde_json::from_str(slice).expect("a located value is JSON")
}

//! One snapshot file, as `closeout check FILE` reads it: bytes → UTF-8 → JSON →
//! the v1 contract → the bundled policies → a result, rendered as human output.
//!
//! Invariants: no panic or hang; fail closed (bytes serde_json cannot read as
//! JSON are an ERROR, never a verdict); every reported span lies in the text.

#![no_main]

use closeout::model::{Summary, Verdict};
use closeout::EngineKind;
use closeout_fuzz::{assert_result, human_style, scratch_file, with_checker};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let path = scratch_file("snapshot.json", bytes);
    let (result, text) = with_checker(EngineKind::Vm, |checker| checker.check_file(&path));
    assert_result(&result, text.as_deref());

    // A UTF-8 byte order mark may be accepted; past it the bytes must be JSON.
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if serde_json::from_slice::<serde_json::Value>(body).is_err() {
        assert_eq!(
            result.verdict,
            Verdict::Error,
            "unreadable JSON got a verdict"
        );
    }

    // What `check FILE` prints for it (the snippet uses the spans checked above).
    let mut out = Vec::new();
    {
        let mut reporter = closeout::render::reporter(
            closeout::render::Format::Human,
            human_style(),
            Box::new(&mut out),
        );
        let mut summary = Summary::default();
        summary.add(&result);
        reporter
            .report(&result, text.as_deref())
            .expect("writes to memory");
        reporter.finish(&summary).expect("writes to memory");
    }
    assert!(!out.is_empty(), "a result always prints something");
});

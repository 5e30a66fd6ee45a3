//! A JSON Lines stream, as `closeout check FILE.jsonl` reads it: the bytes are
//! written to a `.jsonl` file and checked by the library's `Checker` (its
//! stream reader, two workers, the bundled policies), reported as `--format
//! jsonl` writes it.
//!
//! Invariants: no panic or hang; every non-blank line yields exactly one
//! result, named `FILE:LINE`, in line order (a stream with none yields one
//! error); a line serde_json cannot read as JSON is an ERROR; the summary
//! counts every result; the jsonl output is one JSON object per result plus
//! the summary.

#![no_main]

use closeout::model::Verdict;
use closeout::EngineKind;
use closeout::{Input, RunOptions};
use closeout_fuzz::{assert_result, human_style, scratch_file, with_checker, Collect};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let path = scratch_file("stream.jsonl", bytes);
    let name = path.display().to_string();
    let mut out = Vec::new();
    let (results, summary) = {
        let inner = closeout::render::reporter(
            closeout::render::Format::Jsonl,
            human_style(),
            Box::new(&mut out),
        );
        let mut collect = Collect::new(inner);
        let options = RunOptions {
            jobs: 1,
            keep_text: false,
        };
        let summary = with_checker(EngineKind::Interpreter, |checker| {
            checker.run(
                &[Input::Lines(path.clone())],
                options,
                &mut collect,
                &mut |_| {},
            )
        })
        .expect("writing to memory does not fail");
        (collect.results, summary)
    };

    // The lines that must each give one result: 1-based number and bytes.
    // A byte order mark opening the stream is not part of its first line.
    let body = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let lines: Vec<(usize, &[u8])> = body
        .split(|b| *b == b'\n')
        .enumerate()
        .filter(|(_, line)| !line.iter().all(u8::is_ascii_whitespace))
        .map(|(i, line)| (i + 1, line))
        .collect();
    // UTF-16 and UTF-32 streams are named as such, by their first bytes
    // (RFC 4627's NUL pattern): one error for the stream, no line is read.
    // The reader looks at the first line, its newline included.
    let first = &bytes[..bytes
        .iter()
        .position(|b| *b == b'\n')
        .map_or(bytes.len(), |i| i + 1)];
    let wide = !bytes.starts_with(b"\xEF\xBB\xBF")
        && closeout::input::wide_encoding(first).is_some();
    if wide {
        assert_eq!(results.len(), 1, "a wide-encoded stream is one error");
        assert_eq!(results[0].verdict, Verdict::Error, "a wide stream is an error");
        assert_result(&results[0], None);
    } else if lines.is_empty() {
        assert_eq!(results.len(), 1, "an empty stream is one error");
        assert_eq!(
            results[0].verdict,
            Verdict::Error,
            "an empty stream is an error"
        );
    } else {
        assert_eq!(results.len(), lines.len(), "one result per non-blank line");
        for (result, (number, line)) in results.iter().zip(&lines) {
            assert_eq!(result.source.path, name, "the result names the file");
            assert_eq!(result.source.line, Some(*number), "results come in line order");
            assert_result(result, None);
            // A byte order mark may be accepted; past it the line must be JSON.
            let line = line.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(line);
            if serde_json::from_slice::<serde_json::Value>(line).is_err() {
                assert_eq!(result.verdict, Verdict::Error, "line {number} is not JSON");
            }
        }
    }
    assert_eq!(
        summary.snapshots,
        results.len(),
        "the summary counts every result"
    );

    let text = String::from_utf8(out).expect("jsonl output is UTF-8");
    let records: Vec<&str> = text.lines().collect();
    assert_eq!(
        records.len(),
        results.len() + 1,
        "one record per result, then the summary"
    );
    for record in records {
        let value: serde_json::Value = serde_json::from_str(record).expect("each record is JSON");
        assert!(value.get("type").is_some_and(|t| t.is_string()), "{record}");
    }
});

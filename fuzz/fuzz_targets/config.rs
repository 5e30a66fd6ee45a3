//! `closeout.toml`: bytes → UTF-8 → TOML → the validated `Config`, as
//! `--config FILE` reads it, then what `check` does with it: the unknown-id
//! check, waiver preparation, the policy data document, and the rendering of
//! each error as the CLI prints it (a snippet underlining the span).
//!
//! Invariants: no panic or hang; an error in a read file has a line, a column
//! and a span inside the file; every waiver has its required fields.

#![no_main]

use std::path::Path;

use closeout::config::Config;
use closeout::decide::waiver::Waivers;
use closeout_fuzz::{assert_position, assert_span, human_style, scratch_file};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let loaded = match std::str::from_utf8(bytes) {
        Ok(text) => Config::parse(Path::new("fuzz/closeout.toml"), text),
        // Not UTF-8: through the file reader, which reports where.
        Err(_) => Config::load(&scratch_file("closeout.toml", bytes)),
    };
    let config = match loaded {
        Ok(config) => config,
        Err(error) => {
            assert!(
                !error.message.trim().is_empty(),
                "an error says what is wrong"
            );
            if let Some(source) = &error.text {
                let text = source.inner();
                let span = error.span.expect("an error in a read file has a span");
                assert_span(text, span, "config error");
                let (line, column) = (error.line.expect("line"), error.column.expect("column"));
                assert_position(text, line, column, "config error");
            }
            let shown = closeout::render::human::diagnostic(&error, human_style());
            assert!(!shown.is_empty());
            return;
        }
    };
    for waiver in &config.waivers {
        for field in [
            &waiver.id,
            &waiver.account,
            &waiver.reason,
            &waiver.approved_by,
        ] {
            assert!(!field.trim().is_empty(), "a required waiver field is empty");
        }
    }
    // Half the ids "unknown", so issues are made and rendered.
    let issues = config.check_ids(|id| id.len() % 2 == 0);
    for issue in &issues {
        assert_span(&config.text, issue.span, "config issue");
        assert_position(&config.text, issue.line, issue.column, "config issue");
        let shown = closeout::render::human::diagnostic(&config.issue_error(issue), human_style());
        assert!(!shown.is_empty());
    }
    let _ = Waivers::new(&config.waivers);
    let data = config.defaults.data_document().to_string();
    assert!(serde_json::from_str::<serde_json::Value>(&data).is_ok());
    let _ = config.defaults.policy_sources();
});

//! Defects found by the fuzz targets in `fuzz/`, each pinned through the real
//! binary. The reproducer the fuzzer wrote is named in each test.

use std::process::Command;

mod common;
use common::{root, tempdir};

/// A pack whose one condition emits the pointers it is given.
fn pack_emitting(pointers: &[&str]) -> std::path::PathBuf {
    let dir = tempdir("fuzz-pointers");
    let list = pointers
        .iter()
        .map(|p| format!("{p:?}"))
        .collect::<Vec<_>>()
        .join(", ");
    let rego = format!(
        r#"package closeout.sipstation

import rego.v1

# METADATA
# title: Emits pointers
# description: Emits each pointer of a list as a finding.
# related_resources:
#   - ref: fuzz/README.md
# custom:
#   id: FZZ-001
#   kind: block
#   remediation: None.
#   reads: [account]
deny contains finding if {{
	some pointer in [{list}]
	finding := {{"id": "FZZ-001", "msg": pointer, "pointer": pointer}}
}}
"#
    );
    std::fs::write(dir.join("pack.rego"), rego).unwrap();
    dir
}

/// The 1-based line and column of the first occurrence of `needle` in `text`.
fn position_of(text: &str, needle: &str) -> (u64, u64) {
    let offset = text.find(needle).expect("the fixture holds it");
    let before = &text[..offset];
    let line = before.matches('\n').count() + 1;
    let column = before.rsplit('\n').next().unwrap().chars().count() + 1;
    (line as u64, column as u64)
}

/// fuzz target `locator`, reproducer `[10, [20, 21]]\0/1/01`: an array index
/// with a leading zero named element 1, exactly, though RFC 6901 (and
/// serde_json, which waivers by object id use) finds no such element. It now
/// falls back to the array, as any pointer to a missing value does.
#[test]
fn an_index_with_a_leading_zero_is_placed_at_its_array_not_at_an_element() {
    let snapshot = root().join("fixtures/sipstation/eligible-clean.json");
    let text = std::fs::read_to_string(&snapshot).unwrap();
    let pack = pack_emitting(&["/account/contacts/01", "/account/contacts/1"]);
    let output = Command::new(env!("CARGO_BIN_EXE_closeout"))
        .args(["check", "--no-bundled", "--policy"])
        .arg(&pack)
        .arg(&snapshot)
        .args(["--format", "json", "--now", "2026-11-21T00:00:00Z"])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let position = |pointer: &str| {
        let findings = report["results"][0]["findings"].as_array().unwrap();
        let finding = findings
            .iter()
            .find(|f| f["pointer"] == pointer)
            .unwrap_or_else(|| panic!("no finding at {pointer}"));
        (
            finding["line"].as_u64().unwrap(),
            finding["column"].as_u64().unwrap(),
        )
    };
    let (line, column) = position_of(&text, "\"contacts\": [");
    let array = (line, column + "\"contacts\": ".len() as u64);
    let second = position_of(&text, "{\n        \"id\": \"c-2\"");
    assert_eq!(position("/account/contacts/1"), second);
    assert_eq!(position("/account/contacts/01"), array);
    let _ = std::fs::remove_dir_all(pack);
}

/// Runs `closeout check FILE` in `format`, returning (exit code, stdout).
fn check(path: &std::path::Path, format: &str) -> (Option<i32>, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_closeout"))
        .arg("check")
        .arg(path)
        .args(["--format", format, "--now", "2026-11-21T00:00:00Z"])
        .output()
        .unwrap();
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
    )
}

/// fuzz target `snapshot`, reproducers `crash-b92281e7…` (the bytes
/// `EF BB AF`, the character U+FEEF, one short of a BOM) and seven others
/// with a multi-byte character where the JSON breaks: serde_json counts the
/// error's column in bytes, the span took one byte of a three-byte character,
/// and showing the snippet could split it. The span is the whole character,
/// and the column is counted in characters, in the heading too.
#[test]
fn a_syntax_error_at_a_multi_byte_character_spans_the_character() {
    let dir = tempdir("fuzz-columns");
    let feef = dir.join("feef.json");
    std::fs::write(&feef, [0xEF, 0xBB, 0xAF]).unwrap();
    let accented = dir.join("accented.json");
    std::fs::write(&accented, "{\"a\": \"é€\", x}").unwrap();

    for (path, column) in [(&feef, 1), (&accented, 13)] {
        let (code, json) = check(path, "json");
        assert_eq!(code, Some(2), "{json}");
        let report: serde_json::Value = serde_json::from_str(&json).unwrap();
        let error = &report["results"][0]["error"];
        assert_eq!(error["kind"], "syntax", "{error}");
        assert_eq!(
            (error["line"].as_u64(), error["column"].as_u64()),
            (Some(1), Some(column))
        );

        let (code, human) = check(path, "human");
        assert_eq!(code, Some(2), "{human}");
        let name = path.display().to_string();
        assert!(
            human.contains(&format!("{name}:1:{column}: could not be checked")),
            "{human}"
        );
        assert!(human.contains(&format!("[{name}:1:{column}]")), "{human}");
        assert!(
            human.contains(&format!("(line 1, column {column})")),
            "{human}"
        );
    }
    let _ = std::fs::remove_dir_all(dir);
}

/// fuzz target `config`, reproducer `crash-2f3240c6…`: a key nested past the
/// TOML parser's limit gave "recursion limit" with no place in the file. The
/// error now names the most nested line, and says that the parser gave none.
#[test]
fn a_toml_error_without_a_place_still_names_a_line() {
    let dir = tempdir("fuzz-config-depth");
    let config = dir.join("closeout.toml");
    let deep = vec!["k"; 300].join(".");
    std::fs::write(
        &config,
        format!("[defaults]\n# a comment\nx = 1\n{deep} = 1\n"),
    )
    .unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_closeout"))
        .current_dir(root())
        .args(["check", "fixtures/sipstation", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    // miette wraps the heading; read it as one line.
    let stderr = String::from_utf8_lossy(&output.stderr);
    let flat = stderr
        .split_whitespace()
        .filter(|word| *word != "│")
        .collect::<Vec<_>>()
        .join(" ");
    let place = format!(
        "{}:4:1: recursion limit: nesting too deep",
        config.display()
    );
    assert!(flat.contains(&place), "{stderr}");
    assert!(flat.contains("the TOML parser names no place"), "{stderr}");
}

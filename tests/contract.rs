//! The versioned output contract: `schema/report-v1.json` (`--format json`),
//! `schema/report-line-v1.json` (each `--format jsonl` line) and
//! `schema/audit-record-v1.json` (each `--audit-log` line) hold over every
//! golden and CLI snapshot of those formats and over the real binary's output
//! for every fixture and every bad input; and no email, phone number or key id
//! of the fixtures reaches any format unless `--no-redact` is given.

use std::path::{Path, PathBuf};
use std::process::Command;

use serde_json::Value;

mod common;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn validator(name: &str) -> jsonschema::Validator {
    let text = std::fs::read_to_string(root().join("schema").join(name)).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(&schema)
        .unwrap_or_else(|e| panic!("{name} is not a valid schema: {e}"))
}

fn errors(validator: &jsonschema::Validator, value: &Value) -> Vec<String> {
    validator
        .iter_errors(value)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

fn closeout(args: &[&str], dir: &Path) -> (Option<i32>, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_closeout"))
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap();
    (
        output.status.code(),
        String::from_utf8(output.stdout).unwrap(),
    )
}

const NOW: &str = "2026-11-21T00:00:00Z";

fn tempdir(name: &str) -> PathBuf {
    common::tempdir(&format!("contract-{name}"))
}

#[test]
fn every_json_report_holds_to_report_v1() {
    let schema = validator("report-v1.json");
    let mut documents = Vec::new();
    // check-invalid-inputs-json.stdout is not JSON as written: trycmd turns
    // backslashes into slashes; the run below covers those inputs.
    let golden = "tests/cmd/check-json.stdout";
    documents.push((
        golden.to_string(),
        std::fs::read_to_string(root().join(golden)).unwrap(),
    ));
    let (code, out) = closeout(
        &[
            "check",
            "fixtures",
            "tests/data/invalid",
            "--format",
            "json",
            "--now",
            NOW,
        ],
        &root(),
    );
    assert_eq!(code, Some(2));
    documents.push(("every fixture and bad input".into(), out));
    for (name, text) in documents {
        let value: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(value["version"], 1, "{name}");
        let problems = errors(&schema, &value);
        assert!(problems.is_empty(), "{name}: {problems:#?}");
    }
    // The schema is not empty words: a result without its verdict fails it.
    let mut broken: Value = serde_json::from_str(
        &std::fs::read_to_string(root().join("tests/cmd/check-json.stdout")).unwrap(),
    )
    .unwrap();
    broken["results"][0]
        .as_object_mut()
        .unwrap()
        .remove("verdict");
    assert!(!errors(&schema, &broken).is_empty());
}

#[test]
fn every_json_lines_line_holds_to_report_line_v1() {
    let schema = validator("report-line-v1.json");
    let mut streams = Vec::new();
    for golden in [
        "tests/data/golden/report.jsonl",
        "tests/cmd/check-format-jsonl.stdout",
    ] {
        streams.push((
            golden.to_string(),
            std::fs::read_to_string(root().join(golden)).unwrap(),
        ));
    }
    let (code, out) = closeout(
        &[
            "check",
            "fixtures",
            "tests/data/invalid",
            "--format",
            "jsonl",
            "--now",
            NOW,
        ],
        &root(),
    );
    assert_eq!(code, Some(2));
    streams.push(("every fixture and bad input".into(), out));
    for (name, text) in streams {
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines.len() > 1, "{name}");
        for (i, line) in lines.iter().enumerate() {
            let value: Value = serde_json::from_str(line).unwrap();
            let problems = errors(&schema, &value);
            assert!(problems.is_empty(), "{name}:{}: {problems:#?}", i + 1);
        }
        assert!(
            lines
                .last()
                .unwrap()
                .starts_with(r#"{"type":"summary","version":1,"#),
            "{name}"
        );
    }
    let wrong = serde_json::json!({"type": "error", "version": 1, "data": {"source": "x"}});
    assert!(!errors(&schema, &wrong).is_empty());
}

#[test]
fn every_audit_record_holds_to_audit_record_v1() {
    let schema = validator("audit-record-v1.json");
    let dir = tempdir("audit");
    let log = dir.join("audit.jsonl");
    let (code, _) = closeout(
        &[
            "check",
            "fixtures",
            "tests/data/invalid",
            "--format",
            "json",
            "--now",
            NOW,
            "--audit-log",
            log.to_str().unwrap(),
        ],
        &root(),
    );
    assert_eq!(code, Some(2));
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(text.lines().count() > 100);
    for (i, line) in text.lines().enumerate() {
        let value: Value = serde_json::from_str(line).unwrap();
        let problems = errors(&schema, &value);
        assert!(problems.is_empty(), "line {}: {problems:#?}", i + 1);
    }
}

/// Every email address, phone number and key id written in the fixtures.
fn personal_values() -> Vec<String> {
    let email = regex::Regex::new(r"[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(\.[A-Za-z0-9\-]+)+").unwrap();
    let phone = regex::Regex::new(r"\+[0-9]{8,15}").unwrap();
    let key = regex::Regex::new(r"AKID[A-Za-z0-9]{8,}").unwrap();
    let mut found = std::collections::BTreeSet::new();
    for entry in walkdir::WalkDir::new(root().join("fixtures")) {
        let entry = entry.unwrap();
        if entry.path().extension().is_some_and(|e| e == "json") {
            let text = std::fs::read_to_string(entry.path()).unwrap();
            for regex in [&email, &phone, &key] {
                found.extend(regex.find_iter(&text).map(|m| m.as_str().to_string()));
            }
        }
    }
    found.into_iter().collect()
}

#[test]
fn no_email_phone_or_key_id_of_the_fixtures_reaches_any_format() {
    let values = personal_values();
    assert!(values.len() > 50, "{} values", values.len());
    let dir = tempdir("redaction");
    let formats = [
        "human", "json", "jsonl", "sarif", "junit", "github", "csv", "markdown", "html",
    ];
    let mut args: Vec<String> = [
        "check",
        "fixtures",
        "--now",
        NOW,
        "--no-progress",
        "--color",
        "never",
    ]
    .map(String::from)
    .to_vec();
    for format in formats {
        args.extend(["--format".into(), format.into(), "--output".into()]);
        args.push(dir.join(format!("report.{format}")).display().to_string());
    }
    args.extend([
        "--audit-log".into(),
        dir.join("audit.jsonl").display().to_string(),
    ]);
    let with = |extra: &[&str]| {
        let mut all: Vec<&str> = args.iter().map(String::as_str).collect();
        all.extend(extra);
        let (code, _) = closeout(&all, &root());
        assert_eq!(code, Some(1));
        let mut seen = Vec::new();
        for name in formats
            .map(|f| format!("report.{f}"))
            .into_iter()
            .chain(["audit.jsonl".to_string()])
        {
            let text = std::fs::read_to_string(dir.join(&name)).unwrap();
            let _ = std::fs::remove_file(dir.join(&name));
            for value in &values {
                if text.contains(value.as_str()) {
                    seen.push(format!("{value} in {name}"));
                }
            }
        }
        seen
    };
    let leaked = with(&[]);
    assert!(leaked.is_empty(), "{leaked:#?}");
    // The test sees them when they are there: --no-redact shows them.
    let shown = with(&["--no-redact"]);
    for format in ["human", "json", "html"] {
        assert!(
            shown
                .iter()
                .any(|s| s.ends_with(&format!("report.{format}"))),
            "{shown:#?}"
        );
    }
}

#[test]
fn redact_rules_from_closeout_toml_mask_more() {
    let dir = tempdir("config");
    std::fs::write(
        dir.join("closeout.toml"),
        "[redact]\npointers = [\"/account/name\"]\npatterns = [\"Silverline\"]\n",
    )
    .unwrap();
    let fixture = root().join("fixtures/tencentcloud/blocked-api-keys.json");
    let (_, out) = closeout(
        &[
            "check",
            fixture.to_str().unwrap(),
            "--now",
            NOW,
            "--color",
            "never",
        ],
        &dir,
    );
    assert!(!out.contains("Silverline"), "{out}");
    assert!(
        out.contains(r#"the cancellation review of account "•••s Co" (200112345678)"#),
        "{out}"
    );
    std::fs::write(dir.join("closeout.toml"), "[redact]\npatterns = [\"(\"]\n").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_closeout"))
        .current_dir(&dir)
        .args(["check", fixture.to_str().unwrap(), "--now", NOW])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("closeout.toml:2:13"), "{stderr}");
    assert!(
        stderr.contains("redact.patterns: not a valid regular expression"),
        "{stderr}"
    );
}

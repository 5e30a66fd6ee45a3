//! A result names the file it came from, whatever characters the name holds:
//! a colon followed by digits is part of a file's name, not a line of a
//! stream (issue 10: `acct:7` was reported as line 7 of a file `acct`).

use std::process::Command;

mod common;

const NOW: &str = "2026-11-21T00:00:00Z";

/// Runs `check` in `dir` on `args` with `format`; returns standard output.
fn check(dir: &std::path::Path, args: &[&str], format: &str) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_closeout"))
        .current_dir(dir)
        .args(["check", "--no-progress", "--now", NOW, "--format", format])
        .args(args)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// A directory holding the blocked voucher fixture as `acct:7.json`, as
/// `acct:7` and as lines 1 and 2 of the stream `acct:7.jsonl`.
fn colon_names() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let fixture = common::root().join("fixtures/tencentcloud/blocked-vouchers.json");
    let text = std::fs::read_to_string(fixture).unwrap();
    std::fs::write(dir.path().join("acct:7.json"), &text).unwrap();
    std::fs::write(dir.path().join("acct:7"), &text).unwrap();
    let line: serde_json::Value = serde_json::from_str(&text).unwrap();
    let line = line.to_string();
    std::fs::write(dir.path().join("acct:7.jsonl"), format!("{line}\n{line}\n")).unwrap();
    dir
}

const INPUTS: [&str; 3] = ["acct:7.json", "acct:7", "acct:7.jsonl"];

#[test]
fn json_names_each_file_whole() {
    let dir = colon_names();
    let report: serde_json::Value =
        serde_json::from_str(&check(dir.path(), &INPUTS, "json")).unwrap();
    assert_eq!(
        common::sources(&report),
        ["acct:7.json", "acct:7", "acct:7.jsonl:1", "acct:7.jsonl:2"]
    );
}

#[test]
fn sarif_points_at_each_file_whole() {
    let dir = colon_names();
    let report: serde_json::Value =
        serde_json::from_str(&check(dir.path(), &INPUTS, "sarif")).unwrap();
    let mut places: Vec<(String, u64)> = report["runs"][0]["results"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["ruleId"] == "TCC-003")
        .map(|r| {
            let place = &r["locations"][0]["physicalLocation"];
            (
                place["artifactLocation"]["uri"]
                    .as_str()
                    .unwrap()
                    .to_string(),
                place["region"]["startLine"].as_u64().unwrap(),
            )
        })
        .collect();
    places.sort();
    let expected = [
        ("acct%3A7", 64),
        ("acct%3A7.json", 64),
        ("acct%3A7.jsonl", 1),
        ("acct%3A7.jsonl", 2),
    ];
    let expected: Vec<(String, u64)> = expected
        .iter()
        .map(|(uri, line)| (uri.to_string(), *line))
        .collect();
    assert_eq!(places, expected);
}

#[test]
fn github_annotates_each_file_whole() {
    let dir = colon_names();
    let out = check(dir.path(), &INPUTS, "github");
    let mut places: Vec<&str> = out
        .lines()
        .filter(|l| l.contains("title=TCC-003 "))
        .map(|l| {
            let start = l.find("file=").unwrap();
            let end = l[start..].find(",col=").unwrap();
            &l[start..start + end]
        })
        .collect();
    places.sort();
    assert_eq!(
        places,
        [
            "file=acct%3A7,line=64",
            "file=acct%3A7.json,line=64",
            "file=acct%3A7.jsonl,line=1",
            "file=acct%3A7.jsonl,line=2",
        ]
    );
}

//! Bad input never panics and never passes: each bad snapshot is an error result
//! naming the file and position, the others in the batch are still checked, and
//! the run exits 2.

use std::path::Path;
use std::process::{Command, Output};

mod common;
use common::{root, sources, tempdir};

fn closeout(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_closeout"))
        .current_dir(cwd)
        .args(args)
        .args(["--now", "2026-11-21T00:00:00Z"])
        .output()
        .unwrap()
}

fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).expect("stdout is one JSON document")
}

#[test]
fn each_invalid_snapshot_is_an_error_at_its_position() {
    // (file, error kind, line, column): see tests/data/invalid/README.md.
    let cases = [
        ("bad-enum.json", "schema", Some((21, 96))),
        ("bad-timestamp.json", "schema", Some((4, 18))),
        ("empty.json", "syntax", None),
        ("invalid-utf8.json", "encoding", Some((8, 18))),
        ("missing-provider.json", "schema", Some((1, 1))),
        ("not-an-object.json", "schema", Some((1, 1))),
        ("resources-object.json", "schema", Some((23, 16))),
        ("trailing-comma.json", "syntax", Some((12, 3))),
        ("truncated.json", "syntax", Some((17, 72))),
        ("unknown-provider.json", "unknown_provider", Some((5, 15))),
        ("wrong-schema-version.json", "schema", Some((2, 21))),
    ];
    let output = closeout(
        &root(),
        &[
            "check",
            "tests/data/invalid",
            "fixtures/sipstation/eligible-clean.json",
            "--format",
            "json",
        ],
    );
    assert_eq!(output.status.code(), Some(2));
    let report = json(&output);
    let results = report["results"].as_array().unwrap();
    assert_eq!(results.len(), cases.len() + 1);
    for (file, kind, position) in cases {
        let source = format!("tests/data/invalid/{file}");
        let result = results
            .iter()
            .find(|r| r["source"] == source.as_str())
            .unwrap_or_else(|| panic!("no result for {source}"));
        assert_eq!(result["verdict"], "error", "{source}");
        assert_eq!(
            result["error"]["kind"], kind,
            "{source}: {}",
            result["error"]
        );
        let got = result["error"]["line"]
            .as_u64()
            .zip(result["error"]["column"].as_u64());
        assert_eq!(
            got,
            position.map(|(l, c)| (l as u64, c as u64)),
            "{source}: {}",
            result["error"]["message"]
        );
        // Every error is also noted on stderr with file:line:column.
        let note = match position {
            Some((l, c)) => format!("error: {source}:{l}:{c}: "),
            None => format!("error: {source}: "),
        };
        assert!(
            String::from_utf8_lossy(&output.stderr).contains(&note),
            "stderr lacks {note}"
        );
    }
    // The good snapshot after the bad ones was still checked.
    let good = results.last().unwrap();
    assert_eq!(good["verdict"], "eligible");
    assert_eq!(report["summary"]["errors"], cases.len());
    assert_eq!(report["summary"]["eligible"], 1);
}

#[test]
fn a_directory_with_no_snapshot_is_an_error_not_a_pass() {
    let dir = tempdir("empty");
    std::fs::write(dir.join("notes.txt"), "not a snapshot").unwrap();
    let output = closeout(&dir, &["check", ".", "--format", "json"]);
    assert_eq!(output.status.code(), Some(2));
    let report = json(&output);
    assert_eq!(report["results"][0]["error"]["kind"], "unreadable");
    assert!(report["results"][0]["error"]["message"]
        .as_str()
        .unwrap()
        .contains("holds no *.json"));
}

#[cfg(unix)]
#[test]
fn a_symlink_loop_is_reported_and_the_walk_goes_on() {
    let dir = tempdir("loop");
    std::fs::create_dir_all(dir.join("a")).unwrap();
    std::os::unix::fs::symlink("..", dir.join("a/back")).unwrap();
    std::fs::copy(
        root().join("fixtures/sipstation/eligible-clean.json"),
        dir.join("a/ok.json"),
    )
    .unwrap();
    let output = closeout(&dir, &["check", ".", "--format", "json"]);
    assert_eq!(output.status.code(), Some(2));
    let report = json(&output);
    let results = report["results"].as_array().unwrap();
    assert!(
        results.iter().any(|r| r["verdict"] == "eligible"),
        "{report}"
    );
    assert!(
        results.iter().any(|r| r["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("loop"))),
        "{report}"
    );
}

#[test]
fn results_follow_the_order_of_the_arguments() {
    let output = closeout(
        &root(),
        &[
            "check",
            "fixtures/ukfast/eligible-clean.json",
            "fixtures/aptible",
            "fixtures/common/blocked-legal-hold.json",
            "--format",
            "json",
        ],
    );
    let report = json(&output);
    let sources = sources(&report);
    assert_eq!(
        sources.first(),
        Some(&"fixtures/ukfast/eligible-clean.json")
    );
    assert_eq!(
        sources.last(),
        Some(&"fixtures/common/blocked-legal-hold.json")
    );
    let aptible: Vec<&str> = sources[1..sources.len() - 1].to_vec();
    let mut sorted = aptible.clone();
    sorted.sort();
    assert_eq!(aptible, sorted, "a directory is walked in sorted order");
    assert!(aptible.iter().all(|s| s.starts_with("fixtures/aptible/")));
}

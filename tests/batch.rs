//! Batches: JSON Lines files and standard input, mixed invocations, and output
//! that is byte-identical at any job count.

use std::io::Write;
use std::path::PathBuf;
use std::process::{Command, Output, Stdio};

mod common;
use common::{root, sources};

const NOW: &str = "2026-11-21T00:00:00Z";

fn closeout(args: &[&str], stdin: Option<&[u8]>) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_closeout"))
        .current_dir(root())
        .args(args)
        .args(["--now", NOW, "--color", "never"])
        .env("COLUMNS", "100")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.unwrap_or_default()).unwrap();
    drop(input);
    child.wait_with_output().unwrap()
}

fn json(output: &Output) -> serde_json::Value {
    serde_json::from_slice(&output.stdout).expect("stdout is one JSON document")
}

/// Every fixture as one line of JSON Lines, with a blank line and a broken line.
fn stream() -> (Vec<u8>, usize) {
    let mut files: Vec<PathBuf> = Vec::new();
    for dir in ["aptible", "sipstation", "tencentcloud", "ukfast"] {
        for entry in std::fs::read_dir(root().join("fixtures").join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "json") {
                files.push(path);
            }
        }
    }
    files.sort();
    let mut out = Vec::new();
    for file in &files {
        let value: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(file).unwrap()).unwrap();
        out.extend(serde_json::to_vec(&value).unwrap());
        out.push(b'\n');
    }
    out.extend(b"\n{\"schema_version\": 1,\n");
    (out, files.len())
}

#[test]
fn output_is_identical_at_any_job_count() {
    for format in ["human", "json"] {
        let run = |jobs: &str| {
            closeout(
                &[
                    "check",
                    "fixtures",
                    "tests/data/invalid",
                    "--format",
                    format,
                    "--jobs",
                    jobs,
                ],
                None,
            )
        };
        let one = run("1");
        for jobs in ["2", "7"] {
            let many = run(jobs);
            assert_eq!(one.status.code(), many.status.code());
            assert!(
                one.stdout == many.stdout,
                "{format} output differs between --jobs 1 and --jobs {jobs}"
            );
            assert_eq!(one.stderr, many.stderr);
        }
    }
}

#[test]
fn json_lines_on_stdin_name_each_snapshot_by_line() {
    let (stream, count) = stream();
    let output = closeout(
        &["check", "-", "--format", "json", "--jobs", "2"],
        Some(&stream),
    );
    assert_eq!(
        output.status.code(),
        Some(2),
        "the broken last line is an error"
    );
    let report = json(&output);
    let results = report["results"].as_array().unwrap();
    assert_eq!(results.len(), count + 1, "one result per non-blank line");
    assert_eq!(results[0]["source"], "<stdin>:1");
    assert_eq!(results[count - 1]["source"], format!("<stdin>:{count}"));
    // The blank line is skipped; the broken one is reported at its own line.
    let broken = &results[count];
    assert_eq!(broken["source"], format!("<stdin>:{}", count + 2));
    assert_eq!(broken["error"]["kind"], "syntax");
    assert_eq!(broken["error"]["line"], count + 2);
    // Findings of a line point into that line of the stream.
    let first_finding = results
        .iter()
        .flat_map(|r| r["findings"].as_array().unwrap())
        .next()
        .unwrap();
    assert!(first_finding["line"].as_u64().unwrap() >= 1);
    assert!(
        String::from_utf8_lossy(&output.stderr).contains(&format!("error: <stdin>:{}:", count + 2))
    );
}

#[test]
fn a_jsonl_file_gives_the_same_verdicts_as_the_files_it_came_from() {
    let (stream, count) = stream();
    let dir = common::tempdir("batch-stream");
    let file = dir.join("all.jsonl");
    // Without the broken tail: every line is a valid snapshot.
    let valid: Vec<u8> = stream
        .split_inclusive(|b| *b == b'\n')
        .take(count)
        .flatten()
        .copied()
        .collect();
    std::fs::write(&file, &valid).unwrap();
    let from_lines = json(&closeout(
        &["check", file.to_str().unwrap(), "--format", "json"],
        None,
    ));
    let from_files = json(&closeout(
        &[
            "check",
            "fixtures/aptible",
            "fixtures/sipstation",
            "fixtures/tencentcloud",
            "fixtures/ukfast",
            "--format",
            "json",
        ],
        None,
    ));
    let verdicts = |report: &serde_json::Value| -> Vec<(String, Vec<String>)> {
        report["results"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                let ids = r["findings"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|f| f["id"].as_str().unwrap().to_string())
                    .collect();
                (r["verdict"].as_str().unwrap().to_string(), ids)
            })
            .collect()
    };
    assert_eq!(verdicts(&from_lines), verdicts(&from_files));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_mixed_invocation_keeps_the_order_of_its_arguments() {
    let output = closeout(
        &[
            "check",
            "fixtures/ukfast/eligible-clean.json",
            "-",
            "fixtures/common",
            "--format",
            "json",
        ],
        Some(b"\n"),
    );
    let report = json(&output);
    let sources = sources(&report);
    assert_eq!(sources[0], "fixtures/ukfast/eligible-clean.json");
    // An empty stream is an error, never a pass.
    assert_eq!(sources[1], "<stdin>");
    assert_eq!(report["results"][1]["error"]["kind"], "unreadable");
    assert!(sources[2..]
        .iter()
        .all(|s| s.starts_with("fixtures/common/")));
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn quiet_output_is_one_line_per_snapshot_and_a_summary() {
    let output = closeout(&["check", "fixtures/tencentcloud", "--quiet"], None);
    let text = String::from_utf8(output.stdout).unwrap();
    let fixtures = std::fs::read_dir(root().join("fixtures/tencentcloud"))
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .path()
                .extension()
                .is_some_and(|x| x == "json")
        })
        .count();
    let verdicts = text
        .lines()
        .filter(|l| l.starts_with("ELIGIBLE ") || l.starts_with("BLOCKED "))
        .count();
    assert_eq!(verdicts, fixtures);
    assert!(text.contains("BLOCKED fixtures/tencentcloud/blocked-vouchers.json (tencentcloud, snapshot tc-vouchers-2026-11-20): 1 blocking, 0 warnings, 1 note [TCC-003, TCC-012]"), "{text}");
    assert!(text.contains("Top blocking conditions"));
    let summary = text.lines().last().unwrap();
    assert!(
        summary.starts_with(&format!("{fixtures} snapshots checked: ")),
        "{summary}"
    );
    assert!(summary.ends_with(" blocked, 0 errors"), "{summary}");
}

/// A slow stream (a pipe fed as accounts are exported) gets each result while
/// its input is still open: results are neither batched nor buffered to the end.
#[test]
fn each_result_of_a_slow_stream_comes_out_before_the_stream_ends() {
    use std::io::BufRead;
    let fixture =
        std::fs::read_to_string(root().join("fixtures/aptible/blocked-app-endpoints.json"))
            .expect("fixture");
    let line: serde_json::Value = serde_json::from_str(&fixture).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_closeout"))
        .current_dir(root())
        .args(["check", "-", "--format", "jsonl", "--now", NOW])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut input = child.stdin.take().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines() {
            if tx.send(line.unwrap()).is_err() {
                return;
            }
        }
    });
    let wait = std::time::Duration::from_secs(30);
    for n in 1..=2 {
        writeln!(input, "{line}").unwrap();
        input.flush().unwrap();
        // Standard input stays open: the result must come anyway.
        let got = rx.recv_timeout(wait).expect("a result while stdin is open");
        let got: serde_json::Value = serde_json::from_str(&got).unwrap();
        assert_eq!(got["type"], "result");
        assert_eq!(got["data"]["source"], format!("<stdin>:{n}"));
    }
    drop(input);
    let summary: serde_json::Value = serde_json::from_str(&rx.recv_timeout(wait).unwrap()).unwrap();
    assert_eq!(summary["type"], "summary");
    assert_eq!(summary["data"]["snapshots"], 2);
    assert_eq!(child.wait().unwrap().code(), Some(1));
}

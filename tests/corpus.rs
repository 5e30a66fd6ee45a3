//! The bad-input corpus: hostile and extreme inputs, each run through the real
//! binary with its expected outcome.
//!
//! Every directory under `tests/corpus/` holds a `cases.toml` and the files its
//! cases name. A case runs `closeout <args...>` in the repository root
//! (`{dir}` in an argument is the case's directory, relative to the root;
//! `{tmp}` is a scratch directory of its own) and asserts what it lists:
//!
//! ```toml
//! [[case]]
//! name = "duplicate-state"            # unique within the file
//! args = ["check", "{dir}/dup-state.json", "--format", "json"]
//! stdin = "{dir}/lines.jsonl"         # optional: this file on standard input
//! exit = 2                            # the exit code, always asserted
//! # For `check --format json`, the result for `source` (default: the only one):
//! source = "{dir}/dup-state.json"
//! verdict = "error"                   # eligible | blocked | error
//! kind = "syntax"                     # error.kind
//! line = 3                            # error.line / error.column
//! column = 5
//! message = "duplicate member"        # a substring of error.message
//! ids = ["GEN-001"]                   # the exact, sorted set of finding ids
//! stderr = "limit"                    # a substring of standard error
//! stdout = "ELIGIBLE"                 # a substring of standard output
//! ```
//!
//! `--now 2026-11-21T00:00:00Z` is added to `check` and `plan` unless the case
//! gives its own `--now`. Nothing is skipped: a case whose file is missing fails.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde::Deserialize;

mod common;
use common::root;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Cases {
    case: Vec<Case>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    name: String,
    args: Vec<String>,
    stdin: Option<String>,
    exit: i32,
    source: Option<String>,
    verdict: Option<String>,
    kind: Option<String>,
    line: Option<u64>,
    column: Option<u64>,
    message: Option<String>,
    ids: Option<Vec<String>>,
    stderr: Option<String>,
    stdout: Option<String>,
}

fn case_dirs() -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(root().join("tests/corpus"))
        .expect("tests/corpus exists")
        .map(|e| e.unwrap().path())
        .filter(|p| p.join("cases.toml").is_file())
        .collect();
    dirs.sort();
    dirs
}

/// Runs one case; returns what did not hold.
fn run_case(dir: &Path, case: &Case, tmp: &Path) -> Vec<String> {
    let rel = dir.strip_prefix(root()).unwrap().display().to_string();
    let expand = |s: &str| {
        s.replace("{dir}", &rel)
            .replace("{tmp}", &tmp.display().to_string())
    };
    let mut args: Vec<String> = case.args.iter().map(|a| expand(a)).collect();
    if matches!(args.first().map(String::as_str), Some("check" | "plan"))
        && !args.iter().any(|a| a == "--now")
    {
        args.extend(["--now".into(), "2026-11-21T00:00:00Z".into()]);
    }
    let mut command = Command::new(env!("CARGO_BIN_EXE_closeout"));
    command.current_dir(root()).args(&args);
    command.stdin(match &case.stdin {
        Some(file) => {
            let path = root().join(expand(file));
            Stdio::from(
                std::fs::File::open(&path)
                    .unwrap_or_else(|e| panic!("{}: stdin {}: {e}", case.name, path.display())),
            )
        }
        None => Stdio::null(),
    });
    let output = command.output().expect("the binary runs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let mut problems = Vec::new();
    if output.status.code() != Some(case.exit) {
        problems.push(format!(
            "exit {:?}, expected {}",
            output.status.code(),
            case.exit
        ));
    }
    if let Some(want) = &case.stderr {
        if !stderr.contains(&expand(want)) {
            problems.push(format!("stderr lacks {want:?}"));
        }
    }
    if let Some(want) = &case.stdout {
        if !stdout.contains(&expand(want)) {
            problems.push(format!("stdout lacks {want:?}"));
        }
    }
    let wants_result = case.verdict.is_some()
        || case.kind.is_some()
        || case.line.is_some()
        || case.column.is_some()
        || case.message.is_some()
        || case.ids.is_some()
        || case.source.is_some();
    if wants_result {
        match result_of(&stdout, case.source.as_deref().map(expand).as_deref()) {
            Ok(result) => problems.extend(compare(case, &result)),
            Err(problem) => problems.push(problem),
        }
    }
    if !problems.is_empty() {
        problems.push(format!(
            "command: closeout {}\n--- stdout\n{}\n--- stderr\n{}",
            args.join(" "),
            truncate(&stdout),
            truncate(&stderr)
        ));
    }
    problems
}

fn truncate(text: &str) -> &str {
    match text.char_indices().nth(3000) {
        Some((at, _)) => &text[..at],
        None => text,
    }
}

/// The result of a `--format json` (or `jsonl`) report for `source`.
fn result_of(stdout: &str, source: Option<&str>) -> Result<serde_json::Value, String> {
    let results: Vec<serde_json::Value> = match serde_json::from_str::<serde_json::Value>(stdout) {
        Ok(report) => report["results"].as_array().cloned().unwrap_or_default(),
        Err(_) => stdout
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter(|l| l["type"] == "result" || l["type"] == "error")
            .map(|l| l["data"].clone())
            .collect(),
    };
    match source {
        Some(source) => results
            .into_iter()
            .find(|r| r["source"] == source)
            .ok_or_else(|| format!("no result for source {source}")),
        None if results.len() == 1 => Ok(results.into_iter().next().unwrap()),
        None => Err(format!(
            "expected exactly one result, found {}",
            results.len()
        )),
    }
}

fn compare(case: &Case, result: &serde_json::Value) -> Vec<String> {
    let mut problems = Vec::new();
    let mut check = |what: &str, got: &serde_json::Value, want: serde_json::Value| {
        if *got != want {
            problems.push(format!("{what}: got {got}, expected {want}"));
        }
    };
    if let Some(verdict) = &case.verdict {
        check("verdict", &result["verdict"], verdict.as_str().into());
    }
    let error = &result["error"];
    if let Some(kind) = &case.kind {
        check("error.kind", &error["kind"], kind.as_str().into());
    }
    if let Some(line) = case.line {
        check("error.line", &error["line"], line.into());
    }
    if let Some(column) = case.column {
        check("error.column", &error["column"], column.into());
    }
    if let Some(ids) = &case.ids {
        let got: BTreeSet<String> = result["findings"]
            .as_array()
            .map(|f| {
                f.iter()
                    .filter_map(|f| f["id"].as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        let want: BTreeSet<String> = ids.iter().cloned().collect();
        if got != want {
            problems.push(format!("ids: got {got:?}, expected {want:?}"));
        }
    }
    if let Some(message) = &case.message {
        let got = error["message"].as_str().unwrap_or_default();
        if !got.contains(message.as_str()) {
            problems.push(format!("error.message {got:?} lacks {message:?}"));
        }
    }
    problems
}

#[test]
fn every_corpus_case_holds() {
    let mut failures = Vec::new();
    let mut total = 0;
    for dir in case_dirs() {
        let text = std::fs::read_to_string(dir.join("cases.toml")).unwrap();
        let cases: Cases =
            toml::from_str(&text).unwrap_or_else(|e| panic!("{}/cases.toml: {e}", dir.display()));
        let mut names = BTreeSet::new();
        for case in &cases.case {
            assert!(
                names.insert(case.name.clone()),
                "{}: duplicate case name {}",
                dir.display(),
                case.name
            );
            total += 1;
            let tmp = common::tempdir(&format!(
                "corpus-{}-{}",
                dir.file_name().unwrap().to_string_lossy(),
                case.name
            ));
            let problems = run_case(&dir, case, &tmp);
            let _ = std::fs::remove_dir_all(&tmp);
            if !problems.is_empty() {
                failures.push(format!(
                    "{}/{}:\n  {}",
                    dir.file_name().unwrap().to_string_lossy(),
                    case.name,
                    problems.join("\n  ")
                ));
            }
        }
    }
    assert!(total > 0, "the corpus holds no case");
    assert!(
        failures.is_empty(),
        "{} of {total} corpus cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    eprintln!("{total} corpus cases held");
}

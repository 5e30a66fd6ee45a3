//! The goldens of `closeout import`: every case directory under
//! `fixtures/import/PROVIDER/CASE/` (the provider is the directory's name, so
//! a new provider's cases are picked up as they are added) holds an
//! `expected/` subdirectory, which neither import nor check reads:
//!
//! - `expected/snapshot.json`: exactly what `closeout import PROVIDER CASE
//!   -o FILE` writes (pretty JSON), byte for byte;
//! - `expected/check.toml`, written by hand, the statement of what the saved
//!   responses justify:
//!
//! ```toml
//! now = "2026-11-21T00:00:00Z"   # the --now of the check
//! exit = 1                       # closeout check's exit code
//! verdict = "blocked"            # eligible | blocked
//! ids = ["UKF-002", "UKF-009"]   # every condition id check reports, sorted, once each
//! ```
//!
//! or, for a case whose import fails (it has no `snapshot.json`):
//!
//! ```toml
//! import_exit = 2
//! error = "error: fixtures/import/...: ..."   # the first line of standard error
//! ```
//!
//! Each case runs the real binary from the repository root with the case's
//! path relative to it, as a user would. `CLOSEOUT_BLESS=1 cargo test --test
//! import_golden` rewrites the `snapshot.json` of the cases that import (and
//! nothing else: `check.toml` is never written by the test); the check is
//! still asserted against the hand-written `check.toml`.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use serde::Deserialize;

mod common;
use common::{root, tempdir};

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct Expected {
    now: Option<String>,
    exit: Option<i32>,
    verdict: Option<String>,
    ids: Option<Vec<String>>,
    import_exit: Option<i32>,
    error: Option<String>,
}

/// What a case's `check.toml` states, once validated.
enum Statement {
    Imports {
        now: String,
        exit: i32,
        verdict: String,
        ids: Vec<String>,
    },
    Fails {
        exit: i32,
        error: String,
    },
}

const MIXED: &str = "state either now, exit, verdict and ids (the import succeeds) \
                     or import_exit and error (it fails), nothing else";

impl Expected {
    fn statement(self) -> Result<Statement, String> {
        match self {
            Expected {
                now: Some(now),
                exit: Some(exit),
                verdict: Some(verdict),
                ids: Some(ids),
                import_exit: None,
                error: None,
            } => {
                if verdict != "eligible" && verdict != "blocked" {
                    return Err(format!(
                        "verdict {verdict:?} is neither eligible nor blocked"
                    ));
                }
                let canonical = ids.iter().collect::<BTreeSet<_>>();
                if !canonical.iter().copied().eq(ids.iter()) {
                    return Err(format!("ids {ids:?} are not sorted and unique"));
                }
                Ok(Statement::Imports {
                    now,
                    exit,
                    verdict,
                    ids,
                })
            }
            Expected {
                now: None,
                exit: None,
                verdict: None,
                ids: None,
                import_exit: Some(exit),
                error: Some(error),
            } => {
                if exit == 0 {
                    return Err("import_exit = 0 is not a failing import".into());
                }
                Ok(Statement::Fails { exit, error })
            }
            _ => Err(MIXED.into()),
        }
    }
}

fn closeout(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_closeout"))
        .current_dir(root())
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap()
}

/// Every `PROVIDER/CASE` directory under `fixtures/import/`, sorted.
fn cases() -> Vec<(String, String)> {
    let mut found = Vec::new();
    let base = root().join("fixtures/import");
    for provider in sorted_dirs(&base) {
        let name = file_name(&provider);
        let cases = sorted_dirs(&provider);
        assert!(
            !cases.is_empty(),
            "{} holds no case directory",
            provider.display()
        );
        for case in cases {
            found.push((name.clone(), file_name(&case)));
        }
    }
    found
}

fn sorted_dirs(dir: &Path) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.is_dir())
        .collect();
    dirs.sort();
    dirs
}

fn file_name(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().into_owned()
}

/// The first differing lines of two texts, as a small unified diff.
fn diff(expected: &str, actual: &str) -> String {
    let want: Vec<&str> = expected.lines().collect();
    let got: Vec<&str> = actual.lines().collect();
    let first = want
        .iter()
        .zip(&got)
        .position(|(w, g)| w != g)
        .unwrap_or(want.len().min(got.len()));
    // The lines both texts end with: the change lies between.
    let suffix = want[first..]
        .iter()
        .rev()
        .zip(got[first..].iter().rev())
        .take_while(|(w, g)| w == g)
        .count();
    let start = first.saturating_sub(3);
    let mut out = format!(
        "--- expected/snapshot.json\n+++ imported\n@@ line {} @@\n",
        first + 1
    );
    for line in &want[start..first] {
        out.push_str(&format!(" {line}\n"));
    }
    let removed = &want[first..want.len() - suffix];
    let added = &got[first..got.len() - suffix];
    for (sign, lines) in [('-', removed), ('+', added)] {
        for line in lines.iter().take(8) {
            out.push_str(&format!("{sign}{line}\n"));
        }
        if lines.len() > 8 {
            out.push_str(&format!("{sign}... {} more lines\n", lines.len() - 8));
        }
    }
    for line in want[want.len() - suffix..].iter().take(3) {
        out.push_str(&format!(" {line}\n"));
    }
    if want.len() == got.len() && expected.ends_with('\n') != actual.ends_with('\n') {
        out.push_str("(the texts differ in their final newline)\n");
    }
    out
}

/// Runs one case; every way it departs from its goldens, as messages.
fn run_case(provider: &str, case: &str, scratch: &Path, bless: bool) -> Vec<String> {
    let rel = format!("fixtures/import/{provider}/{case}");
    let expected_dir = root().join(&rel).join("expected");
    let check_toml = expected_dir.join("check.toml");
    let golden = expected_dir.join("snapshot.json");
    let Ok(text) = std::fs::read_to_string(&check_toml) else {
        return vec![format!(
            "{rel}: no expected/check.toml (write it by hand: see tests/import_golden.rs)"
        )];
    };
    let statement = match toml::from_str::<Expected>(&text)
        .map_err(|e| e.to_string())
        .and_then(Expected::statement)
    {
        Ok(statement) => statement,
        Err(e) => return vec![format!("{rel}/expected/check.toml: {e}")],
    };
    let output = scratch.join(format!("{provider}-{case}.snapshot.json"));
    let output_arg = output.to_str().unwrap();
    let imported = closeout(&["import", provider, &rel, "-o", output_arg]);
    let stderr = String::from_utf8_lossy(&imported.stderr).into_owned();
    let mut failures = Vec::new();
    match statement {
        Statement::Fails { exit, error } => {
            if imported.status.code() != Some(exit) {
                failures.push(format!(
                    "{rel}: import exited {:?}, expected {exit}\n{stderr}",
                    imported.status.code()
                ));
            }
            let first = stderr.lines().next().unwrap_or_default();
            if first != error {
                failures.push(format!(
                    "{rel}: the first line of standard error is\n  {first}\nexpected\n  {error}"
                ));
            }
            if !imported.stdout.is_empty() || output.exists() {
                failures.push(format!("{rel}: a failed import wrote a snapshot"));
            }
            if golden.exists() {
                failures.push(format!(
                    "{rel}: expected/snapshot.json exists but the case states a failing import"
                ));
            }
        }
        Statement::Imports {
            now,
            exit,
            verdict,
            ids,
        } => {
            if imported.status.code() != Some(0) {
                failures.push(format!(
                    "{rel}: import exited {:?}, expected 0\n{stderr}",
                    imported.status.code()
                ));
                return failures;
            }
            let actual = std::fs::read(&output).unwrap();
            let wanted = std::fs::read(&golden).ok();
            if wanted.as_deref() != Some(actual.as_slice()) {
                if bless {
                    std::fs::write(&golden, &actual).unwrap();
                    eprintln!("blessed {rel}/expected/snapshot.json");
                } else {
                    let shown = match &wanted {
                        None => "no expected/snapshot.json".to_owned(),
                        Some(bytes) => diff(
                            &String::from_utf8_lossy(bytes),
                            &String::from_utf8_lossy(&actual),
                        ),
                    };
                    failures.push(format!(
                        "{rel}: the import differs from expected/snapshot.json (CLOSEOUT_BLESS=1 rewrites it):\n{shown}"
                    ));
                }
            }
            let checked = closeout(&["check", output_arg, "--format", "json", "--now", &now]);
            let report: serde_json::Value = match serde_json::from_slice(&checked.stdout) {
                Ok(report) => report,
                Err(e) => {
                    failures.push(format!(
                        "{rel}: check printed no JSON report ({e})\n{}",
                        String::from_utf8_lossy(&checked.stderr)
                    ));
                    return failures;
                }
            };
            let result = &report["results"][0];
            if !result["error"].is_null() {
                failures.push(format!("{rel}: check gave an error: {}", result["error"]));
            }
            if checked.status.code() != Some(exit) {
                failures.push(format!(
                    "{rel}: check exited {:?}, expected {exit}",
                    checked.status.code()
                ));
            }
            if result["verdict"] != verdict.as_str() {
                failures.push(format!(
                    "{rel}: check's verdict is {}, expected {verdict:?}",
                    result["verdict"]
                ));
            }
            let found: Vec<String> = result["findings"]
                .as_array()
                .map(|findings| {
                    findings
                        .iter()
                        .map(|f| f["id"].as_str().unwrap_or_default().to_owned())
                        .collect::<BTreeSet<_>>()
                        .into_iter()
                        .collect()
                })
                .unwrap_or_default();
            if found != ids {
                failures.push(format!(
                    "{rel}: check reports the ids {found:?}, expected/check.toml states {ids:?}"
                ));
            }
        }
    }
    failures
}

#[test]
fn every_import_case_matches_its_goldens() {
    let bless = std::env::var_os("CLOSEOUT_BLESS").is_some_and(|v| v == "1");
    let scratch = tempdir("import-golden");
    let cases = cases();
    assert!(!cases.is_empty(), "no case under fixtures/import/");
    let failures: Vec<String> = cases
        .iter()
        .flat_map(|(provider, case)| run_case(provider, case, &scratch, bless))
        .collect();
    assert!(
        failures.is_empty(),
        "{} departures from the goldens in {} import cases:\n\n{}",
        failures.len(),
        cases.len(),
        failures.join("\n\n")
    );
}

#[test]
fn the_diff_shows_the_first_differing_lines() {
    let shown = diff(
        "{\n  \"a\": 1,\n  \"b\": 2\n}\n",
        "{\n  \"a\": 1,\n  \"b\": 3\n}\n",
    );
    assert!(shown.contains("@@ line 3 @@"), "{shown}");
    assert!(shown.contains(" {\n   \"a\": 1,\n-  \"b\": 2\n"), "{shown}");
    assert!(shown.ends_with("+  \"b\": 3\n }\n"), "{shown}");
    let shown = diff("{}\n", "{}");
    assert!(shown.contains("final newline"), "{shown}");
}
